"""Feeds ``minmod-vocabularies`` and ``minmod-sites``: the DARPA CriticalMAAS MinMod knowledge graph (USC ISI).

``minmod-vocabularies`` reads the folder ``data/minmod/entities`` (commodity.csv, deposit_type.csv, unit.csv,
category.csv). Every row is a ``cm:SourceRecord`` ``cmid:record/minmod-vocabularies/{file stem}/row-{n}``.

* Commodities: each MinMod commodity is looked up among our concepts, first by ``cm:minmodId`` (commodities.ttl),
  then by its name, then by each alias (labels through the commodity index, an alias of one or two letters also as
  an element symbol). Found: the record gets ``dct:subject`` our concept and ``rdfs:seeAlso mmr:Q…``, and the concept
  ``skos:exactMatch mmr:Q…`` when its ``cm:minmodId`` is that id, else ``skos:closeMatch mmr:Q…`` (a match by name
  only is not asserted to be exact). Not found: RowProblem "no critmin concept for MinMod commodity …" (never a new
  concept).
* Deposit types: ``cmid:scheme/deposit-types`` with one ``cm:DepositType`` concept ``cmid:deposit-type/{slug of
  deposit_type}`` per row: prefLabel, ``skos:notation`` (the MinMod id), ``cm:depositGroup``, ``cm:depositEnvironment``
  (verbatim), ``skos:exactMatch mmr:Q…``.
* Units: ``cmid:scheme/units`` with a ``cm:UnitOfMeasure`` concept ``cmid:unit/{slug of unit name}`` per row, alt
  labels from the aliases, ``skos:exactMatch mmr:Q…`` and, where QUDT has the same unit under a name we checked,
  ``skos:exactMatch`` (or ``skos:closeMatch``) to it: see :data:`QUDT_UNITS`. Units with no QUDT counterpart (money,
  metal-equivalent grades, "million tonnes") are kept as MinMod's units, with a ``skos:note`` saying so.
* Categories: ``cmid:scheme/resource-categories``: ``cmid:resource-category/{slug}`` per row (inferred, indicated,
  measured, probable, proven, original-resource, extracted, cumulative-extracted), the first three and
  original-resource ``skos:broader cmid:resource-category/resources``, probable and proven ``skos:broader
  cmid:resource-category/reserves``; extracted and cumulative-extracted are production, under neither.

``minmod-sites`` reads a folder of MinMod mineral-site JSON files (default ``data/minmod/mineral-sites``; a single
``.json`` file works too). Each file is a JSON list of MineralSite objects; a file that is not valid JSON or not a
list is a :class:`FeedError` naming the file and the line/column. Record ``n`` (1-based index in its file) is the
``cm:SourceRecord`` ``cmid:record/minmod-sites/{slug of the file's path below the folder, without .json}/row-{n}``
(the path, not only the stem: ``b001.json`` occurs in several folders) with ``cm:sourceRow`` n, ``cm:sourceFile`` and
``cm:rawValue`` the record as compact JSON, cut to :data:`RAW_LIMIT` characters (then ``cm:note`` says how long it
was). Per record:

* the facility ``cmid:facility/minmod-{first 16 hex digits of sha256(source_id + " " + record_id)}``, a
  ``cm:Deposit`` (``cm:facilityType`` deposit). MinMod's input records never say that a site is a mine, so no
  ``cm:Mine`` is asserted. ``rdfs:label`` name, ``skos:altLabel`` aliases, ``cm:minmodSourceId``,
  ``cm:minmodRecordId``, ``dct:source`` the documents of its ``reference``, ``cm:commodity`` every commodity its
  inventory names;
* country: the first candidate's ``normalized_uri`` through ``entities/country.csv`` (ISO3), else its
  ``observed_name`` through :func:`kg.countries.resolve_country` -> ``cm:country``, with
  ``cm:countryAsObserved`` and ``cm:countryConfidence``; state or province -> ``schema:addressRegion`` (as observed);
* location: WKT ``POINT``/``POLYGON`` checked (numbers, lon -180..180, lat -90..90) and kept verbatim as
  ``geo:hasGeometry`` ``cmid:facility/{key}/geometry`` ``geo:asWKT`` (``geo:wktLiteral``; CRS EPSG:4326 in MinMod,
  axis order lon lat as in WKT); a point also gives ``schema:latitude``/``schema:longitude``;
* deposit type candidates -> ``cm:DepositTypeCandidate`` ``cmid:facility/{key}/deposit-type-candidate-{n}`` with
  ``cm:observedName``, ``cm:depositTypeConfidence``, ``cm:candidateSource`` and, when the normalized_uri (or failing
  that the
  observed name, exactly) is a MinMod deposit type, ``cm:depositType`` the concept (also set on the facility);
* each ``mineral_inventory`` entry with a category, an ore amount or a grade -> a ``cm:ResourcesObservation`` or
  ``cm:ReservesObservation`` ``cmid:observation/minmod-sites/{facility key}/inventory-{n}`` (n = index + 1):
  reserves when every category is Probable/Proven, resources when every category is a resource one **or none is
  given** (an uncategorised amount in the ground is a resource in the sense of cm:ResourcesObservation); mixed or
  production categories are RowProblems. ``cm:facility``, ``cm:commodity`` (MinMod id via ``cm:minmodId``, else
  MinMod's name, else the observed name, through the commodity index), ``cm:commodityAsObserved``,
  ``cm:commodityConfidence``, ``cm:resourceCategory`` (each), ``cm:categoryAsObserved``, ``cm:quantityKind``,
  ``cm:valueStatus`` reported, ``cm:refArea`` (the site's country), ore -> ``qudt:numericValue`` in ``unit:TONNE``
  (Mt x 1,000,000) with ``cm:sourceUnit``, grade -> ``cm:grade`` + ``cm:gradeUnit`` (a ``cmid:unit/`` concept),
  cutoff grade -> ``cm:cutoffGrade`` (+ ``cm:cutoffGradeUnit``), ``date`` -> ``cm:refYear`` (and ``dct:date`` for a
  full day), ``cm:zone``, ``dct:source`` the ``cm:Document`` of its reference, ``cm:sourcePages``.
  An entry with none of category, ore or grade (the laterite mineral lists) only names a commodity of the site: it
  adds that commodity to :meth:`MinmodSitesFeed.facility_records` (or a RowProblem when it is not ours).
* documents ``cmid:document/doi-{slug of DOI}`` (else ``url-{16 hex of sha256(uri)}``): ``dct:title``,
  ``dct:identifier`` (DOI), ``schema:url``.

Every value that cannot be mapped is a RowProblem(file, row = record index, column = JSON path such as
``mineral_inventory[3].grade.value``, value, reason); the rest of the record is still mapped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from extractors.feeds.base import (
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    RDFS_LABEL,
    XSD,
    CommodityResolvingFeed,
    DatasetMetadata,
    FacilityRecord,
    FeedError,
    FeedOutput,
    RowProblem,
    decimal,
    default_data_file,
    g_year,
    integer,
    normalise_name,
    read_csv,
    source_file_label,
    source_record_triples,
    string,
    text_en,
    triple,
)
from kg import iris
from kg.commodity_index import DEFAULT_ONTOLOGY, CommodityIndex
from kg.countries import resolve_country

VOCABULARIES_GRAPH = "minmod-vocabularies"
SITES_GRAPH = "minmod-sites"
MMR = iris.PREFIXES["mmr"]
RAW_LIMIT = 4096

SKOS = {name: iris.ns("skos", name) for name in (
    "Concept", "ConceptScheme", "prefLabel", "altLabel", "inScheme", "notation", "exactMatch", "closeMatch",
    "broader", "note", "definition", "topConceptOf", "hasTopConcept")}
DCT_SUBJECT = iris.ns("dct", "subject")
DCT_SOURCE = iris.ns("dct", "source")
RDFS_SEE_ALSO = iris.ns("rdfs", "seeAlso")
QUDT_VALUE = iris.ns("qudt", "numericValue")
QUDT_UNIT = iris.ns("qudt", "unit")
WKT = NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")

# MinMod unit id -> (QUDT local name, "exact" or "close"). Only names checked against QUDT's unit vocabulary.
# g/t is numerically parts per million by mass (closeMatch PPM); kg/t is numerically grams per kilogram.
QUDT_UNITS: dict[str, tuple[str, str]] = {
    "Q200": ("TONNE", "exact"),
    "Q201": ("PERCENT", "exact"),
    "Q203": ("PPM", "close"),
    "Q216": ("M3", "exact"),
    "Q217": ("GM-PER-KiloGM", "close"),
    "Q218": ("GM-PER-M3", "exact"),
    "Q219": ("KiloGM-PER-M3", "exact"),
    "Q220": ("PPM", "exact"),
}
# Units an ore amount may be given in: MinMod id -> (QUDT unit, factor).
ORE_UNITS: dict[str, tuple[str, int]] = {"Q200": ("TONNE", 1), "Q202": ("TONNE", 1_000_000)}
UNIT_NOTES = {
    "Q202": "No QUDT mass unit of one million tonnes; ore amounts in it are written as unit:TONNE x 1,000,000.",
}

RESOURCE_CATEGORIES = {"inferred", "indicated", "measured", "original-resource"}
RESERVE_CATEGORIES = {"probable", "proven"}
GROUPS = {
    "resources": ("Resources", "Mineral resources: the categories Inferred, Indicated and Measured (and the original "
                  "resource before mining), which need not be economic to extract."),
    "reserves": ("Reserves", "Mineral reserves: the categories Probable and Proven, the economically mineable part."),
}

POINT = re.compile(r"^\s*POINT\s*\(\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)\s*$",
                   re.IGNORECASE)
POLYGON = re.compile(r"^\s*POLYGON\s*\(\s*(\(.*\))\s*\)\s*$", re.IGNORECASE | re.DOTALL)
RING = re.compile(r"\(([^()]*)\)")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[ T].*)?$")


def _q(uri: str | None) -> str | None:
    """The MinMod id (``Q578``, ``Inferred``) of a ``https://minmod.isi.edu/resource/…`` IRI; None otherwise."""
    if isinstance(uri, str) and uri.startswith(MMR):
        return uri[len(MMR):]
    return None


