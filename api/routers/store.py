"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (indirect graph identification), on partner graphs.

- ``GET``/``HEAD /store?graph=<iri>`` (or ``?default``): the graph, in the format ``Accept`` asks for; 404 when it
  does not exist or the caller may not read it (never 403, which would tell that it exists).
- ``PUT`` replaces (201 new, 204 replaced), ``POST`` appends (204; 201 when it created the graph), ``DELETE``
  (204, 404): only partner graphs ``{public_base_iri}graph/partner/{slug}/{name}``, a partner's own with a ``write``
  token, any with ``admin``; everything else is 403. Bodies: the triple formats of ``kg.partner_graphs``, by
  ``Content-Type`` (415 otherwise); at most ``upload_max_bytes`` (413); syntax errors 400 with line and column;
  SHACL violations 422 with the report. Options as query parameters: ``title``, ``description``, ``license``,
  ``visibility`` (public|partners), ``readers`` (comma-separated partner slugs).
- ``POST /store/spreadsheet?graph=<iri>&mode=replace|append``: a multipart form with ``mapping`` (TOML, see
  docs/mapping.md) and ``data`` (CSV or XLSX), then as a PUT or POST of what the mapping makes.
- ``GET``/``PUT /store/access?graph=<iri>``: who may read a partner graph; changing it is for its owner and admins.

Every write is followed by ``publish_snapshot`` so that SPARQL and the pages see it.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, serialize
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import HEADER_SHAPE, CallerDep
from api.deps import ViewDep
from api.formats import JSON_LD, N_QUADS, N_TRIPLES, RDF_XML, TRIG, TURTLE, choose_format, content_type
from api.openapi_params import described, form
from api.request_bodies import read_body
from kg import graph_access, iris, partner_graphs
from kg.accounts import AccountError, Caller
from kg.catalog import PartnerGraphDescription
from kg.settings import Settings
from kg.timings import step
from kg.validation import ValidationReport

router = APIRouter(tags=["Graph Store"])

N3 = "text/n3"
# What a graph can be read as, in the order we prefer; quad formats carry the graph's name.
READ_FORMATS: dict[str, RdfFormat] = {
    TURTLE: RdfFormat.TURTLE, N_TRIPLES: RdfFormat.N_TRIPLES, RDF_XML: RdfFormat.RDF_XML, JSON_LD: RdfFormat.JSON_LD,
    N3: RdfFormat.N3, N_QUADS: RdfFormat.N_QUADS, TRIG: RdfFormat.TRIG,
}
UPLOAD_OPTIONS = ("title", "description", "license", "visibility", "readers")
SPREADSHEET_MODES = ("replace", "append")
# The query parameters and bodies read by hand below, declared for /openapi.json
_GRAPH_PARAMETERS = {"graph": "The graph's absolute IRI", "default": "The default graph (instead of graph=)"}
_GRAPH = described(query=_GRAPH_PARAMETERS)
_UPLOAD = described(query=_GRAPH_PARAMETERS | {name: f"Catalog option: {name}" for name in UPLOAD_OPTIONS},
                    body={media: {"type": "string"} for media in partner_graphs.UPLOAD_FORMATS})
_SPREADSHEET = described(query={"graph": _GRAPH_PARAMETERS["graph"]} | {name: f"Catalog option: {name}"
                                                                        for name in UPLOAD_OPTIONS},
                         required=("graph",), body={"multipart/form-data": form(files=("mapping", "data"))})
_ACCESS = described(query=_GRAPH_PARAMETERS, body={"application/json": {
    "type": "object", "properties": {"visibility": {"type": "string", "enum": ["public", "partners"]},
                                     "readers": {"type": "array", "items": {"type": "string"}}}}})


@dataclass(frozen=True)
class Target:
    """The graph a request names: ``iri`` None for the default graph; ``partner`` when it is a partner graph."""

    iri: NamedNode | None
    partner: iris.PartnerGraphName | None

    def label(self) -> str:
        return "the default graph" if self.iri is None else f"<{self.iri.value}>"


