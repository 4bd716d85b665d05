"""Scenario runs on the offline warehouse with a real calibration: every shipped scenario, the JSON contract,
storage round trip, units, the backcast, and the CLI's one-line errors.

The calibration is estimated once for the module with the pure functions (calibration.inputs/estimate) on a
private copy of the offline warehouse, as `tshock calibrate` would store it; draws are kept small.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline.backcast import backcast_check
from flows.pipeline.catalog import list_scenarios
from flows.pipeline.records import load_calibration, store_calibration
from flows.pipeline.run import scenario_task
from flows.pipeline.runs import diff_runs, load_run
from flows.pipeline.scenario import frames_hash, read_frames, run_and_store
from model.spec import SpecError
from tests.conftest import copy_warehouse
from warehouse.db import session
from warehouse.repository import RecordNotFound

ANCHOR = date(2026, 9, 30)
DRAWS = 40
SHIPPED = [
    "japan-fire-sale",
    "japan-orderly-unwind",
    "japan-and-china",
    "japan-with-fed-backstop",
    "article-claims",
    "parallel-plus-10bp",
]


@pytest.fixture(scope="module")
def bare_db(offline_warehouse, tmp_path_factory) -> str:
    """A private copy with no calibration stored."""
    return copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("bare") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def db(offline_warehouse, tmp_path_factory) -> str:
    """A private copy with one real calibration, estimated as of the newest MSPD statement."""
    from calibration.estimate import calibrate
    from calibration.inputs import load_inputs
    from flows.pipeline.versioning import code_version

    path = copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("calibrated") / "warehouse.duckdb")
    with session(path) as con:
        record = calibrate(load_inputs(con, ANCHOR), ANCHOR, code_version("calibration"))
        assert store_calibration(con, record)
    return path


@pytest.fixture(scope="module")
def fire_sale(db):
    return run_and_store(db, "japan-fire-sale", draws=DRAWS)


def run(*args: str):
    """The command in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write_spec(tmp_path: Path, text: str) -> str:
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return str(p)


# --- runs on the offline warehouse -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_runs(db, name):
    r = run_and_store(db, name, draws=DRAWS).results
    q = r["interest"]["cumulative_10y_delta_usd_bn"]
    assert q["p5"] <= q["p50"] <= q["p95"], q
    assert r["anchor"] == "2026-09-30" and r["impact_unit"] == "bp_per_1pct_debt"
    assert max(r["checks"].values()) < 1e-6  # issuance and stock identities, every month and draw
    assert len(r["interest"]["by_fiscal_year"]) == 10 and r["interest"]["by_fiscal_year"][0]["fiscal_year"] == 2027
    if name == "parallel-plus-10bp":
        assert q["p5"] == pytest.approx(q["p95"]) and q["p50"] > 0
    if name == "article-claims":
        assert q["p5"] > 10_000 and r["first_fy_interest_over_20pct_outlays"]["scenario_p50"] == 2027


def test_japan_fire_sale_raises_the_interest_bill_with_an_interval(fire_sale):
    r = fire_sale.results
    q = r["interest"]["cumulative_10y_delta_usd_bn"]
    assert q["p50"] > 0 and q["p5"] <= q["p50"] <= q["p95"] and q["p5"] < q["p95"]
    assert r["interest"]["cumulative_10y_delta_point_usd_bn"] > 0
    assert r["sales"]["sellers"] == [{"country": "Japan", "amount_usd_bn": 1209.9, "start_month": 0, "months": 1}]
    assert r["yields"]["10y"]["peak_shift_bp"]["p50"] > 0
    assert r["mark_to_market"]["japan"]["holdings_usd_bn"] == 1209.9


def test_zero_shock_gives_zero_delta(db, tmp_path):
    spec = write_spec(
        tmp_path, "name: zero\ndescription: nothing happens\nsellers: []\nparallel_shock_bp: 0\ndraws: 20\n"
    )
    r = run_and_store(db, spec, store=False).results
    assert r["interest"]["cumulative_10y_delta_usd_bn"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0}
    assert all(row["delta_interest_usd_bn"]["p50"] == 0.0 for row in r["interest"]["by_fiscal_year"])
    assert all(y["peak_shift_bp"]["p95"] == 0.0 for y in r["yields"].values())


