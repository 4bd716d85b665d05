"""A source's CSVs staged together (warehouse/stage_group.py) and their all-new parts inserted together
(warehouse/batch.py upsert_parts) store what staging and loading each alone stores; a bad file among them is
named exactly as when alone, and a write failure of one part keeps the others."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.ingest import Batch, ingest_payload, source_module
from flows.sources.base import Payload
from warehouse import batch as batch_module
from warehouse.db import connect

SNAPSHOT = Path(__file__).resolve().parents[2].parent / "shared" / "snapshot"
# Overlapping (three DGS10 downloads, a legacy and a re-saved TREAST), leading zeros (WMTSECL1), CRLF (2017 zip),
# and files that meet no other.
FILES = [
    "fred/legacy_format/DGS10__DATE-header_2024-08.csv",
    "fred/legacy_format/FYFR__DATE-VALUE_2017-zip.csv",
    "fred/legacy_format/TREAST__DATE-header_2021-06.csv",
    "fred/resaved/TREAST.csv",
    "fred/DGS10.csv",
    "fred/GDP.csv",
    "fred/WMTSECL1.csv",
    "fred/fresher/DGS10.csv",
    "fred/api_observations_GDP.json",
]
LOG = "SELECT relpath, status, rows_loaded, rows_new, rows_changed, rows_unchanged, newest_date, error FROM ingest_log"
ROWS = "SELECT * EXCLUDE (payload_sha256) FROM fred_observations ORDER BY ALL"


def payload(relpath: str, body: bytes | None = None) -> Payload:
    body = (SNAPSHOT / relpath).read_bytes() if body is None else body
    return Payload("fred", relpath, "snapshot:" + relpath, body, offline=True)


def bad(relpath: str = "fred/GDP.csv") -> Payload:
    """A number cut short on line 3: the staged checks doubt it, the parser names line, field and value."""
    lines = (SNAPSHOT / relpath).read_text().splitlines()
    lines[2] = lines[2].split(",")[0] + ",9."
    return payload(relpath, "\n".join(lines).encode() + b"\n")


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def together(con, data_dir: Path, payloads: list[Payload]):
    batch = Batch(con, data_dir, source_module("fred"), known=set())
    for p in payloads:
        batch.add(p)
    return batch.write()


def one_by_one(tmp_path: Path, payloads: list[Payload]):
    with connect(tmp_path / "alone.duckdb") as c:
        outcomes = [ingest_payload(c, tmp_path / "alone", p, source_module("fred")) for p in payloads]
        return outcomes, c.execute(LOG + " ORDER BY payload_id").fetchall(), c.execute(ROWS).fetchall()


def test_csvs_staged_together_store_what_each_alone_stores(con, tmp_path, monkeypatch):
    parts = []
    upsert_parts = batch_module.upsert_parts
    monkeypatch.setattr(batch_module, "upsert_parts", lambda c, run: (parts.append(len(run)), upsert_parts(c, run)))
    payloads = [payload(f) for f in FILES]
    outcomes = together(con, tmp_path, payloads)
    assert max(parts) == len(FILES) - 1  # every CSV went through the shared stage
    alone, log, rows = one_by_one(tmp_path, payloads)
    assert [o.status for o in outcomes] == [o.status for o in alone] == ["loaded"] * len(FILES)
    assert con.execute(LOG + " ORDER BY payload_id").fetchall() == log
    assert con.execute(ROWS).fetchall() == rows
    assert [o.result.total("changed") for o in outcomes] == [o.result.total("changed") for o in alone]
    assert not con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()  # no stage left


def test_a_bad_csv_among_many_is_named_as_when_alone(con, tmp_path):
    payloads = [payload(FILES[1]), bad(), payload(FILES[6])]
    outcomes = together(con, tmp_path, payloads)
    alone, log, _ = one_by_one(tmp_path, payloads)
    assert [o.status for o in outcomes] == ["loaded", "quarantined", "loaded"]
    assert outcomes[1].error == alone[1].error and "line 3" in outcomes[1].error and "'9.'" in outcomes[1].error
    assert con.execute(LOG + " ORDER BY payload_id").fetchall() == log
    assert (tmp_path / "quarantine" / f"{outcomes[1].sha256}.txt").read_text().startswith("fred/GDP.csv")


def test_a_csv_whose_dates_do_not_rise_is_named_as_when_alone(con, tmp_path):
    # Lines 3 and 4 of the real GDP download swapped: only the order check of the shared stage can doubt it (the
    # per-file window became one window over the files' runs of rows), and its neighbours stay staged together.
    lines = (SNAPSHOT / "fred/GDP.csv").read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]
    swapped = payload("fred/GDP.csv", "\n".join(lines).encode() + b"\n")
    payloads = [payload(FILES[1]), swapped, payload(FILES[6])]
    outcomes = together(con, tmp_path, payloads)
    alone, log, rows = one_by_one(tmp_path, payloads)
    assert [o.status for o in outcomes] == ["loaded", "quarantined", "loaded"]
    assert outcomes[1].error == alone[1].error and "line 4" in outcomes[1].error and "1962-04-01" in outcomes[1].error
    assert con.execute(LOG + " ORDER BY payload_id").fetchall() == log
    assert con.execute(ROWS).fetchall() == rows


def test_a_write_failure_of_one_part_names_it_and_keeps_the_others(con, tmp_path, monkeypatch):
    upsert_shared = batch_module._upsert_shared

    def fail_on_gdp(c, table, stage, parts):
        if any(p.log_row["relpath"] == "fred/GDP.csv" for p in parts):
            raise duckdb.ConstraintException("Constraint Error: injected")
        return upsert_shared(c, table, stage, parts)

    monkeypatch.setattr(batch_module, "_upsert_shared", fail_on_gdp)
    outcomes = together(con, tmp_path, [payload(FILES[1]), payload("fred/GDP.csv"), payload(FILES[6])])
    assert [o.status for o in outcomes] == ["loaded", "failed", "loaded"]
    assert outcomes[1].error == "fred/GDP.csv: could not be stored: Constraint Error: injected"
    series = con.execute("SELECT DISTINCT series_id FROM fred_observations ORDER BY 1").fetchall()
    assert series == [("FYFR",), ("WMTSECL1",)]
    assert not con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()


def test_year_0000_is_refused_alone_and_among_many(con, tmp_path):
    # DuckDB reads 0000-01-01 as a day (1 BC); Python's date does not. The staged check let it through before.
    lines = (SNAPSHOT / "fred/GDP.csv").read_text().splitlines()
    lines.insert(1, "0000-01-01,1.0")
    year_zero = payload("fred/GDP.csv", "\n".join(lines).encode() + b"\n")
    payloads = [payload(FILES[1]), year_zero, payload(FILES[6])]
    outcomes = together(con, tmp_path, payloads)
    alone, log, rows = one_by_one(tmp_path, payloads)
    assert [o.status for o in outcomes] == [o.status for o in alone] == ["loaded", "quarantined", "loaded"]
    assert (
        outcomes[1].error
        == alone[1].error
        == "fred/GDP.csv line 2: field 'date' value '0000-01-01' not a YYYY-MM-DD date"
    )
    assert con.execute(ROWS).fetchall() == rows
