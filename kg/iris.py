"""Every IRI critmin mints, in one place.

Data IRIs follow ``https://w3id.org/critmin/id/{kind}/{key}``; named graphs ``https://w3id.org/critmin/graph/{name}``;
ontology terms ``https://w3id.org/critmin/ontology/{Term}``. Keys are stable: country keys are ISO 3166-1 alpha-3,
commodity keys are the slugs of ``ontology/commodities.ttl``, list keys are the list ids of the source file.

>>> country("aus").value
'https://w3id.org/critmin/id/country/AUS'
>>> slug("Congo (Kinshasa) ")
'congo-kinshasa'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from pyoxigraph import NamedNode

BASE = "https://w3id.org/critmin/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY = BASE + "ontology/"

# Namespaces of the vocabularies we reuse, as prefix -> IRI; also the prefixes offered to SPARQL users.
PREFIXES: dict[str, str] = {
    "cm": ONTOLOGY,
    "cmid": ID,
    "cmg": GRAPH,
    # One prefix per kind of entity, since a prefixed name cannot contain "/" (cmid:commodity/lithium is not one).
    "commodity": ID + "commodity/",
    "country": ID + "country/",
    "place": ID + "place/",
    "cmlist": ID + "list/",
    "stage": ID + "stage/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "sh": "http://www.w3.org/ns/shacl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "wd": "http://www.wikidata.org/entity/",
    "mm": "https://minmod.isi.edu/ontology/",
    "mmr": "https://minmod.isi.edu/resource/",
}


def slug(text: str) -> str:
    """A lowercase ASCII key: accents folded, every run of other characters one hyphen."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def term(name: str) -> NamedNode:
    """An ontology term, e.g. ``term("Country")``."""
    return NamedNode(ONTOLOGY + name)


def ns(prefix: str, local: str) -> NamedNode:
    """A term of a reused vocabulary, e.g. ``ns("skos", "prefLabel")``."""
    return NamedNode(PREFIXES[prefix] + local)


def entity(kind: str, key: str) -> NamedNode:
    """A data IRI of ours: ``entity("observation", "…")``. Prefer the typed helpers below."""
    return NamedNode(f"{ID}{kind}/{key}")


def graph(name: str) -> NamedNode:
    """The named graph of one source, e.g. ``graph("usgs-mcs2025-world")``."""
    return NamedNode(GRAPH + name)


def country(alpha3: str) -> NamedNode:
    return entity("country", alpha3.upper())


def commodity(key: str) -> NamedNode:
    return entity("commodity", key)


def place(key: str) -> NamedNode:
    """A place that is not a country: ``world``, ``other-countries``, ``eu``."""
    return entity("place", key)


def criticality_list(list_id: str) -> NamedNode:
    return entity("list", list_id)


def concept_scheme(name: str) -> NamedNode:
    return entity("scheme", name)


def concept(scheme_name: str, key: str) -> NamedNode:
    """A concept of one of our small schemes (``stage``, ``facility-type``, ``value-status``, ``list-kind``)."""
    return entity(scheme_name, key)


def source_record(graph_name: str, row_number: int, part: str | None = None) -> NamedNode:
    """One row of a source file, so every fact can be traced to it.

    ``part`` names the file when one graph is built from several files (``critical-mineral-lists`` reads
    ``lists.csv`` and ``members.csv``), so their rows do not share IRIs: ``cmid:record/{graph}/{part}/row-{n}``.
    """
    if part:
        return entity("record", f"{graph_name}/{slug(part)}/row-{row_number}")
    return entity("record", f"{graph_name}/row-{row_number}")


def observation(
    graph_name: str, commodity_key: str, measure: str, place_key: str, year: int | str, quantity_kind: str
) -> NamedNode:
    """One number: ``cmid:observation/{graph}/{commodity}/{slug of measure}/{place key}/{year}/{quantity kind}``."""
    return entity("observation", f"{graph_name}/{commodity_key}/{slug(measure)}/{place_key}/{year}/{quantity_kind}")


def salient_measure(key: str) -> NamedNode:
    """A measure of the USGS salient statistics: ``cmid:salient-measure/{slug}`` (scheme ``salient-measures``)."""
    return entity("salient-measure", key)


