"""``cm_relation_classifier``: the trained relation model (``relation_model``) second-guesses the rules.

Runs after the rules and the organisation evidence step. A pair of mentions the rules made no fact of becomes one
when the model is confident (``add_threshold``); a rule's fact goes when the model finds every sentence behind it
very unlikely to state it (``drop_threshold``). Facts about one place made at document level (a facility named after
a town) have no pair to judge and stay. A fact the model adds carries its probability as confidence, the model's
name as extractor, and no attributes: the model says which relation holds, not the share or capacity.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from extractors.facts import CandidateFact
from extractors.nlp.components import hedged
from extractors.nlp.relation_features import FEATURES_VERSION, Candidate, candidates
from extractors.nlp.relation_model import MODEL_PATH, RelationModel

SYMMETRIC = frozenset({"PARTNERSHIP"})


@Language.factory("cm_relation_classifier", requires=["doc._.mentions", "doc._.facts"], assigns=["doc._.facts"],
                  default_config={"model_path": str(MODEL_PATH)})
def make_relation_classifier(nlp: Language, name: str, model_path: str) -> RelationClassifier:
    return RelationClassifier(RelationModel.load(Path(model_path)))


class RelationClassifier:
    def __init__(self, model: RelationModel) -> None:
        if model.features_version != FEATURES_VERSION:
            raise ValueError(f"the relation model was trained on features {model.features_version!r}, but the "
                             f"pipeline computes {FEATURES_VERSION!r}: retrain it (make train-relations)")
        self.model = model
        self.version = f"cm.relation-model.{model.metadata.get('id', 'untracked')}"

    def __call__(self, doc: Doc) -> Doc:
        best: dict[tuple[str, str, str], tuple[float, Candidate]] = {}
        for candidate in candidates(doc):
            for relation in candidate.relations:
                if relation in self.model.weights:
                    p = self.model.probability(relation, candidate.features)
                    key = _key(relation, candidate.subject.name, candidate.object.name)
                    if key not in best or p > best[key][0]:
                        best[key] = (p, candidate)
        facts = [f for f in doc._.facts or []
                 if best.get(_key(f.predicate, f.subject.name, f.object.name), (1.0,))[0]
                 >= self.model.drop_threshold]
        made = {_key(f.predicate, f.subject.name, f.object.name) for f in doc._.facts or []}
        for (relation, _, _), (p, candidate) in best.items():
            key = _key(relation, candidate.subject.name, candidate.object.name)
            # the model reads hedges poorly (few examples), so it states nothing where the rules would see one
            if p >= self.model.add_threshold and key not in made and not hedged(candidate.sentence, *candidate.tokens):
                sent = candidate.sentence
                facts.append(CandidateFact(candidate.subject, relation, candidate.object, {}, evidence=sent.text,
                                           start_char=sent.start_char, end_char=sent.end_char,
                                           confidence=round(p, 3), extractor=self.version))
                made.add(key)
        doc._.facts = facts
        return doc


def _key(relation: str, subject: str, obj: str) -> tuple[str, str, str]:
    if relation in SYMMETRIC and obj < subject:
        subject, obj = obj, subject
    return relation, subject, obj

