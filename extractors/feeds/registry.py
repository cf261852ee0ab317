"""The structured feeds ``critmin load`` runs, by graph name."""

from __future__ import annotations

from extractors.feeds.base import Feed
from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.critical_lists import FEED as CRITICAL_LISTS
from extractors.feeds.usgs_world import FEED as USGS_WORLD

FEEDS: dict[str, Feed] = {feed.name: feed for feed in (COUNTRIES, CRITICAL_LISTS, USGS_WORLD)}


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
