"""Crash safety: critmin processes SIGKILLed at random moments of uploads and loads leave every source whole or
absent, the catalog agreeing, and a store that opens (the harness, ``tests/crash/harness.py``, says how).

``CRITMIN_CRASH_TRIALS`` (default 20) trials in all, half per scenario; ``CRITMIN_CRASH_SEED`` picks the delays
(default 9: the same kills each run, up to the machine's timing); ``CRITMIN_CRASH_UPLOAD_TRIPLES`` sizes an upload
(default 14,000 triples, about 2.2 MB of Turtle or N-Triples), ``CRITMIN_CRASH_LOAD_TRIPLES`` the loaded file
(default 45,000 triples, 7.6 MB: over the 4 MB from which `critmin load` uses the non-atomic bulk loader).
``make stress`` runs 100, with uploads of 20,000 triples (3.2 MB). Each trial's line and a summary "crash trials: N
survived of N run" are printed (``-s``) and repeated at the end of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from kg import iris
from kg.loading import load_ontology
from kg.review import STAGING_PREFIX as REVIEW_STAGING_PREFIX
from kg.store import open_store
from tests.conftest import PRINTED
from tests.crash.harness import Scenario, run_load_trials, run_upload_trials, store_problems

TRIALS = int(os.environ.get("CRITMIN_CRASH_TRIALS", "20"))
SEED = int(os.environ.get("CRITMIN_CRASH_SEED", "9"))
UPLOAD_TRIPLES = int(os.environ.get("CRITMIN_CRASH_UPLOAD_TRIPLES", "14000"))
LOAD_TRIPLES = int(os.environ.get("CRITMIN_CRASH_LOAD_TRIPLES", "45000"))


def _check(scenario: Scenario, lines: list[str], record_property, *, expected: int) -> None:
    lines.append(scenario.summary())
    print(scenario.summary(), flush=True)
    record_property(PRINTED, "\n".join(lines))
    failed = [trial.line() for trial in scenario.trials if trial.problems]
    assert not failed, "\n".join(failed)
    assert len(scenario.trials) == expected


def _report(lines: list[str]):
    def report(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    return report


def test_uploads_killed_at_random_leave_each_partner_graph_whole(tmp_path: Path, record_property) -> None:
    lines: list[str] = []
    scenario = run_upload_trials(tmp_path, trials=TRIALS - TRIALS // 2, seed=SEED, triples=UPLOAD_TRIPLES,
                                 report=_report(lines))
    _check(scenario, lines, record_property, expected=TRIALS - TRIALS // 2)


def test_loads_killed_at_random_leave_each_source_whole_or_absent(tmp_path: Path, record_property) -> None:
    lines: list[str] = []
    scenario = run_load_trials(tmp_path, trials=TRIALS // 2, seed=SEED + 1, triples=LOAD_TRIPLES,
                               report=_report(lines))
    _check(scenario, lines, record_property, expected=TRIALS // 2)


def test_a_review_decision_cut_between_its_two_writes_leaves_no_fact_behind(tmp_path: Path) -> None:
    """A review decision stages its records and the accepted fact in ``cmg:review-staging-{uuid}`` (one extend),
    then commits them in one update (kg/review.py). A process killed between the two leaves exactly this state; the
    next open of the store must drop it, or the never-accepted fact reads as data (it is a hub graph: everyone's)."""
    store_path = tmp_path / "store"
    store = open_store(store_path)
    load_ontology(store)
    fact = Quad(NamedNode("https://example.org/company"), iris.term("operates"), NamedNode("https://example.org/mine"),
                NamedNode(REVIEW_STAGING_PREFIX + "0f3a9c"))
    store.add(fact)
    store.flush()
    del store  # the process dies here: the update that would commit or drop the staging graph never runs

    store = open_store(store_path)
    assert not list(store.quads_for_pattern(fact.subject, None, None, None))
    assert store_problems(store, None) == []
    del store
