"""Who the customers are (客户类型与客户导向): buyer vs consumer, behavioural types, flags, orientation.

Evidence comes only from what a business can see; transparent, editable rules turn it into labels.
The rules (:class:`TypeRule` lists) run on the kit's one rule engine, :class:`playbook.rules.RuleTable`
(see :func:`rule_table`): first match wins for types and orientation, every match for flags, a rule
whose evidence is missing for everyone never fires, and ``thresholds=`` changes the numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import CustomerBase, check_column, end_of_day, require_columns, to_timestamp, validate_orders
from .errors import DataValidationError, InvalidArgumentError
from .i18n import register_labels
from .rules import RuleTable, literal
from .vocabulary import FLAGS, ORIENTATIONS, PERSONAS

__all__ = [
    "TypeRule",
    "TypeScores",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_TYPE_RULES",
    "DEFAULT_FLAG_RULES",
    "DEFAULT_ORIENTATION_RULES",
    "PERSONA_TYPES",
    "FLAGS",
    "ORIENTATIONS",
    "behaviour_evidence",
    "classify_types",
    "classify_flags",
    "classify_orientation",
    "rules_table",
    "rule_table",
    "score_against_truth",
    "buyer_consumer_split",
]

register_labels({
    "type": ("Behavioural type (by rule)", "客户类型（规则判定）"),
    "type_reason": ("Why this type", "判定依据"),
    "not_seen": ("Not in the data", "数据中未出现"),
    "predicted": ("Predicted", "预测"),
    "actual": ("Actual (hidden truth)", "实际（隐藏真值）"),
    "precision": ("Precision", "精确率"),
    "recall": ("Recall", "召回率"),
    "late_order_share": ("Share of orders after 20:00", "晚间订单占比"),
    "app_share": ("Share of orders in the app", "App 订单占比"),
    "browse_before_order_share": ("Orders with a browse just before", "下单前刚浏览的订单占比"),
    "browse_per_year": ("Browsing sessions per year", "每年浏览次数"),
    "orders_per_year": ("Orders per year", "每年订单数"),
    "premium_share": ("Share of premium orders", "高端产品订单占比"),
    "new_release_share": ("Share of new-release orders", "新品订单占比"),
    "essentials_share": ("Share of essentials orders", "基础产品订单占比"),
    "for_others_share": ("Share of orders for someone else", "为他人购买的订单占比"),
    "buyer_is_consumer": ("Buyer is the consumer", "购买者即使用者"),
    "buyer_not_consumer": ("Buyer is not the consumer", "购买者不是使用者"),
})

PERSONA_TYPES = PERSONAS

_LATE_HOUR = 20                      # orders at or after 20:00 count as late-evening
_BROWSE_WINDOW = pd.Timedelta(hours=2)
_MIN_TENURE_DAYS = 90                # rates per year use at least this span, so newcomers do not explode
_NEW_MARKET_DAYS = 180               # a city whose first buyer came this long after the base's first is a new market


# ---------------------------------------------------------------------------
# Evidence


def _orders_and_tables(data, as_of, func: str):
    """(orders, other tables or None, as_of) from a CustomerBase or an orders DataFrame."""
    if isinstance(data, CustomerBase):
        ts = to_timestamp(as_of if as_of is not None else data.as_of, "as_of")
        if as_of is not None or data.as_of is None or ts != data.as_of:
            data = data.snapshot(ts)
        return data.orders, data, ts
    if isinstance(data, pd.DataFrame):
        if as_of is None:
            raise InvalidArgumentError(
                f"{func} needs an explicit 'as_of' date when given an orders DataFrame, e.g. as_of='2025-12-31'.")
        return data, None, to_timestamp(as_of, "as_of")
    raise InvalidArgumentError(f"{func} takes a CustomerBase or an orders DataFrame. Got {type(data).__name__}.")


def _validate_orders(orders: pd.DataFrame, as_of: pd.Timestamp, func: str) -> pd.DataFrame:
    return _coded_orders(orders, as_of, func)[0]


def _coded_orders(orders: pd.DataFrame, as_of: pd.Timestamp, func: str) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """The orders known at ``as_of``, sorted by customer then date, with each row's customer
    as an integer code numbered in sorted id order, and the ids of the codes: grouping by
    the codes gives the groups of a groupby on the ids, in the same order, without hashing text again."""
    validate_orders(orders, func, required=("amount",))
    end = end_of_day(as_of)
    if len(orders) and not (orders["order_date"] <= end).any():
        raise DataValidationError(
            f"as_of={as_of.date()} is before the first order ({orders['order_date'].min().date()}): no order is known at that date.")
    known = (orders["order_date"] <= end).to_numpy()
    o = orders if known.all() else orders.loc[known]  # one copy of the orders below, not two
    ids = o["customer_id"] if o["customer_id"].dtype == "str" else o["customer_id"].astype(str)
    # By customer then date, stable: sorting integer codes is far quicker than sorting text.
    codes, uniques = pd.factorize(ids, sort=True)
    order = np.lexsort((o["order_date"].to_numpy(), codes))
    o = o.iloc[order]
    if o["customer_id"].dtype != "str":
        o["customer_id"] = ids.iloc[order].set_axis(o.index)  # positions, not labels: the index may repeat
    return o, codes[order], pd.Index(uniques)


def _share(o: pd.DataFrame, mask, name: str, codes: np.ndarray, ids: pd.Index) -> pd.Series:
    share = pd.Series(np.asarray(mask, dtype=float), index=o.index).groupby(codes, sort=True).mean()
    return share.set_axis(ids[share.index.to_numpy()]).rename(name)


def behaviour_evidence(data, as_of=None) -> pd.DataFrame:
    """Per customer, the observable evidence the type rules read (never the hidden truth).

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A customer base, or an analyst's orders table with ``customer_id``, ``order_date``,
        ``amount`` and optionally ``discount``, ``product_line``, ``channel``, ``recipient``.
    as_of : date-like, optional
        Only what was known on this date counts. Defaults to ``base.as_of`` for a
        CustomerBase; required for a plain orders table.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers who only browsed included when the
    base has ``customers`` or ``interactions``), with

    - orders: ``n_orders``, ``revenue``, ``tenure_days``, ``orders_per_year``,
      ``revenue_per_year``, ``days_since_last``, ``spend_rate_pct`` (percentile among
      buyers of revenue per year between first and last order), ``gap_cv`` (variation of days between orders; needs
      three orders), ``discount_share``, ``late_order_share`` (after 20:00), ``app_share``,
      ``essentials_share``, ``premium_share``, ``new_release_share``;
    - interactions: ``browse_sessions``, ``browse_per_order``, ``browse_per_year``,
      ``browse_before_order_share`` (orders with a browse in the two hours before),
      ``suggestions``, ``suggestion_quality``, ``references``;
    - surveys: ``price_sensitivity`` (mean, 1-5); referrals: ``referrals_made``;
    - customers: ``new_market_rank`` (order of arrival among buyers of a city that opened
      late: 1 = first; NaN in established cities).

    A column that needs a table or an orders column the data does not have is NaN, and
    the rules that read it cannot fire.

    Examples
    --------
    >>> import playbook
    >>> ev = behaviour_evidence(playbook.load_dataset("retail"))
    >>> bool(ev["browse_before_order_share"].dropna().between(0, 1).all())
    True
    >>> int((ev["n_orders"] == 0).sum()) > 0   # browsers who never bought are kept
    True
    """
    func = "behaviour_evidence"
    orders, base, ts = _orders_and_tables(data, as_of, func)
    o, codes, coded_ids = _coded_orders(orders, ts, func)
    ids = set(coded_ids)
    for table in ("customers", "interactions"):
        df = getattr(base, table, None) if base is not None else None
        if df is not None:
            ids |= set(df["customer_id"].astype(str))
    if not ids:
        raise DataValidationError(f"{func} got no customers: the orders table is empty.")
    ev = pd.DataFrame(index=pd.Index(sorted(ids), name="customer_id"))
    g = o.groupby(codes, sort=True)  # the customers' integer codes (see _coded_orders)

    def by_id(values: pd.Series) -> pd.Series:
        return values.set_axis(coded_ids[values.index.to_numpy()])

    ev["n_orders"] = by_id(g.size()).reindex(ev.index, fill_value=0).astype(np.int64)
    ev["revenue"] = by_id(g["amount"].sum()).reindex(ev.index, fill_value=0.0)
    first_seen = by_id(g["order_date"].min()).reindex(ev.index)
    if base is not None and base.customers is not None and "acquisition_date" in base.customers:
        acq = base.customers.assign(customer_id=base.customers["customer_id"].astype(str)).set_index("customer_id")["acquisition_date"]
        first_seen = first_seen.fillna(acq.reindex(ev.index))
    if base is not None and base.interactions is not None and len(base.interactions):
        inter = base.interactions.assign(customer_id=base.interactions["customer_id"].astype(str))
        first_seen = first_seen.fillna(inter.groupby("customer_id")["date"].min().reindex(ev.index))
    day = ts.normalize()
    ev["tenure_days"] = ((day - first_seen.dt.normalize()).dt.days + 1).clip(lower=1)
    years = ev["tenure_days"].clip(lower=_MIN_TENURE_DAYS) / 365.25
    ev["orders_per_year"] = ev["n_orders"] / years
    ev["revenue_per_year"] = ev["revenue"] / years
    ev["days_since_last"] = by_id((day - g["order_date"].max().dt.normalize()).dt.days).reindex(ev.index)
    # Spend while active (first to last order): a customer who left is not penalised for the quiet years since.
    active_years = (ev["tenure_days"] - ev["days_since_last"]).clip(lower=_MIN_TENURE_DAYS) / 365.25
    buyers = ev["n_orders"] > 0
    ev["spend_rate_pct"] = (ev["revenue"] / active_years).loc[buyers].rank(pct=True).reindex(ev.index)
    gaps = g["order_date"].diff().dt.total_seconds() / 86400
    stats = gaps.groupby(codes, sort=True).agg(["mean", "std", "count"])
    cv = (stats["std"] / stats["mean"]).where(stats["count"] >= 2)
    ev["gap_cv"] = by_id(cv).reindex(ev.index)
    cols = {
        "discount_share": ("discount", lambda s: s > 0),
        "late_order_share": ("order_date", lambda s: s.dt.hour >= _LATE_HOUR),
        "app_share": ("channel", lambda s: s.astype(str) == "app"),
        "essentials_share": ("product_line", lambda s: s.astype(str) == "essentials"),
        "premium_share": ("product_line", lambda s: s.astype(str) == "premium"),
        "new_release_share": ("product_line", lambda s: s.astype(str) == "new_release"),
    }
    for name, (col, test) in cols.items():
        ev[name] = _share(o, test(o[col]), name, codes, coded_ids).reindex(ev.index) if col in o.columns else np.nan
    _interaction_evidence(ev, o, base)
    _survey_and_referral_evidence(ev, base, ts)
    _new_market_evidence(ev, o, base)
    return ev


def behaviour_from_features(f: pd.DataFrame, ts: pd.Timestamp, *, spend_rate_pct: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`behaviour_evidence` of an orders-only base at ``ts``, from its feature table
    (:func:`playbook.features.compute`): the same columns, without a pass over the orders.

    ``spend_rate_pct``: :func:`spend_rate_ranks` of the whole table, when ``f`` is one chunk of its known rows
    (the one column that reads every customer: a percentile rank); by default ranked within ``f``. Every other
    column of a row reads that row alone."""
    known = f["n_orders"].to_numpy() > 0
    f = f if known.all() else f.loc[known]  # a table of known customers only is used as it is
    ev = pd.DataFrame(index=pd.Index(f.index, name="customer_id"))
    day = ts.normalize()
    ev["n_orders"] = f["n_orders"].astype(np.int64)
    ev["revenue"] = f["revenue"].astype(float)
    ev["tenure_days"] = ((day - f["first_order"].dt.normalize()).dt.days + 1).clip(lower=1)
    years = ev["tenure_days"].clip(lower=_MIN_TENURE_DAYS) / 365.25
    ev["orders_per_year"] = ev["n_orders"] / years
    ev["revenue_per_year"] = ev["revenue"] / years
    ev["days_since_last"] = (day - f["last_order"].dt.normalize()).dt.days
    if spend_rate_pct is None:
        ev["spend_rate_pct"] = _spend_rate_pct(ev["revenue"], ev["tenure_days"], ev["days_since_last"])
    else:
        if len(spend_rate_pct) != len(ev):
            raise InvalidArgumentError(f"spend_rate_pct has {len(spend_rate_pct)} values for {len(ev)} known customers.")
        ev["spend_rate_pct"] = spend_rate_pct
    ev["gap_cv"] = (f["gap_std"] / f["gap_mean"]).where(f["gap_count"] >= 2)
    n = ev["n_orders"].astype(float)
    for name, count in (("discount_share", "n_discounted"), ("late_order_share", "n_late"), ("app_share", "n_app"),
                        ("essentials_share", "n_essentials"), ("premium_share", "n_premium"),
                        ("new_release_share", "n_new_release")):
        ev[name] = f[count] / n if count in f.columns else np.nan
    for name in ("browse_sessions", "browse_per_order", "browse_per_year", "browse_before_order_share",
                 "suggestions", "suggestion_quality", "references", "price_sensitivity", "referrals_made", "new_market_rank"):
        ev[name] = np.nan
    return ev


