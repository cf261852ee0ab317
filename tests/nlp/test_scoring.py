"""The NLP scorer on hand-made gold/predicted pairs, and the validity of the annotated corpus."""

import json
import re
from pathlib import Path

import pytest

from extractors.nlp.scoring import ENTITY_TYPES, RELATION_TYPES, main, normalise, score

CORPUS = Path(__file__).parent / "corpus"
GOLD_FILES = sorted(CORPUS.glob("*/*.json"))


def _doc(entities=(), relations=(), doc_id="d1"):
    return {
        "doc_id": doc_id,
        "entities": [{"type": t, "name": n, "mentions": [n]} for t, n in entities],
        "relations": [
            {"type": t, "subject": s, "object": o, "attributes": dict(a[0]) if a else {}} for t, s, o, *a in relations
        ],
    }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Albemarle Corporation", "albemarle"),
        ("Lithium Americas Corp.", "Lithium Americas"),
        ("Glencore plc", "GLENCORE"),
        ("China Molybdenum Co., Ltd.", "China Molybdenum"),
        ("BHP Group Limited", "BHP"),
        ("PT Vale Indonesia Tbk", "Vale Indonesia"),
        ("Gécamines", "Gecamines"),
        ("Côte d'Ivoire", "Cote dIvoire"),
        ("Sibanye-Stillwater", "Sibanye Stillwater"),
        ("  Tesla,   Inc. ", "tesla"),
        ("Umicore SA", "Umicore"),
    ],
)
def test_normalise_is_lenient(a, b):
    assert normalise(a) == normalise(b)


def test_normalise_keeps_distinct_names_apart():
    assert normalise("Lithium hydroxide") != normalise("Lithium carbonate")
    assert normalise("Group") == "group"  # a name that is only a suffix is kept


def test_perfect_prediction_with_lenient_names():
    gold = [
        _doc(
            [("ORGANIZATION", "Albemarle"), ("ORGANIZATION", "Ford Motor Company")],
            [("SUPPLIES", "Albemarle", "Ford Motor Company")],
        )
    ]
    pred = [
        _doc(
            [("ORGANIZATION", "Albemarle Corporation"), ("ORGANIZATION", "ford motor co.")],
            [("SUPPLIES", "albemarle corp", "Ford Motor Company")],
        )
    ]
    report = score(gold, pred)
    assert report.entity_micro.f1 == 1.0
    assert report.relation_micro.f1 == 1.0
    assert report.entities["ORGANIZATION"].tp == 2


def test_entity_type_must_match():
    report = score([_doc([("FACILITY", "Kisanfu")])], [_doc([("LOCATION", "Kisanfu")])])
    assert report.entities["FACILITY"].fn == 1
    assert report.entities["LOCATION"].fp == 1
    assert report.entity_micro.f1 == 0.0


def test_facilities_match_on_site_name_unless_strict():
    gold = [_doc([("FACILITY", "Kemerton lithium hydroxide plant"), ("FACILITY", "Mt Holland (Earl Grey)")],
                 [("OPERATES", "Albemarle", "Kemerton lithium hydroxide plant")])]
    pred = [_doc([("FACILITY", "Kemerton"), ("FACILITY", "Mt Holland mine")],
                 [("OPERATES", "Albemarle", "Kemerton")])]
    assert score(gold, pred).entity_micro.f1 == 1.0
    assert score(gold, pred).relation_micro.f1 == 1.0
    strict = score(gold, pred, strict=True)
    assert strict.entity_micro.tp == 0 and strict.relation_micro.tp == 0
    # a site name is not a company name: organisations keep their words
    assert score([_doc([("ORGANIZATION", "Nickel Industries")])],
                 [_doc([("ORGANIZATION", "Nickel")])]).entity_micro.tp == 0


def test_a_predicted_name_that_is_an_annotated_mention_finds_that_entity():
    gold = {"doc_id": "d1", "entities": [
        {"type": "ORGANIZATION", "name": "SQM", "mentions": ["Sociedad Química y Minera de Chile", "SQM"]},
        {"type": "ORGANIZATION", "name": "Wesfarmers", "mentions": ["Wesfarmers"]}],
        "relations": [{"type": "PARTNERSHIP", "subject": "SQM", "object": "Wesfarmers", "attributes": {}}]}
    pred = _doc([("ORGANIZATION", "Sociedad Quimica y Minera de Chile"), ("ORGANIZATION", "Wesfarmers")],
                [("PARTNERSHIP", "Wesfarmers", "Sociedad Quimica y Minera de Chile")])
    assert score([gold], [pred]).relation_micro.f1 == 1.0
    assert score([gold], [pred], strict=True).relation_micro.tp == 0
    # a mention shared by two gold entities stands for neither
    gold["entities"][1]["mentions"].append("Sociedad Química y Minera de Chile")
    assert score([gold], [pred]).entities["ORGANIZATION"].tp == 1


