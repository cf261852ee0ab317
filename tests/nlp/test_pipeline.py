"""The extraction pipeline: blank English + our patterns, on sentences written here (nothing downloaded)."""

from __future__ import annotations

import json

import pytest

from extractors.nlp.patterns import patterns_from_rows
from extractors.nlp.pipeline import build_pipeline, extract_document
from kg.cli import main

C = "https://w3id.org/critmin/id/"
ROWS = [
    (C + "commodity/lithium", "Lithium", True, "commodity", 1),
    (C + "commodity/gallium", "Gallium", True, "commodity", 1),
    (C + "commodity/germanium", "Germanium", True, "commodity", 1),
    (C + "commodity/cobalt", "Cobalt", True, "commodity", 1),
    (C + "commodity/cobalt", "Co", False, "commodity", 1),
    (C + "commodity/spodumene-concentrate", "Spodumene concentrate", True, "commodity", 1),
    (C + "commodity/lithium-hydroxide", "Lithium hydroxide", True, "commodity", 1),
    (C + "country/CHN", "China", True, "country", 1),
    (C + "country/AUS", "Australia", True, "country", 1),
    (C + "facility/greenbushes", "Greenbushes Mine", True, "facility", 1),
    (C + "facility/greenbushes", "Greenbushes", False, "facility", 1),
]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(patterns=patterns_from_rows(ROWS))


def relations(nlp, text):
    return [(r["type"], r["subject"], r["object"]) for r in extract_document(nlp, "t", text)["relations"]]


CASES = [
    ("Albemarle Corporation operates the Kemerton plant.", ("OPERATES", "Albemarle Corporation", "Kemerton plant")),
    ("The Kemerton plant is operated by Albemarle Corporation.",
     ("OPERATES", "Albemarle Corporation", "Kemerton plant")),
    ("Tianqi Lithium completed its acquisition of a 23.75% stake in SQM.", ("OWNS", "Tianqi Lithium", "SQM")),
    ("Pilbara Minerals Ltd was acquired by Mineral Resources Ltd on Monday.",
     ("OWNS", "Mineral Resources Ltd", "Pilbara Minerals Ltd")),
    ("Talison Lithium, in which Tianqi Lithium holds 51%, is based in Perth.",
     ("OWNS", "Tianqi Lithium", "Talison Lithium")),
    ("The Greenbushes mine in Australia is the largest hard-rock mine.",
     ("LOCATED_IN", "Greenbushes mine", "Australia")),
    ("Australia's Greenbushes mine shipped ore.", ("LOCATED_IN", "Greenbushes mine", "Australia")),
    ("Greenbushes produced 1.4 million tonnes of spodumene concentrate.",
     ("PRODUCES", "Greenbushes Mine", "Spodumene concentrate")),
    ("Spodumene concentrate is produced at Greenbushes.", ("PRODUCES", "Greenbushes Mine", "Spodumene concentrate")),
    ("The Kemerton plant will process spodumene concentrate.",
     ("PROCESSES", "Kemerton plant", "Spodumene concentrate")),
    ("Lithium hydroxide is refined at the Kemerton plant.", ("PROCESSES", "Kemerton plant", "Lithium hydroxide")),
    ("Piedmont Lithium will supply spodumene concentrate to Tesla from 2025.",
     ("SUPPLIES", "Piedmont Lithium", "Tesla")),
    ("Tesla will buy lithium hydroxide from Piedmont Lithium.", ("SUPPLIES", "Piedmont Lithium", "Tesla")),
    ("Rio Tinto and Glencore Group formed a joint venture.", ("PARTNERSHIP", "Rio Tinto", "Glencore Group")),
    ("Rio Tinto signed a partnership with Glencore Group.", ("PARTNERSHIP", "Rio Tinto", "Glencore Group")),
    ("China banned exports of gallium from August 1, 2023.", ("EXPORT_RESTRICTION", "China", "Gallium")),
    ("Export controls on germanium were imposed by China in 2023.", ("EXPORT_RESTRICTION", "China", "Germanium")),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_relation_found(nlp, text, expected):
    assert expected in relations(nlp, text)


@pytest.mark.parametrize("text", [
    "Glencore Group does not plan to acquire Teck Resources.",
    "BHP Group may acquire Anglo American plc.",
    "Rio Tinto is in talks to buy Arcadium Lithium.",
    "Albemarle Corporation no longer operates the Kemerton plant.",
    "China could ban exports of gallium.",
])
def test_negated_or_hedged_yields_no_fact(nlp, text):
    assert relations(nlp, text) == []


def test_attributes(nlp):
    result = extract_document(nlp, "t", "Tianqi Lithium agreed to acquire a 20% stake in SQM. "
                                        "Piedmont Lithium will supply 160,000 tonnes of spodumene concentrate "
                                        "to Tesla from 2025 until 2030.")
    owns, supplies = result["relations"]
    assert owns["attributes"] == {"percentage": 20, "status": "agreed"}
    assert supplies["attributes"] == {"mineral": "Spodumene concentrate", "volume": 160000, "unit": "tonnes",
                                      "start_year": 2025, "end_year": 2030}


def test_unknown_company_is_a_candidate_and_graph_entity_links(nlp):
    doc = nlp("Zephyr Metals Ltd signed a deal with China on cobalt.")
    by_name = {m.name: m for m in doc._.mentions}
    assert by_name["Zephyr Metals Ltd"].type == "ORGANIZATION" and by_name["Zephyr Metals Ltd"].iri is None
    assert by_name["China"].iri == C + "country/CHN"
    assert by_name["Cobalt"].iri == C + "commodity/cobalt"


def test_short_alias_is_not_a_pattern(nlp):
    assert [m.name for m in nlp("Co said the deal closed.")._.mentions if m.type == "MINERAL"] == []


def test_cli_json_shape(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "release-1.txt").write_text("Albemarle Corporation operates the Kemerton plant.", encoding="utf-8")
    assert main(["extract", str(folder), "--json", "--store", str(tmp_path / "no-store")]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output == [{"doc_id": "release-1",
                       "entities": [{"type": "ORGANIZATION", "name": "Albemarle Corporation", "mentions": 1},
                                    {"type": "FACILITY", "name": "Kemerton plant", "mentions": 1}],
                       "relations": [{"type": "OPERATES", "subject": "Albemarle Corporation",
                                      "object": "Kemerton plant", "attributes": {}}]}]
