"""Opening the warehouse: where the file is, migrations, and lock errors a person can act on."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# Where the file is, without DuckDB (the CLI's first output); imported from here everywhere else.
from warehouse.location import DEFAULT_DB, WarehouseError, check_path, db_path  # noqa: F401
from warehouse.records import RECORD_TABLES
from warehouse.schema import INGEST_LOG, TABLES, Table
from warehouse.transaction import transaction
from warehouse.views import create_views

SCHEMA_VERSION = 1


def data_dir(db: Path) -> Path:
    """Raw landing zone, quarantine and reports live beside the database file."""
    return db.resolve().parent


# A sandboxed reader sees the warehouse and nothing else: no COPY/EXPORT to files, no read_csv/read_blob/glob of
# other files, no ATTACH, no extension INSTALL/LOAD, and SET cannot undo it (issue 15: `tshock sql` without --write
# overwrote a landing-zone payload with COPY … TO and read /etc/passwd).
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def connect(
    path: str | os.PathLike | None = None, *, read_only: bool = False, sandbox: bool = False, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """sandbox=True (read-only only): the connection can read this database file and nothing else. `threads`: the
    database instance's worker threads from the start, migrations included (default: DuckDB's, one per core)."""
    p = db_path(path)
    if not read_only and _held:
        shared = _held.get(p.resolve())
        if shared is not None:  # opened, checked and migrated by `held` already
            return shared.cursor()
    check_path(p, read_only=read_only)
    if not read_only:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            why = "a file of that name is in the way" if isinstance(exc, FileExistsError) else exc.strerror
            raise WarehouseError(f"cannot create the data directory {p.parent}: {why}") from None
    try:
        con = duckdb.connect(str(p), read_only=read_only, config=dict(SANDBOX) if sandbox and read_only else {})
    except duckdb.Error as exc:  # IOException (locks, bad files) and the rest ("Corrupt database file")
        raise WarehouseError(explain_io_error(p, exc, read_only)) from None
    try:
        if threads is not None:
            # SET, not connect's config: DuckDB refuses a second connection to a file this process already has
            # open with another configuration (the CLI's own checks hold one while a refresh runs).
            con.execute(f"SET threads = {int(threads)}")
        check_not_truncated(con, p)
        if not read_only:
            migrate(con)
    except duckdb.Error as exc:
        con.close()
        # The first write needs the WAL beside the file: a read-only or full directory fails here, not above.
        if not (isinstance(exc, duckdb.IOException) or _STORAGE_TROUBLE.search(str(exc))):
            raise
        raise WarehouseError(explain_io_error(p, exc, read_only)) from None
    return con


# Writers held open by `held`, by resolved path.
_held: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def held(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write connection for a whole refresh: every read-write `connect` of the same file inside (any
    thread) gets a cursor on it, so the file is opened, checked and migrated once and checkpointed once at the
    end (issue 18: six opens, checks and closing checkpoints were most of a no-op refresh)."""
    # A refresh is hundreds of statements over a few MB: DuckDB's worker threads cost more CPU in hand-offs than
    # they save (issue 18, bench/ingest.py on 2 shared cores: refresh CPU 2.5 -> 2.2x DuckDB's read, wall no
    # worse). Set as the file is opened, so that creating a new warehouse's tables and views runs on one thread
    # too (0.24 -> 0.20 s of CPU). The setting is the database instance's and ends with this connection.
    con = connect(path, threads=1)
    key = db_path(path).resolve()
    _held[key] = con
    try:
        yield con
    finally:
        _held.pop(key, None)
        con.close()


_STORAGE_TROUBLE = re.compile(
    r"cannot open file|could not write|failed to commit|read-only|permission|"
    r"not permitted|no space left",
    re.IGNORECASE,
)


@contextmanager
def storage_errors(con: duckdb.DuckDBPyConnection):
    """DuckDB failing to write its file or WAL (disk full, read-only directory) becomes one WarehouseError
    line; any other DuckDB error (a bug) still raises as itself."""
    try:
        yield
    except duckdb.Error as exc:
        if not is_storage_trouble(exc):
            raise
        raise WarehouseError(explain_io_error(database_file(con), exc, False)) from None


def is_storage_trouble(exc: duckdb.Error) -> bool:
    """DuckDB could not write its file or WAL (as opposed to a bad statement)."""
    return isinstance(exc, duckdb.IOException) or bool(_STORAGE_TROUBLE.search(str(exc)))


