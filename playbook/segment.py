"""Segmentation (客户细分): how value concentrates among customers, and who is who.

The 80/20 table, Gini, ABC classes, key/important/general tiers and their policy, tier
migration, prospect levels and what losing given accounts would cost.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .data import CustomerBase, check_column, end_of_day, resolve_as_of, summarize, to_timestamp
from .deprecation import renamed_parameters
from .errors import DataValidationError, InvalidArgumentError, format_rows
from .i18n import register_labels

__all__ = [
    "top_share",
    "pareto_table",
    "gini",
    "abc_classes",
    "concentration",
    "assign_tiers",
    "tiers_at",
    "TIERS",
    "TIER_POLICY",
    "tier_policy",
    "tier_migration",
    "prospect_levels",
    "lead_levels",
    "loss_impact",
    "accounts_share_by_period",
]

TIERS = ("key", "important", "general")
PROSPECT_LEVELS = ("undifferentiated", "qualified", "key")
DEFAULT_WEIGHTS = {"revenue": 0.5, "n_orders": 0.25, "margin": 0.25}

register_labels({
    "abc_class": ("ABC class", "ABC分类"),
    "cum_share_of_revenue": ("Cumulative share of revenue", "累计销售额占比"),
    "cum_share_of_customers": ("Cumulative share of customers", "累计客户占比"),
    "cum_share_of_margin": ("Cumulative share of margin", "累计毛利占比"),
    "cum_share_of_n_orders": ("Cumulative share of orders", "累计订单占比"),
    "share_of_margin": ("Share of margin", "毛利占比"),
    "share_of_n_orders": ("Share of orders", "订单占比"),
    "share_of_total": ("Share of the total", "占总量比例"),
    "gini": ("Gini coefficient", "基尼系数"),
    "concentration": ("Concentration", "客户集中度"),
    "tier_score": ("Tier score", "分级得分"),
    "service_level": ("Service level", "服务等级"),
    "incentives": ("Incentives", "激励措施"),
    "contact_every_days": ("Contact every (days)", "跟进间隔（天）"),
    "tier_at_start": ("Tier at start", "期初分级"),
    "tier_at_end": ("Tier at end", "期末分级"),
    "migration_new": ("New (not active at start)", "新增（期初无购买）"),
    "migration_lapsed": ("Lapsed (no order in window)", "流失（窗口内无购买）"),
    "prospect_level": ("Prospect level", "潜在客户等级"),
    "undifferentiated": ("Undifferentiated", "无差别客户"),
    "qualified": ("Qualified", "合格客户"),
    "loss_impact": ("Cost of losing the accounts", "客户流失损失"),
})


def top_share(values, share: float = 0.2) -> float:
    """Fraction of the total held by the top ``share`` of customers (the 80/20 check, 二八法则).

    Parameters
    ----------
    values : array-like or Series
        One value per customer (revenue, margin, orders); negatives count as they are.
    share : float
        Fraction of customers at the top, between 0 and 1 (default 0.2).

    Returns
    -------
    float
        For example 0.8 when the top 20% hold 80%.

    Examples
    --------
    >>> top_share([100, 10, 5, 3, 2], share=0.2)
    0.8333333333333334
    """
    if not 0 < share <= 1:
        raise InvalidArgumentError(f"The 'share' parameter of top_share must be in (0, 1]. Got {share!r}.")
    v = np.asarray(pd.Series(values).to_numpy(dtype=float))
    if v.size == 0:
        raise DataValidationError("top_share got no values: there are no customers to rank.")
    if np.isnan(v).any():
        raise DataValidationError(f"top_share got {int(np.isnan(v).sum())} missing values; fill or drop them first.")
    total = v.sum()
    if total <= 0:
        raise DataValidationError("top_share needs a positive total; these values sum to zero or less.")
    k = max(1, int(np.ceil(share * v.size - 1e-9)))
    return float(np.sort(v)[::-1][:k].sum() / total)


# ---------------------------------------------------------------- per-customer values


def _is_orders(data: pd.DataFrame) -> bool:
    return "amount" in data.columns and "revenue" not in data.columns


def _orders_up_to(data, as_of, *, func: str, date_col: str = "order_date", param: str = "data"):
    """``data`` as orders (or a per-customer table) known on ``as_of``: a base gives its
    orders and, by default, its own date; orders after that date are dropped. A
    per-customer table is already counted up to its own date, so ``as_of`` is refused."""
    if isinstance(data, CustomerBase):
        ts = to_timestamp(as_of) if as_of is not None else data.as_of
        data = data.orders
    elif isinstance(data, pd.DataFrame):
        ts = to_timestamp(as_of) if as_of is not None else None
        if ts is not None and not _is_orders(data):
            raise InvalidArgumentError(
                f"The 'as_of' parameter of {func} applies to orders or a CustomerBase; this per-customer table is "
                "already counted up to its own date. Pass orders, or summarize(orders, as_of) first."
            )
    else:
        raise InvalidArgumentError(f"The '{param}' parameter of {func} must be a CustomerBase, orders or a summarize() "
                                   f"table. Got {type(data).__name__}.")
    if ts is not None:
        check_column(data, date_col, "as_of", func)
        data = data.loc[data[date_col] <= end_of_day(ts)]
    return data


def _per_customer(data, *, value: str, customer_col: str, func: str, as_of=None, param: str = "data") -> pd.DataFrame:
    """One row per customer indexed by ``customer_id``: orders (of a base, up to ``as_of``)
    are aggregated, summaries copied."""
    data = _orders_up_to(data, as_of, func=func, param=param)
    if _is_orders(data):
        check_column(data, customer_col, "customer_col", func)
        if data[customer_col].isna().any():
            bad = data.index[data[customer_col].isna()]
            raise DataValidationError(f"orders has missing {customer_col!r} in {format_rows(bad)}; drop or fix them.")
        cols = {"revenue": ("amount", "sum"), "n_orders": ("amount", "size")}
        if "margin" in data.columns:
            cols["margin"] = ("margin", "sum")
        table = data.groupby(data[customer_col].astype(str), sort=True).agg(**cols)
        table.index.name = "customer_id"
    else:
        table = data.copy()
        if customer_col in table.columns:
            table = table.set_index(customer_col)
        table.index = table.index.astype(str)
        table.index.name = "customer_id"
    if table.empty:
        raise DataValidationError(f"{func} got no customers: the table is empty.")
    check_column(table, value, "value", func, table="the per-customer table")
    missing = table.index[table[value].isna()]
    if len(missing):
        raise DataValidationError(f"{func}: column {value!r} is missing for {format_rows(missing)}; fill or drop them first.")
    if table.index.duplicated().any():
        dup = table.index[table.index.duplicated()]
        raise DataValidationError(f"{func} needs one row per customer; repeated ids: {format_rows(dup, dup)}. Pass orders instead.")
    return table


def _sorted(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Sort by value, biggest first; equal values keep customer-id order so results are reproducible."""
    return table.sort_index(kind="stable").sort_values(value, ascending=False, kind="stable")


