"""Key-account management (大客户管理): the procurement pipeline, the lead pool, stakeholders,
competitor bids, account managers and a scorecard per key account, all as of a given date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .deprecation import renamed_parameters
from .data import CustomerBase, check_column, end_of_day, require_columns, resolve_as_of
from .errors import DataValidationError, InvalidArgumentError
from .i18n import LABELS, register_labels, resolve_lang
from .vocabulary import PROCUREMENT_STAGES

__all__ = [
    "STAGE_PLAYBOOK",
    "SYSTEM_ELEMENTS",
    "key_account_system",
    "LEAD_LEVEL_ORDER",
    "pipeline",
    "stage_conversion",
    "trigger_events",
    "lead_pool",
    "rep_load",
    "assign_leads",
    "channel_effectiveness",
    "CONVERSION_WINDOW_DAYS",
    "channel_conversion",
    "channel_wear_out",
    "stakeholder_map",
    "stakeholder_coverage",
    "competitor_comparison",
    "account_manager_report",
    "key_account_scorecard",
    "praise_and_conversion",
    "deal_recap",
]

_NEW_LABELS = {
    "deals": ("Deals", "商机数"),
    "open_value": ("Value of open deals", "在谈商机金额"),
    "win_rate": ("Win rate", "赢单率"),
    "price_band": ("Our quote vs the competitor's", "我方报价相对竞争对手"),
    "technical_plan": ("Technical improvement plan offered", "提供技术改进方案"),
    "lead_pool": ("Lead pool", "待分配客户"),
    "lead_source": ("Lead source", "线索来源"),
    "stakeholder_map": ("Stakeholder map", "采购决策链"),
    "decision_maker": ("Decision maker", "决策者"),
    "supporter": ("Supporter", "支持者"),
    "opponent": ("Opponent", "反对者"),
    "praised_publicly": ("Praised the product in public", "公开称赞产品"),
    "account_manager": ("Account manager", "客户经理"),
    "follow_up_discipline": ("Follow-up discipline", "跟进纪律"),
    "conversion_to_next": ("Conversion to the next stage", "进入下一阶段的比例"),
    "too_recent": ("Too recent to judge", "太新，尚无法判断"),
    "eligible": ("Leads judged", "纳入判断的线索"),
    "all_sources": ("All sources", "全部来源"),
    "trend_per_year": ("Trend per year", "每年变化趋势"),
    "verdict": ("Verdict", "结论"),
    "falling": ("Falling", "下降"),
    "rising": ("Rising", "上升"),
    "not settled": ("Not settled", "尚无定论"),
    "trade_show": ("Trade show", "展会"),
    "industry_website": ("Industry website", "行业网站"),
    "peer_website": ("Peer website", "同行网站"),
    "cold_call": ("Cold call", "陌生拜访电话"),
}
register_labels({k: v for k, v in _NEW_LABELS.items() if LABELS.get(k, v) == v})

#: Lead levels, best first: the order in which :func:`assign_leads` hands leads out.
LEAD_LEVEL_ORDER = ("key", "qualified", "undifferentiated")
_CARE = ("follow_up", "visit", "call")
_PRICE_BANDS = ("cheaper_or_equal", "up_to_5pct_dearer", "over_5pct_dearer")

# What to do at each stage, in both languages, in the label registry (``stage_playbook.<stage>``).
register_labels({
    "stage_playbook.internal_need": (
        "Watch for trigger events; help the client put the need into words with data from their own plant.",
        "关注触发事件；用客户自己的数据帮助其把需求说清楚。"),
    "stage_playbook.project_setup": (
        "Find who owns the project; make sure the requirement is written in terms we can meet.",
        "弄清项目负责人；让需求以我们能满足的方式写进立项文件。"),
    "stage_playbook.information_gathering": (
        "Be on the list: references from similar clients, case studies, a visit to a running site.",
        "进入候选名单：同行案例、成功案例、参观运行中的现场。"),
    "stage_playbook.technical_screening": (
        "Put our engineers next to theirs; answer the specification point by point, in writing.",
        "让我方工程师与对方技术人员对接；逐条书面回应技术规格。"),
    "stage_playbook.project_evaluation": (
        "Show total cost over the life of the equipment and a technical improvement plan, not just a price.",
        "展示全寿命周期成本和技术改进方案，而不只是报价。"),
    "stage_playbook.final_decision": (
        "Cover every role of the buying team; answer the last objections; keep the quote consistent.",
        "覆盖采购团队的每个角色；解答最后的疑虑；报价前后一致。"),
    "stage_playbook.after_sales": (
        "Deliver on time, follow up by the tier cadence, and collect the next need early.",
        "按时交付，按分级频率跟进，及早发现下一个需求。"),
})

STAGE_PLAYBOOK = pd.DataFrame(
    {
        "buyer_is": [
            "noticing a problem or an opportunity",
            "naming a project, an owner and a budget",
            "looking for possible suppliers and solutions",
            "checking which offers meet the technical specification",
            "comparing the short list on value, risk and cost",
            "choosing the supplier and negotiating terms",
            "using what was bought and judging the supplier by it",
        ],
        "what_to_do": [LABELS[f"stage_playbook.{stage}"][0] for stage in PROCUREMENT_STAGES],
        "what_to_do_zh": [LABELS[f"stage_playbook.{stage}"][1] for stage in PROCUREMENT_STAGES],
    },
    index=pd.CategoricalIndex(list(PROCUREMENT_STAGES), categories=list(PROCUREMENT_STAGES), ordered=True, name="stage"),
)
"""What to do at each of the seven procurement stages: sell to the stage the buyer is in."""


# ---------------------------------------------------------------------------
# helpers

def _base(base, func: str, *tables: str) -> None:
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase (e.g. playbook.load_dataset('b2b')). Got {type(base).__name__}.")
    base.require(*tables, by=func)




def _stage_cat(values) -> pd.Categorical:
    return pd.Categorical(pd.Series(values).astype(str), categories=list(PROCUREMENT_STAGES), ordered=True)


def _deals_at(base: CustomerBase, as_of, func: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Deals opened by ``as_of`` with their outcome and stage as known then (no look-ahead)."""
    _base(base, func, "opportunities", "opportunity_stages")
    ts = resolve_as_of(base, as_of, func)
    end = end_of_day(ts)
    opps, stages = base.table("opportunities"), base.table("opportunity_stages")
    require_columns(opps, ("opportunity_id", "customer_id", "opened_at", "outcome", "closed_at", "expected_value"), func,
                    table="opportunities")
    require_columns(stages, ("opportunity_id", "stage", "entered_at"), func, table="opportunity_stages")
    unknown = set(stages["stage"].dropna().astype(str)) - set(PROCUREMENT_STAGES)
    if unknown:
        raise DataValidationError(f"{func}: unknown stages {sorted(unknown)} in `opportunity_stages`; use {', '.join(PROCUREMENT_STAGES)}.")
    deals = opps.loc[opps["opened_at"] <= end].copy()
    late = deals["closed_at"].isna() | (deals["closed_at"] > end)
    deals["outcome"] = deals["outcome"].astype(str).where(~late, "open")
    deals.loc[late, "closed_at"] = pd.NaT
    hist = stages.loc[(stages["entered_at"] <= end) & stages["opportunity_id"].isin(deals["opportunity_id"])].copy()
    hist["stage"] = _stage_cat(hist["stage"].to_numpy())
    hist = hist.sort_values(["opportunity_id", "entered_at", "stage"], kind="stable")
    current = hist.groupby("opportunity_id")["stage"].last()
    deals["current_stage"] = _stage_cat(deals["opportunity_id"].map(current).astype(object).fillna("internal_need").to_numpy())
    return deals, hist, ts


# ---------------------------------------------------------------------------
# pipeline

