"""Bearer tokens through the real app (``api/auth.py``): anonymous, valid, revoked, malformed, wrong scope."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.accounts import list_tokens, remove_partner, revoke_token
from tests.backends import serve_app

INVALID = 'Bearer error="invalid_token"'
# a review write needs "admin"; the statement need not exist, since authentication comes first
REVIEW_WRITE = "/review/statement/doc/000000000000/accept"


@pytest.fixture
def client(tmp_path: Path, accounts_db: Path) -> Iterator[TestClient]:
    with serve_app(tmp_path / "store", query_workers=1, accounts_db=accounts_db) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_header_the_caller_is_anonymous(client: TestClient, accounts_db: Path) -> None:
    response = client.get("/whoami")
    assert response.status_code == 200
    assert response.json() == {"partner": None, "scopes": [], "token_id": None}
    assert response.headers["cache-control"] == "no-store"
    assert not accounts_db.exists()  # anonymous requests never touch the accounts file


def test_a_valid_token_is_its_partner_with_its_scopes(client: TestClient, token_for) -> None:
    token = token_for("read", "write", partner="bgs")
    response = client.get("/whoami", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"partner": "bgs", "scopes": ["read", "write"], "token_id": token.split("_")[1]}
    assert client.get("/whoami", headers={"Authorization": f"bearer  {token} "}).json()["partner"] == "bgs"


@pytest.mark.parametrize(("header", "message"), [
    ("", "must be 'Authorization: Bearer <token>'"),
    ("Bearer", "must be 'Authorization: Bearer <token>'"),
    ("Bearer   ", "must be 'Authorization: Bearer <token>'"),
    ("Basic YWRtaW46YWRtaW4=", "must be 'Authorization: Bearer <token>'"),
    ("{token}", "must be 'Authorization: Bearer <token>'"),  # the token without its scheme
    ("Token {token}", "must be 'Authorization: Bearer <token>'"),
    ("Bearer hunter2", "not a critmin API token"),
    ("Bearer {token} {token}", "not a critmin API token"),
    ("Bearer cm_000000000000_" + "A" * 43, "unknown or revoked"),
])
def test_a_malformed_header_or_unknown_token_is_401_invalid_token(client: TestClient, admin_token: str,
                                                                  header: str, message: str) -> None:
    sent = header.format(token=admin_token)
    for response in (client.get("/whoami", headers={"Authorization": sent}),
                     client.post(REVIEW_WRITE, json={}, headers={"Authorization": sent})):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == INVALID
        assert message in response.json()["detail"]
        assert admin_token not in response.text and "hunter2" not in response.text


def test_a_revoked_token_or_a_removed_partners_token_is_401(client: TestClient, accounts_db: Path,
                                                            token_for) -> None:
    token = token_for("admin", partner="bgs")
    other = token_for("read", partner="tata")
    assert client.get("/whoami", headers=bearer(token)).status_code == 200
    revoke_token(accounts_db, token.split("_")[1])
    for path in ("/whoami", REVIEW_WRITE):
        response = client.request("GET" if path == "/whoami" else "POST", path, headers=bearer(token))
        assert response.status_code == 401 and response.headers["www-authenticate"] == INVALID
        assert "unknown or revoked" in response.json()["detail"] and token not in response.text
    assert client.get("/whoami", headers=bearer(other)).status_code == 200
    remove_partner(accounts_db, "tata")
    assert client.get("/whoami", headers=bearer(other)).status_code == 401


def test_a_scope_is_required_anonymous_gets_401_and_a_lesser_token_403(client: TestClient, token_for) -> None:
    anonymous = client.post(REVIEW_WRITE, json={})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert "needs an API token with the 'admin' scope" in anonymous.json()["detail"]
    for scopes in (["read"], ["read", "write"]):
        response = client.post(REVIEW_WRITE, json={}, headers=bearer(token_for(*scopes)))
        assert response.status_code == 403
        assert response.json()["detail"] == f"this needs the 'admin' scope; your token has: {', '.join(scopes)}"
        assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="admin"'
    admin = client.post(REVIEW_WRITE, json={}, headers=bearer(token_for("admin")))
    assert admin.status_code == 404  # past authentication: the statement is unknown


def test_an_unusable_accounts_file_is_503_not_a_verdict_on_the_token(tmp_path: Path) -> None:
    broken = tmp_path / "accounts-is-a-folder"
    broken.mkdir()
    with serve_app(tmp_path / "store", query_workers=1, accounts_db=broken) as client:
        response = client.get("/whoami", headers=bearer("cm_000000000000_" + "A" * 43))
        assert response.status_code == 503 and "accounts database is unavailable" in response.json()["detail"]
        assert str(broken) not in response.text  # a server path is no business of the client's
        assert client.get("/whoami").status_code == 200  # anonymous reads carry on


def test_tokens_are_checked_in_parallel_requests(client: TestClient, accounts_db: Path, token_for) -> None:
    tokens = [token_for("read", partner=f"p{n}") for n in range(6)]
    assert len(list_tokens(accounts_db)) == 6
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda t: client.get("/whoami", headers=bearer(t)).json()["partner"], tokens * 5))
    assert answers == [f"p{n}" for n in range(6)] * 5
