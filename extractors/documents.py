"""Documents in: plain text, HTML and PDF files read into :class:`Document` records, and each document as an entity.

A document is read into normalised text (Unicode NFC, ``\\n`` line endings, no trailing spaces, paragraphs separated
by one blank line) plus metadata. Character offsets used later by the NLP step are offsets into ``Document.text``.

* ``.txt``, ``.md``: UTF-8 (a BOM is ignored). Invalid UTF-8 is an error that gives the byte offset.
* ``.html``, ``.htm``: boilerplate removed by a small readability-style extractor of ours on the standard library's
  ``html.parser`` (navigation, headers, footers, asides, forms, scripts, styles, cookie banners, share bars and blocks
  that are mostly links); the main text keeps one paragraph per block (``p``, headings, list items, ...).
  Not trafilatura: on our test pages it gives the same paragraphs (and drops a headline outside ``<article>``),
  but pulls in 14 more packages (~70 MB: babel, dateparser, urllib3, ...) and does not import as installed here
  (lxml 6 moved ``lxml.html.clean`` out; ``lxml_html_clean`` must be added by hand).
* ``.pdf``: the text layer, read by ``pypdf``. A PDF without a text layer is an error: we do not do OCR.

Metadata (title, publisher, date, url, licence, language, description, author) comes from, first to last: the
``metadata`` argument, a sidecar ``<file>.json`` beside the document (``report.html.json``, same keys), the HTML's
``<title>``, ``<meta>`` and ``<link rel=canonical|license>``, the PDF's info dictionary. A value no source gives
stays ``None``: nothing is guessed. Dates are kept only when they are ISO dates (a time part is dropped).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "Offtake Note.txt"
>>> _ = p.write_text("Line one.  \\r\\n\\r\\n\\r\\nSecond paragraph.\\n", encoding="utf-8")
>>> doc = read_document(p, metadata={"date": "2025-03-14T08:00:00Z"})
>>> (doc.doc_id, doc.text, doc.date)
('offtake-note', 'Line one.\\n\\nSecond paragraph.', '2025-03-14')
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from kg import iris

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
METADATA_KEYS = ("title", "publisher", "date", "url", "licence", "language", "description", "author")

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Document:
    """One document as read: normalised text plus the metadata its sources gave (``None`` when none did)."""

    doc_id: str
    text: str
    source_path: str
    sha256: str
    media_type: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None  # ISO 8601 date, YYYY-MM-DD
    url: str | None = None
    licence: str | None = None
    language: str | None = None
    description: str | None = None
    author: str | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())


class DocumentError(Exception):
    """A file that could not be read as a document: unreadable, unknown type, no text, invalid UTF-8, no text layer."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


# ---------------------------------------------------------------------------------------------------------------
# Reading


def read_document(path: Path, *, metadata: dict | None = None) -> Document:
    """Read one file; raise :class:`DocumentError` when it cannot be read as a document."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(path, f"unknown document type {suffix or '(no suffix)'!r}; expected one of "
                                  f"{', '.join(sorted(SUFFIXES))}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(path, f"cannot read the file: {e.strerror or e}") from e

    embedded: dict[str, str | None] = {}
    if suffix in TEXT_SUFFIXES:
        text = _decode_utf8(path, data)
        media_type = "text/markdown" if suffix == ".md" else "text/plain"
    elif suffix in HTML_SUFFIXES:
        html = _decode_html(path, data)
        text, embedded = extract_html(html)
        media_type = "text/html"
    else:
        text, embedded = _read_pdf(path, data)
        media_type = "application/pdf"

    text = normalise_text(text)
    if not text:
        raise DocumentError(path, "the document has no text")

    merged = _merge_metadata(_clean_metadata(metadata or {}, path, "metadata argument"),
                             _read_sidecar(path), _clean_metadata(embedded, path, "document"))
    return Document(
        doc_id=iris.slug(path.stem) or "document",
        text=text,
        source_path=path.as_posix(),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        **merged,
    )


def read_documents(paths: Iterable[Path]) -> Iterator[Document | DocumentError]:
    """Read files and folders (recursively, sorted). A file that fails yields a :class:`DocumentError`; the run goes on.

    In folders, hidden files, sidecar ``<document>.json`` files and the folder's own README are passed over; any
    other file whose type we do not read is reported as a DocumentError, so nothing is dropped silently.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or _is_sidecar(child) \
                        or child.stem.lower() == "readme":
                    continue
                yield _read_or_error(child)
        else:
            yield _read_or_error(path)


