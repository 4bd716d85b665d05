"""TIC (Treasury International Capital): who holds U.S. Treasuries, by country, monthly.

Four text files, one parser each (the relpath decides):
- mfhhis01.txt — Major Foreign Holders history, one block per calendar year ($ bn) → foreign_holdings;
  parsed in `tic_history` (series breaks, footnotes, vintage stamp).
- slt_table5.txt — the current 13 months of the same table ($ bn) → foreign_holdings.
- slt_table3.txt — long format holdings and net purchases, LT/ST split ($ mn) → foreign_flows; read by DuckDB
  (`stage`, flows/sources/tic_stage.py) unless anything looks odd, then parsed here.
- mfh.txt — the legacy current table, frozen upstream since March 2023: recognised and refused with
  `StaleSourceError` so the loader records it as stale instead of loading 2022 data as "current".

Country labels differ between files ('China, Mainland' vs 'China', 'Korea' vs 'Korea, South', footnote
markers); `normalise_country` is the one place that makes them comparable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath

import pandas as pd

from flows.http import Http
from flows.sources import base
from flows.sources.base import ParseError, Payload, snapshot_payloads
from flows.sources.tic_history import parse_mfhhis01
from flows.sources.tic_rows import (  # noqa: F401 - re-exported: tic's names since before the split
    FLOWS,
    GROUPS,
    HOLDINGS,
    IO_ROWS,
    MONTHS,
    CellDoubt,
    decode,
    flows_row_kind,
    frame,
    holdings_row_kind,
    is_blank,
    month_end,
    normalise_country,
    number,
    numbers,
    split_rows,
)

SOURCE = "tic"
BASE_URL = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/"
# mfh.txt is deliberately absent: upstream stopped updating it in March 2023.
LIVE_FILES = ("mfhhis01.txt", "slt_table5.txt", "slt_table3.txt")
# slt_table3 machine column names (line 9 of the file) → foreign_flows columns.
FLOW_FIELDS = {
    "for_treas_pos": "holdings_usd_mn",
    "for_treas_net": "net_purchases_usd_mn",
    "for_lt_treas_pos": "lt_holdings_usd_mn",
    "for_lt_treas_net": "lt_net_purchases_usd_mn",
    "for_lt_treas_valchg": "lt_valuation_change_usd_mn",
    "for_st_treas_pos": "st_holdings_usd_mn",
    "for_st_treas_net": "st_net_purchases_usd_mn",
}


class StaleSourceError(base.StaleSourceError):
    """A TIC file that is still served but no longer updated (a ParseError with `stale = True`, which the
    loader records as stale instead of quarantining); carries the file's newest month and footer date."""

    def __init__(self, file: str, message: str, *, newest_month: date | None = None, frozen_since: date | None = None):
        super().__init__(file, message)
        self.newest_month, self.frozen_since = newest_month, frozen_since


def estimated_release(newest_month: date) -> date:
    """TIC publishes month M around the 18th of M+2 (e.g. April data on 18 June)."""
    first = pd.Timestamp(year=newest_month.year, month=newest_month.month, day=1) + pd.DateOffset(months=2)
    return date(first.year, first.month, 18)


def vintage_for(newest_month: date, fetched_on: date | None) -> tuple[date, str]:
    if fetched_on is not None:
        return fetched_on, "fetch_date"
    return estimated_release(newest_month), "estimated_release"


def _iso_month(relpath: str, text: str, *, field: str, line: int) -> date:
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ParseError(relpath, "expected a YYYY-MM month", field=field, value=text, line=line)
    return month_end(int(m.group(1)), int(m.group(2)))


# --- slt_table5: current 13 months, wide ---------------------------------------------------------


