"""The Monte Carlo memory budget, computed before a run starts.

A run keeps, for every draw, what its reported quantiles need: the yield shift path at the five calibrated
tenors (float32), the monthly interest delta (float64) and the average rate on the debt (float32) — 32 bytes per
draw-month — plus about 2 kB of per-draw summaries (fiscal years, peaks, losses). Everything else (the rollover
engine's cohort arrays, the price grids of the mark-to-market) is computed in chunks of draws sized so that a
chunk's working set stays near `CHUNK_BYTES`, whatever the number of draws. So peak memory is

    base (interpreter, libraries, the stock and curve frames) + chunk working set + draws × (32·H + 2 kB)
    + one (draws × H) float64 copy while the quantiles of the largest stored array are taken

and a spec whose draws × horizon_months would push that past `BUDGET_BYTES` is refused up front with the number,
instead of dying in numpy half-way (bench/rollover.py measures the real peak for 100,000 draws × 120 months).
"""

from __future__ import annotations

BUDGET_BYTES = 1_500_000_000  # the goal: any spec the validation allows runs in < 1.5 GB peak RSS
BASE_BYTES = 450_000_000  # Python, numpy/pandas/pydantic, the warehouse frames, Prefect when run under a flow
CHUNK_BYTES = 160_000_000  # working set of one chunk of draws
STORED_BYTES_PER_DRAW_MONTH = 32  # shift f32 × 5 tenors + interest delta f64 + average rate f32
STORED_BYTES_PER_DRAW = 2_048  # per-draw summaries: fiscal years, peaks, losses, indices
ENGINE_BYTES_PER_DRAW_MONTH = 17 * 8 * 14  # ~14 (draws × months × 17 buckets) float64 arrays in the engine


def stored_bytes(draws: int, horizon_months: int) -> int:
    return draws * (STORED_BYTES_PER_DRAW_MONTH * horizon_months + STORED_BYTES_PER_DRAW)


def peak_bytes(draws: int, horizon_months: int) -> int:
    """Estimated peak resident memory of a run (see the module docstring)."""
    return BASE_BYTES + CHUNK_BYTES + stored_bytes(draws, horizon_months) + 8 * draws * horizon_months


def max_draws(horizon_months: int) -> int:
    """The most draws a run of this horizon may take within the budget."""
    per_draw = (STORED_BYTES_PER_DRAW_MONTH + 8) * horizon_months + STORED_BYTES_PER_DRAW
    return max(1, (BUDGET_BYTES - BASE_BYTES - CHUNK_BYTES) // per_draw)


def budget_error(draws: int, horizon_months: int) -> str | None:
    """None when the run fits the budget, else the one-line reason with the numbers."""
    need = peak_bytes(draws, horizon_months)
    if need <= BUDGET_BYTES:
        return None
    return (
        f"draws {draws:,} × horizon_months {horizon_months} needs about {need / 1e9:.1f} GB, over the "
        f"{BUDGET_BYTES / 1e9:.1f} GB memory budget: at most {max_draws(horizon_months):,} draws at "
        f"{horizon_months} months"
    )


def chunk_draws(horizon_months: int, draws: int) -> int:
    """Draws per chunk: the engine's working set near CHUNK_BYTES (at least 16, at most all draws)."""
    per_draw = ENGINE_BYTES_PER_DRAW_MONTH * max(horizon_months, 1)
    return int(max(16, min(draws, CHUNK_BYTES // per_draw)))
