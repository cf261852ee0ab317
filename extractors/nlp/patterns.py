"""Entity-ruler patterns: generated from the graph's own labels and aliases, plus hand-written ones in patterns/.

Each generated pattern's ``id`` is the entity's IRI, so a match links straight to the graph (``ent.ent_id_``).
Hand-written patterns (``patterns/*.jsonl``) map product names to their commodity IRI; the shape patterns (companies,
facilities, government bodies) carry an id starting with ``shape:`` and yield candidate entities, not links.

Case policy (see docs/model.md, NLP section):

- commodities, countries, places and organisations: case-insensitive (``LOWER``), except labels of three
  characters or fewer, and labels written with inner capitals (acronyms, formulae: "MHP", "NdFeB"), which match
  their exact case, token by token;
- two-letter labels (element symbols "Ni", "Co", country codes) are never patterns: too ambiguous in prose;
- facilities: exact case only (their names are proper nouns, and many are ordinary words: "Fenix", "Lot 3"), and a
  one-word facility name must be at least five letters and not a common word.

>>> rows = [("https://w3id.org/critmin/id/commodity/cobalt", "Cobalt", True, "commodity", 1),
...         ("https://w3id.org/critmin/id/commodity/cobalt", "Co", False, "commodity", 1)]
>>> [(p["pattern"], p["name"]) for p in patterns_from_rows(rows)]
[([{'LOWER': 'cobalt'}], 'Cobalt')]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.rq import load_query
from kg.search import PRIMARY_LABEL_PROPERTIES, kind_of
from kg.store import query

PATTERNS_VERSION = "cm.graph_patterns.v4"
PATTERN_FOLDER = Path(__file__).with_name("patterns")
LABEL_OF_KIND = {"commodity": "MINERAL", "country": "LOCATION", "place": "LOCATION", "facility": "FACILITY",
                 "organisation": "ORGANIZATION"}
# Aggregates and bookkeeping places that are not places in prose.
_SKIPPED_LABELS = {"world", "world total", "world total rounded", "other countries", "other", "total", "rest of world"}
_COMMON_WORDS = {
    "about", "access", "alpha", "apex", "atlas", "beta", "bonanza", "central", "copper", "delta", "eagle", "east",
    "eastern", "emerald", "energy", "fenix", "gold", "golden", "great", "green", "liberty", "lithium", "main",
    "mining", "nickel", "north", "northern", "phoenix", "pioneer", "plant", "project", "queen", "silver", "south",
    "southern", "star", "summit", "union", "victoria", "victory", "west", "western", "world",
}
_WORD = re.compile(r"(?<=\w)['\u2019]s\b|\w+|[^\w\s]")  # "Voisey's" is "Voisey" + "'s", as spaCy splits it


def _tokens(label: str) -> list[str]:
    """A rough tokenisation that agrees with spaCy's on names: words and single punctuation marks."""
    return _WORD.findall(label)


def patterns_from_rows(rows: Iterable[tuple[str, str, bool, str, int]]) -> list[dict]:
    """Entity-ruler patterns (label, token pattern, id = IRI) from ``label_rows`` rows."""
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    names: dict[str, str] = {}
    for iri, label, _primary, kind, _popularity in _with_variants(rows):
        entity_label = LABEL_OF_KIND.get(kind)
        if kind == "place" and label.split()[-1:] == ["Union"]:
            entity_label = "ORGANIZATION"  # a union of states acts (signs, restricts) as an organisation
        label = " ".join(label.split())
        if entity_label is None or not label or "/" in label or "(" in label:
            continue
        names.setdefault(iri, label)  # rows give an entity's primary label first
        tokens = _tokens(label)
        letters = sum(ch.isalpha() for ch in label)
        if letters <= 2 or label.casefold() in _SKIPPED_LABELS or not tokens:
            continue
        exact = kind == "facility" or len(label) <= 3 or any(ch.isupper() for t in tokens for ch in t[1:])
        if kind == "facility":
            if len(tokens) == 1 and (len(label) < 5 or label.casefold() in _COMMON_WORDS):
                continue
            if not label[0].isupper():
                continue
        key = (iri, label if exact else label.casefold())
        if key in seen:
            continue
        seen.add(key)
        attribute = "ORTH" if exact else "LOWER"
        pattern = [{attribute: t if exact else t.casefold()} for t in tokens]
        out.append({"label": entity_label, "pattern": pattern, "id": iri, "name": names[iri]})
    return out


