"""Feed ``icmm-gmd``: the ICMM Global Mining Dataset (September 2025, V1) -- mines, smelters, refineries and plants.

Reads the dataset's CSV export (the bundled ``icmm_gmd_battery_minerals_india_uk_subset.csv`` or the full release in
the same columns); nothing here knows which rows the file holds. Required columns: ICMMID, Confidence Factor, Mine
Name, Group Names, Latitude, Longitude, Asset Type, Country, Primary Commodity, Secondary Commodity, Other
Commodities (a missing one is a :class:`FeedError` naming it).

Per row: a ``cm:SourceRecord`` (``cmid:record/icmm-gmd/row-N``, raw CSV text). Per site: a facility
``cmid:facility/icmm-{ICMMID}`` (facility IRIs are minted from the id of the first source that names the facility;
the cross-source matcher links records of one facility with ``owl:sameAs``) with

* ``rdf:type cm:Facility`` plus the class of each Asset Type (split on ';'): Mine -> ``cm:Mine``, Smelter ->
  ``cm:Smelter``, Refinery -> ``cm:Refinery``, Steel Plant -> ``cm:SteelPlant``, Plant -> no subclass (the
  ``processing-plant`` facility type's own ``cm:facilityClass`` is ``cm:Facility``: ICMM's "plant" processes mined
  material without saying how, so no narrower class is claimed); ``cm:facilityType`` the concept of each type and
  ``cm:stage`` the stages those concepts name in ``ontology/vocabularies.ttl`` (mine -> mining; smelter, refinery ->
  refining; processing plant -> concentration and refining; steel plant -> end-use);
* ``rdfs:label`` Mine Name, ``skos:altLabel`` each Group Names alias (split on ';', trimmed, duplicates and the name
  itself dropped, compared case-insensitively), all as plain strings (names, not English text);
* mojibake: :func:`extractors.feeds.base.read_csv` repairs a line whose cp1252/latin-1 round trip gives valid UTF-8
  ("Cara\u00c3\u00adba" -> "Cara\u00edba") and reports the repair as a RowProblem (reason "repaired
  mojibake ...", as for every feed); this feed maps the repaired names and keeps each name as originally written as a
  ``skos:hiddenLabel``, so a search for the garbled spelling still finds the facility;
* GeoSPARQL: ``geo:hasGeometry`` ``cmid:geometry/icmm-{ICMMID}`` (a ``geo:Geometry`` with ``geo:asWKT
  "POINT(lon lat)"^^geo:wktLiteral``, longitude first, WGS 84 = the WKT default CRS84) and ``schema:latitude`` /
  ``schema:longitude`` as ``xsd:decimal`` (digits as the source gives them). A missing, unparsable or out-of-range
  latitude (-90..90) or longitude (-180..180) is a RowProblem for that column; the facility is still mapped, without
  geometry or coordinates (half a point is not a location);
* ``cm:country`` via :func:`kg.countries.resolve_country` (unresolved, e.g. "Kosovo", which has no ISO 3166-1 code:
  RowProblem, facility mapped without it);
* commodities through the commodity index: Primary -> ``cm:primaryCommodity``, Secondary ->
  ``cm:secondaryCommodity``, Other Commodities (';'-separated) -> ``cm:otherCommodity``, each also ``cm:commodity``.
  A value that resolves to no concept (or to several) is a RowProblem naming the value; the others are still mapped;
* ``cm:confidence`` the Confidence Factor as a concept ``cmid:confidence/{high|moderate|low|very-low}`` (the levels
  ICMM defines; an empty or other value is a RowProblem);
* ``cm:icmmId`` (the id verbatim) and ``prov:wasDerivedFrom`` the row's record.

Rows that give no facility (a RowProblem each; the row's record is still written): an empty or malformed ICMMID (it
must be usable in an IRI: letters, digits, '.', '_', '-'), an ICMMID already mapped from an earlier row, and a row
none of whose Asset Types is known (every facility has at least one type). An empty Mine Name is a RowProblem and the
facility is labelled with its first alias, else its ICMMID.

:meth:`IcmmFeed.facility_records` gives the cross-source matcher one :class:`FacilityRecord` per mapped facility from
the same parsed rows that :meth:`IcmmFeed.read` turns into triples (no RDF is built for it).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from extractors.feeds.base import (
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    RDFS_LABEL,
    CommodityResolvingFeed,
    CsvRecord,
    CsvTable,
    DatasetMetadata,
    FacilityRecord,
    FeedOutput,
    RowProblem,
    decimal,
    default_data_file,
    normalise_name,
    read_csv,
    repair_mojibake,
    source_record_triples,
    string,
    triple,
)
from kg import iris
from kg.commodity_index import CommodityIndex
from kg.countries import resolve_country

GRAPH_NAME = "icmm-gmd"
ID_COLUMN = "ICMMID"
CONFIDENCE_COLUMN = "Confidence Factor"
NAME_COLUMN = "Mine Name"
ALIASES_COLUMN = "Group Names"
LATITUDE_COLUMN = "Latitude"
LONGITUDE_COLUMN = "Longitude"
ASSET_TYPE_COLUMN = "Asset Type"
COUNTRY_COLUMN = "Country"
PRIMARY_COLUMN = "Primary Commodity"
SECONDARY_COLUMN = "Secondary Commodity"
OTHER_COLUMN = "Other Commodities"
REQUIRED = (
    ID_COLUMN,
    CONFIDENCE_COLUMN,
    NAME_COLUMN,
    ALIASES_COLUMN,
    LATITUDE_COLUMN,
    LONGITUDE_COLUMN,
    ASSET_TYPE_COLUMN,
    COUNTRY_COLUMN,
    PRIMARY_COLUMN,
    SECONDARY_COLUMN,
    OTHER_COLUMN,
)
# The commodity columns -> the specific property each fills (every value is also cm:commodity).
COMMODITY_COLUMNS = (
    (PRIMARY_COLUMN, "primaryCommodity"),
    (SECONDARY_COLUMN, "secondaryCommodity"),
    (OTHER_COLUMN, "otherCommodity"),
)


@dataclass(frozen=True)
class AssetType:
    facility_type: str  # slug of cmid:facility-type/...
    facility_class: str  # local name of the OWL class (cm:...)
    stages: tuple[str, ...]  # slugs of cmid:stage/..., as the facility-type concept names them


# ICMM's Asset Type words (lowercased, spaces collapsed) -> our facility types. The classes and stages are those of
# the facility-type concepts in ontology/vocabularies.ttl (the tests check that they agree).
ASSET_TYPES: dict[str, AssetType] = {
    "mine": AssetType("mine", "Mine", ("mining",)),
    "smelter": AssetType("smelter", "Smelter", ("refining",)),
    "refinery": AssetType("refinery", "Refinery", ("refining",)),
    "plant": AssetType("processing-plant", "Facility", ("concentration", "refining")),
    "steel plant": AssetType("steel-plant", "SteelPlant", ("end-use",)),
}
# ICMM's confidence factors (ABOUT_sheet.txt) -> slugs of cmid:confidence/...
CONFIDENCE_LEVELS = ("high", "moderate", "low", "very-low")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

WKT_LITERAL = iris.ns("geo", "wktLiteral")
SKOS_ALT_LABEL = iris.ns("skos", "altLabel")
SKOS_HIDDEN_LABEL = iris.ns("skos", "hiddenLabel")


@dataclass
class FacilityRow:
    """One site as read from one row, names repaired and values resolved: what both RDF and matcher records need."""

    record: CsvRecord
    record_node: NamedNode
    icmm_id: str
    name: str
    aliases: list[str]
    hidden_labels: list[str]
    latitude: Decimal | None
    longitude: Decimal | None
    country: NamedNode | None
    asset_types: list[AssetType]
    commodities: dict[str, list[NamedNode]]  # property local name -> concepts, in source order
    confidence: str | None

    @property
    def key(self) -> str:
        return f"icmm-{self.icmm_id}"

    @property
    def node(self) -> NamedNode:
        return iris.facility(self.key)

    def all_commodities(self) -> list[NamedNode]:
        return list(dict.fromkeys(c for concepts in self.commodities.values() for c in concepts))


@dataclass
class ParsedFile:
    table: CsvTable
    rows: list[FacilityRow]
    problems: list[RowProblem] = field(default_factory=list)


def split_list(text: str) -> list[str]:
    """The ';'-separated items of a cell, trimmed (inner runs of spaces collapsed), empty items dropped."""
    return [re.sub(r"\s+", " ", item).strip() for item in text.split(";") if item.strip()]


def unique_aliases(name: str, aliases: list[str]) -> list[str]:
    """``aliases`` without repeats and without ``name``, compared case-insensitively; first spelling kept."""
    seen = {normalise_name(name)}
    kept = []
    for alias in aliases:
        key = normalise_name(alias)
        if key not in seen:
            seen.add(key)
            kept.append(alias)
    return kept


def _original_cells(record: CsvRecord) -> list[str] | None:
    """The row's cells as written in the file (before any mojibake repair); None when they cannot be recovered."""
    if "\ufffd" in record.raw:
        return None  # not valid UTF-8: the text as read is not a spelling anyone wrote
    try:
        rows = list(csv.reader(record.raw.splitlines(keepends=True)))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def parse_coordinate(text: str, low: int, high: int) -> tuple[Decimal | None, str | None]:
    """(value, None) for a decimal within [low, high]; (None, reason) otherwise."""
    cleaned = text.strip()
    if not cleaned:
        return None, "missing"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, "not a decimal number"
    if not value.is_finite():
        return None, "not a decimal number"
    if not low <= value <= high:
        return None, f"out of range ({low} to {high})"
    return value, None


