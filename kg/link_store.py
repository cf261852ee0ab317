"""The linkset of a partner graph: link proposals with their status, and the accepted links asserted.

The linkset is the graph ``kg.iris.partner_links_graph`` beside the partner graph (hidden with it). It holds a
``void:Linkset`` description and one ``cm:LinkProposal`` per (partner entity, our entity) pair, reified
(``rdf:subject``, ``rdf:predicate``, ``rdf:object``) with ``cm:linkScore`` (0-100), ``cm:matchReason`` (one per
feature), ``cm:reviewStatus`` (review-status ``candidate`` = proposed, ``accepted``, ``rejected``), ``dct:created``,
and once decided ``cm:decidedBy`` (the partner's IRI) and ``cm:decidedAt``. Only an accepted proposal's link is
asserted (partner entity ``owl:sameAs`` or ``skos:closeMatch`` our entity), which is what entity pages follow.

Every change rewrites the whole linkset in one transaction (a linkset is small: a few proposals per entity).

>>> STATUSES["candidate"], STATUS_KEYS["proposed"]
('proposed', 'candidate')
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

from kg import iris
from kg.link_discovery import METHOD, PREDICATES, Proposal
from kg.rq import fill_update, load_query
from kg.store import query

# review-status concept key -> the status word the API uses
STATUSES = {"candidate": "proposed", "accepted": "accepted", "rejected": "rejected"}
STATUS_KEYS = {word: key for key, word in STATUSES.items()}
RELATIONS = {predicate.value: name for name, predicate in PREDICATES.items()}
XSD = iris.PREFIXES["xsd"]
_LOCK = threading.Lock()  # a decision reads the linkset and writes it back: one change at a time


class LinkError(LookupError):
    """No such proposal."""


@dataclass(frozen=True)
class StoredProposal:
    iri: str
    id: str  # "{slug}.{name}.{digest}": the proposal in URLs
    subject: str  # the partner's entity
    object: str  # ours
    relation: str  # sameAs or closeMatch
    score: float
    reasons: tuple[str, ...]
    status: str  # proposed, accepted or rejected
    created: str
    decided_by: str | None = None
    decided_at: str | None = None


def proposal_id(iri: str) -> str:
    """``bgs.uk-sites.3f9a…`` for ``…/id/link-proposal/bgs/uk-sites/3f9a…``: slugs and names hold no dots."""
    return ".".join(iri.rstrip("/").split("/")[-3:])


def proposal_iri(identifier: str, *, base: str = iris.BASE) -> tuple[NamedNode, NamedNode] | None:
    """(proposal IRI, the partner graph it belongs to) for an id, None when it is not one."""
    parts = identifier.split(".")
    if len(parts) != 3 or not all(parts) or not all(c in "0123456789abcdef" for c in parts[2]):
        return None
    try:
        graph = iris.partner_graph(parts[0], parts[1], base=base)
    except ValueError:
        return None
    return NamedNode(f"{base}id/link-proposal/{parts[0]}/{parts[1]}/{parts[2]}"), graph


def read_proposals(store: Store, graph: NamedNode, *, base: str = iris.BASE) -> list[StoredProposal]:
    """The proposals of the partner graph ``graph``, best score first."""
    links = _links_graph(graph, base)
    out = []
    for row in query(store, load_query(__file__, "link_proposals"), links=links):
        status = row["status"].value.rsplit("/", 1)[-1]
        out.append(StoredProposal(
            iri=row["proposal"].value, id=proposal_id(row["proposal"].value), subject=row["subject"].value,
            object=row["object"].value, relation=RELATIONS.get(row["predicate"].value, row["predicate"].value),
            score=float(row["score"].value), reasons=tuple(r for r in row["reasons"].value.split("\n") if r),
            status=STATUSES.get(status, status), created=row["created"].value,
            decided_by=row["decidedBy"].value if row["decidedBy"] else None,
            decided_at=row["decidedAt"].value if row["decidedAt"] else None,
        ))
    return out


def save_discovered(store: Store, graph: NamedNode, found: Sequence[Proposal], *, base: str = iris.BASE
                    ) -> list[StoredProposal]:
    """Replace the undecided proposals of ``graph`` by ``found``; accepted and rejected ones stay as they were
    (a pair decided before is not proposed again). Returns the linkset's proposals."""
    parsed = _parsed(graph, base)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with _LOCK:
        kept = [p for p in read_proposals(store, graph, base=base) if p.status != "proposed"]
        decided = {(p.subject, p.object) for p in kept}
        new = []
        for proposal in found:
            if (proposal.subject, proposal.object) in decided or not proposal.relation:
                continue
            iri = iris.link_proposal(parsed.slug, parsed.name, proposal.subject, proposal.object, base=base).value
            new.append(StoredProposal(iri=iri, id=proposal_id(iri), subject=proposal.subject, object=proposal.object,
                                      relation=proposal.relation, score=proposal.score, reasons=proposal.reasons,
                                      status="proposed", created=now))
        everything = kept + new
        _write(store, graph, everything, base=base)
    return sorted(everything, key=lambda p: (-p.score, p.iri))


