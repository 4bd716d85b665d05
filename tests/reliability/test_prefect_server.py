"""Issue 15, operations: the temporary Prefect server dies with a killed `tshock`; a refresh run against a real
`prefect server start` (loopback) with the network down ends Failed with its cause in the server's logs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.reliability.helpers import child_pids, cli, cli_env, kill_group, running


def server_children(pid: int) -> set[int]:
    out = set()
    for child in child_pids(pid):
        try:
            cmd = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"flows.pipeline.server_child" in cmd or b"uvicorn" in cmd:
            out.add(child)
    return out


@pytest.mark.parametrize(
    "command",
    [
        ["refresh", "--offline", "{snapshot}", "--db", "{tmp}/w.duckdb"],
        [
            "run",
            "--offline",
            "{snapshot}",
            "--db",
            "{tmp}/w.duckdb",
            "--reports-dir",
            "{tmp}/r",
            "-s",
            "parallel-plus-10bp",
            "--draws",
            "20",
        ],
    ],
)
def test_kill_9_of_tshock_takes_its_temporary_prefect_server_with_it(command, snapshot_dir, tmp_path):
    env = cli_env()
    env.pop("PREFECT_API_URL", None)
    args = [a.format(snapshot=snapshot_dir, tmp=tmp_path) for a in command]
    proc = cli(args, env=env)
    try:
        deadline, servers = time.monotonic() + 150, set()
        while not servers and time.monotonic() < deadline and proc.poll() is None:
            servers = server_children(proc.pid)
            time.sleep(0.2)
        assert servers, f"no Prefect server child seen ({proc.poll()=})"
        time.sleep(2)  # let it get going (bound to its port)
        os.kill(proc.pid, signal.SIGKILL)  # the CLI alone, as `kill -9 <pid>` would: not its process group
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(running(s) for s in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(running(s) for s in servers), "the temporary Prefect server outlived its kill -9'd parent"
    finally:
        kill_group(proc)
        proc.communicate()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def real_prefect_server(tmp_path):
    """`prefect server start` on loopback, its own home and database; stopped (the whole group) after."""
    port = free_port()
    env = cli_env(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
    )
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "prefect server start exited"
        time.sleep(0.5)
    else:
        kill_group(proc)
        pytest.fail("prefect server start did not answer within 90 s")
    try:
        yield url
    finally:
        kill_group(proc)
        proc.wait(timeout=30)


def test_a_refresh_with_the_network_down_ends_failed_on_a_real_server_with_its_cause_in_the_logs(
    real_prefect_server, offline_warehouse, tmp_path, monkeypatch
):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows import http
    from flows.pipeline.refresh import refresh_flow
    from tests.reliability.helpers import copy_warehouse
    from tests.reliability.test_failed_refresh import flow_run_record

    db = copy_warehouse(offline_warehouse, tmp_path / "data")

    def no_dns(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost"):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # the network is down; loopback (the server) is not
    http.forget_down_hosts()
    start = time.monotonic()
    with temporary_settings({PREFECT_API_URL: real_prefect_server}):
        restart_api_workers()  # task-run states travel as events: send them to this server, not the harness's
        try:
            state = refresh_flow(db=str(db), sources=["yield_curve", "soma", "auctions"], return_state=True)
            took = time.monotonic() - start
            assert state.is_failed(), state
            assert state.message.startswith("refresh failed for yield_curve, soma, auctions")
            assert "no network" in state.message
            restart_api_workers()  # flush the events and logs before reading them back
            tasks, logs = flow_run_record(state.state_details.flow_run_id, "refresh failed for")
        finally:
            restart_api_workers()
    http.forget_down_hosts()
    assert took < 30, f"the refresh took {took:.0f} s to notice the network is down"
    assert tasks == {"refresh-yield_curve": "FAILED", "refresh-soma": "FAILED", "refresh-auctions": "FAILED"}
    assert any("no network: the host name could not be resolved" in m for m in logs), logs


def restart_api_workers() -> None:
    """Prefect's events and log workers are process-wide singletons bound to the API they first reached (in this
    suite, the session's test harness): drain them so the next event or log line opens a worker on the current
    PREFECT_API_URL."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (EventsWorker, APILogWorker):
        worker.drain_all(timeout=10, at_exit=False)
