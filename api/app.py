"""The FastAPI application: opens the store in its lifespan and serves SPARQL and the home page.

The store is the setting ``store_backend``'s: the embedded one, read by query worker processes over snapshots, or a
remote SPARQL server, read by ``RemoteQueryRunner`` directly (no snapshots: the server is the source of truth).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from pyoxigraph import NamedNode
from starlette.exceptions import HTTPException

from api.allocator import release_free_memory
from api.background import Refresher
from api.observability.metrics import Metrics
from api.observability.middleware import RequestMiddleware
from api.observability.request_logs import install_request_ids
from api.request_bodies import NamedBodyLimits, http_error
from api.search_upkeep import SearchUpkeep
from api.upstream_errors import remote_store_error
from kg import iris
from kg.analytics.freshness import recompute_if_stale, wait_for_recomputation
from kg.hub_summaries import summaries_status
from kg.loading import SOFTWARE_VERSION
from kg.query_runner import QueryRunner
from kg.remote_query_runner import RemoteQueryRunner
from kg.remote_store import RemoteStoreError
from kg.settings import Settings
from kg.store import Snapshots, open_configured_store
from kg.timings import holding, step
from kg.views import Views

SHUTDOWN_WAIT_S = 120.0  # how long stopping waits for a background recomputation to finish writing


def publish_snapshot(app: FastAPI, written: Iterable[NamedNode] | None = None, *, recompute: bool = True) -> None:
    """Make what the store holds now visible to queries (call after every write, and after access changes).

    The indicators are recomputed first when the write changed a graph they read (a check of a few milliseconds;
    a partner's graph never counts), so that readers see data and indicators change together; stale hub summaries
    are recomputed in the background (``api.background``), pages reading live data meanwhile. ``written``: the
    graphs the write changed (a partner graph stands for its catalog companion and linkset too); search re-reads
    only those, and the whole store when None; the write's answer waits for its search too.

    A write to partner graphs alone skips the indicator check. A write that may change the indicators waits for a
    background recomputation of the hub summaries (seconds, a minute at 10M triples) before it takes the publication
    lock, not while holding it: other writers' publications go ahead meanwhile.
    """
    store = app.state.store
    written = None if written is None else list(written)
    may_change_indicators = recompute and (written is None or any(
        iris.parse_partner_graph(graph.value, base=app.state.settings.public_base_iri) is None for graph in written))
    if may_change_indicators:
        with step("wait for the summaries' recomputation"):
            wait_for_recomputation()
    with holding(app.state.publish_lock, "the publication lock"):
        with step("indicators"):
            recomputed = may_change_indicators and recompute_if_stale(store, summaries=False) is not None
        runner: QueryRunner | RemoteQueryRunner = app.state.query_runner
        if isinstance(runner, QueryRunner):  # a remote store has no snapshots: its readers see it live
            with step("snapshot"):
                runner.snapshot = app.state.snapshots.create(store)
                app.state.snapshots.remove_unused(keep=runner.snapshots_in_use())
        views: Views = app.state.views
        views.advance()  # restricted views are rebuilt from the new state on their next request
        views.remove_unused(keep=runner.snapshots_in_use())
    # Search follows (api/search_upkeep.py), outside the publication lock: the next writer's snapshot need not wait
    # for this one's search (4 s after a feed under load). Each refresh reads its graphs as the store holds them
    # when it runs, so two may finish in either order.
    app.state.search.refresh(_graphs_to_search(app, written, recomputed=recomputed))
    app.state.metrics.store_changed()
    if recompute and not summaries_status(store).fresh:
        app.state.summaries.request()
    release_free_memory()  # what the write freed, back to the system (api/allocator.py)


def _graphs_to_search(app: FastAPI, written: Iterable[NamedNode] | None, *, recomputed: bool) -> set[str] | None:
    """The graphs search must re-read after a write to ``written`` (None: all of them)."""
    base = app.state.settings.public_base_iri
    if written is None:
        return None
    graphs = {iris.ANALYTICS_GRAPH.value, iris.SUMMARIES_GRAPH.value} if recomputed else set()
    for graph in written:
        graphs.add(graph.value)
        parsed = iris.parse_partner_graph(graph.value, base=base)
        if parsed is not None:  # a partner graph records itself in its catalog companion
            graphs |= {iris.partner_catalog_graph(parsed.slug, parsed.name, base=base).value,
                       iris.partner_links_graph(parsed.slug, parsed.name, base=base).value}
        else:  # a hub graph, in the hub's catalog (the most read of the refresh: 23,000 triples at the bundled data)
            graphs.add(iris.CATALOG_GRAPH.value)
    return graphs


def _recompute_in_background(app: FastAPI) -> None:
    if recompute_if_stale(app.state.store) is not None:
        publish_snapshot(app, [iris.SUMMARIES_GRAPH, iris.ANALYTICS_GRAPH], recompute=False)


def _release_unused(snapshots: Snapshots, views: Views, in_use: set[Path]) -> None:
    snapshots.remove_unused(keep=in_use)
    views.remove_unused(keep=in_use)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_configured_store(settings)
        recompute_if_stale(store)  # a store loaded by an older critmin, or changed while we were down
        snapshots = Snapshots(settings.store)
        snapshots.clear()  # checkpoints of an earlier run are stale
        views = Views(settings.store)
        views.clear()  # views of an earlier run are stale too
        runner: QueryRunner | RemoteQueryRunner
        if settings.store_backend == "remote":
            settings.store.parent.mkdir(parents=True, exist_ok=True)  # the local caches (dumps) live beside it
            runner = RemoteQueryRunner(query_url=settings.remote_query_url, timeout_ms=settings.query_timeout_ms,
                                       max_result_bytes=settings.query_max_result_bytes,
                                       concurrency=settings.query_workers,
                                       per_client=settings.query_workers_per_client, auth=settings.remote_auth)
        else:
            runner = QueryRunner(
                snapshot=snapshots.create(store),
                workers=settings.query_workers,
                timeout_ms=settings.query_timeout_ms,
                max_result_bytes=settings.query_max_result_bytes,
                workers_per_client=settings.query_workers_per_client,
                quick_workers=settings.query_quick_workers,
                quick_limit_ms=settings.query_quick_limit_ms,
            )
            runner.on_snapshot_released = lambda in_use: _release_unused(snapshots, views, in_use)
        runner.observe = app.state.metrics.observe_query
        app.state.store, app.state.snapshots, app.state.query_runner = store, snapshots, runner
        app.state.views = views
        app.state.run_id = time.strftime("%Y%m%d%H%M%S")  # names this run's remote dump caches apart from older runs'
        app.state.search = SearchUpkeep(app.state, store)  # the index in app.state.search_index
        app.state.summaries = Refresher(lambda: _recompute_in_background(app), name="critmin-summaries")
        try:
            yield
        finally:
            # under `critmin serve`, stopping keeps within shutdown_grace_s (api/serving.py): a recomputation cut
            # off is removed whole at the next start, as a crash's would be
            deadline = getattr(app.state, "shutdown_deadline", None)
            wait_s = SHUTDOWN_WAIT_S if deadline is None else max(deadline - time.monotonic(), 0.0)
            app.state.summaries.stop(wait_s)
            app.state.search.stop(wait_s)
            if isinstance(runner, RemoteQueryRunner):
                await runner.aclose()
                store.close()
            else:
                runner.close()
            snapshots.clear()
            views.clear()
            app.state.store = None
            del store

    app = FastAPI(
        title="critmin",
        version=SOFTWARE_VERSION,
        description="Knowledge graph of critical-mineral supply chains: SPARQL 1.1 endpoint and linked data.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.publish_lock = threading.Lock()
    app.state.metrics = Metrics(app.state, backend=settings.store_backend)
    install_request_ids()  # log lines written while a request is answered carry its id
    app.add_middleware(NamedBodyLimits)  # Starlette's plain-text 413, as our JSON naming the limit
    app.add_middleware(RequestMiddleware, service=app)  # request ids, rate limits, metrics, a log line per request
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RemoteStoreError, remote_store_error)  # 502, naming no address (api/upstream_errors)

    def include(router: APIRouter, *, reads_own_bodies: bool = False) -> None:
        """A router whose routes let FastAPI read their bodies (forms, JSON) gets request_max_bytes: FastAPI stops
        reading past it, so no form is spooled or held whole first. Those that read their own bodies with limits
        of their own (api/request_bodies.py) are left to them, whose 413 names the setting."""
        app.include_router(router, max_body_size=None if reads_own_bodies else settings.request_max_bytes)

    from fastapi.staticfiles import StaticFiles

    from api.observability import metrics
    from api.routers import health, home, sparql, workbench

    include(health.router)  # /healthz, /readyz
    include(metrics.router)  # /metrics
    include(workbench.router)  # before the /static mount: it serves /static/vendor/ (an allowlist)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    include(sparql.router, reads_own_bodies=True)
    include(home.router)
    from api.routers import browse, publishing, search

    include(search.router)
    include(browse.router)
    include(publishing.router)
    from api.routers import entities  # linked-data pages: /id/…, /graph/…, /ontology/…

    include(entities.router)
    from api.routers import review  # /review: extracted facts to accept, reject or fix

    include(review.router)
    from api.routers import whoami  # /whoami: what a token stands for

    include(whoami.router)
    from api.routers import store  # /store: the Graph Store Protocol on partner graphs

    include(store.router, reads_own_bodies=True)
    from api.routers import documents  # POST /documents: upload a document, extract its facts

    include(documents.router, reads_own_bodies=True)
    from api.routers import reconcile  # /reconcile: the Reconciliation Service API (OpenRefine)

    include(reconcile.router)
    from api.routers import update  # POST /update: SPARQL Update on a partner's own graphs

    include(update.router, reads_own_bodies=True)
    from api.routers import links  # /links: link discovery between partner graphs and ours

    include(links.router)
    from api.routers import indicators  # /api/indicators/…: concentration, import reliance, list overlap (JSON)

    include(indicators.router)
    from api.routers import whatif  # /api/bottlenecks, /api/what-if: supply-chain bottlenecks and removals

    include(whatif.router)
    from api.routers import dashboard, events  # /dashboard: risk signals per commodity; its events feed and Atom

    include(events.router)  # before dashboard: /dashboard/events… must not match /dashboard/{commodity}
    include(dashboard.router)
    from api.routers import admin  # POST /admin/backup: a checkpoint of the store for `critmin backup`

    include(admin.router)
    from api.routers import feeds  # POST /admin/feeds/{name}: reload a feed while serving

    include(feeds.router)
    return app
