"""Issue 15: snapshot files that parse but must not load (dates from the future, implausible values, a number
cut mid-way) are quarantined; entries that are not plain files inside the snapshot (FIFOs, devices, links out,
huge files) are refused before a byte is read. Either way nothing stored changes.

Each case replays a one-source snapshot holding the hostile file through the refresh task (`refresh_source.fn`,
what the CLI's Prefect task runs) into a private warehouse that already holds the whole real snapshot.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import pytest

from flows.pipeline.refresh import refresh_source
from tests.reliability.helpers import fingerprint


def snapshot_with(tmp_path: Path, relpath: str, body: bytes) -> Path:
    snap = tmp_path / "snap"
    target = snap / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return snap


def log_lines(db: Path, relpath: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT status, coalesce(error, '') FROM ingest_log WHERE relpath = ? ORDER BY payload_id", [relpath]
        ).fetchall()
    finally:
        con.close()


def fred_with_last_line(snapshot_dir: Path, line: str) -> bytes:
    return (snapshot_dir / "fred" / "DGS10.csv").read_bytes() + line.encode() + b"\n"


def penny_with(snapshot_dir: Path, **first_row: str) -> bytes:
    doc = json.loads((snapshot_dir / "fiscaldata" / "debt_to_penny__sort-desc_size5.json").read_bytes())
    doc["data"][0].update(first_row)
    return json.dumps(doc).encode()


def auctions_with_2099(snapshot_dir: Path) -> bytes:
    lines = (snapshot_dir / "fiscaldata" / "Auctions_Query_19791115_20251215.csv").read_bytes().split(b"\n")
    lines.insert(1, b"912810UZ9,Bond,30-Year,2099-12-11,2099-12-15,2129-11-15,null,A.pdf,null,null,A.xml,null")
    return b"\n".join(lines)


def cut_mid_number(snapshot_dir: Path) -> bytes:
    body = (snapshot_dir / "fred" / "DGS10.csv").read_bytes()
    return body[: body.index(b"1985-11-12,9.74") + len(b"1985-11-12,9.")]


# id: (source, relpath, body(snapshot_dir), words of the quarantine reason)
QUARANTINED = {
    "FRED row dated 2099": (
        "fred",
        "fred/DGS10.csv",
        lambda s: fred_with_last_line(s, "2099-01-02,4.50"),
        ["2099-01-02", "after the payload was retrieved"],
    ),
    "DGS10 = 1e15": (
        "fred",
        "fred/DGS10.csv",
        lambda s: fred_with_last_line(s, "2026-07-29,1e15"),
        ["DGS10 = 1e+15", "implausible", "-5..30"],
    ),
    "file cut mid-number (1985-11-12,9.)": ("fred", "fred/DGS10.csv", cut_mid_number, ["'9.'", "cut short"]),
    "Debt to the Penny total 1e15": (
        "fiscaldata",
        "fiscaldata/debt_to_penny__sort-desc_size5.json",
        lambda s: penny_with(
            s,
            debt_held_public_amt="992177020558539.01",
            intragov_hold_amt="7822979441460.99",
            tot_pub_debt_out_amt="1000000000000000.00",
        ),
        ["implausible total_public_debt_usd = 1e+15"],
    ),
    "Debt to the Penny dated 2099": (
        "fiscaldata",
        "fiscaldata/debt_to_penny__sort-desc_size5.json",
        lambda s: penny_with(s, record_date="2099-10-05"),
        ["record_date 2099-10-05", "after the payload was retrieved"],
    ),
    "auction dated 2099": (
        "auctions",
        "fiscaldata/Auctions_Query_19791115_20251215.csv",
        auctions_with_2099,
        ["auction_date 2099-12-11", "after the payload was retrieved"],
    ),
}


@pytest.mark.parametrize("case", QUARANTINED)
def test_implausible_payloads_are_quarantined_and_nothing_stored_changes(case, warehouse_copy, snapshot_dir, tmp_path):
    source, relpath, make, words = QUARANTINED[case]
    snap = snapshot_with(tmp_path, relpath, make(snapshot_dir))
    before = fingerprint(warehouse_copy)
    summary = refresh_source.fn(source, str(warehouse_copy), str(snap))
    assert summary["quarantined"] == 1 and summary["loaded"] == 0, summary
    reason = summary["errors"][0]
    assert "\n" not in reason
    for w in words:
        assert w in reason
    assert fingerprint(warehouse_copy) == before
    assert log_lines(warehouse_copy, relpath)[-1] == ("quarantined", reason)


def test_the_fred_bounds_cover_every_tracked_series():
    from flows.sources.fred import load_series_config, plausible_bounds

    assert set(plausible_bounds()) == set(load_series_config())
    assert plausible_bounds()["DGS10"] == (-5, 30)


SECRET = "root:$6$sentinel-shadow-line-never-to-be-quoted:19000:0:99999:7:::\n"


def hostile_entry(kind: str, snap: Path, tmp_path: Path) -> str:
    folder = snap / "fred"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "DGS10.csv"
    if kind == "FIFO":
        os.mkfifo(target)
    elif kind == "link to a secret outside the snapshot":
        secret = tmp_path / "shadow"
        secret.write_text(SECRET)
        target.symlink_to(secret)
    elif kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "3 GB sparse file":
        with open(target, "wb") as fh:
            fh.truncate(3 * 1024**3)
    return "fred/DGS10.csv"


@pytest.mark.parametrize(
    "kind, words",
    [
        ("FIFO", ["not a regular file (a FIFO)"]),
        ("link to a secret outside the snapshot", ["a link to a file outside the snapshot"]),
        ("link to /dev/zero", ["a link to a file outside the snapshot"]),
        ("3 GB sparse file", ["3,221,225,472 bytes", "256 MB limit"]),
    ],
)
def test_entries_that_are_not_plain_snapshot_files_are_refused_unread(kind, words, warehouse_copy, tmp_path):
    snap = tmp_path / "snap"
    relpath = hostile_entry(kind, snap, tmp_path)
    before = fingerprint(warehouse_copy)
    start = time.monotonic()
    summary = refresh_source.fn("fred", str(warehouse_copy), str(snap))
    assert time.monotonic() - start < 30  # a FIFO used to hang here for ever
    assert summary["failed"] == 1 and summary["loaded"] == 0, summary
    [line] = summary["errors"]
    assert line.startswith(relpath) and "\n" not in line
    for w in words:
        assert w in line
    assert fingerprint(warehouse_copy) == before
    # Nothing of the target's content anywhere: ingest_log, quarantine notes, the raw zone.
    data = warehouse_copy.parent
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    try:
        logged = " ".join(str(v) for row in con.execute("SELECT * FROM ingest_log").fetchall() for v in row)
    finally:
        con.close()
    assert "sentinel-shadow" not in logged
    for note in (data / "quarantine").glob("*"):
        assert "sentinel-shadow" not in note.read_text(errors="replace")


def test_a_link_inside_the_snapshot_is_still_followed(warehouse_copy, snapshot_dir, tmp_path):
    snap = tmp_path / "snap"
    (snap / "fred" / "elsewhere").mkdir(parents=True)
    (snap / "fred" / "elsewhere" / "DGS10.csv").write_bytes((snapshot_dir / "fred" / "DGS10.csv").read_bytes())
    (snap / "fred" / "DGS10.csv").symlink_to(snap / "fred" / "elsewhere" / "DGS10.csv")
    summary = refresh_source.fn("fred", str(warehouse_copy), str(snap))
    assert summary["failed"] == 0 and summary["quarantined"] == 0, summary


def test_a_megabyte_line_is_quoted_as_a_short_excerpt(warehouse_copy, snapshot_dir, tmp_path):
    body = (snapshot_dir / "fred" / "DGS10.csv").read_bytes() + b"2026-07-29," + b"9" * 1_000_000 + b"x\n"
    snap = snapshot_with(tmp_path, "fred/DGS10.csv", body)
    summary = refresh_source.fn("fred", str(warehouse_copy), str(snap))
    [reason] = summary["errors"]
    assert summary["quarantined"] == 1 and len(reason) < 300 and "(1,000,003 characters)" in reason
    note = next((warehouse_copy.parent / "quarantine").glob("*.txt")).read_text()
    assert len(note) < 400
