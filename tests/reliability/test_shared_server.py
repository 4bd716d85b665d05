"""Issue 18: one temporary Prefect server shared by the commands of a session. The first command leaves it running
(detached, not holding the command's output open), the next one uses it at once, it retires after its idle time,
and `tshock server stop` stops it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from flows.pipeline import shared_server
from tests.conftest import REPO
from tests.reliability.helpers import cli_env


def tshock(args: list[str], env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    """The real CLI; `communicate` returns only once every holder of its stdout is gone, so a server that kept the
    command's pipe open would show here as a timeout."""
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def shared_env(tmp_path):
    env = cli_env(PREFECT_HOME=str(tmp_path / "prefect"), TSHOCK_PREFECT_IDLE_MINUTES="0.3")
    env.pop("PREFECT_API_URL", None)
    yield env
    shared_server.stop(tmp_path / "prefect")


def state(env: dict) -> dict:
    return json.loads((shared_server.Path(env["PREFECT_HOME"]) / shared_server.STATE).read_text())


def test_the_second_command_uses_the_first_ones_server_which_retires_when_idle(shared_env, snapshot_dir, tmp_path):
    args = ["refresh", "--offline", str(snapshot_dir), "--source", "soma", "--db", str(tmp_path / "w.duckdb")]
    first = tshock(args, shared_env)
    assert first.returncode == 0, first.stderr
    assert "starting a temporary Prefect server (kept for the next commands until 0.3 min idle" in first.stdout
    server = state(shared_env)
    assert shared_server.is_server(server["pid"]), "the server did not outlive the command that started it"

    second = tshock(args, shared_env)
    assert second.returncode == 0, second.stderr
    assert f"using the temporary Prefect server at {server['api_url']} (pid {server['pid']}" in second.stdout
    assert state(shared_env)["pid"] == server["pid"]

    deadline = time.monotonic() + 60  # idle 18 s, checked every ~2 s, then uvicorn's graceful shutdown
    while shared_server.is_server(server["pid"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not shared_server.is_server(server["pid"]), "the shared server did not retire after its idle time"
    assert not (shared_server.Path(shared_env["PREFECT_HOME"]) / shared_server.STATE).exists()


def test_server_stop_stops_it_and_status_says_so(shared_env, snapshot_dir, tmp_path):
    args = ["refresh", "--offline", str(snapshot_dir), "--source", "soma", "--db", str(tmp_path / "w.duckdb")]
    assert tshock(args, shared_env).returncode == 0
    pid = state(shared_env)["pid"]
    status = tshock(["server", "status"], shared_env)
    assert status.returncode == 0 and f"running: http://127.0.0.1:{state(shared_env)['port']}/api (pid {pid}" in (
        status.stdout
    )
    stopped = tshock(["server", "stop"], shared_env)
    assert stopped.returncode == 0 and "stopped: " in stopped.stdout
    assert not shared_server.is_server(pid)
    assert "no temporary Prefect server is running" in tshock(["server", "status"], shared_env).stdout


def test_a_stale_record_of_a_dead_server_is_ignored(tmp_path, monkeypatch):
    home = tmp_path / "prefect"
    home.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (home / shared_server.STATE).write_text(json.dumps({"pid": dead.pid, "port": 9, "fingerprint": "x"}))
    assert shared_server.read_state(home) is None
    assert shared_server.stop(home) is None and not (home / shared_server.STATE).exists()


@pytest.mark.parametrize("value", ["ten", "-1", "nan"])
def test_a_bad_idle_setting_is_one_clear_error(value, snapshot_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TSHOCK_PREFECT_IDLE_MINUTES", value)
    with pytest.raises(
        shared_server.IdleSettingError, match=f"TSHOCK_PREFECT_IDLE_MINUTES='{value}': expected minutes"
    ):
        shared_server.idle_seconds()
    env = cli_env(PREFECT_HOME=str(tmp_path), TSHOCK_PREFECT_IDLE_MINUTES=value)
    env.pop("PREFECT_API_URL", None)
    r = tshock(["refresh", "--offline", str(snapshot_dir), "--db", str(tmp_path / "w.duckdb")], env, timeout=60)
    assert r.returncode == 2 and r.stderr.strip().startswith("error: TSHOCK_PREFECT_IDLE_MINUTES="), r.stderr
