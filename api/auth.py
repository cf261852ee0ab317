"""Who is calling: FastAPI dependencies that turn ``Authorization: Bearer <token>`` into a ``Caller``.

``current_caller`` gives ``ANONYMOUS`` when there is no Authorization header and the token's caller when it is valid;
a malformed header or an unknown or revoked token is a 401 (RFC 6750 ``error="invalid_token"``) rather than a quiet
fall back to anonymous, so a client learns at once that its token no longer works. ``require(scope)`` adds: 401 for
anonymous callers, 403 for tokens without the scope. In a route::

    @router.post("/thing")
    def change(caller: Annotated[Caller, Depends(require("admin"))]) -> ...

The dependencies are plain functions, so FastAPI runs them in its threadpool; each lookup opens its own SQLite
connection (``kg/accounts.py``), which is what makes that safe. A token is never echoed in a response or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from kg.accounts import ANONYMOUS, AccountError, Caller, authenticate, looks_like_token, parse_scopes

HEADER_SHAPE = "'Authorization: Bearer <token>'"


def current_caller(request: Request) -> Caller:
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _invalid(f"the Authorization header must be {HEADER_SHAPE}")
    if not looks_like_token(token):
        raise _invalid(f"the token in {HEADER_SHAPE} is not a critmin API token (those look like cm_<id>_<secret>)")
    try:
        caller = authenticate(request.app.state.settings.accounts_db, token)
    except AccountError as error:  # an unusable accounts file is the server's problem, not the client's
        raise HTTPException(503, "tokens cannot be checked right now: the accounts database is unavailable") from error
    if caller is None:
        raise _invalid(f"the token in {HEADER_SHAPE} is unknown or revoked")
    return caller


def client_key(request: Request) -> str:
    """Who to count a request against when sharing capacity out: the partner of a valid token, else the client's
    address (behind a proxy, uvicorn's ``--forwarded-allow-ips`` makes that the forwarded one), as the request
    middleware resolved it for the rate limit (``api.observability.clients``)."""
    client = getattr(request.state, "client", None)
    if client is not None:
        return client.key
    return f"address:{request.client.host if request.client else 'unknown'}"


CallerDep = Annotated[Caller, Depends(current_caller)]


def require(scope: str) -> Callable[[Caller], Caller]:
    """A dependency that lets through only callers whose token has ``scope`` (or a scope that implies it)."""
    parse_scopes([scope])  # a typo in a route's scope fails at import, not on the first request

    def dependency(caller: CallerDep) -> Caller:
        if caller.partner is None:
            raise HTTPException(401, f"this needs an API token with the {scope!r} scope, sent as {HEADER_SHAPE}",
                                headers={"WWW-Authenticate": "Bearer"})
        if not caller.can(scope):
            held = ", ".join(sorted(caller.scopes)) or "none"
            raise HTTPException(403, f"this needs the {scope!r} scope; your token has: {held}",
                                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})
        return caller

    return dependency


def _invalid(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
