"""``GET /api/bottlenecks`` and ``POST /api/what-if``: supply-chain bottlenecks and removals, as JSON.

Both answer from the caller's view (``ViewDep``), so a partner's private supply links count for that partner only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, model_validator

from api.deps import ViewDep
from kg.analytics.chains import (
    ChainGraph,
    RecyclingPlant,
    build_chain_graph,
    commodity_node,
    find_bottlenecks,
    recycling_summary,
)
from kg.analytics.concentration import concentrations
from kg.analytics.dashboard import latest_concentrations
from kg.analytics.whatif import KINDS, StageChange, SupplyLoss, simulate

router = APIRouter(prefix="/api", tags=["supply chains"])


class StageSupplyOut(BaseModel):
    stage: str
    label: str
    facilities: int
    countries: list[str]
    single_country: bool
    single_facility: bool


class PointOfFailureOut(BaseModel):
    facility: str
    cuts_off: list[str] = Field(description="Cell plants and EV makers left without any chain without it.")


class FigureOut(BaseModel):
    kind: str = Field(description="world-production or net-import-reliance")
    measure: str | None
    area: str
    year: str
    value: float
    unit: str | None


class RecyclingOut(BaseModel):
    commodity: str
    plants: list[RecyclingPlant]
    capacity_tonnes: float | None
    figures: list[FigureOut]
    notes: list[str]


class BottlenecksOut(BaseModel):
    commodity: str
    commodity_label: str
    facility_count: int
    edge_count: int = Field(description="Explicit supply edges between facilities; none is inferred.")
    edges_by_kind: dict[str, int]
    chain_count: int = Field(description="Paths of supply edges from a mine to a cell plant or EV maker.")
    chains_truncated: bool
    stages: list[StageSupplyOut]
    cut_vertices: list[str]
    single_points_of_failure: list[PointOfFailureOut]
    notes: list[str]
    recycling: RecyclingOut


class Removal(BaseModel):
    country: str | None = None
    company: str | None = None
    facility: str | None = None

    @model_validator(mode="after")
    def one_kind(self) -> Removal:
        if sum(value is not None for value in (self.country, self.company, self.facility)) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)}")
        return self

    def kind_and_iri(self) -> tuple[str, str]:
        return next((kind, value) for kind in KINDS if (value := getattr(self, kind)) is not None)


class WhatIfIn(BaseModel):
    remove: Removal
    commodity: str = Field(description="A commodity key (lithium) or IRI.")


class AffectedOrganisationOut(BaseModel):
    organisation: str
    label: str
    facilities: list[str]
    lost_own_facility: bool


class WhatIfOut(BaseModel):
    commodity: str
    kind: str
    removed: str
    removed_facilities: list[str]
    chains_before: int
    lost_chains: list[list[str]]
    surviving_chains: list[list[str]]
    ends_cut_off: list[str]
    stages: list[StageChange]
    organisations: list[AffectedOrganisationOut]
    supply_lost: list[SupplyLoss] = Field(
        description="For a country: its share of each stage's latest production and reserves, with the HHI and the "
                    "leading country of what is left.")
    notes: list[str]


def _chain_graph(view: ViewDep, commodity: str) -> ChainGraph:
    try:
        node = commodity_node(commodity)
    except ValueError:  # a quote or a space: neither a key nor an IRI, so no such commodity (a 500 before)
        node = None
    chain = None if node is None else build_chain_graph(view.store, node)
    if chain is None:
        raise HTTPException(404, f"no commodity {commodity!r} in the graph")
    return chain


@router.get("/bottlenecks", response_model=BottlenecksOut)
def bottlenecks(view: ViewDep,
                commodity: Annotated[str, Query(description="A commodity key (lithium) or IRI.")]) -> BottlenecksOut:
    """Stages served by one country or facility, cut vertices and single points of failure on the chains from mines
    to cell plants and EV makers, and recycling beside production and import reliance."""
    chain = _chain_graph(view, commodity)
    found = asdict(find_bottlenecks(chain))
    return BottlenecksOut(**found, recycling=asdict(recycling_summary(view.store, commodity_node(commodity))))


@router.post("/what-if", response_model=WhatIfOut)
def what_if(view: ViewDep, body: WhatIfIn) -> WhatIfOut:
    """Remove a country, company or facility: the chains lost and kept, the stages and partners affected."""
    chain = _chain_graph(view, body.commodity)
    kind, iri = body.remove.kind_and_iri()
    latest = latest_concentrations(concentrations(view.store, commodity=commodity_node(body.commodity)))
    return WhatIfOut(**asdict(simulate(chain, kind, iri, latest)))
