"""A loopback HTTP server that records every request made to it: proof that the app fetched nothing it was pointed
at (a JSON-LD context, an XML entity, a SPARQL LOAD or SERVICE)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

JSON_LD_CONTEXT = b'{"@context": {"name": "http://example.org/fetched-name"}}'


@contextmanager
def recording_server(body: bytes = JSON_LD_CONTEXT, content_type: str = "application/ld+json",
                     ) -> Iterator[tuple[str, list[str]]]:
    """``(base_url, hits)``: every request's path is appended to ``hits``; each is answered with ``body`` (by default
    a small JSON-LD context), so a fetch would succeed and show up in the data too."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            hits.append(urlsplit(self.path).path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
