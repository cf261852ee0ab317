"""Oversized bodies are refused as they arrive, over real HTTP: a client streaming a body far past a route's limit
(chunked, so no Content-Length warns of it) is answered 413 once the limit has come in, not after the server has
read, parsed or spooled it all. The forms of /documents (a file) and /reconcile (fields) were read whole before any
route code ran. Now /documents reads its body itself as it comes (``api/request_bodies.py``), and FastAPI's body
limit (``max_body_size``: the setting request_max_bytes, ``create_app``) stops the forms of routes that let FastAPI
read them."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.backends import backend_app, live_server
from tests.conftest import issue_token

LIMIT_BYTES = 256 * 1024
STREAMED_BYTES = 256 * 1024 * 1024  # what the client would send if nothing stopped it
# the kernel's socket buffers on loopback hold a few MiB a stopped server never reads: far below STREAMED_BYTES
UNREAD_BUFFERS_BYTES = 32 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app's address, and a partner's write token."""
    folder = tmp_path_factory.mktemp("body-limits")
    token = issue_token(folder / "accounts.sqlite3", "read", "write", partner="bgs")
    with backend_app(folder / "store", query_workers=1, accounts_db=folder / "accounts.sqlite3",
                     document_max_upload_bytes=LIMIT_BYTES, request_max_bytes=LIMIT_BYTES,
                     rate_limit_per_s=0) as app, live_server(app) as url:
        yield url, token


def stream_until_answered(server: tuple[str, str], path: str, content_type: str, prefix: bytes,
                          filler: bytes) -> tuple[int | None, int]:
    """POSTs ``prefix`` and then ``filler`` over and over, chunked, until the server answers (or stops reading, or
    STREAMED_BYTES are sent): the status it answered (None if the connection was reset before it could be read)
    and the body bytes sent."""
    url, token = server
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: {content_type}\r\n"
                           f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        sent = 0
        piece = prefix + filler
        try:
            while sent < STREAMED_BYTES and not select.select([connection], [], [], 0)[0]:
                connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
                piece = filler
        except OSError:  # the server closed the connection (reset, or our send timed out on full buffers)
            pass
        try:
            head = connection.recv(4096)
        except OSError:
            return None, sent
    return (int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else None), sent


def test_a_document_streamed_past_the_limit_is_refused_as_it_arrives(server: tuple[str, str]) -> None:
    prefix = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="huge.txt"\r\n'
              b"Content-Type: text/plain\r\n\r\n")
    status, sent = stream_until_answered(server, "/documents", "multipart/form-data; boundary=b", prefix,
                                         b"x" * 65536)
    assert status in (413, None) and sent < UNREAD_BUFFERS_BYTES, (status, sent)


def test_a_form_streamed_past_the_limit_is_refused_as_it_arrives(server: tuple[str, str]) -> None:
    """Fields of half a MiB: each under the form parser's limit of a field (1 MiB), and 512 of them under its
    limit of fields (1,000), so only the body limit stops them."""
    status, sent = stream_until_answered(server, "/reconcile", "application/x-www-form-urlencoded", b"q=1",
                                         b"&q=" + b"1" * (512 * 1024))
    assert status in (413, None) and sent < UNREAD_BUFFERS_BYTES, (status, sent)


def test_the_server_answers_after_refusing(server: tuple[str, str]) -> None:
    assert httpx.get(f"{server[0]}/healthz", timeout=30).status_code == 200


def test_the_413_of_a_form_names_the_limit_and_its_setting(server: tuple[str, str]) -> None:
    body = b"queries=" + b"1" * LIMIT_BYTES
    response = httpx.post(f"{server[0]}/reconcile", content=iter([body[:65536], body[65536:]]), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json()["detail"] == (f"the request body is larger than {LIMIT_BYTES:,} bytes, the most POST "
                                         "/reconcile takes (setting request_max_bytes)")


@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/v1/reconcile"])
def test_a_declared_length_past_the_limit_gets_the_same_413(server: tuple[str, str], path: str) -> None:
    body = b"queries=" + b"1" * LIMIT_BYTES  # sent whole, with a Content-Length that says it is too long
    response = httpx.post(f"{server[0]}{path}", content=body, timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json()["detail"] == (f"the request body is larger than {LIMIT_BYTES:,} bytes, the most POST "
                                         f"{path} takes (setting request_max_bytes)")
