"""A request's body read up to a limit, refused as soon as it is known to be longer: by its Content-Length, else by
the bytes as they arrive (a client's header may be missing or untrue), so an oversized body is never held whole."""

from __future__ import annotations

import json

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a multipart form adds around the file it carries (boundaries, part headers, short fields such as a title):
# a form may be this much larger than the file limit of its route
FORM_OVERHEAD_BYTES = 64 * 1024


async def read_body(request: Request, limit_bytes: int, too_large: Exception) -> bytes:
    """The body, or ``too_large`` raised (the route's own 413, naming its setting) once it is over ``limit_bytes``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # so that request.body() and request.form() read what was read here
    return body


_STARLETTES_413 = "Content Too Large"


def _too_large(scope: Scope, limit: int) -> str:
    return (f"the request body is larger than {limit:,} bytes, the most {scope['method']} {scope['path']} takes "
            "(setting request_max_bytes)")


async def http_error(request: Request, error: HTTPException) -> Response:
    """FastAPI's answer to an HTTP error, but a 413 of FastAPI's body limit (routers without limits of their own,
    ``create_app``) says what the limit is and which setting holds it."""
    limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    if error.status_code == 413 and isinstance(limit, int) and error.detail == _STARLETTES_413:
        error = HTTPException(413, _too_large(request.scope, limit))
    return await http_exception_handler(request, error)


class NamedBodyLimits:
    """The same for the 413 Starlette's body limit sends itself, as plain text past any exception handler (when a
    declared Content-Length is over the limit): rewritten into the JSON error every other refusal is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def send_named(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] == 413 \
                    and isinstance(scope.get(MAX_BODY_SIZE_SCOPE_KEY), int):
                held = message  # Starlette's own, or a route's: the body tells
                return
            if held is not None and message["type"] == "http.response.body":
                start, held = held, None
                if message.get("body") == _STARLETTES_413.encode() and not message.get("more_body"):
                    body = json.dumps({"detail": _too_large(scope, scope[MAX_BODY_SIZE_SCOPE_KEY])}).encode()
                    headers = [(k, v) for k, v in start.get("headers", [])
                               if k.lower() not in (b"content-type", b"content-length")]
                    start = {**start, "headers": [*headers, (b"content-type", b"application/json"),
                                                  (b"content-length", str(len(body)).encode())]}
                    message = {**message, "body": body}
                await send(start)
            await send(message)

        await self.app(scope, receive, send_named)
