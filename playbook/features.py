"""One per-customer feature table (客户特征表) from the orders at a review date, for every engine.

The analysis of an orders export reads, per customer, a few dozen aggregates of their orders
known at ``as_of``: first and last order, order count and order days, revenue and margin, the
counts and sums in the windows the churn signals and the strategy use, the gaps between orders,
the shares of orders with a discount, through the app, and so on. :data:`SPEC` defines each of
them once, by name; two engines compute the same table from it:

- :func:`compute` (pandas/numpy, in memory): every reduction on integer customer codes
  (sorted runs, ``np.bincount``), no per-customer Python loop and no groupby on text ids;
- :func:`render_sql` writes standard SQL (``count(*) FILTER (WHERE ...)``, window functions)
  that DuckDB runs over CSV or Parquet files without loading the orders into pandas
  (:func:`compute_duckdb`); its Spark dialect runs on a Spark session (:func:`compute_spark`,
  :func:`read_spark` for files, ``analyze --engine spark``).

Scoring (:mod:`playbook.strategy`, :mod:`playbook.churn`, ...) then runs on the one row per
customer. Sums in the pandas engine use the compensated summation of pandas' groupby, so the
analysis matches the order-level functions to the last bit; SQL engines add in another order
(DuckDB's ``fsum`` is exactly rounded), which can differ in the last digits.

Examples
--------
>>> import playbook
>>> base = playbook.load_dataset("retail")
>>> f = compute(base.orders, base.as_of)
>>> bool((f.loc[f["n_orders"] > 0, "order_days"] >= 1).all()), f.index.is_monotonic_increasing
(True, True)
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from typing import overload

import numpy as np
import pandas as pd

from .data import end_of_day, summarize, to_timestamp
from .kernels import factorize_sorted_index, group_starts, group_sums, segment_sums, stable_order, sum_checks
from .errors import DataValidationError, InvalidArgumentError

__all__ = ["Aggregate", "SPEC", "WINDOWS", "ROW_TESTS", "compute", "render_sql", "feature_columns", "compute_duckdb", "compute_spark",
           "read_duckdb", "read_spark", "resolve_files", "FeatureRead", "ENGINES", "EXPENSIVE_CHANNELS", "WINDOW_DAYS", "BASELINE_DAYS",
           "YEAR_DAYS", "default_memory_limit", "check_memory_limit", "clean_stale_spills", "SPILL_MARKER"]

#: Churn signals' recent window and the baseline before it (:func:`playbook.churn.churn_signals` defaults).
WINDOW_DAYS = 90
BASELINE_DAYS = 365
#: The strategy profile's "last year" (revenue_365, margin_365, channel share, CLV fallback).
YEAR_DAYS = 365
#: Same as :data:`playbook.strategy.EXPENSIVE_CHANNELS` (kept here so this module imports nothing heavy).
EXPENSIVE_CHANNELS = ("store", "direct_sales")
LATE_HOUR = 20  # customer_types' "late order": placed at 20:00 or later


def _bounds(ts: pd.Timestamp) -> dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]:
    """Each window as (lo, hi]: an order dated ``lo < date <= hi`` is in it (None: unbounded)."""
    end = end_of_day(ts)
    mid = end - pd.Timedelta(days=WINDOW_DAYS)
    return {
        "all": (None, None),
        "known": (None, end),
        "year": (end - pd.Timedelta(days=YEAR_DAYS), end),
        "recent": (mid, end),
        "usual": (mid - pd.Timedelta(days=BASELINE_DAYS), mid),
    }


#: The windows, as (lo, hi] from ``as_of``: ``all`` the whole file, ``known`` up to the end of
#: ``as_of``, ``year`` the last 365 days, ``recent`` the last 90 days and ``usual`` the 365 before them.
WINDOWS = ("all", "known", "year", "recent", "usual")

def _text_in(s: pd.Series, values) -> np.ndarray:
    """``s.astype(str).isin(values)`` without making a string per row (categories tested once)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.r_[pd.Index(s.cat.categories).astype(str).isin(values), False]
        return hit[s.cat.codes.to_numpy()]  # code -1 (missing) takes the trailing False
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return np.asarray(s.isin(values).fillna(False), dtype=bool)
    return s.astype(str).isin(values).to_numpy(dtype=bool)


#: Row tests: (the orders column it reads, pandas test on that column, SQL condition; ``{text}`` is the
#: dialect's text type).
ROW_TESTS: dict[str, tuple[str, Callable[[pd.Series], np.ndarray], str]] = {
    "discounted": ("discount", lambda s: (s > 0).to_numpy(dtype=bool), "discount > 0"),
    "late": ("order_date", lambda s: (s.dt.hour >= LATE_HOUR).to_numpy(dtype=bool), f"hour(order_date) >= {LATE_HOUR}"),
    "app": ("channel", lambda s: _text_in(s, ["app"]), "CAST(channel AS {text}) = 'app'"),
    "costly": ("channel", lambda s: _text_in(s, EXPENSIVE_CHANNELS),
               "CAST(channel AS {text}) IN (" + ", ".join(f"'{c}'" for c in EXPENSIVE_CHANNELS) + ")"),
    "essentials": ("product_line", lambda s: _text_in(s, ["essentials"]), "CAST(product_line AS {text}) = 'essentials'"),
    "premium": ("product_line", lambda s: _text_in(s, ["premium"]), "CAST(product_line AS {text}) = 'premium'"),
    "new_release": ("product_line", lambda s: _text_in(s, ["new_release"]), "CAST(product_line AS {text}) = 'new_release'"),
}


@dataclasses.dataclass(frozen=True)
class Aggregate:
    """One per-customer aggregate of the orders: ``op`` of ``column`` over the orders in ``window``
    (that pass ``test``, a key of :data:`ROW_TESTS`, when given)."""

    name: str
    op: str  # "count", "sum", "min", "max"
    column: str | None
    window: str
    test: str | None = None
    doc: str = ""

    def needs(self) -> set[str]:
        cols = {"order_date"} if self.window != "all" else set()
        if self.column:
            cols.add(self.column)
        if self.test:
            cols.add(ROW_TESTS[self.test][0])
        return cols


#: Order-level aggregates. The day-level and gap features (see :func:`feature_columns`) follow
#: them: ``order_days``, ``frequency``/``recency``/``T``/``monetary_value`` (BTYD, in days),
#: ``own_gap_days_raw`` (median gap between order days), ``gap_mean``/``gap_std``/``gap_count``
#: (seconds between consecutive orders), ``days_since_last``.
SPEC: tuple[Aggregate, ...] = (
    Aggregate("n_orders_all", "count", None, "all", doc="orders in the file (Pareto table, all dates)"),
    Aggregate("revenue_all", "sum", "amount", "all", doc="revenue in the file (Pareto table)"),
    Aggregate("margin_all", "sum", "margin", "all", doc="margin in the file (Pareto table)"),
    Aggregate("n_orders", "count", None, "known", doc="orders up to as_of"),
    Aggregate("revenue", "sum", "amount", "known", doc="revenue up to as_of"),
    Aggregate("margin", "sum", "margin", "known", doc="margin up to as_of"),
    Aggregate("first_order", "min", "order_date", "known", doc="first order (date-time)"),
    Aggregate("last_order", "max", "order_date", "known", doc="last order (date-time)"),
    Aggregate("n_365", "count", None, "year", doc="orders in the last 365 days"),
    Aggregate("revenue_365", "sum", "amount", "year", doc="revenue in the last 365 days"),
    Aggregate("margin_365", "sum", "margin", "year", doc="margin in the last 365 days"),
    Aggregate("costly_365", "count", None, "year", "costly", doc="last year's orders through store or direct sales"),
    Aggregate("n_recent", "count", None, "recent", doc="orders in the last 90 days"),
    Aggregate("amount_recent", "sum", "amount", "recent", doc="their amount"),
    Aggregate("n_usual", "count", None, "usual", doc="orders in the 365 days before those 90"),
    Aggregate("amount_usual", "sum", "amount", "usual", doc="their amount"),
    Aggregate("n_discounted", "count", None, "known", "discounted", doc="orders with a discount"),
    Aggregate("n_late", "count", None, "known", "late", doc="orders placed at 20:00 or later"),
    Aggregate("n_app", "count", None, "known", "app", doc="orders through the app"),
    Aggregate("n_essentials", "count", None, "known", "essentials", doc="orders of essentials"),
    Aggregate("n_premium", "count", None, "known", "premium", doc="orders of premium lines"),
    Aggregate("n_new_release", "count", None, "known", "new_release", doc="orders of new releases"),
)

_DAY_COLUMNS = ("order_days", "frequency", "recency", "T", "monetary_value", "days_since_last", "own_gap_days_raw",
                "gap_mean", "gap_std", "gap_count")


def _usable(spec: Aggregate, columns) -> bool:
    return spec.needs() <= set(columns)


def feature_columns(columns) -> list[str]:
    """The feature names computed from orders with ``columns`` (aggregates whose columns exist, then the day-level ones)."""
    return [a.name for a in SPEC if _usable(a, columns)] + list(_DAY_COLUMNS)


# ----------------------------------------------------------------------------- pandas engine

@overload
def compute(orders: pd.DataFrame, as_of, *, progress=None) -> pd.DataFrame: ...


@overload
def compute(orders: pd.DataFrame, as_of, *, also: Sequence, progress=None) -> tuple[pd.DataFrame, list[pd.DataFrame]]: ...


def compute(orders: pd.DataFrame, as_of, *, also: Sequence | None = None, progress=None):
    """The feature table of ``orders`` at ``as_of`` (pandas/numpy engine).

    One row per customer in the file, indexed by ``customer_id`` (text, sorted); customers whose
    first order is after ``as_of`` have ``n_orders == 0`` and missing dates. The columns are
    :func:`feature_columns` of the orders' columns; BTYD columns are those of
    :func:`playbook.summarize` (``freq="D"``), to the last bit.

    With ``also`` (more dates), the tables at those dates too, in the same pass: ``(table, [table at
    each of also])``, the same tables as separate calls, to the last bit. The orders are factorised and
    sorted by customer once and every date is reduced from the same sorted arrays (its windows mask the
    rows after it), so a second date (the churn model's backtest) costs its reductions, not another sort
    and another set of sorted copies.

    Parameters
    ----------
    orders : DataFrame
        Checked orders (``customer_id``, ``order_date``, ``amount``; optional ``margin``,
        ``channel``, ``discount``, ``product_line``).
    as_of : date-like
    also : sequence of date-like, optional
    progress : callable, optional
        Called with ``reducing the orders (45%, about 6 s left)`` as the reduction goes, from
        :data:`PROGRESS_ORDERS` orders on (the estimate from the measured share of each step; review dates
        with a time of day and zoned dates take the general way, which says nothing).
    """
    tables = _compute_dates(orders, [as_of, *(also or ())], progress)
    return tables[0] if also is None else (tables[0], tables[1:])


def _compute_dates(orders: pd.DataFrame, dates: list, progress=None) -> list[pd.DataFrame]:
    """:func:`compute` at each of ``dates``: one factorisation and sort of the orders for all.

    :func:`_compute_dates_sorted` reads every date's features from one set of integer arrays sorted by customer and
    date (no sort when the file already is). Review dates with a time of day, dates with a time zone or orders
    :func:`playbook.summarize` refuses take the general way, :func:`_compute_dates_general` (masks and summarize per
    date), which then computes or refuses with summarize's message. Both give the same tables to the last bit
    (``tests/test_reduce_equivalence.py``)."""
    stamps = [to_timestamp(d, "as_of") for d in dates]
    tables = _compute_dates_sorted(orders, stamps, progress)
    return tables if tables is not None else _compute_dates_general(orders, stamps)


def _compute_dates_general(orders: pd.DataFrame, stamps: list[pd.Timestamp]) -> list[pd.DataFrame]:
    """:func:`_compute_dates` for any orders and review dates: masks per window, :func:`playbook.summarize` per date
    (which refuses what it refuses, with its message)."""
    n_rows = len(orders)
    ids = orders["customer_id"]
    codes, uniques = factorize_sorted_index(ids, np.ones(n_rows, dtype=bool))  # the labels summarize gives, in its order
    recoded = not isinstance(ids.dtype, pd.CategoricalDtype)
    if recoded:
        # summarize below reads the ids as these codes instead of hashing millions of strings again
        # (copy-on-write: the other columns are not copied).
        orders = orders.assign(customer_id=pd.Categorical.from_codes(codes, categories=uniques))
        del codes  # the categorical holds the same codes (narrower): read back after summarize's peak (#14)
    n = len(uniques)
    # BTYD and exact sums as summarize computes them (the same numbers as every other caller); first, so that
    # its working memory is given back before the arrays below are made (the peaks do not stack). Its
    # tables are one row per customer: small beside the per-order arrays.
    summaries = [summarize(orders, ts) for ts in stamps]
    if recoded:
        codes = orders["customer_id"].cat.codes.to_numpy()
    order = stable_order(codes)  # rows by customer; the orders' own sequence kept within one
    sc = codes[order]
    del codes
    sorted_dates = orders["order_date"].to_numpy()[order]
    run_starts = group_starts(sc)
    cache = _SortedColumns(orders, order)  # date-free per-order arrays in customer order, shared by every date
    del order
    outs: list[dict[str, np.ndarray] | None] = []
    known: list[np.ndarray | None] = []
    for i, ts in enumerate(stamps):
        s, summaries[i] = summaries[i], None  # let each summary go once used
        out, known_rows = _reduce_date(orders.columns, ts, s, sc, sorted_dates, run_starts, n, cache.test, cache.values)
        outs.append(out)
        known.append(known_rows)
        del s, out, known_rows
    # The shared per-order copies go before the gaps make their own per-order arrays (the peaks do not stack).
    del cache, run_starts
    columns = feature_columns(orders.columns)
    tables = []
    for i in range(len(stamps)):
        got, rows = outs[i], known[i]
        assert got is not None and rows is not None
        outs[i] = known[i] = None
        got.update(_day_gaps(sc, sorted_dates, rows, n))
        del rows
        # One frame made once from the columns (inserting them one by one would copy the blocks).
        tables.append(pd.DataFrame({c: got[c] for c in columns}, index=pd.Index(uniques, name="customer_id")))
        del got
    return tables


