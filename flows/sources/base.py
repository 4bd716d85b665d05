"""What every source module shares: the payload record and the typed parse error.

A source module (tic, fred, fiscaldata, yield_curve, nyfed, auctions) has two halves:
- extract: bytes from HTTP (`extract_live`) or from a snapshot directory (`extract_offline`),
  each returned as a `Payload` whose `relpath` is its place in the snapshot layout;
- transform: `transform(relpath, body) -> dict[table_name, DataFrame]`, pure, with columns
  exactly `warehouse.schema.TABLES[name].parsed_columns`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Payload:
    source: str
    relpath: str  # place in the snapshot layout, e.g. "tic/slt_table5.txt"
    url: str  # secrets removed
    body: bytes = field(repr=False)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    offline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class ParseError(ValueError):
    """A payload that cannot be parsed or fails validation; names the file, field and value."""

    stale = False  # True for files the source still serves but no longer updates (refused, not quarantined)

    def __init__(self, file: str, message: str, *, field: str | None = None, value: object = None,
                 line: int | None = None):
        self.file, self.field, self.value, self.line = file, field, value, line
        where = file + (f" line {line}" if line is not None else "")
        what = (f" field {field!r}" if field else "") + (f" value {value!r}" if value is not None else "")
        super().__init__(f"{where}:{what} {message}".replace(": ", ": ", 1))


class StaleSourceError(ParseError):
    """A file the source still serves but stopped updating: recognised and refused as current data."""

    stale = True


def read_csv(relpath: str, text: str) -> list[list[str]]:
    """Every row of a CSV text. The csv module's own errors (a line break inside an unquoted field, a field
    over its size limit, bad quoting) become a ParseError naming the line, like every other bad byte."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise ParseError(relpath, f"malformed CSV ({exc})", line=reader.line_num) from None


def drop_repeats(relpath: str, frame, key: list[str], field: str):
    """Exact repeated rows are dropped; two different rows for one key are a ParseError naming the key."""
    frame = frame.drop_duplicates(ignore_index=True)
    clash = frame.duplicated(key, keep=False)
    if clash.any():
        first = frame[clash].iloc[0]
        raise ParseError(relpath, f"two different rows for one ({', '.join(key)})", field=field,
                         value=" ".join(str(first[k]) for k in key))
    return frame


def newest_stored(con, sql: str, key: str) -> dict:
    """{key: newest date} from a `SELECT max(...)` query; {} on a fresh warehouse (no table) or an empty one."""
    import duckdb
    import pandas as pd

    try:
        row = con.execute(sql).fetchone()
    except duckdb.CatalogException:
        return {}
    if not row or row[0] is None:
        return {}
    return {key: pd.Timestamp(row[0]).date()}
