"""kg/analytics/freshness.py over real stores (copies of the bundled one): which changes make the indicators stale,
which do not, and what a recomputation then gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse

from kg import iris
from kg.analytics.freshness import analytics_status, last_run, recompute_if_stale
from kg.analytics.graph_versions import catalog_versions
from kg.catalog import GraphDescription
from kg.cli import main
from kg.loading import replace_graph
from kg.store import open_store

WORLD = iris.graph("usgs-mcs2025-world")
LITHIUM_2024 = iris.indicator("concentration", "lithium", "mining", "production", "2024")
NUMERIC_VALUE = iris.ns("qudt", "numericValue")
OBSERVATION_PREFIX = "https://w3id.org/critmin/id/observation/usgs-mcs2025-world/lithium/mine-production-lithium-content/"
AUS_2024 = NamedNode(OBSERVATION_PREFIX + "AUS/2024/production")
LABEL_ONLY = '<https://w3id.org/critmin/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
OBSERVATION_TTL = """
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/critmin/id/observation/test/lithium-GBR-2024> a cm:ProductionObservation ;
    cm:commodity <https://w3id.org/critmin/id/commodity/lithium> ; cm:stage <https://w3id.org/critmin/id/stage/mining> ;
    cm:quantityKind <https://w3id.org/critmin/id/quantity-kind/production> ; cm:refYear "2024"^^xsd:gYear ;
    cm:refArea <https://w3id.org/critmin/id/country/GBR> ;
    qudt:numericValue 50000 ; qudt:unit <http://qudt.org/vocab/unit/TONNE> .
"""


@pytest.fixture
def store(bundled_copy) -> Store:
    return open_store(bundled_copy())


def hhi(store: Store) -> float:
    [value] = [q.object.value for q in store.quads_for_pattern(LITHIUM_2024, iris.term("hhi"), None,
                                                               iris.ANALYTICS_GRAPH)]
    return float(value)


def lithium_2024_tonnes(store: Store) -> dict[str, float]:
    """The countries' 2024 lithium mine production as the world graph holds it (observations about countries only)."""
    countries = {q.subject.value for q in store.quads_for_pattern(None, iris.ns("rdf", "type"), iris.term("Country"))}
    out = {}
    for quad in store.quads_for_pattern(None, NUMERIC_VALUE, None, WORLD):
        observation = quad.subject.value
        if observation.startswith(OBSERVATION_PREFIX) and observation.endswith("/2024/production"):
            area = observation.removeprefix(OBSERVATION_PREFIX).split("/")[0]
            if iris.country(area).value in countries:
                out[area] = float(quad.object.value)
    return out


def by_hand(tonnes: dict[str, float]) -> float:
    total = sum(tonnes.values())
    return sum((100 * value / total) ** 2 for value in tonnes.values())


def change_value(store: Store, observation: NamedNode, tonnes: float) -> None:
    """Load the world graph again as a newer release would, with one number changed."""
    triples = [Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, WORLD)]
    triples = [t for t in triples if not (t.subject == observation and t.predicate == NUMERIC_VALUE)]
    triples.append(Triple(observation, NUMERIC_VALUE, Literal(str(tonnes), datatype=iris.ns("xsd", "decimal"))))
    replace_graph(store, GraphDescription(name="usgs-mcs2025-world", title="USGS world (test release)",
                                          description="test", license_url=None, citation="test"),
                  triples, records_read=len(triples))


def triples_of(turtle: str) -> list[Triple]:
    return [Triple(q.subject, q.predicate, q.object) for q in parse(turtle.encode(), format=RdfFormat.TURTLE)]


def add_graph(store: Store, name: str, turtle: str) -> None:
    replace_graph(store, GraphDescription(name=name, title=name, description="test", license_url=None,
                                          citation="test"), triples_of(turtle), records_read=1)


def test_after_a_load_the_indicators_are_fresh_with_the_versions_they_read(store: Store) -> None:
    status = analytics_status(store)
    assert status.state == "fresh", status
    assert status.last_run and status.started and status.ended
    recorded = {v.graph: v for v in status.inputs}
    catalog = catalog_versions(store)
    # the data graphs and those saying which places are countries and how commodities are named
    for name in ("usgs-mcs2025-world", "usgs-mcs2025-salient", "critical-mineral-lists", "countries", "ontology"):
        assert recorded[iris.graph(name).value] == catalog[iris.graph(name).value]
    assert iris.graph("icmm-gmd").value not in recorded  # facilities only: nothing an indicator reads


def test_a_changed_source_makes_them_stale_and_recomputing_gives_the_new_hhi(store: Store) -> None:
    tonnes = lithium_2024_tonnes(store)
    assert tonnes["AUS"] == 88000 and hhi(store) == pytest.approx(by_hand(tonnes), abs=1e-3)
    before = last_run(store)

    change_value(store, AUS_2024, 8000)
    status = analytics_status(store)
    assert status.state == "stale"
    assert status.changed == [WORLD.value] and not status.appeared and not status.disappeared

    report = recompute_if_stale(store)
    assert report is not None and report.concentration > 0
    expected = by_hand({**tonnes, "AUS": 8000.0})
    assert hhi(store) == pytest.approx(expected, abs=1e-3)
    assert hhi(store) != pytest.approx(by_hand(tonnes), abs=1)
    after = analytics_status(store)
    assert after.state == "fresh" and after.last_run != before.run
    assert recompute_if_stale(store) is None  # current: nothing done


def test_a_new_hub_graph_with_observations_is_a_change_one_without_is_not(store: Store) -> None:
    add_graph(store, "press-notes", LABEL_ONLY)
    assert analytics_status(store).state == "fresh"

    add_graph(store, "uk-survey", OBSERVATION_TTL)
    status = analytics_status(store)
    assert status.state == "stale" and status.appeared == [iris.graph("uk-survey").value]
    recompute_if_stale(store)
    assert iris.graph("uk-survey").value in {v.graph for v in analytics_status(store).inputs}


def test_a_partner_graph_never_makes_them_stale(store: Store) -> None:
    partner = iris.partner_graph("bgs", "survey")
    store.extend([Quad(t.subject, t.predicate, t.object, partner) for t in triples_of(OBSERVATION_TTL)])
    assert analytics_status(store).state == "fresh"
    assert recompute_if_stale(store) is None


def test_a_graph_gone_with_its_catalog_entry_is_a_change(store: Store) -> None:
    sources = iris.graph("usgs-mcs2025-import-sources")
    store.remove_graph(sources)
    store.update(f"DELETE WHERE {{ GRAPH <{iris.CATALOG_GRAPH.value}> {{ <{sources.value}> ?p ?o }} }}")
    status = analytics_status(store)
    assert status.state == "stale" and status.disappeared == [sources.value]


def test_a_store_never_analysed_is_stale_when_it_holds_inputs(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    assert analytics_status(store).state == "fresh"  # nothing to compute
    add_graph(store, "uk-survey", OBSERVATION_TTL)
    status = analytics_status(store)
    assert status.state == "stale" and status.reason == "never computed"


def test_the_cli_says_whether_it_recomputed(bundled_copy, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = bundled_copy()
    plain = tmp_path / "notes.ttl"
    plain.write_text(LABEL_ONLY)
    assert main(["load", str(plain), "--store", str(path)]) == 0
    assert "Indicators already current" in capsys.readouterr().out

    survey = tmp_path / "uk-survey.ttl"
    survey.write_text(OBSERVATION_TTL)
    assert main(["load", str(survey), "--store", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Indicators stale: new uk-survey" in out and "Recomputing indicators" in out

