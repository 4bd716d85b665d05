"""The warehouse contract: every base table, its key and a comment on every column.

Parsers in `flows/sources/` return frames whose columns are exactly a table's *parsed*
columns (everything except the loader-owned provenance columns below). The loader adds
provenance, validates against these declarations and upserts on the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str
    nullable: bool = True


@dataclass(frozen=True)
class Revisions:
    """A table kept in vintages, where some payloads carry no vintage of their own (see warehouse/revisions.py).

    An incoming row that is `unvintaged` and repeats, in its `values` and `provenance` columns, the row in force
    for its `observation` at its own `vintage` date is not stored again: a fresher download of a series is an
    incremental refresh, not a new copy of its whole history. A different value is a revision (counted as
    changed); the same value from another kind of file is stored as a new row (counted as new)."""

    observation: tuple[str, ...]  # what one observation is, apart from its vintage
    vintage: str  # the key column that orders vintages (newest in force)
    unvintaged: str  # SQL predicate on the incoming row: its vintage is only the payload's date
    values: tuple[str, ...]  # a difference here is a revision
    provenance: tuple[str, ...]  # with the values, must match for "unchanged"
    in_force_order: str  # ORDER BY (on the stored rows, alias t) that picks the row in force among equal vintages


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Plausibility bounds checked before load: column -> (low, high), inclusive.
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Dates that must be strictly increasing within each group (checked on the frame).
    loader_owned: tuple[str, ...] = ("payload_sha256",)
    revisions: Revisions | None = None
    # How many days after the payload's retrieval date (or today, if earlier) an observation may be dated.
    # One day covers time zones; an observation from the future is a corrupt or hostile file (issue 15: a FRED
    # row dated 2099 became the current value). Auctions are announced ahead of the auction date.
    future_days: int = 1

    @property
    def parsed_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in self.loader_owned]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


PROVENANCE = Column(
    "payload_sha256",
    "VARCHAR",
    "sha256 of the raw payload this row was loaded from; join to ingest_log.sha256 for URL and fetch time",
    nullable=False,
)

C = Column

TABLES: dict[str, Table] = {}


def _table(name, comment, columns, key, bounds=None, revisions=None, future_days=1):
    TABLES[name] = Table(
        name,
        comment,
        tuple(columns) + (PROVENANCE,),
        tuple(key),
        bounds or {},
        revisions=revisions,
        future_days=future_days,
    )


_table(
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
)

_table(
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
)

_table(
    "fred_series",
    "The FRED series the pipeline tracks (from flows/fred_series.toml): title, units and frequency.",
    [
        C("series_id", "VARCHAR", "FRED series id", False),
        C("title", "VARCHAR", "Series title"),
        C("units", "VARCHAR", "Units as FRED states them (e.g. percent, $ millions)"),
        C("frequency", "VARCHAR", "daily | weekly | monthly | quarterly | annual (fiscal year)"),
        C("role", "VARCHAR", "What the project uses it for (yield, debt, budget, fx, inflation, spillover…)"),
    ],
    key=("series_id",),
)

_table(
    "fred_observations",
    "FRED observations, all vintages kept. value NULL = missing in the source ('.' or empty; for series whose "
    "fred_series.toml entry says leading_zeros_missing, the zeros FRED prints before the series exists). Use "
    "fred_observations_current for the latest vintage or fred_as_of(series, date) for a past one. Precedence: "
    "per (series_id, date) the row with the newest realtime_start is in force (original FRED bytes over re-saved "
    "copies on a tie). A CSV download carries no vintage, so a later download of the same series is an "
    "incremental refresh: its rows that repeat the value (and format) in force are not stored again; rows for "
    "new dates are added; a different value for a stored date is a revision, stored as a new vintage dated by "
    "the later payload and counted as changed in ingest_log.",
    [
        C("series_id", "VARCHAR", "FRED series id (e.g. DGS10)", False),
        C(
            "date",
            "DATE",
            "Observation date as FRED gives it (first day of period for monthly/quarterly; "
            "YYYY-09-30 for fiscal years)",
            False,
        ),
        C("value", "DOUBLE", "Observation value in the series' units (see fred_series.units); NULL = missing"),
        C(
            "realtime_start",
            "DATE",
            "First day this value was known (FRED vintage). API payloads carry it; for CSV "
            "downloads it is the fetch date live, and the last observation date for offline files (a lower bound). "
            "A later CSV that repeats a stored value keeps the earlier realtime_start (the value was known since "
            "then); one that changes it adds a row with its own date, which then takes precedence",
            False,
        ),
        C("realtime_end", "DATE", "Last day this value was current (9999-12-31 = still current); NULL for CSV"),
        C(
            "source_format",
            "VARCHAR",
            "fredgraph_csv | fredgraph_csv_legacy (DATE header, '.' missing) | "
            "fred_zip_2017 (DATE,VALUE) | api_json | api_xml (fredapi) | resaved_csv",
            False,
        ),
        C(
            "resaved",
            "BOOLEAN",
            "TRUE when the file was re-written by a third party (values real, bytes not FRED's)",
            False,
        ),
    ],
    key=("series_id", "date", "realtime_start"),
    revisions=Revisions(
        observation=("series_id", "date"),
        vintage="realtime_start",
        unvintaged="s.realtime_end IS NULL",
        values=("value",),
        provenance=("source_format", "resaved"),
        in_force_order="t.realtime_start DESC, t.resaved ASC, t.source_format",
    ),
)

_table(
    "yield_curve",
    "Daily Treasury par yield curve (home.treasury.gov), percent, one row per date and tenor.",
    [
        C("date", "DATE", "Business day of the curve", False),
        C("tenor_months", "DOUBLE", "Tenor in months (1, 1.5, 2, 3, 4, 6, 12, 24, 36, 60, 84, 120, 240, 360)", False),
        C("yield_pct", "DOUBLE", "Par yield, percent per annum (bond-equivalent)", False),
        C(
            "source_file",
            "VARCHAR",
            "Treasury file the value came from (yearly download or the 1990-2024 archive)",
            False,
        ),
    ],
    key=("date", "tenor_months"),
    bounds={"yield_pct": (-5, 30)},
)

_table(
    "debt_to_penny",
    "Fiscal Data Debt to the Penny: total public debt outstanding, daily, U.S. dollars.",
    [
        C("record_date", "DATE", "Business day", False),
        C("debt_held_public_usd", "DOUBLE", "Debt held by the public, dollars"),
        C("intragov_hold_usd", "DOUBLE", "Intragovernmental holdings, dollars"),
        C("total_public_debt_usd", "DOUBLE", "Total public debt outstanding, dollars (= public + intragovernmental)"),
    ],
    key=("record_date",),
    # $200 trillion: five times today's $40 trillion; 1e15 (a hostile file's total) was accepted before issue 15.
    bounds={"total_public_debt_usd": (0, 2e14), "debt_held_public_usd": (0, 2e14), "intragov_hold_usd": (0, 2e14)},
)

_table(
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
)

_table(
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
)

_table(
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
        C("yield_pct", "DOUBLE", "Auction yield of the tranche (bills) or FRN spread; NULL when the source lacks it"),
        C("issued_usd_mn", "DOUBLE", "Issued amount of the tranche, $ millions; NULL when the source lacks it"),
        C("inflation_adj_usd_mn", "DOUBLE", "TIPS inflation adjustment, $ millions; NULL when absent"),
        C("redeemed_usd_mn", "DOUBLE", "Redeemed (bought back/exchanged) amount, $ millions; NULL when absent"),
        C(
            "outstanding_usd_mn",
            "DOUBLE",
            "Outstanding amount for the whole CUSIP on its first tranche row, "
            "$ millions (TIPS include inflation adjustment); NULL on later tranche rows",
        ),
        C("source_format", "VARCHAR", "csv (website download, all fields) | api_json (possibly a field subset)", False),
    ],
    key=("record_date", "cusip", "tranche_no"),
    bounds={"outstanding_usd_mn": (0, 2_000_000), "interest_rate_pct": (0, 20)},
)

_table(
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
)

_table(
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
        C("percent_outstanding", "DOUBLE", "Share of the CUSIP's outstanding amount held, as a FRACTION (0.25 = 25%)"),
        C("change_from_prior_week_usd", "DOUBLE", "Change in par from the prior week, dollars"),
        C("change_from_prior_year_usd", "DOUBLE", "Change in par from a year earlier, dollars"),
        C("is_aggregated", "VARCHAR", "Source flag for aggregated CMBS rows"),
    ],
    key=("as_of_date", "cusip"),
    bounds={"par_value_usd": (0, 1e13), "percent_outstanding": (0, 1.0000001)},
)

_table(
    "auctions",
    "Treasury auctions (Fiscal Data Auctions Query download): CUSIP, type, term and dates. No amounts or coupons "
    "in this source. Security type is Bill/Note/Bond only (TIPS/FRN folded in).",
    [
        C("cusip", "VARCHAR", "CUSIP (BOM and apostrophes stripped)", False),
        C("security_type", "VARCHAR", "Bill | Note | Bond", False),
        C("security_term", "VARCHAR", "Term as published (e.g. '10-Year', '9-Year 11-Month' for a reopening)", False),
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
)

INGEST_LOG = Table(
    "ingest_log",
    "One row per fetched payload and load attempt: where it came from (URL without secrets), its sha256 in the raw "
    "landing zone, and what the load did.",
    (
        C("payload_id", "BIGINT", "Sequence number of the load attempt", False),
        C("source", "VARCHAR", "Source name: tic | fred | fiscaldata | yield_curve | soma | auctions", False),
        C("relpath", "VARCHAR", "Path of the payload in the snapshot layout (e.g. tic/slt_table5.txt)", False),
        C("url", "VARCHAR", "URL fetched, with any API key removed; file:// path for offline replay", False),
        C("fetched_at", "TIMESTAMP", "When the bytes were fetched or read (UTC)", False),
        C("sha256", "VARCHAR", "sha256 of the payload bytes = file name in the raw landing zone", False),
        C("bytes", "BIGINT", "Payload size in bytes", False),
        C("rows_loaded", "BIGINT", "Rows parsed and upserted (new + changed + unchanged)"),
        C("rows_new", "BIGINT", "Rows whose key was not in the warehouse"),
        C("rows_changed", "BIGINT", "Rows whose key existed with different values"),
        C("rows_unchanged", "BIGINT", "Rows identical to what was stored"),
        C("newest_date", "DATE", "Newest observation date in the payload"),
        C(
            "status",
            "VARCHAR",
            "loaded | skipped (same sha256 and path already loaded or refused; logged so the last "
            "check time is known) | quarantined (failed validation; see data/quarantine/<sha256>.txt) | stale (a file the "
            "source still serves but no longer updates, refused as current) | failed (could not fetch)",
            False,
        ),
        C("error", "VARCHAR", "Why the payload was quarantined or failed; NULL on success"),
        C("offline", "BOOLEAN", "TRUE when replayed from a snapshot directory", False),
    ),
    ("payload_id",),
    loader_owned=(),
)
