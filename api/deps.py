"""What routers get from the application: the settings, the query runner and the store, via ``app.state``.

``create_app`` puts them there (the runner and the store in its lifespan). In a route::

    async def endpoint(runner: RunnerDep, settings: SettingsDep) -> Response: ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pyoxigraph import Store

from kg.query_runner import QueryRunner
from kg.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_query_runner(request: Request) -> QueryRunner:
    return request.app.state.query_runner


def get_store(request: Request) -> Store:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
RunnerDep = Annotated[QueryRunner, Depends(get_query_runner)]
StoreDep = Annotated[Store, Depends(get_store)]
