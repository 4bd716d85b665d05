"""Shared fixtures: the real snapshot beside the checkout, a temp Prefect home, an offline warehouse."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Prefect must never phone home or touch the user's ~/.prefect during tests.
_PREFECT_HOME = tempfile.mkdtemp(prefix="tshock-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Each CLI a test starts gets a server of its own, dying with it (no server outlives the suite); the shared server
# has its own tests (tests/reliability/test_shared_server.py).
os.environ.setdefault("TSHOCK_PREFECT_IDLE_MINUTES", "0")
# Prefect's migrated empty database is kept for the session only (flows/pipeline/prefect_template.py), not in ~/.cache.
os.environ.setdefault("TSHOCK_CACHE_DIR", tempfile.mkdtemp(prefix="tshock-cache-"))


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False, help="run the full-count fault and fuzz runs")


@pytest.fixture(scope="session")
def slow(request) -> bool:
    return bool(request.config.getoption("--slow"))


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    d = Path(os.environ.get("TSHOCK_SNAPSHOT", REPO.parent / "shared" / "snapshot")).resolve()
    if not (d / "MANIFEST.md").exists():
        pytest.fail(f"real snapshot not found at {d}: put ../shared beside the checkout or set TSHOCK_SNAPSHOT")
    return d


def copy_warehouse(src: Path, target: Path) -> str:
    """A private copy of a warehouse file (and its WAL) for tests that write records."""
    import shutil

    shutil.copy(src, target)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, str(target) + ".wal")
    return str(target)


def read_snapshot(snapshot_dir: Path, relpath: str) -> bytes:
    return (snapshot_dir / relpath).read_bytes()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def offline_warehouse(tmp_path_factory, snapshot_dir) -> Path:
    """A warehouse loaded from the real snapshot through the same task code the flow runs (no server)."""
    from flows.ingest import SOURCES
    from flows.pipeline.refresh import refresh_source

    db = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    results = [refresh_source.fn(source, str(db), str(snapshot_dir)) for source in SOURCES]
    failed = [r for r in results if r["failed"] or r["quarantined"]]
    assert not failed, failed
    return db
