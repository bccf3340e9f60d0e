"""Tests of playbook.strategy: profiles, the decision table, programs, switching cost, contact plans, export."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import strategy as S
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError, OutputFolderError, PlaybookError


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def retail():
    return playbook.load_dataset("retail")


@pytest.fixture(scope="module")
def b2b():
    return playbook.load_dataset("b2b")


@pytest.fixture(scope="module")
def retail_profile(retail):
    return S.customer_profile(retail)


def _tiny_base(orders, retail):
    empty = {f.name: getattr(retail, f.name) for f in dataclasses.fields(retail)}
    for name in list(empty):
        value = empty[name]
        if isinstance(value, pd.DataFrame):
            empty[name] = value.iloc[0:0]
    empty["orders"] = orders
    empty["as_of"] = pd.Timestamp("2025-12-31")
    return type(retail)(**empty)


def _orders(ids, dates, amounts):
    return pd.DataFrame({"order_id": range(len(ids)), "customer_id": ids, "order_date": pd.to_datetime(dates),
                         "amount": amounts, "margin": [a * 0.3 for a in amounts]})


def test_profile_columns_and_values(retail_profile, retail):
    p = retail_profile
    for col in ("tier", "stage", "risk", "risk_reasons", "revenue_365", "margin_365", "expensive_channel_share",
                "complaints_365", "satisfaction"):
        assert col in p.columns
    assert p.index.is_unique and len(p) == retail.orders["customer_id"].nunique()
    assert p["risk"].between(0, 100).all()
    assert p["expensive_channel_share"].dropna().between(0, 1).all()
    assert p.loc[p["stage"] == "lapsed", "days_since_last"].min() > 180  # formation_stage: lapsed after 180 days


def test_every_customer_gets_exactly_one_strategy_and_a_reason(retail_profile):
    r = S.recommend_strategies(retail_profile)
    assert len(r) == len(retail_profile) and r["strategy"].notna().all()
    assert set(r["strategy"].astype(str)) == set(S.STRATEGIES)  # all seven occur on retail
    assert r["reason"].str.len().gt(20).all() and not r["reason"].str.contains("{", regex=False).any()
    zh = S.recommend_strategies(retail_profile, lang="zh")
    assert zh.loc[zh["strategy"] == "win_back", "reason"].str.contains("重新赢得").all()
    assert (zh["strategy"] == r["strategy"]).all()


REVIEW = "2025-06-30"


@pytest.fixture(scope="module")
def shops():
    """Seeds 0-4, realistic retail, 800 customers: (base, profile at REVIEW) per seed."""
    from playbook.synth import generate

    out = {}
    for seed in range(5):
        base = generate("retail", n_customers=800, seed=seed)
        out[seed] = base, S.customer_profile(base, REVIEW)
    return out


@pytest.fixture(scope="module")
def strategy_truth(shops):
    """Per seed (0-4, realistic retail, 800 customers, review date 2025-06-30) and strategy: share already
    gone (detection), share leaving in the next 180 days among those still there, and the share gone in a
    list of the same size picked by the naive rule "longest silence first"."""
    from playbook.evaluate import detection_task, leave_task

    rows = []
    for seed, (base, profile) in shops.items():
        strategy = S.recommend_strategies(profile)["strategy"].astype(str)
        gone = detection_task(base, REVIEW)["label"]
        leaves = leave_task(base, REVIEW, 180)["label"]
        by_silence = profile["days_since_last"].sort_values(ascending=False, kind="stable").index
        for name, ids in strategy.groupby(strategy).groups.items():
            rows.append({"seed": seed, "strategy": name, "n": len(ids), "gone": gone.reindex(ids).mean(),
                         "gone_by_silence": gone.reindex(by_silence[:len(ids)]).mean(),
                         "leaves_180": leaves.reindex(ids).dropna().mean(),
                         "base_gone": gone.mean(), "base_leaves_180": leaves.mean()})
    return pd.DataFrame(rows).set_index(["strategy", "seed"])


def test_strategies_against_truth(strategy_truth):
    """Seeds 0-4: win-back lists are 74-92% truly gone (base 55-60%), end lists 78-85%; protect lists are
    mostly still here (7-25% gone with the model's risk: it adds the riskier important customers, some of
    whom have quietly gone), well under the base's share gone."""
    t = strategy_truth
    win_back, protect, end = t.loc["win_back"], t.loc["protect"], t.loc["end"]
    assert (win_back["gone"] > win_back["base_gone"] + 0.1).all()
    assert (protect["gone"] < 0.3).all() and (protect["gone"] < protect["base_gone"] / 2).all()
    assert (end["gone"] > protect["gone"] + 0.5).all()


