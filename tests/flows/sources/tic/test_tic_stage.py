"""slt_table3 staged by DuckDB (flows/sources/tic_stage.py) gives exactly the parser's rows, and every damaged file
is either staged identically or handed back to the parser (None), whose ParseError still names the cell."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from flows.sources import tic
from flows.sources.base import ParseError
from tests.flows.sources.tic.tic_files import HIST, MFH, SLT3, SLT5, VINTAGE, body, value
from tests.warehouse.test_stage import staged_frame

KEY = ["month", "country_code"]


def staged(data: bytes, tmp_path, fetched_on=None) -> pd.DataFrame | None:
    answer = staged_frame(tic, SLT3, data, tmp_path, fetched_on)
    if answer is None:
        return None
    table, frame = answer
    assert table == "foreign_flows"
    return frame


def assert_same(frame: pd.DataFrame, parsed: pd.DataFrame) -> None:
    """Same rows, values and types as the parser's frame once both are cast as the loader casts them."""
    left = frame.sort_values(KEY, ignore_index=True)
    right = parsed.sort_values(KEY, ignore_index=True)
    for col in ("month", "vintage"):
        left[col], right[col] = pd.to_datetime(left[col]), pd.to_datetime(right[col])
    left["country_code"] = left.country_code.astype("Int64")
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


@pytest.mark.parametrize("fetched_on", [None, date(2026, 6, 20)])
def test_real_slt3_is_staged_as_the_parser_reads_it(raw, slt3, tmp_path, fetched_on):
    frame = staged(raw[SLT3], tmp_path, fetched_on)
    assert frame is not None, "the snapshot's slt_table3 is staged by DuckDB"
    parsed = slt3 if fetched_on is None else tic.transform(SLT3, raw[SLT3], fetched_on)["foreign_flows"]
    assert_same(frame, parsed)
    assert value(frame, "2026-04-30", "Japan", "holdings_usd_mn") == 1209889.0
    assert value(frame, "2026-04-30", "Japan", "net_purchases_usd_mn") == 16283.0
    assert pd.isna(value(frame, "2020-01-31", "Japan", "net_purchases_usd_mn"))  # 'n.a.'
    assert value(frame, "2026-04-30", "Foreign Non-Official", "row_kind") == "memo"
    assert set(frame.vintage_basis) == {"estimated_release" if fetched_on is None else "fetch_date"}


def test_other_tic_files_are_left_to_their_parsers(raw, tmp_path):
    for rel in (HIST, VINTAGE, SLT5, MFH):
        assert staged_frame(tic, rel, raw[rel], tmp_path) is None


def test_line_endings_and_padding_stage_identically_or_not_at_all(raw, slt3, tmp_path):
    lf = raw[SLT3].replace(b"\r\n", b"\n")
    assert_same(staged(lf, tmp_path), tic.transform(SLT3, lf)["foreign_flows"])
    assert_same(tic.transform(SLT3, lf)["foreign_flows"], slt3)
    # A trailing empty field: DuckDB takes the row's first fields, as the parser does.
    extra_empty = body(raw, SLT3, "\t153347\t1578\r\n", "\t153347\t1578\t\r\n")
    assert_same(staged(extra_empty, tmp_path), slt3)
    # A code with a leading zero is the same integer to both.
    zero = body(raw, SLT3, "Japan\t42609\t2026-04", "Japan\t042609\t2026-04")
    assert_same(staged(zero, tmp_path), slt3)
    for doubtful in (
        raw[SLT3].replace(b"\r\n", b"\n", 100),  # CRLF and LF mixed
        raw[SLT3].replace(b"\r\n", b"\r", 3),  # a lone CR is a line break for the parser
        body(raw, SLT3, "Austria\t10189", '"Austria"\t10189'),  # quotes: the parser unquotes
        body(raw, SLT3, "Austria\t10189", "Austr\xefa\t10189").decode().encode("cp1252"),  # not UTF-8
        body(raw, SLT3, "\t153347\t1578\r\n", "\t153347\t1578\tX\r\n"),  # a value in an extra column
        body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t 1209889"),  # padded cell
        body(raw, SLT3, "Notes:\t\t\t\t\t\t\t\t\t", "Notes:"),  # narrower lines after the data
    ):
        assert staged(doubtful, tmp_path) is None
        tic.transform(SLT3, doubtful)  # and the parser takes it


