"""Choosing a response format: the ``Accept`` header (RFC 9110 §12.5.1), a few aliases, and a ``format=`` override.

Small pure functions, tested as a table in ``tests/api/test_formats.py``.

>>> choose_format("text/csv;q=0.5, */*;q=0.1", RESULTS_FORMATS, override=None, default=SPARQL_JSON)
'text/csv'
>>> choose_format("application/json", GRAPH_FORMATS, override=None, default=TURTLE)
'application/ld+json'
>>> choose_format(None, GRAPH_FORMATS, override="nt", default=TURTLE)
'application/n-triples'
>>> choose_format("image/png", RESULTS_FORMATS, override=None, default=SPARQL_JSON) is None  # 406
True

How a choice is made:

1. An override (``format=`` / ``output=``) wins over ``Accept``. It is a short name (``ttl``) or a media type. An
   unknown value raises ``UnknownFormatError`` (a 400 listing the allowed values); a known one that does not apply
   (``csv`` for a CONSTRUCT) gives None (a 406).
2. No ``Accept`` header, an empty one, or one whose every part is malformed: the ``default``.
3. Otherwise each available type gets the q-value of the most specific range that matches it (``text/csv`` beats
   ``text/*`` beats ``*/*``); q=0 excludes it. The highest q wins; a tie goes to the type matched by the more
   specific range, then to the server's preference: ``default`` first, then the order of ``available``.

Aliases: ``application/json`` stands for SPARQL JSON results or JSON-LD, ``application/xml`` and ``text/xml`` for
SPARQL XML results or RDF/XML, ``text/plain`` for N-Triples; whichever of them is available. The answer always
carries the precise media type (``application/sparql-results+json``), never the alias.

Browsers: Chrome and Firefox send ``text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8``. We have no
HTML, so ``application/xml`` at 0.9 beats the wildcard at 0.8 and a browser gets SPARQL XML results (RDF/XML for
graphs). Both are XML media types (``+xml``), which browsers display as an XML tree instead of downloading.
When the best match is only a wildcard (``*/*``, curl's default) the ``default`` is used: SPARQL JSON for results,
Turtle for graphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
TRIG = "application/trig"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

RESULTS_FORMATS: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
"""What SELECT and ASK answers can be serialised as, in the server's order of preference."""
GRAPH_FORMATS: tuple[str, ...] = (TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML)
"""What CONSTRUCT and DESCRIBE answers (and the service description) can be serialised as."""

W3C_FORMAT_IRIS: dict[str, str] = {
    SPARQL_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    SPARQL_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    TURTLE: "http://www.w3.org/ns/formats/Turtle",
    N_TRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    N_QUADS: "http://www.w3.org/ns/formats/N-Quads",
    TRIG: "http://www.w3.org/ns/formats/TriG",
    JSON_LD: "http://www.w3.org/ns/formats/JSON-LD",
    RDF_XML: "http://www.w3.org/ns/formats/RDF_XML",
}
"""The W3C's IRI of each format (https://www.w3.org/ns/formats/), as the service description names them."""

ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": (SPARQL_JSON, JSON_LD),
    "application/xml": (SPARQL_XML, RDF_XML),
    "text/xml": (SPARQL_XML, RDF_XML),
    "text/plain": (N_TRIPLES,),
}
"""A generic media type -> the precise ones it stands for; the first that is available is used."""

FORMAT_NAMES: dict[str, tuple[str, ...]] = {
    "json": (SPARQL_JSON, JSON_LD),
    "xml": (SPARQL_XML, RDF_XML),
    "csv": (CSV,),
    "tsv": (TSV,),
    "turtle": (TURTLE,),
    "ttl": (TURTLE,),
    "ntriples": (N_TRIPLES,),
    "nt": (N_TRIPLES,),
    "nquads": (N_QUADS,),
    "nq": (N_QUADS,),
    "trig": (TRIG,),
    "jsonld": (JSON_LD,),
    "rdfxml": (RDF_XML,),
}
"""Short names accepted by the ``format=`` (or ``output=``) override."""

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_RANGE = re.compile(rf"^({_TOKEN})/({_TOKEN})$")
_PARAMETER = re.compile(rf'^({_TOKEN})\s*=\s*({_TOKEN}|"(?:[^"\\]|\\.)*")$')
_QVALUE = re.compile(r"^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")
_UTF8 = {"utf-8", "utf8"}


class UnknownFormatError(ValueError):
    """A ``format=`` override that names no format we know."""

    def __init__(self, value: str, allowed: Sequence[str]) -> None:
        self.value = value
        self.allowed = tuple(allowed)
        super().__init__(f"unknown format {value!r}; use one of: {', '.join(self.allowed)}")


