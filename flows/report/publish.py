"""Publishing reports: a day's folder is built aside and swapped in whole; the index lists every dated report.

Layout: `reports/YYYY-MM-DD/<scenario>/…`, `reports/YYYY-MM-DD/index.html` (that day's scenarios and run
manifest `run.json`), `reports/index.html` (every day). The date is the run date.

Atomicity: `staging_dir` creates a hidden sibling `reports/.YYYY-MM-DD.building-XXXX/`; when it is complete,
`publish_day` exchanges it with `reports/YYYY-MM-DD/` in one `renameat2(RENAME_EXCHANGE)` call (Linux), so a
reader sees either the old day or the new one, never a mix or a half-written folder; elsewhere it falls back to
two renames (the day is briefly absent, never partial). Scenarios of the old day that this run did not produce
are carried over into the new folder, so `tshock run --scenario X` does not drop the day's other reports.
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


def staging_dir(reports_dir: Path, run_date: date) -> Path:
    """An empty hidden folder beside the day's folder, on the same file system (so the swap is a rename)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{run_date.isoformat()}.building-", dir=reports_dir))


def _exchange(a: Path, b: Path) -> bool:
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
    return sorted(p for p in day_dir.iterdir() if p.is_dir() and (p / "results.json").is_file()) \
        if day_dir.is_dir() else []


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


def write_day_index(day_dir: Path, run_date: date, manifest: dict | None = None) -> Path:
    rows = [headline(json.loads((d / "results.json").read_text(encoding="utf-8")))
            | {"href": f"{d.name}/index.html"} for d in scenario_dirs(day_dir)]
    html = environment().get_template("day.html.j2").render(day=run_date.isoformat(), rows=rows,
                                                            manifest=manifest or {})
    return _write_atomic(day_dir / "index.html", html)


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
    try:
        os.rename(staged, day_dir)  # no day folder yet (an empty one is replaced too)
    except OSError:
        if _exchange(staged, day_dir):
            shutil.rmtree(staged, ignore_errors=True)  # staged now holds the old day
        else:
            old = reports_dir / f".{run_date.isoformat()}.old-{os.getpid()}"
            os.rename(day_dir, old)
            os.rename(staged, day_dir)
            shutil.rmtree(old, ignore_errors=True)
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
                rows.append(headline(json.loads((s / "results.json").read_text(encoding="utf-8")))
                            | {"href": f"{d.name}/{s.name}/index.html"})
            except (OSError, ValueError, KeyError):
                rows.append({"name": s.name, "href": f"{d.name}/{s.name}/index.html", "broken": True})
        days.append({"day": d.name, "href": f"{d.name}/index.html", "rows": rows})
    html = environment().get_template("index.html.j2").render(days=days)
    return _write_atomic(reports_dir / "index.html", html)


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
