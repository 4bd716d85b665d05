"""One line per headline interval: where its width comes from (which inputs are drawn, and for the yield
response how much of the posterior's precision rests on data and how much on the literature priors)."""

from __future__ import annotations

from flows.report.fmt import num, pct

HEADLINES = ("interest", "yield", "price", "first_year")


def _response_part(u: dict) -> str:
    r = u.get("response_10y_h0")
    if not r:
        return ""
    post, prior = r["posterior"], r["prior"]
    return (
        f" The 10-year response (per 1% of debt, month of the sale) is {num(post['estimate'], 1)} bp "
        f"[{num(post['ci_low'], 1)}, {num(post['ci_high'], 1)}]: {pct(100 * r['data_share_of_precision'], 0)} "
        f"of its precision comes from the data, {pct(100 * r['prior_share_of_precision'], 0)} from the "
        f"literature priors (prior alone [{num(prior['ci_low'], 0)}, {num(prior['ci_high'], 0)}])."
    )


def width_lines(result: dict) -> dict[str, str]:
    """Text per headline (without the link, which the template adds)."""
    u = result.get("uncertainty") or {}
    if u.get("all_draws_agree", False) or not u.get("sources"):
        what = "an imposed price fall" if result.get("imposed") else "a fixed shift"
        line = (
            f"No width: this scenario is {what}, nothing in it is drawn, so every draw gives the same number; "
            "the baseline is CBO's."
        )
        return dict.fromkeys(HEADLINES, line)
    names = ", ".join(s["name"] for s in u["sources"])
    resp = _response_part(u)
    same = " Interest, prices and shares use the same draws as the yields (one draw of the whole response surface per draw)."
    return {
        "interest": f"Width from the draws of: {names}.{resp}{same}",
        "yield": f"Width from the draws of: {names}.{resp}",
        "price": f"Exact bond math on the yield draws: the width is the 10-year yield's.{resp}",
        "first_year": f"Share of draws whose interest crosses 20% of outlays on top of CBO's baseline; drawn: {names}.",
    }
