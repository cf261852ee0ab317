"""Reviewing extracted statements: accept, reject or fix a candidate, moving accepted facts into ``cmg:curated``.

A candidate (``kg/document_facts.py``) is a reified ``cm:ExtractedStatement`` in its document's graph, never
asserted. A decision here

* sets the statement's ``cm:reviewStatus`` (``cmid:review-status/accepted`` or ``…/rejected``; a fix accepts) in
  the document's graph, keeping everything else of the statement as extracted (the original survives a fix);
* writes a **curation record** ``cmid:curation/{hash}`` into ``cmg:curated``: a ``cm:CurationRecord`` with
  ``prov:wasDerivedFrom`` the statement, ``cm:reviewAction`` (``cmid:review-action/accept|reject|fix``),
  ``cm:reviewer``, ``prov:generatedAtTime`` and an optional ``cm:reviewNote``. For accept and fix it also names the
  triple it asserts (``rdf:subject``/``rdf:predicate``/``rdf:object``, with a fix's attributes) and carries
  ``cm:assertionActive true``; that triple itself is asserted in ``cmg:curated``, so SPARQL over the union sees it;
* retracts what an earlier decision on the same statement asserted (rejecting an accepted statement, or fixing it
  again), unless another statement's active decision asserts the same triple. Records are never deleted: they are
  the review history, and only their ``cm:assertionActive`` flag goes;
* keeps the catalog entry of ``cmg:curated`` ("Reviewed facts": DCAT/VoID, with its triple and record counts)
  current: it is written, and its counts recomputed, in the same transaction as the decision.

Re-extracting a document keeps these decisions: see ``kg/document_facts.py``.

Atomicity: the reviewer's text (name, note, corrected values) is never formatted into SPARQL. It is written with the
Quad API (one ``store.extend``) into a private staging graph ``cmg:review-staging-{uuid}``, then one
``store.update`` (``review_apply.ru``, a single transaction) retracts, swaps the status, adds the staging graph to
``cmg:curated`` and drops it. The update text holds only IRIs: the statement (checked to exist first, with a bound
query), its graph (read from the store) and IRIs we mint. If the process died between the two calls, only an
unreferenced staging graph is left, which the next open of the store drops (``kg.loading.recover_interrupted_loads``;
``remove_stale_staging`` does the same on a store in use).

Accepting an accepted statement again changes nothing (no new record).

Partner documents: a partner's uploaded document is in a partner graph (``kg/document_facts.py``), private until the
partner shares it. ``cmg:curated`` is public, so a decision on one of its statements would publish the fact (accept,
fix) or at least the statement's IRI and the reviewer's note (reject). Every decision therefore asks ``is_public``
whether the statement's graph is public, and while it is not raises ``NotPublicError`` before anything is written
(the API answers 409). Without ``is_public``, every partner graph counts as not public.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad, Store

from kg import iris
from kg.catalog import CATALOG
from kg.document_facts import ATTRIBUTE_PROPERTIES, RELATION_PROPERTIES, _attribute_literal
from kg.loading import REVIEW_STAGING_PREFIX
from kg.rq import fill_update, load_query
from kg.store import query

CURATED = iris.graph("curated")
STAGING_PREFIX = REVIEW_STAGING_PREFIX  # dropped by the recovery that every open of the store runs
STATUSES = ("candidate", "accepted", "rejected")
ACTIONS = ("accept", "reject", "fix")
MAX_PAGE_SIZE = 200
MAX_TEXT = 2000  # reviewer names and notes are cut to this many characters
RELATION_IRIS = {iris.ONTOLOGY + local for local in RELATION_PROPERTIES.values()}
ATTRIBUTE_NAMES = {iris.ONTOLOGY + local: name for name, local in ATTRIBUTE_PROPERTIES.items()}
XSD = iris.PREFIXES["xsd"]
TRUE = Literal("true", datatype=NamedNode(XSD + "boolean"))
# Characters that cannot occur in an IRI written between < and > in SPARQL; checked again before filling a template.
_UNSAFE_IRI = re.compile(r'[\s<>"{}|\\^`]')
_write_lock = threading.Lock()  # decisions are read-check-write: one at a time in this process


class ReviewError(ValueError):
    """A decision that cannot be made (unknown statement, bad input); nothing was written."""


class UnknownStatementError(ReviewError):
    """No extracted statement has this IRI."""


class NotPublicError(ReviewError):
    """The statement's document is in a partner graph that is not public: a decision would publish it."""

    def __init__(self, statement: str, graph: str) -> None:
        self.statement, self.graph = statement, graph
        super().__init__(
            f"the document of {statement} is in the partner graph {graph}, which is not public: a review decision "
            "writes into the public graph cmg:curated and would publish its fact. Nothing was written. Its owner "
            f"can make it public (PUT /store/access?graph={graph} with {{\"visibility\": \"public\"}}) so that it "
            "can be reviewed, or keep it private and unreviewed.")


