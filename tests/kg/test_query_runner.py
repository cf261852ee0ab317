"""Query workers: results in every format, errors with positions, and a time limit that kills runaway queries."""

import asyncio
import json
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg.query_runner import (
    GRAPH_MEDIA_TYPES,
    QueryFailed,
    QueryRequest,
    QueryResultTooLarge,
    QueryRunner,
    QuerySyntaxError,
    QueryTimeout,
)
from kg.store import Snapshots, open_store

G = NamedNode("http://example.org/g")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z . ?d ?p ?w }"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("runner") / "store"
    store = open_store(path)
    store.extend(
        Quad(NamedNode(f"http://example.org/e{i}"), NamedNode("http://example.org/value"), Literal(i), G)
        for i in range(2000)
    )
    return Snapshots(path).create(store)


def run_async(coroutine):
    """asyncio.run in a thread of its own: another test's library may leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def run(runner: QueryRunner, request: QueryRequest):
    return run_async(runner.execute(request))


@pytest.fixture(scope="module")
def runner(snapshot: Path):
    pool = QueryRunner(snapshot=snapshot, workers=2, timeout_ms=1500, max_result_bytes=4096)
    yield pool
    pool.close()


def test_select_sees_the_union_of_named_graphs(runner: QueryRunner) -> None:
    result = run(runner, QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert result.kind == "solutions"
    assert json.loads(result.body)["results"]["bindings"][0]["n"]["value"] == "2000"


def test_default_graph_uri_restricts_the_dataset(runner: QueryRunner) -> None:
    request = QueryRequest("ASK { ?s ?p ?o }", default_graph_uris=("http://example.org/other",))
    assert json.loads(run(runner, request).body)["boolean"] is False


@pytest.mark.parametrize("media_type", GRAPH_MEDIA_TYPES)
def test_construct_in_every_rdf_format_parses_back(runner: QueryRunner, media_type: str) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o = 7) }"
    result = run(runner, QueryRequest(query, graph_format=media_type))
    assert result.media_type == media_type
    [quad] = list(parse(result.body, format=RdfFormat.from_media_type(media_type)))
    assert quad.subject == NamedNode("http://example.org/e7")


def test_syntax_error_carries_the_position(runner: QueryRunner) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run(runner, QueryRequest("SELECT *\nWHERE { ?s ?p }"))
    assert caught.value.line == 2 and caught.value.column is not None


def test_a_result_over_the_byte_limit_is_refused_not_cut(runner: QueryRunner) -> None:
    with pytest.raises(QueryResultTooLarge, match="query_max_result_bytes"):
        run(runner, QueryRequest("SELECT * WHERE { ?s ?p ?o }"))


def test_a_runaway_query_is_killed_while_a_simple_one_beside_it_answers(runner: QueryRunner) -> None:
    async def both():
        slow = asyncio.create_task(runner.execute(QueryRequest(RUNAWAY)))
        await asyncio.sleep(0.3)
        quick = await runner.execute(QueryRequest("SELECT ?s WHERE { ?s ?p 42 }", results_format="text/csv"),
                                     client="another")
        assert not slow.done()  # the simple query was answered while the runaway still ran
        with pytest.raises(QueryTimeout, match=r"1500 ms .*query_timeout_ms"):
            await slow
        return quick

    quick = run_async(both())
    assert quick.body.decode().splitlines() == ["s", "http://example.org/e42"]
    # the killed worker was replaced: the pool still answers on both workers
    for _ in range(4):
        assert run(runner, QueryRequest("ASK { ?s ?p 1 }")).body.startswith(b"{")


def test_one_clients_runaway_queries_leave_workers_to_the_others(snapshot: Path) -> None:
    """Four workers, two at most per client: a client's five runaway queries hold two workers and queue the rest,
    and another client's queries are all answered meanwhile on the other two."""
    pool = QueryRunner(snapshot=snapshot, workers=4, timeout_ms=60_000, workers_per_client=2)

    async def flood_and_look_up():
        flood = [asyncio.create_task(pool.execute(QueryRequest(RUNAWAY), client="greedy")) for _ in range(5)]
        await asyncio.sleep(0.3)
        answers = [await pool.execute(QueryRequest(f"ASK {{ ?s ?p {i} }}"), client="polite") for i in range(8)]
        still_running = sum(not task.done() for task in flood)
        held = pool._main.slots.held_by("greedy")
        for task in flood:
            task.cancel()
        await asyncio.gather(*flood, return_exceptions=True)
        return answers, still_running, held

    try:
        answers, still_running, held = run_async(flood_and_look_up())
    finally:
        pool.close()
    assert [json.loads(a.body)["boolean"] for a in answers] == [True] * 8
    assert still_running == 5 and held == 2


MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y }"  # about a second: 4,000,000 pairs


def count(result) -> int:
    return int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"])


def test_quick_workers_answer_look_ups_while_runaways_hold_every_main_worker(snapshot: Path) -> None:
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=60_000, quick_workers=1, quick_limit_ms=5_000)

    async def runaway_then_look_ups():
        runaway = asyncio.create_task(pool.execute(QueryRequest(RUNAWAY), client="greedy"))
        await asyncio.sleep(0.3)
        answers = [await asyncio.wait_for(pool.execute(QueryRequest(f"ASK {{ ?s ?p {i} }}"), client=f"c{i}"), 30)
                   for i in range(6)]
        running = not runaway.done()
        runaway.cancel()
        await asyncio.gather(runaway, return_exceptions=True)
        return answers, running

    try:
        answers, runaway_running = run_async(runaway_then_look_ups())
    finally:
        pool.close()
    assert [json.loads(a.body)["boolean"] for a in answers] == [True] * 6
    assert runaway_running and pool.moved_out_of_quick_lane == 0


def test_a_query_outrunning_the_quick_limit_waits_for_a_main_worker_and_finishes(snapshot: Path) -> None:
    """The main worker is busy, so the second query starts on the quick worker; past the quick limit it is taken
    off (the worker replaced) and finishes on the main worker, answered in full. Having run long twice (on the
    quick worker, then on the main one), its client keeps to the main workers for a while; the replaced quick
    worker serves the next client."""
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=60_000, quick_workers=1, quick_limit_ms=300)

    async def two_medium_queries():
        first = asyncio.create_task(pool.execute(QueryRequest(MEDIUM), client="a"))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(pool.execute(QueryRequest(MEDIUM), client="b"))
        results = await asyncio.wait_for(asyncio.gather(first, second), 60)
        kept_off = not pool._may_use_quick_lane("b")
        blocker = asyncio.create_task(pool.execute(QueryRequest(RUNAWAY), client="a"))
        await asyncio.sleep(0.3)
        look_up = await asyncio.wait_for(pool.execute(QueryRequest("ASK { ?s ?p 3 }"), client="c"), 30)
        blocker.cancel()
        await asyncio.gather(blocker, return_exceptions=True)
        return results, kept_off, look_up

    try:
        results, kept_off, look_up = run_async(two_medium_queries())
    finally:
        pool.close()
    assert [count(r) for r in results] == [4_000_000, 4_000_000]
    assert pool.moved_out_of_quick_lane == 1 and kept_off
    assert json.loads(look_up.body)["boolean"] is True


def test_a_client_whose_query_runs_long_waits_for_the_main_workers(snapshot: Path) -> None:
    """While a client's runaway holds the only main worker past the quick limit, its next query does not take the
    quick worker (another client's look-up does)."""
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=60_000, workers_per_client=1, quick_workers=1,
                       quick_limit_ms=200)

    async def runaway_then_both():
        runaway = asyncio.create_task(pool.execute(QueryRequest(RUNAWAY), client="greedy"))
        await asyncio.sleep(0.6)
        own = asyncio.create_task(pool.execute(QueryRequest("ASK { ?s ?p 1 }"), client="greedy"))
        other = await asyncio.wait_for(pool.execute(QueryRequest("ASK { ?s ?p 2 }"), client="polite"), 30)
        await asyncio.sleep(0.5)
        waiting = not own.done()
        for task in (runaway, own):
            task.cancel()
        await asyncio.gather(runaway, own, return_exceptions=True)
        return other, waiting

    try:
        other, own_waiting = run_async(runaway_then_both())
    finally:
        pool.close()
    assert json.loads(other.body)["boolean"] is True
    assert own_waiting and pool.moved_out_of_quick_lane == 0


