"""Retention economics: the calculator, the 2-6x and +5 points claims, estimates from data, charts, widget."""
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from playbook.economics import (
    CRM_DIMENSIONS,
    acquisition_vs_retention,
    cohort_profit,
    customer_lifetime_value,
    customer_growth,
    empirical_retention,
    retention_by_period,
    retention_sensitivity,
)
from playbook.errors import DataValidationError, InvalidArgumentError, PlaybookError

PARAMS = dict(acquisition_cost=200, retention_cost=20, retention_rate=0.8, margin_per_period=100, discount_rate=0.1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _orders(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["margin"] = df["amount"] * 0.3
    return df


# --- customer_lifetime_value ------------------------------------------------

def test_clv_closed_form_and_textbook_numbers():
    assert customer_lifetime_value(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert customer_lifetime_value(100, 0.0, 0.1) == 0.0
    # with costs: (m r - c) / (1 + d - r) - a
    assert customer_lifetime_value(100, 0.5, 0.1, retention_cost=10, acquisition_cost=30) == pytest.approx(40 / 0.6 - 30)


def test_clv_finite_horizon_converges_to_infinite_and_matches_a_loop():
    m, r, d, c = 80.0, 0.7, 0.12, 5.0
    loop = sum((m * r**t - c * r ** (t - 1)) / (1 + d) ** t for t in range(1, 6))
    assert customer_lifetime_value(m, r, d, 5, retention_cost=c) == pytest.approx(loop)
    assert customer_lifetime_value(m, r, d, 500, retention_cost=c) == pytest.approx(
        customer_lifetime_value(m, r, d, retention_cost=c))
    assert customer_lifetime_value(m, r, d, 1) == pytest.approx(m * r / (1 + d))


def test_clv_is_vectorised():
    out = customer_lifetime_value(100, np.array([0.5, 0.8]), 0.1)
    assert out.shape == (2,) and out[1] > out[0]


@pytest.mark.parametrize("kwargs, name", [
    (dict(margin_per_period=100, retention_rate=1.2, discount_rate=0.1), "retention_rate"),
    (dict(margin_per_period=100, retention_rate=-0.1, discount_rate=0.1), "retention_rate"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=-0.1), "discount_rate"),
    (dict(margin_per_period=100, retention_rate=1.0, discount_rate=0.0), "infinite"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=0.1, periods=-1), "periods"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=0.1, periods=2.5), "periods"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=0.1, periods=True), "periods"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=0.1, retention_cost=-1), "retention_cost"),
    (dict(margin_per_period=100, retention_rate=0.5, discount_rate=0.1, acquisition_cost=-5), "acquisition_cost"),
    (dict(margin_per_period=np.nan, retention_rate=0.5, discount_rate=0.1), "margin_per_period"),
])
def test_clv_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(InvalidArgumentError, match=name):
        customer_lifetime_value(**kwargs)


def test_clv_is_the_one_formula_in_playbook_value():
    """One CLV function (issue #15): economics re-exports playbook.value's, simple_clv is its old name."""
    import playbook
    from playbook import value

    assert customer_lifetime_value is value.customer_lifetime_value is playbook.customer_lifetime_value
    assert value.simple_clv.deprecated_alias_of is customer_lifetime_value


def test_clv_accepts_every_input_the_formula_has_a_value_for():
    """Inputs the merged function now accepts (simple_clv did): certain retention over a finite
    horizon or with discounting, high discount rates, a horizon of 0 periods."""
    assert customer_lifetime_value(100, 1.0, 0.1) == pytest.approx(1000)          # sum of 100 / 1.1**t
    assert customer_lifetime_value(50, 1.0, 0.0, periods=4, retention_cost=5) == pytest.approx(200 - 20)
    assert customer_lifetime_value(100, 0.5, 1.5) == pytest.approx(50 / 2.0)
    assert customer_lifetime_value(100, 0.8, 0.1, periods=0, acquisition_cost=30) == -30
    assert customer_lifetime_value(100, 0.8, 0.1, periods=np.array([0, 1])).tolist() == pytest.approx([0, 80 / 1.1])


