"""Churn early warning: signals, risk score, naive rule, evaluation against truth, survival, big-account alarm."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import playbook
import playbook.synth
from playbook import charts
from playbook import evaluate as ev
from playbook.churn import (
    DEFAULT_WEIGHTS,
    churn_risk,
    churn_signals,
    concentration_alarm,
    evaluate_warnings,
    kaplan_meier,
    naive_rule,
    replay_warnings,
    signal_hit_rates,
    signal_strengths,
    survival_by_segment,
    truth_survival,
)
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError, PlaybookError

BIG = ["A0001", "A0002", "A0003", "A0004"]
QUARTERS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
MONTHS = pd.date_range("2024-01-31", "2025-06-30", freq="ME")
SEEDS = range(5)
REVIEWS = pd.date_range("2024-06-30", "2025-06-30", freq="QE")


@pytest.fixture(scope="module")
def small_b2b():
    """Five small realistic B2B bases: every claim against truth is a range over seeds."""
    return {s: playbook.synth.generate("b2b", n_customers=600, seed=s) for s in SEEDS}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def alarm(b2b):
    return concentration_alarm(b2b, QUARTERS)


def _orders(ids, dates, amounts=None):
    return pd.DataFrame({"customer_id": ids, "order_date": pd.to_datetime(dates),
                         "amount": np.asarray(amounts if amounts is not None else [10.0] * len(ids), dtype=float)})


# ---------------------------------------------------------------- signals


def test_signals_on_orders_only_leave_other_signals_empty_with_notes():
    orders = _orders(["a"] * 5 + ["b"], ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31", "2025-02-10", "2025-01-05"])
    s = churn_signals(orders, "2025-03-12")
    assert s.loc["a", "own_gap_days"] == 10
    assert s.loc["a", "days_since_last"] == 30
    assert s.loc["a", "gap_ratio"] == pytest.approx(3.0)
    assert s.loc["b", "own_gap_days"] == 10  # one-time buyer: everyone's median rhythm
    assert s["open_complaints"].isna().all() and s["care_change"].isna().all()
    assert len(s.attrs["notes"]) == 5 and "No churn model" in s.attrs["notes"][-1]  # six weeks of history
    r = churn_risk(s)
    assert r.attrs["method"] == "rules" and set(r.attrs["weights"]) == {"gap", "frequency", "basket"}
    with pytest.raises(InvalidArgumentError, match="needs a fitted model"):
        churn_risk(s, method="model")
    assert r["risk"].between(0, 100).all()


def test_signals_use_no_look_ahead(b2b):
    c = b2b.complaints
    slow = c[(c.closed_at - c.opened_at) > pd.Timedelta(days=20)].sort_values("opened_at").iloc[-1]
    day = (slow.opened_at + pd.Timedelta(days=10)).strftime("%Y-%m-%d")  # a complaint open on the day, closed later
    full = churn_signals(b2b, day)
    cut = churn_signals(b2b.snapshot(day), day)
    pd.testing.assert_frame_equal(full.drop(columns="competitor"), cut.drop(columns="competitor"))
    # the model is fitted on the past only: the same coefficients from the cut base
    assert np.allclose(full.attrs["model"].coef, cut.attrs["model"].coef)
    # a complaint closed after the day still counts as open on it
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    later = c[(c.opened_at < end) & (c.closed_at >= end) & (c.opened_at > pd.Timestamp(day) - pd.Timedelta(days=365))]
    assert len(later) > 0
    assert (full.loc[later.customer_id.unique(), "open_complaints"] >= 1).all()


def test_care_signal_counts_care_contacts_by_hand(b2b):
    day = pd.Timestamp("2024-06-30")
    s = churn_signals(b2b, day, horizon_days=None)
    it = b2b.interactions[b2b.interactions.kind.isin(["follow_up", "visit", "call", "event"])]
    end = day + pd.Timedelta(days=1)
    recent = it[(it.date < end) & (it.date >= end - pd.Timedelta(days=90))].groupby("customer_id").size()
    usual = it[(it.date < end - pd.Timedelta(days=90)) & (it.date >= end - pd.Timedelta(days=455))].groupby("customer_id").size()
    for cid in ["A0001", "A0002", "A0003", "A0004"]:  # the big accounts
        assert s.loc[cid, "care_recent"] == recent.get(cid, 0), cid
        assert s.loc[cid, "care_usual"] == pytest.approx(usual.get(cid, 0) * 90 / 365), cid
    assert s.attrs["model"] is None  # horizon_days=None: no model fitted


def test_signals_bad_input(retail):
    with pytest.raises(DataValidationError, match="before the first order"):
        churn_signals(retail, "2020-01-01")
    with pytest.raises(DataValidationError, match="empty"):
        churn_signals(_orders([], []), "2025-01-01")
    with pytest.raises(InvalidArgumentError, match="needs as_of"):
        churn_signals(_orders(["a"], ["2025-01-01"]))
    with pytest.raises(InvalidArgumentError, match="window_days"):
        churn_signals(retail, window_days=0)
    with pytest.raises(DataValidationError, match="order_date"):
        churn_signals(pd.DataFrame({"customer_id": ["a"], "order_date": ["2025-01-01"], "amount": [1.0]}), "2025-02-01")
    with pytest.raises(PlaybookError):
        churn_signals(pd.DataFrame({"customer": ["a"]}), "2025-02-01")


def test_single_customer_all_one_order_ties_and_refunds():
    one = churn_signals(_orders(["a"], ["2025-01-01"]), "2025-03-01")
    assert one["gap_ratio"].isna().all() and "cannot be measured" in one.attrs["notes"][0]
    assert churn_risk(one).loc["a", "risk"] == 0
    ties = _orders(["a", "b", "c"], ["2025-01-01"] * 3)
    r = churn_risk(churn_signals(ties, "2025-02-01"))
    assert r["risk"].nunique() == 1
    refunds = _orders(["a"] * 4, ["2024-10-01", "2024-11-01", "2025-01-10", "2025-01-20"], [50.0, -50.0, 20.0, -5.0])
    s = churn_signals(refunds, "2025-02-01")
    assert np.isnan(s.loc["a", "basket_change"])  # the usual basket nets to zero: nothing to compare
    assert np.isfinite(churn_risk(s).loc["a", "risk"])


# ---------------------------------------------------------------- the score


def test_strength_rules():
    s = pd.DataFrame({"gap_ratio": [1.0, 3.0, 9.0], "orders_recent": [10, 2, 0], "orders_usual": [10.0, 10.0, 0.5],
                      "open_complaints": [0, 2, 1]}, index=list("xyz"))
    st = signal_strengths(s)
    assert st["gap"].tolist() == [0.0, 0.5, 1.0]
    assert st.loc["x", "frequency"] == 0 and st.loc["y", "frequency"] == 1
    assert st.loc["z", "frequency"] == 0  # no order in a quarter from a twice-a-year buyer is not news
    assert st["complaints"].tolist() == [0, 1, 1]
    assert st["care"].isna().all()


def test_rule_score_weights_reasons_and_threshold(b2b):
    """The editable teaching score (method="rules"): points add up to the risk, weights move it."""
    s = churn_signals(b2b, "2024-09-30")
    r = churn_risk(s, method="rules")
    assert r.attrs["method"] == "rules" and r["risk"].is_monotonic_decreasing
    cared = r["points_care"].idxmax()
    assert r.loc[cared, "points_care"] > 1 and "care contact" in r.loc[cared, "reasons"]
    assert (r["warning"] == (r["risk"] >= 30)).all()
    points = r.filter(like="points_").sum(axis=1)
    assert np.allclose(points, r["risk"])
    no_care = churn_risk(s, weights={"care": 0})  # weights alone pick the rule score
    assert no_care.attrs["method"] == "rules" and "points_care" not in no_care.columns
    assert no_care.loc[cared, "risk"] < r.loc[cared, "risk"]
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    strict = churn_risk(s, threshold=80, method="rules")
    assert strict["warning"].sum() < r["warning"].sum()


def test_model_score_is_a_probability_with_contributions(b2b):
    """The default score: 100 x P(no order in 180 days) from a model fitted on the base's past."""
    s = churn_signals(b2b, "2024-09-30")
    model = s.attrs["model"]
    assert model.fitted_at == pd.Timestamp("2024-09-30") - pd.Timedelta(days=180) and model.n_train > 100
    assert 0 < model.positive_rate < 1 and model.backtest_auc > 0.7
    r = churn_risk(s)
    assert r.attrs["method"] == "model" and r.attrs["threshold"] == 50
    assert r["risk"].between(0, 100).all() and r["risk"].is_monotonic_decreasing
    assert (r["warning"] == (r["risk"] >= 50)).all()
    assert np.allclose(r.filter(like="points_").sum(axis=1), r["risk"] - r.attrs["base_risk"])
    assert set(c.removeprefix("points_") for c in r.filter(like="points_").columns) <= set(playbook.churn.MODEL_GROUPS)
    # the probability is model.predict, and a long silence against the customer's own rhythm raises it
    assert np.allclose(r["risk"] / 100, model.predict(s).reindex(r.index))
    assert model.coefficients()["log_days_since_last"] + model.coefficients()["log_gap_ratio"] > 0
    top = r.index[0]
    assert r.loc[top, "reasons"] != "no warning sign"
    with pytest.raises(InvalidArgumentError, match="method"):
        churn_risk(s, method="magic")
    with pytest.raises(InvalidArgumentError, match="weights"):
        churn_risk(s, method="model", weights={"gap": 1})


