"""Bring your own data (使用自己的数据): turn a real orders export into a CustomerBase.

Reads CSV, Parquet or Excel, maps the user's column names, and validates every row before any analysis runs.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
import time
from pathlib import Path
from typing import TypeVar, overload

import numpy as np
import pandas as pd

from .data import DATE_COLUMNS, CustomerBase, end_of_day, to_timestamp
from .errors import DataValidationError, InvalidArgumentError, PlaybookError
from .i18n import label, register_labels, resolve_lang
from .schema import TABLES

__all__ = ["from_orders", "read_export", "suggest_mapping", "check_as_of", "check_date_format", "DATE_FORMATS", "MAX_AMOUNT", "DATE_RANGE", "OPTIONAL_TABLES",
           "ORDER_COLUMNS", "REQUIRED_COLUMNS"]

register_labels({
    "bring_your_own_data": ("Bring your own data", "使用自己的数据"),
    "column_mapping": ("Column mapping", "列名映射"),
    "refund": ("Refund", "退款"),
})

#: Date formats tried in order when ``date_format`` is not given (name shown in notes).
DATE_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
#: The largest amount (absolute value) one order may have, in any currency: a trillion. Beyond it a
#: value is a broken export (a 400-digit number, ``inf``, ``1e308``), and float64 sums of a few
#: thousand such orders stop being exact to the cent.
MAX_AMOUNT = 1e12
#: Order dates must fall in this range; ``0001-01-01`` or ``9999-12-31`` are placeholders, not orders.
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31 23:59:59"))
_CURRENCY = "¥￥€$£₩₹"
# Surrounding characters trimmed from ids and numbers: every Unicode space (tab, CR, NBSP, narrow
# NBSP, ideographic space U+3000) and the invisible zero-width ones a copy from a web page brings.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Spelled out rather than \\s: pandas may run these patterns in pyarrow (RE2), whose \\s is ASCII only.
_SPACES = "\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000" + _INVISIBLE
_TRIM = f"^[{_SPACES}]+|[{_SPACES}]+$"
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
    "note_cp1252": ("{name}: not UTF-8; read as Windows-1252 (a Western European Excel export).",
                    "{name}：不是 UTF-8，按 Windows-1252 读取（西欧语言 Excel 导出的常见编码）。"),
    "note_encoding_given": ("{name}: read as {encoding} (as asked).", "{name}：按指定的 {encoding} 编码读取。"),
    "note_decimal_comma": ("{name}, column {col}: amounts use a decimal comma (e.g. {example}); read as numbers.",
                           "{name}，列 {col}：金额使用小数逗号（例如 {example}），已按数字读取。"),
    "note_currency": ("{name}, column {col}: currency signs removed from {n} value(s).",
                      "{name}，列 {col}：已去掉 {n} 个值中的货币符号。"),
    "note_accounting": ("{name}, column {col}: {n} amount(s) in parentheses, e.g. (12.50), read as negative.",
                        "{name}，列 {col}：{n} 个带括号的金额（例如 (12.50)）按负数读取。"),
    "note_ids_merged": (("{name}, column {col}: {n} id spelling(s) differed only by surrounding spaces or invisible characters "
                         "(tab, line break, non-breaking, ideographic or zero-width space) and were merged into the same customer(s)."),
                        "{name}，列 {col}：{n} 个编号写法只是前后多了空格或不可见字符（制表符、换行、不换行空格、全角空格、零宽字符），已合并为同一客户。"),
    "note_compact_dates": ("{name}, column {col}: dates written as YYYYMMDD (e.g. {example}); read as dates.",
                           "{name}，列 {col}：日期写成 YYYYMMDD（例如 {example}），已按日期读取。"),
    "note_excel_dates": ("{name}, column {col}: dates written as Excel serial numbers (e.g. {example}); read as dates.",
                         "{name}，列 {col}：日期是 Excel 序列号（例如 {example}），已按日期读取。"),
    "note_day_first": ("{name}, column {col}: dates read day first (DD/MM/YYYY), e.g. {example}.",
                       "{name}，列 {col}：日期按日在前读取（DD/MM/YYYY），例如 {example}。"),
    "note_month_first": ("{name}, column {col}: dates read month first (MM/DD/YYYY), e.g. {example}.",
                         "{name}，列 {col}：日期按月在前读取（MM/DD/YYYY），例如 {example}。"),
    "note_timezone": ("{name}, column {col}: times carry time zones; all converted to {zone} and kept as that zone's local time.",
                      "{name}，列 {col}：时间带时区；全部换算为 {zone} 的当地时间。"),
    "note_progress": ("read {n:,} lines of {name} ({share:.0%})", "已读取 {name} 的 {n:,} 行（{share:.0%}）"),
    "note_progress_left": ("read {n:,} lines of {name} ({share:.0%}), about {left} left",
                           "已读取 {name} 的 {n:,} 行（{share:.0%}），约还需 {left}"),
    "note_seconds": ("{k} s", "{k} 秒"),
    "note_minutes": ("{k} min", "{k} 分钟"),
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
    "note_net_negative": (("{name}: {n} customer(s) refunded more than they bought ({ids}); their revenue is negative "
                           "(the Gini coefficient counts it as zero)."),
                          "{name}：{n} 个客户的退款超过购买（{ids}），其收入为负（基尼系数按零计算）。"),
    "note_as_of": ("as_of not given: using the day of the last order, {date}.", "没有给出 as_of：以最后一笔订单的日期 {date} 为截至日期。"),
    "note_line": ("line {n} ({value})", "第 {n} 行 {value}"),
    "note_sheet_line": ("line {n} of sheet {sheet} ({value})", "工作表 {sheet} 第 {n} 行 {value}"),
    "note_excel_header": ("{name}, sheet {sheet}: the header is on line {line}; the lines above it (a title) were skipped.",
                          "{name}，工作表 {sheet}：表头在第 {line} 行，上面的行（标题）已跳过。"),
    "note_excel_sheets": ("{name}: read the sheet(s) {sheets} (same columns) as one table; other sheets skipped: {skipped}.",
                          "{name}：工作表 {sheets}（列相同）合并为一张表读取；跳过的其他工作表：{skipped}。"),
    "note_row": ("row {n} ({value})", "索引为 {n} 的行 {value}"),
    "note_more": (" and {n} more", "，另有 {n} 处"),
    "note_list_sep": (", ", "、"),
})


class ReadNotes(list):
    """The notes of one read: plain strings, written in ``lang`` as they are added."""

    def __init__(self, lang: str | None = None):
        super().__init__()
        self.lang = resolve_lang(lang)
        self.started = time.monotonic()  # for the time left in progress messages
        self.legacy = False  # a CSV found to be GBK or Windows-1252 (not given by encoding=)

    def text(self, key: str, **fields) -> str:
        return label(f"note_{key}", self.lang).format(**fields)

    def add(self, key: str, **fields) -> None:
        self.append(self.text(key, **fields))


class _Source:
    """Where rows came from, to name the file and the user's line numbers in messages."""

    def __init__(self, name: str, lines: np.ndarray | range, unit: str = "line"):
        self.name, self.lines, self.unit = name, lines, unit
        self.sheets: np.ndarray | None = None  # the sheet of each row, when rows come from several sheets

    def rows(self, mask, values, limit: int = 5, lang: str = "en") -> str:
        """The first ``limit`` lines where ``mask`` holds, with their values, for a message or a note."""
        words = ReadNotes(lang)
        pos = np.flatnonzero(np.asarray(mask))
        shown = []
        # The streaming read's text is read again from the file, for these few rows only.
        picked = values.fetch(pos[:limit]) if isinstance(values, _LazyText) else [values.iloc[p] for p in pos[:limit]]
        for p, v in zip(pos[:limit], picked):
            v = v.item() if isinstance(v, np.generic) else v
            if isinstance(v, str) and len(v) > 60:  # a runaway field (an open quote) is named, not printed
                v = f"{v[:40]}... ({len(v):,} characters)"
            if self.sheets is not None:
                shown.append(words.text("sheet_line", n=self.lines[p], sheet=repr(str(self.sheets[p])), value=repr(v)))
            else:
                shown.append(words.text(self.unit, n=self.lines[p], value=repr(v)))
        more = words.text("more", n=len(pos) - limit) if len(pos) > limit else ""
        return words.text("list_sep").join(shown) + more


_PY_OPTION = re.compile(r"\b(date_format|encoding|refunds|duplicates|decimal|as_of|sheet)=('[^']*'|[^\s,.)]+(?:\.[^\s,.)]+)*)")


def _cli_spelling(message: str) -> str:
    """The same message with the command line's options (``--decimal ','``) for the Python arguments."""
    def option(m: re.Match) -> str:
        value = m.group(2)
        if m.group(1) in ("refunds", "duplicates", "encoding") or value.startswith("None"):
            value = value.strip("'")
        return f"--{m.group(1).replace('_', '-')} {value}"
    text = _PY_OPTION.sub(option, message).replace("dayfirst=True", "--dayfirst").replace("dayfirst=False", "--no-dayfirst")
    text = re.sub(r"columns=\{'(\w+)': ('[^']*'), \.\.\.\}", lambda m: f"--map {m.group(1)}={m.group(2).strip(chr(39))}", text)
    for python, cli in (("columns= ", "--map "), ("columns=", "--map"), ("encoding= ", "--encoding "), ("a later as_of", "a later --as-of")):
        text = text.replace(python, cli)
    return text


_E = TypeVar("_E", bound=PlaybookError)


@overload
def _error(message: str) -> DataValidationError: ...
@overload
def _error(message: str, cls: type[_E]) -> _E: ...
def _error(message: str, cls: type[PlaybookError] = DataValidationError) -> PlaybookError:
    """A kit error whose ``cli_message`` names the CLI options when the message names Python arguments."""
    cli = _cli_spelling(message)
    return cls(message, cli_message=cli if cli != message else None)


_ENCODING_NAMES = {"gbk": "GBK (Chinese)", "cp1252": "Windows-1252 (Western European)"}


def _detect_legacy_encoding(data: bytes, name: str) -> str:
    """GBK or Windows-1252 for a file that is not UTF-8, or a refusal naming ``encoding=``.

    Both decode almost any bytes, so the choice is charset-normalizer's measure of how
    garbled each reading looks ("chaos"), on the lines that hold non-ASCII bytes; only a
    clear winner is taken.
    """
    candidates: list[str] = []
    failures: dict[str, UnicodeDecodeError] = {}
    for enc in ("gbk", "cp1252"):
        try:
            data.decode(enc)
            candidates.append(enc)
        except UnicodeDecodeError as exc:
            failures[enc] = exc
    chosen = _legacy_choice(data, candidates)
    if chosen is not None:
        return chosen
    line = next((i + 1 for i, ln in enumerate(data.split(b"\n")) if re.search(rb"[\x80-\xff]", ln)), 1)
    if not candidates:
        byte = failures["gbk"].start
        raise _error(f"{name}: neither UTF-8, GBK nor Windows-1252 (byte {byte}, line {line}). "
                     "Save it as UTF-8 CSV, or pass encoding='...' (e.g. encoding='latin-1').")
    raw = data.split(b"\n")[line - 1].strip()[:80]
    if len(candidates) == 1:
        enc = candidates[0]
        raise _error(f"{name}: not UTF-8, and only {_ENCODING_NAMES[enc]} reads it, garbled: line {line} reads {raw.decode(enc)!r}. "
                     f"If that is right, pass encoding='{enc}'; otherwise save it as UTF-8 CSV, or pass the encoding it "
                     "was saved in (e.g. encoding='latin-1').")
    raise _error(f"{name}: not UTF-8, and whether it is GBK (Chinese) or Windows-1252 (Western European) cannot be told safely: "
                 f"line {line} reads {raw.decode('gbk')!r} as GBK and {raw.decode('cp1252')!r} as Windows-1252. "
                 "Pass encoding='gbk' or encoding='cp1252', whichever reads right, or save it as UTF-8 CSV.")


def _legacy_choice(data: bytes, candidates: list[str]) -> str | None:
    """Of the legacy encodings that decode the whole file (``candidates``), the one charset-normalizer finds clearly
    least garbled on the lines of the first 16 MiB that hold non-ASCII bytes; None when no clear winner."""
    from charset_normalizer import from_bytes

    lines = re.findall(rb"[^\n]*[\x80-\xff][^\n]*", data[: 1 << 24])
    sample = b"\n".join(lines[:2000])
    chaos = {m.encoding: m.chaos for m in from_bytes(sample, cp_isolation=candidates)} if candidates else {}
    ranked = sorted((chaos.get(enc, 1.0), enc) for enc in candidates)
    if ranked and ranked[0][0] <= 0.02 and (len(ranked) == 1 or ranked[1][0] - ranked[0][0] >= 0.05):
        return ranked[0][1]
    return None


