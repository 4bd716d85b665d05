"""The data dictionary: comments on every view and column, read back from the database as one catalog.

The comments themselves are written by `warehouse.views.apply_comments` when the views are created (base tables
get theirs from schema.py in migrate), so this module imports nothing that imports it back. `catalog` reads every table, view and macro with its comments from the database;
`tshock db describe` prints it and `render_markdown` turns it into docs/warehouse.md.

    uv run python -m warehouse.dictionary [--db PATH]          # regenerate docs/warehouse.md
    uv run python -m warehouse.dictionary --check [--db PATH]  # exit 1 if it is out of date or a comment is missing

Without --db the dictionary is built from an empty in-memory warehouse (same DDL, same views), which gives the
same text as a loaded one: nothing data-dependent goes into the document.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DOC_PATH = REPO / "docs" / "warehouse.md"


@dataclass
class Column:
    name: str
    type: str
    comment: str | None


@dataclass
class DbObject:
    kind: str  # table | view | macro
    name: str
    comment: str | None
    columns: list[Column] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    key_by_loader: bool = False  # no PRIMARY KEY: the loader keeps the key unique (schema.Table.key_constraint)
    parameters: list[str] = field(default_factory=list)

    @property
    def group(self) -> str:
        if self.kind == "table":
            return "Base tables"
        if self.kind == "view":
            return "Staging views" if self.name.startswith("stg_") else "Analysis views"
        return "Macros"

    @property
    def title(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})" if self.kind == "macro" else self.name


GROUPS = ("Base tables", "Staging views", "Analysis views", "Macros")


def catalog(con: duckdb.DuckDBPyConnection) -> list[DbObject]:
    """Every user table, view and macro in the main schema with comments and columns, sorted by name."""
    objects: list[DbObject] = []
    cols: dict[str, list[Column]] = {}
    for table, name, type_, comment in con.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
    ).fetchall():
        cols.setdefault(table, []).append(Column(name, type_, comment or None))
    keys = {
        t: list(c)
        for t, c in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'main' AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    from warehouse.schema import TABLES

    for name, comment in con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal AND NOT temporary"
    ).fetchall():
        obj = DbObject("table", name, comment or None, cols.get(name, []), keys.get(name, []))
        if not obj.key and name in TABLES and not TABLES[name].key_constraint:
            obj.key, obj.key_by_loader = list(TABLES[name].key), True
        objects.append(obj)
    for name, comment in con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal AND NOT temporary"
    ).fetchall():
        objects.append(DbObject("view", name, comment or None, cols.get(name, [])))
    for name, ftype, comment, params in con.execute(
        "SELECT function_name, function_type, comment, parameters FROM duckdb_functions() "
        "WHERE schema_name = 'main' AND NOT internal AND function_type IN ('macro', 'table_macro')"
    ).fetchall():
        obj = DbObject("macro", name, comment or None, parameters=list(params))
        if ftype == "table_macro":
            nulls = ", ".join("NULL" for _ in params)
            try:
                desc = con.execute(f"DESCRIBE SELECT * FROM {name}({nulls})").fetchall()
                obj.columns = [Column(r[0], r[1], None) for r in desc]
            except duckdb.Error:
                pass  # a macro whose output cannot be described with NULL arguments: list it without columns
        objects.append(obj)
    return sorted(objects, key=lambda o: (GROUPS.index(o.group), o.name))


def missing_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table, view, macro or table/view column without a comment, as 'name' or 'name.column'."""
    missing = []
    for obj in catalog(con):
        if not obj.comment:
            missing.append(obj.name)
        if obj.kind != "macro":
            missing.extend(f"{obj.name}.{c.name}" for c in obj.columns if not c.comment)
    return missing


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(con: duckdb.DuckDBPyConnection) -> str:
    objects = catalog(con)
    out = [
        "# Warehouse data dictionary",
        "",
        "Generated from the database by `uv run python -m warehouse.dictionary`; do not edit by hand.",
        "CI fails when it is out of date (`uv run python -m warehouse.dictionary --check --db <warehouse>`).",
        "The same text is in the database (`COMMENT ON`) and in a terminal: `tshock db describe [NAME]`.",
        "Worked examples: [queries.md](queries.md).",
        "",
        "Conventions: money in `_usd_bn` columns is $ billions; `_pct` is percent; `_bp` basis points;",
        "`share`/`share_of_*` are fractions (0.25 = 25%). Staging views (`stg_*`) only rename, cast and",
        "convert units; analysis views build on them. `*_current` views hold the latest vintage and",
        '`*_as_of(d)` macros answer "as known on date d".',
        "",
    ]
    for group in GROUPS:
        members = [o for o in objects if o.group == group]
        if members:
            names = ", ".join(f"[`{o.name}`](#{o.name})" for o in members)
            out.append(f"- **{group}** ({len(members)}): {names}")
    for group in GROUPS:
        members = [o for o in objects if o.group == group]
        if not members:
            continue
        out += ["", f"## {group}"]
        for o in members:
            out += ["", f"### {o.name}", ""]
            if o.kind == "macro":
                out += [f"`{o.title}`", ""]
            out.append(_cell(o.comment) or "_(no comment)_")
            if o.key:
                by_loader = " (kept unique by the loader, not by a PRIMARY KEY index)" if o.key_by_loader else ""
                out += ["", "Key: " + ", ".join(f"`{k}`" for k in o.key) + by_loader]
            if o.kind == "macro":
                if o.columns:
                    out += ["", "Returns: " + ", ".join(f"`{c.name}` {c.type}" for c in o.columns)]
                continue
            out += ["", "| column | type | comment |", "|---|---|---|"]
            out += [f"| `{c.name}` | {c.type} | {_cell(c.comment)} |" for c in o.columns]
    return "\n".join(out) + "\n"


