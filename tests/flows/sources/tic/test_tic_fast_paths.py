"""The mfhhis01 shortcuts (issue 18) give what the plain ways gave: one csv reader over all lines, and the frame
built from typed arrays instead of `tic_rows.frame`."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from flows.sources import tic
from flows.sources.base import ParseError
from flows.sources.tic_rows import HOLDINGS, decode, frame, split_rows
from tests.flows.sources.tic.tic_files import HIST, VINTAGE, body


def per_line(text: str) -> list[list[str]]:
    return [next(csv.reader([line], delimiter="\t", strict=True), []) for line in text.splitlines()]


@pytest.mark.parametrize("rel", [HIST, VINTAGE])
def test_one_reader_gives_the_per_line_rows(raw, rel):
    text = decode(rel, raw[rel])
    assert '"' in text  # the quoted path, not the plain tab split
    assert split_rows(rel, text) == per_line(text)


def test_a_quoted_field_running_past_its_line_is_named_by_its_line(raw):
    # One reader would join the lines up to the next quote; the error must still name the first bad line.
    bad = body(raw, HIST, '"China, Mainland"\t683.5', '"China, Mainland\t683.5')
    line = next(n for n, text in enumerate(bad.decode().splitlines(), start=1) if text.startswith('"China, Mainland\t'))
    with pytest.raises(ParseError, match="malformed quoting") as err:
        tic.transform(HIST, bad)
    assert err.value.line == line
    assert err.value.value.startswith('"China, Mainland\t683.5')


def test_rows_with_empty_lines_and_quotes_match_per_line():
    text = 'a\t"b, c"\n\n\t"d ""e"""\t1\r\n"x"\n'
    assert split_rows("f", text) == per_line(text)


@pytest.mark.parametrize("rel", [HIST, VINTAGE])
def test_mfhhis01_frame_is_what_tic_rows_frame_builds(raw, rel):
    got = tic.transform(rel, raw[rel])["foreign_holdings"]
    columns = {name: got[name].tolist() for name in got.columns}
    for name in ("month", "vintage"):
        columns[name] = [t.date() for t in got[name]]
    columns["holdings_usd_bn"] = [None if pd.isna(v) else v for v in got["holdings_usd_bn"]]
    pd.testing.assert_frame_equal(got, frame(HOLDINGS, columns), check_exact=True)
