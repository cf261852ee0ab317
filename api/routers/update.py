"""``POST /update``: SPARQL 1.1 Update (the Protocol's update operation) on the caller's own partner graphs.

A token with the ``write`` scope may change the partner graphs of its partner; an ``admin`` token any partner graph.
The update runs over those graphs only (``kg/partner_update.py`` says why and what that costs); a write anywhere else
refuses it whole (403). Every graph it changed is validated against our shapes before any is written (422 with the
report, naming the graph), then each is written as a Graph Store upload would be: atomically, with its catalog entry,
private unless already shared. The body is ``application/sparql-update``, or a form with ``update=``; the Protocol's
``using-graph-uri`` and ``using-named-graph-uri`` are not supported (400). Success is 204, as on Oxigraph's server.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import require
from api.openapi_params import described, form
from api.request_bodies import read_body
from api.routers import store as graph_store
from kg import graph_access, iris, partner_graphs
from kg.accounts import Caller
from kg.parser_guards import InputTooDeep, check_sparql_depth
from kg.partner_update import UpdateRefused, run_update
from kg.query_runner import syntax_error
from kg.remote_policy import RemoteAccessRefused, check_remote_access

router = APIRouter(tags=["SPARQL"])
UPDATE_MEDIA_TYPE = "application/sparql-update"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


@router.post("/update", status_code=204, summary="SPARQL 1.1 Update on your own partner graphs (write token)",
             openapi_extra=described(body={UPDATE_MEDIA_TYPE: {"type": "string"}, FORM_MEDIA_TYPE: form("update")}))
async def sparql_update(request: Request, caller: Annotated[Caller, Depends(require("write"))]) -> Response:
    settings = request.app.state.settings
    update = await _update_text(request, settings.query_max_request_bytes)
    try:
        check_sparql_depth(update)  # deeper nesting crashes pyoxigraph's parser, and with it this process
    except InputTooDeep as error:
        raise HTTPException(400, {"message": f"SPARQL Update syntax error: {error.message}", "line": error.line,
                                  "column": error.column}) from None
    try:
        check_remote_access(update, settings.remote_endpoint_allowlist, base_iri=settings.public_base_iri)
    except RemoteAccessRefused as refused:
        raise HTTPException(403, f"{refused}; this service only calls endpoints in remote_endpoint_allowlist") from None
    store, base = request.app.state.store, settings.public_base_iri
    partner = None if caller.can("admin") else caller.partner
    try:
        changes = await run_in_threadpool(run_update, store, update, partner=partner, base=base)
    except SyntaxError as error:
        parsed = syntax_error(str(error))
        where = {"line": parsed.line, "column": parsed.column} if parsed.line else {}
        raise HTTPException(400, {"message": f"SPARQL Update syntax error: {error}", **where}) from error
    except UpdateRefused as refused:
        raise HTTPException(403, str(refused)) from refused
    hidden = await run_in_threadpool(graph_access.hidden_graphs, settings.accounts_db, caller, base=base)
    for change in changes:
        if change.triples is None:
            continue
        report = await run_in_threadpool(partner_graphs.validate_upload, store, change.triples,
                                         hidden=frozenset(hidden) | {change.graph.value})
        if not report.conforms:
            return JSONResponse({**graph_store.report_json(report), "graph": change.graph.value}, status_code=422)
    for change in changes:
        target = graph_store.Target(change.graph, iris.parse_partner_graph(change.graph.value, base=base))
        if change.triples is None:
            await run_in_threadpool(partner_graphs.delete, store, change.graph, base=base)
            await run_in_threadpool(graph_access.unregister_graph, settings.accounts_db, change.graph.value)
        else:
            await graph_store.write_partner_graph(request, caller, target, change.triples,
                                                  dict.fromkeys(graph_store.UPLOAD_OPTIONS), append=False)
    await run_in_threadpool(publish_snapshot, request.app, [change.graph for change in changes])
    return Response(status_code=204)


async def _update_text(request: Request, limit_bytes: int) -> str:
    if request.query_params.get("using-graph-uri") or request.query_params.get("using-named-graph-uri"):
        raise HTTPException(400, "using-graph-uri and using-named-graph-uri are not supported: name graphs in the "
                                 "update itself (USING, WITH, GRAPH)")
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type not in (UPDATE_MEDIA_TYPE, FORM_MEDIA_TYPE):
        raise HTTPException(415, f"send the update as {UPDATE_MEDIA_TYPE}, or as a form ({FORM_MEDIA_TYPE}) with "
                                 "update=")
    body = await read_body(request, limit_bytes, HTTPException(
        413, f"the update is longer than {limit_bytes:,} bytes (setting query_max_request_bytes)"))
    if media_type == FORM_MEDIA_TYPE:
        text = (await request.form()).get("update")
        if not isinstance(text, str):
            raise HTTPException(400, "the form has no 'update' field: send update=<SPARQL Update>")
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise HTTPException(400, f"the update is not UTF-8 (byte {error.start})") from error
    if not text.strip():
        raise HTTPException(400, "the update is empty")
    return text

