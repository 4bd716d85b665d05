-- Interest and the budget: average rates by class and the interest bill relative to the budget and GDP.

-- @view avg_interest_rates_by_class: Average interest rate on Treasury debt by security class, monthly, percent
--   (Fiscal Data), with the fiscal year and the change from twelve months earlier when that month is stored.
-- @col record_date: Month end
-- @col fiscal_year: Federal fiscal year of record_date (October starts the next fiscal year)
-- @col security_type: Marketable | Non-marketable | Interest-bearing Debt
-- @col security_class: Class as published (Treasury Bills, Treasury Notes, Total Marketable…)
-- @col is_total: TRUE on 'Total …' rows (Total Marketable, Total Non-marketable, Total Interest-bearing Debt)
-- @col avg_interest_rate_pct: Average interest rate, percent per annum
-- @col change_12m_pp: Change from the same class twelve months earlier, percentage points; NULL when that
--   month is not in the warehouse
CREATE OR REPLACE VIEW avg_interest_rates_by_class AS
SELECT r.record_date,
       year(r.record_date) + CAST(month(r.record_date) >= 10 AS INTEGER) AS fiscal_year,
       r.security_type, r.security_class,
       r.security_class LIKE 'Total%' AS is_total,
       r.avg_interest_rate_pct,
       r.avg_interest_rate_pct - p.avg_interest_rate_pct AS change_12m_pp
FROM stg_avg_interest_rates r
LEFT JOIN stg_avg_interest_rates p
       ON p.security_type = r.security_type AND p.security_class = r.security_class
      AND p.record_date = CAST(last_day(r.record_date - INTERVAL 12 MONTH) AS DATE);

-- @view interest_burden_fy: Federal interest outlays relative to the budget and the economy, by fiscal year, one
--   row per (fiscal_year, measure); each row names its sources. Measures: interest_to_net_outlays (FRED FYOINT /
--   FYONET), interest_to_receipts (FYOINT / FYFR), interest_to_gdp (FYOINT / fiscal-year GDP) and
--   nipa_interest_to_gdp (BEA A091RC1Q027SBEA federal interest payments / GDP, both the mean of the fiscal
--   year's four quarterly SAAR values). Fiscal years run Oct-Sep from FY1977 and Jul-Jun before; the 1976
--   transition quarter is left out. Only years where both parts exist appear.
-- @col fiscal_year: Federal fiscal year (FY2025 = Oct 2024 - Sep 2025)
-- @col measure: interest_to_net_outlays | interest_to_receipts | interest_to_gdp | nipa_interest_to_gdp
-- @col interest_usd_bn: Interest in the numerator, $ billions (OMB net interest outlays, or NIPA interest
--   payments for nipa_interest_to_gdp)
-- @col denominator_usd_bn: Net outlays, receipts or GDP of the fiscal year, $ billions
-- @col share: interest_usd_bn / denominator_usd_bn, fraction (0.035 = 3.5%)
-- @col interest_source: Numerator source: FRED series id and the stored format it came from
-- @col denominator_source: Denominator source: FRED series id, how it was made fiscal-year, and format
CREATE OR REPLACE VIEW interest_burden_fy AS
WITH annual AS (
    SELECT series_id, year(date) AS fiscal_year, value / 1000.0 AS usd_bn,
           'FRED ' || series_id || ' (' || source_format || ')' AS source
    FROM fred_observations_current
    WHERE series_id IN ('FYOINT', 'FYONET', 'FYFR') AND value IS NOT NULL
),
quarterly AS (
    SELECT series_id, value, source_format,
           CASE WHEN date >= DATE '1976-10-01' THEN year(date) + CAST(month(date) >= 10 AS INTEGER)
                WHEN date >= DATE '1976-07-01' THEN NULL
                ELSE year(date) + CAST(month(date) >= 7 AS INTEGER) END AS fiscal_year
    FROM fred_observations_current
    WHERE series_id IN ('GDP', 'A091RC1Q027SBEA') AND value IS NOT NULL
),
fiscal_quarters AS (
    SELECT series_id, fiscal_year, avg(value) AS usd_bn,
           'FRED ' || series_id || ', mean of the fiscal year''s 4 quarters, SAAR ('
               || string_agg(DISTINCT source_format, '+' ORDER BY source_format) || ')' AS source
    FROM quarterly
    WHERE fiscal_year IS NOT NULL
    GROUP BY series_id, fiscal_year
    HAVING count(*) = 4
),
parts AS (
    SELECT 'interest_to_net_outlays' AS measure, 'FYOINT' AS num, 'FYONET' AS den
    UNION ALL SELECT 'interest_to_receipts', 'FYOINT', 'FYFR'
    UNION ALL SELECT 'interest_to_gdp', 'FYOINT', 'GDP'
    UNION ALL SELECT 'nipa_interest_to_gdp', 'A091RC1Q027SBEA', 'GDP'
),
amounts AS (
    SELECT series_id, fiscal_year, usd_bn, source FROM annual
    UNION ALL
    SELECT series_id, fiscal_year, usd_bn, source FROM fiscal_quarters
)
SELECT n.fiscal_year, p.measure,
       n.usd_bn AS interest_usd_bn,
       d.usd_bn AS denominator_usd_bn,
       n.usd_bn / NULLIF(d.usd_bn, 0) AS share,
       n.source AS interest_source,
       d.source AS denominator_source
FROM parts p
JOIN amounts n ON n.series_id = p.num
JOIN amounts d ON d.series_id = p.den AND d.fiscal_year = n.fiscal_year;