def test_profile_uses_the_backtested_model_and_says_so(shops, retail_profile):
    for _, profile in shops.values():
        assert profile.attrs["churn"]["method"] == "model" and profile.attrs["churn"]["horizon_days"] == S.CHURN_HORIZON_DAYS
        assert 0 < profile.attrs["churn"]["backtest_no_order_rate"] < 1
    assert retail_profile.attrs["churn"]["method"] == "model"


def test_profile_falls_back_to_the_rule_score_without_history(retail):
    """A base of a few weeks cannot train the model: the profile uses the rules and says why."""
    orders = _orders(["A", "B", "C"], ["2025-12-01", "2025-12-10", "2025-12-20"], [10.0, 20.0, 30.0])
    p = S.customer_profile(_tiny_base(orders, retail))
    info = p.attrs["churn"]
    assert info["method"] == "rules" and info["horizon_days"] is None and "No churn model" in info["note"]


@pytest.fixture(scope="module")
def protect_by_risk(shops):
    """Per seed: the important customers the protect rule picks for their risk (risk >= PROTECT_RISK, after
    build, win back and end), against the same number of the same pool picked by days since last order;
    future leavers (leave_task, 180 days) caught by each list."""
    from playbook.evaluate import leave_task

    rows = []
    for seed, (base, profile) in shops.items():
        rule = S.recommend_strategies(profile)["rule"]
        protect_rule = int(S.STRATEGY_TABLE.index[S.STRATEGY_TABLE["strategy"] == "protect"][0])
        pool = profile.loc[(rule >= protect_rule) & (profile["tier"].astype(str) == "important")]
        picked = pool.index[pool["risk"] >= S.PROTECT_RISK]
        by_silence = pool["days_since_last"].sort_values(ascending=False, kind="stable").index[:len(picked)]
        leaves = leave_task(base, REVIEW, 180)["label"]
        rows.append({"seed": seed, "pool": len(pool), "picked": len(picked),
                     "caught": int(leaves.reindex(picked).fillna(False).sum()),
                     "caught_by_silence": int(leaves.reindex(by_silence).fillna(False).sum()),
                     "leavers_in_pool": int(leaves.reindex(pool.index).fillna(False).sum())})
    return pd.DataFrame(rows).set_index("seed")


def test_protect_by_risk_is_no_better_than_silence(protect_by_risk):
    """FINDING, pinned (seeds 0-4): the protect rule's risk cut-off picks 15-23 of 45-55 important customers;
    they hold 2-6 of the pool's 6-11 future leavers, and the same number picked by longest silence holds
    2-6 too: the risk-picked list catches at most one leaver more than silence on any seed, never one
    fewer in total. The model's risk for a regular customer is mostly their silence, so the cut-off is a
    budget line on a recency ranking, not an extra early warning."""
    t = protect_by_risk
    # the line cuts the pool (28-43% of it on seeds 0-4): a budget line, not all or none of the tier
    assert (t["picked"] / t["pool"]).between(0.15, 0.6).all()
    diff = t["caught"] - t["caught_by_silence"]
    assert diff.abs().max() <= 2
    assert diff.sum() >= 0
    # the list still beats picking at random from the pool: it holds more than its share of the leavers
    assert t["caught"].sum() > (t["leavers_in_pool"] * t["picked"] / t["pool"]).sum()


