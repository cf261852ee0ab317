"""Dumps: the quads of one graph (or of all) as gzipped N-Quads, cached per store snapshot.

A dump is written once per snapshot into ``<store>.dumps/<snapshot>/<name>.nq.gz`` (beside the store, like its
snapshots), first to a temporary file that is then renamed, so a reader never sees half a file; dumps of older
snapshots are deleted when one of a newer snapshot is written. Serving a file (not a stream) gives downloads a
Content-Length and lets them resume.

Names are checked against the catalog before anything touches the disk: only a graph the catalog describes, the
catalog itself, or ``all``.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import threading
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from kg import iris
from kg.catalog import list_catalog

ALL = "all"
_lock = threading.Lock()


def dump_names(store: Store) -> list[str]:
    """The names one can ask a dump of: every graph of the catalog, the catalog graph, and ``all``."""
    names = [entry.graph[len(iris.GRAPH):] for entry in list_catalog(store) if entry.graph.startswith(iris.GRAPH)]
    return [*sorted({*names, iris.CATALOG_GRAPH.value[len(iris.GRAPH):]}), ALL]


def dump_folder(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".dumps")


def write_dump(store: Store, name: str, target: Path) -> None:
    """The quads of graph ``name`` (all quads for ``all``) as gzipped N-Quads at ``target``, atomically."""
    graph = None if name == ALL else NamedNode(iris.GRAPH + name)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(filename=f"{name}.nq", mode="wb", fileobj=raw,
                                                          mtime=0) as out:
            serialize(store.quads_for_pattern(None, None, None, graph), out, format=RdfFormat.N_QUADS)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cached_dump(store: Store, name: str, *, store_path: Path, snapshot: str) -> Path | None:
    """The dump file of ``name`` for ``snapshot``, written if missing; None when ``name`` is no dump we offer."""
    if name not in dump_names(store):
        return None
    folder = dump_folder(store_path)
    target = folder / snapshot / f"{name}.nq.gz"
    with _lock:  # one writer at a time: a second request for the same dump waits and then reuses it
        if not target.exists():
            write_dump(store, name, target)
            for old in folder.iterdir():
                if old.is_dir() and old.name != snapshot:
                    shutil.rmtree(old, ignore_errors=True)
    return target
