"""The hand-built ten-facility lithium chain (tests/data/chain_lithium.trig) in a real store, for the chain tests."""

from pathlib import Path

from pyoxigraph import RdfFormat, Store

from kg.loading import load_ontology
from kg.store import open_store

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "chain_lithium.trig"
FAC = "https://w3id.org/critmin/id/facility/test-"
ORG = "https://w3id.org/critmin/id/org/test-"
COUNTRY = "https://w3id.org/critmin/id/country/"
STAGE = "https://w3id.org/critmin/id/stage/"


def chain_store(path: Path) -> Store:
    """The ontology (for the stage scheme and the commodities) and the fixture, in an on-disk store at ``path``."""
    store = open_store(path)
    load_ontology(store)
    store.load(path=str(FIXTURE), format=RdfFormat.TRIG)
    return store


def fac(*names: str) -> list[str]:
    return [FAC + name for name in names]
