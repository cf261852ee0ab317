"""Score extracted entities and relations against gold annotations.

Both sides use the shape `critmin extract --json` prints: one object per document,
`{"doc_id", "entities": [{"type", "name", "mentions"}], "relations": [{"type", "subject", "object", "attributes"}]}`.

Entities match on (type, normalised name), relations on (type, normalised subject, normalised object); PARTNERSHIP
is symmetric, so its two ends are compared as an unordered pair. Names are normalised leniently: accents folded,
case, punctuation and whitespace ignored, and corporate suffixes (Ltd, Inc, Corporation, plc, AG, Group, ...) dropped.
Facilities are matched on their site name, as organisations are without their legal form: a parenthesis and trailing
type and product words go ("the Kemerton lithium hydroxide plant", "Kemerton refinery" and "Kemerton" name one
facility; "Mt Holland (Earl Grey)" is "Mt Holland"). A relation's ends are normalised by the type their document's
entity list gives the name. A predicted name that is one of a gold entity's annotated mentions (of the same type)
stands for that entity: a system that calls SQM "Sociedad Química y Minera de Chile" has found SQM.
``--strict`` turns the last two leniencies off (names then match on case, punctuation and legal form only).
Attributes are scored separately: for each relation matched, each gold attribute value is compared with the
predicted one (numbers numerically, strings after normalisation).

    python -m extractors.nlp.scoring GOLD_DIR PRED.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ENTITY_TYPES = ("ORGANIZATION", "MINERAL", "FACILITY", "LOCATION")
RELATION_TYPES = (
    "OPERATES",
    "OWNS",
    "LOCATED_IN",
    "PRODUCES",
    "PROCESSES",
    "SUPPLIES",
    "PARTNERSHIP",
    "EXPORT_RESTRICTION",
)
SYMMETRIC = frozenset({"PARTNERSHIP"})

# Dropped from the end of a name (repeatedly, so "Holdings Co. Ltd" goes too) and compared after punctuation is gone.
CORPORATE_SUFFIXES = frozenset(
    "ltd limited inc incorporated corp corporation plc ag sa nv co company group holdings holding llc gmbh pty se spa "
    "bv ab asa oyj tbk pt kk sas lp".split()
)
# "PT Vale Indonesia Tbk", "The Lithium Company": dropped from the start.
LEADING_WORDS = frozenset({"the", "pt"})


# Trailing words of a facility name that say what kind of site or product it is, not which site.
FACILITY_WORDS = frozenset(
    "plant plants refinery refineries mine mines facility facilities project projects operation operations site "
    "gigafactory "
    "complex hub concentrator smelter works campus deposit pit open pilot demonstration conversion processing "
    "recycling separation chemical chemicals materials cathode anode battery cell cells magnet magnets hpal lithium "
    "hydroxide carbonate spodumene concentrate nickel cobalt copper graphite rare earth earths manganese sulphate "
    "sulfate precursor black mass".split()
)


def normalise(name: str, entity_type: str | None = None) -> str:
    """Lenient form of a name: accents folded, lower case, no punctuation, no corporate suffixes."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ")
    text = re.sub("[\u2019'`]", "", text)  # "Côte d'Ivoire" -> "cote divoire", "Lynas'" -> "lynas"
    text = re.sub(r"[^\w\s]|_", " ", text)
    words = text.split()
    while len(words) > 1 and words[-1] in CORPORATE_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in LEADING_WORDS:
        words.pop(0)
    if entity_type == "FACILITY":
        words = normalise(re.sub(r"\([^)]*\)", " ", name)).split()
        while len(words) > 1 and words[-1] in FACILITY_WORDS:
            words.pop()
    return " ".join(words)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class AttributeCounts:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Report:
    entities: dict[str, Counts] = field(default_factory=dict)
    relations: dict[str, Counts] = field(default_factory=dict)
    attributes: dict[str, AttributeCounts] = field(default_factory=dict)
    documents: int = 0
    missing_documents: list[str] = field(default_factory=list)

    @property
    def entity_micro(self) -> Counts:
        return _total(self.entities.values())

    @property
    def relation_micro(self) -> Counts:
        return _total(self.relations.values())

    @property
    def attribute_micro(self) -> AttributeCounts:
        total = AttributeCounts()
        for counts in self.attributes.values():
            total.correct += counts.correct
            total.total += counts.total
        return total

    def as_dict(self) -> dict:
        def row(c: Counts) -> dict:
            return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall, "f1": c.f1}

        return {
            "documents": self.documents,
            "missing_documents": self.missing_documents,
            "entities": {k: row(v) for k, v in sorted(self.entities.items())} | {"micro": row(self.entity_micro)},
            "relations": {k: row(v) for k, v in sorted(self.relations.items())} | {"micro": row(self.relation_micro)},
            "attributes": {
                k: {"correct": v.correct, "total": v.total, "accuracy": v.accuracy}
                for k, v in sorted(self.attributes.items())
            },
        }

    def table(self) -> str:
        lines = [f"Documents scored: {self.documents}"]
        if self.missing_documents:
            lines.append(f"No prediction for {len(self.missing_documents)}: {', '.join(self.missing_documents)}")
        header = f"{'type':<20} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>6} {'R':>6} {'F1':>6}"

        def block(title: str, rows: dict[str, Counts], micro: Counts) -> None:
            lines.extend(["", title, header, "-" * len(header)])
            for name in sorted(rows):
                lines.append(_row(name, rows[name]))
            lines.extend(["-" * len(header), _row("micro", micro)])

        block("Entities", self.entities, self.entity_micro)
        block("Relations", self.relations, self.relation_micro)
        lines.extend(["", "Attributes (on matched relations)", f"{'attribute':<20} {'right':>6} {'of':>6} {'acc':>6}"])
        for name in sorted(self.attributes):
            a = self.attributes[name]
            lines.append(f"{name:<20} {a.correct:>6} {a.total:>6} {a.accuracy:>6.3f}")
        a = self.attribute_micro
        lines.append(f"{'all':<20} {a.correct:>6} {a.total:>6} {a.accuracy:>6.3f}")
        return "\n".join(lines)


