"""Satisfaction indicators, the index, satisfaction vs repurchase, complaints and their effect."""
import dataclasses
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from playbook import charts
from playbook.data import CustomerBase
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError
from playbook.satisfaction import (INDICATORS, care_before_exit, complaint_summary, complaint_timeline, index_vs_repurchase,
                                   open_complaint_effect, satisfaction_and_repurchase, satisfaction_index,
                                   satisfaction_indicators)

matplotlib.use("Agg")
BIG = ["A0001", "A0002", "A0003", "A0004"]
SEEDS = range(5)


@pytest.fixture(scope="module")
def retail_seeds():
    """Five small realistic retail bases: every figure judged against truth is a range over seeds."""
    from playbook.synth import generate

    return [generate("retail", n_customers=5000, seed=s) for s in SEEDS]


@pytest.fixture(scope="module")
def b2b_seeds():
    from playbook.synth import generate

    return [generate("b2b", seed=s) for s in SEEDS]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _tiny():
    orders = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "c"],
        "order_date": pd.to_datetime(["2024-03-01", "2025-03-01", "2024-06-01", "2025-02-01", "2025-05-01"]),
        "amount": [100.0, 50.0, 30.0, 20.0, 40.0],
    })
    complaints = pd.DataFrame({
        "complaint_id": [1, 2], "customer_id": ["a", "c"], "order_id": [2, 4],
        "opened_at": pd.to_datetime(["2025-03-03", "2025-02-03"]),
        "first_response_at": pd.to_datetime(["2025-03-03 10:00", None]),
        "closed_at": pd.to_datetime(["2025-03-20", None]),
        "cause": ["late_delivery", "quality_or_size"],
    })
    surveys = pd.DataFrame({"survey_id": [1, 2], "customer_id": ["a", "c"], "date": pd.to_datetime(["2025-04-01", "2025-06-01"]),
                            "satisfaction": [5, 2], "recommend": [10, 3], "price_sensitivity": [1, 5], "aware_before": [True, False]})
    return CustomerBase(orders=orders, complaints=complaints, surveys=surveys, name="tiny", as_of=pd.Timestamp("2025-12-31"))


# ------------------------------------------------------------------ indicators


def test_indicators_by_hand_on_a_tiny_base():
    row = satisfaction_indicators(_tiny()).iloc[0]
    # Window 2025: buyers a (repeat: first order 2024) and c (second order in 2025 is a repeat) -> 2 of 2.
    assert row["buyers"] == 2 and row["repurchase_rate"] == 1.0
    # Previous window 2024: a and b ordered; b did not order in 2025 -> exit 1 of 2.
    assert row["exit_rate"] == 0.5
    assert row["complaint_rate"] == pytest.approx(2 / 3)
    assert row["spend_per_transaction"] == pytest.approx(110 / 3)
    assert row["reputation"] == 6.5 and row["awareness"] == 0.5 and row["price_sensitivity"] == 3.0


def test_indicators_per_customer_and_groups(retail):
    per = satisfaction_indicators(retail, by="customer")
    assert per.index.is_unique and set(per["repurchase_rate"].dropna().unique()) <= {0.0, 1.0}
    overall = satisfaction_indicators(retail).iloc[0]
    assert overall["repurchase_rate"] == pytest.approx(per["repurchase_rate"].mean())
    seg = satisfaction_indicators(retail, by="segment")
    assert list(seg.index) == ["18-29", "30-44", "45-59", "60+"] and seg["customers"].sum() == overall["customers"]
    tiers = satisfaction_indicators(retail, by="tier")
    # Key customers leave far less and spend more per order than general ones.
    assert tiers.loc["key", "exit_rate"] < tiers.loc["general", "exit_rate"] / 2
    assert tiers.loc["key", "spend_per_transaction"] > 1.5 * tiers.loc["general", "spend_per_transaction"]


def test_indicators_per_quarter(retail):
    q = satisfaction_indicators(retail, by="period")
    assert str(q.index[0]) == "2023Q1" and str(q.index[-1]) == "2025Q4"
    assert q["exit_rate"].iloc[:4].isna().all() and q["exit_rate"].iloc[4:].notna().all()
    assert q.iloc[-1]["customers"] == satisfaction_indicators(retail).iloc[0]["customers"]


