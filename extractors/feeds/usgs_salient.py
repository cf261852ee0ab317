"""Feed ``usgs-mcs2025-salient``: the US salient statistics of the USGS Mineral Commodity Summaries 2025.

Reads a folder of ``*_salient.csv`` files (the 85 files of the data release: one commodity each, one row per year
2020-2024). Required columns: ``Commodity`` and ``Year``; every other named column is a statistic, and its name says
what it is: ``{measure}[_{qualifier}...]_{unit}`` (``USprod_Mine_t``, ``Imports_Scrap_kt``, ``Price_Spot_dlb``,
``NIR_pct``), sometimes behind a product prefix (``Bauxite_Imports_kt``, ``Stones_NIR_pct``, ``HPQImports_t``).

Per row: a ``cm:SourceRecord`` ``cmid:record/usgs-mcs2025-salient/{file stem}/row-N``. Per value cell: a
``cm:StatisticObservation`` (also ``cm:Observation``) about the United States (``cm:refArea country:USA``), the year
and the commodity, at ``cmid:observation/usgs-mcs2025-salient/{commodity}/{slug of column}/USA/{year}/{measure}``,
with ``cm:quantityKind`` a concept ``cmid:salient-measure/{measure}`` (scheme ``cmid:scheme/salient-measures``,
``ontology/vocabularies.ttl``), ``cm:measure`` the column name verbatim, ``cm:sourceUnit`` the unit part of the
column name verbatim, ``qudt:unit`` where the unit is certain, ``cm:currency "USD"`` for money, ``cm:valueStatus``,
``cm:isEstimated`` (only where the file's FGDC metadata says which years are estimated), ``cm:valueBound`` and
``prov:wasDerivedFrom`` the row's record.

Decisions:

* Commodity: the row's ``Commodity`` cell through the commodity index. A column whose product prefix is itself a
  commodity name (``Bauxite_...``, ``Alumina_...`` in "Bauxite and Alumina") is about that commodity. A commodity
  name that resolves to no concept gives **one** RowProblem per file and name (column ``Commodity``), and the cells
  that depend on it are not mapped.
* Measure (:data:`MEASURE_WORDS`): the measure word of the column name gives the concept; qualifiers refine
  production ("Secondary", "Scrap", "OldScrap", "Post-consumer" -> secondary-production) and consumption
  ("Apparent"/"Apprnt" -> apparent-consumption, "Reported"/"Rprtd" -> reported-consumption), and "Shipments_Gov" is
  stockpile-shipments. A "Price" anywhere in the name makes it a price (``Prod_Price_index``).
* Units (:data:`UNIT_SUFFIXES`): t, kt, mmt, kg, mct, mcm, msqft, pct, num -> QUDT (scaled like ``usgs_world``:
  mmt -> TONNE x 10^6, mct -> CARAT x 10^6, mcm -> M3 x 10^6, msqft -> FT2 x 10^6). Money suffixes (dt, dlb, ctslb,
  dkg, dg, dtoz, dto, df, dst, mdol) keep the value as written in ``cm:valueInSourceUnit`` with ``cm:sourceUnit``
  and ``cm:currency "USD"`` (no ``qudt:numericValue``, which always goes with a QUDT unit: QUDT has no certain IRI
  for "dollars per pound"); so do the other values without a certain QUDT unit. "index" and "g" (only in
  ``Consump_g`` of germanium,
  whose sibling columns are in kg and whose values are kilogram-sized) are kept in ``cm:sourceUnit`` only. A net
  import reliance is a percentage by definition (FGDC: "as a percentage of apparent consumption"), whatever its
  suffix (``NIR_ct``, ``NIR_Concentrate_t``); an employment is a number of people (``Employment_Sponge_t``,
  ``Employment_``). A price whose suffix is a quantity unit (``Alumina_Price_kt``, ``Bort_Price_Imports_mct``,
  ``Price_Zircon_imported_t``) keeps the suffix in ``cm:sourceUnit`` only, with a ``cm:note`` saying so. Any other
  unit (none, or unknown) -> RowProblem per non-empty cell.
* Cells: numbers (thousands separators, a minus sign), ">50" (lower bound), "<1,000" (upper bound); "W" withheld,
  "NA" not available, "Small" and "Less than 1/2 unit." small, "Large" large (none carries a number), "E" in a
  net-import-reliance column net-exporter (FGDC metadata: "E: Net exporter"), "\u2014" zero (the MCS key: "\u2014
  Zero"), a range "50\u2013300" -> ``schema:minValue``/``schema:maxValue`` without ``qudt:numericValue``. An empty cell
  gives nothing. Anything else ("Variable, depending on type of product", "Less than 50,000 tons") is a RowProblem.
* Columns whose name the header repeats (``USprod_Flake_t`` twice in mica, ``Price_dt`` four times in titanium
  mineral concentrates) cannot be told apart: every non-empty cell of them is a RowProblem. So is a non-empty cell
  under an empty header, and any column whose name gives no measure (``Grade-A-Salescm``).
* Estimated: where ``{prefix}_meta.xml`` (FGDC) lies beside the CSV, its attribute definition "Data are estimated for
  all years" / "... for the most recent year" gives ``cm:isEstimated`` and status ``estimated``; elsewhere
  ``cm:isEstimated`` is not stated and numbers have status ``reported``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph
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
    source_file_label,
    source_record_triples,
    string,
    text_en,
    triple,
)
from extractors.feeds.usgs_values import (
    NET_EXPORTER,
    SMALL_TEXT,
    USGS_MCS2025_RELEASE,
    collapse,
    parse_range,
    parse_signed_number,
    status_word,
)
from kg import iris
from kg.commodity_index import CommodityIndex

GRAPH_NAME = "usgs-mcs2025-salient"
REQUIRED = ("Commodity", "Year")
KEY_COLUMNS = {"DataSource", "Source", "Commodity", "Year"}
USA = iris.country("USA")

# The measures of cmid:scheme/salient-measures: slug -> English label (definitions in ontology/vocabularies.ttl).
MEASURES: dict[str, str] = {
    "production": "US production",
    "secondary-production": "US secondary production (recycling, scrap)",
    "production-share": "share of US production by process",
    "shipments": "shipments, sales or material sold or used",
    "stockpile-shipments": "shipments from the US Government stockpile",
    "imports": "imports",
    "exports": "exports",
    "consumption": "consumption",
    "apparent-consumption": "apparent consumption",
    "reported-consumption": "reported consumption",
    "apparent-supply": "apparent supply",
    "net-import-reliance": "net import reliance",
    "price": "price",
    "stocks": "stocks",
    "stock-withdrawals": "withdrawals from stocks or storage",
    "employment": "employment",
}

# Lowercase measure word of a column name -> measure slug.
MEASURE_WORDS: dict[str, str] = {
    "usprod": "production",
    "prod": "production",
    "production": "production",
    "extracted": "production",
    "mine": "production",
    "refinery": "production",
    "recycled": "secondary-production",
    "furnace": "production-share",
    "continuous": "production-share",
    "shipments": "shipments",
    "sold": "shipments",
    "soldfinished": "shipments",
    "sales": "shipments",
    "products": "shipments",
    "imports": "imports",
    "exports": "exports",
    "consump": "consumption",
    "consumption": "consumption",
    "apparent": "apparent-consumption",
    "supply": "apparent-supply",
    "nir": "net-import-reliance",
    "price": "price",
    "stocks": "stocks",
    "withdrawn": "stock-withdrawals",
    "employment": "employment",
}
CAMEL_MEASURE = re.compile(r"^(?P<product>[A-Z][A-Za-z]*?)(?P<word>Production|Imports|Exports|Price|NIR)(?P<rest>.*)$")
SECONDARY_WORDS = {"secondary", "scrap", "oldscrap", "newscrap", "post-consumer", "recycling"}

# Unit part of a column name -> (readable unit, QUDT unit local name or None, factor, currency or None).
UNIT_SUFFIXES: dict[str, tuple[str, str | None, int, str | None]] = {
    "t": ("metric tons", "TONNE", 1, None),
    "kt": ("thousand metric tons", "KiloTONNE", 1, None),
    "mmt": ("million metric tons", "TONNE", 1_000_000, None),
    "kg": ("kilograms", "KiloGM", 1, None),
    "mct": ("million carats", "CARAT", 1_000_000, None),
    "mcm": ("million cubic meters", "M3", 1_000_000, None),
    "msqft": ("million square feet", "FT2", 1_000_000, None),
    "pct": ("percent", "PERCENT", 1, None),
    "num": ("number", "NUM", 1, None),
    "mdol": ("million dollars", None, 1, "USD"),
    "dt": ("dollars per metric ton", None, 1, "USD"),
    "dlb": ("dollars per pound", None, 1, "USD"),
    "ctslb": ("cents per pound", None, 1, "USD"),
    "dkg": ("dollars per kilogram", None, 1, "USD"),
    "dg": ("dollars per gram", None, 1, "USD"),
    "dtoz": ("dollars per troy ounce", None, 1, "USD"),
    "dto": ("dollars per troy ounce", None, 1, "USD"),
    "df": ("dollars per flask", None, 1, "USD"),
    "dst": ("dollars per short ton", None, 1, "USD"),
    "index": ("index", None, 1, None),
    "g": ("grams (not interpreted: the column's values are kilogram-sized)", None, 1, None),
}
MONEY_SUFFIXES = {suffix for suffix, spec in UNIT_SUFFIXES.items() if spec[3]}

FGDC_ALL_YEARS = re.compile(r"estimated for all years", re.IGNORECASE)
FGDC_RECENT_YEAR = re.compile(r"estimated for the most recent year", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """What a column name says: measure, unit and (optionally) the product prefix naming another commodity."""

    index: int
    header: str
    measure: str
    suffix: str
    unit_label: str
    qudt_unit: str | None
    factor: int
    currency: str | None
    product: str | None = None
    note: str | None = None


@dataclass
class FileResult:
    triples: list[pyoxigraph.Triple] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    records: int = 0


def parse_column(index: int, header: str) -> Column | str:
    """The :class:`Column` a header names, or the reason it cannot be mapped."""
    tokens = [t for t in header.split("_")]
    if len(tokens) < 2:
        return "the column name has no unit part ({measure}_..._{unit}) and names no known measure"
    suffix = tokens[-1]
    body = tokens[:-1]
    product = None
    words = [t.lower() for t in body]
    if words[0] not in MEASURE_WORDS:
        camel = CAMEL_MEASURE.match(body[0])
        if camel:
            product = camel.group("product")
            rest = camel.group("rest").strip(" ,")
            words = [camel.group("word").lower()] + ([rest.lower()] if rest else []) + words[1:]
        elif len(words) > 1 and words[1] in MEASURE_WORDS:
            product = body[0]
            words = words[1:]
        else:
            return "the column name names no known measure (production, imports, exports, consumption, price, ...)"
    measure = "price" if "price" in words else MEASURE_WORDS[words[0]]
    qualifiers = set(words[1:]) | {part for w in words[1:] for part in w.split("-")}
    if measure == "production" and qualifiers & SECONDARY_WORDS:
        measure = "secondary-production"
    elif measure == "consumption" and qualifiers & {"apparent", "apprnt"}:
        measure = "apparent-consumption"
    elif measure == "consumption" and qualifiers & {"reported", "rprtd"}:
        measure = "reported-consumption"
    elif measure == "shipments" and "gov" in qualifiers:
        measure = "stockpile-shipments"
    lowered = suffix.lower()
    if measure == "net-import-reliance":
        return Column(index, header, measure, suffix, "percent", "PERCENT", 1, None, product)
    if measure == "employment":
        return Column(index, header, measure, suffix, "number", "NUM", 1, None, product)
    if lowered not in UNIT_SUFFIXES:
        reason = "the column name gives no unit" if not suffix else f"unknown unit {suffix!r} in the column name"
        return reason + " (never guessed)"
    label, unit, factor, currency = UNIT_SUFFIXES[lowered]
    if measure == "price" and lowered not in MONEY_SUFFIXES and lowered != "index":
        note = f"the unit part {suffix!r} of this price column is not a price unit; it is kept as written, not read"
        return Column(index, header, measure, suffix, suffix, None, 1, None, product, note)
    return Column(index, header, measure, suffix, label, unit, factor, currency, product)


def estimated_years(meta: Path | None, years: list[int]) -> dict[str, set[int]] | None:
    """Column name -> the years its FGDC metadata calls estimated; None when there is no metadata file."""
    if meta is None:
        return None
    try:
        root = ET.parse(meta).getroot()
    except (ET.ParseError, OSError):
        return None
    latest = max(years) if years else None
    out: dict[str, set[int]] = {}
    for attr in root.iter("attr"):
        label = (attr.findtext("attrlabl") or "").strip()
        definition = attr.findtext("attrdef") or ""
        if FGDC_ALL_YEARS.search(definition):
            out[label] = set(years)
        elif FGDC_RECENT_YEAR.search(definition) and latest is not None:
            out[label] = {latest}
        else:
            out[label] = set()
    return out


def meta_file_for(csv_path: Path) -> Path | None:
    """``mcs2025-lithi_meta.xml`` for ``mcs2025-lithium_salient.csv``: the metadata file whose prefix starts it."""
    stem = csv_path.stem.removesuffix("_salient")
    best = None
    for candidate in csv_path.parent.glob("*_meta.xml"):
        prefix = candidate.name.removesuffix("_meta.xml")
        if stem.startswith(prefix) and (best is None or len(prefix) > len(best.name)):
            best = candidate
    return best


class UsgsSalientFeed(CommodityResolvingFeed):
    name = GRAPH_NAME
    description = "USGS Mineral Commodity Summaries 2025: US salient statistics (production, trade, prices, ...)"

    @property
    def default_file(self) -> Path:
        return default_data_file("usgs-mcs2025/salient_commodity")

    def read(self, path: Path) -> FeedOutput:
        if path.is_dir():
            files = sorted(path.glob("*_salient.csv")) or sorted(path.glob("*.csv"))
            if not files:
                raise FeedError(f"{source_file_label(path)}: no *_salient.csv files in the folder")
        elif path.exists():
            files = [path]
        else:
            raise FeedError(f"cannot read {path}: no such file or folder")
        index = self.index()
        triples: list[pyoxigraph.Triple] = []
        problems: list[RowProblem] = []
        records = 0
        for file in files:
            result = self.read_file(file, index)
            triples += result.triples
            problems += result.problems
            records += result.records
        metadata = DatasetMetadata(
            title="USGS Mineral Commodity Summaries 2025 - US salient statistics",
            description=(
                f"US production, imports, exports, consumption, prices, stocks, employment and net import reliance "
                f"2020-2024 for {len(files)} commodities, from the salient-statistics files of the USGS MCS 2025 "
                "data release; one observation per cell, measures from the column names "
                "(scheme cmid:scheme/salient-measures), units normalised to QUDT where certain, USGS codes (W, NA, E) "
                "kept as value statuses."
            ),
            **USGS_MCS2025_RELEASE,
            source_file=path,
        )
        return FeedOutput(GRAPH_NAME, list(dict.fromkeys(triples)), records, problems, metadata)

    # -----------------------------------------------------------------------------------------------------------

    def read_file(self, path: Path, index: CommodityIndex) -> FileResult:
        """One salient CSV: a FeedError for a file that cannot be read at all is turned into a RowProblem."""
        result = FileResult()
        try:
            table = read_csv(path, REQUIRED)
        except FeedError as exc:
            result.problems.append(RowProblem(source_file_label(path), 0, None, None, exc.message))
            return result
        file = table.file
        part = path.stem
        result.problems += table.problems
        result.records = len(table.records)

        columns: dict[int, Column] = {}
        counts: dict[str, int] = {}
        for name in table.header:
            counts[name] = counts.get(name, 0) + 1
        column_problems: dict[int, tuple[str, str]] = {}  # column index -> (name, reason)
        for i, name in enumerate(table.header):
            if name in KEY_COLUMNS:
                continue
            if not name:
                column_problems[i] = (f"column {i + 1}", "a value under an empty column name")
            elif counts[name] > 1:
                column_problems[i] = (name, f"the header names {counts[name]} columns {name!r}: which quantity each "
                                            "holds is not stated, so none is mapped")
            else:
                parsed = parse_column(i, name)
                if isinstance(parsed, str):
                    column_problems[i] = (name, parsed)
                else:
                    columns[i] = parsed

        years = []
        for record in table.records:
            if record.values and record.values["Year"].strip().isdigit():
                years.append(int(record.values["Year"]))
        estimates = estimated_years(meta_file_for(path), years)

        unresolved_reported: set[str] = set()
        seen: dict[str, int] = {}
        for record in table.records:
            record_node, record_triples = source_record_triples(GRAPH_NAME, record, file, part)
            result.triples += record_triples
            if record.values is None:
                continue
            self._map_row(record, record_node, file, columns, column_problems, estimates, index, result,
                          unresolved_reported, seen)
        return result

    def _map_row(self, record: CsvRecord, record_node: NamedNode, file: str, columns: dict[int, Column],
                 column_problems: dict[int, tuple[str, str]], estimates: dict[str, set[int]] | None,
                 index: CommodityIndex, result: FileResult, unresolved: set[str], seen: dict[str, int]) -> None:
        values = record.values or {}
        year_text = values["Year"].strip()
        if not re.fullmatch(r"\d{4}", year_text):
            result.problems.append(RowProblem(file, record.row, "Year", values["Year"], "not a four-digit year"))
            return
        year = int(year_text)
        commodity_text = values["Commodity"].strip()
        commodity = index.resolve(commodity_text) if commodity_text else None
        if commodity is None and commodity_text not in unresolved:
            needs_it = [c for c in columns.values() if not (c.product and index.resolve(c.product))]
            if needs_it:
                unresolved.add(commodity_text)
                reason = "no commodity concept has this name as a label, so the file's statistics are not mapped"
                if commodity_text and index.ambiguous.get(commodity_text.lower()):
                    reason = ("the name is a label of several commodity concepts, so the file's statistics are not "
                              "mapped")
                if not commodity_text:
                    reason = "empty commodity name"
                result.problems.append(RowProblem(file, record.row, "Commodity", values["Commodity"], reason))

        cells = record.cells
        for i, (name, reason) in column_problems.items():
            if i < len(cells) and cells[i].strip():
                result.problems.append(RowProblem(file, record.row, name, cells[i], reason))
        for i, column in columns.items():
            cell = cells[i] if i < len(cells) else ""
            text = collapse(cell)
            if not text:
                continue
            target = commodity
            if column.product and index.resolve(column.product):
                target = index.resolve(column.product)
            if target is None:
                continue  # reported once per file above
            mapped = self._value(text, column)
            if isinstance(mapped, str):
                result.problems.append(RowProblem(file, record.row, column.header, cell, mapped))
                continue
            node = iris.observation(GRAPH_NAME, iris.key_of(target), column.header, "USA", year, column.measure)
            if node.value in seen:
                result.problems.append(RowProblem(file, record.row, column.header, cell,
                                                  f"the same observation was already given by row {seen[node.value]}"))
                continue
            seen[node.value] = record.row
            estimated = None
            if estimates is not None:
                estimated = year in estimates.get(column.header, set())
            result.triples += self._observation(node, column, year, target, commodity_text, mapped, estimated,
                                                record_node)

    @staticmethod
    def _value(text: str, column: Column) -> dict | str:
        """What a cell says: {"number", "bound"} / {"status"} / {"range"}, or the reason it cannot be mapped."""
        number = parse_signed_number(text)
        if number is not None:
            return {"number": number[0], "bound": number[1]}
        status = status_word(text)
        if status:
            return {"status": status}
        if SMALL_TEXT.match(text):
            return {"status": "small", "note": text}
        if text.lower() == NET_EXPORTER:
            if column.measure == "net-import-reliance":
                return {"status": "net-exporter"}
            return "'E' (net exporter) outside a net-import-reliance column"
        if text in ("\u2014", "--"):
            return {"number": Decimal(0), "bound": None, "note": text}
        span = parse_range(text)
        if span is not None:
            return {"range": span}
        return "not a number, a range or a USGS code (W, NA, E, Small, Large, >n, <n)"

    @staticmethod
    def _observation(node: NamedNode, column: Column, year: int, commodity: NamedNode, commodity_text: str,
                     mapped: dict, estimated: bool | None, record_node: NamedNode) -> list[pyoxigraph.Triple]:
        label = f"{commodity_text}, {column.header}, United States, {year} ({MEASURES[column.measure]}, " \
                f"{column.unit_label})"
        status = mapped.get("status")
        if "number" in mapped or "range" in mapped:
            status = "estimated" if estimated else "reported"
        triples = [
            triple(node, RDF_TYPE, iris.term("StatisticObservation")),
            triple(node, RDF_TYPE, iris.term("Observation")),
            triple(node, RDFS_LABEL, text_en(label)),
            triple(node, iris.term("commodity"), commodity),
            triple(node, iris.term("refArea"), USA),
            triple(node, iris.term("refYear"), g_year(year)),
            triple(node, iris.term("quantityKind"), iris.salient_measure(column.measure)),
            triple(node, iris.term("measure"), string(column.header)),
            triple(node, iris.term("valueStatus"), iris.concept("value-status", status)),
            triple(node, PROV_WAS_DERIVED_FROM, record_node),
        ]
        if column.suffix:
            triples.append(triple(node, iris.term("sourceUnit"), string(column.suffix)))
        if column.currency:
            triples.append(triple(node, iris.term("currency"), string(column.currency)))
        notes = [n for n in (column.note, mapped.get("note")) if n]
        triples += [triple(node, iris.term("note"), string(n)) for n in notes]
        if "number" in mapped:
            value = mapped["number"]
            if column.qudt_unit:
                triples += [
                    triple(node, iris.ns("qudt", "numericValue"), decimal(value * column.factor)),
                    triple(node, iris.ns("qudt", "unit"), iris.ns("unit", column.qudt_unit)),
                ]
            else:
                triples.append(triple(node, iris.term("valueInSourceUnit"), decimal(value)))
            if mapped.get("bound"):
                triples.append(triple(node, iris.term("valueBound"), string(mapped["bound"])))
        if "range" in mapped:
            low, high = mapped["range"]
            factor = column.factor if column.qudt_unit else 1
            triples += [
                triple(node, iris.ns("schema", "minValue"), decimal(low * factor)),
                triple(node, iris.ns("schema", "maxValue"), decimal(high * factor)),
            ]
            if column.qudt_unit:
                triples.append(triple(node, iris.ns("qudt", "unit"), iris.ns("unit", column.qudt_unit)))
        if estimated is not None and ("number" in mapped or "range" in mapped):
            triples.append(triple(node, iris.term("isEstimated"), boolean(estimated)))
        return triples


FEED = UsgsSalientFeed()
