"""How a Prefect-backed command starts: Prefect's settings before it is imported, then a first line that says what
is starting, then the temporary server (flows/pipeline/prefect_server.py), booting while the pipeline imports."""

from __future__ import annotations

import os

from rich.console import Console

from flows.cli.console import say_now
from flows.cli.errors import UserError


def prefect_defaults() -> None:
    """Prefect runs locally with a temporary server unless the user points it elsewhere; never phone home."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Failures reach the Prefect API (the UI's logs) through the run logger; the terminal gets our own one-line
    # summary instead of Prefect's console copy of them (a dict dump and "NoneType: None").
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def announce_prefect(out: Console, title: str, *, watchdog: bool = True) -> None:
    """The first line a Prefect-backed command prints, before the seconds Prefect takes to import and boot, so a
    terminal is never silent while it waits (the environment is read directly: Prefect's settings cost seconds).
    Then, unless the caller does it itself, start the temporary server, dying with this process
    (flows/pipeline/prefect_server.py; the caller calls its `wait()` before the first flow)."""
    what = prefect_plan()
    say_now(out, f"[{title}] starting: {what}; loading the pipeline")
    if watchdog:
        from flows.pipeline import prefect_server

        prefect_server.start(prefect_boots_in_background=False)


def prefect_plan() -> str:
    """What the command will use, in words: the server the user named, the shared temporary server an earlier
    command left running, or a new temporary server (kept for the next commands unless told otherwise)."""
    from flows.pipeline import shared_server

    if url := os.environ.get("PREFECT_API_URL"):
        return f"connecting to the Prefect server at {url}"
    if running := shared_server.planned():
        return (
            f"using the temporary Prefect server at {running['api_url']} (pid {running['pid']}, started "
            f"{running['started']}; `tshock server stop` stops it)"
        )
    try:
        minutes = shared_server.idle_seconds() / 60
    except shared_server.IdleSettingError as exc:
        raise UserError(str(exc)) from None
    kept = (
        f"kept for the next commands until {minutes:g} min idle, {shared_server.IDLE_ENV}=0 to stop it with this one"
        if minutes > 0 and shared_server.supported()
        else "stopped with this command"
    )
    return f"starting a temporary Prefect server ({kept}); set PREFECT_API_URL to use a running one"


def start_temporary_server():
    """Without a server named by the user, the flow runs against Prefect's temporary server, which takes seconds
    to boot: spawn it now, before anything imports Prefect, so it boots while the pipeline's modules import
    (flows/pipeline/prefect_server.py). None when there is nothing to wait for."""
    from flows.pipeline import prefect_server

    return prefect_server.start()
