"""Runs SPARQL queries in worker processes, each bounded by a wall-clock limit.

pyoxigraph cannot cancel a query, and an aggregate can spend its whole run inside one call, so a deadline checked
in the same process does not bound it. Each query therefore goes to one of a few worker processes that hold a
read-only snapshot of the store; the worker serialises the complete result and sends it back. If the deadline passes
first, the worker is killed (SIGKILL), a fresh one takes its place, and the caller gets ``QueryTimeout``: the client
sees an error status, never a truncated 200, and the other workers keep answering meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
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
# A client whose queries ran past the quick limit this many times in LONG_RUN_MEMORY_S keeps out of the quick lane:
# two, so that one look-up slowed by a busy machine does not send a light client to the back of the main line
LONG_RUNS_TO_LEAVE_QUICK_LANE = 2
LONG_RUN_MEMORY_S = 60.0
QUICK_LANE_WALL_FACTOR = 2  # a query on a quick worker may wait for a core or the disk as long again as its CPU limit
CPU_POLL_S = 0.05  # how often a quick worker's CPU time is read while it runs a query
_CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
FORGET_CLIENTS_AFTER = 10_000


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


class UpstreamFailed(QueryFailed):
    """A remote store could not be reached, did not answer in time, or refused us (not the caller's fault)."""


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


def _worker_main(connection: Connection, snapshot: str) -> None:
    from pyoxigraph import Store

    try:  # at once, so that opening the store does not count against the first query's time
        store, opened = Store.read_only(snapshot), snapshot
    except Exception:  # e.g. gone meanwhile (a newer one was published): the first job opens its own, or says why
        store, opened = None, None
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
    def __init__(self, context: multiprocessing.context.SpawnContext, snapshot: str) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end, snapshot), daemon=True,
                                       name="critmin-query")
        self.process.start()
        child_end.close()
        self.snapshot = snapshot  # the one it has open, or will open on its next job

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


@dataclass
class _Lane:
    """Workers, shared fairly between clients; a query may use ``cpu_limit_s`` of CPU time on one at most, and
    QUICK_LANE_WALL_FACTOR times that of wall-clock time (None: no limit but its deadline)."""

    workers: list[_Worker]
    slots: FairSlots[_Worker]
    cpu_limit_s: float | None


