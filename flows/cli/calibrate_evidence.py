"""`tshock calibrate show`: the evidence behind the yield response (each estimator, the posterior, the literature in
the same unit, the QE1 replication and the Japan sign check), from the record's `evidence`."""

from __future__ import annotations

from rich.table import Table

from flows.cli.calibrate_tables import num
from flows.cli.console import console, plain_table


def evidence_tables(rec) -> list[Table]:
    """Each estimator, the posterior and the literature at the 10y, per 1 % of debt and per $100bn today."""
    ev = rec.evidence or {}
    head = ev.get("headline_10y")
    out = []
    if head:
        debt = head.get("debt_now_usd_bn")
        t = plain_table(
            "10y response by estimator and the posterior (bp; 90% intervals; per $100bn at today's "
            f"marketable debt {f'${debt:,.0f}bn' if debt else 'unknown'})"
        )
        for col in ("estimator", "per 1% of debt", "per $100bn today", "n", "what it identifies"):
            t.add_column(col, justify="left" if col in ("estimator", "what it identifies") else "right")
        for r in head["rows"]:
            a, b = r["bp_per_1pct_debt"], r.get("bp_per_100bn_today")
            t.add_row(r["estimator"], _band3(a), _band3(b), str(r["n_obs"] or "-"), r["what"])
        out.append(t)
    q = ev.get("qe1_replication")
    if q and q.get("sum_bp") is not None:
        console.print(
            f"QE1 replication: 10y one-day moves over the eight GRRS (2011) dates sum to {q['sum_bp']:+.0f} "
            f"bp in DGS10 vs the paper's {q['paper_bp']:+.0f} (tolerance {q['tolerance_bp']:.0f}: "
            f"{'within' if q['within_tolerance'] else 'OUTSIDE'})",
            highlight=False,
        )
    jp = ev.get("japan_interventions")
    if jp:
        console.print(
            f"Japan MoF intervention days (sign check only): 10y rose over two days on {jp['y10_rose']} "
            f"of {jp['n']}; Fed custody fell in the week of {jp['custody_fell']} of {jp['n']}",
            highlight=False,
        )
    lit = ev.get("literature")
    if lit:
        t = plain_table("literature in this unit (bp per 1% of marketable debt at the study's own market size)")
        for col in ("study", "measure", "tenor", "study's figure", "market, $bn", "per 1% of debt", "note"):
            t.add_column(
                col,
                justify="right" if col in ("per 1% of debt", "market, $bn") else "left",
                overflow="fold",
                ratio=3 if col == "note" else None,
            )
        for r in lit:
            c = r["bp_per_1pct_debt"]
            native = "-" if r["native"][1] is None else f"{r['native'][1]:.1f} {r['native_unit']}"
            mkt = "-" if not r["sample_market_usd_bn"][1] else "{:.0f}-{:.0f}".format(*r["sample_market_usd_bn"])
            per = "-" if c["central"] is None else f"{c['central']:.1f} [{c['low']:.1f}, {c['high']:.1f}]"
            t.add_row(r["key"], r["measure"], r["tenor"], native, mkt, per, r["approx"])  # whole: it says why
        out.append(t)
    return out


def _band3(d) -> str:
    return "-" if not d else f"{num(d['estimate'])} [{num(d['ci_low'])}, {num(d['ci_high'])}]"
