"""`tshock snapshot export`: the raw landing zone written back out in the snapshot layout."""

from __future__ import annotations

import hashlib
from pathlib import Path

from warehouse import landing
from warehouse.db import WarehouseError, connect, data_dir
from warehouse.landing import atomic_write
from warehouse.read.newest import exportable_payloads


def export_snapshot(db: str, out: Path) -> list[Path]:
    """Newest payload per relpath (quarantined ones excluded: they would only be refused again).

    Every payload's bytes are checked against the sha256 ingest_log recorded before anything is written: a raw
    file changed after landing (issue 15: `COPY … TO` over a payload) is refused, never shipped."""
    con = connect(db, read_only=True)
    try:
        rows = exportable_payloads(con)
    finally:
        con.close()
    ddir = data_dir(Path(db))
    try:
        for relpath, sha, *_ in rows:
            verify(ddir, relpath, sha)
        return _write(rows, ddir, out)
    except OSError as exc:  # out is a file, read-only, on a full disk; or a raw file went missing
        where = exc.filename or out
        raise WarehouseError(f"cannot export the snapshot to {out}: {where}: {exc.strerror or exc}") from None


def verify(ddir: Path, relpath: str, sha: str) -> bytes:
    data = landing.read(ddir, sha)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha:
        raise WarehouseError(
            f"raw payload {landing.raw_path(ddir, sha)} ({relpath}) was changed after it was "
            f"loaded: its sha256 is {actual[:12]}…, ingest_log says {sha[:12]}…. Nothing was "
            "exported; restore it (or remove it and refresh again)."
        )
    return data


def _write(rows, ddir: Path, out: Path) -> list[Path]:
    written = []
    lines = [
        "# Snapshot exported by `tshock snapshot export`",
        "",
        "| path | sha256 | fetched from | fetched at | status |",
        "|---|---|---|---|---|",
    ]
    for relpath, sha, url, fetched_at, status in rows:
        target = out / relpath
        atomic_write(target, verify(ddir, relpath, sha))
        written.append(target)
        lines.append(f"| `{relpath}` | `{sha}` | {url} | {fetched_at:%Y-%m-%d %H:%M} | {status} |")
    atomic_write(out / "EXPORT.md", ("\n".join(lines) + "\n").encode())
    return written
