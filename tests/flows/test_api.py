"""The analyst's Python API (flows/api.py, also `import tshock`) and the example notebook, on a calibrated copy of
the offline warehouse: DataFrames with the real snapshot's values, a custom scenario from a dict, read-only use,
and docs/examples/analyst.ipynb executed end to end (nbclient) so it never rots."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO, copy_warehouse
from warehouse.db import session

ANCHOR = date(2026, 9, 30)
DRAWS = 60
CUSTOM = {
    "name": "japan-300bn-6m",
    "description": "Japan sells $300bn over six months",
    "sellers": [{"country": "Japan", "amount_usd_bn": 300, "months": 6}],
}


@pytest.fixture(scope="module")
def db(offline_warehouse, tmp_path_factory) -> str:
    """A private copy with one real calibration (as `tshock calibrate` stores it)."""
    from calibration.estimate import calibrate
    from calibration.inputs import load_inputs
    from flows.pipeline.records import store_calibration
    from flows.pipeline.versioning import code_version

    path = copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("api") / "warehouse.duckdb")
    with session(path) as con:
        assert store_calibration(con, calibrate(load_inputs(con, ANCHOR), ANCHOR, code_version("calibration")))
    return path


def test_import_tshock_is_the_api():
    import tshock
    from flows import api

    assert tshock.holdings is api.holdings and set(api.__all__) <= set(dir(tshock))


def test_japan_holdings_are_a_dataframe_of_the_tic_numbers(db):
    from flows import api

    japan = api.holdings("japan", db=db)
    assert isinstance(japan, pd.DataFrame) and set(japan["country"]) == {"Japan"}
    assert japan["month"].is_monotonic_increasing and len(japan) > 250
    # TIC: Japan held $1,185.5bn at the end of December 2025 (mfhhis01.txt)
    dec = japan[japan["month"] == pd.Timestamp("2025-12-31")]
    assert dec["holdings_usd_bn"].iloc[0] == pytest.approx(1185.5)
    assert 0.1 < dec["share_of_foreign_total"].iloc[0] < 0.2
    # as known on 2026-04-01 the latest month was still 2025-12 (the March 2026 publication)
    known = api.holdings("Japan", as_of="2026-04-01", db=db)
    assert known["month"].max() == pd.Timestamp("2025-12-31")
    with pytest.raises(LookupError, match=r"'Japn': no TIC holdings \(known: .*Japan"):
        api.holdings("Japn", db=db)


def test_yields_and_curve(db):
    from flows import api

    y = api.yields(["2y", "10y"], start="2024-08-01", end="2024-08-31", db=db)
    assert list(y.columns) == ["2y", "10y"] and y.loc["2024-08-15", "10y"] == pytest.approx(3.92)
    c = api.curve("2024-08-17", db=db)  # a Saturday: the Friday before
    assert c["date"].nunique() == 1 and str(c["date"].iloc[0])[:10] == "2024-08-16"


def test_calibration_params_and_response_surface(db):
    from flows import api

    params = api.calibration_params(db=db)
    assert {"name", "tenor", "horizon_months", "unit", "kind", "estimate", "ci_low", "ci_high"} <= set(params)
    assert (params["ci_low"] <= params["ci_high"]).all()
    s = api.response_surface(horizon_months=36, db=db)
    assert len(s) == 5 * 37 and s["source"].nunique() == 1
    assert ((s["p5"] <= s["p50"]) & (s["p50"] <= s["p95"])).all()


def test_a_custom_scenario_from_a_dict_runs_read_only(db):
    from flows import api

    before = api.runs(db=db)
    run = api.run_scenario(CUSTOM, draws=DRAWS, db=db)
    assert run.name == "japan-300bn-6m" and not run.stored
    assert len(api.runs(db=db)) == len(before)  # nothing stored
    fy = run.fiscal_years
    assert {"fiscal_year", "delta_interest_usd_bn_p5", "delta_interest_usd_bn_p50", "delta_interest_usd_bn_p95"} <= set(
        fy
    )
    assert (fy["delta_interest_usd_bn_p5"] <= fy["delta_interest_usd_bn_p95"]).all()
    head = run.headline.set_index("metric")
    assert head.loc["interest_10y_delta", "p50"] == pytest.approx(
        run.results["interest"]["cumulative_10y_delta_usd_bn"]["p50"]
    )
    paths = run.paths
    assert set(paths["tenor"]) == {"3m", "2y", "5y", "10y", "30y"} and len(paths) == 5 * 120
    # the sale is $300bn; a bigger one (the shipped fire sale, $1.2tn) moves the 10y further at the median
    fire = api.run_scenario("japan-fire-sale", draws=DRAWS, db=db)
    both = api.compare(run, fire)
    assert (
        both.loc[("yield_10y_peak_shift", "bp"), ("japan-fire-sale", "p50")]
        > both.loc[("yield_10y_peak_shift", "bp"), ("japan-300bn-6m", "p50")]
    )


def test_bad_dict_names_the_field(db):
    from flows import api
    from model.spec import SpecError

    with pytest.raises(SpecError, match=r"sellers\[0\]\.country: 'Japn'.*Japan"):
        api.run_scenario({**CUSTOM, "sellers": [{"country": "Japn", "amount_usd_bn": 1}]}, db=db)


def test_the_example_notebook_runs(db, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    monkeypatch.setenv("TSHOCK_DB", db)  # the kernel inherits the environment
    monkeypatch.setenv("TSHOCK_NB_DRAWS", "40")
    path = REPO / "docs" / "examples" / "analyst.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # the holdings chart and the 10y paths
    assert any("japan-fire-sale" in o.get("data", {}).get("text/plain", "") for o in outputs)
    assert Path(path).read_text().count('"outputs": []') == sum(c.cell_type == "code" for c in nb.cells)


def test_scenario_diff_takes_names_files_and_run_ids(db, tmp_path):
    from typer.testing import CliRunner

    from flows import api
    from flows.cli import app

    runner = CliRunner()
    stored = api.run_scenario("japan-fire-sale", draws=30, store=True, db=db)
    assert stored.stored
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "name: mine\ndescription: Japan sells $300bn over six months\n"
        "sellers: [{country: Japan, amount_usd_bn: 300, months: 6}]\n"
    )
    res = runner.invoke(app, ["scenario", "diff", "japan-fire-sale", str(mine), "--draws", "30", "--json", "--db", db])
    assert res.exit_code == 0, res.output
    d = __import__("json").loads(res.stdout)
    assert d["sides"]["a"]["run_id"] == stored.run_id and d["sides"]["a"]["ref_source"].startswith("stored run")
    assert d["sides"]["b"]["ref_source"] == "computed now, not stored" and d["sides"]["b"]["draws"] == 30
    head = {m["path"]: m for m in d["headline"]}["interest.cumulative_10y_delta_usd_bn"]
    assert set(head["a"]) == {"p5", "p50", "p95"} and head["b_minus_a_p50"] == pytest.approx(
        head["b"]["p50"] - head["a"]["p50"]
    )
    fields = [x["field"] for x in d["spec_differences"]]
    assert len(d["by_fiscal_year"]) == 10 and "sellers" in fields and "draws" not in fields
    text = runner.invoke(
        app, ["scenario", "diff", stored.run_id, "japan-orderly-unwind", "--draws", "30", "--db", db]
    ).stdout
    assert "10y yield peak shift" in text and "Japan 100% of holdings over 60 month(s)" in text
    assert "median [p5, p95]" in text and "B − A (median)" in text
    bad = runner.invoke(app, ["scenario", "diff", "japan-fire-sale", "no-such-thing", "--db", db])
    assert bad.exit_code == 2


def test_response_surface_reads_a_stored_surface_when_the_record_has_one(db, monkeypatch):
    """A calibration with record.surface (calibration.contract.ResponseSurface) is summarised over its joint draws;
    here a hand-made surface: level 2 + transitory 8 with a 6-month half-life at every tenor, 3 draws scaled ×1..×3."""
    import numpy as np

    import model.response as mr
    from calibration.contract import ResponseSurface
    from flows import api

    scale = np.array([[1.0], [2.0], [3.0]]) * np.ones((3, 5))
    surface = ResponseSurface(level=2 * scale, transitory=8 * scale, half_life_months=np.full((3, 5), 6.0))
    monkeypatch.setattr(mr, "scenario_response", lambda record, *a, **k: mr.SurfaceResponse.from_surface(surface))
    s = api.response_surface(horizon_months=12, db=db).set_index(["tenor", "horizon_months"])
    assert (s["source"] == "surface").all()
    assert s.loc[("10y", 0), "p50"] == pytest.approx(20.0)  # median draw ×2: 2·2 + 8·2
    assert s.loc[("10y", 6), "p50"] == pytest.approx(2 * 2 + 8 * 2 * 0.5)
    assert s.loc[("10y", 0), "p5"] < s.loc[("10y", 0), "p50"] < s.loc[("10y", 0), "p95"]
