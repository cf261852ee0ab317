"""Runs SPARQL queries from the network on a remote SPARQL server, with the interface of ``QueryRunner``.

Used when ``store_backend`` is ``remote`` (``api/app.py``). Each query is POSTed to the server's query URL with the
dataset of ``kg.remote_dataset`` (the reader's visible graphs, passed as ``snapshot=VisibleGraphs(...)`` by a
restricted view), and bounded here:

- by a client-side deadline of ``query_timeout_ms``: closing the connection is what the caller can rely on, since a
  server's own limit is configuration we cannot see (and the Oxigraph server's ``--timeout-s`` did not stop one heavy
  COUNT; docs/remote-store.md). The server may go on computing: configure its own limit too.
- by ``query_max_result_bytes``, counted while the answer streams in, so an oversized answer is never held whole.
- by never handing on a truncated answer: the Oxigraph server, cancelling a query at its ``--timeout-s``, still
  answers 200 with the body cut short. Solutions are asked as SPARQL JSON and parsed whole before they are passed on
  (or re-serialised into the format asked for); graphs as N-Triples, parsed whole and required to end with a line
  break, then serialised here in the format asked for, as the embedded runner does.

>>> runner = RemoteQueryRunner(query_url="http://127.0.0.1:7878/query", timeout_ms=30_000)  # doctest: +SKIP
>>> asyncio.run(runner.execute(QueryRequest("ASK {}"))).body  # doctest: +SKIP
b'{"head":{},"boolean":true}'
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from pyoxigraph import (
    DefaultGraph,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)

from kg.iris import PREFIXES
from kg.query_runner import (
    QueryFailed,
    QueryObserver,
    QueryRequest,
    QueryResult,
    QueryResultTooLarge,
    QueryTimeout,
    QueryUnavailable,
    UpstreamFailed,
    observed,
    syntax_error,
)
from kg.query_slots import FairSlots
from kg.remote_dataset import VisibleGraphs, dataset
from kg.sparql_lexer import scan_query

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ERROR_MESSAGE_MAX_BYTES = 64 * 1024
_POSITION = re.compile(r"(error at )(\d+)(:\d+)")
# The Oxigraph server answers a request on a keep-alive connection idle for 40-70 s with this (PLATFORM.md): the
# request was not processed, so it is sent once more.
_STALE_CONNECTION = re.compile(r"Resource temporarily unavailable|os error 11")


class RemoteQueryRunner:
    """Queries from the network, sent to the SPARQL server at ``query_url``; no worker processes, no snapshots."""

    snapshot = None  # the server is the source of truth: there is no snapshot to publish
    on_snapshot_released: Any = None

    def __init__(self, *, query_url: str, timeout_ms: int, max_result_bytes: int = 200 * 1024 * 1024,
                 auth: httpx.Auth | tuple[str, str] | None = None, concurrency: int = 4,
                 per_client: int = 0) -> None:
        self.query_url = query_url
        self.concurrency = concurrency
        # at most ``concurrency`` queries at the server at once, shared fairly between clients as the embedded
        # runner shares its workers (kg.query_slots)
        self._slots = FairSlots(range(concurrency), per_client=min(per_client or (concurrency + 1) // 2, concurrency))
        self.timeout_ms = timeout_ms
        self.max_result_bytes = max_result_bytes
        # the deadline below is what bounds a query; httpx's own timeout only backs it up
        self._client = httpx.AsyncClient(timeout=timeout_ms / 1000 + 5, auth=auth)

    observe: QueryObserver | None = None
    queries_in_flight = 0  # at the server or waiting for a slot (``observed``)

    def worker_counts(self) -> tuple[int, int]:
        """Queries at the server now, and how many may be at once (metrics)."""
        return self._slots.busy(), self.concurrency

    def snapshots_in_use(self) -> set[Path]:
        return set()

    @observed
    async def execute(self, request: QueryRequest, *, snapshot: VisibleGraphs | None = None,
                      client: str = "") -> QueryResult:
        """Run ``request`` on the server over the graphs of ``snapshot`` (None: every graph) for ``client``."""
        if snapshot is not None and not isinstance(snapshot, VisibleGraphs):
            # a restriction we do not understand must not turn into no restriction
            raise TypeError(f"a remote query runs over VisibleGraphs or everything (None), not {snapshot!r}")
        deadline = asyncio.get_running_loop().time() + self.timeout_ms / 1000
        try:
            slot = await self._slots.acquire(client, timeout_s=self.timeout_ms / 1000)
        except TimeoutError:
            raise QueryTimeout(self.timeout_ms) from None
        try:
            async with asyncio.timeout_at(deadline):
                return await self._execute(request, snapshot)
        except TimeoutError:
            raise QueryTimeout(self.timeout_ms) from None
        finally:
            self._slots.release(client, slot)

    async def _execute(self, request: QueryRequest, visible: VisibleGraphs | None) -> QueryResult:
        scan = await asyncio.to_thread(scan_query, request.query, base_iri=request.base_iri, prefixes=PREFIXES)
        default_graphs, named_graphs = await asyncio.to_thread(
            dataset, request.query, request.default_graph_uris, request.named_graph_uris, visible,
            base_iri=request.base_iri)
        # our prefixes are predeclared, as the embedded runner hands them to pyoxigraph; the query's own win
        prologue = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name not in scan.prefixes]
        if request.base_iri:
            prologue.insert(0, f"BASE <{request.base_iri}>")
        form = {p: ("solutions" if p == "SELECT" else "boolean" if p == "ASK" else "graph")
                for p in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")}.get(scan.form or "")
        accept = {"solutions": RESULTS_JSON, "boolean": RESULTS_JSON, "graph": N_TRIPLES}.get(
            form or "", f"{RESULTS_JSON}, {N_TRIPLES};q=0.9")
        data = [("query", "\n".join([*prologue, request.query]))]
        data += [("default-graph-uri", iri) for iri in default_graphs]
        data += [("named-graph-uri", iri) for iri in named_graphs]
        body, media_type = await self._post(urlencode(data).encode(), accept, len(prologue))
        return await asyncio.to_thread(_finish, body, media_type, form, request, self.max_result_bytes)

    async def _post(self, content: bytes, accept: str, prologue_lines: int) -> tuple[bytes, str]:
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        for attempt in (1, 2):
            try:
                async with self._client.stream("POST", self.query_url, content=content, headers=headers) as response:
                    if response.status_code >= 400:
                        message = (await _read(response, ERROR_MESSAGE_MAX_BYTES, None)).decode(errors="replace")
                        if response.status_code == 500 and attempt == 1 and _STALE_CONNECTION.search(message):
                            continue
                        raise _server_error(response.status_code, message.strip(), prologue_lines)
                    body = await _read(response, self.max_result_bytes, QueryResultTooLarge(self.max_result_bytes))
                    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    return body, media_type
            except httpx.RemoteProtocolError as error:
                if attempt == 1:
                    continue  # a pooled connection the server had closed: nothing was processed
                raise UpstreamFailed(f"the connection to the SPARQL server at {self.query_url} failed: {error}") \
                    from error
            except httpx.TimeoutException as error:
                raise UpstreamFailed(f"the SPARQL server at {self.query_url} did not answer in time: {error}") \
                    from error
            except httpx.TransportError as error:
                raise UpstreamFailed(f"cannot reach the SPARQL server at {self.query_url}: {error}") from error
        raise UpstreamFailed(f"the SPARQL server at {self.query_url} kept answering on stale connections")

    async def aclose(self) -> None:
        self._slots.close(QueryUnavailable)
        await self._client.aclose()


async def _read(response: httpx.Response, limit: int, too_large: Exception | None) -> bytes:
    """The body, up to ``limit`` bytes: past it ``too_large`` is raised (None: the body is cut there)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            if too_large is not None:
                raise too_large
            chunks.append(chunk[: len(chunk) - (size - limit)])
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _server_error(status: int, message: str, prologue_lines: int) -> Exception:
    if status == 400:
        # the line numbers count the prologue we put in front of the query: the caller's query starts after it
        shifted = _POSITION.sub(lambda m: f"{m.group(1)}{max(int(m.group(2)) - prologue_lines, 1)}{m.group(3)}",
                                message, count=1)
        return syntax_error(shifted)
    if status in (401, 403):
        return UpstreamFailed(f"the SPARQL server refused this service's credentials (it answered {status}); the "
                              "administrator sets them in remote_username and remote_password")
    if status == 500:  # Oxigraph's answer to a query it cannot evaluate, as a local store would fail it
        return QueryFailed(f"the SPARQL server answered {status}: {message}")
    return UpstreamFailed(f"the SPARQL server answered {status}: {message}")


