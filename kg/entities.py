"""What the graph says about one entity, as plain dataclasses that feed both the HTML page and its RDF/JSON forms.

``describe_entity`` gathers the statements about an IRI from every named graph, with where each came from (graph,
catalog title, licence, load time, source record, confidence), the statements of its ``owl:sameAs`` partners, a page
of inbound links, and extras for facilities, commodities, countries and criticality lists, with the materialised
indicators concerning a commodity or country (``kg.entity_indicators``). What a country or commodity page would count
over tens of thousands of facilities, observations and links comes from its hub summary when that is current
(``kg.hub_facts``), else from the live queries. ``entity_quads`` gives the same entity as RDF. Every query is a
``.rq`` file beside this module and is bounded by a LIMIT.

>>> from pyoxigraph import Store
>>> describe_entity(Store(), "https://w3id.org/critmin/id/country/XXX") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg import hub_facts, iris
from kg.entity_indicators import EntityIndicators, commodity_indicators, country_indicators, indicator_quads
from kg.hub_facts import HubSummary
from kg.rq import load_query
from kg.store import query

RDFS_LABEL = iris.PREFIXES["rdfs"] + "label"
SKOS = iris.PREFIXES["skos"]
LABEL_PROPERTIES = (RDFS_LABEL, SKOS + "prefLabel", iris.PREFIXES["dct"] + "title")
DESCRIPTION_PROPERTIES = (SKOS + "definition", iris.PREFIXES["rdfs"] + "comment", iris.PREFIXES["dct"] + "description")
RDF_TYPE = iris.PREFIXES["rdf"] + "type"
LABEL_LOOKUP = (NamedNode(RDFS_LABEL), NamedNode(SKOS + "prefLabel"))
INBOUND_CAP = 10_000  # the inbound query's LIMIT: pages past it are empty, the total stays exact
# Identifier properties -> (name shown, URL template for the value or None)
IDENTIFIERS: dict[str, tuple[str, str | None]] = {
    iris.ONTOLOGY + "iso3166Alpha2": ("ISO 3166-1 alpha-2", None),
    iris.ONTOLOGY + "iso3166Alpha3": ("ISO 3166-1 alpha-3", None),
    iris.ONTOLOGY + "iso3166Numeric": ("ISO 3166-1 numeric", None),
    iris.ONTOLOGY + "elementSymbol": ("element symbol", None),
    iris.ONTOLOGY + "hsCode": ("HS code", None),
    iris.ONTOLOGY + "minmodId": ("MinMod", "https://minmod.isi.edu/resource/{}"),
    iris.ONTOLOGY + "icmmId": ("ICMM", None),
    iris.ONTOLOGY + "wikidataId": ("Wikidata", "https://www.wikidata.org/wiki/{}"),
}
# A statement-level confidence: property -> the property holding the source's confidence in that statement.
STATEMENT_CONFIDENCE = {iris.ONTOLOGY + "country": iris.ONTOLOGY + "countryConfidence"}
KINDS = ("facility", "commodity", "country", "list")
# The LIMITs of commodity_production.rq, commodity_facilities_by_stage.rq, country_facilities.rq and
# entity_extracted_statements.rq, which a page built from a hub summary keeps too.
PRODUCTION_LIMIT, STAGE_LIMIT, FACILITY_LIMIT, STATEMENT_LIMIT = 3000, 50, 100, 200


@dataclass
class Term:
    """An IRI with the label to show for it (None: show a short form of the IRI)."""

    iri: str
    label: str | None = None


@dataclass
class Value:
    """The object of a statement: an IRI (with its label), a literal (datatype, language) or a blank node."""

    kind: str  # "iri", "literal" or "blank"
    value: str
    label: str | None = None
    datatype: str | None = None
    language: str | None = None


@dataclass
class Source:
    """Where a statement came from: the named graph, its catalog entry, the source record, the confidence."""

    graph: str
    title: str | None = None
    license: str | None = None
    rights: str | None = None
    loaded: str | None = None
    record: str | None = None
    file: str | None = None
    row: int | None = None
    confidence: str | None = None
    via: str | None = None  # the owl:sameAs partner whose statement this is, None for the entity's own
    publisher: str | None = None  # the partner whose graph this is (its catalog entry's dct:publisher)


@dataclass
class Statement:
    value: Value
    sources: list[Source] = field(default_factory=list)


@dataclass
class PropertyGroup:
    property: Term
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Identifier:
    scheme: str
    value: str
    url: str | None = None


@dataclass
class InboundLink:
    subject: Term
    property: Term


@dataclass
class InboundPage:
    links: list[InboundLink]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, INBOUND_CAP) // self.page_size))


@dataclass
class Location:
    """Where a facility is: a WGS 84 point and its geometry as WKT."""

    lat: float | None
    lon: float | None
    wkt: str | None


@dataclass
class ProductionSeries:
    """One row of a producers table: a place's production at one stage and unit, by year."""

    area: Term
    stage: str | None
    measure: str | None
    unit: str | None
    values: dict[str, float | None]  # year -> value (None: withheld or not available)
    statuses: dict[str, str] = field(default_factory=dict)  # year -> value status, where not a plain number


