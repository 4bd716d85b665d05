"""TIC parsers against the real snapshot files (values checked by hand against the files): extraction offline and
live, the warehouse contract, mfhhis01, slt_table5 and slt_table3. Stale, malformed and renamed input:
test_tic_edge_cases.py."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.http import FetchError
from flows.sources import tic
from tests.flows.sources.tic.tic_files import HIST, MFH, SLT3, SLT5, VINTAGE, body, value
from warehouse.schema import TABLES

# --- extract ----------------------------------------------------------------------------------


def test_extract_offline_returns_every_tic_file_in_load_order(snapshot_dir, raw):
    payloads = tic.extract_offline(snapshot_dir)
    assert [p.relpath for p in payloads] == [HIST, VINTAGE, SLT5, SLT3, MFH]
    for p in payloads:
        assert p.source == "tic" and p.offline and p.url == "snapshot:" + p.relpath
        assert p.body == raw[p.relpath]


class FakeHttp:
    def __init__(self, files: dict[str, bytes], fail: str | None = None):
        self.files, self.fail, self.urls = files, fail, []

    def get(self, url: str, params: dict | None = None) -> bytes:
        self.urls.append(url)
        if self.fail and url.endswith(self.fail):
            raise FetchError(f"GET {url} returned HTTP 503")
        return self.files[url.rsplit("/", 1)[1]]


def test_extract_live_fetches_three_files_never_mfh(raw):
    files = {rel.split("/")[1]: b for rel, b in raw.items()}
    http = FakeHttp(files)
    payloads = list(tic.extract_live(http, {}))
    base = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/"
    assert [p.relpath for p in payloads] == [HIST, SLT5, SLT3]
    assert [p.url for p in payloads] == [base + "mfhhis01.txt", base + "slt_table5.txt", base + "slt_table3.txt"]
    assert http.urls == [p.url for p in payloads] and not any("mfh.txt" in u for u in http.urls)
    assert all(not p.offline and p.source == "tic" for p in payloads)
    assert payloads[1].body == raw[SLT5]
    # A live payload's vintage is its fetch date.
    live5 = tic.transform(payloads[1].relpath, payloads[1].body, fetched_on=date(2026, 7, 1))["foreign_holdings"]
    assert set(live5.vintage) == {pd.Timestamp("2026-07-01")} and set(live5.vintage_basis) == {"fetch_date"}


def test_extract_live_propagates_fetch_errors(raw):
    http = FakeHttp({rel.split("/")[1]: b for rel, b in raw.items()}, fail="slt_table5.txt")
    with pytest.raises(FetchError, match="503"):
        list(tic.extract_live(http, {}))


def test_live_state_reads_newest_months(hist, slt3):
    con = duckdb.connect()
    assert tic.live_state(con) == {}  # fresh warehouse: no tables yet
    con.execute("CREATE TABLE foreign_holdings (month DATE, source_file VARCHAR)")
    con.execute("CREATE TABLE foreign_flows (month DATE)")
    con.execute("INSERT INTO foreign_holdings VALUES ('2025-12-31', 'mfhhis01.txt'), ('2026-04-30', 'slt_table5.txt')")
    con.execute("INSERT INTO foreign_flows VALUES ('2026-03-31'), ('2026-04-30')")
    assert tic.live_state(con) == {HIST: date(2025, 12, 31), SLT5: date(2026, 4, 30), SLT3: date(2026, 4, 30)}


# --- frames follow the contract ---------------------------------------------------------------


def test_frames_match_the_warehouse_contract(hist, slt5, slt3):
    for df, table in ((hist, "foreign_holdings"), (slt5, "foreign_holdings"), (slt3, "foreign_flows")):
        assert list(df.columns) == TABLES[table].parsed_columns
        assert pd.api.types.is_datetime64_any_dtype(df.month) and pd.api.types.is_datetime64_any_dtype(df.vintage)
        assert not df.duplicated(list(TABLES[table].key)).any()
        assert (df.month == df.month + pd.offsets.MonthEnd(0)).all()  # month-end dates
    assert hist.holdings_usd_bn.dtype == "float64" and str(slt3.country_code.dtype) == "Int64"


# --- mfhhis01 ---------------------------------------------------------------------------------


def test_mfhhis01_known_values_and_stamp(hist):
    assert value(hist, "2025-12-31", "Japan") == 1185.5
    assert value(hist, "2024-12-31", "Japan") == 1061.5
    assert value(hist, "2025-10-31", "Japan") == 1200.0  # printed "1200", trailing zeros dropped
    assert set(hist.vintage) == {pd.Timestamp("2026-05-18")} and set(hist.vintage_basis) == {"stamp"}
    assert set(hist.source_file) == {"mfhhis01.txt"}


def test_mfhhis01_row_counts(hist):
    assert len(hist) == 12348
    months = hist.month.drop_duplicates().sort_values()
    assert len(months) == 310 and months.iloc[0] == pd.Timestamp("2000-03-31")
    assert months.iloc[-1] == pd.Timestamp("2025-12-31")
    per_month = hist.groupby("month").row_kind.value_counts().unstack(fill_value=0)
    assert (per_month["total"] == 1).all() and (per_month["residual"] == 1).all() and (per_month["memo"] == 3).all()


def test_mfhhis01_2008_rows_sum_exactly_to_grand_total(hist):
    dec = hist[hist.month == pd.Timestamp("2008-12-31")]
    assert value(hist, "2008-12-31", "Grand Total") == 3077.2
    additive = dec[~dec.row_kind.isin(["memo", "total"])]
    assert {"Oil Exporters", "Caribbean Banking Centers"} <= set(additive[additive.row_kind == "group"].country)
    assert round(additive.holdings_usd_bn.sum(), 1) == 3077.2


def test_mfhhis01_monthly_sums_within_the_files_rounding(hist):
    additive = hist[~hist.row_kind.isin(["memo", "total"])].groupby("month").holdings_usd_bn.sum()
    total = hist[hist.row_kind == "total"].set_index("month").holdings_usd_bn
    gap = (additive - total).round(1).abs()
    # The manifest says ±0.3; the file really reaches 0.5 (Feb 2019, Jul 2021) and passes 0.3 in 16 months.
    assert gap.max() == 0.5 and (gap > 0.3).sum() == 16
    official = hist[hist.row_kind == "memo"].pivot(index="month", columns="country", values="holdings_usd_bn")
    split = official["Foreign Official: Treasury Bills"] + official["Foreign Official: T-Bonds & Notes"]
    assert (split - official["Foreign Official"]).round(1).abs().max() <= 0.1


def test_mfhhis01_series_breaks_keep_the_new_series(hist):
    noted = hist[hist.series_note.notna()]
    expected = [pd.Timestamp("2000-03-31")] + [pd.Timestamp(f"{y}-06-30") for y in range(2002, 2012)]
    assert sorted(noted.month.unique()) == expected
    assert noted.groupby("month").size().eq(hist[hist.month.isin(expected)].groupby("month").size()).all()
    # Jun 2008: Series IX (left column) is kept; Series VIII (279.3 for the UK) is for comparison only.
    assert value(hist, "2008-06-30", "United Kingdom") == 55.3
    assert value(hist, "2008-06-30", "Grand Total") == 2587.4
    assert "Series IX kept" in value(hist, "2008-06-30", "Japan", "series_note")
    assert "Series VIII" in value(hist, "2008-06-30", "Japan", "series_note")
    # Mar 2000: Series II (end-March 2000 benchmark) kept, Series I (1252.1) dropped.
    assert value(hist, "2000-03-31", "Grand Total") == 1085.0
    assert value(hist, "2008-05-31", "United Kingdom") == 271.4
    assert hist[hist.month == pd.Timestamp("2011-12-31")].series_note.isna().all()


def test_mfhhis01_footnote_decides_which_duplicate_is_kept(raw):
    tampered = body(raw, HIST, "The Series VIII \t", "The Series IX \t")
    df = tic.transform(HIST, tampered)["foreign_holdings"]
    assert value(df, "2008-06-30", "United Kingdom") == 279.3
    assert value(df, "2007-06-30", "United Kingdom") == 49.6  # other breaks unaffected


def test_mfhhis01_labels_and_row_kinds(hist):
    assert value(hist, "2025-12-31", "China") == 683.5  # "China, Mainland" quoted in the file
    assert value(hist, "2001-12-31", "South Korea") == 32.8  # "Korea, South " with a trailing space
    assert value(hist, "2011-12-31", "United Kingdom") == 114.3  # "United Kingdom 2/"
    assert value(hist, "2002-12-31", "Belgium") == 13.0  # "Belgium  5/"
    assert value(hist, "2000-12-31", "Belgium-Luxembourg") == 29.6
    assert value(hist, "2025-12-31", "All Other") == 710.8
    assert value(hist, "2022-12-31", "Foreign Official") == 3667.4  # indented "  For. Official"
    assert value(hist, "2025-12-31", "Foreign Official: Treasury Bills") == 388.5
    assert value(hist, "2025-12-31", "Foreign Official: T-Bonds & Notes") == 3489.1
    kinds = hist.drop_duplicates("country").set_index("country").row_kind
    assert kinds["Oil Exporters"] == "group" and kinds["Caribbean Banking Centers"] == "group"
    assert kinds["All Other"] == "residual" and kinds["Grand Total"] == "total" and kinds["Japan"] == "country"
    assert hist[hist.row_kind == "group"].month.max() == pd.Timestamp("2011-12-31")
    assert not any("/" in c or "  " in c for c in hist.country)
    # n.a. cells (Luxembourg inside Belgium before Jun 2002) are NULL; blank cells make no row.
    lux = hist[(hist.country == "Luxembourg") & (hist.month.dt.year == 2002)].set_index("month").holdings_usd_bn
    assert lux.isna().sum() == 5 and lux[pd.Timestamp("2002-06-30")] == 23.1
    assert "El Salvador" not in set(hist[hist.month.dt.year == 2024].country)


def test_mfhhis01_vintages_differ_only_in_revised_2025_cells(hist, march):
    assert set(march.vintage) == {pd.Timestamp("2026-03-18")}  # "3/18/26" stamp, LF line endings
    assert value(march, "2025-12-31", "United Kingdom") == 866.0
    assert value(hist, "2025-12-31", "United Kingdom") == 863.1
    both = hist.merge(march, on=["month", "country"], how="outer", indicator=True)
    assert (both._merge == "both").all()
    revised = both[both.holdings_usd_bn_x.ne(both.holdings_usd_bn_y) & both.holdings_usd_bn_x.notna()]
    assert len(revised) == 76 and set(revised.month.dt.year) == {2025}


def test_mfhhis01_crlf_and_lf_parse_identically(raw, hist):
    lf = tic.transform(HIST, raw[HIST].replace(b"\r\n", b"\n"))["foreign_holdings"]
    pd.testing.assert_frame_equal(lf, hist)


# --- slt_table5 -------------------------------------------------------------------------------


def test_slt5_values_and_estimated_vintage(slt5):
    assert value(slt5, "2026-04-30", "Japan") == 1209.9
    assert len(slt5) == 325 and slt5.month.nunique() == 13
    assert set(slt5.vintage) == {pd.Timestamp("2026-06-18")} and set(slt5.vintage_basis) == {"estimated_release"}
    # "Of Which: Foreign Official" is a prefix of the two rows after it: three distinct memo rows.
    assert value(slt5, "2026-04-30", "Foreign Official") == 3906.5
    assert value(slt5, "2026-04-30", "Foreign Official: Treasury Bills") == 457.3
    assert value(slt5, "2026-04-30", "Foreign Official: T-Bonds & Notes") == 3449.2
    assert set(slt5[slt5.row_kind == "memo"].country) == {
        "Foreign Official",
        "Foreign Official: Treasury Bills",
        "Foreign Official: T-Bonds & Notes",
    }
    additive = slt5[~slt5.row_kind.isin(["memo", "total"])].groupby("month").holdings_usd_bn.sum()
    total = slt5[slt5.row_kind == "total"].set_index("month").holdings_usd_bn
    assert (additive - total).round(1).abs().max() <= 0.2


def test_slt5_equals_history_where_they_overlap(hist, slt5):
    both = hist.merge(slt5, on=["month", "country"])
    both = both[both.country != "All Other"]  # the residual depends on how many countries are listed
    assert len(both) == 216 and (both.holdings_usd_bn_x == both.holdings_usd_bn_y).all()


# --- slt_table3 -------------------------------------------------------------------------------


def test_slt3_counts_codes_and_kinds(slt3):
    assert len(slt3) == 6916 and slt3.country_code.nunique() == 91 and slt3.month.nunique() == 76
    assert slt3.month.min() == pd.Timestamp("2020-01-31") and slt3.month.max() == pd.Timestamp("2026-04-30")
    assert set(slt3[slt3.country == "Japan"].country_code) == {42609}
    assert value(slt3, "2026-04-30", "Japan", "holdings_usd_mn") == 1209889.0
    assert slt3.row_kind.value_counts().to_dict() == {
        "country": 5776,
        "region": 532,
        "memo": 304,
        "io": 228,
        "total": 76,
    }
    codes = slt3.drop_duplicates("country_code").set_index("country_code")
    assert codes.loc[99990, "country"] == "Foreign Official" and codes.loc[99991, "country"] == "Foreign Non-Official"
    assert codes.loc[99996, "row_kind"] == "total" and codes.loc[79995, "row_kind"] == "io"
    assert set(slt3.vintage) == {pd.Timestamp("2026-06-18")} and set(slt3.vintage_basis) == {"estimated_release"}


def test_slt3_identities_hold(slt3):
    p = slt3.pivot(index="month", columns="country", values="holdings_usd_mn")
    assert (p["Foreign Official"] + p["Foreign Non-Official"] == p["Grand Total"]).all()
    assert (p["All Countries"] + p["Total IROs"] == p["Grand Total"]).all()
    assert ((slt3.lt_holdings_usd_mn + slt3.st_holdings_usd_mn - slt3.holdings_usd_mn).abs().dropna() <= 1).all()


def test_slt3_net_purchases_null_before_2023_02(slt3):
    before = slt3[slt3.month < pd.Timestamp("2023-02-01")]
    assert before.net_purchases_usd_mn.isna().all() and before.lt_valuation_change_usd_mn.isna().all()
    after = slt3[(slt3.month >= pd.Timestamp("2023-02-01")) & slt3.country.isin(["Japan", "Grand Total"])]
    assert after.net_purchases_usd_mn.notna().all() and len(after) == 2 * 39
    assert value(slt3, "2026-04-30", "Japan", "net_purchases_usd_mn") == 16283.0


def test_slt3_agrees_with_slt5(slt3, slt5):
    both = slt5.merge(slt3, on=["month", "country"])
    assert len(both) == 286
    assert (both.holdings_usd_bn - both.holdings_usd_mn / 1000).abs().max() <= 0.05 + 1e-9
