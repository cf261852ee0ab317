"""``critmin serve``: the app under uvicorn, with our logging and a shutdown bounded by ``shutdown_grace_s``.

On SIGTERM (or Ctrl-C) uvicorn stops accepting connections, closes idle ones and lets requests in flight finish for
up to ``shutdown_grace_s``; past that it cancels them. The app then stops (its lifespan gives a background
recomputation what is left of the grace), and the process ends. A write still running in a thread at that point is
cut off as a crash would cut it: every load first writes a marker and removes it in the same update that records the
graph in the catalog (``kg/loading.py``), so the next start removes a half-written graph with its catalog entry, and
each graph is afterwards either whole or absent.
"""

from __future__ import annotations

import time
from types import FrameType

import uvicorn
from fastapi import FastAPI

from api.allocator import limit_arenas
from api.app import create_app
from api.observability.request_logs import configure_logging
from kg.settings import Settings


class _Server(uvicorn.Server):
    """Tells the app when shutting down began, so its own clean-up keeps within the grace."""

    def __init__(self, config: uvicorn.Config, app: FastAPI, grace_s: float) -> None:
        super().__init__(config)
        self._app, self._grace_s = app, grace_s

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            self._app.state.shutdown_deadline = time.monotonic() + self._grace_s
        super().handle_exit(sig, frame)


def serve(settings: Settings) -> None:
    configure_logging(log_format=settings.log_format, log_level=settings.log_level)
    limit_arenas(settings.malloc_arena_max)  # before uvicorn and the app start their threads
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                            log_level=settings.log_level, access_log=False,  # our middleware logs each request
                            timeout_graceful_shutdown=settings.shutdown_grace_s)
    _Server(config, app, settings.shutdown_grace_s).run()
