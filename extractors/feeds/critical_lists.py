"""Feed ``critical-mineral-lists``: published criticality lists (``lists.csv``) and their entries (``members.csv``).

``read(path)`` takes ``lists.csv``; ``members.csv`` is read from the same folder.

Lists: ``cmid:list/{list_id}`` a ``cm:CriticalityList`` with ``dct:title``, ``dct:issued`` (``xsd:gYear``),
``dct:publisher`` -> a ``cm:GovernmentBody`` ``cmid:org/{slug of the issuer as written}`` labelled with the issuer
text verbatim (one node per distinct issuer text; "BGS / BEIS (...)" stays one node until organisations are
reconciled), ``cm:jurisdiction`` (EU -> ``cmid:place/eu``, US/India/UK -> the country, else the country name
resolved), ``cm:listKind`` (id ending ``_SRM`` -> strategic, id containing ``WATCHLIST`` -> watchlist, else critical),
``cm:officialMemberCount``, ``cm:recordedMemberCount`` (memberships mapped from members.csv), ``cm:isComplete`` (true
only when the completeness column starts with "complete" AND the two counts agree), ``cm:completenessNote`` and
``dct:source`` verbatim.

Lists that members.csv names but lists.csv does not declare: ``{X}_WATCHLIST`` where ``X`` is declared is created
from ``X``'s row (kind watchlist, same jurisdiction, year and publisher, title "Watchlist published with: ...",
official count from "watchlist of N" in ``X``'s title, ``dct:relation`` to ``X``); this covers ``UK_2021_WATCHLIST``.
Any other undeclared list id makes each of its member rows a RowProblem.

Members: ``cmid:membership/{list_id}/{slug}`` a ``cm:ListMembership`` with ``cm:inList``, ``cm:memberAsNamed``
(verbatim), ``cm:gradeQualifier`` ("battery grade", "metallurgy grade", "metal"), ``rdfs:comment`` (the note), one or
more ``cm:commodity``, and ``list cm:includes commodity``. Names are resolved through the commodity index (the
labels of ``ontology/commodities.ttl``): first the whole name, then the name without its grade qualifier, then, for
"a/b/c", each part (parts that resolve are kept; a part that does not is reported), and for "... (Nd, Pr, Tb)" each
element symbol via ``cm:elementSymbol``. A member that resolves to nothing is a RowProblem and gets no membership.

Source records: both files go into this one graph, so their rows are ``cmid:record/critical-mineral-lists/lists/row-N``
and ``.../members/row-N`` (:func:`kg.iris.source_record` with ``part``). Each list and membership has
``prov:wasDerivedFrom`` its row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from extractors.feeds.base import (
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    CommodityResolvingFeed,
    CsvRecord,
    DatasetMetadata,
    FeedError,
    FeedOutput,
    RowProblem,
    boolean,
    default_data_file,
    g_year,
    integer,
    read_csv,
    source_record_triples,
    string,
    text_en,
    triple,
)
from kg import iris
from kg.commodity_index import CommodityIndex
from kg.countries import EU, resolve_country

GRAPH_NAME = "critical-mineral-lists"
LIST_COLUMNS = (
    "list_id",
    "jurisdiction",
    "issuer",
    "title",
    "year",
    "member_count_official",
    ("completeness_in_members_csv", "completeness"),
    "source",
)
MEMBER_COLUMNS = ("list_id", "member_as_named", "note")
JURISDICTIONS = {"eu": iris.place(EU), "european union": iris.place(EU), "us": iris.country("USA"),
                 "usa": iris.country("USA"), "india": iris.country("IND"), "uk": iris.country("GBR")}
GRADE = re.compile(r"\s*\((battery grade|metallurgy grade|metal grade)\)\s*$", re.IGNORECASE)
METAL = re.compile(r"^(.*\S)\s+(metal)$", re.IGNORECASE)
SYMBOL_LIST = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
SYMBOL = re.compile(r"^[A-Z][a-z]?$")
WATCHLIST_OF = re.compile(r"watchlist of (\d+)", re.IGNORECASE)
DCT = "dct"


@dataclass
class _List:
    list_id: str
    node: NamedNode
    record: NamedNode
    completeness: str
    official: int | None
    triples: list = field(default_factory=list)


@dataclass
class _Resolution:
    commodities: list[NamedNode]
    qualifier: str | None
    unresolved_parts: list[str]


class CriticalListsFeed(CommodityResolvingFeed):
    name = GRAPH_NAME
    description = "Critical and strategic mineral lists of the EU, the US, India and the UK, and their members"

    @property
    def default_file(self) -> Path:
        return default_data_file("critical-mineral-lists/lists.csv")


    def read(self, path: Path) -> FeedOutput:
        members_path = path.with_name("members.csv")
        lists_table = read_csv(path, LIST_COLUMNS)
        if not members_path.exists():
            raise FeedError(f"{members_path} (read beside {path.name}) does not exist")
        members_table = read_csv(members_path, MEMBER_COLUMNS)
        index = self.index()

        triples = []
        problems = [*lists_table.problems, *members_table.problems]
        lists: dict[str, _List] = {}
        rows_by_id: dict[str, CsvRecord] = {}

        for record in lists_table.records:
            node, record_triples = source_record_triples(GRAPH_NAME, record, lists_table.file, "lists")
            triples += record_triples
            if record.values is None:
                continue
            mapped = self._map_list(record, node, lists_table.file, problems)
            if mapped is not None:
                if mapped.list_id in lists:
                    problems.append(RowProblem(lists_table.file, record.row, "list_id", mapped.list_id,
                                               "list_id declared twice; this row is ignored"))
                    continue
                lists[mapped.list_id] = mapped
                rows_by_id[mapped.list_id] = record

        members_by_list: dict[str, int] = defaultdict(int)
        includes: dict[str, set[str]] = defaultdict(set)
        seen_memberships: set[str] = set()
        for record in members_table.records:
            record_node, record_triples = source_record_triples(GRAPH_NAME, record, members_table.file, "members")
            triples += record_triples
            if record.values is None:
                continue
            values = record.values
            list_id = values["list_id"].strip()
            named = values["member_as_named"]
            if list_id not in lists:
                derived = self._derive_list(list_id, lists, rows_by_id)
                if derived is None:
                    problems.append(RowProblem(members_table.file, record.row, "list_id", list_id,
                                               "list_id is not declared in lists.csv"))
                    continue
                lists[list_id] = derived
            if not named.strip():
                problems.append(RowProblem(members_table.file, record.row, "member_as_named", named, "empty member"))
                continue
            resolution = self._resolve_member(named, index)
            if not resolution.commodities:
                problems.append(RowProblem(members_table.file, record.row, "member_as_named", named,
                                           "no commodity concept has this name (or its parts) as a label"))
                continue
            for part in resolution.unresolved_parts:
                problems.append(RowProblem(
                    members_table.file, record.row, "member_as_named", named,
                    f"part {part!r} matches no commodity concept; the membership keeps the parts that do",
                ))
            node = iris.membership(list_id, named)
            if node.value in seen_memberships:
                problems.append(RowProblem(members_table.file, record.row, "member_as_named", named,
                                           "the same member is listed twice in this list; this row is ignored"))
                continue
            seen_memberships.add(node.value)
            list_node = lists[list_id].node
            triples += [
                triple(node, RDF_TYPE, iris.term("ListMembership")),
                triple(node, RDFS_LABEL, text_en(f"{named.strip()} ({list_id})")),
                triple(node, iris.term("inList"), list_node),
                triple(node, iris.term("memberAsNamed"), string(named)),
                triple(node, PROV_WAS_DERIVED_FROM, record_node),
            ]
            if resolution.qualifier:
                triples.append(triple(node, iris.term("gradeQualifier"), string(resolution.qualifier)))
            note = values.get("note", "")
            if note.strip():
                triples.append(triple(node, RDFS_COMMENT, string(note)))
            for commodity in resolution.commodities:
                triples.append(triple(node, iris.term("commodity"), commodity))
                includes[list_id].add(commodity.value)
            members_by_list[list_id] += 1

        for list_id, entry in lists.items():
            recorded = members_by_list.get(list_id, 0)
            complete = entry.completeness.strip().lower().startswith("complete") and entry.official == recorded
            triples += entry.triples
            triples += [
                triple(entry.node, iris.term("recordedMemberCount"), integer(recorded)),
                triple(entry.node, iris.term("isComplete"), boolean(complete)),
            ]
            triples += [triple(entry.node, iris.term("includes"), NamedNode(c)) for c in sorted(includes[list_id])]

        metadata = DatasetMetadata(
            title="Critical-mineral lists (EU, US, India, UK)",
            description=(
                "Published criticality lists - EU Critical Raw Materials Act 2024 (strategic and critical), USGS 2022 "
                "and 2025, India 2023, UK 2021 (with its watchlist) and UK 2024 (partial: 14 of 34 entered) - and "
                "their members as each list names them, mapped to commodity concepts."
            ),
            source_url="https://eur-lex.europa.eu/eli/reg/2024/1252/oj",
            license_url="",
            citation=(
                "Compiled by critmin from the official texts named in lists.csv: Regulation (EU) 2024/1252 (EUR-Lex "
                "32024R1252); US Department of the Interior/USGS lists (87 FR 10381; Federal Register 2025-19813); "
                "Ministry of Mines, Government of India (2023); BGS/UK Critical Minerals Intelligence Centre (2021, "
                "OR/24/047). Facts; credit the issuing bodies."
            ),
            version="2025",
            source_file=path,
            rights=(
                "The lists are facts compiled from official publications; no licence is claimed over them. "
                "Credit the issuing bodies."
            ),
        )
        records_read = len(lists_table.records) + len(members_table.records)
        return FeedOutput(GRAPH_NAME, list(dict.fromkeys(triples)), records_read, problems, metadata)

    # -----------------------------------------------------------------------------------------------------------

    def _map_list(self, record: CsvRecord, record_node: NamedNode, file: str, problems: list) -> _List | None:
        values = record.values or {}
        list_id = values["list_id"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", list_id):
            problems.append(RowProblem(file, record.row, "list_id", values["list_id"], "not a usable list id"))
            return None
        node = iris.criticality_list(list_id)
        jurisdiction_text = values["jurisdiction"].strip()
        jurisdiction = JURISDICTIONS.get(jurisdiction_text.lower()) or resolve_country(jurisdiction_text)
        year_text = values["year"].strip()
        official_text = values["member_count_official"].strip()
        completeness = values.get("completeness_in_members_csv", values.get("completeness", ""))
        bad = False
        if jurisdiction is None:
            problems.append(RowProblem(file, record.row, "jurisdiction", jurisdiction_text, "unknown jurisdiction"))
            bad = True
        if not re.fullmatch(r"\d{4}", year_text):
            problems.append(RowProblem(file, record.row, "year", year_text, "not a four-digit year"))
            bad = True
        official: int | None = None
        if official_text:
            if official_text.isdigit():
                official = int(official_text)
            else:
                problems.append(RowProblem(file, record.row, "member_count_official", official_text,
                                           "not a whole number"))
                bad = True
        if bad:
            return None
        kind = _list_kind(list_id)
        entry = _List(list_id, node, record_node, completeness, official)
        entry.triples = self._list_triples(
            node, record_node, list_id, values["title"], year_text, values["issuer"], jurisdiction, kind,
            official, completeness, values["source"],
        )
        return entry

    def _list_triples(self, node, record_node, list_id, title, year, issuer, jurisdiction, kind, official,
                      completeness, source) -> list:
        triples = [
            triple(node, RDF_TYPE, iris.term("CriticalityList")),
            triple(node, RDFS_LABEL, text_en(f"{list_id}: {title.strip()}")),
            triple(node, iris.ns(DCT, "identifier"), string(list_id)),
            triple(node, iris.ns(DCT, "title"), text_en(title.strip())),
            triple(node, iris.ns(DCT, "issued"), g_year(year)),
            triple(node, iris.term("jurisdiction"), jurisdiction),
            triple(node, iris.term("listKind"), iris.concept("list-kind", kind)),
            triple(node, iris.term("completenessNote"), string(completeness)),
            triple(node, iris.ns(DCT, "source"), string(source)),
            triple(node, PROV_WAS_DERIVED_FROM, record_node),
        ]
        if official is not None:
            triples.append(triple(node, iris.term("officialMemberCount"), integer(official)))
        if issuer.strip():
            org = iris.organization(issuer)
            triples += [
                triple(node, iris.ns(DCT, "publisher"), org),
                triple(org, RDF_TYPE, iris.term("GovernmentBody")),
                triple(org, RDF_TYPE, iris.term("Organization")),
                triple(org, RDFS_LABEL, text_en(issuer.strip())),
            ]
        return triples

    def _derive_list(self, list_id: str, lists: dict[str, _List], rows: dict[str, CsvRecord]) -> _List | None:
        """A watchlist named only in members.csv, built from the row of the list it was published with."""
        if not list_id.endswith("_WATCHLIST"):
            return None
        parent_id = list_id.removesuffix("_WATCHLIST")
        parent = lists.get(parent_id)
        if parent is None or parent_id not in rows:
            return None
        values = rows[parent_id].values or {}
        title = values["title"].strip()
        count = WATCHLIST_OF.search(title)
        official = int(count.group(1)) if count else None
        node = iris.criticality_list(list_id)
        completeness = values.get("completeness_in_members_csv", values.get("completeness", ""))
        note = (
            f"not declared in lists.csv; derived by critmin from the row of {parent_id}, whose title says "
            f"'{count.group(0) if count else 'watchlist'}'; completeness of {parent_id}: {completeness}"
        )
        jurisdiction_text = values["jurisdiction"].strip()
        jurisdiction = JURISDICTIONS.get(jurisdiction_text.lower()) or resolve_country(jurisdiction_text)
        entry = _List(list_id, node, parent.record, completeness, official)
        entry.triples = self._list_triples(
            node, parent.record, list_id, f"Watchlist published with: {title}", values["year"].strip(),
            values["issuer"], jurisdiction, "watchlist", official, note, values["source"],
        )
        entry.triples.append(triple(node, iris.ns(DCT, "relation"), parent.node))
        return entry

    @staticmethod
    def _resolve_member(named: str, index: CommodityIndex) -> _Resolution:
        name = named.strip()
        whole = index.resolve(name)
        qualifier = None
        base = name
        grade = GRADE.search(name)
        if grade:
            qualifier = grade.group(1).lower()
            base = name[: grade.start()].strip()
        else:
            metal = METAL.match(name)
            if metal:
                qualifier = "metal"
                base = metal.group(1)
        if whole is not None:
            return _Resolution([whole], qualifier, [])
        if base != name and (found := index.resolve(base)) is not None:
            return _Resolution([found], qualifier, [])
        symbols = SYMBOL_LIST.match(base)
        if symbols:
            tokens = [token.strip() for token in symbols.group(2).split(",") if token.strip()]
            if tokens and all(SYMBOL.match(token) for token in tokens):
                found_all: list[NamedNode] = []
                missing = []
                for token in tokens:
                    element = index.by_symbol(token)
                    if element is None:
                        missing.append(token)
                    elif element not in found_all:
                        found_all.append(element)
                return _Resolution(found_all, qualifier, missing)
        if "/" in base:
            found_parts: list[NamedNode] = []
            missing = []
            for part in (p.strip() for p in base.split("/")):
                if not part:
                    continue
                concept = index.resolve(part)
                if concept is None:
                    missing.append(part)
                elif concept not in found_parts:
                    found_parts.append(concept)
            return _Resolution(found_parts, qualifier, missing)
        return _Resolution([], qualifier, [])


def _list_kind(list_id: str) -> str:
    upper = list_id.upper()
    if "WATCHLIST" in upper:
        return "watchlist"
    if upper.endswith("_SRM"):
        return "strategic"
    return "critical"


FEED = CriticalListsFeed()
