"""Bring your own data (使用自己的数据): turn a real orders export into a CustomerBase.

Reads CSV, Parquet or Excel, maps the user's column names, and validates every row before any analysis runs.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .data import CustomerBase, _DATE_COLUMNS, end_of_day, to_timestamp
from .errors import DataValidationError, InvalidArgumentError
from .i18n import _check as _check_language, get_language, label, register_labels
from .schema import TABLES

__all__ = ["from_orders", "read_export", "suggest_mapping", "DATE_FORMATS", "OPTIONAL_TABLES", "ORDER_COLUMNS", "REQUIRED_COLUMNS"]

register_labels({
    "bring_your_own_data": ("Bring your own data", "使用自己的数据"),
    "column_mapping": ("Column mapping", "列名映射"),
    "refund": ("Refund", "退款"),
})

#: Date formats tried in order when ``date_format`` is not given (name shown in notes).
DATE_FORMATS = (
    ("ISO (2025-01-31)", ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")),
    ("YYYY/MM/DD", ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")),
    ("DD.MM.YYYY", ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")),
)

#: Tables that may be passed beside orders, as a frame, a path, or ``(frame_or_path, columns)``.
OPTIONAL_TABLES = ("customers", "interactions", "complaints", "surveys", "referrals")

#: The kit's names for order columns, in the order they are kept; ``--map`` and ``columns=`` use them.
ORDER_COLUMNS = ("order_id", "customer_id", "order_date", "amount", "discount", "margin", "channel")
#: The order columns every export must have.
REQUIRED_COLUMNS = ("customer_id", "order_date", "amount")
_MISSING_TEXT = {"", "nan", "NaN", "NA", "N/A", "null", "NULL", "None", "-"}
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$")
# Names seen in real exports, for suggestions when no close spelling exists.
_ALIASES = {
    "customer_id": ("customer", "client", "kunde", "kunden-nr", "kundennummer", "客户", "客户编号", "客户id", "会员号", "buyer"),
    "order_date": ("date", "datum", "bestelldatum", "order date", "日期", "下单日期", "订单日期", "下单时间", "created"),
    "amount": ("betrag", "umsatz", "revenue", "total", "金额", "实付金额", "订单金额", "销售额", "price"),
    "order_id": ("order", "bestell-nr", "bestellnummer", "订单号", "订单编号", "invoice"),
    "margin": ("毛利", "marge", "profit", "deckungsbeitrag"),
    "discount": ("折扣", "rabatt", "优惠"),
    "channel": ("渠道", "kanal", "source"),
}


# What from_orders tells the analyst it detected or decided ("note_" labels, named fields):
# the notes are written in the language the read was asked for.
register_labels({
    "note_bom": ("{name}: read as UTF-8 with a byte-order mark (BOM).", "{name}：按带字节顺序标记（BOM）的 UTF-8 读取。"),
    "note_utf8": ("{name}: read as UTF-8.", "{name}：按 UTF-8 读取。"),
    "note_gbk": ("{name}: not UTF-8; read as GBK (a Chinese Excel export).", "{name}：不是 UTF-8，按 GBK 读取（中文 Excel 导出的常见编码）。"),
    "note_delimiter": ("{name}: columns are separated by {delim}, not commas; detected.", "{name}：列之间用 {delim} 分隔，不是逗号；已自动识别。"),
    "note_tab": ("tab", "制表符"),
    "note_truncated": ("{name}: the last line ({line}) has {got} of {width} fields, so the file looks truncated; that line was left out.",
                       "{name}：最后一行（第 {line} 行）只有 {got} 个字段，表头有 {width} 个，文件像是被截断了；这一行没有读入。"),
    "note_mixed_dates": ("{name}, column {col}: mixed date formats: {parts}. Check that day and month are not swapped.",
                         "{name}，列 {col}：日期格式不统一：{parts}。请核对日和月没有颠倒。"),
    "note_dates_as": ("{n} as {family}", "{n} 个按 {family}"),
    "note_thousands": ("{name}, column {col}: {n} amount(s) written with thousands separators (1,234.50); read as numbers.",
                       "{name}，列 {col}：{n} 个金额带千位分隔符（1,234.50），已按数字读取。"),
    "note_spaces": ("{name}, column {col}: stray spaces around values removed.", "{name}，列 {col}：已去掉值前后多余的空格。"),
    "note_repeats": ("{name}, column {col}: {n} exact repeat(s) of an order dropped ({rows}).",
                     "{name}，列 {col}：删除了 {n} 条完全重复的订单（{rows}）。"),
    "note_refunds_dropped": ("{name}: {n} refund(s) (negative amounts, {total} in all) dropped.",
                             "{name}：删除了 {n} 笔退款（负金额，合计 {total}）。"),
    "note_refunds_kept": ("{name}: {n} refund(s) kept as negative orders ({total} in all).",
                          "{name}：{n} 笔退款保留为负金额订单（合计 {total}）。"),
    "note_as_of": ("as_of not given: using the day of the last order, {date}.", "没有给出 as_of：以最后一笔订单的日期 {date} 为截至日期。"),
    "note_line": ("line {n} ({value})", "第 {n} 行 {value}"),
    "note_row": ("row {n} ({value})", "索引为 {n} 的行 {value}"),
    "note_more": (" and {n} more", "，另有 {n} 处"),
    "note_list_sep": (", ", "、"),
})


class _Notes(list):
    """The notes of one read: plain strings, written in ``lang`` as they are added."""

    def __init__(self, lang: str | None = None):
        super().__init__()
        self.lang = _check_language(lang or get_language())

    def text(self, key: str, **fields) -> str:
        return label(f"note_{key}", self.lang).format(**fields)

    def add(self, key: str, **fields) -> None:
        self.append(self.text(key, **fields))


class _Source:
    """Where rows came from, to name the file and the user's line numbers in messages."""

    def __init__(self, name: str, lines: np.ndarray, unit: str = "line"):
        self.name, self.lines, self.unit = name, lines, unit

    def rows(self, mask, values, limit: int = 5, lang: str = "en") -> str:
        """The first ``limit`` lines where ``mask`` holds, with their values, for a message or a note."""
        words = _Notes(lang)
        pos = np.flatnonzero(np.asarray(mask))
        shown = []
        for p in pos[:limit]:
            v = values.iloc[p]
            v = v.item() if isinstance(v, np.generic) else v
            shown.append(words.text(self.unit, n=self.lines[p], value=repr(v)))
        more = words.text("more", n=len(pos) - limit) if len(pos) > limit else ""
        return words.text("list_sep").join(shown) + more


