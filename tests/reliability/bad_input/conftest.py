"""Fixtures of the bad-input tests: a private copy of the offline warehouse with one real calibration stored
(one per test module), the scratch files the cases name, the warehouse's state before the cases, and `tshock`,
the CLI run in-process failing on any Prefect start and reporting any change to the warehouse."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.reliability.bad_input.harness import AS_OF, file_state, tables_and_views
from tests.reliability.helpers import copy_warehouse


@pytest.fixture(scope="module")
def warehouse(offline_warehouse, tmp_path_factory) -> Path:
    """A private copy with one real calibration stored, as tests/flows/test_scenario.py stores it."""
    from calibration.estimate import calibrate
    from calibration.inputs import load_inputs
    from flows.pipeline.records import store_calibration
    from flows.pipeline.versioning import code_version
    from warehouse.db import session

    db = copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("bad-input-commands") / "data")
    with session(db) as con:
        assert store_calibration(con, calibrate(load_inputs(con, AS_OF), AS_OF, code_version("calibration")))
    return db


@pytest.fixture(scope="module")
def paths(warehouse, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("bad-input-files")
    (tmp / "a_file").write_text("not a directory")
    (tmp / "dir.yaml").mkdir()
    (tmp / "binary.yaml").write_bytes(b"name: x\ndescription: \xff\xfe\x00\n")
    (tmp / "list.yaml").write_text("- 100\n- 300\n")
    (tmp / "bad.yaml").write_text("name: x\ndescription: [unclosed\n")
    (tmp / "empty.yaml").write_text("")
    (tmp / "bad-base.yaml").write_text(
        "name: s\nsizes_usd_bn: [100]\nmonths: [1]\nbase: {name: b, description: d, anchor: 2026-13-01}\n"
    )
    return {
        "db": str(warehouse),
        "tmp": str(tmp),
        "missing": str(tmp / "none.duckdb"),
        "file": str(tmp / "a_file"),
        "dir_yaml": str(tmp / "dir.yaml"),
        "binary": str(tmp / "binary.yaml"),
        "list_yaml": str(tmp / "list.yaml"),
        "bad_base": str(tmp / "bad-base.yaml"),
        "bad_yaml": str(tmp / "bad.yaml"),
        "empty_yaml": str(tmp / "empty.yaml"),
    }


@pytest.fixture(scope="module")
def before(warehouse) -> dict:
    return {"files": file_state(warehouse), "data": tables_and_views(warehouse)}


@pytest.fixture
def tshock(monkeypatch, capsys, warehouse, before, paths):
    """Run the CLI in-process; afterwards check that nothing started Prefect and the warehouse is unchanged."""
    import flows.cli.run
    import flows.pipeline.calibrate
    import flows.pipeline.refresh
    import flows.pipeline.sweep

    def no_prefect(*_, **__):
        pytest.fail("bad input reached a Prefect flow")

    for module, name in (
        (flows.cli.run, "start_temporary_server"),
        (flows.pipeline.refresh, "refresh_flow"),
        (flows.pipeline.calibrate, "calibrate_flow"),
        (flows.pipeline.sweep, "compute"),
    ):
        monkeypatch.setattr(module, name, no_prefect)

    def run(args: list[str]) -> tuple[int, str, str, list[str]]:
        """(exit code, stdout, stderr, what the command changed that it must not have)."""
        monkeypatch.setattr(sys, "argv", ["tshock", *(a.format(**paths) for a in args)])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out, err = capsys.readouterr()
        changed = []
        for what, made in (
            ("a missing warehouse was created", Path(paths["missing"])),
            ("a reports folder was created", Path(paths["tmp"], "r")),
        ):
            if made.exists():
                changed.append(what)
                shutil.rmtree(made) if made.is_dir() else made.unlink()
        # The fingerprint (~0.1 s) only when the file was touched: a read-only open leaves it as it was.
        if file_state(warehouse) != before["files"]:
            now = tables_and_views(warehouse)
            if now != before["data"]:
                changed.append("the warehouse changed")
            # later cases compare with the new state: each change fails one case, not all that follow
            before.update(files=file_state(warehouse), data=now)
        return code, out, err, changed

    return run
