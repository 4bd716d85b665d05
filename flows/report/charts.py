"""Report charts: matplotlib (Agg, no pyplot state) rendered to SVG strings that are inlined in index.html and
also written as chart files. Every SVG is deterministic (fixed hash salt, no date) and has its element ids
prefixed so several charts can live in one HTML document without id clashes."""

from __future__ import annotations

import io
import re
from datetime import date
from html import escape

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import rcParams  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, FuncFormatter, MaxNLocator, MultipleLocator  # noqa: E402

from warehouse.countries import HEADLINE_HOLDER

rcParams.update(
    {
        "svg.hashsalt": "tshock",  # stable ids → byte-identical charts for identical numbers
        "svg.fonttype": "path",  # glyphs as paths: no font files, nothing to fetch
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
    }
)

BASE = "#6b7280"  # baseline: grey
SCEN = "#b91c1c"  # scenario: red
BAND = "#fca5a5"
CLASS_COLORS = {"Bills": "#93c5fd", "Notes": "#2563eb", "Bonds": "#1e3a8a", "TIPS": "#f59e0b", "FRN": "#10b981"}
TENOR_TITLES = {"3m": "3-month", "2y": "2-year", "5y": "5-year", "10y": "10-year", "30y": "30-year"}

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def to_svg(fig: Figure, prefix: str, title: str) -> str:
    """The figure as an <svg> element (no XML prolog/doctype), ids prefixed with `prefix`, labelled `title`."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    ids = set(_ID.findall(text))
    text = _REF.sub(lambda m: m.group(1) + (f"{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(2)), text)
    # matplotlib leaves the root <svg> unlabeled; screen readers get the chart's title.
    head, rest = text.split(">", 1)
    label = escape(title, quote=True)
    return f'{head} role="img" aria-label="{label}"><title>{label}</title>{rest}'


def _years(anchor: str | date, n: int) -> np.ndarray:
    """Month ends after the anchor as fractional years (2026-10-31 → 2026.83): plain numbers keep the tick
    machinery cheap compared with date axes."""
    a = pd.Timestamp(anchor)
    return a.year + (a.month + np.arange(1, n + 1)) / 12.0


def yield_fan(result: dict) -> str:
    """Yield paths by tenor: baseline, scenario median and the p5–p95 band over the draws."""
    fig = Figure(figsize=(10, 5.4))
    axes = fig.subplots(2, 3, sharex=True).ravel()
    tenors = [t for t in ("3m", "2y", "5y", "10y", "30y") if t in result["yields"]]
    for ax, tenor in zip(axes, tenors, strict=False):
        y = result["yields"][tenor]
        path = {q: np.asarray(v, dtype=float) / 100.0 for q, v in y["path_bp"].items()}
        x = _years(result["anchor"], len(path["p50"]))
        base = y["baseline_pct"]
        ax.fill_between(x, base + path["p5"], base + path["p95"], color=BAND, alpha=0.55, lw=0, label="p5–p95")
        ax.plot(x, np.full(len(x), base), color=BASE, ls="--", lw=1.2, label="anchor's curve")
        ax.plot(x, base + path["p50"], color=SCEN, lw=1.6, label="scenario median")
        ax.set_title(f"{TENOR_TITLES.get(tenor, tenor)} yield, %")
    legend_ax = axes[len(tenors)] if len(tenors) < len(axes) else None
    for ax in axes[len(tenors) :]:
        ax.axis("off")
    for i in range(max(0, len(tenors) - 3), min(3, len(tenors))):
        axes[i].xaxis.set_tick_params(labelbottom=True)  # top-row panels with no panel below keep their years
    if legend_ax is not None and tenors:
        handles, labels = axes[0].get_legend_handles_labels()
        legend_ax.legend(handles, labels, loc="center", frameon=False, fontsize=10)
    for ax in axes[: len(tenors)]:
        ax.xaxis.set_major_locator(MultipleLocator(2))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    fig.suptitle(f"Yields after the shock ({result['draws']} draws)", fontweight="bold")
    fig.subplots_adjust(left=0.05, right=0.99, top=0.89, bottom=0.07, hspace=0.3, wspace=0.18)
    return to_svg(fig, "chart-yields", "Yield paths by tenor: baseline, scenario median and p5-p95 band")


def _fy_frame(result: dict) -> pd.DataFrame:
    rows = result["interest"]["by_fiscal_year"]
    return pd.DataFrame(
        {
            "fy": [r["fiscal_year"] for r in rows],
            "months": [r["months"] for r in rows],
            "base": [r["baseline_interest_usd_bn"] for r in rows],
            "cbo": [r["cbo_net_interest_usd_bn"] for r in rows],
            "model": [r.get("model_interest_usd_bn") for r in rows],
            **{f"s_{q}": [r["scenario_interest_usd_bn"][q] for r in rows] for q in ("p5", "p50", "p95")},
            "share_base": [r["baseline_interest_share_outlays_pct"] for r in rows],
            **{f"share_{q}": [r["scenario_interest_share_outlays_pct"][q] for r in rows] for q in ("p5", "p50", "p95")},
        }
    )


def interest_bill(result: dict) -> str:
    """Federal interest by fiscal year: CBO's net interest as the baseline, the scenario (baseline + the model's
    delta) with its band, and the model's own baseline for the reconciliation."""
    df = _fy_frame(result)
    df = df[df["months"] == 12] if (df["months"] == 12).any() else df
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    ax.fill_between(df["fy"], df["s_p5"], df["s_p95"], color=BAND, alpha=0.55, lw=0, label="scenario p5–p95")
    ax.plot(df["fy"], df["base"], color=BASE, marker="o", ms=3, lw=1.5, label="baseline: CBO net interest")
    ax.plot(df["fy"], df["s_p50"], color=SCEN, marker="o", ms=3, lw=1.8, label="scenario median")
    if df["model"].notna().any():
        ax.plot(df["fy"], df["model"], color="#111827", ls=":", lw=1.2, label="model's own baseline (gross)")
    ax.set_title("Federal interest by fiscal year, $ billions")
    ax.set_xticks(df["fy"])
    ax.legend(frameon=False, ncols=4, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.1)
    return to_svg(fig, "chart-interest", "Interest on marketable debt by fiscal year, baseline vs scenario")


