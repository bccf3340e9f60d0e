"""The one rule engine (playbook/rules.py), and the rule sets that moved onto it giving the
same labels and reasons as the code they replaced (lifecycle and formation stages, RFM segments, strategies)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import lifecycle as L
from playbook.errors import DataValidationError, InvalidArgumentError
from playbook.rfm import RFM_SEGMENTS, rfm_scores, rfm_segments
from playbook.rules import RuleTable, literal, resolve_thresholds
from playbook.synth import generate


@pytest.fixture
def table():
    return RuleTable([
        ("lapsed", "days_since_last > {active_days}", "{label}: silent {days_since_last} days (over {active_days})",
         "last order more than {active_days} days ago"),
        ("fan", "score >= 9", "{label}: score {score}"),
        ("regular", "n_orders >= 2", "{label}: {n_orders} orders"),
    ], default="new", default_reason="{label}: score {score}", thresholds={"active_days": 180}, name="test")


@pytest.fixture
def customers():
    return pd.DataFrame({"days_since_last": [400, 20, 5, 30], "n_orders": [3, 5, 1, 1],
                         "score": [10.0, 9.0, np.nan, 3.0]}, index=["a", "b", "c", "d"])


# --- the engine -------------------------------------------------------------------

def test_first_match_wins_with_a_reason_and_a_default(table, customers):
    out = table.evaluate(customers)
    assert out["label"].tolist() == ["lapsed", "fan", "new", "new"]
    assert out["rule"].tolist() == [1, 2, 4, 4]
    assert out.loc["a", "reason"] == "lapsed: silent 400 days (over 180)"
    assert out.loc["c", "reason"] == "new: score n/a"  # a missing value reads n/a
    assert list(out.index) == list(customers.index)


def test_the_printed_table_is_the_one_evaluated(table):
    shown = table.table(thresholds={"active_days": 90})
    assert list(shown.columns) == ["label", "condition", "reason", "description"]
    assert shown.index.name == "order" and list(shown.index) == [1, 2, 3, 4]
    assert shown.loc[1, "condition"] == "days_since_last > 90"
    assert shown.loc[1, "description"] == "last order more than 90 days ago"
    assert shown.loc[4].tolist()[:2] == ["new", "True"]  # the default is the last row


def test_the_table_counts_what_each_rule_holds_for_and_decides(table, customers):
    shown = table.table(data=customers)
    assert shown["holds"].tolist() == [1, 2, 2, 4]  # on its own; the default holds for everyone
    assert shown["decides"].tolist() == [1, 1, 0, 2]  # the first that holds: "regular" is never reached
    assert shown["decides"].sum() == len(customers)
    assert shown["decides"].tolist() == [int((table.evaluate(customers)["rule"] == k).sum()) for k in shown.index]
    with pytest.raises(InvalidArgumentError, match="per-customer DataFrame"):
        table.evaluate([1, 2])


def test_thresholds_override_and_unknown_ones_are_refused(table, customers):
    assert table.evaluate(customers, thresholds={"active_days": 500}).loc["a", "label"] == "fan"
    with pytest.raises(InvalidArgumentError, match="unknown rule parameter.*activ_days.*Valid ones are: active_days"):
        table.evaluate(customers, thresholds={"activ_days": 500})
    with pytest.raises(InvalidArgumentError, match="'thresholds'.*dict"):
        table.evaluate(customers, thresholds=[("active_days", 5)])


def test_a_missing_value_never_holds(customers):
    t = RuleTable([("low", "score < 5", "{label}"), ("high", "score >= 5", "{label}")], default="unknown")
    assert t.evaluate(customers)["label"].tolist() == ["high", "high", "unknown", "low"]


def test_without_a_default_an_uncaught_customer_is_an_error(customers):
    t = RuleTable([("fan", "score >= 9", "{label}")], default=None)
    with pytest.raises(DataValidationError, match="2 customers match no rule, e.g. 'c'"):
        t.evaluate(customers)


def test_a_broken_condition_names_its_rule(customers):
    t = RuleTable([("fan", "scor >= 9", "{label}")], default="other")
    with pytest.raises(InvalidArgumentError, match=r"rule 1 \(fan\) condition 'scor >= 9' failed"):
        t.evaluate(customers, func="my_func")


def test_a_reason_naming_an_unknown_column_is_refused(customers):
    t = RuleTable([("fan", "score >= 9", "{label}: {nothing}")], default="other")
    out = t.evaluate(customers.iloc[2:])  # the rule does not fire: its template is never filled
    assert out["label"].tolist() == ["other", "other"]
    with pytest.raises(InvalidArgumentError, match="reason template names 'nothing'"):
        t.evaluate(customers)


def test_duplicate_index_empty_frame_and_literal_texts():
    t = RuleTable([("big", "x > 1", literal("{not a field}"))], default="small")
    dup = pd.DataFrame({"x": [2, 0, 3]}, index=["a", "a", "b"])
    out = t.evaluate(dup)
    assert out["label"].tolist() == ["big", "small", "big"] and out["reason"].iloc[0] == "{not a field}"
    empty = t.evaluate(dup.iloc[:0])
    assert empty.empty and list(empty.columns) == ["label", "rule", "reason"]


def test_extra_values_are_computed_only_when_a_reason_needs_them(customers):
    calls = []
    t = RuleTable([("fan", "score >= 9", "{label} ({tag})")], default="other")

    def tag():
        calls.append(1)
        return pd.Series(["x"] * len(customers), index=customers.index)

    assert t.evaluate(customers, extra={"tag": tag}).loc["a", "reason"] == "fan (x)"
    assert t.evaluate(customers.iloc[2:], extra={"tag": tag})["reason"].tolist() == ["other", "other"]
    assert len(calls) == 1


def test_reasons_joined_column_wise_equal_str_format():
    """Bare-field templates are joined column by column: the texts are exactly str.format's."""
    frame = pd.DataFrame({"n": [3, 0, 12], "x": [0.5, np.nan, 1e-7], "who": ["a", "b{c}", ""],
                          "when": pd.to_datetime(["2025-01-02", "2025-03-04", None])}, index=list("pqr"))
    template = "{label}: n={n}, x={x}, who={who}, when={when} ({n} again)"
    t = RuleTable([("all", "True", template)], default=None)
    want = [template.format(label="all", n=n, x="n/a" if x != x else x, who=w, when=d)
            for n, x, w, d in zip([3, 0, 12], [0.5, np.nan, 1e-7], ["a", "b{c}", ""], frame["when"].tolist())]
    assert t.evaluate(frame)["reason"].tolist() == want
    styled = RuleTable([("all", "True", "{x:.1f} and {x}")], default=None).evaluate(frame.iloc[[0]])
    assert styled["reason"].iloc[0] == "0.5 and 0.5"  # a spec anywhere: the per-row path


