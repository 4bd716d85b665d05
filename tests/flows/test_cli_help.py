"""Help shows flags as flags and paths as paths: `--json` takes no value (typer ≥ 0.29 printed `--json <bool>`,
and `--json true` fails), `--db PATH`, `--reports-dir DIR`; every command of the README's table has help."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import REPO

COMMANDS = [
    ["run"],
    ["serve"],
    ["refresh"],
    ["snapshot", "export"],
    ["sql"],
    ["db"],
    ["calibrate"],
    ["calibrate", "list"],
    ["calibrate", "show"],
    ["calibrate", "backtest"],
    ["scenario", "list"],
    ["scenario", "run"],
    ["scenario", "show"],
    ["scenario", "diff"],
    ["scenario", "schema"],
    ["scenario", "backcast"],
    ["scenario", "sweep"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_help_shows_flags_as_flags_and_paths_as_paths(cmd):
    res = CliRunner().invoke(app, [*cmd, "--help"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "<bool>" not in res.stdout and "<str>" not in res.stdout, res.stdout
    if "--db" in res.stdout:
        assert re.search(r"--db\s+PATH", res.stdout)
    if "--json" in res.stdout:
        assert not re.search(r"--json\s+(TEXT|BOOL|BOOLEAN|<)", res.stdout)


def test_the_readme_lists_every_command():
    readme = (REPO / "README.md").read_text()
    for cmd in COMMANDS:
        if cmd[-1] == "serve" or len(cmd) == 1 or cmd[0] in ("scenario", "snapshot", "calibrate"):
            assert f"tshock {' '.join(cmd)}" in readme, cmd
    for doc in (
        "docs/queries.md",
        "docs/model.md",
        "docs/calibration.md",
        "docs/scenarios.md",
        "docs/api.md",
        "docs/warehouse.md",
        "docs/examples/analyst.ipynb",
    ):
        assert f"]({doc})" in readme, doc


def test_the_reproduce_command_keeps_every_option_used():
    from flows.cli.run import reproduce_command

    assert (
        reproduce_command(None, 200, "w.duckdb", "out", no_refresh=True)
        == "uv run tshock run --no-refresh --draws 200 --db w.duckdb --reports-dir out"
    )
    assert reproduce_command("../shared/snapshot", None, None, None) == "uv run tshock run --offline ../shared/snapshot"
