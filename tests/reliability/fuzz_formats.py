"""One small real seed per payload format, and where its value cells are, for the parser fuzz tests.

Seeds are cut from the real snapshot files (a head of the big ones, whole small ones), kept valid: the
seed itself must parse. A value cell is a place in the seed holding one published number that lands in one
column of one row; `with_value` rewrites exactly that cell, so a test can say what the parse must become.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.fuzz_cells import (
    Render,
    compact,
    delimited_cells,
    fred_xml,
    head,
    is_number,
    json_cells,
    lines_of,
    split_cells,
)


@dataclass
class Format:
    name: str
    source: str  # flows.ingest.SOURCES key
    relpath: str
    body: bytes
    table: str | None = None  # table the value cells land in (None: no value cells, e.g. mfh.txt)
    # (render the seed with a new token in this cell, our column it lands in, the token there now)
    cells: list[tuple[Render, str, str]] = field(default_factory=list)
    expect: str = "diff"  # "diff": a changed cell changes exactly that value | "parse_error": a sum check trips


# ---------------------------------------------------------------- the formats


def _fred_csv(name: str, relpath: str, body: bytes) -> Format:
    cells = delimited_cells(
        body,
        ",",
        range(1, len(lines_of(body))),
        lambda h, r: [1] if len(r) == 2 and r[1].strip() not in ("", ".") else [],
    )
    return Format(name, "fred", relpath, body, "fred_observations", cells)


def _tic_slt5(body: bytes) -> Format:
    lines = lines_of(body)
    at = next(i for i, ln in enumerate(lines) if ln.startswith(b"Country\t"))
    end = next(i for i in range(at + 1, len(lines)) if not lines[i].strip(b"\t\r\n "))
    cells = delimited_cells(
        body,
        "\t",
        range(at + 1, end),
        lambda h, r: [j for j in range(1, len(r)) if is_number(r[j])],
        header_at=at,
        column=lambda _: "holdings_usd_bn",
    )
    return Format("tic_slt_table5", "tic", "tic/slt_table5.txt", body, "foreign_holdings", cells)


def _tic_slt3(full: bytes) -> Format:
    lines = lines_of(full)
    names = next(i for i, ln in enumerate(lines) if ln.startswith(b"country\t"))
    end = next(i for i in range(names + 1, len(lines)) if not lines[i].strip(b"\t\r\n "))
    codes: list[bytes] = []
    for ln in lines[names + 1 : end]:
        code = ln.split(b"\t")[1]
        if code not in codes:
            codes.append(code)
    keep = set(codes[:2]) | {b"99996"}
    data = [ln for ln in lines[names + 1 : end] if ln.split(b"\t")[1] in keep]
    body = b"".join(lines[: names + 1] + data + lines[end:])
    from flows.sources.tic import FLOW_FIELDS

    cols = {name: col for name, col in FLOW_FIELDS.items()}
    cells = delimited_cells(
        body,
        "\t",
        range(names + 1, names + 1 + len(data)),
        lambda h, r: [j for j, n in enumerate(h) if n in cols and is_number(r[j])],
        header_at=names,
        column=lambda n: cols[n],
    )
    return Format("tic_slt_table3", "tic", "tic/slt_table3.txt", body, "foreign_flows", cells)


def _tic_mfhhis01(full: bytes) -> Format:
    """The newest year block (no series-break columns there) and the footer with the vintage stamp."""
    lines = lines_of(full)
    months = [i for i, ln in enumerate(lines) if ln.lstrip(b"\t").startswith(b"Dec\tNov")]
    footer = next(i for i, ln in enumerate(lines) if ln.startswith(b"Department of the Treasury"))
    body = b"".join(lines[: months[1]] + lines[footer:])
    first = next(i for i, ln in enumerate(lines) if ln.startswith(b"Country\t"))

    def pick(h: list[str], r: list[str]) -> list[int]:
        if not r or not r[0].strip() or r[0].strip().lower().startswith(("of which", "country")):
            return []
        return [j for j in range(1, len(r)) if is_number(r[j])]

    cells = delimited_cells(body, "\t", range(first + 1, months[1]), pick, header_at=None)
    return Format(
        "tic_mfhhis01",
        "tic",
        "tic/mfhhis01.txt",
        body,
        "foreign_holdings",
        [(render, "holdings_usd_bn", old) for render, _, old in cells],
    )


def _csv_format(
    name,
    source,
    relpath,
    body,
    table,
    columns: dict[str, str],
    allowed: Callable[[dict[str, str]], set[str] | None] = lambda r: None,
    null: tuple[str, ...] = ("", "null", "*"),
) -> Format:
    """A comma CSV whose value columns are named in `columns` (source header -> our column); `allowed(row)`
    narrows them per row (None = all)."""
    header = [h.lstrip("\ufeff").strip() for h in split_cells(lines_of(body)[0], ",")]

    def pick(h: list[str], r: list[str]) -> list[int]:
        if len(r) != len(header):
            return []
        ok = allowed(dict(zip(header, r, strict=True)))
        return [
            j
            for j, n in enumerate(header)
            if n in columns and (ok is None or n in ok) and r[j].strip() not in null and is_number(r[j])
        ]

    cells = delimited_cells(
        body, ",", range(1, len(lines_of(body))), pick, column=lambda n: columns[n.lstrip("\ufeff").strip()]
    )
    return Format(name, source, relpath, body, table, cells)


def _mspd_csv(full: bytes) -> Format:
    lines = lines_of(full)
    header = split_cells(lines[0], ",")
    src = header.index("Source Line Number")
    body = lines[0] + b"".join(ln for ln in lines[1:] if int(split_cells(ln, ",")[src]) <= 70)
    detail = {
        "Issued Amount (in Millions)": "issued_usd_mn",
        "Redeemed Amount (in Millions)": "redeemed_usd_mn",
        "Outstanding Amount (in Millions)": "outstanding_usd_mn",
        "Yield": "yield_pct",
        "Amount Adjusted for Inflation (in Millions)": "inflation_adj_usd_mn",
        "Interest Rate": "interest_rate_pct",
    }

    def allowed(r: dict[str, str]) -> set[str]:
        # Only CUSIP rows of marketable debt are stored; bills and FRNs have no coupon (not stored, by design).
        if r["Security Type Description"] != "Marketable" or not r["Security Class 2 Description"].startswith("912"):
            return set()
        no_coupon = r["Security Class 1 Description"] in ("Bills Maturity Value", "Floating Rate Notes")
        return set(detail) - ({"Interest Rate"} if no_coupon else set())

    return _csv_format(
        "fiscaldata_mspd_csv",
        "fiscaldata",
        "fiscaldata/MSPD_DetailSecty_20230831_20230831.csv",
        body,
        "marketable_securities",
        detail,
        allowed,
    )


def formats(snapshot: Path) -> list[Format]:
    read = lambda rel: (snapshot / rel).read_bytes()  # noqa: E731
    out = [
        _tic_slt5(read("tic/slt_table5.txt")),
        _tic_slt3(read("tic/slt_table3.txt")),
        _tic_mfhhis01(read("tic/mfhhis01.txt")),
        Format("tic_mfh_stale", "tic", "tic/mfh.txt", read("tic/mfh.txt")),
        _fred_csv("fred_csv", "fred/DGS10.csv", head(read("fred/DGS10.csv"), 80)),
        _fred_csv(
            "fred_csv_legacy",
            "fred/legacy_format/DGS10__DATE-header_2024-08.csv",
            head(read("fred/legacy_format/DGS10__DATE-header_2024-08.csv"), 80),
        ),
        _fred_csv(
            "fred_zip_2017",
            "fred/legacy_format/FYFR__DATE-VALUE_2017-zip.csv",
            read("fred/legacy_format/FYFR__DATE-VALUE_2017-zip.csv"),
        ),
        _fred_csv("fred_resaved", "fred/resaved/FYOINT.csv", read("fred/resaved/FYOINT.csv")),
    ]
    gdp = json.loads(read("fred/api_observations_GDP.json"))
    gdp["observations"] = gdp["observations"][-60:]
    gdp["count"] = len(gdp["observations"])  # the extent check compares count/offset/limit with the list
    out.append(
        Format(
            "fred_api_json",
            "fred",
            "fred/api_observations_GDP.json",
            compact(gdp),
            "fred_observations",
            json_cells(gdp, "observations", {"value": "value"}, compact),
        )
    )
    out.append(
        Format(
            "fred_api_xml",
            "fred",
            "fred/api_observations_GDP.xml",
            fred_xml(gdp),
            "fred_observations",
            json_cells(gdp, "observations", {"value": "value"}, fred_xml),
        )
    )
    tenors = {
        h: "yield_pct"
        for h in (
            "1 Mo",
            "1.5 Month",
            "2 Mo",
            "3 Mo",
            "4 Mo",
            "6 Mo",
            "1 Yr",
            "2 Yr",
            "3 Yr",
            "5 Yr",
            "7 Yr",
            "10 Yr",
            "20 Yr",
            "30 Yr",
        )
    }
    out.append(
        _csv_format(
            "yield_curve_yearly",
            "yield_curve",
            "treasury/daily-treasury-rates_2024.csv",
            head(read("treasury/daily-treasury-rates_2024.csv"), 60),
            "yield_curve",
            tenors,
        )
    )
    out.append(
        _csv_format(
            "yield_curve_archive",
            "yield_curve",
            "treasury/yield-curve-rates-1990-2024.csv",
            head(read("treasury/yield-curve-rates-1990-2024.csv"), 60),
            "yield_curve",
            tenors,
        )
    )
    soma = {
        "Spread (%)": "spread_pct",
        "Coupon (%)": "coupon_pct",
        "Current Face Value": "current_face_value_usd",
        "Par Value": "par_value_usd",
        "Inflation Compensation": "inflation_compensation_usd",
        "Percent Outstanding": "percent_outstanding",
        "Change From Prior Week": "change_from_prior_week_usd",
        "Change From Prior Year": "change_from_prior_year_usd",
    }
    out.append(
        _csv_format(
            "soma_csv",
            "soma",
            "fred/nyfed_soma/SOMA_Mar302022.csv",
            head(read("fred/nyfed_soma/SOMA_Mar302022.csv"), 60),
            "soma_holdings",
            soma,
        )
    )
    auctions = head(read("fiscaldata/Auctions_Query_19791115_20251215.csv"), 80)
    out.append(
        _csv_format(
            "auctions_csv",
            "auctions",
            "fiscaldata/Auctions_Query_19791115_20251215.csv",
            auctions,
            "auctions",
            {"Price per $100": "price_per_100"},
        )
    )
    out.append(_auctions_api(auctions))
    out.append(_mspd_csv(read("fiscaldata/MSPD_DetailSecty_20230831_20230831.csv")))
    out.extend(_fiscal_json(read))
    return out


def _auctions_api(csv_body: bytes) -> Format:
    from flows.sources.auctions import FIELDS

    rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig"))))
    data = [{api: (r[name] if r[name] != "null" else None) for name, api in FIELDS.values()} for r in rows]
    doc = {"data": data, "meta": {"count": len(data)}, "links": {"next": None}}
    return Format(
        "auctions_api_json",
        "auctions",
        "fiscaldata/auctions_query__all__page1.json",
        compact(doc),
        "auctions",
        json_cells(doc, "data", {"price_per100": "price_per_100"}, compact),
    )


def _fiscal_json(read) -> list[Format]:
    out = []
    specs = [
        (
            "debt_to_penny",
            "debt_to_penny__sort-desc_size5.json",
            "debt_to_penny",
            {
                "debt_held_public_amt": "debt_held_public_usd",
                "intragov_hold_amt": "intragov_hold_usd",
                "tot_pub_debt_out_amt": "total_public_debt_usd",
            },
            "parse_error",
        ),
        (
            "avg_interest_rates",
            "avg_interest_rates__sort-desc_size30.json",
            "avg_interest_rates",
            {"avg_interest_rate_amt": "avg_interest_rate_pct"},
            "diff",
        ),
        (
            "mspd_table_1",
            "mspd_table_1__sort-desc_size30.json",
            "mspd_summary",
            {
                "debt_held_public_mil_amt": "debt_held_public_usd_mn",
                "intragov_hold_mil_amt": "intragov_hold_usd_mn",
                "total_mil_amt": "total_usd_mn",
            },
            "parse_error",
        ),
        (
            "mspd_table_3",
            "mspd_table_3__record_date-2026-09-30__fields6.json",
            "marketable_securities",
            {"outstanding_amt": "outstanding_usd_mn"},
            "diff",
        ),
    ]
    for name, file, table, fields, expect in specs:
        doc = json.loads(read(f"fiscaldata/{file}"))
        if name == "mspd_table_3":
            doc["data"] = doc["data"][:60]
        keep = (
            (lambda r: str(r.get("security_class2_desc", "")).startswith("912"))
            if name == "mspd_table_3"
            else (lambda r: True)
        )
        out.append(
            Format(
                f"fiscaldata_{name}",
                "fiscaldata",
                f"fiscaldata/{file}",
                compact(doc),
                table,
                json_cells(doc, "data", fields, compact, keep),
                expect,
            )
        )
    return out