def test_the_stock_at_the_anchor_reproduces_mspd_totals(db, fire_sale):
    debt = fire_sale.results["debt"]
    assert max(abs(x["diff_usd_bn"]) for x in debt["reconciliation"]) < 1e-6  # Total Unmatured … by class
    assert debt["cusips"] == 463 and debt["rates_imputed"] == 463  # the API file has no coupons
    with session(db, read_only=True) as con:
        total, ffb = con.execute(
            """SELECT sum(total_usd_mn) FILTER (WHERE security_type_desc = 'Total Marketable'),
            sum(total_usd_mn) FILTER (WHERE security_class_desc = 'Federal Financing Bank')
            FROM mspd_summary WHERE record_date = ?""",
            [ANCHOR],
        ).fetchone()
    assert debt["anchor_total_usd_bn"] == pytest.approx((total - ffb) / 1000.0, abs=0.5)  # MSPD Table 1


def test_the_impact_is_per_pct_of_debt_scaled_by_the_anchor_debt(db, fire_sale):
    r = fire_sale.results
    imp = r["impact"]
    with session(db, read_only=True) as con:
        rec = load_calibration(con, r["calibration_id"])
    debt = r["debt"]["anchor_total_usd_bn"]
    assert imp["anchor_marketable_debt_usd_bn"] == pytest.approx(debt) and imp["unit"] == "bp_per_1pct_debt"
    per_pct, per_usd = imp["yield_10y_bp_per_1pct_debt"]["h0"], imp["yield_10y_bp_per_100bn"]["h0"]
    assert per_usd["p50"] == pytest.approx(per_pct["p50"] * 100.0 / (debt / 100.0))
    if getattr(rec, "surface", None) is None:  # the fallback reads the posterior parameters
        b = rec.get("yield_impact", tenor="10y", horizon_months=0, unit="bp_per_1pct_debt")
        assert imp["source"] == "posterior_params" and per_pct["p50"] == pytest.approx(b.estimate, abs=0.5)
    assert r["sales"]["sellers_total_pct_of_debt"] == pytest.approx(100 * 1209.9 / debt)


def test_the_per_dollar_unit_is_retired_with_a_one_line_error(db, tmp_path):
    body = "description: x\nsellers: [{country: Japan, amount_usd_bn: 300}]\ndraws: 10\n"
    spec = write_spec(tmp_path, f"name: usd\n{body}assumptions: {{impact_unit: bp_per_100bn}}\n")
    code, out, err = run("scenario", "run", spec, "--db", db)
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert code == 2 and len(lines) == 1 and "assumptions.impact_unit: 'bp_per_100bn' is not valid: retired" in lines[0]


# --- the issue-14 checks on the snapshot ---------------------------------------------------------------------


def test_the_baseline_is_cbos_and_its_shares_are_cbos_published_ones(fire_sale):
    from model.budget import load_cbo_baseline

    r = fire_sale.results
    assert r["baseline"]["path"] == "cbo" and "CBO" in r["baseline"]["description"]
    fy27 = next(x for x in r["baseline"]["by_fiscal_year"] if x["fiscal_year"] == 2027)
    assert fy27["note_10y_pct"] == pytest.approx(3.918) and fy27["cbo_bill_3m_discount_pct"] == 3.177
    cbo = load_cbo_baseline().set_index("fiscal_year")
    covered = [x for x in r["interest"]["by_fiscal_year"] if x["cbo_net_interest_usd_bn"] is not None]
    assert [x["fiscal_year"] for x in covered] == list(range(2027, 2036))
    for x in covered:
        published = 100 * cbo.loc[x["fiscal_year"], "net_interest_usd_bn"] / cbo.loc[x["fiscal_year"], "outlays_usd_bn"]
        assert abs(x["baseline_interest_share_outlays_pct"] - published) < 0.1
        assert x["model_minus_cbo_usd_bn"] == pytest.approx(x["model_interest_usd_bn"] - x["cbo_net_interest_usd_bn"])
    assert round(covered[3]["baseline_interest_share_outlays_pct"], 1) == 15.3  # FY2030
    assert round(covered[-1]["baseline_interest_share_outlays_pct"], 1) == 16.9  # FY2035
    assert r["first_fy_interest_over_20pct_outlays"]["baseline"] is None  # CBO never crosses 20 % through 2035


