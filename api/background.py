"""Work a write starts but does not wait for: recomputing the hub summaries.

A hub summary (``kg.hub_summaries``) counts every hub graph, so a review decision (which writes ``cmg:curated``)
makes them all stale, and recomputing them takes about 50 s at 10M triples. A page never shows a stale summary
(``kg.hub_facts`` reads the live data instead, correct and slower), so the write answers at once and one background
thread brings the summaries up to date, then publishes them as any write does. Requests that come while it runs
ask for one more run afterwards, never for several.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("critmin")


class Refresher:
    """One daemon thread that runs ``job`` after each ``request()``; requests during a run coalesce into one more."""

    def __init__(self, job: Callable[[], None], *, name: str) -> None:
        self._job = job
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._state = threading.Lock()  # a request and the end of a run must not interleave
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._state:
            self._idle.clear()
            self._wanted.set()

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Whether every requested run has finished (within ``timeout_s``): for tests and for shutting down."""
        return self._idle.wait(timeout_s)

    def stop(self, timeout_s: float) -> None:
        """Lets a run in progress finish (up to ``timeout_s``) and starts no other."""
        self._stopping.set()
        self._wanted.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            self._wanted.clear()
            try:
                self._job()
            except Exception:  # a failed run leaves the summaries stale: pages read live data, the next write retries
                log.exception("recomputing in the background failed")
            with self._state:
                if not self._wanted.is_set():
                    self._idle.set()
