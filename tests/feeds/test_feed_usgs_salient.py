"""The USGS MCS 2025 salient-statistics feed: numbers checked by reading the CSVs, counts, malformed input, SHACL."""

from __future__ import annotations

from collections import Counter

import pyoxigraph
import pytest
import rdflib

from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.usgs_salient import MEASURES, UsgsSalientFeed, parse_column
from kg import iris
from kg.validation import validate_graph

from .conftest import DATA, PROJECT, objects, one, subjects_of_type

FOLDER = PROJECT / "data" / "usgs-mcs2025" / "salient_commodity"
GRAPH = "usgs-mcs2025-salient"
VALUE = iris.ns("qudt", "numericValue")
UNIT = iris.ns("qudt", "unit")
STATUS = iris.term("valueStatus")


def obs(commodity: str, column: str, year: int, measure: str) -> str:
    return iris.observation(GRAPH, commodity, column, "USA", year, measure).value


@pytest.fixture(scope="module")
def bundled(commodity_index):
    return UsgsSalientFeed(commodity_index).read(FOLDER)


def test_counts(bundled):
    files = sorted(FOLDER.glob("*_salient.csv"))
    assert len(files) == 85
    assert bundled.records_read == 425  # 84 files x 5 years + bauxite's 5 (its 6 blank lines are no rows)
    observations = subjects_of_type(bundled.triples, iris.term("StatisticObservation"))
    reasons = Counter(p.reason.split(":")[0].split(" (")[0] for p in bundled.problems)
    print(f"files={len(files)} rows={bundled.records_read} observations={len(observations)} "
          f"problems={len(bundled.problems)} {dict(reasons)}")
    assert len(observations) > 2000
    # every file's commodity has a concept (one without would be one problem for its file, never dropped silently)
    assert [p for p in bundled.problems if p.column == "Commodity"] == []


def test_lithium_net_import_reliance_and_withheld_production(bundled):
    t = bundled.triples
    # mcs2025-lithium_salient.csv: 2024 row "W,3300,1700,W,14000,70,>50"
    nir = obs("lithium", "NIR_pct", 2024, "net-import-reliance")
    assert one(t, nir, VALUE).value == "50"
    assert one(t, nir, iris.term("valueBound")).value == "lower"
    assert one(t, nir, UNIT) == iris.ns("unit", "PERCENT")
    assert one(t, nir, iris.term("refArea")) == iris.country("USA")
    assert one(t, nir, iris.term("quantityKind")) == iris.salient_measure("net-import-reliance")
    production = obs("lithium", "USprod_t", 2024, "production")
    assert one(t, production, STATUS) == iris.concept("value-status", "withheld")
    assert objects(t, production, VALUE) == []
    # lithium carbonate price 2024: 14000 dollars per metric ton, no QUDT unit, USD
    price = obs("lithium", "Price_dt", 2024, "price")
    assert one(t, price, iris.term("valueInSourceUnit")).value == "14000"
    assert objects(t, price, VALUE) == []
    assert objects(t, price, UNIT) == []
    assert one(t, price, iris.term("sourceUnit")).value == "dt"
    assert one(t, price, iris.term("currency")).value == "USD"
    # the lithium FGDC metadata: price "estimated for the most recent year"
    assert one(t, price, iris.term("isEstimated")).value == "true"
    assert one(t, price, STATUS) == iris.concept("value-status", "estimated")
    assert one(t, obs("lithium", "Price_dt", 2023, "price"), iris.term("isEstimated")).value == "false"


def test_cobalt_apparent_consumption_and_record(bundled):
    t = bundled.triples
    # mcs2025-cobal_salient.csv 2022: Consump_Apparent_t = 7150
    node = obs("cobalt", "Consump_Apparent_t", 2022, "apparent-consumption")
    assert one(t, node, VALUE).value == "7150"
    assert one(t, node, UNIT) == iris.ns("unit", "TONNE")
    assert one(t, node, iris.term("measure")).value == "Consump_Apparent_t"
    record = one(t, node, iris.ns("prov", "wasDerivedFrom"))
    assert record == iris.source_record(GRAPH, 4, "mcs2025-cobal_salient")
    assert one(t, record, iris.term("rawValue")).value.startswith("MCS2025,Cobalt,2022,500,1920")
    # secondary production from the "Secondary" qualifier
    assert one(t, obs("cobalt", "USprod_Secondary_t", 2020, "secondary-production"), VALUE).value == "2010"