def test_a_fire_sale_peaks_above_an_orderly_unwind_on_the_real_calibration(db, fire_sale):
    slow = run_and_store(db, "japan-orderly-unwind", draws=DRAWS, store=False).results
    fire = fire_sale.results
    for r in (fire, slow):
        assert set(r["interest"]["cumulative_10y_delta_usd_bn"]) == {"p5", "p50", "p95"}
        assert set(r["yields"]["10y"]["peak_shift_bp"]) == {"p5", "p50", "p95"}
    assert fire["impact"]["source"] == slow["impact"]["source"] == "surface"  # the calibration's joint draws
    y = fire["yields"]["10y"]
    assert y["peak_shift_bp"]["p50"] > slow["yields"]["10y"]["peak_shift_bp"]["p50"]
    assert y["shift_at_month_bp"]["119"]["p50"] < y["peak_shift_bp"]["p50"]


def test_article_claims_imposes_a_ten_percent_price_fall_per_tenor(db):
    r = run_and_store(db, "article-claims", draws=DRAWS, store=False).results
    im = r["imposed"]
    moves = {t: v["shift_bp"] for t, v in im["by_tenor"].items()}
    assert moves["1y"] == pytest.approx(1144, abs=30) and moves["10y"] == pytest.approx(135, abs=15)
    assert moves["30y"] == pytest.approx(71, abs=15) and im["article_example_1y_3pct_shift_bp"] == pytest.approx(
        1144.4, abs=0.1
    )
    assert "assumption" in im["label"] and r["yields"]["10y"]["peak_shift_bp"]["p50"] == pytest.approx(moves["10y"])
    eq = im["calibrated_equivalent"]
    assert eq["sale_needed_usd_bn_at_median"] == pytest.approx(
        eq["sale_needed_pct_of_debt_at_median"] * r["debt"]["anchor_total_usd_bn"] / 100
    )
    assert 0.0 <= eq["probability_japan_fire_sale_reaches_target"] <= 1.0 and eq["japan_holdings_usd_bn"] == 1209.9


def test_a_run_round_trips_through_the_warehouse(db, fire_sale):
    with session(db, read_only=True) as con:
        back = load_run(con, fire_sale.run_id[:12])
        rows = con.execute(
            "SELECT fiscal_year, delta_p50_usd_bn FROM scenario_fiscal_years WHERE run_id = ? ORDER BY 1",
            [fire_sale.run_id],
        ).fetchall()
        stored = con.execute(
            "SELECT calibration_id, data_hash, code_version, anchor FROM scenario_runs WHERE run_id = ?",
            [fire_sale.run_id],
        ).fetchone()
    assert back.results == fire_sale.results
    assert stored == (fire_sale.calibration_id, fire_sale.data_hash, fire_sale.code_version, ANCHOR)
    assert rows == [
        (x["fiscal_year"], x["delta_interest_usd_bn"]["p50"]) for x in fire_sale.results["interest"]["by_fiscal_year"]
    ]
    again = run_and_store(db, "japan-fire-sale", draws=DRAWS)  # same spec, data, calibration, code
    assert again.run_id == fire_sale.run_id and not again.stored and again.results == fire_sale.results
    other = run_and_store(db, "japan-fire-sale", draws=DRAWS + 1, store=False)
    assert other.run_id != fire_sale.run_id


def test_data_hash_is_stable_and_follows_the_data(db):
    with session(db, read_only=True) as con:
        a, b = read_frames(con, ANCHOR), read_frames(con, ANCHOR)
    assert frames_hash(a) == frames_hash(b)
    b.holdings.loc[b.holdings.index[0], "holdings_usd_bn"] += 0.1
    assert frames_hash(a) != frames_hash(b)


def test_errors_name_what_is_missing(db, bare_db):
    with pytest.raises(RecordNotFound, match="run `tshock calibrate` first"):
        run_and_store(bare_db, "japan-fire-sale", draws=5)
    with pytest.raises(SpecError, match="anchor: 2025-09-30 has no MSPD CUSIP detail.*2023-09-30, 2026-09-30"):
        run_and_store(db, write_spec(Path(db).parent, "name: a\ndescription: x\nanchor: 2025-09-30\n"))
    assert {s["name"] for s in list_scenarios()} == set(SHIPPED)


