"""The customer base (客户库) and how it is loaded, saved and summarised: one import for all of it.

A :class:`CustomerBase` bundles the tables of one business; :func:`summarize` turns raw
orders into the one-row-per-customer table every later method starts from.

The code lives in modules by concern; this module re-exports every public name. It is their
documented home: ``from playbook.data import ...`` keeps working, and the objects say
``playbook.data`` in their ``__module__`` (as numpy's public functions name ``numpy``):

- :mod:`playbook.customer_base`: the data model, :class:`CustomerBase`, :func:`copy_base`,
  and what a function may be given as data (:func:`check_data`, :func:`table_of`);
- :mod:`playbook.validation`: checks of dates and columns (:func:`to_timestamp`,
  :func:`end_of_day`, :func:`resolve_as_of`, :func:`check_column`, :func:`require_columns`,
  :func:`validate_orders`), used by every module, so they depend on nothing but the errors;
- :mod:`playbook.dataset_io`: dataset folders, their CSV bytes and the cached shipped datasets;
- :mod:`playbook.per_customer`: :func:`summarize` and :func:`timeline`;
- :mod:`playbook.kernels`: the numeric group-by kernels behind :func:`summarize`.
"""
from __future__ import annotations

import pandas as pd  # noqa: F401  (the re-exported objects' doctests run in this namespace, as when they lived here)

from .customer_base import DATE_COLUMNS, TABLE_ORDER, CustomerBase, check_data, copy_base, table_of  # noqa: F401 (re-exported)
from .dataset_io import dataset_names, dataset_path, load_dataset, read_dataset, table_to_csv_bytes, write_dataset
from .kernels import FREQ_DAYS, factorize_sorted, group_starts, group_sums, kahan_tail, periods, stable_order
from .output import atomic_folder
from .per_customer import summarize, timeline
from .validation import check_column, end_of_day, require_columns, resolve_as_of, to_timestamp, validate_orders

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

# This module is their documented home: reprs, pickles and the API contract name them playbook.data.X.
for _obj in (CustomerBase, copy_base, check_data, table_of, dataset_names, dataset_path, load_dataset, read_dataset,
             table_to_csv_bytes, write_dataset, summarize, timeline, check_column, end_of_day, require_columns,
             resolve_as_of, to_timestamp, validate_orders):
    _obj.__module__ = __name__
for _obj in vars(CustomerBase).values():  # its methods too, so their doctests run with the class's
    if callable(_obj) or isinstance(_obj, property):
        getattr(_obj, "fget", _obj).__module__ = __name__
del _obj

# Old private spellings, for code and tests still importing them from here; remove next release.
_check_column = check_column
_DATE_COLUMNS = DATE_COLUMNS
_FREQ_DAYS = FREQ_DAYS
_periods = periods
_factorize_sorted = factorize_sorted
_stable_order = stable_order
_group_starts = group_starts
_group_sums = group_sums
_kahan_tail = kahan_tail
