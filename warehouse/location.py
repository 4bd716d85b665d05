"""Where the warehouse file is and whether it is there, without importing DuckDB (~0.15 s): the CLI resolves
--db and refuses a missing file before it prints its first progress line (issue 18: first output < 1 s).
warehouse/db.py re-exports all of it."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data") / "warehouse.duckdb"


class WarehouseError(RuntimeError):
    """A warehouse problem explained in one line (locked, corrupt, unwritable)."""


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db beats TSHOCK_DB beats data/warehouse.duckdb."""
    return Path(explicit or os.environ.get("TSHOCK_DB") or DEFAULT_DB)


def check_path(path: str | os.PathLike, *, read_only: bool) -> None:
    """The refusals `warehouse.db.connect` makes before opening anything, callable alone: the CLI checks them
    before it says which slow work is starting, so a wrong --db stays one `error:` line."""
    p = Path(path)
    if p.is_dir():
        raise WarehouseError(f"{p} is a directory; give the warehouse file's path, e.g. {p / DEFAULT_DB.name}")
    if read_only and not p.exists():
        raise WarehouseError(f"no warehouse at {p}: run `tshock refresh` (or `tshock run`) first, or pass --db")