def _old_economics_clv(m, r, d, periods=None, *, retention_cost=0.0, acquisition_cost=0.0):
    """economics.customer_lifetime_value at commit 584aaca, frozen (its margin term was value.simple_clv)."""
    if periods is None:
        margin, cost = m * r / (1 + d - r), retention_cost / (1 + d - r)
    else:
        q = r / (1 + d)
        margin = m * q * (1 - q**periods) / (1 - q)
        cost = retention_cost * (1 - q**periods) / (1 - q) / (1 + d)
    return margin - cost - acquisition_cost


def test_clv_figures_unchanged_by_the_merge():
    from playbook.economics import acquisition_vs_retention

    rng = np.random.default_rng(15)
    for _ in range(200):
        m, r, d = rng.uniform(-50, 500), rng.uniform(0, 0.99), rng.uniform(0, 0.5)
        c, a = rng.uniform(0, 50), rng.uniform(0, 300)
        periods = [None, int(rng.integers(1, 40))][int(rng.integers(2))]
        assert customer_lifetime_value(m, r, d, periods, retention_cost=c, acquisition_cost=a) == pytest.approx(
            _old_economics_clv(m, r, d, periods, retention_cost=c, acquisition_cost=a), rel=1e-12, abs=1e-9)
        # acquisition_vs_retention's value created, as it was written before it called the formula
        t = acquisition_vs_retention(10_000, acquisition_cost=a + 1, retention_cost=c + 1, margin_per_period=m,
                                     retention_rate=r, discount_rate=d, customers_at_risk=100)
        old = t["new_customers"] * m * r / (1 + d - r) + t["customers_kept"] * m / (1 + d - r)
        assert np.allclose(t["value_created"], old, rtol=1e-12, atol=1e-9)


# --- cohort_profit ------------------------------------------------------------

def test_cohort_profit_matches_clv_and_has_the_documented_shape():
    t = cohort_profit(1000, periods=8, **PARAMS)
    assert list(t.index) == list(range(9))
    assert t.loc[0, "acquisition_spend"] == 200_000 and t["acquisition_spend"].iloc[1:].eq(0).all()
    assert t.loc[3, "customers_alive"] == pytest.approx(1000 * 0.8**3)
    assert t.loc[3, "retention_spend"] == pytest.approx(20 * 1000 * 0.8**2)
    clv = customer_lifetime_value(100, 0.8, 0.1, 8, retention_cost=20, acquisition_cost=200)
    assert t["cumulative_npv"].iloc[-1] == pytest.approx(1000 * clv)
    assert (t["profit"] == t["margin"] - t["retention_spend"] - t["acquisition_spend"]).all()


def test_cohort_profit_higher_retention_pays_back_sooner():
    low = cohort_profit(1000, periods=10, **{**PARAMS, "retention_rate": 0.6})
    high = cohort_profit(1000, periods=10, **{**PARAMS, "retention_rate": 0.85})
    assert high["cumulative_npv"].iloc[-1] > 0 > low["cumulative_npv"].iloc[-1]


@pytest.mark.parametrize("bad", [dict(n_customers=0), dict(periods=0), dict(periods=2.5), dict(acquisition_cost=-1)])
def test_cohort_profit_bad_input(bad):
    args = dict(n_customers=100, periods=5, **PARAMS)
    args.update(bad)
    n = args.pop("n_customers")
    with pytest.raises(InvalidArgumentError, match=next(iter(bad))):
        cohort_profit(n, **args)


# --- acquisition_vs_retention --------------------------------------------------

def test_acquisition_vs_retention_cost_ratio_and_cap():
    t = acquisition_vs_retention(10_000, acquisition_cost=300, retention_cost=60, margin_per_period=100,
                                 retention_rate=0.7, discount_rate=0.1, customers_at_risk=50)
    assert t["kept_per_new"].eq(5.0).all()
    assert t["customers_kept"].max() == 50  # capped: no more can be kept than would leave
    assert t.loc[0, "new_customers"] == pytest.approx(10_000 / 300)
    # the best split spends exactly what keeps all 50 at-risk customers: 3,000 = 30% of the budget
    assert t.loc[t["profit"].idxmax(), "share_to_retention"] == pytest.approx(0.3)