def test_a_client_whose_query_was_killed_at_its_deadline_waits_for_the_main_workers(snapshot: Path) -> None:
    """One runaway killed at the deadline is enough: while another client's runaway holds the main worker, the
    killed query's client waits (the quick worker stays free for the rest)."""
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=1_500, quick_workers=1, quick_limit_ms=5_000)

    async def killed_then_look_ups():
        with pytest.raises(QueryTimeout):
            await pool.execute(QueryRequest(RUNAWAY), client="greedy")
        blocker = asyncio.create_task(pool.execute(QueryRequest(RUNAWAY), client="other"))
        await asyncio.sleep(0.3)
        own = asyncio.create_task(pool.execute(QueryRequest("ASK { ?s ?p 1 }"), client="greedy"))
        polite = await asyncio.wait_for(pool.execute(QueryRequest("ASK { ?s ?p 2 }"), client="polite"), 30)
        waiting = not own.done()
        results = await asyncio.gather(blocker, own, return_exceptions=True)
        return polite, waiting, results

    try:
        polite, own_waited, (blocker, own) = run_async(killed_then_look_ups())
    finally:
        pool.close()
    assert json.loads(polite.body)["boolean"] is True
    assert own_waited and isinstance(blocker, QueryTimeout)
    assert json.loads(own.body)["boolean"] is True  # answered by the main worker once the blocker was killed


def test_a_quick_worker_that_gets_no_cpu_time_gives_up_the_query_at_twice_the_limit(snapshot: Path) -> None:
    """A stopped quick worker uses no CPU time, so only the wall-clock cap (QUICK_LANE_WALL_FACTOR times the CPU
    limit) takes the look-up off it: it then waits for the main worker and is answered long before its deadline."""
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=60_000, quick_workers=1, quick_limit_ms=200)
    os.kill(pool._quick.workers[0].process.pid, signal.SIGSTOP)

    async def medium_then_look_up():
        medium = asyncio.create_task(pool.execute(QueryRequest(MEDIUM), client="a"))
        await asyncio.sleep(0.1)
        look_up = await asyncio.wait_for(pool.execute(QueryRequest("ASK { ?s ?p 3 }"), client="b"), 30)
        return await medium, look_up

    try:
        medium, look_up = run_async(medium_then_look_up())
    finally:
        pool.close()
    assert count(medium) == 4_000_000 and json.loads(look_up.body)["boolean"] is True
    assert pool.moved_out_of_quick_lane == 1


def test_a_cancelled_query_gives_its_worker_back(snapshot: Path) -> None:
    """A request cancelled while its query runs (the client went away) must not take its worker with it: the
    worker is replaced, and the pool keeps both."""
    pool = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=60_000)

    async def cancel_then_ask():
        runaway = asyncio.create_task(pool.execute(QueryRequest(RUNAWAY)))
        await asyncio.sleep(0.3)
        runaway.cancel()
        await asyncio.gather(runaway, return_exceptions=True)
        return await asyncio.wait_for(pool.execute(QueryRequest("ASK { ?s ?p 7 }")), timeout=60)

    try:
        answer = run_async(cancel_then_ask())
    finally:
        pool.close()
    assert json.loads(answer.body)["boolean"] is True


def test_store_errors_are_reported(runner: QueryRunner) -> None:
    with pytest.raises(QueryFailed):
        run(runner, QueryRequest("SELECT * WHERE { ?s ?p ?o } ", results_format="image/png"))


def test_snapshots_are_isolated_from_later_writes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    snapshots = Snapshots(tmp_path / "store")
    first = snapshots.create(store)
    store.add(Quad(NamedNode("http://e/s"), NamedNode("http://e/p"), NamedNode("http://e/o"), G))
    second = snapshots.create(store)
    assert len(Store.read_only(str(first))) == 0
    assert len(Store.read_only(str(second))) == 1
    snapshots.remove_unused(keep={second})
    assert list(snapshots.existing()) == [second]


def test_removing_unused_snapshots_spares_the_newest_and_one_being_written(tmp_path: Path) -> None:
    """Under load a write published a snapshot while a query's end released the old ones, and the release deleted
    the checkpoint being written (RocksDB's <number>.tmp): the write failed with a 500 (bench/stress.py found it)."""
    store = open_store(tmp_path / "store")
    snapshots = Snapshots(tmp_path / "store")
    first, second = snapshots.create(store), snapshots.create(store)
    being_written = snapshots.folder / "00000003.tmp"
    being_written.mkdir()
    snapshots.remove_unused(keep=set())
    assert not first.exists() and second.exists() and being_written.exists()
