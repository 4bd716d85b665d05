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
--   A date after the newest observation of the vintages known on d has no row: a vintage is only as recent as
--   its last observation (offline CSV vintages start at the file's last date), so on 2024-08-31 the snapshot's
--   DGS10 ends 2024-08-07 and 2024-08-15 returns nothing. fred_value_as_of says so and gives the latest value.
CREATE OR REPLACE MACRO fred_as_of(sid, d) AS TABLE
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM fred_observations_as_of(d)
WHERE series_id = sid;

-- @macro fred_value_as_of(sid, obs, d): One FRED value for date obs as known on date d, always one row: the
--   latest non-missing observation on or before obs in the vintages known on d, with its own date
--   (observation_date), its vintage (realtime_start), how many days it lags obs (lag_days) and a note that
--   says why when it is not obs itself (the vintages known on d end earlier, or obs is a holiday) or when
--   nothing was known. Example, the 10-year yield for 2024-08-15 as known on 2024-08-31:
--   SELECT * FROM fred_value_as_of('DGS10', DATE '2024-08-15', DATE '2024-08-31')
CREATE OR REPLACE MACRO fred_value_as_of(sid, obs, d) AS TABLE
WITH known AS (
    SELECT date, value, realtime_start,
           max(date) OVER () AS newest_known
    FROM fred_as_of(sid, d)
    WHERE value IS NOT NULL
),
hit AS (
    SELECT * FROM known WHERE date <= CAST(obs AS DATE) ORDER BY date DESC LIMIT 1
)
SELECT CAST(sid AS VARCHAR) AS series_id, CAST(obs AS DATE) AS requested_date, CAST(d AS DATE) AS as_of,
       h.date AS observation_date, h.value, h.realtime_start AS vintage,
       date_diff('day', h.date, CAST(obs AS DATE)) AS lag_days,
       CASE WHEN h.date IS NULL THEN 'nothing known: no vintage of ' || sid || ' known on ' || CAST(d AS DATE)
                 || ' has an observation on or before ' || CAST(obs AS DATE)
            WHEN h.date = CAST(obs AS DATE) THEN 'exact'
            WHEN h.newest_known < CAST(obs AS DATE) THEN 'latest known: the vintages known on ' || CAST(d AS DATE)
                 || ' end on ' || h.newest_known || ', before ' || CAST(obs AS DATE)
            ELSE 'previous observation: ' || CAST(obs AS DATE) || ' has no value (a holiday or not published)'
       END AS note
FROM (SELECT 1) AS one
LEFT JOIN hit h ON TRUE;

-- @view fred_observations_current: FRED observations, latest vintage: per (series_id, date) the row with the
--   newest realtime_start; on a tie original FRED bytes win over re-saved copies. value NULL = missing in the
--   source (holiday, unpublished month). Units per series in stg_fred_series.units.
-- @from fred_observations
CREATE OR REPLACE VIEW fred_observations_current AS
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM fred_observations_as_of(DATE '9999-12-31');
