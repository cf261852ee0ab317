"""The shared CSV reader, the feed interface and the registry."""

from __future__ import annotations

import pytest

from extractors.feeds.base import Feed, FeedError, read_csv, repair_mojibake
from extractors.feeds.registry import FEEDS, UnknownFeedError, get_feed


def test_registry():
    assert {"countries", "critical-mineral-lists", "usgs-mcs2025-world", "usgs-mcs2025-salient"} <= set(FEEDS)
    for name, feed in FEEDS.items():
        assert isinstance(feed, Feed)
        assert feed.name == name
        assert feed.default_file.exists(), feed.default_file
    assert get_feed("countries") is FEEDS["countries"]
    with pytest.raises(UnknownFeedError, match="known feeds are: countries, critical-mineral-lists"):
        get_feed("nope")


def test_read_csv_rows_and_raw_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'\xef\xbb\xbfa,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r\n5\r\n')
    table = read_csv(path, ["a", ("b", "bee")])
    assert table.header == ["a", "b"]
    assert [r.row for r in table.records] == [2, 4, 5]  # a quoted line break stays in row 2
    assert table.records[0].values == {"a": "1", "b": "two\r\nlines"}
    assert table.records[0].raw == '1,"two\r\nlines"'
    assert table.records[2].values is None
    assert [(p.row, p.reason) for p in table.problems] == [(5, "the row has 1 cells, the header 2")]


def test_read_csv_errors(tmp_path):
    with pytest.raises(FeedError, match="cannot read"):
        read_csv(tmp_path / "missing.csv", ["a"])
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FeedError, match="empty"):
        read_csv(empty, ["a"])
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FeedError, match="'c or see'"):
        read_csv(path, ["a", ("c", "see")])


def test_repair_mojibake():
    assert repair_mojibake("C\u00c3\u00b4te d\u00e2\u20ac\u2122Ivoire") == "C\u00f4te d\u2019Ivoire"
    assert repair_mojibake("C\u00f4te d\u2019Ivoire") == "C\u00f4te d\u2019Ivoire"
    assert repair_mojibake("reserves were 27\u00a0million") == "reserves were 27\u00a0million"
    assert repair_mojibake("plain") == "plain"
