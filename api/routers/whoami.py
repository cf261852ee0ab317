"""``GET /whoami``: who the service takes the caller to be, so a partner can check its token with curl.

Answers JSON: ``{"partner": "bgs", "scopes": ["read"], "token_id": "…"}``, or ``partner: null`` and no scopes without
a token; a bad token is the 401 of ``api/auth.py``. Never cached, since the answer depends on a header.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import CallerDep

router = APIRouter(tags=["Accounts"])


@router.get("/whoami", summary="The partner, scopes and token id of the caller's token (JSON)")
def whoami(caller: CallerDep) -> JSONResponse:
    body = {"partner": caller.partner, "scopes": sorted(caller.scopes), "token_id": caller.token_id}
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Vary": "Authorization"})