_NS_RANGE = (np.datetime64(pd.Timestamp.min.ceil("us").to_datetime64(), "us"),
             np.datetime64(pd.Timestamp.max.floor("us").to_datetime64(), "us"))




#: From this many orders on, the pandas reduction says how far it is, with the time left (below, it takes a few seconds
#: at most).
PROGRESS_ORDERS = 2_000_000
#: The share of the sorted reduction's time done at each of its checkpoints (then each date's gaps share the rest),
#: measured on 10M orders of 1M customers at two dates (``make bench``'s file, in date order and shuffled, which agree
#: within 0.1): what the time left is estimated from.
_REDUCTION_DONE = {"sorted": 0.22, "sums": 0.44, "orders by day": 0.50, "days": 0.59, "day sums": 0.66, "windows": 0.71}


class _ReductionProgress:
    """Says ``reducing the orders (45%, about 6 s left)`` through ``progress`` at the checkpoints of
    :func:`_compute_dates_sorted`, from :data:`PROGRESS_ORDERS` orders on."""

    def __init__(self, progress, n_rows: int, n_dates: int):
        self.progress = progress if progress is not None and n_rows >= PROGRESS_ORDERS else None
        self.n_dates, self.started = n_dates, time.monotonic()

    def __call__(self, step: str, date: int | None = None) -> None:
        if self.progress is None:
            return
        from .byod import with_share

        gaps_from = max(_REDUCTION_DONE.values())
        share = _REDUCTION_DONE[step] if date is None else gaps_from + (1 - gaps_from) * (date + 1) / self.n_dates
        self.progress(with_share("reducing the orders", share, self.started))


