"""Why retention pays (保持老客户的经济性): a calculator from costs, retention and margin to CLV and cohort profit.

The rules of thumb ("acquiring costs 2-6x keeping", "a few points of retention move profit a lot") become calculations to test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .deprecation import keyword_only_after, renamed_parameters
from .data import CustomerBase, check_data, end_of_day, require_columns, to_timestamp, validate_orders
from .errors import DataValidationError, InvalidArgumentError
from .i18n import label, register_labels
from .value import customer_lifetime_value  # the one CLV formula (re-exported here)

__all__ = [
    "CRM_DIMENSIONS",
    "cohort_profit",
    "customer_lifetime_value",
    "acquisition_vs_retention",
    "retention_sensitivity",
    "retention_by_period",
    "empirical_retention",
    "customer_growth",
]

register_labels({
    "retention_rate": ("Retention rate", "客户保持率"),
    "acquisition_cost": ("Acquisition cost", "获客成本"),
    "retention_cost": ("Retention cost", "保持成本"),
    "margin_per_period": ("Margin per period", "每期毛利"),
    "discount_rate": ("Discount rate", "折现率"),
    "period": ("Period", "期"),
    "profit": ("Profit", "利润"),
    "discounted_profit": ("Discounted profit", "折现利润"),
    "cumulative_npv": ("Cumulative NPV", "累计净现值"),
    "customers_alive": ("Customers still buying", "留存客户数"),
    "crm_dimension": ("CRM dimension", "客户关系管理维度"),
    "revenue_per_customer": ("Revenue per active customer", "每位活跃客户的销售额"),
    "key_share": ("Share of key customers", "关键客户占比"),
    "repeat_share": ("Share of returning customers", "老客户占比"),
    "number_effect": ("From the number of customers", "来自客户数量"),
    "quality_effect": ("From the quality of customers", "来自客户质量"),
    "revenue_change": ("Change in revenue", "销售额变化"),
})

# The four dimensions of CRM and where the kit addresses each (notebook numbers and functions).
# english/chinese are the dimensions' labels in the registry (i18n.LABELS["select"], ...).
CRM_DIMENSIONS = pd.DataFrame(
    [
        (d, label(d, "en"), label(d, "zh"), description, notebooks, functions)
        for d, description, notebooks, functions in [
            ("select",
             "Decide which customers are worth serving, and how much: value, concentration, tiers, types.",
             "03, 06", "segment.assign_tiers, segment.concentration, customer_types.classify_types"),
            ("acquire",
             "Win the right new customers through channels, leads and referrals, at a cost the lifetime value can repay.",
             "05, 12", "lifecycle.lifecycle_stage, segment.lead_levels, economics.acquisition_vs_retention"),
            ("retain",
             "Keep customers buying: satisfaction, complaint handling, early warning of churn, retention programs.",
             "08, 09, 10", "economics.retention_sensitivity, economics.empirical_retention"),
            ("expand",
             "Grow what each kept customer is worth: upsell, cross-sell, lifetime value, key-account plans.",
             "10, 11", "economics.customer_lifetime_value, economics.cohort_profit"),
        ]
    ],
    columns=["dimension", "english", "chinese", "description", "notebooks", "functions"],
).set_index("dimension")


# ---------------------------------------------------------------------------
# argument checks

def _rate(value, name: str, func: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr >= 1):
        raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a rate in [0, 1), e.g. 0.8 for 80%. Got {value!r}.")
    return arr


def _nonneg(value, name: str, func: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a number >= 0. Got {value!r}.")
    return arr


def _finite(value, name: str, func: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a finite number. Got {value!r}.")
    return arr


def _periods_arg(periods, func: str, *, allow_none: bool = False):
    if periods is None and allow_none:
        return None
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise InvalidArgumentError(f"The 'periods' parameter of {func} must be a positive whole number of periods. Got {periods!r}.")
    return int(periods)


# ---------------------------------------------------------------------------
# the calculator

def cohort_profit(n_customers: int, *, acquisition_cost: float, retention_cost: float, retention_rate: float,
                  margin_per_period: float, discount_rate: float, periods: int) -> pd.DataFrame:
    """Profit of one cohort of newly acquired customers, period by period.

    Same model as :func:`customer_lifetime_value`: period 0 pays the acquisition; in each
    later period the business spends ``retention_cost`` on every customer it had at the end
    of the previous period, and a share ``retention_rate`` of them stays and brings
    ``margin_per_period``. The last ``cumulative_npv`` equals ``n_customers`` times the
    finite-horizon CLV.

    Parameters
    ----------
    n_customers : int
        Size of the cohort (> 0).
    acquisition_cost, retention_cost : float
        Spend per customer, >= 0.
    retention_rate, discount_rate : float
        Per period, in [0, 1).
    margin_per_period : float
        Margin of a kept customer per period.
    periods : int
        Number of periods after acquisition (>= 1).

    Returns
    -------
    DataFrame indexed by ``period`` (0..periods) with ``customers_alive``, ``margin``,
    ``retention_spend``, ``acquisition_spend``, ``profit``, ``discounted_profit`` and
    ``cumulative_npv``.

    Examples
    --------
    >>> t = cohort_profit(1000, acquisition_cost=200, retention_cost=20, retention_rate=0.8,
    ...                   margin_per_period=100, discount_rate=0.1, periods=5)
    >>> t["customers_alive"].round(1).tolist()
    [1000.0, 800.0, 640.0, 512.0, 409.6, 327.7]
    >>> round(t["cumulative_npv"].iloc[-1])
    -40693
    """
    func = "cohort_profit"
    n = _nonneg(n_customers, "n_customers", func)
    if n.ndim != 0 or float(n) <= 0:
        raise InvalidArgumentError(f"The 'n_customers' parameter of {func} must be a positive number. Got {n_customers!r}.")
    a = float(_nonneg(acquisition_cost, "acquisition_cost", func))
    c = float(_nonneg(retention_cost, "retention_cost", func))
    r = float(_rate(retention_rate, "retention_rate", func))
    d = float(_rate(discount_rate, "discount_rate", func))
    m = float(_finite(margin_per_period, "margin_per_period", func))
    periods = _periods_arg(periods, func)
    t = np.arange(periods + 1)
    alive = float(n) * r**t
    margin = np.where(t > 0, alive * m, 0.0)
    retention_spend = np.r_[0.0, alive[:-1] * c]
    acquisition_spend = np.where(t == 0, float(n) * a, 0.0)
    profit = margin - retention_spend - acquisition_spend
    discounted = profit / (1 + d) ** t
    return pd.DataFrame({
        "customers_alive": alive,
        "margin": margin,
        "retention_spend": retention_spend,
        "acquisition_spend": acquisition_spend,
        "profit": profit,
        "discounted_profit": discounted,
        "cumulative_npv": np.cumsum(discounted),
    }, index=pd.Index(t, name="period"))


def acquisition_vs_retention(budget: float, *, acquisition_cost: float, retention_cost: float, margin_per_period: float,
                             retention_rate: float, discount_rate: float, customers_at_risk: float,
                             steps: int = 11) -> pd.DataFrame:
    """Move a fixed budget from winning new customers to keeping customers who would leave.

    The "a new customer costs 2 to 6 times as much as keeping one" claim, as a calculation.
    ``acquisition_cost / retention_cost`` customers can be kept for the cost of winning one
    (column ``kept_per_new``). A share ``s`` of the budget goes to retention, the rest to
    acquisition:

    - ``new_customers = (1 - s) * budget / acquisition_cost``, each worth the CLV of a new
      customer, ``m * r / (1 + d - r)`` (it must survive to period 1 to buy);
    - ``customers_kept = min(s * budget / retention_cost, customers_at_risk)``: each kept
      customer stays into next period for sure, worth ``m / (1 + d - r)``. No more can be
      kept than would have left: beyond that, retention money is wasted.

    ``profit = value_created - budget``. Here ``retention_cost`` is the cost of keeping one
    customer *who would otherwise have left*; if retention money is spread over customers
    who would have stayed anyway, divide what is spent per customer by the share it saves.

    Parameters
    ----------
    budget : float
        Money to split, > 0.
    acquisition_cost, retention_cost : float
        Cost of winning one customer and of keeping one at-risk customer, > 0.
    margin_per_period : float
        Margin of a customer per period.
    retention_rate, discount_rate : float
        Per period, in [0, 1).
    customers_at_risk : float
        How many existing customers would leave this period without the spend (>= 0).
    steps : int
        Number of budget splits from 0% to 100% to retention (>= 2).

    Returns
    -------
    DataFrame, one row per split: ``share_to_retention``, ``acquisition_spend``,
    ``retention_spend``, ``new_customers``, ``customers_kept``, ``value_created``,
    ``profit`` and ``kept_per_new``.

    Examples
    --------
    >>> t = acquisition_vs_retention(10_000, acquisition_cost=200, retention_cost=50, margin_per_period=100,
    ...                              retention_rate=0.7, discount_rate=0.1, customers_at_risk=100)
    >>> t["kept_per_new"].iloc[0]
    np.float64(4.0)
    >>> t.loc[t["profit"].idxmax(), "share_to_retention"]
    np.float64(0.5)
    """
    func = "acquisition_vs_retention"
    b = float(_nonneg(budget, "budget", func))
    a = float(_nonneg(acquisition_cost, "acquisition_cost", func))
    c = float(_nonneg(retention_cost, "retention_cost", func))
    for name, value in (("budget", b), ("acquisition_cost", a), ("retention_cost", c)):
        if value <= 0:
            raise InvalidArgumentError(f"The {name!r} parameter of {func} must be > 0. Got {value!r}.")
    m = float(_finite(margin_per_period, "margin_per_period", func))
    r = float(_rate(retention_rate, "retention_rate", func))
    d = float(_rate(discount_rate, "discount_rate", func))
    at_risk = float(_nonneg(customers_at_risk, "customers_at_risk", func))
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise InvalidArgumentError(f"The 'steps' parameter of {func} must be a whole number >= 2. Got {steps!r}.")
    share = np.linspace(0.0, 1.0, int(steps))
    new = (1 - share) * b / a
    kept = np.minimum(share * b / c, at_risk)
    clv = customer_lifetime_value(m, r, d)
    # a kept customer brings this period's margin and, from the next, a new customer's CLV: both a period away
    created = new * clv + kept * (m + clv) / (1 + d)
    return pd.DataFrame({
        "share_to_retention": share,
        "acquisition_spend": (1 - share) * b,
        "retention_spend": share * b,
        "new_customers": new,
        "customers_kept": kept,
        "value_created": created,
        "profit": created - b,
        "kept_per_new": a / c,
    })


def retention_sensitivity(margin_per_period: float, *, current: float, discount_rate: float, step: float = 0.05,
                          retention_cost: float = 0.0, acquisition_cost: float = 0.0, periods: int | None = None,
                          rates=None) -> pd.DataFrame:
    """CLV and net value per customer as a function of the retention rate.

    Tests the claim that a few points more retention move profit a lot. The change is
    large when the customer's value is a thin surplus over its acquisition cost (net
    value near zero), and when retention is already high (the expected lifetime
    ``1 / (1 - r)`` grows fastest there); it is small when acquisition is cheap and
    retention low.

    Parameters
    ----------
    margin_per_period : float
        Margin of a kept customer per period.
    current : float
        Today's retention rate, in [0, 1).
    discount_rate : float
        Per period, in [0, 1).
    step : float
        The improvement to test, in retention points (0.05 = +5 points); ``current + step`` must stay below 1.
    retention_cost, acquisition_cost : float
        Per customer, as in :func:`customer_lifetime_value`.
    periods : int, optional
        Finite horizon; None for the infinite horizon.
    rates : array-like, optional
        Retention rates to evaluate; default 0 to 0.95 by 0.01. ``current`` and ``current + step`` are always added.

    Returns
    -------
    DataFrame, one row per rate: ``retention_rate``, ``expected_lifetime`` (periods, ``1 / (1 - r)``),
    ``clv`` (before acquisition cost), ``net_value`` (after it), ``net_value_ratio`` (to the
    net value at ``current``), ``is_current`` and ``is_improved`` (the row at ``current + step``).

    Examples
    --------
    >>> t = retention_sensitivity(100, current=0.8, discount_rate=0.1, acquisition_cost=200)
    >>> t.loc[t["is_improved"], "net_value_ratio"].round(2).item()
    2.1
    """
    func = "retention_sensitivity"
    cur = float(_rate(current, "current", func))
    _rate(discount_rate, "discount_rate", func)
    step = float(_finite(step, "step", func))
    _rate(cur + step, "current + step", func)
    grid = np.round(np.arange(0.0, 0.96, 0.01), 10) if rates is None else _rate(rates, "rates", func).ravel()
    grid = np.unique(np.round(np.r_[grid, cur, cur + step], 10))
    clv = customer_lifetime_value(margin_per_period, grid, discount_rate, periods, retention_cost=retention_cost)
    net = clv - float(_nonneg(acquisition_cost, "acquisition_cost", func))
    net_now = net[grid == round(cur, 10)][0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = net / net_now if net_now != 0 else np.full_like(net, np.nan)
    return pd.DataFrame({
        "retention_rate": grid,
        "expected_lifetime": 1 / (1 - grid),
        "clv": clv,
        "net_value": net,
        "net_value_ratio": ratio,
        "is_current": grid == round(cur, 10),
        "is_improved": grid == round(cur + step, 10),
    })


# ---------------------------------------------------------------------------
# starting from data

_PERIODS = {"Y": "Y", "Q": "Q"}


def _orders_and_as_of(base, as_of, func: str, value: str):
    if isinstance(base, CustomerBase):
        orders = base.orders
        as_of = base.as_of if as_of is None else as_of
        truth = base.truth if "truth" in base.tables else None
    elif isinstance(base, pd.DataFrame):
        if as_of is None:
            raise InvalidArgumentError(f"{func} needs 'as_of' when given an orders DataFrame, e.g. as_of='2025-12-31'.")
        orders, truth = base, None
    else:
        raise InvalidArgumentError(f"{func} needs a CustomerBase or an orders DataFrame. Got {type(base).__name__}.")
    validate_orders(orders, func)
    require_columns(orders, (value,), func)
    cutoff = end_of_day(to_timestamp(as_of))
    orders = orders[orders["order_date"] <= cutoff]
    if orders.empty:
        raise DataValidationError(f"{func}: no orders on or before as_of={cutoff.date()}; choose a later 'as_of'.")
    return orders, cutoff, truth


@renamed_parameters(period="freq")
def retention_by_period(base, as_of=None, *, freq: str = "Y", value: str = "margin") -> pd.DataFrame:
    """Observed retention from one period to the next, with value per active customer.

    A customer is *active* in a period when they ordered in it. Retention from period
    ``t-1`` to ``t`` is the share of customers active in ``t-1`` who are active again in
    ``t`` (回头率 at the period level). Only periods complete on ``as_of`` are used.
    A customer who is still a customer but skipped a period counts as lost: observed
    retention understates true retention, more so with short periods.

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A customer base, or orders with ``customer_id``, ``order_date`` and ``value``.
    as_of : date-like, optional
        End of observation; defaults to ``base.as_of`` for a CustomerBase, required for orders.
    freq : {"Y", "Q"}
        Years or quarters (``period``, its old name, still works for one release, with a DeprecationWarning).
    value : str
        Column summed as the value per customer (``"margin"``; use ``"amount"`` when
        there is no margin: then it is revenue, not margin).

    Returns
    -------
    DataFrame indexed by period (text such as ``"2024"`` or ``"2024Q3"``) with
    ``active_customers``, ``new_customers`` (first order ever in the period),
    ``retained_customers`` (also active in the previous period), ``retention_rate``
    (NaN for the first period), ``value_per_customer``, and, when the base has a
    ``truth`` table, ``true_retention_rate``: the share of the previous period's active
    customers who had truly not left by the start of the period.

    Examples
    --------
    >>> import playbook
    >>> t = retention_by_period(playbook.load_dataset("retail"))
    >>> t.index.tolist()
    ['2023', '2024', '2025']
    """
    func = "retention_by_period"
    if freq not in _PERIODS:
        raise InvalidArgumentError(f"The 'freq' parameter of {func} must be 'Y' or 'Q'. Got {freq!r}.")
    orders, cutoff, truth = _orders_and_as_of(base, as_of, func, value)
    per = orders["order_date"].dt.to_period(freq)
    complete = per.dt.end_time <= cutoff
    first_ever = orders.groupby("customer_id", observed=True)["order_date"].transform("min").dt.to_period(freq)
    orders = orders.assign(_period=per, _first=first_ever)[complete]
    if orders["_period"].nunique() < 2:
        raise DataValidationError(
            f"{func} needs orders in at least two complete periods of {freq!r} on or before {cutoff.date()}; "
            "use freq='Q' or a later 'as_of'.")
    periods = pd.period_range(orders["_period"].min(), orders["_period"].max(), freq=freq)
    active: dict[pd.Period, set] = {p: set() for p in periods}
    for p, ids in orders.groupby("_period", observed=True)["customer_id"]:
        active[p] = set(ids)
    values = orders.groupby("_period", observed=True)[value].sum()
    new = orders.loc[orders["_period"] == orders["_first"]].groupby("_period", observed=True)["customer_id"].nunique()
    dropout = None
    if truth is not None and "dropout_date" in truth.columns:
        dropout = truth.set_index("customer_id")["dropout_date"]
    rows = []
    for i, p in enumerate(periods):
        prev = active[periods[i - 1]] if i else set()
        n = len(active[p])
        row = {"period": str(p), "active_customers": n, "new_customers": int(new.get(p, 0)),
               "retained_customers": len(prev & active[p]) if i else np.nan,
               "retention_rate": len(prev & active[p]) / len(prev) if i and prev else np.nan,
               "value_per_customer": float(values.get(p, 0.0)) / n if n else np.nan}
        if dropout is not None:
            d = dropout.reindex(sorted(prev))
            still = d.isna() | (d >= p.start_time)
            row["true_retention_rate"] = float(still.mean()) if len(prev) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("period")


def _clv_observed(m: float, r: float, d: float) -> float:
    # an observed rate may be exactly 1 (nobody left yet): the closed form still holds when d > 0
    if r >= 1 and d == 0:
        return np.inf
    return float(customer_lifetime_value(m, r, d))


@keyword_only_after(2)
@renamed_parameters(period="freq")
def empirical_retention(base, as_of=None, *, freq: str = "Y", value: str = "margin",
                        discount_rate: float = 0.10) -> pd.Series:
    """Retention rate, value per customer per period and a simple CLV, estimated from orders.

    Pools :func:`retention_by_period` over all complete periods: ``retention_rate`` is the
    number of retained customers over the number who could have been retained, and
    ``margin_per_period`` the ``value`` summed over all complete periods divided by the
    number of active customer-periods. The CLV is :func:`customer_lifetime_value` with
    these two numbers (infinite horizon, no costs). ``discount_rate`` is yearly; for
    quarters it becomes ``(1 + d) ** 0.25 - 1``.

    Parameters
    ----------
    base, as_of, freq, value
        As in :func:`retention_by_period` (``period``, its old name, still works for one release, with a DeprecationWarning).
    discount_rate : float
        Yearly discount rate, in [0, 1).

    Returns
    -------
    Series with ``period``, ``n_periods``, ``retention_rate``, ``margin_per_period``,
    ``discount_rate`` (per period), ``clv``, ``expected_lifetime`` (periods), and
    ``true_retention_rate`` when the base has a ``truth`` table.

    Examples
    --------
    >>> import playbook
    >>> est = empirical_retention(playbook.load_dataset("retail"))
    >>> 0.3 < est["retention_rate"] < 0.7
    True
    """
    func = "empirical_retention"
    check_data(base, func)
    d_year = float(_rate(discount_rate, "discount_rate", func))
    table = retention_by_period(base, as_of, freq=freq, value=value)
    later = table.iloc[1:]
    could = table["active_customers"].iloc[:-1].to_numpy()
    r = float(later["retained_customers"].sum() / could.sum()) if could.sum() else np.nan
    m = float((table["value_per_customer"] * table["active_customers"]).sum() / table["active_customers"].sum())
    d = d_year if freq == "Y" else (1 + d_year) ** 0.25 - 1
    out = {"period": freq, "n_periods": len(table), "retention_rate": r, "margin_per_period": m,
           "discount_rate": d, "clv": _clv_observed(m, r, d), "expected_lifetime": 1 / (1 - r) if r < 1 else np.inf}
    if "true_retention_rate" in table.columns:
        true = (later["true_retention_rate"] * could).sum() / could.sum()
        out["true_retention_rate"] = float(true)
    return pd.Series(out, name=func)



def customer_growth(base, as_of=None, *, freq: str = "Y", value: str = "amount", key_revenue: float | None = None) -> pd.DataFrame:
    r"""How many customers, and how valuable: the two things CRM grows (客户数量的积累与客户质量的提升).

    A business can grow by having **more** active customers or **better** ones. For each
    complete period this counts the active customers (ordered in the period), the new ones
    (first order ever), and three signs of quality: ``revenue_per_customer``,
    ``repeat_share`` (active customers who had bought in an earlier period) and
    ``key_share`` (active customers whose spend in the period reached a fixed bar,
    ``key_revenue``). The bar is fixed so the share can move: by default it is the 80th
    percentile of spend per active customer in the first complete period.

    The change of revenue from one period to the next is split into a **number effect**
    and a **quality effect**. With ``n`` active customers and ``q`` revenue per customer,
    revenue is ``n * q`` and, exactly::

        Δrevenue = Δn * (q_before + q_after) / 2  +  Δq * (n_before + n_after) / 2
                   \_____ number_effect _____/     \_____ quality_effect _____/

    (each change valued at the average of the other factor, so the two parts add up with
    nothing left over).

    Parameters
    ----------
    base : CustomerBase or DataFrame
        A customer base, or orders with ``customer_id``, ``order_date`` and ``value``.
    as_of : date-like, optional
        End of observation; defaults to ``base.as_of``, required for an orders DataFrame.
    freq : {"Y", "Q"}
        Years or quarters; only complete periods are used.
    value : str
        Column summed as the customer's spend (``"amount"``, or ``"margin"``).
    key_revenue : float, optional
        Spend in one period at which an active customer counts as key (> 0).

    Returns
    -------
    DataFrame indexed by period (text such as ``"2024"``) with ``active_customers``,
    ``new_customers``, ``revenue``, ``revenue_per_customer``, ``repeat_share``,
    ``key_share``, ``revenue_change``, ``number_effect`` and ``quality_effect`` (the last
    three NaN in the first period); ``attrs["key_revenue"]`` holds the bar used.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "b", "a", "b", "c"],
    ...                        "order_date": pd.to_datetime(["2024-02-01", "2024-03-01", "2025-02-01",
    ...                                                      "2025-05-01", "2025-06-01"]),
    ...                        "amount": [100.0, 100.0, 150.0, 150.0, 150.0]})
    >>> g = customer_growth(orders, "2025-12-31")
    >>> g[["active_customers", "revenue_per_customer", "number_effect", "quality_effect"]].round(1)
            active_customers  revenue_per_customer  number_effect  quality_effect
    period                                                                       
    2024                   2                 100.0            NaN             NaN
    2025                   3                 150.0          125.0           125.0
    """
    func = "customer_growth"
    check_data(base, func)
    if freq not in _PERIODS:
        raise InvalidArgumentError(f"The 'freq' parameter of {func} must be 'Y' or 'Q'. Got {freq!r}.")
    if key_revenue is not None:
        bar = float(_finite(key_revenue, "key_revenue", func))
        if bar <= 0:
            raise InvalidArgumentError(f"The 'key_revenue' parameter of {func} must be > 0, a spend per period. Got {key_revenue!r}.")
    orders, cutoff, _ = _orders_and_as_of(base, as_of, func, value)
    per = orders["order_date"].dt.to_period(freq)
    first = orders.groupby("customer_id", observed=True)["order_date"].transform("min").dt.to_period(freq)
    keep = (per.dt.end_time <= cutoff).to_numpy()
    orders = orders.assign(_period=per, _first=first)[keep]
    if orders["_period"].nunique() < 2:
        raise DataValidationError(
            f"{func} needs orders in at least two complete periods of {freq!r} on or before {cutoff.date()}; "
            "use freq='Q' or a later 'as_of'.")
    spend = orders.groupby(["_period", "customer_id"], observed=True).agg(spend=(value, "sum"), first=("_first", "first"))
    spend = spend.reset_index()
    periods = pd.period_range(spend["_period"].min(), spend["_period"].max(), freq=freq)
    if key_revenue is None:
        bar = float(spend.loc[spend["_period"] == periods[0], "spend"].quantile(0.8))
    rows = []
    for p in periods:
        this = spend.loc[spend["_period"] == p]
        n = len(this)
        revenue = float(this["spend"].sum())
        rows.append({"period": str(p), "active_customers": n, "new_customers": int((this["first"] == p).sum()),
                     "revenue": revenue, "revenue_per_customer": revenue / n if n else np.nan,
                     "repeat_share": float((this["first"] < p).mean()) if n else np.nan,
                     "key_share": float((this["spend"] >= bar).mean()) if n else np.nan})
    out = pd.DataFrame(rows).set_index("period")
    n, q = out["active_customers"].astype(float), out["revenue_per_customer"].astype(float)
    out["revenue_change"] = out["revenue"].diff()
    out["number_effect"] = n.diff() * (q + q.shift()) / 2
    out["quality_effect"] = q.diff() * (n + n.shift()) / 2
    out.attrs["key_revenue"] = bar
    return out
