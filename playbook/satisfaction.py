"""Satisfaction (满意度) and complaint handling (申告投诉管理): the seven indicators, a weighted index,
the complaint timeline with its service-level breaches, and what open complaints do to later buying.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .data import (
    CustomerBase,
    end_of_day,
    require_columns,
    resolve_as_of,
    table_of,
    to_timestamp,
    validate_orders,
)
from .errors import DataValidationError, InvalidArgumentError, MissingTableError, format_rows
from .i18n import register_labels
from .vocabulary import CARE_KINDS, SERVICE_FAILURES

__all__ = [
    "INDICATORS",
    "INDEX_SCALES",
    "SERVICE_FAILURES",
    "satisfaction_indicators",
    "satisfaction_index",
    "satisfaction_and_repurchase",
    "index_vs_repurchase",
    "complaint_timeline",
    "complaint_summary",
    "open_complaint_effect",
    "care_before_exit",
    "complaint_speed_effect",
]

INDICATORS = ("reputation", "awareness", "repurchase_rate", "complaint_rate", "spend_per_transaction",
              "price_sensitivity", "exit_rate")
"""The seven satisfaction indicators, in the order the seeds list them."""


# Which table each indicator needs besides orders.
_NEEDS = {"reputation": "surveys", "awareness": "surveys", "price_sensitivity": "surveys", "complaint_rate": "complaints"}

INDEX_SCALES = {
    "reputation": (0.0, 10.0, +1),
    "awareness": (0.0, 1.0, +1),
    "repurchase_rate": (0.0, 1.0, +1),
    "complaint_rate": (0.0, 0.10, -1),
    "spend_per_transaction": (0.0, None, +1),
    "price_sensitivity": (1.0, 5.0, -1),
    "exit_rate": (0.0, 1.0, -1),
}
"""Anchors ``(worst_or_low, high, direction)`` that map each indicator to 0-100 in :func:`satisfaction_index`.

Direction +1: ``low`` scores 0 and ``high`` scores 100; direction -1: the reverse (fewer
complaints, less price sensitivity, fewer exits are better). ``None`` for spend means
"twice the median of the rows", so a group spending the median scores 50.
"""

register_labels({
    "satisfaction_index": ("Satisfaction index", "满意度指数"),
    "first_response_breach": ("First response later than the SLA", "首次响应超时"),
    "resolution_breach": ("Resolution later than the SLA", "处理超时"),
    "hours_to_first_response": ("Hours to first response", "首次响应时长（小时）"),
    "days_to_resolution": ("Days to resolution", "处理时长（天）"),
    "open_complaint": ("Complaint still open", "投诉未结"),
    "resolved_quickly": ("Resolved quickly", "快速解决"),
    "resolved_slowly": ("Resolved slowly", "解决缓慢"),
    "repurchased": ("Bought again", "再次购买"),
    "care_contacts": ("Care contacts", "关怀接触"),
    "no_complaint": ("No complaint", "无投诉"),
    "still_open": ("Still open", "仍未解决"),
})

_STATUS_ORDER = ("resolved_quickly", "resolved_slowly", "open_complaint")


# ---------------------------------------------------------------- shared input handling


def _tables(base, func: str) -> CustomerBase:
    """A CustomerBase as given, or one wrapping an analyst's orders DataFrame."""
    if isinstance(base, CustomerBase):
        return base
    if isinstance(base, pd.DataFrame):
        return CustomerBase(orders=base, name="the orders table")
    raise InvalidArgumentError(f"{func} needs a CustomerBase or an orders DataFrame. Got {type(base).__name__}.")




def _positive(value, name: str, func: str) -> float:
    if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value <= 0:
        raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a positive number. Got {value!r}.")
    return float(value)


def _checked_surveys(surveys: pd.DataFrame, func: str) -> pd.DataFrame:
    """Surveys with scores in range; out-of-range answers are an error naming the rows."""
    require_columns(surveys, ("customer_id", "date"), func, table="surveys")
    ranges = {"satisfaction": (1, 5), "recommend": (0, 10), "price_sensitivity": (1, 5),
              "product_quality": (1, 5), "service_quality": (1, 5)}
    for col, (lo, hi) in ranges.items():
        if col not in surveys.columns:
            continue
        values = pd.to_numeric(surveys[col], errors="coerce")
        bad = surveys.index[values.notna() & ~values.between(lo, hi)]
        if len(bad):
            raise DataValidationError(
                f"surveys: {col!r} must be between {lo} and {hi}; out of range in "
                f"{format_rows(bad, surveys.loc[bad, col])}. Fix or drop those answers.")
    return surveys


def _checked_complaints(complaints: pd.DataFrame, func: str) -> pd.DataFrame:
    require_columns(complaints, ("complaint_id", "customer_id", "opened_at", "first_response_at", "closed_at"), func,
                    table="complaints")
    for col in ("opened_at", "first_response_at", "closed_at"):
        if not pd.api.types.is_datetime64_any_dtype(complaints[col]):
            raise DataValidationError(f"Column {col!r} of complaints must hold date-times; convert it with pd.to_datetime first.")
    missing = complaints.index[complaints["opened_at"].isna() | complaints["customer_id"].isna()]
    if len(missing):
        raise DataValidationError(f"complaints has missing 'opened_at' or 'customer_id' in {format_rows(missing)}; drop or fix them.")
    for col, what in (("closed_at", "closed"), ("first_response_at", "answered")):
        bad = complaints.index[complaints[col] < complaints["opened_at"]]
        if len(bad):
            raise DataValidationError(
                f"complaints: {len(bad)} complaint(s) {what} before they were opened ({col!r} < 'opened_at') in "
                f"{format_rows(bad, complaints.loc[bad, 'complaint_id'])}. Fix the dates or drop those rows.")
    return complaints


def _orders(base: CustomerBase, func: str, *, amount: bool = True) -> pd.DataFrame:
    validate_orders(base.orders, func, required=("amount",) if amount else ())
    return base.orders


# ---------------------------------------------------------------- the seven indicators


