"""One temporary Prefect server shared by the `tshock` commands of a session, stopped after minutes idle (issue 18).

Prefect's temporary server costs ~9 s of CPU to boot on 2 cores (~17 s on a fresh Prefect home, with its
migrations), every command, before the first stage can start. Like a build daemon, the first command that needs
one leaves it running, detached, and the next commands (same PREFECT_HOME, same Prefect and Python, same PREFECT_*
settings) use it at once. It exits by itself after TSHOCK_PREFECT_IDLE_MINUTES (default 10) without a request;
`tshock server stop` stops it now; TSHOCK_PREFECT_IDLE_MINUTES=0 gives every command a server of its own that dies
with it (the behaviour before, still used when no file lock is available).

The state is three files in PREFECT_HOME: `tshock-server.json` (pid, port, settings fingerprint), the lock that
serialises finding, starting and retiring the server, and `tshock-server.log` (its output: a detached server must
not hold the command's stdout open). A retiring server deletes the state under the lock before it stops, and a
command that finds the state touches the server under the same lock, so a server cannot retire between a command
finding it and using it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

IDLE_ENV = "TSHOCK_PREFECT_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 10.0
STATE, LOCK, LOG = "tshock-server.json", "tshock-server.lock", "tshock-server.log"


class IdleSettingError(ValueError):
    """TSHOCK_PREFECT_IDLE_MINUTES is not a number of minutes."""


def idle_seconds() -> float:
    raw = (os.environ.get(IDLE_ENV) or "").strip()
    if not raw:
        return DEFAULT_IDLE_MINUTES * 60
    try:
        minutes = float(raw)
    except ValueError:
        minutes = math.nan
    if not math.isfinite(minutes) or minutes < 0:
        raise IdleSettingError(
            f"{IDLE_ENV}={raw!r}: expected minutes, a number ≥ 0 (0 stops the temporary Prefect server with each "
            "command)"
        )
    return minutes * 60


def supported() -> bool:
    try:
        import fcntl  # noqa: F401 - POSIX only; elsewhere every command keeps a server of its own
    except ImportError:
        return False
    return True


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser().resolve()


def fingerprint() -> str:
    """What must match for a command to use a running server: the interpreter, Prefect's version and every
    PREFECT_* setting in the environment (the database URL, for one); PREFECT_API_URL is the server's own."""
    from importlib.metadata import version

    settings = {k: v for k, v in os.environ.items() if k.startswith("PREFECT_") and k != "PREFECT_API_URL"}
    settings["PREFECT_HOME"] = str(prefect_home())
    blob = json.dumps([sys.executable, version("prefect"), sorted(settings.items())])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@contextmanager
def locked(home: Path):
    import fcntl

    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_state(home: Path) -> dict | None:
    """The recorded server if its process is still a tshock server; a stale record (a killed server, a reboot)
    is None."""
    try:
        state = json.loads((home / STATE).read_text(encoding="utf-8"))
        pid, port = int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if port > 0 and is_server(pid) else None


def is_server(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process now holds the number
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.is_dir():
        try:
            return b"flows.pipeline.server_child" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def write_state(home: Path, pid: int, port: int, idle_s: float) -> None:
    state = {
        "pid": pid,
        "port": port,
        "api_url": f"http://127.0.0.1:{port}/api",
        "fingerprint": fingerprint(),
        "idle_minutes": idle_s / 60,
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    tmp = home / f".{STATE}.tmp"
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    tmp.replace(home / STATE)


def forget(home: Path, pid: int) -> None:
    """Delete the state if it still names `pid` (a newer server's record is left alone)."""
    try:
        if int(json.loads((home / STATE).read_text(encoding="utf-8"))["pid"]) == pid:
            (home / STATE).unlink()
    except (OSError, ValueError, KeyError, TypeError):
        pass


def find_or_start(idle_s: float):
    """The running shared server for this setup, or a new one recorded for the next commands. A server recorded
    with other settings is left to its own commands: this one gets a private server that dies with it."""
    from flows.pipeline.prefect_server import ReusedServer, TemporaryServer, answers

    home = prefect_home()
    with locked(home):
        state = read_state(home)
        if state is not None:
            if state.get("fingerprint") != fingerprint():
                return TemporaryServer()
            answers(int(state["port"]), timeout=1.0)  # restarts its idle clock; one still booting is not idle
            return ReusedServer(int(state["port"]), int(state["pid"]))
        server = TemporaryServer(idle_s=idle_s, log=home / LOG)
        write_state(home, server.process.pid, server.port, idle_s)
        return server


def planned() -> dict | None:
    """The server a command started now would use (no lock, no request: for its first line), None if it would
    start one."""
    try:
        if idle_seconds() <= 0 or not supported():
            return None
    except IdleSettingError:
        return None
    state = read_state(prefect_home())
    return state if state is not None and state.get("fingerprint") == fingerprint() else None


def stop(home: Path | None = None, timeout: float = 15.0) -> dict | None:
    """Stop the shared server of `home` (default: this PREFECT_HOME) and wait for it to exit; returns the state
    it had, None when none was running."""
    home = home or prefect_home()
    with locked(home):
        state = read_state(home)
        if state is None:
            (home / STATE).unlink(missing_ok=True)
            return None
        pid = int(state["pid"])
        forget(home, pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_server(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if is_server(pid):
        os.kill(pid, signal.SIGKILL)
    return state