def decide(store: Store, graph: NamedNode, identifier: str, *, status: str, by: NamedNode,
           base: str = iris.BASE) -> StoredProposal:
    """Accept or reject one proposal (deciding again changes the decision); ``LinkError`` when there is none."""
    if status not in ("accepted", "rejected"):
        raise ValueError(f"status {status!r}: accepted or rejected")
    with _LOCK:
        proposals = read_proposals(store, graph, base=base)
        found = next((p for p in proposals if p.id == identifier), None)
        if found is None:
            raise LinkError(f"no link proposal {identifier} for {graph.value}")
        decided = replace(found, status=status, decided_by=by.value,
                          decided_at=datetime.now(UTC).isoformat(timespec="seconds"))
        _write(store, graph, [decided if p.id == identifier else p for p in proposals], base=base)
    return decided


def linkset_triples(graph: NamedNode, proposals: Iterable[StoredProposal], *, base: str = iris.BASE
                    ) -> list[Triple]:
    """The VoID description, every proposal, and the accepted links."""
    links = _links_graph(graph, base)
    ns, cm = iris.ns, iris.term
    parsed = _parsed(graph, base)
    out = [
        Triple(links, ns("rdf", "type"), ns("void", "Linkset")),
        Triple(links, ns("void", "subjectsTarget"), graph),
        Triple(links, ns("void", "linkPredicate"), PREDICATES["sameAs"]),
        Triple(links, ns("void", "linkPredicate"), PREDICATES["closeMatch"]),
        Triple(links, ns("dct", "publisher"), iris.partner(parsed.slug, base=base)),
        Triple(links, ns("dct", "description"), Literal(f"Links proposed by {METHOD} between the entities of "
                                                       f"{graph.value} and ours; only accepted ones are asserted.",
                                                       language="en")),
    ]
    accepted = 0
    for p in proposals:
        node, predicate = NamedNode(p.iri), PREDICATES[p.relation]
        out += [
            Triple(node, ns("rdf", "type"), cm("LinkProposal")),
            Triple(node, ns("rdf", "subject"), NamedNode(p.subject)),
            Triple(node, ns("rdf", "predicate"), predicate),
            Triple(node, ns("rdf", "object"), NamedNode(p.object)),
            Triple(node, cm("linkScore"), Literal(f"{p.score:.1f}", datatype=NamedNode(XSD + "decimal"))),
            Triple(node, cm("reviewStatus"), iris.entity("review-status", STATUS_KEYS[p.status])),
            Triple(node, ns("dct", "created"), Literal(p.created, datatype=NamedNode(XSD + "dateTime"))),
            Triple(node, ns("void", "inDataset"), links),
        ]
        out += [Triple(node, cm("matchReason"), Literal(reason)) for reason in p.reasons]
        if p.decided_by:
            out.append(Triple(node, cm("decidedBy"), NamedNode(p.decided_by)))
        if p.decided_at:
            out.append(Triple(node, cm("decidedAt"), Literal(p.decided_at, datatype=NamedNode(XSD + "dateTime"))))
        if p.status == "accepted":
            accepted += 1
            out.append(Triple(NamedNode(p.subject), predicate, NamedNode(p.object)))
    out.append(Triple(links, ns("void", "triples"), Literal(str(accepted), datatype=NamedNode(XSD + "integer"))))
    return out


def _write(store: Store, graph: NamedNode, proposals: Sequence[StoredProposal], *, base: str) -> None:
    links = _links_graph(graph, base)
    staged = NamedNode(f"{iris.STAGING_GRAPH_PREFIX}links/{_parsed(graph, base).slug}/{_parsed(graph, base).name}")
    try:
        store.extend([Quad(t.subject, t.predicate, t.object, staged)
                      for t in linkset_triples(graph, proposals, base=base)])
        store.update(fill_update(load_query(__file__, "replace_linkset", suffix=".ru"), links=links, staged=staged))
    finally:  # after the swap the staged graph is gone; after a failure it must not linger
        if store.contains_named_graph(staged):
            store.remove_graph(staged)


def _parsed(graph: NamedNode, base: str) -> iris.PartnerGraphName:
    parsed = iris.parse_partner_graph(graph.value, base=base)
    if parsed is None or parsed.companion:
        raise ValueError(f"{graph.value} is not a partner graph")
    return parsed


def _links_graph(graph: NamedNode, base: str) -> NamedNode:
    parsed = _parsed(graph, base)
    return iris.partner_links_graph(parsed.slug, parsed.name, base=base)
