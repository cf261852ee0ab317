"""Who a request counts against, before any route runs: the partner of a valid bearer token, else the address.

An invalid, unknown or revoked token counts as its address, so sending made-up tokens cannot earn a fresh limit; the
route still answers such a token with its 401. Tokens are looked up in the accounts database once a minute at most
(a cache keyed by the token's SHA-256, bounded in size): a revoked token may count as its partner for up to a minute
more, which only affects whose limit it spends. The request's state carries the client on (``api.auth.client_key``).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import anyio

from kg.accounts import AccountError, authenticate, looks_like_token

TOKEN_CACHE_TTL_S = 60.0
TOKEN_CACHE_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Client:
    address: str
    partner: str | None

    @property
    def key(self) -> str:
        return f"partner:{self.partner}" if self.partner is not None else f"address:{self.address}"

    @property
    def kind(self) -> str:
        return "partner" if self.partner is not None else "address"


class ClientResolver:
    """Turns a request's Authorization header and peer address into a ``Client``."""

    def __init__(self, accounts_db: Path) -> None:
        self.accounts_db = accounts_db
        self._partners: OrderedDict[bytes, tuple[str | None, float]] = OrderedDict()

    async def resolve(self, authorization: str | None, address: str) -> Client:
        token = _bearer_token(authorization)
        partner = await self._partner(token) if token is not None else None
        return Client(address=address, partner=partner)

    async def _partner(self, token: str) -> str | None:
        digest = hashlib.sha256(token.encode()).digest()
        now = time.monotonic()
        cached = self._partners.get(digest)
        if cached is not None and cached[1] > now:
            self._partners.move_to_end(digest)
            return cached[0]
        try:
            caller = await anyio.to_thread.run_sync(authenticate, self.accounts_db, token)
        except AccountError:
            return None  # not cached: the database may be back on the next request
        partner = caller.partner if caller is not None else None
        self._partners[digest] = (partner, now + TOKEN_CACHE_TTL_S)
        self._partners.move_to_end(digest)
        while len(self._partners) > TOKEN_CACHE_MAX_ENTRIES:
            self._partners.popitem(last=False)
        return partner


def _bearer_token(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and looks_like_token(token) else None
