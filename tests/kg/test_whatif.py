"""What-if removals on the hand-built ten-facility lithium chain (diagram in tests/data/chain_lithium.trig); the 9
chains before any removal are listed in tests/kg/test_chains.py. Expected values worked out by hand."""

from pathlib import Path

import pytest

from kg.analytics.chains import ChainGraph, build_chain_graph, commodity_node
from kg.analytics.concentration import CountryValue, summarise
from kg.analytics.whatif import simulate, supply_lost
from tests.kg.chain_fixture import COUNTRY, ORG, STAGE, chain_store, fac


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> ChainGraph:
    built = build_chain_graph(chain_store(Path(tmp_path_factory.mktemp("whatif")) / "store"),
                              commodity_node("lithium"))
    assert built is not None
    return built


def short(iri: str) -> str:
    return iri.rsplit("/", 1)[1].removeprefix("test-")


def stage_changes(result) -> dict[str, tuple[int, int, list[str], list[str]]]:
    return {s.stage.removeprefix(STAGE): (s.facilities_before, s.facilities_after,
                                          [short(c) for c in s.countries_before], [short(c) for c in s.countries_after])
            for s in result.stages}


def test_remove_china_breaks_every_chain(chain: ChainGraph) -> None:
    # China holds R1 and P1; every chain passes P1, so all 9 are lost and no cell plant or EV maker is reached.
    result = simulate(chain, "country", COUNTRY + "CHN")
    assert result.removed_facilities == fac("P1", "R1")
    assert (result.chains_before, len(result.lost_chains), result.surviving_chains) == (9, 9, [])
    assert result.ends_cut_off == fac("C1", "C2", "E1")
    assert stage_changes(result) == {
        "refining": (2, 1, ["CHL", "CHN"], ["CHL"]),
        "component-manufacturing": (1, 0, ["CHN"], []),
    }
    # every operator on the lost chains; only Tianqi lost a facility of its own (P1 has no operator on record)
    assert [(short(o.organisation), [short(f) for f in o.facilities], o.lost_own_facility)
            for o in result.organisations] == [
        ("albemarle", ["M3", "R2"], False), ("carco", ["E1"], False),
        ("cellco", ["C1", "C2"], False), ("talison", ["M1"], False), ("tianqi", ["R1"], True),
    ]


def test_remove_albemarle(chain: ChainGraph) -> None:
    # Albemarle owns M3 and operates R2: the 3 chains from M3 go, the 6 from M1 and M2 stay; mining and refining are
    # each left with one country.
    result = simulate(chain, "company", ORG + "albemarle")
    assert result.removed_facilities == fac("M3", "R2")
    assert (len(result.lost_chains), len(result.surviving_chains)) == (3, 6)
    assert all(path[0] != fac("M3")[0] for path in result.surviving_chains)
    assert result.ends_cut_off == []
    assert stage_changes(result) == {
        "mining": (3, 2, ["AUS", "CHL"], ["AUS"]),
        "refining": (2, 1, ["CHL", "CHN"], ["CHN"]),
    }
    assert [(short(o.organisation), o.lost_own_facility) for o in result.organisations] == [
        ("albemarle", True), ("carco", False), ("cellco", False),
    ]


def test_remove_cell_plant_c1(chain: ChainGraph) -> None:
    # The 6 chains ending at C1 or E1 go; the 3 ending at C2 survive; E1 is reached only through C1.
    result = simulate(chain, "facility", fac("C1")[0])
    assert (len(result.lost_chains), len(result.surviving_chains)) == (6, 3)
    assert sorted(tuple(short(s) for s in p) for p in result.surviving_chains) == [
        ("M1", "R1", "P1", "C2"), ("M2", "R1", "P1", "C2"), ("M3", "R2", "P1", "C2"),
    ]
    assert result.ends_cut_off == fac("C1", "E1")
    assert stage_changes(result) == {"cell-manufacturing": (2, 1, ["KOR"], ["KOR"])}
    cellco = next(o for o in result.organisations if o.organisation == ORG + "cellco")
    assert (cellco.facilities, cellco.lost_own_facility) == (fac("C1"), True)


def test_remove_something_absent(chain: ChainGraph) -> None:
    result = simulate(chain, "country", COUNTRY + "FRA")
    assert (result.removed_facilities, result.lost_chains, len(result.surviving_chains)) == ([], [], 9)
    assert "no facility is removed" in result.notes[0]
    assert result.supply_lost == []  # no concentration given


def test_supply_lost_when_the_leading_country_goes(chain: ChainGraph) -> None:
    # Shares 60/30/10 (t: 600, 300, 100): HHI 3600+900+100 = 4600. Without A: 300/400 = 75%, 100/400 = 25%,
    # HHI 5625+625 = 6250, B leads with 75%.
    values = [CountryValue(f"urn:obs:{c}", COUNTRY + c, c, t) for c, t in (("A", 600.0), ("B", 300.0), ("C", 100.0))]
    indicator = summarise(values)
    indicator.stage, indicator.quantity_kind, indicator.year = STAGE + "mining", "urn:kind:production", "2024"
    result = simulate(chain, "country", COUNTRY + "A", [indicator])
    (loss,) = result.supply_lost
    assert (loss.tonnes, loss.percent, loss.observation, loss.hhi_before) == (600.0, 60.0, "urn:obs:A", 4600.0)
    assert (loss.hhi_after, loss.top_after, loss.top_after_share) == (6250.0, COUNTRY + "B", 75.0)
    assert simulate(chain, "country", COUNTRY + "Z", [indicator]).supply_lost == []
    only = summarise(values[:1])
    assert supply_lost([only], COUNTRY + "A")[0].hhi_after is None  # nobody left to share the rest
    assert "by company or facility" in simulate(chain, "facility", fac("C1")[0], [indicator]).notes[0]
