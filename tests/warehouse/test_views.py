"""Views over the real snapshot: every view and as-of macro exists and returns rows, all is commented, the SQL
annotations parse, freshness applies its allowances and the committed data dictionary matches. What the views
say: test_views_holdings.py, test_views_debt.py, test_views_rates.py."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.rows import one
from warehouse import dictionary, views
from warehouse.freshness import STALE_AFTER_DAYS

VIEWS = views.view_names("view")
MACRO_CALLS = {
    "foreign_holdings_as_of": "foreign_holdings_as_of(DATE '2026-04-01')",
    "foreign_flows_as_of": "foreign_flows_as_of(DATE '2026-07-01')",
    "fred_observations_as_of": "fred_observations_as_of(DATE '2025-06-30')",
    "fred_as_of": "fred_as_of('DGS10', DATE '2024-08-31')",
    "fred_value_as_of": "fred_value_as_of('DGS10', DATE '2024-08-15', DATE '2024-08-31')",
}


def test_the_issue_views_and_the_names_others_rely_on_exist():
    for name in [
        "foreign_holdings_current",
        "fred_observations_current",
        "foreign_holdings_monthly",
        "foreign_official_private",
        "foreign_flows_valuation_adjusted",
        "yield_curve_daily",
        "yield_spreads_daily",
        "yield_curve_monthly",
        "yield_spreads_monthly",
        "debt_daily",
        "mspd_totals_by_class",
        "maturity_profile_monthly",
        "maturity_profile_yearly",
        "marketable_wam",
        "avg_interest_rates_by_class",
        "interest_burden_fy",
        "freshness",
    ]:
        assert name in VIEWS
    assert set(MACRO_CALLS) == set(views.view_names("macro"))


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_returns_rows(con, view):
    assert one(con, f"SELECT count(*) FROM {view}")[0] > 0


@pytest.mark.parametrize("macro", sorted(MACRO_CALLS))
def test_every_as_of_macro_returns_rows(con, macro):
    assert one(con, f"SELECT count(*) FROM {MACRO_CALLS[macro]}")[0] > 0


def test_every_table_view_and_column_has_a_comment(con):
    assert dictionary.missing_comments(con) == []


def test_create_views_is_idempotent_and_skips_when_current(mem):
    assert views.create_views(mem) is False  # migrate already created them
    before = mem.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert views.create_views(mem, force=True) is True
    after = mem.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert before == after  # CREATE OR REPLACE drops comments; they are put back
    assert dictionary.missing_comments(mem) == []
    mem.execute("DROP VIEW freshness")
    assert views.create_views(mem) is True  # a missing view is noticed even when the fingerprint matches
    assert mem.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'freshness'").fetchone()[0] == 1


def test_a_view_that_fails_to_create_is_named_and_nothing_changes(mem, monkeypatch):
    """The views are sent as one script; when it fails they are replayed one by one to name the culprit."""
    defs = views.load_definitions()
    bad = views.ViewDef("view", "v_broken", "CREATE OR REPLACE VIEW v_broken AS SELECT nope FROM ingest_log", "x.sql")
    monkeypatch.setattr(views, "load_definitions", lambda: (*defs, bad))
    before = mem.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    with pytest.raises(RuntimeError, match=r"warehouse/sql/x.sql: creating v_broken failed: .*nope"):
        views.create_views(mem, force=True)
    after = mem.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert after == before


def test_sql_annotations_are_parsed_and_mistakes_refused(mem):
    text = (
        "-- file comment\n\n-- @view v_demo: A demo view;\n--   continued here\n-- @col a: column a\n"
        "CREATE OR REPLACE VIEW v_demo AS\nSELECT 1 AS a, 2 AS b;\n"
    )
    (d,) = views.parse(text)
    assert (d.kind, d.name, d.comment, d.columns) == (
        "view",
        "v_demo",
        "A demo view; continued here",
        {"a": "column a"},
    )
    with pytest.raises(ValueError, match="no '-- @view"):
        views.parse("CREATE VIEW x AS SELECT 1;\n")
    with pytest.raises(ValueError, match="after the last ';'"):
        views.parse("-- @view x: y\nCREATE VIEW x AS SELECT 1\n")
    bad = views.parse("-- @view v_bad: demo\n-- @col nope: no such column\nCREATE VIEW v_bad AS SELECT 1 AS a;\n")
    mem.execute(bad[0].sql)
    with pytest.raises(ValueError, match="nope"):
        views.apply_comments(mem, bad)


def test_freshness_has_one_row_per_source_and_applies_the_allowance(con):
    rows = con.execute(
        "SELECT source, newest_observation, stale_after_days, days_old, is_stale FROM freshness"
    ).fetchall()
    assert {r[0] for r in rows} == set(STALE_AFTER_DAYS)
    for source, newest, allowance, days_old, is_stale in rows:
        assert allowance == STALE_AFTER_DAYS[source]
        assert days_old == (date.today() - newest).days
        assert is_stale == (days_old > allowance)
    assert one(con, "SELECT newest_observation FROM freshness WHERE source = 'tic'") == (date(2026, 4, 30),)
    fred = dict(
        con.execute("SELECT dataset, stale_after_days FROM freshness_by_dataset WHERE source = 'fred'").fetchall()
    )
    assert fred["fred:DGS10"] == STALE_AFTER_DAYS["fred"]
    assert fred["fred:GDP"] == views.FRED_STALE_AFTER_DAYS["quarterly"]


def test_committed_dictionary_matches_the_database(con):
    empty = dictionary.schema_only_connection()
    try:
        assert dictionary.render_markdown(empty) == dictionary.render_markdown(con)
    finally:
        empty.close()
    assert dictionary.check(con) == [], "run: uv run python -m warehouse.dictionary"


def test_dictionary_check_fails_on_a_stale_document_or_a_missing_comment(mem, tmp_path, capsys):
    doc = tmp_path / "warehouse.md"
    assert dictionary.main(["--output", str(doc)]) == 0
    assert dictionary.main(["--check", "--output", str(doc)]) == 0
    doc.write_text(doc.read_text().replace("Fiscal Data Debt to the Penny", "Debt to the Penny"))
    assert dictionary.main(["--check", "--output", str(doc)]) == 1
    assert "out of date" in capsys.readouterr().err
    mem.execute("CREATE VIEW undocumented AS SELECT 1 AS x")
    assert {"undocumented", "undocumented.x"} <= set(dictionary.missing_comments(mem))
    assert any("no comment on undocumented" in p for p in dictionary.check(mem, doc))
    assert dictionary.main(["--check", "--db", str(tmp_path / "missing.duckdb")]) == 1
