-- Foreign holdings: shares, the official/private split, and valuation-adjusted flows.

-- @view marketable_debt_monthly: Marketable Treasury debt outstanding at month end, $ billions, the denominator
--   of foreign holdings shares. Precedence: MSPD Table 1 'Total Marketable', then MSPD Table III 'Total
--   Marketable', then a labelled PROXY: FRED GFDEBTN total public debt (quarterly, includes ~$7T of
--   intragovernmental holdings, so shares of it understate shares of marketable debt), the quarter's value
--   repeated for each of its three months.
-- @col month: Month end
-- @col marketable_debt_usd_bn: Marketable debt outstanding (or the proxy), $ billions
-- @col basis: mspd (true marketable total) | proxy_total_public_debt (FRED GFDEBTN stand-in)
-- @col source: Where the value came from, in words
CREATE OR REPLACE VIEW marketable_debt_monthly AS
WITH candidates AS (
    SELECT record_date AS month, total_usd_bn AS marketable_debt_usd_bn, 'mspd' AS basis,
           'MSPD Table 1 (mspd_summary) Total Marketable' AS source, 1 AS precedence
    FROM stg_mspd_summary
    WHERE security_type = 'Total Marketable'
    UNION ALL
    SELECT record_date, outstanding_usd_bn, 'mspd', 'MSPD Table III (marketable_totals) Total Marketable', 2
    FROM stg_marketable_totals
    WHERE label = 'Total Marketable'
    UNION ALL
    SELECT CAST(last_day(o.date + to_months(k.k)) AS DATE), o.value / 1000.0, 'proxy_total_public_debt',
           'FRED GFDEBTN total public debt, quarterly (' || o.source_format || '), proxy for marketable debt', 3
    FROM fred_observations_current o
    CROSS JOIN (VALUES (0), (1), (2)) k(k)
    WHERE o.series_id = 'GFDEBTN' AND o.value IS NOT NULL
)
SELECT month, marketable_debt_usd_bn, basis, source
FROM candidates
QUALIFY row_number() OVER (PARTITION BY month ORDER BY precedence) = 1;

-- @view foreign_holdings_monthly: Foreign holdings of Treasuries by country and month (foreign_holdings_current),
--   $ billions, with the share of all foreign holdings (TIC Grand Total) and of marketable debt. Additive rows
--   (is_additive: countries, groups, All Other) sum to the Grand Total within TIC rounding (±0.3bn), so their
--   shares sum to 1 per month. Memo rows (Foreign Official…) are subsets, not additive.
-- @from foreign_holdings_current
-- @col is_additive: TRUE for rows that add up to the Grand Total (country, group, residual)
-- @col holder_rank: Rank of a country row by holdings within the month (1 = largest); NULL for other rows
-- @col foreign_total_usd_bn: TIC Grand Total of the same month and publication, $ billions
-- @col share_of_foreign_total: holdings_usd_bn / foreign_total_usd_bn, fraction (0.13 = 13%)
-- @col marketable_debt_usd_bn: Marketable debt outstanding that month, $ billions (see marketable_debt_monthly)
-- @col share_of_marketable_debt: holdings_usd_bn / marketable_debt_usd_bn, fraction; understated when
--   marketable_debt_basis is the total-public-debt proxy; NULL when no denominator exists for the month
-- @col marketable_debt_basis: mspd | proxy_total_public_debt | NULL (no denominator for the month)
CREATE OR REPLACE VIEW foreign_holdings_monthly AS
WITH h AS (
    SELECT * FROM foreign_holdings_current
),
totals AS (
    SELECT month, holdings_usd_bn AS foreign_total_usd_bn FROM h WHERE row_kind = 'total'
)
SELECT h.month, h.country, h.row_kind,
       h.row_kind IN ('country', 'group', 'residual') AS is_additive,
       CASE WHEN h.row_kind = 'country'
            THEN rank() OVER (PARTITION BY h.month, h.row_kind = 'country' ORDER BY h.holdings_usd_bn DESC) END
           AS holder_rank,
       h.holdings_usd_bn,
       t.foreign_total_usd_bn,
       h.holdings_usd_bn / NULLIF(t.foreign_total_usd_bn, 0) AS share_of_foreign_total,
       d.marketable_debt_usd_bn,
       h.holdings_usd_bn / NULLIF(d.marketable_debt_usd_bn, 0) AS share_of_marketable_debt,
       d.basis AS marketable_debt_basis,
       h.source_file, h.vintage, h.series_note
FROM h
LEFT JOIN totals t ON t.month = h.month
LEFT JOIN marketable_debt_monthly d ON d.month = h.month;

