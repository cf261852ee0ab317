"""SPARQL injection attempts in every parameter that reaches a query: search, entity and graph paths, reconciliation
queries and properties, indicators, dashboard, what-if, browse filters, graph names.

Values reach our queries only through pyoxigraph substitutions (never by string formatting), so a payload is just an
odd string: the answer must be a normal 200 or 4xx, never a 5xx, the store must be unchanged, and partner beta's
private literal must never show up for a caller who may not read it (anonymous, or partner alpha). The module prints
"hostile inputs: N tried, ..." for the closing note.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from httpx import Response

from tests.conftest import PRINTED
from tests.security.conftest import SECRET, SECRET_GRAPH, Hub, Tally

TALLY = Tally()
PAYLOADS = [
    "'", '"', "\\", "\\'", '\\"', "> } ; DROP ALL ; SELECT * WHERE { <x",
    '" . } INSERT DATA { GRAPH <https://w3id.org/critmin/graph/ontology> { <http://e/x> <http://e/y> "z" } } #',
    "' . } ; DROP ALL ; #", '") } UNION { GRAPH ?g { ?s ?p ?o } } #', "\\u0022 . } ; CLEAR ALL #", "\u0022",
    "\\u003E } DROP ALL", "cobalt\n} ; DROP ALL ;\nSELECT * {", "cobalt\r\nX-Injected: 1", "\t\x0b\x0c",
    f"<{SECRET_GRAPH}>", SECRET_GRAPH, "beta-thing", "?s", "*", "%", "%00", "\x00", "\x7f\x80",
    "\u202e\u0000\ufeff", "\U0001d520\U0001d52c\U0001d51f",
    "co*", "co%", "(?i)", "regex(.*)", "1e999", "-1", "0x10", "9" * 40, "x" * 3000,
]
BASE = "https://w3id.org/critmin/"


def _routes(p: str) -> list[tuple[str, str, dict]]:
    """(method, path, request options) of every place the payload ``p`` reaches a query."""
    path = quote(p, safe="")
    reconcile_query = json.dumps({"q0": {"query": p, "type": p, "properties": [{"pid": p, "v": p}]}})
    return [
        ("GET", "/search", {"params": {"q": p}}),
        ("GET", "/search", {"params": {"q": "cobalt", "type": p}}),
        ("GET", "/search/suggest", {"params": {"q": p, "type": p}}),
        ("GET", f"/id/{path}", {}),
        ("GET", f"/id/facility/{path}", {}),
        ("GET", f"/id/country/{path}.json", {}),
        ("GET", f"/graph/{path}", {}),
        ("GET", f"/ontology/{path}", {}),
        ("GET", "/browse/facility", {"params": {"country": p, "facility_type": p, "commodity": p}}),
        ("GET", "/browse/commodity", {"params": {"list": p}}),
        ("GET", "/browse/observation", {"params": {"year": p, "place": p, "commodity": p}}),
        ("GET", "/reconcile", {"params": {"queries": reconcile_query}}),
        ("POST", "/reconcile", {"data": {"queries": reconcile_query}}),
        ("GET", "/reconcile", {"params": {"query": p}}),
        ("GET", "/reconcile", {"params": {"extend": json.dumps({"ids": [p], "properties": [{"id": p}]})}}),
        ("POST", "/reconcile/v1/reconcile", {"json": {"queries": [{"query": p, "type": p,
                                                                   "properties": [{"pid": p, "v": p}]}]}}),
        ("POST", "/reconcile/v1/extend", {"json": {"ids": [p, f"{BASE}id/beta-thing"], "properties": [{"id": p}]}}),
        ("GET", "/reconcile/v1/suggest/entity", {"params": {"prefix": p, "type": p}}),
        ("GET", "/reconcile/v1/suggest/property", {"params": {"prefix": p, "type": p}}),
        ("GET", "/reconcile/v1/preview", {"params": {"id": p}}),
        ("GET", "/reconcile/v1/extend/propose", {"params": {"type": p}}),
        ("GET", "/api/indicators/concentration", {"params": {"commodity": p, "stage": p, "year": p,
                                                             "quantity_kind": p}}),
        ("GET", "/api/indicators/concentration", {"params": {"commodity": "cobalt", "stage": p}}),
        ("GET", "/api/indicators/import-reliance", {"params": {"country": p, "commodity": p, "year": p}}),
        ("GET", "/api/indicators/list-overlap", {"params": {"lists": f"{p},{p}"}}),
        ("GET", "/api/bottlenecks", {"params": {"commodity": p}}),
        ("POST", "/api/what-if", {"json": {"commodity": p, "remove": [p], "countries": [p]}}),
        ("POST", "/api/what-if", {"json": {"commodity": "cobalt", "remove": [{"country": p}]}}),
        ("GET", f"/dashboard/{path}", {}),
        ("GET", "/dashboard/events", {"params": {"commodity": p, "since": p}}),
        ("GET", "/dashboard/events.atom", {"params": {"commodity": p, "since": p}}),
        ("GET", "/review.json", {"params": {"status": p, "relation": p}}),
        ("GET", "/store", {"params": {"graph": p}}),
        ("GET", "/store/access", {"params": {"graph": p}}),
        ("GET", "/links", {"params": {"graph": p}}),
        ("GET", "/sparql", {"params": {"query": "SELECT * { ?s ?p ?o } LIMIT 1", "default-graph-uri": p}}),
        ("GET", "/sparql", {"params": {"query": "SELECT * { GRAPH ?g { ?s ?p ?o } } LIMIT 1", "named-graph-uri": p}}),
        ("GET", "/.well-known/void", {"params": {"format": p}}),
        ("GET", "/", {"params": {"format": p}}),
    ]


ROUTES = [(method, path) for method, path, _ in _routes("x")]


def test_baseline_taken(baseline) -> None:
    """Takes the store's full state before the first attempt (compared after the last)."""
    assert baseline


@pytest.mark.parametrize("index", range(len(ROUTES)), ids=[f"{m} {p}" for m, p in ROUTES])
@pytest.mark.parametrize("caller", ["anonymous", "alpha"])
def test_injection_attempts_are_inert(hub: Hub, index: int, caller: str) -> None:
    headers = hub.alpha if caller == "alpha" else {}
    before = hub.state()
    failures = []
    for payload in PAYLOADS:
        method, path, options = _routes(payload)[index]
        TALLY.tried += 1
        response: Response = hub.client.request(method, path, headers=headers, **options)
        if response.status_code >= 500:
            failures.append(f"{payload!r}: {response.status_code} {response.text[:200]}")
        elif SECRET in response.text:
            failures.append(f"{payload!r}: the private literal leaked")
        elif response.status_code >= 400:
            TALLY.rejected += 1
    assert not failures, "\n".join(failures)
    assert hub.state() == before, "an injection attempt changed the store"


def test_the_secret_is_there_for_its_owner(hub: Hub) -> None:
    """The control: beta reads its private literal, so its absence above means something."""
    assert SECRET in hub.client.get("/search", params={"q": SECRET}, headers=hub.beta).text


def test_summary(hub: Hub, baseline, record_property) -> None:
    assert hub.full_state() == baseline, "the attempts changed the store"
    assert TALLY.tried == len(PAYLOADS) * len(ROUTES) * 2
    line = (f"injection attempts: {TALLY.tried} tried over {len(ROUTES)} parameters, {TALLY.rejected} rejected with "
            f"4xx, the rest answered 200 with no private data; 0 5xx, store unchanged in all")
    print(line)
    record_property(PRINTED, line)