def test_indicators_inputs_untouched_and_orders_only(retail):
    before = retail.orders.copy()
    only = satisfaction_indicators(retail.orders, "2025-12-31", indicators=["repurchase_rate", "exit_rate", "spend_per_transaction"])
    pd.testing.assert_frame_equal(retail.orders, before)
    assert only.iloc[0]["exit_rate"] == pytest.approx(satisfaction_indicators(retail).iloc[0]["exit_rate"])


def test_indicators_bad_input(retail):
    with pytest.raises(MissingTableError, match="surveys"):
        satisfaction_indicators(retail.orders, "2025-12-31")
    with pytest.raises(MissingTableError, match="complaints"):
        satisfaction_indicators(dataclasses.replace(retail, complaints=None))
    with pytest.raises(InvalidArgumentError, match="indicators"):
        satisfaction_indicators(retail, indicators=["happiness"])
    with pytest.raises(InvalidArgumentError, match="by"):
        satisfaction_indicators(retail, by="city")
    with pytest.raises(DataValidationError, match="no customer"):
        satisfaction_indicators(retail, "2020-01-01")
    bad = retail.surveys.copy()
    bad.loc[7, "recommend"] = 11
    with pytest.raises(DataValidationError, match=r"'recommend' must be between 0 and 10.*row 7 \(11\)"):
        satisfaction_indicators(dataclasses.replace(retail, surveys=bad))


def test_single_customer_with_one_order():
    orders = pd.DataFrame({"customer_id": ["x"], "order_date": pd.to_datetime(["2025-05-01"]), "amount": [10.0]})
    row = satisfaction_indicators(orders, "2025-12-31", indicators=["repurchase_rate", "exit_rate", "spend_per_transaction"]).iloc[0]
    assert row["repurchase_rate"] == 0.0 and np.isnan(row["exit_rate"]) and row["spend_per_transaction"] == 10.0


# ------------------------------------------------------------------ index


def test_index_direction_and_weights():
    table = pd.DataFrame({"complaint_rate": [0.0, 0.1], "exit_rate": [0.2, 0.2], "reputation": [5.0, np.nan]}, index=["a", "b"])
    s = satisfaction_index(table)
    assert s.loc["a", "complaint_rate_score"] == 100 and s.loc["b", "complaint_rate_score"] == 0
    assert s.loc["a", "exit_rate_score"] == pytest.approx(80)
    # b has no reputation: its index uses the two other weights only.
    assert s.loc["b", "satisfaction_index"] == pytest.approx(40)
    assert s.loc["a", "satisfaction_index"] == pytest.approx((100 + 80 + 50) / 3)
    heavy = satisfaction_index(table, {"complaint_rate": 2, "exit_rate": 2})
    assert heavy.loc["a", "satisfaction_index"] == pytest.approx(90)


def test_index_bad_weights(retail):
    table = satisfaction_indicators(retail, by="segment")
    for weights, match in (({"happiness": 1}, "unknown"), ({"reputation": -1}, "non-negative"),
                           ({"reputation": 0}, "positive sum"), ({"reputation": "a lot"}, "numbers")):
        with pytest.raises(InvalidArgumentError, match=match):
            satisfaction_index(table, weights)
    with pytest.raises(DataValidationError, match="does not have"):
        satisfaction_index(table[["exit_rate"]], {"reputation": 1})


# ------------------------------------------------------------------ satisfaction and repurchase


def test_satisfaction_predicts_repurchase_but_not_sixfold(retail, retail_seeds):
    tables = [satisfaction_and_repurchase(b, "2025-06-30", 180) for b in retail_seeds]
    # About 200 answers per base: one seed's ladder is noisy (2 < 3 < 4 < 5 fails on some seeds),
    # so the property is judged pooled over five seeds.
    pooled = sum(t[["customers", "repurchased"]] for t in tables)
    rate = pooled["repurchased"] / pooled["customers"]
    low = pooled.loc[[2, 3], "repurchased"].sum() / pooled.loc[[2, 3], "customers"].sum()
    assert rate[5] > rate[4] > low and rate[5] > low + 0.08
    # The sources' "a very satisfied customer is six times as willing" is not what this data shows:
    # on every seed, 5 against 4 stays under twice (seeds 0-4: about 0.9 to 1.4).
    assert all(t.loc[5, "rate_vs_4"] < 2.0 for t in tables)
    assert satisfaction_and_repurchase(retail, "2025-06-30", 180).loc[5, "rate_vs_4"] < 2.0
    with pytest.raises(InvalidArgumentError, match="past the end of the data"):
        satisfaction_and_repurchase(retail, "2025-10-01", 180)
    with pytest.raises(MissingTableError, match="surveys"):
        satisfaction_and_repurchase(dataclasses.replace(retail, surveys=None), "2025-06-30")


