"""Reviewing extracted facts: ``GET /review`` (HTML or JSON), ``GET /review.json`` and
``POST /review/{path}/accept|reject|fix``, where ``{path}`` is the statement IRI's path after ``id/``
(``statement/{doc}/{hash}``).

Reads go through the caller's view: statements of partner graphs the caller may not read are not listed. Writes need
an API token with the ``admin`` scope (``critmin token create PARTNER --scopes admin``) sent as
``Authorization: Bearer <token>`` (``api/auth.py``): without one 401, with a token lacking the scope 403. A decision
on a statement of a partner's uploaded document is 409 while that partner graph is not public, because
``cmg:curated`` is public (``kg/review.py``).
Bodies are JSON or a form with ``reviewer``, ``note`` and, for a fix, ``subject``, ``predicate``, ``object`` (IRIs, or a
relation type for the predicate) and ``attributes`` (a JSON object). Every write is followed by ``publish_snapshot``
so SPARQL and the pages see it.

The HTML page lists each statement with its attributes and, when JavaScript runs, Accept / Reject buttons and a Fix
form per row: ``/static/review.js`` sends them to the POST routes with the API token the reviewer typed into the
page (kept in the tab's sessionStorage, never in a URL or a cookie) and shows the outcome, or the API's error, in the
row. Without JavaScript the page is the same list, without the controls.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import require
from api.deps import ViewDep
from api.routers.home import render
from api.urls import Urls
from kg import graph_access, iris
from kg.document_facts import ATTRIBUTE_PROPERTIES, RELATION_PROPERTIES
from kg.review import (
    ACTIONS,
    CURATED,
    MAX_PAGE_SIZE,
    STATUSES,
    CandidatePage,
    NotPublicError,
    ReviewError,
    UnknownStatementError,
    accept,
    fix,
    list_candidates,
    reject,
)
from kg.views import View

router = APIRouter(tags=["Review"])
# An attribute's name where the extractor's own would be misread on this page ("status" beside the review status).
ATTRIBUTE_LABELS = {"status": "deal status", "unit": "unit as written"}


def _page(view: View, status: str, relation: str | None, page: int, page_size: int) -> CandidatePage:
    try:  # the caller's view: labels and statements from graphs it may not read stay out of the list
        return list_candidates(view.store, status=status, relation=relation or None, page=page,
                               page_size=page_size)
    except ReviewError as error:
        raise HTTPException(400, str(error)) from error


def _review_url(**params: object) -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "/review" + (f"?{urlencode(kept)}" if kept else "")


def review_data(result: CandidatePage) -> dict[str, Any]:
    urls = Urls()
    rows = []
    for c in result.candidates:
        row = asdict(c)
        row["path"] = c.statement[len(iris.ID):] if c.statement.startswith(iris.ID) else None
        row["actions"] = {a: f"/review/{row['path']}/{a}" for a in ACTIONS} if row["path"] else {}
        # what the page's fix form starts from: attributes a fix can carry (a cm:note one would be refused)
        row["fix_attributes"] = {k: v for k, v in c.attributes.items() if k in ATTRIBUTE_PROPERTIES}
        for name in ("statement", "subject", "predicate", "object", "document"):
            row[f"{name}_url"] = urls.for_iri(getattr(c, name)) if getattr(c, name) else None
        rows.append(row)
    nav = {"status": result.status, "relation": result.relation, "page_size": result.page_size}
    return {
        "status": result.status, "relation": result.relation, "page": result.page, "pages": result.pages,
        "page_size": result.page_size, "total": result.total, "candidates": rows,
        "statuses": list(STATUSES), "relations": list(RELATION_PROPERTIES),
        "attribute_names": list(ATTRIBUTE_PROPERTIES),
        "attribute_labels": ATTRIBUTE_LABELS,
        "previous": _review_url(**nav, page=result.page - 1) if result.page > 1 else None,
        "next": _review_url(**nav, page=result.page + 1) if result.page < result.pages else None,
        "json_url": "/review.json" + _review_url(**nav, page=result.page)[len("/review"):],
    }


@router.get("/review", summary="Extracted statements to review (HTML, or JSON by Accept or ?format=json)")
def review_page(request: Request, view: ViewDep, status: str = "candidate", relation: str | None = None,
                page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE)) -> Response:
    return render(request, "review.html", review_data(_page(view, status, relation, page, page_size)))


@router.get("/review.json", summary="Extracted statements to review, as JSON")
def review_json(view: ViewDep, status: str = "candidate", relation: str | None = None,
                page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE)) -> Response:
    return JSONResponse(review_data(_page(view, status, relation, page, page_size)))


async def _body(request: Request) -> tuple[dict[str, Any], bool]:
    """The request's fields, and whether it was a form (answered with a redirect back to the page)."""
    if (request.headers.get("content-type") or "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as error:
            raise HTTPException(400, "the body is not valid JSON") from error
        if not isinstance(body, dict):
            raise HTTPException(400, "the body must be a JSON object")
        return body, False
    form = await request.form()
    fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    if fields.get("attributes"):
        try:
            fields["attributes"] = json.loads(fields["attributes"])
        except ValueError as error:
            raise HTTPException(400, "attributes must be a JSON object") from error
    return fields, True


@router.post("/review/{path:path}/{action}", summary="Accept, reject or fix one extracted statement (admin token)",
             dependencies=[Depends(require("admin"))])
async def review_decision(request: Request, path: str, action: str) -> Response:
    if action not in ACTIONS:
        raise HTTPException(404, f"unknown review action {action!r}; use {', '.join(ACTIONS)}")
    fields, is_form = await _body(request)
    store, statement = request.app.state.store, iris.ID + path
    attributes = fields.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise HTTPException(400, "attributes must be an object")

    def text(name: str) -> str | None:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise HTTPException(400, f"{name} must be text")
        return value or None

    reviewer, note = text("reviewer") or "", text("note")
    settings = request.app.state.settings

    def is_public(graph: str) -> bool:
        """Whether everyone may read ``graph``: a hub graph, or a partner graph shared publicly."""
        if iris.parse_partner_graph(graph, base=settings.public_base_iri) is None:
            return "/graph/partner/" not in graph  # another base's partner graph: not ours to judge, so not public
        record = graph_access.access_of(settings.accounts_db, graph)
        return record is not None and record.visibility == "public"

    try:
        if action == "accept":
            decision = await run_in_threadpool(accept, store, statement, reviewer=reviewer, note=note,
                                               is_public=is_public)
        elif action == "reject":
            decision = await run_in_threadpool(reject, store, statement, reviewer=reviewer, note=note,
                                               is_public=is_public)
        else:
            decision = await run_in_threadpool(
                fix, store, statement, subject=text("subject"), predicate=text("predicate"), object=text("object"),
                attributes=attributes, reviewer=reviewer, note=note, is_public=is_public)
    except UnknownStatementError as error:
        raise HTTPException(404, str(error)) from error
    except NotPublicError as error:
        raise HTTPException(409, str(error)) from error
    except ReviewError as error:
        raise HTTPException(400, str(error)) from error
    if decision.record is not None:
        await run_in_threadpool(publish_snapshot, request.app, [CURATED])  # the statuses it sets are not searched
    if is_form and "application/json" not in (request.headers.get("accept") or ""):
        return RedirectResponse(_review_url(status="candidate"), status_code=303)
    return JSONResponse(asdict(decision))
