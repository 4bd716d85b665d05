"""The rollover engine: hand-computed months, the identities, and vectorised == plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import ModelError
from model.issuance import KIND, Buckets, bucket_of, default_mix
from model.rollover import EngineStock, Paths, roll, roll_reference
from model.spec_sections import BUCKETS


def one_bucket(name="bill_1m"):
    return Buckets.from_mix({name: 1.0})


def paths(rate, h, d=1, b=1, bill3m=0.0, inflation=0.0, deficit=0.0):
    return Paths(
        np.full((d, h, b), rate),
        np.full((d, h), bill3m),
        np.full((d, h), inflation),
        primary_deficit=np.full(h, deficit),
    )


def stock(*secs):
    face, rate, kind, mature = zip(*secs, strict=True)
    return EngineStock(
        np.array(face, float), np.array(rate, float), np.array([KIND[k] for k in kind]), np.array(mature)
    )


def random_case(seed=0, n=200, h=60, d=3, target=False):
    rng = np.random.default_rng(seed)
    st = EngineStock(rng.uniform(1, 80, n), rng.uniform(0, 0.05, n), rng.integers(0, 5, n), rng.integers(0, 2 * h, n))
    b = Buckets.from_mix({k: rng.uniform(0.1, 1) for k in BUCKETS})
    p = Paths(
        rng.uniform(0.0, 0.06, (d, h, len(b.names))), rng.uniform(0.03, 0.05, (d, h)), rng.uniform(0.0, 0.05, (d, h))
    )
    if target:
        p.target_outstanding = np.linspace(st.face.sum(), st.face.sum() * 1.2, h)
    else:
        p.primary_deficit = rng.uniform(-50, 200, h)
    return st, b, p


def test_a_maturing_bill_rolls_into_new_bills_at_the_new_yield():
    r = roll(stock((100.0, 0.06, "Bills", 0)), one_bucket(), paths(0.12, 3))
    assert r.interest[0] == pytest.approx([0.5, 1.005, 1.01505])
    assert r.redemptions[0] == pytest.approx([100.0, 100.5, 101.505])
    assert r.outstanding_end[0] == pytest.approx([100.5, 101.505, 102.52005])
    # $100bn of new debt at 3% costs $3bn a year; at 14.4% it costs $14.4bn (the brief's claim 4)
    at = [
        roll(stock((100.0, 0.0, "Bills", 0)), Buckets.from_mix({"note_2y": 1.0}), paths(y, 13)) for y in (0.03, 0.144)
    ]
    assert [12 * x.interest[0, 1] for x in at] == pytest.approx([3.0, 14.4])  # annual rate of month 1's bill
    # over the first year the interest also compounds, since the model borrows to pay it
    assert at[0].interest[0, 1:13].sum() == pytest.approx(100 * ((1 + 0.03 / 12) ** 12 - 1))


def test_primary_deficit_is_borrowed_and_its_interest_compounds():
    r = roll(stock((0.0, 0.0, "Notes", 500)), one_bucket("note_10y"), paths(0.06, 3, deficit=100.0))
    assert r.auctions[0] == pytest.approx([100.0, 100.5, 100.0 + 0.005 * 200.5])
    assert r.outstanding_end[0, -1] == pytest.approx(r.auctions[0].sum())


def test_tips_accrue_inflation_and_pay_a_real_coupon_on_the_adjusted_principal():
    r = roll(stock((100.0, 0.012, "TIPS", 1)), one_bucket(), paths(0.0, 2, inflation=0.12))
    assert r.cash_interest[0, 0] == pytest.approx(0.1)  # 1.2%/12 on 100
    assert r.accretion[0] == pytest.approx([1.0, 1.01])  # 1% a month on 100, then on 101
    assert r.cash_interest[0, 1] == pytest.approx(0.101)
    # redeemed at the adjusted principal (102.01), plus the 1-month bill that financed month 0's coupon
    assert r.redemptions[0, 1] == pytest.approx(102.01 + 0.1)
    assert r.issuance[0, 0] == pytest.approx(1.1)  # cash 0.1 + accretion 1.0 (in-kind)


def test_frns_reset_to_the_three_month_bill_plus_spread():
    p = paths(0.0, 2)
    p.bill3m = np.array([[0.03, 0.06]])
    r = roll(stock((100.0, 0.002, "FRN", 5)), one_bucket(), p)
    assert r.interest[0] == pytest.approx([100 * 0.032 / 12, 100 * 0.062 / 12])
    _, by_class = r.avg_rate_pct()
    assert by_class[0, :, KIND["FRN"]] == pytest.approx([3.2, 6.2])


def test_average_rate_by_class_weights_by_outstanding():
    r = roll(stock((100.0, 0.02, "Notes", 50), (300.0, 0.04, "Notes", 50)), one_bucket(), paths(0.05, 2))
    total, by_class = r.avg_rate_pct()
    assert by_class[0, 0, KIND["Notes"]] == pytest.approx(3.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identities_hold_every_month_and_draw(seed):
    r = roll(*random_case(seed))
    assert np.abs(r.issuance - (r.redemptions + r.primary_deficit + r.interest)).max() < 1e-9
    assert np.abs(r.outstanding_end - r.outstanding_start - (r.issuance - r.redemptions)).max() < 1e-9
    assert np.abs(r.outstanding_start[:, 1:] - r.outstanding_end[:, :-1]).max() == 0
    assert np.abs(r.face_by_class.sum(-1) - r.outstanding_end).max() < 1e-8
    assert np.abs(r.interest - r.cash_interest - r.accretion).max() < 1e-12


@pytest.mark.parametrize("target", [False, True])
def test_vectorised_engine_equals_the_plain_loop(target):
    st, b, p = random_case(7, n=120, h=48, d=2, target=target)
    fast, slow = roll(st, b, p), roll_reference(st, b, p)
    for field in fast.__dataclass_fields__:
        assert np.allclose(getattr(fast, field), getattr(slow, field), rtol=1e-12, atol=1e-9), field


def test_backcast_mode_follows_the_target_outstanding():
    st, b, p = random_case(3, target=True)
    r = roll(st, b, p)
    assert r.outstanding_end[0] == pytest.approx(p.target_outstanding)
    with pytest.raises(ModelError, match="exactly one of"):
        roll(st, b, Paths(p.new_rate, p.bill3m, p.inflation))


def test_backcast_by_class_issues_each_class_to_its_realized_path():
    st, b, p = random_case(seed=3, d=1, target=True)
    start = np.bincount(st.kind, weights=st.face, minlength=5)
    h = p.new_rate.shape[1]
    # every class grows 30 % over the horizon (bills), or 10 % (the rest): never below what is already there
    goal = start * np.where(np.arange(5) == KIND["Bills"], 1.3, 1.1)
    p.target_outstanding = None
    p.inflation = np.zeros_like(p.inflation)  # TIPS accretion above a slow path could not be auctioned back
    p.target_by_class = start[None, :] + np.linspace(0, 1, h)[:, None] * (goal - start)[None, :]
    r = roll(st, b, p)
    assert r.face_by_class[0, -1] == pytest.approx(goal, rel=1e-9)
    assert r.outstanding_end[0] == pytest.approx(p.target_by_class.sum(axis=1), rel=1e-9)
    gross = r.issuance - (r.redemptions + r.primary_deficit + r.interest)
    assert np.abs(gross).max() < 1e-6  # the implied deficit closes the identity
    with pytest.raises(ModelError, match="exactly one of"):
        roll(
            st,
            b,
            Paths(p.new_rate, p.bill3m, p.inflation, primary_deficit=np.zeros(h), target_by_class=p.target_by_class),
        )


def test_engine_stock_maturity_months_count_calendar_months_after_the_anchor():
    df = pd.DataFrame(
        {
            "outstanding_usd_bn": [1.0] * 4,
            "rate_pct": [1.0] * 4,
            "security_class": ["Bills", "Notes", "Bonds", "TIPS"],
            "maturity_date": pd.to_datetime(["2026-10-01", "2026-10-31", "2026-11-15", "2036-09-30"]),
        }
    )
    assert EngineStock.from_stock(df, pd.Timestamp("2026-09-30").date()).mature.tolist() == [0, 0, 1, 119]


def test_default_mix_uses_recent_coupon_issuance_and_bill_rollover():
    a = pd.Timestamp("2026-09-30")
    st = pd.DataFrame(
        {
            "cusip": ["B1", "N1", "N2", "T1"],
            "security_class": ["Bills", "Notes", "Notes", "TIPS"],
            "original_term_months": [3.0, 120.0, 120.0, 120.0],
            "issue_date": pd.to_datetime(["2026-07-01", "2026-02-15", "2021-02-15", "2020-01-15"]),
            "outstanding_usd_bn": [300.0, 120.0, 1000.0, 50.0],
        }
    )
    st.attrs["anchor"] = a.date()
    mix = default_mix(st)
    # bills 300/3 = 100 a month, the 10y issued in the last year 120/12 = 10 a month; TIPS: nothing recent,
    # so the class falls back to its rollover pace 50/120
    assert mix == pytest.approx(
        {
            "bill_3m": 100 / (110 + 50 / 120),
            "note_10y": 10 / (110 + 50 / 120),
            "tips_10y": (50 / 120) / (110 + 50 / 120),
        }
    )
    tranches = pd.DataFrame(
        {
            "record_date": [a, a],
            "cusip": ["B1", "B1"],
            "maturity_date": [a + pd.Timedelta(days=60)] * 2,
            "issue_date": [a - pd.Timedelta(days=122), a - pd.Timedelta(days=31)],
            "issued_usd_mn": [60_000.0, 40_000.0],
        }
    )
    split = default_mix(st, tranches)
    # the 26-week original (60%) and its 13-week reopening (40%) each count at their own term
    assert split["bill_6m"] / split["bill_3m"] == pytest.approx((180 / 6) / (120 / 3))
    assert bucket_of("Notes", 119) == "note_10y" and bucket_of("Bills", 1.4) == "bill_1m"