def test_partnership_is_symmetric_but_other_relations_are_not():
    gold = [
        _doc(relations=[("PARTNERSHIP", "IGO", "Tianqi Lithium"), ("OWNS", "IGO", "Tianqi Lithium Energy Australia")])
    ]
    pred = [
        _doc(
            relations=[
                ("PARTNERSHIP", "Tianqi Lithium", "IGO Limited"),
                ("OWNS", "Tianqi Lithium Energy Australia", "IGO"),
            ]
        )
    ]
    report = score(gold, pred)
    assert report.relations["PARTNERSHIP"].tp == 1
    assert report.relations["OWNS"].tp == 0
    assert (report.relations["OWNS"].fp, report.relations["OWNS"].fn) == (1, 1)


def test_missed_relation_lowers_recall_only():
    gold = [_doc(relations=[("OPERATES", "CMOC", "Tenke Fungurume"), ("OPERATES", "CMOC", "Kisanfu")])]
    pred = [_doc(relations=[("OPERATES", "CMOC", "Tenke Fungurume")])]
    c = score(gold, pred).relations["OPERATES"]
    assert c.precision == 1.0
    assert c.recall == 0.5
    assert c.f1 == pytest.approx(2 / 3)


def test_spurious_relation_lowers_precision_only():
    gold = [_doc(relations=[("EXPORT_RESTRICTION", "China", "Gallium")])]
    pred = [_doc(relations=[("EXPORT_RESTRICTION", "China", "Gallium"), ("EXPORT_RESTRICTION", "China", "Lithium")])]
    report = score(gold, pred)
    c = report.relations["EXPORT_RESTRICTION"]
    assert (c.precision, c.recall) == (0.5, 1.0)
    assert report.relation_micro.precision == 0.5


def test_attributes_scored_on_matched_relations_only():
    gold = [
        _doc(
            relations=[
                ("OWNS", "CATL", "Kisanfu", {"percentage": 25, "status": "agreed"}),
                ("EXPORT_RESTRICTION", "Indonesia", "Nickel", {"measure": "ban", "effective_date": "2020-01-01"}),
                ("SUPPLIES", "Liontown", "Tesla", {"volume": 150000}),
            ]
        )
    ]
    pred = [
        _doc(
            relations=[
                ("OWNS", "CATL", "Kisanfu", {"percentage": "25.0", "status": "completed"}),
                ("EXPORT_RESTRICTION", "Indonesia", "Nickel", {"measure": "Ban"}),
            ]
        )
    ]
    report = score(gold, pred)
    assert report.attributes["percentage"].correct == 1
    assert report.attributes["status"].correct == 0
    assert report.attributes["measure"].correct == 1
    assert (report.attributes["effective_date"].correct, report.attributes["effective_date"].total) == (0, 1)
    assert "volume" not in report.attributes  # the SUPPLIES relation was not matched
    assert report.attribute_micro.total == 4


def test_documents_matched_by_id_and_missing_prediction_counts_as_missed():
    gold = [_doc([("MINERAL", "Cobalt")], doc_id="a"), _doc([("MINERAL", "Lithium")], doc_id="b")]
    pred = [_doc([("MINERAL", "cobalt")], doc_id="a"), _doc([("MINERAL", "Nickel")], doc_id="not-in-gold")]
    report = score(gold, pred)
    assert report.documents == 2
    assert report.missing_documents == ["b"]
    assert (report.entities["MINERAL"].tp, report.entities["MINERAL"].fp, report.entities["MINERAL"].fn) == (1, 0, 1)


def test_duplicates_count_once():
    gold = [_doc([("LOCATION", "Chile")])]
    pred = [_doc([("LOCATION", "Chile"), ("LOCATION", "chile")])]
    assert score(gold, pred).entities["LOCATION"].precision == 1.0


def test_empty_report_and_table():
    report = score([], [])
    assert report.entity_micro.f1 == 0.0
    table = report.table()
    for name in (*ENTITY_TYPES, *RELATION_TYPES, "micro"):
        assert name in table


