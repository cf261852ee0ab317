"""Path traversal in the routes that serve files or name things by path: /dumps/…, /static/…, /static/vendor/…,
/graph/…, /id/… (documents included), /ontology/….

A canary file sits beside the store folder, and /etc/passwd outside everything: neither may ever come back, for any
spelling of the way out (``../``, ``%2e%2e%2f``, double encoding, backslashes, absolute paths, NUL bytes, overlong
UTF-8). Requests are sent as raw paths straight to the started app (an HTTP client would normalise ``../`` away
before sending; a server passes it on), and must be answered 404 or 400 (or a redirect that stays inside).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import anyio
import pytest

from tests.conftest import PRINTED
from tests.security.conftest import Hub, Tally

TALLY = Tally()
CANARY = "canary-beside-the-store-5d41402a"
PREFIXES = ["/dumps/", "/static/", "/static/vendor/", "/static/vendor/leaflet/", "/graph/", "/id/",
            "/id/document/", "/ontology/"]
ESCAPES = [
    "../", "..%2f", "%2e%2e%2f", "%2e%2e/", "..%252f", "%252e%252e%252f", "..\\", "..%5c", "%2e%2e%5c",
    "....//", "..;/", "%c0%ae%c0%ae%c0%af", "%uff0e%uff0e/", ".%2e/",
]
TARGETS = ["canary.txt", "etc/passwd", "store/CURRENT", "accounts.sqlite3"]


def raw_get(hub: Hub, raw_path: bytes) -> tuple[int, bytes]:
    """GET ``raw_path`` as a server would hand it to the app (path decoded once, raw_path as sent), in the app's
    own event loop."""

    async def call() -> tuple[int, bytes]:
        path, _, query = raw_path.partition(b"?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": unquote(path.decode("ascii", "replace")),
                 "raw_path": path, "query_string": query, "root_path": "", "headers": [(b"host", b"testserver")],
                 "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}
        status, body, requested, done = 0, bytearray(), False, anyio.Event()

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # a streaming response listens for the client leaving: only once it has all
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await hub.client.app(scope, receive, send)
        return status, bytes(body)

    return hub.client.portal.call(call)


@pytest.fixture(scope="module")
def canary(hub: Hub) -> Path:
    store = Path(hub.client.app.state.settings.store)
    path = store.parent / "canary.txt"
    path.write_text(CANARY)
    return path


def paths() -> list[str]:
    out = []
    for prefix in PREFIXES:
        for escape in ESCAPES:
            for depth in (1, 3, 8):
                for target in TARGETS:
                    out.append(prefix + escape * depth + target)
        out += [prefix + "/etc/passwd", prefix + "%2fetc%2fpasswd", prefix + "file:///etc/passwd",
                prefix + "C:\\Windows\\win.ini", prefix + "all.nq.gz%00.html", prefix + "x%00/../../canary.txt",
                prefix + "\\\\server\\share", prefix + "%2e", prefix + "%2e%2e"]
    return out


def test_baseline_taken(baseline) -> None:
    assert baseline


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_way_out_of_the_served_folders(hub: Hub, canary: Path, prefix: str) -> None:
    before = hub.state()
    failures = []
    for path in (p for p in paths() if p.startswith(prefix) and not any(
            p.startswith(longer) for longer in PREFIXES if len(longer) > len(prefix) and longer.startswith(prefix))):
        TALLY.tried += 1
        status, body = raw_get(hub, path.encode())
        if CANARY.encode() in body or b"root:x:0:0" in body or body.startswith(b"SQLite format"):
            failures.append(f"{path}: {status}, a file outside the served folders came back")
        elif status >= 500:
            failures.append(f"{path}: {status} {body[:200]!r}")
        elif status in (200, 203, 206):
            failures.append(f"{path}: {status} (expected 404 or 400)")
        elif 400 <= status < 500:
            TALLY.rejected += 1
        else:
            TALLY.accepted.append(f"{path}: {status}")  # a redirect: checked below that it stays inside
    assert not failures, "\n".join(failures[:30])
    assert hub.state() == before


def test_the_served_folders_do_serve(hub: Hub) -> None:
    """The control: the same routes answer 200 for what they do serve, so the 404s above mean something."""
    served = [b"/dumps/", b"/static/site.css", b"/graph/countries", b"/id/country/GBR", b"/ontology/Facility"]
    assert {path: raw_get(hub, path)[0] for path in served} == dict.fromkeys(served, 200)


def test_summary(hub: Hub, baseline, record_property) -> None:
    assert hub.full_state() == baseline
    assert TALLY.tried > 1000 and not TALLY.accepted, TALLY.accepted[:10]
    line = TALLY.line("path traversal attempts") + "; no file outside the served folders in any answer"
    print(line)
    record_property(PRINTED, line)
