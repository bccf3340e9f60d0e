"""playbook.evaluate: metrics checked against brute force on constructed data, tasks against
the truth, and the kit's churn warning against naive baselines across five seeds."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import playbook
import playbook.synth
from playbook import evaluate as ev
from playbook.errors import InvalidArgumentError, MissingTableError

SEEDS = range(5)
AS_OF = "2025-06-30"
HORIZON = 180


def make_base(seed):
    return playbook.synth.generate("retail", n_customers=1500, seed=seed, process="realistic")


@pytest.fixture(scope="module")
def bases():
    return {s: make_base(s) for s in SEEDS}


@pytest.fixture(scope="module")
def baselines(bases):
    return {s: ev.baseline_scores(b, AS_OF) for s, b in bases.items()}


@pytest.fixture(scope="module")
def kit(bases, baselines):
    """The kit's scores per seed, reusing the baselines' P(alive) rather than refitting BG/NBD."""
    return {s: ev.kit_churn_scores(b, AS_OF, p_alive=1 - baselines[s]["one_minus_p_alive"]) for s, b in bases.items()}


@pytest.fixture(scope="module")
def results(bases, kit, baselines):
    """Per-seed compare tables for both tasks: the kit's model risk ("kit") and the old rule score
    ("rules"), each read at its own warning's recall; every score computed once per seed."""
    methods = {"kit": {s: pd.DataFrame({"score": k["risk"], "warning": k["warning"]}) for s, k in kit.items()},
               "rules": {s: pd.DataFrame({"score": k["risk_rules"], "warning": k["warning_rules"]}) for s, k in kit.items()}}
    return {task: ev.over_seeds(bases.__getitem__, SEEDS, AS_OF, HORIZON, methods, task=task, baselines=baselines)
            for task in ("leave", "detect")}


def test_kit_scores_reuse_what_the_caller_holds(bases, kit):
    """Signals and P(alive) passed in give exactly the scores computed from scratch: nothing is computed twice."""
    from playbook.churn import churn_signals

    base = bases[0]
    fresh = ev.kit_churn_scores(base, AS_OF)
    pd.testing.assert_frame_equal(fresh, kit[0])
    reused = ev.kit_churn_scores(base, AS_OF, signals=churn_signals(base, AS_OF), p_alive=1 - ev.baseline_scores(base, AS_OF)["one_minus_p_alive"])
    pd.testing.assert_frame_equal(fresh, reused)


def test_over_seeds_takes_precomputed_results(bases, kit):
    """A mapping {seed: result} gives the same table as the function that computes it."""
    seeds = list(SEEDS)
    computed = ev.over_seeds(bases.__getitem__, seeds, AS_OF, HORIZON,
                             {"kit": lambda base, as_of: ev.kit_churn_scores(base, as_of)["risk"]})
    given = ev.over_seeds(bases.__getitem__, seeds, AS_OF, HORIZON, {"kit": {s: kit[s]["risk"] for s in seeds}})
    pd.testing.assert_frame_equal(computed, given)


def per_seed(results, task, value="auc", method="kit"):
    table = results[task].attrs["per_seed"]
    wide = table.loc[table["method"] == method].pivot(index="seed", columns="score", values=value)
    if method == "kit":
        rules = table.loc[(table["method"] == "rules") & (table["score"] == "rules")].set_index("seed")[value]
        wide["rules"] = rules
    return wide


# ------------------------------------------------------------------ metrics, constructed
def brute_auc(y, s):
    pos, neg = s[y], s[~y]
    return np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg)])


@pytest.mark.parametrize("seed", range(6))
def test_auc_matches_pairwise_count_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(60) < 0.3
    y[:2] = [True, False]
    s = rng.integers(0, 5, 60).astype(float)  # five levels: many ties
    assert ev.roc_auc(y, s) == pytest.approx(brute_auc(y, s))
    curve = ev.roc_curve(y, s)
    assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(ev.roc_auc(y, s))
    assert ev.roc_auc(y, -s) == pytest.approx(1 - ev.roc_auc(y, s))