def _per_customer(base: CustomerBase, start: pd.Timestamp, end: pd.Timestamp, prev_start: pd.Timestamp,
                  wanted: tuple[str, ...]) -> pd.DataFrame:
    """Per-customer indicator values for the window (start, end], with exits judged against (prev_start, start]."""
    orders = base.orders
    cid = orders["customer_id"].astype(str)
    date = orders["order_date"]
    in_win = (date > start) & (date <= end)
    first_ever = date.groupby(cid).transform("min")
    win = pd.DataFrame({"customer_id": cid[in_win], "amount": orders.loc[in_win, "amount"],
                        "repeat": (date[in_win] > first_ever[in_win])})
    g = win.groupby("customer_id")
    out = pd.DataFrame({"n_orders": g.size(), "revenue": g["amount"].sum(), "repeat": g["repeat"].any().astype(float)})
    prev_active = pd.Index(cid[(date > prev_start) & (date <= start)].unique())
    out = out.reindex(out.index.union(prev_active))
    out["n_orders"] = out["n_orders"].fillna(0).astype(int)
    out["revenue"] = out["revenue"].fillna(0.0)
    out["exit"] = np.where(out.index.isin(prev_active), (out["n_orders"] == 0).astype(float), np.nan)
    out["spend_per_transaction"] = out["revenue"] / out["n_orders"].where(out["n_orders"] > 0)
    out = out.rename(columns={"repeat": "repurchase_rate", "exit": "exit_rate"})
    if "complaint_rate" in wanted:
        c = base.table("complaints")
        opened = c["opened_at"]
        n_compl = c.loc[(opened > start) & (opened <= end), "customer_id"].astype(str).value_counts()
        out = out.reindex(out.index.union(n_compl.index))
        out["n_orders"] = out["n_orders"].fillna(0).astype(int)
        out["revenue"] = out["revenue"].fillna(0.0)
        out["complaints"] = n_compl.reindex(out.index).fillna(0).astype(int)
        out["complaint_rate"] = out["complaints"] / out["n_orders"].where(out["n_orders"] > 0)
    if any(_NEEDS.get(k) == "surveys" for k in wanted):
        s = base.table("surveys")
        s = s[(s["date"] > start) & (s["date"] <= end)]
        sg = s.groupby(s["customer_id"].astype(str))
        survey_cols = {"satisfaction": sg["satisfaction"].mean() if "satisfaction" in s else None,
                       "reputation": sg["recommend"].mean() if "reputation" in wanted else None,
                       "awareness": sg["aware_before"].first().astype(float) if "awareness" in wanted else None,
                       "price_sensitivity": sg["price_sensitivity"].mean() if "price_sensitivity" in wanted else None}
        per = pd.DataFrame({k: v for k, v in survey_cols.items() if v is not None})
        out = out.reindex(out.index.union(per.index))
        out["n_orders"] = out["n_orders"].fillna(0).astype(int)
        out["revenue"] = out["revenue"].fillna(0.0)
        out = out.join(per)
    out.index.name = "customer_id"
    return out


def _aggregate(per: pd.DataFrame, wanted: tuple[str, ...]) -> pd.Series:
    res: dict[str, float] = {"customers": int(len(per)), "buyers": int((per["n_orders"] > 0).sum())}
    if "reputation" in wanted or "awareness" in wanted or "price_sensitivity" in wanted:
        answered = [c for c in ("reputation", "awareness", "price_sensitivity", "satisfaction") if c in per]
        res["respondents"] = int(per[answered].notna().any(axis=1).sum())
    n_orders = per["n_orders"].sum()
    for k in wanted:
        if k == "complaint_rate":
            res[k] = float(per["complaints"].sum() / n_orders) if n_orders else np.nan
        elif k == "spend_per_transaction":
            res[k] = float(per["revenue"].sum() / n_orders) if n_orders else np.nan
        else:
            res[k] = float(per[k].mean()) if per[k].notna().any() else np.nan
    if "satisfaction" in per:
        res["satisfaction"] = float(per["satisfaction"].mean()) if per["satisfaction"].notna().any() else np.nan
    return pd.Series(res)


def satisfaction_indicators(base, as_of=None, *, by: str | None = None, window_days: int = 365,
                            indicators=None) -> pd.DataFrame:
    """The seven satisfaction indicators (满意度七项指标), overall, per customer, per group or per quarter.

    Every indicator looks at one window: the ``window_days`` days up to ``as_of``.

    - ``reputation`` (美誉度): mean answer to "would you recommend us?" (0-10) of the
      surveys in the window; a customer with several answers counts once (their mean).
    - ``awareness`` (知名度): share of surveyed customers who had heard of the brand
      before their first purchase (``aware_before`` of their first answer in the window).
    - ``repurchase_rate`` (回头率): share of the window's buyers who came back, i.e. at
      least one of their orders in the window is not their first order ever.
    - ``complaint_rate`` (投诉率): complaints opened in the window per order placed in it.
    - ``spend_per_transaction`` (单次交易购买额): revenue of the window / its orders.
    - ``price_sensitivity`` (价格敏感度): mean agreement with "price matters most to me"
      (1-5) in the window's surveys.
    - ``exit_rate`` (退出率): among customers who ordered in the previous window (the
      ``window_days`` before the window), the share with no order in the window.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A base with orders, surveys and complaints; an orders DataFrame alone works
        with ``indicators`` limited to the order-based ones.
    as_of : date-like, optional
        End of the window; defaults to ``base.as_of``.
    by : {None, "customer", "segment", "tier_of_record", "tier", "period"}
        ``None``: one row for everyone; ``"customer"``: one row per customer (values
        are 0/1 for the share indicators, missing where they do not apply); ``"segment"``
        and ``"tier_of_record"``: groups of the customers table; ``"tier"``: key /
        important / general from :func:`playbook.segment.assign_tiers` on the orders up to
        ``as_of``; ``"period"``: the trailing window at each quarter end up to ``as_of``.
    window_days : int
        Length of the window (default 365).
    indicators : sequence of str, optional
        Which of :data:`INDICATORS` to compute (default all).

    Returns
    -------
    DataFrame, one row per group, with ``customers`` (customers with any activity in
    the window or ordering in the previous one), ``buyers``, ``respondents`` (when survey
    indicators are asked for), the indicators, and ``satisfaction`` (mean 1-5 score).

    Raises
    ------
    MissingTableError
        When an asked-for indicator needs surveys or complaints that the base lacks.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> row = satisfaction_indicators(base).iloc[0]
    >>> sorted(row.index)[:4]
    ['awareness', 'buyers', 'complaint_rate', 'customers']
    >>> bool(0 <= row["repurchase_rate"] <= 1 and 0 <= row["exit_rate"] <= 1)
    True
    """
    func = "satisfaction_indicators"
    base = _tables(base, func)
    as_of = resolve_as_of(base, as_of, func)
    if not isinstance(window_days, (int, np.integer)) or window_days <= 0:
        raise InvalidArgumentError(f"The 'window_days' parameter of {func} must be a positive whole number. Got {window_days!r}.")
    wanted = tuple(INDICATORS if indicators is None else indicators)
    unknown = [k for k in wanted if k not in INDICATORS]
    if unknown or not wanted:
        raise InvalidArgumentError(f"The 'indicators' parameter of {func} takes names among {', '.join(INDICATORS)}. Got {unknown or wanted!r}.")
    _orders(base, func)
    for table in ("surveys", "complaints"):
        need = [k for k in wanted if _NEEDS.get(k) == table]
        if need and getattr(base, table, None) is None:
            order_based = [k for k in wanted if k not in _NEEDS]
            raise MissingTableError(
                f"{func}: the indicator(s) {', '.join(need)} need the {table} table, which {base.name} does not have. "
                f"Pass it in the CustomerBase, or ask only for the order-based ones: indicators={order_based!r}.")
    if base.surveys is not None and any(_NEEDS.get(k) == "surveys" for k in wanted):
        _checked_surveys(base.surveys, func)
    if base.complaints is not None and "complaint_rate" in wanted:
        _checked_complaints(base.complaints, func)
    valid_by = (None, "customer", "segment", "tier_of_record", "tier", "period")
    if by not in valid_by:
        raise InvalidArgumentError(f"The 'by' parameter of {func} must be one of {valid_by}. Got {by!r}.")
    window = pd.Timedelta(days=int(window_days))

    def at(end: pd.Timestamp) -> pd.DataFrame:
        stop = end_of_day(end)
        return _per_customer(base, stop - window, stop, stop - 2 * window, wanted)

    if by == "period":
        first = base.orders["order_date"].min()
        if pd.isna(first) or as_of < first:
            raise InvalidArgumentError(f"{func}: as_of {as_of.date()} is before the first order; there is no period to show.")
        ends = pd.period_range(first, as_of, freq="Q").end_time.normalize()
        ends = [e if e <= as_of else as_of for e in ends]
        rows = {pd.Timestamp(e).to_period("Q"): _aggregate(at(e), wanted) for e in ends}
        out = pd.DataFrame(rows).T
        out.index.name = "period"
        return _tidy(out)
    per = at(as_of)
    if per.empty:
        raise DataValidationError(f"{func}: no customer ordered, complained or answered a survey in the {window_days} days to {as_of.date()}.")
    if by == "customer":
        cols = ["n_orders", "revenue"] + (["complaints"] if "complaints" in per else []) + [k for k in INDICATORS if k in wanted] + (["satisfaction"] if "satisfaction" in per else [])
        return per[cols]
    if by is None:
        return _tidy(pd.DataFrame({"all": _aggregate(per, wanted)}).T)
    groups = _customer_groups(base, by, base.orders[base.orders["order_date"] <= end_of_day(as_of)], as_of, func)
    key = groups.reindex(per.index)
    cats = list(groups.cat.categories) if isinstance(groups.dtype, pd.CategoricalDtype) else sorted(groups.dropna().unique())
    rows = {c: _aggregate(per[key.astype(object) == c], wanted) for c in cats if (key.astype(object) == c).any()}
    out = pd.DataFrame(rows).T
    out.index.name = by
    return _tidy(out)


