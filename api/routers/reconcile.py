"""``/reconcile``: the W3C Entity Reconciliation CG's Reconciliation Service API, for OpenRefine and other clients.

Two endpoints over the same services (``kg/reconcile_*.py``):

- ``/reconcile`` speaks 0.2, as OpenRefine 3.x does: ``GET`` without parameters is the manifest; ``queries=``
  (GET or form POST) a JSON object of named queries; ``extend=`` data extension; ``query=`` a single 0.1 query;
  ``callback=`` wraps any JSON answer as JSONP. Its suggest, preview and property-proposal services live at
  ``/reconcile/suggest/{entity,type,property}``, ``/reconcile/preview`` and ``/reconcile/propose_properties``.
- ``/reconcile/v1`` is the 1.0 draft's endpoint: ``GET`` the manifest, ``POST /reconcile/v1/reconcile`` a JSON
  query batch, ``/suggest/{entity,type,property}``, ``/preview``, ``POST /extend``, ``/extend/propose``.

Every route reads through ``source_for(view)``, the caller's view (``kg/views.py``); every answer allows cross-origin
use (CORS), as 0.2 requires.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import ViewDep
from api.openapi_params import described, form
from api.routers.publishing import base_url
from kg.loading import SOFTWARE_VERSION
from kg.reconcile_match import Candidate, match
from kg.reconcile_queries import MatchQuery, QueryError, parse_batch_v02, parse_batch_v1, parse_json, parse_query
from kg.reconcile_schema import DEFAULT_KINDS, ID_SPACE, SCHEMA_SPACE, TYPES, entity_id
from kg.reconcile_services import (
    extend,
    extend_meta,
    parse_extend,
    preview,
    propose_properties,
    suggest_entities,
    suggest_properties,
    suggest_types,
)
from kg.reconcile_source import ReconcileSource
from kg.views import View

router = APIRouter(tags=["Reconciliation"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 200
SERVICE_NAME = "critmin: critical-mineral supply chains (companies, facilities, commodities, countries)"
CORS = {"Access-Control-Allow-Origin": "*"}
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")  # a JavaScript name, never script
PROPERTY_SETTINGS = [{"name": "limit", "label": "Limit", "type": "number", "default": 0,
                      "help_text": "The most values to fetch per entity; 0 for all of them"}]
Prefix = Annotated[str, Query(description="What the user has typed")]
Cursor = Annotated[int, Query(ge=0, description="How many suggestions to skip")]


def source_for(view: View) -> ReconcileSource:
    """What this caller's reconciliation may read: its view's store and index, so only graphs it may read."""
    return ReconcileSource(view.store, view.search_index())


def answer(data: Any, callback: str | None = None, status_code: int = 200) -> Response:
    """JSON, or JSONP when a ``callback`` is given (0.2 allows it; OpenRefine's browser side still uses it)."""
    if callback:
        if not _CALLBACK.match(callback) or len(callback) > 100:
            raise HTTPException(400, f"callback: {callback[:100]!r} is not a JavaScript function name")
        body = f"/**/{callback}({json.dumps(data, ensure_ascii=False)});"
        return Response(body, status_code, media_type="application/javascript", headers=CORS)
    return JSONResponse(data, status_code, headers=CORS)


def _types_json(kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return [TYPES[kind].as_json() for kind in kinds]


def manifest_v02(request: Request) -> dict[str, Any]:
    base = base_url(request)
    service = f"{base}/reconcile"
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": ID_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "documentation": f"{base}/docs#/Reconciliation",
        "serviceVersion": SOFTWARE_VERSION,
        "defaultTypes": _types_json(DEFAULT_KINDS),
        "view": {"url": f"{base}/id/{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {name: {"service_url": service, "service_path": f"/suggest/{name}"}
                    for name in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": service, "service_path": "/propose_properties"},
                   "property_settings": PROPERTY_SETTINGS},
        "batchSize": request.app.state.settings.reconcile_batch_max_queries,
    }


def manifest_v1(request: Request) -> dict[str, Any]:
    base = base_url(request)
    return {
        "versions": ["1.0-draft"],
        "name": SERVICE_NAME,
        "documentation": f"{base}/docs#/Reconciliation",
        "serviceVersion": SOFTWARE_VERSION,
        "defaultTypes": _types_json(DEFAULT_KINDS),
        "view": {"url": f"{base}/id/{{+id}}"},  # ids hold "/", which {+id} keeps
        "preview": {"width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {"entity": True, "type": True, "property": True},
        "extend": {"propose_properties": True, "property_settings": PROPERTY_SETTINGS},
        "batchSize": request.app.state.settings.reconcile_batch_max_queries,
    }


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    summary = candidate.summary
    return {
        "id": entity_id(candidate.iri),
        "name": candidate.name,
        "description": summary.description if summary else "",
        "type": [t.as_json() for t in summary.types] if summary else [],
        "score": candidate.score,
        "match": candidate.match,
        "features": candidate.features,
    }


def _check_batch_size(request: Request, count: int) -> None:
    most = request.app.state.settings.reconcile_batch_max_queries
    if count > most:
        raise HTTPException(413, f"queries: {count} queries in one batch; at most {most} "
                                 "(setting reconcile_batch_max_queries)")


def _bad(error: QueryError) -> HTTPException:
    return HTTPException(400, str(error))


async def _parameters(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            params |= {key: value for key, value in form.items() if isinstance(value, str)}
        elif content_type.startswith("application/json"):
            raise HTTPException(415, "POST /reconcile takes form fields (queries=, extend=) as OpenRefine sends "
                                     "them; POST a 1.0 JSON batch to /reconcile/v1/reconcile")
    return params


# The parameters of the 0.2 protocol, read by hand (a query string or a form), declared for /openapi.json
_V02_QUERY = {"queries": "A JSON batch of queries", "query": "One query: a name or a JSON object",
              "extend": "A JSON data extension request", "callback": "A JSONP callback name"}
_V02 = described(query=_V02_QUERY)
_V02_FORM = described(query=_V02_QUERY, body={"application/x-www-form-urlencoded": form(*_V02_QUERY)})


@router.get("/reconcile", summary="Reconciliation service 0.2 (OpenRefine)", openapi_extra=_V02)
@router.post("/reconcile", summary="Reconciliation service 0.2 (OpenRefine), queries as a form",
             openapi_extra=_V02_FORM)
async def reconcile_v02(request: Request, view: ViewDep) -> Response:
    params = await _parameters(request)
    callback = params.get("callback")
    source = source_for(view)
    try:
        if "queries" in params:
            batch = parse_batch_v02(params["queries"])
            _check_batch_size(request, len(batch))
            return answer({key: {"result": [candidate_json(c) for c in match(source, query)]}
                           for key, query in batch.items()}, callback)
        if "extend" in params:
            wanted = parse_extend(parse_json(params["extend"], "extend"))
            rows = extend(source, wanted)
            return answer({"meta": extend_meta(wanted), "rows": rows}, callback)
        if "query" in params:  # a single query (0.1): a plain name or one JSON query object
            text = params["query"]
            single = parse_query(parse_json(text, "query") if text.lstrip().startswith("{") else text, "query")
            return answer({"result": [candidate_json(c) for c in match(source, single)]}, callback)
    except QueryError as error:
        raise _bad(error) from None
    return answer(manifest_v02(request), callback)


@router.get("/reconcile/v1", summary="Reconciliation service 1.0 draft: the manifest")
def manifest_v1_route(request: Request) -> Response:
    return answer(manifest_v1(request))


@router.post("/reconcile/v1/reconcile", summary="Reconciliation 1.0 draft: a JSON batch of queries",
             openapi_extra=described(body={"application/json": {"type": "object", "properties": {
                 "queries": {"type": "array", "items": {"type": "object"}}}}}))
async def reconcile_v1(request: Request, view: ViewDep) -> Response:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, 'body: not valid JSON; send {"queries": [...]} as application/json') from None
    try:
        queries: list[MatchQuery] = parse_batch_v1(body)
    except QueryError as error:
        raise _bad(error) from None
    _check_batch_size(request, len(queries))
    source = source_for(view)
    return answer({"results": [{"candidates": [candidate_json(c) for c in match(source, query)]}
                               for query in queries]})


@router.get("/reconcile/suggest/entity", summary="Suggest entities by the start of a name (0.2)")
@router.get("/reconcile/v1/suggest/entity", summary="Suggest entities by the start of a name (1.0 draft)")
def suggest_entity(view: ViewDep, prefix: Prefix = "", cursor: Cursor = 0, type: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=50)] = 10, callback: str | None = None) -> Response:
    found = suggest_entities(source_for(view), prefix, types=[type] if type else None, cursor=cursor,
                             limit=limit)
    return answer({"prefix": prefix, "result": found}, callback)


