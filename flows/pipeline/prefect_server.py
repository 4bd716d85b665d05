"""Prefect's temporary server, started the moment a command knows it needs one (issue 18).

Left to itself, Prefect starts its temporary server only when the flow's client first needs it, after `import
prefect` and the pipeline's modules (seconds), and its start imports Prefect's server module in this process
first (more seconds, competing with those imports for the GIL). Here the server's process is spawned before
anything imports Prefect, so its own ~6 s of imports and start-up overlap ours:

- the socket is bound and listening here and handed to uvicorn (`--fd`): no port can be lost to another process
  in the seconds before uvicorn binds it, and a request sent early waits in the listen queue instead of failing;
- PREFECT_API_URL is set in this process before Prefect reads its settings, so the flow's client uses this server
  (and does not start one of its own);
- the child is flows/pipeline/server_child.py (uvicorn plus a watchdog): it dies with this process even by kill -9; `stop`
  (atexit) terminates it like Prefect's own SubprocessASGIServer.stop does;
- unless TSHOCK_PREFECT_IDLE_MINUTES=0, the server is shared instead: the first command leaves it running, detached,
  the next ones reuse it at once, and it retires after that many minutes without a request
  (flows/pipeline/shared_server.py).

Nothing is started when the user names a server: PREFECT_API_URL in the environment or the active profile. When
Prefect's other settings sources (.env, prefect.toml, [tool.prefect] in pyproject.toml) might name one, Prefect
decides, as before (PrefectsOwnStart).
"""

from __future__ import annotations

import atexit
import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

IDLE_S_ENV = "TSHOCK_SERVER_IDLE_SECONDS"  # set in a shared server's environment: its idle timeout
TEMPLATE_HOME_ENV = "TSHOCK_SERVER_KEEPS_TEMPLATE"  # a fresh Prefect home whose migrations the server keeps
# What Prefect's SubprocessASGIServer._run_uvicorn_command puts in its server's environment (prefect 3.x).
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
UNKNOWN = "unknown"


class ServerStartError(RuntimeError):
    """The temporary server did not answer its health check."""


def configured_url() -> str | None:
    """The server the user named, None when Prefect would start a temporary one, UNKNOWN when only Prefect can
    tell (reading its settings costs seconds: this reads the environment and the profile file only)."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    if os.environ.get("PREFECT_TEST_MODE", "").lower() in ("1", "true"):
        return UNKNOWN
    if "prefect.settings" in sys.modules:  # imported already (calibrate's read-only step): its answer costs nothing
        from prefect.settings import get_current_settings

        return get_current_settings().api.url or None
    if Path(".env").is_file() or Path("prefect.toml").is_file():
        return UNKNOWN
    try:
        if "[tool.prefect" in Path("pyproject.toml").read_text(encoding="utf-8"):
            return UNKNOWN
    except OSError:
        pass
    if path := os.environ.get("PREFECT_PROFILES_PATH"):
        profiles = Path(path)
    else:
        from flows.pipeline.shared_server import prefect_home

        profiles = prefect_home() / "profiles.toml"
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # Prefect's shipped profiles: the ephemeral one, no server named
    except (OSError, tomllib.TOMLDecodeError):
        return UNKNOWN
    active = os.environ.get("PREFECT_PROFILE") or data.get("active")
    profile = data.get("profiles", {}).get(active, {}) if isinstance(data.get("profiles"), dict) else {}
    return (profile.get("PREFECT_API_URL") or None) if isinstance(profile, dict) else UNKNOWN


def answers(port: int, timeout: float) -> bool:
    """GET /api/health on the loopback port: 200 within `timeout`. A request sent while the server boots waits in
    the listen queue until uvicorn accepts; any request also restarts a shared server's idle clock."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/api/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class _Answering:
    """A server on a loopback port, answering once /api/health does (checked in a background thread)."""

    process: subprocess.Popen | None = None

    def _check_health(self, port: int) -> None:
        self.port = port
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.error: str | None = None
        self._checker = threading.Thread(target=self._await_health, name="prefect-server-health", daemon=True)
        self._checker.start()

    def _await_health(self) -> None:
        """Prefect's own start: poll /api/health until 200 or PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS."""
        deadline = time.monotonic() + float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 120)
        while time.monotonic() < deadline:
            if self.process is not None and (code := self.process.poll()) is not None:
                self.error = f"it exited with code {code}"
                return
            if answers(self.port, timeout=max(0.1, deadline - time.monotonic())):
                return
            time.sleep(0.1)
        self.error = "it did not answer within PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"

    def ready(self) -> bool:
        return not self._checker.is_alive()

    def wait(self) -> None:
        self._checker.join()
        if self.error:
            raise ServerStartError(f"Prefect's temporary server on {self.api_url} did not start: {self.error}")

    def flow_settings(self):
        """Prefect settings naming this server (see PrefectsOwnStart.flow_settings); waits for it to answer."""
        self.wait()
        return _naming(self.api_url)