def _spend_rate_pct(revenue: pd.Series, tenure_days: pd.Series, days_since_last: pd.Series) -> pd.Series:
    """Each customer's percentile rank of revenue per active year (first to last order, at least
    ``_MIN_TENURE_DAYS``) among the customers given: the ``spend_rate_pct`` evidence."""
    active_years = (tenure_days - days_since_last).clip(lower=_MIN_TENURE_DAYS) / 365.25
    return (revenue / active_years).rank(pct=True)


def spend_rate_ranks(f: pd.DataFrame, ts: pd.Timestamp) -> np.ndarray:
    """The ``spend_rate_pct`` column of :func:`behaviour_from_features` ``(f, ts)`` for the known rows of ``f``, alone:
    computed once over every customer by a caller that builds the evidence chunk by chunk (the same figures).

    >>> import playbook
    >>> from playbook import features
    >>> base = playbook.load_dataset("b2b")
    >>> f = features.compute(base.orders, base.as_of)
    >>> bool((spend_rate_ranks(f, base.as_of) == behaviour_from_features(f, base.as_of)["spend_rate_pct"].to_numpy()).all())
    True
    """
    known = f["n_orders"].to_numpy() > 0
    rows = slice(None) if known.all() else known

    def column(name: str) -> pd.Series:  # the known rows' values, by position (no copy of the table)
        return pd.Series(f[name].to_numpy()[rows])

    day = ts.normalize()
    tenure = ((day - column("first_order").dt.normalize()).dt.days + 1).clip(lower=1)
    since = (day - column("last_order").dt.normalize()).dt.days
    return _spend_rate_pct(column("revenue").astype(float), tenure, since).to_numpy()


