"""The report's shortcuts give exactly what the plain pandas expressions they replace give.

The report of a million customers joined revenue to the action list twice and sorted every row
to show ten; :mod:`playbook.report` now joins once and sorts only the rows that can be among the
first ten. Each shortcut is compared here with the old expression on small tables full of ties,
missing values and edge sizes (empty, one row, fewer rows than the list shows).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook import report
from playbook.charts.strategy import _text_counts
from playbook.strategy import overdue_contacts

TOP_N = report.TOP_N
TIERS = ["key", "important", "general"]


def _ids(n, rng=None):
    ids = np.array([f"C{i:04d}" for i in range(n)], dtype=object)
    return ids if rng is None else rng.permutation(ids)


class _Analysis:
    def __init__(self, actions, customers):
        self.actions, self.customers = actions, customers


def _old_revenue(a):
    return a.customers["revenue"].reindex(a.actions.index).to_numpy()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [0, 1, 3, 40])
def test_revenue_by_action_is_the_reindex(seed, n):
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({"revenue": np.round(rng.normal(100, 50, n), 2)}, index=pd.Index(_ids(n), dtype="str"))
    customers.iloc[: n // 4, 0] = np.nan
    actions = pd.DataFrame({"clv": rng.random(n)}, index=pd.Index(_ids(n, rng), dtype="str"))
    a = _Analysis(actions, customers)
    got = report._revenue_by_action(a)
    np.testing.assert_array_equal(got, _old_revenue(a))
    assert got.dtype == _old_revenue(a).dtype


@pytest.mark.parametrize("case", ["missing", "extra", "object-index", "int-revenue", "int-revenue-missing"])
def test_revenue_by_action_falls_back_to_reindex(case):
    rng = np.random.default_rng(0)
    ids = _ids(20)
    customers = pd.DataFrame({"revenue": rng.random(20)}, index=pd.Index(ids, dtype="str"))
    actions = pd.DataFrame({"clv": rng.random(20)}, index=pd.Index(rng.permutation(ids), dtype="str"))
    if case == "missing":
        actions.index = pd.Index(["Z9"] + list(actions.index[1:]), dtype="str")
    elif case == "extra":
        actions = actions.iloc[:15]
    elif case == "object-index":
        customers.index, actions.index = customers.index.astype(object), actions.index.astype(object)
    elif case.startswith("int-revenue"):
        customers["revenue"] = np.arange(20)
        if case.endswith("missing"):
            actions.index = pd.Index(["Z9"] + list(actions.index[1:]), dtype="str")
    a = _Analysis(actions, customers)
    got, old = report._revenue_by_action(a), _old_revenue(a)
    np.testing.assert_array_equal(got, old)
    assert got.dtype == old.dtype


def test_revenue_by_action_refuses_duplicate_customers_as_reindex_does():
    ids = _ids(6)
    customers = pd.DataFrame({"revenue": np.arange(6.0)}, index=pd.Index(list(ids[:5]) + [ids[0]], dtype="str"))
    actions = pd.DataFrame({"clv": np.arange(6.0)}, index=pd.Index(ids, dtype="str"))
    with pytest.raises(ValueError, match="duplicate"):
        _old_revenue(_Analysis(actions, customers))
    with pytest.raises(ValueError, match="duplicate"):
        report._revenue_by_action(_Analysis(actions, customers))


def _old_top(actions, revenue):
    return actions.assign(revenue=revenue).sort_values(["clv", "revenue"], ascending=False, kind="stable").head(TOP_N)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [0, 1, TOP_N - 1, TOP_N, TOP_N + 1, 60])
@pytest.mark.parametrize("nan_share", [0.0, 0.3, 0.9])
def test_top_customers_is_the_full_sort(seed, n, nan_share):
    rng = np.random.default_rng(seed)
    clv = rng.choice([5.0, 3.0, 3.0, 1.0, 0.0, -0.0, 7.5], n)  # heavy ties, at the cut too
    clv[rng.random(n) < nan_share] = np.nan
    revenue = rng.choice([10.0, 10.0, 2.0, np.nan], n)
    actions = pd.DataFrame({"tier": pd.Categorical(rng.choice(TIERS, n), categories=TIERS), "clv": clv,
                            "risk": rng.random(n)}, index=pd.Index(_ids(n, rng), dtype="str"))
    expected = _old_top(actions, revenue)
    pd.testing.assert_frame_equal(report._top_customers(actions, np.arange(n), revenue), expected)
    # the actions in another row order (as the lean analysis holds them), with the action list's order beside them
    perm = rng.permutation(n)
    order = np.argsort(perm, kind="stable")
    pd.testing.assert_frame_equal(report._top_customers(actions.iloc[perm], order, revenue[perm]), expected)


def _plan(rng, n, *, overdue_share=0.6, nan_tiers=False, tiers=TIERS):
    tier = pd.Categorical(rng.choice(tiers, n), categories=tiers)
    if nan_tiers and n:
        tier[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({"tier": tier, "contact_every_days": rng.integers(7, 90, n),
                         "days_overdue": rng.choice([0, 1, 5, 5, 30, 30, 30, 200], n).astype(np.int64),
                         "overdue": rng.random(n) < overdue_share}, index=pd.Index(_ids(n, rng), dtype="str"))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [0, 1, TOP_N, TOP_N + 1, 80])
@pytest.mark.parametrize("overdue_share", [0.0, 0.1, 0.7, 1.0])
@pytest.mark.parametrize("nan_tiers", [False, True])
def test_most_overdue_is_overdue_contacts_head(seed, n, overdue_share, nan_tiers):
    plan = _plan(np.random.default_rng(seed), n, overdue_share=overdue_share, nan_tiers=nan_tiers)
    pd.testing.assert_frame_equal(report._most_overdue(plan), overdue_contacts(plan).head(TOP_N))


@pytest.mark.parametrize("seed", range(5))
def test_most_overdue_with_tier_order_not_alphabetical_and_one_tier(seed):
    rng = np.random.default_rng(seed)
    for tiers in (["general", "key", "important"], ["key"]):
        plan = _plan(rng, 50, tiers=tiers)
        pd.testing.assert_frame_equal(report._most_overdue(plan), overdue_contacts(plan).head(TOP_N))


def test_most_overdue_of_other_dtypes_uses_overdue_contacts_itself():
    plan = _plan(np.random.default_rng(0), 40)
    plan["days_overdue"] = plan["days_overdue"].astype(float)
    plan.loc[plan.index[0], "days_overdue"] = np.nan
    pd.testing.assert_frame_equal(report._most_overdue(plan), overdue_contacts(plan).head(TOP_N))


@pytest.mark.parametrize("seed", range(5))
def test_strategy_counts_from_codes_are_the_value_counts(seed):
    rng = np.random.default_rng(seed)
    cats = ["protect", "win_back", "end", "unused", "nurture"]
    values = pd.Series(pd.Categorical(rng.choice(cats[:3] + ["nurture"], 50), categories=cats))
    values[rng.random(50) < 0.2] = np.nan
    order = cats + ["absent"]
    got = _text_counts(values).reindex(order, fill_value=0)
    old = values.astype(str).value_counts().reindex(order, fill_value=0)
    np.testing.assert_array_equal(got.to_numpy(), old.to_numpy())
    assert list(got.index) == list(old.index) and got.dtype == old.dtype
    plain = values.astype(object)
    pd.testing.assert_series_equal(_text_counts(plain), plain.astype(str).value_counts())


def _risk_png(data, monkeypatch, count_bins_above):
    import io

    import matplotlib as mpl
    from matplotlib.figure import Figure

    from playbook.charts import churn, set_theme

    monkeypatch.setattr(churn, "_COUNT_BINS_ABOVE", count_bins_above)
    with mpl.rc_context():
        set_theme()
        fig = Figure(figsize=(7.5, 4), layout="constrained")
        churn.risk_distribution(data, ax=fig.subplots(), lang="zh")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


@pytest.mark.parametrize("case", ["uniform-0", "uniform-1", "uniform-2", "uniform-3", "uniform-4", "edges", "all-nan",
                                  "empty", "out-of-range", "one"])
def test_risk_histogram_from_bin_counts_draws_the_same_png(case, monkeypatch):
    if case.startswith("uniform"):
        rng = np.random.default_rng(int(case[-1]))
        risk = np.round(rng.uniform(0, 100, 300), 1)
        risk[:40] = rng.choice([0.0, 5.0, 50.0, 95.0, 100.0, np.nan], 40)
    else:
        risk = {"edges": [0.0, 5.0, 5.0, 100.0, 100.0, 99.99], "all-nan": [np.nan, np.nan], "empty": [],
                "out-of-range": [-5.0, 120.0, 50.0], "one": [42.0]}[case]
    data = pd.DataFrame({"risk": np.asarray(risk, dtype=float)})
    data.attrs["threshold"] = 50.0
    assert _risk_png(data, monkeypatch, -1) == _risk_png(data, monkeypatch, 10**12)