@router.get("/reconcile/suggest/type", summary="Suggest types (0.2)")
@router.get("/reconcile/v1/suggest/type", summary="Suggest types (1.0 draft)")
def suggest_type(prefix: Prefix = "", cursor: Cursor = 0, callback: str | None = None) -> Response:
    return answer({"prefix": prefix, "result": suggest_types(prefix, cursor=cursor)}, callback)


@router.get("/reconcile/suggest/property", summary="Suggest properties (0.2)")
@router.get("/reconcile/v1/suggest/property", summary="Suggest properties (1.0 draft)")
def suggest_property(prefix: Prefix = "", cursor: Cursor = 0, type: str | None = None,
                     callback: str | None = None) -> Response:
    return answer({"prefix": prefix, "result": suggest_properties(prefix, type_id=type, cursor=cursor)}, callback)


@router.get("/reconcile/preview", summary="A small HTML card about an entity (0.2)")
@router.get("/reconcile/v1/preview", summary="A small HTML card about an entity (1.0 draft)")
def preview_card(request: Request, view: ViewDep,
                 id: Annotated[str, Query(description="An entity id or IRI")]) -> Response:
    card = preview(source_for(view), id)
    if card is None:
        raise HTTPException(404, f"id: no entity {id!r}")
    iri = card.summary.iri
    page = f"{base_url(request)}/id/{entity_id(iri)}" if iri.startswith(ID_SPACE) else iri
    response = templates.TemplateResponse(request, "reconcile_preview.html", {
        "summary": card.summary, "facts": card.facts, "identifier": entity_id(card.summary.iri), "page": page})
    response.headers.update(CORS)
    return response


