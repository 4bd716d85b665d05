-- Debt: daily totals, MSPD by class, and the maturity profile of marketable debt from the CUSIP detail.

-- @view debt_daily: Debt to the Penny, daily, $ billions: held by the public, intragovernmental, total, the
--   public share, and the change since the previous record date.
-- @col record_date: Business day
-- @col debt_held_public_usd_bn: Debt held by the public, $ billions
-- @col intragov_hold_usd_bn: Intragovernmental holdings, $ billions
-- @col total_public_debt_usd_bn: Total public debt outstanding, $ billions
-- @col public_share: Debt held by the public / total public debt, fraction (0.8 = 80%)
-- @col prior_record_date: Previous record date in the warehouse (gaps mean missing days, not zero change)
-- @col change_since_prior_usd_bn: Change in total public debt since prior_record_date, $ billions
CREATE OR REPLACE VIEW debt_daily AS
SELECT record_date, debt_held_public_usd_bn, intragov_hold_usd_bn, total_public_debt_usd_bn,
       debt_held_public_usd_bn / NULLIF(total_public_debt_usd_bn, 0) AS public_share,
       lag(record_date) OVER (ORDER BY record_date) AS prior_record_date,
       total_public_debt_usd_bn - lag(total_public_debt_usd_bn) OVER (ORDER BY record_date) AS change_since_prior_usd_bn
FROM stg_debt_to_penny;

-- @view mspd_totals_by_class: MSPD Table 1, monthly, $ billions: outstanding by security type and class with the
--   public / intragovernmental split and each row's share of total public debt outstanding. Rows with
--   is_total = TRUE are the Total Marketable / Total Nonmarketable / Total Public Debt Outstanding lines: do not
--   add them to the class rows.
-- @col record_date: Month end of the statement
-- @col security_type: Marketable | Nonmarketable | Total Marketable | Total Nonmarketable |
--   Total Public Debt Outstanding
-- @col security_class: Bills, Notes, Bonds, Treasury Inflation-Protected Securities, Floating Rate Notes,
--   Federal Financing Bank, nonmarketable series…; NULL on total rows
-- @col is_total: TRUE on the three total rows (security_class NULL)
-- @col debt_held_public_usd_bn: Held by the public, $ billions
-- @col intragov_hold_usd_bn: Intragovernmental holdings, $ billions
-- @col total_usd_bn: Total outstanding, $ billions (= public + intragovernmental)
-- @col share_of_total_public_debt: total_usd_bn / Total Public Debt Outstanding of the same record date, fraction
CREATE OR REPLACE VIEW mspd_totals_by_class AS
WITH tpdo AS (
    SELECT record_date, total_usd_bn FROM stg_mspd_summary WHERE security_type = 'Total Public Debt Outstanding'
)
SELECT s.record_date, s.security_type, s.security_class, s.security_class IS NULL AS is_total,
       s.debt_held_public_usd_bn, s.intragov_hold_usd_bn, s.total_usd_bn,
       s.total_usd_bn / NULLIF(t.total_usd_bn, 0) AS share_of_total_public_debt
FROM stg_mspd_summary s
LEFT JOIN tpdo t ON t.record_date = s.record_date;

-- @view marketable_by_cusip: Marketable Treasury securities, one row per record date and CUSIP (MSPD Table III
--   tranches summed), $ billions, with years to maturity. Excludes matured-unpaid principal and the Federal
--   Financing Bank, which have no CUSIP rows.
-- @col record_date: Month end of the statement
-- @col cusip: CUSIP (9 characters)
-- @col security_class: Bills | Notes | Bonds | TIPS | FRN
-- @col maturity_date: Maturity date
-- @col first_issue_date: Earliest tranche issue date; NULL when the source lacks issue dates (API field subset)
-- @col coupon_pct: Coupon of the first tranche, percent; NULL for bills, FRNs, and field-subset sources
-- @col tranches: Number of issue/reopening tranches listed
-- @col outstanding_usd_bn: Outstanding amount of the CUSIP, $ billions (TIPS include inflation adjustment)
-- @col years_to_maturity: (maturity_date - record_date) in days / 365.25
CREATE OR REPLACE VIEW marketable_by_cusip AS
SELECT record_date, cusip,
       any_value(security_class) AS security_class,
       min(maturity_date) AS maturity_date,
       min(issue_date) AS first_issue_date,
       arg_min(coupon_pct, tranche_no) AS coupon_pct,
       count(*) AS tranches,
       sum(outstanding_usd_bn) AS outstanding_usd_bn,
       date_diff('day', record_date, min(maturity_date)) / 365.25 AS years_to_maturity
FROM stg_marketable_securities
GROUP BY record_date, cusip;

