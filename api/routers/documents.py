"""``POST /documents``: a partner uploads a report or press release; its facts are extracted into the document's graph.

The upload is what ``critmin extract FILE --load`` does for a file on the server: the same reading (plain text,
Markdown, HTML without boilerplate, PDF text layer), the same pipeline, the same all-or-nothing write of
``cmg:doc-{id}`` with the document as an entity, every fact a candidate with its evidence for review. It needs a token
with the ``write`` scope. The document's id is the uploading partner's slug and the file's stem (``bgs-cobalt-2025``),
so a partner replaces its own upload of the same file and never another partner's. Metadata comes from form fields
(``title``, ``publisher``, ``date`` as YYYY-MM-DD, ``url``, ``licence``), else from the document itself.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse
from spacy.language import Language
from starlette.concurrency import run_in_threadpool

from api.app import publish_snapshot
from api.auth import require
from api.urls import Urls
from extractors.documents import SUFFIXES, Document, DocumentError, iso_date, read_document
from kg import iris
from kg.accounts import Caller

router = APIRouter()
_CHUNK_BYTES = 1024 * 1024
_pipeline_lock = threading.Lock()
_extraction_lock = threading.Lock()  # uploads are rare; one at a time keeps the shared pipeline's state simple


@router.post("/documents", status_code=201, summary="Upload a document and extract its facts (write token)")
async def upload_document(
    request: Request,
    caller: Annotated[Caller, Depends(require("write"))],
    file: UploadFile,
    title: Annotated[str | None, Form()] = None,
    publisher: Annotated[str | None, Form()] = None,
    date: Annotated[str | None, Form()] = None,
    url: Annotated[str | None, Form()] = None,
    licence: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    settings = request.app.state.settings
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise HTTPException(415, f"the file {name or '(no name)'!r} is not a document we read: send one ending in "
                                 f"{', '.join(sorted(SUFFIXES))}")
    if date and iso_date(date) is None:
        raise HTTPException(422, f"the field date must be an ISO date (YYYY-MM-DD), not {date!r}")
    data = await _read_limited(file, settings.document_max_upload_bytes)
    metadata = {k: v for k, v in {"title": title, "publisher": publisher, "date": date, "url": url,
                                  "licence": licence}.items() if v}
    stem = iris.slug(Path(name).stem) or "document"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path, metadata=metadata)
        except DocumentError as error:
            raise HTTPException(422, f"{name}: {error.reason}") from error
    document = dataclasses.replace(document, doc_id=f"{caller.partner}-{document.doc_id}",
                                   source_path=f"upload/{caller.partner}/{name}")
    result = await run_in_threadpool(_extract_and_load, request.app, document)
    publish_snapshot(request.app)
    page = Urls(base_iri=settings.public_base_iri).for_iri(result["document"])
    return JSONResponse({**result, "page": page}, status_code=201, headers={"Location": page})


async def _read_limited(file: UploadFile, limit_bytes: int) -> bytes:
    """The upload's bytes; 413 as soon as it passes the limit (a client's Content-Length is not trusted)."""
    chunks, size = [], 0
    while chunk := await file.read(_CHUNK_BYTES):
        size += len(chunk)
        if size > limit_bytes:
            raise HTTPException(413, f"the document is larger than the limit of {limit_bytes:,} bytes "
                                     "(setting document_max_upload_bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def _pipeline(app) -> Language:
    """The extraction pipeline, built on first use (a second or so) and kept for the process's life."""
    with _pipeline_lock:
        if getattr(app.state, "nlp", None) is None:
            from extractors.nlp.pipeline import load_pipeline

            settings = app.state.settings
            app.state.nlp = load_pipeline(Path(settings.store), ner_pipeline=settings.nlp_ner_pipeline)
        return app.state.nlp


def _extract_and_load(app, document: Document) -> dict:
    from extractors.nlp.pipeline import extract_document
    from kg.document_facts import load_document_facts

    nlp = _pipeline(app)
    with _extraction_lock:
        doc = nlp(document.text)
        extracted = extract_document(nlp, document.doc_id, document.text, doc=doc)
    report = load_document_facts(app.state.store, document, doc._.mentions or [], doc._.facts or [])
    return {"doc_id": document.doc_id, "document": iris.document(document.doc_id).value,
            "graph": report.graph, "entities": extracted["entities"], "relations": extracted["relations"]}
