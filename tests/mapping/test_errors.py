"""Errors in a mapping file name their key path; errors in data are RowProblems and the rest is mapped."""

from __future__ import annotations

import pytest

from extractors.mapping import MappingError, mapping_feed
from kg import iris

from .conftest import MINIMAL


def _paths(excinfo) -> list[str]:
    return [path for path, _ in excinfo.value.problems]


def test_unknown_key_is_named_with_its_path(write):
    bad = MINIMAL.replace('  column = "Name"', '  column = "Name"\n  datatyp = "xsd:string"')
    with pytest.raises(MappingError) as excinfo:
        mapping_feed(write(bad))
    assert _paths(excinfo) == ["subjects[0].properties[0].datatyp"]
    assert "did you mean 'datatype'" in str(excinfo.value)


def test_bad_datatype_is_named_with_its_path(write):
    bad = MINIMAL.replace('  column = "Name"', '  column = "Name"\n  datatype = "xsd:int"')
    with pytest.raises(MappingError) as excinfo:
        mapping_feed(write(bad))
    assert _paths(excinfo) == ["subjects[0].properties[0].datatype"]
    assert "unknown datatype 'xsd:int'" in str(excinfo.value)


def test_bad_template_column_is_named_before_any_row_is_mapped(write):
    feed = mapping_feed(write(MINIMAL.replace("{Name|slug}", "{Nmae|slug}"), "Name\nA\n"))
    with pytest.raises(MappingError) as excinfo:
        feed.read(feed.default_file)
    assert _paths(excinfo) == ["subjects[0].key"]
    assert "column 'Nmae' is not in the header" in str(excinfo.value)


def test_every_problem_of_the_file_is_listed(write):
    bad = MINIMAL.replace('kind = "test-thing"', 'kind = "country"').replace(
        '"cm:Facility"', '"cm:Facilty"').replace("{Name|slug}", "{Name|slugify}").replace(
        'rights = "test"', 'rights = "test"\nlicense = "https://example.org/l"')
    with pytest.raises(MappingError) as excinfo:
        mapping_feed(write(bad))
    assert set(_paths(excinfo)) == {"catalog", "subjects[0].kind", "subjects[0].key", "subjects[0].classes[0]"}


@pytest.mark.parametrize(("change", "path"), [
    (('predicate = "rdfs:label"', 'predicate = "ex:label"'), "subjects[0].properties[0].predicate"),
    (('column = "Name"', 'column = "Name"\n  iri = "cm:Mine"'), "subjects[0].properties[0]"),
    (('column = "Name"', 'column = "Name"\n  language = "en"\n  datatype = "xsd:integer"'),
     "subjects[0].properties[0].language"),
    (('column = "Name"', 'column = "Name"\n  resolve = "planet"'), "subjects[0].properties[0].resolve"),
    (('column = "Name"', 'subject = "nobody"'), "subjects[0].properties[0].subject"),
    (('key = "{Name|slug}"', 'key = "fixed"'), "subjects[0].key"),
    (('file = "data.csv"', 'file = "data.ods"'), "source.file"),
    (('name = "test-mapping"', 'name = "Test Mapping"'), "name"),
    (('column = "Name"', 'value = "x1"\n  datatype = "xsd:integer"'), "subjects[0].properties[0].value"),
    (('column = "Name"', 'column = "Name"\n  when = { column = "Name" }'), "subjects[0].properties[0].when"),
])
def test_other_mapping_errors_name_their_key(write, change, path):
    with pytest.raises(MappingError) as excinfo:
        mapping_feed(write(MINIMAL.replace(*change)))
    assert path in _paths(excinfo), excinfo.value


def test_not_toml_is_a_mapping_error(write):
    with pytest.raises(MappingError, match="not valid TOML"):
        mapping_feed(write("name = \n"))


DATA_MAPPING = MINIMAL + '''
  [[subjects.properties]]
  predicate = "cm:country"
  column = "Country"
  resolve = "country"

  [[subjects.properties]]
  predicate = "cm:commodity"
  column = "Commodities"
  split = ";"
  resolve = "commodity"

  [[subjects.properties]]
  predicate = "schema:latitude"
  column = "Lat"
  datatype = "xsd:decimal"

  [[subjects.properties]]
  predicate = "cm:startDate"
  column = "Since"
  datatype = "xsd:date"
'''


def test_data_errors_are_row_problems_and_the_rest_is_mapped(write, commodity_index):
    csv_text = (
        "Name,Country,Commodities,Lat,Since\n"
        "Good,Chile,Lithium;Copper,-23.5,2020-01-31\n"
        "Bad country,Atlantis,Lithium,1.5,\n"
        "Bad parts,Peru,Copper;Kryptonite,north,31/01/2020\n"
        ",Peru,Copper,1,\n"
        "Good,Chile,Lithium,2,\n"
    )
    feed = mapping_feed(write(DATA_MAPPING, csv_text), commodity_index)
    output = feed.read(feed.default_file)
    problems = {(p.row, p.column, p.value) for p in output.problems}
    assert problems == {
        (3, "Country", "Atlantis"),
        (4, "Commodities", "Kryptonite"),
        (4, "Lat", "north"),
        (4, "Since", "31/01/2020"),
        (5, "Name", ""),  # the key needs the name
        (6, None, "Good,Chile,Lithium,2,"),  # the same IRI as row 2 (subject not shared)
    }
    assert all(p.file == "data.csv" for p in output.problems)
    assert output.records_read == 5
    bad_parts = iris.entity("test-thing", "bad-parts")
    commodities = {t.object for t in output.triples if t.subject == bad_parts and t.predicate == iris.term("commodity")}
    assert commodities == {iris.commodity("copper")}  # Kryptonite reported, Copper still mapped
    bad_country = iris.entity("test-thing", "bad-country")
    assert any(t.subject == bad_country and t.predicate == iris.ns("rdfs", "label") for t in output.triples)
    assert not any(t.subject == bad_country and t.predicate == iris.term("country") for t in output.triples)
    records = {t.subject for t in output.triples if t.object == iris.term("SourceRecord")}
    assert len(records) == 5  # every row keeps its record, mapped or not