def test_scaled_units_codes_and_ranges(bundled):
    t = bundled.triples
    # aluminum 2024 primary production 670 kt
    node = obs("aluminium", "USprod_Primary_kt", 2024, "production")
    assert one(t, node, UNIT) == iris.ns("unit", "KiloTONNE") and one(t, node, VALUE).value == "670"
    # rare earths: NIR "E" -> net exporter; 2021 ">95" lower bound
    ree = obs("rare-earth-elements", "NIR_Concentrate_t", 2020, "net-import-reliance")
    assert one(t, ree, STATUS) == iris.concept("value-status", "net-exporter")
    nir = obs("rare-earth-elements", "NIR_Compounds-Metals_t", 2021, "net-import-reliance")
    assert one(t, nir, VALUE).value == "95"
    # bauxite columns go to the bauxite concept (prefix), "Bauxite_Mine_kt" W
    assert one(t, obs("bauxite", "Bauxite_Mine_kt", 2020, "production"), STATUS) == iris.concept(
        "value-status", "withheld")
    assert one(t, obs("alumina", "Alumina_NIR_pct", 2024, "net-import-reliance"), VALUE).value == "59"


def test_every_column_is_mapped_or_reported(bundled):
    import csv

    mapped = {o.value for o in (t.object for t in bundled.triples if t.predicate == iris.term("measure"))}
    reported = {p.column for p in bundled.problems}
    unresolved_files = {p.file.rsplit("/", 1)[-1] for p in bundled.problems if p.column == "Commodity"}
    for path in sorted(FOLDER.glob("*_salient.csv")):
        if path.name in unresolved_files:
            continue
        with path.open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        for i, name in enumerate(rows[0]):
            name = name.strip()
            if name in ("DataSource", "Source", "Commodity", "Year"):
                continue
            if any(i < len(r) and r[i].strip() for r in rows[1:]):
                assert name in mapped or (name or f"column {i + 1}") in reported, (path.name, name)


def test_column_patterns():
    assert parse_column(0, "USprod_Refinery-secondary_kt").measure == "secondary-production"
    assert parse_column(0, "Consump_Rprtd_t").measure == "reported-consumption"
    assert parse_column(0, "Shipments_Gov_t").measure == "stockpile-shipments"
    assert parse_column(0, "HPQImports_t").product == "HPQ"
    assert parse_column(0, "Prod_Price_index").measure == "price"
    assert parse_column(0, "NIR_ct").qudt_unit == "PERCENT"
    assert parse_column(0, "Employment_Sponge_t").qudt_unit == "NUM"
    assert parse_column(0, "Alumina_Price_kt").qudt_unit is None
    assert isinstance(parse_column(0, "Stocks_"), str)
    assert isinstance(parse_column(0, "Grade-A-Salescm"), str)
    assert set(MEASURES) >= {"production", "imports", "exports", "apparent-consumption", "net-import-reliance",
                             "price", "stocks", "employment", "secondary-production"}


def test_measures_are_in_the_vocabulary():
    graph = rdflib.Graph().parse(PROJECT / "ontology" / "vocabularies.ttl")
    for key in MEASURES:
        assert (rdflib.URIRef(iris.salient_measure(key).value), None, None) in graph, key


def test_malformed_fixtures(commodity_index):
    out = UsgsSalientFeed(commodity_index).read(DATA / "usgs_salient_fixture")
    by = {(p.file.rsplit("/", 1)[-1], p.row, p.column): p for p in out.problems}
    assert "missing column" in by[("mcs2025-noyear_salient.csv", 0, None)].reason
    assert "not a number" in by[("mcs2025-lithium_salient.csv", 3, "Imports_t")].reason
    assert "four-digit year" in by[("mcs2025-lithium_salient.csv", 4, "Year")].reason
    assert [p.row for p in out.problems if p.column == "Commodity"] == [2]  # one per file
    t = out.triples
    assert one(t, obs("lithium", "Imports_t", 2023, "imports"), VALUE).value == "3390"
    assert one(t, obs("lithium", "NIR_pct", 2024, "net-import-reliance"), STATUS) == iris.concept(
        "value-status", "net-exporter")
    assert out.records_read == 5


def test_shacl(bundled):
    triples = bundled.triples + COUNTRIES.read(COUNTRIES.default_file).triples
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    report = validate_graph(rdflib.Graph().parse(data=text, format="nt"))
    assert report.conforms, report.text[:3000]
