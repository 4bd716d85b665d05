"""Render one scenario's report folder from its results and the run's context (Jinja2 templates).

A scenario folder holds `index.html` (self-contained: inline CSS and SVG, no scripts, no network), `report.md`
(the same content for reading in a terminal or a git host, charts linked as files), `results.json` (the run's
JSON exactly as the model wrote it) and the chart files (`*.svg`).

Headline numbers are rendered through the `metric` macro: `<span data-metric="dotted.path" data-value=…>`, the
path pointing into results.json, so a test can check the page against the JSON it was made from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from flows.report import charts, downloads
from flows.report.claim_answers import BACKTEST_NAMES
from flows.report.claims import Claim, build_claims, for_scenario
from flows.report.explain import width_lines
from flows.report.fmt import FILTERS

TEMPLATES = Path(__file__).with_name("templates")
TENORS = ("3m", "2y", "5y", "10y", "30y")


@dataclass
class RunContext:
    """What every scenario report of one run shares."""

    run_date: date
    command: str
    code_version: str
    calibration: dict | None = None  # CalibrationRecord JSON
    calibration_reused: bool | None = None
    freshness: list[dict] = field(default_factory=list)  # rows of the `freshness` view
    backtests: dict[str, dict] = field(default_factory=dict)  # label → calibration.backtest() dict or {"error"}
    maturity: pd.DataFrame | None = None  # maturity_profile_yearly at the newest record date
    holdings: pd.DataFrame | None = None  # month, country, holdings_usd_bn, share_of_foreign_total
    claims: list[Claim] = field(default_factory=list)  # the brief's rows
    claims_source: str = ""
    day_claims: list[Claim] | None = None  # answered once for the run (build_claims); None: per page from peers
    shared_charts: dict[str, str | None] = field(default_factory=dict)
    # Failed and stale sources and the data date (see flows.pipeline.run.data_status); pages show a banner when a source
    # failed. None: no refresh this run, or nothing failed.
    data_status: dict | None = None

    def chart(self, name: str) -> str | None:
        """Charts that do not depend on the scenario are drawn once per run."""
        if name not in self.shared_charts:
            self.shared_charts[name] = (
                charts.maturity_wall(self.maturity) if name == "maturity" else charts.holdings_history(self.holdings)
            )
        return self.shared_charts[name]


def lookup(data: Any, path: str) -> Any:
    """'interest.by_fiscal_year.0.delta_interest_usd_bn.p50' → the value (list items by index)."""
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


@cache
def environment(html: bool = True) -> Environment:
    """Compiled templates are cached per process (compiling costs more than rendering). Markdown output is not
    HTML-escaped; its dollar signs are (`\\$`), since GitHub renders text between two `$` as math."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    if not html:
        for name in ("bn", "interval"):
            env.filters[name] = _md_escaped(FILTERS[name])
    env.filters["md"] = md_text if not html else (lambda text: text)
    # The spec sits in a ``` fence: a run of backticks in a description must not close it.
    env.filters["yaml"] = lambda d: (
        yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=100).rstrip().replace("```", "`\\`\\`")
    )
    return env


def md_text(text) -> str:
    """Text from a spec or the data as Markdown shows it, never as markup: Markdown passes raw HTML through,
    so a description's `<script>` would run in a viewer that renders report.md (issue 15)."""
    return html_escape(str(text), quote=False).replace("$", "\\$")


def _md_escaped(fn):
    return lambda *a, **k: fn(*a, **k).replace("$", "\\$")


def _calibration_rows(cal: dict | None) -> list[dict]:
    """The parameters a reader wants first: 10y h=0 by estimator, prior, posterior, then the relations."""
    if not cal:
        return []
    names = [
        "yield_impact",
        "yield_impact_long_run",
        "yield_impact_naive",
        "stock_effect",
        "contagion",
        "backstop_breakeven",
        "spillover_mortgage30",
        "spillover_japan10y",
        "spillover_breakeven10y",
    ]
    kinds = ["data_event_study", "data_custody_lp", "data_tic_lp", "data", "prior", "posterior"]
    keep = []
    for p in cal.get("params", []):
        head = p["name"].startswith("yield_impact") and p.get("tenor") == "10y" and p.get("horizon_months") in (0, None)
        if p["name"] in names and p["kind"] in kinds and (head or not p["name"].startswith("yield_impact")):
            keep.append(p)
    return sorted(keep, key=lambda p: (names.index(p["name"]), p["unit"], kinds.index(p["kind"])))


def context(result: dict, run: RunContext, peers: dict[str, dict], chart_files: dict[str, str]) -> dict:
    fys = result["interest"]["by_fiscal_year"]
    return {
        "r": result,
        "run": run,
        "lookup": lambda path: lookup(result, path),
        "tenors": [t for t in TENORS if t in result["yields"]],
        "price_tenors": [t for t in TENORS if isinstance(result["prices"].get(t), dict)],
        "fys": list(enumerate(fys)),
        "claims": for_scenario(day_claims(run, {**peers, result["name"]: result}), result["name"]),
        "why": width_lines(result),
        "backtests": [(BACKTEST_NAMES.get(k, k), v) for k, v in run.backtests.items()],
        "cal_rows": _calibration_rows(run.calibration),
        "cal_evidence": (run.calibration or {}).get("evidence") or {},
        "charts": chart_files,
        "spec_yaml": result["spec"],
        "warnings": result.get("warnings", []) + (run.calibration or {}).get("warnings", []),
        "caveats": (run.calibration or {}).get("caveats", []),
    }


