"""Prometheus metrics of one app, and ``GET /metrics`` in the text exposition format.

Each app has its own registry (tests run many apps in one process). Labels are bounded sets only: a route's template
(``/id/{kind}/{key:path}``), never its raw path; a status class (``2xx``); a SPARQL query form and outcome; a kind
of client. No token, partner or address is ever a label value. Sizes that cost a store read (graphs, quads) are
measured on a scrape only when a write has happened since the last one (``store_changed``) or a minute has passed,
never by scanning the store (``kg.store_size``).

``/metrics`` is open by default, like the rest of the read side, on the address the server binds (loopback unless
configured): it shows counts and timings, no data and no identities. ``metrics_require_admin`` puts it behind an
``admin`` token for deployments that expose the service to the internet.
"""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from api.auth import current_caller, require
from kg.loading import SOFTWARE_VERSION
from kg.store_size import StoreSize, measure_store_size

# the classic text format, which generate_latest writes and every Prometheus release reads
EXPOSITION_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"
disable_created_metrics()  # the *_created series double what is exposed and no dashboard of ours reads them

HTTP_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
QUERY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
QUERY_FORMS = frozenset({"select", "ask", "construct", "describe", "update"})
QUERY_OUTCOMES = frozenset({"ok", "timeout", "error", "refused"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
STORE_SIZE_MAX_AGE_S = 60.0  # another process may write a remote store: its size is read again this often at most

router = APIRouter(tags=["Operations"])


class Metrics:
    """The metrics of one app. ``state`` is the app's state, read on each scrape for the live gauges."""

    def __init__(self, state: Any, *, backend: str) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # resident memory, CPU seconds, open files of this process
        self.requests = Counter(
            "critmin_http_requests", "HTTP requests answered, by method, route template and status class.",
            ["method", "route", "status_class"], registry=self.registry)
        self.request_seconds = Histogram(
            "critmin_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by method, route template and status class.",
            ["method", "route", "status_class"], buckets=HTTP_BUCKETS_S, registry=self.registry)
        self.in_flight = Gauge(
            "critmin_http_requests_in_flight", "Requests being answered now (health checks and scrapes left out).",
            registry=self.registry)
        self.queries = Counter(
            "critmin_sparql_queries", "SPARQL queries from the network, by form and outcome (ok, timeout, error, "
            "refused: by policy, such as an update, a SERVICE not allowlisted or a result over the size limit).",
            ["form", "outcome"], registry=self.registry)
        self.query_seconds = Histogram(
            "critmin_sparql_query_duration_seconds",
            "Time a SPARQL query took in the query runner, waiting for a worker included, by form and outcome.",
            ["form", "outcome"], buckets=QUERY_BUCKETS_S, registry=self.registry)
        self.query_timeouts = Counter(
            "critmin_sparql_query_timeouts", "SPARQL queries stopped at query_timeout_ms.", registry=self.registry)
        self.rate_limited = Counter(
            "critmin_rate_limited_requests", "Requests refused with 429 by the per-client rate limit, by kind of "
            "client (partner: a valid token; address: anyone else).", ["client_kind"], registry=self.registry)
        Info("critmin_build", "The running software.", registry=self.registry).info({
            "version": SOFTWARE_VERSION, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "store_backend": backend})
        self.live = _LiveGauges(state)
        self.registry.register(self.live)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in METHODS else "other", route, f"{status // 100}xx")
        self.requests.labels(*labels).inc()
        self.request_seconds.labels(*labels).observe(seconds)

    def observe_query(self, form: str | None, outcome: str, seconds: float | None) -> None:
        """One query's end; ``seconds`` None for a query refused before it ran."""
        form_label = (form or "").lower()
        form_label = form_label if form_label in QUERY_FORMS else "unknown"
        outcome = outcome if outcome in QUERY_OUTCOMES else "error"
        self.queries.labels(form_label, outcome).inc()
        if seconds is not None:
            self.query_seconds.labels(form_label, outcome).observe(seconds)
        if outcome == "timeout":
            self.query_timeouts.inc()

    def store_changed(self) -> None:
        """The store was written: its size is measured again at the next scrape."""
        self.live.store_changed()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _LiveGauges(Collector):
    """Gauges read when scraped: the query workers busy, and the store's size (cached, see the module's doc)."""

    def __init__(self, state: Any) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._size: StoreSize | None = None
        self._measured_at = 0.0
        self._stale = True

    def store_changed(self) -> None:
        self._stale = True

    def describe(self) -> Iterator[Any]:
        return iter(())  # nothing to check at registration: collect() reads app state that may not exist yet

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        runner = getattr(self._state, "query_runner", None)
        if runner is not None:
            busy, capacity = _worker_counts(runner)
            yield GaugeMetricFamily("critmin_query_workers_busy",
                                    "SPARQL queries running now (query workers busy; remote: queries at the server).",
                                    value=busy)
            yield GaugeMetricFamily("critmin_query_workers", "SPARQL queries that can run at once.", value=capacity)
            moved = getattr(runner, "moved_out_of_quick_lane", None)
            if moved is not None:
                yield CounterMetricFamily("critmin_queries_moved_out_of_quick_lane",
                                          "SPARQL queries that outran query_quick_limit_ms on a quick worker and "
                                          "waited for a main one.", value=moved)
        size = self._store_size()
        if size is not None:
            yield GaugeMetricFamily("critmin_store_named_graphs", "Named graphs in the store.",
                                    value=size.named_graphs)
            yield GaugeMetricFamily("critmin_store_catalogued_quads",
                                    "Quads of the graphs the catalog describes, as their loads counted them (the "
                                    "derived catalog, analytics and summaries graphs are not counted).",
                                    value=size.catalogued_quads)

    def _store_size(self) -> StoreSize | None:
        store = getattr(self._state, "store", None)
        if store is None:
            return None
        with self._lock:  # two scrapes at once measure once
            if self._stale or time.monotonic() - self._measured_at > STORE_SIZE_MAX_AGE_S:
                self._stale = False  # before measuring: a write during the measurement marks it stale again
                try:
                    self._size = measure_store_size(store)
                except Exception:  # a scrape must not fail because the store is busy or unreachable
                    self._stale = True
                    return self._size
                self._measured_at = time.monotonic()
            return self._size


def _worker_counts(runner: Any) -> tuple[int, int]:
    counts: Callable[[], tuple[int, int]] | None = getattr(runner, "worker_counts", None)
    return counts() if counts is not None else (0, 0)


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", response_class=Response)
def metrics(request: Request) -> Response:
    # a plain function: FastAPI runs it in a thread, so measuring the store's size does not hold up the event loop
    state = request.app.state
    if state.settings.metrics_require_admin:
        require("admin")(current_caller(request))
    return Response(state.metrics.exposition(), media_type=EXPOSITION_MEDIA_TYPE,
                    headers={"Cache-Control": "no-store"})
