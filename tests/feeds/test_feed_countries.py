"""The countries feed and the country-name resolver."""

from __future__ import annotations

import pycountry
import pytest

from extractors.feeds.countries import FEED
from kg import iris
from kg.countries import ALIASES, USER_ASSIGNED, resolve_country, resolve_place

from .conftest import objects, one, subjects_of_type

CM = iris.term


@pytest.fixture(scope="module")
def out():
    return FEED.read(FEED.default_file)


def test_every_iso_country(out):
    countries = subjects_of_type(out.triples, CM("Country"))
    assert len(countries) == len(pycountry.countries) + len(USER_ASSIGNED)
    assert out.records_read == len(pycountry.countries)
    assert countries == subjects_of_type(out.triples, iris.ns("schema", "Country"))
    assert out.problems == []


def test_country_triples(out):
    t = out.triples
    bolivia = iris.country("BOL")
    assert one(t, bolivia, iris.ns("rdfs", "label")).value == "Bolivia"
    alt = {o.value for o in objects(t, bolivia, iris.ns("skos", "altLabel"))}
    assert "Bolivia, Plurinational State of" in alt
    assert "Plurinational State of Bolivia" in alt
    assert one(t, bolivia, CM("iso3166Alpha2")).value == "BO"
    assert one(t, bolivia, CM("iso3166Alpha3")).value == "BOL"
    assert one(t, bolivia, CM("iso3166Numeric")).value == "068"
    assert "Burma" in {o.value for o in objects(t, iris.country("MMR"), iris.ns("skos", "altLabel"))}


def test_places(out):
    t = out.triples
    assert one(t, iris.place("eu"), iris.ns("rdf", "type")) == CM("Region")
    assert one(t, iris.place("eu"), iris.ns("rdfs", "label")).value == "European Union"
    for key in ("world", "other-countries"):
        assert one(t, iris.place(key), iris.ns("rdf", "type")) == CM("Aggregate")


def test_metadata(out):
    assert out.metadata.source_url == "https://www.iso.org/iso-3166-country-codes.html"
    assert "lgpl" in out.metadata.license_url
    assert out.graph_name == "countries"


def test_aliases_point_at_real_countries():
    user_assigned = {entry["alpha_3"] for entry in USER_ASSIGNED}
    for name, alpha3 in ALIASES.items():
        assert pycountry.countries.get(alpha_3=alpha3) is not None or alpha3 in user_assigned, name
        assert resolve_country(name) == iris.country(alpha3)


@pytest.mark.parametrize(
    ("name", "alpha3"),
    [
        ("Congo (Kinshasa)", "COD"), ("Congo (Brazzaville)", "COG"), ("Burma", "MMR"), ("Korea, North", "PRK"),
        ("Korea, Republic of", "KOR"), ("Russia ", "RUS"), ("Turkey", "TUR"), ("Vietnam", "VNM"), ("Laos", "LAO"),
        ("Iran", "IRN"), ("C\u00f4te d\u2019Ivoire", "CIV"), ("Cote d'Ivoire", "CIV"), ("Bolivia", "BOL"),
        ("Tanzania", "TZA"), ("Canada ", "CAN"), ("South Africa ", "ZAF"), ("United States", "USA"),
        ("New Caledonia", "NCL"), ("Greenland", "GRL"),
    ],
)
def test_usgs_spellings(name, alpha3):
    assert resolve_country(name) == iris.country(alpha3)


def test_unknown_names_are_not_guessed():
    assert resolve_country("Narnia") is None
    assert resolve_country("") is None
    assert resolve_country("World total") is None


def test_resolve_place():
    assert resolve_place("World total").node == iris.place("world")
    assert not resolve_place("World total").is_rounded
    assert resolve_place("World total (rounded)").is_rounded
    assert resolve_place("Other Countries").key == "other-countries"
    assert resolve_place("other countries").key == "other-countries"
    assert resolve_place("European Union").node == iris.place("eu")
    assert resolve_place("Chile").key == "CHL"
