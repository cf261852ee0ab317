"""Checks on untrusted text before a parser that would crash, or take hours, on it sees it.

pyoxigraph's parsers recurse: JSON-LD nested a few thousand objects deep, or a SPARQL query or update nested a few
thousand groups deep, overflows the thread's stack and kills the whole process (a segmentation fault, measured at
3,000-10,000 levels on an 8 MiB stack; no Python exception is raised). Its RDF/XML parser expands DTD entities
without bound (the 1 KB "billion laughs" document became one 3 GB literal in 21 s) and takes time quadratic in the
nesting depth (50,000 levels: 21 s). Real data nests a few dozen levels at most, so a bound far below the crash
depth refuses only hostile input; each refusal says where (line and column, both 1-based).

>>> try:
...     check_json_depth(b'{"a": [1, {"b": "[[[["}]}', limit=2)
... except InputTooDeep as error:
...     print(error)
line 1, column 11: nested deeper than 2 levels (the most we parse)
>>> check_sparql_depth("SELECT * { { ?s ?p '{{{' } }", limit=2)
"""

from __future__ import annotations

import pyexpat
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# Far below the depth at which the parsers crash (about 3,000), far above what real data or queries use.
MAX_DEPTH = 256

# JSON: strings (skipped whole, so brackets inside them do not count) and brackets.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|([\[{])|[\]}]', re.DOTALL)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# SPARQL: comments, the four string forms and IRIs hide brackets; "<<" opens a quoted triple, ">>" closes it. A
# less-than read as the start of an IRI (FILTER(?a<?b&&(?c>1))) hides the brackets up to the next '>': the count can
# only come out low, by at most one bracket per '>', which the margin below the crash depth absorbs.
_SPARQL_TOKENS = re.compile(
    r"#[^\r\n]*"
    r"|'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*(?:''')?"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*(?:""")?'
    r"|'(?:[^'\\\r\n]|\\[^\r\n])*'?"
    r'|"(?:[^"\\\r\n]|\\[^\r\n])*"?'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|(<<|[({\[])|>>|[)}\]]"
)


class InputTooDeep(ValueError):
    """The input nests deeper than we parse; ``line`` and ``column`` (1-based) are where the limit was passed."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(f"line {line}, column {column}: {message}")


class UnsafeXml(ValueError):
    """RDF/XML refused before parsing: an external entity, an expansion past the limit, or not well-formed."""

    def __init__(self, message: str, *, line: int | None, column: int | None) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(f"line {line}, column {column}: {message}" if line else message)


def check_json_depth(data: bytes, *, limit: int = MAX_DEPTH) -> None:
    """Raise ``InputTooDeep`` when the JSON text ``data`` nests objects and arrays deeper than ``limit``."""
    if data.count(b"{") + data.count(b"[") <= limit:
        return  # too few brackets to nest that deep: no scan (most documents)
    # The brackets alone, strings removed, counted in numpy: 50 MB in well under a second (a loop over every
    # bracket took 5 s); the loop below only runs to say where a refused document goes too deep.
    brackets = np.frombuffer(_JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    steps = np.where((brackets == ord("{")) | (brackets == ord("[")), 1, -1).astype(np.int32)
    if not len(steps) or int(np.cumsum(steps).max()) <= limit:
        return
    _refuse_past(_JSON_TOKENS.finditer(data), lambda token: token[:1] != b'"', data, limit)


def check_sparql_depth(text: str, *, limit: int = MAX_DEPTH) -> None:
    """Raise ``InputTooDeep`` when a SPARQL query or update nests groups, parentheses, brackets and quoted triples
    deeper than ``limit``."""
    if sum(text.count(c) for c in "({[") + text.count("<<") <= limit:
        return
    _refuse_past(_SPARQL_TOKENS.finditer(text), lambda token: token in (")", "}", "]", ">>"), text, limit)


def _refuse_past(tokens: Iterator[re.Match], closes: Callable[[Any], bool], text: Any, limit: int) -> None:
    """Walks ``tokens`` (group 1 set on an opening bracket; ``closes`` tells a closing one from the strings,
    comments and IRIs that hide brackets) and raises ``InputTooDeep`` where the depth first passes ``limit``."""
    depth = 0
    for match in tokens:
        if match.group(1):
            depth += 1
            if depth > limit:
                raise _too_deep(text, match.start(), limit)
        elif closes(match.group()):
            depth -= 1


def check_rdf_xml(data: bytes, *, max_expanded_bytes: int | None = None, limit: int = MAX_DEPTH) -> None:
    """Raise ``UnsafeXml`` for RDF/XML that declares an external or parameter entity (nothing an upload points to is
    ever read), whose entities would expand it past ``max_expanded_bytes`` of text, or that is not well-formed; and
    ``InputTooDeep`` when its elements nest deeper than ``limit``. Read with expat, which fetches nothing."""
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True  # fewer, larger text callbacks
    parser.buffer_size = 1 << 20
    state = {"depth": 0, "text": 0}

    def where() -> dict[str, int]:
        return {"line": parser.CurrentLineNumber, "column": parser.CurrentColumnNumber + 1}

    def grow(size: int) -> None:
        state["text"] += size
        if max_expanded_bytes is not None and state["text"] > max_expanded_bytes:
            raise UnsafeXml(f"the entities expand the document past {max_expanded_bytes} bytes of text (the upload "
                            "limit); declare no entities, or smaller ones", **where())

    def start(_name: str, attributes: dict[str, str]) -> None:
        state["depth"] += 1
        if state["depth"] > limit:
            raise InputTooDeep(f"elements nested deeper than {limit} levels (the most we parse)", **where())
        grow(sum(len(value) for value in attributes.values()))

    def end(_name: str) -> None:
        state["depth"] -= 1

    def entity(name: str, is_parameter: bool, _value: str | None, _base: str | None, system_id: str | None,
               public_id: str | None, _notation: str | None) -> None:
        if is_parameter:
            raise UnsafeXml(f"the parameter entity %{name}; is refused: declare no parameter entities", **where())
        if system_id is not None or public_id is not None:
            raise UnsafeXml(f"the external entity &{name}; ({system_id or public_id}) is refused: an upload may not "
                            "point the server at files or URLs", **where())

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda text: grow(len(text))
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as error:
        raise UnsafeXml(f"not well-formed XML: {pyexpat.ErrorString(error.code)}", line=error.lineno,
                        column=error.offset + 1) from None


def _too_deep(text: bytes | str, position: int, limit: int) -> InputTooDeep:
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, position) + 1  # type: ignore[arg-type]
    column = position - (text.rfind(newline, 0, position) + 1) + 1  # type: ignore[arg-type]
    return InputTooDeep(f"nested deeper than {limit} levels (the most we parse)", line=line, column=column)
