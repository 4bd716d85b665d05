"""`tshock sql` (ad-hoc SQL on the warehouse, read-only unless --write) and `tshock db describe` (the dictionary).

Registered by flows/cli/entry.py. Errors are one line (flows/cli/errors.py): exit 2 for bad queries, refused
writes and bad options; exit 1 for locked, missing or corrupt warehouse files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from flows.cli.console import console, err, plain_table, starting
from flows.cli.errors import UserError, short
from flows.cli.options import DbOption, resolve_db
from flows.cli.sql_output import (
    columns_of,
    first_line,
    table_cell,
    write_atomically,
    write_csv,
    write_json,
    write_parquet,
)

if TYPE_CHECKING:  # duckdb is imported by the commands that open the warehouse, not by `tshock --help`
    import duckdb

FORMATS = ("table", "csv", "json", "parquet")
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".txt": "table"}
READ_ONLY_MARK = "read-only mode"
SANDBOX_MARK = re.compile(r"configuration has been locked|disabled (by|through) configuration")
MAX_ROWS = 1_000_000  # rows a --format table may show; more belong in --output FILE

db_app = typer.Typer(no_args_is_help=True, help="Inspect the warehouse: tables, views, macros and their comments.")


def open_warehouse(db: str | None, write: bool) -> duckdb.DuckDBPyConnection:
    from warehouse.db import WarehouseError, connect, connect_reader

    path = Path(resolve_db(db))
    if not path.exists():
        # Never create an empty warehouse as a side effect of a query, even with --write.
        raise WarehouseError(f"no warehouse at {path}: run `tshock refresh` (or `tshock run`) first, or pass --db")
    if write:
        return connect(path)
    # Read-only means read-only: the sandbox refuses COPY/EXPORT/ATTACH/INSTALL/LOAD, SET, and any file but this one.
    # While a writer holds the warehouse, the read copy it published after its last write is read instead.
    con, copy = connect_reader(path, sandbox=True)
    if copy is not None:
        stamp = dt.datetime.fromtimestamp(copy.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        err.print(
            f"note: a write is running on {path}; reading its read copy {copy.name} (published {stamp})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return con


def explain_sql_error(exc: duckdb.Error, statement: str, path: str) -> UserError:
    import duckdb

    text = str(exc).strip()
    if isinstance(exc, duckdb.PermissionException) or SANDBOX_MARK.search(text):
        return UserError(
            f"{first_line(text)}: `tshock sql` without --write reads only the warehouse {path} "
            "(no COPY/EXPORT/ATTACH/INSTALL/LOAD/SET, no other files). Save results with --output "
            "FILE; use --write for anything else."
        )
    if READ_ONLY_MARK in text:
        kind = text.split('type "', 1)[1].split('"', 1)[0] if 'type "' in text else statement.split()[0].upper()
        return UserError(
            f"{kind} would change the warehouse, and `tshock sql` opens {path} read-only. "
            "Re-run with --write to allow it (needs the write lock: no refresh may be running)."
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    msg = lines[0] if lines else type(exc).__name__
    hint = next((ln for ln in lines[1:] if ln.startswith("Did you mean")), None)
    return UserError(f"{msg} {hint}" if hint else msg)


def run_statements(con: duckdb.DuckDBPyConnection, query: str, path: str) -> duckdb.DuckDBPyConnection:
    """Execute every statement; the connection is left holding the last one's result."""
    import duckdb

    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise explain_sql_error(exc, query, path) from None
    if not statements:
        raise UserError('empty query: give a SQL statement, e.g. tshock sql "FROM freshness"')
    for st in statements:
        try:
            con.execute(st.query)
        except duckdb.CatalogException as exc:
            error = explain_sql_error(exc, st.query.strip(), path)
            if views_out_of_date(con):
                error = UserError(
                    f"{error} (the views in {path} are older than this code: any read-write open "
                    'updates them, e.g. `tshock refresh` or `tshock sql --write "CHECKPOINT"`)'
                )
            raise error from None
        except duckdb.Error as exc:
            raise explain_sql_error(exc, st.query.strip(), path) from None
    return con


def views_out_of_date(con: duckdb.DuckDBPyConnection) -> bool:
    from warehouse import views

    try:
        return views.stored_fingerprint(con) != views.fingerprint()
    except Exception:  # a broken SQL file must not hide the user's own error
        return False


