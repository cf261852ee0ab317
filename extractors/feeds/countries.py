"""Feed ``countries``: every ISO 3166-1 country, from the pycountry package, plus the non-country places.

The file read is pycountry's own copy of the Debian iso-codes data (``pycountry/databases/iso3166-1.json``), so the
load records the exact file and its sha256. Per country: ``cmid:country/{alpha-3}`` a ``cm:Country``,
``schema:Country``; ``rdfs:label``@en = the common name where pycountry has one ("Bolivia", "Taiwan"), else the name;
``skos:altLabel``@en for the ISO name (when a common name was used), the official name and the source spellings of
:data:`kg.countries.ALIASES` ("Burma", "Congo (Kinshasa)"); ``cm:iso3166Alpha2``/``Alpha3``/``Numeric`` as strings.
Also ``cmid:place/eu`` (``cm:Region`` "European Union"), ``cmid:place/world`` and ``cmid:place/other-countries``
(``cm:Aggregate``), whose labels carry the source spellings "World total", "Other countries".
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pycountry

from extractors.feeds.base import (
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    DatasetMetadata,
    FeedError,
    FeedOutput,
    RowProblem,
    string,
    text_en,
    triple,
)
from kg import iris
from kg.countries import ALIASES, EU, OTHER_COUNTRIES, USER_ASSIGNED, WORLD

GRAPH_NAME = "countries"
SKOS_ALT = iris.ns("skos", "altLabel")


class CountriesFeed:
    name = GRAPH_NAME
    description = "ISO 3166-1 countries (names and codes) from the pycountry package, plus the EU and world aggregates"

    @property
    def default_file(self) -> Path:
        return Path(pycountry.DATABASE_DIR) / "iso3166-1.json"

    def read(self, path: Path) -> FeedOutput:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            entries = document["3166-1"]
        except OSError as exc:
            raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise FeedError(f"{path.name}: not an iso-codes 3166-1 JSON file (no '3166-1' list): {exc}") from exc
        if not isinstance(entries, list):
            raise FeedError(f"{path.name}: '3166-1' is not a list")

        aliases: dict[str, list[str]] = defaultdict(list)
        for alias, alpha3 in ALIASES.items():
            aliases[alpha3].append(alias)

        triples = []
        problems: list[RowProblem] = []
        for number, entry in enumerate([*entries, *USER_ASSIGNED], start=1):
            try:
                alpha2, alpha3, numeric, name = entry["alpha_2"], entry["alpha_3"], entry.get("numeric"), entry["name"]
            except (KeyError, TypeError):
                problems.append(RowProblem(path.name, number, None, json.dumps(entry)[:200], "entry lacks a code"))
                continue
            node = iris.country(alpha3)
            label = entry.get("common_name") or name
            triples += [
                triple(node, RDF_TYPE, iris.term("Country")),
                triple(node, RDF_TYPE, iris.ns("schema", "Country")),
                triple(node, RDFS_LABEL, text_en(label)),
                triple(node, iris.term("iso3166Alpha2"), string(alpha2)),
                triple(node, iris.term("iso3166Alpha3"), string(alpha3)),
            ]
            if numeric:
                triples.append(triple(node, iris.term("iso3166Numeric"), string(numeric)))
            if entry.get("note"):
                triples.append(triple(node, iris.ns("rdfs", "comment"), text_en(entry["note"])))
            alternatives = [name, entry.get("official_name"), *aliases.get(alpha3, [])]
            seen = {label}
            for alternative in alternatives:
                if alternative and alternative not in seen:
                    seen.add(alternative)
                    triples.append(triple(node, SKOS_ALT, text_en(alternative)))

        places = [
            (EU, "Region", "European Union", ["EU"], "The European Union, a supranational union of member states."),
            (WORLD, "Aggregate", "World", ["World total", "World total (rounded)"],
             "The world total of a statistic: a statistical aggregate, not a place on the map."),
            (OTHER_COUNTRIES, "Aggregate", "Other countries", ["Other Countries"],
             "The countries a source does not list one by one, as one statistical aggregate."),
        ]
        for key, kind, label, alternatives, comment in places:
            node = iris.place(key)
            triples += [
                triple(node, RDF_TYPE, iris.term(kind)),
                triple(node, RDFS_LABEL, text_en(label)),
                triple(node, RDFS_COMMENT, text_en(comment)),
            ]
            triples += [triple(node, SKOS_ALT, text_en(alternative)) for alternative in alternatives]

        version = getattr(pycountry, "__version__", None) or "unknown"
        metadata = DatasetMetadata(
            title="ISO 3166-1 countries",
            description=(
                "Every country and territory of ISO 3166-1 with its English name, official name and alpha-2, "
                "alpha-3 and numeric codes, from the pycountry package (data from Debian iso-codes); plus the "
                "European Union and the statistical aggregates 'World' and 'Other countries'."
            ),
            source_url="https://www.iso.org/iso-3166-country-codes.html",
            license_url="https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
            citation=(
                f"ISO 3166-1 country codes, via the pycountry package {version} (LGPL-2.1; data from Debian "
                "iso-codes, https://salsa.debian.org/iso-codes-team/iso-codes)."
            ),
            version=f"pycountry {version}",
            source_file=path,
        )
        return FeedOutput(GRAPH_NAME, list(dict.fromkeys(triples)), len(entries), problems, metadata)


FEED = CountriesFeed()
