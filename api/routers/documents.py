"""``POST /documents``: a partner uploads a report or press release; its facts are extracted into a private partner
graph of that partner.

The upload reads and extracts as ``critmin extract FILE --load`` does for a file on the server: the same reading
(plain text, Markdown, HTML without boilerplate, PDF text layer), the same pipeline, the document as an entity and
every fact a candidate with its evidence for review. It needs a token with the ``write`` scope. Unlike the hub's own
files (public graphs ``cmg:doc-{id}``), an upload is the partner's data and is kept like a ``/store`` upload: in the
partner graph ``{public_base_iri}graph/partner/{slug}/doc-{stem}`` with its catalog companion (title, description
with the document's metadata, ``dct:license`` when the licence is an http(s) IRI, ``dct:publisher`` the partner),
registered private (``kg/graph_access.py``) before its first triple is written. Only the partner and admins read it
until the partner shares it with ``PUT /store/access?graph=…``; ``GET``/``DELETE /store?graph=…`` read and delete it.
A decision in ``/review`` on its facts is refused (409) while it is not public, since it would publish them in
``cmg:curated``.

The document's id is the uploading partner's slug and the file's stem (``bgs-cobalt-2025``: its page is
``/id/document/bgs-cobalt-2025``, a 404 to whoever may not read the graph). Uploading the same file again replaces the
graph (all or nothing) and keeps its access settings; the partner's own ``/store`` graph of the same name
(``doc-{stem}``) would be replaced too. Metadata comes from form fields (``title``, ``publisher``, ``date`` as
YYYY-MM-DD, ``url``, ``licence``), else from the document itself.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from spacy.language import Language
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import require
from api.openapi_params import described, form
from api.request_bodies import FORM_OVERHEAD_BYTES, read_body
from api.urls import Urls
from extractors.documents import SUFFIXES, Document, DocumentError, iso_date, read_document
from extractors.facts import CandidateFact, EntityMention
from kg import graph_access, iris
from kg.accounts import Caller
from kg.document_facts import load_partner_document_facts, partner_document_entry, partner_document_graph

router = APIRouter()
_pipeline_lock = threading.Lock()
_extraction_lock = threading.Lock()  # uploads are rare; one at a time keeps the shared pipeline's state simple


DOCUMENT_FIELDS = ("title", "publisher", "date", "url", "licence")


@router.post("/documents", status_code=201, summary="Upload a document and extract its facts (write token)",
             openapi_extra=described(body={"multipart/form-data": form(*DOCUMENT_FIELDS, files=("file",))}))
async def upload_document(request: Request, caller: Annotated[Caller, Depends(require("write"))]) -> JSONResponse:
    settings = request.app.state.settings
    name, data, fields = await _read_upload(request, settings.document_max_upload_bytes)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise HTTPException(415, f"the file {name or '(no name)'!r} is not a document we read: send one ending in "
                                 f"{', '.join(sorted(SUFFIXES))}")
    date = fields.get("date")
    if date and iso_date(date) is None:
        raise HTTPException(422, f"the field date must be an ISO date (YYYY-MM-DD), not {date!r}")
    metadata = {k: v for k, v in fields.items() if v}
    stem = iris.slug(Path(name).stem) or "document"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path, metadata=metadata)
        except DocumentError as error:
            raise HTTPException(422, f"{name}: {error.reason}") from error
    assert caller.partner is not None  # require("write") lets no anonymous caller through
    graph = partner_document_graph(caller.partner, document.doc_id, base=settings.public_base_iri)
    document = dataclasses.replace(document, doc_id=f"{caller.partner}-{document.doc_id}",
                                   source_path=f"upload/{caller.partner}/{name}")
    extracted, mentions, facts = await run_in_threadpool(_extract, request.app, document)
    db = settings.accounts_db
    access = await run_in_threadpool(graph_access.access_of, db, graph.value)
    if access is None:
        # registered (private) before its first triple is written, as /store does: a reader whose view is chosen
        # meanwhile already counts it among the graphs hidden from them
        access = await run_in_threadpool(graph_access.register_graph, db, graph.value,
                                         base=settings.public_base_iri)
        created = True
    else:
        created = False
    entry = partner_document_entry(document, len(facts), graph=graph, visibility=access.visibility,
                                   publisher=iris.partner(caller.partner, base=settings.public_base_iri))
    try:
        await run_in_threadpool(load_partner_document_facts, request.app.state.store, document, mentions, facts,
                                entry=entry, base=settings.public_base_iri)
    except BaseException:
        if created:  # nothing was written: forget the registration too
            await run_in_threadpool(graph_access.unregister_graph, db, graph.value)
        raise
    try:
        access = await run_in_threadpool(graph_access.register_graph, db, graph.value, base=settings.public_base_iri)
    finally:
        await run_in_threadpool(publish_snapshot, request.app, [graph])
    urls = Urls(base_iri=settings.public_base_iri)
    page = urls.for_iri(iris.document(document.doc_id).value)
    body = {"doc_id": document.doc_id, "document": iris.document(document.doc_id).value, **extracted,
            "page": page, **_access_note(graph.value, access)}
    return JSONResponse(body, status_code=201, headers={"Location": page})


def _access_note(graph: str, access: graph_access.GraphAccess) -> dict:
    """Where the upload went and who reads it, with how to share it."""
    where = f"/store/access?graph={quote(graph, safe='')}"
    if access.visibility == "public":
        who = "public: everyone reads it"
    else:
        who = ("private: only partner " + access.owner + (f", the partners {', '.join(access.readers)}"
                                                          if access.readers else "") + " and admins read it")
    return {
        "graph": graph,
        "visibility": access.visibility,
        "readers": list(access.readers),
        "private": access.visibility != "public",
        "access": where,
        "message": f"the document and its facts are in your partner graph {graph}, {who}. Share it with PUT {where} "
                   '(body {"visibility": "partners", "readers": ["slug"]}, or {"visibility": "public"}; facts are '
                   f"reviewed into the public graph only once it is public); read it with GET /store?graph=…, "
                   "delete it with DELETE /store?graph=….",
    }


async def _read_upload(request: Request, limit_bytes: int) -> tuple[str, bytes, dict[str, str]]:
    """The form's file (its name and bytes) and metadata fields; 413 as soon as the body passes the limit with
    the form around it (read here, as it arrives, before the form parser spools anything), or the file does."""
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise HTTPException(415, "send a multipart/form-data body with the document as the file part 'file' "
                                 "(curl -F file=@report.pdf)", headers={"Accept-Post": "multipart/form-data"})
    too_large = HTTPException(413, f"the document is larger than the limit of {limit_bytes:,} bytes "
                                   "(setting document_max_upload_bytes)")
    await read_body(request, limit_bytes + FORM_OVERHEAD_BYTES, too_large)
    upload = await request.form()
    file = upload.get("file")
    if file is None or isinstance(file, str):
        raise HTTPException(422, "form field 'file': missing; send the document as a file part "
                                 "(curl -F file=@report.pdf)")
    data = await file.read()
    if len(data) > limit_bytes:
        raise too_large
    fields = {key: value for key in DOCUMENT_FIELDS if isinstance(value := upload.get(key), str)}
    return Path(file.filename or "").name, data, fields


def _pipeline(app) -> Language:
    """The extraction pipeline, built on first use (a second or so) and kept for the process's life."""
    with _pipeline_lock:
        if getattr(app.state, "nlp", None) is None:
            from extractors.nlp.pipeline import load_pipeline, load_pipeline_over

            settings = app.state.settings
            if settings.store_backend == "remote":
                app.state.nlp = load_pipeline_over(app.state.store, ner_pipeline=settings.nlp_ner_pipeline)
            else:
                app.state.nlp = load_pipeline(Path(settings.store), ner_pipeline=settings.nlp_ner_pipeline)
        return app.state.nlp


def _extract(app, document: Document) -> tuple[dict, list[EntityMention], list[CandidateFact]]:
    """What the pipeline finds in the document: the response's entities and relations, and the mentions and facts to
    load."""
    from extractors.nlp.pipeline import extract_document

    nlp = _pipeline(app)
    with _extraction_lock:
        doc = nlp(document.text)
        extracted = extract_document(nlp, document.doc_id, document.text, doc=doc)
    return ({"entities": extracted["entities"], "relations": extracted["relations"]},
            list(doc._.mentions or []), list(doc._.facts or []))