def test_win_back_is_a_value_choice_not_a_detector(strategy_truth):
    """FINDING, pinned: the win-back rule picks lapsed key and important customers for their value; as a list
    of customers truly gone it loses to the naive "longest silence first" list of the same size on every
    seed (0.74-0.92 against 0.93-0.97). Some customers it asks to come back have not left."""
    w = strategy_truth.loc["win_back"]
    assert (w["gone_by_silence"] > w["gone"]).all()
    assert (w["gone"] < 1).all()


def test_protect_is_not_an_early_warning_list(strategy_truth):
    """FINDING, pinned: customers to protect leave in the next 180 days no more often than the base as a
    whole (0.05-0.30 against 0.25-0.32): protect is chosen for value at stake, not for predicted exit."""
    p = strategy_truth.loc["protect"]
    assert p["leaves_180"].mean() <= p["base_leaves_180"].mean() + 0.05


def test_edited_table_changes_the_answer(retail_profile):
    table = S.STRATEGY_TABLE.copy()
    table.loc[table["strategy"] == "win_back", "condition"] = "stage == 'lapsed'"
    r = S.recommend_strategies(retail_profile, table)
    assert (r["strategy"] == "win_back").sum() == (retail_profile["stage"] == "lapsed").sum()


def test_bad_tables(retail_profile):
    with pytest.raises(DataValidationError, match="catch-all"):
        S.recommend_strategies(retail_profile, S.STRATEGY_TABLE.iloc[:2])
    bad = S.STRATEGY_TABLE.copy()
    bad.loc[0, "strategy"] = "pamper"
    with pytest.raises(InvalidArgumentError, match="pamper"):
        S.recommend_strategies(retail_profile, bad)
    bad = S.STRATEGY_TABLE.copy()
    bad.loc[0, "condition"] = "no_such_column > 1"
    with pytest.raises(InvalidArgumentError, match="rule 0"):
        S.recommend_strategies(retail_profile, bad)
    with pytest.raises(InvalidArgumentError, match="lang"):
        S.recommend_strategies(retail_profile, lang="fr")


def test_simulate_programs_reproduces_the_cases(retail):
    r = S.simulate_programs(retail)
    assert list(r.index) == list(S.PROGRAMS.index)
    assert r.loc["personal_assistant", "retained"] > r.loc["discount_day", "retained"]
    assert r.loc["discount_day", "net_margin"] < r.loc["no_program", "net_margin"]  # the discount gives margin away
    assert r.loc["community_day", "extra_retained"] > 0
    assert r.loc["loyalty_discount", "discounts"] > 0 and r.loc["no_program", "program_cost"] == 0
    again = S.simulate_programs(retail, seed=0)
    pd.testing.assert_frame_equal(r, again)
    assert not S.simulate_programs(retail, seed=1).equals(r)


def test_simulate_programs_effect_is_monotone(b2b):
    p = S.PROGRAMS.copy()
    p.loc["platinum_status", "dropout_factor"] = 0.0
    strong = S.simulate_programs(b2b, p)
    weak = S.simulate_programs(b2b)
    assert strong.loc["platinum_status", "retained"] >= weak.loc["platinum_status", "retained"]


def test_simulate_programs_bad_input(retail):
    no_truth = dataclasses.replace(retail, truth=None) if "truth" in {f.name for f in dataclasses.fields(retail)} else None
    with pytest.raises(MissingTableError, match="truth"):
        S.simulate_programs(no_truth)
    with pytest.raises(InvalidArgumentError, match="horizon_days"):
        S.simulate_programs(retail, horizon_days=0)
    p = S.PROGRAMS.copy()
    p.loc["discount_day", "discount"] = 1.5
    with pytest.raises(InvalidArgumentError, match="discount"):
        S.simulate_programs(retail, p)
    p = S.PROGRAMS.copy()
    p.loc["discount_day", "targets"] = "vip"
    with pytest.raises(InvalidArgumentError, match="targets"):
        S.simulate_programs(retail, p)


