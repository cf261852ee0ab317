"""Partner graphs in the store: an upload parsed, validated against our SHACL shapes, then written with its catalog
entry in one transaction, or refused with the store untouched.

Validation sees the graph as it will be (for an append: what it holds plus the upload) together with the type of
every resource it points to elsewhere in the store (a facility's ``cm:country`` is a ``cm:Country`` of the hub's
countries graph), read only from graphs the uploader may read. Only results about the graph's own resources count:
the hub's resources pulled in for their types are not the uploader's to fix.

>>> from pyoxigraph import Store
>>> parse_upload(b'<https://example.org/a> <https://example.org/b> "c" .', "application/n-triples",
...              base_iri="https://example.org/")[0].object.value
'c'
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import rdflib
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, Triple, Variable, parse, serialize

from kg import iris
from kg.catalog import ACCESS_RIGHTS, PartnerGraphDescription, partner_catalog_triples
from kg.loading import drop_graph_atomically, write_graph_atomically
from kg.parser_guards import InputTooDeep, UnsafeXml, check_json_depth, check_rdf_xml
from kg.rq import fill_update, load_query
from kg.timings import holding, step
from kg.validation import ValidationReport, validate_graph

# The RDF formats a graph can be uploaded in (triple formats: a graph has no graph names), by media type.
UPLOAD_FORMATS: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,  # N-Triples' media type before it had its own
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "text/n3": RdfFormat.N3,
}
QUAD_MEDIA_TYPES = ("application/n-quads", "application/trig")
RDF_TYPE = iris.ns("rdf", "type")
# One upload at a time: an append is validated against the graph as it is, which must not change meanwhile.
_WRITE_LOCK = threading.Lock()


class UploadError(Exception):
    """An upload that was refused; the store is unchanged."""


class UploadSyntaxError(UploadError):
    def __init__(self, message: str, *, line: int | None, column: int | None) -> None:
        self.message, self.line, self.column = message, line, column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(f"{where}{message}")


class UploadInvalidError(UploadError):
    """The data breaks our SHACL shapes; ``report`` says where."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(summary(report))


@dataclass(frozen=True)
class UploadResult:
    created: bool  # the graph did not exist before
    triples: int  # in the graph afterwards


def parse_upload(data: bytes, media_type: str, *, base_iri: str, max_bytes: int | None = None) -> list[Triple]:
    """The triples of an uploaded body; ``UploadSyntaxError`` with line and column when it does not parse, or when
    it is hostile to the parser (``kg.parser_guards``: too deep, or RDF/XML whose entities are external or expand
    it past ``max_bytes``)."""
    fmt = UPLOAD_FORMATS[media_type]
    try:
        if fmt == RdfFormat.JSON_LD:
            check_json_depth(data)
        elif fmt == RdfFormat.RDF_XML:
            check_rdf_xml(data, max_expanded_bytes=max_bytes)
    except (InputTooDeep, UnsafeXml) as error:
        raise UploadSyntaxError(error.message, line=error.line, column=error.column) from error
    try:
        quads = list(parse(input=data, format=fmt, base_iri=base_iri))
    except SyntaxError as error:
        if "LoadDocumentCallback" in error.msg:  # pyoxigraph fetches nothing, and neither do we: say so plainly
            raise UploadSyntaxError("a remote JSON-LD @context is never fetched: give the context inline (an "
                                    "object, not a URL)", line=error.lineno, column=error.offset) from error
        # pyoxigraph's message says "between line L column C and ..."; lineno/offset are the start, the place to fix
        raise UploadSyntaxError(error.msg, line=error.lineno, column=error.offset) from error
    except ValueError as error:
        raise UploadSyntaxError(str(error), line=None, column=None) from error
    if any(not isinstance(q.graph_name, DefaultGraph) for q in quads):
        # N3 formulas parse into graphs of their own, which a single graph cannot hold
        raise UploadSyntaxError("the body holds more than one graph (N3 formulas or graph blocks); upload one graph",
                                line=None, column=None)
    return [Triple(q.subject, q.predicate, q.object) for q in quads]


def upload(
    store: Store,
    graph: NamedNode,
    triples: Sequence[Triple],
    *,
    description: PartnerGraphDescription,
    append: bool,
    hidden: Iterable[str] = (),
    base: str = iris.BASE,
) -> UploadResult:
    """Validate, then write ``triples`` into the partner graph ``graph`` (in place of what it held, or added to it
    with ``append``) and its catalog companion, atomically. ``hidden``: graphs the uploader may not read, which
    validation must not look into. Raises ``UploadInvalidError`` (nothing written) when the shapes are broken."""
    parsed = iris.parse_partner_graph(graph.value, base=base)
    if parsed is None or parsed.companion:
        raise UploadError(f"{graph.value} is not a partner graph")
    companion = iris.partner_catalog_graph(parsed.slug, parsed.name, base=base)
    with holding(_WRITE_LOCK, "the partner write lock"):
        created = not store.contains_named_graph(graph)
        with step("validate"):
            existing = [] if created or not append else [Triple(q.subject, q.predicate, q.object)
                                                         for q in store.quads_for_pattern(None, None, None, graph)]
            report = validate_upload(store, [*existing, *triples], hidden=frozenset(hidden) | {graph.value})
        if not report.conforms:
            raise UploadInvalidError(report)
        with step("write"):
            count = write_graph_atomically(
                store, graph, triples, companion=companion, append=append,
                companion_triples=lambda n: partner_catalog_triples(description, triples=n,
                                                                    modified=datetime.now(UTC)),
            )
    return UploadResult(created=created, triples=count)


