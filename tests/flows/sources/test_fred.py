"""FRED: every snapshot format against the real files, malformed inputs, and the live paths (keyless CSV
and the API, each against a local http.server) including that the API key never leaks."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.sources import fred
from flows.sources.base import ParseError
from tests.conftest import read_snapshot
from warehouse.schema import TABLES

OBS = "fred_observations"
SENTINEL = "sentinel0key0abcdef0123456789zz"


def parse(snapshot_dir, relpath: str, fetched_on: date | None = None) -> pd.DataFrame:
    return fred.transform(relpath, read_snapshot(snapshot_dir, relpath), fetched_on)[OBS]


def value_on(frame: pd.DataFrame, day: str) -> float:
    rows = frame[frame["date"] == pd.Timestamp(day)]
    assert len(rows) == 1, day
    return float(rows["value"].iloc[0])


# --------------------------------------------------------------------------- offline: the real snapshot


def test_every_fred_file_in_snapshot_parses_in_load_order(snapshot_dir):
    payloads = fred.extract_offline(snapshot_dir)
    relpaths = [p.relpath for p in payloads]
    assert not any("nyfed_soma" in r for r in relpaths)
    # 35 files under fred/ (legacy, re-saved, fredgraph CSVs, API bodies) + 3 fresher copies in fred/fresher/.
    assert len(relpaths) == 38
    kinds = [
        "legacy"
        if "legacy_format/" in r
        else "resaved"
        if "resaved/" in r
        else "fresher"
        if "fresher/" in r
        else "json"
        if r.endswith(".json")
        else "csv"
        for r in relpaths
    ]
    assert kinds == sorted(kinds, key=["legacy", "resaved", "csv", "fresher", "json"].index)
    # A fresher download replays after the file it extends, so it is compared with it (an incremental refresh).
    assert relpaths.index("fred/fresher/DGS10.csv") > relpaths.index("fred/DGS10.csv")
    seen = set()
    for p in payloads:
        assert p.offline and p.url == "snapshot:" + p.relpath and p.source == "fred"
        frame = fred.transform(p.relpath, p.body)[OBS]
        assert list(frame.columns) == TABLES[OBS].parsed_columns
        assert len(frame) > 0 and not frame.duplicated(["series_id", "date", "realtime_start"]).any()
        seen.update(frame["series_id"])
    # Every tracked series has at least one real file in the snapshot.
    assert seen == set(fred.load_series_config())


@pytest.mark.parametrize(
    ("relpath", "rows", "missing", "fmt"),
    [
        ("fred/DGS10.csv", 16846, 719, "fredgraph_csv"),
        ("fred/CPIAUCSL.csv", 954, 1, "fredgraph_csv"),
        ("fred/DEXJPUS.csv", 14500, 569, "fredgraph_csv"),
        ("fred/DFF.csv", 26336, 0, "fredgraph_csv"),
        ("fred/DGS1.csv", 16779, 716, "fredgraph_csv"),
        ("fred/T10YIE.csv", 6104, 251, "fredgraph_csv"),
        ("fred/MTSDS133FMS.csv", 529, 0, "fredgraph_csv_legacy"),
        ("fred/legacy_format/DGS10__DATE-header_2024-08.csv", 16332, 696, "fredgraph_csv_legacy"),
        ("fred/legacy_format/TREAST__DATE-header_2021-06.csv", 964, 0, "fredgraph_csv_legacy"),
        ("fred/legacy_format/FYFR__DATE-VALUE_2017-zip.csv", 116, 0, "fred_zip_2017"),
        ("fred/legacy_format/FYOINT__DATE-VALUE_2017-zip.csv", 77, 0, "fred_zip_2017"),
        ("fred/legacy_format/FYONET__DATE-VALUE_2017-zip.csv", 116, 0, "fred_zip_2017"),
        ("fred/resaved/THREEFYTP10.csv", 9131, 0, "resaved_csv"),
        ("fred/WMTSECL1.csv", 1228, 237, "fredgraph_csv"),  # the 237 zeros before 2007-07 are "no data yet"
        ("fred/VIXCLS.csv", 9549, 302, "fredgraph_csv"),
        ("fred/DTWEXBGS.csv", 5320, 208, "fredgraph_csv"),
        ("fred/fresher/DGS10.csv", 16890, 720, "fredgraph_csv"),
        ("fred/fresher/DGS3MO.csv", 11766, 492, "fredgraph_csv"),
        ("fred/fresher/DTWEXBGS.csv", 5400, 212, "fredgraph_csv"),
        ("fred/api_observations_DGS10.json", 6949, 287, "api_json"),
        ("fred/api_observations_GDP.json", 322, 4, "api_json"),
    ],
)
def test_row_and_missing_counts_match_manifest(snapshot_dir, relpath, rows, missing, fmt):
    frame = parse(snapshot_dir, relpath)
    assert len(frame) == rows
    assert int(frame["value"].isna().sum()) == missing
    assert set(frame["source_format"]) == {fmt}


def test_dgs10_current_csv_values_and_vintage(snapshot_dir):
    frame = parse(snapshot_dir, "fred/DGS10.csv")
    assert value_on(frame, "2026-07-28") == 4.61
    assert math.isnan(value_on(frame, "1962-02-12"))  # holiday row kept with a NULL value
    assert round(frame[frame["date"].dt.year == 2024]["value"].mean(), 2) == 4.21
    # Offline CSV vintage = the last observation date; CSVs carry no realtime_end.
    assert set(frame["realtime_start"]) == {pd.Timestamp("2026-07-28")}
    assert frame["realtime_end"].isna().all() and not frame["resaved"].any()
    assert frame["date"].is_monotonic_increasing and set(frame["series_id"]) == {"DGS10"}


def test_cpi_october_2025_gap_is_a_null_row(snapshot_dir):
    frame = parse(snapshot_dir, "fred/CPIAUCSL.csv")
    assert math.isnan(value_on(frame, "2025-10-01"))
    assert value_on(frame, "2026-06-01") == 332.568


def test_live_fetch_date_is_the_csv_vintage(snapshot_dir):
    frame = parse(snapshot_dir, "fred/DGS10.csv", fetched_on=date(2026, 7, 29))
    assert set(frame["realtime_start"]) == {pd.Timestamp("2026-07-29")}


def test_legacy_dgs10_equals_current_file_on_common_dates(snapshot_dir):
    legacy = parse(snapshot_dir, "fred/legacy_format/DGS10__DATE-header_2024-08.csv")
    current = parse(snapshot_dir, "fred/DGS10.csv")
    both = legacy.merge(current, on="date", suffixes=("_old", "_new"))
    assert len(both) == 16332
    assert both["value_old"].isna().equals(both["value_new"].isna())
    assert (both["value_old"].fillna(0) == both["value_new"].fillna(0)).all()
    assert set(legacy["realtime_start"]) == {pd.Timestamp("2024-08-07")}


def test_mtsds133fms_older_header_and_fiscal_year_sum(snapshot_dir):
    mts = parse(snapshot_dir, "fred/MTSDS133FMS.csv")
    assert value_on(mts, "2024-10-01") == -257450.34319191
    fy2024 = mts[(mts["date"] >= "2023-10-01") & (mts["date"] <= "2024-09-01")]
    assert len(fy2024) == 12 and round(fy2024["value"].sum()) == -1_827_728
    fyfsd = parse(snapshot_dir, "fred/FYFSD.csv")
    assert value_on(fyfsd, "2024-09-30") == -1_832_816


def test_api_json_dgs10_keeps_realtime_and_mixed_precision(snapshot_dir):
    frame = parse(snapshot_dir, "fred/api_observations_DGS10.json")
    assert set(frame["realtime_start"]) == {pd.Timestamp("2026-08-21")}
    assert set(frame["realtime_end"]) == {pd.Timestamp("2026-08-21")}
    assert value_on(frame, "2000-01-03") == 6.58 and value_on(frame, "2026-08-20") == 4.69
    csv = parse(snapshot_dir, "fred/DGS10.csv")
    both = frame.merge(csv, on="date").dropna(subset=["value_x", "value_y"])
    assert len(both) > 6000 and (both["value_x"] - both["value_y"]).abs().max() < 0.02


def test_api_json_checked_column_wide_equals_one_by_one(snapshot_dir, monkeypatch):
    # The real DGS10 body parsed by the column-wide checks and by the checks one observation at a time (what any
    # doubt falls back to) gives the same frame; a padded value is a doubt, a bad one is named as before.
    from flows.sources import fred_layout

    body = read_snapshot(snapshot_dir, "fred/api_observations_DGS10.json")
    fast = fred.transform("fred/api_observations_DGS10.json", body)[OBS]
    assert len(fast) == 6949 and fast["value"].isna().sum() == 287 and value_on(fast, "2026-08-20") == 4.69
    padded = body.replace(b'"value":"6.58"', b'"value":" 6.58"', 1)
    assert padded != body and fred_layout._plain_columns is not None
    pd.testing.assert_frame_equal(fred.transform("fred/api_observations_DGS10.json", padded)[OBS], fast)
    monkeypatch.setattr(fred_layout, "_plain_columns", lambda records: None)
    pd.testing.assert_frame_equal(fred.transform("fred/api_observations_DGS10.json", body)[OBS], fast)
    with pytest.raises(ParseError) as info:
        fred.transform("fred/api_observations_DGS10.json", body.replace(b'"value":"6.58"', b'"value":"6,58"', 1))
    assert (info.value.field, info.value.value) == ("observations[0].value", "6,58")


def test_api_json_gdp_and_interest_payments(snapshot_dir):
    gdp = parse(snapshot_dir, "fred/api_observations_GDP.json")
    assert gdp["value"].iloc[:4].isna().all() and gdp["value"].iloc[4:].notna().all()
    assert value_on(gdp, "2026-04-01") == 32475.21
    interest = parse(snapshot_dir, "fred/api_observations_A091RC1Q027SBEA.json")
    assert value_on(interest, "2026-04-01") == 1247.033 and len(interest) == 318


def test_resaved_files_are_flagged_and_fyoint_matches_2017_zip(snapshot_dir):
    resaved = parse(snapshot_dir, "fred/resaved/FYOINT.csv")
    assert resaved["resaved"].all() and set(resaved["source_format"]) == {"resaved_csv"}
    assert value_on(resaved, "2025-09-30") == 970065
    body = read_snapshot(snapshot_dir, "fred/legacy_format/FYOINT__DATE-VALUE_2017-zip.csv")
    assert b"\r\n" in body
    zipped = fred.transform("fred/legacy_format/FYOINT__DATE-VALUE_2017-zip.csv", body)[OBS]
    assert set(zipped["series_id"]) == {"FYOINT"} and not zipped["resaved"].any()
    both = zipped.merge(resaved, on="date")
    differs = both[both["value_x"] != both["value_y"]]["date"].dt.year.tolist()
    assert len(both) == 77 and differs == [2016]  # FY2016 was revised after the 2017 download


def test_treast_legacy_equals_resaved(snapshot_dir):
    legacy = parse(snapshot_dir, "fred/legacy_format/TREAST__DATE-header_2021-06.csv")
    resaved = parse(snapshot_dir, "fred/resaved/TREAST.csv")
    both = legacy.merge(resaved, on="date")
    assert len(both) == 964 and (both["value_x"] == both["value_y"]).all()


def test_series_frame_from_config():
    frame = fred.series_frame()
    assert list(frame.columns) == TABLES["fred_series"].parsed_columns
    assert frame["series_id"].is_unique and len(frame) == len(fred.load_series_config())
    dgs10 = frame.set_index("series_id").loc["DGS10"]
    assert (dgs10["units"], dgs10["frequency"], dgs10["role"]) == ("percent", "daily", "yield")


# --------------------------------------------------------------------------- edge fixtures and ParseError

XML = (
    b'<?xml version="1.0" encoding="utf-8" ?>\n<observations realtime_start="1776-07-04" '
    b'realtime_end="9999-12-31" observation_start="1600-01-01" observation_end="9999-12-31" units="lin" '
    b'output_type="4" file_type="xml" order_by="observation_date" sort_order="asc" count="3" offset="0" '
    b'limit="100000">\n'
    b'  <observation realtime_start="2026-04-30" realtime_end="2026-05-28" date="2026-01-01" value="31800.1"/>\n'
    b'  <observation realtime_start="2026-05-28" realtime_end="9999-12-31" date="2026-01-01" value="31865.721"/>\n'
    b'  <observation realtime_start="2026-07-30" realtime_end="9999-12-31" date="2026-04-01" value="."/>\n'
    b"</observations>\n"
)


def test_api_xml_keeps_every_vintage():
    frame = fred.transform("fred/api_observations_GDP.xml", XML)[OBS]
    assert list(frame["value"].iloc[:2]) == [31800.1, 31865.721] and math.isnan(frame["value"].iloc[2])
    assert frame["realtime_end"].iloc[1] == pd.Timestamp("9999-12-31")
    assert set(frame["source_format"]) == {"api_xml"} and set(frame["series_id"]) == {"GDP"}


def test_increment_relpath_takes_the_id_before_double_underscore():
    body = b"observation_date,DGS10\n2026-07-27,4.65\n2026-07-28,\n"
    frame = fred.transform("fred/increments/DGS10__from_2026-06-27.csv", body, date(2026, 7, 29))[OBS]
    assert list(frame["series_id"]) == ["DGS10", "DGS10"] and math.isnan(frame["value"].iloc[1])
    assert set(frame["realtime_start"]) == {pd.Timestamp("2026-07-29")}


def test_wmtsecl1_zeros_before_the_series_begins_are_missing_not_zero(snapshot_dir):
    frame = parse(snapshot_dir, "fred/WMTSECL1.csv").set_index("date")["value"]
    assert frame.loc[:"2007-06-27"].isna().all() and len(frame.loc[:"2007-06-27"]) == 237
    assert frame.loc["2007-07-04"] == 1_209_781.0 and frame.loc["2026-06-24"] == 2_636_947.0
    assert frame.loc["2007-07-04":].notna().all()  # only the leading zeros: later values are untouched


def _ingest(con, tmp_path, relpath: str, body: bytes):
    from flows.ingest import ingest_payload
    from flows.sources.base import Payload

    out = ingest_payload(con, tmp_path, Payload("fred", relpath, "snapshot:" + relpath, body, offline=True), fred)
    assert out.status == "loaded", out.error
    c = out.result.tables[OBS]
    return c.new, c.changed, c.unchanged


def test_a_fresher_csv_is_an_incremental_refresh_and_a_changed_value_a_revision(snapshot_dir, tmp_path):
    from warehouse.db import connect

    con = connect(tmp_path / "w.duckdb")
    try:
        assert _ingest(con, tmp_path, "fred/DGS10.csv", read_snapshot(snapshot_dir, "fred/DGS10.csv")) == (16846, 0, 0)
        fresher = read_snapshot(snapshot_dir, "fred/fresher/DGS10.csv")
        # 44 newer rows (2026-07-29..09-28) added; the 16,846 it shares with fred/DGS10.csv are not stored again.
        assert _ingest(con, tmp_path, "fred/fresher/DGS10.csv", fresher) == (44, 0, 16846)
        rows = con.execute("SELECT count(*), count(DISTINCT date) FROM fred_observations").fetchone()
        assert rows == (16890, 16890)
        assert con.execute(
            "SELECT value, realtime_start FROM fred_observations_current WHERE series_id = 'DGS10' "
            "AND date = '2026-09-28'"
        ).fetchone() == (5.24, date(2026, 9, 28))
        # The shared rows keep the vintage of the file that first carried them.
        assert con.execute(
            "SELECT realtime_start FROM fred_observations_current WHERE series_id = 'DGS10' AND date = '2026-07-28'"
        ).fetchone() == (date(2026, 7, 28),)
        # A later download that revises one value: that value becomes a new vintage, counted as changed.
        revised = fresher.replace(b"2026-09-28,5.24", b"2026-09-28,5.25") + b"2026-09-29,5.20\n"
        assert _ingest(con, tmp_path, "fred/increments/DGS10__from_2026-08-28.csv", revised) == (1, 1, 16889)
        assert con.execute(
            "SELECT value, realtime_start FROM fred_observations_current WHERE series_id = 'DGS10' "
            "AND date = '2026-09-28'"
        ).fetchone() == (5.25, date(2026, 9, 29))
        assert con.execute(
            "SELECT value FROM fred_as_of('DGS10', DATE '2026-09-28') WHERE date = '2026-09-28'"
        ).fetchone() == (5.24,)
        assert con.execute("SELECT count(*) FROM fred_observations").fetchone() == (16892,)
    finally:
        con.close()


@pytest.mark.parametrize(
    ("relpath", "body", "needle"),
    [
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-27,4.65\n2026-07-28,n/a\n", "line 3"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-27,nan\n", "'nan'"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-28,4.6\n2026-07-27,4.6\n", "strictly increasing"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-28,4.6\n2026-07-28,4.6\n", "strictly increasing"),
        ("fred/DGS10.csv", b"observation_date,DGS2\n2026-07-28,4.6\n", "file name"),
        ("fred/legacy_format/DGS10__DATE-header.csv", b"DATE,DGS2\n2026-07-28,4.6\n", "file name"),
        ("fred/DGS10.csv", b"Date,Value\n2026-07-28,4.6\n", "header"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-13-01,4.6\n", "2026-13-01"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-28,4.6,1\n", "2 fields"),
        ("fred/DGS10.csv", b"", "empty"),
        ("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-28,\xff\n", "UTF-8"),
        ("fred/resaved/FYOINT.csv", b"DATE,FYOINT\n2025-09-30,1\n", "Date,Value"),
        ("fred/api_observations_GDP.json", b"{not json", "invalid JSON"),
        ("fred/api_observations_GDP.json", b'{"count": 1}', "observations"),
        (
            "fred/api_observations_GDP.json",
            b'{"observations": [{"date": "2026-04-01", "value": "x1", '
            b'"realtime_start": "2026-07-30", "realtime_end": "2026-07-30"}]}',
            "observations[0].value",
        ),
        (
            "fred/api_observations_GDP.json",
            b'{"observations": [{"date": "2026-04-01", "value": "1"}]}',
            "realtime_start",
        ),
        (
            "fred/api_observations_GDP.json",
            b'{"count": 2, "offset": 0, "limit": 100000, "observations": [{"date": '
            b'"2026-04-01", "value": "1", "realtime_start": "2026-07-30", "realtime_end": "2026-07-30"}]}',
            "count",
        ),
        (
            "fred/api_observations_GDP.xml",
            XML.replace(b'value="31865.721"', b'value="31800.1"').replace(
                b'realtime_start="2026-05-28" realtime_end="9999', b'realtime_start="2026-04-30" realtime_end="9999'
            ),
            "duplicate",
        ),
        ("fred/api_observations_GDP.xml", XML[:200], "invalid XML"),
        ("fred/api_observations_GDP.xml", b"<error code='400' message='Bad Request'/>", "observations"),
        ("fred/nyfed_soma/SOMA_Mar302022.csv", b"x", "SOMA"),
        ("fred/DGS10.parquet", b"x", "unknown"),
    ],
)
def test_malformed_payloads_raise_parse_error(relpath, body, needle):
    with pytest.raises(ParseError) as info:
        fred.transform(relpath, body)
    assert relpath in str(info.value) and needle in str(info.value)


def test_parse_error_names_file_line_and_value():
    with pytest.raises(ParseError) as info:
        fred.transform("fred/CPIAUCSL.csv", b"observation_date,CPIAUCSL\n2025-09-01,324.3\n2025-10-01,N/A\n")
    err = info.value
    assert (err.file, err.line, err.field, err.value) == ("fred/CPIAUCSL.csv", 3, "value", "N/A")


def test_live_state_is_newest_non_null_date_per_series(snapshot_dir):
    con = duckdb.connect()
    assert fred.live_state(con) == {}
    frames = [
        parse(snapshot_dir, "fred/CPIAUCSL.csv"),
        fred.transform("fred/DGS10.csv", b"observation_date,DGS10\n2026-07-27,4.65\n2026-07-28,\n")[OBS],
    ]
    obs = pd.concat(frames)  # noqa: F841  (read by DuckDB by name)
    columns = ", ".join(f"{c.name} {c.type}" for c in TABLES[OBS].columns if c.name in obs.columns)
    con.execute(f"CREATE TABLE fred_observations ({columns})")
    con.execute("INSERT INTO fred_observations SELECT * FROM obs")
    assert fred.live_state(con) == {"CPIAUCSL": date(2026, 6, 1), "DGS10": date(2026, 7, 27)}
    assert fred.incremental_start(date(2026, 7, 28)) == date(2026, 6, 27)
    assert fred.incremental_start(None) is None
