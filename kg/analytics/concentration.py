"""Concentration of supply per commodity, stage, quantity kind and year: shares by country, HHI, top-1 and top-3.

Only countries with a number count. World totals and "other countries" (``cm:Aggregate``), regions, and values a
source withheld or did not give (no ``qudt:numericValue``) are left out, and every one left out is listed with the
reason, so a reader sees what the shares are shares of. Units are brought to tonnes before adding up.

>>> inputs = [CountryValue("urn:a", "A", "A", 60.0), CountryValue("urn:b", "B", "B", 40.0)]
>>> result = summarise(inputs)
>>> result.hhi, result.top1_share, result.hhi_over_2500, result.one_country_over_50
(5200.0, 60.0, True, True)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.rq import load_query
from kg.store import query

METHOD_KEY = "concentration-by-country"
METHOD_VERSION = 1
# "highly concentrated" in the usual competition-law reading (US DOJ/FTC horizontal merger guidelines, 2010)
HHI_HIGH = 2500.0
ONE_COUNTRY_MAJORITY = 50.0
# Normalised QUDT units we can add up, as tonnes per unit; anything else is left out and said so.
TONNES_PER_UNIT = {
    "http://qudt.org/vocab/unit/TONNE": 1.0,
    "http://qudt.org/vocab/unit/KiloTONNE": 1000.0,
    "http://qudt.org/vocab/unit/KiloGM": 0.001,
}
COMPANY_DATA_NOTE = ("no company-level production or capacity in the graph: facilities (ICMM, MinMod) carry no "
                     "operator with a production or capacity figure, so shares by company cannot be computed")


@dataclass(frozen=True)
class CountryValue:
    """One country's number in tonnes, with the observation it came from."""

    observation: str
    area: str
    label: str
    tonnes: float
    graph: str = ""


@dataclass(frozen=True)
class Share:
    area: str
    label: str
    tonnes: float
    percent: float
    observation: str


@dataclass(frozen=True)
class Exclusion:
    observation: str
    area: str
    label: str
    reason: str


@dataclass
class Concentration:
    """The indicator for one (commodity, stage, quantity kind, year); percentages are 0-100, HHI 0-10,000."""

    commodity: str = ""
    stage: str = ""
    quantity_kind: str = ""
    year: str = ""
    total_tonnes: float = 0.0
    shares: list[Share] = field(default_factory=list)
    hhi: float = 0.0
    top1_share: float = 0.0
    top3_share: float = 0.0
    hhi_over_2500: bool = False
    one_country_over_50: bool = False
    excluded: list[Exclusion] = field(default_factory=list)
    input_graphs: list[str] = field(default_factory=list)
    company_shares_note: str = COMPANY_DATA_NOTE

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.commodity, self.stage, self.quantity_kind, self.year

    @property
    def top_country(self) -> Share | None:
        return self.shares[0] if self.shares else None

    @property
    def inputs(self) -> list[str]:
        """Every observation read, counted or not."""
        return [s.observation for s in self.shares] + [e.observation for e in self.excluded]


def summarise(values: Iterable[CountryValue], excluded: Iterable[Exclusion] = ()) -> Concentration:
    """Shares, HHI, top-1/top-3 and the flags of countries' values (tonnes); no store needed."""
    values = sorted(values, key=lambda v: (-v.tonnes, v.label))
    total = sum(v.tonnes for v in values)
    shares = [Share(v.area, v.label, v.tonnes, 100.0 * v.tonnes / total if total else 0.0, v.observation)
              for v in values]
    hhi = sum(s.percent ** 2 for s in shares)
    top1 = shares[0].percent if shares else 0.0
    return Concentration(
        total_tonnes=total, shares=shares, hhi=round(hhi, 4), top1_share=round(top1, 4),
        top3_share=round(sum(s.percent for s in shares[:3]), 4), hhi_over_2500=hhi > HHI_HIGH,
        one_country_over_50=top1 > ONE_COUNTRY_MAJORITY, excluded=list(excluded),
        input_graphs=sorted({v.graph for v in values if v.graph}),
    )


_PARTNER_GRAPHS = tuple(iris.GRAPH + kind for kind in ("partner/", "partner-catalog/", "partner-links/"))


