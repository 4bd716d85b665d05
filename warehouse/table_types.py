"""What a base table declaration is: its columns with comments, its key, plausibility bounds, and how a table
kept in vintages tells a revision from a repeat. The tables themselves are declared by source family in
warehouse/tables_holdings.py, tables_market.py and tables_debt.py and gathered in warehouse/schema.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str
    nullable: bool = True


@dataclass(frozen=True)
class Revisions:
    """A table kept in vintages, where some payloads carry no vintage of their own (see warehouse/revisions.py).

    An incoming row that is `unvintaged` and repeats, in its `values` and `provenance` columns, the row in force
    for its `observation` at its own `vintage` date is not stored again: a fresher download of a series is an
    incremental refresh, not a new copy of its whole history. A different value is a revision (counted as
    changed); the same value from another kind of file is stored as a new row (counted as new)."""

    observation: tuple[str, ...]  # what one observation is, apart from its vintage
    vintage: str  # the key column that orders vintages (newest in force)
    unvintaged: str  # SQL predicate on the incoming row: its vintage is only the payload's date
    values: tuple[str, ...]  # a difference here is a revision
    provenance: tuple[str, ...]  # with the values, must match for "unchanged"
    in_force_order: str  # ORDER BY (on the stored rows, alias t) that picks the row in force among equal vintages


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Plausibility bounds checked before load: column -> (low, high), inclusive.
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Dates that must be strictly increasing within each group (checked on the frame).
    loader_owned: tuple[str, ...] = ("payload_sha256",)
    revisions: Revisions | None = None
    # How many days after the payload's retrieval date (or today, if earlier) an observation may be dated.
    # One day covers time zones; an observation from the future is a corrupt or hostile file (issue 15: a FRED
    # row dated 2099 became the current value). Auctions are announced ahead of the auction date.
    future_days: int = 1
    # True: a PRIMARY KEY constraint, so DuckDB keeps the key unique (records, the ingest log). False: the loader
    # does (warehouse/stage.py checks each payload's keys, load.upsert_stage writes a key only where none is
    # stored). A PRIMARY KEY's index was most of the cost of loading the observation tables (issue 18: 0.25 s of
    # CPU and 18 of a new warehouse's 21 MB), and no query is helped by it.
    key_constraint: bool = True

    @property
    def parsed_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in self.loader_owned]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


PROVENANCE = Column(
    "payload_sha256",
    "VARCHAR",
    "sha256 of the raw payload this row was loaded from; join to ingest_log.sha256 for URL and fetch time",
    nullable=False,
)


def table(name, comment, columns, key, bounds=None, revisions=None, future_days=1) -> Table:
    """A base table with the loader-owned provenance column appended to its parsed columns."""
    return Table(
        name,
        comment,
        tuple(columns) + (PROVENANCE,),
        tuple(key),
        bounds or {},
        revisions=revisions,
        future_days=future_days,
        key_constraint=False,
    )
