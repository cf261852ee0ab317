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