def test_reasons_in_chinese_carry_the_same_numbers(b2b):
    import re

    plain = churn_signals(b2b, "2024-09-30")
    s = plain.assign(p_alive=0.4)
    en, zh = churn_risk(s), churn_risk(s, lang="zh")  # a p_alive column picks the rule score
    assert en.attrs["method"] == "rules"
    assert en["risk"].equals(zh["risk"]) and en["warning"].equals(zh["warning"])
    assert any("存活概率 40%" in r for r in zh["reasons"]) and any("probability alive 40%" in r for r in en["reasons"])

    def numbers(text):
        return re.findall(r"\d+(?:\.\d+)?%?", text)

    model_en, model_zh = churn_risk(plain), churn_risk(plain, lang="zh")
    assert model_en.attrs["method"] == "model" and model_en["risk"].equals(model_zh["risk"])
    for a, b in ((en, zh), (model_en, model_zh)):
        for cid in a.index:  # every reason, every customer: the same figures in the same order, no English left
            assert numbers(b.at[cid, "reasons"]) == numbers(a.at[cid, "reasons"]), cid
            assert not re.search(r"[A-Za-z]{3,}", b.at[cid, "reasons"].split("（")[0]), b.at[cid, "reasons"]
    quiet = churn_risk(s.assign(p_alive=1.0), weights={k: 0 for k in DEFAULT_WEIGHTS}, lang="zh")
    assert set(quiet["reasons"]) == {"无预警信号"}
    with pytest.raises(InvalidArgumentError, match="'lang' parameter of churn_risk must be 'en' or 'zh'"):
        churn_risk(s, lang="fr")


