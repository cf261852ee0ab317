"""Our spaCy components: candidate names, quantities, mentions (linking by pattern id) and relations.

Each is registered as ``cm_<name>`` with what it requires and assigns. Rules are data (word lists below); relations
are found inside one sentence from a trigger word and the order and roles of the entities around it.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.facts import CandidateFact, EntityMention, Quantity

for _name in ("facts", "mentions"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

ORG, MIN, FAC, LOC = "ORGANIZATION", "MINERAL", "FACILITY", "LOCATION"

# ---------------------------------------------------------------- candidate names
_NOT_NAMES = {
    "the", "a", "an", "in", "on", "at", "for", "of", "and", "by", "with", "from", "to", "this", "that", "these",
    "those", "under", "after", "before", "during", "its", "their", "our", "it", "we", "they", "as", "but", "however",
    "meanwhile", "separately", "also", "chief", "executive", "officer", "ceo", "cfo", "chairman", "minister",
    "president", "mr", "ms", "mrs", "dr", "board", "today", "yesterday", "production", "shares", "company",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "q1", "q2", "q3",
    "q4", "h1", "h2", "fy", "following", "according", "since", "while", "when", "if", "both", "all",
    "each", "first", "new", "one", "two", "three", "phase", "stage", "government", "state", "group", "said",
}
_TITLES = {"mr", "ms", "mrs", "dr", "ceo", "chairman", "chairwoman", "minister", "president", "executive",
           "director", "spokesperson", "spokesman", "spokeswoman", "officer", "said", "according"}
_CAPITALISED = re.compile(r"^([A-Z][\w&'\-]*|[A-Z]{2,}\w*)$")


@Language.factory("cm_names", requires=["doc.ents", "doc.sents"], assigns=["doc.ents"])
def make_names(nlp: Language, name: str) -> CandidateNames:
    return CandidateNames()


class CandidateNames:
    """Capitalised runs that no pattern matched become ORGANIZATION candidates (no IRI), unless they look like a
    person's name (after a title), a common sentence opener or a date word."""

    def __call__(self, doc: Doc) -> Doc:
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        spans = []
        for sent in doc.sents:
            i = sent.start
            while i < sent.end:
                if i in taken or not _CAPITALISED.match(doc[i].text) or doc[i].lower_ in _NOT_NAMES:
                    i += 1
                    continue
                j = i + 1
                while j < sent.end and j not in taken and _CAPITALISED.match(doc[j].text) \
                        and doc[j].lower_ not in _NOT_NAMES:
                    j += 1
                if self._keep(doc, sent, i, j):
                    spans.append(Span(doc, i, j, label=ORG, span_id="candidate"))
                i = j
        if spans:
            doc.ents = filter_spans([*doc.ents, *spans])
        return doc

    @staticmethod
    def _keep(doc: Doc, sent: Span, start: int, end: int) -> bool:
        before = doc[start - 1].lower_ if start > sent.start else ""
        after = doc[end].lower_ if end < len(doc) else ""
        if before in _TITLES or (after in {"said", "says"} and before in {",", ""} and end - start == 2):
            return False
        if start == sent.start and end - start == 1 and not doc[start].is_upper:
            return after in {"'s", ",", "has", "have", "will", "is", "was", "said", "says", "and", "signed",
                             "announced", "agreed", "plans", "expects", "reported"} or after in TRIGGER_WORDS
        return len(doc[start:end].text) > 2


# ---------------------------------------------------------------- quantities
_NUM = {"TEXT": {"REGEX": r"^\d[\d,]*(\.\d+)?$"}}
_SCALE = {"LOWER": {"IN": ["million", "billion", "thousand", "m", "bn", "mn", "k", "mln"]}, "OP": "?"}
_MASS = ["tonnes", "tonne", "tons", "ton", "t", "kt", "mt", "ktpa", "mtpa", "tpa", "dmt", "wmt", "kg", "ounces",
         "oz", "lb", "pounds", "dmtu", "kilotonnes", "tpy"]
_ENERGY = ["gwh", "mwh", "gw", "mw", "twh"]
_RATE = [[{"LOWER": {"IN": ["per", "a", "each"]}}, {"LOWER": {"IN": ["year", "annum", "yr"]}}],
         [{"LOWER": {"IN": ["pa", "annually", "/year", "/yr"]}}], [{"ORTH": "/"}, {"LOWER": {"IN": ["year", "yr"]}}]]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec"]
