"""``cm_org_evidence``: a capitalised phrase stays a new organisation only when the text treats it as one.

Candidate organisations come from capitalised runs no pattern matched (``cm_names``), and capitalised prose has many
that are not organisations (programme names, people, places we do not know, headline words). A candidate that the
graph does not know is kept when the text treats it as an organisation at least once: it is mentioned twice or takes
part in a fact (unless every word of it is one the text also writes in lower case, or it is one word that reads as a
common noun or adjective: "Project", "Indicative"), looks like a company or an institution by its own words ("...
Resources", "... Ltd", "Ministry of ..."), is an acronym, is introduced with an abbreviation in brackets or described
by an apposition ("X, the state's export credit agency"), is one of a list of three or more names, or stands next to
a word that only an organisation takes ("X said", "the miner X", "state-owned X", "X's subsidiary", "X executive").
Dropped candidates leave the entity list, and the facts made about them go with them.
"""

from __future__ import annotations

import itertools

from spacy.language import Language
from spacy.tokens import Doc

ORG = "ORGANIZATION"
_COMPANY_ENDINGS = set(
    "ltd limited inc incorporated corp corporation company co plc ag sa nv se spa gmbh llc lp bv pty oy oyj ab asa "
    "tbk kk group holdings holding mining minerals resources metals materials energy chemicals chemical technologies "
    "industries partners capital lithium cobalt nickel copper graphite battery batteries motors motor automotive "
    "steel aluminium alumina fund bank agency authority ministry department office commission council institute "
    "association administration survey exchange partnership alliance union organization organisation court congress "
    "parliament tribunal regulator committee university".split()
)
_INSTITUTION_OPENERS = {"ministry", "department", "authority", "office", "agency", "bureau", "commission", "council",
                        "institute", "organization", "organisation", "state", "government"}
# Verbs only an actor takes ("X said"); not copulas or auxiliaries, which any noun takes ("Construction is ...").
_VERBS_AFTER = set("said says announced agreed signed plans expects reported added noted told acquired owns operates "
                   "produces supplies holds bought sold invested formed completed began started opened".split())
_CUES_BEFORE = set("company group firm miner miners producer producers maker makers developer refiner recycler "
                   "carmaker automaker partner partners shareholder subsidiary unit venture operator owner buyer "
                   "seller supplier customer customers state-owned listed rival peer trader investor lender insurer "
                   "merger acquisition takeover including".split())
_CUES_AFTER = {"group", "unit", "subsidiary", "division", "arm", "executive", "executives", "shareholders",
               "spokesperson", "spokesman", "spokeswoman"}
_GENERIC_NOUNS = set("company project group mine plant refinery operation operations facility venture partnership "
                     "agreement kingdom government board upstream downstream midstream phase stage media reports "
                     "analysts officials sources record concentrate mines indicative".split())
_COMMON_ENDINGS = ("tion", "sion", "ment", "ive", "ity", "ness", "ance", "ence", "ing", "ous", "ical", "ally")


@Language.factory("cm_org_evidence", requires=["doc._.mentions", "doc._.facts"], assigns=["doc._.mentions"])
def make_org_evidence(nlp: Language, name: str) -> OrganisationEvidence:
    return OrganisationEvidence()


