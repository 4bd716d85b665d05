"""Report rendering and publishing without Prefect or a warehouse: model runs on hand-built frames, a synthetic
run context, and the real brief. Checks the files, self-containment, the data-metric contract, the claims, and
the atomic day replacement."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from flows.report import fmt
from flows.report.claims import PACKAGED, build_claims, for_scenario, load_claims, parse_brief
from flows.report.publish import exchange, publish_day, staging_dir, write_index
from flows.report.render import RunContext, lookup, write_scenario_report
from model.run import Frames, run_scenario
from model.spec import parse_spec
from tests.model import fixtures as fx

BRIEF = Path(__file__).resolve().parents[3] / "shared" / "BRIEF.md"
DAY = date(2026, 11, 25)
CHARTS = ("yields.svg", "interest.svg", "share.svg", "maturity.svg", "holdings.svg")


def _spec(name: str, **over) -> object:
    base = {
        "name": name,
        "description": f"test scenario {name}",
        "draws": 40,
        "seed": 1,
        "sellers": [{"country": "Japan", "share_of_holdings": 1.0, "months": 1}],
    }
    return parse_spec(base | over)


@pytest.fixture(scope="module")
def results() -> dict[str, str]:
    """results.json text per scenario: the run's JSON as the scenario flow stores it (plus its run fields)."""
    frames = Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())
    rec = fx.surface_record()
    specs = [
        _spec("japan-fire-sale"),
        _spec("japan-orderly-unwind", sellers=[{"country": "Japan", "share_of_holdings": 1.0, "months": 60}]),
        _spec("parallel-plus-10bp", sellers=[], parallel_shock_bp=10),
        _spec("article-claims", sellers=[], price_fall_pct=10),
    ]
    out = {}
    for s in specs:
        body = json.loads(run_scenario(s, rec, frames).to_json())
        out[s.name] = json.dumps({"run_id": f"run-{s.name}", **body}, indent=2)
    return out


def _context(**over) -> RunContext:
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


