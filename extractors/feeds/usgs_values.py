"""Cell values and units of the USGS Mineral Commodity Summaries files, shared by the USGS feeds.

``usgs_world`` (world production by country), ``usgs_salient`` (US salient statistics) and ``usgs_imports`` (US net
import reliance) all read USGS cells: numbers with thousands separators, bounds (">95", "<1,000") and the USGS codes
"W" (withheld), "NA" (not available), "Large", "Small", "Included in World total". The code "E" means "net exporter"
in the net-import-reliance columns (the FGDC metadata of the salient files: "E: Net exporter").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# An unsigned number, optionally a bound: "1,234", "5 220", ">130000000", "<1,000", "3.5".
NUMBER = re.compile(r"^([<>])?\s*(\d{1,3}(?:[,\s\u00a0\u202f]\d{3})+|\d+)(\.\d+)?$")
# The same with a sign ("-4", "\u221288": USGS writes a negative net import reliance with a minus sign).
SIGNED_NUMBER = re.compile(r"^([<>])?\s*([-\u2212\u2013]?)\s*(\d{1,3}(?:[,\s\u00a0\u202f]\d{3})+|\d+)(\.\d+)?$")
# A range such as "50\u2013300" or "500\u201317,000" (en dash, hyphen or "to").
RANGE = re.compile(
    r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(?:[-\u2013\u2014]|to)\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$"
)

STATUS_WORDS = {  # the USGS codes (cell text, whitespace collapsed, lowercase, final "." dropped) -> value status
    "w": "withheld",
    "na": "not-available",
    "large": "large",
    "small": "small",
    "included in world total": "included-in-total",
}
# "Less than \u00bd unit." is the USGS footnote for a quantity too small to show: value status ``small``.
SMALL_TEXT = re.compile(r"^less than (?:\u00bd|1/2) unit\.?$", re.IGNORECASE)
NET_EXPORTER = "e"  # in a net-import-reliance cell: the country is a net exporter

UNITS: dict[str, tuple[str, int]] = {  # normalised unit text -> (QUDT unit local name, factor)
    "metric tons": ("TONNE", 1),
    "metric ton": ("TONNE", 1),
    "thousand metric tons": ("KiloTONNE", 1),
    "thousand metric dry tons": ("KiloTONNE", 1),
    "million metric tons": ("TONNE", 1_000_000),
    "kilograms": ("KiloGM", 1),
    "thousand carats": ("CARAT", 1_000),
    "million carats": ("CARAT", 1_000_000),
    "million cubic meters": ("M3", 1_000_000),
}


def collapse(text: str) -> str:
    """Whitespace (also no-break spaces) collapsed to single spaces, trimmed."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def parse_number(text: str) -> tuple[Decimal, str | None] | None:
    """(value, bound) for "1,234", "5 220", ">130000000"; None when ``text`` is not a number."""
    match = NUMBER.match(text.strip())
    if not match:
        return None
    digits = re.sub(r"[,\s\u00a0\u202f]", "", match.group(2)) + (match.group(3) or "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    bound = {">": "lower", "<": "upper"}.get(match.group(1) or "")
    return value, bound


def parse_signed_number(text: str) -> tuple[Decimal, str | None] | None:
    """As :func:`parse_number`, also accepting a leading minus ("-4", "\u221288")."""
    match = SIGNED_NUMBER.match(text.strip())
    if not match:
        return None
    digits = re.sub(r"[,\s\u00a0\u202f]", "", match.group(3)) + (match.group(4) or "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if match.group(2):
        value = -value
    bound = {">": "lower", "<": "upper"}.get(match.group(1) or "")
    return value, bound


def parse_range(text: str) -> tuple[Decimal, Decimal] | None:
    """(low, high) for "50\u2013300", "500\u201317,000"; None when ``text`` is not a range."""
    match = RANGE.match(collapse(text))
    if not match:
        return None
    low = Decimal(match.group(1).replace(",", "") + (match.group(2) or ""))
    high = Decimal(match.group(3).replace(",", "") + (match.group(4) or ""))
    return (low, high) if low <= high else None


def status_word(text: str) -> str | None:
    """The value status of a USGS code ("W", "NA", "Large", ...), or None."""
    return STATUS_WORDS.get(collapse(text).lower().rstrip("."))


# What every feed of the USGS MCS 2025 data release says about its source, for DatasetMetadata(**…).
USGS_MCS2025_RELEASE = {
    "source_url": "https://doi.org/10.5066/P13XCP3R",
    "license_url": "https://www.usgs.gov/information-policies-and-instructions/copyrights-and-credits",
    "citation": (
        "U.S. Geological Survey, 2025, Mineral commodity summaries 2025 data release (ver. 2.0, April 2025): "
        "U.S. Geological Survey data release, https://doi.org/10.5066/P13XCP3R. US Government work, public domain."
    ),
    "version": "MCS2025 data release ver. 2.0 (April 2025)",
}
