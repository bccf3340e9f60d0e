"""Churn early warning: signals, risk score, naive rule, evaluation against truth, survival, big-account alarm."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import charts
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
)
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError, PlaybookError

BIG = ["A0001", "A0002", "A0003", "A0004"]
QUARTERS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
MONTHS = pd.date_range("2024-01-31", "2025-06-30", freq="ME")


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
    assert len(s.attrs["notes"]) == 4
    r = churn_risk(s)
    assert set(r.attrs["weights"]) == {"gap", "frequency", "basket"}
    assert r["risk"].between(0, 100).all()


def test_signals_use_no_look_ahead(b2b):
    day = "2024-12-31"
    full = churn_signals(b2b, day)
    cut = churn_signals(b2b.snapshot(day), day)
    pd.testing.assert_frame_equal(full.drop(columns="competitor"), cut.drop(columns="competitor"))
    # a complaint closed after the day still counts as open on it
    c = b2b.complaints
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    later = c[(c.opened_at < end) & (c.closed_at >= end) & (c.opened_at > pd.Timestamp(day) - pd.Timedelta(days=365))]
    assert len(later) > 0
    assert (full.loc[later.customer_id.unique(), "open_complaints"] >= 1).all()


def test_signals_catch_the_care_drop_of_the_big_accounts(b2b):
    s = churn_signals(b2b, "2024-06-30")
    # reps stopped calling A0001 and A0002 in 2024 Q2: one contact against about ten usually
    assert (s.loc[["A0001", "A0002"], "care_recent"] <= 1).all()
    assert (s.loc[["A0001", "A0002"], "care_usual"] >= 7).all()
    assert s.loc["A0004", "care_recent"] >= 5


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


def test_risk_weights_reasons_and_threshold(b2b):
    s = churn_signals(b2b, "2024-09-30")
    r = churn_risk(s)
    assert list(r.index[:1]) != [] and r["risk"].is_monotonic_decreasing
    assert r.loc["A0001", "warning"] and "care contact" in r.loc["A0001", "reasons"]
    assert r.loc["A0004", "risk"] < 30
    assert (r["warning"] == (r["risk"] >= 30)).all()
    points = r.filter(like="points_").sum(axis=1)
    assert np.allclose(points, r["risk"])
    no_care = churn_risk(s, weights={"care": 0})
    assert "points_care" not in no_care.columns
    assert no_care.loc["A0001", "risk"] < r.loc["A0001", "risk"]
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    strict = churn_risk(s, threshold=80)
    assert strict["warning"].sum() < r["warning"].sum()


def test_reasons_in_chinese_carry_the_same_numbers(b2b):
    import re

    s = churn_signals(b2b, "2024-09-30").assign(p_alive=0.4)
    en, zh = churn_risk(s), churn_risk(s, lang="zh")
    assert en["risk"].equals(zh["risk"]) and en["warning"].equals(zh["warning"])
    assert "4 orders in the window against 9.9 usually" in en.loc["A0001", "reasons"]
    assert "窗口内 4 单，平时 9.9 单" in zh.loc["A0001", "reasons"] and "存活概率 40%" in zh.loc["A0001", "reasons"]
    def numbers(text):
        return re.findall(r"\d+(?:\.\d+)?%?", text)

    for cid in en.index:  # every reason, every customer: the same figures in the same order, no English left
        assert numbers(zh.at[cid, "reasons"]) == numbers(en.at[cid, "reasons"]), cid
        assert not re.search(r"[A-Za-z]{3,}", zh.at[cid, "reasons"].split("（")[0]), zh.at[cid, "reasons"]
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


def test_risk_score_beats_naive_rule_against_truth(b2b):
    """Truth figures (b2b, monthly reviews Jan 2024 - Jun 2025, 180-day horizon): risk >= 30 has
    precision 0.54, recall 0.50, median lead -59 days; 'no order for 90 days' 0.42, 0.54, -98 days."""
    risk = evaluate_warnings(replay_warnings(b2b, MONTHS), b2b.truth)
    naive = evaluate_warnings(replay_warnings(b2b, MONTHS, rule="naive", naive_days=90), b2b.truth)
    assert risk["precision"] == pytest.approx(0.541, abs=0.01)
    assert risk["recall"] == pytest.approx(0.496, abs=0.01)
    assert risk["precision"] > naive["precision"] + 0.08
    assert risk["recall"] > naive["recall"] - 0.06
    assert risk["median_lead_days"] > naive["median_lead_days"] + 30
    assert risk["median_lead_days"] < 0  # honest: most warnings still come after the last purchase


def test_replay_bad_input(b2b):
    with pytest.raises(InvalidArgumentError, match="rule"):
        replay_warnings(b2b, MONTHS[:1], rule="magic")
    with pytest.raises(InvalidArgumentError, match="at least one"):
        replay_warnings(b2b, [])


def test_signal_hit_rates_care_catches_lack_of_care(b2b):
    """Truth figure: the care signal is strong on 37% of lack-of-care churners just gone, 13% of the others."""
    h = signal_hit_rates(b2b, MONTHS)
    others = h.drop(index="lack_of_care")
    other_care = (others["care"] * others["n"]).sum() / others["n"].sum()
    assert h.loc["lack_of_care", "care"] > 2 * other_care
    assert h.loc["service_failure", "complaints"] > h.loc["lack_of_care", "complaints"]
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


def test_survival_matches_truth(retail):
    """Customers first seen in 2023, share still active one year on: 0.47 by the 'no order for 365 days'
    rule against 0.56 in truth. The rule over-counts churn: slow buyers silent for a year look gone."""
    s = playbook.summarize(retail.orders, retail.as_of)
    cohort = s["first_order"].dt.year.astype(str)
    sv = survival_by_segment(retail, by=cohort)
    est = sv.loc[(sv["group"] == "2023") & (sv["time"] <= 365), "survival"].iloc[-1]
    ids = cohort.index[cohort == "2023"]
    dropout = retail.truth.set_index("customer_id")["dropout_date"].reindex(ids)
    true_km = kaplan_meier((dropout.fillna(retail.as_of) - s.loc[ids, "first_order"].dt.normalize()).dt.days, dropout.notna())
    true = true_km.loc[true_km.index <= 365, "survival"].iloc[-1]
    assert est == pytest.approx(0.474, abs=0.005) and true == pytest.approx(0.557, abs=0.005)
    assert est < true
    by_seg = survival_by_segment(retail)
    assert set(by_seg.attrs["median_days"]) == set(retail.customers.segment.astype(str).unique())
    with pytest.raises(DataValidationError, match="not a column"):
        survival_by_segment(retail, by="colour")
    with pytest.raises(InvalidArgumentError, match="customers table"):
        survival_by_segment(retail.orders, "2025-12-31")


# ---------------------------------------------------------------- the big-account alarm


def test_alarm_fires_before_the_big_accounts_stop(alarm, b2b):
    assert sorted(alarm["customer_id"].unique()) == BIG
    fired = alarm[alarm["warning"]]
    first = fired.groupby("customer_id")["quarter"].min()
    # the three that stopped ordering in 2024 Q4 were flagged by 2024 Q3, before the quarter they stopped
    stop = {"A0001": "2024Q4", "A0002": "2024Q4", "A0003": "2024Q4"}
    for cid, q in stop.items():
        in_2024 = fired[(fired.customer_id == cid) & fired.quarter.between("2024Q2", "2024Q3")]
        assert len(in_2024) >= 1, cid
        assert first[cid] < q
    # A0004 stayed: no alarm in 2024
    assert not fired[(fired.customer_id == "A0004") & fired.quarter.str.startswith("2024")].shape[0]
    # the truth behind it: in 2025 Q1 only A0004 ordered
    q1 = alarm[alarm.quarter == "2025Q1"].set_index("customer_id")["orders"].sort_index()
    assert (q1 > 0).tolist() == [False, False, False, True]
    assert set(b2b.truth.set_index("customer_id").loc[BIG[:3], "dropout_date"].dt.to_period("Q").astype(str)) == {"2024Q4"}


def test_alarm_bad_input(b2b, retail):
    with pytest.raises(InvalidArgumentError, match="CustomerBase"):
        concentration_alarm(b2b.orders)
    with pytest.raises(InvalidArgumentError, match="quarters"):
        concentration_alarm(b2b, ["spring"])
    with pytest.raises(InvalidArgumentError, match="min_share"):
        concentration_alarm(b2b, ["2024Q1"], min_share=2)
    with pytest.raises(DataValidationError, match="no revenue"):
        concentration_alarm(b2b, ["2021Q1"])
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
    assert explorer.shown["quarter"] == "2023Q1" and explorer.shown["alarms"] == []
    explorer.quarter.value = "2024Q3"
    assert explorer.shown["alarms"] == ["A0001", "A0002", "A0003"]
    explorer.threshold.value = 40
    assert "A0001" in explorer.shown["alarms"]
    explorer.quarter.value = "2024Q2"
    assert set(explorer.shown["alarms"]) == {"A0001", "A0002", "A0003"}


def test_p_alive_from_btyd_separates_the_gone_from_the_active(retail):
    from playbook.churn import p_alive_from_btyd

    p = p_alive_from_btyd(retail, "2024-12-31")
    assert p.between(0, 1).all()
    known = retail.orders[retail.orders.order_date < "2025-01-01"].customer_id.unique()  # as_of covers the whole day
    assert set(p.index) == set(known)
    dropout = retail.truth.set_index("customer_id").dropout_date.reindex(p.index)
    gone = dropout.notna() & (dropout <= "2024-12-31")
    assert p[gone].mean() < 0.5 < p[~gone].mean()


def test_blending_p_alive_raises_precision_on_retail(retail):
    import pandas as pd

    from playbook.churn import evaluate_warnings, replay_warnings

    months = pd.date_range("2024-03-31", "2024-12-31", freq="QE")
    plain = evaluate_warnings(replay_warnings(retail, months), retail.truth)
    blended = evaluate_warnings(replay_warnings(retail, months, with_p_alive=True), retail.truth)
    assert blended["precision"] > plain["precision"] + 0.05
    assert blended["recall"] > plain["recall"] - 0.05


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