def parse_slt_table5(relpath: str, body: bytes, fetched_on: date | None = None) -> pd.DataFrame:
    rows = split_rows(relpath, decode(relpath, body))
    header_at = next((i for i, r in enumerate(rows) if r and r[0].strip() == "Country"), None)
    if header_at is None:
        raise ParseError(relpath, "no 'Country' header row with YYYY-MM month columns", field="Country")
    header = rows[header_at]
    months = [
        _iso_month(relpath, c, field=f"header column {j}", line=header_at + 1)
        for j, c in enumerate(header[1:], start=1)
        if c.strip()
    ]
    if not months or any(a <= b for a, b in zip(months, months[1:], strict=False)):
        raise ParseError(
            relpath,
            "header months must run newest first without repeats",
            field="Country",
            value="\t".join(header[1:]).strip(),
            line=header_at + 1,
        )
    vintage, basis = vintage_for(months[0], fetched_on)
    records, seen, terminated = [], set(), False
    for i in range(header_at + 1, len(rows)):
        row, line = rows[i], i + 1
        label = row[0].strip() if row else ""
        if is_blank(row) or label.startswith("Notes"):
            terminated = True
            break
        cells = row[1:]
        if len(cells) < len(months) or any(c.strip() for c in cells[len(months) :]):
            raise ParseError(relpath, f"expected {len(months)} month cells", field=label, value=row, line=line)
        country = normalise_country(label)
        for month, cell in zip(months, cells, strict=False):
            if not cell.strip():
                continue  # country not listed that month
            key = (month, country)
            if key in seen:
                raise ParseError(relpath, "duplicate (month, country)", field=label, value=str(key), line=line)
            seen.add(key)
            records.append(
                {
                    "month": month,
                    "country": country,
                    "row_kind": holdings_row_kind(country),
                    "holdings_usd_bn": number(
                        relpath, cell, field=lambda lb=label, m=month: f"{lb} {m:%Y-%m}", line=line
                    ),
                    "source_file": "slt_table5.txt",
                    "vintage": vintage,
                    "vintage_basis": basis,
                    "series_note": None,
                }
            )
    if not terminated or "Grand Total" not in {r["country"] for r in records}:
        raise ParseError(
            relpath, "truncated: country rows must end with Grand Total and a blank/Notes line", field="Grand Total"
        )
    return frame(HOLDINGS, records)


# --- slt_table3: long format, holdings and net purchases -----------------------------------------


def parse_slt_table3(relpath: str, body: bytes, fetched_on: date | None = None) -> pd.DataFrame:
    rows = split_rows(relpath, decode(relpath, body))
    try:
        return _slt_table3(relpath, rows, fetched_on, strict=False)
    except (ParseError, CellDoubt):
        # Again checking each cell as it is read: the error names the first bad cell in file order.
        return _slt_table3(relpath, rows, fetched_on, strict=True)


def _slt_table3(relpath: str, rows: list[list[str]], fetched_on: date | None, *, strict: bool) -> pd.DataFrame:
    """Not `strict`: the value cells are checked together after the rows (`numbers`, raising CellDoubt)."""
    names_at = next((i for i, r in enumerate(rows) if r and r[0].strip() == "country"), None)
    if names_at is None:
        raise ParseError(
            relpath, "no machine column-name row (country, country_code, date, for_treas_pos…)", field="country"
        )
    names = [c.strip() for c in rows[names_at]]
    missing = [n for n in ("country_code", "date", *FLOW_FIELDS) if n not in names]
    if missing:
        raise ParseError(relpath, "column-name row lacks required columns", field=", ".join(missing), line=names_at + 1)
    at = {n: names.index(n) for n in ("country", "country_code", "date", *FLOW_FIELDS)}
    value_at = [at[theirs] for theirs in FLOW_FIELDS]
    months: dict[str, date] = {}
    raw, cells, terminated = [], [], False
    for i in range(names_at + 1, len(rows)):
        row, line = rows[i], i + 1
        if is_blank(row) or row[0].strip().startswith("Notes"):
            terminated = True
            break
        if len(row) < len(names):
            raise ParseError(relpath, f"row has {len(row)} fields, expected {len(names)}", value=row, line=line)
        label, code_text = row[at["country"]].strip(), row[at["country_code"]].strip()
        if not code_text.isdigit():
            raise ParseError(
                relpath, "country code is not an integer", field="country_code", value=code_text, line=line
            )
        when = row[at["date"]].strip()
        month = months.get(when) or months.setdefault(when, _iso_month(relpath, when, field="date", line=line))
        if strict:
            cells += [
                number(relpath, row[at[theirs]], field=lambda t=theirs, lb=label, w=when: f"{t} ({lb} {w})", line=line)
                for theirs in FLOW_FIELDS
            ]
        else:
            cells += [row[j] for j in value_at]
        raw.append((line, label, int(code_text), month))
    if not terminated or not any(code == 99996 for _, _, code, _ in raw):
        raise ParseError(
            relpath,
            "truncated: data rows must include Grand Total (99996) and end with a blank/Notes line",
            field="country_code",
        )
    values = cells if strict else numbers(cells)
    vintage, basis = vintage_for(max(r[3] for r in raw), fetched_on)
    columns: dict[str, list] = {name: [] for name in ("month", "country", "country_code", "row_kind")}
    seen, last = set(), {}
    for line, label, code, month in raw:
        if (month, code) in seen:
            raise ParseError(
                relpath, "duplicate (month, country_code)", field=label, value=f"{month:%Y-%m} {code}", line=line
            )
        if code in last and month >= last[code]:
            raise ParseError(
                relpath, "months must run newest first within a country", field=label, value=f"{month:%Y-%m}", line=line
            )
        seen.add((month, code))
        last[code] = month
        country = normalise_country(label)
        columns["month"].append(month)
        columns["country"].append(country)
        columns["country_code"].append(code)
        columns["row_kind"].append(flows_row_kind(country, code))
    width = len(FLOW_FIELDS)
    for k, ours in enumerate(FLOW_FIELDS.values()):
        columns[ours] = values[k::width]
    columns["vintage"] = [vintage] * len(raw)
    columns["vintage_basis"] = [basis] * len(raw)
    return frame(FLOWS, columns)


