"""The /query workbench page and the allowlisted front-end files under /static/vendor/."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.routers.vendor import NODE_MODULES, VENDOR_FILES
from api.routers.workbench import QUERIES, list_examples, read_example
from kg.iris import PREFIXES
from tests.backends import serve_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    with serve_app(tmp_path_factory.mktemp("wb") / "store", query_workers=1) as c:
        yield c


def test_every_example_has_a_title_and_a_question() -> None:
    examples = list_examples()
    assert len(examples) >= 15
    assert all(e.title and e.question and e.query for e in examples)


def test_a_header_may_go_on_over_indented_lines() -> None:
    example = read_example(QUERIES / "lithium_mine_concentration.rq")
    assert example.question.endswith("above 2,500 is highly concentrated)?")
    assert "countries with withheld figures" in example.source


def test_the_page_carries_endpoint_prefixes_examples_and_the_shared_query(client: TestClient) -> None:
    page = client.get("/query", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "view": "chart"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '"endpoint": "/sparql"' in page.text and '"view": "chart"' in page.text
    assert PREFIXES["commodity"] in page.text and "critical_list_overlap" in page.text
    assert "/static/vendor/yasgui/yasgui.min.js" in page.text and "/static/maps.js" in page.text


def test_no_page_asset_comes_from_another_host(client: TestClient) -> None:
    page = client.get("/query").text
    assert "://" not in "".join(part.split('"', 1)[0] for part in page.split('src="')[1:])
    assert "://" not in "".join(part.split('"', 1)[0] for part in page.split('href="')[1:] if "stylesheet" in part)


def test_an_unknown_view_or_example_falls_back(client: TestClient) -> None:
    page = client.get("/query", params={"view": "<script>", "example": "nope"}).text
    assert '"view": "table"' in page and '"example": null' in page


def test_examples_json_lists_them(client: TestClient) -> None:
    assert {e["name"] for e in client.get("/query/examples.json").json()} >= {"critical_list_overlap"}


needs_npm = pytest.mark.skipif(not (NODE_MODULES / "@zazuko/yasgui").is_dir(),
                               reason="node_modules is missing: run `make install` (needs npm)")


@needs_npm
@pytest.mark.parametrize("name", sorted(VENDOR_FILES))
def test_every_allowlisted_vendor_file_is_served(client: TestClient, name: str) -> None:
    response = client.get(f"/static/vendor/{name}")
    assert response.status_code == 200 and response.content


@pytest.mark.parametrize("path", [
    "/static/vendor/",
    "/static/vendor/yasgui/",
    "/static/vendor/leaflet/package.json",
    "/static/vendor/leaflet/dist/leaflet.js",
    "/static/vendor/..%2f..%2fpyproject.toml",
    "/static/vendor/%2e%2e/%2e%2e/pyproject.toml",
    "/static/vendor/yasgui/..%2f..%2f..%2fpackage.json",
    "/static/vendor/world-atlas/..%2fworld-atlas%2fcountries-110m.json",
    "/static/vendor//etc/passwd",
])
def test_nothing_else_under_vendor_and_no_traversal(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "critmin" not in response.text and "root:" not in response.text


def test_the_allowlist_points_inside_node_modules() -> None:
    for relative in VENDOR_FILES.values():
        assert ".." not in Path(relative).parts and not Path(relative).is_absolute()
