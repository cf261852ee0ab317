"""Files and feeds into named graphs, each load atomic and recorded in the catalog.

A load either replaces its graph and catalog entry completely or leaves the store exactly as it was. A graph loaded
for the first time goes in with one transactional ``extend``; a graph that already exists is staged under a
``…/graph/staging/`` name first and swapped in by one SPARQL update (``replace_graph.ru``). Staging graphs left by
an interrupted load are dropped when the store is next opened.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse

from extractors.feeds.base import Feed
from kg import iris
from kg.catalog import GraphDescription, LoadFacts, catalog_triples, file_sha256, load_activity, problem_node
from kg.rq import load_query
from kg.settings import PROJECT_ROOT, ontology_dir

SOFTWARE_VERSION = "0.1.0"
ONTOLOGY_DIR = ontology_dir()
_GRAPH_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
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
    if name in {"catalog", "staging"}:
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
    clock = time.perf_counter()
    started = started or datetime.now(UTC)
    graph = iris.graph(check_graph_name(description.name))
    data = list(dict.fromkeys(triples))  # the same triple twice would count twice in void:triples
    facts = LoadFacts(
        triples=len(data),
        records_read=records_read,
        problems=list(problems),
        started=started,
        ended=datetime.now(UTC),
        sha256=sha256,
    )
    catalog = catalog_triples(description, facts, software_version=SOFTWARE_VERSION)
    if not store.contains_named_graph(graph) and not _has_catalog_entry(store, graph):
        store.extend(_in_graph(data, graph) + _in_graph(catalog, iris.CATALOG_GRAPH))
    else:
        staged = NamedNode(f"{iris.STAGING_GRAPH_PREFIX}{description.name}/{uuid.uuid4().hex}")
        staged_catalog = NamedNode(staged.value + "/catalog")
        store.extend(_in_graph(data, staged) + _in_graph(catalog, staged_catalog))
        try:
            store.update(
                _fill(
                    load_query(__file__, "replace_graph", suffix=".ru"),
                    graph=graph,
                    staged_data=staged,
                    staged_catalog=staged_catalog,
                    catalog=iris.CATALOG_GRAPH,
                    activity=load_activity(description.name),
                    problem_prefix=problem_node(description.name, 0).value.removesuffix("0"),
                )
            )
        finally:
            for name in (staged, staged_catalog):
                if store.contains_named_graph(name):
                    store.remove_graph(name)
    return LoadReport(
        graph=graph.value,
        triples=len(data),
        records_read=records_read,
        rejected_rows=len({p.row for p in problems}),
        problems=list(problems),
        seconds=time.perf_counter() - clock,
    )


def _fill(template: str, **iris_by_name: NamedNode | str) -> str:
    """Put our own minted IRIs (and one IRI prefix string) into an update template; see replace_graph.ru."""
    text = template
    for name, value in sorted(iris_by_name.items(), key=lambda item: -len(item[0])):
        text = text.replace("$" + name, str(value) if isinstance(value, NamedNode) else str(Literal(value)))
    return text


def _has_catalog_entry(store: Store, graph: NamedNode) -> bool:
    return any(store.quads_for_pattern(graph, None, None, iris.CATALOG_GRAPH))


def _in_graph(triples: Iterable[Triple], graph: NamedNode) -> list[Quad]:
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def rdf_format_for(path: Path) -> RdfFormat:
    suffixes = "".join(path.suffixes[-1:]).lower()
    if suffixes not in _RDF_SUFFIXES:
        known = ", ".join(sorted(_RDF_SUFFIXES))
        raise LoadError(f"{path}: unknown RDF file type {suffixes or '(none)'}; known: {known}")
    return _RDF_SUFFIXES[suffixes]


def read_rdf_file(path: Path) -> list[Triple]:
    """Every triple of an RDF file (quads lose their graph name: a file becomes one graph)."""
    try:
        return [Triple(q.subject, q.predicate, q.object) for q in parse(path=str(path), format=rdf_format_for(path))]
    except SyntaxError as error:
        position = f"line {error.lineno}, column {error.offset}: " if error.lineno else ""
        raise LoadError(f"{path}: {position}{error.msg}") from error
    except (OSError, ValueError) as error:
        raise LoadError(f"{path}: {error}") from error


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
    """Load RDF files as one graph. Every file is parsed before anything is written."""
    started = datetime.now(UTC)
    triples: list[Triple] = []
    for path in paths:
        triples += read_rdf_file(path)
    sha = file_sha256(paths[0]) if len(paths) == 1 else None
    return replace_graph(
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
        triples,
        records_read=len(triples),
        sha256=sha,
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
    output = feed.read(source)
    if strict and output.problems:
        listing = "\n".join(_describe_problem(p) for p in output.problems[:50])
        raise LoadError(f"{len(output.problems)} problem(s) in {source}; nothing loaded (strict):\n{listing}")
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


def load_bundled(store: Store, *, progress: Callable[[str, LoadReport], None] | None = None) -> list[LoadReport]:
    """The ontology and every registered feed over its bundled file."""
    from extractors.feeds.registry import FEEDS

    reports = []
    steps: list[tuple[str, Callable[[], LoadReport]]] = [("ontology", lambda: load_ontology(store))]
    steps += [(name, lambda feed=feed: load_feed(store, feed)) for name, feed in FEEDS.items()]
    for name, step in steps:
        report = step()
        reports.append(report)
        if progress:
            progress(name, report)
    return reports


def _describe_problem(problem: ProblemLike) -> str:
    where = f"row {problem.row}" + (f", column {problem.column}" if problem.column else "")
    value = f", value {problem.value!r}" if problem.value is not None else ""
    return f"  {where}{value}: {problem.reason}"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
