"""The shipped scenarios (scenarios/*.yaml) and resolving a scenario reference to a validated spec.

Light on purpose: `tshock scenario list`, `run --scenario` checks and the Python API read specs without importing
Prefect, pandas or the model's engine (issue 18: output within a second)."""

from __future__ import annotations

import re
from pathlib import Path

from flows.pipeline.versioning import REPO
from model.spec import ScenarioSpec, SpecError, load_spec, parse_spec, scenario_path

SCENARIO_DIR = REPO / "scenarios"


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[dict]:
    out = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            s = load_spec(path)
        except SpecError as exc:
            out.append({"name": path.stem, "file": str(path), "error": str(exc)})
            continue
        sellers = ", ".join(
            f"{x.country} {x.amount_usd_bn:g}bn"
            if x.amount_usd_bn is not None
            else f"{x.country} {x.share_of_holdings:.0%} of holdings"
            for x in s.sellers
        )
        out.append(
            {
                "name": s.name,
                "file": str(path),
                "description": s.description,
                "sellers": sellers or "none",
                "months": max((x.months for x in s.sellers), default=0),
                "contagion": s.contagion,
                "fed_backstop_share": s.fed_backstop.share,
                "parallel_shock_bp": s.parallel_shock_bp,
                "risk_premium_bp": s.risk_premium_bp,
                "draws": s.draws,
            }
        )
    return out


def resolve_spec(ref: str, *, draws: int | None = None, directory: Path = SCENARIO_DIR) -> ScenarioSpec:
    """A shipped scenario by name or a YAML file, validated; `draws` overrides the spec's (re-validated)."""
    spec = load_spec(scenario_path(ref, directory))
    if draws is not None:
        spec = parse_spec({**spec.model_dump(mode="json"), "draws": draws})
    check_report_name(spec.name)
    return spec


# A scenario's name is its report folder beside the day's own files: `index.html` as a name failed in the
# reports stage after the run was stored (issue 15). Names that look like files are refused up front.
_FILE_LIKE = re.compile(r"\.(html?|json|md|txt|csv|parquet|png|svg|ya?ml|js|css)$", re.IGNORECASE)


def check_report_name(name: str) -> None:
    if _FILE_LIKE.search(name):
        raise SpecError(
            f"name: {name!r} is not valid: it would be a report folder named like a file; "
            "use letters, digits and dashes, e.g. japan-fire-sale"
        )