@pytest.mark.parametrize("seed", range(5))
def test_precision_at_recall_without_ties_is_the_pr_curve_point(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(200) < 0.25
    s = rng.normal(size=200) + y
    pr = ev.pr_curve(y, s)
    for k in (1, 5, 17, int(y.sum())):
        row = pr.loc[pr["recall"] >= k / y.sum() - 1e-12].iloc[0]
        assert ev.precision_at_recall(y, s, k / y.sum()) == pytest.approx(row["precision"])


@pytest.mark.parametrize("seed", range(5))
def test_ties_never_depend_on_row_order(seed):
    """Sorting would break ties by row order; the metrics split a tie group instead."""
    rng = np.random.default_rng(seed)
    y = rng.random(80) < 0.3
    y[:2] = [True, False]
    s = rng.integers(0, 3, 80).astype(float)
    perm = rng.permutation(80)
    for recall in (0.2, 0.5, 0.9):
        assert ev.precision_at_recall(y, s, recall) == pytest.approx(ev.precision_at_recall(y[perm], s[perm], recall))
        assert ev.precision_at_recall(y, np.zeros(80), recall) == pytest.approx(y.mean())
    for top in (0.05, 0.3):
        assert ev.lift_at(y, s, top) == pytest.approx(ev.lift_at(y[perm], s[perm], top))
        assert ev.lift_at(y, np.zeros(80), top) == pytest.approx(1.0)


def test_perfect_and_constant_scores():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], bool)
    perfect = y.astype(float)
    assert ev.roc_auc(y, perfect) == 1.0
    assert ev.precision_at_recall(y, perfect, 1.0) == 1.0
    assert ev.lift_at(y, perfect, 0.2) == pytest.approx(5.0)
    assert ev.roc_auc(y, np.ones(10)) == 0.5
    assert ev.precision_at_recall(y, np.ones(10), 0.5) == pytest.approx(0.2)


