"""The API contract every public analysis keeps, checked generically (in the spirit of
scikit-learn's ``check_estimator``); the contract is written in ``docs/architecture.md``.

Every public function and class of ``playbook.__all__`` and the topic modules is
classified below: a per-customer analysis (data first, then ``as_of``), an evaluation
(reads what happened after ``as_of`` on purpose), or something else (calculators, rule
tables, helpers on derived tables). A new public name fails :func:`test_every_public_name_is_classified`
until it is put in one of the three.

Each analysis is checked against each rule of :data:`RULES`. Where one does not keep a rule
yet, it is listed in :data:`KNOWN_EXCEPTIONS` with the reason; that list must shrink: a
listed function that now keeps the rule fails the test until it is taken off the list.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import i18n
from playbook.errors import PlaybookError
from playbook.synth import generate

TOPIC_MODULES = ("data", "segment", "rfm", "lifecycle", "customer_types", "influence", "satisfaction", "churn",
                 "value", "strategy", "accounts", "economics", "rules")
AS_OF = "2025-06-30"
EARLIER = "2024-12-31"


@dataclass(frozen=True)
class Spec:
    """How to call one analysis: on which generated base, with which extra arguments."""

    base: str = "retail"
    #: The one table the analysis also accepts instead of a base (None: a base only).
    table: str | None = None
    #: Extra positional arguments after the data, computed from the base.
    args: Callable = lambda base: ()
    #: How the date reaches the function, for those that do not take ``as_of`` yet.
    call: Callable | None = None
    kwargs: dict = field(default_factory=dict)


def _first_customers(n):
    return lambda base: ([str(c) for c in base.orders.loc[base.orders.order_date <= AS_OF, "customer_id"].unique()[:n]],)


def _referrers(base):
    return ([str(c) for c in base.referrals.loc[base.referrals.referred_at <= AS_OF, "referrer_id"].unique()[:2]],)


def _key_account(base):
    return (str(base.orders.loc[base.orders.order_date <= AS_OF, "customer_id"].iloc[0]),)


ANALYSES: dict[str, Spec] = {
    "data.summarize": Spec(table="orders"),
    "data.timeline": Spec(args=_key_account),
    "segment.pareto_table": Spec(table="orders"),
    "segment.abc_classes": Spec(table="orders"),
    "segment.concentration": Spec(table="orders"),
    "segment.assign_tiers": Spec(table="orders"),
    "segment.tiers_at": Spec(table="orders"),
    "segment.prospect_levels": Spec(table="orders"),
    "segment.loss_impact": Spec(table="orders", args=_first_customers(2)),
    "segment.tier_migration": Spec(table="orders", call=lambda f, data, as_of, *a, **k: f(data, EARLIER, as_of, **k)),
    "segment.accounts_share_by_period": Spec(table="orders", args=_first_customers(2)),
    "rfm.rfm_scores": Spec(table="orders"),
    "lifecycle.lifecycle_stage": Spec(table="orders"),
    "lifecycle.formation_stage": Spec(),
    "lifecycle.stage_flow": Spec(call=lambda f, data, as_of, *a, **k: f(data, EARLIER, as_of, **k)),
    "lifecycle.cohort_table": Spec(table="orders"),
    "customer_types.behaviour_evidence": Spec(table="orders"),
    "customer_types.buyer_consumer_split": Spec(table="orders"),
    "influence.referral_graph": Spec(table="referrals"),
    "influence.opinion_leaders": Spec(),
    "influence.core_vs_biggest": Spec(),
    "influence.reach_of_loss": Spec(args=_referrers),
    "satisfaction.satisfaction_indicators": Spec(),
    "satisfaction.complaint_timeline": Spec(table="complaints"),
    "satisfaction.complaint_summary": Spec(),
    "churn.churn_signals": Spec(table="orders"),
    "churn.p_alive_from_btyd": Spec(),
    "churn.naive_rule": Spec(table="orders"),
    "churn.survival_by_segment": Spec(),
    "churn.replay_warnings": Spec(call=lambda f, data, as_of, *a, **k: f(data, [as_of], **k)),
    "churn.concentration_alarm": Spec(base="b2b", call=lambda f, data, as_of, *a, **k: f(data, ["2025Q2"], **k)),
    "economics.retention_by_period": Spec(),
    "economics.empirical_retention": Spec(),
    "strategy.customer_profile": Spec(),
    "strategy.switching_cost": Spec(),
    "strategy.contact_plan": Spec(),
    "strategy.overdue_contacts": Spec(),
    "strategy.action_list": Spec(),
    "strategy.action_list_with_inputs": Spec(),
    "accounts.pipeline": Spec(base="b2b"),
    "accounts.stage_conversion": Spec(base="b2b"),
    "accounts.trigger_events": Spec(base="b2b"),
    "accounts.lead_pool": Spec(base="b2b"),
    "accounts.rep_load": Spec(base="b2b"),
    "accounts.channel_effectiveness": Spec(base="b2b"),
    "accounts.channel_conversion": Spec(base="b2b"),
    "accounts.channel_wear_out": Spec(base="b2b"),
    "accounts.competitor_comparison": Spec(base="b2b"),
    "accounts.account_manager_report": Spec(base="b2b"),
    "accounts.key_account_scorecard": Spec(base="b2b"),
    "accounts.stakeholder_map": Spec(base="b2b", args=_key_account, call=lambda f, data, as_of, *a, **k: f(data, *a, **k)),
    "accounts.stakeholder_coverage": Spec(base="b2b", call=lambda f, data, as_of, *a, **k: f(data, **k)),
    "accounts.praise_and_conversion": Spec(base="b2b", call=lambda f, data, as_of, *a, **k: f(data, **k)),
    "accounts.deal_recap": Spec(base="b2b"),
    "accounts.key_account_system": Spec(base="b2b"),
    "value.expected_margin": Spec(table="orders"),
    "economics.customer_growth": Spec(table="orders"),
    "strategy.relationship_ties": Spec(),
}

#: Read what happened after a date on purpose: they score a method against later events.
EVALUATIONS = {
    "satisfaction.index_vs_repurchase": "scores the satisfaction index against orders after as_of and the hidden truth",
    "satisfaction.satisfaction_and_repurchase": "repurchase in the horizon after as_of is the outcome it measures",
    "satisfaction.open_complaint_effect": "compares what customers did after as_of with and without an open complaint",
    "satisfaction.care_before_exit": "looks back from exit dates that come from truth",
    "satisfaction.complaint_speed_effect": "repurchase in the horizon after as_of is the outcome it measures",
    "churn.signal_hit_rates": "scores signals against the hidden truth",
    "churn.truth_survival": "reads the true dropout dates and the orders after as_of (the yardstick of survival_by_segment)",
    "churn.evaluate_warnings": "scores warnings against the hidden truth",
    "value.calibration_holdout": "splits orders into calibration and a later holdout",
    "strategy.simulate_programs": "runs programs forward on the latent model of a synthetic base",
    "strategy.program_intervals": "runs programs forward on the latent model of a synthetic base, many times",
}

#: Public names that take no customer base: calculators, rule tables, derived tables, I/O.
OTHER = {
    # numbers and rule tables
    "segment.top_share", "segment.gini", "segment.tier_policy", "rfm.score_quantiles", "rfm.segment_label",
    "lifecycle.lifecycle_rules", "lifecycle.formation_rules", "strategy.strategy_rules", "lifecycle.stage_order", "customer_types.rules_table",
    "customer_types.TypeRule", "rules.RuleTable", "rules.fill_reasons", "rules.literal", "rules.resolve_thresholds",
    "value.simple_clv", "value.customer_lifetime_value", "customer_types.rule_table", "economics.cohort_profit",
    "economics.acquisition_vs_retention", "economics.retention_sensitivity", "churn.kaplan_meier",
    # take the table an analysis returned
    "segment.lead_levels", "rfm.rfm_segments", "rfm.segment_summary", "customer_types.classify_types",
    "customer_types.classify_flags", "customer_types.classify_orientation", "satisfaction.satisfaction_index",
    "churn.signal_strengths", "churn.churn_risk", "strategy.recommend_strategies", "strategy.neutralise_formulas",
    "accounts.assign_leads", "value.clv_table", "value.frequency_recency_matrix", "value.holdout_comparison",
    "value.holdout_scores", "value.probability_alive_matrix",
    # scores against truth, models, results
    "customer_types.score_against_truth", "customer_types.TypeScores", "influence.precision_at_k",
    "value.BetaGeoFitter", "value.GammaGammaFitter",
    # the churn model: fitted on the past before as_of (tests/test_churn.py checks it reads nothing later)
    "churn.ChurnModel", "churn.fit_churn_model",
    # compares a program group with a random holdout after the program (an experiment's read-out)
    "strategy.program_holdout_test",
    # data model, I/O and the helpers every analysis uses
    "data.CustomerBase", "data.load_dataset", "data.copy_base", "data.dataset_names", "data.dataset_path",
    "data.read_dataset", "data.write_dataset", "output.atomic_folder", "data.to_timestamp", "data.end_of_day",
    "data.resolve_as_of", "data.table_of", "data.check_data", "data.require_columns", "data.validate_orders", "data.check_column",
    "strategy.export_action_list", "byod.from_orders", "byod.suggest_mapping", "course.course_map",
    "errors.PlaybookError", "errors.InvalidArgumentError", "errors.DataValidationError", "errors.MissingTableError",
    "errors.ModelNotFittedError", "errors.FitWarning",
}

_SELECTION = ("its second argument (quarters, customer ids) says what to look at and notebooks pass it by position; "
              "it should become a required argument, not an option with a default")
_NO_AS_OF = "takes no as_of yet"

#: (function, rule) -> why it does not keep the rule yet. Must shrink; see the module docstring.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    **{(name, rule): _NO_AS_OF + why for name, why in {
        "churn.replay_warnings": ": replays at a list of dates",
        "churn.concentration_alarm": ": replays a list of quarters",
        "accounts.stakeholder_map": ": contacts have no date",
        "accounts.stakeholder_coverage": ": contacts have no date",
        "accounts.praise_and_conversion": ": reads the lead pool as given",
    }.items() for rule in ("as_of_after_data", "bad_as_of_raises_kit_error")},
    ("churn.concentration_alarm", "options_keyword_only"): _SELECTION,
    ("accounts.stakeholder_coverage", "options_keyword_only"): _SELECTION,
}


def _public_names() -> dict[str, object]:
    found = {}
    sources = [(playbook, playbook.__all__)] + [
        (m, m.__all__) for m in (importlib.import_module(f"playbook.{t}") for t in TOPIC_MODULES)]
    for module, names in sources:
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{obj.__module__.split('.')[-1]}.{obj.__name__}"] = obj
    return found


PUBLIC = _public_names()


def test_every_public_name_is_classified():
    classified = set(ANALYSES) | set(EVALUATIONS) | OTHER
    assert not set(PUBLIC) - classified, f"classify these public names: {sorted(set(PUBLIC) - classified)}"
    assert not classified - set(PUBLIC), f"no longer public, drop them here: {sorted(classified - set(PUBLIC))}"
    assert not set(ANALYSES) & (set(EVALUATIONS) | OTHER)
    listed = {name for name, _ in KNOWN_EXCEPTIONS}
    assert listed <= set(ANALYSES) | set(PUBLIC), sorted(listed - set(PUBLIC))


# ----------------------------------------------------------------------------- the data

_BASES: dict[str, playbook.CustomerBase] = {}
_RESULTS: dict[str, object] = {}


def _base(kind: str) -> playbook.CustomerBase:
    if kind not in _BASES:
        _BASES[kind] = generate(kind, n_customers=300 if kind == "retail" else 120, seed=0)
    return _BASES[kind]


def _with_late_orders(base: playbook.CustomerBase) -> playbook.CustomerBase:
    """``base`` plus copies of 40 known orders dated after AS_OF, with big amounts."""
    orders = base.orders
    late = orders.loc[orders.order_date <= AS_OF].sample(n=40, random_state=0).copy()
    late["order_date"] = pd.Timestamp(AS_OF) + pd.to_timedelta(np.arange(1, 41), unit="D") + pd.Timedelta(hours=10)
    late["amount"] = late["amount"] * 50
    if "margin" in late:
        late["margin"] = late["margin"] * 50
    if "order_id" in late:
        late["order_id"] = [f"LATE{i:04d}" for i in range(len(late))]
    both = pd.concat([orders, late], ignore_index=True)
    for col in orders.columns:
        if isinstance(orders[col].dtype, pd.CategoricalDtype) and not isinstance(both[col].dtype, pd.CategoricalDtype):
            both[col] = both[col].astype("category")
    return dataclasses.replace(base, orders=both)


def _call(name: str, data, as_of=AS_OF, **kwargs):
    spec = ANALYSES[name]
    func = PUBLIC[name]
    args = spec.args(_base(spec.base))
    if spec.call is not None:
        return spec.call(func, data, as_of, *args, **kwargs)
    return func(data, *args, as_of=as_of, **{**spec.kwargs, **kwargs})


def _result(name: str, table: bool = False):
    """``(result, what the call changed in its input or None)`` of the analysis on its base
    (or, with ``table``, on the one table it names), computed once per session."""
    key = (name, table)
    if key not in _RESULTS:
        base = playbook.data.copy_base(_base(ANALYSES[name].base))
        data = getattr(base, ANALYSES[name].table) if table else base
        before = data.copy(deep=True) if table else playbook.data.copy_base(base)
        result = _call(name, data)
        changed = None
        if table:
            changed = _difference(before, data)
        else:
            changed = next((f"{t}: {d}" for t, df in before.items() if (d := _difference(df, getattr(base, t)))), None)
        _RESULTS[key] = (result, changed)
    return _RESULTS[key]


def _difference(a, b) -> str | None:
    """None when ``a`` and ``b`` hold the same values; else a short description."""
    if isinstance(a, tuple):
        for x, y in zip(a, b):
            if (d := _difference(x, y)) is not None:
                return d
        return None
    try:
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_like=False)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b)
        elif hasattr(a, "edges"):
            assert sorted(a.edges) == sorted(b.edges)
        elif isinstance(a, float):
            assert a == pytest.approx(b, nan_ok=True)
        else:
            assert a == b
    except AssertionError as exc:
        return str(exc).splitlines()[0][:300] if str(exc) else "values differ"
    return None


def _error_names(call: Callable, param: str, func: str | None = None) -> str | None:
    """None when ``call`` raises a PlaybookError whose message names ``param``, or names the
    function ``func`` called and what it got instead ("Got int")."""
    try:
        call()
    except PlaybookError as exc:
        text = str(exc)
        if re.search(rf"\b{re.escape(param)}\b", text) or (func and re.search(rf"\b{func}\b", text) and "Got int" in text):
            return None
        return f"the message names neither {param!r} nor {func} and what it got: {exc}"
    except Exception as exc:  # noqa: BLE001 - any other error breaks the rule
        return f"raised {type(exc).__name__} (not a PlaybookError): {exc}"
    return "raised nothing"


# ----------------------------------------------------------------------------- the rules

def rule_as_of_after_data(name: str) -> str | None:
    """``as_of`` is a parameter right after the data (or after the data and ``since``, the
    earlier of two dates), or keyword-only."""
    params = list(inspect.signature(PUBLIC[name]).parameters.values())
    if "as_of" not in [p.name for p in params]:
        return "no as_of parameter"
    p = next(p for p in params if p.name == "as_of")
    if p.kind is p.KEYWORD_ONLY or params.index(p) == 1 or (params.index(p) == 2 and params[1].name == "since"):
        return None
    return f"as_of is parameter {params.index(p) + 1}, not right after the data"


def rule_options_keyword_only(name: str) -> str | None:
    """Every option with a default, after the data and the date, is keyword-only."""
    loose = [p.name for i, p in enumerate(inspect.signature(PUBLIC[name]).parameters.values())
             if i > 0 and p.name != "as_of" and p.default is not p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    return f"positional options: {loose}" if loose else None


def rule_accepts_base_and_table(name: str) -> str | None:
    """Runs on a CustomerBase, and on the one table it needs when it names one."""
    spec = ANALYSES[name]
    _result(name)
    if spec.table is not None:
        try:
            _result(name, table=True)
        except PlaybookError as exc:
            return f"refuses the {spec.table} table: {exc}"
    return None


def rule_no_events_after_as_of(name: str) -> str | None:
    """Orders dated after as_of do not change the result."""
    spec = ANALYSES[name]
    return _difference(_result(name)[0], _call(name, _with_late_orders(_base(spec.base))))


def rule_no_mutation(name: str) -> str | None:
    """The input base's tables are unchanged after the call (on the base, and on the table)."""
    changed = _result(name)[1]
    if changed is None and ANALYSES[name].table is not None:
        changed = _result(name, table=True)[1]
    return f"changed {changed}" if changed else None


