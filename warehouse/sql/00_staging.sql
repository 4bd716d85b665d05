-- Staging: one view per base table. Only renames, casts and unit changes ($ millions or dollars to
-- $ billions); no joins, no filters, no business rules. Analysis views read these, never the base tables.

-- @view stg_foreign_holdings: Staging of foreign_holdings: TIC Major Foreign Holders of Treasury securities,
--   $ billions, monthly, every publication vintage (mfhhis01.txt history, slt_table5.txt newest months).
--   Use foreign_holdings_current or foreign_holdings_as_of(d) to pick one vintage.
-- @from foreign_holdings
CREATE OR REPLACE VIEW stg_foreign_holdings AS
SELECT month, country, row_kind, holdings_usd_bn, source_file, vintage, vintage_basis, series_note
FROM foreign_holdings;

-- @view stg_foreign_flows: Staging of foreign_flows (TIC SLT Table 3) converted from $ millions to
--   $ billions: holdings, net purchases and long-term valuation change by country and month since 2020-01.
-- @from foreign_flows
-- @col holdings_usd_bn: Total Treasury holdings at month end, $ billions (slt_table3 for_treas_pos / 1000)
-- @col net_purchases_usd_bn: Net foreign purchases of Treasuries in the month (net U.S. sales, for_treas_net),
--   $ billions; > 0 = foreigners bought; NULL before 2023-02 (not published)
-- @col lt_holdings_usd_bn: Long-term Treasury holdings (notes and bonds), $ billions
-- @col lt_net_purchases_usd_bn: Long-term net purchases, $ billions; NULL before 2023-02
-- @col lt_valuation_change_usd_bn: Valuation (price) change on long-term holdings in the month, $ billions;
--   NULL before 2023-02
-- @col st_holdings_usd_bn: Short-term (bill) holdings, $ billions; NULL where TIC suppresses the cell
-- @col st_net_purchases_usd_bn: Short-term net purchases, $ billions
CREATE OR REPLACE VIEW stg_foreign_flows AS
SELECT month, country, country_code, row_kind,
       holdings_usd_mn / 1000.0 AS holdings_usd_bn,
       net_purchases_usd_mn / 1000.0 AS net_purchases_usd_bn,
       lt_holdings_usd_mn / 1000.0 AS lt_holdings_usd_bn,
       lt_net_purchases_usd_mn / 1000.0 AS lt_net_purchases_usd_bn,
       lt_valuation_change_usd_mn / 1000.0 AS lt_valuation_change_usd_bn,
       st_holdings_usd_mn / 1000.0 AS st_holdings_usd_bn,
       st_net_purchases_usd_mn / 1000.0 AS st_net_purchases_usd_bn,
       vintage, vintage_basis
FROM foreign_flows;

-- @view stg_fred_series: Staging of fred_series: the tracked FRED series with title, units, frequency, role.
-- @from fred_series
CREATE OR REPLACE VIEW stg_fred_series AS
SELECT series_id, title, units, frequency, role
FROM fred_series;

-- @view stg_fred_observations: Staging of fred_observations: every FRED observation in every stored vintage.
--   Use fred_observations_current, fred_observations_as_of(d) or fred_as_of(sid, d) to pick one vintage.
-- @from fred_observations
CREATE OR REPLACE VIEW stg_fred_observations AS
SELECT series_id, date, value, realtime_start, realtime_end, source_format, resaved
FROM fred_observations;

-- @view stg_yield_curve_par: Staging of yield_curve: Treasury daily par yield curve, percent, one row per
--   business day and tenor.
-- @from yield_curve
CREATE OR REPLACE VIEW stg_yield_curve_par AS
SELECT date, tenor_months, yield_pct, source_file
FROM yield_curve;

-- @view stg_debt_to_penny: Staging of debt_to_penny converted from dollars to $ billions, daily.
-- @col record_date: Business day of the Debt to the Penny record
-- @col debt_held_public_usd_bn: Debt held by the public, $ billions
-- @col intragov_hold_usd_bn: Intragovernmental holdings (trust funds etc.), $ billions
-- @col total_public_debt_usd_bn: Total public debt outstanding, $ billions (= public + intragovernmental)
CREATE OR REPLACE VIEW stg_debt_to_penny AS
SELECT record_date,
       debt_held_public_usd / 1e9 AS debt_held_public_usd_bn,
       intragov_hold_usd / 1e9 AS intragov_hold_usd_bn,
       total_public_debt_usd / 1e9 AS total_public_debt_usd_bn
FROM debt_to_penny;

-- @view stg_avg_interest_rates: Staging of avg_interest_rates: average interest rate by security class,
--   monthly, percent.
-- @from avg_interest_rates
-- @col security_type: Marketable | Non-marketable | Interest-bearing Debt (source security_type_desc)
-- @col security_class: Security class as published, e.g. Treasury Bills, Total Marketable (source security_desc)
CREATE OR REPLACE VIEW stg_avg_interest_rates AS
SELECT record_date,
       security_type_desc AS security_type,
       security_desc AS security_class,
       avg_interest_rate_pct
