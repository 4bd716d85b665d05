"""Base tables of the federal debt (Fiscal Data): the daily total, average interest rates, the MSPD summary and its
CUSIP detail and subtotals, and the auctions that issue it."""

from __future__ import annotations

from warehouse.table_types import Column as C
from warehouse.table_types import table

DEBT_TABLES = (
    table(
        "debt_to_penny",
        "Fiscal Data Debt to the Penny: total public debt outstanding, daily, U.S. dollars.",
        [
            C("record_date", "DATE", "Business day", False),
            C("debt_held_public_usd", "DOUBLE", "Debt held by the public, dollars"),
            C("intragov_hold_usd", "DOUBLE", "Intragovernmental holdings, dollars"),
            C(
                "total_public_debt_usd",
                "DOUBLE",
                "Total public debt outstanding, dollars (= public + intragovernmental)",
            ),
        ],
        key=("record_date",),
        # $200 trillion: five times today's $40 trillion; 1e15 (a hostile file's total) was accepted before issue 15.
        bounds={"total_public_debt_usd": (0, 2e14), "debt_held_public_usd": (0, 2e14), "intragov_hold_usd": (0, 2e14)},
    ),
    table(
        "avg_interest_rates",
        "Fiscal Data Average Interest Rates on U.S. Treasury Securities, monthly, percent.",
        [
            C("record_date", "DATE", "Month end", False),
            C("security_type_desc", "VARCHAR", "Marketable | Non-marketable | Interest-bearing Debt", False),
            C("security_desc", "VARCHAR", "Security class (Treasury Bills, Treasury Notes, … Total Marketable)", False),
            C("avg_interest_rate_pct", "DOUBLE", "Average interest rate, percent per annum"),
        ],
        key=("record_date", "security_type_desc", "security_desc"),
        bounds={"avg_interest_rate_pct": (-5, 30)},
    ),
    table(
        "mspd_summary",
        "Fiscal Data MSPD Table 1: Summary of Treasury securities outstanding, monthly, $ millions.",
        [
            C("record_date", "DATE", "Month end", False),
            C("security_type_desc", "VARCHAR", "Marketable | Nonmarketable | Total Public Debt Outstanding …", False),
            C("security_class_desc", "VARCHAR", "Bills, Notes, Bonds, TIPS, FRN…; '_' on total rows", False),
            C("debt_held_public_usd_mn", "DOUBLE", "Held by the public, $ millions"),
            C("intragov_hold_usd_mn", "DOUBLE", "Intragovernmental holdings, $ millions"),
            C("total_usd_mn", "DOUBLE", "Total outstanding, $ millions (= public + intragovernmental)"),
        ],
        key=("record_date", "security_type_desc", "security_class_desc"),
        bounds={"debt_held_public_usd_mn": (0, 2e8), "intragov_hold_usd_mn": (0, 2e8), "total_usd_mn": (0, 2e8)},
    ),
    table(
        "marketable_securities",
        "MSPD Table III detail of marketable Treasury securities, one row per issue/reopening tranche, $ millions. "
        "The CUSIP's total outstanding is on its first tranche (tranche_no = 1) and NULL on the others: sum per CUSIP. "
        "Subtotal rows are in marketable_totals, not here.",
        [
            C("record_date", "DATE", "Month end of the statement", False),
            C("cusip", "VARCHAR", "CUSIP (9 characters, starts 912)", False),
            C("tranche_no", "INTEGER", "1-based order of the tranche row within the CUSIP in the source", False),
            C("security_class", "VARCHAR", "Bills | Notes | Bonds | TIPS | FRN", False),
            C(
                "security_class1_desc",
                "VARCHAR",
                "Class as the source names it (e.g. 'Bills Maturity Value', 'Inflation-Protected Securities')",
                False,
            ),
            C("issue_date", "DATE", "Issue date of the tranche; NULL when the source (API field subset) lacks it"),
            C("maturity_date", "DATE", "Maturity date", False),
            C("interest_rate_pct", "DOUBLE", "Coupon, percent; NULL for bills and FRNs, and when the source lacks it"),
            C(
                "yield_pct",
                "DOUBLE",
                "Auction yield of the tranche (bills) or FRN spread; NULL when the source lacks it",
            ),
            C("issued_usd_mn", "DOUBLE", "Issued amount of the tranche, $ millions; NULL when the source lacks it"),
            C("inflation_adj_usd_mn", "DOUBLE", "TIPS inflation adjustment, $ millions; NULL when absent"),
            C("redeemed_usd_mn", "DOUBLE", "Redeemed (bought back/exchanged) amount, $ millions; NULL when absent"),
            C(
                "outstanding_usd_mn",
                "DOUBLE",
                "Outstanding amount for the whole CUSIP on its first tranche row, "
                "$ millions (TIPS include inflation adjustment); NULL on later tranche rows",
            ),
            C(
                "source_format",
                "VARCHAR",
                "csv (website download, all fields) | api_json (possibly a field subset)",
                False,
            ),
        ],
        key=("record_date", "cusip", "tranche_no"),
        bounds={"outstanding_usd_mn": (0, 2_000_000), "interest_rate_pct": (0, 20)},
    ),
    table(
        "marketable_totals",
        "MSPD Table III subtotal and total rows (Total Unmatured Treasury Bills, Total Marketable, …), $ millions; "
        "used to check that CUSIP rows add up.",
        [
            C("record_date", "DATE", "Month end of the statement", False),
            C(
                "label",
                "VARCHAR",
                "The subtotal's label (e.g. 'Total Unmatured Treasury Notes', 'Total Marketable')",
                False,
            ),
            C("security_class", "VARCHAR", "Bills | Notes | Bonds | TIPS | FRN | FFB | All", False),
            C("outstanding_usd_mn", "DOUBLE", "Outstanding amount, $ millions ('*' rounds to zero → 0)"),
        ],
        key=("record_date", "label"),
        bounds={"outstanding_usd_mn": (0, 2e8)},
    ),
    table(
        "auctions",
        "Treasury auctions (Fiscal Data Auctions Query download): CUSIP, type, term and dates. No amounts or coupons "
        "in this source. Security type is Bill/Note/Bond only (TIPS/FRN folded in).",
        [
            C("cusip", "VARCHAR", "CUSIP (BOM and apostrophes stripped)", False),
            C("security_type", "VARCHAR", "Bill | Note | Bond", False),
            C(
                "security_term",
                "VARCHAR",
                "Term as published (e.g. '10-Year', '9-Year 11-Month' for a reopening)",
                False,
            ),
            C("auction_date", "DATE", "Auction date", False),
            C("issue_date", "DATE", "Issue (settlement) date"),
            C("maturity_date", "DATE", "Maturity date"),
            C(
                "price_per_100",
                "DOUBLE",
                "Price per $100 of face; NULL before results are announced and for many pre-2000 rows",
            ),
        ],
        key=("cusip", "auction_date"),
        bounds={"price_per_100": (0, 300)},
        future_days=60,
    ),
)
