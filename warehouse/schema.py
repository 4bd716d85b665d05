"""The warehouse contract: every base table, its key and a comment on every column.

Parsers in `flows/sources/` return frames whose columns are exactly a table's *parsed*
columns (everything except the loader-owned provenance columns below). The loader adds
provenance, validates against these declarations and upserts on the key.
The declarations are grouped by source family (warehouse/tables_holdings.py, tables_market.py, tables_debt.py);
what a declaration is lives in warehouse/table_types.py. The ingest log, written by the loader itself, is here.
"""

from __future__ import annotations

from warehouse.table_types import Column, Table
from warehouse.tables_debt import DEBT_TABLES
from warehouse.tables_holdings import HOLDINGS_TABLES
from warehouse.tables_market import MARKET_TABLES

C = Column

# The declaration order feeds the schema fingerprint (warehouse/db.py): reordering would re-migrate every
# warehouse, so the order of the single schema file these came from is kept; a new table goes at the end.
_ORDER = (
    "foreign_holdings",
    "foreign_flows",
    "fred_series",
    "fred_observations",
    "yield_curve",
    "debt_to_penny",
    "avg_interest_rates",
    "mspd_summary",
    "marketable_securities",
    "marketable_totals",
    "soma_holdings",
    "auctions",
)
_DECLARED = {t.name: t for t in (*HOLDINGS_TABLES, *MARKET_TABLES, *DEBT_TABLES)}
TABLES: dict[str, Table] = {name: _DECLARED.pop(name) for name in _ORDER} | _DECLARED

INGEST_LOG = Table(
    "ingest_log",
    "One row per fetched payload and load attempt: where it came from (URL without secrets), its sha256 in the raw "
    "landing zone, and what the load did.",
    (
        C("payload_id", "BIGINT", "Sequence number of the load attempt", False),
        C("source", "VARCHAR", "Source name: tic | fred | fiscaldata | yield_curve | soma | auctions", False),
        C("relpath", "VARCHAR", "Path of the payload in the snapshot layout (e.g. tic/slt_table5.txt)", False),
        C("url", "VARCHAR", "URL fetched, with any API key removed; file:// path for offline replay", False),
        C("fetched_at", "TIMESTAMP", "When the bytes were fetched or read (UTC)", False),
        C("sha256", "VARCHAR", "sha256 of the payload bytes = file name in the raw landing zone", False),
        C("bytes", "BIGINT", "Payload size in bytes", False),
        C("rows_loaded", "BIGINT", "Rows parsed and upserted (new + changed + unchanged)"),
        C("rows_new", "BIGINT", "Rows whose key was not in the warehouse"),
        C("rows_changed", "BIGINT", "Rows whose key existed with different values"),
        C("rows_unchanged", "BIGINT", "Rows identical to what was stored"),
        C("newest_date", "DATE", "Newest observation date in the payload"),
        C(
            "status",
            "VARCHAR",
            "loaded | skipped (same sha256 and path already loaded or refused; logged so the last "
            "check time is known) | quarantined (failed validation; see data/quarantine/<sha256>.txt) | stale (a file the "
            "source still serves but no longer updates, refused as current) | failed (could not fetch)",
            False,
        ),
        C("error", "VARCHAR", "Why the payload was quarantined or failed; NULL on success"),
        C("offline", "BOOLEAN", "TRUE when replayed from a snapshot directory", False),
    ),
    ("payload_id",),
    loader_owned=(),
)
