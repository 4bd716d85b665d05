"""Treasury auctions: the real Auctions Query CSV download, API JSON pages, edge cases and the live path."""

from __future__ import annotations

import json
import sys
import types
from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.sources import auctions as au
from flows.sources.base import ParseError, Payload
from tests.conftest import read_snapshot
from warehouse.db import ddl
from warehouse.schema import TABLES

CSV = "fiscaldata/Auctions_Query_19791115_20251215.csv"
HEADER = (
    "CUSIP,Security Type,Security Term,Auction Date,Issue Date,Maturity Date,Price per $100,Download PDF - Announcement"
)


@pytest.fixture(scope="module")
def frame(snapshot_dir):
    return au.transform(CSV, read_snapshot(snapshot_dir, CSV))["auctions"]


def api_page(*records: dict) -> bytes:
    """A Fiscal Data response in the API's own shape: compact, strings everywhere, "null" for missing."""
    doc = {
        "data": list(records),
        "meta": {"count": len(records), "total-count": len(records), "total-pages": 1},
        "links": {
            "self": "&page%5Bnumber%5D=1&page%5Bsize%5D=100",
            "first": "&page%5Bnumber%5D=1",
            "prev": None,
            "next": None,
            "last": "&page%5Bnumber%5D=1",
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode()


# Two real rows of the CSV, written the way the API returns them.
API_ROWS = [
    {
        "cusip": "91282CPP0",
        "security_type": "Note",
        "security_term": "3-Year",
        "auction_date": "2025-12-08",
        "issue_date": "2025-12-15",
        "maturity_date": "2028-12-15",
        "price_per100": "99.678628",
    },
    {
        "cusip": "912810UP1",
        "security_type": "Bond",
        "security_term": "29-Year 11-Month",
        "auction_date": "2025-12-11",
        "issue_date": "2025-12-15",
        "maturity_date": "2055-11-15",
        "price_per100": "null",
    },
]


def test_offline_finds_the_download(snapshot_dir):
    payloads = au.extract_offline(snapshot_dir)
    assert [p.relpath for p in payloads] == [CSV]
    assert payloads[0].offline and payloads[0].url == "snapshot:" + CSV and payloads[0].source == "auctions"


def test_row_count_columns_and_types(frame):
    assert len(frame) == 10780
    assert list(frame.columns) == TABLES["auctions"].parsed_columns
    for col in ("auction_date", "issue_date", "maturity_date"):
        assert str(frame[col].dtype).startswith("datetime64")
    assert frame["price_per_100"].dtype == "float64"
    assert (frame["issue_date"].dt.year >= 2000).sum() == 7531  # manifest


def test_key_is_unique_in_the_real_file(frame):
    assert not frame.duplicated(["cusip", "auction_date"]).any()


def test_newest_and_oldest_rows(frame):
    newest = frame.iloc[0]
    assert newest["cusip"] == "912810UP1" and newest["security_type"] == "Bond"
    assert newest["security_term"] == "29-Year 11-Month"
    assert newest["auction_date"] == pd.Timestamp("2025-12-11")
    assert newest["maturity_date"] == pd.Timestamp("2055-11-15")
    assert pd.isna(newest["price_per_100"])
    assert frame["auction_date"].max() == pd.Timestamp("2025-12-11")
    oldest = frame.iloc[-1]
    assert (oldest["cusip"], oldest["auction_date"]) == ("912827KC5", pd.Timestamp("1979-10-31"))


def test_known_prices(frame):
    by_key = frame.set_index(["cusip", "auction_date"])["price_per_100"]
    assert by_key[("91282CPP0", pd.Timestamp("2025-12-08"))] == 99.678628
    assert by_key[("912797SB4", pd.Timestamp("2025-12-08"))] == 99.077361


def test_price_null_count_and_bom_free_values(frame):
    assert frame["price_per_100"].isna().sum() == 2918  # manifest
    # Nulls after 2000: the 3 announced auctions at the top and the 2001-09-11 bill auction that never ran.
    late = frame[frame["price_per_100"].isna() & (frame["auction_date"] >= "2000-01-01")]
    assert set(late["cusip"]) == {"91282CPJ4", "912795GS4", "912797PD3", "912810UP1"}
    assert frame["cusip"].str.fullmatch(r"[0-9A-Z]{9}").all()
    assert set(frame["security_type"]) == {"Bill", "Note", "Bond"}


def test_bom_is_stripped_from_the_first_column_name(snapshot_dir):
    body = read_snapshot(snapshot_dir, CSV)
    assert body.startswith(b"\xef\xbb\xbfCUSIP,")
    assert not body.endswith(b"\n")
    # Even a BOM that survives decoding (double BOM after a re-save) must not hide the CUSIP column.
    doubled = "\ufeff".encode() + body
    assert len(au.transform(CSV, doubled)["auctions"]) == 10780


def test_apostrophes_around_cusips_and_exact_repeats():
    body = (
        HEADER + "\n'912797SB4',Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,99.077361,A.pdf\n"
        "912797SB4,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,99.077361,A.pdf"
    ).encode()
    out = au.transform("fiscaldata/Auctions_Query_20251208_20251208.csv", body)["auctions"]
    assert list(out["cusip"]) == ["912797SB4"]


def test_api_pages_parse_like_the_csv():
    out = au.transform("fiscaldata/auctions_query__all__page1.json", api_page(*API_ROWS))["auctions"]
    assert list(out.columns) == TABLES["auctions"].parsed_columns
    assert list(out["cusip"]) == ["91282CPP0", "912810UP1"]
    assert out["price_per_100"].iloc[0] == 99.678628 and pd.isna(out["price_per_100"].iloc[1])
    assert out["maturity_date"].iloc[1] == pd.Timestamp("2055-11-15")


def test_api_page_with_no_rows_is_empty_not_an_error():
    out = au.transform("fiscaldata/auctions_query__since-2025-12-11__page1.json", api_page())
    assert out["auctions"].empty and list(out["auctions"].columns) == TABLES["auctions"].parsed_columns


GOOD = "912797SB4,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,99.077361,A.pdf"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("CUSIP,Security Type,Security Term,Auction Date,Issue Date,Maturity Date\n", "Price per $100"),
        (HEADER + "\n91279,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,99.07,A.pdf", "cusip"),
        (HEADER + "\nnull,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,99.07,A.pdf", "cusip"),
        (HEADER + "\n912797SB4,Bill,13-Week,12/08/2025,2025-12-11,2026-03-12,99.07,A.pdf", "auction_date"),
        (HEADER + "\n912797SB4,Bill,13-Week,2025-12-08,2025-13-11,2026-03-12,99.07,A.pdf", "issue_date"),
        (HEADER + "\n912797SB4,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,n/a,A.pdf", "price_per_100"),
        (HEADER + "\n912797SB4,Bill,13-Week,2025-12-08,2025-12-11,2026-03-12,-1,A.pdf", "price_per_100"),
        (HEADER + "\n912797SB4,null,13-Week,2025-12-08,2025-12-11,2026-03-12,99.07,A.pdf", "security_type"),
        (HEADER + "\n912797SB4,Bill,13-Week,2025-12-08,2025-12-11", "row"),
        (HEADER + "\n" + GOOD + "\n" + GOOD.replace("99.077361", "99.1"), "cusip"),  # conflicting duplicate
        (HEADER + "\n" + GOOD.replace("2025-12-08", "2025-12-01") + "\n" + GOOD, "Auction Date"),  # oldest first
    ],
)
def test_malformed_csv_raises_parse_error(body, field):
    with pytest.raises(ParseError) as err:
        au.transform(CSV, body.encode())
    assert err.value.field == field
    assert "Auctions_Query" in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"data": {"cusip": "x"}}',
        b"{not json",
        api_page({k: v for k, v in API_ROWS[0].items() if k != "auction_date"}),
        api_page({**API_ROWS[0], "cusip": ["912797SB4"]}),
    ],
)
def test_malformed_api_pages_raise_parse_error(body):
    with pytest.raises(ParseError):
        au.transform("fiscaldata/auctions_query__all__page1.json", body)


