"""``/api/indicators/…``: concentration, import reliance and list overlap as JSON, from the caller's view.

Indicators are computed from ``view.store``, so a caller sees numbers over exactly the graphs it may read. Where the
number equals the one materialised in ``cmg:analytics`` (the hub's own graphs; the usual case), ``resource`` names
that materialised resource, whose method, inputs and provenance SPARQL can follow; otherwise (a restricted view, or
partner data changing the number) ``resource`` is null and ``inputs`` lists the observations it was computed from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal as Choice

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode, Quad

from api.deps import ViewDep
from kg import iris
from kg.analytics import concentration as conc
from kg.analytics import import_reliance as imp
from kg.analytics import list_overlap as lists
from kg.analytics import materialise as mat
from kg.analytics.freshness import analytics_status

router = APIRouter(prefix="/api/indicators", tags=["Indicators"])


class ShareOut(BaseModel):
    country: str = Field(description="IRI of the country")
    label: str
    tonnes: float
    percent: float = Field(description="share of the countries' total, 0-100")
    observation: str = Field(description="IRI of the observation the value comes from")


class ExclusionOut(BaseModel):
    observation: str
    area: str
    label: str
    reason: str


class ConcentrationOut(BaseModel):
    commodity: str
    stage: str
    quantity_kind: str
    year: str
    total_tonnes: float
    hhi: float = Field(description="sum of squared percentage shares, 0-10,000")
    top1_share: float
    top3_share: float
    top_country: str | None
    hhi_over_2500: bool
    one_country_over_50: bool
    shares: list[ShareOut]
    excluded: list[ExclusionOut] = Field(description="observations read but left out, with the reason")
    company_shares: None = Field(None, description="shares by company: not computable from the data (see note)")
    company_shares_note: str
    method: str = Field(description="IRI of the versioned method")
    resource: str | None = Field(description="the materialised indicator's IRI, when it holds this same number")
    inputs: list[str]
    input_graphs: list[str]


class ReadingOut(BaseModel):
    observation: str
    percent: float | None
    bound: str | None = Field(description="'lower' for '>95', 'upper' for '<50'")
    status: str | None
    measure: str | None


class SupplierOut(BaseModel):
    exporter: str
    label: str
    rank: int = Field(description="1 = largest import share")
    period: str | None
    source: str = Field(description="IRI of the cm:ImportSource statement")


class ImportRelianceOut(BaseModel):
    country: str
    commodity: str
    commodity_label: str
    year: str
    net_import_reliance: float | None = Field(description="percent of apparent consumption; highest reading")
    bound: str | None
    net_exporter: bool
    readings: list[ReadingOut]
    suppliers: list[SupplierOut]
    supplier_count: int
    supplier_hhi: float | None
    supplier_note: str
    method: str
    resource: str | None
    inputs: list[str]
    input_graphs: list[str]


class ListOut(BaseModel):
    list: str
    iri: str
    year: str | None
    jurisdiction: str | None
    complete: bool | None
    member_count: int


class CommodityOut(BaseModel):
    commodity: str
    label: str


class ListOverlapOut(BaseModel):
    lists: list[ListOut]
    common: list[CommodityOut]
    lists_complete: bool = Field(description="false when a list is incomplete: the overlap may be under-stated")
    method: str
    resource: str | None
    inputs: list[str] = Field(description="the membership entries behind each common commodity")


def _key(name: str, make: Callable[[str], NamedNode], key: str | None) -> NamedNode | None:
    """The IRI ``make`` gives ``key`` (None for no key); a key that makes no IRI (a quote, a space, a control
    character) is no such thing: a 422 naming the parameter, not the 500 the fuzzing found."""
    if not key:
        return None
    try:
        return make(key)
    except ValueError as error:
        raise HTTPException(422, f"{name}: not a valid key ({error})") from error


def _materialised(view: ViewDep, node: NamedNode, predicate: str, value: object) -> str | None:
    """``node`` when the analytics graph states the same ``predicate`` value for it (so it is the same number)."""
    quad = Quad(node, iris.term(predicate), value, iris.ANALYTICS_GRAPH)
    return node.value if quad in view.store else None


@router.get("/concentration", response_model=list[ConcentrationOut],
            summary="Shares by country, HHI, top-1/top-3 share and flags per commodity, stage, quantity kind, year")
def concentration(
    view: ViewDep,
    commodity: str | None = Query(None, description="commodity key, e.g. lithium, rare-earth-elements"),
    stage: str | None = Query(None, description="stage key, e.g. mining, refining"),
    year: str | None = Query(None, pattern=r"^\d{4}$", description="e.g. 2024"),
    quantity_kind: str = Query("production", description="production, capacity, reserves or resources"),
) -> list[ConcentrationOut]:
    keys = {"commodity": _key("commodity", iris.commodity, commodity),
            "stage": _key("stage", lambda key: iris.concept("stage", key), stage)}
    kind = _key("quantity_kind", lambda key: iris.concept("quantity-kind", key), quantity_kind)
    items = conc.concentrations(view.store, **keys, quantity_kind=kind, year=year)
    out = []
    for item in items:
        resource = _materialised(view, mat.concentration_iri(item), "hhi", mat.decimal_literal(item.hhi))
        out.append(ConcentrationOut(
            commodity=item.commodity, stage=item.stage, quantity_kind=item.quantity_kind, year=item.year,
            total_tonnes=item.total_tonnes, hhi=item.hhi, top1_share=item.top1_share, top3_share=item.top3_share,
            top_country=item.top_country.area if item.top_country else None, hhi_over_2500=item.hhi_over_2500,
            one_country_over_50=item.one_country_over_50,
            shares=[ShareOut(country=s.area, label=s.label, tonnes=s.tonnes, percent=round(s.percent, 4),
                             observation=s.observation) for s in item.shares],
            excluded=[ExclusionOut(**vars(e)) for e in item.excluded], company_shares_note=item.company_shares_note,
            method=mat.method_iri("concentration").value, resource=resource, inputs=item.inputs,
            input_graphs=item.input_graphs))
    return out


@router.get("/import-reliance", response_model=list[ImportRelianceOut],
            summary="A country's net import reliance by commodity and year, with its major import sources")
def import_reliance(
    view: ViewDep,
    country: str = Query(..., pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 code, e.g. USA"),
    commodity: str | None = Query(None, description="commodity key, e.g. cobalt"),
    year: str | None = Query(None, pattern=r"^\d{4}$"),
) -> list[ImportRelianceOut]:
    items = imp.import_reliance(view.store, iris.country(country),
                                commodity=_key("commodity", iris.commodity, commodity))
    out = []
    for item in items:
        if year and item.year != year:
            continue
        head = item.headline
        percent = head.percent if head else None
        node = mat.import_reliance_iri(item)
        if percent is not None:
            resource = _materialised(view, node, "netImportReliance", mat.decimal_literal(percent))
        else:
            resource = _materialised(view, node, "netExporter", Literal(item.net_exporter))
        out.append(ImportRelianceOut(
            country=item.country, commodity=item.commodity, commodity_label=item.commodity_label, year=item.year,
            net_import_reliance=percent, bound=head.bound if head else None, net_exporter=item.net_exporter,
            readings=[ReadingOut(**vars(r)) for r in item.readings],
            suppliers=[SupplierOut(exporter=s.exporter, label=s.label, rank=s.rank, period=s.period, source=s.source)
                       for s in item.suppliers],
            supplier_count=len(item.suppliers), supplier_hhi=item.supplier_hhi, supplier_note=item.supplier_note,
            method=mat.method_iri("import-reliance").value, resource=resource, inputs=item.inputs,
            input_graphs=item.input_graphs))
    return out


@router.get("/list-overlap", response_model=ListOverlapOut,
            summary="The commodities on every one of two or more criticality lists, with the lists' years")
def list_overlap(
    view: ViewDep,
    lists_param: str = Query("IN_MoM_2023,UK_2021", alias="lists",
                             description="comma-separated list ids, e.g. IN_MoM_2023,UK_2021 or "
                                         "EU_CRMA_2024_CRM,US_USGS_2025"),
) -> ListOverlapOut:
    ids = [part.strip() for part in lists_param.split(",") if part.strip()]
    if len(ids) < 2:
        raise HTTPException(400, "give at least two list ids, comma-separated")
    try:
        item = lists.list_overlap(view.store, ids)
    except lists.UnknownListError as error:
        raise HTTPException(404, str(error)) from error
    count = Literal(len(item.common))
    resource = _materialised(view, mat.list_overlap_iri(ids), "commonMemberCount", count)
    return ListOverlapOut(
        lists=[ListOut(list=i.list_id, iri=i.iri, year=i.year, jurisdiction=i.jurisdiction, complete=i.complete,
                       member_count=len(i.members)) for i in item.lists],
        common=[CommodityOut(commodity=c, label=label) for c, label in item.common.items()],
        lists_complete=not item.incomplete, method=mat.method_iri("list-overlap").value, resource=resource,
        inputs=item.inputs)


class GraphVersionOut(BaseModel):
    graph: str = Field(description="IRI of the graph")
    modified: str | None = Field(description="its catalog modification time (xsd:dateTime) when the run read it")
    triples: int | None = Field(description="its triple count when the run read it")


class IndicatorStatusOut(BaseModel):
    state: Choice["fresh", "stale"]
    reason: str
    last_run: str | None = Field(description="IRI of the run (a prov:Activity) that made the indicators now served")
    started: str | None = Field(description="when that run started (xsd:dateTime)")
    ended: str | None = Field(description="when that run ended: the indicators' time of computation")
    inputs: list[GraphVersionOut] = Field(description="every hub graph the run read, with the version it read")
    changed: list[str] = Field(description="input graphs with another version now")
    appeared: list[str] = Field(description="graphs loaded since the run that hold indicator inputs")
    disappeared: list[str] = Field(description="input graphs no longer in the store")
    check_ms: float = Field(description="how long this check took, in milliseconds")


@router.get("/status", response_model=IndicatorStatusOut,
            summary="Whether the materialised indicators are current: the last run, the graph versions it read, "
                    "and what changed since")
def status(view: ViewDep) -> IndicatorStatusOut:
    # the hub's graphs and the analytics graph are public: every caller's view holds the same answer
    found = analytics_status(view.store)
    return IndicatorStatusOut(
        state=found.state, reason=found.reason, last_run=found.last_run, started=found.started, ended=found.ended,
        inputs=[GraphVersionOut(graph=v.graph, modified=v.modified, triples=v.triples) for v in found.inputs],
        changed=found.changed, appeared=found.appeared, disappeared=found.disappeared,
        check_ms=round(found.seconds * 1000, 3))
