"""The catalog graph: for every source graph, a DCAT/VoID dataset with its provenance and counts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Store, Triple

from kg import iris
from kg.rq import load_query
from kg.store import query

XSD = iris.PREFIXES["xsd"]
RDF_TYPE = iris.ns("rdf", "type")
CATALOG = iris.entity("catalog", "main")
SOFTWARE = iris.entity("software", "critmin")


@dataclass(frozen=True)
class Problem:
    """A source row (or field) that could not be mapped; kept in the catalog so rejections stay visible."""

    file: str | None
    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class GraphDescription:
    """What the catalog says about one graph, before the counts are known."""

    name: str
    title: str
    description: str
    license_url: str | None
    citation: str
    source_url: str | None = None
    version: str | None = None
    source_file: str | None = None
    rights: str | None = None


@dataclass
class LoadFacts:
    """What one load measured."""

    triples: int
    records_read: int
    problems: list[Any] = field(default_factory=list)  # anything with file, row, column, value, reason
    started: datetime | None = None
    ended: datetime | None = None
    sha256: str | None = None


def rejected_row_count(problems: Iterable[Any]) -> int:
    """Rows with at least one problem; a feed that reads several files numbers rows per file."""
    return len({(getattr(p, "file", None), p.row) for p in problems})


def load_activity(name: str) -> NamedNode:
    return iris.entity("load", name)


def problem_node(name: str, index: int) -> NamedNode:
    return iris.entity("load", f"{name}/problem/{index}")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, or of a folder's files (their relative paths and contents, in path order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda handle=handle: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _literal(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + "integer"))
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=NamedNode(XSD + "dateTime"))
    return Literal(str(value))


def catalog_triples(description: GraphDescription, facts: LoadFacts, *, software_version: str) -> list[Triple]:
    """The catalog entry of one graph: a DCAT + VoID dataset and the PROV activity that loaded it."""
    graph = iris.graph(description.name)
    activity = load_activity(description.name)
    cm, dct, dcat, void, prov = (partial(iris.ns, prefix) for prefix in ("cm", "dct", "dcat", "void", "prov"))
    out = [
        Triple(CATALOG, RDF_TYPE, dcat("Catalog")),
        Triple(CATALOG, dct("title"), Literal("critmin knowledge graph", language="en")),
        Triple(CATALOG, dcat("dataset"), graph),
        Triple(graph, RDF_TYPE, dcat("Dataset")),
        Triple(graph, RDF_TYPE, void("Dataset")),
        Triple(graph, RDF_TYPE, prov("Entity")),
        Triple(graph, dct("title"), Literal(description.title, language="en")),
        Triple(graph, dct("description"), Literal(description.description, language="en")),
        Triple(graph, dct("bibliographicCitation"), Literal(description.citation)),
        Triple(graph, void("triples"), _literal(facts.triples)),
        Triple(graph, cm("recordCount"), _literal(facts.records_read)),
        Triple(graph, cm("rejectedCount"), _literal(rejected_row_count(facts.problems))),
        Triple(graph, cm("problemCount"), _literal(len(facts.problems))),
        Triple(graph, prov("wasGeneratedBy"), activity),
        Triple(activity, RDF_TYPE, prov("Activity")),
        Triple(activity, prov("wasAssociatedWith"), SOFTWARE),
        Triple(activity, cm("softwareVersion"), Literal(software_version)),
        Triple(SOFTWARE, RDF_TYPE, prov("SoftwareAgent")),
        Triple(SOFTWARE, iris.ns("rdfs", "label"), Literal("critmin", language="en")),
    ]
    if description.license_url:
        out.append(Triple(graph, dct("license"), NamedNode(description.license_url)))
    if description.rights:
        out.append(Triple(graph, dct("rights"), Literal(description.rights, language="en")))
    if description.source_url:
        out.append(Triple(graph, dct("source"), NamedNode(description.source_url)))
        out.append(Triple(activity, prov("used"), NamedNode(description.source_url)))
    if description.version:
        out.append(Triple(graph, dct("hasVersion"), Literal(description.version)))
    if description.source_file:
        out.append(Triple(graph, cm("sourceFile"), Literal(description.source_file)))
    if facts.sha256:
        out.append(Triple(graph, cm("sha256"), Literal(facts.sha256)))
    if facts.started:
        out.append(Triple(activity, prov("startedAtTime"), _literal(facts.started)))
    if facts.ended:
        out.append(Triple(activity, prov("endedAtTime"), _literal(facts.ended)))
        out.append(Triple(graph, dct("modified"), _literal(facts.ended)))
    for index, problem in enumerate(facts.problems, start=1):
        node = problem_node(description.name, index)
        out += [
            Triple(activity, cm("reportedProblem"), node),
            Triple(node, RDF_TYPE, cm("RowProblem")),
            Triple(node, cm("sourceRow"), _literal(problem.row)),
            Triple(node, cm("reason"), Literal(problem.reason)),
        ]
        if getattr(problem, "file", None):
            out.append(Triple(node, cm("sourceFile"), Literal(str(problem.file))))
        if problem.column is not None:
            out.append(Triple(node, cm("sourceColumn"), Literal(problem.column)))
        if problem.value is not None:
            out.append(Triple(node, cm("rawValue"), Literal(problem.value)))
    return out


# How a partner graph's visibility is said in DCAT: dct:accessRights with the EU access-rights vocabulary.
ACCESS_RIGHTS = {
    "public": NamedNode("http://publications.europa.eu/resource/authority/access-right/PUBLIC"),
    "partners": NamedNode("http://publications.europa.eu/resource/authority/access-right/RESTRICTED"),
}


@dataclass(frozen=True)
class PartnerGraphDescription:
    """What a partner says about its graph on upload, and what the service knows (publisher, visibility)."""

    graph: NamedNode
    title: str
    description: str
    license_url: str | None
    publisher: NamedNode
    visibility: str


def partner_catalog_triples(entry: PartnerGraphDescription, *, triples: int, modified: datetime) -> list[Triple]:
    """The DCAT/VoID entry of a partner graph, in the vocabulary of ``catalog_triples``, for its companion graph.

    Besides that vocabulary: ``dct:publisher`` (the partner) and ``dct:accessRights``, the visibility: PUBLIC
    (``public``) or RESTRICTED (``partners``) from the EU access-rights authority list, as DCAT-AP uses it.
    """
    graph = entry.graph
    dct, dcat, void = (partial(iris.ns, prefix) for prefix in ("dct", "dcat", "void"))
    out = [
        Triple(CATALOG, dcat("dataset"), graph),
        Triple(graph, RDF_TYPE, dcat("Dataset")),
        Triple(graph, RDF_TYPE, void("Dataset")),
        Triple(graph, dct("title"), Literal(entry.title, language="en")),
        Triple(graph, dct("publisher"), entry.publisher),
        Triple(graph, void("triples"), _literal(triples)),
        Triple(graph, dct("modified"), _literal(modified)),
        Triple(graph, dct("accessRights"), ACCESS_RIGHTS[entry.visibility]),
    ]
    if entry.description:
        out.append(Triple(graph, dct("description"), Literal(entry.description, language="en")))
    if entry.license_url:
        out.append(Triple(graph, dct("license"), NamedNode(entry.license_url)))
    return out


@dataclass(frozen=True)
class CatalogEntry:
    graph: str
    title: str
    license: str | None
    modified: str | None
    triples: int
    records: int
    rejected: int


def list_catalog(store: Store) -> list[CatalogEntry]:
    """Every graph the catalog describes, with its counts, by graph IRI."""
    entries = []
    for row in query(store, load_query(__file__, "list_catalog"), catalog=iris.CATALOG_GRAPH):
        entries.append(
            CatalogEntry(
                graph=row["graph"].value,
                title=row["title"].value,
                license=row["license"].value if row["license"] else None,
                modified=row["modified"].value if row["modified"] else None,
                triples=int(row["triples"].value),
                records=int(row["records"].value),
                rejected=int(row["rejected"].value),
            )
        )
    return entries


def list_problems(store: Store, graph: NamedNode) -> list[Problem]:
    """The rows the last load of ``graph`` could not map, as the catalog recorded them, by row."""
    rows = query(store, load_query(__file__, "list_problems"), catalog=iris.CATALOG_GRAPH, graph=graph)
    return [
        Problem(
            file=r["file"].value if r["file"] else None,
            row=int(r["row"].value),
            column=r["column"].value if r["column"] else None,
            value=r["value"].value if r["value"] else None,
            reason=r["reason"].value,
        )
        for r in rows
    ]