def test_cp1252_labels_are_read_by_the_parser(raw, tmp_path):
    data = body(raw, SLT3, "Austria\t10189", "Austr\xefa\t10189", count=100).decode().encode("cp1252")
    assert staged(data, tmp_path) is None
    flows = tic.transform(SLT3, data)["foreign_flows"]
    assert "Austr\xefa" in set(flows.country) and "Austria" not in set(flows.country)


def _cut_before_notes(raw) -> bytes:
    text = raw[SLT3].decode()
    return text[: text.index("Grand Total\t99996\t2026-04")].encode()


DAMAGED = [
    # (what, edit of the file, ParseError text, field, value)
    (
        "bad number",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t1.2e6"),
        "not a number",
        "for_treas_pos (Japan 2026-04)",
        "1.2e6",
    ),
    (
        "n.a. spelt otherwise",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04\t1209889\t16283", "Japan\t42609\t2026-04\t1209889\tNA"),
        "not a number",
        "for_treas_net (Japan 2026-04)",
        "NA",
    ),
    (
        "empty cell",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04\t1209889\t16283", "Japan\t42609\t2026-04\t1209889\t"),
        "not a number",
        "for_treas_net (Japan 2026-04)",
        "",
    ),
    (
        "duplicate month",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-03", "Japan\t42609\t2026-04"),
        "duplicate",
        "Japan",
        "2026-04 42609",
    ),
    (
        "months out of order",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-03", "Japan\t42609\t2026-05"),
        "newest first",
        "Japan",
        "2026-05",
    ),
    (
        "no Grand Total",
        lambda raw: raw[SLT3].replace(b"Grand Total\t99996\t", b"Grand Total\t99995\t"),
        "must include Grand Total",
        "country_code",
        None,
    ),
    ("truncated, no blank or Notes line", _cut_before_notes, "truncated", "country_code", None),
    (
        "bad month",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04", "Japan\t42609\t2026-13"),
        "YYYY-MM",
        "date",
        "2026-13",
    ),
    (
        "code not an integer",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04", "Japan\t4260x\t2026-04"),
        "not an integer",
        "country_code",
        "4260x",
    ),
    (
        "short row",
        lambda raw: body(raw, SLT3, "\t153347\t1578\r\n", "\t153347\r\n"),
        "row has 9 fields",
        None,
        None,
    ),
    (
        "bad number and a non-UTF-8 byte",
        lambda raw: (
            body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Jap\xe4n\t42609\t2026-04\t12O9889")
            .decode()
            .encode("cp1252")
        ),
        "not a number",
        "for_treas_pos (Jap\xe4n 2026-04)",
        "12O9889",
    ),
    (
        "bad number in a quoted label's row",
        lambda raw: body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", '"Japan"\t42609\t2026-04\t1,209,889'),
        "not a number",
        "for_treas_pos (Japan 2026-04)",
        "1,209,889",
    ),
]


@pytest.mark.parametrize("what, edit, message, field, cell", DAMAGED, ids=[d[0] for d in DAMAGED])
def test_damaged_files_are_not_staged_and_the_parser_names_the_cell(raw, tmp_path, what, edit, message, field, cell):
    data = edit(raw)
    assert staged(data, tmp_path) is None, what
    with pytest.raises(ParseError, match=message) as err:
        tic.transform(SLT3, data)
    assert err.value.file == SLT3
    if field is not None:
        assert err.value.field == field
    if cell is not None:
        assert err.value.value == cell


def test_values_the_loader_refuses_are_not_staged(raw, tmp_path):
    # The loader's checks (bounds, no future month) run in SQL too: the parser's frame then meets them in
    # load.validate, which names the row.
    negative = body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t-1209889")
    future = body(raw, SLT3, "Austria\t10189\t2026-04", "Austria\t10189\t2099-04")
    for data in (negative, future):
        assert staged(data, tmp_path) is None
        tic.transform(SLT3, data)