-- @view foreign_official_private: Foreign official (central banks, governments) versus private holdings of
--   Treasuries by month, $ billions. From 2020-01 TIC SLT Table 3 (codes 99990 official, 99991 non-official,
--   99996 Grand Total); before that mfhhis01/slt_table5 'Foreign Official' memo rows, with private = Grand
--   Total - Foreign Official.
-- @col month: Month end
-- @col official_usd_bn: Foreign official holdings, $ billions
-- @col private_usd_bn: Foreign private (non-official) holdings, $ billions
-- @col total_usd_bn: All foreign holdings (Grand Total), $ billions
-- @col official_share: official_usd_bn / total_usd_bn, fraction
-- @col official_bills_usd_bn: Official holdings of bills (short-term), $ billions
-- @col official_net_purchases_usd_bn: Official net purchases in the month, $ billions (SLT, from 2023-02)
-- @col private_net_purchases_usd_bn: Private net purchases in the month, $ billions (SLT, from 2023-02)
-- @col private_basis: reported (SLT non-official row) | total_minus_official (derived)
-- @col source_file: slt_table3.txt | mfhhis01.txt | slt_table5.txt
CREATE OR REPLACE VIEW foreign_official_private AS
WITH slt AS (
    SELECT month,
           max(holdings_usd_bn) FILTER (WHERE country_code = 99990) AS official_usd_bn,
           max(holdings_usd_bn) FILTER (WHERE country_code = 99991) AS private_usd_bn,
           max(holdings_usd_bn) FILTER (WHERE country_code = 99996) AS total_usd_bn,
           max(st_holdings_usd_bn) FILTER (WHERE country_code = 99990) AS official_bills_usd_bn,
           max(net_purchases_usd_bn) FILTER (WHERE country_code = 99990) AS official_net_purchases_usd_bn,
           max(net_purchases_usd_bn) FILTER (WHERE country_code = 99991) AS private_net_purchases_usd_bn,
           'reported' AS private_basis,
           'slt_table3.txt' AS source_file
    FROM foreign_flows_current
    GROUP BY month
    HAVING official_usd_bn IS NOT NULL AND total_usd_bn IS NOT NULL
),
mfh AS (
    SELECT month,
           max(holdings_usd_bn) FILTER (WHERE country = 'Foreign Official') AS official_usd_bn,
           max(holdings_usd_bn) FILTER (WHERE row_kind = 'total')
               - max(holdings_usd_bn) FILTER (WHERE country = 'Foreign Official') AS private_usd_bn,
           max(holdings_usd_bn) FILTER (WHERE row_kind = 'total') AS total_usd_bn,
           max(holdings_usd_bn) FILTER (WHERE country = 'Foreign Official: Treasury Bills') AS official_bills_usd_bn,
           CAST(NULL AS DOUBLE) AS official_net_purchases_usd_bn,
           CAST(NULL AS DOUBLE) AS private_net_purchases_usd_bn,
           'total_minus_official' AS private_basis,
           any_value(source_file) AS source_file
    FROM foreign_holdings_current
    WHERE month NOT IN (SELECT month FROM slt)
    GROUP BY month
    HAVING official_usd_bn IS NOT NULL AND total_usd_bn IS NOT NULL
),
both_sources AS (
    SELECT * FROM slt
    UNION ALL
    SELECT * FROM mfh
)
SELECT month, official_usd_bn, private_usd_bn, total_usd_bn,
       official_usd_bn / NULLIF(total_usd_bn, 0) AS official_share,
       official_bills_usd_bn, official_net_purchases_usd_bn, private_net_purchases_usd_bn,
       private_basis, source_file
FROM both_sources;

