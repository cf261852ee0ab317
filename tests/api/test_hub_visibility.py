"""Country and commodity pages built from the public hub summaries (kg/hub_summaries.py) through the real app: a
partner's private facility in Australia counts on the pages its partner sees, and nowhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from kg.hub_facts import summary_of
from tests.backends import serve_app

BASE = "https://w3id.org/critmin/"
PRIVATE = f"{BASE}graph/partner/alpha/mines"
FACILITY = f"{BASE}id/facility/alpha-test/hidden-mine"
RECORD = f"{BASE}id/record/alpha-test/row-1"
PRIVATE_TTL = f"""
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<{FACILITY}> a cm:Facility , cm:Mine ;
    rdfs:label "!Alpha hidden mine" ;
    cm:facilityType <{BASE}id/facility-type/mine> ;
    cm:country <{BASE}id/country/AUS> ;
    cm:commodity <{BASE}id/commodity/lithium> ;
    prov:wasDerivedFrom <{RECORD}> .
<{RECORD}> a cm:SourceRecord ; cm:sourceFile "alpha-mines.csv" ; cm:sourceRow 1 .
"""


@pytest.fixture(scope="module")
def before() -> dict[str, dict]:
    """The pages as they were before alpha's upload (filled by ``client``)."""
    return {}


@pytest.fixture(scope="module")
def client(bundled_copy, accounts: Path, callers, before) -> Iterator[TestClient]:
    with serve_app(bundled_copy(), query_workers=1, accounts_db=accounts) as test_client:
        before["country"] = test_client.get("/id/country/AUS.json").json()
        before["commodity"] = test_client.get("/id/commodity/lithium.json").json()
        response = test_client.put("/store", params={"graph": PRIVATE}, content=PRIVATE_TTL.encode(),
                                   headers={**callers["alpha"], "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        yield test_client


def test_the_pages_are_built_from_the_summaries(client: TestClient) -> None:
    """A partner's upload is no input of the public summaries: they stay current, and the pages use them."""
    summary = summary_of(client.app.state.store, NamedNode(f"{BASE}id/country/AUS"))
    assert summary is not None and PRIVATE in [g.value for g in summary.extra]


def stages(page: dict) -> dict[str, int]:
    return {s["stage"]["iri"]: s["count"] for s in page["commodity"]["facilities_by_stage"]}


@pytest.mark.parametrize("caller", ["anonymous", "beta"])
def test_others_see_the_public_counts(client: TestClient, callers, before, caller: str) -> None:
    country = client.get("/id/country/AUS.json", headers=callers[caller]).json()
    assert country["country"]["facility_count"] == before["country"]["country"]["facility_count"]
    assert FACILITY not in [f["iri"] for f in country["country"]["facilities"]]
    assert country["inbound"]["total"] == before["country"]["inbound"]["total"]
    commodity = client.get("/id/commodity/lithium.json", headers=callers[caller]).json()
    assert stages(commodity) == stages(before["commodity"])


@pytest.mark.parametrize("caller", ["alpha", "admin"])
def test_the_partner_who_reads_it_sees_its_facility_counted(client: TestClient, callers, before,
                                                           caller: str) -> None:
    country = client.get("/id/country/AUS.json", headers=callers[caller]).json()
    assert country["country"]["facility_count"] == before["country"]["country"]["facility_count"] + 1
    assert FACILITY in [f["iri"] for f in country["country"]["facilities"]]
    assert country["country"]["facility_types"][FACILITY]
    assert country["inbound"]["total"] == before["country"]["inbound"]["total"] + 1
    commodity = client.get("/id/commodity/lithium.json", headers=callers[caller]).json()
    mining = f"{BASE}id/stage/mining"
    assert stages(commodity)[mining] == stages(before["commodity"]).get(mining, 0) + 1
    assert commodity["inbound"]["total"] == before["commodity"]["inbound"]["total"] + 1
