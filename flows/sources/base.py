"""What every source module shares: the payload record and the typed parse error.

A source module (tic, fred, fiscaldata, yield_curve, nyfed, auctions) has two halves:
- extract: bytes from HTTP (`extract_live`) or from a snapshot directory (`extract_offline`),
  each returned as a `Payload` whose `relpath` is its place in the snapshot layout;
- transform: `transform(relpath, body) -> dict[table_name, DataFrame]`, pure, with columns
  exactly `warehouse.schema.TABLES[name].parsed_columns`.
- optionally stage (fred CSVs, the par yield curve, the MSPD detail CSVs): the same payload read by DuckDB through a layout the
  module declares (warehouse/stage.py), into temp tables named with the `tag` keyword it is given (a source's
  payloads are staged side by side before they are written together); it answers None whenever its SQL checks
  doubt the bytes, and the payload then goes through `transform`, so errors are always the parser's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.http import FetchError

# No snapshot file comes near this (the largest is ~2 MB); a bigger one is a mistake or an attack (/dev/zero, a
# 3 GB sparse file gave a MemoryError traceback before issue 15).
MAX_SNAPSHOT_FILE_BYTES = 256 * 1024 * 1024


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

    def __init__(
        self, file: str, message: str, *, field: str | None = None, value: object = None, line: int | None = None
    ):
        self.file, self.field, self.value, self.line = file, field, value, line
        where = file + (f" line {line}" if line is not None else "")
        what = (f" field {field!r}" if field else "") + (f" value {_excerpt(value)}" if value is not None else "")
        super().__init__(f"{where}:{what} {message}".replace(": ", ": ", 1))


def _excerpt(value: object, limit: int = 80) -> str:
    """A value as a parse error quotes it, at most `limit` characters: the message goes to the quarantine note
    and ingest_log, and a hostile file's line can be megabytes long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


class StaleSourceError(ParseError):
    """A file the source still serves but stopped updating: recognised and refused as current data."""

    stale = True


class UnsafeSnapshotFile(FetchError):
    """A snapshot entry that is not a plain file inside the snapshot: refused before a byte of it is read, so
    nothing of it can reach a quarantine note or ingest_log. The source counts as failed, in one line."""


def snapshot_payloads(source: str, snapshot_dir: Path, paths) -> list[Payload]:
    """Each file as the payload an offline refresh replays, in the order given: its path under the snapshot
    directory is its relpath (as a live fetch would land it) and `snapshot:<relpath>` its URL."""
    out = []
    for path in paths:
        relpath = Path(path).relative_to(snapshot_dir).as_posix()
        body = read_snapshot_file(snapshot_dir, path)
        out.append(Payload(source=source, relpath=relpath, url="snapshot:" + relpath, body=body, offline=True))
    return out


def read_snapshot_file(snapshot_dir: Path, path: Path) -> bytes:
    """The bytes of a regular file inside the snapshot, at most MAX_SNAPSHOT_FILE_BYTES. A symlink may point
    elsewhere in the snapshot, never out of it (issue 15: a link to /etc/shadow was parsed and its first line
    quoted in the quarantine note); FIFOs and devices are refused, not opened (a FIFO hung the refresh)."""
    relpath = Path(path).relative_to(snapshot_dir).as_posix() if Path(path).is_relative_to(snapshot_dir) else path
    root, real = Path(snapshot_dir).resolve(), Path(path).resolve()
    if not real.is_relative_to(root):
        raise UnsafeSnapshotFile(f"{relpath}: a link to a file outside the snapshot; refused without reading it")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise UnsafeSnapshotFile(f"{relpath}: cannot read it ({exc.strerror})") from None
    try:
        st = os.fstat(fd)  # of what was opened, not of the name: nothing can be swapped in between
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeSnapshotFile(f"{relpath}: not a regular file ({_kind(st.st_mode)}); refused without reading it")
        if st.st_size > MAX_SNAPSHOT_FILE_BYTES:
            raise UnsafeSnapshotFile(
                f"{relpath}: {st.st_size:,} bytes, over the "
                f"{MAX_SNAPSHOT_FILE_BYTES // 2**20} MB limit for one snapshot file"
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            body = fh.read(MAX_SNAPSHOT_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(body) > MAX_SNAPSHOT_FILE_BYTES:
        raise UnsafeSnapshotFile(f"{relpath}: grew past the {MAX_SNAPSHOT_FILE_BYTES // 2**20} MB limit while read")
    return body


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def read_csv(relpath: str, text: str) -> list[list[str]]:
    """Every row of a CSV text. The csv module's own errors (a line break inside an unquoted field, a field
    over its size limit, bad quoting) become a ParseError naming the line, like every other bad byte."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise ParseError(relpath, f"malformed CSV ({exc})", line=reader.line_num) from None


def data_rows(relpath: str, header: list[str], rows: list[list[str]]):
    """(line number, row) of each non-blank row below the header; a row whose field count differs from the
    header's is refused with its line."""
    for lineno, row in enumerate(rows[1:], start=2):
        if not "".join(row).strip():  # blank cells only (one string, not a generator per row)
            continue
        if len(row) != len(header):
            raise ParseError(
                relpath,
                f"expected {len(header)} fields, found {len(row)}",
                field="row",
                value=",".join(row)[:80],
                line=lineno,
            )
        yield lineno, row


_QUOTED_FIELD = re.compile(rb'"(?:[^"]|"")*"')


def fields_on_every_line(body: bytes, fields: int, *, delim: bytes = b",", quoted: bool = False) -> bool:
    """Whether every line of `body` holds exactly `fields` fields, told by counting delimiters (those outside
    quoted fields when `quoted`). DuckDB's strict CSV reader takes a line with one extra, empty field at its end
    as if it were not there, where the Python parsers refuse it: a stage that answers None when this is False
    never loads what the parser refuses. A line with too few fields, which could offset an extra one in the
    count, fails DuckDB's read; a blank line fails the count (the parser then decides)."""
    text = _QUOTED_FIELD.sub(b"", body) if quoted and b'"' in body else body
    lines = text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
    return text.count(delim) == (fields - 1) * lines


def cut_number(text: str) -> bool:
    """A number ending in a bare point ("9."): what a file cut mid-number leaves. No source writes one, so it
    is refused rather than read as 9.0 (issue 15: a truncated last line loaded 9.0 for 9.74)."""
    t = text.strip()
    return t.endswith(".") and t[:-1].lstrip("+-").replace(",", "").isdigit()


def drop_repeats(relpath: str, frame, key: list[str], field: str):
    """Exact repeated rows are dropped; two different rows for one key are a ParseError naming the key."""
    frame = frame.drop_duplicates(ignore_index=True)
    clash = frame.duplicated(key, keep=False)
    if clash.any():
        first = frame[clash].iloc[0]
        raise ParseError(
            relpath,
            f"two different rows for one ({', '.join(key)})",
            field=field,
            value=" ".join(str(first[k]) for k in key),
        )
    return frame


def newest_stored(con, table: str, column: str, key: str, where: str = "") -> dict:
    """{key: newest date} of max(column) (warehouse.read.newest); {} on a fresh warehouse (no table) or an empty
    one."""
    from warehouse.read.newest import newest_date

    newest = newest_date(con, table, column, where)
    return {} if newest is None else {key: newest}
