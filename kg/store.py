"""The embedded Oxigraph store: opening it, in-process queries, and read-only snapshots for query workers.

Queries from the network never run in this process: they run in worker processes (``kg/query_runner.py``) over a
snapshot, a RocksDB checkpoint of hard links that ``snapshot()`` makes after every write. A worker can be killed at
a deadline without touching the store the server writes to.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode, QuerySolutions, Store, Variable

from kg import iris
from kg.query_inlining import inline_bindings

log = logging.getLogger("critmin")
_LOCK_MESSAGE = re.compile(r"lock", re.IGNORECASE)


class StoreLockedError(RuntimeError):
    """Another process (usually `critmin serve`) has the store open for writing."""


class StoreMissingError(RuntimeError):
    """The store folder does not exist (nothing has been loaded yet)."""


def open_store(path: Path) -> Store:
    """Open (creating if needed) the store for reading and writing; one process at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(str(path))
    except OSError as error:
        if _LOCK_MESSAGE.search(str(error)):
            raise StoreLockedError(
                f"the store at {path} is in use by another process (is `critmin serve` running?); "
                "stop it or point CRITMIN_STORE elsewhere"
            ) from error
        raise
    from kg.loading import recover_interrupted_loads  # loading builds on this module

    for name in recover_interrupted_loads(store):
        log.warning("the last load of graph %r did not finish; it was removed: load it again", name)
    return store


def open_store_read_only(path: Path) -> Store:
    """Open the store for reading while another process may hold it for writing."""
    if not (path / "CURRENT").exists():
        raise StoreMissingError(f"no store at {path}: run `critmin load` first")
    return Store.read_only(str(path))


def query(store: Store, sparql: str, **bindings: object) -> QuerySolutions:
    """Run one of our own SELECT queries in process over the union of all graphs.

    ``query(store, q, graph=NamedNode(...))`` binds ``?graph``: written into the text by ``kg.query_inlining`` (a
    substitution is planned as if the variable were free: up to 1000x slower), else as a pyoxigraph substitution.
    """
    inlined = inline_bindings(sparql, bindings)
    if inlined is not None:
        try:
            return store.query(inlined, use_default_graph_as_union=True, prefixes=iris.PREFIXES)
        except SyntaxError:
            pass  # a place a term cannot stand (BOUND(?x), …): the substitution below means the same thing
    substitutions = {Variable(name): value for name, value in bindings.items()}
    return store.query(
        sparql, use_default_graph_as_union=True, prefixes=iris.PREFIXES, substitutions=substitutions or None
    )


def graph_names(store: Store) -> list[NamedNode]:
    return sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)), key=lambda g: g.value)


class Snapshots:
    """Numbered read-only checkpoints of one store, in ``<store>.snapshots/`` beside it."""

    def __init__(self, store_path: Path) -> None:
        self.folder = store_path.with_name(store_path.name + ".snapshots")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def existing(self) -> Iterator[Path]:
        if self.folder.exists():
            yield from sorted(p for p in self.folder.iterdir() if p.is_dir())

    def create(self, store: Store) -> Path:
        """A new checkpoint of the store as it is now (about a millisecond: hard links)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name) for p in self.existing() if p.name.isdigit()]
        target = self.folder / f"{max(numbers, default=0) + 1:08d}"
        store.flush()
        store.backup(str(target))
        return target

    def remove_unused(self, *, keep: set[Path]) -> None:
        for snapshot in self.existing():
            if snapshot not in keep:
                shutil.rmtree(snapshot, ignore_errors=True)
