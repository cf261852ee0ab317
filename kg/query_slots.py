"""Hands the query workers out fairly between clients, so that one client's runaway queries cannot starve the rest.

A query holds its worker until it ends or its deadline kills it; pyoxigraph cannot stop it sooner. With one
first-come queue, ten runaway queries sent at once would take every worker and queue ahead of everyone else's
look-ups until their deadlines passed. Here each client (a partner, or an address for anonymous callers) may hold
at most ``per_client`` workers at once, its further queries wait in its own line, and a freed worker goes to the
next client in turn that has one waiting: a client with ten runaway queries holds ``per_client`` workers, and the
other clients share the rest, each served in turn however many queries the greedy one has queued.

>>> slots = FairSlots(["w1", "w2"], per_client=1)
>>> asyncio.run(slots.acquire("a", timeout_s=1.0))
'w1'
>>> slots.held_by("a")
1
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Iterable
from typing import Generic, TypeVar

Slot = TypeVar("Slot")


class FairSlots(Generic[Slot]):
    """A pool of interchangeable slots (the workers) shared round-robin between clients, each holding at most
    ``per_client`` at once. Used from one event loop; no locks."""

    def __init__(self, slots: Iterable[Slot], *, per_client: int) -> None:
        if per_client < 1:
            raise ValueError("per_client must be at least 1")
        self.per_client = per_client
        self._free: deque[Slot] = deque(slots)
        self._held: Counter[str] = Counter()
        self._waiting: dict[str, deque[asyncio.Future[Slot]]] = {}  # insertion order is the turn order

    def held_by(self, client: str) -> int:
        return self._held[client]

    def waiting(self) -> int:
        return sum(len(line) for line in self._waiting.values())

    async def acquire(self, client: str, *, timeout_s: float) -> Slot:
        """A slot for ``client``, waiting up to ``timeout_s`` for one; ``TimeoutError`` after that."""
        if self._free and self._held[client] < self.per_client and client not in self._waiting:
            return self._take(client)
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
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client]
        self._free.append(slot)
        self._dispatch()

    def close(self, error: type[Exception]) -> None:
        """Ends every wait with ``error`` (raised in each waiter): no slot will be freed any more."""
        lines, self._waiting = self._waiting, {}
        for line in lines.values():
            for future in line:
                if not future.done():
                    future.set_exception(error())

    def _take(self, client: str) -> Slot:
        self._held[client] += 1
        return self._free.popleft()

    def _dispatch(self) -> None:
        # Turn order: the client that waited longest first; after being served it goes to the back of the line.
        while self._free:
            client = next((c for c in self._waiting if self._held[c] < self.per_client), None)
            if client is None:
                return
            line = self._waiting.pop(client)
            future = line.popleft()
            if line:
                self._waiting[client] = line  # re-inserted: now last in turn
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