-- @view foreign_flows_valuation_adjusted: Monthly foreign flows into Treasuries by country, $ billions: the naive
--   change in holdings next to the valuation-adjusted flow (change in holdings minus valuation change) and TIC's
--   reported net purchases. flow_basis says how the valuation change was obtained: 'reported' = SLT Table 3
--   long-term valuation change (2023-02 on); 'estimated' = prior holdings x assumed duration (3.5 years) x
--   -(month-end change in the 10-year yield)/100, used before 2023-02 (all mfhhis01 history before 2020 and
--   SLT months whose valuation change is n.a.). 3.5 is the through-origin fit of reported Grand Total valuation
--   changes 2023-02..2025-12 on that term (R2 0.96); it ignores each country's bill/bond mix, so country
--   estimates are rough. Holdings come from slt_table3 from 2020-01 and from foreign_holdings_current before.
-- @col month: Month end
-- @col country: Country or aggregate label (names as in foreign_holdings; SLT regions and memo rows included)
-- @col row_kind: Row kind as in the holdings source (country, group, residual, total, memo, region, io)
-- @col holdings_usd_bn: Holdings at month end, $ billions
-- @col prior_holdings_usd_bn: Holdings at the previous month end, $ billions; NULL when the previous month is
--   missing for this label
-- @col naive_change_usd_bn: holdings_usd_bn - prior_holdings_usd_bn, $ billions (includes price effects)
-- @col reported_net_purchases_usd_bn: TIC reported net purchases (net U.S. sales to foreigners), $ billions;
--   NULL before 2023-02
-- @col valuation_change_usd_bn: Price-driven change in holdings, $ billions, reported or estimated (flow_basis)
-- @col valuation_adjusted_flow_usd_bn: naive_change_usd_bn - valuation_change_usd_bn, $ billions
--   (< 0 = net foreign selling)
-- @col flow_basis: reported | estimated (see the view comment); NULL when no change can be computed
-- @col change_10y_pp: Month-end change of the 10-year yield used by the estimate, percentage points
-- @col assumed_duration_years: Duration assumed by the estimate (3.5); NULL on reported rows
-- @col holdings_source: slt_table3.txt | mfhhis01.txt | slt_table5.txt
-- @col series_note: TIC benchmark series break in this month (mfhhis01, mostly June 2002-2011): the month's
--   holdings are on the new benchmark and the previous month's on the old, so the change includes the
--   revision, not only flows. NULL otherwise
CREATE OR REPLACE VIEW foreign_flows_valuation_adjusted AS
WITH params AS (
    SELECT CAST(3.5 AS DOUBLE) AS assumed_duration_years
),
slt AS (
    SELECT month, country, row_kind, holdings_usd_bn, net_purchases_usd_bn, lt_valuation_change_usd_bn,
           'slt_table3.txt' AS holdings_source, CAST(NULL AS VARCHAR) AS series_note
    FROM foreign_flows_current
),
hist AS (
    SELECT month, country, row_kind, holdings_usd_bn, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), source_file,
           series_note
    FROM foreign_holdings_current
    WHERE month < (SELECT min(month) FROM slt)
       OR NOT EXISTS (SELECT 1 FROM slt)
),
series AS (
    SELECT * FROM slt
    UNION ALL
    SELECT * FROM hist
),
lagged AS (
    SELECT *,
           CASE WHEN lag(month) OVER w = CAST(last_day(month - INTERVAL 1 MONTH) AS DATE)
                THEN lag(holdings_usd_bn) OVER w END AS prior_holdings_usd_bn
    FROM series
    WINDOW w AS (PARTITION BY country ORDER BY month)
),
y10 AS (
    SELECT month,
           month_end_yield_pct - lag(month_end_yield_pct) OVER (ORDER BY month) AS change_10y_pp
    FROM yield_curve_monthly
    WHERE tenor_months = 120
),
valued AS (
    SELECT l.*, y.change_10y_pp, p.assumed_duration_years AS duration,
           CASE WHEN l.lt_valuation_change_usd_bn IS NOT NULL THEN l.lt_valuation_change_usd_bn
                ELSE l.prior_holdings_usd_bn * p.assumed_duration_years * -y.change_10y_pp / 100 END
               AS valuation_change_usd_bn,
           CASE WHEN l.prior_holdings_usd_bn IS NULL THEN NULL
                WHEN l.lt_valuation_change_usd_bn IS NOT NULL THEN 'reported'
                WHEN y.change_10y_pp IS NOT NULL THEN 'estimated' END AS flow_basis
    FROM lagged l
    CROSS JOIN params p
    LEFT JOIN y10 y ON y.month = l.month
)
SELECT month, country, row_kind, holdings_usd_bn, prior_holdings_usd_bn,
       holdings_usd_bn - prior_holdings_usd_bn AS naive_change_usd_bn,
       net_purchases_usd_bn AS reported_net_purchases_usd_bn,
       CASE WHEN flow_basis IS NOT NULL THEN valuation_change_usd_bn END AS valuation_change_usd_bn,
       CASE WHEN flow_basis IS NOT NULL THEN holdings_usd_bn - prior_holdings_usd_bn - valuation_change_usd_bn END
           AS valuation_adjusted_flow_usd_bn,
       flow_basis,
       change_10y_pp,
       CASE WHEN flow_basis = 'estimated' THEN duration END AS assumed_duration_years,
       holdings_source,
       series_note
FROM valued;
