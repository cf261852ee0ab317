"""Chains and bottlenecks on the hand-built ten-facility lithium chain (diagram in tests/data/chain_lithium.trig),
and on the bundled data. Every expected number below was worked out by hand from the fixture's diagram."""

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from kg.analytics.chains import (
    ChainGraph,
    build_chain_graph,
    commodity_node,
    find_bottlenecks,
    find_chains,
    recycling_summary,
)
from kg.store import query
from tests.kg.chain_fixture import COUNTRY, STAGE, chain_store, fac

LITHIUM = commodity_node("lithium")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return chain_store(Path(tmp_path_factory.mktemp("chains")) / "store")


@pytest.fixture(scope="module")
def chain(store: Store) -> ChainGraph:
    built = build_chain_graph(store, LITHIUM)
    assert built is not None
    return built


def test_nodes_are_the_ten_lithium_facilities(chain: ChainGraph) -> None:
    assert sorted(chain.facilities) == fac("C1", "C2", "E1", "M1", "M2", "M3", "P1", "R1", "R2", "X1")
    assert chain.facilities[fac("R1")[0]].country == COUNTRY + "CHN"


def test_edges_are_the_explicit_links_only(chain: ChainGraph) -> None:
    # 9 edges: M1→R1 (agreement between the operators Talison and Tianqi), M2→R1 (curated), M3→R2, R1→P1, R2→P1,
    # C1→E1 (no commodity named; both ends are lithium facilities), X1→R2 (agreements), P1→C1, P1→C2 (partner graph).
    # Left out: the cobalt agreement R2→C2 and the candidate M3→R1 that nobody accepted.
    got = {(e.supplier.rsplit("-", 1)[1], e.buyer.rsplit("-", 1)[1], e.kind, e.via) for e in chain.edges}
    assert got == {
        ("M1", "R1", "agreement", "organisation"), ("M2", "R1", "curated", "facility"),
        ("M3", "R2", "agreement", "facility"), ("R1", "P1", "agreement", "facility"),
        ("R2", "P1", "agreement", "facility"), ("C1", "E1", "agreement", "facility"),
        ("X1", "R2", "agreement", "facility"), ("P1", "C1", "asserted", "facility"),
        ("P1", "C2", "asserted", "facility"),
    }
    curated = next(e for e in chain.edges if e.kind == "curated")
    assert curated.evidence == "https://w3id.org/critmin/id/test-record/curation-m2"  # the curation record
    assert chain.unresolved_links == 0


def test_chains_from_mines_to_cell_and_ev_plants(chain: ChainGraph) -> None:
    # Each mine reaches P1 by one route and P1 ends in C1, C1→E1 or C2: 3 mines x 3 ends = 9 chains. X1 is no mine.
    found = find_chains(chain)
    assert not found.truncated
    ends = sorted(tuple(step.rsplit("-", 1)[1] for step in path) for path in found.paths)
    assert ends == [
        ("M1", "R1", "P1", "C1"), ("M1", "R1", "P1", "C1", "E1"), ("M1", "R1", "P1", "C2"),
        ("M2", "R1", "P1", "C1"), ("M2", "R1", "P1", "C1", "E1"), ("M2", "R1", "P1", "C2"),
        ("M3", "R2", "P1", "C1"), ("M3", "R2", "P1", "C1", "E1"), ("M3", "R2", "P1", "C2"),
    ]


def test_bottlenecks(chain: ChainGraph) -> None:
    found = find_bottlenecks(chain)
    assert (found.facility_count, found.edge_count, found.chain_count) == (10, 9, 9)
    assert found.edges_by_kind == {"agreement": 6, "asserted": 2, "curated": 1}
    # The chains' undirected graph is a tree (8 edges, 9 nodes): M1-R1, M2-R1, M3-R2, R1-P1, R2-P1, P1-C1, P1-C2,
    # C1-E1. Its cut vertices are the inner nodes: R1 (degree 3), R2 (2), P1 (4), C1 (2).
    assert found.cut_vertices == fac("C1", "P1", "R1", "R2")
    # Without P1 no cell plant or EV maker is reached; without C1, E1 is not; R1 and R2 each leave the other route.
    assert [(p.facility, p.cuts_off) for p in found.single_points_of_failure] == [
        (fac("C1")[0], fac("E1")), (fac("P1")[0], fac("C1", "C2", "E1")),
    ]
    by_stage = {s.stage.removeprefix(STAGE): (s.facilities, [c.removeprefix(COUNTRY) for c in s.countries],
                                              s.single_country, s.single_facility) for s in found.stages}
    assert by_stage == {
        "exploration": (0, [], False, False),
        "mining": (3, ["AUS", "CHL"], False, False),
        "concentration": (0, [], False, False),
        "refining": (2, ["CHL", "CHN"], False, False),
        "component-manufacturing": (1, ["CHN"], True, True),
        "cell-manufacturing": (2, ["KOR"], True, False),
        "end-use": (1, ["USA"], True, True),
        "recycling": (1, ["USA"], True, True),
    }
    assert found.notes == []


def test_recycling_against_production_and_import_reliance(store: Store) -> None:
    found = recycling_summary(store, LITHIUM)
    assert [(p.facility, p.capacity, p.year) for p in found.plants] == [(fac("X1")[0], 5000.0, "2024")]
    assert found.capacity_tonnes == 5000.0
    # the latest world production (2024: 100,000 t, not 2023's 80,000 t) and the US net import reliance
    assert [(f.kind, f.area.rsplit("/", 1)[1], f.year, f.value) for f in found.figures] == [
        ("net-import-reliance", "USA", "2024", 50.0), ("world-production", "world", "2024", 100000.0),
    ]


def test_unknown_commodity(store: Store) -> None:
    assert build_chain_graph(store, commodity_node("unobtainium")) is None


BATTERY = ["lithium", "cobalt", "nickel", "graphite", "rare-earth-elements"]


@pytest.mark.parametrize("key", BATTERY)
def test_bundled_data_has_facilities_but_no_supply_links(bundled, key: str) -> None:
    store = bundled[0]
    chain = build_chain_graph(store, commodity_node(key))
    assert chain is not None
    found = find_bottlenecks(chain)
    # counted independently of chain_facilities.rq: facilities with the commodity (or a narrower one) and a stage
    [row] = query(store, """SELECT ?commodity (COUNT(DISTINCT ?f) AS ?n) WHERE {
        ?c skos:broader* ?commodity . ?f cm:commodity ?c .
        { ?f cm:stage ?s } UNION { ?f cm:facilityType ?t . ?t cm:stage ?s } } GROUP BY ?commodity""",
                  commodity=NamedNode(chain.commodity))
    assert found.facility_count == int(row["n"].value)
    # the bundled feeds hold no SupplyAgreement, no cm:supplies triple and no accepted extracted fact
    assert (found.edge_count, found.chain_count, found.cut_vertices, found.single_points_of_failure) == (0, 0, [], [])
    assert "no explicit supply links" in found.notes[0]
    assert sum(s.facilities for s in found.stages) >= found.facility_count