def _row(name: str, c: Counts) -> str:
    return f"{name:<20} {c.tp + c.fn:>5} {c.tp + c.fp:>5} {c.tp:>5} {c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f}"


def _total(counts: Iterable[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        total.add(c)
    return total


Aliases = dict[tuple[str, str], str]


def _key(name: str, entity_type: str | None, aliases: Aliases, strict: bool) -> str:
    key = normalise(name, None if strict else entity_type)
    return aliases.get((entity_type or "", key), key)


def gold_aliases(gold_doc: dict) -> Aliases:
    """(type, normalised mention) -> the normalised canonical name of the one gold entity with that mention."""
    canonical = {(e["type"], normalise(e["name"], e["type"])) for e in gold_doc.get("entities", [])}
    found: dict[tuple[str, str], set[str]] = {}
    for entity in gold_doc.get("entities", []):
        name = normalise(entity["name"], entity["type"])
        for mention in entity.get("mentions", []):
            key = (entity["type"], normalise(mention, entity["type"]))
            if key not in canonical:
                found.setdefault(key, set()).add(name)
    return {key: next(iter(names)) for key, names in found.items() if len(names) == 1}


def _entity_keys(doc: dict, aliases: Aliases | None = None, strict: bool = False) -> set[tuple[str, str]]:
    return {(e["type"], _key(e["name"], e["type"], aliases or {}, strict)) for e in doc.get("entities", [])}


def _entity_types(doc: dict) -> dict[str, str]:
    return {e["name"]: e["type"] for e in doc.get("entities", [])}


def _relation_key(rel: dict, types: dict[str, str] | None = None, aliases: Aliases | None = None,
                  strict: bool = False) -> tuple[str, str, str]:
    types, aliases = types or {}, aliases or {}
    s = _key(rel["subject"], types.get(rel["subject"]), aliases, strict)
    o = _key(rel["object"], types.get(rel["object"]), aliases, strict)
    if rel["type"] in SYMMETRIC and o < s:
        s, o = o, s
    return rel["type"], s, o


def _relations(doc: dict, aliases: Aliases | None = None, strict: bool = False) -> dict[tuple[str, str, str], dict]:
    """Relation key -> attributes; a duplicate relation merges its attributes into the first."""
    out: dict[tuple[str, str, str], dict] = {}
    types = _entity_types(doc)
    for rel in doc.get("relations", []):
        key = _relation_key(rel, types, aliases, strict)
        attrs = out.setdefault(key, {})
        for k, v in (rel.get("attributes") or {}).items():
            attrs.setdefault(k, v)
    return out


def _same_value(gold, pred) -> bool:
    if pred is None:
        return gold is None
    if isinstance(gold, bool) or isinstance(pred, bool):
        return gold == pred
    if isinstance(gold, int | float) or isinstance(pred, int | float):
        try:
            g, p = float(gold), float(pred)
        except (TypeError, ValueError):
            return False
        return abs(g - p) <= 1e-6 * max(1.0, abs(g))
    return normalise(str(gold)) == normalise(str(pred))


def _count(gold: set, pred: set) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for key in gold | pred:
        c = out.setdefault(key[0], Counts())
        if key in gold and key in pred:
            c.tp += 1
        elif key in gold:
            c.fn += 1
        else:
            c.fp += 1
    return out


def score(gold: list[dict], predicted: list[dict], *, strict: bool = False) -> Report:
    """Score predicted documents against gold ones, matched by doc_id.

    Predicted documents with no gold counterpart are ignored (so a prediction over the whole corpus can be scored
    against one split); a gold document with no prediction counts as all missed."""
    report = Report()
    for t in ENTITY_TYPES:
        report.entities[t] = Counts()
    for t in RELATION_TYPES:
        report.relations[t] = Counts()
    by_id = {d["doc_id"]: d for d in predicted}
    for gdoc in gold:
        report.documents += 1
        pdoc = by_id.get(gdoc["doc_id"])
        if pdoc is None:
            report.missing_documents.append(gdoc["doc_id"])
            pdoc = {"doc_id": gdoc["doc_id"], "entities": [], "relations": []}
        aliases = {} if strict else gold_aliases(gdoc)
        for t, c in _count(_entity_keys(gdoc, strict=strict), _entity_keys(pdoc, aliases, strict)).items():
            report.entities.setdefault(t, Counts()).add(c)
        grels, prels = _relations(gdoc, strict=strict), _relations(pdoc, aliases, strict)
        for t, c in _count(set(grels), set(prels)).items():
            report.relations.setdefault(t, Counts()).add(c)
        for key in grels.keys() & prels.keys():
            for name, value in grels[key].items():
                a = report.attributes.setdefault(name, AttributeCounts())
                a.total += 1
                a.correct += _same_value(value, prels[key].get(name))
    return report


def load_gold(folder: Path) -> list[dict]:
    """Every `*.json` gold file in a folder (or below it, when the folder holds only sub-folders)."""
    files = sorted(folder.glob("*.json")) or sorted(folder.rglob("*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractors.nlp.scoring", description=__doc__.splitlines()[0])
    parser.add_argument("gold_dir", type=Path, help="folder of gold <stem>.json files")
    parser.add_argument("predictions", type=Path, help="JSON array as printed by `critmin extract --json`")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    parser.add_argument("--strict", action="store_true",
                        help="match names on case, punctuation and legal form only (no site names, no mentions)")
    args = parser.parse_args(argv)
    gold = load_gold(args.gold_dir)
    if not gold:
        print(f"no gold files in {args.gold_dir}", file=sys.stderr)
        return 2
    predicted = json.loads(args.predictions.read_text(encoding="utf-8"))
    if isinstance(predicted, dict):
        predicted = [predicted]
    report = score(gold, predicted, strict=args.strict)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