def _not_a_partner_graph(graph: str) -> bool:
    """The default of ``is_public``: fail closed, any partner graph counts as not public."""
    return "/graph/partner/" not in graph


def _check_public(found: _Found, is_public: Callable[[str], bool] | None) -> None:
    graph = found.graph.value
    if not (is_public or _not_a_partner_graph)(graph):
        raise NotPublicError(found.statement.value, graph)


@dataclass(frozen=True)
class Candidate:
    statement: str
    relation: str
    status: str  # candidate, accepted or rejected
    subject: str
    subject_label: str | None
    predicate: str
    predicate_label: str | None
    object: str
    object_label: str | None
    evidence: str | None
    confidence: float | None
    document: str | None
    document_label: str | None
    graph: str
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)  # percentage, capacity, unit …


@dataclass(frozen=True)
class CandidatePage:
    candidates: list[Candidate]
    total: int
    page: int
    page_size: int
    status: str
    relation: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Decision:
    statement: str
    action: str  # accept, reject or fix
    status: str  # the statement's status after it
    record: str | None  # the curation record written (None: nothing changed)
    asserted: tuple[str, str, str] | None  # the triple now in cmg:curated (accept, fix)


def status_iri(name: str) -> NamedNode:
    return iris.concept("review-status", name)


def _status_name(term: object) -> str:
    value = getattr(term, "value", "") or ""
    return value.rsplit("/", 1)[-1] if value else "candidate"


def _python_value(term: Literal) -> str | int | float | bool:
    kind = term.datatype.value.removeprefix(XSD)
    try:
        if kind == "integer":
            return int(term.value)
        if kind == "decimal":
            return float(term.value)
    except ValueError:
        return term.value
    if kind == "boolean":
        return term.value in ("true", "1")
    return term.value


def statement_attributes(store: Store, statement: NamedNode) -> dict[str, str | int | float | bool]:
    """A statement's extracted attributes by the extractor's names (``percentage``, ``unit`` …); an attribute the
    ontology has no property for comes back by the name its ``cm:note`` gives."""
    out: dict[str, str | int | float | bool] = {}
    for row in query(store, load_query(__file__, "review_attributes"), statement=statement):
        value = row["value"]
        if not isinstance(value, Literal):
            continue
        name = ATTRIBUTE_NAMES.get(row["property"].value)
        if name is None:  # cm:note "name: value"
            name, _, text = value.value.partition(": ")
            out.setdefault(name, text)
        else:
            out.setdefault(name, _python_value(value))
    return out


def list_candidates(store: Store, *, status: str = "candidate", relation: str | None = None, page: int = 1,
                    page_size: int = 50) -> CandidatePage:
    """One page of extracted statements with ``status`` (and ``relation`` type), most confident first."""
    if status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    if relation is not None and relation not in RELATION_PROPERTIES:
        raise ReviewError(f"unknown relation {relation!r}; use one of {', '.join(RELATION_PROPERTIES)}")
    page, page_size = max(1, int(page)), min(MAX_PAGE_SIZE, max(1, int(page_size)))
    bindings: dict[str, object] = {"status": status_iri(status)}
    if relation is not None:
        bindings["relation"] = Literal(relation)
    total = sum(int(row["total"].value) for row in query(store, load_query(__file__, "review_count"), **bindings))
    # ints only are formatted into the query text (validated above); a page past the end starts at the end, so that
    # its offset never outgrows the parser's 64-bit integers (a 500 the fuzzing found)
    offset = min((page - 1) * page_size, total)
    sparql = (load_query(__file__, "review_list")
              + f"ORDER BY DESC(?confidence) ?statement\nLIMIT {page_size} OFFSET {offset}\n")
    rows = query(store, sparql, **bindings)

    def text(row: object, name: str) -> str | None:
        term = row[name]  # type: ignore[index]
        return None if term is None else term.value

    candidates = [
        Candidate(
            statement=row["statement"].value, relation=row["relation"].value, status=_status_name(row["status"]),
            subject=row["subject"].value, subject_label=text(row, "subjectLabel"),
            predicate=row["predicate"].value, predicate_label=text(row, "predicateLabel"),
            object=row["object"].value, object_label=text(row, "objectLabel"),
            evidence=text(row, "evidence"),
            confidence=float(row["confidence"].value) if row["confidence"] is not None else None,
            document=text(row, "doc"), document_label=text(row, "docLabel"), graph=row["graph"].value,
            attributes=statement_attributes(store, row["statement"]),
        )
        for row in rows
    ]
    return CandidatePage(candidates, total, page, page_size, status, relation)


