"""Per-draw results of a chunked Monte Carlo run, and the ScenarioResult built from them.

`Collector.add` reduces one chunk of draws (its yield shift and engine run) to what the reported quantiles need,
written into arrays preallocated for all draws: the shift path at the calibrated tenors (float32), the monthly
interest delta, the average rate, fiscal-year deltas, peaks, losses, spillovers. `result` takes the quantiles
over all draws at once, so every p5/p50/p95 comes from the same draws and does not depend on the chunking.
"""

from __future__ import annotations

import numpy as np

from calibration.contract import TENOR_MONTHS, TENORS
from model import ModelError
from model.budget import by_fiscal_year, load_cbo_baseline
from model.reconcile import basis_note, budget_basis, first_year_over
from model.response import scenario_response
from model.results import FirstYearOver, FiscalYearRow, InterestResult, MonthRow, ScenarioResult, TenorYields
from model.risk import (
    benchmark_prices,
    loss_pct_at,
    peak_month,
    quantiles,
    revalue,
    signed_peaks,
    soma_holdings,
    spillover_draws,
    spillover_params,
    spillover_result,
    stock_holdings,
)
from model.spec import latest_holdings
from model.stock import avg_rate_pct, class_totals, reconcile
from model.uncertainty import impact_summary, imposed_summary, width_sources
from warehouse.countries import HEADLINE_HOLDER

TEN_YEARS = 120
AT_MONTHS = (0, 6, 12, 24, 60, 119)


