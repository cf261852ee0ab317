"""Running a checked mapping over a CSV or XLSX file: one :class:`MappingFeed` per mapping file.

Per data row: a ``cm:SourceRecord`` (``cmid:record/{graph}/row-{n}``: row number, file, the row as CSV text), then
each subject of the mapping whose ``when`` holds: its IRI ``cmid:{kind}/{key}`` (every placeholder value
percent-encoded, so a cell cannot add path segments), its classes, its properties and ``prov:wasDerivedFrom`` the
record. A cell that cannot be mapped is a :class:`RowProblem` (file, row, column, value, reason) and only what needs
it is left out: the property (or, for a key, the subject and the properties that link to it). See docs/mapping.md.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from extractors.feeds.base import (
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    CommodityResolvingFeed,
    CsvRecord,
    CsvTable,
    DatasetMetadata,
    FeedError,
    FeedOutput,
    RowProblem,
    read_csv,
    source_file_label,
    source_record_triples,
    triple,
)
from extractors.mapping.spec import (
    Condition,
    Mapping,
    MappingError,
    Placeholder,
    PropertyMap,
    SubjectMap,
    Template,
    load_mapping,
)
from kg import iris
from kg.commodity_index import CommodityIndex
from kg.countries import country_alpha3, resolve_country, resolve_place

XSD = iris.PREFIXES["xsd"]
INTEGER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)$")
DECIMAL = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
G_YEAR = re.compile(r"^\d{4}$")
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


# ---------------------------------------------------------------------------------------------------------------
# Literals


def literal_for(text: str, datatype: str | None, language: str | None) -> tuple[Literal | None, str | None]:
    """(literal, None) for a cell's text, or (None, reason) when the text is not of ``datatype``."""
    if datatype in (None, "xsd:string"):
        return (Literal(text, language=language) if language else Literal(text)), None
    value = text.strip()
    if datatype == "xsd:integer":
        if not INTEGER.match(value):
            return None, f"not a whole number (xsd:integer): {text!r}"
        return Literal(str(int(value.replace(",", ""))), datatype=NamedNode(XSD + "integer")), None
    if datatype == "xsd:decimal":
        if not value or not DECIMAL.match(value) or value in ("+", "-", "."):
            return None, f"not a decimal number (xsd:decimal): {text!r}"
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None, f"not a decimal number (xsd:decimal): {text!r}"
        canonical = format(number, "f")
        if "." in canonical:
            canonical = canonical.rstrip("0").rstrip(".")
        return Literal(canonical or "0", datatype=NamedNode(XSD + "decimal")), None
    if datatype == "xsd:date":
        try:
            day = date.fromisoformat(value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else value)
        except ValueError:
            return None, f"not a date in the form YYYY-MM-DD (xsd:date): {text!r}"
        return Literal(day.isoformat(), datatype=NamedNode(XSD + "date")), None
    if datatype == "xsd:gYear":
        if not G_YEAR.match(value):
            return None, f"not a four-digit year (xsd:gYear): {text!r}"
        return Literal(value, datatype=NamedNode(XSD + "gYear")), None
    if datatype == "xsd:boolean":
        lowered = value.casefold()
        if lowered not in TRUE | FALSE:
            return None, f"not true/false (xsd:boolean): {text!r}"
        return Literal("true" if lowered in TRUE else "false", datatype=NamedNode(XSD + "boolean")), None
    return None, f"unknown datatype {datatype}"


