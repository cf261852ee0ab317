"""The real app, served by uvicorn on 127.0.0.1 over all bundled data, and Debian's Chromium driven by Playwright.

Skips (saying why) when Playwright, /usr/bin/chromium or the npm files of /static/vendor/ are missing:
`make test` installs all three. Every request the browser makes is recorded; each test fails if one went to any
host other than the test server. Screenshots go to /tmp/critmin-screens/.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.routers.vendor import NODE_MODULES

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path("/tmp/critmin-screens")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


def _why_skip() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `pip install -e '.[test]'` (or `make install`)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install -y chromium)"
    if not (NODE_MODULES / "@zazuko/yasgui").is_dir():
        return "node_modules is missing, so /static/vendor/ is empty: `make install` runs npm ci (needs npm)"
    return None


@pytest.fixture(scope="session")
def server(bundled, tmp_path_factory: pytest.TempPathFactory):
    reason = _why_skip()
    if reason:
        pytest.skip(reason)
    from tests.backends import backend_app, live_server

    store, _ = bundled
    copy = tmp_path_factory.mktemp("browser") / "store"
    store.backup(str(copy))  # a checkpoint the app opens as its own store (the session's store stays locked)
    with backend_app(copy, query_workers=2) as app, live_server(app) as url:
        yield url


@pytest.fixture(scope="module")  # module: Playwright runs an event loop in this thread until it stops
def browser(server, tmp_path_factory: pytest.TempPathFactory):
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        user_data = tmp_path_factory.mktemp("chromium-profile")
        context = playwright.chromium.launch_persistent_context(
            str(user_data), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    """A fresh page; afterwards, fails the test if any request went elsewhere than the test server."""
    requests: list[str] = []
    foreign: list[str] = []

    def record(request) -> None:
        requests.append(request.url)

    def guard(route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            foreign.append(url)
            route.abort()
        else:
            route.continue_()

    browser.route("**/*", guard)
    page = browser.new_page()
    page.on("request", record)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    browser.unroute("**/*", guard)
    hosts = {urlsplit(url).hostname for url in requests if urlsplit(url).scheme in ("http", "https")}
    assert not foreign and hosts <= {"127.0.0.1"}, f"requests to other hosts: {foreign or hosts}"
    assert not errors, f"JavaScript errors on the page: {errors}"
