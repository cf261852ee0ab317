"""Link discovery on partner graphs (issue 6, item 5): proposals between a partner's entities and ours.

- ``POST /links/discover?graph=<partner graph>``: compute proposals (``kg/link_discovery.py``) into the graph's
  linkset; its owner with a ``write`` token, or an admin (401 without a token, 403 otherwise; 404 when the graph is
  not there). Earlier accepted and rejected proposals are kept.
- ``GET /links?graph=…[&status=proposed|accepted|rejected]``: the proposals, as JSON or an HTML page; 404 to
  callers who may not read the graph (never 403, which would tell that it exists).
- ``POST /links/{id}/accept`` and ``/reject``: the owner (``write``) or an admin decides; only accepted links are
  asserted in the linkset, which entity pages follow.

Every change is followed by ``publish_snapshot`` so that SPARQL and the pages see it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import HEADER_SHAPE, CallerDep
from api.routers.home import render
from api.urls import Urls
from kg import graph_access, iris, link_discovery, link_store
from kg.accounts import Caller
from kg.settings import Settings

router = APIRouter(tags=["Link discovery"])
DECISIONS = {"accept": "accepted", "reject": "rejected"}


@router.post("/links/discover", summary="Propose links between a partner graph's entities and ours")
async def discover(request: Request, caller: CallerDep, graph: str) -> JSONResponse:
    settings: Settings = request.app.state.settings
    node = _partner_graph(graph, settings)
    _require_manager(caller, node, settings)
    store = request.app.state.store
    if not store.contains_named_graph(node):
        raise HTTPException(404, f"no graph <{graph}> here")
    found = await run_in_threadpool(link_discovery.discover, store, request.app.state.search_index, node,
                                    base=settings.public_base_iri)
    proposals = await run_in_threadpool(link_store.save_discovered, store, node, found,
                                        base=settings.public_base_iri)
    await run_in_threadpool(publish_snapshot, request.app, [node])
    return JSONResponse(_listing(node, proposals, settings), headers={"Cache-Control": "no-store"})


@router.get("/links", summary="The link proposals of a partner graph (JSON or HTML)")
def list_links(request: Request, caller: CallerDep, graph: str, status: str | None = None) -> Response:
    settings: Settings = request.app.state.settings
    node = _partner_graph(graph, settings)
    _require_reader(request, caller, node)
    if status is not None and status not in link_store.STATUS_KEYS:
        raise HTTPException(400, f"query parameter status: one of {', '.join(link_store.STATUS_KEYS)}")
    proposals = [p for p in link_store.read_proposals(request.app.state.store, node, base=settings.public_base_iri)
                 if status is None or p.status == status]
    data = _listing(node, proposals, settings) | {"status": status, "statuses": list(link_store.STATUS_KEYS),
                                                  "may_decide": _manages(caller, node, settings)}
    response = render(request, "links.html", data)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept, Authorization"
    return response


@router.post("/links/{identifier}/{action}", summary="Accept or reject one link proposal (owner or admin)")
async def decide(request: Request, caller: CallerDep, identifier: str, action: str) -> JSONResponse:
    settings: Settings = request.app.state.settings
    if action not in DECISIONS:
        raise HTTPException(404, f"no action {action!r}; use accept or reject")
    if caller.partner is None:
        raise _unauthenticated()
    parsed = link_store.proposal_iri(identifier, base=settings.public_base_iri)
    if parsed is None:
        raise HTTPException(404, f"no link proposal {identifier!r}")
    _, node = parsed
    _require_reader(request, caller, node)
    _require_manager(caller, node, settings)
    try:
        decided = await run_in_threadpool(link_store.decide, request.app.state.store, node, identifier,
                                          status=DECISIONS[action],
                                          by=iris.partner(caller.partner, base=settings.public_base_iri),
                                          base=settings.public_base_iri)
    except link_store.LinkError as error:
        raise HTTPException(404, str(error)) from error
    await run_in_threadpool(publish_snapshot, request.app, [node])
    return JSONResponse(_proposal_json(decided, Urls()), headers={"Cache-Control": "no-store"})


def _listing(node: NamedNode, proposals: list[link_store.StoredProposal], settings: Settings) -> dict[str, Any]:
    urls = Urls()
    parsed = iris.parse_partner_graph(node.value, base=settings.public_base_iri)
    assert parsed is not None
    counts = {word: sum(p.status == word for p in proposals) for word in link_store.STATUS_KEYS}
    return {
        "graph": node.value,
        "linkset": iris.partner_links_graph(parsed.slug, parsed.name, base=settings.public_base_iri).value,
        "method": link_discovery.METHOD,
        "counts": counts,
        "proposals": [_proposal_json(p, urls) for p in proposals],
    }


def _proposal_json(proposal: link_store.StoredProposal, urls: Urls) -> dict[str, Any]:
    data = asdict(proposal)
    data["reasons"] = list(proposal.reasons)
    data["subject_url"] = urls.for_iri(proposal.subject)
    data["object_url"] = urls.for_iri(proposal.object)
    data["accept"] = f"/links/{proposal.id}/accept"
    data["reject"] = f"/links/{proposal.id}/reject"
    return data


def _partner_graph(graph: str, settings: Settings) -> NamedNode:
    parsed = iris.parse_partner_graph(graph, base=settings.public_base_iri)
    if parsed is None or parsed.companion:
        raise HTTPException(400, f"query parameter graph: {graph!r} is not a partner graph "
                                 f"({settings.public_base_iri}graph/partner/{{slug}}/{{name}})")
    return iris.partner_graph(parsed.slug, parsed.name, base=settings.public_base_iri)


def _require_reader(request: Request, caller: Caller, node: NamedNode) -> None:
    settings: Settings = request.app.state.settings
    readable = graph_access.may_read(settings.accounts_db, caller, node.value, base=settings.public_base_iri)
    if not readable or not request.app.state.store.contains_named_graph(node):
        raise HTTPException(404, f"no graph <{node.value}> here (or not one you may read)")


def _manages(caller: Caller, node: NamedNode, settings: Settings) -> bool:
    return graph_access.may_write(caller, node.value, base=settings.public_base_iri)


def _require_manager(caller: Caller, node: NamedNode, settings: Settings) -> None:
    if caller.partner is None:
        raise _unauthenticated()
    if not _manages(caller, node, settings):
        owner = iris.parse_partner_graph(node.value, base=settings.public_base_iri)
        raise HTTPException(403, f"only the graph's owner ({owner.slug if owner else '?'}) with a 'write' token, or "
                                 "an admin, may discover or decide its links",
                            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'})


def _unauthenticated() -> HTTPException:
    return HTTPException(401, f"this needs an API token with the 'write' scope, sent as {HEADER_SHAPE}",
                         headers={"WWW-Authenticate": "Bearer"})