def test_acquisition_vs_retention_claim_fails_when_keeping_is_dear():
    # keeping one costs more than winning one: all money should go to acquisition
    t = acquisition_vs_retention(10_000, acquisition_cost=100, retention_cost=400, margin_per_period=100,
                                 retention_rate=0.5, discount_rate=0.1, customers_at_risk=1_000)
    assert t.loc[t["profit"].idxmax(), "share_to_retention"] == 0.0


def test_acquisition_vs_retention_bad_input():
    kw = dict(acquisition_cost=100, retention_cost=20, margin_per_period=50, retention_rate=0.5, discount_rate=0.1,
              customers_at_risk=10)
    with pytest.raises(InvalidArgumentError, match="retention_cost"):
        acquisition_vs_retention(1000, **{**kw, "retention_cost": 0})
    with pytest.raises(InvalidArgumentError, match="budget"):
        acquisition_vs_retention(0, **kw)
    with pytest.raises(InvalidArgumentError, match="steps"):
        acquisition_vs_retention(1000, steps=1, **kw)


# --- retention_sensitivity -----------------------------------------------------

def test_plus_five_points_doubles_net_value_only_when_margins_are_thin():
    thin = retention_sensitivity(100, current=0.8, discount_rate=0.1, acquisition_cost=200)
    fat = retention_sensitivity(100, current=0.5, discount_rate=0.1, acquisition_cost=10)
    assert thin.loc[thin["is_improved"], "net_value_ratio"].item() > 2.0
    assert fat.loc[fat["is_improved"], "net_value_ratio"].item() < 1.3
    assert thin["is_current"].sum() == 1 and thin["is_improved"].sum() == 1
    assert thin["clv"].is_monotonic_increasing


def test_retention_sensitivity_bad_input():
    with pytest.raises(InvalidArgumentError, match="current"):
        retention_sensitivity(100, current=0.97, discount_rate=0.1)
    with pytest.raises(InvalidArgumentError, match="current"):
        retention_sensitivity(100, current=1.2, discount_rate=0.1)


# --- estimates from data -------------------------------------------------------

def test_retention_by_period_on_a_tiny_base():
    orders = _orders([("a", "2024-03-01", 10), ("b", "2024-05-01", 20), ("a", "2025-02-01", 30),
                      ("c", "2025-06-01", 40), ("a", "2025-07-01", -5)])
    t = retention_by_period(orders, "2025-12-31")
    assert t.loc["2025", "retained_customers"] == 1 and t.loc["2025", "retention_rate"] == 0.5
    assert t.loc["2025", "new_customers"] == 1
    assert t.loc["2025", "value_per_customer"] == pytest.approx((30 + 40 - 5) * 0.3 / 2)  # refund counted
    est = empirical_retention(orders, "2025-12-31")
    assert est["retention_rate"] == 0.5
    assert est["margin_per_period"] == pytest.approx((10 + 20 + 30 + 40 - 5) * 0.3 / 4)


def test_incomplete_last_period_is_left_out():
    orders = _orders([("a", "2024-03-01", 10), ("a", "2025-02-01", 30), ("a", "2026-01-15", 30)])
    assert retention_by_period(orders, "2026-03-01").index.tolist() == ["2024", "2025"]


def test_estimates_bad_input(retail):
    one_year = _orders([("a", "2025-03-01", 10), ("b", "2025-04-01", 5)])
    with pytest.raises(DataValidationError, match="two complete periods"):
        empirical_retention(one_year, "2025-12-31")
    assert empirical_retention(one_year, "2025-12-31", freq="Q")["retention_rate"] == 0.0  # everyone bought once
    with pytest.raises(DataValidationError, match="no orders"):
        empirical_retention(retail, "2020-01-01")
    with pytest.raises(InvalidArgumentError, match="as_of"):
        empirical_retention(one_year)
    with pytest.raises(InvalidArgumentError, match="freq"):
        empirical_retention(retail, freq="M")
    with pytest.raises(DataValidationError, match="Did you mean .margins."):
        empirical_retention(one_year.rename(columns={"margin": "margins"}), "2025-12-31", freq="Q")
    with pytest.raises(DataValidationError, match="no orders"):
        empirical_retention(one_year.iloc[:0], "2025-12-31")
    with pytest.raises(InvalidArgumentError):
        empirical_retention([1, 2, 3], "2025-12-31")


