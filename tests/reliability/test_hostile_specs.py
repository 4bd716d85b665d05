"""Issue 15: hostile scenario specs and options are one line with exit 2 (or escaped), before anything runs.

Cases run `flows.cli.main()` in-process (see test_hostile_sql.run_main) against a private warehouse copy;
none of them may reach a Prefect start, which is patched to fail the test.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.reliability.helpers import copy_warehouse, fingerprint, one_clear_line
from tests.reliability.test_hostile_sql import run_main

VALID = "name: {name}\ndescription: {description}\nsellers: [{{country: Japan, amount_usd_bn: 100}}]\ndraws: 20\n"


@pytest.fixture(scope="module")
def warehouse(offline_warehouse, tmp_path_factory) -> Path:
    return copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("specs") / "data")


@pytest.fixture(autouse=True)
def no_prefect(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("Prefect was started for input that should have been refused")

    monkeypatch.setattr("prefect.testing.utilities.prefect_test_harness", refuse, raising=False)
    import flows.pipeline.run

    for name in ("run_flow", "start_temporary_server"):
        if hasattr(flows.pipeline.run, name):
            monkeypatch.setattr(flows.pipeline.run, name, refuse)


LAUGHS = (
    "name: laughs\ndescription: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 9)}]\n" for p, k in zip("abcdefgh", "bcdefghi", strict=True))
    + "sellers: [{country: Japan, amount_usd_bn: 100}]\n"
)

# id: (spec text, words of the error line)
SPECS = {
    "billion laughs (nested aliases)": (LAUGHS, ["aliases (*name) are not allowed", "line 3"]),
    "one harmless alias": (
        "name: a\ndescription: &d text\nsellers: []\nparallel_shock_bp: 10\nx: *d\n",
        ["aliases (*name) are not allowed"],
    ),
    "[ x 100000": ("name: deep\ndescription: " + "[" * 100_000 + "\n", ["larger than 64 KB"]),
    "[ x 30000 (under the size cap)": (
        "name: deep\ndescription: " + "[" * 30_000 + "\n",
        ["nested deeper than 20 levels"],
    ),
    "a 5000-digit seed": (
        VALID.format(name="s", description="d") + "seed: " + "9" * 5000 + "\n",
        ["a 5000-digit number (at most 30 digits)"],
    ),
    "a 20-digit seed": (
        VALID.format(name="s", description="d") + "seed: 99999999999999999999\n",
        ["seed: 99999999999999999999 must be ≤ 9223372036854775807"],
    ),
    "a 1 MB description": (VALID.format(name="s", description="x" * 1_000_000), ["larger than 64 KB"]),
    "scenario named index.html": (
        VALID.format(name="index.html", description="d"),
        ["name: 'index.html' is not valid", "named like a file"],
    ),
    "scenario named run.json": (VALID.format(name="run.json", description="d"), ["name: 'run.json' is not valid"]),
}


@pytest.mark.parametrize("case", SPECS)
@pytest.mark.parametrize("how", ["scenario run", "tshock run"])
def test_hostile_specs_are_one_short_line(case, how, warehouse, tmp_path, capsys):
    text, words = SPECS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    before = fingerprint(warehouse)
    argv = (
        ["scenario", "run", str(spec)]
        if how == "scenario run"
        else ["run", "--no-refresh", "--scenario", str(spec), "--reports-dir", str(tmp_path / "r")]
    )
    start = time.monotonic()
    code, out, err = run_main([*argv, "--db", str(warehouse)], capsys)
    line = one_clear_line(err)
    assert time.monotonic() - start < 20, "the loader expanded or recursed instead of refusing"
    assert code == 2 and out == ""
    for w in words:
        assert w in line
    assert len(line) < 400, "the error echoed more than a short excerpt"
    assert "lol', 'lol" not in line
    assert fingerprint(warehouse) == before
    assert not (tmp_path / "r").exists()


def test_long_values_are_echoed_as_a_short_excerpt(warehouse, tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(VALID.format(name="s", description="d") + "contagion: [" + ", ".join(["1"] * 5000) + "]\n")
    code, _, err = run_main(["scenario", "run", str(spec), "--db", str(warehouse)], capsys)
    line = one_clear_line(err)
    assert code == 2 and "contagion: [1, 1" in line and "…" in line and len(line) < 300


# id: (argv, words)
OPTIONS = {
    "run --draws 99999999999999999999": (
        ["run", "--no-refresh", "--draws", "99999999999999999999"],
        ["'--draws'", "less than or equal to 100000"],
    ),
    "scenario run --draws 100001": (
        ["scenario", "run", "japan-fire-sale", "--draws", "100001"],
        ["'--draws'", "less than or equal to 100000"],
    ),
    "sweep --dask-local 99999999999": (
        ["scenario", "sweep", "--size", "100", "--months", "1", "--dask-local", "99999999999"],
        ["'--dask-local'", "less than or equal to 64"],
    ),
    "calibrate show %": (["calibrate", "show", "%"], ["no calibration '%'"]),
    "calibrate show cal-_": (["calibrate", "show", "cal-_"], ["no calibration 'cal-_'"]),
    "calibrate show ''": (["calibrate", "show", ""], ["no calibration ''"]),
    "scenario show %": (["scenario", "show", "%"], ["no stored scenario run '%'"]),
    "scenario show _": (["scenario", "show", "_"], ["no stored scenario run '_'"]),
    "a 300-character --db": (
        ["sql", "SELECT 1", "--db", "/tmp/" + "d" * 300 + ".duckdb"],
        ["File name too long", "(312 characters)"],
    ),
}


@pytest.mark.parametrize("case", OPTIONS)
def test_hostile_options_are_one_line(case, warehouse, tmp_path, capsys):
    argv, words = OPTIONS[case]
    if "--db" not in argv:
        argv = [*argv, "--db", str(warehouse)]
    if argv[0] in ("run",) or argv[:2] == ["scenario", "sweep"]:
        argv = [*argv, "--reports-dir", str(tmp_path / "r")]
    before = fingerprint(warehouse)
    code, out, err = run_main(argv, capsys)
    line = one_clear_line(err)
    assert code == 2 and out == ""
    for w in words:
        assert w in line
    assert len(line) < 300
    assert fingerprint(warehouse) == before


def test_a_wildcard_prefix_no_longer_matches_a_stored_calibration():
    """Before: `calibrate show %` found the one stored record, `cal-_` too (LIKE wildcards)."""
    import duckdb

    from flows.pipeline.records import load_calibration
    from warehouse.repository import RecordNotFound

    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE calibrations AS SELECT 'cal-x1' AS calibration_id, '{}' AS record_json")
        for ref in ("%", "cal-_1", "cal%"):
            with pytest.raises(RecordNotFound):
                load_calibration(con, ref)
    finally:
        con.close()


def test_a_script_in_a_description_is_escaped_in_report_md(tmp_path, monkeypatch):
    from flows.report.render import write_scenario_report
    from tests.flows.report import run_context as tr

    monkeypatch.setattr(
        "flows.report.render.render_charts",
        lambda result, run: {n[:-4]: "<svg xmlns='http://www.w3.org/2000/svg'/>" for n in tr.CHARTS},
    )
    from model.run import Frames, run_scenario
    from tests.model import fixtures as fx

    frames = Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())
    spec = tr.scenario_spec("xss", description="<script>alert(1)</script> & ``` fence")
    body = json.loads(run_scenario(spec, fx.surface_record(), frames).to_json())
    text = json.dumps({"run_id": "run-xss", **body})
    write_scenario_report(tmp_path / "xss", text, tr.run_context())
    md = (tmp_path / "xss" / "report.md").read_text()
    html = (tmp_path / "xss" / "index.html").read_text()
    assert "<script>" not in html
    start = md.index("```yaml") + len("```yaml")
    end = md.index("```", start)
    fenced, prose = md[start:end], md[:start] + md[end:]
    # Prose shows the description as text; inside the spec's code fence it is code, shown as written, and its
    # backticks did not close the fence early.
    assert "<script>" not in prose and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in prose
    assert "description: <script>alert(1)</script>" in fenced
