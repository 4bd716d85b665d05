"""Bad input to every command and every scenario field: exit 2 (1 only for a runtime fault such as a missing
warehouse), exactly one `error:` line naming the option or field and the bad value, no traceback, nothing on
stdout, no Prefect started and the warehouse (data and record tables) unchanged.

The cases run in-process through `flows.cli.main()` (the real entry point's body) with `sys.argv` set: a
process per case would cost seconds of imports each. A few run as real processes, where the entry point
itself could differ (vendored click's parameter errors, the YAML loader, `tshock run` before Prefect).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.cli import main
from tests.conftest import REPO
from tests.reliability.helpers import cli, cli_env, copy_warehouse, fingerprint, kill_group, one_clear_line

AS_OF = date(2026, 9, 30)  # the newest MSPD statement with CUSIP detail in the snapshot
SNAP = str(REPO.parent / "shared" / "snapshot")
BASE_SPEC = {
    "name": "bad-input",
    "description": "a spec with one bad field",
    "sellers": [{"country": "Japan", "amount_usd_bn": 100}],
    "draws": 20,
}

# id: (argv, exit code, words the error line must hold). {db}: the calibrated copy, {tmp}: a scratch dir,
# {missing}: a warehouse path that does not exist, {file}: a plain file, {dir_yaml}/{binary}: see `paths`.
COMMANDS = {
    "tshock without a command": ([], 2, ["`tshock` needs a command", "scenario"]),
    "unknown top-level option": (["--version"], 2, ["No such option: --version"]),
    "refresh: empty --offline": (
        ["refresh", "--offline", "", "--db", "{db}"],
        2,
        ["--offline ''", "no such directory"],
    ),
    "refresh: extra argument": (["refresh", "now", "--db", "{db}"], 2, ["unexpected extra argument", "now"]),
    "refresh: flag given a value": (["refresh", "--full=yes", "--db", "{db}"], 2, ["--full", "does not take a value"]),
    "refresh: second --source unknown": (
        ["refresh", "-s", "fred", "-s", "bloomberg", "--offline", SNAP, "--db", "{db}"],
        2,
        ["--source bloomberg", "unknown source"],
    ),
    "sql: --max-rows not a number": (
        ["sql", "SELECT 1", "--max-rows", "abc", "--db", "{db}"],
        2,
        ["'--max-rows'", "'abc'", "valid integer"],
    ),
    "sql: --max-rows 0": (["sql", "SELECT 1", "--max-rows", "0", "--db", "{db}"], 2, ["'--max-rows'", "'0'"]),
    "sql: unknown --format": (["sql", "SELECT 1", "-f", "xml", "--db", "{db}"], 2, ["--format xml", "choose one of"]),
    "sql: --output is a directory": (
        ["sql", "SELECT 1", "-o", "{tmp}", "--db", "{db}"],
        2,
        ["--output {tmp}", "is a directory"],
    ),
    "sql: empty query": (["sql", " ", "--db", "{db}"], 2, ["empty query"]),
    "sql: -f without value": (["sql", "SELECT 1", "--db", "{db}", "-f"], 2, ["'-f' requires an argument"]),
    "sql: INSERT into a record table": (
        ["sql", "INSERT INTO calibrations SELECT * FROM calibrations", "--db", "{db}"],
        2,
        ["INSERT would change the warehouse", "--write"],
    ),
    "sql: DELETE after a SELECT": (
        ["sql", "SELECT 1; DELETE FROM calibration_params", "--db", "{db}"],
        2,
        ["DELETE would change the warehouse", "--write"],
    ),
    "sql: CREATE TABLE": (["sql", "CREATE TABLE scratch AS SELECT 1", "--db", "{db}"], 2, ["CREATE", "--write"]),
    "sql: DROP VIEW": (["sql", "DROP VIEW freshness", "--db", "{db}"], 2, ["DROP", "--write"]),
    "sql: UPDATE data": (["sql", "UPDATE yield_curve SET yield_pct = 0", "--db", "{db}"], 2, ["UPDATE", "--write"]),
    "sql: ATTACH the warehouse again read-write": (
        ["sql", "ATTACH '{db}' AS w2 (READ_WRITE)", "--db", "{db}"],
        2,
        ["already attached"],
    ),
    "sql --write: missing warehouse": (
        ["sql", "CREATE TABLE t (x INT)", "--write", "--db", "{missing}"],
        1,
        ["no warehouse at {missing}"],
    ),
    "run: --draws 0": (
        ["run", "--no-refresh", "--draws", "0", "--db", "{db}", "--reports-dir", "{tmp}/r"],
        2,
        ["'--draws'", "'0'", "greater than or equal to 1"],
    ),
    "run: --draws not a number": (["run", "--draws", "abc", "--db", "{db}"], 2, ["'--draws'", "'abc'"]),
    "run: --reports-dir under a file": (
        ["run", "--no-refresh", "--db", "{db}", "--reports-dir", "{file}/r"],
        2,
        ["--reports-dir {file}/r", "cannot create it"],
    ),
    "run: --scenario without value": (["run", "--scenario"], 2, ["'--scenario' requires an argument"]),
    "serve: unknown option": (["serve", "--port", "8080"], 2, ["No such option: --port"]),
    "serve: extra argument": (["serve", "now"], 2, ["unexpected extra argument", "now"]),
    "snapshot without a command": (["snapshot"], 2, ["`tshock snapshot` needs a command: export"]),
    "snapshot: unknown command": (["snapshot", "import", "x"], 2, ["No such command 'import'"]),
    "snapshot export: two directories": (
        ["snapshot", "export", "{tmp}/a", "{tmp}/b", "--db", "{db}"],
        2,
        ["unexpected extra argument", "{tmp}/b"],
    ),
    "db: unknown command": (["db", "list"], 2, ["No such command 'list'"]),
    "db describe: two names": (["db", "describe", "auctions", "bids", "--db", "{db}"], 2, ["extra argument", "bids"]),
    "db describe: empty name": (["db", "describe", "", "--db", "{db}"], 2, ["no table, view or macro named ''"]),
    "db describe: missing warehouse": (["db", "describe", "--db", "{missing}"], 1, ["no warehouse at {missing}"]),
    "calibrate: --as-of not a day": (
        ["calibrate", "--as-of", "2026-02-30", "--db", "{db}"],
        2,
        ["--as-of 2026-02-30", "not a date"],
    ),
    "calibrate: empty --as-of": (["calibrate", "--as-of", "", "--db", "{db}"], 2, ["--as-of", "not a date"]),
    "calibrate: unknown command": (["calibrate", "bogus"], 2, ["No such command 'bogus'"]),
    "calibrate list: extra argument": (["calibrate", "list", "all", "--db", "{db}"], 2, ["extra argument", "all"]),
    "calibrate list: flag given a value": (
        ["calibrate", "list", "--json=yes", "--db", "{db}"],
        2,
        ["--json", "does not take a value"],
    ),
    "calibrate list: missing warehouse": (["calibrate", "list", "--db", "{missing}"], 1, ["no warehouse at"]),
    "calibrate show: two ids": (["calibrate", "show", "cal-a", "cal-b", "--db", "{db}"], 2, ["extra", "cal-b"]),
    "calibrate backtest: month 13": (
        ["calibrate", "backtest", "--start", "2025-13", "--end", "2026-01", "--db", "{db}"],
        2,
        ["start must be YYYY-MM", "'2025-13'"],
    ),
    "calibrate backtest: --end not a month": (
        ["calibrate", "backtest", "--start", "2022-01", "--end", "soon", "--db", "{db}"],
        2,
        ["end must be YYYY-MM", "'soon'"],
    ),
    "calibrate backtest: no --end": (
        ["calibrate", "backtest", "--start", "2022-01", "--db", "{db}"],
        2,
        ["Missing parameter: end"],
    ),
    "calibrate backtest: unknown calibration": (
        [
            "calibrate",
            "backtest",
            "--start",
            "2022-01",
            "--end",
            "2022-03",
            "--calibration",
            "cal-nope",
            "--db",
            "{db}",
        ],
        2,
        ["'cal-nope'"],
    ),
    "scenario without a command": (["scenario"], 2, ["`tshock scenario` needs a command", "sweep"]),
    "scenario list: extra argument": (["scenario", "list", "all", "--db", "{db}"], 2, ["extra argument", "all"]),
    "scenario run: no scenario": (["scenario", "run", "--db", "{db}"], 2, ["Missing parameter: scenario"]),
    "scenario run: --draws 0": (
        ["scenario", "run", "japan-fire-sale", "--draws", "0", "--db", "{db}"],
        2,
        ["'--draws'", "'0'"],
    ),
    "scenario run: --draws not a number": (
        ["scenario", "run", "japan-fire-sale", "--draws", "abc", "--db", "{db}"],
        2,
        ["'--draws'", "'abc'"],
    ),
    "scenario run: unknown --calibration": (
        ["scenario", "run", "japan-fire-sale", "--calibration", "cal-nope", "--db", "{db}"],
        2,
        ["no calibration 'cal-nope'"],
    ),
    "scenario run: spec is a directory": (
        ["scenario", "run", "{dir_yaml}", "--db", "{db}"],
        2,
        ["{dir_yaml}: cannot read it"],
    ),
    "scenario run: spec is binary": (["scenario", "run", "{binary}", "--db", "{db}"], 2, ["{binary}: not a text file"]),
    "scenario run: spec is not YAML": (
        ["scenario", "run", "{bad_yaml}", "--db", "{db}"],
        2,
        ["{bad_yaml}: not valid YAML"],
    ),
    "scenario run: spec is empty": (
        ["scenario", "run", "{empty_yaml}", "--db", "{db}"],
        2,
        ["spec: expected a mapping of fields, got NoneType"],
    ),
    "scenario show: two ids": (["scenario", "show", "run-a", "run-b", "--db", "{db}"], 2, ["extra", "run-b"]),
    "scenario show: missing warehouse": (["scenario", "show", "run-a", "--db", "{missing}"], 1, ["no warehouse at"]),
    "scenario diff: one run": (["scenario", "diff", "run-a", "--db", "{db}"], 2, ["Missing parameter: run_b"]),
    "scenario diff: unknown runs": (["scenario", "diff", "run-nope", "run-nada", "--db", "{db}"], 2, ["'run-nope'"]),
    "scenario backcast: --to not a date": (
        ["scenario", "backcast", "--anchor", "2023-09-30", "--to", "2026-9", "--db", "{db}"],
        2,
        ["--to 2026-9", "not a date"],
    ),
    "scenario backcast: no --to": (
        ["scenario", "backcast", "--anchor", "2023-09-30", "--db", "{db}"],
        2,
        ["Missing parameter: to"],
    ),
    "scenario backcast: --to before --anchor": (
        ["scenario", "backcast", "--anchor", "2023-09-30", "--to", "2023-06-30", "--db", "{db}"],
        2,
        ["--to 2023-06-30", "later month"],
    ),
    "scenario backcast: missing warehouse": (
        ["scenario", "backcast", "--anchor", "2023-09-30", "--to", "2026-09-30", "--db", "{missing}"],
        1,
        ["no warehouse at"],
    ),
}
SWEEP = {  # `scenario sweep ARGS --db {db} --reports-dir {tmp}/r`
    "--months 0": (["--size", "100", "--months", "0"], ["months[0]: 0"]),
    "--months 1.5": (["--size", "100", "--months", "1.5"], ["--months 1.5", "'1.5' is not a whole number"]),
    "--size negative": (["--size", "-100", "--months", "1"], ["sizes_usd_bn[0]: -100"]),
    "--size nan": (["--size", "nan", "--months", "1"], ["sizes_usd_bn[0]: nan"]),
    "--size listed twice": (["--size", "100,100", "--months", "1"], ["100 is listed twice"]),
    "--size more than Japan holds": (["--size", "5000", "--months", "1"], ["sizes_usd_bn: 5000", "holdings"]),
    "--backstop 2": (["--size", "100", "--months", "1", "--backstop", "2"], ["backstop_share[0]: 2"]),
    "--draws 0": (["--size", "100", "--months", "1", "--draws", "0"], ["'--draws'", "'0'"]),
    "--dask-local 0": (["--size", "100", "--months", "1", "--dask-local", "0"], ["'--dask-local'", "'0'"]),
    "--seller unknown": (["--size", "100", "--months", "1", "--seller", "Atlantis"], ["seller: 'Atlantis'"]),
    "--base unknown": (["--size", "100", "--months", "1", "--base", "nope"], ["base:", "'nope'"]),
    "--name not a slug": (["--size", "100", "--months", "1", "--name", "Bad Name"], ["name: 'Bad Name'"]),
    "sweep file missing": (["{tmp}/none.yaml"], ["{tmp}/none.yaml does not exist"]),
    "sweep file is a directory": (["{dir_yaml}"], ["{dir_yaml} is not a file"]),
    "sweep file is binary": (["{binary}"], ["{binary}: not a text file"]),
    "sweep file not a mapping": (["{list_yaml}"], ["expected a mapping"]),
    "sweep file: bad date in the inline base": (["{bad_base}"], ["base: anchor: '2026-13-01'"]),
}

# Scenario fields: id -> (YAML replacing those top-level keys of BASE_SPEC, words of the error line).
S = "sellers: [{country: Japan, %s}]"
SPEC_FIELDS = {
    "name: wrong type": ("name: [a, b]", ["name: ['a', 'b']", "valid string"]),
    "name: not a slug": ("name: Bad Name!", ["name: 'Bad Name!'", "pattern"]),
    "name: null": ("name: null", ["name: None", "valid string"]),
    "description: wrong type": ("description: {a: 1}", ["description:", "valid string"]),
    "description: empty": ("description: ''", ["description: ''", "at least 1 character"]),
    "sellers: not a list": ("sellers: Japan", ["sellers: 'Japan'", "valid list"]),
    "sellers: item not a mapping": ("sellers: [Japan]", ["sellers[0]: 'Japan'", "valid dictionary"]),
    "country: wrong type": ("sellers: [{country: 7, amount_usd_bn: 1}]", ["sellers[0].country: 7"]),
    "country: unknown": (
        "sellers: [{country: Narnia, amount_usd_bn: 1}]",
        ["sellers[0].country: 'Narnia'", "unknown country"],
    ),
    "country: missing": ("sellers: [{amount_usd_bn: 1}]", ["sellers[0].country: required field is missing"]),
    "amount_usd_bn: wrong type": (S % "amount_usd_bn: lots", ["sellers[0].amount_usd_bn: 'lots'", "valid number"]),
    "amount_usd_bn: boolean": (S % "amount_usd_bn: yes", ["sellers[0].amount_usd_bn: True", "true/false"]),
    "amount_usd_bn: negative sale": (S % "amount_usd_bn: -5", ["sellers[0].amount_usd_bn: -5 must be ≥ 0"]),
    "amount_usd_bn: infinite": (S % "amount_usd_bn: .inf", ["sellers[0].amount_usd_bn: inf", "finite"]),
    "amount_usd_bn: larger than holdings": (
        S % "amount_usd_bn: 5000",
        ["sellers[0].amount_usd_bn: 5000 makes Japan's sales 5,000.0 $bn, more than its holdings"],
    ),
    "amount and share both": (S % "amount_usd_bn: 1, share_of_holdings: 0.1", ["sellers[0]: give exactly one"]),
    "amount and share neither": ("sellers: [{country: Japan}]", ["sellers[0]: give exactly one"]),
    "share_of_holdings: wrong type": (S % "share_of_holdings: half", ["sellers[0].share_of_holdings: 'half'"]),
    "share_of_holdings: above 1": (S % "share_of_holdings: 1.5", ["sellers[0].share_of_holdings: 1.5 must be ≤ 1"]),
    "share_of_holdings: negative": (S % "share_of_holdings: -0.1", ["sellers[0].share_of_holdings: -0.1 must be ≥ 0"]),
    "share_of_holdings: two sales above holdings": (
        "sellers: [{country: Japan, share_of_holdings: 0.6}, {country: japan, share_of_holdings: 0.6}]",
        ["sellers[1].share_of_holdings: 0.6 (= ", "more than its holdings"],
    ),
    "start_month: wrong type": (S % "amount_usd_bn: 1, start_month: soon", ["sellers[0].start_month: 'soon'"]),
    "start_month: fractional": (S % "amount_usd_bn: 1, start_month: 1.5", ["sellers[0].start_month: 1.5"]),
    "start_month: negative": (S % "amount_usd_bn: 1, start_month: -1", ["sellers[0].start_month: -1 must be ≥ 0"]),
    "start_month: after the horizon": (
        "horizon_months: 12\n" + S % "amount_usd_bn: 1, start_month: 12",
        ["sellers[0].start_month 12 + months 1", "after horizon_months 12"],
    ),
    "months: wrong type": (S % "amount_usd_bn: 1, months: many", ["sellers[0].months: 'many'"]),
    "months: 0": (S % "amount_usd_bn: 1, months: 0", ["sellers[0].months: 0 must be ≥ 1"]),
    "months: past the horizon": (
        "horizon_months: 24\n" + S % "amount_usd_bn: 1, start_month: 6, months: 24",
        ["sellers[0].start_month 6 + months 24", "after horizon_months 24"],
    ),
    "seller: unknown field": (S % "amount_usd_bn: 1, price: 90", ["sellers[0].price: unknown field (value 90)"]),
    "contagion: wrong type": ("contagion: lots", ["contagion: 'lots'", "valid number"]),
    "contagion: negative": ("contagion: -1", ["contagion: -1 must be ≥ 0"]),
    "contagion: above 5": ("contagion: 6", ["contagion: 6 must be ≤ 5"]),
    "contagion: nan": ("contagion: .nan", ["contagion: nan", "finite"]),
    "fed_backstop: a string": ("fed_backstop: half", ["fed_backstop: 'half'", "valid dictionary"]),
    "fed_backstop: a boolean": ("fed_backstop: yes", ["fed_backstop: True", "valid dictionary"]),
    "fed_backstop.share: wrong type": ("fed_backstop: {share: most}", ["fed_backstop.share: 'most'"]),
    "fed_backstop.share: above 1": ("fed_backstop: {share: 2}", ["fed_backstop.share: 2 must be ≤ 1"]),
    "fed_backstop.start_month: negative": ("fed_backstop: {start_month: -1}", ["fed_backstop.start_month: -1"]),
    "fed_backstop.start_month: after the horizon": (
        "horizon_months: 12\nfed_backstop: {share: 0.5, start_month: 12}",
        ["fed_backstop.start_month: 12 is not before horizon_months 12"],
    ),
    "fed_backstop.breakeven_passthrough: above 1": (
        "fed_backstop: {breakeven_passthrough: 1.5}",
        ["fed_backstop.breakeven_passthrough: 1.5 must be ≤ 1"],
    ),
    "fed_backstop.breakeven_passthrough: wrong type": (
        "fed_backstop: {breakeven_passthrough: full}",
        ["fed_backstop.breakeven_passthrough: 'full'"],
    ),
    "fed_backstop: unknown field": ("fed_backstop: {price: 1}", ["fed_backstop.price: unknown field"]),
    "risk_premium_bp: wrong type": ("risk_premium_bp: big", ["risk_premium_bp: 'big'"]),
    "risk_premium_bp: out of range": ("risk_premium_bp: 3000", ["risk_premium_bp: 3000 must be ≤ 2000"]),
    "parallel_shock_bp: wrong type": ("parallel_shock_bp: [10]", ["parallel_shock_bp: [10]", "valid number"]),
    "parallel_shock_bp: out of range": ("parallel_shock_bp: -5000", ["parallel_shock_bp: -5000 must be ≥ -2000"]),
    "horizon_months: wrong type": ("horizon_months: ten", ["horizon_months: 'ten'", "valid integer"]),
    "horizon_months: 0": ("horizon_months: 0", ["horizon_months: 0 must be ≥ 1"]),
    "horizon_months: fractional": ("horizon_months: 12.5", ["horizon_months: 12.5", "fractional"]),
    "horizon_months: above 600": ("horizon_months: 601", ["horizon_months: 601 must be ≤ 600"]),
    "draws: wrong type": ("draws: many", ["draws: 'many'"]),
    "draws: 0": ("draws: 0", ["draws: 0 must be ≥ 1"]),
    "draws: a boolean": ("draws: true", ["draws: True", "true/false"]),
    "seed: wrong type": ("seed: x", ["seed: 'x'"]),
    "seed: negative": ("seed: -1", ["seed: -1 must be ≥ 0"]),
    "calibration: wrong type": ("calibration: [latest]", ["calibration: ['latest']", "valid string"]),
    "calibration: unknown id": ("calibration: cal-nope", ["no calibration 'cal-nope'"]),
    "anchor: not a date": ("anchor: yesterday", ["anchor: 'yesterday'", "not a date (YYYY-MM-DD) or 'latest'"]),
    "anchor: month 13": ("anchor: 2026-13-01", ["anchor: '2026-13-01'", "not a date"]),
    "anchor: a number": ("anchor: 12", ["anchor: 12", "not a date"]),
    "anchor: a day without CUSIP detail": ("anchor: 2026-09-15", ["anchor: 2026-09-15 has no MSPD CUSIP detail"]),
    "issuance_mix: wrong type": ("issuance_mix: bills", ["issuance_mix: 'bills'", "valid dictionary"]),
    "issuance_mix: unknown bucket": ("issuance_mix: {bill_9m: 1}", ["issuance_mix: unknown bucket 'bill_9m'"]),
    "issuance_mix: negative weight": ("issuance_mix: {bill_3m: -1}", ["issuance_mix: bill_3m: -1 must be ≥ 0"]),
    "issuance_mix: weights sum to 0": ("issuance_mix: {bill_3m: 0}", ["issuance_mix: weights must sum to more"]),
    "issuance_mix: weight not a number": ("issuance_mix: {bill_3m: x}", ["issuance_mix.bill_3m: 'x'"]),
    "issuance_mix: boolean weight": ("issuance_mix: {bill_3m: yes}", ["issuance_mix: bill_3m: true/false"]),
    "assumptions: wrong type": ("assumptions: none", ["assumptions: 'none'", "valid dictionary"]),
    "assumptions.cpi_inflation_pct: out of range": (
        "assumptions: {cpi_inflation_pct: 50}",
        ["assumptions.cpi_inflation_pct: 50 must be ≤ 30"],
    ),
    "assumptions.cpi_inflation_pct: wrong type": (
        "assumptions: {cpi_inflation_pct: high}",
        ["assumptions.cpi_inflation_pct: 'high'"],
    ),
    "assumptions.baseline_path: unknown": (
        "assumptions: {baseline_path: curvy}",
        ["assumptions.baseline_path: 'curvy'", "'cbo', 'flat', 'forwards' or 'forward'"],
    ),
    "assumptions.impact_tail: retired": (
        "assumptions: {impact_tail: hold}",
        ["assumptions.impact_tail: 'hold' is not valid: retired"],
    ),
    "assumptions.impact_half_life_months: 0": (
        "assumptions: {impact_half_life_months: 0}",
        ["assumptions.impact_half_life_months: 0 must be > 0"],
    ),
    "assumptions.impact_half_life_months: wrong type": (
        "assumptions: {impact_half_life_months: long}",
        ["assumptions.impact_half_life_months: 'long'"],
    ),
    "assumptions.impact_unit: unknown": ("assumptions: {impact_unit: bp}", ["assumptions.impact_unit: 'bp'"]),
    "assumptions.impact_unit: retired": (
        "assumptions: {impact_unit: bp_per_100bn}",
        ["assumptions.impact_unit: 'bp_per_100bn' is not valid: retired"],
    ),
    "assumptions.impact_long_run_share: out of range": (
        "assumptions: {impact_long_run_share: 2}",
        ["assumptions.impact_long_run_share: 2 must be ≤ 1"],
    ),
    "price_fall_pct: out of range": ("price_fall_pct: 80", ["price_fall_pct: 80 must be ≤ 50"]),
    "draws: over the memory budget": (
        "draws: 100000\nhorizon_months: 600",
        ["draws 100,000 × horizon_months 600 needs about", "GB memory budget"],
    ),
    "assumptions.frn_spread_pct: out of range": (
        "assumptions: {frn_spread_pct: 3}",
        ["assumptions.frn_spread_pct: 3 must be ≤ 2"],
    ),
    "assumptions.frn_spread_pct: wrong type": (
        "assumptions: {frn_spread_pct: [0.1]}",
        ["assumptions.frn_spread_pct: [0.1]", "valid number"],
    ),
    "assumptions: unknown field": ("assumptions: {gdp_growth: 2}", ["assumptions.gdp_growth: unknown field"]),
    "unknown top-level field": ("colour: blue", ["colour: unknown field (value 'blue')"]),
}
# Through `tshock run --no-refresh --scenario FILE`: refused before Prefect starts, the holdings too.
RUN_SPECS = [
    "horizon_months: 0",
    "horizon_months: wrong type",
    "amount_usd_bn: negative sale",
    "country: unknown",
    "amount_usd_bn: larger than holdings",
    "share_of_holdings: two sales above holdings",
    "anchor: a day without CUSIP detail",
    "anchor: month 13",
]


def spec_text(override: str) -> str:
    replaced = yaml.load(override, Loader=yaml.BaseLoader)  # keys only: values stay exactly as written
    return yaml.safe_dump({k: v for k, v in BASE_SPEC.items() if k not in replaced}, sort_keys=False) + override + "\n"


def tables_and_views(db: Path) -> dict:
    """Every base table's fingerprint (record tables included) and every view's SQL: equal = unchanged."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    finally:
        con.close()
    return {"tables": fingerprint(db, tables), "views": views}