def day_claims(run: RunContext, results: dict[str, dict]) -> list[Claim]:
    if run.day_claims is not None:
        return run.day_claims
    return build_claims(run.claims, results, run.calibration, run.backtests, run.holdings)


def render_charts(result: dict, run: RunContext) -> dict[str, str]:
    """name → SVG text, in the order the report shows them (missing warehouse views leave charts out)."""
    out = {
        "yields": charts.yield_fan(result),
        "interest": charts.interest_bill(result),
        "share": charts.interest_share(result),
    }
    for name in ("maturity", "holdings"):
        svg = run.chart(name)
        if svg:
            out[name] = svg
    return out


def write_scenario_report(
    out_dir: Path, result_json: str, run: RunContext, peers: dict[str, dict] | None = None
) -> Path:
    """Write one scenario's folder into `out_dir` (created); returns the index.html path."""
    result = json.loads(result_json)
    out_dir.mkdir(parents=True, exist_ok=True)
    svgs = render_charts(result, run)
    for name, svg in svgs.items():
        (out_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
    env = environment()
    ctx = context(result, run, peers or {}, svgs)
    (out_dir / "results.json").write_text(result_json, encoding="utf-8")
    downloads.write_csvs(result, out_dir)
    (out_dir / "index.html").write_text(env.get_template("report.html.j2").render(ctx), encoding="utf-8")
    (out_dir / "report.md").write_text(
        environment(html=False).get_template("report.md.j2").render(ctx), encoding="utf-8"
    )
    return out_dir / "index.html"


def headline(result: dict) -> dict:
    """The few numbers the index pages list per scenario."""
    f = result["first_fy_interest_over_20pct_outlays"]
    return {
        "name": result["name"],
        "description": result["description"],
        "cum": result["interest"]["cumulative_10y_delta_usd_bn"],
        "peak10": result["yields"].get("10y", {}).get("peak_shift_bp"),
        "first_base": f["baseline"],
        "first_scen": f["scenario_p50"],
        "anchor": result["anchor"],
        "calibration_id": result["calibration_id"],
    }


# --- many reports at once ----------------------------------------------------------------------------------------

_JOB: dict = {}  # what forked workers inherit: the run context and the peers (never pickled)


def report_workers(jobs: int) -> int:
    """Worker processes for rendering: this process plus one per idle core (cores minus the 1-minute load
    average, like `make -l`), at most one per job; 1 where fork is unavailable. Forking onto busy cores only
    adds contention. TSHOCK_REPORT_WORKERS overrides (1 renders in this process)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = int(os.environ.get("TSHOCK_REPORT_WORKERS", "0") or 0)
    if not wanted:
        cores = os.cpu_count() or 1
        idle = cores - os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        wanted = min(cores, 1 + int(max(idle, 0.0)))
    return max(1, min(wanted, jobs))


def _die_with_parent(parent: int) -> None:
    """Pool initializer: a render worker ends when the run that forked it dies, even by kill -9.

    concurrent.futures workers otherwise wait on their job queue for ever once the parent is gone, each holding
    a copy of the run's memory (tests/reliability/test_crash_reports.py found them). Linux: the kernel sends
    SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG); the getppid check covers a parent that died before."""
    import ctypes
    import ctypes.util
    import os
    import signal

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: Ctrl-C still reaches the whole process group
        pass
    if os.getppid() != parent:
        os._exit(1)


def _render_job(out_dir: str, result_json: str, command: str) -> str:
    run = replace(_JOB["run"], command=command)
    write_scenario_report(Path(out_dir), result_json, run, _JOB["peers"])
    return Path(out_dir).name


def write_reports(
    staged: Path, jobs: list[tuple[str, str, str]], run: RunContext, peers: dict[str, dict], on_done=None
) -> list[str]:
    """Render (name, results JSON, command) jobs into `staged/<name>/`; in forked workers when there are cores
    to spare (charts are CPU-bound Python). Returns the names written; the first failure is raised."""
    workers = report_workers(len(jobs))
    done: list[str] = []
    if workers == 1:
        for name, text, command in jobs:
            write_scenario_report(staged / name, text, replace(run, command=command), peers)
            done.append(name)
            if on_done:
                on_done(name)
        return done
    import multiprocessing
    import os
    import warnings
    from concurrent.futures import ProcessPoolExecutor, as_completed

    for name in ("maturity", "holdings"):
        run.chart(name)  # shared charts drawn once, before the fork, so every worker inherits them
    environment(), environment(html=False)  # compiled templates inherited too
    _JOB.update(run=run, peers=peers)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads; workers only render
            with ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                futures = [pool.submit(_render_job, str(staged / name), text, command) for name, text, command in jobs]
                for f in as_completed(futures):
                    name = f.result()
                    done.append(name)
                    if on_done:
                        on_done(name)
    finally:
        _JOB.clear()
    return done
