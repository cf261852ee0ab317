"""Request ids and structured logs: one JSON line per request, and the request's id on every line logged for it.

A request id comes from the client's ``X-Request-ID`` when it is a short run of safe characters (a proxy's or a
caller's id ties their logs to ours), else it is made here; it goes back in the response's ``X-Request-ID``. While a
request is answered its id is in a context variable, which asyncio tasks and the threadpool inherit, and every log
record created meanwhile carries it as ``request_id`` (a log record factory; no logger needs to pass it).

What a request line holds is chosen field by field (``request_fields``): never a header, a query string, a token or a
cookie.

>>> request_id_from("abc-123")
'abc-123'
>>> len(request_id_from("bad id; DROP")) == 32
True
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("critmin_request_id", default=None)
REQUEST_ID_MAX_CHARS = 128
_SAFE_ID = re.compile(rf"[A-Za-z0-9._:\-]{{1,{REQUEST_ID_MAX_CHARS}}}")
REQUESTS_LOGGER = "critmin.requests"
_HANDLER_NAME = "critmin"
# what every record has, and uvicorn's copy of its message with terminal colours: not fields of a JSON line
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"color_message"}
_SCALARS = (str, int, float, bool, type(None))


def request_id_from(header: str | None) -> str:
    """The client's id when it is 1-128 characters of ``A-Z a-z 0-9 . _ : -``; else a new random one."""
    if header is not None and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


_factory_installed = False


def install_request_ids() -> None:
    """Makes every log record carry the current request's id (None outside a request); idempotent."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def request_fields(*, method: str, route: str, status: int, duration_ms: float, client: str,
                   partner: str | None, steps: dict[str, float] | None = None) -> dict[str, Any]:
    """The fields of a request's log line: nothing the client sent but its method, address and the route matched;
    and where the time went, when the route timed its steps (``kg.timings``)."""
    fields: dict[str, Any] = {"method": method, "route": route, "status": status,
                              "duration_ms": round(duration_ms, 2), "client": client}
    if partner is not None:
        fields["partner"] = partner
    if steps:
        fields["steps_ms"] = {name: round(ms, 1) for name, ms in steps.items()}
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the record's extra
    fields, and the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in record.__dict__.keys() - _STANDARD_ATTRIBUTES:
            if name not in line and not name.startswith("_"):
                value = record.__dict__[name]
                line[name] = value if isinstance(value, _SCALARS) or _is_flat_mapping(value) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _is_flat_mapping(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, _SCALARS) for k, v in value.items())


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = None
        return super().format(record)


def configure_logging(*, log_format: str, log_level: str) -> None:
    """Log records of every logger (uvicorn's too) to stderr, as JSON lines or text, from ``log_level`` up.

    Replaces only the handler it added before, so a test harness's own handlers stay."""
    install_request_ids()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's lines go through ours
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
