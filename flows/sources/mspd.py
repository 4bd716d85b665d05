"""MSPD Table III (Detail of Treasury Securities Outstanding) parser, used by `fiscaldata` for both forms
the detail comes in, plus the Fiscal Data value conventions both modules share.

This is a helper of the `fiscaldata` source, not a source module of its own.

Two inputs, one row shape (API field names):
- the API JSON (`v1/debt/mspd/mspd_table_3`), either with all fields or with a requested subset;
- the website CSV download (`MSPD_DetailSecty_<from>_<to>.csv`): human headers (mapped by `CSV_HEADERS`),
  CRLF, rows NOT in source-line order (sorted here by "Source Line Number").

What lands where:
- Marketable rows whose Security Class 2 is a real CUSIP (9 characters starting "912") → marketable_securities,
  one row per issue/reopening tranche. tranche_no is the 1-based position of the row within its CUSIP in
  source-line order (CSV and full-field JSON: by src_line_nbr; JSON without src_line_nbr: array order).
- Marketable subtotal rows ("Total Unmatured/Matured/Treasury …" in class 2, "Federal Financing Bank" and
  "Total Marketable" in class 1) → marketable_totals, with class Bills/Notes/Bonds/TIPS/FRN/FFB/All.
- Nonmarketable rows (GAS, SLGS, savings bonds…) go NOWHERE: no table holds them.

ParseError `line` is the CSV line number, or the 1-based position in `data[]` for JSON.

Fields a source lacks are NULL. The 6-field API subset (record_date, security_type_desc,
security_class1_desc, security_class2_desc, maturity_date, outstanding_amt) has no coupon, yield, issue date,
issued, inflation-adjustment or redeemed amounts. The CSV and the full-field JSON carry all of them.
Bills and FRNs store interest_rate_pct NULL (they have no coupon); their yield_pct is the bill's auction yield
and the FRN's fixed spread. The Interest Payable Date fields and the prior/current-month columns are not stored.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd

from flows.sources.base import ParseError, read_csv
from warehouse.schema import TABLES

NULLS = frozenset({"null", ""})
ROUNDS_TO_ZERO = "*"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CUSIP = re.compile(r"912[0-9A-Z]{6}")

# Website CSV header -> API field name; only the columns this parser reads.
CSV_HEADERS = {
    "Record Date": "record_date",
    "Security Type Description": "security_type_desc",
    "Security Class 1 Description": "security_class1_desc",
    "Security Class 2 Description": "security_class2_desc",
    "Interest Rate": "interest_rate_pct",
    "Yield": "yield_pct",
    "Issue Date": "issue_date",
    "Maturity Date": "maturity_date",
    "Issued Amount (in Millions)": "issued_amt",
    "Amount Adjusted for Inflation (in Millions)": "inflation_adj_amt",
    "Redeemed Amount (in Millions)": "redeemed_amt",
    "Outstanding Amount (in Millions)": "outstanding_amt",
    "Source Line Number": "src_line_nbr",
}
REQUIRED_FIELDS = (
    "record_date",
    "security_type_desc",
    "security_class1_desc",
    "security_class2_desc",
    "maturity_date",
    "outstanding_amt",
)

# API field -> marketable_securities column, for the optional amount/rate fields.
DETAIL_FIELDS = {
    "interest_rate_pct": "interest_rate_pct",
    "yield_pct": "yield_pct",
    "issued_amt": "issued_usd_mn",
    "inflation_adj_amt": "inflation_adj_usd_mn",
    "redeemed_amt": "redeemed_usd_mn",
}

# Security Class 1 as the source names it -> our class. The Inflation-Indexed names are the pre-TIPS-rename
# spellings older statements may carry.
SECURITY_CLASSES = {
    "Bills Maturity Value": "Bills",
    "Notes": "Notes",
    "Bonds": "Bonds",
    "Inflation-Protected Securities": "TIPS",
    "Inflation-Indexed Notes": "TIPS",
    "Inflation-Indexed Bonds": "TIPS",
    "Floating Rate Notes": "FRN",
}
# Class-1 rows that are totals by themselves (class 2 is null on them).
CLASS1_TOTALS = {"Federal Financing Bank": "FFB", "Total Marketable": "All"}
NO_COUPON = frozenset({"Bills", "FRN"})


# ---- Fiscal Data value conventions (shared with fiscaldata.py) ------------------------------------------


def parse_amount(text: object, file: str, field: str, *, line: int | None = None) -> Decimal | None:
    """A Fiscal Data number string: "null" (or empty, or JSON null) = NULL, "*" = rounds to zero, else a
    decimal."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ParseError(file, "expected a number string", field=field, value=text, line=line)
    s = text.strip()
    if s in NULLS:
        return None
    if s == ROUNDS_TO_ZERO:
        return Decimal(0)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ParseError(file, "not a number", field=field, value=text, line=line) from None
    if not value.is_finite():
        raise ParseError(file, "not a finite number", field=field, value=text, line=line)
    return value


