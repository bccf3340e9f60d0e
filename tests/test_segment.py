"""The 80/20 table, concentration, ABC classes, tiers, prospects and loss impact."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook.synth import generate
from playbook.errors import DataValidationError, InvalidArgumentError, PlaybookError
from playbook.segment import (
    TIER_POLICY,
    TIERS,
    abc_classes,
    accounts_share_by_period,
    assign_tiers,
    concentration,
    gini,
    lead_levels,
    loss_impact,
    pareto_table,
    prospect_levels,
    tier_migration,
    tier_policy,
    top_share,
)

BIG = ["A0001", "A0002", "A0003", "A0004"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _orders(ids, amounts, margins=None, dates=None):
    df = pd.DataFrame({"customer_id": ids, "amount": np.asarray(amounts, dtype=float),
                       "order_date": pd.to_datetime(dates or ["2025-01-01"] * len(ids))})
    if margins is not None:
        df["margin"] = np.asarray(margins, dtype=float)
    return df


def test_top_share_behaviour_is_kept():
    assert top_share([100, 10, 5, 3, 2]) == pytest.approx(100 / 120)
    assert top_share([1, 1, 1, 1, 1], share=0.4) == pytest.approx(0.4)
    with pytest.raises(InvalidArgumentError):
        top_share([1, 2], share=0)


def test_pareto_table_from_orders_matches_summary(retail):
    from_orders = pareto_table(retail.orders)
    from_summary = pareto_table(playbook.summarize(retail.orders, retail.as_of))
    assert list(from_orders.index[:50]) == list(from_summary.index[:50])
    assert np.allclose(from_orders["cum_share_of_value"], from_summary["cum_share_of_value"])
    assert from_orders["revenue"].is_monotonic_decreasing
    assert from_orders["cum_share_of_value"].iloc[-1] == pytest.approx(1.0)
    assert from_orders["cum_share_margin"].iloc[-1] == pytest.approx(1.0)
    assert from_orders["share_of_customers"].iloc[-1] == 1.0
    assert from_orders["rank"].tolist() == list(range(1, len(from_orders) + 1))


def test_pareto_table_small_case_and_input_untouched():
    orders = _orders(["b", "a", "a", "c"], [15, 60, 20, 5], margins=[5, 10, 10, -5])
    copy = orders.copy()
    table = pareto_table(orders)
    pd.testing.assert_frame_equal(orders, copy)
    assert table.index.tolist() == ["a", "b", "c"]
    assert table["cum_share_of_value"].tolist() == pytest.approx([0.8, 0.95, 1.0])
    assert table["cum_share_margin"].tolist() == pytest.approx([20 / 20, 25 / 20, 1.0])  # refunds count as they are
    assert table["n_orders"].tolist() == [2, 1, 1]
    by_margin = pareto_table(orders, value="margin")
    assert by_margin.index[0] == "a" and by_margin.index[-1] == "c"


def test_pareto_table_bad_input():
    with pytest.raises(DataValidationError, match="empty"):
        pareto_table(_orders([], []))
    with pytest.raises(DataValidationError, match="positive total"):
        pareto_table(_orders(["a", "b"], [5, -5]))
    with pytest.raises(DataValidationError, match="Did you mean 'revenue'"):
        pareto_table(pd.DataFrame({"revenue": [1.0]}), value="revenu")
    with pytest.raises(DataValidationError, match="missing"):
        pareto_table(pd.DataFrame({"revenue": [1.0, np.nan]}, index=["a", "b"]))
    with pytest.raises(InvalidArgumentError):
        pareto_table([1, 2, 3])
    single = pareto_table(_orders(["a"], [10]))
    assert single["cum_share_of_value"].tolist() == [1.0]


def test_gini():
    assert gini([5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([7]) == 0.0
    with pytest.raises(DataValidationError, match="non-negative"):
        gini([3, -1])
    with pytest.raises(DataValidationError, match="zero"):
        gini([0, 0])
    with pytest.raises(DataValidationError):
        gini([])


def test_abc_classes_cutoffs_and_ties():
    table = abc_classes(pd.DataFrame({"revenue": [70, 15, 10, 3, 2]}, index=list("abcde")))
    assert table["abc_class"].astype(str).tolist() == ["A", "A", "B", "C", "C"]
    wide = abc_classes(pd.DataFrame({"revenue": [70, 15, 10, 3, 2]}, index=list("abcde")), cutoffs=(0.5, 1.0))
    assert wide["abc_class"].astype(str).tolist() == ["A", "B", "B", "B", "B"]
    ties = abc_classes(pd.DataFrame({"revenue": [10.0] * 10}, index=list("abcdefghij")))
    assert set(ties["abc_class"].astype(str)) == {"A"}  # equal customers share a class
    for bad in [(0.95, 0.8), (0, 0.5), (0.8, 1.2), (0.8,), "ab"]:
        with pytest.raises(InvalidArgumentError):
            abc_classes(pd.DataFrame({"revenue": [1.0]}), cutoffs=bad)


def test_abc_on_retail_is_pareto_like(retail):
    table = abc_classes(retail.orders)
    share_a = (table["abc_class"] == "A").mean()
    assert 0.2 < share_a < 0.4  # retail: A holds 80% of revenue with about 31% of customers
    revenue_a = table.loc[table["abc_class"] == "A", "revenue"].sum() / table["revenue"].sum()
    assert 0.8 <= revenue_a < 0.81


def test_concentration_b2b_case(b2b):
    row = concentration(b2b.orders).iloc[0]
    assert row["n_for_half"] <= 4        # a handful of accounts hold half of all revenue
    assert row["top_4_share"] > 0.6
    assert row["top20_share"] > concentration(playbook.load_dataset("retail").orders)["top20_share"].iloc[0]
    assert 0 < row["gini"] < 1
    small = concentration(pd.DataFrame({"revenue": [50.0, 30.0]}, index=["a", "b"]), top_n=(1, 5)).iloc[0]
    assert small["top_5_share"] == 1.0 and small["n_for_half"] == 1
    with pytest.raises(InvalidArgumentError):
        concentration(b2b.orders, top_n=(0,))


def test_concentration_negative_customers_count_as_zero_in_gini():
    row = concentration(_orders(["a", "b", "c"], [10, 10, -2])).iloc[0]
    assert row["gini"] == pytest.approx(gini([10, 10, 0]))


def test_assign_tiers_counts_and_order(retail):
    summary = playbook.summarize(retail.orders, retail.as_of)
    tiers = assign_tiers(summary)
    n = len(summary)
    counts = tiers["tier"].value_counts()
    assert abs(counts["key"] - 0.05 * n) <= 3 and abs(counts["key"] + counts["important"] - 0.20 * n) <= 3
    assert tiers["score"].is_monotonic_decreasing
    assert list(tiers["tier"].cat.categories) == list(TIERS)
    assert tiers.groupby("tier", observed=True)["revenue"].median().is_monotonic_decreasing
    wider = assign_tiers(summary, cutoffs=(0.10, 0.30))
    assert (wider["tier"] == "key").sum() > counts["key"]


def test_assign_tiers_revenue_basis_and_weights(b2b):
    tiers = assign_tiers(b2b.orders, cutoffs=(0.5, 0.8), basis="revenue", weights={"revenue": 1})
    key = tiers[tiers["tier"] == "key"]
    assert set(key.index) <= set(BIG)  # the scripted key accounts hold half of all b2b revenue ...
    before_last = key["revenue"].sum() - key["revenue"].iloc[-1]
    assert before_last / tiers["revenue"].sum() < 0.5  # ... and the key tier is the fewest that do
    with pytest.raises(DataValidationError, match="Did you mean 'revenue'"):
        assign_tiers(b2b.orders, weights={"revenu": 1})
    for bad in [{"revenue": -1}, {}, {"revenue": 0}]:
        with pytest.raises(InvalidArgumentError):
            assign_tiers(b2b.orders, weights=bad)
    with pytest.raises(InvalidArgumentError, match="basis"):
        assign_tiers(b2b.orders, basis="orders")


def test_assign_tiers_edge_cases():
    no_margin = _orders(["a", "b", "c"], [30, 20, 10])
    tiers = assign_tiers(no_margin, cutoffs=(0.3, 0.6))
    assert "margin" not in tiers.columns and tiers.loc["a", "tier"] == "key"
    ties = assign_tiers(_orders(list("abcdefghij"), [5] * 10))
    assert ties["tier"].nunique() == 1  # nothing tells them apart
    one = assign_tiers(_orders(["a"], [5]))
    assert one["tier"].tolist() == ["key"]
    with pytest.raises(DataValidationError, match="empty"):
        assign_tiers(_orders([], []))


@pytest.fixture(scope="module")
def small_bases():
    """Five seeds of each scenario (retail 3,000 customers, b2b its 400): figures against truth are ranges."""
    return {(name, seed): generate(name, n_customers=3000 if name == "retail" else None, seed=seed)
            for name in ("retail", "b2b") for seed in range(5)}


def test_key_tier_against_truth(small_bases):
    """Truth `high_volume` is the top 5% of *latent* spend rate. The key tier (5% by a blend of
    revenue, frequency and margin) finds 0.40-0.47 of them in retail and 0.53-0.68 in b2b over
    seeds 0-4, about ten times the base rate. The same number of customers ranked by revenue
    alone is the naive baseline: in retail it finds more on every seed (0.43-0.53, 3-7 customers
    more of about 125); in b2b (19 key accounts) the two are never more than one account apart
    (revenue 0.47-0.63), the key tier ahead on two seeds of five and behind on three. The blend
    does not beat the naive revenue rank."""
    for (name, seed), base in small_bases.items():
        summary = playbook.summarize(base.orders, base.as_of)
        tiers = assign_tiers(summary)
        key = set(tiers.index[tiers["tier"] == "key"])
        by_revenue = set(summary["revenue"].sort_values(ascending=False).index[:len(key)])
        high = set(base.truth.loc[base.truth["high_volume"], "customer_id"])
        base_rate = len(high) / len(base.truth)
        precision = len(key & high) / len(key)
        assert precision > 8 * base_rate, (name, seed)
        if name == "retail":
            assert len(key & high) < len(by_revenue & high), (name, seed)
        else:
            assert abs(len(key & high) - len(by_revenue & high)) <= 1, (name, seed)


def test_tier_policy_overrides_do_not_touch_default():
    policy = tier_policy({"key": {"contact_every_days": 7, "service_level": "CEO hotline"}})
    assert policy.loc["key", "contact_every_days"] == 7 and policy.loc["key", "service_level"] == "CEO hotline"
    assert TIER_POLICY.loc["key", "contact_every_days"] == 14
    assert TIER_POLICY["contact_every_days"].is_monotonic_increasing
    with pytest.raises(InvalidArgumentError, match="unknown tier"):
        tier_policy({"vip": {"contact_every_days": 7}})
    with pytest.raises(InvalidArgumentError, match="unknown column"):
        tier_policy({"key": {"cadence": 7}})
    with pytest.raises(InvalidArgumentError, match="positive whole number"):
        tier_policy({"key": {"contact_every_days": -3}})


def test_tier_migration_b2b_big_accounts_lapse(b2b):
    table = tier_migration(b2b.orders, "2024-12-31", "2025-12-31")
    assert list(table.index) == ["key", "important", "general", "new"]
    assert list(table.columns) == ["key", "important", "general", "lapsed"]
    assert table.loc["key", "lapsed"] >= 3
    assert table.loc["new", "lapsed"] == 0
    active_2024 = b2b.orders[(b2b.orders.order_date >= "2024-01-02") & (b2b.orders.order_date < "2025-01-01")].customer_id.nunique()
    assert table.loc[list(TIERS)].to_numpy().sum() == active_2024
    with pytest.raises(InvalidArgumentError, match="after"):
        tier_migration(b2b.orders, "2025-12-31", "2024-12-31")
    with pytest.raises(DataValidationError, match="no order"):
        tier_migration(b2b.orders, "1990-01-01", "1991-01-01")


def test_prospect_levels_rules(retail):
    levels = prospect_levels(retail.orders, retail.as_of)
    summary = playbook.summarize(retail.orders, retail.as_of)
    assert len(levels) == (summary["n_orders"] == 1).sum()
    key = levels[levels["level"] == "key"]
    assert (key["days_since_last"] <= 90).all()
    assert key["revenue"].min() >= levels["revenue"].quantile(0.75) - 1e-9
    und = levels[levels["level"] == "undifferentiated"]
    assert (und["days_since_last"] > 365).all()
    assert levels["reason"].notna().all()
    with pytest.raises(InvalidArgumentError, match="as_of"):
        prospect_levels(retail.orders)
    repeaters = _orders(["a", "a"], [1, 2], dates=["2025-01-01", "2025-02-01"])
    with pytest.raises(DataValidationError, match="no one-time buyer"):
        prospect_levels(repeaters, "2025-03-01")
    with pytest.raises(DataValidationError, match="before the first order"):
        prospect_levels(repeaters, "2020-01-01")


def test_lead_levels_convert_in_order(b2b):
    table = lead_levels(b2b.leads)
    assert table.index.tolist() == ["undifferentiated", "qualified", "key"]
    assert table["leads"].sum() == len(b2b.leads)
    assert table["conversion_rate"].is_monotonic_increasing
    with pytest.raises(DataValidationError, match="unknown levels"):
        lead_levels(b2b.leads.assign(level="vip"))


def test_loss_impact(b2b):
    year = b2b.orders[b2b.orders.order_date.dt.year == 2023]
    impact = loss_impact(year, BIG).iloc[0]
    share = year.loc[year.customer_id.isin(BIG), "amount"].sum() / year["amount"].sum()
    assert impact["revenue_share"] == pytest.approx(share) and share > 0.5
    assert impact["revenue_lost"] + impact["revenue_left"] == pytest.approx(year["amount"].sum())
    assert impact["n_accounts"] == 4 and "margin_share" in impact
    assert loss_impact(year, "A0004")["n_accounts"].iloc[0] == 1
    with pytest.raises(DataValidationError, match="not found"):
        loss_impact(year, ["A9999"])
    with pytest.raises(InvalidArgumentError):
        loss_impact(year, [])


def test_accounts_share_by_period_shows_the_exit(b2b):
    quarters = accounts_share_by_period(b2b.orders, BIG, freq="Q")
    assert quarters.loc[pd.Period("2024Q1", "Q"), "accounts_ordering"] == 4
    assert quarters.loc[pd.Period("2025Q1", "Q"), "accounts_ordering"] == 1
    years = accounts_share_by_period(b2b.orders, BIG)
    assert (years.loc[[pd.Period(str(y), "Y") for y in range(2019, 2025)], "revenue_share"] > 0.5).all()
    # The exit: the one key account left still dwarfs the small ones in revenue, but the big
    # four's revenue falls by over 80% and their share of orders to under a quarter.
    assert years["accounts_revenue"].iloc[-1] < 0.2 * years["accounts_revenue"].iloc[-2]
    assert years["order_share"].iloc[-1] < 0.25
    with pytest.raises(InvalidArgumentError, match="freq"):
        accounts_share_by_period(b2b.orders, BIG, freq="W")


def test_charts(retail, b2b):
    from playbook.charts.segment import pareto_curve, tier_bars

    ax = pareto_curve(retail.orders)
    assert ax.get_xlabel().endswith("(%)") and "20%" in ax.texts[0].get_text()
    ax = pareto_curve(pareto_table(b2b.orders), lang="zh")
    assert "二八法则" in ax.get_title()
    ax = tier_bars(assign_tiers(b2b.orders))
    assert len(ax.patches) >= 6
    ax = tier_bars(abc_classes(b2b.orders), tier="abc_class")
    with pytest.raises(DataValidationError, match="tier"):
        tier_bars(b2b.orders)
    assert playbook.charts.pareto_curve is pareto_curve


def test_tier_explorer_moves(b2b):
    from playbook.widgets import TierExplorer

    explorer = TierExplorer(playbook.summarize(b2b.orders, b2b.as_of))
    before = dict(explorer.shown["customers"])
    explorer.important.value = 0.40
    assert explorer.shown["customers"]["important"] > before["important"]
    assert sum(explorer.shown["customers"].values()) == sum(before.values())
    assert sum(explorer.shown["revenue_share"].values()) == pytest.approx(1.0)


def test_errors_are_playbook_errors():
    with pytest.raises(PlaybookError):
        concentration(pd.DataFrame({"revenue": []}))


def test_pareto_and_tiers_take_a_base_and_count_nothing_after_as_of():
    base = playbook.load_dataset("retail")
    from_base = pareto_table(base)
    from_orders = pareto_table(base.orders)
    pd.testing.assert_series_equal(from_base["revenue"], from_orders["revenue"])
    cut = "2024-12-31"
    early = pareto_table(base, cut)
    known = base.orders[base.orders.order_date <= pd.Timestamp(cut) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)]
    assert early["revenue"].sum() == pytest.approx(known["amount"].sum())
    pd.testing.assert_frame_equal(pareto_table(base.orders, cut), early)
    tiers = assign_tiers(base)
    assert tiers["tier"].value_counts().to_dict() == assign_tiers(playbook.summarize(base)).tier.value_counts().to_dict()
    with pytest.raises(InvalidArgumentError, match="'as_of' parameter of pareto_table"):
        pareto_table(playbook.summarize(base), cut)
    with pytest.raises(InvalidArgumentError, match="'data' parameter of pareto_table"):
        pareto_table([1, 2, 3])


def test_tier_migration_old_date_names_still_work_with_a_warning():
    orders = playbook.load_dataset("b2b").orders
    new = tier_migration(orders, since="2024-12-31", as_of="2025-12-31")
    with pytest.warns(DeprecationWarning, match="tier_migration renamed: .*'end_as_of' is now 'as_of'"):
        old = tier_migration(orders, start_as_of="2024-12-31", end_as_of="2025-12-31")
    pd.testing.assert_frame_equal(old, new)
    pd.testing.assert_frame_equal(tier_migration(orders, "2024-12-31", "2025-12-31"), new)
