"""A request's body read up to a limit, refused as soon as it is known to be longer: by its Content-Length, else by
the bytes as they arrive (a client's header may be missing or untrue), so an oversized body is never held whole."""

from __future__ import annotations

from fastapi import Request


class BodyTooLarge(Exception):
    """The body is longer than the limit; the rest of it was not read."""


async def read_body(request: Request, limit_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise BodyTooLarge()
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # so that request.body() and request.form() read what was read here
    return body
