"""The review page in a real browser: the API token field, Accept from a row, a wrong token's error shown in the row."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.test_review import make_store
from tests.browser.conftest import SCREENS, _why_skip
from tests.conftest import issue_token


@pytest.fixture(scope="module")
def review_accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("review-accounts")) / "accounts.sqlite3"


@pytest.fixture(scope="module")
def token(review_accounts: Path) -> str:
    """An admin token: what a reviewer types into the page."""
    return issue_token(review_accounts, "admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, review_accounts: Path):
    """This module's own app: a small store of candidate statements and an accounts file (no bundled data needed)."""
    reason = _why_skip()
    if reason:
        pytest.skip(reason)
    from tests.backends import backend_app, live_server

    store = make_store(Path(tmp_path_factory.mktemp("review-browser")))
    with backend_app(store, query_workers=1, accounts_db=review_accounts) as app, live_server(app) as url:
        yield url


def listed(server: str, status: str) -> list[dict]:
    return httpx.get(f"{server}/review.json", params={"status": status, "page_size": 200}).json()["candidates"]


def row_of(page, subject: str):
    return page.locator("table.review tbody tr", has_text=subject).first


def open_review(page, server: str, *, token: str, reviewer: str = "ann"):
    page.goto(f"{server}/review")
    page.wait_for_selector("#review-auth:not([hidden])")
    page.fill("#review-token", token)
    page.fill("#review-reviewer", reviewer)
    return page


def test_accept_from_the_page_updates_the_row_and_the_store(page, server, token: str) -> None:
    open_review(page, server, token=token)
    assert "review-token" not in page.url and token not in page.url
    statement = next(c for c in listed(server, "candidate") if "Albemarle" in (c["subject_label"] or ""))
    row = row_of(page, "Albemarle Corporation")
    assert row.get_attribute("data-statement") == statement["statement"]
    row.get_by_role("button", name="Accept").click()
    page.wait_for_function(
        "s => document.querySelector(`tr[data-statement='${s}']`).dataset.status === 'accepted'",
        arg=statement["statement"], timeout=10_000)
    assert row.locator(".review-status").inner_text() == "accepted"
    assert "decided" in (row.get_attribute("class") or "")
    assert [c["statement"] for c in listed(server, "accepted")] == [statement["statement"]]
    # the token stays in this tab's sessionStorage, not in a cookie
    assert page.evaluate("sessionStorage.getItem('critmin.review.token')") == token
    assert not page.context.cookies()
    page.screenshot(path=str(SCREENS / "review.png"), full_page=True)


def test_a_wrong_token_shows_the_error_in_the_row_and_changes_nothing(page, server) -> None:
    before = {status: listed(server, status) for status in ("candidate", "accepted", "rejected")}
    open_review(page, server, token="not-the-token")
    row = row_of(page, "Chile")
    row.get_by_role("button", name="Reject").click()
    message = row.locator(".review-message.error")
    message.wait_for(timeout=10_000)
    assert "401" in message.inner_text() and "not a critmin API token" in message.inner_text()
    assert row.locator(".review-status").inner_text() == "candidate"
    assert "decided" not in (row.get_attribute("class") or "")
    assert {status: listed(server, status) for status in before} == before


def test_a_fix_from_the_page_accepts_the_corrected_relation(page, server, token: str) -> None:
    open_review(page, server, token=token)
    row = row_of(page, "Pilbara")
    statement = row.get_attribute("data-statement")
    row.locator("details.review-fix summary").click()
    row.locator("select[name=predicate]").select_option("OWNS")
    row.locator("textarea[name=attributes]").fill('{"percentage": 50}')
    row.get_by_role("button", name="Save fix").click()
    row.locator(".review-status", has_text="accepted (fixed)").wait_for(timeout=10_000)
    assert statement in [c["statement"] for c in listed(server, "accepted")]
    bad = row_of(page, "Chile")
    bad.locator("details.review-fix summary").click()
    bad.locator("textarea[name=attributes]").fill('{"colour": "red"}')
    bad.get_by_role("button", name="Save fix").click()
    error = bad.locator(".review-message.error")
    error.wait_for(timeout=10_000)
    assert "400" in error.inner_text() and "unknown attributes colour" in error.inner_text()
    assert bad.locator(".review-status").inner_text() == "candidate"


def test_without_javascript_the_list_reads_and_shows_no_controls(server) -> None:
    html = httpx.get(f"{server}/review").text
    assert "Albemarle Corporation operates the Kemerton" in html
    assert 'id="review-auth" hidden' in html and '<th class="review-column" hidden>' in html