def _cut(before: np.ndarray, keys: np.ndarray, cutoffs) -> np.ndarray:
    """Class 0, 1 or 2 from the share reached before each row; tied rows share their first row's class."""
    cls = np.searchsorted(np.asarray(cutoffs, dtype=float), before + 1e-12, side="right")
    cls = np.minimum(cls, len(cutoffs))
    if len(cls) == 0:
        return cls
    # a run of equal keys (a missing key is never equal: a run of its own) takes its first row's class
    change = np.concatenate([[True], keys[1:] != keys[:-1]])
    return cls[change][np.cumsum(change) - 1]


def _check_cutoffs(cutoffs, func: str, param: str = "cutoffs") -> tuple[float, float]:
    try:
        lo, hi = (float(c) for c in cutoffs)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"The '{param}' parameter of {func} must be two numbers like (0.8, 0.95). Got {cutoffs!r}.") from None
    if not 0 < lo < hi <= 1:
        raise InvalidArgumentError(f"The '{param}' parameter of {func} must satisfy 0 < first < second <= 1. Got {cutoffs!r}.")
    return lo, hi


def pareto_table(data, as_of=None, *, value: str = "revenue", customer_col: str = "customer_id") -> pd.DataFrame:
    """The 80/20 table (二八法则): customers ranked by value with cumulative shares.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A customer base (its orders), orders (``customer_id``, ``amount``, optional
        ``margin``; summed per customer into ``revenue``, ``margin`` and ``n_orders``) or a
        per-customer table such as :func:`playbook.summarize` output.
    as_of : date-like, optional
        Count only orders up to this date (the whole day). A base defaults to its own
        date; orders default to all of them; a per-customer table takes no date.
    value : str
        Column to rank by (default ``"revenue"``).
    customer_col : str
        Customer column of orders (ignored for a table indexed by customer).

    Returns
    -------
    DataFrame indexed by ``customer_id``, biggest first, with the per-customer columns plus
    ``rank`` (1 = biggest), ``share_of_customers`` (cumulative: rank / n),
    ``share_of_value`` (this customer's share of ``value``), ``cum_share_of_value``,
    ``cum_share_revenue`` and ``cum_share_margin`` (when those columns exist).
    Customers with a negative net value (refunds) count as they are, so a cumulative
    share can pass 1 before the last rows bring it back.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [60.0, 20.0, 15.0, 5.0]})
    >>> pareto_table(orders)[["rank", "share_of_customers", "cum_share_of_value"]].round(2)
                 rank  share_of_customers  cum_share_of_value
    customer_id                                              
    a               1                0.33                0.80
    b               2                0.67                0.95
    c               3                1.00                1.00
    """
    table = _sorted(_per_customer(data, value=value, customer_col=customer_col, func="pareto_table", as_of=as_of), value)
    total = pareto_total(table[value], value)
    n = len(table)
    out = table.copy()
    out["rank"] = np.arange(1, n + 1)
    out["share_of_customers"] = out["rank"] / n
    out["share_of_value"] = out[value] / total
    out["cum_share_of_value"] = out[value].cumsum() / total
    for col in ("revenue", "margin"):
        if col in out.columns:
            col_total = float(out[col].sum())
            out[f"cum_share_{col}"] = out[col].cumsum() / col_total if col_total != 0 else np.nan
    return out


