"""Our spaCy components: candidate names, quantities, mentions (linking by pattern id) and relations.

Each is registered as ``cm_<name>`` with what it requires and assigns. Rules are data (word lists below); relations
are found inside one sentence from a trigger word and the order and roles of the entities around it.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import re

import pycountry
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.facts import RELATIONS_VERSION, CandidateFact, EntityMention, Quantity
from extractors.nlp.coreference import anaphors
from extractors.nlp.entity_patterns import PatternMatcher
from extractors.nlp.evidence import generic as _generic
from extractors.nlp.scoring import normalise

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
    "mou", "jv", "memorandum", "hpal", "ev", "evs", "esg", "ira", "fid", "lce", "train", "cam", "gwh", "mwh", "gw",
    "mw", "twh", "construction", "about", "second", "third", "fourth", "fifth", "last", "next", "press", "release",
    "news", "announcement", "statement", "summary", "outlook", "background", "editors", "forward-looking",
}
# Legal forms: a name made of these alone is the tail of a name cut at a comma ("Co., Ltd."), not a name.
_LEGAL_FORMS = {"limited", "ltd", "ltd.", "inc", "inc.", "plc", "corp", "corp.", "co", "co.", "llc", "ag", "sa", "nv",
                "se", "tbk", "oy", "ab", "asa", "gmbh", "spa", "pty"}
# Lower-case words inside one organisation's name ("Sociedad Química y Minera de Chile", "Authority for the
# Regulation ..."); "and" is not among them: it joins two names far more often than it sits inside one.
# "of", "for" and "the" join two capitalised runs only in an institution's name ("Authority for the Regulation
# ..."), not in "supply to Sojitz for Japanese customers".
_INSTITUTION_JOINERS = {"of", "for", "the"}
_INSTITUTIONS = {"Ministry", "Department", "Authority", "Organization", "Organisation", "Agency", "Office", "Bureau",
                 "Institute", "Council", "Commission", "Bank", "Fund", "Association", "Board", "Administration",
                 "Corporation", "Society", "Academy", "University", "Federation", "Union", "Government", "Secretariat"}
_INSTITUTION_HEADS = {"Survey", "Committee", "Court", "Parliament", "Ministry", "Department"}
_ROMANCE_JOINERS = {"de", "del", "do", "da", "du", "des"}
_NAME_JOINERS = {"y", "de", "del", "da", "do", "du", "des", "di", "of", "for", "the", "und", "et"}
_TITLES = {"mr", "ms", "mrs", "dr", "ceo", "chairman", "chairwoman", "minister", "president", "executive",
           "director", "spokesperson", "spokesman", "spokeswoman", "officer", "said", "according"}
_OPENING_MARKS = {'"', "\u201c", "'", "\u2018", "(", "-", "\u2014", ":"}
# Words before "in" that make what follows a company, not a place ("a 25% stake in Albemarle").
_HOLDING_WORDS = set("stake stakes interest interests investment investments invest invested investing shares share "
                     "holding holdings role partner position roles jobs shareholder shareholders owner investor "
                     "investors director directors seat seats".split())
# Last words of a company's name.
_COMPANY_WORDS = set("ltd limited inc corp corporation company co plc ag sa nv se group holdings mining minerals "
                     "resources metals materials energy chemicals technologies industries partners capital lithium "
                     "cobalt nickel tbk llc gmbh".split())
_TITLE_WORDS = {"Minister", "President", "Secretary", "Ambassador", "Representative", "Governor", "Premier",
                "Chancellor"}
# Words that follow a name as its verb ("Meridian said"): a capitalised word before them is a name, not an adjective.
_NAME_VERBS = set("said says has have had will would is was are were announced agreed signed plans expects reported "
                  "added noted told".split())
_PLACE_ADJECTIVE_TAILS = {"listed", "based", "headquartered", "registered", "owned", "backed", "focused", "born"}
_AREA_NAMES = {"Province", "State", "Region", "County", "District", "Prefecture", "Territory", "Oblast", "Regency"}
_AREA_WORDS = {"area", "region", "province", "district", "county", "state", "basin", "belt", "prefecture",
               "regency", "department", "municipality"}
_COMPASS = {"North", "South", "East", "West", "Central", "Northern", "Southern", "Eastern", "Western", "Northeast",
            "Northwest", "Southeast", "Southwest", "Upper", "Lower"}
_PERSON_TITLES = {"representative", "ambassador", "minister", "secretary", "president", "chairman", "chairwoman",
                  "director", "officer", "spokesperson", "spokesman", "spokeswoman", "ceo", "premier", "governor",
                  "senator", "mr", "ms", "mrs", "dr"}
_JOB_WORDS = _PERSON_TITLES | {"managing", "chief", "executive", "general", "manager", "head", "vice", "deputy",
                                "financial", "operating", "technology", "commercial", "non-executive", "chair", "cfo"}
# Words that describe a person in an apposition ("Jane Doe, executive chair of ...").
_PERSON_DESCRIPTIONS = (_JOB_WORDS - {"technology", "financial", "operating", "commercial", "general"}) | {
    "founder", "co-founder", "analyst"}
_CAPITALISED = re.compile(r"^([A-Z\u00c0-\u00d6\u00d8-\u00de][\w&'\-]*|[A-Z]{2,}\w*)$")
# Nationality adjectives and generic plural nouns that open sentences ("Analysts said", "Chinese refiners").
_DEMONYMS = set("african american asian australian belgian brazilian canadian chilean chinese congolese "
                "european finnish french german indian indonesian japanese korean malaysian norwegian swedish "
                "zimbabwean argentine argentinian british spanish italian russian saudi mexican peruvian".split())
_GENERIC_OPENERS = set("analysts traders developers officials ministers refiners observers producers buyers sellers "
                       "investors miners shareholders executives industry critics experts sources prices exports "
                       "imports shipments some much many most several others other such".split())
_DOCUMENT_WORDS = {"act", "law", "agreement", "regulation", "regulations", "treaty", "accord", "strategy", "compact",
                   "pact", "charter", "declaration", "framework", "roadmap",
                   "initiative", "program", "programme", "plan", "bill", "decree", "code", "directive"}
_EXCHANGES = {"NYSE", "ASX", "NASDAQ", "Nasdaq", "TSX", "TSXV", "LSE", "HKEX", "SZSE", "SSE", "JSE", "OTCQX", "KRX",
              "AIM", "FRA", "XETRA"}
_DATELINE_ENDS = {"-", "--", "\u2014", "\u2013", ":"}


@Language.factory("cm_names", requires=["doc.ents", "doc.sents"], assigns=["doc.ents"])
def make_names(nlp: Language, name: str) -> CandidateNames:
    return CandidateNames()


class CandidateNames:
    """Capitalised runs that no pattern matched become ORGANIZATION candidates (no IRI), unless they look like a
    person's name (after a title), a common sentence opener or a date word."""

    def __call__(self, doc: Doc) -> Doc:
        datelines = self._datelines(doc)
        spans = list(datelines)
        taken = {i for ent in [*doc.ents, *datelines] for i in range(ent.start, ent.end)}
        lower_words = {t.lower_ for t in doc if t.is_lower}
        for sent in doc.sents:
            title_case = _title_case(sent)
            i = sent.start
            while i < sent.end:
                if i in taken or not self._name_token(doc, i) or self._common_opener(doc, sent, i, lower_words):
                    i += 1
                    continue
                j = i + 1
                while j < sent.end and j not in taken:
                    if self._name_token(doc, j):
                        j += 1
                    elif doc[j].text in {"New", "First", "Group"} and j + 1 < sent.end and j + 1 not in taken \
                            and self._name_token(doc, j + 1):
                        j += 2  # "BTR New Material", "Pacific First Resources": a capital word inside a name
                    elif doc[j].text == "On" and doc[j - 1].is_upper and not doc[j].is_sent_start:
                        j += 1  # "SK On"
                    elif (doc[j].text in _NAME_JOINERS or (doc[j].text == "and" and doc[i].text in _INSTITUTIONS)) \
                            and j + 1 < sent.end and (doc[j].text not in _INSTITUTION_JOINERS
                                                      or doc[i].text in _INSTITUTIONS):
                        k = j + 1 + (doc[j + 1].text == "the")  # "Authority for the Regulation"
                        if k < sent.end and k not in taken and self._name_token(doc, k) and j - 1 not in taken:
                            j = k + 1
                        else:
                            break
                    elif _hyphen_join(doc, j) and j + 1 < sent.end and j + 1 not in taken \
                            and self._name_token(doc, j + 1):
                        j += 2
                    else:
                        break
                if any(t.text in _INSTITUTIONS | _INSTITUTION_HEADS for t in doc[i:j]):
                    j = self._institution_end(doc, sent, j)
                if title_case and doc[i:j].text not in doc.text[:sent.start_char] + doc.text[sent.end_char:]:
                    i = j  # a title-case headline capitalises every word: only names the text repeats are names
                    continue
                if self._keep(doc, sent, i, j):
                    place = self._place_context(doc, sent, i, j) or _known_place(doc[i:j], lower_words)
                    label = LOC if place else ORG
                    # "in Jammu and Kashmir": a name joined by "and" to a place just found is a place too
                    if spans and spans[-1].label_ == LOC and spans[-1].end == i - 1 \
                            and doc[i - 1].lower_ in {"and", "&"}:
                        label = LOC
                    # "in Schwarzheide, Brandenburg, Germany": a name between two places is a place
                    if spans and spans[-1].label_ == LOC and spans[-1].end == i - 1 and doc[i - 1].text == "," \
                            and j + 1 < sent.end and doc[j].text == "," \
                            and any(e.start == j + 1 and e.label_ == LOC for e in doc.ents):
                        label = LOC
                    spans.append(Span(doc, i, j, label=label, span_id="candidate"))
                i = j
        ents = []
        for ent in doc.ents:  # a government shape cut before its list's last item: "Department of Industry, Science"
            end = self._institution_end(doc, ent.sent, ent.end, listed="," in ent.text) \
                if (ent.ent_id_ or ent.id_) == "shape:government" else ent.end
            free = all(not (e.start < end and ent.end <= e.start) for e in [*doc.ents, *spans])
            ents.append(Span(doc, ent.start, end, label=ent.label_, span_id=ent.ent_id_ or ent.id_)
                        if end > ent.end and free else ent)
        doc.ents = ents
        kept = [ent for ent in doc.ents if not _names_a_document(doc, ent) and not _unrepeated_heading_shape(doc, ent)
                and not (ent.label_ == FAC and ent[0].lower_ in _DEMONYMS)  # "the Malaysian plant" names no site
                and not (ent.label_ == MIN and doc[ent.end:ent.end + 2].text.lower() in {"-ion", "- ion"})]
        ents = _merge_names(doc, [_legal_tail(doc, _hyphen_extend(doc, ent)) for ent in kept], spans)
        ents = [_legal_tail(doc, _bracketed_tail(doc, ent)) for ent in ents]
        if ents != list(doc.ents):
            doc.ents = filter_spans(ents)
        return doc

    def _institution_end(self, doc: Doc, sent: Span, j: int, listed: bool = False) -> int:
        """An institution's name runs on over "of <country>" ("Geological Survey of India") and over a list that ends
        in "and" ("Department of Industry, Science and Resources"; "Ministry of Economy, Trade and Industry")."""
        if j + 1 < sent.end and doc[j].lower_ == "of":
            k = j + 1 + (doc[j + 1].lower_ == "the")
            place = next((e for e in doc.ents if e.start == k and e.label_ == LOC), None)
            if place is not None:
                return place.end
        k = j
        while k + 1 < sent.end and doc[k].text == "," and self._name_token(doc, k + 1):
            k += 2
            while k < sent.end and self._name_token(doc, k):
                k += 1
        if (k > j or listed) and k + 1 < sent.end and doc[k].lower_ == "and" and self._name_token(doc, k + 1):
            k += 2
            while k < sent.end and self._name_token(doc, k):
                k += 1
            return k
        return j

    @staticmethod
    def _name_token(doc: Doc, i: int) -> bool:
        token = doc[i]
        if token.text in {"St.", "Mt.", "Ft.", "Ste."} and i + 1 < len(doc) and _CAPITALISED.match(doc[i + 1].text):
            return True  # "St. Thomas"
        if not _CAPITALISED.match(token.text) or token.lower_ in _NOT_NAMES or token.text in _EXCHANGES:
            return False
        # a ticker: "(NYSE: ALB)"
        return not (i >= 2 and doc[i - 1].text == ":" and doc[i - 2].text in _EXCHANGES)

    @staticmethod
    def _common_opener(doc: Doc, sent: Span, i: int, lower_words: set[str]) -> bool:
        """A capitalised word only because it opens a sentence (or a quotation): "Securing", "Once", "Part of ..."
        — a stop word, an -ing/-ed/-ly form, or a word the text also writes in lower case."""
        opens = i == sent.start or doc[i - 1].text in _OPENING_MARKS
        word = doc[i].lower_
        # "Built by Tsingshan", "Built and run by Tsingshan": a participle, not a name
        after = [t.lower_ for t in doc[i + 1:min(sent.end, i + 4)]]
        passive = after[:1] == ["by"] or (after[:1] == ["and"] and after[2:3] == ["by"] and doc[i + 2].is_lower)
        return opens and not doc[i].is_upper and (doc[i].is_stop or word in lower_words or passive
                                                  or word.endswith(("ing", "ed", "ly")))

    @staticmethod
    def _place_context(doc: Doc, sent: Span, start: int, end: int) -> bool:
        """A name after "near"/"outside", or after "in"/"at" and followed by ", <place>" or "in <place>" ("a plant
        in Fort Worth, Texas", "near Bunbury in Western Australia"), is a place."""
        before = doc[start - 1].lower_ if start > sent.start else ""
        possessive = end < sent.end and doc[end].lower_ in {"'s", "\u2019s", "'"}
        if before in {"near", "outside"} and not possessive:
            return True  # not "near CMOC's Tenke Fungurume mine"
        if end < sent.end and doc[end].lower_ in _AREA_WORDS and (before in {"the", "in", ","}
                                                                  or doc[end].lower_ in {"province", "district"}):
            return True  # "in the Kaustinen area", "in Lualaba province", "Buhera district, Manicaland province"
        if before == "of" and start >= sent.start + 2 and doc[start - 2].lower_ in _AREA_WORDS | _DIRECTIONS | {
                "port", "city", "town", "village"}:  # also "north of Alice Springs"
            return True  # "the Reasi district of Jammu", "the port of Quebec City"
        if doc[start].text in _COMPASS and end - start >= 2:
            return True  # "West Kalimantan", "North Sumatra"
        if before in {"in", "at", "on"} and start >= sent.start + 2 \
                and _HOLDING_WORDS.isdisjoint(t.lower_ for t in doc[max(sent.start, start - 6):start - 1]) \
                and not doc[start].is_upper \
                and doc[end - 1].lower_ not in _COMPANY_WORDS and not (end < sent.end and doc[end].lower_ in
                                                                       {"'s", "’s", "'"}):  # noqa: RUF001
            return True  # "in Schwarzheide, Brandenburg", "at Pangwa" — but not "a stake in Albemarle"
        if before not in {"in", "at", "from"} or end + 1 >= sent.end or doc[end].lower_ not in {",", "in"} \
                or doc[start].is_upper:
            return False
        return any(e.start == end + 1 and e.label_ == LOC for e in doc.ents)

    @staticmethod
    def _datelines(doc: Doc) -> list[Span]:
        """Place names before the dash or colon that opens a line ("CHARLOTTE, N.C. --", "Carson City, Nevada -",
        "New Delhi, 15 January 2024:") are LOCATION candidates."""
        out: list[Span] = []
        for i in range(len(doc)):
            if not (i == 0 or "\n" in doc[i - 1].text or "\n" in doc[i - 1].whitespace_):
                continue
            end = None
            for j in range(i, min(len(doc), i + 10)):
                text = doc[j].text
                if text in _DATELINE_ENDS and (text == ":" or doc[j - 1].whitespace_):
                    end = j
                    break
                if "\n" in text or text == "(" or (text.isalpha() and text.islower() and text != "and"):
                    break
            if end is None or end == i:
                continue
            k = i
            while k < end:
                if _CAPITALISED.match(doc[k].text) and doc[k].lower_ not in _MONTH_WORDS:
                    m = k + 1
                    while m < end and _CAPITALISED.match(doc[m].text) and doc[m].lower_ not in _MONTH_WORDS:
                        m += 1
                    if not any(e.start < m and k < e.end for e in doc.ents):
                        out.append(Span(doc, k, m, label=LOC, span_id="dateline"))
                    k = m
                else:
                    k += 1
        return out

    @staticmethod
    def _keep(doc: Doc, sent: Span, start: int, end: int) -> bool:
        before = doc[start - 1].lower_ if start > sent.start else ""
        after = doc[end].lower_ if end < len(doc) else ""
        if before in _TITLES or (after in {"said", "says"} and before in {",", ""} and end - start == 2):
            return False
        described = {t.lower_ for t in doc[end + 1:min(sent.end, end + 4)]} if after == "," else set()
        if end - start in {2, 3} and not doc[start].is_upper and described & _PERSON_DESCRIPTIONS:
            return False  # "Gina Rinehart, executive chair of ...", "said Jane Doe, the company's chief executive"
        nxt = doc[end] if end < sent.end else None
        if nxt is not None and (nxt.like_num or nxt.text in _TITLE_WORDS):
            return False  # "Chapter 11", "Vision 2030", "Prime Minister ..."
        if end - start == 1 and doc[start].text.lower() in _COMPANY_WORDS:
            return False  # "Energy", "Resources": a word of a longer name cut by a comma, not a name
        if end - start == 1 and nxt is not None and nxt.is_lower and nxt.lower_ not in _NAME_VERBS \
                and doc[start].lower_.endswith(("ian", "ese", "ern", "ish", "ean")):
            return False  # "Malian government", "Western companies": an adjective
        if any(t.lower_ in _PERSON_TITLES for t in doc[start:end - 1]):  # "Trade Representative Katherine Tai"
            return False
        words = {t.lower_ for t in doc[start:end]}
        if words <= _JOB_WORDS or re.fullmatch(r"(FY|CY|H|Q)\d{1,4}", doc[start:end].text):
            return False  # "Managing Director", "Chief Executive Officer"; "FY25", "Q3"
        if end - start == 1 and words & (_DEMONYMS | _GENERIC_OPENERS):
            return False
        if words <= _LEGAL_FORMS:
            return False
        if end + 1 < sent.end and doc[end].text == "-" and doc[end + 1].lower_ in _PLACE_ADJECTIVE_TAILS:
            return False  # "the Shenzhen-listed company", "a Massachusetts-based recycler"
        if doc[end - 1].lower_ in _DOCUMENT_WORDS or _in_title(doc, sent, end):
            return False  # "Inflation Reduction Act"; "Climate, Critical Minerals and ... Compact"
        if start == sent.start and end - start == 1 and not doc[start].is_upper:
            if any(e.label_ == ORG and e.start != start and e[0].text == doc[start].text for e in doc.ents):
                return True  # "Neo already runs ..." after "Neo Performance Materials"
            if end < sent.end and any(e.start == end and e.label_ == LOC for e in doc.ents):
                return True  # "Vale Indonesia ...": joined to the place by _merge_names
            return after in {"'s", ",", "has", "have", "will", "is", "was", "said", "says", "and", "signed",
                             "announced", "agreed", "plans", "expects", "reported", "also", "had"} \
                or after in TRIGGER_WORDS
        text = doc[start:end].text
        return len(text) > 2 or (len(text) == 2 and (text.isupper() or any(c.isdigit() for c in text)))  # LG, G7


