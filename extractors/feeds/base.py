"""The interface between the structured feeds and the loader, and the helpers the feeds share.

A feed maps one source file to the triples of one named graph (``cmg:{name}``). It never drops a row silently: a row
it cannot map becomes a :class:`RowProblem` (file, row, column, value, reason) and the other rows are still mapped.
It raises :class:`FeedError` only when the file as a whole cannot be read (missing file, missing columns, not CSV).

Row numbers are line numbers as a spreadsheet shows them: the header is row 1, the first data row is row 2 (a record
whose quoted cell spans several physical lines still counts as one row, as in a spreadsheet).

Text encoding (:func:`read_csv`): files are read as UTF-8 (a BOM is ignored), line by line.

* A line that is not valid UTF-8 is reported as a RowProblem of its row (the row is shown with U+FFFD for the bad
  bytes). If the line decodes as cp1252 (the usual culprit: a file saved by Excel on Windows), that text is used to
  map the row; otherwise the text with U+FFFD is used, and the names in it will usually fail to resolve (reported).
* A valid UTF-8 line that is mojibake (UTF-8 read as cp1252 and saved again, "C\u00c3\u00b4te" for
  "C\u00f4te") is repaired by the round trip ``text.encode("cp1252").decode("utf-8")`` (then latin-1) only when that
  round trip succeeds and yields text without control characters; correct non-ASCII text never survives that round
  trip, so it is left alone. A repair is reported as a RowProblem too (reason starts "repaired mojibake"), and the
  row is mapped with the repaired text.
* ``cm:rawValue`` of the row's SourceRecord always keeps the text as read, before any repair.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from kg import iris
from kg.commodity_index import DEFAULT_ONTOLOGY, CommodityIndex

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = iris.ns("rdf", "type")
RDFS_LABEL = iris.ns("rdfs", "label")
RDFS_COMMENT = iris.ns("rdfs", "comment")
PROV_WAS_DERIVED_FROM = iris.ns("prov", "wasDerivedFrom")


@dataclass(frozen=True)
class RowProblem:
    """One row (or cell) that could not be mapped, or was mapped only after a repair.

    ``row`` is the line number as a spreadsheet shows it (header = 1); 0 when the problem is not tied to a row.
    """

    file: str
    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class DatasetMetadata:
    """What the catalog says about the graph a feed builds."""

    title: str
    description: str
    source_url: str
    license_url: str
    citation: str
    version: str
    source_file: Path
    rights: str | None = None  # a rights statement where no licence applies (e.g. facts)


@dataclass
class FeedOutput:
    graph_name: str
    triples: list[pyoxigraph.Triple]
    records_read: int
    problems: list[RowProblem]
    metadata: DatasetMetadata


class FeedError(Exception):
    """The file as a whole cannot be read (missing, not CSV, required columns missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@runtime_checkable
class Feed(Protocol):
    name: str
    description: str
    default_file: Path

    def read(self, path: Path) -> FeedOutput: ...


# ---------------------------------------------------------------------------------------------------------------
# Literals and triples


def string(value: str) -> Literal:
    return Literal(value)


def text_en(value: str) -> Literal:
    return Literal(value, language="en")


def integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))


def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))


def g_year(year: int | str) -> Literal:
    return Literal(f"{int(year):04d}", datatype=NamedNode(XSD + "gYear"))


def decimal(value: Decimal) -> Literal:
    """An ``xsd:decimal`` in canonical-ish form: no exponent, no trailing zeros after the point."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Literal(text or "0", datatype=NamedNode(XSD + "decimal"))


def triple(subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> pyoxigraph.Triple:
    return pyoxigraph.Triple(subject, predicate, obj)


# ---------------------------------------------------------------------------------------------------------------
# Text


def normalise_name(text: str) -> str:
    """The key names are compared by: NFKC, curly quotes straightened, lowercase, trimmed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip().casefold()


def source_file_label(path: Path) -> str:
    """The path of a file inside ``data/`` (as ``cm:sourceFile`` wants it), or its name when it lies elsewhere."""
    from kg.settings import PROJECT_ROOT, load_settings

    resolved = path.resolve()
    for base in (load_settings().data_dir, PROJECT_ROOT / "data"):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def default_data_file(relative: str) -> Path:
    """A bundled file, under the configured data folder (``CRITMIN_DATA_DIR``, default ``data/``)."""
    from kg.settings import load_settings

    return load_settings().data_dir / relative


# ---------------------------------------------------------------------------------------------------------------
# CSV reading


@dataclass
class CsvRecord:
    """One data row of a CSV file."""

    row: int
    raw: str
    """The row's text as read (all its physical lines, without the final line break)."""
    cells: list[str]
    values: dict[str, str] | None
    """Cell text by (stripped) header name; None when the row has fewer cells than the header (not mappable)."""


@dataclass
class CsvTable:
    file: str
    header: list[str]
    records: list[CsvRecord]
    problems: list[RowProblem] = field(default_factory=list)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def repair_mojibake(text: str) -> str:
    """``text`` with UTF-8-read-as-cp1252 mojibake undone, when the round trip gives clean text; else ``text``."""
    if text.isascii():
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text and not _CONTROL.search(repaired):
            return repaired
    return text


