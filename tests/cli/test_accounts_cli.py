"""`critmin partner add|list|remove` and `critmin token create|list|revoke` as real processes on a real file."""

import os
import subprocess
import sys
from pathlib import Path

from kg.accounts import authenticate


def critmin(*args: str, db: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kg.cli", *args]
    if env is None:
        command += ["--accounts-db", str(db)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_a_partner_gets_a_token_shown_once_that_authenticates(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    added = critmin("partner", "add", "bgs", "--name", "British Geological Survey", "--homepage",
                    "https://www.bgs.ac.uk/", db=db)
    assert added.returncode == 0, added.stderr
    assert "https://w3id.org/critmin/id/partner/bgs" in added.stdout
    created = critmin("token", "create", "bgs", "--scopes", "read,write", "--label", "notebook", db=db)
    assert created.returncode == 0, created.stderr
    full = created.stdout.strip()  # stdout is the token alone
    assert full.startswith("cm_") and "will not be shown again" in created.stderr
    caller = authenticate(db, full)
    assert caller is not None and caller.partner == "bgs" and caller.scopes == {"read", "write"}

    listed = critmin("partner", "list", db=db)
    assert listed.stdout.splitlines()[0].split("\t")[:3] == ["bgs", "British Geological Survey",
                                                             "https://www.bgs.ac.uk/"]
    tokens = critmin("token", "list", "bgs", db=db)
    [line] = tokens.stdout.splitlines()
    token_id = full.split("_")[1]
    assert line.split("\t")[:4] == [token_id, "bgs", "read,write", "notebook"] and line.endswith("active")
    assert full.split("_", 2)[2] not in tokens.stdout + tokens.stderr

    revoked = critmin("token", "revoke", token_id, db=db)
    assert revoked.returncode == 0 and f"Token {token_id} of bgs is revoked" in revoked.stdout
    assert authenticate(db, full) is None
    assert "\trevoked 20" in critmin("token", "list", db=db).stdout


def test_removing_a_partner_revokes_its_tokens(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    critmin("partner", "add", "tata", "--name", "Tata Chemicals", db=db)
    full = critmin("token", "create", "tata", "--scopes", "admin", db=db).stdout.strip()
    removed = critmin("partner", "remove", "tata", db=db)
    assert removed.returncode == 0 and "1 active token(s) revoked" in removed.stdout
    assert authenticate(db, full) is None
    assert critmin("partner", "list", db=db).stdout == ""


def test_the_setting_names_the_file_when_the_flag_is_absent(tmp_path: Path) -> None:
    db = tmp_path / "from-env.sqlite3"
    added = critmin("partner", "add", "bgs", "--name", "BGS", db=db, env={"CRITMIN_ACCOUNTS_DB": str(db)})
    assert added.returncode == 0, added.stderr
    assert db.exists()


def test_errors_are_one_clear_line_and_exit_non_zero(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    critmin("partner", "add", "bgs", "--name", "BGS", db=db)
    cases = [
        (("partner", "add", "BGS", "--name", "X"), "bad partner slug 'BGS'"),
        (("partner", "add", "bgs", "--name", "X"), "partner 'bgs' already exists"),
        (("partner", "add", "ok", "--name", "X", "--homepage", "ftp://x"), "bad homepage"),
        (("partner", "remove", "nobody"), "no partner 'nobody'"),
        (("token", "create", "nobody", "--scopes", "read"), "no partner 'nobody'"),
        (("token", "create", "bgs", "--scopes", "read,root"), "unknown scope 'root'"),
        (("token", "revoke", "abc"), "no token with the id 'abc'"),
        (("token", "list", "nobody"), "no partner 'nobody'"),
    ]
    for args, message in cases:
        result = critmin(*args, db=db)
        assert result.returncode != 0 and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("critmin: error: ")
        assert message in result.stderr, (args, result.stderr)
    missing = critmin("token", "create", "bgs", db=db)  # --scopes is required: argparse says so
    assert missing.returncode == 2 and "--scopes" in missing.stderr