def _decimal_text(value: Decimal) -> str:
    return decimal(value).value


class IcmmFeed(CommodityResolvingFeed):
    name = GRAPH_NAME
    description = "ICMM Global Mining Dataset (September 2025, V1): mines, smelters, refineries and plants worldwide"

    @property
    def default_file(self) -> Path:
        return default_data_file("icmm-global-mining-dataset/icmm_gmd_battery_minerals_india_uk_subset.csv")

    # -----------------------------------------------------------------------------------------------------------

    def read(self, path: Path) -> FeedOutput:
        parsed = self.parse(path)
        triples: list[pyoxigraph.Triple] = []
        rows_by_number = {row.record.row: row for row in parsed.rows}
        for record in parsed.table.records:
            _node, record_triples = source_record_triples(GRAPH_NAME, record, parsed.table.file)
            triples += record_triples
            row = rows_by_number.get(record.row)
            if row is not None:
                triples += facility_triples(row)
        metadata = DatasetMetadata(
            title="ICMM Global Mining Dataset, September 2025 (V1)",
            description=(
                "Large-scale mines, smelters, refineries, processing plants and steel plants worldwide from the ICMM "
                f"Global Mining Dataset ({path.name}): name and aliases, location (GeoSPARQL point), asset types, "
                "country, primary, secondary and other commodities and ICMM's confidence factor, one facility per "
                "ICMM ID."
            ),
            source_url="https://www.icmm.com/",
            license_url="https://creativecommons.org/licenses/by/4.0/",
            citation="ICMM Global Mining Dataset, September 2025 (V1) release.",
            version="September 2025 (V1)",
            source_file=path,
        )
        return FeedOutput(
            GRAPH_NAME, list(dict.fromkeys(triples)), len(parsed.table.records), parsed.problems, metadata
        )

    def facility_records(self, path: Path | None = None) -> list[FacilityRecord]:
        """One :class:`FacilityRecord` per facility the feed maps from ``path`` (default: the bundled file)."""
        return [facility_record(row) for row in self.parse(path or self.default_file).rows]

    def parse(self, path: Path) -> ParsedFile:
        """Read and resolve every row (no RDF): the facilities, and the problems of the file and its rows."""
        table = read_csv(path, REQUIRED)
        index = self.index()
        parsed = ParsedFile(table, [], list(table.problems))
        seen: dict[str, int] = {}
        for record in table.records:
            if record.values is None:
                continue  # read_csv reported it
            row = self._parse_row(record, table, index, parsed.problems, seen)
            if row is not None:
                parsed.rows.append(row)
        return parsed

    # -----------------------------------------------------------------------------------------------------------

    def _parse_row(
        self,
        record: CsvRecord,
        table: CsvTable,
        index: CommodityIndex,
        problems: list[RowProblem],
        seen: dict[str, int],
    ) -> FacilityRow | None:
        values = record.values or {}
        file, header = table.file, table.header

        def report(column: str | None, value: str | None, reason: str) -> None:
            problems.append(RowProblem(file, record.row, column, value, reason))

        icmm_id = values[ID_COLUMN].strip()
        if not icmm_id:
            report(ID_COLUMN, values[ID_COLUMN], "empty ICMMID: no facility can be minted for the row")
            return None
        if not SAFE_ID.match(icmm_id):
            report(
                ID_COLUMN,
                values[ID_COLUMN],
                "ICMMID has characters other than letters, digits, '.', '_' and '-'; no facility minted",
            )
            return None
        if icmm_id in seen:
            report(ID_COLUMN, icmm_id, f"the same ICMMID was already mapped from row {seen[icmm_id]}; row ignored")
            return None

        asset_types: list[AssetType] = []
        for item in split_list(values[ASSET_TYPE_COLUMN]):
            asset_type = ASSET_TYPES.get(item.lower())
            if asset_type is None:
                report(ASSET_TYPE_COLUMN, item, "not an ICMM asset type (Mine, Smelter, Refinery, Plant, Steel Plant)")
            elif asset_type not in asset_types:
                asset_types.append(asset_type)
        if not asset_types:
            what = "no known asset type" if values[ASSET_TYPE_COLUMN].strip() else "empty Asset Type"
            report(ASSET_TYPE_COLUMN, values[ASSET_TYPE_COLUMN], f"{what}: no facility (a facility needs a type)")
            return None
        seen[icmm_id] = record.row

        name = re.sub(r"\s+", " ", values[NAME_COLUMN]).strip()
        aliases = split_list(values[ALIASES_COLUMN])
        if not name:
            name = aliases[0] if aliases else icmm_id
            report(NAME_COLUMN, values[NAME_COLUMN], f"empty Mine Name; the facility is labelled {name!r}")
        kept_aliases = unique_aliases(name, aliases)

        hidden: list[str] = []
        original = _original_cells(record)
        if original is not None and original != record.cells:
            for column in (NAME_COLUMN, ALIASES_COLUMN):
                position = header.index(column)
                if position >= len(original):
                    continue
                for spelling in split_list(original[position]):
                    if repair_mojibake(spelling) != spelling and spelling not in hidden:
                        hidden.append(spelling)

        latitude, lat_problem = parse_coordinate(values[LATITUDE_COLUMN], -90, 90)
        if lat_problem:
            report(LATITUDE_COLUMN, values[LATITUDE_COLUMN], f"latitude {lat_problem}; the facility has no location")
        longitude, lon_problem = parse_coordinate(values[LONGITUDE_COLUMN], -180, 180)
        if lon_problem:
            report(LONGITUDE_COLUMN, values[LONGITUDE_COLUMN], f"longitude {lon_problem}; the facility has no location")
        if latitude is None or longitude is None:
            latitude = longitude = None

        country_text = values[COUNTRY_COLUMN]
        country = resolve_country(country_text) if country_text.strip() else None
        if country is None:
            report(
                COUNTRY_COLUMN,
                country_text,
                "empty Country" if not country_text.strip() else "not a known country name (ISO 3166-1)",
            )

        commodities: dict[str, list[NamedNode]] = {}
        for column, prop in COMMODITY_COLUMNS:
            concepts: list[NamedNode] = []
            for item in split_list(values[column]):
                concept = index.resolve(item)
                if concept is None:
                    reason = "no commodity concept has this name as a label"
                    if index.ambiguous.get(normalise_name(item)):
                        reason = "the name is a label of several commodity concepts"
                    report(column, item, reason)
                elif concept not in concepts:
                    concepts.append(concept)
            commodities[prop] = concepts

        confidence_text = values[CONFIDENCE_COLUMN]
        confidence = iris.slug(confidence_text)
        if confidence not in CONFIDENCE_LEVELS:
            report(
                CONFIDENCE_COLUMN,
                confidence_text,
                "empty Confidence Factor"
                if not confidence_text.strip()
                else "not an ICMM confidence factor (High, Moderate, Low, Very Low)",
            )
            confidence = None

        return FacilityRow(
            record=record,
            record_node=iris.source_record(GRAPH_NAME, record.row),
            icmm_id=icmm_id,
            name=name,
            aliases=kept_aliases,
            hidden_labels=hidden,
            latitude=latitude,
            longitude=longitude,
            country=country,
            asset_types=asset_types,
            commodities=commodities,
            confidence=confidence,
        )