def _compute_dates_sorted(orders: pd.DataFrame, stamps: list[pd.Timestamp], progress=None) -> list[pd.DataFrame] | None:
    """:func:`_compute_dates` from the orders sorted by customer and date, or None when a date has a time of day, when
    the dates have a time zone or lie outside the nanosecond range, or when the orders are not what
    :func:`playbook.summarize` accepts (the general way then computes, or refuses with its own message).

    The orders are factorised and sorted by customer once (the sort is skipped when they already are), and by date
    within a customer when they are not in date order there (a shuffled export). Every window of every date is then a
    segment ``[start, start + size)`` of each customer's run, found from one count of the orders up to each window bound
    (:func:`_bound_counts`). Counts are differences of those, row tests are differences of running sums, the
    whole-file aggregates are computed once for all dates, and summarize's day-level figures come from the per-day sums
    computed once (a date's known orders are whole days of each customer's run).

    Sums are compensated sums (:func:`playbook.kernels.segment_sums`, the steps of pandas' groupby sum) in the order the
    general way adds: the file's sequence within a customer, and within a customer's day for summarize's day sums. When
    each customer's orders are in date order in the file, that is the sorted order and the sums read the segments where
    they lie; otherwise each window's orders are picked, in the file's sequence, from the rows sorted by customer alone,
    and the day sums read the rows sorted by customer then day (stably, as summarize sorts), so every total is the
    general way's to the last bit."""
    from .byod import release_memory
    from .validation import validate_orders

    cols = orders.columns
    if not isinstance(orders, pd.DataFrame) or len(orders) == 0 or "amount" not in cols \
            or any(ts != ts.normalize() for ts in stamps):
        return None
    try:
        validate_orders(orders, "summarize")
    except (DataValidationError, InvalidArgumentError):
        return None
    raw = orders["order_date"].to_numpy()
    if raw.dtype.kind != "M":  # time zones: the general way
        return None
    first, last = raw.min(), raw.max()
    if first < _NS_RANGE[0] or last > _NS_RANGE[1]:
        return None
    ends = [end_of_day(ts) for ts in stamps]
    if any(first > np.datetime64(e.to_datetime64(), "ns") for e in ends):
        return None  # summarize refuses a date before the first order: the general way says so
    tell = _ReductionProgress(progress, len(orders), len(stamps))
    codes, uniques = factorize_sorted_index(orders["customer_id"], np.ones(len(orders), dtype=bool))
    n = len(uniques)
    n_rows = len(codes)
    # The rows by customer in three sequences (None: the file's own): ``by_file`` keeps the file's sequence within a
    # customer (pandas' groupby sums in it), ``by_day`` sorts each customer's orders by day, stably (summarize's day
    # sums add in it), ``order`` by date-time, stably (first and last order, row tests, gaps). One array when each
    # customer's orders are in date order in the file (a date-sorted export).
    by_file: np.ndarray | None = None
    if bool(np.any(codes[1:] < codes[:-1])):
        by_file = _row_numbers(stable_order(codes))
        sc = codes[by_file]
        t = raw[by_file]
    else:  # already by customer: no sort, no copies
        sc, t = codes, raw
    del codes
    new_run = np.r_[True, sc[1:] != sc[:-1]]
    run_starts = np.flatnonzero(new_run)
    run_size = np.diff(np.r_[run_starts, n_rows])
    in_date_order = not bool(np.any(~new_run[1:] & (t[1:] < t[:-1])))
    del new_run
    bounds = [_bounds(ts) for ts in stamps]
    marks = sorted({b for bs in bounds for name in ("year", "recent", "usual") for b in bs[name] if b is not None})
    slot = _slots(t, marks)  # where each order's date lies among the window bounds
    le = _bound_counts(sc, slot, n, marks)
    tell("sorted")
    # The sums first, in the file's sequence, while few per-order arrays are alive; then their columns go (#14).
    outs = _file_sums(orders, by_file, None if in_date_order else slot, marks, bounds, le, run_starts, run_size)
    del slot
    tell("sums")
    by_day = order = by_file
    if not in_date_order:
        held = [t]  # handed over: the dates in the file's sequence go once sorted (#14)
        del t
        by_day, order, t = _day_and_time_orders(sc, held, by_file)
    del by_file
    tell("orders by day")
    ns = _nanoseconds(t)
    day = (ns // (86_400 * 10**9)).astype(np.int32)  # days since 1970, floored (as summarize's datetime64[D])
    del ns
    tests = sorted({a.test for a in SPEC if a.test and _usable(a, cols)})
    hits = {name: _rows_in(ROW_TESTS[name][1](orders[ROW_TESTS[name][0]]), order) for name in tests}
    order = None  # t keeps what the gaps need of it

    # Per order day of each customer (summarize counts days): where each day's run starts, which day each row is on.
    new_day = np.r_[True, (sc[1:] != sc[:-1]) | (day[1:] != day[:-1])]
    day_starts = _row_numbers(np.flatnonzero(new_day))
    day_idx: np.ndarray = np.cumsum(new_day, dtype=np.int32 if n_rows < 2**31 else np.int64)
    np.subtract(day_idx, 1, out=day_idx)  # which order day (of all customers') each row is on
    del new_day
    first_day_idx = day_idx[run_starts]
    # What each date needs of the dates: first and last order, summarize's day counts.
    known_at: list[dict] = []
    for k, b in enumerate(bounds):
        out = outs[k]
        n_known = le[b["known"][1]]
        known = n_known > 0
        pos = np.flatnonzero(known)
        out["n_orders"] = n_known.astype(np.int64)
        last_row = run_starts + n_known - 1
        for name, rows in (("first_order", run_starts[pos]), ("last_order", last_row[pos])):
            res = np.full(n, np.datetime64("NaT"), dtype=t.dtype)
            res[pos] = t[rows]
            out[name] = res
        known_at.append({"n_known": n_known, "known": known, "pos": pos,
                         "known_days": (day_idx[last_row[pos]] + 1 - first_day_idx[pos]).astype(np.int64),
                         "first_p": day[run_starts[pos]].astype(np.int64), "last_p": day[last_row[pos]].astype(np.int64)})
        del last_row
    del day_idx
    tell("days")
    # summarize's per-(customer, day) sums, computed once for every date; then the day order goes (#14)
    amount = orders["amount"].to_numpy(dtype=float)
    day_sums = _day_sums(amount, by_day, day_starts, n_rows, [sum_checks(amount)])
    del amount
    by_day = None
    day_of_start = day[day_starts]
    del day_starts
    tell("day sums")

    every = {"n_orders_all": run_size.astype(np.int64)}
    for k, (ts, b) in enumerate(zip(stamps, bounds)):
        out = outs[k]
        out.update(every)
        for name, count in (("year", "n_365"), ("recent", "n_recent"), ("usual", "n_usual")):
            lo, hi = b[name]
            out[count] = (le[hi] - le[lo]).astype(np.int64)
        # summarize's figures (in days) for the customers known at ts; zeros for the others, as the general way
        end_day = int(np.datetime64(ts.to_datetime64(), "D").view(np.int64))
        at = known_at[k]
        known_at[k] = {}
        n_known, known, pos, known_days = at["n_known"], at["known"], at["pos"], at["known_days"]
        first_pos: np.ndarray
        if bool((n_known == run_size).all()):
            kept_sums, first_pos = day_sums, first_day_idx
        else:  # a date's known orders are whole days (ts is a date): its days are those up to ts
            kept_sums = day_sums[day_of_start <= end_day]
            first_pos = np.r_[0, np.cumsum(known_days)[:-1]]
        revenue = np.add.reduceat(kept_sums, first_pos) if len(pos) else np.zeros(0)
        frequency = known_days - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            monetary = np.where(frequency > 0, (revenue - kept_sums[first_pos]) / np.maximum(frequency, 1), 0.0)
        del kept_sums, first_pos
        figures = {"frequency": frequency, "recency": at["last_p"] - at["first_p"], "T": end_day - at["first_p"],
                   "monetary_value": monetary, "revenue": revenue, "days_since_last": end_day - at["last_p"]}
        del at
        for col, values in figures.items():
            full = np.zeros(n, dtype=values.dtype)
            full[pos] = values
            out[col] = full
        out["order_days"] = np.where(known, out["frequency"] + 1, 0).astype(np.int64)
    del day_sums, day_of_start
    for name in tests:  # row tests: counts over each window, from one running count of the hits
        running = _running(hits.pop(name))
        for k, b in enumerate(bounds):
            for a in SPEC:
                if a.test == name and _usable(a, cols):
                    lo, hi = b[a.window]
                    start = run_starts + (le[lo] if lo is not None else 0)
                    outs[k][a.name] = (running[run_starts + le[hi]] - running[start]).astype(np.int64)
        del running
    tell("windows")
    # The gaps last, from the orders by customer and date-time, when the other per-order arrays are gone (#14).
    ns = _nanoseconds(t)
    del t
    columns = feature_columns(cols)
    tables = []
    for k, ts in enumerate(stamps):
        # The per-order arrays freed so far (many below glibc's mmap threshold) sit in the heap, where a gap array
        # cannot always reuse them: handed back before each date's gaps, the peak of the reduction (#14).
        release_memory()
        got = outs[k]
        got.update(_gaps_at(sc, ns, day, n, int(np.datetime64(ts.to_datetime64(), "D").view(np.int64))))
        # the columns as they are (no copy into consolidated blocks: the same values, half the memory at this peak)
        tables.append(pd.DataFrame({c: got[c] for c in columns}, index=pd.Index(uniques, name="customer_id"), copy=False))
        outs[k] = {}
        del got
        tell("gaps", k)
    return tables


def _rows_in(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """``values`` taken in the sequence ``rows`` (None: as they are)."""
    return values[rows] if rows is not None else values


def _file_sums(orders: pd.DataFrame, by_file: np.ndarray | None, file_slot: np.ndarray | None, marks: list, bounds: list,
               le: dict, run_starts: np.ndarray, run_size: np.ndarray) -> list[dict[str, np.ndarray]]:
    """The sums of amounts and margins at each date (``bounds``): whole file, last year, recent and usual windows, and
    the margin up to the date, each customer's orders added in the file's sequence (``by_file``: the rows by customer
    so; None: the file's own), as pandas' groupby adds.

    When each customer's orders are in date order in that sequence (``file_slot`` None), a window is a segment of each
    customer's run (``le``: the counts up to each bound) and is summed where it lies; otherwise its orders are picked
    by ``file_slot``, where each order's date lies among the bounds ``marks`` (:func:`_slots`, in the same sequence)."""
    n_rows = len(file_slot) if file_slot is not None else 0
    money = [_rows_in(orders["amount"].to_numpy(dtype=float), by_file)]
    if "margin" in orders.columns:
        money.append(_rows_in(orders["margin"].to_numpy(dtype=float), by_file))
    checks = [sum_checks(v) for v in money]  # each column read once for NaN and size, not once per sum

    def window_sums(values: list[np.ndarray], checks: list, lo, hi) -> list[np.ndarray]:
        below = le[lo] if lo is not None else 0
        sizes = (le[hi] if hi is not None else run_size) - below
        if file_slot is None or (lo is None and hi is None):  # the segments where they lie
            return segment_sums(values, run_starts + below, sizes, checks=checks)
        pick = np.ones(n_rows, dtype=bool) if hi is None else file_slot <= marks.index(hi)
        if lo is not None:
            pick &= file_slot > marks.index(lo)
        return segment_sums([v[pick] for v in values], np.cumsum(sizes) - sizes, sizes, checks=checks)

    whole = window_sums(money, checks, None, None)
    outs = []
    for b in bounds:
        out = {"revenue_all": whole[0]}
        year = window_sums(money, checks, *b["year"])
        out["revenue_365"] = year[0]
        out["amount_recent"] = window_sums(money[:1], checks[:1], *b["recent"])[0]
        out["amount_usual"] = window_sums(money[:1], checks[:1], *b["usual"])[0]
        if len(money) > 1:
            out["margin_all"], out["margin_365"] = whole[1], year[1]
            hi = b["known"][1]
            out["margin"] = whole[1] if bool((le[hi] == run_size).all()) else window_sums(money[1:], checks[1:], None, hi)[0]
        outs.append(out)
    return outs


def _row_numbers(rows: np.ndarray) -> np.ndarray:
    """Row numbers (a sort order) as int32 when they fit: half the memory while they are kept (#14)."""
    return rows.astype(np.int32) if len(rows) < 2**31 else rows


def _day_and_time_orders(sc: np.ndarray, held: list, by_file: np.ndarray | None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For orders by customer (codes ``sc``, date-times ``held = [t]``, rows ``by_file`` of the file, None: the file's
    own) whose dates are not in order within a customer: the rows sorted by customer then day, stably (the file's
    sequence kept within a day, as summarize sorts them before its day sums), the rows sorted by customer then
    date-time, stably (as the general way's gaps sort them), and ``t`` in the latter order. The codes stay ``sc`` in
    both. ``held`` is emptied: the caller hands ``t`` over, so it goes once sorted."""
    t = held.pop()
    day = (_nanoseconds(t) // (86_400 * 10**9)).astype(np.int32)
    low = int(day.min())
    # key = code * span + (day - low), in place (one array as long as the orders at a time, #14)
    key = sc.astype(np.int64)
    key *= int(day.max()) - low + 1
    key += day
    key -= low
    del day
    within = _row_numbers(stable_order(key))
    del key
    by_day = by_file[within] if by_file is not None else within
    t = t[within]
    del within
    # Days with several orders whose times are not in order: sort those orders by time, stably, within their day.
    day = (_nanoseconds(t) // (86_400 * 10**9)).astype(np.int32)
    tie = (sc[1:] == sc[:-1]) & (day[1:] == day[:-1])  # the next row is on the same day of the same customer
    del day
    if not bool(np.any(tie & (t[1:] < t[:-1]))):
        return by_day, by_day, t
    several = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])  # rows on a day with several orders
    which = np.cumsum(np.r_[True, ~tie], dtype=np.int32 if len(t) < 2**31 else np.int64)[several]  # that day's number
    del tie
    by_time = by_day.copy()
    moved = np.lexsort((t[several], which))
    by_time[several] = by_day[several][moved]
    t[several] = t[several][moved]
    return by_day, by_time, t


def _slots(t: np.ndarray, marks: list) -> np.ndarray:
    """Where each date of ``t`` lies among the sorted window bounds ``marks``: how many are before it (a date on a
    bound counts it as after: windows are ``(lo, hi]``), in the smallest integer type."""
    edges = np.array([np.datetime64(b.to_datetime64(), "ns") for b in marks], dtype="datetime64[ns]")
    same_unit = edges.astype(t.dtype)
    if bool((same_unit.astype("datetime64[ns]") == edges).all()):
        slot = np.searchsorted(same_unit, t, side="left")
    else:
        slot = np.searchsorted(edges, t.astype("datetime64[ns]"), side="left")
    return slot.astype(np.min_scalar_type(len(marks)))


def _running(hits: np.ndarray) -> np.ndarray:
    """The running count of ``hits`` from 0: ``hits[a:b].sum() == running[b] - running[a]``."""
    running = np.empty(len(hits) + 1, dtype=np.int32 if len(hits) < 2**31 else np.int64)
    running[0] = 0
    np.cumsum(hits, out=running[1:])
    return running


def _nanoseconds(t: np.ndarray) -> np.ndarray:
    """Date-times (within the nanosecond range) as int64 nanoseconds since 1970, ``t.astype("datetime64[ns]")``
    without numpy's per-value unit conversion when the unit is micro- or milliseconds (an exact product)."""
    unit = np.datetime_data(t.dtype)[0]
    if unit == "ns":
        return t.view(np.int64)
    if unit in ("us", "ms", "s"):
        return t.view(np.int64) * {"us": 1000, "ms": 10**6, "s": 10**9}[unit]
    return t.astype("datetime64[ns]").view(np.int64)


def _day_sums(amount: np.ndarray, rows: np.ndarray | None, day_starts: np.ndarray, n_rows: int, checks) -> np.ndarray:
    """summarize's compensated sum of each run of orders on one day: ``day_starts`` are where the runs start in the rows
    sorted by customer then day ``rows`` (None: the file's own sequence), ``amount`` is in the file's sequence. A
    one-order day is its amount plus 0.0 (NaN: 0.0, as :func:`playbook.kernels.group_sums`), the others are summed by
    :func:`playbook.kernels.segment_sums` over their amounts gathered in that order (only theirs: a copy of every
    amount in customer order would be as long as the orders, #14)."""
    sums = amount[day_starts if rows is None else rows[day_starts]]
    sums += 0.0
    if checks[0][0]:
        sums[np.isnan(sums)] = 0.0
    sizes = np.diff(day_starts, append=np.asarray(n_rows, dtype=day_starts.dtype))
    several = np.flatnonzero(sizes > 1)
    if len(several):
        counts = sizes[several]
        del sizes
        offsets = np.cumsum(counts) - counts  # where each such day starts among the gathered amounts
        at = np.repeat(day_starts[several] - offsets, counts)
        at += np.arange(len(at))  # the positions of their orders, in order
        sums[several] = segment_sums(amount[at if rows is None else rows[at]], offsets, counts, checks=checks)
    return sums


def _gaps_at(sc: np.ndarray, ns: np.ndarray, day: np.ndarray, n: int, end_day: int) -> dict[str, np.ndarray]:
    """:func:`_day_gaps` at the date ``end_day`` (days since 1970) for the orders sorted by customer and date-time
    (``sc`` their codes, ``ns`` their date-times in nanoseconds, ``day`` their days): the gaps between consecutive
    orders and between order days that end at an order known then (a prefix of each customer's: the review dates of
    this way are whole days), in the same order, so every total and median is the one :func:`_day_gaps` gives. No
    copy of the orders' arrays, and each per-gap array goes once used (they are as long as the orders, #14)."""
    later_known = day[1:] <= end_day
    same = sc[1:] == sc[:-1]  # row r + 1 follows row r of the same customer
    gap = same & later_known
    pair = [np.diff(ns)[gap] / 1e9, sc[1:][gap]]  # seconds (the int64 difference as a double, divided: as _day_gaps)
    del gap
    out = _gap_moments(pair, n)
    # order days known then: a new day starts where the customer or the day changes
    new_day = np.r_[True, ~same | (day[1:] != day[:-1])]
    del same
    new_day[1:] &= later_known
    new_day[0] &= bool(day[0] <= end_day)
    del later_known
    kc, kd = sc[new_day], day[new_day]  # int32 days: the gaps in days are the same integers, half the memory
    del new_day
    same_c = kc[1:] == kc[:-1]
    # one per-day array at a time: each customer's code goes before the day differences are made (#14)
    gap_c = kc[1:][same_c]
    del kc
    gap_days = np.diff(kd)
    del kd
    pairs = [gap_c, gap_days[same_c]]
    del gap_c, gap_days, same_c
    out["own_gap_days_raw"] = _gap_medians(pairs, n)
    return out


def _bound_counts(sc: np.ndarray, slot: np.ndarray, n: int, marks: list) -> dict:
    """For each window bound of ``marks``, each customer's number of orders dated up to it, from the orders' customer
    codes ``sc`` and :func:`_slots` ``slot`` (in any one sequence): one count per (customer, slot)."""
    width = len(marks) + 1
    if n * width < 2**31:
        key = sc.astype(np.int32)
        key *= np.int32(width)
    else:
        key = sc.astype(np.int64)
        key *= width
    key += slot  # the key (customer, slot), in place
    per = np.bincount(key, minlength=n * width).reshape(n, width)
    del key
    upto = np.cumsum(per, axis=1)
    return {b: np.ascontiguousarray(upto[:, i]) for i, b in enumerate(marks)}


class _SortedColumns:
    """The orders' row tests and summed columns in customer order (``orders[...][order]``), each made once."""

    def __init__(self, orders: pd.DataFrame, order: np.ndarray):
        self.orders, self.order = orders, order
        self.tested: dict[str, np.ndarray] = {}
        self.sorted_values: dict[str, np.ndarray] = {}

    def test(self, name: str) -> np.ndarray:
        if name not in self.tested:
            col, test, _ = ROW_TESTS[name]
            self.tested[name] = test(self.orders[col])[self.order]
        return self.tested[name]

    def values(self, column: str) -> np.ndarray:
        if column not in self.sorted_values:
            self.sorted_values[column] = self.orders[column].to_numpy(dtype=float)[self.order]
        return self.sorted_values[column]


def _reduce_date(columns, ts: pd.Timestamp, s: pd.DataFrame, sc: np.ndarray, dates: np.ndarray, run_starts: np.ndarray,
                 n: int, row_test: Callable[[str], np.ndarray], values_of: Callable[[str], np.ndarray]
                 ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The feature columns at ``ts`` but the gaps' (:func:`_day_gaps`), from the orders sorted by customer (``sc``
    their codes, ``dates`` their dates, ``run_starts`` where each customer's run begins) and ``s``,
    :func:`playbook.summarize` at ``ts``; and the mask of the rows known at ``ts``, which the gaps read."""
    bounds = _bounds(ts)
    n_rows = len(sc)
    masks: dict[str, np.ndarray] = {}

    def window(name: str) -> np.ndarray:
        if name not in masks:
            lo, hi = bounds[name]
            m = np.ones(n_rows, dtype=bool)
            if hi is not None:
                m &= dates <= np.datetime64(hi.to_datetime64(), "ns")
            if lo is not None:
                m &= dates > np.datetime64(lo.to_datetime64(), "ns")
            masks[name] = m
        return masks[name]

    out: dict[str, np.ndarray] = {}
    for a in SPEC:
        if not _usable(a, columns) or a.name in ("revenue", "margin"):  # these two: summarize's, set below
            continue
        m = window(a.window)
        if a.test:
            m = m & row_test(a.test)
        if a.op == "count":
            # Every customer has a run of rows in sc (codes of all orders): count each run's hits in one pass.
            out[a.name] = np.add.reduceat(m, run_starts, dtype=np.int64) if n_rows else np.zeros(n, dtype=np.int64)
            continue
        keys = sc[m]
        starts = group_starts(keys) if len(keys) else np.zeros(0, dtype=np.intp)
        if a.op == "sum":
            values = values_of(str(a.column))[m]  # a sum always names its column (SPEC)
            res = np.zeros(n)
            res[keys[starts]] = group_sums(values, starts)
        else:
            values = dates[m]
            res = np.full(n, np.datetime64("NaT"), dtype=dates.dtype)
            if len(keys):
                res[keys[starts]] = (np.minimum if a.op == "min" else np.maximum).reduceat(values, starts)
        out[a.name] = res
        del m, keys, starts, values
    known = out["n_orders"] > 0
    pos = np.flatnonzero(known)
    for col in ("frequency", "recency", "T", "monetary_value", "revenue", "margin", "days_since_last"):
        if col in s.columns:
            full = np.zeros(n, dtype=s[col].dtype)
            full[pos] = s[col].to_numpy()
            out[col] = full
    out["order_days"] = np.where(known, out["frequency"] + 1, 0).astype(np.int64)
    return out, window("known")


def _day_gaps(sc: np.ndarray, dates: np.ndarray, known: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Median gap between order days, and mean/std/count of the gaps between consecutive orders (seconds).

    Each per-order array is let go as soon as it is used: they are as long as the orders."""
    c, t = sc[known], dates[known].astype("datetime64[ns]").view(np.int64)
    # Consecutive orders of a customer, by date (stable: equal times keep the file's order); the rows
    # are already by customer, and usually by date within one, so the sort is mostly skipped.
    same = np.r_[False, c[1:] == c[:-1]]
    if np.any(same[1:] & (t[1:] < t[:-1])):
        o = np.lexsort((t, c))
        c, t = c[o], t[o]
        del o
    pair = [(np.diff(t, prepend=0).astype(float) / 1e9)[same], c[same]]
    out = _gap_moments(pair, n)
    # Order days: a customer's rows are by date, so a new day starts where the day changes.
    t //= 86_400 * 10**9  # whole days since 1970 (earlier dates floor the same way)
    new_day = ~same | np.r_[True, t[1:] != t[:-1]]
    del same
    kc, kd = c[new_day], t[new_day]
    del c, t, new_day
    same_c = np.r_[False, kc[1:] == kc[:-1]]
    pairs = [kc[same_c], np.diff(kd, prepend=0)[same_c]]
    del kc, kd, same_c
    out["own_gap_days_raw"] = _gap_medians(pairs, n)
    return out


def _gap_moments(pair: list, n: int) -> dict[str, np.ndarray]:
    """Mean, sample standard deviation and count of each customer's gaps from ``pair = [gaps, their customer codes]``
    (``n`` customers; NaN where there are too few). The list is emptied: the caller hands the gaps over, so they go
    as soon as their deviations are made (they can be as long as the orders)."""
    g, gc = pair
    pair.clear()
    cnt = np.bincount(gc, minlength=n)
    mean = np.full(n, np.nan)
    std = np.full(n, np.nan)
    has = cnt > 0
    mean[has] = np.bincount(gc, weights=g, minlength=n)[has] / cnt[has]
    dev = mean[gc]
    np.subtract(g, dev, out=dev)  # each gap's deviation, squared in place: one array as long as the gaps (#14)
    del g
    dev *= dev
    two = cnt > 1
    std[two] = np.sqrt(np.bincount(gc, weights=dev, minlength=n)[two] / (cnt[two] - 1))
    return {"gap_mean": mean, "gap_std": std, "gap_count": cnt.astype(np.int64)}


def _gap_medians(pairs: list, n: int) -> np.ndarray:
    """Each customer's median gap in days (NaN without one) from ``pairs = [customer codes, gaps]``.

    The list is emptied as soon as the pairs are packed for the sort, so the caller, which hands them over
    this way, does not keep two per-gap copies alive (they can be as long as the orders)."""
    gaps_c, gaps = pairs
    pairs.clear()
    med = np.full(n, np.nan)
    if len(gaps):
        # Sort each customer's gaps: one sort of (customer, gap) packed into an int64.
        width = int(gaps.max()) + 1
        packed = gaps_c.astype(np.int64)  # (customer, gap) packed in place, sorted in place: one array at a time (#14)
        # The customer of each packed value once sorted: the codes sorted (the customer is the packing's major part),
        # in their own narrow type, not ``packed // width`` (another int64 array as long as the gaps, #14).
        gaps_c = np.sort(gaps_c)
        packed *= width
        packed += gaps
        del gaps
        packed.sort()
        starts = group_starts(gaps_c)
        size = np.diff(np.r_[starts, len(packed)])
        # the middle gap(s) of each customer, unpacked alone (the gaps are small integers: exact as doubles)
        low, high = (packed[starts + (size - 1) // 2] % width).astype(float), (packed[starts + size // 2] % width).astype(float)
        med[gaps_c[starts]] = (low + high) / 2
    return med


# ----------------------------------------------------------------------------- SQL

def _lit(ts: pd.Timestamp) -> str:
    return f"TIMESTAMP '{ts.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _where(window: str, bounds) -> list[str]:
    lo, hi = bounds[window]
    parts = []
    if lo is not None:
        parts.append(f"order_date > {_lit(lo)}")
    if hi is not None:
        parts.append(f"order_date <= {_lit(hi)}")
    return parts


def render_sql(as_of, columns, *, source: str = "orders", dialect: str = "duckdb") -> str:
    """The SQL that computes :func:`compute`'s table from a relation ``source`` of orders.

    Standard SQL: aggregates with ``FILTER (WHERE ...)``, ``lag`` and ``row_number`` windows,
    ``median``. ``dialect="duckdb"`` sums with ``fsum`` (exactly rounded); ``"spark"`` (Spark SQL
    3.4+, run by :func:`compute_spark`) with ``sum`` and dates with ``datediff``. Rows come ordered
    by ``customer_id``. See :func:`_render_dates` for how it scales.

    Examples
    --------
    >>> sql = render_sql("2025-12-31", ["customer_id", "order_date", "amount"])
    >>> "count(*) FILTER (WHERE order_date <= TIMESTAMP '2025-12-31 23:59:59.999999')" in sql
    True
    """
    return _render_dates([as_of], columns, source=source, dialect=dialect)


def _suffix(k: int) -> str:
    return "" if k == 0 else f"__at{k}"


def _render_steps(dates, columns, *, source: str = "orders", dialect: str = "duckdb",
                  wanted=None) -> tuple[list[tuple[str, str]], str, list[tuple[str, str]]]:
    """The steps of one query computing :func:`compute`'s table at each of ``dates`` (columns of date ``k`` > 0 end in ``__at<k>``).

    Built to grow linearly with the orders, larger than memory: the text ids are mapped once to
    integer codes (ranked, so ordering by code orders by id) and every later stage groups, sorts
    and joins on the codes; the orders are read by one aggregate (every window of every date as
    ``FILTER`` clauses), one ``lag`` window over (code, time) only, and one reduction to
    (code, day) rows whose day gaps come from a window over that smaller table; each date's
    features are filters over those shared rows (a gap belongs to a date when its later end does),
    so a second date costs no second scan.

    Returns the steps (name, SQL), the final query (every feature of every date, one row per
    customer: ``customer_id``, ``cid`` and the features, from ``per_customer`` as ``p``, left
    joined to ``per_days`` as ``d`` and ``order_gaps`` as ``g`` by code) and its picks: each
    feature's (alias it reads, ``expression AS name``). ``wanted``: for each date, the features to
    compute (None: all of :func:`feature_columns`); an aggregate that no wanted feature reads is
    left out of the SQL (a step none reads, too).
    """
    if dialect not in ("duckdb", "spark"):
        raise InvalidArgumentError(f"render_sql: dialect must be 'duckdb' or 'spark'. Got {dialect!r}.")
    stamps = [to_timestamp(d, "as_of") for d in dates]
    wants = _wanted(stamps, columns, wanted)
    total = "fsum" if dialect == "duckdb" else "sum"
    text = "VARCHAR" if dialect == "duckdb" else "STRING"
    sep = "," + chr(10) + "           "

    def alias(name: str) -> str:  # T is a keyword-like name: quoted as each dialect quotes
        return name if not name.startswith("T") else f'"{name}"' if dialect == "duckdb" else f"`{name}`"

    def days_between(a: str, b: str) -> str:
        return f"date_diff('day', {a}, {b})" if dialect == "duckdb" else f"datediff({b}, {a})"

    seconds = ("date_diff('microsecond', prev_at, order_date) / 1e6" if dialect == "duckdb"
               else "(unix_micros(order_date) - unix_micros(prev_at)) / 1e6")
    last_known = " AND ".join(_where("known", _bounds(max(stamps))))
    aggs, gaps, days, picks, ranks = [], [], [], [], []
    for a in SPEC:  # the whole-file ones once: they are the same at every date
        if a.window == "all" and any(a.name in want for want in wants):
            aggs.append(_agg_sql(a, [], total, text, a.name))
    for k, (ts, want) in enumerate(zip(stamps, wants)):
        x = _suffix(k)
        bounds = _bounds(ts)
        known = " AND ".join(_where("known", bounds))
        day_known = f"day <= DATE '{ts.strftime('%Y-%m-%d')}'"
        day0 = f"DATE '{ts.strftime('%Y-%m-%d')}'"
        first, last = f"min(day) FILTER (WHERE {day_known})", f"max(day) FILTER (WHERE {day_known})"
        # Each day-level feature: its expression over the per_days (d) and order_gaps (g) rows, and the aggregates
        # of those steps it reads.
        day_sql = {
            "order_days": f"count(*) FILTER (WHERE {day_known})",
            "recency": days_between(first, last),
            "t_days": days_between(first, day0),
            "days_since_last": days_between(last, day0),
            "day_revenue": f"{total}(amount) FILTER (WHERE {day_known})",
            "first_day_amount": f"max(CASE WHEN k = 1 THEN amount END) FILTER (WHERE {day_known})",
            "own_gap_days_raw": f"avg(gap) FILTER (WHERE {day_known} AND 2 * r{x} IN (m{x}, m{x} + 1, m{x} + 2))",
        }
        gap_sql = {"gap_mean": f"avg(gap) FILTER (WHERE {known})", "gap_std": f"stddev_samp(gap) FILTER (WHERE {known})",
                   "gap_count": f"count(gap) FILTER (WHERE {known})"}
        day_picks = {  # (the step's alias, expression, the step's aggregates it reads)
            "order_days": ("d", f"coalesce(d.order_days{x}, 0)", ["order_days"]),
            "frequency": ("d", f"greatest(coalesce(d.order_days{x}, 0) - 1, 0)", ["order_days"]),
            "recency": ("d", f"coalesce(d.recency{x}, 0)", ["recency"]),
            "T": ("d", f"coalesce(d.t_days{x}, 0)", ["t_days"]),
            "monetary_value": ("d", f"CASE WHEN d.order_days{x} > 1 THEN (d.day_revenue{x} - d.first_day_amount{x}) / "
                                    f"(d.order_days{x} - 1) ELSE 0.0 END", ["order_days", "day_revenue", "first_day_amount"]),
            "days_since_last": ("d", f"coalesce(d.days_since_last{x}, 0)", ["days_since_last"]),
            "own_gap_days_raw": ("d", f"d.own_gap_days_raw{x}", ["own_gap_days_raw"]),
            "gap_mean": ("g", f"g.gap_mean{x}", ["gap_mean"]),
            "gap_std": ("g", f"g.gap_std{x}", ["gap_std"]),
            "gap_count": ("g", f"coalesce(g.gap_count{x}, 0)", ["gap_count"]),
        }
        for a in SPEC:
            if a.name in want:
                if a.window != "all":
                    aggs.append(_agg_sql(a, _where(a.window, bounds), total, text, a.name + x))
                picks.append(("p", f"p.{a.name}{'' if a.window == 'all' else x} AS {a.name}{x}"))
        day_wanted = [day_picks[name] + (name,) for name in _DAY_COLUMNS if name in want]
        reads = {agg for _, _, needs, _ in day_wanted for agg in needs}
        picks += [(step, f"{sql} AS {alias(name + x)}") for step, sql, _, name in day_wanted]
        days += [f"{sql} AS {name}{x}" for name, sql in day_sql.items() if name in reads]
        gaps += [f"{sql} AS {name}{x}" for name, sql in gap_sql.items() if name in reads]
        if "own_gap_days_raw" in reads:
            # The median gap as the mean of the one or two middle gaps of the date's ranked gaps (a holistic median
            # aggregate keeps every group's values in memory: at millions of customers it thrashes past the limit).
            part = "cid" if k == 0 else f"cid, {day_known}"  # date 0 is the latest: every day of the table is known then
            ranks.append(f"row_number() OVER (PARTITION BY {part} ORDER BY gap NULLS LAST) AS r{x}, "
                         f"count(gap) OVER (PARTITION BY {part}) AS m{x}")
    steps = [
        ("ids", f"""SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cid
    FROM (SELECT DISTINCT customer_id FROM {source}) AS u"""),
        # Joined to its code here (where the step may spill), so that every later table is read by code alone.
        ("per_customer", f"""SELECT i.cid, p.*
    FROM (SELECT {sep.join(['customer_id'] + aggs)}
          FROM {source}
          GROUP BY customer_id) AS p
    JOIN {{ids}} AS i ON i.customer_id = p.customer_id"""),
        ("coded", f"""SELECT i.cid, s.order_date, s.amount
    FROM {source} AS s JOIN {{ids}} AS i ON i.customer_id = s.customer_id
    WHERE {last_known}"""),
    ]
    joins = ""
    if gaps:
        steps += [
            ("lagged", """SELECT cid, order_date, lag(order_date) OVER (PARTITION BY cid ORDER BY order_date) AS prev_at
    FROM {coded}"""),
            ("order_gaps", f"""SELECT cid,
           {sep.join(gaps)}
    FROM (SELECT cid, order_date, {seconds} AS gap FROM {{lagged}}) AS l
    GROUP BY cid"""),
        ]
        joins = "\nLEFT JOIN {order_gaps} AS g ON g.cid = p.cid"
    if days:
        steps += [
            ("per_day", f"""SELECT cid, CAST(order_date AS DATE) AS day, {total}(amount) AS amount
    FROM {{coded}}
    GROUP BY cid, CAST(order_date AS DATE)"""),
            ("day_gaps", f"""SELECT cid, day, amount,
           {days_between('lag(day) OVER (PARTITION BY cid ORDER BY day)', 'day')} AS gap,
           row_number() OVER (PARTITION BY cid ORDER BY day) AS k
    FROM {{per_day}}"""),
            ("ranked", f"""SELECT {sep.join(['cid, day, amount, gap, k'] + ranks)}
    FROM {{day_gaps}}"""),
            ("per_days", f"""SELECT cid,
           {sep.join(days)}
    FROM {{ranked}}
    GROUP BY cid"""),
        ]
        joins = "\nLEFT JOIN {per_days} AS d ON d.cid = p.cid" + joins
    final = f"""SELECT {(','+chr(10)+'       ').join(['p.customer_id, p.cid'] + [sql for _, sql in picks])}
FROM {{per_customer}} AS p{joins}"""
    return steps, final, picks


def _wanted(stamps, columns, wanted) -> list[list[str]]:
    """For each date, the features :func:`_render_steps` computes: ``wanted``'s (all when None) that ``columns`` allow,
    in :func:`feature_columns`' order."""
    names = feature_columns(columns)
    if wanted is None:
        return [names] * len(stamps)
    if len(wanted) != len(stamps):
        raise InvalidArgumentError(f"wanted: one list of features per date ({len(stamps)}); got {len(wanted)}.")
    return [names if w is None else [n for n in names if n in set(w)] for w in wanted]


_STEP_NAMES = ("ids", "per_customer", "coded", "lagged", "order_gaps", "per_day", "day_gaps", "ranked", "per_days")


def _named(sql: str, prefix: str) -> str:
    """``sql`` with each ``{step}`` placeholder replaced by the step's name, ``prefix`` + step."""
    return sql.format(**{n: prefix + n for n in _STEP_NAMES})


def _render_dates(dates, columns, *, source: str = "orders", dialect: str = "duckdb", wanted=None) -> str:
    """:func:`_render_steps` as one query whose steps are common table expressions (``WITH``)."""
    steps, final, _ = _render_steps(dates, columns, source=source, dialect=dialect, wanted=wanted)
    return "WITH " + ", ".join(f"{name} AS (\n    {_named(body, '')}\n)" for name, body in steps) + "\n" + _named(final, "") \
        + "\nORDER BY p.cid"


def _agg_sql(a: Aggregate, conds: list, total: str, text: str, name: str) -> str:
    conds = conds + ([f"({ROW_TESTS[a.test][2].format(text=text)})"] if a.test else [])
    filt = f" FILTER (WHERE {' AND '.join(conds)})" if conds else ""
    if a.op == "count":
        return f"count(*){filt} AS {name}"
    if a.op == "sum":
        return f"coalesce({total}({a.column}){filt}, 0.0) AS {name}"
    return f"{a.op}({a.column}){filt} AS {name}"


# ----------------------------------------------------------------------------- DuckDB engine

def compute_duckdb(con, relation: str, as_of, columns) -> pd.DataFrame:
    """:func:`compute`'s table by DuckDB, from ``relation`` (a table or view of checked orders) on connection ``con``."""
    return _compute_duckdb_dates(con, relation, [as_of], columns)[0]


#: The steps DuckDB stores as temporary tables (spilled to disk beyond its memory limit); the others are views read by
#: the next stored step. One query of all the steps ran out of memory at 10M orders under a 400MB limit (DuckDB
#: plans its hash tables and sorts side by side), while each stored step spills and finishes.
_DUCKDB_STORED = ("ids", "per_customer", "order_gaps", "per_days")
_DUCKDB_PREFIX = "playbook_step_"


#: How often a long DuckDB query says how far it has got (seconds).
DUCKDB_PROGRESS_EVERY_S = 10.0


@contextlib.contextmanager
def _duckdb_progress(con, say, message: str):
    """While the block runs a query on ``con``, say ``message (45%, about 2 min left)`` through ``say`` every
    :data:`DUCKDB_PROGRESS_EVERY_S` seconds, from DuckDB's own estimate (``query_progress``, which needs
    ``enable_progress_bar``; the bar itself is not printed); nothing when ``say`` is None or DuckDB has no estimate."""
    if say is None:
        yield
        return
    from .byod import with_share

    stop, started = threading.Event(), time.monotonic()

    def watch() -> None:
        while not stop.wait(DUCKDB_PROGRESS_EVERY_S):
            try:
                share = con.query_progress() / 100
            except Exception:  # noqa: BLE001  (a closed or busy connection: stop saying, never fail the query)
                return
            if 0 <= share < 1 and not stop.is_set():
                say(with_share(message, share, started))

    watcher = threading.Thread(target=watch, name="playbook-duckdb-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def _compute_duckdb_dates(con, relation: str, dates, columns, say=None, wanted=None, release=None) -> list[pd.DataFrame]:
    """:func:`compute`'s table at each of ``dates``, by :func:`_render_steps` run step by step: one pass, not one per date.

    Each step is a temporary view or table of ``con`` named ``playbook_step_<step>``, dropped at the end.
    ``wanted``: for each date, the features to compute (None: all), as :func:`_render_steps` takes them; each
    date's table has those columns. ``release``, when given, is called once the stored steps are made and before
    the tables are fetched (to let go of what only the steps read, such as ``relation``'s own table).
    """
    steps, _, picks = _render_steps(dates, columns, source=relation, dialect="duckdb", wanted=wanted)
    made = []
    try:
        for name, body in steps:
            kind = "TABLE" if name in _DUCKDB_STORED else "VIEW"
            if say and kind == "TABLE":
                say(f"DuckDB step: {name}")
            with _duckdb_progress(con, say if kind == "TABLE" else None, f"DuckDB step: {name}"):
                con.execute(f"CREATE OR REPLACE TEMP {kind} {_DUCKDB_PREFIX}{name} AS {_named(body, _DUCKDB_PREFIX)}")
            made.append((kind, name))
        if release is not None:
            release()
        if say:
            say("fetching the feature tables from DuckDB")
        return _fetch_dates(con, picks, _wanted(dates, columns, wanted))
    finally:
        for kind, name in reversed(made):
            con.execute(f"DROP {kind} IF EXISTS {_DUCKDB_PREFIX}{name}")


#: The stored step each alias of :func:`_render_steps`' final query reads.
_PICKED_FROM = {"p": "per_customer", "d": "per_days", "g": "order_gaps"}


#: Rows per record batch fetched from DuckDB (a batch of every column of a step is a few tens of MB at most).
_FETCH_ROWS = 1 << 17


def _fetch_dates(con, picks, names, batch: int | None = None) -> list[pd.DataFrame]:
    """Each date's table (its ``names``) of :func:`_render_steps`' ``picks`` over the stored steps, indexed by the ids
    in code order, with :func:`compute`'s dtypes.

    No join and no sort of the features: each stored step is streamed on its own, in record batches of ``batch`` rows
    in whatever order DuckDB gives them, and each column is written in place at its rows (code - 1) into an array
    allocated once with its final dtype. So DuckDB needs next to no memory here and pandas about the tables
    themselves, where joining the steps into one result and converting it column by column held the tables two or
    three times over (and DuckDB's ``.df()`` collects the whole result in memory it cannot spill). A customer without
    a row in ``per_days`` or ``order_gaps`` gets what the final query's LEFT JOIN gives it: the picks evaluated on
    a row of NULLs.
    """
    def batches(sql: str):
        return con.sql(sql).to_arrow_reader(batch or _FETCH_ROWS)

    def put(values: np.ndarray, at, column) -> None:
        # An integer column has no NULLs (counts, coalesced days): zero_copy_only refuses one that would.
        values[at] = column.to_numpy(zero_copy_only=values.dtype.kind == "i")

    ids = batches(f"SELECT customer_id FROM {_DUCKDB_PREFIX}per_customer ORDER BY cid").read_all().column("customer_id")
    index = pd.Index(pd.Index(ids.to_pandas()).astype(str), name="customer_id")
    del ids
    out = [{name: np.empty(len(index), _feature_dtype(name)) for name in date_names} for date_names in names]
    target = {name + _suffix(k): values for k, arrays in enumerate(out) for name, values in arrays.items()}
    for alias, step in _PICKED_FROM.items():
        sql = ", ".join(s for a, s in picks if a == alias)
        if not sql:
            continue
        table = f"{_DUCKDB_PREFIX}{step} AS {alias}"
        if alias != "p":  # every customer has a per_customer row; not always one in the others
            for b in batches(f"SELECT {sql} FROM (SELECT 1) AS one LEFT JOIN {table} ON false"):
                for name, column in zip(b.schema.names, b.columns):
                    put(target[name], slice(None), column[0:1])
        for b in batches(f"SELECT {alias}.cid, {sql} FROM {table}"):
            at = b.column("cid").to_numpy() - 1
            for name, column in zip(b.schema.names[1:], b.columns[1:]):
                put(target[name], at, column)
    return [pd.DataFrame(arrays, index=index, copy=False) for arrays in out]


#: The day-level features that are whole numbers (the others are floats).
_INTEGER_DAY_COLUMNS = ("order_days", "frequency", "recency", "T", "days_since_last", "gap_count")


def _feature_dtype(name: str):
    """The dtype of feature ``name`` in :func:`compute`'s table, as the SQL engines give it."""
    op = next((a.op for a in SPEC if a.name == name), None)
    if op in ("min", "max"):
        return np.dtype("datetime64[ns]")
    return np.dtype(np.int64 if op == "count" or name in _INTEGER_DAY_COLUMNS else float)


def _date_table(frame: pd.DataFrame, k: int, columns) -> pd.DataFrame:
    """Date ``k``'s columns of a :func:`_render_dates` result, as :func:`compute`'s table."""
    x = _suffix(k)
    names = feature_columns(columns)
    return _engine_table(frame[["customer_id"] + [c + x for c in names]].rename(columns={c + x: c for c in names}), columns)


# ----------------------------------------------------------------------------- Spark engine

def _engine_table(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A feature table fetched from a SQL engine, with :func:`compute`'s dtypes, index and column order."""
    table = frame.set_index("customer_id")
    table.index = pd.Index(table.index.astype(str), name="customer_id")
    names = feature_columns(columns)
    for name in names:
        dtype = _feature_dtype(name)
        table[name] = (pd.to_datetime(table[name]) if dtype.kind == "M" else table[name]).astype(dtype)
    return table[names]


def compute_spark(spark, relation: str, as_of, columns) -> pd.DataFrame:
    """:func:`compute`'s table by Spark SQL, from ``relation`` (a table or temporary view of checked orders).

    ``spark`` is a ``SparkSession``. The query is :func:`render_sql` with ``dialect="spark"``; it
    runs with the session's time zone set to UTC (restored after), so that order times are read as
    written and day arithmetic has no daylight-saving jumps. Only the one row per customer comes
    back to the driver (``toPandas``). Sums add in Spark's order, so they can differ from
    :func:`compute` in the last digits.
    """
    return _compute_spark_dates(spark, relation, [as_of], columns)[0]


def _compute_spark_dates(spark, relation: str, dates, columns) -> list[pd.DataFrame]:
    """:func:`compute_spark` at each of ``dates``, by one query (:func:`_render_dates`): one pass, not one per date."""
    sql = _render_dates(dates, columns, source=relation, dialect="spark")
    key = "spark.sql.session.timeZone"
    before = spark.conf.get(key)
    spark.conf.set(key, "UTC")
    try:
        frame = spark.sql(sql).toPandas()
    finally:
        spark.conf.set(key, before)
    return [_date_table(frame, k, columns) for k in range(len(dates))]


# ----------------------------------------------------------------------------- DuckDB: reading and checking files

ENGINES = ("pandas", "duckdb", "spark")
_CSV = (".csv", ".tsv", ".txt")
_PARQUET = (".parquet", ".pq")
# Every kind of space from_orders trims around an id (ASCII whitespace, NBSP, ideographic, zero-width, BOM).
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200C))) \
    + "\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"


@dataclasses.dataclass
class FeatureRead:
    """What :func:`read_duckdb` gives the analysis: the feature table, the review date, the orders' totals and notes."""

    table: pd.DataFrame
    as_of: pd.Timestamp
    totals: dict
    notes: list
    files: list
    engine: str
    #: The feature table at the churn model's backtest date (``as_of`` - 180 days), or None.
    past: pd.DataFrame | None = None


def _q(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _need_duckdb():
    try:
        import duckdb
    except ImportError:
        raise InvalidArgumentError("engine='duckdb' needs the DuckDB package, which is not installed: pip install duckdb "
                                   "(or pip install 'retention-playbook[duckdb]'); or use the default engine "
                                   "(--engine pandas).") from None
    return duckdb


def is_remote(address) -> bool:
    """Whether ``address`` is a URL of a file system other than this machine's (``hdfs://``, ``s3a://``, ``gs://``, ...).

    >>> is_remote("s3a://bucket/orders/*.parquet"), is_remote("hdfs:///data/orders"), is_remote("file:///tmp/o.csv")
    (True, True, False)
    >>> is_remote("exports/orders_*.csv"), is_remote("C:" + chr(92) + "orders.csv")
    (False, False)
    """
    import re

    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]+)://", str(address)) if isinstance(address, str) else None
    return m is not None and m.group(1).lower() != "file"


def resolve_files(orders, engine: str = "duckdb", *, remote: bool = False) -> list:
    """The files ``orders`` names: a path, or a glob such as ``exports/orders_*.parquet`` (sorted).

    ``engine`` is the engine named in the messages (``"duckdb"`` or ``"spark"``). With ``remote=True``
    (the Spark engine), an address on another file system (``hdfs://...``, ``s3a://...``; :func:`is_remote`)
    is returned as it is, a one-item list of that string: Spark lists and reads it; this process cannot
    (so a caller uses :func:`input_record` and :func:`local_files` rather than hashing or sizing it). It is
    Parquet (a file, a glob or a folder of parts) unless it ends in ``.csv``, ``.tsv`` or ``.txt``."""
    import glob
    from pathlib import Path

    if isinstance(orders, pd.DataFrame) or not isinstance(orders, (str, Path)):
        raise InvalidArgumentError(f"engine={engine!r} reads files: give the path (or a glob) of CSV or Parquet orders, "
                                   f"not a {type(orders).__name__}; a DataFrame is analysed by the default engine.")
    if is_remote(orders):
        scheme = str(orders).split("://")[0]
        if engine != "spark":
            raise InvalidArgumentError(f"{_file_name(orders)}: engine={engine!r} reads files on this machine; an address such as "
                                       f"{scheme}://... is read by the Spark engine (--engine spark).")
        if not remote:
            raise InvalidArgumentError(f"{_file_name(orders)}: this step reads files on this machine; give the {scheme}:// "
                                       "address to playbook.features.read_spark, which hands it to Spark.")
        # Listed and read by Spark (its executors), not by this process: the address is passed on as it is.
        return [str(orders)]
    text = str(Path(orders).expanduser())
    if any(ch in text for ch in "*?[") and not Path(text).is_file():  # a file named with [ ] is read as it is
        files = [Path(p) for p in sorted(glob.glob(text, recursive=True)) if Path(p).is_file()]
        if not files:
            raise InvalidArgumentError(f"No file matches {orders!s}. Check the folder and the pattern "
                                       "(e.g. 'exports/orders_*.csv'; quote it so the shell does not expand it).")
    else:
        path = Path(text)
        if not path.is_file():
            raise InvalidArgumentError(f"No file {str(orders)!r}. Check the path.")
        files = [path]
    kinds = {p.suffix.lower() for p in files}
    if not kinds <= set(_CSV) | set(_PARQUET):
        odd = next(p for p in files if p.suffix.lower() not in _CSV + _PARQUET)
        raise InvalidArgumentError(f"engine={engine!r} reads CSV and Parquet files; {odd.name} is neither. "
                                   "Read Excel with the default engine (--engine pandas).")
    if kinds & set(_CSV) and kinds & set(_PARQUET):
        raise InvalidArgumentError(f"{orders!s} matches both CSV and Parquet files; give one kind per run.")
    return files


def _kind(files) -> str:
    return "csv" if str(files[0]).rstrip("/").lower().endswith(_CSV) else "parquet"


#: What ``summary.json``'s input record says instead of a hash when the files are not on this machine.
REMOTE_HASH = ("not computed: the orders are at a remote address ({scheme}://), read by Spark's executors; this "
               "process cannot read them to hash them")


def input_record(orders, files) -> dict:
    """``summary.json``'s ``input`` for the files :func:`resolve_files` gave: name and SHA-256 of one file, or the
    name of the glob and each file's; for a remote address (:func:`is_remote`), ``sha256`` is None and
    ``sha256_unavailable`` says why (nothing is read from it here). OSError if a local file cannot be read."""
    from . import output

    if any(is_remote(p) for p in files):
        return {"name": str(orders), "sha256": None,
                "sha256_unavailable": REMOTE_HASH.format(scheme=str(files[0]).split("://")[0])}
    digests = [output.sha256_file(p) for p in files]
    record: dict = {"name": files[0].name if len(files) == 1 else str(orders), "sha256": digests[0] if len(files) == 1 else None}
    if len(files) > 1:
        record["files"] = [{"name": p.name, "sha256": d} for p, d in zip(files, digests)]
    return record


def local_files(files) -> list:
    """The files of ``files`` on this machine (what an output folder must never replace; what has a size here)."""
    return [p for p in files if not is_remote(p)]


def _scan(files, kind: str, *, decimal=None, sample: bool = False) -> str:
    paths = "[" + ", ".join(_q(p) for p in files) + "]"
    if kind == "parquet":
        return f"read_parquet({paths}, filename = true)"
    return f"read_csv({paths}, header = true, all_varchar = true, filename = true{', sample_size = 2048' if sample else ''})"


def _schemas(con, files, kind: str) -> list:
    """(name, type) of every column, the same in every file; otherwise a DataValidationError naming the odd file."""
    def describe(p) -> list:
        try:
            cols = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {_scan([p], kind, sample=True)}").fetchall()]
        except Exception as exc:  # duckdb.Error: a file DuckDB cannot read
            raise DataValidationError(f"{p.name} cannot be read as {kind.upper()}: {str(exc).splitlines()[0]}. "
                                      "Check that it is an orders export.") from None
        return [c for c in cols if c[0] != "filename"]

    first = describe(files[0])  # resolve_files never gives an empty list
    for p in files[1:]:
        _same_columns(files[0], first, p, describe(p), types=kind == "parquet")
    return first


def _same_columns(first_file, first: list, file, cols: list, *, types: bool) -> None:
    """Refuse ``file`` if its (name, type) columns are not ``first_file``'s (types compared when ``types``)."""
    names0, names = [c[0] for c in first], [c[0] for c in cols]
    if names == names0 and (not types or cols == first):
        return
    missing = [n for n in names0 if n not in names]
    extra = [n for n in names if n not in names0]
    what = (f"lacks {', '.join(map(repr, missing))}" if missing else "") + ("; " if missing and extra else "") + \
           (f"has {', '.join(map(repr, extra))} in addition" if extra else "")
    if not what:
        what = "has the same columns in another order or with other types"
    raise DataValidationError(f"{_file_name(file)} does not have the columns of {_file_name(first_file)}: it {what}. "
                              "Files read together must have the same columns; analyse them separately or fix the export.")


def _file_name(file) -> str:
    """The last part of a path or an address (``s3a://bucket/orders/part-1.parquet`` -> ``part-1.parquet``)."""
    text = str(file).rstrip("/")
    return text.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or text


def _expr(kit: str, col: str, typ: str, *, date_format=None, decimal=None) -> str:
    """SQL that turns the user's column into the kit's (NULL where it cannot be read)."""
    c = _ident(col)
    text = f"CAST({c} AS VARCHAR)"
    if kit == "customer_id":
        # Trimming against a list of characters is slow; ids that start and end with a printable ASCII
        # character (nearly all) need none.
        return (f"nullif(CASE WHEN ascii({text}) BETWEEN 33 AND 126 AND ascii(reverse({text})) BETWEEN 33 AND 126 "
                f"THEN {text} ELSE trim({text}, {_q(_SPACES)}) END, '')")
    if kit == "order_date":
        if typ.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"CAST(timezone('UTC', {c}) AS TIMESTAMP)"
        if typ.startswith(("TIMESTAMP", "DATE")):
            return f"CAST({c} AS TIMESTAMP)"
        if date_format:
            return f"try_strptime(trim({text}), {_q(date_format)})"
        # Through TIMESTAMPTZ with the session in UTC: a time with an offset (+02:00, Z) is converted to UTC, as the
        # default engine does, instead of losing its offset; a time without one is kept as written.
        return f"CAST(TRY_CAST(trim({text}) AS TIMESTAMPTZ) AS TIMESTAMP)"
    if kit in ("amount", "margin", "discount"):
        if typ in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER") \
                or typ.startswith("DECIMAL"):
            return f"CAST({c} AS DOUBLE)"
        t = f"trim({text})"
        if decimal == ",":
            t = f"replace(replace({t}, '.', ''), ',', '.')"
        return f"TRY_CAST({t} AS DOUBLE)"
    return f"nullif(trim({text}), '')"


def _mapped_columns(columns, schema, name: str) -> dict[str, str]:
    """The kit's columns a SQL engine reads, as {kit name: the file's column}, from ``columns=`` and the file's schema.

    Refuses (with the file's columns named) a ``columns=`` key that is not a kit column, a required column
    (customer_id, order_date, amount) the file lacks, and a mapped column the file lacks. An unmapped
    ``product_line`` is read when the file has one that no other kit column took.
    """
    from .byod import ORDER_COLUMNS

    columns = dict(columns or {})
    for kit in columns:
        if kit not in ORDER_COLUMNS:
            raise InvalidArgumentError(f"columns= has the key {kit!r}, which is not a kit column; keys are the kit's names "
                                       f"({', '.join(ORDER_COLUMNS)}), values are yours.")
    wanted = {kit: columns.get(kit, kit) for kit in ORDER_COLUMNS}
    for kit in ("customer_id", "order_date", "amount"):
        if wanted[kit] not in schema:
            raise DataValidationError(f"{name} has no column {wanted[kit]!r} for {kit}; its columns are "
                                      f"{', '.join(map(repr, schema))}. Map yours with --map {kit}=<your column> (columns= in Python).")
    for kit, col in columns.items():
        if col not in schema:
            raise DataValidationError(f"{name} has no column {col!r} (mapped to {kit}); its columns are {', '.join(map(repr, schema))}.")
    used = {kit: col for kit, col in wanted.items() if col in schema}
    used.update({k: k for k in ("product_line",) if k in schema and k not in used.values()})
    return used


@dataclasses.dataclass(frozen=True)
class _Dialect:
    """How a SQL engine spells what the checks of the orders need."""

    count: Callable[[str], str]  # rows where a condition holds
    nonfinite: Callable[[str], str]  # a number that is NaN or infinite
    total: str  # the sum function
    blank: Callable[[str], str]  # the raw text of a column ("date", "amount") was empty (or NaN for amounts)


def _blank(raw: str) -> str:
    return f"(nullif(trim({raw}), '') IS NULL)"


# The check queries run on the parsed orders (DuckDB: a table with the blank flags precomputed; Spark: the view
# with the raw text); the examples are quoted from the view with the raw text.
_BLANK_RAW: dict[str, str] = {"date": _blank("raw_date"),
              "amount": f"({_blank('raw_amount')} OR lower(trim(raw_amount)) = 'nan')"}
_DUCKDB = _Dialect(count=lambda cond: f"count(*) FILTER (WHERE {cond})",
                   nonfinite=lambda x: f"isinf({x}) OR isnan({x})", total="fsum",
                   blank=lambda what: f"blank_{what}")
_DUCKDB_RAW = dataclasses.replace(_DUCKDB, blank=lambda what: _BLANK_RAW[what])
_SPARK = _Dialect(count=lambda cond: f"count_if({cond})",
                  nonfinite=lambda x: f"isnan({x}) OR abs({x}) = double('infinity')", total="sum",
                  blank=lambda what: _BLANK_RAW[what])


_Check = tuple[str, str, Callable[[_Dialect], str], str, str, str]


def _order_checks(used: dict, limits) -> list[_Check]:
    """The checks of the orders, in the order they are reported: (key, the kit column it is about, condition in a
    dialect, raw column quoted in the examples, "blank" if that value is empty (so an engine without line numbers
    quotes the customer instead), message).

    The message is formatted with ``name``, ``col`` (the user's column), ``n`` (the count), ``eg`` (the examples),
    ``unit`` ("line" of a CSV, "row")."""
    DATE_RANGE, MAX_AMOUNT = limits
    lo, hi = _lit(DATE_RANGE[0]), _lit(DATE_RANGE[1])
    checks: list[_Check] = [
        ("no_id", "customer_id", lambda d: "customer_id IS NULL", "raw_id", "", "{name}, column {col}: no customer in {n} {unit}(s), e.g. "
         "{eg}. Every order needs a customer id: fill or remove these {unit}s."),
        ("no_date", "order_date", lambda d: f"order_date IS NULL AND {d.blank('date')}", "raw_date", "blank",
         "{name}, column {col}: {n} date(s) missing, e.g. {eg}. Fill them in the export, or drop those orders."),
        ("bad_date", "order_date", lambda d: f"order_date IS NULL AND NOT {d.blank('date')}", "raw_date", "",
         "{name}, column {col}: {n} date(s) cannot be read, e.g. {eg}. Pass --date-format (date_format=), e.g. %d.%m.%Y "
         "or %Y%m%d, or use the default engine (--engine pandas), which detects more formats."),
        ("odd_date", "order_date", lambda d: f"order_date < {lo} OR order_date > {hi}", "raw_date", "",
         f"{{name}}, column {{col}}: {{n}} date(s) outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}, e.g. {{eg}}. "
         "Fix these dates."),
        ("no_amount", "amount", lambda d: f"(amount IS NULL OR isnan(amount)) AND {d.blank('amount')}", "raw_amount", "blank",
         "{name}, column {col}: {n} amounts missing (empty or NaN), e.g. {eg}. Fill them in the export, or drop those "
         "orders before loading."),
        ("bad_amount", "amount", lambda d: f"amount IS NULL AND NOT {d.blank('amount')}", "raw_amount", "",
         "{name}, column {col}: amounts must be numbers; {n} value(s) are not, e.g. {eg}. Pass --decimal , for decimal "
         "commas, or use the default engine (--engine pandas), which reads currency signs and thousands separators."),
        ("absurd", "amount", lambda d: f"{d.nonfinite('amount')} OR abs(amount) > {MAX_AMOUNT:.0f}", "raw_amount", "",
         f"{{name}}, column {{col}}: {{n}} of the amounts are infinite or larger than {MAX_AMOUNT:,.0f} in absolute value, "
         "e.g. {eg}. No single order is that large: fix or remove these {unit}s."),
    ]
    def bad_number(kit: str) -> Callable[[_Dialect], str]:
        return lambda d: f"{kit} IS NULL OR {d.nonfinite(kit)}"

    for kit in ("margin", "discount"):
        if kit in used:
            checks.append((f"bad_{kit}", kit, bad_number(kit), f"raw_{kit}", "",
                           f"{{name}}, column {{col}}: {{n}} {kit} value(s) missing or not finite numbers, e.g. {{eg}}. "
                           "Fix them in the export (every order needs a number there), or rename that column so the kit "
                           "does not read it."))
    return checks


def _check_sql(used: dict, limits, d: _Dialect) -> dict[str, str]:
    """The aggregates of the one query that counts every problem of the orders, in dialect ``d``."""
    sql = {"rows": "count(*)"}
    sql.update({key: d.count(cond(d)) for key, _, cond, *_ in _order_checks(used, limits)})
    sql["negative"] = d.count("amount < 0")
    sql["negative_total"] = f"coalesce({d.total}(CASE WHEN amount < 0 THEN amount END), 0)"
    if "order_id" in used:
        sql["repeated"] = "count(order_id) - count(DISTINCT order_id)"
    return sql


def _refuse_bad_orders(c: dict, used: dict, limits, name: str, unit: str, d: _Dialect, examples, refunds: str, notes) -> str:
    """Raise the first problem the counts ``c`` show (examples quoted by ``examples(condition, value, blank)``);
    note the refunds; return the condition that keeps the orders the analysis reads."""
    col = {k: repr(v) for k, v in used.items()}
    if c["rows"] == 0:
        raise DataValidationError(f"{name} has a header but no orders. Export the rows too, not only the column names.")
    for key, kit, cond, value, blank, message in _order_checks(used, limits):
        if c.get(key):
            raise DataValidationError(message.format(name=name, col=col[kit], n=c[key], unit=unit,
                                                     eg=examples(cond(d), value, blank)))
    if c.get("repeated"):
        raise DataValidationError(f"{name}, column {col['order_id']}: order ids must be unique; {c['repeated']} repeat(s). "
                                  "Fix the ids, or use the default engine with --duplicates drop for exact repeats.")
    if not c["negative"]:
        return "TRUE"
    total = f"{float(c['negative_total']):,.2f}"
    if refunds == "error":
        raise DataValidationError(f"{name}, column {col['amount']}: {c['negative']} negative amount(s), e.g. "
                                  f"{examples('amount < 0', 'raw_amount', '')}. If these are refunds, pass --refunds keep "
                                  "(kept as negative orders) or --refunds drop; otherwise fix them.")
    if c["negative"] == c["rows"]:
        left = "no orders are left" if refunds == "drop" else "there are no sales"
        raise DataValidationError(f"{name}: every order is a refund (negative amount), so {left} to analyse. "
                                  "Check that the amount column is the order value, not a refund or balance column.")
    notes.add("refunds_dropped" if refunds == "drop" else "refunds_kept", name=name, n=int(c["negative"]), total=total)
    return "amount >= 0" if refunds == "drop" else "TRUE"


def read_duckdb(orders, columns: dict | None = None, *, as_of=None, refunds: str = "error", duplicates: str = "error",
                encoding=None, sheet=None, date_format=None, decimal=None, dayfirst=None, lang=None, progress=None,
                con=None, memory_limit=None) -> FeatureRead:
    """Read and check CSV or Parquet orders with DuckDB and compute their feature table there.

    The orders never become a pandas frame: DuckDB scans the file(s) (a glob too), the checks of
    :func:`playbook.byod.from_orders` run as SQL counts (missing ids, unreadable or out-of-range
    dates, amounts that are not numbers or not finite, repeated order ids, refunds, orders after
    ``as_of``), each refused with the count and the first offending lines, and :func:`render_sql`
    reduces them to one row per customer.

    ``memory_limit`` is the most memory DuckDB may use (its ``memory_limit`` setting: ``"8GB"``,
    ``"500MB"``, or a number of bytes); beyond it DuckDB spills to a temporary folder
    (``playbook_duckdb_*`` in the system's temporary folder), removed when the read ends, of at most
    half the free disk (beyond that the read is refused, saying so). The
    default, None, is half of the machine's memory (:func:`default_memory_limit`). Once the orders
    are reduced, their table is dropped and the limit lowered to 256 MiB (or ``memory_limit``, if
    lower) while the feature tables are streamed into pandas, so DuckDB's memory is handed back
    before pandas' grows (the review date's table, and the backtest date's with the columns the
    churn backtest reads, about 370 MB per million customers). A spill folder left by a run
    that was killed (its marker file names a process that no longer runs) is removed by the next
    read. With ``con`` (your own connection), configure it yourself; ``memory_limit`` is refused.
    """
    from .byod import ReadNotes

    duckdb = _need_duckdb()
    for name, value, ok in (("encoding", encoding, encoding in (None, "utf-8", "utf8", "UTF-8")), ("sheet", sheet, sheet is None),
                            ("dayfirst", dayfirst, dayfirst is None), ("duplicates", duplicates, duplicates == "error")):
        if not ok:
            raise InvalidArgumentError(f"{name}={value!r} is not supported by engine='duckdb' (it reads UTF-8 CSV and Parquet, "
                                       "ISO dates or --date-format); use the default engine (--engine pandas) for this file.")
    if refunds not in ("error", "keep", "drop"):
        raise InvalidArgumentError(f"The 'refunds' parameter must be 'error', 'keep' or 'drop'. Got {refunds!r}.")
    files = resolve_files(orders)
    kind = _kind(files)
    name = files[0].name if len(files) == 1 else f"{str(orders)} ({len(files)} files)"
    notes = ReadNotes(lang)
    say = progress or (lambda message: None)
    if con is not None:
        if memory_limit is not None:
            raise InvalidArgumentError("memory_limit= applies to the connection read_duckdb opens; with con=, set it on "
                                       "yours: con.execute(\"SET memory_limit = '8GB'\").")
        return _read_duckdb(con, duckdb, files, kind, name, notes, say, columns, as_of=as_of, refunds=refunds,
                            date_format=date_format, decimal=decimal)
    limit = check_memory_limit(memory_limit)
    import shutil

    # DuckDB spills to disk beyond its memory limit: into a folder of the system's temporary one, removed after (and by
    # the next run if this one is killed before it can).
    removed = clean_stale_spills()
    if removed:
        say(f"removed {len(removed)} temporary folder(s) left by an earlier DuckDB run that was stopped")
    spill = _make_spill_folder()
    # DuckDB would fill the disk up to 90% of its free space; the kit leaves the other half of it to everything else.
    disk = f"{max(shutil.disk_usage(spill).free // 2, 1 << 30)}B"
    try:
        con = duckdb.connect(config={"temp_directory": str(spill), "memory_limit": limit, "max_temp_directory_size": disk})
    except Exception:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    # DuckDB tracks each query's progress (read by _duckdb_progress) but prints no bar: one on stdout would mix with
    # the command's own output
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    # Rows need not keep the file's order (every step groups, sorts or joins): lets DuckDB stream instead of buffering.
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's allocator hands the memory of a finished step back to the system from threads of its own; without them
    # it keeps it (about 1 GB at 10M orders, as much as the feature tables then fetched) until it allocates again.
    con.execute("SET allocator_background_threads = true")
    # While pandas fills the feature tables, DuckDB only streams its stored steps and sorts the ids: its limit is
    # lowered then (to 256 MiB), so that the steps' tables it holds in memory (gigabytes at millions of customers) go to disk.
    fetch_limit = f"{int(min(_memory_bytes(limit), _FETCH_MEMORY))}B"
    try:
        return _read_duckdb(con, duckdb, files, kind, name, notes, say, columns, as_of=as_of, refunds=refunds,
                            date_format=date_format, decimal=decimal, fetch_limit=fetch_limit)
    except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        if isinstance(exc, duckdb.IOException) and "temp" not in str(exc).lower():
            raise
        raise DataValidationError(f"{name} is too big for DuckDB's memory limit ({limit}) and the temporary disk space it "
                                  f"may use ({int(disk[:-1]) / 1e9:,.1f} GB, half the free disk): {str(exc).splitlines()[0]}. "
                                  "Give it more memory (--memory-limit), free disk space, or split the export by period "
                                  "and analyze each part.") from None
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


# ----------------------------------------------------------------------------- DuckDB: memory and the spill folder

_SPILL_PREFIX = "playbook_duckdb_"
#: The file in a spill folder that proves the kit made it: JSON with ``made_by`` and the ``pid`` of the run.
SPILL_MARKER = "playbook_spill.json"
_MEMORY_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
                 "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


def default_memory_limit() -> str:
    """Half of the machine's physical memory, in DuckDB's spelling (e.g. ``"11.7GiB"``); ``"4GiB"`` if it is unknown."""
    import os

    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return "4GiB"
    return f"{max(total / 2, 256 * 1024**2) / 1024**3:.1f}GiB"


def check_memory_limit(memory_limit) -> str:
    """``memory_limit`` as DuckDB's setting (None: :func:`default_memory_limit`); an InvalidArgumentError if unreadable.

    >>> check_memory_limit("8GB"), check_memory_limit(2 * 1024**3), check_memory_limit(" 1.5 gib ")
    ('8GB', '2147483648B', '1.5GiB')
    """
    import re

    if memory_limit is None:
        return default_memory_limit()
    if isinstance(memory_limit, (int, float)) and not isinstance(memory_limit, bool) and memory_limit >= 1:
        return f"{int(memory_limit)}B"
    m = re.fullmatch(_MEMORY_SIZE, str(memory_limit), flags=re.IGNORECASE)
    if not m or _memory_bytes(memory_limit) < 16 * 1024**2:
        raise InvalidArgumentError(f"--memory-limit (memory_limit=) must be a size such as 8GB, 500MB or 2GiB, at least 16MB. "
                                   f"Got {str(memory_limit)[:40]!r}.")
    unit = {"b": "B", "kb": "KB", "mb": "MB", "gb": "GB", "tb": "TB"}.get(m.group(2).lower(), m.group(2)[0].upper() + "iB")
    return f"{m.group(1)}{unit}"


_MEMORY_SIZE = r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*"


def _memory_bytes(size) -> float:
    """The bytes of a size as :func:`check_memory_limit` reads it (``"8GB"``, ``" 1.5 gib "``, ``"123B"``); 0.0 if unreadable.

    >>> _memory_bytes("1.5GiB") == 1.5 * 1024**3, _memory_bytes("8GB"), _memory_bytes("lots")
    (True, 8000000000.0, 0.0)
    """
    import re

    m = re.fullmatch(_MEMORY_SIZE, str(size), flags=re.IGNORECASE)
    return float(m.group(1)) * _MEMORY_UNITS[m.group(2).lower()] if m else 0.0


def _make_spill_folder(root=None):
    """A new ``playbook_duckdb_*`` folder with the marker that lets a later run recognise it."""
    import json
    import os
    import tempfile
    from pathlib import Path

    spill = Path(tempfile.mkdtemp(prefix=_SPILL_PREFIX, dir=root))
    (spill / SPILL_MARKER).write_text(json.dumps({"made_by": "retention-playbook", "pid": os.getpid()}))
    return spill


def _pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):  # alive under another user, or not a pid we can ask about
        return True
    return True


def clean_stale_spills(root=None) -> list:
    """Remove the spill folders of DuckDB reads that were killed before they could; return their paths.

    A folder is removed only when the kit can prove it made it and that its run is over: a real
    folder (not a link) named ``playbook_duckdb_*`` in ``root`` (default: the system's temporary
    folder), owned by this user, holding :data:`SPILL_MARKER` written by the kit, whose ``pid`` is
    no longer a running process. Anything else is left alone. (On Windows, where a process cannot
    be asked whether it runs without a helper package, nothing is removed.)
    """
    import json
    import os
    import shutil
    import stat
    import tempfile
    from pathlib import Path

    if os.name == "nt":
        return []
    base = Path(root or tempfile.gettempdir())
    removed = []
    try:
        candidates = sorted(base.glob(_SPILL_PREFIX + "*"))
    except OSError:
        return []
    for folder in candidates:
        try:
            st = folder.lstat()
            marker = folder / SPILL_MARKER
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or marker.is_symlink() or not marker.is_file():
                continue
            meta = json.loads(marker.read_text(encoding="utf-8")[:1000])
            pid = meta.get("pid") if isinstance(meta, dict) and meta.get("made_by") == "retention-playbook" else None
            if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or pid == os.getpid() or _pid_alive(pid):
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


#: DuckDB's memory limit while the feature tables are fetched (or the run's limit, if lower).
_FETCH_MEMORY = 256 * 1024**2


def _read_duckdb(con, duckdb, files, kind, name, notes, say, columns, *, as_of, refunds, date_format, decimal,
                 fetch_limit=None) -> FeatureRead:
    """:func:`read_duckdb` on an open connection (``fetch_limit``: DuckDB's memory limit once the orders are reduced)."""
    from pathlib import Path

    con.execute("SET TimeZone = 'UTC'")

    from .byod import DATE_RANGE, MAX_AMOUNT, check_as_of

    schema = dict(_schemas(con, files, kind))
    used = _mapped_columns(columns, schema, name)
    fmt = date_format
    select = [f"{_expr(k, c, schema[c], date_format=fmt, decimal=decimal)} AS {k}" for k, c in used.items()]
    raw = {k: f"CAST({_ident(c)} AS VARCHAR)" for k, c in used.items()}
    extra_raw = [k for k in ("margin", "discount") if k in used]
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {', '.join(select)}, "
                f"{raw['order_date']} AS raw_date, {raw['amount']} AS raw_amount, "
                + "".join(f"{raw[k]} AS raw_{k}, " for k in extra_raw)
                + f"{raw['customer_id']} AS raw_id, filename FROM {_scan(files, kind, decimal=decimal)}")
    # The file(s) are parsed once into a compact DuckDB table (spilled to disk beyond DuckDB's memory limit) that the
    # checks and the feature query scan; the raw text is read again only to quote offending lines.
    # Without the file name (the raw view has it for the examples): a path repeated on every row is the widest column.
    with _duckdb_progress(con, say, f"reading {name} with DuckDB"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT * EXCLUDE (filename, raw_date, raw_amount, raw_id"
                    f"{''.join(f', raw_{k}' for k in extra_raw)}), "
                    f"{_BLANK_RAW['date']} AS blank_date, {_BLANK_RAW['amount']} AS blank_amount FROM src")
    say(f"checking {name} with DuckDB")
    limits = (DATE_RANGE, MAX_AMOUNT)
    checks = _check_sql(used, limits, _DUCKDB)
    try:
        with _duckdb_progress(con, say, f"checking {name} with DuckDB"):
            row = con.execute(f"SELECT {', '.join(f'{v} AS {k}' for k, v in checks.items())} FROM parsed").fetchone()
    except duckdb.Error as exc:
        raise DataValidationError(f"{name} cannot be read: {str(exc).splitlines()[0]}. Check that it is the orders export "
                                  "(UTF-8 CSV or Parquet), or use the default engine (--engine pandas).") from None
    c = dict(zip(checks, row))
    unit = "row" if kind == "parquet" else "line"

    def lines(condition: str, value: str, blank: str = "") -> str:
        first = 1 if kind == "parquet" else 2  # the header is line 1 of a CSV
        rows = con.execute(f"SELECT filename, k, v FROM (SELECT filename, row_number() OVER (PARTITION BY filename) + {first - 1} "
                       f"AS k, {value} AS v, * FROM src) WHERE {condition} LIMIT 3").fetchall()
        return ", ".join(f"{unit} {k} of {Path(f).name} ({v!r})" if len(files) > 1 else f"{unit} {k} ({v!r})" for f, k, v in rows)

    col = {k: repr(v) for k, v in used.items()}
    keep = _refuse_bad_orders(c, used, limits, name, unit, _DUCKDB_RAW, lines, refunds, notes)
    if as_of is None:
        last = con.execute(f"SELECT max(order_date) FROM parsed WHERE {keep}").fetchone()[0]
        ts = pd.Timestamp(last).normalize()
        notes.add("as_of", date=ts.date())
    else:
        ts = check_as_of(as_of)
        late = con.execute(f"SELECT count(*) FROM parsed WHERE {keep} AND order_date > {_lit(end_of_day(ts))}").fetchone()[0]
        if late:
            raise DataValidationError(f"{name}, column {col['order_date']}: {late} order(s) after as_of={ts.date()}, e.g. "
                                      f"{lines(f'({keep}) AND order_date > {_lit(end_of_day(ts))}', 'raw_date')}. "
                                      "Pass a later as_of, or remove orders you should not know yet.")
    kits = [k for k in ("customer_id", "order_date", "amount", "margin", "discount", "channel", "product_line") if k in used]
    con.execute(f"CREATE OR REPLACE TEMP VIEW orders AS SELECT {', '.join(kits)} FROM parsed WHERE {keep}")
    if refunds == "keep" and c["negative"]:
        neg = con.execute("SELECT customer_id FROM orders GROUP BY customer_id HAVING fsum(amount) < 0 ORDER BY customer_id").fetchall()
        if neg:
            notes.add("net_negative", name=name, n=len(neg),
                      ids=notes.text("list_sep").join(repr(str(r[0])) for r in neg[:5]))
    totals_row = con.execute("SELECT count(*), coalesce(fsum(amount), 0), min(order_date), max(order_date) FROM orders").fetchone()
    totals = {"orders": int(totals_row[0]), "revenue": float(totals_row[1]), "first_order": pd.Timestamp(totals_row[2]),
              "last_order": pd.Timestamp(totals_row[3]), "has_margin": "margin" in kits}
    say(f"reducing {totals['orders']:,} orders to one row per customer in DuckDB")
    from .strategy import CHURN_HORIZON_DAYS

    then = ts - pd.Timedelta(days=CHURN_HORIZON_DAYS)  # the churn model's backtest date

    def release():  # the orders are reduced: their table (in memory and spilled) goes before the tables are fetched
        for kind, name in (("VIEW", "orders"), ("TABLE", "parsed"), ("VIEW", "src")):
            con.execute(f"DROP {kind} IF EXISTS {name}")
        if fetch_limit is not None:
            con.execute(f"SET memory_limit = '{fetch_limit}'")

    if totals["first_order"] <= end_of_day(then):  # both dates in one pass over the orders
        # At the backtest date, only the columns the churn model's backtest reads (:func:`_past_features`).
        table, past = _compute_duckdb_dates(con, "orders", [ts, then], kits, say=say, wanted=[None, _past_features()],
                                            release=release)
    else:
        table, past = _compute_duckdb_dates(con, "orders", [ts], kits, say=say, release=release)[0], None
    return FeatureRead(table=table, as_of=ts, totals=totals, notes=list(notes), files=files,
                       engine=f"duckdb {duckdb.__version__}", past=past)


def _past_features() -> list[str]:
    """The features the churn model's backtest reads from the table at its date
    (:func:`playbook.churn.model_from_features`: who was known then, and their signals)."""
    from .churn import SIGNAL_FEATURES

    return ["n_orders", *SIGNAL_FEATURES]


# ----------------------------------------------------------------------------- Spark: reading and checking files

_SPARK_NUMBERS = ("double", "float", "int", "bigint", "smallint", "tinyint")
# strftime codes -> Spark's datetime pattern letters (--date-format is written as for the other engines).
_SPARK_DATE_CODES = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%f": "SSSSSS", "%y": "yy",
                     "%%": "%"}


def need_spark():
    try:
        import pyspark
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidArgumentError("engine='spark' needs PySpark, which is not installed: pip install pyspark "
                                   "(or pip install 'retention-playbook[spark]'), and Java 17 (e.g. apt-get install "
                                   "openjdk-17-jre-headless); or use the default engine (--engine pandas).") from None
    return pyspark, SparkSession


def _spark_session(SparkSession):
    """The active Spark session (the one ``spark-submit`` configured), or a local one."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    try:
        return (SparkSession.builder.appName("retention-playbook analyze")
                .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    except Exception as exc:  # no Java, or a JVM that does not start
        raise InvalidArgumentError(f"engine='spark' could not start Spark: {str(exc).splitlines()[0] if str(exc) else exc!r}. "
                                   "Spark needs Java 17 (java -version; e.g. apt-get install openjdk-17-jre-headless) "
                                   "and pip install pyspark; or use the default engine (--engine pandas).") from None


def _spark_date_format(fmt: str) -> str:
    import re

    out, pos = [], 0
    for m in re.finditer(r"%.", fmt):
        if m.group() not in _SPARK_DATE_CODES:
            raise InvalidArgumentError(f"date_format={fmt!r}: {m.group()} is not supported by engine='spark' (it reads "
                                       f"{' '.join(k for k in _SPARK_DATE_CODES if k != '%%')}); use the default engine.")
        lit = fmt[pos:m.start()]
        out.append(f"'{lit}'" if lit and any(ch.isalpha() for ch in lit) else lit)
        out.append(_SPARK_DATE_CODES[m.group()])
        pos = m.end()
    lit = fmt[pos:]
    out.append(f"'{lit}'" if lit and any(ch.isalpha() for ch in lit) else lit)
    return "".join(out)


def _sniff_sep(path) -> str:
    """The separator of a CSV file (Spark does not detect it): the most frequent of , ; tab | in its header line."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline(1 << 16).decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise DataValidationError(f"{path.name} cannot be read: {exc.strerror or exc}. Check the file's permissions.") from None
    return max((",", ";", "\t", "|"), key=head.count)


def _spark_expr(kit: str, col: str, typ: str, *, date_format=None, decimal=None) -> str:
    """Spark SQL that turns the user's column into the kit's (NULL where it cannot be read)."""
    c = "`" + col.replace("`", "``") + "`"
    text = f"CAST({c} AS STRING)"
    if kit == "customer_id":
        # Every kind of space from_orders trims (a Java regex class of \\x{hex} escapes, doubled for the SQL literal).
        spaces = "[" + "".join(f"\\\\x{{{ord(ch):x}}}" for ch in _SPACES) + "]"
        return f"nullif(regexp_replace({text}, '^{spaces}+|{spaces}+$', ''), '')"
    if kit == "order_date":
        if typ.startswith(("timestamp", "date")):
            return f"CAST({c} AS TIMESTAMP)"
        if date_format:
            return f"to_timestamp(trim({text}), {_q(_spark_date_format(date_format))})"
        return f"CAST(trim({text}) AS TIMESTAMP)"  # an offset (+02:00, Z) is converted to UTC, the session's zone
    if kit in ("amount", "margin", "discount"):
        if typ in _SPARK_NUMBERS or typ.startswith("decimal"):
            return f"CAST({c} AS DOUBLE)"
        t = f"trim({text})"
        if decimal == ",":
            t = f"replace(replace({t}, '.', ''), ',', '.')"
        return f"CAST({t} AS DOUBLE)"
    return f"nullif(trim({text}), '')"


def read_spark(orders, columns: dict | None = None, *, as_of=None, refunds: str = "error", duplicates: str = "error",
               encoding=None, sheet=None, date_format=None, decimal=None, dayfirst=None, lang=None, progress=None,
               spark=None) -> FeatureRead:
    """Read and check CSV or Parquet orders with Spark and compute their feature table there.

    Spark reads the file(s) (a glob too), the essential checks of :func:`playbook.byod.from_orders`
    run as Spark SQL counts (missing ids, unreadable or out-of-range dates, amounts that are not
    finite numbers, repeated order ids, refunds, orders after ``as_of``), each refused with the
    count and example values (Spark does not know line numbers), and :func:`compute_spark` reduces
    them to one row per customer at ``as_of`` and at ``as_of`` - 180 days. ``spark``: a session
    (default: the active one, as ``spark-submit`` makes it, or a new local one).
    """
    from .byod import DATE_RANGE, MAX_AMOUNT, ReadNotes, check_as_of

    pyspark, SparkSession = need_spark()
    for name, value, ok in (("encoding", encoding, encoding in (None, "utf-8", "utf8", "UTF-8")), ("sheet", sheet, sheet is None),
                            ("dayfirst", dayfirst, dayfirst is None), ("duplicates", duplicates, duplicates == "error")):
        if not ok:
            raise InvalidArgumentError(f"{name}={value!r} is not supported by engine='spark' (it reads UTF-8 CSV and Parquet, "
                                       "ISO dates or --date-format); use the default engine (--engine pandas) for this file.")
    if refunds not in ("error", "keep", "drop"):
        raise InvalidArgumentError(f"The 'refunds' parameter must be 'error', 'keep' or 'drop'. Got {refunds!r}.")
    files = resolve_files(orders, engine="spark", remote=True)
    kind = _kind(files)
    name = str(orders) if is_remote(files[0]) else files[0].name if len(files) == 1 else f"{str(orders)} ({len(files)} files)"
    notes = ReadNotes(lang)
    say = progress or (lambda message: None)
    spark = spark or _spark_session(SparkSession)
    keys = ("spark.sql.session.timeZone", "spark.sql.ansi.enabled", "spark.sql.legacy.parquet.nanosAsLong")
    before = {k: spark.conf.get(k, None) for k in keys}
    # UTC: times are read as written (an offset converted to UTC), days have no daylight-saving jumps. ANSI off: a value
    # that cannot be read becomes NULL (counted and refused below) instead of failing the query.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "false")
    # pandas writes Parquet times in nanoseconds, which Spark refuses to read as timestamps: read them as whole numbers
    # (nanoseconds since 1970), turned into timestamps below.
    spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
    views: list[str] = []
    try:
        return _read_spark(spark, pyspark, files, kind, name, notes, say, views, columns, as_of=as_of, refunds=refunds,
                           date_format=date_format, decimal=decimal, limits=(DATE_RANGE, MAX_AMOUNT, check_as_of))
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def _parquet_nanos(spark, files, name: str, column: str) -> bool:
    """Whether the Parquet ``column`` that Spark shows as ``bigint`` holds timestamps in nanoseconds (pandas writes those;
    Spark reads them as whole numbers, see nanosAsLong) rather than plain integers (e.g. 20240115), which are read as
    the DuckDB engine reads them: text, with --date-format. Files of one glob that differ are refused.

    A file on this machine is asked through its Parquet footer (pyarrow), column by column; a remote one through Spark
    (with nanosAsLong off, Spark refuses a file that has a nanosecond timestamp in any column)."""
    found = {}
    for f in files:
        local = None if is_remote(f) else f
        if isinstance(local, str) and local.startswith("file:"):
            from urllib.parse import unquote, urlparse

            local = unquote(urlparse(local).path)
        if local is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                typ = pq.read_schema(local).field(column).type
            except (OSError, KeyError, ValueError, pa.ArrowException):
                typ = None
            if typ is not None:
                found[f] = pa.types.is_timestamp(typ)
                continue
        found[f] = _spark_says_nanos(spark, f, column)
    if len(set(found.values())) > 1:
        ns = next(f for f, v in found.items() if v)
        plain = next(f for f, v in found.items() if not v)
        raise DataValidationError(f"{name}, column {column!r}: {_file_name(ns)} stores the dates as timestamps, "
                                  f"{_file_name(plain)} as whole numbers. Files read together must have the same columns; "
                                  "analyse them separately or fix the export.")
    return bool(found) and all(found.values())


def _spark_says_nanos(spark, path, column: str) -> bool:
    key = "spark.sql.legacy.parquet.nanosAsLong"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "false")
    try:
        fields = {f.name: f.dataType.simpleString() for f in spark.read.parquet(path).schema.fields}
    except Exception as exc:  # "Illegal Parquet type: INT64 (TIMESTAMP(NANOS,false))"
        return "NANOS" in str(exc)
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)
    return fields.get(column, "").startswith("timestamp")  # a Spark that reads nanoseconds as timestamps itself


def _read_spark(spark, pyspark, files, kind, name, notes, say, views, columns, *, as_of, refunds, date_format, decimal,
                limits) -> FeatureRead:
    """:func:`read_spark` on a session set to UTC."""
    import uuid

    DATE_RANGE, MAX_AMOUNT, check_as_of = limits
    # file:// URIs: on a cluster whose default file system is HDFS, a bare path would be looked up there. The files
    # must be at the same path on every node (shared storage) for the executors to read them.
    paths = [p if is_remote(p) else p.resolve().as_uri() for p in files]
    sep = "," if is_remote(files[0]) or kind == "parquet" else _sniff_sep(files[0])

    def load(where):
        try:
            if kind == "parquet":
                return spark.read.parquet(*where)
            return spark.read.csv(where, header=True, inferSchema=False, encoding="UTF-8", sep=sep)
        except Exception as exc:  # AnalysisException and the like: a file Spark cannot read
            raise DataValidationError(f"{_file_name(where[0]) if len(where) == 1 and len(paths) > 1 else name} cannot be read "
                                      f"as {kind.upper()}: {str(exc).splitlines()[0]}. Check that it is an orders export.") from None

    frame = load(paths)
    # Spark takes the columns of one file for all: a file of the glob with other columns would be read as NULLs (Parquet)
    # or shifted (CSV). Every file's own columns are compared, as the DuckDB engine does.
    listed = sorted(frame.inputFiles())
    if len(listed) > 1:
        first = [(f.name, f.dataType.simpleString()) for f in load([listed[0]]).schema.fields]
        for other in listed[1:]:
            _same_columns(listed[0], first, other, [(f.name, f.dataType.simpleString()) for f in load([other]).schema.fields],
                          types=kind == "parquet")
    schema = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    used = _mapped_columns(columns, schema, name)
    nanos = kind == "parquet" and schema[used["order_date"]] == "bigint" and _parquet_nanos(spark, listed or paths, name,
                                                                                             used["order_date"])
    tag = uuid.uuid4().hex[:8]
    raw_view, src, orders_view = f"playbook_raw_{tag}", f"playbook_src_{tag}", f"playbook_orders_{tag}"
    views.extend([raw_view, src, orders_view])
    frame.createOrReplaceTempView(raw_view)
    select = [f"{_spark_expr(k, c, schema[c], date_format=date_format, decimal=decimal)} AS {k}" for k, c in used.items()]
    if nanos:  # a timestamp in nanoseconds, read as a whole number since 1970 (see nanosAsLong in read_spark)
        select[list(used).index("order_date")] = "timestamp_micros(`" + used["order_date"].replace("`", "``") + "` DIV 1000) AS order_date"
    raw = {k: "CAST(`" + c.replace("`", "``") + "` AS STRING)" for k, c in used.items()}
    extra_raw = [k for k in ("margin", "discount") if k in used]
    spark.sql(f"CREATE OR REPLACE TEMP VIEW {src} AS SELECT {', '.join(select)}, "
              f"{raw['order_date']} AS raw_date, {raw['amount']} AS raw_amount, "
              + "".join(f"{raw[k]} AS raw_{k}, " for k in extra_raw)
              + f"{raw['customer_id']} AS raw_id, input_file_name() AS filename FROM {raw_view}")
    say(f"checking {name} with Spark")
    checks = _check_sql(used, (DATE_RANGE, MAX_AMOUNT), _SPARK)
    try:
        row = spark.sql(f"SELECT {', '.join(f'{v} AS {k}' for k, v in checks.items())} FROM {src}").collect()[0]
    except Exception as exc:  # a file Spark cannot parse
        raise DataValidationError(f"{name} cannot be read: {str(exc).splitlines()[0]}. Check that it is the orders export "
                                  "(UTF-8 CSV or Parquet), or use the default engine (--engine pandas).") from None
    c = row.asDict()
    from pathlib import Path

    def examples(condition: str, value: str, blank: str = "") -> str:
        # Spark does not number the rows: an empty value is shown by its customer, other values as they are written.
        rows = spark.sql(f"SELECT filename, {'raw_id' if blank else value} AS v FROM {src} WHERE {condition} LIMIT 3").collect()
        shown = ", ".join(f"{r['v']!r} in {Path(r['filename']).name}" if len(files) > 1 else repr(r["v"]) for r in rows)
        return f"{'rows of customers ' if blank else ''}{shown} (Spark does not know line numbers: search the file for these values)"

    col = {k: repr(v) for k, v in used.items()}
    keep = _refuse_bad_orders(c, used, (DATE_RANGE, MAX_AMOUNT), name, "row", _SPARK, examples, refunds, notes)
    if as_of is None:
        last = spark.sql(f"SELECT CAST(max(order_date) AS STRING) AS m FROM {src} WHERE {keep}").collect()[0]["m"]
        ts = pd.Timestamp(last).normalize()
        notes.add("as_of", date=ts.date())
    else:
        ts = check_as_of(as_of)
        after = f"({keep}) AND order_date > {_lit(end_of_day(ts))}"
        late = spark.sql(f"SELECT count(*) AS n FROM {src} WHERE {after}").collect()[0]["n"]
        if late:
            raise DataValidationError(f"{name}, column {col['order_date']}: {late} order(s) after as_of={ts.date()}, e.g. "
                                      f"{examples(after, 'raw_date')}. Pass a later as_of, or remove orders you should not know yet.")
    kits = [k for k in ("customer_id", "order_date", "amount", "margin", "discount", "channel", "product_line") if k in used]
    # Parsed once and kept (memory, then disk) for the totals and the two feature queries.
    checked = spark.sql(f"SELECT {', '.join(kits)} FROM {src} WHERE {keep}").persist(pyspark.StorageLevel.MEMORY_AND_DISK)
    try:
        checked.createOrReplaceTempView(orders_view)
        if refunds == "keep" and c["negative"]:
            neg = [r[0] for r in spark.sql(f"SELECT customer_id FROM {orders_view} GROUP BY customer_id HAVING sum(amount) < 0 "
                                           "ORDER BY customer_id").collect()]
            if neg:
                notes.add("net_negative", name=name, n=len(neg), ids=notes.text("list_sep").join(repr(str(i)) for i in neg[:5]))
        # Dates as text in the session's zone (UTC): collect() would turn timestamps into the driver's local time.
        t = spark.sql(f"SELECT count(*) AS n, coalesce(sum(amount), 0) AS revenue, CAST(min(order_date) AS STRING) AS first, "
                      f"CAST(max(order_date) AS STRING) AS last FROM {orders_view}").collect()[0]
        totals = {"orders": int(t["n"]), "revenue": float(t["revenue"]), "first_order": pd.Timestamp(t["first"]),
                  "last_order": pd.Timestamp(t["last"]), "has_margin": "margin" in kits}
        say(f"reducing {totals['orders']:,} orders to one row per customer in Spark")
        from .strategy import CHURN_HORIZON_DAYS

        then = ts - pd.Timedelta(days=CHURN_HORIZON_DAYS)  # the churn model's backtest date
        if totals["first_order"] <= end_of_day(then):  # both dates in one pass over the orders
            table, past = _compute_spark_dates(spark, orders_view, [ts, then], kits)
        else:
            table, past = compute_spark(spark, orders_view, ts, kits), None
    finally:
        checked.unpersist()
    return FeatureRead(table=table, as_of=ts, totals=totals, notes=list(notes), files=files,
                       engine=f"spark {spark.version}", past=past)