@pytest.fixture(scope="module")
def warehouse(offline_warehouse, tmp_path_factory) -> Path:
    """A private copy with one real calibration stored, as tests/flows/test_scenario.py stores it."""
    from calibration.estimate import calibrate
    from calibration.inputs import load_inputs
    from flows.pipeline.records import store_calibration
    from flows.pipeline.versioning import code_version
    from warehouse.db import session

    db = copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("bad-input-commands") / "data")
    with session(db) as con:
        assert store_calibration(con, calibrate(load_inputs(con, AS_OF), AS_OF, code_version("calibration")))
    return db


@pytest.fixture(scope="module")
def paths(warehouse, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("bad-input-files")
    (tmp / "a_file").write_text("not a directory")
    (tmp / "dir.yaml").mkdir()
    (tmp / "binary.yaml").write_bytes(b"name: x\ndescription: \xff\xfe\x00\n")
    (tmp / "list.yaml").write_text("- 100\n- 300\n")
    (tmp / "bad.yaml").write_text("name: x\ndescription: [unclosed\n")
    (tmp / "empty.yaml").write_text("")
    (tmp / "bad-base.yaml").write_text(
        "name: s\nsizes_usd_bn: [100]\nmonths: [1]\nbase: {name: b, description: d, anchor: 2026-13-01}\n"
    )
    return {
        "db": str(warehouse),
        "tmp": str(tmp),
        "missing": str(tmp / "none.duckdb"),
        "file": str(tmp / "a_file"),
        "dir_yaml": str(tmp / "dir.yaml"),
        "binary": str(tmp / "binary.yaml"),
        "list_yaml": str(tmp / "list.yaml"),
        "bad_base": str(tmp / "bad-base.yaml"),
        "bad_yaml": str(tmp / "bad.yaml"),
        "empty_yaml": str(tmp / "empty.yaml"),
    }


def file_state(db: Path) -> tuple:
    """Size and mtime of the file and its WAL: while they stay, no byte changed (DuckDB writes a WAL or the file)."""
    return tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None for p in (db, Path(f"{db}.wal")))