def _read_or_error(path: Path) -> Document | DocumentError:
    try:
        return read_document(path)
    except DocumentError as e:
        return e


def _is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == ".json" and path.with_suffix("").suffix.lower() in SUFFIXES \
        and path.with_suffix("").is_file()


def _decode_utf8(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(path, f"not valid UTF-8: byte 0x{data[e.start]:02x} at byte offset {e.start}") from e


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode_html(path: Path, data: bytes) -> str:
    """UTF-8 unless the page declares another charset in a ``<meta>`` near its top."""
    declared = _CHARSET.search(data[:4096])
    if declared:
        charset = declared.group(1).decode("ascii").lower()
        if charset not in ("utf-8", "utf8"):
            try:
                return data.decode(charset)
            except LookupError as e:
                raise DocumentError(path, f"the page declares an unknown charset {charset!r}") from e
            except UnicodeDecodeError as e:
                raise DocumentError(path, f"not valid {charset}: byte offset {e.start}") from e
    return _decode_utf8(path, data)


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line endings, no trailing spaces, no leading or trailing blank lines, one blank line between
    paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


# ---------------------------------------------------------------------------------------------------------------
# Metadata


def _read_sidecar(path: Path) -> dict[str, str | None]:
    sidecar = path.with_name(path.name + ".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DocumentError(path, f"the sidecar {sidecar.name} cannot be read as JSON: {e}") from e
    if not isinstance(data, dict):
        raise DocumentError(path, f"the sidecar {sidecar.name} is not a JSON object")
    return _clean_metadata(data, path, f"sidecar {sidecar.name}")


def _clean_metadata(data: dict, path: Path, origin: str) -> dict[str, str | None]:
    unknown = sorted(set(data) - set(METADATA_KEYS))
    if unknown:
        raise DocumentError(path, f"unknown metadata keys in the {origin}: {', '.join(unknown)}; "
                                  f"known keys: {', '.join(METADATA_KEYS)}")
    out: dict[str, str | None] = {}
    for key, value in data.items():
        if value is None:
            continue
        value = " ".join(unicodedata.normalize("NFC", str(value)).split())
        if key == "date":
            value = iso_date(value)
        if value:
            out[key] = value
    return out


def _merge_metadata(*sources: dict[str, str | None]) -> dict[str, str | None]:
    merged: dict[str, str | None] = dict.fromkeys(METADATA_KEYS)
    for source in reversed(sources):  # last is weakest
        merged.update({k: v for k, v in source.items() if v})
    return merged


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")


def iso_date(value: str) -> str | None:
    """``2025-03-14``, ``2025-03-14T08:00Z`` and PDF ``D:20250314...`` become ``2025-03-14``; anything else ``None``.

    >>> iso_date("D:20250314120000+01'00'"), iso_date("14 March 2025")
    ('2025-03-14', None)
    """
    match = _ISO_DATE.match(value.strip()) or _PDF_DATE.match(value.strip())
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    from datetime import date

    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# HTML

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})
# Elements whose whole content is never main text.
_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "footer", "aside", "form",
                        "button", "select", "iframe", "svg", "canvas", "object", "dialog", "menu", "head", "title"})
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
                         "menu", "menubar"})
# class / id words that mark boilerplate blocks (matched as whole words of the class or id, split on - and _).
_DROP_WORDS = frozenset({"cookie", "cookies", "consent", "gdpr", "nav", "navbar", "navigation", "menu", "breadcrumb",
                         "breadcrumbs", "footer", "masthead", "sidebar", "share", "sharing", "social", "related",
                         "newsletter", "subscribe", "advert", "advertisement", "ad", "ads", "promo", "popup",
                         "modal", "skip", "comments", "pagination", "pager", "toolbar", "banner", "tags"})
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd", "figcaption",
                     "caption", "tr", "address", "div", "section", "article", "main", "td", "th", "table", "ul",
                     "ol", "dl", "figure", "body"})
# A start tag of these closes an open <p> (HTML's implied end tags, enough for real pages).
_CLOSES_P = _BLOCKS | frozenset({"hr", "nav", "header", "footer", "aside", "form"})


class _Node:
    __slots__ = ("attrs", "children", "parent", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], parent: _Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[_Node | str] = []