# ---------------------------------------------------------------------------------------------------------------
# Reading the table


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: integral numbers without ".0", dates as ISO dates, empty cells as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_table(path: Path, fmt: str, sheet: str | None, header_row: int) -> CsvTable:
    """The data rows of a CSV or XLSX file, with row numbers as a spreadsheet shows them."""
    if fmt == "xlsx":
        return _read_xlsx(path, sheet, header_row)
    if header_row == 1:
        return read_csv(path, ())
    # Rows above the header (a title, notes): read from the header on, then give rows their true numbers.
    label = source_file_label(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from exc
    lines = data.splitlines(keepends=True)
    if len(lines) < header_row:
        raise FeedError(f"{label}: the file has {len(lines)} line(s), so no header at row {header_row}")
    offset = header_row - 1
    with tempfile.TemporaryDirectory() as folder:
        rest = Path(folder) / path.name
        rest.write_bytes(b"".join(lines[offset:]))
        table = read_csv(rest, ())
    return CsvTable(
        file=label,
        header=table.header,
        records=[replace(r, row=r.row + offset) for r in table.records],
        problems=[replace(p, file=label, row=p.row + offset if p.row else 0) for p in table.problems],
    )


def _read_xlsx(path: Path, sheet: str | None, header_row: int) -> CsvTable:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise FeedError("reading an xlsx source needs openpyxl (pip install openpyxl)") from exc
    label = source_file_label(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise FeedError(f"cannot read {path}: no such file") from exc
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise FeedError(f"{label}: not readable as an xlsx workbook: {exc}") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise FeedError(f"{label}: no sheet {sheet!r}; the sheets are {workbook.sheetnames!r}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        try:
            rows = list(worksheet.iter_rows(values_only=True))
        except Exception as exc:  # read-only mode parses the sheet's XML only here: a broken part fails now
            raise FeedError(f"{label}: the sheet cannot be read: {exc}") from exc
    finally:
        workbook.close()
    if len(rows) < header_row:
        raise FeedError(f"{label}: the sheet has {len(rows)} row(s), so no header at row {header_row}")
    header = [cell_text(c).strip() for c in rows[header_row - 1]]
    while header and not header[-1]:
        header.pop()
    table = CsvTable(file=label, header=header, records=[])
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        cells = [cell_text(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells[: max(len(header), _last_filled(cells))])
        raw = buffer.getvalue()
        values: dict[str, str] | None
        if any(c.strip() for c in cells[len(header):]):
            table.problems.append(RowProblem(label, number, None, raw,
                                             f"the row has text beyond the {len(header)} header columns"))
            values = None
        else:
            cells += [""] * (len(header) - len(cells))
            values = {name: cells[i] for i, name in enumerate(header) if name}
        table.records.append(CsvRecord(row=number, raw=raw, cells=cells, values=values))
    return table


def _last_filled(cells: list[str]) -> int:
    for i in range(len(cells), 0, -1):
        if cells[i - 1].strip():
            return i
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The feed


@dataclass
class _Row:
    record: CsvRecord
    values: dict[str, str]
    file: str
    problems: list[RowProblem]

    def problem(self, column: str | None, value: str | None, reason: str) -> None:
        self.problems.append(RowProblem(self.file, self.record.row, column, value, reason))


class MappingFeed(CommodityResolvingFeed):
    """A feed defined by a mapping file instead of Python: ``kg.loading.load_feed(store, mapping_feed(path))``."""

    def __init__(self, mapping: Mapping, commodity_index: CommodityIndex | None = None) -> None:
        super().__init__(commodity_index)
        self.mapping = mapping
        self.name = mapping.name
        self.description = mapping.description or mapping.catalog.title

    @property
    def default_file(self) -> Path:
        return self.mapping.source.file

    def read(self, path: Path) -> FeedOutput:
        mapping = self.mapping
        fmt = mapping.source.format or path.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise FeedError(f"{path}: cannot tell whether it is csv or xlsx; set source.format in the mapping")
        table = read_table(path, fmt, mapping.source.sheet, mapping.source.header_row)
        self._check_columns(table)
        needs_commodities = any(
            p.resolve == "commodity" or "commodity" in p.transforms
            or (p.template and any("commodity" in ph.transforms for ph in p.template.parts
                                   if isinstance(ph, Placeholder)))
            for s in mapping.subjects for p in s.properties
        ) or any("commodity" in ph.transforms for s in mapping.subjects for ph in s.key.parts
                 if isinstance(ph, Placeholder))
        index = self.index() if needs_commodities else None
        triples: list[pyoxigraph.Triple] = []
        problems = list(table.problems)
        seen: dict[str, int] = {}  # subject IRI -> first row, for subjects that are not shared
        for record in table.records:
            record_node, record_triples = source_record_triples(mapping.name, record, table.file)
            triples += record_triples
            if record.values is None:
                continue
            row = _Row(record, record.values, table.file, problems)
            triples += self._map_row(row, record_node, index, seen)
        c = mapping.catalog
        metadata = DatasetMetadata(
            title=c.title, description=c.description, source_url=c.source_url, license_url=c.license or "",
            citation=c.citation, version=c.version, source_file=path, rights=c.rights,
        )
        return FeedOutput(mapping.name, list(dict.fromkeys(triples)), len(table.records), problems, metadata)

    # -----------------------------------------------------------------------------------------------------------

    def _check_columns(self, table: CsvTable) -> None:
        header = set(table.header)
        missing = [(paths[0], column) for column, paths in self.mapping.columns().items() if column not in header]
        if missing:
            listing = ", ".join(repr(h) for h in table.header)
            raise MappingError(self.mapping.file.name, [
                (path, f"column {column!r} is not in the header of {table.file} ({listing})")
                for path, column in missing
            ])

    def _map_row(self, row: _Row, record_node: NamedNode, index: CommodityIndex | None,
                 seen: dict[str, int]) -> list[pyoxigraph.Triple]:
        nodes: dict[str, NamedNode] = {}
        subjects: list[SubjectMap] = []
        for subject in self.mapping.subjects:
            if subject.when and not _holds(subject.when, row.values):
                continue
            key = self._fill(subject.key, row, index, iri=True, what=f"the key of subject {subject.id!r}")
            if key is None:
                continue
            node = iris.entity(subject.kind, key)
            if not subject.shared:
                first = seen.setdefault(node.value, row.record.row)
                if first != row.record.row:
                    row.problem(None, row.record.raw, f"subject {subject.id!r} gives {node.value}, which row {first} "
                                                      "already gave (set shared = true if rows may share it)")
                    continue
            nodes[subject.id] = node
            subjects.append(subject)
        triples: list[pyoxigraph.Triple] = []
        for subject in subjects:
            node = nodes[subject.id]
            triples += [triple(node, RDF_TYPE, cls) for cls in subject.classes]
            triples.append(triple(node, PROV_WAS_DERIVED_FROM, record_node))
            for prop in subject.properties:
                if prop.when and not _holds(prop.when, row.values):
                    continue
                triples += [triple(node, prop.predicate, obj) for obj in self._objects(prop, row, nodes, index)]
        return triples

    def _objects(self, prop: PropertyMap, row: _Row, nodes: dict[str, NamedNode],
                 index: CommodityIndex | None) -> list[NamedNode | Literal]:
        if prop.iri is not None:
            return [prop.iri]
        if prop.subject is not None:
            node = nodes.get(prop.subject)
            return [node] if node is not None else []
        if prop.value is not None:
            literal, _ = literal_for(prop.value, prop.datatype, prop.language)
            return [literal] if literal is not None else []
        if prop.template is not None:
            text = self._fill(prop.template, row, index, iri=False, what=prop.path, required=prop.required)
            return self._literals([text] if text is not None else [], prop, row, ", ".join(prop.template.columns))
        column = prop.column or ""
        cell = row.values.get(column, "")
        if not cell.strip():
            if prop.required:
                row.problem(column, cell, f"the cell is empty and {prop.path} requires a value")
            return []
        parts = [p.strip() for p in cell.split(prop.split)] if prop.split else [cell]
        values = []
        for part in parts:
            if not part.strip():
                continue
            value = self._transform(part, prop.transforms, row, column)
            if value is not None:
                values.append(value)
        if prop.resolve:
            return [n for n in (self._resolve(prop.resolve, v, row, column, index) for v in values) if n is not None]
        return self._literals(values, prop, row, column)

    def _literals(self, texts: list[str], prop: PropertyMap, row: _Row, column: str) -> list[NamedNode | Literal]:
        out: list[NamedNode | Literal] = []
        for text in texts:
            literal, problem = literal_for(text, prop.datatype, prop.language)
            if problem:
                row.problem(column, text, f"{problem} ({prop.path})")
            elif literal is not None:
                out.append(literal)
        return out

    def _fill(self, template: Template, row: _Row, index: CommodityIndex | None, *, iri: bool, what: str,
              required: bool = True) -> str | None:
        pieces: list[str] = []
        for part in template.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            cell = row.values.get(part.column, "")
            if not cell.strip():
                if required:
                    row.problem(part.column, cell, f"the cell is empty and {what} needs it")
                return None
            value = self._transform(cell, part.transforms, row, part.column, index)
            if value is None:
                return None
            if iri:
                value = quote(value, safe="-._~")
                if not value:
                    row.problem(part.column, cell, f"{what} is empty after {'|'.join(part.transforms)}")
                    return None
            pieces.append(value)
        return "".join(pieces)

    def _transform(self, text: str, transforms: tuple[str, ...], row: _Row, column: str,
                   index: CommodityIndex | None = None) -> str | None:
        for name in transforms:
            if name == "trim":
                text = re.sub(r"\s+", " ", text).strip()
            elif name == "upper":
                text = text.upper()
            elif name == "lower":
                text = text.lower()
            elif name == "slug":
                text = iris.slug(text)
            elif name == "country":
                alpha3 = country_alpha3(text)
                if alpha3 is None:
                    row.problem(column, text, "no country has this name (ISO 3166 names, codes and known aliases)")
                    return None
                text = alpha3
            elif name == "commodity":
                node = self._resolve("commodity", text, row, column, index)
                if node is None:
                    return None
                text = iris.key_of(node)
        return text

    def _resolve(self, resolver: str, text: str, row: _Row, column: str,
                 index: CommodityIndex | None) -> NamedNode | None:
        if resolver == "country":
            node = resolve_country(text)
            if node is None:
                row.problem(column, text, "no country has this name (ISO 3166 names, codes and known aliases)")
            return node
        if resolver == "place":
            place = resolve_place(text)
            if place is None:
                row.problem(column, text, "no country or statistical place (World total, Other countries, EU) has "
                                          "this name")
            return place.node if place else None
        index = index or self.index()
        node = index.resolve(text)
        if node is None:
            reason = "no commodity concept has this name as a label"
            if index.ambiguous.get(text.strip().casefold()):
                reason = "the name is a label of several commodity concepts"
            row.problem(column, text, reason)
        return node


def _holds(condition: Condition, values: dict[str, str]) -> bool:
    cell = values.get(condition.column, "").strip()
    if condition.equals is not None:
        return cell == condition.equals
    if condition.not_equals is not None:
        return cell != condition.not_equals
    return cell in (condition.one_of or ())


def mapping_feed(mapping_path: Path | str, commodity_index: CommodityIndex | None = None) -> MappingFeed:
    """The feed a mapping file defines; :class:`MappingError` if the file is wrong (checked before any data)."""
    return MappingFeed(load_mapping(mapping_path), commodity_index)
