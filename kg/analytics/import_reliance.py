"""A country's net import reliance by commodity and year, and who it imports from.

The bundled USGS data gives, for the United States only: net import reliance as published (percent of apparent
consumption; some values are bounds, ">95", and "E" marks a net exporter), in the salient statistics (2020-2024) and
in MCS 2025 Figure 2 (2024); and the major import sources of 2020-2023 ranked, **without their shares**. So supplier
concentration is given as the ranked list and its length; an HHI of imports needs shares (trade flows, e.g. UN
Comtrade), which the graph does not hold yet, and ``supplier_hhi`` stays None until it does.

The headline value of a year is the highest reading, since a commodity can have readings for several forms
(rare earths: concentrate and compounds); every reading is kept with its form.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.analytics.concentration import is_hub_graph
from kg.rq import load_query
from kg.store import query

METHOD_KEY = "net-import-reliance"
METHOD_VERSION = 1
SUPPLIER_NOTE = ("the source ranks major import sources without their shares: supplier concentration is the ranked "
                 "list and its length; no HHI of imports can be computed from it")


@dataclass(frozen=True)
class Reading:
    observation: str
    percent: float | None
    bound: str | None  # "lower" (">95"), "upper" ("<50"), or None
    status: str | None  # "net-exporter" when the source says "E"
    measure: str | None


@dataclass(frozen=True)
class Supplier:
    exporter: str
    label: str
    rank: int
    period: str | None
    source: str
    graph: str = ""


@dataclass
class ImportReliance:
    """One (country, commodity, year): the readings, the headline value and the major import sources."""

    country: str
    commodity: str
    commodity_label: str
    year: str
    readings: list[Reading] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    input_graphs: list[str] = field(default_factory=list)
    supplier_hhi: float | None = None
    supplier_note: str = SUPPLIER_NOTE

    @property
    def headline(self) -> Reading | None:
        numbers = [r for r in self.readings if r.percent is not None]
        if numbers:
            return max(numbers, key=lambda r: r.percent)
        return self.readings[0] if self.readings else None

    @property
    def net_exporter(self) -> bool:
        return bool(self.readings) and all(r.status == "net-exporter" for r in self.readings)

    @property
    def inputs(self) -> list[str]:
        return [r.observation for r in self.readings] + [s.source for s in self.suppliers]


def import_reliance(
    store: Store, country: NamedNode, *, commodity: NamedNode | None = None, hub_only: bool = False
) -> list[ImportReliance]:
    """Every (commodity, year) with a net import reliance reading for ``country``, with its import sources."""
    found: dict[tuple[str, str], ImportReliance] = {}
    graphs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in query(store, load_query(__file__, "import_reliance_readings"), country=country):
        graph = row["graph"].value
        if not _readable(graph, hub_only) or (commodity is not None and row["commodity"] != commodity):
            continue
        key = (row["commodity"].value, row["year"].value)
        label = row["commodityLabel"].value if row["commodityLabel"] else iris.key_of(row["commodity"])
        item = found.setdefault(key, ImportReliance(country.value, key[0], label, key[1]))
        reading = Reading(row["observation"].value, float(row["value"].value) if row["value"] else None,
                          row["bound"].value if row["bound"] else None,
                          iris.key_of(row["status"]) if row["status"] else None,
                          row["measure"].value if row["measure"] else None)
        if reading not in item.readings:
            item.readings.append(reading)
            graphs[key].add(graph)
    suppliers = _suppliers(store, country, hub_only)
    for key, item in found.items():
        item.readings.sort(key=lambda r: r.observation)
        item.suppliers = suppliers.get(item.commodity, [])
        item.input_graphs = sorted(graphs[key] | {s.graph for s in item.suppliers})
    return [found[key] for key in sorted(found)]


def _readable(graph: str, hub_only: bool) -> bool:
    return graph != iris.ANALYTICS_GRAPH.value and (not hub_only or is_hub_graph(graph))


def _suppliers(store: Store, country: NamedNode, hub_only: bool) -> dict[str, list[Supplier]]:
    by_commodity: dict[str, dict[str, Supplier]] = defaultdict(dict)
    for row in query(store, load_query(__file__, "import_sources"), country=country):
        graph = row["graph"].value
        if not _readable(graph, hub_only):
            continue
        source = row["source"].value
        label = row["exporterLabel"].value if row["exporterLabel"] else iris.key_of(row["exporter"])
        by_commodity[row["commodity"].value].setdefault(source, Supplier(
            row["exporter"].value, label, int(row["rank"].value), row["period"].value if row["period"] else None,
            source, graph))
    # the source breaks rank ties (two series of one commodity): the order must not depend on the store's row order
    return {c: sorted(s.values(), key=lambda s: (s.period or "", s.rank, s.source)) for c, s in by_commodity.items()}

