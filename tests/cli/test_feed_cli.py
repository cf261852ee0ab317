"""`critmin feed list|validate|load|status` as real processes against a real store."""

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def critmin(*args: str | Path, store: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kg.cli", *map(str, args)]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_feed_list_names_every_feed_and_what_it_reads() -> None:
    listing = critmin("feed", "list")
    assert listing.returncode == 0
    lines = dict(line.split("\t", 1) for line in listing.stdout.splitlines())
    assert {"countries", "critical-mineral-lists", "usgs-mcs2025-world"} <= set(lines)
    assert "MCS2025_World_Data" in lines["usgs-mcs2025-world"]


def test_validate_reports_row_column_and_value_and_writes_nothing(tmp_path: Path) -> None:
    clean = critmin("feed", "validate", "usgs-mcs2025-world", store=tmp_path / "store")
    assert clean.returncode == 0 and "0 problem(s)" in clean.stdout
    bad = critmin("feed", "validate", "usgs-mcs2025-world", DATA / "usgs_bad_number.csv", store=tmp_path / "store")
    assert bad.returncode == 1
    assert "row 3, column PROD_EST_ 2024, value 'about 2600'" in bad.stdout
    assert not (tmp_path / "store").exists()


def test_load_keeps_good_rows_and_status_says_why_rows_were_rejected(tmp_path: Path) -> None:
    store = tmp_path / "store"
    loaded = critmin("feed", "load", "usgs-mcs2025-world", DATA / "usgs_bad_number.csv", store=store)
    assert loaded.returncode == 0, loaded.stderr
    assert "from 3 records, 1 row(s) with problems" in loaded.stdout
    status = critmin("feed", "status", "usgs-mcs2025-world", store=store)
    assert "3 records read" in status.stdout and "1 row(s) with problems" in status.stdout
    assert "row 3, column PROD_EST_ 2024, value 'about 2600'" in status.stdout


def test_strict_load_rejects_the_whole_file_and_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert critmin("feed", "load", "usgs-mcs2025-world", store=store).returncode == 0
    before = critmin("feed", "status", store=store).stdout
    strict = critmin("feed", "load", "usgs-mcs2025-world", DATA / "usgs_bad_number.csv", "--strict", store=store)
    assert strict.returncode == 2
    assert "nothing loaded (strict)" in strict.stderr and "about 2600" in strict.stderr
    assert critmin("feed", "status", store=store).stdout == before


def test_unknown_feed_names_the_known_ones() -> None:
    result = critmin("feed", "validate", "no-such-feed")
    assert result.returncode == 2 and "critical-mineral-lists" in result.stderr