def _stream_encoding(path: Path) -> str | None:
    """The legacy encoding :func:`_decode` reads a file that is not UTF-8 with, found without the whole file in memory:
    each encoding checked on the file chunk by chunk (an incremental decoder: the same verdict as decoding it whole),
    the choice made on its first 16 MiB as :func:`_detect_legacy_encoding` makes it. None when :func:`_decode` would
    not pick one (a byte-order mark, valid UTF-8, no clear winner: the whole-file read says why)."""
    import codecs

    decoders = {enc: codecs.getincrementaldecoder(enc)() for enc in ("utf-8", "gbk", "cp1252")}
    good = dict.fromkeys(decoders, True)
    with open(path, "rb") as fh:
        head = fh.read(1 << 24)
        chunk = head
        while chunk:
            for enc, dec in decoders.items():
                if good[enc]:
                    try:
                        dec.decode(chunk)
                    except UnicodeDecodeError:
                        good[enc] = False
            chunk = fh.read(1 << 22)
    for enc, dec in decoders.items():
        if good[enc]:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                good[enc] = False
    if head.startswith(b"\xef\xbb\xbf") or good["utf-8"]:
        return None
    return _legacy_choice(head, [enc for enc in ("gbk", "cp1252") if good[enc]])


def _decode(data: bytes, name: str, encoding: str | None, notes: ReadNotes) -> str:
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise _error(f"{name}: cannot be read as {encoding!r} ({exc}). Leave out encoding= to let the kit detect UTF-8, GBK or Windows-1252.") from exc
        notes.add("encoding_given", name=name, encoding=encoding)
        return text.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        notes.add("bom", name=name)
        return data[3:].decode("utf-8")
    try:
        text = data.decode("utf-8")
        notes.add("utf8", name=name)
        return text
    except UnicodeDecodeError:
        pass
    enc = _detect_legacy_encoding(data, name)
    notes.add("gbk" if enc == "gbk" else "cp1252", name=name)
    notes.legacy = True
    return data.decode(enc)


def _delimiter(first: str) -> str:
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


#: Bytes of CSV that pyarrow parses at a time (its block size) in the whole-file read, and in the streaming
#: read (:func:`_stream_orders`); the tests make the latter tiny to force many blocks.
_BLOCK_BYTES = 1 << 22
_STREAM_BLOCK_BYTES = 1 << 22


def _sniff_csv(path: Path, encoding: str = "utf-8"):
    """What the pyarrow readers need from a CSV's first 64 KB: (bom, delimiter, header, pyarrow options, share of the
    file read after n lines), or None when the file needs the careful reader (not UTF-8, no line break, a quoted or
    repeated header name)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    bom = head.startswith(b"\xef\xbb\xbf")
    head = head[3:] if bom else head
    try:
        first_line = head.split(b"\n", 1)[0].decode(encoding).rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not first_line.strip() or b"\n" not in head:
        return None
    delim = _delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delim))
    if len(set(header)) != len(header) or '"' in first_line:
        return None
    size = max(path.stat().st_size, 1)
    options = {
        "read_options": pacsv.ReadOptions(block_size=_BLOCK_BYTES, skip_rows=1, column_names=[f"c{i}" for i in range(len(header))],
                                          encoding="utf8" if encoding == "utf-8" else encoding),
        "parse_options": pacsv.ParseOptions(delimiter=delim, ignore_empty_lines=False, newlines_in_values=False),
        # large_string: what pandas' str columns hold, so to_pandas wraps the blocks instead of copying them.
        "convert_options": pacsv.ConvertOptions(column_types={f"c{i}": pa.large_string() for i in range(len(header))},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
    }
    line_bytes = len(head) / max(head.count(b"\n"), 1)  # for the share read, from the first 64 KB
    return bom, delim, header, options, lambda n: min(0.99, n * line_bytes / size)


class _Progress:
    """The caller's ``progress`` for a second read of a file (after the streaming read handed over): silent until it
    passes the line the first read had reported, so the lines and shares said never go back."""

    def __init__(self, progress, after: int):
        self.progress, self.after = progress, after

    def __call__(self, message: str) -> None:
        self.progress(message)


#: Progress says the time left once the read has run this long and is this far: earlier, the rate is noise.
ESTIMATE_AFTER_SECONDS, ESTIMATE_AFTER_SHARE = 2.0, 0.02


def time_left(started: float, share: float, lang: str | None = None) -> str | None:
    """About how long the rest of a stage takes at its pace so far, as text (``"40 s"``, ``"3 min"``), for a stage
    that began at ``time.monotonic()`` ``started`` and is ``share`` done; None while it is too early to say
    (:data:`ESTIMATE_AFTER_SECONDS`, :data:`ESTIMATE_AFTER_SHARE`) or when it is done.

    >>> time_left(time.monotonic() - 10, 0.25), time_left(time.monotonic() - 300, 0.5, "zh"), time_left(time.monotonic(), 0.5)
    ('30 s', '5 分钟', None)
    """
    elapsed = time.monotonic() - started
    if elapsed < ESTIMATE_AFTER_SECONDS or share < ESTIMATE_AFTER_SHARE or share >= 1:
        return None
    left = elapsed * (1 - share) / share
    if left < 90:
        return label("note_seconds", lang).format(k=max(1, round(left)))
    return label("note_minutes", lang).format(k=round(left / 60))


def with_share(message: str, share: float, started: float) -> str:
    """``message`` with the share of its stage done and, once it can be estimated (:func:`time_left`), the time left:
    ``"DuckDB step: per_days (45%, about 2 min left)"``; English, as the analysis' own stage messages.

    >>> with_share("writing", 0.25, time.monotonic() - 10), with_share("writing", 1.0, time.monotonic() - 10)
    ('writing (25%, about 30 s left)', 'writing (100%)')
    """
    left = time_left(started, share, "en")
    return f"{message} ({share:.0%}" + (f", about {left} left)" if left else ")")


def _time_left(notes: ReadNotes, share: float) -> str | None:
    """:func:`time_left` of the read ``notes`` belong to, in their language."""
    return time_left(notes.started, share, notes.lang)


def _tell(progress, notes: ReadNotes, n: int, name: str, share: float) -> int:
    """Say ``read n lines of name (share)`` through ``progress`` (if any), with the time left
    once it can be estimated (``..., about 40 s left``); returns n."""
    if progress is not None and n > getattr(progress, "after", 0):
        left = _time_left(notes, share)
        key = "progress" if left is None else "progress_left"
        progress(notes.text(key, n=n, name=name, share=share, left=left))
    return n


def _read_csv_fast(path: Path, name: str, notes: ReadNotes, progress) -> tuple[pd.DataFrame, _Source] | None:
    """A clean UTF-8 CSV read by pyarrow in blocks, as text columns; None when the file needs the careful reader.

    The careful reader (:func:`_read_csv_text`) keeps the user's line numbers through blank
    lines, quoted line breaks and ragged lines and explains them; here any such irregularity
    (pyarrow refuses the file) hands over to it, so this path only ever reads files where
    line = row + 2.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    sniffed = _sniff_csv(path)
    if sniffed is None:
        return None
    bom, delim, header, options, share = sniffed
    batches, rows, step = [], 0, 500_000
    try:
        with pacsv.open_csv(path, **options) as reader:
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows >= step:
                    _tell(progress, notes, rows + 1, name, share(rows + 1))
                    step = rows + 500_000
            schema = reader.schema
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    table = pa.Table.from_batches(batches, schema=schema)
    del batches
    # pyarrow keeps a quoted line break inside a value even so; then line != row + 2: the careful reader.
    if any(pc.any(pc.match_substring_regex(table[c], "[\r\n]")).as_py() for c in table.column_names):
        return None
    df = table.to_pandas(self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()  # hand the blocks back now, not at the pool's leisure
    df.columns = [h.strip() for h in header]
    lines = np.arange(len(df), dtype=np.int64) + 2
    blank = np.zeros(len(df), dtype=bool)
    first_empty = (df.iloc[:, 0].str.strip() == "").to_numpy(dtype=bool) if len(df) else blank
    if first_empty.any():  # a blank line: every field empty (checked only where the first one is)
        at = np.flatnonzero(first_empty)
        blank[at] = np.logical_and.reduce([(df[c].iloc[at].str.strip() == "").to_numpy(dtype=bool) for c in df.columns])
    if blank.any():
        df, lines = df.loc[~blank].reset_index(drop=True), lines[~blank]
    notes.add("bom" if bom else "utf8", name=name)
    if delim != ",":
        notes.add("delimiter", name=name, delim=notes.text("tab") if delim == "\t" else repr(delim))
    return df, _Source(name, lines)


def _read_csv_text(text: str, name: str, notes: ReadNotes, progress=None) -> tuple[pd.DataFrame, _Source]:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = _delimiter(first)
    if delim != ",":
        notes.add("delimiter", name=name, delim=notes.text("tab") if delim == "\t" else repr(delim))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows, lines = [], []
    start = 1
    # Progress as the fast reader gives it: this pure-Python reader takes minutes on millions of lines.
    total, step = (max(text.count("\n"), 1), 250_000) if progress is not None else (0, 0)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
            if step and start > step:
                _tell(progress, notes, start - 1, name, min(0.99, start / total))
                step += 250_000
    except csv.Error as exc:
        raise _error(f"{name}: line {start} cannot be read as CSV ({exc}). A quote is probably left open there, "
                     "so the rest of the file became one value: fix the quotes in that line, or export again.") from exc
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
        Text encoding of a CSV; by default UTF-8 (with or without BOM), else GBK or
        Windows-1252, whichever reads cleanly (refused when that cannot be told).
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


#: How the Parquet file is read: mapped into memory (its pages read from the system's file cache, not copied
#: into fresh buffers first: a fifth of the page faults), and each column turned into a block of its own
#: (pandas >= 3 takes the option), so the float columns are not copied into one two-dimensional block.
#: The values are the same.
_PARQUET_OPTIONS: dict = {"memory_map": True, **({"to_pandas_kwargs": {"split_blocks": True}}
                                                 if int(pd.__version__.split(".")[0]) >= 3 else {})}


def _parquet_columns(path_or_frame, columns: dict) -> list[str] | None:
    """The columns of a Parquet file that ``columns`` maps (in the kit's order, spelt as in the file), or None
    when the whole file must be read: not Parquet, a schema pyarrow cannot read, column names that are not
    plain text, two names the same once stripped, a mapped or required column missing or two kit columns
    mapped to one (the whole read then refuses it, with every column listed). Reading only these columns
    skips the export's others (often most of the file) in the Parquet decoding and in the conversion to
    pandas; pyarrow converts each column on its own, so the frame holds the same values and dtypes."""
    if not isinstance(path_or_frame, (str, Path)) or Path(path_or_frame).suffix.lower() not in (".parquet", ".pq"):
        return None
    try:
        import pyarrow.parquet as pq

        schema = pq.read_schema(path_or_frame)
    except Exception:  # a broken file: the whole read says so in its words
        return None
    meta = schema.pandas_metadata or {}
    index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    if len(meta.get("column_indexes", [])) > 1 or any(
            c.get("field_name") not in index and c.get("name") != c.get("field_name") for c in meta.get("columns", [])):
        return None  # column names pandas rebuilds (numbers, tuples): the whole read turns them to text
    spelt: dict[str, str] = {}
    for field in schema.names:
        if field in index:
            continue
        if field.strip() in spelt:
            return None
        spelt[field.strip()] = field
    wanted = {kit: str(columns.get(kit, kit)).strip() for kit in ORDER_COLUMNS}
    if any(wanted[kit] not in spelt for kit in (*REQUIRED_COLUMNS, *columns)):
        return None
    chosen = [wanted[kit] for kit in ORDER_COLUMNS if wanted[kit] in spelt]
    if len(set(chosen)) < len(chosen):
        return None
    return [spelt[name] for name in chosen]


def _read(path_or_frame, encoding, sheet, lang, progress=None, parquet_columns: list[str] | None = None
          ) -> tuple[pd.DataFrame, ReadNotes, _Source]:
    notes = ReadNotes(lang)
    if isinstance(path_or_frame, pd.DataFrame):
        df = path_or_frame.copy()
        df.columns = [str(c).strip() for c in df.columns]
        _check_unique_header(df, "the orders DataFrame")
        # Positions inside, the caller's index labels in messages: a repeated index label is harmless.
        return df.reset_index(drop=True), notes, _Source("the orders DataFrame", np.asarray(df.index), unit="row")
    if not isinstance(path_or_frame, (str, Path)):
        raise InvalidArgumentError(f"from_orders needs a file path or a DataFrame. Got {type(path_or_frame).__name__}.")
    path = Path(path_or_frame)
    name = path.name
    if not path.is_file():
        raise InvalidArgumentError(f"No file {str(path)!r}. Check the path (the current folder is where the notebook runs).")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path, columns=parquet_columns, **_PARQUET_OPTIONS)
        except Exception as exc:  # pyarrow raises several types for a broken file; all mean the same to the user
            reason = str(exc).replace(f"'{path}'", name).replace(str(path), name).split(". ")[0][:200]
            raise _error(f"{name} cannot be read as Parquet ({reason}). The file is truncated or not Parquet: "
                         "export it again, or save the orders as CSV.") from exc
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise InvalidArgumentError(
                f"Reading {name} needs the openpyxl package, which is not installed. "
                "Run `pip install openpyxl`, or save the sheet as CSV in Excel and load that."
            ) from exc
        df, src = _read_excel(path, name, sheet, notes)
        _check_unique_header(df, name)
        return df, notes, src
    else:
        fast = _read_csv_fast(path, name, notes, progress) if encoding is None else None
        if fast is not None:
            df, src = fast
        else:
            data = path.read_bytes()
            if not data.strip():
                raise DataValidationError(f"{name} is empty: it has no header and no orders. Export the orders table again.")
            df, src = _read_csv_text(_decode(data, name, encoding, notes), name, notes, progress)
            if notes.legacy or encoding is not None:
                # Text as the UTF-8 reads hold it (pyarrow strings, not a Python object per value), so a file found to
                # be GBK or Windows-1252, or read in the encoding= given, is parsed as its UTF-8 copy is; the
                # streaming read then keeps its blocks so.
                df = df.astype("str")
        _check_unique_header(df, name)
        _check_field_sizes(df, src)
        return df, notes, src
    if df.empty and len(df.columns) == 0:
        raise DataValidationError(f"{name} is empty: it has no header and no orders. Export the orders table again.")
    df.columns = [str(c).strip() for c in df.columns]
    _check_unique_header(df, name)
    # Row p is line p + 2 (the header is line 1): a range, not an array of ten million numbers.
    return df.reset_index(drop=True), notes, _Source(name, range(2, len(df) + 2))


