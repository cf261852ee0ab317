"""The remote-endpoint policy: SERVICE and LOAD targets must be on remote_endpoint_allowlist."""

from __future__ import annotations

import pytest

from kg.remote_policy import RemoteAccessRefused, check_remote_access, is_allowed

WIKIDATA = "https://query.wikidata.org/sparql"
ALLOW = [WIKIDATA, "http://127.0.0.1:3030/ds/*"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT * { ?s ?p 'SERVICE <http://evil.example/> {}' } # SERVICE <http://evil.example/> {}",
        f"SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}",
        f"select * {{ service silent <{WIKIDATA}> {{ ?s ?p ?o }} }}",
        "PREFIX wdq: <https://query.wikidata.org/> SELECT * { SERVICE wdq:sparql { } }",
        "BASE <https://query.wikidata.org/x/> SELECT * { SERVICE <../sparql> { } }",
        "SELECT * { SERVICE <http://127.0.0.1:3030/ds/query> { } }",
        "SELECT * { SERVICE <http://127.0.0.1:3030/ds/sparql?default-graph-uri=x> { } }",
        "LOAD <http://127.0.0.1:3030/ds/data?graph=default>",
    ],
)
def test_queries_without_calls_or_with_allowlisted_targets_pass(query: str) -> None:
    check_remote_access(query, ALLOW)


@pytest.mark.parametrize(
    ("query", "target"),
    [
        (
            "SELECT * { SERVICE <http://169.254.169.254/latest/meta-data/> { } }",
            "http://169.254.169.254/latest/meta-data/",
        ),
        ("select * { service silent <http://evil.example/> { } }", "http://evil.example/"),
        ("PREFIX ex: <http://evil.example/> SELECT * { SERVICE ex:sparql { } }", "http://evil.example/sparql"),
        ("PREFIX : <http://evil.example/> SELECT * { SERVICE:sparql { } }", "http://evil.example/sparql"),
        ("BASE <http://evil.example/> SELECT * { SERVICE <sparql> { } }", "http://evil.example/sparql"),
        (f"SELECT * {{ SERVICE <{WIKIDATA}> {{ SERVICE <http://evil.example/> {{ }} }} }}", "http://evil.example/"),
        (f"SELECT * {{ SERVICE <{WIKIDATA}/> {{ }} }}", WIKIDATA + "/"),  # exact entries match exactly
        (f"SELECT * {{ SERVICE <{WIKIDATA}#x> {{ }} }}", WIKIDATA + "#x"),
        ("SELECT * { SERVICE <http://127.0.0.1:3030/ds/../admin> { } }", "http://127.0.0.1:3030/ds/../admin"),
        ("SELECT * { SERVICE <http://127.0.0.1:3030/ds/%2e%2e/admin> { } }", "http://127.0.0.1:3030/ds/%2e%2e/admin"),
        ("SELECT * { SERVICE <http://127.0.0.1:3030/dsx> { } }", "http://127.0.0.1:3030/dsx"),
        (
            "SELECT * { SERVICE <http://127.0.0.1:3030/ds\\u002F..\\u002Fadmin> { } }",
            "http://127.0.0.1:3030/ds/../admin",
        ),
        ("LOAD <http://evil.example/data.ttl>", "http://evil.example/data.ttl"),
        ("CLEAR ALL ; load silent <file:///etc/passwd> into graph <http://g>", "file:///etc/passwd"),
        ("PREFIXwd:<http://evil.example/> SELECT * { SERVICE wd:x { } }", "http://evil.example/x"),
    ],
)
def test_targets_off_the_allowlist_are_refused_and_named(query: str, target: str) -> None:
    with pytest.raises(RemoteAccessRefused) as refused:
        check_remote_access(query, ALLOW)
    assert refused.value.target == target
    assert "remote_endpoint_allowlist" in str(refused.value)


def test_a_variable_endpoint_is_always_refused_even_with_a_wildcard_allowlist() -> None:
    with pytest.raises(RemoteAccessRefused) as refused:
        check_remote_access(f"SELECT * {{ BIND(<{WIKIDATA}> AS ?e) SERVICE ?e {{ }} }}", ["*"])
    assert refused.value.target == "?e"
    assert "variable" in refused.value.reason


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <relative> { } }",  # no BASE: cannot be resolved, so cannot be checked
        "SELECT * { SERVICE undeclared:x { } }",
        "SELECT * { SERVICE { } }",
    ],
)
def test_a_target_that_cannot_be_resolved_is_refused(query: str) -> None:
    with pytest.raises(RemoteAccessRefused, match="cannot be checked"):
        check_remote_access(query, ["*"])


def test_an_empty_allowlist_refuses_every_call_and_says_it_is_empty() -> None:
    with pytest.raises(RemoteAccessRefused, match=r"\(which is empty\)"):
        check_remote_access(f"SELECT * {{ SERVICE <{WIKIDATA}> {{ }} }}", [])


def test_the_predeclared_prefixes_are_used_as_the_runner_uses_them() -> None:
    # kg.iris.PREFIXES has wd: -> http://www.wikidata.org/entity/, which the query runner hands to pyoxigraph
    check_remote_access("SELECT * { SERVICE wd:sparql { } }", ["http://www.wikidata.org/entity/sparql"])
    with pytest.raises(RemoteAccessRefused):
        check_remote_access(
            "SELECT * { SERVICE wd:sparql { } }", ["http://www.wikidata.org/entity/sparql"], prefixes={}
        )


@pytest.mark.parametrize(
    ("iri", "entry", "allowed"),
    [
        ("https://e.org/sparql", "https://e.org/sparql", True),
        ("https://e.org/sparql", "https://e.org/sparql/", False),
        ("https://e.org/sparql/a", "https://e.org/sparql/*", True),
        ("https://e.org/sparql/", "https://e.org/sparql/*", True),
        ("https://e.org/sparqlx", "https://e.org/sparql/*", False),
        ("https://e.org/sparql/./a", "https://e.org/sparql/*", False),
        ("https://e.org/sparql/a/..", "https://e.org/sparql/*", False),
        ("https://e.org/sparql/%2E%2E/a", "https://e.org/sparql/*", False),
        ("https://e.org/sparql/a..b", "https://e.org/sparql/*", True),
        ("https://e.org@evil.org/", "https://e.org*", False),
        ("https://e.org/a\\b", "https://e.org/*", False),
        ("http://anything/", "*", True),
    ],
)
def test_allowlist_entries_match_exactly_or_by_prefix(iri: str, entry: str, allowed: bool) -> None:
    assert is_allowed(iri, [entry]) is allowed
