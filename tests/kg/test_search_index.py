"""The search index per graph (kg/search.py): refreshing the graphs a write changed gives what a full build gives,
and a reader from whom graphs are hidden finds nothing that those graphs say."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg import iris
from kg.search import build_index
from kg.store import open_store

RDF_TYPE, LABEL = NamedNode(iris.ns("rdf", "type").value), NamedNode(iris.ns("rdfs", "label").value)
ALT = NamedNode(iris.ns("skos", "altLabel").value)
HUB, PARTNER, OTHER = (NamedNode(f"https://w3id.org/critmin/graph/{name}") for name in
                       ("facilities", "partner/alpha/sites", "documents"))
MINE, COMPANY = NamedNode(iris.ONTOLOGY + "Mine"), NamedNode(iris.ONTOLOGY + "Company")
GREENBUSHES, SECRET, ALBEMARLE = (NamedNode(f"https://w3id.org/critmin/id/{path}") for path in
                                  ("facility/greenbushes", "facility/secret-pit", "organisation/albemarle"))
QUERIES = ["g", "green", "greenbushes", "secret", "talison", "alb", "albemarle", "pit", "mine"]


def label(entity: NamedNode, text: str, graph: NamedNode, prop: NamedNode = LABEL) -> Quad:
    return Quad(entity, prop, Literal(text), graph)


def answers(index) -> dict[str, list[tuple[str, str, str, str, int]]]:
    return {q: [(h.iri, h.label, h.matched, h.kind, h.popularity) for h in index.search(q, limit=20)] for q in QUERIES}


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path / "store")
    store.extend([
        label(GREENBUSHES, "Greenbushes", HUB), Quad(GREENBUSHES, RDF_TYPE, MINE, HUB),
        Quad(GREENBUSHES, NamedNode(iris.ONTOLOGY + "operator"), ALBEMARLE, HUB),
        label(ALBEMARLE, "Albemarle", HUB), Quad(ALBEMARLE, RDF_TYPE, COMPANY, HUB),
        # the partner's own facility, a name of its own for a public one, and statements that would lift it
        label(SECRET, "Secret Pit", PARTNER), Quad(SECRET, RDF_TYPE, MINE, PARTNER),
        label(GREENBUSHES, "Talison Greenbushes", PARTNER, ALT),
        *(Quad(NamedNode(f"urn:x:{n}"), NamedNode("urn:x:near"), GREENBUSHES, PARTNER) for n in range(5)),
        label(ALBEMARLE, "Albemarle Corporation", OTHER, ALT),
    ])
    return store


def test_a_reader_finds_nothing_a_hidden_graph_says(store) -> None:
    index = build_index(store)
    assert {h.iri for h in index.search("secret")} == {SECRET.value}
    assert index.search("talison")[0].iri == GREENBUSHES.value
    reader = index.for_reader([PARTNER.value])
    assert reader.search("secret") == [] and reader.search("talison") == []
    assert SECRET.value not in reader and SECRET.value in index
    assert reader.labels(GREENBUSHES.value) == ["Greenbushes"]
    assert reader.entity(SECRET.value) is None
    # the hidden graph's statements about a public entity do not count towards its popularity for that reader
    everyone, restricted = index.search("greenbushes")[0], reader.search("greenbushes")[0]
    assert everyone.popularity - restricted.popularity == 6  # five inbound links and the alias, in the partner graph
    assert restricted.kind == "facility"


def test_a_kind_comes_from_the_types_a_reader_sees(store) -> None:
    store.add(Quad(ALBEMARLE, RDF_TYPE, NamedNode(iris.ONTOLOGY + "SourceRecord"), PARTNER))  # bookkeeping, there
    index = build_index(store)
    assert index.search("albemarle") == []  # for who sees the partner graph: a source record, not indexed
    assert index.for_reader([PARTNER.value]).search("albemarle")[0].kind == "organisation"


@pytest.mark.parametrize("change", ["relabel", "drop graph", "new entity", "alias elsewhere"])
def test_refreshing_the_written_graph_gives_what_a_full_build_gives(store, change: str) -> None:
    newcomer = NamedNode("https://w3id.org/critmin/id/facility/talison-plant")
    # typed and mentioned in a graph that will not be re-read, and not labelled anywhere yet
    store.extend([Quad(newcomer, RDF_TYPE, MINE, HUB), Quad(GREENBUSHES, NamedNode("urn:x:feeds"), newcomer, HUB)])
    before = build_index(store)
    old_answers = answers(before)
    if change == "relabel":
        store.remove(label(SECRET, "Secret Pit", PARTNER))
        store.add(label(SECRET, "Hidden Valley Pit", PARTNER))
        changed = [PARTNER]
    elif change == "drop graph":
        store.remove_graph(PARTNER)
        changed = [PARTNER]
    elif change == "new entity":  # first labelled by the written graph: its type and mentions are elsewhere
        store.add(label(newcomer, "Talison Plant", OTHER))
        changed = [OTHER]
    else:
        store.add(label(GREENBUSHES, "Greenbushes Pit", OTHER, ALT))
        changed = [OTHER]
    refreshed = before.refreshed(store, [g.value for g in changed])
    assert answers(refreshed) == answers(build_index(store))
    assert answers(before) == old_answers  # an index in use is never changed
    for hidden in ([PARTNER.value], [OTHER.value], [PARTNER.value, OTHER.value]):
        assert answers(refreshed.for_reader(hidden)) == answers(build_index(store).for_reader(hidden))


def test_the_bundled_store_searches_alike_after_refreshing_every_graph(bundled) -> None:
    store, _ = bundled
    index = build_index(store)
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    refreshed = index.refreshed(store, graphs[: len(graphs) // 3])
    for text in ["lithium", "caraiba", "aluminum", "copper dep", "australia", "cobalt"]:
        assert [h.iri for h in refreshed.search(text)] == [h.iri for h in index.search(text)], text
