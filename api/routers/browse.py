"""Browsing: ``/browse`` (how many of each kind, facilities by type) and ``/browse/{kind}`` (a filtered page)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from api.deps import ViewDep
from api.openapi_params import described
from api.routers.home import render
from api.urls import Urls
from kg.browse import (
    BROWSE_KINDS,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    FilterError,
    browse,
    count_facility_types,
    count_kinds,
)

router = APIRouter(tags=["Browse"])


@router.get("/browse", summary="How many entities of each kind, with links to their index pages")
def browse_index(request: Request, view: ViewDep) -> Response:
    store, urls = view.store, Urls()
    data = {
        "kinds": [asdict(count) | {"url": urls.browse(count.kind)} for count in count_kinds(store)],
        "facility_types": [asdict(count) | {"url": urls.browse("facility", facility_type=count.key)}
                           for count in count_facility_types(store)],
    }
    return render(request, "browse.html", data)


@router.get("/browse/{kind}", summary="One page of one kind of entity, filtered (HTML or JSON)",
            openapi_extra=described(query={name: "A filter (which ones a kind takes: see /browse)" for name in
                                           sorted({f for kind in BROWSE_KINDS.values() for f in kind.filters})}))
def browse_kind(
    request: Request,
    view: ViewDep,
    kind: str,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Response:
    if kind not in BROWSE_KINDS:
        raise HTTPException(404, f"no kind {kind!r}; one of: {', '.join(BROWSE_KINDS)}")
    filters = {name: request.query_params.get(name, "") for name in BROWSE_KINDS[kind].filters}
    try:
        result = browse(view.store, kind, filters=filters, page=page, page_size=page_size)
    except FilterError as error:
        raise HTTPException(400, str(error)) from error
    return render(request, "browse_kind.html", browse_data(result))


def browse_data(result: Any) -> dict[str, Any]:
    urls = Urls()
    link = lambda page: urls.browse(result.kind, **result.filters, page=page,  # noqa: E731
                                     page_size=result.page_size if result.page_size != DEFAULT_PAGE_SIZE else None)
    return {
        "kind": result.kind, "title": result.title, "filters": result.filters,
        "filter_names": list(BROWSE_KINDS[result.kind].filters),
        "page": result.page, "page_size": result.page_size, "total": result.total, "pages": result.pages,
        "items": [asdict(item) | {"url": urls.for_iri(item.iri)} for item in result.items],
        "previous": link(result.page - 1) if result.page > 1 else None,
        "next": link(result.page + 1) if result.page < result.pages else None,
        "json_url": urls.browse(result.kind, **result.filters, page=result.page, format="json"),
    }
