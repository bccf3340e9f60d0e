"""Churn early warning (客户流失预警): signals, a risk score with reasons, and how well it warns.

Per-customer signals known at ``as_of``; the default 0-100 risk, a logistic model fitted on the data's
own past (a backtest needing no truth: risk = 100 x P(no order in the next 180 days)) with per-signal
contributions as reasons; the hand-weighted rule score kept for teaching (``method="rules"``); the naive
"no order for N days" rule, evaluation against truth, Kaplan-Meier survival curves, and the
big-account concentration alarm. :mod:`playbook.evaluate` puts every score beside naive baselines.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .deprecation import keyword_only_after
from .data import CustomerBase, check_data, end_of_day, resolve_as_of, table_of, to_timestamp, validate_orders
from .errors import DataValidationError, InvalidArgumentError, MissingTableError
from .i18n import label_group, register_labels, resolve_lang
from .vocabulary import CARE_KINDS

__all__ = [
    "SIGNALS",
    "DEFAULT_WEIGHTS",
    "MODEL_GROUPS",
    "ChurnModel",
    "fit_churn_model",
    "CARE_KINDS",
    "churn_signals",
    "p_alive_from_btyd",
    "signal_strengths",
    "churn_risk",
    "naive_rule",
    "replay_warnings",
    "evaluate_warnings",
    "signal_hit_rates",
    "kaplan_meier",
    "survival_by_segment",
    "CENSORING",
    "truth_survival",
    "concentration_alarm",
]

SIGNALS = ("gap", "frequency", "basket", "complaints", "care", "competitor", "satisfaction")
# Points each signal can add at full strength; the score divides by the sum of the weights in use.
DEFAULT_WEIGHTS = {"gap": 30, "frequency": 15, "basket": 10, "complaints": 10, "care": 15, "competitor": 15,
                   "satisfaction": 5}
P_ALIVE_WEIGHT = 30

register_labels({
    "churn_signal": ("Churn signal", "流失信号"),
    "risk_score": ("Risk score (0-100)", "风险分（0-100）"),
    "churn_warning": ("Churn warning", "流失预警"),
    "naive_rule": ("No order for N days", "N天未下单"),
    "signal_gap": ("Overdue against own rhythm", "超出自身购买节奏"),
    "signal_frequency": ("Fewer orders", "购买频次下降"),
    "signal_basket": ("Smaller baskets", "客单价下降"),
    "signal_complaints": ("Open complaint", "投诉未解决"),
    "signal_care": ("Fewer care contacts", "关怀跟进减少"),
    "signal_competitor": ("Competitor seen in deals", "竞争对手介入"),
    "signal_satisfaction": ("Falling satisfaction", "满意度下降"),
    "signal_p_alive": ("Low probability alive", "存活概率低"),
    "signal_history": ("Few orders so far", "累计订单少"),
    "signal_tenure": ("New customer", "新客户"),
    "signal_revenue": ("Low spend so far", "累计消费低"),
    "survival": ("Share still buying", "仍在购买的比例"),
    "lifetime_days": ("Days since the first order", "距首次下单天数"),
    "truth_survival": ("Truth (synthetic data only)", "真实值（仅合成数据）"),
    "lead_time": ("Lead time (days)", "预警提前期（天）"),
    "precision": ("Precision", "精确率"),
    "recall": ("Recall", "召回率"),
    "concentration_alarm": ("Concentration alarm", "大客户集中度预警"),
})


# ---------------------------------------------------------------- inputs


def _orders_of(data, func: str) -> tuple[pd.DataFrame, CustomerBase | None]:
    orders, base = table_of(data, "orders", func)
    if base is None:
        validate_orders(orders, func, required=("amount",))
    return orders, base


def _id_codes(keys) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``keys`` as text, numbered in sorted order of the text (as a groupby
    on the text would order its groups), and the ids; a missing id gets -1. Factorizing once
    and reducing on the codes spares hashing and sorting millions of strings per reduction."""
    if isinstance(keys, tuple):
        return keys
    ids = pd.Series(keys)
    if ids.dtype == object or not pd.api.types.is_string_dtype(ids.dtype):
        ids = ids.astype(str)
    # Factorizing the string column itself (not a numpy copy) makes no Python string per order.
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, pd.Index(uniques)


def _window_counts(keys, dates: pd.Series, lo, mid, hi, values=None) -> pd.DataFrame:
    """Per key: count (and sum of ``values``) in (lo, mid] ("b", the baseline) and (mid, hi] ("r", recent).

    ``keys`` is a Series of ids, or their ``(codes, ids)`` from :func:`_id_codes`."""
    codes, uniques = _id_codes(keys)
    before = ((dates > lo) & (dates <= mid)).to_numpy()
    recent = ((dates > mid) & (dates <= hi)).to_numpy()
    known = codes >= 0
    n = len(uniques)
    seen = np.bincount(codes[known], minlength=n) > 0
    index = pd.Index(uniques[seen], name="k")
    out = pd.DataFrame({"b": np.bincount(codes[known & before], minlength=n)[seen].astype(np.int64),
                        "r": np.bincount(codes[known & recent], minlength=n)[seen].astype(np.int64)}, index=index)
    if values is not None:
        v = np.asarray(values, dtype=float)
        # pandas' groupby sum (compensated) on the integer codes: the same totals, bit for bit.
        sums = pd.DataFrame({"vb": np.where(before, v, 0.0)[known], "vr": np.where(recent, v, 0.0)[known]}
                            ).groupby(codes[known], sort=True).sum()
        out["vb"] = sums["vb"].to_numpy()
        out["vr"] = sums["vr"].to_numpy()
    return out


def _change(recent: pd.Series, usual: pd.Series) -> pd.Series:
    """recent / usual - 1, missing when there is nothing to compare with."""
    return recent / usual.where(usual > 0) - 1


# ---------------------------------------------------------------- signals