def is_hub_graph(graph: str) -> bool:
    """A graph of the hub's own sources: not a partner's (which may be private), not staging, not the analytics nor
    the hub summaries (both derived).

    >>> is_hub_graph(iris.GRAPH + "partner-sites"), is_hub_graph(iris.GRAPH + "partner/bgs/sites")
    (True, False)
    """
    return (graph.startswith(iris.GRAPH) and not graph.startswith(_PARTNER_GRAPHS)
            and not graph.startswith(iris.STAGING_GRAPH_PREFIX)
            and graph not in (iris.ANALYTICS_GRAPH.value, iris.SUMMARIES_GRAPH.value))


def concentrations(
    store: Store,
    *,
    commodity: NamedNode | None = None,
    stage: NamedNode | None = None,
    quantity_kind: NamedNode | None = None,
    year: str | None = None,
    hub_only: bool = False,
) -> list[Concentration]:
    """Every concentration indicator the store's observations give, narrowed by the arguments given.

    ``hub_only`` reads the hub's own graphs only (what is materialised for everyone); otherwise every graph of the
    store except the analytics graph, which for a restricted view is what its caller may read.
    """
    from pyoxigraph import Literal

    bindings: dict[str, object] = {}
    for name, value in (("commodity", commodity), ("stage", stage), ("quantityKind", quantity_kind)):
        if value is not None:
            bindings[name] = value
    if year is not None:
        bindings["year"] = Literal(year, datatype=iris.ns("xsd", "gYear"))
    readable = is_hub_graph if hub_only else (lambda graph: True)
    observations: dict[str, dict] = {}
    for row in query(store, load_query(__file__, "concentration_observations"), **bindings):
        graph = row["graph"].value
        if graph == iris.ANALYTICS_GRAPH.value or not readable(graph):
            continue
        found = observations.setdefault(row["observation"].value, {
            "key": (row["commodity"].value, row["stage"].value, row["quantityKind"].value, row["year"].value),
            "observation": row["observation"].value, "graph": graph, "area": row["area"].value,
            "labels": set(), "country": False,
            "value": float(row["value"].value) if row["value"] else None,
            "unit": row["unit"].value if row["unit"] else None,
            "status": iris.key_of(row["status"]) if row["status"] else None,
        })
        # what a graph the indicator may not read says about the place (its name, whether it is a country) is ignored
        if row["areaLabel"] and readable(row["labelGraph"].value):
            found["labels"].add(row["areaLabel"].value)
        found["country"] |= row["countryGraph"] is not None and readable(row["countryGraph"].value)
    groups: dict[tuple[str, str, str, str], list[dict]] = defaultdict(list)
    for found in observations.values():
        found["label"] = min(found.pop("labels"), default=iris.key_of(NamedNode(found["area"])))
        groups[found.pop("key")].append(found)
    results = []
    for key, rows in sorted(groups.items()):
        result = _from_rows(rows)
        if not result.shares:
            continue  # nothing to share out (every value withheld, or aggregates only)
        result.commodity, result.stage, result.quantity_kind, result.year = key
        results.append(result)
    return results


def _from_rows(rows: list[dict]) -> Concentration:
    counted: dict[str, CountryValue] = {}
    excluded: list[Exclusion] = []
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r["observation"]):
        if row["observation"] in seen:  # one row per observation, whatever other labels the area has
            continue
        seen.add(row["observation"])
        reason = _exclusion_reason(row, counted)
        if reason:
            excluded.append(Exclusion(row["observation"], row["area"], row["label"], reason))
            continue
        tonnes = row["value"] * TONNES_PER_UNIT[row["unit"]]
        counted[row["area"]] = CountryValue(row["observation"], row["area"], row["label"], tonnes, row["graph"])
    result = summarise(counted.values(), excluded)
    result.input_graphs = sorted({r["graph"] for r in rows if r["observation"] in set(result.inputs)})
    return result


def _exclusion_reason(row: dict, counted: dict[str, CountryValue]) -> str | None:
    if not row["country"]:
        return "not a country (a world total, 'other countries' or a region)"
    if row["value"] is None:
        return f"no number ({row['status'] or 'value not given'})"
    if row["unit"] not in TONNES_PER_UNIT:
        return f"unit {row['unit'] or '(none)'} cannot be converted to tonnes"
    if row["area"] in counted:
        return f"a second observation for the same country (counted: {counted[row['area']].observation})"
    return None
