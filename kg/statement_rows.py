"""The rows ``entity_extracted_statements.rq`` gives for one statement about a hub, read by pattern: a hub page's
statements (``kg.hub_facts``) and the table of them a hub summary stores (``kg.hub_summaries``), which reads the
graphs every reader may read only.

>>> import json
>>> from pyoxigraph import Literal, NamedNode
>>> json.loads(rows_json(("s", "o"), [{"s": NamedNode("http://x/a"), "o": Literal("b", language="en")}]))
{'head': {'vars': ['s', 'o']}, 'results': {'bindings': [{'s': {'type': 'uri', 'value': 'http://x/a'}, \
'o': {'type': 'literal', 'value': 'b', 'xml:lang': 'en'}}]}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg import iris

STATEMENT_VARIABLES = ("statement", "relation", "role", "other", "otherLabel", "evidence", "status", "doc")
_XSD_STRING = iris.PREFIXES["xsd"] + "string"

_RDF = iris.PREFIXES["rdf"]
_ENDS = {_RDF + "subject": ("subject", _RDF + "object"), _RDF + "object": ("object", _RDF + "subject")}
_LABELS = (iris.PREFIXES["rdfs"] + "label", iris.PREFIXES["skos"] + "prefLabel")
_EXTRACTED_STATEMENT = NamedNode(iris.ONTOLOGY + "ExtractedStatement")



def _quads(store: Store, subject: Any, predicate: NamedNode | None, graphs: Callable[[str], bool] | None
           ) -> Iterable[Quad]:
    quads = store.quads_for_pattern(subject, predicate, None, None)
    if graphs is None:
        return quads
    return (q for q in quads if isinstance(q.graph_name, NamedNode) and graphs(q.graph_name.value))


def _objects(store: Store, subject: Any, predicate: str, graphs: Callable[[str], bool] | None) -> list[Any]:
    return list(dict.fromkeys(q.object for q in _quads(store, subject, NamedNode(predicate), graphs)))


def statement_rows(store: Store, hub: NamedNode, statement: NamedNode, labels: dict[Any, Literal | None], *,
                   graphs: Callable[[str], bool] | None = None) -> list[dict[str, Any]]:
    """What the query's two branches, OPTIONALs and GROUP BY give for one statement (``labels``: the smallest label
    of each other end seen so far, kept between calls; ``graphs``: which graphs to read, by IRI, when not all)."""
    facts: dict[str, list[Any]] = {}
    for quad in _quads(store, statement, None, graphs):
        values = facts.setdefault(quad.predicate.value, [])
        if quad.object not in values:
            values.append(quad.object)
    if _EXTRACTED_STATEMENT not in facts.get(_RDF + "type", []):
        return []
    rows = []
    for end, (role, other_end) in _ENDS.items():
        if hub not in facts.get(end, []):
            continue
        for other in facts.get(other_end, []):
            if other not in labels:
                names = ([label for p in _LABELS for label in _objects(store, other, p, graphs)]
                         if isinstance(other, NamedNode | BlankNode) else [])
                labels[other] = min(names, key=lambda lit: lit.value) if names else None
            other_label = labels[other]
            for relation in facts.get(iris.ONTOLOGY + "relationType", []):
                for evidence in facts.get(iris.ONTOLOGY + "evidence", []) or [None]:
                    for status in facts.get(iris.ONTOLOGY + "reviewStatus", []) or [None]:
                        for doc in facts.get(iris.PREFIXES["prov"] + "wasDerivedFrom", []) or [None]:
                            rows.append({"statement": statement, "relation": relation, "role": Literal(role),
                                         "other": other, "otherLabel": other_label, "evidence": evidence,
                                         "status": status, "doc": doc})
    return rows


def rows_json(variables: Iterable[str], rows: Iterable[dict[str, Any]]) -> str:
    """Rows of terms (None: unbound) in the SPARQL 1.1 Query Results JSON Format."""
    bindings = [{name: _term_json(term) for name, term in row.items() if term is not None} for row in rows]
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}}, ensure_ascii=False)


def _term_json(term: Any) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out
