"""Core customers and opinion leaders: referral graph, leader roles, core vs biggest, reach of a loss."""
import dataclasses
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import playbook
from playbook.data import CustomerBase
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError
from playbook.influence import (LEADER_ROLES, core_vs_biggest, opinion_leaders, precision_at_k, reach_of_loss,
                                referral_graph)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def retail():
    return playbook.load_dataset("retail")


@pytest.fixture(scope="module")
def leaders(retail):
    return opinion_leaders(retail)


def _tiny(referrals=None, **extra):
    orders = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                           "order_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-05", "2025-04-01"]),
                           "amount": [10.0, 20.0, 30.0, 40.0, 50.0]})
    if referrals is None:
        referrals = pd.DataFrame({"referrer_id": ["a", "b", "b", "a"], "referred_id": ["b", "c", "d", None],
                                  "converted": [True, True, True, False]})
    return CustomerBase(orders=orders, referrals=referrals, as_of=pd.Timestamp("2025-12-31"), name="tiny", **extra)


# ------------------------------------------------------------------ referral_graph

def test_referral_graph_edges_and_attributes():
    g = referral_graph(_tiny())
    assert sorted(g.edges) == [("a", "b"), ("b", "c"), ("b", "d")]
    assert g.nodes["a"]["referrals_made"] == 2 and g.nodes["a"]["referrals_converted"] == 1
    assert g.nodes["c"]["revenue"] == 30.0 and g.nodes["c"]["known"]


def test_referral_graph_converted_only_false_keeps_named_unconverted():
    refs = pd.DataFrame({"referrer_id": ["a", "a"], "referred_id": ["b", "c"], "converted": [True, False]})
    assert referral_graph(refs).number_of_edges() == 1
    assert referral_graph(refs, converted_only=False).number_of_edges() == 2


def test_referral_graph_on_whole_retail_base(retail):
    g = referral_graph(retail)
    assert g.number_of_edges() == int(retail.referrals["converted"].sum())


def test_no_referrals_table_is_a_clear_error():
    base = dataclasses.replace(_tiny(), referrals=None)
    with pytest.raises(MissingTableError, match="referrals"):
        referral_graph(base)
    with pytest.raises(MissingTableError, match="referrals"):
        reach_of_loss(base, ["a"])


def test_self_referral_is_dropped_with_a_warning():
    refs = pd.DataFrame({"referrer_id": ["a", "b"], "referred_id": ["a", "c"], "converted": [True, True]})
    with pytest.warns(UserWarning, match="self-referral"):
        g = referral_graph(refs)
    assert not g.has_edge("a", "a") and g.has_edge("b", "c")


def test_referral_cycle_terminates_and_counts_each_customer_once():
    refs = pd.DataFrame({"referrer_id": ["a", "b", "c"], "referred_id": ["b", "c", "a"], "converted": [True] * 3})
    base = _tiny(refs)
    loss = reach_of_loss(base, ["a"])
    assert loss.loc["a", "n_reach"] == 2  # b and c, not a itself
    assert loss.loc["a", "revenue_at_stake"] == pytest.approx(60.0)
    assert opinion_leaders(base, k=1).loc["a", "n_reach"] == 2


def test_unknown_customers_are_kept_and_flagged():
    refs = pd.DataFrame({"referrer_id": ["a"], "referred_id": ["zz"], "converted": [True]})
    with pytest.warns(UserWarning, match="zz"):
        g = referral_graph(_tiny(refs))
    assert g.nodes["zz"]["known"] is False and g.nodes["zz"]["revenue"] == 0.0


def test_referral_graph_bad_input():
    with pytest.raises(DataValidationError, match="referrer_id"):
        referral_graph(pd.DataFrame({"referer_id": ["a"], "referred_id": ["b"]}))
    with pytest.raises(InvalidArgumentError):
        referral_graph([("a", "b")])


# ------------------------------------------------------------------ opinion_leaders vs truth

SEEDS = range(5)


@pytest.fixture(scope="module")
def precision_over_seeds():
    """Precision at k (k = 1% of customers, the default) on five small realistic bases, for the kit's
    three role scores and the naive scores a shop would try first."""
    from playbook.synth import generate

    rows = []
    for s in SEEDS:
        base = generate("retail", n_customers=800, seed=s)
        table = opinion_leaders(base)
        k = table.attrs["k"]
        naive = {"revenue": table["revenue"], "n_reviews": table["n_reviews"].astype(float),
                 "referrals_made": table["referrals_made"].astype(float),
                 "raw_conversion": table["conversion_rate"].fillna(0.0).astype(float)}
        row = {"seed": s}
        for role in LEADER_ROLES:
            row[role] = precision_at_k(table, base.truth, role, k)
            for name, score in naive.items():
                row[f"{role}|{name}"] = precision_at_k(score, base.truth, role, k)
        rows.append(row)
    return pd.DataFrame(rows).set_index("seed")


