"""POST /update through the real app: SPARQL Update confined to the caller's own partner graphs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, Store

from tests.api.conftest import serve_copy
from tests.api.test_store_gsp import SITES_TTL  # a partner graph that meets our shapes
from tests.conftest import issue_token
from tests.security.hits import recording_server

BASE = "https://w3id.org/critmin/"
BGS_SITES = f"{BASE}graph/partner/bgs/sites"
BGS_CATALOG = f"{BASE}graph/partner-catalog/bgs/sites"
SITE = f"{BASE}id/facility/bgs-test/cornwall-lithium"
RENAME = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE {{ GRAPH <{BGS_SITES}> {{ <{SITE}> rdfs:label ?old }} }}
INSERT {{ GRAPH <{BGS_SITES}> {{ <{SITE}> rdfs:label "Cornwall Lithium Mine" }} }}
WHERE {{ GRAPH <{BGS_SITES}> {{ <{SITE}> rdfs:label ?old }} }}"""


@pytest.fixture
def client(tmp_path: Path, accounts_db: Path, reference_store: Store) -> Iterator[TestClient]:
    for test_client in serve_copy(reference_store, tmp_path, accounts_db, query_max_request_bytes=4096):
        bgs = {"Authorization": f"Bearer {issue_token(accounts_db, 'write', partner='bgs')}"}
        response = test_client.put("/store", params={"graph": BGS_SITES}, content=SITES_TTL.encode(),
                                   headers={**bgs, "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        yield test_client


@pytest.fixture
def headers(accounts_db: Path):
    def bearer(*scopes: str, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(accounts_db, *scopes, partner=partner)}"}
    return bearer


def update(client, text: str, headers: dict[str, str], *, form: bool = False):
    if form:
        return client.post("/update", data={"update": text}, headers=headers)
    return client.post("/update", content=text.encode(), headers={**headers,
                                                                  "Content-Type": "application/sparql-update"})


def dump(client: TestClient) -> list[str]:
    return sorted(client.app.state.store.dump(format=RdfFormat.N_QUADS).decode().splitlines())


def labels(client: TestClient) -> set[str]:
    store: Store = client.app.state.store
    return {q.object.value for q in store.quads_for_pattern(NamedNode(SITE), None, None, NamedNode(BGS_SITES))
            if q.predicate.value.endswith("#label")}


@pytest.mark.parametrize("form", [False, True])
def test_a_partner_updates_its_own_graph_and_queries_see_it(client, headers, form):
    bgs = headers("write", partner="bgs")
    response = update(client, RENAME, bgs, form=form)
    assert response.status_code == 204, response.text
    assert labels(client) == {"Cornwall Lithium Mine"}
    ask = f'ASK {{ GRAPH <{BGS_SITES}> {{ <{SITE}> ?p "Cornwall Lithium Mine" }} }}'
    assert client.get("/sparql", params={"query": ask}, headers=bgs).json()["boolean"] is True
    # the catalog entry is rewritten with the graph: one triple count, the current one
    store: Store = client.app.state.store
    counts = [q.object.value for q in store.quads_for_pattern(None, None, None, NamedNode(BGS_CATALOG))
              if q.predicate.value.endswith("#triples")]
    assert counts == [str(len(list(store.quads_for_pattern(None, None, None, NamedNode(BGS_SITES)))))]


def test_an_update_may_create_a_new_graph_of_its_partner_and_drop_one(client, headers):
    bgs = headers("write", partner="bgs")
    copy = (f"INSERT {{ GRAPH <{BASE}graph/partner/bgs/copy> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH <{BGS_SITES}> {{ ?s ?p ?o }} }}")
    assert update(client, copy, bgs).status_code == 204
    assert client.app.state.store.contains_named_graph(NamedNode(f"{BASE}graph/partner/bgs/copy"))
    assert update(client, f"DROP GRAPH <{BASE}graph/partner/bgs/copy>", bgs).status_code == 204
    assert not client.app.state.store.contains_named_graph(NamedNode(f"{BASE}graph/partner/bgs/copy"))


@pytest.mark.parametrize(("text", "message"), [
    (f'INSERT DATA {{ GRAPH <{BASE}graph/countries> {{ <{SITE}> <x:p> "o" }} }}', "which you may not write"),
    (f'INSERT DATA {{ GRAPH <{BASE}graph/partner/ibm/data> {{ <{SITE}> <x:p> "o" }} }}', "which you may not write"),
    (f'INSERT DATA {{ <{SITE}> <x:p> "o" }}', "default graph"),
    (f'INSERT DATA {{ GRAPH <{BGS_SITES}> {{ <{SITE}> <x:p> "o" }} '
     f'GRAPH <{BASE}graph/countries> {{ <x:a> <x:b> 1 }} }}', "which you may not write"),
])
def test_writes_outside_the_callers_graphs_refuse_the_whole_update(client, headers, text, message):
    before = dump(client)
    response = update(client, text, headers("write", partner="bgs"))
    assert response.status_code == 403
    assert message in response.json()["detail"]
    assert dump(client) == before


def test_an_update_that_breaks_the_shapes_is_422_with_the_report_and_writes_nothing(client, headers):
    before = dump(client)
    bad = (f'PREFIX schema: <https://schema.org/> '
           f'INSERT DATA {{ GRAPH <{BGS_SITES}> {{ <{SITE}> schema:latitude "fifty north" }} }}')
    response = update(client, bad, headers("write", partner="bgs"))
    assert response.status_code == 422, response.text
    assert response.json()["graph"] == BGS_SITES and response.json()["results"]
    assert dump(client) == before


@pytest.mark.parametrize(("scopes", "status"), [((), 401), (("read",), 403)])
def test_updates_need_a_write_token(client, headers, scopes, status):
    before = dump(client)
    response = update(client, RENAME, headers(*scopes, partner="bgs") if scopes else {})
    assert response.status_code == status
    assert dump(client) == before


def test_an_admin_may_update_any_partner_graph(client, headers):
    assert update(client, RENAME, headers("admin", partner="hub-admins")).status_code == 204
    assert labels(client) == {"Cornwall Lithium Mine"}


@pytest.mark.parametrize(("body", "content_type", "status", "message"), [
    ("INSERT DATA { GRAPH <x:g> { <x:a> <x:b> ", "application/sparql-update", 400, "syntax error"),
    ("", "application/sparql-update", 400, "empty"),
    (RENAME, "text/plain", 415, "application/sparql-update"),
    ("x" * 5000, "application/sparql-update", 413, "4,096 bytes"),
    ("LOAD <http://169.254.169.254/latest> INTO GRAPH <x:g>", "application/sparql-update", 403,
     "remote_endpoint_allowlist"),
])
def test_bad_updates_get_a_clear_error_and_change_nothing(client, headers, body, content_type, status, message):
    before = dump(client)
    response = client.post("/update", content=body.encode(),
                           headers={**headers("write", partner="bgs"), "Content-Type": content_type})
    assert response.status_code == status, response.text
    assert message in str(response.json()["detail"])
    assert dump(client) == before


def test_an_oversized_update_is_refused_by_its_length_or_as_it_arrives(client, headers):
    """A declared Content-Length over the limit is refused before the body is read; sent in chunks with no
    Content-Length, the update is counted as it comes. 413 both ways, nothing changed."""
    before = dump(client)
    write = {**headers("write", partner="bgs"), "Content-Type": "application/sparql-update"}
    declared = client.post("/update", content=b"#", headers={**write, "Content-Length": "5000"})
    chunked = client.post("/update", content=(b"# " + b"x" * 1022 for _ in range(64)), headers=write)
    for response in (declared, chunked):
        assert response.status_code == 413 and "4,096 bytes" in response.json()["detail"]
    assert dump(client) == before


def test_a_syntax_error_names_its_line_and_column(client, headers):
    response = update(client, "PREFIX x: <x:>\nINSERT DATA { x:a x:b }", headers("write", partner="bgs"))
    detail = response.json()["detail"]
    assert response.status_code == 400 and (detail["line"], detail["column"]) == (2, 23)


def test_the_protocols_dataset_parameters_are_refused_with_the_reason(client, headers):
    before = dump(client)
    response = client.post("/update", params={"using-graph-uri": BGS_SITES}, content=RENAME.encode(),
                           headers={**headers("write", partner="bgs"), "Content-Type": "application/sparql-update"})
    assert response.status_code == 400 and "using-graph-uri" in response.json()["detail"]
    assert dump(client) == before


def test_load_and_service_in_an_update_never_reach_an_address_off_the_allowlist(client, headers):
    """A local server stands in for the target and records every request: none may arrive, however the update
    spells the target (a LOAD, a SERVICE in the WHERE of an INSERT, SILENT, a prefixed name, a relative IRI)."""
    with recording_server() as (url, hits):
        before = dump(client)
        for body in [
            f"LOAD <{url}/data.ttl> INTO GRAPH <{BGS_SITES}>",
            f"LOAD SILENT <{url}/data.ttl>",
            f"PREFIX r: <{url}/> LOAD r:data.ttl INTO GRAPH <{BGS_SITES}>",
            f"BASE <{url}/> LOAD <data.ttl> INTO GRAPH <{BGS_SITES}>",
            f"INSERT {{ GRAPH <{BGS_SITES}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
            f"INSERT {{ GRAPH <{BGS_SITES}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        ]:
            response = update(client, body, headers("write", partner="bgs"))
            assert response.status_code == 403, (body, response.text)
            assert "remote_endpoint_allowlist" in str(response.json()["detail"])
        assert hits == [] and dump(client) == before