# ------------------------------------------------------------------ complaints


@pytest.fixture(scope="module")
def naive_seeds(retail_seeds):
    """The naive baselines at 2025-06-30 on each base, computed once (each fits BG/NBD)."""
    from playbook.evaluate import baseline_scores

    return [baseline_scores(base, "2025-06-30") for base in retail_seeds]


@pytest.fixture(scope="module")
def index_checks(retail_seeds, naive_seeds):
    """index_vs_repurchase at 2025-06-30 on the five bases, both tasks, AUC per (task, population, score) x seed."""
    rows = []
    for seed, base, naive in zip(SEEDS, retail_seeds, naive_seeds):
        for task in ("leave", "no_order"):
            rows.append(index_vs_repurchase(base, "2025-06-30", 180, task=task, baselines=naive).assign(seed=seed, task=task))
    return pd.concat(rows).pivot_table(index=["task", "population", "score"], columns="seed", values="auc")


def test_index_vs_repurchase_table(retail):
    t = index_vs_repurchase(retail, "2025-06-30", 180, task="no_order")
    assert set(t["population"]) == {"covered", "surveyed"}
    assert set(t.loc[t["population"] == "surveyed", "score"]) == {"satisfaction_index", "survey_score", "days_since_last",
                                                                   "one_time_first", "one_minus_p_alive"}
    assert (t.groupby("population")["n"].nunique() == 1).all() and t["auc"].between(0, 1).all()
    assert t.attrs["task"] == "no_order" and t.attrs["left_out"] >= 0
    with pytest.raises(InvalidArgumentError, match="task"):
        index_vs_repurchase(retail, "2025-06-30", task="churn")
    with pytest.raises(InvalidArgumentError, match="past the data"):
        index_vs_repurchase(retail, "2025-12-01", 180)


def test_index_is_no_better_than_the_naive_rules(index_checks):
    """The per-customer index against later buying, five seeds: what holds is a weak signal, not a win.

    Among customers still alive (truth's leave task) it beats days since last order, which is at chance
    there, but only matches "one-time buyers first" (its own repurchase indicator carries that);
    for the observable outcome (no order in the next 180 days) it trails recency on every seed, and
    the raw survey score trails recency by far.
    """
    auc = index_checks
    leave, later = auc.loc[("leave", "covered")], auc.loc[("no_order", "covered")]
    assert ((leave.loc["satisfaction_index"] - leave.loc["days_since_last"]) >= 0.01).all()
    assert ((leave.loc["satisfaction_index"] - leave.loc["one_time_first"]).abs() <= 0.03).all()
    assert (leave.loc["satisfaction_index"] < 0.62).all()
    assert ((later.loc["satisfaction_index"] - later.loc["days_since_last"]) <= -0.01).all()
    surveyed = auc.loc[("no_order", "surveyed")]
    assert ((surveyed.loc["survey_score"] - surveyed.loc["days_since_last"]) <= -0.05).all()
    assert (auc.loc[("leave", "surveyed", "survey_score")] < 0.65).all()


def test_index_per_group_orders_nothing_recency_does_not(retail_seeds, naive_seeds):
    """The index's documented unit, the group, over five seeds: age segments' leave rates cannot be told
    apart (their intervals overlap and the index's rank correlation with them changes sign); tiers are
    ordered by the index exactly as by their median days since last order."""
    seg_rho, tier_rho = [], []
    for base, naive in zip(retail_seeds, naive_seeds):
        seg = index_vs_repurchase(base, "2025-06-30", 180, by="segment", baselines=naive)
        assert seg["low"].max() < seg["high"].min()
        seg_rho.append(seg.attrs["spearman"]["satisfaction_index"])
        tier = index_vs_repurchase(base, "2025-06-30", 180, by="tier", task="no_order", baselines=naive)
        tier_rho.append((tier.attrs["spearman"]["satisfaction_index"], tier.attrs["spearman"]["median_days_since_last"]))
    assert min(seg_rho) < 0 < max(seg_rho)
    assert all(i <= -0.99 and d >= 0.99 for i, d in tier_rho)
    with pytest.raises(InvalidArgumentError, match="'by'"):
        index_vs_repurchase(retail_seeds[0], "2025-06-30", by="period")


