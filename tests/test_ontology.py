"""Tests of the ontology files (ontology/*.ttl) and of SHACL validation (kg/validation.py)."""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.validation import ONTOLOGY_DIR, ontology_files, validate_graph

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path("/work/shared/data")

CM = rdflib.Namespace("https://w3id.org/critmin/ontology/")
CMID = rdflib.Namespace("https://w3id.org/critmin/id/")
QUDT = rdflib.Namespace("http://qudt.org/schema/qudt/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
MMR = rdflib.Namespace("https://minmod.isi.edu/resource/")
WD = rdflib.Namespace("http://www.wikidata.org/entity/")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = rdflib.Namespace("https://schema.org/")
COMMODITIES = CMID["scheme/commodities"]

EXPECTED_FILES = {"core.ttl", "vocabularies.ttl", "commodities.ttl", "shapes.ttl"}

# List entries that name several commodities at once; the loader splits them, so they are not labels of one concept.
COMPOUND_MEMBERS = {
    "bauxite/alumina/aluminium": ["bauxite", "alumina", "aluminium"],
    "rare earth elements for magnets (Nd, Pr, Tb, Dy, Gd, Sm, Ce)": ["Nd", "Pr", "Tb", "Dy", "Gd", "Sm", "Ce"],
}


def graph(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / name, format="turtle")


@pytest.fixture(scope="module")
def core() -> rdflib.Graph:
    return graph("core.ttl")


@pytest.fixture(scope="module")
def commodities() -> rdflib.Graph:
    return graph("commodities.ttl")


@pytest.fixture(scope="module")
def label_index(commodities: rdflib.Graph) -> dict[str, set[rdflib.URIRef]]:
    """Every prefLabel, altLabel and hiddenLabel, lowercased and trimmed -> the concepts that carry it."""
    index: dict[str, set[rdflib.URIRef]] = defaultdict(set)
    for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
        for concept, label in commodities.subject_objects(prop):
            if (concept, RDF.type, CM.Commodity) in commodities:
                index[str(label).strip().lower()].add(concept)
    return index


def data_file(relative: str) -> Path:
    """A source file: the project's copy under data/ if there is one, else the shared bundle."""
    for base in (ROOT / "data", SHARED_DATA):
        if (base / relative).is_file():
            return base / relative
    pytest.skip(f"source file {relative} is not available")


def normalise_member(name: str) -> str:
    """What the loader does to a list member's name before looking it up."""
    text = re.sub(r"\([^)]*\)", " ", name.strip().lower())
    text = re.sub(r"\b(battery grade|metallurgy grade|metal)\b", " ", text)
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------------------------------
# The files


def test_ontology_files_lists_the_turtle_files():
    files = ontology_files()
    assert {f.name for f in files} >= EXPECTED_FILES
    assert all(f.suffix == ".ttl" and f.parent == ONTOLOGY_DIR for f in files)


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_file_parses_with_rdflib_and_pyoxigraph(name: str):
    path = ONTOLOGY_DIR / name
    rdflib_triples = len(rdflib.Graph().parse(path, format="turtle"))
    oxigraph_triples = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert rdflib_triples > 0
    assert rdflib_triples == len(oxigraph_triples)


def test_ontology_header(core: rdflib.Graph):
    onto = rdflib.URIRef(str(CM))
    assert (onto, RDF.type, OWL.Ontology) in core
    assert str(core.value(onto, OWL.versionInfo)) == "1.0.0"
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    for prop in (dct.title, dct.description, dct.created):
        assert core.value(onto, prop) is not None, prop
    assert core.value(onto, dct.license) == rdflib.URIRef("https://www.apache.org/licenses/LICENSE-2.0")


# ---------------------------------------------------------------------------------------------------------------------
# Terms


def declared_terms(core: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
    return {s for kind in kinds for s in core.subjects(RDF.type, kind) if str(s).startswith(str(CM))}


def test_every_core_term_has_label_comment_and_defined_by(core: rdflib.Graph):
    terms = declared_terms(core)
    assert len(terms) > 80
    for term in terms:
        assert core.value(term, RDFS.label) is not None, term
        comment = core.value(term, RDFS.comment)
        assert comment is not None and str(comment).endswith("."), term
        assert core.value(term, RDFS.isDefinedBy) == rdflib.URIRef(str(CM)), term


def test_every_cm_term_in_the_other_files_is_declared_in_core(core: rdflib.Graph):
    declared = declared_terms(core)
    used: set[rdflib.URIRef] = set()
    for name in ("shapes.ttl", "vocabularies.ttl", "commodities.ttl"):
        g = graph(name)
        for triple in g:
            for node in triple:
                if isinstance(node, rdflib.URIRef) and str(node).startswith(str(CM)) and str(node) != str(CM):
                    used.add(node)
                elif isinstance(node, rdflib.Literal) and "SELECT" in str(node):  # SPARQL constraints of the shapes
                    used.update(CM[local] for local in re.findall(r"\bcm:(\w+)", str(node)))
    assert used, "no cm: terms found"
    assert sorted(used - declared) == []


def test_every_term_of_the_model_sheet_is_declared(core: rdflib.Graph):
    sheet = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    named = {CM[local] for local in re.findall(r"`?\bcm:([A-Za-z][A-Za-z0-9]*)", sheet)}
    assert CM.Observation in named and CM.valueStatus in named
    assert sorted(named - declared_terms(core)) == []


def test_superclasses_and_alignments_from_the_sheet(core: rdflib.Graph):
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    geo = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    mm = rdflib.Namespace("https://minmod.isi.edu/ontology/")
    expected = {
        CM.Commodity: {SKOS.Concept},
        CM.Organization: {org.Organization, SCHEMA.Organization},
        CM.Country: {CM.Place, SCHEMA.Country},
        CM.Facility: {org.Site, SCHEMA.Place, geo.Feature},
        CM.Observation: {prov.Entity},
        CM.CriticalityList: {dcat.Resource, prov.Entity},
        CM.SourceRecord: {prov.Entity},
    }
    for cls, supers in expected.items():
        assert supers <= set(core.objects(cls, RDFS.subClassOf)), cls
    assert (CM.Mine, SKOS.closeMatch, WD.Q820477) in core
    assert (CM.Deposit, SKOS.closeMatch, mm.MineralSite) in core
    assert (CM.Commodity, SKOS.closeMatch, mm.Commodity) in core
    # No owl:equivalentClass to a Wikidata item: none of ours is exactly the same.
    assert not [o for o in core.objects(None, OWL.equivalentClass) if str(o).startswith(str(WD))]


def test_properties_with_several_domains_use_domain_includes(core: rdflib.Graph):
    # rdfs:domain would make every subject an instance of all the listed classes.
    for prop in (CM.commodity, CM.stage, CM.sourceFile, CM.jurisdiction, CM.hsCode):
        assert core.value(prop, RDFS.domain) is None, prop
        assert core.value(prop, SCHEMA.domainIncludes) is not None, prop


# ---------------------------------------------------------------------------------------------------------------------
# Small schemes


def test_small_schemes_have_the_concepts_of_the_sheet():
    vocab = graph("vocabularies.ttl")
    expected = {
        "stages": (
            "stage",
            [
                "exploration",
                "mining",
                "concentration",
                "refining",
                "component-manufacturing",
                "cell-manufacturing",
                "end-use",
                "recycling",
            ],
        ),
        "facility-types": (
            "facility-type",
            [
                "mine",
                "concentrator",
                "smelter",
                "refinery",
                "chemical-plant",
                "precursor-plant",
                "cathode-plant",
                "anode-plant",
                "cell-plant",
                "ev-assembly-plant",
                "recycling-plant",
                "steel-plant",
                "deposit",
                "processing-plant",
            ],
        ),
        "quantity-kinds": ("quantity-kind", ["production", "capacity", "reserves", "resources"]),
        "value-statuses": (
            "value-status",
            [
                "reported",
                "estimated",
                "withheld",
                "not-available",
                "large",
                "small",
                "included-in-total",
                "not-reported",
                "net-exporter",  # USGS "E" in net-import-reliance cells (usgs-mcs2025-salient, -import-sources)
            ],
        ),
        "list-kinds": ("list-kind", ["critical", "strategic", "watchlist"]),
    }
    for scheme, (singular, slugs) in expected.items():
        members = set(vocab.subjects(SKOS.inScheme, CMID[f"scheme/{scheme}"]))
        assert members == {CMID[f"{singular}/{slug}"] for slug in slugs}, scheme
        for concept in members:
            labels = [lab for lab in vocab.objects(concept, SKOS.prefLabel) if lab.language == "en"]
            assert len(labels) == 1, concept
            assert vocab.value(concept, SKOS.definition) is not None, concept


def test_stages_are_ordered_and_chained():
    vocab = graph("vocabularies.ttl")
    stages = list(vocab.subjects(SKOS.inScheme, CMID["scheme/stages"]))
    order = sorted(stages, key=lambda s: int(vocab.value(s, SKOS.notation)))
    assert [int(vocab.value(s, SKOS.notation)) for s in order] == list(range(1, 9))
    for here, following in itertools.pairwise(order):
        assert vocab.value(here, CM.nextStage) == following
    assert vocab.value(CMID["stage/recycling"], CM.nextStage) == CMID["stage/refining"]


def test_facility_types_name_stage_and_class():
    vocab, core = graph("vocabularies.ttl"), graph("core.ttl")
    for ftype in vocab.subjects(SKOS.inScheme, CMID["scheme/facility-types"]):
        assert vocab.value(ftype, CM.stage) is not None, ftype
        cls = vocab.value(ftype, CM.facilityClass)
        assert cls == CM.Facility or (cls, RDFS.subClassOf, CM.Facility) in core, ftype


def test_usgs_codes_are_on_withheld_and_not_available():
    vocab = graph("vocabularies.ttl")
    assert str(vocab.value(CMID["value-status/withheld"], SKOS.notation)) == "W"
    assert str(vocab.value(CMID["value-status/not-available"], SKOS.notation)) == "NA"
    assert "proprietary" in str(vocab.value(CMID["value-status/withheld"], SKOS.definition))


# ---------------------------------------------------------------------------------------------------------------------
# Commodities


def commodity_concepts(commodities: rdflib.Graph) -> set[rdflib.URIRef]:
    return set(commodities.subjects(RDF.type, CM.Commodity))


def test_every_commodity_is_a_concept_of_the_scheme_with_one_english_pref_label(commodities: rdflib.Graph):
    concepts = commodity_concepts(commodities)
    assert len(concepts) >= 90
    for concept in concepts:
        assert re.fullmatch(r"https://w3id\.org/critmin/id/commodity/[a-z0-9]+(-[a-z0-9]+)*", str(concept))
        assert (concept, RDF.type, SKOS.Concept) in commodities
        assert (concept, SKOS.inScheme, COMMODITIES) in commodities
        pref = list(commodities.objects(concept, SKOS.prefLabel))
        assert len(pref) == 1 and pref[0].language == "en", concept
        assert all(lab.language == "en" for lab in commodities.objects(concept, SKOS.altLabel)), concept
        assert commodities.value(concept, RDFS.label) is not None, concept


def test_no_label_is_shared_by_two_commodities(label_index: dict[str, set[rdflib.URIRef]]):
    shared = {label: sorted(concepts) for label, concepts in label_index.items() if len(concepts) > 1}
    assert shared == {}


def test_required_commodities_are_present(commodities: rdflib.Graph):
    required = [
        "aluminium",
        "antimony",
        "arsenic",
        "baryte",
        "bauxite",
        "beryllium",
        "bismuth",
        "boron",
        "cadmium",
        "caesium",
        "cerium",
        "chromium",
        "cobalt",
        "coking-coal",
        "copper",
        "dysprosium",
        "erbium",
        "europium",
        "feldspar",
        "fluorspar",
        "gadolinium",
        "gallium",
        "germanium",
        "gold",
        "graphite",
        "natural-graphite",
        "synthetic-graphite",
        "hafnium",
        "helium",
        "holmium",
        "indium",
        "iridium",
        "iron",
        "lanthanum",
        "lead",
        "lithium",
        "lutetium",
        "magnesium",
        "manganese",
        "molybdenum",
        "neodymium",
        "nickel",
        "niobium",
        "osmium",
        "palladium",
        "phosphate-rock",
        "phosphorus",
        "platinum",
        "platinum-group-metals",
        "potash",
        "praseodymium",
        "promethium",
        "rare-earth-elements",
        "light-rare-earth-elements",
        "heavy-rare-earth-elements",
        "rhenium",
        "rhodium",
        "rubidium",
        "ruthenium",
        "samarium",
        "scandium",
        "selenium",
        "silicon",
        "silver",
        "strontium",
        "tantalum",
        "tellurium",
        "terbium",
        "thulium",
        "tin",
        "titanium",
        "tungsten",
        "uranium",
        "vanadium",
        "ytterbium",
        "yttrium",
        "zinc",
        "zirconium",
        "lithium-hydroxide",
        "lithium-carbonate",
        "spodumene-concentrate",
        "cobalt-sulphate",
        "cobalt-hydroxide",
        "nickel-sulphate",
        "class-1-nickel",
        "mixed-hydroxide-precipitate",
        "battery-grade-graphite",
        "spherical-graphite",
        "black-mass",
        "nmc-cathode",
        "lfp-cathode",
        "nca-cathode",
        "ndfeb-magnet",
    ]
    missing = [slug for slug in required if CMID[f"commodity/{slug}"] not in commodity_concepts(commodities)]
    assert missing == []


def test_groups(commodities: rdflib.Graph):
    def narrower(slug: str) -> set[str]:
        return {str(n).rsplit("/", 1)[1] for n in commodities.objects(CMID[f"commodity/{slug}"], SKOS.narrower)}

    assert narrower("light-rare-earth-elements") == {
        "lanthanum",
        "cerium",
        "praseodymium",
        "neodymium",
        "promethium",
        "samarium",
        "europium",
    }
    assert narrower("heavy-rare-earth-elements") == {
        "gadolinium",
        "terbium",
        "dysprosium",
        "holmium",
        "erbium",
        "thulium",
        "ytterbium",
        "lutetium",
        "yttrium",
    }
    assert {"light-rare-earth-elements", "heavy-rare-earth-elements", "scandium"} <= narrower("rare-earth-elements")
    assert narrower("platinum-group-metals") == {"platinum", "palladium", "rhodium", "ruthenium", "iridium", "osmium"}
    assert {"natural-graphite", "synthetic-graphite"} <= narrower("graphite")
    assert commodities.value(CMID["commodity/rare-earth-elements"], SKOS.scopeNote) is not None
    # broader and narrower are stated both ways
    for concept, parent in commodities.subject_objects(SKOS.broader):
        assert (parent, SKOS.narrower, concept) in commodities
    for parent, concept in commodities.subject_objects(SKOS.narrower):
        assert (concept, SKOS.broader, parent) in commodities


def test_products_are_linked_to_what_they_come_from(commodities: rdflib.Graph):
    products = [
        "lithium-hydroxide",
        "lithium-carbonate",
        "spodumene-concentrate",
        "cobalt-sulphate",
        "cobalt-hydroxide",
        "nickel-sulphate",
        "class-1-nickel",
        "mixed-hydroxide-precipitate",
        "battery-grade-graphite",
        "spherical-graphite",
        "black-mass",
        "nmc-cathode",
        "lfp-cathode",
        "nca-cathode",
        "ndfeb-magnet",
    ]
    for slug in products:
        concept = CMID[f"commodity/{slug}"]
        links = set(commodities.objects(concept, SKOS.broader)) | set(commodities.objects(concept, CM.derivedFrom))
        assert links and links <= commodity_concepts(commodities), slug
    assert CMID["commodity/cobalt"] in set(commodities.objects(CMID["commodity/nmc-cathode"], CM.derivedFrom))


def test_element_symbols_are_unique(commodities: rdflib.Graph):
    symbols = [str(s) for s in commodities.objects(None, CM.elementSymbol)]
    assert len(symbols) == len(set(symbols)) >= 60
    assert str(commodities.value(CMID["commodity/lithium"], CM.elementSymbol)) == "Li"


def test_hs_codes(commodities: rdflib.Graph):
    expected = {
        "2601": "iron",
        "2602": "manganese",
        "2603": "copper",
        "2604": "nickel",
        "2605": "cobalt",
        "2606": "bauxite",
        "2608": "zinc",
        "2609": "tin",
        "2610": "chromium",
        "2611": "tungsten",
        "2612": "uranium",
        "2613": "molybdenum",
        "2614": "titanium",
        "2615": "niobium",
        "2825.20": "lithium-hydroxide",
        "2836.91": "lithium-carbonate",
        "2504.10": "natural-graphite",
        "2805.30": "rare-earth-elements",
    }
    for code, slug in expected.items():
        concept = CMID[f"commodity/{slug}"]
        assert (concept, CM.hsCode, rdflib.Literal(code)) in commodities, code
        notes = [str(n) for n in commodities.objects(concept, SKOS.note) if f"HS {code} " in str(n)]
        assert len(notes) == 1, code
    codes = {str(c) for c in commodities.objects(None, CM.hsCode)}
    assert codes == set(expected)


def test_wikidata_only_where_known(commodities: rdflib.Graph):
    ids = {str(s).rsplit("/", 1)[1]: str(o) for s, o in commodities.subject_objects(CM.wikidataId)}
    assert ids == {"lithium": "Q568", "cobalt": "Q740", "nickel": "Q744"}
    for slug, qid in ids.items():
        assert (CMID[f"commodity/{slug}"], SKOS.exactMatch, WD[qid]) in commodities
    wd_links = {o for o in commodities.objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(str(WD))}
    assert wd_links == {WD.Q568, WD.Q740, WD.Q744}


def test_minmod_ids_exist_in_minmod_and_match_by_name(commodities: rdflib.Graph):
    rows = {
        row["minmod_id"]: row
        for row in csv.DictReader(data_file("minmod/entities/commodity.csv").open(encoding="utf-8", newline=""))
    }
    spelling = {"aluminium": "aluminum", "caesium": "cesium", "platinum group metals": "platinum-group elements"}
    seen = set()
    for concept, qid in commodities.subject_objects(CM.minmodId):
        assert str(qid) in rows, qid
        assert str(qid) not in seen, qid
        seen.add(str(qid))
        assert (concept, SKOS.exactMatch, MMR[str(qid)]) in commodities
        ours = str(commodities.value(concept, SKOS.prefLabel)).lower()
        assert rows[str(qid)]["name"].lower() == spelling.get(ours, ours), (concept, qid)
    for link in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch):
        for target in commodities.objects(None, link):
            if str(target).startswith(str(MMR)):
                assert str(target).removeprefix(str(MMR)) in rows, target


# ---------------------------------------------------------------------------------------------------------------------
# Source spellings resolve to concepts


def test_every_list_member_resolves(label_index: dict[str, set[rdflib.URIRef]], commodities: rdflib.Graph):
    path = data_file("critical-mineral-lists/members.csv")
    names = {row["member_as_named"] for row in csv.DictReader(path.open(encoding="utf-8", newline=""))}
    assert set(COMPOUND_MEMBERS) <= names, "the compound entries changed: update COMPOUND_MEMBERS"
    unresolved = sorted(
        name for name in names - set(COMPOUND_MEMBERS) if len(label_index.get(normalise_member(name), ())) != 1
    )
    assert unresolved == []
    # The parts the loader splits compound entries into resolve too (by label, or by element symbol).
    by_symbol = {str(sym): concept for concept, sym in commodities.subject_objects(CM.elementSymbol)}
    for parts in COMPOUND_MEMBERS.values():
        for part in parts:
            assert part in by_symbol or len(label_index.get(part.lower(), ())) == 1, part


@pytest.mark.parametrize(
    ("spelling", "slug"),
    [
        ("lithium (battery grade)", "lithium"),
        ("magnesium metal", "magnesium"),
        ("boron (metallurgy grade)", "boron"),
        ("Aluminum", "aluminium"),
        ("Cesium", "caesium"),
        ("Barite", "baryte"),
        ("baryte", "baryte"),
        ("REE", "rare-earth-elements"),
        ("Rare earths", "rare-earth-elements"),
        ("PGE", "platinum-group-metals"),
        ("phosphorous", "phosphorus"),
        ("phosphates", "phosphate-rock"),
        ("phosphate", "phosphate-rock"),
        ("metallurgical coal", "coking-coal"),
        ("natural graphite", "natural-graphite"),
        ("MHP", "mixed-hydroxide-precipitate"),
    ],
)
def test_known_spellings(label_index: dict[str, set[rdflib.URIRef]], spelling: str, slug: str):
    assert label_index[normalise_member(spelling)] == {CMID[f"commodity/{slug}"]}


def test_every_usgs_commodity_resolves(label_index: dict[str, set[rdflib.URIRef]]):
    path = data_file("usgs-mcs2025/world_data/MCS2025_World_Data.battery_subset.csv")
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        values = {row["COMMODITY"].strip() for row in csv.DictReader(handle)}
    assert "Lithium" in values
    assert sorted(v for v in values if len(label_index.get(v.lower(), ())) != 1) == []


# ---------------------------------------------------------------------------------------------------------------------
# SHACL validation

PREFIXES = """
@prefix cm:   <https://w3id.org/critmin/ontology/> .
@prefix cmid: <https://w3id.org/critmin/id/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

OBS = "<https://w3id.org/critmin/id/observation/usgs-mcs2025-world/cobalt/mine-production/COD/2023/production>"
RECORD = "<https://w3id.org/critmin/id/record/usgs-mcs2025-world/row-5>"

GOOD_OBSERVATION = f"""{PREFIXES}
{OBS} cm:commodity <https://w3id.org/critmin/id/commodity/cobalt> ;
    cm:refArea <https://w3id.org/critmin/id/country/COD> ;
    cm:refYear "2023"^^xsd:gYear ;
    cm:quantityKind <https://w3id.org/critmin/id/quantity-kind/production> ;
    cm:stage <https://w3id.org/critmin/id/stage/mining> ;
    cm:measure "Mine production, cobalt content, estimated" ;
    qudt:numericValue "175000"^^xsd:decimal ;
    qudt:unit unit:TONNE ;
    cm:sourceUnit "metric tons" ;
    cm:valueStatus <https://w3id.org/critmin/id/value-status/estimated> ;
    cm:isEstimated true ;
    prov:wasDerivedFrom {RECORD} ;
    a cm:ProductionObservation .

{RECORD} a cm:SourceRecord ;
    cm:sourceRow 5 ;
    cm:sourceFile "usgs-mcs2025/world_data/MCS2025_World_Data.battery_subset.csv" ;
    cm:rawValue "MCS2025,Cobalt,Congo (Kinshasa),..." .
"""


def turtle(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


def observation_graph(*, drop: tuple[str, ...] = (), add: str = "") -> rdflib.Graph:
    """The good observation with the lines that start with any of ``drop`` removed and ``add`` appended."""
    lines = [line for line in GOOD_OBSERVATION.splitlines() if not line.strip().startswith(drop)]
    return turtle("\n".join(lines) + "\n" + add)


def test_ontology_alone_conforms():
    # The commodity concepts are mixed in as the ontology graph and so are validated too.
    report = validate_graph(rdflib.Graph())
    assert report.conforms, report.text


def test_good_observation_conforms():
    report = validate_graph(turtle(GOOD_OBSERVATION))
    assert report.conforms, report.text
    assert report.results == []


def test_observation_subclass_is_targeted():
    report = validate_graph(observation_graph(drop=("cm:refYear",)))
    assert not report.conforms
    result = next(r for r in report.results if r["path"] == str(CM.refYear))
    assert result["focus_node"] == OBS.strip("<>")
    assert result["severity"] == "Violation"
    assert result["source_shape"] == "https://w3id.org/critmin/shapes/ObservationShape"
    assert "refYear" in (result["message"] or "")


@pytest.mark.parametrize(
    ("drop", "add", "path"),
    [
        # refYear must be an xsd:gYear
        (("cm:refYear",), f'{OBS} cm:refYear "2023" .', str(CM.refYear)),
        # a number needs a unit
        (("qudt:unit",), "", str(QUDT.unit)),
        # a number must be an xsd:decimal, and at most one
        ((), f'{OBS} qudt:numericValue "abc" .', str(QUDT.numericValue)),
        # exactly one value status
        (("cm:valueStatus",), "", str(CM.valueStatus)),
        ((), f"{OBS} cm:valueStatus <https://w3id.org/critmin/id/value-status/reported> .", str(CM.valueStatus)),
        # a withheld value has no number
        (
            ("cm:valueStatus",),
            f"{OBS} cm:valueStatus <https://w3id.org/critmin/id/value-status/withheld> .",
            str(CM.valueStatus),
        ),
        # the commodity must be a concept of the scheme (a misspelt slug is caught)
        (
            ("cm:commodity",),
            f"{OBS} cm:commodity <https://w3id.org/critmin/id/commodity/cobalt-ore> .",
            str(CM.commodity),
        ),
        # every observation traces to its row
        (("prov:wasDerivedFrom",), "", str(PROV.wasDerivedFrom)),
        # refArea is a country or place IRI
        (("cm:refArea",), f"{OBS} cm:refArea <https://example.org/Congo> .", str(CM.refArea)),
        # source rows count from 1 as integers
        (("cm:sourceRow",), f'{RECORD} cm:sourceRow "5" .', str(CM.sourceRow)),
    ],
)
def test_broken_observation_is_reported(drop: tuple[str, ...], add: str, path: str):
    report = validate_graph(observation_graph(drop=drop, add=add))
    assert not report.conforms
    assert path in report.paths(), report.text


def test_withheld_observation_without_number_conforms():
    graph_ = observation_graph(
        drop=("qudt:numericValue", "qudt:unit", "cm:valueStatus", "cm:isEstimated"),
        add=f"{OBS} cm:valueStatus <https://w3id.org/critmin/id/value-status/withheld> .",
    )
    report = validate_graph(graph_)
    assert report.conforms, report.text


def test_dataset_is_validated_as_the_union_of_its_graphs():
    dataset = rdflib.Dataset()
    good = turtle(GOOD_OBSERVATION)
    observations = dataset.graph(rdflib.URIRef("https://w3id.org/critmin/graph/usgs-mcs2025-world"))
    records = dataset.graph(rdflib.URIRef("https://w3id.org/critmin/graph/records"))
    for s, p, o in good:
        (records if str(s) == RECORD.strip("<>") else observations).add((s, p, o))
    assert validate_graph(dataset).conforms
    records.remove((None, CM.sourceRow, None))
    report = validate_graph(dataset)
    assert str(CM.sourceRow) in report.paths()


LIST = f"""{PREFIXES}
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
cmid:list\\/UK_2021 a cm:CriticalityList ;
    dct:title "UK Critical Minerals List 2021" ;
    dct:issued "2021"^^xsd:gYear ;
    cm:jurisdiction cmid:country\\/GBR ;
    cm:listKind cmid:list-kind\\/critical ;
    cm:officialMemberCount 18 ;
    cm:recordedMemberCount 1 ;
    cm:isComplete false ;
    cm:includes cmid:commodity\\/lithium .

cmid:membership\\/UK_2021\\/lithium a cm:ListMembership ;
    cm:inList cmid:list\\/UK_2021 ;
    cm:memberAsNamed "lithium" ;
    cm:commodity cmid:commodity\\/lithium ;
    prov:wasDerivedFrom cmid:record\\/critical-mineral-lists\\/row-140 .

cmid:record\\/critical-mineral-lists\\/row-140 a cm:SourceRecord ;
    cm:sourceRow 140 ;
    cm:sourceFile "critical-mineral-lists/members.csv" .
"""


def test_partial_list_conforms_and_complete_flag_is_checked():
    good = turtle(LIST)
    assert validate_graph(good).conforms, validate_graph(good).text
    lying = turtle(LIST.replace("cm:isComplete false", "cm:isComplete true"))
    report = validate_graph(lying)
    assert not report.conforms
    assert str(CM.isComplete) in report.paths()
    miscounted = turtle(LIST.replace("cm:recordedMemberCount 1", "cm:recordedMemberCount 2"))
    assert str(CM.recordedMemberCount) in validate_graph(miscounted).paths()
    undated = turtle(LIST.replace('"2021"^^xsd:gYear', '"2021"'))
    assert "http://purl.org/dc/terms/issued" in validate_graph(undated).paths()


def test_commodity_with_two_pref_labels_is_reported():
    extra = turtle(
        '<https://w3id.org/critmin/id/commodity/lithium> <http://www.w3.org/2004/02/skos/core#prefLabel> "Li"@en .'
    )
    report = validate_graph(extra)
    assert str(SKOS.prefLabel) in report.paths()


def test_catalog_dataset_shape():
    base = f"""{PREFIXES}
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix void: <http://rdfs.org/ns/void#> .
<https://w3id.org/critmin/graph/usgs-mcs2025-world> a dcat:Dataset , void:Dataset ;
    dct:title "USGS MCS 2025 world data" ;
    dct:license <https://creativecommons.org/publicdomain/mark/1.0/> ;
    dct:modified "2026-01-01T00:00:00Z"^^xsd:dateTime ;
    void:triples 1000 ;
    cm:recordCount 125 ;
    cm:rejectedCount 0 ;
    cm:sha256 "{"0" * 64}" .
"""
    assert validate_graph(turtle(base)).conforms
    broken = base.replace('"2026-01-01T00:00:00Z"^^xsd:dateTime', '"2026-01-01"^^xsd:date')
    assert "http://purl.org/dc/terms/modified" in validate_graph(turtle(broken)).paths()
    assert str(CM.recordCount) in validate_graph(turtle(base.replace("cm:recordCount 125 ;", ""))).paths()


def test_shapes_have_names_and_messages():
    shapes = graph("shapes.ttl")
    for prop_shape in shapes.objects(None, SH.property):
        assert shapes.value(prop_shape, SH.name) is not None, prop_shape
        assert shapes.value(prop_shape, SH.message) is not None, prop_shape
    for constraint in shapes.objects(None, SH.sparql):
        assert shapes.value(constraint, SH.message) is not None
    assert len(set(shapes.subjects(RDF.type, SH.NodeShape))) >= 8


def test_gyear_literal_type_is_known():
    # Guard: the year checks rely on rdflib keeping xsd:gYear as the literal's datatype.
    gyear = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#gYear")
    assert rdflib.Literal("2023", datatype=gyear).datatype == gyear