def _decode(data: bytes, name: str, encoding: str | None, notes: _Notes) -> str:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataValidationError(f"{name}: cannot be read as {encoding!r} ({exc}). Try encoding=None to detect UTF-8 or GBK.") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        notes.add("bom", name=name)
        return data[3:].decode("utf-8")
    try:
        text = data.decode("utf-8")
        notes.add("utf8", name=name)
        return text
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{name}: neither UTF-8 nor GBK (byte {exc.start}). Save it as UTF-8 CSV, or pass encoding='...' (e.g. 'latin-1')."
        ) from exc
    notes.add("gbk", name=name)
    return text


def _read_csv_text(text: str, name: str, notes: _Notes) -> tuple[pd.DataFrame, _Source]:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    if delim != ",":
        notes.add("delimiter", name=name, delim=notes.text("tab") if delim == "\t" else repr(delim))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows, lines = [], []
    start = 1
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(start)
        start = reader.line_num + 1
    if not rows:
        raise DataValidationError(f"{name} is empty: it has no header and no orders. Export the orders table again.")
    header = [h.strip() for h in rows[0]]
    body, body_lines = rows[1:], np.array(lines[1:], dtype=np.int64)
    width = len(header)
    if body and len(body[-1]) < width:
        notes.add("truncated", name=name, line=body_lines[-1], got=len(body[-1]), width=width)
        body, body_lines = body[:-1], body_lines[:-1]
    bad = [i for i, r in enumerate(body) if len(r) != width]
    if bad:
        i = bad[0]
        raise DataValidationError(
            f"{name}: line {body_lines[i]} has {len(body[i])} fields but the header has {width} "
            f"({len(bad)} such line(s)). A value probably contains the separator {delim!r} unquoted "
            "(e.g. an amount like 1,234.50): export with quoted values or another separator."
        )
    df = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header, dtype=object)
    return df, _Source(name, body_lines)