# ---------------------------------------------------------------------------------------------------------------
# Reading


@router.get("/store", summary="Read a graph (SPARQL 1.1 Graph Store Protocol)", openapi_extra=_GRAPH)
@router.head("/store", summary="A graph's headers (SPARQL 1.1 Graph Store Protocol)", openapi_extra=_GRAPH)
def read_graph(request: Request, caller: CallerDep, view: ViewDep) -> Response:
    settings: Settings = request.app.state.settings
    target = _target(request, settings)
    store = view.store  # the caller's view: what may_read allows is in it, and nothing else
    if target.iri is not None and not _readable_and_present(request, caller, target, store):
        raise HTTPException(404, f"no graph {target.label()} here (or not one you may read)")
    media_type = choose_format(request.headers.get("accept"), list(READ_FORMATS), override=None, default=TURTLE)
    if media_type is None:
        raise HTTPException(406, f"cannot answer in any type the Accept header allows; available: "
                                 f"{', '.join(READ_FORMATS)}")
    fmt = READ_FORMATS[media_type]
    graph = target.iri or DefaultGraph()
    if fmt in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        body = serialize(store.quads_for_pattern(None, None, None, graph), format=fmt,
                         prefixes=_prefixes(fmt))
    else:
        body = store.dump(format=fmt, from_graph=graph, prefixes=_prefixes(fmt))
    headers = {"Vary": "Accept, Authorization", "Cache-Control": "no-store" if target.partner else "no-cache"}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(b"", media_type=content_type(media_type), headers=headers)
    return Response(body, media_type=content_type(media_type), headers=headers)


# ---------------------------------------------------------------------------------------------------------------
# Writing


@router.put("/store", status_code=204, summary="Create or replace a partner graph", openapi_extra=_UPLOAD)
async def put_graph(request: Request, caller: CallerDep) -> Response:
    return await _upload_rdf(request, caller, append=False)


@router.post("/store", status_code=204, summary="Add to a partner graph (creates it when missing)",
             openapi_extra=_UPLOAD)
async def post_graph(request: Request, caller: CallerDep) -> Response:
    return await _upload_rdf(request, caller, append=True)


@router.delete("/store", status_code=204, summary="Delete a partner graph and its catalog entry",
               openapi_extra=_GRAPH)
async def delete_graph(request: Request, caller: CallerDep) -> Response:
    settings: Settings = request.app.state.settings
    target = _writable_target(request, caller, settings)
    store = request.app.state.store
    assert target.iri is not None  # _writable_target refuses the default graph
    if not await run_in_threadpool(partner_graphs.delete, store, target.iri, base=settings.public_base_iri):
        raise HTTPException(404, f"no graph {target.label()} here")
    # a registration left behind when the accounts file fails here is harmless: the graph it describes is gone
    with contextlib.suppress(AccountError):
        await run_in_threadpool(graph_access.unregister_graph, settings.accounts_db, target.iri.value)
    await run_in_threadpool(publish_snapshot, request.app, [target.iri])
    return Response(status_code=204)


@router.post("/store/spreadsheet", summary="Create, replace or add to a partner graph from a spreadsheet + mapping",
             openapi_extra=_SPREADSHEET)
