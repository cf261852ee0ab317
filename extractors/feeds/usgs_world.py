"""Feed ``usgs-mcs2025-world``: USGS MCS 2025 world production, capacity and reserves by country.

Reads ``MCS2025_World_Data.csv`` or any subset of it (the bundled battery subset); nothing here knows which
commodities it holds. Required columns: COMMODITY, COUNTRY, TYPE, UNIT_MEAS and at least one value column.

Value columns are found from the header text, tolerating case and stray spaces/underscores: ``PROD_2023``,
``PROD_EST_ 2024``, ``CAP_2023``, ``CAP_EST_ 2024``, ``RESERVES_2024`` (also ``RESOURCES_{year}``) -> kind
(production / capacity / reserves / resources), year, and "estimated" when the header says ``EST``. Notes columns
``PROD_NOTES``, ``CAP_NOTES``, ``RESERVE(S)_NOTES`` belong to the columns of their kind.

Per row: a ``cm:SourceRecord`` (``cmid:record/usgs-mcs2025-world/row-N``, raw CSV text). Per value cell: a
``cm:ProductionObservation`` / ``cm:CapacityObservation`` / ``cm:ReservesObservation`` / ``cm:ResourcesObservation``
(also typed ``cm:Observation``) at ``cmid:observation/usgs-mcs2025-world/{commodity}/{slug of TYPE}/{place}/{year}/
{kind}`` with ``cm:commodity`` (COMMODITY trimmed, via the commodity index), ``cm:refArea`` (country via
:func:`kg.countries.resolve_place`; "World total (rounded)" -> ``cmid:place/world`` + ``cm:isRounded true``; "Other
countries" -> ``cmid:place/other-countries``), ``cm:refYear``, ``cm:quantityKind``
(``cmid:quantity-kind/{kind}``), ``cm:measure`` (TYPE verbatim), ``cm:stage``, ``qudt:numericValue``, ``qudt:unit``,
``cm:sourceUnit`` (UNIT_MEAS verbatim), ``cm:valueStatus``, ``cm:isEstimated``, ``cm:valueBound``, ``cm:note`` (the
notes of that kind, verbatim) and ``prov:wasDerivedFrom`` the row's record.

Decisions:

* Stage from the start of TYPE: "Mine production" -> ``cmid:stage/mining``; "Refinery", "Smelter" or "Plant
  production" -> ``cmid:stage/refining``. Any other TYPE ("Production", "Crude steel production", ...) gets **no**
  ``cm:stage`` (unknown is left unsaid rather than guessed) and no RowProblem.
* Units (UNIT_MEAS, trimmed, case and spaces ignored) -> QUDT, value scaled when QUDT has no unit of that size:
  metric tons -> TONNE; thousand metric tons -> KiloTONNE; thousand metric dry tons -> KiloTONNE (the "dry" basis
  stays in ``cm:sourceUnit``); million metric tons -> TONNE x 1,000,000 (QUDT has no MegaTONNE mass unit);
  kilograms -> KiloGM; thousand carats -> CARAT x 1,000; million carats -> CARAT x 1,000,000; million cubic meters ->
  M3 x 1,000,000. Any other unit: RowProblem (column UNIT_MEAS) and no observations for the row.
* Cell values: numbers with thousands separators (commas, spaces) are parsed; ">130000000" is the value with
  ``cm:valueBound "lower"`` ("<" -> "upper"); "W" -> withheld; "NA" -> not-available; "Large"/"Small" -> large/small;
  "Included in World total" -> included-in-total (these carry no number). Notes give a status to the *empty* cells of
  their kind: "W" / "W for 23-24" (withheld, for the years named, else all), "NA", "Large", "Small", "Included in
  World total". A note naming no status on an empty cell gives an observation with status ``not-reported`` that
  carries the note. An empty cell with no note gives no observation. Anything else is a RowProblem naming row,
  column and value.
* Estimated: an ``EST`` column, "estimated" in TYPE (applies to the production and capacity cells of the row, which
  TYPE describes) or a note "estimated 2023" (that year) / "Estimated ..." (all years of its kind) -> ``cm:isEstimated
  true`` and status ``estimated`` (for cells with a number). Numbers otherwise have status ``reported``;
  ``cm:isEstimated`` is written for every observation that has a number.
* Two rows giving the same observation IRI: the second is a RowProblem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pyoxigraph import NamedNode

from extractors.feeds.base import (
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    RDFS_LABEL,
    CommodityResolvingFeed,
    CsvRecord,
    DatasetMetadata,
    FeedError,
    FeedOutput,
    RowProblem,
    boolean,
    decimal,
    default_data_file,
    g_year,
    read_csv,
    source_record_triples,
    string,
    text_en,
    triple,
)
from extractors.feeds.usgs_values import STATUS_WORDS, UNITS, USGS_MCS2025_RELEASE, parse_number
from kg import iris
from kg.commodity_index import CommodityIndex
from kg.countries import resolve_place

GRAPH_NAME = "usgs-mcs2025-world"
REQUIRED = ("COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS")

KINDS = {  # header prefix -> (quantity kind, observation class)
    "PROD": ("production", "ProductionObservation"),
    "PRODUCTION": ("production", "ProductionObservation"),
    "CAP": ("capacity", "CapacityObservation"),
    "CAPACITY": ("capacity", "CapacityObservation"),
    "RESERVE": ("reserves", "ReservesObservation"),
    "RESERVES": ("reserves", "ReservesObservation"),
    "RESOURCE": ("resources", "ResourcesObservation"),
    "RESOURCES": ("resources", "ResourcesObservation"),
}
VALUE_HEADER = re.compile(r"^([A-Z]+?)(EST)?(\d{4})$")
NOTES_HEADER = re.compile(r"^([A-Z]+?)NOTES?$")

STAGES = (
    ("mine production", "mining"),
    ("refinery production", "refining"),
    ("smelter production", "refining"),
    ("plant production", "refining"),
)

WITHHELD_NOTE = re.compile(r"^w(?:\s+for\s+(\d{2,4})(?:\s*[-\u2013/]\s*(\d{2,4}))?)?\.?$", re.IGNORECASE)
ESTIMATED_NOTE = re.compile(r"\bestimated\b(?:\s+(?:for\s+)?(\d{4}))?", re.IGNORECASE)


@dataclass(frozen=True)
class ValueColumn:
    header: str
    kind: str
    cls: str
    year: int
    estimated: bool


def value_columns(header: list[str]) -> tuple[list[ValueColumn], dict[str, str]]:
    """The value columns (kind, year, EST) and the notes column of each kind, read from the header text."""
    columns: list[ValueColumn] = []
    notes: dict[str, str] = {}
    for name in header:
        compact = re.sub(r"[\s_\-]+", "", name.upper())
        match = VALUE_HEADER.match(compact)
        if match and match.group(1) in KINDS:
            kind, cls = KINDS[match.group(1)]
            columns.append(ValueColumn(name, kind, cls, int(match.group(3)), bool(match.group(2))))
            continue
        match = NOTES_HEADER.match(compact)
        if match and match.group(1) in KINDS:
            notes[KINDS[match.group(1)][0]] = name
    return columns, notes


def _year(text: str) -> int:
    number = int(text)
    return number + 2000 if number < 100 else number


def _note_status(note: str, year: int) -> str | None:
    """The status a note gives an empty cell of ``year``, or None when it gives none."""
    text = re.sub(r"\s+", " ", note).strip()
    lowered = text.lower().rstrip(".")
    if lowered in STATUS_WORDS:
        return STATUS_WORDS[lowered]
    withheld = WITHHELD_NOTE.match(text)
    if withheld:
        if withheld.group(1) is None:
            return "withheld"
        first = _year(withheld.group(1))
        last = _year(withheld.group(2)) if withheld.group(2) else first
        return "withheld" if first <= year <= last else None
    return None


def _note_estimates(note: str, year: int) -> bool:
    return any(match.group(1) is None or int(match.group(1)) == year for match in ESTIMATED_NOTE.finditer(note))


class UsgsWorldFeed(CommodityResolvingFeed):
    name = GRAPH_NAME
    description = "USGS Mineral Commodity Summaries 2025: world production, capacity and reserves by country"

    @property
    def default_file(self) -> Path:
        return default_data_file("usgs-mcs2025/world_data/MCS2025_World_Data.battery_subset.csv")

    def read(self, path: Path) -> FeedOutput:
        table = read_csv(path, REQUIRED)
        columns, notes_columns = value_columns(table.header)
        if not columns:
            raise FeedError(
                f"{table.file}: missing value columns (PROD_{{year}}, PROD_EST_{{year}}, CAP_{{year}}, "
                f"RESERVES_{{year}}, ...); the header has {table.header!r}"
            )
        index = self.index()
        triples = []
        problems = list(table.problems)
        seen: dict[str, int] = {}
        for record in table.records:
            record_node, record_triples = source_record_triples(GRAPH_NAME, record, table.file)
            triples += record_triples
            if record.values is not None:
                triples += self._map_row(record, record_node, table.file, columns, notes_columns, index, problems,
                                         seen)
        metadata = DatasetMetadata(
            title="USGS Mineral Commodity Summaries 2025 - world production, capacity and reserves",
            description=(
                "World mine and refinery production (2023, estimated 2024), capacity and reserves by country, from "
                f"the USGS MCS 2025 data release ({path.name}); units normalised to QUDT, USGS codes (W, NA, Large) "
                "kept as value statuses, notes kept verbatim."
            ),
            **USGS_MCS2025_RELEASE,
            source_file=path,
        )
        return FeedOutput(GRAPH_NAME, list(dict.fromkeys(triples)), len(table.records), problems, metadata)

    # -----------------------------------------------------------------------------------------------------------

    def _map_row(self, record: CsvRecord, record_node: NamedNode, file: str, columns: list[ValueColumn],
                 notes_columns: dict[str, str], index: CommodityIndex, problems: list[RowProblem],
                 seen: dict[str, int]) -> list:
        values = record.values or {}
        commodity_text = values["COMMODITY"].strip()
        country_text = values["COUNTRY"]
        measure = values["TYPE"]
        unit_text = values["UNIT_MEAS"]
        row_problems = []
        commodity = index.resolve(commodity_text) if commodity_text else None
        if commodity is None:
            reason = "no commodity concept has this name as a label"
            if commodity_text and index.ambiguous.get(commodity_text.lower()):
                reason = "the name is a label of several commodity concepts"
            row_problems.append(RowProblem(file, record.row, "COMMODITY", values["COMMODITY"], reason))
        place = resolve_place(country_text)
        if place is None:
            row_problems.append(RowProblem(file, record.row, "COUNTRY", country_text,
                                           "not a known country name, 'World total' or 'Other countries'"))
        if not measure.strip():
            row_problems.append(RowProblem(file, record.row, "TYPE", measure, "empty TYPE (the measure)"))
        has_content = any(values.get(c.header, "").strip() for c in columns) or any(
            values.get(n, "").strip() for n in notes_columns.values()
        )
        unit = UNITS.get(re.sub(r"\s+", " ", unit_text).strip().lower())
        if unit is None and has_content:
            row_problems.append(RowProblem(file, record.row, "UNIT_MEAS", unit_text,
                                           "unit not mapped to a QUDT unit (never guessed)"))
        if row_problems:
            problems.extend(row_problems)
            return []
        if not has_content or commodity is None or place is None or unit is None:
            return []  # a row with no values and no notes: its record is all there is to say

        type_lower = re.sub(r"\s+", " ", measure).strip().lower()
        stage = next((key for prefix, key in STAGES if type_lower.startswith(prefix)), None)
        type_estimated = "estimated" in type_lower
        commodity_key = iris.key_of(commodity)
        unit_name, factor = unit
        triples = []
        for column in columns:
            cell = values.get(column.header, "").strip()
            note = values.get(notes_columns.get(column.kind, ""), "")
            note_text = note.strip()
            number: tuple[Decimal, str | None] | None = None
            status: str | None = None
            if cell:
                number = parse_number(cell)
                if number is None:
                    status = STATUS_WORDS.get(re.sub(r"\s+", " ", cell).lower().rstrip("."))
                    if status is None:
                        problems.append(RowProblem(file, record.row, column.header, cell,
                                                   "not a number, W, NA, Large, Small or 'Included in World total'"))
                        continue
            elif note_text:
                status = _note_status(note_text, column.year) or "not-reported"
            else:
                continue  # an empty cell with no note: nothing to say

            estimated = number is not None and (
                column.estimated
                or (type_estimated and column.kind in ("production", "capacity"))
                or (bool(note_text) and _note_estimates(note_text, column.year))
            )
            if number is not None:
                status = "estimated" if estimated else "reported"
            node = iris.observation(GRAPH_NAME, commodity_key, measure, place.key, column.year, column.kind)
            if node.value in seen:
                problems.append(RowProblem(file, record.row, column.header, cell or note_text,
                                           f"the same observation was already given by row {seen[node.value]}"))
                continue
            seen[node.value] = record.row
            label = f"{commodity_text}, {measure.strip()}, {country_text.strip()}, {column.year} ({column.kind})"
            triples += [
                triple(node, RDF_TYPE, iris.term(column.cls)),
                triple(node, RDF_TYPE, iris.term("Observation")),
                triple(node, RDFS_LABEL, text_en(label)),
                triple(node, iris.term("commodity"), commodity),
                triple(node, iris.term("refArea"), place.node),
                triple(node, iris.term("refYear"), g_year(column.year)),
                triple(node, iris.term("quantityKind"), iris.concept("quantity-kind", column.kind)),
                triple(node, iris.term("measure"), string(measure)),
                triple(node, iris.term("sourceUnit"), string(unit_text)),
                triple(node, iris.term("valueStatus"), iris.concept("value-status", status)),
                triple(node, PROV_WAS_DERIVED_FROM, record_node),
            ]
            if stage:
                triples.append(triple(node, iris.term("stage"), iris.concept("stage", stage)))
            if place.is_rounded:
                triples.append(triple(node, iris.term("isRounded"), boolean(True)))
            if note_text:
                triples.append(triple(node, iris.term("note"), string(note)))
            if number is not None:
                value, bound = number
                triples += [
                    triple(node, iris.ns("qudt", "numericValue"), decimal(value * factor)),
                    triple(node, iris.ns("qudt", "unit"), iris.ns("unit", unit_name)),
                    triple(node, iris.term("isEstimated"), boolean(estimated)),
                ]
                if bound:
                    triples.append(triple(node, iris.term("valueBound"), string(bound)))
        return triples


FEED = UsgsWorldFeed()