def read_export(path_or_frame, *, encoding: str | None = None, sheet=None,
                lang: str | None = None) -> tuple[pd.DataFrame, list[str], list[int]]:
    """Read an export as text cells, with notes on how it was read and the user's line numbers.

    Parameters
    ----------
    path_or_frame : str, Path or DataFrame
        A ``.csv``/``.txt``/``.tsv``, ``.parquet`` or ``.xlsx``/``.xls`` file, or a DataFrame.
    encoding : str, optional
        Text encoding of a CSV; by default UTF-8 (with or without BOM), then GBK.
    sheet : str or int, optional
        Excel sheet (default: the first).
    lang : {"en", "zh"}, optional
        Language of the notes (default: the kit's language, :func:`playbook.i18n.get_language`).

    Returns
    -------
    (DataFrame, notes, lines)
        The table with header names stripped of whitespace, what was detected, and for
        each row its line number in the file (header = line 1) or its index in a frame.

    Examples
    --------
    >>> df, notes, lines = read_export(pd.DataFrame({"Kunde": ["a"], "Datum": ["2025-01-31"]}))
    >>> list(df.columns), list(lines)
    (['Kunde', 'Datum'], [0])
    """
    df, notes, src = _read(path_or_frame, encoding, sheet, lang)
    return df, list(notes), [int(x) for x in src.lines]


def _read(path_or_frame, encoding, sheet, lang) -> tuple[pd.DataFrame, _Notes, _Source]:
    notes = _Notes(lang)
    if isinstance(path_or_frame, pd.DataFrame):
        df = path_or_frame.copy()
        df.columns = [str(c).strip() for c in df.columns]
        return df, notes, _Source("the orders DataFrame", np.asarray(df.index), unit="row")
    if not isinstance(path_or_frame, (str, Path)):
        raise InvalidArgumentError(f"from_orders needs a file path or a DataFrame. Got {type(path_or_frame).__name__}.")
    path = Path(path_or_frame)
    name = path.name
    if not path.is_file():
        raise InvalidArgumentError(f"No file {str(path)!r}. Check the path (the current folder is where the notebook runs).")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise InvalidArgumentError(
                f"Reading {name} needs the openpyxl package, which is not installed. "
                "Run `pip install openpyxl`, or save the sheet as CSV in Excel and load that."
            ) from exc
        df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    else:
        data = path.read_bytes()
        if not data.strip():
            raise DataValidationError(f"{name} is empty: it has no header and no orders. Export the orders table again.")
        df, src = _read_csv_text(_decode(data, name, encoding, notes), name, notes)
        return df, notes, src
    if df.empty and len(df.columns) == 0:
        raise DataValidationError(f"{name} is empty: it has no header and no orders. Export the orders table again.")
    df.columns = [str(c).strip() for c in df.columns]
    return df.reset_index(drop=True), notes, _Source(name, np.arange(len(df)) + 2)


def suggest_mapping(columns) -> dict:
    """Guess a ``columns=`` mapping (kit name -> your name) from an export's header.

    >>> suggest_mapping(["Kunde", "Datum", "Betrag", "Notiz"])
    {'customer_id': 'Kunde', 'order_date': 'Datum', 'amount': 'Betrag'}
    """
    out = {}
    lowered = {str(c).strip().lower(): str(c).strip() for c in columns}
    for kit, aliases in _ALIASES.items():
        if kit in lowered:
            continue
        for alias in (kit, *aliases):
            hit = next((orig for low, orig in lowered.items() if alias == low or (len(alias) > 3 and alias in low)), None)
            if hit is not None and hit not in out.values():
                out[kit] = hit
                break
    return {k: out[k] for k in _ALIASES if k in out}


