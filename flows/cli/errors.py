"""The CLI's one error boundary: every exception a command raises becomes one `error:` line and an exit code here,
never a traceback. `TshockGroup` (the app's click group) applies it once, around the whole invocation, so the
installed `tshock`, `python -m flows.cli` and tests driving `app` through typer's CliRunner behave alike.

Exit codes: 2 for the user's input (bad options, specs, names, an as-of or a run the data cannot serve), 1 for
the environment (a missing, locked or corrupt warehouse, a failed fetch, a Prefect server that did not start).
`tshock run` is the exception that proves the rule: it has already refreshed when a stage finds the data cannot
support it, so that is exit 1 there (reports already published stay as they were)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import typer
from typer.core import TyperGroup


class UserError(Exception):
    """Bad input from the user: exit code 2."""


@dataclass(frozen=True)
class Policy:
    data_exit: int  # exit code when the data cannot support the command (ModelError, RecordNotFound, ...)
    fold_data: bool  # fold a spec or data error's whitespace into one line (pydantic's spec errors span lines)
    fold_user: bool  # the same for UserError


DEFAULT = Policy(data_exit=2, fold_data=False, fold_user=False)
POLICIES = {
    "run": Policy(data_exit=1, fold_data=True, fold_user=False),
    "scenario": Policy(data_exit=2, fold_data=True, fold_user=True),
}

# A path the user gave that cannot be a file name: their input, so exit 2 like any other bad argument.
BAD_PATH_ERRNOS = {36, 22}  # ENAMETOOLONG, EINVAL


def _loaded(module: str, name: str) -> type | None:
    """An exception class looked up, not imported: if its module is not loaded, nothing raised it, and importing
    it here would cost seconds (calibration.estimate pulls in statsmodels)."""
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def _is(exc: BaseException, *where: tuple[str, str]) -> bool:
    classes = tuple(c for m, n in where if (c := _loaded(m, n)) is not None)
    return bool(classes) and isinstance(exc, classes)


SPEC = ("model.spec", "SpecError")
DATA = (
    ("model", "ModelError"),
    ("warehouse.repository", "RecordNotFound"),
    ("calibration.estimate", "CalibrationError"),
)
ENVIRONMENT = (
    ("warehouse.location", "WarehouseError"),  # warehouse.db re-exports it
    ("flows.http", "FetchError"),
    ("flows.pipeline.prefect_server", "ServerStartError"),
)


def one_line(exc: BaseException, command: str | None) -> tuple[str, int] | None:
    """The `error:` line(s) and exit code for `exc` raised by `tshock COMMAND`; None for what is not ours (a bug:
    its traceback is the useful report). Click's own exits are handled by the group."""
    policy = POLICIES.get(command or "", DEFAULT)

    def text(e: BaseException, fold: bool) -> str:
        return " ".join(str(e).split()) if fold else str(e)

    if isinstance(exc, UserError):
        return f"error: {text(exc, policy.fold_user)}", 2
    if _is(exc, SPEC):  # the user's spec, refused (also by data refreshed since it was checked)
        return f"error: {text(exc, policy.fold_data)}", 2
    if _is(exc, *DATA):
        return f"error: {text(exc, policy.fold_data)}", policy.data_exit
    if _is(exc, *ENVIRONMENT):
        return f"error: {exc}", 1
    clicks = _click_modules()
    if isinstance(exc, typer.BadParameter | typer.Abort):
        return f"error: {bad_parameter(exc)}", 2
    if isinstance(exc, tuple(m.exceptions.UsageError for m in clicks)):
        lines = f"error: {usage_message(exc)}"
        if exc.ctx is not None:
            lines += f"\nsee: {exc.ctx.command_path} --help"
        return lines, 2
    if isinstance(exc, tuple(m.exceptions.ClickException for m in clicks)):
        return f"error: {exc.format_message()}", exc.exit_code
    if isinstance(exc, OSError):  # a path no command checked (300 characters, a device): one line, not a trace
        return f"error: {os_error_line(exc)}", 2 if exc.errno in BAD_PATH_ERRNOS else 1
    return None


class TshockGroup(TyperGroup):
    """The app's group: runs the command with click's standalone mode off (so errors reach us, not click's
    printer) and ends the process with the code `one_line` gives."""

    invoked: str | None = None

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        self.invoked = cmd.name if cmd is not None else name
        return name, cmd, rest

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from flows.cli.console import err

        try:
            rc = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as exc:
            if isinstance(exc, tuple(e for m in _click_modules() if (e := getattr(m.exceptions, "Exit", None)))):
                rc = exc.exit_code
            else:
                mapped = one_line(exc, self.invoked)
                if mapped is None:
                    raise
                message, code = mapped
                err.print(message, markup=False, highlight=False, soft_wrap=True)
                sys.exit(code)
        # standalone_mode=False returns exit codes (typer.Exit(1) from a command) instead of raising them
        if isinstance(rc, int) and rc:
            sys.exit(rc)
        return rc


def short(text: object, limit: int = 80) -> str:
    """Echo at most `limit` characters of user input (a 300-character path or a hostile value stays readable)."""
    s = str(text)
    return s if len(s) <= limit else f"{s[: limit // 2]}…{s[-(limit // 2 - 1) :]} ({len(s)} characters)"


def os_error_line(exc: OSError) -> str:
    where = f"{short(exc.filename)}: " if exc.filename else ""
    return f"{where}{exc.strerror or type(exc).__name__}"


def usage_message(exc) -> str:
    """click's message; a group called without a command has none (its help went to stdout): say what is missing."""
    message = exc.format_message()
    listing = getattr(getattr(exc.ctx, "command", None), "list_commands", None)
    if not message.strip() and listing is not None:
        return f"`{exc.ctx.command_path}` needs a command: {', '.join(listing(exc.ctx))}"
    return message


def bad_parameter(exc: Exception) -> str:
    """typer checks option types with pydantic and its message names neither the option nor the value
    ("Input should be a valid integer"): add both, as "Invalid value for '--draws': 'abc' is not valid: …"."""
    missing = tuple(m.exceptions.MissingParameter for m in _click_modules())
    if not isinstance(exc, typer.BadParameter) or isinstance(exc, missing):
        return str(exc)  # Abort, and "Missing parameter: NAME", which names it already
    errors = getattr(exc.__cause__, "errors", None)
    if callable(errors) and errors() and "input" in errors()[0]:
        exc.message = f"{errors()[0]['input']!r} is not valid: {exc.message}"
    return exc.format_message()


def _click_modules() -> list:
    """typer ≥ 0.29 vendors click as typer._click; older ones use click itself. Handle both."""
    import click

    mods = [click]
    try:
        import typer._click as vendored

        mods.append(vendored)
    except ImportError:
        pass
    return mods