@functools.cache
def _subdivisions() -> frozenset[str]:
    """ISO 3166-2 subdivision names (provinces, states, regions), from pycountry."""
    return frozenset(sub.name.split(" (")[0] for sub in pycountry.subdivisions)


def _known_place(span: Span, lower_words: set[str]) -> bool:
    """"Jujuy", "Haut-Ogooué": a province or state by its ISO name, unless the text also writes it in lower case."""
    return span.text in _subdivisions() and not (len(span) == 1 and span.text.lower() in lower_words)


def _unrepeated_heading_shape(doc: Doc, ent: Span) -> bool:
    """"PILBARA MINERALS TO ACQUIRE LATIN RESOURCES, ADDING THE SALINAS LITHIUM PROJECT": in a headline every word is
    capitalised, so a shape found there is a name only if the text repeats it (in any case)."""
    words = [t for t in ent.sent if t.is_alpha and len(t) > 3]
    if not (ent.ent_id_ or ent.id_).startswith("shape:") or len(words) < 3 \
            or not all(t.text[:1].isupper() for t in words):
        return False
    rest = (doc.text[:ent.sent.start_char] + " " + doc.text[ent.sent.end_char:]).lower()
    return ent.text.lower() not in rest


def _title_case(sent: Span) -> bool:
    """A headline or heading written in title case ("Arcadium Lithium Completes Merger With Allkem")."""
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and sum(t.text[:1].isupper() for t in words) >= 0.8 * len(words)


def _in_title(doc: Doc, sent: Span, end: int) -> bool:
    """The name is an item of a title's list that ends in a document word ("..., Critical Minerals and Clean Energy
    Transformation Compact")."""
    if end >= sent.end or doc[end].lower_ not in {",", "and", "&"}:
        return False
    last = None
    for token in doc[end:min(sent.end, end + 16)]:
        if token.text[:1].isupper():
            last = token
        elif token.lower_ not in {",", "and", "&", "-"}:
            break
    return last is not None and last.lower_ in _DOCUMENT_WORDS


def _names_a_document(doc: Doc, ent: Span) -> bool:
    """A company shape that is the start of a law's or agreement's title ("Critical Minerals Act")."""
    return ent.label_ == ORG and not (ent.ent_id_ or ent.id_).startswith("http") and ent.end < len(doc) \
        and doc[ent.end].text[:1].isupper() and doc[ent.end].lower_ in _DOCUMENT_WORDS


def _merge_names(doc: Doc, ents: list[Span], candidates: list[Span]) -> list[Span]:
    """A company name runs on over a capitalised word that starts a candidate ("LG Energy" + "Solution") and
    starts at a capitalised commodity word just before it ("Lithium" + "Americas Corp.")."""
    spans = sorted([*ents, *candidates], key=lambda e: e.start)
    out: list[Span] = []
    for span in spans:
        if out and out[-1].end == span.start and len(span) == 1 and span.text in _AREA_NAMES \
                and out[-1].label_ in {LOC, FAC, ORG} and out[-1].sent == span.sent:
            out[-1] = Span(doc, out[-1].start, span.end, label=LOC, span_id="candidate")  # "Fujian Province"
            continue
        if out and out[-1].end == span.start and out[-1].label_ == ORG and span.label_ == MIN \
                and not (out[-1].ent_id_ or out[-1].id_).startswith("http") and span.text[:1].isupper() \
                and span.end < len(doc) and (doc[span.end].text[:1].isupper() or doc[span.end].text == "("
                                             or all(t.text[:1].isupper() for t in span)) \
                and doc[span.end].sent == span.sent:
            out[-1] = Span(doc, out[-1].start, span.end, label=ORG, span_id=out[-1].ent_id_ or out[-1].id_)
            continue  # "PT Borneo Alumina Indonesia": a capitalised mineral word inside a company's name
        if out and out[-1].end == span.start and out[-1].label_ == LOC and span.label_ == ORG \
                and (out[-1].ent_id_ or out[-1].id_) != "dateline" and doc[out[-1].end - 1].whitespace_ \
                and not (span.ent_id_ or span.id_).startswith("http") and out[-1].sent == span.sent:
            out[-1] = Span(doc, out[-1].start, span.end, label=ORG, span_id=span.ent_id_ or span.id_)
            continue  # "Halmahera Persada Lygend", "China Molybdenum": a place word that opens a company's name
        if out and out[-1].end == span.start and out[-1].label_ == MIN and out[-1].text[:1].isupper() \
                and not out[-1].text.isupper() and out[-1].start != out[-1].sent.start and span.label_ == LOC \
                and doc[out[-1].end - 1].whitespace_ and out[-1].sent == span.sent:
            out[-1] = Span(doc, out[-1].start, span.end, label=ORG, span_id="candidate")
            continue  # "Lithium Argentina", "Lithium Americas": a mineral word opening a company's name
        if out and out[-1].end == span.start and len(out[-1]) == 1 and out[-1].text in _COMPASS \
                and span.label_ == LOC and doc[out[-1].start].whitespace_:
            out[-1] = Span(doc, out[-1].start, span.end, label=LOC, span_id="candidate")  # "Southeast Sulawesi"
            continue
        opener = out[-1] if out else None
        if opener is not None and opener.end == span.start - 1 and doc[span.start - 1].text in _ROMANCE_JOINERS \
                and (opener.label_ == ORG or (opener.label_ == MIN and opener.text[:1].isupper()
                                              and opener.start != opener.sent.start)) \
                and (span.label_ == LOC or (span.label_ == ORG and not (span.ent_id_ or "").startswith("http"))) \
                and not (opener.label_ == ORG and (opener.ent_id_ or "").startswith("http")):
            # "Sociedad Química y Minera de Chile", "Lithium du Mali SA"
            out[-1] = Span(doc, opener.start, span.end, label=ORG, span_id="candidate" if opener.label_ == MIN
                           else opener.ent_id_ or opener.id_)
            continue
        if out and out[-1].end == span.start and not doc[out[-1].end - 1].is_punct:
            last = out[-1]
            last_id, span_id = last.ent_id_ or last.id_, span.ent_id_ or span.id_
            joins = (last.label_ == ORG and not last_id.startswith("http") and span.label_ == ORG
                     and span_id == "candidate") \
                or (last.label_ == MIN and last.text[:1].isupper() and not last.text.isupper()
                    and span.label_ == ORG and not span_id.startswith("http"))
            # "PT Vale Indonesia Tbk", "Vale Indonesia's": a place right after a company's name is part of it
            joins = joins or (last.label_ == ORG and not last_id.startswith("http") and span.label_ == LOC
                              and not span_id.startswith("dateline"))
            if joins and _CAPITALISED.match(doc[span.start].text) and last.sent == span.sent:
                out[-1] = Span(doc, last.start, span.end, label=ORG, span_id=last_id if last.label_ == ORG
                               else span_id)
                continue
        out.append(span)
    return out


def _legal_tail(doc: Doc, ent: Span) -> Span:
    """A company name runs on over a legal form after a comma: "Zhejiang Huayou Cobalt Co., Ltd."."""
    end = ent.end
    while ent.label_ == ORG and end + 1 < len(doc) and doc[end].text == "," \
            and doc[end + 1].lower_.rstrip(".") in {f.rstrip(".") for f in _LEGAL_FORMS}:
        end += 2
        if end < len(doc) and doc[end].text == ".":
            end += 1
    return ent if end == ent.end else Span(doc, ent.start, end, label=ent.label_, span_id=ent.ent_id_ or ent.id_)


def _bracketed_tail(doc: Doc, ent: Span) -> Span:
    """A company name runs on over a bracketed place to its legal form: "Zangge Mining Investment (Chengdu) Co.
    Ltd.", "Sinomine (Hong Kong) Rare Metals Resources Co. Ltd."."""
    i = ent.end
    if ent.label_ != ORG or i + 3 >= len(doc) or doc[i].text != "(":
        return ent
    k = i + 1
    while k < len(doc) and k - i <= 3 and doc[k].text[:1].isupper() and not doc[k].is_upper:
        k += 1
    if k == i + 1 or k >= len(doc) or doc[k].text != ")":
        return ent
    end = k + 1
    while end < len(doc) and doc[end].sent == ent.sent and (
            _CAPITALISED.match(doc[end].text) or doc[end].lower_ in _LEGAL_FORMS):
        end += 1
    if end == k + 1 or doc[end - 1].lower_.rstrip(".") not in _COMPANY_WORDS:
        return ent
    return Span(doc, ent.start, end, label=ORG, span_id=ent.ent_id_ or ent.id_)


def _hyphen_join(doc: Doc, i: int) -> bool:
    """``doc[i]`` is a hyphen written without spaces between two words ("Sibanye-Stillwater")."""
    return doc[i].text == "-" and 0 < i < len(doc) - 1 and not doc[i - 1].whitespace_ and not doc[i].whitespace_