#: A CSV value longer than this is a quote left open (the rest of the file became one value), not data.
MAX_FIELD = 131_072


def _check_field_sizes(df: pd.DataFrame, src: _Source) -> None:
    for col in df.columns:
        sizes = df[col].str.len()
        if len(sizes) and sizes.max() > MAX_FIELD:
            at = (sizes > MAX_FIELD).to_numpy()
            raise _error(f"{src.name}, column {col!r}: {src.rows(at, df[col], limit=1)} holds {int(sizes.max()):,} characters, "
                         f"more than {MAX_FIELD:,}. A quote is probably left open there, so the lines after it became one value: "
                         "close the quote in that line, or export again.")


def _header_row(cells: pd.DataFrame) -> int | None:
    """The first row of a sheet that looks like a header: two or more cells, all text. Titles above it are skipped."""
    for i in range(min(len(cells), 30)):
        row = [c for c in cells.iloc[i].tolist() if c is not None and not (isinstance(c, float) and np.isnan(c)) and str(c).strip()]
        if len(row) >= 2 and all(isinstance(c, str) for c in row):
            return i
    return None


def _read_excel(path: Path, name: str, sheet, notes: ReadNotes) -> tuple[pd.DataFrame, _Source]:
    """One sheet, or every sheet with the same header as the first (a sheet per month), each header found below any title."""
    try:
        book = pd.read_excel(path, sheet_name=None if sheet is None else [sheet], header=None, dtype=object,
                             keep_default_na=False, na_values=[""])
    except (ValueError, KeyError) as exc:
        raise _error(f"{name}: {exc}. Pass sheet='...' with one of its sheet names.") from exc
    except Exception as exc:  # a broken .xlsx raises zipfile, XML and openpyxl errors alike
        raise _error(f"{name} cannot be read as an Excel workbook ({type(exc).__name__}). Open and save it again in Excel, "
                     "or save the orders as CSV.") from exc
    tables = []
    for title, cells in book.items():
        cells = cells.dropna(how="all").dropna(axis=1, how="all")
        at = _header_row(cells) if len(cells) else None
        if at is None:
            continue
        header = [str(c).strip() if pd.notna(c) else f"column {j + 1}" for j, c in enumerate(cells.iloc[at])]
        body = cells.iloc[at + 1:]
        lines = body.index.to_numpy(dtype=np.int64) + 1  # the sheet's own row numbers (read_excel counts from 0)
        if at > 0 or cells.index[at] > 0:
            notes.add("excel_header", name=name, sheet=repr(str(title)), line=int(cells.index[at]) + 1)
        tables.append((str(title), header, pd.DataFrame(body.to_numpy(), columns=header), lines))
    if not tables:
        raise _error(f"{name} has no sheet with a header row (two or more column names in one row) and orders under it. "
                     "Export the orders table again.")
    first = tables[0][1]
    same = [t for t in tables if t[1] == first]
    if len(book) > 1:
        skipped = [repr(t) for t in book if t not in {s[0] for s in same}]
        notes.add("excel_sheets", name=name, sheets=notes.text("list_sep").join(repr(t[0]) for t in same),
                  skipped=notes.text("list_sep").join(skipped) if skipped else "-")
    df = pd.concat([t[2] for t in same], ignore_index=True) if len(same) > 1 else same[0][2]
    lines = np.concatenate([t[3] for t in same])
    src = _Source(name, lines)
    if len(same) > 1:
        src.sheets = np.concatenate([[t[0]] * len(t[2]) for t in same])
    return df, src


def _check_unique_header(df: pd.DataFrame, name: str) -> None:
    counts = pd.Series([str(c) for c in df.columns]).value_counts()
    twice = [c for c in df.columns if counts[str(c)] > 1]
    if twice:
        positions = [i + 1 for i, c in enumerate(df.columns) if c == twice[0]]
        raise _error(f"{name}: the header names the column {twice[0]!r} {len(positions)} times (columns "
                     f"{', '.join(map(str, positions))}), so the kit cannot tell them apart. Rename one of them in the export.")


def suggest_mapping(columns) -> dict:
    """Guess a ``columns=`` mapping (kit name -> your name) from an export's header.

    >>> suggest_mapping(["Kunde", "Datum", "Betrag", "Notiz"])
    {'customer_id': 'Kunde', 'order_date': 'Datum', 'amount': 'Betrag'}
    """
    out: dict[str, str] = {}
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
    return _error(what + hint)


def _whole_numbers(values: pd.Series) -> bool:
    """Integers >= 0 with none missing: ids the text route would turn back into int64."""
    return (pd.api.types.is_signed_integer_dtype(values) and not isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
            and (len(values) == 0 or int(values.min()) >= 0))


def _arrow_cast(text: pd.Series, dtype: str) -> pd.Series | None:
    """Text to float64 or datetime64[us] inside pyarrow (no Python string per value), or None if any value does not cast.

    ``pandas.to_numeric`` and ``to_datetime`` turn a pyarrow string column into one Python
    object per value first: on 2M orders that temporary is the read's peak memory.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    target = {"float64": pa.float64(), "int64": pa.int64()}.get(dtype, pa.timestamp("us"))
    try:
        arr = pa.array(text.to_numpy(dtype=object)) if not hasattr(text.array, "_pa_array") else text.array._pa_array
        cast = pc.cast(arr, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return pd.Series(cast.to_numpy(zero_copy_only=False), index=text.index).astype(dtype)


def _release_arrow_memory() -> None:
    """Return pyarrow's freed blocks to the system, so the next stage's peak does not stack on them."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _digits_as_int(values: pd.Series) -> pd.Series | None:
    """Order ids written as plain digits, as int64 straight from the text (None when any is not)."""
    if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
        return None
    text = values.astype("str").str.strip()
    if not (text.notna().all() and text.str.fullmatch(r"\d{1,18}").all()):
        return None
    return _arrow_cast(text, "int64")


#: The first and the last UTF-8 byte of every character :data:`_TRIM` removes (the spaces and the invisible ones).
_TRIM_CHARS = "".join(chr(c) for c in range(0x2000, 0x200B)) + _SPACES.replace("\u2000-\u200a", "")
_TRIM_FIRST = np.zeros(256, dtype=bool)
_TRIM_LAST = np.zeros(256, dtype=bool)
for _c in _TRIM_CHARS:
    _TRIM_FIRST[_c.encode()[0]] = _TRIM_LAST[_c.encode()[-1]] = True


def _may_need_trim(values: pd.Series) -> bool:
    """Whether any value of a pyarrow-backed text column may start or end with a character :data:`_TRIM`
    removes, from the first and last byte of each value (a few vectorised passes, no copy of the text).

    A value whose first byte starts none of those characters and whose last byte ends none of them
    cannot be trimmed; the other values (a few, or all of them for text ending in CJK characters,
    whose last bytes overlap) are matched against the pattern itself. False only when no value
    would change: the caller then skips the trimming."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = getattr(values.array, "_pa_array", None)
    if arr is None:
        return True
    pattern = f"^[{_SPACES}]|[{_SPACES}]$"
    for chunk in arr.chunks:
        if len(chunk) == 0 or chunk.null_count == len(chunk):
            continue
        if pa.types.is_dictionary(chunk.type) or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        _, offsets_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue  # only empty strings
        width = np.dtype(np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets: np.ndarray = np.frombuffer(offsets_buf, dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8)
        start, end = offsets[:-1], offsets[1:]
        filled = end > start  # a null holds no bytes either
        if not filled.any():
            continue
        suspect = filled.copy()
        suspect[filled] = _TRIM_FIRST[data[start[filled]]] | _TRIM_LAST[data[end[filled] - 1]]
        if suspect.any() and pc.any(pc.match_substring_regex(chunk.filter(pa.array(suspect)), pattern)).as_py():
            return True
    return False


def _arrow_text_default() -> bool:
    """Whether pandas' default text dtype is pyarrow-backed ``str`` (pandas 3; pandas 2.2 keeps objects)."""
    return str(pd.Series(["a"]).dtype) == "str"


