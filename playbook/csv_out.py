"""A fast CSV writer that writes exactly the bytes of ``DataFrame.to_csv(path, index=False, encoding="utf-8-sig")``.

pandas formats a CSV row by row through Python's :mod:`csv` module, which takes seconds for a
million customers. :func:`write_csv` builds the same text column by column with pyarrow compute
(and numpy's own float-to-text conversion, as pandas uses), joins the columns into lines, and writes
and hashes the result in blocks. It knows the column types of the kit's tables: text (``object``
holding only text, ``str``), categoricals of text, numpy floats, integers and booleans, and dates
without a time of day. For anything else (another dtype, a single column, duplicate or non-text
column names, an empty table, a text that Python's csv module would treat in a way this writer does
not reproduce) it calls ``DataFrame.to_csv`` itself, so the file is always what pandas writes.

Which characters make Python's csv module quote a field is not guessed: it is asked once, by
writing probe rows with the same dialect pandas uses (``QUOTE_MINIMAL``, ``"`` doubled, the line
terminator ``os.linesep``). ``tests/test_csv_writer.py`` compares the bytes with ``to_csv`` on
hostile tables.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_csv", "write_csv_chunks", "csv_blocks"]

_BOM = "\ufeff".encode()
_ROWS_PER_BLOCK = 1 << 18
# Characters whose quoting by the csv module is asked (ASCII, and the Unicode line breaks str.splitlines knows).
_PROBE = [chr(i) for i in range(128)] + ["\x85", "\u2028", "\u2029", "\ufeff", "\u00a0", "\u3000"]


def _csv_line(fields) -> str:
    """One row as pandas' csv writer writes it (the dialect of ``DataFrame.to_csv``'s defaults)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=os.linesep, delimiter=",", quoting=csv.QUOTE_MINIMAL, doublequote=True,
               escapechar=None, quotechar='"').writerow(fields)
    return buf.getvalue()


@functools.cache
def _dialect() -> tuple[str, str] | None:
    """(the characters that make a field quoted, the characters this writer cannot reproduce), or None
    if the csv module does something this writer does not know (then every table goes to ``to_csv``)."""
    quoted, odd = [], []
    end = os.linesep
    if _csv_line(["", "x"]) != "," + "x" + end or _csv_line([" a ", "x"]) != " a ,x" + end:
        return None
    for c in _PROBE:
        seen = set()
        for field in (c, f"a{c}b", f"{c}b", f"a{c}"):
            try:
                got = _csv_line([field, "x"])
            except csv.Error:
                got = None
            seen.add("plain" if got == f"{field},x{end}" else
                     "quoted" if got == '"' + field.replace('"', '""') + '",x' + end else "other")
        if seen == {"quoted"}:
            quoted.append(c)
        elif seen != {"plain"}:
            odd.append(c)  # quoted in some places only, or written another way: such texts go to to_csv
    if "," not in quoted or '"' not in quoted:
        return None
    return "".join(quoted), "".join(odd)


def _char_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


class _Unsupported(Exception):
    """This column (or table) is left to ``DataFrame.to_csv``."""


def _large(text: str):
    import pyarrow as pa

    return pa.scalar(text, pa.large_string())


def _data_bytes(arr) -> np.ndarray:
    """The UTF-8 bytes the values of a large_string array use (no copy)."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    data = arr.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return np.empty(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8, count=int(offsets[-1] - offsets[0]), offset=int(offsets[0]))


def _holding(arr, chars: str) -> str:
    """Which of ``chars`` may occur in the values: an ASCII one only if a byte of the text is it (UTF-8 never
    uses ASCII bytes inside another character), any other one always (then a per-value test decides)."""
    if not chars:
        return ""
    data = _data_bytes(arr)
    return "".join(c for c in chars if ord(c) > 127 or (data.size and bool((data == ord(c)).any())))


def _text_field(arr, dialect):
    """Text values (an Arrow string array, nulls for missing) as (CSV text, rows to enclose in quotes or None).

    Missing values are empty and never quoted; quote characters inside a value are doubled.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    quote_chars, odd_chars = dialect
    arr = arr.cast(pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, _large(""))
    odd = _holding(arr, odd_chars)
    if odd and pc.any(pc.match_substring_regex(arr, _char_class(odd))).as_py():
        raise _Unsupported
    found = _holding(arr, quote_chars)
    if not found:
        return arr, None
    mask = (pc.match_substring(arr, found) if len(found) == 1 and ord(found) < 128
            else pc.match_substring_regex(arr, _char_class(found)))
    if '"' in found:
        arr = pc.replace_substring(arr, '"', '""')
    return arr, mask


