"""The data model: a :class:`CustomerBase` bundles the tables of one business.

Also what a function may be given as data (a base, or one of its tables: :func:`check_data`,
:func:`table_of`) and a deep copy of a base (:func:`copy_base`). Reading and writing dataset
folders is in :mod:`playbook.dataset_io`; the per-customer summary in :mod:`playbook.per_customer`.
The public home of these names is :mod:`playbook.data`, which re-exports them.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from .errors import DataValidationError, InvalidArgumentError, MissingTableError
from .schema import TABLES
from .validation import end_of_day, require_columns, to_timestamp

__all__ = ["CustomerBase", "copy_base", "check_data", "table_of", "TABLE_ORDER", "DATE_COLUMNS"]

TABLE_ORDER = tuple(TABLES)
# Which column dates each table, for snapshots in time.
DATE_COLUMNS = {
    "customers": "acquisition_date",
    "orders": "order_date",
    "interactions": "date",
    "complaints": "opened_at",
    "surveys": "date",
    "referrals": "referred_at",
    "opportunities": "opened_at",
    "opportunity_stages": "entered_at",
    "leads": "created_at",
}


def check_data(data, func: str, *, param: str = "base", table: str | None = "orders") -> None:
    """Raise :class:`InvalidArgumentError` naming ``param`` of ``func`` unless ``data`` is a
    :class:`CustomerBase` (or, when ``table`` is given, a DataFrame of that table).

    >>> check_data(42, "my_analysis")
    Traceback (most recent call last):
    ...
    playbook.errors.InvalidArgumentError: The 'base' parameter of my_analysis must be a CustomerBase or an orders DataFrame. Got int.
    """
    if isinstance(data, CustomerBase) or (table is not None and isinstance(data, pd.DataFrame)):
        return
    kinds = "a CustomerBase" + (f" or {'an' if table[0] in 'aeiou' else 'a'} {table} DataFrame" if table else "")
    raise InvalidArgumentError(f"The '{param}' parameter of {func} must be {kinds}. Got {type(data).__name__}.")


def table_of(data, table: str, func: str) -> tuple[pd.DataFrame, CustomerBase | None]:
    """``data``'s ``table`` and the base it came from.

    ``data`` may be a :class:`CustomerBase` (which must have the table) or the table itself
    as a DataFrame (then there is no base).

    >>> table_of(pd.DataFrame({"x": [1]}), "referrals", "my_analysis")[1] is None
    True
    """
    if isinstance(data, CustomerBase):
        data.require(table, by=func)
        return getattr(data, table), data
    if isinstance(data, pd.DataFrame):
        return data, None
    article = "an" if table[0] in "aeiou" else "a"
    raise InvalidArgumentError(f"{func} needs a CustomerBase or {article} {table} DataFrame. Got {type(data).__name__}.")


@dataclass(frozen=True)
class CustomerBase:
    """All tables of one customer base; only ``orders`` is required.

    Parameters
    ----------
    orders : DataFrame
        One row per order (see ``DATA_DICTIONARY.md``).
    customers, interactions, complaints, surveys, referrals, contacts, opportunities,
    opportunity_stages, leads : DataFrame or None
        Optional tables. An analysis that needs one says so with a clear error.
    truth : DataFrame or None
        Hidden ground truth (synthetic data only), to score methods against.
    name : str
        Where the base came from (dataset name or file), used in messages.
    as_of : Timestamp or None
        The date the data describes: nothing after it is known.
    meta : dict
        Generator parameters and other provenance.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> base.tables[:3]
    ('customers', 'orders', 'interactions')
    """

    orders: pd.DataFrame
    customers: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    complaints: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    referrals: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    opportunity_stages: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    truth: pd.DataFrame | None = None
    name: str = "customer base"
    as_of: pd.Timestamp | None = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the tables this base has, in data-dictionary order."""
        return tuple(t for t in TABLE_ORDER if getattr(self, t) is not None)

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """Iterate over ``(name, table)`` for the tables present."""
        for t in self.tables:
            yield t, getattr(self, t)

    def table(self, name: str, *, by: str = "this analysis") -> pd.DataFrame:
        """The table ``name``, or :class:`MissingTableError` naming it: :meth:`require` for one table, typed.

        >>> import playbook
        >>> playbook.load_dataset("b2b").table("leads").columns[0]
        'lead_id'
        """
        self.require(name, by=by)
        return getattr(self, name)

    def require(self, *tables: str, by: str = "this analysis") -> None:
        """Raise :class:`MissingTableError` naming every table in ``tables`` that is missing."""
        missing = [t for t in tables if getattr(self, t, None) is None]
        if missing:
            raise MissingTableError(
                f"{by} needs the table(s) {', '.join(missing)}, which {self.name} does not have. "
                "Pass them when building the base, e.g. from_orders(..., complaints=...)."
            )

    def snapshot(self, as_of) -> CustomerBase:
        """What was known on ``as_of``: rows dated later are dropped, later closures reopened.

        The hidden ``truth`` table is kept whole, since it is never an input.

        >>> import playbook
        >>> base = playbook.load_dataset("b2b")
        >>> base.snapshot("2022-12-31").orders.order_date.max() <= pd.Timestamp("2022-12-31 23:59:59")
        True
        """
        ts = to_timestamp(as_of)
        end = end_of_day(ts)
        changes = {}
        for t, df in self.items():
            col = DATE_COLUMNS.get(t)
            if col is None:
                continue
            require_columns(df, [col], "snapshot", table=t)
            if not pd.api.types.is_datetime64_any_dtype(df[col]):
                raise DataValidationError(f"Column {col!r} of `{t}` must hold date-times; convert it with pd.to_datetime first.")
            kept = df.loc[df[col] <= end]
            if t == "complaints":
                kept = kept.copy()
                for c in ("first_response_at", "closed_at"):
                    kept.loc[kept[c] > end, c] = pd.NaT
                if "resolution" in kept:
                    kept["resolution"] = kept["resolution"].astype(object).where(kept["closed_at"].notna(), "open").astype("category")
            if t == "opportunities":
                kept = kept.copy()
                late = kept["closed_at"] > end
                kept.loc[late, "closed_at"] = pd.NaT
                kept["outcome"] = kept["outcome"].astype(object).where(~late, "open").astype("category")
            changes[t] = kept.reset_index(drop=True)
        if self.contacts is not None and "customers" in changes:
            changes["contacts"] = self.contacts[self.contacts.customer_id.isin(changes["customers"].customer_id)].reset_index(drop=True)
        return dataclasses.replace(self, as_of=ts, **changes)

    def __repr__(self) -> str:
        parts = ", ".join(f"{t}={len(df):,}" for t, df in self.items())
        when = f", as_of={self.as_of.date()}" if self.as_of is not None else ""
        return f"CustomerBase({self.name!r}{when}: {parts})"


def copy_base(base: CustomerBase) -> CustomerBase:
    """A deep copy of ``base``: its tables and ``meta`` can be changed without touching ``base``.

    >>> import playbook
    >>> a = playbook.load_dataset("retail")
    >>> b = copy_base(a)
    >>> b.orders.loc[:, "amount"] = 0.0
    >>> float(a.orders.amount.sum()) > 0
    True
    """
    tables = {t: df.copy(deep=True) for t, df in base.items()}
    return dataclasses.replace(base, **tables, meta=copy.deepcopy(base.meta))
