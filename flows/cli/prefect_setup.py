"""How a Prefect-backed command starts: Prefect's settings before it is imported, then a first line that says what
is starting, then the temporary server (flows/pipeline/prefect_server.py), booting while the pipeline imports."""

from __future__ import annotations

import os

from rich.console import Console

from flows.cli.console import say_now


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
    url = os.environ.get("PREFECT_API_URL")
    what = (
        f"connecting to the Prefect server at {url}"
        if url
        else "starting a temporary Prefect server (set PREFECT_API_URL to use a running one)"
    )
    say_now(out, f"[{title}] starting: {what}; loading the pipeline")
    if watchdog:
        from flows.pipeline import prefect_server

        prefect_server.start(prefect_boots_in_background=False)


def start_temporary_server():
    """Without a server named by the user, the flow runs against Prefect's temporary server, which takes seconds
    to boot: spawn it now, before anything imports Prefect, so it boots while the pipeline's modules import
    (flows/pipeline/prefect_server.py). None when there is nothing to wait for."""
    from flows.pipeline import prefect_server

    return prefect_server.start()