def minmod_ids(ontology: Path = DEFAULT_ONTOLOGY) -> dict[str, NamedNode]:
    """MinMod commodity id -> our commodity concept, from the ``cm:minmodId`` values of commodities.ttl."""
    minmod_id = iris.term("minmodId")
    found: dict[str, NamedNode] = {}
    with ontology.open("rb") as handle:
        for quad in pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE, base_iri=ontology.resolve().as_uri()):
            if quad.predicate == minmod_id and isinstance(quad.subject, NamedNode):
                found[quad.object.value.strip()] = quad.subject
    return found


def _decimal_of(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def facility_key(source_id: str, record_id: str) -> str:
    """The key of a MinMod site's facility IRI: ``minmod-`` + 16 hex digits of sha256(source_id + " " + record_id)."""
    return "minmod-" + _hex(f"{source_id} {record_id}")


def document_key(document: dict) -> str | None:
    doi = document.get("doi")
    if isinstance(doi, str) and doi.strip():
        return "doi-" + iris.slug(doi)
    uri = document.get("uri")
    if isinstance(uri, str) and uri.strip():
        return "url-" + _hex(uri.strip())
    return None


def parse_wkt(text: str) -> tuple[str, list[tuple[float, float]]] | None:
    """("POINT" or "POLYGON", [(lon, lat), …]) when ``text`` is a point or a polygon with coordinates on the globe."""
    points: list[tuple[float, float]] = []
    match = POINT.match(text)
    if match:
        kind = "POINT"
        points = [(float(match.group(1)), float(match.group(2)))]
    else:
        match = POLYGON.match(text)
        if not match:
            return None
        kind = "POLYGON"
        for ring in RING.findall(match.group(1)):
            for pair in ring.split(","):
                parts = pair.split()
                if len(parts) != 2:
                    return None
                try:
                    points.append((float(parts[0]), float(parts[1])))
                except ValueError:
                    return None
        if len(points) < 4:
            return None
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points):
        return None
    return kind, points


def centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """(lon, lat) centroid of a polygon's outer ring (area-weighted; the vertex mean for a degenerate ring)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if math.isclose(area, 0.0, abs_tol=1e-12):
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    return cx / (3 * area), cy / (3 * area)


def _read_entities(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _minmod_metadata(path: Path, title: str, description: str) -> DatasetMetadata:
    return DatasetMetadata(
        title=title,
        description=description,
        source_url="https://github.com/DARPA-CRITICALMAAS/ta2-minmod-data",
        license_url="https://opensource.org/license/mit",
        citation=(
            "DARPA CriticalMAAS MinMod knowledge graph, USC Information Sciences Institute: "
            "DARPA-CRITICALMAAS/ta2-minmod-data @ 050de430 (data) and ta2-minmod-kg @ 66550427 (ontology). "
            "MIT License, Copyright (c) 2023 DARPA-CRITICALMAAS."
        ),
        version="ta2-minmod-data 050de430, ta2-minmod-kg 66550427",
        source_file=path,
    )


# ---------------------------------------------------------------------------------------------------------------
# minmod-vocabularies


class MinmodVocabulariesFeed(CommodityResolvingFeed):
    name = VOCABULARIES_GRAPH
    description = "MinMod (DARPA CriticalMAAS) commodity, deposit-type, unit and category vocabularies, mapped to ours"

    @property
    def default_file(self) -> Path:
        return default_data_file("minmod/entities")

    def read(self, path: Path) -> FeedOutput:
        folder = path if path.is_dir() else path.parent
        if not folder.is_dir():
            raise FeedError(f"cannot read {path}: not a folder of MinMod entity files")
        index = self.index()
        ids = minmod_ids(self._ontology or DEFAULT_ONTOLOGY)
        triples: list[pyoxigraph.Triple] = []
        problems: list[RowProblem] = []
        records = 0
        for name, required, mapper in (
            ("commodity.csv", ("minmod_id", "name", "aliases"), self._commodity),
            ("deposit_type.csv", ("minmod_id", "deposit_type", "deposit_environment", "deposit_group"),
             self._deposit_type),
            ("unit.csv", ("minmod_id", "unit name", "unit aliases"), self._unit),
            ("category.csv", ("id", "label"), self._category),
        ):
            table = read_csv(folder / name, required)
            problems += table.problems
            part = Path(name).stem.replace("_", "-")
            for record in table.records:
                records += 1
                node, record_triples = source_record_triples(VOCABULARIES_GRAPH, record, table.file, part)
                triples += record_triples
                if record.values is not None:
                    triples += mapper(record.values, node, table.file, record.row, index, ids, problems)
        triples += self._schemes()
        metadata = _minmod_metadata(
            folder,
            "MinMod vocabularies (commodities, deposit types, units, resource categories)",
            "MinMod's controlled vocabularies from entities/*.csv: each commodity linked to the critmin commodity "
            "concept it names (unmatched ones reported), the 188 deposit types, the units (with QUDT matches) and "
            "the resource/reserve categories as SKOS schemes, with the MinMod ids kept as cross-references.",
        )
        return FeedOutput(VOCABULARIES_GRAPH, list(dict.fromkeys(triples)), records, problems, metadata)

    @staticmethod
    def _scheme(name: str, label: str, definition: str) -> list[pyoxigraph.Triple]:
        node = iris.concept_scheme(name)
        return [
            triple(node, RDF_TYPE, SKOS["ConceptScheme"]),
            triple(node, RDFS_LABEL, text_en(label)),
            triple(node, SKOS["prefLabel"], text_en(label)),
            triple(node, SKOS["definition"], text_en(definition)),
        ]

    def _schemes(self) -> list[pyoxigraph.Triple]:
        triples = self._scheme("deposit-types", "MinMod deposit types",
                               "The mineral deposit types of MinMod (entities/deposit_type.csv), with their group "
                               "and environment.")
        triples += self._scheme("units", "MinMod units", "The units of measure MinMod uses for ore amounts and "
                                "grades (entities/unit.csv), matched to QUDT where QUDT has the same unit.")
        triples += self._scheme("resource-categories", "Resource and reserve categories",
                                "MinMod's mineral inventory categories (entities/category.csv), grouped under "
                                "resources and reserves.")
        scheme = iris.concept_scheme("resource-categories")
        for key, (label, definition) in GROUPS.items():
            node = iris.concept("resource-category", key)
            triples += [
                triple(node, RDF_TYPE, SKOS["Concept"]),
                triple(node, RDF_TYPE, iris.term("ResourceCategory")),
                triple(node, RDFS_LABEL, text_en(label)),
                triple(node, SKOS["prefLabel"], text_en(label)),
                triple(node, SKOS["definition"], text_en(definition)),
                triple(node, SKOS["inScheme"], scheme),
                triple(node, SKOS["topConceptOf"], scheme),
                triple(scheme, SKOS["hasTopConcept"], node),
            ]
        return triples

    def _commodity(self, values, record_node, file, row, index: CommodityIndex, ids, problems) -> list:
        qid = values["minmod_id"].strip()
        name = values["name"].strip()
        aliases = [a.strip() for a in values.get("aliases", "").split("|") if a.strip()]
        mmr = NamedNode(MMR + qid)
        concept = ids.get(qid)
        exact = concept is not None
        if concept is None:
            for candidate in [name, *aliases]:
                concept = index.resolve(candidate)
                if concept is None and 1 <= len(candidate) <= 2 and candidate.isalpha():
                    concept = index.by_symbol(candidate)
                if concept is not None:
                    break
        triples = [triple(record_node, RDFS_SEE_ALSO, mmr)]
        if concept is None:
            problems.append(RowProblem(file, row, "name", values["name"],
                                       f"no critmin concept for MinMod commodity {qid} {name!r}"))
            return triples
        return [
            *triples,
            triple(record_node, DCT_SUBJECT, concept),
            triple(concept, SKOS["exactMatch" if exact else "closeMatch"], mmr),
            triple(concept, PROV_WAS_DERIVED_FROM, record_node),
        ]

    def _deposit_type(self, values, record_node, file, row, index, ids, problems) -> list:
        qid = values["minmod_id"].strip()
        label = values["deposit_type"].strip()
        if not label or not qid:
            problems.append(RowProblem(file, row, "deposit_type", values["deposit_type"], "empty name or id"))
            return []
        node = iris.concept("deposit-type", iris.slug(label))
        triples = _minmod_concept(node, "DepositType", "deposit-types", label, qid, record_node)
        if values["deposit_group"].strip():
            triples.append(triple(node, iris.term("depositGroup"), string(values["deposit_group"].strip())))
        if values["deposit_environment"].strip():
            triples.append(triple(node, iris.term("depositEnvironment"),
                                  string(values["deposit_environment"].strip())))
        return triples

    def _unit(self, values, record_node, file, row, index, ids, problems) -> list:
        qid = values["minmod_id"].strip()
        label = values["unit name"].strip()
        if not label or not qid:
            problems.append(RowProblem(file, row, "unit name", values["unit name"], "empty name or id"))
            return []
        node = iris.concept("unit", iris.slug(label))
        triples = _minmod_concept(node, "UnitOfMeasure", "units", label, qid, record_node)
        for alias in values["unit aliases"].split("|"):
            if alias.strip():
                triples.append(triple(node, SKOS["altLabel"], text_en(alias.strip())))
        if qid in QUDT_UNITS:
            local, strength = QUDT_UNITS[qid]
            triples.append(triple(node, SKOS["exactMatch" if strength == "exact" else "closeMatch"],
                                  iris.ns("unit", local)))
        else:
            note = UNIT_NOTES.get(qid, "No QUDT unit is asserted for this unit; MinMod's unit is kept as it is.")
            triples.append(triple(node, SKOS["note"], text_en(note)))
        return triples

    def _category(self, values, record_node, file, row, index, ids, problems) -> list:
        label = values["label"].strip() or values["id"].strip()
        if not label:
            problems.append(RowProblem(file, row, "label", values["label"], "empty category"))
            return []
        key = category_key(values["id"].strip() or label)
        node = iris.concept("resource-category", key)
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label)
        triples = _minmod_concept(node, "ResourceCategory", "resource-categories", spaced, values["id"].strip(),
                                  record_node)
        if key in RESOURCE_CATEGORIES:
            triples.append(triple(node, SKOS["broader"], iris.concept("resource-category", "resources")))
        elif key in RESERVE_CATEGORIES:
            triples.append(triple(node, SKOS["broader"], iris.concept("resource-category", "reserves")))
        return triples


def _minmod_concept(node: NamedNode, cls: str, scheme: str, label: str, qid: str, record_node: NamedNode) -> list:
    """A concept of one of our schemes made from a MinMod vocabulary row, matched exactly to MinMod's resource."""
    return [
        triple(node, RDF_TYPE, SKOS["Concept"]),
        triple(node, RDF_TYPE, iris.term(cls)),
        triple(node, RDFS_LABEL, text_en(label)),
        triple(node, SKOS["prefLabel"], text_en(label)),
        triple(node, SKOS["inScheme"], iris.concept_scheme(scheme)),
        triple(node, SKOS["notation"], string(qid)),
        triple(node, SKOS["exactMatch"], NamedNode(MMR + qid)),
        triple(node, PROV_WAS_DERIVED_FROM, record_node),
    ]