class QueryRunner:
    """A pool of query worker processes over the current snapshot of the store.

    Besides the main workers, a few quick ones take a query only while every main worker is taken, and only for
    ``quick_limit_ms`` of CPU time: past it the quick worker is killed and replaced, and the query waits for a main
    worker (with what is left of its time). CPU time rather than wall-clock time, so that a look-up slowed by a busy
    machine is not taken for a long query. A client seen running queries past that limit lately (one running now,
    one killed at its deadline, or two in the last minute) waits for the main workers only. So however many runaway
    queries hold the main workers, look-ups keep moving; without this, ten clients with a runaway each held all
    four main workers until their deadlines and everyone's look-ups waited behind them.

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
        quick_workers: int = 0,
        quick_limit_ms: int = 1000,
    ) -> None:
        self.snapshot = snapshot
        self.timeout_ms = timeout_ms
        self.max_result_bytes = max_result_bytes
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        main = [_Worker(self._context, str(snapshot)) for _ in range(workers)]
        quick = [_Worker(self._context, str(snapshot)) for _ in range(quick_workers)]
        per_client = min(workers_per_client or (workers + 1) // 2, workers)
        self._main = _Lane(main, FairSlots(main, per_client=per_client), None)
        self._quick_limit_s = quick_limit_ms / 1000
        self._quick = _Lane(quick, FairSlots(quick, per_client=1), self._quick_limit_s)
        self._running: dict[_Worker, tuple[str, _Clock]] = {}  # who runs a query on each busy worker, its CPU time
        self._long_runs: dict[str, list[float]] = {}  # client: when its queries ran past the quick limit lately
        self._background: set[asyncio.Task] = set()  # replacements of quick workers, referenced until they end
        self._threads = ThreadPoolExecutor(max_workers=workers + quick_workers + 1,
                                           thread_name_prefix="critmin-query-wait")
        self.on_snapshot_released: Any = None  # callable(set[Path]) told which snapshots are still in use

    observe: QueryObserver | None = None
    queries_in_flight = 0  # running or waiting for a worker (``observed``)
    moved_out_of_quick_lane = 0  # queries that outran quick_limit_ms on a quick worker (metrics)

    def worker_counts(self) -> tuple[int, int]:
        """Workers busy now, and workers in all (metrics)."""
        lanes = (self._main, self._quick)
        return sum(lane.slots.busy() for lane in lanes), sum(len(lane.workers) for lane in lanes)

    def snapshots_in_use(self) -> set[Path]:
        with self._lock:
            used = {Path(w.snapshot) for lane in (self._main, self._quick) for w in lane.workers}
        return used | {self.snapshot}

    @observed
    async def execute(self, request: QueryRequest, *, snapshot: Path | None = None, client: str = "") -> QueryResult:
        """Run ``request`` over ``snapshot`` (a read-only store folder; by default the current snapshot) for
        ``client`` (who sent it: the workers are shared fairly between clients, ``kg.query_slots``)."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        if self._closed():
            raise QueryUnavailable()
        job = (str(snapshot or self.snapshot), request, self.max_result_bytes)
        lanes = (self._main, self._quick) if self._may_use_quick_lane(client) else (self._main,)
        while True:
            lane, worker = await self._acquire(lanes, client, deadline)
            reply, cpu_s = await self._run(lane, worker, client, job, deadline)
            if reply is not None:
                if cpu_s > self._quick_limit_s:
                    self._note_long_run(client)
                return _result_from_reply(reply, self.max_result_bytes)
            if time.monotonic() >= deadline:
                self._note_long_run(client, times=LONG_RUNS_TO_LEAVE_QUICK_LANE)  # a runaway: out at once
                await self._replace(lane, worker, client)
                raise QueryTimeout(self.timeout_ms)
            self._note_long_run(client)
            self.moved_out_of_quick_lane += 1
            task = asyncio.create_task(self._replace_quietly(lane, worker, client))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            lanes = (self._main,)

    async def _acquire(self, lanes: tuple[_Lane, ...], client: str, deadline: float) -> tuple[_Lane, _Worker]:
        """A worker of the first lane with one free for ``client``, else of the first lane to free one."""
        for lane in lanes:
            worker = lane.slots.try_acquire(client)
            if worker is not None:
                return lane, worker
        timeout_s = max(deadline - time.monotonic(), 0.0)
        waits = {asyncio.ensure_future(lane.slots.acquire(client, timeout_s=timeout_s)): lane for lane in lanes}
        answered = False
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            answered = True
        finally:
            for wait in waits:
                wait.cancel()  # a wait cancelled after it was handed a worker gives it back (FairSlots.acquire)
            await asyncio.gather(*waits, return_exceptions=True)
            taken = [(lane, wait.result()) for wait, lane in waits.items()
                     if not wait.cancelled() and not wait.exception()]
            # two lanes may have handed one over at once: the first is enough (and none if we were cancelled)
            for lane, worker in taken[1 if answered else 0:]:
                lane.slots.release(client, worker)
        if taken:
            return taken[0]
        errors = [wait.exception() for wait in waits if not wait.cancelled()]
        if any(isinstance(error, QueryUnavailable) for error in errors):
            raise QueryUnavailable()
        raise QueryTimeout(self.timeout_ms)

    async def _run(self, lane: _Lane, worker: _Worker, client: str, job: tuple[str, QueryRequest, int],
                   deadline: float) -> tuple[tuple[str, Any] | None, float]:
        """The worker's reply to ``job`` (None if it did not come by ``deadline`` or within the lane's limits: the
        worker still busy), and the CPU seconds it used."""
        loop = asyncio.get_running_loop()
        previous, worker.snapshot = worker.snapshot, job[0]
        clock = _Clock(worker.process.pid)
        if lane.cpu_limit_s is not None:
            deadline = min(deadline, time.monotonic() + QUICK_LANE_WALL_FACTOR * lane.cpu_limit_s)
        self._running[worker] = (client, clock)
        try:
            # sending pickles the request and may block on a full pipe: one trip to a thread for both directions
            reply = await loop.run_in_executor(self._threads, _exchange, worker.connection, job, deadline, clock,
                                               lane.cpu_limit_s)
        except (OSError, EOFError) as error:
            await self._replace(lane, worker, client)
            raise QueryFailed(f"the query worker stopped unexpectedly ({error}); please retry") from error
        except BaseException:  # cancelled (the client went away) while the worker may still be busy: start afresh
            await asyncio.shield(self._replace(lane, worker, client))
            raise
        finally:
            self._running.pop(worker, None)
        if reply is None:
            return None, clock.cpu_seconds()
        cpu_s = clock.cpu_seconds()
        lane.slots.release(client, worker)
        if previous != job[0]:  # only then can a snapshot have fallen out of use: a listing saved
            self._released()
        return reply, cpu_s

    def _may_use_quick_lane(self, client: str) -> bool:
        if not self._quick.workers:
            return False
        now = time.monotonic()
        if len(self._recent_long_runs(client, now)) >= LONG_RUNS_TO_LEAVE_QUICK_LANE:
            return False
        return not any(who == client and clock.cpu_seconds() > self._quick_limit_s
                       for who, clock in self._running.values())

    def _recent_long_runs(self, client: str, now: float) -> list[float]:
        return [at for at in self._long_runs.get(client, ()) if now - at < LONG_RUN_MEMORY_S]

    def _note_long_run(self, client: str, *, times: int = 1) -> None:
        now = time.monotonic()
        if len(self._long_runs) > FORGET_CLIENTS_AFTER:  # bounded memory: drop those with none lately
            self._long_runs = {c: runs for c in self._long_runs if (runs := self._recent_long_runs(c, now))}
        self._long_runs[client] = [*self._recent_long_runs(client, now), *[now] * times]

    def _released(self) -> None:
        if self.on_snapshot_released is not None:
            self.on_snapshot_released(self.snapshots_in_use())

    async def _replace(self, lane: _Lane, worker: _Worker, client: str) -> None:
        if self._closed():  # the service is stopping: close() kills the workers, none is started
            raise QueryUnavailable()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, worker.kill)
        fresh = await loop.run_in_executor(self._threads, _Worker, self._context, str(self.snapshot))
        with self._lock:
            if worker not in lane.workers:  # closed meanwhile
                fresh.kill()
                raise QueryUnavailable()
            lane.workers[lane.workers.index(worker)] = fresh
        lane.slots.release(client, fresh)
        self._released()

    async def _replace_quietly(self, lane: _Lane, worker: _Worker, client: str) -> None:
        with contextlib.suppress(QueryUnavailable):  # stopping: nothing to replace
            await self._replace(lane, worker, client)

    def _closed(self) -> bool:
        with self._lock:
            return not self._main.workers

    def close(self) -> None:
        with self._lock:
            workers = self._main.workers + self._quick.workers
            self._main.workers, self._quick.workers = [], []
        for lane in (self._main, self._quick):
            lane.slots.close(QueryUnavailable)
        for worker in workers:
            worker.kill()  # first: a thread waiting for its reply then wakes on the closed pipe, not at the deadline
        self._threads.shutdown(wait=False, cancel_futures=True)