def interest_share(result: dict) -> str:
    """Interest as a share of outlays, with the brief's 20 % line."""
    df = _fy_frame(result)
    df = df[df["months"] == 12] if (df["months"] == 12).any() else df
    threshold = result["first_fy_interest_over_20pct_outlays"]["threshold_pct"]
    fig = Figure(figsize=(10, 3.4))
    ax = fig.subplots()
    ax.fill_between(df["fy"], df["share_p5"], df["share_p95"], color=BAND, alpha=0.55, lw=0, label="scenario p5–p95")
    ax.plot(df["fy"], df["share_base"], color=BASE, marker="o", ms=3, lw=1.5, label="baseline")
    ax.plot(df["fy"], df["share_p50"], color=SCEN, marker="o", ms=3, lw=1.8, label="scenario median")
    ax.axhline(threshold, color="#111827", lw=1, ls="--", label=f"{threshold:g}% of outlays")
    ax.set_title("Interest as a share of federal outlays, %")
    ax.set_xticks(df["fy"])
    ax.legend(frameon=False, ncols=4, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.1)
    return to_svg(fig, "chart-share", "Interest as a share of federal outlays")


def maturity_wall(profile: pd.DataFrame | None, years: int = 30) -> str | None:
    """Principal coming due per calendar year by class (maturity_profile_yearly at its newest record date)."""
    if profile is None or profile.empty:
        return None
    df = profile.sort_values("maturity_year").head(years)
    record = pd.Timestamp(df["record_date"].iloc[0]).date()
    fig = Figure(figsize=(10, 3.6))
    ax = fig.subplots()
    bottom = np.zeros(len(df))
    for cls, col in (
        ("Bills", "bills_usd_bn"),
        ("Notes", "notes_usd_bn"),
        ("Bonds", "bonds_usd_bn"),
        ("TIPS", "tips_usd_bn"),
        ("FRN", "frn_usd_bn"),
    ):
        vals = df[col].fillna(0).to_numpy(dtype=float)
        ax.bar(df["maturity_year"], vals, bottom=bottom, color=CLASS_COLORS[cls], label=cls, width=0.8)
        bottom += vals
    ax.set_title(f"Maturity wall: marketable principal coming due by year, $ billions (MSPD {record:%Y-%m-%d})")
    ax.legend(frameon=False, ncols=5, loc="upper right")
    ax.grid(axis="x", visible=False)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.1)
    return to_svg(fig, "chart-maturity", "Maturity wall by year and security class")


