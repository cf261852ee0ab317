"""Tests of extractors/documents.py: text, HTML and PDF files in, documents as entities out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from extractors.documents import Document, DocumentError, document_triples, read_document, read_documents
from kg import iris

DATA = Path(__file__).parent / "data"


def build_pdf(page_contents: list[bytes], info: dict[str, str] | None = None) -> bytes:
    """A minimal valid PDF: one page per content stream, Helvetica, an xref table with exact byte offsets."""
    n_pages = len(page_contents)
    font_id = 3
    first_page_id = 4
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{first_page_id + 2 * i} 0 R".encode() for i in range(n_pages))
        + f"] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, content in enumerate(page_contents):
        content_id = first_page_id + 2 * i + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_id} "
                       f"0 R >> >> /Contents {content_id} 0 R >>".encode())
        objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
    info_ref = b""
    if info:
        entries = " ".join(f"/{k} ({v})" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode())
        info_ref = f" /Info {len(objects)} 0 R".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode() + info_ref + b" >>\n"
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def text_page(*lines: str) -> bytes:
    ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
    ops += [f"({line}) Tj T*" for line in lines]
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


# ---------------------------------------------------------------------------------------------------------------
# Plain text


def test_plain_text_is_normalised():
    doc = read_document(DATA / "offtake_note.txt")
    assert doc.doc_id == "offtake-note"
    assert doc.text == (
        "Lithium offtake signed\n\n"
        "Alpha Ltd will supply spodumene concentrate to Beta Corp.\n"
        "Deliveries start in 2026.\n\n"
        "The deal runs for five years."
    )
    assert doc.media_type == "text/plain"
    assert len(doc.sha256) == 64
    # no metadata source gave these: they stay None
    assert (doc.title, doc.publisher, doc.date, doc.url, doc.licence, doc.language) == (None,) * 6


def test_nfc_and_bom(tmp_path):
    path = tmp_path / "Côte d'Ivoire Note.md"
    path.write_bytes("\ufeffCo\u0302te d'Ivoire: manganese\tore  \n".encode())
    doc = read_document(path)
    assert doc.text == "Côte d'Ivoire: manganese\tore"
    assert doc.doc_id == "cote-d-ivoire-note"
    assert doc.media_type == "text/markdown"


def test_invalid_utf8_reports_byte_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Nickel \xe9 matte")
    with pytest.raises(DocumentError) as info:
        read_document(path)
    assert "byte offset 7" in info.value.reason
    assert info.value.path == str(path)


# ---------------------------------------------------------------------------------------------------------------
# HTML


def test_html_boilerplate_is_removed():
    doc = read_document(DATA / "boilerplate_release.html")
    assert doc.text == (
        "Northvale commissions its first lithium hydroxide refinery\n\n"
        "Northvale Resources Ltd today announced the commissioning of its lithium hydroxide refinery at Kwinana, "
        "Western Australia.\n\n"
        "The refinery has a nameplate capacity of 24,000 tonnes of battery-grade lithium hydroxide a year and will "
        "process spodumene concentrate from the Greenbush mine.\n\n"
        "Chief executive Jane Doe said the plant \u201cmarks a turning point for the company\u201d."
    )
    for boilerplate in ("cookie", "About us", "Privacy", "Related news", "dataLayer", "font-family", "Twitter"):
        assert boilerplate not in doc.text


def test_html_without_article_picks_the_paragraph_block(tmp_path):
    path = tmp_path / "soup.html"
    path.write_text(
        "<html><body><div class='top'><a href='/'>Home</a> <a href='/news'>News</a></div>"
        "<div class='left'><h3>Latest</h3><a href='/a'>Cobalt output rises</a><br><a href='/b'>Nickel deal</a></div>"
        "<div class='content'><h1>MetalCo signs nickel offtake</h1>"
        "<p>MetalCo Plc has signed a five-year offtake agreement with BatteryWorks GmbH for nickel sulphate.</p>"
        "<p>BatteryWorks will buy up to 10,000 tonnes a year, with an option to extend by three years.</p></div>"
        "<div class='bottom'>MetalCo Plc. <a href='/legal'>Legal</a></div></body></html>",
        encoding="utf-8",
    )
    assert read_document(path).text == (
        "MetalCo signs nickel offtake\n\n"
        "MetalCo Plc has signed a five-year offtake agreement with BatteryWorks GmbH for nickel sulphate.\n\n"
        "BatteryWorks will buy up to 10,000 tonnes a year, with an option to extend by three years."
    )


def test_html_metadata():
    doc = read_document(DATA / "meta_release.html")
    assert doc.title == "Government announces cobalt export permit regime"  # <title> before og:title
    assert doc.publisher == "Ministry of Mines"
    assert doc.date == "2025-06-02"
    assert doc.url == "https://example.org/news/cobalt-permits"
    assert doc.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert doc.language == "en-GB"
    assert doc.description == "New permits for cobalt hydroxide exports from 1 July 2025."
    assert doc.author == "Ministry of Mines Press Office"
    assert doc.text.startswith("The Ministry of Mines will require")


def test_sidecar_overrides_page_and_argument_overrides_sidecar():
    doc = read_document(DATA / "sidecar_release.html")
    assert doc.title == "Cobalt export permits (official translation)"
    assert doc.publisher == "Ministry of Mines and Energy"
    assert doc.licence == "CC-BY-4.0"
    assert doc.date == "2025-06-03"
    assert doc.url == "https://example.org/news/cobalt-permits"  # not in the sidecar: from the page
    doc = read_document(DATA / "sidecar_release.html", metadata={"date": "2025-06-04", "publisher": None})
    assert doc.date == "2025-06-04"
    assert doc.publisher == "Ministry of Mines and Energy"  # None in the argument gives nothing, it erases nothing


def test_unknown_metadata_key_is_an_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Text.", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"unknown metadata keys.*licnce"):
        read_document(path, metadata={"licnce": "CC0"})


def test_dates_that_are_not_iso_are_not_guessed(tmp_path):
    path = tmp_path / "a.html"
    path.write_text('<meta name="date" content="June 2, 2025"><p>Text of the page.</p>', encoding="utf-8")
    assert read_document(path).date is None


def test_declared_charset_is_honoured(tmp_path):
    path = tmp_path / "latin.html"
    path.write_bytes('<meta charset="windows-1252"><p>Société Minière</p>'.encode("cp1252"))
    assert read_document(path).text == "Société Minière"


# ---------------------------------------------------------------------------------------------------------------
# PDF


def test_pdf_text_layer_and_info(tmp_path):
    path = tmp_path / "Annual Report 2024.pdf"
    path.write_bytes(build_pdf(
        [text_page("Graphite output rose 12 percent.", "Exports went to Japan."), text_page("Outlook for 2025.")],
        info={"Title": "Annual report 2024", "Author": "GraphCo", "CreationDate": "D:20250131093000Z"},
    ))
    doc = read_document(path)
    assert doc.doc_id == "annual-report-2024"
    assert doc.media_type == "application/pdf"
    assert "Graphite output rose 12 percent." in doc.text
    assert "Exports went to Japan." in doc.text
    assert doc.text.endswith("\n\nOutlook for 2025.")  # pages are paragraphs
    assert (doc.title, doc.author, doc.date, doc.publisher) == ("Annual report 2024", "GraphCo", "2025-01-31", None)


def test_pdf_without_text_layer_is_an_error(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(build_pdf([b"0 0 m 200 200 l S"]))
    with pytest.raises(DocumentError, match=r"no text layer.*OCR is not done"):
        read_document(path)


def test_broken_pdf_is_an_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nnot really")
    with pytest.raises(DocumentError, match="PDF"):
        read_document(path)


# ---------------------------------------------------------------------------------------------------------------
# Folders


def test_folder_reports_bad_files_and_reads_the_rest(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(DATA / "offtake_note.txt", folder / "b_note.txt")
    shutil.copy(DATA / "sidecar_release.html", folder / "sub" / "c_release.html")
    shutil.copy(DATA / "sidecar_release.html.json", folder / "sub" / "c_release.html.json")
    (folder / "a_bad.txt").write_bytes(b"ok line\n\xff\xfe broken")
    (folder / "d_slides.pptx").write_bytes(b"PK\x03\x04")
    (folder / "e_empty.md").write_text(" \n\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("not read", encoding="utf-8")
    (folder / "README.md").write_text("What these files are: not read as a document", encoding="utf-8")
    (folder / "f_scan.pdf").write_bytes(build_pdf([b""]))

    results = list(read_documents([folder, tmp_path / "missing.txt"]))
    names = [Path(r.source_path if isinstance(r, Document) else r.path).name for r in results]
    assert names == ["a_bad.txt", "b_note.txt", "d_slides.pptx", "e_empty.md", "f_scan.pdf", "c_release.html",
                     "missing.txt"]
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["DocumentError", "Document", "DocumentError", "DocumentError", "DocumentError", "Document",
                     "DocumentError"]
    assert "byte offset 8" in results[0].reason
    assert "unknown document type '.pptx'" in results[2].reason
    assert "no text" in results[3].reason
    assert "OCR" in results[4].reason
    assert results[5].publisher == "Ministry of Mines and Energy"  # its sidecar was used, not reported
    assert "cannot read" in results[6].reason


# ---------------------------------------------------------------------------------------------------------------
# Triples


def test_document_triples_parse_back():
    doc = read_document(DATA / "sidecar_release.html")
    triples = document_triples(doc)
    nt = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert {q.triple for q in pyoxigraph.parse(nt, format=pyoxigraph.RdfFormat.N_TRIPLES)} == set(triples)

    s = iris.document("sidecar-release")
    by_p = {t.predicate.value.rsplit("/", 1)[-1].split("#")[-1]: t.object for t in triples}
    types = {t.object for t in triples if t.predicate == iris.ns("rdf", "type")}
    assert all(t.subject == s for t in triples)
    assert types == {iris.term("Document"), iris.ns("schema", "CreativeWork")}
    assert by_p["title"] == pyoxigraph.Literal("Cobalt export permits (official translation)")
    assert by_p["label"] == by_p["title"]
    assert by_p["publisher"] == pyoxigraph.Literal("Ministry of Mines and Energy")
    assert by_p["issued"] == pyoxigraph.Literal("2025-06-03", datatype=iris.ns("xsd", "date"))
    assert by_p["url"] == pyoxigraph.NamedNode("https://example.org/news/cobalt-permits")
    assert by_p["license"] == pyoxigraph.Literal("CC-BY-4.0")  # not an IRI: kept as a string
    assert by_p["language"] == pyoxigraph.Literal("en-GB")
    assert by_p["sha256"] == pyoxigraph.Literal(doc.sha256)
    assert by_p["sourceFile"] == pyoxigraph.Literal(doc.source_path)
    assert by_p["wordCount"] == pyoxigraph.Literal(str(len(doc.text.split())), datatype=iris.ns("xsd", "integer"))


def test_document_triples_licence_iri_and_label_fallback(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Short note.", encoding="utf-8")
    doc = read_document(path, metadata={"licence": "https://creativecommons.org/licenses/by/4.0/"})
    triples = {(t.predicate, t.object) for t in document_triples(doc)}
    assert (iris.ns("dct", "license"), pyoxigraph.NamedNode("https://creativecommons.org/licenses/by/4.0/")) in triples
    assert (iris.ns("rdfs", "label"), pyoxigraph.Literal("note.txt")) in triples
    assert not any(p == iris.ns("dct", "issued") for p, _ in triples)  # no date given: none invented