_INVERTED = re.compile(r"^(?P<head>[^,]+), (?P<tail>.+ (of|of the))$")


def _with_variants(rows: Iterable[tuple[str, str, bool, str, int]]) -> Iterator[tuple[str, str, bool, str, int]]:
    """Each row, then for an inverted country label ("Korea, Republic of") its prose order ("Republic of Korea").
    The primary label stays first, so names are unchanged."""
    for row in rows:
        yield row
        iri, label, _primary, kind, popularity = row
        match = _INVERTED.match(" ".join(label.split()))
        if kind == "country" and match:
            tail, head = match["tail"], match["head"]
            forms = {f"{tail} {head}"}
            if tail.lower().startswith("the "):  # "Democratic Republic of the Congo" without its article
                forms.add(f"{tail[4:]} {head}")
            forms |= {re.sub(r" of the$", " of", form.removesuffix(f" {head}")) + f" {head}" for form in forms}
            for form in sorted(forms):  # "Democratic Republic of Congo"
                yield iri, form, False, kind, popularity


def label_rows(store) -> list[tuple[str, str, bool, str, int]]:
    """(iri, label, is primary, kind, 0) for every label of every entity search indexes, an entity's labels together
    with its primary ones first. The order of the rows decides which of two entities with one label a pattern
    names (the relation model was trained on it), so it is the query's, not search's."""
    types: dict[str, set[str]] = {}
    labels: dict[str, dict[str, bool]] = {}
    for row in query(store, load_query(__file__, "pattern_labels")):
        iri = row["entity"].value
        if row["type"] is not None:
            types.setdefault(iri, set()).add(row["type"].value)
        by_text = labels.setdefault(iri, {})
        text = row["label"].value
        by_text[text] = by_text.get(text, False) or row["property"].value in PRIMARY_LABEL_PROPERTIES
    out = []
    for iri, by_text in labels.items():
        kind = kind_of(types.get(iri, ()))
        if kind is not None:
            out.extend((iri, text, primary, kind, 0)
                       for text, primary in sorted(by_text.items(), key=lambda item: (not item[1], item[0])))
    return out


def graph_patterns(store) -> list[dict]:
    """Patterns for every commodity, country, place, facility and organisation label in ``store``."""
    return patterns_from_rows(label_rows(store))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(patterns: Iterable[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for pattern in patterns:
            out.write(json.dumps(pattern, ensure_ascii=False) + "\n")
    temporary.replace(path)
    return path


def static_patterns(folder: Path = PATTERN_FOLDER) -> Iterator[dict]:
    """The hand-written patterns, by file name order."""
    for path in sorted(folder.glob("*.jsonl")):
        yield from read_jsonl(path)


def store_fingerprint(store_path: Path) -> str:
    """A key that changes whenever the store on disk changes (names, sizes and times of its files)."""
    digest = hashlib.sha1(PATTERNS_VERSION.encode())
    for path in sorted(store_path.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cached_graph_patterns(store_path: Path, *, open_store: Callable | None = None) -> Path:
    """The JSONL file of the graph patterns of the store at ``store_path``, built once per store state.

    Files live beside the store in ``<store>.nlp/``; older ones are removed when a new one is written.
    """
    folder = store_path.with_name(store_path.name + ".nlp")
    target = folder / f"graph-patterns-{store_fingerprint(store_path)}.jsonl"
    if target.exists():
        return target
    if open_store is None:
        from kg.store import open_store_read_only as open_store
    store = open_store(store_path)
    write_jsonl(graph_patterns(store), target)
    for old in folder.glob("graph-patterns-*.jsonl"):
        if old != target:
            old.unlink(missing_ok=True)
    return target
