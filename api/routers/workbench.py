"""The query workbench, ``/query``: YASGUI on our ``/sparql``, with the worked examples of ``kg/queries/``.

The page takes ``?query=`` (a SPARQL query to put in the editor), ``?example=`` (the name of an example, e.g.
``critical_list_overlap``) and ``?view=`` (``table``, ``chart``, ``map`` or ``response``), so a link restores what
someone was looking at. Everything the page loads comes from this service: our JavaScript and the npm libraries
that ``api/routers/vendor.py`` serves; YASGUI's calls to prefix.cc and LOV are switched off in ``workbench.js``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from api.routers import vendor
from kg.iris import PREFIXES

router = APIRouter()
router.include_router(vendor.router)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

QUERIES = Path(__file__).resolve().parents[2] / "kg" / "queries"
VIEWS = ("table", "chart", "map", "response")


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    title: str
    question: str
    source: str
    query: str


def read_example(path: Path) -> ExampleQuery:
    """An example from its ``.rq`` file: the ``# title:``, ``# question:`` and ``# source:`` headers (a header may
    go on over indented ``#   `` lines), and the whole text as the query."""
    text = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        key, sep, value = body.partition(":")
        if sep and key in ("title", "question", "source") and not line.startswith("#  "):
            current, headers[key] = key, value.strip()
        elif current and body:
            headers[current] += " " + body
    return ExampleQuery(path.stem, headers.get("title", path.stem), headers.get("question", ""),
                        headers.get("source", ""), text)


def list_examples() -> list[ExampleQuery]:
    return sorted((read_example(p) for p in QUERIES.glob("*.rq")), key=lambda e: e.title.lower())


@router.get("/query", response_class=HTMLResponse, summary="The SPARQL query workbench (YASGUI)")
def workbench(request: Request, query: str | None = None, example: str | None = None,
              view: str | None = None) -> Response:
    examples = list_examples()
    by_name = {e.name: e for e in examples}
    initial = query if query else (by_name[example].query if example in by_name else None)
    config = {
        "endpoint": str(request.url_for("sparql_endpoint").path),
        "prefixes": PREFIXES,
        "examples": [asdict(e) for e in examples],
        "query": initial,
        "example": example if example in by_name else None,
        "view": view if view in VIEWS else "table",
    }
    return templates.TemplateResponse(request, "query.html", {"config": config, "examples": examples,
                                                              "uses_maps": True, "uses_charts": True})


@router.get("/query/examples.json", summary="The worked example queries, with title and question")
def examples_json() -> JSONResponse:
    return JSONResponse([asdict(e) for e in list_examples()])