def holdings_history(history: pd.DataFrame | None) -> str | None:
    """Japan's Treasury holdings (TIC), with China for context, $ billions."""
    if history is None or history.empty:
        return None
    fig = Figure(figsize=(10, 3.4))
    ax = fig.subplots()
    styles = {HEADLINE_HOLDER: {"color": SCEN, "lw": 1.8}, "China": {"color": BASE, "lw": 1.2, "ls": "--"}}
    for country, style in styles.items():
        h = history[history["country"] == country].sort_values("month")
        if h.empty:
            continue
        ax.plot(pd.to_datetime(h["month"]), h["holdings_usd_bn"], label=country, **style)
        if country == HEADLINE_HOLDER:
            last = h.iloc[-1]
            ax.annotate(
                f"{last['holdings_usd_bn']:,.0f} ({pd.Timestamp(last['month']):%Y-%m})",
                (pd.Timestamp(last["month"]), last["holdings_usd_bn"]),
                textcoords="offset points",
                xytext=(-10, 8),
                ha="right",
                color=SCEN,
            )
    ax.set_title("Holdings of U.S. Treasuries (TIC Major Foreign Holders), $ billions")
    ax.legend(frameon=False, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.1)
    return to_svg(fig, "chart-holdings", "Japan's and China's holdings of Treasuries")


PALETTE = ("#b91c1c", "#1d4ed8", "#047857", "#b45309", "#7c3aed", "#0e7490", "#be185d", "#4b5563")


def scenario_comparison(results: list[dict]) -> str | None:
    """Every scenario of a day side by side: the 10-year yield's shift over the baseline (median, p5–p95 band) and
    the ten-year interest delta (median with its p5–p95 interval). One colour per scenario in both panels."""
    results = [r for r in results if "10y" in r.get("yields", {})]
    if not results:
        return None
    fig = Figure(figsize=(10, 0.9 + max(3.2, 0.42 * len(results))))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    for i, r in enumerate(results):
        color = PALETTE[i % len(PALETTE)]
        path = {q: np.asarray(v, dtype=float) for q, v in r["yields"]["10y"]["path_bp"].items()}
        x = _years(r["anchor"], len(path["p50"]))
        left.fill_between(x, path["p5"], path["p95"], color=color, alpha=0.08, lw=0)
        left.plot(x, path["p50"], color=color, lw=1.6, label=r["name"])
        q = r["interest"]["cumulative_10y_delta_usd_bn"]
        y = len(results) - 1 - i
        right.plot([q["p5"], q["p95"]], [y, y], color=color, lw=2.2, solid_capstyle="butt")
        right.plot([q["p50"]], [y], "o", color=color, ms=6)
        right.annotate(
            f"{q['p50']:+,.0f}",
            (q["p50"], y),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            color=color,
        )
    left.axhline(0, color=BASE, lw=0.8)
    left.set_title("10-year yield shift over the baseline, bp\n(line median, band p5–p95)")
    left.xaxis.set_major_locator(MultipleLocator(2))
    left.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    left.legend(frameon=False, fontsize=8, loc="upper right")
    right.axvline(0, color=BASE, lw=0.8)
    right.set_yticks(range(len(results)), [r["name"] for r in reversed(results)], fontsize=8)
    right.set_ylim(-0.7, len(results) - 0.3)
    right.set_title("Ten-year interest vs baseline, $bn\n(line p5–p95, dot median)")
    right.margins(x=0.12)  # room for the labels of the outermost medians
    right.xaxis.set_major_locator(MaxNLocator(5))
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    right.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.05, right=0.98, top=0.86, bottom=0.1, wspace=0.45)
    return to_svg(fig, "chart-compare", "Every scenario compared: 10-year yield shift paths and ten-year interest")
