"""Lifecycle steps and formation stages (客户生命周期与客户形成阶段), stage flows and cohorts.

Every customer gets one stage at a date by explicit, ordered rules with named thresholds: both the lifecycle's and
the formation stages' are a :class:`playbook.rules.RuleTable` (change them with ``thresholds=``;
:func:`lifecycle_rules` and :func:`formation_rules` print the rules evaluated).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .deprecation import renamed_parameters
from .data import CustomerBase, check_data, end_of_day, require_columns, to_timestamp, validate_orders
from .errors import DataValidationError, InvalidArgumentError
from .i18n import register_labels
from .rules import RuleTable, resolve_thresholds
from .vocabulary import PROCUREMENT_STAGES

__all__ = [
    "LIFECYCLE_STAGES",
    "FORMATION_STAGES",
    "LAPSED",
    "NOT_YET_KNOWN",
    "stage_order",
    "LIFECYCLE_DEFAULTS",
    "FORMATION_DEFAULTS",
    "lifecycle_rules",
    "formation_rules",
    "lifecycle_stage",
    "formation_stage",
    "stage_flow",
    "cohort_table",
]

LIFECYCLE_STAGES = ("reach", "acquisition", "conversion", "retention", "loyalty")
FORMATION_STAGES = ("imagined", "prospect", "first_purchase", "repeat", "long_term", "advocate", "strategic_partner", "partner")
#: Buyers whose last order is too old sit outside both ladders.
LAPSED = "lapsed"
NOT_YET_KNOWN = "not_yet_known"


def stage_order(values) -> list[str]:
    """The stages among ``values`` in ladder order: not yet known, the lifecycle (or, when
    any value is not a lifecycle step, the formation ladder), lapsed, then anything else.

    >>> stage_order(["lapsed", "repeat", "prospect"])
    ['prospect', 'repeat', 'lapsed']
    """
    present = set(map(str, values))
    ladder = LIFECYCLE_STAGES if present <= {*LIFECYCLE_STAGES, LAPSED, NOT_YET_KNOWN} else FORMATION_STAGES
    order = [NOT_YET_KNOWN, *ladder, LAPSED]
    return [s for s in order if s in present] + sorted(present - set(order))

LIFECYCLE_DEFAULTS = {
    "active_days": 180,       # a buyer with no order for longer has lapsed
    "recent_days": 90,        # a registration this recent, without an order, is an acquisition
    "loyal_min_orders": 4,    # loyalty needs at least this many orders ...
    "advocate_score": 9,      # ... and a referral or a latest 'recommend' score at least this high
}
FORMATION_DEFAULTS = {
    "active_days": 180,       # a buyer with no order for longer has lapsed
    "prospect_days": 90,      # contact this recent makes a non-buyer a prospect
    "lead_days": 180,         # a qualified or key lead younger than this is a prospect
    "late_stage": "technical_screening",  # an open deal at or past this stage makes a prospect
    "long_term_days": 365,    # first-to-last order span of a long-term customer
    "advocate_score": 9,      # latest 'recommend' score (0-10) of an advocate
    "partner_relations": ("distributor", "agent"),
}

_CONTACT_KINDS = ("browse", "visit", "call", "follow_up", "event", "review", "suggestion")

register_labels({
    "retention_step": ("Retention", "留存"),
    "lapsed": ("Lapsed", "已流失"),
    "not_yet_known": ("Not yet known", "尚未出现"),
    "lifecycle_step": ("Lifecycle step", "生命周期阶段"),
    "formation_stage": ("Formation stage", "客户形成阶段"),
    "cohort": ("Acquisition cohort", "获客批次"),
    "periods_since_first": ("Periods since the first order", "首单后的期数"),
    "cohort_retention": ("Share of the cohort buying", "批次留存率"),
    "revenue_retention": ("Revenue relative to the first period", "收入留存率"),
    "reached_step": ("Reached this step (ever)", "曾到达该阶段"),
    "in_step_now": ("In this step now", "当前处于该阶段"),
    "stage_from": ("Stage on the first date", "起始日阶段"),
    "stage_to": ("Stage on the second date", "结束日阶段"),
    "moved_stage": ("customers changed stage", "位客户改变了阶段"),
})


def _params(defaults: dict, given: dict, func: str) -> dict:
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InvalidArgumentError(f"{func} got unknown rule parameter(s) {', '.join(unknown)}. "
                                   f"Valid ones are: {', '.join(defaults)}.")
    params = {**defaults, **given}
    for k, v in params.items():
        if k.endswith("_days") or k in ("loyal_min_orders",):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise InvalidArgumentError(f"The '{k}' parameter of {func} must be a whole number of at least 1. Got {v!r}.")
    if "late_stage" in params and params["late_stage"] not in PROCUREMENT_STAGES:
        raise InvalidArgumentError(f"The 'late_stage' parameter of {func} must be one of {', '.join(PROCUREMENT_STAGES)}. "
                                   f"Got {params['late_stage']!r}.")
    return params


_BOUGHT_REASON = ("{label}: {n_orders} orders, last {days_since_last:.0f} days ago, span {span_days:.0f} days; "
                  "{referrals_made} referrals ({referred_buyers} bought); {survey}")
_NO_ORDER_REASON = "{label}: {source}, no order; {recent_contacts} recent contacts"

_LOYAL = "n_orders >= {loyal_min_orders} and (referrals_made > 0 or last_recommend >= {advocate_score})"
_LIFECYCLE_RULES = RuleTable([
    (LAPSED, "n_orders > 0 and days_since_last > {active_days}", _BOUGHT_REASON,
     "has bought, but the last order is more than {active_days} days old"),
    ("loyalty", _LOYAL, _BOUGHT_REASON, "at least {loyal_min_orders} orders, and has referred someone or gave a latest "
                     "'recommend' score of {advocate_score} or more"),
    ("retention", "n_orders >= 2", _BOUGHT_REASON, "two or more orders, the last within {active_days} days"),
    ("conversion", "n_orders == 1", _BOUGHT_REASON, "exactly one order, within {active_days} days"),
    ("acquisition", "days_since_registration < {recent_days}", _NO_ORDER_REASON,
     "no order yet; registered (acquisition_date) within the last {recent_days} days"),
], default="reach", default_reason=_NO_ORDER_REASON,
    default_description="no order yet; known from an older registration, browsing or visits, or a lead",
    thresholds=LIFECYCLE_DEFAULTS, name="lifecycle")
"""The rules of :func:`lifecycle_stage`, stated once: :func:`lifecycle_rules` prints them and
:func:`lifecycle_stage` evaluates them (conditions on the evidence columns of its output, plus
``days_since_registration``; ``{survey}`` in a reason is the latest 'recommend' score or "no survey")."""

_FURTHEST_RULES = RuleTable([
    ("loyalty", _LOYAL, ""),
    ("retention", "n_orders >= 2", ""),
    ("conversion", "n_orders == 1", ""),
    ("acquisition", "registered", ""),
], default="reach", default_reason="", thresholds=LIFECYCLE_DEFAULTS, name="furthest lifecycle step")
"""The furthest step a customer ever reached: the ladder without recency (``furthest`` in :func:`lifecycle_stage`)."""


def _lifecycle_thresholds(thresholds, rules: dict, func: str) -> dict:
    return _params(LIFECYCLE_DEFAULTS, resolve_thresholds(LIFECYCLE_DEFAULTS, thresholds, func, old=rules, stacklevel=4), func)


def lifecycle_rules(*, thresholds: dict | None = None, **rules) -> pd.DataFrame:
    """The ordered rules of :func:`lifecycle_stage`, with the thresholds filled in.

    Rules are tried from the top; the first that holds gives the step. The table is the
    one :func:`lifecycle_stage` evaluates: ``rule`` says it in words, ``condition`` is the
    expression applied to the evidence columns, ``reason`` the template of the reason text.

    Parameters
    ----------
    thresholds : dict, optional
        Thresholds overriding :data:`LIFECYCLE_DEFAULTS`, e.g. ``{"active_days": 90}``.
    **rules
        The old spelling of ``thresholds`` (``active_days=90``): still works for one
        release, with a DeprecationWarning.

    Examples
    --------
    >>> lifecycle_rules(thresholds={"active_days": 90}).loc[1, "rule"]
    'has bought, but the last order is more than 90 days old'
    >>> lifecycle_rules().loc[1, "condition"]
    'n_orders > 0 and days_since_last > 180'
    """
    p = _lifecycle_thresholds(thresholds, rules, "lifecycle_rules")
    table = _LIFECYCLE_RULES.table(p)
    return table.rename(columns={"label": "stage", "description": "rule"})[["stage", "rule", "condition", "reason"]]


_FORMATION_RULES = RuleTable([
    ("partner", "n_orders > 0 and relation in {partner_relations}", _BOUGHT_REASON,
     "has bought, and the relation is one of {partner_relations} (agent, distributor)"),
    (LAPSED, "n_orders > 0 and days_since_last > {active_days}", _BOUGHT_REASON,
     "has bought, but the last order is more than {active_days} days old"),
    ("strategic_partner", "n_orders >= 2 and referred_buyers > 0", _BOUGHT_REASON,
     "two or more orders, and referred someone who went on to buy"),
    ("advocate", "n_orders >= 2 and (last_recommend >= {advocate_score} or referrals_made > 0)", _BOUGHT_REASON,
     "two or more orders, and a latest 'recommend' score of {advocate_score} or more, or has referred someone"),
    ("long_term", "n_orders >= 2 and span_days >= {long_term_days}", _BOUGHT_REASON,
     "two or more orders spanning at least {long_term_days} days (one-time buyers never qualify)"),
    ("repeat", "n_orders >= 2", _BOUGHT_REASON, "two or more orders"),
    ("first_purchase", "n_orders == 1", _BOUGHT_REASON, "exactly one order"),
    ("prospect", "recent_contacts > 0 or late_open_deal or lead_prospect", _NO_ORDER_REASON,
     "no order; contact within {prospect_days} days (recent_contacts), an open deal at '{late_stage}' or later "
     "(late_open_deal), or a qualified/key lead younger than {lead_days} days and not discarded (lead_prospect)"),
], default="imagined", default_reason=_NO_ORDER_REASON,
    default_description="no order and no recent contact: a customer record or lead we only picture (persona)",
    thresholds=FORMATION_DEFAULTS, name="formation")
"""The rules of :func:`formation_stage`, stated once: :func:`formation_rules` prints them and
:func:`formation_stage` evaluates them on its evidence columns (``prospect_days``, ``lead_days``
and ``late_stage`` shape the evidence ``recent_contacts``, ``lead_prospect`` and ``late_open_deal``)."""


_FORMATION_LABELS = RuleTable(_FORMATION_RULES.rules.assign(reason=""), default="imagined", default_reason="",
                              thresholds=FORMATION_DEFAULTS, name="formation")
""":data:`_FORMATION_RULES` without reason texts (``formation_from_evidence(..., reasons=False)``)."""


def _formation_thresholds(thresholds, rules: dict, func: str) -> dict:
    return _params(FORMATION_DEFAULTS, resolve_thresholds(FORMATION_DEFAULTS, thresholds, func, old=rules, stacklevel=4), func)


def _listed(p: dict) -> dict:
    """``p`` with ``partner_relations`` as a list, printed and read as ``relation in [...]``."""
    return {**p, "partner_relations": list(p["partner_relations"])}


def formation_rules(*, thresholds: dict | None = None, **rules) -> pd.DataFrame:
    """The ordered rules of :func:`formation_stage`, with the thresholds filled in.

    Rules are tried from the top; the first that holds gives the stage. The table is the
    one :func:`formation_stage` evaluates: ``rule`` says it in words, ``condition`` is the
    expression applied to the evidence columns, ``reason`` the template of the reason text.

    Parameters
    ----------
    thresholds : dict, optional
        Thresholds overriding :data:`FORMATION_DEFAULTS`, e.g. ``{"long_term_days": 500}``.
    **rules
        The old spelling of ``thresholds`` (``long_term_days=500``): still works for one
        release, with a DeprecationWarning.

    Examples
    --------
    >>> formation_rules().stage.tolist()[:3]
    ['partner', 'lapsed', 'strategic_partner']
    >>> formation_rules(thresholds={"long_term_days": 500}).loc[5, "condition"]
    'n_orders >= 2 and span_days >= 500'
    """
    p = _formation_thresholds(thresholds, rules, "formation_rules")
    table = _FORMATION_RULES.table(_listed(p))
    return table.rename(columns={"label": "stage", "description": "rule"})[["stage", "rule", "condition", "reason"]]


# ---------------------------------------------------------------------------
# Evidence: what is known of each customer at as_of

def _as_base(data, as_of, func: str) -> tuple[CustomerBase, pd.Timestamp]:
    if isinstance(data, CustomerBase):
        ts = to_timestamp(as_of if as_of is not None else data.as_of)
        validate_orders(data.orders, func)
        return data.snapshot(ts), ts
    validate_orders(data, func)
    ts = to_timestamp(as_of)
    return CustomerBase(orders=data, name="orders").snapshot(ts), ts


def _evidence(base: CustomerBase, ts: pd.Timestamp, *, contact_days: int, lead_days: int | None,
              late_stage: str | None, func: str) -> pd.DataFrame:
    """One row per known customer (and open lead) at ``ts``: the facts the rules read."""
    o = base.orders
    per = o.groupby("customer_id", observed=True)["order_date"].agg(n_orders="size", first_order="min", last_order="max")
    ids = pd.Index(per.index.astype(str))
    per.index = ids
    ev = pd.DataFrame(index=ids)
    source = pd.Series("customer", index=ids, dtype=object)
    if base.customers is not None:
        c = base.customers.set_index(base.customers["customer_id"].astype(str))
        ev = ev.reindex(ids.union(c.index, sort=False))
        source = source.reindex(ev.index, fill_value="customer")
        ev["acquisition_date"] = c["acquisition_date"].reindex(ev.index)
        ev["relation"] = c["relation"].astype(object).reindex(ev.index) if "relation" in c else None
    if base.leads is not None:
        leads = base.leads
        became = leads["converted_customer_id"].astype(object)
        # Converted on as_of means the customer it became is already known; later conversions are still leads.
        open_leads = leads[~became.isin(set(ev.index))].copy()
        # A lead that converts later is listed under the customer id it became, so stage_flow can follow it.
        lead_ids = open_leads["converted_customer_id"].astype(object).where(
            open_leads["converted_customer_id"].notna(), "L" + open_leads["lead_id"].astype(str).str.zfill(4))
        open_leads.index = pd.Index(lead_ids.astype(str))
        open_leads = open_leads[~open_leads.index.duplicated()]
        ev = ev.reindex(ev.index.append(open_leads.index.difference(ev.index)))
        source = source.reindex(ev.index).fillna("lead")
        young = (ts.normalize() - open_leads["created_at"]).dt.days < (lead_days or 0)
        good = open_leads["level"].astype(str).isin(["qualified", "key"]) & (open_leads["status"].astype(str) != "discarded")
        ev["lead_prospect"] = (good & young).reindex(ev.index, fill_value=False).astype(bool)
    if len(ev) == 0:
        raise DataValidationError(f"{func}: no customer is known on {ts.date()} (the data is empty, or as_of is before "
                                  "the first order and registration). Pick a later as_of.")
    ev["source"] = source
    ev = ev.join(per, how="left")
    ev["n_orders"] = ev["n_orders"].fillna(0).astype(np.int64)
    ev["days_since_last"] = (ts.normalize() - ev["last_order"].dt.normalize()).dt.days
    ev["span_days"] = (ev["last_order"].dt.normalize() - ev["first_order"].dt.normalize()).dt.days
    buyers = set(per.index)
    ev["referrals_made"] = 0
    ev["referred_buyers"] = 0
    if base.referrals is not None and len(base.referrals):
        r = base.referrals
        ev["referrals_made"] = r.groupby(r["referrer_id"].astype(str)).size().reindex(ev.index, fill_value=0).astype(np.int64)
        bought = r[r["referred_id"].notna() & r["referred_id"].astype(object).isin(buyers)]
        ev["referred_buyers"] = bought.groupby(bought["referrer_id"].astype(str)).size().reindex(ev.index, fill_value=0).astype(np.int64)
    ev["last_recommend"] = np.nan
    if base.surveys is not None and len(base.surveys):
        s = base.surveys.sort_values("date", kind="stable")
        ev["last_recommend"] = s.groupby(s["customer_id"].astype(str))["recommend"].last().reindex(ev.index).astype(float)
    ev["recent_contacts"] = 0
    if base.interactions is not None and len(base.interactions):
        i = base.interactions
        recent = i[i["kind"].astype(str).isin(_CONTACT_KINDS) & (i["date"] > end_of_day(ts) - pd.Timedelta(days=contact_days))]
        ev["recent_contacts"] = recent.groupby(recent["customer_id"].astype(str)).size().reindex(ev.index, fill_value=0).astype(np.int64)
    ev["late_open_deal"] = False
    if late_stage is not None and base.opportunities is not None and base.opportunity_stages is not None:
        rank = {s: k for k, s in enumerate(PROCUREMENT_STAGES)}
        st = base.opportunity_stages.assign(rank=base.opportunity_stages["stage"].astype(str).map(rank))
        reached = st.groupby("opportunity_id")["rank"].max()
        op = base.opportunities
        open_ = op[op["outcome"].astype(str) == "open"]
        late = open_[open_["opportunity_id"].map(reached).fillna(-1) >= rank[late_stage]]
        ev["late_open_deal"] = ev.index.isin(set(late["customer_id"].astype(str)))
    ev.index.name = "customer_id"
    return ev


_EVIDENCE_COLUMNS = ["source", "n_orders", "first_order", "last_order", "days_since_last", "span_days",
                     "referrals_made", "referred_buyers", "last_recommend", "recent_contacts"]


def lifecycle_stage(base_or_orders, as_of=None, *, thresholds: dict | None = None, **rules) -> pd.DataFrame:
    """Each customer's step in the lifecycle (客户生命周期) on ``as_of``, with the evidence.

    The five steps are reach (触达), acquisition (获取), conversion (转化), retention (留存)
    and loyalty (激励); buyers whose last order is older than ``active_days`` are
    ``"lapsed"``, outside the cycle. :func:`lifecycle_rules` prints the ordered rules.
    With only orders, everyone has bought, so reach and acquisition stay empty.

    Parameters
    ----------
    base_or_orders : CustomerBase or DataFrame
        A base (customers, interactions, surveys, referrals and leads are used when
        present) or plain orders with ``customer_id`` and ``order_date``.
    as_of : date-like
        The date to look at; only what was known then is used. Defaults to ``base.as_of``
        for a base; required for an orders DataFrame.
    thresholds : dict, optional
        Thresholds overriding :data:`LIFECYCLE_DEFAULTS` (``active_days``, ``recent_days``,
        ``loyal_min_orders``, ``advocate_score``), e.g. ``{"active_days": 90}``.
    **rules
        The old spelling of ``thresholds`` (``active_days=90``): still works for one
        release, with a DeprecationWarning.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``stage`` (ordered categorical: the five
    steps, then ``lapsed``), ``furthest`` (the furthest step ever reached), ``reason``
    and the evidence columns (``n_orders``, ``days_since_last``, ``referrals_made``,
    ``last_recommend``, ``recent_contacts``...).

    Examples
    --------
    >>> import playbook
    >>> steps = lifecycle_stage(playbook.load_dataset("retail"), as_of="2025-12-31")
    >>> steps.stage.value_counts().idxmax()
    'lapsed'
    """
    p = _lifecycle_thresholds(thresholds, rules, "lifecycle_stage")
    base, ts = _as_base(base_or_orders, as_of, "lifecycle_stage")
    ev = _evidence(base, ts, contact_days=p["recent_days"], lead_days=None, late_stage=None, func="lifecycle_stage")
    facts = ev.assign(days_since_registration=(ts.normalize() - ev["acquisition_date"]).dt.days
                      if "acquisition_date" in ev else np.nan,
                      registered=ev["acquisition_date"].notna() if "acquisition_date" in ev else False)
    decided = _LIFECYCLE_RULES.evaluate(facts, p, func="lifecycle_stage", extra={
        "survey": lambda: ev["last_recommend"].map(lambda v: "no survey" if pd.isna(v) else f"recommend {int(v)}")})
    out = ev[_EVIDENCE_COLUMNS].copy()
    out.insert(0, "stage", pd.Categorical(decided["label"], categories=[*LIFECYCLE_STAGES, LAPSED], ordered=True))
    furthest = _FURTHEST_RULES.evaluate(facts, p, func="lifecycle_stage")["label"]
    out.insert(1, "furthest", pd.Categorical(furthest, categories=LIFECYCLE_STAGES, ordered=True))
    out.insert(2, "reason", decided["reason"])
    return out.sort_index()


def formation_stage(base, as_of=None, *, thresholds: dict | None = None, **rules) -> pd.DataFrame:
    """Each customer's formation stage (客户形成阶段) on ``as_of``, with the evidence.

    The eight stages of a large B2B platform, from imagined (猜想客户) and prospect
    (预期客户) through first purchase (首次成交), repeat (重复购买), long-term (长期客户),
    advocate (拥护者) and strategic partner (战略合作) to partner (合伙人). Having bought
    once does not make a core customer: a one-time buyer is never long-term. Buyers
    whose last order is older than ``active_days`` are ``"lapsed"``; partners are judged
    by relation, not recency. :func:`formation_rules` prints the ordered rules.

    Unconverted leads (b2b) are included, under ``L`` + lead id, or under the customer id
    they later became so that :func:`stage_flow` can follow them; their stage uses only
    what was known on ``as_of``. (The lead table has no date for a status other than
    conversion, so ``discarded`` is taken as recorded.)

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A base, or plain orders (then only the buying stages and ``lapsed`` occur).
    as_of : date-like
        Defaults to ``base.as_of`` for a base; required for an orders DataFrame.
    thresholds : dict, optional
        Thresholds overriding :data:`FORMATION_DEFAULTS`, e.g. ``{"active_days": 90}``.
    **rules
        The old spelling of ``thresholds`` (``active_days=90``): still works for one
        release, with a DeprecationWarning.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``stage`` (ordered categorical: the eight
    stages, then ``lapsed``), ``reason``, the evidence columns, and ``relation``,
    ``late_open_deal``, ``lead_prospect`` where the data has them.

    Examples
    --------
    >>> import playbook
    >>> stages = formation_stage(playbook.load_dataset("b2b"), as_of="2024-06-30")
    >>> stages.loc["A0002", "stage"]
    'long_term'
    """
    p = _formation_thresholds(thresholds, rules, "formation_stage")
    base, ts = _as_base(base, as_of, "formation_stage")
    ev = _evidence(base, ts, contact_days=p["prospect_days"], lead_days=p["lead_days"], late_stage=p["late_stage"],
                   func="formation_stage")
    return formation_from_evidence(ev, p)


def formation_from_evidence(ev: pd.DataFrame, p: dict, *, reasons: bool = True) -> pd.DataFrame:
    """:func:`formation_stage`'s rules (:func:`formation_rules`) on an evidence table, with the thresholds ``p``
    (all of :data:`FORMATION_DEFAULTS`); ``reasons=False`` skips the reason texts."""
    relation, lead_prospect, decided = _formation_decided(ev, p, reasons)
    out = ev[_EVIDENCE_COLUMNS].copy()
    out["relation"] = relation
    out["late_open_deal"] = ev["late_open_deal"]
    out["lead_prospect"] = lead_prospect
    out.insert(0, "stage", _stages_of(decided, reasons))
    if reasons:
        out.insert(1, "reason", decided["reason"])
    return out.sort_index()


def _formation_decided(ev: pd.DataFrame, p: dict, reasons: bool):
    relation = ev["relation"] if "relation" in ev else pd.Series(None, index=ev.index, dtype=object)
    lead_prospect = ev["lead_prospect"] if "lead_prospect" in ev else pd.Series(False, index=ev.index)
    facts = ev.assign(relation=relation.astype(object), lead_prospect=lead_prospect)
    rules = _FORMATION_RULES if reasons else _FORMATION_LABELS
    decided = rules.evaluate(facts, _listed(p), func="formation_stage", extra={
        "survey": lambda: ev["last_recommend"].map(lambda v: "no survey" if pd.isna(v) else f"recommend {int(v)}")})
    return relation, lead_prospect, decided


def _stages_of(decided: pd.DataFrame, reasons: bool) -> pd.Categorical:
    """The ordered stage categorical of the formation rules' decisions, read from the rule numbers (no text per row)."""
    rules = _FORMATION_RULES if reasons else _FORMATION_LABELS
    return rules._categorical(decided, [*FORMATION_STAGES, LAPSED], ordered=True)


