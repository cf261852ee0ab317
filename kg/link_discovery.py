"""Link discovery: which of our entities each entity of a partner graph is (``owl:sameAs``) or may be
(``skos:closeMatch``), with a score and the reasons.

Method (link discovery v1). It reuses the two matchers we have rather than adding a third:

1. Candidates and the name score come from reconciliation (``kg/reconcile_match.py``): the partner entity's label
   and each alias is a reconciliation query restricted to its kind (facility, organisation); its name score is
   0-100 (exact 100, alias 95, equal cores 90, else 88 x similarity). The facility matcher's token-set name score
   (``kg/linking.py``, which also drops commodity and compass words: "Greenbushes Lithium Operations" ~
   "Greenbushes Mine") x 90 is taken when higher.
2. Only our entities count: a candidate needs facts in a hub graph (not a partner graph) and must not be an
   unreviewed mention from a document.
3. Evidence added to the name score, each recorded as a reason:
   ``identifier`` a shared ICMM / MinMod / Wikidata id: at least 97; a different id of the same scheme: -40;
   ``distance_km`` both have coordinates: ≤ 2 km +10, ≤ 10 km +6, ≤ 50 km 0, farther -30;
   ``country`` the same +5, different -25 (not counted when the coordinates are within 10 km: a source's
   country can be wrong, as ICMM's Pilgangoora is); ``commodity`` a shared one +5, none shared -5;
   ``type`` a processing plant against a mine or deposit (``linking.compatible_types``): -15.
4. The score is clamped to 0-100. ``owl:sameAs`` at ``SAME_AS_SCORE`` or more when no evidence went against the
   pair (a different id, country or type, or too far); ``skos:closeMatch`` at ``CLOSE_MATCH_SCORE`` or more;
   at most ``MAX_PROPOSALS`` per partner entity, best first.

>>> Proposal("a", "b", "sameAs", 95.0, ("name_exact: Greenbushes",)).predicate.value
'http://www.w3.org/2002/07/owl#sameAs'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from extractors.feeds.base import FacilityRecord
from kg import iris, linking
from kg.reconcile_match import Candidate, match
from kg.reconcile_queries import MatchQuery
from kg.reconcile_schema import TYPE_OF_CLASS, TYPES
from kg.reconcile_source import ReconcileSource
from kg.rq import load_query
from kg.search import SearchIndex, normalise
from kg.store import query

METHOD = "critmin link discovery v1"
SAME_AS_SCORE = 90.0
CLOSE_MATCH_SCORE = 60.0
MAX_PROPOSALS = 3
CANDIDATES_PER_NAME = 10
MAX_NAMES = 4  # the label and up to three aliases are looked up, each also by its distinctive words
PREDICATES = {"sameAs": iris.ns("owl", "sameAs"), "closeMatch": iris.ns("skos", "closeMatch")}
IDENTIFIER_PROPERTIES = {iris.ONTOLOGY + name: name for name in ("icmmId", "minmodId", "wikidataId")}
_P = iris.PREFIXES
_CM = iris.ONTOLOGY
# Kinds of partner entities we look for among ours, by class (the most specific classes map through reconciliation).
_KIND_OF_CLASS = {_CM + "Facility": "facility", _CM + "Organization": "organisation", _CM + "Company": "organisation"}


@dataclass(frozen=True)
class Proposal:
    """One proposed link from the partner's entity ``subject`` to our entity ``object``."""

    subject: str
    object: str
    relation: str  # "sameAs" or "closeMatch"
    score: float
    reasons: tuple[str, ...]

    @property
    def predicate(self) -> NamedNode:
        return PREDICATES[self.relation]


