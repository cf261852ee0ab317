"""Reconciliation matching: candidates for a name (with type and property conditions), scored 0-100 and explained.

Candidates come from the label search index (``kg/search.py``) through a ``ReconcileSource``: the whole name, its
core (below), each word and the first four letters of each longer word are looked up as prefixes of any label or
alias, so case, accents, punctuation, legal suffixes and a typo after the fourth letter still find the entity. An
entity id or IRI given as the name finds that entity.

Scoring. Names are compared after ``normalise`` (casefold, accents folded, punctuation to spaces); the *core* of a
name also drops legal forms (Ltd, Inc, Corp, S.A., PT, Group, Holdings, …) and generic facility words (mine,
project, operation, complex, refinery, smelter, plant, deposit, …). The name score is the best of:

============  =====  =====================================================================================
feature       score  when
============  =====  =====================================================================================
``id``        100    the name is the entity's id or IRI
name_exact    100    the name equals the entity's label
alias          95    the name equals one of its aliases (skos:altLabel, hiddenLabel, prefLabel)
name_core      90    the cores are equal ("Glencore plc" ~ "Glencore"; "Caraiba Mine" ~ "Caraiba")
fuzzy        88 x r  r = the best similarity of the cores over all labels: difflib's ratio, or, when every word
                     of the name is a word of the label, 0.8 + 0.2 x (words in name / words in label)
============  =====  =====================================================================================

Then: a type that the query gives only as ``type_strict: "should"`` and the candidate lacks: -15 (otherwise the
type filters candidates); each property condition met: +6 (at most +10 in all); not met although the entity has
values for it: -20; the entity has no value for it: -5; a ``required`` condition not met removes the candidate.
The score is clamped to 0-100.

``match`` is true only when the candidate is clearly the one: score ≥ 85, its name matched by id, exactly, by alias
or by core, no property condition failed, and the runner-up scores at least 10 less (or is stated ``owl:sameAs`` the
same thing, as ICMM and MinMod records of one facility are). Unreviewed mentions from documents
(``cm:CandidateEntity``, feature ``unreviewed``) rank after dataset records of equal score and do not stand in the
way of a record's match.

Every candidate carries its ``features``: ``name_exact``, ``alias``, ``name_core`` (booleans), ``fuzzy`` (0-1),
``id`` when used, ``type`` when the query names types, and one per property condition, named by the property id
(``country``, ``commodity``, …) with true or false.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import NamedNode

from kg.reconcile_entities import Summary, Value, property_values, summarise
from kg.reconcile_queries import Condition, MatchQuery
from kg.reconcile_schema import ID_SPACE, RECONCILED_KINDS, RType, entity_iri
from kg.reconcile_source import ReconcileSource
from kg.search import normalise

PROBE_LIMIT = 40
SHORTLIST = 25  # candidates scored in full (types, properties) per query, after ranking by name alone
MATCH_SCORE = 85.0
MATCH_MARGIN = 10.0
LEGAL_FORMS = frozenset(
    "ltd limited inc incorporated corp corporation co company plc llc lp llp sa ag gmbh nv bv pty tbk pt spa sarl "
    "srl sas se ab asa oyj jsc pjsc ojsc group holdings holding the".split())
LEGAL_PAIRS = (("s", "a"), ("n", "v"), ("b", "v"), ("s", "p", "a"), ("p", "t"))
GENERIC_WORDS = frozenset(
    "mine mines project operation operations complex deposit deposits refinery smelter plant site facility "
    "facilities of and".split())


def core(text: str) -> str:
    """A normalised name without legal forms and generic facility words (kept whole when nothing else is left).

    >>> core("PT. Harita Nickel Tbk"), core("Codelco S.A."), core("Caraíba Mine"), core("The Mine")
    ('harita nickel', 'codelco', 'caraiba', 'the mine')
    """
    words = normalise(text).split()
    for pair in LEGAL_PAIRS:
        if tuple(words[-len(pair):]) == pair and len(words) > len(pair):
            words = words[:-len(pair)]
    kept = [word for word in words if word not in LEGAL_FORMS and word not in GENERIC_WORDS]
    return " ".join(kept) if kept else " ".join(words)


@dataclass
class Candidate:
    iri: str
    name: str
    kind: str
    score: float
    features: list[dict[str, Any]]
    name_kind: str  # id, name_exact, alias, name_core or fuzzy
    summary: Summary | None = None
    failed_condition: bool = False
    match: bool = False
    same_as: set[str] = field(default_factory=set)


def match(source: ReconcileSource, query: MatchQuery) -> list[Candidate]:
    """The best ``query.limit`` candidates, best first, with scores, features and the match decision."""
    hard_types = query.types if query.type_strict != "should" else ()
    kinds = sorted({t.kind for t in hard_types}) if hard_types else list(RECONCILED_KINDS)
    shortlist = sorted((_name_score(source, iri, query.text) for iri in _retrieve(source, query.text, kinds)),
                       key=lambda c: -c.score)[:max(SHORTLIST, query.limit)]
    candidates = []
    for candidate in shortlist:
        candidate.summary = summarise(source, candidate.iri)
        if candidate.summary is None:
            continue
        if query.types and not _apply_types(candidate, query):
            continue
        if not _apply_conditions(source, candidate, query.conditions):
            continue
        candidate.score = round(max(0.0, min(100.0, candidate.score)), 1)
        if candidate.summary.unreviewed:
            candidate.features.append(_feature("unreviewed", "A mention from a document, not yet reviewed", True))
        candidates.append(candidate)
    # on equal scores, entities from our datasets before unreviewed mentions from documents
    candidates.sort(key=lambda c: (-c.score, c.summary is not None and c.summary.unreviewed))
    candidates = candidates[:query.limit]
    _decide(source, candidates)
    return candidates


def _retrieve(source: ReconcileSource, text: str, kinds: list[str]) -> list[str]:
    found: dict[str, None] = {}
    as_iri = entity_iri(text) if text and " " not in text.strip() else None
    if as_iri and source.entity(as_iri) is not None:
        found[as_iri] = None
    words = normalise(text).split()
    probes = [normalise(text), core(text)] + [w for w in words if len(w) >= 3] + [w[:4] for w in words if len(w) > 4]
    for probe in dict.fromkeys(p for p in probes if p):
        for hit in source.search(probe, kinds=kinds, limit=PROBE_LIMIT):
            if hit.iri.startswith(ID_SPACE):
                found[hit.iri] = None
    return list(found)


def _name_score(source: ReconcileSource, iri: str, text: str) -> Candidate:
    name, kind = source.entity(iri) or (iri, "other")
    labels = source.labels(iri) or [name]
    wanted, wanted_core = normalise(text), core(text)
    by_id = bool(text) and entity_iri(text) == iri
    exact = wanted == normalise(name)
    alias = not exact and any(wanted == normalise(label) for label in labels[1:])
    core_equal = bool(wanted_core) and any(wanted_core == core(label) for label in labels)
    ratio = max((_similarity(wanted_core, core(label)) for label in labels), default=0.0)
    if by_id or exact:
        score, name_kind = 100.0, "id" if by_id else "name_exact"
    elif alias:
        score, name_kind = 95.0, "alias"
    elif core_equal:
        score, name_kind = 90.0, "name_core"
    else:
        score, name_kind = 88.0 * ratio, "fuzzy"
    features = [
        _feature("name_exact", "The name equals the entity's label", exact),
        _feature("alias", "The name equals one of the entity's aliases", alias),
        _feature("name_core", "The names are equal without legal forms and generic words", core_equal),
        _feature("fuzzy", "Best similarity (0-1) of the name to a label or alias", round(ratio, 3)),
    ]
    if by_id:
        features.insert(0, _feature("id", "The query is the entity's id", True))
    return Candidate(iri=iri, name=name, kind=kind, score=score, features=features, name_kind=name_kind)


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    a_words, b_words = a.split(), b.split()
    if set(a_words) <= set(b_words):  # the name is part of a longer label: "Tianqi" ~ "Tianqi Lithium"
        ratio = max(ratio, 0.8 + 0.2 * len(a_words) / len(b_words))
    return ratio


def _has_type(summary: Summary, rtype: RType) -> bool:
    return rtype in summary.types


def _apply_types(candidate: Candidate, query: MatchQuery) -> bool:
    """Record the type feature; False when the candidate must be dropped (a hard type it lacks)."""
    assert candidate.summary is not None
    has = [_has_type(candidate.summary, rtype) for rtype in query.types]
    ok = all(has) if query.type_strict == "all" else any(has)
    candidate.features.append(_feature("type", "The entity has the type asked for", ok))
    if ok:
        return True
    if query.type_strict == "should":
        candidate.score -= 15
        return True
    return False


def _apply_conditions(source: ReconcileSource, candidate: Candidate, conditions: tuple[Condition, ...]) -> bool:
    bonus = 0.0
    for condition in conditions:
        values = property_values(source, candidate.iri, condition.prop)
        met = [any(_value_matches(given, value) for value in values) for given in condition.values]
        if condition.quantifier == "all":
            ok = all(met)
        elif condition.quantifier == "none":
            ok = not any(met)
        else:
            ok = any(met)
        candidate.features.append(_feature(condition.prop.id, f"{condition.prop.name} matches", ok))
        if ok:
            bonus += 6
            continue
        if condition.required:
            return False
        candidate.failed_condition = True
        candidate.score -= 20 if values else 5
    candidate.score += min(bonus, 10.0)
    return True


def _value_matches(given: Any, value: Value) -> bool:
    """Whether a value from the query names this property value: by id or IRI, by label or code, or equal."""
    if isinstance(given, dict):
        if value.iri is not None and entity_iri(given["id"]) == value.iri:
            return True
        given = given.get("name") or given["id"]
    if isinstance(given, bool):
        return value.literal is not None and value.literal.value == str(given).lower()
    if isinstance(given, int | float):
        try:
            return value.literal is not None and math.isclose(float(value.literal.value), float(given))
        except ValueError:
            return False
    text = str(given)
    if value.iri is not None and (entity_iri(text) == value.iri or text == value.iri):
        return True
    wanted = normalise(text)
    names = [value.label or "", *value.keys] + ([value.literal.value] if value.literal is not None else [])
    return bool(wanted) and any(wanted == normalise(name) for name in names)


def _decide(source: ReconcileSource, candidates: list[Candidate]) -> None:
    if not candidates:
        return
    top = candidates[0]
    if top.score < MATCH_SCORE or top.name_kind == "fuzzy" or top.failed_condition:
        return
    rivals = [c for c in candidates[1:] if c.score > top.score - MATCH_MARGIN]
    if top.summary is not None and not top.summary.unreviewed:  # a document's mention does not rival a record
        rivals = [c for c in rivals if c.summary is not None and not c.summary.unreviewed]
    if rivals:
        same = {row["other"].value for row in source.select("reconcile_same_as", entity=NamedNode(top.iri))}
        rivals = [c for c in rivals if c.iri not in same]
    top.match = not rivals


def _feature(identifier: str, name: str, value: bool | float) -> dict[str, Any]:
    return {"id": identifier, "name": name, "value": value}
