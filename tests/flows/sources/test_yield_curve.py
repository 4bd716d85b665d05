"""Treasury par yield curve: real yearly files and the 1990-2024 archive, plus edge cases and the live path."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.sources import yield_curve as yc
from flows.sources.base import ParseError
from tests.conftest import read_snapshot
from warehouse.db import ddl
from warehouse.schema import TABLES

ARCHIVE = "treasury/yield-curve-rates-1990-2024.csv"
Y2023, Y2024, Y2025 = (f"treasury/daily-treasury-rates_{y}.csv" for y in (2023, 2024, 2025))


@pytest.fixture(scope="module")
def frames(snapshot_dir):
    return {p.relpath: yc.transform(p.relpath, p.body)["yield_curve"] for p in yc.extract_offline(snapshot_dir)}


def value(frame: pd.DataFrame, day: str, tenor: float) -> float:
    hit = frame[(frame["date"] == pd.Timestamp(day)) & (frame["tenor_months"] == tenor)]
    assert len(hit) == 1, (day, tenor, len(hit))
    return float(hit["yield_pct"].iloc[0])


def test_offline_load_order_is_archive_then_years_ascending(snapshot_dir):
    payloads = yc.extract_offline(snapshot_dir)
    assert [p.relpath for p in payloads] == [ARCHIVE, Y2023, Y2024, Y2025]
    assert all(p.offline and p.source == "yield_curve" and p.url == "snapshot:" + p.relpath for p in payloads)


def test_columns_and_types_follow_the_contract(frames):
    for frame in frames.values():
        assert list(frame.columns) == TABLES["yield_curve"].parsed_columns
        assert str(frame["date"].dtype).startswith("datetime64")
        assert frame["tenor_months"].dtype == "float64" and frame["yield_pct"].dtype == "float64"
        assert not frame.duplicated(["date", "tenor_months"]).any()
        assert frame["yield_pct"].notna().all()


@pytest.mark.parametrize(
    ("relpath", "dates", "rows"),
    [
        (Y2023, 250, 250 * 13),
        (Y2024, 250, 250 * 13),
        (Y2025, 245, 245 * 14 - 31),  # "1.5 Month" empty on the 31 days before 2025-02-18
    ],
)
def test_yearly_row_counts(frames, relpath, dates, rows):
    frame = frames[relpath]
    assert frame["date"].nunique() == dates
    assert len(frame) == rows
    assert (frame["source_file"] == relpath.split("/")[-1]).all()


def test_archive_counts(frames, snapshot_dir):
    lines = read_snapshot(snapshot_dir, ARCHIVE).decode().splitlines()
    assert len(lines) - 1 == 8757  # manifest: 8757 date rows
    frame = frames[ARCHIVE]
    assert frame["date"].nunique() == 8756  # the all-empty 10/11/10 row contributes nothing
    assert len(frame) == 93583
    assert frame["date"].min() == pd.Timestamp("1990-01-02")
    assert frame["date"].max() == pd.Timestamp("2024-12-31")


def test_known_values(frames):
    assert value(frames[ARCHIVE], "1990-01-02", 120) == 7.94
    assert value(frames[ARCHIVE], "1990-01-02", 360) == 8.0  # written "8" (trailing zeros dropped)
    assert value(frames[ARCHIVE], "2008-10-08", 1) == 0.23
    assert value(frames[ARCHIVE], "2020-03-09", 120) == 0.54
    assert value(frames[Y2023], "2023-10-19", 120) == 4.98
    assert value(frames[Y2023], "2023-12-29", 120) == 3.88
    assert value(frames[Y2024], "2024-08-05", 3) == 5.35
    assert value(frames[Y2024], "2024-12-31", 120) == 4.58
    assert value(frames[Y2025], "2025-04-08", 120) == 4.26
    assert value(frames[Y2025], "2025-12-24", 120) == 4.15
    assert value(frames[Y2025], "2025-12-24", 1.5) == 3.73


def test_archive_equals_yearly_files_on_overlapping_dates(frames):
    archive = frames[ARCHIVE]
    for relpath in (Y2023, Y2024):
        yearly = frames[relpath]
        both = yearly.merge(archive, on=["date", "tenor_months"], how="left", suffixes=("", "_archive"))
        assert both["yield_pct_archive"].notna().all()
        assert (both["yield_pct"] == both["yield_pct_archive"]).all()


def test_one_and_a_half_month_only_in_2025_and_empty_in_january(frames):
    for relpath in (ARCHIVE, Y2023, Y2024):
        assert not (frames[relpath]["tenor_months"] == 1.5).any()
    six_week = frames[Y2025][frames[Y2025]["tenor_months"] == 1.5]
    assert six_week["date"].min() == pd.Timestamp("2025-02-18")
    assert len(six_week) == 214
    assert not (six_week["date"] < pd.Timestamp("2025-02-01")).any()


def test_holiday_row_with_all_cells_empty_yields_no_rows(frames):
    dates = set(frames[ARCHIVE]["date"])
    assert pd.Timestamp("2010-10-11") not in dates
    assert {pd.Timestamp("2010-10-08"), pd.Timestamp("2010-10-12")} <= dates


def test_tenors_absent_before_they_existed(frames):
    archive = frames[ARCHIVE]

    def first(tenor):
        return archive.loc[archive["tenor_months"] == tenor, "date"].min()

    assert first(240) == pd.Timestamp("1993-10-01")
    assert first(1) == pd.Timestamp("2001-07-31")
    assert first(2) == pd.Timestamp("2018-10-16")
    assert first(4) == pd.Timestamp("2022-10-19")
    thirty = archive.loc[archive["tenor_months"] == 360, "date"]
    assert not thirty.between("2002-02-19", "2006-02-08").any()


def test_two_digit_years_pivot_at_1990():
    body = b"Date,10 Yr\n1/3/00,6.58\n12/31/99,6.45\n"
    frame = yc.transform("treasury/yield-curve-rates-1990-2024.csv", body)["yield_curve"]
    assert list(frame["date"]) == [pd.Timestamp("1999-12-31"), pd.Timestamp("2000-01-03")]


def test_short_tenor_name_in_archive_style_is_accepted():
    body = b'Date,"1 Mo","1.5 Mo"\n02/19/2025,4.36,4.39\n'
    frame = yc.transform("treasury/daily-treasury-rates_2025.csv", body)["yield_curve"]
    assert list(frame["tenor_months"]) == [1.0, 1.5]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'Date,"1 Mo","9 Mo"\n01/03/2024,5.5,5.1\n', "header"),  # unknown tenor column
        (b'Day,"1 Mo"\n01/03/2024,5.5\n', "header"),
        (b'Date,"1 Mo","1 Mo"\n01/03/2024,5.5,5.5\n', "header"),
        (b'Date,"1 Mo"\n2024-01-03,5.5\n', "Date"),
        (b'Date,"1 Mo"\n02/30/2024,5.5\n', "Date"),
        (b'Date,"1 Mo"\n01/03/2024,N/A\n', "1 Mo"),
        (b'Date,"1 Mo"\n01/03/2024,nan\n', "1 Mo"),
        (b'Date,"1 Mo"\n01/03/2024,5.5,5.6\n', "row"),
        (b'Date,"1 Mo"\n01/02/2024,5.5\n01/03/2024,5.4\n', "Date"),  # oldest first
        (b'Date,"1 Mo"\n01/03/2024,5.5\n01/03/2024,5.4\n', "Date"),  # repeated date
        (b'Date,"1 Mo"\n01/03/2023,5.5\n', "Date"),  # not the file's year
    ],
)
def test_malformed_yearly_files_raise_parse_error(body, field):
    with pytest.raises(ParseError) as err:
        yc.transform("treasury/daily-treasury-rates_2024.csv", body)
    assert err.value.field == field
    assert "daily-treasury-rates_2024.csv" in str(err.value)


@pytest.mark.parametrize("body", [b"", b"\n\n", b"\xff\xfeD\x00a\x00"])
def test_empty_or_undecodable_raise_parse_error(body):
    with pytest.raises(ParseError):
        yc.transform(ARCHIVE, body)


def test_unrelated_relpath_is_rejected():
    with pytest.raises(ParseError):
        yc.transform("tic/slt_table5.txt", b"Date,10 Yr\n1/2/90,7.94\n")


def test_truncated_real_file_still_parses_its_complete_rows(snapshot_dir):
    body = read_snapshot(snapshot_dir, Y2024)
    head = b"\n".join(body.split(b"\n")[:11])
    frame = yc.transform(Y2024, head)["yield_curve"]
    assert frame["date"].nunique() == 10


# --------------------------------------------------------------------------- live path


class FakeHttp:
    """Stands in for flows.http.Http: serves bodies by URL and records what was asked."""

    def __init__(self, bodies: dict[str, bytes]):
        self.bodies, self.calls = bodies, []

    def get(self, url: str, params: dict | None = None) -> bytes:
        self.calls.append(url)
        return self.bodies[url]


def test_live_full_pull_uses_archive_then_yearly_files(snapshot_dir):
    bodies = {
        yc.ARCHIVE_URL: read_snapshot(snapshot_dir, ARCHIVE),
        yc.YEARLY_URL.format(year=2025): read_snapshot(snapshot_dir, Y2025),
        yc.YEARLY_URL.format(year=2026): b'Date,"1 Mo","1.5 Month"\n01/02/2026,3.70,3.71\n',
    }
    http = FakeHttp(bodies)
    payloads = list(yc.extract_live(http, {}, today=date(2026, 1, 5)))
    assert [p.relpath for p in payloads] == [ARCHIVE, Y2025, "treasury/daily-treasury-rates_2026.csv"]
    assert http.calls == [yc.ARCHIVE_URL, yc.YEARLY_URL.format(year=2025), yc.YEARLY_URL.format(year=2026)]
    assert all(not p.offline and p.source == "yield_curve" for p in payloads)
    assert "field_tdr_date_value=2025" in payloads[1].url and "_format=csv" in payloads[1].url
    newest = yc.transform(payloads[2].relpath, payloads[2].body, fetched_on=date(2026, 1, 5))["yield_curve"]
    assert value(newest, "2026-01-02", 1.5) == 3.71


def test_live_incremental_refetches_the_newest_stored_year(snapshot_dir):
    bodies = {
        yc.YEARLY_URL.format(year=y): read_snapshot(snapshot_dir, f"treasury/daily-treasury-rates_{y}.csv")
        for y in (2024, 2025)
    }
    http = FakeHttp(bodies)
    payloads = list(yc.extract_live(http, {"yield_curve": date(2024, 12, 30)}, today=date(2025, 12, 26)))
    assert [p.relpath for p in payloads] == [Y2024, Y2025]
    live = yc.transform(payloads[1].relpath, payloads[1].body)["yield_curve"]
    offline = yc.transform(Y2025, read_snapshot(snapshot_dir, Y2025))["yield_curve"]
    pd.testing.assert_frame_equal(live, offline)


def test_live_skips_a_new_year_with_no_rows_yet():
    http = FakeHttp({yc.YEARLY_URL.format(year=2026): b""})
    assert list(yc.extract_live(http, {"yield_curve": date(2026, 1, 1)}, today=date(2026, 1, 1))) == []
    assert len(http.calls) == 1


def test_live_state_reads_the_newest_date():
    con = duckdb.connect(":memory:")
    assert yc.live_state(con) == {}  # no table yet
    con.execute(ddl(TABLES["yield_curve"]))
    assert yc.live_state(con) == {}
    con.execute(
        "INSERT INTO yield_curve VALUES ('2025-12-23', 120, 4.18, 'f', 'x'), ('2025-12-24', 120, 4.15, 'f', 'x')"
    )
    assert yc.live_state(con) == {"yield_curve": date(2025, 12, 24)}