@pytest.fixture(scope="module")
def before(warehouse) -> dict:
    return {"files": file_state(warehouse), "data": tables_and_views(warehouse)}


@pytest.fixture
def tshock(monkeypatch, capsys, warehouse, before, paths):
    """Run the CLI in-process; afterwards check that nothing started Prefect and the warehouse is unchanged."""
    import flows.cli.run
    import flows.pipeline.calibrate
    import flows.pipeline.refresh
    import flows.pipeline.sweep

    def no_prefect(*_, **__):
        pytest.fail("bad input reached a Prefect flow")

    for module, name in (
        (flows.cli.run, "start_temporary_server"),
        (flows.pipeline.refresh, "refresh_flow"),
        (flows.pipeline.calibrate, "calibrate_flow"),
        (flows.pipeline.sweep, "compute"),
    ):
        monkeypatch.setattr(module, name, no_prefect)

    def run(args: list[str]) -> tuple[int, str, str, list[str]]:
        """(exit code, stdout, stderr, what the command changed that it must not have)."""
        monkeypatch.setattr(sys, "argv", ["tshock", *(a.format(**paths) for a in args)])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out, err = capsys.readouterr()
        changed = []
        for what, made in (
            ("a missing warehouse was created", Path(paths["missing"])),
            ("a reports folder was created", Path(paths["tmp"], "r")),
        ):
            if made.exists():
                changed.append(what)
                shutil.rmtree(made) if made.is_dir() else made.unlink()
        # The fingerprint (~0.1 s) only when the file was touched: a read-only open leaves it as it was.
        if file_state(warehouse) != before["files"]:
            now = tables_and_views(warehouse)
            if now != before["data"]:
                changed.append("the warehouse changed")
            # later cases compare with the new state: each change fails one case, not all that follow
            before.update(files=file_state(warehouse), data=now)
        return code, out, err, changed

    return run


