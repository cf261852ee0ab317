"""The trained relation model: one logistic regression per relation type over ``relation_features`` features.

Small on purpose: a few hundred annotated documents do not support more, and a linear model over named features can be
read, stored as JSON in the repository and retrained in seconds. Training is full-batch
gradient descent (Adam) from zero weights, so the same examples always give the same model.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("model") / "relations.json"
MIN_FEATURE_COUNT = 2  # a feature seen once in training is noise, not evidence
L2 = 1.0
EPOCHS = 300
LEARNING_RATE = 0.1
WEIGHT_DIGITS = 4
MIN_WEIGHT = 0.02  # smaller weights change no decision measurably and would triple the file


@dataclass(frozen=True)
class Example:
    relation: str
    features: Sequence[str]
    positive: bool


@dataclass
class RelationModel:
    weights: dict[str, dict[str, float]]  # relation type -> feature -> weight
    bias: dict[str, float]
    add_threshold: float  # a pair the rules missed becomes a fact at this probability or above
    drop_threshold: float  # a rule's fact goes when the model gives every pair behind it less than this
    features_version: str
    metadata: dict = field(default_factory=dict)  # what it was trained on, and how

    def probability(self, relation: str, features: Iterable[str]) -> float:
        weights = self.weights.get(relation)
        if weights is None:
            return 0.0
        z = self.bias[relation] + sum(map(weights.get, features, itertools.repeat(0.0)))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))

    def as_json(self) -> dict:
        return {"features_version": self.features_version, "add_threshold": self.add_threshold,
                "drop_threshold": self.drop_threshold, "metadata": self.metadata, "bias": self.bias,
                "weights": self.weights}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=0, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RelationModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=data["weights"], bias=data["bias"], add_threshold=data["add_threshold"],
                   drop_threshold=data["drop_threshold"], features_version=data["features_version"],
                   metadata=data.get("metadata", {}))


def train(examples: Sequence[Example], *, features_version: str, add_threshold: float, drop_threshold: float,
          metadata: dict | None = None) -> RelationModel:
    """One regression per relation type that has positive examples, over the features seen at least twice."""
    counts = Counter(f for e in examples for f in set(e.features))
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_FEATURE_COUNT)
    index = {f: i for i, f in enumerate(vocabulary)}
    weights, bias = {}, {}
    for relation in sorted({e.relation for e in examples if e.positive}):
        rows = [e for e in examples if e.relation == relation]
        w = _fit([[index[f] for f in e.features if f in index] for e in rows], [e.positive for e in rows],
                 len(vocabulary))
        bias[relation] = round(float(w[-1]), WEIGHT_DIGITS)
        weights[relation] = {vocabulary[i]: round(float(v), WEIGHT_DIGITS) for i, v in enumerate(w[:-1])
                             if abs(v) >= MIN_WEIGHT}
    return RelationModel(weights, bias, add_threshold, drop_threshold, features_version, dict(metadata or {}))


def _fit(rows: list[list[int]], labels: list[bool], size: int) -> np.ndarray:
    """Weights (the last one the bias) minimising mean log loss plus an L2 penalty on all but the bias."""
    bias = size
    row_of = np.concatenate([np.full(len(r) + 1, n) for n, r in enumerate(rows)])
    column = np.concatenate([np.array([*r, bias], dtype=np.int64) for r in rows])
    y = np.array(labels, dtype=float)
    w, m, v = np.zeros(size + 1), np.zeros(size + 1), np.zeros(size + 1)
    penalised = np.ones(size + 1)
    penalised[bias] = 0.0
    for step in range(1, EPOCHS + 1):
        z = np.bincount(row_of, weights=w[column], minlength=len(rows))
        error = 1 / (1 + np.exp(-z)) - y
        gradient = (np.bincount(column, weights=error[row_of], minlength=size + 1) + L2 * penalised * w) / len(rows)
        m = 0.9 * m + 0.1 * gradient
        v = 0.999 * v + 0.001 * gradient * gradient
        w -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w
