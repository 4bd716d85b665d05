"""A published day of reports: each scenario folder's files, self-contained HTML, headline numbers tied to
their results.json path and value, the claims on the right pages, the markdown twin, the index and the number
formatting."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flows.report import fmt
from flows.report.claims import build_claims
from flows.report.publish import publish_day, staging_dir
from flows.report.render import lookup, write_scenario_report
from tests.flows.report.run_context import CHARTS, DAY, run_context


@pytest.fixture(scope="module")
def published(results, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    staged = staging_dir(root, DAY)
    peers = {k: json.loads(v) for k, v in results.items()}
    ctx = run_context()
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
