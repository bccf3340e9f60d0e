"""The seven relationship strategies (七项客户管理策略), retention programs and follow-up cadence.

One strategy and reason per customer from an editable decision table; a program simulator on the latent model; switching costs; contact plans; an exportable action list.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .deprecation import keyword_only_after
from .data import CustomerBase, check_data, end_of_day, require_columns, resolve_as_of, summarize, validate_orders
from .errors import DataValidationError, InvalidArgumentError, MissingTableError
from .i18n import LABELS, label, register_labels, resolve_lang
from .rules import RuleTable, text_take
from .segment import TIERS
from .vocabulary import REP_CONTACT_KINDS, STRATEGIES

if TYPE_CHECKING:  # for the annotations only: the modules are imported where they are used
    from .churn import ChurnModel
    from .value import ClvFit

__all__ = [
    "STRATEGIES", "STRATEGY_TABLE", "PROGRAMS", "EXPENSIVE_CHANNELS", "CARE_CONTACT_KINDS",
    "CHURN_HORIZON_DAYS", "PROTECT_RISK", "ENHANCE_RISK", "STRATEGY_THRESHOLDS",
    "customer_profile", "recommend_strategies", "strategy_rules", "simulate_programs", "program_intervals", "program_holdout_test", "relationship_ties", "switching_cost",
    "contact_plan", "overdue_contacts", "action_list", "action_list_with_inputs", "export_action_list", "neutralise_formulas",
]

EXPENSIVE_CHANNELS = ("store", "direct_sales")
"""Channels that cost the most to serve through (a shop assistant's or a sales rep's time)."""
CARE_CONTACT_KINDS = REP_CONTACT_KINDS
"""Interaction kinds that count as a contact from our side in the follow-up plan."""

register_labels({
    "personal_assistant": ("Dedicated personal assistant", "专属导购"),
    "discount_day": ("Storewide 15% discount day", "全场八五折日"),
    "community_day": ("Monthly community service day", "每月社区服务日"),
    "platinum_status": ("Special status (platinum)", "特殊身份（白金）"),
    "loyalty_discount": ("Loyalty discount", "忠诚折扣"),
    "no_program": ("No program (baseline)", "无计划（基线）"),
    "program": ("Retention program", "客户保持计划"),
    "retained": ("Customers still active", "保持住的客户数"),
    "extra_retained": ("Extra customers kept vs baseline", "比基线多保持的客户数"),
    "cost_per_extra_retained": ("Program cost per extra customer kept", "每多保持一位客户的计划成本"),
    "net_margin": ("Margin after program cost", "扣除计划成本后的毛利"),
    "next_contact": ("Next contact date", "下次联系日期"),
    "overdue": ("Overdue contact", "逾期未联系"),
    "action_list": ("Action list", "行动清单"),
})


def _tier_names(lang: str) -> dict[str, str]:
    """``{tier: its name in lang}`` for the tiers of :func:`playbook.segment.assign_tiers`, from the label registry."""
    return {tier: label(tier, lang) for tier in TIERS}


CHURN_HORIZON_DAYS = 180
"""Prediction window of the churn model behind the profile's ``risk``: 100 x P(no order in the next 180 days)."""
PROTECT_RISK = 50
"""An important customer is protected from this risk: the model finds no order in the next 180 days
more likely than not (the model's own warning threshold in :func:`playbook.churn.churn_risk`)."""
ENHANCE_RISK = 30
"""A satisfied customer is enhanced below this risk: at least 7 chances in 10 to order again within 180 days."""

# The reason each rule gives, in both languages, in the label registry (``strategy.reason.<strategy>``):
# str.format templates filled with the customer's profile values plus tier_zh and stage_zh.
register_labels({
    "strategy.reason.build": (
        "new relationship (stage: {stage}): build it with a welcome and a second purchase",
        "关系刚开始（阶段：{stage_zh}），通过欢迎和促成第二次购买来建立关系"),
    "strategy.reason.win_back": (
        "a {tier} customer (revenue {revenue:,.0f}) silent for {days_since_last:.0f} days: win back and ask why they left",
        "曾是{tier_zh}（销售额 {revenue:,.0f}），已 {days_since_last:.0f} 天未购买：设法重新赢得并了解离开原因"),
    "strategy.reason.end": (
        "{tier} customer, {days_since_last:.0f} days without an order, margin last year {margin_365:,.0f}: stop spending on it",
        "{tier_zh}，{days_since_last:.0f} 天无订单，近一年毛利 {margin_365:,.0f}：结束投入"),
    "strategy.reason.protect": (
        "{tier} customer worth {revenue_365:,.0f} last year at churn risk {risk:.0f}: protect against competitors",
        "{tier_zh}，近一年销售额 {revenue_365:,.0f}，流失风险 {risk:.0f}：重点保护，防止被竞争对手抢走"),
    "strategy.reason.enhance": (
        "{tier} customer, satisfaction {satisfaction}, risk {risk:.0f}: room to grow by upselling and cross-selling",
        "{tier_zh}，满意度 {satisfaction}，流失风险 {risk:.0f}：通过追加销售和交叉销售增强关系"),
    "strategy.reason.re_engineer": (
        "{tier} customer served {expensive_channel_share:.0%} through costly channels: move to cheaper automated ones",
        "{tier_zh}，{expensive_channel_share:.0%} 的订单走高成本渠道：改用更便宜的自动化渠道服务"),
    "strategy.reason.harvest": (
        "{tier} customer, stable at low cost (risk {risk:.0f}): harvest the cash flow to fund new customers",
        "{tier_zh}，稳定且服务成本低（流失风险 {risk:.0f}）：收获现金流，用于开发新客户"),
})

STRATEGY_TABLE = pd.DataFrame(
    [
        (strategy, condition, *LABELS[f"strategy.reason.{strategy}"])
        for strategy, condition in [
            ("build", "stage in ['imagined', 'prospect', 'first_purchase']"),
            ("win_back", "stage == 'lapsed' and tier in ['key', 'important']"),
            ("end", "stage == 'lapsed' or margin_365 < 0"),
            ("protect", "tier == 'key' or (tier == 'important' and risk >= {protect_risk})"),
            ("enhance", "tier == 'important' or (satisfaction >= 4 and risk < {enhance_risk})"),
            ("re_engineer", 'expensive_channel_share >= 0.5'),
            ("harvest", 'True'),
        ]
    ],
    columns=["strategy", "condition", "reason_en", "reason_zh"],
)
"""The decision table: ordered rules, the first whose ``condition`` holds wins.

``condition`` is a :meth:`pandas.DataFrame.eval` expression on the columns of
:func:`customer_profile` (a comparison with a missing value is False); ``{protect_risk}``
and ``{enhance_risk}`` in it are thresholds (:data:`STRATEGY_THRESHOLDS`), changed with
``recommend_strategies(profile, thresholds={"protect_risk": 60})``. The reason
templates are ``str.format`` texts filled with the customer's profile values plus
``tier_zh`` and ``stage_zh``. Copy it, edit rows, and pass it as ``table=``; keep a last
``"True"`` rule so every customer gets a strategy. The rules are evaluated by
:class:`playbook.rules.RuleTable`, the kit's one rule engine.

``risk`` is on the churn model's scale, 100 x P(no order in the next 180 days)
(:func:`customer_profile`). The cut-offs: an important customer is protected from
:data:`PROTECT_RISK` (50: more likely than not to go six months without an order, the
model's own warning threshold; in the kit's small retail shops it takes about a quarter to
a half of the important customers the rule sees, while the backtest's base rate among all
active customers is near 70, because most active customers buy rarely); a satisfied customer is enhanced below
:data:`ENHANCE_RISK` (30: at least 7 chances in 10 to order again). When the model cannot
be fitted the profile falls back to the rule score, on which the same numbers were the
table's original cut-offs. Judged against the truth over five shops, the risk-picked
*protect* list catches future leavers no better than the same number of important
customers picked by days since the last order (notebook 10, ``tests/test_strategy.py``):
the model's risk for a regular customer is mostly their silence.
"""

STRATEGY_THRESHOLDS = {"protect_risk": PROTECT_RISK, "enhance_risk": ENHANCE_RISK}
"""The named numbers in :data:`STRATEGY_TABLE`'s conditions, with their defaults."""

PROGRAMS = pd.DataFrame(
    [
        ("no_program", "none", 0.0, 1.00, 1.00, 0.00, 0.00),
        ("personal_assistant", "key,important", 60.0, 0.60, 1.10, 0.00, 0.00),
        ("discount_day", "all", 1.0, 0.95, 1.05, 0.15, 0.30),
        ("community_day", "all", 8.0, 0.85, 1.00, 0.00, 0.00),
        ("platinum_status", "key", 40.0, 0.55, 1.05, 0.00, 0.00),
        ("loyalty_discount", "key,important", 0.0, 0.80, 1.05, 0.05, 1.00),
    ],
    columns=["program", "targets", "cost_per_customer", "dropout_factor", "rate_factor", "discount", "discount_reach"],
).set_index("program")
"""Assumptions of each retention program, one row per program (edit a copy and pass it).

- ``targets``: who gets it: ``"all"``, ``"none"`` or comma-separated tiers of
  :func:`playbook.segment.assign_tiers` (``"key,important"`` = the regulars);
- ``cost_per_customer``: money spent per targeted customer over the horizon (an
  assistant's time, 12 service days, status perks);
- ``dropout_factor``: multiplies each target's latent dropout probability (0.6 = 40% fewer
  drop-outs; the community day's 0.85 stands for "satisfaction up about 10%");
- ``rate_factor``: multiplies the latent purchase rate;
- ``discount``: price cut given away on the purchases it reaches, and ``discount_reach``:
  share of the targets' purchases that get it (the discount day reaches the ~30% bought on
  or moved to that day).
"""

_PROGRAM_COLUMNS = ("targets", "cost_per_customer", "dropout_factor", "rate_factor", "discount", "discount_reach")


# ----------------------------------------------------------------------------- helpers

def _base_and_date(base, as_of, func: str) -> tuple[CustomerBase, pd.Timestamp]:
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase (playbook.load_dataset(...)). Got {type(base).__name__}.")
    ts = resolve_as_of(base, as_of, func)
    validate_orders(base.orders, func)
    orders = base.orders
    if len(orders) == 0:
        raise DataValidationError(f"{func}: orders is empty; there is no customer to plan for.")
    if (orders["order_date"] <= end_of_day(ts)).sum() == 0:
        raise DataValidationError(
            f"{func}: as_of={ts.date()} is before the first order ({orders['order_date'].min().date()}); no customer is known yet.")
    return base, ts


def _known_orders(base: CustomerBase, ts: pd.Timestamp) -> pd.DataFrame:
    orders = base.orders
    return orders.loc[orders["order_date"] <= end_of_day(ts)]


def _tiers(orders: pd.DataFrame, ts: pd.Timestamp) -> pd.Series:
    from .segment import tiers_at

    return tiers_at(orders, ts)


