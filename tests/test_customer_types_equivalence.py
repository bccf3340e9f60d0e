"""Customer types on the rule engine (issue #15): the same types, reasons, flags and orientations
as the hand-written decision lists they replaced.

``_Reference`` below is a frozen copy of the classification code of ``playbook/customer_types.py``
at commit 584aaca (before it moved onto :class:`playbook.rules.RuleTable`). Every public output is
compared, column by column and reason by reason, on the shipped retail and b2b data, on the
orders-only path (rules without evidence), and on five generated retail and b2b bases.
"""
import re

import numpy as np
import pandas as pd
import pytest

from playbook.customer_types import (
    DEFAULT_FLAG_RULES,
    DEFAULT_ORIENTATION_RULES,
    DEFAULT_THRESHOLDS,
    DEFAULT_TYPE_RULES,
    TypeRule,
    behaviour_evidence,
    classify_flags,
    classify_orientation,
    classify_types,
    rules_table,
)
from playbook.synth import generate

# ----------------------------------------------------------------------------- the old code, frozen


def _ref_condition(rule, th):
    return "otherwise" if rule[1] is None else rule[1].format(**th)


def _ref_evidence(rule):
    if rule[1] is None:
        return []
    text = re.sub(r"\{\w+\}", " ", rule[1])
    words = re.findall(r"[A-Za-z_]\w*", text)
    return list(dict.fromkeys(w for w in words if w not in ("and", "or", "not", "True", "False")))


def _ref_thresholds(thresholds):
    return {**DEFAULT_THRESHOLDS, **(thresholds or {})}


def _ref_evaluate(evidence, rules, th):
    out = []
    for rule in rules:
        if rule[1] is None:
            out.append((rule, pd.Series(True, index=evidence.index), True))
            continue
        usable = all(evidence[c].notna().any() for c in _ref_evidence(rule))
        mask = evidence.eval(_ref_condition(rule, th), engine="python")
        mask = pd.Series(np.asarray(mask, dtype=bool), index=evidence.index) if usable else pd.Series(False, index=evidence.index)
        out.append((rule, mask, usable))
    return out


def _ref_fmt_values(values):
    v = values.astype(float)
    whole = v.round(0) == v
    text = v.round(2).map("{:.2f}".format).where(~whole, v.map("{:.0f}".format))
    return text.where(v.notna(), "n/a")


def _ref_reason(evidence, rule, rows):
    text = pd.Series(rule[2], index=rows, dtype=object)
    cols = _ref_evidence(rule)
    if cols:
        detail = " (" + cols[0] + "=" + _ref_fmt_values(evidence.loc[rows, cols[0]])
        for c in cols[1:]:
            detail = detail + ", " + c + "=" + _ref_fmt_values(evidence.loc[rows, c])
        text = text + detail + ")"
    return text


def _ref_decision_list(evidence, rules, thresholds, column):
    th = _ref_thresholds(thresholds)
    evaluated = _ref_evaluate(evidence, rules, th)
    label = pd.Series(pd.NA, index=evidence.index, dtype=object)
    reason = pd.Series("", index=evidence.index, dtype=object)
    rule_no = pd.Series(-1, index=evidence.index, dtype=np.int64)
    for k, (rule, mask, _usable) in enumerate(evaluated):
        take = mask & label.isna()
        if take.any():
            rows = take.index[take.to_numpy()]
            label[rows] = rule[0]
            reason[rows] = _ref_reason(evidence, rule, rows)
            rule_no[rows] = k
    label = label.fillna("unclassified")
    reason = reason.where(label != "unclassified", "no rule held (add a fallback rule with when=None)")
    out = pd.DataFrame({column: label, f"{column}_reason": reason, f"{column}_rule": rule_no}, index=evidence.index)
    out.attrs["rules_without_evidence"] = [f"{r[0]}: {_ref_condition(r, th)}" for r, _m, ok in evaluated if not ok]
    return out


def _ref_flags(evidence, rules, thresholds):
    th = _ref_thresholds(thresholds)
    evaluated = _ref_evaluate(evidence, rules, th)
    out = pd.DataFrame(index=evidence.index)
    reason = pd.Series("", index=evidence.index, dtype=object)
    for rule, mask, _ok in evaluated:
        out[rule[0]] = (out[rule[0]] | mask) if rule[0] in out else mask
        if mask.any():
            rows = mask.index[mask.to_numpy()]
            add = rule[0] + ": " + _ref_reason(evidence, rule, rows)
            reason[rows] = np.where(reason[rows] == "", add, reason[rows] + "; " + add)
    out["flag_reason"] = reason
    out.attrs["rules_without_evidence"] = [f"{r[0]}: {_ref_condition(r, th)}" for r, _m, ok in evaluated if not ok]
    return out


