"""The analyst query mix of ``bench/queries/*.rq`` and how a request of it is drawn.

Each query names what it varies with placeholders that parse as SPARQL as they stand: an IRI ``<urn:bench:KIND>``
or a string ``"bench:KIND"``, where KIND is a key of the dataset's ``entities.json`` (facility, company,
owned_company, document, commodity, country, label_fragment, year). A request replaces each with a value drawn from
that list, so that requests vary as an analyst's would and no server answers from a cache of one query text.
Binding by text is fine here: the values are our own generated IRIs and words, never user input.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "queries"
_IRI = re.compile(r"<urn:bench:([a-z_]+)>")
_STRING = re.compile(r'"bench:([a-z_]+)"')


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    what: str  # the one-line comment that opens the file

    @property
    def kind(self) -> str:
        """The query's class (lookup, join, aggregation, …): the comment's first words before the colon."""
        return self.what.split(":", 1)[0].strip()

    def bind(self, samples: dict[str, list[str]], rng: random.Random) -> str:
        text = _IRI.sub(lambda m: f"<{rng.choice(samples[m.group(1)])}>", self.text)
        return _STRING.sub(lambda m: '"' + rng.choice(samples[m.group(1)]) + '"', text)

    def bind_first(self, samples: dict[str, list[str]]) -> str:
        """The query with the first sample of each kind (deterministic; for tests)."""
        text = _IRI.sub(lambda m: f"<{samples[m.group(1)][0]}>", self.text)
        return _STRING.sub(lambda m: '"' + samples[m.group(1)][0] + '"', text)


def load_mix(folder: Path = QUERIES) -> list[Query]:
    mix = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        if not first.startswith("#"):
            raise ValueError(f"{path}: the first line must be a comment saying what the query asks")
        mix.append(Query(path.stem, text, first.lstrip("# ").strip()))
    return mix


def request_plan(mix: list[Query], samples: dict[str, list[str]], *, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (query name, bound text) pairs cycling through the mix in a seeded order: every target gets the same
    sequence, so their figures are over the same requests."""
    rng = random.Random(seed)
    plan = []
    while len(plan) < count:
        order = list(mix)
        rng.shuffle(order)
        plan += [(q.name, q.bind(samples, rng)) for q in order]
    return plan[:count]