@dataclass(frozen=True)
class _Found:
    statement: NamedNode
    graph: NamedNode
    subject: object
    predicate: object
    object: object
    status: str


def _find(store: Store, statement_iri: str) -> _Found:
    """The statement as stored; ReviewError unless ``statement_iri`` is one of our extracted statements."""
    if not isinstance(statement_iri, str) or _UNSAFE_IRI.search(statement_iri) or \
            not statement_iri.startswith(iris.ID + "statement/"):
        raise UnknownStatementError(f"not an extracted statement: {statement_iri!r}")
    try:
        node = NamedNode(statement_iri)
    except ValueError as error:
        raise ReviewError(f"not an IRI: {statement_iri!r}") from error
    row = next(iter(query(store, load_query(__file__, "review_statement"), statement=node)), None)
    if row is None:
        raise UnknownStatementError(f"no extracted statement {statement_iri}")
    return _Found(node, row["graph"], row["subject"], row["predicate"], row["object"], _status_name(row["status"]))


def _check_iri(node: NamedNode) -> None:
    if not isinstance(node, NamedNode) or _UNSAFE_IRI.search(node.value):
        raise ReviewError(f"refusing to write an unsafe IRI: {node!r}")


def _text(value: str | None, what: str) -> Literal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReviewError(f"{what} must be text")
    value = value.strip()[:MAX_TEXT]
    return Literal(value) if value else None


def _apply(store: Store, found: _Found, *, action: str, status: str, reviewer: str, note: str | None,
           asserted: tuple[object, object, object] | None, attributes: Mapping[str, object] | None = None
           ) -> Decision:
    who = _text(reviewer, "reviewer")
    if who is None:
        raise ReviewError("a reviewer is required")
    when = datetime.now(UTC)
    record = iris.entity("curation", hashlib.sha256(
        f"{found.statement.value} {action} {when.isoformat()} {uuid.uuid4().hex}".encode()).hexdigest()[:16])
    staging = NamedNode(STAGING_PREFIX + uuid.uuid4().hex)
    cm, rdf = iris.term, (lambda local: iris.ns("rdf", local))
    quads = [
        Quad(record, rdf("type"), cm("CurationRecord"), staging),
        Quad(record, iris.ns("prov", "wasDerivedFrom"), found.statement, staging),
        Quad(record, cm("reviewAction"), iris.concept("review-action", action), staging),
        Quad(record, cm("reviewer"), who, staging),
        Quad(record, iris.ns("prov", "generatedAtTime"),
             Literal(when.isoformat(), datatype=NamedNode(XSD + "dateTime")), staging),
    ]
    remark = _text(note, "note")
    if remark is not None:
        quads.append(Quad(record, cm("reviewNote"), remark, staging))
    if asserted is not None:
        s, p, o = asserted
        quads += [
            Quad(s, p, o, staging),  # the fact itself, asserted
            Quad(record, rdf("subject"), s, staging),
            Quad(record, rdf("predicate"), p, staging),
            Quad(record, rdf("object"), o, staging),
            Quad(record, cm("assertionActive"), TRUE, staging),
        ]
        for name, value in sorted((attributes or {}).items()):
            if value is not None:
                quads.append(Quad(record, cm(ATTRIBUTE_PROPERTIES[name]), _attribute_literal(value), staging))
    nodes = {"curated": CURATED, "statement": found.statement, "document": found.graph,
             "status": status_iri(status), "staging": staging, "catalog": iris.CATALOG_GRAPH,
             "catalog_node": CATALOG}
    for node in nodes.values():
        _check_iri(node)
    update = fill_update(load_query(__file__, "review_apply", suffix=".ru"), **nodes)
    store.extend(quads)
    try:
        store.update(update, prefixes=iris.PREFIXES)
    except Exception:
        store.remove_graph(staging)
        raise
    triple = tuple(t.value for t in asserted) if asserted is not None else None  # type: ignore[attr-defined]
    return Decision(found.statement.value, action, status, record.value, triple)  # type: ignore[arg-type]


