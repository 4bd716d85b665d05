"""Scenario sweeps on the offline warehouse: the CLI writes a sweep record and a report, an identical sweep
reuses every cell, a local Dask cluster gives exactly the sequential results, and grid errors are one line.

The warehouse is a private copy of the offline one with a hand-built calibration (tests/model/fixtures.record):
the sweep machinery, not the estimation, is under test here, and estimating would add ~20 s. Draws are small.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import flows.pipeline.sweep as sw
import flows.pipeline.sweep_cells as cell_tasks
from flows.cli import app
from flows.pipeline.records import store_calibration
from flows.report.sweep import COLUMNS, write_report
from model.run import run_scenario
from model.spec import SpecError
from model.sweep_grid import SweepGrid, build_cells, parse_grid
from tests.model import fixtures as fx
from warehouse.db import session

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "sweeps" / "example.yaml"
DRAWS = 20


@pytest.fixture(scope="module")
def db(offline_warehouse, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("sweep") / "warehouse.duckdb"
    shutil.copy(offline_warehouse, path)
    with session(path) as con:
        assert store_calibration(con, fx.record())
    return str(path)


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def grid(**over) -> SweepGrid:
    data = {
        "name": "t",
        "sizes_usd_bn": [300, 1200],
        "months": [1, 24],
        "contagion": [0, 1],
        "backstop_share": [0, 0.5],
        "draws": DRAWS,
    } | over
    return parse_grid(data)


def counts(db: str) -> tuple[int, int]:
    with session(db, read_only=True) as con:
        return (
            con.execute("SELECT count(*) FROM sweeps").fetchone()[0],
            con.execute("SELECT count(*) FROM sweep_cells").fetchone()[0],
        )


# --- the CLI, the record, the report and reuse -----------------------------------------------------------------


def test_cli_sweep_stores_reports_and_then_reuses_every_cell(db, tmp_path, prefect_harness, monkeypatch):
    reports = tmp_path / "reports"
    code, out, err = run(
        "scenario", "sweep", str(EXAMPLE), "--draws", str(DRAWS), "--json", "--db", db, "--reports-dir", str(reports)
    )
    assert code == 0, err
    first = json.loads(out)
    assert (first["cells_total"], first["cells_computed"], first["cells_reused"]) == (12, 12, 0)
    assert first["newly_stored"] and first["draws"] == DRAWS and first["anchor"] == "2026-09-30"
    cells = first["cells"]
    assert [(c["size_usd_bn"], c["months"]) for c in cells] == [
        (s, m) for s in (100, 300, 600, 1200) for m in (1, 6, 24)
    ]
    for c in cells:
        assert (
            c["interest_10y_delta_usd_bn_p5"]
            <= c["interest_10y_delta_usd_bn_p50"]
            <= c["interest_10y_delta_usd_bn_p95"]
        )
        assert c["yield_10y_delta_bp_p5"] <= c["yield_10y_delta_bp_p50"] <= c["yield_10y_delta_bp_p95"]
    # a bigger sale costs more (same draws in every cell), at every speed
    for m in (1, 6, 24):
        p50 = [c["interest_10y_delta_usd_bn_p50"] for c in cells if c["months"] == m]
        assert p50 == sorted(p50) and p50[0] > 0

    with session(db, read_only=True) as con:
        sweep = con.execute(
            "SELECT sweep_id, name, calibration_id, cell_keys, cells_computed, cells_reused FROM sweeps"
        ).fetchall()
        stored = dict(con.execute("SELECT cell_key, interest_10y_delta_usd_bn_p50 FROM sweep_cells").fetchall())
    assert len(sweep) == 1 and sweep[0][:3] == (first["sweep_id"], "japan-size-speed", "test-cal")
    assert json.loads(sweep[0][3]) == [c["cell_key"] for c in cells] and sweep[0][4:] == (12, 0)
    assert stored == {c["cell_key"]: c["interest_10y_delta_usd_bn_p50"] for c in cells}
    from warehouse.db import read_copy_path

    with session(read_copy_path(db), read_only=True) as con:  # readers of the copy see the sweep at once
        assert con.execute("SELECT count(*) FROM sweeps WHERE sweep_id = ?", [first["sweep_id"]]).fetchone()[0] == 1

    folder = Path(first["report_dir"])
    assert folder.parent.parent == reports and folder.name == "sweep-japan-size-speed"
    html = (folder / "index.html").read_text()
    assert html.count("<svg") == 2 and "Ten-year interest delta" in html and "Peak 10y yield move" in html
    assert first["cells"][0]["cell_key"] in html and "sweep.csv" in html
    table = list(csv.DictReader(io.StringIO((folder / "sweep.csv").read_text())))
    assert list(table[0]) == COLUMNS and len(table) == 12
    assert float(table[-1]["interest_10y_delta_usd_bn_p50"]) == cells[-1]["interest_10y_delta_usd_bn_p50"]
    assert json.loads((folder / "sweep.json").read_text())["cells"] == cells
    # no staging left; the day page (which now links the sweep) is beside it
    assert sorted(p.name for p in folder.parent.iterdir()) == ["index.html", "sweep-japan-size-speed"]
    assert 'href="sweep-japan-size-speed/index.html"' in (folder.parent / "index.html").read_text()

    def must_not_run(*a, **k):
        raise AssertionError("a stored cell was computed again")

    monkeypatch.setattr(cell_tasks, "run_scenario", must_not_run)
    code, out, err = run(
        "scenario", "sweep", str(EXAMPLE), "--draws", str(DRAWS), "--json", "--db", db, "--reports-dir", str(reports)
    )
    assert code == 0, err
    second = json.loads(out)
    assert (second["cells_computed"], second["cells_reused"]) == (0, 12) and not second["newly_stored"]
    assert second["sweep_id"] == first["sweep_id"]
    assert [{**c, "reused": False} for c in second["cells"]] == cells and all(c["reused"] for c in second["cells"])
    assert counts(db) == (1, 12)

    code, text, _ = run(
        "scenario", "sweep", str(EXAMPLE), "--draws", str(DRAWS), "--db", db, "--reports-dir", str(reports)
    )
    assert code == 0 and "12 cells: 0 computed, 12 reused" in text and "identical sweep already stored" in text


def test_cells_are_shared_across_sweeps_by_key(db):
    base = sw.base_spec(grid())
    a = build_cells(grid(name="one"), base)
    b = build_cells(grid(name="two", sizes_usd_bn=[1200]), base)
    keys = {c.spec.model_dump_json(): sw.cell_key(c.spec, "cal", "data", "code") for c in a}
    assert all(keys[c.spec.model_dump_json()] == sw.cell_key(c.spec, "cal", "data", "code") for c in b)
    more = build_cells(grid(draws=DRAWS + 1), base)[0]
    assert sw.cell_key(more.spec, "cal", "data", "code") != sw.cell_key(a[0].spec, "cal", "data", "code")
    assert sw.cell_key(a[0].spec, "cal", "data", "code") != sw.cell_key(a[0].spec, "cal", "data2", "code")
    c = a[-1]
    assert c.spec.sellers[0].amount_usd_bn == 1200 and c.spec.sellers[0].months == 24
    assert c.spec.contagion == 1 and c.spec.fed_backstop.share == 0.5 and c.spec.seed == base.seed


def test_a_cached_cell_equals_a_plain_scenario_run(db):
    """Cells share one prepared stock per process; that must not change a single number."""
    plan = sw.plan_sweep(db, grid(), reuse=False)
    cell_tasks.remember_inputs(("x",), None, None)  # empty the process cache: compute_cell reads the warehouse itself
    for cell in (plan.cells[5], plan.cells[-1]):
        got = cell_tasks.compute_cell(db, cell.spec.model_dump_json(), plan.calibration_id, plan.anchor, plan.data_hash)
        want = json.loads(run_scenario(cell.spec, plan.record, plan.frames).to_json(indent=None))
        assert {k: v for k, v in got.items() if k not in ("data_hash", "code_version")} == want


# --- Dask ------------------------------------------------------------------------------------------------------


def test_a_local_dask_cluster_gives_exactly_the_sequential_results(db, prefect_harness):
    from distributed import Client, LocalCluster

    g = grid(name="dask", sizes_usd_bn=[1200])  # 8 cells: contagion and backstop on and off
    sequential = sw.run_sweep(db, g, threads=1, reuse=False, store=False, reports_dir=None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = sw.run_sweep(
            db, g, dask_address=cluster.scheduler_address, reuse=False, store=False, reports_dir=None, batch=3
        )  # 3 tasks of up to 3 cells
        with Client(cluster) as client:
            read = client.run(
                lambda: [k[1:] for k in __import__("flows.pipeline.sweep_cells").pipeline.sweep_cells._inputs]
            )
    assert len(on_dask.computed) == len(sequential.computed) == 8
    assert on_dask.results == sequential.results  # exactly: same seed per cell, whichever process ran it
    # the cells ran in the worker processes, which read the warehouse themselves (read-only)
    assert any(read.values()) and all(
        v in ([], [(sequential.plan.anchor, "test-cal", sequential.plan.data_hash)]) for v in read.values()
    ), read
    assert counts(db)[0] <= 1  # nothing stored by these runs


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "over, message",
    [
        ({"sizes_usd_bn": [100, -5]}, "sizes_usd_bn[1]: -5 is not valid: Input should be greater than or equal to 0"),
        ({"months": [1, 1]}, "months: [1, 1] is not valid: 1 is listed twice"),
        ({"colour": "blue"}, "colour: 'blue' is not valid: Extra inputs are not permitted"),
        ({"months": [1, 200]}, "months: 200 is longer than the base scenario's horizon_months 120"),
        ({"seller": "Atlantis"}, "seller: 'Atlantis' is not valid: unknown country"),
        ({"base": "no-such-base"}, "base: scenario: 'no-such-base' is neither a file nor a scenario"),
        ({"base": "japan-and-china"}, "base: japan-and-china has 2 sellers (Japan, China); a sweep varies one seller"),
        ({"sizes_usd_bn": [100, 5000]}, "sizes_usd_bn: 5000 makes Japan's sales 5,000.0 $bn, more than its holdings"),
    ],
)
def test_grid_errors_name_the_field(db, over, message):
    with pytest.raises(SpecError) as e:
        sw.plan_sweep(db, grid(**over))
    assert message in str(e.value), str(e.value)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--size", "100,x", "--months", "1"], "--size 100,x: 'x' is not a number"),
        (["--size", "100"], "give a sweep file (tshock scenario sweep SPEC.yaml) or both --size and --months"),
        ([str(EXAMPLE), "--size", "100"], "a sweep file defines the grid"),
        (["--size", "100", "--months", "1", "--dask", "tcp://x:1", "--dask-local", "2"], "give one of them"),
        (["--size", "100", "--months", "1", "--contagion", "9"], "contagion[0]: 9 is not valid"),
    ],
)
def test_cli_errors_are_one_line(db, args, message):
    code, out, err = run("scenario", "sweep", *args, "--db", db)
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert code == 2 and out == "" and len(lines) == 1 and message in lines[0] and "Traceback" not in err, err


def test_missing_warehouse_exits_1(tmp_path):
    code, _, err = run("scenario", "sweep", str(EXAMPLE), "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no warehouse at" in err


# --- the report folder is replaced whole -----------------------------------------------------------------------


def test_report_replaces_the_folder_atomically(tmp_path, monkeypatch):
    import datetime as dt

    import flows.report.sweep as rs

    row = {k: 1.0 for k in COLUMNS} | {
        "cell_key": "cell-a",
        "months": 1,
        "reused": False,
        "first_fy_interest_over_20pct_outlays_p50": None,
    }
    summary = {
        "name": "x",
        "sweep_id": "sweep-1",
        "description": "",
        "base": "b",
        "draws": 1,
        "seed": 0,
        "anchor": "2026-09-30",
        "calibration_id": "c",
        "data_hash": "d" * 64,
        "code_version": "v",
        "cells_total": 1,
        "cells_computed": 1,
        "cells_reused": 0,
        "runner": "threads",
        "elapsed_s": 1.0,
        "created_at": "t",
        "grid": {"base": {"sellers": []}},
        "cells": [row],
    }
    day = dt.date(2026, 11, 25)
    first = write_report(summary, tmp_path, day)
    again = write_report(summary | {"sweep_id": "sweep-2"}, tmp_path, day)
    assert first == again and "sweep-2" in (again / "index.html").read_text()

    def broken(_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rs, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(summary | {"sweep_id": "sweep-3"}, tmp_path, day)
    assert "sweep-2" in (again / "index.html").read_text()  # the published report is untouched
    assert sorted(p.name for p in (tmp_path / "2026-11-25").iterdir()) == ["index.html", "sweep-x"]  # no staging


def test_an_unreachable_dask_scheduler_is_one_line(db, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(sw, "DASK_CONNECT_TIMEOUT_S", 2)
    code, out, err = run(
        "scenario", "sweep", str(EXAMPLE), "--draws", "2", "--dask", f"tcp://127.0.0.1:{port}", "--db", db
    )
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert code == 2 and len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], err