def _hyphen_extend(doc: Doc, ent: Span) -> Span:
    """A company name whose first word is glued to a capitalised word before it by a hyphen ("Li-Cycle Holdings")
    starts at that word."""
    if ent.label_ in {FAC, LOC} and ent.start >= 2 and _hyphen_join(doc, ent.start - 1) \
            and _CAPITALISED.match(doc[ent.start - 2].text) and len(ent) == 1:
        # "Sibanye-Stillwater": not the Stillwater mine, a company
        return Span(doc, ent.start - 2, ent.end, label=ORG, span_id="candidate")
    start = ent.start
    while start >= 2 and _hyphen_join(doc, start - 1) and _CAPITALISED.match(doc[start - 2].text) \
            and ent.label_ == ORG and not (ent.ent_id_ or ent.id_).startswith("http"):
        start -= 2
    end = ent.end
    while ent.label_ == LOC and end + 1 < len(doc) and _hyphen_join(doc, end) and _CAPITALISED.match(doc[end + 1].text):
        end += 2  # "Saxony-Anhalt", "Bitterfeld-Wolfen": not Saxony
    if start == ent.start and end == ent.end:
        return ent
    span_id = "candidate" if end > ent.end else ent.ent_id_ or ent.id_
    return Span(doc, start, end, label=ent.label_, span_id=span_id)


# ---------------------------------------------------------------- quantities
_NUM = {"TEXT": {"REGEX": r"^\d[\d,]*(\.\d+)?$"}}
_SCALE = {"LOWER": {"IN": ["million", "billion", "thousand", "m", "bn", "mn", "k", "mln"]}, "OP": "?"}
_MASS = ["tonnes", "tonne", "tons", "ton", "t", "kt", "mt", "ktpa", "mtpa", "tpa", "dmt", "wmt", "kg", "ounces",
         "oz", "lb", "pounds", "dmtu", "kilotonnes", "tpy"]
_ENERGY = ["gwh", "mwh", "gw", "mw", "twh"]
_RATE = [[{"LOWER": {"IN": ["per", "a", "each"]}}, {"LOWER": {"IN": ["year", "annum", "yr"]}}],
         [{"LOWER": {"IN": ["pa", "annually", "/year", "/yr"]}}],
         [{"ORTH": "/"}, {"LOWER": {"IN": ["year", "yr", "y", "a"]}}]]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec"]
_MONTH_WORDS = set(_MONTHS)
_YEAR = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
_OF_WHAT = [{"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": ["lce", "lithium", "contained", "lithium-carbonate"]}},
            {"LOWER": {"IN": ["carbonate", "equivalent", "nickel", "cobalt", "copper"]}, "OP": "*"}]