def _table_or_none(base: CustomerBase, name: str):
    df = getattr(base, name, None)
    return df if isinstance(df, pd.DataFrame) else None


# ----------------------------------------------------------------------------- profile

@keyword_only_after(2)
def customer_profile(base: CustomerBase, as_of=None, *, lang: str | None = None) -> pd.DataFrame:
    """One row per customer who had ordered by ``as_of``: what the strategy rules read.

    Columns, and the tables they need:

    - ``tier`` (key/important/general, :func:`playbook.segment.assign_tiers` on all orders so
      far), ``revenue`` (all time), ``n_orders``, ``days_since_last``: ``orders``;
    - ``stage``: formation stage (:func:`playbook.lifecycle.formation_stage`), ``lapsed``
      after a year without orders; uses ``interactions``/``surveys``/``referrals`` if present;
    - ``risk`` (0-100) and ``risk_reasons``: :func:`playbook.churn.churn_risk` with
      ``method="auto"``: the model fitted on the base's own past, risk = 100 x P(no order in
      the next 180 days), or the rule score when the history is too short to fit it
      (``attrs["churn"]`` says which, see :func:`_churn_score_info`); its signals read
      complaints, care, surveys and deals when present;
    - ``revenue_365``, ``margin_365``: spend and gross margin in the 365 days to ``as_of``
      (``margin`` column of orders; NaN without it);
    - ``expensive_channel_share``: share of the last year's orders placed through
      :data:`EXPENSIVE_CHANNELS` (NaN without a ``channel`` column or recent orders);
    - ``complaints_365``: complaints opened in the last 365 days (0 without ``complaints``);
    - ``satisfaction``: latest survey score 1-5 by ``as_of`` (NaN without a survey).

    Parameters
    ----------
    base : CustomerBase
    as_of : date-like, optional
        Defaults to ``base.as_of``.
    lang : {"en", "zh"}, optional
        Language of ``risk_reasons``; by default the kit's language (:func:`playbook.i18n.use`).

    Returns
    -------
    DataFrame indexed by ``customer_id``; ``attrs["churn"]``: the churn score used
    (``method``, ``horizon_days``, ``threshold``, ``backtest_no_order_rate``, ``note``).

    Examples
    --------
    >>> import playbook
    >>> p = customer_profile(playbook.load_dataset("retail"))
    >>> sorted(p["tier"].astype(str).unique()), p.attrs["churn"]["method"], p.attrs["churn"]["horizon_days"]
    (['general', 'important', 'key'], 'model', 180)
    """
    lang = resolve_lang(lang, "customer_profile")
    base, ts = _base_and_date(base, as_of, "customer_profile")
    return _customer_profile(base, ts, lang)[0]


def _customer_profile(base: CustomerBase, ts: pd.Timestamp, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`customer_profile` and the churn-risk table it was built from (for callers that show both).

    Reads any base at the order level; :func:`_score_chunk` gets the same inputs for an
    orders-only base from its feature table, a chunk of customers at a time. Both hand them to :func:`_profile`."""
    from .churn import churn_risk, churn_signals
    from .lifecycle import formation_stage

    end = end_of_day(ts)
    orders = _known_orders(base, ts)
    summary = summarize(orders, ts)
    stage = formation_stage(base, ts)["stage"]
    # The backtested model when the shop's past can train it (risk = 100 x P(no order in the
    # next 180 days)), the rule score otherwise; the table's cut-offs read both (see STRATEGY_TABLE).
    risk = churn_risk(churn_signals(base, ts, horizon_days=CHURN_HORIZON_DAYS), lang=lang, method="auto")
    index = summary.index
    recent = orders.loc[orders["order_date"] > end - pd.Timedelta(days=365)]
    by = recent.groupby("customer_id")
    last_year = pd.DataFrame(index=index)
    last_year["revenue_365"] = by["amount"].sum().reindex(index, fill_value=0.0)
    last_year["margin_365"] = (by["margin"].sum().reindex(index, fill_value=0.0) if "margin" in orders.columns else np.nan)
    if "channel" in orders.columns:
        costly = recent["channel"].astype(str).isin(EXPENSIVE_CHANNELS)
        last_year["expensive_channel_share"] = costly.groupby(recent["customer_id"]).mean().reindex(index)
    else:
        last_year["expensive_channel_share"] = np.nan
    complaints = _table_or_none(base, "complaints")
    if complaints is not None and len(complaints):
        c = complaints.loc[(complaints["opened_at"] <= end) & (complaints["opened_at"] > end - pd.Timedelta(days=365))]
        last_year["complaints_365"] = c.groupby("customer_id").size().reindex(index, fill_value=0).astype(int)
    else:
        last_year["complaints_365"] = 0
    surveys = _table_or_none(base, "surveys")
    if surveys is not None and len(surveys):
        sv = surveys.loc[surveys["date"] <= end].sort_values("date", kind="stable")
        last_year["satisfaction"] = sv.groupby("customer_id")["satisfaction"].last().reindex(index).astype(float)
    else:
        last_year["satisfaction"] = np.nan
    return _profile(summary, stage, risk, last_year), risk


def _profile(summary: pd.DataFrame, stage: pd.Series, risk: pd.DataFrame, last_year: pd.DataFrame,
             tiers: pd.Series | None = None) -> pd.DataFrame:
    """The :func:`customer_profile` table from its inputs, however they were computed.

    ``summary``: the :func:`playbook.data.summarize` table at the review date (one row per known
    customer, the profile's index); ``stage``: the formation stage per customer; ``risk``: the
    :func:`playbook.churn.churn_risk` table; ``last_year``: indexed like ``summary``, the columns
    ``revenue_365``, ``margin_365``, ``expensive_channel_share``, ``complaints_365`` and
    ``satisfaction`` in that order; ``tiers``: :func:`playbook.segment.assign_tiers` of ``summary``
    when the caller has it already."""
    from .segment import assign_tiers

    out = pd.DataFrame(index=summary.index)
    out["tier"] = (assign_tiers(summary)["tier"] if tiers is None else tiers).reindex(out.index)
    out["stage"] = stage.astype(str).reindex(out.index)
    out["risk"] = risk["risk"].reindex(out.index).astype(float)
    if "reasons" in risk:  # a risk table scored without its texts (the lean scoring) gives a profile without them
        out["risk_reasons"] = risk["reasons"].reindex(out.index)
    out.attrs["churn"] = _churn_score_info(risk)
    out["revenue"] = summary["revenue"]
    out["n_orders"] = summary["n_orders"]
    out["days_since_last"] = summary["days_since_last"].astype(float)
    for col in ("revenue_365", "margin_365", "expensive_channel_share", "complaints_365", "satisfaction"):
        out[col] = last_year[col]
    return out


def _churn_score_info(risk: pd.DataFrame) -> dict:
    """Which churn score a :func:`playbook.churn.churn_risk` table holds, in plain values.

    ``{"method": "model" or "rules", "horizon_days": 180 or None, "threshold": ...,
    "backtest_no_order_rate": ..., "note": ...}``: ``horizon_days`` is the model's prediction
    window (None for the rule score, which predicts no horizon); ``backtest_no_order_rate`` the
    share of the backtest's active customers who then went that long without an order (the
    base rate the risk is read against; None for the rules); ``note`` says why the rules were
    used, if they were. Plain values, ready for a JSON summary.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"risk": [10.0]})
    >>> r.attrs = {"method": "model", "horizon_days": 180, "threshold": 50.0}
    >>> _churn_score_info(r)["method"], _churn_score_info(r)["horizon_days"]
    ('model', 180)
    """
    method = str(risk.attrs.get("method", "rules"))
    why = [n for n in risk.attrs.get("notes", []) if str(n).startswith("No churn model")]
    model = risk.attrs.get("model")
    info = {"method": method, "horizon_days": int(risk.attrs["horizon_days"]) if method == "model" else None,
            "threshold": float(risk.attrs.get("threshold", np.nan)),
            "backtest_no_order_rate": float(model.positive_rate) if method == "model" and model is not None else None}
    if method == "model":
        info["note"] = f"risk = 100 x P(no order in the next {info['horizon_days']} days), learned from the data's own past"
    else:
        info["note"] = why[0] if why else "risk = the hand-weighted rule score (0-100)"
    return info


# ----------------------------------------------------------------------------- strategies

def _check_table(table, func: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InvalidArgumentError(f"The 'table' parameter of {func} must be a DataFrame like STRATEGY_TABLE. Got {type(table).__name__}.")
    require_columns(table, ("strategy", "condition", "reason_en", "reason_zh"), func, table="the strategy table")
    if len(table) == 0:
        raise InvalidArgumentError(f"{func}: the strategy table has no rules; start from a copy of STRATEGY_TABLE.")
    bad = sorted(set(table["strategy"].astype(str)) - set(STRATEGIES))
    if bad:
        raise InvalidArgumentError(f"{func}: unknown strategy {bad[0]!r} in the table; use one of {', '.join(STRATEGIES)}.")
    return table.reset_index(drop=True)


def _strategy_rules(table: pd.DataFrame, lang: str) -> RuleTable:
    """``table`` (strategy, condition, reason_en, reason_zh) as a rule table in ``lang``; no default:
    the table's own last rule is its catch-all."""
    rules = table[["strategy", "condition", f"reason_{lang}"]].rename(
        columns={"strategy": "label", f"reason_{lang}": "reason"})
    return RuleTable(rules, default=None, thresholds=STRATEGY_THRESHOLDS, name="strategy")


