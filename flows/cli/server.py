"""`tshock server status|stop`: the temporary Prefect server the commands share (flows/pipeline/shared_server.py)."""

from __future__ import annotations

import typer

from flows.cli.console import console

server_app = typer.Typer(
    help="The temporary Prefect server tshock commands share when PREFECT_API_URL names none: it retires after "
    "TSHOCK_PREFECT_IDLE_MINUTES (default 10) without a request.",
    no_args_is_help=True,
)


def _describe(state: dict) -> str:
    return (
        f"{state['api_url']} (pid {state['pid']}, started {state['started']}, retires after "
        f"{float(state['idle_minutes']):g} min idle)"
    )


@server_app.command("status")
def status() -> None:
    """Whether a shared temporary Prefect server is running for this PREFECT_HOME, and where."""
    from flows.pipeline import shared_server

    home = shared_server.prefect_home()
    state = shared_server.read_state(home)
    if state is None:
        console.print(f"no temporary Prefect server is running for PREFECT_HOME {home}", markup=False)
        return
    console.print(f"running: {_describe(state)}; log {home / shared_server.LOG}", markup=False)


@server_app.command("stop")
def stop() -> None:
    """Stop the shared temporary Prefect server now (a command using it at this moment loses its server)."""
    from flows.pipeline import shared_server

    state = shared_server.stop()
    if state is None:
        console.print(f"no temporary Prefect server was running for PREFECT_HOME {shared_server.prefect_home()}")
        return
    console.print(f"stopped: {_describe(state)}", markup=False)
