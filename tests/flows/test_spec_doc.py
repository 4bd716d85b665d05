"""docs/scenarios.md is generated from the scenario models and current; `tshock scenario schema` is JSON Schema
that accepts the shipped scenarios' fields and documents every field."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from flows import spec_doc
from flows.cli import app
from model.spec import ScenarioSpec
from tests.conftest import REPO


def test_scenarios_md_is_current_and_names_every_field():
    assert spec_doc.main(["--check"]) == 0, "run `uv run python -m flows.spec_doc`"
    text = spec_doc.OUT.read_text()
    for path in (
        "risk_premium_bp",
        "assumptions.impact_half_life_months",
        "sellers[].share_of_holdings",
        "fed_backstop.breakeven_passthrough",
        "issuance_mix",
        "sizes_usd_bn",
    ):
        assert f"| `{path}` |" in text, path
    # every documented scenario field has a meaning, a type and a default
    rows = [r for r in spec_doc.field_rows(ScenarioSpec)]
    assert all(meaning for *_, meaning in rows), [r[0] for r in rows if not r[-1]]
    assert ("draws", "integer", "`1000`", "≥ 1, ≤ 100,000") == rows[[r[0] for r in rows].index("draws")][:4]


def test_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "scenarios.md"
    stale.write_text(spec_doc.render().replace("Monte Carlo", "Monte-Carlo"))
    assert spec_doc.main(["--check", "--out", str(stale)]) == 1


def test_schema_command_prints_json_schema_covering_shipped_specs():
    res = CliRunner().invoke(app, ["scenario", "schema"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.stdout)
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"name", "description"}
    assert schema["properties"]["draws"]["maximum"] == 100_000
    for f in (REPO / "scenarios").glob("*.yaml"):
        assert set(yaml.safe_load(f.read_text())) <= set(schema["properties"]), f.name
    sweep = json.loads(CliRunner().invoke(app, ["scenario", "schema", "--sweep"]).stdout)
    assert "sizes_usd_bn" in sweep["properties"]
