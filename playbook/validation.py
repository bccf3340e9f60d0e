"""Checks of what a function is given, before any work: dates (``as_of``) and the columns of a table.

These take plain values and DataFrames only (no :class:`~playbook.data.CustomerBase`), so every
module can use them, the data model included. Each raises one of the kit's errors
(:mod:`playbook.errors`) with a message naming the argument and the function.
The public home of these names is :mod:`playbook.data`, which re-exports them.
"""
from __future__ import annotations

import difflib

import pandas as pd

from .errors import DataValidationError, InvalidArgumentError, format_rows

__all__ = ["to_timestamp", "end_of_day", "resolve_as_of", "check_column", "require_columns", "validate_orders"]


def to_timestamp(value, name: str = "as_of") -> pd.Timestamp:
    """Parse a date given as text, ``datetime`` or ``Timestamp``; a clear error otherwise.

    >>> to_timestamp("2025-12-31")
    Timestamp('2025-12-31 00:00:00')
    """
    if value is None:
        raise InvalidArgumentError(f"The '{name}' parameter is required: give a date such as '2025-12-31'.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"The '{name}' parameter must be a date such as '2025-12-31'. Got {value!r}.") from exc
    if ts is pd.NaT:
        raise InvalidArgumentError(f"The '{name}' parameter must be a date such as '2025-12-31'. Got {value!r}.")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def end_of_day(ts: pd.Timestamp) -> pd.Timestamp:
    """The last instant that ``as_of`` covers: a plain date means the whole of that day.

    >>> end_of_day(pd.Timestamp("2025-12-31"))
    Timestamp('2025-12-31 23:59:59.999999')
    """
    return ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1) if ts == ts.normalize() else ts


def resolve_as_of(base, as_of, func: str) -> pd.Timestamp:
    """``as_of`` as a Timestamp; when it is None, the base's own date; an error naming
    ``func`` when neither is known (a plain orders table has no date of its own).

    >>> resolve_as_of(None, "2025-06-30", "my_analysis")
    Timestamp('2025-06-30 00:00:00')
    """
    if as_of is not None:
        return to_timestamp(as_of)
    own = getattr(base, "as_of", None)
    if own is None:
        raise InvalidArgumentError(f"{func} needs as_of, e.g. as_of='2025-12-31': the data has no date of its own.")
    return own


def check_column(df: pd.DataFrame, col: str, param: str, func: str, table: str = "orders") -> None:
    """Raise :class:`DataValidationError` when the column that parameter ``param`` of ``func``
    names is not in ``df``, suggesting the closest existing name.

    >>> check_column(pd.DataFrame({"Date": []}), "date", "date_col", "my_analysis")
    Traceback (most recent call last):
    ...
    playbook.errors.DataValidationError: The 'date_col' parameter of my_analysis must be a column of `orders`. Got 'date' instead. Did you mean 'Date'?
    """
    if col not in df.columns:
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else f" Columns are: {', '.join(map(str, df.columns))}."
        raise DataValidationError(f"The '{param}' parameter of {func} must be a column of `{table}`. Got {col!r} instead.{hint}")


def require_columns(df: pd.DataFrame, columns, func: str, table: str = "orders") -> None:
    """Raise :class:`DataValidationError` for the first of ``columns`` missing from ``df``,
    suggesting the closest existing name and how to rename it."""
    for col in columns:
        if col in df.columns:
            continue
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1, cutoff=0.5)
        hint = (f" Did you mean {close[0]!r}? Rename it with .rename(columns={{{close[0]!r}: {col!r}}})." if close
                else f" Columns are: {', '.join(map(str, df.columns))}.")
        raise DataValidationError(f"{func} needs a column {col!r} in `{table}`.{hint}")


def validate_orders(orders, func: str, *, customer_col: str = "customer_id", date_col: str = "order_date",
                    required=()) -> None:
    """Check an orders table before an analysis: a DataFrame with the customer and date
    columns (plus ``required``), real date-times, and no missing customer or date.

    >>> validate_orders(pd.DataFrame({"customer_id": ["a"], "order_date": ["2025-01-01"]}), "my_analysis")
    Traceback (most recent call last):
    ...
    playbook.errors.DataValidationError: Column 'order_date' of orders must hold date-times; convert it with pd.to_datetime first.
    """
    if not isinstance(orders, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs a CustomerBase or an orders DataFrame. Got {type(orders).__name__}.")
    require_columns(orders, (customer_col, date_col, *required), func)
    if not pd.api.types.is_datetime64_any_dtype(orders[date_col]):
        raise DataValidationError(f"Column {date_col!r} of orders must hold date-times; convert it with pd.to_datetime first.")
    bad = orders.index[orders[customer_col].isna() | orders[date_col].isna()]
    if len(bad):
        raise DataValidationError(f"orders has missing {customer_col!r} or {date_col!r} in {format_rows(bad)}; drop or fix them.")