def import_source(graph_name: str, commodity_key: str, importer_alpha3: str, exporter_alpha3: str, period: str
                  ) -> NamedNode:
    """One major import source: ``cmid:import-source/{graph}/{commodity}/{importer}/{exporter}/{slug of period}``."""
    return entity(
        "import-source",
        f"{graph_name}/{commodity_key}/{importer_alpha3.upper()}/{exporter_alpha3.upper()}/{slug(period)}",
    )


def membership(list_id: str, member_as_named: str) -> NamedNode:
    """One entry of a criticality list: ``cmid:membership/{list_id}/{slug of member_as_named}``."""
    return entity("membership", f"{list_id}/{slug(member_as_named)}")


def organization(key: str) -> NamedNode:
    """An organisation: ``cmid:org/{slug}`` (list issuers now, companies later)."""
    return entity("org", slug(key))


def geometry(key: str) -> NamedNode:
    """The GeoSPARQL geometry of a facility: ``cmid:geometry/{key}``, with the facility's key."""
    return entity("geometry", key)


def facility(key: str) -> NamedNode:
    """A facility ``cmid:facility/{key}``; MinMod sites: ``minmod-{16 hex of sha256(source_id + " " + record_id)}``."""
    return entity("facility", key)


def facility_part(facility_key: str, part: str) -> NamedNode:
    """A resource that belongs to one facility: ``cmid:facility/{key}/{part}`` (``geometry``,
    ``deposit-type-candidate-{n}``)."""
    return entity("facility", f"{facility_key}/{part}")


def site_inventory(graph_name: str, facility_key: str, n: int) -> NamedNode:
    """One inventory row of a facility: ``cmid:observation/{graph}/{facility key}/inventory-{n}`` (n from 1)."""
    return entity("observation", f"{graph_name}/{facility_key}/inventory-{n}")


def indicator(kind: str, *keys: str) -> NamedNode:
    """One materialised indicator value: ``cmid:indicator/{kind}/{key}/…``, e.g.
    ``indicator("concentration", "lithium", "mining", "production", "2024")``."""
    return entity("indicator", "/".join((kind, *keys)))


def indicator_method(key: str, version: int) -> NamedNode:
    """How an indicator is computed, versioned so that a changed formula gets a new IRI: ``cmid:method/{key}/v{n}``."""
    return entity("method", f"{key}/v{version}")


def analytics_run(stamp: str) -> NamedNode:
    """One recomputation of the indicators (a ``prov:Activity``): ``cmid:analytics-run/{UTC time, compact}``."""
    return entity("analytics-run", stamp)


def document(key: str) -> NamedNode:
    """A cited document: ``cmid:document/{key}`` (``doi-{slug of DOI}``, else ``url-{16 hex of sha256(url)}``).

    A document read from a file (``extractors/documents.py``) has the slug of its file stem as key.
    """
    return entity("document", key)


def partner(key: str, *, base: str = BASE) -> NamedNode:
    """A data partner ``{base}id/partner/{slug}`` (slugs are checked by ``kg/accounts.py``); ``base`` is the setting
    ``public_base_iri``, since the catalog names a partner graph's publisher with it.

    >>> partner("bgs").value
    'https://w3id.org/critmin/id/partner/bgs'
    """
    return NamedNode(f"{base}id/partner/{key}")


# A partner graph's name: what follows the partner's slug (kept short and path-safe, so the IRI stays readable).
PARTNER_GRAPH_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_PARTNER_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")  # as kg/accounts.py checks slugs


@dataclass(frozen=True)
class PartnerGraphName:
    """Whose a partner graph is: ``slug`` owns it; ``catalog`` says the IRI is the graph's catalog companion,
    ``links`` that it is the graph's linkset (``partner_links_graph``)."""

    slug: str
    name: str
    catalog: bool = False
    links: bool = False

    @property
    def companion(self) -> bool:
        """A graph that goes with a partner graph (its catalog entry or linkset): read as it is, written by nobody
        through ``/store``."""
        return self.catalog or self.links