def refused(
    code: int, out: str, err: str, changed: list[str], want: int, words: list[str], fill: dict, help_on_stdout=False
) -> None:
    """Exit code, one `error:` line holding `words`, no traceback, nothing changed; other stderr lines are
    progress or `see:`."""
    assert "Traceback" not in out + err, err[-3000:]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1, err
    assert all(ln.startswith(("error: ", "see: ", "[")) for ln in lines), err
    assert code == want, err
    assert ("Usage:" in out) if help_on_stdout else out == "", out[-2000:]
    for w in words:
        assert w.format(**fill) in errors[0], errors[0]
    assert not changed, changed


@pytest.mark.parametrize("case", COMMANDS)
def test_every_command_refuses_wrong_arguments_in_one_line(tshock, paths, case):
    args, want, words = COMMANDS[case]
    refused(*tshock(args), want, words, paths, help_on_stdout=case.endswith("without a command"))


@pytest.mark.parametrize("case", SWEEP)
def test_sweep_refuses_bad_options_and_files_in_one_line(tshock, paths, case):
    args, words = SWEEP[case]
    refused(*tshock(["scenario", "sweep", *args, "--db", "{db}", "--reports-dir", "{tmp}/r"]), 2, words, paths)


@pytest.mark.parametrize("case", SPEC_FIELDS)
def test_scenario_run_refuses_every_bad_field_in_one_line(tshock, paths, tmp_path, case):
    override, words = SPEC_FIELDS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(override))
    refused(*tshock(["scenario", "run", str(spec), "--db", "{db}"]), 2, words, paths)