async def upload_spreadsheet(request: Request, caller: CallerDep, mode: str = "replace") -> Response:
    settings: Settings = request.app.state.settings
    target = _writable_target(request, caller, settings)
    if mode not in SPREADSHEET_MODES:
        raise HTTPException(400, f"query parameter mode: {mode!r} is not one of {', '.join(SPREADSHEET_MODES)}")
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media != "multipart/form-data":
        raise HTTPException(415, "send a multipart/form-data body with the parts 'mapping' (TOML) and 'data' (CSV or "
                                 "XLSX)", headers={"Accept-Post": "multipart/form-data"})
    await _read_body(request, settings.upload_max_bytes)  # the size limit, before the form parser spools anything
    form = await request.form()
    parts = {}
    for name in ("mapping", "data"):
        part = form.get(name)
        if part is None or isinstance(part, str):
            raise HTTPException(422, f"form field {name!r}: missing; send it as a file part "
                                     f"(curl -F {name}=@FILE)")
        parts[name] = (part.filename or "", await part.read())
    options = _options(request, settings, target)
    triples, defaults = await run_in_threadpool(_map_spreadsheet, parts["mapping"], parts["data"])
    return await write_partner_graph(request, caller, target, triples, options, append=mode == "append",
                                     defaults=defaults)


async def _upload_rdf(request: Request, caller: Caller, *, append: bool) -> Response:
    settings: Settings = request.app.state.settings
    target = _writable_target(request, caller, settings)
    media_type = _upload_media_type(request)
    with step("read"):
        body = await _read_body(request, settings.upload_max_bytes)
    options = _options(request, settings, target)
    assert target.iri is not None
    try:
        with step("parse"):
            triples = await run_in_threadpool(partner_graphs.parse_upload, body, media_type,
                                              base_iri=target.iri.value, max_bytes=settings.upload_max_bytes)
    except partner_graphs.UploadSyntaxError as error:
        where = {"line": error.line, "column": error.column} if error.line else {}
        raise HTTPException(400, {"message": f"the {media_type} body does not parse: {error}", **where}) from error
    return await write_partner_graph(request, caller, target, triples, options, append=append)


async def write_partner_graph(request: Request, caller: Caller, target: Target, triples: list,
                              options: dict[str, Any], *, append: bool,
                              defaults: dict[str, str | None] | None = None) -> Response:
    """Validate and write one partner graph with its catalog entry and access record (also used by /update)."""
    settings: Settings = request.app.state.settings
    store = request.app.state.store
    assert target.iri is not None and target.partner is not None
    db, graph = settings.accounts_db, target.iri
    prior = await run_in_threadpool(partner_graphs.catalog_entry, store, graph, base=settings.public_base_iri)
    access = await run_in_threadpool(graph_access.access_of, db, graph.value)
    given = {k: v for k, v in options.items() if v is not None}
    # what this request says wins, then the spreadsheet's mapping, then what the graph's entry said before
    meta = {k: v for source in (prior or {}, defaults or {}, given) for k, v in source.items() if v}
    visibility = given.get("visibility") or (access.visibility if access else graph_access.DEFAULT_VISIBILITY)
    description = PartnerGraphDescription(
        graph=graph,
        title=meta.get("title") or f"{target.partner.name} (uploaded by partner {target.partner.slug})",
        description=meta.get("description") or "",
        license_url=meta.get("license"),
        publisher=iris.partner(target.partner.slug, base=settings.public_base_iri),
        visibility=visibility,
    )
    hidden = await run_in_threadpool(graph_access.hidden_graphs, db, caller, base=settings.public_base_iri)
    if access is None:
        # registered (private) before its first triple is written: a reader whose view is chosen meanwhile must
        # already count it among the graphs hidden from them
        await run_in_threadpool(graph_access.register_graph, db, graph.value, base=settings.public_base_iri)
    try:
        result = await run_in_threadpool(partner_graphs.upload, store, graph, triples, description=description,
                                         append=append, hidden=hidden, base=settings.public_base_iri)
    except partner_graphs.UploadInvalidError as error:
        if access is None:
            await run_in_threadpool(graph_access.unregister_graph, db, graph.value)
        return JSONResponse(report_json(error.report), status_code=422)
    try:
        await run_in_threadpool(graph_access.register_graph, db, graph.value, visibility=given.get("visibility"),
                                readers=given.get("readers"), base=settings.public_base_iri)
    finally:
        with step("publish"):
            await run_in_threadpool(publish_snapshot, request.app, [graph])
    if result.created:
        return Response(status_code=201, headers={"Location": str(request.url)})
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------------------------
# Access


