"""Whether the indicators in ``cmg:analytics`` are current, and their recomputation when they are not.

The last run recorded the version (``cm:GraphVersion``: catalog modification time and triple count) of every hub
graph it read. The indicators are stale when one of those graphs now has another version (``changed``) or is gone
(``disappeared``), or when a hub graph the run did not read was loaded since it started and holds inputs
(``appeared``: a new feed, a list, observations in the curated graph). Partner graphs never count: they are never
inputs of the public indicators. The check reads the catalog and the run's few records, and asks only the graphs
loaded since the run whether they hold inputs, so it costs milliseconds and can follow every write.

>>> from pyoxigraph import Store
>>> analytics_status(Store()).state
'fresh'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import Store

from kg import iris
from kg.analytics.graph_versions import GraphVersion, catalog_versions, holds_inputs, version_of
from kg.analytics.materialise import AnalyticsReport, materialise
from kg.hub_summaries import SummariesReport, materialise_summaries, summaries_status
from kg.rq import load_query
from kg.store import query

log = logging.getLogger(__name__)
# One recomputation at a time per process: two writes finishing together must not both replace the graph.
_recompute_lock = threading.Lock()


def wait_for_recomputation() -> None:
    """Returns once no recomputation runs in this process (one may start right after)."""
    with _recompute_lock:
        pass


@dataclass(frozen=True)
class LastRun:
    run: str
    started: str
    ended: str | None
    versions: dict[str, GraphVersion]


@dataclass(frozen=True)
class Status:
    """``fresh`` or not, why, the last run and the versions it read, and what changed since."""

    fresh: bool
    reason: str
    last_run: str | None = None
    started: str | None = None
    ended: str | None = None
    inputs: list[GraphVersion] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    appeared: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def state(self) -> str:
        return "fresh" if self.fresh else "stale"

    @property
    def differences(self) -> list[str]:
        """``changed …``-style phrases for messages; empty when fresh."""
        parts = [f"{what} {', '.join(_short(g) for g in graphs)}" for what, graphs in
                 (("changed", self.changed), ("new", self.appeared), ("gone", self.disappeared)) if graphs]
        return parts or ([] if self.fresh else [self.reason])


def _short(graph: str) -> str:
    return graph.removeprefix(iris.GRAPH)


def last_run(store: Store) -> LastRun | None:
    """The run that made the indicators now in the store, with the graph versions it read; None before any run."""
    rows = list(query(store, load_query(__file__, "last_analytics_run"), analytics=iris.ANALYTICS_GRAPH))
    if not rows:
        return None
    versions = {
        row["graph"].value: GraphVersion(row["graph"].value, row["modified"].value if row["modified"] else None,
                                         int(row["triples"].value) if row["triples"] else None)
        for row in rows if row["graph"] is not None
    }
    first = rows[0]
    return LastRun(first["run"].value, first["started"].value, first["ended"].value if first["ended"] else None,
                   versions)


def _loaded_since(version: GraphVersion, moment: datetime | None) -> bool:
    """True unless the catalog shows ``version`` loaded before ``moment``; unknown times count as since."""
    if moment is None or version.modified is None:
        return True
    try:
        return datetime.fromisoformat(version.modified) >= moment
    except ValueError:
        return True


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def analytics_status(store: Store) -> Status:
    """Whether the materialised indicators still match the hub graphs they were computed from."""
    clock = time.perf_counter()
    catalog = catalog_versions(store)
    run = last_run(store)
    if run is None:
        holding = [g for g in sorted(catalog) if holds_inputs(store, g)]
        reason = "never computed" if holding else "no graph holds indicator inputs"
        return Status(fresh=not holding, reason=reason, appeared=holding, seconds=time.perf_counter() - clock)
    changed, disappeared = [], []
    for graph, recorded in sorted(run.versions.items()):
        now = version_of(store, graph, catalog)
        if now is None:
            disappeared.append(graph)
        elif now != recorded:
            changed.append(graph)
    # a run that recorded no versions (made before they were recorded) cannot date its inputs: ask every graph
    since = _parse(run.started) if run.versions else None
    appeared = [g for g, version in sorted(catalog.items())
                if g not in run.versions and _loaded_since(version, since) and holds_inputs(store, g)]
    fresh = not (changed or appeared or disappeared)
    reason = ("every input graph is as the last run read it" if fresh
              else "input graphs changed since the last run" if run.versions
              else "the last run recorded no graph versions")
    return Status(fresh=fresh, reason=reason, last_run=run.run, started=run.started, ended=run.ended,
                  inputs=list(run.versions.values()), changed=changed, appeared=appeared, disappeared=disappeared,
                  seconds=time.perf_counter() - clock)


def recompute_if_stale(store: Store, *, progress: Callable[[str, int], None] | None = None,
                       summaries: bool = True) -> AnalyticsReport | SummariesReport | None:
    """Recompute the indicators (and the hub summaries after them) when a hub graph they read (or could read)
    changed; else the hub summaries alone when a graph they count changed (any hub graph: any may link to a hub);
    None when both were current. ``summaries=False`` leaves the summaries (a minute at 10M triples) to the caller:
    pages read live data while they are stale."""
    with _recompute_lock:
        status = analytics_status(store)
        if status.fresh:
            if not summaries:
                return None
            stale = summaries_status(store)
            if stale.fresh:
                return None
            done = materialise_summaries(store)
            log.info("hub summaries were stale (%s); recomputed in %.2f s", ", ".join(stale.changed), done.seconds)
            return done
        report = materialise(store, progress=progress, summaries=summaries)
    log.info("indicators were stale (%s); recomputed in %.2f s (check %.1f ms)", "; ".join(status.differences),
             report.seconds, status.seconds * 1000)
    return report
