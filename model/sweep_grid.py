"""A sweep's grid: sale size × months × contagion × Fed backstop over one base scenario, one `ScenarioSpec` per
cell. Pure (no Prefect, no DuckDB): flows/pipeline/sweep.py resolves the base scenario, plans, computes and
stores the cells; the grid's fields are documented in docs/scenarios.md (flows/spec_doc.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.spec import ScenarioSpec, SpecError, parse_spec, read_yaml
from warehouse.countries import HEADLINE_HOLDER

MAX_CELLS = 5000


class SweepGrid(BaseModel):
    """A sweep file (sweeps/*.yaml) or the CLI's --size/--months/… options."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        max_length=60,
        description="Sweep name (lower case letters, digits, '-', '_', '.'); names its report folder",
    )
    description: str = Field("", description="What the grid explores, shown on the sweep's page")
    base: str | dict[str, Any] = Field(
        "japan-fire-sale",
        description="Scenario every cell starts from: a shipped "
        "name, a YAML file (relative to the sweep file) or an inline spec",
    )
    seller: str | None = Field(None, description="Who sells (default: the base's first seller, else Japan)")
    sizes_usd_bn: list[Annotated[float, Field(ge=0, le=100_000)]] = Field(
        min_length=1, description="Sale sizes, $ billions of face value (one grid axis)"
    )
    months: list[Annotated[int, Field(ge=1, le=600)]] = Field(
        min_length=1, description="Months each sale is spread over (1 = a fire sale; one grid axis)"
    )
    contagion: list[Annotated[float, Field(ge=0, le=5)]] = Field(
        default_factory=lambda: [0.0], min_length=1, description="Contagion scales (as the spec's `contagion`)"
    )
    backstop_share: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.0], min_length=1, description="Fed backstop shares (as `fed_backstop.share`)"
    )
    draws: int | None = Field(None, ge=1, le=100_000, description="Monte Carlo draws per cell (null = the base's)")
    seed: int | None = Field(None, ge=0, description="Random seed for every cell (null = the base's)")
    calibration: str | None = Field(
        None, description="Calibration id or prefix (null = the base's, normally the latest)"
    )

    @field_validator("sizes_usd_bn", "months", "contagion", "backstop_share")
    @classmethod
    def _distinct(cls, v: list) -> list:
        seen = [x for i, x in enumerate(v) if x in v[:i]]
        if seen:
            raise ValueError(f"{seen[0]:g} is listed twice")
        return v

    @model_validator(mode="after")
    def _size(self) -> SweepGrid:
        n = len(self.sizes_usd_bn) * len(self.months) * len(self.contagion) * len(self.backstop_share)
        if n > MAX_CELLS:
            raise ValueError(f"{n} cells: at most {MAX_CELLS} per sweep")
        return self


def _grid_error(e: ValidationError) -> SpecError:
    parts = []
    for err in e.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".") or "sweep"
        value = err.get("input")
        shown = f"{value:g}" if isinstance(value, float) else repr(value) if isinstance(value, str) else value
        reason = str((err.get("ctx") or {}).get("error", err["msg"]))
        parts.append(
            f"{where}: {reason}"
            if isinstance(value, dict) or value is None
            else f"{where}: {shown} is not valid: {reason}"
        )
    return SpecError("; ".join(parts))


def parse_grid(data: Any, where: str = "sweep") -> SweepGrid:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return SweepGrid.model_validate(data)
    except ValidationError as e:
        raise _grid_error(e) from None


def load_grid(path: str | Path) -> tuple[SweepGrid, Path]:
    """A sweep file → (grid, the directory relative `base` paths are resolved against)."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"sweep: {p} is not a file" if p.exists() else f"sweep: file {p} does not exist")
    return parse_grid(read_yaml(p), str(p)), p.resolve().parent


@dataclass
class Cell:
    size_usd_bn: float
    months: int
    contagion: float
    backstop_share: float
    spec: ScenarioSpec
    key: str = ""

    @property
    def label(self) -> str:
        return self.spec.name


def cell_spec(
    base: ScenarioSpec, grid: SweepGrid, size: float, months: int, contagion: float, share: float
) -> ScenarioSpec:
    """The base scenario with one seller selling `size` over `months`, the contagion scale and the backstop share.

    Name and description depend only on the cell (not on the sweep's name), so equal cells of different sweeps
    share a key."""
    first = base.sellers[0] if base.sellers else None
    country = grid.seller or (first.country if first else HEADLINE_HOLDER)
    who = "-".join(country.lower().split())
    name = f"{base.name[:40]}-{who[:16]}-{size:g}bn-{months}m-c{contagion:g}-b{share:g}"
    data = base.model_dump(mode="json")
    data.update(
        name=name,
        description=(
            f"Sweep cell of {base.name}: {country} sells ${size:g}bn over {months} month(s), "
            f"contagion ×{contagion:g}, Fed backstop {share:.0%}."
        ),
        sellers=[
            {
                "country": country,
                "amount_usd_bn": size,
                "start_month": first.start_month if first else 0,
                "months": months,
            }
        ],
        contagion=contagion,
        fed_backstop={**data["fed_backstop"], "share": share},
    )
    for k in ("draws", "seed", "calibration"):
        if getattr(grid, k) is not None:
            data[k] = getattr(grid, k)
    try:
        return parse_spec(data)
    except SpecError as e:
        raise SpecError(str(e).replace("sellers[0].country", "seller").replace("sellers[0].", "")) from None


def build_cells(grid: SweepGrid, base: ScenarioSpec) -> list[Cell]:
    """Cells in table order: contagion, backstop, size, months."""
    if len(base.sellers) > 1:
        # A cell replaces the base's sale with one seller's: the other sellers would vanish without a word.
        who = ", ".join(s.country for s in base.sellers)
        raise SpecError(
            f"base: {base.name} has {len(base.sellers)} sellers ({who}); a sweep varies one seller's "
            "sale, so give a base with one seller (or none) and name it with `seller`"
        )
    too_long = [m for m in grid.months if m > base.horizon_months]
    if too_long:
        raise SpecError(
            f"months: {too_long[0]} is longer than the base scenario's horizon_months {base.horizon_months}"
        )
    return [
        Cell(s, m, c, b, cell_spec(base, grid, s, m, c, b))
        for c, b, s, m in itertools.product(grid.contagion, grid.backstop_share, grid.sizes_usd_bn, grid.months)
    ]
