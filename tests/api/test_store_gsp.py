"""The Graph Store Protocol at /store through the real app: two partners (bgs, ibm), an admin and anonymous callers,
on a real store holding the ontology and the countries (what partner data points to)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, Store, parse

from tests.api.conftest import serve_copy
from tests.conftest import issue_token

BASE = "https://w3id.org/critmin/"
BGS_SITES = f"{BASE}graph/partner/bgs/sites"
BGS_CATALOG = f"{BASE}graph/partner-catalog/bgs/sites"
IBM_DATA = f"{BASE}graph/partner/ibm/data"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
SITES_TTL = """
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix cmid: <https://w3id.org/critmin/id/> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/critmin/id/facility/bgs-test/cornwall-lithium> a cm:Facility , cm:Mine ;
    rdfs:label "Cornwall Lithium Test Mine" ;
    cm:facilityType <https://w3id.org/critmin/id/facility-type/mine> ;
    cm:country <https://w3id.org/critmin/id/country/GBR> ;
    schema:latitude "50.3"^^xsd:decimal ;
    schema:longitude "-5.1"^^xsd:decimal ;
    prov:wasDerivedFrom <https://w3id.org/critmin/id/record/bgs-test/row-2> .
<https://w3id.org/critmin/id/record/bgs-test/row-2> a cm:SourceRecord ;
    rdfs:label "row 2 of the BGS test sheet" ;
    cm:sourceFile "bgs-sites.csv" ;
    cm:sourceRow 2 .
