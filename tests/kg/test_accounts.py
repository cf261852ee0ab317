"""Partners and API tokens in a real SQLite file: hashing, revocation, removal, scopes and bad input."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from kg import iris
from kg.accounts import (
    ANONYMOUS,
    SCHEMA_VERSION,
    AccountError,
    Caller,
    add_partner,
    authenticate,
    create_token,
    list_partners,
    list_tokens,
    parse_scopes,
    remove_partner,
    revoke_token,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "accounts.sqlite3"  # the folder does not exist yet either
    add_partner(path, "bgs", name="British Geological Survey", homepage="https://www.bgs.ac.uk/")
    return path


def test_the_file_is_created_with_its_schema_version_in_wal_mode(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_partners_are_added_listed_and_named_by_an_iri(db: Path) -> None:
    add_partner(db, "ev-maker-2", name="  EV Maker  ")
    assert [(p.slug, p.name, p.homepage) for p in list_partners(db)] == [
        ("bgs", "British Geological Survey", "https://www.bgs.ac.uk/"), ("ev-maker-2", "EV Maker", None)]
    assert list_partners(db)[0].created_at.endswith("+00:00")
    assert iris.partner("bgs").value == "https://w3id.org/critmin/id/partner/bgs"
    assert iris.partner("bgs", base="https://kg.example/").value == "https://kg.example/id/partner/bgs"


def test_a_token_authenticates_as_its_partner_with_its_scopes(db: Path) -> None:
    token, full = create_token(db, "bgs", scopes=["read", "write"], label="notebook")
    assert full.startswith(f"cm_{token.id}_") and len(full) > 50
    caller = authenticate(db, full)
    assert caller == Caller(partner="bgs", scopes=frozenset({"read", "write"}), token_id=token.id)
    assert [(t.id, t.label, t.scopes, t.revoked_at) for t in list_tokens(db, "bgs")] == [
        (token.id, "notebook", frozenset({"read", "write"}), None)]
    second = create_token(db, "bgs", scopes=["read"])[1]
    assert second != full and authenticate(db, second).scopes == frozenset({"read"})


def test_only_a_hash_of_the_secret_is_stored(db: Path) -> None:
    token, full = create_token(db, "bgs", scopes=["admin"])
    secret = full.split("_", 2)[2]
    stored = b"".join(path.read_bytes() for path in db.parent.iterdir())  # the WAL file too
    assert token.id.encode() in stored  # the file is readable: the check below is not vacuous
    assert secret.encode() not in stored and full.encode() not in stored
    assert "secret" not in repr(list_tokens(db)).lower()


@pytest.mark.parametrize("tamper", [
    lambda full: full[:-1] + ("A" if full[-1] != "A" else "B"),  # right id, wrong secret
    lambda full: "cm_000000000000_" + full.split("_", 2)[2],  # unknown id, right secret
    lambda full: full.removeprefix("cm_"),
    lambda full: full + "x",
    lambda full: "",
    lambda full: "Bearer " + full,
])
def test_a_changed_or_malformed_token_does_not_authenticate(db: Path, tamper) -> None:
    full = create_token(db, "bgs", scopes=["read"])[1]
    assert authenticate(db, tamper(full)) is None


def test_a_revoked_token_never_authenticates_again(db: Path) -> None:
    token, full = create_token(db, "bgs", scopes=["read"])
    kept = create_token(db, "bgs", scopes=["read"])[1]
    revoked = revoke_token(db, token.id)
    assert revoked.revoked_at is not None and authenticate(db, full) is None
    assert revoke_token(db, token.id).revoked_at == revoked.revoked_at  # again: the first time stays
    assert authenticate(db, kept) is not None
    with pytest.raises(AccountError, match="no token with the id 'nope'"):
        revoke_token(db, "nope")


def test_removing_a_partner_revokes_its_tokens_and_keeps_its_slug(db: Path) -> None:
    add_partner(db, "tata", name="Tata Chemicals")
    full = create_token(db, "bgs", scopes=["admin"])[1]
    create_token(db, "bgs", scopes=["read"])
    other = create_token(db, "tata", scopes=["read"])[1]
    assert remove_partner(db, "bgs") == 2
    assert authenticate(db, full) is None and authenticate(db, other) is not None
    assert [p.slug for p in list_partners(db)] == ["tata"]
    assert all(t.revoked_at for t in list_tokens(db, "bgs"))  # its history stays listable
    with pytest.raises(AccountError, match="was removed"):
        add_partner(db, "bgs", name="Someone else")
    for refused in (lambda: remove_partner(db, "bgs"), lambda: create_token(db, "bgs", scopes=["read"])):
        with pytest.raises(AccountError, match="no partner 'bgs'"):
            refused()


def test_a_removed_partners_token_fails_even_if_its_row_was_not_revoked(db: Path) -> None:
    full = create_token(db, "bgs", scopes=["read"])[1]
    with sqlite3.connect(db) as conn:  # as if an older tool had only marked the partner
        conn.execute("UPDATE partner SET removed_at = '2026-01-01T00:00:00+00:00'")
    assert authenticate(db, full) is None


@pytest.mark.parametrize("slug", ["", "a", "BGS", "-bgs", "bgs-", "b_s", "b s", "bgs/x", "é-mine", "x" * 41])
def test_bad_slugs_are_refused(tmp_path: Path, slug: str) -> None:
    with pytest.raises(AccountError, match="bad partner slug"):
        add_partner(tmp_path / "a.sqlite3", slug, name="X")


@pytest.mark.parametrize(("call", "message"), [
    (lambda db: add_partner(db, "bgs", name="Again"), "already exists"),
    (lambda db: add_partner(db, "new", name="  "), "name must not be empty"),
    (lambda db: add_partner(db, "new", name="A\nB"), "one line"),
    (lambda db: add_partner(db, "new", name="X", homepage="javascript:alert(1)"), "bad homepage"),
    (lambda db: add_partner(db, "new", name="X", homepage="bgs.ac.uk"), "bad homepage"),
    (lambda db: create_token(db, "nobody", scopes=["read"]), "no partner 'nobody'"),
    (lambda db: create_token(db, "bgs", scopes=["read", "root"]), "unknown scope 'root'"),
    (lambda db: create_token(db, "bgs", scopes=[]), "at least one scope"),
    (lambda db: create_token(db, "bgs", scopes=["read"], label="x" * 201), "at most 200"),
    (lambda db: list_tokens(db, "nobody"), "no partner 'nobody'"),
    (lambda db: remove_partner(db, "nobody"), "no partner 'nobody'"),
])
def test_bad_input_gets_a_clear_error_and_changes_nothing(db: Path, call, message: str) -> None:
    before = (list_partners(db), list_tokens(db))
    with pytest.raises(AccountError, match=message):
        call(db)
    assert (list_partners(db), list_tokens(db)) == before


def test_scopes_imply_the_lesser_ones() -> None:
    def caller(*scopes: str) -> Caller:
        return Caller(partner="bgs", scopes=frozenset(scopes))

    assert [caller("read").can(s) for s in ("read", "write", "admin")] == [True, False, False]
    assert [caller("write").can(s) for s in ("read", "write", "admin")] == [True, True, False]
    assert [caller("admin").can(s) for s in ("read", "write", "admin")] == [True, True, True]
    assert not any(ANONYMOUS.can(s) for s in ("read", "write", "admin")) and ANONYMOUS.partner is None
    with pytest.raises(AccountError, match="unknown scope"):
        caller("read").can("delete")
    assert parse_scopes(" read, write ,") == frozenset({"read", "write"})


def test_authenticating_against_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    assert authenticate(tmp_path / "none.sqlite3", "cm_000000000000_" + "a" * 43) is None
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_file_that_is_not_an_accounts_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database at all, " * 100)
    with pytest.raises(AccountError, match="cannot use the accounts database"):
        list_partners(junk)
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(AccountError, match="schema version"):
        list_partners(newer)


def test_tokens_check_concurrently_from_threads_while_one_is_written(db: Path) -> None:
    full = create_token(db, "bgs", scopes=["read"])[1]
    results: list[object] = []

    def check() -> None:
        results.extend(authenticate(db, full) for _ in range(20))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    create_token(db, "bgs", scopes=["write"])
    for thread in threads:
        thread.join()
    assert len(results) == 160 and all(r is not None and r.partner == "bgs" for r in results)
