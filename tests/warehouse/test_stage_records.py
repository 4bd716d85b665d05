"""The auctions download staged by DuckDB (warehouse/stage_records.py) gives exactly the Python parser's rows,
and every file it doubts goes to the parser, whose errors name file, line, field and value."""

from __future__ import annotations

import pytest

from flows.sources import auctions
from tests.warehouse.test_stage import SNAPSHOT, same_rows, staged_frame

RELPATH = "fiscaldata/Auctions_Query_19791115_20251215.csv"
HEADER = (
    "\ufeffCUSIP,Security Type,Security Term,Auction Date,Issue Date,Maturity Date,Price per $100,"
    "Download PDF - Announcement"
)
GOOD = "912797PD3,Bill,6-Week,2025-12-09,2025-12-11,2026-01-22,null,A.pdf"
OLDER = "91282CPJ4,Note,9-Year 11-Month,2025-11-10,2025-11-15,2035-11-15,99.678628,B.pdf"


def body(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode() + b"\n"


def test_the_snapshot_download_staged_equals_parsed(tmp_path):
    raw = (SNAPSHOT / RELPATH).read_bytes()
    staged = staged_frame(auctions, RELPATH, raw, tmp_path)
    assert staged is not None, "the clean website download is staged by DuckDB"
    same_rows(staged[1], auctions.transform(RELPATH, raw)[auctions.TABLE], ["cusip", "auction_date"])


def test_exact_repeats_are_dropped_as_the_parser_drops_them(tmp_path):
    staged = staged_frame(auctions, RELPATH, body(GOOD, GOOD, OLDER), tmp_path)
    assert staged is not None
    same_rows(staged[1], auctions.transform(RELPATH, body(GOOD, GOOD, OLDER))[auctions.TABLE], ["cusip"])


@pytest.mark.parametrize(
    "rows",
    [
        (OLDER, GOOD),  # oldest first
        (GOOD.replace("912797PD3", "'912797PD3'"),),  # apostrophes the parser strips
        (GOOD.replace("Bill", " Bill"),),  # spaces the parser strips
        (GOOD.replace("2025-12-11", "2025-12-11T00:00:00"),),  # a time the parser drops
        (GOOD.replace("2025-12-09", "2025-02-30"),),  # not a calendar date
        (GOOD.replace("null,A", "99.,A"),),  # a number cut short
        (GOOD.replace("null,A", "-1,A"),),  # not positive
        (GOOD.replace("Bill", "null"),),  # a required value missing
        (GOOD, GOOD.replace("2026-01-22", "2026-01-29")),  # two different rows for one key
        (GOOD, "", OLDER),  # a blank line
        (GOOD + ",extra",),  # a field too many
        (GOOD.replace("Bill", '"Bill"'),),  # quotes
        (GOOD.replace("2025-12-09", "2099-12-09"),),  # from the future
    ],
)
def test_doubts_go_to_the_parser(rows, tmp_path):
    assert staged_frame(auctions, RELPATH, body(*rows), tmp_path) is None
