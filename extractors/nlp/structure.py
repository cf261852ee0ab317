"""Document structure the sentencizer cannot see, and facilities the text names only by kind and place.

``cm_paragraphs`` starts a sentence after every line break: a headline, a dateline or a list item is never glued to
the sentence after it (the sentencizer splits on punctuation only, and headlines have none).

``cm_sites`` turns "its rare earths processing facility in Kalgoorlie" and "a plant in Loyalist, Ontario" into
FACILITY entities: press releases often name a new plant only by what it is and where. The entity covers the words
before the preposition (the place stays a LOCATION of its own) and is named place first, as a reader would call it
("Kalgoorlie rare earths processing facility"); the name goes into ``doc.user_data["cm_site_names"]`` for
``cm_mentions``. Minerals inside the description become part of the facility (``cm_mentions`` reads them back as the
facility's products).
"""

from __future__ import annotations

import functools

import pycountry
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

FAC, LOC, MIN = "FACILITY", "LOCATION", "MINERAL"
# The kind of site a description ends in.
SITE_HEADS = {"plant", "refinery", "facility", "smelter", "campus", "hub", "concentrator", "factory", "mine",
              "gigafactory", "complex", "works"}
# Words that may describe a site before its kind ("battery recycling pilot plant"); anything else ends the description.
SITE_MODIFIERS = {
    "lithium", "hydroxide", "carbonate", "nickel", "cobalt", "copper", "graphite", "rare", "earth", "earths",
    "sulphate", "sulfate", "cathode", "anode", "battery", "cell", "recycling", "processing", "separation", "magnet",
    "magnets", "conversion", "chemical", "chemicals", "materials", "material", "precursor", "refining", "pilot",
    "demonstration", "commercial", "hpal", "leach", "leaching", "hydrometallurgical", "pcam", "cam", "active",
    "spodumene", "manganese", "alumina", "aluminium", "zinc", "tin", "uranium", "vanadium", "gallium", "germanium",
    "antimony", "tungsten", "electrolyte", "foil", "metals", "metal", "new", "second", "third", "first", "planned",
    "large-scale", "-", "scale", "large", "production", "manufacturing", "black", "mass", "ev", "gold", "silver",
    "brine", "ore", "mineral", "sands", "heavy", "bauxite", "smelter", "grade", "nickel-cobalt", "advanced",
    "optimisation", "optimization", "integrated", "metallurgical", "recovery", "cylindrical", "prismatic", "pouch",
    "lfp", "nmc", "nca", "ncm", "lmfp",
}
_DIRECTIONS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}
# Words before a described site that make it hypothetical ("a possible downstream plant in Argentina").
_HYPOTHETICAL = {"possible", "potential", "proposed", "hypothetical", "future", "any", "no", "not", "considering",
                 "could", "would", "might", "may"}
_PLACE_PREPOSITIONS = {"in", "at", "near", "outside", "on"}