def test_complaint_timeline_by_hand():
    t = complaint_timeline(_tiny()).set_index("complaint_id")
    assert t.loc[1, "hours_to_first_response"] == pytest.approx(10) and not t.loc[1, "first_response_breach"]
    assert t.loc[1, "days_to_resolution"] == pytest.approx(17) and t.loc[1, "resolution_breach"]
    assert t.loc[2, "status"] == "open" and t.loc[2, "first_response_breach"] and t.loc[2, "resolution_breach"]
    # Seen from a date before the closure, complaint 1 was still open and within its resolution SLA.
    early = complaint_timeline(_tiny(), "2025-03-05").set_index("complaint_id")
    assert early.loc[1, "status"] == "open" and not early.loc[1, "resolution_breach"] and len(early) == 2


def test_complaint_timeline_bad_input(retail):
    bad = retail.complaints.copy()
    bad.loc[3, "closed_at"] = bad.loc[3, "opened_at"] - pd.Timedelta(days=2)
    with pytest.raises(DataValidationError, match=r"closed before they were opened.*row 3 \(4\)"):
        complaint_timeline(dataclasses.replace(retail, complaints=bad))
    with pytest.raises(MissingTableError, match="complaints"):
        complaint_timeline(dataclasses.replace(retail, complaints=None))
    with pytest.raises(InvalidArgumentError, match="as_of"):
        complaint_timeline(retail.complaints)
    with pytest.raises(InvalidArgumentError, match="sla_resolution_days"):
        complaint_timeline(retail, sla_resolution_days=0)