def _tidy(out: pd.DataFrame) -> pd.DataFrame:
    for col in ("customers", "buyers", "respondents"):
        if col in out:
            out[col] = out[col].astype(int)
    return out.astype({c: float for c in out.columns if c not in ("customers", "buyers", "respondents")})


# ---------------------------------------------------------------- the composite index


def satisfaction_index(indicators: pd.DataFrame, weights: dict | None = None, *, scales: dict | None = None) -> pd.DataFrame:
    """A composite satisfaction index (满意度指数) from 0 to 100, with weights you choose.

    Each indicator is mapped to a 0-100 score between the anchors of :data:`INDEX_SCALES`
    (values outside are clipped), direction-aware: for complaint rate, price sensitivity
    and exit rate a *lower* value scores higher. The index is the weighted mean of the
    scores; weights are normalised to sum to 1. Where a row lacks an indicator (no
    survey answers, say) the other weights are renormalised for that row.

    Parameters
    ----------
    indicators : DataFrame
        Output of :func:`satisfaction_indicators` (any ``by``).
    weights : dict, optional
        ``{indicator: weight}``, non-negative, positive sum; indicators left out weigh 0.
        Default: equal weights over the indicator columns present.
    scales : dict, optional
        ``{indicator: (low, high, direction)}`` overriding :data:`INDEX_SCALES`.

    Returns
    -------
    DataFrame with the same index: ``<indicator>_score`` columns and ``satisfaction_index``.

    See Also
    --------
    index_vs_repurchase : the index (per customer or per group) checked against later
        buying and the truth, beside naive rules such as days since the last order.

    Examples
    --------
    >>> table = pd.DataFrame({"complaint_rate": [0.0, 0.05], "repurchase_rate": [0.5, 1.0]}, index=["a", "b"])
    >>> satisfaction_index(table)["satisfaction_index"].tolist()
    [75.0, 75.0]
    >>> satisfaction_index(table, {"complaint_rate": 3, "repurchase_rate": 1})["satisfaction_index"].tolist()
    [87.5, 62.5]
    """
    func = "satisfaction_index"
    if not isinstance(indicators, pd.DataFrame) or indicators.empty:
        raise InvalidArgumentError(f"{func} needs the non-empty table returned by satisfaction_indicators.")
    present = [k for k in INDICATORS if k in indicators.columns]
    if not present:
        raise DataValidationError(f"{func}: the table has none of the indicator columns {', '.join(INDICATORS)}.")
    if weights is None:
        weights = {k: 1.0 for k in present}
    if not isinstance(weights, dict):
        raise InvalidArgumentError(f"The 'weights' parameter of {func} must be a dict {{indicator: weight}}. Got {type(weights).__name__}.")
    unknown = [k for k in weights if k not in INDICATORS]
    if unknown:
        raise InvalidArgumentError(f"{func}: unknown indicator(s) {unknown!r} in weights; use names among {', '.join(INDICATORS)}.")
    try:
        w = {k: float(v) for k, v in weights.items()}
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"The 'weights' parameter of {func} needs numbers. Got {weights!r}.") from exc
    if any(not np.isfinite(v) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise InvalidArgumentError(f"The 'weights' parameter of {func} needs non-negative weights with a positive sum. Got {weights!r}.")
    absent = [k for k, v in w.items() if v > 0 and k not in indicators.columns]
    if absent:
        raise DataValidationError(f"{func}: weights are given for {absent!r}, which the indicators table does not have.")
    anchors = {**INDEX_SCALES, **(scales or {})}
    scores = pd.DataFrame(index=indicators.index)
    for k in present:
        lo, hi, direction = anchors[k]
        values = indicators[k].astype(float)
        if hi is None:
            med = float(values.median())
            hi = 2 * med if med > 0 else 1.0
        if hi <= lo:
            raise InvalidArgumentError(f"{func}: the scale of {k!r} needs high > low. Got {(lo, hi)!r}.")
        s = ((values - lo) / (hi - lo)).clip(0, 1) * 100
        scores[f"{k}_score"] = s if direction > 0 else 100 - s
    total = sum(w.values())
    num = pd.Series(0.0, index=indicators.index)
    den = pd.Series(0.0, index=indicators.index)
    for k, v in w.items():
        if v == 0:
            continue
        s = scores[f"{k}_score"]
        num += s.fillna(0) * v / total
        den += s.notna() * v / total
    scores["satisfaction_index"] = num / den.where(den > 0)
    return scores


# ---------------------------------------------------------------- satisfaction and later buying


def satisfaction_and_repurchase(base: CustomerBase, as_of, horizon_days: int = 180, *,
                                survey_window_days: int = 365) -> pd.DataFrame:
    """Does satisfaction today predict buying again later? Repurchase rate by satisfaction score.

    Customers are grouped by the satisfaction score (1-5) of their latest survey answer
    in the ``survey_window_days`` up to ``as_of``; a customer *repurchased* if they placed
    an order in the ``horizon_days`` after ``as_of``. The seeds claim a very satisfied
    customer (5) is about six times as willing to buy again as a merely satisfied one (4):
    ``rate_vs_4`` is the ratio to score 4.

    Parameters
    ----------
    base : CustomerBase
        With orders and surveys; the data must reach ``as_of + horizon_days``.
    as_of : date-like
        The moment of the survey read-out.
    horizon_days : int
        How long to wait for a repeat order (default 180).
    survey_window_days : int
        Only answers this recent count (default 365).

    Returns
    -------
    DataFrame indexed by ``satisfaction`` (1-5): ``customers``, ``repurchased``,
    ``repurchase_rate``, ``orders_per_customer`` (in the horizon) and ``rate_vs_4``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> table = satisfaction_and_repurchase(base, "2025-06-30")
    >>> bool(table.loc[5, "repurchase_rate"] > table.loc[2, "repurchase_rate"])
    True
    """
    func = "satisfaction_and_repurchase"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with orders and surveys. Got {type(base).__name__}.")
    base.require("surveys", by=func)
    as_of = to_timestamp(as_of)
    for name, val in (("horizon_days", horizon_days), ("survey_window_days", survey_window_days)):
        if not isinstance(val, (int, np.integer)) or val <= 0:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a positive whole number. Got {val!r}.")
    orders = _orders(base, func, amount=False)
    surveys = _checked_surveys(base.surveys, func)
    require_columns(surveys, ("satisfaction",), func, table="surveys")
    data_end = base.as_of if base.as_of is not None else orders["order_date"].max()
    stop = end_of_day(as_of)
    horizon_end = stop + pd.Timedelta(days=int(horizon_days))
    if horizon_end > end_of_day(data_end):
        raise InvalidArgumentError(
            f"{func}: the horizon runs to {horizon_end.date()}, past the end of the data ({pd.Timestamp(data_end).date()}). "
            "Choose an earlier as_of or a shorter horizon_days.")
    recent = surveys[(surveys["date"] <= stop) & (surveys["date"] > stop - pd.Timedelta(days=int(survey_window_days)))]
    if recent.empty:
        raise DataValidationError(f"{func}: no survey answers in the {survey_window_days} days to {as_of.date()}.")
    latest = recent.sort_values("date", kind="stable").groupby(recent["customer_id"].astype(str))["satisfaction"].last()
    later = orders[(orders["order_date"] > stop) & (orders["order_date"] <= horizon_end)]
    n_later = later["customer_id"].astype(str).value_counts().reindex(latest.index).fillna(0)
    table = pd.DataFrame({"satisfaction": latest.astype(int), "bought": n_later > 0, "n": n_later})
    g = table.groupby("satisfaction")
    out = pd.DataFrame({"customers": g.size(), "repurchased": g["bought"].sum().astype(int),
                        "repurchase_rate": g["bought"].mean(), "orders_per_customer": g["n"].mean()})
    out = out.reindex(range(1, 6))
    out["customers"] = out["customers"].fillna(0).astype(int)
    out["repurchased"] = out["repurchased"].fillna(0).astype(int)
    ref = out.loc[4, "repurchase_rate"] if 4 in out.index else np.nan
    out["rate_vs_4"] = out["repurchase_rate"] / ref if ref and ref > 0 else np.nan
    out.index.name = "satisfaction"
    return out


def index_vs_repurchase(base: CustomerBase, as_of, horizon_days: int = 180, *, task: str = "leave",
                        by: str | None = None, weights: dict | None = None, window_days: int = 365,
                        recall: float = 0.5, top: float = 0.1, baselines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Does the satisfaction index tell who buys again, better than naive rules? One base, one review date.

    The index is applied **per customer**: :func:`satisfaction_indicators` with
    ``by="customer"`` in the ``window_days`` up to ``as_of``, then :func:`satisfaction_index`
    with ``weights`` (a customer without survey answers is scored on the order-based
    indicators alone, the index renormalising the weights). A low index should mean a
    customer who is about to stop buying. It is read against one of two tasks of
    :mod:`playbook.evaluate`:

    - ``task="leave"``: :func:`playbook.evaluate.leave_task`, who truly drops out in the
      next ``horizon_days`` among customers still alive at ``as_of`` (needs ``truth``);
    - ``task="no_order"``: :func:`playbook.evaluate.no_order_task`, who places no order in
      the next ``horizon_days`` among every buyer so far (orders only: works on your data).

    Beside the index, at the same operating point (precision where each score finds
    ``recall`` of the positives; lift of its top ``top`` share), the naive scores of
    :func:`playbook.evaluate.baseline_scores` (``days_since_last``, ``one_time_first``,
    ``one_minus_p_alive``). Two populations: ``"covered"``, every customer of the task the
    index scores (customers with no order, complaint or answer in the last two windows have
    no index and are left out), and ``"surveyed"``, those with a survey answer in the window,
    where the raw survey score (1-5, ``survey_score``) joins the comparison. The surveyed
    rows are few on a small base: read them over several seeds, never alone.

    With ``by`` (e.g. ``"segment"``, the unit the index was built for) the index is read per
    group instead: each group's index (from the group's indicators) beside the share of its
    task customers who stop, with a Wilson interval (:func:`playbook.evaluate.proportion_interval`),
    and the naive group score, the median days since last order. A handful of groups cannot
    rank anything reliably; compare the order over several seeds.

    Parameters
    ----------
    base : CustomerBase
        With orders and surveys (complaints used when present); ``truth`` for ``task="leave"``.
    as_of : date-like
        The review date; the data must run ``horizon_days`` past it.
    horizon_days : int
        The prediction window (default 180).
    task : {"leave", "no_order"}
        Which outcome to predict (see above).
    by : {None, "segment", "tier_of_record", "tier"}
        ``None`` (default): per customer. Otherwise one row per group (see above).
    weights : dict, optional
        Index weights, as in :func:`satisfaction_index` (default equal).
    window_days : int
        The indicators' window (default 365).
    recall : float
        The recall at which every score's precision is read (default 0.5).
    top : float
        The share flagged for ``lift`` (default 0.1).
    baselines : DataFrame, optional
        :func:`playbook.evaluate.baseline_scores` at ``as_of``, when already computed.

    Returns
    -------
    DataFrame, one row per (``population``, ``score``): ``kind`` ("method" or "baseline"),
    ``n``, ``positives``, ``base_rate``, ``auc``, ``recall``, ``precision``, ``lift``; scores
    oriented "higher = more likely to stop buying" (the index as ``100 - index``).
    ``attrs`` hold ``task``, ``as_of``, ``horizon_days`` and ``left_out`` (task customers
    without an index). A population with only one class in it gets no rows.

    With ``by``: one row per group, ``satisfaction_index``, ``customers``, ``positives``,
    ``rate``, ``low``, ``high`` and ``median_days_since_last``; ``attrs["spearman"]`` holds the
    rank correlation of the index and of the median days with ``rate`` over the groups
    (the index is right when its correlation is negative, the days when theirs is positive).

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=600, seed=1)
    >>> t = index_vs_repurchase(base, "2025-06-30", 180)
    >>> sorted(t["population"].unique()), t.loc[t["kind"] == "method", "score"].tolist()
    (['covered', 'surveyed'], ['satisfaction_index', 'satisfaction_index'])
    >>> bool(t["auc"].between(0, 1).all())
    True
    >>> g = index_vs_repurchase(base, "2025-06-30", 180, by="segment")
    >>> list(g.columns[:3]), sorted(g.attrs["spearman"])
    (['satisfaction_index', 'customers', 'positives'], ['median_days_since_last', 'satisfaction_index'])
    """
    from . import evaluate as ev

    func = "index_vs_repurchase"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with orders and surveys. Got {type(base).__name__}.")
    base.require("surveys", by=func)
    if task not in ("leave", "no_order"):
        raise InvalidArgumentError(f"The 'task' parameter of {func} must be 'leave' or 'no_order'. Got {task!r}.")
    if not 0 < float(recall) <= 1 or not 0 < float(top) <= 1:
        raise InvalidArgumentError(f"{func}: recall and top must lie in (0, 1]. Got recall={recall!r}, top={top!r}.")
    ts = to_timestamp(as_of)
    target = ev.leave_task(base, ts, horizon_days) if task == "leave" else ev.no_order_task(base, ts, horizon_days)
    naive = ev.baseline_scores(base, ts) if baselines is None else baselines
    if by is not None:
        return _index_by_group(base, ts, target, naive, by, weights, window_days, func)
    indicators = satisfaction_indicators(base, ts, by="customer", window_days=window_days)
    index = satisfaction_index(indicators, weights)["satisfaction_index"].dropna()
    index.index = index.index.astype(str)
    survey = indicators["satisfaction"].dropna() if "satisfaction" in indicators else pd.Series(dtype=float)
    survey.index = survey.index.astype(str)
    scores = pd.DataFrame({"satisfaction_index": 100.0 - index, "survey_score": -survey})
    naive_cols = ["days_since_last", "one_time_first", "one_minus_p_alive"]
    covered = target.index.intersection(index.index)
    populations = {"covered": (covered, ["satisfaction_index"]),
                   "surveyed": (covered.intersection(survey.index), ["satisfaction_index", "survey_score"])}
    rows = []
    for pop, (ids, own) in populations.items():
        y = target.loc[ids, "label"].to_numpy(bool)
        if len(y) == 0 or y.all() or not y.any():
            continue
        for name in own + naive_cols:
            s = (scores[name] if name in scores else naive[name]).reindex(ids).to_numpy(float)
            rows.append({"population": pop, "score": name, "kind": "method" if name == "satisfaction_index" else "baseline",
                         "n": len(y), "positives": int(y.sum()), "base_rate": float(y.mean()), "auc": ev.roc_auc(y, s),
                         "recall": float(recall), "precision": ev.precision_at_recall(y, s, float(recall)),
                         "lift": ev.lift_at(y, s, float(top))})
    out = pd.DataFrame(rows, columns=["population", "score", "kind", "n", "positives", "base_rate", "auc", "recall",
                                      "precision", "lift"])
    out.attrs.update(task=task, as_of=ts, horizon_days=int(horizon_days), left_out=int(len(target) - len(covered)))
    return out


def _index_by_group(base: CustomerBase, ts: pd.Timestamp, target: pd.DataFrame, naive: pd.DataFrame, by: str,
                    weights: dict | None, window_days: int, func: str) -> pd.DataFrame:
    """The group view of :func:`index_vs_repurchase`."""
    from .evaluate import proportion_interval

    valid = ("segment", "tier_of_record", "tier")
    if by not in valid:
        raise InvalidArgumentError(f"The 'by' parameter of {func} must be None or one of {valid}. Got {by!r}.")
    index = satisfaction_index(satisfaction_indicators(base, ts, by=by, window_days=window_days), weights)["satisfaction_index"]
    groups = _customer_groups(base, by, base.orders[base.orders["order_date"] <= end_of_day(ts)], ts, func)
    groups.index = groups.index.astype(str)
    key = groups.reindex(target.index).astype(object)
    label = target["label"].astype(bool)
    counts = pd.DataFrame({"customers": label.groupby(key).size(), "positives": label.groupby(key).sum().astype(int),
                           "median_days_since_last": naive["days_since_last"].reindex(target.index).groupby(key).median()})
    counts = counts.reindex([g for g in index.index if g in counts.index])
    ci = proportion_interval(counts["positives"], counts["customers"])
    out = pd.DataFrame({"satisfaction_index": index.reindex(counts.index), "customers": counts["customers"].astype(int),
                        "positives": counts["positives"], "rate": ci["rate"], "low": ci["low"], "high": ci["high"],
                        "median_days_since_last": counts["median_days_since_last"]})
    out.index.name = by
    out.attrs.update(task=target.attrs.get("task"), as_of=ts, horizon_days=target.attrs.get("horizon_days"),
                     spearman={c: float(out[c].corr(out["rate"], method="spearman")) if len(out) > 1 else np.nan
                               for c in ("satisfaction_index", "median_days_since_last")})
    return out


# ---------------------------------------------------------------- complaints


def _customer_groups(base: CustomerBase, by: str, orders: pd.DataFrame, as_of: pd.Timestamp, func: str) -> pd.Series:
    """Each customer's group: its tier from ``orders`` (already cut at ``as_of``), or column ``by`` of ``customers``."""
    if by == "tier":
        from .segment import tiers_at

        if orders.empty:
            raise DataValidationError(f"{func}: by='tier' needs orders up to {as_of.date()}; there are none.")
        return tiers_at(orders, as_of)
    base.require("customers", by=f"{func}(by={by!r})")
    require_columns(base.customers, ("customer_id", by), func, table="customers")
    return base.table("customers").set_index(base.table("customers")["customer_id"].astype(str))[by]


