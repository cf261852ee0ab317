"""The home page: what the graph holds, from the catalog, as HTML or JSON."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from api.formats import choose_format
from kg.catalog import list_catalog

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


@router.get("/", response_class=HTMLResponse, summary="What the graph holds (HTML or JSON by Accept)")
def home(request: Request) -> Response:
    entries = list_catalog(request.app.state.store)
    data = {
        "graphs": [asdict(entry) for entry in entries],
        "total_triples": sum(entry.triples for entry in entries),
        "sparql_endpoint": str(request.url_for("sparql_endpoint")),
    }
    chosen = choose_format(
        request.headers.get("accept"), ["text/html", "application/json"], override=None, default="text/html"
    )
    if chosen == "application/json":
        return JSONResponse(data)
    return templates.TemplateResponse(request, "home.html", data)
