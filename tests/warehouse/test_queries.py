"""Every worked query in docs/queries.md runs against the offline warehouse and returns rows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "queries.md"


def worked_queries(text: str) -> list[tuple[str, str]]:
    """(heading, sql) for every ```sql block, named after the nearest '## ' heading above it."""
    found = []
    heading = "untitled"
    for m in re.finditer(r"^## ([^\n]+)$|^```sql\n(.*?)^```", text, re.M | re.S):
        if m.group(1):
            heading = m.group(1).strip()
        else:
            found.append((heading, m.group(2)))
    return found


QUERIES = worked_queries(DOC.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")[:40]


@pytest.fixture(scope="module")
def con(offline_warehouse):
    c = duckdb.connect(str(offline_warehouse), read_only=True)
    yield c
    c.close()


def test_there_are_at_least_ten_worked_queries_each_under_its_own_question():
    assert len(QUERIES) >= 10
    headings = [h for h, _ in QUERIES]
    assert len(set(headings)) == len(headings)


def test_the_parser_finds_blocks_and_headings():
    text = "## 1. A\n\n```sql\nSELECT 1;\n```\n\n```\nnot sql\n```\n## 2. B\n```sql\nSELECT 2\n```\n"
    assert worked_queries(text) == [("1. A", "SELECT 1;\n"), ("2. B", "SELECT 2\n")]


@pytest.mark.parametrize("heading,sql", QUERIES, ids=[slug(h) for h, _ in QUERIES])
def test_worked_query_returns_rows(con, heading, sql):
    rows = con.execute(sql).fetchall()
    assert rows, f"{heading}: no rows"
