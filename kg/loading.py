"""Files and feeds into named graphs, each load all-or-nothing and recorded in the catalog.

Everything that can be wrong with the input (syntax, a strict feed's rejected rows) is found before the store is
touched, so a refused load leaves the store exactly as it was; the one exception is an RDF file for a graph that
does not exist yet, whose syntax errors surface while it is written and whose partial graph is then removed. Then a
marker goes in saying the graph is incomplete; the old graph is removed, the new data written (pyoxigraph's bulk
loader for files), and one SPARQL update swaps the catalog entry and drops the marker. A process that dies half way
leaves the marker, and the next open of the store removes the half-written graph and its catalog entry: each source
is then whole or absent, never partial.

Why not stage the new graph and swap it in one transaction? Oxigraph deletes about 30,000 quads/s inside a
transaction, so DROP + MOVE of a 300,000-triple graph took 49 s against 13 s this way.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, Variable, parse

from extractors.feeds.base import Feed, RowProblem
from kg import iris
from kg.catalog import (
    GraphDescription,
    LoadFacts,
    catalog_triples,
    file_sha256,
    load_activity,
    problem_node,
    rejected_row_count,
)
from kg.rq import fill_update, load_query
from kg.settings import PROJECT_ROOT, ontology_dir
from kg.store import flush
from kg.timings import step

SOFTWARE_VERSION = "0.1.0"
ONTOLOGY_DIR = ontology_dir()
# The bulk loader writes new files to disk on every call: faster for big files, slower for small ones.
BULK_LOAD_MIN_BYTES = 4 * 1024 * 1024
_QUAD_FORMATS = (RdfFormat.N_QUADS, RdfFormat.TRIG)
_GRAPH_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# A review decision (kg/review.py) stages its records and the accepted fact here before its one-transaction commit;
# a process killed between the two leaves the graph, a hub graph everyone reads, so recovery drops it too.
REVIEW_STAGING_PREFIX = iris.GRAPH + "review-staging-"
_RDF_SUFFIXES = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
    ".n3": RdfFormat.N3,
}


class LoadError(Exception):
    """A load that was refused; the store is unchanged. The message says what and where."""


class ProblemLike(Protocol):
    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class LoadReport:
    graph: str
    triples: int
    records_read: int
    rejected_rows: int
    problems: Sequence[ProblemLike]
    seconds: float


def check_graph_name(name: str) -> str:
    if not _GRAPH_NAME.match(name):
        raise LoadError(f"graph name {name!r} must be lowercase letters, digits and hyphens (e.g. 'partner-sites')")
    # the catalog, load staging, and the reviewers' graph and its staging (kg/review.py) are written by us only
    if name in {"catalog", "staging", "curated"} or iris.graph(name).value.startswith(REVIEW_STAGING_PREFIX):
        raise LoadError(f"graph name {name!r} is reserved")
    return name


def replace_graph(
    store: Store,
    description: GraphDescription,
    triples: Iterable[Triple],
    *,
    records_read: int,
    problems: Sequence[ProblemLike] = (),
    sha256: str | None = None,
    started: datetime | None = None,
) -> LoadReport:
    """Put ``triples`` into the graph ``description.name`` in place of what it held, with its catalog entry."""
    data = list(triples)
    return _swap_in(
        store,
        description,
        lambda target: store.extend(_in_graph(data, target)),
        records_read=records_read,
        problems=problems,
        sha256=sha256,
        started=started,
    )


def _swap_in(
    store: Store,
    description: GraphDescription,
    write_data: Callable[[NamedNode], object],
    *,
    records_read: int | None,
    problems: Sequence[ProblemLike] = (),
    sha256: str | None = None,
    started: datetime | None = None,
) -> LoadReport:
    """Replace the graph ``description.name`` with what ``write_data(graph)`` writes, and its catalog entry.

    A replacement writes the data into a staging graph, then one update puts it and the entry in place of the old
    ones, so that the store never holds the graph half written: a reader (a page, a snapshot or a restricted view
    taken meanwhile) sees the old graph or the new one. A crash or a failure leaves the old graph and entry (a crash
    leaves staging graphs, which the next start removes). That costs a second copy of the data (a load of the bundled
    data into an empty store, all new graphs, took 13 s; replacing every graph, 29 s), so a new graph is written in
    place, named by an incomplete-load marker until it commits: a crash leaves the marker, and the next start, or a
    view or snapshot taken meanwhile (``recover_interrupted_loads``), removes the graph it names with its entry."""
    clock = time.perf_counter()
    started = started or datetime.now(UTC)
    graph = iris.graph(check_graph_name(description.name))
    staging = f"{iris.STAGING_GRAPH_PREFIX}{description.name}/{uuid.uuid4().hex}/"
    staged_catalog, nothing = NamedNode(staging + "catalog"), NamedNode(staging + "nothing")
    if store.contains_named_graph(graph):
        target, cleared, marker = NamedNode(staging + "data"), graph, nothing
    else:
        target, cleared, marker = graph, nothing, NamedNode(staging + iris.INCOMPLETE_MARKER)
        store.add(Quad(marker, iris.term("incompleteGraph"), graph, marker))
    try:
        with step("write data"):
            write_data(target)
        triples = count_triples(store, target)
        facts = LoadFacts(
            triples=triples,
            records_read=triples if records_read is None else records_read,
            problems=list(problems),
            started=started,
            ended=datetime.now(UTC),
            sha256=sha256,
        )
        store.extend(_in_graph(catalog_triples(description, facts, software_version=SOFTWARE_VERSION), staged_catalog))
        commit = load_query(__file__, "remove_catalog_entry", suffix=".ru") + " ;\n"
        commit += load_query(__file__, "commit_graph", suffix=".ru")
        iris_by_name = _catalog_entry_iris(description.name)
        with step("commit"):
            store.update(fill_update(commit, cleared=cleared, staged_data=nothing if target == graph else target,
                                     staged_catalog=staged_catalog, marker=marker, **iris_by_name))
    except BaseException:  # what this load wrote goes: a replacement's old graph stays, a new graph is not left half
        _remove_graphs(store, target, staged_catalog, marker)
        raise
    # Until the write leaves RocksDB's memtable, listing the graphs walks its deletions: 11 ms after the hub
    # summaries were replaced at 1M triples, 25 ms at 10M, against 0.3 ms flushed; every request lists them.
    with step("flush"):
        flush(store)
    return LoadReport(
        graph=graph.value,
        triples=triples,
        records_read=facts.records_read,
        rejected_rows=rejected_row_count(problems),
        problems=list(problems),
        seconds=time.perf_counter() - clock,
    )


def write_graph_atomically(
    store: Store,
    graph: NamedNode,
    triples: Sequence[Triple],
    *,
    companion: NamedNode,
    companion_triples: Callable[[int], Iterable[Triple]],
    append: bool = False,
) -> int:
    """Replace (or, with ``append``, add to) ``graph`` and replace its catalog ``companion`` graph, all in one
    transaction; returns the graph's triple count afterwards. ``companion_triples(count)`` makes the entry.

    Unlike ``_swap_in`` (sources we can always load again, where speed matters), this is for data that exists only
    here, a partner's upload: a failure or a crash at any point leaves the old graph and entry exactly as they were.
    The data is staged first under ``STAGING_GRAPH_PREFIX`` (a crash leaves only that, which
    ``recover_interrupted_loads`` removes) and one SPARQL update swaps it in.
    """
    staging = f"{iris.STAGING_GRAPH_PREFIX}upload/{uuid.uuid4().hex}/"
    staged_data, staged_catalog = NamedNode(staging + "data"), NamedNode(staging + "catalog")
    try:
        with step("stage"):
            store.extend(_in_graph(triples, staged_data))
        if append:
            after = len(set(triples) | {Triple(q.subject, q.predicate, q.object)
                                        for q in store.quads_for_pattern(None, None, None, graph)})
        else:
            after = len(set(triples))
        store.extend(_in_graph(list(companion_triples(after)), staged_catalog))
        update = fill_update(load_query(__file__, "commit_staged_graph", suffix=".ru"), graph=graph,
                             cleared=NamedNode(staging + "nothing") if append else graph, staged_data=staged_data,
                             companion=companion, staged_catalog=staged_catalog)
        with step("commit"):
            store.update(update)
    finally:  # after a commit these are gone already; after a failure they must not linger
        _remove_graphs(store, staged_data, staged_catalog)
    return after


def _remove_graphs(store: Store, *graphs: NamedNode) -> None:
    for graph in graphs:
        if store.contains_named_graph(graph):
            store.remove_graph(graph)


def drop_graph_atomically(store: Store, graph: NamedNode, *, companion: NamedNode, linkset: NamedNode) -> None:
    """Delete ``graph``, its catalog ``companion`` and its ``linkset`` together."""
    store.update(fill_update(load_query(__file__, "drop_graph_with_companion", suffix=".ru"), graph=graph,
                             companion=companion, linkset=linkset))


def _catalog_entry_iris(name: str) -> dict[str, NamedNode | str]:
    return {
        "graph": iris.graph(name),
        "catalog": iris.CATALOG_GRAPH,
        "activity": load_activity(name),
        "problem_prefix": problem_node(name, 0).value.removesuffix("0"),
    }


def unfinished_writes(store: Store) -> list[NamedNode]:
    """The staging graphs of loads, uploads and review decisions under way (or cut off) in ``store``; their
    incomplete-load markers name the new graphs still being written."""
    return [g for g in store.named_graphs() if isinstance(g, NamedNode)
            and g.value.startswith((iris.STAGING_GRAPH_PREFIX, REVIEW_STAGING_PREFIX))]


def recover_interrupted_loads(store: Store) -> list[str]:
    """Remove every graph that a load left incomplete, with its catalog entry, then all staging graphs (of loads,
    uploads and review decisions).

    Returns the names of the graphs removed, so that the caller can say which sources must be loaded again.
    """
    staging = unfinished_writes(store)
    removed = []
    for marker in staging:
        if not marker.value.endswith("/" + iris.INCOMPLETE_MARKER):
            continue
        for quad in list(store.quads_for_pattern(None, None, None, marker)):
            if isinstance(quad.object, NamedNode) and quad.object.value.startswith(iris.GRAPH):
                name = quad.object.value.removeprefix(iris.GRAPH)
                if store.contains_named_graph(quad.object):
                    store.remove_graph(quad.object)
                store.update(fill_update(load_query(__file__, "remove_catalog_entry", suffix=".ru"),
                                   **_catalog_entry_iris(name)))
                removed.append(name)
    for graph in staging:
        store.remove_graph(graph)
    return removed


def count_triples(store: Store, graph: NamedNode) -> int:
    rows = list(store.query(load_query(__file__, "count_triples"), substitutions={Variable("graph"): graph}))
    return int(rows[0]["triples"].value) if rows else 0


def _in_graph(triples: Iterable[Triple], graph: NamedNode) -> list[Quad]:
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def rdf_format_for(path: Path) -> RdfFormat:
    suffixes = "".join(path.suffixes[-1:]).lower()
    if suffixes not in _RDF_SUFFIXES:
        known = ", ".join(sorted(_RDF_SUFFIXES))
        raise LoadError(f"{path}: unknown RDF file type {suffixes or '(none)'}; known: {known}")
    return _RDF_SUFFIXES[suffixes]


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turns what reading ``path`` raises into a ``LoadError`` that names the file, line and column."""
    try:
        yield
    except SyntaxError as error:
        position = f"line {error.lineno}, column {error.offset}: " if error.lineno else ""
        raise LoadError(f"{path}: {position}{error.msg}") from error
    except (OSError, ValueError) as error:
        raise LoadError(f"{path}: {error}") from error


