"""The lean scoring of issue #18 (:func:`playbook.strategy.fit_for_scoring` + :func:`~playbook.strategy.score_in_chunks`)
gives exactly what the full scoring (:func:`playbook.strategy._scored_from_features`, whose tables
tests/test_scoring_equivalence.py and tests/test_feature_oracle.py hold to the order-level reference) derives:
the action list, the risk and warning per customer, the warned customers per churn reason, the contact plan and the
RFM summary, for any chunk size, while keeping per customer only the action list's columns and the risk.
"""
import numpy as np
import pandas as pd
import pytest

from playbook import value
from playbook.customer_types import behaviour_from_features, spend_rate_ranks
from playbook.rfm import rfm_scores, rfm_segments, segment_summary
from playbook.strategy import Scores, _features_and_past, _scored_from_features, fit_for_scoring, score_in_chunks


def _same(got, want):
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.index.dtype == want.index.dtype and got.index.name == want.index.name
    assert repr(got.attrs) == repr(want.attrs)


def _check(f, past, ts, lang, sizes, margin_rate=None) -> Scores:
    """Lean against full for each chunk size; returns the last lean result."""
    actions, risk, plan, rows, summary = _scored_from_features(f, ts, lang, margin_rate=margin_rate, past=past)
    rfm = segment_summary(rfm_segments(rfm_scores(summary)), lang=lang)
    warning = risk["warning"].to_numpy()
    points = [c for c in risk.columns if c.startswith("points_")]
    reasons = pd.Series([int((risk[p].to_numpy()[warning] >= 1.0).sum()) for p in points], index=points, dtype=np.int64)
    known = np.flatnonzero(f["n_orders"].to_numpy() > 0)
    for size in sizes:
        fit = fit_for_scoring(f, past, ts, chunk_rows=size)
        scores = score_in_chunks(f, ts, lang, fit, margin_rate=margin_rate, chunk_rows=size)
        _same(scores.actions.take(scores.order), actions)
        assert list(scores.actions.columns) == ["tier", "stage", "type", "risk", "clv", "strategy", "reason", "next_contact"]
        assert scores.order.dtype == np.intp
        np.testing.assert_array_equal(scores.rows, known)  # the actions in the known rows' order
        np.testing.assert_array_equal(scores.rows[scores.order], rows)
        assert scores.actions.index.equals(f.index[known])
        # risk and warning in the same order, unrounded; no reason texts, no points
        _same(scores.risk, risk.loc[scores.actions.index, ["risk", "warning"]])
        pd.testing.assert_series_equal(scores.reason_counts, reasons)
        assert scores.reason_counts.index.dtype == reasons.index.dtype
        _same(scores.plan, plan)
        _same(scores.rfm, rfm)
    return scores


@pytest.mark.parametrize("name, sizes", [("retail", (None, 97)), ("b2b", (7, 97))])  # a customer a chunk is slow
def test_lean_is_the_full_scoring_for_any_chunk_size(name, sizes, request):
    base = request.getfixturevalue(name)
    # the second date: some customers are not known yet (the known rows are taken by position, not copied)
    for ts, lang in ((base.as_of, "en"), (base.as_of - pd.Timedelta(days=400), "zh")):
        f, past = _features_and_past(base.orders, ts)
        assert (f["n_orders"].to_numpy() > 0).all() == (ts == base.as_of)
        scores = _check(f, past, ts, lang, sizes)
        assert scores.actions.attrs["churn"]["method"] == "model"
        assert scores.actions.attrs["clv"]["method"] == "bgnbd_gamma_gamma"


def test_lean_with_a_margin_rate(retail):
    orders = retail.orders.drop(columns="margin")
    f, past = _features_and_past(orders, retail.as_of)
    scores = _check(f, past, retail.as_of, "en", sizes=(97,), margin_rate=0.25)
    assert scores.actions.attrs["clv"]["margin_rate"] == 0.25