def test_switching_cost_components(b2b):
    s = S.switching_cost(b2b)
    parts = [c for c in s.columns if c.startswith("points_")]
    assert np.allclose(s[parts].sum(axis=1), s["switching_cost"])
    assert s["switching_cost"].between(0, 100).all()
    means = s.groupby("tier", observed=True)["switching_cost"].mean()
    assert means["key"] > means["important"] > means["general"]
    assert (s["points_deals"] > 0).any()


def test_contact_plan_and_overdue(b2b):
    plan = S.contact_plan(b2b)
    assert (plan["next_contact"] - plan["last_contact"]).dt.days.eq(plan["contact_every_days"]).all()
    late = S.overdue_contacts(plan)
    assert len(late) == plan["overdue"].sum() and (late["days_overdue"] > 0).all()
    tighter = S.contact_plan(b2b, policy={"key": {"contact_every_days": 7}})
    assert tighter["overdue"].sum() >= plan["overdue"].sum()
    assert len(S.overdue_contacts(b2b)) == len(late)
    with pytest.raises(InvalidArgumentError):
        S.contact_plan(b2b, active_days=0)


def test_contact_plan_without_contact_records_counts_from_the_last_order(retail):
    orders_only = playbook.from_orders(retail.orders, as_of=retail.as_of)
    assert orders_only.interactions is None
    plan = S.contact_plan(orders_only)
    last_order = retail.orders.groupby("customer_id")["order_date"].max().dt.normalize()
    assert plan["last_contact"].equals(last_order.reindex(plan.index).rename("last_contact"))
    # With contact records, a customer never contacted still counts from the first order.
    with_records = S.contact_plan(retail)
    never = with_records.index.difference(retail.interactions["customer_id"].unique())
    first = retail.orders.groupby("customer_id")["order_date"].min().dt.normalize()
    assert len(never) and (with_records.loc[never, "last_contact"] == first.reindex(never)).all()
    assert plan["overdue"].mean() < with_records["overdue"].mean()


def test_action_list_clv_is_expected_margin_not_the_risk_score(b2b):
    from playbook.byod import from_orders
    from playbook.value import expected_margin

    a = S.action_list(b2b)
    direct = expected_margin(b2b).reindex(a.index)
    assert a["clv"].to_numpy() == pytest.approx(direct.round(2).to_numpy())
    assert a.attrs["clv"]["method"] == "bgnbd_gamma_gamma" and a.attrs["clv"]["margin_source"] == "margin column"
    # The margin column wins over a rate; without it the rate is used and the CLV is not 0 for everyone.
    assert S.action_list(b2b, margin_rate=0.9)["clv"].equals(a["clv"])
    only = from_orders(b2b.orders[["customer_id", "order_date", "amount"]])
    o = S.action_list(only, margin_rate=0.2)
    assert o.attrs["clv"]["margin_rate"] == 0.2 and (o["clv"] > 0).mean() > 0.9
    with pytest.raises(InvalidArgumentError, match="'margin_rate'.*action_list"):
        S.action_list(b2b, margin_rate=-1)