def complaint_timeline(base, as_of=None, *, sla_first_response_hours: float = 24,
                       sla_resolution_days: float = 7) -> pd.DataFrame:
    """The complaint handling process (申告投诉管理流程) as a timeline: opened, first response, resolved.

    Only complaints opened by ``as_of`` count, and a response or closure after
    ``as_of`` has not happened yet. A complaint breaches the first-response SLA if its
    first answer came more than ``sla_first_response_hours`` after opening, or if it is
    still unanswered and already older than that; the resolution SLA likewise with
    ``sla_resolution_days``.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A base with complaints, or the complaints table itself.
    as_of : date-like, optional
        Defaults to ``base.as_of`` (required for a plain DataFrame).
    sla_first_response_hours, sla_resolution_days : float
        Service levels (default 24 hours and 7 days).

    Returns
    -------
    DataFrame, one row per complaint: ``complaint_id``, ``customer_id``, ``cause``,
    ``opened_at``, ``first_response_at``, ``closed_at``, ``status`` (open / closed),
    ``hours_to_first_response``, ``days_to_resolution`` (missing until they happen),
    ``age_days`` (days from opening to closure, or to ``as_of`` while open),
    ``first_response_breach`` and ``resolution_breach``.

    Raises
    ------
    DataValidationError
        When a complaint was closed or answered before it was opened (rows named).

    Examples
    --------
    >>> import playbook
    >>> t = complaint_timeline(playbook.load_dataset("retail"))
    >>> sorted(t["status"].unique())
    ['closed', 'open']
    >>> bool(t.loc[t["status"] == "open", "closed_at"].isna().all())
    True
    """
    func = "complaint_timeline"
    complaints, b = table_of(base, "complaints", func)
    if as_of is None and b is None:
        raise InvalidArgumentError(f"The 'as_of' parameter of {func} is required with a plain complaints table.")
    as_of = resolve_as_of(b, as_of, func) if b is not None else to_timestamp(as_of)
    sla_h = _positive(sla_first_response_hours, "sla_first_response_hours", func)
    sla_d = _positive(sla_resolution_days, "sla_resolution_days", func)
    complaints = _checked_complaints(complaints, func)
    stop = end_of_day(as_of)
    c = complaints[complaints["opened_at"] <= stop]
    first = c["first_response_at"].where(c["first_response_at"] <= stop)
    closed = c["closed_at"].where(c["closed_at"] <= stop)
    opened = c["opened_at"]
    hours = (first - opened).dt.total_seconds() / 3600
    days = (closed - opened).dt.total_seconds() / 86400
    age = (closed.fillna(stop) - opened).dt.total_seconds() / 86400
    out = pd.DataFrame({
        "complaint_id": c["complaint_id"],
        "customer_id": c["customer_id"].astype(str),
        "cause": c["cause"].astype(str) if "cause" in c else "other",
        "opened_at": opened, "first_response_at": first, "closed_at": closed,
        "status": np.where(closed.notna(), "closed", "open"),
        "hours_to_first_response": hours, "days_to_resolution": days, "age_days": age,
        "first_response_breach": np.where(first.notna(), hours > sla_h, age * 24 > sla_h),
        "resolution_breach": np.where(closed.notna(), days > sla_d, age > sla_d),
    })
    return out.reset_index(drop=True)


