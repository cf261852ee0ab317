"""Links between records of the same facility in ICMM and MinMod: `owl:sameAs` with the matcher's reasons.

A derived feed: it reads the folder of bundled data (the ICMM file and the MinMod sites under it), asks each feed
for its facility records, and writes the matches of ``kg/linking.py`` as a VoID linkset in ``cmg:facility-links``.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, Triple

from extractors.feeds import icmm, minmod
from extractors.feeds.base import DatasetMetadata, FeedOutput, default_data_file
from kg import iris
from kg.linking import METHOD, link_triples, match_facilities

GRAPH_NAME = "facility-links"
ICMM_FILE = "icmm-global-mining-dataset/icmm_gmd_battery_minerals_india_uk_subset.csv"
MINMOD_FOLDER = "minmod/mineral-sites"


class FacilityLinksFeed:
    name = GRAPH_NAME
    description = "The same facility in ICMM and MinMod, linked by owl:sameAs with match scores and reasons"

    @property
    def default_file(self) -> Path:
        return default_data_file("")

    def read(self, path: Path) -> FeedOutput:
        left = icmm.FEED.facility_records(path / ICMM_FILE)
        right = minmod.SITES.facility_records(path / MINMOD_FOLDER)
        matches = match_facilities(left, right)
        linkset = iris.graph(GRAPH_NAME)
        triples = link_triples(matches) + [
            Triple(linkset, iris.ns("rdf", "type"), iris.ns("void", "Linkset")),
            Triple(linkset, iris.ns("void", "subjectsTarget"), iris.graph(icmm.GRAPH_NAME)),
            Triple(linkset, iris.ns("void", "objectsTarget"), iris.graph(minmod.SITES_GRAPH)),
            Triple(linkset, iris.ns("void", "linkPredicate"), iris.ns("owl", "sameAs")),
            Triple(linkset, iris.ns("dct", "description"), Literal(f"Found by {METHOD}; see kg/linking.py.")),
        ]
        return FeedOutput(
            GRAPH_NAME,
            triples,
            len(left) + len(right),
            [],
            DatasetMetadata(
                title="Facility links: ICMM Global Mining Dataset and MinMod mineral sites",
                description=(
                    f"{len(matches)} pairs of records that describe the same facility, out of {len(left)} ICMM "
                    f"facilities and {len(right)} MinMod sites, each with its score and the features behind it."
                ),
                source_url="https://w3id.org/critmin/ontology/FacilityMatch",
                license_url="https://creativecommons.org/licenses/by/4.0/",
                citation=(
                    "Derived by critmin from the ICMM Global Mining Dataset, September 2025 (V1) release (CC BY 4.0) "
                    "and MinMod mineral sites, DARPA CriticalMAAS (MIT)."
                ),
                version=METHOD,
                source_file=path,
            ),
        )


FEED = FacilityLinksFeed()
