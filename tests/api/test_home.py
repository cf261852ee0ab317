"""The home page: the catalog as HTML for people and JSON for machines, from the same data."""

from pathlib import Path

from kg.loading import load_rdf_files
from kg.store import open_store
from tests.backends import serve_app

DATA = Path(__file__).resolve().parent.parent / "data"


def test_home_lists_the_graphs_in_html_and_json(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    load_rdf_files(store, [DATA / "small.ttl"], graph_name="small", title="A <small> graph",
                   license_url="https://creativecommons.org/licenses/by/4.0/")
    del store
    with serve_app(tmp_path / "store", query_workers=1) as client:
        as_json = client.get("/", headers={"Accept": "application/json"}).json()
        [graph] = as_json["graphs"]
        assert (graph["title"], graph["triples"], as_json["total_triples"]) == ("A <small> graph", 6, 6)
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")
        assert "A &lt;small&gt; graph" in page.text and "A <small> graph" not in page.text
        assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page.text
