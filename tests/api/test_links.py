"""Link discovery through the real app (/links): a partner (pmx) uploads the sample of tests/data, discovers links
to the bundled data, accepts and rejects them; another partner (ibm) and anonymous callers see nothing of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Quad

from kg import iris
from tests.backends import serve_app
from tests.conftest import issue_token

DATA = Path(__file__).resolve().parent.parent / "data"
GRAPH = iris.partner_graph("pmx", "sites").value
LINKS = iris.partner_links_graph("pmx", "sites")
OURS = "https://w3id.org/critmin/id/facility/"
THEIRS = "https://w3id.org/critmin/id/facility/pmx/"


@pytest.fixture(scope="module")
def env(bundled_copy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, dict]]]:
    db = tmp_path_factory.mktemp("links-accounts") / "accounts.sqlite3"
    tokens = {name: {"Authorization": f"Bearer {issue_token(db, *scopes, partner=partner)}"}
              for name, partner, scopes in (("pmx", "pmx", ("write",)), ("pmx-reader", "pmx", ("read",)),
                                            ("ibm", "ibm", ("write",)), ("admin", "hub-admins", ("admin",)))}
    tokens["anonymous"] = {}
    with serve_app(bundled_copy(), query_workers=1, accounts_db=db) as client:
        response = client.put("/store", params={"graph": GRAPH, "title": "PMX sites"},
                              content=(DATA / "partner_sites_links.ttl").read_bytes(),
                              headers={**tokens["pmx"], "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        response = client.post("/links/discover", params={"graph": GRAPH}, headers=tokens["pmx"])
        assert response.status_code == 200, response.text
        yield client, tokens


def proposal(client: TestClient, headers: dict, subject: str, obj: str) -> dict:
    listing = client.get("/links", params={"graph": GRAPH}, headers={**headers, "Accept": "application/json"}).json()
    return next(p for p in listing["proposals"] if p["subject"] == THEIRS + subject and p["object"] == OURS + obj)


def asserted(client: TestClient, subject: str, obj: str) -> list[Quad]:
    return [q for q in client.app.state.store.quads_for_pattern(NamedNode(THEIRS + subject), None,
                                                                NamedNode(OURS + obj), LINKS)]


def test_discover_needs_write_on_the_graph(env) -> None:
    client, tokens = env
    for who, status in (("anonymous", 401), ("pmx-reader", 403), ("ibm", 403)):
        response = client.post("/links/discover", params={"graph": GRAPH}, headers=tokens[who])
        assert response.status_code == status, who
    missing = iris.partner_graph("pmx", "nothing-here").value
    assert client.post("/links/discover", params={"graph": missing}, headers=tokens["pmx"]).status_code == 404
    assert client.post("/links/discover", params={"graph": "https://w3id.org/critmin/graph/icmm-gmd"},
                       headers=tokens["admin"]).status_code == 400


def test_listing_is_for_readers_only(env) -> None:
    client, tokens = env
    for who in ("anonymous", "ibm"):
        assert client.get("/links", params={"graph": GRAPH}, headers=tokens[who]).status_code == 404, who
    listing = client.get("/links", params={"graph": GRAPH, "format": "json"}, headers=tokens["pmx-reader"]).json()
    assert listing["linkset"] == LINKS.value and listing["counts"]["proposed"] > 30
    first = listing["proposals"][0]
    assert first["relation"] in ("sameAs", "closeMatch") and first["reasons"] and first["created"]
    page = client.get("/links", params={"graph": GRAPH}, headers={**tokens["pmx"], "Accept": "text/html"})
    assert page.status_code == 200 and "Link proposals" in page.text and "skos:closeMatch" in page.text


def test_decisions_need_the_owner_or_an_admin(env) -> None:
    client, tokens = env
    p = proposal(client, tokens["pmx"], "wodgina", "icmm-ICMM06667")
    assert client.post(p["accept"], headers=tokens["anonymous"]).status_code == 401
    assert client.post(p["accept"], headers=tokens["ibm"]).status_code == 404  # may not even read the graph
    assert client.post(p["accept"], headers=tokens["pmx-reader"]).status_code == 403
    assert client.post("/links/pmx.sites.0123456789abcdef/accept", headers=tokens["pmx"]).status_code == 404
    assert client.post(p["accept"], headers=tokens["admin"]).status_code == 200


def test_accepted_link_puts_the_partners_facts_on_our_page(env) -> None:
    client, tokens = env
    p = proposal(client, tokens["pmx"], "greenbushes", "icmm-ICMM06436")
    assert p["relation"] == "sameAs" and p["status"] == "proposed"
    page = client.get("/id/facility/icmm-ICMM06436.json").json()
    assert "Talison Greenbushes" not in str(page)
    response = client.post(p["accept"], headers=tokens["pmx"])
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert response.json()["decided_by"] == "https://w3id.org/critmin/id/partner/pmx"
    assert asserted(client, "greenbushes", "icmm-ICMM06436")
    # the graph is private to pmx: its facts show on the page (the visibility work hides them from others)
    page = client.get("/id/facility/icmm-ICMM06436.json", headers=tokens["pmx"]).json()
    assert THEIRS + "greenbushes" in [t["iri"] for t in page["same_as"]]
    sources = [s for g in page["properties"] for s in g["statements"]
               if s["value"]["value"] == "Talison Greenbushes" for s in s["sources"]]
    assert sources and sources[0]["graph"] == GRAPH and sources[0]["via"] == THEIRS + "greenbushes"
    assert sources[0]["publisher"] == "https://w3id.org/critmin/id/partner/pmx" and sources[0]["title"] == "PMX sites"
    html = client.get("/id/facility/icmm-ICMM06436", headers={**tokens["pmx"], "Accept": "text/html"}).text
    assert "Talison Greenbushes" in html and "published by" in html


def test_rejected_link_asserts_nothing(env) -> None:
    client, tokens = env
    p = proposal(client, tokens["pmx"], "kokkola-cobalt", "icmm-ICMM08409")
    response = client.post(p["reject"], headers=tokens["pmx"])
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not asserted(client, "kokkola-cobalt", "icmm-ICMM08409")
    page = client.get("/id/facility/icmm-ICMM08409.json", headers=tokens["pmx"]).json()
    assert THEIRS + "kokkola-cobalt" not in [t["iri"] for t in page["same_as"]]


def test_rediscovery_keeps_earlier_decisions(env) -> None:
    client, tokens = env
    accepted = proposal(client, tokens["pmx"], "mount-keith", "icmm-ICMM08560")
    rejected = proposal(client, tokens["pmx"], "tuticorin", "icmm-ICMM13874")
    client.post(accepted["accept"], headers=tokens["pmx"])
    client.post(rejected["reject"], headers=tokens["pmx"])
    response = client.post("/links/discover", params={"graph": GRAPH}, headers=tokens["pmx"])
    assert response.status_code == 200
    by_id = {p["id"]: p for p in response.json()["proposals"]}
    assert by_id[accepted["id"]]["status"] == "accepted" and by_id[rejected["id"]]["status"] == "rejected"
    assert by_id[accepted["id"]]["decided_by"] == "https://w3id.org/critmin/id/partner/pmx"
    assert asserted(client, "mount-keith", "icmm-ICMM08560") and not asserted(client, "tuticorin", "icmm-ICMM13874")
    assert len(by_id) == len(response.json()["proposals"])  # one proposal per pair


def test_sharing_the_graph_shares_its_links_but_not_the_decisions(env) -> None:
    client, tokens = env
    response = client.put("/store/access", params={"graph": GRAPH}, json={"visibility": "partners",
                                                                          "readers": ["ibm"]}, headers=tokens["pmx"])
    assert response.status_code == 200
    try:
        assert client.get("/links", params={"graph": GRAPH, "format": "json"}, headers=tokens["ibm"]).status_code == 200
        p = proposal(client, tokens["ibm"], "finniss", "icmm-ICMM13452")
        assert client.post(p["accept"], headers=tokens["ibm"]).status_code == 403
        assert client.get("/store", params={"graph": LINKS.value}, headers=tokens["ibm"]).status_code == 200
        assert client.get("/store", params={"graph": LINKS.value}).status_code == 404
    finally:
        client.put("/store/access", params={"graph": GRAPH}, json={"visibility": "partners", "readers": []},
                   headers=tokens["pmx"])


def test_accepted_links_stay_with_the_private_graph(env) -> None:
    client, tokens = env
    page = client.get("/id/facility/icmm-ICMM06436.json", headers=tokens["ibm"]).json()
    assert THEIRS + "greenbushes" not in [t["iri"] for t in page["same_as"]]
    assert "Talison Greenbushes" not in str(client.get("/id/facility/icmm-ICMM06436.json").json())


def test_deleting_the_graph_deletes_its_links(env) -> None:  # last: it removes the module's graph
    client, tokens = env
    assert client.delete("/store", params={"graph": GRAPH}, headers=tokens["pmx"]).status_code == 204
    assert not client.app.state.store.contains_named_graph(LINKS)
    page = client.get("/id/facility/icmm-ICMM06436.json", headers=tokens["pmx"]).json()
    assert THEIRS + "greenbushes" not in [t["iri"] for t in page["same_as"]]
