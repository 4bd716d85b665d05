"""Stored data check (issue 18): a full offline refresh then a no-op re-run on a fresh warehouse, every table
dumped as `SELECT * … ORDER BY ALL` without the timestamp columns (fetched_at, applied_at: the wall clock).
A change to how payloads are staged or written must give the same dump as before it.

    uv run python bench/same_data.py --write REF.txt     # before the change
    uv run python bench/same_data.py --compare REF.txt   # after: exit 1 and name the tables that differ
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import refresh_once  # noqa: E402

CLOCK_COLUMNS = {"fetched_at", "applied_at"}


def dump(snapshot: Path) -> dict[str, list[str]]:
    """{table: its rows as text lines}, after a refresh and a no-op re-run."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        refresh_once(snapshot, db)
        refresh_once(snapshot, db)
        con = duckdb.connect(str(db), read_only=True)
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if c not in CLOCK_COLUMNS
            ]
            names = ", ".join(f'"{c}"' for c in cols)
            out[table] = [repr(r) for r in con.execute(f'SELECT {names} FROM "{table}" ORDER BY ALL').fetchall()]
        con.close()
    return out


def as_text(tables: dict[str, list[str]]) -> str:
    return "".join(f"== {t} ({len(rows)} rows)\n" + "".join(r + "\n" for r in rows) for t, rows in tables.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshot", default=str(REPO.parent / "shared" / "snapshot"))
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", metavar="FILE")
    what.add_argument("--compare", metavar="FILE")
    args = parser.parse_args()
    text = as_text(dump(Path(args.snapshot)))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if args.write:
        Path(args.write).write_text(text)
        print(f"wrote {args.write}: {text.count(chr(10))} lines, sha256 {digest}")
        return
    ref = Path(args.compare).read_text()
    if ref == text:
        print(f"identical: every table, {text.count(chr(10))} lines, sha256 {digest}")
        return
    sections = {s.split("\n", 1)[0]: s for s in ref.split("== ")[1:]}
    mine = {s.split("\n", 1)[0]: s for s in text.split("== ")[1:]}
    for head in sorted(set(sections) | set(mine)):
        if sections.get(head) != mine.get(head):
            print(f"differs: {head}")
    sys.exit(1)


if __name__ == "__main__":
    main()
