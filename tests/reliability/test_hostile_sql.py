"""Issue 15: `tshock sql` without --write reads the warehouse and nothing else; its output files are written
whole or not at all; `snapshot export` ships only payloads whose bytes still match ingest_log.

Each case runs `flows.cli.main()` in-process with `sys.argv` set (the real entry point's body, so an escaped
exception would show as a traceback) on a private copy of the offline warehouse and its raw zone.
"""

from __future__ import annotations

import errno
import hashlib
import json
import sys
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli import sql as cli_sql
from tests.reliability.helpers import copy_warehouse, fingerprint, one_clear_line


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    old = sys.argv
    sys.argv = ["tshock", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def warehouse(offline_warehouse, tmp_path_factory) -> Path:
    return copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("sql") / "data")


def raw_files(db: Path) -> dict[str, str]:
    raw = db.parent / "raw"
    return {str(p.relative_to(raw)): hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*") if p.is_file()}


# id: (statement, words of the error line). A payload path stands for the landing zone the issue overwrote.
ESCAPES = {
    "COPY over a landing-zone payload": ("COPY (SELECT 'x' AS a) TO '{payload}' (FORMAT csv)", ["{payload}"]),
    "COPY to a new file": ("COPY yield_curve TO '{tmp}/out.parquet'", ["{tmp}/out.parquet"]),
    "EXPORT DATABASE": ("EXPORT DATABASE '{tmp}/export'", ["{tmp}/export"]),
    "ATTACH another file": ("ATTACH '{tmp}/other.duckdb' AS other", ["{tmp}/other.duckdb"]),
    "INSTALL an extension": ("INSTALL httpfs", ["Permission Error"]),
    "LOAD an extension": ("LOAD httpfs", ["extensions is disabled"]),
    "SET external access back on": ("SET enable_external_access = true", ["configuration has been locked"]),
    "SET allowed_directories": ("SET allowed_directories = ['/']", ["configuration has been locked"]),
    "read_csv of /etc/passwd": ("SELECT * FROM read_csv('/etc/passwd')", ["/etc/passwd"]),
    "read_blob of /etc/passwd": ("SELECT * FROM read_blob('/etc/passwd')", ["/etc/passwd"]),
    "read_text of a payload": ("SELECT * FROM read_text('{payload}')", ["{payload}"]),
    "glob of /": ("SELECT * FROM glob('/*')", ["/*"]),
    "a read after a SELECT": ("SELECT 1; SELECT * FROM read_csv('/etc/hostname')", ["/etc/hostname"]),
}


@pytest.mark.parametrize("case", ESCAPES)
def test_read_only_sql_touches_no_file_but_the_warehouse(case, warehouse, tmp_path, capsys):
    payload = next(p for p in sorted((warehouse.parent / "raw").rglob("*")) if p.is_file())
    before, raw_before = fingerprint(warehouse), raw_files(warehouse)
    sql, words = ESCAPES[case]
    fill = {"payload": str(payload), "tmp": str(tmp_path)}
    code, out, err = run_main(["sql", sql.format(**fill), "--db", str(warehouse)], capsys)
    line = one_clear_line(err)
    assert code == 2, err
    assert out == ""
    assert "without --write reads only the warehouse" in line and "--write" in line
    for w in words:
        assert w.format(**fill) in line
    assert raw_files(warehouse) == raw_before, "a raw payload changed"
    assert fingerprint(warehouse) == before
    assert list(tmp_path.iterdir()) == []


def test_write_is_still_the_escape_hatch(warehouse, tmp_path, capsys):
    code, _, err = run_main(
        ["sql", f"COPY (SELECT 42 AS answer) TO '{tmp_path}/a.csv'", "--write", "--db", str(warehouse)], capsys
    )
    assert code == 0, err
    assert (tmp_path / "a.csv").read_text().split() == ["answer", "42"]


def test_reads_still_work_in_the_sandbox(warehouse, capsys):
    code, out, err = run_main(
        ["sql", "SELECT count(*) AS n FROM ingest_log", "-f", "csv", "--db", str(warehouse)], capsys
    )
    assert code == 0, err
    assert int(out.split()[1]) > 50


def test_a_column_named_like_markup_is_shown_as_written(warehouse, capsys):
    code, out, err = run_main(
        ["sql", 'SELECT 1 AS "[/]", \'[bold]x[/bold]\' AS "[red]"', "--db", str(warehouse)], capsys
    )
    assert code == 0, err
    assert "[/]" in out and "[red]" in out and "[bold]x[/bold]" in out


def test_max_rows_too_large_is_one_line(warehouse, capsys):
    code, out, err = run_main(["sql", "SELECT 1", "--max-rows", "99999999999999999999", "--db", str(warehouse)], capsys)
    assert code == 2 and out == ""
    assert "'--max-rows'" in one_clear_line(err) and "1000000" in err


@pytest.mark.parametrize("target", ["/proc/no/such/x.csv", "/proc/version", "{tmp}/" + "a" * 300 + ".csv"])
def test_unwritable_output_is_one_line(target, warehouse, tmp_path, capsys):
    target = target.format(tmp=tmp_path)
    code, out, err = run_main(["sql", "SELECT 1", "-o", target, "--db", str(warehouse)], capsys)
    line = one_clear_line(err)
    assert code == 2 and out == ""
    assert "--output" in line and len(line) < 300


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_a_full_disk_during_output_leaves_the_old_file_and_no_partial_one(
    fmt, warehouse, tmp_path, capsys, monkeypatch
):
    target = tmp_path / f"result.{fmt}"
    target.write_bytes(b"the previous result\n")

    def fail_midway(con, fh_or_path):
        if fmt == "parquet":
            Path(fh_or_path).write_bytes(b"PAR1 half")
        else:
            fh_or_path.write("half a result\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        cli_sql, {"csv": "write_csv", "json": "write_json", "parquet": "write_parquet"}[fmt], fail_midway
    )
    code, out, err = run_main(["sql", "SELECT * FROM yield_curve", "-o", str(target), "--db", str(warehouse)], capsys)
    line = one_clear_line(err)
    assert code == 2 and "the disk is full" in line
    assert target.read_bytes() == b"the previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_json_output_streams_and_is_valid(warehouse, tmp_path, capsys):
    """`-f json` no longer builds the whole result in memory (30M rows did): it streams batch by batch."""
    target = tmp_path / "r.json"
    code, _, err = run_main(
        ["sql", "SELECT range AS i FROM range(25003)", "-o", str(target), "--db", str(warehouse)], capsys
    )
    assert code == 0, err
    rows = json.loads(target.read_text())
    assert len(rows) == 25003 and rows[-1] == {"i": 25002}
    code, out, _ = run_main(["sql", "SELECT 1 AS a WHERE false", "-f", "json", "--db", str(warehouse)], capsys)
    assert json.loads(out) == []


def test_parquet_output_round_trips(warehouse, tmp_path, capsys):
    import pyarrow.parquet as pq

    target = tmp_path / "r.parquet"
    code, _, err = run_main(
        ["sql", "SELECT range AS i FROM range(250003)", "-o", str(target), "--db", str(warehouse)], capsys
    )
    assert code == 0, err
    assert pq.read_table(target).num_rows == 250003


def test_snapshot_export_refuses_a_tampered_payload_and_writes_nothing(warehouse, tmp_path, capsys):
    raw = next(p for p in sorted((warehouse.parent / "raw").rglob("*")) if p.is_file())
    original = raw.read_bytes()
    raw.write_bytes(original + b"tampered\n")
    try:
        code, out, err = run_main(["snapshot", "export", str(tmp_path / "snap"), "--db", str(warehouse)], capsys)
    finally:
        raw.write_bytes(original)
    line = one_clear_line(err)
    assert code == 1 and out == ""
    assert raw.name[:12] in line and "changed after it was loaded" in line
    assert not (tmp_path / "snap").exists()
    code, out, err = run_main(["snapshot", "export", str(tmp_path / "snap"), "--db", str(warehouse)], capsys)
    assert code == 0, err
    assert (tmp_path / "snap" / "EXPORT.md").exists()


def test_snapshot_export_to_an_empty_name_is_refused(warehouse, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["snapshot", "export", "", "--db", str(warehouse)], capsys)
    assert code == 2 and "snapshot export ''" in one_clear_line(err)
    assert list(tmp_path.iterdir()) == []