_YEAR = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
_OF_WHAT = [{"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": ["lce", "lithium", "contained", "lithium-carbonate"]}},
            {"LOWER": {"IN": ["carbonate", "equivalent", "nickel", "cobalt", "copper"]}, "OP": "*"}]


def _quantity_patterns() -> dict[str, list[list[dict]]]:
    mass = [_NUM, _SCALE, {"LOWER": {"IN": _MASS}}]
    joined = {"TEXT": {"REGEX": r"^\d[\d,.]*(kt|Mt|t|tpa|ktpa|Mtpa|kg)$"}}
    return {
        "MASS": [mass, [joined], [_NUM, _SCALE, {"LOWER": {"IN": ["metric", "wet", "dry"]}}, {"LOWER": {"IN": _MASS}}],
                 mass + _OF_WHAT],
        "RATE": [mass + rate for rate in _RATE] + [[joined] + rate for rate in _RATE]
        + [mass + _OF_WHAT + rate for rate in _RATE],
        "ENERGY": [[_NUM, _SCALE, {"LOWER": {"IN": _ENERGY}}], [{"TEXT": {"REGEX": r"^\d[\d,.]*(GWh|MWh|GW|MW)$"}}]],
        "PERCENT": [[_NUM, {"ORTH": "%"}], [_NUM, {"LOWER": "per"}, {"LOWER": "cent"}],
                    [_NUM, {"LOWER": {"IN": ["percent", "pct"]}}], [{"TEXT": {"REGEX": r"^\d[\d.]*%$"}}]],
        "MONEY": [[{"ORTH": {"IN": ["US", "A", "C", "AU", "HK"]}, "OP": "?"}, {"ORTH": {"IN": ["$", "US$", "A$", "C$",
                   "€", "£", "¥"]}}, _NUM, _SCALE],
                  [{"ORTH": {"IN": ["USD", "EUR", "AUD", "CAD", "GBP", "CNY", "RMB"]}}, _NUM, _SCALE],
                  [_NUM, _SCALE, {"LOWER": {"IN": ["dollars", "euros", "usd", "eur", "yuan", "aud", "cad"]}}]],
        "DATE": [[{"LOWER": {"IN": _MONTHS}}, {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}, "OP": "?"},
                  {"ORTH": ",", "OP": "?"}, _YEAR],
                 [{"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"LOWER": {"IN": _MONTHS}}, _YEAR],
                 [{"LOWER": {"IN": _MONTHS}}, {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}],
                 [{"LOWER": {"IN": ["q1", "q2", "q3", "q4", "h1", "h2"]}}, _YEAR]],
        "YEAR": [[_YEAR]],
    }


@Language.factory("cm_quantities", requires=["doc.sents"], assigns=["doc.spans"])
def make_quantities(nlp: Language, name: str) -> Quantities:
    return Quantities(nlp)


class Quantities:
    """Numbers with units, percentages, money, years and dates into ``doc.spans["cm_quantities"]`` (labels are
    the kinds of ``extractors.facts.Quantity``); ``quantity_of(span)`` reads one."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        for kind, patterns in _quantity_patterns().items():
            self.matcher.add(kind, patterns)

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, start, end, label=key) for key, start, end in self.matcher(doc)]
        doc.spans["cm_quantities"] = filter_spans(spans)
        return doc


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCALES = {"million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}


def quantity_of(span: Span) -> Quantity:
    """The value and unit of a quantity span: ``50,000 tonnes per year`` -> 50000.0, ``tonnes per year``."""
    match = _NUMBER.search(span.text)
    value = None
    unit = span.text
    if match:
        value = float(match.group().replace(",", ""))
        rest = span.text[match.end():].strip()
        words = rest.split()
        if words and words[0].lower() in _SCALES:
            value *= _SCALES[words[0].lower()]
            rest = " ".join(words[1:])
        unit = rest or span.text[:match.start()].strip()
        if span.label_ == "MONEY":
            unit = (span.text[:match.start()].strip() + " " + rest).strip()
    if span.label_ in {"YEAR", "DATE"}:
        unit = ""
    if value is not None and value.is_integer():
        value = int(value)
    return Quantity(span.label_, value, unit, span.text, span.start_char, span.end_char)


# ---------------------------------------------------------------- mentions
@Language.factory("cm_mentions", requires=["doc.ents"], assigns=["doc._.mentions"])
def make_mentions(nlp: Language, name: str) -> Mentions:
    return Mentions()


class Mentions:
    """``doc._.mentions``: one EntityMention per entity, named by the graph's label when its pattern id is an IRI
    (``set_names`` gives the labels), else by its own text (a candidate entity)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def set_names(self, names: dict[str, str]) -> None:
        self.names = dict(names)

    def __call__(self, doc: Doc) -> Doc:
        doc._.mentions = [self.mention(ent) for ent in doc.ents]
        return doc

    def mention(self, ent: Span) -> EntityMention:
        key = ent.ent_id_ or ent.id_
        iri = key if key.startswith("http") else None
        text = ent.text
        name = self.names.get(iri, text) if iri else _clean_name(text)
        return EntityMention(name, ent.label_, text, ent.start_char, ent.end_char, iri=iri)


def _clean_name(text: str) -> str:
    text = re.sub(r"^(the|The)\s+", "", text.strip())
    return re.sub(r"\s*['’]s$", "", text)  # noqa: RUF001


# ---------------------------------------------------------------- relations
def _forms(*words: str) -> list[str]:
    return [w for word in words for w in word.split()]


TRIGGERS: dict[str, dict[str, list[str]]] = {
    "OPERATES": {"active": _forms("operate operates operating operator operators run runs ran running manage "
                                 "manages managed managing"), "passive": ["operated"]},
    "OWNS": {"active": _forms("own owns owning owner acquire acquires acquired acquiring acquisition buy buys bought "
                              "buying purchase purchases purchased purchasing takeover stake stakes interest hold "
                              "holds held holding shareholder"), "passive": ["owned"],
             "inverse": ["subsidiary", "unit"]},
    "PRODUCES": {"active": _forms("produce produces produced producing production output outputs mine mines mined "
                                  "yield yields producer")},
    "PROCESSES": {"active": _forms("process processes processed processing refine refines refined refining "
                                   "convert converts converted converting treat treats treated treating refiner")},
    "SUPPLIES": {"active": _forms("supply supplies supplied supplying sell sells sold selling deliver delivers "
                                  "delivered delivering provide provides provided ship ships shipped offtake "
                                  "off-take"),
                 "buy": _forms("buy buys bought buying purchase purchases purchased procure procures procured "
                               "source sources sourced offtaker")},
    "PARTNERSHIP": {"active": _forms("partner partners partnered partnering partnership partnerships collaborate "
                                     "collaborates collaborated collaboration alliance jv cooperate cooperation "
                                     "co-operation mou venture")},
    "EXPORT_RESTRICTION": {"active": _forms("ban bans banned banning restrict restricts restricted restricting "
                                            "restriction restrictions control controls curb curbs curbed prohibit "
                                            "prohibits prohibited prohibition quota quotas tax duty duties levy "
                                            "licence license licences licenses licensing suspend suspended halt "
                                            "halted embargo")},
}
TRIGGER_WORDS = {w for modes in TRIGGERS.values() for words in modes.values() for w in words}
HEDGES = set(_forms("not n't no never neither nor may might could should considering consider considers considered "
                    "mulling weighing exploring explore explores talks discussions rumoured rumored rumour rumours "
                    "rumor rumors reportedly speculation speculated potential potentially possible possibly denied "
                    "denies deny unlikely if whether hopes hope"))
_SIGNATURES = {"OPERATES": ({ORG}, {FAC}), "OWNS": ({ORG}, {ORG, FAC}), "PRODUCES": ({FAC}, {MIN}),
               "PROCESSES": ({FAC}, {MIN}), "SUPPLIES": ({ORG}, {ORG}), "PARTNERSHIP": ({ORG, LOC}, {ORG, LOC}),
               "EXPORT_RESTRICTION": ({LOC}, {MIN})}
_COMPLETED = set(_forms("completed completes complete completion closed closes finalised finalized owns owned "
                        "holds held acquired bought purchased"))
_AGREED = set(_forms("agreed agrees agree signed sign signs entered definitive binding will to deal offer announced "
                     "agreement"))
_START_CUES = set(_forms("from starting start begin beginning commencing commence in effective as of since on"))
_END_CUES = set(_forms("until till through to ending end by"))
_MEASURES = {"ban": "export ban", "bans": "export ban", "banned": "export ban", "banning": "export ban",
             "prohibit": "export ban", "prohibits": "export ban", "prohibited": "export ban",
             "prohibition": "export ban", "suspend": "export ban", "suspended": "export ban", "halt": "export ban",
             "halted": "export ban", "embargo": "export ban", "quota": "export quota", "quotas": "export quota",
             "tax": "export tax", "duty": "export tax", "duties": "export tax", "levy": "export tax",
             "licence": "export licensing", "license": "export licensing", "licences": "export licensing",
             "licenses": "export licensing", "licensing": "export licensing"}


@Language.factory("cm_relations", requires=["doc.ents", "doc.sents", "doc.spans", "doc._.mentions"],
                  assigns=["doc._.facts"])
def make_relations(nlp: Language, name: str) -> Relations:
    return Relations()


class Relations:
    """Candidate facts (``doc._.facts``) from trigger words and the entities around them, sentence by sentence.

    Roles: the subject is the nearest entity of its type left of the trigger and the object the nearest right of it;
    "by" (passive, "the acquisition of Y by X") and "subsidiary of" swap them; "from" names the seller of a purchase,
    "to"/"with" the buyer of a sale; a missing object is looked for left of the subject ("Y, in which X holds 20%").
    A hedge or negation between the left argument and the trigger suppresses the fact.
    """

    version = "cm.relations.v1"

    def __call__(self, doc: Doc) -> Doc:
        facts: list[CandidateFact] = []
        mentions = {(m.start_char, m.end_char): m for m in (doc._.mentions or [])}
        quantities = list(doc.spans["cm_quantities"]) if "cm_quantities" in doc.spans else []
        for sent in doc.sents:
            ents = [e for e in doc.ents if sent.start <= e.start and e.end <= sent.end]
            if len(ents) < 2:
                continue
            sentence = _Sentence(doc, sent, ents, mentions, [q for q in quantities if sent.start <= q.start < sent.end])
            for fact in sentence.facts():
                key = (fact.subject.name, fact.predicate, fact.object.name)
                if all((f.subject.name, f.predicate, f.object.name) != key for f in facts):
                    facts.append(fact)
        doc._.facts = facts
        return doc


class _Sentence:
    def __init__(self, doc: Doc, sent: Span, ents: list[Span], mentions: dict, quantities: list[Span]) -> None:
        self.doc, self.sent, self.ents, self.mentions, self.quantities = doc, sent, ents, mentions, quantities
        inside = {i for e in ents for i in range(e.start, e.end)}
        self.words = [t.lower_ for t in sent]
        self.triggers = [(t.i, rel, mode) for t in sent if t.i not in inside
                         for rel, modes in TRIGGERS.items() for mode, words in modes.items() if t.lower_ in words]
        self.has_export = any(w.startswith("export") or w == "shipments" for w in self.words)

    # -- helpers
    def _of(self, types: set[str], *, before: int | None = None, after: int | None = None) -> list[Span]:
        found = [e for e in self.ents if e.label_ in types
                 and (before is None or e.end <= before) and (after is None or e.start > after)]
        return found[::-1] if before is not None else found

    def _word_after(self, index: int, words: set[str], limit: int = 12) -> int | None:
        for i in range(index + 1, min(self.sent.end, index + 1 + limit)):
            if self.doc[i].lower_ in words:
                return i
        return None

    def _hedged(self, start: int, trigger: int) -> bool:
        low = max(self.sent.start, start - 3)
        return any(self.doc[i].lower_ in HEDGES for i in range(low, trigger + 1))

    def _coordinated(self, first: Span) -> list[Span]:
        out = [first]
        for ent in self.ents:
            if ent.start >= out[-1].end and ent.label_ == first.label_:
                gap = self.doc[out[-1].end:ent.start]
                if len(gap) <= 3 and all(t.lower_ in {",", "and", "or", "as", "well", "the", "&"} for t in gap):
                    out.append(ent)
                elif ent.start > out[-1].end:
                    break
        return out

    def _quantity(self, kinds: set[str], near: int) -> Span | None:
        spans = [q for q in self.quantities if q.label_ in kinds]
        return min(spans, key=lambda q: abs(q.start - near)) if spans else None

    def _mention(self, span: Span) -> EntityMention:
        return self.mentions.get((span.start_char, span.end_char)) or EntityMention(
            _clean_name(span.text), span.label_, span.text, span.start_char, span.end_char)

    def _fact(self, subject: Span, predicate: str, obj: Span, attributes: dict, confidence: float) -> CandidateFact:
        s, o = self._mention(subject), self._mention(obj)
        return CandidateFact(s, predicate, o, {k: v for k, v in attributes.items() if v is not None},
                             evidence=self.sent.text, start_char=self.sent.start_char, end_char=self.sent.end_char,
                             confidence=confidence)

    # -- rules
    def facts(self):
        yield from self._located()
        yield from self._possessive_operates()
        for index, relation, mode in self.triggers:
            if relation == "EXPORT_RESTRICTION" and not self.has_export:
                continue
            for subject, obj, confidence in self._roles(index, relation, mode):
                if subject.start == obj.start or self._hedged(min(subject.start, obj.start), index):
                    continue
                attributes = self._attributes(index, relation, mode)
                if relation == "SUPPLIES":
                    minerals = self._of({MIN}, after=index) or self._of({MIN}, before=index)
                    if not minerals and mode == "buy":
                        continue
                    attributes = {"mineral": self._mention(minerals[0]).name if minerals else None, **attributes}
                yield self._fact(subject, relation, obj, attributes, confidence)

    def _roles(self, index: int, relation: str, mode: str):
        subject_types, object_types = _SIGNATURES[relation]
        by = self._word_after(index, {"by"}) if mode in {"passive", "active", "inverse"} else None
        by_subjects = self._of(subject_types, after=by) if by is not None else []
        if relation == "PARTNERSHIP":
            yield from self._partners(index)
            return
        if relation == "EXPORT_RESTRICTION":
            countries = self._of({LOC}, before=index) or self._of({LOC}, after=index)
            minerals = self._of({MIN}, after=index) or self._of({MIN}, before=index)
            if countries and minerals:
                for mineral in self._coordinated(minerals[0] if minerals[0].start > index else minerals[-1]):
                    yield countries[0], mineral, 0.7
            return
        if relation in {"PRODUCES", "PROCESSES"}:
            facilities = self._of({FAC}, before=index) or self._of({FAC}, after=index)
            minerals = self._of({MIN}, after=index) or self._of({MIN}, before=index)
            if facilities and minerals:
                first = minerals[0] if minerals[0].start > index else minerals[-1]
                for mineral in self._coordinated(first):
                    yield facilities[0], mineral, 0.6
            return
        if relation == "SUPPLIES" and mode == "buy":
            buyers = self._of({ORG}, before=index)
            source = self._word_after(index, {"from"})
            sellers = self._of({ORG}, after=source) if source is not None else self._of({ORG}, after=index)
            if buyers and sellers:
                yield sellers[0], buyers[0], 0.6
            return
        if mode == "inverse":  # "Y, a subsidiary of X"
            owners = self._of(subject_types, after=index)
            owned = self._of(object_types, before=index)
            if owners and owned:
                yield owners[0], owned[0], 0.6
            return
        if by_subjects and (mode == "passive" or by is not None):
            objects = [e for e in self._of(object_types, after=index) if e.start < by] or \
                self._of(object_types, before=index)
            if objects:
                yield by_subjects[0], objects[0], 0.6
                return
        if mode == "passive":
            return
        subjects = self._of(subject_types, before=index)
        if relation == "SUPPLIES":
            target = self._word_after(index, {"to", "with"})
            objects = (self._of(object_types, after=target) if target is not None else []) or \
                self._of(object_types, after=index)
        else:
            objects = self._of(object_types, after=index)
            if relation == "OWNS" and objects and objects[0].label_ == ORG:
                # "acquire a stake in Y from Z": the first organisation after the trigger is the owned one
                pass
        if subjects and not objects and relation == "OWNS":  # "Y, in which X holds 20%"
            objects = [e for e in self._of(object_types, before=subjects[0].start)]
        if subjects and objects:
            if relation == "OWNS" and objects[0].label_ not in object_types:
                return
            yield subjects[0], objects[0], 0.7

    def _partners(self, index: int):
        types = {ORG, LOC}
        between = self._word_after(index, {"between"}, limit=4)
        if between is not None:
            pair = self._of(types, after=between)[:2]
            if len(pair) == 2:
                yield pair[0], pair[1], 0.7
                return
        left = self._of(types, before=index)
        right_start = self._word_after(index, {"with"}, limit=6)
        right = self._of(types, after=right_start) if right_start is not None else []
        if left and right:
            yield left[0], right[0], 0.7
            return
        if len(left) >= 2:  # "A and B formed a joint venture"
            gap = self.doc[left[1].end:left[0].start]
            if all(t.lower_ in {"and", ",", "&"} for t in gap):
                yield left[1], left[0], 0.6

    def _attributes(self, index: int, relation: str, mode: str) -> dict:
        words = set(self.words)
        if relation == "OWNS":
            percent = self._quantity({"PERCENT"}, index)
            status = "completed" if words & {"completed", "completes", "completion", "closed", "finalised",
                                             "finalized"} else \
                "agreed" if words & _AGREED else "completed"
            return {"percentage": quantity_of(percent).value if percent else None, "status": status}
        if relation in {"PRODUCES", "PROCESSES"}:
            capacity = self._quantity({"RATE", "MASS", "ENERGY"}, index)
            if capacity is None:
                return {}
            quantity = quantity_of(capacity)
            return {"capacity": quantity.value, "unit": quantity.unit}
        if relation == "SUPPLIES":
            volume = self._quantity({"RATE", "MASS"}, index)
            out: dict = {}
            if volume is not None:
                quantity = quantity_of(volume)
                out.update(volume=quantity.value, unit=quantity.unit)
            out.update(self._years())
            return out
        if relation == "EXPORT_RESTRICTION":
            measure = _MEASURES.get(self.doc[index].lower_, "export controls")
            dates = [q for q in self.quantities if q.label_ in {"DATE", "YEAR"}]
            return {"measure": measure, "effective_date": dates[0].text if dates else None}
        return {}

    def _years(self) -> dict:
        years = [q for q in self.quantities if q.label_ in {"YEAR", "DATE"}]
        out: dict = {}
        for q in years:
            year = re.search(r"(19|20)\d\d", q.text)
            if not year:
                continue
            before = self.doc[q.start - 1].lower_ if q.start > self.sent.start else ""
            if (before in _END_CUES and "start_year" in out) or before in {"until", "till", "through"}:
                out["end_year"] = int(year.group())
            elif "start_year" not in out:
                out["start_year"] = int(year.group())
            elif before in {"-", "–", "and"}:  # noqa: RUF001
                out["end_year"] = int(year.group())
        return out

    def _located(self):
        for ent in self.ents:
            if ent.label_ != FAC:
                continue
            i = ent.end
            while i < self.sent.end and self.doc[i].lower_ in {",", "which", "is", "located", "situated", "based",
                                                                "sits", "lies"}:
                i += 1
            if i < self.sent.end and self.doc[i].lower_ in {"in", "near", "at"}:
                i += 1
                while i < self.sent.end and self.doc[i].lower_ in {"the", "central", "northern", "southern"}:
                    i += 1
            elif i == ent.end or self.doc[ent.end].text != ",":
                i = -1
            place = next((e for e in self.ents if e.start == i and e.label_ == LOC), None)
            if place is not None:
                yield self._fact(ent, "LOCATED_IN", place, {}, 0.6)
            # "Australia's Greenbushes mine"
            previous = next((e for e in self.ents if e.end == ent.start - 1 and e.label_ == LOC
                             and self.doc[e.end].lower_ in {"'s", "’s"}), None)  # noqa: RUF001
            if previous is not None:
                yield self._fact(ent, "LOCATED_IN", previous, {}, 0.5)

    def _possessive_operates(self):
        for ent in self.ents:
            if ent.label_ != FAC:
                continue
            owner = next((e for e in self.ents if e.end == ent.start - 1 and e.label_ == ORG
                          and self.doc[e.end].lower_ in {"'s", "’s"}), None)  # noqa: RUF001
            if owner is not None and not self._hedged(owner.start, ent.start):
                yield self._fact(owner, "OPERATES", ent, {}, 0.5)
