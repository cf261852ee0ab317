"""Linked-data pages: every IRI of ours dereferences to HTML for people and RDF for machines, from one dataclass.

Routes: ``/id/{path}`` (entities), ``/graph/{name}`` (a graph's catalog entry), ``/ontology/`` and
``/ontology/{term}``. A URL suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.trig``, ``.json``, ``.html``) picks
the format first, then ``Accept`` (HTML, Turtle, JSON-LD, N-Triples, RDF/XML, TriG; 406 otherwise). ``.json`` is our
own JSON of the page's dataclass. Every answer says ``Vary: Accept``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pyoxigraph import NamedNode, RdfFormat, Store, Triple, serialize

from api.deps import ViewDep
from api.formats import JSON_LD, N_TRIPLES, RDF_XML, TRIG, TURTLE, choose_format, content_type
from api.urls import Urls
from kg import iris
from kg.entities import (
    EntityDescription,
    describe_entity,
    describe_term,
    entity_exists,
    entity_quads,
    find_by_label,
    list_terms,
)

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

HTML = "text/html"
OUR_JSON = "application/json"
RDF_FORMATS: dict[str, RdfFormat] = {
    TURTLE: RdfFormat.TURTLE, JSON_LD: RdfFormat.JSON_LD, N_TRIPLES: RdfFormat.N_TRIPLES,
    RDF_XML: RdfFormat.RDF_XML, TRIG: RdfFormat.TRIG,
}
QUAD_FORMATS = (JSON_LD, TRIG)  # these keep the named graph of each statement
OFFERED = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG)  # what Accept can pick
SUFFIXES = {"html": HTML, "ttl": TURTLE, "jsonld": JSON_LD, "nt": N_TRIPLES, "rdf": RDF_XML, "trig": TRIG,
            "json": OUR_JSON}
FORMAT_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML", "trig": "TriG",
                 "json": "JSON"}
VARY = {"Vary": "Accept"}


def urls_for(request: Request) -> Urls:
    return Urls(base_iri=request.app.state.settings.public_base_iri)


def split_suffix(path: str) -> tuple[str, str | None]:
    """``country/AUS.ttl`` -> (``country/AUS``, ``text/turtle``); a path without a known suffix is kept whole.

    >>> split_suffix("country/AUS.ttl"), split_suffix("country/AUS")
    (('country/AUS', 'text/turtle'), ('country/AUS', None))
    """
    last = path.rsplit("/", 1)[-1]
    stem, dot, suffix = last.rpartition(".")
    if dot and stem and suffix in SUFFIXES:
        return path[: -len(suffix) - 1], SUFFIXES[suffix]
    return path, None


def pick_format(request: Request, by_suffix: str | None) -> str | None:
    """The suffix's format, else the best of ``OFFERED`` for ``Accept`` (HTML by default); None: 406."""
    if by_suffix:
        return by_suffix
    return choose_format(request.headers.get("accept"), OFFERED, override=None, default=HTML)


def _curie(iri: str) -> str:
    """``rdfs:label`` for ``http://www.w3.org/2000/01/rdf-schema#label``; the IRI itself when no prefix fits."""
    best = max((p for p in iris.PREFIXES.items() if iri.startswith(p[1])), key=lambda p: len(p[1]), default=None)
    if best is None or "/" in iri[len(best[1]):]:
        return iri
    return f"{best[0]}:{iri[len(best[1]):]}"


def _href(urls: Urls, iri: str | None, *, format: str | None = None) -> str | None:
    """Where a link to ``iri`` goes; None for anything but http(s) IRIs, which are shown as text."""
    if not iri or not iri.startswith(("http://", "https://")):
        return None
    return urls.for_iri(iri, format=format)


def _context(request: Request, urls: Urls, iri: str) -> dict[str, Any]:
    formats = [{"suffix": s, "label": FORMAT_LABELS[s], "media_type": SUFFIXES[s], "href": urls.for_iri(iri, format=s)}
               for s in FORMAT_LABELS]
    return {"iri": iri, "formats": formats, "href": lambda i, **kw: _href(urls, i, **kw), "curie": _curie}