def _interaction_evidence(ev: pd.DataFrame, o: pd.DataFrame, base) -> None:
    names = ("browse_sessions", "browse_per_order", "browse_per_year", "browse_before_order_share",
             "suggestions", "suggestion_quality", "references")
    if base is None or base.interactions is None:
        for n in names:
            ev[n] = np.nan
        return
    inter = base.interactions.assign(customer_id=base.interactions["customer_id"].astype(str),
                                     kind=base.interactions["kind"].astype(str))
    counts = inter.groupby(["customer_id", "kind"]).size().unstack(fill_value=0)

    def count(kind):
        return (counts[kind] if kind in counts else pd.Series(dtype=float)).reindex(ev.index, fill_value=0).astype(np.int64)

    ev["browse_sessions"] = count("browse")
    ev["browse_per_order"] = ev["browse_sessions"] / ev["n_orders"].where(ev["n_orders"] > 0)
    ev["browse_per_year"] = ev["browse_sessions"] / (ev["tenure_days"].clip(lower=_MIN_TENURE_DAYS) / 365.25)
    browses = inter.loc[inter["kind"] == "browse", ["customer_id", "date"]].rename(columns={"date": "browse_at"})
    if len(o) and len(browses):
        left = o[["customer_id", "order_date"]].sort_values("order_date", kind="stable")
        right = browses.sort_values("browse_at", kind="stable")
        hit = pd.merge_asof(left, right, left_on="order_date", right_on="browse_at", by="customer_id",
                            direction="backward", tolerance=_BROWSE_WINDOW)
        ev["browse_before_order_share"] = hit["browse_at"].notna().groupby(hit["customer_id"]).mean().reindex(ev.index)
    else:
        ev["browse_before_order_share"] = np.where(ev["n_orders"] > 0, 0.0, np.nan)
    ev["suggestions"] = count("suggestion")
    sugg = inter.loc[inter["kind"] == "suggestion"]
    ev["suggestion_quality"] = sugg.groupby("customer_id")["quality"].mean().reindex(ev.index) if "quality" in sugg else np.nan
    ev["references"] = count("reference")