def _quoted(arr, mask):
    """Text with the rows of ``mask`` enclosed in quotes (for small arrays: category labels)."""
    import pyarrow.compute as pc

    if mask is None:
        return arr
    quote = pc.if_else(mask, _large('"'), _large(""))
    return pc.binary_join_element_wise(quote, arr, quote, _large(""))


def _text_arrow(values):
    """A column of text (``str`` dtype, or ``object`` holding only str and missing values) as an Arrow array."""
    import pyarrow as pa

    if isinstance(values, np.ndarray):
        if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            raise _Unsupported
        mask = pd.isna(values)
        return pa.array(np.where(mask, "", values), type=pa.large_string(), mask=mask)
    if isinstance(values.dtype, pd.StringDtype):
        return pa.array(values, type=pa.large_string())
    raise _Unsupported


def _take(texts: np.ndarray, codes: np.ndarray):
    """``texts[codes]`` as an Arrow large_string array (texts: the formatted distinct values, as objects)."""
    import pyarrow as pa

    return pa.array(texts, type=pa.large_string()).take(pa.array(codes))


def _float_field(values: np.ndarray):
    """numpy's ``astype(str)`` of each float (what pandas writes), computed once per distinct bit pattern; NaN empty."""
    bits = np.ascontiguousarray(values).view(np.int64 if values.dtype.itemsize == 8 else np.int32)
    codes, uniques = pd.factorize(bits, sort=False)
    floats = uniques.view(values.dtype)
    text = floats.astype(str).astype(object)
    text[np.isnan(floats)] = ""
    return _take(text, codes)


def _date_field(values: np.ndarray):
    """Dates at midnight as YYYY-MM-DD (pandas' format when every value of the column is a whole day), NaT empty."""
    import pyarrow as pa

    codes, uniques = pd.factorize(np.ascontiguousarray(values).view(np.int64), sort=False)
    present = uniques != np.iinfo(np.int64).min
    unit = np.datetime_data(values.dtype)[0]
    per_day = int(np.timedelta64(1, "D").astype(f"m8[{unit}]").astype(np.int64))
    days = uniques[present] // per_day
    if (uniques[present] % per_day).any():
        raise _Unsupported  # times of day: pandas formats each chunk of rows on its own
    lo, hi = np.datetime64("1000-01-01").astype(np.int64), np.datetime64("9999-12-31").astype(np.int64)
    if days.size and (days.min() < lo or days.max() > hi):
        raise _Unsupported
    text = np.full(len(uniques), "", dtype=object)
    text[present] = pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32()).cast(pa.string()).to_numpy(
        zero_copy_only=False)
    return _take(text, codes)


def _field(values, dialect):
    """One column's values as CSV fields: (Arrow large_string array without nulls, rows to quote or None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = values.categories
        if not (cats.dtype == object or isinstance(cats.dtype, pd.StringDtype)):
            raise _Unsupported
        labels = _quoted(*_text_field(_text_arrow(np.asarray(cats, dtype=object)), dialect))
        labels = pa.concat_arrays([labels, pa.array([""], type=pa.large_string())])  # code -1 (missing): empty
        codes = np.asarray(values.codes).astype(np.int64)
        codes[codes < 0] = len(cats)
        return labels.take(pa.array(codes)), None
    if isinstance(values, np.ndarray):
        kind = dtype.kind
        if kind == "f" and dtype.itemsize in (4, 8):
            return _float_field(values), None
        if kind in "iu":
            return pa.array(values).cast(pa.large_string()), None
        if kind == "b":
            return pc.if_else(pa.array(values), _large("True"), _large("False")), None
        if kind == "M" and dtype.byteorder in "=|<":
            return _date_field(values), None
        if kind == "O":
            return _text_field(_text_arrow(values), dialect)
        raise _Unsupported
    return _text_field(_text_arrow(values), dialect)


def _column_values(frame: pd.DataFrame, i: int):
    """The values of column ``i``: a numpy array, a Categorical or a string extension array."""
    column = frame.iloc[:, i]
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy()
    if isinstance(column.dtype, (pd.CategoricalDtype, pd.StringDtype)):
        return column.array
    raise _Unsupported


def _between(before, after, sep: str):
    """What goes between two fields: the closing quote of the one before (rows of ``before``), ``sep``,
    the opening quote of the one after (rows of ``after``); a scalar when no row is quoted."""
    import pyarrow.compute as pc

    if before is None and after is None:
        return _large(sep)
    if after is None:
        return pc.if_else(before, _large('"' + sep), _large(sep))
    if before is None:
        return pc.if_else(after, _large(sep + '"'), _large(sep))
    return pc.binary_join_element_wise(pc.if_else(before, _large('"'), _large("")),
                                       pc.if_else(after, _large('"'), _large("")), _large(sep))


def _lines(fields: list) -> memoryview:
    """The CSV lines of one block of rows, from each column's (text, rows to quote), as one buffer."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces: list = []
    before = None
    for i, (text, mask) in enumerate(fields):
        between = _between(before, mask, "," if i else "")
        if not (isinstance(between, pa.Scalar) and between.as_py() == ""):
            pieces.append(between)
        pieces.append(text)
        before = mask
    pieces.append(_between(before, None, os.linesep))
    lines = pc.binary_join_element_wise(*pieces, _large(""))
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    return _data_bytes(lines).data