def database_file(con: duckdb.DuckDBPyConnection) -> Path | str:
    try:
        return Path(
            con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
        )
    except (duckdb.Error, IndexError, TypeError):
        return "the warehouse"


def check_not_truncated(con: duckdb.DuckDBPyConnection, p: Path) -> None:
    """A file shorter than its own block count (a partial copy, a full disk) opens fine and fails on the first
    read of a missing block, mid-refresh or mid-query: refuse it at once instead."""
    if not p.is_file():
        return
    # used_blocks, not total_blocks: free blocks at the tail are legitimately cut off the file.
    block_size, blocks = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchall()[0]
    need, size = block_size * blocks, p.stat().st_size
    if size < need:
        con.close()
        raise WarehouseError(
            f"{p} is truncated ({size:,} bytes; its block table needs {need:,}): a partial copy "
            "or a full disk. Move it aside and run `tshock refresh` to rebuild it from the raw "
            "landing zone or a snapshot."
        )


# --- the read copy: readers and the writer do not block each other -------------------------------------------
#
# DuckDB lets one process write a file or any number read it, never both (issue 15: a notebook's read-only
# connection made a scheduled refresh fail at once, and a running refresh made every reader fail). After each
# successful write the pipeline publishes a copy beside the warehouse (`warehouse.read.duckdb`, ~27 MB) by an
# atomic rename: notebooks open the copy, and `tshock sql` reads it while a writer holds the warehouse. A reader
# of the copy keeps the file it opened when a newer copy is renamed over it, so no side ever waits.


def read_copy_path(path: str | os.PathLike | None = None) -> Path:
    p = db_path(path)
    return p.with_name(f"{p.stem}.read{p.suffix or '.duckdb'}")