def test_leader_roles_beat_revenue_on_every_seed(precision_over_seeds):
    # The biggest spenders are not the leaders: ranking by revenue finds almost none of any role.
    p = precision_over_seeds
    for role in LEADER_ROLES:
        assert (p[role] > p[f"{role}|revenue"]).all(), role
        assert (p[f"{role}|revenue"] <= 0.15).all(), role


def test_bridge_and_gold_salesperson_beat_their_naive_counts(precision_over_seeds):
    """Realistic retail, 800 customers, seeds 0-4, k = 8: bridges 0.25-0.88 against 0.13-0.63 by
    referrals made; gold salespeople 0.12-0.50 against 0.00-0.38 by raw conversion rate. Never worse on
    a seed, better on average; the gold salesperson is the hardest role (few referrals per customer)."""
    p = precision_over_seeds
    assert (p["bridge"] >= p["bridge|referrals_made"]).all()
    assert p["bridge"].mean() > p["bridge|referrals_made"].mean() + 0.1
    assert (p["gold_salesperson"] >= p["gold_salesperson|raw_conversion"]).all()
    assert p["gold_salesperson"].mean() > p["gold_salesperson|raw_conversion"].mean() + 0.05
    assert p["gold_salesperson"].mean() < 0.6  # the finding: most named gold salespeople are not


def test_product_expert_score_does_not_beat_counting_reviews(precision_over_seeds):
    """FINDING, pinned: weighting reviews by their quality finds product experts no better than counting
    reviews (0.50-0.88 both, within 0.13 on every seed). The simple count is as good a first list."""
    p = precision_over_seeds
    assert ((p["product_expert"] - p["product_expert|n_reviews"]).abs() <= 0.13).all()
    assert (p["product_expert"] >= 0.4).all()


def test_biggest_spenders_are_rarely_leaders(retail, leaders):
    by_spend = leaders["revenue"]
    truth = retail.truth.set_index("customer_id")["leader_role"].astype(str)
    top = by_spend.sort_values(ascending=False).index[:50]
    assert (truth.reindex(top) != "none").mean() < 0.2


def test_predicted_roles_and_table_shape(retail, leaders):
    assert leaders.attrs["k"] == 50
    counts = leaders["predicted_role"].value_counts()
    assert counts.drop("none").sum() <= 150 and all(counts[r] > 20 for r in LEADER_ROLES)
    assert leaders["influence_score"].is_monotonic_decreasing
    assert leaders.index.is_unique and len(leaders) == len(retail.customers)


def test_opinion_leaders_does_not_mutate(retail):
    before = retail.referrals.copy()
    opinion_leaders(retail, k=5)
    pd.testing.assert_frame_equal(retail.referrals, before)


def test_opinion_leaders_as_of_uses_only_the_past(retail):
    early = opinion_leaders(retail, "2023-12-31", k=5)
    assert early["referrals_made"].sum() == (retail.referrals["referred_at"] <= "2023-12-31 23:59:59").sum()


def test_opinion_leaders_without_interactions_scores_only_the_network():
    out = opinion_leaders(_tiny(), k=1)
    assert out["product_expert_score"].isna().all()
    assert out.loc["b", "predicted_role"] == "bridge"


def test_opinion_leaders_bad_input():
    with pytest.raises(MissingTableError):
        opinion_leaders(CustomerBase(orders=_tiny().orders, as_of=pd.Timestamp("2025-12-31")))
    with pytest.raises(InvalidArgumentError):
        opinion_leaders(_tiny(), k=0)
    with pytest.raises(InvalidArgumentError):
        opinion_leaders(_tiny().orders)
    with pytest.raises(InvalidArgumentError):
        opinion_leaders(_tiny(), event_weight=-1)
    with pytest.raises(DataValidationError, match="referred_at"):
        opinion_leaders(_tiny(), "2025-12-31")
    empty = dataclasses.replace(_tiny(), orders=_tiny().orders.iloc[:0])
    with pytest.raises(DataValidationError, match="empty"):
        opinion_leaders(empty)
    dated = _tiny(_tiny().referrals.assign(referred_at=pd.Timestamp("2025-05-01")))
    with pytest.raises(DataValidationError, match="before the first order"):
        opinion_leaders(dated, "2020-01-01")


def test_single_customer_and_ties():
    one = _tiny(pd.DataFrame({"referrer_id": ["a"], "referred_id": [None], "converted": [False]}))
    one = dataclasses.replace(one, orders=one.orders.iloc[:1])
    out = opinion_leaders(one, k=1)
    assert out.loc["a", "referrals_made"] == 1
    tied = pd.DataFrame({"influence_score": [0.5] * 4, "revenue": [1.0] * 4},
                        index=pd.Index(["d", "c", "b", "a"], name="customer_id"))
    res = core_vs_biggest(tied, k=2)
    assert list(res.index) == ["a", "b"] and res.attrs["overlap"] == 2


