"""The remote store behind a reverse proxy that asks for HTTP basic authentication (settings remote_username and
remote_password): every request the service makes to it, from start-up probes to SPARQL from the network and
partner uploads, carries the credentials; without them the service does not start, and says why without showing
the password."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.settings import Settings
from kg.store import StoreUnavailableError, open_configured_store
from tests.conftest import issue_token
from tests.remote_fixtures import oxigraph_server

USER, PASSWORD = "critmin", "s3cret-proxy-pass"
GRAPH = "https://w3id.org/critmin/graph/partner/bgs/sites"


@dataclass
class Proxy:
    url: str
    forwarded: int = 0
    refused: list[str] = field(default_factory=list)  # the paths of requests without the right credentials
    password: str = PASSWORD  # what it asks for (a test rotates it)


@contextmanager
def basic_auth_proxy(upstream: str) -> Iterator[Proxy]:
    """A loopback reverse proxy to ``upstream`` that answers 401 to any request without USER and its password."""
    target = urlsplit(upstream)
    proxy = Proxy("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            expected = "Basic " + base64.b64encode(f"{USER}:{proxy.password}".encode()).decode()
            if self.headers.get("authorization") != expected:
                proxy.refused.append(self.path)
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="oxigraph"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            proxy.forwarded += 1
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with oxigraph_server(union_default_graph=True, location=tmp_path_factory.mktemp("oxigraph")) as server, \
            basic_auth_proxy(server.base_url) as running:
        yield running


def settings(proxy: Proxy, folder: Path, **credentials: str) -> Settings:
    return Settings(store=folder / "store", store_backend="remote", remote_query_url=f"{proxy.url}/query",
                    remote_update_url=f"{proxy.url}/update", remote_gsp_url=f"{proxy.url}/store",
                    accounts_db=folder / "accounts.sqlite3", query_workers=1, **credentials)


def test_every_request_to_the_store_carries_the_credentials(proxy: Proxy, tmp_path: Path) -> None:
    configured = settings(proxy, tmp_path, remote_username=USER, remote_password=PASSWORD)
    token = issue_token(configured.accounts_db, "read", "write", partner="bgs")
    before = proxy.forwarded
    with TestClient(create_app(configured)) as client:
        upload = client.put("/store", params={"graph": GRAPH}, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "text/turtle"},
            content=b'<https://w3id.org/critmin/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "Site X" .\n')
        assert upload.status_code == 201, upload.text
        answer = client.get("/sparql", params={"query": 'ASK { ?s ?p "Site X" }'},  # private: its owner reads it
                            headers={"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert proxy.forwarded > before and proxy.refused == []


@pytest.mark.parametrize("credentials", [{}, {"remote_username": USER, "remote_password": "wrong"}],
                         ids=["none", "wrong password"])
def test_without_the_credentials_the_service_does_not_start_and_says_why(proxy: Proxy, tmp_path: Path,
                                                                         credentials: dict[str, str]) -> None:
    refused_before = len(proxy.refused)
    with pytest.raises(StoreUnavailableError) as error:
        open_configured_store(settings(proxy, tmp_path, **credentials))
    assert "401" in str(error.value) and f"{proxy.url}/query" in str(error.value)
    assert len(proxy.refused) > refused_before


def test_credentials_the_store_stops_taking_are_a_502_that_says_which_settings(proxy: Proxy, tmp_path: Path) -> None:
    configured = settings(proxy, tmp_path, remote_username=USER, remote_password=PASSWORD)
    with TestClient(create_app(configured)) as client:
        proxy.password = "rotated-behind-our-back"
        try:  # a query the runner sends, and a page whose route reads the store itself
            answers = [client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}),
                       client.get("/id/country/GBR", headers={"Accept": "application/json"})]
        finally:
            proxy.password = PASSWORD
        for answer in answers:
            assert answer.status_code == 502, answer.text  # the store behind us refused us: not the caller's fault
            assert "remote_username and remote_password" in answer.text
            assert PASSWORD not in answer.text and proxy.url not in answer.text
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_the_password_is_never_shown() -> None:
    configured = Settings(remote_username=USER, remote_password=PASSWORD)
    assert PASSWORD not in repr(configured) and PASSWORD not in str(configured.model_dump())
    assert configured.remote_auth == (USER, PASSWORD)
