"""The critical-mineral lists feed, against the bundled lists.csv + members.csv."""

from __future__ import annotations

import csv
import shutil

import pytest

from extractors.feeds.base import FeedError
from extractors.feeds.critical_lists import CriticalListsFeed
from kg import iris

from .conftest import PROJECT, objects, one, subjects_of_type

LISTS = PROJECT / "data/critical-mineral-lists/lists.csv"
MEMBERS = LISTS.with_name("members.csv")
GRAPH = "critical-mineral-lists"
CM = iris.term


@pytest.fixture(scope="module")
def bundled(commodity_index):
    return CriticalListsFeed(commodity_index).read(LISTS)


def count_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_row_of_both_files_has_a_source_record(bundled):
    lists_rows, member_rows = count_rows(LISTS), count_rows(MEMBERS)
    assert (lists_rows, member_rows) == (7, 228)
    assert bundled.records_read == lists_rows + member_rows
    records = subjects_of_type(bundled.triples, CM("SourceRecord"))
    expected = {iris.source_record(GRAPH, n, "lists").value for n in range(2, 2 + lists_rows)}
    expected |= {iris.source_record(GRAPH, n, "members").value for n in range(2, 2 + member_rows)}
    assert records == expected


def test_uk_2024_is_incomplete(bundled):
    uk = iris.criticality_list("UK_CMIC_2024")
    t = bundled.triples
    assert one(t, uk, CM("isComplete")).value == "false"
    assert one(t, uk, CM("officialMemberCount")).value == "34"
    assert one(t, uk, CM("recordedMemberCount")).value == "14"
    assert one(t, uk, CM("completenessNote")).value.startswith("PARTIAL - only 14 of 34")
    assert one(t, uk, CM("jurisdiction")) == iris.country("GBR")
    assert one(t, uk, CM("listKind")) == iris.concept("list-kind", "critical")


@pytest.mark.parametrize(
    ("list_id", "official", "kind", "place"),
    [
        ("EU_CRMA_2024_SRM", 17, "strategic", iris.place("eu")),
        ("EU_CRMA_2024_CRM", 34, "critical", iris.place("eu")),
        ("US_USGS_2022", 50, "critical", iris.country("USA")),
        ("US_USGS_2025", 60, "critical", iris.country("USA")),
        ("IN_MoM_2023", 30, "critical", iris.country("IND")),
        ("UK_2021", 18, "critical", iris.country("GBR")),
        ("UK_2021_WATCHLIST", 5, "watchlist", iris.country("GBR")),
    ],
)
def test_complete_lists(bundled, list_id, official, kind, place):
    node = iris.criticality_list(list_id)
    t = bundled.triples
    assert one(t, node, CM("officialMemberCount")).value == str(official)
    assert one(t, node, CM("recordedMemberCount")).value == str(official)
    assert one(t, node, CM("isComplete")).value == "true"
    assert one(t, node, CM("listKind")) == iris.concept("list-kind", kind)
    assert one(t, node, CM("jurisdiction")) == place
    assert one(t, node, iris.ns("dct", "issued")).datatype.value.endswith("#gYear")
    assert len(objects(t, node, iris.ns("dct", "publisher"))) == 1


def test_watchlist_is_derived_from_the_uk_2021_row(bundled):
    node = iris.criticality_list("UK_2021_WATCHLIST")
    t = bundled.triples
    assert one(t, node, iris.ns("dct", "issued")).value == "2021"
    assert "watchlist" in one(t, node, iris.ns("dct", "title")).value.lower()
    assert one(t, node, iris.ns("dct", "relation")) == iris.criticality_list("UK_2021")
    assert one(t, node, iris.ns("prov", "wasDerivedFrom")) == iris.source_record(GRAPH, 7, "lists")
    assert iris.commodity("nickel") in objects(t, node, CM("includes"))