def pareto_total(ranked: pd.Series, value: str = "revenue") -> float:
    """The total :func:`pareto_table` divides by: ``ranked`` (the customers' values, biggest first) summed in that
    order; a total of zero or less is refused, as the table refuses it.

    >>> pareto_total(pd.Series([3.0, 1.0]))
    4.0
    """
    total = float(ranked.sum())
    if total <= 0:
        raise DataValidationError(f"pareto_table needs a positive total of {value!r}; it sums to {total:,.2f}.")
    return total


def gini(values) -> float:
    """Gini coefficient (基尼系数) of customer values: 0 when all are equal, near 1 when one has all.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer.

    Returns
    -------
    float

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 10])
    0.75
    """
    v = np.asarray(pd.Series(values).to_numpy(dtype=float))
    if v.size == 0:
        raise DataValidationError("gini got no values: there are no customers.")
    if np.isnan(v).any():
        raise DataValidationError(f"gini got {int(np.isnan(v).sum())} missing values; fill or drop them first.")
    if (v < 0).any():
        raise DataValidationError(f"gini needs non-negative values; {int((v < 0).sum())} are negative (net refunds). "
                                  "Clip them at zero first, e.g. values.clip(lower=0).")
    total = v.sum()
    if total == 0:
        raise DataValidationError("gini needs a positive total; all values are zero.")
    v = np.sort(v)
    n = v.size
    return float(2 * np.sum(np.arange(1, n + 1) * v) / (n * total) - (n + 1) / n)


def abc_classes(data, as_of=None, *, value: str = "revenue", cutoffs=(0.8, 0.95), customer_col: str = "customer_id") -> pd.DataFrame:
    """ABC classes (ABC分类): A up to ``cutoffs[0]`` of cumulative value, B up to ``cutoffs[1]``, C the rest.

    A customer is in A when the customers ranked above it hold less than ``cutoffs[0]``
    of the value (so the one crossing 80% is in A); customers with equal values always
    share a class.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base, orders or a per-customer table (see :func:`pareto_table`).
    as_of : date-like, optional
        Count only orders up to this date (see :func:`pareto_table`).
    value : str
    cutoffs : (float, float)
        Cumulative shares with 0 < first < second <= 1.
    customer_col : str

    Returns
    -------
    DataFrame: :func:`pareto_table` plus ``abc_class`` (ordered categorical A < B < C).

    Examples
    --------
    >>> abc_classes(pd.DataFrame({"revenue": [70, 15, 10, 3, 2]}, index=list("abcde")))["abc_class"].tolist()
    ['A', 'A', 'B', 'C', 'C']
    """
    cutoffs = _check_cutoffs(cutoffs, "abc_classes")
    table = pareto_table(data, as_of, value=value, customer_col=customer_col)
    before = (table["cum_share_of_value"] - table["share_of_value"]).to_numpy()
    cls = _cut(before, table[value].to_numpy(), cutoffs)
    table["abc_class"] = pd.Categorical(np.array(["A", "B", "C"])[cls], categories=["A", "B", "C"], ordered=True)
    return table