def test_needs_evidence_a_rule_reading_an_all_missing_column_never_fires():
    frame = pd.DataFrame({"browse": [np.nan, np.nan], "n": [1, 5]}, index=["a", "b"])
    rules = [("impulse", "not (browse < 1)", "browses"), ("loyal", "n >= {many}", "orders {n}")]
    judged = RuleTable(rules, default="other", thresholds={"many": 3}, needs_evidence=True).evaluate(frame)
    assert judged["label"].tolist() == ["other", "loyal"]
    assert judged.attrs["rules_without_evidence"] == ["impulse: not (browse < 1)"]
    # without the option, "not (missing < 1)" holds for everyone: what needs_evidence prevents
    assert RuleTable(rules, default="other", thresholds={"many": 3}).evaluate(frame)["label"].tolist() == ["impulse", "impulse"]
    # one known value is evidence enough: the rule is judged row by row again
    frame.loc["a", "browse"] = 0.0
    assert RuleTable(rules, default="other", thresholds={"many": 3}, needs_evidence=True).evaluate(frame)["label"].tolist() \
        == ["other", "impulse"]


def test_evaluate_all_reports_every_rule_that_holds_and_value_format_styles_numbers():
    frame = pd.DataFrame({"spend": [0.956, 0.2, 0.99], "refs": [2, 0, 0], "quiet": [np.nan] * 3}, index=["a", "b", "c"])
    flags = RuleTable([("big", "spend >= 0.9", "top spend (spend={spend})"), ("benchmark", "refs >= 1", "refs={refs}"),
                       ("big", "refs >= 2", "many refs"), ("silent", "quiet > 1", "never")], default=None,
                      needs_evidence=True, value_format=lambda v: [f"<{x}>" for x in v])
    out = flags.evaluate_all(frame)
    assert list(out.columns) == ["big", "benchmark", "silent", "reason"]
    assert out["big"].tolist() == [True, False, True] and out["benchmark"].tolist() == [True, False, False]
    assert not out["silent"].any() and out.attrs["rules_without_evidence"] == ["silent: quiet > 1"]
    assert out.loc["a", "reason"] == "big: top spend (spend=<0.956>); benchmark: refs=<2>; big: many refs"
    assert out.loc["b", "reason"] == "" and out.loc["c", "reason"] == "big: top spend (spend=<0.99>)"
    # the styler sees numeric columns only, never {label}
    assert RuleTable([("x", "True", "{label}")], default=None, value_format=lambda v: ["?"] * len(v)).evaluate(
        frame)["reason"].tolist() == ["x"] * 3