@pytest.fixture(scope="module")
def published(results, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    staged = staging_dir(root, DAY)
    peers = {k: json.loads(v) for k, v in results.items()}
    ctx = _context()
    for name, text in results.items():
        write_scenario_report(staged / name, text, ctx, peers)
    claims = build_claims(ctx.claims, peers, ctx.calibration, ctx.backtests, ctx.holdings)
    publish_day(
        staged,
        root,
        DAY,
        {
            "command": "uv run tshock run",
            "calibration_id": "test-cal",
            "claims": [c.as_dict() for c in claims],
            "claims_source": "test",
        },
    )
    return root


class Metrics(HTMLParser):
    """Every element with data-metric, with its attributes and text."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-metric" in a:
            self._open = a | {"text": ""}
            self.found.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        self._open = None


def test_each_scenario_folder_has_the_report_its_json_and_charts(published, results):
    day = published / DAY.isoformat()
    for name, text in results.items():
        folder = day / name
        for f in ("index.html", "report.md", "results.json", *CHARTS):
            assert (folder / f).is_file(), f"{name}/{f} missing"
        assert (folder / "results.json").read_text() == text
        for chart in CHARTS:
            svg = (folder / chart).read_text()
            assert svg.startswith("<svg") and "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    assert json.loads((day / "run.json").read_text())["calibration_id"] == "test-cal"


def test_html_is_self_contained(published):
    html = (published / DAY.isoformat() / "japan-fire-sale" / "index.html").read_text()
    assert "<style>" in html and html.count("<svg") >= len(CHARTS)
    assert not re.search(r"<script|<link[^>]+stylesheet|@import|@font-face|<img|<iframe", html, re.I)
    # every reference is relative, an anchor, or data:; SVG namespaces are identifiers, not requests
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    external = [r for r in refs if re.match(r"^[a-z]+:", r) and not r.startswith("data:")]
    assert not external, external
    assert not re.search(r"url\((?!#)", html), "CSS/SVG url() must point at in-page ids only"


def test_headline_numbers_carry_their_results_json_path_and_value(published, results):
    html = (published / DAY.isoformat() / "japan-fire-sale" / "index.html").read_text()
    parser = Metrics()
    parser.feed(html)
    data = json.loads(results["japan-fire-sale"])
    paths = {m["data-metric"] for m in parser.found}
    for q in ("p5", "p50", "p95"):
        assert f"interest.cumulative_10y_delta_usd_bn.{q}" in paths
        for tenor in ("3m", "2y", "5y", "10y", "30y"):
            assert f"yields.{tenor}.peak_shift_bp.{q}" in paths
        assert f"prices.10y.price_change_pct.{q}" in paths
        assert f"interest.by_fiscal_year.0.delta_interest_usd_bn.{q}" in paths
        assert f"interest.by_fiscal_year.3.scenario_interest_share_outlays_pct.{q}" in paths
    assert "first_fy_interest_over_20pct_outlays.share_of_draws_crossing" in paths
    for m in parser.found:
        value = lookup(data, m["data-metric"])
        assert json.loads(m["data-value"]) == value, m
        if isinstance(value, float) and m["data-kind"] in ("num", "bp", "pct", "bn"):
            shown = float(re.sub(r"[^0-9.\-]", "", m["text"].replace(fmt.MINUS, "-")))
            assert abs(shown - round(value, int(m["data-digits"]))) < 1e-9, m


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
    ctx = _context()
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


def test_the_day_page_holds_every_claim_and_scenario_pages_only_theirs(published):
    day = (published / DAY.isoformat() / "index.html").read_text()
    assert all(f'id="claim-{n}"' in day for n in range(1, 12)) and "verdict" in day
    par = (published / DAY.isoformat() / "parallel-plus-10bp" / "index.html").read_text()
    assert 'id="claim-6"' in par and 'id="claim-2"' not in par and 'href="../index.html#claims"' in par
    article = (published / DAY.isoformat() / "article-claims" / "index.html").read_text()
    assert "The article's assumption, imposed (not a calibrated result)" in article
    assert 'data-metric="imposed.by_tenor.10y.shift_bp"' in article


def test_each_headline_interval_says_where_its_width_comes_from(published):
    html = (published / DAY.isoformat() / "japan-fire-sale" / "index.html").read_text()
    why = re.findall(r'<div class="why">(.*?)</div>', html, flags=re.S)
    assert len(why) == 4 and all('href="#calibration"' in w for w in why)
    assert "yield response" in why[0] and 'id="calibration"' in html
    par = (published / DAY.isoformat() / "parallel-plus-10bp" / "index.html").read_text()
    assert "No width" in par


def test_markdown_report_has_the_same_sections(published):
    md = (published / DAY.isoformat() / "japan-fire-sale" / "report.md").read_text()
    for heading in (
        "## Headline numbers",
        "## Charts",
        "## The brief's claims",
        "## Backtests",
        "## Spillover",
        "## The scenario",
        "## Provenance",
    ):
        assert heading in md
    assert "![Yield paths with fan bands](yields.svg)" in md and "&#" not in md and "&amp;" not in md
    # GitHub renders text between two $ as math: dollar amounts are escaped, except in code spans
    outside_code = re.sub(r"```.*?```|`[^`\n]*`", "", md, flags=re.S)
    assert "\\$" in outside_code and not re.search(r"(?<!\\)\$", outside_code)
    assert "uv run tshock run --offline ../shared/snapshot --scenario X" in md


def test_index_lists_every_dated_report(published, results):
    index = (published / "index.html").read_text()
    for name in results:
        assert f'href="{DAY.isoformat()}/{name}/index.html"' in index
    day_index = (published / DAY.isoformat() / "index.html").read_text()
    assert all(f'href="{name}/index.html"' in day_index for name in results)


@pytest.fixture
def no_charts(monkeypatch):
    """Publishing tests do not need real charts (the other tests check those): skip matplotlib's time."""
    monkeypatch.setattr(
        "flows.report.render.render_charts",
        lambda result, run: {n[:-4]: "<svg xmlns='http://www.w3.org/2000/svg'/>" for n in CHARTS},
    )


def test_rerun_same_day_replaces_the_folder_and_keeps_other_scenarios(results, tmp_path, no_charts):
    root = tmp_path / "reports"
    ctx = _context()
    first = staging_dir(root, DAY)
    for name in ("japan-fire-sale", "parallel-plus-10bp"):
        write_scenario_report(first / name, results[name], ctx)
    publish_day(first, root, DAY, {"command": "first"})
    stamp = (root / DAY.isoformat() / "japan-fire-sale" / "index.html").stat().st_ino

    again = staging_dir(root, DAY)
    write_scenario_report(again / "japan-fire-sale", results["japan-fire-sale"], ctx)
    day = publish_day(again, root, DAY, {"command": "second"})
    assert sorted(p.name for p in day.iterdir() if p.is_dir()) == ["japan-fire-sale", "parallel-plus-10bp"]
    assert (day / "japan-fire-sale" / "index.html").stat().st_ino != stamp  # rebuilt, not the old file
    manifest = json.loads((day / "run.json").read_text())
    assert manifest["command"] == "second" and manifest["carried_over"] == ["parallel-plus-10bp"]
    assert not [p for p in root.iterdir() if p.name.startswith(".")], "no staging or old folder left behind"

    other = staging_dir(root, date(2026, 11, 26))
    write_scenario_report(other / "japan-fire-sale", results["japan-fire-sale"], ctx)
    publish_day(other, root, date(2026, 11, 26))
    index = (root / "index.html").read_text()
    assert index.index("2026-11-26") < index.index("2026-11-25")  # newest first, both listed


def test_a_failed_build_leaves_the_published_day_alone(results, tmp_path, no_charts):
    from flows.pipeline.run import reports_task

    root = tmp_path / "reports"
    ctx = _context()
    staged = staging_dir(root, DAY)
    write_scenario_report(staged / "japan-fire-sale", results["japan-fire-sale"], ctx)
    publish_day(staged, root, DAY)
    before = (root / DAY.isoformat() / "japan-fire-sale" / "index.html").read_bytes()
    good = {"name": "japan-fire-sale", "run_id": "r1", "results": json.loads(results["japan-fire-sale"])}
    broken = {"name": "parallel-plus-10bp", "run_id": "r2", "results": {"name": "parallel-plus-10bp"}}
    views = {"freshness": ctx.freshness, "maturity": ctx.maturity, "holdings": ctx.holdings}
    with pytest.raises(KeyError):
        reports_task.fn(
            str(root),
            DAY,
            [good, broken],
            {},
            views,
            {"record": fx.record(), "status": "reused"},
            {},
            {"japan-fire-sale": "c1", "parallel-plus-10bp": "c2"},
            {"code_version": "t"},
        )
    assert (root / DAY.isoformat() / "japan-fire-sale" / "index.html").read_bytes() == before
    assert not (root / DAY.isoformat() / "parallel-plus-10bp").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="renameat2 is Linux-only")
def testexchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("new")
    (b / "x").write_text("old")
    assert exchange(a, b)
    assert (b / "x").read_text() == "new" and (a / "x").read_text() == "old"


def test_index_survives_an_unreadable_results_json(tmp_path):
    day = tmp_path / "2026-01-02" / "broken"
    day.mkdir(parents=True)
    (day / "results.json").write_text("{not json")
    (tmp_path / ".2026-01-03.building-x").mkdir()  # a build in progress is not listed
    html = write_index(tmp_path).read_text()
    assert "results.json unreadable" in html and "2026-01-03" not in html


@pytest.mark.parametrize(
    ("value", "call", "expected"),
    [
        (-1234.6, lambda v: fmt.num(v), "\u22121,235"),
        (0.0004, lambda v: fmt.num(v, 2, True), "0.00"),
        (3587.6, lambda v: fmt.bn(v, 0, True), "+$3,588bn"),
        (-12.2, lambda v: fmt.bn(v), "\u2212$12bn"),
        ({"p5": -1.0, "p50": 2.0, "p95": 5.0}, lambda v: fmt.interval(v, "bp"), "+2 bp [\u22121, +5]"),
        (None, lambda v: fmt.year(v), "none within the horizon"),
        (0.869, lambda v: fmt.share(v), "87%"),
    ],
)
def test_formatting(value, call, expected):
    assert call(value) == expected


def test_forked_and_in_process_rendering_write_identical_files(results, tmp_path, monkeypatch):
    from flows.report.render import write_reports

    names = ["japan-fire-sale", "parallel-plus-10bp"]
    peers = {k: json.loads(v) for k, v in results.items()}
    out = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("TSHOCK_REPORT_WORKERS", workers)
        target = tmp_path / f"w{workers}"
        target.mkdir()
        done = write_reports(target, [(n, results[n], f"cmd {n}") for n in names], _context(), peers)
        assert sorted(done) == names
        out[workers] = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert out["1"] == out["2"] and len(out["1"]) == 2 * (
        5 + len(CHARTS)
    )  # index.html, report.md, results.json, two CSVs, charts
    assert b"cmd parallel-plus-10bp" in out["2"][Path("parallel-plus-10bp/index.html")]


def test_leftovers_of_dead_writers_are_swept_and_live_ones_kept(tmp_path):
    import subprocess

    from flows.report.publish import sweep_abandoned

    dead = subprocess.Popen(["true"])
    dead.wait()
    for name in (f".2026-11-25.building-{dead.pid}-abcd", f".2026-11-25.old-{dead.pid}-ef01"):
        (tmp_path / name / "japan-fire-sale").mkdir(parents=True)
    (tmp_path / f".index.html.{dead.pid}.tmp").write_text("<html")
    mine = staging_dir(tmp_path, DAY)  # this process is alive: its staging folder stays
    (tmp_path / ".2026-11-25.building-x").mkdir()  # not a name we write: not ours to delete
    assert sweep_abandoned(tmp_path) == []  # staging_dir already swept the dead writer's three
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".2026-11-25.building-x", mine.name])
