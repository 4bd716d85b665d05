"""`tshock run`: the whole pipeline as one Prefect flow, ending in dated reports.

    refresh (live, or --offline replay) → views (freshness, maturity wall, holdings history) → calibration
    (reused when data and code are unchanged) → every shipped scenario (or the chosen ones), each stored
    → backtests (March 2020, 2022) → reports/YYYY-MM-DD/<scenario>/ and reports/index.html

Each stage is a task (refresh is its own subflow, one task per source), so the Prefect UI shows where a run
spent its time and where it failed. Stage boundaries are announced on `flows.pipeline.progress` as `run:<stage>`; the
other modules' own progress events arrive in between and the CLI shows them as the current stage's detail.

DuckDB allows one writer per file and no read-only connection next to a read-write one in the same process:
every stage opens, uses and closes its own connection, and stages never overlap.
"""

from __future__ import annotations

import json
import shlex
import time
from datetime import date
from pathlib import Path

import pandas as pd
from prefect import flow, task

from flows.pipeline import progress
from flows.pipeline.versioning import code_version
from warehouse.db import connect, session
from warehouse.read import report_views

BACKTEST_WINDOWS = {"2020-03": ("2020-03", "2020-03"), "2022": ("2022-01", "2022-12")}
CODE_PACKAGES = ("flows", "calibration", "model", "warehouse")


class RunError(RuntimeError):
    """A stage of the run failed in a way the user can act on; the message says which and why."""


def stage(name: str, detail: str = "") -> None:
    progress.start(f"run:{name}", detail)


def stage_done(name: str, detail: str = "") -> None:
    progress.done(f"run:{name}", detail)


# --- views -----------------------------------------------------------------------------------------------------


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with dates as ISO text (templates print them as they are)."""
    out = []
    for row in df.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
                clean[k] = None
            elif isinstance(v, pd.Timestamp):
                clean[k] = v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.date().isoformat()
            elif hasattr(v, "isoformat"):
                clean[k] = v.isoformat()[:16].replace("T", " ")
            else:
                clean[k] = v.item() if hasattr(v, "item") else v
        out.append(clean)
    return out


@task(name="views", retries=0)
def views_task(db: str) -> dict:
    """Open read-write once (migrations create or update the views), then read what the reports chart."""
    con = connect(db)
    try:
        freshness = report_views.freshness(con)
        maturity = report_views.newest_maturity_wall(con)
        holdings = report_views.holdings_history(con)
    finally:
        con.close()
    return {"freshness": _records(freshness), "maturity": maturity, "holdings": holdings}


# --- calibration, scenarios, backtests -------------------------------------------------------------------------


@task(name="scenario", task_run_name="scenario-{name}", retries=0)
def scenario_task(db: str, name: str, calibration_id: str, draws: int | None = None) -> dict:
    """Run and store one scenario on this run's calibration; the full results feed the report."""
    from flows.pipeline.scenario import run_and_store

    run = run_and_store(db, name, calibration=calibration_id, draws=draws)
    return {"name": run.scenario, "run_id": run.run_id, "newly_stored": run.stored, "results": run.results}


@task(name="backtests", retries=0)
def backtests_task(db: str, record) -> dict[str, dict]:
    """March 2020 and 2022 on flows and yields as known today; a window the data lack is reported, not fatal."""
    from calibration.backtest import backtest
    from calibration.inputs import load_inputs

    with session(db, read_only=True) as con:
        inputs = load_inputs(con, date.today())
    out = {}
    for label, (start, end) in BACKTEST_WINDOWS.items():
        try:
            out[label] = backtest(record, inputs, start, end)
        except ValueError as exc:
            out[label] = {"error": str(exc)}
        progress.advance("run:backtests", label)
    return out


@task(name="stored-peers", retries=0)
def stored_peers_task(db: str, calibration_id: str, missing: list[str]) -> dict[str, dict]:
    """Newest stored runs, on the same calibration, of shipped scenarios this run did not include: the claims
    compare scenarios (fire sale vs unwind, +10 bp yardstick) even when `--scenario` picked only one."""
    if not missing:
        return {}
    from warehouse.repository import newest_results_on

    with session(db, read_only=True) as con:
        return newest_results_on(con, calibration_id, missing)


# --- reports ---------------------------------------------------------------------------------------------------