def rule_bad_data_raises_kit_error(name: str) -> str | None:
    """Data that is neither a base nor a DataFrame: a PlaybookError naming the data argument."""
    param = next(iter(inspect.signature(PUBLIC[name]).parameters))
    return _error_names(lambda: _call(name, 42), param, name.split(".")[1])


def rule_bad_as_of_raises_kit_error(name: str) -> str | None:
    """An unreadable as_of: a PlaybookError naming as_of."""
    if "as_of" not in inspect.signature(PUBLIC[name]).parameters:
        return "no as_of parameter"
    return _error_names(lambda: _call(name, _base(ANALYSES[name].base), as_of="not a date"), "as_of")


def rule_lang_follows_i18n(name: str) -> str | None:
    """``lang=None`` by default, following i18n.use(); a bad lang is a PlaybookError naming lang."""
    params = inspect.signature(PUBLIC[name]).parameters
    if "lang" not in params:
        return None
    if params["lang"].default is not None:
        return f"lang defaults to {params['lang'].default!r}"
    base = _base(ANALYSES[name].base)
    before = i18n.get_language()
    try:
        i18n.use("zh")
        d = _difference(_call(name, base), _call(name, base, lang="zh"))
    finally:
        i18n.set_language(before)
    return d or _error_names(lambda: _call(name, base, lang="fr"), "lang")


