"""Request ids and request log lines (api/observability/request_logs.py, middleware.py) through a real app: the id
is taken from X-Request-ID when safe, else made, echoed back and carried by every log line written for the request;
one line per request with its route template, status and partner; a token, its header and cookies are never logged
nor in the metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.observability.request_logs import REQUESTS_LOGGER, JsonFormatter, TextFormatter
from tests.api.conftest import serve_copy
from tests.backends import BACKEND
from tests.conftest import issue_token

WORK_LOGGER = "critmin.test.work"


@pytest.fixture(scope="module")
def client(reference_store: Store, tmp_path_factory: pytest.TempPathFactory, accounts: Path) -> Iterator[TestClient]:
    for client in serve_copy(reference_store, tmp_path_factory.mktemp("request-logs"), accounts):
        def work() -> dict[str, str]:  # a plain function: FastAPI runs it in a worker thread
            logging.getLogger(WORK_LOGGER).warning("working on it")
            return {"done": "yes"}

        client.app.add_api_route("/test-only/work", work)  # a route that logs while it answers
        yield client


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == REQUESTS_LOGGER]


def test_a_safe_request_id_is_kept_echoed_and_on_every_line_of_the_request(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/test-only/work", headers={"X-Request-ID": "edge-7f3a.42:b_c"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "edge-7f3a.42:b_c"
    work = [record for record in caplog.records if record.name == WORK_LOGGER]
    assert len(work) == 1 and work[0].request_id == "edge-7f3a.42:b_c"  # logged from the route's worker thread
    [line] = request_lines(caplog)
    assert line.request_id == "edge-7f3a.42:b_c"
    assert (line.method, line.route, line.status) == ("GET", "/test-only/work", 200)
    assert line.client == "testclient" and not hasattr(line, "partner")
    assert line.duration_ms >= 0


@pytest.mark.parametrize("given", ["x" * 129, "two words", "semi;colon", "new\tline", ""])
def test_an_unsafe_request_id_is_replaced(client: TestClient, caplog: pytest.LogCaptureFixture, given: str) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/healthz", headers={"X-Request-ID": given})
    made = response.headers["x-request-id"]
    assert made != given and len(made) == 32 and all(c in "0123456789abcdef" for c in made)
    assert [line.request_id for line in request_lines(caplog)] == [made]


def test_without_a_request_id_each_request_gets_its_own(client: TestClient) -> None:
    first, second = (client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert first != second


def test_json_line_of_an_authenticated_request_names_the_partner_never_the_token(
        client: TestClient, accounts: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = issue_token(accounts, "read", partner="logged-partner")
    secret_cookie = "session=cookie-secret-5b1d"
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                          headers={"Authorization": f"Bearer {token}", "Cookie": secret_cookie,
                                   "X-Request-ID": "with-token-1"})
    assert response.status_code == 200
    bad = client.get("/whoami", headers={"Authorization": f"Bearer {token}x"})  # unknown token: 401
    assert bad.status_code == 401
    lines = request_lines(caplog)
    assert [(line.route, line.status) for line in lines] == [("/sparql", 200), ("/whoami", 401)]
    parsed = json.loads(JsonFormatter().format(lines[0]))
    assert {k: parsed[k] for k in ("level", "request_id", "method", "route", "status", "client", "partner")} == {
        "level": "info", "request_id": "with-token-1", "method": "GET", "route": "/sparql", "status": 200,
        "client": "testclient", "partner": "logged-partner"}
    assert parsed["time"].endswith("+00:00") and isinstance(parsed["duration_ms"], float)
    assert "partner" not in json.loads(JsonFormatter().format(lines[1]))  # an invalid token names nobody
    assert "with-token-1" in TextFormatter().format(lines[0])
    for record in caplog.records:  # every line, from every logger, as written out in both formats
        for written in (JsonFormatter().format(record), TextFormatter().format(record), repr(vars(record))):
            assert token not in written and token[:20] not in written
            assert "cookie-secret" not in written and "Bearer" not in written
    assert token[:20] not in client.get("/metrics").text


def test_a_write_says_where_its_time_went_in_server_timing_and_its_log_line(
        client: TestClient, accounts: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    token = issue_token(accounts, "read", "write", partner="timed-partner")
    label = "<https://w3id.org/critmin/id/facility/timed/one> <http://www.w3.org/2000/01/rdf-schema#label> \"One\" .\n"
    response = client.put("/store", params={"graph": "https://w3id.org/critmin/graph/partner/timed-partner/sites"},
                          content=label.encode(), headers={"Authorization": f"Bearer {token}",
                                                           "Content-Type": "application/n-triples"})
    assert response.status_code == 201, response.text
    timing = {metric.split(";")[0]: metric for metric in response.headers["server-timing"].split(", ")}
    assert {"read", "parse", "wait_for_the_partner_write_lock", "validate", "write", "stage", "commit", "publish",
            "wait_for_the_publication_lock", "search"} <= timing.keys()
    assert ("snapshot" in timing) == (BACKEND == "embedded")  # a remote store's readers read it live
    assert 'desc="wait for the partner write lock"' in timing["wait_for_the_partner_write_lock"]
    [line] = request_lines(caplog)
    assert {"wait for the partner write lock", "validate", "publish"} <= line.steps_ms.keys()
    assert len(line.steps_ms) == len(timing)
    written = json.loads(JsonFormatter().format(line))["steps_ms"]  # an object in the JSON line, not a string
    assert written["validate"] >= 0 and written["publish"] >= written["search"]
    assert "server-timing" not in client.get("/healthz").headers  # a request that timed nothing says nothing