@task(name="reports", retries=0)
def reports_task(
    reports_dir: str,
    run_date: date,
    runs: list[dict],
    peers: dict[str, dict],
    views: dict,
    calibration: dict,
    backtests: dict,
    commands: dict[str, str],
    manifest: dict,
) -> dict:
    """Build the day's folder aside (scenarios rendered in parallel where cores allow), then swap it in whole and
    rewrite the index."""
    from flows.report.claims import build_claims, load_claims
    from flows.report.publish import discard, publish_day, staging_dir
    from flows.report.render import RunContext, write_reports

    claims, claims_source = load_claims()
    record = calibration["record"]
    status = data_status(manifest["refresh"], views["freshness"], run_date)
    ctx = RunContext(
        run_date=run_date,
        command="",
        code_version=manifest["code_version"],
        calibration=json.loads(record.model_dump_json()),
        calibration_reused=calibration["status"] == "reused",
        freshness=views["freshness"],
        backtests=backtests,
        maturity=views["maturity"],
        holdings=views["holdings"],
        claims=claims,
        claims_source=claims_source,
        data_status=status,
    )
    all_results = {**peers, **{r["name"]: r["results"] for r in runs}}
    ctx.day_claims = build_claims(claims, all_results, ctx.calibration, backtests, views["holdings"])
    manifest = manifest | {
        "claims": [c.as_dict() for c in ctx.day_claims],
        "claims_source": claims_source,
        "data_status": status,
    }
    root = Path(reports_dir)
    staged = staging_dir(root, run_date)
    jobs = [(r["name"], json.dumps(r["results"], indent=2, allow_nan=False), commands[r["name"]]) for r in runs]
    try:
        written = write_reports(
            staged, jobs, ctx, all_results, on_done=lambda name: progress.advance("run:reports", name)
        )
        day_dir = publish_day(staged, root, run_date, manifest)
    except BaseException:
        discard(staged)  # nothing half-written stays behind; the published day is untouched
        raise
    return {
        "day_dir": str(day_dir),
        "index": str(root / "index.html"),
        "reports": {n: str(day_dir / n / "index.html") for n in written},
    }


def data_status(refreshed: list[dict], freshness: list[dict], run_date: date) -> dict:
    """What the banner of every page of this run says: the sources whose refresh failed (with the first cause),
    the stale ones and the data date (the newest observation of any source)."""
    newest = [f.get("newest_observation") for f in freshness if f.get("newest_observation")]
    return {
        "run_date": run_date.isoformat(),
        "failed": [
            {"source": r["source"], "error": r.get("error") or "see run.json"} for r in refreshed if r.get("failed")
        ],
        "stale": [
            {"source": f["source"], "newest": f.get("newest_observation")} for f in freshness if f.get("is_stale")
        ],
        "data_date": str(max(newest))[:10] if newest else None,
    }


# --- the flow --------------------------------------------------------------------------------------------------


def shipped_scenarios() -> list[str]:
    from flows.pipeline.catalog import list_scenarios

    return [s["name"] for s in list_scenarios() if "error" not in s]


