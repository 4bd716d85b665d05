-- Yields: one long daily curve from two sources, spreads, and monthly aggregates.

-- @view yield_curve_daily: Treasury yield curve, percent, one row per date and tenor. Source precedence: the
--   Treasury daily par yield curve first; FRED constant-maturity series (DGS1MO, DGS3MO, DGS6MO, DGS1, DGS2,
--   DGS3, DGS5, DGS7, DGS10, DGS20, DGS30; latest vintage) fill only the (date, tenor) pairs the par curve
--   lacks (before 1990, after the last par-curve file, tenors not yet published). Both are the same Treasury
--   CMT/par yields, so values agree where they overlap.
-- @col date: Business day
-- @col tenor_months: Tenor in months (3 = 3-month bill, 120 = 10-year note)
-- @col tenor_label: Tenor as text: 1m, 1.5m, 2m, 3m, 4m, 6m, 1y, 2y, 3y, 5y, 7y, 10y, 20y, 30y
-- @col yield_pct: Yield, percent per annum (bond-equivalent par yield)
-- @col source: par_curve (home.treasury.gov daily par yield curve) | fred_cmt (FRED DGS* series)
-- @col source_detail: The par-curve file name, or the FRED series id, the value came from
CREATE OR REPLACE VIEW yield_curve_daily AS
WITH fred_tenors(series_id, tenor_months) AS (
    VALUES ('DGS1MO', 1.0), ('DGS3MO', 3.0), ('DGS6MO', 6.0), ('DGS1', 12.0), ('DGS2', 24.0), ('DGS3', 36.0),
           ('DGS5', 60.0), ('DGS7', 84.0), ('DGS10', 120.0), ('DGS20', 240.0), ('DGS30', 360.0)
),
par AS (
    SELECT date, tenor_months, yield_pct, 'par_curve' AS source, source_file AS source_detail
    FROM stg_yield_curve_par
),
fred AS (
    SELECT o.date, t.tenor_months, o.value AS yield_pct, 'fred_cmt' AS source, o.series_id AS source_detail
    FROM fred_observations_current o
    JOIN fred_tenors t ON t.series_id = o.series_id
    WHERE o.value IS NOT NULL
),
merged AS (
    SELECT * FROM par
    UNION ALL
    SELECT f.* FROM fred f
    WHERE NOT EXISTS (SELECT 1 FROM par p WHERE p.date = f.date AND p.tenor_months = f.tenor_months)
)
SELECT date, tenor_months,
       CASE WHEN tenor_months < 12 THEN regexp_replace(CAST(tenor_months AS VARCHAR), '\.0$', '') || 'm'
            ELSE CAST(CAST(tenor_months / 12 AS INTEGER) AS VARCHAR) || 'y' END AS tenor_label,
       yield_pct, source, source_detail
FROM merged;

-- @view yield_spreads_daily: Daily key yields and curve spreads from yield_curve_daily (same source precedence):
--   2s10s = 10-year minus 2-year, 3m10y = 10-year minus 3-month, in basis points. A spread is NULL when either
--   leg is missing that day.
-- @col date: Business day
-- @col yield_3m_pct: 3-month yield, percent
-- @col yield_2y_pct: 2-year yield, percent
-- @col yield_10y_pct: 10-year yield, percent
-- @col yield_30y_pct: 30-year yield, percent (NULL 2002-02-19..2006-02-08 in the par curve unless FRED fills it)
-- @col spread_2s10s_bp: 10-year minus 2-year yield, basis points (negative = inverted)
-- @col spread_3m10y_bp: 10-year minus 3-month yield, basis points (negative = inverted)
CREATE OR REPLACE VIEW yield_spreads_daily AS
WITH wide AS (
    SELECT date,
           max(yield_pct) FILTER (WHERE tenor_months = 3) AS yield_3m_pct,
           max(yield_pct) FILTER (WHERE tenor_months = 24) AS yield_2y_pct,
           max(yield_pct) FILTER (WHERE tenor_months = 120) AS yield_10y_pct,
           max(yield_pct) FILTER (WHERE tenor_months = 360) AS yield_30y_pct
    FROM yield_curve_daily
    WHERE tenor_months IN (3, 24, 120, 360)
    GROUP BY date
)
SELECT date, yield_3m_pct, yield_2y_pct, yield_10y_pct, yield_30y_pct,
       round((yield_10y_pct - yield_2y_pct) * 100, 6) AS spread_2s10s_bp,
       round((yield_10y_pct - yield_3m_pct) * 100, 6) AS spread_3m10y_bp
FROM wide;

-- @view yield_curve_monthly: Monthly yield per tenor from yield_curve_daily: the average over the month's
--   business days and the month-end value (last business day with data). The newest month is month-to-date.
-- @col month: Month end date (e.g. 2025-12-31), the convention TIC uses too
-- @col tenor_months: Tenor in months
-- @col tenor_label: Tenor as text (3m, 2y, 10y…)
-- @col avg_yield_pct: Average of the daily yields in the month, percent
-- @col month_end_yield_pct: Yield on the last business day of the month with data, percent
-- @col last_obs_date: Date of that last observation (before month end when the data stops mid-month)
-- @col n_days: Business days with a value in the month
-- @col source: par_curve | fred_cmt | mixed (days from both sources in the month)
CREATE OR REPLACE VIEW yield_curve_monthly AS
SELECT CAST(last_day(date) AS DATE) AS month,
       tenor_months,
       any_value(tenor_label) AS tenor_label,
       avg(yield_pct) AS avg_yield_pct,
       arg_max(yield_pct, date) AS month_end_yield_pct,
       max(date) AS last_obs_date,
       count(*) AS n_days,
       CASE WHEN count(DISTINCT source) > 1 THEN 'mixed' ELSE any_value(source) END AS source
FROM yield_curve_daily
GROUP BY CAST(last_day(date) AS DATE), tenor_months;

-- @view yield_spreads_monthly: Monthly 10-year yield and curve spreads from yield_spreads_daily: month averages
--   and month-end values (last business day with a value). Basis points for spreads, percent for yields.
-- @col month: Month end date
-- @col avg_yield_10y_pct: Average 10-year yield in the month, percent
-- @col month_end_yield_10y_pct: 10-year yield on the month's last business day with data, percent
-- @col avg_spread_2s10s_bp: Average 10y minus 2y spread, basis points
-- @col month_end_spread_2s10s_bp: 10y minus 2y spread on the last day with both legs, basis points
-- @col avg_spread_3m10y_bp: Average 10y minus 3m spread, basis points
-- @col month_end_spread_3m10y_bp: 10y minus 3m spread on the last day with both legs, basis points
-- @col n_days: Business days in the month with a 10-year yield
CREATE OR REPLACE VIEW yield_spreads_monthly AS
SELECT CAST(last_day(date) AS DATE) AS month,
       avg(yield_10y_pct) AS avg_yield_10y_pct,
       arg_max(yield_10y_pct, date) FILTER (WHERE yield_10y_pct IS NOT NULL) AS month_end_yield_10y_pct,
       avg(spread_2s10s_bp) AS avg_spread_2s10s_bp,
       arg_max(spread_2s10s_bp, date) FILTER (WHERE spread_2s10s_bp IS NOT NULL) AS month_end_spread_2s10s_bp,
       avg(spread_3m10y_bp) AS avg_spread_3m10y_bp,
       arg_max(spread_3m10y_bp, date) FILTER (WHERE spread_3m10y_bp IS NOT NULL) AS month_end_spread_3m10y_bp,
       count(yield_10y_pct) AS n_days
FROM yield_spreads_daily
GROUP BY CAST(last_day(date) AS DATE);