@dataclass
class EntityFacts:
    """What link discovery compares of one entity."""

    iri: str
    types: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    commodities: set[str] = field(default_factory=set)
    facility_types: set[str] = field(default_factory=set)
    latitude: float | None = None
    longitude: float | None = None
    identifiers: dict[str, set[str]] = field(default_factory=dict)

    def add(self, p: str, o: object) -> None:
        value = getattr(o, "value", str(o))
        if p == _P["rdf"] + "type":
            self.types.add(value)
        elif p == _P["rdfs"] + "label":
            self.labels.append(value)
        elif p == _P["skos"] + "altLabel":
            self.aliases.append(value)
        elif p == _CM + "country":
            self.countries.add(value)
        elif p in (_CM + "commodity", _CM + "primaryCommodity"):
            self.commodities.add(value)
        elif p == _CM + "facilityType":
            self.facility_types.add(value.rsplit("/", 1)[-1])
        elif p in (_P["schema"] + "latitude", _P["schema"] + "longitude"):
            number = _float(value)
            if p.endswith("latitude"):
                self.latitude = number
            else:
                self.longitude = number
        elif p in IDENTIFIER_PROPERTIES:
            self.identifiers.setdefault(IDENTIFIER_PROPERTIES[p], set()).add(value.strip().upper())

    @property
    def kind(self) -> str | None:
        for cls in sorted(self.types):
            if cls in TYPE_OF_CLASS:
                return TYPE_OF_CLASS[cls].kind
            if cls in _KIND_OF_CLASS:
                return _KIND_OF_CLASS[cls]
        return None

    def record(self) -> FacilityRecord:
        """As the facility matcher's record, to reuse its name, distance and type comparisons."""
        return FacilityRecord(
            source="", record_id=self.iri, iri=NamedNode(self.iri), name=self.labels[0] if self.labels else "",
            aliases=tuple(self.labels[1:] + self.aliases), latitude=self.latitude, longitude=self.longitude,
            country=NamedNode(sorted(self.countries)[0]) if self.countries else None,
            commodities=tuple(NamedNode(c) for c in sorted(self.commodities)),
            facility_types=tuple(sorted(self.facility_types)),
        )


def partner_entities(store: Store, graph: NamedNode) -> list[EntityFacts]:
    """The entities of a partner graph that have a name and a kind we link (facilities, organisations)."""
    found: dict[str, EntityFacts] = {}
    for row in query(store, load_query(__file__, "link_entity_facts"), graph=graph):
        found.setdefault(row["entity"].value, EntityFacts(row["entity"].value)).add(row["p"].value, row["o"])
    return [facts for _, facts in sorted(found.items()) if facts.labels and facts.kind]


def our_entity(store: Store, iri: str, *, partner_prefix: str) -> EntityFacts | None:
    """The facts the hub's graphs hold about ``iri``; None when only partner graphs speak of it."""
    facts = EntityFacts(iri)
    rows = query(store, load_query(__file__, "link_our_entity"), entity=NamedNode(iri),
                 partnerPrefix=Literal(partner_prefix))
    for row in rows:
        facts.add(row["p"].value, row["o"])
    return facts if facts.types else None


def discover(store: Store, index: SearchIndex, graph: NamedNode, *, base: str = iris.BASE) -> list[Proposal]:
    """Proposals for every entity of the partner graph ``graph``, best first per entity."""
    source = ReconcileSource(store, index)
    partner_prefix = f"{base}graph/partner"  # also covers partner-catalog/ and partner-links/
    ours: dict[str, EntityFacts | None] = {}
    proposals: list[Proposal] = []
    for entity in partner_entities(store, graph):
        scored = []
        for candidate, name in _candidates(source, entity):
            if candidate.iri not in ours:
                ours[candidate.iri] = our_entity(store, candidate.iri, partner_prefix=partner_prefix)
            facts = ours[candidate.iri]
            if facts is None or candidate.iri == entity.iri:
                continue
            scored.append(score_pair(entity, facts, candidate, name))
        scored.sort(key=lambda p: (-p.score, p.object))
        proposals += [p for p in scored if p.relation][:MAX_PROPOSALS]
    return proposals


