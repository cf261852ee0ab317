"""Fixtures shared across the suite."""

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Store

from kg.accounts import add_partner, create_token, list_partners
from kg.loading import LoadReport, load_bundled
from kg.store import open_store

# A test's figures for the reader (measured, not asserted): ``record_property(PRINTED, text)``. They are printed at
# the end of the run, after the test's name; a print of the test itself would be lost under pytest-xdist.
PRINTED = "printed"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for report in terminalreporter.stats.get("passed", []):
        for name, text in getattr(report, "user_properties", ()):
            if name == PRINTED and report.when == "call":
                terminalreporter.write_line(f"\n{report.nodeid}:\n{text}")


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[LoadReport]]:
    """A real on-disk store with all bundled data loaded as `critmin load` loads it (read it, do not change it)."""
    from kg.analytics.materialise import materialise

    store = open_store(Path(tmp_path_factory.mktemp("bundled")) / "store")
    reports = load_bundled(store)
    materialise(store)  # as `critmin load` ends
    return store, reports


@pytest.fixture(scope="session")
def bundled_copy(bundled, tmp_path_factory: pytest.TempPathFactory):
    """Makes a private copy of the bundled store (a RocksDB checkpoint: hard links, about a millisecond) that an
    app can open for writing; call it for a new path each time."""

    def copy() -> Path:
        target = Path(tmp_path_factory.mktemp("bundled-copy")) / "store"
        bundled[0].backup(str(target))
        return target

    return copy


def issue_token(accounts_db: Path, *scopes: str, partner: str = "hub-admins") -> str:
    """A token string with ``scopes`` for ``partner`` (added first when missing) in a real accounts file."""
    if partner not in {p.slug for p in list_partners(accounts_db)}:
        add_partner(accounts_db, partner, name=f"Test partner {partner}")
    return create_token(accounts_db, partner, scopes=scopes, label="test")[1]


@pytest.fixture
def accounts_db(tmp_path: Path) -> Path:
    """A fresh accounts file for this test; give it to the app as ``Settings(accounts_db=accounts_db, ...)``."""
    return tmp_path / "accounts.sqlite3"


@pytest.fixture
def token_for(accounts_db: Path) -> Callable[..., str]:
    """Makes tokens in ``accounts_db``: ``token_for("read", partner="bgs")`` → ``cm_…``."""
    return lambda *scopes, partner="hub-admins": issue_token(accounts_db, *scopes, partner=partner)


@pytest.fixture
def admin_token(accounts_db: Path) -> str:
    """An admin token of the partner hub-admins, in ``accounts_db``."""
    return issue_token(accounts_db, "admin")