def test_lean_rule_score(b2b):
    # No past to learn from: the rule score, and the note why, in every chunk alike.
    f, _ = _features_and_past(b2b.orders, b2b.as_of)
    scores = _check(f, None, b2b.as_of, "zh", sizes=(7, 97))
    assert scores.risk.attrs["method"] == "rules" and scores.actions.attrs["churn"]["method"] == "rules"
    assert "No churn model" in scores.actions.attrs["churn"]["note"]


def test_lean_nobody_with_two_order_days(rng):
    # The usual-gap fallback is missing for everyone; CLV falls back to last year's margin (no repeat buyer).
    ts = pd.Timestamp("2025-06-30")
    orders = pd.DataFrame({"customer_id": [f"c{i}" for i in range(5)], "order_date": pd.date_range("2025-01-01", periods=5),
                           "amount": rng.uniform(10, 100, 5)})
    orders["order_id"] = np.arange(5)
    f, past = _features_and_past(orders, ts)
    scores = _check(f, past, ts, "en", sizes=(1, 2))
    assert scores.actions.attrs["clv"]["method"] == "historical_margin"
    assert sum("two order days" in n for n in scores.risk.attrs["notes"]) == 1


def test_lean_when_the_model_gives_a_value_that_is_not_finite(retail, monkeypatch):
    # One customer's value that is not finite sends everyone to the fallback: the fit sees all the values first.
    real = value.GammaGammaFitter.customer_lifetime_value
    f, past = _features_and_past(retail.orders, retail.as_of)
    last = f.index[-1]  # in the last chunk: the chunks before it have been predicted already

    def one_nan(self, bgf, frequency, *args, **kwargs):
        out = np.asarray(real(self, bgf, frequency, *args, **kwargs), dtype=float).copy()
        out[np.asarray(frequency.index == last)] = np.nan
        return out

    monkeypatch.setattr(value.GammaGammaFitter, "customer_lifetime_value", one_nan)
    scores = _check(f, past, retail.as_of, "en", sizes=(97,))
    assert scores.actions.attrs["clv"]["method"] == "historical_margin"
    assert "no finite value" in scores.actions.attrs["clv"]["fallback_reason"]


def test_clv_predicted_in_chunks_is_the_same(retail):
    from playbook.strategy import _summary_of

    f, _ = _features_and_past(retail.orders, retail.as_of)
    s = _summary_of(f)
    whole = value.clv_fit(s, horizon_days=365, discount_rate=0.1, method="auto", func="t")
    chunked = value.clv_fit(s, horizon_days=365, discount_rate=0.1, method="auto", func="t",
                            chunks=[(0, 7), (7, 1000), (1000, len(s))])
    assert whole.values is not None
    np.testing.assert_array_equal(chunked.values, whole.values)


def test_spend_rate_ranks_are_the_evidence_column(b2b):
    ts = b2b.as_of - pd.Timedelta(days=400)
    f, _ = _features_and_past(b2b.orders, ts)
    whole = behaviour_from_features(f, ts)
    ranks = spend_rate_ranks(f, ts)
    np.testing.assert_array_equal(ranks, whole["spend_rate_pct"].to_numpy())
    # a chunk of known rows with the ranks of all of them: the rows of the whole evidence table
    known = f.loc[f["n_orders"] > 0]
    part = behaviour_from_features(known.iloc[10:50], ts, spend_rate_pct=ranks[10:50])
    pd.testing.assert_frame_equal(part, whole.iloc[10:50], check_exact=True)
    with pytest.raises(Exception, match="spend_rate_pct"):
        behaviour_from_features(known.iloc[10:50], ts, spend_rate_pct=ranks)


def test_lean_keeps_no_text_of_the_risk(retail):
    f, past = _features_and_past(retail.orders, retail.as_of)
    scores = score_in_chunks(f, retail.as_of, "en", fit_for_scoring(f, past, retail.as_of), chunk_rows=500)
    assert list(scores.risk.columns) == ["risk", "warning"]
    assert scores.risk["risk"].dtype == np.float64 and scores.risk["warning"].dtype == bool
