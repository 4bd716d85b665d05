"""The sweep report: heat maps of the ten-year interest delta and the peak 10-year yield move over the grid (p50
in colour and text, the 90 % interval under it), the table, and the same table as CSV and JSON.

Layout: reports/YYYY-MM-DD/sweep-<name>/{index.html, sweep.csv, sweep.json}. The folder is built as a hidden
temporary sibling and renamed into place (swapped atomically with an existing one on Linux), so a reader sees
the old report or the new one, never half of one. Charts are matplotlib (Agg, no pyplot) rendered to SVG and
inlined; the SVG is deterministic (fixed hash salt, no date).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from markupsafe import Markup  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.colors import Normalize, TwoSlopeNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from flows.report.publish import refresh_indexes, swap_in, sweep_abandoned  # noqa: E402
from flows.report.render import environment  # noqa: E402
from warehouse.countries import HEADLINE_HOLDER

COLUMNS = [
    "cell_key",
    "size_usd_bn",
    "pct_of_debt",
    "months",
    "contagion",
    "backstop_share",
    "yield_10y_delta_bp_p5",
    "yield_10y_delta_bp_p50",
    "yield_10y_delta_bp_p95",
    "interest_10y_delta_usd_bn_p5",
    "interest_10y_delta_usd_bn_p50",
    "interest_10y_delta_usd_bn_p95",
    "interest_10y_delta_point_usd_bn",
    "first_fy_interest_over_20pct_outlays_p50",
    "reused",
]
METRICS = {  # column prefix, title, short title (charts), unit, number format
    "interest": (
        "interest_10y_delta_usd_bn",
        "Interest on marketable debt over ten years, scenario − baseline",
        "Ten-year interest delta",
        "$bn",
        "{:,.0f}",
    ),
    "yield": ("yield_10y_delta_bp", "Peak move of the 10-year yield", "Peak 10y yield move", "bp", "{:,.1f}"),
}


def cell_row(cell, results: dict, reused: bool) -> dict:
    """A cell's headline numbers: the peak 10y move (`yields.10y.peak_shift_bp`) and the ten-year interest delta
    (`interest.cumulative_10y_delta_usd_bn`), p5/p50/p95 over the draws."""
    y, i = results["yields"]["10y"]["peak_shift_bp"], results["interest"]["cumulative_10y_delta_usd_bn"]
    row = {
        "cell_key": cell.key,
        "size_usd_bn": cell.size_usd_bn,
        "pct_of_debt": results["sales"]["sellers_total_pct_of_debt"],
        "months": cell.months,
        "contagion": cell.contagion,
        "backstop_share": cell.backstop_share,
    }
    for q in ("p5", "p50", "p95"):
        row[f"yield_10y_delta_bp_{q}"] = y[q]
    for q in ("p5", "p50", "p95"):
        row[f"interest_10y_delta_usd_bn_{q}"] = i[q]
    row["interest_10y_delta_point_usd_bn"] = results["interest"]["cumulative_10y_delta_point_usd_bn"]
    row["first_fy_interest_over_20pct_outlays_p50"] = results["first_fy_interest_over_20pct_outlays"]["scenario_p50"]
    row["reused"] = reused
    return row


# --- heat maps -------------------------------------------------------------------------------------------------


def _norm(values: list[float]):
    lo, hi = min(values), max(values)
    if lo < 0 < hi:
        return TwoSlopeNorm(vmin=lo, vcenter=0.0, vmax=hi), "RdBu_r"
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    return Normalize(vmin=lo, vmax=hi), ("Reds" if lo >= 0 else "Blues_r")


def heatmap_svg(rows: list[dict], metric: str) -> str:
    """Sizes (rows) × months (columns), one panel per contagion × backstop pair, one colour scale for all."""
    prefix, _, title, unit, fmt = METRICS[metric]
    sizes = sorted({r["size_usd_bn"] for r in rows})
    months = sorted({r["months"] for r in rows})
    contagion = sorted({r["contagion"] for r in rows})
    backstop = sorted({r["backstop_share"] for r in rows})
    by = {(r["contagion"], r["backstop_share"], r["size_usd_bn"], r["months"]): r for r in rows}
    norm, cmap = _norm([r[f"{prefix}_p50"] for r in rows])
    # Cells big enough for a bold median and its interval on a second line at a readable size.
    w = 1.4 + 1.7 * len(months)
    h = 1.0 + 0.85 * len(sizes)
    fig = Figure(figsize=(max(w * len(backstop) + 1.2, 6.0), h * len(contagion) + 0.6), layout="constrained")
    axes = fig.subplots(len(contagion), len(backstop), squeeze=False)
    image = None
    for i, c in enumerate(contagion):
        for j, b in enumerate(backstop):
            ax = axes[i][j]
            grid = [
                [by[(c, b, s, m)][f"{prefix}_p50"] if (c, b, s, m) in by else float("nan") for m in months]
                for s in sizes
            ]
            image = ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto")
            for si, s in enumerate(sizes):
                for mi, m in enumerate(months):
                    r = by.get((c, b, s, m))
                    if r is None:
                        continue
                    p50 = r[f"{prefix}_p50"]
                    dark = abs(norm(p50) - 0.5) > 0.3 if cmap == "RdBu_r" else norm(p50) > 0.6
                    color = "white" if dark else "black"
                    ax.text(
                        mi,
                        si + 0.12,
                        fmt.format(p50),
                        ha="center",
                        va="center",
                        fontsize=11,
                        fontweight="bold",
                        color=color,
                    )
                    ax.text(
                        mi,
                        si - 0.2,
                        f"[{fmt.format(r[f'{prefix}_p5'])}, {fmt.format(r[f'{prefix}_p95'])}]",
                        ha="center",
                        va="center",
                        fontsize=8.5,
                        color=color,
                    )
            ax.set_xticks(range(len(months)), [f"{m} month{'s' if m != 1 else ''}" for m in months], fontsize=10)
            ax.set_yticks(range(len(sizes)), [f"${s:,.0f}bn" for s in sizes], fontsize=10)
            ax.set_xlabel("months over which the sale is spread", fontsize=10)
            ax.set_ylabel("sale", fontsize=10)
            ax.grid(False)
            ax.set_title(f"contagion ×{c:g} · Fed backstop {b:.0%}", fontsize=9)
    fig.colorbar(image, ax=axes, shrink=0.9, label=f"p50, {unit}")
    fig.suptitle(f"{title} ({unit}): p50 [p5, p95]", fontsize=10)
    buf = io.StringIO()
    with rc_context({"svg.hashsalt": "tshock-sweep", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


# --- files -----------------------------------------------------------------------------------------------------


def table_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if r[k] is None else r[k] for k in COLUMNS})
    return buf.getvalue()


def render_html(summary: dict) -> str:
    """The page: templates/sweep.html.j2 on the day pages' environment and style sheet (the template ends without
    a newline, as the page always did)."""
    figures = [
        {"title": f"{METRICS[m][1]} ({METRICS[m][3]})", "svg": Markup(heatmap_svg(summary["cells"], m))}
        for m in ("interest", "yield")
    ]
    sellers = summary["grid"].get("seller") or next(
        (s["country"] for s in summary["grid"]["base"].get("sellers", [])), HEADLINE_HOLDER
    )
    day = Path(summary.get("report_dir", "")).parent.name
    return environment().get_template("sweep.html.j2").render(s=summary, figures=figures, seller=sellers, day=day)


def write_report(summary: dict, reports_dir: Path, day: date) -> Path:
    """Write the report into reports_dir/YYYY-MM-DD/sweep-<name>/ atomically; returns that folder."""
    day_dir = Path(reports_dir) / day.isoformat()
    day_dir.mkdir(parents=True, exist_ok=True)
    target = day_dir / f"sweep-{summary['name']}"
    sweep_abandoned(day_dir)
    staged = Path(tempfile.mkdtemp(prefix=f".sweep-{summary['name']}.building-{os.getpid()}-", dir=day_dir))
    try:
        os.chmod(staged, 0o755)
        summary = {**summary, "report_dir": str(target)}
        (staged / "sweep.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (staged / "sweep.csv").write_text(table_csv(summary["cells"]), encoding="utf-8")
        (staged / "index.html").write_text(render_html(summary), encoding="utf-8")
        swap_in(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    refresh_indexes(Path(reports_dir), day)  # the day page and reports/index.html link the new sweep
    return target
