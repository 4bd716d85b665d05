"""Opening the warehouse: where the file is, migrations, and lock errors a person can act on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.schema import INGEST_LOG, TABLES, Table

DEFAULT_DB = Path("data") / "warehouse.duckdb"
SCHEMA_VERSION = 1


class WarehouseError(RuntimeError):
    """A warehouse problem explained in one line (locked, corrupt, unwritable)."""


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db beats TSHOCK_DB beats data/warehouse.duckdb."""
    return Path(explicit or os.environ.get("TSHOCK_DB") or DEFAULT_DB)


def data_dir(db: Path) -> Path:
    """Raw landing zone, quarantine and reports live beside the database file."""
    return db.resolve().parent


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    p = db_path(path)
    if read_only and not p.exists():
        raise WarehouseError(f"no warehouse at {p}: run `tshock refresh` (or `tshock run`) first, or pass --db")
    if not read_only:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the data directory {p.parent}: {exc.strerror}") from None
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseError(explain_io_error(p, exc, read_only)) from None
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {p}: {first_line(exc)}") from None
    if not read_only:
        migrate(con)
    return con


@contextmanager
def session(path=None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def explain_io_error(p: Path, exc: Exception, read_only: bool) -> str:
    text = str(exc)
    if "lock" in text.lower():
        holder = ""
        if "PID" in text:
            holder = " (held by process " + text.split("PID", 1)[1].split()[0].strip(").,") + ")"
        if read_only:
            return (f"{p} is locked for writing by another process{holder}; readers cannot open it while a write "
                    "is running. Wait for the refresh to finish and try again.")
        return (f"{p} is locked by another process{holder}: only one writer at a time. Wait for it to finish "
                "(or stop it), then try again; read-only queries (`tshock sql`) also wait for writers.")
    if "not a valid" in text.lower() or "corrupt" in text.lower() or "magic" in text.lower():
        return (f"{p} is not a valid DuckDB database (corrupt or another kind of file). Move it aside and run "
                "`tshock refresh` to rebuild it from the raw landing zone or a snapshot.")
    if "read-only" in text.lower() or "permission" in text.lower():
        return f"cannot write {p}: the file or its directory is read-only ({first_line(exc)})"
    return f"cannot open {p}: {first_line(exc)}"


def ddl(table: Table) -> str:
    cols = ",\n  ".join(f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {cols},\n  PRIMARY KEY ({', '.join(table.key)})\n)"


def all_tables() -> list[Table]:
    return [*TABLES.values(), INGEST_LOG, *records_tables()]


def records_tables() -> list[Table]:
    try:
        from warehouse.records import RECORD_TABLES
    except ImportError:
        return []
    return list(RECORD_TABLES.values())


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and columns; never drops anything. Idempotent."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP DEFAULT now())")
    for table in all_tables():
        con.execute(ddl(table))
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table.name]).fetchall()}
        for c in table.columns:
            if c.name not in have:
                con.execute(f"ALTER TABLE {table.name} ADD COLUMN {c.name} {c.type}")
        con.execute(f"COMMENT ON TABLE {table.name} IS {quote(table.comment)}")
        for c in table.columns:
            con.execute(f"COMMENT ON COLUMN {table.name}.{c.name} IS {quote(c.comment)}")
    con.execute("CREATE SEQUENCE IF NOT EXISTS payload_seq START 1")
    if not con.execute("SELECT 1 FROM schema_version WHERE version = ?", [SCHEMA_VERSION]).fetchall():
        con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])
    try:
        from warehouse.views import create_views
    except ImportError:
        return
    create_views(con)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
