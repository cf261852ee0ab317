"""The USGS MCS 2025 net import reliance / import sources feed (Fig. 2)."""

from __future__ import annotations

from collections import Counter

import pyoxigraph
import pytest
import rdflib

from extractors.feeds.base import FeedError
from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.usgs_imports import UsgsImportSourcesFeed
from kg import iris
from kg.validation import validate_graph

from .conftest import DATA, PROJECT, objects, one, subjects_of_type

FILE = PROJECT / "data" / "usgs-mcs2025" / "industry_trends" / "MCS2025_Fig2_Net_Import_Reliance.csv"
GRAPH = "usgs-mcs2025-import-sources"
VALUE = iris.ns("qudt", "numericValue")


@pytest.fixture(scope="module")
def bundled(commodity_index):
    return UsgsImportSourcesFeed(commodity_index).read(FILE)


def sources_of(triples, commodity: str) -> list[tuple[int, str]]:
    target = iris.commodity(commodity)
    nodes = [t.subject for t in triples if t.predicate == iris.term("commodity") and t.object == target
             and t.subject.value.startswith(iris.ID + "import-source/")]
    return sorted((int(one(triples, n, iris.term("rank")).value), iris.key_of(one(triples, n, iris.term("exporter"))))
                  for n in nodes)


def test_counts(bundled):
    observations = subjects_of_type(bundled.triples, iris.term("StatisticObservation"))
    sources = subjects_of_type(bundled.triples, iris.term("ImportSource"))
    reasons = Counter(p.reason for p in bundled.problems)
    print(f"rows={bundled.records_read} observations={len(observations)} import_sources={len(sources)} "
          f"problems={len(bundled.problems)} {dict(reasons)}")
    assert bundled.records_read == 64
    assert len(observations) + len([p for p in bundled.problems if p.column == "Commodity"]) == 64
    assert not [p for p in bundled.problems if p.column != "Commodity"]


def test_lithium(bundled):
    t = bundled.triples
    # row 45: MCS2025,44,LITHIUM,>50,"Chile, Argentina"
    node = iris.observation(GRAPH, "lithium", "LITHIUM", "USA", 2024, "net-import-reliance")
    assert one(t, node, VALUE).value == "50"
    assert one(t, node, iris.term("valueBound")).value == "lower"
    assert one(t, node, iris.ns("qudt", "unit")) == iris.ns("unit", "PERCENT")
    assert sources_of(t, "lithium") == [(1, "CHL"), (2, "ARG")]
    source = iris.import_source(GRAPH, "lithium", "USA", "CHL", "LITHIUM 2020-2023")
    assert one(t, source, iris.term("importer")) == iris.country("USA")
    assert one(t, source, iris.term("period")).value == "2020-2023"
    assert one(t, source, iris.ns("prov", "wasDerivedFrom")) == iris.source_record(GRAPH, 45)


def test_cobalt_footnotes_and_korea(bundled):
    t = bundled.triples
    node = iris.observation(GRAPH, "cobalt", "COBALT, metal, oxides, and salts", "USA", 2024, "net-import-reliance")
    assert one(t, node, VALUE).value == "76"
    assert objects(t, node, iris.term("valueBound")) == []
    assert sources_of(t, "cobalt") == [(1, "NOR"), (2, "FIN"), (3, "JPN"), (4, "CAN")]
    assert sources_of(t, "indium")[0] == (1, "KOR")  # "Republic of Korea"
    assert sources_of(t, "aluminium")[3] == (4, "CHN")  # "China3": footnote mark dropped, noted


def test_malformed(commodity_index):
    feed = UsgsImportSourcesFeed(commodity_index)
    with pytest.raises(FeedError, match="Net_Import_Reliance"):
        feed.read(DATA / "usgs_imports_missing_column.csv")
    out = feed.read(DATA / "usgs_imports_bad.csv")
    problems = {(p.row, p.column, p.value): p.reason for p in out.problems}
    assert "not a number" in problems[(2, "Net_Import_Reliance_pct_2024", "lots")]
    assert problems[(2, "Major_Import_Sources_2020_2023", "Atlantis")] == "not a known country name"
    assert sources_of(out.triples, "lithium") == [(1, "CHL"), (3, "ARG")]  # ranks keep the list position
    node = iris.observation(GRAPH, "cobalt", "COBALT", "USA", 2024, "net-import-reliance")
    assert one(out.triples, node, VALUE).value == "76"


def test_shacl(bundled):
    triples = bundled.triples + COUNTRIES.read(COUNTRIES.default_file).triples
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    report = validate_graph(rdflib.Graph().parse(data=text, format="nt"))
    assert report.conforms, report.text[:3000]
