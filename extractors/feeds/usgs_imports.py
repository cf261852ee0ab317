"""Feed ``usgs-mcs2025-import-sources``: US net import reliance by commodity and its major import sources.

Reads ``industry_trends/MCS2025_Fig2_Net_Import_Reliance.csv`` of the USGS MCS 2025 data release (Figure 2: one row
per commodity, ordered by net import reliance). Required columns: ``Commodity``, ``Import_Share_Order``, a
``Net_Import_Reliance_pct_{year}`` column and a ``Major_Import_Sources_{first}_{last}`` column; ``Notes`` is kept.

Per row: a ``cm:SourceRecord`` (``cmid:record/usgs-mcs2025-import-sources/row-N``). Per row with a value: a
``cm:StatisticObservation`` (US, commodity, year from the column name, ``cm:quantityKind
cmid:salient-measure/net-import-reliance``, ``qudt:unit unit:PERCENT``; ">95" -> 95 with ``cm:valueBound "lower"``,
"<50" -> upper; "E" -> status net-exporter, no number), ``cm:measure`` the commodity cell verbatim (it names the form:
"COBALT, metal, oxides, and salts"), ``cm:note`` the Notes cell. Per listed country: a ``cm:ImportSource``
``cmid:import-source/usgs-mcs2025-import-sources/{commodity}/USA/{exporter}/{form and period}`` with ``cm:importer
country:USA``, ``cm:exporter``, ``cm:commodity``, ``cm:rank`` (position in the list: the notes say "Descending order
of import share"), ``cm:period`` (from the column name, "2020-2023") and ``prov:wasDerivedFrom`` the record.

Decisions:

* Commodity: the part of the cell before the first comma ("COBALT" of "COBALT, metal, oxides, and salts"), through the
  commodity index; if that fails, the whole cell. Not resolved -> RowProblem (column ``Commodity``), nothing mapped
  for the row (two rows of one commodity in different forms, e.g. the mica rows, give two observations whose IRIs
  differ by the measure).
* Countries: split on commas, trimmed; a trailing footnote digit glued to a name ("China3") is dropped and said in
  ``cm:note``. Names go through :func:`kg.countries.resolve_country`, "Republic of X" also as "X, Republic of"
  (pycountry's form: "Korea, Republic of"); an unknown name is
  a RowProblem for that name only (the other sources of the row are kept, ranks keep their list position).
* ``Import_Share_Order`` orders the commodities by reliance (the figure's row order), not import shares; it is kept
  only in the record's raw text.
* The import source IRI ends with the slug of the commodity cell and the period
  (``.../mica/USA/CHN/mica-natural-sheet-2020-2023``), since one commodity can have rows for several forms.
"""

from __future__ import annotations

import re
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
    decimal,
    default_data_file,
    g_year,
    integer,
    read_csv,
    source_record_triples,
    string,
    text_en,
    triple,
)
from extractors.feeds.usgs_values import NET_EXPORTER, USGS_MCS2025_RELEASE, collapse, parse_signed_number, status_word
from kg import iris
from kg.commodity_index import CommodityIndex
from kg.countries import resolve_country

GRAPH_NAME = "usgs-mcs2025-import-sources"
REQUIRED = ("Commodity", "Import_Share_Order")
NIR_HEADER = re.compile(r"^Net_Import_Reliance_pct_(\d{4})$", re.IGNORECASE)
SOURCES_HEADER = re.compile(r"^Major_Import_Sources_(\d{4})_(\d{4})$", re.IGNORECASE)
FOOTNOTE = re.compile(r"^(.*?[A-Za-z)])(\d)$")
USA = iris.country("USA")