def formation_stages_only(ev: pd.DataFrame, p: dict) -> pd.Series:
    """``formation_from_evidence(ev, p, reasons=False)["stage"]`` without the evidence columns around it."""
    _, _, decided = _formation_decided(ev, p, False)
    return pd.Series(_stages_of(decided, False), index=ev.index, name="stage").sort_index()


def orders_evidence(f: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    """:func:`_evidence` of an orders-only base at ``ts``, from its feature table (:func:`playbook.features.compute`)."""
    known = f["n_orders"].to_numpy() > 0
    f = f if known.all() else f.loc[known]  # a table of known customers only is used as it is
    ev = pd.DataFrame(index=pd.Index(f.index, name="customer_id"))
    ev["source"] = "customer"
    ev["n_orders"] = f["n_orders"].astype(np.int64)
    ev["first_order"] = f["first_order"]
    ev["last_order"] = f["last_order"]
    ev["days_since_last"] = (ts.normalize() - ev["last_order"].dt.normalize()).dt.days
    ev["span_days"] = (ev["last_order"].dt.normalize() - ev["first_order"].dt.normalize()).dt.days
    ev["referrals_made"] = 0
    ev["referred_buyers"] = 0
    ev["last_recommend"] = np.nan
    ev["recent_contacts"] = 0
    ev["late_open_deal"] = False
    return ev


# ---------------------------------------------------------------------------
# Flows and cohorts

@renamed_parameters(from_as_of="since", to_as_of="as_of")
def stage_flow(base, since, as_of, *, stages: Callable | str = formation_stage, **rules) -> pd.DataFrame:
    """How many customers moved from each stage on ``since`` to each stage on ``as_of``.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        As for ``stages``.
    since, as_of : date-like
        The two dates, the first before the second (``from_as_of`` and ``to_as_of``, their
        old names, still work for one release, with a DeprecationWarning).
    stages : callable or {"formation", "lifecycle"}
        :func:`formation_stage` (default) or :func:`lifecycle_stage`.
    **rules
        Passed to ``stages``.

    Returns
    -------
    DataFrame of counts: rows are the stage on ``since`` (plus ``not_yet_known`` for
    customers who appeared in between), columns the stage on ``as_of``; only stages
    that occur are shown, in ladder order. ``attrs`` keeps the two dates (as ``from_as_of``
    and ``to_as_of``).

    Examples
    --------
    >>> import playbook
    >>> flow = stage_flow(playbook.load_dataset("b2b"), "2024-06-30", "2025-06-30")
    >>> int(flow.loc["long_term", "lapsed"]) > 0
    True
    """
    check_data(base, "stage_flow")
    if isinstance(stages, str):
        known: dict[str, Callable[..., pd.DataFrame]] = {"formation": formation_stage, "lifecycle": lifecycle_stage}
        if stages not in known:
            raise InvalidArgumentError(f"The 'stages' parameter of stage_flow must be 'formation', 'lifecycle' or a "
                                       f"function. Got {stages!r}.")
        stages = known[stages]
    start, end = to_timestamp(since, "since"), to_timestamp(as_of, "as_of")
    if start >= end:
        raise InvalidArgumentError(f"stage_flow needs since before as_of. Got {start.date()} and {end.date()}.")
    after = stages(base, end, **rules)["stage"]
    try:
        before = stages(base, start, **rules)["stage"]
    except DataValidationError:
        before = pd.Series(dtype=object)  # nobody known yet on the first date
    order = list(after.cat.categories)
    b = before.astype(object).reindex(after.index).fillna(NOT_YET_KNOWN)
    table = pd.crosstab(b, after.astype(object))
    rows = [s for s in [NOT_YET_KNOWN] + order if s in table.index]
    cols = [s for s in order if s in table.columns]
    table = table.reindex(index=rows, columns=cols, fill_value=0).astype(np.int64)
    table.index.name, table.columns.name = "stage_from", "stage_to"
    table.attrs = {"from_as_of": start, "to_as_of": end}
    return table


_PERIODS = ("W", "M", "Q", "Y")


@renamed_parameters(period="freq")
def cohort_table(orders, *, as_of, freq: str = "M", value: str = "customers") -> pd.DataFrame:
    """Acquisition cohorts (获客批次): what share of each cohort is still there k periods later.

    A cohort is the customers whose first order fell in the same period. With
    ``value="customers"`` a cell is the share of the cohort that ordered in period k
    (k = 0 is the first period, always 1); with ``value="revenue"`` it is the cohort's
    revenue in period k relative to its revenue in period 0 (empty when that was zero
    or less, e.g. refunds only). Periods not complete on ``as_of`` are empty.

    Parameters
    ----------
    orders : DataFrame or CustomerBase
        Orders with ``customer_id``, ``order_date`` and (for revenue) ``amount``.
    as_of : date-like
        Orders after it are ignored.
    freq : {"W", "M", "Q", "Y"}
        Cohort and period length (``period``, its old name, still works for one release, with a DeprecationWarning).
    value : {"customers", "revenue"}

    Returns
    -------
    DataFrame with one row per cohort (a ``Period``), one column per k = 0, 1, 2...

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [10.0, 5.0, 20.0, 8.0],
    ...     "order_date": pd.to_datetime(["2025-01-03", "2025-02-10", "2025-01-20", "2025-02-02"])})
    >>> cohort_table(orders, as_of="2025-02-28")
    periods_since_first    0    1
    cohort                       
    2025-01              1.0  0.5
    2025-02              1.0  NaN
    """
    if isinstance(orders, CustomerBase):
        orders = orders.orders
    validate_orders(orders, "cohort_table")
    if freq not in _PERIODS:
        raise InvalidArgumentError(f"The 'freq' parameter of cohort_table must be one of {', '.join(_PERIODS)}. Got {freq!r}.")
    if value not in ("customers", "revenue"):
        raise InvalidArgumentError(f"The 'value' parameter of cohort_table must be 'customers' or 'revenue'. Got {value!r}.")
    if value == "revenue":
        require_columns(orders, ["amount"], "cohort_table")
    ts = to_timestamp(as_of)
    known = orders[orders["order_date"] <= end_of_day(ts)]
    if known.empty:
        what = "orders is empty" if orders.empty else f"as_of={ts.date()} is before the first order ({orders['order_date'].min().date()})"
        raise DataValidationError(f"cohort_table has nothing to count: {what}.")
    per = pd.PeriodIndex(known["order_date"].dt.to_period(freq))
    ordinal = per.asi8
    cid = known["customer_id"].astype(str).to_numpy()
    first = pd.Series(ordinal).groupby(cid).transform("min").to_numpy()
    frame = pd.DataFrame({"cohort": first, "k": ordinal - first, "customer_id": cid})
    if value == "customers":
        cells = frame.groupby(["cohort", "k"])["customer_id"].nunique().unstack("k", fill_value=0)
        start = cells[0]
    else:
        frame["amount"] = known["amount"].to_numpy(dtype=float)
        cells = frame.groupby(["cohort", "k"])["amount"].sum().unstack("k", fill_value=0.0)
        start = cells[0].where(cells[0] > 0)
    now = pd.Period(ts, freq)
    last_complete = now.ordinal if now.end_time.normalize() <= ts.normalize() else now.ordinal - 1
    span = last_complete - cells.index.to_numpy()
    ks = np.arange(max(int(span.max()) + 1, 1))
    table = cells.reindex(columns=ks, fill_value=0).astype(float).div(start, axis=0)
    table = table.where(ks[None, :] <= span[:, None]).loc[span >= 0]
    table.index = pd.PeriodIndex.from_ordinals(table.index, freq=now.freq) if len(table) else pd.PeriodIndex([], freq=now.freq)
    table.index.name, table.columns.name = "cohort", "periods_since_first"
    return table