def schema_only_connection() -> duckdb.DuckDBPyConnection:
    """An empty in-memory warehouse with every table, view and comment, for docs without data."""
    from warehouse.db import migrate

    con = duckdb.connect(":memory:")
    migrate(con)
    return con


def open_for_docs(db: str | None) -> duckdb.DuckDBPyConnection:
    if db is None:
        return schema_only_connection()
    from warehouse.db import connect

    return connect(db, read_only=True)


def check(con: duckdb.DuckDBPyConnection, doc_path: Path = DOC_PATH) -> list[str]:
    """Problems that should fail CI: missing comments, or a committed dictionary that differs from the database."""
    problems = [f"no comment on {name}" for name in missing_comments(con)]
    want = render_markdown(con)
    have = doc_path.read_text(encoding="utf-8") if doc_path.exists() else ""
    if want != have:
        diff = list(
            difflib.unified_diff(have.splitlines(), want.splitlines(), str(doc_path), "database", lineterm="", n=1)
        )
        shown = "\n".join(diff[:40]) + ("\n…" if len(diff) > 40 else "")
        problems.append(f"{doc_path} is out of date; regenerate with `uv run python -m warehouse.dictionary`:\n{shown}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.dictionary", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="warehouse file to read (read-only); default: an empty in-memory warehouse")
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is stale or a comment is missing")
    parser.add_argument("--output", default=str(DOC_PATH), help=f"document path (default {DOC_PATH})")
    args = parser.parse_args(argv)
    from warehouse.db import WarehouseError

    try:
        con = open_for_docs(args.db)
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.check:
            problems = check(con, Path(args.output))
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                return 1
            print(f"{args.output} is up to date; every table, view and column has a comment")
            return 0
        missing = missing_comments(con)
        Path(args.output).write_text(render_markdown(con), encoding="utf-8")
        print(f"wrote {args.output}")
        if missing:
            print("no comment on: " + ", ".join(missing), file=sys.stderr)
            return 1
        return 0
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