def _survey_and_referral_evidence(ev: pd.DataFrame, base, ts) -> None:
    if base is not None and base.surveys is not None and "price_sensitivity" in base.surveys:
        s = base.surveys.assign(customer_id=base.surveys["customer_id"].astype(str))
        ev["price_sensitivity"] = s.groupby("customer_id")["price_sensitivity"].mean().reindex(ev.index)
    else:
        ev["price_sensitivity"] = np.nan
    if base is not None and base.referrals is not None:
        r = base.referrals
        made = r.loc[r["converted"].astype(bool)].assign(referrer_id=lambda d: d["referrer_id"].astype(str))
        ev["referrals_made"] = made.groupby("referrer_id").size().reindex(ev.index, fill_value=0).astype(np.int64)
    else:
        ev["referrals_made"] = np.nan


def _new_market_evidence(ev: pd.DataFrame, o: pd.DataFrame, base) -> None:
    ev["new_market_rank"] = np.nan
    if base is None or base.customers is None or "city" not in base.customers or not len(o):
        return
    city = base.customers.assign(customer_id=base.customers["customer_id"].astype(str)).set_index("customer_id")["city"].astype(str)
    first = o.groupby("customer_id")["order_date"].min().to_frame("first_order")
    first["city"] = city.reindex(first.index)
    first = first.dropna(subset=["city"]).sort_values(["first_order"], kind="stable")
    opened = first.groupby("city")["first_order"].transform("min")
    late = opened >= first["first_order"].min() + pd.Timedelta(days=_NEW_MARKET_DAYS)
    rank = first.groupby("city").cumcount() + 1
    ev["new_market_rank"] = rank.where(late).reindex(ev.index).astype(float)


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class TypeRule:
    """One line of a rule table: customers for whom ``when`` holds get ``label``.

    Parameters
    ----------
    label : str
        The type, flag or orientation the rule gives.
    when : str or None
        A condition on evidence columns in pandas ``eval`` syntax; ``{name}`` stands for
        the threshold ``name`` (see :data:`DEFAULT_THRESHOLDS`). None means "everyone
        left": the fallback at the end of a decision list.
    why : str
        The reason in words, shown in the ``*_reason`` column.

    Examples
    --------
    >>> rule = TypeRule("discount_driven", "discount_share >= {discount_share}", "most orders carry a discount")
    >>> rule.condition({"discount_share": 0.5})
    'discount_share >= 0.5'
    """

    label: str
    when: str | None
    why: str

    def condition(self, thresholds: dict) -> str:
        """The condition with the thresholds filled in ("otherwise" for the fallback)."""
        if self.when is None:
            return "otherwise"
        try:
            return self.when.format(**thresholds)
        except KeyError as exc:
            raise InvalidArgumentError(
                f"The rule for {self.label!r} uses the threshold {exc.args[0]!r}, which is not set. "
                f"Known thresholds: {', '.join(sorted(thresholds))}.") from None

    def evidence(self) -> list[str]:
        """The evidence columns the rule reads, in order of appearance."""
        if self.when is None:
            return []
        text = re.sub(r"\{\w+\}", " ", self.when)
        words = re.findall(r"[A-Za-z_]\w*", text)
        return list(dict.fromkeys(w for w in words if w not in ("and", "or", "not", "True", "False")))


DEFAULT_THRESHOLDS: dict[str, float] = {
    # behavioural types
    "browse_before_order": 0.5,   # share of orders with a browse in the 2 hours before
    "browse_per_order": 5.0,      # browsing sessions per order
    "discount_share": 0.5,        # share of orders with a discount
    "gap_cv": 0.6,                # coefficient of variation of gaps; memoryless buying gives about 1
    "loyal_orders_per_year": 6.0,
    "loyal_orders": 5,
    "late_order_share": 0.5,      # share of orders after 20:00
    # flags
    "high_volume_pct": 0.95,      # percentile of spend while active
    "young_days": 365,
    "future_value_pct": 0.9,
    "recent_days": 90,
    "references": 1,
    "pioneer_rank": 2,            # first N buyers of a new market
    "suggestions": 2,
    "suggestion_quality": 0.5,
    # orientation
    "price_sensitive": 4.0,       # mean survey answer, 1-5
    "premium_share": 0.5,
    "new_release_share": 0.4,
    "essentials_share": 0.5,
}