def _blocks(frame: pd.DataFrame, header: bool = True):
    """Yield the bytes of ``frame.to_csv(index=False, encoding="utf-8-sig")`` block by block (without the BOM and the
    header when ``header`` is false: the lines of rows that follow other rows); raise :class:`_Unsupported` (possibly
    after some blocks) where this writer does not reproduce ``to_csv``."""
    dialect = _dialect()
    columns = list(frame.columns)
    if (dialect is None or (header and len(frame) == 0) or len(columns) < 2 or isinstance(frame.columns, pd.MultiIndex)
            or not all(type(c) is str for c in columns) or len(set(columns)) != len(columns)):
        raise _Unsupported
    import pyarrow as pa

    try:
        values = [_column_values(frame, i) for i in range(len(columns))]
        if header:
            yield _BOM + _csv_line(columns).encode("utf-8")
        for start in range(0, len(frame), _ROWS_PER_BLOCK):
            yield _lines([_field(v[start:start + _ROWS_PER_BLOCK], dialect) for v in values])
    except (csv.Error, pa.ArrowException, TypeError, ValueError, UnicodeError) as exc:
        raise _Unsupported from exc


def csv_blocks(frame: pd.DataFrame) -> list | None:
    """The bytes of ``frame.to_csv(index=False, encoding="utf-8-sig")`` as a list of blocks, or None when
    this writer does not handle the table (``to_csv`` must write it).

    >>> df = pd.DataFrame({"id": ["a", 'b,"c"'], "x": [0.1 + 0.2, None]})
    >>> b"".join(csv_blocks(df)) == df.to_csv(index=False).encode("utf-8-sig")
    True
    """
    try:
        return list(_blocks(frame))
    except _Unsupported:
        return None


def write_csv(frame: pd.DataFrame, path) -> str:
    """Write ``frame.to_csv(path, index=False, encoding="utf-8-sig")`` (same bytes, faster); return its SHA-256.

    The file is hashed while it is written. A table this writer does not handle is written by ``to_csv``.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> digest = write_csv(pd.DataFrame({"a": ["x", "=1"], "b": [1, 2]}), p)
    >>> p.read_bytes() == b'\\xef\\xbb\\xbfa,b\\nx,1\\n=1,2\\n', digest == hashlib.sha256(p.read_bytes()).hexdigest()
    (True, True)
    """
    return write_csv_chunks([frame], path, whole=lambda: frame)


def write_csv_chunks(frames: Iterable[pd.DataFrame], path, *, whole: Callable[[], pd.DataFrame]) -> str:
    """Write ``pd.concat(frames).to_csv(path, index=False, encoding="utf-8-sig")`` one frame at a time (each frame's
    lines are appended to the file as they are made, so the whole text is never in memory); return its SHA-256.

    The frames are consecutive rows of one table, with the same columns and dtypes (a column's text does not depend
    on the other rows). Where this writer does not reproduce ``to_csv`` (a frame it does not handle, or no row at all)
    the file is written again by ``whole().to_csv(...)``, ``whole()`` being the concatenated table.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> t = pd.DataFrame({"a": ["x", "=1", 'q"'], "b": [1.5, None, 3.0]})
    >>> digest = write_csv_chunks([t.iloc[:2], t.iloc[2:]], p, whole=lambda: t)
    >>> p.read_bytes() == t.to_csv(index=False).encode("utf-8-sig")
    True
    """
    digest = hashlib.sha256()
    try:
        with open(Path(path), "wb") as fh:
            rows = 0
            for i, frame in enumerate(frames):
                rows += len(frame)
                for block in _blocks(frame, header=i == 0):
                    digest.update(block)
                    fh.write(block)
            if rows == 0:
                raise _Unsupported  # to_csv writes the header of an empty table
        return digest.hexdigest()
    except _Unsupported:
        pass
    whole().to_csv(path, index=False, encoding="utf-8-sig")
    from .output import sha256_file

    return sha256_file(path)