def test_alarm_replay_speaks_the_explorer_s_language(b2b):
    zh = concentration_alarm(b2b, ["2024Q2", "2024Q3"], lang="zh")
    en = concentration_alarm(b2b, ["2024Q2", "2024Q3"])
    assert zh[["customer_id", "quarter", "risk", "warning"]].equals(en[["customer_id", "quarter", "risk", "warning"]])
    warned = zh.loc[zh["warning"], "reasons"]
    assert len(warned) and all(any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in warned)
    with pytest.raises(InvalidArgumentError, match="'lang' parameter of concentration_alarm"):
        concentration_alarm(b2b, ["2024Q2"], lang="de")


def test_risk_blends_p_alive_and_rejects_bad_weights(b2b):
    s = churn_signals(b2b, "2024-09-30")
    s = s.assign(p_alive=np.where(s.index == "A0004", 0.0, 1.0))
    r = churn_risk(s)
    assert r.attrs["weights"]["p_alive"] == 30
    assert "probability alive 0%" in r.loc["A0004", "reasons"]
    with pytest.raises(InvalidArgumentError, match="unknown signal"):
        churn_risk(s, weights={"mood": 3})
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        churn_risk(s, weights={"gap": -1})
    with pytest.raises(InvalidArgumentError, match="threshold"):
        churn_risk(s, threshold=120)
    with pytest.raises(DataValidationError, match="p_alive"):
        churn_risk(s.assign(p_alive=2.0))
    with pytest.raises(InvalidArgumentError, match="weight 0"):
        churn_risk(s, weights={k: 0 for k in [*DEFAULT_WEIGHTS, "p_alive"]})