def concentration(data, as_of=None, *, value: str = "revenue", top_n=(1, 3, 4, 10), customer_col: str = "customer_id") -> pd.DataFrame:
    """How concentrated value is (客户集中度): top-N shares, accounts making half, top-20% share, Gini.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base, orders or a per-customer table (see :func:`pareto_table`).
    as_of : date-like, optional
        Count only orders up to this date (see :func:`pareto_table`).
    value : str
    top_n : sequence of int
        Account counts N for the ``top_N_share`` columns (all accounts when N exceeds their number).
    customer_col : str

    Returns
    -------
    One-row DataFrame: ``n_customers``, ``total``, ``top_N_share`` per N,
    ``n_for_half`` (fewest accounts whose value reaches half the total),
    ``share_for_half`` (those accounts as a share of customers), ``top20_share`` and
    ``gini`` (customers with a negative net value count as zero in the Gini).

    Examples
    --------
    >>> concentration(pd.DataFrame({"revenue": [50, 30, 10, 10]}, index=list("abcd")), top_n=(1,))[
    ...     ["top_1_share", "n_for_half", "top20_share"]]
       top_1_share  n_for_half  top20_share
    0          0.5           1          0.5
    """
    ns = [int(n) for n in np.atleast_1d(top_n)]
    if any(n < 1 for n in ns):
        raise InvalidArgumentError(f"The 'top_n' parameter of concentration must hold positive counts. Got {top_n!r}.")
    table = pareto_table(data, as_of, value=value, customer_col=customer_col)
    cum = table["cum_share_of_value"].to_numpy()
    n = len(table)
    row = {"n_customers": n, "total": float(table[value].sum())}
    for k in ns:
        row[f"top_{k}_share"] = float(cum[min(k, n) - 1])
    n_half = int(np.argmax(cum >= 0.5 - 1e-12)) + 1
    row["n_for_half"] = n_half
    row["share_for_half"] = n_half / n
    row["top20_share"] = top_share(table[value], 0.2)
    row["gini"] = gini(table[value].clip(lower=0))
    return pd.DataFrame([row])


# ---------------------------------------------------------------- tiers


