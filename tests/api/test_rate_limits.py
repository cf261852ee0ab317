"""Per-client rate limits (api/observability/rate_limits.py, middleware.py) through a real app: a burst over the
limit gets 429 with Retry-After, other clients and the health, readiness and metrics routes are unaffected, the
client is served again once it has waited; and the buckets' memory stays bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.observability.rate_limits import TokenBuckets
from tests.api.conftest import serve_copy
from tests.conftest import issue_token

RATE_PER_S = 0.5  # a token every 2 s: the few requests of a burst cannot earn one back meanwhile
BURST = 4


@pytest.fixture(scope="module")
def client(reference_store: Store, tmp_path_factory: pytest.TempPathFactory, accounts: Path) -> Iterator[TestClient]:
    yield from serve_copy(reference_store, tmp_path_factory.mktemp("rate-limits"), accounts,
                          rate_limit_per_s=RATE_PER_S, rate_limit_burst=BURST)


def test_a_burst_over_the_limit_is_refused_until_retry_after(client: TestClient, accounts: Path) -> None:
    partner = {"Authorization": f"Bearer {issue_token(accounts, 'read', partner='paced')}"}
    made_up = {"Authorization": partner["Authorization"][:-1] + ("0" if partner["Authorization"][-1] != "0" else "1")}
    assert [client.get("/whoami").status_code for _ in range(BURST)] == [200] * BURST
    refused = client.get("/whoami")
    assert refused.status_code == 429
    retry_after = refused.headers["retry-after"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 2  # whole seconds (RFC 9110); a token every 2 s
    assert "too many requests" in refused.json()["detail"] and "rate_limit_per_s" in refused.json()["detail"]
    assert refused.headers["x-request-id"]

    assert client.get("/whoami", headers=made_up).status_code == 429  # a made-up token counts as its address
    assert client.get("/whoami", headers=partner).json()["partner"] == "paced"  # another client: its own bucket
    for exempt in ("/healthz", "/readyz", "/metrics"):
        assert client.get(exempt).status_code == 200, exempt
    assert 'critmin_rate_limited_requests_total{client_kind="address"} 2.0' in client.get("/metrics").text

    time.sleep(int(client.get("/whoami").headers["retry-after"]))
    assert client.get("/whoami").status_code == 200


def test_no_limit_when_the_rate_is_zero(reference_store: Store, tmp_path: Path, accounts_db: Path) -> None:
    for client in serve_copy(reference_store, tmp_path, accounts_db, rate_limit_per_s=0, rate_limit_burst=1):
        assert {client.get("/whoami").status_code for _ in range(20)} == {200}


def test_buckets_of_idle_clients_are_dropped() -> None:
    buckets = TokenBuckets(rate_per_s=10.0, burst=5)  # an empty bucket is full again after 0.5 s
    for number in range(1000):
        buckets.take(f"address:10.0.{number // 256}.{number % 256}", now=0.0)
    assert len(buckets) == 1000
    assert buckets.take("address:10.9.9.9", now=0.4) == 0.0
    assert len(buckets) == 1001  # none idle long enough yet
    assert buckets.take("address:10.9.9.9", now=0.6) == 0.0
    assert len(buckets) == 1  # the thousand had refilled: dropped, as if never seen


def test_the_number_of_buckets_is_capped() -> None:
    buckets = TokenBuckets(rate_per_s=1.0, burst=2, max_clients=100)
    for number in range(1000):
        buckets.take(f"address:{number}", now=number * 0.001)
    assert len(buckets) == 100
    [buckets.take("address:busy", now=1.0) for _ in range(2)]
    assert buckets.take("address:busy", now=1.0) == pytest.approx(1.0)  # the limit holds for a present client