def test_naive_rule(retail):
    n = naive_rule(retail, "2025-06-30", days=90)
    assert (n["warning"] == (n["days_since_last"] > 90)).all()
    assert n["warning"].sum() > naive_rule(retail, "2025-06-30", days=180)["warning"].sum()
    with pytest.raises(InvalidArgumentError, match="days"):
        naive_rule(retail, days=0)
    with pytest.raises(InvalidArgumentError, match="as_of"):
        naive_rule(retail.orders)


# ---------------------------------------------------------------- evaluation


def test_evaluate_by_hand():
    warnings = pd.DataFrame({"warning": [True, True, False, False], "days_since_last": [10, 400, 10, 10]},
                            index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    truth = pd.DataFrame({"customer_id": list("abcd"),
                          "dropout_date": pd.to_datetime(["2025-03-01", "2023-01-01", "2025-02-01", None])})
    ev = evaluate_warnings(warnings, truth, "2025-01-01", horizon_days=90)
    # b is out (no order for 400 days); a and c are churners (within 90 days); a was warned
    assert ev["n_reviewed"] == 3 and ev["n_churners"] == 2
    assert ev["precision"] == 1.0 and ev["recall"] == 0.5
    with pytest.raises(InvalidArgumentError, match="as_of"):
        evaluate_warnings(warnings, truth)
    with pytest.raises(DataValidationError, match="dropout_date"):
        evaluate_warnings(warnings, truth.drop(columns="dropout_date"), "2025-01-01")
    with pytest.raises(DataValidationError, match="warning"):
        evaluate_warnings(warnings.drop(columns="warning"), truth, "2025-01-01")


def test_lead_time_from_a_replay():
    replay = pd.DataFrame({"as_of": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"] * 2),
                           "customer_id": ["a"] * 3 + ["b"] * 3,
                           "warning": [False, True, True, False, False, False], "days_since_last": [5] * 6})
    truth = pd.DataFrame({"customer_id": ["a", "b"], "dropout_date": pd.to_datetime(["2025-03-10", "2025-03-01"])})
    ev = evaluate_warnings(replay, truth)
    assert ev["median_lead_days"] == 10  # a: warned 28 Feb, left 10 Mar; b never warned
    assert ev["share_caught"] == 0.5 and ev["share_warned_before_dropout"] == 0.5


@pytest.fixture(scope="module")
def replays(small_b2b):
    """Quarterly replays (mid-2024 to mid-2025) of the model's warning and of "no order for 90 days"."""
    out = {}
    for seed, base in small_b2b.items():
        model = replay_warnings(base, REVIEWS)
        naive = replay_warnings(base, REVIEWS, rule="naive", naive_days=90)
        out[seed] = {name: (evaluate_warnings(r, base.truth), ev.lead_times(r, base.truth))
                     for name, r in (("model", model), ("naive", naive))}
    return out


def test_model_warning_stays_on_before_more_dropouts_than_the_naive_rule(replays):
    """Realistic B2B, 600 customers, seeds 0-4, five quarterly reviews. Share of the replay's
    churners warned by a warning that stayed on until they left: the model 0.55-0.75, "no order
    for 90 days" 0.54-0.64. The model is never behind (margin per seed +0.04, +0.13, +0.20, 0.00,
    +0.13) and ahead by 0.10 or more on three seeds of five. The price: the model's warning is
    broader, its precision (0.34-0.42) below the naive rule's (0.38-0.45) on every seed. A
    different operating point, not a free win."""
    ahead = 0
    for seed, got in replays.items():
        (model, model_lead), (naive, naive_lead) = got["model"], got["naive"]
        in_time, naive_in_time = model_lead["lead_days"].notna().mean(), naive_lead["lead_days"].notna().mean()
        assert in_time >= naive_in_time, (seed, in_time, naive_in_time)
        ahead += in_time >= naive_in_time + 0.10
        assert model["precision"] < naive["precision"], (seed, model["precision"], naive["precision"])
        assert (model_lead["lead_days"].dropna() >= 0).all()
    assert ahead >= 3


def test_rule_score_with_p_alive_does_not_raise_precision_on_retail():
    """Realistic retail, 600 customers, seeds 0-4: blending the BG/NBD P(alive) into the rule
    score does not raise its replayed precision by more than 0.02 on any seed (about -0.07 to
    +0.005; the classic data showed +0.05): BG/NBD gives every one-time buyer P(alive) = 1, and
    one-time buyers are the ones who leave most."""
    gains = []
    months = pd.date_range("2024-06-30", "2024-12-31", freq="QE")
    for seed in SEEDS:
        base = playbook.synth.generate("retail", n_customers=600, seed=seed)
        plain = evaluate_warnings(replay_warnings(base, months, method="rules"), base.truth)
        blended = evaluate_warnings(replay_warnings(base, months, with_p_alive=True), base.truth)
        gains.append(blended["precision"] - plain["precision"])
    assert max(gains) < 0.02, gains


def test_replay_bad_input(b2b):
    with pytest.raises(InvalidArgumentError, match="rule"):
        replay_warnings(b2b, MONTHS[:1], rule="magic")
    with pytest.raises(InvalidArgumentError, match="at least one"):
        replay_warnings(b2b, [])


def test_signal_hit_rates_care_catches_lack_of_care(small_b2b, b2b):
    """Realistic B2B, 600 customers, seeds 0-4 pooled (each seed has only about 10 lack-of-care
    churners per review span, too few to read alone), five quarterly reviews: the care signal is
    strong on about 21% of the lack-of-care churners just gone against 9% of the others, but on
    well under half of them: a weak signal, most who left for lack of care showed no care drop we could see."""
    pooled = pd.concat([signal_hit_rates(base, REVIEWS).assign(seed=seed) for seed, base in small_b2b.items()])
    pooled["hits"] = pooled["care"] * pooled["n"]
    lack = pooled.loc["lack_of_care"]
    others = pooled.drop(index="lack_of_care")
    lack_rate, other_rate = lack["hits"].sum() / lack["n"].sum(), others["hits"].sum() / others["n"].sum()
    assert lack["n"].sum() >= 30
    assert lack_rate > 1.5 * other_rate and lack_rate < 0.5, (lack_rate, other_rate)
    with pytest.raises(MissingTableError):
        signal_hit_rates(playbook.CustomerBase(orders=b2b.orders), MONTHS)


# ---------------------------------------------------------------- survival


def test_kaplan_meier_by_hand():
    km = kaplan_meier([2, 3, 3, 5, 8], [True, False, True, True, False])
    # S(2) = 4/5; S(3) = 4/5 * (1 - 1/4) = 0.6; S(5) = 0.6 * (1 - 1/2) = 0.3; 8 censored
    assert km["survival"].round(3).tolist() == [1.0, 0.8, 0.6, 0.3, 0.3]
    assert km["at_risk"].tolist() == [5, 5, 4, 2, 1]
    assert (km["lower"] <= km["survival"]).all() and (km["upper"] >= km["survival"]).all()
    no_censoring = kaplan_meier([1, 2, 3, 4], [True] * 4)
    assert no_censoring["survival"].tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    with pytest.raises(InvalidArgumentError):
        kaplan_meier([1, 2], [True])
    with pytest.raises(DataValidationError):
        kaplan_meier([], [])
    with pytest.raises(DataValidationError):
        kaplan_meier([-1], [True])


def test_survival_window_censoring_by_hand():
    """A span can only be seen to end churn_days after the last order, so everyone is followed up to
    as_of - churn_days: gone before it (an event at the last order), censored on it, or left out."""
    orders = _orders(["a", "a", "b", "b", "c", "d"],
                     ["2024-01-01", "2024-03-01", "2024-01-01", "2025-06-01", "2025-03-01", "2024-07-01"])
    sv = survival_by_segment(orders, "2025-12-31", by=None)
    assert sv["time"].tolist() == [0.0, 60.0, 365.0]  # d tried once, a stopped after 60 days, b censored
    assert sv["at_risk"].tolist() == [3, 2, 1] and sv["events"].tolist() == [1, 1, 0]
    assert np.allclose(sv["survival"], [2 / 3, 1 / 3, 1 / 3])
    assert sv.attrs["left_out"] == 1 and sv.attrs["followed_until"] == pd.Timestamp("2024-12-31")
    old = survival_by_segment(orders, "2025-12-31", by=None, censoring="review_date")
    assert old["time"].tolist() == [0.0, 60.0, 305.0, 730.0]  # c and b kept to as_of: time where no end is visible
    with pytest.raises(InvalidArgumentError, match="censoring"):
        survival_by_segment(orders, "2025-12-31", by=None, censoring="later")
    with pytest.raises(DataValidationError, match="too short"):
        survival_by_segment(orders, "2024-06-30", by=None)


@pytest.fixture(scope="module")
def shops_with_future():
    """Five small realistic shops run two years past the review date, so the truth sees how each span ends."""
    return {s: playbook.synth.generate("retail", n_customers=1500, seed=s, end="2027-12-31") for s in SEEDS}


def _at(curve, t):
    return float(curve.loc[curve["time"] <= t, "survival"].iloc[-1])


def test_survival_against_truth_over_seeds(shops_with_future):
    """The purchase span at 180 and 365 days, estimated at the review date, against the truth's curve of the
    same span (which reads two more years and the true dropout dates). On every seed the old censoring
    (everyone not yet silent for a year censored at the review date) sits more than 0.10 above the truth;
    the window censoring is closer on every seed but still sits below it, by less than 0.10: some customers
    silent for a year are alive and order again, and the rule ends their span at their last order."""
    review = "2025-12-31"
    for seed, base in shops_with_future.items():
        new = survival_by_segment(base, review, by=None)
        old = survival_by_segment(base, review, by=None, censoring="review_date")
        true = truth_survival(base, review)
        assert true.attrs["future_days"] == 730
        for t in (180, 365):
            gap_new, gap_old = _at(new, t) - _at(true, t), _at(old, t) - _at(true, t)
            assert -0.10 < gap_new < 0, (seed, t, gap_new)
            assert gap_old > 0.10, (seed, t, gap_old)
            assert abs(gap_new) < abs(gap_old) / 2, (seed, t, gap_new, gap_old)
        # why it is low: of the spans counted as ended, a share belong to customers alive on the review date
        s = playbook.summarize(base.orders, review)
        ended = s.index[s["last_order"] <= pd.Timestamp(review) - pd.Timedelta(days=365)]
        dropout = base.truth.set_index("customer_id")["dropout_date"].reindex(ended)
        alive = (dropout.isna() | (dropout > pd.Timestamp(review))).mean()
        assert 0.03 < alive < 0.25, (seed, alive)


def test_survival_bad_input(retail):
    by_seg = survival_by_segment(retail)
    assert set(by_seg.attrs["median_days"]) == set(retail.customers.segment.astype(str).unique())
    with pytest.raises(DataValidationError, match="not a column"):
        survival_by_segment(retail, by="colour")
    with pytest.raises(InvalidArgumentError, match="customers table"):
        survival_by_segment(retail.orders, "2025-12-31")
    with pytest.raises(InvalidArgumentError, match="CustomerBase"):
        truth_survival(retail.orders)
    with pytest.raises(MissingTableError, match="dropout_date"):
        truth_survival(playbook.CustomerBase(orders=retail.orders, customers=retail.customers))
    with pytest.raises(InvalidArgumentError, match="after the end"):
        truth_survival(retail, "2030-01-01")
    by_channel = truth_survival(retail, by="acquisition_channel")
    assert set(by_channel["group"]) == set(retail.customers.acquisition_channel.astype(str))


# ---------------------------------------------------------------- the big-account alarm


@pytest.fixture(scope="module")
def alarms_over_seeds():
    """The big-account alarm replayed on five b2b bases the size of the shipped one (seed 0 is the shipped base)."""
    out = {}
    for seed in SEEDS:
        base = playbook.synth.generate("b2b", seed=seed)
        out[seed] = (base, concentration_alarm(base, QUARTERS))
    return out


def test_alarm_on_the_big_accounts_of_the_shipped_b2b(alarm, b2b):
    """The shipped b2b base: three of the four big accounts left in 2024 Q4 (true dropout in November
    and December) and ordered nothing in 2025 Q1; A0004 stayed. Which quarter flags which leaver
    changes from seed to seed: see the next test for what holds on every seed."""
    assert sorted(alarm["customer_id"].unique()) == BIG
    dropout = b2b.truth.set_index("customer_id").loc[BIG, "dropout_date"]
    assert dropout[BIG[:3]].dt.to_period("Q").astype(str).eq("2024Q4").all() and dropout.isna()["A0004"]
    q1 = alarm[alarm.quarter == "2025Q1"].set_index("customer_id")["orders"].sort_index()
    assert (q1 > 0).tolist() == [False, False, False, True]


def test_alarm_warns_some_leaver_in_time_and_spares_the_stayer_in_2024(alarms_over_seeds):
    """Seeds 0-4 (400 accounts; one supplier and four accounts each, so a story, not a rate). On every seed:
    at the default bar of 50 at least one of the three leavers is flagged at a review before 2024 Q4 (the
    quarter they left; one to three of them, depending on the seed; the others only at or after the 2024 Q4
    review: detection, not warning); at the 2025 Q1 review all three score 60 or more; A0004, which stayed, stays below 50 through
    2024 (its highest 2024 score over seeds is 44), though it is flagged in 2025 Q1 on two seeds of five."""
    for seed, (base, alarm) in alarms_over_seeds.items():
        assert sorted(alarm["customer_id"].unique()) == BIG, seed
        dropout = base.truth.set_index("customer_id").loc[BIG, "dropout_date"]
        assert dropout[BIG[:3]].dt.to_period("Q").astype(str).eq("2024Q4").all() and dropout.isna()["A0004"], seed
        risk = alarm.pivot(index="customer_id", columns="quarter", values="risk")
        in_time = (risk.loc[BIG[:3], ["2024Q1", "2024Q2", "2024Q3"]] >= 50).any(axis=1)
        assert in_time.any(), (seed, in_time.to_dict())
        assert (risk.loc[BIG[:3], "2025Q1"] >= 60).all(), seed
        assert (risk.loc["A0004", ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]] < 50).all(), seed


