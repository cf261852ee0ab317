"""Precision and recall of the facility matcher (kg/linking.py) on a hand-labelled sample of candidate pairs.

tests/data/facility_match_sample.csv: 140 ICMM x MinMod candidate pairs drawn by
tests/data/make_facility_match_sample.py (seed 20250917; every candidate pair within 5 km plus 100 of the other 580
drawn uniformly), each labelled "same" or "different" by hand from the two records, never from the matcher's score.
Reasons starting "unsure:" mark best-judgement labels. The matcher is run over all bundled records (a pair's fate
can depend on the other records) and each sampled pair counts as linked when
``match_facilities`` returns it.

tests/data/facility_match_sample_2.csv: a fresh sample for an unbiased estimate of matcher v2, which was never tuned on
it. Drawn by tests/data/make_facility_match_sample_2.py (seed 20261126) from v2's candidate pairs, leaving out every
pair of the first sample (by ICMM id + MinMod record id): no candidate pair within 5 km was left, so it is 135 of the
446 remaining candidate pairs drawn uniformly. Labelled by hand from the records and source files before the matcher
was run on it; same conventions ("unsure:" for best judgements).
"""

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from extractors.feeds import icmm, minmod
from kg.linking import candidate_pairs, match_facilities

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "facility_match_sample.csv"
SAMPLE_2 = DATA / "facility_match_sample_2.csv"
# History on sample 1 (140 pairs, near pairs over-represented): v1 precision 0.929 (26/28), recall 0.520 (26/50);
# v2 (changed after reading v1's errors here) 0.875 / 0.840.
# Sample 2 (135 fresh pairs, none within 5 km, drawn after v2 was fixed) measured v2 without bias: TP 25, FP 28, FN 4,
# TN 78, precision 0.472, recall 0.862 — 27 of the 28 false positives were pairs without coordinates linked on one
# shared word ("Mountain", "Kambalda-…").
# v3 (changed after reading v2's errors on sample 2, so both samples are now development samples; an unbiased
# figure for v3 needs a third sample) measures: sample 1 TP 35, FP 3, FN 15, TN 87, precision 0.921, recall 0.700;
# sample 2 TP 13, FP 4, FN 16, TN 102, precision 0.765, recall 0.448. v3 trades recall for precision on purpose: a
# wrong owl:sameAs merges two facilities' facts on every page, a missing one only leaves two pages unlinked.
# The floors sit just under the measured figures, to report regressions, not to claim a target met.
MIN_PRECISION = 0.90
MIN_RECALL = 0.68
MIN_PRECISION_2 = 0.75
MIN_RECALL_2 = 0.44
FLOORS = {SAMPLE.name: (MIN_PRECISION, MIN_RECALL), SAMPLE_2.name: (MIN_PRECISION_2, MIN_RECALL_2)}


def load_sample(path: Path = SAMPLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_generator(name: str = "make_facility_match_sample"):
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records():
    return icmm.FEED.facility_records(), minmod.SITES.facility_records()


def test_sample_is_labelled_and_is_the_drawn_sample(records) -> None:
    rows = load_sample()
    generator = load_generator()
    assert list(rows[0]) == list(generator.COLUMNS)
    assert {r["label"] for r in rows} <= {"same", "different"}
    assert all(r["reason"].strip() for r in rows)
    # The sample was drawn from matcher v1's candidates (make_facility_match_sample.py at that version); v2 changed
    # which name-only pairs become candidates, so check only that every pair still names two bundled records.
    left, right = records
    icmm_ids, minmod_ids = {r.record_id for r in left}, {r.record_id for r in right}
    assert all(r["icmm_id"] in icmm_ids and r["minmod_record_id"] in minmod_ids for r in rows)
    assert 130 <= len(rows) <= 160
    assert len({(r["icmm_id"], r["minmod_record_id"]) for r in rows}) == len(rows)


def test_second_sample_is_labelled_and_is_the_drawn_sample(records) -> None:
    rows = load_sample(SAMPLE_2)
    generator = load_generator("make_facility_match_sample_2")
    assert list(rows[0]) == list(generator.COLUMNS)
    assert {r["label"] for r in rows} <= {"same", "different"}
    assert all(r["reason"].strip() for r in rows)
    # drawn from matcher v2's candidate pairs; v3 changed which name-only pairs are candidates, so check only that
    # every pair still names two bundled records
    left, right = records
    icmm_ids, minmod_ids = {r.record_id for r in left}, {r.record_id for r in right}
    assert all(r["icmm_id"] in icmm_ids and r["minmod_record_id"] in minmod_ids for r in rows)
    assert 120 <= len(rows) <= 150
    keys = {(r["icmm_id"], r["minmod_record_id"]) for r in rows}
    assert len(keys) == len(rows)
    assert not keys & {(r["icmm_id"], r["minmod_record_id"]) for r in load_sample(SAMPLE)}


@pytest.mark.parametrize("sample", [SAMPLE, SAMPLE_2], ids=lambda p: p.stem)
def test_precision_and_recall_on_the_labelled_sample(records, sample: Path) -> None:
    min_precision, min_recall = FLOORS[sample.name]
    left, right = records
    # MinMod record ids repeat across its sources; a pair's two ids still name one candidate pair
    keys = [(m.left.record_id, m.right.record_id) for m in candidate_pairs(left, right)]
    assert len(set(keys)) == len(keys)
    linked = {(m.left.record_id, m.right.record_id) for m in match_facilities(left, right)}
    counts: Counter[str] = Counter()
    errors = []
    for row in load_sample(sample):
        same = row["label"] == "same"
        predicted = (row["icmm_id"], row["minmod_record_id"]) in linked
        outcome = ("t" if same == predicted else "f") + ("p" if predicted else "n")
        counts[outcome] += 1
        if outcome in ("fp", "fn"):
            errors.append(f"  {outcome.upper()} {row['icmm_name']!r} x {row['minmod_name']!r}: {row['reason']}")
    tp, fp, fn, tn = counts["tp"], counts["fp"], counts["fn"], counts["tn"]
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"\nfacility matcher on {sample.name}, {sum(counts.values())} labelled pairs: "
          f"TP {tp}, FP {fp}, FN {fn}, TN {tn}; precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
    print("\n".join(errors))
    assert precision >= min_precision
    assert recall >= min_recall
