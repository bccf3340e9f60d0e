"""Dataset folders: the CSV files and ``manifest.json`` the kit writes and reads, and the shipped datasets.

:func:`write_dataset` and :func:`table_to_csv_bytes` write stable bytes (the shipped datasets are
byte-identical on every run); :func:`read_dataset` parses them back with the schema's types;
:func:`load_dataset` caches the parsed tables and returns a fresh copy on every call.
The public home of these names is :mod:`playbook.data`, which re-exports them.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .customer_base import CustomerBase, copy_base
from .errors import InvalidArgumentError
from .output import atomic_folder
from .schema import TABLES

__all__ = ["table_to_csv_bytes", "write_dataset", "read_dataset", "dataset_path", "dataset_names", "load_dataset"]


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


def _format_datetime(series: pd.Series, unit: Literal["D", "s"]) -> pd.Series:
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
