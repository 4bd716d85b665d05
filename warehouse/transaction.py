"""One transaction helper for every multi-statement write: a payload's load, a record, the migrations, the views."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN / COMMIT; ROLLBACK on any exception, KeyboardInterrupt included, so a crash leaves all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT (e.g. disk full) has rolled back already: report what made it fail
        raise
