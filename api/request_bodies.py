"""A request's body read up to a limit, refused as soon as it is known to be longer: by its Content-Length, else by
the bytes as they arrive (a client's header may be missing or untrue), so an oversized body is never held whole."""

from __future__ import annotations

from fastapi import Request


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
