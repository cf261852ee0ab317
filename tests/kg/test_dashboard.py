"""The dashboard's data: the supply flow on the hand-built ten-facility chain (expected values by hand from the
diagram in tests/data/chain_lithium.trig), and the risk table on the bundled data against an independent count."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal

from kg import iris
from kg.analytics.concentration import CountryValue, summarise
from kg.analytics.dashboard import commodity_dashboard, risk_table, share_bars
from kg.store import query
from tests.kg.chain_fixture import chain_store

REC = "https://w3id.org/critmin/id/test-record/"


@pytest.fixture(scope="module")
def chain_dashboard(tmp_path_factory: pytest.TempPathFactory):
    store = chain_store(Path(tmp_path_factory.mktemp("dashboard")) / "store")
    found = commodity_dashboard(store, iris.commodity("lithium"))
    assert found is not None
    return found


def test_flow_folds_supply_links_into_stage_and_country_groups(chain_dashboard) -> None:
    # By hand: M1→R1 and M2→R1 (AUS mines to a Chinese refinery), M3→R2 (Chile to Chile), R1→P1 and R2→P1 (to the
    # Chinese cathode plant), P1→C1 and P1→C2 (to Korean cell plants), C1→E1 (to the US EV plant). X1→R2 goes from
    # recycling back to refining: a Sankey cannot draw that loop, so it is left out and counted in a note. The cobalt
    # agreement and the candidate fact are not links of lithium.
    flows = {(f.source, f.target): f.links for f in chain_dashboard.flow}
    assert flows == {
        ("Mining · Australia", "Refining · China"): 2,
        ("Mining · Chile", "Refining · Chile"): 1,
        ("Refining · China", "Component manufacturing · China"): 1,
        ("Refining · Chile", "Component manufacturing · China"): 1,
        ("Component manufacturing · China", "Cell manufacturing · Korea, Republic of"): 2,
        ("Cell manufacturing · Korea, Republic of", "End use · United States"): 1,
    }
    australia = next(f for f in chain_dashboard.flow if f.source == "Mining · Australia")
    assert australia.evidence == [REC + "sa-m1", REC + "curation-m2"]  # the agreement and the curation record
    assert len(chain_dashboard.flow_notes) == 1 and chain_dashboard.flow_notes[0].startswith("1 supply link")


def test_stage_counts_organisations_and_recycling_of_the_chain(chain_dashboard) -> None:
    assert chain_dashboard.risk.facilities_by_stage == {"mining": 3, "refining": 2, "component-manufacturing": 1,
                                                        "cell-manufacturing": 2, "end-use": 1, "recycling": 1}
    assert [label for _, label in chain_dashboard.organisations] == ["Albemarle", "CarCo", "CellCo", "Talison",
                                                                      "Tianqi"]
    assert chain_dashboard.recycling.capacity_tonnes == 5000.0
    # no coordinates in the fixture: every facility is counted as without a place, none is drawn
    assert (chain_dashboard.facilities, chain_dashboard.facilities_without_place) == ([], 10)


def test_share_bars_fold_the_tail_into_others() -> None:
    values = [CountryValue(f"urn:o{i}", f"urn:c{i}", f"C{i}", float(t)) for i, t in enumerate((50, 20, 10, 10, 5, 5))]
    bars = share_bars(summarise(values), shown=3)
    assert [(b.label, round(b.percent, 6), b.tonnes) for b in bars] == [
        ("C0", 50.0, 50.0), ("C1", 20.0, 20.0), ("C2", 10.0, 10.0), ("3 other countries", 20.0, 20.0)]
    assert bars[-1].country is None


def test_risk_table_hhi_matches_an_independent_computation(bundled) -> None:
    store, _ = bundled
    rows = {row.key: row for row in risk_table(store)}
    assert {"lithium", "cobalt", "nickel", "graphite", "rare-earth-elements"} <= rows.keys()
    for key in ("lithium", "cobalt", "nickel", "graphite", "rare-earth-elements"):
        tonnes = _mine_production_by_country(store, key, "2024")
        total = sum(tonnes.values())
        hhi = sum((100 * t / total) ** 2 for t in tonnes.values())
        [signal] = [s for s in rows[key].signals
                    if s.stage.endswith("/mining") and s.quantity_kind.endswith("/production")]
        assert signal.year == "2024"
        assert signal.hhi == pytest.approx(hhi, abs=0.01)
        assert signal.top1_share == pytest.approx(100 * max(tonnes.values()) / total, abs=1e-3)
        assert signal.evidence == iris.indicator("concentration", key, "mining", "production", "2024").value
    hhis = [row.max_hhi for row in rows.values()]
    assert hhis == sorted(hhis, reverse=True)  # most concentrated first


def _mine_production_by_country(store, commodity: str, year: str) -> dict[str, float]:
    """Mine production per country in tonnes, read straight from the USGS observations (not through our modules)."""
    sparql = """
      SELECT ?commodity ?year ?area ?value ?unit WHERE {
        ?o a cm:Observation ; cm:commodity ?commodity ; cm:stage stage:mining ; cm:refYear ?year ;
           cm:quantityKind <https://w3id.org/critmin/id/quantity-kind/production> ; cm:refArea ?area ;
           qudt:numericValue ?value ; qudt:unit ?unit .
        ?area a cm:Country .
      }"""
    factor = {"TONNE": 1.0, "KiloTONNE": 1000.0, "KiloGM": 0.001}
    year_literal = Literal(year, datatype=iris.ns("xsd", "gYear"))
    rows = query(store, sparql, commodity=iris.commodity(commodity), year=year_literal)
    found: dict[str, float] = {}
    for row in rows:
        found.setdefault(row["area"].value, float(row["value"].value) * factor[row["unit"].value.rsplit("/", 1)[1]])
    return found
