"""Finding the same facility in several sources, and linking the records.

Method (facility matcher v3). v1 was fixed before any labelled sample existed. v2 and v3 were changed after
reading the errors on the two labelled samples (tests/data/facility_match_sample*.csv), so their figures there are
development figures, not unbiased estimates (see tests/kg/test_linking_sample.py):
- v2: a source may describe one facility in several records (MinMod has the same laterite deposit in two sets),
  so matching is no longer one-to-one: every pair at or above the threshold is linked; a processing plant is never
  the same facility as a mine or deposit; compass words say nothing about which site a name means.
- v3: v2 scored a pair without coordinates over the features it had; on the second sample that linked almost any
  two records of one country with one shared word (precision 0.47). v3 counts a missing distance as no evidence
  again (as v1 did), and drops landform words (mountain, hill, river, …) from names.
Steps:
1. Candidates: pairs of records from two sources that are within ``CANDIDATE_RADIUS_KM`` of each other, or, when
   either has no coordinates, in the same country with a name score of at least 0.5.
2. Features: the name score (the best over both records' names and aliases of a token-set similarity, after
   lowercasing, folding accents and dropping words that say what a site is rather than which: mine, project,
   deposit, …), the distance score ``exp(-km / 10)`` (0 when unknown), the commodity overlap (Jaccard) and the
   country agreement (1, 0, or 0.5 when unknown).
3. Score = 0.5 name + 0.3 distance + 0.15 commodity + 0.05 country (distance 0 when unknown, so a pair without
   coordinates needs near-identical names and commodities). A pair at or above ``MATCH_THRESHOLD`` is a match,
   unless one record is only a processing plant (smelter, refinery, plant) and the other only a mine or deposit:
   those are neighbours, not one facility.
Each match is written as ``owl:sameAs`` between the two facility IRIs plus a ``cm:FacilityMatch`` node that keeps
the score, each feature and the method, so a reader can see why two records were joined.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Triple

from extractors.feeds.base import FacilityRecord
from kg import iris

METHOD = "critmin facility matcher v3"
CANDIDATE_RADIUS_KM = 50.0
MATCH_THRESHOLD = 0.6
WEIGHTS = {"name": 0.5, "distance": 0.3, "commodity": 0.15, "country": 0.05}
GENERIC_WORDS = frozenset(
    # words that say what a site is or what it yields rather than which site it is
    "mine mines mining project projects deposit deposits prospect property operation operations complex district "
    "area zone pit underground open mill plant refinery smelter concentrator site sites ore ores "
    "nickel copper cobalt lithium graphite gold silver zinc lead iron manganese tin tungsten platinum palladium "
    "rare earth earths ree pge pgm vanadium chromite chromium uranium phosphate "
    "north south east west central upper lower new old main "
    "mountain mount mt hill hills river creek lake valley basin island "
    "the of and de do da la le el".split()
)
XSD = iris.PREFIXES["xsd"]


@dataclass(frozen=True)
class Match:
    left: FacilityRecord
    right: FacilityRecord
    score: float
    name_score: float
    distance_km: float | None
    commodity_overlap: float
    same_country: float

    def reasons(self) -> str:
        distance = "unknown distance" if self.distance_km is None else f"{self.distance_km:.1f} km apart"
        return (f"name {self.name_score:.2f}, {distance}, commodities {self.commodity_overlap:.2f}, "
                f"country {self.same_country:.1f}")


def name_tokens(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return frozenset(t for t in re.findall(r"[a-z0-9]+", folded) if t not in GENERIC_WORDS)


def name_score(left: FacilityRecord, right: FacilityRecord) -> float:
    """The best token-set similarity between any name of one and any name of the other (0..1)."""
    best = 0.0
    for a in {name_tokens(n) for n in (left.name, *left.aliases)}:
        for b in {name_tokens(n) for n in (right.name, *right.aliases)}:
            if a and b:
                best = max(best, len(a & b) / min(len(a), len(b)) * (0.5 + 0.5 * len(a & b) / len(a | b)))
    return best


def distance_km(left: FacilityRecord, right: FacilityRecord) -> float | None:
    if None in (left.latitude, left.longitude, right.latitude, right.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (left.latitude, left.longitude, right.latitude, right.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def score_pair(left: FacilityRecord, right: FacilityRecord) -> Match:
    names = name_score(left, right)
    km = distance_km(left, right)
    a, b = set(left.commodities), set(right.commodities)
    commodities = len(a & b) / len(a | b) if a and b else 0.0
    country = 0.5 if left.country is None or right.country is None else float(left.country == right.country)
    distance = 0.0 if km is None else math.exp(-km / 10.0)
    score = (WEIGHTS["name"] * names + WEIGHTS["distance"] * distance + WEIGHTS["commodity"] * commodities
             + WEIGHTS["country"] * country)
    return Match(left, right, round(score, 4), round(names, 4), km, round(commodities, 4), country)


# A deposit and the mine that works it are one facility; a smelter, refinery or plant beside them is another.
_EXTRACTION_TYPES = frozenset({"mine", "deposit"})


def compatible_types(left: FacilityRecord, right: FacilityRecord) -> bool:
    """False when one record is only a processing plant and the other only a mine or deposit (or the reverse)."""
    if not left.facility_types or not right.facility_types:
        return True
    left_extracts = bool(_EXTRACTION_TYPES & set(left.facility_types))
    right_extracts = bool(_EXTRACTION_TYPES & set(right.facility_types))
    left_processes = bool(set(left.facility_types) - _EXTRACTION_TYPES)
    right_processes = bool(set(right.facility_types) - _EXTRACTION_TYPES)
    return (left_extracts and right_extracts) or (left_processes and right_processes)


def candidate_pairs(left: Sequence[FacilityRecord], right: Sequence[FacilityRecord]) -> list[Match]:
    """Every pair worth scoring, scored: near each other, or in one country with similar names."""
    cell = CANDIDATE_RADIUS_KM / 111.0  # degrees of latitude per grid cell
    grid: dict[tuple[int, int], list[FacilityRecord]] = {}
    unplaced_right = []
    for record in right:
        if record.latitude is None or record.longitude is None:
            unplaced_right.append(record)
        else:
            grid.setdefault((int(record.latitude // cell), int(record.longitude // cell)), []).append(record)
    pairs = []
    for record in left:
        nearby: Iterable[FacilityRecord] = ()
        if record.latitude is not None and record.longitude is not None:
            row, col = int(record.latitude // cell), int(record.longitude // cell)
            # longitude cells shrink towards the poles: widen the search so the radius is still covered
            spread = 1 + int(1 / max(math.cos(math.radians(record.latitude)), 0.05))
            cells = [(row + dr, col + dc) for dr in (-1, 0, 1) for dc in range(-spread, spread + 1)]
            nearby = [r for c in cells for r in grid.get(c, ())]
        for other in nearby:
            km = distance_km(record, other)
            if km is not None and km <= CANDIDATE_RADIUS_KM:
                pairs.append(score_pair(record, other))
        unplaced = unplaced_right if record.latitude is not None else list(right)
        for other in unplaced:
            if record.country is not None and record.country == other.country and name_score(record, other) >= 0.5:
                pairs.append(score_pair(record, other))
    return pairs


def match_facilities(left: Sequence[FacilityRecord], right: Sequence[FacilityRecord]) -> list[Match]:
    """The matches between two sources, best score first: every candidate pair at or above the threshold."""
    matches = [
        p for p in candidate_pairs(left, right) if p.score >= MATCH_THRESHOLD and compatible_types(p.left, p.right)
    ]
    return sorted(matches, key=lambda m: -m.score)


def match_node(match: Match) -> NamedNode:
    key = hashlib.sha256(f"{match.left.iri.value} {match.right.iri.value}".encode()).hexdigest()[:16]
    return iris.entity("match", key)


def link_triples(matches: Iterable[Match]) -> list[Triple]:
    """owl:sameAs for each match, with a cm:FacilityMatch node that says why."""
    cm = iris.term
    out = []
    for match in matches:
        node = match_node(match)
        out += [
            Triple(match.left.iri, iris.ns("owl", "sameAs"), match.right.iri),
            Triple(node, iris.ns("rdf", "type"), cm("FacilityMatch")),
            Triple(node, cm("matchedFacility"), match.left.iri),
            Triple(node, cm("matchedFacility"), match.right.iri),
            Triple(node, cm("matchScore"), Literal(f"{match.score:.4f}", datatype=NamedNode(XSD + "decimal"))),
            Triple(node, cm("nameScore"), Literal(f"{match.name_score:.4f}", datatype=NamedNode(XSD + "decimal"))),
            Triple(node, cm("commodityOverlap"),
                   Literal(f"{match.commodity_overlap:.4f}", datatype=NamedNode(XSD + "decimal"))),
            Triple(node, cm("matchMethod"), Literal(METHOD)),
            Triple(node, iris.ns("rdfs", "comment"), Literal(match.reasons(), language="en")),
        ]
        if match.distance_km is not None:
            out.append(Triple(node, cm("distanceKm"),
                              Literal(f"{match.distance_km:.3f}", datatype=NamedNode(XSD + "decimal"))))
    return out
