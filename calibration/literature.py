"""Published estimates of how yields respond to Treasury demand, in this project's unit, with the conversion shown.

Unit: bp of the yield per 1 % of marketable Treasury debt sold (or not bought). A study's "bp per $100bn" becomes

    bp per 1 % of debt = bp per $100bn × M / 10,000        (M = marketable debt in the study's sample, $bn)

because $100bn is 10,000 / M percent of a market of M. The samples' markets differ a lot (about $3tn in 1994,
$5.5tn in early 2009, $9tn in 2011, $31.8tn in 2026), so the same "bp per $100bn" means 2–10× different things;
M is therefore a RANGE per study (market sizes from MSPD Table I: $3.1tn Dec 1994, $4.3tn Dec 2006, $5.2tn Sep 2008,
$5.7tn Jan 2009, $9.0tn Jan 2011; later years interpolated, approximate) and the priors draw it.

`measure`: "level" = a persistent (stock) effect, the surface's long-run level; "peak" = the short-run effect of a
month's flow, the surface's level + transitory part at h = 0. Values are (low, central, high) in the study's own
unit; `approx` says where we have not checked a number against the paper's tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Study:
    key: str
    citation: str
    finding: str
    measure: str  # "level" | "peak" | "none"
    tenor: str
    native: tuple[float, float, float]  # (low, central, high) in native_unit
    native_unit: str  # "bp_per_100bn" | "bp_per_1pct_debt"
    market_bn: tuple[float, float]  # marketable debt range in the sample, $bn (ignored for bp_per_1pct_debt)
    sample: str
    approx: str = ""
    in_prior: bool = True

    def per_1pct(self, value: float | np.ndarray, market_bn: float | np.ndarray) -> float | np.ndarray:
        return value if self.native_unit == "bp_per_1pct_debt" else value * market_bn / 1e4

    def converted(self) -> tuple[float, float, float]:
        """(low, central, high) bp per 1 % of debt: low at the smallest market, high at the largest."""
        lo, mid, hi = self.native
        m_lo, m_hi = self.market_bn
        return (
            float(self.per_1pct(lo, m_lo)),
            float(self.per_1pct(mid, (m_lo + m_hi) / 2)),
            float(self.per_1pct(hi, m_hi)),
        )


STUDIES: tuple[Study, ...] = (
    Study(
        "grrs2011",
        "Gagnon, J., Raskin, M., Remache, J. and Sack, B. (2011), 'The Financial Market Effects of the "
        "Federal Reserve's Large-Scale Asset Purchases', International Journal of Central Banking 7(1) (FRBNY "
        "Economic Policy Review, May 2011).",
        "10y Treasury yield fell 91 bp summed over eight QE1 announcement days (one-day windows) for $1,725bn of "
        "purchases (Treasuries, agency debt, MBS); 10y term-premium effects between 50 and 100 bp across event "
        "sets and windows.",
        "level",
        "10y",
        (50 / 17.25, 91 / 17.25, 100 / 17.25),
        "bp_per_100bn",
        (5200.0, 6300.0),
        "QE1 announcements Nov 2008 - Nov 2009",
        "MBS and agency debt are counted at par with Treasuries (no duration weighting).",
    ),
    Study(
        "kvj2011",
        "Krishnamurthy, A. and Vissing-Jorgensen, A. (2011), 'The Effects of Quantitative Easing on "
        "Interest Rates: Channels and Implications for Policy', Brookings Papers on Economic Activity (Fall).",
        "10y Treasury yield fell about 107 bp over the QE1 announcement days (two-day windows).",
        "level",
        "10y",
        (80 / 17.25, 107 / 17.25, 120 / 17.25),
        "bp_per_100bn",
        (5200.0, 6300.0),
        "QE1 announcements Nov 2008 - Mar 2009",
        "approx: the -107 bp total is as secondary sources attribute it (FRED two-day moves on the five dates sum "
        "to -107); the paper's tables were not opened here.",
    ),
    Study(
        "dk2013",
        "D'Amico, S. and King, T. B. (2013), 'Flow and stock effects of large-scale Treasury purchases: "
        "Evidence on the importance of local supply', Journal of Financial Economics 108(2).",
        "The $300bn Treasury purchase program of 2009 shifted yields down by as much as 50 bp (stock effect), most "
        "in the 10-15-year sector; each purchase operation moved targeted yields about 3.5 bp (flow effect).",
        "level",
        "10y",
        (20 / 3.0, 40 / 3.0, 50 / 3.0),
        "bp_per_100bn",
        (5700.0, 7200.0),
        "2009-10 purchases",
        "approx: 'as much as 50 bp' is the targeted sector's peak; the 10y's own figure is lower, hence the range.",
    ),
    Study(
        "warnock2009",
        "Warnock, F. E. and Warnock, V. C. (2009), 'International capital flows and U.S. interest "
        "rates', Journal of International Money and Finance 28.",
        "12-month foreign flows into U.S. government bonds of 1 % of GDP lower the 10y yield by about 19 bp "
        "(absent the 2004-05 official flows the 10y would have been about 80-90 bp higher).",
        "level",
        "10y",
        (12 / 1.25, 19 / 1.25, 25 / 1.25),
        "bp_per_100bn",
        (3800.0, 4300.0),
        "1984-2005 (market of 2005)",
        "approx: the 19 bp per 1 % of GDP summary was not re-checked against the tables; 1 % of 2005 GDP = "
        "about $125bn.",
    ),
    Study(
        "beltran2013_lr",
        "Beltran, D. O., Kretchmer, M., Marquez, J. and Thomas, C. P. (2013), 'Foreign holdings "
        "of U.S. Treasuries and U.S. Treasury yields', Journal of International Money and Finance 32.",
        "A $100bn fall in a month's foreign official inflows raises the 5y yield by about 20 bp in the long run, "
        "once private investors respond.",
        "level",
        "5y",
        (10.0, 20.0, 30.0),
        "bp_per_100bn",
        (3100.0, 8500.0),
        "Jan 1994 - Jun 2010",
        "5y, mapped to the 10y without change.",
    ),
    Study(
        "imf2017",
        "International Monetary Fund (2017), 'Uphill capital flows and the international monetary "
        "system', IMF Working Paper WP/17/174.",
        "A percentage-point rise in foreign official holdings relative to marketable Treasuries lowers the "
        "2-3-year term premium by 2.0-2.4 bp.",
        "level",
        "2y",
        (1.5, 2.2, 3.0),
        "bp_per_1pct_debt",
        (0.0, 0.0),
        "official share of marketable debt",
        "1 pp of share = 1 % of marketable debt: no dollar conversion.",
    ),
    Study(
        "beltran2013_sr",
        "Beltran et al. (2013), as above.",
        "A $100bn fall in a month's foreign official inflows raises the 5y yield by about 40-60 bp in the short run.",
        "peak",
        "5y",
        (40.0, 50.0, 60.0),
        "bp_per_100bn",
        (3100.0, 8500.0),
        "Jan 1994 - Jun 2010",
        "5y, mapped to the 10y without change.",
    ),
    Study(
        "kcfed2025",
        "Federal Reserve Bank of Kansas City (2025), 'The changing investor composition of U.S. "
        "Treasuries, Part 1: Foreign Treasury sales could raise U.S. yields', Economic Bulletin.",
        "Across TIC-based studies a one-standard-deviation monthly liquidation ($141bn) raises yields 57 bp on "
        "average, 25-101 bp across studies.",
        "peak",
        "10y",
        (25 / 1.41, 57 / 1.41, 101 / 1.41),
        "bp_per_100bn",
        (4000.0, 10000.0),
        "the surveyed studies' samples (about 1994-2019)",
        "approx: the surveyed samples' market is taken as $4-10tn; applying the same bp per $ to today's $30tn+ "
        "market (as the bulletin does) would be 3-8x larger per 1 % of debt.",
    ),
    Study(
        "ahmed_rebucci2024",
        "Ahmed, R. and Rebucci, A. (2024), 'Dollar reserves and U.S. yields: identifying the "
        "price impact of official flows' (NBER Working Paper 30476).",
        "Identified through heteroskedasticity, a $100bn official flow shock moves the 5-, 10- and 30-year yields "
        "by more than 100 bp on impact (19-44 bp in reduced form).",
        "peak",
        "10y",
        (70.0, 100.0, 140.0),
        "bp_per_100bn",
        (4000.0, 12000.0),
        "2000s-2010s",
        "approx: sample years and market size not checked here ($4-12tn assumed); 'more than 100' centred at 100.",
    ),
    Study(
        "martin2015",
        "Martin (2015), named in the project brief.",
        "Not identified: no copy of a 2015 study by Martin on Treasury demand and yields was found in the stored "
        "corpus, so no figure is used.",
        "none",
        "10y",
        (float("nan"),) * 3,
        "bp_per_1pct_debt",
        (0.0, 0.0),
        "-",
        "citation unresolved",
        in_prior=False,
    ),
)


def studies(measure: str) -> list[Study]:
    return [s for s in STUDIES if s.measure == measure and s.in_prior]


def draw_prior(measure: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of the 10y `measure` in bp per 1 % of debt: an equal-weight mixture over the studies; within a study
    lognormal with its (low, high) as the 90 % range around the central value, times a market size drawn uniformly
    over the sample's range. Positive by construction."""
    pool = studies(measure)
    pick = rng.integers(0, len(pool), size=n)
    out = np.empty(n)
    for i, s in enumerate(pool):
        sel = pick == i
        k = int(sel.sum())
        lo, mid, hi = s.native
        sigma = max(np.log(hi / lo) / (2 * 1.6448536269514722), 0.05)
        v = mid * np.exp(rng.normal(0.0, sigma, size=k))
        m = rng.uniform(*s.market_bn, size=k) if s.native_unit == "bp_per_100bn" else 1.0
        out[sel] = s.per_1pct(v, m)
    return out


def table() -> list[dict]:
    """Rows for `calibrate show` / the report / docs: the study's figure and ours in the same unit."""
    rows = []
    for s in STUDIES:
        lo, mid, hi = s.converted()
        rows.append(
            {
                "key": s.key,
                "measure": s.measure,
                "tenor": s.tenor,
                "finding": s.finding,
                "native": list(s.native),
                "native_unit": s.native_unit,
                "sample_market_usd_bn": list(s.market_bn),
                "sample": s.sample,
                "bp_per_1pct_debt": {"low": lo, "central": mid, "high": hi},
                "approx": s.approx,
                "in_prior": s.in_prior,
                "citation": s.citation,
            }
        )
    return rows
