"""The trained relation model: training, the pipeline component, and the model shipped in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.nlp import train_relations
from extractors.nlp.patterns import patterns_from_rows
from extractors.nlp.pipeline import build_pipeline, extract_document
from extractors.nlp.relation_classifier import RelationClassifier
from extractors.nlp.relation_features import FEATURES_VERSION, candidates
from extractors.nlp.relation_model import MODEL_PATH, Example, RelationModel, train

PROJECT = Path(__file__).resolve().parents[2]
C = "https://w3id.org/critmin/id/"
ROWS = [
    (C + "facility/kemerton", "Kemerton", True, "facility", 1),
    (C + "country/AUS", "Australia", True, "country", 1),
    (C + "commodity/lithium", "Lithium", True, "commodity", 1),
]


def test_training_learns_the_feature_that_decides_and_is_deterministic():
    examples = [Example("OWNS", ["holds", f"noise{n % 3}"], True) for n in range(20)]
    examples += [Example("OWNS", ["visits", f"noise{n % 3}"], False) for n in range(20)]
    first = train(examples, features_version="t", add_threshold=0.6, drop_threshold=0.1)
    again = train(examples, features_version="t", add_threshold=0.6, drop_threshold=0.1)
    assert first.as_json() == again.as_json()
    assert first.probability("OWNS", ["holds", "noise1"]) > 0.8 > 0.2 > first.probability("OWNS", ["visits"])
    assert first.probability("SUPPLIES", ["holds"]) == 0.0  # no positive example: no model, never added


def test_a_model_survives_saving_and_loading(tmp_path):
    model = train([Example("OWNS", ["a"], True), Example("OWNS", ["a"], True), Example("OWNS", ["b"], False),
                   Example("OWNS", ["b"], False)], features_version="t", add_threshold=0.6, drop_threshold=0.1,
                  metadata={"id": "x"})
    model.save(tmp_path / "m.json")
    assert RelationModel.load(tmp_path / "m.json").as_json() == model.as_json()


def _pipeline_with(model: RelationModel, folder: Path):
    model.save(folder / "model.json")
    nlp = build_pipeline(patterns=patterns_from_rows(ROWS))
    nlp.replace_pipe("cm_relation_classifier", "cm_relation_classifier",
                     config={"model_path": str(folder / "model.json")})
    return nlp


def _model(relation: str, bias: float) -> RelationModel:
    return RelationModel({relation: {}}, {relation: bias}, add_threshold=0.65, drop_threshold=0.05,
                         features_version=FEATURES_VERSION, metadata={"id": "test"})


def test_the_model_adds_a_fact_the_rules_missed_with_its_probability_as_confidence(tmp_path):
    text = "Kemerton was mentioned alongside Australia in the report."
    rules_only = build_pipeline(patterns=patterns_from_rows(ROWS), relation_model=False)
    assert extract_document(rules_only, "d", text)["relations"] == []
    nlp = _pipeline_with(_model("LOCATED_IN", 5.0), tmp_path)
    doc = nlp(text)
    [fact] = doc._.facts
    assert (fact.predicate, fact.subject.name, fact.object.name) == ("LOCATED_IN", "Kemerton", "Australia")
    assert fact.confidence == pytest.approx(0.993, abs=0.001)
    assert fact.extractor == "cm.relation-model.test"
    assert fact.evidence == text and fact.attributes == {}


@pytest.mark.parametrize("text", ["Kemerton may be moved to Australia.", "Kemerton is not in Australia.",
                                  "Talks on moving Kemerton to Australia continue."])
def test_the_model_adds_nothing_where_the_rules_see_a_hedge(tmp_path, text):
    nlp = _pipeline_with(_model("LOCATED_IN", 5.0), tmp_path)
    assert nlp(text)._.facts == []


def test_the_model_drops_a_rule_fact_it_finds_very_unlikely_and_keeps_the_others(tmp_path):
    text = "The Kemerton plant in Australia produces lithium."
    rules = {(r["type"], r["object"]) for r in
             extract_document(build_pipeline(patterns=patterns_from_rows(ROWS), relation_model=False), "d",
                              text)["relations"]}
    assert rules == {("LOCATED_IN", "Australia"), ("PRODUCES", "Lithium")}
    # no PRODUCES model here: its rule facts are not second-guessed
    nlp = _pipeline_with(_model("LOCATED_IN", -5.0), tmp_path)
    assert {(f.predicate, f.object.name) for f in nlp(text)._.facts} == {("PRODUCES", "Lithium")}


def test_a_model_trained_on_other_features_is_refused():
    with pytest.raises(ValueError, match="retrain"):
        RelationClassifier(RelationModel({}, {}, 0.6, 0.1, features_version="f0"))


def test_candidates_pair_mentions_of_one_sentence_that_fit_a_relation():
    nlp = build_pipeline(patterns=patterns_from_rows(ROWS), relation_model=False)
    doc = nlp("The Kemerton plant is in Australia. Lithium prices rose.")
    found = {(c.subject.name, c.object.name, c.relations) for c in candidates(doc)}
    assert found == {("Kemerton", "Australia", ("LOCATED_IN",))}  # Lithium is in another sentence
    [candidate] = candidates(doc)
    assert "order=so" in candidate.features and "bw=in:so" in candidate.features


# --- the model in the repository -------------------------------------------------------------------------------------

def _shipped() -> RelationModel:
    return RelationModel.load(MODEL_PATH)


def test_the_shipped_model_matches_the_features_and_the_corpus_it_was_trained_on():
    model = _shipped()
    assert model.features_version == FEATURES_VERSION
    folders = [PROJECT / f for f in model.metadata["folders"]]
    documents = train_relations.corpus_documents(folders)
    # a changed text or annotation in a training folder means the model must be retrained (make train-relations)
    assert train_relations.corpus_digest(documents) == model.metadata["corpus_sha256"]
    assert model.metadata["documents"] == len(documents)


def test_the_newest_held_aside_folder_is_not_trained_on():
    corpus = PROJECT / "tests" / "nlp" / "corpus"
    trained = {Path(f).name for f in _shipped().metadata["folders"]}
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    listed = next(line for line in makefile.splitlines() if line.startswith("TRAINING_FOLDERS"))
    assert set(listed.split(":=")[1].split()) == trained
    assert "heldout7" not in trained and (corpus / "heldout7").is_dir()


def test_retraining_reproduces_the_shipped_model(bundled_copy, tmp_path):
    out = tmp_path / "relations.json"
    folders = [str(PROJECT / f) for f in _shipped().metadata["folders"]]
    assert train_relations.main([*folders, "--store", str(bundled_copy()), "--out", str(out)]) == 0
    shipped, again = _shipped(), json.loads(out.read_text(encoding="utf-8"))
    assert again["metadata"]["corpus_sha256"] == shipped.metadata["corpus_sha256"]
    for relation, weights in shipped.weights.items():
        retrained = again["weights"][relation]
        assert again["bias"][relation] == pytest.approx(shipped.bias[relation], abs=1e-3)
        # weights under the pruning floor are left out, so one on the floor may be kept on one side only
        for feature in weights.keys() | retrained.keys():
            assert retrained.get(feature, 0.0) == pytest.approx(weights.get(feature, 0.0), abs=0.025), feature


def test_training_refuses_a_folder_without_annotations(tmp_path, capsys):
    assert train_relations.main([str(tmp_path), "--store", str(tmp_path / "s")]) == 2
    assert "no annotated documents" in capsys.readouterr().err
