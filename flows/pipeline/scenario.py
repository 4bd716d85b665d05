"""Scenario runs on the warehouse: read the model's inputs read-only, run model/, store the run, and the backcast.

The model (model/) is pure; this module is the wiring:
- `read_frames(con, anchor)` fills `model.run.Frames` from the warehouse as known at the anchor (curve, auctions
  and TIC holdings up to the anchor; the MSPD CUSIP detail and subtotals of the anchor's statement; the newest
  SOMA holdings on or before it). The anchor is the newest MSPD record date with CUSIP detail unless the spec
  names one. `frames_hash` is a sha256 over a canonical binary form of those frames (warehouse/identity.py):
  the run's data hash.
- `run_and_store(db, scenario)` reads (read-only connection), runs (no connection held) and stores the run with
  its fiscal-year rows in one transaction (scenario_runs, scenario_fiscal_years). The run id hashes the spec,
  calibration id, data hash and model code version, so an identical re-run is recognised, not duplicated.
- The backcast's wiring is flows/pipeline/backcast.py.
- `scenario_flow` (Prefect flow `tshock-scenario`) runs scenarios as tasks for orchestration (tshock run, sweeps);
  the CLI calls `run_and_store` directly, since an ephemeral Prefect server takes longer to start than a run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from prefect import flow, task

from flows.pipeline import progress
from flows.pipeline.records import load_calibration, store_run
from flows.pipeline.versioning import REPO, code_version
from model import ModelError
from model.run import Frames, run_scenario
from model.spec import ScenarioSpec, SpecError, load_spec, parse_spec, scenario_path
from warehouse import repository
from warehouse.db import session
from warehouse.identity import binary_digest, identity_hash
from warehouse.read import model_inputs as read
from warehouse.read.model_inputs import cusip_dates
from warehouse.repository import RecordNotFound

SCENARIO_DIR = REPO / "scenarios"


class ScenarioDataError(ModelError):
    """The warehouse lacks what a run or backcast needs; the message names what and which dates exist."""


# --- specs -----------------------------------------------------------------------------------------------------


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


# --- reading the warehouse -------------------------------------------------------------------------------------


def _dates_text(dates: list[date]) -> str:
    return ", ".join(d.isoformat() for d in dates) if dates else "none (run `tshock refresh`)"


def resolve_anchor(con: duckdb.DuckDBPyConnection, spec: ScenarioSpec) -> date:
    dates = cusip_dates(con)
    if spec.anchor == "latest":
        if not dates:
            raise ScenarioDataError(
                "no MSPD CUSIP detail (marketable_securities) in the warehouse: run `tshock refresh` first"
            )
        return dates[-1]
    if spec.anchor not in dates:
        raise SpecError(
            f"anchor: {spec.anchor.isoformat()} has no MSPD CUSIP detail (marketable_securities); "
            f"dates with CUSIP detail: {_dates_text(dates)}"
        )
    return spec.anchor


def read_frames(con: duckdb.DuckDBPyConnection, anchor: date) -> Frames:
    """The model's inputs as known at the anchor (see the module docstring)."""
    soma = read.soma_as_of(con, anchor)
    return Frames(
        stock_rows=read.cusip_stock(con, anchor),
        curve=read.daily_curve_until(con, anchor),
        auctions=read.auctions_until(con, anchor),
        holdings=read.holdings_current_until(con, anchor),
        soma=None if soma.empty else soma,
        totals=read.marketable_totals_on(con, anchor),
        # The Fed's Treasury holdings (H.4.1, $ millions) to scale an old SOMA file's maturity profile.
        fed_treasury=read.fed_treasury_until(con, anchor),
    )


def frames_hash(frames: Frames) -> str:
    """The run's data hash: warehouse.identity.binary_digest over every frame, in Frames' field order."""
    return binary_digest((f.name, getattr(frames, f.name)) for f in fields(Frames))


# --- runs ------------------------------------------------------------------------------------------------------


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


_calibration = load_calibration  # RecordNotFound on a warehouse older than the record tables too


def run_and_store(
    db: str,
    scenario: str | ScenarioSpec,
    *,
    calibration: str | None = None,
    draws: int | None = None,
    store: bool = True,
) -> StoredRun:
    """Read the inputs read-only, run the scenario, store it (one transaction). Raises SpecError, ModelError,
    RecordNotFound (no calibration) and WarehouseError (missing or locked file)."""
    spec = scenario if isinstance(scenario, ScenarioSpec) else resolve_spec(scenario, draws=draws)
    progress.start("inputs", spec.name)
    with session(db, read_only=True) as con:
        record = _calibration(con, calibration or spec.calibration)
        anchor = resolve_anchor(con, spec)
        frames = read_frames(con, anchor)
    data_hash = frames_hash(frames)
    version = code_version("model")
    progress.done("inputs", f"anchor {anchor}, calibration {record.id}")
    progress.start("model", f"{spec.name}: {spec.draws} draws × {spec.horizon_months} months")
    result = run_scenario(spec, record, frames)
    progress.done("model")
    run_id = run_id_for(spec, record.id, data_hash, version)
    results = {
        "run_id": run_id,
        "data_hash": data_hash,
        "code_version": version,
        **json.loads(result.to_json(indent=None)),
    }
    run = StoredRun(run_id, spec.name, record.id, data_hash, version, result.anchor, datetime.now(UTC), results)
    if store:
        progress.start("store", run_id)
        with session(db) as con:
            run.stored = store_run(con, run, spec)
        progress.done("store", run_id if run.stored else f"{run_id} (identical run already stored)")
    return run


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


# --- Prefect ---------------------------------------------------------------------------------------------------


@task(name="scenario-run", task_run_name="scenario-{scenario}", retries=0)
def scenario_task(db: str, scenario: str, calibration: str | None = None, draws: int | None = None) -> dict:
    return run_and_store(db, scenario, calibration=calibration, draws=draws).summary()


@flow(name="tshock-scenario", log_prints=False)
def scenario_flow(
    db: str, scenarios: list[str] | None = None, calibration: str | None = None, draws: int | None = None
) -> list[dict]:
    """Run and store scenarios (default: every shipped one) on the same calibration."""
    names = scenarios or [s["name"] for s in list_scenarios()]
    runs = [scenario_task(db, name, calibration, draws) for name in names]
    from warehouse.db import publish_read_copy

    publish_read_copy(db)  # readers (notebooks, `tshock sql` during a write) see the stored runs
    return runs