@pytest.mark.parametrize("case", RUN_SPECS)
def test_tshock_run_refuses_a_bad_scenario_before_prefect_starts(tshock, paths, tmp_path, case):
    override, words = SPEC_FIELDS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(override))
    result = tshock(["run", "--no-refresh", "--scenario", str(spec), "--db", "{db}", "--reports-dir", "{tmp}/r"])
    refused(*result, 2, [f"--scenario {spec}: ", *words], paths)


def test_the_harness_notices_a_write_and_a_prefect_start(tshock):
    """The checks above can fail: a real write is seen (then becomes the new baseline), a flow start is refused."""
    code, _, err, changed = tshock(["sql", "CREATE TABLE harness_probe AS SELECT 1 AS x", "--write", "--db", "{db}"])
    assert code == 0 and changed == ["the warehouse changed"], err
    code, _, err, changed = tshock(["sql", "DROP TABLE harness_probe", "--write", "--db", "{db}"])
    assert code == 0 and changed == ["the warehouse changed"], err
    with pytest.raises(pytest.fail.Exception, match="reached a Prefect flow"):
        tshock(
            [
                "run",
                "--no-refresh",
                "--scenario",
                "parallel-plus-10bp",
                "--db",
                "{db}",
                "--reports-dir",
                "{tmp}/harness",
            ]
        )


