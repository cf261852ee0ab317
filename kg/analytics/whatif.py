"""What if a country, company or facility dropped out of a commodity's supply chains?

Removing a country removes its facilities; removing a company removes the facilities it operates or owns (directly:
ownership through another company is not followed); removing a facility removes it. The chains
(``kg/analytics/chains.py``: explicit supply links from mines to cell plants and EV makers) are traced again without
them, and the answer lists the chains lost and kept, the stages that lose facilities or countries, and the
organisations (partners) operating or owning a facility on a lost chain. Removing a country also takes away its
share of each stage's production and reserves (from the concentration indicators given), and the concentration of
what is left is recomputed: what a buyer would face if that country's supply stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.analytics.chains import ChainGraph, find_chains, stage_supply
from kg.analytics.concentration import Concentration, CountryValue, summarise

KINDS = ("country", "company", "facility")


@dataclass(frozen=True)
class StageChange:
    stage: str
    label: str
    facilities_before: int
    facilities_after: int
    countries_before: list[str]
    countries_after: list[str]


@dataclass(frozen=True)
class AffectedOrganisation:
    organisation: str
    label: str
    facilities: list[str]  # its facilities on lost chains
    lost_own_facility: bool  # one of them is among those removed


@dataclass(frozen=True)
class SupplyLoss:
    """The removed country's part of one concentration indicator, and the concentration of the rest."""

    stage: str
    quantity_kind: str
    year: str
    tonnes: float
    percent: float  # of the countries' total, 0-100
    observation: str
    hhi_before: float
    hhi_after: float | None  # None when no other country has a number
    top_after: str | None
    top_after_label: str | None
    top_after_share: float | None


@dataclass(frozen=True)
class WhatIf:
    commodity: str
    kind: str
    removed: str
    removed_facilities: list[str]
    chains_before: int
    lost_chains: list[tuple[str, ...]]
    surviving_chains: list[tuple[str, ...]]
    ends_cut_off: list[str]  # cell plants and EV makers that had a chain and have none now
    stages: list[StageChange]  # only the stages that changed
    organisations: list[AffectedOrganisation]
    supply_lost: list[SupplyLoss]
    notes: list[str]


def facilities_removed(chain: ChainGraph, kind: str, iri: str) -> set[str]:
    if kind == "country":
        return {f.iri for f in chain.facilities.values() if f.country == iri}
    if kind == "company":
        return {facility for facility, roles in chain.roles.items() if any(org == iri for org, _ in roles)}
    if kind == "facility":
        return {iri} & chain.facilities.keys()
    raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")


def supply_lost(concentrations: Iterable[Concentration], country: str) -> list[SupplyLoss]:
    """What ``country`` held in each indicator, and HHI and leader of the countries left without it."""
    losses = []
    for item in concentrations:
        share = next((s for s in item.shares if s.area == country), None)
        if share is None:
            continue
        rest = summarise(CountryValue(s.observation, s.area, s.label, s.tonnes) for s in item.shares
                         if s.area != country)
        top = rest.top_country
        losses.append(SupplyLoss(item.stage, item.quantity_kind, item.year, share.tonnes, share.percent,
                                 share.observation, item.hhi, rest.hhi if rest.shares else None,
                                 top.area if top else None, top.label if top else None,
                                 top.percent if top else None))
    return losses


def simulate(chain: ChainGraph, kind: str, iri: str, concentrations: Iterable[Concentration] = ()) -> WhatIf:
    """Chains, stages and partners affected when ``iri`` (a country, company or facility) is removed; for a country,
    also its share of supply in each of ``concentrations``."""
    removed = facilities_removed(chain, kind, iri)
    before = find_chains(chain)
    after = find_chains(chain, removed=removed)
    kept = set(after.paths)
    lost = [path for path in before.paths if path not in kept]
    ends_cut_off = sorted({p[-1] for p in before.paths} - {p[-1] for p in after.paths})
    stages = [StageChange(b.stage, b.label, b.facilities, a.facilities, b.countries, a.countries)
              for b, a in zip(stage_supply(chain), stage_supply(chain, removed=removed), strict=True)
              if (b.facilities, b.countries) != (a.facilities, a.countries)]
    on_lost = {facility for path in lost for facility in path}
    organisations: dict[str, set[str]] = {}
    for facility in on_lost:
        for organisation, _role in chain.roles.get(facility, ()):
            organisations.setdefault(organisation, set()).add(facility)
    affected = [AffectedOrganisation(org, chain.organisations.get(org, org), sorted(facilities),
                                     bool(facilities & removed))
                for org, facilities in sorted(organisations.items())]
    lost_supply = supply_lost(concentrations, iri) if kind == "country" else []
    notes = []
    if kind != "country":
        notes.append("the graph has no production or capacity figures by company or facility, so the share of "
                     "supply lost cannot be given for this removal")
    if not removed:
        notes.append(f"no facility of this commodity in the graph belongs to this {kind}: no facility is removed")
    if not before.paths:
        notes.append("the commodity has no chain from a mine to a cell plant or EV maker to begin with (no explicit "
                     "supply links join them), so only the stages can change")
    if before.truncated or after.truncated:
        notes.append("the chain count hit its limit: lost and surviving chains are partial")
    return WhatIf(chain.commodity, kind, iri, sorted(removed), len(before.paths), lost, after.paths, ends_cut_off,
                  stages, affected, lost_supply, notes)