def partner_graph(slug: str, name: str, *, base: str = BASE) -> NamedNode:
    """A partner's own graph ``{base}graph/partner/{slug}/{name}``, the only graphs ``/store`` writes.

    >>> partner_graph("bgs", "uk-sites").value
    'https://w3id.org/critmin/graph/partner/bgs/uk-sites'
    """
    if not _PARTNER_SLUG.fullmatch(slug) or not PARTNER_GRAPH_NAME.fullmatch(name):
        raise ValueError(f"bad partner graph slug/name {slug!r}/{name!r}: the name is 1 to 60 characters "
                         "a-z, 0-9 and '-', starting with a letter or digit")
    return NamedNode(f"{base}graph/partner/{slug}/{name}")


def partner_catalog_graph(slug: str, name: str, *, base: str = BASE) -> NamedNode:
    """The companion graph holding the DCAT entry of ``partner_graph(slug, name)``; kept apart from ``cmg:catalog``
    so that hiding a private graph hides its entry too: ``{base}graph/partner-catalog/{slug}/{name}``."""
    return NamedNode(partner_graph(slug, name, base=base).value.replace("/graph/partner/", "/graph/partner-catalog/",
                                                                         1))


def partner_links_graph(slug: str, name: str, *, base: str = BASE) -> NamedNode:
    """The VoID linkset of ``partner_graph(slug, name)``: proposed links between its entities and ours, and the
    accepted ones asserted (``kg/link_store.py``); a sibling of the graph, so that it can be hidden with it:
    ``{base}graph/partner-links/{slug}/{name}``.

    >>> partner_links_graph("bgs", "uk-sites").value
    'https://w3id.org/critmin/graph/partner-links/bgs/uk-sites'
    """
    return NamedNode(partner_graph(slug, name, base=base).value.replace("/graph/partner/", "/graph/partner-links/", 1))


def parse_partner_graph(iri: str, *, base: str = BASE) -> PartnerGraphName | None:
    """Whose partner graph (or catalog companion, or linkset) ``iri`` is; None when it is none of them.

    >>> parse_partner_graph("https://w3id.org/critmin/graph/partner/bgs/uk-sites")
    PartnerGraphName(slug='bgs', name='uk-sites', catalog=False, links=False)
    >>> parse_partner_graph("https://w3id.org/critmin/graph/partner-links/bgs/uk-sites").links
    True
    >>> parse_partner_graph("https://w3id.org/critmin/graph/catalog") is None
    True
    """
    kinds = ((f"{base}graph/partner/", False, False), (f"{base}graph/partner-catalog/", True, False),
             (f"{base}graph/partner-links/", False, True))
    for prefix, is_catalog, is_links in kinds:
        if iri.startswith(prefix):
            slug, _, name = iri.removeprefix(prefix).partition("/")
            if _PARTNER_SLUG.fullmatch(slug) and PARTNER_GRAPH_NAME.fullmatch(name):
                return PartnerGraphName(slug, name, is_catalog, is_links)
    return None


def key_of(iri: NamedNode) -> str:
    """The last path segment of one of our IRIs: ``AUS`` for ``cmid:country/AUS``, ``world`` for ``place/world``."""
    return iri.value.rstrip("/").rsplit("/", 1)[-1]


CATALOG_GRAPH = graph("catalog")
# Indicators computed from the other graphs (kg/analytics/materialise.py); rebuilt whole on every recomputation.
ANALYTICS_GRAPH_NAME = "analytics"
ANALYTICS_GRAPH = graph(ANALYTICS_GRAPH_NAME)
SUMMARIES_GRAPH_NAME = "summaries"  # hub summaries behind the country and commodity pages (kg/hub_summaries.py)
SUMMARIES_GRAPH = graph(SUMMARIES_GRAPH_NAME)
ONTOLOGY_GRAPH = graph("ontology")
STAGING_GRAPH_PREFIX = GRAPH + "staging/"
# A staging graph whose name ends so marks a graph being loaded for the first time as incomplete until it commits.
INCOMPLETE_MARKER = "incomplete"


def link_proposal(slug: str, name: str, subject: str, object_: str, *, base: str = BASE) -> NamedNode:
    """A link proposal between a partner entity and ours in the linkset of ``partner_graph(slug, name)``:
    ``{base}id/link-proposal/{slug}/{name}/{16 hex of sha256(subject + " " + object)}``; the same pair keeps its IRI
    (and so its decision) whatever the relation proposed."""
    digest = hashlib.sha256(f"{subject} {object_}".encode()).hexdigest()[:16]
    return NamedNode(f"{base}id/link-proposal/{slug}/{name}/{digest}")
