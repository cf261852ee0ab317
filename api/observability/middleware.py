"""The ASGI middleware every HTTP request goes through: request id, rate limit, metrics and the request's log line.

A plain ASGI middleware, not Starlette's ``BaseHTTPMiddleware``: responses stream through untouched and the request
id's context variable is set in the task that runs the route. It reads the route's template after the app has
routed the request (Starlette leaves the matched route in the scope), so that metrics and logs are labelled
``/id/{kind}/{key:path}``, never with a raw path. Health checks and scrapes are never rate limited, nor counted as
requests in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability.clients import Client, ClientResolver
from api.observability.metrics import Metrics
from api.observability.rate_limits import TokenBuckets
from api.observability.request_logs import REQUEST_ID, REQUESTS_LOGGER, request_fields, request_id_from
from kg.timings import recording, server_timing

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"
log = logging.getLogger(REQUESTS_LOGGER)


class RequestMiddleware:
    """Installed by ``create_app``; ``service`` is the FastAPI app, whose state holds the settings and metrics."""

    def __init__(self, app: ASGIApp, *, service: Any) -> None:
        self.app = app
        self.service = service
        settings = service.state.settings
        self.metrics: Metrics = service.state.metrics
        self.clients = ClientResolver(settings.accounts_db)
        self.buckets = (TokenBuckets(rate_per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
                        if settings.rate_limit_per_s > 0 and settings.rate_limit_burst > 0 else None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        request_id = request_id_from(headers.get("x-request-id"))
        reset = REQUEST_ID.set(request_id)
        exempt = scope["path"] in EXEMPT_PATHS
        status = 500  # what the client gets if the app fails before answering (the server error handler's answer)
        answered = False
        steps: dict[str, float] = {}

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                added = [(b"x-request-id", request_id.encode("ascii"))]
                if steps:
                    added.append((b"server-timing", server_timing(steps).encode("ascii")))
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        peer = scope.get("client")
        client = await self.clients.resolve(headers.get("authorization"), peer[0] if peer else "unknown")
        scope.setdefault("state", {})["client"] = client  # routes share capacity out by it too (api.auth.client_key)
        if not exempt:
            self.metrics.in_flight.inc()
        try:
            wait = self.buckets.take(client.key) if self.buckets is not None and not exempt else 0.0
            if wait > 0:
                await self._too_many(client, wait, send_with_id)
                scope.setdefault("route", _matching_route(self.service, scope))
            else:
                with recording() as steps:
                    await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            # uvicorn cancels what is still running when shutdown_grace_s is over (api/serving.py): say so rather
            # than let the server answer a bare 500, and end the request quietly; anything else cancelled goes on
            if answered or getattr(self.service.state, "shutdown_deadline", None) is None:
                raise
            status = 503
            await _cut_off(send_with_id)
        finally:
            if not exempt:
                self.metrics.in_flight.dec()
            self._record(scope, client, status, time.perf_counter() - started, steps)
            REQUEST_ID.reset(reset)

    async def _too_many(self, client: Client, wait_s: float, send: Send) -> None:
        self.metrics.rate_limited.labels(client.kind).inc()
        retry_after = max(1, math.ceil(wait_s))  # RFC 9110: a whole number of seconds
        limits = self.service.state.settings
        detail = (f"too many requests: this client may send {limits.rate_limit_per_s:g} requests per second, in bursts "
                  f"of up to {limits.rate_limit_burst} (settings rate_limit_per_s, rate_limit_burst); retry after "
                  f"{retry_after} s")
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, client: Client, status: int, seconds: float, steps: dict[str, float]) -> None:
        route = _route_template(scope)
        method = scope["method"]
        self.metrics.observe_request(method, route, status, seconds)
        fields = request_fields(method=method, route=route, status=status, duration_ms=seconds * 1000,
                                client=client.address, partner=client.partner, steps=steps)
        log.info("%s %s %d %.1f ms", method, route, status, seconds * 1000, extra=fields)


async def _cut_off(send: Send) -> None:
    log.warning("request cut off: the server is stopping and its shutdown grace (shutdown_grace_s) is over")
    body = json.dumps({"detail": "the server is stopping and cut this request off (setting shutdown_grace_s); a "
                                 "write it had begun is either complete or absent: read it back before retrying"})
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body.encode()})


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return path + "/{path}" if isinstance(route, Mount) else path or "/"


def _matching_route(service: Any, scope: Scope) -> Any:
    """The route a request would have reached (for the labels of a request refused before routing)."""
    partial = None
    for route in service.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial
