"""Entity patterns matched fast: the entity ruler's rules, with phrase matchers for plain names.

The graph gives thousands of name patterns (every label and alias of every commodity, country, place and facility).
spaCy's token ``Matcher`` tries each pattern at each token, so with ~4,000 of them it spent 96% of the pipeline's time
(bench/nlp.py). Most are plain word sequences matched by lower case or exact text, which a ``PhraseMatcher`` finds
by hash look-up whatever their number. ``PatternMatcher`` routes each pattern to the matcher that can take it and
keeps the token ``Matcher`` for the few with regular expressions, sets or operators (shapes of company names).

``cm_entity_patterns`` then chooses among overlapping matches as spaCy's entity ruler does: longer first, then
earlier; entities already set are kept. Between matches of the same span a place wins (a town that also names a
mine in the graph is, in prose, mostly the town: "south of Perth"), then the pattern added first, so graph labels
(added first, see ``pipeline.build_pipeline``) win over hand-written shapes.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

_PHRASE_ATTRS = {"LOWER": "LOWER", "ORTH": "ORTH", "TEXT": "ORTH"}


class PatternMatcher:
    """Token patterns (lists of attribute dicts) or phrase strings under string keys; ``__call__`` gives
    ``(key, start, end)`` for every match, each key in the order it was first added (its ``priority``)."""

    def __init__(self, vocab: Vocab, make_doc=None) -> None:
        self.vocab = vocab
        self.make_doc = make_doc
        self.phrases = {attr: PhraseMatcher(vocab, attr=attr) for attr in {"LOWER", "ORTH"}}
        self.tokens = Matcher(vocab)
        self.priority: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.priority)

    def add(self, entries: Iterable[tuple[str, list[dict] | str]]) -> None:
        phrases: dict[tuple[str, str], list[Doc]] = {}
        for key, pattern in entries:
            self.priority.setdefault(key, len(self.priority))
            attr = self._phrase_attr(pattern)
            if attr is None:
                self.tokens.add(key, [pattern])
            elif isinstance(pattern, str):
                phrases.setdefault((key, attr), []).append(self.make_doc(pattern))
            else:
                words = [next(iter(token.values())) for token in pattern]
                phrases.setdefault((key, attr), []).append(Doc(self.vocab, words=words))
        for (key, attr), docs in phrases.items():
            self.phrases[attr].add(key, docs)

    def _phrase_attr(self, pattern: list[dict] | str) -> str | None:
        if isinstance(pattern, str):
            return "ORTH" if self.make_doc is not None else None
        attrs = set()
        for token in pattern:
            if len(token) != 1 or not isinstance(next(iter(token.values())), str):
                return None
            attrs.add(_PHRASE_ATTRS.get(next(iter(token))))
        return attrs.pop() if len(attrs) == 1 and None not in attrs and pattern else None

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        strings = self.vocab.strings
        found = {(strings[key], start, end) for matcher in (*self.phrases.values(), self.tokens) if len(matcher)
                 for key, start, end in matcher(doc) if start != end}
        return sorted(found, key=lambda m: (m[1], m[2], self.priority[m[0]]))


@Language.factory("cm_entity_patterns", requires=[], assigns=["doc.ents"])
def make_entity_patterns(nlp: Language, name: str) -> EntityPatterns:
    return EntityPatterns(nlp)


class EntityPatterns:
    """Patterns as the entity ruler takes them (``{"label", "pattern", "id"}``), matched by ``PatternMatcher``."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = PatternMatcher(nlp.vocab, nlp.make_doc)
        self.meta: dict[str, tuple[str, str]] = {}
        self.names: dict[str, str] = {}  # key -> the entity's primary label, when the pattern gives it

    def add_patterns(self, patterns: Iterable[dict]) -> None:
        entries = []
        for pattern in patterns:
            label, pattern_id = pattern["label"], str(pattern.get("id") or "")
            key = f"{label}\x1f{pattern_id}"
            self.meta[key] = (label, pattern_id)
            if pattern.get("name"):
                self.names[key] = str(pattern["name"]).casefold()
            entries.append((key, pattern["pattern"]))
        self.matcher.add(entries)

    def __call__(self, doc: Doc) -> Doc:
        priority = self.matcher.priority
        # longest first; then places; then, of several entities with this name, the one whose own label it is
        # ("Voisey's Bay" the mine, not a deposit that has it as an alias)
        matches = sorted(self.matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1], self.meta[m[0]][0] != "LOCATION",
                                                           self.names.get(m[0]) != doc[m[1]:m[2]].text.casefold(),
                                                           priority[m[0]]))
        ents = list(doc.ents)
        taken = {i for ent in ents for i in range(ent.start, ent.end)}
        for key, start, end in matches:
            if taken.isdisjoint(range(start, end)):
                label, pattern_id = self.meta[key]
                ents.append(Span(doc, start, end, label=label, span_id=pattern_id))
                taken.update(range(start, end))
        doc.ents = sorted(ents)
        return doc
