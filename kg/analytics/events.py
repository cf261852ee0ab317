"""Recent supply-chain events found in documents: new or expanding plants and mines, agreements, export restrictions.

An event is one sentence of one document that states facts of one kind, read from the document's extracted
statements (``cm:ExtractedStatement`` in ``cmg:doc-{id}``, see ``kg/document_facts.py``):

- ``export-restriction``: EXPORT_RESTRICTION (a country restricting exports of a commodity);
- ``agreement``: SUPPLIES, PARTNERSHIP and OWNS (supply deals, partnerships and joint ventures, stakes and
  acquisitions);
- ``facility``: OPERATES, PRODUCES and PROCESSES when the subject or the object is a facility (any subclass of
  ``cm:Facility``: a mine, a plant, a MinMod deposit, or a facility the document names that the graph does not know
  yet). The extractor does not tell a new plant from an old one, so every such sentence is reported; LOCATED_IN is
  left out, being where a facility is rather than something that happened to it.

The statements of one kind that share a document and a sentence are one event (a sentence naming three owners of a
joint venture gives one agreement, not three); its ``statement`` (the Atom entry id and the evidence link) is the
smallest statement IRI of the group, which stays the same when the extractor's confidences change. Its
``confidence`` is the highest of the group's, and its ``facts`` list every statement. A statement a reviewer rejected
is left out; candidates are kept and marked: ``status`` is ``accepted`` only when every statement of the event was
accepted, else ``candidate``. Where a reviewer fixed a statement (``kg/review.py``), the subject, relation and object
of its active curation record in ``cmg:curated`` are shown instead of the extracted ones.

Every statement of the store's documents is read on each call (tens per document; a store of thousands of documents
would want a date-bounded query first).

The commodities of an event come from the most specific place that names any, and ``commodities_from`` says which:
``statement`` (the commodities its statements name as subject or object: "Indonesia restricts exports of nickel"),
else ``facility`` (the ``cm:commodity`` of the facilities they name: "Lithium Americas operates Thacker Pass"), else
``document`` (those the document mentions: two companies' partnership), else ``none``. A filter on a commodity takes
its narrower ones too (``skos:broader*``: graphite takes natural graphite, lithium takes spodumene concentrate).

Its date is the document's (``dct:issued``, else ``dct:date``), else the day the statements were extracted, and
``date_from`` says which (``document`` or ``extraction``).

>>> from pyoxigraph import Store
>>> recent_events(Store(), None, limit=10)
[]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from pyoxigraph import Literal, NamedNode, QuerySolution, Store

from kg import iris
from kg.document_facts import RELATION_PROPERTIES
from kg.rq import load_query
from kg.store import query

KIND_OF_RELATION = {
    "EXPORT_RESTRICTION": "export-restriction",
    "SUPPLIES": "agreement", "PARTNERSHIP": "agreement", "OWNS": "agreement",
    "OPERATES": "facility", "PRODUCES": "facility", "PROCESSES": "facility",
}
RELATION_OF_PROPERTY = {iris.term(local).value: relation for relation, local in RELATION_PROPERTIES.items()}
KIND_LABELS = {"export-restriction": "Export restriction", "agreement": "Agreement", "facility": "Facility"}
REJECTED = "rejected"


@dataclass(frozen=True)
class Commodity:
    iri: str
    label: str


@dataclass(frozen=True)
class Fact:
    """One extracted statement behind an event."""

    statement: str
    relation: str
    subject: str
    subject_label: str
    object: str
    object_label: str
    status: str
    confidence: float | None


@dataclass
class Event:
    statement: str  # the smallest statement IRI of the group: the event's stable id and evidence link
    kind: str
    title: str
    evidence: str
    document: str
    document_title: str | None
    publisher: str | None
    date: date
    date_from: str  # "document" or "extraction"
    extracted_at: datetime | None
    status: str  # "accepted" when every fact was accepted, else "candidate"
    confidence: float | None
    graph: str
    commodities: list[Commodity] = field(default_factory=list)
    commodities_from: str = "none"  # "statement", "facility", "document" or "none"
    facts: list[Fact] = field(default_factory=list)
    position: int = 0  # the sentence's character offset in the document: reading order among same-day events


@dataclass
class _Statement:
    fact: Fact
    graph: str
    document: str
    evidence: str
    start: int
    extracted_at: datetime | None
    kind: str | None
    commodities: dict[str, str] = field(default_factory=dict)  # named as subject or object
    facility_commodities: dict[str, str] = field(default_factory=dict)  # of the facilities named
    facility_first: bool = True  # False when only the object is a facility (a company operates a mine)


@dataclass(frozen=True)
class _Document:
    title: str | None
    publisher: str | None
    date: date | None


def recent_events(store: Store, commodities: list[NamedNode] | None, *, limit: int,
                  since: date | None = None) -> list[Event]:
    """The ``limit`` newest events concerning ``commodities`` or a narrower one (None: any commodity, or none), dated
    ``since`` or later; newest first, and in reading order within a document."""
    statements = _statements(store)
    if not statements:
        return []
    facilities = _facility_commodities(store)
    for item in statements.values():
        for entity in (item.fact.subject, item.fact.object):
            for commodity, label in facilities.get(entity, {}).items():
                item.facility_commodities.setdefault(commodity, label)
    documents = _documents(store)
    mentioned = _document_commodities(store)
    events = [_event(group, documents, mentioned) for group in _groups(statements.values())]
    wanted = _narrower(store, commodities) if commodities is not None else None
    kept = [e for e in events if (since is None or e.date >= since)
            and (wanted is None or any(c.iri in wanted for c in e.commodities))]
    kept.sort(key=lambda e: (e.document, e.position))
    kept.sort(key=lambda e: (e.date, e.extracted_at or datetime.min.replace(tzinfo=UTC)), reverse=True)
    return kept[:limit]


def unknown_commodities(store: Store, commodities: Iterable[NamedNode]) -> list[NamedNode]:
    """Those of ``commodities`` that are no ``cm:Commodity`` of the graph."""
    text = load_query(__file__, "commodity_exists")
    return [c for c in commodities if not list(query(store, text, commodity=c))]


def _statements(store: Store) -> dict[str, _Statement]:
    """The statements behind events, by IRI: not rejected, of a reported relation type, with their labels."""
    found: dict[str, _Statement] = {}
    labels: dict[tuple[str, str], list[tuple[bool, str]]] = defaultdict(list)
    for row in query(store, load_query(__file__, "event_statements")):
        iri = row["statement"].value
        status = iris.key_of(row["status"]) if row["status"] else "candidate"
        if status == REJECTED:
            continue
        for side in ("subject", "object"):
            if row[f"{side}Pref"]:
                labels[iri, side].append((False, row[f"{side}Pref"].value))
            if row[f"{side}Label"]:
                labels[iri, side].append((True, row[f"{side}Label"].value))
        if iri not in found:
            found[iri] = _statement_of(row, status)
    kept = {iri: item for iri, item in found.items() if item.kind}
    for item in kept.values():
        _name(item, labels[item.fact.statement, "subject"], labels[item.fact.statement, "object"])
    return kept


def _name(item: _Statement, subject_labels: list[tuple[bool, str]], object_labels: list[tuple[bool, str]]) -> None:
    fact = replace(item.fact, subject_label=_pick(subject_labels, item.fact.subject),
                   object_label=_pick(object_labels, item.fact.object))
    item.fact = fact
    for node, label in ((fact.subject, fact.subject_label), (fact.object, fact.object_label)):
        if node in item.commodities:
            item.commodities[node] = label


def _statement_of(row: QuerySolution, status: str) -> _Statement:
    relation = row["relation"].value
    if row["fixedPredicate"]:  # a reviewer's fix may have changed the relation too
        relation = RELATION_OF_PROPERTY.get(row["fixedPredicate"].value, relation)
    subject_facility, object_facility = _true(row["subjectFacility"]), _true(row["objectFacility"])
    kind = KIND_OF_RELATION.get(relation)
    if kind == "facility" and not (subject_facility or object_facility):
        kind = None  # a company producing a commodity, with no plant named, is no facility event
    commodities = {row[side].value: "" for side in ("subject", "object") if _true(row[f"{side}Commodity"])}
    fact = Fact(row["statement"].value, relation, row["subject"].value, "", row["object"].value, "", status,
                float(row["confidence"].value) if row["confidence"] else None)
    return _Statement(fact, row["graph"].value, row["document"].value,
                      row["evidence"].value if row["evidence"] else "",
                      int(row["start"].value) if row["start"] else 0, _datetime(row["extractedAt"]), kind,
                      commodities, facility_first=subject_facility or not object_facility)


def _pick(labels: list[tuple[bool, str]], iri: str) -> str:
    """An English preferred label first, then the smallest rdfs:label (stable across runs), else the IRI's key."""
    return min(labels)[1] if labels else iri.rstrip("/").rsplit("/", 1)[-1]


