"""Physical views: per reader class, a read-only copy of the store without the graphs hidden from that class.

A reader class is the set of graph IRIs hidden from a caller (``kg.graph_access.hidden_graphs``). The empty set is
the main view: the live store, the query runner's current snapshot and the application's search index. Any other
class reads a view: a checkpoint of the store (hard links, about a millisecond) with its hidden graphs removed, which
costs the size of the hidden data only. Its path is what the query workers open for that class's SPARQL, and its
store answers in-process reads (pages, browse, VoID, dumps, reconciliation); it searches the application's index with
the class's graphs hidden (``SearchIndex.for_reader``).

Restricting each query's dataset with a list of graphs instead would be 100x slower on a store of many graphs (one
per document), so visibility is decided once per class and generation, not per query.

Over a remote store (``store_backend = remote``) a view copies nothing: its store is a
``kg.remote_view.RestrictedRemoteStore`` that sends every query with a dataset of the class's visible graphs, and
its ``snapshot`` is those graphs (``kg.remote_dataset.VisibleGraphs``), which the remote query runner turns into
the protocol's dataset for SPARQL from the network. Its folder holds only its dump cache.

Views are keyed by (class, generation). ``advance()`` (every write, via ``api.app.publish_snapshot``) starts a new
generation: views of older ones are no longer handed out and their folders are deleted once no request and no
query worker uses them (``remove_unused``), as ``kg.store.Snapshots`` does for the main snapshots.

>>> import tempfile, pathlib
>>> from pyoxigraph import Quad, NamedNode, Store
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = Store(str(folder / "store"))
>>> g = NamedNode("https://w3id.org/critmin/graph/partner/a/sites")
>>> store.add(Quad(NamedNode("urn:x"), NamedNode("urn:p"), NamedNode("urn:y"), g))
>>> views = Views(folder / "store")
>>> view = views.acquire(store, frozenset({g.value}), SearchIndex())
>>> len(store), len(view.store)
(1, 0)
>>> views.release(view); views.advance(); views.remove_unused(keep=set()); list(views.folder.iterdir())
[]
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Store

from kg.loading import recover_interrupted_loads
from kg.remote_dataset import VisibleGraphs
from kg.remote_store import RemoteStore
from kg.remote_view import restricted
from kg.search import ReaderIndex, SearchIndex
from kg.store import GraphStore, checkpoint, graph_names

VIEW_STORE = "store"  # the view's store folder inside the view's own folder, beside its dumps


@dataclass(eq=False)
class View:
    """What one reader class reads: a store, the snapshot its SPARQL runs over, a search index, a dump cache.

    ``snapshot`` None means the query runner's current snapshot (the main view); over a remote store, a restricted
    view's ``snapshot`` is the graphs it may see (``VisibleGraphs``), not a folder. Dumps are cached under
    ``dump_root``'s ``.dumps`` folder, in ``dump_key``, so one class never gets a dump written for another.
    """

    hidden: frozenset[str]
    generation: int
    store: GraphStore
    snapshot: Path | VisibleGraphs | None
    dump_root: Path
    dump_key: str
    index: SearchIndex | ReaderIndex
    users: int = 0

    @property
    def restricted(self) -> bool:
        return bool(self.hidden)

    def search_index(self) -> SearchIndex | ReaderIndex:
        """The application's search index as this class sees it (``SearchIndex.for_reader``): nothing to build."""
        return self.index


def main_view(store: GraphStore, *, dump_key: str, index: SearchIndex, store_path: Path, generation: int = 0) -> View:
    """The view of callers from whom nothing is hidden: the application's own objects, unchanged. ``dump_key``
    names the state of the store its dumps are cached for (the current snapshot's name, or the remote generation)."""
    return View(frozenset(), generation, store, None, store_path, dump_key, index)


def build_remote_view(store: RemoteStore, hidden: frozenset[str]) -> tuple[GraphStore, VisibleGraphs]:
    """A store seeing every graph of ``store`` but ``hidden``, and those graphs (what its SPARQL may see)."""
    visible = frozenset(g.value for g in graph_names(store)) - hidden
    return restricted(store, visible), VisibleGraphs(visible)


def build_view(store: Store, hidden: frozenset[str], target: Path) -> Store:
    """A checkpoint of ``store`` at ``target`` without the graphs ``hidden``, opened read-only.

    Writes in progress are taken out as a crash's would be (``recover_interrupted_loads``): staging graphs, which
    no access rule covers (a partner's private upload is staged before it is swapped in), and a new graph still
    being loaded."""
    checkpoint(store, target)
    copy = Store(str(target))
    recover_interrupted_loads(copy)
    for iri in sorted(hidden):
        graph = NamedNode(iri)
        if copy.contains_named_graph(graph):
            copy.remove_graph(graph)
    copy.flush()
    del copy  # closes it: RocksDB lets one process open a folder for writing, and read-only opens come next
    return Store.read_only(str(target))


class Views:
    """The restricted views of one store, in ``<store>.views/`` beside it; thread-safe."""

    def __init__(self, store_path: Path) -> None:
        self.folder = store_path.with_name(store_path.name + ".views")
        self.generation = 0
        self._views: dict[tuple[frozenset[str], int], View] = {}
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def clear(self) -> None:
        """Forget every view and delete the folder (views of an earlier run are stale)."""
        with self._lock:
            self._views.clear()
            shutil.rmtree(self.folder, ignore_errors=True)

    def advance(self) -> None:
        """The store or who may read what changed: views built from now on are of a new generation."""
        with self._lock:
            self.generation += 1

    def acquire(self, store: GraphStore, hidden: frozenset[str], index: SearchIndex) -> View:
        """The current generation's view for ``hidden``, built on first request; give it back with ``release``."""
        with self._lock:
            key = (hidden, self.generation)
            view = self._views.get(key)
            if view is not None:
                view.users += 1
                return view
        # One build at a time, outside the lock that releasing and cleaning up take (they run on the event loop):
        # a second request of the class waits here and then reuses the first one's view.
        with self._build_lock:
            with self._lock:
                view = self._views.get(key)
                if view is not None:
                    view.users += 1
                    return view
            path = self.folder / _folder_name(*key) / VIEW_STORE
            shutil.rmtree(path.parent, ignore_errors=True)
            path.parent.mkdir(parents=True)
            if isinstance(store, RemoteStore):
                view_store, visible = build_remote_view(store, hidden)
                view = View(hidden, key[1], view_store, visible, path, "view", index.for_reader(hidden))
            else:
                view = View(hidden, key[1], build_view(store, hidden, path), path, path, "view",
                            index.for_reader(hidden))
            with self._lock:
                self._views[key] = view
                view.users += 1
            return view

    def release(self, view: View) -> None:
        with self._lock:
            view.users -= 1

    def remove_unused(self, *, keep: set[Path]) -> None:
        """Delete the views of older generations that no request holds and no query worker has open (``keep``)."""
        with self._lock:
            stale = [key for key, view in self._views.items()
                     if key[1] != self.generation and view.users == 0 and view.snapshot not in keep]
            folders = [self._views.pop(key).dump_root.parent for key in stale]
        # the dictionary held the last references to those views' stores, so they are closed before their files go
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def _folder_name(hidden: frozenset[str], generation: int) -> str:
    digest = hashlib.sha256("\n".join(sorted(hidden)).encode()).hexdigest()[:16]
    return f"{generation:08d}-{digest}"