"""
SECOND_SITE_NT = (
    "<https://w3id.org/critmin/id/facility/bgs-test/devon-tungsten> "
    "<http://www.w3.org/2000/01/rdf-schema#label> \"Devon Tungsten Test Mine\" .\n"
)
BAD_LATITUDE = SITES_TTL.replace('"50.3"^^xsd:decimal', '"fifty north"')


@pytest.fixture
def client(tmp_path: Path, accounts_db: Path, reference_store: Store) -> Iterator[TestClient]:
    yield from serve_copy(reference_store, tmp_path, accounts_db, upload_max_bytes=64 * 1024)


@pytest.fixture
def tokens(accounts_db: Path) -> dict[str, dict[str, str]]:
    """Authorization headers: bgs and ibm (read, write), bgs-reader (read only), an admin, anonymous."""
    def bearer(*scopes: str, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(accounts_db, *scopes, partner=partner)}"}

    return {"bgs": bearer("read", "write", partner="bgs"), "ibm": bearer("read", "write", partner="ibm"),
            "bgs-read": bearer("read", partner="bgs"), "admin": bearer("admin", partner="hub-admins"),
            "anonymous": {}}


def put(client: TestClient, graph: str, body: str, headers: dict[str, str], *, content_type: str = "text/turtle",
        **params: str):
    return client.put("/store", params={"graph": graph, **params}, content=body.encode(),
                      headers={**headers, "Content-Type": content_type})


def dump(client: TestClient) -> list[str]:
    """Every quad of the store, as sorted N-Quads lines."""
    store: Store = client.app.state.store
    return sorted(store.dump(format=RdfFormat.N_QUADS).decode().splitlines())


# --- writes: who may ---------------------------------------------------------------------------------------------


def test_writes_without_a_token_are_401(client: TestClient, tokens) -> None:
    for method in ("put", "post", "delete"):
        response = client.request(method.upper(), "/store", params={"graph": BGS_SITES},
                                  content=SITES_TTL.encode() if method != "delete" else None,
                                  headers={"Content-Type": "text/turtle"})
        assert response.status_code == 401, method
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_read_token_may_not_write(client: TestClient, tokens) -> None:
    response = put(client, BGS_SITES, SITES_TTL, tokens["bgs-read"])
    assert response.status_code == 403
    assert "'write' scope" in response.json()["detail"]


def test_writes_to_another_partners_graph_are_403_and_say_which_graphs_are_yours(client, tokens) -> None:
    before = dump(client)
    response = put(client, IBM_DATA, SITES_TTL, tokens["bgs"])
    assert response.status_code == 403
    assert f"{BASE}graph/partner/bgs/{{name}}" in response.json()["detail"]
    assert client.delete("/store", params={"graph": IBM_DATA}, headers=tokens["bgs"]).status_code == 403
    assert dump(client) == before


@pytest.mark.parametrize("graph", [f"{BASE}graph/countries", f"{BASE}graph/catalog", f"{BASE}graph/ontology",
                                   BGS_CATALOG, "https://example.org/my-graph"])
def test_nobody_writes_the_hubs_graphs_or_a_catalog_companion(client, tokens, graph: str) -> None:
    before = dump(client)
    for who in ("bgs", "admin"):
        response = put(client, graph, SITES_TTL, tokens[who])
        assert response.status_code == 403, who
        assert "cannot be written through /store" in response.json()["detail"]
        assert client.delete("/store", params={"graph": graph}, headers=tokens[who]).status_code == 403
    assert dump(client) == before


def test_writes_to_the_default_graph_are_403_but_reading_it_works(client, tokens) -> None:
    response = client.put("/store?default", content=SITES_TTL.encode(),
                          headers={**tokens["admin"], "Content-Type": "text/turtle"})
    assert response.status_code == 403
    assert "the default graph" in response.json()["detail"]
    assert client.get("/store?default").status_code == 200


def test_an_admin_may_write_any_partner_graph(client, tokens) -> None:
    assert put(client, IBM_DATA, SITES_TTL, tokens["admin"]).status_code == 201
    assert client.get("/store", params={"graph": IBM_DATA}, headers=tokens["ibm"]).status_code == 200


def test_the_graph_must_be_named(client, tokens) -> None:
    assert client.get("/store").status_code == 400
    assert client.get("/store", params={"graph": "not an iri"}).status_code == 400
    assert client.get("/store", params={"graph": BGS_SITES, "default": ""}).status_code == 400
    response = put(client, f"{BASE}graph/partner/bgs/Bad_Name", SITES_TTL, tokens["bgs"])
    assert response.status_code == 400 and "1 to 60 characters" in response.json()["detail"]


# --- round trips -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", RdfFormat.TURTLE), ("application/n-triples", RdfFormat.N_TRIPLES),
    ("application/rdf+xml", RdfFormat.RDF_XML), ("application/ld+json", RdfFormat.JSON_LD),
    ("text/n3", RdfFormat.N3), ("application/n-quads", RdfFormat.N_QUADS), ("application/trig", RdfFormat.TRIG),
])
def test_put_then_get_round_trips_in_every_format(client, tokens, accept: str, fmt: RdfFormat) -> None:
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"]).status_code == 201
    response = client.get("/store", params={"graph": BGS_SITES}, headers={**tokens["bgs"], "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    got = {(q.subject, q.predicate, q.object) for q in parse(input=response.content, format=fmt)}
    sent = {(q.subject, q.predicate, q.object) for q in parse(input=SITES_TTL.encode(), format=RdfFormat.TURTLE)}
    assert got == sent


@pytest.mark.parametrize(("content_type", "fmt"), [
    ("application/n-triples", RdfFormat.N_TRIPLES), ("application/rdf+xml", RdfFormat.RDF_XML),
    ("application/ld+json", RdfFormat.JSON_LD), ("text/turtle; charset=utf-8", RdfFormat.TURTLE),
])
def test_put_accepts_every_triple_format(client, tokens, content_type: str, fmt: RdfFormat) -> None:
    from pyoxigraph import serialize

    body = serialize(parse(input=SITES_TTL.encode(), format=RdfFormat.TURTLE), format=fmt).decode()
    assert put(client, BGS_SITES, body, tokens["bgs"], content_type=content_type).status_code == 201
    response = client.get("/store", params={"graph": BGS_SITES}, headers={**tokens["bgs"],
                                                                          "Accept": "application/n-triples"})
    assert len(response.text.strip().splitlines()) == 12


def test_put_replaces_and_answers_204_the_second_time(client, tokens) -> None:
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"]).status_code == 201
    assert put(client, BGS_SITES, SECOND_SITE_NT, tokens["bgs"],
               content_type="application/n-triples").status_code == 204
    body = client.get("/store", params={"graph": BGS_SITES}, headers={**tokens["bgs"], "Accept": "text/plain"}).text
    assert body.strip() == SECOND_SITE_NT.strip()


def test_post_appends_and_creates_when_missing(client, tokens) -> None:
    response = client.post("/store", params={"graph": BGS_SITES}, content=SITES_TTL.encode(),
                           headers={**tokens["bgs"], "Content-Type": "text/turtle"})
    assert response.status_code == 201
    response = client.post("/store", params={"graph": BGS_SITES}, content=SECOND_SITE_NT.encode(),
                           headers={**tokens["bgs"], "Content-Type": "application/n-triples"})
    assert response.status_code == 204
    lines = client.get("/store", params={"graph": BGS_SITES},
                       headers={**tokens["bgs"], "Accept": "application/n-triples"}).text.strip().splitlines()
    assert len(lines) == 13 and SECOND_SITE_NT.strip() in lines


def test_delete_removes_the_graph_and_its_catalog_entry(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"])
    assert client.delete("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"]).status_code == 204
    store: Store = client.app.state.store
    assert not any(g.value in (BGS_SITES, BGS_CATALOG) for g in store.named_graphs())
    assert client.get("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"]).status_code == 404
    assert client.delete("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"]).status_code == 404
    assert client.get("/store/access", params={"graph": BGS_SITES}, headers=tokens["bgs"]).status_code == 404


def test_head_answers_like_get_without_a_body(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"])
    got = client.get("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"])
    head = client.head("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/store", params={"graph": BGS_SITES}).status_code == 404
    assert client.head("/store", params={"graph": f"{BASE}graph/no-such"}).status_code == 404


def test_a_hub_graph_is_readable_by_anyone(client) -> None:
    response = client.get("/store", params={"graph": f"{BASE}graph/countries"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and 'cm:iso3166Alpha3 "GBR"' in response.text
    assert client.get("/store", params={"graph": f"{BASE}graph/countries"},
                      headers={"Accept": "image/png"}).status_code == 406


# --- refusals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "application/json", "application/trig", "text/csv"])
def test_an_unknown_or_missing_content_type_is_415_listing_the_accepted_ones(client, tokens, content_type) -> None:
    headers = {**tokens["bgs"], **({"Content-Type": content_type} if content_type else {})}
    response = client.put("/store", params={"graph": BGS_SITES}, content=SITES_TTL.encode(), headers=headers)
    assert response.status_code == 415
    assert "text/turtle" in response.json()["detail"] and "application/rdf+xml" in response.json()["detail"]


def test_a_syntax_error_is_400_with_line_and_column_and_changes_nothing(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"])
    before = dump(client)
    broken = SITES_TTL.replace('"Cornwall Lithium Test Mine" ;', '"Cornwall Lithium Test Mine ;')
    response = put(client, BGS_SITES, broken, tokens["bgs"])
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["line"] == 10 and detail["column"] >= 1
    assert "line 10, column" in detail["message"]
    assert dump(client) == before


def test_a_body_over_the_limit_is_413_by_header_and_while_reading(client, tokens) -> None:
    big = SITES_TTL + "#" * (64 * 1024)
    response = put(client, BGS_SITES, big, tokens["bgs"])
    assert response.status_code == 413
    assert "65536 bytes" in response.json()["detail"] and "upload_max_bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting while reading can catch it
        yield SITES_TTL.encode()
        for _ in range(70):
            yield b"#" * 1024 + b"\n"

    response = client.put("/store", params={"graph": BGS_SITES}, content=chunks(),
                          headers={**tokens["bgs"], "Content-Type": "text/turtle"})
    assert response.status_code == 413
    assert client.get("/store", params={"graph": BGS_SITES}, headers=tokens["bgs"]).status_code == 404


def test_an_invalid_upload_is_422_with_the_report_and_the_store_byte_for_byte_unchanged(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"], visibility="public")
    before = dump(client)
    for method in ("PUT", "POST"):
        response = client.request(method, "/store", params={"graph": BGS_SITES, "title": "New title"},
                                  content=BAD_LATITUDE.encode(), headers={**tokens["bgs"],
                                                                          "Content-Type": "text/turtle"})
        assert response.status_code == 422, method
        report = response.json()
        assert report["conforms"] is False
        assert "schema:latitude" in report["summary"] and "nothing was written" in report["summary"]
        [result] = [r for r in report["results"] if r["value"] == "fifty north"]
        assert result == {
            "focusNode": "https://w3id.org/critmin/id/facility/bgs-test/cornwall-lithium",
            "resultPath": "https://schema.org/latitude", "value": "fifty north",
            "message": "schema:latitude is at most one xsd:decimal from -90 to 90 (WGS 84 degrees).",
            "severity": "Violation", "sourceShape": "https://w3id.org/critmin/shapes/FacilityShape",
        }
        assert dump(client) == before


def test_validation_judges_an_append_with_what_the_graph_holds(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"])
    second_label = ('<https://w3id.org/critmin/id/facility/bgs-test/cornwall-lithium> '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "Another name" .\n')
    before = dump(client)
    response = client.post("/store", params={"graph": BGS_SITES}, content=second_label.encode(),
                           headers={**tokens["bgs"], "Content-Type": "application/n-triples"})
    assert response.status_code == 422  # two rdfs:label on one facility: only the graph as a whole shows it
    assert dump(client) == before


# --- visibility --------------------------------------------------------------------------------------------------


def test_a_private_graph_is_404_to_others_until_shared(client, tokens) -> None:
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"]).status_code == 201  # private by default
    params = {"graph": BGS_SITES}
    for who in ("ibm", "anonymous"):
        assert client.get("/store", params=params, headers=tokens[who]).status_code == 404, who
        assert client.head("/store", params=params, headers=tokens[who]).status_code == 404, who
        assert client.get("/store", params={"graph": BGS_CATALOG}, headers=tokens[who]).status_code == 404, who
        assert client.get("/store/access", params=params, headers=tokens[who]).status_code == 404, who
    assert client.get("/store", params=params, headers=tokens["bgs-read"]).status_code == 200
    assert client.get("/store", params=params, headers=tokens["admin"]).status_code == 200

    response = client.put("/store/access", params=params, json={"visibility": "partners", "readers": ["ibm"]},
                          headers=tokens["bgs"])
    assert response.status_code == 200
    assert response.json()["readers"] == ["ibm"]
    assert client.get("/store", params=params, headers=tokens["ibm"]).status_code == 200
    assert client.head("/store", params=params, headers=tokens["ibm"]).status_code == 200
    assert client.get("/store", params=params, headers=tokens["anonymous"]).status_code == 404
    access = client.get("/store/access", params=params, headers=tokens["ibm"]).json()
    assert access == {"graph": BGS_SITES, "owner": "bgs", "visibility": "partners"}  # readers: the owner's business


def test_only_the_owner_or_an_admin_changes_access_and_unknown_readers_are_refused(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"], visibility="public")
    params = {"graph": BGS_SITES}
    assert client.put("/store/access", params=params, json={"visibility": "partners"},
                      headers=tokens["ibm"]).status_code == 403
    assert client.put("/store/access", params=params, json={"visibility": "partners"}).status_code == 401
    response = client.put("/store/access", params=params, json={"visibility": "partners", "readers": ["nobody"]},
                          headers=tokens["bgs"])
    assert response.status_code == 400 and "'nobody'" in response.json()["detail"]
    assert client.put("/store/access", params=params, json={"visibility": "secret"},
                      headers=tokens["bgs"]).status_code == 400
    assert client.get("/store", params=params).status_code == 200  # unchanged: still public
    assert client.put("/store/access", params=params, json={"visibility": "partners"},
                      headers=tokens["admin"]).status_code == 200
    assert client.get("/store", params=params).status_code == 404


def test_upload_options_set_visibility_and_readers(client, tokens) -> None:
    response = put(client, BGS_SITES, SITES_TTL, tokens["bgs"], readers="ibm")
    assert response.status_code == 201
    assert client.get("/store", params={"graph": BGS_SITES}, headers=tokens["ibm"]).status_code == 200
    assert client.get("/store", params={"graph": BGS_SITES}).status_code == 404
    response = put(client, BGS_SITES, SITES_TTL, tokens["bgs"], readers="ibm,ghost")
    assert response.status_code == 400 and "'ghost'" in response.json()["detail"]
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"], visibility="everyone").status_code == 400
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"], license="not a licence").status_code == 400
    assert put(client, BGS_SITES, SITES_TTL, tokens["bgs"], visibility="public").status_code == 204
    assert client.get("/store", params={"graph": BGS_SITES}).status_code == 200


# --- catalog -----------------------------------------------------------------------------------------------------


def test_the_catalog_companion_holds_licence_description_publisher_and_visibility(client, tokens) -> None:
    put(client, BGS_SITES, SITES_TTL, tokens["bgs"], title="BGS test sites", description="Two test mines",
        license=CC_BY)
    response = client.get("/store", params={"graph": BGS_CATALOG},
                          headers={**tokens["bgs"], "Accept": "application/n-triples"})
    assert response.status_code == 200
    body = response.text
    subject = f"<{BGS_SITES}>"
    assert f'{subject} <http://purl.org/dc/terms/license> <{CC_BY}>' in body
    assert f'{subject} <http://purl.org/dc/terms/description> "Two test mines"@en' in body
    assert f'{subject} <http://purl.org/dc/terms/title> "BGS test sites"@en' in body
    assert f"{subject} <http://purl.org/dc/terms/publisher> <{BASE}id/partner/bgs>" in body
    restricted = "<http://publications.europa.eu/resource/authority/access-right/RESTRICTED>"
    assert f"{subject} <http://purl.org/dc/terms/accessRights> {restricted}" in body
    assert f'{subject} <http://rdfs.org/ns/void#triples> "12"^^<http://www.w3.org/2001/XMLSchema#integer>' in body
    assert "<http://purl.org/dc/terms/modified>" in body
    store: Store = client.app.state.store
    catalog = store.dump(format=RdfFormat.N_TRIPLES, from_graph=__import__("kg.iris").iris.CATALOG_GRAPH).decode()
    assert BGS_SITES not in catalog  # never in the shared catalog: a private graph's entry would show there

    # a later upload without options keeps them; sharing restates the visibility
    put(client, BGS_SITES, SECOND_SITE_NT, tokens["bgs"], content_type="application/n-triples")
    client.put("/store/access", params={"graph": BGS_SITES}, json={"visibility": "public"}, headers=tokens["bgs"])
    body = client.get("/store", params={"graph": BGS_CATALOG}, headers={"Accept": "application/n-triples"}).text
    assert f'{subject} <http://purl.org/dc/terms/license> <{CC_BY}>' in body
    assert '"1"^^<http://www.w3.org/2001/XMLSchema#integer>' in body
    assert "access-right/PUBLIC>" in body and "RESTRICTED" not in body


# --- spreadsheets ------------------------------------------------------------------------------------------------

MAPPING = """
name = "bgs-test-sites"