@dataclass
class StageCount:
    stage: Term
    count: int


@dataclass
class ListInclusion:
    list: Term
    year: str | None
    jurisdiction: str | None
    via: Term | None = None  # the broader concept the list names, when it names not this commodity itself


@dataclass
class CommodityFacts:
    years: list[str]
    producers: list[ProductionSeries]
    facilities_by_stage: list[StageCount]
    lists: list[ListInclusion]


@dataclass
class CountryProduction:
    commodity: Term
    years: list[str]
    series: list[ProductionSeries]


@dataclass
class CountryFacts:
    production: list[CountryProduction]
    facility_count: int
    facilities: list[Term]  # the first 100, by name
    facility_types: dict[str, str]  # facility IRI -> type label
    lists: list[ListInclusion]


@dataclass
class Member:
    named: str
    commodity: Term | None
    grade: str | None
    membership: str


@dataclass
class ListFacts:
    official: int | None
    recorded: int | None
    complete: bool | None
    note: str | None
    members: list[Member]

    @property
    def summary(self) -> str:
        """``14 of 34 recorded, incomplete``."""
        recorded = self.recorded if self.recorded is not None else len(self.members)
        if self.official is None:
            return f"{recorded} recorded"
        state = "complete" if self.complete or (self.complete is None and recorded >= self.official) else "incomplete"
        return f"{recorded} of {self.official} recorded, {state}"


@dataclass
class Evidence:
    """One extracted statement about the entity: the relation, the other end, the sentence and its review status."""

    statement: str
    relation: str
    role: str  # "subject" or "object": which end the entity is
    other: Term
    evidence: str | None
    status: str | None  # candidate, accepted or rejected


@dataclass
class MentionedIn:
    """A document that mentions the entity, with the extracted statements about it (kg/document_facts.py)."""

    document: Term
    statements: list[Evidence] = field(default_factory=list)


def mentioned_in(store: Store, subject: NamedNode, summary: HubSummary | None = None) -> list[MentionedIn]:
    """The documents mentioning ``subject`` (at most 50) and the statements about it (at most 200), by document; a
    hub's statements from its summary (``kg.hub_facts``), as thousands may be about it."""
    documents = {r["doc"].value: MentionedIn(Term(r["doc"].value, _str(r["docLabel"])))
                 for r in query(store, _rq("entity_mentioned_in"), subject=subject) if isinstance(r["doc"], NamedNode)}
    statements = (hub_facts.statement_rows(store, subject, summary, STATEMENT_LIMIT) if summary is not None
                  else query(store, _rq("entity_extracted_statements"), subject=subject))
    for r in statements:
        doc = _str(r["doc"]) or ""
        entry = documents.setdefault(doc, MentionedIn(Term(doc, None)))
        status = _str(r["status"])
        entry.statements.append(Evidence(
            statement=r["statement"].value, relation=r["relation"].value, role=r["role"].value,
            other=Term(r["other"].value, _str(r["otherLabel"])), evidence=_str(r["evidence"]),
            status=status.rsplit("/", 1)[-1] if status else None))
    return list(documents.values())