def delete(store: Store, graph: NamedNode, *, base: str = iris.BASE) -> bool:
    """Delete a partner graph with its catalog companion and linkset; False when there was no such graph."""
    parsed = iris.parse_partner_graph(graph.value, base=base)
    if parsed is None or parsed.companion:
        raise UploadError(f"{graph.value} is not a partner graph")
    with _WRITE_LOCK:
        if not store.contains_named_graph(graph):
            return False
        drop_graph_atomically(store, graph,
                              companion=iris.partner_catalog_graph(parsed.slug, parsed.name, base=base),
                              linkset=iris.partner_links_graph(parsed.slug, parsed.name, base=base))
    return True


def validate_upload(store: Store, triples: Sequence[Triple], *, hidden: frozenset[str] = frozenset()
                    ) -> ValidationReport:
    """The SHACL report on ``triples``, with the types of the resources they point to from readable graphs."""
    subjects = {t.subject for t in triples}
    context: set[Triple] = set()
    for obj in {t.object for t in triples if isinstance(t.object, NamedNode) and t.predicate != RDF_TYPE}:
        if obj in subjects:
            continue
        for quad in store.quads_for_pattern(obj, RDF_TYPE, None, None):
            name = quad.graph_name
            if isinstance(name, NamedNode) and name.value not in hidden \
                    and not name.value.startswith(iris.STAGING_GRAPH_PREFIX):
                context.add(Triple(quad.subject, quad.predicate, quad.object))
    data = _to_rdflib(triples)
    own = {str(s) for s in data.subjects()}
    for triple in _to_rdflib(list(context)):
        data.add(triple)
    report = validate_graph(data)
    # one bad value breaks several constraints of a property (datatype, min, max) with the same message: list it once
    unique = {tuple(sorted(r.items())): r for r in report.results if r["focus_node"] in own}
    results = list(unique.values())
    conforms = not any(r["severity"] == "Violation" for r in results)
    filtered = ValidationReport(conforms=conforms, results=results)
    filtered.text = "" if conforms else summary(filtered)
    return filtered


def summary(report: ValidationReport, *, limit: int = 20) -> str:
    """A readable account of a report: how many problems, then one line each (up to ``limit``)."""
    problems = [r for r in report.results if r["severity"] == "Violation"]
    lines = [f"{len(problems)} SHACL violation(s); nothing was written:"]
    for r in problems[:limit]:
        path = f" {r['path']}" if r["path"] else ""
        value = f" = {r['value']}" if r["value"] is not None else ""
        lines.append(f"- {r['focus_node']}{path}{value}: {r['message'] or 'breaks ' + str(r['source_shape'])}")
    if len(problems) > limit:
        lines.append(f"- … and {len(problems) - limit} more (see results)")
    return "\n".join(lines)


def catalog_entry(store: Store, graph: NamedNode, *, base: str = iris.BASE) -> dict[str, str | None] | None:
    """The title, description and licence that the graph's catalog companion states, None if it has none."""
    parsed = iris.parse_partner_graph(graph.value, base=base)
    if parsed is None:
        return None
    companion = iris.partner_catalog_graph(parsed.slug, parsed.name, base=base)
    rows = list(store.query(load_query(__file__, "partner_catalog_entry"),
                            substitutions={Variable("graph"): graph, Variable("companion"): companion}))
    if not rows:
        return None
    return {key: (rows[0][key].value if rows[0][key] is not None else None)
            for key in ("title", "description", "license")}


def restate_visibility(store: Store, graph: NamedNode, visibility: str, *, base: str = iris.BASE) -> None:
    """Make the catalog companion state ``visibility`` after the graph's access changed."""
    parsed = iris.parse_partner_graph(graph.value, base=base)
    if parsed is None or not store.contains_named_graph(graph):
        return
    companion = iris.partner_catalog_graph(parsed.slug, parsed.name, base=base)
    with _WRITE_LOCK:
        store.update(fill_update(load_query(__file__, "set_access_rights", suffix=".ru"), graph=graph,
                                 companion=companion, rights=ACCESS_RIGHTS[visibility]))


def _to_rdflib(triples: Sequence[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    if triples:
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return graph