# --- mfh.txt: frozen legacy table ----------------------------------------------------------------


def refuse_mfh(relpath: str, body: bytes) -> None:
    """Recognise mfh.txt (newest month, footer date) and raise StaleSourceError; ParseError if unrecognisable."""
    lines = decode(relpath, body).splitlines()
    months_at = next((i for i, ln in enumerate(lines) if ln.split() and all(t in MONTHS for t in ln.split())), None)
    years = lines[months_at + 1].split() if months_at is not None and months_at + 1 < len(lines) else []
    if months_at is None or not years or years[0] != "Country" or not years[1:] or not years[1].isdigit():
        raise ParseError(relpath, "not the mfh.txt layout: no month row followed by a 'Country' year row")
    newest = month_end(int(years[1]), MONTHS[lines[months_at].split()[0]])
    footer = next((i for i, ln in enumerate(lines) if ln.strip().startswith("Department of the Treasury")), None)
    stamp = lines[footer + 1].strip() if footer is not None and footer + 1 < len(lines) else ""
    try:
        frozen = pd.to_datetime(stamp, format="%B %d, %Y").date()
        since = f"{frozen:%B %Y}"
    except (ValueError, TypeError):
        frozen, since = None, f"the month after {newest:%B %Y}"
    raise StaleSourceError(
        relpath,
        f"frozen upstream since {since} (newest month {newest:%Y-%m}); use slt_table5.txt",
        newest_month=newest,
        frozen_since=frozen,
    )


# --- the module contract -------------------------------------------------------------------------


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    name = PurePosixPath(relpath).name
    if name.startswith("mfhhis01"):
        return {HOLDINGS: parse_mfhhis01(relpath, body)}
    if name.startswith("slt_table5"):
        return {HOLDINGS: parse_slt_table5(relpath, body, fetched_on)}
    if name.startswith("slt_table3"):
        return {FLOWS: parse_slt_table3(relpath, body, fetched_on)}
    if name == "mfh.txt":
        refuse_mfh(relpath, body)
    raise ParseError(relpath, "not a TIC file this module knows (mfhhis01*, slt_table5*, slt_table3*, mfh.txt)")


def stage(con, relpath: str, body: bytes, fetched_on: date | None, raw: Path, sha256: str, retrieved: date, *, tag=""):
    """slt_table3 read by DuckDB into a checked stage (flows/sources/tic_stage.py), or None: the other files, and
    any slt_table3 it doubts, are parsed by `transform`, which names what is wrong."""
    if not PurePosixPath(relpath).name.startswith("slt_table3"):
        return None
    from flows.sources import tic_stage  # it imports this module's layout (FLOW_FIELDS, vintage_for)

    return tic_stage.stage(con, relpath, body, fetched_on, raw, sha256, retrieved, tag=tag)


def _load_order(path: Path) -> tuple[int, str]:
    for rank, prefix in enumerate(("mfhhis01.txt", "mfhhis01", "slt_table5", "slt_table3", "mfh.txt")):
        if path.name.startswith(prefix):
            return rank, path.name
    return 5, path.name


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    """Every file under tic/: history first, then other history vintages, slt_table5, slt_table3, mfh.txt."""
    folder = Path(snapshot_dir) / SOURCE
    # Every visible entry but folders: a FIFO, device or outside link is refused by read_snapshot_file in one line
    files = (
        sorted((p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_dir()), key=_load_order)
        if folder.is_dir()
        else []
    )
    return snapshot_payloads(SOURCE, snapshot_dir, files)


def extract_live(http: Http, state: dict[str, date]) -> Iterator[Payload]:
    """All three live files every run: TIC revises history in place, so a newest-date cursor cannot skip
    any of them (the loader skips unchanged bytes by sha256). `state` is accepted for the contract."""
    for name in LIVE_FILES:
        url = BASE_URL + name
        yield Payload(source=SOURCE, relpath=f"{SOURCE}/{name}", url=url, body=http.get(url))


def live_state(con) -> dict[str, date]:
    """Newest stored month per TIC file (informational; see extract_live)."""
    from warehouse.read.newest import newest_tic_months

    state = {}
    for name, newest in newest_tic_months(con).items():  # a fresh warehouse has no tables yet: nothing stored
        relpath = f"{SOURCE}/{name}"
        if newest is not None:
            state[relpath] = newest if isinstance(newest, date) else pd.Timestamp(newest).date()
    return state
