"""Running a read-only query, and the "table not created yet" case handled once.

A warehouse created before a table existed (or a fresh one before its first refresh) lacks it: the
`*_or_empty` readers treat that as "nothing stored", which is what every caller wanted when it wrote its own
`except duckdb.CatalogException`. The strict ones let the error through for callers that must report it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas/numpy imported where used: the CLI's light commands read records without them
    import pandas as pd

Params = Sequence[Any] | dict[str, Any] | None


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pd.DataFrame:
    return con.execute(sql, params if params is not None else []).df()


def frame_or_empty(
    con: duckdb.DuckDBPyConnection, sql: str, params: Params = None, columns: Sequence[str] = ()
) -> pd.DataFrame:
    """The query's frame; an empty frame with `columns` when a table it reads does not exist yet."""
    import pandas as pd

    try:
        return frame(con, sql, params)
    except duckdb.CatalogException:
        return pd.DataFrame(columns=list(columns))


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """False on a warehouse created before `table` existed."""
    try:
        con.execute(f"SELECT 1 FROM {table} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def rows_or_empty(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[tuple]:
    """The query's rows; [] when a table it reads does not exist yet."""
    try:
        return con.execute(sql, params if params is not None else []).fetchall()
    except duckdb.CatalogException:
        return []


def value_or_none(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> Any:
    """The first column of the first row; None when there is none or the table does not exist yet."""
    rows = rows_or_empty(con, sql, params)
    return rows[0][0] if rows else None


def dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """An executed cursor's rows as dicts keyed by column name."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