def _parse_checked(path: Path) -> Iterator[Quad]:
    with _reading(path):
        yield from parse(path=str(path), format=rdf_format_for(path))


def read_rdf_file(path: Path) -> list[Triple]:
    """Every triple of an RDF file (quads lose their graph name: a file becomes one graph)."""
    return [Triple(q.subject, q.predicate, q.object) for q in _parse_checked(path)]


def load_rdf_files(
    store: Store,
    paths: Sequence[Path],
    *,
    graph_name: str,
    title: str,
    description: str = "",
    license_url: str | None = None,
    citation: str = "",
    source_url: str | None = None,
) -> LoadReport:
    """Load RDF files as one graph, all or nothing.

    Triple files go straight from disk into the store through pyoxigraph's bulk loader; quad files (TriG, N-Quads)
    are read first, and their quads lose their graph names: a load is one graph.
    """
    started = datetime.now(UTC)
    check_graph_name(graph_name)
    quads_files = {path: read_rdf_file(path) for path in paths if rdf_format_for(path) in _QUAD_FORMATS}
    def write_data(target: NamedNode) -> None:
        for path in paths:
            if path in quads_files:
                store.extend(_in_graph(quads_files[path], target))
                continue
            with _reading(path):
                if path.stat().st_size >= BULK_LOAD_MIN_BYTES:
                    store.bulk_load(path=str(path), format=rdf_format_for(path), to_graph=target)
                else:
                    store.load(path=str(path), format=rdf_format_for(path), to_graph=target)

    return _swap_in(
        store,
        GraphDescription(
            name=graph_name,
            title=title,
            description=description or f"RDF loaded from {', '.join(p.name for p in paths)}",
            license_url=license_url,
            citation=citation or title,
            source_url=source_url,
            source_file=", ".join(_display_path(p) for p in paths),
        ),
        write_data,
        records_read=None,
        sha256=file_sha256(paths[0]) if len(paths) == 1 else None,
        started=started,
    )


