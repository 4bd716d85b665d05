"""A scenario's numbers as flat rows: the CSV downloads beside each report (fiscal_years.csv, monthly.csv) and the
tidy DataFrames of the Python API (flows/api.py) come from these same functions, so both say the same thing.

- `fiscal_year_rows`: one row per fiscal year; a p5/p50/p95 field becomes `<field>_p5`, `_p50`, `_p95`.
- `monthly_rows`: one row per month after the anchor: the interest bill (baseline, scenario median, delta
  quantiles, average rates) and every tenor's yield shift over the baseline, bp, `yield_<tenor>_shift_bp_<q>`.
- `path_rows`: the yield shifts long (scenario, tenor, month, month_end, p5, p50, p95).
"""

from __future__ import annotations

import csv
import io
from typing import Any

Q = ("p5", "p50", "p95")
CSV_FILES = {"fiscal_years.csv": "interest bill by fiscal year", "monthly.csv": "monthly interest and yield paths"}


def _flat(row: dict, scenario: str) -> dict[str, Any]:
    out: dict[str, Any] = {"scenario": scenario}
    for k, v in row.items():
        if isinstance(v, dict):
            out.update({f"{k}_{q}": v.get(q) for q in Q})
        else:
            out[k] = v
    return out


def fiscal_year_rows(result: dict) -> list[dict]:
    return [_flat(r, result["name"]) for r in result["interest"]["by_fiscal_year"]]


def monthly_rows(result: dict) -> list[dict]:
    rows = [_flat(r, result["name"]) for r in result["interest"]["monthly"]]
    for tenor, y in result["yields"].items():
        path = y["path_bp"]
        for m, row in enumerate(rows):
            for q in Q:
                row[f"yield_{tenor}_shift_bp_{q}"] = path[q][m] if m < len(path[q]) else None
    return rows


def path_rows(result: dict) -> list[dict]:
    ends = [r["month_end"] for r in result["interest"]["monthly"]]
    out = []
    for tenor, y in result["yields"].items():
        p = y["path_bp"]
        out.extend(
            {
                "scenario": result["name"],
                "tenor": tenor,
                "month": m,
                "month_end": ends[m] if m < len(ends) else None,
                **{q: p[q][m] for q in Q},
            }
            for m in range(len(p["p50"]))
        )
    return out


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    return buf.getvalue()


def write_csvs(result: dict, out_dir) -> list[str]:
    """fiscal_years.csv and monthly.csv into the scenario's folder; returns the file names."""
    (out_dir / "fiscal_years.csv").write_text(to_csv(fiscal_year_rows(result)), encoding="utf-8")
    (out_dir / "monthly.csv").write_text(to_csv(monthly_rows(result)), encoding="utf-8")
    return list(CSV_FILES)
