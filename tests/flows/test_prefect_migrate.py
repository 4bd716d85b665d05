"""A new Prefect home's database, from the shipped schema or by the migrations on a plain sqlite3 connection
(flows/pipeline/prefect_migrate.py, issue 18): either way, the database Prefect's own migrations make."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flows.pipeline import prefect_migrate

ROOT = Path(__file__).resolve().parents[2]

PREFECTS_OWN = """
import asyncio
from prefect.server.database import provide_database_interface
asyncio.run(provide_database_interface().create_db())
"""


def schema(db) -> dict:
    """Every object's SQL, its constraint lines sorted (batch copies list foreign keys in reflection order), the
    column and index details SQLite reports, and every row of every table."""
    con = sqlite3.connect(db)
    try:
        found = {}
        for kind, name, sql in con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"):
            lines = sorted(line.strip() for line in re.split(r",\s*\n", (sql or "").removesuffix("\n)")))
            found[(kind, name)] = lines
            if kind == "table":
                found[("columns", name)] = con.execute(f"PRAGMA table_info('{name}')").fetchall()
                keys = con.execute(f"PRAGMA foreign_key_list('{name}')").fetchall()
                found[("foreign keys", name)] = sorted(k[1:] for k in keys)  # k[0] numbers them in listed order
                found[("rows", name)] = sorted(con.execute(f"SELECT * FROM '{name}'").fetchall(), key=repr)
            if kind == "index":
                found[("index columns", name)] = con.execute(f"PRAGMA index_xinfo('{name}')").fetchall()
        return found
    finally:
        con.close()


@pytest.fixture(scope="module")
def prefects_own(tmp_path_factory):
    """A home migrated by Prefect itself (its aiosqlite engine and env.py), in a process of its own."""
    home = tmp_path_factory.mktemp("prefects-own")
    env = {**os.environ, "PREFECT_HOME": str(home)}
    for name in ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-c", PREFECTS_OWN], env=env, check=True, timeout=300)
    return home / "prefect.db"


def test_the_schema_shipped_for_the_locked_prefect_version_exists():
    from importlib.metadata import version

    locked = re.search(r'name = "prefect"\nversion = "([^"]+)"', (ROOT / "uv.lock").read_text(encoding="utf-8"))[1]
    assert version("prefect") == locked
    assert prefect_migrate.shipped_schema().is_file(), (
        f"no schema for Prefect {locked}: run `uv run python -m flows.pipeline.prefect_migrate` and commit it"
    )


@pytest.mark.parametrize("way", ["shipped schema", "migrations"])
def test_a_new_home_gets_the_database_prefects_own_migrations_make(way, tmp_path, prefects_own, monkeypatch):
    shipped = prefect_migrate.shipped_schema()
    if way == "migrations":
        monkeypatch.setattr(prefect_migrate, "shipped_schema", lambda: tmp_path / "no-such.sql")
    db = tmp_path / "home" / "prefect.db"
    db.parent.mkdir()
    assert prefect_migrate.migrate(db) is True
    mine, theirs = schema(db), schema(prefects_own)
    assert sorted(mine) == sorted(theirs)
    assert [k for k in mine if mine[k] != theirs[k]] == []
    assert len([k for k in mine if k[0] == "table"]) >= 30  # Prefect's tables, not an empty file
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # as Prefect's engine leaves it
    dumped = prefect_migrate._canonical(list(con.iterdump()))
    con.close()
    assert sorted(p.name for p in db.parent.iterdir()) == ["prefect.db"]  # no partial file, no WAL left
    if way == "migrations":  # the shipped file is exactly what regenerating it would write
        body = shipped.read_text(encoding="utf-8").split("\n", 2)[2]  # after the two header comment lines
        assert body == "\n".join(dumped) + "\n", (
            f"regenerate {shipped.name}: uv run python -m flows.pipeline.prefect_migrate"
        )


def test_an_existing_database_is_never_touched(tmp_path):
    db = tmp_path / "prefect.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE flow_run (id TEXT)")
    con.execute("INSERT INTO flow_run VALUES ('run-1')")
    con.commit()
    con.close()
    before = db.read_bytes()
    assert prefect_migrate.migrate(db) is False
    assert db.read_bytes() == before


def test_a_partial_database_of_a_killed_server_is_discarded_a_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    abandoned = [tmp_path / f".prefect.db.{dead.pid}.migrating{s}" for s in ("", "-wal")]
    in_progress = tmp_path / f".prefect.db.{os.getppid()}.migrating"
    for partial in (*abandoned, in_progress):
        partial.write_bytes(b"half a database")
    prefect_migrate._discard_abandoned(tmp_path / "prefect.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == [in_progress.name]


def test_a_failure_leaves_no_file_so_prefect_migrates_the_home_itself(tmp_path, monkeypatch):
    def broken(path, *_):
        sqlite3.connect(path).execute("CREATE TABLE half (x)")  # some work done, then it breaks
        raise RuntimeError("migration 42 failed")

    monkeypatch.setattr(prefect_migrate, "_upgrade", broken)
    monkeypatch.setattr(prefect_migrate, "_execute", broken)
    with pytest.raises(RuntimeError, match="migration 42"):
        prefect_migrate.migrate(tmp_path / "prefect.db")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_is_one_line_and_leaves_the_home_to_prefect(tmp_path, capsys):
    home = tmp_path / "not-a-directory"
    home.write_text("a file where the Prefect home should be")
    assert prefect_migrate.migrate_or_leave_to_prefect(home / "prefect.db") is False
    err = capsys.readouterr().err
    assert err.startswith(f"tshock: making {home / 'prefect.db'} failed, Prefect will migrate it: ")
    assert err.count("\n") == 1
