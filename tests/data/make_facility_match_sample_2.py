"""Regenerate the (unlabelled) pairs of tests/data/facility_match_sample_2.csv, deterministically.

The second sample measures the facility matcher (kg/linking.py, v2) on pairs it was never tuned on. It is drawn from
the CURRENT candidate pairs between the bundled ICMM Global Mining Dataset and the MinMod mineral sites, leaving out
every pair already in tests/data/facility_match_sample.csv (by ICMM id + MinMod record id), without looking at the
matcher's score or decision:

* stratum 1: every remaining candidate pair whose distance is known and at most ``NEAR_KM`` km;
* stratum 2: a uniform random sample (``random.Random(SEED)``) of the remaining candidate pairs (farther apart, or
  without a distance), taken from them sorted by (ICMM id, MinMod record id), sized so that the whole sample has
  ``TARGET_PAIRS`` pairs (at least ``MIN_RANDOM_PAIRS`` from this stratum).

The output has the labelled file's columns with ``label`` and ``reason`` left empty: labels are written by hand, never
by this script. The columns, the stratum thresholds and the row format are those of make_facility_match_sample.py,
imported from it. Usage: ``.venv/bin/python tests/data/make_facility_match_sample_2.py [OUT.csv]`` (stdout by
default).
"""

from __future__ import annotations

import csv
import importlib.util
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.feeds import icmm, minmod  # noqa: E402
from extractors.feeds.base import FacilityRecord  # noqa: E402
from kg.linking import candidate_pairs, distance_km  # noqa: E402


def _load_first():
    spec = importlib.util.spec_from_file_location("make_facility_match_sample", HERE / "make_facility_match_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


first = _load_first()

SEED = 20261126
NEAR_KM = first.NEAR_KM
TARGET_PAIRS = 135
MIN_RANDOM_PAIRS = 60
COLUMNS = first.COLUMNS
FIRST_SAMPLE = HERE / "facility_match_sample.csv"


def first_sample_keys(path: Path = FIRST_SAMPLE) -> set[tuple[str, str]]:
    """The (ICMM id, MinMod record id) of every pair of the first sample."""
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["icmm_id"], r["minmod_record_id"]) for r in csv.DictReader(f)}


def sample_pairs(left: list[FacilityRecord] | None = None,
                 right: list[FacilityRecord] | None = None) -> list[tuple[FacilityRecord, FacilityRecord]]:
    """The sampled (ICMM record, MinMod record) pairs: the near stratum, then the random one, each sorted by ids."""
    left = icmm.FEED.facility_records() if left is None else left
    right = minmod.SITES.facility_records() if right is None else right
    excluded = first_sample_keys()
    # only the records of each candidate pair are used here: never its score
    pairs = sorted(((m.left, m.right) for m in candidate_pairs(left, right)
                    if (m.left.record_id, m.right.record_id) not in excluded),
                   key=lambda p: (p[0].record_id, p[1].record_id, p[1].iri.value))
    near, rest = [], []
    for pair in pairs:
        km = distance_km(*pair)
        (near if km is not None and km <= NEAR_KM else rest).append(pair)
    size = min(len(rest), max(MIN_RANDOM_PAIRS, TARGET_PAIRS - len(near)))
    drawn = random.Random(SEED).sample(range(len(rest)), size)
    return near + [rest[i] for i in sorted(drawn)]


rows = first.rows


def main(argv: list[str]) -> None:
    out = open(argv[0], "w", newline="", encoding="utf-8") if argv else sys.stdout  # noqa: SIM115
    try:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(sample_pairs()))
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main(sys.argv[1:])