@router.get("/store/access", summary="Who may read a partner graph (JSON)", openapi_extra=_GRAPH)
def read_access(request: Request, caller: CallerDep) -> JSONResponse:
    settings: Settings = request.app.state.settings
    target = _target(request, settings)
    record = _access_record(request, caller, target)
    body: dict[str, Any] = {"graph": record.iri, "owner": record.owner, "visibility": record.visibility}
    if _manages(caller, record.owner):
        body |= {"readers": list(record.readers), "created": record.created_at, "updated": record.updated_at}
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Vary": "Authorization"})


@router.put("/store/access", summary="Change who may read a partner graph (owner or admin)", openapi_extra=_ACCESS)
async def change_access(request: Request, caller: CallerDep) -> JSONResponse:
    settings: Settings = request.app.state.settings
    target = _target(request, settings)
    if caller.partner is None:
        raise _unauthenticated("write")
    record = await run_in_threadpool(_access_record, request, caller, target)
    if not _manages(caller, record.owner) or not caller.can("write"):
        raise HTTPException(403, f"only the owner ({record.owner}) with a 'write' token, or an admin, may change who "
                                 f"reads {target.label()}")
    try:
        body = json.loads(await _read_body(request, settings.upload_max_bytes))
    except ValueError as error:
        raise HTTPException(400, f"the body is not JSON: {error}") from error
    if not isinstance(body, dict) or set(body) - {"visibility", "readers"} or "visibility" not in body:
        raise HTTPException(400, 'the body must be {"visibility": "public" | "partners", "readers": ["slug", ...]}')
    readers = body.get("readers", [])
    if not isinstance(readers, list) or not all(isinstance(r, str) for r in readers):
        raise HTTPException(400, "readers: must be a list of partner slugs")
    if not isinstance(body["visibility"], str):
        raise HTTPException(400, "visibility: must be 'public' or 'partners'")
    try:
        record = await run_in_threadpool(graph_access.set_access, settings.accounts_db, record.iri,
                                         visibility=body["visibility"], readers=readers)
    except graph_access.GraphAccessError as error:
        raise HTTPException(400, str(error)) from error
    assert target.iri is not None
    await run_in_threadpool(partner_graphs.restate_visibility, request.app.state.store, target.iri,
                            record.visibility, base=settings.public_base_iri)
    await run_in_threadpool(publish_snapshot, request.app, [target.iri])
    return JSONResponse({"graph": record.iri, "owner": record.owner, "visibility": record.visibility,
                         "readers": list(record.readers), "created": record.created_at,
                         "updated": record.updated_at}, headers={"Cache-Control": "no-store"})


def _access_record(request: Request, caller: Caller, target: Target) -> graph_access.GraphAccess:
    settings: Settings = request.app.state.settings
    if target.partner is None or target.partner.catalog or target.iri is None:
        raise HTTPException(400, f"{target.label()} is not a partner graph; only those have access settings")
    record = graph_access.access_of(settings.accounts_db, target.iri.value)
    if record is None or not _readable_and_present(request, caller, target, request.app.state.store):
        raise HTTPException(404, f"no graph {target.label()} here (or not one you may read)")
    return record


def _manages(caller: Caller, owner: str) -> bool:
    return caller.partner is not None and (caller.partner == owner or caller.can("admin"))


# ---------------------------------------------------------------------------------------------------------------
# Request pieces


