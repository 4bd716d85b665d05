"""The brief's claims, one by one: the article's naive arithmetic next to the calibrated answer of this run.

The claims come from `../shared/BRIEF.md` when it is there at run time (its markdown table: `| # | claim | what
the product does |`), else from the packaged copy `flows/report/brief.md`. The answers are computed from the
scenario's results, the calibration record, the backtests and the other scenarios of the same run (`peers`):
some claims are about comparing scenarios (fire sale vs orderly unwind, the Fed backstop, +10 bp). Each answer
is one function in flows/report/claim_answers.py; this module reads the brief and runs them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.report.claim_answers import ANSWERS, FIRE

PACKAGED = Path(__file__).with_name("brief.md")
REPO = Path(__file__).resolve().parents[2]
_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.+)\|(.+)\|\s*$")


@dataclass
class Claim:
    number: int
    claim: str
    product: str
    naive: str = ""
    answer: list[str] = field(default_factory=list)
    verdict: str = ""  # holds | overstated | wrong | depends on …
    because: str = ""  # the number behind the verdict
    scenarios: list[str] = field(default_factory=list)  # the scenario pages that show this claim

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "claim": self.claim,
            "product": self.product,
            "naive": self.naive,
            "answer": self.answer,
            "verdict": self.verdict,
            "because": self.because,
            "scenarios": self.scenarios,
        }


def brief_path() -> Path:
    """$TSHOCK_BRIEF, else ../shared/BRIEF.md beside the checkout, else the packaged copy."""
    candidates = [os.environ.get("TSHOCK_BRIEF"), REPO.parent / "shared" / "BRIEF.md"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return PACKAGED


def parse_brief(text: str) -> list[Claim]:
    """Numbered rows of the brief's markdown table (`| 3 | claim | what the product does |`)."""
    claims = []
    for line in text.splitlines():
        m = _ROW.match(line.strip())
        if m:
            claims.append(Claim(int(m.group(1)), m.group(2).strip(), m.group(3).strip()))
    return claims


def load_claims(path: Path | None = None) -> tuple[list[Claim], str]:
    """(claims, where they came from); falls back to the packaged copy when the brief has no usable table."""
    path = path or brief_path()
    try:
        claims = parse_brief(path.read_text(encoding="utf-8"))
    except OSError:
        claims = []
    if not claims and path != PACKAGED:
        return load_claims(PACKAGED)
    shared = REPO.parent / "shared" / "BRIEF.md"
    where = (
        "packaged copy of the brief"
        if path == PACKAGED
        else "../shared/BRIEF.md"
        if path.resolve() == shared.resolve()
        else str(path)
    )
    return claims, where


def build_claims(
    claims: list[Claim],
    results: dict[str, dict],
    calibration: dict | None,
    backtests: dict[str, dict],
    holdings: pd.DataFrame | None,
) -> list[Claim]:
    """Answer claims 1-11 once for the run (numbers beyond 11 are shown with the brief's text only)."""
    ctx = {"res": results, "fire": results.get(FIRE), "cal": calibration, "bt": backtests, "holdings": holdings}
    out = []
    for c in claims:
        fn = ANSWERS.get(c.number)
        if fn is None:
            out.append(Claim(c.number, c.claim, c.product, "", ["not quantified by this report"], "not assessed"))
            continue
        naive, answer, verdict, because, scenarios = fn(ctx)
        out.append(
            Claim(c.number, c.claim, c.product, naive, answer, verdict, because, [s for s in scenarios if s in results])
        )
    return out


def for_scenario(claims: list[Claim], name: str) -> list[Claim]:
    return [c for c in claims if name in c.scenarios]
