"""The store: opening the configured backend, in-process queries, and read-only snapshots for query workers.

The backend is the setting ``store_backend``: the embedded Oxigraph store (``open_store``) or a SPARQL server
(``open_remote_store``, a ``kg.remote_store.RemoteStore``); ``open_configured_store`` opens whichever is set, and
``GraphStore`` types code that takes either. With the embedded store, queries from the network never run in this
process: they run in worker processes (``kg/query_runner.py``) over a snapshot, a RocksDB checkpoint of hard links
that ``Snapshots.create`` makes after every write, so a worker can be killed at a deadline without touching the
store the server writes to. A remote store has no snapshots: the server is the source of truth.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TypeAlias

from pyoxigraph import NamedNode, QuerySolutions, Store, Variable

from kg import iris
from kg.query_inlining import inline_bindings
from kg.remote_store import RemoteStore, RemoteStoreError
from kg.settings import Settings
from kg.timings import step

log = logging.getLogger("critmin")
_LOCK_MESSAGE = re.compile(r"lock", re.IGNORECASE)


GraphStore: TypeAlias = Store | RemoteStore
"""Either backend: code typed with it uses only what both have (``kg.remote_store`` lists it)."""


class StoreLockedError(RuntimeError):
    """Another process (usually `critmin serve`) has the store open for writing."""


class StoreMissingError(RuntimeError):
    """The store folder does not exist (nothing has been loaded yet)."""


class StoreUnavailableError(RuntimeError):
    """The remote SPARQL server does not answer, or is not configured as the service needs."""


def open_configured_store(settings: Settings) -> GraphStore:
    """The store of ``settings.store_backend``, with loads that a killed process left half done removed."""
    if settings.store_backend == "remote":
        return open_remote_store(settings)
    return open_store(settings.store)


def remote_store(settings: Settings) -> RemoteStore:
    """A client of the configured SPARQL server, unchecked (``open_remote_store`` checks it)."""
    return RemoteStore(settings.remote_query_url, settings.remote_update_url, settings.remote_gsp_url or None,
                       timeout_s=settings.remote_timeout_s, union_default_graph=settings.remote_union_default_graph,
                       auth=settings.remote_auth)


def open_remote_store(settings: Settings) -> RemoteStore:
    """The configured SPARQL server, once it has answered and shown a union default graph."""
    store = remote_store(settings)
    url = settings.remote_query_url
    try:
        # read-only probes: a server without a union default graph answers the second one false when it has data
        in_graphs = bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))
        in_default = bool(store.query("ASK { ?s ?p ?o }"))
    except (RemoteStoreError, SyntaxError) as error:
        store.close()
        raise StoreUnavailableError(f"the remote store at {url} does not answer a query ({error}); start it, or "
                                    "check the settings remote_query_url and store_backend") from error
    if in_graphs and not in_default:
        store.close()
        raise StoreUnavailableError(f"the remote store at {url} does not answer queries over the union of its graphs: "
                                    "start it with a union default graph (oxigraph serve --union-default-graph; "
                                    "docs/remote-store.md)")
    _recover(store)
    return store


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
    _recover(store)
    return store


def _recover(store: GraphStore) -> None:
    from kg.loading import recover_interrupted_loads  # loading builds on this module

    for name in recover_interrupted_loads(store):
        log.warning("the last load of graph %r did not finish; it was removed: load it again", name)


def open_store_read_only(path: Path) -> Store:
    """Open the store for reading while another process may hold it for writing."""
    if not (path / "CURRENT").exists():
        raise StoreMissingError(f"no store at {path}: run `critmin load` first")
    return Store.read_only(str(path))


def query(store: GraphStore, sparql: str, **bindings: object) -> QuerySolutions:
    """Run one of our own SELECT queries in process over the union of all graphs.

    ``query(store, q, graph=NamedNode(...))`` binds ``?graph``: written into the text by ``kg.query_inlining`` (a
    substitution is planned as if the variable were free: up to 1000x slower), else as a pyoxigraph substitution.
    """
    return _run(store, sparql, bindings, {"use_default_graph_as_union": True})


def query_graphs(store: GraphStore, sparql: str, graphs: list[NamedNode], **bindings: object) -> QuerySolutions:
    """``query`` over ``graphs`` only: their union is the default graph, and GRAPH reaches none but them."""
    return _run(store, sparql, bindings, {"default_graph": graphs, "named_graphs": graphs})


def _run(store: GraphStore, sparql: str, bindings: dict[str, object], dataset: dict[str, object]) -> QuerySolutions:
    inlined = inline_bindings(sparql, bindings)
    if inlined is not None:
        try:
            return store.query(inlined, prefixes=iris.PREFIXES, **dataset)
        except SyntaxError:
            pass  # a place a term cannot stand (BOUND(?x), …): the substitution below means the same thing
    substitutions = {Variable(name): value for name, value in bindings.items()}
    return store.query(sparql, prefixes=iris.PREFIXES, substitutions=substitutions or None,
                       **dataset)


def graph_names(store: GraphStore) -> list[NamedNode]:
    return sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)), key=lambda g: g.value)


# RocksDB's flush, run by two threads at once on one store, can wait forever for a memtable flush no background
# thread will do (pyoxigraph 0.5.13: a feed reload and the hub summaries' background recomputation hung half the
# time in tests/api/test_feed_reload.py). Flushes take milliseconds: one at a time per process costs nothing.
_flushing = threading.Lock()


def flush(store: Store) -> None:
    """Writes the store's memtables to files, one flush at a time in this process."""
    with _flushing:
        store.flush()


def checkpoint(store: Store, target: Path) -> None:
    """A checkpoint of ``store`` at ``target`` (hard links, about a millisecond) holding every write made so far."""
    with _flushing:
        store.flush()
        store.backup(str(target))


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
        """A new checkpoint of the store as it is now (hard links; with a look at its graphs, about 15 ms on the
        bundled data), without the writes under way in it (another writer's staging graphs, a new graph half
        loaded), which are taken out as a crash's would be."""
        from kg.loading import recover_interrupted_loads, unfinished_writes  # kg.loading builds on this module

        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name) for p in self.existing() if p.name.isdigit()]
        target = self.folder / f"{max(numbers, default=0) + 1:08d}"
        with step("checkpoint"):
            checkpoint(store, target)
        probe = Store.read_only(str(target))
        unfinished = bool(unfinished_writes(probe))
        del probe  # closed before the folder is opened for writing
        if unfinished:  # seconds when another write has staged a feed's data
            with step("take out writes under way"):
                copy = Store(str(target))
                recover_interrupted_loads(copy)
                copy.flush()
                del copy  # closed before anyone opens the snapshot
        return target

    def remove_unused(self, *, keep: set[Path]) -> None:
        """Deletes the snapshots not in ``keep``, but never the newest (it may be on its way to being published) nor
        one being written (RocksDB checkpoints into ``<number>.tmp``, then renames it): a release of an old snapshot
        can run while a write publishes a new one."""
        finished = [snapshot for snapshot in self.existing() if snapshot.name.isdigit()]
        for snapshot in finished[:-1]:
            if snapshot not in keep:
                shutil.rmtree(snapshot, ignore_errors=True)
