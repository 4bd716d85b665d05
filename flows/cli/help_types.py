"""Help that shows flags as flags and paths as paths, whatever typer's version."""

from __future__ import annotations


def readable_help_types() -> None:
    """typer ≥ 0.29 prints each parameter's Python type in help: `--json <bool>` (as if it took a value: `--json
    true` fails), `--db <str>`. Flags take no value, so show none; values show their metavar (PATH, DIR, NAME) or
    a plain upper-case kind. Older typers lack display_type_rich and print click's forms already."""
    from typer import core

    base = getattr(core, "_TyperParameter", None)
    if base is None or not hasattr(base, "display_type_rich") or getattr(base, "_tshock_readable", False):
        return
    words = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER", "<list[str]>": "TEXT", "<Path>": "PATH"}
    # Parameters that name files or folders say so, across every command group (`--db <str>` → `--db PATH`).
    by_name = {
        "db": "PATH",
        "output": "PATH",
        "offline": "DIR",
        "reports_dir": "DIR",
        "directory": "DIR",
        "scenario": "NAME",
        "source": "NAME",
        "spec": "FILE",
    }

    def show(orig):
        def display(self, ctx):
            if getattr(self, "is_flag", False) or getattr(self, "count", False):
                return None
            if self.metavar is not None:
                return self.metavar
            if self.name in by_name:
                return by_name[self.name]
            text = orig(self, ctx)
            return words.get(text, text.strip("<>").upper() if isinstance(text, str) else text)

        return display

    for cls in (base, core.TyperArgument, core.TyperOption):
        if "display_type_rich" in cls.__dict__:
            cls.display_type_rich = show(cls.__dict__["display_type_rich"])
    base._tshock_readable = True