def test_resolve_thresholds_warns_for_the_old_keyword_spelling():
    with pytest.warns(DeprecationWarning, match=r"thresholds=\{'a': 2\}"):
        assert resolve_thresholds({"a": 1, "b": 1}, None, "f", old={"a": 2}) == {"a": 2, "b": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_thresholds({"a": 1}, {"a": 3}, "f") == {"a": 3}


# --- same results as the code the rules replaced -----------------------------------
# The references below are the rule code of main before the move (commit e813153), kept
# verbatim so that the engine is compared with it on the shipped data and on generated bases.

def _old_lifecycle(base, as_of, p):
    b, ts = L._as_base(base, as_of, "reference")
    ev = L._evidence(b, ts, contact_days=p["recent_days"], lead_days=None, late_stage=None, func="reference")
    n = ev["n_orders"]
    active = ev["days_since_last"] <= p["active_days"]
    advocacy = (ev["referrals_made"] > 0) | (ev["last_recommend"] >= p["advocate_score"])
    loyal = (n >= p["loyal_min_orders"]) & advocacy
    registered = ev["acquisition_date"].notna() if "acquisition_date" in ev else pd.Series(False, index=ev.index)
    recent_reg = registered & ((ts.normalize() - ev.get("acquisition_date", pd.Series(pd.NaT, index=ev.index))).dt.days
                               < p["recent_days"])
    conditions = [(L.LAPSED, (n > 0) & ~active), ("loyalty", loyal), ("retention", n >= 2), ("conversion", n == 1),
                  ("acquisition", recent_reg)]
    chosen = np.select([c.to_numpy(dtype=bool) for _, c in conditions], [s for s, _ in conditions],
                       default=L.LIFECYCLE_STAGES[0])
    stage = pd.Series(pd.Categorical(chosen, categories=list(L.LIFECYCLE_STAGES) + [L.LAPSED], ordered=True),
                      index=ev.index)
    since = ev["days_since_last"].astype("Int64").astype(str)
    span = ev["span_days"].astype("Int64").astype(str)
    rec = ev["last_recommend"].map(lambda v: "no survey" if pd.isna(v) else f"recommend {int(v)}")
    text = (n.astype(str) + " orders, last " + since + " days ago, span " + span + " days; "
            + ev["referrals_made"].astype(str) + " referrals (" + ev["referred_buyers"].astype(str) + " bought); " + rec)
    text = text.where(~(n == 0), ev["source"] + ", no order; " + ev["recent_contacts"].astype(str) + " recent contacts")
    furthest = np.select([loyal, n >= 2, n == 1, registered], ["loyalty", "retention", "conversion", "acquisition"],
                         default="reach")
    furthest = pd.Series(pd.Categorical(furthest, categories=L.LIFECYCLE_STAGES, ordered=True), index=ev.index)
    return pd.DataFrame({"stage": stage, "furthest": furthest, "reason": stage.astype(str) + ": " + text}).sort_index()


def _old_rfm_segments(scores, table=RFM_SEGMENTS):
    bins, scale = int(scores.attrs.get("bins", 5)), int(table.attrs.get("scale", 5))

    def rescale(s):
        return np.floor(1 + (s.to_numpy(dtype=float) - 1) * (scale - 1) / (bins - 1) + 0.5).astype(int)

    r, f = rescale(scores["R"]), rescale(scores["F"])
    segment = np.full(len(scores), None, dtype=object)
    action = np.full(len(scores), None, dtype=object)
    for row in table.itertuples(index=False):
        hit = (segment == None) & (row.r_min <= r) & (r <= row.r_max) & (row.f_min <= f) & (f <= row.f_max)  # noqa: E711
        segment[hit] = row.segment
        action[hit] = row.action
    return segment, action


_THRESHOLDS = [None, {"active_days": 90, "recent_days": 30, "loyal_min_orders": 2, "advocate_score": 7}]


@pytest.fixture(scope="module")
def bases():
    out = {name: playbook.load_dataset(name) for name in ("retail", "b2b")}
    for s in range(5):
        out[f"retail seed {s}"] = generate("retail", n_customers=800, seed=s)
    for s in range(2):
        out[f"b2b seed {s}"] = generate("b2b", n_customers=300, seed=s)
    return out


def test_lifecycle_stages_and_reasons_are_unchanged(bases):
    compared = 0
    for name, base in bases.items():
        for as_of in (None, "2024-12-31"):
            for p in _THRESHOLDS:
                new = L.lifecycle_stage(base, as_of, thresholds=p)
                old = _old_lifecycle(base, as_of, {**L.LIFECYCLE_DEFAULTS, **(p or {})})
                pd.testing.assert_series_equal(new["stage"], old["stage"], check_names=False, obj=f"{name} {as_of} {p}")
                for col in ("furthest", "reason"):
                    pd.testing.assert_series_equal(new[col], old[col], check_names=False, obj=f"{name} {as_of} {p}")
                compared += len(new)
        assert new["stage"].nunique() >= 3  # the comparison sees several rules fire
    assert compared > 20_000


def test_rfm_segments_are_unchanged(bases):
    edited = RFM_SEGMENTS.iloc[[9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10]].reset_index(drop=True)  # "lost" moved first
    edited.attrs["scale"] = 5
    for name, base in bases.items():
        for kwargs in ({}, {"bins": 3}, {"bins": 7, "ties": "first"}):
            scores = rfm_scores(base, **kwargs)
            for table in (RFM_SEGMENTS, edited):
                new = rfm_segments(scores, table)
                segment, action = _old_rfm_segments(scores, table)
                assert new["segment"].astype(object).tolist() == list(segment), (name, kwargs)
                assert new["action"].tolist() == list(action), (name, kwargs)


def _old_formation(base, as_of, p):
    """formation_stage before the engine: eight np.select conditions and a reason built by concatenation."""
    base, ts = L._as_base(base, as_of, "formation_stage")
    ev = L._evidence(base, ts, contact_days=p["prospect_days"], lead_days=p["lead_days"], late_stage=p["late_stage"],
                     func="formation_stage")
    n = ev["n_orders"]
    active = ev["days_since_last"] <= p["active_days"]
    relation = ev["relation"] if "relation" in ev else pd.Series(None, index=ev.index, dtype=object)
    partner_rel = relation.astype(object).isin(list(p["partner_relations"]))
    lead_prospect = ev["lead_prospect"] if "lead_prospect" in ev else pd.Series(False, index=ev.index)
    conditions = [
        ("partner", (n > 0) & partner_rel),
        (L.LAPSED, (n > 0) & ~active),
        ("strategic_partner", (n >= 2) & (ev["referred_buyers"] > 0)),
        ("advocate", (n >= 2) & ((ev["last_recommend"] >= p["advocate_score"]) | (ev["referrals_made"] > 0))),
        ("long_term", (n >= 2) & (ev["span_days"] >= p["long_term_days"])),
        ("repeat", n >= 2),
        ("first_purchase", n == 1),
        ("prospect", (ev["recent_contacts"] > 0) | ev["late_open_deal"] | lead_prospect),
    ]
    stage = pd.Series(np.select([c.to_numpy(dtype=bool) for _, c in conditions], [s for s, _ in conditions],
                                default=L.FORMATION_STAGES[0]), index=ev.index)
    since = ev["days_since_last"].astype("Int64").astype(str)
    span = ev["span_days"].astype("Int64").astype(str)
    rec = ev["last_recommend"].map(lambda v: "no survey" if pd.isna(v) else f"recommend {int(v)}")
    text = (n.astype(str) + " orders, last " + since + " days ago, span " + span + " days; "
            + ev["referrals_made"].astype(str) + " referrals (" + ev["referred_buyers"].astype(str) + " bought); " + rec)
    text = text.where(n > 0, ev["source"] + ", no order; " + ev["recent_contacts"].astype(str) + " recent contacts")
    return pd.DataFrame({"stage": stage, "reason": stage + ": " + text}).sort_index()


_FORMATION_THRESHOLDS = [None, {"active_days": 90, "long_term_days": 200, "advocate_score": 7, "prospect_days": 30,
                                "lead_days": 60, "late_stage": "project_evaluation", "partner_relations": ("agent",)}]


def test_formation_stages_and_reasons_are_unchanged(bases):
    seen = set()
    for name, base in bases.items():
        for as_of in (None, "2024-06-30"):
            for p in _FORMATION_THRESHOLDS:
                new = L.formation_stage(base, as_of, thresholds=p)
                old = _old_formation(base, as_of, {**L.FORMATION_DEFAULTS, **(p or {})})
                assert new["stage"].astype(str).tolist() == old["stage"].tolist(), (name, as_of, p)
                assert new["reason"].tolist() == old["reason"].tolist(), (name, as_of, p)
                seen |= set(old["stage"])
    assert seen == set(L.FORMATION_STAGES) | {L.LAPSED}  # every rule fired somewhere


def test_formation_rules_print_what_formation_stage_evaluates():
    shown = L.formation_rules(thresholds={"long_term_days": 500, "partner_relations": ("agent",)})
    assert shown["stage"].tolist() == ["partner", L.LAPSED, "strategic_partner", "advocate", "long_term", "repeat",
                                       "first_purchase", "prospect", "imagined"]
    assert shown.loc[1, "condition"] == "n_orders > 0 and relation in ['agent']"
    assert shown.loc[5, "condition"] == "n_orders >= 2 and span_days >= 500"
    assert shown.loc[9, "condition"] == "True"
    table = L._FORMATION_RULES.table(L._listed(L._formation_thresholds({"long_term_days": 500}, {}, "test")))
    assert (table["condition"].tolist() == L.formation_rules(thresholds={"long_term_days": 500})["condition"].tolist())
    with pytest.warns(DeprecationWarning, match=r"thresholds=\{'long_term_days': 500\}"):
        old = L.formation_rules(long_term_days=500)
    pd.testing.assert_frame_equal(old, L.formation_rules(thresholds={"long_term_days": 500}))
    with pytest.raises(InvalidArgumentError, match="unknown rule parameter.*long_days"):
        L.formation_rules(thresholds={"long_days": 5})


# --- strategies ---------------------------------------------------------------------------
# recommend_strategies runs STRATEGY_TABLE through the engine; _old_recommend is the evaluator
# strategy.py had before (conditions with the numbers written in, reasons filled row by row).

def _old_recommend(profile, lang, protect_risk=50, enhance_risk=30):
    from playbook.i18n import label
    from playbook.strategy import STRATEGY_TABLE

    class Missing:
        def __format__(self, spec):
            return "n/a"

    table = STRATEGY_TABLE
    rule = np.full(len(profile), -1)
    for i, cond in enumerate(table["condition"]):
        cond = cond.format(protect_risk=protect_risk, enhance_risk=enhance_risk)
        hit = np.ones(len(profile), bool) if cond == "True" else profile.eval(cond, engine="python")
        hit = np.asarray(pd.Series(hit, index=profile.index).fillna(False), dtype=bool)
        rule[(rule < 0) & hit] = i
    records = profile.assign(tier_zh=profile["tier"].astype(str).map(lambda t: label(t, "zh")),
                             stage_zh=profile["stage"].astype(str).map(lambda s: label(s, "zh"))).to_dict("records")
    reasons = [table[f"reason_{lang}"].iloc[r].format(**{k: Missing() if isinstance(v, float) and v != v else v
                                                          for k, v in row.items()})
               for r, row in zip(rule, records)]
    return table["strategy"].to_numpy()[rule], rule, reasons


def test_recommend_strategies_is_unchanged_on_the_engine(bases):
    from playbook.strategy import customer_profile, recommend_strategies

    for name in ("retail", "b2b", "retail seed 0", "retail seed 1", "retail seed 2", "b2b seed 0", "b2b seed 1"):
        profile = customer_profile(bases[name])
        for lang in ("en", "zh"):
            for p in (None, {"protect_risk": 60}, {"protect_risk": 20, "enhance_risk": 50}):
                new = recommend_strategies(profile, lang=lang, thresholds=p)
                strategy, rule, reasons = _old_recommend(profile, lang, **(p or {}))
                assert new["strategy"].astype(str).tolist() == list(strategy), (name, lang, p)
                assert new["rule"].tolist() == list(rule), (name, lang, p)  # counted from 0, like STRATEGY_TABLE's index
                assert new["reason"].tolist() == reasons, (name, lang, p)
        assert new["strategy"].nunique() >= 4, name  # several rules fire


def test_strategy_thresholds_move_customers_and_unknown_ones_are_refused(bases):
    from playbook.strategy import STRATEGY_TABLE, customer_profile, recommend_strategies

    profile = customer_profile(bases["retail"])
    default = recommend_strategies(profile)["strategy"].astype(str)
    assert (recommend_strategies(profile, thresholds={"protect_risk": 50})["strategy"].astype(str) == default).all()
    lower = recommend_strategies(profile, thresholds={"protect_risk": 0})["strategy"].astype(str)
    assert (lower == "protect").sum() > (default == "protect").sum()
    # the same change written into an edited table gives the same answer
    edited = STRATEGY_TABLE.copy()
    edited["condition"] = edited["condition"].str.replace("{protect_risk}", "0", regex=False)
    assert (recommend_strategies(profile, edited)["strategy"].astype(str) == lower).all()
    with pytest.raises(InvalidArgumentError, match="protect_risk"):
        recommend_strategies(profile, thresholds={"protect": 60})


def test_a_printed_and_edited_table_can_be_evaluated(table, customers):
    edited = table.table()
    edited.loc[1, "condition"] = "days_since_last > 500"  # a learner loosens the first rule
    mine = RuleTable(edited.iloc[:-1], default=edited["label"].iloc[-1], default_reason=edited["reason"].iloc[-1])
    assert mine.evaluate(customers)["label"].tolist() == ["fan", "fan", "new", "new"]
    assert table.evaluate(customers)["label"].tolist() == ["lapsed", "fan", "new", "new"]  # the original is untouched