@Language.factory("cm_paragraphs", requires=["doc.sents"], assigns=["token.is_sent_start"])
def make_paragraphs(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks()


class ParagraphBreaks:
    def __call__(self, doc: Doc) -> Doc:
        for token in doc[:-1]:
            if "\n" in token.text or "\n" in token.whitespace_:
                follower = doc[token.i + 1]
                if not follower.is_space:
                    follower.is_sent_start = True
        return doc


_CONTINENTS = {"Europe", "Asia", "Africa", "North America", "South America", "Latin America", "Oceania", "Australasia",
               "the Americas", "Southeast Asia", "Middle East"}


def _wide(place: Span) -> bool:
    """A country or a continent: "the first plant in Europe" names no site."""
    return "/id/country/" in (place.ent_id_ or place.id_) or place.text in _CONTINENTS


def _as_place(doc: Doc, ent: Span) -> Span:
    """"in Harjavalta, Finland": a one-word name between "in"/"near" and ", <place>" is a place here, even when the
    graph also knows a facility or the text a company by that name."""
    if ent.label_ == LOC or len(ent) > 2 or ent.start == 0 or doc[ent.start - 1].lower_ not in {"in", "near", "of"} \
            or ent.text.isupper():
        return ent
    before = doc[ent.start - 1].lower_
    if before == "of" and (ent.start < 2 or doc[ent.start - 2].lower_ not in _DIRECTIONS):
        return ent
    # "in Kolwezi", "north of Leinster": a town the graph also uses to name a mine is, after these words, the town
    linked_facility = ent.label_ == FAC and len(ent) == 1 and (ent.ent_id_ or ent.id_).startswith("http") \
        and not (ent.end < len(doc) and doc[ent.end].lower_ in SITE_HEADS | {"mine", "mines", "project", "operation"})
    following = next((e for e in doc.ents if e.start == ent.end + 1), None) \
        if ent.end + 1 < len(doc) and doc[ent.end].text == "," else None
    if not linked_facility and (following is None or following.label_ != LOC):
        return ent
    return Span(doc, ent.start, ent.end, label=LOC, span_id="candidate")


def _only_kind(ent: Span, head: int) -> bool:
    """"a CAM plant in Bécancour": a facility shape made of kind words only ("CAM plant") names no site."""
    return ent.label_ == FAC and ent.end == head + 1 and not (ent.ent_id_ or ent.id_).startswith("http") \
        and all(t.lower_ in SITE_MODIFIERS for t in ent[:-1])


@Language.factory("cm_sites", requires=["doc.ents", "doc.sents"], assigns=["doc.ents"])
def make_sites(nlp: Language, name: str) -> Sites:
    return Sites()


@functools.cache
def _countries() -> frozenset[str]:
    names = {name for c in pycountry.countries for name in (c.name, getattr(c, "common_name", None)) if name}
    return frozenset(names | {"US", "USA", "U.S.", "UK", "EU", "DRC", "UAE"})


def _place_named(doc: Doc, ent: Span) -> Span:
    """"Chengxin's Zimbabwe lithium mine": a country before a facility's kind names no site, so the country is the
    entity (a town or a province before it does: "the Debrecen plant", "the Sonora Lithium project")."""
    if ent.label_ != FAC or not (ent.ent_id_ or ent.id_).startswith("shape:"):
        return ent
    k = ent.start
    while k < ent.end and doc[k].text[:1].isupper() and doc[k].lower_ not in SITE_MODIFIERS | SITE_HEADS:
        k += 1
    if ent.start < k < ent.end and doc[ent.start:k].text in _countries():
        return Span(doc, ent.start, k, label=LOC, span_id="candidate")
    return ent


class Sites:
    def __call__(self, doc: Doc) -> Doc:
        names: dict[tuple[int, int], str] = doc.user_data.setdefault("cm_site_names", {})
        ents = [_as_place(doc, _place_named(doc, e)) for e in doc.ents]
        by_start = {e.start: e for e in ents}
        entity_at = {i: e for e in ents for i in range(e.start, e.end)}
        new: list[Span] = []
        for token in doc:
            if token.lower_ not in SITE_HEADS or token.i + 2 >= len(doc) or (
                    token.i in entity_at and not _only_kind(entity_at[token.i], token.i)):
                continue
            preposition = doc[token.i + 1]
            place = by_start.get(token.i + 2)
            if place is None and doc[token.i + 2].lower_ == "the":  # "the largest cathode plant in the United States"
                place = by_start.get(token.i + 3)
            if preposition.lower_ not in _PLACE_PREPOSITIONS or place is None or place.label_ != LOC \
                    or preposition.sent != place.sent or _wide(place):
                continue
            start = token.i
            while start > token.sent.start:
                previous = doc[start - 1]
                inside = entity_at.get(start - 1)
                if inside is not None and inside.label_ == MIN:
                    start = inside.start
                elif (inside is None or inside is entity_at.get(token.i)) and previous.lower_ in SITE_MODIFIERS:
                    start -= 1
                elif previous.lower_ == "and" and start - 2 >= token.sent.start \
                        and doc[start - 2].lower_ in SITE_MODIFIERS and entity_at.get(start - 2) is None:
                    start -= 1  # "recycling and refining plant"
                else:
                    break
            # "the plant in Nysa" refers back to a plant already named as often as it introduces one
            before = doc[start - 1].lower_ if start > token.sent.start else ""
            if start == token.i and before in {"and", "or", ","}:
                continue  # "the Mt Holland mine and concentrator in ...": one site, named already
            if start > token.sent.start and (doc[start - 1].text[:1].isupper() or doc[start - 1].like_num) \
                    and not doc[start - 1].is_sent_start:
                continue  # "the Apex 1 facility in Hopkinsville": a site with a name of its own
            if any(t.lower_ in _HYPOTHETICAL for t in doc[max(token.sent.start, start - 6):start]):
                continue  # "talks on a possible downstream plant in Argentina": no such site yet
            while start < token.i and doc[start].text == "-":
                start += 1
            span = Span(doc, start, token.i + 1, label=FAC, span_id="site")
            words = [t.text for t in span if t.lower_ not in {"new", "second", "third", "first", "planned"}]
            names[(span.start, span.end)] = f"{place.text} {' '.join(words)}".replace(" - ", "-")
            new.append(span)
        inner = {(e.start, e.end) for s in new for e in ents if s.start <= e.start and e.end <= s.end}
        # a description left without a place ("the LFP plant", "Battery anode facility") names no site
        kept = [e for e in ents if (e.start, e.end) not in inner and not _only_kind(e, e.end - 1)]
        doc.ents = filter_spans([*kept, *new])
        return doc
