"""Indicators (kg/analytics/): hand-computed fixtures and the bundled USGS data recomputed independently."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg import iris
from kg.analytics.concentration import concentrations
from kg.analytics.import_reliance import import_reliance
from kg.analytics.list_overlap import UnknownListError, list_overlap
from kg.loading import load_rdf_files
from kg.store import open_store, query

DATA = Path(__file__).resolve().parent.parent / "data"
OBS = "https://example.org/obs/"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(tmp_path_factory.mktemp("analytics") / "store")
    load_rdf_files(store, [DATA / "analytics_small.ttl"], graph_name="analytics-fixture", title="fixture")
    return store


def test_shares_hhi_top_shares_and_flags_by_hand(small: Store) -> None:
    [result] = concentrations(small, year="2024")
    assert [(iris.key_of(NamedNode(s.area)), round(s.percent, 6)) for s in result.shares] == [
        ("AAA", 50.0), ("BBB", 20.0), ("CCC", 15.0), ("DDD", 10.0), ("EEE", 5.0)]
    assert result.total_tonnes == pytest.approx(100.0)
    assert result.hhi == pytest.approx(3250.0)
    assert result.top1_share == pytest.approx(50.0)
    assert result.top3_share == pytest.approx(85.0)
    assert result.hhi_over_2500 is True
    assert result.one_country_over_50 is False  # exactly half is not more than half


def test_world_total_other_countries_and_withheld_are_excluded_and_said(small: Store) -> None:
    [result] = concentrations(small, year="2024")
    reasons = {e.observation.removeprefix(OBS): e.reason for e in result.excluded}
    assert set(reasons) == {"world", "other", "f"}
    assert "not a country" in reasons["world"] and "not a country" in reasons["other"]
    assert "withheld" in reasons["f"]
    assert "no company-level" in result.company_shares_note


def test_one_country_over_half(small: Store) -> None:
    [result] = concentrations(small, year="2023")
    assert result.hhi == pytest.approx(5200.0)
    assert (result.hhi_over_2500, result.one_country_over_50) == (True, True)
    assert result.top3_share == pytest.approx(100.0)


def test_lithium_mine_production_2024_recomputed_from_raw_observations(bundled) -> None:
    store = bundled[0]
    raw = query(store, """SELECT ?o ?v WHERE { ?o a cm:ProductionObservation ; cm:commodity commodity:lithium ;
        cm:stage stage:mining ; cm:refYear "2024"^^xsd:gYear ; cm:refArea ?p ; qudt:numericValue ?v .
        ?p a cm:Country }""")
    values = [float(row["v"].value) for row in raw]
    total = sum(values)
    expected_hhi = sum((100 * v / total) ** 2 for v in values)
    [result] = concentrations(store, commodity=iris.commodity("lithium"), stage=iris.concept("stage", "mining"),
                              quantity_kind=iris.concept("quantity-kind", "production"), year="2024")
    assert result.hhi == pytest.approx(expected_hhi, abs=1e-3)
    assert result.top1_share == pytest.approx(100 * max(values) / total, abs=1e-3)
    assert result.top_country.area == iris.country("AUS").value  # 88,000 t of 240,000 (USGS MCS 2025)
    excluded = {iris.key_of(NamedNode(e.area)) for e in result.excluded}
    assert excluded == {"world", "USA"}  # the world total and the US figure USGS withholds


def test_us_import_reliance_and_ranked_sources(bundled) -> None:
    items = import_reliance(bundled[0], iris.country("USA"), commodity=iris.commodity("cobalt"))
    latest = next(i for i in items if i.year == "2024")
    assert latest.headline.percent == 76.0  # MCS 2025: 76% for 2024
    assert [iris.key_of(NamedNode(s.exporter)) for s in latest.suppliers] == ["NOR", "FIN", "JPN", "CAN"]
    assert latest.supplier_hhi is None and "without their shares" in latest.supplier_note
    rare_earths = import_reliance(bundled[0], iris.country("USA"), commodity=iris.commodity("rare-earth-elements"))
    assert {r.status for r in next(i for i in rare_earths if i.year == "2023").readings} >= {"net-exporter"}


@pytest.mark.parametrize(("pair", "years"), [(("IN_MoM_2023", "UK_2021"), ["2023", "2021"]),
                                             (("EU_CRMA_2024_CRM", "US_USGS_2025"), ["2024", "2025"])])
def test_list_overlap_against_the_lists_memberships(bundled, pair: tuple[str, str], years: list[str]) -> None:
    store = bundled[0]

    def members(list_id: str) -> set[str]:
        rows = query(store, "SELECT ?l ?c WHERE { ?l cm:includes ?c }", l=iris.criticality_list(list_id))
        return {row["c"].value for row in rows}

    result = list_overlap(store, pair)
    assert set(result.common) == members(pair[0]) & members(pair[1])
    assert [info.year for info in result.lists] == years


def test_india_uk_overlap_holds_the_battery_minerals(bundled) -> None:
    common = set(list_overlap(bundled[0], ["IN_MoM_2023", "UK_2021"]).common.values())
    assert {"Cobalt", "Graphite", "Lithium", "Rare earth elements"} <= common
    assert "Nickel" not in common  # not on the UK 2021 list


def test_unknown_list(bundled) -> None:
    with pytest.raises(UnknownListError):
        list_overlap(bundled[0], ["IN_MoM_2023", "NOPE"])


def test_what_a_partner_graph_says_about_places_does_not_reach_the_hubs_indicators(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    load_rdf_files(store, [DATA / "analytics_small.ttl"], graph_name="analytics-fixture", title="fixture")
    partner = iris.partner_graph("acme", "places")
    world, aaa = iris.entity("place", "world"), iris.entity("country", "AAA")
    store.add(Quad(world, iris.ns("rdf", "type"), iris.term("Country"), partner))
    store.add(Quad(aaa, iris.ns("rdfs", "label"), Literal("A name from a partner"), partner))
    [hub] = concentrations(store, year="2024", hub_only=True)
    assert hub.hhi == pytest.approx(3250.0) and "world" in {e.observation.removeprefix(OBS) for e in hub.excluded}
    assert "A name from a partner" not in {s.label for s in hub.shares}
    [view] = concentrations(store, year="2024")  # a caller who may read the partner graph sees its claims
    assert {"A name from a partner", "World total"} <= {s.label for s in view.shares}
    assert view.hhi != pytest.approx(3250.0)
