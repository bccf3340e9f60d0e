"""Numeric kernels of :func:`playbook.data.summarize`: group-by steps on numpy arrays, several times
faster than pandas' groupby on millions of orders and equal to it to the last bit
(``tests/test_performance_equivalence.py`` checks them against pandas).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FREQ_DAYS", "FEW_RUNS", "periods", "factorize_sorted", "stable_order", "group_starts", "group_sums", "kahan_tail",
           "segment_sums"]


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
        fast = _factorize_arrow_text(ids if keep.all() else ids[keep])
        if fast is not None:
            return fast
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


def _factorize_arrow_text(ids: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """``pd.factorize(ids, sort=True)`` of pyarrow text without a missing value, done in pyarrow: the ids are
    hashed once (``dictionary_encode``), only the distinct ones are sorted (UTF-8 byte order, which is code point
    order, as Python sorts text) and the codes renumbered by rank; pandas' own sorted factorize goes through a
    Python string per distinct id. The same codes and the same index (values and dtype); None when not applicable."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = getattr(ids.array, "_pa_array", None)
    if values is None or values.null_count or not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    # The chunks as they are (a streamed CSV read gives hundreds): no combined copy of every id.
    narrow = _narrow_keys(values)
    if narrow is not None:
        # Each id as one integer in the same order (see _narrow_keys): integers ranked, not strings hashed.
        codes, n_keys = _rank_integers(narrow)
        del narrow
        first = np.empty(n_keys, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # each id's first row
        distinct = values.take(pa.array(first))
        distinct = distinct.combine_chunks() if isinstance(distinct, pa.ChunkedArray) else distinct
        uniques = type(ids.array)(pa.chunked_array([distinct]), dtype=ids.dtype)
        return codes, pd.Index(uniques)
    encoded = pc.dictionary_encode(values)
    encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
    distinct = encoded.dictionary
    by_text = pc.sort_indices(distinct).to_numpy()
    small = np.int32 if len(distinct) < 2**31 else np.intp
    rank = np.empty(len(distinct), dtype=small)
    rank[by_text] = np.arange(len(distinct), dtype=small)
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    del encoded
    uniques = type(ids.array)(pa.chunked_array([distinct.take(pa.array(by_text))]), dtype=ids.dtype)
    # The pool keeps the encoding's freed buffers (chunks and their combined copy: twice the codes) for pyarrow's next
    # use; numpy's arrays after this cannot reuse them, so they go back to the system (#14).
    pa.default_memory_pool().release_unused()
    return codes, pd.Index(uniques)


def _id_table(chunk) -> np.ndarray | None:
    """The bytes of a pyarrow text array whose values all have one width, as an (ids x width) uint8 view; None else."""
    import pyarrow as pa

    width_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    _, offsets_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width_type, count=len(chunk) + 1,
                            offset=chunk.offset * np.dtype(width_type).itemsize)
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * len(chunk) or bool(np.any(np.diff(offsets) != width)):
        return None
    data = np.frombuffer(data_buf, dtype=np.uint8, count=int(offsets[-1]))[int(offsets[0]):]
    return data.reshape(len(chunk), width)


def _narrow_keys(values) -> np.ndarray | None:
    """Text ids of one width in bytes (``C00413271``, ``CUST-0042``), their shared leading bytes set aside, as
    integers whose order is the ids': the number the rest spells when it is all digits (one width: numeric order is
    text order), else unsigned 8-byte integers of the bytes (big-endian, the same width: byte order is code point
    order, as Python and pyarrow sort text); None when the ids are of several widths or differ in more than 8 bytes.
    ``values``: a pyarrow text ChunkedArray without missing values, read chunk by chunk where it lies."""
    chunks = [c for c in values.chunks if len(c)]
    if not chunks:
        return None
    tables: list[np.ndarray] = []
    for chunk in chunks:
        table = _id_table(chunk)
        if table is None or table.shape[1] != (tables[0].shape[1] if tables else table.shape[1]):
            return None
        tables.append(table)
    width = tables[0].shape[1]
    lead = 0
    while width - lead > 8 and all(bool(np.all(t[:, lead] == tables[0][0, lead])) for t in tables):
        lead += 1
    if width - lead > 8:
        return None
    digits = all(int(t[:, lead:].min()) >= 48 and int(t[:, lead:].max()) <= 57 for t in tables)
    out = np.empty(sum(len(t) for t in tables), dtype=np.int64 if digits else np.uint64)
    at = 0
    for t in tables:
        rest = t[:, lead:]
        part = out[at:at + len(t)]
        if digits:  # zero-padded numbers (C00413271): their value, in the same order as the text (one width)
            part[:] = 0
            for j in range(width - lead):
                part *= 10
                part += rest[:, j]
                part -= 48
        else:
            padded = np.zeros((len(t), 8), dtype=np.uint8)
            padded[:, :width - lead] = rest
            part[:] = padded.view(">u8").ravel()
            del padded
        at += len(t)
    return out