def test_alarm_bad_input(b2b, retail):
    with pytest.raises(InvalidArgumentError, match="CustomerBase"):
        concentration_alarm(b2b.orders)
    with pytest.raises(InvalidArgumentError, match="quarters"):
        concentration_alarm(b2b, ["spring"])
    with pytest.raises(InvalidArgumentError, match="min_share"):
        concentration_alarm(b2b, ["2024Q1"], min_share=2)
    with pytest.raises(DataValidationError, match="no revenue"):
        concentration_alarm(b2b, [str(b2b.orders.order_date.min().to_period("Q"))])
    with pytest.raises(DataValidationError, match="min_share"):
        concentration_alarm(retail, ["2025Q1"], min_share=0.5)
    named = concentration_alarm(b2b, ["2024Q3"], accounts=["A0004"])
    assert named["customer_id"].tolist() == ["A0004"]


# ---------------------------------------------------------------- charts and widget


def test_charts(b2b, alarm, retail):
    r = churn_risk(churn_signals(b2b, "2024-09-30"))
    ax = charts.signal_bars(r, top=5)
    assert len(ax.get_yticklabels()) == 5 and ax.get_xlabel()
    ax = charts.risk_distribution(r.assign(churned=r.index.isin(b2b.truth.customer_id[b2b.truth.dropout_date.notna()])),
                                  hue="churned")
    assert ax.get_ylabel()
    ax = charts.survival_curves(survival_by_segment(retail), band=True)
    assert len(ax.get_lines()) >= 4
    ax = charts.survival_curves(survival_by_segment(retail, "2024-12-31", by=None), truth=truth_survival(retail, "2024-12-31"))
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "Truth (synthetic data only)"
    ax = charts.alarm_timeline(alarm, until="2024Q3")
    texts = [t.get_text() for t in ax.texts]
    assert any(t.endswith("!") for t in texts)
    assert len([t for t in texts if t]) == 4 * 7  # quarters after 2024Q3 are hidden
    with pytest.raises(DataValidationError):
        charts.alarm_timeline(alarm, until="1999Q1")
    with pytest.raises(DataValidationError):
        charts.signal_bars(pd.DataFrame({"x": [1]}))