#: The behavioural-type decision list: the first rule that holds wins.
DEFAULT_TYPE_RULES: tuple[TypeRule, ...] = (
    TypeRule("wanderer", "n_orders == 0", "known to us but never bought"),
    TypeRule("impulse", "browse_before_order_share >= {browse_before_order}", "most orders come right after a browse"),
    TypeRule("wanderer", "browse_per_order >= {browse_per_order}", "browses many times per order"),
    TypeRule("discount_driven", "discount_share >= {discount_share}", "most orders carry a discount"),
    TypeRule("need_based", "gap_cv <= {gap_cv}", "buys at regular intervals"),
    TypeRule("loyal", "orders_per_year >= {loyal_orders_per_year} or n_orders >= {loyal_orders}",
             "orders often, or many times, without needing a discount"),
    TypeRule("impulse", "late_order_share >= {late_order_share}", "orders mostly late in the evening"),
    TypeRule("need_based", None, "too few orders to tell; occasional full-price buying"),
)

#: Flags: a customer gets every flag one of whose rules holds.
DEFAULT_FLAG_RULES: tuple[TypeRule, ...] = (
    TypeRule("high_volume", "spend_rate_pct >= {high_volume_pct}", "top spend per active year"),
    TypeRule("future_high_value",
             "tenure_days <= {young_days} and spend_rate_pct >= {future_value_pct} and days_since_last <= {recent_days}",
             "new, spends fast and bought recently"),
    TypeRule("benchmark", "references >= {references}", "served as a reference others copy"),
    TypeRule("pioneer", "new_market_rank <= {pioneer_rank}", "among the first buyers in a new city"),
    TypeRule("motivator", "suggestions >= {suggestions} and suggestion_quality >= {suggestion_quality}",
             "makes useful suggestions"),
)

#: The orientation decision list: the first rule that holds wins.
DEFAULT_ORIENTATION_RULES: tuple[TypeRule, ...] = (
    TypeRule("unknown", "n_orders == 0", "no orders: no product mix to read"),
    TypeRule("cost", "price_sensitivity >= {price_sensitive}", "says price matters most (survey)"),
    TypeRule("value", "premium_share >= {premium_share}", "mostly buys premium"),
    TypeRule("technology", "new_release_share >= {new_release_share}", "buys new releases"),
    TypeRule("cost", "essentials_share >= {essentials_share}", "mostly buys essentials"),
    TypeRule("value", None, "mixed basket"),
)