RULES = {f.__name__.removeprefix("rule_"): f for f in (
    rule_as_of_after_data, rule_options_keyword_only, rule_accepts_base_and_table, rule_no_events_after_as_of,
    rule_no_mutation, rule_bad_data_raises_kit_error, rule_bad_as_of_raises_kit_error, rule_lang_follows_i18n)}


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", ANALYSES)
def test_contract(name, rule):
    problem = RULES[rule](name)
    if (name, rule) in KNOWN_EXCEPTIONS:
        assert problem is not None, (f"{name} now keeps the rule {rule!r}: remove it from KNOWN_EXCEPTIONS "
                                     f"({KNOWN_EXCEPTIONS[(name, rule)]})")
    else:
        assert problem is None, f"{name} breaks the rule {rule!r}: {problem}"


def test_lang_defaults_follow_i18n_everywhere():
    """Every public function with a lang parameter lets it default to None (follow i18n.use())."""
    fixed = {name: inspect.signature(obj).parameters["lang"].default for name, obj in PUBLIC.items()
             if inspect.isfunction(obj) and "lang" in inspect.signature(obj).parameters}
    assert fixed and all(v is None for v in fixed.values()), {k: v for k, v in fixed.items() if v is not None}


def test_known_exceptions_name_real_rules():
    assert {rule for _, rule in KNOWN_EXCEPTIONS} <= set(RULES)
    assert all(reason for reason in KNOWN_EXCEPTIONS.values())


def test_late_orders_helper_really_adds_late_orders():
    base = _base("retail")
    late = _with_late_orders(base)
    assert len(late.orders) == len(base.orders) + 40
    assert (late.orders.order_date > pd.Timestamp(AS_OF) + pd.Timedelta(days=1)).sum() > (
        base.orders.order_date > pd.Timestamp(AS_OF) + pd.Timedelta(days=1)).sum()
