"""The worked example queries in kg/queries/, run on all bundled data, with answers checked against the sources."""

from pathlib import Path

import pytest
from pyoxigraph import Store

from kg.loading import LoadReport
from kg.store import query

QUERIES = Path(__file__).resolve().parents[2] / "kg" / "queries"


def run(bundled: tuple[Store, list[LoadReport]], name: str) -> list[dict[str, str]]:
    store, _ = bundled
    results = query(store, (QUERIES / f"{name}.rq").read_text(encoding="utf-8"))
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_example_says_what_it_answers_and_answers(bundled, path: Path) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[:2]
    assert header[0].startswith("# title: ") and header[1].startswith("# question: ")
    assert run(bundled, path.stem), f"{path.name} returned nothing on the bundled data"


def test_lithium_by_country_matches_the_usgs_file(bundled) -> None:
    # MCS2025_World_Data: Australia 91700 (2023), 88000 (2024), reserves 7000000; the US is withheld ("W")
    rows = {r["country"]: r for r in run(bundled, "world_production_and_reserves")}
    assert (rows["Australia"]["production2023"], rows["Australia"]["production2024"]) == ("91700", "88000")
    assert rows["Australia"]["reserves"] == "7000000"
    assert "production2024" not in rows["United States"] and rows["United States"]["reserves"] == "1800000"
    assert "World" not in rows and "Other countries" not in rows  # aggregates are not countries


def test_india_processing_facilities_are_not_mines_and_handle_listed_minerals(bundled) -> None:
    rows = run(bundled, "india_processing_critical")
    assert {r["type"] for r in rows} <= {"Smelter", "Refinery", "Processing plant", "Steel plant"}
    names = {r["name"] for r in rows}
    assert "Khetri refinery" in names  # ICMM13591, India, Smelter;Refinery, copper (on India's 2023 list)


def test_nickel_inventories_carry_categories_and_grades(bundled) -> None:
    rows = run(bundled, "nickel_deposit_inventories")
    assert {r["category"] for r in rows} >= {"Indicated", "Inferred", "Measured"}
    assert all("grade" in r for r in rows if r["name"] == "Acoje")


def test_a_figure_traces_to_its_file_and_row(bundled) -> None:
    [row] = run(bundled, "fact_provenance")
    # Congo (Kinshasa) cobalt, estimated 2024 mine production: 220000 t, line 5 of the USGS file
    assert row["value"] == "220000" and row["row"] == "5"
    assert row["file"].endswith("MCS2025_World_Data.battery_subset.csv")