class UsgsImportSourcesFeed(CommodityResolvingFeed):
    name = GRAPH_NAME
    description = "USGS Mineral Commodity Summaries 2025: US net import reliance and major import sources (Fig. 2)"

    @property
    def default_file(self) -> Path:
        return default_data_file("usgs-mcs2025/industry_trends/MCS2025_Fig2_Net_Import_Reliance.csv")

    def read(self, path: Path) -> FeedOutput:
        table = read_csv(path, REQUIRED)
        nir = next(((h, int(m.group(1))) for h in table.header if (m := NIR_HEADER.match(h))), None)
        sources = next(((h, f"{m.group(1)}-{m.group(2)}") for h in table.header if (m := SOURCES_HEADER.match(h))),
                       None)
        if nir is None or sources is None:
            raise FeedError(
                f"{table.file}: missing column(s) 'Net_Import_Reliance_pct_{{year}}' and/or "
                f"'Major_Import_Sources_{{first}}_{{last}}'; the header has {table.header!r}"
            )
        index = self.index()
        triples: list[pyoxigraph.Triple] = []
        problems = list(table.problems)
        seen: dict[str, int] = {}
        for record in table.records:
            record_node, record_triples = source_record_triples(GRAPH_NAME, record, table.file)
            triples += record_triples
            if record.values is not None:
                triples += self._map_row(record, record_node, table.file, nir, sources, index, problems, seen)
        metadata = DatasetMetadata(
            title="USGS Mineral Commodity Summaries 2025 - US net import reliance and major import sources",
            description=(
                "US net import reliance in 2024 by commodity and the major import sources 2020-2023 in descending "
                f"order of import share, from Figure 2 of the USGS MCS 2025 data release ({path.name})."
            ),
            **USGS_MCS2025_RELEASE,
            source_file=path,
        )
        return FeedOutput(GRAPH_NAME, list(dict.fromkeys(triples)), len(table.records), problems, metadata)

    # -----------------------------------------------------------------------------------------------------------

    @staticmethod
    def resolve_commodity(text: str, index: CommodityIndex) -> NamedNode | None:
        head = text.split(",", 1)[0].strip()
        return index.resolve(head) or index.resolve(text)

    def _map_row(self, record: CsvRecord, record_node: NamedNode, file: str, nir: tuple[str, int],
                 sources: tuple[str, str], index: CommodityIndex, problems: list[RowProblem],
                 seen: dict[str, int]) -> list[pyoxigraph.Triple]:
        values = record.values or {}
        commodity_text = collapse(values["Commodity"])
        commodity = self.resolve_commodity(commodity_text, index) if commodity_text else None
        if commodity is None:
            problems.append(RowProblem(file, record.row, "Commodity", values["Commodity"],
                                       "no commodity concept has this name (or its part before the first comma) as a "
                                       "label"))
            return []
        key = iris.key_of(commodity)
        note = collapse(values.get("Notes", ""))
        triples: list[pyoxigraph.Triple] = []

        nir_header, year = nir
        cell = collapse(values.get(nir_header, ""))
        if cell:
            number = parse_signed_number(cell)
            status = None
            if number is None:
                status = "net-exporter" if cell.lower() == NET_EXPORTER else status_word(cell)
            if number is None and status is None:
                problems.append(RowProblem(file, record.row, nir_header, values[nir_header],
                                           "not a number, >n, <n, E (net exporter), W or NA"))
            else:
                node = iris.observation(GRAPH_NAME, key, commodity_text, "USA", year, "net-import-reliance")
                if node.value in seen:
                    problems.append(RowProblem(file, record.row, nir_header, values[nir_header],
                                               f"the same observation was already given by row {seen[node.value]}"))
                else:
                    seen[node.value] = record.row
                    triples += [
                        triple(node, RDF_TYPE, iris.term("StatisticObservation")),
                        triple(node, RDF_TYPE, iris.term("Observation")),
                        triple(node, RDFS_LABEL, text_en(f"US net import reliance, {commodity_text}, {year}")),
                        triple(node, iris.term("commodity"), commodity),
                        triple(node, iris.term("refArea"), USA),
                        triple(node, iris.term("refYear"), g_year(year)),
                        triple(node, iris.term("quantityKind"), iris.salient_measure("net-import-reliance")),
                        triple(node, iris.term("measure"), string(commodity_text)),
                        triple(node, iris.term("sourceUnit"), string("pct")),
                        triple(node, iris.term("valueStatus"), iris.concept("value-status", status or "reported")),
                        triple(node, PROV_WAS_DERIVED_FROM, record_node),
                    ]
                    if note:
                        triples.append(triple(node, iris.term("note"), string(note)))
                    if number is not None:
                        value, bound = number
                        triples += [
                            triple(node, iris.ns("qudt", "numericValue"), decimal(value)),
                            triple(node, iris.ns("qudt", "unit"), iris.ns("unit", "PERCENT")),
                        ]
                        if bound:
                            triples.append(triple(node, iris.term("valueBound"), string(bound)))

        sources_header, period = sources
        names = [collapse(n) for n in values.get(sources_header, "").split(",")]
        for rank, name in enumerate((n for n in names if n), start=1):
            footnote = None
            country = resolve_country(name)
            if country is None and name.lower().startswith("republic of "):
                country = resolve_country(f"{name[len('republic of '):]}, Republic of")  # pycountry's official form
            if country is None and (match := FOOTNOTE.match(name)):
                country = resolve_country(match.group(1))
                footnote = match.group(2) if country is not None else None
            if country is None:
                problems.append(RowProblem(file, record.row, sources_header, name, "not a known country name"))
                continue
            exporter = iris.key_of(country)
            node = iris.import_source(GRAPH_NAME, key, "USA", exporter, f"{commodity_text} {period}")
            if node.value in seen:
                problems.append(RowProblem(file, record.row, sources_header, name,
                                           f"the same import source was already given by row {seen[node.value]}"))
                continue
            seen[node.value] = record.row
            triples += [
                triple(node, RDF_TYPE, iris.term("ImportSource")),
                triple(node, RDFS_LABEL,
                       text_en(f"US imports of {commodity_text} from {name}, {period} (rank {rank})")),
                triple(node, iris.term("importer"), USA),
                triple(node, iris.term("exporter"), country),
                triple(node, iris.term("commodity"), commodity),
                triple(node, iris.term("rank"), integer(rank)),
                triple(node, iris.term("period"), string(period)),
                triple(node, iris.term("measure"), string(commodity_text)),
                triple(node, PROV_WAS_DERIVED_FROM, record_node),
            ]
            if footnote:
                triples.append(triple(node, iris.term("note"), string(
                    f"the source writes {name!r}: footnote mark {footnote} after the country name")))
        return triples


FEED = UsgsImportSourcesFeed()
