"""``/dashboard``: risk signals per commodity, and ``/dashboard/{commodity}``: its stages, flow, map and trends.

Each page has one function that builds its data (HTML through a template, or the same data as JSON with
``Accept: application/json`` or ``?format=json``), computed from the caller's view like the indicator API. Every
number links to its evidence: the materialised indicator's page, and a SPARQL query listing its inputs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pyoxigraph import NamedNode

from api.deps import SettingsDep, ViewDep
from api.routers.home import render
from api.urls import Urls
from kg import iris
from kg.analytics.chains import commodity_node
from kg.analytics.dashboard import (
    CommodityDashboard,
    CommodityRisk,
    Signal,
    commodity_dashboard,
    risk_table,
    trace_query,
)
from kg.analytics.events import Event, recent_events

router = APIRouter(tags=["Dashboard"])
EVENTS_SHOWN = 10  # on a page; the feed (/dashboard/events, .atom) has more

def _evidence(urls: Urls, indicator: str | None) -> dict[str, str | None]:
    if indicator is None:
        return {"evidence": None, "evidence_url": None, "trace_url": None}
    return {"evidence": indicator, "evidence_url": urls.for_iri(indicator),
            "trace_url": urls.query(trace_query(indicator))}


def _signal(urls: Urls, signal: Signal) -> dict[str, Any]:
    data = asdict(signal) | _evidence(urls, signal.evidence)
    data["stage_key"] = signal.stage.rsplit("/", 1)[-1]
    data["quantity_kind_key"] = signal.quantity_kind.rsplit("/", 1)[-1]
    data["top_country_url"] = urls.for_iri(signal.top_country) if signal.top_country else None
    return data


def _row(urls: Urls, row: CommodityRisk) -> dict[str, Any]:
    reliance = row.import_reliance
    return {
        "commodity": row.commodity, "key": row.key, "label": row.label,
        "url": f"/dashboard/{row.key}", "entity_url": urls.for_iri(row.commodity),
        "max_production_hhi": row.max_hhi, "flags": row.flags,
        "signals": [_signal(urls, s) for s in row.signals],
        "import_reliance": None if reliance is None else asdict(reliance) | _evidence(urls, reliance.evidence),
        "lists": [asdict(item) | {"url": urls.for_iri(item.list)} for item in row.lists],
        "facilities_by_stage": row.facilities_by_stage,
    }


def _event(urls: Urls, event: Event) -> dict[str, Any]:
    return {"id": event.statement, "kind": event.kind, "title": event.title, "evidence": event.evidence,
            "url": urls.for_iri(event.statement), "document_url": urls.for_iri(event.document),
            "document_title": event.document_title, "publisher": event.publisher, "date": event.date.isoformat(),
            "date_from": event.date_from, "status": event.status,
            "commodities": [commodity.label for commodity in event.commodities]}


def dashboard_data(view: ViewDep, settings: SettingsDep) -> dict[str, Any]:
    """The table: one row per commodity with a concentration indicator, most concentrated production first; and the
    recent events of the watched commodities."""
    urls = Urls()
    watched = [iris.commodity(key) for key in settings.dashboard_watched_commodities]
    rows = [_row(urls, row) for row in risk_table(view.store)]
    stages = sorted({(s["stage_key"], s["stage_label"]) for row in rows for s in row["signals"]},
                    key=lambda s: _STAGE_ORDER.get(s[0], 99))
    return {
        "commodities": rows,
        "stages": [{"key": key, "label": label} for key, label in stages],
        "facility_stages": sorted({stage for row in rows for stage in row["facilities_by_stage"]},
                                  key=lambda s: _STAGE_ORDER.get(s, 99)),
        "watched": [node.value for node in watched],
        "events": [_event(urls, event) for event in recent_events(view.store, watched, limit=EVENTS_SHOWN)],
        "links": {"concentration_api": "/api/indicators/concentration", "events": "/dashboard/events",
                  "atom": "/dashboard/events.atom", "method": "/docs#/Indicators"},
    }


_STAGE_ORDER = {key: n for n, key in enumerate(("exploration", "mining", "concentration", "refining",
                                                 "component-manufacturing", "cell-manufacturing", "end-use",
                                                 "recycling"))}


@router.get("/dashboard", response_class=HTMLResponse,
            summary="Risk signals per commodity: concentration by stage, import reliance, lists (HTML or JSON)")
def dashboard(request: Request, view: ViewDep, settings: SettingsDep) -> Response:
    return render(request, "dashboard.html", dashboard_data(view, settings))


def commodity_data(view: ViewDep, found: CommodityDashboard) -> dict[str, Any]:
    """Everything one commodity's dashboard page shows, as plain data."""
    urls = Urls()
    link = lambda iri: urls.for_iri(iri) if iri else None  # noqa: E731
    bottlenecks = asdict(found.bottlenecks)
    return {
        "commodity": found.commodity, "key": found.key, "label": found.label,
        "entity_url": urls.for_iri(found.commodity),
        "row": _row(urls, found.risk),
        "concentration": [_signal(urls, signal) | {"shares": [asdict(bar) | {"url": link(bar.country)}
                                                              for bar in bars]}
                          for signal, bars in found.concentration],
        "hhi_series": {name: [asdict(p) for p in points] for name, points in found.hhi_series.items()},
        "import_reliance_series": [asdict(p) for p in found.reliance_series],
        "import_reliance_country": "United States",
        "flow": [asdict(link_) for link_ in found.flow],
        "flow_notes": found.flow_notes,
        "facilities": [asdict(p) | {"url": urls.for_iri(p.facility)} for p in found.facilities],
        "facilities_without_place": found.facilities_without_place,
        "stages": bottlenecks["stages"],
        "bottlenecks": {key: bottlenecks[key] for key in ("facility_count", "edge_count", "chain_count",
                                                          "cut_vertices", "single_points_of_failure", "notes")},
        "recycling": asdict(found.recycling),
        "events": [_event(urls, event) for event in recent_events(view.store, [NamedNode(found.commodity)],
                                                                  limit=EVENTS_SHOWN)],
        "what_if": {"api": "/api/what-if",
                    "countries": [{"iri": iri, "label": label} for iri, label in found.producing_countries],
                    "companies": [{"iri": iri, "label": label} for iri, label in found.organisations]},
        "links": {"events": f"/dashboard/events?commodity={found.key}",
                  "atom": f"/dashboard/events.atom?commodity={found.key}",
                  "bottlenecks_api": f"/api/bottlenecks?commodity={found.key}",
                  "concentration_api": f"/api/indicators/concentration?commodity={found.key}"},
    }


@router.get("/dashboard/{commodity}", response_class=HTMLResponse,
            summary="One commodity: concentration by stage, supply flow, facilities map, trends, what-if")
def commodity_page(request: Request, view: ViewDep, commodity: str) -> Response:
    try:
        found = commodity_dashboard(view.store, commodity_node(commodity))
    except ValueError:  # a quote or a space: neither a key nor an IRI, so no such commodity (a 500 before)
        found = None
    if found is None:
        raise HTTPException(404, f"no commodity {commodity!r} in the graph; the dashboard lists those it knows")
    return render(request, "dashboard_commodity.html", commodity_data(view, found))