@dataclass(frozen=True)
class MediaRange:
    """One part of an Accept header: ``type/subtype;param=value;q=0.5``."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...] = ()
    q: float = 1.0

    @property
    def media_type(self) -> str:
        return f"{self.type}/{self.subtype}"


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, in order; malformed parts are left out.

    >>> [(r.media_type, r.q) for r in parse_accept("text/turtle;q=0.5, application/*, bogus, */*;q=0")]
    [('text/turtle', 0.5), ('application/*', 1.0), ('*/*', 0.0)]
    """
    ranges: list[MediaRange] = []
    for part in _split(header or "", ","):
        media_range = _parse_media_range(part)
        if media_range is not None:
            ranges.append(media_range)
    return ranges


def choose_format(accept: str | None, available: Sequence[str], *, override: str | None, default: str) -> str | None:
    """The media type to answer in, from ``available``; None when none is acceptable (406).

    Raises ``UnknownFormatError`` for an override that names no known format.
    """
    if override is not None and override.strip():
        return resolve_override(override, available)
    preference = [default, *(media_type for media_type in available if media_type != default)]
    preference = [media_type for media_type in preference if media_type in available]
    ranges = parse_accept(accept)
    if not ranges:
        return preference[0] if preference else None
    best: tuple[float, tuple[int, int], int] | None = None
    chosen: str | None = None
    for rank, offer in enumerate(preference):
        match = _quality(offer, ranges, available)
        if match is None or match[0] <= 0:
            continue
        key = (match[0], match[1], -rank)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def resolve_override(value: str, available: Sequence[str]) -> str | None:
    """The available media type named by a ``format=`` value, or None when it names one that does not apply."""
    key = value.strip().lower()
    # In a URL query string '+' means a space, so format=application/sparql-results+json arrives with a space.
    key = key.split(";", 1)[0].strip().replace(" ", "+")
    candidates = FORMAT_NAMES.get(key) or ALIASES.get(key) or ((key,) if key in W3C_FORMAT_IRIS else None)
    if candidates is None and key in available:
        candidates = (key,)
    if candidates is None:
        raise UnknownFormatError(value, allowed_override_values(available))
    return next((media_type for media_type in candidates if media_type in available), None)


def allowed_override_values(available: Sequence[str]) -> list[str]:
    """Every name and media type the override accepts, for the message of a 400."""
    return [*FORMAT_NAMES, *dict.fromkeys([*W3C_FORMAT_IRIS, *available])]


def content_type(media_type: str) -> str:
    """The Content-Type header value: textual types (text/*, XML) say that they are UTF-8.

    JSON, N-Triples, N-Quads and TriG are UTF-8 by definition and their registrations have no charset parameter.

    >>> content_type("text/turtle")
    'text/turtle; charset=utf-8'
    >>> content_type("application/sparql-results+json")
    'application/sparql-results+json'
    """
    if media_type.startswith("text/") or media_type.endswith(("+xml", "/xml")):
        return f"{media_type}; charset=utf-8"
    return media_type


def _split(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` outside quoted strings, each part stripped, empty parts dropped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _parse_media_range(text: str) -> MediaRange | None:
    pieces = _split(text, ";") if ";" in text else [text.strip()]
    match = _MEDIA_RANGE.match(pieces[0]) if pieces else None
    if match is None:
        return None
    type_, subtype = match.group(1).lower(), match.group(2).lower()
    if type_ == "*" and subtype != "*":
        return None
    params: list[tuple[str, str]] = []
    q = 1.0
    for piece in pieces[1:]:
        parameter = _PARAMETER.match(piece)
        if parameter is None:
            return None
        name, value = parameter.group(1).lower(), parameter.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name == "q":
            if not _QVALUE.match(value):
                return None
            q = float(value)
            break  # what follows the weight is an extension, not a media-type parameter
        params.append((name, value))
    return MediaRange(type_, subtype, tuple(params), q)


def _quality(offer: str, ranges: list[MediaRange], available: Sequence[str]) -> tuple[float, tuple[int, int]] | None:
    """The q-value the header gives ``offer`` and the specificity of the range that gave it."""
    best: tuple[tuple[int, int], float] | None = None
    for media_range in ranges:
        level = _match_level(media_range, offer, available)
        if level is None:
            continue
        specificity = (level, len(media_range.params))
        if best is None or specificity > best[0] or (specificity == best[0] and media_range.q > best[1]):
            best = (specificity, media_range.q)
    return None if best is None else (best[1], best[0])


def _match_level(media_range: MediaRange, offer: str, available: Sequence[str]) -> int | None:
    """How specifically ``media_range`` names ``offer``: 0 */*, 1 type/*, 2 an alias, 3 exactly; None: not at all."""
    if not all(name == "charset" and value.lower() in _UTF8 for name, value in media_range.params):
        return None  # we cannot promise other parameters (a JSON-LD profile, a charset other than UTF-8)
    if media_range.type == "*":
        return 0
    offer_type = offer.split("/", 1)[0]
    if media_range.subtype == "*":
        return 1 if media_range.type == offer_type else None
    if media_range.media_type == offer:
        return 3
    stands_for = ALIASES.get(media_range.media_type, ())
    if media_range.media_type not in available:
        resolved = next((media_type for media_type in stands_for if media_type in available), None)
        if resolved == offer:
            return 2
    return None
