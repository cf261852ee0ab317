"""OpenAPI declarations of what routes read by hand (``request.query_params``, ``request.body()``), so that the
description at /openapi.json, clients built from it and the fuzzing tests (tests/security/test_fuzz.py) reach them.

>>> described(query={"graph": "The graph's IRI"})["parameters"][0]["name"]
'graph'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TEXT = {"type": "string"}


def described(*, query: Mapping[str, str] = {}, required: tuple[str, ...] = (),
              body: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route: ``query`` names its string query parameters with their descriptions
    (``required`` among them), ``body`` maps each media type it takes to the schema of that body."""
    extra: dict[str, Any] = {"parameters": [
        {"name": name, "in": "query", "required": name in required, "schema": TEXT, "description": description}
        for name, description in (query or {}).items()
    ]}
    if body is not None:
        extra["requestBody"] = {"content": {media: {"schema": dict(schema)} for media, schema in body.items()}}
    return extra


def form(*fields: str, files: tuple[str, ...] = ()) -> dict[str, Any]:
    """The schema of a form body with string ``fields`` and file parts ``files``."""
    properties = {name: TEXT for name in fields} | {name: {"type": "string", "format": "binary"} for name in files}
    return {"type": "object", "properties": properties}
