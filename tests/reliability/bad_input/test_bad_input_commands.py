"""Bad input to every command: exit 2 (1 only for a runtime fault such as a missing warehouse), exactly one
`error:` line naming the option or field and the bad value, no traceback, nothing on stdout, no Prefect started
and the warehouse (data and record tables) unchanged. Every scenario field: test_bad_input_specs.py; the
harness both use: conftest.py (fixtures) and harness.py (checks).

The cases run in-process through `flows.cli.main()` (the real entry point's body) with `sys.argv` set: a
process per case would cost seconds of imports each. A few run as real processes, where the entry point
itself could differ (vendored click's parameter errors, the YAML loader, `tshock run` before Prefect).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.reliability.bad_input.harness import refused, tables_and_views
from tests.reliability.bad_input.spec_fields import SPEC_FIELDS, spec_text
from tests.reliability.helpers import cli, cli_env, kill_group, one_clear_line

SNAP = str(REPO.parent / "shared" / "snapshot")

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


@pytest.mark.parametrize("case", COMMANDS)
def test_every_command_refuses_wrong_arguments_in_one_line(tshock, paths, case):
    args, want, words = COMMANDS[case]
    refused(*tshock(args), want, words, paths, help_on_stdout=case.endswith("without a command"))


@pytest.mark.parametrize("case", SWEEP)
def test_sweep_refuses_bad_options_and_files_in_one_line(tshock, paths, case):
    args, words = SWEEP[case]
    refused(*tshock(["scenario", "sweep", *args, "--db", "{db}", "--reports-dir", "{tmp}/r"]), 2, words, paths)


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
