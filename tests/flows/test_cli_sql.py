"""`tshock sql` and `tshock db describe` on the offline warehouse: formats, read-only refusal, lock message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app, sql_output
from warehouse.freshness import STALE_AFTER_DAYS

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None):
    """The command in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def scalar(db: str, sql: str):
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def db(offline_warehouse) -> str:
    return str(offline_warehouse)


@pytest.fixture
def db_copy(offline_warehouse, tmp_path) -> str:
    """A private copy for tests that write or lock (the shared warehouse must stay untouched)."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(offline_warehouse, target)
    wal = Path(str(offline_warehouse) + ".wal")
    if wal.exists():
        shutil.copy(wal, str(target) + ".wal")
    return str(target)


def test_done_when_count_as_csv_through_the_real_entry_point(db):
    exe = Path(sys.executable).with_name("tshock")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "flows.cli"]
    proc = subprocess.run(
        [*cmd, "sql", "select count(*) from foreign_holdings", "--format", "csv", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    header, value = proc.stdout.strip().splitlines()
    assert header == "count_star()"
    assert int(value) == scalar(db, "SELECT count(*) FROM foreign_holdings") > 20_000


def test_table_output_is_the_default(db):
    code, out, err = run(
        "sql",
        "SELECT country, holdings_usd_bn FROM foreign_holdings_current "
        "WHERE country = 'Japan' AND month = '2026-04-30'",
        "--db",
        db,
    )
    assert code == 0, err
    assert "Japan" in out and "1209.9" in out
    assert "(1 row)" in err


def test_table_output_says_when_rows_are_cut(db):
    code, out, err = run("sql", "SELECT * FROM range(10)", "--max-rows", "3", "--db", db)
    assert code == 0
    assert "first 3 rows" in err


def test_json_output(db):
    code, out, _ = run(
        "sql",
        "SELECT month, holdings_usd_bn FROM foreign_holdings_current "
        "WHERE country = 'Japan' ORDER BY month DESC LIMIT 2",
        "-f",
        "json",
        "--db",
        db,
    )
    assert code == 0
    assert json.loads(out) == [
        {"month": "2026-04-30", "holdings_usd_bn": 1209.9},
        {"month": "2026-03-31", "holdings_usd_bn": 1191.6},
    ]


def test_parquet_needs_output_then_writes_a_readable_file(db, tmp_path):
    code, _, err = run("sql", "SELECT 1", "--format", "parquet", "--db", db)
    assert code == 2 and "--output" in err
    target = tmp_path / "ycm.parquet"
    code, _, err = run(
        "sql", "SELECT * FROM yield_curve_monthly WHERE tenor_months = 120", "-o", str(target), "--db", db
    )
    assert code == 0, err
    import pyarrow.parquet as pq

    table = pq.read_table(target)
    assert table.num_rows > 400 and "month_end_yield_pct" in table.column_names


def test_output_format_follows_the_file_extension(db, tmp_path):
    target = tmp_path / "spreads.csv"
    code, _, err = run(
        "sql",
        "SELECT date, spread_2s10s_bp FROM yield_spreads_daily WHERE date = '2024-12-31'",
        "--output",
        str(target),
        "--db",
        db,
    )
    assert code == 0, err
    assert target.read_text() == "date,spread_2s10s_bp\n2024-12-31,33.0\n"
    assert "wrote 1 rows" in err


def test_a_write_is_refused_without_write_flag(db):
    before = scalar(db, "SELECT count(*) FROM auctions")
    code, out, err = run("sql", "DELETE FROM auctions", "--db", db)
    assert code == 2
    assert "--write" in err and "read-only" in err and db in err
    assert len(err.strip().splitlines()) == 1
    assert scalar(db, "SELECT count(*) FROM auctions") == before


def test_write_flag_allows_it(db_copy):
    code, _, err = run("sql", "CREATE TABLE scratch AS SELECT 42 AS answer", "--write", "--db", db_copy)
    assert code == 0, err
    code, out, _ = run("sql", "SELECT answer FROM scratch", "-f", "csv", "--db", db_copy)
    assert (code, out) == (0, "answer\n42\n")


def test_bad_sql_is_one_line_and_exit_2(db):
    code, _, err = run("sql", "SELEC 1", "--db", db)
    assert code == 2
    assert err.startswith("error:") and "syntax error" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("sql", "SELECT * FROM foreign_holding", "--db", db)
    assert code == 2 and "foreign_holdings" in err  # DuckDB's "did you mean" survives


def test_missing_warehouse_is_exit_1_and_nothing_is_created(tmp_path):
    target = tmp_path / "none.duckdb"
    code, _, err = run("sql", "SELECT 1", "--write", "--db", str(target))
    assert code == 1 and "no warehouse" in err
    assert not target.exists()


def test_lock_held_by_another_process_is_one_line_naming_the_file(db_copy):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({db_copy!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        for args in (("sql", "SELECT 1"), ("sql", "SELECT 1", "--write"), ("db", "describe")):
            code, out, err = run(*args, "--db", db_copy)
            assert code == 1, (args, err)
            assert err.startswith("error: ") and db_copy in err and "lock" in err
            assert len(err.strip().splitlines()) == 1
            assert "Traceback" not in err + out
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_describe_lists_everything_and_one_object(db):
    code, out, _ = run("db", "describe", "--db", db)
    assert code == 0
    for name in ("foreign_holdings", "foreign_holdings_monthly", "stg_foreign_flows", "fred_as_of(sid, d)"):
        assert name in out
    code, out, _ = run("db", "describe", "foreign_holdings_monthly", "--db", db)
    assert code == 0
    assert "share_of_foreign_total" in out and "fraction" in out and "analysis view" in out
    code, out, _ = run("db", "describe", "FOREIGN_HOLDINGS", "--db", db)
    assert code == 0 and "key: month, country, source_file, vintage" in " ".join(out.split())


def test_describe_unknown_name_suggests(db):
    code, _, err = run("db", "describe", "foreign_holding_monthly", "--db", db)
    assert code == 2 and "foreign_holdings_monthly" in err


def test_repl_reads_statements_until_quit(db):
    code, out, err = run(
        "sql",
        "--db",
        db,
        stdin="SELECT 41 + 1\n  AS answer;\nDROP VIEW freshness;\n.describe debt_daily\n.quit\nSELECT 'never';\n",
    )
    assert code == 0
    assert "answer" in out and "42" in out
    assert "read-only" in err and "--write" in err  # the refused DROP does not end the session
    assert "public_share" in out
    assert "never" not in out


def test_every_command_is_registered_once():
    # Commands are registered explicitly in flows/cli/entry.py (no register() to call twice): one of each name.
    commands = [c.name for c in app.registered_commands]
    groups = [g.name for g in app.registered_groups]
    assert len(commands) == len(set(commands)) and len(groups) == len(set(groups))
    assert "sql" in commands and "db" in groups


def test_plain_cells():
    assert sql_output.table_cell(None) == "[dim]NULL[/dim]"
    assert sql_output.table_cell(0.1 + 0.2) == "0.3"
    assert sql_output.table_cell(31834878.4434023) == "31834878.443402"
    assert sql_output.table_cell(1e-9) == "1e-09"
    assert sql_output.table_cell("[x]") == "\\[x]"
    assert sql_output.json_value(float("nan")) is None


def test_missing_view_in_an_old_warehouse_says_how_to_update(db_copy):
    con = duckdb.connect(db_copy)
    con.execute("CREATE OR REPLACE MACRO warehouse_views_version() AS 'older'")
    con.execute("DROP VIEW freshness")
    con.close()
    code, _, err = run("sql", "SELECT * FROM freshness", "--db", db_copy)
    assert code == 2 and "older than this code" in err and "--write" in err
    assert run("sql", "SELECT 1", "--write", "--db", db_copy)[0] == 0  # a read-write open recreates the views
    code, out, _ = run("sql", "SELECT count(*) AS n FROM freshness", "-f", "csv", "--db", db_copy)
    assert (code, out) == (0, f"n\n{len(STALE_AFTER_DAYS)}\n")
