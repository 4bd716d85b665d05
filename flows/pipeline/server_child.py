"""The temporary Prefect server dies with the `tshock` process that started it, however that process ends.

Prefect starts its temporary server (uvicorn, ~230 MB, listening on a port) as a child process and stops it from
an `atexit` hook, which a `kill -9` never runs: the server was left running for ever (issue 15). `install()`
makes Prefect start it through this module instead, which runs uvicorn with a watchdog thread that exits the
server as soon as its parent process is gone (it is then re-parented, so `os.getppid()` changes).

Why a watchdog and not `prctl(PR_SET_PDEATHSIG)`: Linux sends that signal when the *thread* that forked the
child ends, and `tshock run` boots the server from a short-lived thread; the watchdog also works on macOS.

A shared server (flows/pipeline/shared_server.py) has no parent to watch (its pid argument is 0): `app` wraps
Prefect's app to count requests in flight and retires the server after TSHOCK_SERVER_IDLE_SECONDS without one.
On a fresh Prefect home, `app` runs Prefect's migrations on a synchronous engine before Prefect's lifespan
(flows/pipeline/prefect_migrate.py), and keeps the migrated database as the template for the next fresh homes
(flows/pipeline/prefect_template.py) the moment Prefect's startup completes: uvicorn serves no request before
that, so no flow's history can be in it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

POLL_S = 0.5


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    os._exit(0)  # no clean shutdown to wait for: the server's only client is gone


def install() -> None:
    """Make Prefect's temporary server start through this module (idempotent)."""
    from prefect.server.api.server import SubprocessASGIServer

    if getattr(SubprocessASGIServer._run_uvicorn_command, "tshock_watchdog", False):
        return
    SubprocessASGIServer._run_uvicorn_command = _run_uvicorn_with_watchdog


def _run_uvicorn_with_watchdog(self):
    """Prefect's own `_run_uvicorn_command` (prefect 3.x), with `-m flows.pipeline.server_child <pid>` for `-m uvicorn`."""
    import subprocess

    import prefect
    from prefect.settings import get_current_settings

    from flows.pipeline.prefect_server import SERVER_ENV

    return subprocess.Popen(
        args=[
            sys.executable,
            "-m",
            "flows.pipeline.server_child",
            str(os.getpid()),
            "--app-dir",
            str(prefect.__module_path__.parent),
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env={**os.environ, **SERVER_ENV, **get_current_settings().to_environment_variables(exclude_unset=True)},
    )


_run_uvicorn_with_watchdog.tshock_watchdog = True


class IdleRetirement:
    """ASGI wrapper: requests (websockets too) in flight and the time the last one ended; once Prefect's startup
    is complete, a thread retires the server after `idle_s` with none (never when `idle_s` is 0). At that moment,
    too, a fresh home's migrated database is kept as the template (`template_home`)."""

    def __init__(self, app, idle_s: float, template_home: Path | None = None) -> None:
        self.app, self.idle_s, self.template_home = app, idle_s, template_home
        self.in_flight, self.last = 0, time.monotonic()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":

            async def announce(message):
                if message["type"] == "lifespan.startup.complete":  # migrations done: the idle clock starts now
                    if self.template_home is not None:
                        from flows.pipeline import prefect_template

                        prefect_template.keep(self.template_home)
                    self.last = time.monotonic()
                    if self.idle_s > 0:
                        threading.Thread(target=self._retire_when_idle, name="idle-retirement", daemon=True).start()
                await send(message)

            return await self.app(scope, receive, announce)
        self.in_flight += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.last = time.monotonic()

    def idle(self) -> bool:
        return self.in_flight == 0 and time.monotonic() - self.last >= self.idle_s

    def _retire_when_idle(self) -> None:
        import signal

        from flows.pipeline import shared_server

        home = shared_server.prefect_home()
        while True:
            time.sleep(max(0.2, min(5.0, self.idle_s / 10)))
            if not self.idle():
                continue
            with shared_server.locked(home):  # a command that found this server has touched it by now
                if not self.idle():
                    continue
                shared_server.forget(home, os.getpid())
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown, Prefect's lifespan end
            return


def app():
    """uvicorn factory of the temporary server: Prefect's app, retired when idle if shared, keeping a fresh home's
    migrations."""
    from prefect.server.api.server import create_app

    from flows.pipeline import prefect_migrate
    from flows.pipeline.prefect_server import IDLE_S_ENV, TEMPLATE_HOME_ENV

    template = os.environ.get(TEMPLATE_HOME_ENV)
    if template:  # a fresh home: Prefect's lifespan then finds its database at the head revision
        prefect_migrate.migrate_or_leave_to_prefect(Path(template) / "prefect.db")
    return IdleRetirement(create_app(), float(os.environ.get(IDLE_S_ENV) or 0), Path(template) if template else None)


if __name__ == "__main__":
    parent = int(sys.argv[1])  # 0: a shared server, retired when idle instead
    if parent and os.getppid() != parent:  # the parent died before we got here
        sys.exit(0)
    if parent:
        threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()
    import uvicorn.main

    sys.argv = ["uvicorn", *sys.argv[2:]]
    sys.exit(uvicorn.main.main())
