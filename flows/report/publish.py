"""Publishing reports: a day's folder is built aside and swapped in whole; the index lists every dated report.

Layout: `reports/YYYY-MM-DD/<scenario>/…`, `reports/YYYY-MM-DD/index.html` (that day's scenarios and run
manifest `run.json`), `reports/index.html` (every day). The date is the run date.

Atomicity: `staging_dir` creates a hidden sibling `reports/.YYYY-MM-DD.building-<pid>-XXXX/`; when it is
complete, `publish_day` exchanges it with `reports/YYYY-MM-DD/` in one `renameat2(RENAME_EXCHANGE)` call (Linux),
so a reader sees either the old day or the new one, never a mix or a half-written folder; elsewhere it falls back
to two renames (the day is briefly absent, never partial). Scenarios of the old day that this run did not produce
are carried over into the new folder, so `tshock run --scenario X` does not drop the day's other reports.

A run killed mid-build (kill -9, power loss) leaves only hidden names behind: its staging folder, the old day
it was removing, a temp index. Each carries the writer's pid; `sweep_abandoned` removes those whose process is
gone when the next build starts (tests/reliability/test_crash_reports.py kills report runs to prove all this).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from flows.report.render import environment, headline

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


# Hidden names a writer uses while it works; the pid says whose they are.
_LEFTOVER = (re.compile(r"^\..+\.(?:building|old)-(\d+)-"), re.compile(r"^\..+\.(\d+)\.tmp$"))


def staging_dir(reports_dir: Path, run_date: date) -> Path:
    """An empty hidden folder beside the day's folder, on the same file system (so the swap is a rename)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    sweep_abandoned(reports_dir)
    return Path(tempfile.mkdtemp(prefix=f".{run_date.isoformat()}.building-{os.getpid()}-", dir=reports_dir))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_abandoned(folder: Path) -> list[str]:
    """Remove the staging folders, old days and temp files that killed writers left in `folder`: hidden names
    whose pid is no longer running. A live writer's (this process's included) are kept; returns what went."""
    removed = []
    for p in sorted(folder.iterdir()) if folder.is_dir() else ():
        m = next((m for rx in _LEFTOVER if (m := rx.match(p.name))), None)
        if m is None or _alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def swap_in(staged: Path, target: Path) -> None:
    """Make the complete folder `staged` appear at `target` in one step and remove what was there.

    A rename when `target` is absent (or empty), else an exchange, after which `staged` holds the old folder
    under its hidden name and is removed. Without renameat2: two renames (target briefly absent, never partial)."""
    try:
        os.rename(staged, target)
        return
    except OSError:
        if not target.is_dir():
            raise
    if exchange(staged, target):
        shutil.rmtree(staged, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(target, old)
    os.rename(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the platform cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def scenario_dirs(day_dir: Path) -> list[Path]:
    return (
        sorted(p for p in day_dir.iterdir() if p.is_dir() and (p / "results.json").is_file())
        if day_dir.is_dir()
        else []
    )


def carry_over(staged: Path, day_dir: Path) -> list[str]:
    """Copy scenarios of the published day that the staged build lacks; returns their names."""
    carried = []
    # Sweep reports (sweep-<name>/) are written by `tshock scenario sweep`, not by this build: keep them too.
    sweeps = sorted(p for p in day_dir.glob("sweep-*") if p.is_dir()) if day_dir.is_dir() else []
    for old in scenario_dirs(day_dir) + sweeps:
        if not (staged / old.name).exists():
            shutil.copytree(old, staged / old.name)
            carried.append(old.name)
    return carried


def sweep_entries(day_dir: Path, prefix: str = "") -> list[dict]:
    """The day's sweep reports (sweep-<name>/, written by `tshock scenario sweep`): name, description, cells."""
    out = []
    for d in sorted(day_dir.glob("sweep-*")) if day_dir.is_dir() else []:
        if not (d / "index.html").is_file():
            continue
        try:
            meta = json.loads((d / "sweep.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        out.append(
            {
                "name": meta.get("name", d.name.removeprefix("sweep-")),
                "href": f"{prefix}{d.name}/index.html",
                "csv": f"{prefix}{d.name}/sweep.csv",
                "description": meta.get("description", ""),
                "cells": len(meta.get("cells", [])),
                "base": meta.get("base", ""),
            }
        )
    return out


def write_day_index(day_dir: Path, run_date: date, manifest: dict | None = None) -> Path:
    from flows.report.charts import scenario_comparison
    from flows.report.downloads import CSV_FILES

    results = [json.loads((d / "results.json").read_text(encoding="utf-8")) for d in scenario_dirs(day_dir)]
    rows = [
        headline(r) | {"href": f"{d.name}/index.html", "folder": d.name}
        for d, r in zip(scenario_dirs(day_dir), results, strict=True)
    ]
    compare_svg = scenario_comparison(results)
    if compare_svg:
        (day_dir / "comparison.svg").write_text(compare_svg, encoding="utf-8")
    html = (
        environment()
        .get_template("day.html.j2")
        .render(
            day=run_date.isoformat(),
            rows=rows,
            manifest=manifest or {},
            compare_svg=compare_svg,
            csv_files=CSV_FILES,
            sweeps=sweep_entries(day_dir),
        )
    )
    return _write_atomic(day_dir / "index.html", html)


def refresh_indexes(reports_dir: Path, run_date: date) -> None:
    """Rewrite a published day's page and reports/index.html (a sweep report was added to the day)."""
    day_dir = Path(reports_dir) / run_date.isoformat()
    try:
        manifest = json.loads((day_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    write_day_index(day_dir, run_date, manifest)
    write_index(Path(reports_dir))


def publish_day(staged: Path, reports_dir: Path, run_date: date, manifest: dict | None = None) -> Path:
    """Make `staged` the day's folder: carry over missing scenarios, write the day index, swap, clean up."""
    day_dir = reports_dir / run_date.isoformat()
    carried = carry_over(staged, day_dir)
    manifest = dict(manifest or {})
    if carried:
        manifest["carried_over"] = carried
    (staged / "run.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    write_day_index(staged, run_date, manifest)
    os.chmod(staged, 0o755)  # mkdtemp makes it 0700; the published folder is an ordinary one
    swap_in(staged, day_dir)
    write_index(reports_dir)
    return day_dir


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def write_index(reports_dir: Path) -> Path:
    """reports/index.html: every dated folder, newest first, each scenario with its headline numbers."""
    days = []
    for d in sorted((p for p in reports_dir.iterdir() if p.is_dir() and DAY.match(p.name)), reverse=True):
        rows = []
        for s in scenario_dirs(d):
            try:
                rows.append(
                    headline(json.loads((s / "results.json").read_text(encoding="utf-8")))
                    | {"href": f"{d.name}/{s.name}/index.html"}
                )
            except (OSError, ValueError, KeyError):
                rows.append({"name": s.name, "href": f"{d.name}/{s.name}/index.html", "broken": True})
        days.append(
            {
                "day": d.name,
                "href": f"{d.name}/index.html",
                "rows": rows,
                "sweeps": sweep_entries(d, prefix=f"{d.name}/"),
            }
        )
    html = environment().get_template("index.html.j2").render(days=days)
    return _write_atomic(reports_dir / "index.html", html)


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
