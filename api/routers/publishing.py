"""Publishing metadata: the VoID + DCAT description (``/.well-known/void``, ``/void``) and the dumps (``/dumps/``).

VoID comes as Turtle (the default), JSON-LD or N-Triples by ``Accept`` or ``?format=``. A browser (whose Accept
prefers text/html) gets the Turtle as ``text/plain``, so it shows the text instead of offering a download.
Dumps are gzipped N-Quads served as ``application/gzip`` downloads named ``{graph}.nq.gz``, cached per snapshot
(see ``kg/dumps.py``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from pyoxigraph import RdfFormat, Store, serialize

from api.deps import ViewDep
from api.formats import JSON_LD, N_TRIPLES, TURTLE, UnknownFormatError, choose_format, content_type
from api.routers.home import render
from api.urls import Urls
from kg import iris
from kg.catalog import list_catalog
from kg.dumps import cached_dump, dump_names
from kg.void import describe_dataset

router = APIRouter(tags=["Publishing"])
VOID_FORMATS = (TURTLE, JSON_LD, N_TRIPLES)
_RDF_FORMATS = {TURTLE: RdfFormat.TURTLE, JSON_LD: RdfFormat.JSON_LD, N_TRIPLES: RdfFormat.N_TRIPLES}


def base_url(request: Request) -> str:
    configured = request.app.state.settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


@router.get("/.well-known/void", summary="VoID + DCAT description of the dataset (Turtle, JSON-LD, N-Triples)")
@router.get("/void", include_in_schema=False)
def void(request: Request, view: ViewDep, format: str | None = None) -> Response:
    accept = request.headers.get("accept")
    browser = format is None and choose_format(accept, ("text/html", *VOID_FORMATS), override=None,
                                               default=TURTLE) == "text/html"
    try:
        chosen = TURTLE if browser else choose_format(accept, VOID_FORMATS, override=format, default=TURTLE)
    except UnknownFormatError as error:
        raise HTTPException(400, str(error)) from error
    if chosen is None:
        raise HTTPException(406, "VoID is available as " + ", ".join(VOID_FORMATS))
    triples = describe_dataset(view.store, base_url=base_url(request),
                               base=request.app.state.settings.public_base_iri)
    prefixes = {p: iris.PREFIXES[p] for p in ("void", "dcat", "dct", "xsd", "owl", "cmg", "cmid")}
    body = serialize(triples, format=_RDF_FORMATS[chosen],
                     **({"prefixes": prefixes} if chosen == TURTLE else {}))
    media_type = "text/plain; charset=utf-8" if browser else content_type(chosen)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def dumps_data(store: Store) -> dict[str, Any]:
    urls = Urls()
    triples = {entry.graph[len(iris.GRAPH):]: entry.triples for entry in list_catalog(store)}
    return {"dumps": [{"name": name, "url": urls.dump(name), "triples": triples.get(name)}
                      for name in dump_names(store)], "void": urls.void()}


@router.get("/dumps/", summary="The dumps: one gzipped N-Quads file per graph, and one of everything")
def dumps(request: Request, view: ViewDep) -> Response:
    return render(request, "dumps.html", dumps_data(view.store))


@router.get("/dumps/{file_name}", summary="One dump, {graph}.nq.gz or all.nq.gz (gzipped N-Quads)")
def dump(view: ViewDep, file_name: str) -> FileResponse:
    name = file_name.removesuffix(".nq.gz")
    if name == file_name or not name:
        raise HTTPException(404, "dumps are named {graph}.nq.gz; see /dumps/")
    # a view's dumps are cached apart from every other view's: all.nq.gz differs by what the caller may read
    path = cached_dump(view.store, name, store_path=view.dump_root, snapshot=view.dump_key)
    if path is None:
        raise HTTPException(404, f"no dump named {name!r}; see /dumps/")
    return FileResponse(path, media_type="application/gzip", filename=f"{name}.nq.gz")