def _target(request: Request, settings: Settings) -> Target:
    params = request.query_params
    graphs = params.getlist("graph")
    if graphs and "default" in params:
        raise HTTPException(400, "query: give either graph=<iri> or default, not both")
    if len(graphs) > 1:
        raise HTTPException(400, "query parameter graph: give one graph IRI, not several")
    if not graphs:
        if "default" not in params:
            raise HTTPException(400, "query: name the graph with graph=<absolute IRI> or default (the default graph)")
        return Target(None, None)
    iri = graphs[0]
    try:
        node = NamedNode(iri)
    except ValueError as error:
        raise HTTPException(400, f"query parameter graph: {iri!r} is not an IRI: {error}") from error
    if not urlsplit(iri).scheme:
        raise HTTPException(400, f"query parameter graph: {iri!r} must be an absolute IRI")
    parsed = iris.parse_partner_graph(iri, base=settings.public_base_iri)
    prefix = f"{settings.public_base_iri}graph/partner/"
    if parsed is None and iri.startswith(prefix):
        raise HTTPException(400, f"query parameter graph: a partner graph is {prefix}{{slug}}/{{name}}, the name 1 to "
                                 "60 characters a-z, 0-9 and '-' starting with a letter or digit")
    return Target(node, parsed)


def _readable_and_present(request: Request, caller: Caller, target: Target, store: Store) -> bool:
    settings: Settings = request.app.state.settings
    assert target.iri is not None
    if target.iri.value.startswith(iris.STAGING_GRAPH_PREFIX):
        return False  # loads in progress are nobody's to read
    if not graph_access.may_read(settings.accounts_db, caller, target.iri.value, base=settings.public_base_iri):
        return False
    return store.contains_named_graph(target.iri)


