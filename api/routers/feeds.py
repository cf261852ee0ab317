"""``POST /admin/feeds/{name}`` (admin token): reload a structured feed from its bundled file while serving.

The server holds the embedded store, so `critmin feed load` cannot run beside it; this route does the same load
in the server: the feed's graph is replaced all-or-nothing (``kg.loading.replace_graph``), the indicators it feeds
are recomputed before readers see the new data, and the hub summaries follow in the background
(``publish_snapshot``). One feed load runs at a time; a second waits for the first.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import require
from extractors.feeds.base import Feed
from extractors.feeds.registry import UnknownFeedError, get_feed
from kg.accounts import Caller
from kg.loading import LoadError, LoadReport, load_feed
from kg.timings import holding, step

router = APIRouter(tags=["Operations"])
_one_at_a_time = threading.Lock()


@router.post("/admin/feeds/{name}", summary="Reload a structured feed from its bundled file (admin)")
async def reload_feed(request: Request, name: str, caller: Annotated[Caller, Depends(require("admin"))],
                      strict: bool = False) -> JSONResponse:
    try:
        feed = get_feed(name)
    except UnknownFeedError as error:
        raise HTTPException(404, error.args[0]) from None
    try:
        report = await run_in_threadpool(_load, request, feed, strict)
    except LoadError as error:
        raise HTTPException(422, f"feed {name}: {error}; the store is unchanged") from None
    with step("publish"):
        await run_in_threadpool(publish_snapshot, request.app, [NamedNode(report.graph)])
    return JSONResponse({
        "graph": report.graph, "triples": report.triples, "records_read": report.records_read,
        "rejected_rows": report.rejected_rows, "seconds": round(report.seconds, 3),
    }, headers={"Cache-Control": "no-store"})


def _load(request: Request, feed: Feed, strict: bool) -> LoadReport:
    with holding(_one_at_a_time, "the feed lock"), step("load"):
        return load_feed(request.app.state.store, feed, strict=strict)