def _not_found(request: Request, store: Store, iri: str, media_type: str | None) -> Response:
    segment = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    suggestions = find_by_label(store, segment)
    urls = urls_for(request)
    if media_type not in (HTML, None):
        body = {"error": "not found", "iri": iri, "suggestions": [asdict(t) for t in suggestions]}
        return JSONResponse(body, status_code=404, headers=VARY)
    context = _context(request, urls, iri) | {"suggestions": suggestions, "segment": segment,
                                              "search": urls.search(segment)}
    return templates.TemplateResponse(request, "entity_404.html", context, status_code=404, headers=VARY)


def _invalid_iri(iri: str) -> Response | None:
    """A 404 when the path does not make an IRI at all (a quote, a space): no entity can have it, and our queries
    would refuse it as a value (a 500 before this check)."""
    try:
        NamedNode(iri)
    except ValueError as error:
        return PlainTextResponse(f"no entity here: <{iri}> is not a valid IRI ({error})", status_code=404,
                                 headers=VARY)
    return None


def _not_acceptable() -> Response:
    offered = ", ".join(OFFERED)
    return PlainTextResponse(f"not acceptable: this resource is available as {offered}, or by suffix "
                             f"({', '.join('.' + s for s in SUFFIXES)})", status_code=406, headers=VARY)


def rdf_response(store: Store, iri: str, media_type: str) -> Response:
    """The entity's quads (with their provenance) in ``media_type``; triple formats drop the graph names."""
    quads = entity_quads(store, iri)
    if media_type in QUAD_FORMATS:
        data: list[Any] = quads
    else:
        data = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in quads))
    used = {t.value for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name) if hasattr(t, "value")}
    prefixes = None if media_type in (N_TRIPLES, JSON_LD) else {
        name: ns for name, ns in iris.PREFIXES.items() if any(value.startswith(ns) for value in used)}
    body = serialize(data, format=RDF_FORMATS[media_type], prefixes=prefixes)
    return Response(body, media_type=content_type(media_type), headers=VARY)


def _entity_response(request: Request, store: Store, iri: str, by_suffix: str | None, inbound_page: int,
                     template: str = "entity.html") -> Response:
    """``store`` is the caller's view: an entity only in graphs the caller may not read is a 404, like no entity."""
    media_type = pick_format(request, by_suffix)
    if media_type is None:
        return _not_acceptable()
    described = describe_entity(store, iri, inbound_page=inbound_page) if media_type in (HTML, OUR_JSON) else None
    if media_type in RDF_FORMATS:
        if not entity_exists(store, iri):
            return _not_found(request, store, iri, media_type)
        return rdf_response(store, iri, media_type)
    if described is None:
        return _not_found(request, store, iri, media_type)
    if media_type == OUR_JSON:
        return JSONResponse(entity_json(described), headers=VARY)
    return render_entity(request, described, template)


def entity_json(described: EntityDescription) -> dict[str, Any]:
    data = asdict(described)
    data["inbound"]["pages"] = described.inbound.pages
    if described.criticality_list is not None:
        data["criticality_list"]["summary"] = described.criticality_list.summary
    return data


def render_entity(request: Request, described: EntityDescription, template: str, **extra: Any) -> Response:
    urls = urls_for(request)
    page_link = urls.for_iri(described.iri)
    inbound = described.inbound
    pager = {n: f"{page_link}?{urlencode({'inbound_page': n})}" for n in (inbound.page - 1, inbound.page + 1)
             if 1 <= n <= inbound.pages}
    chart = None
    if described.commodity is not None:  # the shape api/static/charts.js draws: labels (years), one dataset a row
        years = described.commodity.years
        # countries only: a world total or "other countries" would flatten every country's line (the table keeps them)
        countries = [s for s in described.commodity.producers if s.area.iri.startswith(iris.ID + "country/")]
        chart = {"type": "line", "labels": years, "datasets": [
            {"label": " · ".join(x for x in (s.area.label or s.area.iri, s.stage, s.unit) if x),
             "data": [s.values.get(y) for y in years]}
            for s in countries]} if countries else None
    context = _context(request, urls, described.iri) | {
        "e": described, "pager": pager, "chart": chart, "sources": _numbered_sources(described), **extra,
        "uses_maps": described.location is not None, "uses_charts": bool(chart),
    }
    return templates.TemplateResponse(request, template, context, headers=VARY)


