"""A new Prefect home's database, made before the server's lifespan: from the schema shipped for the locked Prefect
version, else by Prefect's migrations on a plain sqlite3 connection.

A server on a fresh Prefect home (no database, no template in the tshock cache: the first run on a machine) would
run Prefect's ~115 Alembic migrations in its lifespan through aiosqlite, where each of Alembic's ~34,000 calls
(batch mode reflects and copies tables) is a round trip to the driver's thread: 5-8 s on 2 cores (issue 18).
The server's factory (flows/pipeline/server_child.py) makes the database first, and Prefect's lifespan then finds
it at the head revision, as with a template copy:
- for the Prefect version uv.lock pins, from `prefect_schema/prefect-<version>.sql` (~20 ms): the SQL text of
  the database these migrations make, written by `uv run python -m flows.pipeline.prefect_migrate` and checked
  against Prefect's own migrations by tests/flows/test_prefect_migrate.py, so a Prefect upgrade without a new
  file fails the tests (and at run time simply takes the path below);
- for any other version, by the same migration scripts, with the settings Prefect's own `env.py` gives them
  (batch mode, a transaction per migration, `BEGIN IMMEDIATE`, foreign keys off, Prefect's connection PRAGMAs),
  on a synchronous engine: ~2.5-3 s of CPU instead of ~6 s with the waiting.

The database is built under a temporary name and linked into place only if none appeared meanwhile: Prefect
never sees half a database. Any failure leaves no file behind (a killed server's partial file is removed by the
next one), and Prefect migrates the home itself, as it always did (the reason is one line in the server's output).
A separate process overlapping the server's imports was tried: on 2 busy cores it was slower, as both import
Prefect's database modules (docs/performance.md).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

SCHEMAS = Path(__file__).with_name("prefect_schema")
SQLITE_FILES = ("", "-wal", "-shm", "-journal")  # a database and the files SQLite keeps beside it


def shipped_schema() -> Path:
    """The SQL of Prefect's migrated database for the installed Prefect version (it may not exist)."""
    from importlib.metadata import version

    return SCHEMAS / f"prefect-{version('prefect')}.sql"


def migrate(db: Path) -> bool:
    """Create `db` at Prefect's head revision. False, and no file, when it exists already; raises on failure."""
    if db.exists():
        return False
    _discard_abandoned(db)
    partial = db.with_name(f".{db.name}.{os.getpid()}.migrating")
    try:
        if (schema := shipped_schema()).is_file():
            _execute(partial, schema.read_text(encoding="utf-8"))
        else:
            _upgrade(partial)
        for suffix in SQLITE_FILES[1:]:
            if Path(f"{partial}{suffix}").exists():
                raise RuntimeError(f"{partial}{suffix} was left after the engine closed")
        os.link(partial, db)  # fails if another process made the database meanwhile: theirs stays
        return True
    except FileExistsError:
        return False
    finally:
        for suffix in SQLITE_FILES:
            Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _discard_abandoned(db: Path) -> None:
    """Partial databases of servers killed while migrating (their watchdog exits at once, no cleanup runs)."""
    import re

    beside = "|".join(SQLITE_FILES[1:])
    pattern = re.compile(rf"\.{re.escape(db.name)}\.(\d+)\.migrating({beside})?")
    for partial in db.parent.glob(f".{db.name}.*.migrating*"):
        if found := pattern.fullmatch(partial.name):
            try:
                os.kill(int(found[1]), 0)
            except ProcessLookupError:
                partial.unlink(missing_ok=True)
            except OSError:
                pass  # alive, or not ours to judge


def migrate_or_leave_to_prefect(db: Path) -> bool:
    """`migrate`, or one line on stderr (the server's log) and False: Prefect's lifespan then migrates `db`."""
    try:
        return migrate(db)
    except Exception as e:  # noqa: BLE001 - Prefect's own migrations are the fallback, and report their own errors
        print(f"tshock: making {db} failed, Prefect will migrate it: {e!r}", file=sys.stderr)
        return False


