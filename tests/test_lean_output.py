"""The lean analysis of an orders-only base (issue #18): the summary and the report from thin inputs are those of the
full :class:`playbook.analyze.Analysis`.

``analyze()`` no longer makes the Pareto table of every customer nor keeps the full risk table: the Pareto figures
and chart come from the customers' revenue ranked, the churn figures from the risk column, the warnings and the
reason counts, and the actions may be held in another row order than the list's (``order`` beside them). Each
shortcut is set beside the expression it replaced, written out here as it was.
"""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from playbook import strategy
from playbook.analyze import _analysis_from_features, _lean_output, _mean_risk, _ranked
from playbook.report import _thin, page_html, pareto_curve_rows, report_html
from playbook.segment import gini, pareto_table, pareto_total, top_share
from playbook.strategy import _features_and_past


def _totals(orders):
    return {"orders": len(orders), "revenue": float(orders["amount"].sum()), "first_order": orders["order_date"].min(),
            "last_order": orders["order_date"].max(), "has_margin": "margin" in orders.columns}


def _shuffled(scores_of, seed):
    """``strategy.score_in_chunks`` with the actions and the risk table in a shuffled row order (``order`` and ``rows``
    following): the lean output must not depend on the row order the scoring holds them in (known-row order, not the
list's)."""
    def scores(*args, **kwargs):
        s = scores_of(*args, **kwargs)
        perm = np.random.default_rng(seed).permutation(len(s.actions))
        return dataclasses.replace(
            s, actions=s.actions.iloc[perm], rows=s.rows[perm], order=np.argsort(perm, kind="stable")[s.order],
            risk=s.risk.iloc[np.random.default_rng(seed + 1).permutation(len(s.risk))])
    return scores


@pytest.mark.parametrize("name", ["retail", "b2b"])
@pytest.mark.parametrize("shuffle", [None, 0, 1])
def test_lean_output_is_the_full_analysis(name, shuffle, request, monkeypatch):
    base = request.getfixturevalue(name)
    if shuffle is not None:
        monkeypatch.setattr(strategy, "score_in_chunks", _shuffled(strategy.score_in_chunks, shuffle))
    for ts, lang in ((base.as_of, "en"), (base.as_of - pd.Timedelta(days=400), "zh")):  # the second: customers unknown yet
        f, past = _features_and_past(base.orders, ts)
        kw = {"totals": _totals(base.orders), "tables": ["orders"], "notes": ["a note"]}
        full = _analysis_from_features(f, ts, lang=lang, margin_rate=None, past=past, **kw)
        lean = _lean_output({"f": f, "past": past, "ts": ts, **kw}, lang=lang, margin_rate=None)
        assert lean.summary == full.summary
        pd.testing.assert_frame_equal(lean.actions.take(lean.order), full.actions, check_exact=True)
        assert page_html(lean.report, source="orders.csv") == report_html(full, source="orders.csv")


def _values(rng, n):
    v = rng.choice([100.0, 5.5, 5.5, 0.0, -0.0, 1e-9, 3.25, -7.0, 1e6], n) * rng.choice([1.0, 1.0, 0.1, 3.0], n)
    return v if v.sum() > 0 else np.r_[v[:-1], 1e6]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [1, 2, 7, 1999, 2000, 2001, 12345])