def test_metrics_refuse_nan_and_one_class():
    with pytest.raises(InvalidArgumentError, match="NaN"):
        ev.roc_auc([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(InvalidArgumentError, match="both positives and negatives"):
        ev.precision_at_recall([1, 1], [0.1, 0.2], 0.5)
    with pytest.raises(InvalidArgumentError, match="same length"):
        ev.lift_at([1, 0], [0.1, 0.2, 0.3])


# --------------------------------------------------------------------------- the tasks
def test_tasks_follow_the_truth(bases):
    for seed, base in bases.items():
        ts = pd.Timestamp(AS_OF)
        leave, detect = ev.leave_task(base, AS_OF, HORIZON), ev.detection_task(base, AS_OF)
        bought = set(base.orders.loc[base.orders.order_date < ts + pd.Timedelta("1D"), "customer_id"])
        assert set(detect.index) == bought, seed
        assert set(leave.index) == set(detect.index[~detect["label"]]), seed
        d = leave["dropout_date"]
        assert leave["label"].equals((d > ts) & (d <= ts + pd.Timedelta(days=HORIZON))), seed
        assert not (d <= ts).any(), seed
        assert 0.1 < leave["label"].mean() < 0.5 and 0.3 < detect["label"].mean() < 0.8, seed


def test_tasks_refuse_bad_input(bases):
    base = bases[0]
    with pytest.raises(MissingTableError, match="no `truth` table"):
        ev.leave_task(dataclasses.replace(base, truth=None), AS_OF, HORIZON)
    with pytest.raises(InvalidArgumentError, match="runs past the data's end"):
        ev.leave_task(base, "2025-10-01", HORIZON)
    with pytest.raises(InvalidArgumentError, match="no positives"):
        ev.detection_task(base, base.orders.order_date.min().normalize())
    with pytest.raises(InvalidArgumentError, match="missing for"):
        ev.compare(base, AS_OF, HORIZON, pd.Series({"C00001": 1.0}, name="m"))
    with pytest.raises(InvalidArgumentError, match="at least 5 seeds"):
        ev.over_seeds(make_base, range(3), AS_OF, HORIZON)


# ----------------------------------------------------- the kit against the baselines
def test_baselines_read_only_the_past(bases):
    base = bases[0]
    before = ev.baseline_scores(base, AS_OF)
    cut = ev.baseline_scores(base.snapshot(AS_OF), AS_OF)
    pd.testing.assert_frame_equal(before, cut)
    assert list(before.columns) == list(ev.BASELINES) and before.notna().all().all()


def test_a_baseline_beats_random_on_future_leavers(results):
    auc = per_seed(results, "leave")
    assert (auc["low_revenue"] > 0.53).all(), auc["low_revenue"]
    assert auc["one_time_first"].median() > 0.53


def test_kit_model_does_not_beat_the_best_baseline_on_future_leavers(results):
    """THE FINDING OF #17, PINNED. The default score is now a logistic model fitted on each base's
    own past (P(no order in the next 180 days), playbook.churn.fit_churn_model). On realistic
    retail (1,500 customers, seeds 0-4, review 2025-06-30, leave within 180 days) it ranks future
    leavers at AUC about 0.52-0.61 and still trails the best naive baseline, lowest revenue to
    date (about 0.55-0.63), on every seed. Trained on the true labels instead, the same inputs
    only tie lowest revenue (session measurement, cross-seed fit): what decides who leaves next
    is mostly the hidden hazard (see the oracle test below), not anything in the tables. If a
    future score beats the best baseline by 0.02 on every seed, flip this test."""
    auc = per_seed(results, "leave")
    best = auc[list(ev.BASELINES)].max(axis=1)
    gap = auc["kit"] - best
    assert (gap < 0.02).all(), gap  # does not beat the best baseline by a margin on any seed
    assert (gap > -0.08).all(), gap  # but is not far behind it either
    assert (auc["kit"] > 0.5).all(), auc["kit"]


def test_kit_model_beats_recency_and_the_old_rule_score_on_future_leavers(results):
    """What the redesign did win: on every seed the model ranks future leavers above days since
    the last order (about 0.47-0.56: below chance, since among the still-active the long-silent
    are slow buyers, not leavers) and above the hand-weighted rule score it replaced (about
    0.46-0.57), and its warning's precision beats the rule score's at median."""
    auc = per_seed(results, "leave")
    assert ((auc["kit"] - auc["days_since_last"]) > 0.03).all(), auc[["kit", "days_since_last"]]
    assert ((auc["kit"] - auc["rules"]) > 0.0).all() and (auc["kit"] - auc["rules"]).median() > 0.02, auc[["kit", "rules"]]
    precision, base_rate = per_seed(results, "leave", "precision"), per_seed(results, "leave", "base_rate")["kit"]
    assert ((precision["kit"] - base_rate) > 0).all(), (precision["kit"], base_rate)


def test_kit_risk_detects_the_gone_worse_than_days_since_last_order(results):
    """Detection (already gone at the review): the model's risk (AUC about 0.78-0.86) is beaten on
    every seed by plain days since the last order (about 0.86-0.89): it weighs recency against
    rhythm and history to predict the next half-year, and is not a better detector."""
    auc = per_seed(results, "detect")
    assert ((auc["days_since_last"] - auc["kit"]) > 0.0).all(), auc
    assert (auc["kit"] > 0.7).all()


@pytest.fixture(scope="module")
def calibration(bases, kit):
    out = {}
    for seed, base in bases.items():
        task = ev.no_order_task(base, AS_OF, HORIZON)
        p = kit[seed]["risk"].reindex(task.index) / 100
        out[seed] = (task, p, ev.reliability_table(task["label"], p, bins=5))
    return out


def test_model_risk_is_a_calibrated_probability_of_no_order(calibration):
    """The model's own target is observable: no order in the next 180 days. Over seeds 0-4 every
    fifth of customers by risk sees a no-order rate within 0.15 of the predicted one (largest
    gap about 0.03-0.11), and its Brier score (about 0.10-0.12) beats predicting everyone the
    base rate (about 0.16-0.18) by at least 0.04."""
    for seed, (task, p, table) in calibration.items():
        assert table.attrs["max_gap"] < 0.15, (seed, table)
        constant = ev.brier_score(task["label"], np.full(len(p), task["label"].mean()))
        assert table.attrs["brier"] < constant - 0.04, (seed, table.attrs["brier"], constant)
        assert table["predicted"].is_monotonic_increasing and table["observed"].iloc[-1] > table["observed"].iloc[0]


def test_model_risk_is_not_a_probability_of_leaving(bases, kit):
    """Among the still-active, the mean risk (about 0.63-0.67 on retail) is far above the share who
    truly leave in the next 180 days (about 0.25-0.30): slow buyers who stay also go half a year
    without an order. Read the risk as "no order in 180 days", never as a churn probability."""
    for seed, base in bases.items():
        task = ev.leave_task(base, AS_OF, HORIZON)
        predicted = (kit[seed]["risk"].reindex(task.index) / 100).mean()
        assert predicted > task["label"].mean() + 0.2, (seed, predicted, task["label"].mean())


def test_reliability_and_brier_by_hand_and_bad_input():
    table = ev.reliability_table([0, 0, 1, 1, 0, 1], [0.1, 0.1, 0.9, 0.9, 0.5, 0.5], bins=3)
    assert table["n"].tolist() == [2, 2, 2] and table["observed"].tolist() == [0.0, 0.5, 1.0]
    assert table["predicted"].tolist() == pytest.approx([0.1, 0.5, 0.9])
    assert table.attrs["brier"] == pytest.approx((4 * 0.01 + 2 * 0.25) / 6)
    assert np.isnan(table.attrs["max_gap"])  # no bin of 30: no gap worth reading
    with pytest.raises(InvalidArgumentError, match=r"\[0, 1\]"):
        ev.reliability_table([0, 1], [0.2, 40.0])
    with pytest.raises(InvalidArgumentError, match="bins"):
        ev.reliability_table([0, 1], [0.2, 0.4], bins=0)
    with pytest.raises(InvalidArgumentError, match="NaN"):
        ev.brier_score([0, 1], [0.2, np.nan])


def test_lead_time_counts_only_a_warning_that_stays_on():
    replay = pd.DataFrame({"as_of": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"] * 4),
                           "customer_id": [c for c in "abcd" for _ in range(4)],
                           "warning": [True, True, True, True,      # a: on from January, left 10 March
                                       True, False, True, True,     # b: on, off, on again in March; left 10 April
                                       False, False, False, True,   # c: first warned after leaving in February
                                       True, True, True, True]})    # d: never left
    truth = pd.DataFrame({"customer_id": list("abcd"),
                          "dropout_date": pd.to_datetime(["2025-03-10", "2025-04-10", "2025-02-15", None])})
    lt = ev.lead_times(replay, truth)
    assert lt.index.tolist() == ["a", "b", "c"]
    assert lt.loc["a", "lead_days"] == 38  # 31 Jan -> 10 Mar
    assert lt.loc["b", "lead_days"] == 10  # the run that reaches the dropout starts 31 Mar, not January
    assert np.isnan(lt.loc["c", "lead_days"]) and lt.loc["c", "warned_after"]
    assert not lt.loc[["a", "b"], "warned_after"].any()
    with pytest.raises(InvalidArgumentError, match="replay columns"):
        ev.lead_times(replay.drop(columns="warning"), truth)


def test_no_order_task_reads_only_orders(bases):
    import dataclasses as dc

    base = bases[0]
    task = ev.no_order_task(dc.replace(base, truth=None), AS_OF, HORIZON)
    later = base.orders.loc[(base.orders.order_date > pd.Timestamp(AS_OF) + pd.Timedelta("1D"))
                            & (base.orders.order_date < pd.Timestamp(AS_OF) + pd.Timedelta(days=HORIZON + 1)), "customer_id"]
    assert not task["label"][task.index.isin(set(later))].any() and task["label"][~task.index.isin(set(later))].all()
    with pytest.raises(InvalidArgumentError, match="runs past the data's end"):
        ev.no_order_task(base, "2025-10-01", HORIZON)


def test_compare_reads_baselines_at_the_methods_own_warning(bases):
    base = bases[1]
    kit = ev.kit_churn_scores(base, AS_OF)
    assert kit.attrs["method"] == "model"
    task = ev.leave_task(base, AS_OF, HORIZON)
    table = ev.compare(base, AS_OF, HORIZON, kit["risk"].rename("kit"), flags=kit["warning"])
    warned = kit["warning"].reindex(task.index)
    own = table.loc[table["kind"] == "method"].iloc[0]
    assert own["operating_point"] == "own warning"
    assert own["recall"] == pytest.approx(task["label"][warned].sum() / task["label"].sum())
    assert own["precision"] == pytest.approx(task["label"][warned].mean())  # what the warning delivers
    assert (table["recall"] == own["recall"]).all() and len(table) == 1 + len(ev.BASELINES)
    fixed = ev.compare(base, AS_OF, HORIZON, kit["risk"].rename("kit"), recall=0.5, flags=kit["warning"])
    assert (fixed["recall"] == 0.5).all() and (fixed["operating_point"] == "fixed recall").all()


def test_p_alive_ranks_one_time_buyers_as_safest(bases):
    """BG/NBD lets nobody leave before a repeat purchase, so 1 - P(alive) is 0 for every one-time
    buyer: that is why it sits below chance on the realistic process, where they leave most."""
    for seed, base in bases.items():
        b = ev.baseline_scores(base, AS_OF)
        one_time = b["one_time_first"] >= 1e6
        assert (b.loc[one_time, "one_minus_p_alive"] == 0).all(), seed
        task = ev.detection_task(base, AS_OF)
        assert task["label"][one_time.reindex(task.index)].mean() > task["label"][~one_time.reindex(task.index)].mean(), seed


def test_over_seeds_gives_ranges(results):
    for table in results.values():
        assert (table["seeds"] == 5).all()
        for m in ("auc", "precision", "lift"):
            assert (table[f"{m}_min"] <= table[f"{m}_median"]).all() and (table[f"{m}_median"] <= table[f"{m}_max"]).all()
        assert table[[c for c in table.columns if c.endswith(("_min", "_median", "_max"))]].notna().all().all()


def test_future_leaving_is_predictable_from_the_true_hazard(bases, results):
    """The ceiling the redesign aims at: the hidden base hazard (truth.dropout_hazard, not a usable
    score) ranks future leavers at AUC about 0.66-0.72, above every naive baseline on every seed,
    so the task is learnable and a chance-level score is a failure of the score, not of the task."""
    auc = per_seed(results, "leave")
    for seed, base in bases.items():
        task = ev.leave_task(base, AS_OF, HORIZON)
        hazard = base.truth.set_index("customer_id")["dropout_hazard"].reindex(task.index)
        known = hazard.notna()
        oracle = ev.roc_auc(task["label"][known], hazard[known])
        assert oracle > 0.62, (seed, oracle)
        assert oracle > auc.loc[seed, list(ev.BASELINES)].max(), (seed, oracle, auc.loc[seed])


def test_even_trained_on_the_truth_the_observable_inputs_only_tie_lowest_revenue(bases, results):
    """Why the redesigned score cannot beat lowest revenue: fit the model's own inputs on the TRUE
    leave labels of the next seed (an oracle no business has) and score this seed. The result ties
    lowest revenue: never more than 0.04 AUC above it on any seed, far below the hidden-hazard
    oracle. The information is not in the tables, so no reweighting of them will find it."""
    from playbook.churn import _fit_logistic, _model_inputs, churn_signals

    data = {}
    for seed, base in bases.items():
        task = ev.leave_task(base, AS_OF, HORIZON)
        x = _model_inputs(churn_signals(base, AS_OF, horizon_days=None)).reindex(task.index)
        data[seed] = (x.drop(columns=[c for c in x.columns if x[c].isna().all()]).fillna(0.0), task["label"].to_numpy())
    auc = per_seed(results, "leave")
    for seed in bases:
        x_fit, y_fit = data[(seed + 1) % len(bases)]
        mean, scale = x_fit.mean().to_numpy(), x_fit.std().replace(0, 1).to_numpy()
        intercept, coef = _fit_logistic((x_fit.to_numpy() - mean) / scale, y_fit, 1.0)
        x, y = data[seed]
        trained = ev.roc_auc(y, intercept + ((x[x_fit.columns].to_numpy() - mean) / scale) @ coef)
        assert trained - auc.loc[seed, "low_revenue"] < 0.04, (seed, trained, auc.loc[seed, "low_revenue"])


# ------------------------------------------------------------------ small samples: intervals and exact tests

def test_wilson_interval_keeps_its_coverage_on_small_groups():
    """Over 4,000 simulated groups per setting, the 95% Wilson interval holds the true share 92-98% of the
    time for groups of 7 to 40, where rate ± 1.96 SE falls well short (it is 0 ± 0 for 0 of 7)."""
    rng = np.random.default_rng(0)
    for n in (7, 20, 40):
        for p in (0.2, 0.5, 0.7):
            k = rng.binomial(n, p, size=4000)
            ci = ev.proportion_interval(k, np.full(4000, n))
            coverage = float(((ci["low"] <= p) & (p <= ci["high"])).mean())
            assert 0.92 <= coverage <= 0.985, (n, p, coverage)
    k = rng.binomial(7, 0.2, size=4000)
    se = np.sqrt(k / 7 * (1 - k / 7) / 7)
    assert float(((k / 7 - 1.96 * se <= 0.2) & (0.2 <= k / 7 + 1.96 * se)).mean()) < 0.9


def test_exact_interval_and_fisher_match_scipy():
    from scipy.stats import binomtest, fisher_exact

    ci = ev.proportion_interval([0, 3, 12, 7], [5, 9, 33, 7], method="exact", confidence=0.9)
    for (k, n), (lo, hi) in zip([(0, 5), (3, 9), (12, 33), (7, 7)], ci[["low", "high"]].to_numpy()):
        ref = binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
        assert np.isclose(lo, ref.low) and np.isclose(hi, ref.high)
    outcome = pd.Series([True] * 5 + [False] * 2 + [True] * 12 + [False] * 21, index=[f"A{i}" for i in range(40)])
    group = pd.Series([True] * 7 + [False] * 33, index=outcome.index)
    r = ev.fisher_comparison(outcome, group)
    assert np.isclose(r["p_value"], fisher_exact([[5, 2], [12, 21]]).pvalue)
    assert (r["n_group"], r["hits_group"], r["n_rest"], r["hits_rest"]) == (7, 5, 33, 12)
    assert not r["settled"] and r["low_group"] < r["rate_rest"]  # "doubled churn" on 7 accounts: not settled
    big = ev.fisher_comparison([True] * 70 + [False] * 30 + [True] * 36 + [False] * 64, [True] * 100 + [False] * 100)
    assert big["settled"] and big["p_value"] < 0.001  # the same shares on 100 of each are


def test_small_sample_functions_reject_bad_input():
    with pytest.raises(InvalidArgumentError, match="successes <= trials"):
        ev.proportion_interval(5, 4)
    with pytest.raises(InvalidArgumentError, match="successes <= trials"):
        ev.proportion_interval([1], [0])
    with pytest.raises(InvalidArgumentError, match="method"):
        ev.proportion_interval(1, 4, method="wald")
    with pytest.raises(InvalidArgumentError, match="both groups"):
        ev.fisher_comparison([True, False], [True, True])
    with pytest.raises(InvalidArgumentError, match="same length"):
        ev.fisher_comparison([True, False], [True])
