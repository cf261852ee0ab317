"""Crash trials: a real critmin process is SIGKILLed at a seeded random moment of a write, then the store is checked.

Two scenarios, each over one store that lives through all its trials (every trial starts from what the kills before
it left, so recovery runs on real crash states again and again):

- ``run_upload_trials``: ``critmin serve`` in its own process group; a partner graph of several MB (Turtle or
  N-Triples) is PUT (new graph, or in place of an old one) or POSTed (appended) with an admin token, and the whole
  process group (server and query workers) is SIGKILLed after a random delay; the next trial starts the server
  again over what is left.
- ``run_load_trials``: ``critmin load FILE --graph crash-bulk`` (over 4 MB: pyoxigraph's non-atomic bulk loader)
  or ``critmin feed load icmm-gmd FILE``, each time a version other than the one loaded, SIGKILLed likewise.

The delay is drawn uniformly from 0 to 1.3 times an unkilled run of the same kind (measured first), so kills land
before, during and after the write. Where one landed is read from the evidence, not from the delay: the store is
opened raw (no recovery) right after the kill, and staging graphs or an incomplete-load marker there mean "during";
otherwise the graph's content says "before" (old) or "after" (new). Then a checkpoint of it is opened as the service
opens a store (``kg.store.open_store``, with recovery) and checked, while the store itself is left as the kill left
it: the next process (the server starting again, the next load) recovers it itself, and kills of loads land in that
recovery too. The checks: each source exactly its old content, exactly its new content, or (a hub load that was
interrupted, which the design removes) absent; the catalog agrees with every graph (entry present, ``void:triples``
equal to the count, ``cm:sha256`` naming the version present); partner graphs and their catalog companions go
together; no staging graph is left; the accounts database passes ``PRAGMA integrity_check`` and registers every
partner graph present. A load that exits before its kill must have succeeded.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, parse, serialize

from kg import graph_access, iris
from kg.catalog import file_sha256
from kg.loading import load_ontology
from kg.settings import PROJECT_ROOT
from kg.store import open_store
from tests.conftest import issue_token
from tests.remote_fixtures import free_port

KILL_SPAN = 1.3  # kills are drawn over this many times an unkilled run
START_TIMEOUT_S = 120.0
PARTNER = "hub-admins"
POOL = ("g0", "g1", "g2")  # partner graphs the upload trials write
EX = "https://example.org/crash/"
VOID_TRIPLES = NamedNode(iris.PREFIXES["void"] + "triples")
SHA256 = iris.term("sha256")
INCOMPLETE = iris.term("incompleteGraph")


@dataclass
class Trial:
    number: int
    kind: str
    graph: str
    delay_s: float
    calibrated_s: float
    landed: str = ""
    outcome: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        verdict = "survived" if not self.problems else "FAILED: " + "; ".join(self.problems)
        return (f"#{self.number:03d} {self.kind:<12} {self.graph:<10} kill at {self.delay_s:5.2f} s "
                f"({self.delay_s / self.calibrated_s:4.2f} of an unkilled run)  landed {self.landed:<34} "
                f"-> {self.outcome:<12} {verdict}")


@dataclass
class Scenario:
    name: str
    seed: int
    trials: list[Trial] = field(default_factory=list)

    @property
    def survived(self) -> int:
        return sum(1 for t in self.trials if not t.problems)

    def summary(self) -> str:
        landed: dict[str, int] = {}
        for trial in self.trials:
            key = trial.landed.split(" (")[0]
            landed[key] = landed.get(key, 0) + 1
        where = ", ".join(f"{count} {key}" for key, count in sorted(landed.items()))
        return (f"crash trials: {self.survived} survived of {len(self.trials)} run ({self.name}, seed {self.seed}; "
                f"kills landed: {where})")


Content = frozenset[Triple]
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------------------------
# Checking a store after a kill


def raw_evidence(store_path: Path, copy: Path) -> tuple[set[str], dict[str, str]]:
    """What the kill left, before any recovery: the staging graphs (by IRI, each with a fresh UUID), and the graphs
    that incomplete-load markers name (with the marker). The store is left as the kill left it, for the next process
    to recover (so kills also land in recovery); a checkpoint of it goes to ``copy``, for the checks."""
    store = Store(str(store_path))  # raw: no recovery, so the crash state is seen as it is
    try:
        staging = {g.value for g in store.named_graphs()
                   if isinstance(g, NamedNode) and g.value.startswith(iris.STAGING_GRAPH_PREFIX)}
        marked = {q.object.value: q.graph_name.value for q in store.quads_for_pattern(None, INCOMPLETE, None, None)}
        shutil.rmtree(copy, ignore_errors=True)
        store.backup(str(copy))
        return staging, marked
    finally:
        del store


def graph_content(store: Store, graph: str) -> Content | None:
    node = NamedNode(graph)
    if not store.contains_named_graph(node):
        return None
    return frozenset(Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, node))


def _count(store: Store, graph: NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _stated(store: Store, subject: NamedNode, predicate: NamedNode, graph: NamedNode) -> list[str]:
    return [q.object.value for q in store.quads_for_pattern(subject, predicate, None, graph)]


def store_problems(store: Store, accounts_db: Path | None) -> list[str]:
    """Everything in an opened (recovered) store that breaks whole-or-absent or catalog agreement."""
    problems = []
    names = [g for g in store.named_graphs() if isinstance(g, NamedNode)]
    for graph in names:
        if graph.value.startswith(iris.STAGING_GRAPH_PREFIX):
            problems.append(f"staging graph {graph.value} left after recovery")
    catalogued = set()
    for quad in store.quads_for_pattern(None, VOID_TRIPLES, None, iris.CATALOG_GRAPH):
        graph = quad.subject
        assert isinstance(graph, NamedNode)
        catalogued.add(graph.value)
        if not store.contains_named_graph(graph):
            problems.append(f"the catalog describes {graph.value}, which is not in the store")
        elif int(quad.object.value) != _count(store, graph):
            problems.append(f"the catalog says {quad.object.value} triples in {graph.value}, "
                            f"the store holds {_count(store, graph)}")
    for graph in names:
        value = graph.value
        parsed = iris.parse_partner_graph(value)
        if parsed is None:
            hub = value.startswith(iris.GRAPH) and not value.startswith(iris.STAGING_GRAPH_PREFIX)
            if hub and graph != iris.CATALOG_GRAPH and value not in catalogued:
                problems.append(f"{value} has no catalog entry")
            continue
        if parsed.links:
            continue
        data = iris.partner_graph(parsed.slug, parsed.name)
        companion = iris.partner_catalog_graph(parsed.slug, parsed.name)
        if not store.contains_named_graph(data if parsed.catalog else companion):
            problems.append(f"{value} is in the store without its {'graph' if parsed.catalog else 'catalog entry'}")
            continue
        if not parsed.catalog:
            stated = _stated(store, data, VOID_TRIPLES, companion)
            if stated != [str(_count(store, data))]:
                problems.append(f"the catalog entry of {value} says {stated} triples, the store holds "
                                f"{_count(store, data)}")
            if accounts_db is not None and graph_access.access_of(accounts_db, value) is None:
                problems.append(f"{value} is in the store but not registered in the accounts database")
    if accounts_db is not None and accounts_db.exists():
        connection = sqlite3.connect(accounts_db)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
        if verdict != "ok":
            problems.append(f"accounts database: integrity_check says {verdict}")
    return problems


def in_store(store_path: Path, action: Callable[[Store], T]) -> T:
    """``action`` over the store as the service opens it (recovery of interrupted writes included); the store is
    released when it returns, so that the next process can take its lock."""
    store = open_store(store_path)
    try:
        return action(store)
    finally:
        del store


def _describe(content: Content | None, versions: dict[str, Content | None]) -> str:
    for name, version in versions.items():
        if content == version:
            return "absent" if content is None else f"whole: {name}"
    return "absent" if content is None else f"PARTIAL ({len(content)} triples)"


# ---------------------------------------------------------------------------------------------------------------
# Processes


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and everything it started (its own process group: the query workers too)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def _critmin(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *map(str, args)]


@contextmanager
def critmin_server(store_path: Path, accounts_db: Path, log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """``critmin serve`` over the store, ready (``/readyz`` 200), in its own process group; killed at the end."""
    port = free_port()
    env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_ACCOUNTS_DB=str(accounts_db),
               CRITMIN_PORT=str(port), CRITMIN_QUERY_WORKERS="1")
    with log.open("ab") as out:
        process = subprocess.Popen(_critmin("serve"), env=env, cwd=PROJECT_ROOT, stdout=out, stderr=out,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"critmin serve exited with {process.returncode}; see {log}")
            with suppress(httpx.TransportError):
                if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"critmin serve was not ready within {START_TIMEOUT_S:.0f} s; see {log}")
            time.sleep(0.05)
        yield process, base
    finally:
        kill_group(process)


# ---------------------------------------------------------------------------------------------------------------
# Scenario (a): uploads to a running server


def _upload_body(trial: int, size: int, rng: random.Random) -> tuple[list[Triple], bytes, str]:
    note = NamedNode(EX + "note")
    label = iris.ns("rdfs", "label")
    triples = []
    for i in range(size):
        subject = NamedNode(f"{EX}t{trial}/s{i}")
        triples.append(Triple(subject, label if i % 2 else note, Literal(f"trial {trial} row {i} " + "x" * 60)))
    if rng.random() < 0.5:
        return triples, serialize(triples, format=RdfFormat.TURTLE), "text/turtle"
    return triples, serialize(triples, format=RdfFormat.N_TRIPLES), "application/n-triples"


def _send(base: str, token: str, method: str, graph: str, body: bytes, media_type: str, answer: dict) -> None:
    try:
        response = httpx.request(method, base + "/store", params={"graph": graph}, content=body, timeout=300,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": media_type})
        answer["status"] = response.status_code
        answer["text"] = response.text[:300]
    except httpx.HTTPError as error:
        answer["error"] = type(error).__name__


def run_upload_trials(workdir: Path, *, trials: int, seed: int, triples: int,
                      report: Callable[[str], None] = print) -> Scenario:
    scenario = Scenario("uploads to critmin serve", seed)
    rng = random.Random(seed)
    store_path, accounts_db, log = workdir / "store", workdir / "accounts.sqlite3", workdir / "serve.log"
    in_store(store_path, load_ontology)
    token = issue_token(accounts_db, "admin", partner=PARTNER)
    truth: dict[str, Content] = {}
    checked, left_staging = workdir / "checked", set()

    def iri(name: str) -> str:
        return iris.partner_graph(PARTNER, name).value

    # calibration: an unkilled PUT of a new graph, timed; it also gives the first trials a graph to replace
    body_triples, body, media_type = _upload_body(0, triples, rng)
    with critmin_server(store_path, accounts_db, log) as (_, base):
        answer: dict = {}
        clock = time.monotonic()
        _send(base, token, "PUT", iri(POOL[0]), body, media_type, answer)
        calibrated = time.monotonic() - clock
    if answer.get("status") != 201:
        raise RuntimeError(f"the calibration upload failed: {answer}")
    truth[POOL[0]] = frozenset(body_triples)
    report(f"upload calibration: PUT of {triples:,} triples ({len(body) / 1e6:.1f} MB {media_type}) answered in "
           f"{calibrated:.2f} s")

    for number in range(1, trials + 1):
        missing = [name for name in POOL if name not in truth]
        kinds = (["put-new"] if missing else []) + ["put-replace", "post-append"] * bool(truth)
        kind = rng.choice(kinds)
        name = missing[0] if kind == "put-new" else rng.choice(sorted(truth))
        if kind == "post-append" and len(truth[name]) > 2 * triples:
            kind = "put-replace"  # keep the graphs (and the trials) from growing without bound
        size = triples // 4 if kind == "post-append" else triples
        body_triples, body, media_type = _upload_body(number, size, rng)
        old = truth.get(name)
        new = frozenset(body_triples) | (old or frozenset()) if kind == "post-append" else frozenset(body_triples)
        delay = rng.uniform(0, KILL_SPAN * calibrated)
        trial = Trial(number, kind, name, delay, calibrated)
        answer = {}
        with critmin_server(store_path, accounts_db, log) as (server, base):
            method = "POST" if kind == "post-append" else "PUT"
            sender = threading.Thread(target=_send, args=(base, token, method, iri(name), body, media_type, answer))
            sender.start()
            time.sleep(delay)
            kill_group(server)
            sender.join(timeout=60)
        staging, _ = raw_evidence(store_path, checked)
        fresh_staging, left_staging = staging - left_staging, staging
        content, problems, others = in_store(checked, lambda store, name=name: (
            graph_content(store, iri(name)), store_problems(store, accounts_db),
            {other: graph_content(store, iri(other)) for other in truth if other != name}))
        trial.problems += problems
        trial.outcome = _describe(content, {"new": new, "old": old})
        answered = "status" in answer
        if answered:
            trial.landed = f"after write (answered {answer['status']})"
            if answer["status"] not in (201, 204):
                trial.problems.append(f"the upload was refused: {answer}")
        elif fresh_staging:
            trial.landed = "during write (staged, uncommitted)"
        elif content == new:
            trial.landed = "after write (committed, unanswered)"
        else:
            trial.landed = "before write"
        if content not in (old, new):
            trial.problems.append(f"{name} is neither its old nor its new content: {trial.outcome}")
        if answered and content != new:
            trial.problems.append(f"{name}: the upload was answered {answer.get('status')} but its data is lost")
        for other, other_content in others.items():
            if other_content != truth[other]:
                trial.problems.append(f"{other}, not written in this trial, changed")
        if content == new:
            truth[name] = new
        scenario.trials.append(trial)
        report(trial.line())

    # the app starts on what the last kill left and serves every graph as the trials left it
    with critmin_server(store_path, accounts_db, log) as (_, base):
        for name, expected in truth.items():
            response = httpx.get(base + "/store", params={"graph": iri(name)}, timeout=60,
                                 headers={"Authorization": f"Bearer {token}", "Accept": "application/n-triples"})
            served = frozenset(Triple(q.subject, q.predicate, q.object)
                               for q in parse(input=response.content, format=RdfFormat.N_TRIPLES))
            if served != expected:
                scenario.trials[-1].problems.append(f"after a restart, GET /store of {name} differs from the trials")
    return scenario


# ---------------------------------------------------------------------------------------------------------------
# Scenario (b): `critmin load` and `critmin feed load`


@dataclass(frozen=True)
class Version:
    name: str
    path: Path
    content: Content
    sha256: str


def _rdf_versions(folder: Path, triples: int) -> list[Version]:
    """Two files for graph crash-bulk, each over the bulk loader's 4 MB threshold, with different triples."""
    versions = []
    for name, suffix, fmt, count in (("v1", ".nt", RdfFormat.N_TRIPLES, triples),
                                     ("v2", ".ttl", RdfFormat.TURTLE, triples - triples // 8)):
        data = [Triple(NamedNode(f"{EX}{name}/s{i}"), NamedNode(EX + "note"),
                       Literal(f"{name} row {i} " + "y" * 80)) for i in range(count)]
        path = folder / f"crash-bulk-{name}{suffix}"
        path.write_bytes(serialize(data, format=fmt))
        versions.append(Version(name, path, frozenset(data), file_sha256(path)))
    return versions


def _feed_versions(folder: Path) -> list[Version]:
    """The icmm-gmd feed over its bundled file and over its first 400 rows."""
    from extractors.feeds.registry import get_feed

    feed = get_feed("icmm-gmd")
    bundled = feed.default_file
    subset = folder / "icmm-subset.csv"
    with bundled.open(encoding="utf-8", newline="") as source, subset.open("w", encoding="utf-8", newline="") as out:
        rows = list(csv.reader(source))
        csv.writer(out).writerows(rows[:401])
    return [Version(name, path, frozenset(feed.read(path).triples), file_sha256(path))
            for name, path in (("bundled", bundled), ("subset", subset))]


def run_load_trials(workdir: Path, *, trials: int, seed: int, triples: int,
                    report: Callable[[str], None] = print) -> Scenario:
    scenario = Scenario("critmin load / feed load", seed)
    rng = random.Random(seed)
    store_path, log = workdir / "store", workdir / "load.log"
    sources = {"crash-bulk": _rdf_versions(workdir, triples), "icmm-gmd": _feed_versions(workdir)}

    def command(graph: str, version: Version) -> list[str]:
        if graph == "crash-bulk":
            return _critmin("load", version.path, "--graph", graph, "--store", store_path)
        return _critmin("feed", "load", graph, version.path, "--store", store_path)

    present: dict[str, Version | None] = {}
    calibrated: dict[str, float] = {}
    checked, left_staging = workdir / "checked", set()
    for graph, versions in sources.items():  # unkilled runs, timed; they load the first version of each
        clock = time.monotonic()
        with log.open("ab") as out:
            subprocess.run(command(graph, versions[0]), cwd=PROJECT_ROOT, stdout=out, stderr=out, check=True)
        calibrated[graph] = time.monotonic() - clock
        present[graph] = versions[0]
        report(f"load calibration: {graph} {versions[0].name} ({versions[0].path.stat().st_size / 1e6:.1f} MB, "
               f"{len(versions[0].content):,} triples) took {calibrated[graph]:.2f} s")

    for number in range(1, trials + 1):
        graph = rng.choice(sorted(sources))
        old = present[graph]
        version = rng.choice([v for v in sources[graph] if v is not old])
        delay = rng.uniform(0, KILL_SPAN * calibrated[graph])
        kind = "load-rdf" if graph == "crash-bulk" else "feed-load"
        trial = Trial(number, kind, graph, delay, calibrated[graph])
        with log.open("ab") as out:
            process = subprocess.Popen(command(graph, version), cwd=PROJECT_ROOT, stdout=out, stderr=out,
                                       start_new_session=True)
        time.sleep(delay)
        finished = process.poll() is not None
        kill_group(process)
        staging, marked = raw_evidence(store_path, checked)
        fresh_staging, left_staging = staging - left_staging, staging
        target = iris.graph(graph).value
        content, problems, shas, others = in_store(checked, lambda store, graph=graph, target=target: (
            graph_content(store, target), store_problems(store, None),
            _stated(store, NamedNode(target), SHA256, iris.CATALOG_GRAPH),
            {other: graph_content(store, iris.graph(other).value) for other in sources if other != graph}))
        trial.problems += problems
        choices = {"new": version.content, "old": old.content if old else None}
        trial.outcome = _describe(content, choices)
        if finished:
            trial.landed = "after write (process had exited)"
            if process.returncode != 0:
                trial.problems.append(f"the load exited with {process.returncode} (see {log})")
        elif target in marked and marked[target] in fresh_staging:
            trial.landed = "during write (marked incomplete)"
        elif fresh_staging:
            trial.landed = "during write (staged)"
        elif content == version.content:
            trial.landed = "after write (indicators, compaction)"
        else:
            trial.landed = "before write"
        allowed = [version.content, old.content if old else None]
        if target in marked and marked[target] in fresh_staging:
            allowed.append(None)  # an interrupted hub load is removed at the next open, by design
        if content not in allowed:
            trial.problems.append(f"{graph} is {trial.outcome}, not its old or new content"
                                  + ("" if target in marked else " (and no incomplete marker explains absence)"))
        now = next((v for v in sources[graph] if v.content == content), None)
        if content is not None and now is not None and shas != [now.sha256]:
            trial.problems.append(f"the catalog's sha256 of {graph} is {shas}, not that of version {now.name}")
        for other, other_content in others.items():
            if other_content != (present[other].content if present[other] else None):
                trial.problems.append(f"{other}, not loaded in this trial, changed")
        present[graph] = now
        scenario.trials.append(trial)
        report(trial.line())
    # the store itself (left as the last kill left it) opens with recovery and holds what the checks found
    final, problems = in_store(store_path, lambda store: (
        {graph: graph_content(store, iris.graph(graph).value) for graph in sources}, store_problems(store, None)))
    for graph, content in final.items():
        if content != (present[graph].content if present[graph] else None):
            problems.append(f"reopened after the last trial, {graph} differs from what the checks found")
    if scenario.trials:
        scenario.trials[-1].problems += problems
    return scenario