def test_widget_steps_through_quarters(b2b):
    from playbook.widgets import AlarmReplayExplorer

    explorer = AlarmReplayExplorer(b2b, quarters=QUARTERS)
    table = concentration_alarm(b2b, QUARTERS)

    def expected(quarter, bar):
        return sorted(table.loc[(table["quarter"] == quarter) & (table["risk"] >= bar), "customer_id"])

    assert explorer.shown["quarter"] == "2023Q1"
    assert explorer.shown["alarms"] == expected("2023Q1", 50)
    for quarter in ("2024Q2", "2024Q3", "2024Q4", "2025Q1"):
        explorer.quarter.value = quarter
        for bar in (50, 40):
            explorer.threshold.value = bar
            assert explorer.shown["quarter"] == quarter and explorer.shown["threshold"] == bar
            assert explorer.shown["alarms"] == expected(quarter, bar), (quarter, bar)
        explorer.threshold.value = 50
    # a lower bar never drops an alarm
    explorer.quarter.value = "2024Q3"
    high = explorer.shown["alarms"]
    explorer.threshold.value = 40
    assert set(high) <= set(explorer.shown["alarms"])


def test_p_alive_from_btyd_separates_the_gone_from_the_active(retail):
    from playbook.churn import p_alive_from_btyd

    p = p_alive_from_btyd(retail, "2024-12-31")
    assert p.between(0, 1).all()
    known = retail.orders[retail.orders.order_date < "2025-01-01"].customer_id.unique()  # as_of covers the whole day
    assert set(p.index) == set(known)
    dropout = retail.truth.set_index("customer_id").dropout_date.reindex(p.index)
    gone = dropout.notna() & (dropout <= "2024-12-31")
    repeat = (playbook.summarize(retail.orders, "2024-12-31")["frequency"] > 0).reindex(p.index)
    # among repeat buyers it separates; every one-time buyer gets 1 (BG/NBD: no dropout before a repeat)
    assert p[gone & repeat].mean() < 0.6 < p[~gone & repeat].mean()
    assert (p[~repeat] == 1).all()


