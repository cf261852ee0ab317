"""Script payloads in a partner's literals and IRIs stay inert in a real browser (issue 9, item 4).

A partner publishes a graph whose label, note and link carry the usual injection payloads: a script element,
event-handler attributes that break out of an attribute or a tag, an SVG onload, a closing textarea, and a
``javascript:`` IRI. Chromium then opens every page that shows them (the facility's page and its map popup, search
results and the autocomplete list, the browse listing, the graph's page, reconciliation's preview, the workbench's
results table). Each payload would set ``window.__pwned`` or open a dialog if it ran: neither may happen, the
payload must be shown as text, and no link may point at ``javascript:``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from tests.browser.conftest import SCREENS
from tests.conftest import issue_token

BASE = "https://w3id.org/critmin/"
GRAPH = f"{BASE}graph/partner/mallory/sites"
FACILITY_PATH = "/id/facility/mallory/evilworks"
FACILITY = BASE.rstrip("/") + FACILITY_PATH
PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "\"><img src=x onerror=\"window.__pwned='attribute'\">",
    "'><svg onload=window.__pwned='svg'>",
    "</title></textarea><script>window.__pwned='textarea'</script>",
]
LABEL = "Evilworks " + " ".join(PAYLOADS)
RDFS, CM, SCHEMA, XSD = ("http://www.w3.org/2000/01/rdf-schema#", f"{BASE}ontology/", "https://schema.org/",
                         "http://www.w3.org/2001/XMLSchema#")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PWNED = "() => window.__pwned === undefined ? null : String(window.__pwned)"
JAVASCRIPT_LINKS = "() => [...document.querySelectorAll('[href], [src]')].filter(e => " \
                   "/^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length"


def hostile_graph() -> bytes:
    facility, record = NamedNode(FACILITY), NamedNode(f"{BASE}id/record/mallory/row-2")
    triples = [
        Triple(facility, RDF_TYPE, NamedNode(f"{CM}Facility")),
        Triple(facility, RDF_TYPE, NamedNode(f"{CM}Mine")),
        Triple(facility, NamedNode(f"{RDFS}label"), Literal(LABEL)),
        Triple(facility, NamedNode(f"{RDFS}comment"), Literal("note: " + " ".join(reversed(PAYLOADS)))),
        Triple(facility, NamedNode(f"{RDFS}seeAlso"), NamedNode("javascript:window.__pwned='href'")),
        Triple(facility, NamedNode(f"{CM}facilityType"), NamedNode(f"{BASE}id/facility-type/mine")),
        Triple(facility, NamedNode(f"{SCHEMA}latitude"), Literal("-31.5", datatype=NamedNode(f"{XSD}decimal"))),
        Triple(facility, NamedNode(f"{SCHEMA}longitude"), Literal("121.4", datatype=NamedNode(f"{XSD}decimal"))),
        Triple(facility, NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), record),
        Triple(record, RDF_TYPE, NamedNode(f"{CM}SourceRecord")),
        Triple(record, NamedNode(f"{RDFS}label"), Literal("row 2 of mallory's sheet")),
        Triple(record, NamedNode(f"{CM}sourceFile"), Literal("<script>window.__pwned='file'</script>.csv")),
        Triple(record, NamedNode(f"{CM}sourceRow"), Literal(2)),
    ]
    return serialize(triples, format=RdfFormat.N_TRIPLES)


@pytest.fixture(scope="module")
def hostile_server(bundled, server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app of its own over the bundled data, with mallory's public graph of payloads in it."""
    from tests.backends import backend_app, live_server

    folder = tmp_path_factory.mktemp("payloads")
    bundled[0].backup(str(folder / "store"))
    accounts = folder / "accounts.sqlite3"
    token = issue_token(accounts, "read", "write", partner="mallory")
    with backend_app(folder / "store", query_workers=1, accounts_db=accounts) as app, live_server(app) as url:
        response = httpx.put(f"{url}/store", params={"graph": GRAPH, "visibility": "public"}, content=hostile_graph(),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"},
                             timeout=120)
        assert response.status_code == 201, response.text
        yield url


@pytest.fixture
def watched(page):
    """The page, with every dialog (alert, confirm, prompt) recorded and dismissed."""
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    yield page, dialogs


def assert_inert(page, dialogs: list[str], where: str) -> None:
    page.wait_for_timeout(300)  # an onerror of a broken image fires after load: give it the chance to
    assert page.evaluate(PWNED) is None, f"a payload ran on {where}"
    assert dialogs == [], f"a dialog opened on {where}: {dialogs}"
    assert page.evaluate(JAVASCRIPT_LINKS) == 0, f"a javascript: link on {where}"


PAGES = {
    "facility page": FACILITY_PATH,
    "search results": "/search?" + urlencode({"q": "Evilworks"}),
    "reconciliation preview": "/reconcile/preview?" + urlencode({"id": FACILITY}),
}


@pytest.mark.parametrize("where", list(PAGES))
def test_payloads_are_shown_as_text_and_never_run(watched, hostile_server: str, where: str) -> None:
    page, dialogs = watched
    response = page.goto(hostile_server + PAGES[where])
    assert response is not None and response.status == 200, where
    assert_inert(page, dialogs, where)
    assert "Evilworks <script>window.__pwned" in page.locator("body").inner_text(), where


def test_the_autocomplete_list_keeps_payloads_inert(watched, hostile_server: str) -> None:
    page, dialogs = watched
    page.goto(hostile_server + "/")
    page.locator("header.site form[role=search] input[name=q]").fill("Evilwor")
    page.wait_for_selector("header.site form[role=search] li", timeout=10_000)
    assert "<img src=x" in page.locator("header.site form[role=search]").inner_text()
    assert_inert(page, dialogs, "the autocomplete list")
    page.screenshot(path=str(SCREENS / "payloads-autocomplete.png"))


def run_in_workbench(page, server: str, query: str, view: str) -> None:
    page.goto(f"{server}/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.evaluate("q => window.critminWorkbench.yasgui.getTab().getYasqe().setValue(q)", query)
    page.evaluate(f"window.critminWorkbench.yasgui.getTab().getYasr().selectPlugin('{view}')")
    page.evaluate("window.critminWorkbench.run()")


def test_the_workbench_table_keeps_payloads_inert(watched, hostile_server: str) -> None:
    page, dialogs = watched
    run_in_workbench(page, hostile_server, f"SELECT ?label ?comment ?link WHERE {{ <{FACILITY}> rdfs:label ?label ; "
                                           "rdfs:comment ?comment ; rdfs:seeAlso ?link }", "table")
    page.wait_for_selector(".yasr .dataTable tbody tr", timeout=30_000)
    assert "window.__pwned = 'script'" in page.locator(".yasr .dataTable").inner_text()
    assert_inert(page, dialogs, "the workbench's results table")
    page.screenshot(path=str(SCREENS / "payloads-workbench.png"), full_page=True)


def test_the_workbench_map_popup_keeps_payloads_inert(watched, hostile_server: str) -> None:
    page, dialogs = watched
    run_in_workbench(page, hostile_server, f"SELECT ?label ?lat ?lon WHERE {{ <{FACILITY}> rdfs:label ?label ; "
                                           "schema:latitude ?lat ; schema:longitude ?lon }", "map")
    page.wait_for_selector(".cm-map-view path.cm-marker", timeout=30_000)
    page.locator(".cm-map-view path.cm-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "<script>" in page.locator(".leaflet-popup-content").inner_text()
    assert_inert(page, dialogs, "the map popup")
