"""Base tables of who holds Treasuries: foreign holders by country (TIC) and the Fed's SOMA portfolio by CUSIP."""

from __future__ import annotations

from warehouse.table_types import Column as C
from warehouse.table_types import table

HOLDINGS_TABLES = (
    table(
        "foreign_holdings",
        "TIC Major Foreign Holders of Treasury Securities, $ billions, monthly. History from mfhhis01.txt, newest "
        "months from slt_table5.txt; one row per (month, country, source_file, vintage). Use the view "
        "foreign_holdings_current for the latest vintage.",
        [
            C("month", "DATE", "Month end of the holdings observation (e.g. 2025-12-31 for Dec-2025)", False),
            C(
                "country",
                "VARCHAR",
                "Country or row label normalised across TIC files (e.g. 'China' for 'China, Mainland', "
                "'United Kingdom' without footnote markers); totals use 'Grand Total', 'All Other', 'Foreign Official'…",
                False,
            ),
            C(
                "row_kind",
                "VARCHAR",
                "What the row is: country | group (e.g. Oil Exporters, counted in the total) | "
                "residual (All Other) | total (Grand Total) | memo (Of which: foreign official rows, not additive)",
                False,
            ),
            C(
                "holdings_usd_bn",
                "DOUBLE",
                "Holdings of U.S. Treasury securities at month end, $ billions (market value basis as published by TIC)",
            ),
            C("source_file", "VARCHAR", "TIC file the row came from: mfhhis01.txt or slt_table5.txt", False),
            C(
                "vintage",
                "DATE",
                "Publication vintage of the file: the footer stamp for mfhhis01, otherwise see vintage_basis",
                False,
            ),
            C(
                "vintage_basis",
                "VARCHAR",
                "How vintage was set: stamp (date printed in the file) | fetch_date (live fetch) | "
                "estimated_release (offline file with no stamp: the 18th of the second month after the newest data month)",
                False,
            ),
            C(
                "series_note",
                "VARCHAR",
                "Series-break note for months with two published columns (old vs new benchmark); "
                "NULL when the month has a single column",
            ),
        ],
        key=("month", "country", "source_file", "vintage"),
        bounds={"holdings_usd_bn": (0, 20_000)},
    ),
    table(
        "foreign_flows",
        "TIC SLT Table 3: Treasury holdings and net purchases by foreign residents, by country and month, $ millions. "
        "Net U.S. sales > 0 means foreigners bought. Includes official (99990) and non-official (99991) memo rows.",
        [
            C("month", "DATE", "Month end", False),
            C("country", "VARCHAR", "Country or aggregate label, normalised as in foreign_holdings", False),
            C(
                "country_code",
                "INTEGER",
                "Numeric TIC country code (Japan 42609, Foreign Official 99990, Non-Official 99991)",
                False,
            ),
            C(
                "row_kind",
                "VARCHAR",
                "country | region (e.g. Total Europe) | total (Grand Total) | memo (official / "
                "non-official split, not additive) | io (international and regional organisations)",
                False,
            ),
            C("holdings_usd_mn", "DOUBLE", "Total Treasury holdings at month end (for_treas_pos), $ millions"),
            C(
                "net_purchases_usd_mn",
                "DOUBLE",
                "Total net U.S. sales to foreigners = net foreign purchases (for_treas_net), "
                "$ millions; NULL (n.a.) before 2023-02",
            ),
            C("lt_holdings_usd_mn", "DOUBLE", "Long-term Treasury holdings (for_lt_treas_pos), $ millions"),
            C("lt_net_purchases_usd_mn", "DOUBLE", "Long-term net purchases (for_lt_treas_net), $ millions"),
            C(
                "lt_valuation_change_usd_mn",
                "DOUBLE",
                "Valuation change on long-term holdings (for_lt_treas_valchg), $ millions",
            ),
            C("st_holdings_usd_mn", "DOUBLE", "Short-term (bill) holdings (for_st_treas_pos), $ millions"),
            C("st_net_purchases_usd_mn", "DOUBLE", "Short-term net purchases (for_st_treas_net), $ millions"),
            C("vintage", "DATE", "Publication vintage (fetch date live; estimated release date offline)", False),
            C("vintage_basis", "VARCHAR", "fetch_date | estimated_release", False),
        ],
        key=("month", "country_code", "vintage"),
        bounds={
            "holdings_usd_mn": (0, 20_000_000),
            "lt_holdings_usd_mn": (0, 20_000_000),
            "st_holdings_usd_mn": (0, 20_000_000),
        },
    ),
    table(
        "soma_holdings",
        "NY Fed System Open Market Account holdings by CUSIP (Treasuries, agency debt, agency CMBS), dollars.",
        [
            C("as_of_date", "DATE", "Holdings date (Wednesday)", False),
            C("cusip", "VARCHAR", "CUSIP without the source's leading apostrophe", False),
            C(
                "security_type",
                "VARCHAR",
                "Bills | NotesBonds | TIPS | FRNs | Agency Debts | CMBS (labels as the NY Fed publishes them)",
                False,
            ),
            C("security_description", "VARCHAR", "Description (agency and CMBS rows)"),
            C("term", "VARCHAR", "Original term as published"),
            C("maturity_date", "DATE", "Maturity date; NULL for CMBS"),
            C("issuer", "VARCHAR", "Issuer (agency rows)"),
            C("spread_pct", "DOUBLE", "FRN spread, percent"),
            C("coupon_pct", "DOUBLE", "Coupon, percent"),
            C("current_face_value_usd", "DOUBLE", "Current face value, dollars (CMBS)"),
            C("par_value_usd", "DOUBLE", "Par value held, dollars (excludes TIPS inflation compensation)"),
            C("inflation_compensation_usd", "DOUBLE", "TIPS inflation compensation, dollars"),
            C(
                "percent_outstanding",
                "DOUBLE",
                "Share of the CUSIP's outstanding amount held, as a FRACTION (0.25 = 25%)",
            ),
            C("change_from_prior_week_usd", "DOUBLE", "Change in par from the prior week, dollars"),
            C("change_from_prior_year_usd", "DOUBLE", "Change in par from a year earlier, dollars"),
            C("is_aggregated", "VARCHAR", "Source flag for aggregated CMBS rows"),
        ],
        key=("as_of_date", "cusip"),
        bounds={"par_value_usd": (0, 1e13), "percent_outstanding": (0, 1.0000001)},
    ),
)