def _finish(body: bytes, media_type: str, form: str | None, request: QueryRequest, max_bytes: int) -> QueryResult:
    """The answer in the format asked for, once it is known to be whole."""
    results_format = QueryResultsFormat.from_media_type(media_type) if media_type else None
    if results_format == QueryResultsFormat.JSON:
        try:
            parsed = json.loads(body)
        except ValueError as error:
            raise QueryFailed(f"the SPARQL server's answer is incomplete or not JSON (cut short by its own timeout?): "
                              f"{error}") from None
        kind = "boolean" if "boolean" in parsed else "solutions"
        if request.results_format == RESULTS_JSON:
            return QueryResult(body=body, media_type=RESULTS_JSON, kind=kind)
        results = parse_query_results(body, format=QueryResultsFormat.JSON)
        out = results.serialize(format=QueryResultsFormat.from_media_type(request.results_format))
        return _checked(QueryResult(body=out, media_type=request.results_format, kind=kind), max_bytes)
    rdf_format = RdfFormat.from_media_type(media_type) if media_type else None
    if rdf_format != RdfFormat.N_TRIPLES or form not in ("graph", None):
        raise QueryFailed(f"the SPARQL server answered with {media_type or 'no media type'}, not what was asked")
    if body and not body.endswith(b"\n"):
        raise QueryFailed("the SPARQL server's answer is incomplete (cut short by its own timeout?)")
    try:
        triples = [quad.triple for quad in parse(body, format=RdfFormat.N_TRIPLES)]
    except SyntaxError as error:
        raise QueryFailed(f"the SPARQL server's answer does not parse (cut short by its own timeout?): {error}") \
            from None
    target = RdfFormat.from_media_type(request.graph_format)
    if target in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        # CONSTRUCT yields triples; quad formats get them in the default graph, as over the embedded store
        out = serialize((Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples), format=target)
    else:
        out = serialize(triples, format=target)
    return _checked(QueryResult(body=out or b"", media_type=request.graph_format, kind="graph"), max_bytes)


def _checked(result: QueryResult, max_bytes: int) -> QueryResult:
    if len(result.body) > max_bytes:
        raise QueryResultTooLarge(max_bytes)
    return result
