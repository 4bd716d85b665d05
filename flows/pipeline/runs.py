"""Stored scenario runs: the run id, reading a run back by id or prefix, listing and comparing runs.

No Prefect and no model engine here, so the CLI's `scenario show/list/diff` start at once (issue 18); storing a
run is flows/pipeline/records.py's `store_run`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from model.spec import ScenarioSpec
from warehouse import repository
from warehouse.identity import identity_hash
from warehouse.repository import RecordNotFound


@dataclass
class StoredRun:
    run_id: str
    scenario: str
    calibration_id: str
    data_hash: str
    code_version: str
    anchor: date
    created_at: datetime
    results: dict  # what `tshock scenario run --json` prints
    stored: bool = True  # False when an identical run was already stored

    def summary(self) -> dict:
        q = self.results["interest"]["cumulative_10y_delta_usd_bn"]
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "anchor": self.anchor.isoformat(),
            "calibration_id": self.calibration_id,
            "newly_stored": self.stored,
            "cumulative_10y_delta_usd_bn": q,
        }


def run_id_for(spec: ScenarioSpec, calibration_id: str, data_hash: str, version: str) -> str:
    return "run-" + identity_hash(spec.model_dump_json(), calibration_id, data_hash, version)[:16]


def load_run(con: duckdb.DuckDBPyConnection, ref: str) -> StoredRun:
    """A stored run by id or unique id prefix ('%' and '_' are characters, not LIKE wildcards)."""
    if not ref.strip():
        raise RecordNotFound("no stored scenario run '': give an id or a prefix (`tshock scenario list`)")
    rows = repository.runs_by_prefix(con, ref)
    if not rows:
        raise RecordNotFound(f"no stored scenario run {ref!r}: `tshock scenario list` shows recent runs")
    if len(rows) > 1:
        raise RecordNotFound(f"run id prefix {ref!r} is ambiguous ({len(rows)} matches)")
    r = rows[0]
    return StoredRun(
        r["run_id"],
        r["scenario"],
        r["calibration_id"],
        r["data_hash"],
        r["code_version"],
        r["anchor"],
        r["created_at"],
        json.loads(r["results_json"]),
    )


def stored_run(con: duckdb.DuckDBPyConnection, run_id: str) -> StoredRun | None:
    """The run stored under exactly this id, or None (also on a warehouse older than the run tables)."""
    try:
        return load_run(con, run_id)  # ids have one length: an id matches itself only
    except RecordNotFound:
        return None


list_runs = repository.list_runs


def _flat(d, prefix: str = "") -> dict:
    if isinstance(d, dict):
        out = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def diff_runs(a: StoredRun, b: StoredRun) -> dict:
    """Headline numbers of two runs side by side (b − a), and what differs in their inputs."""
    ra, rb = a.results, b.results

    def pick(r: dict, path: str):
        for part in path.split("."):
            r = r.get(part) if isinstance(r, dict) else None
        return r

    paths = [f"interest.cumulative_10y_delta_usd_bn.{q}" for q in ("p5", "p50", "p95")]
    paths += [
        "interest.cumulative_10y_delta_point_usd_bn",
        "sales.sellers_total_usd_bn",
        "sales.sellers_total_pct_of_debt",
    ]
    paths += [f"yields.{t}.peak_shift_bp.p50" for t in ("3m", "2y", "5y", "10y", "30y")]
    paths += [
        "first_fy_interest_over_20pct_outlays.baseline",
        "first_fy_interest_over_20pct_outlays.scenario_p50",
        "mark_to_market.japan.loss_usd_bn.p50",
        "mark_to_market.soma.loss_usd_bn.p50",
        "debt.end_of_horizon_scenario_usd_bn.p50",
    ]
    metrics = [{"metric": p, "a": pick(ra, p), "b": pick(rb, p)} for p in paths]
    fy_a = {r["fiscal_year"]: r for r in ra["interest"]["by_fiscal_year"]}
    for r in rb["interest"]["by_fiscal_year"]:
        if r["fiscal_year"] in fy_a:
            metrics.append(
                {
                    "metric": f"delta_interest_usd_bn.p50 FY{r['fiscal_year']}",
                    "a": fy_a[r["fiscal_year"]]["delta_interest_usd_bn"]["p50"],
                    "b": r["delta_interest_usd_bn"]["p50"],
                }
            )
    for m in metrics:
        num = all(isinstance(m[k], int | float) and not isinstance(m[k], bool) for k in ("a", "b"))
        m["b_minus_a"] = m["b"] - m["a"] if num else None
    sa, sb = _flat(ra.get("spec", {})), _flat(rb.get("spec", {}))
    spec_diff = [
        {"field": k, "a": sa.get(k), "b": sb.get(k)}
        for k in sorted(sa.keys() | sb.keys())
        if sa.get(k) != sb.get(k) and k not in ("name", "description")
    ]
    context = {
        k: {"a": getattr(a, k), "b": getattr(b, k)}
        for k in ("run_id", "scenario", "anchor", "calibration_id", "data_hash", "code_version")
    }
    context["impact_unit"] = {"a": ra.get("impact_unit"), "b": rb.get("impact_unit")}
    return {"context": json.loads(json.dumps(context, default=str)), "metrics": metrics, "spec_differences": spec_diff}