class Collector:
    def __init__(self, spec, setup, record, frames, base, fy_b, sales: np.ndarray):
        d, h = spec.draws, spec.horizon_months
        self.spec, self.setup, self.record, self.frames, self.base, self.fy_b = spec, setup, record, frames, base, fy_b
        self.sales = sales
        self.months_at = [m for m in AT_MONTHS if m < h]
        self.n10 = min(h, TEN_YEARS)
        f = len(fy_b.fiscal_year)
        self.path = np.empty((d, h, len(TENORS)), dtype=np.float32)
        self.rate = np.empty((d, h), dtype=np.float32)
        self.delta = np.empty((d, h))
        self.peak = np.empty((d, len(TENORS)))
        self.at = np.empty((d, len(TENORS), len(self.months_at)))
        self.fy_delta, self.fy_eff, self.fy_debt = (np.empty((d, f)) for _ in range(3))
        self.per_draw = {k: np.empty(d) for k in ("cum", "debt_end", "fed", "be_peak", "selling")}
        self.spill: dict[str, np.ndarray] = {}
        self.checks = [0.0, 0.0]
        self.spill_params, self.warnings = spillover_params(record)
        self.stock_h = stock_holdings(setup.stock, setup.anchor)
        held = latest_holdings(frames.holdings, setup.anchor) if frames.holdings is not None else {}
        self.japan = held.get(HEADLINE_HOLDER)
        self.sellers = [(i, c, start, n, amt) for i, (c, start, n, amt) in enumerate(spec.sale_schedule(setup.amounts))]
        self.sale_months = sorted({m for _, _, s, n, amt in self.sellers if amt > 0 for m in range(s, s + n)})
        self.japan_sells = any(c == HEADLINE_HOLDER for _, c, *_ in self.sellers)
        self.soma_h = None
        if frames.soma is not None and not frames.soma.empty:
            self.soma_h = soma_holdings(frames.soma, setup.anchor, frames.fed_treasury)
            self.warnings += self.soma_h.info["warnings"]
        self.mtm = {f"seller{i}": np.empty(d) for i, *_ in self.sellers}
        self.mtm.update({k: np.empty(d) for k in ("japan_holder", "soma")})
        self.soma_value = 0.0
        self.point: dict = {}

    # --- per chunk ---------------------------------------------------------------------------------------------

    def _engine(self, scen):
        fy = by_fiscal_year(self.setup.monthly, scen.interest, scen.outstanding_start, scen.outstanding_end)
        gross = np.abs(scen.issuance - (scen.redemptions + scen.primary_deficit + scen.interest)).max()
        stock = np.abs(scen.outstanding_end - scen.outstanding_start - (scen.issuance - scen.redemptions)).max()
        self.checks = [max(self.checks[0], float(gross)), max(self.checks[1], float(stock))]
        return fy, scen.interest - self.base.interest

    def add(self, lo: int, shift, scen, normals: np.ndarray) -> None:
        hi = lo + len(normals)
        tot = shift.total_nodes()
        self.path[lo:hi] = tot
        self.peak[lo:hi] = signed_peaks(tot)
        self.at[lo:hi] = np.transpose(tot[:, self.months_at, :], (0, 2, 1))
        fy, delta = self._engine(scen)
        self.delta[lo:hi] = delta
        self.rate[lo:hi] = scen.avg_rate_pct()[0]
        self.fy_delta[lo:hi] = fy.interest - self.fy_b.interest
        self.fy_eff[lo:hi], self.fy_debt[lo:hi] = fy.effective_rate_pct, fy.debt_end
        pd_ = self.per_draw
        pd_["cum"][lo:hi] = delta[:, : self.n10].sum(axis=1)
        pd_["debt_end"][lo:hi] = scen.outstanding_end[:, -1]
        pd_["fed"][lo:hi], pd_["selling"][lo:hi] = shift.fed.sum(axis=1), shift.selling.sum(axis=1)
        pd_["be_peak"][lo:hi] = shift.breakeven.max(axis=1)
        for k, v in spillover_draws(self.spill_params, tot[:, :, 3], normals[:, 7:10]).items():
            self.spill.setdefault(k, np.empty(len(self.delta)))[lo:hi] = v
        self._mtm(lo, hi, shift, tot)

    def _mtm(self, lo: int, hi: int, shift, tot: np.ndarray) -> None:
        infl, curve = self.spec.assumptions.cpi_inflation_pct, self.setup.curve
        lp = {m: loss_pct_at(self.stock_h, curve, shift, m, infl) for m in self.sale_months}
        for i, _c, start, n, amount in self.sellers:
            loss = sum(amount / n * lp[m] / 100.0 for m in range(start, start + n)) if amount > 0 else 0.0
            self.mtm[f"seller{i}"][lo:hi] = loss
        peak = peak_month(tot)
        if self.japan and not self.japan_sells:
            self.mtm["japan_holder"][lo:hi] = loss_pct_at(self.stock_h, curve, shift, peak, infl)
        if self.soma_h is not None:
            loss, self.soma_value = revalue(
                self.soma_h, curve, shift.at_month(self.soma_h.terms, peak), shift.breakeven_at(peak), infl
            )
            self.mtm["soma"][lo:hi] = loss

    def add_point(self, shift, scen) -> None:
        fy, delta = self._engine(scen)
        self.point = {"cum": float(delta[0, : self.n10].sum()), "fy_delta": fy.interest[0] - self.fy_b.interest[0]}

    # --- the result ----------------------------------------------------------------------------------------------

    def result(self, response, draws) -> ScenarioResult:
        spec, setup = self.spec, self.setup
        cbo = self.frames.cbo if self.frames.cbo is not None else load_cbo_baseline()
        basis = budget_basis(setup.monthly, self.fy_b, cbo)
        first_s = first_year_over(basis, self.fy_delta)
        first_b = int(first_year_over(basis, np.zeros(len(basis.fiscal_year)))[0])
        first_pt = int(first_year_over(basis, self.point["fy_delta"])[0])
        med = float(np.median(np.where(first_s == 0, 10_000, first_s)))
        resp = response
        if resp is None and spec.price_fall_pct:
            try:  # the article check needs the response even when nothing is sold
                resp = scenario_response(self.record)
            except ModelError:
                resp = None
        warnings = list(setup.curve.warnings) + self.warnings + (list(response.notes) if response else [])
        imposed = imposed_summary(spec, setup, self.frames, resp, draws) if spec.price_fall_pct else None
        return ScenarioResult(
            name=spec.name,
            description=spec.description,
            spec=spec.model_dump(mode="json"),
            calibration_id=self.record.id,
            anchor=setup.anchor,
            curve_as_of=max(setup.curve.as_of),
            horizon_months=spec.horizon_months,
            draws=spec.draws,
            seed=spec.seed,
            sales=self._sales(),
            impact_unit=spec.assumptions.impact_unit,
            impact=impact_summary(spec, setup, response),
            baseline=setup.baseline.describe() | {"budget_basis": basis_note(basis)},
            interest=InterestResult(
                cumulative_10y_delta_usd_bn=quantiles(self.per_draw["cum"]),
                cumulative_10y_delta_point_usd_bn=self.point["cum"],
                cumulative_months=self.n10,
                by_fiscal_year=self._fy_rows(basis),
                monthly=self._month_rows(),
            ),
            yields=self._yields(),
            prices=benchmark_prices(setup.curve, self.peak, imposed=self._imposed()),
            first_fy_interest_over_20pct_outlays=FirstYearOver(
                threshold_pct=20.0,
                baseline=first_b or None,
                scenario_p50=None if med >= 10_000 else int(med),
                scenario_point=first_pt or None,
                share_of_draws_crossing=float(np.mean(first_s > 0)),
            ),
            spillover=spillover_result(self.spill_params, self.spill),
            mark_to_market=self._mtm_result(),
            backstop={
                "share": spec.fed_backstop.share,
                "fed_purchases_usd_bn": quantiles(self.per_draw["fed"]),
                "breakeven_10y_peak_bp": quantiles(self.per_draw["be_peak"]),
                "breakeven_passthrough": spec.fed_backstop.breakeven_passthrough,
            },
            debt=self._debt(),
            issuance_mix=setup.buckets.as_dict(),
            checks={
                "identity_gross_issuance_max_abs_usd_bn": self.checks[0],
                "identity_stock_max_abs_usd_bn": self.checks[1],
            },
            imposed=imposed,
            uncertainty=width_sources(spec, self.record, response, self.sales),
            warnings=warnings,
        )

    def _imposed(self):
        from model.shock import PriceFall

        return PriceFall(self.spec.price_fall_pct, self.setup.curve) if self.spec.price_fall_pct else None

    def _sales(self) -> dict:
        total = float(self.sales.sum())
        sellers = [
            {"country": c, "amount_usd_bn": amt, "start_month": s, "months": n} for _, c, s, n, amt in self.sellers
        ]
        return {
            "sellers": sellers,
            "sellers_total_usd_bn": total,
            "sellers_total_pct_of_debt": float(100.0 * total / self.setup.debt_usd_bn),
            "contagion_multiplier": self.spec.contagion,
            "contagion_sales_usd_bn": quantiles(self.per_draw["selling"] - total),
            "net_market_sales_usd_bn": quantiles(self.per_draw["selling"] - self.per_draw["fed"]),
        }

    def _fy_rows(self, basis) -> list[FiscalYearRow]:
        b, rows = self.fy_b, []
        for j, fy in enumerate(basis.fiscal_year):
            base_int, dlt = float(basis.baseline_interest[j]), self.fy_delta[:, j]
            scen_int = base_int + dlt
            out_b, out_s = basis.primary_outlays[j] + base_int, basis.primary_outlays[j] + scen_int
            cbo_ni = basis.cbo_net_interest[j]
            pub = basis.published_share_pct[j]
            rows.append(
                FiscalYearRow(
                    fiscal_year=int(fy),
                    months=int(basis.months[j]),
                    extrapolated=bool(b.extrapolated[j]),
                    revenues_usd_bn=float(basis.revenues[j]),
                    gdp_usd_bn=float(basis.gdp[j]),
                    cbo_net_interest_usd_bn=None if np.isnan(cbo_ni) else float(cbo_ni),
                    cbo_published_share_outlays_pct=None if np.isnan(pub) else float(pub),
                    model_interest_usd_bn=float(basis.model_interest[j]),
                    model_minus_cbo_usd_bn=None if np.isnan(cbo_ni) else float(basis.model_interest[j] - cbo_ni),
                    baseline_source="model × CBO ratio" if basis.extrapolated[j] else "CBO net interest",
                    baseline_interest_usd_bn=base_int,
                    scenario_interest_usd_bn=quantiles(scen_int),
                    delta_interest_usd_bn=quantiles(dlt),
                    delta_interest_point_usd_bn=float(self.point["fy_delta"][j]),
                    baseline_outlays_usd_bn=float(out_b),
                    scenario_outlays_usd_bn=quantiles(out_s),
                    baseline_interest_share_outlays_pct=float(100 * base_int / out_b),
                    scenario_interest_share_outlays_pct=quantiles(100 * scen_int / out_s),
                    baseline_interest_share_receipts_pct=float(100 * base_int / basis.revenues[j]),
                    scenario_interest_share_receipts_pct=quantiles(100 * scen_int / basis.revenues[j]),
                    baseline_interest_pct_gdp=float(100 * base_int / basis.gdp[j]),
                    scenario_interest_pct_gdp=quantiles(100 * scen_int / basis.gdp[j]),
                    baseline_effective_rate_pct=float(b.effective_rate_pct[0, j]),
                    scenario_effective_rate_pct=quantiles(self.fy_eff[:, j]),
                    baseline_debt_end_usd_bn=float(b.debt_end[0, j]),
                    scenario_debt_end_usd_bn=quantiles(self.fy_debt[:, j]),
                )
            )
        return rows

    def _month_rows(self) -> list[MonthRow]:
        monthly, base = self.setup.monthly, self.base
        rate_b = base.avg_rate_pct()[0][0]
        p5, p50, p95 = np.percentile(self.delta, [5, 50, 95], axis=0)
        r50 = np.percentile(self.rate.astype(np.float64), 50, axis=0)
        return [
            MonthRow(
                month_end=me.date(),
                fiscal_year=int(fy),
                baseline_interest_usd_bn=float(base.interest[0, m]),
                scenario_interest_usd_bn_p50=float(base.interest[0, m] + p50[m]),
                delta_interest_usd_bn={"p5": float(p5[m]), "p50": float(p50[m]), "p95": float(p95[m])},
                baseline_avg_rate_pct=float(rate_b[m]),
                scenario_avg_rate_pct_p50=float(r50[m]),
            )
            for m, (me, fy) in enumerate(zip(monthly["month_end"], monthly["fiscal_year"], strict=True))
        ]

    def _yields(self) -> dict[str, TenorYields]:
        out = {}
        for k, tenor in enumerate(TENORS):
            pct = np.percentile(self.path[:, :, k].astype(np.float64), [5, 50, 95], axis=0)
            out[tenor] = TenorYields(
                baseline_pct=float(self.setup.curve.at([TENOR_MONTHS[tenor]])[0]),
                peak_shift_bp=quantiles(self.peak[:, k]),
                shift_at_month_bp={str(m): quantiles(self.at[:, k, i]) for i, m in enumerate(self.months_at)},
                path_bp={
                    q: [round(float(v), 3) for v in row] for q, row in zip(("p5", "p50", "p95"), pct, strict=True)
                },
            )
        return out

    def _mtm_result(self) -> dict:
        out: dict = {"japan": None, "soma": None, "sellers": []}
        for i, c, start, n, amount in self.sellers:
            loss = self.mtm[f"seller{i}"]
            row = {
                "country": c,
                "sold_usd_bn": amount,
                "sale_months": [start, start + n - 1],
                "loss_usd_bn": quantiles(loss),
                "loss_pct": quantiles(100 * loss / amount if amount else loss),
                "method": "each month's sale revalued at that month's shift (a pro-rata slice of the marketable "
                "stock: TIC has no CUSIPs)",
            }
            out["sellers"].append(row)
            if c == HEADLINE_HOLDER and out["japan"] is None and self.japan:
                out["japan"] = row | {
                    "holdings_usd_bn": self.japan[0],
                    "holdings_month": self.japan[1].isoformat(),
                    "revalued_at": "its sale months",
                }
        if self.japan and not self.japan_sells:
            pct = self.mtm["japan_holder"]
            out["japan"] = {
                "holdings_usd_bn": self.japan[0],
                "holdings_month": self.japan[1].isoformat(),
                "loss_pct": quantiles(pct),
                "loss_usd_bn": quantiles(pct / 100.0 * self.japan[0]),
                "revalued_at": "each draw's peak 10-year month (Japan holds, does not sell)",
                "method": "pro-rata slice of the marketable stock",
            }
        if self.soma_h is not None:
            loss, v = self.mtm["soma"], self.soma_value
            info = {k: x for k, x in self.soma_h.info.items() if k != "warnings"}
            out["soma"] = info | {
                "market_value_usd_bn": v,
                "treasury_par_usd_bn": float(self.soma_h.amount.sum()),
                "loss_usd_bn": quantiles(loss),
                "loss_pct": quantiles(100 * loss / v if v else loss),
                "revalued_at": "each draw's peak 10-year month (the Fed holds)",
                "warnings": self.soma_h.info["warnings"],
            }
        return out

    def _debt(self) -> dict:
        st, setup = self.setup.stock, self.setup
        totals = class_totals(st)
        w = st["outstanding_usd_bn"]
        out = {
            "anchor_total_usd_bn": float(totals["Total"]),
            "anchor_by_class_usd_bn": {k: float(v) for k, v in totals.items() if k != "Total"},
            "anchor_avg_rate_pct": avg_rate_pct(st, float(setup.curve.at([3.0])[0])),
            "cusips": int(len(st)),
            "rates_imputed": int(st["coupon_imputed"].sum()),
            "rates_imputed_share_of_outstanding": float(w[st["coupon_imputed"]].sum() / w.sum()),
            "end_of_horizon_baseline_usd_bn": float(self.base.outstanding_end[0, -1]),
            "end_of_horizon_scenario_usd_bn": quantiles(self.per_draw["debt_end"]),
        }
        if self.frames.totals is not None:
            rec = reconcile(st, self.frames.totals)
            out["reconciliation"] = rec.replace({np.nan: None}).to_dict(orient="records")
        return out
