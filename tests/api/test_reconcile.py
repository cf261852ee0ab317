"""The Reconciliation Service API through the real app, over the bundled data plus the bundled documents (the
companies are mentions in those documents, as after `make run`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from extractors.documents import Document, read_documents
from extractors.nlp.pipeline import build_pipeline
from kg.document_facts import load_document_facts
from kg.settings import PROJECT_ROOT
from kg.store import open_store
from tests.backends import serve_app

CARAIBA = "facility/icmm-ICMM00566"
GLENCORE = "candidate/kamoto-copper-cobalt/organization-glencore"
BATCH_LIMIT = 50


@pytest.fixture(scope="module")
def client(bundled_copy) -> Iterator[TestClient]:
    path: Path = bundled_copy()
    store = open_store(path)
    nlp = build_pipeline()
    for document in read_documents([PROJECT_ROOT / "data" / "documents"]):
        assert isinstance(document, Document), document
        doc = nlp(document.text)
        load_document_facts(store, document, doc._.mentions or [], doc._.facts or [])
    store.flush()
    del store
    with serve_app(path, query_workers=1, reconcile_batch_max_queries=BATCH_LIMIT) as test_client:
        yield test_client


def reconcile(client: TestClient, batch: dict) -> dict:
    """POST a batch exactly as OpenRefine 3.x does: form-encoded, one field ``queries`` holding JSON."""
    response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def test_the_manifest_describes_the_service_for_openrefine(client: TestClient) -> None:
    manifest = client.get("/reconcile").json()
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/critmin/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/critmin/ontology/"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["organisation", "facility", "commodity", "country",
                                                          "document"]
    assert manifest["view"]["url"] == "http://testserver/id/{{id}}"
    assert manifest["preview"]["url"] == "http://testserver/reconcile/preview?id={{id}}"
    assert manifest["preview"]["width"] > 0 and manifest["preview"]["height"] > 0
    assert manifest["suggest"]["entity"] == {"service_url": "http://testserver/reconcile",
                                             "service_path": "/suggest/entity"}
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"
    assert manifest["extend"]["property_settings"][0]["name"] == "limit"
    assert manifest["batchSize"] == BATCH_LIMIT


def test_the_1_0_manifest_uses_the_draft_shape(client: TestClient) -> None:
    manifest = client.get("/reconcile/v1").json()
    assert manifest["versions"] == ["1.0-draft"]
    assert manifest["suggest"] == {"entity": True, "type": True, "property": True}
    assert manifest["view"]["url"] == "http://testserver/id/{+id}"
    assert "identifierSpace" not in manifest and manifest["extend"]["propose_properties"] is True


def test_jsonp_wraps_the_manifest_and_refuses_a_callback_that_is_not_a_name(client: TestClient) -> None:
    response = client.get("/reconcile", params={"callback": "jQuery123_456"})
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.text.startswith("/**/jQuery123_456(") and response.text.endswith(");")
    body = json.loads(response.text[len("/**/jQuery123_456("):-2])
    assert body["identifierSpace"] == "https://w3id.org/critmin/id/"
    bad = client.get("/reconcile", params={"callback": "alert(1)//"})
    assert bad.status_code == 400 and "callback" in bad.json()["detail"]


def test_an_openrefine_batch_of_company_and_mine_names_with_type_and_property(client: TestClient) -> None:
    results = reconcile(client, {
        "q0": {"query": "Glencore plc", "type": "organisation", "type_strict": "should", "limit": 3},
        "q1": {"query": "Caraíba Mine", "type": "Mine", "type_strict": "should",
               "properties": [{"pid": "country", "v": "Brazil"}, {"pid": "commodity", "v": "copper"}]},
        "q2": {"query": "kamoto", "type": "facility", "properties": [{"pid": "country", "v": "CD"}]},
        "q3": {"query": "Caraiba", "type": "Mine", "properties": [{"pid": "country", "v": "Chile"}]},
    })
    assert set(results) == {"q0", "q1", "q2", "q3"}
    glencore = results["q0"]["result"][0]
    assert (glencore["id"], glencore["name"], glencore["match"]) == (GLENCORE, "Glencore", True)
    assert {"id": "organisation", "name": "Companies and organisations"} in glencore["type"]
    assert len(results["q0"]["result"]) <= 3
    caraiba = results["q1"]["result"][0]
    assert caraiba["id"] == CARAIBA and caraiba["match"] is True and 0 <= caraiba["score"] <= 100
    features = {f["id"]: f["value"] for f in caraiba["features"]}
    assert features["name_core"] is True and features["type"] is True
    assert features["country"] is True and features["commodity"] is True
    assert {"id": "Mine", "name": "Mine", "broader": [{"id": "facility", "name": "Facilities"}]} in caraiba["type"]
    assert "Brazil" in caraiba["description"]
    kamoto = results["q2"]["result"]
    assert kamoto[0]["id"] == "facility/icmm-ICMM07543"
    assert all(any(t["id"] == "facility" for t in c["type"]) for c in kamoto)  # the type is a filter
    wrong_country = results["q3"]["result"][0]
    assert wrong_country["id"] == CARAIBA and wrong_country["match"] is False
    assert {f["id"]: f["value"] for f in wrong_country["features"]}["country"] is False
    assert wrong_country["score"] < caraiba["score"]


def test_a_get_with_queries_answers_too_and_a_single_query_answers_0_1_style(client: TestClient) -> None:
    response = client.get("/reconcile", params={"queries": json.dumps({"a": {"query": "Caraiba"}})})
    assert response.json()["a"]["result"][0]["id"] == CARAIBA
    single = client.get("/reconcile", params={"query": "Caraiba"}).json()
    assert single["result"][0]["id"] == CARAIBA


def test_an_id_as_the_query_finds_that_entity(client: TestClient) -> None:
    results = reconcile(client, {"q0": {"query": CARAIBA}})
    first = results["q0"]["result"][0]
    assert (first["id"], first["score"], first["match"]) == (CARAIBA, 100.0, True)


def test_a_1_0_json_batch_with_conditions(client: TestClient) -> None:
    response = client.post("/reconcile/v1/reconcile", json={"queries": [
        {"type": "Mine", "limit": 2, "conditions": [
            {"match_type": "name", "v": "CARAIBA"},
            {"match_type": "property", "pid": "country", "v": {"id": "country/BRA", "name": "Brazil"},
             "required": True}]},
        {"query": "Glencore", "type": "organisation"},
    ]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["candidates"][0]["id"] for r in results] == [CARAIBA, GLENCORE]
    assert len(results[0]["candidates"]) <= 2
    assert all(f["name"] for f in results[0]["candidates"][0]["features"])


def test_suggest_entities_types_and_properties(client: TestClient) -> None:
    entities = client.get("/reconcile/suggest/entity", params={"prefix": "carai"}).json()["result"]
    assert entities[0]["id"] == CARAIBA and entities[0]["name"] == "Caraiba" and "Brazil" in entities[0]["description"]
    assert {"id": "facility", "name": "Facilities"} in entities[0]["notable"]
    later = client.get("/reconcile/v1/suggest/entity", params={"prefix": "lith", "cursor": 1}).json()["result"]
    first = client.get("/reconcile/v1/suggest/entity", params={"prefix": "lith"}).json()["result"]
    assert later[0] == first[1]
    types = client.get("/reconcile/suggest/type", params={"prefix": "ref"}).json()["result"]
    assert [t["id"] for t in types] == ["Refinery"]
    properties = client.get("/reconcile/suggest/property", params={"prefix": "coun"}).json()["result"]
    assert properties[0] == {"id": "country", "name": "Country", "description": "of facility, organisation"}
    jsonp = client.get("/reconcile/suggest/type", params={"prefix": "mine", "callback": "cb"})
    assert jsonp.text.startswith("/**/cb(")


def test_preview_is_a_small_html_card(client: TestClient) -> None:
    response = client.get("/reconcile/preview", params={"id": CARAIBA})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Caraiba" in response.text and "Brazil" in response.text and "/id/facility/icmm-ICMM00566" in response.text
    assert client.get("/reconcile/v1/preview", params={"id": "facility/none"}).status_code == 404


def test_extend_0_2_and_1_0(client: TestClient) -> None:
    proposal = client.get("/reconcile/propose_properties", params={"type": "Mine"}).json()
    assert proposal["type"] == "Mine" and {"id": "country", "name": "Country"} in proposal["properties"]
    extension = {"ids": [CARAIBA, "facility/none"],
                 "properties": [{"id": "country"}, {"id": "commodity", "settings": {"limit": 2}}, {"id": "latitude"},
                                {"id": "icmmId"}]}
    body = client.post("/reconcile", data={"extend": json.dumps(extension)}).json()
    assert body["meta"][0] == {"id": "country", "name": "Country", "type": {"id": "country", "name": "Countries"}}
    row = body["rows"][CARAIBA]
    assert row["country"] == [{"id": "country/BRA", "name": "Brazil"}]
    assert len(row["commodity"]) == 2 and all(set(v) == {"id", "name"} for v in row["commodity"])
    assert row["latitude"] == [{"float": pytest.approx(-9.864831575)}]
    assert row["icmmId"] == [{"str": "ICMM00566"}]
    assert body["rows"]["facility/none"]["country"] == []
    v1 = client.post("/reconcile/v1/extend", json=extension).json()
    assert v1["rows"][0]["id"] == CARAIBA
    assert v1["rows"][0]["properties"][0] == {"id": "country", "values": [{"id": "country/BRA", "name": "Brazil"}]}
    assert client.get("/reconcile/v1/extend/propose", params={"type": "organisation"}).json()["properties"]


def test_extending_documents_gives_dates(client: TestClient) -> None:
    found = client.get("/reconcile/suggest/entity", params={"prefix": "talison", "type": "document"}).json()
    document = found["result"][0]["id"]
    body = client.post("/reconcile", data={"extend": json.dumps({"ids": [document],
                                                                 "properties": [{"id": "issued"}]})}).json()
    assert set(body["rows"][document]["issued"][0]) == {"date"}


@pytest.mark.parametrize(("data", "status", "says"), [
    ({"queries": "{not json"}, 400, "queries: not valid JSON"),
    ({"queries": "[1, 2]"}, 400, "queries: must be a JSON object of named queries"),
    ({"queries": '{"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}'}, 400,
     "queries.q0.properties[0].pid: unknown property 'colour'"),
    ({"queries": '{"q0": {"query": "x", "type": "Spaceship"}}'}, 400, "queries.q0.type: unknown type 'Spaceship'"),
    ({"queries": '{"q0": {"query": "x", "limit": -1}}'}, 400, "queries.q0.limit: must be a positive integer"),
    ({"queries": '{"q0": {"query": "x", "type_strict": "maybe"}}'}, 400, "queries.q0.type_strict"),
    ({"extend": '{"ids": "x"}'}, 400, "extend.ids: must be a list"),
    ({"queries": json.dumps({f"q{n}": {"query": "x"} for n in range(BATCH_LIMIT + 1)})}, 413,
     "setting reconcile_batch_max_queries"),
])
def test_bad_input_says_what_and_where(client: TestClient, data: dict, status: int, says: str) -> None:
    response = client.post("/reconcile", data=data)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


def test_bad_1_0_requests_say_what(client: TestClient) -> None:
    assert "not valid JSON" in client.post("/reconcile/v1/reconcile", content=b"{",
                                           headers={"content-type": "application/json"}).json()["detail"]
    missing = client.post("/reconcile/v1/reconcile", json={"queries": [{"conditions": [{"match_type": "bogus"}]}]})
    assert missing.status_code == 400 and "queries[0].conditions[0].match_type" in missing.json()["detail"]
    json_to_0_2 = client.post("/reconcile", json={"queries": []})
    assert json_to_0_2.status_code == 415 and "/reconcile/v1/reconcile" in json_to_0_2.json()["detail"]
    assert client.get("/reconcile/propose_properties", params={"type": "Spaceship"}).status_code == 400
    preflight = client.options("/reconcile/v1/reconcile", headers={"Origin": "https://example.org",
                                                                   "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"


# Names as partners' spreadsheets spell them (case, legal forms, accents, typos, extra words), with the entity each
# one means; two ids where the bundled documents mention the same company twice, or where cmg:facility-links
# states the ICMM and MinMod records owl:sameAs.
LABELLED = [
    ("CARAIBA", "Mine", CARAIBA),
    ("Caraíba Mine", "facility", CARAIBA),
    ("Kathleen Valley Project", "facility", "facility/icmm-ICMM13585"),
    ("Kathleen Valey", "facility", "facility/icmm-ICMM13585"),
    ("Dugald River Mine", "Mine", "facility/icmm-ICMM08165"),
    ("dugald river", "facility", "facility/icmm-ICMM08165"),
    ("Barro Alto", "facility", "facility/icmm-ICMM07979"),
    ("Baro Alto", "facility", "facility/icmm-ICMM07979"),
    ("Sorowako Nickel", "facility", "facility/icmm-ICMM08824"),
    ("Kolomela mine", "Mine", "facility/icmm-ICMM08410"),
    ("Kolomella", "facility", "facility/icmm-ICMM08410"),
    ("Pea Ridge", "Mine", "facility/icmm-ICMM03379"),
    ("Lac des Îles", "facility", "facility/icmm-ICMM13615 facility/minmod-614edc14ec820a88"),  # owl:sameAs
    ("Norwich Lithia", "facility", "facility/icmm-ICMM04682"),
    ("Kitotolo", "facility", "facility/icmm-ICMM07535"),
    ("Tocopilla Cu Mine", "facility", "facility/icmm-ICMM01364"),
    ("Greenbushes", "Mine", "facility/icmm-ICMM06436"),
    ("Mount Gunson", "facility", "facility/icmm-ICMM06567"),
    ("Mt Gunson", "facility", "facility/icmm-ICMM06567"),
    ("Higginsville Gold Operation", "facility", "facility/icmm-ICMM06403"),
    ("Glencore plc", "organisation", GLENCORE),
    ("CMOC Group Limited", "organisation", "candidate/tenke-fungurume-cobalt/organization-cmoc-group"),
    ("CODELCO", "organisation", "candidate/salar-de-atacama-lithium/organization-codelco"),
    ("SQM S.A.", "organisation", "candidate/salar-de-atacama-lithium/organization-sqm"),
    ("Tianqi Lithium Corporation", "organisation",
     "candidate/greenbushes-lithium-expansion/organization-tianqi-lithium"),
    ("Lithium Americas Corp.", "organisation", "candidate/thacker-pass-lithium/organization-lithium-americas"),
    ("Gecamines", "organisation", "candidate/tenke-fungurume-cobalt/organization-gecamines "
                                  "candidate/kamoto-copper-cobalt/organization-gecamines"),
    ("Talison Lithium Pty Ltd", "organisation",
     "candidate/greenbushes-lithium-expansion/organization-talison-lithium"),
    ("Lygend Resources & Technology", "organisation",
     "candidate/obi-island-nickel-hpal/organization-lygend-resources"),
    ("Tianqui Lithium", "organisation", "candidate/greenbushes-lithium-expansion/organization-tianqi-lithium"),
]


def test_measured_precision_on_labelled_names(client: TestClient) -> None:
    results = reconcile(client, {f"q{n}": {"query": name, "type": rtype, "type_strict": "should"}
                                 for n, (name, rtype, _) in enumerate(LABELLED)})
    top_right = matched = matched_right = 0
    misses = []
    for n, (name, _, expected) in enumerate(LABELLED):
        candidates = results[f"q{n}"]["result"]
        top = candidates[0] if candidates else None
        right = top is not None and top["id"] in expected.split()
        top_right += right
        if top is not None and top["match"]:
            matched += 1
            matched_right += right
        if not right:
            misses.append((name, top and top["id"]))
    total = len(LABELLED)
    print(f"\nreconciliation on {total} labelled names: top-1 precision {top_right}/{total} = {top_right / total:.0%};"
          f" auto-matched {matched}/{total}, of which right {matched_right}/{matched}"
          f" = {matched_right / max(matched, 1):.0%}; top-1 misses: {misses}")
    assert matched_right == matched  # an automatic match must never be wrong on this list
    assert top_right / total >= 0.85
