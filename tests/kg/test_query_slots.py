"""Fair sharing of the query workers (kg/query_slots.py): a cap per client, turns in order, no slot lost."""

import asyncio

import pytest

from kg.query_slots import FairSlots


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


def test_freed_slots_go_round_robin_between_waiting_clients() -> None:
    async def scenario():
        slots = FairSlots(["w"], per_client=1)
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