def resolve_format(fmt: str | None, output: str | None) -> str:
    try:
        return _resolve_format(fmt, output)
    except OSError as exc:  # a name too long for the file system, say
        raise UserError(f"--output {short(output)}: {exc.strerror or exc}") from None


def _resolve_format(fmt: str | None, output: str | None) -> str:
    if fmt is None:
        fmt = SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table") if output else "table"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    if fmt == "parquet" and not output:
        raise UserError("--format parquet writes a binary file: give --output FILE.parquet")
    if output and not Path(output).parent.exists():
        raise UserError(f"--output {output}: directory {Path(output).parent} does not exist")
    if output and Path(output).is_dir():
        raise UserError(f"--output {output}: is a directory; give a file name, e.g. {Path(output) / 'result.csv'}")
    if output is not None and not output.strip():
        raise UserError("--output '': give a file name")
    if output and not os.access(Path(output).parent, os.W_OK):
        raise UserError(f"--output {output}: directory {Path(output).parent} is not writable")
    return fmt


def render_table(con: duckdb.DuckDBPyConnection, out=None, max_rows: int = 100) -> int:
    cols = columns_of(con)
    rows = con.fetchmany(max_rows + 1)
    more = len(rows) > max_rows
    rows = rows[:max_rows]
    table = plain_table()
    numeric = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "HUGEINT", "REAL")
    for name, type_ in cols:
        table.add_column(
            escape(name), justify="right" if type_.upper().startswith(numeric) else "left", overflow="fold"
        )
    for row in rows:
        table.add_row(*(table_cell(v) for v in row))
    target = out or console
    target.print(table)
    if more:
        err.print(
            f"… showing the first {max_rows} rows; use --max-rows N, --format csv or --output FILE for all",
            highlight=False,
        )
    else:
        err.print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", highlight=False)
    return len(rows)


def emit(con: duckdb.DuckDBPyConnection, fmt: str, output: str | None, max_rows: int) -> None:
    if con.description is None:
        err.print("ok (the statement returned no rows)", highlight=False)
        return
    if fmt == "table" and not output:
        render_table(con, max_rows=max_rows)
        return
    if output is None:
        _ = write_csv(con, sys.stdout) if fmt == "csv" else write_json(con, sys.stdout)
        sys.stdout.flush()
        return

    def write_text(tmp: Path) -> int:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            if fmt == "table":
                from rich.console import Console

                return render_table(con, out=Console(file=fh, width=200, color_system=None), max_rows=max_rows)
            return write_csv(con, fh) if fmt == "csv" else write_json(con, fh)

    n = write_atomically(output, (lambda tmp: write_parquet(con, str(tmp))) if fmt == "parquet" else write_text)
    err.print(f"wrote {n} rows to {output}", highlight=False)


def sql(
    query: Annotated[
        str | None,
        typer.Argument(
            help="SQL to run (several statements: the last one's result is shown). Omit for an interactive shell."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="table | csv | json | parquet (default: from --output's extension, else table)"
        ),
    ] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the result to this file")] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write", help="Open read-write so INSERT/CREATE/… may change the warehouse (takes the write lock)"
        ),
    ] = False,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, max=MAX_ROWS, help="Rows shown by --format table")
    ] = 100,
    db: DbOption = None,
):
    """Query the warehouse with SQL. Read-only unless --write. Views and comments: `tshock db describe`."""
    if query is None:
        repl(db, write)
        return
    fmt = resolve_format(fmt, output)
    con = None
    try:
        with starting(f"running the query on {resolve_db(db)}"):  # erased before the first row is shown
            con = open_warehouse(db, write)
            run_statements(con, query, resolve_db(db))
        emit(con, fmt, output, max_rows)
    finally:
        if con is not None:
            con.close()
    if write:
        from warehouse.db import publish_read_copy

        publish_read_copy(resolve_db(db))  # readers of the copy see what --write changed


REPL_HELP = (
    "End statements with ';'. Commands: .tables (list tables and views), .describe NAME, .help, .quit. "
    "Output is shown as a table (first 100 rows)."
)


