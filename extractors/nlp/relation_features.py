"""Candidate relations for the trained relation model: every pair of mentions in one sentence whose types fit a
relation, described by sparse string features.

The features are lexical because the pipeline has no parser or vectors: the words between the two mentions and next
to them, their order and distance, the entities between them, the mentions' own words, whether each is the nearest of
its type, and hedge words. The hand-written rules' own decisions are not features: on the texts the model is trained
on, the rules were tuned until they were nearly always right, so a model that saw them would learn to trust them more
than they deserve on new text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from extractors.facts import EntityMention
from extractors.nlp.coreference import anaphors

# Bumped whenever features change: a model trained on other features must not be used (tests compare it).
FEATURES_VERSION = "f1"

ORG, MIN, FAC, LOC = "ORGANIZATION", "MINERAL", "FACILITY", "LOCATION"
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "OPERATES": (frozenset({ORG}), frozenset({FAC})),
    "OWNS": (frozenset({ORG}), frozenset({ORG, FAC})),
    "LOCATED_IN": (frozenset({FAC}), frozenset({LOC})),
    "PRODUCES": (frozenset({FAC}), frozenset({MIN})),
    "PROCESSES": (frozenset({FAC}), frozenset({MIN})),
    "SUPPLIES": (frozenset({ORG}), frozenset({ORG})),
    "PARTNERSHIP": (frozenset({ORG, LOC}), frozenset({ORG, LOC})),
    "EXPORT_RESTRICTION": (frozenset({LOC}), frozenset({MIN})),
}
_HEDGES = frozenset("not no never may might could would plans plan considering consider talks potential possible "
                    "proposed intends intend aims exploring explore rumoured speculation unlikely if whether".split())
_DISTANCES = (0, 1, 2, 3, 5, 8, 12, 20)
_COUNTS = (0, 1, 2, 4)
_NEAR_TOKENS = 12  # words between two close mentions are also read together with the pair's types
_LONG_SENTENCE_TOKENS = 40


@dataclass(frozen=True)
class Candidate:
    subject: EntityMention
    object: EntityMention
    relations: tuple[str, ...]  # the relation types whose signature the pair fits
    sentence: Span
    tokens: tuple[int, int]  # from the first mention's first token to the second's end
    features: tuple[str, ...]


@dataclass(frozen=True)
class _Placed:
    mention: EntityMention
    span: Span
    anaphor: bool


def candidates(doc: Doc) -> list[Candidate]:
    """Each ordered pair of mentions of one sentence (descriptions such as "the plant" included, as what they refer
    to) that fits at least one relation's signature."""
    mentions = {(m.start_char, m.end_char): m for m in (doc._.mentions or [])}
    placed = [_Placed(m, span, False) for m in mentions.values()
              if (span := doc.char_span(m.start_char, m.end_char, alignment_mode="expand")) is not None]
    for span, target in anaphors(doc, mentions):
        mention = EntityMention(target.name, target.type, span.text, span.start_char, span.end_char, iri=target.iri)
        placed.append(_Placed(mention, span, True))
    placed.sort(key=lambda p: p.span.start)
    words = [t.lower_ for t in doc]  # read once: token access is the costliest part of the features
    out = []
    for sent in doc.sents:
        inside = [p for p in placed if sent.start <= p.span.start and p.span.end <= sent.end]
        if len(inside) < 2:
            continue
        shared = {f"hedge={w}" for w in words[sent.start:sent.end] if w in _HEDGES}
        if len(sent) > _LONG_SENTENCE_TOKENS:
            shared.add("long_sent")
        if "%" in sent.text:
            shared.add("pct")
        for a in inside:
            for b in inside:
                if a.mention.name == b.mention.name or a.span.start == b.span.start:
                    continue
                fits = tuple(r for r, (s, o) in SIGNATURES.items() if a.mention.type in s and b.mention.type in o)
                if fits:
                    tokens = (min(a.span.start, b.span.start), max(a.span.end, b.span.end))
                    features = _features(words, sent, a, b, inside, shared)
                    out.append(Candidate(a.mention, b.mention, fits, sent, tokens, features))
    return out


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    return next((str(e) for e in edges if n <= e), "more")


def _features(words: list[str], sent: Span, a: _Placed, b: _Placed, inside: list[_Placed],
              shared: set[str]) -> tuple[str, ...]:
    first, second = (a.span, b.span) if a.span.start <= b.span.start else (b.span, a.span)
    order = "so" if a.span.start <= b.span.start else "os"
    st, ot = a.mention.type, b.mention.type
    gap = max(0, second.start - first.end)
    between = [p for p in inside if p.span.start >= first.end and p.span.end <= second.start]
    gap_words = words[first.end:second.start]
    shead, ohead = words[a.span.end - 1], words[b.span.end - 1]
    f = {f"sig={st}>{ot}", f"order={order}", f"sig_order={st}>{ot}:{order}", f"dist={_bucket(gap, _DISTANCES)}",
         f"dist_order={_bucket(gap, _DISTANCES)}:{order}", f"nbetween={_bucket(len(between), _COUNTS)}",
         f"shead={shead}", f"ohead={ohead}", f"shead_o={shead}:{ot}", f"ohead_s={ohead}:{st}", *shared}
    f.update(f"between_type={p.mention.type}" for p in between)
    if any(p.mention.type == st for p in between):
        f.add("subj_type_between")
    if any(p.mention.type == ot for p in between):
        f.add("obj_type_between")
    f.update(f"bw={w}:{order}" for w in gap_words if w.isalpha())
    f.update(f"bw_first{k}={w}" for k, w in enumerate(gap_words[:2]))
    f.update(f"bw_last{k}={w}" for k, w in enumerate(gap_words[-2:]))
    for k in (1, 2):
        if first.start - k >= sent.start:
            f.add(f"before{k}={words[first.start - k]}")
        if second.end + k - 1 < sent.end:
            f.add(f"after{k}={words[second.end + k - 1]}")
    f.update(f"hedge_between={w}" for w in gap_words if w in _HEDGES)
    if inside[0].span.start == a.span.start:
        f.add("subj_first_in_sent")
    distance = abs(b.span.start - a.span.start)
    if all(abs(p.span.start - a.span.start) > distance for p in inside
           if p.mention.type == ot and p.span.start != b.span.start):
        f.add("obj_nearest")
    if all(abs(p.span.start - b.span.start) > distance for p in inside
           if p.mention.type == st and p.span.start != a.span.start):
        f.add("subj_nearest")
    if gap <= _NEAR_TOKENS:
        f.update(f"near_bw={w}:{st}>{ot}" for w in gap_words if w.isalpha())
        f.update(f"bigram={x} {y}:{order}" for x, y in itertools.pairwise(gap_words))
    f.update(f"sword={w}:{ot}" for w in words[a.span.start:a.span.end] if w.isalpha())
    f.update(f"oword={w}:{st}" for w in words[b.span.start:b.span.end] if w.isalpha())
    if a.anaphor:
        f.add("subj_anaphor")
    if b.anaphor:
        f.add("obj_anaphor")
    return tuple(sorted(f))
