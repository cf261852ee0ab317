"""Every URL the pages link to, built in one place.

Our IRIs (``https://w3id.org/critmin/…``) dereference on this service: ``id/…``, ``ontology/…`` and ``graph/…``
are served under the same paths here, so a local run maps the public base IRI to its own host. Other IRIs are
linked as they are (outbound).

>>> urls = Urls()
>>> urls.for_iri("https://w3id.org/critmin/id/country/AUS")
'/id/country/AUS'
>>> urls.for_iri("https://w3id.org/critmin/id/country/AUS", format="ttl")
'/id/country/AUS.ttl'
>>> urls.for_iri("http://www.wikidata.org/entity/Q568")
'http://www.wikidata.org/entity/Q568'
>>> urls.iri_for_path("/id/country/AUS")
'https://w3id.org/critmin/id/country/AUS'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from kg.iris import BASE

SERVED_PREFIXES = ("id/", "ontology/", "graph/")
# Suffixes that pick a format in a URL, as content negotiation would by Accept.
FORMAT_SUFFIXES = {"html": "text/html", "ttl": "text/turtle", "jsonld": "application/ld+json",
                   "nt": "application/n-triples", "rdf": "application/rdf+xml", "json": "application/json"}


@dataclass(frozen=True)
class Urls:
    base_iri: str = BASE

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base_iri) and iri[len(self.base_iri):].startswith(SERVED_PREFIXES)

    def for_iri(self, iri: str, *, format: str | None = None) -> str:
        """Where a page about ``iri`` is: here for our IRIs (optionally in one format), else the IRI itself."""
        if not self.is_ours(iri):
            return iri
        path = "/" + quote(iri[len(self.base_iri):], safe="/:@!$&'()*+,;=-._~")
        return f"{path}.{format}" if format else path

    def iri_for_path(self, path: str) -> str:
        """The IRI a local path stands for (the inverse of ``for_iri`` without a format)."""
        return self.base_iri + path.lstrip("/")

    def search(self, text: str = "", **filters: str) -> str:
        params = {"q": text, **filters} if text else filters
        return "/search" + (f"?{urlencode(params)}" if params else "")

    def query(self, sparql: str | None = None) -> str:
        return "/query" + (f"?{urlencode({'query': sparql})}" if sparql else "")

    def sparql(self) -> str:
        return "/sparql"

    def suggest(self, text: str = "") -> str:
        return "/search/suggest" + (f"?{urlencode({'q': text})}" if text else "")

    def browse(self, kind: str | None = None, **params: object) -> str:
        """``/browse`` or ``/browse/{kind}`` with its filters and page; empty values are left out."""
        kept = {name: value for name, value in params.items() if value not in (None, "")}
        return "/browse" + (f"/{quote(kind)}" if kind else "") + (f"?{urlencode(kept)}" if kept else "")

    def void(self) -> str:
        return "/.well-known/void"

    def dumps(self) -> str:
        return "/dumps/"

    def dump(self, name: str) -> str:
        """The gzipped N-Quads of one graph (its name after ``graph/``), or of everything (``all``)."""
        return f"/dumps/{quote(name)}.nq.gz"
