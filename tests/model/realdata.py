"""Minimal readers of real snapshot files into warehouse-shaped frames, for model tests and bench/rollover.py.

Deliberately small (the real parsers live in flows/sources and own every quirk): enough to run the model on
the real MSPD stock, curves, SOMA and Average Interest Rates without a warehouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from model.curve import FRED_TENORS

CLASS = {"Bills Maturity Value": "Bills", "Notes": "Notes", "Bonds": "Bonds",
         "Inflation-Protected Securities": "TIPS", "Floating Rate Notes": "FRN"}
TOTAL_CLASS = {"Bills": "Bills", "Notes": "Notes", "Bonds": "Bonds", "TIPS": "TIPS", "Floating": "FRN"}
CSV_COLS = {"Record Date": "record_date", "Security Class 1 Description": "security_class1_desc",
            "Security Class 2 Description": "cusip", "Interest Rate": "interest_rate_pct", "Yield": "yield_pct",
            "Issue Date": "issue_date", "Maturity Date": "maturity_date", "Issued Amount (in Millions)": "issued_usd_mn",
            "Amount Adjusted for Inflation (in Millions)": "inflation_adj_usd_mn",
            "Redeemed Amount (in Millions)": "redeemed_usd_mn", "Outstanding Amount (in Millions)": "outstanding_usd_mn",
            "Source Line Number": "src"}


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace({"null": None, "*": "0"}), errors="coerce")


def _split(df: pd.DataFrame, fmt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = df[df["security_class1_desc"].isin(CLASS) | df["cusip"].astype(str).str.startswith("Total")].copy()
    is_cusip = df["cusip"].astype(str).str.match(r"^912[0-9A-Z]{6}$")
    rows = df[is_cusip].copy()
    rows["security_class"] = rows["security_class1_desc"].map(CLASS)
    rows["tranche_no"] = rows.groupby("cusip").cumcount() + 1
    rows["source_format"] = fmt
    for c in ("record_date", "issue_date", "maturity_date"):
        if c in rows:
            rows[c] = pd.to_datetime(rows[c].replace({"null": None}))
    for c in ("interest_rate_pct", "yield_pct", "issued_usd_mn", "inflation_adj_usd_mn", "redeemed_usd_mn",
              "outstanding_usd_mn"):
        rows[c] = _num(rows[c]) if c in rows else np.nan
    if "issue_date" not in rows:
        rows["issue_date"] = pd.NaT
    totals = df[~is_cusip].rename(columns={"cusip": "label"})
    totals = pd.DataFrame({"record_date": pd.to_datetime(totals["record_date"]), "label": totals["label"],
                           "outstanding_usd_mn": _num(totals["outstanding_usd_mn"])})
    return rows, totals


def mspd_csv(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MSPD_DetailSecty_*.csv -> (marketable_securities-like rows, marketable_totals-like rows)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=CSV_COLS)
    df = df[df["Security Type Description"] == "Marketable"]
    df = df.assign(src=df["src"].astype(int)).sort_values("src")
    return _split(df, "csv")


def mspd_json(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = pd.DataFrame(json.loads(path.read_text())["data"]).rename(
        columns={"security_class2_desc": "cusip", "outstanding_amt": "outstanding_usd_mn"})
    df = df[df["security_type_desc"] == "Marketable"].fillna("null")
    return _split(df, "api_json")


def par_curve(snapshot: Path) -> pd.DataFrame:
    """Every Treasury par-curve CSV in the snapshot -> long (date, tenor_months, yield_pct)."""
    frames = []
    for p in sorted((snapshot / "treasury").glob("*.csv")):
        df = pd.read_csv(p)
        df["Date"] = pd.to_datetime(df["Date"], format="mixed")
        long = df.melt(id_vars="Date", var_name="col", value_name="yield_pct").dropna()
        num = long["col"].str.extract(r"([\d.]+)\s*(Mo|Month|Yr)")
        long["tenor_months"] = num[0].astype(float) * np.where(num[1] == "Yr", 12.0, 1.0)
        frames.append(long.rename(columns={"Date": "date"})[["date", "tenor_months", "yield_pct"]])
    out = pd.concat(frames).drop_duplicates(["date", "tenor_months"], keep="last")
    return out.sort_values(["date", "tenor_months"], ignore_index=True)


def fred_curve_obs(snapshot: Path) -> pd.DataFrame:
    """fredgraph DGS*.csv -> fred_observations-like rows (series_id, date, value)."""
    frames = []
    for sid in FRED_TENORS:
        p = snapshot / "fred" / f"{sid}.csv"
        if p.exists():
            df = pd.read_csv(p)
            frames.append(pd.DataFrame({"series_id": sid, "date": pd.to_datetime(df.iloc[:, 0]),
                                        "value": pd.to_numeric(df.iloc[:, 1], errors="coerce")}))
    return pd.concat(frames, ignore_index=True)


def avg_rates(snapshot: Path) -> pd.DataFrame:
    d = json.loads((snapshot / "fiscaldata/avg_interest_rates__sort-desc_size30.json").read_text())["data"]
    df = pd.DataFrame(d)
    return pd.DataFrame({"record_date": pd.to_datetime(df["record_date"]),
                         "security_type_desc": df["security_type_desc"], "security_desc": df["security_desc"],
                         "avg_interest_rate_pct": pd.to_numeric(df["avg_interest_rate_amt"])})


def mspd_summary(snapshot: Path) -> pd.DataFrame:
    d = json.loads((snapshot / "fiscaldata/mspd_table_1__sort-desc_size30.json").read_text())["data"]
    df = pd.DataFrame(d)
    return pd.DataFrame({"record_date": pd.to_datetime(df["record_date"]),
                         "security_type_desc": df["security_type_desc"],
                         "security_class_desc": df["security_class_desc"],
                         "total_usd_mn": pd.to_numeric(df["total_mil_amt"])})


def soma(snapshot: Path) -> pd.DataFrame:
    df = pd.read_csv(snapshot / "fred/nyfed_soma/SOMA_Mar302022.csv", dtype=str)
    num = lambda c: pd.to_numeric(df[c], errors="coerce")  # noqa: E731
    return pd.DataFrame({"as_of_date": pd.to_datetime(df["As Of Date"]), "cusip": df["CUSIP"].str.strip("'"),
                         "security_type": df["Security Type"], "maturity_date": pd.to_datetime(df["Maturity Date"]),
                         "coupon_pct": num("Coupon (%)"), "spread_pct": num("Spread (%)"),
                         "par_value_usd": num("Par Value"), "inflation_compensation_usd": num("Inflation Compensation")})


def auctions(snapshot: Path) -> pd.DataFrame:
    df = pd.read_csv(snapshot / "fiscaldata/Auctions_Query_19791115_20251215.csv", dtype=str, encoding="utf-8-sig")
    return pd.DataFrame({"cusip": df["CUSIP"], "security_type": df["Security Type"],
                         "security_term": df["Security Term"], "auction_date": pd.to_datetime(df["Auction Date"]),
                         "issue_date": pd.to_datetime(df["Issue Date"].replace({"null": None}))})


def tic_holdings(snapshot: Path) -> pd.DataFrame:
    lines = (snapshot / "tic/slt_table5.txt").read_text(encoding="latin-1").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Country\t"))
    months = [m for m in lines[header].split("\t")[1:] if m.strip()]
    rows = []
    for line in lines[header + 1:]:
        f = line.split("\t")
        if not f[0].strip() or f[0].startswith(("Grand", "Of Which", "Notes")):
            break
        name = {"China, Mainland": "China", "Korea, South": "South Korea"}.get(f[0].strip(), f[0].strip())
        for m, v in zip(months, f[1:], strict=False):
            if v.strip():
                rows.append((pd.Period(m, "M").to_timestamp(how="end").normalize(), name, float(v)))
    return pd.DataFrame(rows, columns=["month", "country", "holdings_usd_bn"])