def test_unknown_relpath_is_rejected():
    with pytest.raises(ParseError):
        au.transform("fiscaldata/debt_to_penny__page1.json", api_page(*API_ROWS))


# --------------------------------------------------------------------------- live path


class FakeFetchPages:
    """Records the call extract_live makes and yields one page per call, like fiscaldata.fetch_pages."""

    def __init__(self):
        self.calls = []

    def __call__(self, http, endpoint, params, relpath_prefix, source):
        self.calls.append((endpoint, dict(params), relpath_prefix, source))
        relpath = f"{relpath_prefix}__page1.json"
        yield Payload(
            source=source, relpath=relpath, url="https://example.invalid/" + endpoint, body=api_page(*API_ROWS)
        )


@pytest.fixture
def fake_fetch(monkeypatch):
    fake = FakeFetchPages()
    module = types.ModuleType("flows.sources.fiscaldata")
    module.fetch_pages = fake
    monkeypatch.setitem(sys.modules, "flows.sources.fiscaldata", module)
    return fake


def test_live_full_pull_asks_for_our_fields(fake_fetch):
    payloads = list(au.extract_live(object(), {}))
    endpoint, params, prefix, source = fake_fetch.calls[0]
    assert endpoint == "v1/accounting/od/auctions_query" and source == "auctions"
    assert params["fields"].split(",") == [
        "cusip",
        "security_type",
        "security_term",
        "auction_date",
        "issue_date",
        "maturity_date",
        "price_per100",
    ]
    assert "filter" not in params
    assert payloads[0].relpath == "fiscaldata/auctions_query__all__page1.json"
    assert len(au.transform(payloads[0].relpath, payloads[0].body)["auctions"]) == 2


