"""``/dashboard/events`` (JSON) and ``/dashboard/events.atom`` (Atom 1.0): recent events found in documents.

Both read ``view.store``, so a partner's private document graph feeds only the callers who may read it. What counts as
an event, its commodities and its date are decided in ``kg/analytics/events.py``; here the request is parsed (commodity
keys or IRIs, ``limit``, ``since``) and the events rendered. Without ``commodity`` the feed follows the setting
``dashboard_watched_commodities``; ``limit`` is capped by ``events_feed_max_entries``.

Candidate facts are shown, marked as candidates: ``status`` in JSON; in Atom, "(candidate)" after the title, a
review-status category and a first line of content saying so.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from pyoxigraph import NamedNode

from api.deps import SettingsDep, ViewDep
from api.routers.publishing import base_url
from api.urls import Urls
from kg import iris
from kg.analytics import events as ev
from kg.analytics.chains import commodity_node

router = APIRouter(prefix="/dashboard", tags=["Dashboard"])

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
# Characters XML 1.0 cannot carry at all, even escaped; a PDF's form feed must not make the feed unreadable.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
COMMODITY_HELP = ("commodity key (lithium) or IRI; repeat for several. Narrower commodities are included. Default: "
                  "the setting dashboard_watched_commodities")
SINCE_HELP = "only events dated on or after this day, YYYY-MM-DD"
LIMIT_HELP = "most events to return; capped by the setting events_feed_max_entries (also the default)"


class CommodityOut(BaseModel):
    iri: str
    label: str


class FactOut(BaseModel):
    statement: str = Field(description="IRI of the extracted statement")
    relation: str = Field(description="relation type, e.g. EXPORT_RESTRICTION, OWNS")
    subject: str
    subject_label: str
    object: str
    object_label: str
    status: str = Field(description="review status: candidate or accepted (rejected facts are left out)")
    confidence: float | None


class EventOut(BaseModel):
    id: str = Field(description="stable id: the IRI of the event's first statement (also the Atom entry id)")
    kind: str = Field(description="export-restriction, agreement or facility")
    title: str
    evidence: str = Field(description="the document's sentence the facts were read from")
    evidence_page: str = Field(description="page of the statement, with its evidence and provenance")
    document: str = Field(description="IRI of the document")
    document_page: str
    document_title: str | None
    publisher: str | None
    date: date
    date_from: str = Field(description="document (its dct:issued or dct:date) or extraction (no document date)")
    extracted_at: datetime | None
    status: str = Field(description="accepted when a reviewer accepted every fact; else candidate, not verified")
    confidence: float | None = Field(description="the highest extraction confidence of the event's facts, 0-1")
    commodities: list[CommodityOut]
    commodities_from: str = Field(description="statement, facility, document (only mentioned there) or none")
    facts: list[FactOut]


class EventsOut(BaseModel):
    commodities: list[str] = Field(description="the commodities filtered on (narrower ones are included)")
    watched_default: bool = Field(description="true when no commodity was asked for and the watched list was used")
    since: date | None
    limit: int
    atom: str = Field(description="URL of the same feed as Atom")
    events: list[EventOut]


def _commodities(view: ViewDep, settings: SettingsDep, asked: list[str] | None) -> tuple[list[NamedNode], bool]:
    if not asked:
        return [iris.commodity(key) for key in settings.dashboard_watched_commodities], True
    nodes = []
    for value in asked:
        try:
            nodes.append(commodity_node(value.strip()))
        except ValueError as error:
            raise HTTPException(422, f"commodity: {value!r} is neither a commodity key nor an IRI") from error
    unknown = ev.unknown_commodities(view.store, nodes)
    if unknown:
        names = ", ".join(repr(iris.key_of(node)) for node in unknown)
        raise HTTPException(404, f"commodity: no commodity {names} in the graph")
    return nodes, False


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as error:
        raise HTTPException(422, f"since: {value!r} is not a date of the form YYYY-MM-DD") from error


def _events(view: ViewDep, settings: SettingsDep, commodity: list[str] | None, limit: int | None,
            since: str | None) -> tuple[list[NamedNode], bool, date | None, int, list[ev.Event]]:
    nodes, watched = _commodities(view, settings, commodity)
    day = _since(since)
    cap = min(limit or settings.events_feed_max_entries, settings.events_feed_max_entries)
    return nodes, watched, day, cap, ev.recent_events(view.store, nodes, limit=cap, since=day)


def _page(request: Request, urls: Urls, iri: str) -> str:
    local = urls.for_iri(iri)
    return base_url(request) + local if local.startswith("/") else local


def _event_out(request: Request, urls: Urls, event: ev.Event) -> EventOut:
    return EventOut(
        id=event.statement, kind=event.kind, title=event.title, evidence=event.evidence,
        evidence_page=_page(request, urls, event.statement), document=event.document,
        document_page=_page(request, urls, event.document), document_title=event.document_title,
        publisher=event.publisher, date=event.date, date_from=event.date_from, extracted_at=event.extracted_at,
        status=event.status, confidence=event.confidence,
        commodities=[CommodityOut(iri=c.iri, label=c.label) for c in event.commodities],
        commodities_from=event.commodities_from,
        facts=[FactOut(**vars(fact)) for fact in event.facts])


def _commodity_param(node: NamedNode) -> str:
    return iris.key_of(node) if node == iris.commodity(iris.key_of(node)) else node.value


def _feed_query(nodes: list[NamedNode], watched: bool, since: date | None, limit: int | None) -> str:
    params = [] if watched else [("commodity", _commodity_param(node)) for node in nodes]
    params += [("since", since.isoformat())] if since else []
    params += [("limit", str(limit))] if limit else []
    return f"?{urlencode(params)}" if params else ""


Commodities = Annotated[list[str] | None, Query(description=COMMODITY_HELP, examples=["lithium"])]
Limit = Annotated[int | None, Query(ge=1, description=LIMIT_HELP)]
Since = Annotated[str | None, Query(description=SINCE_HELP, examples=["2025-01-01"],
                                    json_schema_extra={"format": "date"})]


@router.get("/events", response_model=EventsOut,
            summary="Recent events found in documents (new plants, agreements, export restrictions), newest first")
def events(request: Request, view: ViewDep, settings: SettingsDep, commodity: Commodities = None,
           limit: Limit = None, since: Since = None) -> EventsOut:
    """Events of the watched commodities (or those asked for, and their narrower ones), read from the documents'
    extracted statements; candidate facts are included with ``status: candidate``."""
    nodes, watched, day, cap, found = _events(view, settings, commodity, limit, since)
    urls = Urls(base_iri=settings.public_base_iri)
    atom = base_url(request) + "/dashboard/events.atom" + _feed_query(nodes, watched, day, limit)
    return EventsOut(commodities=[n.value for n in nodes], watched_default=watched, since=day, limit=cap, atom=atom,
                     events=[_event_out(request, urls, event) for event in found])


@router.get("/events.atom", response_class=Response,
            responses={200: {"content": {ATOM_MEDIA_TYPE: {}}, "description": "an Atom 1.0 feed (RFC 4287)"}},
            summary="The same events as an Atom 1.0 feed, to subscribe to")
def events_atom(request: Request, view: ViewDep, settings: SettingsDep, commodity: Commodities = None,
                limit: Limit = None, since: Since = None) -> Response:
    nodes, watched, day, _, found = _events(view, settings, commodity, limit, since)
    base, query = base_url(request), _feed_query(nodes, watched, day, limit)
    page = "/dashboard" if watched or len(nodes) != 1 else f"/dashboard/{_commodity_param(nodes[0])}"
    feed = _atom_feed(found, Urls(base_iri=settings.public_base_iri), request,
                      self_url=f"{base}/dashboard/events.atom{query}", json_url=f"{base}/dashboard/events{query}",
                      html_url=base + page,
                      names=[iris.key_of(n) for n in nodes])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


def _text(value: str) -> str:
    return XML_ILLEGAL.sub("", value)


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _updated(event: ev.Event) -> datetime:
    if event.date_from == "extraction" and event.extracted_at:
        return event.extracted_at
    return datetime.combine(event.date, time(), tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _atom_feed(found: list[ev.Event], urls: Urls, request: Request, *, self_url: str, json_url: str,
               html_url: str, names: list[str]) -> ET.Element:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", self_url)  # the feed's identity is its query: another filter is another feed
    _add(feed, "title", "critmin: recent supply-chain events" + (f" ({', '.join(names)})" if names else ""))
    _add(feed, "subtitle", "Plants and mines, agreements and export restrictions found in documents. Facts marked "
                           "(candidate) were extracted automatically and not yet reviewed.")
    _add(feed, "updated", _stamp(max((_updated(e) for e in found), default=datetime.now(UTC))))
    _add(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=html_url)  # the dashboard that shows them
    _add(feed, "link", rel="alternate", type="application/json", href=json_url)
    _add(_add(feed, "author"), "name", "critmin")
    _add(feed, "generator", "critmin")
    for event in found:
        _atom_entry(feed, event, urls, request)
    return feed


def _atom_entry(feed: ET.Element, event: ev.Event, urls: Urls, request: Request) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", event.statement)
    candidate = event.status != "accepted"
    _add(entry, "title", event.title + (" (candidate)" if candidate else ""))
    _add(entry, "updated", _stamp(_updated(event)))
    if event.publisher:
        _add(_add(entry, "author"), "name", event.publisher)
    _add(entry, "link", rel="alternate", type="text/html", href=_page(request, urls, event.statement))
    _add(entry, "link", rel="related", type="text/html", href=_page(request, urls, event.document),
         title=event.document_title or event.document)
    _add(entry, "summary", event.evidence, type="text")
    _add(entry, "content", _content(event, candidate), type="text")
    _add(entry, "category", term=event.kind, label=ev.KIND_LABELS.get(event.kind, event.kind))
    for commodity in event.commodities:
        _add(entry, "category", term=commodity.iri, label=commodity.label,
             scheme=iris.concept_scheme("commodities").value)
    _add(entry, "category", term=event.status, scheme=iris.concept_scheme("review-statuses").value)


def _content(event: ev.Event, candidate: bool) -> str:
    status = ("Candidate: extracted automatically, not yet reviewed" if candidate
              else "Accepted by a reviewer")
    confidence = f" (confidence {event.confidence:.2f})" if event.confidence is not None else ""
    dated = "dated" if event.date_from == "document" else "undated; extracted on"
    source = f"{event.document_title or event.document}" + (f", {event.publisher}" if event.publisher else "")
    lines = [f"{status}{confidence}.", f"“{event.evidence}”", f"From: {source}, {dated} {event.date.isoformat()}."]
    if event.commodities:
        lines.append("Commodities: " + ", ".join(c.label for c in event.commodities)
                     + f" (from the {event.commodities_from}).")
    return "\n".join(lines)
