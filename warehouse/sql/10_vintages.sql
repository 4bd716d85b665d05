-- Vintages: which published value counts. "Current" views are the as-of macros evaluated at the end of time,
-- so a query "as known on date d" and a query on current data share one rule.

-- @macro foreign_holdings_as_of(d): Foreign holdings as known on date d: for each month, the whole table of
--   the newest publication (source_file, vintage) with vintage <= d; on a vintage tie slt_table5.txt wins over
--   mfhhis01.txt. One publication per month keeps rows additive (countries + groups + All Other = Grand Total).
--   Returns the columns of foreign_holdings_current. Example:
--   SELECT * FROM foreign_holdings_as_of(DATE '2026-04-01') WHERE country = 'Japan'
CREATE OR REPLACE MACRO foreign_holdings_as_of(d) AS TABLE
WITH publications AS (
    SELECT month, source_file, vintage
    FROM stg_foreign_holdings
    WHERE vintage <= CAST(d AS DATE)
    GROUP BY month, source_file, vintage
    QUALIFY row_number() OVER (
        PARTITION BY month
        ORDER BY vintage DESC, (source_file = 'slt_table5.txt') DESC, source_file) = 1
)
SELECT h.month, h.country, h.row_kind, h.holdings_usd_bn, h.source_file, h.vintage, h.vintage_basis, h.series_note
FROM stg_foreign_holdings h
JOIN publications p ON p.month = h.month AND p.source_file = h.source_file AND p.vintage = h.vintage;

-- @view foreign_holdings_current: TIC Major Foreign Holders, $ billions, monthly, latest vintage: for each month
--   the rows of the newest publication (latest vintage; tie -> slt_table5.txt over mfhhis01.txt). Whole
--   publications are taken, never single rows, so for months where slt_table5 is newest only its ~20 listed
--   countries appear (smaller holders are inside All Other); earlier vintages stay in foreign_holdings and
--   foreign_holdings_as_of(d).
-- @from foreign_holdings
-- @col source_file: Publication the month's rows come from: mfhhis01.txt or slt_table5.txt
-- @col vintage: Vintage of that publication (the newest one for the month)
CREATE OR REPLACE VIEW foreign_holdings_current AS
SELECT month, country, row_kind, holdings_usd_bn, source_file, vintage, vintage_basis, series_note
FROM foreign_holdings_as_of(DATE '9999-12-31');

-- @macro foreign_flows_as_of(d): TIC SLT Table 3 holdings and flows ($ billions) as known on date d: for each
--   month the newest vintage with vintage <= d. Returns the columns of foreign_flows_current. Example:
--   SELECT * FROM foreign_flows_as_of(DATE '2026-07-01') WHERE country_code = 99990
CREATE OR REPLACE MACRO foreign_flows_as_of(d) AS TABLE
WITH vintages AS (
    SELECT month, max(vintage) AS vintage
    FROM stg_foreign_flows
    WHERE vintage <= CAST(d AS DATE)
    GROUP BY month
)
SELECT f.month, f.country, f.country_code, f.row_kind, f.holdings_usd_bn, f.net_purchases_usd_bn,
       f.lt_holdings_usd_bn, f.lt_net_purchases_usd_bn, f.lt_valuation_change_usd_bn,
       f.st_holdings_usd_bn, f.st_net_purchases_usd_bn, f.vintage, f.vintage_basis
FROM stg_foreign_flows f
JOIN vintages v ON v.month = f.month AND v.vintage = f.vintage;

-- @view foreign_flows_current: TIC SLT Table 3 by country and month since 2020-01, $ billions, latest vintage
--   per month: holdings, net purchases (from 2023-02), long-term valuation change (from 2023-02). Official
--   (99990) and non-official (99991) rows are memo rows. Net purchases > 0 = foreigners bought.
-- @from stg_foreign_flows
CREATE OR REPLACE VIEW foreign_flows_current AS
SELECT month, country, country_code, row_kind, holdings_usd_bn, net_purchases_usd_bn, lt_holdings_usd_bn,
       lt_net_purchases_usd_bn, lt_valuation_change_usd_bn, st_holdings_usd_bn, st_net_purchases_usd_bn,
       vintage, vintage_basis
FROM foreign_flows_as_of(DATE '9999-12-31');

-- @macro fred_observations_as_of(d): Every FRED series as known on date d: per (series_id, date) the
--   observation with the latest realtime_start <= d (original FRED bytes over re-saved copies on a tie).
--   Returns the columns of fred_observations_current. Offline CSV vintages start at the file's last
--   observation date (a lower bound of when it was known).
CREATE OR REPLACE MACRO fred_observations_as_of(d) AS TABLE
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM stg_fred_observations
WHERE realtime_start <= CAST(d AS DATE)
QUALIFY row_number() OVER (
    PARTITION BY series_id, date
    ORDER BY realtime_start DESC, resaved ASC, source_format) = 1;

-- @macro fred_as_of(sid, d): One FRED series as known on date d (see fred_observations_as_of). Example, the
--   10-year yield history as it was known at the end of August 2024:
--   SELECT date, value FROM fred_as_of('DGS10', DATE '2024-08-31') ORDER BY date DESC LIMIT 5
CREATE OR REPLACE MACRO fred_as_of(sid, d) AS TABLE
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM fred_observations_as_of(d)
WHERE series_id = sid;

-- @view fred_observations_current: FRED observations, latest vintage: per (series_id, date) the row with the
--   newest realtime_start; on a tie original FRED bytes win over re-saved copies. value NULL = missing in the
--   source (holiday, unpublished month). Units per series in stg_fred_series.units.
-- @from fred_observations
CREATE OR REPLACE VIEW fred_observations_current AS
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM fred_observations_as_of(DATE '9999-12-31');
