"""``GET /healthz`` and ``GET /readyz``: whether the process answers, and whether it can serve readers now.

``/healthz`` (liveness) answers 200 as long as the process does, touching nothing else: what a supervisor watches to
restart a hung process. ``/readyz`` (readiness) checks what every request needs: the store lists its graphs, the
accounts database opens, the search index is built. It answers 200 with each check, or 503 with the failing ones
named, so a load balancer sends traffic elsewhere until they pass. The query workers are not probed: a probe would
queue behind the queries it should not be judged by. Neither answer is cached.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kg.accounts import AccountError, connect
from kg.remote_store import RemoteStoreError
from kg.settings import Settings
from kg.store import graph_names

router = APIRouter(tags=["Operations"])
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz", summary="Liveness: 200 while the process answers (JSON)")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get("/readyz", summary="Readiness: 200 when the store, the accounts database and search can serve, else 503")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    settings: Settings = state.settings
    checks: dict[str, dict[str, Any]] = {}
    try:
        checks["store"] = {"ok": True, "graphs": len(graph_names(state.store))}
    except (OSError, RemoteStoreError) as error:
        checks["store"] = {"ok": False, "error": f"the store cannot be read: {error}"}
    try:
        with connect(settings.accounts_db):
            checks["accounts"] = {"ok": True}
    except AccountError as error:
        checks["accounts"] = {"ok": False, "error": str(error)}
    index = getattr(state, "search_index", None)
    checks["search"] = ({"ok": True, "labels": len(index)} if index is not None
                        else {"ok": False, "error": "the search index is not built yet"})
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503, headers=_NO_STORE)
