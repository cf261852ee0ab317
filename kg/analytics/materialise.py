"""The indicators as RDF in ``cmg:analytics``: each value a resource with its inputs, method and provenance.

A recomputation reads the hub's own graphs only (never a partner's, which may be private: the analytics graph is
public), builds every indicator, and replaces the analytics graph and its catalog entry all or nothing through
``kg.loading.replace_graph``. Each indicator says which method (a versioned ``cm:IndicatorMethod`` with its formula)
made it, which observations it was derived from, which graphs it read, and when (PROV-O). The run records the
version (``cm:GraphVersion``: catalog modification time and triple count) of every hub graph it read, data and
classification alike, so ``kg.analytics.freshness`` can tell when a source changed since.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from pyoxigraph import Literal, NamedNode, Store, Triple

from kg import iris
from kg.analytics import concentration as conc
from kg.analytics import import_reliance as imp
from kg.analytics import list_overlap as lists
from kg.analytics.concentration import is_hub_graph
from kg.analytics.graph_versions import GraphVersion, catalog_versions, holds_inputs, version_of
from kg.catalog import SOFTWARE, GraphDescription
from kg.hub_summaries import SummariesReport, materialise_summaries
from kg.loading import replace_graph
from kg.rq import load_query
from kg.store import query

cm, dct, prov, rdfs, void, xsd = (partial(iris.ns, p) for p in ("cm", "dct", "prov", "rdfs", "void", "xsd"))
RDF_TYPE = iris.ns("rdf", "type")
TONNE = NamedNode("http://qudt.org/vocab/unit/TONNE")
PERCENT = NamedNode("http://qudt.org/vocab/unit/PERCENT")

# (key, version, label, formula): the methods as data; a changed formula is a new version and a new IRI.
METHODS = {
    "concentration": (conc.METHOD_KEY, conc.METHOD_VERSION, "Concentration of supply by country",
                      "s_i = 100 * x_i / sum_j x_j over countries with a number (x in tonnes; world totals, 'other "
                      "countries', regions and withheld or unavailable values left out); HHI = sum_i s_i^2 (0-10,000); "
                      "top-1 = max s_i; top-3 = sum of the three largest s_i; hhiOver2500 = HHI > 2500; "
                      "oneCountryOver50 = top-1 > 50."),
    "import-reliance": (imp.METHOD_KEY, imp.METHOD_VERSION, "Net import reliance and major import sources",
                        "As published by the source: NIR = (imports - exports + adjustments for government and "
                        "industry stock changes) / apparent consumption * 100; the headline of a year is the highest "
                        "reading over the forms the source reports; suppliers are the source's ranked major import "
                        "sources (no shares given, so no supplier HHI)."),
    "list-overlap": (lists.METHOD_KEY, lists.METHOD_VERSION, "Overlap of criticality lists",
                     "The commodities with a membership (cm:ListMembership, cm:commodity) in every list compared."),
}


@dataclass(frozen=True)
class AnalyticsReport:
    concentration: int
    import_reliance: int
    list_overlap: int
    triples: int
    input_graphs: list[str]
    seconds: float
    run: str
    summaries: SummariesReport | None = None  # the hub summaries recomputed after the indicators


def method_iri(kind: str) -> NamedNode:
    key, version, _, _ = METHODS[kind]
    return iris.indicator_method(key, version)


def decimal_literal(value: float) -> Literal:
    return Literal(f"{round(value, 4):.4f}", datatype=xsd("decimal"))


def _time(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=xsd("dateTime"))


def concentration_iri(item: conc.Concentration) -> NamedNode:
    return iris.indicator("concentration", *(iris.key_of(NamedNode(part)) for part in item.key[:3]), item.year)


def import_reliance_iri(item: imp.ImportReliance) -> NamedNode:
    return iris.indicator("import-reliance", iris.key_of(NamedNode(item.country)),
                          iris.key_of(NamedNode(item.commodity)), item.year)


def list_overlap_iri(list_ids: list[str] | tuple[str, ...]) -> NamedNode:
    return iris.indicator("list-overlap", "--".join(list_ids))


def _method_triples() -> list[Triple]:
    out = []
    for kind, (_key, version, label, formula) in METHODS.items():
        node = method_iri(kind)
        out += [Triple(node, RDF_TYPE, cm("IndicatorMethod")), Triple(node, RDF_TYPE, prov("Plan")),
                Triple(node, rdfs("label"), Literal(label, language="en")),
                Triple(node, cm("formula"), Literal(formula)),
                Triple(node, iris.ns("owl", "versionInfo"), Literal(str(version))),
                Triple(node, rdfs("seeAlso"), NamedNode("https://github.com/critmin/critmin/blob/main/docs/"
                                                         "analytics.md"))]
    return out


def _common(node: NamedNode, kind: str, label: str, run: NamedNode, at: datetime, graphs: list[str],
            derived: list[str]) -> list[Triple]:
    out = [Triple(node, RDF_TYPE, cm("Indicator")), Triple(node, RDF_TYPE, prov("Entity")),
           Triple(node, rdfs("label"), Literal(label, language="en")), Triple(node, cm("method"), method_iri(kind)),
           Triple(node, prov("wasGeneratedBy"), run), Triple(node, prov("generatedAtTime"), _time(at))]
    out += [Triple(node, cm("inputGraph"), NamedNode(g)) for g in graphs]
    out += [Triple(node, prov("wasDerivedFrom"), NamedNode(i)) for i in derived]
    return out


def concentration_triples(item: conc.Concentration, run: NamedNode, at: datetime) -> list[Triple]:
    node = concentration_iri(item)
    names = [iris.key_of(NamedNode(part)) for part in item.key[:3]]
    label = f"Concentration of {names[0]} ({names[1]}, {names[2]}), {item.year}"
    out = _common(node, "concentration", label, run, at, item.input_graphs, [s.observation for s in item.shares])
    out += [Triple(node, RDF_TYPE, cm("ConcentrationIndicator")),
            Triple(node, cm("commodity"), NamedNode(item.commodity)), Triple(node, cm("stage"), NamedNode(item.stage)),
            Triple(node, cm("quantityKind"), NamedNode(item.quantity_kind)),
            Triple(node, cm("refYear"), Literal(item.year, datatype=xsd("gYear"))),
            Triple(node, cm("hhi"), decimal_literal(item.hhi)),
            Triple(node, cm("top1Share"), decimal_literal(item.top1_share)),
            Triple(node, cm("top3Share"), decimal_literal(item.top3_share)),
            Triple(node, cm("hhiOver2500"), Literal(item.hhi_over_2500)),
            Triple(node, cm("oneCountryOver50"), Literal(item.one_country_over_50)),
            Triple(node, cm("totalValue"), decimal_literal(item.total_tonnes)),
            Triple(node, iris.ns("qudt", "unit"), TONNE),
            Triple(node, cm("note"), Literal(item.company_shares_note))]
    if item.top_country:
        out.append(Triple(node, cm("topCountry"), NamedNode(item.top_country.area)))
    for share in item.shares:
        part = iris.entity("indicator", node.value.removeprefix(iris.ID + "indicator/")
                           + f"/share/{iris.key_of(NamedNode(share.area))}")
        out += [Triple(node, cm("countryShare"), part), Triple(part, RDF_TYPE, cm("CountryShare")),
                Triple(part, cm("refArea"), NamedNode(share.area)), Triple(part, cm("sharePercent"),
                                                                           decimal_literal(share.percent)),
                Triple(part, iris.ns("qudt", "numericValue"), decimal_literal(share.tonnes)),
                Triple(part, iris.ns("qudt", "unit"), TONNE),
                Triple(part, prov("wasDerivedFrom"), NamedNode(share.observation))]
    for index, excluded in enumerate(item.excluded, start=1):
        part = NamedNode(f"{node.value}/excluded/{index}")
        out += [Triple(node, cm("excludedInput"), part), Triple(part, RDF_TYPE, cm("ExcludedInput")),
                Triple(part, cm("excludedObservation"), NamedNode(excluded.observation)),
                Triple(part, cm("exclusionReason"), Literal(excluded.reason))]
    return out


def import_reliance_triples(item: imp.ImportReliance, run: NamedNode, at: datetime) -> list[Triple]:
    node = import_reliance_iri(item)
    label = f"Net import reliance of {iris.key_of(NamedNode(item.country))} on {item.commodity_label}, {item.year}"
    out = _common(node, "import-reliance", label, run, at, item.input_graphs, item.inputs)
    out += [Triple(node, RDF_TYPE, cm("ImportRelianceIndicator")),
            Triple(node, cm("refArea"), NamedNode(item.country)),
            Triple(node, cm("commodity"), NamedNode(item.commodity)),
            Triple(node, cm("refYear"), Literal(item.year, datatype=xsd("gYear"))),
            Triple(node, cm("netExporter"), Literal(item.net_exporter)),
            Triple(node, cm("supplierCount"), Literal(len(item.suppliers))),
            Triple(node, cm("note"), Literal(item.supplier_note))]
    headline = item.headline
    if headline and headline.percent is not None:
        out += [Triple(node, cm("netImportReliance"), decimal_literal(headline.percent)),
                Triple(node, iris.ns("qudt", "unit"), PERCENT)]
        if headline.bound:
            out.append(Triple(node, cm("valueBound"), Literal(headline.bound)))
    out += [Triple(node, cm("reading"), NamedNode(r.observation)) for r in item.readings]
    out += [Triple(node, cm("majorImportSource"), NamedNode(s.source)) for s in item.suppliers]
    return out


def list_overlap_triples(item: lists.ListOverlap, run: NamedNode, at: datetime) -> list[Triple]:
    node = list_overlap_iri(item.list_ids)
    label = "Commodities on " + " and ".join(f"{i.list_id} ({i.year})" for i in item.lists)
    out = _common(node, "list-overlap", label, run, at, item.input_graphs, item.inputs)
    out += [Triple(node, RDF_TYPE, cm("ListOverlapIndicator")),
            Triple(node, cm("commonMemberCount"), Literal(len(item.common))),
            Triple(node, cm("listsComplete"), Literal(not item.incomplete))]
    out += [Triple(node, cm("comparedList"), NamedNode(i.iri)) for i in item.lists]
    out += [Triple(node, cm("commonMember"), NamedNode(c)) for c in item.common]
    return out


def import_reliance_countries(store: Store) -> list[NamedNode]:
    return [row["country"] for row in query(store, load_query(__file__, "import_reliance_countries"))]


def context_graphs(store: Store) -> set[str]:
    """The hub graphs the indicators read besides their data: which places are countries (only those count) and the
    commodities' labels (in the import-reliance labels). A change there can change an indicator too."""
    rows = query(store, load_query(__file__, "indicator_context_graphs"))
    return {row["graph"].value for row in rows if is_hub_graph(row["graph"].value)}


