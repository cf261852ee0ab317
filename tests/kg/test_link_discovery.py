"""Link discovery (kg/link_discovery.py) on a partner-style list of 37 real mines and plants
(tests/data/partner_sites_links.ttl) against the bundled data, with hand-labelled correct links
(tests/data/partner_sites_links_labels.csv): the measured precision and recall are printed (pytest -s)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat

from kg import link_discovery
from kg.search import build_index
from kg.store import open_store

DATA = Path(__file__).resolve().parent.parent / "data"
GRAPH = NamedNode("https://w3id.org/critmin/graph/partner/pmx/sites")


@pytest.fixture(scope="module")
def proposals(bundled_copy) -> list[link_discovery.Proposal]:
    store = open_store(bundled_copy())
    store.load(path=str(DATA / "partner_sites_links.ttl"), format=RdfFormat.TURTLE, to_graph=GRAPH)
    return link_discovery.discover(store, build_index(store), GRAPH)


def labelled_pairs() -> tuple[set[str], set[tuple[str, str]]]:
    entities, pairs = set(), set()
    with (DATA / "partner_sites_links_labels.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            entities.add(row["partner_entity"])
            if row["our_entity"]:
                pairs.add((row["partner_entity"], row["our_entity"]))
    return entities, pairs


def test_precision_and_recall_on_the_labelled_sample(proposals) -> None:
    entities, truth = labelled_pairs()
    assert len(entities) == 37 and len(truth) == 47
    measured = {}
    for relation in ("sameAs", "closeMatch"):
        made = {(p.subject, p.object) for p in proposals if p.relation == relation}
        correct = made & truth
        measured[relation] = (len(correct) / len(made), len(correct) / len(truth), len(made))
        print(f"{relation}: {len(made)} proposals, precision {measured[relation][0]:.2f}, "
              f"recall {measured[relation][1]:.2f} (of {len(truth)} labelled links)")
    found = {(p.subject, p.object) for p in proposals} & truth
    print(f"either relation: recall {len(found) / len(truth):.2f}")
    # v1's figures on this sample when it was written (labels partly corrected after a first run, see the README)
    assert measured["sameAs"][0] >= 0.85 and measured["sameAs"][1] >= 0.75
    assert len(found) / len(truth) >= 0.9


def test_every_proposal_explains_itself(proposals) -> None:
    assert proposals
    for proposal in proposals:
        assert proposal.relation in ("sameAs", "closeMatch")
        assert 0 <= proposal.score <= 100
        assert proposal.reasons and proposal.reasons[0].split(":")[0] in (
            "name_exact", "alias", "name_core", "fuzzy", "name_tokens", "id")
        assert not proposal.object.startswith("https://w3id.org/critmin/id/facility/pmx/")  # only ours


def test_country_disagreement_is_forgiven_when_coordinates_agree(proposals) -> None:
    # ICMM places Pilgangoora (Western Australia) in New Caledonia; the coordinates say otherwise
    pilgangoora = [p for p in proposals if p.subject.endswith("/pmx/pilgangoora")]
    assert pilgangoora[0].object.endswith("icmm-ICMM06235") and pilgangoora[0].relation == "sameAs"
    assert any(r.startswith("country differs (coordinates agree)") for r in pilgangoora[0].reasons)


def test_a_plant_is_not_the_mine_next_to_it(proposals) -> None:
    kemerton = [p for p in proposals if p.subject.endswith("/pmx/kemerton")]
    assert all(p.relation != "sameAs" for p in kemerton)