def category_key(minmod_id: str) -> str:
    """``OriginalResource`` -> ``original-resource``."""
    return iris.slug(re.sub(r"(?<=[a-z])(?=[A-Z])", "-", minmod_id))


# ---------------------------------------------------------------------------------------------------------------
# minmod-sites


@dataclass
class _Entities:
    countries: dict[str, str]  # MinMod id -> ISO alpha-3
    deposit_types: dict[str, str]  # MinMod id -> deposit-type key
    deposit_type_names: dict[str, str]  # normalised name -> deposit-type key
    units: dict[str, str]  # MinMod id -> unit key
    commodity_names: dict[str, str]  # MinMod id -> MinMod name

    @classmethod
    def read(cls, folder: Path) -> _Entities:
        deposit_rows = _read_entities(folder, "deposit_type.csv")
        return cls(
            countries={r["minmod_id"]: r["iso3"] for r in _read_entities(folder, "country.csv") if r.get("iso3")},
            deposit_types={r["minmod_id"]: iris.slug(r["deposit_type"]) for r in deposit_rows},
            deposit_type_names={normalise_name(r["deposit_type"]): iris.slug(r["deposit_type"]) for r in deposit_rows},
            units={r["minmod_id"]: iris.slug(r["unit name"]) for r in _read_entities(folder, "unit.csv")},
            commodity_names={r["minmod_id"]: r["name"] for r in _read_entities(folder, "commodity.csv")},
        )


