"""Search: ``/search`` (a results page, HTML or JSON) and ``/search/suggest`` (JSON for autocomplete)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ViewDep
from api.routers.home import render
from api.urls import Urls
from kg.search import KIND_BY_KEY, KINDS, Hit, SearchIndex

router = APIRouter(tags=["Search"])
MAX_LIMIT = 100


def _hit(hit: Hit, urls: Urls) -> dict[str, Any]:
    return asdict(hit) | {"match": hit.match, "url": urls.for_iri(hit.iri)}


def search_data(index: SearchIndex, text: str, kinds: list[str], limit: int) -> dict[str, Any]:
    """The results page's data: the hits, with links, and the kinds one can filter by."""
    urls = Urls()
    wanted = [kind for kind in kinds if kind in KIND_BY_KEY]
    hits = index.search(text, types=wanted or None, limit=limit)
    return {
        "search_text": text,
        "types": wanted,
        "kinds": [{"key": kind.key, "title": kind.title, "url": urls.search(text, type=kind.key)} for kind in KINDS],
        "hits": [_hit(hit, urls) for hit in hits],
    }


@router.get("/search", summary="Entities whose label or alias starts with q (HTML or JSON)")
def search_page(
    request: Request,
    view: ViewDep,
    q: str = "",
    type: Annotated[list[str] | None, Query(description="Only these kinds: commodity, country, facility, …")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
) -> Response:
    return render(request, "search.html", search_data(view.search_index(), q, type or [], limit))


@router.get("/search/suggest", summary="Autocomplete: the best few entities for what has been typed (JSON)")
def suggest(
    request: Request,
    view: ViewDep,
    q: str = "",
    type: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=25)] = 8,
) -> JSONResponse:
    urls = Urls()
    wanted = [kind for kind in (type or []) if kind in KIND_BY_KEY]
    hits = view.search_index().search(q, types=wanted or None, limit=limit)
    # Shaped like an OpenRefine suggest answer ({"result": [{"id", "name", ...}]}) with our own fields beside.
    return JSONResponse({
        "prefix": q,
        "result": [
            {"id": hit.iri, "name": hit.label, "matched": hit.matched, "kind": hit.kind,
             "type": [{"id": hit.kind, "name": KIND_BY_KEY[hit.kind].title}], "url": urls.for_iri(hit.iri)}
            for hit in hits
        ],
    })