def strategy_rules(thresholds: dict | None = None, *, table: pd.DataFrame = STRATEGY_TABLE, lang: str | None = None,
                   data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The strategy table as :func:`recommend_strategies` evaluates it: one row per rule, in order.

    The named numbers of the conditions (:data:`STRATEGY_THRESHOLDS`) are filled in, with
    ``thresholds`` overriding them, so a learner reads the rules exactly as they run. With
    ``data`` (a :func:`customer_profile` table), two counts are added per rule: ``holds``
    (customers the rule fits on its own) and ``decides`` (customers it labels, being the first
    rule that fits): a rule that holds for many but decides for few is shadowed by an earlier one.

    Parameters
    ----------
    thresholds : dict, optional
        e.g. ``{"protect_risk": 60}``.
    table : DataFrame
        A decision table shaped like :data:`STRATEGY_TABLE` (an edited copy).
    lang : {"en", "zh"}, optional
        Language of the reason templates.
    data : DataFrame, optional

    Returns
    -------
    DataFrame indexed by ``order`` (from 1) with ``strategy``, ``condition``, ``reason`` (and ``holds``, ``decides``).

    Examples
    --------
    >>> strategy_rules({"protect_risk": 60}).loc[4, "condition"]
    "tier == 'key' or (tier == 'important' and risk >= 60)"
    """
    func = "strategy_rules"
    lang = resolve_lang(lang, func)
    rules = _strategy_rules(_check_table(table, func), lang)
    out = rules.table(thresholds, data=data).rename(columns={"label": "strategy"})
    return out.drop(columns=[c for c in ("description",) if c in out and not out[c].astype(str).str.strip().any()])


def recommend_strategies(profile: pd.DataFrame, table: pd.DataFrame = STRATEGY_TABLE, lang: str | None = None, *,
                         thresholds: dict | None = None) -> pd.DataFrame:
    """Exactly one strategy per customer, with the reason, from an ordered decision table.

    Rules of ``table`` are tried in order; the first whose condition holds wins. The
    reason is the rule's template filled with the customer's values (missing ones read
    "n/a"). The rules are evaluated by :class:`playbook.rules.RuleTable`.

    Parameters
    ----------
    profile : DataFrame
        One row per customer, e.g. :func:`customer_profile`; needs the columns the
        conditions and templates name.
    table : DataFrame
        ``strategy``, ``condition``, ``reason_en``, ``reason_zh``; :data:`STRATEGY_TABLE` by default.
    lang : {"en", "zh"}, optional
        Language of the reason text; by default the kit's language (:func:`playbook.i18n.use`).
    thresholds : dict, optional
        Values for the named numbers in the conditions (:data:`STRATEGY_THRESHOLDS`), e.g.
        ``{"protect_risk": 60}``; unknown names are refused.

    Returns
    -------
    DataFrame indexed like ``profile`` with ``strategy`` (categorical in :data:`STRATEGIES`
    order), ``strategy_label``, ``rule`` (position of the rule that fired, from 0 like the
    table's index) and ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"tier": ["key", "general"], "stage": ["repeat", "lapsed"], "risk": [60.0, 90.0],
    ...                   "revenue": [900.0, 50.0], "revenue_365": [400.0, 0.0], "margin_365": [120.0, 0.0],
    ...                   "days_since_last": [20.0, 500.0], "expensive_channel_share": [0.1, 1.0],
    ...                   "satisfaction": [4.0, float("nan")]}, index=["A", "B"])
    >>> recommend_strategies(p)["strategy"].tolist()
    ['protect', 'end']
    >>> p["tier"] = "important"
    >>> recommend_strategies(p, thresholds={"protect_risk": 70})["strategy"].tolist()
    ['enhance', 'win_back']
    """
    func = "recommend_strategies"
    lang = resolve_lang(lang, func)
    if not isinstance(profile, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs a per-customer DataFrame such as customer_profile(base). Got {type(profile).__name__}.")
    table = _check_table(table, func)
    extra = {
        "tier_zh": (lambda: profile["tier"].astype(str).map(_tier_names("zh"))) if "tier" in profile else (lambda: ""),
        "stage_zh": (lambda: profile["stage"].astype(str).map(lambda s: label(s, "zh"))) if "stage" in profile else (lambda: ""),
    }
    try:
        chosen = _strategy_rules(table, lang).evaluate(profile, thresholds, extra=extra, func=func)
    except InvalidArgumentError as exc:
        # the engine counts rules from 1 like its printed table; here they are counted from 0,
        # like STRATEGY_TABLE's index and the ``rule`` column
        raise InvalidArgumentError(re.sub(r"rule (\d+) \(", lambda m: f"rule {int(m[1]) - 1} (", str(exc), count=1)) from exc
    # Each rule's label is its table row's strategy (the table has no default): codes by rule, no text per customer.
    names = list(STRATEGIES)
    per_rule = np.array([names.index(s) for s in table["strategy"].astype(str)], dtype=np.int64)
    codes = per_rule[chosen["rule"].to_numpy() - 1] if len(chosen) else np.zeros(0, dtype=np.int64)
    out = pd.DataFrame(index=profile.index)
    out["strategy"] = pd.Categorical.from_codes(codes, categories=names)
    shown = [label(s, lang) for s in names]
    # Text columns kept in pyarrow (a label per strategy taken by code; the reasons as evaluate made them).
    out["strategy_label"] = text_take(shown, codes) if all(type(s) is str for s in shown) else np.array(shown, dtype=object)[codes]
    out["rule"] = chosen["rule"].to_numpy() - 1
    out["reason"] = chosen["reason"].array if isinstance(chosen["reason"].dtype, pd.StringDtype) else chosen["reason"].to_numpy()
    return out


# ----------------------------------------------------------------------------- programs

def _check_programs(programs, func: str) -> pd.DataFrame:
    if not isinstance(programs, pd.DataFrame):
        raise InvalidArgumentError(f"The 'programs' parameter of {func} must be a DataFrame like PROGRAMS. Got {type(programs).__name__}.")
    require_columns(programs, _PROGRAM_COLUMNS, func, table="programs")
    for col in ("cost_per_customer", "dropout_factor", "rate_factor", "discount_reach"):
        v = programs[col].astype(float)
        if (~np.isfinite(v) | (v < 0)).any():
            raise InvalidArgumentError(f"{func}: programs column {col!r} needs finite numbers >= 0; "
                                       f"check {list(programs.index[~np.isfinite(v) | (v < 0)])}.")
    d = programs["discount"].astype(float)
    if ((d < 0) | (d >= 1)).any():
        raise InvalidArgumentError(f"{func}: programs column 'discount' must be a share in [0, 1).")
    return programs


def _targets(spec: str, tiers: pd.Series, func: str) -> np.ndarray:
    spec = str(spec).strip()
    if spec == "all":
        return np.ones(len(tiers), dtype=bool)
    if spec == "none":
        return np.zeros(len(tiers), dtype=bool)
    wanted = [t.strip() for t in spec.split(",")]
    bad = [t for t in wanted if t not in TIERS]
    if bad:
        raise InvalidArgumentError(f"{func}: program targets {spec!r}: use 'all', 'none' or tiers {', '.join(TIERS)}.")
    return tiers.astype(str).isin(wanted).to_numpy()


def simulate_programs(base: CustomerBase, programs: pd.DataFrame = PROGRAMS, horizon_days: int = 365,
                      seed: int = 0) -> pd.DataFrame:
    """Compare retention programs on the same customers over the same horizon, on the latent model.

    Every customer who bought and is truly alive at ``base.as_of`` (``truth``) buys at
    their latent ``purchase_rate`` and drops out after each purchase with probability
    ``dropout_prob`` (the BG/NBD story), spending ``mean_spend`` per order. A program changes
    those for the customers it targets (tiers from the observed orders), as set in
    ``programs``. All programs use the same random draws (common random numbers), so
    differences come from the assumptions, not from luck. B2B key accounts without a
    latent dropout probability get the median of the others.

    Parameters
    ----------
    base : CustomerBase
        A synthetic base with a ``truth`` table.
    programs : DataFrame
        :data:`PROGRAMS` or an edited copy; its first row with targets ``"none"`` is the baseline.
    horizon_days : int
    seed : int

    Returns
    -------
    DataFrame indexed by program: ``targeted`` (customers it is given to, alive or not),
    ``retained`` (customers still alive at the horizon), ``extra_retained`` (versus the
    baseline), ``revenue`` (after discounts), ``margin`` (at full price), ``discounts`` (margin
    given away), ``program_cost`` (cost per customer x targeted + discounts), ``net_margin``
    (margin minus program cost) and ``cost_per_extra_retained`` (NaN when it keeps nobody extra).
    ``attrs["alive_at_start"]`` holds the number simulated.

    Examples
    --------
    >>> import playbook
    >>> r = simulate_programs(playbook.load_dataset("retail"))
    >>> bool(r.loc["personal_assistant", "retained"] > r.loc["discount_day", "retained"])
    True
    """
    func = "simulate_programs"
    inputs = _program_inputs(base, programs, horizon_days, func)
    rng = np.random.default_rng(seed)
    n = inputs["n_alive"]
    out = _run_programs(inputs, np.arange(n), rng.random(n), rng.random(n))
    out.attrs = {"alive_at_start": n, "horizon_days": int(horizon_days), "seed": seed}
    return out


def _program_inputs(base: CustomerBase, programs, horizon_days, func: str) -> dict:
    """Everything the simulator draws from, computed once: per truly alive customer the latent
    dropout probability, expected purchases over the horizon, spend, margin rate and who each program targets."""
    base, ts = _base_and_date(base, None, func)
    if not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
        raise InvalidArgumentError(f"The 'horizon_days' parameter of {func} must be a whole number of days >= 1. Got {horizon_days!r}.")
    programs = _check_programs(programs, func)
    truth = _table_or_none(base, "truth")
    if truth is None or len(truth) == 0:
        raise MissingTableError(f"{func} needs the hidden 'truth' table of a synthetic base (load_dataset('retail') or 'b2b'); "
                                "a real base has no latent purchase rates to simulate from.")
    require_columns(truth, ("customer_id", "purchase_rate", "dropout_prob", "mean_spend", "dropout_date"), func, table="truth")
    orders = _known_orders(base, ts)
    tiers = _tiers(orders, ts)
    t = truth.set_index("customer_id")
    alive = t.index.isin(tiers.index) & (t["dropout_date"].isna() | (t["dropout_date"] > ts)).to_numpy()
    t = t.loc[alive]
    tier = tiers.reindex(t.index)
    p0 = t["dropout_prob"].astype(float)
    p0 = p0.fillna(p0.median() if p0.notna().any() else 0.05).to_numpy()
    if "margin" in orders.columns:
        per = orders.groupby("customer_id")[["margin", "amount"]].sum().reindex(t.index)
        rate = (per["margin"] / per["amount"].where(per["amount"] > 0)).fillna(
            orders["margin"].sum() / max(orders["amount"].sum(), 1e-9)).to_numpy()
    else:
        rate = np.full(len(t), 0.3)
    return {"programs": programs, "p0": p0, "lam": t["purchase_rate"].astype(float).to_numpy() * horizon_days,
            "spend": t["mean_spend"].astype(float).to_numpy(), "rate": rate, "n_alive": int(len(t)),
            "targets": {name: _targets(row["targets"], tier, func) for name, row in programs.iterrows()},
            "n_targeted": {name: int(_targets(row["targets"], tiers, func).sum()) for name, row in programs.iterrows()}}


def _run_programs(inputs: dict, idx: np.ndarray, u_buy: np.ndarray, u_drop: np.ndarray) -> pd.DataFrame:
    """One simulated horizon for every program on the customers ``idx`` (a bootstrap sample or all),
    with the same uniform draws for every program (common random numbers)."""
    from scipy.stats import poisson

    programs = inputs["programs"]
    p0, lam, spend, rate = (inputs[k][idx] for k in ("p0", "lam", "spend", "rate"))
    rows = {}
    for name, row in programs.iterrows():
        on = inputs["targets"][name][idx]
        p = np.clip(p0 * np.where(on, float(row["dropout_factor"]), 1.0), 0.0, 1.0)
        mu = lam * np.where(on, float(row["rate_factor"]), 1.0)
        wanted = poisson.ppf(u_buy, mu)
        with np.errstate(divide="ignore"):
            n_drop = np.where(p > 0, np.ceil(np.log1p(-u_drop) / np.log1p(-np.minimum(p, 1 - 1e-12))), np.inf)
        n_drop = np.maximum(n_drop, 1)
        bought = np.minimum(wanted, n_drop)
        kept = wanted < n_drop
        gross = bought * spend
        cut = np.where(on, float(row["discount"]) * float(row["discount_reach"]), 0.0)
        given = float((gross * cut).sum())
        cost = float(row["cost_per_customer"]) * inputs["n_targeted"][name] + given
        rows[name] = {"targeted": inputs["n_targeted"][name], "retained": int(kept.sum()), "revenue": float(gross.sum()) - given,
                      "margin": float((gross * rate).sum()), "discounts": given, "program_cost": cost}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "program"
    baseline = out.index[programs["targets"].astype(str).str.strip().eq("none").to_numpy()]
    ref = out.loc[baseline[0], "retained"] if len(baseline) else out["retained"].min()
    out.insert(2, "extra_retained", out["retained"] - ref)
    out["net_margin"] = out["margin"] - out["program_cost"]
    out["cost_per_extra_retained"] = out["program_cost"] / out["extra_retained"].where(out["extra_retained"] > 0)
    return out


_INTERVAL_MEASURES = ("extra_retained", "net_margin", "cost_per_extra_retained")


def program_intervals(base: CustomerBase, programs: pd.DataFrame = PROGRAMS, horizon_days: int = 365, *,
                      runs: int = 100, seed: int = 0, resample: bool = True, confidence: float = 0.9) -> pd.DataFrame:
    """:func:`simulate_programs` run many times, with intervals: how settled is each result and the ranking?

    One run of the simulator is one draw of luck: which customers happen to buy and leave. Each
    of ``runs`` runs draws new luck (all programs still share a run's draws), and with
    ``resample`` also a bootstrap sample of the customers alive today (the same number, drawn
    with replacement), which stands for "a shop like ours" rather than exactly ours. The
    intervals are the middle ``confidence`` share of the runs (percentile intervals). They
    measure chance under the assumptions of ``programs``; they say nothing about whether the
    assumptions are true (test those with :func:`program_holdout_test`).

    Parameters
    ----------
    base : CustomerBase
        A synthetic base with a ``truth`` table.
    programs : DataFrame
        :data:`PROGRAMS` or an edited copy.
    horizon_days : int
    runs : int
        Number of simulated runs (at least 20).
    seed : int
        Seeds the whole set of runs.
    resample : bool
        Also bootstrap the customers (default) or keep exactly today's alive customers.
    confidence : float
        Width of the intervals, in (0, 1).

    Returns
    -------
    DataFrame indexed by program: for ``extra_retained``, ``net_margin`` and
    ``cost_per_extra_retained``, ``<measure>_median``, ``<measure>_low`` and ``<measure>_high``;
    ``p_keeps_more`` (share of runs in which it keeps more customers than the baseline);
    ``rank_low`` / ``rank_high`` (the range of its rank by ``extra_retained``, 1 = keeps most,
    over the middle ``confidence`` share of runs). ``attrs``: ``runs`` (one row per run and
    program, the input of :func:`playbook.charts.uncertainty.program_interval_chart`),
    ``wins`` (share of runs in which the row program keeps more customers than the column
    program, ties counted half: near 0.5 means the pair's order is not settled), ``confidence``,
    ``horizon_days``, ``resample``, ``alive_at_start``.

    Examples
    --------
    >>> import playbook
    >>> r = program_intervals(playbook.load_dataset("retail"), runs=30)
    >>> bool((r["extra_retained_low"] <= r["extra_retained_high"]).all()), len(r.attrs["runs"]) == 30 * len(r)
    (True, True)
    """
    func = "program_intervals"
    if not isinstance(runs, (int, np.integer)) or runs < 20:
        raise InvalidArgumentError(f"The 'runs' parameter of {func} must be a whole number >= 20 (intervals from fewer "
                                   f"runs are themselves noise). Got {runs!r}.")
    if not 0 < float(confidence) < 1:
        raise InvalidArgumentError(f"The 'confidence' parameter of {func} must be between 0 and 1, e.g. 0.9. Got {confidence!r}.")
    inputs = _program_inputs(base, programs, horizon_days, func)
    n = inputs["n_alive"]
    rng = np.random.default_rng(seed)
    per_run = []
    for run in range(int(runs)):
        idx = rng.integers(0, n, n) if resample else np.arange(n)
        one = _run_programs(inputs, idx, rng.random(n), rng.random(n))
        one["rank"] = one["extra_retained"].rank(ascending=False, method="min").astype(int)
        per_run.append(one.reset_index().assign(run=run))
    table = pd.concat(per_run, ignore_index=True)
    lo_q, hi_q = (1 - float(confidence)) / 2, 1 - (1 - float(confidence)) / 2
    grouped = table.groupby("program", sort=False)
    out = pd.DataFrame(index=pd.Index(list(inputs["programs"].index), name="program"))
    for m in _INTERVAL_MEASURES:
        out[f"{m}_median"] = grouped[m].median()
        out[f"{m}_low"] = grouped[m].quantile(lo_q)
        out[f"{m}_high"] = grouped[m].quantile(hi_q)
    out["p_keeps_more"] = grouped["extra_retained"].apply(lambda v: float((v > 0).mean()))
    out["rank_low"] = grouped["rank"].quantile(lo_q, interpolation="lower").astype(int)
    out["rank_high"] = grouped["rank"].quantile(hi_q, interpolation="higher").astype(int)
    kept = table.pivot(index="run", columns="program", values="extra_retained")[list(out.index)].to_numpy()
    wins = ((kept[:, :, None] > kept[:, None, :]).mean(axis=0) + 0.5 * (kept[:, :, None] == kept[:, None, :]).mean(axis=0))
    out.attrs = {"runs": table, "wins": pd.DataFrame(wins, index=out.index, columns=out.index),
                 "confidence": float(confidence), "horizon_days": int(horizon_days), "resample": bool(resample),
                 "alive_at_start": n, "seed": seed}
    return out


def program_holdout_test(outcome, in_program, *, confidence: float = 0.95) -> pd.Series:
    """Test a program's effect on your own customers: the program group against a random holdout.

    The effects in :data:`PROGRAMS` are assumptions. To measure one, give the program to a
    random part of the targets and hold the rest back (a holdout, 对照组), then compare an
    outcome such as "bought again within 180 days". This returns both rates, their difference
    and a normal-approximation confidence interval of the difference. If the interval contains
    0, the data cannot tell the program from chance at this sample size.

    Parameters
    ----------
    outcome : Series of bool (or 0/1)
        One value per customer: did the wanted thing happen (e.g. a repeat purchase)?
    in_program : Series of bool
        Same index: True for customers who got the program, False for the holdout.
    confidence : float
        Level of the interval, in (0, 1).

    Returns
    -------
    Series with ``n_program``, ``n_holdout``, ``rate_program``, ``rate_holdout``,
    ``difference`` (program minus holdout), ``ci_low``, ``ci_high`` and ``significant``
    (the interval excludes 0).

    Examples
    --------
    >>> import pandas as pd
    >>> bought = pd.Series([1, 1, 1, 0, 1, 0, 0, 0] * 50, dtype=bool)
    >>> got = pd.Series([True, True, True, True, False, False, False, False] * 50)
    >>> r = program_holdout_test(bought, got)
    >>> float(r["difference"]), bool(r["significant"])
    (0.5, True)
    """
    from scipy.stats import norm

    func = "program_holdout_test"
    if not isinstance(outcome, pd.Series) or not isinstance(in_program, pd.Series):
        raise InvalidArgumentError(f"{func} needs two pandas Series (outcome, in_program) with the same customers as index.")
    if not 0 < float(confidence) < 1:
        raise InvalidArgumentError(f"The 'confidence' parameter of {func} must be between 0 and 1, e.g. 0.95. Got {confidence!r}.")
    joined = pd.DataFrame({"y": outcome, "g": in_program}).dropna()
    if joined.empty:
        raise DataValidationError(f"{func}: outcome and in_program share no customers; give them the same index.")
    y = joined["y"].astype(float)
    g = joined["g"].astype(bool)
    if not y.isin([0.0, 1.0]).all():
        raise DataValidationError(f"{func}: outcome must be True/False (or 1/0) per customer.")
    n1, n0 = int(g.sum()), int((~g).sum())
    if n1 < 2 or n0 < 2:
        raise DataValidationError(f"{func}: need at least 2 customers in each group; got {n1} in the program, {n0} held out.")
    p1, p0 = float(y[g].mean()), float(y[~g].mean())
    se = float(np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0))
    z = float(norm.ppf(0.5 + float(confidence) / 2))
    diff = p1 - p0
    low, high = diff - z * se, diff + z * se
    return pd.Series({"n_program": n1, "n_holdout": n0, "rate_program": p1, "rate_holdout": p0, "difference": diff,
                      "ci_low": low, "ci_high": high, "significant": bool(low > 0 or high < 0)}, name=func)


TIE_CAPS = {"care": 12, "events": 6, "learning": 4}
"""Counts in the window at which each part of :func:`relationship_ties` is full: a care contact a month,
an event every other month, a suggestion or review a quarter."""


def relationship_ties(base: CustomerBase, as_of=None, *, window_days: int = 365) -> pd.DataFrame:
    """How much each customer is tied to us by care, shared experiences and learning (情感纽带与学习关系).

    Price and convenience can be matched by a competitor; a relationship is harder to copy.
    Three kinds of tie can be read from the ``interactions`` table, over the ``window_days``
    before ``as_of``:

    - ``care``: contacts from our side (follow-ups, visits, calls): someone remembered them;
    - ``events``: community events they took part in: shared experiences, an emotional tie;
    - ``learning``: suggestions and reviews they gave: a learning relationship, where they
      teach us about the product and we learn what they need.

    Each part counts toward a cap (:data:`TIE_CAPS`) on a log scale (the first contacts
    matter most) and ``ties_score`` is their mean, 0-100. This describes; it does not
    prove that ties *cause* loyalty: our care follows our own policy (who is key), and
    customers who buy more also meet us more. Compare it with a naive score before acting.

    Parameters
    ----------
    base : CustomerBase
        Needs ``orders`` and ``interactions``.
    as_of : date-like, optional
        Defaults to ``base.as_of``; only what happened on or before it is used.
    window_days : int
        Length of the look-back window (>= 1).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with an order by ``as_of``): ``care``,
    ``events``, ``learning`` (counts in the window) and ``ties_score`` (0-100), highest first.

    Examples
    --------
    >>> import playbook
    >>> t = relationship_ties(playbook.load_dataset("b2b"))
    >>> list(t.columns)
    ['care', 'events', 'learning', 'ties_score']
    >>> bool(t["ties_score"].between(0, 100).all() and t["ties_score"].is_monotonic_decreasing)
    True
    """
    func = "relationship_ties"
    base, ts = _base_and_date(base, as_of, func)
    if isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer)) or window_days < 1:
        raise InvalidArgumentError(f"The 'window_days' parameter of {func} must be a whole number of days >= 1. Got {window_days!r}.")
    inter = _table_or_none(base, "interactions")
    if inter is None:
        raise MissingTableError(f"{func} needs the 'interactions' table (care contacts, events, suggestions, reviews).")
    require_columns(inter, ("customer_id", "date", "kind"), func, table="interactions")
    end = end_of_day(ts)
    customers = pd.Index(pd.unique(_known_orders(base, ts)["customer_id"]), name="customer_id")
    recent = inter.loc[(inter["date"] <= end) & (inter["date"] > end - pd.Timedelta(days=int(window_days)))]
    kind = recent["kind"].astype(str)
    parts = {"care": kind.isin(REP_CONTACT_KINDS), "events": kind.eq("event"), "learning": kind.isin(["suggestion", "review"])}
    out = pd.DataFrame(index=customers)
    score = np.zeros(len(out))
    for name, mask in parts.items():
        n = recent.loc[mask.to_numpy()].groupby("customer_id").size().reindex(customers, fill_value=0).astype(int)
        out[name] = n.to_numpy()
        score += np.minimum(1.0, np.log1p(n.to_numpy()) / np.log1p(TIE_CAPS[name]))
    out["ties_score"] = 100 * score / len(parts)
    return out.sort_values("ties_score", ascending=False, kind="stable")


# ----------------------------------------------------------------------------- switching cost

STATUS_POINTS = {"key": 40.0, "important": 20.0, "general": 0.0}


def switching_cost(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """What a customer would give up by leaving (转换成本), as a 0-100 score with its parts.

    - ``points_status`` (0-40): the tier's benefits in :data:`playbook.segment.TIER_POLICY`
      (key 40: dedicated team, honorary status; important 20: named contact, rebates; general 0);
    - ``points_tenure`` (0-20): 4 points per year since the first order, up to 5 years;
    - ``points_service`` (0-15): personal care (follow-up, visit, call) in the last 365 days,
      1.25 points each up to 12;
    - ``points_community`` (0-15): events attended so far, 2.5 points each up to 6;
    - ``points_deals`` (0-10): 10 when an opportunity is open on ``as_of`` (B2B).

    Missing tables give 0 points for their part.

    Parameters
    ----------
    base : CustomerBase
    as_of : date-like, optional

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with an order by ``as_of``): ``tier``,
    ``tenure_years``, ``care_contacts_365``, ``events_attended``, ``open_deals``, the
    ``points_*`` columns and ``switching_cost``, highest first.

    Examples
    --------
    >>> import playbook
    >>> s = switching_cost(playbook.load_dataset("b2b"))
    >>> bool(s.groupby("tier", observed=True)["switching_cost"].mean().is_monotonic_decreasing)
    True
    """
    func = "switching_cost"
    base, ts = _base_and_date(base, as_of, func)
    end = end_of_day(ts)
    orders = _known_orders(base, ts)
    first = orders.groupby("customer_id")["order_date"].min()
    out = pd.DataFrame(index=first.index.rename("customer_id"))
    out["tier"] = _tiers(orders, ts).reindex(out.index)
    out["tenure_years"] = (end - first).dt.days / 365.25
    inter = _table_or_none(base, "interactions")
    if inter is not None and len(inter):
        known = inter.loc[inter["date"] <= end]
        kind = known["kind"].astype(str)
        care = known.loc[kind.isin(CARE_CONTACT_KINDS) & (known["date"] > end - pd.Timedelta(days=365))]
        out["care_contacts_365"] = care.groupby("customer_id").size().reindex(out.index, fill_value=0)
        out["events_attended"] = known.loc[kind == "event"].groupby("customer_id").size().reindex(out.index, fill_value=0)
    else:
        out["care_contacts_365"] = 0
        out["events_attended"] = 0
    opp = _table_or_none(base, "opportunities")
    if opp is not None and len(opp):
        is_open = (opp["opened_at"] <= end) & (opp["closed_at"].isna() | (opp["closed_at"] > end))
        out["open_deals"] = opp.loc[is_open].groupby("customer_id").size().reindex(out.index, fill_value=0)
    else:
        out["open_deals"] = 0
    out["points_status"] = out["tier"].astype(str).map(STATUS_POINTS).astype(float)
    out["points_tenure"] = np.minimum(out["tenure_years"], 5.0) * 4.0
    out["points_service"] = np.minimum(out["care_contacts_365"], 12) * 1.25
    out["points_community"] = np.minimum(out["events_attended"], 6) * 2.5
    out["points_deals"] = np.where(out["open_deals"] > 0, 10.0, 0.0)
    out["switching_cost"] = out[[c for c in out.columns if c.startswith("points_")]].sum(axis=1)
    return out.sort_values("switching_cost", ascending=False, kind="stable")


# ----------------------------------------------------------------------------- contact plan

@keyword_only_after(2)
def contact_plan(base: CustomerBase, as_of=None, *, policy=None, active_days: int = 365) -> pd.DataFrame:
    """The follow-up plan (跟进频率) per customer: last contact, cadence of the tier, next date.

    The cadence is ``contact_every_days`` of the tier policy (key every 14 days, important
    every 45, general every 120 by default: often enough to be remembered, rarely enough
    not to annoy). The last contact is the latest interaction of kind follow-up, visit or
    call by ``as_of``; a customer never contacted counts from their first order. When the
    base has no interactions table at all (an analyst's orders only), nothing is known of
    contacts, so the last order stands in for the last contact: otherwise every customer
    would look overdue since the day they joined. Only customers who ordered in the last
    ``active_days`` are planned; lapsed ones belong to the win-back list.

    Parameters
    ----------
    base : CustomerBase
    as_of : date-like, optional
    policy : DataFrame or dict, optional
        A tier policy (:func:`playbook.segment.tier_policy`) or its ``overrides`` dict,
        e.g. ``{"key": {"contact_every_days": 7}}``.
    active_days : int

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``tier``, ``contact_every_days``, ``last_contact``,
    ``next_contact``, ``days_overdue`` (positive when late) and ``overdue``.

    Examples
    --------
    >>> import playbook
    >>> plan = contact_plan(playbook.load_dataset("b2b"))
    >>> plan.groupby("tier", observed=True)["contact_every_days"].first().tolist()
    [14, 45, 120]
    """
    from .segment import tier_policy

    func = "contact_plan"
    base, ts = _base_and_date(base, as_of, func)
    if not isinstance(active_days, (int, np.integer)) or active_days < 1:
        raise InvalidArgumentError(f"The 'active_days' parameter of {func} must be a whole number of days >= 1. Got {active_days!r}.")
    pol = policy if isinstance(policy, pd.DataFrame) else tier_policy(policy)
    require_columns(pol, ("contact_every_days",), func, table="the tier policy")
    orders = _known_orders(base, ts)
    # One summary gives the tiers and each customer's first and last order (no second groupby on text ids).
    return _plan_from_summary(summarize(orders, ts), ts, pol, active_days, _table_or_none(base, "interactions"))


def _plan_from_summary(summary: pd.DataFrame, ts: pd.Timestamp, pol: pd.DataFrame, active_days: int, inter,
                       tiers: pd.Series | None = None) -> pd.DataFrame:
    """:func:`contact_plan` from the per-customer summary (:func:`playbook.data.summarize` columns) and the interactions
    (or None); ``tiers``: :func:`playbook.segment.assign_tiers` of ``summary`` when the caller has it already."""
    return _plan_rows(summary, ts, pol, active_days, inter, tiers)[0].sort_values(["tier", "next_contact"], kind="stable")


def _by_tier_and_date(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows.sort_values(["tier", "next_contact"], kind="stable")``. With a categorical tier and dates, none missing,
    by ``np.lexsort`` on the tier codes and the dates' integers: the order pandas reaches through a categorical of
    the dates (the same ranks), without building it."""
    tier, when = rows["tier"], rows["next_contact"]
    if not (isinstance(tier.dtype, pd.CategoricalDtype) and tier.cat.ordered and when.dtype.kind == "M"
            and len(rows) and not when.isna().any() and not (tier.cat.codes.to_numpy() < 0).any()):
        return rows.sort_values(["tier", "next_contact"], kind="stable")
    return rows.take(np.lexsort((when.to_numpy().view(np.int64), tier.cat.codes.to_numpy())))


def _plan_rows(summary: pd.DataFrame, ts: pd.Timestamp, pol: pd.DataFrame, active_days: int, inter,
               tiers: pd.Series | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`_plan_from_summary` before its sort, in the summary's row order, and which rows of the summary it holds."""
    from .segment import assign_tiers

    end = end_of_day(ts)
    last_order, first_order = summary["last_order"], summary["first_order"]
    rows = (last_order > end - pd.Timedelta(days=active_days)).to_numpy()
    active = last_order.index[rows]
    out = pd.DataFrame(index=pd.Index(active, name="customer_id"))
    if tiers is not None and tiers.index.equals(summary.index):
        out["tier"] = tiers.array[rows]  # by position: the tiers are in the summary's order
    else:
        out["tier"] = (assign_tiers(summary)["tier"] if tiers is None else tiers).reindex(out.index)
    out["contact_every_days"] = _every(out["tier"], pol["contact_every_days"].rename(index=str))
    if inter is None:
        out["last_contact"] = last_order[rows].dt.normalize()
    else:
        care = inter.loc[(inter["date"] <= end) & inter["kind"].astype(str).isin(CARE_CONTACT_KINDS)]
        last = care.groupby("customer_id")["date"].max().reindex(out.index)
        out["last_contact"] = last.fillna(first_order.reindex(out.index)).dt.normalize()
    out["next_contact"] = out["last_contact"] + pd.to_timedelta(out["contact_every_days"], unit="D")
    out["days_overdue"] = (ts.normalize() - out["next_contact"]).dt.days
    out["overdue"] = out["days_overdue"] > 0
    return out, rows


def _every(tier: pd.Series, every: pd.Series) -> np.ndarray | pd.Series:
    """Each customer's contact cadence from their tier: looked up once per tier, then taken by the tier codes."""
    if isinstance(tier.dtype, pd.CategoricalDtype):
        per_tier = every.reindex(tier.cat.categories.astype(str))
        codes = tier.cat.codes.to_numpy()
        if per_tier.notna().all() and (codes >= 0).all():
            return per_tier.to_numpy().astype(int)[codes]
    return tier.astype(str).map(every).astype(int)


@keyword_only_after(2)
def overdue_contacts(base_or_plan, as_of=None, *, policy=None) -> pd.DataFrame:
    """Customers whose next contact date has passed, most important and most late first.

    Parameters
    ----------
    base_or_plan : CustomerBase or DataFrame
        A base (the plan is made with :func:`contact_plan`) or a plan already made.
    as_of, policy
        As in :func:`contact_plan` (ignored for a plan).

    Returns
    -------
    The overdue rows of the plan, sorted by tier then ``days_overdue`` descending.

    Examples
    --------
    >>> import playbook
    >>> late = overdue_contacts(playbook.load_dataset("b2b"))
    >>> bool((late["days_overdue"] > 0).all())
    True
    """
    check_data(base_or_plan, "overdue_contacts", param="base_or_plan", table="contact plan")
    plan = base_or_plan if isinstance(base_or_plan, pd.DataFrame) else contact_plan(base_or_plan, as_of, policy=policy)
    require_columns(plan, ("tier", "days_overdue", "overdue"), "overdue_contacts", table="the contact plan")
    late = plan.loc[plan["overdue"]]
    return late.sort_values(["tier", "days_overdue"], ascending=[True, False], kind="stable")


# ----------------------------------------------------------------------------- action list

@keyword_only_after(2)
def action_list(base: CustomerBase, as_of=None, *, lang: str | None = None, margin_rate=None) -> pd.DataFrame:
    """One row per customer: tier, stage, type, risk, CLV, strategy, reason and next contact.

    CLV is the expected gross margin over the next 365 days, discounted at 10% a year
    (:func:`playbook.value.expected_margin`): BG/NBD expected purchases times Gamma-Gamma
    expected spend times the margin share; when that fit cannot run or is not trustworthy
    (too few repeat buyers, a fit warning), last year's margin instead. Never from the risk
    score. Without a ``margin`` column the margin is revenue times ``margin_rate`` (default
    :data:`playbook.value.DEFAULT_MARGIN_RATE`), so the CLV is never 0 for everyone because
    a column is missing; with one, the column is used and ``margin_rate`` ignored.
    ``attrs["clv"]`` names the method, margin source and rate, horizon and discount;
    ``attrs["churn"]`` the churn score behind ``risk`` (:func:`_churn_score_info`).
    ``next_contact`` is empty for customers outside the contact plan (lapsed).

    Parameters
    ----------
    base : CustomerBase
    as_of : date-like, optional
    lang : {"en", "zh"}, optional
        Language of ``reason``; by default the kit's language (:func:`playbook.i18n.use`).
    margin_rate : float in [0, 1], optional
        Share of revenue that is margin, used when the orders have no margin column.

    Returns
    -------
    DataFrame indexed by ``customer_id``, highest CLV first.

    Examples
    --------
    >>> import playbook
    >>> a = action_list(playbook.load_dataset("b2b"))
    >>> list(a.columns)
    ['tier', 'stage', 'type', 'risk', 'clv', 'strategy', 'reason', 'next_contact']
    """
    from .value import check_margin_rate

    lang = resolve_lang(lang, "action_list")
    rate = check_margin_rate(margin_rate, "action_list")
    base, ts = _base_and_date(base, as_of, "action_list")
    return _action_list(base, ts, lang, margin_rate=rate)[0]


def action_list_with_inputs(base: CustomerBase, as_of=None, *, lang: str | None = None, margin_rate=None
                            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`action_list` together with the churn-risk table and the contact plan it used,
    computed once, for callers that show all three (the ``analyze`` report).

    Parameters
    ----------
    base : CustomerBase
    as_of : date-like, optional
    lang : {"en", "zh"}, optional
    margin_rate : float in [0, 1], optional
        As in :func:`action_list`.

    Returns
    -------
    (actions, risk, plan): :func:`action_list`, :func:`playbook.churn.churn_risk` and
    :func:`contact_plan` at ``as_of``.

    Examples
    --------
    >>> import playbook
    >>> actions, risk, plan = action_list_with_inputs(playbook.load_dataset("b2b"))
    >>> actions.index.isin(risk.index).all()
    np.True_
    """
    from .value import check_margin_rate

    lang = resolve_lang(lang, "action_list_with_inputs")
    rate = check_margin_rate(margin_rate, "action_list_with_inputs")
    base, ts = _base_and_date(base, as_of, "action_list_with_inputs")
    return _action_list(base, ts, lang, margin_rate=rate)


def _action_list(base: CustomerBase, ts: pd.Timestamp, lang: str, *, margin_rate: float | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`action_list_with_inputs` on a resolved date, language and checked margin rate.
    The actions' ``attrs["clv"]`` says how the CLV was computed (:func:`playbook.value.expected_margin`).

    An orders-only base is scored from its per-customer feature table (:mod:`playbook.features`: one
    pass over the orders); a base with more tables (complaints, care, surveys, deals) at the order
    level, where those tables are read. Both give the same table on the same orders
    (tests/test_feature_oracle.py keeps the order-level scoring of an orders-only base as the reference)."""
    if orders_only(base):
        f, past = _features_and_past(base.orders, ts)
        return _action_list_from_features(f, ts, lang, margin_rate=margin_rate, past=past)
    return _action_list_from_orders(base, ts, lang, margin_rate=margin_rate)


def _action_list_from_orders(base: CustomerBase, ts: pd.Timestamp, lang: str, *, margin_rate: float | None = None
                             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`_action_list` at the order level: every table of the base is read."""
    from .customer_types import behaviour_evidence, classify_types
    from .value import expected_margin

    profile, risk = _customer_profile(base, ts, lang)
    types = classify_types(behaviour_evidence(base, ts))["type"].astype(str)
    clv = expected_margin(_known_orders(base, ts), ts, margin_rate=margin_rate)
    plan = contact_plan(base, ts)
    return _actions(profile, risk, types, clv, plan, lang)


def _descending(values: np.ndarray) -> np.ndarray:
    """The positions that sort ``values`` biggest first, equal values in their order, missing last: the order
    ``sort_values(ascending=False, kind="stable")`` gives a float column (the same steps as pandas' ``nargsort``)."""
    mask = np.isnan(values)
    idx = np.arange(len(values))
    non_nans, non_nan_idx = values[~mask][::-1], idx[~mask][::-1]
    indexer = non_nan_idx[non_nans.argsort(kind="stable")][::-1]
    return np.concatenate([indexer, np.flatnonzero(mask)]).astype(np.intp)


def _actions(profile: pd.DataFrame, risk: pd.DataFrame, types: pd.Series, clv: pd.Series, plan: pd.DataFrame,
             lang: str, next_contact: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The action list from the profile, types, CLV and contact plan, however they were computed
    (``next_contact``: the plan's next contact per profile row, when the caller has it in that order)."""
    return _actions_and_order(profile, risk, types, clv, plan, lang, next_contact)[:3]


def _actions_and_order(profile: pd.DataFrame, risk: pd.DataFrame, types: pd.Series, clv: pd.Series, plan: pd.DataFrame,
                       lang: str, next_contact: pd.Series | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """:func:`_actions` and the profile row of each action (the action list's order, highest CLV first)."""
    out = _action_columns(profile, types, clv, plan["next_contact"] if next_contact is None else next_contact, lang)
    order = _descending(out["clv"].to_numpy(dtype=float))
    return out.take(order), risk, plan, order  # as sort_values("clv", ascending=False, kind="stable"), order kept


def _action_columns(profile: pd.DataFrame, types: pd.Series, clv: pd.Series, next_contact: pd.Series,
                    lang: str) -> pd.DataFrame:
    """The action list's columns in the profile's row order (not yet sorted by CLV), with its attrs: each row reads
    that customer's values alone, so the rows of any chunk of customers are those of the whole list."""
    rec = recommend_strategies(profile, lang=lang)
    out = profile[["tier", "stage"]].copy()
    out["type"] = types.reindex(out.index)
    out["risk"] = profile["risk"].round(1)
    out["clv"] = clv.reindex(out.index).fillna(0.0).round(2)
    out["strategy"] = rec["strategy"]
    out["reason"] = rec["reason"]
    out["next_contact"] = next_contact.reindex(out.index)
    out.attrs["clv"] = dict(clv.attrs["clv"])
    out.attrs["churn"] = dict(profile.attrs["churn"])
    return out




def orders_only(base) -> bool:
    """True when ``base`` has no table but its orders (and the synthetic truth, which the analysis never reads)."""
    return isinstance(base, CustomerBase) and all(t in ("orders", "truth") for t in base.tables)


def _known_mask(f: pd.DataFrame) -> np.ndarray:
    """The rows of a feature table whose customer had ordered by its date."""
    return f["n_orders"].to_numpy() > 0


def _known_rows(f: pd.DataFrame) -> pd.DataFrame:
    """``f.loc[_known_mask(f)]``: the feature table's known customers (``f`` itself when all are)."""
    mask = _known_mask(f)
    return f if mask.all() else f.loc[mask]


def _summary_of(f: pd.DataFrame) -> pd.DataFrame:
    """The :func:`playbook.data.summarize` table of the customers known at the feature table's date."""
    cols = ["frequency", "recency", "T", "monetary_value", "n_orders", "revenue"] + (["margin"] if "margin" in f else []) \
        + ["first_order", "last_order", "days_since_last"]
    return _known_rows(f)[cols]


#: Customers scored at once by the per-customer steps of the analysis (stage, churn signals and risk): the
#: memory of those steps is bounded by a chunk, not by the base. ``PLAYBOOK_CHUNK_ROWS`` overrides it (tests
#: force small chunks with it); every chunk size gives the same tables.
CHUNK_ROWS = 250_000
#: From this many customers on, the scoring says its steps through ``progress`` (and each chunk, with the time
#: left): below it the whole scoring takes a few seconds at most.
PROGRESS_CUSTOMERS = 200_000

register_labels({
    "progress_churn_model": ("scoring: learning the churn model from the customers' own past",
                             "评分：从客户自己的历史中学习流失模型"),
    "progress_clv_model": ("scoring: fitting the CLV model (BG/NBD and Gamma-Gamma) to {n:,} customers",
                           "评分：为 {n:,} 位客户拟合终身价值模型（BG/NBD 与 Gamma-Gamma）"),
    "progress_contact_plan": ("scoring: planning follow-ups", "评分：安排跟进计划"),
    "progress_scored": ("scored {k:,} of {n:,} customers ({share:.0%})", "已评分 {k:,} / {n:,} 位客户（{share:.0%}）"),
    "progress_scored_left": ("scored {k:,} of {n:,} customers ({share:.0%}), about {left} left",
                             "已评分 {k:,} / {n:,} 位客户（{share:.0%}），约还需 {left}"),
})


def _say_steps(progress, n: int):
    """``progress`` if the scoring of ``n`` customers is long enough to say its steps, else a callable that says
    nothing."""
    return progress if progress is not None and n >= PROGRESS_CUSTOMERS else (lambda message: None)


def _chunks(n: int, chunk_rows: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` of the chunks of ``n`` rows, ``chunk_rows`` at a time (default :data:`CHUNK_ROWS`, or the
    environment's ``PLAYBOOK_CHUNK_ROWS``); one chunk, possibly empty, when they all fit.

    >>> _chunks(5, 2), _chunks(0, 2)
    ([(0, 2), (2, 4), (4, 5)], [(0, 0)])
    """
    size = _chunk_size(chunk_rows)
    return [(start, min(start + size, n)) for start in range(0, n, size)] or [(0, 0)]


def _chunk_size(chunk_rows: int | None = None) -> int:
    """The rows of a chunk of :func:`_chunks`: ``chunk_rows``, else ``PLAYBOOK_CHUNK_ROWS``, else :data:`CHUNK_ROWS`."""
    import os

    size = int(chunk_rows or os.environ.get("PLAYBOOK_CHUNK_ROWS") or CHUNK_ROWS)
    if size < 1:
        raise InvalidArgumentError(f"The chunk size must be a whole number of rows >= 1. Got {size!r}.")
    return size


def _concat(parts: list):
    """The chunks' tables (or Series) one after the other, with the first one's ``attrs`` (the same in every chunk):
    the chunk itself when there is one."""
    if len(parts) == 1:
        return parts[0]
    out = pd.concat(parts)
    out.attrs = parts[0].attrs
    return out


def _stage_and_risk(known: pd.DataFrame, ts: pd.Timestamp, lang: str, fallback: float, model, why,
                    reasons: bool = True) -> tuple:
    """The formation stage and the churn-risk table, in the rows' order, of a chunk of known customers
    (``fallback``, ``model``: read from all customers; ``reasons=False``: the risk table without its texts)."""
    from .churn import risk_in_signal_order, signals_from_features
    from .lifecycle import FORMATION_DEFAULTS, formation_stages_only, orders_evidence

    stage = formation_stages_only(orders_evidence(known, ts), dict(FORMATION_DEFAULTS))
    signals = signals_from_features(known, ts, usual_gap=fallback)
    signals.attrs["model"] = model
    if model is None:
        signals.attrs["notes"].append(f"No churn model: {why} churn_risk falls back to the rule score (method='rules').")
    return stage, risk_in_signal_order(signals, lang, reasons=reasons)


def _last_year_from_features(known: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The ``last_year`` input of :func:`_profile` of known customers, from their feature rows (indexed by ``index``)."""
    last_year = pd.DataFrame(index=index)
    last_year["revenue_365"] = known["revenue_365"]
    last_year["margin_365"] = known["margin_365"] if "margin_365" in known else np.nan
    if "costly_365" in known:
        n = known["n_365"]
        last_year["expensive_channel_share"] = known["costly_365"] / n.where(n > 0)
    else:
        last_year["expensive_channel_share"] = np.nan
    last_year["complaints_365"] = 0  # an orders-only base has no complaints table and no surveys
    last_year["satisfaction"] = np.nan
    return last_year


_SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value", "n_orders", "revenue", "margin", "first_order",
                    "last_order", "days_since_last")
"""The :func:`playbook.data.summarize` columns of a feature table (``margin`` only when the orders have one)."""


@dataclass(frozen=True, eq=False)
class ScoringFit:
    """What :func:`fit_for_scoring` reads from every customer of a feature table, once, for
    :func:`score_in_chunks` (all per-customer arrays in the known rows' order)."""

    rows: np.ndarray  # the position in f of each known customer
    ids: pd.Index  # their ids (f's index itself when every customer is known)
    model: ChurnModel | None  # the churn model, or None: the rule score
    why: str | None  # why there is no churn model
    fallback: float  # the usual gap of a customer with fewer than two order days (churn.usual_gap_fallback)
    tiers: pd.Series  # playbook.segment.tiers_in_row_order of the known customers
    clv: ClvFit  # the CLV model's fit and values (playbook.value.clv_fit)
    spend_rate_pct: np.ndarray  # customer_types.spend_rate_ranks
    next_contact: pd.api.extensions.ExtensionArray  # the contact plan's next contact (NaT when not planned)
    plan: pd.DataFrame  # the contact plan, as contact_plan sorts it


@dataclass(frozen=True, eq=False)
class Scores:
    """The action list and what the report reads of the scoring, from :func:`score_in_chunks`: per customer only
    the action list's columns and the risk (no profile, signals, risk reasons or feature columns)."""

    actions: pd.DataFrame  # the action list in the known rows' order (not sorted), with its attrs
    order: np.ndarray  # the action list's order: actions.take(order) is the list, highest CLV first
    rows: np.ndarray  # the position in f of each row of actions
    risk: pd.DataFrame  # risk (unrounded) and warning per row of actions; the churn-risk table's attrs
    reason_counts: pd.Series  # per points_* column: warned customers with at least 1.0 point of it
    plan: pd.DataFrame  # the contact plan
    rfm: pd.DataFrame  # the RFM segment summary (playbook.rfm.segment_summary)


def _known_columns(f: pd.DataFrame, rows: np.ndarray, ids: pd.Index, columns) -> pd.DataFrame:
    """The ``columns`` (those ``f`` has) of the known rows of ``f``: ``f``'s own, not copied, when every row is known,
    else only these columns taken by position (never the whole table). Indexed by the known ids in an Index object of
    its own (the ids are not copied): the id lookup table that pandas builds and keeps on an index the first time it
    checks or looks up its ids (tens of bytes per customer) goes with the table, not kept on ``f``'s index."""
    table = f[[c for c in columns if c in f.columns]]
    own = pd.Index(ids.array, name=ids.name)  # not ids.copy(): a copy shares the cache
    if len(rows) == len(f):
        return table.set_axis(own)
    return pd.DataFrame({c: table[c].array.take(rows) for c in table.columns}, index=own, copy=False)


def fit_for_scoring(f: pd.DataFrame, past: pd.DataFrame | None, ts: pd.Timestamp, *,
                    chunk_rows: int | None = None, progress=None, lang: str | None = None) -> ScoringFit:
    """Everything of the scoring of a feature table ``f`` (at ``ts``) that reads every customer, computed once
    before :func:`score_in_chunks` scores them a chunk at a time: the churn model (learnt from ``past``, the table at
    ``ts - CHURN_HORIZON_DAYS``, or None) and why there is none, the usual-gap fallback, the tiers, the CLV model's
    fit and values (predicted ``chunk_rows`` at a time), the spend-rate ranks of the types and the contact plan.
    The caller may let ``past`` go once it returns. Only a few columns of ``f`` are taken, and only when some
    customer is not known yet (no copy of the table). ``progress`` (a callable taking a message, in ``lang``) hears
    the steps from :data:`PROGRESS_CUSTOMERS` customers on."""
    from .churn import model_from_features, usual_gap_fallback
    from .customer_types import spend_rate_ranks
    from .segment import tier_policy, tiers_in_row_order
    from .value import clv_fit

    mask = _known_mask(f)
    rows = np.flatnonzero(mask)
    ids = f.index if mask.all() else f.index[rows]
    say = _say_steps(progress, len(rows))
    say(label("progress_churn_model", lang))
    model, why = model_from_features(past, f, ts, horizon_days=CHURN_HORIZON_DAYS, chunk_rows=_chunk_size(chunk_rows))
    fallback = usual_gap_fallback(_known_columns(f, rows, ids, ["own_gap_days_raw"]))
    tiers = pd.Series(tiers_in_row_order(_known_columns(f, rows, ids, ["revenue", "n_orders", "margin"])).array,
                      index=ids, name="tier")
    say(label("progress_clv_model", lang).format(n=len(rows)))
    clv = clv_fit(_known_columns(f, rows, ids, ["frequency", "recency", "T", "monetary_value", "revenue", "margin"]),
                  horizon_days=365, discount_rate=0.10, method="auto", func="expected_margin",
                  chunks=_chunks(len(rows), chunk_rows))
    say(label("progress_contact_plan", lang))
    planned_rows, planned = _plan_rows(_known_columns(f, rows, ids, ["first_order", "last_order"]), ts,
                                       tier_policy(None), 365, None, tiers=tiers)
    at = np.full(len(rows), -1)
    at[planned] = np.arange(int(planned.sum()))
    next_contact = planned_rows["next_contact"].array.take(at, allow_fill=True)
    return ScoringFit(rows=rows, ids=ids, model=model, why=why, fallback=fallback, tiers=tiers, clv=clv,
                      spend_rate_pct=spend_rate_ranks(f, ts), next_contact=next_contact,
                      plan=_by_tier_and_date(planned_rows))


def _score_chunk(f: pd.DataFrame, fit: ScoringFit, start: int, stop: int, ts: pd.Timestamp, lang: str,
                 margin_rate: float | None, reasons: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The action list's columns (:func:`_action_columns`) and the churn-risk table (in signal order, with or without
    its ``reasons``) of the known customers ``start:stop`` of ``fit``: every per-customer step, on their rows alone."""
    from .customer_types import behaviour_from_features, types_only
    from .value import clv_of_rows

    known = f.iloc[start:stop] if len(fit.rows) == len(f) else f.iloc[fit.rows[start:stop]]
    summary = known[[c for c in _SUMMARY_COLUMNS if c in known.columns]]
    index = summary.index
    stage, risk = _stage_and_risk(known, ts, lang, fit.fallback, fit.model, fit.why, reasons)
    tiers = pd.Series(fit.tiers.array[start:stop], index=index, name="tier")
    profile = _profile(summary, stage, risk, _last_year_from_features(known, index), tiers=tiers)
    types = types_only(behaviour_from_features(known, ts, spend_rate_pct=fit.spend_rate_pct[start:stop])).astype(str)
    columns = {"margin": "margin_365", "amount": "revenue_365"}
    clv = clv_of_rows(fit.clv, summary, lambda col: known[columns[col]].to_numpy(dtype=float), rate=margin_rate,
                      start=start)
    next_contact = pd.Series(fit.next_contact[start:stop], index=index)
    return _action_columns(profile, types, clv, next_contact, lang), risk


def _in_chunks(f: pd.DataFrame, fit: ScoringFit, ts: pd.Timestamp, lang: str, margin_rate: float | None,
               chunk_rows: int | None, reasons: bool, keep_risk, progress=None) -> pd.DataFrame:
    """The action list's columns of all known customers in their rows' order (:func:`_score_chunk` a chunk at a time,
    joined once, indexed by ``fit.ids``); each chunk's risk table is handed to ``keep_risk(start, stop, risk)``;
    ``progress`` hears how many are scored, with the time left, after each chunk (from :data:`PROGRESS_CUSTOMERS`
    customers on, when there is more than one chunk)."""
    from .byod import release_memory, time_left

    n, chunks = len(fit.rows), _chunks(len(fit.rows), chunk_rows)
    say = _say_steps(progress, n) if len(chunks) > 1 else (lambda message: None)
    started = time.monotonic()
    parts, attrs = [], {}
    for start, stop in chunks:
        part, risk = _score_chunk(f, fit, start, stop, ts, lang, margin_rate, reasons)
        keep_risk(start, stop, risk)
        attrs = part.attrs  # the same in every chunk
        parts.append(part.reset_index(drop=True))  # the ids are set once below, not joined chunk by chunk
        del part, risk
        release_memory()  # the chunk's temporaries go back to the system, not kept in the allocators' caches
        left = time_left(started, stop / n, lang)
        say(label("progress_scored" if left is None else "progress_scored_left", lang).format(k=stop, n=n, share=stop / n,
                                                                                             left=left))
    actions = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    del parts
    actions.index = fit.ids
    actions.attrs = attrs
    return actions


def score_in_chunks(f: pd.DataFrame, ts: pd.Timestamp, lang: str, fit: ScoringFit, *, margin_rate: float | None = None,
                    chunk_rows: int | None = None, progress=None) -> Scores:
    """The action list of a feature table, scored ``chunk_rows`` known customers at a time (:func:`_chunks`) with
    ``fit`` (:func:`fit_for_scoring`), keeping per customer only what outlives the scoring: the action list's
    columns, the risk and the warning (no risk reasons, profile or signals). The same figures as
    :func:`_scored_from_features` for any chunk size: ``Scores.actions.take(Scores.order)`` is its action list.
    ``progress`` hears how many customers are scored, with the time left (from :data:`PROGRESS_CUSTOMERS` on)."""
    from .byod import release_memory
    from .rfm import segment_summary_of

    release_memory()  # what the fit let go (and the caller's past table) back to the system before the chunks
    rfm = segment_summary_of(_known_columns(f, fit.rows, fit.ids, ["days_since_last", "n_orders", "revenue"]), lang=lang)
    n = len(fit.rows)
    risk_values, warning = np.empty(n), np.empty(n, dtype=bool)
    counts: dict[str, int] = {}
    attrs: list[dict] = []

    def keep_risk(start: int, stop: int, risk: pd.DataFrame) -> None:
        risk_values[start:stop] = risk["risk"].to_numpy(dtype=float)
        warning[start:stop] = risk["warning"].to_numpy(dtype=bool)
        warned = warning[start:stop]
        for p in (c for c in risk.columns if c.startswith("points_")):
            counts[p] = counts.get(p, 0) + int((risk[p].to_numpy()[warned] >= 1.0).sum())
        if not attrs:
            attrs.append(risk.attrs)

    actions = _in_chunks(f, fit, ts, lang, margin_rate, chunk_rows, False, keep_risk, progress)
    risk = pd.DataFrame({"risk": risk_values, "warning": warning}, index=fit.ids.rename("customer_id"), copy=False)
    risk.attrs = attrs[0]
    return Scores(actions=actions, order=_descending(actions["clv"].to_numpy(dtype=float)), rows=fit.rows, risk=risk,
                  reason_counts=pd.Series(counts, dtype=np.int64), plan=fit.plan, rfm=rfm)


def _action_list_from_features(f: pd.DataFrame, ts: pd.Timestamp, lang: str, *, margin_rate: float | None = None,
                               past: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`_action_list` of an orders-only base from its feature table (any engine's, :mod:`playbook.features`),
    and the one at ``ts - CHURN_HORIZON_DAYS`` (``past``) that the churn model learns from."""
    return _scored_from_features(f, ts, lang, margin_rate=margin_rate, past=past)[:3]


def _scored_from_features(f: pd.DataFrame, ts: pd.Timestamp, lang: str, *, margin_rate: float | None = None,
                          past: pd.DataFrame | None = None, chunk_rows: int | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray, pd.DataFrame]:
    """:func:`_action_list_from_features`, the row of ``f`` of each action (in the action list's order), so a
    caller reads other columns of ``f`` for the actions by position, and :func:`_summary_of` ``(f)``.
    ``chunk_rows``: customers scored at once by the per-customer steps (:func:`_chunks`); any size gives the same
    tables. The full tables of :func:`build_analysis`: :func:`fit_for_scoring` and the chunks of
    :func:`score_in_chunks`, keeping every chunk's whole risk table (with its reasons), sorted by risk."""
    fit = fit_for_scoring(f, past, ts, chunk_rows=chunk_rows)
    risks: list[pd.DataFrame] = []
    actions = _in_chunks(f, fit, ts, lang, margin_rate, chunk_rows, True, lambda start, stop, risk: risks.append(risk))
    risk = _concat(risks).sort_values("risk", ascending=False, kind="stable")
    order = _descending(actions["clv"].to_numpy(dtype=float))
    return actions.take(order), risk, fit.plan, fit.rows[order], _summary_of(f)


def _past_date(ts: pd.Timestamp) -> pd.Timestamp:
    """The date of the churn model's backtest: the feature table there is the second one an engine computes."""
    return ts - pd.Timedelta(days=CHURN_HORIZON_DAYS)


def _past_features(orders: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame | None:
    """The feature table of ``orders`` at :func:`_past_date` (pandas engine), or None when no order was known then."""
    from . import features

    then = _past_date(ts)
    if not (orders["order_date"] <= end_of_day(then)).any():
        return None
    return features.compute(orders, then)


def _features_and_past(orders: pd.DataFrame, ts: pd.Timestamp, progress=None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``features.compute(orders, ts)`` and :func:`_past_features` ``(orders, ts)`` in one pass over the orders
    (``features.compute(..., also=...)``: one factorisation and sort, not two); the same tables. ``progress``: as
    :func:`playbook.features.compute` takes it."""
    from . import features

    then = _past_date(ts)
    if not (orders["order_date"] <= end_of_day(then)).any():
        return features.compute(orders, ts, progress=progress), None
    f, (past,) = features.compute(orders, ts, also=[then], progress=progress)
    return f, past


# A spreadsheet runs a cell as a formula when it starts with = + - @ (or their full-width forms,
# which Excel maps to ASCII), also behind spaces and invisible characters it skips (NBSP,
# zero-width space, BOM); a leading tab, CR or LF can hide the same.
_FORMULA = re.compile("[\\s\u200b-\u200f\u2060\ufeff]*[=+\\-@\uff1d\uff0b\uff0d\uff20]|[\t\r\n]")


def _is_text(values) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values)


# A formula-like text starts with one of these (the first character _FORMULA can match).
_FORMULA_FIRST = re.compile("[\\s\u200b-\u200f\u2060\ufeff=+\\-@\uff1d\uff0b\uff0d\uff20\t\r\n]")


def _formula_like(values: pd.Series) -> np.ndarray:
    """Which texts match :data:`_FORMULA` (missing: False). The regex runs only on the texts whose first
    character could start a match, found by their distinct first characters (on a million ids, a few)."""
    first = values.str.slice(0, 1)
    starts = [c for c in first.dropna().unique().tolist() if isinstance(c, str) and _FORMULA_FIRST.match(c)]
    risky = np.zeros(len(values), dtype=bool)
    if not starts:
        return risky
    maybe = np.flatnonzero(np.asarray(first.isin(starts), dtype=bool))
    risky[maybe] = np.asarray(pd.Series(values.iloc[maybe].str.match(_FORMULA)).fillna(False), dtype=bool)
    return risky


def _neutralise_text(values):
    """``values`` (a Series or Index of text) without NUL, formula-like strings prefixed by an apostrophe."""
    try:
        has_nul = np.asarray(pd.Series(values.str.contains("\x00", regex=False)).fillna(False), dtype=bool)
    except AttributeError:  # an object column holding no text at all
        return values
    out = pd.Series(values, copy=True) if isinstance(values, pd.Index) else values.copy()
    if has_nul.any():
        out.iloc[has_nul] = out.iloc[has_nul].str.replace("\x00", "", regex=False)
    risky = _formula_like(pd.Series(out))
    if not risky.any() and not has_nul.any():
        return values
    out.iloc[risky] = "'" + out.iloc[risky]
    return pd.Index(out, name=values.name) if isinstance(values, pd.Index) else out


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` safe to open in a spreadsheet: formula-like text gets a leading apostrophe.

    Text cells, category labels and index labels that begin with ``=``, ``+``, ``-``, ``@``
    or their full-width forms ``＝＋－＠`` (also behind spaces, NBSP, zero-width spaces or a
    BOM), or with a tab, CR or LF, would run as formulas in Excel or LibreOffice (CSV
    injection); the apostrophe makes the spreadsheet show them as text. NUL characters are
    removed. Numbers and dates are left alone; the caller's frame is not changed.

    Parameters
    ----------
    table : DataFrame

    Returns
    -------
    DataFrame
        Same shape, index and dtypes (a text column may become ``object``).

    Examples
    --------
    >>> t = pd.DataFrame({"reason": ["=1+1", "ok"], "n": [-1, 2]}, index=pd.Index(["@x", "C1"], name="customer_id"))
    >>> safe = neutralise_formulas(t)
    >>> safe["reason"].tolist(), safe.index.tolist(), safe["n"].tolist()
    (["'=1+1", 'ok'], ["'@x", 'C1'], [-1, 2])
    """
    if not isinstance(table, pd.DataFrame):
        raise InvalidArgumentError(f"neutralise_formulas needs a DataFrame. Got {type(table).__name__}.")
    safe = table.copy(deep=False)
    for col in safe.columns:
        values = safe[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = values.cat.categories
            if _is_text(cats):
                fixed = _neutralise_text(cats.astype(object))
                if fixed is not cats and fixed.is_unique:
                    safe[col] = values.cat.rename_categories(fixed)
                elif fixed is not cats:
                    safe[col] = _neutralise_text(values.astype(object))
        elif _is_text(values):
            safe[col] = _neutralise_text(values)
    if not isinstance(safe.index, pd.MultiIndex) and _is_text(safe.index):
        safe.index = _neutralise_text(safe.index)
    return safe


def export_action_list(table: pd.DataFrame, path, *, overwrite: bool = False) -> Path:
    """Write an action list to CSV safely: atomically, never over a file by accident.

    Text cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) get a
    leading apostrophe so a spreadsheet shows them instead of running them as formulas
    (:func:`neutralise_formulas`). With ``overwrite=True`` only a file the kit exported is
    replaced: one whose header line is the same; a link, a folder or any other file is refused
    (:mod:`playbook.output`), and the new file gets normal permissions.

    Parameters
    ----------
    table : DataFrame
        Usually :func:`action_list`.
    path : str or Path
    overwrite : bool
        Replace an earlier export with the same columns (default False: refuse any existing file).

    Returns
    -------
    Path written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> p = export_action_list(pd.DataFrame({"reason": ["=1+1"]}), folder / "a.csv")
    >>> p.read_text().splitlines()[1]
    "'=1+1"
    """
    from .output import write_file

    func = "export_action_list"
    if not isinstance(table, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs a DataFrame (e.g. action_list(base)). Got {type(table).__name__}.")
    path = Path(path)
    if not path.parent.exists():
        raise InvalidArgumentError(f"{func}: folder {path.parent} does not exist; create it first.")
    safe = neutralise_formulas(table)
    text = safe.to_csv(index=not isinstance(safe.index, pd.RangeIndex), lineterminator="\n")
    header = text.split("\n", 1)[0] + "\n"
    return write_file(path, text.encode("utf-8"), marker=header, overwrite=overwrite, option="overwrite",
                      what="an action list exported with the same columns")