# ------------------------------------------------------------------ core vs biggest

def test_core_is_not_the_biggest(leaders):
    res = core_vs_biggest(leaders, k=50)
    assert res.attrs["overlap"] <= 5  # observed: 1 of 50
    assert set(res["list"]) == {"influence_only", "spend_only", "both"} or res.attrs["overlap"] == 0
    assert (res["list"] == "influence_only").sum() == 50 - res.attrs["overlap"]


def test_core_vs_biggest_bad_input(leaders):
    with pytest.raises(DataValidationError, match="influence_score"):
        core_vs_biggest(leaders[["revenue"]])
    with pytest.raises(InvalidArgumentError):
        core_vs_biggest(leaders, k=0)
    with pytest.raises(DataValidationError):
        core_vs_biggest(leaders.iloc[:0])


# ------------------------------------------------------------------ reach of a loss

def test_reach_of_loss_tree_and_depth():
    base = _tiny()
    full = reach_of_loss(base, ["a"])
    assert full.loc["a", "n_direct"] == 1 and full.loc["a", "n_reach"] == 3
    assert full.loc["a", "revenue_at_stake"] == pytest.approx(10 + 20 + 30 + 40)
    assert full.loc["a", "share_of_revenue"] == pytest.approx(100 / 150)
    assert reach_of_loss(base, ["a"], depth=1).loc["a", "revenue_at_stake"] == pytest.approx(30.0)


def test_reach_of_loss_together_counts_once():
    together = reach_of_loss(_tiny(), ["a", "b"], together=True)
    assert together.loc["all", "revenue_at_stake"] == pytest.approx(100.0)
    assert together.loc["all", "n_reach"] == 2  # c and d; b is one of the leaders


def test_reach_of_loss_bad_input():
    with pytest.raises(DataValidationError, match="zz"):
        reach_of_loss(_tiny(), ["zz"])
    with pytest.raises(InvalidArgumentError):
        reach_of_loss(_tiny(), [])
    with pytest.raises(InvalidArgumentError):
        reach_of_loss(_tiny(), ["a"], depth=0)


def test_customer_without_referrals_has_no_reach():
    loss = reach_of_loss(_tiny(), ["e"])
    assert loss.loc["e", "n_reach"] == 0 and loss.loc["e", "revenue_at_stake"] == pytest.approx(50.0)


# ------------------------------------------------------------------ precision_at_k

def test_precision_at_k_bad_input(leaders, retail):
    with pytest.raises(InvalidArgumentError, match="role"):
        precision_at_k(leaders, retail.truth, "guru", 10)
    with pytest.raises(InvalidArgumentError):
        precision_at_k(leaders, retail.truth, "bridge", 0)
    with pytest.raises(DataValidationError):
        precision_at_k(pd.Series(dtype=float), retail.truth, "bridge", 3)


def test_precision_by_spend_is_low(leaders, retail):
    assert precision_at_k(leaders["revenue"], retail.truth, "bridge", 20) < 0.2


# ------------------------------------------------------------------ charts and widget

def test_charts_draw(retail, leaders):
    from playbook import charts

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ax = charts.referral_network(retail, highlight=leaders["predicted_role"], top=3)
        assert len(ax.collections) >= 1 and len(ax.patches) > 0
        ax = charts.influence_vs_spend(leaders)
        assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 4
    with pytest.raises(DataValidationError):
        charts.referral_network(referral_graph(pd.DataFrame({"referrer_id": ["a"], "referred_id": [None]})))


def test_leader_explorer_changes_what_is_shown(retail, leaders):
    from playbook.widgets import LeaderExplorer

    explorer = LeaderExplorer(retail, leaders, n=5)
    first = dict(explorer.shown)
    explorer.leader.value = explorer.leader.options[-1][1]
    assert explorer.shown["customer_id"] != first["customer_id"]
    assert explorer.shown["n_reach"] <= first["n_reach"]


@pytest.mark.filterwarnings("ignore:referral_graph.*not customers:UserWarning")  # referred before, acquired after the cut
def test_referral_graph_as_of_drops_later_referrals():
    base = playbook.load_dataset("retail")
    cut = "2024-06-30"
    known = base.referrals.loc[base.referrals.referred_at <= pd.Timestamp(cut) + pd.Timedelta(days=1)]
    from_table = referral_graph(base.referrals, as_of=cut)
    assert from_table.number_of_edges() == referral_graph(known).number_of_edges()
    assert referral_graph(base, as_of=cut).number_of_edges() == from_table.number_of_edges()
    assert from_table.number_of_edges() < referral_graph(base).number_of_edges()
