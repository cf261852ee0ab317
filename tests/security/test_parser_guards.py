"""kg/parser_guards.py: the checks run before pyoxigraph's parsers see untrusted text, as a table, each against
what the parser does without it (run in a child process, since a crash there kills the process)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg.parser_guards import InputTooDeep, UnsafeXml, check_json_depth, check_rdf_xml, check_sparql_depth


def nested_json(depth: int) -> bytes:
    return b'{"@id": "http://example.org/s", "http://example.org/p": ' + b'{"a": ' * depth + b'"x"' + \
        b"}" * depth + b"}"


def test_the_json_ld_parser_crashes_without_the_guard() -> None:
    """Why the guard exists: pyoxigraph's JSON-LD parser kills its process at a few thousand levels (pyoxigraph
    0.5.13). If a release fixes that, this test fails and the limit may be raised."""
    code = ("import sys; from pyoxigraph import parse, RdfFormat\n"
            f"list(parse(input={nested_json(10_000)!r}, format=RdfFormat.JSON_LD, base_iri='http://e.org/'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, check=False)
    assert run.returncode < 0 or run.returncode > 128, run.returncode  # killed by a signal (SIGSEGV)


@pytest.mark.parametrize("data, where", [
    (nested_json(257), (1, 1587)),
    (b"[" * 300 + b"]" * 300, (1, 257)),
    (b'{"a":\n' + b'  {"b": ' * 300 + b"1" + b"}" * 301, (2, 2043)),
])
def test_too_deep_json_is_refused_saying_where(data: bytes, where: tuple[int, int]) -> None:
    with pytest.raises(InputTooDeep) as raised:
        check_json_depth(data)
    assert (raised.value.line, raised.value.column) == where


@pytest.mark.parametrize("data", [
    nested_json(255), b'{"a": "' + b"[" * 10_000 + b'"}', b'{"a": "\\"' + b"{" * 10_000 + b'"}', b"[]" * 100_000,
])
def test_json_within_the_limit_passes(data: bytes) -> None:
    check_json_depth(data)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * 300 + "}" * 300,
    "ASK { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }",
    "SELECT * { ?s ?p " + "[ ?p " * 300 + "1" + " ]" * 300 + " }",
    "SELECT * { ?s ?p " + "<< ?s ?p " * 300 + "1" + " >>" * 300 + " }",
])
def test_too_deep_sparql_is_refused(text: str) -> None:
    with pytest.raises(InputTooDeep) as raised:
        check_sparql_depth(text)
    assert raised.value.line == 1 and raised.value.column > 200


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p '" + "{" * 3000 + "' }",
    'SELECT * { ?s ?p """' + "(\n" * 3000 + '""" }',
    "SELECT * { ?s ?p ?o } # " + "{" * 3000,
    "SELECT * { ?s <http://e.org/((((((((((> ?o }" * 100,
    "SELECT * WHERE { " + "{ ?s ?p ?o } UNION " * 2000 + "{ ?s ?p ?o } }",
])
def test_sparql_within_the_limit_passes(text: str) -> None:
    check_sparql_depth(text)


LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
XML_CASES = {
    "billion laughs": (f'<!DOCTYPE r [<!ENTITY l0 "lol">{LAUGHS}]>\n<r>&l9;</r>', "expand"),
    "wide entity": (f'<!DOCTYPE r [<!ENTITY e "{"x" * 1000}">]>\n<r>{"&e;" * 2000}</r>', "expand"),
    "entity in attributes": (f'<!DOCTYPE r [<!ENTITY e "{"x" * 1000}">]>\n<r a="{"&e;" * 2000}"/>', "expand"),
    "external entity": ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>', "external entity"),
    "public entity": ('<!DOCTYPE r [<!ENTITY x PUBLIC "-//a//b" "http://127.0.0.1/x">]>\n<r>&x;</r>', "external"),
    "parameter entity": ('<!DOCTYPE r [<!ENTITY % p "x">]>\n<r/>', "parameter entity"),
    "deep": ("<r>" * 300 + "</r>" * 300, "nested deeper"),
    "truncated": ("<r><a>x</a", "not well-formed"),
    "bad utf-8": ("<r>\udcff</r>", "not well-formed"),
}


@pytest.mark.parametrize("name", XML_CASES)
def test_hostile_xml_is_refused_saying_where(name: str) -> None:
    text, message = XML_CASES[name]
    with pytest.raises((UnsafeXml, InputTooDeep)) as raised:
        check_rdf_xml(text.encode("utf-8", "surrogateescape"), max_expanded_bytes=1_000_000)
    assert message in str(raised.value) and raised.value.line


def test_ordinary_rdf_xml_with_a_namespace_entity_passes() -> None:
    """Protégé writes namespaces as internal entities: small, used a few times, accepted."""
    check_rdf_xml(b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>\n'
                  b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="&ex;">'
                  b'<rdf:Description rdf:about="&ex;a"><ex:p>&ex;</ex:p></rdf:Description></rdf:RDF>',
                  max_expanded_bytes=1_000)
