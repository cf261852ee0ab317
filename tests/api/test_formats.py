"""Format choice as a table: Accept headers (RFC 9110 §12.5.1), aliases and the format= override."""

from __future__ import annotations

import pytest

from api.formats import (
    CSV,
    GRAPH_FORMATS,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    RESULTS_FORMATS,
    SPARQL_JSON,
    SPARQL_XML,
    TRIG,
    TSV,
    TURTLE,
    UnknownFormatError,
    choose_format,
    content_type,
    parse_accept,
)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
R, G = RESULTS_FORMATS, GRAPH_FORMATS
DEFAULT = {R: SPARQL_JSON, G: TURTLE}


@pytest.mark.parametrize(
    ("accept", "available", "expected"),
    [
        # no preference: the server's default
        (None, R, SPARQL_JSON),
        (None, G, TURTLE),
        ("", R, SPARQL_JSON),
        ("   ,  ,", G, TURTLE),
        ("garbage", R, SPARQL_JSON),  # every part malformed: as if there were no header
        ("text/;q=1, /json, a/b/c, */json", G, TURTLE),
        ("*/*", R, SPARQL_JSON),
        ("*/*", G, TURTLE),
        # exact types
        (CSV, R, CSV),
        (TSV, R, TSV),
        (SPARQL_XML, R, SPARQL_XML),
        (N_QUADS, G, N_QUADS),
        (TRIG, G, TRIG),
        (RDF_XML, G, RDF_XML),
        ("TEXT/CSV", R, CSV),  # media types are case-insensitive
        # q-values
        ("text/csv;q=0.5, text/tab-separated-values;q=0.6", R, TSV),
        ("text/csv; q=0.5, application/sparql-results+xml", R, SPARQL_XML),
        ("application/n-triples;q=0.001, text/turtle;q=0", G, N_TRIPLES),
        ("text/csv;q=1.000, application/sparql-results+json;q=0.999", R, CSV),
        ("text/csv;q=1.5, text/tab-separated-values;q=0.1", R, TSV),  # an invalid q-value drops that part
        ("text/csv;q=abc, text/tab-separated-values;q=0.1", R, TSV),
        # wildcards, and the more specific range taking precedence over the less specific one
        ("text/*", R, CSV),
        ("text/*", G, TURTLE),
        ("application/*", G, N_TRIPLES),
        ("application/*", R, SPARQL_JSON),
        ("text/*;q=0.5, text/csv;q=0.1", R, TSV),
        ("*/*;q=0.1, application/sparql-results+json;q=0", R, SPARQL_XML),
        ("text/*;q=0, */*", R, SPARQL_JSON),
        ("text/*;q=0, */*;q=0.5", G, N_TRIPLES),
        # ties: equal q goes to the more specific range, then to the server's order
        ("*/*, text/csv", R, CSV),
        ("text/*, text/tab-separated-values", R, TSV),
        ("text/csv, text/tab-separated-values", R, CSV),
        ("text/tab-separated-values, text/csv", R, CSV),
        ("application/rdf+xml, application/ld+json", G, JSON_LD),
        # parameters: only charset=utf-8 can be honoured
        ("text/turtle;charset=utf-8", G, TURTLE),
        ('text/csv;charset="UTF-8";q=0.9, */*;q=0.1', R, CSV),
        ("text/turtle;charset=iso-8859-1, application/n-triples;q=0.5", G, N_TRIPLES),
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted", */*;q=0.2', G, TURTLE),
        ('text/csv;foo="a,b", application/sparql-results+xml;q=0.5', R, SPARQL_XML),  # comma inside quotes
        ("text/csv;q=0.5;ext=1, */*;q=0.1", R, CSV),  # after the weight: an extension, ignored
        # aliases
        ("application/json", R, SPARQL_JSON),
        ("application/json", G, JSON_LD),
        ("application/xml", R, SPARQL_XML),
        ("text/xml", G, RDF_XML),
        ("text/plain", G, N_TRIPLES),
        ("application/json;q=0.4, application/sparql-results+xml;q=0.5", R, SPARQL_XML),
        ("application/json, application/sparql-results+xml", R, SPARQL_XML),  # the precise name beats the alias
        # browsers: application/xml at 0.9 beats the wildcard at 0.8
        (BROWSER, R, SPARQL_XML),
        (BROWSER, G, RDF_XML),
        ("text/html, */*;q=0.1", R, SPARQL_JSON),  # only the wildcard matches: the default
        # nothing acceptable: 406
        ("image/png", R, None),
        ("text/html", G, None),
        ("text/plain", R, None),
        ("text/csv", G, None),
        ("*/*;q=0", R, None),
        ("application/sparql-results+json;q=0", (SPARQL_JSON,), None),
        ("text/*", (SPARQL_JSON, SPARQL_XML), None),
    ],
)
def test_accept_headers(accept: str | None, available: tuple[str, ...], expected: str | None) -> None:
    default = DEFAULT.get(available, available[0])
    assert choose_format(accept, available, override=None, default=default) == expected