def test_memberships(bundled, commodity_index):
    t = bundled.triples
    lithium = iris.membership("EU_CRMA_2024_SRM", "lithium (battery grade)")
    assert one(t, lithium, CM("memberAsNamed")).value == "lithium (battery grade)"
    assert one(t, lithium, CM("gradeQualifier")).value == "battery grade"
    assert one(t, lithium, CM("commodity")) == iris.commodity("lithium")
    assert one(t, lithium, CM("inList")) == iris.criticality_list("EU_CRMA_2024_SRM")
    assert one(t, lithium, iris.ns("prov", "wasDerivedFrom")) == iris.source_record(GRAPH, 9, "members")
    record = iris.source_record(GRAPH, 9, "members")
    assert one(t, record, CM("rawValue")).value == "EU_CRMA_2024_SRM,lithium (battery grade),"

    assert one(t, iris.membership("EU_CRMA_2024_SRM", "boron (metallurgy grade)"), CM("gradeQualifier")).value == (
        "metallurgy grade")
    magnesium = iris.membership("EU_CRMA_2024_SRM", "magnesium metal")
    assert one(t, magnesium, CM("gradeQualifier")).value == "metal"
    assert one(t, magnesium, CM("commodity")) == iris.commodity("magnesium")

    bauxite = iris.membership("EU_CRMA_2024_SRM", "bauxite/alumina/aluminium")
    found = set(objects(t, bauxite, CM("commodity")))
    assert {iris.commodity("bauxite"), iris.commodity("aluminium")} <= found

    magnets = iris.membership("EU_CRMA_2024_SRM", "rare earth elements for magnets (Nd, Pr, Tb, Dy, Gd, Sm, Ce)")
    elements = set(objects(t, magnets, CM("commodity")))
    assert elements == {commodity_index.by_symbol(s) for s in ("Nd", "Pr", "Tb", "Dy", "Gd", "Sm", "Ce")}
    srm = iris.criticality_list("EU_CRMA_2024_SRM")
    assert elements <= set(objects(t, srm, CM("includes")))

    cobalt = iris.membership("UK_CMIC_2024", "cobalt")
    assert one(t, cobalt, iris.ns("rdfs", "comment")).value == "one of the 10 highest-criticality minerals"


def test_source_spellings_resolve(bundled):
    t = bundled.triples
    assert one(t, iris.membership("US_USGS_2022", "Aluminum"), CM("commodity")) == iris.commodity("aluminium")
    assert one(t, iris.membership("US_USGS_2022", "Cesium"), CM("commodity")) == iris.commodity("caesium")
    assert one(t, iris.membership("IN_MoM_2023", "phosphorous"), CM("commodity")) == iris.commodity("phosphorus")


def test_unresolved_member_is_a_problem_and_list_incomplete(tmp_path, fixture_index):
    shutil.copy(LISTS, tmp_path / "lists.csv")
    (tmp_path / "members.csv").write_text(
        "list_id,member_as_named,note\nUK_2021,lithium,\nUK_2021,kryptonite,\nNOPE,cobalt,\n", encoding="utf-8")
    out = CriticalListsFeed(fixture_index).read(tmp_path / "lists.csv")
    problems = {(p.row, p.column, p.value) for p in out.problems}
    assert problems == {(3, "member_as_named", "kryptonite"), (4, "list_id", "NOPE")}
    uk = iris.criticality_list("UK_2021")
    assert one(out.triples, uk, CM("recordedMemberCount")).value == "1"
    assert one(out.triples, uk, CM("isComplete")).value == "false"


def test_missing_members_column_is_a_feed_error(tmp_path, fixture_index):
    shutil.copy(LISTS, tmp_path / "lists.csv")
    (tmp_path / "members.csv").write_text("list_id,note\nUK_2021,\n", encoding="utf-8")
    with pytest.raises(FeedError, match="member_as_named"):
        CriticalListsFeed(fixture_index).read(tmp_path / "lists.csv")


def test_missing_members_file_is_a_feed_error(tmp_path, fixture_index):
    shutil.copy(LISTS, tmp_path / "lists.csv")
    with pytest.raises(FeedError, match=r"members\.csv"):
        CriticalListsFeed(fixture_index).read(tmp_path / "lists.csv")