def _strip_text(values: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """Values as text without surrounding spaces (None where empty), where they are empty,
    and whether stripping changed any. A categorical is stripped once per category."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories).astype("string")
        cat_text = cats.str.replace(_TRIM, "", regex=True)
        cat_empty = (cat_text.isna() | (cat_text == "")).to_numpy(dtype=bool)
        codes = values.cat.codes.to_numpy()
        missing = codes < 0
        at = np.where(missing, 0, codes)
        lookup = np.array(cat_text.astype(object).to_numpy(), dtype=object)
        lookup[cat_empty] = None
        empty = pd.Series(missing | cat_empty[at] if len(cats) else missing, index=values.index)
        changed_cat = (cat_text != cats).fillna(False).to_numpy(dtype=bool)
        changed = bool(len(cats)) and bool(changed_cat[codes[~missing]].any())
        if _arrow_text_default():
            # pyarrow text, as a CSV's text columns are read: one take of the trimmed categories, not a Python
            # string per row (a million-customer Parquet export's dictionary ids: 1.2 s and 60+ bytes per row as
            # objects, then 4.5 s to factorise them again against 1.4 s for pyarrow text)
            import pyarrow as pa

            table = pa.array(np.where(cat_empty, None, cat_text.astype(object).to_numpy()) if len(cats) else [None],
                             type=pa.large_string())
            taken = table.take(pa.array(np.where(missing, 0, codes), mask=missing))
            return pd.Series(pd.array(taken, dtype="str"), index=values.index), empty, changed
        stripped = np.full(len(values), None, dtype=object)
        if len(cats):
            stripped[~missing] = lookup[codes[~missing]]
        return pd.Series(stripped, index=values.index, dtype=object), empty, changed
    if str(values.dtype) == "str" and not _may_need_trim(values):  # nothing to trim: the values as they are
        empty = values.isna() | (values == "")
        return (values.where(~empty) if empty.any() else values), empty, False
    raw = values.astype("string")
    text = raw.str.replace(_TRIM, "", regex=True)
    empty = text.isna() | (text == "")
    changed = bool((text != raw).fillna(False).any())
    if str(values.dtype) == "str":  # kept as pyarrow text: a Python object per id would cost 60+ bytes each
        return text.astype("str").where(~empty), empty, changed
    return text.astype(object).where(~empty, None), empty, changed


_SLASHED = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_ZONED = r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)? ?(Z|[+-]\d{2}:?\d{2})"


def _in_range(out: pd.Series, col: str, src: _Source, values: pd.Series) -> pd.Series:
    """``out`` after refusing dates outside :data:`DATE_RANGE` (placeholders such as 0001-01-01).

    Dates read from text come out as datetime64[ns]; a column that already held dates keeps its
    own unit, so a base handed in as a DataFrame keeps the dtypes it came with.
    """
    lo, hi = DATE_RANGE
    wild = out.notna() & ((out < lo) | (out > hi))
    if wild.any():
        raise _error(
            f"{src.name}, column {col!r}: {int(wild.sum())} date(s) outside {lo.year}-{hi.year}, e.g. {src.rows(wild, values)}. "
            "These look like placeholders, not orders: fix or remove these lines."
        )
    return out if pd.api.types.is_datetime64_any_dtype(values) else out.astype("datetime64[ns]")


def _slashed_dates(text: pd.Series, todo: pd.Series, col: str, src: _Source, values: pd.Series, dayfirst, notes: ReadNotes):
    """DD/MM/YYYY or MM/DD/YYYY (also with dashes): the order from values above 12, or ``dayfirst``."""
    parts = text[todo].str.extract(_SLASHED.pattern)
    hit = parts[0].notna()
    if not hit.any():
        return None
    first, second = parts.loc[hit, 0].astype(int), parts.loc[hit, 1].astype(int)
    valid = (first <= 31) & (second <= 31) & ((first <= 12) | (second <= 12))  # 31/31/2025 is no date either way
    first, second = first[valid], second[valid]
    hit = hit & hit.index.isin(first.index)
    if not hit.any():
        return None
    if dayfirst is None:
        day_first, month_first = first > 12, second > 12
        if day_first.any() and month_first.any():
            at = pd.Series(False, index=text.index)
            raise _error(
                f"{src.name}, column {col!r}: dates are written both day first ({src.rows(at.index.isin(day_first[day_first].index), values, limit=2)}) "
                f"and month first ({src.rows(at.index.isin(month_first[month_first].index), values, limit=2)}). "
                "Fix the export so one order is used, or pass date_format='...' for one of them."
            )
        if not day_first.any() and not month_first.any():
            at = text.index.isin(first.index)
            raise _error(
                f"{src.name}, column {col!r}: {len(first)} date(s) such as {src.rows(at, values, limit=3)} could be day first or month first "
                "(no day above 12 tells which). Pass dayfirst=True (DD/MM/YYYY) or dayfirst=False (MM/DD/YYYY), "
                "or date_format='%d/%m/%Y'."
            )
        dayfirst = bool(day_first.any())
    cleaned = text[hit.index[hit]].str.replace("-", "/", regex=False).str.replace("T", " ", regex=False)
    order = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
    parsed = pd.Series(pd.NaT, index=cleaned.index, dtype="datetime64[us]")
    for fmt in (order, f"{order} %H:%M", f"{order} %H:%M:%S"):  # strict: 01/13/2025 read day first stays unread
        todo = parsed.isna()
        parsed[todo] = pd.to_datetime(cleaned[todo], format=fmt, errors="coerce").astype("datetime64[us]")
    example = repr(str(values[hit.index[hit]].iloc[0]).strip())
    notes.add("day_first" if dayfirst else "month_first", name=src.name, col=repr(col), example=example)
    return parsed


def _parse_dates(values: pd.Series, col: str, src: _Source, date_format, notes: ReadNotes, dayfirst=None) -> pd.Series:
    families = {}
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        zone = str(values.dt.tz)
        notes.add("timezone", name=src.name, col=repr(col), zone=zone)
        values = values.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):  # already dates: only missing ones to find
        missing = values.isna()
        out = pd.to_datetime(values)
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and date_format is None:
        out, missing = _numeric_dates(values, col, src, notes)
    else:
        text = values.astype("string").str.strip()
        missing = text.isna() | text.isin(_MISSING_TEXT)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        if date_format:
            groups: tuple[tuple[str, tuple[str, ...]], ...] = ((f"format {date_format!r}", (date_format,)),)
        else:
            groups = DATE_FORMATS
            compact = text.str.fullmatch(r"(19|20|21)\d{6}").fillna(False).astype(bool) & ~missing
            serial = text.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False).astype(bool) & ~missing
            if compact.any() or serial.any():
                num = pd.Series(np.nan, index=values.index)
                num[compact | serial] = pd.to_numeric(text[compact | serial], errors="coerce")
                parsed, _ = _numeric_dates(num[compact | serial], col, src, notes, shown=text[compact | serial])
                out[compact | serial] = parsed.astype("datetime64[us]")
            zoned = text.str.fullmatch(_ZONED).fillna(False).astype(bool) & ~missing
            if zoned.any():
                out[zoned] = pd.to_datetime(text[zoned].str.replace(" ", "T", n=1), format="ISO8601", utc=True,
                                            errors="coerce").dt.tz_localize(None).astype("datetime64[us]")
                notes.add("timezone", name=src.name, col=repr(col), zone="UTC")
            iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?").fillna(False).astype(bool)
            if iso.any():  # the common case, parsed in one vectorised pass rather than format by format
                parsed = _arrow_cast(text, "datetime64[us]") if bool(iso.all()) else None
                if parsed is not None:
                    out = parsed
                else:
                    parsed = pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce").astype("datetime64[us]")
                    out = out.where(parsed.isna(), parsed)
                if out.notna().any():
                    families[DATE_FORMATS[0][0]] = int(out.notna().sum())
        for fam, fmts in groups:
            for fmt in fmts:
                todo = out.isna() & ~missing
                if not todo.any():
                    break
                if fmt == date_format:
                    check_date_format(fmt)
                parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
                ok = parsed.notna()
                if ok.any():
                    out.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[us]")
                    families[fam] = families.get(fam, 0) + int(ok.sum())
        todo = out.isna() & ~missing
        if todo.any() and not date_format:
            parsed = _slashed_dates(text, todo, col, src, values, dayfirst, notes)
            if parsed is not None:
                good = parsed.notna()
                out.loc[parsed.index[good]] = parsed[good].astype("datetime64[us]")
    if missing.any():
        raise _error(
            f"{src.name}, column {col!r}: no order date in {src.rows(missing, values)}. Every order needs a date: fill or remove these lines."
        )
    bad = out.isna()
    if bad.any():
        tried = (f"the format {date_format!r}" if date_format else
                 "ISO (2025-01-31), YYYY/MM/DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY, YYYYMMDD and Excel serial numbers, with or without a time")
        raise _error(
            f"{src.name}, column {col!r}: {int(bad.sum())} date(s) cannot be read, e.g. {src.rows(bad, values)}. "
            f"Tried {tried}. Pass date_format='...' (e.g. date_format='%m/%d/%Y') or fix these lines."
        )
    if len(families) > 1:
        parts = notes.text("list_sep").join(notes.text("dates_as", n=n, family=fam) for fam, n in families.items())
        notes.add("mixed_dates", name=src.name, col=repr(col), parts=parts)
    return _in_range(out, col, src, values)


def _numeric_dates(values: pd.Series, col: str, src: _Source, notes: ReadNotes, shown=None) -> tuple[pd.Series, pd.Series]:
    """Dates stored as numbers: YYYYMMDD integers (19970101) or Excel serial days (45672 = 2025-01-15)."""
    shown = values if shown is None else shown
    nums = values.astype(float)
    missing = nums.isna()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    whole = nums.notna() & (nums == np.floor(nums.fillna(0)))
    compact = whole & nums.between(1900_01_01, 2200_12_31)
    if compact.any():
        parsed = pd.to_datetime(nums[compact].astype(np.int64).astype(str), format="%Y%m%d", errors="coerce")
        out[compact] = parsed.astype("datetime64[us]")
        notes.add("compact_dates", name=src.name, col=repr(col), example=repr(str(shown[compact].iloc[0])))
    serial = nums.notna() & nums.between(1, 110_000) & ~compact
    if serial.any():
        out[serial] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(nums[serial], unit="D")).astype("datetime64[us]").dt.round("s")
        notes.add("excel_dates", name=src.name, col=repr(col), example=repr(str(shown[serial].iloc[0])))
    return out, missing


def _decimal_masks(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Which values show a decimal comma, which a decimal point, and which (``1,250``) could be either."""
    has_comma = text.str.contains(",", regex=False).fillna(False).astype(bool)
    has_dot = text.str.contains(".", regex=False).fillna(False).astype(bool)
    both = has_comma & has_dot
    comma_last = both & (text.str.rfind(",") > text.str.rfind("."))

    def match(pattern):
        return text.str.fullmatch(pattern).fillna(False).astype(bool)

    comma = comma_last | match(r"[+-]?\d+,(\d{1,2}|\d{4,})") | match(r"[+-]?\d{4,},\d+") | match(r"[+-]?\d{1,3}(\.\d{3}){2,}")
    dot = (both & ~comma_last) | match(r"[+-]?\d+\.(\d{0,2}|\d{4,})") | match(r"[+-]?\d{4,}\.\d+") | match(r"[+-]?\d{1,3}(,\d{3}){2,}")
    return comma, dot, match(r"[+-]?\d{1,3},\d{3}")


def _decimal_of(text: pd.Series, col: str, src: _Source, values: pd.Series, what: str) -> str:
    """The decimal separator of a column of amounts: '.' or ',', from the values that show it.

    ``1.234,56``, ``10,25`` and ``1.234.567`` show a decimal comma; ``1,234.56``, ``10.25`` and
    ``1,234,567`` a decimal point. ``1,250`` alone shows nothing (1.25 or 1250): never guessed.
    """
    comma, dot, unsure = _decimal_masks(text)
    if comma.any() and dot.any():
        raise _error(
            f"{src.name}, column {col!r}: {what} mix decimal commas ({src.rows(comma, values, limit=2)}) and decimal points "
            f"({src.rows(dot, values, limit=2)}). Pass decimal=',' or decimal='.' to say which the export uses, or fix these lines."
        )
    if comma.any():
        return ","
    if dot.any():
        return "."
    if unsure.any():
        raise _error(
            f"{src.name}, column {col!r}: {int(unsure.sum())} of the {what} could be read two ways, e.g. {src.rows(unsure, values, limit=3)}: "
            "with a decimal comma (1,250 = 1.25) or a thousands separator (1,250 = 1250), and no other value in the column tells which. "
            "Pass decimal=',' if the comma marks decimals, or decimal='.' if it separates thousands."
        )
    return "."


def _parse_numbers(values: pd.Series, col: str, src: _Source, notes: ReadNotes, *, what: str, decimal: str | None = None) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = values.astype(float)
        bad_text = pd.Series(False, index=values.index)
    else:
        # Spaces of every kind (NBSP, narrow NBSP) and apostrophes only ever separate thousands.
        text = values.astype("string").str.replace(f"[{_SPACES}'’]", "", regex=True)
        missing = text.isna() | text.isin(_MISSING_TEXT)
        plain = values.astype("string").str.strip().str.fullmatch(r"[+-]?\d+(\.\d*)?").fillna(False).astype(bool)
        if decimal is None and bool((plain | missing).all()):
            nums = _arrow_cast(text, "float64") if bool(plain.all()) else pd.to_numeric(text.where(plain), errors="coerce").astype(float)
            bad_text = pd.Series(False, index=values.index)
        else:
            currency = text.str.contains(f"[{_CURRENCY}]", regex=True).fillna(False).astype(bool)
            if currency.any():
                text = text.str.replace(f"[{_CURRENCY}]", "", regex=True)
            paren = text.str.fullmatch(r"\(.*\)").fillna(False).astype(bool)
            if paren.any():
                text = text.where(~paren, "-" + text.str.slice(1, -1))
            dec = decimal or _decimal_of(text.where(~missing), col, src, values, what)
            group = "," if dec == "." else "."
            pattern = rf"[+-]?(\d+|\d{{1,3}}(\{group}\d{{3}})+)(\{dec}\d*)?"
            ok = text.str.fullmatch(pattern).fillna(False).astype(bool)
            norm = text.where(ok).str.replace(group, "", regex=False)
            if dec == ",":
                norm = norm.str.replace(",", ".", regex=False)
            nums = pd.to_numeric(norm, errors="coerce").astype(float)
            grouped = ok & (text.str.contains(group, regex=False).fillna(False).astype(bool)
                            | values.astype("string").str.contains(f"\\d[{_SPACES}'’]\\d", regex=True).fillna(False).astype(bool))
            if grouped.any():
                notes.add("thousands", name=src.name, col=repr(col), n=int(grouped.sum()))
            if dec == "," and decimal is None:
                first = values[ok & text.str.contains(",", regex=False).fillna(False).astype(bool)]
                notes.add("decimal_comma", name=src.name, col=repr(col), example=repr(str(first.iloc[0]).strip()) if len(first) else "'0,5'")
            if (currency & ok).any():
                notes.add("currency", name=src.name, col=repr(col), n=int((currency & ok).sum()))
            if (paren & ok).any():
                notes.add("accounting", name=src.name, col=repr(col), n=int((paren & ok).sum()))
            bad_text = ~ok & ~missing
        if bad_text.any():
            raise _error(
                f"{src.name}, column {col!r}: {what} must be numbers; {int(bad_text.sum())} value(s) are not, e.g. "
                f"{src.rows(bad_text, values)}. Remove currency signs and text, or map another column."
            )
    nan = nums.isna() & ~bad_text
    if nan.any():
        raise _error(
            f"{src.name}, column {col!r}: {int(nan.sum())} {what} missing (empty or NaN) in {src.rows(nan, values)}. "
            "Fill them in the export, or drop those orders before loading."
        )
    absurd = ~np.isfinite(nums) | (nums.abs() > MAX_AMOUNT)
    if absurd.any():
        raise _error(
            f"{src.name}, column {col!r}: {int(absurd.sum())} of the {what} {'is' if absurd.sum() == 1 else 'are'} infinite or larger than {MAX_AMOUNT:,.0f} "
            f"in absolute value, e.g. {src.rows(absurd, values, limit=3)}. "
            "No single order is that large: fix or remove these lines."
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
    decimal: str | None = None,
    dayfirst: bool | None = None,
    lang: str | None = None,
    progress=None,
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
        CSV text encoding; default tries UTF-8 (with or without BOM), then GBK or Windows-1252,
        whichever reads cleanly; a file where that cannot be told is refused.
    sheet : str or int, optional
        Excel sheet to read.
    date_format : str, optional
        A strptime format for dates the kit does not recognise by itself (it reads ISO,
        YYYY/MM/DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY, YYYYMMDD, Excel serial numbers, and
        ISO times with a zone, converted to UTC).
    decimal : {".", ","}, optional
        The decimal separator of amounts. Default: detected from values that show it
        (``10,25``, ``1.234,56``); a column where it cannot be told (only ``1,250``) is refused.
    dayfirst : bool, optional
        Whether ``03/04/2025`` is the 3rd of April (True) or March 4th (False). Default:
        detected from days above 12; refused when no date tells.
    lang : {"en", "zh"}, optional
        Language of ``meta["notes"]`` (default: the kit's language); errors stay in English.
    progress : callable, optional
        Called with a short message every 250,000 to 500,000 lines while a big CSV is read.
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
    if decimal not in (None, ".", ","):
        raise _error(f"The 'decimal' parameter of from_orders must be '.' or ','. Got {decimal!r}.", InvalidArgumentError)
    if dayfirst not in (None, True, False):
        raise InvalidArgumentError(f"The 'dayfirst' parameter of from_orders must be True, False or None. Got {dayfirst!r}.")
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
    ts = None if as_of is None else check_as_of(as_of)
    streamed = _stream_orders(path_or_frame, columns, encoding=encoding, date_format=date_format, decimal=decimal,
                              dayfirst=dayfirst, lang=lang, progress=progress) if _STREAM else None
    if isinstance(streamed, tuple):
        out, notes, src, wanted = streamed
        orders, ts = _finish_orders(out, src.text, src, notes, wanted, refunds=refunds, duplicates=duplicates, ts=ts)  # type: ignore[attr-defined]
        del out
    if not isinstance(streamed, tuple):
        if streamed:  # the streaming read had said how far it got: the second read does not say it again
            progress = _Progress(progress, after=streamed) if progress is not None else None
        orders, notes, src, ts = _read_orders(path_or_frame, columns, ts=ts, refunds=refunds, duplicates=duplicates,
                                              encoding=encoding, sheet=sheet, date_format=date_format, decimal=decimal,
                                              dayfirst=dayfirst, lang=lang, progress=progress)
    _release_arrow_memory()
    tables = {t: _optional_table(t, spec, notes) for t, spec in optional_tables.items() if spec is not None}
    name = src.name if src.unit == "line" else "your orders"
    return CustomerBase(orders=orders, name=name, as_of=ts, meta={"notes": list(notes), "source": src.name}, **tables)


def _read_orders(path_or_frame, columns: dict, *, ts, refunds, duplicates, encoding, sheet, date_format, decimal, dayfirst, lang,
                 progress) -> tuple[pd.DataFrame, ReadNotes, _Source, pd.Timestamp]:
    """The whole-file read: every column of the export as text, then each mapped column parsed and checked at once."""
    df, notes, src = _read(path_or_frame, encoding, sheet, lang, progress, parquet_columns=_parquet_columns(path_or_frame, columns))
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
    shared = pd.Series({k: wanted[k] for k in present})
    shared = shared[shared.duplicated(keep=False)]
    if len(shared):
        raise _error(f"columns= maps {' and '.join(repr(k) for k in shared.index)} to the same column {shared.iloc[0]!r} of {src.name}; "
                     "each kit column needs its own column. Fix the mapping.", InvalidArgumentError)
    # Only the mapped columns' text is needed from here on (for the messages that quote it): an
    # export's other columns (often most of it) are let go now, before the parsing's peak.
    if list(df.columns) != [wanted[k] for k in present]:  # a Parquet file read column by column is already so
        df = df[[wanted[k] for k in present]]
    out = pd.DataFrame(index=df.index)
    for kit in present:
        col, values = wanted[kit], df[wanted[kit]]
        if kit == "order_date":
            out[kit] = _parse_dates(values, col, src, date_format, notes, dayfirst)
            _release_arrow_memory()
        elif kit in ("amount", "margin", "discount"):
            out[kit] = _parse_numbers(values, col, src, notes, what="amounts" if kit == "amount" else f"{kit} values",
                                      decimal=decimal)
        elif kit == "order_id" and _whole_numbers(values):
            out[kit] = values.astype(np.int64)  # what the text route below ends with, without the text
        elif kit == "order_id" and (as_int := _digits_as_int(values)) is not None:
            out[kit] = as_int
        else:
            stripped, empty, changed = _strip_text(values)
            if kit == "customer_id" and empty.any():
                raise DataValidationError(f"{src.name}, column {col!r}: no customer in {src.rows(empty, values)}. "
                                          "Every order needs a customer id: fill or remove these lines.")
            out[kit] = stripped
            if kit != "channel" and changed:
                notes.add("spaces", name=src.name, col=repr(col))
            merged = _merged_spellings(values, stripped) if kit == "customer_id" and changed else 0
            if merged:
                notes.add("ids_merged", name=src.name, col=repr(col), n=merged)
    orders, ts = _finish_orders(out, df, src, notes, wanted, refunds=refunds, duplicates=duplicates, ts=ts)
    return orders, notes, src, ts


def _increasing(ids: pd.Series) -> bool:
    """Whether int64 order ids strictly increase down the file (one vectorised pass): then none repeats, and
    the hashing that looks for repeats is skipped. Exports are often in order-id order."""
    if ids.dtype != np.int64 or len(ids) < 2:
        return False
    a = ids.to_numpy()
    return bool((a[1:] > a[:-1]).all())


def _finish_orders(out: pd.DataFrame, df, src: _Source, notes: ReadNotes, wanted: dict, *, refunds: str,
                   duplicates: str, ts) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The checks across rows (repeated order ids, refunds, orders after ``as_of``) on the parsed columns ``out``.

    ``df`` holds the mapped columns' text, for the messages and notes that quote it; the streaming read
    passes a :class:`_LazyFrame`, which reads the few quoted values again from the file."""

    def text(kit: str):
        return df[wanted[kit]]

    keep = pd.Series(True, index=out.index)
    if "order_id" in out and not _increasing(out["order_id"]):
        dup = out["order_id"].duplicated(keep=False) & out["order_id"].notna()
        if dup.any():
            # Only the lines that share an order id can repeat one another (a line's earlier copy has its id): their
            # text alone is compared, not the whole frame's (a copy of every order as Python strings).
            shared = out.loc[dup].astype(str)
            exact = shared.duplicated(keep=False)
            if duplicates == "drop" and exact.all():
                repeat = pd.Series(False, index=out.index)
                repeat[dup.to_numpy(dtype=bool)] = shared.duplicated(keep="first").to_numpy(dtype=bool)
                del shared
                keep &= ~repeat
                notes.add("repeats", name=src.name, col=repr(wanted["order_id"]), n=int(repeat.sum()),
                          rows=src.rows(repeat, text("order_id"), lang=notes.lang))
            else:
                differ = "" if exact.all() else " Some repeats differ in other columns, so they cannot be dropped safely."
                raise _error(
                    f"{src.name}, column {wanted['order_id']!r}: order ids must be unique; {int(dup.sum())} lines share an id, e.g. "
                    f"{src.rows(dup, text('order_id'))}.{differ} If the export repeats whole lines, pass duplicates='drop'; "
                    "otherwise fix the ids."
                )
    if "order_id" in out:
        ids = out["order_id"]
        if ids.dtype == object and ids.notna().all() and ids.astype("str").str.fullmatch(r"\d+").all():
            out["order_id"] = out["order_id"].astype(np.int64)
        del ids  # a column held here would outlive its place in ``out`` below, when the kept rows are copied
    negative = (out["amount"] < 0) & keep
    if negative.any():
        total = float(out.loc[negative, "amount"].sum())
        if refunds == "error":
            rows = src.rows(negative, text("amount"))
            raise _error(
                f"{src.name}, column {wanted['amount']!r}: {int(negative.sum())} negative amount(s), e.g. {rows}. "
                "If these are refunds, pass refunds='keep' (kept as negative orders) or refunds='drop'; otherwise fix them."
            )
        if refunds == "drop":
            keep &= ~negative
            notes.add("refunds_dropped", name=src.name, n=int(negative.sum()), total=f"{total:,.2f}")
        else:
            notes.add("refunds_kept", name=src.name, n=int(negative.sum()), total=f"{total:,.2f}")
            net = out.loc[keep, "amount"].groupby(out.loc[keep, "customer_id"], sort=False).sum()
            if (net < 0).any():
                notes.add("net_negative", name=src.name, n=int((net < 0).sum()),
                          ids=notes.text("list_sep").join(repr(str(c)) for c in net.index[net < 0][:5]))
    if not keep.any():
        raise _error(f"{src.name}: every order is a refund (negative amount), so no orders are left to analyse. "
                     "Check that the amount column is the order value, not a refund or balance column.")
    if refunds == "keep" and bool((out.loc[keep, "amount"] < 0).all()):
        raise _error(f"{src.name}: every order is a refund (negative amount), so there are no sales to analyse. "
                     "Check that the amount column is the order value, not a refund or balance column.")
    mask = keep.to_numpy(dtype=bool)
    if ts is None:
        dates = out["order_date"].array  # the kept dates' max, without a copy of the index (out.loc[keep] would)
        ts = (dates if mask.all() else dates[mask]).max().normalize()
        del dates
        notes.add("as_of", date=ts.date())
    else:
        late = (out["order_date"] > end_of_day(ts)) & keep
        if late.any():
            raise _error(
                f"{src.name}, column {wanted['order_date']!r}: {int(late.sum())} order(s) after as_of={ts.date()}, e.g. "
                f"{src.rows(late, text('order_date'))}. Pass a later as_of, or remove orders you should not know yet."
            )
    if bool(keep.all()):
        return out.reset_index(drop=True), ts
    # Column by column, each original let go once copied: the orders are never held twice (out.loc[keep] would).
    # The kept values are taken from the column's array, so no index is built for them, and the frame is made of
    # those copies themselves (a frame built from a dict copies its columns again by default).
    kept = {}
    for col in list(out.columns):
        kept[col] = pd.Series(out[col].array[mask], dtype=out[col].dtype, copy=False)
        del out[col]
    return pd.DataFrame(kept, copy=False), ts


# ----------------------------------------------------------------------------- streaming read of a CSV

#: Whether :func:`from_orders` first tries the streaming read of a CSV (:func:`_stream_orders`); the
#: tests turn it off to compare with the whole-file read.
_STREAM = True
_ISO = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
#: Lines between two progress messages of the streaming read (as often as the csv-module read says them).
_STREAM_STEP = 250_000
_PLAIN = r"[+-]?\d+(\.\d*)?"
# _decimal_of's evidence of a decimal point that a plain number (``_PLAIN``) can show: 10.25, 1234.5.
_PLAIN_DOT = r"[+-]?\d+\.(\d{0,2}|\d{4,})|[+-]?\d{4,}\.\d+"


def release_memory() -> None:
    """Hand the memory a block used back to the system, so blocks do not pile up in the allocators' caches
    (harmless where malloc_trim does not exist: macOS, Windows, musl)."""
    import ctypes

    _release_arrow_memory()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Fallback(Exception):
    """The streaming read met something only the whole-file read may judge or explain (a file pyarrow cannot
    parse as the whole-file read does, an irregular line): it hands the file over."""


def _stream_orders(path_or_frame, columns: dict, *, encoding, date_format, decimal, dayfirst=None, lang, progress):
    """A UTF-8 CSV read block by block (:data:`_STREAM_BLOCK_BYTES`), each block parsed into compact columns at once
    and its text let go, so the whole file's text never sits in memory.

    Each block is parsed row by row exactly as the whole-file read parses the whole column; what the
    whole-file read decides on the whole column (plain numbers or not, decimal comma or point, day or
    month first, ISO dates in one pass or not, order ids as numbers or text) is decided here from
    statistics gathered over every block and combined exactly (an ``any``, a count, the first lines
    where something holds). A block parsed under a provisional decision that the whole file then
    contradicts is parsed again in a second pass. Refusals and notes say what the whole-file read
    says, with the same counts and lines; the few values a message quotes from the text are read
    again from the file. A file pyarrow cannot parse as the whole-file read's pyarrow reader does
    (an irregular line, a quoted line break, not UTF-8) is handed over to the whole-file read.

    Returns ``(out, notes, src, wanted)``, or the last line number said through ``progress`` (0: none)
    when the file is handed over.
    """
    if not _STREAM or not isinstance(path_or_frame, (str, Path)) or date_format is not None:
        return 0
    path = Path(path_or_frame)
    if path.suffix.lower() in (".parquet", ".pq", ".xlsx", ".xlsm", ".xls") or not path.is_file():
        return 0
    codec = None if encoding is None else _stream_codec(path, encoding)
    if encoding is not None and codec is None:
        return 0
    notes, said = ReadNotes(lang), [0]
    try:
        if codec is None:
            return _stream_csv(path, columns, notes, progress, said, decimal=decimal, dayfirst=dayfirst)
        return _stream_csv_as(path, columns, notes, progress, said, decimal=decimal, dayfirst=dayfirst, encoding=codec,
                              given=encoding)
    except _Fallback:
        return said[0]


def _stream_codec(path: Path, encoding: str) -> str | None:
    """The codec a CSV read with ``encoding=`` is streamed in (pyarrow transcodes it block by block), or None when
    the whole-file read must take it: an unknown name (that read names it), a codec whose line breaks and
    separators are not single ASCII bytes (UTF-16, UTF-32), or a file that starts with a UTF-8 byte-order mark
    read in another codec (the whole-file read keeps those bytes as text, the stream would drop them)."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    if name == "utf-8":
        return "utf-8"
    try:
        ascii_like = all(c.encode(name) == c.encode("ascii") for c in "\n\r,;\t\"0123456789.-")
    except (UnicodeError, LookupError):
        return None
    with open(path, "rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    return name if ascii_like and not bom and not name.startswith(("utf-16", "utf-32", "utf-7")) else None


class _Lines:
    """The user's line numbers of the streamed rows, from the (few) blank lines left out: line = data row + 2."""

    def __init__(self, blanks: list[int], n: int):
        at = np.asarray(blanks, dtype=np.int64)
        self.after = at - np.arange(len(at))  # kept rows before each blank line
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, p) -> int:
        return int(p) + 2 + int(np.searchsorted(self.after, int(p), side="right"))


class _Hits:
    """Where a condition holds over all blocks: how many rows, and the first few as (line, value)."""

    def __init__(self, keep: int = 5):
        self.n, self.keep = 0, keep
        self.first: list[tuple[int, object]] = []

    def add(self, mask, lines: np.ndarray, values: pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        k = int(mask.sum())
        if not k:
            return
        if len(self.first) < self.keep:
            self.first += [(int(lines[p]), values.iloc[p]) for p in np.flatnonzero(mask)[: self.keep - len(self.first)]]
        self.n += k

    def rows(self, limit: int = 5, lang: str = "en") -> str:
        """What :meth:`_Source.rows` says for the same rows."""
        return _said_rows(self.first[:limit], self.n, limit, lang)


def _said_rows(items: list, total: int, limit: int, lang: str, unit: str = "line") -> str:
    words = ReadNotes(lang)
    shown = []
    for n, v in items:
        v = v.item() if isinstance(v, np.generic) else v
        if isinstance(v, str) and len(v) > 60:  # a runaway field (an open quote) is named, not printed
            v = f"{v[:40]}... ({len(v):,} characters)"
        shown.append(words.text(unit, n=n, value=repr(v)))
    more = words.text("more", n=total - limit) if total > limit else ""
    return words.text("list_sep").join(shown) + more


class _Recorder:
    """Stands in for :class:`ReadNotes` when a whole-file function runs on one block: keeps the notes it adds."""

    def __init__(self, lang: str):
        self.lang = lang
        self.added: list[tuple[str, dict]] = []

    def add(self, key: str, **fields) -> None:
        self.added.append((key, fields))

    def text(self, key: str, **fields) -> str:
        return label(f"note_{key}", self.lang).format(**fields)


class _LazyText:
    """A column's text in the file, read again for the few rows a message quotes (``_Source.rows``)."""

    def __init__(self, path: Path, options: dict, index: int, lines: _Lines):
        self.path, self.options, self.index, self.lines = path, options, index, lines

    def fetch(self, positions) -> list:
        import pyarrow.csv as pacsv

        wanted = {self.lines[p] - 2: i for i, p in enumerate(positions)}  # data row -> place in the answer
        got: list = [None] * len(positions)
        convert = self.options["convert_options"]
        convert = pacsv.ConvertOptions(column_types=convert.column_types, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                       include_columns=[f"c{self.index}"])
        start, last = 0, max(wanted, default=-1)
        with open(self.path, "rb") as fh, pacsv.open_csv(fh, read_options=self.options["read_options"],
                                                         parse_options=self.options["parse_options"], convert_options=convert) as reader:
            for batch in reader:
                column = batch.column(0)
                for r in [r for r in wanted if start <= r < start + batch.num_rows]:
                    got[wanted[r]] = column[r - start].as_py()
                start += batch.num_rows
                if start > last:
                    break
        _release_arrow_memory()  # the blocks read for these few values, which the pool would otherwise keep
        return got


class _LazyFrame:
    """What ``_finish_orders`` quotes from the mapped columns' text, read again from the file when a message needs it."""

    def __init__(self, path: Path, options: dict, header: list[str], lines: _Lines):
        self.path, self.options, self.header, self.lines = path, options, header, lines

    def __getitem__(self, col: str) -> _LazyText:
        return _LazyText(self.path, self.options, self.header.index(col), self.lines)


class _IdColumn:
    """customer_id, order_id, channel: trimmed text (or, for order ids all written as digits, int64)."""

    def __init__(self, kit: str, col: str, route: str | None):
        self.kit, self.col = kit, col
        self.fixed = route
        self.routes: set[str] = set()  # what the blocks were parsed as
        self.all_digits = True
        self.parts: list = []
        self.changed = False
        self.empty = _Hits()
        self.pairs: list[pd.DataFrame] = []  # (spelling, id) of the ids trimming changed, for the merged count
        self.changed_rows: list = []

    def block(self, values: pd.Series, lines: np.ndarray) -> None:
        as_int = _digits_as_int(values) if self.kit == "order_id" else None
        if self.kit == "order_id" and as_int is None:
            self.all_digits = False
        route = self.fixed or ("int" if self.kit == "order_id" and self.all_digits and as_int is not None else "text")
        self.routes.add(route)
        if route == "int":
            if as_int is None:  # fixed to int by a first pass that saw digits only: cannot happen
                raise _Fallback("order ids")
            self.parts.append(as_int.to_numpy())
            return
        stripped, empty, changed = _strip_text(values)
        self.parts.append(stripped)
        if self.kit == "customer_id":
            self.empty.add(empty.to_numpy(dtype=bool), lines, values)
            if changed:
                raw = values.astype("string")
                moved = (raw != stripped.astype("string")).fillna(False).to_numpy(dtype=bool)
                self.pairs.append(pd.DataFrame({"raw": raw.to_numpy()[moved], "id": stripped.to_numpy()[moved]}).dropna().drop_duplicates())
                self.changed_rows.append(moved)
            else:
                self.changed_rows.append(len(values))
        self.changed |= changed

    def decide(self, src: _Source, notes):
        return "int" if self.kit == "order_id" and self.all_digits else "text"

    def consistent(self, route) -> bool:
        return self.routes <= {route}

    def check(self, src: _Source) -> None:
        if self.kit == "customer_id" and self.empty.n:
            raise DataValidationError(f"{src.name}, column {self.col!r}: no customer in {self.empty.rows(lang='en')}. "
                                      "Every order needs a customer id: fill or remove these lines.")

    def column(self):
        return _joined(self.parts)

    def note(self, notes: ReadNotes, src: _Source, column) -> None:
        if self.kit != "channel" and self.changed:
            notes.add("spaces", name=src.name, col=repr(self.col))
        if self.kit == "customer_id" and self.changed:
            merged = self._merged(column)
            if merged:
                notes.add("ids_merged", name=src.name, col=repr(self.col), n=merged)

    def _merged(self, column: pd.Series) -> int:
        """:func:`_merged_spellings` from the spellings trimming changed: an id's spellings are those, and the id
        itself where it also appears as written."""
        pairs = pd.concat(self.pairs, ignore_index=True).drop_duplicates()
        moved = np.concatenate([np.zeros(m, dtype=bool) if isinstance(m, int) else m for m in self.changed_rows])
        ids = pd.Series(pairs["id"].unique())
        as_written = column[~moved & column.isin(ids).to_numpy(dtype=bool)].unique()
        spellings = pd.concat([pairs["id"], pd.Series(as_written, dtype=pairs["id"].dtype)], ignore_index=True).value_counts()
        return int(spellings[spellings > 1].sum())


class _NumberColumn:
    """amount, margin, discount: :func:`_parse_numbers` block by block."""

    def __init__(self, kit: str, col: str, decision, decimal: str | None):
        self.kit, self.col = kit, col
        self.what = "amounts" if kit == "amount" else f"{kit} values"
        self.decimal = decimal
        self.fixed = decision  # (route, decimal) decided by a first pass, or None
        self.used: set = set()  # the (route, decimal) each block was parsed with
        self.all_plain = decimal is None  # every value plain or missing: the plain route
        self.comma, self.dot, self.unsure = _Hits(2), _Hits(2), _Hits(3)
        self.thousands = self.currency = self.paren = 0
        self.example: str | None = None
        self.bad, self.nan, self.absurd = _Hits(), _Hits(), _Hits()
        self.parts: list = []

    def _provisional(self):
        if self.fixed is not None:
            return self.fixed
        if self.all_plain:
            return ("plain", ".")
        if self.decimal is not None:
            return ("general", self.decimal)
        return ("general", "," if self.comma.n and not self.dot.n else ".")

    def block(self, values: pd.Series, lines: np.ndarray) -> None:
        raw = values.astype("string")
        text = raw.str.replace(f"[{_SPACES}'’]", "", regex=True)
        missing = (text.isna() | text.isin(_MISSING_TEXT)).to_numpy(dtype=bool)
        stripped = raw.str.strip()
        plain = stripped.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)
        block_plain = bool((plain | missing).all())
        self.all_plain &= block_plain
        if block_plain and self.decimal is None:
            if self.decimal is None:  # _decimal_of's evidence (a count, in its message), for when another block is not plain
                self.dot.add(text.str.fullmatch(_PLAIN_DOT).fillna(False).to_numpy(dtype=bool) & ~missing, lines, values)
        else:
            currency = text.str.contains(f"[{_CURRENCY}]", regex=True).fillna(False).to_numpy(dtype=bool)
            if currency.any():
                text = text.str.replace(f"[{_CURRENCY}]", "", regex=True)
            paren = text.str.fullmatch(r"\(.*\)").fillna(False).to_numpy(dtype=bool)
            if paren.any():
                text = text.where(~paren, "-" + text.str.slice(1, -1))
            if self.decimal is None:
                self._evidence(text.where(~missing), lines, values)
        route, dec = self._provisional()
        if route == "plain":
            if not block_plain:
                raise _Fallback("numbers: plain route fixed for a block that is not plain")
            nums = _arrow_cast(text, "float64") if bool(plain.all()) else pd.to_numeric(text.where(plain), errors="coerce").astype(float)
            if nums is None:
                raise _Fallback("numbers pyarrow cannot cast")  # the whole-file read fails its own way
            bad = np.zeros(len(values), dtype=bool)
        else:
            if block_plain and self.decimal is None:  # the general route on a plain block: currency and parentheses have none
                currency = paren = np.zeros(len(values), dtype=bool)
            group = "," if dec == "." else "."
            ok = text.str.fullmatch(rf"[+-]?(\d+|\d{{1,3}}(\{group}\d{{3}})+)(\{dec}\d*)?").fillna(False).to_numpy(dtype=bool)
            norm = text.where(ok).str.replace(group, "", regex=False)
            if dec == ",":
                norm = norm.str.replace(",", ".", regex=False)
            nums = pd.to_numeric(norm, errors="coerce").astype(float)
            has_group = text.str.contains(group, regex=False).fillna(False).to_numpy(dtype=bool)
            grouped = ok & (has_group | raw.str.contains(f"\\d[{_SPACES}'’]\\d", regex=True).fillna(False).to_numpy(dtype=bool))
            self.thousands += int(grouped.sum())
            if dec == "," and self.decimal is None and self.example is None:
                first = values[ok & text.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)]
                if len(first):
                    self.example = repr(str(first.iloc[0]).strip())
            self.currency += int((currency & ok).sum())
            self.paren += int((paren & ok).sum())
            bad = ~ok & ~missing
            self.bad.add(bad, lines, values)
        self.used.add((route, dec))
        self.nan.add(nums.isna().to_numpy(dtype=bool) & ~bad, lines, values)
        arr = nums.to_numpy()
        with np.errstate(invalid="ignore"):
            self.absurd.add(~np.isfinite(arr) | (np.abs(arr) > MAX_AMOUNT), lines, values)
        self.parts.append(arr)

    def _evidence(self, text: pd.Series, lines: np.ndarray, values: pd.Series) -> None:
        """:func:`_decimal_masks` on one block, gathered for the whole-column decision of :func:`_decimal_of`."""
        comma, dot, unsure = _decimal_masks(text)
        self.comma.add(comma.to_numpy(dtype=bool), lines, values)
        self.dot.add(dot.to_numpy(dtype=bool), lines, values)
        self.unsure.add(unsure.to_numpy(dtype=bool), lines, values)

    def decide(self, src: _Source, notes):
        if self.decimal is None and self.all_plain:
            return ("plain", ".")
        if self.decimal is not None:
            return ("general", self.decimal)
        if self.comma.n and self.dot.n:
            raise _error(
                f"{src.name}, column {self.col!r}: {self.what} mix decimal commas ({self.comma.rows(2)}) and decimal points "
                f"({self.dot.rows(2)}). Pass decimal=',' or decimal='.' to say which the export uses, or fix these lines."
            )
        if self.comma.n:
            return ("general", ",")
        if self.dot.n:
            return ("general", ".")
        if self.unsure.n:
            raise _error(
                f"{src.name}, column {self.col!r}: {self.unsure.n} of the {self.what} could be read two ways, e.g. {self.unsure.rows(3)}: "
                "with a decimal comma (1,250 = 1.25) or a thousands separator (1,250 = 1250), and no other value in the column tells which. "
                "Pass decimal=',' if the comma marks decimals, or decimal='.' if it separates thousands."
            )
        return ("general", ".")

    def consistent(self, decision) -> bool:
        if self.used <= {decision}:
            return True
        # Plain blocks read by the plain route where the column takes the general one with a decimal point: every
        # row's verdict is the same (only the float parser differs), so a refusal of a missing or non-numeric
        # value is the same too; the numbers themselves are only kept when nothing is refused.
        return decision == ("general", ".") and self.used <= {decision, ("plain", ".")} and bool(self.bad.n or self.nan.n)

    def check(self, src: _Source) -> None:
        if self.bad.n:
            raise _error(
                f"{src.name}, column {self.col!r}: {self.what} must be numbers; {self.bad.n} value(s) are not, e.g. "
                f"{self.bad.rows()}. Remove currency signs and text, or map another column."
            )
        if self.nan.n:
            raise _error(
                f"{src.name}, column {self.col!r}: {self.nan.n} {self.what} missing (empty or NaN) in {self.nan.rows()}. "
                "Fill them in the export, or drop those orders before loading."
            )
        if self.absurd.n:
            raise _error(
                f"{src.name}, column {self.col!r}: {self.absurd.n} of the {self.what} {'is' if self.absurd.n == 1 else 'are'} infinite or "
                f"larger than {MAX_AMOUNT:,.0f} in absolute value, e.g. {self.absurd.rows(3)}. "
                "No single order is that large: fix or remove these lines."
            )

    def column(self):
        return _joined(self.parts)

    def note(self, notes: ReadNotes, src: _Source, column) -> None:
        route, dec = next(iter(self.used))
        if route == "plain":
            return
        if self.thousands:
            notes.add("thousands", name=src.name, col=repr(self.col), n=self.thousands)
        if dec == "," and self.decimal is None:
            notes.add("decimal_comma", name=src.name, col=repr(self.col), example=self.example or "'0,5'")
        if self.currency:
            notes.add("currency", name=src.name, col=repr(self.col), n=self.currency)
        if self.paren:
            notes.add("accounting", name=src.name, col=repr(self.col), n=self.paren)


class _DateColumn:
    """order_date: :func:`_parse_dates` (text, no ``date_format``) block by block."""

    def __init__(self, kit: str, col: str, decision, dayfirst):
        self.kit, self.col = kit, col
        self.dayfirst = dayfirst
        self.fixed = decision  # (ISO route, day first) decided by a first pass, or None
        self.used: set = set()
        self.iso_all = True  # every value ISO and pyarrow casts them all: the one-pass ISO route
        self.iso_any = False
        self.after_iso = 0  # dates read by the steps up to the ISO one (counted as ISO when any date is ISO)
        self.families = {fam: 0 for fam, _ in DATE_FORMATS}
        self.recorded: dict[str, dict] = {}  # note key -> fields of its first block
        self.zoned = False
        self.day_first, self.month_first, self.slashed = _Hits(2), _Hits(2), _Hits(3)
        self.missing, self.bad, self.wild = _Hits(), _Hits(), _Hits()
        self.parts: list = []

    def _provisional(self):
        if self.fixed is not None:
            return self.fixed
        order = self.dayfirst if self.dayfirst is not None else bool(self.day_first.n)
        return ("arrow" if self.iso_all else "pandas", order)

    def _record(self, rec: _Recorder) -> None:
        for key, fields in rec.added:
            self.recorded.setdefault(key, fields)

    def block(self, values: pd.Series, lines: np.ndarray, src: _Source, lang: str) -> None:
        text = values.astype("string").str.strip()
        missing = text.isna() | text.isin(_MISSING_TEXT)
        iso = text.str.fullmatch(_ISO).fillna(False).astype(bool)
        whole_iso = bool(iso.all())
        parsed_iso = _arrow_cast(text, "datetime64[us]") if whole_iso and self.iso_all else None
        self.iso_all &= parsed_iso is not None
        route, _ = self._provisional()
        rec = _Recorder(lang)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        # An all-ISO block has no compact, serial or zoned dates (their patterns exclude ISO): not looked for.
        compact = serial = zoned = pd.Series(False, index=values.index)
        if not whole_iso:
            compact = text.str.fullmatch(r"(19|20|21)\d{6}").fillna(False).astype(bool) & ~missing
            serial = text.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False).astype(bool) & ~missing
            zoned = text.str.fullmatch(_ZONED).fillna(False).astype(bool) & ~missing
        if compact.any() or serial.any():
            num = pd.Series(np.nan, index=values.index)
            num[compact | serial] = pd.to_numeric(text[compact | serial], errors="coerce")
            parsed, _ = _numeric_dates(num[compact | serial], self.col, src, rec, shown=text[compact | serial])  # type: ignore[arg-type]
            out[compact | serial] = parsed.astype("datetime64[us]")
        if zoned.any():
            out[zoned] = pd.to_datetime(text[zoned].str.replace(" ", "T", n=1), format="ISO8601", utc=True,
                                        errors="coerce").dt.tz_localize(None).astype("datetime64[us]")
            self.zoned = True
        if iso.any():
            self.iso_any = True
            if route == "arrow":
                if parsed_iso is None:
                    raise _Fallback("dates: the one-pass ISO route fixed for a block it does not read")
                out = parsed_iso
            else:
                parsed = pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce").astype("datetime64[us]")
                out = out.where(parsed.isna(), parsed)
        self.after_iso += int(out.notna().sum())
        for fam, fmts in DATE_FORMATS:
            for fmt in fmts:
                todo = out.isna() & ~missing
                if not todo.any():
                    break
                parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
                ok = parsed.notna()
                if ok.any():
                    out.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[us]")
                    self.families[fam] += int(ok.sum())
        todo = out.isna() & ~missing
        order = None
        if todo.any():
            order = self._slashed_evidence(text, todo, lines, values)
            if order is not None:
                order = self._provisional()[1]
                parsed = _slashed_dates(text, todo, self.col, src, values, order, rec)  # type: ignore[arg-type]
                if parsed is not None:
                    good = parsed.notna()
                    out.loc[parsed.index[good]] = parsed[good].astype("datetime64[us]")
        self._record(rec)
        self.used.add((route, order))
        self.missing.add(missing.to_numpy(dtype=bool), lines, values)
        self.bad.add(out.isna().to_numpy(dtype=bool), lines, values)
        lo, hi = DATE_RANGE
        self.wild.add((out.notna() & ((out < lo) | (out > hi))).to_numpy(dtype=bool), lines, values)
        self.parts.append(out.to_numpy().astype("datetime64[ns]"))

    def _slashed_evidence(self, text: pd.Series, todo: pd.Series, lines: np.ndarray, values: pd.Series):
        """:func:`_slashed_dates`' evidence of the order on one block; True when the block has such dates."""
        parts = text[todo].str.extract(_SLASHED.pattern)
        hit = parts[0].notna()
        if not hit.any():
            return None
        first, second = parts.loc[hit, 0].astype(int), parts.loc[hit, 1].astype(int)
        valid = (first <= 31) & (second <= 31) & ((first <= 12) | (second <= 12))
        first, second = first[valid], second[valid]
        if not len(first):
            return None
        index = text.index
        self.day_first.add(index.isin(first[first > 12].index), lines, values)
        self.month_first.add(index.isin(second[second > 12].index), lines, values)
        self.slashed.add(index.isin(first.index), lines, values)
        return True

    def decide(self, src: _Source, notes):
        order = self.dayfirst
        if self.slashed.n and order is None:
            if self.day_first.n and self.month_first.n:
                raise _error(
                    f"{src.name}, column {self.col!r}: dates are written both day first ({self.day_first.rows(2)}) "
                    f"and month first ({self.month_first.rows(2)}). "
                    "Fix the export so one order is used, or pass date_format='...' for one of them."
                )
            if not self.day_first.n and not self.month_first.n:
                raise _error(
                    f"{src.name}, column {self.col!r}: {self.slashed.n} date(s) such as {self.slashed.rows(3)} could be day first or month first "
                    "(no day above 12 tells which). Pass dayfirst=True (DD/MM/YYYY) or dayfirst=False (MM/DD/YYYY), "
                    "or date_format='%d/%m/%Y'."
                )
            order = bool(self.day_first.n)
        return ("arrow" if self.iso_all else "pandas", order)

    def consistent(self, decision) -> bool:
        route, order = decision
        return all(r == route and (o is None or o == order) for r, o in self.used)

    def check(self, src: _Source) -> None:
        if self.missing.n:
            raise _error(f"{src.name}, column {self.col!r}: no order date in {self.missing.rows()}. "
                         "Every order needs a date: fill or remove these lines.")
        if self.bad.n:
            tried = "ISO (2025-01-31), YYYY/MM/DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY, YYYYMMDD and Excel serial numbers, with or without a time"
            raise _error(
                f"{src.name}, column {self.col!r}: {self.bad.n} date(s) cannot be read, e.g. {self.bad.rows()}. "
                f"Tried {tried}. Pass date_format='...' (e.g. date_format='%m/%d/%Y') or fix these lines."
            )
        if self.wild.n:
            lo, hi = DATE_RANGE
            raise _error(
                f"{src.name}, column {self.col!r}: {self.wild.n} date(s) outside {lo.year}-{hi.year}, e.g. {self.wild.rows()}. "
                "These look like placeholders, not orders: fix or remove these lines."
            )

    def column(self):
        return _joined(self.parts)

    def note(self, notes: ReadNotes, src: _Source, column) -> None:
        for key in ("compact_dates", "excel_dates"):
            if key in self.recorded:
                notes.add(key, **self.recorded[key])
        if self.zoned:
            notes.add("timezone", name=src.name, col=repr(self.col), zone="UTC")
        for key in ("day_first", "month_first"):
            if key in self.recorded:
                notes.add(key, **self.recorded[key])
        families = dict(self.families)
        if self.iso_any:
            families[DATE_FORMATS[0][0]] += self.after_iso
        families = {fam: n for fam, n in families.items() if n}
        if len(families) > 1:
            parts = notes.text("list_sep").join(notes.text("dates_as", n=n, family=fam) for fam, n in families.items())
            notes.add("mixed_dates", name=src.name, col=repr(self.col), parts=parts)


class _NotUtf8(_Fallback):
    """pyarrow met bytes that are not UTF-8: the file may be GBK or Windows-1252 (:func:`_stream_encoding`)."""


def _stream_csv(path: Path, columns: dict, notes: ReadNotes, progress, said: list, *, decimal=None, dayfirst=None):
    try:
        return _stream_csv_as(path, columns, notes, progress, said, decimal=decimal, dayfirst=dayfirst)
    except _NotUtf8:
        encoding = _stream_encoding(path)
        if encoding is None:
            raise
    if progress is not None and not hasattr(progress, "after"):
        progress = _Progress(progress, after=said[0])  # the read in the right encoding does not say the same lines again
    return _stream_csv_as(path, columns, notes, progress, said, decimal=decimal, dayfirst=dayfirst, encoding=encoding)


def _stream_csv_as(path: Path, columns: dict, notes: ReadNotes, progress, said: list, *, decimal=None, dayfirst=None,
                   encoding: str = "utf-8", given: str | None = None):
    sniffed = _sniff_csv(path, encoding)
    if sniffed is None:
        raise _Fallback("not a clean UTF-8 CSV")
    bom, delim, raw_header, options, share = sniffed
    header = [h.strip() for h in raw_header]
    wanted = {kit: str(columns.get(kit, kit)).strip() for kit in ORDER_COLUMNS}
    present = [k for k in ORDER_COLUMNS if wanted[k] in header]
    if (len(set(header)) < len(header) or any(wanted[k] not in header for k in (*REQUIRED_COLUMNS, *columns))
            or len({wanted[k] for k in present}) < len(present)):
        raise _Fallback("header")  # the whole-file read names what is wrong with the header or the mapping
    name = path.name
    # One thread, and the file handed over as a Python file object: given a path (or with threads) pyarrow
    # reads far ahead, up to the whole file's bytes in memory at once.
    options["read_options"].use_threads = False
    options["read_options"].block_size = _STREAM_BLOCK_BYTES
    fixed: dict = {}
    for _attempt in range(2):
        cols, src = _stream_pass(path, options, header, wanted, present, fixed, notes, progress, said, share, decimal, dayfirst,
                                 legacy=encoding != "utf-8")
        redo = False
        for kit in present:
            decision = cols[kit].decide(src, notes)  # a refusal the whole column decides (decimal mark, day first)
            if not cols[kit].consistent(decision):
                redo = True
                break
            cols[kit].check(src)  # refusals of rows, in the whole-file read's order
        if not redo:
            break
        for kit in present:
            try:
                fixed[kit] = cols[kit].decide(src, notes)
            except PlaybookError:  # said when the second pass reaches this column
                fixed[kit] = None
        if progress is not None and not hasattr(progress, "after"):
            progress = _Progress(progress, after=said[0])  # the second pass does not say the same lines again
    else:
        raise _Fallback("a block read under a decision the whole file contradicts twice")
    if given is not None:  # encoding= as the user spelled it, as the whole-file read notes it
        notes.add("encoding_given", name=name, encoding=given)
    else:
        notes.add(encoding if encoding != "utf-8" else "bom" if bom else "utf8", name=name)
    if delim != ",":
        notes.add("delimiter", name=name, delim=notes.text("tab") if delim == "\t" else repr(delim))
    out = pd.DataFrame({kit: cols[kit].column() for kit in present}, copy=False)
    for kit in present:
        cols[kit].note(notes, src, out[kit])
    cols.clear()
    src.said = said[0]  # type: ignore[attr-defined]
    src.text = _LazyFrame(path, options, header, src.lines)  # type: ignore[attr-defined]
    return out, notes, src, wanted


def _stream_pass(path: Path, options: dict, header: list[str], wanted: dict, present: list[str], fixed: dict, notes: ReadNotes,
                 progress, said: list, share, decimal, dayfirst, legacy: bool = False):
    """One pass over the file: every block parsed into each column's parts and statistics. ``legacy``: the file is GBK
    or Windows-1252 (pyarrow transcodes it block by block; its text is held as pyarrow strings, as the whole-file read,
    which decodes it at once, then holds it too)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = path.name
    cols: dict = {}
    for kit in present:
        if kit == "order_date":
            cols[kit] = _DateColumn(kit, wanted[kit], fixed.get(kit), dayfirst)
        elif kit in ("amount", "margin", "discount"):
            cols[kit] = _NumberColumn(kit, wanted[kit], fixed.get(kit), decimal)
        else:
            cols[kit] = _IdColumn(kit, wanted[kit], fixed.get(kit))
    blanks: list[int] = []
    rows, kept, step = 0, 0, _STREAM_STEP
    block_src = _Source(name, np.zeros(0, dtype=np.int64))
    try:
        with open(path, "rb") as fh, pacsv.open_csv(fh, **options) as reader:
            for batch in reader:
                lines, n = _stream_block(batch, header, wanted, present, cols, rows, blanks, block_src, notes.lang)
                rows += batch.num_rows
                kept += n
                release_memory()
                if rows >= step:
                    said[0] = _tell(progress, notes, rows + 1, name, share(rows + 1))
                    step = rows + _STREAM_STEP
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, UnicodeError) as exc:  # Unicode: a codec's, transcoding
        raise (_NotUtf8 if "invalid UTF8" in str(exc) and not legacy else _Fallback)("pyarrow") from exc
    if not kept:
        raise _Fallback("no orders")
    return cols, _Source(name, _Lines(blanks, kept))  # type: ignore[arg-type]


def _joined(parts: list) -> pd.Series | np.ndarray:
    """One column from its blocks' pieces, the pieces let go as they are copied."""
    if isinstance(parts[0], pd.Series):
        joined = pd.concat(parts, ignore_index=True)
        parts.clear()
        return joined
    joined = np.concatenate(parts)
    parts.clear()
    return joined


def _stream_block(batch, header: list[str], wanted: dict, present: list[str], cols: dict, start: int, blanks: list,
                  block_src: _Source, lang: str) -> tuple[np.ndarray, int]:
    """Parse one block (its first data row is ``start``) into ``cols``; returns the kept rows' line numbers and their count."""
    import pyarrow.compute as pc

    for col in batch.columns:  # the whole-file read's checks on every column: quoted line breaks, runaway fields
        if len(col) and (pc.any(pc.match_substring_regex(col, "[\r\n]")).as_py()
                         or pc.max(pc.binary_length(col)).as_py() > MAX_FIELD):
            raise _Fallback("line break or runaway field")
    df = batch.to_pandas()
    df.columns = header
    lines = np.arange(len(df), dtype=np.int64) + start + 2
    if len(df):
        first_empty = (df.iloc[:, 0].str.strip() == "").to_numpy(dtype=bool)
        if first_empty.any():  # blank lines (every field empty) are left out, as the whole-file read does
            at = np.flatnonzero(first_empty)
            blank = np.zeros(len(df), dtype=bool)
            blank[at] = np.logical_and.reduce([(df[c].iloc[at].str.strip() == "").to_numpy(dtype=bool) for c in df.columns])
            if blank.any():
                blanks.extend((np.flatnonzero(blank) + start).tolist())
                df, lines = df.loc[~blank].reset_index(drop=True), lines[~blank]
    if list(df.columns) != [wanted[k] for k in present]:  # a Parquet file read column by column is already so
        df = df[[wanted[k] for k in present]]
    for kit in present:
        if kit == "order_date":
            cols[kit].block(df[wanted[kit]], lines, block_src, lang)
        else:
            cols[kit].block(df[wanted[kit]], lines)
    return lines, len(df)


def check_date_format(fmt: str | None) -> None:
    """Refuse a ``date_format`` that is not a strptime format, naming the option.

    >>> check_date_format("%d/%m/%Y")
    >>> check_date_format("%Q")
    Traceback (most recent call last):
    ...
    playbook.errors.InvalidArgumentError: date_format='%Q' is not a valid date format ('Q' is a bad directive in format '%Q'). Use strptime codes, e.g. date_format='%d/%m/%Y'.
    """
    if fmt is None:
        return
    try:
        pd.to_datetime(pd.Series(["2000-01-01"]), format=fmt, errors="coerce")
    except ValueError as exc:
        raise _error(f"date_format={fmt!r} is not a valid date format ({exc}). Use strptime codes, "
                     "e.g. date_format='%d/%m/%Y'.", InvalidArgumentError) from None


def check_as_of(as_of) -> pd.Timestamp:
    """``as_of`` as a day inside :data:`DATE_RANGE`, or an error naming the option.

    The command line calls it before any work, so a bad ``--as-of`` is said at once.

    >>> check_as_of("2025-12-31")
    Timestamp('2025-12-31 00:00:00')
    """
    try:
        ts = to_timestamp(as_of)
    except InvalidArgumentError:
        raise _error(f"as_of={str(as_of)!r} is not a date: give one such as as_of='2025-12-31'.", InvalidArgumentError) from None
    lo, hi = DATE_RANGE
    if not lo <= ts <= hi:
        raise _error(f"as_of={str(as_of)!r} is outside {lo.year}-{hi.year}: give the review date, such as as_of='2025-12-31'.",
                     InvalidArgumentError)
    return pd.Timestamp(ts).as_unit("ns")


def _merged_spellings(raw: pd.Series, stripped: pd.Series) -> int:
    """How many distinct ids became the same id once trimmed (six spellings of one id: 6)."""
    pairs = pd.DataFrame({"raw": raw.astype("string").to_numpy(), "id": stripped.to_numpy()}).dropna().drop_duplicates()
    spellings = pairs["id"].value_counts()
    return int(spellings[spellings > 1].sum())


def _optional_table(table: str, spec, notes: ReadNotes) -> pd.DataFrame:
    data, mapping = spec if isinstance(spec, tuple) else (spec, {})
    df, more, src = _read(data, None, None, notes.lang)
    notes.extend(more)
    src.name = f"{src.name} ({table})" if src.unit == "line" else f"the {table} DataFrame"
    rename = {str(v).strip(): k for k, v in (mapping or {}).items()}
    df = df.rename(columns=rename)
    specs = {c.name: c for c in TABLES[table]}
    needed = [c.name for c in TABLES[table] if c.kind == "id"] + ([DATE_COLUMNS[table]] if table in DATE_COLUMNS else [])
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