def _missing_column(kit: str, wanted: str, df: pd.DataFrame, src: _Source, mapped: bool) -> DataValidationError:
    names = [str(c) for c in df.columns]
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
    guess = close[0] if close else suggest_mapping(names).get(kit)
    if mapped:
        what = f"columns= maps {kit!r} to {wanted!r}, but {src.name} has no column {wanted!r}."
    else:
        what = f"{src.name} has no column {kit!r} (the kit's name for it), and columns= does not map it."
    hint = (f" Did you mean {guess!r}? Pass columns={{{kit!r}: {guess!r}, ...}}." if guess
            else f" Columns are: {', '.join(names)}. Pass columns={{{kit!r}: '<your column>', ...}}.")
    return DataValidationError(what + hint)


def _whole_numbers(values: pd.Series) -> bool:
    """Integers >= 0 with none missing: ids the text route would turn back into int64."""
    return (pd.api.types.is_signed_integer_dtype(values) and not isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
            and (len(values) == 0 or int(values.min()) >= 0))


def _strip_text(values: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """Values as text without surrounding spaces (None where empty), where they are empty,
    and whether stripping changed any. A categorical is stripped once per category."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories).astype("string")
        cat_text = cats.str.strip()
        cat_empty = (cat_text.isna() | (cat_text == "")).to_numpy(dtype=bool)
        codes = values.cat.codes.to_numpy()
        missing = codes < 0
        at = np.where(missing, 0, codes)
        lookup = np.array(cat_text.astype(object).to_numpy(), dtype=object)
        lookup[cat_empty] = None
        empty = pd.Series(missing | cat_empty[at] if len(cats) else missing, index=values.index)
        stripped = np.full(len(values), None, dtype=object)
        if len(cats):
            stripped[~missing] = lookup[codes[~missing]]
        changed_cat = (cat_text != cats).fillna(False).to_numpy(dtype=bool)
        changed = bool(len(cats)) and bool(changed_cat[codes[~missing]].any())
        return pd.Series(stripped, index=values.index, dtype=object), empty, changed
    raw = values.astype("string")
    text = raw.str.strip()
    empty = text.isna() | (text == "")
    return text.astype(object).where(~empty, None), empty, bool((text != raw).fillna(False).any())


def _parse_dates(values: pd.Series, col: str, src: _Source, date_format, notes: _Notes) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):  # already dates: only missing ones to find
        missing = values.isna()
        out = pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else pd.to_datetime(values)
        families = {}
    else:
        text = values.astype("string").str.strip()
        missing = text.isna() | text.isin(_MISSING_TEXT)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        families = {}
        groups = ((f"format {date_format!r}", (date_format,)),) if date_format else DATE_FORMATS
        for fam, fmts in groups:
            for fmt in fmts:
                todo = out.isna() & ~missing
                if not todo.any():
                    break
                parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
                ok = parsed.notna()
                if ok.any():
                    out.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[ns]")
                    families[fam] = families.get(fam, 0) + int(ok.sum())
    if missing.any():
        raise DataValidationError(
            f"{src.name}, column {col!r}: no order date in {src.rows(missing, values)}. Every order needs a date: fill or remove these lines."
        )
    bad = out.isna()
    if bad.any():
        tried = f"the format {date_format!r}" if date_format else "ISO (2025-01-31), YYYY/MM/DD and DD.MM.YYYY, with or without a time"
        raise DataValidationError(
            f"{src.name}, column {col!r}: {int(bad.sum())} date(s) cannot be read, e.g. {src.rows(bad, values)}. "
            f"Tried {tried}. Pass date_format='...' (e.g. '%m/%d/%Y') or fix these lines."
        )
    if len(families) > 1:
        parts = notes.text("list_sep").join(notes.text("dates_as", n=n, family=fam) for fam, n in families.items())
        notes.add("mixed_dates", name=src.name, col=repr(col), parts=parts)
    return out


def _parse_numbers(values: pd.Series, col: str, src: _Source, notes: _Notes, *, what: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = values.astype(float)
        bad_text = pd.Series(False, index=values.index)
    else:
        text = values.astype("string").str.strip().str.replace(r"\s+", "", regex=True)
        missing = text.isna() | text.isin(_MISSING_TEXT)
        ok = text.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool)
        thousands = ok & text.str.contains(",", regex=False).fillna(False).astype(bool)
        if thousands.any():
            notes.add("thousands", name=src.name, col=repr(col), n=int(thousands.sum()))
        nums = pd.to_numeric(text.where(ok).str.replace(",", "", regex=False), errors="coerce").astype(float)
        bad_text = ~ok & ~missing
        if bad_text.any():
            raise DataValidationError(
                f"{src.name}, column {col!r}: {what} must be numbers; {int(bad_text.sum())} value(s) are not, e.g. "
                f"{src.rows(bad_text, values)}. Remove currency signs and text, or map another column."
            )
    nan = nums.isna() & ~bad_text
    if nan.any():
        raise DataValidationError(
            f"{src.name}, column {col!r}: {int(nan.sum())} {what} missing (empty or NaN) in {src.rows(nan, values)}. "
            "Fill them in the export, or drop those orders before loading."
        )
    return nums


def from_orders(
    path_or_frame,
    columns: dict | None = None,
    *,
    as_of=None,
    refunds: str = "error",
    duplicates: str = "error",
    encoding: str | None = None,
    sheet=None,
    date_format: str | None = None,
    lang: str | None = None,
    **optional_tables,
) -> CustomerBase:
    """Load your own orders (CSV, Parquet, Excel or a DataFrame) as a validated :class:`CustomerBase`.

    Everything is checked before any analysis runs; each problem raises
    :class:`~playbook.errors.DataValidationError` naming the file, the column, the first
    offending lines (header = line 1) with their values, and what to do. The file is only read.

    Parameters
    ----------
    path_or_frame : str, Path or DataFrame
        The orders export.
    columns : dict, optional
        Kit name -> your column name, e.g. ``{"customer_id": "Kunde", "order_date": "Datum",
        "amount": "Betrag"}``. Required: customer_id, order_date, amount; optional: order_id,
        margin, discount, channel. Unmapped kit names are looked up as they are.
    as_of : date-like, optional
        The date the export describes. An order after it is an error. Default: the day of the last order.
    refunds : {"error", "keep", "drop"}
        Negative amounts: an error, kept as negative orders (refunds, 退款), or removed with a note.
    duplicates : {"error", "drop"}
        Repeated ``order_id``: an error, or drop exact repeats (same values in every mapped
        column); repeats that differ are always an error.
    encoding : str, optional
        CSV text encoding; default tries UTF-8 (with or without BOM), then GBK.
    sheet : str or int, optional
        Excel sheet to read.
    date_format : str, optional
        A strptime format for dates that are not ISO, YYYY/MM/DD or DD.MM.YYYY.
    lang : {"en", "zh"}, optional
        Language of ``meta["notes"]`` (default: the kit's language); errors stay in English.
    **optional_tables
        customers, interactions, complaints, surveys, referrals: a frame or path, or
        ``(frame_or_path, columns)``; checked against ``playbook.schema.TABLES``.

    Returns
    -------
    CustomerBase
        With ``orders`` (kit column names) and ``meta["notes"]``: what was detected and done.

    Examples
    --------
    >>> raw = pd.DataFrame({"Kunde": ["a", "a", "b"], "Datum": ["2025-01-03", "05.02.2025", "2025/02/01"],
    ...                     "Betrag": ["1,200.00", "80", "35.5"]})
    >>> base = from_orders(raw, {"customer_id": "Kunde", "order_date": "Datum", "amount": "Betrag"})
    >>> base.orders.amount.tolist(), str(base.as_of.date())
    ([1200.0, 80.0, 35.5], '2025-02-05')
    """
    if refunds not in ("error", "keep", "drop"):
        raise InvalidArgumentError(f"The 'refunds' parameter of from_orders must be 'error', 'keep' or 'drop'. Got {refunds!r}.")
    if duplicates not in ("error", "drop"):
        raise InvalidArgumentError(f"The 'duplicates' parameter of from_orders must be 'error' or 'drop'. Got {duplicates!r}.")
    columns = dict(columns or {})
    for kit in columns:
        if kit not in ORDER_COLUMNS:
            close = difflib.get_close_matches(str(kit), ORDER_COLUMNS, n=1)
            raise InvalidArgumentError(
                f"columns= has the key {kit!r}, which is not a kit column. Keys are the kit's names "
                f"({', '.join(ORDER_COLUMNS)}), values are yours." + (f" Did you mean {close[0]!r}?" if close else "")
            )
    unknown = [t for t in optional_tables if t not in OPTIONAL_TABLES]
    if unknown:
        raise InvalidArgumentError(f"from_orders got {unknown[0]!r}; optional tables are {', '.join(OPTIONAL_TABLES)}.")
    df, notes, src = _read(path_or_frame, encoding, sheet, lang)
    if len(df) == 0:
        raise DataValidationError(f"{src.name} has a header but no orders. Export the rows too, not only the column names.")
    wanted = {kit: str(columns.get(kit, kit)).strip() for kit in ORDER_COLUMNS}
    for kit in REQUIRED_COLUMNS:
        if wanted[kit] not in df.columns:
            raise _missing_column(kit, wanted[kit], df, src, mapped=kit in columns)
    for kit in columns:
        if kit not in REQUIRED_COLUMNS and wanted[kit] not in df.columns:
            raise _missing_column(kit, wanted[kit], df, src, mapped=True)
    present = [k for k in ORDER_COLUMNS if wanted[k] in df.columns]
    out = pd.DataFrame(index=df.index)
    for kit in present:
        col, values = wanted[kit], df[wanted[kit]]
        if kit == "order_date":
            out[kit] = _parse_dates(values, col, src, date_format, notes)
        elif kit in ("amount", "margin", "discount"):
            out[kit] = _parse_numbers(values, col, src, notes, what="amounts" if kit == "amount" else f"{kit} values")
        elif kit == "order_id" and _whole_numbers(values):
            out[kit] = values.astype(np.int64)  # what the text route below ends with, without the text
        else:
            stripped, empty, changed = _strip_text(values)
            if kit == "customer_id" and empty.any():
                raise DataValidationError(f"{src.name}, column {col!r}: no customer in {src.rows(empty, values)}. "
                                          "Every order needs a customer id: fill or remove these lines.")
            out[kit] = stripped
            if kit != "channel" and changed:
                notes.add("spaces", name=src.name, col=repr(col))
    keep = pd.Series(True, index=df.index)
    if "order_id" in out:
        dup = out["order_id"].duplicated(keep=False) & out["order_id"].notna()
        if dup.any():
            exact = out.loc[dup].astype(str).duplicated(keep=False)
            if duplicates == "drop" and exact.all():
                repeat = out.astype(str).duplicated(keep="first") & dup
                keep &= ~repeat
                notes.add("repeats", name=src.name, col=repr(wanted["order_id"]), n=int(repeat.sum()),
                          rows=src.rows(repeat, df[wanted["order_id"]], lang=notes.lang))
            else:
                differ = "" if exact.all() else " Some repeats differ in other columns, so they cannot be dropped safely."
                raise DataValidationError(
                    f"{src.name}, column {wanted['order_id']!r}: order ids must be unique; {int(dup.sum())} lines share an id, e.g. "
                    f"{src.rows(dup, df[wanted['order_id']])}.{differ} If the export repeats whole lines, pass duplicates='drop'; "
                    "otherwise fix the ids."
                )
        if out["order_id"].dtype == object and out["order_id"].notna().all() and out["order_id"].str.fullmatch(r"\d+").all():
            out["order_id"] = out["order_id"].astype(np.int64)
    negative = (out["amount"] < 0) & keep
    if negative.any():
        rows = src.rows(negative, df[wanted["amount"]])
        total = float(out.loc[negative, "amount"].sum())
        if refunds == "error":
            raise DataValidationError(
                f"{src.name}, column {wanted['amount']!r}: {int(negative.sum())} negative amount(s), e.g. {rows}. "
                "If these are refunds, pass refunds='keep' (kept as negative orders) or refunds='drop'; otherwise fix them."
            )
        if refunds == "drop":
            keep &= ~negative
            notes.add("refunds_dropped", name=src.name, n=int(negative.sum()), total=f"{total:,.2f}")
        else:
            notes.add("refunds_kept", name=src.name, n=int(negative.sum()), total=f"{total:,.2f}")
    if as_of is None:
        ts = out.loc[keep, "order_date"].max().normalize()
        notes.add("as_of", date=ts.date())
    else:
        ts = to_timestamp(as_of)
        late = (out["order_date"] > end_of_day(ts)) & keep
        if late.any():
            raise DataValidationError(
                f"{src.name}, column {wanted['order_date']!r}: {int(late.sum())} order(s) after as_of={ts.date()}, e.g. "
                f"{src.rows(late, df[wanted['order_date']])}. Pass a later as_of, or remove orders you should not know yet."
            )
    orders = out.loc[keep].reset_index(drop=True)
    tables = {t: _optional_table(t, spec, notes) for t, spec in optional_tables.items() if spec is not None}
    name = src.name if src.unit == "line" else "your orders"
    return CustomerBase(orders=orders, name=name, as_of=ts, meta={"notes": list(notes), "source": src.name}, **tables)


def _optional_table(table: str, spec, notes: _Notes) -> pd.DataFrame:
    data, mapping = spec if isinstance(spec, tuple) else (spec, {})
    df, more, src = _read(data, None, None, notes.lang)
    notes.extend(more)
    src.name = f"{src.name} ({table})" if src.unit == "line" else f"the {table} DataFrame"
    rename = {str(v).strip(): k for k, v in (mapping or {}).items()}
    df = df.rename(columns=rename)
    specs = {c.name: c for c in TABLES[table]}
    needed = [c.name for c in TABLES[table] if c.kind == "id"] + ([_DATE_COLUMNS[table]] if table in _DATE_COLUMNS else [])
    for col in needed:
        if col not in df.columns:
            raise _missing_column(col, str((mapping or {}).get(col, col)), df, src, mapped=col in (mapping or {}))
    for col in df.columns:
        c = specs.get(col)
        if c is None:
            continue
        if c.kind in ("date", "datetime"):
            if c.nullable:
                filled = df[col].notna() & ~df[col].astype("string").str.strip().isin(_MISSING_TEXT).fillna(True)
                parsed = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
                if filled.any():
                    parsed[filled] = _parse_dates(df.loc[filled, col], col, src, None, notes)
                df[col] = parsed
            else:
                df[col] = _parse_dates(df[col], col, src, None, notes)
        elif c.kind in ("money", "float") and not c.nullable:
            df[col] = _parse_numbers(df[col], col, src, notes, what=f"{col} values")
        elif c.kind in ("money", "float", "int"):
            df[col] = pd.to_numeric(df[col], errors="coerce")
        elif c.kind == "bool":
            df[col] = df[col].astype("string").str.strip().str.lower().map({"true": True, "1": True, "yes": True,
                                                                               "false": False, "0": False, "no": False})
        elif c.kind == "category":
            df[col] = df[col].astype("string").str.strip().astype("category")
        else:
            text = df[col].astype("string").str.strip()
            df[col] = text.astype(object).where(text.notna() & (text != ""), None)
    return df.reset_index(drop=True)