def publish_read_copy(path: str | os.PathLike | None = None) -> Path:
    """Checkpoint the warehouse (its WAL merged into the file) and publish a byte copy as the read copy.
    Called by writers after a successful write; needs the write lock (this process may already hold it)."""
    import shutil

    p = db_path(path)
    target = read_copy_path(p)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    con = connect(p)
    try:
        with storage_errors(con):
            con.execute("CHECKPOINT")
        # The lock is ours and the WAL is empty: the file's bytes are the whole database, consistent.
        try:
            shutil.copyfile(p, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise WarehouseError(f"cannot publish the read copy {target}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        con.close()
    return target


def read_copy_is_current(path: str | os.PathLike | None = None) -> bool:
    """The copy was published after the warehouse file last changed, and no WAL holds later writes: it is the
    same data, and reading it takes no lock a writer would trip over."""
    p, copy = db_path(path), read_copy_path(path)
    try:
        return copy.stat().st_mtime_ns >= p.stat().st_mtime_ns and not Path(f"{p}.wal").exists()
    except OSError:
        return False


def connect_reader(
    path: str | os.PathLike | None = None, *, sandbox: bool = False
) -> tuple[duckdb.DuckDBPyConnection, Path | None]:
    """A read-only connection for a reader that must not block writers: the read copy when it is current,
    else the warehouse, else (a writer holds the warehouse) the copy as last published.
    Returns (connection, the copy's path when the copy was opened because a write is running)."""
    copy = read_copy_path(path)
    if read_copy_is_current(path):
        return connect(copy, read_only=True, sandbox=sandbox), None
    try:
        return connect(path, read_only=True, sandbox=sandbox), None
    except WarehouseError as exc:
        if "open for writing" not in str(exc) or not copy.is_file():
            raise
        return connect(copy, read_only=True, sandbox=sandbox), copy


@contextmanager
def reader(path=None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only session that never blocks a writer nor waits on one (connect_reader): what notebooks, the
    Python API and reports use."""
    con, _ = connect_reader(path)
    try:
        yield con
    finally:
        con.close()


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
    if re.search(r"\block\b", text, re.IGNORECASE):  # not "block" (checksum errors name blocks)
        # DuckDB fails at once (no waiting) and names the holder: "... is held in <program> (PID 123)."
        pid = re.search(r"\(PID (\d+)\)", text)
        holder = f" (held by process {pid.group(1)})" if pid else ""
        if read_only:
            return (
                f"{p} is locked: another process{holder} has it open for writing (a refresh, calibration or "
                "`tshock sql --write`), and readers cannot open it meanwhile. Wait for it to finish, then "
                f"try again (or read {read_copy_path(p).name}, published after each write)."
            )
        if "read-only mode" in text:  # the holder only reads: `tshock sql` or a report
            return (
                f"{p} is locked: another process{holder} has it open read-only (e.g. `tshock sql`), and a "
                "writer needs it to itself. Let that query finish (or stop it), then try again; notebooks "
                f"should open the read copy {read_copy_path(p).name} instead."
            )
        return (
            f"{p} is locked by another process{holder}: only one writer at a time (another refresh or "
            "calibration?). Wait for it to finish (or stop it), then try again."
        )
    if "not a valid" in text.lower() or "corrupt" in text.lower() or "magic" in text.lower():
        return (
            f"{p} is not a valid DuckDB database (corrupt or another kind of file). Move it aside and run "
            "`tshock refresh` to rebuild it from the raw landing zone or a snapshot."
        )
    if "no space left" in text.lower():
        return f"cannot write {p}: the disk is full ({first_line(exc)}). Free some space, then try again."
    if re.search(r"read-only|permission|not permitted", text, re.IGNORECASE):
        return f"cannot write {p}: the file or its directory is read-only ({first_line(exc)})"
    return f"cannot open {p}: {first_line(exc)}"


def ddl(table: Table) -> str:
    cols = [f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if table.key_constraint:
        cols.append(f"PRIMARY KEY ({', '.join(table.key)})")
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n  " + ",\n  ".join(cols) + "\n)"


def all_tables() -> list[Table]:
    return [*TABLES.values(), INGEST_LOG, *records_tables()]


def records_tables() -> list[Table]:
    return list(RECORD_TABLES.values())


def schema_fingerprint() -> str:
    """Hash of every table's DDL and comments: when it matches the stored one there is nothing to migrate."""
    import hashlib

    h = hashlib.sha256()
    for table in all_tables():
        h.update(ddl(table).encode())
        h.update(table.comment.encode())
        for c in table.columns:
            h.update(c.comment.encode())
    return h.hexdigest()


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and columns, then views; never drops anything. Idempotent, and one query when
    nothing changed: the stored schema fingerprint and the views' fingerprint macro are read together and
    compared with the code's (issue 18: checking every view and macro by name on each of a refresh's connects
    was most of a no-op refresh). A view dropped by hand behind a current fingerprint is recreated by
    `views.create_views(con, force=True)` or by the next change of the view SQL."""
    schema_fp, views_fp = code_fingerprints()
    try:
        schema_current, stored_views = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM schema_version WHERE version = ? AND fingerprint = ?), {VIEWS_MACRO}()",
            [SCHEMA_VERSION, schema_fp],
        ).fetchall()[0]
    except duckdb.Error:  # a new warehouse, or one from before the fingerprints
        schema_current, stored_views = False, None
    if not schema_current:
        # One transaction: hundreds of DDL and COMMENT statements each committing on their own took a second.
        with transaction(con):
            _migrate_tables(con, schema_fp)
    if stored_views == views_fp:
        return
    create_views(con)


VIEWS_MACRO = "warehouse_views_version"  # warehouse.views.VERSION_MACRO, without importing views at connect


@functools.cache
def code_fingerprints() -> tuple[str, str | None]:
    """(schema fingerprint, views fingerprint) of this code: computed once per process, not per connect."""
    from warehouse.views import fingerprint

    return schema_fingerprint(), fingerprint()


def _migrate_tables(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP DEFAULT now(), "
        "fingerprint VARCHAR)"
    )
    con.execute("ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS fingerprint VARCHAR")
    have: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main'"
    ).fetchall():
        have.setdefault(table, set()).add(column)
    # One script, not one round trip per statement: a new warehouse needs some 300 of them (issue 18).
    script = []
    for table in all_tables():
        script.append(ddl(table))
        if table.name in have:  # a table created by an older schema may lack newer columns
            script += [
                f"ALTER TABLE {table.name} ADD COLUMN {c.name} {c.type}"
                for c in table.columns
                if c.name not in have[table.name]
            ]
        script.append(f"COMMENT ON TABLE {table.name} IS {quote(table.comment)}")
        script += [f"COMMENT ON COLUMN {table.name}.{c.name} IS {quote(c.comment)}" for c in table.columns]
    script.append("CREATE SEQUENCE IF NOT EXISTS payload_seq START 1")
    con.execute(";\n".join(script))
    con.execute("INSERT INTO schema_version (version, fingerprint) VALUES (?, ?)", [SCHEMA_VERSION, fingerprint])


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