def _numbered_sources(described: EntityDescription) -> dict[tuple[str, str | None], int]:
    """(graph, via partner) -> the number its statements cite, in order of appearance."""
    numbers: dict[tuple[str, str | None], int] = {}
    for group in described.properties:
        for statement in group.statements:
            for source in statement.sources:
                numbers.setdefault((source.graph, source.via), len(numbers) + 1)
    return numbers


@router.get("/id/{path:path}", response_class=HTMLResponse, summary="An entity: HTML, or RDF by Accept or suffix")
def entity_page(request: Request, view: ViewDep, path: str, inbound_page: int = Query(1, ge=1)) -> Response:
    stem, by_suffix = split_suffix(path)
    urls = urls_for(request)
    iri = urls.iri_for_path("id/" + stem)
    if (invalid := _invalid_iri(urls.iri_for_path("id/" + path))) is not None:
        return invalid
    if by_suffix and not entity_exists(view.store, iri):
        whole = urls.iri_for_path("id/" + path)  # an IRI that itself ends like a suffix
        if entity_exists(view.store, whole):
            iri, by_suffix = whole, None
    return _entity_response(request, view.store, iri, by_suffix, inbound_page)


@router.get("/graph/{name}", response_class=HTMLResponse, summary="A named graph's catalog entry")
def graph_page(request: Request, view: ViewDep, name: str, inbound_page: int = Query(1, ge=1)) -> Response:
    stem, by_suffix = split_suffix(name)
    iri = urls_for(request).iri_for_path("graph/" + stem)
    if (invalid := _invalid_iri(iri)) is not None:
        return invalid
    return _entity_response(request, view.store, iri, by_suffix, inbound_page)


@router.get("/ontology/", response_class=HTMLResponse, summary="Every term of the critmin ontology")
def ontology_index(request: Request, view: ViewDep) -> Response:
    media_type = choose_format(request.headers.get("accept"), (HTML, OUR_JSON), override=None, default=HTML)
    if media_type is None:
        return _not_acceptable()
    terms = list_terms(view.store)
    if media_type == OUR_JSON:
        return JSONResponse([{**asdict(t), "kind": kind, "comment": comment} for t, kind, comment in terms],
                            headers=VARY)
    urls = urls_for(request)
    classes = [(t, c) for t, k, c in terms if k and k.endswith("#Class")]
    properties = [(t, c) for t, k, c in terms if not (k and k.endswith("#Class"))]
    context = _context(request, urls, iris.ONTOLOGY) | {"classes": classes, "properties": properties,
                                                        "formats": []}
    return templates.TemplateResponse(request, "ontology.html", context, headers=VARY)


@router.get("/ontology/{term}", response_class=HTMLResponse, summary="One ontology term, documented")
def ontology_term(request: Request, view: ViewDep, term: str) -> Response:
    stem, by_suffix = split_suffix(term)
    iri = urls_for(request).iri_for_path("ontology/" + stem)
    if (invalid := _invalid_iri(iri)) is not None:
        return invalid
    media_type = pick_format(request, by_suffix)
    if media_type is None:
        return _not_acceptable()
    if media_type in RDF_FORMATS:
        return _entity_response(request, view.store, iri, media_type, 1)
    documented = describe_term(view.store, iri)
    if documented is None:
        return _not_found(request, view.store, iri, media_type)
    if media_type == OUR_JSON:
        data = asdict(documented)
        data["description"] = entity_json(documented.description)
        return JSONResponse(data, headers=VARY)
    return render_entity(request, documented.description, "ontology_term.html", doc=documented)


def series_json(chart: dict[str, Any] | None) -> str:
    """The producers chart's data as JSON text (the template escapes it into the attribute)."""
    return json.dumps(chart, ensure_ascii=False)


templates.env.filters["curie"] = _curie
templates.env.globals["series_json"] = series_json
