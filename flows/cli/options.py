"""Options and checks shared by several commands: the warehouse path, the snapshot directory, the reports root."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.errors import UserError

DbOption = Annotated[
    str | None, typer.Option("--db", help="Warehouse file (default: $TSHOCK_DB or data/warehouse.duckdb)")
]
DEFAULT_REPORTS = "reports"


def resolve_db(db: str | None) -> str:
    from warehouse.location import db_path  # not warehouse.db: DuckDB's import would delay the first output

    return str(db_path(db))


def check_offline_dir(offline: str | None) -> str | None:
    if offline is None:
        return None
    p = Path(offline)
    if not offline.strip() or not p.is_dir():  # Path("") is the current directory
        raise UserError(
            f"--offline {offline or repr(offline)}: no such directory (expected a snapshot laid out like ../shared/snapshot)"
        )
    return str(p.resolve())


def reports_root(reports_dir: str | None) -> Path:
    return Path(reports_dir or os.environ.get("TSHOCK_REPORTS") or DEFAULT_REPORTS)


def parse_date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value}: not a date (use YYYY-MM-DD, e.g. 2023-09-30)") from None
