"""The USGS MCS 2025 world data feed, against the bundled file and small fixtures."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from pyoxigraph import NamedNode

from extractors.feeds.base import FeedError
from extractors.feeds.usgs_world import UsgsWorldFeed, parse_number, value_columns
from kg import iris

from .conftest import DATA, PROJECT, objects, one, subjects_of_type

BUNDLED = PROJECT / "data/usgs-mcs2025/world_data/MCS2025_World_Data.battery_subset.csv"
CM = iris.term
VALUE = iris.ns("qudt", "numericValue")
UNIT = iris.ns("qudt", "unit")
GRAPH = "usgs-mcs2025-world"


@pytest.fixture(scope="module")
def bundled(commodity_index):
    return UsgsWorldFeed(commodity_index).read(BUNDLED)


def obs(commodity, measure, place, year, kind):
    return iris.observation(GRAPH, commodity, measure, place, year, kind)


def test_every_data_row_has_a_source_record(bundled):
    with BUNDLED.open(encoding="utf-8", newline="") as handle:
        data_rows = sum(1 for _ in csv.reader(handle)) - 1
    assert data_rows == 125
    assert bundled.records_read == 125
    records = subjects_of_type(bundled.triples, CM("SourceRecord"))
    assert records == {iris.source_record(GRAPH, n).value for n in range(2, 127)}
    row5 = iris.source_record(GRAPH, 5)
    assert one(bundled.triples, row5, CM("sourceRow")).value == "5"
    assert one(bundled.triples, row5, CM("sourceFile")).value == "usgs-mcs2025/world_data/" + BUNDLED.name
    assert one(bundled.triples, row5, CM("rawValue")).value == (
        'MCS2025,Cobalt,Congo (Kinshasa),"Mine production, cobalt content, estimated",metric tons,175000,220000,,,,,'
        "6000000,"
    )


def test_bundled_file_maps_without_problems(bundled):
    assert bundled.problems == []
    assert bundled.graph_name == GRAPH
    assert bundled.metadata.source_url == "https://doi.org/10.5066/P13XCP3R"


def test_congo_cobalt_mine_production_2024(bundled):
    node = obs("cobalt", "Mine production, cobalt content, estimated", "COD", 2024, "production")
    t = bundled.triples
    assert one(t, node, VALUE).value == "220000"
    assert one(t, node, UNIT) == iris.ns("unit", "TONNE")
    assert one(t, node, CM("refArea")) == iris.country("COD")
    assert one(t, node, CM("refYear")).value == "2024"
    assert one(t, node, CM("commodity")) == iris.commodity("cobalt")
    assert one(t, node, CM("stage")) == iris.concept("stage", "mining")
    assert one(t, node, CM("isEstimated")).value == "true"
    assert one(t, node, CM("valueStatus")) == iris.concept("value-status", "estimated")
    assert one(t, node, CM("quantityKind")) == iris.concept("quantity-kind", "production")
    assert one(t, node, iris.ns("prov", "wasDerivedFrom")) == iris.source_record(GRAPH, 5)
    assert CM("ProductionObservation") in objects(t, node, iris.ns("rdf", "type"))


def test_us_lithium_withheld_both_years(bundled):
    for year in (2023, 2024):
        node = obs("lithium", "Mine production, lithium content", "USA", year, "production")
        assert one(bundled.triples, node, CM("valueStatus")) == iris.concept("value-status", "withheld")
        assert objects(bundled.triples, node, VALUE) == []
        assert one(bundled.triples, node, CM("note")).value == "W for 23-24"
    reserves = obs("lithium", "Mine production, lithium content", "USA", 2024, "reserves")
    assert one(bundled.triples, reserves, VALUE).value == "1800000"


def test_nickel_world_reserves_lower_bound(bundled):
    node = obs("nickel", "Mine production, nickel content", "world", 2024, "reserves")
    t = bundled.triples
    assert one(t, node, VALUE).value == "130000000"
    assert one(t, node, CM("valueBound")).value == "lower"
    assert one(t, node, CM("refArea")) == iris.place("world")
    assert one(t, node, CM("isRounded")).value == "true"
    assert CM("ReservesObservation") in objects(t, node, iris.ns("rdf", "type"))


def test_world_totals_and_other_countries_are_not_countries(bundled):
    areas = {t.object.value for t in bundled.triples if t.predicate == CM("refArea")}
    assert iris.place("world").value in areas
    assert iris.place("other-countries").value in areas
    world_rows = {t.subject.value for t in bundled.triples if t.predicate == CM("refArea")
                  and t.object == iris.place("world")}
    assert len(world_rows) > 0
    for subject in world_rows:
        assert "/world/" in subject
    assert all(not a.endswith("/country/") for a in areas)


def test_units_statuses_and_stages(bundled):
    t = bundled.triples
    copper = obs("copper", "Mine production, recoverable copper content", "CHL", 2023, "production")
    assert one(t, copper, UNIT) == iris.ns("unit", "KiloTONNE")
    assert one(t, copper, VALUE).value == "5250"
    assert one(t, copper, CM("sourceUnit")).value == "thousand metric tons"
    refinery = obs("copper", "Refinery production, copper", "CHN", 2024, "production")
    assert one(t, refinery, CM("stage")) == iris.concept("stage", "refining")
    # "NA" in the notes of an empty reserves cell
    cote = obs("manganese", "Mine production, manganese content", "CIV", 2024, "reserves")
    assert one(t, cote, CM("valueStatus")) == iris.concept("value-status", "not-available")
    # "Included in World total"
    austria = obs("graphite", "Mine production", "AUT", 2024, "reserves")
    assert one(t, austria, CM("valueStatus")) == iris.concept("value-status", "included-in-total")
    # "Small"
    other = obs("manganese", "Mine production, manganese content", "other-countries", 2024, "reserves")
    assert one(t, other, CM("valueStatus")) == iris.concept("value-status", "small")
    # "estimated 2023" marks 2023 only
    kaz = "Mine production, recoverable copper content"
    assert one(t, obs("copper", kaz, "KAZ", 2023, "production"), CM("isEstimated")).value == "true"
    assert one(t, obs("copper", kaz, "KAZ", 2023, "production"), CM("note")).value == "estimated 2023"
    # 2024 is an EST column: estimated anyway
    assert one(t, obs("copper", kaz, "KAZ", 2024, "production"), CM("isEstimated")).value == "true"
    # reserves are not estimated by the TYPE's "estimated" (TYPE describes production)
    assert one(t, obs("copper", kaz, "KAZ", 2024, "reserves"), CM("isEstimated")).value == "false"
    # empty cells with no note give no observation; the row's record still exists
    germany = obs("copper", kaz, "DEU", 2023, "production")
    assert objects(t, germany, CM("valueStatus")) == []
    assert objects(t, iris.source_record(GRAPH, 22), CM("sourceRow"))


def test_value_columns_read_from_header():
    columns, notes = value_columns(
        ["COMMODITY", "PROD_2023", "PROD_EST_ 2024", "PROD_NOTES", "cap_2023", "CAP_EST_ 2024", "RESERVES_2024",
         "RESERVE_NOTES"]
    )
    assert [(c.kind, c.year, c.estimated) for c in columns] == [
        ("production", 2023, False), ("production", 2024, True), ("capacity", 2023, False),
        ("capacity", 2024, True), ("reserves", 2024, False),
    ]
    assert notes == {"production": "PROD_NOTES", "reserves": "RESERVE_NOTES"}


def test_parse_number():
    assert parse_number("1,234") == (Decimal("1234"), None)
    assert parse_number("5 220") == (Decimal("5220"), None)
    assert parse_number(">130000000") == (Decimal("130000000"), "lower")
    assert parse_number("4.8") == (Decimal("4.8"), None)
    assert parse_number("about 2600") is None
    assert parse_number("W") is None


def test_missing_column_is_a_feed_error(commodity_index):
    with pytest.raises(FeedError, match="COUNTRY"):
        UsgsWorldFeed(commodity_index).read(DATA / "usgs_missing_column.csv")


def test_bad_number_is_a_row_problem_and_other_rows_map(commodity_index):
    out = UsgsWorldFeed(commodity_index).read(DATA / "usgs_bad_number.csv")
    assert out.records_read == 3
    assert len(out.problems) == 1
    problem = out.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "PROD_EST_ 2024", "about 2600")
    assert problem.file == "usgs_bad_number.csv"
    measure = "Mine production, cobalt content, estimated"
    assert one(out.triples, obs("cobalt", measure, "CUB", 2024, "production"), VALUE).value == "3500"
    assert one(out.triples, obs("cobalt", measure, "CAN", 2023, "production"), VALUE).value == "4220"
    # the good cells of the bad row are still mapped
    assert one(out.triples, obs("cobalt", measure, "MDG", 2023, "production"), VALUE).value == "4000"
    assert len(subjects_of_type(out.triples, CM("SourceRecord"))) == 3


def test_full_release_sample_nothing_battery_specific(commodity_index):
    out = UsgsWorldFeed(commodity_index).read(DATA / "usgs_full_release_sample.csv")
    t = out.triples
    assert out.records_read == 10
    zinc = "Mine production, zinc content"
    assert one(t, obs("zinc", zinc, "AUS", 2023, "production"), VALUE).value == "1100"
    assert one(t, obs("zinc", zinc, "AUS", 2024, "production"), VALUE).value == "1150"
    assert one(t, obs("zinc", zinc, "AUS", 2024, "reserves"), VALUE).value == "64000"
    assert one(t, obs("zinc", zinc, "PER", 2024, "reserves"), CM("valueStatus")) == iris.concept(
        "value-status", "large")
    assert one(t, obs("gold", "Mine production", "GHA", 2023, "production"), UNIT) == iris.ns("unit", "KiloGM")
    assert one(t, obs("gold", "Mine production", "MMR", 2024, "reserves"), CM("valueStatus")) == iris.concept(
        "value-status", "not-available")
    assert one(t, obs("gold", "Mine production", "other-countries", 2023, "production"), VALUE).value == "900000"
    smelter = obs("zinc", "Smelter production, zinc", "CHN", 2024, "capacity")
    assert one(t, smelter, VALUE).value == "7100"
    assert one(t, smelter, CM("stage")) == iris.concept("stage", "refining")
    assert CM("CapacityObservation") in objects(t, smelter, iris.ns("rdf", "type"))
    assert one(t, obs("zinc", "Smelter production, zinc", "CHN", 2023, "capacity"), CM("isEstimated")).value == "true"
    # million metric tons: QUDT has no megatonne, so the value is scaled to tonnes
    phosphate = obs(iris.key_of(commodity_index.resolve("Phosphate rock")), "Mine production", "MAR", 2023,
                    "production")
    assert one(t, phosphate, VALUE).value == "35000000"
    assert one(t, phosphate, UNIT) == iris.ns("unit", "TONNE")
    assert one(t, phosphate, CM("sourceUnit")).value == "million metric tons"
    reasons = {(p.row, p.column): p.reason for p in out.problems}
    assert (10, "UNIT_MEAS") in reasons  # thousand flasks: never guessed
    assert (11, "COMMODITY") in reasons
    assert (11, "COUNTRY") in reasons
    assert len(subjects_of_type(t, CM("SourceRecord"))) == 10


def test_mojibake_and_invalid_utf8_are_reported(tmp_path, commodity_index):
    header = (DATA / "usgs_bad_number.csv").read_text(encoding="utf-8").splitlines()[0]
    good = "MCS2025,Manganese,C\u00f4te d\u2019Ivoire,Mine production,thousand metric tons,357,360,,,,,,NA"
    mojibake = good.replace("Manganese", "Nickel").encode("utf-8").decode("cp1252")
    invalid = good.replace("Manganese", "Cobalt").replace("\u2019", "'").encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        header.encode() + b"\r\n" + good.encode("utf-8") + b"\r\n" + mojibake.encode("utf-8") + b"\r\n" + invalid
        + b"\r\n"
    )
    out = UsgsWorldFeed(commodity_index).read(path)
    rows = {p.row: p for p in out.problems}
    assert set(rows) == {3, 4}
    assert rows[3].reason.startswith("repaired mojibake")
    assert "not valid UTF-8" in rows[4].reason
    assert "\ufffd" in rows[4].value  # the row is shown as read
    for commodity in ("manganese", "nickel", "cobalt"):
        node = obs(commodity, "Mine production", "CIV", 2023, "production")
        assert one(out.triples, node, VALUE).value == "357"
    # the record keeps the text as read, before repair
    assert one(out.triples, iris.source_record(GRAPH, 3), CM("rawValue")).value == mojibake


def test_unresolved_names_are_problems_not_guesses(fixture_index, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023\n"
        "Kryptonite,Chile,Mine production,metric tons,5\n"
        "Lithium ,Narnia,Mine production,metric tons,5\n"
        "Lithium ,Chile,Mine production,metric tons,5\n",
        encoding="utf-8",
    )
    out = UsgsWorldFeed(fixture_index).read(path)
    assert [(p.row, p.column, p.value) for p in out.problems] == [(2, "COMMODITY", "Kryptonite"),
                                                                  (3, "COUNTRY", "Narnia")]
    node = obs("lithium", "Mine production", "CHL", 2023, "production")
    assert one(out.triples, node, VALUE).value == "5"
    assert one(out.triples, node, CM("isEstimated")).value == "false"
    assert isinstance(one(out.triples, node, CM("commodity")), NamedNode)
