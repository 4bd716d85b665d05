"""flows/ingest.py: a source's payloads are parsed, validated and staged one by one, then written together; a bad
payload is quarantined with its reason and does not keep the good ones out."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import Batch, ingest_payload, source_module
from flows.sources.base import Payload
from warehouse import load
from warehouse.db import connect

SNAPSHOT = Path(__file__).resolve().parents[2].parent / "shared" / "snapshot"
GOOD = ["treasury/daily-treasury-rates_2023.csv", "treasury/daily-treasury-rates_2024.csv"]


def payload(relpath: str, body: bytes | None = None) -> Payload:
    body = (SNAPSHOT / relpath).read_bytes() if body is None else body
    return Payload("yield_curve", relpath, "snapshot:" + relpath, body, offline=True)


def bad_payload() -> Payload:
    """The 2025 file with one implausible yield: the staged checks doubt it, the parser's validation names it."""
    body = (SNAPSHOT / "treasury/daily-treasury-rates_2025.csv").read_text().splitlines()
    cells = body[1].split(",")
    cells[-1] = "95"
    return payload("treasury/daily-treasury-rates_2025.csv", "\n".join([body[0], ",".join(cells), *body[2:]]).encode())


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_a_bad_payload_in_the_batch_is_quarantined_and_the_good_ones_land(con, tmp_path):
    batch = Batch(con, tmp_path, source_module("yield_curve"), known=set())
    for p in [payload(GOOD[0]), bad_payload(), payload(GOOD[1])]:
        batch.add(p)
    # nothing is written before the whole batch is parsed and validated
    assert con.execute("SELECT count(*) FROM ingest_log").fetchone()[0] == 0
    outcomes = batch.write()
    assert [o.status for o in outcomes] == ["loaded", "quarantined", "loaded"]
    assert "daily-treasury-rates_2025.csv" in outcomes[1].error and "95" in outcomes[1].error
    assert (tmp_path / "quarantine" / f"{outcomes[1].sha256}.txt").read_text().startswith(outcomes[1].relpath)
    rows = con.execute("SELECT relpath, status, rows_loaded FROM ingest_log ORDER BY payload_id").fetchall()
    assert [r[:2] for r in rows] == [(GOOD[0], "loaded"), (outcomes[1].relpath, "quarantined"), (GOOD[1], "loaded")]
    years = con.execute("SELECT DISTINCT year(date) FROM yield_curve ORDER BY 1").fetchall()
    assert years == [(2023,), (2024,)]
    assert rows[0][2] + rows[2][2] == sum(o.result.total("loaded") for o in outcomes)


def test_a_write_failure_in_the_batch_names_the_payload_and_keeps_the_others(con, tmp_path, monkeypatch):
    import duckdb

    upsert_stage = load.upsert_stage

    def fail_on_2024(con, table, stage, rows):
        if con.execute(f"SELECT any_value(year(date)) FROM {stage}").fetchone()[0] == 2024:
            raise duckdb.ConstraintException("Constraint Error: injected")
        return upsert_stage(con, table, stage, rows)

    monkeypatch.setattr(load, "upsert_stage", fail_on_2024)
    batch = Batch(con, tmp_path, source_module("yield_curve"), known=set())
    for relpath in GOOD:
        batch.add(payload(relpath))
    outcomes = batch.write()
    assert [o.status for o in outcomes] == ["loaded", "failed"]
    assert outcomes[1].error == f"{GOOD[1]}: could not be stored: Constraint Error: injected"
    assert con.execute("SELECT DISTINCT year(date) FROM yield_curve").fetchall() == [(2023,)]
    # a failed payload is not "loaded": the next refresh tries it again
    assert ingest_payload(con, tmp_path, payload(GOOD[0]), source_module("yield_curve")).status == "skipped"
    monkeypatch.undo()
    assert ingest_payload(con, tmp_path, payload(GOOD[1]), source_module("yield_curve")).status == "loaded"
