"""Numeric kernels of :func:`playbook.data.summarize`: group-by steps on numpy arrays, several times
faster than pandas' groupby on millions of orders and equal to it to the last bit
(``tests/test_performance_equivalence.py`` checks them against pandas).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FREQ_DAYS", "FEW_RUNS", "periods", "factorize_sorted", "stable_order", "group_starts", "group_sums", "kahan_tail"]


FREQ_DAYS = {"D": 1, "W": 7}


def periods(dates: pd.Series, freq: str) -> np.ndarray:
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)  # view: no second copy
    if freq in FREQ_DAYS:
        return days if FREQ_DAYS[freq] == 1 else days // FREQ_DAYS[freq]
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return months


def factorize_sorted(ids: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _is_text(dtype) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def factorize_sorted_index(ids: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """:func:`factorize_sorted` with the ids as the index ``pd.Index(uniques)`` would make, kept in pyarrow
    when they are pyarrow text (or categories of it, already sorted): the same index without turning a
    million ids into Python strings and back."""
    if _is_text(ids.dtype):
        codes, uniques = pd.factorize(ids if keep.all() else ids[keep], sort=True)
        return codes, pd.Index(uniques)
    if isinstance(ids.dtype, pd.CategoricalDtype) and _is_text(ids.cat.categories.dtype) \
            and ids.cat.categories.is_monotonic_increasing:
        cats = ids.cat.categories
        codes = ids.cat.codes.to_numpy()[keep]
        used = np.flatnonzero(np.bincount(codes, minlength=len(cats)))
        # categories in order: ranks are the order of the used ones (int32 when they fit: half the memory)
        rank = np.empty(len(cats), dtype=np.int32 if len(cats) < 2**31 else np.intp)
        rank[used] = np.arange(len(used))
        return rank[codes], cats.take(used)
    codes, values = factorize_sorted(ids, keep)
    return codes, pd.Index(values)


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, several times
    faster: each key is packed with its row number into one int64, and those are unique,
    so a plain sort gives the stable order."""
    n = len(keys)
    shift = max(int(n).bit_length(), 1)
    top = int(keys.max(initial=0))
    if n == 0 or keys.min() < 0 or top.bit_length() + shift > 62:
        return np.argsort(keys, kind="stable")
    # In place: one array as long as the keys at a time, besides the row numbers (memory, #14).
    packed = keys.astype(np.int64)
    packed <<= shift
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    packed &= (1 << shift) - 1
    return packed


def group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    return np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]


FEW_RUNS = 8  # when no more runs than this are still going, group_sums finishes them one by one


GROUP_BLOCK = 1 << 20  # group_sums works on this many runs at a time: its working arrays stay small (#14)


def group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run ``values[starts[i]:starts[i + 1]]``, NaN skipped, as pandas' groupby ``sum`` (see
    :func:`_group_sums`). Runs are summed :data:`GROUP_BLOCK` at a time: each run's sum is its own, so the
    totals are the same, and the working arrays (several per run) stay a few MB instead of several times
    the orders when every order is its own run."""
    if len(starts) <= GROUP_BLOCK:
        return _group_sums(values, starts)
    out = np.empty(len(starts))
    for a in range(0, len(starts), GROUP_BLOCK):
        b = min(a + GROUP_BLOCK, len(starts))
        lo, hi = int(starts[a]), (int(starts[b]) if b < len(starts) else len(values))
        out[a:b] = _group_sums(values[lo:hi], starts[a:b] - lo)
    return out


def _group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run ``values[starts[i]:starts[i + 1]]``, NaN skipped, with the
    compensated (Kahan) summation of pandas' groupby ``sum``, in the same order, so the
    totals match it to the last bit on runs of the usual lengths (on a run of thousands of
    values pandas 3.1's sum can part from plain Kahan in the last bit).

    One vectorised step per position within a run: with the runs sorted longest first,
    the runs still going at step ``j`` are a prefix, so each step works on slices. Once at
    most ``FEW_RUNS`` runs are going (one customer with millions of orders would otherwise
    cost millions of numpy steps), each is finished by the same steps on Python floats,
    which are the same IEEE doubles, so the totals do not change.
    """
    sizes = np.diff(np.r_[starts, len(values)])
    if len(sizes) == 0:
        return np.zeros(0)
    longest = int(sizes.max())
    longest_first = stable_order(longest - sizes)
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
        if k <= FEW_RUNS:
            for i in range(k):
                total[i], comp[i] = kahan_tail(values[pos[i] + j:pos[i] + sizes[longest_first[i]]].tolist(),
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


def kahan_tail(values: list, s: float, c: float) -> tuple[float, float]:
    """The steps of :func:`group_sums` for one run, continued from total ``s`` and compensation ``c``."""
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
