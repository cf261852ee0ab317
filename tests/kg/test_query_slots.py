"""Fair sharing of the query workers (kg/query_slots.py): a cap per client, turns in order, no slot lost."""

import asyncio

import pytest

from kg.query_slots import HALF_LIFE_S, FairSlots


def test_a_client_holds_at_most_its_share_and_waits_for_more() -> None:
    async def scenario():
        slots = FairSlots(["w1", "w2", "w3"], per_client=2)
        first = [await slots.acquire("greedy", timeout_s=1) for _ in range(2)]
        third = asyncio.create_task(slots.acquire("greedy", timeout_s=5))
        await asyncio.sleep(0)
        other = await slots.acquire("polite", timeout_s=1)  # the free slot goes to the other client
        waiting = not third.done()
        slots.release("greedy", first[0])
        return first, other, waiting, await third, slots.held_by("greedy")

    first, other, waiting, third, held = asyncio.run(scenario())
    assert first == ["w1", "w2"] and other == "w3" and waiting
    assert third == "w1" and held == 2


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_freed_slots_go_round_robin_between_clients_that_used_them_alike() -> None:
    async def scenario():
        slots = FairSlots(["w"], per_client=1, clock=Clock())  # no time passes: every client has used nothing
        held = await slots.acquire("a", timeout_s=1)
        order: list[str] = []

        async def wait(client: str) -> None:
            slot = await slots.acquire(client, timeout_s=5)
            order.append(client)
            await asyncio.sleep(0)
            slots.release(client, slot)

        # a queues three, b and c one each, in this order: turns are a, b, c, a, a
        tasks = [asyncio.create_task(wait(c)) for c in ("a", "a", "a", "b", "c")]
        await asyncio.sleep(0)
        slots.release("a", held)
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(scenario()) == ["a", "b", "c", "a", "a"]


def test_a_client_that_used_the_workers_least_lately_goes_first() -> None:
    async def scenario():
        clock = Clock()
        slots = FairSlots(["w"], per_client=1, clock=clock)
        runaway = await slots.acquire("runaway", timeout_s=1)
        clock.now += 10  # the runaway runs ten seconds, until its deadline
        next_runaway = asyncio.create_task(slots.acquire("runaway", timeout_s=5))  # re-sent: it queues first
        await asyncio.sleep(0)
        lookup = asyncio.create_task(slots.acquire("lookups", timeout_s=5))
        await asyncio.sleep(0)
        slots.release("runaway", runaway)
        order = ["lookups"] if slots.held_by("lookups") == 1 else []
        slots.release("lookups", await lookup)
        await next_runaway
        return order + ["runaway"], slots.use("runaway"), slots.use("lookups")

    order, runaway_use, lookup_use = asyncio.run(scenario())
    assert order == ["lookups", "runaway"]  # the look-up went first, though the runaway's client queued first
    assert runaway_use == 10.0 and lookup_use == 0.0


def test_past_use_is_halved_every_half_life() -> None:
    async def scenario():
        clock = Clock()
        slots = FairSlots(["w"], per_client=1, clock=clock)
        slot = await slots.acquire("a", timeout_s=1)
        clock.now += 8
        slots.release("a", slot)
        clock.now += HALF_LIFE_S
        return slots.use("a")

    assert asyncio.run(scenario()) == 4.0


def test_a_wait_that_times_out_leaves_the_line_and_loses_no_slot() -> None:
    async def scenario():
        slots = FairSlots(["w"], per_client=1)
        held = await slots.acquire("a", timeout_s=1)
        with pytest.raises(TimeoutError):
            await slots.acquire("b", timeout_s=0.05)
        waiting_after_timeout = slots.waiting()
        slots.release("a", held)
        again = await slots.acquire("b", timeout_s=1)
        return waiting_after_timeout, again

    assert asyncio.run(scenario()) == (0, "w")


def test_a_cancelled_wait_leaves_the_line() -> None:
    async def scenario():
        slots = FairSlots(["w"], per_client=1)
        held = await slots.acquire("a", timeout_s=1)
        waiter = asyncio.create_task(slots.acquire("b", timeout_s=5))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        slots.release("a", held)
        return slots.waiting(), await slots.acquire("c", timeout_s=1)

    assert asyncio.run(scenario()) == (0, "w")


def test_a_share_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_client"):
        FairSlots(["w"], per_client=0)
