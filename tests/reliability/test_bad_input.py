"""Bad input to the CLI: wrong arguments exit 2 (usage) or 1 (runtime) with one clear line, no traceback,
and without starting Prefect first. All cases run at once (they are independent processes)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.conftest import REPO
from tests.reliability.helpers import cli, kill_group, one_clear_line

NEEDS_CLI_FIX = pytest.mark.xfail(
    strict=True, reason="needs the flows/cli.py changes listed in docs/reliability.md (lock before Prefect; Exit check)"
)
TIMEOUT_S = 60  # 13 CLI processes start at once on 2 cores (each imports Prefect: ~4 s of CPU apiece)

SNAP = os.environ.get("TSHOCK_SNAPSHOT", str(REPO.parent / "shared" / "snapshot"))  # as in tests/conftest.py
CASES = {
    # id: (args, exit code, text in the error line)
    "unknown source": (["refresh", "--source", "bloomberg", "--offline", SNAP], 2, "unknown source"),
    "missing offline dir": (["refresh", "--offline", "/nonexistent/snap"], 2, "no such directory"),
    "offline is a file": (["refresh", "--offline", str(REPO / "pyproject.toml")], 2, "no such directory"),
    "unknown option": (["refresh", "--frobnicate"], 2, "No such option: --frobnicate"),
    "option without value": (["refresh", "--source"], 2, "requires an argument"),
    "unknown command": (["refersh"], 2, "No such command"),
    "export without directory": (["snapshot", "export"], 2, "Missing parameter: directory"),
    "export from missing warehouse": (
        ["snapshot", "export", "{tmp}/out", "--db", "{tmp}/none.duckdb"],
        1,
        "no warehouse at",
    ),
    "export into a file": (
        ["snapshot", "export", "{tmp}/a_file", "--db", "{warehouse}"],
        1,
        "cannot export the snapshot",
    ),
    "db is a directory": (["refresh", "--offline", SNAP, "--db", "{tmp}"], 1, "is a directory"),
    "db under a file": (
        ["refresh", "--offline", SNAP, "--db", "{tmp}/a_file/w.duckdb"],
        1,
        "cannot create the data directory",
    ),
    "db unwritable": (
        ["refresh", "--offline", SNAP, "--db", "/proc/no/such/w.duckdb"],
        1,
        "cannot create the data directory",
    ),
    "db is random bytes": (
        ["refresh", "--offline", SNAP, "--db", "{tmp}/junk.duckdb"],
        1,
        "not a valid DuckDB database",
    ),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, offline_warehouse) -> dict[str, tuple[int | None, str, float]]:
    tmp = tmp_path_factory.mktemp("bad-input")
    (tmp / "a_file").write_text("not a directory")
    (tmp / "junk.duckdb").write_bytes(b"\x13" * 100_000)
    fill = {"tmp": str(tmp), "warehouse": str(offline_warehouse)}
    start = time.monotonic()
    procs = {name: cli([a.format(**fill) for a in args]) for name, (args, _, _) in CASES.items()}
    out = {}
    for name, proc in procs.items():
        try:
            _, stderr = proc.communicate(timeout=max(1.0, TIMEOUT_S - (time.monotonic() - start)))
            out[name] = (proc.returncode, stderr, time.monotonic() - start)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            _, stderr = proc.communicate()
            out[name] = (None, stderr, time.monotonic() - start)
    return out


@pytest.mark.parametrize("name", CASES)
def test_bad_arguments_exit_with_one_clear_line(name, outcomes):
    args, code, text = CASES[name]
    rc, stderr, _ = outcomes[name]
    assert rc is not None, f"no answer within {TIMEOUT_S} s: {stderr[-500:]}"
    assert rc == code, stderr[-2000:]
    assert text in one_clear_line(stderr)