class _TreeBuilder(HTMLParser):
    """A forgiving DOM tree: unknown end tags are ignored, an end tag closes the elements still open inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P and any(n.tag == "p" for n in self.stack):
            self._close("p")
        if tag == "li" and self.stack[-1].tag == "li":
            self._close("li")
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        self._close(tag)

    def _close(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _iter(node: _Node) -> Iterator[_Node]:
    yield node
    for child in node.children:
        if isinstance(child, _Node):
            yield from _iter(child)


def _is_boilerplate(node: _Node, *, in_content: bool) -> bool:
    if node.tag == "header" and not in_content:  # a site header; an article's own header holds its headline
        return True
    if node.tag in _DROP_TAGS or node.attrs.get("role", "").lower() in _DROP_ROLES:
        return True
    if "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true":
        return True
    words = set(re.split(r"[\s_-]+", (node.attrs.get("class", "") + " " + node.attrs.get("id", "")).lower()))
    return bool(words & _DROP_WORDS)


def _prune(node: _Node, *, in_content: bool = False) -> None:
    in_content = in_content or node.tag in ("article", "main")
    node.children = [c for c in node.children if isinstance(c, str) or not _is_boilerplate(c, in_content=in_content)]
    for child in node.children:
        if isinstance(child, _Node):
            _prune(child, in_content=in_content)


def _text_of(node: _Node) -> str:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append(" ")
        else:
            parts.append(_text_of(child))
    return "".join(parts)


def _link_text_len(node: _Node) -> int:
    return sum(len(" ".join(_text_of(n).split())) for n in _iter(node) if n.tag == "a")


def _paragraphs(node: _Node) -> list[str]:
    """The blocks of ``node`` as one string each, in document order; inline text joined, whitespace collapsed."""
    out: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            out.append(text)
        inline.clear()

    def walk(n: _Node) -> None:
        for child in n.children:
            if isinstance(child, str):
                inline.append(child)
            elif child.tag == "br":
                inline.append(" ")
            elif child.tag in _BLOCKS:
                flush()
                if child.tag == "pre":
                    out.append("\n".join(line.rstrip() for line in _text_of(child).strip("\n").split("\n")))
                else:
                    text_len = len(" ".join(_text_of(child).split()))
                    # a block that is mostly links (a list of related stories, a share bar) is not main text
                    if text_len and _link_text_len(child) / text_len > 0.5 and child.tag not in ("h1", "h2"):
                        continue
                    walk(child)
                    flush()
            else:
                walk(child)

    walk(node)
    flush()
    return out


def _main_container(root: _Node) -> _Node:
    """The single ``<article>`` or ``<main>`` if there is one, else the element whose direct ``<p>`` children hold
    the most text (readability's idea: paragraphs vote for their parent)."""
    for tag in ("article", "main"):
        found = [n for n in _iter(root) if n.tag == tag]
        if len(found) == 1:
            return found[0]
    scores: dict[int, tuple[int, _Node]] = {}
    for n in _iter(root):
        if n.tag == "p" and n.parent is not None:
            text = " ".join(_text_of(n).split())
            if len(text) < 25:
                continue
            score = len(text) + 50 * text.count(",") - 2 * _link_text_len(n)
            key = id(n.parent)
            scores[key] = (scores.get(key, (0, n.parent))[0] + score, n.parent)
    if not scores:
        body = [n for n in _iter(root) if n.tag == "body"]
        return body[0] if body else root
    return max(scores.values(), key=lambda s: s[0])[1]


def extract_html(html: str) -> tuple[str, dict[str, str | None]]:
    """The main text of a page (paragraphs separated by blank lines) and the metadata its head declares.

    >>> extract_html('<title>T</title><nav>Home</nav><p>Body text.</p><footer>(c) Us</footer>')
    ('Body text.', {'title': 'T'})
    """
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    meta = _html_metadata(builder.root)
    _prune(builder.root)
    text = "\n\n".join(_paragraphs(_main_container(builder.root)))
    return text, meta


# <meta> names and properties -> our keys, strongest first for each key.
_META_MAP: list[tuple[str, str]] = [
    ("og:title", "title"), ("dc.title", "title"), ("dcterms.title", "title"),
    ("og:site_name", "publisher"), ("dc.publisher", "publisher"), ("dcterms.publisher", "publisher"),
    ("article:published_time", "date"), ("date", "date"), ("dc.date", "date"), ("dcterms.issued", "date"),
    ("dcterms.date", "date"), ("og:url", "url"),
    ("dc.rights", "licence"), ("dcterms.license", "licence"),
    ("og:locale", "language"), ("dc.language", "language"), ("content-language", "language"),
    ("description", "description"), ("og:description", "description"),
    ("author", "author"), ("article:author", "author"), ("dc.creator", "author"),
]


def _html_metadata(root: _Node) -> dict[str, str | None]:
    found: dict[str, str] = {}
    title = None
    lang = None
    canonical = licence = None
    for n in _iter(root):
        if n.tag == "title" and title is None:
            title = " ".join(_text_of(n).split()) or None
        elif n.tag == "html" and n.attrs.get("lang"):
            lang = n.attrs["lang"].strip()
        elif n.tag == "meta":
            name = (n.attrs.get("name") or n.attrs.get("property") or n.attrs.get("http-equiv") or "").lower()
            content = n.attrs.get("content", "").strip()
            if name and content and name not in found:
                found[name] = content
        elif n.tag == "link":
            rels = n.attrs.get("rel", "").lower().split()
            href = n.attrs.get("href", "").strip()
            if "canonical" in rels and href and canonical is None:
                canonical = href
            if "license" in rels and href and licence is None:
                licence = href
    meta: dict[str, str | None] = {}
    for name, key in _META_MAP:
        if key not in meta and found.get(name):
            value = found[name]
            if key == "date" and not iso_date(value):
                continue
            meta[key] = value.replace("_", "-") if name == "og:locale" else value
    if title:
        meta["title"] = title  # the page's own <title> before og:title
    if canonical and re.match(r"^https?://", canonical):
        meta["url"] = canonical
    if licence:
        meta["licence"] = licence
    if lang:
        meta["language"] = lang
    return meta


# ---------------------------------------------------------------------------------------------------------------
# PDF


def _read_pdf(path: Path, data: bytes) -> tuple[str, dict[str, str | None]]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
        raw = {k: info.get(k) for k in ("/Title", "/Author", "/CreationDate", "/Subject")}
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as e:
        raise DocumentError(path, f"cannot read the PDF: {e}") from e
    text = "\n\n".join(p.strip() for p in pages)
    if not text.strip():
        raise DocumentError(path, f"the PDF has no text layer ({len(pages)} page(s) with no text); it may be a scan, "
                                  "and OCR is not done")
    meta: dict[str, str | None] = {
        "title": _pdf_str(raw["/Title"]),
        "author": _pdf_str(raw["/Author"]),
        "description": _pdf_str(raw["/Subject"]),
        "date": iso_date(_pdf_str(raw["/CreationDate"]) or ""),
    }
    return text, {k: v for k, v in meta.items() if v}


def _pdf_str(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


# ---------------------------------------------------------------------------------------------------------------
# Triples


def document_triples(doc: Document) -> list[Triple]:
    """The document as ``cmid:document/{doc_id}``, a ``cm:Document`` and ``schema:CreativeWork``.

    ``rdfs:label`` is the title, else the URL, else the file name (the document shape requires one). ``dct:license``
    is an IRI when the licence is an absolute IRI, else a plain string.
    """
    s = iris.document(doc.doc_id)
    t: list[Triple] = [
        Triple(s, iris.ns("rdf", "type"), iris.term("Document")),
        Triple(s, iris.ns("rdf", "type"), iris.ns("schema", "CreativeWork")),
        Triple(s, iris.ns("rdfs", "label"), Literal(doc.title or doc.url or Path(doc.source_path).name)),
        Triple(s, iris.term("sha256"), Literal(doc.sha256)),
        Triple(s, iris.term("sourceFile"), Literal(doc.source_path)),
        Triple(s, iris.ns("dct", "format"), Literal(doc.media_type)),
        Triple(s, iris.ns("schema", "wordCount"), Literal(str(doc.word_count), datatype=NamedNode(XSD + "integer"))),
    ]
    if doc.title:
        t.append(Triple(s, iris.ns("dct", "title"), Literal(doc.title)))
    if doc.publisher:
        t.append(Triple(s, iris.ns("dct", "publisher"), Literal(doc.publisher)))
    if doc.author:
        t.append(Triple(s, iris.ns("dct", "creator"), Literal(doc.author)))
    if doc.description:
        t.append(Triple(s, iris.ns("dct", "description"), Literal(doc.description)))
    if doc.date:
        t.append(Triple(s, iris.ns("dct", "issued"), Literal(doc.date, datatype=NamedNode(XSD + "date"))))
    if doc.url and _is_iri(doc.url):
        t.append(Triple(s, iris.ns("schema", "url"), NamedNode(doc.url)))
    if doc.licence:
        licence = NamedNode(doc.licence) if _is_iri(doc.licence) else Literal(doc.licence)
        t.append(Triple(s, iris.ns("dct", "license"), licence))
    if doc.language:
        t.append(Triple(s, iris.ns("dct", "language"), Literal(doc.language)))
    return t


def _is_iri(value: str) -> bool:
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        return False
    try:
        NamedNode(value)
    except ValueError:
        return False
    return True
