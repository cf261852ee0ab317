"""Runs SPARQL queries in worker processes, each bounded by a wall-clock limit.

pyoxigraph cannot cancel a query, and an aggregate can spend its whole run inside one call, so a deadline checked
in the same process does not bound it. Each query therefore goes to one of a few worker processes that hold a
read-only snapshot of the store; the worker serialises the complete result and sends it back. If the deadline passes
first, the worker is killed (SIGKILL), a fresh one takes its place, and the caller gets ``QueryTimeout``: the client
sees an error status, never a truncated 200, and the other workers keep answering meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import re
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.iris import PREFIXES
from kg.query_slots import FairSlots

RESULTS_MEDIA_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_MEDIA_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/ld+json",
    "application/rdf+xml",
)

_POSITION = re.compile(r"error at (\d+):(\d+)")


@dataclass(frozen=True)
class QueryRequest:
    query: str
    results_format: str = RESULTS_MEDIA_TYPES[0]
    graph_format: str = GRAPH_MEDIA_TYPES[0]
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE when the caller knows it: a metrics label only


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    media_type: str
    kind: str  # "solutions" | "boolean" | "graph"


class QueryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class QueryTimeout(QueryError):
    def __init__(self, limit_ms: int) -> None:
        super().__init__(
            f"the query ran longer than the limit of {limit_ms} ms (setting query_timeout_ms) and was stopped"
        )
        self.limit_ms = limit_ms


class QueryResultTooLarge(QueryError):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            f"the result is larger than {limit_bytes} bytes (setting query_max_result_bytes); "
            "narrow the query or add a LIMIT"
        )
        self.limit_bytes = limit_bytes


class QueryFailed(QueryError):
    """The query parsed but the store could not evaluate it (e.g. a type error it reports)."""


class QueryUnavailable(QueryError):
    """The service is stopping: the query was not run, or not finished."""

    def __init__(self) -> None:
        super().__init__("the service is stopping: the query was not finished; please retry")


# What a runner reports of each query it ran (api/observability/metrics.py): its form (None: unknown), its outcome
# (ok, timeout, refused: its result was over the size limit, error: anything else) and its seconds, waiting included.
QueryObserver = Callable[[str | None, str, float], None]


def observed(execute: Callable[..., Awaitable[QueryResult]]) -> Callable[..., Awaitable[QueryResult]]:
    """Wraps a runner's ``execute`` to count the queries in flight and report each to the runner's ``observe``."""

    @functools.wraps(execute)
    async def wrapper(runner: Any, request: QueryRequest, **options: Any) -> QueryResult:
        started, outcome = time.perf_counter(), "error"
        runner.queries_in_flight += 1
        try:
            result = await execute(runner, request, **options)
            outcome = "ok"
            return result
        except QueryTimeout:
            outcome = "timeout"
            raise
        except QueryResultTooLarge:
            outcome = "refused"
            raise
        finally:
            runner.queries_in_flight -= 1
            if runner.observe is not None:
                runner.observe(request.form, outcome, time.perf_counter() - started)

    return wrapper


# ---------------------------------------------------------------------------------------------------------------
# Worker side: runs in a child process. Kept free of asyncio and of the API so the child starts quickly.


def _serialize(result: Any, request: QueryRequest) -> tuple[bytes, str, str]:
    from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

    if isinstance(result, QuerySolutions | QueryBoolean):
        media_type = request.results_format
        body = result.serialize(format=QueryResultsFormat.from_media_type(media_type))
        return body, media_type, "solutions" if isinstance(result, QuerySolutions) else "boolean"
    media_type = request.graph_format
    rdf_format = RdfFormat.from_media_type(media_type)
    if rdf_format in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        # CONSTRUCT yields triples; quad formats get them in the default graph.
        from pyoxigraph import DefaultGraph, Quad, serialize

        body = serialize((Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in result), format=rdf_format)
    else:
        body = result.serialize(format=rdf_format)
    return body, media_type, "graph"


def _run_in_worker(store: Any, request: QueryRequest, max_bytes: int) -> tuple[str, Any]:
    from pyoxigraph import NamedNode

    # Our usual prefixes are predeclared, as Wikidata's service does; a query's own PREFIX lines override them.
    options: dict[str, Any] = {"base_iri": request.base_iri, "prefixes": PREFIXES}
    if request.default_graph_uris or request.named_graph_uris:
        # The protocol's dataset replaces both parts: a part not given is empty.
        options["default_graph"] = [NamedNode(iri) for iri in request.default_graph_uris]
        options["named_graphs"] = [NamedNode(iri) for iri in request.named_graph_uris]
    else:
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(request.query, **options)
        body, media_type, kind = _serialize(result, request)
    except SyntaxError as error:
        return "syntax", str(error)
    except (ValueError, OSError, RuntimeError) as error:
        return "failed", str(error)
    if len(body) > max_bytes:
        return "too_large", None
    return "ok", (body, media_type, kind)


def _worker_main(connection: Connection) -> None:
    from pyoxigraph import Store

    store = None
    opened: str | None = None
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        snapshot, request, max_bytes = job
        if snapshot != opened:
            store = None  # close the old snapshot before opening the new one
            store = Store.read_only(snapshot)
            opened = snapshot
        connection.send(_run_in_worker(store, request, max_bytes))


# ---------------------------------------------------------------------------------------------------------------
# Server side.


class _Worker:
    def __init__(self, context: multiprocessing.context.SpawnContext) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end,), daemon=True, name="critmin-query")
        self.process.start()
        child_end.close()
        self.snapshot: str | None = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryRunner:
    """A pool of query worker processes over the current snapshot of the store.

    >>> runner = QueryRunner(snapshot=Path("var/store"), workers=1, timeout_ms=30_000)  # doctest: +SKIP
    >>> asyncio.run(runner.execute(QueryRequest("ASK {}"))).body  # doctest: +SKIP
    b'{"head":{},"boolean":true}'
    """

    def __init__(
        self,
        *,
        snapshot: Path,
        workers: int,
        timeout_ms: int,
        max_result_bytes: int = 200 * 1024 * 1024,
        workers_per_client: int = 0,
    ) -> None:
        self.snapshot = snapshot
        self.timeout_ms = timeout_ms
        self.max_result_bytes = max_result_bytes
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._workers: list[_Worker] = [_Worker(self._context) for _ in range(workers)]
        self._slots = FairSlots(self._workers, per_client=min(workers_per_client or (workers + 1) // 2, workers))
        self._threads = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="critmin-query-wait")
        self.on_snapshot_released: Any = None  # callable(set[Path]) told which snapshots are still in use

    observe: QueryObserver | None = None
    queries_in_flight = 0  # running or waiting for a worker (``observed``)

    def worker_counts(self) -> tuple[int, int]:
        """Workers busy now, and workers in all (metrics)."""
        return max(self.queries_in_flight - self._slots.waiting(), 0), len(self._workers)

    def snapshots_in_use(self) -> set[Path]:
        with self._lock:
            used = {Path(w.snapshot) for w in self._workers if w.snapshot}
        return used | {self.snapshot}

    @observed
    async def execute(self, request: QueryRequest, *, snapshot: Path | None = None, client: str = "") -> QueryResult:
        """Run ``request`` over ``snapshot`` (a read-only store folder; by default the current snapshot) for
        ``client`` (who sent it: the workers are shared fairly between clients, ``kg.query_slots``)."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        if self._closed():
            raise QueryUnavailable()
        try:
            worker = await self._slots.acquire(client, timeout_s=self.timeout_ms / 1000)
        except TimeoutError:
            raise QueryTimeout(self.timeout_ms) from None
        loop = asyncio.get_running_loop()
        snapshot = str(snapshot or self.snapshot)
        previous, worker.snapshot = worker.snapshot, snapshot
        job = (snapshot, request, self.max_result_bytes)
        try:
            # sending pickles the request and may block on a full pipe: one trip to a thread for both directions
            reply = await loop.run_in_executor(self._threads, _exchange, worker.connection, job, deadline)
        except (OSError, EOFError) as error:
            await self._replace(worker, client)
            raise QueryFailed(f"the query worker stopped unexpectedly ({error}); please retry") from error
        except BaseException:  # cancelled (the client went away) while the worker may still be busy: start afresh
            await asyncio.shield(self._replace(worker, client))
            raise
        if reply is None:
            await self._replace(worker, client)
            raise QueryTimeout(self.timeout_ms)
        self._slots.release(client, worker)
        if previous not in (None, snapshot):  # only then can a snapshot have fallen out of use: a listing saved
            self._released()
        return _result_from_reply(reply, self.max_result_bytes)

    def _released(self) -> None:
        if self.on_snapshot_released is not None:
            self.on_snapshot_released(self.snapshots_in_use())

    async def _replace(self, worker: _Worker, client: str) -> None:
        if self._closed():  # the service is stopping: close() kills the workers, none is started
            raise QueryUnavailable()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, worker.kill)
        fresh = await loop.run_in_executor(self._threads, _Worker, self._context)
        with self._lock:
            if worker not in self._workers:  # closed meanwhile
                fresh.kill()
                raise QueryUnavailable()
            self._workers[self._workers.index(worker)] = fresh
        self._slots.release(client, fresh)
        self._released()

    def _closed(self) -> bool:
        with self._lock:
            return not self._workers

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        self._slots.close(QueryUnavailable)
        for worker in workers:
            worker.kill()  # first: a thread waiting for its reply then wakes on the closed pipe, not at the deadline
        self._threads.shutdown(wait=False, cancel_futures=True)


def _exchange(connection: Connection, job: tuple[str, QueryRequest, int], deadline: float) -> tuple[str, Any] | None:
    """Sends ``job`` to a worker and returns its reply, or None when the reply did not come by ``deadline``."""
    connection.send(job)
    if not connection.poll(max(deadline - time.monotonic(), 0.0)):
        return None
    return connection.recv()


def syntax_error(message: str) -> QuerySyntaxError:
    """pyoxigraph's syntax error message, with the line and column it names ("error at 3:14")."""
    match = _POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return QuerySyntaxError(message, line, column)


def _result_from_reply(reply: tuple[str, Any], max_bytes: int) -> QueryResult:
    status, payload = reply
    if status == "ok":
        body, media_type, kind = payload
        return QueryResult(body=body, media_type=media_type, kind=kind)
    if status == "syntax":
        raise syntax_error(payload)
    if status == "too_large":
        raise QueryResultTooLarge(max_bytes)
    raise QueryFailed(payload)