def pipeline(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """Open deals by procurement stage on ``as_of``: how many, and how much they are worth.

    A deal is open on ``as_of`` if it was opened by then and not yet won or lost; its
    stage is the last one it had entered by then (from ``opportunity_stages``).

    Parameters
    ----------
    base : CustomerBase
        With ``opportunities`` and ``opportunity_stages`` (the b2b dataset).
    as_of : date, optional
        Defaults to ``base.as_of``.

    Returns
    -------
    DataFrame indexed by the seven stages in order: ``deals``, ``open_value`` (sum of
    ``expected_value``) and ``share_of_value``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> int(pipeline(base)["deals"].sum()) == int((base.opportunities["outcome"].astype(str) == "open").sum())
    True
    """
    deals, _, _ = _deals_at(base, as_of, "pipeline")
    open_ = deals.loc[deals["outcome"] == "open"]
    out = open_.groupby("current_stage", observed=False).agg(deals=("opportunity_id", "size"),
                                                             open_value=("expected_value", "sum"))
    out.index = pd.CategoricalIndex(out.index.astype(str), categories=list(PROCUREMENT_STAGES), ordered=True, name="stage")
    total = out["open_value"].sum()
    out["share_of_value"] = out["open_value"] / total if total > 0 else np.nan
    return out


def stage_conversion(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """Conversion from each procurement stage to the next, and the median days spent in it.

    Of the deals that entered a stage by ``as_of``, those still sitting in it while open
    are undecided and left out of the rate: ``conversion_to_next = advanced / (entered -
    still_open)``. Time in stage is measured on the deals that advanced.

    Parameters
    ----------
    base : CustomerBase
    as_of : date, optional

    Returns
    -------
    DataFrame indexed by stage: ``entered``, ``advanced``, ``still_open``,
    ``conversion_to_next`` and ``median_days_in_stage`` (NaN for the last stage).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> conv = stage_conversion(base)
    >>> int(conv.loc["internal_need", "entered"]) == len(base.opportunities)
    True
    """
    deals, hist, _ = _deals_at(base, as_of, "stage_conversion")
    codes = hist["stage"].cat.codes.to_numpy()
    hist = hist.assign(code=codes)
    first = hist.groupby(["opportunity_id", "code"])["entered_at"].min().unstack()
    open_ids = deals.loc[deals["outcome"] == "open", ["opportunity_id", "current_stage"]]
    rows = []
    for k, stage in enumerate(PROCUREMENT_STAGES):
        entered = first[k].notna() if k in first else pd.Series(False, index=first.index)
        nxt = first[k + 1].notna() if k + 1 in first else pd.Series(False, index=first.index)
        still = int((open_ids["current_stage"].astype(str) == stage).sum())
        n_in, n_adv = int(entered.sum()), int((entered & nxt).sum())
        days = (first.loc[entered & nxt, k + 1] - first.loc[entered & nxt, k]).dt.total_seconds() / 86400 if n_adv else pd.Series(dtype=float)
        last = k == len(PROCUREMENT_STAGES) - 1
        decided = n_in - still
        rows.append({"entered": n_in, "advanced": n_adv if not last else 0, "still_open": still,
                     "conversion_to_next": np.nan if last or decided <= 0 else n_adv / decided,
                     "median_days_in_stage": np.nan if last or not n_adv else float(days.median())})
    idx = pd.CategoricalIndex(list(PROCUREMENT_STAGES), categories=list(PROCUREMENT_STAGES), ordered=True, name="stage")
    return pd.DataFrame(rows, index=idx)


def trigger_events(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """Which trigger events (触发事件) open deals, and how those deals end.

    Parameters
    ----------
    base : CustomerBase
    as_of : date, optional

    Returns
    -------
    DataFrame indexed by ``trigger_event``, most deals first: ``deals``, ``won``, ``lost``,
    ``open``, ``win_rate`` (won over decided deals) and ``median_value``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> int(trigger_events(base)["deals"].sum()) == len(base.opportunities)
    True
    """
    deals, _, _ = _deals_at(base, as_of, "trigger_events")
    require_columns(deals, ("trigger_event",), "trigger_events", table="opportunities")
    d = deals.assign(trigger_event=deals["trigger_event"].astype(str))
    out = d.groupby("trigger_event").agg(
        deals=("opportunity_id", "size"), won=("outcome", lambda s: int((s == "won").sum())),
        lost=("outcome", lambda s: int((s == "lost").sum())), open=("outcome", lambda s: int((s == "open").sum())),
        median_value=("expected_value", "median"))
    decided = out["won"] + out["lost"]
    out["win_rate"] = out["won"] / decided.where(decided > 0)
    return out[["deals", "won", "lost", "open", "win_rate", "median_value"]].sort_values(["deals", "win_rate"], ascending=False)


# ---------------------------------------------------------------------------
# lead pool

def lead_pool(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """The lead pool (待分配客户): leads waiting for a rep, best first.

    ``leads`` records the current state of each lead, so ``as_of`` only drops leads
    created later; use the default (the base's own date) unless you know the pool then.

    Parameters
    ----------
    base : CustomerBase
        With a ``leads`` table.
    as_of : date, optional

    Returns
    -------
    DataFrame of unassigned leads still ``new`` or ``contacted``, in priority order (see
    :func:`assign_leads`): ``lead_id``, ``company``, ``created_at``, ``source``, ``level``,
    ``praised_publicly`` and ``age_days``.

    Examples
    --------
    >>> import playbook
    >>> pool = lead_pool(playbook.load_dataset("b2b"))
    >>> pool["level"].iloc[0], bool(pool["lead_id"].is_unique)
    ('key', True)
    """
    _base(base, "lead_pool", "leads")
    ts = resolve_as_of(base, as_of, "lead_pool")
    leads = base.table("leads")
    require_columns(leads, ("lead_id", "created_at", "source", "level", "assigned_rep", "praised_publicly", "status"),
                    "lead_pool", table="leads")
    mine = leads.loc[(leads["created_at"] <= end_of_day(ts)) & leads["assigned_rep"].isna()
                     & leads["status"].astype(str).isin(["new", "contacted"])]
    cols = [c for c in ("lead_id", "company", "created_at", "source", "level", "praised_publicly") if c in mine.columns]
    pool = mine[cols].copy()
    pool["source"] = pool["source"].astype(str)
    pool["level"] = pool["level"].astype(str)
    pool["age_days"] = (ts.normalize() - pool["created_at"].dt.normalize()).dt.days
    return _prioritise(pool, "lead_pool").reset_index(drop=True)


def _prioritise(pool: pd.DataFrame, func: str) -> pd.DataFrame:
    require_columns(pool, ("lead_id", "level", "praised_publicly", "created_at"), func, table="pool")
    unknown = set(pool["level"].astype(str)) - set(LEAD_LEVEL_ORDER)
    if unknown:
        raise DataValidationError(f"{func}: unknown lead levels {sorted(unknown)}; use {', '.join(LEAD_LEVEL_ORDER)}.")
    rank = pool["level"].astype(str).map({lv: i for i, lv in enumerate(LEAD_LEVEL_ORDER)})
    key = pd.DataFrame({"rank": rank, "praised": ~pool["praised_publicly"].astype(bool),
                        "age": -pool["created_at"].astype("int64"), "lead_id": pool["lead_id"]})
    return pool.loc[key.sort_values(["rank", "praised", "age", "lead_id"], kind="stable").index]


def rep_load(base: CustomerBase, as_of=None) -> pd.Series:
    """Current load of each account manager: accounts they manage plus open leads they hold.

    Parameters
    ----------
    base : CustomerBase
        With ``customers`` (``account_manager``) and ``leads``.
    as_of : date, optional

    Returns
    -------
    Series indexed by rep name (sorted), integer load.

    Examples
    --------
    >>> import playbook
    >>> load = rep_load(playbook.load_dataset("b2b"))
    >>> len(load)
    8
    """
    _base(base, "rep_load", "customers", "leads")
    end = end_of_day(resolve_as_of(base, as_of, "rep_load"))
    require_columns(base.customers, ("account_manager", "acquisition_date"), "rep_load", table="customers")
    customers = base.table("customers")
    cust = customers.loc[customers["acquisition_date"] <= end, "account_manager"].dropna().astype(str)
    leads = base.table("leads")
    held = leads.loc[(leads["created_at"] <= end) & leads["assigned_rep"].notna()
                     & leads["status"].astype(str).isin(["new", "contacted"]), "assigned_rep"].astype(str)
    load = cust.value_counts().add(held.value_counts(), fill_value=0).astype(int)
    load.index.name = "rep"
    return load.rename("load").sort_index()


def assign_leads(pool: pd.DataFrame, reps_load, *, max_per_rep: int | None = None) -> pd.DataFrame:
    """Hand the pool's leads to account managers: best leads first, each to the least-loaded rep.

    Leads are taken in priority order: level (key > qualified > undifferentiated), then
    those who praised the product in public, then the freshest, then ``lead_id``. Each
    goes to the rep with the smallest load at that moment (ties: alphabetical name), whose
    load then grows by one. The result is deterministic and the caller's data untouched.

    Parameters
    ----------
    pool : DataFrame
        Leads to assign, e.g. :func:`lead_pool` (``lead_id``, ``level``,
        ``praised_publicly``, ``created_at``).
    reps_load : Series or dict
        Current load per rep, e.g. :func:`rep_load`; a rep with load 0 is fine.
    max_per_rep : int, optional
        Cap on new leads per rep; leads left over keep ``assigned_rep`` empty.

    Returns
    -------
    The pool in priority order with ``priority`` (1 = first), ``assigned_rep`` and
    ``rep_load_before``.

    Examples
    --------
    >>> pool = pd.DataFrame({"lead_id": [1, 2, 3], "level": ["undifferentiated", "key", "qualified"],
    ...                      "praised_publicly": [False, False, True],
    ...                      "created_at": pd.to_datetime(["2025-01-01"] * 3)})
    >>> assign_leads(pool, {"Ann": 5, "Bob": 4})[["lead_id", "assigned_rep"]].values.tolist()
    [[2, 'Bob'], [3, 'Ann'], [1, 'Bob']]
    """
    if not isinstance(pool, pd.DataFrame):
        raise InvalidArgumentError(f"assign_leads needs the pool as a DataFrame (see lead_pool). Got {type(pool).__name__}.")
    load = pd.Series(reps_load, dtype=float) if not isinstance(reps_load, pd.Series) else reps_load.astype(float)
    if load.empty:
        raise InvalidArgumentError("assign_leads needs at least one rep in reps_load, e.g. {'Ann': 0}.")
    if load.isna().any() or (load < 0).any():
        raise InvalidArgumentError(f"assign_leads: reps_load must be non-negative numbers. Got {load.to_dict()!r}.")
    if max_per_rep is not None and (not isinstance(max_per_rep, (int, np.integer)) or max_per_rep < 1):
        raise InvalidArgumentError(f"assign_leads: max_per_rep must be a positive whole number. Got {max_per_rep!r}.")
    ordered = _prioritise(pool, "assign_leads").copy()
    current = {str(k): float(v) for k, v in load.items()}
    given = dict.fromkeys(current, 0)
    reps: list[str | None] = []
    before: list[float] = []
    for _ in range(len(ordered)):
        free = [r for r in current if max_per_rep is None or given[r] < max_per_rep]
        if not free:
            reps.append(None)
            before.append(np.nan)
            continue
        rep = min(free, key=lambda r: (current[r], r))
        reps.append(rep)
        before.append(current[rep])
        current[rep] += 1
        given[rep] += 1
    ordered["priority"] = np.arange(1, len(ordered) + 1)
    ordered["assigned_rep"] = pd.array(reps, dtype="object")
    ordered["rep_load_before"] = before
    return ordered.reset_index(drop=True)


@renamed_parameters(period="freq")
def channel_effectiveness(base: CustomerBase, as_of=None, *, freq: str = "Y") -> pd.DataFrame:
    """Leads by source over time: where the leads come from, and the share marked converted so far.

    ``share_of_leads`` shows where leads come from, not how well they convert: a channel can
    lose share and convert as well as ever, or keep its share and convert far worse. And
    ``conversion_rate`` counts every lead not yet converted as a failure, so recent periods,
    whose leads have had little time, look worse than they are (right-censoring). To judge
    whether a channel wears out, use :func:`channel_conversion` and :func:`channel_wear_out`,
    which give every lead the same window to convert.

    Parameters
    ----------
    base : CustomerBase
        With a ``leads`` table.
    as_of : date, optional
        Leads created later are dropped.
    freq : {"Y", "Q"}
        Year or quarter of ``created_at`` (``period``, its old name, still works for one release, with a DeprecationWarning). It was the second
        positional argument, before ``as_of``; it is keyword-only now.

    Returns
    -------
    DataFrame with one row per period and source: ``leads``, ``converted``,
    ``conversion_rate``, ``share_of_leads`` and ``share_of_converted`` (within the period).

    Examples
    --------
    >>> import playbook
    >>> eff = channel_effectiveness(playbook.load_dataset("b2b"))
    >>> int(eff["leads"].sum())
    1029
    """
    _base(base, "channel_effectiveness", "leads")
    if freq not in ("Y", "Q"):
        raise InvalidArgumentError(f"The 'freq' parameter of channel_effectiveness must be 'Y' or 'Q'. Got {freq!r}.")
    end = end_of_day(resolve_as_of(base, as_of, "channel_effectiveness"))
    leads = base.table("leads")
    require_columns(leads, ("created_at", "source", "status"), "channel_effectiveness", table="leads")
    leads = leads.loc[leads["created_at"] <= end]
    per = leads["created_at"].dt.year.astype(str) if freq == "Y" else leads["created_at"].dt.to_period("Q").astype(str)
    frame = pd.DataFrame({"period": per.to_numpy(), "source": leads["source"].astype(str).to_numpy(),
                          "converted": (leads["status"].astype(str) == "converted").to_numpy()})
    out = frame.groupby(["period", "source"]).agg(leads=("converted", "size"), converted=("converted", "sum")).reset_index()
    out["converted"] = out["converted"].astype(int)
    out["conversion_rate"] = out["converted"] / out["leads"]
    tot = out.groupby("period")[["leads", "converted"]].transform("sum")
    out["share_of_leads"] = out["leads"] / tot["leads"]
    out["share_of_converted"] = out["converted"] / tot["converted"].where(tot["converted"] > 0)
    return out


#: Default window for :func:`channel_conversion`: a lead counts as converted if it becomes a customer
#: within this many days of arriving.
CONVERSION_WINDOW_DAYS = 180


def _lead_outcomes(base: CustomerBase, as_of, window_days, func: str) -> tuple[pd.DataFrame, pd.Timestamp, int]:
    """Leads created by ``as_of`` with ``days_to_convert`` (NaN if not converted by ``as_of``) and ``eligible``."""
    if isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer)) or window_days < 1:
        raise InvalidArgumentError(f"The 'window_days' parameter of {func} must be a whole number of days, at least 1, "
                                   f"e.g. {CONVERSION_WINDOW_DAYS}. Got {window_days!r}.")
    _base(base, func, "leads")
    ts = resolve_as_of(base, as_of, func)
    end = end_of_day(ts)
    leads = base.table("leads")
    require_columns(leads, ("created_at", "source", "status"), func, table="leads")
    leads = leads.loc[leads["created_at"] <= end]
    status_converted = leads["status"].astype(str) == "converted"
    if "converted_at" in leads.columns:
        converted_at = pd.to_datetime(leads["converted_at"])
        said_converted = status_converted & converted_at.isna()
    else:
        require_columns(leads, ("converted_customer_id",), func, table="leads")
        base.require("customers", by=func)
        require_columns(base.customers, ("customer_id", "acquisition_date"), func, table="customers")
        acq = base.table("customers").assign(cid=lambda c: c["customer_id"].astype(str)).set_index("cid")["acquisition_date"]
        linked = leads["converted_customer_id"].astype(object)
        # a customer id not (yet) in `customers`, as in a snapshot taken before it bought, converted after as_of
        converted_at = pd.to_datetime(linked.map(lambda c: acq.get(str(c)) if pd.notna(c) else pd.NaT))
        said_converted = status_converted & linked.isna()
    if said_converted.any():
        raise DataValidationError(
            f"{func}: {int(said_converted.sum())} leads have status 'converted' but no date of conversion: give "
            "`leads` a `converted_at` column, or the `converted_customer_id` of the customer each became.")
    converted_at = converted_at.where(converted_at <= end)
    days = (converted_at.dt.normalize() - leads["created_at"].dt.normalize()).dt.days
    out = pd.DataFrame({"created_at": leads["created_at"].to_numpy(), "source": leads["source"].astype(str).to_numpy(),
                        "days_to_convert": days.to_numpy(dtype=float)}, index=leads.index)
    # a lead counts only if its whole window lies before as_of: younger leads may still convert inside it
    out["eligible"] = (ts.normalize() - out["created_at"].dt.normalize()).dt.days >= int(window_days)
    out["converted"] = out["days_to_convert"].le(int(window_days)).to_numpy()
    return out, ts, int(window_days)


def _periods(created: pd.Series, freq: str, func: str) -> pd.Series:
    if freq not in ("Y", "Q"):
        raise InvalidArgumentError(f"The 'freq' parameter of {func} must be 'Y' or 'Q'. Got {freq!r}.")
    return created.dt.year.astype(str) if freq == "Y" else created.dt.to_period("Q").astype(str)


def channel_conversion(base: CustomerBase, as_of=None, *, window_days: int = CONVERSION_WINDOW_DAYS, freq: str = "Y",
                       confidence: float = 0.95) -> pd.DataFrame:
    """Conversion within a fixed window, by lead source and period, with intervals: is a channel wearing out?

    A channel wears out (渠道衰减) when its leads convert less often than they used to. The
    share of leads a channel brings says nothing about that, and the plain share of leads
    marked ``converted`` is biased low for recent periods: a lead that came in last month
    has not had the time to convert (right-censoring, 右删失). So each lead is given the same
    window: it counts as converted if it became a customer within ``window_days`` of
    arriving, and only leads at least ``window_days`` old on ``as_of`` count; the younger
    ones are reported in ``too_recent``, not counted as failures.

    The date of conversion is the lead's ``converted_at`` when the table has one, else the
    ``acquisition_date`` of its ``converted_customer_id`` in ``customers``. Conversions after
    ``as_of`` are not seen, so the table has no look-ahead.

    Parameters
    ----------
    base : CustomerBase
        With ``leads`` (and ``customers`` when ``leads`` has no ``converted_at``).
    as_of : date, optional
        Defaults to ``base.as_of``.
    window_days : int
        The window a lead has to convert (default 180 days).
    freq : {"Y", "Q"}
        Period of ``created_at``: year or quarter.
    confidence : float
        Level of the Wilson intervals (:func:`playbook.evaluate.proportion_interval`).

    Returns
    -------
    DataFrame, one row per period and source (periods in order): ``leads`` (created in the
    period by ``as_of``), ``too_recent`` (younger than the window: left out), ``eligible``,
    ``converted`` (within the window), ``conversion``, ``low``, ``high`` and
    ``all_sources`` (the period's conversion over every source, to tell a channel's own
    fall from one shared by all). Rows with no eligible lead have NaN rates.
    ``attrs`` holds ``window_days``, ``as_of``, ``too_recent`` and ``eligible`` (totals) and ``confidence``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> conv = channel_conversion(base)
    >>> int(conv["leads"].sum()) == len(base.leads), conv.attrs["too_recent"] > 0
    (True, True)
    >>> bool(((conv["low"] <= conv["conversion"]) & (conv["conversion"] <= conv["high"])).dropna().all())
    True
    """
    from .evaluate import proportion_interval

    func = "channel_conversion"
    if not 0 < float(confidence) < 1:
        raise InvalidArgumentError(f"The 'confidence' parameter of {func} must be between 0 and 1, e.g. 0.95. Got {confidence!r}.")
    leads, ts, w = _lead_outcomes(base, as_of, window_days, func)
    frame = leads.assign(period=_periods(leads["created_at"], freq, func))
    ok = frame["eligible"]
    out = frame.groupby(["period", "source"]).agg(leads=("eligible", "size"), eligible=("eligible", "sum")).reset_index()
    conv = frame.loc[ok].groupby(["period", "source"])["converted"].sum()
    out["converted"] = conv.reindex(pd.MultiIndex.from_frame(out[["period", "source"]]), fill_value=0).to_numpy().astype(int)
    out["eligible"] = out["eligible"].astype(int)
    out["too_recent"] = out["leads"] - out["eligible"]
    out["conversion"] = out["low"] = out["high"] = np.nan
    has = out["eligible"] > 0
    if has.any():
        ci = proportion_interval(out.loc[has, "converted"].to_numpy(), out.loc[has, "eligible"].to_numpy(), confidence=confidence)
        out.loc[has, "conversion"] = ci["rate"].to_numpy()
        out.loc[has, "low"] = ci["low"].to_numpy()
        out.loc[has, "high"] = ci["high"].to_numpy()
    per = frame.loc[ok].groupby("period")["converted"].mean()
    out["all_sources"] = out["period"].map(per).astype(float)
    out = out[["period", "source", "leads", "too_recent", "eligible", "converted", "conversion", "low", "high", "all_sources"]]
    out.attrs.update(window_days=w, as_of=ts, too_recent=int((~ok).sum()), eligible=int(ok.sum()), confidence=float(confidence))
    return out.sort_values(["period", "source"], kind="stable").reset_index(drop=True)


def channel_wear_out(base: CustomerBase, as_of=None, *, window_days: int = CONVERSION_WINDOW_DAYS, freq: str = "Y",
                     confidence: float = 0.95) -> pd.DataFrame:
    """Has each channel's conversion fallen? First against last period, and a trend test over all of them.

    Uses the leads :func:`channel_conversion` counts (old enough for the whole window). For
    each source:

    - the first period and the last complete one (every lead of it had its whole window),
      each conversion with its interval, and Fisher's exact test between the two (:func:`playbook.evaluate.fisher_comparison`);
    - a trend over every eligible lead, not just two periods: ``trend_per_year`` is the
      least-squares slope of converted (1/0) on the lead's arrival date in years (points of
      conversion per year), and ``trend_p_value`` the two-sided Cochran-Armitage test that
      the slope is zero (趋势检验).

    ``verdict`` says ``"falling"`` or ``"rising"`` only when the trend test settles it at
    ``1 - confidence``, else ``"not settled"``: with a few dozen leads a period, a gap
    between two years is often chance.

    Parameters
    ----------
    base : CustomerBase
        As for :func:`channel_conversion`.
    as_of : date, optional
    window_days : int
    freq : {"Y", "Q"}
        Periods for the first-against-last comparison.
    confidence : float

    Returns
    -------
    DataFrame indexed by ``source``: ``eligible``, ``first_period``, ``first_conversion``,
    ``first_low``, ``first_high``, ``last_period``, ``last_conversion``, ``last_low``,
    ``last_high``, ``change`` (last minus first), ``fisher_p_value``, ``trend_per_year``,
    ``trend_p_value`` and ``verdict``; sorted by ``trend_per_year``, steepest fall first.

    Examples
    --------
    >>> import playbook
    >>> wear = channel_wear_out(playbook.load_dataset("b2b"))
    >>> set(wear["verdict"]) <= {"falling", "rising", "not settled"}
    True
    >>> bool(wear["trend_per_year"].is_monotonic_increasing)
    True
    """
    from scipy.stats import norm

    from .evaluate import fisher_comparison

    func = "channel_wear_out"
    if not 0 < float(confidence) < 1:
        raise InvalidArgumentError(f"The 'confidence' parameter of {func} must be between 0 and 1, e.g. 0.95. Got {confidence!r}.")
    leads, ts, w = _lead_outcomes(base, as_of, window_days, func)
    leads = leads.loc[leads["eligible"]].assign(period=lambda d: _periods(d["created_at"], freq, func))
    if leads.empty:
        raise DataValidationError(f"{func}: no lead is {w} days old on {ts.date()}, so none has had its whole window; "
                                  "use a shorter window_days or a later as_of.")
    alpha = 1 - float(confidence)
    rows = {}
    # the last period compared is the last one whose every lead had the whole window (a period cut short by the
    # window holds only its first weeks); the trend uses every eligible lead
    cutoff = ts.normalize() - pd.Timedelta(days=w)
    ends = {p: pd.Period(p, freq="Y" if freq == "Y" else "Q").end_time.normalize() for p in leads["period"].unique()}
    complete = {p for p, e in ends.items() if e <= cutoff}
    for source, g in leads.groupby("source"):
        periods = sorted(g["period"].unique())
        whole = [p for p in periods if p in complete]
        first, last = periods[0], (whole[-1] if whole else periods[-1])
        y = g["converted"].to_numpy(dtype=float)
        x = ((g["created_at"] - g["created_at"].min()).dt.days / 365.25).to_numpy()
        p, sxx = y.mean(), float(((x - x.mean()) ** 2).sum())
        if sxx > 0 and 0 < p < 1:
            slope = float(((x - x.mean()) * (y - p)).sum() / sxx)
            trend_p = float(2 * norm.sf(abs(slope) * np.sqrt(sxx) / np.sqrt(p * (1 - p))))
        else:
            slope, trend_p = (0.0 if sxx > 0 else np.nan), (1.0 if sxx > 0 else np.nan)
        row = {"eligible": len(g), "first_period": first, "last_period": last}
        if first != last:
            two = g.loc[g["period"].isin([first, last])]
            f = fisher_comparison(two["converted"], two["period"] == last, confidence=confidence)
            row.update(first_conversion=f["rate_rest"], first_low=f["low_rest"], first_high=f["high_rest"],
                       last_conversion=f["rate_group"], last_low=f["low_group"], last_high=f["high_group"],
                       change=f["difference"], fisher_p_value=f["p_value"])
        else:
            row.update(first_conversion=float(p), last_conversion=float(p), change=0.0, fisher_p_value=np.nan)
        row.update(trend_per_year=slope, trend_p_value=trend_p,
                   verdict=("not settled" if not trend_p < alpha else "falling" if slope < 0 else "rising"))
        rows[source] = row
    cols = ["eligible", "first_period", "first_conversion", "first_low", "first_high", "last_period", "last_conversion",
            "last_low", "last_high", "change", "fisher_p_value", "trend_per_year", "trend_p_value", "verdict"]
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=cols)
    out.index.name = "source"
    out.attrs.update(window_days=w, as_of=ts, confidence=float(confidence))
    return out.sort_values(["trend_per_year"], kind="stable")


# ---------------------------------------------------------------------------
# stakeholders and competitors

_ROLE_ORDER = ("decision_maker", "technical_evaluator", "purchaser", "influencer", "user", "gatekeeper")


def stakeholder_map(base: CustomerBase, customer_id) -> pd.DataFrame:
    """The buying organisation of one account: each contact's role and attitude.

    Teaches who decides and who is for or against us; relationships are built with
    honest value and service, never with gifts or favours.

    Parameters
    ----------
    base : CustomerBase
        With a ``contacts`` table.
    customer_id : str

    Returns
    -------
    DataFrame of the account's contacts, decision maker first: ``contact_id``, ``name``,
    ``role``, ``attitude``. See :func:`stakeholder_coverage` for the coverage check.

    Examples
    --------
    >>> import playbook
    >>> stakeholder_map(playbook.load_dataset("b2b"), "A0001").iloc[0]["role"]
    'decision_maker'
    """
    _base(base, "stakeholder_map", "contacts")
    contacts = base.table("contacts")
    require_columns(contacts, ("customer_id", "role", "attitude"), "stakeholder_map", table="contacts")
    mine = contacts.loc[contacts["customer_id"].astype(str) == str(customer_id)]
    if mine.empty:
        import difflib

        close = difflib.get_close_matches(str(customer_id), contacts["customer_id"].astype(str).unique().tolist(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InvalidArgumentError(f"stakeholder_map: no contacts for customer {customer_id!r} in `contacts`.{hint}")
    order = mine["role"].astype(str).map({r: i for i, r in enumerate(_ROLE_ORDER)}).fillna(len(_ROLE_ORDER))
    cols = [c for c in ("contact_id", "name", "role", "attitude") if c in mine.columns]
    out = mine.assign(_o=order.to_numpy()).sort_values(["_o"], kind="stable")[cols].reset_index(drop=True)
    out["role"], out["attitude"] = out["role"].astype(str), out["attitude"].astype(str)
    return out


def stakeholder_coverage(base: CustomerBase, customer_ids=None) -> pd.DataFrame:
    """A simple coverage check per account: is the decision maker for us, is anyone against us?

    Parameters
    ----------
    base : CustomerBase
        With a ``contacts`` table.
    customer_ids : list, optional
        Accounts to check; default all accounts with contacts.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``contacts``, ``supporters``, ``opponents``,
    ``decision_maker_attitude`` ("missing" when no decision maker is known),
    ``decision_maker_supporter``, ``opponent_present`` and ``at_risk`` (decision maker
    not a supporter and an opponent present).

    Examples
    --------
    >>> import playbook
    >>> cov = stakeholder_coverage(playbook.load_dataset("b2b"))
    >>> bool((cov["at_risk"] == (~cov["decision_maker_supporter"] & cov["opponent_present"])).all())
    True
    """
    _base(base, "stakeholder_coverage", "contacts")
    contacts = base.table("contacts")
    require_columns(contacts, ("customer_id", "role", "attitude"), "stakeholder_coverage", table="contacts")
    c = pd.DataFrame({"customer_id": contacts["customer_id"].astype(str).to_numpy(),
                      "role": contacts["role"].astype(str).to_numpy(), "attitude": contacts["attitude"].astype(str).to_numpy()})
    ids = sorted(c["customer_id"].unique()) if customer_ids is None else [str(i) for i in customer_ids]
    g = c.groupby("customer_id")
    out = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    out["contacts"] = g.size().reindex(ids, fill_value=0).astype(int)
    out["supporters"] = g["attitude"].apply(lambda s: int((s == "supporter").sum())).reindex(ids, fill_value=0).astype(int)
    out["opponents"] = g["attitude"].apply(lambda s: int((s == "opponent").sum())).reindex(ids, fill_value=0).astype(int)
    dm = c.loc[c["role"] == "decision_maker"].groupby("customer_id")["attitude"].first()
    out["decision_maker_attitude"] = dm.reindex(ids).fillna("missing").astype(str)
    out["decision_maker_supporter"] = out["decision_maker_attitude"] == "supporter"
    out["opponent_present"] = out["opponents"] > 0
    out["at_risk"] = ~out["decision_maker_supporter"] & out["opponent_present"]
    return out


def _price_band(q: pd.Series) -> pd.Categorical:
    band = np.where(q <= 0, 0, np.where(q <= 0.05, 1, 2))
    return pd.Categorical.from_codes(band, categories=list(_PRICE_BANDS), ordered=True)


def competitor_comparison(base: CustomerBase, as_of=None) -> pd.DataFrame:
    """Win rate of decided deals against a competitor, by our price position and technical plan.

    Price bands of ``quote_vs_competitor``: cheaper or equal (<= 0), up to 5% dearer,
    over 5% dearer. Shows whether offering a technical improvement plan lets us win at a
    higher price (service value beating price).

    Parameters
    ----------
    base : CustomerBase
    as_of : date, optional
        Only deals decided by then count.

    Returns
    -------
    DataFrame with one row per ``price_band`` and ``technical_plan``: ``deals``, ``won``, ``win_rate``.

    Examples
    --------
    >>> import playbook
    >>> comp = competitor_comparison(playbook.load_dataset("b2b"))
    >>> comp["price_band"].unique().tolist()
    ['cheaper_or_equal', 'up_to_5pct_dearer', 'over_5pct_dearer']
    """
    deals, _, _ = _deals_at(base, as_of, "competitor_comparison")
    require_columns(deals, ("quote_vs_competitor", "technical_plan"), "competitor_comparison", table="opportunities")
    d = deals.loc[deals["quote_vs_competitor"].notna() & (deals["outcome"] != "open")]
    frame = pd.DataFrame({"price_band": _price_band(d["quote_vs_competitor"].to_numpy()),
                          "technical_plan": d["technical_plan"].astype(bool).to_numpy(),
                          "won": (d["outcome"] == "won").to_numpy()})
    out = frame.groupby(["price_band", "technical_plan"], observed=False).agg(deals=("won", "size"), won=("won", "sum")).reset_index()
    out["won"] = out["won"].astype(int)
    out["win_rate"] = out["won"] / out["deals"].where(out["deals"] > 0)
    return out


# ---------------------------------------------------------------------------
# account managers and key accounts

def _tiers_at(base: CustomerBase, end: pd.Timestamp) -> pd.Series:
    from .segment import tiers_at

    orders = base.orders.loc[base.orders["order_date"] <= end]
    if orders.empty:
        return pd.Series(dtype=object)
    return tiers_at(orders, end).astype(str)


def account_manager_report(base: CustomerBase, as_of=None, *, policy: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account manager: portfolio, follow-up discipline and retention of their accounts.

    - Portfolio: accounts acquired by ``as_of``, key accounts (tier from
      :func:`playbook.segment.assign_tiers` on orders up to ``as_of``), revenue in the last 365 days.
    - Discipline: follow-ups, visits and calls by the rep to their accounts in the last 365
      days, per account per quarter, against what the tier cadence asks
      (:func:`playbook.segment.tier_policy`: 365 / ``contact_every_days`` a year).
    - Retention: of the accounts that ordered in the year before last, the share that
      ordered in the last 365 days (no truth used).

    Parameters
    ----------
    base : CustomerBase
        With ``customers`` (``account_manager``) and ``interactions``.
    as_of : date, optional
    policy : DataFrame, optional
        A :func:`playbook.segment.tier_policy` table.

    Returns
    -------
    DataFrame indexed by ``account_manager``: ``accounts``, ``key_accounts``,
    ``revenue_365d``, ``contacts_per_account_quarter``, ``required_per_account_quarter``,
    ``discipline`` (ratio of the two), ``active_prior_year``, ``retained``, ``retention_rate`` and
    its 95% Wilson interval ``retention_low`` / ``retention_high``
    (:func:`playbook.evaluate.proportion_interval`; NaN for a rep with no account to keep).
    Two reps whose intervals overlap widely cannot be ranked by this data; compare two with
    :func:`playbook.evaluate.fisher_comparison`.

    Examples
    --------
    >>> import playbook
    >>> report = account_manager_report(playbook.load_dataset("b2b"))
    >>> int(report["accounts"].sum())
    400
    """
    from .evaluate import proportion_interval
    from .segment import tier_policy

    _base(base, "account_manager_report", "customers", "interactions")
    end = end_of_day(resolve_as_of(base, as_of, "account_manager_report"))
    cust = base.table("customers")
    require_columns(cust, ("customer_id", "account_manager", "acquisition_date"), "account_manager_report", table="customers")
    require_columns(base.interactions, ("customer_id", "date", "kind", "rep"), "account_manager_report", table="interactions")
    pol = tier_policy() if policy is None else policy
    check_column(pol, "contact_every_days", "policy", "account_manager_report", table="policy")
    cust = cust.loc[(cust["acquisition_date"] <= end) & cust["account_manager"].notna(), ["customer_id", "account_manager"]].copy()
    if cust.empty:
        raise DataValidationError(f"account_manager_report: no account with an account manager was acquired by {end.date()}.")
    cust["customer_id"] = cust["customer_id"].astype(str)
    cust["account_manager"] = cust["account_manager"].astype(str)
    tiers = _tiers_at(base, end)
    cust["tier"] = cust["customer_id"].map(tiers).fillna("general")
    cust["required_year"] = 365 / cust["tier"].map(pol["contact_every_days"].astype(float).to_dict())
    year_ago, two_years = end - pd.Timedelta(days=365), end - pd.Timedelta(days=730)
    o = base.orders
    recent = o.loc[(o["order_date"] > year_ago) & (o["order_date"] <= end)]
    prior = o.loc[(o["order_date"] > two_years) & (o["order_date"] <= year_ago)]
    cust["revenue_365d"] = cust["customer_id"].map(recent.groupby(recent["customer_id"].astype(str))["amount"].sum()).fillna(0.0)
    cust["active_prior"] = cust["customer_id"].isin(set(prior["customer_id"].astype(str)))
    cust["retained"] = cust["active_prior"] & cust["customer_id"].isin(set(recent["customer_id"].astype(str)))
    it = base.table("interactions")
    it = it.loc[(it["date"] > year_ago) & (it["date"] <= end) & it["kind"].astype(str).isin(_CARE) & it["rep"].notna()]
    pairs = pd.DataFrame({"customer_id": it["customer_id"].astype(str).to_numpy(), "rep": it["rep"].astype(str).to_numpy()})
    mine = pairs.merge(cust[["customer_id", "account_manager"]], on="customer_id")
    mine = mine.loc[mine["rep"] == mine["account_manager"]]
    g = cust.groupby("account_manager")
    out = pd.DataFrame({
        "accounts": g.size(),
        "key_accounts": g["tier"].apply(lambda s: int((s == "key").sum())),
        "revenue_365d": g["revenue_365d"].sum(),
    })
    out["contacts_per_account_quarter"] = mine.groupby("account_manager").size().reindex(out.index, fill_value=0) / out["accounts"] / 4
    out["required_per_account_quarter"] = g["required_year"].mean() / 4
    out["discipline"] = out["contacts_per_account_quarter"] / out["required_per_account_quarter"]
    out["active_prior_year"] = g["active_prior"].sum().astype(int)
    out["retained"] = g["retained"].sum().astype(int)
    out["retention_rate"] = out["retained"] / out["active_prior_year"].where(out["active_prior_year"] > 0)
    # A rep keeps a few dozen accounts: the rate alone ranks chance; the interval says how far apart two reps must be.
    counted = out["active_prior_year"] > 0
    ci = proportion_interval(out.loc[counted, "retained"], out.loc[counted, "active_prior_year"])
    out["retention_low"] = ci["low"].reindex(out.index)
    out["retention_high"] = ci["high"].reindex(out.index)
    out.index.name = "account_manager"
    return out.sort_values("revenue_365d", ascending=False)


def key_account_scorecard(base: CustomerBase, as_of=None, *, tiers=("key",)) -> pd.DataFrame:
    """The key-account analyses per account: value, behaviour, channel, satisfaction, service, cost.

    All over the 365 days up to ``as_of`` except satisfaction (latest survey by then) and
    open complaints (open on ``as_of``).

    Parameters
    ----------
    base : CustomerBase
        Orders are required; surveys and complaints are used when present.
    as_of : date, optional
    tiers : tuple of str
        Which tiers of :func:`playbook.segment.assign_tiers` to score (default key only).

    Returns
    -------
    DataFrame indexed by ``customer_id``, by revenue: ``tier``, ``revenue_365d``,
    ``margin_365d``, ``orders_365d``, ``mean_basket``, ``days_since_last``,
    ``main_channel``, ``main_channel_share``, ``latest_satisfaction``, ``complaints_365d``,
    ``open_complaints``, ``discount_365d`` and ``discount_share`` (discount over revenue).

    Examples
    --------
    >>> import playbook
    >>> card = key_account_scorecard(playbook.load_dataset("b2b"))
    >>> (card["tier"] == "key").all()
    np.True_
    """
    _base(base, "key_account_scorecard")
    end = end_of_day(resolve_as_of(base, as_of, "key_account_scorecard"))
    t = _tiers_at(base, end)
    ids = t.index[t.isin(list(tiers))].astype(str)
    o = base.orders
    o = o.loc[(o["order_date"] <= end) & o["customer_id"].astype(str).isin(ids)]
    last = o.groupby(o["customer_id"].astype(str))["order_date"].max()
    o = o.loc[o["order_date"] > end - pd.Timedelta(days=365)].assign(cid=lambda d: d["customer_id"].astype(str))
    g = o.groupby("cid")
    out = pd.DataFrame(index=pd.Index(list(ids), name="customer_id"))
    out["tier"] = t.reindex(out.index)
    out["revenue_365d"] = g["amount"].sum().reindex(out.index, fill_value=0.0)
    out["margin_365d"] = (g["margin"].sum() if "margin" in o else pd.Series(dtype=float)).reindex(out.index, fill_value=0.0)
    out["orders_365d"] = g.size().reindex(out.index, fill_value=0).astype(int)
    out["mean_basket"] = out["revenue_365d"] / out["orders_365d"].where(out["orders_365d"] > 0)
    out["days_since_last"] = (end.normalize() - last.reindex(out.index).dt.normalize()).dt.days
    if "channel" in o and len(o):
        by_ch = o.groupby(["cid", o["channel"].astype(str)])["amount"].sum().unstack(fill_value=0.0)
        out["main_channel"] = by_ch.idxmax(axis=1).reindex(out.index)
        out["main_channel_share"] = (by_ch.max(axis=1) / by_ch.sum(axis=1).where(by_ch.sum(axis=1) > 0)).reindex(out.index)
    if base.surveys is not None:
        s = base.surveys.loc[base.surveys["date"] <= end].sort_values("date", kind="stable")
        out["latest_satisfaction"] = s.groupby(s["customer_id"].astype(str))["satisfaction"].last().reindex(out.index)
    if base.complaints is not None:
        c = base.complaints.loc[base.complaints["opened_at"] <= end]
        cid = c["customer_id"].astype(str)
        recent = c["opened_at"] > end - pd.Timedelta(days=365)
        out["complaints_365d"] = cid[recent].value_counts().reindex(out.index, fill_value=0).astype(int)
        open_ = c["closed_at"].isna() | (c["closed_at"] > end)
        out["open_complaints"] = cid[open_].value_counts().reindex(out.index, fill_value=0).astype(int)
    if "discount" in o:
        out["discount_365d"] = g["discount"].sum().reindex(out.index, fill_value=0.0)
        out["discount_share"] = out["discount_365d"] / out["revenue_365d"].where(out["revenue_365d"] > 0)
    return out.sort_values("revenue_365d", ascending=False)


def praise_and_conversion(base: CustomerBase, *, by: str | None = None) -> pd.DataFrame:
    """Commitment and consistency: do prospects who praised us in public convert more often?

    Parameters
    ----------
    base : CustomerBase
        With a ``leads`` table.
    by : str, optional
        A second column of ``leads`` to split by (e.g. ``"level"``), to check that the
        gap is not just a difference in lead quality.

    Returns
    -------
    DataFrame indexed by ``praised_publicly`` (and ``by``): ``leads``, ``converted``, ``conversion_rate``.

    Examples
    --------
    >>> import playbook
    >>> table = praise_and_conversion(playbook.load_dataset("b2b"))
    >>> bool(table.loc[True, "conversion_rate"] > table.loc[False, "conversion_rate"])
    True
    """
    _base(base, "praise_and_conversion", "leads")
    leads = base.table("leads")
    require_columns(leads, ("praised_publicly", "status"), "praise_and_conversion", table="leads")
    keys = ["praised_publicly"]
    frame = pd.DataFrame({"praised_publicly": leads["praised_publicly"].astype(bool).to_numpy(),
                          "converted": (leads["status"].astype(str) == "converted").to_numpy()})
    if by is not None:
        check_column(leads, by, "by", "praise_and_conversion", table="leads")
        frame[by] = leads[by].astype(str).to_numpy()
        keys.append(by)
    out = frame.groupby(keys).agg(leads=("converted", "size"), converted=("converted", "sum"))
    out["converted"] = out["converted"].astype(int)
    out["conversion_rate"] = out["converted"] / out["leads"]
    return out


# ---------------------------------------------------------------------------
# the key-account system, element by element

#: The four elements of a key-account system (大客户管理系统), in the order ties are broken.
SYSTEM_ELEMENTS = ("team", "sales_model", "incentives", "service")


def key_account_system(base: CustomerBase, as_of=None, *, policy: pd.DataFrame | None = None) -> pd.DataFrame:
    """How well each key account's system holds up, element by element, from observable tables.

    A key-account system (大客户管理系统) has four elements; each gets a score from 0 to 1
    (its measure against a target, capped at 1), and the lowest score names the weakest:

    - ``team`` (大客户团队): a dedicated account manager has time for the account. Measure:
      the manager's load (:func:`rep_load`); target: no more than the average rep's load
      (score = average load / manager's load).
    - ``sales_model`` (销售模式): a buying team with a technical evaluator is sold to the
      consultative way, with a technical improvement plan. Measure: share of the account's
      deals opened in the 730 days to ``as_of`` that came with a plan; target: all of them.
      Not judged (NaN) without such deals or without a technical evaluator.
    - ``incentives`` (分级激励): tiered incentives give a key account at least the rebate an
      average customer gets. Measure: discounts over revenue in the last 365 days; target:
      the same share over all customers. Not judged without revenue in the window.
    - ``service`` (全方位服务): regular contact at the tier's cadence. Measure: care contacts
      (visits, calls, events, follow-ups) in the last 365 days; target: 365 /
      ``contact_every_days`` of the key tier (:func:`playbook.segment.tier_policy`).

    Parameters
    ----------
    base : CustomerBase
        With ``customers`` (``account_manager``), ``leads``, ``interactions``, ``contacts``
        and ``opportunities`` (the b2b dataset).
    as_of : date, optional
        Defaults to ``base.as_of``; nothing after it is used (contacts have no date).
    policy : DataFrame, optional
        A :func:`playbook.segment.tier_policy` table.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (key accounts by ``revenue_365d``):
    ``account_manager``, ``revenue_365d``, ``manager_load``, ``average_load``,
    ``stakeholders``, ``deals_730d``, ``plan_share``, ``discount_share``,
    ``base_discount_share``, ``care_contacts``, ``required_contacts``,
    ``contacts_per_stakeholder``, the four ``*_score`` columns, ``weakest`` and
    ``weakest_score``.

    Examples
    --------
    >>> import playbook
    >>> system = key_account_system(playbook.load_dataset("b2b"))
    >>> set(system["weakest"]) <= set(SYSTEM_ELEMENTS)
    True
    >>> scores = system[[f"{e}_score" for e in SYSTEM_ELEMENTS]]
    >>> bool((scores.isna() | ((scores >= 0) & (scores <= 1))).all().all())
    True
    """
    from .segment import tier_policy

    _base(base, "key_account_system", "customers", "leads", "interactions", "contacts", "opportunities")
    end = end_of_day(resolve_as_of(base, as_of, "key_account_system"))
    pol = tier_policy() if policy is None else policy
    check_column(pol, "contact_every_days", "policy", "key_account_system", table="policy")
    require_columns(base.customers, ("customer_id", "account_manager"), "key_account_system", table="customers")
    require_columns(base.interactions, ("customer_id", "date", "kind"), "key_account_system", table="interactions")
    require_columns(base.opportunities, ("customer_id", "opened_at", "technical_plan"), "key_account_system",
                    table="opportunities")
    tiers = _tiers_at(base, end)
    ids = pd.Index(sorted(tiers.index[tiers == "key"].astype(str)), name="customer_id")
    out = pd.DataFrame(index=ids)
    managers = base.table("customers").assign(cid=base.table("customers")["customer_id"].astype(str)).set_index("cid")["account_manager"]
    out["account_manager"] = managers.reindex(ids).astype(object)
    year_ago = end - pd.Timedelta(days=365)
    o = base.orders.loc[(base.orders["order_date"] > year_ago) & (base.orders["order_date"] <= end)]
    revenue = o.groupby(o["customer_id"].astype(str))["amount"].sum()
    out["revenue_365d"] = revenue.reindex(ids, fill_value=0.0)
    # team: the manager's load against the average rep's
    load = rep_load(base, end).astype(float)
    out["manager_load"] = out["account_manager"].map(load.to_dict()).astype(float)
    out["average_load"] = float(load.mean()) if len(load) else np.nan
    out["team_score"] = (out["average_load"] / out["manager_load"]).clip(upper=1.0)
    # sales model: technical plans for a buying team with a technical evaluator
    contacts = base.table("contacts")
    require_columns(contacts, ("customer_id", "role"), "key_account_system", table="contacts")
    cid = contacts["customer_id"].astype(str)
    out["stakeholders"] = cid.value_counts().reindex(ids, fill_value=0).astype(int)
    technical = set(cid[contacts["role"].astype(str) == "technical_evaluator"])
    opp = base.table("opportunities")
    opp = opp.loc[(opp["opened_at"] > end - pd.Timedelta(days=730)) & (opp["opened_at"] <= end)]
    g = opp.groupby(opp["customer_id"].astype(str))["technical_plan"]
    out["deals_730d"] = g.size().reindex(ids, fill_value=0).astype(int)
    out["plan_share"] = g.apply(lambda s: float(s.astype(bool).mean())).reindex(ids)
    judged = out.index.isin(list(technical)) & (out["deals_730d"] > 0)
    out["sales_model_score"] = out["plan_share"].where(judged)
    # incentives: a key account's rebate against the average customer's
    if "discount" in o:
        disc = o.groupby(o["customer_id"].astype(str))["discount"].sum().reindex(ids, fill_value=0.0)
        out["discount_share"] = disc / out["revenue_365d"].where(out["revenue_365d"] > 0)
        total = float(o["amount"].sum())
        out["base_discount_share"] = float(o["discount"].sum()) / total if total > 0 else np.nan
        out["incentives_score"] = (out["discount_share"] / out["base_discount_share"]).clip(upper=1.0)
    else:
        out["discount_share"] = out["base_discount_share"] = out["incentives_score"] = np.nan
    # service: care contacts at the key tier's cadence
    it = base.table("interactions")
    care = it.loc[(it["date"] > year_ago) & (it["date"] <= end) & it["kind"].astype(str).isin(_SERVICE_KINDS)]
    out["care_contacts"] = care["customer_id"].astype(str).value_counts().reindex(ids, fill_value=0).astype(int)
    out["required_contacts"] = 365 / float(pol.loc["key", "contact_every_days"])
    out["contacts_per_stakeholder"] = out["care_contacts"] / out["stakeholders"].where(out["stakeholders"] > 0)
    out["service_score"] = (out["care_contacts"] / out["required_contacts"]).clip(upper=1.0)
    scores = out[[f"{e}_score" for e in SYSTEM_ELEMENTS]].astype(float)
    has = scores.notna().any(axis=1)
    out["weakest"] = pd.Series(pd.NA, index=ids, dtype=object)
    out.loc[has, "weakest"] = scores.loc[has].fillna(np.inf).idxmin(axis=1).str.removesuffix("_score")
    out["weakest_score"] = scores.min(axis=1)
    return out.sort_values("revenue_365d", ascending=False, kind="stable")


# ---------------------------------------------------------------------------
# recapping what the customer received after each deal

_SERVICE_KINDS = ("visit", "call", "event", "follow_up")


def _money(x: float) -> str:
    return f"{x:,.0f}"


def deal_recap(base: CustomerBase, as_of=None, *, customer_id=None, lang: str | None = None) -> pd.DataFrame:
    """What each account received after each deal it gave us: a recap a rep could send.

    Recapping the benefits after a deal (成交后的利益回顾) reminds the client, in facts, what
    working with us brought them, before the next decision is due. For every deal won by
    ``as_of``, the recap covers the time from its closing to the next won deal of the same
    account (or to ``as_of``): orders delivered and their value, the discount granted on
    them (when ``orders`` has a ``discount`` column, in money), service contacts (visits,
    calls, events and follow-ups), complaints raised and resolved (with the median days to
    resolve), and complaints still open. ``recap`` says it in one sentence.

    Parameters
    ----------
    base : CustomerBase
        With ``opportunities`` and ``orders`` (``interactions`` and ``complaints`` when present).
    as_of : date-like, optional
        Defaults to ``base.as_of``; nothing after it is used.
    customer_id : str or list of str, optional
        Accounts to recap; default every account with a won deal.
    lang : {"en", "zh"}, optional
        Language of the ``recap`` sentence (default: the kit's language, see :mod:`playbook.i18n`).

    Returns
    -------
    DataFrame, one row per won deal, by account then date: ``customer_id``,
    ``opportunity_id``, ``won_at``, ``until``, ``days``, ``deal_value``, ``orders``,
    ``order_value``, ``discount_value``, ``service_contacts``, ``complaints``,
    ``complaints_resolved``, ``median_days_to_resolve``, ``complaints_open`` and ``recap``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> r = deal_recap(base, customer_id="A0004")
    >>> bool((r["customer_id"] == "A0004").all() and r["won_at"].is_monotonic_increasing)
    True
    >>> bool((r["complaints_resolved"] + r["complaints_open"] <= r["complaints"]).all())
    True
    """
    func = "deal_recap"
    lang = resolve_lang(lang, func)
    _base(base, func, "opportunities")
    ts = resolve_as_of(base, as_of, func)
    end = end_of_day(ts)
    opps = base.table("opportunities")
    require_columns(opps, ("opportunity_id", "customer_id", "outcome", "closed_at", "expected_value"), func, table="opportunities")
    won = opps[(opps["outcome"].astype(str) == "won") & (opps["closed_at"] <= end)].copy()
    won["customer_id"] = won["customer_id"].astype(str)
    known = set(opps["customer_id"].astype(str))
    if customer_id is not None:
        wanted = [str(customer_id)] if isinstance(customer_id, str) else [str(c) for c in customer_id]
        unknown = [c for c in wanted if c not in known]
        if unknown:
            import difflib

            near = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            tip = f" Did you mean {near[0]!r}?" if near else ""
            raise InvalidArgumentError(f"{func}: no deals for account {unknown[0]!r}.{tip}")
        won = won[won["customer_id"].isin(wanted)]
    won = won.sort_values(["customer_id", "closed_at", "opportunity_id"], kind="stable")
    won["until"] = won.groupby("customer_id")["closed_at"].shift(-1).fillna(end)
    orders = base.orders
    require_columns(orders, ("customer_id", "order_date", "amount"), func, table="orders")
    orders = orders[orders["order_date"] <= end]
    ocid = orders["customer_id"].astype(str)
    has_discount = "discount" in orders.columns
    inter = base.interactions if base.interactions is not None else None
    comp = base.complaints if base.complaints is not None else None
    rows = []
    for deal in won.itertuples(index=False):
        lo, hi = deal.closed_at, deal.until
        o = orders[(ocid == deal.customer_id) & (orders["order_date"] > lo) & (orders["order_date"] <= hi)]
        row = {"customer_id": deal.customer_id, "opportunity_id": deal.opportunity_id, "won_at": lo, "until": hi,
               "days": int((hi - lo).days), "deal_value": float(deal.expected_value), "orders": len(o),
               "order_value": float(o["amount"].sum()),
               "discount_value": float(o["discount"].sum()) if has_discount else np.nan}
        if inter is not None:
            i = inter[(inter["customer_id"].astype(str) == deal.customer_id) & (inter["date"] > lo) & (inter["date"] <= hi)]
            row["service_contacts"] = int(i["kind"].astype(str).isin(_SERVICE_KINDS).sum())
        else:
            row["service_contacts"] = np.nan
        if comp is not None:
            c = comp[(comp["customer_id"].astype(str) == deal.customer_id) & (comp["opened_at"] > lo) & (comp["opened_at"] <= hi)]
            closed = c["closed_at"].where(c["closed_at"] <= end)
            row["complaints"] = len(c)
            row["complaints_resolved"] = int(closed.notna().sum())
            days = (closed - c["opened_at"]).dt.total_seconds() / 86400
            row["median_days_to_resolve"] = float(days.median()) if closed.notna().any() else np.nan
            row["complaints_open"] = int(closed.isna().sum())
        else:
            row.update(complaints=np.nan, complaints_resolved=np.nan, median_days_to_resolve=np.nan, complaints_open=np.nan)
        row["recap"] = _recap_sentence(row, lang)
        rows.append(row)
    cols = ["customer_id", "opportunity_id", "won_at", "until", "days", "deal_value", "orders", "order_value",
            "discount_value", "service_contacts", "complaints", "complaints_resolved", "median_days_to_resolve",
            "complaints_open", "recap"]
    return pd.DataFrame(rows, columns=cols).reset_index(drop=True)


# The recap's fragments, one entry per part in both languages: the sentence is built once from them.
register_labels({
    "recap_since": ("Since the deal of {won_at:%Y-%m-%d}: {orders} orders delivered worth {order_value}",
                    "自 {won_at:%Y-%m-%d} 成交以来：交付订单 {orders} 笔，金额 {order_value}"),
    "recap_discounts": ("{discount_value} saved in discounts", "为您节省折扣 {discount_value}"),
    "recap_service": ("{service_contacts} service contacts", "服务接触 {service_contacts} 次"),
    "recap_complaints": ("{complaints_resolved} of {complaints} complaints resolved", "投诉 {complaints} 件，已解决 {complaints_resolved} 件"),
    "recap_resolve_days": (" (median {median_days_to_resolve:.0f} days)", "（中位 {median_days_to_resolve:.0f} 天）"),
    "recap_separator": ("; ", "，"),
    "recap_stop": (".", "。"),
})


def _recap_sentence(r: dict, lang: str) -> str:
    """One sentence a rep could send: what the account received since the deal."""
    from .i18n import label

    def known(x) -> bool:
        return x is not None and not (isinstance(x, float) and np.isnan(x))

    values = {**r, "order_value": _money(r["order_value"]),
              "discount_value": _money(r["discount_value"]) if known(r["discount_value"]) else r["discount_value"]}
    keys = ["recap_since"]
    if known(r["discount_value"]) and r["discount_value"] > 0:
        keys.append("recap_discounts")
    if known(r["service_contacts"]):
        keys.append("recap_service")
    parts = [label(k, lang).format(**values) for k in keys]
    if known(r["complaints"]) and r["complaints"]:
        days = label("recap_resolve_days", lang).format(**values) if known(r["median_days_to_resolve"]) else ""
        parts.append(label("recap_complaints", lang).format(**values) + days)
    return label("recap_separator", lang).join(parts) + label("recap_stop", lang)
