"""The `tshock` command line: `app` (typer) and `main` (the installed script). Layout in docs/architecture.md."""

from flows.cli.entry import app, main

__all__ = ["app", "main"]
