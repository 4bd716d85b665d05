"""The scenario results the report tests render: the model run on hand-built frames, once per test module."""

from __future__ import annotations

import json

import pytest

from model.run import Frames, run_scenario
from tests.flows.report.run_context import scenario_spec
from tests.model import fixtures as fx


@pytest.fixture(scope="module")
def results() -> dict[str, str]:
    """results.json text per scenario: the run's JSON as the scenario flow stores it (plus its run fields)."""
    frames = Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())
    rec = fx.surface_record()
    specs = [
        scenario_spec("japan-fire-sale"),
        scenario_spec("japan-orderly-unwind", sellers=[{"country": "Japan", "share_of_holdings": 1.0, "months": 60}]),
        scenario_spec("parallel-plus-10bp", sellers=[], parallel_shock_bp=10),
        scenario_spec("article-claims", sellers=[], price_fall_pct=10),
    ]
    out = {}
    for s in specs:
        body = json.loads(run_scenario(s, rec, frames).to_json())
        out[s.name] = json.dumps({"run_id": f"run-{s.name}", **body}, indent=2)
    return out
