"""Definite descriptions that point back to a facility or organisation named earlier: "the plant", "the company".

Press releases name a plant once and then call it "the plant" or "the refinery", and call their issuer "the company"
or "the group"; most capacities, products and partners are stated in those later sentences. ``anaphors`` finds such
descriptions and the entity each refers to, so that the relation rules can treat them as mentions of that entity.
They are not entity mentions of their own (the entity list and its mention counts are unchanged).

Resolution is deliberately simple and conservative:

* a facility description ("the plant", "the new refinery", "this mine") refers to the most recent facility of the
  same kind (a mine for "the mine", a plant-like site for "the plant"), else to the most recent facility, within the
  last few sentences;
* a description right after a name and a comma ("LG Energy Solution, the battery maker in which ...") is that name;
* "the company", "the group", "the miner" ... refer to the most recent organisation that opened a sentence (the
  topic of the text so far), else the first organisation of the document;
* "it" after "which", "that" or "said" refers to the first organisation of its sentence;
* "the joint venture" refers to the most recent organisation introduced as a joint venture; "the partnership",
  "the alliance" to the most recent organisation whose name says it is one.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from extractors.facts import EntityMention

FAC, ORG, LOC = "FACILITY", "ORGANIZATION", "LOCATION"
_FACILITY_NOUNS = {"plant": "plant", "refinery": "plant", "mill": "plant", "works": "plant", "facility": "plant",
                   "smelter": "plant",
                   "campus": "plant", "hub": "plant", "concentrator": "plant", "factory": "plant",
                   "mine": "mine", "project": "mine", "operation": "mine", "deposit": "mine", "site": None,
                   "complex": None}
_COMPANY_NOUNS = {"company", "group", "miner", "producer", "firm", "refiner", "recycler", "carmaker", "automaker",
                  "steelmaker", "manufacturer", "maker", "developer", "buyer", "seller", "operator", "conglomerate",
                  "major", "explorer", "trader"}
_VENTURE_NOUNS = {"venture", "jv"}
_GROUPING_NOUNS = {"partnership", "alliance", "initiative", "club", "forum", "grouping", "bloc"}
_DETERMINERS = {"the", "this"}
_IT_CUES = {"which", "that", "said", "says", "where", "whom"}
_HEAD_NOUNS = set(_FACILITY_NOUNS) | _COMPANY_NOUNS | _VENTURE_NOUNS | _GROUPING_NOUNS
_MAX_SENTENCES_BACK = 4


def _kind(mention: EntityMention) -> str | None:
    last = mention.name.lower().split()[-1:] or [""]
    return _FACILITY_NOUNS.get(last[0])


def anaphors(doc: Doc, mentions: dict[tuple[int, int], EntityMention]) -> list[tuple[Span, EntityMention]]:
    """(description span, the entity it refers to), in document order; spans never overlap an entity."""
    inside = {i for e in doc.ents for i in range(e.start, e.end)}
    minerals = {e.start: e for e in doc.ents if e.label_ == "MINERAL" and e[0].is_lower}
    sentence_of = {}
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            sentence_of[i] = n
    ents = [(e, mentions.get((e.start_char, e.end_char))) for e in doc.ents]
    ents = [(e, m) for e, m in ents if m is not None]
    out: list[tuple[Span, EntityMention]] = []
    for token in doc:
        if token.lower_ == "it" and token.i > token.sent.start and doc[token.i - 1].lower_ in _IT_CUES:
            # "..., in which it holds a majority interest", "X said it would supply": the sentence's organisation
            owner = next((m for e, m in ents if e.label_ == ORG and e.sent == token.sent and e.end <= token.i), None)
            if owner is not None:
                out.append((Span(doc, token.i, token.i + 1, label=ORG), owner))
            continue
        if token.lower_ not in _DETERMINERS or token.i in inside:
            continue
        end = token.i + 1
        # "the plant", "the new refinery", "the restarted operation", "the spodumene operation": up to two
        # lower-case words or a mineral's name before the noun
        while end < len(doc) and end - token.i <= 3:
            mineral = minerals.get(end)
            if mineral is not None:
                end = mineral.end
            elif end not in inside and doc[end].is_lower and doc[end].is_alpha and doc[end].lower_ not in _HEAD_NOUNS:
                end += 1
            elif end + 2 < len(doc) and doc[end + 1].text == "-" and doc[end + 2].is_lower:
                end += 3  # "the Shenzhen-listed company"
            else:
                break
        if end >= len(doc) or end in inside:
            continue
        noun = doc[end].lower_
        after = doc[end + 1] if end + 1 < len(doc) else None
        if after is not None and ((after.text[:1].isupper() and not after.is_sent_start) or after.lower_ == "of"):
            continue  # "the company Albemarle", "the group of seven": not a reference back
        span = Span(doc, token.i, end + 1)
        earlier = [(e, m) for e, m in ents if e.end <= token.i
                   and sentence_of[token.i] - sentence_of[e.start] <= _MAX_SENTENCES_BACK]
        label = FAC if noun in _FACILITY_NOUNS else ORG
        target = _apposed(doc, token.i, ents, label={label}) or _referent(doc, token.i, noun, ents, earlier)
        if target is not None:
            out.append((Span(doc, span.start, span.end, label=label), target))
    return out


def _referent(doc: Doc, start: int, noun: str, ents: list[tuple[Span, EntityMention]],
              earlier: list[tuple[Span, EntityMention]]) -> EntityMention | None:
    """The entity a description refers back to, by the kind its noun names."""
    if noun in _FACILITY_NOUNS:
        facilities = [m for e, m in earlier if e.label_ == FAC]
        wanted = _FACILITY_NOUNS[noun]
        same_kind = [m for m in facilities if _kind(m) == wanted]
        unknown_kind = [m for m in facilities if _kind(m) is None]
        return (same_kind or unknown_kind or facilities or [None])[-1]
    if noun in _COMPANY_NOUNS:
        return _topic(ents, start)
    if noun in _VENTURE_NOUNS:
        ventures = [m for e, m in ents if e.end <= start and e.label_ == ORG and _introduced_as_venture(doc, e)]
        return ventures[-1] if ventures else None
    if noun in _GROUPING_NOUNS:
        groups = [m for e, m in ents if e.end <= start and e.label_ == ORG and noun in m.name.lower().split()]
        return groups[-1] if groups else None
    return None


def _apposed(doc: Doc, start: int, ents: list[tuple[Span, EntityMention]], label: set[str]) -> EntityMention | None:
    """"LG Energy Solution, the battery maker in which ...": a description right after "<name>," is that name."""
    if start < 2 or doc[start - 1].text != "," or doc[start].lower_ != "the":
        return None
    return next((m for e, m in ents if e.end == start - 1 and e.label_ in label), None)


def _topic(ents: list[tuple[Span, EntityMention]], before: int) -> EntityMention | None:
    organisations = [(e, m) for e, m in ents if e.label_ == ORG and e.end <= before]
    openers = [m for e, m in organisations if e.start - e.sent.start <= 1]
    if openers:
        return openers[-1]
    return organisations[0][1] if organisations else None


def _introduced_as_venture(doc: Doc, ent: Span) -> bool:
    """"a joint venture, X," / "a joint venture called X" / "X, its joint venture" / "X (TLEA), a joint venture"."""
    before = [t.lower_ for t in doc[max(ent.sent.start, ent.start - 3):ent.start]]
    after = [t.lower_ for t in doc[ent.end:min(ent.sent.end, ent.end + 8)]]
    if after[:1] == ["("]:  # past a bracketed abbreviation
        after = after[after.index(")") + 1:] if ")" in after else after
    return (bool(before) and before[-1] in {"venture", "jv", ",", "called", "named"} and
            ("venture" in before or "jv" in before)) or (after[:1] == [","] and ("venture" in after[:4]
                                                                                 or "jv" in after[:4]))
