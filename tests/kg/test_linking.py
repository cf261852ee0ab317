"""The facility matcher on small hand-made records: features, one-to-one matching, and the triples it writes."""

import pytest
from pyoxigraph import NamedNode

from extractors.feeds.base import FacilityRecord
from kg import iris
from kg.linking import MATCH_THRESHOLD, distance_km, link_triples, match_facilities, name_score, score_pair

NI, CU, LI = (iris.commodity(c) for c in ("nickel", "copper", "lithium"))
CAN, AUS = iris.country("CAN"), iris.country("AUS")


def record(source: str, rid: str, name: str, lat: float | None, lon: float | None, *, country=CAN,
           commodities=(NI,), aliases=()) -> FacilityRecord:
    return FacilityRecord(source=source, record_id=rid, iri=NamedNode(f"http://example.org/{source}/{rid}"),
                          name=name, aliases=tuple(aliases), latitude=lat, longitude=lon, country=country,
                          commodities=tuple(commodities))


def test_generic_words_and_accents_do_not_count_in_names() -> None:
    a = record("a", "1", "Voisey's Bay Mine", 0, 0)
    b = record("b", "1", "Voiseys Bay Nickel Project", 0, 0)
    assert name_score(a, b) == pytest.approx(name_score(record("a", "2", "voisey s bay", 0, 0), b))
    assert name_score(record("a", "3", "Caraíba", 0, 0), record("b", "3", "Caraiba Deposit", 0, 0)) == 1.0
    assert name_score(record("a", "4", "Mine", 0, 0), record("b", "4", "Project", 0, 0)) == 0.0


def test_distance_is_great_circle() -> None:
    # one degree of latitude is about 111.2 km everywhere
    one_degree = distance_km(record("a", "1", "x", 10.0, 20.0), record("b", "1", "x", 11.0, 20.0))
    assert one_degree == pytest.approx(111.2, abs=0.2)
    assert distance_km(record("a", "1", "x", None, None), record("b", "1", "x", 1.0, 1.0)) is None


def test_the_same_site_matches_and_a_neighbour_does_not() -> None:
    left = [record("icmm", "1", "Raglan", 61.68, -73.68, aliases=["Raglan Mine"]),
            record("icmm", "2", "Sudbury Smelter", 46.49, -81.0)]
    right = [record("minmod", "a", "Raglan Nickel Deposit", 61.69, -73.66, commodities=(NI, CU)),
             record("minmod", "b", "Creighton", 46.47, -81.18),
             record("minmod", "c", "Raglan", None, None, country=AUS)]
    matches = match_facilities(left, right)
    assert [(m.left.record_id, m.right.record_id) for m in matches] == [("1", "a")]
    assert matches[0].score >= MATCH_THRESHOLD
    assert score_pair(left[1], right[1]).score < MATCH_THRESHOLD


def test_a_facility_described_twice_in_one_source_links_to_both_best_first() -> None:
    left = [record("icmm", "1", "Eagle", 46.75, -87.9)]
    right = [record("minmod", "a", "Eagle Deposit", 46.76, -87.88), record("minmod", "b", "Eagle", 46.75, -87.9)]
    assert [m.right.record_id for m in match_facilities(left, right)] == ["b", "a"]


def test_a_plant_is_not_the_deposit_beside_it() -> None:
    smelter = FacilityRecord(source="icmm", record_id="1", iri=NamedNode("http://example.org/icmm/1"), name="Eagle",
                             latitude=46.75, longitude=-87.9, country=CAN, commodities=(NI,),
                             facility_types=("smelter",))
    deposit = FacilityRecord(source="minmod", record_id="a", iri=NamedNode("http://example.org/minmod/a"),
                             name="Eagle", latitude=46.75, longitude=-87.9, country=CAN, commodities=(NI,),
                             facility_types=("deposit",))
    assert score_pair(smelter, deposit).score >= MATCH_THRESHOLD
    assert match_facilities([smelter], [deposit]) == []


def test_without_coordinates_names_and_country_decide() -> None:
    left = [record("icmm", "1", "Greenbushes", None, None, country=AUS, commodities=(LI,))]
    right = [record("minmod", "a", "Greenbushes Lithium", -33.86, 116.06, country=AUS, commodities=(LI,)),
             record("minmod", "b", "Greenbushes", -33.86, 116.06, country=CAN, commodities=(LI,))]
    assert [m.right.record_id for m in match_facilities(left, right)] == ["a"]


def test_links_say_why() -> None:
    [match] = match_facilities([record("icmm", "1", "Raglan", 61.68, -73.68)],
                               [record("minmod", "a", "Raglan", 61.68, -73.68)])
    triples = link_triples([match])
    assert any(t.predicate == iris.ns("owl", "sameAs") for t in triples)
    [comment] = [t.object.value for t in triples if t.predicate == iris.ns("rdfs", "comment")]
    assert comment.startswith("name 1.00, 0.0 km apart")