def _execute(path: Path, script: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.executescript(script)  # one transaction: BEGIN ... COMMIT, as sqlite3's iterdump writes it
        con.execute("PRAGMA journal_mode = WAL")  # as Prefect's connections leave it
    finally:
        con.close()


def write_schema() -> Path:
    """Run the migrations into a scratch database and write its SQL as the shipped schema of this version."""
    import tempfile

    target = shipped_schema()
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "prefect.db"
        _upgrade(db)
        con = sqlite3.connect(db)
        try:
            lines = list(con.iterdump())
        finally:
            con.close()
    lines = _canonical(lines)
    # The revision is the dump's one alembic_version row (SQL on Prefect's database stays out of this module).
    (head,) = [line.split("'")[1] for line in lines if line.startswith('INSERT INTO "alembic_version"')]
    header = (
        f"-- Prefect {target.stem.removeprefix('prefect-')}'s SQLite database after its migrations (alembic head "
        f"{head}).\n-- Written by `uv run python -m flows.pipeline.prefect_migrate`; "
        "tests/flows/test_prefect_migrate.py checks it against Prefect's own migrations.\n"
    )
    target.parent.mkdir(exist_ok=True)
    target.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return target


def _canonical(statements: list[str]) -> list[str]:
    """The dump in an order that depends on nothing but the schema: Alembic's batch copies list a table's
    constraints, and create its indexes, in SQLAlchemy's reflection order, which changes from run to run. Neither
    order means anything to SQLite, so without this every regeneration would rewrite half the file."""
    import re

    tables, indexes = [], []
    for statement in statements:
        if statement.startswith("CREATE TABLE ") and statement.endswith("\n);"):
            items = re.split(r",\s*\n", statement.removesuffix("\n);"))
            columns = [i for i in items if not i.lstrip().startswith("CONSTRAINT ")]
            constraints = sorted(i for i in items if i.lstrip().startswith("CONSTRAINT "))
            statement = ", \n".join(columns + constraints) + "\n);"
        (indexes if re.match(r"CREATE (UNIQUE )?INDEX ", statement) else tables).append(statement)
    commit = tables.pop() if tables and tables[-1] == "COMMIT;" else None
    return [*tables, *sorted(indexes), *([commit] if commit else [])]


def _upgrade(path: Path) -> None:
    import warnings

    import sqlalchemy as sa
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from prefect.server.database import provide_database_interface
    from prefect.server.database.alembic_commands import alembic_config
    from prefect.server.database.configurations import SQLITE_BEGIN_MODE

    prefect_db = provide_database_interface()
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    script.version_locations = [prefect_db.orm.versions_dir]  # as Prefect's env.py: the SQLite scripts
    engine = sa.create_engine(f"sqlite:///{path}", paramstyle="named")

    def on_connect(connection, record) -> None:
        connection.isolation_level = None  # Prefect emits its own BEGIN (begin_sqlite_stmt)
        prefect_db.database_config.setup_sqlite(connection, record)

    sa.event.listen(engine, "connect", on_connect)
    sa.event.listen(engine, "begin", prefect_db.database_config.begin_sqlite_stmt)
    token = SQLITE_BEGIN_MODE.set("IMMEDIATE")
    try:
        with warnings.catch_warnings(), engine.connect() as connection:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)  # as Prefect does
            with EnvironmentContext(
                config, script, fn=lambda rev, _: script._upgrade_revs("head", rev), destination_rev="head"
            ) as context:
                context.configure(
                    connection=connection,
                    target_metadata=prefect_db.Base.metadata,
                    render_as_batch=True,
                    transaction_per_migration=True,
                )
                # Prefect's env.py: foreign keys off around the migrations, which copy tables
                context.execute("COMMIT")
                context.execute("PRAGMA foreign_keys=OFF")
                context.execute("BEGIN IMMEDIATE")
                with context.begin_transaction():
                    context.run_migrations()
                context.execute("END")
                context.execute("PRAGMA foreign_keys=ON")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        SQLITE_BEGIN_MODE.reset(token)
        engine.dispose()


if __name__ == "__main__":
    print(f"wrote {write_schema()}")
