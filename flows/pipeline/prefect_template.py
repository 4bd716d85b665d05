"""Prefect's migrated, empty database, kept once per Prefect version, so a new Prefect home skips the migrations.

On a Prefect home without a database, the temporary server makes one before Prefect's lifespan
(flows/pipeline/prefect_migrate.py: from the schema shipped for the locked Prefect version, else by the
migrations), and Prefect's lifespan then registers its block types in it (~2 s on 2 cores, issue 18). The result
is the same for a given Prefect version, so the first server on a fresh home leaves a copy of it in the user's
cache (`$TSHOCK_CACHE_DIR`, default `$XDG_CACHE_HOME/tshock`, as `prefect-<version>.db`,
taken with SQLite's backup API by the server when its startup completes, before it serves any request), and
every later fresh home starts from that copy; Prefect still checks it is at the head revision when it starts.
Only Prefect's default database (SQLite in PREFECT_HOME) is seeded: a configured database URL is left to Prefect.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

DATABASE_URL_SETTINGS = ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL")


def template_path() -> Path:
    from importlib.metadata import version

    cache = (
        os.environ.get("TSHOCK_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tshock"
    )
    return Path(cache).expanduser() / f"prefect-{version('prefect')}.db"


def default_database(home: Path) -> Path | None:
    """The home's SQLite database, None when a database URL is configured (only Prefect knows what is there)."""
    if any(os.environ.get(name) for name in DATABASE_URL_SETTINGS):
        return None
    return home / "prefect.db"


def seed(home: Path) -> bool | None:
    """Before a server starts on `home`: copy the template in when the home has no database yet. True when seeded,
    False when the home is fresh and no template exists (the server will migrate it: `keep` it then), None when
    there is nothing to do (a database exists, or is configured elsewhere)."""
    db = default_database(home)
    if db is None or db.exists():
        return None
    template = template_path()
    if not template.is_file():
        return False
    try:
        home.mkdir(parents=True, exist_ok=True)
        partial = db.with_name(f".{db.name}.{os.getpid()}.tmp")
        shutil.copyfile(template, partial)
        partial.replace(db)  # whole or absent: Prefect never sees half a file
    except OSError:
        return False  # an unreadable cache costs the migrations, nothing else
    return True


def keep(home: Path) -> None:
    """In a server that migrated a fresh `home`, once Prefect's startup is complete and before it serves any
    request (flows/pipeline/server_child.py): its database as the template (once per version)."""
    db, template = default_database(home), template_path()
    if db is None or not db.is_file() or template.exists():
        return
    partial = template.with_name(f".{template.name}.{os.getpid()}.tmp")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # a consistent copy
            finally:
                target.close()
        finally:
            source.close()
        partial.replace(template)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)  # no template: the next fresh home migrates, as Prefect does
