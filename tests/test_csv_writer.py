"""playbook.csv_out writes exactly the bytes of ``DataFrame.to_csv(index=False, encoding="utf-8-sig")``.

Every test compares with pandas itself on hostile tables (delimiters, quotes, line breaks, spaces,
empty and missing text, awkward floats, Chinese text, formula-like text after neutralising), and
also says whether the fast path or the ``to_csv`` fallback wrote it, so a silent fallback cannot
pass for a fast writer.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from playbook import csv_out
from playbook.strategy import neutralise_formulas

HOSTILE = [",", '"', "\n", "\r", "\r\n", "a,b", 'say "hi"', '""', "line1\nline2", "cr\ronly", " lead", "trail ", " ", "",
           "中文，测试", "客户,流失", "=1+1", "+1", "-1", "@SUM(A1)", "＝１", "\t=x", "x\ty", "é", "emoji 🙂", "\u2028", "a\x0bb",
           "'quoted", "plain"]
FLOATS = [1e-05, 0.1 + 0.2, -0.0, 0.0, 1e16, 1e15, 123456789.123, float("inf"), float("-inf"), float("nan"), 5e-324,
          1.7976931348623157e308, -2.5, 100.0, 1.0 / 3, 34.5, 1e-4, 12345678901234567.0]


def _expected(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8-sig")


def _same(frame: pd.DataFrame, *, fast: bool = True) -> None:
    blocks = csv_out.csv_blocks(frame)
    assert (blocks is not None) == fast, "the fast path was taken" if blocks is not None else "it fell back to to_csv"
    if blocks is not None:
        assert b"".join(blocks) == _expected(frame)


@pytest.fixture(params=[1, 3, 1 << 18])
def block_rows(request, monkeypatch):
    """Small blocks put block boundaries between hostile rows."""
    monkeypatch.setattr(csv_out, "_ROWS_PER_BLOCK", request.param)
    return request.param


def _cycle(values, n):
    return [values[i % len(values)] for i in range(n)]


def test_expected_is_what_to_csv_writes_to_a_file(tmp_path):
    frame = pd.DataFrame({"a": ["x", "é"], "b": [1.5, None]})
    frame.to_csv(tmp_path / "t.csv", index=False, encoding="utf-8-sig")
    assert (tmp_path / "t.csv").read_bytes() == _expected(frame)


def test_hostile_text_in_every_text_dtype(block_rows):
    n = len(HOSTILE) + 3
    text = _cycle(HOSTILE, n)
    with_missing = text[:-3] + [None, np.nan, pd.NA]
    frame = pd.DataFrame({
        "object": pd.Series(with_missing, dtype=object),
        "str_arrow": pd.Series(with_missing, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
        "str_python": pd.Series(with_missing, dtype=pd.StringDtype("python", na_value=np.nan)),
        "string_na": pd.Series(with_missing, dtype=pd.StringDtype("pyarrow")),
        "last_text": pd.Series(list(reversed(text)), dtype=object),
    })
    _same(frame)


def test_categoricals_of_text_with_missing_and_unused_categories(block_rows):
    cats = ["a,b", 'q"', "plain", "", " sp", "中文", "unused"]
    codes = np.array(_cycle([0, 1, 2, 3, 4, 5, -1], 40))
    frame = pd.DataFrame({"tier": pd.Categorical.from_codes(codes, categories=cats),
                          "ordered": pd.Categorical.from_codes(codes[::-1].copy(), categories=cats, ordered=True),
                          "n": np.arange(40)})
    _same(frame)


def test_floats_exactly_as_pandas_writes_them(block_rows):
    values = np.array(_cycle(FLOATS, 60))
    with np.errstate(over="ignore"):
        f32 = values.astype(np.float32)
    frame = pd.DataFrame({"f64": values, "f32": f32, "neg": -values,
                          "rounded": np.round(np.linspace(-5, 5, 60), 2), "all_nan": np.full(60, np.nan)})
    _same(frame)


def test_ints_bools_and_dates(block_rows):
    n = 50
    days = pd.to_datetime(_cycle(["2025-01-31", None, "1999-12-31", "2026-02-28", "1000-01-01", "9999-12-31"], n))
    frame = pd.DataFrame({
        "i64": _cycle([0, -1, np.iinfo(np.int64).max, np.iinfo(np.int64).min, 42], n),
        "u64": np.array(_cycle([0, np.iinfo(np.uint64).max, 7], n), dtype=np.uint64),
        "i8": np.array(_cycle([-128, 127, 0], n), dtype=np.int8),
        "flag": _cycle([True, False, False], n),
        "day_ns": days, "day_us": days.as_unit("us"), "day_s": days.as_unit("s"),
        "all_nat": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
    })
    _same(frame)


@pytest.mark.parametrize("seed", range(5))
def test_random_mixed_tables(seed, block_rows):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    cols = {
        "customer_id": [f"C{int(i):05d}" for i in rng.integers(0, 10**5, n)],
        "reason": [" ".join(rng.choice(HOSTILE, int(rng.integers(1, 4)))) for _ in range(n)],
        "risk": np.round(rng.uniform(0, 100, n), 1),
        "clv": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.lognormal(3, 2, n), 2)),
        "tier": pd.Categorical(rng.choice(["key", "important", "general"], n), categories=["key", "important", "general"]),
        "next_contact": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
    }
    frame = pd.DataFrame(cols).astype({"customer_id": "str", "reason": "str"})
    order = list(rng.permutation(list(frame.columns)))
    _same(frame[order])
    _same(neutralise_formulas(frame[order]))


def test_the_action_list_of_the_kit_takes_the_fast_path(tmp_path):
    import playbook
    from playbook.analyze import build_analysis

    table = build_analysis(playbook.load_dataset("retail"), lang="zh").actions.reset_index()
    safe = neutralise_formulas(table.assign(reason=table["reason"].astype(object).where(table.index % 7 > 0, '=1,"x"\n')))
    _same(safe)
    digest = csv_out.write_csv(safe, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == _expected(safe)
    assert digest == hashlib.sha256((tmp_path / "a.csv").read_bytes()).hexdigest()


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"only": ["", "x", None]}),                                           # one column: "" is quoted there
    pd.DataFrame({"a": [1, 2], "b": [1, 2]}).iloc[:0],                                  # no rows
    pd.DataFrame({"a": pd.to_datetime(["2025-01-01 10:30", "2025-01-02 00:00"]), "b": [1, 2]}),  # times of day
    pd.DataFrame({"a": pd.to_datetime(["2025-01-01", "2025-01-02"]).tz_localize("UTC"), "b": [1, 2]}),
    pd.DataFrame({"a": pd.to_timedelta([1, 2], unit="D"), "b": [1, 2]}),
    pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [1, 2]}),
    pd.DataFrame({"a": pd.array([0.5, None], dtype="Float64"), "b": [1, 2]}),
    pd.DataFrame({"a": ["x", 1], "b": [1, 2]}),                                         # mixed object
    pd.DataFrame({"a": [b"x", b"y"], "b": [1, 2]}),                                     # bytes
    pd.DataFrame({"a": pd.Categorical([1, 2]), "b": [1, 2]}),                           # categories that are not text
    pd.DataFrame({"a": pd.to_datetime(["0999-12-31", "2025-01-01"], format="%Y-%m-%d").as_unit("s"), "b": [1, 2]}),  # 3-digit year
    pd.DataFrame({1: ["x", "y"], 2: [1, 2]}),                                           # labels that are not text
    pd.DataFrame([[1, 2]], columns=["a", "a"]),                                         # duplicate labels
    pd.DataFrame({"a": [complex(1, 2), 0j], "b": [1, 2]}),
], ids=["one-column", "empty", "times", "tz", "timedelta", "Int64", "Float64", "mixed", "bytes", "int-categories",
        "year-999", "int-labels", "duplicate-labels", "complex"])
def test_what_it_does_not_handle_goes_to_to_csv(frame, tmp_path):
    _same(frame, fast=False)
    digest = csv_out.write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_bytes() == _expected(frame)
    assert digest == hashlib.sha256(_expected(frame)).hexdigest()


def test_a_late_block_it_cannot_write_falls_back_for_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_out, "_ROWS_PER_BLOCK", 2)
    frame = pd.DataFrame({"a": ["x", "y", "z", "w"], "when": pd.to_datetime(["2025-01-01 00:00"] * 3 + ["2025-01-01 01:00"])})
    digest = csv_out.write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_bytes() == _expected(frame)
    assert digest == hashlib.sha256(_expected(frame)).hexdigest()


def test_header_names_that_need_quotes():
    _same(pd.DataFrame({"a,b": ["1"], 'say "x"': ["2"], "中文": ["3"], "": ["4"]}))


def test_the_dialect_is_asked_from_the_csv_module():
    quote_chars, odd_chars = csv_out._dialect()
    assert {",", '"', "\n"} <= set(quote_chars)
    assert " " not in quote_chars and "a" not in quote_chars


def test_text_the_csv_module_writes_another_way_goes_to_to_csv(monkeypatch):
    """Were some character quoted only in some places (another Python), texts holding it go to to_csv."""
    quote_chars, _ = csv_out._dialect()
    monkeypatch.setattr(csv_out, "_dialect", lambda: (quote_chars, "é\u2028"))
    _same(pd.DataFrame({"a": ["plain", "x,y"], "b": [1, 2]}))
    _same(pd.DataFrame({"a": ["plain", "café"], "b": [1, 2]}), fast=False)
    _same(pd.DataFrame({"a": ["plain", "x"], "b": pd.Categorical(["line\u2028break", "y"])}), fast=False)