[source]
file = "sites.csv"

[catalog]
title = "BGS test sites from a spreadsheet"
description = "Sites mapped from a test spreadsheet"
source_url = "https://example.org/bgs/sites"
license = "https://creativecommons.org/licenses/by/4.0/"
citation = "BGS, test sheet"

[[subjects]]
id = "site"
kind = "facility"
key = "bgs-test/{Site|slug}"
classes = ["cm:Facility", "cm:Mine"]

  [[subjects.properties]]
  predicate = "rdfs:label"
  column = "Site"
  required = true

  [[subjects.properties]]
  predicate = "cm:facilityType"
  iri = "cmid:facility-type/mine"

  [[subjects.properties]]
  predicate = "cm:country"
  column = "Country"
  resolve = "country"

  [[subjects.properties]]
  predicate = "schema:latitude"
  column = "Latitude"
  datatype = "xsd:decimal"
"""
SHEET = "Site,Country,Latitude\nCornwall Test Mine,United Kingdom,50.3\nDevon Test Mine,United Kingdom,50.6\n"


def upload_sheet(client, headers, data: bytes, *, name: str = "sites.csv", mode: str = "replace"):
    return client.post("/store/spreadsheet", params={"graph": BGS_SITES, "mode": mode}, headers=headers,
                       files={"mapping": ("mapping.toml", MAPPING.encode()), "data": (name, data)})


def test_a_spreadsheet_upload_maps_validates_and_catalogs(client, tokens) -> None:
    response = upload_sheet(client, tokens["bgs"], SHEET.encode())
    assert response.status_code == 201, response.text
    body = client.get("/store", params={"graph": BGS_SITES},
                      headers={**tokens["bgs"], "Accept": "application/n-triples"}).text
    assert '"Devon Test Mine"' in body and "country/GBR" in body
    catalog = client.get("/store", params={"graph": BGS_CATALOG},
                         headers={**tokens["bgs"], "Accept": "application/n-triples"}).text
    assert '"BGS test sites from a spreadsheet"@en' in catalog and CC_BY in catalog


def test_a_spreadsheet_upload_takes_xlsx(client, tokens) -> None:
    book = openpyxl.Workbook()
    for row in SHEET.strip().splitlines():
        book.active.append([float(c) if c[0].isdigit() else c for c in row.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload_sheet(client, tokens["bgs"], buffer.getvalue(), name="sites.xlsx").status_code == 201


def test_a_bad_row_is_422_naming_row_and_column_and_writes_nothing(client, tokens) -> None:
    before = dump(client)
    response = upload_sheet(client, tokens["bgs"], (SHEET + "Bad Mine,Atlantis,north\n").encode())
    assert response.status_code == 422
    detail = response.json()["detail"]
    rows = {(p["row"], p["column"]) for p in detail["problems"]}
    assert rows == {(4, "Country"), (4, "Latitude")}
    assert "row 4, column Country" in detail["message"]
    assert dump(client) == before


def test_a_bad_mapping_is_422_naming_the_key(client, tokens) -> None:
    response = client.post("/store/spreadsheet", params={"graph": BGS_SITES}, headers=tokens["bgs"],
                           files={"mapping": ("m.toml", MAPPING.replace('kind = "facility"', 'kind = "country"')
                                              .encode()), "data": ("sites.csv", SHEET.encode())})
    assert response.status_code == 422
    assert any(p["key"] == "subjects[0].kind" for p in response.json()["detail"]["problems"])
    assert upload_sheet(client, {}, SHEET.encode()).status_code == 401
    response = client.post("/store/spreadsheet", params={"graph": IBM_DATA}, headers=tokens["bgs"],
                           files={"mapping": ("m.toml", MAPPING.encode()), "data": ("s.csv", SHEET.encode())})
    assert response.status_code == 403
