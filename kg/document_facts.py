"""A document's extracted facts as its own named graph, each statement with its evidence.

Extracted facts are candidates, not facts: the graph ``cmg:doc-{doc_id}`` holds the document, the entities it
mentions (``cm:mentionedIn``), candidate entities the graph does not know yet, and one ``cm:ExtractedStatement`` per
candidate fact. A statement is classic RDF reification (``rdf:subject``/``rdf:predicate``/``rdf:object``), not an
asserted triple, so a candidate never shows in the union graph as if it were true; PLATFORM.md measured look-ups over
classic reification about 1,000 times faster than over RDF 1.2 reifiers. Each statement keeps the evidence sentence,
its character offsets in the document text, the extractor version, the confidence and its review status
(``candidate`` until a reviewer accepts or rejects it).

Extracting a document again replaces its graph, but not its reviewers' work. A statement's IRI is a hash of its
predicate, subject and object names and sentence offset, so the same fact found again gets the same IRI, and
``load_document_facts`` writes the status of that statement's latest curation record in ``cmg:curated``
(``accepted`` after an accept or a fix, ``rejected`` after a reject) instead of ``candidate``; it reads them with one
bound query (``prior_review_statuses.rq``). A statement the new extraction no longer finds loses nothing in
``cmg:curated``: its curation records stay as history, and a triple a reviewer accepted from it stays asserted there,
because a reviewer judged the fact true and a changed document (or extractor) is not a reason to retract it. Such a
record then names a statement no document graph holds; rejecting it again needs the statement back.
The statuses are read just before the graph is replaced; nothing can decide in between, because ``critmin extract
--load`` holds the store's lock (the server, where decisions are made, cannot run meanwhile).

Whose graph: ``critmin extract --load`` reads the hub's own files into the public hub graph ``cmg:doc-{doc_id}``
(``load_document_facts``). A partner's upload (``POST /documents``) is the partner's data: it goes into a partner
graph of that partner, ``{base}graph/partner/{slug}/doc-{stem}`` (``partner_document_graph``), with its catalog
companion like a ``/store`` upload (``load_partner_document_facts``), and is private until the partner shares it
(``kg/graph_access.py``; registering it is the caller's job, before the first triple is written).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store, Triple

from extractors.documents import Document, document_triples
from extractors.facts import CandidateFact, EntityMention
from kg import iris
from kg.catalog import GraphDescription, PartnerGraphDescription, partner_catalog_triples
from kg.loading import LoadReport, replace_graph, write_graph_atomically
from kg.rq import load_query
from kg.store import query

XSD = iris.PREFIXES["xsd"]
RELATION_PROPERTIES = {
    "OPERATES": "operates",
    "OWNS": "owns",
    "LOCATED_IN": "locatedIn",
    "PRODUCES": "produces",
    "PROCESSES": "processes",
    "SUPPLIES": "supplies",
    "PARTNERSHIP": "partnerOf",
    "EXPORT_RESTRICTION": "restrictsExportOf",
}
# An extracted fact's attributes, as properties of its statement.
ATTRIBUTE_PROPERTIES = {
    "percentage": "sharePercent",
    "status": "dealStatus",
    "mineral": "mineralName",
    "volume": "volume",
    "capacity": "capacity",
    "unit": "sourceUnit",
    "start_year": "startYear",
    "end_year": "endYear",
    "measure": "restrictionMeasure",
    "effective_date": "effectiveDateAsWritten",
}
ENTITY_CLASSES = {"ORGANIZATION": "Organization", "MINERAL": "Commodity", "FACILITY": "Facility",
                  "LOCATION": "Place"}


def graph_name(doc_id: str) -> str:
    """The name of the hub graph of a document the hub reads itself (``critmin extract --load``)."""
    return f"doc-{iris.slug(doc_id)}"[:100]


def partner_document_graph(partner: str, stem: str, *, base: str = iris.BASE) -> NamedNode:
    """The partner graph that a partner's uploaded document goes into, named after the file's stem (cut to the 60
    characters a partner graph's name may have): the same file uploaded again replaces it.

    >>> partner_document_graph("bgs", "Cobalt Update 2025").value
    'https://w3id.org/critmin/graph/partner/bgs/doc-cobalt-update-2025'
    """
    name = f"doc-{iris.slug(stem)}"[:60].rstrip("-")
    return iris.partner_graph(partner, name, base=base)


def entity_node(doc_id: str, mention: EntityMention) -> NamedNode:
    """The linked entity, or a candidate entity of this document (never merged into one that exists)."""
    if mention.iri:
        return NamedNode(mention.iri)
    return iris.entity("candidate", f"{iris.slug(doc_id)}/{mention.type.lower()}-{iris.slug(mention.name)}")


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.4f}".rstrip("0").rstrip(".") or "0", datatype=NamedNode(XSD + "decimal"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def _attribute_literal(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _decimal(value)
    return Literal(str(value))


def statement_node(doc_id: str, fact: CandidateFact) -> NamedNode:
    key = f"{fact.predicate} {fact.subject.name} {fact.object.name} {fact.start_char}"
    return iris.entity("statement", f"{statement_prefix(doc_id)}{hashlib.sha256(key.encode()).hexdigest()[:12]}")


def statement_prefix(doc_id: str) -> str:
    """The path of the document's statement IRIs below ``statement/``, up to the hash (ends with ``/``)."""
    return f"{iris.slug(doc_id)}/"


# The status a statement has after each kind of decision (kg/review.py: a fix accepts the corrected statement).
STATUS_AFTER_ACTION = {"accept": "accepted", "fix": "accepted", "reject": "rejected"}


def prior_review_statuses(store: Store, doc_id: str) -> dict[str, str]:
    """Statement IRI -> status after its latest review decision, for the statements of one document ever reviewed.

    >>> prior_review_statuses(Store(), "lithium-news")
    {}
    """
    prefix = Literal(iris.entity("statement", statement_prefix(doc_id)).value)
    statuses: dict[str, str] = {}
    for row in query(store, load_query(__file__, "prior_review_statuses"), curated=iris.graph("curated"),
                     prefix=prefix):
        statement = row["statement"].value
        if statement not in statuses:  # rows come newest first per statement
            action = row["action"].value.rsplit("/", 1)[-1]
            if action in STATUS_AFTER_ACTION:
                statuses[statement] = STATUS_AFTER_ACTION[action]
    return statuses


def document_fact_triples(document: Document, mentions: Sequence[EntityMention],
                          facts: Iterable[CandidateFact], *, extracted_at: datetime | None = None,
                          statuses: Mapping[str, str] | None = None) -> list[Triple]:
    """The document graph's triples; ``statuses`` (statement IRI -> status name) keeps earlier review decisions."""
    cm, rdf = iris.term, (lambda local: iris.ns("rdf", local))
    doc_node = iris.document(document.doc_id)
    when = Literal((extracted_at or datetime.now(UTC)).isoformat(), datatype=NamedNode(XSD + "dateTime"))
    out = list(document_triples(document))
    for mention in {(m.type, m.name, m.iri): m for m in mentions}.values():
        node = entity_node(document.doc_id, mention)
        out.append(Triple(node, cm("mentionedIn"), doc_node))
        if mention.is_candidate:
            out += [
                Triple(node, rdf("type"), cm("CandidateEntity")),
                Triple(node, rdf("type"), cm(ENTITY_CLASSES.get(mention.type, "CandidateEntity"))),
                Triple(node, iris.ns("rdfs", "label"), Literal(mention.name)),
                Triple(node, cm("entityType"), Literal(mention.type)),
            ]
    for fact in facts:
        node = statement_node(document.doc_id, fact)
        out += [
            Triple(node, rdf("type"), rdf("Statement")),
            Triple(node, rdf("type"), cm("ExtractedStatement")),
            Triple(node, rdf("subject"), entity_node(document.doc_id, fact.subject)),
            Triple(node, rdf("predicate"), cm(RELATION_PROPERTIES[fact.predicate])),
            Triple(node, rdf("object"), entity_node(document.doc_id, fact.object)),
            Triple(node, cm("relationType"), Literal(fact.predicate)),
            Triple(node, cm("evidence"), Literal(fact.evidence)),
            Triple(node, cm("charStart"), _integer(fact.start_char)),
            Triple(node, cm("charEnd"), _integer(fact.end_char)),
            Triple(node, cm("extractionConfidence"), _decimal(fact.confidence)),
            Triple(node, cm("extractorVersion"), Literal(fact.extractor)),
            Triple(node, cm("reviewStatus"), iris.concept("review-status",
                                                          (statuses or {}).get(node.value, "candidate"))),
            Triple(node, iris.ns("prov", "wasDerivedFrom"), doc_node),
            Triple(node, iris.ns("prov", "generatedAtTime"), when),
        ]
        for name, value in sorted(fact.attributes.items()):
            if value is None:
                continue
            if name in ATTRIBUTE_PROPERTIES:
                out.append(Triple(node, cm(ATTRIBUTE_PROPERTIES[name]), _attribute_literal(value)))
            else:  # an attribute the ontology has no property for yet: kept, readable, not lost
                out.append(Triple(node, cm("note"), Literal(f"{name}: {value}")))
    return out


def partner_document_entry(document: Document, facts: int, *, graph: NamedNode, publisher: NamedNode,
                           visibility: str) -> PartnerGraphDescription:
    """The catalog entry of an uploaded document's partner graph: its title, the document's own metadata in the
    description, ``dct:license`` when the licence is an http(s) IRI, and the uploading partner as publisher."""
    licence = document.licence or ""
    about = [f"{facts} candidate facts and the entities mentioned in the document {document.title or document.doc_id}"
             f" ({Path(document.source_path).name}), with evidence, extracted on upload; candidates until reviewed."]
    about += [f"{label}: {value}." for label, value in (("Publisher", document.publisher), ("Date", document.date),
                                                        ("URL", document.url)) if value]
    if licence and not licence.startswith(("http://", "https://")):
        about.append(f"Licence: {licence}.")
    return PartnerGraphDescription(
        graph=graph,
        title=f"Extracted from {document.title or document.doc_id}",
        description=" ".join(about),
        license_url=licence if licence.startswith(("http://", "https://")) else None,
        publisher=publisher,
        visibility=visibility,
    )


def load_partner_document_facts(store: Store, document: Document, mentions: Sequence[EntityMention],
                                facts: Sequence[CandidateFact], *, entry: PartnerGraphDescription,
                                base: str = iris.BASE) -> int:
    """Replace the partner graph ``entry.graph`` with what was extracted from an uploaded document, and its catalog
    companion with ``entry``, in one transaction (as a ``/store`` upload is written; a failure leaves both as they
    were), keeping earlier review statuses. Returns the graph's triple count. The graph must be registered in
    ``kg/graph_access.py`` before this is called, so that it is hidden from the first triple on."""
    parsed = iris.parse_partner_graph(entry.graph.value, base=base)
    if parsed is None or parsed.companion:
        raise ValueError(f"{entry.graph.value} is not a partner graph")
    statuses = prior_review_statuses(store, document.doc_id)
    return write_graph_atomically(
        store, entry.graph, document_fact_triples(document, mentions, facts, statuses=statuses),
        companion=iris.partner_catalog_graph(parsed.slug, parsed.name, base=base),
        companion_triples=lambda n: partner_catalog_triples(entry, triples=n, modified=datetime.now(UTC)),
    )


def load_document_facts(store: Store, document: Document, mentions: Sequence[EntityMention],
                        facts: Sequence[CandidateFact]) -> LoadReport:
    """Replace the document's hub graph ``cmg:doc-{doc_id}`` with what was extracted from it now (all or nothing, in
    the catalog), keeping the review status of every statement a reviewer has decided on."""
    statuses = prior_review_statuses(store, document.doc_id)
    return replace_graph(
        store,
        GraphDescription(
            name=graph_name(document.doc_id),
            title=f"Extracted from {document.title or document.doc_id}",
            description=f"{len(facts)} candidate facts and the entities mentioned in one document, with evidence.",
            license_url=document.licence if (document.licence or "").startswith("http") else None,
            citation=document.title or document.doc_id,
            source_url=document.url,
            source_file=document.source_path,
            rights=None if (document.licence or "").startswith("http") else (
                document.licence or "The document's own terms apply; critmin keeps short evidence quotes."),
        ),
        document_fact_triples(document, mentions, facts, statuses=statuses),
        records_read=1,
    )
