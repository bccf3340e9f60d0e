"""Orders turned into one row per customer (:func:`summarize`, the table every later method starts
from) and one customer's dated events (:func:`timeline`).
The public home of these names is :mod:`playbook.data`, which re-exports them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .customer_base import CustomerBase
from .errors import DataValidationError, InvalidArgumentError
from .kernels import factorize_sorted_index, group_starts, group_sums, periods, stable_order
from .validation import check_column, end_of_day, resolve_as_of, to_timestamp, validate_orders

__all__ = ["summarize", "timeline"]


def summarize(
    orders,
    as_of=None,
    *,
    freq: str = "D",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    margin_col: str | None = "margin",
) -> pd.DataFrame:
    """One row per customer: the RFM and BTYD summary every later method starts from.

    Definitions follow the buy-till-you-die literature (as in ``lifetimes``), counted in
    periods of ``freq`` (``"D"`` days, ``"W"`` weeks, ``"M"`` months); several orders in
    one period count as one purchase. Orders after ``as_of`` are ignored.

    Parameters
    ----------
    orders : CustomerBase or DataFrame
        A customer base (its ``orders``) or one row per order with a customer, a
        date-time and an amount.
    as_of : date-like, optional
        End of the observation window; by default the base's own date (a plain orders
        table has none, so it must be given).
    freq : {"D", "W", "M"}
        Length of a period.
    customer_col, date_col, amount_col, margin_col : str
        Column names in ``orders``; ``margin_col`` may be None or absent.

    Returns
    -------
    DataFrame indexed by customer with columns

    - ``frequency``: number of repeat purchase periods (periods with a purchase, minus the first);
    - ``recency``: periods between the first and the last purchase (0 for one-time buyers);
    - ``T``: periods between the first purchase and ``as_of`` (the customer's age);
    - ``monetary_value``: mean amount per repeat purchase period (0 without repeats);
    - ``n_orders``, ``revenue``, ``margin`` (if available), ``first_order``, ``last_order``,
      ``days_since_last`` (practitioner's recency, in days).

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-31", "2025-01-20"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> summarize(orders, as_of="2025-02-10")[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency   T  monetary_value
    customer_id                                        
    a                    2       30  40            30.0
    b                    0        0  21             0.0
    """
    func = "summarize"
    base = orders if isinstance(orders, CustomerBase) else None
    if base is not None:
        orders = base.orders
    elif not isinstance(orders, pd.DataFrame):
        raise InvalidArgumentError(f"The 'orders' parameter of {func} must be a CustomerBase or an orders DataFrame. "
                                   f"Got {type(orders).__name__}.")
    if as_of is None and base is None:
        raise InvalidArgumentError("The 'as_of' parameter is required: give a date such as '2025-12-31' "
                                   "(an orders table has no date of its own).")
    as_of = resolve_as_of(base, as_of, func)
    if freq not in ("D", "W", "M"):
        raise InvalidArgumentError(f"The 'freq' parameter of summarize must be 'D', 'W' or 'M'. Got {freq!r}.")
    for col, param in ((customer_col, "customer_col"), (date_col, "date_col"), (amount_col, "amount_col")):
        check_column(orders, col, param, func)
    ts = to_timestamp(as_of)
    end = end_of_day(ts)
    validate_orders(orders, func, customer_col=customer_col, date_col=date_col)
    dates = orders[date_col]
    keep = (dates <= end).to_numpy()
    if not keep.any():
        if len(orders) == 0:
            raise DataValidationError("orders is empty: there is nothing to summarise.")
        raise DataValidationError(
            f"as_of={ts.date()} is before the first order ({dates.min().date()}): no order is known at that date."
        )
    has_margin = margin_col is not None and margin_col in orders.columns
    # Every per-order array below is as long as the orders (16 MB per million): the ones not
    # needed any more are dropped as soon as possible, and no copy is made when every order is kept.
    every = bool(keep.all())

    def kept(values: np.ndarray) -> np.ndarray:
        return values if every else values[keep]

    codes, uniques = factorize_sorted_index(orders[customer_col], keep)
    per = periods(dates if every else dates[keep], freq)
    # One stable sort by customer; rows keep their original order within a customer, as
    # a groupby would, so the compensated sums below match pandas' to the last bit.
    by_customer = stable_order(codes)
    cust_start = group_starts(codes[by_customer])
    # Rows ordered by (customer, period): already so when the orders come sorted by date.
    low = per.min()
    # key = codes * span + (per - low), computed in place (the same integers, one array at a time: #14)
    key = codes.astype(np.int64)
    key *= per.max() - low + 1
    key += per
    key -= low
    by_period = by_customer
    in_customer_order = key[by_customer]
    out_of_order = bool(np.any(in_customer_order[1:] < in_customer_order[:-1]))
    del in_customer_order
    if out_of_order:
        by_period = stable_order(key)
    key_sorted = key[by_period]
    del key
    period_start = group_starts(key_sorted)
    del key_sorted
    amount = group_sums(kept(orders[amount_col].to_numpy(dtype=float))[by_period], period_start)
    n_in_period = np.diff(np.r_[period_start, len(by_period)])
    at_start = by_period[period_start]
    del by_period, period_start
    # Each per-order array goes as soon as its per-period copy is made (the peak of summarize, #14).
    c_idx = codes[at_start]
    del codes
    p_idx = per[at_start]
    del per, at_start
    first_pos = group_starts(c_idx)
    counts = np.diff(np.r_[first_pos, len(c_idx)])
    first_p = p_idx[first_pos]
    last_p = p_idx[first_pos + counts - 1]
    revenue = np.add.reduceat(amount, first_pos)
    n_orders = np.add.reduceat(n_in_period, first_pos)
    end_p = periods(pd.Series([ts]), freq)[0]
    frequency = counts - 1
    repeat_amount = revenue - amount[first_pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_amount / np.maximum(frequency, 1), 0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency.astype(np.int64),
            "recency": (last_p - first_p).astype(np.int64),
            "T": (end_p - first_p).astype(np.int64),
            "monetary_value": monetary,
            "n_orders": n_orders.astype(np.int64),
            "revenue": revenue,
        },
        index=pd.Index(uniques, name="customer_id"),
    )
    if has_margin:
        out["margin"] = group_sums(kept(orders[margin_col].to_numpy(dtype=float))[by_customer], cust_start)
    sorted_dates = kept(dates.to_numpy())[by_customer]
    del by_customer
    out["first_order"] = np.minimum.reduceat(sorted_dates, cust_start)
    out["last_order"] = np.maximum.reduceat(sorted_dates, cust_start)
    out["days_since_last"] = (ts.normalize() - out["last_order"].dt.normalize()).dt.days.astype(np.int64)
    return out


def timeline(base: CustomerBase, customer_id, *, as_of=None) -> pd.DataFrame:
    """Every dated event of one customer, oldest first: orders, interactions, complaints, surveys, referrals.

    With ``as_of``, only what was known on that date (the base's :meth:`~CustomerBase.snapshot`);
    by default everything in the base.

    Returns a DataFrame with ``date``, ``event`` (order, a kind of interaction, complaint,
    survey, referral), ``amount`` (orders) and ``detail`` (a short text).

    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> tl = timeline(base, base.orders.customer_id.iloc[0])
    >>> list(tl.columns)
    ['date', 'event', 'amount', 'detail']
    """
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"The 'base' parameter of timeline must be a CustomerBase. Got {type(base).__name__}.")
    if as_of is not None:
        base = base.snapshot(as_of)
    known = set(base.orders.customer_id.astype(str))
    if base.customers is not None:
        known |= set(base.customers.customer_id.astype(str))
    if str(customer_id) not in known:
        raise InvalidArgumentError(f"No customer {customer_id!r} in {base.name}.")
    parts = []
    o = base.orders.loc[base.orders.customer_id == customer_id]
    parts.append(pd.DataFrame({"date": o.order_date, "event": "order", "amount": o.amount,
                               "detail": o.product_line.astype(str) + " via " + o.channel.astype(str) if "product_line" in o else ""}))
    if base.interactions is not None:
        i = base.interactions.loc[base.interactions.customer_id == customer_id]
        parts.append(pd.DataFrame({"date": i.date, "event": i.kind.astype(str), "amount": np.nan,
                                   "detail": i.rep.astype(object).fillna("").astype(str)}))
    if base.complaints is not None:
        c = base.complaints.loc[base.complaints.customer_id == customer_id]
        parts.append(pd.DataFrame({"date": c.opened_at, "event": "complaint", "amount": np.nan,
                                   "detail": c.cause.astype(str) + " (" + c.resolution.astype(str) + ")"}))
    if base.surveys is not None:
        s = base.surveys.loc[base.surveys.customer_id == customer_id]
        parts.append(pd.DataFrame({"date": s.date, "event": "survey", "amount": np.nan,
                                   "detail": "satisfaction " + s.satisfaction.astype(str) + "/5"}))
    if base.referrals is not None:
        r = base.referrals.loc[base.referrals.referrer_id == customer_id]
        parts.append(pd.DataFrame({"date": r.referred_at, "event": "referral", "amount": np.nan,
                                   "detail": np.where(r.converted, "converted", "not converted")}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["date", "event", "amount", "detail"])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["date", "event"], kind="stable").reset_index(drop=True)