@pytest.mark.parametrize(
    ("override", "available", "expected"),
    [
        ("json", R, SPARQL_JSON),
        ("json", G, JSON_LD),
        ("xml", R, SPARQL_XML),
        ("xml", G, RDF_XML),
        ("csv", R, CSV),
        ("tsv", R, TSV),
        ("turtle", G, TURTLE),
        ("ttl", G, TURTLE),
        ("ntriples", G, N_TRIPLES),
        ("nt", G, N_TRIPLES),
        ("nquads", G, N_QUADS),
        ("nq", G, N_QUADS),
        ("trig", G, TRIG),
        ("jsonld", G, JSON_LD),
        ("rdfxml", G, RDF_XML),
        ("TTL", G, TURTLE),
        ("text/turtle", G, TURTLE),
        ("application/sparql-results+json", R, SPARQL_JSON),
        ("application/sparql-results json", R, SPARQL_JSON),  # '+' in a URL query string arrives as a space
        ("text/csv; charset=utf-8", R, CSV),
        ("application/json", G, JSON_LD),
        # a known format that does not fit: 406
        ("csv", G, None),
        ("ttl", R, None),
        ("application/rdf+xml", R, None),
    ],
)
def test_the_override_wins_over_accept(override: str, available: tuple[str, ...], expected: str | None) -> None:
    assert choose_format("image/png", available, override=override, default=DEFAULT[available]) == expected


@pytest.mark.parametrize("override", ["yaml", "text/html", "application/x-nonsense", "jsonld2"])
def test_an_unknown_override_raises_with_the_allowed_values(override: str) -> None:
    with pytest.raises(UnknownFormatError) as error:
        choose_format(None, R, override=override, default=SPARQL_JSON)
    assert error.value.value == override
    assert {"json", "csv", "ttl", "rdfxml", SPARQL_JSON, TURTLE} <= set(error.value.allowed)


def test_an_empty_override_is_no_override() -> None:
    assert choose_format(CSV, R, override="", default=SPARQL_JSON) == CSV


def test_other_resources_can_offer_their_own_types() -> None:
    # the home page offers HTML and plain JSON: no aliasing when the generic type is itself on offer
    offers = ["text/html", "application/json"]
    assert choose_format(BROWSER, offers, override=None, default="text/html") == "text/html"
    assert choose_format("application/json", offers, override=None, default="text/html") == "application/json"
    assert choose_format(None, offers, override=None, default="text/html") == "text/html"


def test_parse_accept_keeps_order_parameters_and_weights() -> None:
    ranges = parse_accept('text/turtle;charset="utf-8";q=0.5, Application/*, bogus, */*;q=0')
    assert [(r.media_type, r.params, r.q) for r in ranges] == [
        ("text/turtle", (("charset", "utf-8"),), 0.5),
        ("application/*", (), 1.0),
        ("*/*", (), 0.0),
    ]


@pytest.mark.parametrize(
    ("media_type", "header"),
    [
        (TURTLE, "text/turtle; charset=utf-8"),
        (CSV, "text/csv; charset=utf-8"),
        (SPARQL_XML, "application/sparql-results+xml; charset=utf-8"),
        (RDF_XML, "application/rdf+xml; charset=utf-8"),
        (SPARQL_JSON, SPARQL_JSON),
        (JSON_LD, JSON_LD),
        (N_TRIPLES, N_TRIPLES),
    ],
)
def test_content_type_names_the_charset_of_textual_types(media_type: str, header: str) -> None:
    assert content_type(media_type) == header


def test_the_formats_offered_are_the_ones_the_query_runner_serialises() -> None:
    from kg.query_runner import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES

    assert (set(RESULTS_FORMATS), set(GRAPH_FORMATS)) == (set(RESULTS_MEDIA_TYPES), set(GRAPH_MEDIA_TYPES))