def _rank_integers(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """``pd.factorize(keys, sort=True)[0]`` (int32 when it fits) and the number of distinct keys. Keys that span a
    range not much wider than their count (customer numbers) are ranked through a table of the range, without
    hashing; others by pandas' factorize."""
    small = np.int32 if len(keys) < 2**31 else np.int64
    if keys.dtype == np.int64 and len(keys):
        low, high = int(keys.min()), int(keys.max())
        if high - low < 2 * len(keys) + 1024:
            offset = keys - low
            present = np.zeros(high - low + 1, dtype=bool)
            present[offset] = True
            rank = np.cumsum(present, dtype=small)
            np.subtract(rank, 1, out=rank)
            return rank[offset], int(rank[-1]) + 1
    codes, uniques = pd.factorize(keys, sort=True)
    return codes.astype(small, copy=False), len(uniques)


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, several times
    faster: each key is packed with its row number into one int64, and those are unique,
    so a plain sort gives the stable order."""
    n = len(keys)
    shift = max(int(n).bit_length(), 1)
    top = int(keys.max(initial=0))
    if n == 0 or keys.min() < 0 or top.bit_length() + shift > 62:
        return np.argsort(keys, kind="stable")
    # In place: one array as long as the keys at a time, the row numbers added a block at a time (memory, #14).
    packed = keys.astype(np.int64)
    packed <<= shift
    for a in range(0, n, GROUP_BLOCK):
        packed[a:a + GROUP_BLOCK] |= np.arange(a, min(a + GROUP_BLOCK, n), dtype=np.int64)
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


def sum_checks(values: np.ndarray) -> tuple[bool, bool]:
    """For :func:`segment_sums`: whether ``values`` hold a NaN, and whether no compensated sum of them can overflow
    (every finite value, NaN aside, and ``len(values) * max|value|`` far below the largest double)."""
    has_nan = bool(np.isnan(values).any())
    with np.errstate(invalid="ignore", over="ignore"):
        top = float(np.fmax.reduce(values, initial=-np.inf)) if len(values) else 0.0
        low = float(np.fmin.reduce(values, initial=np.inf)) if len(values) else 0.0
        safe = max(abs(top), abs(low)) * max(len(values), 1) < 1e300  # False for an infinity
    return has_nan, safe


def segment_sums(values, starts: np.ndarray, sizes: np.ndarray, *, checks=None):
    """:func:`group_sums` of runs that need not be contiguous: the sum of each ``values[starts[i]:starts[i] + sizes[i]]``
    (0.0 for an empty one), NaN skipped, by the same compensated steps in the same order, so each total is the one
    :func:`group_sums` gives for that run to the last bit.

    ``values`` is one array, or a list of arrays summed over the same runs (a list of totals is returned): the
    positions of each step are found once for all. The runs are read where they lie (no compacted copy), the steps
    work in place, and the running totals of two buffers take turns (no copy per step). ``checks``: each array's
    :func:`sum_checks`, when the caller has them (they read the whole array); when a sum cannot overflow, the
    compensation cannot be NaN, so its NaN check is skipped (it would change nothing)."""
    many = isinstance(values, (list, tuple))
    columns = list(values) if many else [values]
    checks = list(checks) if checks is not None else [sum_checks(v) for v in columns]
    sizes = np.asarray(sizes)
    starts = np.asarray(starts)
    outs = [np.zeros(len(starts)) for _ in columns]
    single = np.flatnonzero(sizes == 1)  # one value: its sum is 0.0 + value (NaN: 0.0), no step
    if len(single):
        at = starts[single]
        for out, column, (has_nan, _) in zip(outs, columns, checks):
            alone = column[at] + 0.0
            if has_nan:
                alone[np.isnan(alone)] = 0.0
            out[single] = alone
        del at
    busy = np.flatnonzero(sizes > 1)
    if len(busy):
        sizes = sizes[busy]
        longest = int(sizes.max())
        longest_first = stable_order(longest - sizes)
        pos = starts[busy][longest_first]
        sizes = sizes[longest_first]
        going = len(sizes) - np.searchsorted(sizes[::-1], np.arange(1, longest + 1), side="left")
        where = busy[longest_first]
        for out, column, (has_nan, safe) in zip(outs, columns, checks):
            out[where] = _segment_steps(column, pos, sizes, going, has_nan, safe)
    return outs if many else outs[0]


def _segment_steps(values: np.ndarray, pos: np.ndarray, sizes: np.ndarray, going: np.ndarray, has_nan: bool,
                   safe: bool) -> np.ndarray:
    """The compensated steps of :func:`_group_sums` over runs ``values[pos[i]:pos[i] + sizes[i]]``, longest first
    (``going[j]``: how many runs are longer than ``j``)."""
    total = values[pos] + 0.0  # 0.0 + x, as pandas starts from zero (turns -0.0 into 0.0)
    if has_nan:
        total[np.isnan(total)] = 0.0
    comp = np.zeros(len(pos))
    other = np.empty(len(pos))  # the next totals; the two buffers swap each step
    y = np.empty(len(pos))
    final = np.empty(len(pos))
    k_prev = len(pos)
    for j in range(1, len(going)):
        k = int(going[j])
        if k < k_prev:  # runs k..k_prev-1 ended at the last step: their totals are final
            final[k:k_prev] = total[k:k_prev]
        k_prev = k
        if k <= FEW_RUNS:
            for i in range(k):
                final[i], comp[i] = kahan_tail(values[pos[i] + j:pos[i] + sizes[i]].tolist(), float(total[i]),
                                               float(comp[i]))
            return final
        value = values[pos[:k] + j]
        s, c, yk, tk = total[:k], comp[:k], y[:k], other[:k]
        np.subtract(value, c, out=yk)
        np.add(s, yk, out=tk)
        with np.errstate(invalid="ignore"):
            if has_nan:
                ok = ~np.isnan(value)
                new_c = np.subtract(tk, s)
                new_c -= yk
                if not safe:
                    new_c[np.isnan(new_c)] = 0.0
                np.copyto(c, new_c, where=ok)
                np.copyto(tk, s, where=~ok)
            else:
                np.subtract(tk, s, out=c)
                c -= yk
                if not safe:
                    c[np.isnan(c)] = 0.0  # an infinite value: keep the infinity, as pandas does
        total, other = other, total
    final[:k_prev] = total[:k_prev]
    return final