def test_the_prefect_task_runs_and_stores(db):
    out = scenario_task.fn(db, "parallel-plus-10bp", "latest", draws=5)  # tshock run's task
    assert out["name"] == "parallel-plus-10bp" and out["results"]["interest"]["cumulative_10y_delta_usd_bn"]["p50"] > 0


# --- backcast --------------------------------------------------------------------------------------------------


def test_backcast_compares_modelled_and_actual(db):
    out = backcast_check(db, date(2023, 9, 30), date(2026, 9, 30))
    assert out["actual"]["total_marketable_avg_rate_pct"] == 3.518
    assert abs(out["error_pp"]["total"]) < 0.5
    assert set(out["modelled"]["by_class_avg_rate_pct"]) == {"Bills", "Notes", "Bonds", "TIPS", "FRN"}
    assert set(out["actual"]["by_class_avg_rate_pct"]) >= {"Bills", "Notes", "Bonds", "TIPS", "FRN"}
    assert out["modelled"]["total_marketable_usd_bn"] == pytest.approx(31_834.9 - 3.6, abs=1.0)


@pytest.mark.parametrize(
    "anchor, to, message",
    [
        ("2024-09-30", "2026-09-30", "--anchor 2024-09-30: no MSPD CUSIP detail .* 2023-08-31, 2023-09-30, 2026-09-30"),
        ("2023-08-31", "2023-09-30", "no Average Interest Rates .* for 2023-09; months with rates: .*2026-08..2026-09"),
        ("2023-09-30", "2025-09-30", "no Average Interest Rates .* for 2025-09"),
        ("2026-09-30", "2026-09-15", "must be in a later month"),
    ],
)
def test_backcast_refuses_dates_the_data_lack(db, anchor, to, message):
    code, _, err = run("scenario", "backcast", "--anchor", anchor, "--to", to, "--db", db)
    assert code == 2 and "Traceback" not in err
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1
    assert re.search(message, lines[0]), lines[0]


# --- CLI -------------------------------------------------------------------------------------------------------


def test_cli_run_json_has_the_contracted_keys_and_show_reprints_it(db):
    code, out, err = run("scenario", "run", "japan-fire-sale", "--json", "--draws", str(DRAWS), "--db", db)
    assert code == 0, err
    r = json.loads(out)  # stdout is the JSON alone: the progress lines go to stderr, plain on pipes
    lines = err.splitlines()
    assert (
        lines[0]
        == f"[scenario] starting: running japan-fire-sale ({DRAWS} draws × 120 months): loading the model, reading {db}"
    )
    assert all(x.startswith("[scenario] ") for x in lines) and "\x1b" not in err
    assert set(r["interest"]["cumulative_10y_delta_usd_bn"]) == {"p5", "p50", "p95"}
    assert isinstance(r["interest"]["by_fiscal_year"], list)
    assert set(r["yields"]) == {"3m", "2y", "5y", "10y", "30y"} and "10y" in r["prices"]
    assert "first_fy_interest_over_20pct_outlays" in r and r["impact_unit"] == "bp_per_1pct_debt"
    code, shown, _ = run("scenario", "show", r["run_id"], "--json", "--db", db)
    assert code == 0 and json.loads(shown) == r
    code, text, _ = run("scenario", "show", r["run_id"], "--db", db)
    assert code == 0 and "japan-fire-sale" in text and "interest, first 120 months" in text


def test_cli_diff_and_list(db, fire_sale):
    other = run_and_store(db, "japan-orderly-unwind", draws=DRAWS)
    code, out, err = run("scenario", "diff", fire_sale.run_id, other.run_id, "--json", "--db", db)
    assert code == 0, err
    d = json.loads(out)
    head = next(m for m in d["metrics"] if m["metric"] == "interest.cumulative_10y_delta_usd_bn.p50")
    assert head["b_minus_a"] == pytest.approx(head["b"] - head["a"])
    assert any(x["field"] == "sellers" for x in d["spec_differences"]), d["spec_differences"]
    assert diff_runs(fire_sale, fire_sale)["spec_differences"] == []
    code, text, _ = run("scenario", "diff", fire_sale.run_id, other.run_id, "--db", db)
    assert code == 0 and "B − A" in text
    code, text, _ = run("scenario", "list", "--db", db)
    assert code == 0 and all(n in text for n in SHIPPED) and fire_sale.run_id in text