def test_live_incremental_filters_after_the_newest_date(fake_fetch):
    payloads = list(au.extract_live(object(), {"auctions": date(2025, 12, 8)}))
    _, params, prefix, _ = fake_fetch.calls[0]
    assert params["filter"] == "auction_date:gt:2025-12-08"
    assert prefix == "fiscaldata/auctions_query__since-2025-12-08"
    assert payloads[0].relpath.startswith("fiscaldata/auctions_query")


def test_live_with_the_real_fetch_pages():

    class OnePageHttp:
        def __init__(self):
            self.calls = []

        def get(self, url, params=None):
            self.calls.append((url, dict(params or {})))
            return api_page(*API_ROWS)

    http = OnePageHttp()
    payloads = list(au.extract_live(http, {"auctions": date(2025, 12, 5)}))
    assert [p.relpath for p in payloads] == ["fiscaldata/auctions_query__since-2025-12-05__page1.json"]
    url, params = http.calls[0]
    assert url.endswith("/v1/accounting/od/auctions_query")
    assert params["filter"] == "auction_date:gt:2025-12-05"
    assert list(au.transform(payloads[0].relpath, payloads[0].body)["auctions"]["cusip"]) == ["91282CPP0", "912810UP1"]


def test_live_state_uses_the_newest_priced_auction():
    con = duckdb.connect(":memory:")
    assert au.live_state(con) == {}
    con.execute(ddl(TABLES["auctions"]))
    assert au.live_state(con) == {}
    con.execute(
        "INSERT INTO auctions VALUES "
        "('91282CPP0', 'Note', '3-Year', '2025-12-08', '2025-12-15', '2028-12-15', 99.678628, 'x'), "
        "('912810UP1', 'Bond', '29-Year 11-Month', '2025-12-11', '2025-12-15', '2055-11-15', NULL, 'x')"
    )
    assert au.live_state(con) == {"auctions": date(2025, 12, 8)}
