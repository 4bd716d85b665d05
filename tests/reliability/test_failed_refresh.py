"""Issue 15: a refresh whose source failed ends Failed in Prefect, the task too, with its one-line cause in the
run's logs (what the UI shows); the CLI never says "done" for it; the reports of such a run carry a banner on
every page naming the failed and stale sources and the data date.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from tests.reliability.test_hostile_sql import run_main


@pytest.fixture
def half_snapshot(snapshot_dir, tmp_path) -> Path:
    """A snapshot holding the 2025 yield-curve file and no TIC folder: yield_curve loads, tic fails."""
    snap = tmp_path / "snap"
    (snap / "treasury").mkdir(parents=True)
    shutil.copy(snapshot_dir / "treasury" / "daily-treasury-rates_2025.csv", snap / "treasury")
    return snap


def flow_run_record(flow_run_id, wanted: str, timeout: float = 30.0):
    """Task-run states and log lines of a flow run, as the UI reads them from the API (logs are shipped in
    the background: wait until one starting with `wanted` arrives)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            logs = [
                lg.message
                for lg in client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            ]
            if any(m.startswith(wanted) for m in logs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {t.name: t.state.type.value for t in tasks}, logs


def test_a_failed_source_ends_failed_with_its_cause_in_the_run_logs(prefect_harness, half_snapshot, tmp_path):
    from flows.pipeline.refresh import refresh_flow

    state = refresh_flow(
        db=str(tmp_path / "w.duckdb"), sources=["yield_curve", "tic"], offline_dir=str(half_snapshot), return_state=True
    )
    assert state.is_failed()
    assert state.message.startswith("refresh failed for tic; first cause: tic: 1 fetch(es) failed: tic: no tic")
    results = state.result(raise_on_failure=False)
    assert [(r["source"], r["loaded"], r["failed"]) for r in results] == [("yield_curve", 1, 0), ("tic", 0, 1)]
    tasks, logs = flow_run_record(state.state_details.flow_run_id, "refresh failed for tic")
    assert tasks == {"refresh-yield_curve": "COMPLETED", "refresh-tic": "FAILED"}
    assert any(m.startswith("tic: 1 fetch(es) failed: tic: no tic files") for m in logs), logs
    assert any(m.startswith("refresh failed for tic") for m in logs), logs


def test_the_cli_says_failed_not_done_and_exits_1(prefect_harness, half_snapshot, tmp_path, capsys):
    code, out, err = run_main(
        [
            "refresh",
            "--offline",
            str(half_snapshot),
            "-s",
            "yield_curve",
            "-s",
            "tic",
            "--db",
            str(tmp_path / "w.duckdb"),
        ],
        capsys,
    )
    assert code == 1
    assert "[refresh] tic: FAILED tic: 1 fetch(es) failed" in out
    assert "tic: done" not in out and "[refresh] yield_curve: done" in out
    assert "Traceback" not in err


def test_data_status_names_failed_and_stale_sources_and_the_data_date():
    from flows.pipeline.run import data_status

    refreshed = [
        {"source": "tic", "failed": 1, "error": "GET https://ticdata… no network"},
        {"source": "fred", "failed": 0, "error": None},
    ]
    freshness = [
        {"source": "tic", "newest_observation": "2026-04-30", "is_stale": True},
        {"source": "fred", "newest_observation": "2026-10-06", "is_stale": False},
    ]
    status = data_status(refreshed, freshness, date(2026, 12, 6))
    assert status == {
        "run_date": "2026-12-06",
        "failed": [{"source": "tic", "error": "GET https://ticdata… no network"}],
        "stale": [{"source": "tic", "newest": "2026-04-30"}],
        "data_date": "2026-10-06",
    }


def test_every_page_of_a_run_with_a_failed_refresh_carries_the_banner(tmp_path, monkeypatch):
    from flows.report.publish import publish_day, staging_dir
    from flows.report.render import write_scenario_report
    from model.run import Frames, run_scenario
    from tests.flows.report import run_context as tr
    from tests.model import fixtures as fx

    monkeypatch.setattr(
        "flows.report.render.render_charts",
        lambda result, run: {n[:-4]: "<svg xmlns='http://www.w3.org/2000/svg'/>" for n in tr.CHARTS},
    )
    frames = Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())
    body = json.loads(run_scenario(tr.scenario_spec("japan-fire-sale"), fx.surface_record(), frames).to_json())
    status = {
        "run_date": "2025-11-25",
        "failed": [{"source": "tic", "error": "no network <b>"}],
        "stale": [{"source": "tic", "newest": "2026-04-30"}],
        "data_date": "2026-10-06",
    }
    staged = staging_dir(tmp_path, tr.DAY)
    write_scenario_report(
        staged / "japan-fire-sale", json.dumps({"run_id": "run-x", **body}), tr.run_context(data_status=status)
    )
    day = publish_day(staged, tmp_path, tr.DAY, {"command": "x", "data_status": status})
    pages = {"scenario": (day / "japan-fire-sale" / "index.html").read_text(), "day": (day / "index.html").read_text()}
    for name, html in pages.items():
        assert 'data-metric="data-status"' in html, name
        assert "<strong>tic</strong> (no network &lt;b&gt;)" in html, name
        assert "Stale sources: tic (newest 2026-04-30)" in html and "Data as of 2026-10-06" in html, name
    md = (day / "japan-fire-sale" / "report.md").read_text()
    assert "> **Data warning:** the refresh of **tic** (no network &lt;b&gt;) failed" in md
    assert "Data as of 2026-10-06." in md

    clean = staging_dir(tmp_path, date(2025, 11, 26))
    write_scenario_report(clean / "japan-fire-sale", json.dumps({"run_id": "run-y", **body}), tr.run_context())
    day2 = publish_day(clean, tmp_path, date(2025, 11, 26), {"command": "x"})
    assert "data-status" not in (day2 / "index.html").read_text()
    assert "data-status" not in (day2 / "japan-fire-sale" / "index.html").read_text()
    assert "Data warning" not in (day2 / "japan-fire-sale" / "report.md").read_text()