def test_cli_backcast_prints_modelled_vs_actual(db):
    code, out, err = run("scenario", "backcast", "--anchor", "2023-09-30", "--to", "2026-09-30", "--json", "--db", db)
    assert code == 0, err
    j = json.loads(out)
    assert j["actual"]["total_marketable_avg_rate_pct"] == 3.518
    assert 2.5 < j["modelled"]["total_marketable_avg_rate_pct"] < 4.5
    assert "Notes" in j["modelled"]["by_class_avg_rate_pct"] and "Notes" in j["actual"]["by_class_avg_rate_pct"]
    code, text, _ = run("scenario", "backcast", "--anchor", "2023-09-30", "--to", "2026-09-30", "--db", db)
    assert code == 0 and "modelled" in text and "actual" in text and "3.518" in text


SPEC_ERRORS = [
    ("sellers: [{country: Atlantis, amount_usd_bn: 10}]", "sellers[0].country: 'Atlantis' is not valid"),
    ("sellers: [{country: Japan, amount_usd_bn: -5}]", "sellers[0].amount_usd_bn: -5 must be ≥ 0"),
    ("horizon_months: 0", "horizon_months: 0 must be ≥ 1"),
    ("sellers: [{country: Japan, amount_usd_bn: 5000}]", "more than its holdings of 1,209.9 $bn"),
    ("colour: blue", "colour: unknown field (value 'blue')"),
]


@pytest.mark.parametrize("extra, message", SPEC_ERRORS)
def test_cli_spec_errors_exit_2_with_one_line(db, tmp_path, extra, message):
    spec = write_spec(tmp_path, f"name: bad\ndescription: x\n{extra}\n")
    code, out, err = run("scenario", "run", spec, "--db", db)
    assert code == 2 and out == ""
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err, err


@pytest.mark.parametrize(
    "args, message, code_wanted",
    [
        (["run", "japan-fire-sale"], "run `tshock calibrate` first", 2),
        (["run", "no-such-scenario"], "'no-such-scenario' is neither a file nor a scenario", 2),
        (["show", "run-doesnotexist"], "no stored scenario run 'run-doesnotexist'", 2),
        (["backcast", "--anchor", "2023-9-30", "--to", "2026-09-30"], "--anchor 2023-9-30: not a date", 2),
    ],
)
def test_cli_other_errors_are_one_line(bare_db, args, message, code_wanted):
    code, _, err = run("scenario", *args, "--db", bare_db)
    assert code == code_wanted and "Traceback" not in err
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], err
    if "no-such-scenario" in args:  # a name is checked before the progress line: the error is all of stderr
        assert err.strip().splitlines() == lines


def test_cli_missing_warehouse_is_exit_1(tmp_path):
    code, _, err = run("scenario", "run", "japan-fire-sale", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no warehouse at" in err and not (tmp_path / "none.duckdb").exists()
    assert len(err.strip().splitlines()) == 1  # checked before the progress line


def test_store_is_one_transaction(db, monkeypatch):
    """A failure while writing the fiscal-year rows leaves no half-stored run."""
    import flows.pipeline.scenario as sc

    run_ = run_and_store(db, "parallel-plus-10bp", draws=3, store=False)
    run_.results["interest"]["by_fiscal_year"][1]["fiscal_year"] = run_.results["interest"]["by_fiscal_year"][0][
        "fiscal_year"
    ]  # duplicate key: the second insert fails
    spec = sc.resolve_spec("parallel-plus-10bp", draws=3)
    with session(db) as con:
        with pytest.raises(duckdb.ConstraintException):
            sc.store_run(con, run_, spec)
        assert con.execute("SELECT count(*) FROM scenario_runs WHERE run_id = ?", [run_.run_id]).fetchone()[0] == 0
