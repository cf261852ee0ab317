"""Who owns and may read partner graphs (kg/graph_access.py), in a real accounts file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kg.accounts import ANONYMOUS, SCHEMA_VERSION, Caller, add_partner, authenticate, create_token, list_partners
from kg.graph_access import (
    GraphAccessError,
    access_of,
    hidden_graphs,
    may_read,
    may_write,
    register_graph,
    set_access,
    unregister_graph,
)
from kg.iris import parse_partner_graph, partner_catalog_graph, partner_graph, partner_links_graph

BGS_SITES = partner_graph("bgs", "sites").value
BGS_CATALOG = partner_catalog_graph("bgs", "sites").value
BGS_LINKS = partner_links_graph("bgs", "sites").value
IBM_DATA = partner_graph("ibm", "data").value
BGS = Caller("bgs", frozenset({"read", "write"}))
BGS_READ_ONLY = Caller("bgs", frozenset({"read"}))
IBM = Caller("ibm", frozenset({"read", "write"}))
ADMIN = Caller("hub", frozenset({"admin"}))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.sqlite3"
    for slug in ("bgs", "ibm", "hub"):
        add_partner(path, slug, name=slug.upper())
    return path


def test_partner_graph_iris_parse_back_to_their_owner() -> None:
    assert BGS_SITES == "https://w3id.org/critmin/graph/partner/bgs/sites"
    assert BGS_CATALOG == "https://w3id.org/critmin/graph/partner-catalog/bgs/sites"
    assert parse_partner_graph(BGS_SITES).slug == "bgs"
    assert parse_partner_graph(BGS_CATALOG).catalog is True
    other = partner_graph("bgs", "sites", base="https://kg.example.org/")
    assert other.value == "https://kg.example.org/graph/partner/bgs/sites"
    assert parse_partner_graph(other.value) is None
    assert parse_partner_graph(other.value, base="https://kg.example.org/").name == "sites"
    for bad in ("https://w3id.org/critmin/graph/catalog", BGS_SITES + "/more", BGS_SITES.replace("sites", "Sites"),
                "https://w3id.org/critmin/graph/partner/bgs/" + "x" * 61):
        assert parse_partner_graph(bad) is None, bad
    with pytest.raises(ValueError):
        partner_graph("bgs", "no/slashes")


def test_a_first_upload_is_private_to_its_owner(db: Path) -> None:
    record = register_graph(db, BGS_SITES)
    assert (record.owner, record.visibility, record.readers) == ("bgs", "partners", ())
    assert may_read(db, BGS, BGS_SITES) and may_read(db, BGS_READ_ONLY, BGS_SITES)
    assert may_read(db, ADMIN, BGS_SITES)
    assert not may_read(db, IBM, BGS_SITES) and not may_read(db, ANONYMOUS, BGS_SITES)
    assert not may_read(db, IBM, BGS_CATALOG)  # the catalog companion goes with its graph


def test_sharing_with_a_partner_and_making_public(db: Path) -> None:
    register_graph(db, BGS_SITES)
    set_access(db, BGS_SITES, visibility="partners", readers=["ibm"])
    assert may_read(db, IBM, BGS_SITES) and may_read(db, IBM, BGS_CATALOG)
    assert not may_read(db, ANONYMOUS, BGS_SITES)
    set_access(db, BGS_SITES, visibility="public", readers=[])
    assert may_read(db, ANONYMOUS, BGS_SITES)
    assert access_of(db, BGS_SITES).readers == ()


def test_a_later_upload_keeps_access_unless_it_says_otherwise(db: Path) -> None:
    register_graph(db, BGS_SITES, visibility="public", readers=["ibm"])
    record = register_graph(db, BGS_SITES)
    assert (record.visibility, record.readers) == ("public", ("ibm",))
    assert register_graph(db, BGS_SITES, visibility="partners").readers == ("ibm",)


def test_unknown_readers_and_visibilities_are_refused_and_change_nothing(db: Path) -> None:
    register_graph(db, BGS_SITES)
    with pytest.raises(GraphAccessError, match="'nobody'"):
        set_access(db, BGS_SITES, visibility="public", readers=["ibm", "nobody"])
    with pytest.raises(GraphAccessError, match="unknown visibility"):
        set_access(db, BGS_SITES, visibility="secret", readers=[])
    with pytest.raises(GraphAccessError, match="no partner graph"):
        set_access(db, IBM_DATA, visibility="public", readers=[])
    with pytest.raises(GraphAccessError, match="not a partner graph"):
        register_graph(db, "https://w3id.org/critmin/graph/countries")
    record = access_of(db, BGS_SITES)
    assert (record.visibility, record.readers) == ("partners", ())


def test_who_may_write(db: Path) -> None:
    assert may_write(BGS, BGS_SITES) and may_write(ADMIN, BGS_SITES) and may_write(ADMIN, IBM_DATA)
    assert not may_write(BGS, IBM_DATA) and not may_write(BGS_READ_ONLY, BGS_SITES)
    assert not may_write(ANONYMOUS, BGS_SITES)
    for hub_graph in ("https://w3id.org/critmin/graph/countries", "https://w3id.org/critmin/graph/catalog",
                      BGS_CATALOG):
        assert not may_write(ADMIN, hub_graph) and not may_write(BGS, hub_graph)


def test_hidden_graphs_are_the_unreadable_ones_with_their_companions(db: Path) -> None:
    register_graph(db, BGS_SITES)
    register_graph(db, IBM_DATA, visibility="public")
    assert hidden_graphs(db, ANONYMOUS) == {BGS_SITES, BGS_CATALOG, BGS_LINKS}
    assert hidden_graphs(db, IBM) == {BGS_SITES, BGS_CATALOG, BGS_LINKS}
    assert hidden_graphs(db, BGS) == frozenset()
    assert hidden_graphs(db, ADMIN) == frozenset()
    set_access(db, BGS_SITES, visibility="partners", readers=["ibm"])
    assert hidden_graphs(db, IBM) == frozenset()
    assert hidden_graphs(db, ANONYMOUS) == {BGS_SITES, BGS_CATALOG, BGS_LINKS}


def test_a_partner_graph_in_the_store_but_not_registered_stays_hidden(db: Path) -> None:
    leftover = partner_graph("bgs", "leftover").value
    in_store = [leftover, partner_catalog_graph("bgs", "leftover").value, "https://w3id.org/critmin/graph/countries"]
    assert hidden_graphs(db, IBM, store_graphs=in_store) == {leftover, in_store[1],
                                                             partner_links_graph("bgs", "leftover").value}
    assert hidden_graphs(db, BGS, store_graphs=in_store) == frozenset()
    assert not may_read(db, IBM, leftover) and may_read(db, BGS, leftover)


def test_unregistering_forgets_the_readers(db: Path) -> None:
    register_graph(db, BGS_SITES, readers=["ibm"])
    assert unregister_graph(db, BGS_SITES) is True
    assert access_of(db, BGS_SITES) is None and unregister_graph(db, BGS_SITES) is False
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM graph_reader").fetchone()[0] == 0


def test_no_accounts_file_means_nothing_registered_and_none_is_made(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    assert access_of(db, BGS_SITES) is None
    assert not may_read(db, ANONYMOUS, BGS_SITES)
    assert hidden_graphs(db, ANONYMOUS, store_graphs=[BGS_SITES]) == {BGS_SITES, BGS_CATALOG, BGS_LINKS}
    assert not db.exists()


def test_a_version_1_file_is_migrated_keeping_partners_and_tokens(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    add_partner(db, "bgs", name="British Geological Survey")
    token = create_token(db, "bgs", scopes=["write"])[1]
    with sqlite3.connect(db) as conn:  # back to what version 1 made: no graph tables
        conn.execute("DROP TABLE graph_reader")
        conn.execute("DROP TABLE partner_graph")
        conn.execute("PRAGMA user_version = 1")
    register_graph(db, BGS_SITES)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert [p.slug for p in list_partners(db)] == ["bgs"]
    assert authenticate(db, token).partner == "bgs"
    assert access_of(db, BGS_SITES).owner == "bgs"