def assign_tiers(
    summary,
    as_of=None,
    *,
    cutoffs=(0.05, 0.20),
    basis: str = "customers",
    weights: dict | None = None,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Key / important / general tiers (关键客户/重点客户/一般客户) from a value score.

    The score blends volume, frequency and profit: each column in ``weights`` is turned
    into its percentile rank among customers (0 to 1), and the score is their weighted
    mean (default: revenue 0.5, number of orders 0.25, margin 0.25; margin is dropped and
    the weights renormalised when the data has none). Customers are ranked by score,
    then cut:

    - ``basis="customers"``: the top ``cutoffs[0]`` of customers are key, the next ones up
      to ``cutoffs[1]`` important, the rest general (default 5% and 20%);
    - ``basis="revenue"``: key until the ranked customers hold ``cutoffs[0]`` of revenue,
      important until ``cutoffs[1]``.

    Customers with equal scores always share a tier.

    Parameters
    ----------
    summary : CustomerBase or DataFrame
        A :func:`playbook.summarize` table, any per-customer table with the weighted
        columns, or orders or a base (aggregated as in :func:`pareto_table`).
    as_of : date-like, optional
        Count only orders up to this date (see :func:`pareto_table`).
    cutoffs : (float, float)
    basis : {"customers", "revenue"}
    weights : dict, optional
        ``{column: weight}`` with non-negative weights.
    customer_col : str

    Returns
    -------
    DataFrame indexed by ``customer_id``, best score first: the weighted columns,
    ``revenue``, ``score``, ``score_rank`` and ``tier`` (ordered categorical key < important < general).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> tiers = assign_tiers(playbook.summarize(base.orders, base.as_of))
    >>> tiers["tier"].cat.categories.tolist()
    ['key', 'important', 'general']
    >>> round(float((tiers["tier"] == "key").mean()), 2), round(float((tiers["tier"] != "general").mean()), 2)
    (0.05, 0.2)
    """
    func = "assign_tiers"
    cutoffs = _check_cutoffs(cutoffs, func)
    if basis not in ("customers", "revenue"):
        raise InvalidArgumentError(f"The 'basis' parameter of {func} must be 'customers' or 'revenue'. Got {basis!r}.")
    table = _per_customer(summary, value="revenue", customer_col=customer_col, func=func, as_of=as_of, param="summary")
    return _score_tiers(table, weights, cutoffs, basis, func)


def _score_tiers(table: pd.DataFrame, weights: dict | None, cutoffs, basis: str, func: str) -> pd.DataFrame:
    """:func:`assign_tiers` of a checked per-customer table (:func:`_per_customer`): scored, sorted and cut."""
    if weights is None:
        weights = {k: w for k, w in DEFAULT_WEIGHTS.items() if k in table.columns}
    if not weights or any(not np.isfinite(w) or w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise InvalidArgumentError(f"The 'weights' parameter of {func} needs non-negative weights with a positive sum. Got {weights!r}.")
    for col in weights:
        check_column(table, col, "weights", func, table="the per-customer table")
    total_w = float(sum(weights.values()))
    score = sum(table[col].rank(pct=True, method="average") * (w / total_w) for col, w in weights.items())
    cols = list(dict.fromkeys(["revenue", *weights]))
    out = table[cols].assign(score=score)
    out = out.sort_index(kind="stable").sort_values(["score", "revenue"], ascending=False, kind="stable")
    n = len(out)
    out["score_rank"] = np.arange(1, n + 1)
    if basis == "customers":
        before = (out["score_rank"].to_numpy() - 1) / n
    else:
        total = float(out["revenue"].sum())
        if total <= 0:
            raise DataValidationError(f"{func} with basis='revenue' needs a positive revenue total; it sums to {total:,.2f}.")
        before = (out["revenue"].cumsum().to_numpy() - out["revenue"].to_numpy()) / total
    cls = _cut(before, out["score"].round(12).to_numpy(), cutoffs)
    out["tier"] = pd.Categorical.from_codes(cls, categories=list(TIERS), ordered=True)  # cls: the position in TIERS
    return out


def tiers_in_row_order(summary: pd.DataFrame) -> pd.Series:
    """``assign_tiers(summary)["tier"]`` (default cut-offs, basis and weights) in the rows' own order.

    When the customer ids are text, unique and in increasing order (a :func:`playbook.summarize` or
    feature table), their order is the rows' order, so the ranking runs on row positions and the tiers
    are put back by position: no lookup of a million text ids. Otherwise :func:`assign_tiers` and a reindex.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> tiers_in_row_order(s).equals(assign_tiers(s)["tier"].reindex(s.index))
    True
    """
    idx = summary.index
    positional = (len(idx) > 0 and idx.dtype != object and pd.api.types.is_string_dtype(idx) and idx.is_unique
                  and idx.is_monotonic_increasing and "revenue" in summary.columns and "customer_id" not in summary.columns
                  and not summary["revenue"].isna().any())
    if not positional:
        return assign_tiers(summary)["tier"].reindex(idx)
    out = _score_tiers(summary.reset_index(drop=True), None, _check_cutoffs((0.05, 0.20), "assign_tiers"), "customers",
                       "assign_tiers")
    codes = np.empty(len(idx), dtype=np.int8)
    codes[out.index.to_numpy()] = out["tier"].cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(codes, dtype=out["tier"].dtype), index=idx, name="tier")


def tiers_at(
    data,
    as_of=None,
    *,
    cutoffs=(0.05, 0.20),
    basis: str = "customers",
    weights: dict | None = None,
) -> pd.Series:
    """Each customer's tier (key / important / general) on a date: the one way the kit computes it.

    :func:`assign_tiers` on the :func:`playbook.summarize` table of the orders known on
    ``as_of``. Strategies, profiles, contact plans, key-account scorecards and complaint
    groups all call this, so a customer has the same tier everywhere for the same date.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A customer base, its orders, or a :func:`playbook.summarize` table already counted
        up to its date (then ``as_of`` is refused).
    as_of : date-like, optional
        Orders after this date are ignored; by default the base's own date (orders alone
        have none, so it must be given).
    cutoffs, basis, weights
        As in :func:`assign_tiers`.

    Returns
    -------
    Series named ``tier`` (ordered categorical key < important < general) indexed by
    ``customer_id``, best score first; empty when no order is known on ``as_of``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> tiers = tiers_at(base, "2024-12-31")
    >>> tiers.value_counts().index.tolist()
    ['general', 'important', 'key']
    >>> tiers.equals(assign_tiers(playbook.summarize(base, "2024-12-31"))["tier"])
    True
    """
    func = "tiers_at"
    options = {"cutoffs": cutoffs, "basis": basis, "weights": weights}
    if isinstance(data, pd.DataFrame) and not _is_orders(data):  # a summarize() table, already at its date
        _orders_up_to(data, as_of, func=func)  # refuses as_of with the reason
        return assign_tiers(data, **options)["tier"]
    if not isinstance(data, (CustomerBase, pd.DataFrame)):
        _orders_up_to(data, as_of, func=func)  # the kit's error naming 'data'
    ts = resolve_as_of(data, as_of, func)
    orders = _orders_up_to(data, ts, func=func)
    if orders.empty:
        return pd.Series(pd.Categorical([], categories=list(TIERS), ordered=True), name="tier",
                         index=pd.Index([], name="customer_id", dtype=object))
    return assign_tiers(summarize(orders, ts), **options)["tier"]


TIER_POLICY = pd.DataFrame(
    {
        "service_level": ["dedicated account team, 4-hour response", "named contact, next-day response", "standard service desk"],
        "incentives": ["tiered rebates, honorary status, early access", "volume rebates", "standard promotions"],
        "contact_every_days": [14, 45, 120],
    },
    index=pd.CategoricalIndex(list(TIERS), categories=list(TIERS), ordered=True, name="tier"),
)
"""Default policy per tier: service level, incentives and follow-up cadence (跟进频率) in days."""


def tier_policy(overrides: dict | None = None) -> pd.DataFrame:
    """The tier policy table, a copy of :data:`TIER_POLICY` with ``overrides`` applied.

    Parameters
    ----------
    overrides : dict, optional
        ``{tier: {column: value}}``, e.g. ``{"key": {"contact_every_days": 7}}``.

    Returns
    -------
    DataFrame indexed by tier.

    Examples
    --------
    >>> tier_policy({"key": {"contact_every_days": 7}})["contact_every_days"].tolist()
    [7, 45, 120]
    """
    policy = TIER_POLICY.copy()
    for tier, changes in (overrides or {}).items():
        if tier not in TIERS:
            raise InvalidArgumentError(f"tier_policy: unknown tier {tier!r}; tiers are {', '.join(TIERS)}.")
        if not isinstance(changes, dict):
            raise InvalidArgumentError(f"tier_policy: overrides for {tier!r} must be a dict of column: value. Got {changes!r}.")
        for col, val in changes.items():
            if col not in policy.columns:
                raise InvalidArgumentError(f"tier_policy: unknown column {col!r}; columns are {', '.join(policy.columns)}.")
            if col == "contact_every_days" and (not isinstance(val, (int, np.integer)) or val <= 0):
                raise InvalidArgumentError(f"tier_policy: contact_every_days must be a positive whole number of days. Got {val!r}.")
            policy.loc[tier, col] = val
    return policy


def _window_tiers(orders, as_of, window_days, *, cutoffs, basis, weights, customer_col, date_col):
    end = to_timestamp(as_of)
    end = end + pd.Timedelta(days=1) if end == end.normalize() else end
    dates = orders[date_col]
    recent = orders[(dates < end) & (dates >= end - pd.Timedelta(days=window_days))]
    if recent.empty:
        return pd.Series(dtype=object)
    return assign_tiers(recent, cutoffs=cutoffs, basis=basis, weights=weights, customer_col=customer_col)["tier"].astype(str)


@renamed_parameters(start_as_of="since", end_as_of="as_of")
def tier_migration(
    orders,
    since,
    as_of,
    *,
    window_days: int = 365,
    cutoffs=(0.05, 0.20),
    basis: str = "customers",
    weights: dict | None = None,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Who moved between tiers: tier at ``since`` against tier at ``as_of``.

    At each date, tiers come from :func:`assign_tiers` on the orders of the
    ``window_days`` before it. A customer with no order in the first window is ``new``
    (row); one with no order in the second window is ``lapsed`` (column).

    Parameters
    ----------
    orders : CustomerBase or DataFrame
        A base, or orders with ``customer_id``, ``order_date``, ``amount`` (optional ``margin``).
    since, as_of : date-like
        The two dates; the second must be later (``start_as_of`` and ``end_as_of``, their
        old names, still work for one release, with a DeprecationWarning).
    window_days : int
    cutoffs, basis, weights : see :func:`assign_tiers`
    customer_col, date_col : str

    Returns
    -------
    DataFrame of customer counts: rows ``tier_at_start`` (key, important, general, new),
    columns ``tier_at_end`` (key, important, general, lapsed).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> tier_migration(base.orders, "2024-12-31", "2025-12-31").loc["key", "lapsed"]
    np.int64(3)
    """
    func = "tier_migration"
    orders = _orders_up_to(orders, None, func=func, date_col=date_col, param="orders")
    for col, param in ((customer_col, "customer_col"), (date_col, "date_col"), ("amount", "amount")):
        check_column(orders, col, param, func)
    start, end = to_timestamp(since, "since"), to_timestamp(as_of, "as_of")
    if end <= start:
        raise InvalidArgumentError(f"{func}: as_of ({end.date()}) must be after since ({start.date()}).")
    if int(window_days) < 1:
        raise InvalidArgumentError(f"The 'window_days' parameter of {func} must be at least 1. Got {window_days!r}.")
    kw = dict(cutoffs=cutoffs, basis=basis, weights=weights, customer_col=customer_col, date_col=date_col)
    t0 = _window_tiers(orders, start, window_days, **kw)
    t1 = _window_tiers(orders, end, window_days, **kw)
    if t0.empty and t1.empty:
        raise DataValidationError(f"{func}: no order falls in the {window_days} days before either date; check the dates.")
    ids = t0.index.union(t1.index)
    a = t0.reindex(ids).fillna("new")
    b = t1.reindex(ids).fillna("lapsed")
    rows, cols = [*TIERS, "new"], [*TIERS, "lapsed"]
    table = pd.crosstab(pd.Categorical(a, categories=rows), pd.Categorical(b, categories=cols), dropna=False)
    table = table.reindex(index=rows, columns=cols, fill_value=0)
    table.index.name, table.columns.name = "tier_at_start", "tier_at_end"
    return table


