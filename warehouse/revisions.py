"""Incremental refreshes of vintaged tables whose payloads may carry no vintage of their own.

A FRED CSV download has no realtime_start: the loader dates it by the payload (fetch date live, last
observation offline). Stored naively, every later download of a series would copy its whole history under
a new vintage, and a real revision would drown among thousands of repeated rows. So, for a table declaring
`Revisions` (warehouse/table_types.py), an incoming unvintaged row is compared with the row in force for its
observation at the incoming vintage date (the newest stored vintage on or before it):

- same value, same kind of file      -> unchanged: not stored (the earlier vintage stays the one in force,
  and it was indeed known since then);
- a different value                  -> a revision: stored as a new vintage, counted as changed;
- same value from another kind of file (a re-saved copy, an older download format), or no stored row for
  the observation                    -> stored, counted as new.

Rows that carry their own vintage (FRED API payloads) are never folded: their vintages are FRED's.
Payloads are replayed in vintage order (flows/sources/fred.py extract_offline), so "in force on or before"
is the right comparison.
"""

from __future__ import annotations

import duckdb

from warehouse.schema import Table


def fold_repeats(con: duckdb.DuckDBPyConnection, table: Table, stage: str) -> int:
    """Delete from `stage` the unvintaged rows that repeat the row in force; return how many are revisions.

    The revisions are the remaining unvintaged stage rows whose key is new but whose observation has a row
    in force with a different value: the caller counts them as changed, not new. load.upsert_stage calls
    this only when some staged observation is stored already (its `_survey`), so there is no early-out here.
    """
    rev = table.revisions
    if rev is None:
        return 0
    obs = " AND ".join(f"t.{c} = s.{c}" for c in rev.observation)
    same_values = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in rev.values)
    same_source = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in rev.provenance)
    part = ", ".join(f"s.{c}" for c in table.key)
    if set(table.key) != {*rev.observation, rev.vintage}:
        raise ValueError(f"{table.name}: a table with revisions is keyed by its observation and vintage")
    # The row in force is the first stored row of the observation with a vintage up to the staged one's; if
    # that row has the staged vintage itself, the staged key is stored already and the row is left to the
    # upsert. (A NOT EXISTS probe for that scanned the whole table once per payload: a third of the fold.)
    in_force = f"""
        SELECT * EXCLUDE (key_stored) FROM (
            SELECT {part}, ({same_values}) AND ({same_source}) AS repeats, NOT ({same_values}) AS revises,
                t.{rev.vintage} = s.{rev.vintage} AS key_stored
            FROM {stage} s JOIN {table.name} t ON {obs} AND t.{rev.vintage} <= s.{rev.vintage}
            WHERE {rev.unvintaged}
            QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY t.{rev.vintage} DESC, {rev.in_force_order}) = 1)
        WHERE NOT key_stored"""
    match = " AND ".join(f"f.{c} = {stage}.{c}" for c in table.key)
    # One script (the answer is its last statement's): four round trips were a fifth of a fresher file's upsert.
    revised = con.execute(f"""
        CREATE OR REPLACE TEMP TABLE fold_{stage} AS {in_force};
        DELETE FROM {stage} USING fold_{stage} f WHERE {match} AND f.repeats;
        SELECT count(*) FROM fold_{stage} WHERE revises""").fetchone()[0]
    con.execute(f"DROP TABLE fold_{stage}")
    return int(revised)