def test_the_base_spec_is_valid_so_each_case_fails_on_its_one_field(warehouse):
    from flows.pipeline.scenario import read_frames
    from model.spec import check_against_holdings, load_spec
    from warehouse.db import session

    spec = load_spec(spec_text("seed: 3"))
    with session(warehouse, read_only=True) as con:
        holdings = read_frames(con, AS_OF).holdings
    assert check_against_holdings(spec, holdings, as_of=AS_OF) == {0: 100.0}


# --- a few through the real entry point, in parallel -----------------------------------------------------------

REAL = {  # id: (argv, exit code, words)
    "typer parameter error": (["sql", "SELECT 1", "--max-rows", "abc", "--db", "{db}"], 2, ["'--max-rows'", "'abc'"]),
    "write refused": (["sql", "DELETE FROM calibrations", "--db", "{db}"], 2, ["DELETE would change", "--write"]),
    "bad date in a spec": (["scenario", "run", "{spec_date}", "--db", "{db}"], 2, ["anchor: '2026-13-01'"]),
    "run before Prefect": (
        ["run", "--no-refresh", "--scenario", "{spec_big}", "--db", "{db}", "--reports-dir", "{tmp}/r"],
        2,
        ["--scenario {spec_big}: sellers[0].amount_usd_bn: 5000"],
    ),
}


def test_real_processes_refuse_in_one_line_and_leave_the_warehouse(warehouse, paths, tmp_path):
    fill = {**paths, "spec_date": str(tmp_path / "date.yaml"), "spec_big": str(tmp_path / "big.yaml")}
    Path(fill["spec_date"]).write_text(spec_text(SPEC_FIELDS["anchor: month 13"][0]))
    Path(fill["spec_big"]).write_text(spec_text(SPEC_FIELDS["amount_usd_bn: larger than holdings"][0]))
    state = tables_and_views(warehouse)
    # A Prefect API nobody answers: a run that got as far as its flow would fail differently (and slowly).
    env = cli_env(PREFECT_API_URL="http://127.0.0.1:9/api")
    procs = {k: cli([a.format(**fill) for a in args], env=env) for k, (args, _, _) in REAL.items()}
    for case, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            pytest.fail(f"{case}: no answer within 90 s")
        args, want, words = REAL[case]
        assert proc.returncode == want, f"{case}: {err[-2000:]}"
        line = one_clear_line(err)
        assert out == "" and all(w.format(**fill) in line for w in words), f"{case}: {line}"
    assert tables_and_views(warehouse) == state and not Path(paths["tmp"], "r").exists()
