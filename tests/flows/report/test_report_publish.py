"""Publishing a day atomically: a same-day re-run replaces the folder and keeps the other scenarios, a failed
build leaves the published day alone, the folder swap, an unreadable results.json in the index, forked and
in-process rendering, and the sweep of dead writers' leftovers."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from flows.report.publish import exchange, publish_day, staging_dir, write_index
from flows.report.render import write_scenario_report
from tests.flows.report.run_context import CHARTS, DAY, run_context
from tests.model import fixtures as fx


@pytest.fixture
def no_charts(monkeypatch):
    """Publishing tests do not need real charts (the other tests check those): skip matplotlib's time."""
    monkeypatch.setattr(
        "flows.report.render.render_charts",
        lambda result, run: {n[:-4]: "<svg xmlns='http://www.w3.org/2000/svg'/>" for n in CHARTS},
    )


def test_rerun_same_day_replaces_the_folder_and_keeps_other_scenarios(results, tmp_path, no_charts):
    root = tmp_path / "reports"
    ctx = run_context()
    first = staging_dir(root, DAY)
    for name in ("japan-fire-sale", "parallel-plus-10bp"):
        write_scenario_report(first / name, results[name], ctx)
    publish_day(first, root, DAY, {"command": "first"})
    stamp = (root / DAY.isoformat() / "japan-fire-sale" / "index.html").stat().st_ino

    again = staging_dir(root, DAY)
    write_scenario_report(again / "japan-fire-sale", results["japan-fire-sale"], ctx)
    day = publish_day(again, root, DAY, {"command": "second"})
    assert sorted(p.name for p in day.iterdir() if p.is_dir()) == ["japan-fire-sale", "parallel-plus-10bp"]
    assert (day / "japan-fire-sale" / "index.html").stat().st_ino != stamp  # rebuilt, not the old file
    manifest = json.loads((day / "run.json").read_text())
    assert manifest["command"] == "second" and manifest["carried_over"] == ["parallel-plus-10bp"]
    assert not [p for p in root.iterdir() if p.name.startswith(".")], "no staging or old folder left behind"

    other = staging_dir(root, date(2026, 11, 26))
    write_scenario_report(other / "japan-fire-sale", results["japan-fire-sale"], ctx)
    publish_day(other, root, date(2026, 11, 26))
    index = (root / "index.html").read_text()
    assert index.index("2026-11-26") < index.index("2026-11-25")  # newest first, both listed


def test_a_failed_build_leaves_the_published_day_alone(results, tmp_path, no_charts):
    from flows.pipeline.run import reports_task

    root = tmp_path / "reports"
    ctx = run_context()
    staged = staging_dir(root, DAY)
    write_scenario_report(staged / "japan-fire-sale", results["japan-fire-sale"], ctx)
    publish_day(staged, root, DAY)
    before = (root / DAY.isoformat() / "japan-fire-sale" / "index.html").read_bytes()
    good = {"name": "japan-fire-sale", "run_id": "r1", "results": json.loads(results["japan-fire-sale"])}
    broken = {"name": "parallel-plus-10bp", "run_id": "r2", "results": {"name": "parallel-plus-10bp"}}
    views = {"freshness": ctx.freshness, "maturity": ctx.maturity, "holdings": ctx.holdings}
    with pytest.raises(KeyError):
        reports_task.fn(
            str(root),
            DAY,
            [good, broken],
            {},
            views,
            {"record": fx.record(), "status": "reused"},
            {},
            {"japan-fire-sale": "c1", "parallel-plus-10bp": "c2"},
            {"code_version": "t"},
        )
    assert (root / DAY.isoformat() / "japan-fire-sale" / "index.html").read_bytes() == before
    assert not (root / DAY.isoformat() / "parallel-plus-10bp").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="renameat2 is Linux-only")
def testexchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("new")
    (b / "x").write_text("old")
    assert exchange(a, b)
    assert (b / "x").read_text() == "new" and (a / "x").read_text() == "old"


def test_index_survives_an_unreadable_results_json(tmp_path):
    day = tmp_path / "2026-01-02" / "broken"
    day.mkdir(parents=True)
    (day / "results.json").write_text("{not json")
    (tmp_path / ".2026-01-03.building-x").mkdir()  # a build in progress is not listed
    html = write_index(tmp_path).read_text()
    assert "results.json unreadable" in html and "2026-01-03" not in html


def test_forked_and_in_process_rendering_write_identical_files(results, tmp_path, monkeypatch):
    from flows.report.render import write_reports

    names = ["japan-fire-sale", "parallel-plus-10bp"]
    peers = {k: json.loads(v) for k, v in results.items()}
    out = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("TSHOCK_REPORT_WORKERS", workers)
        target = tmp_path / f"w{workers}"
        target.mkdir()
        done = write_reports(target, [(n, results[n], f"cmd {n}") for n in names], run_context(), peers)
        assert sorted(done) == names
        out[workers] = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert out["1"] == out["2"] and len(out["1"]) == 2 * (
        5 + len(CHARTS)
    )  # index.html, report.md, results.json, two CSVs, charts
    assert b"cmd parallel-plus-10bp" in out["2"][Path("parallel-plus-10bp/index.html")]


def test_leftovers_of_dead_writers_are_swept_and_live_ones_kept(tmp_path):
    import subprocess

    from flows.report.publish import sweep_abandoned

    dead = subprocess.Popen(["true"])
    dead.wait()
    for name in (f".2026-11-25.building-{dead.pid}-abcd", f".2026-11-25.old-{dead.pid}-ef01"):
        (tmp_path / name / "japan-fire-sale").mkdir(parents=True)
    (tmp_path / f".index.html.{dead.pid}.tmp").write_text("<html")
    mine = staging_dir(tmp_path, DAY)  # this process is alive: its staging folder stays
    (tmp_path / ".2026-11-25.building-x").mkdir()  # not a name we write: not ours to delete
    assert sweep_abandoned(tmp_path) == []  # staging_dir already swept the dead writer's three
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".2026-11-25.building-x", mine.name])
