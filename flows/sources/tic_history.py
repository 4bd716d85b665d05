"""TIC mfhhis01.txt: Major Foreign Holders of Treasury Securities, history by calendar year ($ billions).

The file is an Excel tab-delimited export: one block per year, newest first, each block a month row
(Dec…Jan, right to left), a `Country` row of years, a dashed rule, the country rows, `Grand Total`, and an
`Of which:` block of foreign-official memo rows. Rows are found by content because title padding and the
memo indentation change between vintages.

Series breaks (2000, 2002–2011) publish one month twice: the new benchmark series and the old one "for
comparison only". Two header rows above the months name each column's series (`Series 16/` / `XII`) and
the footnote says which series is the comparison one; we keep the other, one row per (month, country),
and say so in `series_note`.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from flows.sources.base import ParseError
from flows.sources.tic_rows import (
    HOLDINGS,
    MONTHS,
    CellDoubt,
    decode,
    holdings_row_kind,
    is_blank,
    month_end,
    normalise_country,
    number,
    numbers,
    split_rows,
)
from warehouse.schema import TABLES

SOURCE_FILE = "mfhhis01.txt"
FOOTER = "Department of the Treasury"
_EPOCH = date(1970, 1, 1)
_STAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_FOOTNOTE_START = re.compile(r"(\d{1,2})/\s")
_SERIES_MARK = re.compile(r"Series\s+(\d{1,2})/")
_COMPARISON = re.compile(
    r"Series\s+([IVXLC]+)\s+estimate\s+for\s+([A-Za-z]+)\s+(\d{4})\s+is\s+shown\s+for\s+"
    r"comparison\s+only",
    re.IGNORECASE,
)
_MONTH_NAMES = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


def _cell(row: list[str], j: int) -> str:
    return row[j].strip() if j < len(row) else ""


def _is_month_row(row: list[str]) -> bool:
    if not row or row[0].strip():
        return False  # most rows: a label, so no need to look at their cells
    cells = [c.strip() for c in row[1:] if c.strip()]
    return bool(cells) and all(c in MONTHS for c in cells)


def _stamp(relpath: str, rows: list[list[str]], footer_at: int) -> date:
    for i in range(footer_at + 1, min(footer_at + 4, len(rows))):
        m = _STAMP.fullmatch(_cell(rows[i], 0))
        if m:
            month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            try:
                return date(year + 2000 if year < 100 else year, month, day)
            except ValueError:
                raise ParseError(
                    relpath, "impossible vintage date", field="vintage stamp", value=m.group(0), line=i + 1
                ) from None
    raise ParseError(relpath, "no M/D/YYYY vintage stamp under the footer", field="vintage stamp", line=footer_at + 2)


def _footnotes(rows: list[list[str]], footer_at: int) -> dict[str, str]:
    notes: dict[str, list[str]] = {}
    current = None
    for row in rows[footer_at + 1 :]:
        text = _cell(row, 0)
        m = _FOOTNOTE_START.match(text)
        if m:
            current = m.group(1)
            notes[current] = [text[m.end() :]]
        elif current and text:
            notes[current].append(text)
    return {k: " ".join(" ".join(v).split()) for k, v in notes.items()}


def _kept_duplicate(
    relpath: str, rows, month_at: int, cols: list[int], mon: str, year: int, notes: dict[str, str]
) -> tuple[int, str]:
    """Which of two same-month columns is the series kept, and the note for its rows."""
    where = f"{mon} {year} columns"
    if month_at < 2:
        raise ParseError(relpath, "duplicate month without Series header rows", field=where, line=month_at + 1)
    top, bottom = rows[month_at - 2], rows[month_at - 1]
    marks = [m.group(1) for j in cols if (m := _SERIES_MARK.match(_cell(top, j)))]
    series = [_cell(bottom, j) for j in cols]
    if len(marks) != 1 or not all(series):
        raise ParseError(
            relpath,
            "duplicate month columns lack 'Series N/' labels",
            field=where,
            value=[_cell(top, j) for j in cols] + series,
            line=month_at - 1,
        )
    note = notes.get(marks[0], "")
    m = _COMPARISON.search(note)
    if not m:
        raise ParseError(
            relpath,
            f"footnote {marks[0]}/ does not say which series is for comparison only",
            field=where,
            value=note[:120] or None,
        )
    if _MONTH_NAMES.get(m.group(2).lower()) != MONTHS[mon] or int(m.group(3)) != year:
        raise ParseError(relpath, f"footnote {marks[0]}/ is about another month", field=where, value=m.group(0))
    dropped = m.group(1).upper()
    kept = [j for j, s in zip(cols, series, strict=True) if s.upper() != dropped]
    if len(kept) != 1:
        raise ParseError(
            relpath,
            f"footnote {marks[0]}/ names Series {dropped}, matching no single column",
            field=where,
            value=series,
        )
    kept_series = series[cols.index(kept[0])]
    return kept[0], (
        f"series break {marks[0]}/: Series {kept_series} kept; Series {dropped} estimate "
        "(shown for comparison only) dropped"
    )


def _columns(relpath: str, rows, month_at: int, notes: dict[str, str]):
    """(column index, month-end date, series_note) for the columns kept in one year block, and the year."""
    months_row = rows[month_at]
    years_at = month_at + 1
    while years_at < len(rows) and is_blank(rows[years_at]):
        years_at += 1
    years_row = rows[years_at] if years_at < len(rows) else []
    if _cell(years_row, 0) != "Country":
        raise ParseError(
            relpath,
            "month row is not followed by the 'Country' year row",
            field="Country",
            value=years_row[:3] or None,
            line=years_at + 1,
        )
    cols = [j for j in range(1, len(months_row)) if _cell(months_row, j)]
    years = {_cell(years_row, j) for j in cols}
    if (
        len(years) != 1
        or not next(iter(years)).isdigit()
        or any(_cell(years_row, j) for j in range(1, len(years_row)) if j not in cols)
    ):
        raise ParseError(
            relpath,
            "a block's year row must give one calendar year under every month",
            field="Country",
            value=sorted(years),
            line=years_at + 1,
        )
    year = int(years.pop())
    nums = [MONTHS[_cell(months_row, j)] for j in cols]
    if any(a < b for a, b in zip(nums, nums[1:], strict=False)) or any(nums.count(n) > 2 for n in nums):
        raise ParseError(
            relpath,
            "months must run Dec→Jan left to right",
            field=f"{year} month row",
            value=[_cell(months_row, j) for j in cols],
            line=month_at + 1,
        )
    kept = []
    for n in sorted(set(nums), reverse=True):
        same = [j for j, k in zip(cols, nums, strict=True) if k == n]
        mon = _cell(months_row, same[0])
        j, note = (
            (same[0], None) if len(same) == 1 else _kept_duplicate(relpath, rows, month_at, same, mon, year, notes)
        )
        kept.append((j, month_end(year, n), note))
    return year, years_at, kept


def parse_mfhhis01(relpath: str, body: bytes) -> pd.DataFrame:
    rows = split_rows(relpath, decode(relpath, body))
    try:
        return _parse(relpath, rows, strict=False)
    except (ParseError, CellDoubt):
        # Again checking each cell as it is read: the error names the first bad cell in file order.
        return _parse(relpath, rows, strict=True)


def _parse(relpath: str, rows: list[list[str]], *, strict: bool) -> pd.DataFrame:
    """Not `strict`: the value cells are checked together after the blocks (`numbers`, raising CellDoubt)."""
    footer_at = next((i for i, r in enumerate(rows) if _cell(r, 0).startswith(FOOTER)), None)
    if footer_at is None:
        raise ParseError(relpath, f"truncated: no '{FOOTER}/Federal Reserve Board' footer", field="footer")
    vintage = _stamp(relpath, rows, footer_at)
    notes = _footnotes(rows, footer_at)
    month_rows = [i for i in range(footer_at) if _is_month_row(rows[i])]
    if not month_rows:
        raise ParseError(relpath, "no year blocks (month header rows Dec…Jan) found", field="month header")
    months, countries, kinds, series_notes, cells, last_year = [], [], [], [], [], None
    for b, month_at in enumerate(month_rows):
        year, years_at, cols = _columns(relpath, rows, month_at, notes)
        width = len(rows[month_at])
        month_cols = {j for j in range(1, width) if _cell(rows[month_at], j)}
        if last_year is not None and year >= last_year:
            raise ParseError(
                relpath, "year blocks must run newest first", field="Country", value=year, line=years_at + 1
            )
        last_year = year
        # Columns past the month row's width are never month columns: the stray scan checks only the rest.
        others = [j for j in range(1, width) if j not in month_cols]
        col_at = [j for j, _, _ in cols]
        epoch_s = [(month - _EPOCH).days * 86400 for _, month, _ in cols]
        # Months differ between blocks (years run strictly down) and between a block's kept columns, so a
        # (month, country) can repeat only on a block's second row for a country: only those rows check cells.
        seen: dict[str, set[int]] = {}
        # The block runs to the next block's Series header rows (or its month row) or the footer.
        end = month_rows[b + 1] if b + 1 < len(month_rows) else footer_at
        while end - 1 > years_at and not _cell(rows[end - 1], 0) and not is_blank(rows[end - 1]):
            end -= 1
        memo, has_total = False, False
        for i in range(years_at + 1, end):
            row, line = rows[i], i + 1
            label = _cell(row, 0)
            if not label:
                if any(v and set(v) != {"-"} for v in (c.strip() for c in row[1:])):
                    raise ParseError(
                        relpath, "values without a country label", field=f"{year} block", value=row, line=line
                    )
                continue
            if label.lower().startswith("of which"):
                memo = True
                continue
            n = len(row)
            stray = [row[j] for j in others if j < n and row[j].strip()] + [c for c in row[width:] if c.strip()]
            if stray:
                raise ParseError(relpath, "value in a column with no month", field=label, value=stray, line=line)
            country = normalise_country(label)
            if memo and not country.startswith("Foreign Official"):
                country = "Foreign Official: " + country
            has_total |= country == "Grand Total"
            kind = holdings_row_kind(country, memo)
            present = [(k, c) for k, j in enumerate(col_at) if j < n and (c := row[j].strip())]
            if not present:
                continue  # blank = country not listed that year
            earlier = seen.get(country)
            if earlier is None:
                seen[country] = {k for k, _ in present}
            for k, cell in present:
                month = cols[k][1]
                if earlier is not None:
                    if k in earlier:
                        raise ParseError(
                            relpath,
                            "duplicate (month, country)",
                            field=label,
                            value=f"{month:%Y-%m} {country}",
                            line=line,
                        )
                    earlier.add(k)
                months.append(epoch_s[k])
                series_notes.append(cols[k][2])
                cells.append(
                    number(relpath, cell, field=lambda lb=label, m=month: f"{lb} {m:%b %Y}", line=line)
                    if strict
                    else cell
                )
            countries.extend([country] * len(present))
            kinds.extend([kind] * len(present))
        if not has_total:
            raise ParseError(
                relpath,
                f"block {year} has no Grand Total row (truncated or reshaped)",
                field="Grand Total",
                line=years_at + 1,
            )
    return _frame(months, countries, kinds, cells if strict else numbers(cells), series_notes, vintage)


def _frame(months, countries, kinds, holdings, series_notes, vintage: date) -> pd.DataFrame:
    """The typed frame `tic_rows.frame` would build from these columns (tests compare them). Built from typed
    arrays: `frame` lets pandas infer str columns and then casts them back to object, and converts dates one by
    one, which was a third of parsing this file (issue 18)."""
    n = len(holdings)
    index = pd.RangeIndex(n)

    def text(values) -> pd.Series:
        return pd.Series(values, index=index, dtype=object)

    columns = {
        "month": pd.Series(np.array(months, dtype="int64").view("datetime64[s]"), index=index),
        "country": text(countries),
        "row_kind": text(kinds),
        "holdings_usd_bn": pd.Series(np.array(holdings, dtype="float64"), index=index),
        "source_file": text([SOURCE_FILE] * n),
        "vintage": pd.Series(np.full(n, np.datetime64(vintage, "s")), index=index),
        "vintage_basis": text(["stamp"] * n),
        "series_note": text(series_notes),
    }
    return pd.DataFrame({name: columns[name] for name in TABLES[HOLDINGS].parsed_columns})
