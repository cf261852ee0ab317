"""What routers get from the application: the settings, the query runner, the store and the caller's view.

``create_app`` puts them on ``app.state`` (the runner, the store and the views in its lifespan). In a route::

    async def endpoint(runner: RunnerDep, settings: SettingsDep, view: ViewDep) -> Response: ...

Every read route takes ``ViewDep`` and reads ``view.store``, ``view.search_index()`` and ``view.snapshot`` (for
SPARQL), never ``app.state.store`` directly: that is how a caller sees only the graphs it may read
(``kg/views.py``). Writes still go to ``StoreDep``, the main store. With ``store_backend = remote`` the runner is a
``RemoteQueryRunner`` and the store a ``RemoteStore``; the routes do not tell the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.auth import CallerDep
from kg import graph_access
from kg.accounts import AccountError
from kg.query_runner import QueryRunner
from kg.remote_query_runner import RemoteQueryRunner
from kg.settings import Settings
from kg.store import GraphStore, graph_names
from kg.views import View, Views, main_view


# async, as they only read app.state: FastAPI runs a plain function dependency in a thread, a hop per request
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_query_runner(request: Request) -> QueryRunner | RemoteQueryRunner:
    return request.app.state.query_runner


async def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def current_view(request: Request, caller: CallerDep) -> Iterator[View]:
    """The view of the caller's reader class: the main one when nothing is hidden from it, else a restricted one,
    held until the response is sent so that its folder outlives the request."""
    state = request.app.state
    settings: Settings = state.settings
    views: Views = state.views
    hidden: frozenset[str] = frozenset()
    if not caller.can("admin"):
        try:
            # the store's graph names are read afresh (under a millisecond for hundreds of graphs), not cached per
            # generation: a new upload is in the store before its registration, and must be hidden meanwhile
            names = [graph.value for graph in graph_names(state.store)]
            hidden = graph_access.hidden_graphs(settings.accounts_db, caller, base=settings.public_base_iri,
                                                store_graphs=names)
        except AccountError as error:  # fail closed: without the access records nobody's private data is shown
            raise HTTPException(503, "who may read what cannot be checked right now: the accounts database is "
                                     "unavailable") from error
    if not hidden:
        snapshot = state.query_runner.snapshot
        # over a remote store there is no snapshot: the dumps of the main view are cached per generation of this run
        dump_key = Path(snapshot).name if snapshot is not None else f"{state.run_id}-{views.generation:08d}"
        yield main_view(state.store, dump_key=dump_key, index=state.search_index, store_path=Path(settings.store))
        return
    view = views.acquire(state.store, hidden, state.search_index)
    try:
        yield view
    finally:
        views.release(view)
        views.remove_unused(keep=state.query_runner.snapshots_in_use())


SettingsDep = Annotated[Settings, Depends(get_settings)]
RunnerDep = Annotated[QueryRunner | RemoteQueryRunner, Depends(get_query_runner)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
ViewDep = Annotated[View, Depends(current_view)]