@router.get("/reconcile/propose_properties", summary="Properties to fetch for a type (0.2 data extension)")
@router.get("/reconcile/v1/extend/propose", summary="Properties to fetch for a type (1.0 draft data extension)")
def propose(type: Annotated[str, Query(description="A type id")],
            limit: Annotated[int, Query(ge=1, le=100)] = 10, callback: str | None = None) -> Response:
    try:
        properties = propose_properties(type, limit=limit)
    except QueryError as error:
        raise _bad(error) from None
    return answer({"type": type, "limit": limit, "properties": properties}, callback)


@router.post("/reconcile/v1/extend", summary="Data extension (1.0 draft): property values of entities",
             openapi_extra=described(body={"application/json": {"type": "object", "properties": {
                 "ids": {"type": "array", "items": {"type": "string"}},
                 "properties": {"type": "array", "items": {"type": "object"}}}}}))
async def extend_v1(request: Request, view: ViewDep) -> Response:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, 'body: not valid JSON; send {"ids": [...], "properties": [...]}') from None
    try:
        wanted = parse_extend(body, "body")
    except QueryError as error:
        raise _bad(error) from None
    rows = extend(source_for(view), wanted)
    return answer({
        "meta": extend_meta(wanted),
        "rows": [{"id": identifier, "properties": [{"id": pid, "values": values} for pid, values in row.items()]}
                 for identifier, row in rows.items()],
    })


@router.options("/reconcile/{path:path}", include_in_schema=False)
@router.options("/reconcile", include_in_schema=False)
def preflight() -> Response:
    """CORS preflight for the JSON POSTs of the 1.0 draft."""
    return Response(status_code=204, headers=CORS | {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                                     "Access-Control-Allow-Headers": "Content-Type, Authorization"})
