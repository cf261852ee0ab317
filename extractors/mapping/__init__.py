"""Feeds defined by a declarative mapping file (TOML) instead of Python; see docs/mapping.md.

>>> from extractors.mapping import mapping_feed  # doctest: +SKIP
>>> feed = mapping_feed("extractors/feeds/mappings/usgs_import_sources_fig3.toml")  # doctest: +SKIP
"""

from extractors.mapping.engine import MappingFeed, literal_for, mapping_feed
from extractors.mapping.spec import Mapping, MappingError, load_mapping

__all__ = ["Mapping", "MappingError", "MappingFeed", "literal_for", "load_mapping", "mapping_feed"]
