"""The calibrate flow and `tshock calibrate …` on the offline warehouse.

The full estimation takes seconds, so it runs once per session (`first`) on a private copy of the
warehouse; the determinism test runs it a second time on purpose. Every CLI test reads that copy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

import flows.pipeline.calibrate
from flows.cli import app
from flows.pipeline import progress
from flows.pipeline.calibrate import calibrate_flow, calibrate_task, open_for_store
from flows.pipeline.records import load_calibration
from tests.conftest import copy_warehouse
from warehouse.db import WarehouseError

AS_OF = date.today()  # fixed once, so a session crossing midnight still compares like with like
PARAM_KEYS = {"name", "tenor", "horizon_months", "unit", "kind", "estimate", "ci_low", "ci_high", "n_obs"}


def run(*args: str):
    """The command in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def cal_db(offline_warehouse, tmp_path_factory) -> str:
    """A private copy: the calibration writes records, and the shared warehouse must stay untouched."""
    return copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("calibrate") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def first(cal_db) -> dict:
    return calibrate_task.fn(cal_db, AS_OF)


def count(db: str, sql: str) -> int:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def head(params, kind: str, unit: str = "bp_per_100bn"):
    return next(
        p
        for p in params
        if p.name == "yield_impact" and p.tenor == "10y" and p.horizon_months == 0 and p.unit == unit and p.kind == kind
    )


# ------------------------------------------------------------------------------------------- flow task


def test_first_run_estimates_and_stores_the_10y_headline(first):
    assert first["status"] == "stored" and first["calibration_id"].startswith("cal-")
    rec = first["record"]
    assert rec.as_of == AS_OF and f"{rec.sample_start:%Y-%m}" == "2003-03"
    data, prior, post = (head(rec.params, k) for k in ("data_tic_lp", "prior", "posterior"))
    # Known state on the snapshot. The corrected TIC flows (transaction-built months before 2011-12 enter as they
    # are) leave a small reduced-form estimate whose interval covers zero (about -3.7; it was -10.5 with the
    # valuation term wrongly subtracted); it is a lower bound, far below the posterior's short-run peak.
    assert -8 < data.estimate < 0 < data.ci_high and data.n_obs > 200
    assert data.ci_high < post.ci_low and post.ci_low > 0
    for p in (data, prior, post):
        assert p.ci_low < p.estimate < p.ci_high
    # The event study (7 sized Fed announcements) pins the persistent level; the posterior moves to it.
    ev = head(rec.params, "data_event_study", "bp_per_1pct_debt")
    assert 1.5 < ev.estimate < 3.5 and ev.n_obs == 7
    lvl = {
        k: next(p for p in rec.params if p.name == "yield_impact_long_run" and p.tenor == "10y" and p.kind == k)
        for k in ("prior", "posterior")
    }
    assert ev.ci_low <= lvl["posterior"].estimate <= ev.ci_high
    assert lvl["prior"].estimate > lvl["posterior"].ci_high  # it moved from the literature's centre
    assert (lvl["posterior"].ci_high - lvl["posterior"].ci_low) < (lvl["prior"].ci_high - lvl["prior"].ci_low) / 3
    assert rec.evidence["qe1_replication"]["within_tolerance"]
    assert rec.surface is not None and rec.surface.n_draws == 2000
    naive = next(
        p
        for p in rec.params
        if p.name == "yield_impact_naive" and p.tenor == "10y" and p.horizon_months == 0 and p.unit == "bp_per_100bn"
    )
    assert naive.estimate > 0 > data.estimate  # falling prices look like selling in the naive measure
    assert head(rec.params, "data_tic_lp", "bp_per_1pct_debt").n_obs == data.n_obs


def test_record_round_trips_through_the_warehouse(first, cal_db):
    con = duckdb.connect(cal_db, read_only=True)
    try:
        stored = load_calibration(con, first["calibration_id"])
        rows = con.execute(
            "SELECT count(*) FROM calibration_params WHERE calibration_id = ?", [first["calibration_id"]]
        ).fetchone()[0]
        row = con.execute(
            "SELECT estimate, ci_low, ci_high, n_obs FROM calibration_params WHERE calibration_id "
            "= ? AND name = 'yield_impact' AND tenor = '10y' AND horizon_months = 0 AND "
            "unit = 'bp_per_100bn' AND kind = 'data_tic_lp'",
            [first["calibration_id"]],
        ).fetchone()
        draws = con.execute(
            "SELECT count(*) FROM calibration_surface_draws WHERE calibration_id = ?", [first["calibration_id"]]
        ).fetchone()[0]
    finally:
        con.close()
    assert stored == first["record"] and stored.surface == first["record"].surface  # the draws come back too
    assert rows == len(first["record"].params) > 1000 and draws == 2000 * 5
    data = head(first["record"].params, "data_tic_lp")
    assert row == (data.estimate, data.ci_low, data.ci_high, data.n_obs)