def _quantity_patterns() -> dict[str, list[list[dict]]]:
    mass = [_NUM, _SCALE, {"LOWER": {"IN": _MASS}}]
    joined = {"TEXT": {"REGEX": r"^\d[\d,.]*(kt|Mt|t|tpa|ktpa|Mtpa|kg)$"}}
    return {
        "MASS": [mass, [joined], [_NUM, _SCALE, {"LOWER": {"IN": ["metric", "wet", "dry"]}, "OP": "+"},
                  {"LOWER": {"IN": _MASS}}],
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
    return Mentions(nlp)


# Words a facility's shape span may add after its site name: "Greenbushes lithium mine" is "Greenbushes".
_FACILITY_WORDS = {
    "mine", "mines", "refinery", "plant", "smelter", "project", "operation", "operations", "facility", "complex",
    "deposit", "concentrator", "hub", "lithium", "hydroxide", "carbonate", "nickel", "cobalt", "copper", "graphite",
    "rare", "earth", "earths", "spodumene", "-", "hard", "rock", "open", "pit", "underground", "anode", "cathode",
    "battery", "recycling", "processing", "magnet", "conversion", "chemical", "chemicals", "precursor", "separation",
    "hpal", "sulphate", "sulfate", "materials", "zinc", "tin", "uranium", "vanadium", "manganese", "gallium",
    "germanium", "antimony", "tungsten", "gigafactory", "copper-cobalt", "nickel-cobalt",
}
# Mines and projects are known by their site name ("the Jadar lithium project" is Jadar); plants and refineries by
# site and type as the text gives them ("Kemerton lithium hydroxide plant").
_SITE_KINDS = {"mine", "project", "deposit", "operation", "operations"}


class Mentions:
    """``doc._.mentions``: one EntityMention per entity, named by the graph's label when its pattern id is an IRI
    (``set_names`` gives the labels), else by its own text (a candidate entity).

    Three links are made inside a document: a facility shape span ("Greenbushes lithium mine") that starts with a
    graph facility's name and adds only type words takes that facility's IRI and label; an abbreviation in brackets
    after a name ("Ministry of Commerce (MOFCOM)") and a leading part of an earlier name ("Tianqi" after "Tianqi
    Lithium") are named as that entity. Dateline capitals ("CHARLOTTE") are written in title case."""

    def __init__(self, nlp: Language | None = None) -> None:
        self.names: dict[str, str] = {}
        self.links = PatternMatcher(nlp.vocab) if nlp is not None else None
        self.minerals = PatternMatcher(nlp.vocab) if nlp is not None else None

    def set_names(self, names: dict[str, str]) -> None:
        self.names = dict(names)

    def set_links(self, patterns: list[dict]) -> None:
        """Graph facility patterns to look for inside facility shape spans."""
        if self.links is None:
            return
        linked = [p for p in patterns if str(p.get("id", "")).startswith("http") and isinstance(p.get("pattern"), list)]
        self.links.add((p["id"], p["pattern"]) for p in linked if p.get("label") == FAC)
        if self.minerals is not None:
            self.minerals.add((p["id"], p["pattern"]) for p in linked if p.get("label") == MIN)

    def __call__(self, doc: Doc) -> Doc:
        inner = self._inner_links(doc)
        site_names = doc.user_data.get("cm_site_names") or {}
        mentions = [self.mention(ent, inner.get((ent.start, ent.end)), site_names.get((ent.start, ent.end)))
                    for ent in doc.ents]
        doc._.mentions = self._facilities(self._aliases(doc, mentions))
        doc.user_data["cm_facility_minerals"] = self._named_minerals(doc)
        return doc

    def _named_minerals(self, doc: Doc) -> dict[tuple[int, int], list[tuple[EntityMention, str]]]:
        """The minerals a facility's own name gives ("Kemerton lithium hydroxide plant": Lithium hydroxide), each
        with the word after it in the name ("plant", "processing")."""
        out: dict[tuple[int, int], list[tuple[EntityMention, str]]] = {}
        facilities = [e for e in doc.ents if e.label_ == FAC and len(e) > 1]
        if self.minerals is None or not len(self.minerals) or not facilities:
            return out
        matches = self.minerals(doc)
        for ent in facilities:
            inside = filter_spans([Span(doc, s, e, label=iri) for iri, s, e in matches
                                   if ent.start < s and e < ent.end])
            for span in inside:
                iri = span.label_
                mention = EntityMention(self.names.get(iri, span.text), MIN, span.text, span.start_char,
                                        span.end_char, iri=iri)
                out.setdefault((ent.start, ent.end), []).append((mention, doc[span.end].lower_))
        return out

    @staticmethod
    def _facilities(mentions: list[EntityMention]) -> list[EntityMention]:
        """One name per facility in a document: a mine or project is named by its site ("Jadar"); the mentions of
        one plant ("Kemerton lithium hydroxide plant", "Kemerton lithium hydroxide facility", "Kemerton") take the
        fullest name, the first of the longest; any mention linked to the graph names them all."""
        def site(name: str) -> str:
            words = name.split()
            while len(words) > 1 and (words[-1] in _FACILITY_WORDS or not words[-1][:1].isupper()):
                words.pop()
            return " ".join(words)

        out = list(mentions)
        groups: dict[tuple[str, bool], list[int]] = {}
        for n, m in enumerate(out):
            if m.type != FAC:
                continue
            words = m.name.split()
            if m.iri is None and len(words) > 1 and words[-1] in _SITE_KINDS:
                out[n] = m = EntityMention(site(m.name), m.type, m.text, m.start_char, m.end_char, iri=None)
            bare = site(m.name) == m.name
            groups.setdefault((site(m.name), bare), []).append(n)
        for (name, bare), members in groups.items():
            if bare:
                continue
            linked = [out[n] for n in members if out[n].iri]
            pool = linked or sorted((out[n] for n in members), key=lambda m: -len(m.name.split()))
            best = pool[0]
            for n in [*members, *groups.get((name, True), [])]:
                m = out[n]
                if m.iri is None or m.iri == best.iri:
                    out[n] = EntityMention(best.name, m.type, m.text, m.start_char, m.end_char, iri=best.iri)
        return out

    def _inner_links(self, doc: Doc) -> dict[tuple[int, int], str]:
        if self.links is None or not len(self.links):
            return {}
        shapes = [e for e in doc.ents if e.label_ == FAC and not (e.ent_id_ or e.id_).startswith("http")]
        if not shapes:
            return {}
        found: dict[tuple[int, int], tuple[int, str]] = {}
        for iri, start, end in self.links(doc):
            for ent in shapes:
                if start == ent.start and end < ent.end \
                        and all(t.lower_ in _FACILITY_WORDS for t in doc[end:ent.end]):
                    best = found.get((ent.start, ent.end))
                    if best is None or end - start > best[0]:
                        found[(ent.start, ent.end)] = (end - start, iri)
        return {key: iri for key, (_, iri) in found.items()}

    def mention(self, ent: Span, link: str | None = None, site_name: str | None = None) -> EntityMention:
        key = link or ent.ent_id_ or ent.id_
        iri = key if key.startswith("http") else None
        text = ent.text
        if iri:
            name = self.names.get(iri, text)
        elif site_name:
            name = site_name
        elif key == "dateline" and text.isupper():
            name = text.title()
        else:
            name = _clean_name(text)
        return EntityMention(name, ent.label_, text, ent.start_char, ent.end_char, iri=iri)

    @staticmethod
    def _aliases(doc: Doc, mentions: list[EntityMention]) -> list[EntityMention]:
        out = list(mentions)
        ents = list(doc.ents)
        for n, ent in enumerate(ents):  # "Name (ABBR)"
            if n == 0 or ent.start < 2 or doc[ent.start - 1].text != "(" or ent.end >= len(doc) \
                    or doc[ent.end].text != ")" or ents[n - 1].end != ent.start - 1:
                continue
            if ent.label_ == ORG and not out[n].iri and len(ent) == 1:
                first = out[n - 1]
                for m, other in enumerate(out):
                    if other.text == out[n].text and other.type == ORG and not other.iri:
                        out[m] = EntityMention(first.name, first.type, other.text, other.start_char,
                                               other.end_char, iri=first.iri)
        sites = {}
        for m in out:
            if m.type in {FAC, LOC}:
                words = m.text.split()
                while len(words) > 1 and (words[-1] in _FACILITY_WORDS or not words[-1][:1].isupper()):
                    words.pop()
                sites.setdefault(" ".join(words), m)
                sites.setdefault(m.text, m)
                if m.type == LOC:
                    sites.setdefault(m.name, m)  # the dateline "HARARE" is named "Harare"
        as_company = collections.Counter(m.text for m in mentions if m.type == ORG)
        headline_end = doc.text.find("\n") if "\n" in doc.text.strip() else 0  # headlines use short names
        first_use: dict[str, int] = {}
        for m in mentions:
            if m.start_char > headline_end:
                first_use.setdefault(m.text, m.start_char)
        for n, mention in enumerate(out):
            if mention.type != ORG or mention.iri:
                continue
            if mention.text in sites and not (sites[mention.text].type == LOC and as_company[mention.text] >= 2):
                # "Kemerton is ..." after "the Kemerton lithium hydroxide plant"; but a name the text uses as a
                # company again and again is not turned into a place by one "in Vulcan"
                other = sites[mention.text]
                out[n] = EntityMention(other.name, other.type, mention.text, mention.start_char, mention.end_char,
                                       iri=other.iri)
                continue
            if len(mention.text.split()) != 1:
                continue
            # "Tianqi" for "Tianqi Lithium", "Huayou" for "Zhejiang Huayou Cobalt" (anywhere in the document)
            # a name introduced before its short form ("Tianqi Lithium ... Tianqi"); a short name used first is a
            # party of its own ("Vale ... Vale Base Metals", "Verkor ... the Verkor Innovation Centre")
            first = first_use.get(mention.text, mention.start_char)
            fuller = [m for m in out if m.type == ORG and m.name != mention.name and len(m.name.split()) > 1
                      and mention.text in re.split(r"[\s\-]+", m.name) and m.start_char < first]
            starting = [m for m in fuller if re.match(re.escape(mention.text) + r"[\s\-]", m.name)]
            names = {m.name for m in (starting or fuller)}
            if len(names) == 1 or starting:
                best = min(starting or fuller, key=lambda m: len(m.name))
                out[n] = EntityMention(best.name, best.type, mention.text, mention.start_char, mention.end_char,
                                       iri=best.iri)
        return out


def _clean_name(text: str) -> str:
    text = re.sub(r"^(the|The)\s+", "", text.strip()).rstrip(",;:")
    return re.sub(r"\s*['’]s$", "", text)  # noqa: RUF001


# ---------------------------------------------------------------- relations
def _forms(*words: str) -> list[str]:
    return [w for word in words for w in word.split()]


TRIGGERS: dict[str, dict[str, list[str]]] = {
    "OPERATES": {"active": _forms("operate operates operating operator operators run runs ran running manage "
                                 "manages managed managing mines mining build builds building"),
                 "passive": ["operated", "mined"]},
    "OWNS": {"active": _forms("own owns owning owner acquire acquires acquired acquiring acquisition buy buys bought "
                              "buying purchase purchases purchased purchasing takeover stake stakes interest hold "
                              "holds held holding shareholder shareholders retain retains retained ownership invest "
                              "invests invested investing investment"), "passive": ["owned", "controlled"],
             "inverse": ["subsidiary", "unit"],
             "sale": _forms("sell sells sold selling sale divest divests divested divesting")},
    "PRODUCES": {"active": _forms("produce produces produced producing production output outputs mine mines mined "
                                  "yield yields producer recover recovers recovered recovering make makes capacity")},
    "PROCESSES": {"active": _forms("process processes processed processing refine refines refined refining "
                                   "convert converts converted converting treat treats treated treating refiner fed "
                                   "feedstock turn turns turned turning transform transforms transformed upgrade "
                                   "upgrades upgraded")},
    "SUPPLIES": {"active": _forms("supply supplies supplied supplying sell sells sold selling deliver delivers "
                                  "delivered delivering provide provides provided ship ships shipped offtake "
                                  "off-take"),
                 "buy": _forms("buy buys bought buying purchase purchases purchased procure procures procured "
                               "source sources sourced offtaker")},
    "PARTNERSHIP": {"active": _forms("partner partners partnered partnering partnership partnerships collaborate "
                                     "collaborates collaborated collaboration alliance jv cooperate cooperation "
                                     "co-operation mou venture agreement agreements accord memorandum forces "
                                     "teamed")},
    "EXPORT_RESTRICTION": {"active": _forms("bar bars barred barring ban bans banned banning restrict restricts "
                                            "restricted restricting "
                                            "restriction restrictions control controls curb curbs curbed prohibit "
                                            "prohibits prohibited prohibition quota quotas tax duty duties levy "
                                            "licence license licences licenses licensing permit permits suspend "
                                            "suspends suspended halt halted embargo")},
}
TRIGGER_WORDS = {w for modes in TRIGGERS.values() for words in modes.values() for w in words}
HEDGES = set(_forms("not n't no never neither nor may might could should considering consider considers considered "
                    "previously formerly "
                    "mulling weighing exploring explore explores talks discussions rumoured rumored rumour rumours "
                    "rumor rumors reportedly speculation speculated potential potentially possible possibly denied "
                    "denies deny unlikely if whether hopes hope abandoned abandons abandon withdrew withdraws "
                    "withdrawn terminated terminates scrapped cancelled canceled postponed postpones delayed deferred "
                    "weighs mulls"))
_NEGATIONS = {"not", "n't", "no", "never"}
# Words that leave a whole sentence's deals unsettled wherever they stand ("..., but talks had not concluded").
_UNSETTLED = set(_forms("talks negotiating negotiation negotiations negotiate discussions exploring speculation "
                        "rumoured rumored proposed proposal considering"))
_HOLDER_NOUNS = {"shareholder", "shareholders", "owner", "owners", "parent", "investor", "stakeholder"}
_STAKE_NOUNS = {"stake", "stakes", "interest", "holding", "shares"}
_REPORTING = set(_forms("said says added noted told stated reported confirmed"))
_DEAL_NOUNS = {"agreement", "agreements", "deal", "deals", "offtake", "contract", "contracts", "transaction"}
_MEMBERSHIP = {"joined", "join", "joins", "joining", "members", "member", "partners", "founding"}
_GROUPINGS = {"partnership", "alliance", "initiative", "club", "forum", "council", "coalition", "grouping"}
_SIGNATURES = {"OPERATES": ({ORG}, {FAC}), "OWNS": ({ORG}, {ORG, FAC}), "PRODUCES": ({FAC}, {MIN}),
               "PROCESSES": ({FAC}, {MIN}), "SUPPLIES": ({ORG}, {ORG}), "PARTNERSHIP": ({ORG, LOC}, {ORG, LOC}),
               "EXPORT_RESTRICTION": ({LOC}, {MIN})}
_CUES = {"from", "into", "to", "of", "with", "and"}
_QUALIFIERS = {"the", "its", "their", "'s", "’s", "battery-grade", "battery", "grade", "-", "high", "purity",  # noqa: RUF001
               "high-purity", "mixed", "refined", "technical-grade", "chemical-grade", "crude", "raw", "recycled",
               "separated", "primary", "mined", "contained", "spent", "end-of-life", "a", "an", "some", "all"}
_OUTPUT_CUES = {"capacity", "nameplate", "commissioning", "commissioned", "ramp", "ramping", "ramp-up", "first",
                "output", "tonnes", "tpa", "ktpa"}
_GENERIC_DEALS = {"agreement", "agreements", "accord", "memorandum"}
_PROCESS_WORDS = {"processing", "conversion", "refining", "separation", "recycling", "treatment"}
_PLACE_FILLERS = {"the", "central", "northern", "southern", "eastern", "western", "north", "south", "east", "west",
                  "state", "province", "region", "of"}
_AGREED = set(_forms("agreed agrees agree signed sign signs entered definitive binding will to deal offer announced "
                     "agreement"))
_END_CUES = set(_forms("until till through to ending end by"))
# Measure names and the words that state them, in order of precedence.
_MEASURES = {
    "ban": set(_forms("bar bars barred barring ban bans banned banning prohibit prohibits prohibited prohibition "
                      "suspend suspends suspended "
                      "suspension halt halted embargo")),
    "licence": set(_forms("licence license licences licenses licensing permit permits control controls")),
    "quota": {"quota", "quotas"},
    "tax": set(_forms("tax taxes duty duties levy levies tariff tariffs")),
}
_LOCATIVES = {"near", "in", "at", "of", "outside"}
_DISTANCE_WORDS = set(_forms("around about approximately some roughly nearly almost km kilometres kilometers miles mi "
                             "-"))
_DIRECTIONS = set(_forms("north south east west northeast northwest southeast southwest north-east north-west "
                         "south-east south-west"))
_COVERS = set(_forms("cover covers covered covering apply applies include includes including extend extends"))
_MEASURE_NOUNS = set(_forms("rules rule measure measures controls restrictions ban list regulations requirement "
                            "requirements notice"))
_EFFECTIVE_CUES = {"from", "effective", "starting", "since"}
_TRANSACTIONS = set(_forms("acquire acquires acquired acquiring acquisition buy buys bought buying purchase purchases "
                           "purchased purchasing takeover sell sells sold selling sale divest divested merger"))
_MONTH_NUMBERS = {name: n for n, name in enumerate(_MONTHS[:12], 1)} | {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11,
    "dec": 12}


def iso_date(text: str) -> str:
    """"1 August 2023" -> "2023-08-01", "December 2022" -> "2022-12", "2023" -> "2023"; unreadable text as is."""
    year = re.search(r"(19|20)\d\d", text)
    month = next((_MONTH_NUMBERS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _MONTH_NUMBERS), None)
    day = re.search(r"\b(\d{1,2})(st|nd|rd|th)?\b", re.sub(r"(19|20)\d\d", "", text))
    if not year:
        return text
    if month is None:
        return year.group()
    return f"{year.group()}-{month:02d}" + (f"-{int(day.group(1)):02d}" if day else "")


@Language.factory("cm_relations", requires=["doc.ents", "doc.sents", "doc.spans", "doc._.mentions"],
                  assigns=["doc._.facts"])
def make_relations(nlp: Language, name: str) -> Relations:
    return Relations()


class Relations:
    """Candidate facts (``doc._.facts``) from trigger words and the entities around them, sentence by sentence.

    Roles: the subject is the nearest entity of its type left of the trigger and the object the nearest right of it
    in the same clause; "by" (passive, "the acquisition of Y by X") and "subsidiary of" swap them; "from" names the
    seller of a purchase, "to"/"with" the buyer of a sale; relative clauses ("Y, in which X holds 20%") and
    possessives ("Northvolt's largest shareholder") name the object; lists on either side give one fact per item.
    Definite descriptions and "it" (``coreference.anaphors``) take part as the entities they refer to. A hedge or
    negation between the left argument and the trigger, or a word that leaves the sentence's deals unsettled,
    suppresses the fact. Beyond triggers: places after facilities, possessive operators, products named in a
    facility's name, memberships, joint-venture parents and co-owners, and export rules carried to the next sentence.
    """

    version = RELATIONS_VERSION

    def __call__(self, doc: Doc) -> Doc:
        facts: list[CandidateFact] = []
        mentions = {(m.start_char, m.end_char): m for m in (doc._.mentions or [])}
        references = anaphors(doc, mentions)
        for span, target in references:
            mentions[(span.start_char, span.end_char)] = EntityMention(
                target.name, target.type, span.text, span.start_char, span.end_char, iri=target.iri)
        reference_starts = frozenset(span.start for span, _ in references)
        quantities = list(doc.spans["cm_quantities"]) if "cm_quantities" in doc.spans else []
        last_restriction: CandidateFact | None = None
        for sent in doc.sents:
            ents = sorted([e for e in [*doc.ents, *(s for s, _ in references)]
                           if sent.start <= e.start and e.end <= sent.end], key=lambda e: e.start)
            if not ents:
                continue
            sentence = _Sentence(doc, sent, ents, mentions, [q for q in quantities if sent.start <= q.start < sent.end],
                                 topic=_topic(doc, sent), references=reference_starts)
            found = list(sentence.facts())
            found += sentence.gapped_owners(found)
            found += sentence.joint_owners(found)
            restrictions = [f for f in found if f.predicate == "EXPORT_RESTRICTION"]
            if not restrictions and last_restriction is not None:
                found += sentence.restriction_continued(last_restriction)
            last_restriction = restrictions[-1] if restrictions else None if sentence.has_export else \
                last_restriction
            found += sentence.containments()
            for fact in found:
                _add(facts, fact)
        for fact in _site_places(doc, facts):
            _add(facts, fact)
        doc._.facts = _settle_supply_directions([f for f in facts if f.predicate != _CONTAINS])
        return doc


def _settle_supply_directions(facts: list[CandidateFact]) -> list[CandidateFact]:
    """A supply read from a deal noun ("a supply agreement with Albemarle for 100,000 t") gives way to the same pair
    the other way round read from a verb ("Albemarle will supply ..."), which takes over its volume and years."""
    out: list[CandidateFact | None] = list(facts)
    for n, weak in enumerate(facts):
        strong = next((m for m, f in enumerate(facts) if weak.predicate == f.predicate == "SUPPLIES"
                       and f.confidence > weak.confidence
                       and (f.subject.name, f.object.name) == (weak.object.name, weak.subject.name)), None)
        if strong is not None:
            out[n] = None
            out[strong] = dataclasses.replace(out[strong], attributes={**weak.attributes, **out[strong].attributes})
    return [f for f in out if f is not None]


def hedged(sent: Span, start: int, end: int) -> bool:
    """A hedge or negation from three words before ``start`` up to ``end`` (token indices), or a word anywhere in the
    sentence that leaves its deals unsettled: what lies there is not stated as fact."""
    doc = sent.doc
    return any(doc[i].lower_ in HEDGES and doc[i].text != "May" for i in range(max(sent.start, start - 3), end)) \
        or any(t.lower_ in _UNSETTLED for t in sent)


def _add(facts: list[CandidateFact], fact: CandidateFact) -> None:
    key = (fact.subject.name, fact.predicate, fact.object.name)
    if fact.predicate == "PARTNERSHIP" and any((f.object.name, f.predicate, f.subject.name) == key for f in facts):
        return  # symmetric: "A with B" is "B with A"
    subject_types, object_types = _SIGNATURES.get(fact.predicate, ({fact.subject.type}, {fact.object.type}))
    if fact.subject.type not in subject_types or fact.object.type not in object_types:
        return  # a name the document resolved to another kind of entity ("Berlin" the city, not a company)
    if not _same_name(fact.subject.name, fact.object.name) \
            and all((f.subject.name, f.predicate, f.object.name) != key for f in facts):
        facts.append(fact)


_CONTAINS = "_CONTAINS"  # place -> wider place as the text writes it ("Clarksville, Tennessee"); never output


def _site_places(doc: Doc, facts: list[CandidateFact]) -> list[CandidateFact]:
    """Document-level places of facilities: a facility named after a place the text names ("the Clarksville plant"
    with "Clarksville" as a place) is located there, and a facility located in a place is also in the places the
    text says contain it anywhere in the document ("a site in Clarksville, Tennessee" -> Tennessee)."""
    places = {m.name: m for m in (doc._.mentions or []) if m.type == LOC}
    wider: dict[str, list[CandidateFact]] = {}
    for fact in facts:
        if fact.predicate == _CONTAINS:
            wider.setdefault(fact.subject.name, []).append(fact)
    found = [f for f in facts if f.predicate == "LOCATED_IN"]
    for facility in {m.name: m for m in (doc._.mentions or []) if m.type == FAC}.values():
        words = facility.name.split()
        for n in range(len(words) - 1, 0, -1):
            place = places.get(" ".join(words[:n]))
            if place is not None and all(w.lower() in _FACILITY_WORDS for w in words[n:]):
                sentence = next(s for s in doc.sents if s.start_char <= facility.start_char < s.end_char)
                found.append(CandidateFact(facility, "LOCATED_IN", place, {}, evidence=sentence.text,
                                           start_char=sentence.start_char, end_char=sentence.end_char,
                                           confidence=0.45))
                break
    out, seen = [], set()
    while found:
        fact = found.pop()
        out.append(fact)
        for containment in wider.get(fact.object.name, []):
            key = (fact.subject.name, containment.object.name)
            if key not in seen:
                seen.add(key)
                found.append(CandidateFact(fact.subject, "LOCATED_IN", containment.object, {},
                                           evidence=containment.evidence, start_char=containment.start_char,
                                           end_char=containment.end_char, confidence=0.4))
    return out


def _same_name(a: str, b: str) -> bool:
    """"Lithium Americas Corp." and "Lithium Americas" are one party: no relation holds between them."""
    return normalise(a) == normalise(b)


def _topic(doc: Doc, sent: Span) -> Span | None:
    """The last organisation that opened a sentence before ``sent``, else the document's first organisation."""
    earlier = [e for e in doc.ents if e.label_ == ORG and e.end <= sent.start and not _generic(e.text)]
    openers = [e for e in earlier if e.start - e.sent.start <= 1]
    return (openers or earlier or [None])[-1 if openers else 0]


class _Sentence:
    def __init__(self, doc: Doc, sent: Span, ents: list[Span], mentions: dict, quantities: list[Span],
                 topic: Span | None = None, references: frozenset[int] = frozenset()) -> None:
        self.doc, self.sent, self.ents, self.mentions, self.quantities = doc, sent, ents, mentions, quantities
        self.topic = topic  # the organisation the text is about so far (see _topic)
        self.owned: Span | None = None  # what the sentence's last ownership fact was about
        self.supplied: tuple[Span, Span] | None = None  # the sentence's last seller and buyer
        self.share_before: dict[int, Span | None] = {}  # "75% by Sayona": an owner's own percentage, by its start
        # a trigger may sit inside a reference ("the joint venture formed by"), not inside a name
        inside = {i for e in ents if e.start not in references for i in range(e.start, e.end)}
        self.words = [t.lower_ for t in sent]
        self.triggers = [(t.i, rel, mode) for t in sent if t.i not in inside
                         for rel, modes in TRIGGERS.items() for mode, words in modes.items() if t.lower_ in words]
        self.has_export = any(w.startswith("export") or w == "shipments" for w in self.words)

    # -- helpers
    def _of(self, types: set[str], *, before: int | None = None, after: int | None = None) -> list[Span]:
        """Entities of ``types`` nearest first, before a position or after it and in the same clause."""
        found = [e for e in self.ents if e.label_ in types
                 and (before is None or e.end <= before) and (after is None or e.start > after)]
        if after is not None and before is None:
            found = [e for e in found if not self._clause_break(after, e.start)]
        return found[::-1] if before is not None else found

    def _clause_break(self, start: int, end: int) -> bool:
        """A new clause starts between two positions: "; ", ", and <name>", "while", "whereas", "but"."""
        for i in range(start + 1, end):
            word = self.doc[i].lower_
            if word in {";", "while", "whereas", "but"}:
                return True
            if word == "," and i + 2 < end + 1 and self.doc[i + 1].lower_ == "and" \
                    and self.doc[i + 2].text[:1].isupper():
                return True
        return False

    def _word_after(self, index: int, words: set[str], limit: int = 12) -> int | None:
        for i in range(index + 1, min(self.sent.end, index + 1 + limit)):
            if self.doc[i].lower_ in words:
                return i
        return None

    def _hedged(self, start: int, trigger: int) -> bool:
        return hedged(self.sent, start, trigger + 1)

    def _coordinated(self, first: Span) -> list[Span]:
        out = [first]
        places = {i for e in self.ents if e.label_ == LOC and first.label_ != LOC for i in range(e.start, e.end)}
        for ent in self.ents:
            if ent.start >= out[-1].end and ent.label_ == first.label_:
                # past places and a bracketed share: "Tianqi Lithium (51%) and IGO (49%)"
                gap = [t for t in self.doc[out[-1].end:ent.start] if t.i not in places and not self._in_brackets(t.i)]
                if len(gap) <= 4 and all(t.lower_ in {",", "and", "or", "as", "well", "the", "&", "in", "at", "near",
                                                      "-", "/", "\u2013", "\u2014", ":"} for t in gap):
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
        yield from self._membership()
        yield from self._located()
        yield from self._possessive_operates()
        yield from self._named_products()
        yield from self._asset_lists()
        yield from self._shipped_from()
        yield from self._held_through()
        yield from self._shipped_to()
        for index, relation, mode in self.triggers:
            if relation == "EXPORT_RESTRICTION" and not self.has_export:
                continue
            if relation == "OWNS" and mode == "active" and self.words[index - self.sent.start] in _STAKE_NOUNS \
                    and any(m == "sale" and i < index for i, _, m in self.triggers):
                continue  # "agrees to sell its remaining 40% interest in Goulamina to Ganfeng": the sale says who owns
            selling = mode == "sale" or self.words[index - self.sent.start] in TRIGGERS["OWNS"]["sale"]
            if selling and self._stake_sale(index) != (mode == "sale"):
                continue  # "sell a 25% interest in" is a stake (OWNS); "sell black mass to" a supply
            if relation == "PARTNERSHIP" and self.words[index - self.sent.start] in _GENERIC_DEALS \
                    and self._other_deal():
                continue  # "a supply agreement", "a sale agreement" are not partnerships
            receiver = ([e for e in self.ents if e.end <= index and e.label_ in {ORG, FAC}] or [None])[-1]
            if relation == "SUPPLIES" and index + 1 < self.sent.end and self.doc[index + 1].lower_ == "with" \
                    and (receiver is None or receiver.label_ == FAC):
                relation = "PROCESSES"  # "Kemerton is supplied with spodumene concentrate from the Greenbushes Mine"
            source = self._word_after(index, {"from"}, limit=5) if relation == "SUPPLIES" else None
            if source is not None and "to" not in self.words[index - self.sent.start:] \
                    and any(e.start == source + 1 and e.label_ == ORG for e in self.ents) \
                    and self.words[index - self.sent.start] in {"supply", "supplies"}:
                mode = "buy"  # "Ford secures lithium hydroxide supply from Albemarle"
            if relation == "SUPPLIES" and mode == "active" and self._facility_supplies(index):
                relation = "PRODUCES"  # "the Clarksville plant is designed to supply 60,000 t/y of cathode"
            if relation in {"PRODUCES", "PROCESSES"}:
                yield from self._outputs(index, relation)
                continue
            if relation == "OPERATES" and mode == "active":
                yield from self._operated_companies(index)
            venture = self._venture(index) if relation == "PARTNERSHIP" else None
            for subject, obj, confidence in self._roles(index, relation, mode):
                if subject.start == obj.start or self._hedged(min(subject.start, obj.start), index):
                    continue
                for parent in (subject, obj) if venture is not None else ():
                    if parent.label_ == ORG and parent.start != venture.start:  # each parent owns the venture
                        yield self._fact(parent, "OWNS", venture, {}, 0.5)
                attributes = self._attributes(index, relation, mode)
                own_share = self.share_before.get(subject.start)
                if relation == "OWNS" and own_share is not None:
                    attributes["percentage"] = quantity_of(own_share).value
                if relation == "SUPPLIES":
                    minerals = self._of({MIN}, after=index) or self._of({MIN}, before=index)
                    if not minerals and mode == "buy":
                        continue
                    attributes = {"mineral": self._mention(minerals[0]).name if minerals else None, **attributes}
                yield self._fact(subject, relation, obj, attributes, confidence)

    def _roles(self, index: int, relation: str, mode: str):
        subject_types, object_types = _SIGNATURES[relation]
        by = self._word_after(index, {"by"}) if mode in {"passive", "active", "inverse"} else None
        if by is not None and any(index < i < by and not (i - index <= 2 and self.doc[i - 1].lower_ in {"and", "or"})
                                  for i, _, _ in self.triggers):
            by = None  # "Bikita Minerals, which Sinomine owns, and the Sabi Star mine is run by Chengxin"; not "owned
            # and operated by"
        by_subjects = self._of(subject_types, after=by) if by is not None else []
        if len(by_subjects) > 1 and by_subjects[0].end < self.sent.end \
                and self.doc[by_subjects[0].end].lower_ in {"'s", "’s"}:  # noqa: RUF001
            by_subjects = by_subjects[1:]  # "run by the company's partner Tsingshan": the partner runs it
        if relation == "PARTNERSHIP":
            yield from self._partners(index)
            return
        if relation == "EXPORT_RESTRICTION":
            countries = self._of({LOC}, before=index) or self._of({LOC}, after=index) or self._country_so_far()
            minerals = self._of({MIN}, after=index) or self._of({MIN}, before=index)
            if countries and minerals:
                for mineral in self._coordinated(minerals[0] if minerals[0].start > index else minerals[-1]):
                    if not self._know_how(mineral):
                        yield countries[0], mineral, 0.7
            return
        if relation == "SUPPLIES" and mode == "buy":
            buyers = self._of({ORG}, before=index)
            if buyers and any(self.doc[i].text == "," and self.doc[i + 1].lower_ == "and"
                              for i in range(buyers[0].end, index)):
                buyers = buyers[-1:]  # "Ford agreed to buy ... from SQM, and has a supply arrangement ...": Ford
            source = self._word_after(index, {"from"})
            sellers = self._of({ORG}, after=source) if source is not None else self._of({ORG}, after=index)
            if buyers and sellers:
                yield sellers[0], buyers[0], 0.6
                # "buy lithium from Nemaska Lithium in Quebec and lithium hydroxide from SQM": each "from" a seller
                for i in range(sellers[0].end, min(self.sent.end, sellers[0].end + 15)):
                    if self._clause_break(sellers[0].end - 1, i):
                        break
                    later = self.ents_at(i + 1) if self.doc[i].lower_ == "from" else None
                    if later is not None and later.label_ == ORG and later.start == i + 1:
                        yield later, buyers[0], 0.6
            return
        if mode == "sale":  # "CMOC agreed to sell a 25% interest in Kisanfu to CATL"
            to = self._word_after(index, {"to"}, limit=20)
            buyers = self._of({ORG}, after=to) if to is not None else []
            owned = [e for e in self._of(object_types, after=index) if to is None or e.start < to]
            if buyers and owned:
                self.owned = owned[0]
                yield buyers[0], owned[0], 0.6
            return
        if mode == "inverse":  # "Y, a subsidiary of X"; "X's Y unit"
            owned = self._of(object_types, before=index)
            if index + 1 < self.sent.end and self.doc[index + 1].lower_ == "of":
                owners = self._of(subject_types, after=index)
            else:
                owners = [e for e in self.ents if owned and e.label_ == ORG and e.end + 1 == owned[0].start
                          and self.doc[e.end].lower_ in {"'s", "’s"}]  # noqa: RUF001
            if owners and owned:
                yield owners[0], owned[0], 0.6
            return
        if by_subjects and (mode == "passive" or by is not None):
            objects = [e for e in self._of(object_types, after=index) if e.start < by] or \
                self._of(object_types, before=index)
            if not objects and index - self.sent.start <= 3:  # "Built and run by Tsingshan, the Angel plant ..."
                comma = self._word_after(by_subjects[0].end - 1, {","}, limit=3)
                objects = self._of(object_types, after=comma)[:1] if comma is not None else []
            if objects:
                # "owned 50:50 by Wesfarmers and SQM", "owned 51% by Tianqi and 49% by IGO"
                later = [e for e in by_subjects[1:] if self.doc[e.start - 1].lower_ == "by"
                         and not any(by_subjects[0].end <= i < e.start for i, _, _ in self.triggers)]
                for subject in [*self._coordinated(by_subjects[0]), *later]:
                    self.share_before[subject.start] = next(
                        (q for q in self.quantities if q.label_ == "PERCENT" and 0 < subject.start - q.end <= 2), None)
                    yield subject, objects[0], 0.6
                return
        if mode == "passive":
            return
        # not "the Tesla agreement", not "acquired Northvolt's share"
        subjects = [e for e in self._of(subject_types, before=index)
                    if not (e.end < self.sent.end and self.doc[e.end].lower_ in _DEAL_NOUNS)
                    and not self._possessed_share(e) and not self._speaker(e)]
        if subjects:
            subjects = [self._outside_relative(subjects[0], index), *subjects[1:]]
        if relation == "OPERATES" and subjects and self._of({FAC}, before=index) \
                and self._of({FAC}, before=index)[0].start > subjects[0].end:
            return  # "Umicore said the Nysa plant would operate at reduced rates": the plant is the subject
        if relation == "SUPPLIES" and not subjects and self.topic is not None:
            subjects = [self.topic]
        if relation == "SUPPLIES" and subjects and self.supplied is not None and self.doc[index - 1].lower_ == "to" \
                and subjects[0].start == self.supplied[1].start:
            subjects = [self.supplied[0]]  # "to supply GM with ..., and a contract to supply Toyota followed"
        if relation == "SUPPLIES":
            target = self._word_after(index, {"to", "with"})
            right_after = [e for e in self._of(object_types, after=index) if e.start - index <= 2]
            objects = right_after or (self._of(object_types, after=target) if target is not None else []) or \
                self._of(object_types, after=index)  # "supply General Motors with cathode", "supply X to Y"
        else:
            objects = self._of(object_types, after=index)
        if relation == "OWNS" and self.words[index - self.sent.start] in _HOLDER_NOUNS:
            whose = next((i for i in range(index - 1, max(self.sent.start, index - 4) - 1, -1)
                          if self.doc[i].lower_ == "whose"), None)
            if whose is not None:  # "MMG, whose largest shareholder is China Minmetals"
                owned = self._antecedent_of(whose)
                owners = [e for e in self._of({ORG}, after=index) if e.start - index <= 3]
                if owned is not None and owners:
                    self.owned = owned
                    yield owners[0], owned, 0.6
                return
            owned = self._possessor_before(index)
            if owned is not None:  # "Volkswagen, Northvolt's largest shareholder"; "GM will become LAC's largest ..."
                owners = [e for e in self._of(subject_types, before=owned.start) if not self._speaker(e)]
                if not owners and index + 1 < self.sent.end and self.doc[index + 1].lower_ in {"are", "is",
                                                                                               "include"}:
                    # "KABIL's shareholders are NALCO, Hindustan Copper and MECL"
                    after = [e for e in self._of(subject_types, after=index) if e.start - index <= 3]
                    owners = self._coordinated(after[0]) if after else []
                    for owner in owners[1:]:
                        yield owner, owned, 0.6
                if owners:
                    self.owned = owned
                    yield owners[0], owned, 0.6
                return
        if relation == "OWNS":
            # not the seller ("acquired its interest from Freeport"), not whose share it was ("Northvolt's share
            # of the venture"), and a purchase of tonnes is a supply, not a stake
            objects = [e for e in objects if self._cue_before(e.start) != "from" and not self._possessed_share(e)]
            if any(q.label_ in {"MASS", "RATE"} and 0 < q.start - index <= 4 for q in self.quantities):
                return
        if relation in {"OWNS", "OPERATES"}:
            # "Y, in which A and B each hold 40%": the first of the subjects opens the relative clause
            relative = self._relative_antecedent(self._coordinated_before(subjects[0])[0]) if subjects else None
            # "the Greenbushes Mine, in which Albemarle holds a 49% interest"; "Pilgangoora, which Pilbara operates"
            if relative is not None and relative.label_ in object_types:
                objects = [relative]
        if subjects and not objects and relation == "OWNS":
            # "..., with Pilbara Minerals holding 18%": what the sentence's earlier owner owns; else "Y, in which X
            # holds 20%"
            objects = [self.owned] if self.owned is not None else self._of(object_types, before=subjects[0].start)
        if subjects and objects:
            if relation == "OWNS" and objects[0].label_ not in object_types:
                return
            if relation == "OWNS" and self.words[index - self.sent.start].startswith("invest") \
                    and (objects[0].label_ != ORG or self.doc[index + 1].lower_ == "decision"):
                return  # "will invest EUR 7bn in a plant", "a final investment decision": spending, not equity
            if relation == "OWNS":
                self.owned = objects[0]
                together = self._word_after(index, {"together", "jointly", "alongside"}, limit=14)
                if together is not None:  # "also holds an interest in Cauchari-Olaroz together with Lithium Argentina"
                    others = self._of({ORG}, after=together)[:1]
                    for other in others:
                        yield other, objects[0], 0.5
            # "supply A and B", "runs the X and Y mines", "owns the Rincon project in Argentina and the Jadar project";
            # "JOGMEC and Sojitz said they would invest in JARE"
            for subject in self._coordinated_before(subjects[0]) if subjects[0].label_ == ORG else subjects[:1]:
                if subject.label_ not in subject_types:
                    continue
                for obj in self._coordinated(objects[0]):
                    if relation == "OWNS" and obj is not objects[0] and self._share_after(obj) is not None:
                        continue  # "holds 51% of StarPlus and Stellantis the remaining 49%": a second owner
                    if relation == "SUPPLIES":
                        self.supplied = (subject, obj)
                    # "signed a supply agreement with": a deal noun does not say which side supplies
                    deal = index + 1 < self.sent.end and self.doc[index + 1].lower_ in _DEAL_NOUNS
                    yield subject, obj, 0.45 if relation == "SUPPLIES" and deal else 0.7

    def _operated_companies(self, index: int):
        """"Glencore, which operates Kamoto Copper Company and Mutanda Mining": running a company is controlling
        it (OWNS, without a share)."""
        operators = self._of({ORG}, before=index)
        companies = [e for e in self._of({ORG}, after=index) if e.start - index <= 2
                     and self.doc[index + 1].lower_ != "by"]  # "the mine is run by Chengxin": passive
        if not operators or not companies or self._hedged(operators[0].start, index):
            return
        for company in self._coordinated(companies[0]):
            yield self._fact(operators[0], "OWNS", company, {}, 0.5)

    def _venture(self, index: int) -> Span | None:
        """The joint-venture company a "joint venture" trigger names: "their joint venture PT Borneo Alumina",
        "a joint venture called IONWAY", "BlueOval SK, the joint venture formed by Ford and SK On"."""
        if self.words[index - self.sent.start] not in {"venture", "jv"}:
            return None
        after = next((e for e in self.ents if e.label_ == ORG and 0 < e.start - index <= 2
                      and all(t.lower_ in {",", "called", "named"} for t in self.doc[index + 1:e.start])), None)
        if after is not None:
            return after
        named = self._ents_ending_at(index - (self.doc[index - 1].lower_ in {"joint", "50:50"}))
        if named is not None and named.start > self.sent.start and self.doc[named.start - 1].lower_ in {"its",
                                                                                                         "their"}:
            return named  # "its Covalent Lithium joint venture with SQM"
        i = index - 1
        while i > self.sent.start and self.doc[i].lower_ in {"joint", "the", "a", "its", "their", "50:50", "new"}:
            i -= 1
        if self.doc[i].text == ",":
            return next((e for e in self.ents if e.label_ == ORG and e.end == i), None)
        return None

    def _know_how(self, mineral: Span) -> bool:
        """"rare-earth extraction technologies", "the know-how for making NdFeB magnets": a ban on exporting
        technology names the mineral without restricting it."""
        near = self.doc[max(self.sent.start, mineral.start - 8):min(self.sent.end, mineral.end + 5)].text.lower()
        return any(word in near for word in ("technolog", "know-how", "expertise", "equipment"))

    def _country_so_far(self) -> list[Span]:
        """"Effective 4 April 2025, exports of samarium ... require a licence from MOFCOM": the country the text
        last named, when the sentence names none."""
        earlier = [e for e in self.doc.ents if e.label_ == LOC and e.end <= self.sent.start
                   and "/id/country/" in (e.ent_id_ or e.id_)]
        return earlier[-1:]

    def _possessor_before(self, index: int) -> Span | None:
        """"Northvolt's (largest) shareholder": the organisation whose holder the trigger names."""
        for i in range(index - 1, max(self.sent.start - 1, index - 7), -1):  # past "long-standing", "largest"
            if self.doc[i].lower_ in {"'s", "’s", "'"}:  # noqa: RUF001
                return next((e for e in self.ents if e.end == i and e.label_ in {ORG, FAC}), None)
        return None

    def _possessed(self, ent: Span) -> Span:
        """"China's Tianqi Lithium": the party is what the possessive names, not its possessor."""
        if ent.end + 1 < self.sent.end and self.doc[ent.end].lower_ in {"'s", "’s"}:  # noqa: RUF001
            return next((e for e in self.ents if e.start == ent.end + 1), ent)
        return ent

    def _speaker(self, ent: Span) -> bool:
        """", IGO said, ": a parenthetical speaker, not a party to what the sentence states."""
        return ent.start > self.sent.start and self.doc[ent.start - 1].text == "," and ent.end < self.sent.end \
            and self.doc[ent.end].lower_ in _REPORTING

    def _possessed_share(self, ent: Span) -> bool:
        """"Northvolt's share of the venture": the organisation whose share it was, not a party."""
        if ent.end + 1 >= self.sent.end or self.doc[ent.end].lower_ not in {"'s", "’s", "'"}:  # noqa: RUF001
            return False
        # "Northvolt's share", "Northvolt's largest shareholder"
        return any(t.lower_ in _STAKE_NOUNS | _HOLDER_NOUNS | {"share"} for t in self.doc[ent.end + 1:ent.end + 4])

    def _stake_sale(self, index: int) -> bool:
        """A sale of equity ("sell a 25% interest in"), not of product."""
        ahead = self.doc[index + 1:min(self.sent.end, index + 8)]
        return any(t.lower_ in {"stake", "interest", "share", "shares", "holding", "equity", "business", "assets",
                                "asset", "operations", "unit", "division", "subsidiary"} for t in ahead) \
            or any(q.label_ == "PERCENT" and index < q.start <= index + 6 for q in self.quantities)

    def _outside_relative(self, candidate: Span, index: int) -> Span:
        """"Ganfeng, which acquired the project from ILC, also holds an interest in": the subject of the trigger
        is the name before the closed relative clause, not a party inside it."""
        commas = [i for i in range(candidate.end, index) if self.doc[i].text == ","]
        if not commas:
            return candidate
        for w in range(candidate.start - 1, max(self.sent.start, candidate.start - 15), -1):
            if self.doc[w].text == ",":
                # "Ultium CAM, majority-owned by POSCO Future M, is building": the name before the apposition
                between = self.doc[w + 1:candidate.start]
                antecedent = self.ents_at(w - 1) if w > self.sent.start else None
                if len(between) and all(t.is_lower or t.text == "-" for t in between) and antecedent is not None \
                        and antecedent.label_ == candidate.label_ and not self._list_item(antecedent):
                    return antecedent
                return candidate
            if self.doc[w].lower_ in {"which", "who"} and self.doc[w - 1].text == ",":
                antecedent = self.ents_at(w - 2)
                return antecedent if antecedent is not None and antecedent.label_ == candidate.label_ else candidate
        return candidate

    def _list_item(self, ent: Span) -> bool:
        """``ent`` is preceded by "," or "and" after another entity of its kind ("A, B and C")."""
        before = ent.start - 1
        return before > self.sent.start and self.doc[before].lower_ in {",", "and"} \
            and self.ents_at(before - 1) is not None and self.ents_at(before - 1).label_ == ent.label_

    def _relative_antecedent(self, subject: Span) -> Span | None:
        """For a subject right after "in which" / "of which" / "which" ("Y, in which X holds"; "Y, which it owns"), the
        entity the relative clause is about: the one right before it."""
        i = subject.start - 1
        if i <= self.sent.start or self.doc[i].lower_ != "which":
            return None
        return self._antecedent_of(i)

    def _antecedent_of(self, which: int) -> Span | None:
        """The organisation or facility a "which" clause is about: the entity before it, past "in"/"of", a
        bracketed abbreviation and locatives ("the refinery at Kwinana, south of Perth, which ...")."""
        i = which - 1
        if self.doc[i].lower_ in {"in", "of"}:
            i -= 1
        if self.ents_at(i) is None:  # "LG Energy Solution, the battery maker in which": the apposition's name
            j = i
            while j > max(self.sent.start, i - 6) and self.ents_at(j) is None and self.doc[j].text != "," \
                    and (self.doc[j].is_lower or self.doc[j].text in {"-", "50:50"}):
                j -= 1
            if self.doc[j].text == "," and j < i:
                i = j
            elif self.ents_at(j) is not None and j < i and \
                    not {"through", "via"}.isdisjoint(t.lower_ for t in self.doc[j + 1:i + 1]):
                i = j  # "Thacker Pass is held through a joint venture in which": what the venture holds
        if self.doc[i].text == ",":
            i -= 1
        if self.doc[i].lower_ in {"province", "region", "state", "district", "county"} and self.ents_at(i - 1) \
                is not None:
            i -= 1  # "Olaroz in Jujuy province, where"
        if self.doc[i].text == ")" and self.ents_at(i - 1) is not None and self.doc[i - 2].text == "(":
            i -= 3  # "Kamoto Copper Company (KCC), a joint venture in which"
        found = self.ents_at(i)
        # "Kamoto Copper Company (KCC) near Kolwezi, in which": past the locative and the bracketed abbreviation
        while found is not None and (found.label_ == LOC or self.doc[found.start - 1].lower_ in _LOCATIVES
                                     or self.doc[found.start - 1].text == "("):
            i = found.start - 1
            while i > self.sent.start and (self.doc[i].text in {"(", ")", ","} or self.doc[i].lower_ in _LOCATIVES
                                           or self.doc[i].lower_ in _DIRECTIONS):
                i -= 1
            found = self.ents_at(i) if i >= self.sent.start else None
        return found if found is not None and found.label_ in {ORG, FAC} else None

    def _outputs(self, index: int, relation: str):
        """The facility before the trigger (else after it) makes or treats the minerals after it (else the nearest
        before): "from X" is feedstock (PROCESSES), "into X" output (PRODUCES), as in "converts spodumene
        concentrate into lithium hydroxide"; a mineral "from <mine>" is that mine's product."""
        # the facility that makes it stands in the same clause, not far back ("..., and the Kemerton plant produces")
        facilities = [e for e in self._of({FAC}, before=index)
                      if index - e.end <= 15 and not self._clause_break(e.end - 1, index)]
        which = next((i for i in range(index - 1, max(self.sent.start, index - 5) - 1, -1)
                      if self.doc[i].lower_ in {"which", "where"}), None)
        if which is not None:  # "the refinery at Kwinana, south of Perth, which is designed to produce"
            antecedent = self._antecedent_of(which)
            facilities = [antecedent] if antecedent is not None and antecedent.label_ == FAC else facilities
        located_at = [e for e in self._of({FAC}, after=index) if self._cue_before(e.start) in {"at", "in", "by"}]
        if located_at and self._cue_before(located_at[0].start) == "at":
            # "SQM extracts lithium from brine in the Salar de Atacama ... and produces lithium carbonate at its Salar
            # del Carmen plants": where the output is made, said after the verb, wins over any site before it
            facilities = []
        if not facilities:  # "produces magnets at a new facility", not "... from Greenbushes concentrate"
            facilities = located_at
        if not facilities or self._hedged(min(facilities[0].start, index), index):
            return
        if facilities[0].start > index and self._cue_before(facilities[0].start) == "at":
            makers = self._of({ORG}, before=index)  # "MP Materials will produce magnets at a new facility in ..."
            if makers:
                yield self._fact(makers[0], "OPERATES", facilities[0], {}, 0.5)
        groups: list[list[Span]] = []
        for mineral in self._of({MIN}, after=index):
            if any(mineral in group for group in groups):
                continue
            if groups and self._cue_before(mineral.start) in {"including", "notably", "as"}:
                groups[-1] = groups[-1] + self._coordinated(mineral)  # "rare earth oxides including neodymium"
            else:
                groups.append(self._coordinated(mineral))
        if not groups:
            groups = [[m] for m in self._of({MIN}, before=index)[:1]]
        # "120,000 t/y of contained nickel in the form of mixed hydroxide precipitate": the form is the product
        formed = [g for g in groups[1:] if g[0].start >= 3 and self.doc[g[0].start - 1].lower_ == "of"
                  and self.doc[g[0].start - 2].lower_ == "form"]
        if formed:
            groups = [formed[0]]
        stop = next((i for i, rel, _ in self.triggers if i > index and rel in {"PRODUCES", "PROCESSES"}), None)
        groups = [g for n, g in enumerate(groups) if (stop is None or g[0].start < stop)
                  and (n == 0 or self._cue_before(g[0].start) in {"from", "into"})]
        attributes = self._attributes(index, relation, "active")
        for group in groups[:2]:
            cue = self._cue_before(group[0].start)
            predicate = "PROCESSES" if cue == "from" else "PRODUCES" if cue == "into" else relation
            for mineral in group:
                yield self._fact(facilities[0], predicate, mineral, attributes if predicate == relation else {}, 0.6)
            source = next((e for e in self.ents if e.label_ == FAC and e.start > group[-1].end
                           and self._cue_before(e.start) == "from"), None)
            if source is not None and source.start - group[-1].end <= 4 and source is not facilities[0]:
                for mineral in group:
                    yield self._fact(source, "PRODUCES", mineral, {}, 0.5)

    def _cue_before(self, start: int) -> str:
        """The word before a mention, past adjectives and names that qualify it ("from Greenbushes spodumene
        concentrate", "into battery-grade lithium hydroxide", "from the company's mine")."""
        i = start - 1
        while i > self.sent.start and (self.doc[i].lower_ in _QUALIFIERS or self.doc[i].ent_type_ in {FAC, ORG}
                                       or (self.doc[i].text[:1].isupper() and self.doc[i].lower_ not in _CUES)):
            i -= 1
        return self.doc[i].lower_ if i >= self.sent.start else ""

    def joint_owners(self, found: list[CandidateFact]) -> list[CandidateFact]:
        """Two organisations that own one thing in a sentence about a joint venture are partners ("a joint venture
        owned 75% by Sayona and 25% by Piedmont")."""
        owners: dict[str, list[EntityMention]] = {}
        shares: dict[str, dict[str, float]] = {}
        for fact in found:
            if fact.predicate == "OWNS" and fact.subject.type == ORG:
                if fact.subject.name not in shares.setdefault(fact.object.name, {}):
                    owners.setdefault(fact.object.name, []).append(fact.subject)
                shares[fact.object.name][fact.subject.name] = float(fact.attributes.get("percentage", 0))
        # "a joint venture ...", "each hold 39.6%", or shares that add up to the whole ("75% ... the remaining 25%")
        venture = not {"venture", "jv", "jointly", "partners", "together", "50:50", "equally", "invest", "co-own",
                       "each"}.isdisjoint(self.words)
        out = []
        for owned, group in owners.items():
            if not venture and not 99 <= sum(shares[owned].values()) <= 101:
                continue
            for n, first in enumerate(group):
                for second in group[n + 1:]:
                    out.append(CandidateFact(first, "PARTNERSHIP", second, {}, evidence=self.sent.text,
                                             start_char=self.sent.start_char, end_char=self.sent.end_char,
                                             confidence=0.5))
        return out

    def restriction_continued(self, previous: CandidateFact) -> list[CandidateFact]:
        """The sentence after an export restriction says what else "the rules" cover ("The rules cover synthetic
        graphite as well as natural flake graphite"): the same country restricts those too."""
        if self._of({LOC}):
            return []  # a sentence that names a country speaks for itself
        cover = next((t.i for t in self.sent if t.lower_ in _COVERS), None)
        own = [i for i, rel, _ in self.triggers if rel == "EXPORT_RESTRICTION"]
        if own:  # "Licensing requirements for gallium took effect in August 2023, and controls on antimony ..."
            out = []
            for n, index in enumerate(own):
                end = own[n + 1] if n + 1 < len(own) else self.sent.end
                if self._hedged(self.sent.start, index):
                    continue
                attributes = self._attributes(index, "EXPORT_RESTRICTION", "active")
                dates = [q for q in self.quantities if q.label_ in {"DATE", "YEAR"} and index < q.start < end]
                if dates:
                    attributes["effective_date"] = iso_date(dates[-1].text)
                for mineral in [m for m in self._of({MIN}) if m.start < end and (n == 0 or m.start > index)
                                and not self._know_how(m)]:
                    out.append(CandidateFact(previous.subject, "EXPORT_RESTRICTION", self._mention(mineral),
                                             attributes, evidence=self.sent.text, start_char=self.sent.start_char,
                                             end_char=self.sent.end_char, confidence=0.5))
            return out
        if cover is None or _MEASURE_NOUNS.isdisjoint(self.words) or self._hedged(self.sent.start, cover):
            return []
        return [CandidateFact(previous.subject, "EXPORT_RESTRICTION", self._mention(mineral),
                              dict(previous.attributes), evidence=self.sent.text, start_char=self.sent.start_char,
                              end_char=self.sent.end_char, confidence=0.5) for mineral in self._of({MIN}, after=cover)
                if not self._know_how(mineral) and "not" not in self.words[cover - self.sent.start + 1:]]

    def _membership(self):
        """"India joined the partnership", "The founding partners were A, B and C": each member is a PARTNERSHIP
        with the grouping (an organisation named a partnership, alliance, ... here or by "the partnership")."""
        if _MEMBERSHIP.isdisjoint(self.words) or self._hedged(self.sent.start, self.sent.start):
            return
        groupings = [e for e in self.ents if e.label_ == ORG
                     and not _GROUPINGS.isdisjoint(self._mention(e).name.lower().split())]
        if not groupings:
            earlier = [m for m in (self.doc._.mentions or []) if m.type == ORG and m.end_char <= self.sent.start_char
                       and not _GROUPINGS.isdisjoint(m.name.lower().split())]
            if not earlier or (_GROUPINGS | {"members", "member", "partners"}).isdisjoint(self.words):
                return
            grouping: Span | EntityMention = earlier[-1]
        else:
            grouping = groupings[0]
        grouping_name = grouping.name if isinstance(grouping, EntityMention) else self._mention(grouping).name
        for token in self.sent:
            if token.lower_ not in _MEMBERSHIP:
                continue
            if token.lower_ in {"joined", "join", "joins", "joining"}:
                left = self._of({ORG, LOC}, before=token.i)
                members = self._coordinated_before(left[0]) if left else []
            else:
                verb = self._word_after(token.i, {"were", "are", "include", "included", "includes", "comprise",
                                                  "comprised", ":"}, limit=6)
                right = self._of({ORG, LOC}, after=verb) if verb is not None else []
                members = self._coordinated(right[0]) if right else []
            for member in members:
                name = self._mention(member).name
                if name != grouping_name:
                    target = grouping if isinstance(grouping, EntityMention) else self._mention(grouping)
                    yield CandidateFact(self._mention(member), "PARTNERSHIP", target, {}, evidence=self.sent.text,
                                        start_char=self.sent.start_char, end_char=self.sent.end_char,
                                        confidence=0.6)

    def _other_deal(self) -> bool:
        """A supply or a stake deal in the sentence; not an "investment agreement" with a government."""
        return any(rel in {"SUPPLIES", "OWNS"} and not self.doc[i].lower_.startswith("invest")
                   for i, rel, _ in self.triggers)

    def _partners(self, index: int):
        """"a joint venture between A and B", "A signed an MoU with B and C", "A, B and C signed a partnership",
        "its long-standing partner Tsingshan"."""
        types = {ORG, LOC}
        word = self.words[index - self.sent.start]
        named = next((e for e in self.ents if e.label_ == ORG and 0 < e.start - index <= 2
                      and all(t.text == "," for t in self.doc[index + 1:e.start])), None)
        if word in {"partner", "partners"} and named is not None:
            owner = self._possessor_before(index)
            if owner is None and any(self.doc[i].lower_ in {"its", "their"}
                                     for i in range(max(self.sent.start, index - 3), index)):
                owner = next(iter(self._of({ORG}, before=index)[::-1]), None)
            if owner is not None and owner is not named:
                yield owner, named, 0.6
                return
        between = self._word_after(index, {"between"}, limit=4)
        by = self._word_after(index, {"by", "of"}, limit=3)  # "the joint venture formed by Ford and SK On"
        if between is None and by is not None and self.words[index - self.sent.start] in {"venture", "jv"}:
            between = by  # "a joint venture of Tsingshan and Bintang Delapan"
        if between is not None:
            pair = self._of(types, after=between)[:1]
            group = self._coordinated(pair[0]) if pair else []
            if len(group) >= 2:
                yield from self._pairs(group, 0.7)
                return
        # a place the text only locates something in ("in Victoria, Australia") is not a party
        left = [e for e in self._of(types, before=index) if e.label_ == ORG or not self._locative(e)]
        named_venture = self._ents_ending_at(index - (self.doc[index - 1].lower_ in {"joint", "50:50"}))
        possessive_venture = named_venture is not None and named_venture.start > self.sent.start \
            and self.doc[named_venture.start - 1].lower_ in {"its", "their"}  # "its Covalent Lithium joint venture"
        if possessive_venture or (index - 2 >= self.sent.start
                                  and {"its", "their"} & {self.doc[index - 1].lower_, self.doc[index - 2].lower_}):
            left = self._of({ORG}, before=index)[-1:]  # "TLEA, its joint venture with Tianqi": its = the opener
            if self.doc[index - 1].lower_ == "their" or self.doc[index - 2].lower_ == "their":
                # "developed by Antam and Inalum through their joint venture": the group just before "their"
                nearest = [e for e in self._of({ORG}, before=index) if not self._in_brackets(e.start - 1)][:1]
                group = self._coordinated_before(nearest[0]) if nearest else []
                if len(group) >= 2:  # "developed by Antam and Inalum through their joint venture"
                    yield from self._pairs(group, 0.6)
                    return
        right_start = self._word_after(index, {"with"}, limit=6)
        right = [self._possessed(e) for e in self._of(types, after=right_start)] if right_start is not None else []
        apposed = self._apposed_to(index) if word in {"venture", "jv"} else None
        if apposed is not None and right:
            # "GM builds its cells through Ultium Cells, a joint venture with LG Energy Solution": the venture's other
            # party is the sentence's subject, not the venture
            subject = next((e for e in self.ents if e.label_ == ORG and e.end <= apposed.start), None)
            left = [subject] if subject is not None else left
        if left and right:
            for other in self._coordinated(right[0]):
                yield left[0], other, 0.7
            return
        if len(left) >= 2:  # "A and B formed a joint venture", "A, B and C have signed an agreement"
            group = self._coordinated_before(left[0])
            if len(group) >= 2:
                yield from self._pairs(group, 0.6)

    def _ents_ending_at(self, end: int) -> Span | None:
        return next((e for e in self.ents if e.end == end and e.label_ == ORG), None)

    def _apposed_to(self, index: int) -> Span | None:
        """The name a description such as ", a 50:50 joint venture" follows."""
        i = index - 1
        while i > self.sent.start and self.ents_at(i) is None and (self.doc[i].is_lower or self.doc[i].like_num
                                                                   or self.doc[i].text in {"50:50", "-"}):
            i -= 1
        if i <= self.sent.start or self.doc[i].text != "," or index - i > 5:
            return None
        if self.doc[i - 1].text == ")" and i >= 4 and self.doc[i - 3].text == "(":
            i -= 3  # "Kamoto Copper Company (KCC), a joint venture"
        return self.ents_at(i - 1)

    def _share_after(self, ent: Span) -> Span | None:
        """The percentage right after a party, past "the remaining" ("Gécamines the remaining 25%")."""
        return next((q for q in self.quantities if q.label_ == "PERCENT" and 0 <= q.start - ent.end <= 3
                     and all(t.lower_ in {"the", "remaining", "other", "rest", "balance"}
                             for t in self.doc[ent.end:q.start])), None)

    def gapped_owners(self, found: list[CandidateFact]) -> list[CandidateFact]:
        """"Glencore holds 75% and the state miner Gécamines the remaining 25%": the second owner's verb is gapped."""
        out = []
        for fact in found:
            if fact.predicate != "OWNS" or "percentage" not in fact.attributes:
                continue
            for ent in self.ents:
                if ent.label_ != ORG or ent.start_char <= fact.subject.end_char:
                    continue
                share = self._share_after(ent)
                before = self.doc[max(self.sent.start, ent.start - 4):ent.start]
                joined = next((t.i for t in before if t.lower_ == "and"), None)
                if share is None or joined is None or not all(t.is_lower for t in self.doc[joined:ent.start]):
                    continue
                out.append(CandidateFact(self._mention(ent), "OWNS", fact.object,
                                         {"percentage": quantity_of(share).value}, evidence=self.sent.text,
                                         start_char=self.sent.start_char, end_char=self.sent.end_char,
                                         confidence=0.5))
        return out

    def _locative(self, ent: Span) -> bool:
        """A place named as where something is: after in/at/near/of/from, or after ", " following another place."""
        i = ent.start - 1
        if i > self.sent.start and self.doc[i].lower_ == "the":
            i -= 1  # "in the Northern Cape"
        before = self.doc[i] if i >= self.sent.start else None
        if before is None:
            return False
        if before.lower_ in {"in", "at", "near", "of", "from", "outside"}:
            return True
        return before.text == "," and any(e.end == ent.start - 1 and e.label_ == LOC for e in self.ents)

    def _coordinated_before(self, last: Span) -> list[Span]:
        out = [last]
        for ent in reversed([e for e in self.ents if e.end <= last.start]):
            # past a bracketed abbreviation: "PT Aneka Tambang (Antam) and PT Indonesia Asahan Aluminium"
            gap = [t for t in self.doc[ent.end:out[0].start] if not self._in_brackets(t.i)]
            if ent.label_ in {ORG, LOC} and len(gap) <= 3 and all(t.lower_ in {"and", ",", "&", "the"} for t in gap) \
                    and any(t.lower_ != "the" for t in gap):  # "Japan and the United States"
                out.insert(0, ent)
            else:
                break
        return out

    def _in_brackets(self, i: int) -> bool:
        return self.doc[i].text in {"(", ")"} or (i > self.sent.start and i + 1 < self.sent.end
                                                  and self.doc[i - 1].text == "(" and self.doc[i + 1].text == ")")

    @staticmethod
    def _pairs(group: list[Span], confidence: float):
        for n, first in enumerate(group):
            for second in group[n + 1:]:
                yield first, second, confidence

    def _attributes(self, index: int, relation: str, mode: str) -> dict:
        words = set(self.words)
        if relation == "OWNS":
            # the nearest percentage no other ownership word stands closer to ("Harita holds a 45.1% stake in HPL,
            # with Lygend holding most of the remainder": Lygend's share is not stated)
            others = [i for i, rel, _ in self.triggers if rel == "OWNS" and i != index]
            percents = [q for q in self.quantities if q.label_ == "PERCENT"
                        and not any(min(q.start, index) < i < max(q.start, index) for i in others)]
            percent = min(percents, key=lambda q: abs(q.start - index)) if percents else None
            status = None  # a standing holding ("holds 49%") reports no transaction
            if words & {"completed", "completes", "completion", "closed", "finalised", "finalized"}:
                status = "completed"
            elif words & _AGREED:
                status = "agreed"
            elif words & _TRANSACTIONS:
                status = "completed"
            value = quantity_of(percent).value if percent else None
            if value is None and ({"wholly", "fully"} & words or "full ownership" in self.sent.text.lower()):
                value = 100
            return {"percentage": value, "status": status}
        if relation in {"PRODUCES", "PROCESSES"}:
            capacity = self._quantity({"RATE", "MASS", "ENERGY"}, index)
            if capacity is None:
                return {}
            value, unit = self._amount(capacity)
            return {"capacity": value, "unit": unit}
        if relation == "SUPPLIES":
            volume = self._quantity({"RATE", "MASS"}, index)
            out: dict = {}
            if volume is not None:
                value, unit = self._amount(volume)
                out.update(volume=value, unit=unit)
            out.update(self._years())
            return out
        if relation == "EXPORT_RESTRICTION":
            measure = next((m for w in [self.words[index - self.sent.start], *self.words] for m, cues in
                            _MEASURES.items() if w in cues), "restriction")
            dates = [q for q in self.quantities if q.label_ in {"DATE", "YEAR"}]
            effective = [q for q in dates if self.doc[q.start - 1].lower_ in _EFFECTIVE_CUES] or dates
            return {"measure": measure, "effective_date": iso_date(effective[0].text) if effective else None}
        return {}

    def _amount(self, span: Span) -> tuple[float | None, str]:
        """A quantity in our units: tonnes as "t" (kt and Mt scaled), "dmt"/"wmt" kept, "/y" when the text gives a
        yearly rate ("12,000 tonnes of battery packs a year" too); energy as written."""
        quantity = quantity_of(span)
        if span.label_ == "ENERGY" or quantity.value is None:
            return quantity.value, quantity.unit
        words = quantity.unit.replace("/", " / ").split()
        value = quantity.value
        unit = "t"
        for word in words:
            low = word.lower().rstrip(".")
            if low in {"dmt", "wmt"}:
                unit = low
            elif low in {"dry", "wet"}:  # "dry metric tonnes"
                unit = low[0] + "mt"
            elif low in {"kt", "ktpa", "kilotonnes"}:
                value *= 1000
            elif word in {"Mt", "Mtpa"} or low == "mtpa":
                value *= 1_000_000
            elif low in {"kg"}:
                unit = "kg"
        joined = re.search(r"\d(kt|Mt|ktpa|Mtpa)", span.text)
        if joined:
            value *= 1000 if joined.group(1).startswith("k") else 1_000_000
        ahead = [t.lower_ for t in self.doc[span.end:min(self.sent.end, span.end + 8)]]
        yearly = span.label_ == "RATE" or any(w in {"tpa", "ktpa", "mtpa", "tpy"} for w in map(str.lower, words)) \
            or any(a in {"a", "per", "each"} and b in {"year", "annum"} for a, b in itertools.pairwise(ahead)) \
            or "annually" in ahead
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value, unit + ("/y" if yearly else "")

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
            if i + 2 < self.sent.end and self.doc[i].text == "(" and self.doc[i + 2].text == ")":
                i += 3  # "North American Lithium (NAL) operation at La Corne"
            # "Mutanda copper and cobalt operation in", "Mountain Pass mine and processing facility in"
            while i < self.sent.end and self.ents_at(i) is None and (
                    self.doc[i].lower_ in _FACILITY_WORDS or self.doc[i].lower_ in {"and", "brine", "site"}):
                i += 1
            while i < self.sent.end and self.doc[i].lower_ in {",", "which", "is", "located", "situated", "based",
                                                                "sits", "lies"}:
                i += 1
            # "located around 135 km north of Alice Springs": past the distance
            while i < self.sent.end and (self.doc[i].like_num or self.doc[i].lower_ in _DISTANCE_WORDS):
                i += 1
            # "located north of Leinster in the Goldfields region": the reference point is not the location
            if i + 2 < self.sent.end and self.doc[i].lower_ in _DIRECTIONS and self.doc[i + 1].lower_ == "of":
                landmark = self.ents_at(i + 2)
                i = landmark.end if landmark is not None else i
            if i < self.sent.end and self.doc[i].lower_ in {"in", "near", "at", "outside"}:
                i += 1
                i = self._skip_fillers(i)
            elif i == ent.end or self.doc[ent.end].text != ",":
                i = -1
            place = next((e for e in self.ents if e.start == i and e.label_ == LOC), None)
            confidence = 0.6
            if place is None:
                place, confidence = self._place_further_on(ent), 0.45
            if place is None and len(self._coordinated(ent)) > 1:
                # "the Barro Alto and Codemin ferronickel operations, both in Goiás": the list's place
                place, confidence = self._place_of_last(self._coordinated(ent)[-1]), 0.45
            if place is not None and any(t.lower_ in _NEGATIONS for t in self.doc[ent.end:place.start]):
                place = None  # "the plant is not in Australia"
            while place is not None:
                yield self._fact(ent, "LOCATED_IN", place, {}, confidence)
                place = self._wider_place(place)
            # "Australia's Greenbushes mine"
            previous = next((e for e in self.ents if e.end == ent.start - 1 and e.label_ == LOC
                             and self.doc[e.end].lower_ in {"'s", "’s"}), None)  # noqa: RUF001
            if previous is not None:
                yield self._fact(ent, "LOCATED_IN", previous, {}, 0.5)

    def containments(self) -> list[CandidateFact]:
        """Each place followed by the place that contains it ("Debrecen, Hungary"), for ``_site_places``."""
        out = []
        for place in self.ents:
            wider = self._wider_place(place) if place.label_ == LOC else None
            if wider is not None:
                out.append(self._fact(place, _CONTAINS, wider, {}, 0.4))
        return out

    def _place_of_last(self, facility: Span) -> Span | None:
        i = self._skip_fillers(facility.end)
        while i < self.sent.end and self.ents_at(i) is None and self.doc[i].lower_ in _FACILITY_WORDS | {
                ",", "both", "all", "each", "located", "which", "are", "sit", "lie"}:
            i += 1
        if i < self.sent.end and self.doc[i].lower_ in {"in", "near", "at"}:
            i = self._skip_fillers(i + 1)
            return next((e for e in self.ents if e.start == i and e.label_ == LOC), None)
        return None

    def _place_further_on(self, facility: Span) -> Span | None:
        """"the Silver Peak operation, the only producing lithium brine in the country, in Nevada": a place after
        "in"/"at"/"near" a few words on, with no other party, facility or clause in between."""
        for i in range(facility.end, min(self.sent.end - 1, facility.end + 14)):
            word = self.doc[i].lower_
            inside = self.ents_at(i)
            if self._in_brackets(i):
                continue  # "North American Lithium (NAL), the spodumene operation near La Corne"
            if word in {"said", "says", "which", "that", ";", "while", "but", "where", "whose", "from", "to", "for"} \
                    or (inside is not None and inside.label_ in {ORG, FAC}) or self.doc[i].is_sent_end:
                return None
            if word in {"in", "near", "at"}:
                j = self._skip_fillers(i + 1)
                place = next((e for e in self.ents if e.start == j and e.label_ == LOC), None)
                if place is not None:
                    return place
        return None

    def ents_at(self, i: int) -> Span | None:
        return next((e for e in self.ents if e.start <= i < e.end), None)

    def _skip_fillers(self, i: int) -> int:
        """Past "the", "central", "province of" ... but not into a place name ("Western Australia")."""
        starts = {e.start for e in self.ents}
        while i < self.sent.end and self.doc[i].lower_ in _PLACE_FILLERS and i not in starts:
            i += 1
        return i

    def _wider_place(self, place: Span) -> Span | None:
        """The place that contains ``place`` as the text writes it: "Fredrikstad, Norway", "near Bunbury in
        Western Australia", "in the Pilbara region of Western Australia"."""
        i = place.end
        while i < self.sent.end and self.doc[i].lower_ in {"region", "province", "state", "district", "county",
                                                            "territory", "area", "range", "belt", "basin"}:
            i += 1
        if i >= self.sent.end or self.doc[i].lower_ not in {",", "in", "of"}:
            return None
        i += 1
        if self.doc[i - 1].text == "," and i < self.sent.end and self.doc[i].lower_ == "in":
            i += 1  # "in Billy-Berclau, in the Hauts-de-France region"
        start = i
        i = self._skip_fillers(i)
        if any(self.doc[j].lower_ in _DIRECTIONS for j in range(start, i)):
            return None  # "Kwinana, south of Perth": a landmark, not the containing place
        wider = next((e for e in self.ents if e.start == i and e.label_ == LOC), None)
        if wider is None or (self.doc[place.end].text == "," and self._list_follows(wider)):
            return None
        return wider

    def _list_follows(self, place: Span) -> bool:
        """``place`` is an item of a list ("in Ontario, New York, Arizona and Alabama"), not a containing place
        ("in Schwarzheide, Brandenburg, Germany" has no "and")."""
        current = place
        while current.end < self.sent.end and self.doc[current.end].lower_ in {",", "and", "or"}:
            following = next((e for e in self.ents if e.start in {current.end + 1, current.end + 2}
                              and e.label_ == LOC), None)
            if following is None:
                return False
            if any(t.lower_ in {"and", "or"} for t in self.doc[current.end:following.start]):
                return True
            current = following
        return False

    def _named_products(self):
        """A facility named after its product makes it ("the Kemerton lithium hydroxide plant": PRODUCES Lithium
        hydroxide; "a rare earths processing facility": PROCESSES) when the sentence gives a capacity just before
        the name ("a 50,000 t/y lithium hydroxide plant") or speaks of production."""
        named = self.doc.user_data.get("cm_facility_minerals") or {}
        for ent in self.ents:
            found = named.get((ent.start, ent.end))
            if ent.label_ != FAC or not found:
                continue
            capacity = next((q for q in self.quantities if q.label_ in {"RATE", "ENERGY"}
                             and 0 <= ent.start - q.end <= 3), None)
            if capacity is None:
                capacity = next((q for q in self.quantities if q.label_ in {"RATE", "ENERGY"}
                                 and ent.start <= q.start < ent.end), None)
            producing = any(rel in {"PRODUCES", "PROCESSES"} for _, rel, _ in self.triggers) \
                or not _OUTPUT_CUES.isdisjoint(self.words)
            if capacity is None and not producing:
                continue  # a plant's name alone ("operates the Kemerton lithium hydroxide plant") states no output
            attributes: dict = {}
            if capacity is not None:
                quantity = quantity_of(capacity)
                attributes = {"capacity": quantity.value, "unit": quantity.unit}
            subject = self._mention(ent)
            for mineral, after in found:
                relation = "PROCESSES" if after in _PROCESS_WORDS else "PRODUCES"
                yield CandidateFact(subject, relation, mineral, attributes, evidence=self.sent.text,
                                    start_char=self.sent.start_char, end_char=self.sent.end_char, confidence=0.5)

    def _facility_supplies(self, index: int) -> bool:
        """A facility, not a company, is what supplies, and no buyer is named: it states the facility's output."""
        before = [e for e in self.ents if e.end <= index and e.label_ in {ORG, FAC}
                  and not self._clause_break(e.end - 1, index)]
        buyers = [e for e in self._of({ORG}, after=index)]
        return bool(before) and before[-1].label_ == FAC and not buyers

    def _shipped_from(self):
        """"Shipments of NCM cathode material from the company's cathode plant in Gwangyang": what a facility
        ships, it makes."""
        for token in self.sent:
            if token.lower_ not in {"shipment", "shipments", "exports", "deliveries", "cargo", "cargoes", "output",
                                    "production", "sales"}:
                continue
            # "shipments of NCM cathode from ...", "spodumene concentrate output from the Kathleen Valley project"
            minerals = [m for m in self._of({MIN}, after=token.i) if m.start - token.i <= 6] \
                or [m for m in self.ents if m.label_ == MIN and m.end == token.i]
            sources = [e for e in self._of({FAC}, after=token.i) if minerals and 0 < e.start - max(token.i, minerals[
                0].end) <= 8 and self._cue_before(e.start) in {"from", "at"}]
            if minerals and sources and not self._hedged(token.i, sources[0].start):
                for mineral in self._coordinated(minerals[0]):
                    yield self._fact(sources[0], "PRODUCES", mineral, {}, 0.5)

    def _shipped_to(self):
        """"natural graphite, part of which is shipped to Syrah's Vidalia facility": what is shipped to a facility
        is its feedstock."""
        for token in self.sent:
            to = token.i + 1 < self.sent.end and self.doc[token.i + 1].lower_ == "to"
            at = token.i + 1 < self.sent.end and self.doc[token.i + 1].lower_ in {"at", "in", "into"}
            if not ((token.lower_ in {"shipped", "sent", "delivered", "trucked", "railed", "transported", "fed"} and to)
                    or (token.lower_ in {"used", "consumed", "fed"} and at)):
                continue  # "shipped to the Vidalia facility", "the NMC cathode used at Billy-Berclau"
            targets = [e for e in self._of({FAC}, after=token.i) if e.start - token.i <= 6]
            minerals = [m for m in self._of({MIN}, before=token.i) if token.i - m.end <= 12]
            if targets and minerals and not self._hedged(minerals[0].start, token.i):
                yield self._fact(targets[0], "PROCESSES", minerals[0], {}, 0.5)

    def _held_through(self):
        """"The Hengjaya Mine is held through PT Hengjaya Mineralindo": the company it is held through owns it;
        "X operates the project through its subsidiary Z", "wholly owned by X through Z": X owns Z."""
        for token in self.sent:
            if token.lower_ not in {"through", "via"} or token.i + 1 >= self.sent.end:
                continue
            k = token.i + 1
            while k < self.sent.end and self.doc[k].lower_ in {"its", "their", "the", "wholly-owned", "wholly",
                                                                "owned", "subsidiary", "unit", "affiliate", "-"}:
                k += 1
            company = self.ents_at(k)
            if company is None or company.label_ != ORG or company.start != k or self._hedged(token.i, k):
                continue
            words = [t.lower_ for t in self.doc[max(self.sent.start, token.i - 3):token.i]]
            if "held" in words or "owned" in words:
                held = [e for e in self._of({FAC, ORG}, before=token.i) if e.start < token.i]
                owner = [e for e in self._of({ORG}, before=token.i) if self.doc[e.start - 1].lower_ == "by"]
                if owner:  # "wholly owned by Jervois Global through Jervois Mining USA"
                    yield self._fact(owner[0], "OWNS", company, {}, 0.5)
                elif held:
                    yield self._fact(company, "OWNS", held[0], {}, 0.5)
            elif any(self.doc[i].lower_ in {"subsidiary", "unit", "affiliate"} for i in range(token.i + 1, k)):
                parents = self._of({ORG}, before=token.i)
                if parents:
                    yield self._fact(parents[-1] if len(parents) > 1 else parents[0], "OWNS", company, {}, 0.5)

    def _asset_lists(self):
        """"Arcadium Lithium's assets include the Fénix operation ..., Olaroz ... and the Mt Cattlin mine": the
        owner holds each facility listed."""
        for token in self.sent:
            if token.lower_ not in {"assets", "portfolio"} or token.i + 1 >= self.sent.end \
                    or self.doc[token.i + 1].lower_ not in {"include", "includes", "included", "comprise", "comprises"}:
                continue
            owner = self._possessor_before(token.i)
            if owner is None or owner.label_ != ORG or self._hedged(owner.start, token.i):
                continue
            for ent in self._of({FAC}, after=token.i + 1):
                yield self._fact(owner, "OWNS", ent, {}, 0.5)

    def _possessive_operates(self):
        for ent in self.ents:
            if ent.label_ != FAC:
                continue
            before = ent.start - 1
            while before > self.sent.start and self.doc[before].lower_ in {"own", "new", "existing", "flagship"}:
                before -= 1
            if before >= self.sent.start and self.doc[before].lower_ in {"its", "their"}:
                # "Albemarle said its Kemerton plant ...": the sentence's first organisation that is not itself a
                # possessor ("Silmet's feedstock came from Energy Fuels, which shipped it from its mill")
                owner = next((e for e in self.ents if e.label_ == ORG and e.end <= before
                              and not (e.end < self.sent.end and self.doc[e.end].lower_ in {"'s", "’s"})), None)  # noqa: RUF001
                if owner is not None and not self._hedged(owner.start, ent.start):
                    yield self._fact(owner, "OPERATES", ent, {}, 0.5)
            # "the Albemarle-operated Kemerton plant"
            if ent.start >= 3 and self.doc[ent.start - 1].lower_ in {"operated", "run", "managed"} \
                    and self.doc[ent.start - 2].text == "-":
                owner = next((e for e in self.ents if e.label_ == ORG and e.end == ent.start - 2), None)
                if owner is not None:
                    yield self._fact(owner, "OPERATES", ent, {}, 0.6)
            owner = next((e for e in self.ents if e.end == ent.start - 1 and e.label_ == ORG
                          and self.doc[e.end].lower_ in {"'s", "’s", "'", "’"}), None)  # noqa: RUF001
            if owner is not None and not self._hedged(owner.start, ent.start):
                yield self._fact(owner, "OPERATES", ent, {}, 0.5)