@dataclass
class _Site:
    record_id: str
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    country: NamedNode | None = None
    commodities: list[NamedNode] = field(default_factory=list)


class MinmodSitesFeed(CommodityResolvingFeed):
    name = SITES_GRAPH
    description = "MinMod (DARPA CriticalMAAS) mineral sites: deposits, their locations, deposit types and inventories"

    def __init__(self, commodity_index: CommodityIndex | None = None, ontology: Path | None = None,
                 entities: Path | None = None) -> None:
        super().__init__(commodity_index, ontology)
        self._entities_dir = entities
        self._cache: tuple[dict[str, NamedNode], _Entities] | None = None

    @property
    def default_file(self) -> Path:
        return default_data_file("minmod/mineral-sites")

    def _lookups(self) -> tuple[dict[str, NamedNode], _Entities]:
        if self._cache is None:
            entities = self._entities_dir or default_data_file("minmod/entities")
            self._cache = (minmod_ids(self._ontology or DEFAULT_ONTOLOGY), _Entities.read(entities))
        return self._cache

    @staticmethod
    def files(path: Path) -> list[tuple[Path, str]]:
        """(file, part) for every JSON file: ``part`` is its path below ``path`` without ``.json``."""
        if path.is_file():
            return [(path, path.stem)]
        if not path.is_dir():
            raise FeedError(f"cannot read {path}: no such file or folder")
        found = sorted(path.rglob("*.json"))
        if not found:
            raise FeedError(f"{path}: no .json files")
        return [(f, f.relative_to(path).with_suffix("").as_posix()) for f in found]

    @staticmethod
    def load_json(file: Path) -> list:
        label = source_file_label(file)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise FeedError(f"cannot read {file}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise FeedError(f"{label}: not UTF-8 (byte {exc.start}): {exc.reason}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FeedError(f"{label}: not valid JSON at line {exc.lineno}, column {exc.colno} "
                            f"(character {exc.pos}): {exc.msg}") from exc
        if not isinstance(data, list):
            raise FeedError(f"{label}: expected a JSON list of MineralSite records, found {type(data).__name__}")
        return data

    def read(self, path: Path) -> FeedOutput:
        triples, problems, sites = self._map(path)
        metadata = _minmod_metadata(
            path,
            "MinMod mineral sites (DARPA CriticalMAAS)",
            "Mineral-site records of MinMod's input data (data/minmod/mineral-sites): deposits with location, "
            "country, deposit-type candidates and mineral inventories (resources and reserves by category, ore "
            "tonnage, grade, cutoff grade) with their cited documents; MinMod's observed names and confidences kept.",
        )
        return FeedOutput(SITES_GRAPH, triples, len(sites), problems, metadata)

    def facility_records(self, path: Path | None = None) -> list[FacilityRecord]:
        """One :class:`FacilityRecord` per site, for the cross-source matcher (kg/linking.py)."""
        _, _, sites = self._map(path or self.default_file)
        return [
            FacilityRecord(
                source=SITES_GRAPH,
                record_id=site.record_id,
                iri=iris.facility(site.key),
                name=site.name,
                aliases=site.aliases,
                latitude=site.latitude,
                longitude=site.longitude,
                country=site.country,
                commodities=tuple(dict.fromkeys(site.commodities)),
                facility_types=("deposit",),
            )
            for site in sites
        ]

    def _map(self, path: Path) -> tuple[list[pyoxigraph.Triple], list[RowProblem], list[_Site]]:
        files = self.files(path)
        loaded = [(file, part, self.load_json(file)) for file, part in files]  # every file read before mapping
        index = self.index()
        ids, entities = self._lookups()
        triples: list[pyoxigraph.Triple] = []
        problems: list[RowProblem] = []
        sites: list[_Site] = []
        seen: dict[str, str] = {}
        for file, part, records in loaded:
            label = source_file_label(file)
            for n, record in enumerate(records, start=1):
                mapper = _SiteMapper(label, n, part, index, ids, entities, problems)
                site = mapper.map(record, seen)
                triples += mapper.triples
                if site is not None:
                    sites.append(site)
        return list(dict.fromkeys(triples)), problems, sites


class _SiteMapper:
    """Maps one MineralSite record; collects its triples and problems."""

    def __init__(self, file: str, n: int, part: str, index: CommodityIndex, ids: dict[str, NamedNode],
                 entities: _Entities, problems: list[RowProblem]) -> None:
        self.file, self.n, self.part = file, n, part
        self.index, self.ids, self.entities = index, ids, entities
        self.problems = problems
        self.triples: list[pyoxigraph.Triple] = []
        self.record_node = iris.source_record(SITES_GRAPH, n, part)

    def problem(self, column: str | None, value: object, reason: str) -> None:
        text = value if isinstance(value, str) or value is None else json.dumps(value, ensure_ascii=False)
        self.problems.append(RowProblem(self.file, self.n, column, text, reason))

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.triples.append(pyoxigraph.Triple(subject, predicate, obj))

    # -----------------------------------------------------------------------------------------------------------

    def _source_record(self, record: object) -> None:
        raw = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        node = self.record_node
        self.add(node, RDF_TYPE, iris.term("SourceRecord"))
        self.add(node, RDFS_LABEL, string(f"{self.file}, record {self.n}"))
        self.add(node, iris.term("sourceRow"), integer(self.n))
        self.add(node, iris.term("sourceFile"), string(self.file))
        self.add(node, iris.ns("dct", "isPartOf"), iris.graph(SITES_GRAPH))
        if len(raw) > RAW_LIMIT:
            self.add(node, iris.term("rawValue"), string(raw[:RAW_LIMIT]))
            self.add(node, iris.term("note"), string(
                f"cm:rawValue holds the first {RAW_LIMIT} of the record's {len(raw)} characters (compact JSON)."))
        else:
            self.add(node, iris.term("rawValue"), string(raw))

    def map(self, record: object, seen: dict[str, str]) -> _Site | None:
        self._source_record(record)
        if not isinstance(record, dict):
            self.problem(None, record, "not a MineralSite object")
            return None
        source_id, record_id = record.get("source_id"), record.get("record_id")
        if not isinstance(source_id, str) or not source_id.strip() or record_id is None or record_id == "":
            self.problem("source_id", record.get("source_id"), "a site needs a source_id and a record_id")
            return None
        record_id = str(record_id)
        key = facility_key(source_id, record_id)
        where = f"{self.file}, record {self.n}"
        if key in seen:
            self.problem("record_id", record_id, f"the same source_id and record_id were already given in {seen[key]}")
            return None
        seen[key] = where
        name = record.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem("name", name, "no name; the record_id is used as the label")
            name = record_id
        node = iris.facility(key)
        aliases = tuple(a.strip() for a in record.get("aliases") or [] if isinstance(a, str) and a.strip())
        site = _Site(record_id, key, name.strip(), aliases)
        for cls in ("Deposit",):
            self.add(node, RDF_TYPE, iris.term(cls))
        self.add(node, iris.term("facilityType"), iris.concept("facility-type", "deposit"))
        self.add(node, RDFS_LABEL, string(name.strip()))
        for alias in aliases:
            self.add(node, SKOS["altLabel"], string(alias))
        self.add(node, iris.term("minmodSourceId"), string(source_id))
        self.add(node, iris.term("minmodRecordId"), string(record_id))
        self.add(node, PROV_WAS_DERIVED_FROM, self.record_node)
        for i, reference in enumerate(_as_list(record.get("reference"))):
            document = self._document(reference, f"reference[{i}]")
            if document is not None:
                self.add(node, DCT_SOURCE, document)
        self._location(node, site, record.get("location_info"))
        self._deposit_types(node, key, record.get("deposit_type_candidate"))
        inventory = record.get("mineral_inventory")
        if inventory is not None and not isinstance(inventory, list):
            self.problem("mineral_inventory", inventory, "not a list")
            inventory = []
        for i, entry in enumerate(inventory or []):
            self._inventory(node, site, i, entry)
        for commodity in dict.fromkeys(site.commodities):
            self.add(node, iris.term("commodity"), commodity)
        return site

    # -----------------------------------------------------------------------------------------------------------

    def _location(self, node: NamedNode, site: _Site, info: object) -> None:
        if not isinstance(info, dict):
            if info is not None:
                self.problem("location_info", info, "not an object")
            return
        countries = _as_list(info.get("country"))
        if countries:
            candidate = countries[0] if isinstance(countries[0], dict) else {}
            qid = _q(candidate.get("normalized_uri"))
            observed = candidate.get("observed_name")
            alpha3 = self.entities.countries.get(qid or "")
            country = iris.country(alpha3) if alpha3 else None
            if country is None and isinstance(observed, str):
                country = resolve_country(observed)
            if country is None:
                self.problem("location_info.country[0]", candidate,
                             "country not in MinMod's country.csv and its observed name is not a known country")
            else:
                site.country = country
                self.add(node, iris.term("country"), country)
            if isinstance(observed, str) and observed.strip():
                self.add(node, iris.term("countryAsObserved"), string(observed))
            self._confidence(node, "countryConfidence", candidate.get("confidence"), "location_info.country[0]")
        for region in _as_list(info.get("state_or_province"))[:1]:
            if isinstance(region, dict) and isinstance(region.get("observed_name"), str):
                self.add(node, iris.ns("schema", "addressRegion"), string(region["observed_name"]))
        location = info.get("location")
        if location is None:
            return
        crs = info.get("crs")
        crs_id = _q(crs.get("normalized_uri")) if isinstance(crs, dict) else None
        if crs_id not in (None, "Q701"):
            self.problem("location_info.crs", crs, "coordinates not in EPSG:4326 (MinMod Q701) are not mapped")
            return
        parsed = parse_wkt(location) if isinstance(location, str) else None
        if parsed is None:
            self.problem("location_info.location", location,
                         "not a WKT POINT or POLYGON with longitudes -180..180 and latitudes -90..90")
            return
        kind, points = parsed
        geometry = iris.facility_part(site.key, "geometry")
        self.add(node, iris.ns("geo", "hasGeometry"), geometry)
        self.add(geometry, RDF_TYPE, iris.ns("geo", "Geometry"))
        self.add(geometry, iris.ns("geo", "asWKT"), Literal(location, datatype=WKT))
        if kind == "POINT":
            lon, lat = points[0]
            self.add(node, iris.ns("schema", "latitude"), decimal(Decimal(str(lat))))
            self.add(node, iris.ns("schema", "longitude"), decimal(Decimal(str(lon))))
        else:
            match = POLYGON.match(location)
            outer = RING.findall(match.group(1))[0] if match else ""
            ring = [tuple(float(v) for v in pair.split()) for pair in outer.split(",")]
            lon, lat = centroid([(p[0], p[1]) for p in ring[:-1]] or [(p[0], p[1]) for p in ring])
        site.latitude, site.longitude = lat, lon

    def _confidence(self, node: NamedNode, prop: str, value: object, column: str) -> None:
        if value is None:
            return
        number = _decimal_of(value)
        if number is None or not 0 <= number <= 1:
            self.problem(f"{column}.confidence", value, "confidence is not a number between 0 and 1")
            return
        self.add(node, iris.term(prop), decimal(number))

    def _deposit_types(self, node: NamedNode, key: str, candidates: object) -> None:
        for i, candidate in enumerate(_as_list(candidates)):
            column = f"deposit_type_candidate[{i}]"
            if not isinstance(candidate, dict):
                self.problem(column, candidate, "not an object")
                continue
            cnode = iris.facility_part(key, f"deposit-type-candidate-{i + 1}")
            self.add(node, iris.term("depositTypeCandidate"), cnode)
            self.add(cnode, RDF_TYPE, iris.term("DepositTypeCandidate"))
            self.add(cnode, PROV_WAS_DERIVED_FROM, self.record_node)
            observed = candidate.get("observed_name")
            if isinstance(observed, str) and observed.strip():
                self.add(cnode, iris.term("observedName"), string(observed))
            self._confidence(cnode, "depositTypeConfidence", candidate.get("confidence"), column)
            if isinstance(candidate.get("source"), str):
                self.add(cnode, iris.term("candidateSource"), string(candidate["source"]))
            qid = _q(candidate.get("normalized_uri"))
            type_key = self.entities.deposit_types.get(qid or "")
            if type_key is None and isinstance(observed, str):
                type_key = self.entities.deposit_type_names.get(normalise_name(observed))
            if type_key is None:
                reason = (f"MinMod id {qid} is not in deposit_type.csv" if qid else
                          "not normalised by MinMod and not the name of a MinMod deposit type")
                self.problem(column, observed if qid is None else candidate.get("normalized_uri"), reason)
                continue
            concept = iris.concept("deposit-type", type_key)
            self.add(cnode, iris.term("depositType"), concept)
            self.add(node, iris.term("depositType"), concept)

    def _document(self, reference: object, column: str) -> NamedNode | None:
        document = reference.get("document") if isinstance(reference, dict) else None
        key = document_key(document) if isinstance(document, dict) else None
        if key is None:
            self.problem(f"{column}.document", document, "a reference without a DOI or URI")
            return None
        assert isinstance(document, dict)
        node = iris.document(key)
        title = document.get("title")
        uri = document.get("uri")
        doi = document.get("doi")
        self.add(node, RDF_TYPE, iris.term("Document"))
        self.add(node, RDFS_LABEL, string((title or uri or doi).strip()))
        if isinstance(title, str) and title.strip():
            self.add(node, iris.ns("dct", "title"), string(title.strip()))
        if isinstance(doi, str) and doi.strip():
            self.add(node, iris.ns("dct", "identifier"), string(doi.strip()))
        if isinstance(uri, str) and re.match(r"^https?://\S+$", uri.strip()):
            self.add(node, iris.ns("schema", "url"), NamedNode(uri.strip()))
        return node

    # -----------------------------------------------------------------------------------------------------------

    def _commodity(self, value: object, column: str) -> NamedNode | None:
        if not isinstance(value, dict):
            self.problem(column, value, "no commodity")
            return None
        qid = _q(value.get("normalized_uri"))
        observed = value.get("observed_name")
        concept = self.ids.get(qid or "")
        if concept is None and qid in self.entities.commodity_names:
            concept = self.index.resolve(self.entities.commodity_names[qid])
        if concept is None and isinstance(observed, str):
            concept = self.index.resolve(observed)
        if concept is None:
            if qid:
                name = self.entities.commodity_names.get(qid, "?")
                self.problem(column, value.get("normalized_uri"), f"no critmin concept for MinMod commodity {qid} "
                             f"{name!r}")
            else:
                self.problem(column, observed, "commodity not normalised by MinMod and not a critmin commodity name")
        return concept

    def _inventory(self, site_node: NamedNode, site: _Site, i: int, entry: object) -> None:
        base = f"mineral_inventory[{i}]"
        if not isinstance(entry, dict):
            self.problem(base, entry, "not an object")
            return
        commodity = self._commodity(entry.get("commodity"), f"{base}.commodity")
        categories = [c for c in _as_list(entry.get("category")) if c]
        ore, grade = entry.get("ore"), entry.get("grade")
        if not categories and not isinstance(ore, dict) and not isinstance(grade, dict):
            if commodity is not None:  # only names a commodity of the site
                site.commodities.append(commodity)
            return
        keys: list[str] = []
        for j, category in enumerate(categories):
            cid = _q(category.get("normalized_uri")) if isinstance(category, dict) else None
            if cid is None:
                self.problem(f"{base}.category[{j}]", category, "category not normalised by MinMod")
                continue
            keys.append(category_key(cid))
        if keys and set(keys) <= RESERVE_CATEGORIES:
            cls, kind = "ReservesObservation", "reserves"
        elif set(keys) <= RESOURCE_CATEGORIES:
            cls, kind = "ResourcesObservation", "resources"
        else:
            self.problem(f"{base}.category", [c.get("normalized_uri") for c in categories if isinstance(c, dict)],
                         "categories are neither all resources nor all reserves")
            return
        if commodity is None:
            return
        site.commodities.append(commodity)
        node = iris.site_inventory(SITES_GRAPH, site.key, i + 1)
        commodity_value = entry["commodity"]
        label = f"{site.name}: {commodity_value.get('observed_name') or iris.key_of(commodity)}, " + (
            "+".join(keys) if keys else "uncategorised") + f" ({kind})"
        self.add(node, RDF_TYPE, iris.term(cls))
        self.add(node, RDF_TYPE, iris.term("Observation"))
        self.add(node, RDFS_LABEL, string(label))
        self.add(node, iris.term("facility"), site_node)
        self.add(node, iris.term("commodity"), commodity)
        self.add(node, iris.term("quantityKind"), iris.concept("quantity-kind", kind))
        self.add(node, iris.term("valueStatus"), iris.concept("value-status", "reported"))
        self.add(node, PROV_WAS_DERIVED_FROM, self.record_node)
        if site.country is not None:
            self.add(node, iris.term("refArea"), site.country)
        if isinstance(commodity_value.get("observed_name"), str):
            self.add(node, iris.term("commodityAsObserved"), string(commodity_value["observed_name"]))
        self._confidence(node, "commodityConfidence", commodity_value.get("confidence"), f"{base}.commodity")
        for key in dict.fromkeys(keys):
            self.add(node, iris.term("resourceCategory"), iris.concept("resource-category", key))
        for category in categories:
            if isinstance(category, dict) and isinstance(category.get("observed_name"), str):
                self.add(node, iris.term("categoryAsObserved"), string(category["observed_name"]))
        self._ore(node, ore, f"{base}.ore")
        self._grade(node, grade, f"{base}.grade", "grade", "gradeUnit")
        self._grade(node, entry.get("cutoff_grade"), f"{base}.cutoff_grade", "cutoffGrade", "cutoffGradeUnit")
        self._date(node, entry.get("date"), f"{base}.date")
        if isinstance(entry.get("zone"), str) and entry["zone"].strip():
            self.add(node, iris.term("zone"), string(entry["zone"]))
        reference = entry.get("reference")
        if reference is not None:
            document = self._document(reference, f"{base}.reference")
            if document is not None:
                self.add(node, DCT_SOURCE, document)
            pages = [str(p.get("page")) for p in _as_list(reference.get("page_info") if isinstance(reference, dict)
                                                            else None) if isinstance(p, dict) and "page" in p]
            if pages:
                self.add(node, iris.term("sourcePages"), string(", ".join(pages)))

    def _unit_id(self, value: dict, column: str) -> tuple[str | None, str | None]:
        """(MinMod unit id, unit as written) of a value's unit; reports a unit that MinMod did not normalise."""
        unit = value.get("unit")
        if unit is None:
            return None, None
        if not isinstance(unit, dict):
            self.problem(f"{column}.unit", unit, "not a unit object")
            return None, None
        qid = _q(unit.get("normalized_uri"))
        observed = unit.get("observed_name") if isinstance(unit.get("observed_name"), str) else None
        if qid is None or qid not in self.entities.units:
            self.problem(f"{column}.unit", unit.get("normalized_uri") or observed,
                         "unit not normalised to a MinMod unit" if qid is None else f"MinMod unit {qid} unknown")
            return None, observed
        return qid, observed

    def _number(self, value: dict, column: str) -> Decimal | None:
        if "value" not in value or value["value"] is None:
            self.problem(f"{column}.value", None, "no value")
            return None
        number = _decimal_of(value["value"])
        if number is None:
            self.problem(f"{column}.value", str(value["value"]), "not a number")
        elif number < 0:
            self.problem(f"{column}.value", str(value["value"]), "a negative amount")
            return None
        return number

    def _ore(self, node: NamedNode, ore: object, column: str) -> None:
        if ore is None:
            return
        if not isinstance(ore, dict):
            self.problem(column, ore, "not an object")
            return
        number = self._number(ore, column)
        qid, observed = self._unit_id(ore, column)
        if number is None:
            return
        if qid is None:
            if ore.get("unit") is None:
                self.problem(f"{column}.unit", None, "an ore amount without a unit is not mapped")
            return
        if qid not in ORE_UNITS:
            self.problem(f"{column}.unit", MMR + qid, "not a mass unit (tonnes or million tonnes)")
            return
        unit, factor = ORE_UNITS[qid]
        self.add(node, QUDT_VALUE, decimal(number * factor))
        self.add(node, QUDT_UNIT, iris.ns("unit", unit))
        self.add(node, iris.term("sourceUnit"), string(observed or self.entities_unit_name(qid)))

    def entities_unit_name(self, qid: str) -> str:
        return self.entities.units[qid].replace("-", " ")

    def _grade(self, node: NamedNode, grade: object, column: str, value_prop: str, unit_prop: str) -> None:
        if grade is None:
            return
        if not isinstance(grade, dict):
            self.problem(column, grade, "not an object")
            return
        number = self._number(grade, column)
        qid, _ = self._unit_id(grade, column)
        if number is None:
            return
        if qid is None and grade.get("unit") is None:
            self.problem(f"{column}.unit", None, "a grade without a unit (value kept, unit unknown)")
        self.add(node, iris.term(value_prop), decimal(number))
        if qid is not None:
            self.add(node, iris.term(unit_prop), iris.concept("unit", self.entities.units[qid]))

    def _date(self, node: NamedNode, value: object, column: str) -> None:
        if value is None:
            return
        match = DATE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            self.problem(column, value, "not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
            return
        self.add(node, iris.term("refYear"), g_year(match.group(1)))
        if match.group(3):
            self.add(node, iris.ns("dct", "date"),
                     Literal(f"{match.group(1)}-{match.group(2)}-{match.group(3)}", datatype=NamedNode(XSD + "date")))


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


VOCABULARIES = MinmodVocabulariesFeed()
SITES = MinmodSitesFeed()
FEEDS: Iterable = (VOCABULARIES, SITES)