def _candidates(source: ReconcileSource, entity: EntityFacts) -> list[tuple[Candidate, str]]:
    """Reconciliation's candidates for each of the entity's names, each with its best name score and the name of
    the partner's that found it."""
    kind = entity.kind
    best: dict[str, tuple[Candidate, str]] = {}
    given = list(dict.fromkeys(entity.labels + entity.aliases))[:MAX_NAMES]
    # "Wodgina Lithium Mine" ranks "Arcadia Lithium" above "Wodgina"; "wodgina" alone does not
    texts = [(name, name) for name in given]
    texts += [(_distinctive(name), name) for name in given if _distinctive(name) not in ("", normalise(name))]
    for text, name in texts:
        wanted = MatchQuery(text=text, types=(TYPES[kind],) if kind in TYPES else (), limit=CANDIDATES_PER_NAME)
        for candidate in match(source, wanted):
            if candidate.summary is not None and candidate.summary.unreviewed:
                continue  # a document's mention is not one of our entities until a reviewer accepts it
            if candidate.iri not in best or candidate.score > best[candidate.iri][0].score:
                best[candidate.iri] = (candidate, name)
    return list(best.values())


def score_pair(theirs: EntityFacts, ours: EntityFacts, candidate: Candidate, name: str) -> Proposal:
    """The score, relation and reasons of one pair (see the module's docstring); ``candidate`` is what
    reconciliation found for the partner's ``name``."""
    reasons: list[str] = []
    against = False
    name_kind = candidate.name_kind
    score = candidate.score
    tokens = linking.name_score(theirs.record(), ours.record()) if ours.labels else 0.0
    if 90.0 * tokens > score:
        score, name_kind = 90.0 * tokens, "name_tokens"
    our_name = ours.labels[0] if ours.labels else ours.iri
    detail = f"{round(tokens, 2)}" if name_kind == "name_tokens" else ""
    if name_kind == "fuzzy":
        detail = str(next((f["value"] for f in candidate.features if f["id"] == "fuzzy"), ""))
    reasons.append(f"{name_kind}: {name!r} ~ {our_name!r}{' ' + detail if detail else ''}")

    for scheme, values in theirs.identifiers.items():
        mine = ours.identifiers.get(scheme)
        if mine and values & mine:
            score = max(score, 97.0)
            reasons.append(f"identifier: {scheme} {sorted(values & mine)[0]}")
        elif mine:
            score -= 40
            against = True
            reasons.append(f"identifier differs: {scheme} {sorted(values)[0]} vs {sorted(mine)[0]}")

    km = linking.distance_km(theirs.record(), ours.record())
    if km is not None:
        if km <= 2:
            score += 10
        elif km <= 10:
            score += 6
        elif km > 50:
            score -= 30
            against = True
        reasons.append(f"distance_km: {km:.1f}")

    if theirs.countries and ours.countries:
        if theirs.countries & ours.countries:
            score += 5
            reasons.append(f"country: {_key(sorted(theirs.countries & ours.countries)[0])}")
        elif km is not None and km <= 10:
            reasons.append(f"country differs (coordinates agree): {_keys(theirs.countries)} vs {_keys(ours.countries)}")
        else:
            score -= 25
            against = True
            reasons.append(f"country differs: {_keys(theirs.countries)} vs {_keys(ours.countries)}")

    if theirs.commodities and ours.commodities:
        shared = theirs.commodities & ours.commodities
        if shared:
            score += 5
            reasons.append(f"commodity: {_keys(shared)}")
        else:
            score -= 5
            reasons.append(f"commodity differs: {_keys(theirs.commodities)} vs {_keys(ours.commodities)}")

    if theirs.facility_types and ours.facility_types:
        if linking.compatible_types(theirs.record(), ours.record()):
            reasons.append(f"type: {_keys(theirs.facility_types)} ~ {_keys(ours.facility_types)}")
        else:
            score -= 15
            against = True
            reasons.append(f"type differs: {_keys(theirs.facility_types)} vs {_keys(ours.facility_types)}")

    score = round(max(0.0, min(100.0, score)), 1)
    if score >= SAME_AS_SCORE and not against:
        relation = "sameAs"
    elif score >= CLOSE_MATCH_SCORE:
        relation = "closeMatch"
    else:
        relation = ""
    return Proposal(theirs.iri, ours.iri, relation, score, tuple(reasons))


def _distinctive(name: str) -> str:
    """The words of a name that say which site it is, in order (the facility matcher's tokens)."""
    tokens = linking.name_tokens(name)
    return " ".join(word for word in normalise(name).split() if word in tokens)


def _key(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _keys(values: Iterable[str]) -> str:
    return ", ".join(sorted(_key(v) for v in values))


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
