"""Per-client rate limits: a token bucket per client key, refilled at ``rate_per_s`` up to ``burst`` tokens.

A request takes one token; a client with none left is told how long until the next one. Memory stays bounded: a
bucket left alone long enough to be full again is the same as no bucket, so such idle buckets are dropped (buckets
are kept in order of last use, so the idle ones are at the front), and past ``max_clients`` buckets the least
recently used goes, whatever it holds.

>>> buckets = TokenBuckets(rate_per_s=1.0, burst=2)
>>> [buckets.take("a", now=0.0), buckets.take("a", now=0.0), buckets.take("a", now=0.0)]
[0.0, 0.0, 1.0]
>>> buckets.take("b", now=0.0), buckets.take("a", now=1.0)
(0.0, 0.0)
"""

from __future__ import annotations

import time
from collections import OrderedDict

MAX_CLIENTS = 100_000  # ~200 bytes a bucket: ~20 MB at most


class TokenBuckets:
    """Used from one event loop (the middleware's): no lock."""

    def __init__(self, *, rate_per_s: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate_per_s > 0 and burst >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.max_clients = max_clients
        self._refill_s = burst / rate_per_s  # an empty bucket is full again after this long
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()  # key -> [tokens, last use]

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, *, now: float | None = None) -> float:
        """0.0 when ``key`` may go ahead (a token is spent), else the seconds until it may."""
        now = time.monotonic() if now is None else now
        self._evict_idle(now)
        bucket = self._buckets.pop(key, None)
        tokens = float(self.burst)
        if bucket is not None:
            tokens = min(tokens, bucket[0] + (now - bucket[1]) * self.rate_per_s)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate_per_s
        self._buckets[key] = [tokens, now]  # at the end: the most recently used
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def _evict_idle(self, now: float) -> None:
        while self._buckets:
            key, (_, last) = next(iter(self._buckets.items()))
            if now - last < self._refill_s:
                return
            del self._buckets[key]