class OrganisationEvidence:
    def __call__(self, doc: Doc) -> Doc:
        mentions = list(doc._.mentions or [])
        candidates = [m for m in mentions if m.type == ORG and m.iri is None]
        if not candidates:
            return doc
        counts: dict[str, int] = {}
        for m in candidates:
            counts[m.name] = counts.get(m.name, 0) + 1
        in_facts = {f.subject.name for f in doc._.facts or []} | {f.object.name for f in doc._.facts or []}
        lower_words = {t.lower_ for t in doc if t.is_lower}
        evident = {name for name, n in counts.items() if _shaped(name)
                   or ((n > 1 or name in in_facts) and not _common_words(name, lower_words) and not generic(name))}
        for m in candidates:
            if m.name not in evident and not generic(m.name) and _context(doc, m.start_char, m.end_char):
                evident.add(m.name)
        # "Orbis Energy Solution and Cobalt Ridge Holdings signed": an item of a list of organisations is one too
        organisations = sorted((m for m in mentions if m.type == ORG and (m.iri or m.name in evident)),
                               key=lambda m: m.start_char)
        for m in candidates:
            if m.name not in evident and any(_listed_together(doc, m, other) for other in organisations):
                evident.add(m.name)
        # "offtake agreements with Volkswagen, Renault, LG Energy Solution and Umicore": a list of three or more names
        ordered = sorted(candidates, key=lambda m: m.start_char)
        for n in range(len(ordered) - 2):
            run = ordered[n:n + 3]
            if all(_listed_together(doc, a, b) for a, b in itertools.pairwise(run)):
                evident.update(m.name for m in run if not generic(m.name))
        dropped = {m.name for m in candidates if m.name not in evident}
        doc._.mentions = [m for m in mentions if not (m.type == ORG and m.iri is None and m.name in dropped)]
        # a fact about a word that is not an organisation ("the Project", "Indicative") is not a fact either
        doc._.facts = [f for f in doc._.facts or [] if not ({(f.subject.type, f.subject.name),
                                                             (f.object.type, f.object.name)}
                                                            & {(ORG, name) for name in dropped})]
        return doc


def _listed_together(doc: Doc, a, b) -> bool:
    first, second = (a, b) if a.start_char < b.start_char else (b, a)
    between = doc.text[first.end_char:second.start_char].strip()
    return between in {"and", ",", "&", ", and"}


def _common_words(name: str, lower_words: set[str]) -> bool:
    """"Hub", "Strategic Projects": every word is one the text also writes in lower case, so a capitalised use is
    a heading or an emphasis more often than a name; such a candidate needs a context that only names take."""
    words = name.lower().split()
    return not name.isupper() and all(w in lower_words or w.rstrip("s") in lower_words or f"{w}s" in lower_words
                                      for w in words)


def generic(name: str) -> bool:
    """One word that names a kind of thing ("Project", "Company", "Kingdom") or reads as an ordinary noun or adjective
    by its ending ("Evaluation", "Indicative", "Upstream"): company names are seldom built that way."""
    return " " not in name and not name.isupper() and (name.lower() in _GENERIC_NOUNS
                                                         or name.lower().endswith(_COMMON_ENDINGS))


def _shaped(name: str) -> bool:
    words = name.replace(",", " ").replace(".", " ").split()
    return bool(words) and ((name.replace(".", "").replace("-", "").isupper() and len(words) == 1)
                            or words[-1].lower() in _COMPANY_ENDINGS or words[0].lower() in _INSTITUTION_OPENERS)


def _context(doc: Doc, start_char: int, end_char: int) -> bool:
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    if span is None:
        return False
    after = doc[span.end:span.end + 3]
    before = [t.lower_ for t in doc[max(span.sent.start, span.start - 3):span.start]]
    if len(after) and after[0].text == "(":
        return True  # "Khanij Bidesh India Ltd. (KABIL)"
    if len(after) and after[0].lower_ in {"'s", "\u2019s"} and len(after) > 1 \
            and after[1].lower_ in _CUES_BEFORE | {"shares", "stake", "chief", "board", "plant", "mine", "project"}:
        return True
    if len(after) and (after[0].lower_ in _VERBS_AFTER | _CUES_AFTER
                       or (after[0].text == "," and span.start == span.sent.start)):
        return True
    if len(after) > 1 and after[0].text == "," and after[1].lower_ in {"the", "a", "an", "its"}:
        apposition = {t.lower_ for t in doc[span.end + 2:min(span.sent.end, span.end + 7)]}
        if apposition & (_CUES_BEFORE | _COMPANY_ENDINGS):
            return True  # "Export Finance Australia, the government's export credit agency"
    return bool(_CUES_BEFORE.intersection(before))
