"""What the harness measures against: servers it starts and stops, the HTTP and in-process load generators, and the
memory sampler. ``bench/run.py`` drives them.

Every server runs as a process group of its own (``start_new_session``), so stopping one stops its children too
(critmin's query workers, uvicorn's) and never anything the harness did not start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
SPARQL_JSON = "application/sparql-results+json"


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------------------------------
# Servers


@dataclass
class Server:
    """A server process (group) the harness started; ``stop()`` ends it and everything it spawned."""

    name: str
    process: subprocess.Popen
    base_url: str
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # children that outlived their parent (a query worker) are still in the group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class Servers:
    """Every server started, so that a failure or Ctrl-C anywhere stops them all."""

    def __init__(self) -> None:
        self.running: list[Server] = []

    def start(
        self,
        name: str,
        command: list[str],
        *,
        url: str,
        ready_url: str,
        log: Path,
        env: dict[str, str] | None = None,
        ready_timeout_s: float = 900,
    ) -> tuple[Server, float]:
        """Start ``command`` and wait until ``ready_url`` answers 200; returns the server and its start-up seconds."""
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        server = Server(name, process, url, log)
        self.running.append(server)
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() - started < ready_timeout_s:
                if not server.alive():
                    raise RuntimeError(f"{name} stopped while starting:\n{log.read_text()[-3000:]}")
                try:
                    if client.get(ready_url).status_code == 200:
                        return server, time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        raise RuntimeError(f"{name} did not answer {ready_url} within {ready_timeout_s} s")

    def stop(self, server: Server) -> None:
        server.stop()
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)


# ---------------------------------------------------------------------------------------------------------------
# Memory


class MemorySampler:
    """Resident memory of a process and its children, sampled every ``interval_s`` on a thread."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self.root_samples: list[tuple[float, float]] = []  # the same of the process alone, without its children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = time.perf_counter()

    def rss_mib(self) -> float:
        return self._rss_mib()[0]

    def _rss_mib(self) -> tuple[float, float]:
        """Resident MiB of the process and its children, and of the process alone."""
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0, 0.0
        sizes: dict[int, int] = {}
        for p in processes:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                sizes[p.pid] = p.memory_info().rss
        return sum(sizes.values()) / 2**20, sizes.get(self.pid, 0) / 2**20

    def _sample(self) -> None:
        at = time.perf_counter() - self._start
        total, root = self._rss_mib()
        self.samples.append((at, total))
        self.root_samples.append((at, root))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_mib(self) -> float:
        return max((m for _, m in self.samples), default=0.0)


# ---------------------------------------------------------------------------------------------------------------
# Load generation


@dataclass
class Outcome:
    name: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class RunResult:
    """What one target did with the mix: every request's outcome and the wall time."""

    target: str
    clients: int
    elapsed_s: float
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok_latencies_ms(self) -> list[float]:
        return [o.seconds * 1000 for o in self.outcomes if o.ok]

    def summary(self) -> dict:
        ok = self.ok_latencies_ms
        errors = [o for o in self.outcomes if not o.ok]
        by_query: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            by_query.setdefault(o.name, []).append(o)
        return {
            "target": self.target,
            "clients": self.clients,
            "elapsed_s": round(self.elapsed_s, 2),
            "requests": len(self.outcomes),
            "ok": len(ok),
            "errors": len(errors),
            "error_examples": sorted({f"{o.name}: {o.detail}" for o in errors})[:8],
            "throughput_qps": len(ok) / self.elapsed_s if self.elapsed_s else 0.0,
            "p50_ms": percentile(ok, 50),
            "p95_ms": percentile(ok, 95),
            "per_query": {
                name: {
                    "requests": len(items),
                    "errors": sum(not o.ok for o in items),
                    "p50_ms": percentile([o.seconds * 1000 for o in items if o.ok], 50),
                    "p95_ms": percentile([o.seconds * 1000 for o in items if o.ok], 95),
                    "mean_ms": statistics.fmean([o.seconds * 1000 for o in items if o.ok])
                    if any(o.ok for o in items)
                    else float("nan"),
                }
                for name, items in sorted(by_query.items())
            },
        }


def drive(
    target: str, call: Callable[[str, str], Outcome], plan: list[tuple[str, str]], *, clients: int, duration_s: float
) -> RunResult:
    """``clients`` threads take the next request of ``plan`` until ``duration_s`` has passed or the plan is done.

    Requests started before the deadline are waited for (up to the timeout) and counted; the elapsed time runs to
    the last answer, so throughput is not flattered by work left in flight.
    """
    lock = threading.Lock()
    position = [0]
    outcomes: list[Outcome] = []
    deadline = time.perf_counter() + duration_s

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                if position[0] >= len(plan):
                    return
                name, text = plan[position[0]]
                position[0] += 1
            outcome = call(name, text)
            with lock:
                outcomes.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return RunResult(target, clients, time.perf_counter() - started, outcomes)


def http_caller(
    url: str, *, timeout_s: float, clients: int
) -> tuple[Callable[[str, str], Outcome], Callable[[], None]]:
    """A SPARQL Protocol client (POST form, JSON results), one connection pool per thread; and its closer.

    An answer counts only when it is a 200 whose JSON body is complete; anything else, and any answer slower than
    ``timeout_s``, is an error (the Oxigraph server answers a query it cut at its own timeout with a truncated 200).
    """
    local = threading.local()
    opened: list[httpx.Client] = []

    def call(name: str, text: str) -> Outcome:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=timeout_s, limits=httpx.Limits(max_connections=1))
            opened.append(client)
        started = time.perf_counter()
        try:
            response = client.post(url, data={"query": text}, headers={"Accept": SPARQL_JSON})
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                return Outcome(name, seconds, False, f"HTTP {response.status_code} {response.text[:120]!r}")
            if not response.content.rstrip().endswith(b"}"):
                return Outcome(name, seconds, False, "truncated body")
            if seconds > timeout_s:
                return Outcome(name, seconds, False, "over the timeout")
            return Outcome(name, seconds, True)
        except httpx.TimeoutException:
            # the connection may be stuck behind the abandoned query: start afresh
            client.close()
            local.client = None
            return Outcome(name, time.perf_counter() - started, False, "timeout")
        except httpx.TransportError as error:
            client.close()
            local.client = None
            return Outcome(name, time.perf_counter() - started, False, f"transport: {error}")

    def close() -> None:
        for client in opened:
            client.close()

    return call, close