def test_same_warehouse_and_code_give_the_identical_record(first, cal_db):
    events = []
    progress.listen(lambda event, stage, detail: events.append((event, stage)))
    try:
        again = calibrate_task.fn(cal_db, AS_OF, force=True)  # estimates from scratch a second time
    finally:
        progress.clear()
    assert again["status"] == "unchanged" and again["matches_stored"] is True
    assert again["calibration_id"] == first["calibration_id"] and again["data_hash"] == first["data_hash"]
    assert again["record"].params == first["record"].params
    assert again["record"].model_dump(exclude={"created_at"}) == first["record"].model_dump(exclude={"created_at"})
    assert count(cal_db, "SELECT count(*) FROM calibrations") == 1
    for stage in ("inputs", "estimate", "store"):
        assert ("start", stage) in events and ("done", stage) in events


def test_same_inputs_are_reused_without_estimating(first, cal_db):
    again = calibrate_task.fn(cal_db, AS_OF)
    assert again["status"] == "reused" and again["calibration_id"] == first["calibration_id"]
    assert again["record"] == first["record"]
    assert count(cal_db, "SELECT count(*) FROM calibrations") == 1


def test_store_waits_for_a_writer_to_finish(cal_db, tmp_path, monkeypatch):
    db = copy_warehouse(Path(cal_db), tmp_path / "locked.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time, duckdb
        con = duckdb.connect({db!r})
        print("locked", flush=True)
        time.sleep(3)
        con.close()
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(flows.pipeline.calibrate, "STORE_RETRY_SECONDS", 0.2)
        events = []
        progress.listen(lambda event, stage, detail: events.append((event, stage, detail)))
        try:
            with pytest.raises(WarehouseError, match="is locked"):
                open_for_store(db, wait_seconds=0)  # no wait: the lock message, at once
            con = open_for_store(db, wait_seconds=60)
        finally:
            progress.clear()
        con.close()
    finally:
        holder.wait(timeout=30)
    assert any(stage == "store" and "waiting for the write lock" in detail for _, stage, detail in events)


def test_flow_runs_under_prefect(prefect_harness, first, cal_db):
    result = calibrate_flow(db=cal_db, as_of=AS_OF)
    assert result["status"] == "reused" and result["calibration_id"] == first["calibration_id"]


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_calibrate_says_reused(first, cal_db):
    code, out, err = run("calibrate", "--db", cal_db)
    assert code == 0, err
    assert out.startswith(f"reused {first['calibration_id']}")  # stdout is the result alone
    # Pipes get one plain line naming the seconds of reading that come first (issue 18), no control codes.
    assert err.splitlines() == [
        f"[calibrate] starting: checking {cal_db} for a stored calibration as of today (reading the warehouse)"
    ]
    assert "10y, h=0, bp per 1% of marketable debt sold" in out and "event study" in out and "posterior" in out


@pytest.mark.parametrize(
    "as_of, words, after_reading",
    [
        ("2020-01-01", ["as-of 2020-01-01 is earlier than the data", "2000-03..2026-04", "2026-03-18 or later"], True),
        ("2999-01-01", ["--as-of 2999-01-01 is in the future"], False),
        ("2020-13-01", ["--as-of 2020-13-01: not a date"], False),
    ],
)
def test_cli_as_of_the_data_cannot_support_is_one_error_line_exit_2(cal_db, as_of, words, after_reading):
    """A bad --as-of is refused before anything is read: stderr is the error line alone. Whether the data support
    an as-of is known only after seconds of reading the warehouse, so there the progress line naming that read
    comes first (issue 18) and the error is the one line after it."""
    code, out, err = run("calibrate", "--as-of", as_of, "--db", cal_db)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 + after_reading and lines[-1].startswith("error: "), err
    if after_reading:
        assert lines[0].startswith(f"[calibrate] starting: checking {cal_db} for a stored calibration as of {as_of}")
    for w in words:
        assert w in lines[-1]


def test_cli_missing_warehouse_exit_1(tmp_path):
    code, _, err = run("calibrate", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no warehouse at" in err
    assert len(err.strip().splitlines()) == 1  # checked before the progress line
    assert not (tmp_path / "none.duckdb").exists()


def test_cli_show_json_has_the_params_list(first, cal_db):
    code, out, err = run("calibrate", "show", "latest", "--json", "--db", cal_db)
    assert code == 0, err
    rec = json.loads(out)
    assert rec["id"] == first["calibration_id"] and rec["as_of"] == AS_OF.isoformat()
    assert all(PARAM_KEYS <= set(p) for p in rec["params"])
    kinds = {"data", "data_event_study", "data_custody_lp", "data_tic_lp", "prior", "posterior"}
    assert {p["kind"] for p in rec["params"]} == kinds
    # one kind per estimator, prior and posterior, for every tenor
    for tenor in ("3m", "2y", "5y", "10y", "30y"):
        by_kind = {
            p["kind"]: p
            for p in rec["params"]
            if p["name"] == "yield_impact"
            and p["tenor"] == tenor
            and p["horizon_months"] == 0
            and p["unit"] == "bp_per_1pct_debt"
        }
        assert set(by_kind) == kinds - {"data"}, tenor
        for p in by_kind.values():
            assert p["ci_low"] <= p["estimate"] <= p["ci_high"], (tenor, p)
    by_kind = {
        p["kind"]: p
        for p in rec["params"]
        if p["name"] == "yield_impact"
        and p["tenor"] == "10y"
        and p["horizon_months"] == 0
        and p["unit"] == "bp_per_100bn"
    }
    assert by_kind["data_tic_lp"]["n_obs"] > 200 and by_kind["prior"]["n_obs"] is None
    assert by_kind["data_custody_lp"]["n_obs"] > 900 and by_kind["data_event_study"]["n_obs"] == 7
    assert by_kind["data_tic_lp"]["estimate"] == head(first["record"].params, "data_tic_lp").estimate
    assert rec["surface"]["n_draws"] == 2000
    assert {"headline_10y", "literature", "qe1_replication", "japan_interventions"} <= set(rec["evidence"])


def test_cli_show_by_prefix_prints_the_summary_tables(first, cal_db):
    code, out, err = run("calibrate", "show", first["calibration_id"][:8], "--db", cal_db)
    assert code == 0, err
    prior = head(first["record"].params, "prior")
    assert f"{prior.estimate:+.1f} [{prior.ci_low:+.1f}, {prior.ci_high:+.1f}]" in out
    for text in (
        "bp per $100bn",
        "bp per 1% of marketable debt",
        "stock_effect",
        "Caveats",
        "Warnings",
        "Reported TIC transactions exist only from 2023-02",
        "QE1 replication",
        "grrs2011",
        "ahmed_rebucci2024",
        "event study (2-day)",
        "posterior, long run",
    ):
        assert text in out, text


def test_cli_show_unknown_id_exit_2(cal_db):
    code, _, err = run("calibrate", "show", "cal-nope", "--db", cal_db)
    assert code == 2 and "no calibration 'cal-nope'" in err


def test_cli_group_options_are_refused_on_subcommands(cal_db):
    code, _, err = run("calibrate", "--as-of", "2026-06-30", "show", "--db", cal_db)
    assert code == 2 and "belong to `tshock calibrate` itself" in err


def test_cli_show_on_a_warehouse_without_calibrations(offline_warehouse):
    code, _, err = run("calibrate", "show", "--db", str(offline_warehouse))
    assert code == 2 and "run `tshock calibrate` first" in err


def test_cli_list(first, cal_db):
    code, out, err = run("calibrate", "list", "--db", cal_db)
    assert code == 0, err
    assert first["calibration_id"] in out and "2003-03..2026-04" in out
    code, out, _ = run("calibrate", "list", "--json", "--db", cal_db)
    rows = json.loads(out)
    assert [r["calibration_id"] for r in rows] == [first["calibration_id"]] and rows[0]["params"] > 1000


@pytest.mark.parametrize(
    "start, end, months, actual_10y, sales",
    [
        ("2020-03", "2020-03", 1, -43.0, 395.5),  # dash for cash: record foreign selling while yields fell
        ("2022-01", "2022-12", 12, 236.0, -142.3),  # Japan and officials sold, others bought more; the Fed hiked
    ],
)
def test_cli_backtest_json_windows(first, cal_db, start, end, months, actual_10y, sales):
    code, out, err = run("calibrate", "backtest", "--start", start, "--end", end, "--json", "--db", cal_db)
    assert code == 0, err
    bt = json.loads(out)
    assert bt["calibration_id"] == first["calibration_id"] and bt["window"]["months"] == months
    assert [r["tenor"] for r in bt["by_tenor"]] == ["3m", "2y", "5y", "10y", "30y"]
    ten = next(r for r in bt["by_tenor"] if r["tenor"] == "10y")
    assert ten["actual_bp"] == pytest.approx(actual_10y)
    assert ten["ci_low"] <= ten["attributed_bp"] <= ten["ci_high"]
    assert ten["kind_used"] == "posterior_surface"
    assert bt["net_sales_usd_bn"]["total"] == pytest.approx(sales, abs=0.1)
    surface = first["record"].surface
    if months == 1:  # the month-0 response of every draw times the sale in % of February's debt
        # the panel's marketable debt for February 2020 is $16,863bn (GFDEBTN x the MSPD share interpolated
        # between the January 2011 anchor and the 2023-08 MSPD): $395.5bn is 2.35 % of it
        pct = 100 * sales / 16_863
        mid = float(np.median(surface.response(1)[:, 3, 0]))
        assert ten["attributed_bp"] == pytest.approx(mid * pct, rel=0.01)


def test_cli_backtest_table(cal_db, first):
    code, out, err = run("calibrate", "backtest", "--start", "2022-01", "--end", "2022-12", "--db", cal_db)
    assert code == 0, err
    assert "backtest 2022-01..2022-12" in out and "+236.0" in out and "net foreign sales" in out


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("1998-01", "1998-12", "foreign flows cover 2000-05..2026-04"),
        ("2020-3", "2020-12", "must be YYYY-MM"),
        ("2022-12", "2022-01", "start is after end"),
    ],
)
def test_cli_backtest_outside_the_data_exit_2(cal_db, first, start, end, message):
    code, _, err = run("calibrate", "backtest", "--start", start, "--end", end, "--db", cal_db)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1
