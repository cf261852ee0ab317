"""Hands the query workers out fairly between clients, so that one client's runaway queries cannot starve the rest.

A query holds its worker until it ends or its deadline kills it; pyoxigraph cannot stop it sooner. With one
first-come queue, ten runaway queries sent at once would take every worker and queue ahead of everyone else's
look-ups until their deadlines passed. Here each client (a partner, or an address for anonymous callers) may hold
at most ``per_client`` workers at once, its further queries wait in its own line, and a freed worker goes to the
waiting client that has used the workers least lately: worker-seconds, its queries running now included, halved
every ``HALF_LIFE_S``. A client with ten runaway queries holds ``per_client`` workers, and the others share the
rest; ten clients with one runaway each are served once, and after that every look-up of a client that asks
little goes ahead of their next runaway, since each of those has used seconds of worker time already. Among
clients that used the same (none yet, say), the one that has waited longest goes first.

>>> slots = FairSlots(["w1", "w2"], per_client=1)
>>> asyncio.run(slots.acquire("a", timeout_s=1.0))
'w1'
>>> slots.held_by("a")
1
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

Slot = TypeVar("Slot")
HALF_LIFE_S = 60.0  # how fast a client's past use of the workers is forgotten
FORGET_AFTER_CLIENTS = 10_000


class FairSlots(Generic[Slot]):
    """A pool of interchangeable slots (the workers) shared between clients, each holding at most ``per_client``
    at once, a freed one going to the waiting client that used them least lately. Used from one event loop; no
    locks. ``clock``: seconds, monotonic (tests give their own)."""

    def __init__(self, slots: Iterable[Slot], *, per_client: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_client < 1:
            raise ValueError("per_client must be at least 1")
        self.per_client = per_client
        self._clock = clock
        self._free: deque[Slot] = deque(slots)
        self._held: Counter[str] = Counter()
        self._since: dict[str, deque[float]] = {}  # when each slot a client holds was taken
        self._used: dict[str, tuple[float, float]] = {}  # worker-seconds of finished holds, and when last decayed
        self._waiting: dict[str, deque[asyncio.Future[Slot]]] = {}  # insertion order: the longest waiting first

    def held_by(self, client: str) -> int:
        return self._held[client]

    def waiting(self) -> int:
        return sum(len(line) for line in self._waiting.values())

    def busy(self) -> int:
        """Slots held now."""
        return sum(self._held.values())

    def try_acquire(self, client: str) -> Slot | None:
        """A slot for ``client`` if one is free for it now (no one ahead of it), else None."""
        if self._free and self._held[client] < self.per_client and client not in self._waiting:
            return self._take(client)
        return None

    async def acquire(self, client: str, *, timeout_s: float) -> Slot:
        """A slot for ``client``, waiting up to ``timeout_s`` for one; ``TimeoutError`` after that."""
        slot = self.try_acquire(client)
        if slot is not None:
            return slot
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(future)
        self._dispatch()  # a slot may be free for this client while others wait at their limit
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=timeout_s)
        except (TimeoutError, asyncio.CancelledError):
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(client, future.result())  # handed over just as the wait ended: give it back
            else:
                future.cancel()
                self._forget(client, future)
            raise

    def release(self, client: str, slot: Slot) -> None:
        """Give back ``slot``, held by ``client`` (or a fresh slot replacing it)."""
        now = self._clock()
        # which of the client's holds ended does not matter: the sum of their lengths is the same
        self._used[client] = (self._past_use(client, now) + now - self._since[client].popleft(), now)
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client], self._since[client]
        if len(self._used) > FORGET_AFTER_CLIENTS:  # bounded memory: drop who used next to nothing lately
            self._used = {c: (self._past_use(c, now), now) for c in self._used if self._past_use(c, now) > 0.01}
        self._free.append(slot)
        self._dispatch()

    def use(self, client: str) -> float:
        """Worker-seconds ``client`` has used lately (halved every ``HALF_LIFE_S``), its running holds included."""
        now = self._clock()
        return self._past_use(client, now) + sum(now - since for since in self._since.get(client, ()))

    def _past_use(self, client: str, now: float) -> float:
        used, at = self._used.get(client, (0.0, now))
        return used * 0.5 ** ((now - at) / HALF_LIFE_S)

    def close(self, error: type[Exception]) -> None:
        """Ends every wait with ``error`` (raised in each waiter): no slot will be freed any more."""
        lines, self._waiting = self._waiting, {}
        for line in lines.values():
            for future in line:
                if not future.done():
                    future.set_exception(error())

    def _take(self, client: str) -> Slot:
        self._held[client] += 1
        self._since.setdefault(client, deque()).append(self._clock())
        return self._free.popleft()

    def _dispatch(self) -> None:
        while self._free:
            allowed = [c for c in self._waiting if self._held[c] < self.per_client]
            if not allowed:
                return
            client = min(allowed, key=self.use)  # min keeps the first of equals: the one waiting longest
            line = self._waiting.pop(client)
            future = line.popleft()
            if line:
                self._waiting[client] = line  # re-inserted: now last among equals
            if future.done():  # cancelled while waiting
                continue
            future.set_result(self._take(client))

    def _forget(self, client: str, future: asyncio.Future[Slot]) -> None:
        line = self._waiting.get(client)
        if line is None:
            return
        if future in line:
            line.remove(future)
        if not line:
            del self._waiting[client]
