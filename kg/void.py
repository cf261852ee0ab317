"""The VoID + DCAT description of the whole dataset, from the catalog: one ``void:subset`` per graph, with its
triples, licence, source and dump, and the facility links as a ``void:Linkset``.

``describe_dataset(store, base_url=...)`` returns triples; the caller serialises them (Turtle, JSON-LD, N-Triples).
"""

from __future__ import annotations

from functools import partial

from pyoxigraph import Literal, NamedNode, Store, Triple

from kg import iris
from kg.rq import load_query
from kg.store import graph_names, query

DATASET = iris.entity("dataset", "critmin")
VOCABULARIES = ("cm", "rdf", "rdfs", "owl", "skos", "dct", "dcat", "void", "prov", "org", "schema", "geo", "qudt")
RDF_TYPE = iris.ns("rdf", "type")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=iris.ns("xsd", "integer"))


def describe_dataset(store: Store, *, base_url: str, base: str = iris.BASE) -> list[Triple]:
    """VoID/DCAT triples about the dataset; ``base_url`` (no trailing slash) roots the endpoint and dump URLs,
    ``base`` (the setting ``public_base_iri``) names partner graphs."""
    void, dct, dcat = (partial(iris.ns, prefix) for prefix in ("void", "dct", "dcat"))
    out = [
        Triple(DATASET, RDF_TYPE, void("Dataset")),
        Triple(DATASET, RDF_TYPE, dcat("Dataset")),
        Triple(DATASET, dct("title"), Literal("critmin: critical-mineral supply chains", language="en")),
        Triple(DATASET, void("sparqlEndpoint"), NamedNode(f"{base_url}/sparql")),
        Triple(DATASET, void("uriSpace"), Literal(iris.ID)),
        Triple(DATASET, void("dataDump"), NamedNode(f"{base_url}/dumps/all.nq.gz")),
        Triple(DATASET, void("rootResource"), iris.CATALOG_GRAPH),
    ]
    out += [Triple(DATASET, void("vocabulary"), NamedNode(iris.PREFIXES[prefix])) for prefix in VOCABULARIES]
    total = 0
    for row in query(store, load_query(__file__, "void_datasets"), catalog=iris.CATALOG_GRAPH):
        triples, subset = _subset(row, base_url=base_url, dump=True)
        total += triples
        out += subset
    # Partner graphs are described in companion graphs of their own, present only in the views of callers who may
    # read them (kg/views.py): so the subsets and the total count only what the caller may read. Their names hold
    # slashes, which the dump routes do not take: no dump is offered for them.
    for companion in partner_catalogs(store, base=base):
        for row in query(store, load_query(__file__, "void_datasets"), catalog=companion):
            triples, subset = _subset(row, base_url=base_url, dump=False)
            total += triples
            out += subset
    # A graph that describes itself as a linkset (cmg:facility-links) is one: its links, its two targets.
    for row in query(store, load_query(__file__, "void_linksets")):
        graph = row["graph"]
        out.append(Triple(graph, RDF_TYPE, void("Linkset")))
        for column, predicate in (("predicate", "linkPredicate"), ("subjects", "subjectsTarget"),
                                  ("objects", "objectsTarget")):
            if row[column] is not None:
                out.append(Triple(graph, void(predicate), row[column]))
    out.append(Triple(DATASET, void("triples"), _integer(total)))
    return out


def partner_catalogs(store: Store, *, base: str = iris.BASE) -> list[NamedNode]:
    """The catalog companions of the partner graphs in ``store``."""
    return [g for g in graph_names(store)
            if (parsed := iris.parse_partner_graph(g.value, base=base)) is not None and parsed.catalog]


def _subset(row, *, base_url: str, dump: bool) -> tuple[int, list[Triple]]:
    """The number of triples of one graph of the catalog, and its VoID/DCAT subset (with its dump if ``dump``)."""
    void, dct, dcat = (partial(iris.ns, prefix) for prefix in ("void", "dct", "dcat"))
    graph: NamedNode = row["graph"]
    name = graph.value[len(iris.GRAPH):]
    triples = int(row["triples"].value)
    out = [
        Triple(DATASET, void("subset"), graph),
        Triple(graph, RDF_TYPE, void("Dataset")),
        Triple(graph, RDF_TYPE, dcat("Dataset")),
        Triple(graph, dct("title"), row["title"]),
        Triple(graph, void("triples"), _integer(triples)),
        Triple(graph, void("sparqlEndpoint"), NamedNode(f"{base_url}/sparql")),
    ]
    distribution = NamedNode(f"{base_url}/dumps/{name}.nq.gz")
    if dump:
        out += [
            Triple(graph, void("dataDump"), distribution),
            Triple(graph, dcat("distribution"), distribution),
            Triple(distribution, RDF_TYPE, dcat("Distribution")),
            Triple(distribution, dcat("mediaType"),
                   NamedNode("https://www.iana.org/assignments/media-types/application/n-quads")),
            Triple(distribution, dcat("compressFormat"),
                   NamedNode("https://www.iana.org/assignments/media-types/application/gzip")),
        ]
    for column, predicate in (("license", "license"), ("rights", "rights"), ("source", "source"),
                              ("modified", "modified")):
        if row[column] is not None:
            out.append(Triple(graph, dct(predicate), row[column]))
    if dump and row["license"] is not None:
        out.append(Triple(distribution, dct("license"), row["license"]))
    return triples, out