def test_reasons_follow_the_kit_language_unless_lang_is_given():
    from playbook import i18n

    s = churn_signals(playbook.load_dataset("b2b"), "2024-09-30", window_days=90)
    before = i18n.get_language()
    try:
        i18n.use("zh")
        assert churn_risk(s)["reasons"].equals(churn_risk(s, lang="zh")["reasons"])
        assert not churn_risk(s)["reasons"].equals(churn_risk(s, lang="en")["reasons"])
    finally:
        i18n.set_language(before)
    with pytest.raises(InvalidArgumentError, match="'lang' parameter of churn_risk"):
        churn_risk(s, lang="fr")


def test_naive_rule_days_by_position_still_works_with_a_warning(retail):
    with pytest.warns(DeprecationWarning, match="naive_rule: pass 'days' by name"):
        old = naive_rule(retail, "2025-06-30", 90)
    pd.testing.assert_frame_equal(old, naive_rule(retail, "2025-06-30", days=90))


def test_frames_carrying_the_model_concatenate_and_group(retail):
    """pandas compares attrs when it concatenates; the model in them must not break that."""
    s = churn_signals(retail, "2025-06-30")
    r = churn_risk(s)
    described = r.groupby(r["days_since_last"] > 180)["risk"].describe()
    assert len(described) == 2
    both = pd.concat([r.head(3), churn_risk(churn_signals(retail, "2025-03-31")).head(3)])
    assert len(both) == 6