def version_iri(run: NamedNode, graph: str) -> NamedNode:
    return NamedNode(f"{run.value}/input/{graph.removeprefix(iris.GRAPH)}")


def version_triples(run: NamedNode, version: GraphVersion) -> list[Triple]:
    """``run`` used this version of a graph: a ``cm:GraphVersion``, ``prov:specializationOf`` the graph."""
    node = version_iri(run, version.graph)
    out = [Triple(run, prov("used"), node), Triple(node, RDF_TYPE, cm("GraphVersion")),
           Triple(node, RDF_TYPE, prov("Entity")), Triple(node, prov("specializationOf"), NamedNode(version.graph))]
    if version.modified is not None:
        out.append(Triple(node, dct("modified"), Literal(version.modified, datatype=xsd("dateTime"))))
    if version.triples is not None:
        out.append(Triple(node, void("triples"), Literal(version.triples)))
    return out


def materialise(store: Store, *, progress: Callable[[str, int], None] | None = None,
                summaries: bool = True) -> AnalyticsReport:
    """Recompute every indicator from the hub's graphs and replace ``cmg:analytics`` with them; then the hub
    summaries (``kg.hub_summaries``), which count the indicators' links to countries and commodities too."""
    clock = time.perf_counter()
    started = datetime.now(UTC)
    run = iris.analytics_run(started.strftime("%Y%m%dT%H%M%S%fZ"))
    # read before the inputs: a write while we compute then leaves a newer version, and the next check recomputes
    catalog = catalog_versions(store)
    triples = _method_triples()
    graphs: set[str] = set()

    concentrations = conc.concentrations(store, hub_only=True)
    for item in concentrations:
        triples += concentration_triples(item, run, started)
        graphs.update(item.input_graphs)
    if progress:
        progress("concentration", len(concentrations))

    reliance = [item for country in import_reliance_countries(store)
                for item in imp.import_reliance(store, country, hub_only=True)]
    for item in reliance:
        triples += import_reliance_triples(item, run, started)
        graphs.update(item.input_graphs)
    if progress:
        progress("import reliance", len(reliance))

    overlaps = []
    for pair in lists.DEFAULT_PAIRS:
        try:
            overlaps.append(lists.list_overlap(store, pair, hub_only=True))
        except lists.UnknownListError:
            continue  # a store without the lists graph: nothing to compare
    for item in overlaps:
        triples += list_overlap_triples(item, run, started)
        graphs.update(item.input_graphs)
    if progress:
        progress("list overlap", len(overlaps))

    ended = datetime.now(UTC)
    triples += [Triple(run, RDF_TYPE, prov("Activity")), Triple(run, prov("startedAtTime"), _time(started)),
                Triple(run, prov("endedAtTime"), _time(ended)), Triple(run, prov("wasAssociatedWith"), SOFTWARE)]
    triples += [Triple(run, prov("used"), NamedNode(g)) for g in sorted(graphs)]
    triples += [Triple(run, prov("used"), method_iri(kind)) for kind in METHODS]
    # every graph holding inputs, even those that gave no indicator: freshness treats an unrecorded one as new
    holding = {graph for graph in catalog if holds_inputs(store, graph)}
    for graph in sorted(graphs | holding | context_graphs(store)):
        version = version_of(store, graph, catalog)
        if version is not None:
            triples += version_triples(run, version)
    count = len(concentrations) + len(reliance) + len(overlaps)
    report = replace_graph(store, GraphDescription(
        name=iris.ANALYTICS_GRAPH_NAME, title="Supply-chain indicators",
        description="Concentration (shares, HHI, top-1/top-3), net import reliance and criticality-list overlap, "
                    "computed from the hub's graphs; each with its method, inputs and time of computation.",
        license_url=None, citation="critmin indicators, derived from the graphs they cite",
        rights="Derived from the source graphs named by prov:used; their terms apply."),
        triples, records_read=count, started=started)
    done = materialise_summaries(store) if summaries else None
    if progress and done:
        progress("hub summaries", done.hubs)
    return AnalyticsReport(len(concentrations), len(reliance), len(overlaps), report.triples, sorted(graphs),
                           time.perf_counter() - clock, run.value, done)
