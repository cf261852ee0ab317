"""The MinMod feeds (minmod-vocabularies, minmod-sites), against the bundled data/minmod and small fixtures."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal

import pytest
import rdflib
from pyoxigraph import NamedNode

from extractors.feeds.base import FeedError
from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.minmod import (
    MinmodSitesFeed,
    MinmodVocabulariesFeed,
    facility_key,
    minmod_ids,
    parse_wkt,
)
from kg import iris
from kg.validation import validate_graph

from .conftest import PROJECT, objects, one, subjects_of_type

MINMOD = PROJECT / "data/minmod"
SITES_DIR = MINMOD / "mineral-sites"
CM = iris.term
SKOS = lambda local: iris.ns("skos", local)  # noqa: E731
VALUE = iris.ns("qudt", "numericValue")
UNIT = iris.ns("qudt", "unit")
NICKEL_FILE = SITES_DIR / "usc/mudd_jowitt_nickel/b052.json"

pytestmark = pytest.mark.skipif(not SITES_DIR.is_dir(), reason="data/minmod is not bundled")


@pytest.fixture(scope="module")
def vocabularies(commodity_index):
    return MinmodVocabulariesFeed(commodity_index).read(MINMOD / "entities")


@pytest.fixture(scope="module")
def sites_feed(commodity_index):
    return MinmodSitesFeed(commodity_index)


@pytest.fixture(scope="module")
def sites(sites_feed):
    return sites_feed.read(SITES_DIR)


# ---------------------------------------------------------------------------------------------------------------
# minmod-vocabularies


def test_commodities_resolve_or_are_reported(vocabularies):
    unresolved = [p for p in vocabularies.problems if p.reason.startswith("no critmin concept for MinMod commodity")]
    linked = {t.subject.value for t in vocabularies.triples
              if t.predicate == iris.ns("dct", "subject") and "/commodity/row-" in t.subject.value}
    # commodity.csv has 203 data rows (SOURCES.md says 202: its last line has no line break)
    assert len(linked) + len(unresolved) == 203
    assert len(linked) >= 74  # 74 of 203 when written; more as commodities.ttl grows
    exact = [t for t in vocabularies.triples if t.predicate == SKOS("exactMatch") and "/commodity/" in t.subject.value]
    ids = minmod_ids()
    with (MINMOD / "entities/commodity.csv").open(encoding="utf-8", newline="") as handle:
        in_csv = {row["minmod_id"] for row in csv.DictReader(handle)}
    assert len(exact) == len(set(ids) & in_csv)  # exact by cm:minmodId; the others by name or alias (closeMatch)
    assert any("Q501 'Abrasive'" in p.reason for p in unresolved)
    # nickel: our concept carries cm:minmodId Q578, so the match is exact
    nickel = iris.commodity("nickel")
    assert NamedNode("https://minmod.isi.edu/resource/Q578") in objects(vocabularies.triples, nickel,
                                                                        SKOS("exactMatch"))
    record = iris.source_record("minmod-vocabularies", 79, "commodity")  # Q578 Nickel is data row 78 -> line 79
    assert one(vocabularies.triples, record, iris.ns("dct", "subject")) == nickel


def test_deposit_types_units_and_categories(vocabularies):
    types = subjects_of_type(vocabularies.triples, CM("DepositType"))
    assert len(types) == 189  # deposit_type.csv has 189 data rows (SOURCES.md says 188)
    placer = iris.concept("deposit-type", "residual-placer-tin")
    assert one(vocabularies.triples, placer, SKOS("notation")).value == "Q301"
    assert one(vocabularies.triples, placer, CM("depositGroup")).value == "Placer"
    assert one(vocabularies.triples, placer, CM("depositEnvironment")).value == "Erosional"
    assert one(vocabularies.triples, placer, SKOS("exactMatch")).value == "https://minmod.isi.edu/resource/Q301"

    units = subjects_of_type(vocabularies.triples, CM("UnitOfMeasure"))
    assert len(units) == 22  # Q200..Q221
    percent = iris.concept("unit", "percent")
    assert iris.ns("unit", "PERCENT") in objects(vocabularies.triples, percent, SKOS("exactMatch"))
    gpt = iris.concept("unit", "gram-per-tonne")
    assert objects(vocabularies.triples, gpt, SKOS("closeMatch")) == [iris.ns("unit", "PPM")]
    mt = iris.concept("unit", "million-tonnes")
    assert not [o for o in objects(vocabularies.triples, mt, SKOS("exactMatch")) if "qudt" in o.value]
    assert objects(vocabularies.triples, mt, SKOS("note"))

    measured = iris.concept("resource-category", "measured")
    proven = iris.concept("resource-category", "proven")
    assert one(vocabularies.triples, measured, SKOS("broader")) == iris.concept("resource-category", "resources")
    assert one(vocabularies.triples, proven, SKOS("broader")) == iris.concept("resource-category", "reserves")
    assert not objects(vocabularies.triples, iris.concept("resource-category", "extracted"), SKOS("broader"))


# ---------------------------------------------------------------------------------------------------------------
# minmod-sites


def test_counts_of_sites_and_inventory_rows_per_set(sites):
    assert sites.records_read == 1311
    facilities = subjects_of_type(sites.triples, CM("Deposit"))
    assert len(facilities) == 1311
    derived = {t.subject.value: t.object for t in sites.triples if t.predicate == iris.ns("prov", "wasDerivedFrom")}
    per_set: Counter[str] = Counter()
    for node in subjects_of_type(sites.triples, CM("Observation")):
        record = derived[node]
        per_set[record.value.split("/row-")[0].split("minmod-sites/")[1].rsplit("-b", 1)[0]] += 1
    # the nickel set has 4,471 inventory rows in 627 sites, every one with a category and an amount
    assert per_set["usc-mudd-jowitt-nickel"] == 4471
    assert per_set["usc-jowitt-ree"] == 846
    # the laterite rows are mineral lists without category, ore or grade: no observations
    assert per_set["umn-mrdata-laterite"] == 0
    assert sum(per_set.values()) == 5644
    reserves = subjects_of_type(sites.triples, CM("ReservesObservation"))
    resources = subjects_of_type(sites.triples, CM("ResourcesObservation"))
    assert len(reserves) + len(resources) == 5644


def test_nickel_deposit_inventories_with_categories_and_grades(sites):
    """The acceptance query: the MinMod inventories of a nickel deposit with their categories and grades."""
    key = facility_key("https://doi.org/10.5382/econgeo.4950", "Bindura (Trojan-Shangani-Hunter's Road)")
    site = iris.facility(key)
    assert one(sites.triples, site, iris.ns("rdfs", "label")).value == "Bindura (Trojan-Shangani-Hunter's Road)"
    assert one(sites.triples, site, CM("country")) == iris.country("ZWE")
    assert iris.commodity("nickel") in objects(sites.triples, site, CM("commodity"))
    expected = {  # JSON order: (commodity, category, grade %, ore Mt)
        1: ("nickel", "measured", "0.96", "3.55"),
        2: ("nickel", "indicated", "0.57", "37.627"),
        3: ("nickel", "inferred", "0.62", "10.55"),
        4: ("nickel", "proven", "1.07", "1.72"),
        5: ("copper", "probable", "1.08", "0.69"),
    }
    for n, (commodity, category, grade, ore) in expected.items():
        node = iris.site_inventory("minmod-sites", key, n)
        cls = "ReservesObservation" if category in ("proven", "probable") else "ResourcesObservation"
        assert node.value in subjects_of_type(sites.triples, CM(cls))
        assert one(sites.triples, node, CM("facility")) == site
        assert one(sites.triples, node, CM("commodity")) == iris.commodity(commodity)
        assert one(sites.triples, node, CM("resourceCategory")) == iris.concept("resource-category", category)
        assert Decimal(one(sites.triples, node, CM("grade")).value) == Decimal(grade)
        assert one(sites.triples, node, CM("gradeUnit")) == iris.concept("unit", "percent")
        assert Decimal(one(sites.triples, node, VALUE).value) == Decimal(ore) * 1_000_000
        assert one(sites.triples, node, UNIT) == iris.ns("unit", "TONNE")
        assert one(sites.triples, node, CM("sourceUnit")).value == "Mt"
        assert one(sites.triples, node, CM("commodityAsObserved")).value == ("%Ni" if commodity == "nickel"
                                                                             else "%Cu")
        assert one(sites.triples, node, iris.ns("dct", "source")) == iris.document("doi-10-5382-econgeo-4950")
        record = one(sites.triples, node, iris.ns("prov", "wasDerivedFrom"))
        assert record == iris.source_record("minmod-sites", 1, "usc/mudd_jowitt_nickel/b052")
    record = iris.source_record("minmod-sites", 1, "usc/mudd_jowitt_nickel/b052")
    assert one(sites.triples, record, CM("sourceRow")).value == "1"
    assert one(sites.triples, record, CM("sourceFile")).value == "minmod/mineral-sites/usc/mudd_jowitt_nickel/b052.json"
    raw = one(sites.triples, record, CM("rawValue")).value
    assert raw.startswith('{"source_id":"https://doi.org/10.5382/econgeo.4950"')
    document = iris.document("doi-10-5382-econgeo-4950")
    assert one(sites.triples, document, iris.ns("dct", "identifier")).value == "10.5382/econgeo.4950"


def test_acceptance_query_in_sparql(sites):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in sites.triples)
    rows = list(store.query("""
        PREFIX cm: <https://w3id.org/critmin/ontology/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?category ?grade WHERE {
            ?site rdfs:label "Bindura (Trojan-Shangani-Hunter's Road)" .
            ?inv cm:facility ?site ; cm:commodity <https://w3id.org/critmin/id/commodity/nickel> ;
                 cm:resourceCategory ?category ; cm:grade ?grade .
        } ORDER BY ?grade"""))
    assert [(r["category"].value.rsplit("/", 1)[1], r["grade"].value) for r in rows] == [
        ("indicated", "0.57"), ("inferred", "0.62"), ("measured", "0.96"), ("proven", "1.07")]


def test_location_geometry_and_facility_records(sites, sites_feed):
    fox = iris.facility(facility_key("https://api.cdr.land/v1/docs/documents",
                                     "025be135b35d0b2a05c5fae9c209a2423a3418d239d57430ee7f4b32bdd80e8bb5"))
    geometry = one(sites.triples, fox, iris.ns("geo", "hasGeometry"))
    assert one(sites.triples, geometry, iris.ns("geo", "asWKT")).value == "POINT(-117.308059 54.1475)"
    assert one(sites.triples, fox, iris.ns("schema", "latitude")).value == "54.1475"
    assert one(sites.triples, fox, CM("depositType")) == iris.concept("deposit-type", "lacustrine-brine-lithium")
    records = sites_feed.facility_records(SITES_DIR)
    assert len(records) == 1311
    fox_record = next(r for r in records if r.iri == fox)
    assert (fox_record.latitude, fox_record.longitude) == (54.1475, -117.308059)
    assert fox_record.country == iris.country("CAN") and fox_record.source == "minmod-sites"
    # a latitude of 96 is rejected, with its JSON path
    assert any(p.column == "location_info.location" and p.value == "POINT(23.63453 96.16317)"
               for p in sites.problems)


def test_parse_wkt():
    assert parse_wkt("POINT (129.88 -0.45)") == ("POINT", [(129.88, -0.45)])
    kind, points = parse_wkt("POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))")
    assert kind == "POLYGON" and len(points) == 5
    assert parse_wkt("POINT (200 10)") is None
    assert parse_wkt("LINESTRING (0 0, 1 1)") is None


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: malformed JSON, a bad grade


def _site(**inventory) -> dict:
    return {
        "source_id": "https://example.org/test",
        "record_id": "1",
        "name": "Test deposit",
        "location_info": {"country": [{"observed_name": "Canada", "confidence": 1.0}],
                          "location": "POINT(-80 50)"},
        "deposit_type_candidate": [],
        "mineral_inventory": [
            {"commodity": {"observed_name": "Ni", "normalized_uri": "https://minmod.isi.edu/resource/Q578",
                           "confidence": 1.0},
             "category": [{"normalized_uri": "https://minmod.isi.edu/resource/Inferred"}],
             "ore": {"value": 2.0, "unit": {"normalized_uri": "https://minmod.isi.edu/resource/Q202"}},
             **inventory},
        ],
        "reference": [{"document": {"uri": "https://example.org/report.pdf", "title": "A report"}}],
    }


def test_malformed_json_names_file_and_position(tmp_path, sites_feed):
    (tmp_path / "good.json").write_text(json.dumps([_site()]), encoding="utf-8")
    (tmp_path / "bad.json").write_text('[{"source_id": "x",\n  "record_id": }]', encoding="utf-8")
    with pytest.raises(FeedError) as caught:
        sites_feed.read(tmp_path)
    assert "bad.json" in caught.value.message and "line 2, column 16" in caught.value.message


def test_bad_grade_is_a_row_problem_with_its_json_path(tmp_path, sites_feed):
    bad = {"grade": {"value": "high", "unit": {"normalized_uri": "https://minmod.isi.edu/resource/Q201"}}}
    (tmp_path / "one.json").write_text(json.dumps([_site(), _site(**bad) | {"record_id": "2"}]), encoding="utf-8")
    out = sites_feed.read(tmp_path / "one.json")
    assert out.records_read == 2
    problem = next(p for p in out.problems if p.column == "mineral_inventory[0].grade.value")
    assert (problem.row, problem.value, problem.reason) == (2, "high", "not a number")
    assert problem.file.endswith("one.json")
    # the rest of the row is still mapped: the observation with its ore amount, without a grade
    node = iris.site_inventory("minmod-sites", facility_key("https://example.org/test", "2"), 1)
    assert one(out.triples, node, VALUE).value == "2000000"
    assert not objects(out.triples, node, CM("grade"))


# ---------------------------------------------------------------------------------------------------------------
# SHACL



def test_both_feeds_conform_to_the_shapes(vocabularies, sites_feed, tmp_path):
    # a sample of every set (the first file of each folder) keeps pyshacl's run short
    sample = tmp_path / "sample"
    for folder in sorted({p.parent for p in SITES_DIR.rglob("*.json")}):
        target = sample / folder.relative_to(SITES_DIR)
        target.mkdir(parents=True)
        first = sorted(folder.glob("*.json"))[0]
        (target / first.name).write_bytes(first.read_bytes())
    (sample / "nickel").mkdir()
    (sample / "nickel" / "b052.json").write_bytes(NICKEL_FILE.read_bytes())
    sites = sites_feed.read(sample)
    assert subjects_of_type(sites.triples, CM("ReservesObservation"))
    countries = COUNTRIES.read(COUNTRIES.default_file)
    data = rdflib.Graph()
    text = "\n".join(f"{t} ." for out in (vocabularies, sites, countries) for t in out.triples)
    data.parse(data=text, format="nt")
    report = validate_graph(data)
    assert report.conforms, report.text[:3000]