def _thresholds(thresholds: dict | None) -> dict:
    merged: dict[str, float | np.number] = dict(DEFAULT_THRESHOLDS)  # a user may pass numpy numbers
    for key, value in (thresholds or {}).items():
        if key not in DEFAULT_THRESHOLDS:
            import difflib

            close = difflib.get_close_matches(key, list(DEFAULT_THRESHOLDS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else f" Known: {', '.join(sorted(DEFAULT_THRESHOLDS))}."
            raise InvalidArgumentError(f"Unknown threshold {key!r}.{hint}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
            raise InvalidArgumentError(f"The threshold {key!r} must be a finite number. Got {value!r}.")
        merged[key] = value
    return merged


def _short_numbers(values: list) -> list[str]:
    """How a reason shows evidence: whole numbers without decimals, others to 2, missing as "n/a"."""
    v = np.asarray(values, dtype=float)
    codes, distinct = pd.factorize(v.view(np.int64))  # each distinct value (by its bits) shown once
    u = distinct.view(np.float64)
    whole = np.round(u, 0) == u
    rounded = np.round(u, 2)
    texts = np.array(["n/a" if x != x else f"{x:.0f}" if w else f"{r:.2f}"
                      for x, w, r in zip(u.tolist(), whole.tolist(), rounded.tolist())] or [""], dtype=object)
    return texts[codes].tolist()


def _reason_template(rule: TypeRule) -> str:
    """The rule's words, then the evidence values it read: ``why (col=value, ...)``."""
    cols = rule.evidence()
    detail = f" ({', '.join(f'{c}={{{c}}}' for c in cols)})" if cols else ""
    return literal(rule.why) + detail


def rule_table(rules=DEFAULT_TYPE_RULES, *, default: str | None = "unclassified") -> RuleTable:
    """The :class:`playbook.rules.RuleTable` a list of :class:`TypeRule` runs as.

    A rule without ``when`` (the fallback) holds for everyone; a rule reading evidence that
    is missing for every customer never fires (``needs_evidence``); reasons are the rule's
    ``why`` and the evidence values it read. Customers no rule catches get ``default``.

    Examples
    --------
    >>> rule_table().table()[["label", "condition"]].tail(2).to_dict("list")
    {'label': ['need_based', 'unclassified'], 'condition': ['True', 'True']}
    """
    return RuleTable([(r.label, "True" if r.when is None else r.when, _reason_template(r)) for r in rules],
                     default=default, default_reason=literal(_NO_RULE), default_description="no rule held",
                     thresholds=DEFAULT_THRESHOLDS, name="customer type", needs_evidence=True,
                     value_format=_short_numbers)


_NO_RULE = "no rule held (add a fallback rule with when=None)"


def _checked(evidence, rules, thresholds, func: str) -> tuple[tuple, dict]:
    """The rules as a tuple and the thresholds merged, after the checks that name what is wrong."""
    if not isinstance(evidence, pd.DataFrame):
        raise InvalidArgumentError(f"{func} takes the evidence table from behaviour_evidence(). Got {type(evidence).__name__}.")
    rules = tuple(rules)
    if not rules:
        raise InvalidArgumentError(f"{func} got an empty rule table.")
    th = _thresholds(thresholds)
    for rule in rules:
        rule.condition(th)  # names a threshold that is not set
    needed = sorted({c for r in rules for c in r.evidence()} - set(evidence.columns))
    if needed:
        raise DataValidationError(
            f"{func}: the rules read evidence column(s) {', '.join(needed)}, which the evidence table lacks. "
            "Build it with behaviour_evidence(), or edit the rules.")
    return rules, th


def _run(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except InvalidArgumentError as exc:  # the engine's message for a condition that cannot be read
        raise InvalidArgumentError(f"A rule cannot be read: {exc}") from None


def _decision_list(evidence, rules, thresholds, func, column) -> pd.DataFrame:
    rules, th = _checked(evidence, rules, thresholds, func)
    decided = _run(rule_table(rules).evaluate, evidence, th, func=func)
    rule_no = decided["rule"].to_numpy() - 1
    rule_no[rule_no == len(rules)] = -1  # the default row: no rule held
    out = pd.DataFrame({column: decided["label"].astype(object), f"{column}_reason": decided["reason"].astype(object),
                        f"{column}_rule": rule_no},
                       index=evidence.index)
    out.attrs["rules_without_evidence"] = decided.attrs["rules_without_evidence"]
    return out


def _labels_only(evidence, rules, thresholds, func) -> pd.Series:
    """The label column of :func:`_decision_list` (as ``classify_types(...)["type"]``), without the reason texts:
    the same rules with an empty reason each, so nothing is formatted for the customers (the analysis keeps
    the label only)."""
    rules, th = _checked(evidence, rules, thresholds, func)
    table = rule_table(rules)
    table = RuleTable(table.rules.assign(reason=""), default=table.default, default_reason="",
                      thresholds=table.thresholds, name=table.name, needs_evidence=table.needs_evidence)
    decided = _run(table.evaluate, evidence, th, func=func)
    return pd.Series(decided["label"].astype(object), index=evidence.index)


def types_only(evidence: pd.DataFrame) -> pd.Series:
    """``classify_types(evidence)["type"]`` (the default rules and thresholds), without its reasons."""
    return _labels_only(evidence, DEFAULT_TYPE_RULES, None, "classify_types").rename("type")


def classify_types(evidence: pd.DataFrame, rules=DEFAULT_TYPE_RULES, *, thresholds: dict | None = None) -> pd.DataFrame:
    """Give each customer one behavioural type (客户类型) by a transparent decision list.

    Rules are tried in order and the first that holds wins; every customer gets the
    type and the reason, with the evidence values that decided it. A rule whose
    evidence columns are all missing (say, no ``interactions`` table) cannot fire; it is
    listed in ``result.attrs["rules_without_evidence"]``.

    Parameters
    ----------
    evidence : DataFrame
        From :func:`behaviour_evidence`.
    rules : sequence of TypeRule
        The decision list; :data:`DEFAULT_TYPE_RULES` by default. See :func:`rules_table`.
    thresholds : dict, optional
        Overrides of :data:`DEFAULT_THRESHOLDS`, e.g. ``{"discount_share": 0.4}``.

    Returns
    -------
    DataFrame indexed like ``evidence`` with ``type``, ``type_reason`` and ``type_rule``
    (position of the rule that fired).

    Examples
    --------
    >>> import playbook
    >>> ev = behaviour_evidence(playbook.load_dataset("retail"))
    >>> types = classify_types(ev)
    >>> sorted(types["type"].unique())
    ['discount_driven', 'impulse', 'loyal', 'need_based', 'wanderer']
    >>> bool(types.loc[types["type"] == "discount_driven", "type_reason"].str.contains("discount").all())
    True
    """
    return _decision_list(evidence, rules, thresholds, "classify_types", "type")


def classify_orientation(evidence: pd.DataFrame, rules=DEFAULT_ORIENTATION_RULES, *,
                         thresholds: dict | None = None) -> pd.DataFrame:
    """Cost, value or technology orientation (成本/价值/技术导向) by a decision list.

    Reads the product-line mix (essentials, premium, new releases) and, where the
    customer answered a survey, their price sensitivity. Customers without orders are
    ``unknown``.

    Returns
    -------
    DataFrame with ``orientation``, ``orientation_reason`` and ``orientation_rule``.

    Examples
    --------
    >>> import playbook
    >>> ev = behaviour_evidence(playbook.load_dataset("retail"))
    >>> sorted(classify_orientation(ev)["orientation"].unique())
    ['cost', 'technology', 'unknown', 'value']
    """
    return _decision_list(evidence, rules, thresholds, "classify_orientation", "orientation")


def classify_flags(evidence: pd.DataFrame, rules=DEFAULT_FLAG_RULES, *, thresholds: dict | None = None) -> pd.DataFrame:
    """Flags that can sit on top of any type: high-volume, future high value, benchmark, pioneer, motivator.

    A customer gets a flag when one of its rules holds; ``flag_reason`` lists why, for
    every flag set (empty when none).

    Returns
    -------
    DataFrame with one boolean column per flag in ``rules`` and ``flag_reason``.

    Examples
    --------
    >>> import playbook
    >>> ev = behaviour_evidence(playbook.load_dataset("retail"))
    >>> flags = classify_flags(ev)
    >>> bool(flags["pioneer"].any()), bool(flags.loc[flags["pioneer"], "flag_reason"].str.contains("new city").all())
    (True, True)
    """
    rules, th = _checked(evidence, rules, thresholds, "classify_flags")
    flags = _run(rule_table(rules, default=None).evaluate_all, evidence, th, func="classify_flags")
    flags["reason"] = flags["reason"].astype(object)
    return flags.rename(columns={"reason": "flag_reason"})


def rules_table(rules=DEFAULT_TYPE_RULES, *, thresholds: dict | None = None, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rule table as people read it: order, label, condition with numbers, evidence, reason.

    With ``evidence``, adds how many customers each rule would catch on its own
    (``holds``) and how many it actually decides in the list (``decides``).

    Examples
    --------
    >>> rules_table().loc[3, ["label", "condition"]].tolist()
    ['discount_driven', 'discount_share >= 0.5']
    """
    th = _thresholds(thresholds)
    rules = tuple(rules)
    table = pd.DataFrame({
        "label": [r.label for r in rules],
        "condition": [r.condition(th) for r in rules],
        "evidence": [", ".join(r.evidence()) for r in rules],
        "why": [r.why for r in rules],
    })
    table.index.name = "rule"
    if evidence is not None:
        rules, th = _checked(evidence, rules, th, "rules_table")
        counts = _run(rule_table(rules, default=None).table, th, data=evidence)
        table["holds"] = counts["holds"].to_numpy()
        table["decides"] = counts["decides"].to_numpy()
    return table


# ---------------------------------------------------------------------------
# Scoring against the hidden truth


@dataclass(frozen=True)
class TypeScores:
    """How well predicted labels match the hidden truth.

    Attributes
    ----------
    column : str
        The truth column scored (``persona``, ``orientation`` or a flag).
    confusion : DataFrame
        Counts: rows are the true labels, columns the predicted ones (``not_seen`` for
        customers the prediction does not cover).
    per_type : DataFrame
        Per true label: ``support``, ``predicted``, ``correct``, ``precision``, ``recall``.
    macro_recall : float
        Mean recall over the true labels (each type counts the same, whatever its size).
    accuracy : float
        Share of all customers labelled correctly.
    """

    column: str
    confusion: pd.DataFrame
    per_type: pd.DataFrame
    macro_recall: float
    accuracy: float

    def __repr__(self) -> str:
        return (f"TypeScores({self.column!r}: macro recall {self.macro_recall:.3f}, accuracy {self.accuracy:.3f}, "
                f"{int(self.confusion.to_numpy().sum())} customers)")


_TRUTH_ORDER = {"persona": PERSONA_TYPES, "orientation": ORIENTATIONS}


def score_against_truth(predicted, truth, *, column: str = "persona") -> TypeScores:
    """Score predicted labels against a column of the hidden ``truth`` table.

    Parameters
    ----------
    predicted : DataFrame or Series
        Indexed by customer (or with a ``customer_id`` column): the output of
        :func:`classify_types` (its ``type`` column is compared with ``persona``),
        :func:`classify_orientation`, :func:`classify_flags`, or a Series of labels.
    truth : DataFrame or CustomerBase
        The ``truth`` table (or a base that has one). Only used to score, never to predict.
    column : str
        The truth column: ``persona``, ``orientation`` or a flag such as ``benchmark``.

    Returns
    -------
    TypeScores
        Customers in ``truth`` without a prediction count as ``not_seen`` (a miss).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> scores = score_against_truth(classify_types(behaviour_evidence(base)), base.truth)
    >>> 0.2 < scores.macro_recall < 1   # better than guessing one of five, far from certain
    True
    """
    if isinstance(truth, CustomerBase):
        truth.require("truth", by="score_against_truth")
        truth = truth.truth
    if not isinstance(truth, pd.DataFrame):
        raise InvalidArgumentError(f"The 'truth' parameter of score_against_truth must be a DataFrame. Got {type(truth).__name__}.")
    t = truth.set_index("customer_id") if "customer_id" in truth.columns else truth
    check_column(t, column, "column", "score_against_truth", table="truth")
    if isinstance(predicted, pd.DataFrame):
        p = predicted.set_index("customer_id") if "customer_id" in predicted.columns else predicted
        name = column if column in p.columns else ("type" if column == "persona" and "type" in p.columns else None)
        if name is None:
            raise DataValidationError(
                f"score_against_truth: predictions have no {column!r} column"
                f"{' (nor type)' if column == 'persona' else ''}; columns are: {', '.join(map(str, p.columns))}.")
        p = p[name]
    elif isinstance(predicted, pd.Series):
        p = predicted
    else:
        raise InvalidArgumentError(f"score_against_truth takes predictions as a DataFrame or Series. Got {type(predicted).__name__}.")
    actual = t[column].astype(object).astype(str)
    if actual.empty:
        raise DataValidationError("score_against_truth: the truth table is empty; there is nothing to score.")
    p = p.copy()
    p.index = p.index.astype(str)
    actual.index = actual.index.astype(str)
    guess = p.astype(object).astype(str).reindex(actual.index).fillna("not_seen")
    order = [str(v) for v in _TRUTH_ORDER.get(column, ()) if str(v) in set(actual)]
    order += sorted(set(actual) - set(order))
    cols = order + sorted(set(guess) - set(order), key=lambda c: (c == "not_seen", c))
    confusion = pd.crosstab(pd.Categorical(actual, order), pd.Categorical(guess, cols), dropna=False)
    confusion.index.name, confusion.columns.name = "actual", "predicted"
    correct = pd.Series(np.diag(confusion.loc[order, order].to_numpy()), index=order)
    support = confusion.sum(axis=1).loc[order]
    n_pred = confusion.sum(axis=0).reindex(order, fill_value=0)
    per_type = pd.DataFrame({"support": support, "predicted": n_pred, "correct": correct,
                             "precision": correct / n_pred.where(n_pred > 0), "recall": correct / support})
    per_type.index.name = column
    return TypeScores(column=column, confusion=confusion, per_type=per_type,
                      macro_recall=float(per_type["recall"].mean()), accuracy=float(correct.sum() / support.sum()))


# ---------------------------------------------------------------------------
# Customer vs consumer

_SELF = ("self", "own_use")


def buyer_consumer_split(data, as_of=None, *, level: str = "customer") -> pd.DataFrame:
    """Customer versus consumer (客户与消费者): how often the buyer is not the one who uses it.

    An order whose ``recipient`` is not ``self`` (retail) or ``own_use`` (B2B) was paid
    by one person for another: a mother buying malt drink for her baby, food for a pet,
    a distributor buying to resell.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base, or an orders table with ``customer_id``, ``order_date``, ``amount`` and
        ``recipient``.
    as_of : date-like, optional
        Required for an orders table; defaults to ``base.as_of``.
    level : {"customer", "recipient"}
        ``customer``: one row per buyer with ``n_orders``, ``orders_for_others``,
        ``for_others_share``, ``revenue_for_others`` and ``main_recipient`` (the commonest
        recipient other than self, or ``self``). ``recipient``: the overall mix, one row
        per recipient with ``orders``, ``share_of_orders``, ``revenue``,
        ``share_of_revenue`` and ``buyer_is_consumer``.

    Examples
    --------
    >>> import playbook
    >>> mix = buyer_consumer_split(playbook.load_dataset("retail"), level="recipient")
    >>> bool(mix.loc["self", "buyer_is_consumer"]), round(float(mix["share_of_orders"].sum()), 6)
    (True, 1.0)
    """
    func = "buyer_consumer_split"
    if level not in ("customer", "recipient"):
        raise InvalidArgumentError(f"The 'level' parameter of {func} must be 'customer' or 'recipient'. Got {level!r}.")
    orders, _base, ts = _orders_and_tables(data, as_of, func)
    require_columns(orders, ["recipient"], func)
    o = _validate_orders(orders, ts, func)
    if o.empty:
        raise DataValidationError(f"{func}: there are no orders to split.")
    if o["recipient"].isna().any():
        from .errors import format_rows

        raise DataValidationError(f"{func}: orders has a missing 'recipient' in {format_rows(o.index[o['recipient'].isna()])}; "
                                  "fill it with 'self' when the buyer used the goods.")
    rec = o["recipient"].astype(str)
    others = ~rec.isin(_SELF)
    if level == "recipient":
        mix = o.assign(recipient=rec).groupby("recipient").agg(orders=("amount", "size"), revenue=("amount", "sum"))
        mix["share_of_orders"] = mix["orders"] / mix["orders"].sum()
        total = mix["revenue"].sum()
        mix["share_of_revenue"] = mix["revenue"] / total if total else np.nan
        mix["buyer_is_consumer"] = mix.index.isin(_SELF)
        return mix.sort_values("orders", ascending=False, kind="stable")[
            ["orders", "share_of_orders", "revenue", "share_of_revenue", "buyer_is_consumer"]]
    g = o.assign(other=others, other_amount=o["amount"].where(others, 0.0)).groupby("customer_id")
    out = pd.DataFrame({"n_orders": g.size(), "orders_for_others": g["other"].sum().astype(np.int64),
                        "revenue_for_others": g["other_amount"].sum()})
    out["for_others_share"] = out["orders_for_others"] / out["n_orders"]
    counts = pd.DataFrame({"customer_id": o.loc[others, "customer_id"], "recipient": rec[others]}).value_counts()
    counts = counts.reset_index().sort_values(["customer_id", "count", "recipient"], ascending=[True, False, True], kind="stable")
    main = counts.drop_duplicates("customer_id").set_index("customer_id")["recipient"]
    out["main_recipient"] = main.reindex(out.index).fillna("self")
    return out[["n_orders", "orders_for_others", "for_others_share", "revenue_for_others", "main_recipient"]]
