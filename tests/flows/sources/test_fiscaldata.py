"""Fiscal Data source on the real snapshot: the payloads in load order, schema columns and keys, and the values
of Debt to the Penny, average interest rates and the MSPD (CSV and JSON) checked against the published totals.
Malformed payloads: test_fiscaldata_malformed.py; paging, retries and live extraction: test_fiscaldata_live.py."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.sources import fiscaldata
from tests.conftest import read_snapshot
from warehouse.schema import TABLES

CSV_AUG = "fiscaldata/MSPD_DetailSecty_20230831_20230831.csv"
CSV_SEP = "fiscaldata/MSPD_DetailSecty_20230930_20230930.csv"
JSON_2026 = "fiscaldata/mspd_table_3__record_date-2026-09-30__fields6.json"
UNMATURED = {
    "Bills": "Total Unmatured Treasury Bills",
    "Notes": "Total Unmatured Treasury Notes",
    "Bonds": "Total Unmatured Treasury Bonds",
    "TIPS": "Total Treasury TIPS",
    "FRN": "Total Treasury Floating Rate Notes",
}


def parse(snapshot_dir, relpath):
    return fiscaldata.transform(relpath, read_snapshot(snapshot_dir, relpath))


def totals(frames) -> dict[str, float]:
    t = frames["marketable_totals"]
    return dict(zip(t["label"], t["outstanding_usd_mn"], strict=True))


def class_sums(frames) -> dict[str, float]:
    return frames["marketable_securities"].groupby("security_class")["outstanding_usd_mn"].sum().to_dict()


# ---- real snapshot ------------------------------------------------------------------------------------


def test_offline_payloads_are_this_sources_files_in_load_order(snapshot_dir):
    payloads = fiscaldata.extract_offline(snapshot_dir)
    relpaths = [p.relpath for p in payloads]
    assert relpaths[0] == "fiscaldata/resaved/avg_interest_rates__default_page1_prettyprinted.json"
    assert relpaths[-2:] == [CSV_AUG, CSV_SEP]  # full-field CSVs load last
    assert len(relpaths) == 7 and not any("Auctions_Query" in r for r in relpaths)
    assert all(p.offline and p.source == "fiscaldata" and p.url == "snapshot:" + p.relpath for p in payloads)


def test_every_offline_payload_parses_to_the_schema_columns_without_duplicate_keys(snapshot_dir):
    counts = {}
    for p in fiscaldata.extract_offline(snapshot_dir):
        for table, df in fiscaldata.transform(p.relpath, p.body).items():
            assert list(df.columns) == TABLES[table].parsed_columns
            assert not df.duplicated(list(TABLES[table].key)).any()
            counts[(p.relpath.rsplit("/", 1)[-1], table)] = len(df)
    assert counts[("debt_to_penny__sort-desc_size5.json", "debt_to_penny")] == 5
    assert counts[("mspd_table_1__sort-desc_size30.json", "mspd_summary")] == 30
    assert counts[("avg_interest_rates__sort-desc_size30.json", "avg_interest_rates")] == 30
    assert counts[("MSPD_DetailSecty_20230831_20230831.csv", "marketable_securities")] == 811
    assert counts[("MSPD_DetailSecty_20230831_20230831.csv", "marketable_totals")] == 13


def test_debt_to_penny_dollars_and_public_plus_intragov_equals_total(snapshot_dir):
    df = parse(snapshot_dir, "fiscaldata/debt_to_penny__sort-desc_size5.json")["debt_to_penny"]
    assert len(df) == 5
    newest = df.set_index("record_date").loc[pd.Timestamp("2026-10-05")]
    assert newest["total_public_debt_usd"] == pytest.approx(40_249_104_431_078.48, abs=0.01)
    gap = df["debt_held_public_usd"] + df["intragov_hold_usd"] - df["total_public_debt_usd"]
    assert (gap.abs() < 0.01).all()


def test_avg_interest_rates_sep_2026_total_interest_bearing_debt(snapshot_dir):
    df = parse(snapshot_dir, "fiscaldata/avg_interest_rates__sort-desc_size30.json")["avg_interest_rates"]
    row = df[(df.record_date == pd.Timestamp("2026-09-30")) & (df.security_desc == "Total Interest-bearing Debt")]
    assert row["avg_interest_rate_pct"].tolist() == [3.531]
    assert set(df["security_type_desc"]) == {"Marketable", "Non-marketable", "Interest-bearing Debt"}


def test_resaved_2001_page_parses(snapshot_dir):
    rel = "fiscaldata/resaved/avg_interest_rates__default_page1_prettyprinted.json"
    df = parse(snapshot_dir, rel)["avg_interest_rates"]
    assert len(df) == 100
    assert df["record_date"].min() == pd.Timestamp("2001-01-31")
    assert df["record_date"].max() == pd.Timestamp("2001-07-31")


def test_mspd_summary_keeps_underscore_on_total_rows_and_classes_add_up(snapshot_dir):
    df = parse(snapshot_dir, "fiscaldata/mspd_table_1__sort-desc_size30.json")["mspd_summary"]
    sep = df[df.record_date == pd.Timestamp("2026-09-30")].set_index(["security_type_desc", "security_class_desc"])
    total = sep.loc[("Total Marketable", "_"), "total_usd_mn"]
    assert total == pytest.approx(31_834_878.4434023, abs=1e-6)
    assert sep.loc["Marketable", "total_usd_mn"].sum() == pytest.approx(total, abs=1e-6)
    assert (df.debt_held_public_usd_mn + df.intragov_hold_usd_mn - df.total_usd_mn).abs().max() < 0.01


def test_mspd_csv_2023_08_31_totals_and_cusip_rows(snapshot_dir):
    frames = parse(snapshot_dir, CSV_AUG)
    t, sec = totals(frames), frames["marketable_securities"]
    assert t["Total Marketable"] == pytest.approx(25_477_563.02, abs=0.01)
    expected = {
        "Total Treasury Bills": 5_073_922.41,
        "Total Treasury Notes": 13_702_547.27,
        "Total Treasury Bonds": 4_226_927.27,
        "Total Treasury TIPS": 1_917_117.91,
        "Total Treasury Floating Rate Notes": 551_555.96,
        "Federal Financing Bank": 5_492.21,
    }
    for label, value in expected.items():
        assert t[label] == pytest.approx(value, abs=0.01), label
    assert t["Total Matured Treasury Bills"] == 0  # "*" rounds to zero
    assert sec["cusip"].nunique() == 442
    assert sec["cusip"].str.fullmatch(r"912[0-9A-Z]{6}").all()  # nonmarketable rows are nowhere
    sums = class_sums(frames)
    for cls, label in UNMATURED.items():
        assert sums[cls] == pytest.approx(t[label], abs=0.01), cls
    assert (sec["source_format"] == "csv").all() and sec["issue_date"].notna().all()


def test_mspd_csv_tranches_bills_and_frn_fields(snapshot_dir):
    sec = parse(snapshot_dir, CSV_AUG)["marketable_securities"].set_index(["cusip", "tranche_no"])
    bill = sec.loc["912797GR2"]  # three tranches, CUSIP total on the first only
    assert bill.index.tolist() == [1, 2, 3]
    assert bill["issue_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-05-09", "2023-07-11", "2023-08-08"]
    assert bill["outstanding_usd_mn"].iloc[0] == pytest.approx(168_420.9613)
    assert bill["outstanding_usd_mn"].iloc[1:].isna().all()
    assert bill["interest_rate_pct"].isna().all() and bill["yield_pct"].tolist() == [4.98, 5.2, 5.275]
    frn = sec.loc[("91282CDU2", 1)]
    assert frn["security_class"] == "FRN" and frn["yield_pct"] == -0.015 and pd.isna(frn["interest_rate_pct"])
    tips = sec.loc[("9128286N5", 1)]
    assert tips["security_class1_desc"] == "Inflation-Protected Securities" and tips["interest_rate_pct"] == 0.5
    assert tips["inflation_adj_usd_mn"] == pytest.approx(3607.74957071)


def test_mspd_csv_row_order_comes_from_source_line_number(snapshot_dir):
    body = read_snapshot(snapshot_dir, CSV_AUG)
    header, *lines = body.split(b"\r\n")
    shuffled = b"\r\n".join([header, *reversed([ln for ln in lines if ln])]) + b"\r\n"
    a = fiscaldata.transform(CSV_AUG, body)["marketable_securities"]
    b = fiscaldata.transform(CSV_AUG, shuffled)["marketable_securities"]
    pd.testing.assert_frame_equal(a, b)


def test_mspd_csv_2023_09_30_weekend_month_end_matured_notes(snapshot_dir):
    frames = parse(snapshot_dir, CSV_SEP)
    t = totals(frames)
    assert t["Total Matured Treasury Notes"] == pytest.approx(134_962.25, abs=0.01)
    assert frames["marketable_securities"]["cusip"].nunique() == 439
    notes = class_sums(frames)["Notes"]
    assert notes == pytest.approx(t["Total Unmatured Treasury Notes"], abs=0.01)
    assert abs(notes - t["Total Treasury Notes"]) > 100_000


def test_mspd_json_2026_09_30_field_subset(snapshot_dir):
    frames = parse(snapshot_dir, JSON_2026)
    sec, t = frames["marketable_securities"], totals(frames)
    per_class = sec.groupby("security_class")["cusip"].nunique().to_dict()
    assert per_class == {"Bills": 49, "Notes": 241, "Bonds": 112, "TIPS": 53, "FRN": 8}
    assert sec["cusip"].nunique() == 463
    classes = [
        "Total Treasury Bills",
        "Total Treasury Notes",
        "Total Treasury Bonds",
        "Total Treasury TIPS",
        "Total Treasury Floating Rate Notes",
        "Federal Financing Bank",
    ]
    assert sum(t[c] for c in classes) == pytest.approx(t["Total Marketable"], abs=1e-6)
    assert t["Total Marketable"] == pytest.approx(31_834_878.4434023, abs=1e-6)
    summary = parse(snapshot_dir, "fiscaldata/mspd_table_1__sort-desc_size30.json")["mspd_summary"]
    tm = summary[
        (summary.record_date == pd.Timestamp("2026-09-30")) & (summary.security_type_desc == "Total Marketable")
    ]["total_usd_mn"]
    assert tm.tolist() == [pytest.approx(t["Total Marketable"], abs=1e-6)]
    sums = class_sums(frames)
    for cls, label in UNMATURED.items():
        assert sums[cls] == pytest.approx(t[label], abs=1e-6), cls
    absent = ["issue_date", "interest_rate_pct", "yield_pct", "issued_usd_mn", "redeemed_usd_mn"]
    assert sec[absent].isna().all().all() and (sec["source_format"] == "api_json").all()
    assert sec.groupby("cusip")["tranche_no"].min().eq(1).all()
    assert sec[sec.tranche_no == 1]["outstanding_usd_mn"].notna().all()
    assert sec[sec.tranche_no > 1]["outstanding_usd_mn"].isna().all()