def test_action_list_and_export(b2b, tmp_path):
    a = S.action_list(b2b)
    assert list(a.columns) == ["tier", "stage", "type", "risk", "clv", "strategy", "reason", "next_contact"]
    assert a["clv"].is_monotonic_decreasing and (a["clv"] >= 0).all()
    planned = S.contact_plan(b2b).index
    assert set(a.index[a["next_contact"].notna()]) == set(planned)
    path = S.export_action_list(a, tmp_path / "actions.csv")
    back = pd.read_csv(path, index_col=0)
    assert len(back) == len(a)
    with pytest.raises(InvalidArgumentError, match="overwrite"):
        S.export_action_list(a, path)
    evil = pd.DataFrame({"reason": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "fine"], "n": [-1, 2, 3, 4, 5]})
    with pytest.raises(OutputFolderError, match="not an action list exported with the same columns"):
        S.export_action_list(evil, path, overwrite=True)  # overwrite replaces only an earlier export of this list
    assert len(pd.read_csv(path, index_col=0)) == len(a)
    other = S.export_action_list(evil, tmp_path / "evil.csv")
    S.export_action_list(evil, other, overwrite=True)
    text = pd.read_csv(other)
    assert text["reason"].tolist()[:4] == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)"]
    assert text["n"].tolist()[0] == -1  # numbers are left alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actions.csv", "evil.csv"]  # no temporary file left behind


def test_bad_bases(retail):
    with pytest.raises(InvalidArgumentError, match="CustomerBase"):
        S.customer_profile(retail.orders)
    with pytest.raises(DataValidationError, match="before the first order"):
        S.customer_profile(retail, as_of="2000-01-01")
    with pytest.raises(DataValidationError, match="empty"):
        S.switching_cost(_tiny_base(retail.orders.iloc[0:0], retail))


def test_single_customer_and_one_order_each(retail):
    one = _tiny_base(_orders(["X"], ["2025-12-01"], [50.0]), retail)
    r = S.recommend_strategies(S.customer_profile(one))
    assert r.loc["X", "strategy"] == "build"
    many = _tiny_base(_orders(["A", "B", "C"], ["2025-12-01"] * 3, [10.0, 10.0, -5.0]), retail)
    p = S.customer_profile(many)
    assert S.recommend_strategies(p).loc["C", "strategy"] == "build"
    old = _tiny_base(_orders(["X"], ["2025-01-01"], [50.0]), retail)
    assert S.recommend_strategies(S.customer_profile(old)).loc["X", "strategy"] == "win_back"  # a lone buyer is key
    assert len(S.contact_plan(many)) == 3 and S.switching_cost(many)["switching_cost"].notna().all()


def test_charts_and_widget(retail):
    from playbook.charts.strategy import program_comparison, strategy_mix
    from playbook.widgets.strategy import ProgramExplorer

    ax = strategy_mix(pd.DataFrame({"strategy": ["protect", "end", "end"]}), lang="zh")
    assert len(ax.patches) == len(S.STRATEGIES)
    r = S.simulate_programs(retail)
    ax = program_comparison(r, value="net_margin")
    assert len(ax.patches) == len(r) and "money" in ax.get_xlabel()
    with pytest.raises(PlaybookError):
        strategy_mix(pd.DataFrame({"other": [1]}))
    explorer = ProgramExplorer(retail)
    before = dict(explorer.shown)
    explorer.cost.value = 150.0
    assert explorer.shown["net_margin"] < before["net_margin"]
    with pytest.raises(InvalidArgumentError):
        ProgramExplorer(retail, program="free_lunch")


def test_export_action_list_never_replaces_a_users_file_or_writes_through_a_link(tmp_path):
    import os
    import stat

    table = pd.DataFrame({"reason": ["＝1", "\u200b=2", "a\x00b"]}, index=pd.Index(["C1", "C2", "C3"], name="customer_id"))
    (tmp_path / "budget.csv").write_text("month,amount\n")
    with pytest.raises(OutputFolderError, match="budget.csv exists and is not an action list"):
        S.export_action_list(table, tmp_path / "budget.csv", overwrite=True)
    assert (tmp_path / "budget.csv").read_text() == "month,amount\n"
    (tmp_path / "link.csv").symlink_to("budget.csv")
    with pytest.raises(OutputFolderError, match="symbolic link"):
        S.export_action_list(table, tmp_path / "link.csv", overwrite=True)
    old = os.umask(0o022)
    try:
        path = S.export_action_list(table, tmp_path / "actions.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text(encoding="utf-8").splitlines()[1:] == ["C1,'＝1", "C2,'\u200b=2", "C3,ab"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actions.csv", "budget.csv", "link.csv"]