def accept(store: Store, statement_iri: str, *, reviewer: str, note: str | None = None,
           is_public: Callable[[str], bool] | None = None) -> Decision:
    """Assert the statement's triple in ``cmg:curated`` with a curation record; again on an accepted one: no-op.
    ``is_public(graph IRI)``: whether the statement's graph may be published (else ``NotPublicError``)."""
    with _write_lock:
        found = _find(store, statement_iri)
        _check_public(found, is_public)
        if found.status == "accepted":
            return Decision(found.statement.value, "accept", "accepted", None, None)
        return _apply(store, found, action="accept", status="accepted", reviewer=reviewer, note=note,
                      asserted=(found.subject, found.predicate, found.object))


def reject(store: Store, statement_iri: str, *, reviewer: str, note: str | None = None,
           is_public: Callable[[str], bool] | None = None) -> Decision:
    """Mark the statement rejected (with who, when, why); retract what an earlier accept asserted."""
    with _write_lock:
        found = _find(store, statement_iri)
        _check_public(found, is_public)
        return _apply(store, found, action="reject", status="rejected", reviewer=reviewer, note=note, asserted=None)


def _entity_iri(store: Store, value: str, what: str) -> NamedNode:
    """A corrected subject or object: an IRI some graph holds as a subject (an entity we know)."""
    if not isinstance(value, str) or _UNSAFE_IRI.search(value) or not value.startswith(("http://", "https://")):
        raise ReviewError(f"{what} must be the IRI of an entity, not {value!r}")
    from kg.entities import entity_exists  # entities imports much; only a fix needs it

    try:
        node = NamedNode(value)
    except ValueError as error:
        raise ReviewError(f"{what} is not an IRI: {value!r}") from error
    if not entity_exists(store, value):
        raise ReviewError(f"{what} {value} is not an entity of the graph")
    return node


def fix(store: Store, statement_iri: str, *, subject: str | None = None, predicate: str | None = None,
        object: str | None = None, attributes: Mapping[str, object] | None = None, reviewer: str,
        note: str | None = None, is_public: Callable[[str], bool] | None = None) -> Decision:
    """Accept a corrected version of the statement: the correction is recorded, the extracted original kept.

    ``predicate`` is a relation type (``OWNS``) or the IRI of its property; ``subject``/``object`` are IRIs of
    entities in the graph; ``attributes`` use the extractor's names (``percentage``, ``status``, ``unit`` …).
    """
    with _write_lock:
        found = _find(store, statement_iri)
        _check_public(found, is_public)
        s = _entity_iri(store, subject, "subject") if subject else found.subject
        o = _entity_iri(store, object, "object") if object else found.object
        p = found.predicate
        if predicate:
            p_iri = iris.ONTOLOGY + RELATION_PROPERTIES[predicate] if predicate in RELATION_PROPERTIES else predicate
            if p_iri not in RELATION_IRIS:
                raise ReviewError(f"unknown relation {predicate!r}; use one of {', '.join(RELATION_PROPERTIES)}")
            p = NamedNode(p_iri)
        unknown = sorted(set(attributes or {}) - set(ATTRIBUTE_PROPERTIES))
        if unknown:
            raise ReviewError(f"unknown attributes {', '.join(unknown)}; use {', '.join(ATTRIBUTE_PROPERTIES)}")
        for name, value in (attributes or {}).items():
            if value is not None and not isinstance(value, str | int | float | bool):
                raise ReviewError(f"attribute {name} must be text or a number")
        return _apply(store, found, action="fix", status="accepted", reviewer=reviewer, note=note,
                      asserted=(s, p, o), attributes=attributes)


def remove_stale_staging(store: Store) -> int:
    """Drop staging graphs a decision left behind when its process died between its two writes."""
    with _write_lock:
        stale = [g for g in store.named_graphs() if isinstance(g, NamedNode) and g.value.startswith(STAGING_PREFIX)]
        for graph in stale:
            store.remove_graph(graph)
        return len(stale)