def load_ontology(store: Store) -> LoadReport:
    """The ontology, SHACL shapes and SKOS schemes of ``ontology/`` as the graph ``cmg:ontology``."""
    files = sorted(ONTOLOGY_DIR.glob("*.ttl"))
    if not files:
        raise LoadError(f"no Turtle files in {ONTOLOGY_DIR}")
    return load_rdf_files(
        store,
        files,
        graph_name="ontology",
        title="critmin ontology, SHACL shapes and SKOS concept schemes",
        description="The OWL classes and properties, SHACL shapes and SKOS schemes that the data uses.",
        license_url="https://www.apache.org/licenses/LICENSE-2.0",
        citation="critmin ontology v1",
        source_url=iris.ONTOLOGY,
    )


def load_feed(store: Store, feed: Feed, path: Path | None = None, *, strict: bool = False) -> LoadReport:
    """Run one structured feed over its file (its bundled file by default) and load the result."""
    started = datetime.now(UTC)
    source = path or feed.default_file
    with step("read feed"):
        output = feed.read(source)
    if strict and output.problems:
        listing = "\n".join(_describe_problem(p) for p in output.problems[:50])
        raise LoadError(f"{len(output.problems)} problem(s) in {_display_path(source)}; nothing loaded (strict):\n"
                        f"{listing}")
    meta = output.metadata
    return replace_graph(
        store,
        GraphDescription(
            name=output.graph_name,
            title=meta.title,
            description=meta.description,
            license_url=meta.license_url,
            citation=meta.citation,
            source_url=meta.source_url,
            version=meta.version,
            source_file=_display_path(meta.source_file),
            rights=meta.rights,
        ),
        output.triples,
        records_read=output.records_read,
        problems=output.problems,
        sha256=file_sha256(source),
        started=started,
    )


def load_bundled(
    store: Store,
    *,
    progress: Callable[[str, LoadReport], None] | None = None,
    starting: Callable[[str], None] | None = None,
) -> list[LoadReport]:
    """The ontology and every registered feed over its bundled file; ``starting`` and ``progress`` are told of each."""
    from extractors.feeds.registry import FEEDS

    reports = []
    loads: list[tuple[str, Callable[[], LoadReport]]] = [("ontology", lambda: load_ontology(store))]
    loads += [(name, lambda feed=feed: load_feed(store, feed)) for name, feed in FEEDS.items()]
    for name, load in loads:
        if starting:
            starting(name)
        report = load()
        reports.append(report)
        if progress:
            progress(name, report)
    return reports


def _describe_problem(problem: RowProblem) -> str:
    where = f"{problem.file}, row {problem.row}" + (f", column {problem.column}" if problem.column else "")
    value = f", value {problem.value!r}" if problem.value is not None else ""
    return f"  {where}{value}: {problem.reason}"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
