"""``POST /admin/backup`` (admin token): the server, which holds the store, checkpoints it for `critmin backup`.

Only the process that holds the RocksDB store can copy it consistently (``kg/backup.py`` says why), so
`critmin backup` asks the running server. The checkpoint goes into ``<store>.backups/`` beside the store, never to a
path the request names; the answer gives its folder, which `critmin backup` (on the same machine) then moves into
the backup. With a remote store there is nothing here to copy: its own server backs it up.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import require
from kg.accounts import Caller
from kg.backup import make_checkpoint
from kg.settings import Settings

router = APIRouter(tags=["Operations"])


@router.post("/admin/backup", status_code=201, summary="Checkpoint the store for `critmin backup` (admin)")
async def create_checkpoint(request: Request, caller: Annotated[Caller, Depends(require("admin"))]) -> JSONResponse:
    settings: Settings = request.app.state.settings
    if settings.store_backend == "remote":
        raise HTTPException(409, "the store is a remote SPARQL server: back it up with that server's own tool "
                                 "(e.g. oxigraph backup); critmin backup copies the embedded store only")
    folder = await run_in_threadpool(make_checkpoint, request.app.state.store, settings.store)
    return JSONResponse({"checkpoint": str(folder.resolve())}, status_code=201, headers={"Cache-Control": "no-store"})