def _ref_rules_table(rules, thresholds, evidence):
    th = _ref_thresholds(thresholds)
    table = pd.DataFrame({
        "label": [r[0] for r in rules],
        "condition": [_ref_condition(r, th) for r in rules],
        "evidence": [", ".join(_ref_evidence(r)) for r in rules],
        "why": [r[2] for r in rules],
    })
    table.index.name = "rule"
    if evidence is not None:
        evaluated = _ref_evaluate(evidence, rules, th)
        table["holds"] = [int(m.sum()) for _r, m, _ok in evaluated]
        taken = pd.Series(False, index=evidence.index)
        decides = []
        for _r, m, _ok in evaluated:
            decides.append(int((m & ~taken).sum()))
            taken |= m
        table["decides"] = decides
    return table


def _plain(rules):
    return [(r.label, r.when, r.why) for r in rules]


# ----------------------------------------------------------------------------- the comparisons

#: Overrides tried besides the defaults: each moves some customers to another rule.
_OVERRIDES = [None, {"discount_share": 0.3, "gap_cv": 0.4}, {"high_volume_pct": 0.8, "references": 2, "pioneer_rank": 5}]


def _assert_same(evidence, thresholds=None):
    got = classify_types(evidence, thresholds=thresholds)
    want = _ref_decision_list(evidence, _plain(DEFAULT_TYPE_RULES), thresholds, "type")
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["rules_without_evidence"] == want.attrs["rules_without_evidence"]
    got = classify_orientation(evidence, thresholds=thresholds)
    want = _ref_decision_list(evidence, _plain(DEFAULT_ORIENTATION_RULES), thresholds, "orientation")
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["rules_without_evidence"] == want.attrs["rules_without_evidence"]
    got = classify_flags(evidence, thresholds=thresholds)
    want = _ref_flags(evidence, _plain(DEFAULT_FLAG_RULES), thresholds)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["rules_without_evidence"] == want.attrs["rules_without_evidence"]
    for rules in (DEFAULT_TYPE_RULES, DEFAULT_FLAG_RULES, DEFAULT_ORIENTATION_RULES):
        pd.testing.assert_frame_equal(rules_table(rules, thresholds=thresholds, evidence=evidence),
                                      _ref_rules_table(_plain(rules), thresholds, evidence))
        pd.testing.assert_frame_equal(rules_table(rules, thresholds=thresholds), _ref_rules_table(_plain(rules), thresholds, None))


@pytest.mark.parametrize("thresholds", _OVERRIDES)
def test_shipped_data_same_as_before(retail, b2b, thresholds):
    for base in (retail, b2b):
        _assert_same(behaviour_evidence(base), thresholds)


def test_orders_only_same_as_before_rules_without_evidence_never_fire(retail):
    evidence = behaviour_evidence(retail.orders, as_of=retail.as_of)
    _assert_same(evidence)
    assert classify_types(evidence).attrs["rules_without_evidence"]  # the test covers the case


@pytest.mark.parametrize("seed", range(5))
def test_generated_bases_same_as_before(seed):
    for scenario in ("retail", "b2b"):
        evidence = behaviour_evidence(generate(scenario, n_customers=800, seed=seed))
        for thresholds in _OVERRIDES:
            _assert_same(evidence, thresholds)


def test_custom_rules_same_as_before(retail):
    evidence = behaviour_evidence(retail)
    rules = (TypeRule("loyal", "n_orders >= 20", "many orders"),
             TypeRule("impulse", "late_order_share >= 0.3 and not (gap_cv <= 0.5)", "late and irregular"),
             TypeRule("wanderer", None, "everyone else"),
             TypeRule("never", "n_orders >= 1", "shadowed by the fallback"))
    for rs in (rules, rules[:2]):  # with and without a fallback (the second leaves customers unclassified)
        pd.testing.assert_frame_equal(classify_types(evidence, rs), _ref_decision_list(evidence, _plain(rs), None, "type"))
        pd.testing.assert_frame_equal(classify_flags(evidence, rs), _ref_flags(evidence, _plain(rs), None))
        pd.testing.assert_frame_equal(rules_table(rs, evidence=evidence), _ref_rules_table(_plain(rs), None, evidence))