def _true(term: object) -> bool:
    return isinstance(term, Literal) and term.value == "true"


def _datetime(term: object) -> datetime | None:
    if not isinstance(term, Literal):
        return None
    try:
        moment = datetime.fromisoformat(term.value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(term: object) -> date | None:
    if not isinstance(term, Literal):
        return None
    try:
        return date.fromisoformat(term.value[:10])
    except ValueError:
        return None


def _facility_commodities(store: Store) -> dict[str, dict[str, str]]:
    """Facility IRI -> its commodities (IRI -> label), for the facilities statements name."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in query(store, load_query(__file__, "event_facility_commodities")):
        found[row["entity"].value][row["commodity"].value] = _label(row["commodityLabel"], row["commodity"])
    return found


def _document_commodities(store: Store) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in query(store, load_query(__file__, "event_document_commodities")):
        found[row["document"].value][row["commodity"].value] = _label(row["commodityLabel"], row["commodity"])
    return found


def _label(term: object, node: NamedNode) -> str:
    return term.value if isinstance(term, Literal) else iris.key_of(node)


def _documents(store: Store) -> dict[str, _Document]:
    found: dict[str, _Document] = {}
    for row in query(store, load_query(__file__, "event_documents")):
        title = row["title"] or row["label"]
        found.setdefault(row["document"].value, _Document(
            title.value if title else None, row["publisher"].value if row["publisher"] else None,
            _date(row["issued"]) or _date(row["date"])))
    return found


def _groups(statements: Iterable[_Statement]) -> list[list[_Statement]]:
    grouped: dict[tuple[str, int, str, str], list[_Statement]] = defaultdict(list)
    for item in statements:
        grouped[item.document, item.start, item.evidence, item.kind or ""].append(item)
    return [sorted(group, key=lambda s: s.fact.statement) for group in grouped.values()]


def _event(group: list[_Statement], documents: dict[str, _Document],
           mentioned: dict[str, dict[str, str]]) -> Event:
    first = group[0]
    facts = [item.fact for item in group]
    document = documents.get(first.document, _Document(None, None, None))
    extracted = min((s.extracted_at for s in group if s.extracted_at), default=None)
    when, date_from = (document.date, "document") if document.date else (
        (extracted.date() if extracted else date.min), "extraction")
    commodities, commodities_from = _commodities(group, mentioned.get(first.document, {}))
    confidences = [f.confidence for f in facts if f.confidence is not None]
    return Event(
        statement=first.fact.statement, kind=first.kind or "", title=_title(first.kind or "", group),
        evidence=first.evidence, document=first.document, document_title=document.title,
        publisher=document.publisher, date=when, date_from=date_from, extracted_at=extracted,
        status="accepted" if all(f.status == "accepted" for f in facts) else "candidate",
        confidence=max(confidences) if confidences else None, graph=first.graph,
        commodities=[Commodity(iri, label) for iri, label in sorted(commodities.items(), key=lambda c: c[1])],
        commodities_from=commodities_from, facts=facts, position=first.start)


def _commodities(group: list[_Statement], mentioned: dict[str, str]) -> tuple[dict[str, str], str]:
    """The most specific source that names any: the statements, then their facilities, then the document."""
    for source, found in (("statement", [s.commodities for s in group]),
                          ("facility", [s.facility_commodities for s in group]), ("document", [mentioned])):
        merged: dict[str, str] = {}
        for commodities in found:
            for iri, label in commodities.items():
                merged.setdefault(iri, label)
        if merged:
            return merged, source
    return {}, "none"


def _title(kind: str, group: list[_Statement]) -> str:
    """"Export restriction: Indonesia — Nickel"; an agreement lists its parties ("Agreement: Glencore, Gécamines and
    Kamoto Copper Company"), a facility event names the facilities first ("Facility: Thacker Pass — Lithium
    Americas")."""
    pairs = [(s.fact.subject_label, s.fact.object_label) for s in group if kind != "facility" or s.facility_first]
    pairs += [(s.fact.object_label, s.fact.subject_label) for s in group if kind == "facility" and not s.facility_first]
    firsts, seconds = _distinct(p[0] for p in pairs), _distinct(p[1] for p in pairs)
    body = _join(_distinct(firsts + seconds)) if kind == "agreement" else f"{_join(firsts)} — {_join(seconds)}"
    return f"{KIND_LABELS.get(kind, kind)}: {body}"


def _distinct(labels: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(labels))


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _narrower(store: Store, commodities: list[NamedNode]) -> set[str]:
    text = load_query(__file__, "narrower_commodities")
    return {row["commodity"].value for watched in commodities for row in query(store, text, watched=watched)}
