"""Prefect's migrated empty database, kept once per Prefect version so a new Prefect home skips the migrations
(flows/pipeline/prefect_template.py, issue 18)."""

from __future__ import annotations

import sqlite3

import pytest

from flows.pipeline import prefect_template


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TSHOCK_CACHE_DIR", str(tmp_path / "cache"))
    for name in prefect_template.DATABASE_URL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "cache"


def migrated_home(path, flow_runs: int = 0):
    path.mkdir(parents=True)
    con = sqlite3.connect(path / "prefect.db")
    con.execute("CREATE TABLE alembic_version (version_num TEXT)")
    con.execute("INSERT INTO alembic_version VALUES ('head-of-this-version')")
    con.execute("CREATE TABLE flow_run (id TEXT)")
    con.executemany("INSERT INTO flow_run VALUES (?)", [(str(i),) for i in range(flow_runs)])
    con.commit()
    con.close()
    return path


def test_a_fresh_home_is_migrated_once_then_every_new_home_starts_from_the_copy(cache, tmp_path):
    fresh = tmp_path / "home-1"
    assert prefect_template.seed(fresh) is False  # no template yet: this home's server migrates, then it is kept
    prefect_template.keep(migrated_home(fresh))
    template = prefect_template.template_path()
    assert template.parent == cache and template.name.startswith("prefect-") and template.is_file()

    second = tmp_path / "home-2"
    assert prefect_template.seed(second) is True
    con = sqlite3.connect(second / "prefect.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("head-of-this-version",)]
    con.close()
    assert not list(second.glob(".*tmp")), "a partial copy was left behind"


def test_an_existing_database_is_never_touched(cache, tmp_path):
    prefect_template.keep(migrated_home(tmp_path / "first"))
    home = migrated_home(tmp_path / "used", flow_runs=3)
    before = (home / "prefect.db").read_bytes()
    assert prefect_template.seed(home) is None
    assert (home / "prefect.db").read_bytes() == before


def test_a_configured_database_url_is_left_to_prefect(cache, tmp_path, monkeypatch):
    prefect_template.keep(migrated_home(tmp_path / "first"))
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://db/prefect")
    assert prefect_template.seed(tmp_path / "elsewhere") is None
    assert not (tmp_path / "elsewhere" / "prefect.db").exists()


def test_a_real_prefect_server_starts_on_a_seeded_home(cache, tmp_path, monkeypatch):
    """The copy is a database Prefect accepts: a server on a seeded home answers, at the head revision."""
    from flows.pipeline.prefect_server import TemporaryServer

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for n in (1, 2):
        monkeypatch.setenv("PREFECT_HOME", str(tmp_path / f"prefect-{n}"))
        server = TemporaryServer()
        try:
            server.wait()
        finally:
            server.stop()
        assert prefect_template.template_path().is_file(), f"server {n}: no template kept"
    con = sqlite3.connect(tmp_path / "prefect-2" / "prefect.db")
    (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    con.close()
    con = sqlite3.connect(prefect_template.template_path())
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (version,)
    assert con.execute("SELECT count(*) FROM flow_run").fetchone() == (0,)
    con.close()
