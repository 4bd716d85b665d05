-- Freshness: newest observation per dataset and source, last fetch, and whether it is stale for its rhythm.
-- Allowances come from warehouse/freshness.py STALE_AFTER_DAYS (per source) and warehouse/views.py
-- FRED_STALE_AFTER_DAYS (per FRED frequency); they are baked in when the views are created.

-- @view freshness_by_dataset: Freshness per dataset: each base table, and each tracked FRED series separately
--   (FRED mixes daily to annual series, so each is judged against its own frequency). days_old and is_stale
--   are computed against today's date when queried.
-- @col source: Source name as in ingest_log (tic, fred, fiscaldata, yield_curve, soma, auctions)
-- @col dataset: Base table name, or 'fred:<series_id>' for a FRED series
-- @col frequency: Publication rhythm of the data (daily, weekly, monthly, quarterly, annual)
-- @col newest_observation: Newest observation date stored (non-missing values only for FRED); NULL = never loaded
-- @col last_fetch_at: Last time any payload of the source was fetched or read (UTC), whatever the outcome
-- @col last_loaded_at: Last time a payload of the source loaded successfully (UTC)
-- @col stale_after_days: Allowed age of newest_observation in days before the dataset counts as stale
-- @col days_old: Days from newest_observation to today
-- @col is_stale: TRUE when days_old > stale_after_days, or when nothing was ever loaded
CREATE OR REPLACE VIEW freshness_by_dataset AS
WITH newest AS (
    SELECT 'tic' AS source, 'foreign_holdings' AS dataset, 'monthly' AS frequency, max(month) AS newest_observation
    FROM stg_foreign_holdings
    UNION ALL SELECT 'tic', 'foreign_flows', 'monthly', max(month) FROM stg_foreign_flows
    UNION ALL
    SELECT 'fred', 'fred:' || s.series_id, coalesce(s.frequency, 'unknown'), max(o.date)
    FROM stg_fred_series s
    LEFT JOIN stg_fred_observations o ON o.series_id = s.series_id AND o.value IS NOT NULL
    GROUP BY s.series_id, s.frequency
    UNION ALL SELECT 'fiscaldata', 'debt_to_penny', 'daily', max(record_date) FROM stg_debt_to_penny
    UNION ALL SELECT 'fiscaldata', 'avg_interest_rates', 'monthly', max(record_date) FROM stg_avg_interest_rates
    UNION ALL SELECT 'fiscaldata', 'mspd_summary', 'monthly', max(record_date) FROM stg_mspd_summary
    UNION ALL SELECT 'fiscaldata', 'marketable_securities', 'monthly', max(record_date) FROM stg_marketable_securities
    UNION ALL SELECT 'yield_curve', 'yield_curve', 'daily', max(date) FROM stg_yield_curve_par
    UNION ALL SELECT 'soma', 'soma_holdings', 'weekly', max(as_of_date) FROM stg_soma_holdings
    UNION ALL SELECT 'auctions', 'auctions', 'daily', max(auction_date) FROM stg_auctions
),
source_allowance(source, stale_after_days) AS (
    VALUES {{source_stale_after}}
),
fred_allowance(frequency, stale_after_days) AS (
    VALUES {{fred_stale_after}}
),
fetches AS (
    SELECT source, max(fetched_at) AS last_fetch_at,
           max(fetched_at) FILTER (WHERE status = 'loaded') AS last_loaded_at
    FROM stg_ingest_log
    GROUP BY source
),
judged AS (
    SELECT n.source, n.dataset, n.frequency, n.newest_observation, f.last_fetch_at, f.last_loaded_at,
           coalesce(CASE WHEN n.source = 'fred' THEN fa.stale_after_days END, sa.stale_after_days, 30)
               AS stale_after_days,
           date_diff('day', n.newest_observation, current_date) AS days_old
    FROM newest n
    LEFT JOIN source_allowance sa ON sa.source = n.source
    LEFT JOIN fred_allowance fa ON fa.frequency = n.frequency
    LEFT JOIN fetches f ON f.source = n.source
)
SELECT source, dataset, frequency, newest_observation, last_fetch_at, last_loaded_at, stale_after_days, days_old,
       coalesce(days_old > stale_after_days, TRUE) AS is_stale
FROM judged;

-- @view freshness: Freshness per source: newest observation over all its datasets, last fetch, and whether the
--   source is stale for its publication rhythm (warehouse/freshness.py STALE_AFTER_DAYS, the same rule the
--   refresh summary uses). stale_datasets counts datasets stale on their own rhythm (see freshness_by_dataset).
-- @col source: Source name (tic, fred, fiscaldata, yield_curve, soma, auctions)
-- @col newest_observation: Newest observation date over the source's datasets; NULL = never loaded
-- @col last_fetch_at: Last time any payload of the source was fetched or read (UTC)
-- @col last_loaded_at: Last time a payload of the source loaded successfully (UTC)
-- @col stale_after_days: Allowed age in days (STALE_AFTER_DAYS)
-- @col days_old: Days from newest_observation to today
-- @col is_stale: TRUE when days_old > stale_after_days, or when nothing was ever loaded
-- @col datasets: Datasets (tables, FRED series) of the source
-- @col stale_datasets: How many of them are stale on their own rhythm
CREATE OR REPLACE VIEW freshness AS
WITH source_allowance(source, stale_after_days) AS (
    VALUES {{source_stale_after}}
),
per_source AS (
    SELECT a.source, a.stale_after_days,
           max(d.newest_observation) AS newest_observation,
           max(d.last_fetch_at) AS last_fetch_at,
           max(d.last_loaded_at) AS last_loaded_at,
           count(d.dataset) AS datasets,
           count(*) FILTER (WHERE d.is_stale) AS stale_datasets
    FROM source_allowance a
    LEFT JOIN freshness_by_dataset d ON d.source = a.source
    GROUP BY a.source, a.stale_after_days
)
SELECT source, newest_observation, last_fetch_at, last_loaded_at, stale_after_days,
       date_diff('day', newest_observation, current_date) AS days_old,
       coalesce(date_diff('day', newest_observation, current_date) > stale_after_days, TRUE) AS is_stale,
       datasets, stale_datasets
FROM per_source;