def repl(db: str | None, write: bool) -> None:
    path = resolve_db(db)
    con = open_warehouse(db, write)  # also proves the file is there and not locked, with our error message
    duck = shutil.which("duckdb")
    if duck and sys.stdin.isatty():
        con.close()
        # -safe: the duckdb shell's own sandbox (no external access, no .shell/.output/.read), as `tshock sql`
        code = subprocess.call([duck, *([] if write else ["-readonly", "-safe"]), path])
        raise SystemExit(code)
    interactive = sys.stdin.isatty()
    if interactive:
        mode = "read-write" if write else "read-only"
        err.print(
            f"tshock sql: {path} ({mode}; a refresh cannot write while this shell is open). {REPL_HELP}",
            highlight=False,
        )
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input("tshock> " if not buffer else "   ...> ") if interactive else input()
            except EOFError:
                break
            s = line.strip()
            if not buffer and s.startswith("."):
                if not repl_command(con, s):
                    break
                continue
            if not s and not buffer:
                continue
            buffer.append(line)
            if s.endswith(";"):
                repl_run(con, "\n".join(buffer), path)
                buffer = []
        if any(b.strip() for b in buffer):
            repl_run(con, "\n".join(buffer), path)
    finally:
        con.close()


def repl_run(con: duckdb.DuckDBPyConnection, query: str, path: str) -> None:
    try:
        run_statements(con, query, path)
        emit(con, "table", None, 100)
    except UserError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)


def repl_command(con: duckdb.DuckDBPyConnection, command: str) -> bool:
    """Handle a dot command; False means quit."""
    word, _, arg = command.partition(" ")
    if word in (".quit", ".exit", ".q"):
        return False
    if word == ".tables":
        print_catalog(con)
    elif word == ".describe" and arg.strip():
        try:
            print_object(con, arg.strip())
        except UserError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
    else:
        err.print(REPL_HELP, highlight=False)
    return True


def find_object(objects, name: str):
    wanted = name.strip().lower()
    for o in objects:
        if o.name.lower() == wanted:
            return o
    close = difflib.get_close_matches(wanted, [o.name for o in objects], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UserError(f"no table, view or macro named {name!r}{hint} (`tshock db describe` lists them all)")


def print_catalog(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.dictionary import GROUPS, catalog

    objects = catalog(con)
    for group in GROUPS:
        members = [o for o in objects if o.group == group]
        if not members:
            continue
        table = Table(title=group, title_justify="left", box=box.SIMPLE, show_edge=False, header_style="bold")
        table.add_column("name", style="cyan", no_wrap=True)
        table.add_column("comment", overflow="fold")
        for o in members:
            table.add_row(o.title, o.comment.replace("[", "\\[") if o.comment else "[red]no comment[/red]")
        console.print(table)


def print_object(con: duckdb.DuckDBPyConnection, name: str) -> None:
    from warehouse.dictionary import catalog

    o = find_object(catalog(con), name)
    console.print(f"[bold cyan]{o.title}[/bold cyan]  ({o.group.lower().rstrip('s')})", highlight=False)
    console.print(o.comment or "[red]no comment[/red]", markup=False, highlight=False)
    if o.key:
        by_loader = " (kept unique by the loader, not by a PRIMARY KEY index)" if o.key_by_loader else ""
        console.print("key: " + ", ".join(o.key) + by_loader, highlight=False)
    if not o.columns:
        return
    table = Table(box=box.SIMPLE, show_edge=False, header_style="bold")
    table.add_column("column", style="cyan", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("comment", overflow="fold")
    for c in o.columns:
        comment = (
            c.comment.replace("[", "\\[")
            if c.comment
            else ("[dim]see the view of the same columns[/dim]" if o.kind == "macro" else "[red]no comment[/red]")
        )
        table.add_row(c.name, c.type, comment)
    console.print(table)


@db_app.command("describe")
def describe(
    name: Annotated[str | None, typer.Argument(help="Table, view or macro; omit to list everything")] = None,
    db: DbOption = None,
):
    """Print the data dictionary: every table, view and macro, or one of them with its columns."""
    with starting(f"reading the dictionary of {resolve_db(db)}"):
        con = open_warehouse(db, write=False)
    try:
        if name is None:
            print_catalog(con)
        else:
            print_object(con, name)
    finally:
        con.close()