class TemporaryServer(_Answering):
    """One uvicorn child serving Prefect's API on a loopback socket bound here. With `idle_s`, it is detached (its
    own session, output to `log`) and outlives this command until that long without a request
    (flows/pipeline/shared_server.py); without, it dies with this process."""

    def __init__(self, idle_s: float = 0.0, log: Path | None = None) -> None:
        from flows.pipeline import prefect_template
        from flows.pipeline.shared_server import prefect_home

        home = prefect_home()
        fresh = prefect_template.seed(home) is False  # no database and no template: the server keeps its migrations
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        shared = idle_s > 0
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            port = listener.getsockname()[1]
            site = Path(importlib.util.find_spec("prefect").submodule_search_locations[0]).parent
            output = open(log, "ab") if shared and log else None  # noqa: SIM115 - the child holds its own copy
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flows.pipeline.server_child",
                    "0" if shared else str(os.getpid()),
                    "--app-dir",
                    str(site),
                    "--factory",
                    "flows.pipeline.server_child:app",
                    "--fd",
                    str(listener.fileno()),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ],
                env={
                    **os.environ,
                    **SERVER_ENV,
                    **({IDLE_S_ENV: str(idle_s)} if shared else {}),
                    **({TEMPLATE_HOME_ENV: str(home)} if fresh else {}),
                },
                pass_fds=(listener.fileno(),),
                start_new_session=shared,
                stdin=subprocess.DEVNULL if shared else None,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
            if output:
                output.close()
        finally:
            listener.close()  # the child holds its own copy
        if not shared:
            atexit.register(self.stop)
        self._check_health(port)

    def stop(self) -> None:
        """As Prefect's SubprocessASGIServer.stop: terminate, then kill after 5 s."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ReusedServer(_Answering):
    """The shared server an earlier command started (flows/pipeline/shared_server.py): left running at exit."""

    def __init__(self, port: int, pid: int) -> None:
        self.pid = pid
        self._check_health(port)

    def stop(self) -> None:
        """Not ours to stop: it retires by itself when idle, or by `tshock server stop`."""


class PrefectsOwnStart:
    """When only Prefect's settings can tell whether a server is named (.env, prefect.toml, [tool.prefect], test
    mode) and Prefect is not imported yet: let Prefect decide and start its own, in the background, with our
    watchdog. (Once Prefect is imported, its settings answer at once: `configured_url`.)"""

    def __init__(self) -> None:
        self.api_url: str | None = None  # the server started here; None when one is named or the start failed
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._boot, name="prefect-temporary-server", daemon=True)
        self._thread.start()

    def _boot(self) -> None:
        try:
            from prefect.settings import get_current_settings

            if get_current_settings().api.url:
                return
            temporary_server_dies_with_us()  # before the start below: the server must come up with its watchdog
            from prefect.server.api.server import SubprocessASGIServer

            server = SubprocessASGIServer()
            server.start()
            self.api_url = server.api_url
        except Exception as e:  # noqa: BLE001 - the flow's client starts it again and reports the error
            self.error = e

    def ready(self) -> bool:
        return not self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()

    def flow_settings(self):
        """Prefect settings naming the server started here, for a flow whose tasks run in other processes (a sweep
        on Dask workers: each would otherwise boot a temporary server of its own). Waits for the boot and raises
        what stopped it."""
        self.wait()
        if self.error is not None:
            raise self.error
        return _naming(self.api_url)


def _naming(api_url: str | None):
    from contextlib import nullcontext

    if api_url is None:
        return nullcontext()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: api_url})


def temporary_server_dies_with_us() -> None:
    """The temporary Prefect server dies with this process, even by kill -9 (flows/pipeline/server_child.py). Imports
    Prefect's server module (seconds): called once the command's arguments are checked and its first line shown."""
    if not os.environ.get("PREFECT_API_URL"):
        from flows.pipeline import server_child

        server_child.install()


_started: TemporaryServer | PrefectsOwnStart | None = None


def start(*, prefect_boots_in_background: bool = True) -> _Answering | PrefectsOwnStart | None:
    """Start the temporary server now unless the user named one (idempotent). Call before anything imports
    Prefect. Returns what to `wait()` on before the first flow, or None when there is nothing to wait for.

    When only Prefect can tell, and not `prefect_boots_in_background`, Prefect's client starts the server when
    the flow needs it (with our watchdog), as it always did."""
    global _started
    if _started is not None:
        return _started
    url = configured_url()
    if url == UNKNOWN and not prefect_boots_in_background:
        temporary_server_dies_with_us()
        return None
    if url == UNKNOWN:
        _started = PrefectsOwnStart()
    elif url is None:
        from flows.pipeline import shared_server

        idle_s = shared_server.idle_seconds()
        _started = (
            shared_server.find_or_start(idle_s) if idle_s > 0 and shared_server.supported() else TemporaryServer()
        )
        os.environ["PREFECT_API_URL"] = _started.api_url
    return _started


def wait() -> None:
    """Block until the server `start` spawned answers (no-op if none); ServerStartError if it never does."""
    if _started is not None:
        _started.wait()


def start_for_flow() -> TemporaryServer | PrefectsOwnStart | None:
    """`start`, for a caller that has imported Prefect already (a sweep): whether a server is named is read from
    Prefect's settings in the caller's thread (the active profile, or a test harness's temporary settings, which
    the booting thread would not see). None when one is named. The caller enters the result's `flow_settings()`
    around its flow."""
    global _started
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    if _started is None:
        _started = PrefectsOwnStart()
    return _started
