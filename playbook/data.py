"""The customer base (客户库) and how it is loaded, saved and summarised.

A :class:`CustomerBase` bundles the tables of one business; :func:`summarize` turns raw
orders into the one-row-per-customer table every later method starts from.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import numpy as np
import pandas as pd

from .errors import DataValidationError, InvalidArgumentError, MissingTableError, format_rows
from .output import atomic_folder
from .schema import TABLES

__all__ = [
    "CustomerBase",
    "load_dataset",
    "copy_base",
    "dataset_names",
    "dataset_path",
    "read_dataset",
    "write_dataset",
    "summarize",
    "timeline",
    "to_timestamp",
    "end_of_day",
    "resolve_as_of",
    "table_of",
    "check_data",
    "require_columns",
    "validate_orders",
    "check_column",
    "atomic_folder",
]

TABLE_ORDER = tuple(TABLES)
# Which column dates each table, for snapshots in time.
_DATE_COLUMNS = {
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
            col = _DATE_COLUMNS.get(t)
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


# ---------------------------------------------------------------------------
# Reading and writing dataset folders

def _format_money(series: pd.Series) -> pd.Series:
    """Two decimals, vectorised through integer cents.

    The same text as ``f"{v:.2f}"`` for amounts already rounded to cents (as generated
    amounts are); other values are rounded half to even.
    """
    values = series.to_numpy(dtype=float)
    missing = np.isnan(values)
    cents = np.round(np.where(missing, 0.0, values) * 100).astype(np.int64)
    whole = pd.Series(np.abs(cents) // 100, index=series.index).astype(str)
    frac = pd.Series(np.abs(cents) % 100, index=series.index).astype(str).str.zfill(2)
    sign = pd.Series(np.where(np.signbit(values) & ~missing, "-", ""), index=series.index)  # "-0.00" like f-strings
    text = sign + whole + "." + frac
    return text.where(~missing, "")


def _format_datetime(series: pd.Series, unit: str) -> pd.Series:
    values = series.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(values)
    text = np.datetime_as_string(values, unit=unit)
    out = pd.Series(text, index=series.index)
    if unit == "s":
        out = out.str.replace("T", " ", regex=False)
    return out.where(~missing, "")


def _format_column(series: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        return _format_datetime(series, "D")
    if kind == "datetime":
        return _format_datetime(series, "s")
    if kind == "money":
        return _format_money(series)
    if kind == "float":
        present = series.notna()
        out = pd.Series("", index=series.index, dtype=object)
        out[present] = [f"{v:.6g}" for v in series[present].to_numpy(dtype=float)]
        return out
    if kind == "bool":
        return series.map({True: "true", False: "false"})
    return series


def table_to_csv_bytes(table: str, df: pd.DataFrame) -> bytes:
    """Serialise one table exactly as the dataset files store it (stable bytes for a given frame).

    Optional columns (see :class:`playbook.schema.Column`) are written when the frame has them;
    a column the schema does not know is refused, so nothing is silently left out of a file.
    """
    specs = TABLES[table]
    unknown = [c for c in df.columns if c not in {s.name for s in specs}]
    if unknown:
        raise InvalidArgumentError(
            f"The {table!r} table has column(s) {', '.join(map(repr, unknown))} that playbook/schema.py does not "
            "describe, so they cannot be written; add them to the schema (or drop them) first."
        )
    out = pd.DataFrame({c.name: _format_column(df[c.name], c.kind) for c in specs
                        if not (c.optional and c.name not in df.columns)})
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_dataset(base: CustomerBase, folder, *, overwrite: bool = False, progress: bool = False) -> Path:
    """Write every table of ``base`` as CSV plus ``manifest.json`` into ``folder``, atomically.

    Files are first written to a temporary sibling folder, which is renamed into place
    only when complete, so a crash never leaves half a dataset. An existing non-empty
    folder is refused unless ``overwrite=True`` and it holds exactly an unchanged dataset
    the kit wrote (its ``manifest.json`` lists every file with its SHA-256; see
    :mod:`playbook.output`), so nothing else is ever deleted.

    >>> import tempfile, playbook
    >>> from playbook.synth import generate
    >>> out = write_dataset(generate("b2b", n_customers=30, seed=1), tempfile.mkdtemp() + "/b2b_small")
    >>> sorted(p.name for p in out.iterdir())[:3]
    ['complaints.csv', 'contacts.csv', 'customers.csv']
    """
    folder = Path(folder)
    with atomic_folder(folder, overwrite=overwrite, kind="dataset") as tmp:
        files = {}
        items = list(base.items())
        if progress:
            from tqdm.auto import tqdm

            items = tqdm(items, desc=f"writing {folder.name}", unit="table")
        for t, df in items:
            data = table_to_csv_bytes(t, df)
            (tmp / f"{t}.csv").write_bytes(data)
            files[t] = {"file": f"{t}.csv", "rows": int(len(df)), "sha256": _sha256(data)}
        manifest = {
            "name": folder.name,
            "as_of": base.as_of.strftime("%Y-%m-%d") if base.as_of is not None else None,
            **base.meta,
            "tables": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    return folder


def _parse_table(table: str, path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    specs = tuple(c for c in TABLES[table] if not (c.optional and c.name not in header))
    dtypes = {}
    dates = []
    for c in specs:
        if c.kind in ("id", "str"):
            dtypes[c.name] = "string"
        elif c.kind == "category":
            dtypes[c.name] = "category"
        elif c.kind in ("float", "money"):
            dtypes[c.name] = "float64"
        elif c.kind == "int":
            dtypes[c.name] = "Int64" if c.nullable else "int64"
        elif c.kind == "bool":
            dtypes[c.name] = "boolean" if c.nullable else "bool"
        else:
            dates.append(c)
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    for c in dates:
        fmt = "%Y-%m-%d" if c.kind == "date" else "%Y-%m-%d %H:%M:%S"
        df[c.name] = pd.to_datetime(df[c.name], format=fmt)
    for c in specs:
        if c.kind in ("id", "str"):
            df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None)
    return df


def read_dataset(folder) -> CustomerBase:
    """Read a dataset folder written by :func:`write_dataset` (or ``playbook generate``)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise InvalidArgumentError(f"{folder} is not a dataset folder: it has no manifest.json.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = {t: _parse_table(t, folder / info["file"]) for t, info in manifest["tables"].items()}
    meta = {k: v for k, v in manifest.items() if k not in ("tables", "as_of", "name")}
    as_of = pd.Timestamp(manifest["as_of"]) if manifest.get("as_of") else None
    return CustomerBase(**tables, name=manifest.get("name", folder.name), as_of=as_of, meta=meta)


def _datasets_dir() -> Path:
    env = os.environ.get("PLAYBOOK_DATASETS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "datasets"


def dataset_path(name: str) -> Path:
    """The folder of a shipped dataset, wherever the kit is installed or opened from.

    >>> (dataset_path("messy_export") / "orders.csv").is_file()
    True
    """
    path = _datasets_dir() / name
    if not path.is_dir():
        names = sorted(p.name for p in _datasets_dir().iterdir() if p.is_dir()) if _datasets_dir().is_dir() else []
        raise InvalidArgumentError(f"No shipped dataset folder {name!r}. Available: {', '.join(names)}.")
    return path


def dataset_names() -> list[str]:
    """Names of the datasets shipped with the kit.

    >>> dataset_names()
    ['b2b', 'retail', 'retail_zh']
    """
    root = _datasets_dir()
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []


_CACHE: dict[str, CustomerBase] = {}


def load_dataset(name: str, as_of=None) -> CustomerBase:
    """Load a shipped dataset by name, offline, like ``seaborn.load_dataset`` but local.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names` (``"retail"``, ``"b2b"``, ``"retail_zh"``), or a path
        to a dataset folder.
    as_of : date-like, optional
        Look at the base as it was on this date (see :meth:`CustomerBase.snapshot`).
        By default, the dataset's own end date.

    Returns
    -------
    CustomerBase
        A fresh copy on every call: the parsed tables are cached, so later loads are
        cheap, and changing one loaded base never changes the next.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> base.as_of
    Timestamp('2025-12-31 00:00:00')
    """
    path = Path(name)
    if not (path / "manifest.json").is_file():
        names = dataset_names()
        if name not in names:
            raise InvalidArgumentError(
                f"No dataset named {name!r}. Available: {', '.join(names) or '(none found in ' + str(_datasets_dir()) + ')'}; "
                "or pass the path of a folder written by `playbook generate`."
            )
        path = _datasets_dir() / name
    key = str(path.resolve())
    if key not in _CACHE:
        _CACHE[key] = read_dataset(path)
    base = copy_base(_CACHE[key])
    return base.snapshot(as_of) if as_of is not None else base


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


# ---------------------------------------------------------------------------
# summarize: orders -> one row per customer

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


_check_column = check_column  # the old private name, for branches still importing it; remove next release


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


_FREQ_DAYS = {"D": 1, "W": 7}


def _periods(dates: pd.Series, freq: str) -> np.ndarray:
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)  # view: no second copy
    if freq in _FREQ_DAYS:
        return days if _FREQ_DAYS[freq] == 1 else days // _FREQ_DAYS[freq]
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return months


def _factorize_sorted(ids: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(ids[keep], sort=True)``, from the category codes for a categorical,
    which spares hashing millions of strings."""
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        # On the column itself, not ids.to_numpy(): pyarrow text is then encoded inside pyarrow,
        # without a Python string per row (200 MB for 2M orders); the codes and ids are the same.
        codes, uniques = pd.factorize(ids if keep.all() else ids[keep], sort=True)
        return codes, uniques.to_numpy()
    codes = ids.cat.codes.to_numpy()[keep]
    used = np.flatnonzero(np.bincount(codes, minlength=len(ids.cat.categories)))
    values = ids.cat.categories.to_numpy()[used]
    order = np.argsort(values, kind="stable")
    rank = np.empty(len(ids.cat.categories), dtype=np.intp)
    rank[used[order]] = np.arange(len(used))
    return rank[codes], values[order]


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, several times
    faster: each key is packed with its row number into one int64, and those are unique,
    so a plain sort gives the stable order."""
    n = len(keys)
    shift = max(int(n).bit_length(), 1)
    top = int(keys.max(initial=0))
    if n == 0 or keys.min() < 0 or top.bit_length() + shift > 62:
        return np.argsort(keys, kind="stable")
    packed = (keys.astype(np.int64) << shift) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << shift) - 1)


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    return np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]


