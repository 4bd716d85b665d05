"""`tshock run` end to end under Prefect, once per session, on a copy of the offline warehouse (few draws), then a
same-day re-run of one scenario; the CLI's errors; the `tshock serve` deployments.

`offline_run(...)` is memoised for the session so tests/browser/test_report_browser.py reuses the same reports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from warehouse.db import session

REPO = Path(__file__).resolve().parents[2]
DRAWS = 40
_RUN: dict = {}


def offline_run(offline_warehouse: Path, snapshot_dir: Path, tmp_path_factory) -> dict:
    """The flow run once on a private warehouse copy; returns its summary plus db and reports paths."""
    if not _RUN:
        from flows.pipeline.run import run_flow

        work = tmp_path_factory.mktemp("tshock-run")
        db = work / "warehouse.duckdb"
        shutil.copy(offline_warehouse, db)
        if (offline_warehouse.parent / "raw").is_dir():
            shutil.copytree(offline_warehouse.parent / "raw", work / "raw")
        summary = run_flow(
            db=str(db),
            offline_dir=str(snapshot_dir),
            reports_dir=str(work / "reports"),
            draws=DRAWS,
            command=f"uv run tshock run --offline {snapshot_dir} --draws {DRAWS}",
        )
        _RUN.update(summary=summary, db=str(db), reports=work / "reports")
    return _RUN


@pytest.fixture(scope="session")
def first_run(prefect_harness, offline_warehouse, snapshot_dir, tmp_path_factory) -> dict:
    return offline_run(offline_warehouse, snapshot_dir, tmp_path_factory)


SHIPPED = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


def test_every_shipped_scenario_gets_a_dated_report_and_the_index_lists_them(first_run):
    s, reports = first_run["summary"], first_run["reports"]
    day = reports / date.today().isoformat()
    assert Path(s["day_dir"]) == day and s["run_date"] == date.today().isoformat()
    assert len(SHIPPED) >= 5 and sorted(x["name"] for x in s["scenarios"]) == SHIPPED
    index = (reports / "index.html").read_text()
    for name in SHIPPED:
        for f in (
            "index.html",
            "report.md",
            "results.json",
            "yields.svg",
            "interest.svg",
            "maturity.svg",
            "holdings.svg",
        ):
            assert (day / name / f).is_file(), f"{name}/{f}"
        assert f'href="{day.name}/{name}/index.html"' in index
    assert not [p for p in reports.iterdir() if p.name.startswith(".")], "no staging folder left visible"


def test_results_json_is_the_stored_run(first_run):
    s = first_run["summary"]
    day = Path(s["day_dir"])
    with session(first_run["db"], read_only=True) as con:
        stored = dict(con.execute("SELECT run_id, results_json FROM scenario_runs").fetchall())
    for sc in s["scenarios"]:
        on_disk = json.loads((day / sc["name"] / "results.json").read_text())
        assert on_disk == json.loads(stored[sc["run_id"]])
        assert on_disk["draws"] == DRAWS and on_disk["calibration_id"] == s["calibration_id"]
    fire = json.loads((day / "japan-fire-sale" / "results.json").read_text())
    assert fire["interest"]["cumulative_10y_delta_point_usd_bn"] > 0


def test_the_stages_ran_in_order_and_the_calibration_was_estimated(first_run):
    s = first_run["summary"]
    assert list(s["stages"]) == ["refresh", "views", "calibration", "scenarios", "backtests", "reports"]
    assert s["calibration_status"] == "stored"
    assert {r["source"] for r in s["refresh"]} >= {"tic", "fred", "fiscaldata", "yield_curve"}
    assert not any(r["failed"] for r in s["refresh"])
    manifest = json.loads((Path(s["day_dir"]) / "run.json").read_text())
    assert manifest["calibration_id"] == s["calibration_id"] and set(manifest["stages"]) == set(s["stages"])


def test_report_shows_provenance_backtests_and_the_reproducing_command(first_run):
    day = Path(first_run["summary"]["day_dir"])
    html = (day / "japan-fire-sale" / "index.html").read_text()
    for source in ("tic", "fred", "fiscaldata", "yield_curve", "soma", "auctions"):
        assert f"<td>{source}</td>" in html
    assert first_run["summary"]["calibration_id"] in html
    assert "March 2020" in html and "2022 (Japan defends the yen)" in html
    assert re.search(r"--draws 40 --scenario japan-fire-sale</pre>", html)
    # the claims stand once on the day page; a scenario page shows those it speaks to
    assert sorted(int(n) for n in re.findall(r'id="claim-(\d+)"', html)) == [1, 2, 3, 4, 5, 9, 10, 11]
    day_html = (day / "index.html").read_text()
    assert day_html.count('id="claim-') == 11 and "verdict" in day_html


def test_same_day_rerun_reuses_the_calibration_and_replaces_the_day(first_run):
    from flows.pipeline.run import run_flow

    s = first_run["summary"]
    day = Path(s["day_dir"])
    before = (day / "parallel-plus-10bp" / "results.json").read_text()
    inode = (day / "parallel-plus-10bp" / "index.html").stat().st_ino
    # Other tests may have added a sweep to this shared day (the browser test does): a re-run keeps it too.
    sweeps = sorted(p.name for p in day.iterdir() if p.is_dir() and p.name.startswith("sweep-"))
    again = run_flow(
        db=first_run["db"],
        reports_dir=str(first_run["reports"]),
        scenarios=["parallel-plus-10bp"],
        draws=DRAWS,
        refresh=False,
    )
    assert again["calibration_status"] == "reused" and again["calibration_id"] == s["calibration_id"]
    assert again["day_dir"] == s["day_dir"] and "refresh" not in again["stages"]
    assert sorted(p.name for p in day.iterdir() if p.is_dir()) == sorted(SHIPPED + sweeps)  # others carried over
    assert (day / "parallel-plus-10bp" / "results.json").read_text() == before  # same inputs, same numbers
    html = day / "parallel-plus-10bp" / "index.html"
    assert html.stat().st_ino != inode and "reused (same data and code)" in html.read_text()
    carried = [n for n in json.loads((day / "run.json").read_text())["carried_over"] if not n.startswith("sweep-")]
    assert carried == [n for n in SHIPPED if n != "parallel-plus-10bp"]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # the installed entry point, as users run it (`python -m flows.cli` would load flows.cli twice)
    return subprocess.run(
        [str(Path(sys.executable).with_name("tshock")), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_refuses_bad_input_with_exit_2_before_starting_prefect(tmp_path):
    r = cli("run", "--scenario", "no-such-scenario", "--db", str(tmp_path / "w.duckdb"))
    assert r.returncode == 2 and "no-such-scenario" in r.stderr and "japan-fire-sale" in r.stderr
    r = cli("run", "--offline", str(tmp_path / "missing"))
    assert r.returncode == 2 and "no such directory" in r.stderr
    r = cli("run", "--offline", str(tmp_path), "--no-refresh")
    assert r.returncode == 2 and "give one of them" in r.stderr
    r = cli("run", "--no-refresh", "--db", str(tmp_path / "w.duckdb"))
    assert r.returncode == 2 and "no warehouse at" in r.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_serve_says_how_to_start_a_prefect_server_when_none_is_configured(tmp_path):
    env = {"PREFECT_API_URL": "", "PREFECT_HOME": str(tmp_path)}
    r = cli("serve", env=env)
    assert r.returncode == 2 and "prefect server start" in r.stderr and "PREFECT_API_URL" in r.stderr
    r = cli("serve", env=env | {"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert r.returncode == 2 and "no Prefect server answers" in r.stderr


def test_serve_deployments_have_the_daily_and_monthly_schedules():
    from flows.pipeline.run import deployments

    daily, monthly = deployments("/data/w.duckdb", "/data/reports")
    assert (daily.flow_name, daily.name) == ("tshock-refresh", "daily-yields")
    assert daily.parameters["sources"] == ["yield_curve", "fred"]
    assert daily.schedules[0].schedule.cron == "30 18 * * 1-5"
    assert (monthly.flow_name, monthly.name) == ("tshock-run", "monthly-tic-mspd")
    assert monthly.parameters == {
        "db": "/data/w.duckdb",
        "reports_dir": "/data/reports",
        "sources": ["tic", "fiscaldata"],
        "command": "uv run tshock run",
    }
    assert monthly.schedules[0].schedule.cron == "0 7 20 * *"
    assert {d.schedules[0].schedule.timezone for d in (daily, monthly)} == {"America/New_York"}
