"""Where a request's time goes: named steps, timed where they run, gathered for the request that ran them.

The server opens a record per request (``recording``); code anywhere below it, in the threadpool too, times a step
with ``step(name)``, and the request's log line and its ``Server-Timing`` header report the steps. Outside a
request (the CLI, tests calling the store directly) ``step`` times nothing and costs a context-variable read.
A step run twice in one request adds up; waits are steps of their own (``wait for ...``), so that a slow write
tells a lock it queued for apart from work it did.

>>> with recording() as steps:
...     with step("parse"):
...         pass
>>> list(steps)
['parse']
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_STEPS: ContextVar[dict[str, float] | None] = ContextVar("critmin_step_timings", default=None)
_TOKEN_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Gathers the steps timed in this context (and in threads it hands work to) into the dict it yields: step name
    to milliseconds."""
    steps: dict[str, float] = {}
    reset = _STEPS.set(steps)
    try:
        yield steps
    finally:
        _STEPS.reset(reset)


@contextmanager
def step(name: str) -> Iterator[None]:
    steps = _STEPS.get()
    if steps is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        steps[name] = steps.get(name, 0.0) + (time.perf_counter() - started) * 1000


@contextmanager
def holding(lock: threading.Lock, name: str) -> Iterator[None]:
    """``with lock``, the wait for it timed as the step ``wait for <name>``."""
    with step(f"wait for {name}"):
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def server_timing(steps: dict[str, float]) -> str:
    """The ``Server-Timing`` header value (W3C Server Timing) for ``steps``: each as a token metric name with its
    duration, the readable name as its description.

    >>> server_timing({"wait for the write lock": 1.234, "validate": 20.0})
    'wait_for_the_write_lock;dur=1.2;desc="wait for the write lock", validate;dur=20.0'
    """
    metrics = []
    for name, ms in steps.items():
        token = _TOKEN_UNSAFE.sub("_", name).strip("_") or "step"
        description = "" if token == name else f';desc="{name}"'
        metrics.append(f"{token};dur={ms:.1f}{description}")
    return ", ".join(metrics)