def complaint_summary(base: CustomerBase, as_of=None, *, by: str | None = "segment",
                      sla_first_response_hours: float = 24, sla_resolution_days: float = 7) -> pd.DataFrame:
    """Complaints per group: how many, which of the three classic failures, how fast they were handled.

    Parameters
    ----------
    base : CustomerBase
        With complaints and orders (and customers for ``segment`` / ``tier_of_record``).
    as_of : date-like, optional
        Defaults to ``base.as_of``.
    by : {None, "segment", "tier_of_record", "tier", "cause"}
        ``"tier"`` is key / important / general from
        :func:`playbook.segment.assign_tiers` on the orders up to ``as_of``.
    sla_first_response_hours, sla_resolution_days : float
        As in :func:`complaint_timeline`.

    Returns
    -------
    DataFrame, one row per group: ``complaints``, ``complaints_per_100_orders``,
    ``share_late_delivery``, ``share_quality_or_size``, ``share_slow_after_sales``,
    ``share_other`` (of the group's complaints), ``open_share``,
    ``first_response_breach_rate``, ``resolution_breach_rate``,
    ``median_hours_to_first_response`` and ``median_days_to_resolution``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> s = complaint_summary(base, by="tier")
    >>> list(s.index)
    ['key', 'important', 'general']
    >>> int(s["complaints"].sum()) == len(base.complaints)
    True
    """
    func = "complaint_summary"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with complaints and orders. Got {type(base).__name__}.")
    as_of = resolve_as_of(base, as_of, func)
    timeline = complaint_timeline(base, as_of, sla_first_response_hours=sla_first_response_hours,
                                  sla_resolution_days=sla_resolution_days)
    orders = _orders(base, func)
    orders = orders[orders["order_date"] <= end_of_day(as_of)]
    valid_by = (None, "segment", "tier_of_record", "tier", "cause")
    if by not in valid_by:
        raise InvalidArgumentError(f"The 'by' parameter of {func} must be one of {valid_by}. Got {by!r}.")
    ocid = orders["customer_id"].astype(str)
    if by is None:
        key, okey, cats = pd.Series("all", index=timeline.index), pd.Series("all", index=orders.index), ["all"]
    elif by == "cause":
        cats = [c for c in (*SERVICE_FAILURES, "other") if (timeline["cause"] == c).any()]
        key, okey = timeline["cause"].where(timeline["cause"].isin(SERVICE_FAILURES), "other"), None
    else:
        groups = _customer_groups(base, by, orders, as_of, func)
        cats = list(groups.cat.categories) if isinstance(groups.dtype, pd.CategoricalDtype) else sorted(groups.dropna().unique())
        key = groups.reindex(timeline["customer_id"]).astype(object).to_numpy()
        key = pd.Series(key, index=timeline.index).fillna("no orders" if by == "tier" else "unknown")
        okey = pd.Series(groups.reindex(ocid).astype(object).to_numpy(), index=orders.index)
        cats = [c for c in cats if (key == c).any()] + sorted(set(key) - set(cats))
    rows = {}
    for c in cats:
        t = timeline[key == c]
        row: dict[str, float] = {"complaints": len(t)}
        row["complaints_per_100_orders"] = 100 * len(t) / int((okey == c).sum()) if okey is not None and (okey == c).any() else np.nan
        cause = t["cause"].where(t["cause"].isin(SERVICE_FAILURES), "other")
        for f in (*SERVICE_FAILURES, "other"):
            row[f"share_{f}"] = float((cause == f).mean()) if len(t) else np.nan
        row["open_share"] = float((t["status"] == "open").mean()) if len(t) else np.nan
        row["first_response_breach_rate"] = float(t["first_response_breach"].mean()) if len(t) else np.nan
        row["resolution_breach_rate"] = float(t["resolution_breach"].mean()) if len(t) else np.nan
        row["median_hours_to_first_response"] = float(t["hours_to_first_response"].median())
        row["median_days_to_resolution"] = float(t["days_to_resolution"].median())
        rows[c] = row
    out = pd.DataFrame(rows).T
    out["complaints"] = out["complaints"].astype(int)
    out.index.name = by or "group"
    return out.astype({c: float for c in out.columns if c != "complaints"})