def test_complaint_summary(retail, b2b):
    by_tier = complaint_summary(retail, by="tier")
    assert by_tier["complaints"].sum() == len(retail.complaints)
    # Key customers' complaints are left open less often than general customers'.
    assert by_tier.loc["key", "open_share"] < by_tier.loc["general", "open_share"]
    shares = by_tier[[f"share_{c}" for c in ("late_delivery", "quality_or_size", "slow_after_sales", "other")]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    causes = complaint_summary(retail, by="cause")
    assert causes["complaints"].idxmax() == "late_delivery"
    assert list(complaint_summary(b2b, by="segment").index)[0] == "automotive"
    with pytest.raises(InvalidArgumentError, match="by"):
        complaint_summary(retail, by="city")


def test_open_complaints_precede_dropout_against_truth(retail, retail_seeds):
    e = open_complaint_effect(retail, "2025-06-30", truth=retail.truth)
    assert list(e.index) == ["resolved_quickly", "resolved_slowly", "open_complaint"]
    effects = [open_complaint_effect(b, "2025-06-30", truth=b.truth) for b in retail_seeds]
    for x in effects:
        # On every seed: an open complaint goes with less buying and more real dropouts than a quick fix.
        assert x.loc["open_complaint", "repurchase_rate"] < x.loc["resolved_quickly", "repurchase_rate"]
        assert x.loc["open_complaint", "truly_dropped_share"] > x.loc["resolved_quickly", "truly_dropped_share"]
    n = sum(x["customers"] for x in effects)
    pooled = sum(x["repurchase_rate"] * x["customers"] for x in effects) / n
    assert pooled["open_complaint"] < 0.8 * pooled["resolved_quickly"]
    # Finding: among complaints that were closed, slow or quick made no difference to repurchase (within 0.1).
    assert abs(pooled["resolved_slowly"] - pooled["resolved_quickly"]) < 0.1
    with pytest.raises(InvalidArgumentError, match="past the end"):
        open_complaint_effect(retail, "2025-12-01")


def test_open_complaints_of_the_big_accounts_are_a_noisy_sign(b2b, b2b_seeds):
    # The scripted story: three big accounts leave late 2024, one stays. An open complaint at
    # the end of 2024 is not a clean separator: on every seed the stayer A0004 had one too,
    # and two of the three that left (A0001, A0002) had none.
    for base in [b2b, *b2b_seeds]:
        t = complaint_timeline(base, "2024-12-31")
        open_big = set(t.loc[(t["status"] == "open") & t["customer_id"].isin(BIG), "customer_id"])
        gone = set(base.truth.loc[base.truth["customer_id"].isin(BIG) & base.truth["dropout_date"].notna(), "customer_id"])
        assert gone == {"A0001", "A0002", "A0003"}
        assert "A0004" in open_big and len(gone & open_big) == 1


def test_care_falls_before_a_lack_of_care_exit(b2b, b2b_seeds):
    for base in b2b_seeds:
        truth = base.truth.set_index("customer_id")
        care = care_before_exit(base, truth["dropout_date"])
        lack = truth["churn_cause"].reindex(care.index) == "lack_of_care"
        ratio_lack = care.loc[lack, "care_last"].mean() / care.loc[lack, "care_before"].mean()
        ratio_other = care.loc[~lack, "care_last"].mean() / care.loc[~lack, "care_before"].mean()
        # Seeds 0-4: care falls to 0.44-0.76 of its earlier level before a lack-of-care exit,
        # 0.80-1.03 before other exits. A fall, not the classic process's stop.
        assert ratio_lack < 0.8 and ratio_lack < ratio_other - 0.1
    truth = b2b.truth.set_index("customer_id")
    with pytest.raises(InvalidArgumentError, match="exits"):
        care_before_exit(b2b, ["A0001"])
    with pytest.raises(MissingTableError, match="interactions"):
        care_before_exit(dataclasses.replace(b2b, interactions=None), truth["dropout_date"])


# ------------------------------------------------------------------ charts and widget


def test_charts_draw_without_warnings(retail):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = satisfaction_index(satisfaction_indicators(retail, by="tier"))
        ax = charts.indicator_bars(scores)
        assert len(ax.patches) >= 3 * len(INDICATORS)
        ax = charts.index_bars(scores)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["Key", "Important", "General"]
        ax = charts.repurchase_by_satisfaction(satisfaction_and_repurchase(retail, "2025-06-30"))
        assert len(ax.patches) == 5
        ax = charts.resolution_times(complaint_timeline(retail))
        assert "open" in ax.get_xticklabels()[0].get_text()
    with pytest.raises(DataValidationError):
        charts.index_bars(pd.DataFrame({"x": [1]}))


def test_widget_sliders_change_the_index(retail):
    from playbook.widgets import SatisfactionIndexExplorer

    explorer = SatisfactionIndexExplorer(satisfaction_indicators(retail, by="tier"))
    before = dict(explorer.shown["index"])
    explorer.sliders["exit_rate"].value = 5
    assert explorer.shown["index"] != before
    assert explorer.shown["index"]["key"] - explorer.shown["index"]["general"] > before["key"] - before["general"]
    for s in explorer.sliders.values():
        s.value = 0
    assert explorer.shown["index"] == {}


def test_the_compute_exercises_follow_the_learners_own_shop(monkeypatch):
    """08.1-08.4 pass on the learner's own shop, refuse a neighbour's figure, and hint each mistake."""
    from playbook import exercises as ex
    from playbook.synth import generate

    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    bases = [generate("retail", n_customers=5000, seed=s) for s in (1, 2, 3)]
    for i in ("08.1", "08.2", "08.3", "08.4", "08.6"):
        e = ex.REGISTRY[i]
        for mine, theirs in zip(bases, bases[1:] + bases[:1]):
            ex.reset_attempts()
            params = ex.params_for(i, mine)
            right = e.solve(mine, **params)
            assert ex.check(i, right, mine, **params).passed, i
            if e.kind != "decide":  # a decision is about the learner's own named complaint
                other = e.solve(theirs)
                if not ex.compare(other, right, rtol=e.rtol, decimals=3):
                    assert not ex.check(i, other, mine).passed, i
            for mistake, hint in e.mistakes:
                wrong = mistake(mine, **params)
                if not ex.compare(wrong, right, rtol=e.rtol):
                    result = ex.check(i, wrong, mine, **params)
                    assert not result.passed and hint in result.message, i


def test_the_complaint_decision_names_a_complaint_that_broke_one_promise():
    from playbook import exercises as ex
    from playbook.synth import generate

    for seed in range(5):
        base = generate("retail", n_customers=2000, seed=seed)
        cid = ex.params_for("08.6", base)["complaint_id"]
        row = complaint_timeline(base, sla_first_response_hours=24, sla_resolution_days=7).set_index("complaint_id").loc[cid]
        assert bool(row["first_response_breach"]) != bool(row["resolution_breach"]), seed
        result = ex.check("08.6", ex.REGISTRY["08.6"].solve(base, complaint_id=cid), base, complaint_id=cid)
        assert result.passed and f"Complaint {cid}" in result.message
