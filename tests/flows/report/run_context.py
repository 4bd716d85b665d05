"""A synthetic run for the report tests (and the reliability tests that render a report): scenario specs, the
run context with a calibration, backtests, holdings and the real brief, the report date and the chart names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from flows.report.claims import load_claims
from flows.report.render import RunContext
from model.spec import parse_spec
from tests.model import fixtures as fx

BRIEF = Path(__file__).resolve().parents[4] / "shared" / "BRIEF.md"
DAY = date(2026, 11, 25)
CHARTS = ("yields.svg", "interest.svg", "share.svg", "maturity.svg", "holdings.svg")


def scenario_spec(name: str, **over) -> object:
    base = {
        "name": name,
        "description": f"test scenario {name}",
        "draws": 40,
        "seed": 1,
        "sellers": [{"country": "Japan", "share_of_holdings": 1.0, "months": 1}],
    }
    return parse_spec(base | over)


def run_context(**over) -> RunContext:
    claims, source = load_claims()
    maturity = pd.DataFrame(
        {
            "record_date": pd.Timestamp("2026-09-30"),
            "maturity_year": range(2026, 2036),
            "bills_usd_bn": [5000.0, 1500] + [0.0] * 8,
            "notes_usd_bn": [800.0] * 10,
            "bonds_usd_bn": [50.0] * 10,
            "tips_usd_bn": [100.0] * 10,
            "frn_usd_bn": [30.0] * 10,
        }
    )
    months = pd.date_range("2020-01-31", "2026-04-30", freq="ME")
    holdings = pd.concat(
        [
            pd.DataFrame({"month": months, "country": c, "holdings_usd_bn": v, "share_of_foreign_total": s})
            for c, v, s in (("Japan", 1200.0, 0.13), ("China", 760.0, 0.08))
        ]
    )
    bt = {
        "window": {"start": "2020-03", "end": "2020-03", "months": 1},
        "net_sales_usd_bn": {"total": 395.5, "official": 217.4, "japan": 19.7, "china": 35.6},
        "by_tenor": [
            {
                "tenor": "10y",
                "actual_bp": -43.0,
                "attributed_bp": 58.9,
                "ci_low": -79.5,
                "ci_high": 197.4,
                "data_attributed_bp": -41.6,
                "residual_bp": -101.9,
            }
        ],
        "notes": [],
    }
    ctx = RunContext(
        run_date=DAY,
        command="uv run tshock run --offline ../shared/snapshot --scenario X",
        code_version="0.1.0+test",
        calibration=json.loads(fx.record().model_dump_json()),
        calibration_reused=False,
        freshness=[
            {
                "source": "tic",
                "newest_observation": "2026-04-30",
                "last_loaded_at": "2026-11-25",
                "days_old": 209,
                "stale_after_days": 80,
                "is_stale": True,
            }
        ],
        backtests={"2020-03": bt, "2022": {"error": "not covered by the data"}},
        maturity=maturity,
        holdings=holdings,
        claims=claims,
        claims_source=source,
    )
    for k, v in over.items():
        setattr(ctx, k, v)
    return ctx