@dataclass
class EntityDescription:
    iri: str
    kind: str | None  # "facility", "commodity", "country", "list" or None
    label: str
    labels: list[Value]
    types: list[Term]
    description: str | None
    identifiers: list[Identifier]
    properties: list[PropertyGroup]
    inbound: InboundPage
    same_as: list[Term]
    graphs: list[Source]  # every graph holding the entity (with its partners'), as cited by the statements
    location: Location | None = None
    commodity: CommodityFacts | None = None
    country: CountryFacts | None = None
    criticality_list: ListFacts | None = None
    mentioned_in: list[MentionedIn] = field(default_factory=list)  # documents citing it, with evidence
    indicators: EntityIndicators | None = None  # the materialised indicators concerning it (kg/entity_indicators.py)


def _rq(name: str) -> str:
    return load_query(__file__, name)


def _str(term: Any) -> str | None:
    return None if term is None else term.value


def _number(term: Any) -> float | None:
    if term is None:
        return None
    try:
        number = float(term.value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _count(rows: Any, name: str) -> int:
    """The count a grouped COUNT query gives (no row: nothing matched)."""
    row = next(iter(rows), None)
    return int(row[name].value) if row is not None else 0


def _value(term: Any, label: Any = None) -> Value:
    if isinstance(term, NamedNode):
        return Value("iri", term.value, label=_str(label))
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype else None
        if term.language or datatype == iris.PREFIXES["xsd"] + "string":
            datatype = None
        return Value("literal", term.value, datatype=datatype, language=term.language)
    return Value("blank", str(term))


def kind_of(iri: str) -> str | None:
    """The page kind of one of our IRIs: ``facility`` for ``cmid:facility/icmm-ICMM00566``, else None.

    >>> kind_of("https://w3id.org/critmin/id/list/UK_CMIC_2024"), kind_of("https://w3id.org/critmin/id/facility/x/geometry")
    ('list', None)
    """
    if not iri.startswith(iris.ID):
        return None
    parts = iri[len(iris.ID):].split("/")
    return parts[0] if len(parts) == 2 and parts[0] in KINDS and parts[1] else None


def _sources(store: Store, subject: NamedNode, *, via: str | None = None) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for row in query(store, _rq("entity_sources"), subject=subject):
        graph = row["graph"].value
        if graph in out:  # several records or confidences: keep the first, they are alternatives of one row
            continue
        out[graph] = Source(
            graph=graph, title=_str(row["title"]), license=_str(row["license"]), rights=_str(row["rights"]),
            loaded=_str(row["modified"]), record=_str(row["record"]), file=_str(row["file"]),
            row=int(row["row"].value) if row["row"] else None, confidence=_str(row["confidence"]), via=via,
            publisher=_str(row["publisher"]),
        )
    return out


def _statements(store: Store, subject: NamedNode, sources: dict[str, Source], groups: dict[str, PropertyGroup],
                labels: dict[str, str]) -> None:
    """Add the statements about ``subject`` to ``groups`` (property IRI -> group), merging equal values."""
    rows = list(query(store, _rq("entity_statements"), subject=subject))
    confidences = {
        (row["graph"].value, row["p"].value): row["o"].value
        for row in rows if row["p"].value in STATEMENT_CONFIDENCE.values()
    }
    for row in rows:
        graph, p, o = row["graph"].value, row["p"].value, row["o"]
        if row["pLabel"]:
            labels.setdefault(p, row["pLabel"].value)
        group = groups.setdefault(p, PropertyGroup(Term(p, _str(row["pLabel"]))))
        value = _value(o, row["oLabel"])
        statement = next((s for s in group.statements if s.value == value), None)
        if statement is None:
            statement = Statement(value)
            group.statements.append(statement)
        source = sources.get(graph, Source(graph=graph))
        confidence_property = STATEMENT_CONFIDENCE.get(p)
        if confidence_property and (graph, confidence_property) in confidences:
            source = Source(**{**source.__dict__, "confidence": confidences[(graph, confidence_property)]})
        if source not in statement.sources:
            statement.sources.append(source)


def _label(store: Store, iri: str) -> str | None:
    """One label of ``iri``: rdfs:label, else skos:prefLabel. Read by pattern, not by a query: a page labels
    its 50 inbound links, and parsing a query for each cost more than the look-up (bench/profile_entities.py)."""
    node = NamedNode(iri)
    for prop in LABEL_LOOKUP:
        quad = next(iter(store.quads_for_pattern(node, prop, None, None)), None)
        if quad is not None:
            return quad.object.value
    return None


def _inbound(store: Store, subject: NamedNode, *, page: int, page_size: int,
             summary: HubSummary | None = None) -> InboundPage:
    start = (page - 1) * page_size
    if summary is not None:  # a hub: its summary has the total and the first links, the live query the rest
        total, first = hub_facts.inbound_pairs(store, subject, summary)
        complete = summary.inbound_total <= len(summary.inbound_first)
        pairs = first if complete or start + page_size <= len(summary.inbound_first) else _inbound_pairs(store, subject)
    else:
        pairs = _inbound_pairs(store, subject)
        total = len(pairs)
        if total >= INBOUND_CAP:  # more than the query fetches: count them all
            total = _count(query(store, _rq("entity_inbound_count"), subject=subject), "total")
    property_labels: dict[str, str | None] = {}
    links = []
    for p, s in pairs[start:start + page_size]:
        if p not in property_labels:
            property_labels[p] = _label(store, p)
        links.append(InboundLink(Term(s, _label(store, s)), Term(p, property_labels[p])))
    return InboundPage(links=links, total=total, page=page, page_size=page_size)


def _inbound_pairs(store: Store, subject: NamedNode) -> list[tuple[str, str]]:
    """Up to ``INBOUND_CAP`` (property, subject) pairs pointing at ``subject``, sorted."""
    return sorted({(r["p"].value, r["s"].value) for r in query(store, _rq("entity_inbound"), subject=subject)
                   if isinstance(r["s"], NamedNode)})


def describe_entity(store: Store, iri: str, *, inbound_page: int = 1, page_size: int = 50) -> EntityDescription | None:
    """Everything the graph says about ``iri``; None when no graph holds it as a subject (a 404)."""
    subject = NamedNode(iri)
    sources = _sources(store, subject)
    if not sources:
        return None
    groups: dict[str, PropertyGroup] = {}
    property_labels: dict[str, str] = {}
    _statements(store, subject, sources, groups, property_labels)
    own = {p: [s.value for s in g.statements] for p, g in groups.items()}

    same_as = [Term(r["partner"].value, _str(r["label"]))
               for r in query(store, _rq("entity_same_as"), subject=subject) if isinstance(r["partner"], NamedNode)]
    graphs = list(sources.values())
    for partner in same_as:
        partner_sources = _sources(store, NamedNode(partner.iri), via=partner.iri)
        graphs += partner_sources.values()
        _statements(store, NamedNode(partner.iri), partner_sources, groups, property_labels)

    labels = [v for p in LABEL_PROPERTIES for v in own.get(p, [])]
    label = labels[0].value if labels else iris.key_of(subject)
    description = next((v.value for p in DESCRIPTION_PROPERTIES for v in own.get(p, [])), None)
    types = [Term(v.value, v.label) for v in own.get(RDF_TYPE, [])]
    identifiers = [
        Identifier(IDENTIFIERS[p][0], v.value, IDENTIFIERS[p][1].format(v.value) if IDENTIFIERS[p][1] else None)
        for p in IDENTIFIERS for v in own.get(p, [])
    ]
    shown_first = [RDF_TYPE, *LABEL_PROPERTIES]
    properties = sorted(groups.values(), key=lambda g: (g.property.iri not in shown_first,
                                                        (g.property.label or g.property.iri).lower()))
    kind = kind_of(iri)
    hub = kind in ("commodity", "country") or iri.startswith(iris.ID + "place/")
    summary = hub_facts.summary_of(store, subject) if hub else None
    described = EntityDescription(
        iri=iri, kind=kind, label=label, labels=labels, types=types, description=description,
        identifiers=identifiers, properties=properties,
        inbound=_inbound(store, subject, page=max(1, inbound_page), page_size=page_size, summary=summary),
        same_as=same_as, graphs=graphs, mentioned_in=mentioned_in(store, subject, summary),
    )
    if kind == "facility":
        described.location = facility_location(store, subject)
    elif kind == "commodity":
        described.commodity = commodity_facts(store, subject, summary)
        described.indicators = commodity_indicators(store, subject, label)
    elif kind == "country" or iri.startswith(iris.ID + "place/"):
        described.country = country_facts(store, subject, summary)
        described.indicators = country_indicators(store, subject, hub_facts.table_rows(store, summary,
                                                                                        "country-shares"))
    elif kind == "list":
        described.criticality_list = list_facts(store, subject)
    return described


def entity_quads(store: Store, iri: str) -> list[Quad]:
    """The entity as RDF: every quad with it as subject, then its provenance (catalog entries, source records)."""
    subject = NamedNode(iri)
    quads = [Quad(subject, r["p"], r["o"], r["graph"]) for r in query(store, _rq("entity_statements"), subject=subject)]
    quads += [Quad(r["s"], r["p"], r["o"], r["graph"])
              for r in query(store, _rq("entity_provenance_quads"), subject=subject)
              if isinstance(r["s"], NamedNode | BlankNode)]
    kind = kind_of(iri)  # the indicators its page cites, as the HTML and JSON show them
    if kind == "commodity":
        quads += indicator_quads(store, subject, commodity_indicators(store, subject))
    elif kind == "country":
        quads += indicator_quads(store, subject, country_indicators(store, subject))
    return list(dict.fromkeys(quads))


def facility_location(store: Store, subject: NamedNode) -> Location | None:
    row = next(iter(query(store, _rq("facility_location"), subject=subject)), None)
    if row is None or (row["lat"] is None and row["wkt"] is None):
        return None
    return Location(lat=_number(row["lat"]), lon=_number(row["lon"]), wkt=_str(row["wkt"]))


def _series(rows: list[Any], key: str, key_label: str) -> tuple[list[str], list[ProductionSeries]]:
    years: set[str] = set()
    series: dict[tuple[str, str | None, str | None, str | None], ProductionSeries] = {}
    for r in rows:
        year = r["year"].value
        years.add(year)
        unit = _str(r["unitLabel"]) or None
        group_key = (r[key].value, _str(r["stageLabel"]), _str(r["measure"]), unit)
        entry = series.setdefault(group_key, ProductionSeries(
            Term(r[key].value, _str(r[key_label])), group_key[1], group_key[2], unit, {}))
        entry.values[year] = _number(r["value"])
        if r["status"] is not None and r["value"] is None:
            entry.statuses[year] = r["status"].value
    return sorted(years), list(series.values())


def commodity_facts(store: Store, subject: NamedNode, summary: HubSummary | None = None) -> CommodityFacts:
    """Producers by place over the years, facilities by stage, and the lists including the commodity; from the
    commodity's summary (``kg.hub_facts``) when there is a current one."""
    if summary is not None:
        rows = hub_facts.production_rows(store, subject, summary, PRODUCTION_LIMIT)
        by_stage = [StageCount(Term(e.stage, _str(e.label)), e.count)
                    for e in hub_facts.commodity_stages(store, subject, summary)][:STAGE_LIMIT]
    else:
        rows = list(query(store, _rq("commodity_production"), subject=subject))
        by_stage = [StageCount(Term(r["stage"].value, _str(r["stageLabel"])), int(r["count"].value))
                    for r in query(store, _rq("commodity_facilities_by_stage"), subject=subject)]
    years, producers = _series(rows, "area", "areaLabel")
    lists = [
        ListInclusion(Term(r["list"].value, _str(r["listLabel"])), _str(r["year"]), _str(r["jurisdictionLabel"]),
                      Term(r["via"].value, _str(r["viaLabel"])) if r["via"] else None)
        for r in query(store, _rq("commodity_lists"), subject=subject)
    ]
    return CommodityFacts(years=years, producers=producers, facilities_by_stage=by_stage, lists=lists)


def country_facts(store: Store, subject: NamedNode, summary: HubSummary | None = None) -> CountryFacts:
    """What a place produces (by commodity), its facilities (count and the first 100) and the lists it publishes;
    the facilities from the place's summary (``kg.hub_facts``) when there is a current one."""
    by_commodity: dict[str, list[Any]] = {}
    for r in query(store, _rq("country_production"), subject=subject):
        by_commodity.setdefault(r["commodity"].value, []).append(r)
    production = []
    for rows in by_commodity.values():
        years, series = _series(rows, "commodity", "commodityLabel")
        production.append(CountryProduction(series[0].area, years, series))
    if summary is not None and summary.facility_count is not None:
        count, entries = hub_facts.country_facilities(store, subject, summary, FACILITY_LIMIT)
        facilities = [Term(e.facility, _str(e.label)) for e in entries]
        types = {e.facility: e.type_label.value for e in entries if e.type_label is not None}
    else:
        count = _count(query(store, _rq("country_facility_count"), subject=subject), "count")
        rows = list(query(store, _rq("country_facilities"), subject=subject))
        facilities = [Term(r["facility"].value, _str(r["label"])) for r in rows]
        types = {r["facility"].value: r["typeLabel"].value for r in rows if r["typeLabel"]}
    lists = [ListInclusion(Term(r["list"].value, _str(r["listLabel"])), _str(r["year"]), None)
             for r in query(store, _rq("country_lists"), subject=subject)]
    return CountryFacts(
        production=production, facility_count=count, facilities=facilities, facility_types=types, lists=lists,
    )


def list_facts(store: Store, subject: NamedNode) -> ListFacts:
    """The members of a criticality list and how complete our copy is."""
    row = next(iter(query(store, _rq("list_completeness"), subject=subject)))
    members = [
        Member(named=r["named"].value,
               commodity=Term(r["commodity"].value, _str(r["commodityLabel"])) if r["commodity"] else None,
               grade=_str(r["grade"]), membership=r["membership"].value)
        for r in query(store, _rq("list_members"), subject=subject)
    ]
    official = _number(row["official"])
    recorded = _number(row["recorded"])
    return ListFacts(
        official=int(official) if official is not None else None,
        recorded=int(recorded) if recorded is not None else None,
        complete=row["complete"].value == "true" if row["complete"] else None,
        note=_str(row["note"]), members=members,
    )


def find_by_label(store: Store, text: str) -> list[Term]:
    """Up to 10 entities whose label contains ``text``, shortest label first (the help of a 404 page)."""
    if not text.strip():
        return []
    return [Term(r["entity"].value, _str(r["label"]))
            for r in query(store, _rq("label_lookup"), text=Literal(text.strip()))]


@dataclass
class OntologyTerm:
    """The documentation of one term of our ontology: what it is, how it relates, how much the data uses it."""

    iri: str
    kind: str | None  # the OWL kind, e.g. owl:Class
    label: str
    comment: str | None
    superterms: list[Term]
    subterms: list[Term]
    domain: list[Term]
    range: list[Term]
    properties: list[Term]  # properties whose domain is this class
    instances: int
    uses: int
    description: EntityDescription


def describe_term(store: Store, iri: str) -> OntologyTerm | None:
    """An ontology term's documentation page; None when the ontology graph does not describe ``iri``."""
    described = describe_entity(store, iri, page_size=20)
    if described is None:
        return None
    related: dict[str, list[Term]] = {"super": [], "sub": [], "domain": [], "range": [], "property": []}
    for r in query(store, _rq("ontology_term"), term=NamedNode(iri)):
        if isinstance(r["other"], NamedNode):
            related[r["relation"].value].append(Term(r["other"].value, _str(r["otherLabel"])))
    owl = iris.PREFIXES["owl"]
    kinds = [t.iri for t in described.types]
    kind = next((k for k in kinds if k.startswith(owl)), kinds[0] if kinds else None)
    return OntologyTerm(
        iri=iri, kind=kind, label=described.label,
        comment=described.description, superterms=related["super"], subterms=related["sub"],
        domain=related["domain"], range=related["range"], properties=related["property"],
        instances=_count(query(store, _rq("ontology_instances"), term=NamedNode(iri)), "count"),
        uses=_count(query(store, _rq("ontology_uses"), term=NamedNode(iri)), "count"), description=described,
    )


def list_terms(store: Store) -> list[tuple[Term, str | None, str | None]]:
    """Every term of our ontology: (term, OWL kind, comment), by IRI."""
    return [(Term(r["term"].value, _str(r["label"])), _str(r["kind"]), _str(r["comment"]))
            for r in query(store, _rq("ontology_terms"), namespace=NamedNode(iris.ONTOLOGY))]


def entity_exists(store: Store, iri: str) -> bool:
    """Whether some graph holds ``iri`` as a subject (what makes it a page rather than a 404)."""
    return next(iter(query(store, _rq("entity_exists"), subject=NamedNode(iri))), None) is not None
