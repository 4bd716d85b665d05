"""Scenario specs: the shipped files validate, and every error names the field and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.spec import (
    SpecError,
    check_against_holdings,
    load_spec,
    parse_spec,
    scenario_path,
)
from tests.model import fixtures as fx

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = [
    "japan-fire-sale",
    "japan-orderly-unwind",
    "japan-and-china",
    "japan-with-fed-backstop",
    "article-claims",
    "parallel-plus-10bp",
]


def spec(**over):
    base = {"name": "t", "description": "test", "sellers": [{"country": "Japan", "amount_usd_bn": 100}]}
    base.update(over)
    return base


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_validate_and_say_what_they_are(name):
    s = load_spec(scenario_path(name, SCENARIOS))
    assert s.name == name
    assert len(s.description) > 40
    assert s.horizon_months == 120 and s.draws >= 100


def test_fire_sale_is_one_month_and_unwind_is_years():
    fire = load_spec(SCENARIOS / "japan-fire-sale.yaml")
    unwind = load_spec(SCENARIOS / "japan-orderly-unwind.yaml")
    assert fire.sellers[0].months == 1 and unwind.sellers[0].months >= 24
    assert load_spec(SCENARIOS / "parallel-plus-10bp.yaml").parallel_shock_bp == 10
    assert load_spec(SCENARIOS / "japan-with-fed-backstop.yaml").fed_backstop.share > 0


def test_defaults():
    s = parse_spec(spec())
    assert (s.horizon_months, s.calibration, s.anchor, s.contagion) == (120, "latest", "latest", 0.0)
    assert s.sellers[0].start_month == 0 and s.sellers[0].months == 1
    a = s.assumptions
    assert (a.baseline_path, a.impact_half_life_months, a.impact_long_run_share, s.price_fall_pct) == (
        "cbo",
        None,
        1.0,
        0.0,
    )
    assert "impact_tail" not in s.model_dump()  # retired: neither dumped nor part of the run id


@pytest.mark.parametrize(
    "data,message",
    [
        (spec(sellers=[{"country": "Japan", "amount_usd_bn": -5}]), "sellers[0].amount_usd_bn: -5 must be ≥ 0"),
        (spec(sellers=[{"country": "Atlantis", "amount_usd_bn": 5}]), "sellers[0].country: 'Atlantis' is not valid"),
        (spec(horizon_months=0), "horizon_months: 0 must be ≥ 1"),
        (spec(colour="red"), "colour: unknown field (value 'red')"),
        (spec(sellers=[{"country": "Japan", "amount_usd_bn": 5, "months": 0}]), "sellers[0].months: 0 must be ≥ 1"),
        (
            spec(sellers=[{"country": "Japan", "share_of_holdings": 1.5}]),
            "sellers[0].share_of_holdings: 1.5 must be ≤ 1",
        ),
        (spec(sellers=[{"country": "Japan"}]), "sellers[0]: give exactly one of amount_usd_bn or share_of_holdings"),
        (
            spec(sellers=[{"country": "Japan", "amount_usd_bn": 1, "share_of_holdings": 0.5}]),
            "sellers[0]: give exactly one of amount_usd_bn or share_of_holdings",
        ),
        (spec(fed_backstop={"share": 2}), "fed_backstop.share: 2 must be ≤ 1"),
        (spec(issuance_mix={"note_11y": 1.0}), "issuance_mix: unknown bucket 'note_11y'"),
        (spec(draws=0), "draws: 0 must be ≥ 1"),
        (spec(name="Bad Name"), "name: 'Bad Name' is not valid"),
        ({"description": "x"}, "name: required field is missing"),
    ],
)
def test_errors_name_the_field_and_value(data, message):
    with pytest.raises(SpecError) as e:
        parse_spec(data)
    assert message in str(e.value)


def test_unknown_issuance_bucket_is_named():
    with pytest.raises(SpecError, match="unknown bucket 'note_11y'"):
        parse_spec(spec(issuance_mix={"note_11y": 1.0}))


def test_countries_are_canonicalised_and_can_be_restricted():
    assert parse_spec(spec(sellers=[{"country": "china, mainland", "amount_usd_bn": 1}])).sellers[0].country == "China"
    assert parse_spec(spec(sellers=[{"country": "JAPAN", "amount_usd_bn": 1}])).sellers[0].country == "Japan"
    with pytest.raises(SpecError, match=r"sellers\[0\].country: 'Japan' is not valid: unknown country"):
        parse_spec(spec(), countries=["China", "United Kingdom"])


def test_contagion_true_means_as_calibrated():
    assert parse_spec(spec(contagion=True)).contagion == 1.0


def test_yaml_text_and_file(tmp_path):
    text = "name: x\ndescription: d\nsellers:\n  - {country: Japan, amount_usd_bn: 10}\n"
    assert load_spec(text).sellers[0].amount_usd_bn == 10
    p = tmp_path / "x.yaml"
    p.write_text(text)
    assert load_spec(p).name == "x" and load_spec(str(p)).name == "x"
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec("name: [unclosed\n")
    with pytest.raises(SpecError, match="expected a mapping"):
        load_spec("- just\n- a list\n")
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="neither a file nor a scenario"):
        scenario_path("no-such-scenario", SCENARIOS)


def test_shares_resolve_against_holdings_and_oversized_sales_are_refused():
    s = parse_spec(
        spec(sellers=[{"country": "Japan", "share_of_holdings": 0.5}, {"country": "China", "amount_usd_bn": 700}])
    )
    assert check_against_holdings(s, fx.holdings(japan=1200, china=750)) == {0: 600.0, 1: 700.0}
    too_much = parse_spec(spec(sellers=[{"country": "Japan", "amount_usd_bn": 1500}]))
    with pytest.raises(SpecError) as e:
        check_against_holdings(too_much, fx.holdings(japan=1200))
    assert "sellers[0].amount_usd_bn: 1500" in str(e.value) and "1,200.0" in str(e.value)
    # two sellers of the same country add up
    twice = parse_spec(
        spec(sellers=[{"country": "Japan", "share_of_holdings": 0.7}, {"country": "Japan", "share_of_holdings": 0.7}])
    )
    with pytest.raises(
        SpecError, match=r"sellers\[1\].share_of_holdings: 0.7 \(= 840.0 \$bn\) makes Japan's sales 1,680.0"
    ):
        check_against_holdings(twice, fx.holdings())
    nobody = parse_spec(spec(sellers=[{"country": "Norway", "amount_usd_bn": 1}]))
    with pytest.raises(SpecError, match="'Norway' has no holdings"):
        check_against_holdings(nobody, fx.holdings())


def test_share_without_holdings_cannot_be_scheduled():
    s = parse_spec(spec(sellers=[{"country": "Japan", "share_of_holdings": 0.5}]))
    with pytest.raises(SpecError, match="needs holdings"):
        s.sale_schedule()