def test_pareto_figures_from_the_ranked_revenue(seed, n):
    rng = np.random.default_rng(seed)
    revenue = _values(rng, n)
    ids = pd.Index([f"c{i}" for i in rng.permutation(n)], name="customer_id", dtype="str")
    customers = pareto_table(pd.DataFrame({"revenue": revenue, "n_orders": 1}, index=ids))
    ranked = _ranked(revenue)
    # as analyze._assemble computed them from the Pareto table
    cum = customers["cum_share_of_value"].to_numpy()
    reach_old = int(np.argmax(cum >= 0.8)) + 1 if (cum >= 0.8).any() else n
    new_cum = np.cumsum(ranked) / pareto_total(pd.Series(ranked))
    assert (int(np.argmax(new_cum >= 0.8)) + 1 if (new_cum >= 0.8).any() else n) == reach_old
    assert np.array_equal(new_cum, cum)
    assert top_share(ranked, 0.2) == top_share(customers["revenue"], 0.2)
    assert gini(pd.Series(ranked).clip(lower=0)) == gini(customers["revenue"].clip(lower=0))
    assert int((ranked < 0).sum()) == int((customers["revenue"] < 0).sum())
    want = _thin(customers)[["revenue", "share_of_customers", "cum_share_of_value"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(pareto_curve_rows(ranked, pareto_total(pd.Series(ranked))), want, check_exact=True)


def test_a_total_of_zero_is_refused_as_the_pareto_table_refuses_it():
    with pytest.raises(Exception, match="positive total") as new:
        pareto_total(pd.Series(_ranked(np.array([1.0, -1.0]))))
    with pytest.raises(Exception, match="positive total") as old:
        pareto_table(pd.DataFrame({"revenue": [1.0, -1.0]}, index=pd.Index(["a", "b"], name="customer_id")))
    assert str(new.value) == str(old.value)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [1, 3, 130, 5001])
@pytest.mark.parametrize("nan_share", [0.0, 0.2, 1.0])
def test_mean_risk_is_the_risk_tables_mean(seed, n, nan_share):
    rng = np.random.default_rng(seed)
    risk = rng.choice([0.0, -0.0, 12.5, 99.99, 50.0, 1 / 3, 70.1], n) + rng.random(n) * rng.choice([0, 1e-7], n)
    risk[rng.random(n) < nan_share] = np.nan
    table = pd.DataFrame({"risk": risk}).sort_values("risk", ascending=False, kind="stable")  # as churn_risk returns it
    old = table["risk"].mean()
    assert _mean_risk(rng.permutation(risk)) == old or (np.isnan(old) and np.isnan(_mean_risk(risk)))


def test_tiers_revenue_is_summed_in_the_action_lists_order():
    """A float sum depends on the order of the additions: the tiers' revenue is summed in the list's order whatever
    order the actions are held in (1e16, 1 and -1e16 added in two orders)."""
    from playbook.analyze import _summary

    n = 6
    listed = pd.DataFrame({"tier": pd.Categorical(["key"] * n, categories=["key", "important", "general"]),
                           "strategy": pd.Categorical(["protect"] * n)}, index=pd.Index(list("abcdef"), dtype="str"))
    revenue = np.array([1e16, 1.0, -1e16, 2.0, 3.0, 4.0])
    risk = pd.DataFrame({"risk": np.arange(n, dtype=float), "warning": np.zeros(n, dtype=bool)})
    plan = pd.DataFrame({"tier": pd.Categorical(["key"], categories=["key", "important", "general"]), "overdue": [True]})
    rfm = pd.DataFrame({"customers": [n], "revenue_share": [1.0]}, index=["champions"])
    kw = {"ts": pd.Timestamp("2025-01-01"), "tables": ["orders"], "notes": [],
          "totals": {"orders": n, "revenue": 10.0, "first_order": None, "last_order": None, "has_margin": False}}
    args = (risk, pd.Series([], dtype=np.int64), plan, _ranked(revenue), rfm)
    want = _summary(listed, np.arange(n), revenue, *args, **kw)
    perm = np.array([1, 0, 2, 3, 4, 5])  # held as b, a, c, ...
    held = _summary(listed.iloc[perm], np.arange(n), revenue[perm], *args, **kw)  # as if this were the list's order
    assert held["tiers"]["key"]["revenue"] != want["tiers"]["key"]["revenue"]  # the order shows
    assert _summary(listed.iloc[perm], np.argsort(perm), revenue[perm], *args, **kw) == want
