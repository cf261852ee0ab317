"""Which remote endpoints a query may make the server call: SERVICE and LOAD targets against an allowlist.

pyoxigraph sends a real HTTP request for ``SERVICE <http://…>`` in a query and ``LOAD <http://…>`` in an update, and
has no switch to turn that off (see PLATFORM.md, SSRF). So every query is checked before it runs: each target must
be on ``remote_endpoint_allowlist``, either exactly or, for an entry ending in ``*``, by starting with what precedes
the ``*``. A variable endpoint (``SERVICE ?e``) is always refused: nothing can be checked before it runs.

>>> check_remote_access("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
...                     ["https://query.wikidata.org/sparql"])
>>> try:
...     check_remote_access("SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }", [])
... except RemoteAccessRefused as refused:
...     print(refused.reason)
http://169.254.169.254/ is not in remote_endpoint_allowlist (which is empty)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import unquote

from kg.iris import PREFIXES
from kg.sparql_lexer import QueryScan, RemoteTarget, scan_query

SETTING = "remote_endpoint_allowlist"
_DOT_SEGMENT = re.compile(r"(?:^|[/\\])\.{1,2}(?:[/\\?#]|$)")


class RemoteAccessRefused(Exception):
    """A SERVICE or LOAD target that the allowlist does not allow."""

    def __init__(self, target: str, reason: str, *, keyword: str = "SERVICE", written: str | None = None) -> None:
        self.target = target
        self.reason = reason
        self.keyword = keyword
        self.written = written if written is not None else target
        super().__init__(f"{keyword} {self.written} is refused: {reason}")


def check_remote_access(
    query: str,
    allowlist: Sequence[str],
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = PREFIXES,
) -> None:
    """Raise ``RemoteAccessRefused`` for the first SERVICE or LOAD target that ``allowlist`` does not allow.

    ``base_iri`` and ``prefixes`` must be what the store will be given with the query, so that ``SERVICE wd:x``
    resolves here as it will there (the query runner predeclares ``kg.iris.PREFIXES``).
    """
    check_scan(scan_query(query, base_iri=base_iri, prefixes=prefixes), allowlist)


def check_scan(scan: QueryScan, allowlist: Sequence[str]) -> None:
    """``check_remote_access`` for a query already scanned (with the base and prefixes the store will get)."""
    for target in scan.remote_targets:
        reason = refusal_reason(target, allowlist)
        if reason is not None:
            raise RemoteAccessRefused(
                target.iri or target.text, reason, keyword=target.keyword, written=_written(target)
            )


def refusal_reason(target: RemoteTarget, allowlist: Sequence[str]) -> str | None:
    """Why ``target`` may not be reached, or None when the allowlist allows it."""
    if target.variable is not None:
        return (
            f"the endpoint is the variable ?{target.variable}, which cannot be checked before the query runs; "
            f"write the endpoint IRI itself, and add it to {SETTING}"
        )
    if target.iri is None:
        problem = target.problem or "the endpoint cannot be resolved to an IRI"
        return f"{problem}, so it cannot be checked against {SETTING}"
    if is_allowed(target.iri, allowlist):
        return None
    empty = " (which is empty)" if not allowlist else ""
    return f"{target.iri} is not in {SETTING}{empty}"


def is_allowed(iri: str, allowlist: Sequence[str]) -> bool:
    """Whether ``iri`` equals an entry, or starts with an entry ending in ``*`` (minus the ``*``).

    A prefix match must not climb out of the prefix: dot segments (``/../``, also percent-encoded), backslashes and
    user info (``user@host``) are refused, as HTTP clients would resolve them into another path or host.

    >>> is_allowed("https://example.org/sparql/x", ["https://example.org/sparql/*"])
    True
    >>> is_allowed("https://example.org/sparql/../admin", ["https://example.org/sparql/*"])
    False
    """
    for entry in allowlist:
        if entry.endswith("*"):
            prefix = entry[:-1]
            if iri.startswith(prefix) and _stays_inside(iri):
                return True
        elif iri == entry:
            return True
    return False


def _stays_inside(iri: str) -> bool:
    decoded = unquote(iri)
    if "\\" in decoded or _DOT_SEGMENT.search(decoded.split("://", 1)[-1]):
        return False
    authority = iri.split("://", 1)[1].split("/", 1)[0] if "://" in iri else ""
    return "@" not in unquote(authority)


def _written(target: RemoteTarget) -> str:
    if target.variable is not None:
        return target.text
    return target.text if target.text.startswith("<") or not target.iri else f"{target.text} (<{target.iri}>)"
