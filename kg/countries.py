"""Country names as sources spell them -> ``cmid:country/{alpha-3}``, and the non-country places of statistics.

:func:`resolve_country` tries, on the trimmed name: the explicit :data:`ALIASES` (names pycountry does not know, as
USGS and others write them), then pycountry's exact lookup (alpha-2/alpha-3/numeric code, name, official name,
common name; case-insensitive). It never guesses (no fuzzy search): an unknown name gives None, and the feed reports
the row. :func:`resolve_place` also knows the statistical aggregates ("World total", "Other countries") and the EU.

>>> resolve_country("Congo (Kinshasa)").value
'https://w3id.org/critmin/id/country/COD'
>>> resolve_country("Canada ").value
'https://w3id.org/critmin/id/country/CAN'
>>> resolve_place("World total (rounded)")
ResolvedPlace(node=<NamedNode value=https://w3id.org/critmin/id/place/world>, key='world', is_rounded=True)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from pyoxigraph import NamedNode

from kg import iris

# Spellings pycountry's lookup does not resolve, each checked against pycountry by the tests (alpha-3 exists).
# Keys are compared after _key(): lowercase, trimmed, spaces collapsed, curly apostrophes straightened.
ALIASES: dict[str, str] = {
    "Congo (Kinshasa)": "COD",
    "Congo, Democratic Republic of the": "COD",
    "Democratic Republic of the Congo": "COD",
    "DR Congo": "COD",
    "Congo (Brazzaville)": "COG",
    "Republic of the Congo": "COG",
    "Burma": "MMR",
    "Korea, North": "PRK",
    "North Korea": "PRK",
    "Korea, South": "KOR",
    "South Korea": "KOR",
    "Korea, Republic of": "KOR",
    "Russia": "RUS",
    "Turkey": "TUR",
    "Turkiye": "TUR",
    "Vietnam": "VNM",
    "Laos": "LAO",
    "Iran": "IRN",
    "Côte d'Ivoire": "CIV",
    "Cote d'Ivoire": "CIV",
    "Ivory Coast": "CIV",
    "Bolivia": "BOL",
    "Tanzania": "TZA",
    "Syria": "SYR",
    "Venezuela": "VEN",
    "Moldova": "MDA",
    "Brunei": "BRN",
    "Macedonia": "MKD",
    "Swaziland": "SWZ",
    "Cape Verde": "CPV",
    "Czech Republic": "CZE",
    "Micronesia": "FSM",
    "Gambia, The": "GMB",
    "The Gambia": "GMB",
    "Bahamas, The": "BHS",
    "The Bahamas": "BHS",
    "Taiwan": "TWN",
    "United States of America": "USA",
    "U.S.": "USA",
    "UK": "GBR",
    "Great Britain": "GBR",
    "Reunion": "REU",
    # Kosovo has no ISO 3166-1 code; XKX is the user-assigned code the EU, the IMF and others use (see USER_ASSIGNED)
    "Kosovo": "XKX",
    "Kosovo (Serbia)": "XKX",
    "Curacao": "CUW",
    "East Timor": "TLS",
    "Vatican City": "VAT",
    "Palestine": "PSE",
}

WORLD = "world"
OTHER_COUNTRIES = "other-countries"
# Countries without an ISO 3166-1 code that sources name, with the user-assigned codes in common use.
USER_ASSIGNED: tuple[dict[str, str], ...] = (
    {"alpha_2": "XK", "alpha_3": "XKX", "name": "Kosovo",
     "note": "XK / XKX are user-assigned codes, not ISO 3166-1; the EU, the IMF and others use them for Kosovo."},
)

EU = "eu"

_WORLD_TOTAL = re.compile(r"^world(?: total)?(?: \((rounded)\))?$")
_OTHER = re.compile(r"^other countries(?: \(rounded\))?$")
_EU = {"european union", "eu", "eu27", "eu-27", "eu 27"}


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


_ALIAS_KEYS = {_key(name): alpha3 for name, alpha3 in ALIASES.items()}


@lru_cache(maxsize=4096)
def country_alpha3(name: str) -> str | None:
    """The ISO 3166-1 alpha-3 code of a country name as a source spells it; None when unknown."""
    key = _key(name)
    if not key:
        return None
    if key in _ALIAS_KEYS:
        return _ALIAS_KEYS[key]
    cleaned = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()
    try:
        return pycountry.countries.lookup(cleaned).alpha_3
    except LookupError:
        return None


def resolve_country(name: str) -> NamedNode | None:
    """``cmid:country/{alpha-3}`` for a country name (USGS spellings included); None when unknown."""
    alpha3 = country_alpha3(name)
    return iris.country(alpha3) if alpha3 else None


@dataclass(frozen=True)
class ResolvedPlace:
    node: NamedNode
    key: str
    """The place key used in observation IRIs: alpha-3 for a country, ``world``, ``other-countries``, ``eu``."""
    is_rounded: bool = False


def resolve_place(name: str) -> ResolvedPlace | None:
    """A country, or an aggregate ("World total", "World total (rounded)", "Other countries" in any case), or the EU."""
    key = _key(name)
    match = _WORLD_TOTAL.match(key)
    if match:
        return ResolvedPlace(iris.place(WORLD), WORLD, is_rounded=bool(match.group(1)))
    if _OTHER.match(key):
        return ResolvedPlace(iris.place(OTHER_COUNTRIES), OTHER_COUNTRIES, is_rounded="(rounded)" in key)
    if key in _EU:
        return ResolvedPlace(iris.place(EU), EU)
    alpha3 = country_alpha3(name)
    if alpha3:
        return ResolvedPlace(iris.country(alpha3), alpha3)
    return None