FROM avg_interest_rates;

-- @view stg_mspd_summary: Staging of mspd_summary (MSPD Table 1) converted from $ millions to $ billions;
--   the source's '_' class on total rows becomes NULL.
-- @from mspd_summary
-- @col security_type: Marketable | Nonmarketable | Total Marketable | Total Nonmarketable |
--   Total Public Debt Outstanding (source security_type_desc)
-- @col security_class: Bills, Notes, Bonds, TIPS, FRN, Federal Financing Bank, nonmarketable series…;
--   NULL on the Total rows (source '_')
-- @col debt_held_public_usd_bn: Held by the public, $ billions
-- @col intragov_hold_usd_bn: Intragovernmental holdings, $ billions
-- @col total_usd_bn: Total outstanding, $ billions (= public + intragovernmental)
CREATE OR REPLACE VIEW stg_mspd_summary AS
SELECT record_date,
       security_type_desc AS security_type,
       NULLIF(security_class_desc, '_') AS security_class,
       debt_held_public_usd_mn / 1000.0 AS debt_held_public_usd_bn,
       intragov_hold_usd_mn / 1000.0 AS intragov_hold_usd_bn,
       total_usd_mn / 1000.0 AS total_usd_bn
FROM mspd_summary;

-- @view stg_marketable_securities: Staging of marketable_securities (MSPD Table III, one row per tranche)
--   converted from $ millions to $ billions. The CUSIP's outstanding amount is on tranche 1 only.
-- @from marketable_securities
-- @col source_class: Class as the source names it (e.g. 'Bills Maturity Value'; source security_class1_desc)
-- @col coupon_pct: Coupon, percent; NULL for bills and FRNs and when the source lacks it (source interest_rate_pct)
-- @col issued_usd_bn: Issued amount of the tranche, $ billions; NULL when the source lacks it
-- @col inflation_adj_usd_bn: TIPS inflation adjustment, $ billions; NULL when absent
-- @col redeemed_usd_bn: Redeemed (bought back/exchanged) amount, $ billions; NULL when absent
-- @col outstanding_usd_bn: Outstanding amount of the whole CUSIP on its first tranche row, $ billions
--   (TIPS include the inflation adjustment); NULL on later tranche rows, so sum per CUSIP
CREATE OR REPLACE VIEW stg_marketable_securities AS
SELECT record_date, cusip, tranche_no, security_class,
       security_class1_desc AS source_class,
       issue_date, maturity_date,
       interest_rate_pct AS coupon_pct,
       yield_pct,
       issued_usd_mn / 1000.0 AS issued_usd_bn,
       inflation_adj_usd_mn / 1000.0 AS inflation_adj_usd_bn,
       redeemed_usd_mn / 1000.0 AS redeemed_usd_bn,
       outstanding_usd_mn / 1000.0 AS outstanding_usd_bn,
       source_format
FROM marketable_securities;

-- @view stg_marketable_totals: Staging of marketable_totals (MSPD Table III subtotal rows), $ billions.
-- @from marketable_totals
-- @col outstanding_usd_bn: Outstanding amount of the subtotal, $ billions ('*' in the source = 0)
CREATE OR REPLACE VIEW stg_marketable_totals AS
SELECT record_date, label, security_class,
       outstanding_usd_mn / 1000.0 AS outstanding_usd_bn
FROM marketable_totals;

-- @view stg_soma_holdings: Staging of soma_holdings (NY Fed SOMA by CUSIP), par in $ billions.
-- @from soma_holdings
-- @col par_value_usd_bn: Par value held by the Fed, $ billions (excludes TIPS inflation compensation)
-- @col inflation_compensation_usd_bn: TIPS inflation compensation held, $ billions
-- @col share_of_cusip_outstanding: Fed's share of the CUSIP's outstanding amount, fraction (0.25 = 25%)
--   (source percent_outstanding)
CREATE OR REPLACE VIEW stg_soma_holdings AS
SELECT as_of_date, cusip, security_type, maturity_date, coupon_pct, spread_pct,
       par_value_usd / 1e9 AS par_value_usd_bn,
       inflation_compensation_usd / 1e9 AS inflation_compensation_usd_bn,
       percent_outstanding AS share_of_cusip_outstanding
FROM soma_holdings;

-- @view stg_auctions: Staging of auctions (Fiscal Data Auctions Query): CUSIP, type, term and dates.
-- @from auctions
CREATE OR REPLACE VIEW stg_auctions AS
SELECT cusip, security_type, security_term, auction_date, issue_date, maturity_date, price_per_100
FROM auctions;

-- @view stg_ingest_log: Staging of ingest_log: one row per fetched payload and load attempt.
-- @from ingest_log
CREATE OR REPLACE VIEW stg_ingest_log AS
SELECT payload_id, source, relpath, url, fetched_at, sha256, bytes, rows_loaded, newest_date, status, error, offline
FROM ingest_log;