-- @view maturity_profile_monthly: Maturity profile of marketable debt: principal coming due per maturity month,
--   by record date, $ billions, split by class. Sums over a record date equal the MSPD 'Total Unmatured'
--   bills, notes and bonds plus total TIPS and FRN (the CUSIP rows); Total Marketable also holds matured-unpaid
--   principal and the Federal Financing Bank.
-- @col record_date: Month end of the MSPD statement the profile is taken from
-- @col maturity_month: Month end of the month the principal comes due
-- @col maturity_year: Calendar year the principal comes due
-- @col months_ahead: Calendar months from the record month to the maturity month (0 = due in the record month)
-- @col cusips: CUSIPs maturing in the month
-- @col bills_usd_bn: Bills maturing, $ billions
-- @col notes_usd_bn: Fixed-rate notes maturing, $ billions
-- @col bonds_usd_bn: Fixed-rate bonds maturing, $ billions
-- @col tips_usd_bn: TIPS maturing (incl. inflation adjustment to the record date), $ billions
-- @col frn_usd_bn: Floating rate notes maturing, $ billions
-- @col total_usd_bn: All marketable principal maturing in the month, $ billions
-- @col share_of_outstanding: total_usd_bn / all CUSIP outstanding on the record date, fraction
-- @col cumulative_share: Share of outstanding maturing by the end of this month, fraction
CREATE OR REPLACE VIEW maturity_profile_monthly AS
SELECT record_date,
       CAST(last_day(maturity_date) AS DATE) AS maturity_month,
       year(maturity_date) AS maturity_year,
       date_diff('month', date_trunc('month', record_date), date_trunc('month', maturity_date)) AS months_ahead,
       count(*) AS cusips,
       coalesce(sum(outstanding_usd_bn) FILTER (WHERE security_class = 'Bills'), 0) AS bills_usd_bn,
       coalesce(sum(outstanding_usd_bn) FILTER (WHERE security_class = 'Notes'), 0) AS notes_usd_bn,
       coalesce(sum(outstanding_usd_bn) FILTER (WHERE security_class = 'Bonds'), 0) AS bonds_usd_bn,
       coalesce(sum(outstanding_usd_bn) FILTER (WHERE security_class = 'TIPS'), 0) AS tips_usd_bn,
       coalesce(sum(outstanding_usd_bn) FILTER (WHERE security_class = 'FRN'), 0) AS frn_usd_bn,
       coalesce(sum(outstanding_usd_bn), 0) AS total_usd_bn,
       sum(outstanding_usd_bn) / sum(sum(outstanding_usd_bn)) OVER (PARTITION BY record_date) AS share_of_outstanding,
       sum(sum(outstanding_usd_bn)) OVER (PARTITION BY record_date ORDER BY CAST(last_day(maturity_date) AS DATE))
           / sum(sum(outstanding_usd_bn)) OVER (PARTITION BY record_date) AS cumulative_share
FROM marketable_by_cusip
GROUP BY record_date, CAST(last_day(maturity_date) AS DATE), year(maturity_date),
         date_diff('month', date_trunc('month', record_date), date_trunc('month', maturity_date));

-- @view maturity_profile_yearly: Maturity profile of marketable debt per calendar year of maturity, by record
--   date, $ billions, split by class (maturity_profile_monthly summed by year).
-- @col record_date: Month end of the MSPD statement
-- @col maturity_year: Calendar year the principal comes due
-- @col years_ahead: maturity_year minus the record date's year
-- @col cusips: CUSIPs maturing in the year
-- @col bills_usd_bn: Bills maturing, $ billions
-- @col notes_usd_bn: Fixed-rate notes maturing, $ billions
-- @col bonds_usd_bn: Fixed-rate bonds maturing, $ billions
-- @col tips_usd_bn: TIPS maturing, $ billions
-- @col frn_usd_bn: Floating rate notes maturing, $ billions
-- @col total_usd_bn: All marketable principal maturing in the year, $ billions
-- @col share_of_outstanding: total_usd_bn / all CUSIP outstanding on the record date, fraction
CREATE OR REPLACE VIEW maturity_profile_yearly AS
SELECT record_date, maturity_year,
       maturity_year - year(record_date) AS years_ahead,
       CAST(sum(cusips) AS BIGINT) AS cusips,
       sum(bills_usd_bn) AS bills_usd_bn,
       sum(notes_usd_bn) AS notes_usd_bn,
       sum(bonds_usd_bn) AS bonds_usd_bn,
       sum(tips_usd_bn) AS tips_usd_bn,
       sum(frn_usd_bn) AS frn_usd_bn,
       sum(total_usd_bn) AS total_usd_bn,
       sum(share_of_outstanding) AS share_of_outstanding
FROM maturity_profile_monthly
GROUP BY record_date, maturity_year;

-- @view marketable_wam: Weighted average maturity of marketable debt per record date, overall (security_class
--   'All') and per class, with the amount due within 12 months. Weights are CUSIP outstanding amounts. The
--   'All' row is the total: do not add it to the class rows.
-- @col record_date: Month end of the MSPD statement
-- @col security_class: Bills | Notes | Bonds | TIPS | FRN | All (every class together)
-- @col cusips: CUSIPs outstanding
-- @col outstanding_usd_bn: Outstanding, $ billions
-- @col wam_years: Outstanding-weighted average years to maturity
-- @col due_within_12m_usd_bn: Principal maturing within 12 months of the record date (inclusive), $ billions
-- @col share_due_within_12m: due_within_12m_usd_bn / outstanding_usd_bn, fraction
CREATE OR REPLACE VIEW marketable_wam AS
SELECT record_date,
       coalesce(security_class, 'All') AS security_class,
       count(*) AS cusips,
       sum(outstanding_usd_bn) AS outstanding_usd_bn,
       sum(outstanding_usd_bn * years_to_maturity) / sum(outstanding_usd_bn) AS wam_years,
       coalesce(sum(outstanding_usd_bn) FILTER (
           WHERE maturity_date <= CAST(record_date + INTERVAL 12 MONTH AS DATE)), 0) AS due_within_12m_usd_bn,
       coalesce(sum(outstanding_usd_bn) FILTER (
           WHERE maturity_date <= CAST(record_date + INTERVAL 12 MONTH AS DATE)), 0)
           / sum(outstanding_usd_bn) AS share_due_within_12m
FROM marketable_by_cusip
GROUP BY GROUPING SETS ((record_date, security_class), (record_date));
