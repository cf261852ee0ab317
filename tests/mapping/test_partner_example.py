"""The partner example of docs/examples (invented rows), from CSV and from the same rows in an XLSX workbook."""

from __future__ import annotations

import csv

import openpyxl

from extractors.mapping import mapping_feed
from kg import iris

from .conftest import EXAMPLES


def _check(output):
    assert output.problems == []
    assert output.records_read == 4
    site = iris.entity("facility", "example-partner/example-bay-refinery")
    objects = {(t.predicate, t.object) for t in output.triples if t.subject == site}
    assert (iris.ns("rdf", "type"), iris.term("Refinery")) in objects
    assert (iris.term("facilityType"), iris.concept("facility-type", "refinery")) in objects
    assert (iris.term("country"), iris.country("AUS")) in objects
    assert {o for p, o in objects if p == iris.term("commodity")} == {iris.commodity("lithium"),
                                                                       iris.commodity("nickel")}
    company = iris.entity("org", "example-minerals-pty-ltd")  # shared by two rows
    derived = {t.object for t in output.triples if t.subject == company
               and t.predicate == iris.ns("prov", "wasDerivedFrom")}
    assert len(derived) == 2
    capacities = {t.subject for t in output.triples if t.object == iris.term("CapacityObservation")}
    assert len(capacities) == 2  # `when`: rows without a capacity give no observation
    operation = iris.entity("operation", "example-partner/example-bay-refinery")
    assert {t.object for t in output.triples if t.subject == operation and t.predicate == iris.term("operator")} \
        == {company}


def test_partner_example_from_csv(commodity_index):
    feed = mapping_feed(EXAMPLES / "partner_sites.toml", commodity_index)
    assert feed.name == "example-partner-sites"
    _check(feed.read(feed.default_file))


def test_partner_example_from_xlsx_with_a_title_row(tmp_path, commodity_index):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sites"
    sheet.append(["Example partner - site list (invented)"])
    with (EXAMPLES / "partner_sites.csv").open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.reader(handle)):
            cells = [float(c) if i and c and c.replace(".", "").lstrip("-").isdigit() else (c or None) for c in row]
            sheet.append(cells)
    workbook.save(tmp_path / "sites.xlsx")
    mapping = (EXAMPLES / "partner_sites.toml").read_text(encoding="utf-8").replace(
        'file = "partner_sites.csv"', 'file = "sites.xlsx"\nsheet = "Sites"\nheader_row = 2')
    (tmp_path / "sites.toml").write_text(mapping, encoding="utf-8")
    feed = mapping_feed(tmp_path / "sites.toml", commodity_index)
    output = feed.read(feed.default_file)
    _check(output)
    rows = {t.object.value for t in output.triples if t.predicate == iris.term("sourceRow")}
    assert rows == {"3", "4", "5", "6"}  # row numbers as the spreadsheet shows them
