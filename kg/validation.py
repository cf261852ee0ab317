"""SHACL validation of critmin data against ``ontology/shapes.ttl``.

>>> report = validate_graph(rdflib.Graph())
>>> report.conforms
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result
from rdflib.term import Node

from kg.settings import ontology_dir

ONTOLOGY_DIR = ontology_dir()
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
# The files added to every graph that is validated (everything in ontology/ except the shapes).
ONTOLOGY_GRAPH_FILES = ("core.ttl", "vocabularies.ttl", "commodities.ttl")


class ValidationResult(TypedDict):
    """One SHACL result, with every term as a plain string (``None`` when the report leaves it out)."""

    focus_node: str | None
    path: str | None
    value: str | None
    message: str | None
    severity: str | None  # "Violation", "Warning" or "Info"
    source_shape: str | None  # the IRI of the node shape; for a property shape, of the node shape that holds it


@dataclass
class ValidationReport:
    """The outcome of one validation: whether the data conforms, each result, and pyshacl's text summary."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    text: str = ""

    def paths(self) -> set[str]:
        """The result paths that occur in the report, handy for checks and tests."""
        return {r["path"] for r in self.results if r["path"]}


def ontology_files() -> list[Path]:
    """The Turtle files of ``ontology/``, sorted by name (what the ``cmg:ontology`` graph is loaded from)."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


@lru_cache(maxsize=1)
def _ontology_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in ONTOLOGY_GRAPH_FILES:
        graph.parse(ONTOLOGY_DIR / name, format="turtle")
    return graph


@lru_cache(maxsize=1)
def _default_shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


class _PreparedQueryGraph(rdflib.Graph):
    """A graph that parses each SPARQL text only once.

    pyshacl sends the query of a SPARQL-based constraint again for every focus node, with the same text and a new
    binding of $this; parsing (pyparsing) then costs far more than evaluating, some 30 ms a time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[str, object] = {}

    def query(self, query_object, *args, **kwargs) -> Result:  # type: ignore[override]
        if isinstance(query_object, str):
            if query_object not in self._prepared:
                self._prepared[query_object] = prepareQuery(query_object)
            query_object = self._prepared[query_object]
        return super().query(query_object, *args, **kwargs)


def _with_ontology(data: rdflib.Graph | rdflib.Dataset) -> rdflib.Graph:
    """A new graph holding ``data`` and the ontology graph, which is what gets validated.

    A dataset is validated as the union of all its graphs: that is the knowledge graph a reader queries, and facts
    in one named graph refer to resources in another (observations to countries, entries to commodities).
    The ontology (core.ttl, vocabularies.ttl, commodities.ttl) is added in full rather than handed to pyshacl as
    ``ont_graph``: pyshacl copies only the RDFS/OWL axioms of an ontology graph, not the SKOS concepts, and the
    shapes need those (sh:class cm:QuantityKind, cm:Commodity, ...). The commodity concepts are thus checked too.
    """
    union = _PreparedQueryGraph()
    if isinstance(data, rdflib.graph.ConjunctiveGraph):  # rdflib.Dataset is a subclass
        for s, p, o, _ in data.quads((None, None, None, None)):
            union.add((s, p, o))
    else:
        for triple in data:
            union.add(triple)
    for triple in _ontology_graph():
        union.add(triple)
    return union


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _results(report: rdflib.Graph, shapes: rdflib.Graph) -> list[ValidationResult]:
    results: list[ValidationResult] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        if isinstance(shape, rdflib.BNode):
            # A property shape is a blank node: name the node shape it belongs to instead.
            shape = shapes.value(None, SH.property, shape) or shape
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        results.append(
            ValidationResult(
                focus_node=_text(report.value(result, SH.focusNode)),
                path=_text(report.value(result, SH.resultPath)),
                value=_text(report.value(result, SH.value)),
                message="; ".join(messages) or None,
                severity=str(severity).removeprefix(str(SH)) if severity is not None else None,
                source_shape=_text(shape),
            )
        )
    results.sort(key=lambda r: tuple(v or "" for v in r.values()))
    return results


def validate_graph(
    data: rdflib.Graph | rdflib.Dataset,
    *,
    shapes: rdflib.Graph | Path | str | None = None,
) -> ValidationReport:
    """Validate ``data`` against the critmin shapes (or ``shapes``: a graph or a Turtle file).

    ``data`` is not modified: it is copied, together with the Turtle files core.ttl, vocabularies.ttl and
    commodities.ttl (see ``_with_ontology``), into one graph that is validated in place.
    """
    if shapes is None:
        shapes_graph = _default_shapes()
    elif isinstance(shapes, rdflib.Graph):
        shapes_graph = shapes
    else:
        shapes_graph = rdflib.Graph().parse(Path(shapes), format="turtle")
    conforms, report_graph, text = pyshacl.validate(
        _with_ontology(data),
        shacl_graph=shapes_graph,
        # No inference. SHACL's own class targeting (sh:targetClass, sh:class) already follows rdfs:subClassOf in the
        # data graph, and the ontology added to it supplies those links, so cm:ProductionObservation instances meet
        # the cm:Observation shape and a cm:Country passes sh:class cm:Place. RDFS inference would add nothing for
        # that, but it would apply rdfs:range: any IRI used as a cm:commodity would be inferred to be a cm:Commodity,
        # so the sh:class cm:Commodity check could never fail and a misspelt commodity slug would go unnoticed.
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
        inplace=True,  # the graph is our own copy
    )
    assert isinstance(report_graph, rdflib.Graph)
    return ValidationReport(conforms=bool(conforms), results=_results(report_graph, shapes_graph), text=str(text))
