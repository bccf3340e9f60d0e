"""The order-level scoring of an orders-only base: the reference that the feature-table scoring is proven against.

``build_analysis`` scores an orders-only base from its per-customer feature table
(:mod:`playbook.features`, one pass over the orders). Before that table existed it ran the
order-level functions (``churn_signals``, ``formation_stage``, ``behaviour_evidence``,
``expected_margin``, ``contact_plan`` on the orders), which every base with more tables still
uses. :func:`order_level_analysis` keeps that path as the definition: tests/test_features.py
asserts both give the same analysis, to the last character of every reason.
"""
import pandas as pd
import pytest

import playbook
from playbook import analyze, features
from playbook.data import CustomerBase
from playbook.rfm import rfm_scores, rfm_segments, segment_summary
from playbook.segment import pareto_table
from playbook.strategy import _action_list_from_orders


def order_level_analysis(base: CustomerBase, lang: str = "en", margin_rate=None) -> analyze.Analysis:
    """:func:`playbook.analyze.build_analysis` of ``base`` at the order level, whatever tables it has."""
    ts = base.as_of
    orders = base.orders
    totals = analyze._totals(orders)
    actions, risk, plan = _action_list_from_orders(base, ts, lang, margin_rate=margin_rate)
    customers = pareto_table(orders)
    rfm = segment_summary(rfm_segments(rfm_scores(base, ts)), lang=lang)
    return analyze._assemble(actions, risk, plan, customers, rfm, ts=ts, lang=lang, totals=totals,
                             tables=list(base.tables), notes=list(base.meta.get("notes", [])))


def _no_feature_table(*args, **kwargs):
    raise AssertionError("the reference must not read the feature table it is compared with")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reference_stays_at_the_order_level(monkeypatch, lang):
    # The reference must not take the path it checks: with the feature table switched off it still runs ...
    b2b = playbook.load_dataset("b2b")
    base = CustomerBase(orders=b2b.orders, name="b2b (orders only)", as_of=b2b.as_of)
    monkeypatch.setattr(features, "compute", _no_feature_table)
    ref = order_level_analysis(base, lang=lang)
    assert ref.summary["customers"] == len(ref.actions) == base.orders["customer_id"].nunique()
    # ... while the analysis the package runs on the same base does read it.
    with pytest.raises(AssertionError, match="must not read the feature table"):
        analyze.build_analysis(base, lang=lang)


def test_reference_is_the_package_scoring_of_a_base_with_more_tables():
    # On a base with complaints, care and surveys the package itself scores at the order level: same tables.
    base = playbook.load_dataset("b2b")
    ref, got = order_level_analysis(base), analyze.build_analysis(base)
    pd.testing.assert_frame_equal(ref.actions, got.actions, check_exact=True)
    pd.testing.assert_frame_equal(ref.plan, got.plan, check_exact=True)
    assert ref.summary == got.summary
