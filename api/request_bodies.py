"""A request's body read up to a limit, refused as soon as it is known to be longer: by its Content-Length, else by
the bytes as they arrive (a client's header may be missing or untrue), so an oversized body is never held whole."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

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


async def http_error(request: Request, error: HTTPException) -> Response:
    """FastAPI's answer to an HTTP error, but a 413 of FastAPI's body limit (routers without limits of their own,
    ``create_app``) says what the limit is and which setting holds it."""
    limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    if error.status_code == 413 and isinstance(limit, int) and error.detail == "Content Too Large":
        error = HTTPException(413, f"the request body is larger than {limit:,} bytes, the most {request.method} "
                                   f"{request.url.path} takes (setting request_max_bytes)")
    return await http_exception_handler(request, error)