def open_complaint_effect(base: CustomerBase, as_of, *, horizon_days: int = 180, quick_days: float = 7,
                          lookback_days: int = 365, truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """What a complaint left open does to later buying: open versus quickly versus slowly resolved.

    Customers whose latest complaint was opened in the ``lookback_days`` before ``as_of``
    (and at least ``quick_days`` before it, so a quick resolution was possible) are put in
    one of three groups by that complaint's state at ``as_of``: ``resolved_quickly``
    (closed within ``quick_days``), ``resolved_slowly`` (closed later) or ``open_complaint``
    (still open). For each group: the share who ordered again in the ``horizon_days`` after
    ``as_of``, and, when ``truth`` is given (synthetic data), the share who had truly
    dropped out (``truth.dropout_date`` on or before ``as_of``).

    Parameters
    ----------
    base : CustomerBase
        With orders and complaints, reaching ``as_of + horizon_days``.
    as_of : date-like
    horizon_days : int
    quick_days : float
        What "resolved quickly" means (default 7 days, the usual resolution SLA).
    lookback_days : int
    truth : DataFrame, optional
        A ``truth`` table with ``customer_id`` and ``dropout_date``, to validate against.

    Returns
    -------
    DataFrame indexed by ``status``: ``customers``, ``repurchase_rate``, ``orders_per_customer``
    and (with ``truth``) ``truly_dropped_share``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> e = open_complaint_effect(base, "2025-06-30")
    >>> bool(e.loc["open_complaint", "repurchase_rate"] < e.loc["resolved_quickly", "repurchase_rate"])
    True
    """
    func = "open_complaint_effect"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with orders and complaints. Got {type(base).__name__}.")
    base.require("complaints", by=func)
    as_of = to_timestamp(as_of)
    quick = _positive(quick_days, "quick_days", func)
    for name, val in (("horizon_days", horizon_days), ("lookback_days", lookback_days)):
        if not isinstance(val, (int, np.integer)) or val <= 0:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a positive whole number. Got {val!r}.")
    orders = _orders(base, func, amount=False)
    stop = end_of_day(as_of)
    horizon_end = stop + pd.Timedelta(days=int(horizon_days))
    data_end = base.as_of if base.as_of is not None else orders["order_date"].max()
    if horizon_end > end_of_day(data_end):
        raise InvalidArgumentError(
            f"{func}: the horizon runs to {horizon_end.date()}, past the end of the data ({pd.Timestamp(data_end).date()}). "
            "Choose an earlier as_of or a shorter horizon_days.")
    t = complaint_timeline(base, as_of, sla_resolution_days=quick)
    t = t[(t["opened_at"] > stop - pd.Timedelta(days=int(lookback_days))) & (t["opened_at"] <= stop - pd.Timedelta(days=quick))]
    if t.empty:
        raise DataValidationError(f"{func}: no complaint was opened in the {lookback_days} days to {as_of.date()}.")
    latest = t.sort_values("opened_at", kind="stable").groupby("customer_id").last()
    status = np.where(latest["status"] == "open", "open_complaint",
                      np.where(latest["days_to_resolution"] <= quick, "resolved_quickly", "resolved_slowly"))
    later = orders[(orders["order_date"] > stop) & (orders["order_date"] <= horizon_end)]
    n_later = later["customer_id"].astype(str).value_counts().reindex(latest.index).fillna(0)
    table = pd.DataFrame({"status": status, "bought": n_later > 0, "n": n_later}, index=latest.index)
    if truth is not None:
        require_columns(truth, ("customer_id", "dropout_date"), func, table="truth")
        drop = truth.set_index(truth["customer_id"].astype(str))["dropout_date"].reindex(latest.index)
        table["dropped"] = drop.notna() & (drop <= stop)
    g = table.groupby("status")
    out = pd.DataFrame({"customers": g.size(), "repurchase_rate": g["bought"].mean(), "orders_per_customer": g["n"].mean()})
    if truth is not None:
        out["truly_dropped_share"] = g["dropped"].mean()
    out = out.reindex([s for s in _STATUS_ORDER if s in out.index])
    out.index.name = "status"
    return out


def care_before_exit(base: CustomerBase, exits, *, window_days: int = 180, kinds=CARE_KINDS) -> pd.DataFrame:
    """Care contacts (calls, visits, events, follow-ups) per 30 days just before each customer left,
    against the same length of time before that.

    The exit dates come from outside the analysis: the ``truth`` table of synthetic
    data, or your own record of who left when. A fall in care before exit is the "too
    little care" pattern (about two in three customers who leave say they felt neglected).

    Parameters
    ----------
    base : CustomerBase
        With interactions.
    exits : Series
        Exit date per customer (index: customer id); missing dates are skipped.
    window_days : int
        Length of each window (default 180).
    kinds : sequence of str
        Which interaction kinds count as care.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``exit_date``, ``care_before`` (per 30 days in
    the window before that), ``care_last`` (per 30 days in the last window before exit).
    Customers whose earlier window starts before their first interaction or order are left out.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> t = base.truth.set_index("customer_id")
    >>> care = care_before_exit(base, t["dropout_date"])
    >>> bool(care["care_last"].mean() < care["care_before"].mean())
    True
    """
    func = "care_before_exit"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with interactions. Got {type(base).__name__}.")
    base.require("interactions", by=func)
    if not isinstance(window_days, (int, np.integer)) or window_days <= 0:
        raise InvalidArgumentError(f"The 'window_days' parameter of {func} must be a positive whole number. Got {window_days!r}.")
    if not isinstance(exits, pd.Series):
        raise InvalidArgumentError(f"The 'exits' parameter of {func} must be a Series of exit dates indexed by customer id.")
    exits = pd.to_datetime(exits.dropna())
    exits.index = exits.index.astype(str)
    inter = base.table("interactions")
    require_columns(inter, ("customer_id", "date", "kind"), func, table="interactions")
    care = inter[inter["kind"].astype(str).isin(kinds)]
    care = care.assign(customer_id=care["customer_id"].astype(str))
    care = care[care["customer_id"].isin(exits.index)]
    exit_at = care["customer_id"].map(exits)
    delta = (exit_at.dt.normalize() + pd.Timedelta(days=1) - care["date"]).dt.days
    w = int(window_days)
    last = care[(delta >= 0) & (delta < w)].groupby("customer_id").size()
    before = care[(delta >= w) & (delta < 2 * w)].groupby("customer_id").size()
    orders = base.orders
    first = orders.groupby(orders["customer_id"].astype(str))["order_date"].min().reindex(exits.index)
    eligible = exits.index[(first.notna()) & (first <= exits - pd.Timedelta(days=2 * w))]
    out = pd.DataFrame({"exit_date": exits.reindex(eligible),
                        "care_before": before.reindex(eligible).fillna(0) * 30 / w,
                        "care_last": last.reindex(eligible).fillna(0) * 30 / w})
    out.index.name = "customer_id"
    return out


def _wilson(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson interval of a share ``k / n`` (NaN where ``n`` is 0)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def complaint_speed_effect(base: CustomerBase, as_of, *, horizon_days: int = 180, lookback_days: int = 365,
                           bands=(3, 7, 30)) -> pd.DataFrame:
    """How much the speed of complaint handling matters for buying again: the empowered customer.

    An empowered customer (被赋权的客户) compares offers, complains where others can see it
    and switches at little cost, so the way a complaint is handled can decide whether they
    stay. This measures it from observable tables only. Every customer who ordered in the
    ``lookback_days`` before ``as_of`` falls in one group by their latest complaint opened in
    that window (and at least ``bands[0]`` days before ``as_of``, so it could have been
    closed): closed within ``bands[0]`` days, between two bands, after the last band, still
    open on ``as_of``, or ``no_complaint``. For each group: the share who ordered again in
    the ``horizon_days`` after ``as_of``, a 95% interval for that share (Wilson), and the
    difference to customers with no complaint.

    Read it with care: complainers bought recently (a complaint is about an order), and
    speed is not assigned at random, so a gap is a measured association on your data, not
    a proven effect. Judge it on several periods or samples before you act on it.

    Parameters
    ----------
    base : CustomerBase
        With orders and complaints, reaching ``as_of + horizon_days``.
    as_of : date-like
        The read-out date; nothing after it decides a group.
    horizon_days : int
        How long to wait for a repeat order (default 180).
    lookback_days : int
        Which customers and complaints count (default 365).
    bands : sequence of positive numbers, increasing
        Day limits of the closure-speed groups (default 3, 7 and 30 days).

    Returns
    -------
    DataFrame indexed by ``group`` (``no_complaint``, ``closed_within_3d``, ``closed_3_7d``,
    ``closed_7_30d``, ``closed_after_30d``, ``still_open`` with the default bands):
    ``customers``, ``repurchased``, ``repurchase_rate``, ``low`` and ``high`` (95% interval)
    , ``vs_no_complaint`` (repurchase rate minus that of ``no_complaint``) and ``vs_fastest``
    (minus that of the quickest-closed group: the fairer comparison, among complainers).

    Examples
    --------
    >>> import playbook
    >>> t = complaint_speed_effect(playbook.load_dataset("retail"), "2025-06-30")
    >>> list(t.index)
    ['no_complaint', 'closed_within_3d', 'closed_3_7d', 'closed_7_30d', 'closed_after_30d', 'still_open']
    >>> bool(t["customers"].sum() > 0 and (t["low"] <= t["repurchase_rate"]).all())
    True
    """
    func = "complaint_speed_effect"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with orders and complaints. Got {type(base).__name__}.")
    base.require("complaints", by=func)
    as_of = to_timestamp(as_of)
    for name, val in (("horizon_days", horizon_days), ("lookback_days", lookback_days)):
        if not isinstance(val, (int, np.integer)) or isinstance(val, bool) or val <= 0:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a positive whole number. Got {val!r}.")
    try:
        cuts = [float(b) for b in bands]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"The 'bands' parameter of {func} must be increasing positive numbers of days, e.g. (3, 7, 30). "
                                   f"Got {bands!r}.") from None
    if not cuts or any(b <= 0 for b in cuts) or any(b2 <= b1 for b1, b2 in zip(cuts, cuts[1:])):
        raise InvalidArgumentError(f"The 'bands' parameter of {func} must be increasing positive numbers of days, e.g. (3, 7, 30). "
                                   f"Got {bands!r}.")
    orders = _orders(base, func, amount=False)
    stop = end_of_day(as_of)
    horizon_end = stop + pd.Timedelta(days=int(horizon_days))
    data_end = base.as_of if base.as_of is not None else orders["order_date"].max()
    if horizon_end > end_of_day(data_end):
        raise InvalidArgumentError(
            f"{func}: the horizon runs to {horizon_end.date()}, past the end of the data ({pd.Timestamp(data_end).date()}). "
            "Choose an earlier as_of or a shorter horizon_days.")
    start = stop - pd.Timedelta(days=int(lookback_days))
    cid = orders["customer_id"].astype(str)
    recent = cid[(orders["order_date"] > start) & (orders["order_date"] <= stop)].unique()
    if len(recent) == 0:
        raise DataValidationError(f"{func}: no orders in the {lookback_days} days to {as_of.date()}.")

    def fmt(x: float) -> str:
        return f"{x:g}"

    labels = [f"closed_within_{fmt(cuts[0])}d"]
    labels += [f"closed_{fmt(a)}_{fmt(b)}d" for a, b in zip(cuts, cuts[1:])]
    labels += [f"closed_after_{fmt(cuts[-1])}d", "still_open"]
    t = complaint_timeline(base, as_of)
    t = t[(t["opened_at"] > start) & (t["opened_at"] <= stop - pd.Timedelta(days=cuts[0]))]
    latest = t.sort_values("opened_at", kind="stable").groupby("customer_id").last()
    group = pd.Series("no_complaint", index=pd.Index(recent, name="customer_id"), dtype=object)
    # Customers who complained in the window too recently to judge are left out, not counted as "no complaint".
    too_recent = set(complaint_timeline(base, as_of).query("opened_at > @start")["customer_id"]) - set(latest.index)
    group = group.drop([c for c in too_recent if c in group.index])
    days = latest["days_to_resolution"]
    slot = np.searchsorted(np.asarray(cuts), days.fillna(np.inf).to_numpy(), side="left")
    named = np.where(latest["status"].to_numpy() == "open", "still_open",
                     np.asarray(labels[:-1], dtype=object)[np.minimum(slot, len(cuts))])
    group = pd.concat([group.drop([c for c in latest.index if c in group.index]),
                       pd.Series(named, index=latest.index, dtype=object)])
    later = orders[(orders["order_date"] > stop) & (orders["order_date"] <= horizon_end)]
    bought = group.index.isin(later["customer_id"].astype(str).unique())
    frame = pd.DataFrame({"group": group.to_numpy(), "bought": bought})
    g = frame.groupby("group")["bought"]
    order = ["no_complaint", *labels]
    out = pd.DataFrame({"customers": g.size(), "repurchased": g.sum()}).reindex(order).fillna(0).astype(int)
    out["repurchase_rate"] = out["repurchased"] / out["customers"].where(out["customers"] > 0)
    out["low"], out["high"] = _wilson(out["repurchased"].to_numpy(), out["customers"].to_numpy())
    out["vs_no_complaint"] = out["repurchase_rate"] - out.loc["no_complaint", "repurchase_rate"]
    out["vs_fastest"] = out["repurchase_rate"] - out.loc[labels[0], "repurchase_rate"]
    out.index.name = "group"
    return out
