"""Fixtures of the warehouse view tests: the offline warehouse read-only, and an empty in-memory one."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.db import migrate


@pytest.fixture(scope="module")
def con(offline_warehouse):
    c = duckdb.connect(str(offline_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture
def mem():
    """An empty in-memory warehouse with every table and view."""
    c = duckdb.connect(":memory:")
    migrate(c)
    yield c
    c.close()
