"""The structured feeds ``critmin load`` runs, by graph name."""

from __future__ import annotations

from pathlib import Path

from extractors.feeds.base import Feed
from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.critical_lists import FEED as CRITICAL_LISTS
from extractors.feeds.facility_links import FEED as FACILITY_LINKS
from extractors.feeds.icmm import FEED as ICMM
from extractors.feeds.minmod import SITES as MINMOD_SITES
from extractors.feeds.minmod import VOCABULARIES as MINMOD_VOCABULARIES
from extractors.feeds.usgs_imports import FEED as USGS_IMPORTS
from extractors.feeds.usgs_salient import FEED as USGS_SALIENT
from extractors.feeds.usgs_world import FEED as USGS_WORLD
from extractors.mapping import mapping_feed

MAPPINGS = Path(__file__).resolve().parent / "mappings"

# In load order: countries and lists first, then statistics, then facilities, then the links between facilities.
FEEDS: dict[str, Feed] = {
    feed.name: feed
    for feed in (
        COUNTRIES,
        CRITICAL_LISTS,
        USGS_WORLD,
        USGS_SALIENT,
        USGS_IMPORTS,
        mapping_feed(MAPPINGS / "usgs_import_sources_fig3.toml"),
        MINMOD_VOCABULARIES,
        ICMM,
        MINMOD_SITES,
        FACILITY_LINKS,
    )
}


class UnknownFeedError(KeyError):
    """No feed of that name; the message lists the known feeds."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown feed"


def get_feed(name: str) -> Feed:
    """The feed that builds graph ``name``; :class:`UnknownFeedError` (a KeyError) names the known feeds."""
    try:
        return FEEDS[name]
    except KeyError:
        known = ", ".join(sorted(FEEDS))
        raise UnknownFeedError(f"unknown feed {name!r}; the known feeds are: {known}") from None
