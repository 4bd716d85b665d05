"""The brief's claims: the table parses (and the packaged copy matches ../shared/BRIEF.md), a brief without a
table falls back to the packaged copy, and each claim is answered once with a verdict and its number."""

from __future__ import annotations

import json

import pytest

from flows.report import fmt
from flows.report.claims import PACKAGED, build_claims, for_scenario, load_claims, parse_brief
from tests.flows.report.run_context import BRIEF, run_context


def test_the_brief_table_parses_to_eleven_claims_and_the_packaged_copy_is_current():
    packaged = parse_brief(PACKAGED.read_text())
    assert [c.number for c in packaged] == list(range(1, 12))
    assert "1.2 trillion" in packaged[0].claim and "14.4%" in packaged[2].claim
    if BRIEF.is_file():
        assert [(c.number, c.claim) for c in parse_brief(BRIEF.read_text())] == [(c.number, c.claim) for c in packaged]


def test_claims_fall_back_to_the_packaged_copy(tmp_path):
    claims, source = load_claims(tmp_path / "missing.md")
    assert len(claims) == 11 and source == "packaged copy of the brief"
    (tmp_path / "BRIEF.md").write_text("no table here\n")
    assert load_claims(tmp_path / "BRIEF.md")[1] == "packaged copy of the brief"
    (tmp_path / "B2.md").write_text("| # | claim | product |\n|---|---|---|\n| 1 | one | x |\n| 2 | two | y |\n")
    claims, source = load_claims(tmp_path / "B2.md")
    assert [c.claim for c in claims] == ["one", "two"] and source.endswith("B2.md")


def test_claims_are_answered_once_with_a_verdict_and_the_number_behind_it(results):
    peers = {k: json.loads(v) for k, v in results.items()}
    r = peers["japan-fire-sale"]
    ctx = run_context()
    claims = {c.number: c for c in build_claims(ctx.claims, peers, ctx.calibration, ctx.backtests, ctx.holdings)}
    assert len(claims) == 11 and all(c.answer and c.verdict for c in claims.values())
    assert claims[1].verdict == "holds" and "1,200" in claims[1].answer[0]
    assert "14.44%" in claims[3].naive and claims[3].verdict.startswith("holds as arithmetic")
    one = r["prices"]["brief_example"]["model_1y_peak_shift_bp"]["p50"]
    assert fmt.bp(one) in claims[3].because
    assert "$3.0bn" in claims[4].naive and "$14.4bn" in claims[4].naive
    assert any("over ten years" in a for a in claims[4].answer)
    fy30 = next(x for x in r["interest"]["by_fiscal_year"] if x["fiscal_year"] == 2030)
    assert fy30["baseline_interest_share_outlays_pct"] == pytest.approx(100 * 1328 / 8690)  # CBO's, not the model's
    assert claims[5].verdict == "wrong for CBO's own baseline" and "15.3%" in claims[5].because
    par = peers["parallel-plus-10bp"]["interest"]["cumulative_10y_delta_usd_bn"]["p50"]
    assert fmt.bn(par, 0, True) in claims[6].because and claims[6].verdict.startswith("depends on")
    fire, slow = (
        peers[n]["yields"]["10y"]["peak_shift_bp"]["p50"] for n in ("japan-fire-sale", "japan-orderly-unwind")
    )
    assert claims[10].verdict == "holds" and fmt.bp(fire) in claims[10].because and fmt.bp(slow) in claims[10].because
    assert claims[11].answer[0].startswith("March 2020") and "−43 bp" in claims[11].answer[0]
    assert "not available" in claims[11].answer[1]
    lonely = build_claims(ctx.claims, {"japan-fire-sale": r}, ctx.calibration, {}, None)
    assert lonely[9].verdict == "depends on runs of both" and lonely[9].scenarios == ["japan-fire-sale"]
    assert [c.number for c in for_scenario(list(claims.values()), "parallel-plus-10bp")] == [6]
    assert {2, 3, 4, 5} <= {c.number for c in for_scenario(list(claims.values()), "article-claims")}