_FEW_RUNS = 8  # when no more runs than this are still going, _group_sums finishes them one by one


def _group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run ``values[starts[i]:starts[i + 1]]``, NaN skipped, with the
    compensated (Kahan) summation of pandas' groupby ``sum``, in the same order, so the
    totals match it to the last bit on runs of the usual lengths (on a run of thousands of
    values pandas 3.1's sum can part from plain Kahan in the last bit).

    One vectorised step per position within a run: with the runs sorted longest first,
    the runs still going at step ``j`` are a prefix, so each step works on slices. Once at
    most ``_FEW_RUNS`` runs are going (one customer with millions of orders would otherwise
    cost millions of numpy steps), each is finished by the same steps on Python floats,
    which are the same IEEE doubles, so the totals do not change.
    """
    sizes = np.diff(np.r_[starts, len(values)])
    if len(sizes) == 0:
        return np.zeros(0)
    longest = int(sizes.max())
    longest_first = _stable_order(longest - sizes)
    pos = starts[longest_first]
    going = np.searchsorted(sizes[longest_first][::-1], np.arange(1, longest + 1), side="left")
    going = len(sizes) - going
    has_nan = bool(np.isnan(values).any())
    total = values[pos] + 0.0  # 0.0 + x, as pandas starts from zero (turns -0.0 into 0.0)
    if has_nan:
        total[np.isnan(total)] = 0.0
    comp = np.zeros(len(starts))
    for j in range(1, longest):
        k = going[j]
        if k <= _FEW_RUNS:
            for i in range(k):
                total[i], comp[i] = _kahan_tail(values[pos[i] + j:pos[i] + sizes[longest_first[i]]].tolist(),
                                                float(total[i]), float(comp[i]))
            break
        value = values[pos[:k] + j]
        s, c = total[:k], comp[:k]
        y = value - c
        t = s + y
        with np.errstate(invalid="ignore"):
            new_c = (t - s) - y
        new_c[np.isnan(new_c)] = 0.0  # an infinite value: keep the infinity, as pandas does
        if has_nan:
            ok = ~np.isnan(value)
            t, new_c = np.where(ok, t, s), np.where(ok, new_c, c)
        total[:k], comp[:k] = t, new_c
    out = np.empty(len(starts))
    out[longest_first] = total
    return out


def _kahan_tail(values: list, s: float, c: float) -> tuple[float, float]:
    """The steps of :func:`_group_sums` for one run, continued from total ``s`` and compensation ``c``."""
    for v in values:
        if v != v:  # NaN: skipped
            continue
        y = v - c
        t = s + y
        c = (t - s) - y
        if c != c:  # an infinite value: keep the infinity
            c = 0.0
        s = t
    return s, c


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

    codes, uniques = _factorize_sorted(orders[customer_col], keep)
    per = _periods(dates if every else dates[keep], freq)
    # One stable sort by customer; rows keep their original order within a customer, as
    # a groupby would, so the compensated sums below match pandas' to the last bit.
    by_customer = _stable_order(codes)
    cust_start = _group_starts(codes[by_customer])
    # Rows ordered by (customer, period): already so when the orders come sorted by date.
    low = per.min()
    key = codes.astype(np.int64) * (per.max() - low + 1) + (per - low)
    by_period = by_customer
    if np.any(np.diff(key[by_customer]) < 0):
        by_period = _stable_order(key)
    key_sorted = key[by_period]
    del key
    period_start = _group_starts(key_sorted)
    del key_sorted
    amount = _group_sums(kept(orders[amount_col].to_numpy(dtype=float))[by_period], period_start)
    n_in_period = np.diff(np.r_[period_start, len(by_period)])
    at_start = by_period[period_start]
    del by_period
    c_idx = codes[at_start]
    p_idx = per[at_start]
    del codes, per, at_start
    first_pos = _group_starts(c_idx)
    counts = np.diff(np.r_[first_pos, len(c_idx)])
    first_p = p_idx[first_pos]
    last_p = p_idx[first_pos + counts - 1]
    revenue = np.add.reduceat(amount, first_pos)
    n_orders = np.add.reduceat(n_in_period, first_pos)
    end_p = _periods(pd.Series([ts]), freq)[0]
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
        out["margin"] = _group_sums(kept(orders[margin_col].to_numpy(dtype=float))[by_customer], cust_start)
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