class _Clock:
    """CPU time a worker process uses from now on (user and system, read from /proc); where there is no /proc,
    wall-clock time stands in for it."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._started = time.monotonic()
        self._cpu_before = self._cpu_total()

    def cpu_seconds(self) -> float:
        total = self._cpu_total()
        if total is None or self._cpu_before is None:
            return time.monotonic() - self._started
        return total - self._cpu_before

    def _cpu_total(self) -> float | None:
        try:
            with open(f"/proc/{self._pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()  # after the command name, which may hold spaces
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS_PER_S  # utime and stime, fields 14 and 15


def _exchange(connection: Connection, job: tuple[str, QueryRequest, int], deadline: float, clock: _Clock,
              cpu_limit_s: float | None) -> tuple[str, Any] | None:
    """Sends ``job`` to a worker and returns its reply, or None when the reply did not come by ``deadline`` or the
    worker used more than ``cpu_limit_s`` of CPU time first."""
    connection.send(job)
    while True:
        remaining = deadline - time.monotonic()
        if connection.poll(max(min(remaining, CPU_POLL_S) if cpu_limit_s is not None else remaining, 0.0)):
            return connection.recv()
        if remaining <= 0 or (cpu_limit_s is not None and clock.cpu_seconds() > cpu_limit_s):
            return None


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