def test_strategy_reasons_follow_the_kit_language():
    from playbook import i18n
    from playbook.strategy import action_list_with_inputs

    base = playbook.load_dataset("b2b")
    before = i18n.get_language()
    try:
        i18n.use("zh")
        actions, risk, plan = action_list_with_inputs(base)
        assert actions["reason"].equals(S.action_list(base, lang="zh")["reason"])
    finally:
        i18n.set_language(before)
    assert actions.index.isin(risk.index).all() and len(plan)


def test_options_passed_by_position_still_work_with_a_warning():
    base = playbook.load_dataset("b2b")
    with pytest.warns(DeprecationWarning, match=r"action_list: pass 'lang' by name \(lang=...\)"):
        old = S.action_list(base, None, "zh")
    pd.testing.assert_frame_equal(old, S.action_list(base, lang="zh"))
    with pytest.raises(InvalidArgumentError, match="'lang' twice"):
        S.action_list(base, None, "zh", lang="en")


# ------------------------------------------------------------------ holdout test, finding titles, table widget

def test_program_holdout_test_finds_a_real_effect_and_not_noise():
    rng = np.random.default_rng(0)
    got = pd.Series(rng.random(4000) < 0.5)
    real = pd.Series(rng.random(4000) < np.where(got, 0.6, 0.4))
    r = S.program_holdout_test(real, got)
    assert r["ci_low"] < r["difference"] < r["ci_high"] and r["significant"]
    assert r["n_program"] + r["n_holdout"] == 4000
    # an A/A test: no program at all, so the difference is noise and the 95% interval holds 0 most of the time
    covered = sum(not S.program_holdout_test(pd.Series(rng.random(400) < 0.3), pd.Series(rng.random(400) < 0.5))["significant"]
                  for _ in range(200))
    assert covered >= 180


def test_program_holdout_test_bad_input():
    y = pd.Series([True, False, True])
    with pytest.raises(InvalidArgumentError, match="Series"):
        S.program_holdout_test([1, 0], y)
    with pytest.raises(DataValidationError, match="at least 2"):
        S.program_holdout_test(y, pd.Series([True, True, False]))
    with pytest.raises(DataValidationError, match="True/False"):
        S.program_holdout_test(pd.Series([2.0, 0, 1, 0]), pd.Series([True, True, False, False]))
    with pytest.raises(InvalidArgumentError, match="confidence"):
        S.program_holdout_test(y, y, confidence=95)


def test_charts_title_states_the_finding():
    from playbook.charts import program_comparison, strategy_mix

    assert strategy_mix(pd.DataFrame({"strategy": ["end", "end", "harvest"]})).get_title().startswith("Largest group: End")
    r = pd.DataFrame({"cost_per_extra_retained": [np.nan, 500.0, 900.0]}, index=["no_program", "community_day", "discount_day"])
    title = program_comparison(r, value="cost_per_extra_retained").get_title()  # for a cost, the lowest is best
    assert "ommunity" in title and "500" in title


def test_strategy_table_explorer_counts_the_customers_who_move(retail_profile):
    from playbook.widgets.strategy import StrategyTableExplorer

    e = StrategyTableExplorer(retail_profile)
    assert e.shown["moved"] == 0 and sum(e.shown["counts"].values()) == len(retail_profile)
    e.protect_risk.value = 0  # every key or important customer not caught by an earlier rule is now protected
    earlier = e.default.isin(["build", "win_back", "end"])
    regular = retail_profile["tier"].astype(str).isin(["key", "important"])
    assert e.shown["counts"]["protect"] == int((regular & ~earlier).sum())
    assert e.shown["moved"] > 0 and e.shown["moves"].to_numpy().sum() == e.shown["moved"]
    e.protect_risk.value = 50
    assert e.shown["moved"] == 0


