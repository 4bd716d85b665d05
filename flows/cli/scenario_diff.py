"""`tshock scenario diff A B`: two scenarios side by side, each given as a stored run id, a shipped scenario name
or a YAML file.

A name or a file resolves to the newest stored run of that same spec (draws aside) on the current latest
calibration, e.g. the one `tshock run` just stored; when there is none the scenario is run now, read-only, and
not stored (the output says which). The comparison keeps flows.pipeline.runs.diff_runs' keys (context, metrics,
spec_differences) and adds the headline numbers with their p5–p95 intervals and the interest delta by fiscal year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flows.pipeline.catalog import resolve_spec
from flows.pipeline.runs import StoredRun, diff_runs, load_run
from model.spec import SpecError
from warehouse import readers
from warehouse.db import session
from warehouse.repository import RecordNotFound

Q = ("p5", "p50", "p95")


@dataclass
class Side:
    run: StoredRun
    source: str  # "stored run" | "stored run of <ref>" | "computed now, not stored"


def _spec_key(spec_json: str | dict) -> str:
    d = json.loads(spec_json) if isinstance(spec_json, str) else dict(spec_json)
    d.pop("draws", None)
    return json.dumps(d, sort_keys=True)


def resolve_side(db: str, ref: str, *, draws: int | None = None, label: str = "A") -> Side:
    """A stored run (id or prefix), else a scenario name or YAML file (its newest matching stored run, else run now)."""
    with session(db, read_only=True) as con:
        if Path(ref).suffix not in (".yaml", ".yml"):  # a run id or prefix first; names never start with run-
            try:
                return Side(load_run(con, ref), "stored run")
            except RecordNotFound as exc:
                if "ambiguous" in str(exc):
                    raise
        try:
            spec = resolve_spec(ref)
        except SpecError:
            raise SpecError(
                f"{label}: {ref!r} is neither a stored run id (tshock scenario list) nor a shipped "
                f"scenario name or a YAML file"
            ) from None
        latest = readers.latest_calibration_id(con)
        wanted = _spec_key(spec.model_dump(mode="json"))
        for run_id, spec_json, calibration_id in readers.runs_of(con, spec.name):
            if _spec_key(spec_json) == wanted and (spec.calibration != "latest" or calibration_id == latest):
                if draws is None or json.loads(spec_json).get("draws") == draws:
                    return Side(load_run(con, run_id), f"stored run of {ref}")
    from flows.pipeline.scenario import run_and_store  # the model engine, only when a side must be computed

    return Side(run_and_store(db, resolve_spec(ref, draws=draws), store=False), "computed now, not stored")


HEADLINE = [  # (label, path to a p5/p50/p95 dict, kind, digits)
    ("interest over 10 years, $bn", "interest.cumulative_10y_delta_usd_bn", "bn", 0),
    ("3m yield peak shift", "yields.3m.peak_shift_bp", "bp", 0),
    ("2y yield peak shift", "yields.2y.peak_shift_bp", "bp", 0),
    ("10y yield peak shift", "yields.10y.peak_shift_bp", "bp", 0),
    ("30y yield peak shift", "yields.30y.peak_shift_bp", "bp", 0),
    ("10y par bond price change at peak", "prices.10y.price_change_pct", "pct", 2),
    ("Japan mark-to-market loss, $bn", "mark_to_market.japan.loss_usd_bn", "bn", 0),
    ("Fed (SOMA) mark-to-market loss, $bn", "mark_to_market.soma.loss_usd_bn", "bn", 0),
    ("debt at the horizon's end, $bn", "debt.end_of_horizon_scenario_usd_bn", "bn", 0),
]


def _pick(r: dict, path: str):
    for part in path.split("."):
        r = r.get(part) if isinstance(r, dict) else None
    return r if isinstance(r, dict) and all(k in r for k in Q) else None


def compare(a: Side, b: Side) -> dict:
    """diff_runs' keys plus `sides`, `headline` (intervals) and `by_fiscal_year` (the interest delta)."""
    out = diff_runs(a.run, b.run)
    ra, rb = a.run.results, b.run.results
    out["sides"] = {
        k: {
            "ref_source": s.source,
            "run_id": s.run.run_id,
            "scenario": s.run.scenario,
            "draws": s.run.results.get("draws"),
            "stored": s.source != "computed now, not stored",
        }
        for k, s in (("a", a), ("b", b))
    }
    head = []
    for label, path, kind, digits in HEADLINE:
        qa, qb = _pick(ra, path), _pick(rb, path)
        if qa is None and qb is None:
            continue
        diff = qb["p50"] - qa["p50"] if qa and qb else None
        head.append(
            {"metric": label, "path": path, "kind": kind, "digits": digits, "a": qa, "b": qb, "b_minus_a_p50": diff}
        )
    out["headline"] = head
    fy_a = {r["fiscal_year"]: r for r in ra["interest"]["by_fiscal_year"]}
    fy_b = {r["fiscal_year"]: r for r in rb["interest"]["by_fiscal_year"]}
    rows = []
    for fy in sorted(fy_a.keys() | fy_b.keys()):
        da = fy_a.get(fy, {}).get("delta_interest_usd_bn")
        db_ = fy_b.get(fy, {}).get("delta_interest_usd_bn")
        rows.append(
            {
                "fiscal_year": fy,
                "a": da,
                "b": db_,
                "b_minus_a_p50": db_["p50"] - da["p50"] if da and db_ else None,
                "baseline_interest_usd_bn": (fy_a.get(fy) or fy_b.get(fy))["baseline_interest_usd_bn"],
            }
        )
    out["by_fiscal_year"] = rows
    return out


def show_value(v) -> str:
    """A spec value for a person: sellers as 'Japan $1,200bn over 1 month from month 0', numbers plain."""
    if isinstance(v, list) and v and all(isinstance(x, dict) and "country" in x for x in v):
        parts = []
        for x in v:
            amount = (
                f"${x['amount_usd_bn']:,.0f}bn"
                if x.get("amount_usd_bn") is not None
                else f"{x.get('share_of_holdings', 0):.0%} of holdings"
            )
            parts.append(
                f"{x['country']} {amount} over {x.get('months', 1)} month(s) from month {x.get('start_month', 0)}"
            )
        return "; ".join(parts)
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | dict):
        return json.dumps(v)
    return str(v)
