"""The answer when the remote store behind this service (``store_backend = "remote"``) fails a request a route made
to it: 502 Bad Gateway, since the fault is upstream, not in the caller's request nor in this service. The caller
learns what kind of failure it was, never the store's address; the log line has it all."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse

from kg.remote_store import RemoteStoreError

log = logging.getLogger("critmin")


async def remote_store_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RemoteStoreError)
    log.warning("the remote store failed %s %s: %s", request.method, request.url.path, error)
    if error.status in (401, 403):
        detail = (f"the SPARQL store behind this service refused its credentials (it answered {error.status}); the "
                  "administrator sets them in remote_username and remote_password")
    elif error.status is None:
        detail = "the SPARQL store behind this service could not be reached or did not answer in time"
    else:
        detail = f"the SPARQL store behind this service failed this request (it answered {error.status})"
    return JSONResponse({"detail": detail}, status_code=502, headers={"Cache-Control": "no-store"})
