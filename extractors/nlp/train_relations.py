"""Train the relation model (``relation_model``) on annotated corpus folders and write it as JSON.

    python -m extractors.nlp.train_relations --store var/store tests/nlp/corpus/dev ... [--out PATH]

Each candidate pair (``relation_features.candidates``) of each document is an example for each relation type it fits,
positive when the document's gold annotations hold that relation between the two names (compared as the scorer
compares them). The store gives the pipeline its graph name patterns, as for ``critmin extract``, so train with the
store the model will run on (the bundled data). The model records the folders, a digest of their texts and
annotations and the feature version, so a test can tell when it is stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from extractors.documents import read_document
from extractors.nlp.pipeline import load_pipeline
from extractors.nlp.relation_features import FEATURES_VERSION, candidates
from extractors.nlp.relation_model import MODEL_PATH, Example, train
from extractors.nlp.scoring import SYMMETRIC, gold_aliases, normalise

# Chosen on held-aside folders (see docs/nlp.md): adding at 0.65 and dropping below 0.05 gave the best relation F1
# there; both sides of each figure were flat within ±0.1 of it.
ADD_THRESHOLD = 0.65
DROP_THRESHOLD = 0.05


def corpus_documents(folders: list[Path]) -> list[tuple[Path, dict]]:
    """(text file, gold annotations) of each annotated document in ``folders``, sorted by path."""
    out = []
    for folder in folders:
        for gold_path in sorted(folder.glob("*.json")):
            text_path = gold_path.with_suffix(".txt")
            if text_path.exists():
                out.append((text_path, json.loads(gold_path.read_text(encoding="utf-8"))))
    return out


def corpus_digest(documents: list[tuple[Path, dict]]) -> str:
    """sha256 over each document's text and annotation files, in order."""
    digest = hashlib.sha256()
    for text_path, _ in documents:
        digest.update(text_path.read_bytes())
        digest.update(text_path.with_suffix(".json").read_bytes())
    return digest.hexdigest()


def gold_relations(gold: dict) -> set[tuple[str, str, str]]:
    types = {e["name"]: e["type"] for e in gold.get("entities", [])}
    out = set()
    for rel in gold.get("relations", []):
        s, o = normalise(rel["subject"], types.get(rel["subject"])), normalise(rel["object"], types.get(rel["object"]))
        out.add((rel["type"], *sorted((s, o))) if rel["type"] in SYMMETRIC else (rel["type"], s, o))
    return out


def examples_of(nlp, text_path: Path, gold: dict) -> list[Example]:
    doc = nlp(read_document(text_path).text)
    relations, aliases = gold_relations(gold), gold_aliases(gold)

    def key(name: str, entity_type: str) -> str:
        normal = normalise(name, entity_type)
        return aliases.get((entity_type, normal), normal)

    out = []
    for candidate in candidates(doc):
        s, o = key(candidate.subject.name, candidate.subject.type), key(candidate.object.name, candidate.object.type)
        for relation in candidate.relations:
            pair = tuple(sorted((s, o))) if relation in SYMMETRIC else (s, o)
            out.append(Example(relation, candidate.features, (relation, *pair) in relations))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="annotated corpus folders (text and gold .json)")
    parser.add_argument("--store", type=Path, required=True, help="store whose graph names the pipeline uses")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"model file (default {MODEL_PATH})")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        print(f"train_relations: error: not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    documents = corpus_documents(args.folders)
    if not documents:
        print("train_relations: error: no annotated documents (a .txt with its .json) in those folders",
              file=sys.stderr)
        return 2
    nlp = load_pipeline(args.store, relation_model=False)
    examples: list[Example] = []
    for n, (text_path, gold) in enumerate(documents, 1):
        examples += examples_of(nlp, text_path, gold)
        if n % 20 == 0 or n == len(documents):
            print(f"train_relations: {n}/{len(documents)} documents read, {len(examples)} examples", file=sys.stderr)
    metadata = {"id": corpus_digest(documents)[:12], "corpus_sha256": corpus_digest(documents),
                "folders": [f.as_posix() for f in args.folders], "documents": len(documents),
                "examples": len(examples), "positives": sum(e.positive for e in examples)}
    model = train(examples, features_version=FEATURES_VERSION, add_threshold=ADD_THRESHOLD,
                  drop_threshold=DROP_THRESHOLD, metadata=metadata)
    model.save(args.out)
    size = sum(len(w) for w in model.weights.values())
    print(f"train_relations: {len(documents)} documents, {len(examples)} examples ({metadata['positives']} positive); "
          f"{len(model.weights)} relation types, {size} weights; written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