@flow(name="tshock-run", log_prints=False)
def run_flow(
    db: str,
    offline_dir: str | None = None,
    reports_dir: str = "reports",
    scenarios: list[str] | None = None,
    draws: int | None = None,
    sources: list[str] | None = None,
    refresh: bool = True,
    run_date: date | None = None,
    command: str | None = None,
) -> dict:
    """Refresh → views → calibration → scenarios → backtests → reports; returns a summary (paths, timings).

    `sources` limits the refresh (the monthly deployment refreshes TIC and Fiscal Data only); `refresh=False`
    reports on the warehouse as it is. `command` is the CLI invocation the reports print for reproduction
    (`--scenario NAME` is appended per scenario)."""
    from flows.pipeline.calibrate import calibrate_task
    from flows.pipeline.refresh import refresh_results

    run_date = run_date or date.today()
    names = list(dict.fromkeys(scenarios)) if scenarios else shipped_scenarios()  # names or YAML files, once each
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = round(now - clock, 2)
        clock = now

    refreshed: list[dict] = []
    if refresh:
        stage("refresh", "offline replay" if offline_dir else "live")
        refreshed = refresh_results(db=db, sources=sources, offline_dir=offline_dir)
        failed = [r["source"] for r in refreshed if r["failed"]]
        stage_done("refresh", f"failed: {', '.join(failed)}" if failed else "")
        lap("refresh")

    stage("views")
    views = views_task(db)
    stage_done("views")
    lap("views")

    stage("calibration")
    calibration = calibrate_task(db)  # reuses the stored record when data hash, code and as-of match
    record = calibration["record"]
    stage_done("calibration", f"{record.id} ({calibration['status']})")
    lap("calibration")

    stage("scenarios", f"{len(names)} scenarios")
    runs, refs = [], {}
    for ref in names:
        runs.append(scenario_task(db, ref, record.id, draws))
        refs[runs[-1]["name"]] = ref  # the spec's name names the report; the ref (name or file) reproduces it
        progress.advance("run:scenarios", runs[-1]["name"])
    ran = {r["name"] for r in runs}
    peers = stored_peers_task(db, record.id, [n for n in shipped_scenarios() if n not in ran])
    stage_done("scenarios")
    lap("scenarios")

    stage("backtests")
    backtests = backtests_task(db, record)
    stage_done("backtests")
    lap("backtests")

    stage("reports")
    base = command or "uv run tshock run"
    commands = {r["name"]: f"{base} --scenario {shlex.quote(refs[r['name']])}" for r in runs}
    # The day page reproduces this whole run: the chosen scenarios too (each page adds only its own).
    day_command = base + "".join(f" --scenario {shlex.quote(ref)}" for ref in names) if scenarios else base
    manifest = {
        "run_date": run_date.isoformat(),
        "command": day_command,
        "code_version": code_version(*CODE_PACKAGES),
        "calibration_id": record.id,
        "calibration_status": calibration["status"],
        "draws": draws,
        "offline_dir": offline_dir,
        "scenarios": {r["name"]: r["run_id"] for r in runs},
        "refresh": [
            {
                **{k: r[k] for k in ("source", "loaded", "skipped", "failed", "newest")},
                "error": r["errors"][0] if r["failed"] and r["errors"] else None,
            }
            for r in refreshed
        ],
        "stages": dict(stages),
    }
    published = reports_task(reports_dir, run_date, runs, peers, views, calibration, backtests, commands, manifest)
    stage_done("reports", published["day_dir"])
    lap("reports")
    _finish_manifest(Path(published["day_dir"]) / "run.json", stages)
    from warehouse.db import publish_read_copy

    publish_read_copy(db)  # the calibration and scenario runs just stored, for readers of the copy
    summary = {
        **published,
        "run_date": run_date.isoformat(),
        "calibration_id": record.id,
        "calibration_status": calibration["status"],
        "refresh": refreshed,
        "stages": stages,
        "scenarios": [
            {
                "name": r["name"],
                "run_id": r["run_id"],
                "newly_stored": r["newly_stored"],
                "headline": _headline(r["results"]),
            }
            for r in runs
        ],
    }
    failed = [r["source"] for r in refreshed if r["failed"]]
    if failed:
        # The reports are published (analysts need them, each page says what failed), but a scheduled run whose
        # refresh failed must not show green: Failed, naming the sources, with the summary as its data.
        from prefect import get_run_logger
        from prefect.states import Failed

        line = (
            f"refresh failed for {', '.join(failed)}; reports for {run_date} published on the data as it was, "
            "with a banner naming the failed sources"
        )
        get_run_logger().error(line)
        return Failed(message=line, data=summary)
    return summary


def _finish_manifest(path: Path, stages: dict[str, float]) -> None:
    """run.json was written before the reports stage ended; add its time (one small file, replaced whole)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    manifest["stages"] = stages
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


def _headline(results: dict) -> dict:
    f = results["first_fy_interest_over_20pct_outlays"]
    return {
        "cumulative_10y_delta_usd_bn": results["interest"]["cumulative_10y_delta_usd_bn"],
        "peak_10y_shift_bp": results["yields"].get("10y", {}).get("peak_shift_bp"),
        "first_fy_over_20pct": {"baseline": f["baseline"], "scenario_p50": f["scenario_p50"]},
    }


# --- schedules (tshock serve) ----------------------------------------------------------------------------------

DAILY_YIELDS_CRON = "30 18 * * 1-5"  # Treasury posts the day's par curve in the afternoon, New York time
MONTHLY_CRON = "0 7 20 * *"  # after TIC (about the 18th) and the MSPD (4th business day)
TIMEZONE = "America/New_York"


def deployments(db: str, reports_dir: str) -> list:
    """The scheduled deployments `tshock serve` registers: daily yields, and monthly TIC + Fiscal Data (MSPD)
    refresh followed by calibration, every scenario and the reports."""
    from prefect.schedules import Cron

    from flows.pipeline.refresh import refresh_flow

    daily = refresh_flow.to_deployment(
        name="daily-yields",
        schedules=[Cron(DAILY_YIELDS_CRON, timezone=TIMEZONE)],
        parameters={"db": db, "sources": ["yield_curve", "fred"]},
        tags=["tshock", "daily"],
        description="Refresh the Treasury par yield curve and FRED (daily yields, rates) into the warehouse.",
    )
    monthly = run_flow.to_deployment(
        name="monthly-tic-mspd",
        schedules=[Cron(MONTHLY_CRON, timezone=TIMEZONE)],
        parameters={
            "db": db,
            "reports_dir": reports_dir,
            "sources": ["tic", "fiscaldata"],
            "command": "uv run tshock run",
        },
        tags=["tshock", "monthly"],
        description="Refresh TIC and Fiscal Data (MSPD), then calibration, every scenario, backtests and reports.",
    )
    return [daily, monthly]
