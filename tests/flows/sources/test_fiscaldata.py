"""Fiscal Data source: real snapshot values, pagination and retries against a local server, ParseError cases."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import duckdb
import pandas as pd
import pytest
from urllib3.util import Timeout

from flows.http import FetchError, Http
from flows.sources import fiscaldata
from flows.sources.base import ParseError
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


# ---- hand-written edge cases and ParseError ------------------------------------------------------------


def envelope(rows, *, page=1, pages=1, size=2, next_link="auto") -> bytes:
    link = lambda n: f"&page%5Bnumber%5D={n}&page%5Bsize%5D={size}"  # noqa: E731
    nxt = (link(page + 1) if page < pages else None) if next_link == "auto" else next_link
    return json.dumps(
        {
            "data": rows,
            "meta": {"count": len(rows), "total-count": len(rows) * pages, "total-pages": pages},
            "links": {
                "self": link(page),
                "first": link(1),
                "prev": None if page == 1 else link(page - 1),
                "next": nxt,
                "last": link(pages),
            },
        },
        separators=(",", ":"),
    ).encode()


def penny(day, public="1.25", intragov="2.50", total="3.75"):
    return {
        "record_date": day,
        "debt_held_public_amt": public,
        "intragov_hold_amt": intragov,
        "tot_pub_debt_out_amt": total,
        "src_line_nbr": "1",
    }


def summary_row(cls="Bills", public="*", intragov="0.5", total="0.5"):
    return {
        "record_date": "2026-09-30",
        "security_type_desc": "Marketable",
        "security_class_desc": cls,
        "debt_held_public_mil_amt": public,
        "intragov_hold_mil_amt": intragov,
        "total_mil_amt": total,
    }


def test_star_is_zero_and_null_string_is_null():
    df = fiscaldata.transform(
        "fiscaldata/mspd_table_1__x.json", envelope([summary_row(), summary_row("Notes", "null", "null", "7")])
    )["mspd_summary"]
    assert df["debt_held_public_usd_mn"].iloc[0] == 0.0
    assert df["intragov_hold_usd_mn"].isna().iloc[1] and df["total_usd_mn"].iloc[1] == 7.0


@pytest.mark.parametrize(
    ("relpath", "body", "needle"),
    [
        (
            "fiscaldata/debt_to_penny__x.json",
            envelope([penny("2026-10-05", public="1,25")]),
            "'debt_held_public_amt' value '1,25'",
        ),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("10/05/2026")]), "'record_date' value '10/05/2026'"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-02-30")]), "not a calendar date"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-10-05", total="3.80")]), "'tot_pub_debt_out_amt'"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-10-05"), penny("2026-10-05")]), "duplicate key"),
        ("fiscaldata/debt_to_penny__x.json", envelope([{"record_date": "2026-10-05"}]), "'debt_held_public_amt'"),
        ("fiscaldata/mspd_table_1__x.json", envelope([summary_row(total="0.6")]), "differs from the total"),
        ("fiscaldata/mspd_table_1__x.json", envelope([summary_row(cls="null")]), "'security_class_desc'"),
        ("fiscaldata/avg_interest_rates__x.json", b"<!DOCTYPE html><html>Service Unavailable", "not JSON"),
        ("fiscaldata/avg_interest_rates__x.json", b'{"error":"Invalid query"}', "no 'data' list"),
        ("fiscaldata/avg_interest_rates__x.json", b'{"data":["x"]}', "not an object"),
        ("fiscaldata/Auctions_Query_19791115_20251215.csv", b"CUSIP\n", "not a Fiscal Data file"),
    ],
)
def test_malformed_api_json_raises_parse_error_naming_file_field_value(relpath, body, needle):
    with pytest.raises(ParseError) as err:
        fiscaldata.transform(relpath, body)
    assert relpath in str(err.value) and needle in str(err.value)


CSV_HEADER = (
    "Record Date,Security Type Description,Security Class 1 Description,Security Class 2 Description,"
    "Interest Rate,Yield,Issue Date,Maturity Date,Issued Amount (in Millions),"
    "Amount Adjusted for Inflation (in Millions),Redeemed Amount (in Millions),"
    "Outstanding Amount (in Millions),Source Line Number"
)


def detail_csv(*rows: str) -> bytes:
    return ("\r\n".join([CSV_HEADER, *rows]) + "\r\n").encode()


GOOD_BILL = "2023-08-31,Marketable,Bills Maturity Value,912797GR2,null,4.98,2023-05-09,2023-09-05,1,0,0,5,1"


def test_detail_csv_edge_cases_parse():
    frames = fiscaldata.transform(
        "fiscaldata/MSPD_DetailSecty_x.csv",
        detail_csv(
            "2023-08-31,Nonmarketable,Domestic Series,Zero-coupon Treasury Bond,null,null,null,null,"
            "null,null,null,null,3",
            "2023-08-31,Marketable,Bills Maturity Value,912797GR2,9.99,5.2,2023-07-11,2023-09-05,2,0,0,null,2",
            GOOD_BILL,
            "2023-08-31,Marketable,Bills Maturity Value,Total Matured Treasury Bills,null,null,null,null,"
            "null,null,null,*,4",
        ),
    )
    sec = frames["marketable_securities"]
    assert sec["tranche_no"].tolist() == [1, 2] and sec["yield_pct"].tolist() == [4.98, 5.2]
    assert sec["interest_rate_pct"].isna().all()  # bills carry no coupon even if the cell has one
    assert frames["marketable_totals"][["label", "security_class", "outstanding_usd_mn"]].values.tolist() == [
        ["Total Matured Treasury Bills", "Bills", 0.0]
    ]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (detail_csv(GOOD_BILL.replace("Bills Maturity Value", "Treasury Stuff")), "'Treasury Stuff'"),
        (detail_csv(GOOD_BILL.replace("912797GR2", "SOMETHING")), "'SOMETHING'"),
        (detail_csv(GOOD_BILL.replace("2023-09-05", "null")), "'maturity_date' value 'null'"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",null,1")), "first tranche of CUSIP 912797GR2"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",5,x")), "'src_line_nbr' value 'x'"),
        (detail_csv(GOOD_BILL, GOOD_BILL), "duplicate source line number"),
        (detail_csv(GOOD_BILL + ",extra"), "line 2"),
        (detail_csv(GOOD_BILL).replace(b"Yield,", b"Yld,"), "'Yield'"),
        (b"\xff\xfe" + detail_csv(GOOD_BILL), "not UTF-8"),
    ],
)
def test_malformed_detail_csv_raises_parse_error(body, needle):
    relpath = "fiscaldata/MSPD_DetailSecty_bad.csv"
    with pytest.raises(ParseError) as err:
        fiscaldata.transform(relpath, body)
    assert relpath in str(err.value) and needle in str(err.value)


# ---- pagination, retries and live extraction against a local server ----------------------------------


class FiscalServer:
    """127.0.0.1 server; `routes[path]` is a function (request number, query) -> (status, headers, body, delay)."""

    def __init__(self):
        self.routes, self.requests = {}, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                split = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                outer.requests.append((split.path, query))
                n = sum(1 for p, _ in outer.requests if p == split.path)
                status, headers, body, delay = outer.routes[split.path](n, query)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()


@pytest.fixture
def server():
    s = FiscalServer()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture
def http():
    return Http(retries=2, backoff=0.01, timeout=Timeout(connect=1.0, read=0.3), rate_limits={})


PAGES = {1: [penny("2026-10-01"), penny("2026-10-02")], 2: [penny("2026-10-05")]}


def two_pages(n, query):
    page = int(query["page[number]"])
    return 200, {"Content-Type": "application/json"}, envelope(PAGES[page], page=page, pages=2), 0


def test_fetch_pages_follows_next_until_null(server, http):
    server.routes["/od/debt_to_penny"] = two_pages
    pages = list(
        fiscaldata.fetch_pages(
            http,
            server.url + "/od/debt_to_penny",
            {"filter": "record_date:gt:2026-09-30", "sort": "record_date"},
            "fiscaldata/debt_to_penny__since-2026-09-30",
        )
    )
    assert [p.relpath for p in pages] == [
        "fiscaldata/debt_to_penny__since-2026-09-30__page1.json",
        "fiscaldata/debt_to_penny__since-2026-09-30__page2.json",
    ]
    assert [q["page[number]"] for _, q in server.requests] == ["1", "2"]
    assert all(q["filter"] == "record_date:gt:2026-09-30" and q["page[size]"] for _, q in server.requests)
    assert server.requests[0][1]["page[size]"] == "10000" and server.requests[1][1]["page[size]"] == "2"
    assert "page%5Bnumber%5D=2" in pages[1].url and not pages[0].offline
    rows = pd.concat(fiscaldata.transform(p.relpath, p.body)["debt_to_penny"] for p in pages)
    assert rows["record_date"].dt.day.tolist() == [1, 2, 5]


def test_fetch_pages_stops_at_total_pages_even_if_next_is_set(server, http):
    server.routes["/x"] = lambda n, q: (200, {}, envelope([penny("2026-10-01")], next_link="&page%5Bnumber%5D=2"), 0)
    assert len(list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))) == 1
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [b"<html><body>Gateway error</body></html>", b'{"meta":{}}', b"{trunc"])
def test_fetch_pages_bad_body_raises_parse_error_naming_url(server, http, body):
    server.routes["/x"] = lambda n, q: (200, {"Content-Type": "text/html"}, body, 0)
    with pytest.raises(ParseError) as err:
        list(fiscaldata.fetch_pages(http, server.url + "/x", {"sort": "record_date"}, "fiscaldata/x"))
    assert server.url + "/x?sort=record_date" in str(err.value)


@pytest.mark.parametrize(
    "first",
    [
        (429, {"Retry-After": "0"}, b"slow down", 0),
        (500, {}, b"oops", 0),
        (200, {}, b"late", 0.8),  # longer than the 0.3 s read timeout
    ],
)
def test_http_retries_then_succeeds(server, http, first):
    ok = (200, {}, envelope([penny("2026-10-01")]), 0)
    server.routes["/x"] = lambda n, q: first if n == 1 else ok
    pages = list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))
    assert len(pages) == 1 and len(server.requests) == 2


def test_http_gives_clear_fetch_error_after_retries(server, http):
    server.routes["/x"] = lambda n, q: (500, {}, b"down", 0)
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))
    assert "after retries" in str(err.value) and "500" in str(err.value) and "\n" not in str(err.value)
    assert len(server.requests) == 3 and time.monotonic() - start < 3


class FakeHttp:
    """The Http.get signature, answering from canned pages by endpoint."""

    secrets = ()

    def __init__(self):
        self.calls = []

    def get(self, url, params=None):
        self.calls.append((url.removeprefix(fiscaldata.API_BASE), dict(params or {})))
        if url.endswith("mspd_table_1") and params.get("fields") == "record_date":
            return envelope(
                [{"record_date": "2026-10-31"}, {"record_date": "2026-10-31"}, {"record_date": "2026-11-30"}],
                size=10000,
            )
        return envelope([], size=10000)


def test_extract_live_is_incremental_and_fetches_mspd_detail_per_new_date():
    fake = FakeHttp()
    state = {
        "debt_to_penny": date(2026, 10, 5),
        "avg_interest_rates": date(2026, 9, 30),
        "mspd_table_1": date(2026, 9, 30),
        "mspd_table_3": date(2026, 9, 30),
    }
    relpaths = [p.relpath for p in fiscaldata.extract_live(fake, state)]
    assert relpaths == [
        "fiscaldata/debt_to_penny__since-2026-10-05__page1.json",
        "fiscaldata/avg_interest_rates__since-2026-09-30__page1.json",
        "fiscaldata/mspd_table_1__since-2026-09-30__page1.json",
        "fiscaldata/mspd_table_3__record_date-2026-10-31__page1.json",
        "fiscaldata/mspd_table_3__record_date-2026-11-30__page1.json",
    ]
    endpoint, params = fake.calls[0]
    assert endpoint == "v2/accounting/od/debt_to_penny" and params["filter"] == "record_date:gt:2026-10-05"
    assert params["sort"] == "record_date" and params["page[size]"] == 10000
    assert fake.calls[-1] == (
        "v1/debt/mspd/mspd_table_3",
        {"filter": "record_date:eq:2026-11-30", "sort": "src_line_nbr", "page[size]": 10000, "page[number]": 1},
    )


def test_extract_live_empty_state_pulls_full_history():
    fake = FakeHttp()
    relpaths = [p.relpath for p in fiscaldata.extract_live(fake, {})]
    assert relpaths[0] == "fiscaldata/debt_to_penny__all__page1.json"
    assert not any("filter" in params for _, params in fake.calls[:4])


def test_live_state_reads_newest_record_dates():
    con = duckdb.connect()
    con.execute("CREATE TABLE debt_to_penny (record_date DATE)")
    con.execute("INSERT INTO debt_to_penny VALUES ('2026-10-02'), ('2026-10-05')")
    con.execute("CREATE TABLE marketable_securities (record_date DATE)")
    con.execute("CREATE TABLE mspd_summary (record_date DATE)")
    con.execute("INSERT INTO mspd_summary VALUES ('2026-09-30')")
    assert fiscaldata.live_state(con) == {"debt_to_penny": date(2026, 10, 5), "mspd_table_1": date(2026, 9, 30)}