def test_single_customer_and_ties():
    one = _orders([("a", "2024-01-01", 10), ("a", "2025-01-01", 10)])
    assert empirical_retention(one, "2025-12-31")["retention_rate"] == 1.0
    ties = _orders([(c, "2024-06-01", 10) for c in "abcd"] + [(c, "2025-06-01", 10) for c in "ab"])
    assert empirical_retention(ties, "2025-12-31")["retention_rate"] == 0.5


SEEDS = range(5)


@pytest.fixture(scope="module")
def small_bases():
    """Five small realistic bases per scenario (seeds 0-4): every claim against truth must hold on each."""
    from playbook.synth import generate

    return {(sc, s): generate(sc, n_customers=n, seed=s) for sc, n in (("retail", 800), ("b2b", 200)) for s in SEEDS}


def test_empirical_retention_against_truth(small_bases):
    """Observed retention understates the truth: alive-but-quiet customers count as lost.

    On realistic bases (seeds 0-4) observed yearly retention is 0.30-0.37 in retail against
    0.58-0.63 truly still customers, and 0.48-0.57 against 0.77-0.84 in b2b: the gap is about a
    quarter of the base, not a rounding error. Quarters make it worse (more quiet periods).
    """
    for s in SEEDS:
        r = empirical_retention(small_bases["retail", s])
        assert r["true_retention_rate"] - r["retention_rate"] > 0.15, s
        q = empirical_retention(small_bases["retail", s], freq="Q")
        assert q["true_retention_rate"] - q["retention_rate"] > r["true_retention_rate"] - r["retention_rate"], s
        b = empirical_retention(small_bases["b2b", s])
        assert b["true_retention_rate"] - b["retention_rate"] > 0.15, s
        assert b["margin_per_period"] > 100 * r["margin_per_period"], s
        assert r["clv"] == pytest.approx(customer_lifetime_value(r["margin_per_period"], r["retention_rate"], 0.1))


def test_empirical_retention_does_not_mutate(retail):
    before = retail.orders.copy()
    empirical_retention(retail.orders, retail.as_of, freq="Q")
    pd.testing.assert_frame_equal(retail.orders, before)


def test_crm_dimensions_table():
    assert list(CRM_DIMENSIONS.index) == ["select", "acquire", "retain", "expand"]
    assert CRM_DIMENSIONS.loc["retain", "chinese"] == "保持客户"
    assert "08" in CRM_DIMENSIONS.loc["retain", "notebooks"]


def test_errors_are_playbook_errors():
    with pytest.raises(PlaybookError):
        customer_lifetime_value(100, 2, 0.1)


# --- charts and widget ---------------------------------------------------------

def test_charts_draw_without_warnings():
    from playbook.charts.economics import profit_over_time, retention_curve

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = profit_over_time(cohort_profit(1000, periods=10, **PARAMS))
        assert len(ax.patches) == 11 and "Cohort" in ax.get_title()
        ax2 = retention_curve(retention_sensitivity(100, current=0.6, discount_rate=0.1), lang="zh")
        assert "5" in ax2.get_title()
    with pytest.raises(DataValidationError, match="cohort_profit"):
        profit_over_time(pd.DataFrame({"x": [1]}))


def test_widget_moves():
    from playbook.widgets import EconomicsExplorer

    e = EconomicsExplorer(**PARAMS)
    before = dict(e.shown)
    e.acquisition_cost.value = 400
    assert e.shown["net_clv"] == pytest.approx(before["net_clv"] - 200)
    assert e.shown["clv"] == before["clv"]