# ------------------------------------------------------------------ emotional ties and learning relationships

def _ties_vs_frequency(base, review="2025-06-30"):
    from playbook.evaluate import roc_auc

    ts = pd.Timestamp(review)
    o = base.orders
    past = o[(o.order_date <= ts) & (o.order_date > ts - pd.Timedelta(days=365))]
    later = o[(o.order_date > ts) & (o.order_date <= ts + pd.Timedelta(days=180))]
    who = pd.Index(past["customer_id"].unique())
    bought = who.isin(later["customer_id"])
    ties = S.relationship_ties(base, review)["ties_score"].reindex(who)
    freq = past.groupby("customer_id").size().reindex(who).astype(float)
    both = ties.rank(pct=True) + freq.rank(pct=True)
    return {name: roc_auc(bought, score.to_numpy()) for name, score in
            (("ties", ties), ("frequency", freq), ("ties_and_frequency", both))}


@pytest.fixture(scope="module")
def ties_over_seeds():
    """AUC of later repurchase (an order in the 180 days after 2025-06-30, among customers who bought in the year
    before) on five small realistic shops per scenario."""
    from playbook.synth import generate

    rows = [{"scenario": sc, "seed": s, **_ties_vs_frequency(generate(sc, n_customers=n, seed=s))}
            for sc, n in (("retail", 800), ("b2b", 200)) for s in range(5)]
    return pd.DataFrame(rows).set_index(["scenario", "seed"])


def test_ties_go_with_later_repurchase(ties_over_seeds):
    """Retail seeds 0-4: customers with more care, events and learning buy again more often (AUC 0.57-0.65;
    b2b 0.51-0.57, barely above chance on 200 accounts)."""
    r = ties_over_seeds.loc["retail"]
    assert (r["ties"] > 0.52).all()
    assert (ties_over_seeds["ties"] > 0.45).all()


def test_ties_add_nothing_over_how_often_a_customer_buys(ties_over_seeds):
    """FINDING, pinned: in retail, how often a customer bought last year predicts repurchase better than the
    ties score on every shop (AUC 0.72-0.78 against 0.57-0.65), and adding the ties to it does not help by more than 0.02 AUC on any shop. Our
    care follows the customer's value, so the ties mostly restate how much they buy; whether ties *cause*
    loyalty needs a holdout test (program_holdout_test), not this correlation."""
    r = ties_over_seeds.loc["retail"]
    assert (r["frequency"] > r["ties"]).all()
    assert (r["ties_and_frequency"] < r["frequency"] + 0.02).all()


def test_relationship_ties_tiny_and_bad_input(retail):
    orders = _orders(["a", "b"], ["2025-01-01", "2025-02-01"], [10.0, 20.0])
    inter = pd.DataFrame({"interaction_id": range(6), "customer_id": ["a", "a", "a", "a", "b", "a"],
                          "date": pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-05",
                                                  "2026-03-01"]),
                          "kind": ["follow_up", "call", "event", "review", "browse", "visit"],
                          "rep": None, "quality": None})
    base = _tiny_base(orders, retail)
    base = dataclasses.replace(base, interactions=inter)
    t = S.relationship_ties(base, "2025-12-31")
    assert t.loc["a", ["care", "events", "learning"]].tolist() == [2, 1, 1]  # the 2026 visit is after as_of
    assert t.loc["b", "ties_score"] == 0 and t.index[0] == "a"
    assert t.loc["a", "ties_score"] == pytest.approx(100 * (np.log1p(2) / np.log1p(12) + np.log1p(1) / np.log1p(6)
                                                            + np.log1p(1) / np.log1p(4)) / 3)
    with pytest.raises(InvalidArgumentError, match="window_days"):
        S.relationship_ties(base, window_days=0)
    with pytest.raises(MissingTableError, match="interactions"):
        S.relationship_ties(dataclasses.replace(base, interactions=None))


