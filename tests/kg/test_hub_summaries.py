"""Hub summaries (kg/hub_summaries.py, read by kg/hub_facts.py): on the bundled store a country or commodity page
built from its summary says exactly what the live queries say, and a change to a hub graph makes the summary stale
(the page then asks the live queries) until it is recomputed."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

from kg import entities, iris
from kg.analytics.freshness import recompute_if_stale
from kg.catalog import GraphDescription
from kg.entity_indicators import country_indicators
from kg.hub_facts import summary_of, table_rows
from kg.hub_summaries import materialise_summaries, summaries_status
from kg.loading import replace_graph
from kg.rq import load_query
from kg.store import open_store, query
from tests.kg.test_events import extract_bundled_documents

CM = iris.ONTOLOGY
MINE = NamedNode(iris.ID + "facility-type/mine")
AUSTRALIA = NamedNode(iris.ID + "country/AUS")
LITHIUM = NamedNode(iris.ID + "commodity/lithium")


def hubs(store: Store, kind: str) -> list[NamedNode]:
    rows = query(store, load_query(entities.__file__, "summary_hubs"))
    return [row["hub"] for row in rows if row["kind"].value == kind]


def inbound(page: entities.InboundPage) -> tuple[int, list[tuple[str, str]]]:
    return page.total, [(link.property.iri, link.subject.iri) for link in page.links]


def stages(facts: entities.CommodityFacts) -> list[tuple[str, str | None, int]]:
    return sorted((s.stage.iri, s.stage.label, s.count) for s in facts.facilities_by_stage)


def test_summaries_are_current_after_a_load(bundled) -> None:
    store, _ = bundled
    assert summaries_status(store).fresh
    assert len(hubs(store, "country")) > 200 and len(hubs(store, "commodity")) > 50


def test_country_pages_from_summaries_equal_the_live_queries(bundled) -> None:
    store, _ = bundled
    counts = []
    for hub in hubs(store, "country"):
        summary = summary_of(store, hub)
        assert summary is not None, hub
        got, want = entities.country_facts(store, hub, summary), entities.country_facts(store, hub)
        assert (got.facility_count, got.facilities, got.facility_types) == (
            want.facility_count, want.facilities, want.facility_types), hub
        assert got.production == want.production
        counts.append(got.facility_count)
    assert max(counts) > 100  # a country whose list is cut at 100 by name


def test_commodity_pages_from_summaries_equal_the_live_queries(bundled) -> None:
    store, _ = bundled
    with_stages = with_production = 0
    for hub in hubs(store, "commodity"):
        summary = summary_of(store, hub)
        assert summary is not None, hub
        got, want = entities.commodity_facts(store, hub, summary), entities.commodity_facts(store, hub)
        assert stages(got) == stages(want), hub
        assert (got.years, got.producers) == (want.years, want.producers), hub
        with_stages += bool(got.facilities_by_stage)
        with_production += bool(got.producers)
    assert with_stages > 10 and with_production >= 5


def test_country_shares_from_page_tables_equal_the_live_query(bundled) -> None:
    store, _ = bundled
    shares = 0
    for hub in hubs(store, "country"):
        rows = table_rows(store, summary_of(store, hub), "country-shares")
        assert rows is not None, hub
        got = country_indicators(store, hub, rows)
        assert got == country_indicators(store, hub), hub
        shares += len(got.concentration)
    assert shares > 20
    assert all(table_rows(store, summary_of(store, hub), "commodity-production") is not None
               for hub in hubs(store, "commodity"))  # what the commodity pages above were built from


def test_page_tables_leave_partner_graphs_out(copy: Store) -> None:
    """A partner graph present when the tables are made (so they are asked over the covered graphs by name) gives
    them nothing: not its label of a commodity, not its production figure."""
    partner = NamedNode(iris.GRAPH + "partner/alpha/figures")
    observation = NamedNode(iris.ID + "observation/alpha-test/1")
    copy.add(Quad(LITHIUM, iris.ns("skos", "prefLabel"), Literal("!Alpha lithium", language="en"), partner))
    xsd = partial(iris.ns, "xsd")
    copy.extend([Quad(observation, p, o, partner) for p, o in (
        (iris.ns("rdf", "type"), NamedNode(CM + "ProductionObservation")), (NamedNode(CM + "commodity"), LITHIUM),
        (NamedNode(CM + "refArea"), AUSTRALIA), (NamedNode(CM + "refYear"), Literal("1901", datatype=xsd("gYear"))),
        (iris.ns("qudt", "numericValue"), Literal("4242.5", datatype=xsd("decimal"))))])
    materialise_summaries(copy)
    tables = [q.object.value for q in copy.quads_for_pattern(None, NamedNode(CM + "tableRows"), None,
                                                              iris.SUMMARIES_GRAPH)]
    assert tables and not any("!Alpha" in rows or "4242.5" in rows or "alpha-test" in rows for rows in tables)
    summary = summary_of(copy, LITHIUM)
    assert summary is not None and table_rows(copy, summary, "commodity-production") is not None
    # the partner's figure still reaches the page of a reader of the partner graph, asked live from that graph
    years = entities.commodity_facts(copy, LITHIUM, summary).years
    assert "1901" in years and years == entities.commodity_facts(copy, LITHIUM).years


def test_inbound_links_from_summaries_equal_the_live_queries(bundled) -> None:
    store, _ = bundled
    totals = []
    for hub in hubs(store, "country") + hubs(store, "commodity"):
        summary = summary_of(store, hub)
        assert summary is not None
        for page in (1, 2):
            got = entities._inbound(store, hub, page=page, page_size=50, summary=summary)
            want = entities._inbound(store, hub, page=page, page_size=50)
            assert inbound(got) == inbound(want), (hub, page)
        totals.append(got.total)
    assert max(totals) > 50  # a hub with a second page


@pytest.fixture
def copy(bundled_copy) -> Store:
    return open_store(Path(bundled_copy()))


def add_facility(store: Store, graph: str, name: str) -> None:
    """A hub graph (with its catalog entry, as every load writes it) holding one new mine in Australia."""
    facility = NamedNode(iris.ID + f"facility/{graph}/first")
    triples = [Triple(facility, NamedNode(CM + "country"), AUSTRALIA),
               Triple(facility, NamedNode(CM + "facilityType"), MINE),
               Triple(facility, iris.ns("rdfs", "label"), Literal(name))]
    replace_graph(store, GraphDescription(name=graph, title=graph, description="test", license_url=None,
                                          citation="test", rights="test"), triples, records_read=1)


def test_a_changed_hub_graph_makes_the_page_ask_live_until_recomputed(copy: Store) -> None:
    before = entities.country_facts(copy, AUSTRALIA, summary_of(copy, AUSTRALIA)).facility_count
    add_facility(copy, "test-mines", "!First mine")
    assert not summaries_status(copy).fresh
    assert summary_of(copy, AUSTRALIA) is None  # stale: the page asks the live queries
    described = entities.describe_entity(copy, AUSTRALIA.value)
    assert described is not None and described.country is not None
    assert described.country.facility_count == before + 1
    assert described.country.facilities[0].label == "!First mine"

    recompute_if_stale(copy)  # what the server does after every write, and at start
    summary = summary_of(copy, AUSTRALIA)
    assert summary is not None and summary.facility_count == before + 1
    assert entities.country_facts(copy, AUSTRALIA, summary).facilities[0].label == "!First mine"
    assert inbound(entities._inbound(copy, AUSTRALIA, page=1, page_size=50, summary=summary)) == inbound(
        entities._inbound(copy, AUSTRALIA, page=1, page_size=50))


def test_a_partner_graph_counts_live_and_only_where_it_is_present(copy: Store) -> None:
    partner = iris.GRAPH + "partner/alpha/mines"
    facility = NamedNode(iris.ID + "facility/alpha-test/hidden")
    copy.extend([Quad(facility, NamedNode(CM + p), o, NamedNode(partner)) for p, o in (
        ("country", AUSTRALIA), ("facilityType", MINE), ("commodity", LITHIUM))])
    copy.add(Quad(facility, iris.ns("rdfs", "label"), Literal("!Alpha hidden mine"), NamedNode(partner)))
    assert summaries_status(copy).fresh  # a partner graph is never the summaries' input
    summary = summary_of(copy, AUSTRALIA)
    assert summary is not None and [g.value for g in summary.extra] == [partner]
    got, want = entities.country_facts(copy, AUSTRALIA, summary), entities.country_facts(copy, AUSTRALIA)
    assert got.facility_count == want.facility_count == summary.facility_count + 1
    assert got.facilities == want.facilities and got.facilities[0].iri == facility.value
    assert inbound(entities._inbound(copy, AUSTRALIA, page=1, page_size=50, summary=summary)) == inbound(
        entities._inbound(copy, AUSTRALIA, page=1, page_size=50))
    lithium = summary_of(copy, LITHIUM)
    assert lithium is not None
    got_stages, want_stages = (stages(entities.commodity_facts(copy, LITHIUM, lithium)),
                               stages(entities.commodity_facts(copy, LITHIUM)))
    assert got_stages == want_stages
    assert got_stages != [(s.stage, s.label.value if s.label else None, s.count) for s in sorted(
        lithium.stages, key=lambda s: s.stage)]  # the partner's mine is counted at the mining stage


@pytest.fixture(scope="module")
def with_documents(bundled_copy) -> Store:
    """The bundled store with the bundled documents' facts loaded, as `critmin extract data/documents --load`."""
    path = bundled_copy()
    extract_bundled_documents(path)
    store = open_store(path)
    assert not summaries_status(store).fresh  # a new document graph may link to any hub
    recompute_if_stale(store)
    return store


def test_extracted_statements_from_summaries_equal_the_live_query(with_documents: Store) -> None:
    with_statements = 0
    for hub in hubs(with_documents, "country") + hubs(with_documents, "commodity"):
        summary = summary_of(with_documents, hub)
        assert summary is not None
        got, want = entities.mentioned_in(with_documents, hub, summary), entities.mentioned_in(with_documents, hub)
        assert got == want, hub
        with_statements += any(m.statements for m in got)
    assert with_statements > 5