def _writable_target(request: Request, caller: Caller, settings: Settings) -> Target:
    if caller.partner is None:
        raise _unauthenticated("write")
    if not caller.can("write"):
        held = ", ".join(sorted(caller.scopes)) or "none"
        raise HTTPException(403, f"writing needs the 'write' scope; your token has: {held}",
                            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'})
    target = _target(request, settings)
    if target.iri is None or not graph_access.may_write(caller, target.iri.value, base=settings.public_base_iri):
        pattern = f"{settings.public_base_iri}graph/partner/{{slug}}/{{name}}"
        allowed = (f"any partner graph {pattern}" if caller.can("admin") else
                   f"only your own graphs {settings.public_base_iri}graph/partner/{caller.partner}/{{name}}")
        raise HTTPException(403, f"{target.label()} cannot be written through /store: you may write {allowed} "
                                 "({name}: 1 to 60 characters a-z, 0-9 and '-')")
    return target


def _unauthenticated(scope: str) -> HTTPException:
    return HTTPException(401, f"this needs an API token with the {scope!r} scope, sent as {HEADER_SHAPE}",
                         headers={"WWW-Authenticate": "Bearer"})


def _upload_media_type(request: Request) -> str:
    header = request.headers.get("content-type")
    accepted = ", ".join(partner_graphs.UPLOAD_FORMATS)
    if not header:
        raise HTTPException(415, f"the body needs a Content-Type; accepted: {accepted}",
                            headers={"Accept-Put": accepted, "Accept-Post": accepted})
    media_type, *params = (piece.strip() for piece in header.split(";"))
    media_type = media_type.lower()
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise HTTPException(415, f"Content-Type {header!r}: bodies must be UTF-8")
    if media_type in partner_graphs.QUAD_MEDIA_TYPES:
        raise HTTPException(415, f"Content-Type {media_type}: a graph is uploaded in a triple format (a quad format "
                                 f"names graphs of its own); accepted: {accepted}",
                            headers={"Accept-Post": accepted})
    if media_type not in partner_graphs.UPLOAD_FORMATS:
        raise HTTPException(415, f"Content-Type {media_type!r} is not an RDF format we read; accepted: {accepted}",
                            headers={"Accept-Post": accepted})
    return media_type


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit``."""
    too_large = HTTPException(413, f"the body is larger than the limit of {limit} bytes "
                                   f"({limit / 1024 / 1024:g} MiB, setting upload_max_bytes)")
    return await read_body(request, limit, too_large)


def _options(request: Request, settings: Settings, target: Target) -> dict[str, Any]:
    """The upload options of the query string, checked before anything is written; absent ones are None."""
    params = request.query_params
    options: dict[str, Any] = {name: params.get(name) for name in ("title", "description")}
    for name in ("title", "description"):
        if options[name] is not None and (not options[name].strip() or len(options[name]) > 2000):
            raise HTTPException(400, f"query parameter {name}: give 1 to 2000 characters")
    license_iri = params.get("license")
    if license_iri is not None:
        try:
            NamedNode(license_iri)
        except ValueError as error:
            raise HTTPException(400, f"query parameter license: {license_iri!r} is not an IRI") from error
        if urlsplit(license_iri).scheme not in ("http", "https"):
            raise HTTPException(400, f"query parameter license: {license_iri!r} must be an http(s) IRI, e.g. "
                                     "https://creativecommons.org/licenses/by/4.0/")
    options["license"] = license_iri
    visibility = params.get("visibility")
    if visibility is not None and visibility not in graph_access.VISIBILITIES:
        raise HTTPException(400, f"query parameter visibility: {visibility!r} is not one of "
                                 f"{', '.join(graph_access.VISIBILITIES)}")
    options["visibility"] = visibility
    readers = params.get("readers")
    options["readers"] = None if readers is None else [r.strip() for r in readers.split(",") if r.strip()]
    assert target.partner is not None
    try:
        graph_access.check_partners(settings.accounts_db, [target.partner.slug, *(options["readers"] or [])])
    except graph_access.GraphAccessError as error:
        field = "readers" if readers else "graph"
        raise HTTPException(400, f"query parameter {field}: {error}") from error
    return options


def _map_spreadsheet(mapping: tuple[str, bytes], data: tuple[str, bytes]) -> tuple[list, dict[str, str | None]]:
    """The triples a partner's mapping makes of its spreadsheet, and the catalog fields the mapping gives;
    422 naming the mapping key, or the row and column, of every problem."""
    from extractors.feeds.base import FeedError
    from extractors.mapping import MappingError, mapping_feed

    suffix = Path(data[0]).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="critmin-upload-") as folder:
        mapping_path = Path(folder) / "mapping.toml"
        mapping_path.write_bytes(mapping[1])
        data_path = Path(folder) / f"data{suffix if suffix in ('.csv', '.xlsx') else '.csv'}"
        data_path.write_bytes(data[1])
        try:
            feed = mapping_feed(mapping_path)
            output = feed.read(data_path)
        except MappingError as error:
            problems = [{"part": "mapping", "key": key or None, "message": message}
                        for key, message in error.problems]
            raise HTTPException(422, {"message": f"the mapping has {len(problems)} problem(s); nothing was written",
                                      "problems": problems}) from error
        except FeedError as error:
            raise HTTPException(422, {"message": f"the data cannot be read: {error.message}; nothing was written",
                                      "problems": [{"part": "data", "message": error.message}]}) from error
    if output.problems:
        problems = [{"part": "data", "row": p.row, "column": p.column, "value": p.value, "message": p.reason}
                    for p in output.problems]
        listing = "; ".join(f"row {p['row']}" + (f", column {p['column']}" if p["column"] else "") +
                            f": {p['message']}" for p in problems[:10])
        raise HTTPException(422, {"message": f"{len(problems)} problem(s) in the data; nothing was written: "
                                             f"{listing}", "problems": problems})
    meta = output.metadata
    return output.triples, {"title": meta.title, "description": meta.description,
                            "license": meta.license_url or None}


def report_json(report: ValidationReport) -> dict[str, Any]:
    return {
        "conforms": False,
        "summary": partner_graphs.summary(report),
        "results": [{"focusNode": r["focus_node"], "resultPath": r["path"], "value": r["value"],
                     "message": r["message"], "severity": r["severity"], "sourceShape": r["source_shape"]}
                    for r in report.results],
    }


def _prefixes(fmt: RdfFormat) -> dict[str, str] | None:
    return dict(iris.PREFIXES) if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3, RdfFormat.RDF_XML) else None
