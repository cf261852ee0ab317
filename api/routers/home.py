"""The home page: what the graph holds (counts by kind, the sources from the catalog), as HTML or JSON."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pyoxigraph import Store

from api.deps import ViewDep
from api.formats import choose_format
from api.urls import Urls
from kg.browse import count_kinds
from kg.catalog import list_catalog

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.globals["urls"] = Urls()
PAGE_FORMATS = ("text/html", "application/json")


def page_format(request: Request) -> str:
    """``text/html`` or ``application/json`` for a page: ``?format=json|html`` first, then ``Accept``; else 406."""
    override = (request.query_params.get("format") or "").strip().lower()
    if override:
        named = {"json": "application/json", "html": "text/html"}.get(override, override)
        if named not in PAGE_FORMATS:
            raise HTTPException(400, f"unknown format {override!r}; use json or html")
        return named
    chosen = choose_format(request.headers.get("accept"), PAGE_FORMATS, override=None, default="text/html")
    if chosen is None:
        raise HTTPException(406, "this page is available as text/html or application/json")
    return chosen


def render(request: Request, template: str, data: dict[str, Any]) -> Response:
    """One page's data as JSON or through its template, as the request asks."""
    if page_format(request) == "application/json":
        return JSONResponse(data)
    return templates.TemplateResponse(request, template, data)


def home_data(store: Store, request: Request) -> dict[str, Any]:
    """Everything the home page shows, as plain data (the JSON answer is exactly this)."""
    urls = Urls()
    entries = list_catalog(store)
    return {
        "graphs": [asdict(entry) | {"dump": urls.dump(entry.graph.rsplit("/", 1)[-1])} for entry in entries],
        "total_triples": sum(entry.triples for entry in entries),
        "counts": [asdict(count) for count in count_kinds(store)],
        "sparql_endpoint": str(request.url_for("sparql_endpoint")),
        "links": {"browse": urls.browse(), "search": urls.search(), "query": urls.query(), "sparql": urls.sparql(),
                  "void": urls.void(), "dumps": urls.dumps()},
    }


@router.get("/", response_class=HTMLResponse, summary="What the graph holds (HTML or JSON by Accept or ?format=)")
def home(request: Request, view: ViewDep) -> Response:
    return render(request, "home.html", home_data(view.store, request))
