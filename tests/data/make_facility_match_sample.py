"""Regenerate the (unlabelled) pairs of tests/data/facility_match_sample.csv, deterministically.

The sample for measuring the facility matcher (kg/linking.py) is drawn from the candidate pairs between the bundled
ICMM Global Mining Dataset and the MinMod mineral sites, without looking at the matcher's score or decision:

* stratum 1: every candidate pair whose distance is known and at most ``NEAR_KM`` km;
* stratum 2: a uniform random sample (``random.Random(SEED)``) of ``RANDOM_PAIRS`` of the remaining candidate pairs
  (farther apart, or without a distance), taken from them sorted by (ICMM id, MinMod record id).

The output has the labelled file's columns with ``label`` and ``reason`` left empty: labels are written by hand, never
by this script. Usage: ``.venv/bin/python tests/data/make_facility_match_sample.py [OUT.csv]`` (stdout by default).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.feeds import icmm, minmod  # noqa: E402
from extractors.feeds.base import FacilityRecord  # noqa: E402
from kg.linking import candidate_pairs, distance_km  # noqa: E402

SEED = 20250917
NEAR_KM = 5.0
RANDOM_PAIRS = 100
COLUMNS = ("icmm_id", "minmod_record_id", "icmm_name", "icmm_aliases", "minmod_name", "distance_km",
           "icmm_commodities", "minmod_commodities", "label", "reason")


def _commodities(record: FacilityRecord) -> str:
    return ";".join(c.value.rsplit("/", 1)[-1] for c in record.commodities)


def sample_pairs(left: list[FacilityRecord] | None = None,
                 right: list[FacilityRecord] | None = None) -> list[tuple[FacilityRecord, FacilityRecord]]:
    """The sampled (ICMM record, MinMod record) pairs: the near stratum, then the random one, each sorted by ids."""
    left = icmm.FEED.facility_records() if left is None else left
    right = minmod.SITES.facility_records() if right is None else right
    # only the records of each candidate pair are used here: never its score
    pairs = sorted(((m.left, m.right) for m in candidate_pairs(left, right)),
                   key=lambda p: (p[0].record_id, p[1].record_id, p[1].iri.value))
    near, rest = [], []
    for pair in pairs:
        km = distance_km(*pair)
        (near if km is not None and km <= NEAR_KM else rest).append(pair)
    drawn = random.Random(SEED).sample(range(len(rest)), RANDOM_PAIRS)
    return near + [rest[i] for i in sorted(drawn)]


def rows(pairs: list[tuple[FacilityRecord, FacilityRecord]]) -> list[dict[str, str]]:
    out = []
    for a, b in pairs:
        km = distance_km(a, b)
        out.append({
            "icmm_id": a.record_id,
            "minmod_record_id": b.record_id,
            "icmm_name": a.name,
            "icmm_aliases": ";".join(a.aliases),
            "minmod_name": b.name,
            "distance_km": "" if km is None else f"{km:.2f}",
            "icmm_commodities": _commodities(a),
            "minmod_commodities": _commodities(b),
            "label": "",
            "reason": "",
        })
    return out


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
