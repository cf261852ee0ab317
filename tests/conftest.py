"""Fixtures shared across the suite."""

from pathlib import Path

import pytest
from pyoxigraph import Store

from kg.loading import LoadReport, load_bundled
from kg.store import open_store


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[LoadReport]]:
    """A real on-disk store with all bundled data loaded as `critmin load` loads it (read it, do not change it)."""
    store = open_store(Path(tmp_path_factory.mktemp("bundled")) / "store")
    return store, load_bundled(store)


@pytest.fixture(scope="session")
def bundled_copy(bundled, tmp_path_factory: pytest.TempPathFactory):
    """Makes a private copy of the bundled store (a RocksDB checkpoint: hard links, about a millisecond) that an
    app can open for writing; call it for a new path each time."""

    def copy() -> Path:
        target = Path(tmp_path_factory.mktemp("bundled-copy")) / "store"
        bundled[0].backup(str(target))
        return target

    return copy
