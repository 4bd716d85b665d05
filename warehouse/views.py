"""Staging and analysis views (and as-of table macros) over the base tables.

The SQL lives in `warehouse/sql/*.sql`, run in file-name order. Staging views (`stg_*`) only rename, cast and
change units; analysis views build on them, never on base tables (dbt jaffle_shop style). Each object carries
its data-dictionary entry in the comment lines right above its CREATE statement:

    -- @view name: what the view is (units, frequency, source, caveats)
    --   continuation lines extend the entry above them
    -- @col column: what the column holds
    -- @from base_table      (staging only: unlisted columns inherit the base table's column comment)
    -- @macro name(args): for CREATE MACRO … AS TABLE

`create_views` runs on every read-write connect (warehouse.db.migrate), so it is idempotent and skips all work
when the stored fingerprint already matches the SQL and comments in this checkout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from warehouse.freshness import STALE_AFTER_DAYS
from warehouse.schema import INGEST_LOG, TABLES
from warehouse.transaction import transaction

SQL_DIR = Path(__file__).with_name("sql")
VERSION_MACRO = "warehouse_views_version"

# FRED carries series of every frequency; a quarterly series is not stale after the daily allowance.
# Days from the observation date until the next observation is normally published, plus slack.
FRED_STALE_AFTER_DAYS: dict[str, int] = {
    "daily": STALE_AFTER_DAYS["fred"],
    "weekly": 14,
    "monthly": 80,  # CPI for June (dated 06-01) appears mid-July; July's by mid-August
    "quarterly": 225,  # GDP Q2 (dated 04-01) appears end-July; Q3 by end-October
    "annual": 540,  # fiscal-year budget totals arrive with the President's budget, ~5 months after FY end
}

_ENTRY = re.compile(r"^--\s*@(view|macro|col|from)\s+([A-Za-z_]\w*)(?:\([^)]*\))?\s*(?::\s*(.*))?$")


@dataclass
class ViewDef:
    kind: str  # "view" | "macro"
    name: str
    sql: str
    file: str
    comment: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    inherits: str | None = None


def _values(pairs: dict[str, int]) -> str:
    return ", ".join(f"('{k}', {int(v)})" for k, v in sorted(pairs.items()))


def render(text: str) -> str:
    """Fill the placeholders the SQL files use for settings owned by Python modules."""
    return text.replace("{{source_stale_after}}", _values(STALE_AFTER_DAYS)).replace(
        "{{fred_stale_after}}", _values(FRED_STALE_AFTER_DAYS)
    )


def parse(text: str, file: str = "<sql>") -> list[ViewDef]:
    """Split a SQL file into CREATE statements with the @-annotations in the comment lines above each.

    A statement ends at a SQL line (not a comment line) ending in ';'.
    """
    defs: list[ViewDef] = []
    chunk: list[str] = []
    for line in text.splitlines():
        chunk.append(line)
        s = line.strip()
        if s.endswith(";") and not s.startswith("--"):
            d = _parse_chunk("\n".join(chunk), file)
            if d is not None:
                defs.append(d)
            chunk = []
    if any(ln.strip() and not ln.strip().startswith("--") for ln in chunk):
        raise ValueError(f"{file}: SQL after the last ';' (every statement must end with ';' at a line end)")
    return defs


def _parse_chunk(chunk: str, file: str) -> ViewDef | None:
    header: list[str] = []
    body_started = False
    for line in chunk.splitlines():
        s = line.strip()
        if not body_started and (s.startswith("--") or not s):
            header.append(s)
        elif s:
            body_started = True
    if not body_started:
        return None
    kind = name = None
    comment = ""
    columns: dict[str, str] = {}
    inherits = None
    current: list | None = None  # [target kind, name] of the entry that continuation lines extend
    for s in header:
        if not s:
            current = None
            continue
        m = _ENTRY.match(s)
        if m:
            tag, ident, text = m.group(1), m.group(2), (m.group(3) or "").strip()
            if tag in ("view", "macro"):
                kind, name, comment = tag, ident, text
                current = ["obj", ident]
            elif tag == "col":
                columns[ident] = text
                current = ["col", ident]
            else:
                inherits = ident
                current = None
            continue
        if current is not None:
            extra = s.lstrip("-").strip()
            if current[0] == "obj":
                comment = f"{comment} {extra}".strip()
            else:
                columns[current[1]] = f"{columns[current[1]]} {extra}".strip()
    if kind is None:
        raise ValueError(
            f"{file}: a statement has no '-- @view name: comment' or '-- @macro' header:\n{chunk.strip()[:200]}"
        )
    if not comment:
        raise ValueError(f"{file}: {name} has an empty comment")
    return ViewDef(kind, name, chunk.strip(), file, comment, columns, inherits)


@lru_cache(maxsize=1)
def load_definitions() -> tuple[ViewDef, ...]:
    defs: list[ViewDef] = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        defs.extend(parse(render(path.read_text(encoding="utf-8")), path.name))
    names = [d.name for d in defs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"warehouse/sql defines {sorted(dup)} more than once")
    return tuple(defs)


def inherited_comment(table: str, column: str) -> str | None:
    spec = TABLES.get(table) or (INGEST_LOG if table == INGEST_LOG.name else None)
    if spec is None:
        return None
    for c in spec.columns:
        if c.name == column:
            return c.comment
    return None


def fingerprint(defs=None) -> str:
    """Changes whenever any view SQL, annotation or inherited base-table comment changes."""
    defs = load_definitions() if defs is None else defs
    base = {t.name: [c.comment for c in t.columns] for t in [*TABLES.values(), INGEST_LOG]}
    payload = json.dumps(
        [[d.kind, d.name, d.sql, d.comment, d.columns, d.inherits] for d in defs] + [base], sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        return con.execute(f"SELECT {VERSION_MACRO}()").fetchone()[0]
    except duckdb.Error:
        return None


def _all_present(con: duckdb.DuckDBPyConnection, defs) -> bool:
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    macros = {
        r[0]
        for r in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE NOT internal AND function_type = 'table_macro'"
        ).fetchall()
    }
    return all(d.name in (views if d.kind == "view" else macros) for d in defs)


def create_views(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> bool:
    """Create or replace every view and macro and their comments; returns False when already current."""
    defs = load_definitions()
    fp = fingerprint(defs)
    if not force and stored_fingerprint(con) == fp and _all_present(con, defs):
        return False
    try:
        with transaction(con):
            # One script, not one round trip per view (issue 18); a failure is located below.
            con.execute(";\n".join([*(d.sql for d in defs), f"CREATE OR REPLACE MACRO {VERSION_MACRO}() AS '{fp}'"]))
            apply_comments(con, defs)
    except duckdb.Error:
        _name_failing_view(con, defs)
        raise
    return True


def _name_failing_view(con: duckdb.DuckDBPyConnection, defs) -> None:
    """Replay the views one by one in a transaction that is rolled back, to raise naming the one that fails."""
    with contextlib.suppress(_AllCreated), transaction(con):
        for d in defs:
            try:
                con.execute(d.sql)
            except duckdb.Error as exc:
                raise RuntimeError(
                    f"warehouse/sql/{d.file}: creating {d.name} failed: {str(exc).strip().splitlines()[0]}"
                ) from exc
        raise _AllCreated


class _AllCreated(Exception):
    """Every view replayed fine (the failure was in the comments): the replay is rolled back all the same."""


def view_names(kind: str = "view") -> list[str]:
    return [d.name for d in load_definitions() if d.kind == kind]


# --- comments: the data dictionary lives in the database (docs/warehouse.md is rendered from it) ---------------

# Tables created by db.migrate outside schema.py; commented here so no table is left without one.
EXTRA_TABLE_COMMENTS = {
    "schema_version": (
        "Warehouse schema versions applied by migrations (warehouse/db.py), one row per migration.",
        {
            "version": "Schema version number (warehouse.db.SCHEMA_VERSION)",
            "applied_at": "When the version was first applied (local time of the machine that migrated)",
            "fingerprint": "Hash of every table's DDL and comments at that migration; connect skips migrating when "
            "it matches the code",
        },
    ),
}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _column_comment(defs_by_name: dict, view: str, column: str, depth: int = 0) -> str | None:
    d = defs_by_name.get(view)
    if d is None:
        return inherited_comment(view, column)
    if column in d.columns:
        return d.columns[column]
    if d.inherits and depth < 10:
        return _column_comment(defs_by_name, d.inherits, column, depth + 1)
    return None


def apply_comments(con: duckdb.DuckDBPyConnection, defs) -> None:
    """COMMENT ON every view, view column and macro in defs; a @col naming no real column is an error."""
    by_name = {d.name: d for d in defs}
    # Every view's columns in one catalog query, and the COMMENT statements sent as one batch: one round trip
    # per view column was most of creating the views on a new warehouse (issue 18).
    columns: dict[str, list[str]] = {}
    for table, col in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall():
        columns.setdefault(table, []).append(col)
    statements = []
    for d in defs:
        if d.kind == "macro":
            statements.append(f"COMMENT ON MACRO TABLE {d.name} IS {quote(d.comment)}")
            continue
        statements.append(f"COMMENT ON VIEW {d.name} IS {quote(d.comment)}")
        actual = columns.get(d.name, [])
        unknown = sorted(set(d.columns) - set(actual))
        if unknown:
            raise ValueError(f"warehouse/sql/{d.file}: {d.name} documents columns it does not have: {unknown}")
        for col in actual:
            text = _column_comment(by_name, d.name, col)
            if text:
                statements.append(f'COMMENT ON COLUMN {d.name}."{col}" IS {quote(text)}')
    if statements:
        con.execute(";\n".join(statements))
    con.execute(
        f"COMMENT ON MACRO {VERSION_MACRO} IS "
        + quote(
            "Fingerprint of the view SQL and comments last applied; create_views skips work when it matches the code."
        )
    )
    for table, (comment, columns) in EXTRA_TABLE_COMMENTS.items():
        if con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall():
            con.execute(f"COMMENT ON TABLE {table} IS {quote(comment)}")
            for col, text in columns.items():
                con.execute(f"COMMENT ON COLUMN {table}.{col} IS {quote(text)}")
