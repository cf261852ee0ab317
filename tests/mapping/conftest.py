"""Shared helpers of the mapping tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.commodity_index import DEFAULT_ONTOLOGY, CommodityIndex

PROJECT = Path(__file__).resolve().parents[2]
FIG3_MAPPING = PROJECT / "extractors" / "feeds" / "mappings" / "usgs_import_sources_fig3.toml"
FIG3_CSV = PROJECT / "data" / "usgs-mcs2025" / "industry_trends" / "MCS2025_Fig3_Major_Import_Sources.csv"
EXAMPLES = PROJECT / "docs" / "examples"

MINIMAL = '''
name = "test-mapping"
[source]
file = "data.csv"
[catalog]
title = "t"
description = "d"
source_url = "https://example.org/"
rights = "test"
citation = "c"
[[subjects]]
id = "thing"
kind = "test-thing"
key = "{Name|slug}"
classes = ["cm:Facility"]
  [[subjects.properties]]
  predicate = "rdfs:label"
  column = "Name"
'''


@pytest.fixture(scope="session")
def commodity_index() -> CommodityIndex:
    return CommodityIndex.from_ontology(DEFAULT_ONTOLOGY)


@pytest.fixture
def write(tmp_path):
    """Write a mapping (and optionally its data.csv) into a temporary folder; returns the mapping path."""

    def _write(mapping: str, csv: str | None = None) -> Path:
        path = tmp_path / "mapping.toml"
        path.write_text(mapping, encoding="utf-8")
        if csv is not None:
            (tmp_path / "data.csv").write_text(csv, encoding="utf-8")
        return path

    return _write
