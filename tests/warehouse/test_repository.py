"""The record repository: one transaction rule, named-column inserts, a warehouse without record tables."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from warehouse import repository
from warehouse.countries import HOLDERS, KNOWN_COUNTRIES, TIC_ALIASES, canonical_country
from warehouse.identity import identity_hash


def test_transaction_rolls_back_everything_on_error():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b VARCHAR)")
    with pytest.raises(duckdb.ConstraintException):
        with repository.transaction(con):
            repository.insert(con, "t", [{"b": "x", "a": 1}])  # columns by name, in any order
            repository.insert(con, "t", [{"a": 1, "b": "again"}])
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    with repository.transaction(con):
        repository.insert(con, "t", [{"b": "x", "a": 1}])
        repository.insert(con, "t", [{"a": 1, "b": "again"}], skip_existing=True)
    assert con.execute("SELECT a, b FROM t").fetchall() == [(1, "x")]


def test_a_warehouse_without_record_tables_reads_as_nothing_stored():
    con = duckdb.connect()
    assert repository.list_calibrations(con) == []
    assert repository.list_runs(con) == []
    assert repository.find_calibration(con, "h", "v", "2026-01-01") is None
    assert repository.latest_calibration_id(con) is None
    assert repository.runs_of(con, "x") == []
    assert repository.runs_by_prefix(con, "run-") == []
    assert repository.stored_cells(con, ["k"]) == {}
    assert repository.surface_draws(con, "cal-x").empty
    for ref in ("latest", "cal-1"):
        with pytest.raises(repository.RecordNotFound, match="no calibration stored yet"):
            repository.calibration_json(con, ref)


def test_identity_hash_is_the_ids_old_formula():
    key = "a|b|2026-01-01"
    assert identity_hash("a", "b", "2026-01-01") == hashlib.sha256(key.encode()).hexdigest()


def test_country_identity_is_shared():
    assert canonical_country(" china,  Mainland ") == "China"
    assert canonical_country("UAE") == "United Arab Emirates"
    assert canonical_country("japan") == "Japan"
    assert canonical_country("Atlantis") == "Atlantis"
    assert TIC_ALIASES["korea"] == "South Korea" and "South Korea" in KNOWN_COUNTRIES
    assert {h.label for h in HOLDERS.values()} >= {"Japan", "China", "Grand Total", "Foreign Official"}