def test_cli_scores_prediction_file(tmp_path, capsys):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    gold = _doc(
        [("ORGANIZATION", "Albemarle"), ("FACILITY", "Kemerton lithium hydroxide plant")],
        [("OPERATES", "Albemarle", "Kemerton lithium hydroxide plant")],
        doc_id="x",
    )
    (gold_dir / "x.json").write_text(json.dumps(gold), encoding="utf-8")
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps([_doc([("ORGANIZATION", "Albemarle Corporation")], doc_id="x")]), encoding="utf-8")
    assert main([str(gold_dir), str(pred)]) == 0
    out = capsys.readouterr().out
    assert "ORGANIZATION" in out and "OPERATES" in out
    assert main([str(gold_dir), str(pred), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entities"]["micro"]["recall"] == 0.5
    assert data["relations"]["micro"]["recall"] == 0.0


def test_gold_scored_against_itself_is_perfect():
    gold = [json.loads(p.read_text(encoding="utf-8")) for p in GOLD_FILES]
    report = score(gold, gold)
    assert report.entity_micro.f1 == 1.0
    assert report.relation_micro.f1 == 1.0


# --- the annotated corpus -------------------------------------------------------------------------------------------


def test_corpus_size():
    names = ("dev", "fresh", "test", "dev2", "dev3",
             "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7")
    splits = {split: list((CORPUS / split).glob("*.txt")) for split in names}
    texts = [txt for files in splits.values() for txt in files]
    assert len(texts) >= 40
    assert len(splits["heldout"]) >= 10
    assert len(splits["heldout4"]) >= 20
    for txt in texts:
        assert txt.with_suffix(".json").exists(), txt
    assert len(GOLD_FILES) == len(texts)


ATTRIBUTES = {
    "percentage",
    "status",
    "mineral",
    "volume",
    "unit",
    "start_year",
    "end_year",
    "capacity",
    "measure",
    "effective_date",
}
# (subject types, object types) per relation type
SIGNATURES = {
    "OPERATES": ({"ORGANIZATION"}, {"FACILITY"}),
    "OWNS": ({"ORGANIZATION"}, {"ORGANIZATION", "FACILITY"}),
    "LOCATED_IN": ({"FACILITY"}, {"LOCATION"}),
    "PRODUCES": ({"FACILITY"}, {"MINERAL"}),
    "PROCESSES": ({"FACILITY"}, {"MINERAL"}),
    "SUPPLIES": ({"ORGANIZATION"}, {"ORGANIZATION"}),
    "PARTNERSHIP": ({"ORGANIZATION", "LOCATION"}, {"ORGANIZATION", "LOCATION"}),
    "EXPORT_RESTRICTION": ({"LOCATION"}, {"MINERAL"}),
}


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_gold_file_is_valid(path):
    gold = json.loads(path.read_text(encoding="utf-8"))
    text = path.with_suffix(".txt").read_text(encoding="utf-8")
    assert set(gold) == {"doc_id", "entities", "relations"}
    assert gold["doc_id"] == path.stem
    assert 150 <= len(text.split()) <= 400
    types = {}
    for e in gold["entities"]:
        assert set(e) == {"type", "name", "mentions"}
        assert e["type"] in ENTITY_TYPES
        assert e["name"] and e["name"] not in types, f"duplicate entity {e['name']}"
        types[e["name"]] = e["type"]
        assert e["mentions"], e["name"]
        for m in e["mentions"]:
            assert re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text), f"mention {m!r} of {e['name']} not in text"
    seen = set()
    for r in gold["relations"]:
        assert set(r) == {"type", "subject", "object", "attributes"}
        assert r["type"] in RELATION_TYPES
        subject_types, object_types = SIGNATURES[r["type"]]
        assert types.get(r["subject"]) in subject_types, r
        assert types.get(r["object"]) in object_types, r
        if r["type"] == "PARTNERSHIP":
            assert r["subject"] <= r["object"], f"partnership not in alphabetical order: {r}"
        key = (r["type"], r["subject"], r["object"])
        assert key not in seen, f"duplicate relation {key}"
        seen.add(key)
        attrs = r["attributes"]
        assert set(attrs) <= ATTRIBUTES, r
        if "percentage" in attrs:
            assert 0 < attrs["percentage"] <= 100
        if "status" in attrs:
            assert attrs["status"] in {"agreed", "completed"}
        if "mineral" in attrs:
            assert types.get(attrs["mineral"]) == "MINERAL", r
        if "measure" in attrs:
            assert attrs["measure"] in {"ban", "licence", "quota", "tax"}
        if "effective_date" in attrs:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", attrs["effective_date"])
        for k in ("volume", "capacity", "start_year", "end_year"):
            if k in attrs:
                assert isinstance(attrs[k], int | float) and not isinstance(attrs[k], bool)
