"""Browse pages and the home page, against the real app over a store with all bundled data."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from kg.store import open_store, query
from tests.backends import serve_app


@pytest.fixture(scope="module")
def counts_and_client(bundled_copy) -> Iterator[tuple[dict[str, int], TestClient]]:
    path = bundled_copy()
    store = open_store(path)
    counts = sparql_counts(store)
    del store
    with serve_app(path, query_workers=1) as test_client:
        yield counts, test_client


@pytest.fixture(scope="module")
def client(counts_and_client: tuple[dict[str, int], TestClient]) -> TestClient:
    return counts_and_client[1]


def count(store: Store, where: str) -> int:
    [row] = list(query(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"))
    return int(row["n"].value)


def sparql_counts(store: Store) -> dict[str, int]:
    """Counts written independently of kg/browse.py's queries, to check its answers."""
    return {
        "commodity": count(store, "?x a cm:Commodity"),
        "country": count(store, "?x a cm:Country"),
        "facility": count(store, "{ ?x a cm:Facility } UNION { ?x a cm:Mine } UNION { ?x a cm:Deposit } UNION "
                                 "{ ?x a cm:Smelter } UNION { ?x a cm:Refinery } UNION { ?x a cm:SteelPlant }"),
        "list": count(store, "?x a cm:CriticalityList"),
        "observation": count(store, "?x a cm:Observation"),
        "document": count(store, "?x a cm:Document"),
        "aus_lithium_mines": count(store, "?x cm:country country:AUS ; cm:facilityType <https://w3id.org/critmin/id/"
                                          "facility-type/mine> ; cm:commodity commodity:lithium"),
        "uk_2021": count(store, "cmlist:UK_2021 cm:includes ?x"),
        "lithium_2024_aus": count(store, "?x cm:commodity commodity:lithium ; cm:refYear ?y ; cm:refArea country:AUS "
                                         "FILTER(STR(?y) = '2024')"),
    }


def test_home_json_counts_equal_sparql_counts(counts_and_client: tuple[dict[str, int], TestClient]) -> None:
    expected, client = counts_and_client
    body = client.get("/?format=json").json()
    got = {c["kind"]: c["count"] for c in body["counts"]}
    for kind in ("commodity", "country", "facility", "list", "observation", "document"):
        assert got[kind] == expected[kind], kind
    # the bundled sources' graphs with cmg:analytics and cmg:summaries
    assert len(body["graphs"]) == 13 and body["total_triples"] == sum(g["triples"] for g in body["graphs"])
    assert body["links"] == {"browse": "/browse", "search": "/search", "query": "/query", "sparql": "/sparql",
                             "void": "/.well-known/void", "dumps": "/dumps/"}
    assert client.get("/", headers={"Accept": "application/json"}).json() == body


def test_home_html_links_browse_void_dumps_and_search(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"}).text
    for href in ('href="/browse"', 'href="/.well-known/void"', 'href="/dumps/"', 'href="/query"',
                 'action="/search"', 'href="/dumps/icmm-gmd.nq.gz"'):
        assert href in page, href


def test_browse_counts_kinds_and_facility_types(client: TestClient) -> None:
    body = client.get("/browse", headers={"Accept": "application/json"}).json()
    assert {k["kind"] for k in body["kinds"]} >= {"commodity", "country", "facility", "organisation", "list",
                                                   "observation", "document"}
    mine = next(t for t in body["facility_types"] if t["key"] == "mine")
    assert mine["url"] == "/browse/facility?facility_type=mine" and mine["count"] > 0
    assert "Facilities by type" in client.get("/browse").text


def test_facility_filters_give_the_sparql_total(counts_and_client: tuple[dict[str, int], TestClient]) -> None:
    expected, client = counts_and_client
    body = client.get("/browse/facility", params={"country": "AUS", "facility_type": "mine", "commodity": "lithium",
                                                  "format": "json"}).json()
    assert body["total"] == expected["aus_lithium_mines"] > 0
    assert all(item["details"]["country"].endswith("/AUS") for item in body["items"])


def test_commodity_list_filter(counts_and_client: tuple[dict[str, int], TestClient]) -> None:
    expected, client = counts_and_client
    assert client.get("/browse/commodity?list=UK_2021&format=json").json()["total"] == expected["uk_2021"] > 0


def test_observation_filters(counts_and_client: tuple[dict[str, int], TestClient]) -> None:
    expected, client = counts_and_client
    body = client.get("/browse/observation?commodity=lithium&year=2024&place=AUS&format=json").json()
    assert body["total"] == expected["lithium_2024_aus"] > 0 and len(body["items"]) == body["total"]


def test_paging(counts_and_client: tuple[dict[str, int], TestClient]) -> None:
    expected, client = counts_and_client
    first = client.get("/browse/country?page_size=20&format=json").json()
    second = client.get("/browse/country?page=2&page_size=20&format=json").json()
    assert first["total"] == second["total"] == expected["country"]
    assert len(first["items"]) == len(second["items"]) == 20
    assert not {i["iri"] for i in first["items"]} & {i["iri"] for i in second["items"]}
    assert first["next"] == "/browse/country?page=2&page_size=20" and second["previous"]
    last = client.get(f"/browse/country?page={first['pages']}&page_size=20&format=json").json()
    assert len(last["items"]) == expected["country"] - 20 * (first["pages"] - 1) and last["next"] is None


@pytest.mark.parametrize(("url", "status"), [
    ("/browse/country?page_size=201", 422), ("/browse/country?page=0", 422), ("/browse/unicorn", 404),
    ("/browse/facility?country=A%20B", 400), ("/browse/observation?year=20x4", 400),
])
def test_bad_requests(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status


def test_browse_page_html(client: TestClient) -> None:
    page = client.get("/browse/facility?country=AUS", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and 'rel="next"' in page.text