def test_period_is_the_old_name_of_freq(retail):
    with pytest.warns(DeprecationWarning, match="empirical_retention renamed: 'period' is now 'freq'"):
        old = empirical_retention(retail, period="Q")
    pd.testing.assert_series_equal(old, empirical_retention(retail, freq="Q"))
    with pytest.warns(DeprecationWarning, match="retention_by_period renamed"):
        old = retention_by_period(retail, period="Q")
    pd.testing.assert_frame_equal(old, retention_by_period(retail, freq="Q"))


# --- customer_growth: the number and the quality of customers -------------------

def test_customer_growth_on_a_tiny_base_and_the_split_adds_up():
    orders = _orders([("a", "2024-03-01", 100), ("b", "2024-05-01", 100), ("a", "2025-02-01", 150),
                      ("b", "2025-06-01", 100), ("c", "2025-07-01", 200), ("a", "2026-01-15", 10)])
    t = customer_growth(orders, "2025-12-31")  # 2026 is incomplete: left out
    assert t.index.tolist() == ["2024", "2025"]
    assert t["active_customers"].tolist() == [2, 3] and t["new_customers"].tolist() == [2, 1]
    assert t.loc["2025", "repeat_share"] == pytest.approx(2 / 3)
    assert t.attrs["key_revenue"] == pytest.approx(100.0)  # 80th percentile of the first year's spend
    assert t.loc["2025", "key_share"] == 1.0
    row = t.loc["2025"]
    assert row["number_effect"] + row["quality_effect"] == pytest.approx(row["revenue_change"])
    assert row["number_effect"] == pytest.approx(1 * (100 + 150) / 2)
    fixed = customer_growth(orders, "2025-12-31", key_revenue=180)
    assert fixed.loc["2025", "key_share"] == pytest.approx(1 / 3)


def test_customer_growth_bad_input(retail):
    orders = _orders([("a", "2025-03-01", 10), ("b", "2025-04-01", 5)])
    with pytest.raises(DataValidationError, match="two complete periods"):
        customer_growth(orders, "2025-12-31")
    with pytest.raises(InvalidArgumentError, match="key_revenue"):
        customer_growth(retail, key_revenue=0)
    with pytest.raises(InvalidArgumentError, match="freq"):
        customer_growth(retail, freq="M")
    with pytest.raises(InvalidArgumentError, match="as_of"):
        customer_growth(orders)


def test_number_and_quality_over_seeds(small_bases):
    """Realistic bases, seeds 0-4. Retail (a shop opened in 2023) grows mostly by adding customers, and its
    returning share rises every year. The b2b supplier has more accounts every year on the whole, yet the
    quality part of its revenue change is negative on every seed: its biggest accounts buy less (the
    jumped-ship story), so counting customers alone would hide the loss."""
    for s in SEEDS:
        r = customer_growth(small_bases["retail", s])
        for _, row in r.dropna().iterrows():
            assert row["number_effect"] + row["quality_effect"] == pytest.approx(row["revenue_change"])
        assert r["number_effect"].sum() > r["quality_effect"].sum() > 0, s
        assert r["repeat_share"].is_monotonic_increasing, s
        b = customer_growth(small_bases["b2b", s])
        assert b["active_customers"].iloc[-1] > b["active_customers"].iloc[0], s
        assert b["number_effect"].sum() > 0 > b["quality_effect"].sum(), s


def test_growth_chart_and_widget():
    import playbook
    from playbook.charts.economics import growth_decomposition
    from playbook.widgets.economics import GrowthExplorer

    b2b = playbook.load_dataset("b2b")
    ax = growth_decomposition(customer_growth(b2b))
    assert "quality pulled revenue down" in ax.get_title()
    with pytest.raises(DataValidationError, match="customer_growth"):
        growth_decomposition(pd.DataFrame({"x": [1]}))
    g = GrowthExplorer({"b2b": b2b})
    assert g.shown["periods"] == len(customer_growth(b2b))
    g.view.value = "quality"
    assert "Quality signs" in g.shown["title"]
    with pytest.raises(InvalidArgumentError):
        GrowthExplorer({})