def facility_triples(row: FacilityRow) -> list[pyoxigraph.Triple]:
    """The triples of one facility (and its geometry)."""
    node = row.node
    term = iris.term
    triples = [
        triple(node, RDF_TYPE, term("Facility")),
        triple(node, RDFS_LABEL, string(row.name)),
        triple(node, term("icmmId"), string(row.icmm_id)),
        triple(node, PROV_WAS_DERIVED_FROM, row.record_node),
    ]
    for asset_type in row.asset_types:
        triples.append(triple(node, RDF_TYPE, term(asset_type.facility_class)))
        triples.append(triple(node, term("facilityType"), iris.concept("facility-type", asset_type.facility_type)))
        for stage in asset_type.stages:
            triples.append(triple(node, term("stage"), iris.concept("stage", stage)))
    triples += [triple(node, SKOS_ALT_LABEL, string(alias)) for alias in row.aliases]
    triples += [triple(node, SKOS_HIDDEN_LABEL, string(spelling)) for spelling in row.hidden_labels]
    if row.latitude is not None and row.longitude is not None:
        geometry = iris.geometry(row.key)
        wkt = f"POINT({_decimal_text(row.longitude)} {_decimal_text(row.latitude)})"
        triples += [
            triple(node, iris.ns("geo", "hasGeometry"), geometry),
            triple(geometry, RDF_TYPE, iris.ns("geo", "Geometry")),
            triple(geometry, RDFS_LABEL, string(f"Location of {row.name}")),
            triple(geometry, iris.ns("geo", "asWKT"), Literal(wkt, datatype=WKT_LITERAL)),
            triple(node, iris.ns("schema", "latitude"), decimal(row.latitude)),
            triple(node, iris.ns("schema", "longitude"), decimal(row.longitude)),
        ]
    if row.country is not None:
        triples.append(triple(node, term("country"), row.country))
    for prop, concepts in row.commodities.items():
        for concept in concepts:
            triples.append(triple(node, term(prop), concept))
            triples.append(triple(node, term("commodity"), concept))
    if row.confidence is not None:
        triples.append(triple(node, term("confidence"), iris.concept("confidence", row.confidence)))
    return triples


def facility_record(row: FacilityRow) -> FacilityRecord:
    return FacilityRecord(
        source=GRAPH_NAME,
        record_id=row.icmm_id,
        iri=row.node,
        name=row.name,
        aliases=tuple(row.aliases),
        latitude=float(row.latitude) if row.latitude is not None else None,
        longitude=float(row.longitude) if row.longitude is not None else None,
        country=row.country,
        commodities=tuple(row.all_commodities()),
        facility_types=tuple(t.facility_type for t in row.asset_types),
    )


FEED = IcmmFeed()


def facility_records(path: Path | None = None) -> list[FacilityRecord]:
    """The matcher's view of the ICMM file at ``path`` (default: the bundled file); see :meth:`IcmmFeed.parse`."""
    return FEED.facility_records(path)