# ----------------------------------------------------------------------------- program intervals

@pytest.fixture(scope="module")
def program_ranges():
    """program_intervals on five small shops (seeds 0-4, retail, 800 customers), 60 runs each."""
    from playbook.synth import generate

    return {seed: S.program_intervals(generate("retail", n_customers=800, seed=seed), runs=60, seed=seed)
            for seed in range(5)}


def test_program_intervals_are_well_formed(program_ranges):
    for r in program_ranges.values():
        assert list(r.index) == list(S.PROGRAMS.index)
        for m in ("extra_retained", "net_margin"):
            assert (r[f"{m}_low"] <= r[f"{m}_median"]).all() and (r[f"{m}_median"] <= r[f"{m}_high"]).all()
        assert (r.loc["no_program", ["extra_retained_low", "extra_retained_high", "p_keeps_more"]] == 0).all()
        wins = r.attrs["wins"].to_numpy()
        assert np.allclose(wins + wins.T, 1.0) and np.allclose(np.diag(wins), 0.5)
        assert (r["rank_low"] <= r["rank_high"]).all() and r["rank_low"].min() == 1
        assert len(r.attrs["runs"]) == 60 * len(r)


def test_strong_assumed_effects_are_settled_over_seeds(program_ranges):
    """The personal assistant (40% fewer drop-outs among the regulars) and the community day (15% fewer among
    everyone) keep more customers than no program in at least 90% of the runs, on every shop."""
    for r in program_ranges.values():
        assert (r.loc[["personal_assistant", "community_day"], "p_keeps_more"] >= 0.9).all()


def test_discount_day_and_the_status_ranking_are_not_settled(program_ranges):
    """FINDING, pinned (the seed flip of #17): on every shop the discount day's interval of extra customers kept
    spans 0 (it keeps more than no program in 35-45% of runs), and platinum status beats the loyalty discount
    in between 20% and 80% of runs: one seed's order of the two is luck, not a finding."""
    for r in program_ranges.values():
        assert r.loc["discount_day", "extra_retained_low"] < 0 < r.loc["discount_day", "extra_retained_high"]
        assert 0.2 < r.loc["discount_day", "p_keeps_more"] < 0.8
        assert 0.2 < r.attrs["wins"].loc["platinum_status", "loyalty_discount"] < 0.8


def test_program_intervals_reproducible_and_checked(retail):
    a = S.program_intervals(retail, runs=20, seed=3, resample=False)
    b = S.program_intervals(retail, runs=20, seed=3, resample=False)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["resample"] is False and a.attrs["alive_at_start"] == S.simulate_programs(retail).attrs["alive_at_start"]
    with pytest.raises(InvalidArgumentError, match="runs"):
        S.program_intervals(retail, runs=5)
    with pytest.raises(InvalidArgumentError, match="confidence"):
        S.program_intervals(retail, runs=20, confidence=1.5)
    with pytest.raises(MissingTableError):
        S.program_intervals(dataclasses.replace(retail, truth=None), runs=20)


def test_program_interval_chart_reads_the_runs(program_ranges):
    from playbook.charts.uncertainty import program_interval_chart

    r = program_ranges[0]
    ax = program_interval_chart(r, lang="en")
    assert "middle 90% of 60 simulated runs" in ax.get_title()
    assert len(ax.get_yticklabels()) == len(r)
    ax = program_interval_chart(r.attrs["runs"], value="net_margin", confidence=0.8, lang="zh")
    assert "80%" in ax.get_title()
    with pytest.raises(DataValidationError):
        program_interval_chart(r.attrs["runs"].iloc[0:0])