def parse_date(text: object, file: str, field: str, *, line: int | None = None, required: bool = True) -> date | None:
    """A Fiscal Data ISO date (YYYY-MM-DD); "null" (or JSON null) is allowed only when not required."""
    s = text.strip() if isinstance(text, str) else None
    if (text is None or s in NULLS) and not required:
        return None
    if s is None or not _ISO_DATE.fullmatch(s):
        raise ParseError(file, "expected a YYYY-MM-DD date", field=field, value=text, line=line)
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise ParseError(file, "not a calendar date", field=field, value=text, line=line) from None


def to_float(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A frame with exactly the table's parsed columns in order, typed per the schema."""
    spec = TABLES[table]
    columns = spec.parsed_columns
    out = {}
    for name in columns:
        values = [r[name] for r in rows]
        kind = spec.column(name).type
        if kind == "DATE":
            out[name] = pd.to_datetime(pd.Series(values, dtype=object))
        elif kind == "DOUBLE":
            out[name] = pd.Series(values, dtype="float64")
        elif kind in ("INTEGER", "BIGINT"):
            out[name] = pd.Series(values, dtype="Int64")
        elif kind == "BOOLEAN":
            out[name] = pd.Series(values, dtype=bool)
        else:
            out[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(out, columns=columns)


# ---- MSPD detail --------------------------------------------------------------------------------------


def csv_rows(relpath: str, body: bytes) -> list[tuple[int | None, dict[str, str]]]:
    """The website CSV as (line number, API-named row) pairs, sorted by Source Line Number."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(relpath, f"not UTF-8 text (byte {exc.start})") from None
    records = read_csv(relpath, text)
    header = records[0] if records else None
    if not header:
        raise ParseError(relpath, "empty file, expected the MSPD detail CSV header", line=1)
    missing = [h for h in CSV_HEADERS if h not in header]
    if missing:
        raise ParseError(relpath, "header lacks an MSPD detail column", field=missing[0], line=1)
    index = {CSV_HEADERS[h]: header.index(h) for h in CSV_HEADERS}
    rows: list[tuple[int | None, dict[str, str]]] = []
    for line_no, cells in enumerate(records[1:], start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            raise ParseError(relpath, f"row has {len(cells)} fields, header has {len(header)}", line=line_no)
        rows.append((line_no, {f: cells[i] for f, i in index.items()}))
    return by_source_line(relpath, rows)


def by_source_line(relpath: str, rows: list[tuple[int | None, dict]]) -> list[tuple[int | None, dict]]:
    """Rows in source-line order (stable, per record date); unchanged when src_line_nbr is absent."""
    if not rows or "src_line_nbr" not in rows[0][1]:
        return rows
    keyed = []
    seen: set[tuple[str, int]] = set()
    for line, row in rows:
        text = row.get("src_line_nbr")
        if not isinstance(text, str) or not text.strip().isdigit():
            raise ParseError(
                relpath, "source line number is not an integer", field="src_line_nbr", value=text, line=line
            )
        key = (str(row.get("record_date")), int(text))
        if key in seen:
            raise ParseError(relpath, "duplicate source line number", field="src_line_nbr", value=text, line=line)
        seen.add(key)
        keyed.append((key, line, row))
    keyed.sort(key=lambda t: t[0])
    return [(line, row) for _, line, row in keyed]


def detail_frames(relpath: str, rows: list[tuple[int | None, dict]], source_format: str) -> dict[str, pd.DataFrame]:
    """marketable_securities and marketable_totals from MSPD detail rows already in source-line order."""
    securities: list[dict] = []
    totals: list[dict] = []
    tranches: dict[tuple[date, str], int] = {}
    cusip_class: dict[tuple[date, str], str] = {}
    total_keys: set[tuple[date, str]] = set()
    for line, row in rows:
        for f in REQUIRED_FIELDS:
            if f not in row:
                raise ParseError(relpath, "row lacks a required field", field=f, line=line)
            if row[f] is not None and not isinstance(row[f], str):
                # API JSON may carry any type; every MSPD field is published as a string or null.
                raise ParseError(relpath, "expected a string or null", field=f, value=row[f], line=line)
        if row["security_type_desc"] != "Marketable":
            continue  # nonmarketable debt is out of scope: no table stores it
        record_date = parse_date(row["record_date"], relpath, "record_date", line=line)
        class1, class2 = row["security_class1_desc"], row["security_class2_desc"]
        if isinstance(class2, str) and _CUSIP.fullmatch(class2):
            sec_class = _security_class(relpath, class1, line)
            key = (record_date, class2)
            if cusip_class.setdefault(key, class1) != class1:
                raise ParseError(
                    relpath,
                    f"CUSIP {class2} appears under two classes",
                    field="security_class1_desc",
                    value=class1,
                    line=line,
                )
            tranche_no = tranches[key] = tranches.get(key, 0) + 1
            securities.append(_security(relpath, row, line, record_date, sec_class, tranche_no, source_format))
            continue
        label, total_class = _total_label(relpath, class1, class2, line)
        if (record_date, label) in total_keys:
            raise ParseError(relpath, "duplicate subtotal row", field="security_class2_desc", value=label, line=line)
        total_keys.add((record_date, label))
        totals.append(
            {
                "record_date": record_date,
                "label": label,
                "security_class": total_class,
                "outstanding_usd_mn": to_float(
                    parse_amount(row["outstanding_amt"], relpath, "outstanding_amt", line=line)
                ),
            }
        )
    return {
        "marketable_securities": frame("marketable_securities", securities),
        "marketable_totals": frame("marketable_totals", totals),
    }


def _security_class(relpath: str, class1: object, line: int | None) -> str:
    try:
        return SECURITY_CLASSES[class1]
    except (KeyError, TypeError):
        raise ParseError(
            relpath, "unknown marketable security class", field="security_class1_desc", value=class1, line=line
        ) from None


def _total_label(relpath: str, class1: object, class2: object, line: int | None) -> tuple[str, str]:
    if isinstance(class2, str) and class2.startswith("Total "):
        return class2, _security_class(relpath, class1, line)
    if class2 in NULLS and class1 in CLASS1_TOTALS:
        return class1, CLASS1_TOTALS[class1]
    raise ParseError(
        relpath,
        "marketable row is neither a CUSIP (912…, 9 characters) nor a known subtotal",
        field="security_class2_desc",
        value=class2,
        line=line,
    )


def _security(
    relpath: str, row: dict, line: int | None, record_date: date, sec_class: str, tranche_no: int, source_format: str
) -> dict:
    cusip = row["security_class2_desc"]
    outstanding = parse_amount(row["outstanding_amt"], relpath, "outstanding_amt", line=line)
    if tranche_no == 1 and outstanding is None:
        # The CUSIP total sits on the first tranche; a null here means rows are out of order or a page
        # boundary split the CUSIP, and per-CUSIP sums would silently drop it.
        raise ParseError(
            relpath,
            f"first tranche of CUSIP {cusip} has no outstanding amount",
            field="outstanding_amt",
            value=row["outstanding_amt"],
            line=line,
        )
    out = {
        "record_date": record_date,
        "cusip": cusip,
        "tranche_no": tranche_no,
        "security_class": sec_class,
        "security_class1_desc": row["security_class1_desc"],
        "issue_date": parse_date(row.get("issue_date", "null"), relpath, "issue_date", line=line, required=False),
        "maturity_date": parse_date(row["maturity_date"], relpath, "maturity_date", line=line),
        "outstanding_usd_mn": to_float(outstanding),
        "source_format": source_format,
    }
    for field, column in DETAIL_FIELDS.items():
        out[column] = to_float(parse_amount(row.get(field, "null"), relpath, field, line=line))
    if sec_class in NO_COUPON:
        out["interest_rate_pct"] = float("nan")
    return out