# ---------------------------------------------------------------- prospects and losses


def prospect_levels(
    data: pd.DataFrame,
    as_of=None,
    *,
    recent_days: int = 90,
    active_days: int = 365,
    spend_quantile: float = 0.75,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Three prospect levels for one-time buyers: undifferentiated, qualified, key (无差别/合格/关键).

    Having bought once does not make a customer; these rules say which one-time buyers
    are worth a follow-up. With ``threshold`` the ``spend_quantile`` of one-time buyers' spend:

    - **key** (关键): bought in the last ``recent_days`` and spent at least ``threshold``;
    - **qualified** (合格): bought in the last ``active_days``, or spent at least ``threshold``;
    - **undifferentiated** (无差别): the rest, an old small single purchase.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base (``as_of`` defaults to its date), orders (then ``as_of`` is required) or a
        :func:`playbook.summarize` table (``n_orders``, ``revenue``, ``days_since_last``).
    as_of : date-like, optional
    recent_days, active_days : int
    spend_quantile : float in [0, 1]
    customer_col : str

    Returns
    -------
    DataFrame indexed by ``customer_id`` (one-time buyers only): ``revenue``,
    ``days_since_last``, ``level`` (ordered categorical) and ``reason``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> levels = prospect_levels(base.orders, base.as_of)
    >>> levels["level"].cat.categories.tolist()
    ['undifferentiated', 'qualified', 'key']
    >>> bool(levels.groupby("level", observed=True)["revenue"].median().is_monotonic_increasing)
    True
    """
    func = "prospect_levels"
    if not 0 <= spend_quantile <= 1:
        raise InvalidArgumentError(f"The 'spend_quantile' parameter of {func} must be in [0, 1]. Got {spend_quantile!r}.")
    if not 0 < recent_days <= active_days:
        raise InvalidArgumentError(f"{func} needs 0 < recent_days <= active_days. Got {recent_days!r} and {active_days!r}.")
    if isinstance(data, CustomerBase) or (isinstance(data, pd.DataFrame) and _is_orders(data)):
        if as_of is None and not isinstance(data, CustomerBase):
            raise InvalidArgumentError(f"{func} on orders needs an explicit as_of date.")
        from .data import summarize

        data = summarize(data, as_of, customer_col=customer_col)
    table = _per_customer(data, value="revenue", customer_col=customer_col, func=func)
    for col in ("n_orders", "days_since_last"):
        check_column(table, col, "data", func, table="the per-customer table")
    once = table.loc[table["n_orders"] == 1, ["revenue", "days_since_last"]].copy()
    if once.empty:
        raise DataValidationError(f"{func}: there is no one-time buyer; every customer has ordered more than once.")
    threshold = float(once["revenue"].quantile(spend_quantile))
    big = once["revenue"] >= threshold
    recent = once["days_since_last"] <= recent_days
    active = once["days_since_last"] <= active_days
    level = np.select([recent & big, active | big], ["key", "qualified"], "undifferentiated")
    reason = np.select(
        [recent & big, active & ~big, big],
        [f"bought in the last {recent_days} days and spent >= {threshold:,.2f}",
         f"bought in the last {active_days} days",
         f"spent >= {threshold:,.2f}, but long ago"],
        f"single purchase over {active_days} days ago, below {threshold:,.2f}",
    )
    once["level"] = pd.Categorical(level, categories=list(PROSPECT_LEVELS), ordered=True)
    once["reason"] = reason
    return once


def lead_levels(leads: pd.DataFrame) -> pd.DataFrame:
    """How the three prospect levels of a lead pool (待分配客户) behave: size, conversion, waiting.

    Parameters
    ----------
    leads : DataFrame
        The b2b ``leads`` table (``level``, ``status``, ``assigned_rep``).

    Returns
    -------
    DataFrame indexed by ``level`` (undifferentiated, qualified, key): ``leads``,
    ``converted``, ``conversion_rate`` (converted over leads) and ``unassigned``.

    Examples
    --------
    >>> import playbook
    >>> table = lead_levels(playbook.load_dataset("b2b").leads)
    >>> table.index.tolist()
    ['undifferentiated', 'qualified', 'key']
    >>> bool(table["conversion_rate"].is_monotonic_increasing)   # better leads convert more often
    True
    """
    for col in ("level", "status", "assigned_rep"):
        check_column(leads, col, "leads", "lead_levels", table="leads")
    unknown = set(leads["level"].dropna().astype(str)) - set(PROSPECT_LEVELS)
    if unknown:
        raise DataValidationError(f"lead_levels: unknown levels {sorted(unknown)}; use {', '.join(PROSPECT_LEVELS)}.")
    level = pd.Categorical(leads["level"].astype(str), categories=list(PROSPECT_LEVELS), ordered=True)
    frame = pd.DataFrame({"level": level, "converted": (leads["status"].astype(str) == "converted").to_numpy(),
                          "unassigned": leads["assigned_rep"].isna().to_numpy()})
    out = frame.groupby("level", observed=False).agg(leads=("converted", "size"), converted=("converted", "sum"),
                                                     unassigned=("unassigned", "sum"))
    out["conversion_rate"] = out["converted"] / out["leads"].where(out["leads"] > 0)
    return out[["leads", "converted", "conversion_rate", "unassigned"]]


def loss_impact(data, accounts, *, as_of=None, customer_col: str = "customer_id") -> pd.DataFrame:
    """What the business loses if ``accounts`` leave: revenue, margin and orders, in money and share.

    Parameters
    ----------
    data : DataFrame
        Orders or a per-customer table (see :func:`pareto_table`); restrict orders to a
        period first to ask "what would last year look like without them".
    accounts : str or sequence of str
        Customer ids that would leave.
    as_of : date-like, optional
        Count only orders up to this date (see :func:`pareto_table`).
    customer_col : str

    Returns
    -------
    One-row DataFrame: ``n_accounts``, then for each of ``revenue``, ``margin``,
    ``n_orders`` present: ``<col>_lost``, ``<col>_share`` (of the total) and ``<col>_left``.

    Examples
    --------
    >>> loss_impact(pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [60.0, 20.0, 20.0]}), ["a"])[
    ...     ["revenue_lost", "revenue_share"]]
       revenue_lost  revenue_share
    0          80.0            0.8
    """
    table = _per_customer(data, value="revenue", customer_col=customer_col, func="loss_impact", as_of=as_of)
    accounts = [accounts] if isinstance(accounts, str) else [str(a) for a in accounts]
    if not accounts:
        raise InvalidArgumentError("loss_impact needs at least one account id in 'accounts'.")
    unknown = sorted(set(accounts) - set(table.index))
    if unknown:
        raise DataValidationError(f"loss_impact: accounts not found in the data: {', '.join(unknown[:5])}"
                                  f"{' ...' if len(unknown) > 5 else ''}. Check the ids (or the period you kept).")
    gone = table.index.isin(accounts)
    row: dict = {"n_accounts": int(gone.sum())}
    for col in ("revenue", "margin", "n_orders"):
        if col in table.columns:
            total = float(table[col].sum())
            lost = float(table.loc[gone, col].sum())
            row[f"{col}_lost"] = lost
            row[f"{col}_share"] = lost / total if total != 0 else np.nan
            row[f"{col}_left"] = total - lost
    return pd.DataFrame([row])


def accounts_share_by_period(
    orders,
    accounts,
    *,
    as_of=None,
    freq: str = "Y",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Share of each period's revenue and orders that given accounts bring, and how many of them ordered.

    The early-warning view of concentration risk (大客户跳槽): a falling share, or fewer
    of the big accounts ordering, shows before they are gone.

    Parameters
    ----------
    orders : CustomerBase or DataFrame
    accounts : sequence of str
    as_of : date-like, optional
        Count only orders up to this date (see :func:`pareto_table`); a base defaults to
        its own date, orders to all of them.
    freq : {"Y", "Q", "M"}
        Period length: year, quarter or month.
    customer_col, date_col : str

    Returns
    -------
    DataFrame indexed by ``period``: ``revenue``, ``accounts_revenue``, ``revenue_share``,
    ``order_share`` and ``accounts_ordering`` (how many of ``accounts`` ordered).

    Examples
    --------
    >>> import playbook
    >>> o = playbook.load_dataset("b2b").orders
    >>> accounts_share_by_period(o, ["A0001", "A0002", "A0003", "A0004"], freq="Q")["accounts_ordering"].iloc[-4]
    np.int64(1)
    """
    func = "accounts_share_by_period"
    orders = _orders_up_to(orders, as_of, func=func, date_col=date_col, param="orders")
    if freq not in ("Y", "Q", "M"):
        raise InvalidArgumentError(f"The 'freq' parameter of {func} must be 'Y', 'Q' or 'M'. Got {freq!r}.")
    for col, param in ((customer_col, "customer_col"), (date_col, "date_col"), ("amount", "amount")):
        check_column(orders, col, param, func)
    if orders.empty:
        raise DataValidationError(f"{func}: orders is empty.")
    accounts = [accounts] if isinstance(accounts, str) else [str(a) for a in accounts]
    mine = orders[customer_col].astype(str).isin(accounts).to_numpy()
    frame = pd.DataFrame({"period": orders[date_col].dt.to_period(freq).to_numpy(), "amount": orders["amount"].to_numpy(dtype=float),
                          "mine": mine, "cid": np.where(mine, orders[customer_col].astype(str), None)})
    frame["mine_amount"] = frame["amount"].where(frame["mine"], 0.0)
    out = frame.groupby("period").agg(revenue=("amount", "sum"), accounts_revenue=("mine_amount", "sum"),
                                      order_share=("mine", "mean"), accounts_ordering=("cid", "nunique"))
    out["revenue_share"] = out["accounts_revenue"] / out["revenue"].where(out["revenue"] != 0)
    return out[["revenue", "accounts_revenue", "revenue_share", "order_share", "accounts_ordering"]]
