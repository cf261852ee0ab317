"""A synthetic supply-chain graph in critmin's own terms, sized by a target triple count, deterministic by seed.

One N-Triples file per named graph, as real sources arrive (so critmin's own loader takes each as one graph with
its catalog entry): companies with ownership trees, facilities with coordinates, geometries, source records and
operators, observations per facility and year, supply agreements, documents with statement-level provenance
(``cm:ExtractedStatement`` over ``rdf:subject/predicate/object`` with evidence, offsets and confidence), plus the
real ontology (``ontology/*.ttl``) and the countries, so commodity and country IRIs resolve to labelled entities.
Every entity is under ``https://w3id.org/critmin/id/`` with an ``rdfs:label``, so ``/id/…`` pages and autocomplete
work on it. ``entities.json`` beside the files lists sample IRIs per kind for the benchmark's requests.

    python bench/generate.py --triples 1000000 --out /tmp/critmin-bench/1000000-s7

Writing streams: 10M triples take about a minute and little memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ID = "https://w3id.org/critmin/id/"
CM = "https://w3id.org/critmin/ontology/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
A = f"<{RDF}type>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
QUDT_VALUE = "<http://qudt.org/schema/qudt/numericValue>"
QUDT_UNIT = "<http://qudt.org/schema/qudt/unit>"
SCHEMA = "https://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
DCT = "http://purl.org/dc/terms/"

FORMAT_VERSION = 2  # bump when the shape changes, so cached datasets are regenerated
YEARS = list(range(2015, 2025))
# (class, facility-type key, stage key): the chain from mine to cell plant and back through recycling
FACILITY_KINDS = [
    ("Mine", "mine", "mining", 30),
    ("Concentrator", "concentrator", "concentration", 8),
    ("Smelter", "smelter", "refining", 8),
    ("Refinery", "refinery", "refining", 10),
    ("ChemicalPlant", "chemical-plant", "refining", 6),
    ("PrecursorPlant", "precursor-plant", "component-manufacturing", 5),
    ("CathodePlant", "cathode-plant", "component-manufacturing", 5),
    ("AnodePlant", "anode-plant", "component-manufacturing", 4),
    ("CellPlant", "cell-plant", "cell-manufacturing", 5),
    ("RecyclingPlant", "recycling-plant", "recycling", 4),
    ("Deposit", "deposit", "exploration", 15),
]
RELATIONS = [
    ("OPERATES", "operates"),
    ("OWNS", "owns"),
    ("PRODUCES", "produces"),
    ("SUPPLIES", "supplies"),
    ("LOCATED_IN", "locatedIn"),
    ("PARTNERSHIP", "partnerOf"),
]
SYLLABLES = [
    "li",
    "co",
    "ni",
    "gra",
    "man",
    "cop",
    "ta",
    "ra",
    "mi",
    "ne",
    "ver",
    "stone",
    "ka",
    "lo",
    "be",
    "ri",
    "do",
    "sa",
    "mu",
    "te",
    "zan",
    "por",
    "wel",
    "gan",
    "sil",
    "ore",
    "hill",
    "lake",
    "north",
    "deep",
]
COMPANY_SUFFIXES = ["Mining", "Resources", "Metals", "Minerals", "Materials", "Battery", "Chemicals", "Holdings"]
FACILITY_SUFFIXES = {
    "Mine": "Mine",
    "Deposit": "Deposit",
    "Concentrator": "Concentrator",
    "Smelter": "Smelter",
    "Refinery": "Refinery",
    "ChemicalPlant": "Chemical Plant",
    "PrecursorPlant": "pCAM Plant",
    "CathodePlant": "Cathode Plant",
    "AnodePlant": "Anode Plant",
    "CellPlant": "Gigafactory",
    "RecyclingPlant": "Recycling Plant",
}
# Expected triples per facility "unit" (a facility with its share of everything else); sizes the counts.
TRIPLES_PER_FACILITY = 155
MAX_OWNERSHIP_DEPTH = 4
MAX_COUNTRY_STATISTICS = 16_000
GRAPHS = (
    "ontology",
    "synth-countries",
    "synth-companies",
    "synth-facilities",
    "synth-observations",
    "synth-agreements",
    "synth-documents",
    "synth-country-statistics",
)


def literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def name(rng: random.Random, words: int) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(words))


class Writer:
    """One N-Triples file per graph; counts what it writes."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, TextIO] = {
            g: (folder / f"{g}.nt").open("w", encoding="utf-8", buffering=1 << 20) for g in GRAPHS
        }
        self.counts = dict.fromkeys(GRAPHS, 0)

    def triples(self, graph: str, lines: list[str]) -> None:
        self.files[graph].write("".join(lines))
        self.counts[graph] += len(lines)

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def ontology_lines() -> tuple[list[str], list[str]]:
    """The real ontology as N-Triples lines, and its commodity IRIs (battery minerals first: they dominate)."""
    from pyoxigraph import BlankNode, NamedNode, RdfFormat, parse

    lines: list[str] = []
    blanks: dict[str, str] = {}  # parsers name blank nodes at random: renamed in order, for identical files

    def term(t: object) -> str:
        if isinstance(t, BlankNode):
            return "_:b" + blanks.setdefault(t.value, str(len(blanks)))
        return str(t)

    commodities: list[str] = []
    commodity_class = NamedNode(CM + "Commodity")
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            lines.append(f"{term(quad.subject)} {quad.predicate} {term(quad.object)} .\n")
            if quad.object == commodity_class and isinstance(quad.subject, NamedNode):
                commodities.append(quad.subject.value)
    first = [
        ID + "commodity/" + k
        for k in ("lithium", "cobalt", "nickel", "graphite", "manganese", "copper", "rare-earth-elements")
    ]
    rest = sorted(set(commodities) - set(first))
    return lines, [c for c in first if c in commodities] + rest


def zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


def generate(out: Path, *, triples: int, seed: int = 7) -> dict:
    """Write the dataset into ``out`` (created) and return its manifest (also written as ``manifest.json``)."""
    import pycountry

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    w = Writer(out)
    onto, commodities = ontology_lines()
    w.triples("ontology", onto)
    countries = sorted(c.alpha_3 for c in pycountry.countries)
    names = {c.alpha_3: c.name for c in pycountry.countries}
    rng.shuffle(countries)  # which countries dominate is part of the seed
    for code in sorted(countries):
        c = f"<{ID}country/{code}>"
        w.triples(
            "synth-countries",
            [
                f"{c} {A} <{CM}Country> .\n",
                f"{c} {RDFS_LABEL} {literal(names[code])}@en .\n",
                f"{c} <{CM}iso3166Alpha3> {literal(code)} .\n",
            ],
        )
    country_weights = zipf_weights(len(countries))
    commodity_weights = zipf_weights(len(commodities))

    budget = max(triples - len(onto) - 3 * len(countries), 1000)
    # Country-level statistics (as USGS publishes): bounded in number whatever the size, as in the world; they are
    # what the indicators (kg/analytics) read, so their cost stays bounded too.
    country_statistics = min(MAX_COUNTRY_STATISTICS, budget // 10 // 12)
    budget -= country_statistics * 12
    n_facilities = max(budget // TRIPLES_PER_FACILITY, 20)
    n_companies = max(n_facilities * 2 // 5, 10)
    n_agreements = n_facilities // 2
    n_documents = max(n_facilities // 10, 5)
    statements_per_document = 8
    samples: dict[str, list[str]] = {
        "facility": [],
        "company": [],
        "owned_company": [],
        "document": [],
        "commodity": commodities[:20],
        "country": [f"{ID}country/{c}" for c in countries[:40]],
        "label_fragment": [],
        "year": [str(y) for y in YEARS],
    }

    # Companies: an ownership forest; each company after the first few may be held by up to two earlier ones.
    company_country = []
    depth: list[int] = []  # of each company in its ownership tree (0: nobody holds it)
    for i in range(n_companies):
        c = f"<{ID}organisation/synth-{i}>"
        country = rng.choices(countries, country_weights)[0]
        company_country.append(country)
        label = f"{name(rng, rng.randint(1, 2))} {rng.choice(COMPANY_SUFFIXES)}"
        lines = [
            f"{c} {A} <{CM}Company> .\n",
            f"{c} {A} <{CM}Organization> .\n",
            f"{c} {RDFS_LABEL} {literal(label)} .\n",
            f"{c} <{CM}country> <{ID}country/{country}> .\n",
        ]
        if rng.random() < 0.3:
            lines.append(f"{c} {SKOS_ALT} {literal(label.split()[0] + ' ' + 'Group')} .\n")
        owners = [o for o in range(max(0, i - 40), i) if depth[o] < MAX_OWNERSHIP_DEPTH]
        depth.append(0)
        if owners and rng.random() < 0.7:
            # owners are recent older companies of bounded depth: groups of a few dozen, trees, no cycles
            for k, owner in enumerate(sorted(set(rng.choices(owners, k=rng.choice((1, 1, 2)))))):
                depth[i] = max(depth[i], depth[owner] + 1)
                s = f"<{ID}stake/synth-{i}-{k}>"
                lines += [
                    f"{s} {A} <{CM}OwnershipStake> .\n",
                    f"{s} <{CM}owner> <{ID}organisation/synth-{owner}> .\n",
                    f"{s} <{CM}owned> {c} .\n",
                    f"{s} <{CM}sharePercent> {typed(rng.randint(5, 100), 'decimal')} .\n",
                    f"{s} <{CM}startDate> {typed(rng.choice(YEARS) - 5, 'gYear')} .\n",
                ]
            if len(samples["owned_company"]) < 500 and i > n_companies // 2:
                samples["owned_company"].append(f"{ID}organisation/synth-{i}")
        if len(samples["company"]) < 500 and rng.random() < 0.2:
            samples["company"].append(f"{ID}organisation/synth-{i}")
        w.triples("synth-companies", lines)

    kinds, kind_weights = [k[:3] for k in FACILITY_KINDS], [k[3] for k in FACILITY_KINDS]
    for i in range(n_facilities):
        cls, ftype, stage = rng.choices(kinds, kind_weights)[0]
        f = f"<{ID}facility/synth-{i}>"
        country = rng.choices(countries, country_weights)[0]
        primary = rng.choices(commodities, commodity_weights)[0]
        others = {rng.choices(commodities, commodity_weights)[0] for _ in range(rng.randint(0, 2))} - {primary}
        label = f"{name(rng, rng.randint(1, 2))} {FACILITY_SUFFIXES[cls]}"
        lat, lon = round(rng.uniform(-55, 70), 5), round(rng.uniform(-180, 180), 5)
        record, geometry = f"<{ID}record/synth-facilities/row-{i + 2}>", f"<{ID}geometry/synth-{i}>"
        lines = [
            f"{f} {A} <{CM}{cls}> .\n",
            f"{f} {A} <{CM}Facility> .\n",
            f"{f} {RDFS_LABEL} {literal(label)} .\n",
            f"{f} <{CM}country> <{ID}country/{country}> .\n",
            f"{f} <{CM}primaryCommodity> <{primary}> .\n",
            f"{f} <{CM}commodity> <{primary}> .\n",
            f"{f} <{CM}stage> <{ID}stage/{stage}> .\n",
            f"{f} <{CM}facilityType> <{ID}facility-type/{ftype}> .\n",
            f"{f} <{SCHEMA}latitude> {typed(lat, 'decimal')} .\n",
            f"{f} <{SCHEMA}longitude> {typed(lon, 'decimal')} .\n",
            f"{f} <{GEO}hasGeometry> {geometry} .\n",
            f"{f} {DERIVED} {record} .\n",
            f"{f} <{CM}confidence> <{ID}confidence/{rng.choice(('high', 'moderate', 'low'))}> .\n",
            f"{geometry} {A} <{GEO}Geometry> .\n",
            f'{geometry} <{GEO}asWKT> "POINT({lon} {lat})"^^<{GEO}wktLiteral> .\n',
            f"{record} {A} <{CM}SourceRecord> .\n",
            f"{record} <{CM}sourceFile> {literal('synthetic/facilities.csv')} .\n",
            f"{record} <{CM}sourceRow> {typed(i + 2, 'integer')} .\n",
            f"{record} <{CM}rawValue> {literal(f'synth-{i},{label},{lat},{lon},{cls},{country}')} .\n",
        ]
        lines += [f"{f} <{CM}commodity> <{c}> .\n" for c in sorted(others)]
        if rng.random() < 0.3:
            lines.append(f"{f} {SKOS_ALT} {literal(label.split()[0] + ' Operations')} .\n")
        operator = rng.randrange(n_companies)
        op = f"<{ID}operation/synth-{i}>"
        lines += [
            f"{op} {A} <{CM}Operation> .\n",
            f"{op} <{CM}operator> <{ID}organisation/synth-{operator}> .\n",
            f"{op} <{CM}facility> {f} .\n",
            f"{op} <{CM}startDate> {typed(rng.choice(YEARS) - 10, 'gYear')} .\n",
        ]
        w.triples("synth-facilities", lines)
        if len(samples["facility"]) < 500 and rng.random() < 0.1:
            samples["facility"].append(f"{ID}facility/synth-{i}")
            samples["label_fragment"].append(label.split()[0][:4].lower())
        # Observations: production (and capacity for plants) per year over a run of years the facility reports.
        if cls == "Deposit":
            continue
        first = rng.choice(YEARS[:6])
        base = rng.uniform(1, 500)
        obs: list[str] = []
        for year in YEARS[YEARS.index(first) :]:
            for kind, qk in (("ProductionObservation", "production"), ("CapacityObservation", "capacity")):
                if kind == "CapacityObservation" and cls == "Mine" and rng.random() < 0.7:
                    continue
                o = f"<{ID}observation/synth-{i}-{qk}-{year}>"
                value = round(base * rng.uniform(0.8, 1.3) * (1.3 if qk == "capacity" else 1), 1)
                obs += [
                    f"{o} {A} <{CM}Observation> .\n",
                    f"{o} {A} <{CM}{kind}> .\n",
                    f"{o} <{CM}commodity> <{primary}> .\n",
                    f"{o} <{CM}facility> {f} .\n",
                    f"{o} <{CM}refYear> {typed(year, 'gYear')} .\n",
                    f"{o} {QUDT_VALUE} {typed(value, 'decimal')} .\n",
                    f"{o} {QUDT_UNIT} <http://qudt.org/vocab/unit/KiloTONNE> .\n",
                    f"{o} <{CM}stage> <{ID}stage/{stage}> .\n",
                    f"{o} <{CM}quantityKind> <{ID}quantity-kind/{qk}> .\n",
                    f"{o} {RDFS_LABEL} {literal(f'{label}, {qk}, {year}')}@en .\n",
                ]
        w.triples("synth-observations", obs)

    # facility-level observations carry no cm:refArea (their place is the facility's): the indicators read the
    # country-level ones only, as with the real data
    written = 0
    for commodity in commodities[:20]:
        key = commodity.rsplit("/", 1)[1]
        for code in countries[:40]:
            for year in YEARS:
                for kind, qk in (("ProductionObservation", "production"), ("ReservesObservation", "reserves")):
                    if written >= country_statistics or rng.random() < 0.5:
                        continue
                    written += 1
                    o = f"<{ID}observation/synth-{code}-{key}-{qk}-{year}>"
                    label = f"{key}, {qk}, {names[code]}, {year}"
                    value = typed(round(rng.uniform(1, 5000), 1), "decimal")
                    w.triples(
                        "synth-country-statistics",
                        [
                            f"{o} {A} <{CM}Observation> .\n",
                            f"{o} {A} <{CM}{kind}> .\n",
                            f"{o} <{CM}commodity> <{commodity}> .\n",
                            f"{o} <{CM}refArea> <{ID}country/{code}> .\n",
                            f"{o} <{CM}refYear> {typed(year, 'gYear')} .\n",
                            f"{o} {QUDT_VALUE} {value} .\n",
                            f"{o} {QUDT_UNIT} <http://qudt.org/vocab/unit/KiloTONNE> .\n",
                            f"{o} <{CM}stage> <{ID}stage/mining> .\n",
                            f"{o} <{CM}quantityKind> <{ID}quantity-kind/{qk}> .\n",
                            f"{o} <{CM}valueStatus> <{ID}value-status/reported> .\n",
                            f"{o} {DERIVED} <{ID}record/synth-country-statistics/row-{written}> .\n",
                            f"{o} {RDFS_LABEL} {literal(label)}@en .\n",
                        ],
                    )

    for i in range(n_agreements):
        a = f"<{ID}agreement/synth-{i}>"
        supplier, buyer = rng.randrange(n_companies), rng.randrange(n_companies)
        commodity = rng.choices(commodities, commodity_weights)[0]
        start = rng.choice(YEARS)
        w.triples(
            "synth-agreements",
            [
                f"{a} {A} <{CM}SupplyAgreement> .\n",
                f"{a} <{CM}supplier> <{ID}organisation/synth-{supplier}> .\n",
                f"{a} <{CM}buyer> <{ID}organisation/synth-{buyer}> .\n",
                f"{a} <{CM}commodity> <{commodity}> .\n",
                f"{a} <{CM}volume> {typed(rng.randint(1, 200) * 1000, 'decimal')} .\n",
                f"{a} {QUDT_UNIT} <http://qudt.org/vocab/unit/TONNE> .\n",
                f"{a} <{CM}startDate> {typed(start, 'gYear')} .\n",
                f"{a} <{CM}endDate> {typed(start + rng.randint(2, 10), 'gYear')} .\n",
                f"{a} {RDFS_LABEL} {literal(f'Supply agreement {i}')} .\n",
            ],
        )

    for i in range(n_documents):
        d = f"<{ID}document/synth-{i}>"
        title = f"{name(rng, 2)} update {i}"
        lines = [
            f"{d} {A} <{CM}Document> .\n",
            f"{d} {A} <{SCHEMA}CreativeWork> .\n",
            f"{d} <{DCT}title> {literal(title)} .\n",
            f"{d} {RDFS_LABEL} {literal(title)} .\n",
            f"{d} <{DCT}issued> {typed(f'{rng.choice(YEARS)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}', 'date')} .\n",
            f"{d} <{DCT}publisher> {literal('synthetic press office')} .\n",
        ]
        for k in range(statements_per_document):
            s = f"<{ID}statement/synth-{i}-{k}>"
            relation, predicate = rng.choice(RELATIONS)
            subject = f"{ID}organisation/synth-{rng.randrange(n_companies)}"
            obj = (
                f"{ID}facility/synth-{rng.randrange(n_facilities)}"
                if relation != "PRODUCES"
                else rng.choices(commodities, commodity_weights)[0]
            )
            start = rng.randint(0, 2000)
            lines += [
                f"{s} {A} <{CM}ExtractedStatement> .\n",
                f"{s} {A} <{RDF}Statement> .\n",
                f"{s} <{RDF}subject> <{subject}> .\n",
                f"{s} <{RDF}predicate> <{CM}{predicate}> .\n",
                f"{s} <{RDF}object> <{obj}> .\n",
                f"{s} <{CM}relationType> {literal(relation)} .\n",
                f"{s} <{CM}evidence> {literal(f'{name(rng, 2)} said it {predicate} the site, sentence {k}.')} .\n",
                f"{s} <{CM}charStart> {typed(start, 'integer')} .\n",
                f"{s} <{CM}charEnd> {typed(start + rng.randint(40, 300), 'integer')} .\n",
                f"{s} <{CM}extractionConfidence> {typed(round(rng.random(), 3), 'decimal')} .\n",
                f"{s} <{CM}reviewStatus> <{ID}review-status/{rng.choice(('candidate', 'accepted', 'rejected'))}> .\n",
                f"{s} {DERIVED} {d} .\n",
            ]
            lines.append(f"<{subject}> <{CM}mentionedIn> {d} .\n")
        w.triples("synth-documents", lines)
        if len(samples["document"]) < 500 and rng.random() < 0.3:
            samples["document"].append(f"{ID}document/synth-{i}")
    w.close()
    manifest = {
        "format_version": FORMAT_VERSION,
        "seed": seed,
        "target_triples": triples,
        "triples": sum(w.counts.values()),
        "triples_by_graph": w.counts,
        "files": {g: f"{g}.nt" for g in GRAPHS},
        "entities": {
            "facilities": n_facilities,
            "companies": n_companies,
            "agreements": n_agreements,
            "documents": n_documents,
            "statements": n_documents * statements_per_document,
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "entities.json").write_text(json.dumps(samples, indent=1) + "\n")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def cached_dataset(cache: Path, *, triples: int, seed: int) -> tuple[Path, dict]:
    """The dataset for (triples, seed) under ``cache``, generated only when missing or of an older format."""
    folder = cache / f"{triples}-s{seed}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format_version") == FORMAT_VERSION:
            return folder, manifest | {"cached": True}
    return folder, generate(folder, triples=triples, seed=seed) | {"cached": False}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="target size (the result is within ~1%%)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created)")
    args = parser.parse_args()
    manifest = generate(args.out, triples=args.triples, seed=args.seed)
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
