"""What `tshock run`'s reports chart: freshness, the newest maturity wall, and Japan's and China's holdings."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.countries import HEADLINE_HOLDER
from warehouse.read.base import frame

REPORT_HOLDERS = (HEADLINE_HOLDER, "China")


def freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The freshness view, one row per source."""
    return frame(con, "SELECT * FROM freshness ORDER BY source")


def newest_maturity_wall(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """maturity_profile_yearly of the newest statement, by maturity year."""
    return frame(
        con,
        """SELECT * FROM maturity_profile_yearly
                         WHERE record_date = (SELECT max(record_date) FROM maturity_profile_yearly)
                         ORDER BY maturity_year""",
    )


def holdings_history(con: duckdb.DuckDBPyConnection, countries: tuple[str, ...] = REPORT_HOLDERS) -> pd.DataFrame:
    """Monthly holdings ($bn) and share of all foreign holdings of the named countries (latest vintage)."""
    return frame(
        con,
        """SELECT month, country, holdings_usd_bn, share_of_foreign_total
                         FROM foreign_holdings_monthly WHERE country IN (SELECT unnest(?::VARCHAR[]))
                         ORDER BY month, country""",
        [list(countries)],
    )
