"""The checks of the bad-input tests: every base table's fingerprint and every view's SQL (equal = unchanged), the
file state that says whether anything was written at all, and `refused`, the one-line-error check every case
ends with. The fixtures that use them (a private calibrated warehouse, scratch files, an in-process `tshock`) are
in this folder's conftest.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from tests.reliability.helpers import fingerprint

AS_OF = date(2026, 9, 30)  # the newest MSPD statement with CUSIP detail in the snapshot


def tables_and_views(db: Path) -> dict:
    """Every base table's fingerprint (record tables included) and every view's SQL: equal = unchanged."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    finally:
        con.close()
    return {"tables": fingerprint(db, tables), "views": views}


def file_state(db: Path) -> tuple:
    """Size and mtime of the file and its WAL: while they stay, no byte changed (DuckDB writes a WAL or the file)."""
    return tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None for p in (db, Path(f"{db}.wal")))


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