def churn_signals(data, as_of=None, *, window_days: int = 90, baseline_days: int = 365, lookback_days: int = 365,
                  care_kinds=CARE_KINDS, horizon_days: int | None = 180, active_days: int = 365) -> pd.DataFrame:
    """The warning signs of churn (流失信号) per customer, using only what is known at ``as_of``.

    "Recent" is the last ``window_days`` up to ``as_of``; "usual" is what the customer did
    in the ``baseline_days`` just before that window, scaled to the window's length (so a
    fall shows for as long as it lasts, not only in the quarter it began). Only ``orders``
    is needed; a signal whose table is missing is left empty (NaN) and
    ``result.attrs["notes"]`` says why.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base (every table is cut at ``as_of``; a complaint closed later counts as open)
        or an orders DataFrame (``customer_id``, ``order_date``, ``amount``).
    as_of : date-like, optional
        The day of the review; defaults to ``base.as_of`` for a base (required for orders).
    window_days : int
        Length of the recent window in days (default 90: a quarterly review).
    baseline_days : int
        Length of the period before it that sets the customer's usual level (default 365).
    lookback_days : int
        How far back an open complaint or a deal lost to a competitor still counts (default 365).
    care_kinds : tuple of str
        Interaction kinds that are care from our side (default follow_up, visit, call, event).
    horizon_days : int or None
        The prediction window of the churn model fitted on this data's own past
        (:func:`fit_churn_model`, default 180 days); ``attrs["model"]`` holds it, or None
        with a note when the history is too short. None skips the fit.
    active_days : int
        Passed to :func:`fit_churn_model`: who counts as a then-active customer in the backtest.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with an order by ``as_of``) with

    - ``order_days`` (days with an order so far), ``tenure_days`` (days since the first
      order), ``revenue`` (to date);
    - ``days_since_last``; ``own_gap_days``: the median gap between the customer's own order
      days (for one-time buyers, the median of everyone's own gaps); ``gap_ratio`` =
      days_since_last / own_gap_days (above 1: later than their usual rhythm);
    - ``orders_recent``, ``orders_usual`` (per window), ``frequency_change`` (recent / usual - 1);
    - ``basket_recent``, ``basket_usual`` (mean amount per order), ``basket_change``;
    - ``open_complaints``: opened in the last ``lookback_days`` and not closed by ``as_of``;
    - ``care_recent``, ``care_usual``, ``care_change`` (interactions of ``care_kinds``);
    - ``competitor_losses``: deals with a named competitor lost in the last ``lookback_days``,
      and ``competitor``, the latest such competitor (B2B);
    - ``satisfaction_latest``, ``satisfaction_change`` (latest survey minus the mean of earlier ones).

    ``attrs["model"]`` is the :class:`ChurnModel` that :func:`churn_risk` applies by default.

    Examples
    --------
    >>> import playbook
    >>> s = churn_signals(playbook.load_dataset("b2b"), "2024-06-30")
    >>> bool((s["order_days"] >= 1).all() and (s["tenure_days"] >= s["days_since_last"]).all())
    True
    >>> s.attrs["model"].horizon_days
    180
    """
    func = "churn_signals"
    orders, base = _orders_of(data, func)
    as_of = resolve_as_of(base, as_of, func)
    for name, value in (("window_days", window_days), ("baseline_days", baseline_days), ("lookback_days", lookback_days),
                        ("active_days", active_days), ("horizon_days", 1 if horizon_days is None else horizon_days)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a whole number of days >= 1. Got {value!r}.")
    ts = to_timestamp(as_of)
    end = end_of_day(ts)
    if len(orders) == 0:
        raise DataValidationError(f"{func}: orders is empty; there is no customer to watch.")
    known = orders.loc[orders["order_date"] <= end]
    if known.empty:
        raise DataValidationError(
            f"as_of={ts.date()} is before the first order ({orders['order_date'].min().date()}): no customer is known yet.")
    mid = end - pd.Timedelta(days=window_days)
    lo = mid - pd.Timedelta(days=baseline_days)
    scale = window_days / baseline_days
    since = end - pd.Timedelta(days=lookback_days)
    notes: list[str] = []

    # Customers as integer codes numbered in sorted id order: every reduction below groups by them.
    codes, uniques = _id_codes(known["customer_id"])
    days = known["order_date"].dt.normalize()
    order_days = pd.DataFrame({"c": codes, "d": days.to_numpy()})
    order_days = order_days.loc[codes >= 0].drop_duplicates().sort_values(["c", "d"])
    gaps = order_days.groupby("c", sort=True)["d"].diff().dt.days
    own_gap = gaps.groupby(order_days["c"].to_numpy(), sort=True).median()
    last = order_days.groupby("c", sort=True)["d"].max()
    own_gap.index = uniques[own_gap.index.to_numpy()]
    out = pd.DataFrame(index=pd.Index(uniques[last.index.to_numpy()], name="customer_id"))
    last.index = out.index
    out["days_since_last"] = (ts.normalize() - last).dt.days.astype(np.int64)
    first = order_days.groupby("c", sort=True)["d"].min()
    out["order_days"] = order_days.groupby("c", sort=True).size().to_numpy().astype(np.int64)
    out["tenure_days"] = (ts.normalize() - pd.DatetimeIndex(first.to_numpy())).days.to_numpy().astype(np.int64)
    known_codes = codes >= 0
    out["revenue"] = np.bincount(codes[known_codes], weights=known["amount"].to_numpy(dtype=float)[known_codes],
                                 minlength=len(uniques))[first.index.to_numpy()]
    fallback = float(own_gap.median()) if own_gap.notna().any() else np.nan
    if np.isnan(fallback):
        notes.append("No customer has two order days yet: the usual rhythm, and so gap_ratio, cannot be measured.")
    out["own_gap_days"] = own_gap.reindex(out.index).fillna(fallback).clip(lower=1.0)
    out["gap_ratio"] = out["days_since_last"] / out["own_gap_days"]

    win = _window_counts((codes, uniques), known["order_date"], lo, mid, end, known["amount"]).reindex(out.index, fill_value=0)
    out["orders_recent"] = win["r"].astype(np.int64)
    out["orders_usual"] = win["b"] * scale
    out["frequency_change"] = _change(out["orders_recent"].astype(float), out["orders_usual"])
    out["basket_recent"] = win["vr"] / win["r"].where(win["r"] > 0)
    out["basket_usual"] = win["vb"] / win["b"].where(win["b"] > 0)
    out["basket_change"] = _change(out["basket_recent"], out["basket_usual"])

    if base is not None and base.complaints is not None:
        c = base.complaints
        c = c.loc[(c["opened_at"] <= end) & (c["opened_at"] > since)]
        still_open = c["closed_at"].isna() | (c["closed_at"] > end)
        out["open_complaints"] = still_open.groupby(c["customer_id"].astype(str)).sum().reindex(out.index, fill_value=0).astype(np.int64)
    else:
        out["open_complaints"] = np.nan
        notes.append("No complaints table: the open-complaint signal is left out.")

    if base is not None and base.interactions is not None:
        it = base.interactions
        it = it.loc[it["kind"].astype(str).isin(care_kinds).to_numpy() & (it["date"] <= end).to_numpy()]
        care = _window_counts(it["customer_id"], it["date"], lo, mid, end).reindex(out.index, fill_value=0)
        out["care_recent"] = care["r"].astype(np.int64)
        out["care_usual"] = care["b"] * scale
        out["care_change"] = _change(out["care_recent"].astype(float), out["care_usual"])
    else:
        out[["care_recent", "care_usual", "care_change"]] = np.nan
        notes.append("No interactions table: the care-contact signal is left out.")

    if base is not None and base.opportunities is not None:
        op = base.opportunities
        lost = op.loc[op["competitor"].notna().to_numpy() & (op["outcome"].astype(str) == "lost").to_numpy()
                      & (op["closed_at"] <= end).to_numpy() & (op["closed_at"] > since).to_numpy()].sort_values("closed_at")
        by = lost.groupby(lost["customer_id"].astype(str))
        out["competitor_losses"] = by.size().reindex(out.index, fill_value=0).astype(np.int64)
        out["competitor"] = by["competitor"].last().astype(object).reindex(out.index)
    else:
        out["competitor_losses"] = np.nan
        out["competitor"] = None
        notes.append("No opportunities table (B2B deals): the competitor signal is left out.")

    if base is not None and base.surveys is not None:
        sv = base.surveys.loc[base.surveys["date"] <= end].sort_values("date", kind="stable")
        by = sv.groupby(sv["customer_id"].astype(str))["satisfaction"]
        latest = by.last()
        earlier = (by.sum() - latest) / (by.size() - 1).where(by.size() > 1)
        out["satisfaction_latest"] = latest.reindex(out.index).astype(float)
        out["satisfaction_change"] = (latest - earlier).reindex(out.index).astype(float)
    else:
        out[["satisfaction_latest", "satisfaction_change"]] = np.nan
        notes.append("No surveys table: the satisfaction signal is left out.")

    out.attrs = {"as_of": ts, "window_days": window_days, "notes": notes, "model": None}
    if horizon_days is not None:
        model, why = _fit_or_why(data, ts, horizon_days=horizon_days, active_days=active_days, window_days=window_days,
                                 baseline_days=baseline_days, lookback_days=lookback_days, care_kinds=care_kinds)
        out.attrs["model"] = model
        if model is None:
            notes.append(f"No churn model: {why} churn_risk falls back to the rule score (method='rules').")
    return out


#: The feature columns :func:`signals_from_features` reads (with ``n_orders``, all the churn backtest reads at its date).
SIGNAL_FEATURES = ("days_since_last", "order_days", "first_order", "revenue", "own_gap_days_raw", "n_recent", "n_usual",
                    "amount_recent", "amount_usual")


def signals_from_features(f: pd.DataFrame, ts: pd.Timestamp, *, window_days: int = 90, baseline_days: int = 365,
                          usual_gap: float | None = None) -> pd.DataFrame:
    """:func:`churn_signals` of an orders-only base (``horizon_days=None``) from its feature table
    (:func:`playbook.features.compute`, whose windows are these defaults): no second pass over the orders.

    ``usual_gap``: :func:`usual_gap_fallback` of the whole table, when ``f`` is one chunk of its rows (the one
    figure that reads every customer); by default computed from ``f``. Each row's signals then read that row alone."""
    from . import features

    if (window_days, baseline_days) != (features.WINDOW_DAYS, features.BASELINE_DAYS):
        raise InvalidArgumentError("the feature table holds the default 90/365-day windows only")
    known = f["n_orders"].to_numpy() > 0
    f = f[[c for c in SIGNAL_FEATURES if c in f.columns]]  # the columns read below (no copy)
    f = f if known.all() else f.loc[known]  # a table of known customers only is used as it is
    return _signals_of_known(f, ts, usual_gap_fallback(f) if usual_gap is None else usual_gap)


def usual_gap_fallback(f: pd.DataFrame) -> float:
    """The usual gap of a customer with fewer than two order days: the median of the others' own gaps
    (``own_gap_days_raw`` of a feature table of known customers), NaN when nobody has two order days.
    The one figure of :func:`signals_from_features` that reads all customers: a caller scoring them in
    chunks computes it once and hands it to each chunk's call as ``usual_gap``."""
    own_gap = f["own_gap_days_raw"]
    return float(own_gap.median()) if own_gap.notna().any() else np.nan


def _signals_of_known(f: pd.DataFrame, ts: pd.Timestamp, fallback: float) -> pd.DataFrame:
    """:func:`signals_from_features` of a feature table of known customers only, with the usual gap
    ``fallback`` (:func:`usual_gap_fallback` of all of them) given: each row's signals read that row alone."""
    from . import features

    window_days = features.WINDOW_DAYS
    scale = window_days / features.BASELINE_DAYS
    day = ts.normalize()
    out = pd.DataFrame(index=pd.Index(f.index, name="customer_id"))
    out["days_since_last"] = f["days_since_last"].astype(np.int64)
    out["order_days"] = f["order_days"].astype(np.int64)
    out["tenure_days"] = (day - pd.DatetimeIndex(f["first_order"].to_numpy()).normalize()).days.to_numpy().astype(np.int64)
    out["revenue"] = f["revenue"].astype(float)
    own_gap = f["own_gap_days_raw"]
    notes: list[str] = []
    if np.isnan(fallback):
        notes.append("No customer has two order days yet: the usual rhythm, and so gap_ratio, cannot be measured.")
    out["own_gap_days"] = own_gap.fillna(fallback).clip(lower=1.0)
    out["gap_ratio"] = out["days_since_last"] / out["own_gap_days"]
    r, b = f["n_recent"].astype(np.int64), f["n_usual"].astype(np.int64)
    out["orders_recent"] = r
    out["orders_usual"] = b * scale
    out["frequency_change"] = _change(out["orders_recent"].astype(float), out["orders_usual"])
    out["basket_recent"] = f["amount_recent"] / r.where(r > 0)
    out["basket_usual"] = f["amount_usual"] / b.where(b > 0)
    out["basket_change"] = _change(out["basket_recent"], out["basket_usual"])
    out["open_complaints"] = np.nan
    notes.append("No complaints table: the open-complaint signal is left out.")
    out[["care_recent", "care_usual", "care_change"]] = np.nan
    notes.append("No interactions table: the care-contact signal is left out.")
    out["competitor_losses"] = np.nan
    out["competitor"] = None
    notes.append("No opportunities table (B2B deals): the competitor signal is left out.")
    out[["satisfaction_latest", "satisfaction_change"]] = np.nan
    notes.append("No surveys table: the satisfaction signal is left out.")
    out.attrs = {"as_of": ts, "window_days": window_days, "notes": notes, "model": None}
    return out


# ---------------------------------------------------------------- the model (the default score)

# Each group of model inputs and the reason it gives: a customer's points for "gap" are the
# contribution of both gap columns together, and so on.
MODEL_GROUPS = {
    "gap": ("log_days_since_last", "log_gap_ratio"),
    "history": ("log_order_days", "one_time"),
    "tenure": ("log_tenure",),
    "revenue": ("log_revenue",),
    "frequency": ("frequency_drop",),
    "basket": ("basket_drop",),
    "complaints": ("open_complaint",),
    "care": ("care_drop", "log_care_usual"),
    "competitor": ("competitor_loss",),
    "satisfaction": ("satisfaction_drop",),
}


def _model_inputs(signals: pd.DataFrame) -> pd.DataFrame:
    """The numeric inputs of the churn model, one column per entry of ``MODEL_GROUPS``.

    Logs tame the long tails; a change that cannot be measured (no usual level, one survey)
    is 0, "no change". A group whose table is missing is all NaN (and so left out of the fit)."""
    def col(name):
        return signals[name].astype(float) if name in signals.columns else pd.Series(np.nan, index=signals.index)

    def present(name):
        return name in signals.columns and signals[name].notna().any()

    nan = pd.Series(np.nan, index=signals.index)
    x = pd.DataFrame(index=signals.index)
    x["log_days_since_last"] = np.log1p(col("days_since_last").clip(lower=0))
    x["log_gap_ratio"] = np.log1p(col("gap_ratio").clip(0, 50)).fillna(0.0)
    x["log_order_days"] = np.log(col("order_days").clip(lower=1))
    x["one_time"] = (col("order_days") <= 1).astype(float)
    x["log_tenure"] = np.log1p(col("tenure_days").clip(lower=0))
    x["log_revenue"] = np.log1p(col("revenue").clip(lower=0))
    x["frequency_drop"] = (-col("frequency_change")).clip(-1, 1).fillna(0.0)
    x["basket_drop"] = (-col("basket_change")).clip(-1, 1).fillna(0.0)
    x["open_complaint"] = col("open_complaints").clip(0, 1) if present("open_complaints") else nan
    x["care_drop"] = (-col("care_change")).clip(-1, 1).fillna(0.0) if present("care_usual") else nan
    x["log_care_usual"] = np.log1p(col("care_usual").clip(lower=0)) if present("care_usual") else nan
    x["competitor_loss"] = col("competitor_losses").clip(0, 1) if present("competitor_losses") else nan
    x["satisfaction_drop"] = (-col("satisfaction_change")).clip(-4, 4).fillna(0.0) if present("satisfaction_latest") else nan
    return x


@dataclass(frozen=True, eq=False)  # compared by identity: pandas compares attrs, and arrays have no single truth value
class ChurnModel:
    """A logistic regression fitted on the data's own past (see :func:`fit_churn_model`).

    ``risk = 100 x P(no order in the next horizon_days)`` for a customer with inputs x:
    sigmoid(intercept + sum(coef x (x - mean) / scale)).
    """

    fitted_at: pd.Timestamp
    horizon_days: int
    active_days: int
    inputs: tuple
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    n_train: int
    positive_rate: float
    backtest_auc: float
    penalty: float

    def coefficients(self) -> pd.Series:
        """Weight per input on the standardised scale (positive: raises the risk)."""
        return pd.Series(self.coef, index=list(self.inputs), name="coef")

    def logit_parts(self, signals: pd.DataFrame) -> pd.DataFrame:
        """Each group's contribution to the log-odds, against the average trained-on customer (0)."""
        x = _model_inputs(signals)[list(self.inputs)].fillna(0.0).to_numpy(dtype=float)
        z = (x - self.mean) / self.scale * self.coef
        parts = {}
        for group, cols in MODEL_GROUPS.items():
            idx = [i for i, c in enumerate(self.inputs) if c in cols]
            if idx:
                parts[group] = z[:, idx].sum(axis=1)
        return pd.DataFrame(parts, index=signals.index)

    def predict(self, signals: pd.DataFrame) -> pd.Series:
        """P(no order in the next ``horizon_days``) per customer."""
        logit = self.intercept + self.logit_parts(signals).sum(axis=1)
        return pd.Series(_sigmoid(logit.to_numpy()), index=signals.index, name="p_no_order")


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[float, np.ndarray]:
    """L2-penalised logistic regression (intercept not penalised) by L-BFGS on the exact gradient."""
    from scipy.optimize import minimize

    design = np.column_stack([np.ones(len(x)), x])
    yy = y.astype(float)

    def loss(w):
        z = design @ w
        value = np.sum(np.logaddexp(0.0, z) - yy * z) + 0.5 * penalty * np.sum(w[1:] ** 2)
        grad = design.T @ (_sigmoid(z) - yy)
        grad[1:] += penalty * w[1:]
        return value, grad

    start = np.zeros(design.shape[1])
    start[0] = np.log(yy.mean() / (1 - yy.mean()))
    w = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return float(w[0]), w[1:]


def _fit_or_why(data, as_of, *, horizon_days: int, active_days: int = 365, penalty: float = 1.0,
                max_train: int = 200_000, **signal_kw):
    """(model, None), or (None, the reason in words) when the past cannot train one."""
    ts = to_timestamp(as_of)
    then = ts - pd.Timedelta(days=int(horizon_days))
    orders, _ = _orders_of(data, "fit_churn_model")
    known_then = orders.loc[orders["order_date"] <= end_of_day(then)]
    if known_then.empty:
        return None, f"no order is known {horizon_days} days before {ts.date()}, so there is no past to learn from."
    past = churn_signals(data, then, horizon_days=None, **signal_kw)
    later = orders.loc[(orders["order_date"] > end_of_day(then)) & (orders["order_date"] <= end_of_day(ts)), "customer_id"]
    return _fit_backtest(past, pd.unique(later.astype(str)), then, horizon_days=horizon_days, active_days=active_days,
                         penalty=penalty, max_train=max_train)


def model_from_features(past_features: pd.DataFrame | None, features_now: pd.DataFrame, as_of, *, horizon_days: int,
                        active_days: int = 365, penalty: float = 1.0, chunk_rows: int | None = None
                        ) -> tuple[ChurnModel | None, str | None]:
    """:func:`_fit_or_why` of an orders-only base from two feature tables (:mod:`playbook.features`): the one at
    ``as_of - horizon_days`` gives the backtest's signals (None: no order was known then), the one at ``as_of`` who
    ordered since (last order later). ``chunk_rows``: the backtest's signals are computed that many customers at a
    time, keeping only the columns the fit reads (:func:`_backtest_signals`); the same model."""
    ts = to_timestamp(as_of)
    then = ts - pd.Timedelta(days=int(horizon_days))
    if past_features is None or not (past_features["n_orders"].to_numpy() > 0).any():
        return None, f"no order is known {horizon_days} days before {ts.date()}, so there is no past to learn from."
    past = _backtest_signals(past_features, then, chunk_rows)
    last = features_now["last_order"]
    ordered_rows = (last > end_of_day(then)).to_numpy()
    if past_features.index.equals(features_now.index):
        # The same customers in the same order (one engine's two tables): who ordered since, by position.
        ordered = ordered_rows[past_features["n_orders"].to_numpy() > 0]
    else:
        ordered = last.index[ordered_rows]
    return _fit_backtest(past, ordered, then, horizon_days=horizon_days, active_days=active_days, penalty=penalty)


# The columns of signals_from_features that the fit reads (_MODEL_COLUMNS): a feature table has no complaints, care,
# deals or surveys, so their signal columns are missing for everyone and the model's inputs from them too, with or
# without the columns (_model_inputs).
_FEATURE_MODEL_COLUMNS = ("days_since_last", "gap_ratio", "order_days", "tenure_days", "revenue", "frequency_change",
                          "basket_change")


def _backtest_signals(f: pd.DataFrame, then: pd.Timestamp, chunk_rows: int | None) -> pd.DataFrame:
    """The columns of ``signals_from_features(f, then)`` that :func:`_fit_backtest` reads (:data:`_FEATURE_MODEL_COLUMNS`),
    computed ``chunk_rows`` known customers at a time (all at once by default) with the usual gap of all of them, and
    the signals' attrs: only those columns of every customer are held, never the whole signals table."""
    known = np.flatnonzero(f["n_orders"].to_numpy() > 0)
    table = f[[c for c in ("n_orders", *SIGNAL_FEATURES) if c in f.columns]]
    fallback = usual_gap_fallback(table.iloc[known])
    size = int(chunk_rows or len(known) or 1)
    parts = []
    for start in range(0, len(known), size):
        chunk = table.iloc[known[start:start + size]]
        signals = signals_from_features(chunk, then, usual_gap=fallback)
        parts.append(signals[list(_FEATURE_MODEL_COLUMNS)])
        attrs = signals.attrs
        del chunk, signals
    out = parts[0] if len(parts) == 1 else pd.concat(parts)
    out.attrs = attrs
    return out


def _fit_backtest(past: pd.DataFrame, ordered_since, then: pd.Timestamp, *, horizon_days: int, active_days: int,
                  penalty: float, max_train: int = 200_000) -> tuple[ChurnModel | None, str | None]:
    """Fit the model on the signals ``past`` known at ``then``, labelled True for the customers active then who are not
    among ``ordered_since`` (the ids with an order in the ``horizon_days`` after ``then``, or a boolean array aligned
    with the rows of ``past``)."""
    from .evaluate import roc_auc

    active = (past["days_since_last"] <= active_days).to_numpy()
    if isinstance(ordered_since, np.ndarray) and ordered_since.dtype == bool:
        label = ~ordered_since[active]
    else:
        label = ~past.index[active].isin(ordered_since)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if min(n_pos, n_neg) < 10:
        return None, (f"the backtest at {then.date()} has {n_pos} customers who then went {horizon_days} days without an "
                      f"order and {n_neg} who ordered; at least 10 of each are needed.")
    # only the columns the inputs read, of the active rows, taken by position (not the whole signals table)
    x_all = _model_inputs(pd.DataFrame({c: past[c].to_numpy()[active] for c in _MODEL_COLUMNS if c in past.columns}))
    inputs = [c for c in x_all.columns if _varies(x_all[c].to_numpy(dtype=float))]
    x = x_all[inputs].to_numpy(dtype=float)
    if len(x) > max_train:  # plenty for a dozen inputs; keeps the fit quick on a million customers
        keep = np.random.default_rng(0).choice(len(x), max_train, replace=False)
        x, label = x[keep], label[keep]
    x = np.where(np.isnan(x), 0.0, x)  # fillna(0.0), in the same memory layout (the means' sums depend on it)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    intercept, coef = _fit_logistic((x - mean) / scale, label, penalty)
    fitted = _sigmoid(intercept + ((x - mean) / scale) @ coef)
    # on every active customer only (a subsample's AUC would not be the backtest's); NaN fits stay NaN, as scipy's
    # ranks left them
    auc = roc_auc(label, fitted) if len(x) == n_pos + n_neg and not np.isnan(fitted).any() else np.nan
    model = ChurnModel(fitted_at=then, horizon_days=int(horizon_days), active_days=int(active_days), inputs=tuple(inputs),
                       mean=mean, scale=scale, coef=coef, intercept=intercept, n_train=int(len(x)),
                       positive_rate=float(label.mean()), backtest_auc=float(auc), penalty=float(penalty))
    return model, None


# The signal columns _model_inputs reads.
_MODEL_COLUMNS = ("days_since_last", "gap_ratio", "order_days", "tenure_days", "revenue", "frequency_change",
                  "basket_change", "open_complaints", "care_change", "care_usual", "competitor_losses",
                  "satisfaction_change", "satisfaction_latest")


def _varies(values: np.ndarray) -> bool:
    """``notna().any() and nunique() > 1`` of a float column: two different values at least, missing ones aside."""
    known = values[~np.isnan(values)]
    return bool(len(known)) and bool(known.max() > known.min())


def fit_churn_model(data, as_of=None, *, horizon_days: int = 180, active_days: int = 365, penalty: float = 1.0,
                    window_days: int = 90) -> ChurnModel:
    """Fit the churn model on the data's own past: a backtest that needs no truth.

    At ``as_of - horizon_days`` the signals of :func:`churn_signals` are computed as they were
    known then, for every customer active then (an order in the ``active_days`` before). Each
    is labelled by what the data shows next: True when they placed **no order** in the
    following ``horizon_days`` (up to ``as_of``). A logistic regression with an L2 penalty
    (``penalty``, on standardised inputs) learns the label from the inputs of
    ``MODEL_GROUPS`` (recency against the customer's rhythm, order days, tenure, revenue, and
    the changes in orders, baskets, care, complaints, deals lost and satisfaction that the
    tables allow). :func:`churn_risk` applies it at ``as_of``: risk = 100 x P(no order in the
    next ``horizon_days``).

    The label is observable, so this runs on any orders export. It is not "leaves": a slow
    buyer can go six months without an order and stay. :mod:`playbook.evaluate` checks the
    score against true leavers on synthetic data.

    Examples
    --------
    >>> import playbook
    >>> m = fit_churn_model(playbook.load_dataset("retail"), "2025-06-30")
    >>> m.fitted_at.date(), m.horizon_days, bool(m.coefficients()["log_days_since_last"] > 0)
    (datetime.date(2025, 1, 1), 180, True)
    """
    func = "fit_churn_model"
    _, base = _orders_of(data, func)
    ts = to_timestamp(resolve_as_of(base, as_of, func))
    for name, value in (("horizon_days", horizon_days), ("active_days", active_days)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a whole number of days >= 1. Got {value!r}.")
    if not (np.isfinite(penalty) and penalty >= 0):
        raise InvalidArgumentError(f"The 'penalty' parameter of {func} must be a number >= 0. Got {penalty!r}.")
    model, why = _fit_or_why(data, ts, horizon_days=horizon_days, active_days=active_days, penalty=penalty,
                             window_days=window_days)
    if model is None:
        raise DataValidationError(f"{func}: {why}")
    return model


# ---------------------------------------------------------------- the rule score (for teaching)


def _fewer_than_usual(recent: pd.Series, usual: pd.Series) -> pd.Series:
    """Strength of "fewer than usual" from the Poisson chance of seeing so few given the usual rate."""
    from scipy.special import pdtr

    p = pd.Series(pdtr(recent.fillna(0).to_numpy(dtype=float), usual.fillna(0).to_numpy(dtype=float)), index=recent.index)
    strength = ((0.5 - p) / 0.45).clip(0, 1)
    return strength.where(usual > 0, 0.0)


def signal_strengths(signals: pd.DataFrame) -> pd.DataFrame:
    """Each signal turned into a strength between 0 (no sign) and 1 (a strong sign).

    The rules, kept simple so a practitioner can argue with them:

    - ``gap``: (gap_ratio - 1.5) / 3: nothing up to 1.5 times the customer's own usual gap,
      full at 4.5 times it;
    - ``frequency``, ``care``: how surprising so few orders (care contacts) are given the
      usual level, from the Poisson chance P of seeing that few: 0 when P >= 50%, 1 when
      P <= 5%. A customer who usually orders once a year shows nothing after a quiet quarter;
      one who orders ten times a quarter and ordered twice does;
    - ``basket``: a fall of the mean order amount beyond 20%, full at 80%;
    - ``complaints``: 1 with an open complaint; ``competitor``: 1 with a deal lost to a competitor;
    - ``satisfaction``: the fall from earlier surveys over 2 points (a fall of 2 points or more = 1);
    - ``p_alive`` (only if the column is there, e.g. from a BG/NBD model): 1 - p_alive.

    A signal that cannot be measured for a customer (no usual level, no survey) is 0;
    a signal whose table is missing altogether is NaN.

    >>> s = pd.DataFrame({"gap_ratio": [0.5, 3.0], "basket_change": [0.2, -0.5]}, index=["a", "b"])
    >>> signal_strengths(s)[["gap", "basket"]].round(2).to_dict("list")
    {'gap': [0.0, 0.5], 'basket': [0.0, 0.5]}
    """
    def col(name):
        return signals[name].astype(float) if name in signals.columns else pd.Series(np.nan, index=signals.index)

    def present(*names):
        return any(n in signals.columns and signals[n].notna().any() for n in names)

    nan = pd.Series(np.nan, index=signals.index)
    out = pd.DataFrame(index=signals.index)
    # Order-based signals exist whenever their columns do; the others only when their table was there.
    out["gap"] = ((col("gap_ratio") - 1.5) / 3).clip(0, 1).fillna(0.0) if "gap_ratio" in signals else nan
    out["frequency"] = _fewer_than_usual(col("orders_recent"), col("orders_usual")) if "orders_usual" in signals else nan
    out["basket"] = ((-col("basket_change") - 0.2) / 0.6).clip(0, 1).fillna(0.0) if "basket_change" in signals else nan
    out["complaints"] = col("open_complaints").clip(0, 1) if present("open_complaints") else nan
    out["care"] = _fewer_than_usual(col("care_recent"), col("care_usual")) if present("care_usual") else nan
    out["competitor"] = col("competitor_losses").clip(0, 1) if present("competitor_losses") else nan
    sat = (-col("satisfaction_change") / 2).clip(0, 1).fillna(0.0)
    out["satisfaction"] = sat if present("satisfaction_latest", "satisfaction_change") else nan
    if "p_alive" in signals.columns:
        out["p_alive"] = (1 - col("p_alive")).clip(0, 1)
    return out


# Reason texts in both languages, in the label registry: {n} fields are filled per customer by
# _reason_texts; "churn.word.*" are the words English bends for one or many (Chinese does not).
register_labels({
    "churn.reason.gap": ("no order for {days} days, {ratio}x their usual gap", "已 {days} 天未下单，是平时间隔的 {ratio} 倍"),
    "churn.reason.frequency": ("{recent} {orders} in the window against {usual} usually", "窗口内 {recent} 单，平时 {usual} 单"),
    "churn.reason.basket": ("basket down {pct}", "客单价下降 {pct}"),
    "churn.reason.complaints": ("{n} open {complaints}", "{n} 个未结投诉"),
    "churn.reason.care": ("{recent} {contacts} against {usual} usually", "关怀联系 {recent} 次，平时 {usual} 次"),
    "churn.reason.competitor": ("deal lost to a competitor ({who})", "商机输给竞争对手（{who}）"),
    "churn.reason.unnamed": ("unnamed", "未具名"),
    "churn.reason.satisfaction": ("satisfaction down {points} points", "满意度下降 {points} 分"),
    "churn.reason.p_alive": ("probability alive {pct}", "存活概率 {pct}"),
    "churn.reason.history": ("{n} {days} with an order so far", "至今仅 {n} 天有订单"),
    "churn.reason.tenure": ("first order {days} days ago", "首单距今 {days} 天"),
    "churn.reason.revenue": ("{amount} spent so far", "累计消费 {amount}"),
    "churn.reason.none": ("no warning sign", "无预警信号"),
    "churn.reason.no_order": ("no order yet", "尚无订单"),
    "churn.reason.separator": ("; ", "；"),
    "churn.word.order": ("order", "单"),
    "churn.word.orders": ("orders", "单"),
    "churn.word.complaint": ("complaint", "投诉"),
    "churn.word.complaints": ("complaints", "投诉"),
    "churn.word.care_contact": ("care contact", "关怀联系"),
    "churn.word.care_contacts": ("care contacts", "关怀联系"),
    "churn.word.day": ("day", "天"),
    "churn.word.days": ("days", "天"),
})


def _reason_words(lang: str) -> dict[str, str]:
    """The reason templates (``churn.reason.*``) and bendable words (``word_*``) in ``lang``, from the registry."""
    words = label_group("churn.reason.", lang)
    words.update({f"word_{k}": v for k, v in label_group("churn.word.", lang).items()})
    return words


def _formatted(values, fmt: str) -> np.ndarray:
    """``format(v, fmt)`` of each value as an object array, formatting each distinct value once.

    Distinct by bit pattern, so -0.0 keeps its sign ("-0" as ``format`` writes it); NaN reads "nan".

    Examples
    --------
    >>> _formatted([1.0, 2.5, 1.0, -0.0], ".1f").tolist()
    ['1.0', '2.5', '1.0', '-0.0']
    """
    arr = np.ascontiguousarray(np.asarray(values, dtype=float))
    if arr.size == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(arr.view(np.int64), return_inverse=True)
    texts = np.array([format(v, fmt) for v in uniq.view(np.float64)], dtype=object)
    return texts[inv.reshape(-1)]


def _reason_texts(name: str, s: pd.DataFrame, lang: str = "en") -> pd.Series:
    """The reason, in words (English or Chinese), that signal ``name`` gives for each customer."""
    return pd.Series(_reason_array(name, s, lang), index=s.index, dtype=object)


def _reason_array(name: str, s: pd.DataFrame, lang: str = "en") -> np.ndarray:
    """:func:`_reason_texts` as an object array: whole columns at a time, each distinct number formatted once."""
    return _reason_arrow(name, lambda col: s[col], len(s), lang).to_numpy(zero_copy_only=False)


def _coded(values, fmt: str) -> tuple[list, np.ndarray]:
    """:func:`_formatted` as (distinct texts, codes): ``texts[codes]`` is ``_formatted(values, fmt)``."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=float))
    if arr.size == 0:
        return [], np.empty(0, dtype=np.intp)
    if fmt in (".0f", ",.0f"):
        # format(x, ".0f") is x rounded half to even on its exact value, as np.rint (sign kept): the same texts
        # from far fewer distinct values (a revenue has about one per customer)
        arr = np.rint(arr)
    inv, uniq = pd.factorize(arr.view(np.int64))  # distinct by bit pattern: -0.0 keeps its sign
    return [format(v, fmt) for v in uniq.view(np.float64).tolist()], inv


def _reason_arrow(name: str, column, n: int, lang: str = "en"):
    """The texts of :func:`_reason_array` as a pyarrow ``large_string`` array, joined in pyarrow: ``column(name)`` gives
    a signal column (a Series or an array) of the ``n`` customers. Each distinct number is formatted once and taken."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text_type = pa.large_string()
    words = _reason_words(lang)

    def series(col) -> pd.Series:
        values = column(col)
        return values if isinstance(values, pd.Series) else pd.Series(values)

    def taken(texts: list, codes: np.ndarray):
        return pa.array(texts, type=text_type).take(pa.array(np.asarray(codes, dtype=np.int64)))

    def num(col, fmt):
        return taken(*_coded(series(col).astype(float).to_numpy(), fmt))

    def negated(col, fmt):
        return taken(*_coded(-series(col).astype(float).to_numpy(), fmt))

    def text(values):
        if isinstance(values, pa.Array):
            return values
        if not (isinstance(values, np.ndarray) and values.dtype == object):
            values = pd.Series(np.asarray(values)).astype(str).to_numpy(dtype=object)
        return pa.array(values.tolist(), type=text_type)

    def fill(template: str, **columns):
        parts: list = []
        for literal, field, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(pa.scalar(literal, type=text_type))
            if field is not None:
                parts.append(text(columns[field]))
        if not any(isinstance(p, pa.Array) for p in parts):  # a template without fields (none here): its text n times
            return pa.array(["".join(p.as_py() for p in parts)] * n, type=text_type)
        return pc.binary_join_element_wise(*parts, pa.scalar("", type=text_type))

    def plural(col, one, many):
        return taken([one, many], np.where(series(col).to_numpy() == 1, 0, 1))

    if name == "gap":
        return fill(words["gap"], days=num("days_since_last", ".0f"), ratio=num("gap_ratio", ".1f"))
    if name == "frequency":
        return fill(words["frequency"], recent=num("orders_recent", ".0f"), usual=num("orders_usual", ".1f"),
                    orders=plural("orders_recent", words["word_order"], words["word_orders"]))
    if name == "basket":
        return fill(words["basket"], pct=negated("basket_change", ".0%"))
    if name == "complaints":
        k = series("open_complaints").fillna(0).astype(int)
        return fill(words["complaints"], n=k.to_numpy(),
                    complaints=np.where(k.to_numpy() > 1, words["word_complaints"], words["word_complaint"]).astype(object))
    if name == "care":
        return fill(words["care"], recent=num("care_recent", ".0f"), usual=num("care_usual", ".1f"),
                    contacts=plural("care_recent", words["word_care_contact"], words["word_care_contacts"]))
    if name == "competitor":
        try:
            who = series("competitor")
        except KeyError:
            who = pd.Series([None] * n, dtype=object)
        return fill(words["competitor"], who=who.astype(object).fillna(words["unnamed"]).astype(str).to_numpy(dtype=object))
    if name == "satisfaction":
        return fill(words["satisfaction"], points=negated("satisfaction_change", ".1f"))
    if name == "history":
        return fill(words["history"], n=num("order_days", ".0f"), days=plural("order_days", words["word_day"], words["word_days"]))
    if name == "tenure":
        return fill(words["tenure"], days=num("tenure_days", ".0f"))
    if name == "revenue":
        return fill(words["revenue"], amount=num("revenue", ",.0f"))
    return fill(words["p_alive"], pct=num("p_alive", ".0%"))


def churn_risk(signals: pd.DataFrame, weights: dict | None = None, threshold: float | None = None,
               n_reasons: int = 3, lang: str | None = None, *, method: str = "auto", model: ChurnModel | None = None
               ) -> pd.DataFrame:
    """A churn risk score (流失风险) from 0 to 100 per customer, with the reasons in words.

    Two scores, chosen by ``method``:

    - ``"model"`` (the default whenever it can run): risk = 100 x the probability of **no
      order in the next 180 days**, from the logistic regression that :func:`churn_signals`
      fitted on the data's own past (``signals.attrs["model"]``, see :func:`fit_churn_model`;
      or pass ``model``). ``points_<group>`` are the risk points each group of inputs
      (``MODEL_GROUPS``) adds (+) or removes (-) against the average customer of the
      backtest; they sum to ``risk - attrs["base_risk"]``. Default ``threshold`` 50: more
      likely than not to go the horizon without an order.
    - ``"rules"`` (the editable teaching score): 100 x sum(weight x strength) / sum(weights of
      the signals available), with the strengths of :func:`signal_strengths` and weights
      ``DEFAULT_WEIGHTS`` (gap 30, frequency 15, basket 10, complaints 10, care 15, competitor
      15, satisfaction 5) changed by ``weights`` (0 switches a signal off); a ``p_alive``
      column (from :func:`p_alive_from_btyd`) is blended in with weight 30. Hand-set weights,
      so judge it against the naive baselines (:mod:`playbook.evaluate`) before trusting it.
      Default ``threshold`` 30; ``points_*`` sum to ``risk``.

    ``"auto"`` is the model, except with ``weights`` or a ``p_alive`` column (rule-score
    inputs), or when no model could be fitted (too little history: ``attrs["notes"]`` says
    why). ``attrs["method"]`` always says which score you got.

    Parameters
    ----------
    signals : DataFrame
        Output of :func:`churn_signals` (optionally with a ``p_alive`` column in [0, 1]).
    weights : dict, optional
        Rules: ``{signal: points}`` for any of ``SIGNALS`` (and ``"p_alive"``); non-negative.
    threshold : float, optional
        Risk from which ``warning`` is raised (default 50 for the model, 30 for the rules).
    n_reasons : int
        How many contributing signals to list in ``reasons``, biggest first (1 risk point at least).
    lang : {"en", "zh"}, optional
        Language of ``reasons`` (the numbers are the same in both); by default the kit's
        language (:func:`playbook.i18n.use`).
    method : {"auto", "model", "rules"}
    model : ChurnModel, optional
        A model to apply instead of ``signals.attrs["model"]``.

    Returns
    -------
    DataFrame indexed like ``signals`` with ``risk`` (0-100), ``warning`` (bool), ``reasons``
    (text), ``points_<signal>`` and ``days_since_last``; sorted by risk, highest first.
    ``attrs``: ``method``, ``threshold``, and ``model`` and ``base_risk`` (model) or ``weights`` (rules).

    Examples
    --------
    >>> import playbook
    >>> s = churn_signals(playbook.load_dataset("retail"), "2025-06-30")
    >>> r = churn_risk(s)
    >>> r.attrs["method"], r.attrs["threshold"], bool(r["risk"].between(0, 100).all())
    ('model', 50.0, True)
    >>> bool(np.allclose(r.filter(like="points_").sum(axis=1), r["risk"] - r.attrs["base_risk"]))
    True
    >>> rules = churn_risk(s, method="rules")
    >>> rules.attrs["method"], rules.attrs["threshold"]
    ('rules', 30.0)
    """
    func = "churn_risk"
    lang = resolve_lang(lang, func)
    if not isinstance(signals, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs the DataFrame returned by churn_signals. Got {type(signals).__name__}.")
    if method not in ("auto", "model", "rules"):
        raise InvalidArgumentError(f"The 'method' parameter of {func} must be 'auto', 'model' or 'rules'. Got {method!r}.")
    if threshold is not None and not 0 <= threshold <= 100:
        raise InvalidArgumentError(f"The 'threshold' parameter of {func} must be between 0 and 100. Got {threshold!r}.")
    fitted = model if model is not None else signals.attrs.get("model")
    if method == "model" and fitted is None:
        why = [n for n in signals.attrs.get("notes", []) if n.startswith("No churn model")]
        raise InvalidArgumentError(f"{func}: method='model' needs a fitted model; "
                                   + (why[0] if why else "compute the signals with churn_signals(..., horizon_days=180)."))
    if method == "model" and weights is not None:
        raise InvalidArgumentError(f"{func}: 'weights' set the rule score; use method='rules' with them.")
    use_rules = method == "rules" or (method == "auto" and (weights is not None or "p_alive" in signals.columns
                                                             or fitted is None))
    risk = _risk_in_signal_order(signals, weights, threshold, n_reasons, lang, use_rules, fitted)
    return risk.sort_values("risk", ascending=False, kind="stable")


def _risk_in_signal_order(signals: pd.DataFrame, weights: dict | None, threshold: float | None, n_reasons: int,
                          lang: str, use_rules: bool, fitted, reasons: bool = True) -> pd.DataFrame:
    """:func:`churn_risk`'s table before it is sorted by risk: rows in the order of ``signals``, so a caller
    holding other tables in that order reads it by position (no lookup of text ids). ``reasons=False`` leaves
    out the ``reasons`` column (no text per customer), every other column the same."""
    if use_rules:
        return _rule_risk(signals, weights, 30.0 if threshold is None else float(threshold), n_reasons, lang, reasons)
    return _model_risk(signals, fitted, 50.0 if threshold is None else float(threshold), n_reasons, lang, reasons)


def risk_in_signal_order(signals: pd.DataFrame, lang: str, *, reasons: bool = True) -> pd.DataFrame:
    """``churn_risk(signals, lang=lang, method="auto")`` with the rows in the order of ``signals`` (not sorted by risk).

    ``reasons=False``: without the ``reasons`` texts, for a caller that keeps only the scores and points (the
    lean scoring of :func:`playbook.strategy.score_in_chunks`); the other columns and the attrs are the same.

    >>> import playbook
    >>> s = churn_signals(playbook.load_dataset("retail"), "2025-06-30")
    >>> full, lean = risk_in_signal_order(s, "en"), risk_in_signal_order(s, "en", reasons=False)
    >>> "reasons" in lean, lean.equals(full.drop(columns="reasons"))
    (False, True)
    """
    fitted = signals.attrs.get("model")
    return _risk_in_signal_order(signals, None, None, 3, lang, "p_alive" in signals.columns or fitted is None, fitted,
                                 reasons)


def _reasons_from(points: pd.DataFrame, signals: pd.DataFrame, n_reasons: int, lang: str) -> list:
    """The ``n_reasons`` biggest contributions of at least 1 risk point, in words, per customer (a list of texts)."""
    return _reasons_arrow(points, signals, n_reasons, lang).to_pylist()


def _reasons_arrow(points: pd.DataFrame, signals: pd.DataFrame, n_reasons: int, lang: str):
    """:func:`_reasons_from` as a pyarrow ``large_string`` array.

    Each signal's text is built only for the customers whose reasons name it, whole columns at a
    time (:func:`_reason_arrow`); the reasons are then joined row-wise in pyarrow: no loop over customers,
    no Python string per customer."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text_type = pa.large_string()
    words = _reason_words(lang)
    used = list(points.columns)
    arr = points.to_numpy()
    n = len(arr)
    if not used or n == 0:
        return pa.array([words["none"]] * n, type=text_type)
    order = np.argsort(-arr, axis=1, kind="stable")[:, :n_reasons]
    keep = np.take_along_axis(arr, order, axis=1) >= 1.0
    named = np.where(keep, order, -1)
    # at[i, j]: where customer i's text of signal j sits in `texts` (the signals' texts one after the other)
    at = np.full((n, len(used)), -1, dtype=np.int64)
    blocks, start = [], 0
    for j, k in enumerate(used):
        rows = np.flatnonzero((named == j).any(axis=1))
        if not len(rows):
            continue
        blocks.append(_reason_arrow(k, lambda col, rows=rows: signals[col].to_numpy()[rows], len(rows), lang))
        at[rows, j] = np.arange(start, start + len(rows))
        start += len(rows)
    blocks.append(pa.array([words["none"]], type=text_type))  # the last text: no warning sign
    texts = pa.concat_arrays(blocks)
    # Row i reads: "none" if no position names a reason; then, for each position p that does, the separator if an
    # earlier one did, and signal order[i, p]'s text. Each part is taken for all rows at once (null: nothing) and the
    # parts are joined row-wise in pyarrow: no text per customer in Python.
    none = ~keep.any(axis=1)
    if none.all():
        return texts.take(pa.array(np.full(n, start, dtype=np.int64)))
    first = np.where(none, start, -1)
    parts = [texts.take(pa.array(first, mask=first < 0))]
    separator = pa.array(["", words["separator"]], type=text_type)
    rows = np.arange(n)
    for p in range(order.shape[1]):
        if p:
            parts.append(separator.take(pa.array((keep[:, p] & keep[:, :p].any(axis=1)).astype(np.int64))))
        idx = np.where(keep[:, p], at[rows, order[:, p]], -1)
        parts.append(texts.take(pa.array(idx, mask=idx < 0)))
    return pc.binary_join_element_wise(*parts, pa.scalar("", type=text_type), null_handling="replace",
                                       null_replacement="")


def _text_values(texts):
    """A pyarrow text array as the values of a text column: the array itself when pandas would store a list of these
    texts as its pyarrow-backed ``str`` (it does by default), else the list."""
    dtype = pd.Series(["x"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is np.nan:
        return pd.arrays.ArrowStringArray(texts, dtype=dtype)
    return texts.to_pylist()


def _model_risk(signals: pd.DataFrame, model: ChurnModel, threshold: float, n_reasons: int, lang: str,
                reasons: bool = True) -> pd.DataFrame:
    missing = [c for c in ("days_since_last", "gap_ratio", "order_days", "tenure_days", "revenue") if c not in signals.columns]
    if missing:
        raise DataValidationError(f"churn_risk: the model needs the columns {missing} of churn_signals.")
    parts = model.logit_parts(signals)
    total = parts.sum(axis=1).to_numpy()
    p = _sigmoid(model.intercept + total)
    risk = 100 * p
    base_risk = float(100 * _sigmoid(model.intercept))
    # Secant slope from the average customer to this one: the points add up to risk - base_risk exactly.
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(np.abs(total) > 1e-9, (risk - base_risk) / total, 100 * p * (1 - p))
    points = parts.mul(slope, axis=0)
    out = pd.DataFrame(index=signals.index)
    out["risk"] = risk
    out["warning"] = out["risk"] >= threshold
    if reasons:
        out["reasons"] = _text_values(_reasons_arrow(points, signals, n_reasons, lang))
    for k in points.columns:
        out[f"points_{k}"] = points[k]
    out["days_since_last"] = signals["days_since_last"]
    attrs = {k: v for k, v in signals.attrs.items() if k != "model"}
    out.attrs = {**attrs, "method": "model", "model": model, "threshold": threshold, "base_risk": base_risk,
                 "horizon_days": model.horizon_days}
    return out


def _rule_risk(signals: pd.DataFrame, weights: dict | None, threshold: float, n_reasons: int, lang: str,
               reasons: bool = True) -> pd.DataFrame:
    func = "churn_risk"
    words = _reason_words(lang)
    if "p_alive" in signals.columns:
        bad = signals.index[(signals["p_alive"] < 0) | (signals["p_alive"] > 1)]
        if len(bad):
            raise DataValidationError(f"{func}: column 'p_alive' must be a probability in [0, 1]; {len(bad)} rows are not, e.g. {bad[0]!r}.")
    w: dict[str, float] = dict(DEFAULT_WEIGHTS)
    if "p_alive" in signals.columns:
        w["p_alive"] = P_ALIVE_WEIGHT
    for key, value in (weights or {}).items():
        if key not in w:
            allowed = ", ".join(w)
            raise InvalidArgumentError(f"The 'weights' parameter of {func} has an unknown signal {key!r}; use {allowed}.")
        if not np.isfinite(value) or value < 0:
            raise InvalidArgumentError(f"The 'weights' parameter of {func} needs non-negative numbers. Got {key}={value!r}.")
        w[key] = float(value)
    strengths = signal_strengths(signals)
    used = [k for k in w if k in strengths.columns and strengths[k].notna().any() and w[k] > 0]
    total = sum(w[k] for k in used)
    if total == 0:
        raise InvalidArgumentError(f"{func}: every available signal has weight 0; give at least one a positive weight.")
    points = pd.DataFrame({k: 100 * w[k] * strengths[k].fillna(0.0) / total for k in used}, index=signals.index)
    out = pd.DataFrame(index=signals.index)
    out["risk"] = points.sum(axis=1).clip(0, 100) if used else 0.0
    out["warning"] = out["risk"] >= threshold
    if reasons:
        out["reasons"] = _text_values(_reasons_arrow(points, signals, n_reasons, lang)) if used else words["none"]
    for k in used:
        out[f"points_{k}"] = points[k]
    if "days_since_last" in signals.columns:
        out["days_since_last"] = signals["days_since_last"]
    attrs = {k: v for k, v in signals.attrs.items() if k != "model"}
    out.attrs = {**attrs, "method": "rules", "weights": {k: w[k] for k in used}, "threshold": threshold}
    return out


@keyword_only_after(2)
def naive_rule(data, as_of=None, *, days: int = 180) -> pd.DataFrame:
    """The naive warning: a customer is flagged when they have not ordered for more than ``days``.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base or an orders DataFrame.
    as_of : date-like, optional
        Defaults to ``base.as_of`` for a base.
    days : int
        Silence (in days) after which the rule fires (default 180).

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``days_since_last`` and ``warning``.

    Examples
    --------
    >>> import playbook
    >>> n = naive_rule(playbook.load_dataset("b2b"), "2024-12-31", days=90)
    >>> bool((n["warning"] == (n["days_since_last"] > 90)).all())
    True
    """
    orders, base = _orders_of(data, "naive_rule")
    as_of = resolve_as_of(base, as_of, "naive_rule")
    if not isinstance(days, (int, np.integer)) or days < 1:
        raise InvalidArgumentError(f"The 'days' parameter of naive_rule must be a whole number of days >= 1. Got {days!r}.")
    from .data import summarize

    s = summarize(orders, as_of)
    out = s[["days_since_last"]].copy()
    out["warning"] = out["days_since_last"] > days
    return out


# ---------------------------------------------------------------- evaluation


def p_alive_from_btyd(base, as_of=None) -> pd.Series:
    """Probability that each customer is still active, from a BG/NBD model fitted on what
    was known at ``as_of`` (:class:`playbook.value.BetaGeoFitter` on :func:`playbook.summarize`).

    Add it to :func:`churn_signals` as a ``p_alive`` column and :func:`churn_risk` blends it in.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A base, or an orders table (then ``as_of`` is required).
    as_of : date-like, optional
        Defaults to ``base.as_of``.

    Returns
    -------
    Series indexed by customer, values in [0, 1].

    Examples
    --------
    >>> import playbook
    >>> p = p_alive_from_btyd(playbook.load_dataset("retail"), "2024-12-31")
    >>> bool(p.between(0, 1).all())
    True
    """
    import warnings as _warnings

    from .data import summarize

    check_data(base, "p_alive_from_btyd")
    from .errors import FitWarning
    from .value import BetaGeoFitter

    orders = base.orders if isinstance(base, CustomerBase) else base
    ts = to_timestamp(as_of if as_of is not None else getattr(base, "as_of", None))
    summary = summarize(orders, ts)
    with _warnings.catch_warnings():
        # A fit that needs attention is reported by fit_info_; the score stays usable.
        _warnings.simplefilter("ignore", FitWarning)
        bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    alive = bgf.probability_alive(summary["frequency"], summary["recency"], summary["T"])
    return pd.Series(np.asarray(alive, dtype=float), index=summary.index, name="p_alive")


def replay_warnings(base, dates, *, rule: str = "risk", naive_days: int = 180, window_days: int = 90,
                    weights: dict | None = None, threshold: float | None = None, with_p_alive: bool = False,
                    method: str = "auto") -> pd.DataFrame:
    """Run a warning rule at each of ``dates`` as it would have run then (no look-ahead).

    Parameters
    ----------
    base : CustomerBase or DataFrame
    dates : list of date-like
        Review dates, e.g. ``pd.date_range("2024-01-31", "2025-06-30", freq="ME")``.
    rule : {"risk", "naive"}
        :func:`churn_risk` on :func:`churn_signals`, or :func:`naive_rule`.
    naive_days, window_days, weights, threshold, method
        Passed to the rule (:func:`churn_risk`: the model refitted at each date by default).
    with_p_alive : bool
        Rule "risk" only: refit BG/NBD at each date and blend its probability alive
        (:func:`p_alive_from_btyd`) into the rule score.

    Returns
    -------
    DataFrame with one row per review date and customer known then: ``as_of``,
    ``customer_id``, ``warning``, ``days_since_last`` and (rule "risk") ``risk``.

    Examples
    --------
    >>> import playbook
    >>> r = replay_warnings(playbook.load_dataset("b2b"), ["2024-06-30", "2024-12-31"], rule="naive")
    >>> list(r.columns), r["as_of"].nunique()
    (['as_of', 'customer_id', 'warning', 'days_since_last'], 2)
    """
    check_data(base, "replay_warnings")
    if rule not in ("risk", "naive"):
        raise InvalidArgumentError(f"The 'rule' parameter of replay_warnings must be 'risk' or 'naive'. Got {rule!r}.")
    frames = []
    for d in dates:
        ts = to_timestamp(d, "dates")
        if rule == "naive":
            table = naive_rule(base, ts, days=naive_days)
        else:
            plain_rules = method == "rules" or with_p_alive or weights is not None
            signals = churn_signals(base, ts, window_days=window_days, horizon_days=None if plain_rules else 180)
            if with_p_alive:
                signals = signals.join(p_alive_from_btyd(base, ts))
            table = churn_risk(signals, weights=weights, threshold=threshold, method=method)
        cols = ["warning", "days_since_last"] + (["risk"] if rule == "risk" else [])
        frames.append(table[cols].rename_axis("customer_id").reset_index().assign(as_of=ts))
    if not frames:
        raise InvalidArgumentError("replay_warnings needs at least one date in 'dates'.")
    out = pd.concat(frames, ignore_index=True)
    return out[["as_of", "customer_id", *[c for c in out.columns if c not in ("as_of", "customer_id")]]]


def evaluate_warnings(warnings: pd.DataFrame, truth: pd.DataFrame, as_of=None, *, horizon_days: int = 180,
                      active_days: int | None = 365, max_lead_days: int = 365) -> pd.Series:
    """Precision, recall and lead time of a warning rule against the true dropout dates.

    **Who is a true churner at a review date.** ``truth.dropout_date`` is the day of a
    customer's last purchase before they silently left. At a review date ``as_of`` a
    customer counts as a churner (positive) when that date falls on or before
    ``as_of + horizon_days``: those who have *already* made their last purchase (the
    business cannot know it yet, and they are exactly whom a warning should reach) and
    those who will make it within the horizon. Customers with no order in the
    ``active_days`` before ``as_of`` are left out (default 365): they were lost long ago,
    every rule flags them, and counting them would flatter any rule.

    **Lead time.** For a replay (``warnings`` has an ``as_of`` column, see
    :func:`replay_warnings`), each churner whose dropout falls within the replay gets the
    first review date on which the warning fired in the ``max_lead_days`` before their
    dropout or after it; lead time = dropout date minus that date, in days (positive: the
    warning came before the last purchase; negative: only after it). Churners never
    warned count in ``share_caught`` only.

    Parameters
    ----------
    warnings : DataFrame
        Indexed by ``customer_id`` (or with that column), with ``warning`` and
        ``days_since_last``: :func:`churn_risk`, :func:`naive_rule` or a
        :func:`replay_warnings` table (with ``as_of``).
    truth : DataFrame
        With ``customer_id`` and ``dropout_date`` (``base.truth``).
    as_of : date-like, optional
        Review date of a single table; not used for a replay.
    horizon_days, active_days, max_lead_days : int

    Returns
    -------
    Series with ``precision``, ``recall``, ``n_warned``, ``n_churners``, ``n_reviewed``
    (customer-reviews counted), and for a replay ``median_lead_days``,
    ``share_warned_before_dropout`` and ``share_caught`` (over churners in the replay span).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> ev = evaluate_warnings(naive_rule(base, "2024-06-30", days=180), base.truth, "2024-06-30")
    >>> bool(0 < ev["precision"] < 1 and 0 < ev["recall"] < 1), int(ev["n_reviewed"]) > 0
    (True, True)
    """
    func = "evaluate_warnings"
    if not isinstance(warnings, pd.DataFrame) or not isinstance(truth, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs two DataFrames: the warnings and the truth table.")
    for col in ("customer_id", "dropout_date"):
        if col not in truth.columns:
            raise DataValidationError(f"{func} needs a column {col!r} in `truth` (base.truth).")
    table = warnings.copy()
    if "customer_id" not in table.columns:
        table = table.rename_axis("customer_id").reset_index()
    for col in ("warning", "days_since_last"):
        if col not in table.columns:
            raise DataValidationError(f"{func} needs a column {col!r} in `warnings`; pass churn_risk, naive_rule or replay_warnings output.")
    is_replay = "as_of" in table.columns
    if not is_replay:
        if as_of is None:
            raise InvalidArgumentError(f"{func} needs as_of for a single warnings table (the date it was made).")
        table["as_of"] = to_timestamp(as_of).normalize()
    table["as_of"] = pd.to_datetime(table["as_of"]).dt.normalize()
    if table.empty:
        raise DataValidationError(f"{func} got no customers to evaluate.")
    drop = truth.set_index(truth["customer_id"].astype(str))["dropout_date"]
    table["dropout"] = table["customer_id"].astype(str).map(drop)
    if active_days is not None:
        table = table.loc[table["days_since_last"] <= active_days]
    positive = table["dropout"].notna() & (table["dropout"] <= table["as_of"] + pd.Timedelta(days=horizon_days))
    warned = table["warning"].astype(bool)
    tp = int((warned & positive).sum())
    out = {
        "precision": tp / warned.sum() if warned.sum() else np.nan,
        "recall": tp / positive.sum() if positive.sum() else np.nan,
        "n_warned": int(warned.sum()),
        "n_churners": int(positive.sum()),
        "n_reviewed": int(len(table)),
    }
    if is_replay:
        first, last = table["as_of"].min(), table["as_of"].max()
        window = (table["as_of"] >= table["dropout"] - pd.Timedelta(days=max_lead_days))
        fired = table.loc[warned & window].groupby("customer_id")["as_of"].min()
        churners = drop[(drop >= first) & (drop <= last)]
        churners = churners[churners.index.isin(table["customer_id"].astype(str))]
        lead = (churners - fired.reindex(churners.index)).dt.days
        out["median_lead_days"] = float(lead.median()) if lead.notna().any() else np.nan
        out["share_warned_before_dropout"] = float((lead > 0).mean()) if len(lead) else np.nan
        out["share_caught"] = float(lead.notna().mean()) if len(lead) else np.nan
    return pd.Series(out, name="evaluation")


def signal_hit_rates(base: CustomerBase, dates, *, recent_days: int = 90, min_strength: float = 0.5,
                     window_days: int = 90) -> pd.DataFrame:
    """Which signals catch which churners: share of churners, by true cause, on whom each signal was strong.

    At each review date, the customers who had made their last purchase in the
    ``recent_days`` before it (gone, but the business cannot know yet) are looked at; a
    signal "catches" one when its strength (:func:`signal_strengths`) is at least
    ``min_strength``. This reads ``base.truth`` (``dropout_date``, ``churn_cause``): it scores
    the signals, it is not a warning a business could run.

    Returns
    -------
    DataFrame indexed by ``churn_cause`` with one column per signal (share caught) and
    ``n`` (churner-reviews counted).

    Examples
    --------
    >>> import playbook
    >>> h = signal_hit_rates(playbook.load_dataset("b2b"), ["2024-06-30", "2024-12-31"])
    >>> bool(h.loc["lack_of_care", "care"] > 0)
    True
    """
    if not isinstance(base, CustomerBase) or base.truth is None:
        raise MissingTableError("signal_hit_rates needs a CustomerBase with the hidden truth table (a synthetic dataset).")
    require = {"customer_id", "dropout_date", "churn_cause"} - set(base.truth.columns)
    if require:
        raise DataValidationError(f"signal_hit_rates needs the columns {sorted(require)} in truth.")
    truth = base.truth.set_index(base.truth["customer_id"].astype(str))
    frames = []
    for d in dates:
        ts = to_timestamp(d, "dates")
        strong = signal_strengths(churn_signals(base, ts, window_days=window_days)) >= min_strength
        dropout = truth["dropout_date"].reindex(strong.index)
        gone = (dropout <= ts) & (dropout > ts - pd.Timedelta(days=recent_days))
        frames.append(strong.loc[gone].assign(churn_cause=truth["churn_cause"].reindex(strong.index)[gone].astype(str)))
    if not frames:
        raise InvalidArgumentError("signal_hit_rates needs at least one date in 'dates'.")
    hits = pd.concat(frames)
    out = hits.groupby("churn_cause").mean()
    out["n"] = hits.groupby("churn_cause").size()
    return out.sort_values("n", ascending=False)


# ---------------------------------------------------------------- survival


def kaplan_meier(durations, observed) -> pd.DataFrame:
    """The Kaplan-Meier estimate of the share of customers still active after t days.

    S(t) = product over event times t_i <= t of (1 - d_i / n_i), with d_i customers who
    churned at t_i and n_i still at risk just before it; censored customers (still active
    when observation stopped) leave the risk set without counting as churned. The band is
    Greenwood's 95% interval on the log-log scale.

    Parameters
    ----------
    durations : array-like of float
        Time observed per customer (e.g. days from first order to churn or to ``as_of``).
    observed : array-like of bool
        True if the churn was seen, False if censored.

    Returns
    -------
    DataFrame indexed by ``time`` (0 and each distinct duration) with ``at_risk``,
    ``events``, ``censored``, ``survival``, ``lower``, ``upper``.

    Examples
    --------
    >>> km = kaplan_meier([5, 10, 10, 20], [True, True, False, True])
    >>> km["survival"].round(3).tolist()
    [1.0, 0.75, 0.5, 0.0]
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if t.ndim != 1 or t.shape != e.shape:
        raise InvalidArgumentError("kaplan_meier needs 'durations' and 'observed' of the same length, one value per customer.")
    if t.size == 0:
        raise DataValidationError("kaplan_meier got no customers.")
    if np.isnan(t).any() or (t < 0).any():
        raise DataValidationError("kaplan_meier needs durations that are known and not negative.")
    times, inverse = np.unique(t, return_inverse=True)
    events = np.bincount(inverse, weights=e.astype(float), minlength=times.size)
    total = np.bincount(inverse, minlength=times.size).astype(float)
    at_risk = t.size - np.r_[0.0, np.cumsum(total)[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - events / at_risk)
        var_terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        greenwood = np.cumsum(var_terms)
        log_s = np.log(surv)
        se = np.sqrt(greenwood) / np.abs(log_s)
        lower = surv ** np.exp(1.96 * se)
        upper = surv ** np.exp(-1.96 * se)
    lower = np.where(np.isfinite(lower) & (surv > 0) & (surv < 1), lower, surv)
    upper = np.where(np.isfinite(upper) & (surv > 0) & (surv < 1), upper, surv)
    out = pd.DataFrame({"at_risk": at_risk.astype(np.int64), "events": events.astype(np.int64),
                        "censored": (total - events).astype(np.int64), "survival": surv, "lower": lower, "upper": upper},
                       index=pd.Index(times, name="time"))
    if times[0] > 0:
        start = pd.DataFrame({"at_risk": [t.size], "events": [0], "censored": [0], "survival": [1.0], "lower": [1.0],
                              "upper": [1.0]}, index=pd.Index([0.0], name="time"))
        out = pd.concat([start, out])
    return out


CENSORING = ("window", "review_date")


def _lifetimes(orders: pd.DataFrame, as_of, churn_days: int, censoring: str) -> pd.DataFrame:
    """Per customer seen by ``as_of``: ``first_order``, ``duration`` (days), ``gone`` (an observed event),
    and ``kept`` (the customer enters the estimate). See :func:`survival_by_segment` for the rules."""
    from .data import summarize

    s = summarize(orders, as_of)
    ts = to_timestamp(as_of).normalize()
    first = s["first_order"].dt.normalize()
    last = s["last_order"].dt.normalize()
    resolved_by = ts - pd.Timedelta(days=int(churn_days))
    if censoring == "window":
        gone = last <= resolved_by
        end = last.where(gone, resolved_by)
        kept = first <= resolved_by
    else:  # the earlier rule, kept to show its bias: silent > churn_days is gone, everyone else censored at as_of
        gone = (ts - last).dt.days > churn_days
        end = last.where(gone, ts)
        kept = pd.Series(True, index=s.index)
    return pd.DataFrame({"first_order": first, "duration": (end - first).dt.days.astype(float), "gone": gone,
                         "kept": kept})


def _groups_of(b, by, index, func: str) -> np.ndarray:
    if by is None:
        return np.full(len(index), "all", dtype=object)
    if isinstance(by, pd.Series):
        groups = by.copy()
        groups.index = groups.index.astype(str)
    else:
        if b is None or b.customers is None:
            raise InvalidArgumentError(f"{func}: by={by!r} needs a base with a customers table; or pass a Series of groups.")
        if by not in b.customers.columns:
            raise DataValidationError(f"{func}: by={by!r} is not a column of customers; columns are {', '.join(b.customers.columns)}.")
        groups = b.customers.set_index(b.customers["customer_id"].astype(str))[by]
    return groups.astype(object).reindex(index.astype(str)).fillna("unknown").to_numpy()


def _curves(durations: np.ndarray, events: np.ndarray, g: np.ndarray, attrs: dict) -> pd.DataFrame:
    frames, medians = [], {}
    for key in sorted(set(g), key=str):
        mask = g == key
        km = kaplan_meier(durations[mask], events[mask])
        below = km.index[km["survival"] <= 0.5]
        medians[str(key)] = float(below[0]) if len(below) else np.nan
        frames.append(km.reset_index().assign(group=str(key)))
    out = pd.concat(frames, ignore_index=True)[["group", "time", "survival", "lower", "upper", "at_risk", "events"]]
    out.attrs = {"median_days": medians, **attrs}
    return out


@keyword_only_after(2)
def survival_by_segment(base, as_of=None, *, by="segment", churn_days: int = 365,
                        censoring: str = "window") -> pd.DataFrame:
    """Kaplan-Meier curves of the purchase span (购买跨度: first order to last order) per group.

    The quantity: a customer's span runs from their first order to the last order they will
    ever place. The firm cannot see the future, so it calls a customer gone when they have not
    ordered for ``churn_days``; such a verdict can only be reached ``churn_days`` after the
    last order. With the default ``censoring="window"`` every customer is followed only up to
    ``as_of - churn_days`` (the last day on which a span could have ended and be seen to end):

    - last order on or before that day: the span ended at the last order (an event);
    - last order after it: the span is longer than the followed time (censored on that day,
      they may well still be buying);
    - first order after it: nothing is known yet; the customer is left out.

    ``censoring="review_date"`` is the earlier rule, kept to show its bias: customers silent
    for more than ``churn_days`` end at their last order, everyone else is censored at
    ``as_of``, so the risk set keeps customers through the last ``churn_days`` of their
    follow-up, where their span could never be seen to end.

    What it cannot tell: a slow buyer who is silent for ``churn_days`` and then returns is
    counted as gone; and the span ends at the last order, before the customer truly leaves.
    :func:`truth_survival` gives the true curve of the same span on synthetic data.
    Only orders up to ``as_of`` are used.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A base (``by`` may name a column of ``customers``) or orders.
    as_of : date-like, optional
        Defaults to ``base.as_of``.
    by : str, Series or None
        A column of ``customers`` (default ``"segment"``), a Series customer_id -> group, or
        None for one curve (group ``"all"``).
    churn_days : int
        Silence that counts as gone (default 365).
    censoring : {"window", "review_date"}
        The consistent rule above (default) or the earlier, biased one.

    Returns
    -------
    Long DataFrame with ``group``, ``time`` (days), ``survival``, ``lower``, ``upper``,
    ``at_risk``, ``events``; ``attrs["median_days"]`` holds each group's median span
    (NaN when the curve never falls below 50%), ``attrs["followed_until"]`` the last day
    followed and ``attrs["left_out"]`` the customers first seen after it.

    Examples
    --------
    >>> import playbook
    >>> sv = survival_by_segment(playbook.load_dataset("retail"))
    >>> sorted(sv["group"].unique())[:2]
    ['18-29', '30-44']
    """
    orders, b = _orders_of(base, "survival_by_segment")
    as_of = resolve_as_of(b, as_of, "survival_by_segment")
    if not isinstance(churn_days, (int, np.integer)) or isinstance(churn_days, bool) or churn_days < 1:
        raise InvalidArgumentError(f"The 'churn_days' parameter of survival_by_segment must be a whole number >= 1. Got {churn_days!r}.")
    if censoring not in CENSORING:
        raise InvalidArgumentError(f"The 'censoring' parameter of survival_by_segment must be one of {', '.join(CENSORING)}. Got {censoring!r}.")
    life = _lifetimes(orders, as_of, churn_days, censoring)
    g = _groups_of(b, by, life.index, "survival_by_segment")
    kept = life["kept"].to_numpy()
    ts = to_timestamp(as_of).normalize()
    followed = ts - pd.Timedelta(days=int(churn_days)) if censoring == "window" else ts
    if not kept.any():
        raise DataValidationError(f"survival_by_segment: no customer placed a first order by {followed.date()} "
                                  f"(as_of minus churn_days={churn_days}); the data are too short to see anyone leave.")
    return _curves(life["duration"].to_numpy()[kept], life["gone"].to_numpy()[kept], g[kept],
                   {"churn_days": churn_days, "as_of": ts, "censoring": censoring, "followed_until": followed,
                    "left_out": int((~kept).sum())})


def truth_survival(base: CustomerBase, as_of=None, *, by=None) -> pd.DataFrame:
    """READS THE TRUTH: the true Kaplan-Meier curve of the purchase span (first to last order).

    Only a synthetic base knows this; it is the yardstick for :func:`survival_by_segment`.
    The customers are those first seen by ``as_of`` (the review date of the estimate); the truth
    then reads **every** order in the base, including those after ``as_of`` (the future the
    firm cannot see), and the true ``dropout_date``. A customer who dropped out by the end of
    the base has placed every order they ever will, so their span is exact (an event). One
    still alive at the end of the base is censored at their latest order (their span is at
    least that long; some of them will never order again, so this yardstick errs high, less
    the more future the base holds: leave a year or more after ``as_of``).

    Parameters
    ----------
    base : CustomerBase
        With a ``truth`` table (``dropout_date``).
    as_of : date-like, optional
        The review date whose customers are followed; defaults to ``base.as_of`` (no future).
    by : str, Series or None
        As in :func:`survival_by_segment`; None (default) gives one curve, group ``"all"``.

    Returns
    -------
    The same long DataFrame as :func:`survival_by_segment`, with ``attrs["source"] == "truth"``
    and ``attrs["future_days"]`` (days of data after ``as_of``).

    Examples
    --------
    >>> import playbook
    >>> tv = truth_survival(playbook.load_dataset("retail"), "2024-12-31")
    >>> tv["group"].unique().tolist(), tv.attrs["future_days"], bool(tv["survival"].is_monotonic_decreasing)
    (['all'], 365, True)
    """
    from .data import summarize

    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError("truth_survival needs a CustomerBase with a truth table (synthetic data).")
    if base.truth is None or "dropout_date" not in base.truth.columns:
        raise MissingTableError("truth_survival needs the truth table's 'dropout_date': only synthetic bases have it.")
    as_of = resolve_as_of(base, as_of, "truth_survival")
    ts = to_timestamp(as_of).normalize()
    horizon = to_timestamp(base.as_of).normalize()
    if ts > horizon:
        raise InvalidArgumentError(f"truth_survival: as_of {ts.date()} is after the end of the base ({horizon.date()}).")
    s = summarize(base.orders, base.as_of)
    s = s[s["first_order"].dt.normalize() <= ts]
    if s.empty:
        raise DataValidationError(f"truth_survival: no customer placed a first order by {ts.date()}.")
    truth = base.truth.set_index(base.truth["customer_id"].astype(str))["dropout_date"]
    dropout = pd.to_datetime(truth).reindex(s.index.astype(str))
    gone = (dropout.dt.normalize() <= horizon).fillna(False).to_numpy(dtype=bool)
    durations = (s["last_order"].dt.normalize() - s["first_order"].dt.normalize()).dt.days.to_numpy(dtype=float)
    g = _groups_of(base, by, s.index, "truth_survival")
    return _curves(durations, gone, g, {"as_of": ts, "source": "truth", "future_days": int((horizon - ts).days)})


# ---------------------------------------------------------------- the big-account alarm


def _quarters(quarters, orders: pd.DataFrame, as_of) -> pd.PeriodIndex:
    if quarters is None:
        last = pd.Period(as_of, "Q")
        return pd.period_range(last - 11, last, freq="Q")
    try:
        return pd.PeriodIndex([pd.Period(q, "Q") for q in quarters])
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"The 'quarters' parameter must hold quarters such as '2024Q2'. Got {quarters!r}.") from exc


def concentration_alarm(base: CustomerBase, quarters=None, *, accounts=None, min_share: float = 0.05,
                        window_days: int = 90, weights: dict | None = None, threshold: float = 50.0,
                        lang: str | None = None, method: str = "rules") -> pd.DataFrame:
    """Replay the churn warning quarter by quarter over the big accounts (大客户集中度预警).

    At the end of each quarter, the score is computed with what was known then (90-day
    window by default: the quarter against the year before it). The big accounts are chosen
    without hindsight: those with at least ``min_share`` of revenue in the four quarters
    before the first replayed quarter (or the ones you name in ``accounts``).

    Parameters
    ----------
    base : CustomerBase
    quarters : list of str or Period, optional
        Quarters to replay, e.g. ``["2024Q1", "2024Q2"]``; default the last 12 up to ``base.as_of``.
    accounts : list of str, optional
        Accounts to watch instead of the big ones.
    min_share : float
        Share of revenue that makes an account big (default 5%).
    window_days, weights, threshold
        Passed to :func:`churn_signals` and :func:`churn_risk`.
    lang : {"en", "zh"}, optional
        Language of ``reasons``; by default the kit's language (:func:`playbook.i18n.use`).
    method : {"rules", "model"}
        The score replayed. Default the rule score: it reads each account against its own
        usual level (care, orders, deals), which is what a watch on a few big accounts is
        for; the model scores everyone's chance of a silent half-year, near 0 for accounts
        that order every week.

    Returns
    -------
    Long DataFrame: ``customer_id``, ``quarter`` (text such as "2024Q2"), ``as_of`` (its last
    day), ``share_before`` (revenue share that chose the account), ``risk``, ``warning``,
    ``reasons``, ``revenue`` (ordered in that quarter), ``orders`` (count in that quarter).
    ``revenue`` and ``orders`` of later quarters are what happened, shown beside the alarm.

    Examples
    --------
    >>> import playbook
    >>> a = concentration_alarm(playbook.load_dataset("b2b"), ["2024Q2", "2024Q3"])
    >>> sorted(a["customer_id"].unique())
    ['A0001', 'A0002', 'A0003', 'A0004']
    """
    func = "concentration_alarm"
    lang = resolve_lang(lang, func)
    words = _reason_words(lang)
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"The 'base' parameter of {func} must be a CustomerBase (orders plus, ideally, "
                                   f"interactions, complaints and deals). Got {type(base).__name__}.")
    orders = base.orders
    if orders.empty:
        raise DataValidationError(f"{func}: orders is empty.")
    if not 0 < min_share < 1:
        raise InvalidArgumentError(f"The 'min_share' parameter of {func} must be between 0 and 1. Got {min_share!r}.")
    qs = _quarters(quarters, orders, base.as_of or orders["order_date"].max())
    if len(qs) == 0:
        raise InvalidArgumentError(f"{func} needs at least one quarter.")
    period = orders["order_date"].dt.to_period("Q")
    ids = orders["customer_id"].astype(str)
    if accounts is None:
        ref = (period >= qs.min() - 4) & (period < qs.min())
        rev = orders.loc[ref].groupby(ids[ref])["amount"].sum()
        if rev.sum() <= 0:
            raise DataValidationError(f"{func}: no revenue in the four quarters before {qs.min()}; start the replay later.")
        share = rev / rev.sum()
        share = share[share >= min_share].sort_values(ascending=False)
        if share.empty:
            raise DataValidationError(f"{func}: no account reaches {min_share:.0%} of revenue; lower min_share.")
    else:
        share = pd.Series(np.nan, index=[str(a) for a in accounts])
    per_q = orders.groupby([ids, period])["amount"].agg(["sum", "size"])
    rows = []
    for q in qs:
        as_of = q.end_time.normalize()
        if as_of < orders["order_date"].min():
            continue
        signals = churn_signals(base, as_of, window_days=window_days, horizon_days=180 if method == "model" else None)
        risk = churn_risk(signals, weights=weights, threshold=threshold, lang=lang, method=method)
        for cid in share.index:
            got = per_q.loc[(cid, q)] if (cid, q) in per_q.index else None
            known = cid in risk.index
            rows.append({"customer_id": cid, "quarter": str(q), "as_of": as_of, "share_before": share[cid],
                         "risk": risk.at[cid, "risk"] if known else np.nan,
                         "warning": bool(risk.at[cid, "warning"]) if known else False,
                         "reasons": risk.at[cid, "reasons"] if known else words["no_order"],
                         "revenue": float(got["sum"]) if got is not None else 0.0,
                         "orders": int(got["size"]) if got is not None else 0})
    if not rows:
        raise DataValidationError(f"{func}: every quarter asked for ends before the first order.")
    return pd.DataFrame(rows)