def _decode_line(raw: bytes) -> tuple[str, str, str | None]:
    """(text as read, text to map, issue or None) for one physical line."""
    try:
        as_read = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        as_read = raw.decode("utf-8", errors="replace")
        problem = f"not valid UTF-8 ({exc.reason} at byte {exc.start} of the line)"
        try:
            to_map = raw.decode("cp1252")
        except UnicodeDecodeError:
            return as_read, as_read, problem + "; undecodable bytes replaced by U+FFFD"
        return as_read, to_map, problem + f"; read as cp1252 instead: {to_map.rstrip(chr(13) + chr(10))!r}"
    repaired = repair_mojibake(as_read)
    if repaired != as_read:
        return as_read, repaired, f"repaired mojibake (cp1252 round trip): {repaired.rstrip(chr(13) + chr(10))!r}"
    return as_read, as_read, None


class _LineFeeder:
    """Feeds decoded lines to :mod:`csv` and remembers which physical lines each record consumed."""

    def __init__(self, lines: list[tuple[str, str, str | None]]) -> None:
        self._lines = lines
        self._next = 0
        self.consumed: list[int] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._next >= len(self._lines):
            raise StopIteration
        index = self._next
        self._next += 1
        self.consumed.append(index)
        return self._lines[index][1]

    def take(self) -> list[int]:
        taken, self.consumed = self.consumed, []
        return taken


def read_csv(path: Path, required: Iterable[str | tuple[str, ...]]) -> CsvTable:
    """Read a CSV file into records, checking that the required columns exist.

    ``required`` holds column names, or tuples of alternative names (one of them must exist). Header cells are
    compared after trimming. Raises :class:`FeedError` when the file is missing, empty, not CSV or lacks columns.
    """
    label = source_file_label(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = [_decode_line(raw) for raw in data.splitlines(keepends=True)]
    feeder = _LineFeeder(lines)
    reader = csv.reader(feeder)
    try:
        header_cells = next(reader)
    except StopIteration:
        raise FeedError(f"{label}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise FeedError(f"{label}: not readable as CSV: {exc}") from exc
    feeder.take()
    header = [cell.strip() for cell in header_cells]
    missing = []
    for wanted in required:
        options = (wanted,) if isinstance(wanted, str) else wanted
        if not any(option in header for option in options):
            missing.append(" or ".join(options))
    if missing:
        raise FeedError(
            f"{label}: missing column(s) {', '.join(repr(m) for m in missing)}; the header has {header!r}"
        )
    table = CsvTable(file=label, header=header, records=[])
    row = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FeedError(f"{label}: not readable as CSV near row {row + 1}: {exc}") from exc
        row += 1
        used = feeder.take()
        raw = "".join(lines[i][0] for i in used).rstrip("\r\n")
        for i in used:
            if lines[i][2]:
                table.problems.append(RowProblem(label, row, None, raw, lines[i][2]))
        if not cells or all(not cell.strip() for cell in cells):
            continue  # a blank line is not a data row
        values: dict[str, str] | None
        if len(cells) < len(header):
            table.problems.append(
                RowProblem(label, row, None, raw, f"the row has {len(cells)} cells, the header {len(header)}")
            )
            values = None
        elif len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            table.problems.append(
                RowProblem(
                    label, row, None, raw, f"the row has {len(cells)} cells, the header {len(header)} (extra text)"
                )
            )
            values = None
        else:
            values = {name: cells[i] for i, name in enumerate(header) if name}
        table.records.append(CsvRecord(row=row, raw=raw, cells=cells, values=values))
    return table


def source_record_triples(
    graph_name: str, record: CsvRecord, file_label: str, part: str | None = None
) -> tuple[NamedNode, list[pyoxigraph.Triple]]:
    """The ``cm:SourceRecord`` of one row: its IRI and triples (row number, file, raw text)."""
    node = iris.source_record(graph_name, record.row, part)
    return node, [
        triple(node, RDF_TYPE, iris.term("SourceRecord")),
        triple(node, RDFS_LABEL, string(f"{file_label}, row {record.row}")),
        triple(node, iris.term("sourceRow"), integer(record.row)),
        triple(node, iris.term("sourceFile"), string(file_label)),
        triple(node, iris.term("rawValue"), string(record.raw)),
        triple(node, iris.ns("dct", "isPartOf"), iris.graph(graph_name)),
    ]


class CommodityResolvingFeed:
    """A feed that maps commodity names through the SKOS concepts of ``ontology/commodities.ttl``.

    Tests pass a ready ``CommodityIndex``; otherwise it is read on first use.
    """

    def __init__(self, commodity_index: CommodityIndex | None = None, ontology: Path | None = None) -> None:
        self._index = commodity_index
        self._ontology = ontology

    def index(self) -> CommodityIndex:
        if self._index is None:
            path = self._ontology or DEFAULT_ONTOLOGY
            if not path.exists():
                raise FeedError(f"the commodity concepts are needed to map commodity names, and {path} does not exist")
            self._index = CommodityIndex.from_ontology(path)
        return self._index


@dataclass(frozen=True)
class FacilityRecord:
    """One facility as one source describes it: what the cross-source matcher (kg/linking.py) compares."""

    source: str  # the feed's graph name, e.g. "icmm-gmd"
    record_id: str  # the source's own id
    iri: NamedNode  # the facility IRI the feed minted for it
    name: str
    aliases: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    country: NamedNode | None = None
    commodities: tuple[NamedNode, ...] = ()
    facility_types: tuple[str, ...] = ()  # slugs of cmid:facility-type/…
