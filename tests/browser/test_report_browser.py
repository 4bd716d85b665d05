"""A real report in headless Chromium (Debian's package, via Playwright's executable_path): no console errors, no
requests except the page's own file:// ones, headline numbers equal results.json, and a full-page screenshot.

The report comes from the session's offline `tshock run` (tests/flows/test_run.py runs it once, memoised).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from flows.report.fmt import MINUS
from flows.report.render import lookup
from tests.flows.test_run import offline_run

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium; .ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(prefect_harness, offline_warehouse, snapshot_dir, tmp_path_factory) -> Path:
    return Path(offline_run(offline_warehouse, snapshot_dir, tmp_path_factory)["summary"]["day_dir"])


def open_page(browser, path: Path):
    """Load a page and record console errors, page errors and every request it makes."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    seen = {"errors": [], "requests": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def test_report_renders_offline_with_the_numbers_of_results_json(browser, reports, tmp_path_factory):
    folder = reports / "japan-fire-sale"
    page, seen = open_page(browser, folder / "index.html")
    assert seen["errors"] == []
    assert [u for u in seen["requests"] if not u.startswith("file://")] == []
    assert seen["requests"][0] == (folder / "index.html").as_uri()

    data = json.loads((folder / "results.json").read_text())
    metrics = page.eval_on_selector_all(
        "[data-metric]",
        "els => els.map(e => [e.dataset.metric, e.dataset.value, e.dataset.kind, e.dataset.digits, e.innerText])",
    )
    paths = {m[0] for m in metrics}
    for required in (
        "interest.cumulative_10y_delta_usd_bn.p50",
        "interest.cumulative_10y_delta_usd_bn.p5",
        "interest.cumulative_10y_delta_usd_bn.p95",
        "yields.10y.peak_shift_bp.p50",
        "prices.10y.price_change_pct.p50",
        "interest.by_fiscal_year.0.delta_interest_usd_bn.p50",
        "first_fy_interest_over_20pct_outlays.share_of_draws_crossing",
    ):
        assert required in paths
    for path, raw, kind, digits, text in metrics:
        value = lookup(data, path)
        assert json.loads(raw) == value, path
        if isinstance(value, float) and kind in ("num", "bp", "pct", "bn"):
            shown = float(re.sub(r"[^0-9.\-]", "", text.replace(MINUS, "-")))
            assert shown == pytest.approx(round(value, int(digits)), abs=1e-9), (path, text)

    headline = page.inner_text("[data-metric='interest.cumulative_10y_delta_usd_bn.p50']")
    assert headline.startswith(("+$", f"{MINUS}$", "$")) and headline.endswith("bn")
    # the fire sale's page shows the claims it speaks to; the day page has all eleven, each with a verdict
    assert page.locator("svg").count() >= 5 and page.locator("#claims tr[id^=claim-]").count() == 8
    assert page.locator(".card .why a[href='#calibration']").count() == 4
    # charts are drawn, not empty boxes
    assert page.locator("#charts figure svg").first.bounding_box()["height"] > 150

    day, _ = open_page(browser, reports / "index.html")
    assert day.locator("#claims ~ table tr[id^=claim-]").count() == 11
    assert day.locator("table.claims td.verdict").count() == 11
    day.close()

    shot = tmp_path_factory.mktemp("screenshots") / "japan-fire-sale.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")
    page.close()


def test_the_index_links_every_report_and_loads_cleanly(browser, reports):
    page, seen = open_page(browser, reports.parent / "index.html")
    assert seen["errors"] == [] and all(u.startswith("file://") for u in seen["requests"])
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    for folder in (p for p in reports.iterdir() if p.is_dir()):
        assert f"{reports.name}/{folder.name}/index.html" in links
    page.click(f"a[href='{reports.name}/japan-fire-sale/index.html']")
    assert page.locator("h1").inner_text() == "japan-fire-sale"
    assert seen["errors"] == []
    page.close()


@pytest.fixture(scope="module")
def with_sweep(reports, prefect_harness) -> Path:
    """A small sweep on the same warehouse and day, so the day page and the index link it."""
    from typer.testing import CliRunner

    from flows.cli import app
    from tests.flows.test_run import _RUN

    res = CliRunner().invoke(
        app,
        [
            "scenario",
            "sweep",
            "--size",
            "100,600",
            "--months",
            "1,12",
            "--draws",
            "20",
            "--name",
            "browser",
            "--db",
            _RUN["db"],
            "--reports-dir",
            str(reports.parent),
        ],
    )
    assert res.exit_code == 0, res.output
    return reports / "sweep-browser"


def test_the_day_page_compares_scenarios_and_links_csvs_and_sweeps(browser, reports, with_sweep):
    import csv

    day, seen = open_page(browser, reports / "index.html")
    assert seen["errors"] == [] and all(u.startswith("file://") for u in seen["requests"])
    # the comparison chart: drawn, one legend entry per scenario
    chart = day.locator("#compare figure svg")
    assert chart.count() == 1 and chart.bounding_box()["height"] > 200
    names = sorted(p.name for p in reports.iterdir() if (p / "results.json").is_file())
    legend = day.inner_text("#compare")
    assert (reports / "comparison.svg").is_file() and len(names) >= 5
    svg_text = (reports / "comparison.svg").read_text()
    assert all(n in svg_text or n in legend for n in names)
    # every scenario's CSVs are linked and are real tables of that scenario
    hrefs = day.eval_on_selector_all("#downloads a", "els => els.map(e => e.getAttribute('href'))")
    for name in names:
        for f in ("fiscal_years.csv", "monthly.csv"):
            assert f"{name}/{f}" in hrefs
        fy = list(csv.DictReader((reports / name / "fiscal_years.csv").open()))
        data = json.loads((reports / name / "results.json").read_text())
        assert [int(r["fiscal_year"]) for r in fy] == [r["fiscal_year"] for r in data["interest"]["by_fiscal_year"]]
        assert float(fy[0]["delta_interest_usd_bn_p50"]) == pytest.approx(
            data["interest"]["by_fiscal_year"][0]["delta_interest_usd_bn"]["p50"]
        )
        monthly = list(csv.DictReader((reports / name / "monthly.csv").open()))
        assert len(monthly) == data["horizon_months"] and float(monthly[5]["yield_10y_shift_bp_p50"]) == pytest.approx(
            data["yields"]["10y"]["path_bp"]["p50"][5]
        )
    # the sweep is linked from the day page and from reports/index.html, and its page links back
    assert day.locator("#sweeps a[href='sweep-browser/index.html']").count() == 1
    day.click("#sweeps a[href='sweep-browser/index.html']")
    assert day.locator("h1").inner_text().startswith("Sweep")
    labels = day.eval_on_selector_all("figure svg text", "els => els.map(e => e.textContent)")
    assert any(t.strip().startswith("$600bn") for t in labels) and any("12 months" in t for t in labels)
    day.click("text=All reports")
    assert day.locator("h1").inner_text() == "treasury-shock reports"
    assert day.locator(f"a[href='{reports.name}/sweep-browser/index.html']").count() == 1
    assert seen["errors"] == []
    day.close()
    page, _ = open_page(browser, reports / "japan-fire-sale" / "index.html")
    assert (
        page.locator("a[href='fiscal_years.csv']").count() == 1 and page.locator("a[href='monthly.csv']").count() == 1
    )
    page.close()
