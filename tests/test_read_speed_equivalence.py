"""The read stage's shortcuts give what the plain way gives (issue #18, speed of the read).

Each shortcut of :func:`playbook.byod.from_orders` is switched off here to get the plain way as the
oracle: reading only the mapped columns of a Parquet file (``_parquet_columns``), skipping the
trimming when no id can need it (``_may_need_trim``), and skipping the search for repeated order
ids when they strictly increase (``_increasing``). Both ways must return equal orders (values and
dtypes), the same notes and as_of, or the same error.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from playbook import byod
from playbook.errors import PlaybookError

SPACES = ["\t", "\r", "\n", " ", "\u00a0", "\u3000", "\u2003", "\u202f", "\u200b", "\ufeff", "\u0085"]


def _plain_strip(values: pd.Series):
    """The trimming as main did it before the shortcut (the oracle)."""
    raw = values.astype("string")
    text = raw.str.replace(byod._TRIM, "", regex=True)
    empty = text.isna() | (text == "")
    changed = bool((text != raw).fillna(False).any())
    return text.astype("str").where(~empty), empty, changed


def _both_ways(monkeypatch, source, **options):
    """from_orders with the shortcuts, then with each switched off: (result or error message) twice."""
    def run():
        try:
            base = byod.from_orders(source, **options)
        except PlaybookError as exc:
            return "error", str(exc)
        return base.orders, (base.meta["notes"], base.as_of)

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(byod, "_parquet_columns", lambda *a, **k: None)
        m.setattr(byod, "_may_need_trim", lambda values: True)
        m.setattr(byod, "_increasing", lambda ids: False)
        plain = run()
    return fast, plain


def _same(fast, plain):
    if isinstance(plain[0], str):
        assert fast == plain
        return
    assert not isinstance(fast[0], str), fast
    assert fast[0].equals(plain[0])
    assert fast[0].dtypes.equals(plain[0].dtypes)
    assert list(fast[0].columns) == list(plain[0].columns)
    assert fast[1] == plain[1]


def _orders(n=60, seed=0, ids=None):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1, dtype=np.int64),
        "customer_id": ids if ids is not None else [f"c{int(i)}" for i in rng.integers(0, 12, n)],
        "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "amount": rng.uniform(5, 200, n).round(2),
        "channel": rng.choice(["web", "shop"], n),
    })


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("where", ["front", "back", "both", "alone"])
def test_may_need_trim_is_true_exactly_when_trimming_changes_an_id(space, where):
    ids = ["a1", "b2", "客户三", "", None, "d 4"]
    spelt = {"front": space + "b2", "back": "b2" + space, "both": space + "b2" + space, "alone": space}[where]
    values = pd.Series(ids + [spelt], dtype="str")
    assert byod._may_need_trim(values) is True
    got, empty, changed = byod._strip_text(values)
    want, want_empty, want_changed = _plain_strip(values)
    assert changed == want_changed is True
    assert got.equals(want) and got.dtype == want.dtype
    assert empty.to_numpy(dtype=bool).tolist() == want_empty.to_numpy(dtype=bool).tolist()


@pytest.mark.parametrize("ids", [
    ["a", "b", "c"],
    ["客户一", "客户二", "顾客"],  # last bytes of CJK overlap those of the spaces: checked by the pattern
    ["a", "", None, "b"],
    ["", ""],
    [None, None],
    ["x\u00e9", "\u00e0y", "inner space", "tab\tinside"],
    ["x", "a\u3001", "\u4e00b"],  # an ideographic comma is not a space
])
def test_strip_text_shortcut_matches_the_plain_trimming(ids):
    values = pd.Series(ids, dtype="str")
    got, empty, changed = byod._strip_text(values)
    want, want_empty, want_changed = _plain_strip(values)
    assert byod._may_need_trim(values) == want_changed
    assert changed == want_changed
    assert got.equals(want) and got.dtype == want.dtype
    assert empty.to_numpy(dtype=bool).tolist() == want_empty.to_numpy(dtype=bool).tolist()


def test_may_need_trim_reads_sliced_chunked_and_small_offset_arrays():
    base = pa.array(["  a", "b", "c", "d ", "e"], type=pa.string())
    sliced = base.slice(1, 2)  # an offset into the buffers: the spaces of "  a" and "d " lie outside
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([sliced])))
    values = values.astype("str")
    assert byod._may_need_trim(values) == _plain_strip(values)[2]
    chunked = pd.Series(pd.array(pa.chunked_array([pa.array(["a", "b"]), pa.array(["c", "d\u00a0"])]),
                                 dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    assert byod._may_need_trim(chunked) is True
    assert byod._may_need_trim(pd.Series([], dtype="str")) is False
    assert byod._may_need_trim(pd.Series(["a", "b"], dtype=object)) is True  # not pyarrow text: the plain way


def test_increasing_only_for_strictly_increasing_int64():
    assert byod._increasing(pd.Series([1, 2, 5], dtype=np.int64))
    assert not byod._increasing(pd.Series([1, 2, 2], dtype=np.int64))
    assert not byod._increasing(pd.Series([2, 1, 3], dtype=np.int64))
    assert not byod._increasing(pd.Series([1.0, 2.0]))
    assert not byod._increasing(pd.Series(["1", "2"], dtype=object))
    assert not byod._increasing(pd.Series([7], dtype=np.int64))


@pytest.mark.parametrize("order", ["sorted", "shuffled", "repeat", "repeat_exact", "descending"])
def test_order_ids_sorted_or_not_give_the_same_base(monkeypatch, order):
    df = _orders()
    if order == "shuffled":
        df = df.sample(frac=1, random_state=1).reset_index(drop=True)
    elif order == "descending":
        df = df.iloc[::-1].reset_index(drop=True)
    elif order == "repeat":
        df.loc[10, "order_id"] = df.loc[9, "order_id"]
    elif order == "repeat_exact":
        df = pd.concat([df, df.iloc[[3, 7]]], ignore_index=True)
    for duplicates in ("error", "drop"):
        _same(*_both_ways(monkeypatch, df, duplicates=duplicates))


def test_duplicates_with_nan_and_mixed_types_give_the_same_base(monkeypatch):
    df = _orders(20).astype({"order_id": object})
    df["margin"] = np.where(np.arange(20) % 3 == 0, np.nan, 1.5)
    df.loc[5, "order_id"] = "A-5"
    extra = df.iloc[[5, 6]].copy()
    rows = pd.concat([df, extra], ignore_index=True)
    for duplicates in ("error", "drop"):
        _same(*_both_ways(monkeypatch, rows, duplicates=duplicates))


@pytest.mark.parametrize("space", SPACES)
def test_ids_with_every_space_give_the_same_notes_and_merged_count(monkeypatch, tmp_path, space):
    ids = ["c1", "c1" + space, space + "c1", "c2", space + "c3" + space, "c3", "c4"] * 3
    df = _orders(len(ids), ids=ids)
    path = tmp_path / "o.parquet"
    df.to_parquet(path)
    fast, plain = _both_ways(monkeypatch, path)
    _same(fast, plain)
    notes = " ".join(fast[1][0])
    assert "c1" not in set(fast[0]["customer_id"]) - {"c1"}
    assert set(fast[0]["customer_id"]) == {"c1", "c2", "c3", "c4"}
    assert notes  # the trimming is said


def test_parquet_with_extra_columns_reads_only_the_mapped_ones(monkeypatch, tmp_path):
    df = _orders(40)
    df.insert(1, "note", ["x" * (i % 7) for i in range(40)])
    df["product_line"] = "p"
    df = df.rename(columns={"customer_id": " Kunde ", "amount": "Betrag"})
    path = tmp_path / "o.parquet"
    df.to_parquet(path)
    mapping = {"customer_id": "Kunde", "amount": "Betrag"}
    assert byod._parquet_columns(path, mapping) == ["order_id", " Kunde ", "order_date", "Betrag", "channel"]
    _same(*_both_ways(monkeypatch, path, columns=mapping))
    _same(*_both_ways(monkeypatch, path, columns=mapping, as_of="2025-12-31"))


def test_parquet_dictionary_and_large_string_columns(monkeypatch, tmp_path):
    df = _orders(50)
    table = pa.table({
        "order_id": pa.array(df["order_id"]),
        "customer_id": pa.array(df["customer_id"]).dictionary_encode(),
        "order_date": pa.array(df["order_date"]),
        "amount": pa.array(df["amount"]),
        "channel": pa.array(df["channel"], type=pa.large_string()),
        "skipped": pa.array(["z"] * 50, type=pa.large_string()),
    })
    path = tmp_path / "o.parquet"
    pq.write_table(table, path)
    _same(*_both_ways(monkeypatch, path))
    spaced = table.set_column(4, "channel", pa.array([c + " " for c in df["channel"]], type=pa.large_string()))
    pq.write_table(spaced, path)
    _same(*_both_ways(monkeypatch, path))


@pytest.mark.parametrize("case", ["empty", "no_rows", "missing", "shared", "dup_header", "index", "int_names",
                                  "garbage"])
def test_parquet_edge_files_read_or_refused_alike(monkeypatch, tmp_path, case):
    path = tmp_path / "o.parquet"
    df = _orders(10)
    options: dict = {}
    if case == "empty":
        pq.write_table(pa.table({}), path)
    elif case == "no_rows":
        df.iloc[:0].to_parquet(path)
    elif case == "missing":
        df.drop(columns="amount").to_parquet(path)
    elif case == "shared":
        df.to_parquet(path)
        options = {"columns": {"amount": "amount", "margin": "amount"}}
    elif case == "dup_header":
        pq.write_table(pa.table([pa.array(df[c]) for c in df.columns] + [pa.array(df["amount"])],
                                names=[*df.columns, " amount"]), path)
    elif case == "index":
        df.set_index("channel").to_parquet(path)
    elif case == "int_names":
        df.set_axis(range(5), axis=1).to_parquet(path)
        options = {"columns": {"order_id": "0", "customer_id": "1", "order_date": "2", "amount": "3"}}
    elif case == "garbage":
        path.write_bytes(b"PAR1 not really parquet")
    fast, plain = _both_ways(monkeypatch, path, **options)
    _same(fast, plain)
    if case in ("empty", "no_rows", "missing", "shared", "dup_header", "garbage"):
        assert fast[0] == "error"


def test_shipped_like_csv_and_frames_unchanged(monkeypatch):
    df = _orders(30)
    text = df.astype({"order_date": str, "amount": str})
    text.loc[3, "customer_id"] = " c5\u3000"
    _same(*_both_ways(monkeypatch, text))
    _same(*_both_ways(monkeypatch, df.astype({"customer_id": "category"})))


@pytest.mark.parametrize("seed", range(5))
def test_repeats_dropped_as_when_the_whole_frame_was_compared_as_text(seed):
    """duplicates='drop' compares as text only the lines that share an order id; the oracle compares the whole
    frame as text, as before (NaN margins, mixed id types, repeats that are not next to each other)."""
    rng = np.random.default_rng(seed)
    n = 80
    out = pd.DataFrame({
        "order_id": pd.Series([int(i) if i % 5 else f"A{i}" for i in rng.integers(0, 60, n)], dtype=object),
        "customer_id": rng.choice(["a", "b", "c"], n),
        "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
        "amount": rng.choice([1.0, 2.5], n),
        "margin": rng.choice([np.nan, 0.5], n),
    })
    again = out.iloc[rng.integers(0, n, 25)]
    out = pd.concat([out, again], ignore_index=True).sample(frac=1, random_state=seed).reset_index(drop=True)
    dup = out["order_id"].duplicated(keep=False) & out["order_id"].notna()
    exact = out.loc[dup].astype(str).duplicated(keep=False)
    text = out.astype(str)
    src = byod._Source("o.csv", np.arange(2, len(out) + 2))
    wanted = {k: k for k in byod.ORDER_COLUMNS}
    if not exact.all():
        with pytest.raises(PlaybookError, match="differ in other columns"):
            byod._finish_orders(out.copy(), text, src, byod.ReadNotes("en"), wanted, refunds="error", duplicates="drop", ts=None)
        out = out.loc[~dup | out["order_id"].isin(out.loc[dup][exact.to_numpy()]["order_id"])]
        out = out[~out["order_id"].isin(out.loc[out["order_id"].duplicated(keep=False)].groupby("order_id")
                                        .filter(lambda g: g.astype(str).drop_duplicates().shape[0] > 1)["order_id"])]
        out = out.reset_index(drop=True)
        dup = out["order_id"].duplicated(keep=False) & out["order_id"].notna()
        text = out.astype(str)
        src = byod._Source("o.csv", np.arange(2, len(out) + 2))
    repeat = out.astype(str).duplicated(keep="first") & dup  # the oracle: main's whole-frame comparison
    want = out.loc[~repeat].reset_index(drop=True)
    notes = byod.ReadNotes("en")
    got, _ = byod._finish_orders(out.copy(), text, src, notes, wanted, refunds="error", duplicates="drop", ts=None)
    assert int(repeat.sum()) > 0
    assert got.equals(want) and got.dtypes.equals(want.dtypes)
    assert any(str(int(repeat.sum())) in n for n in notes)


@pytest.mark.parametrize("encoding, names", [("gbk", ["北京客户", "上海分店", "广州贸易"]),
                                             ("cp1252", ["Müller GmbH", "Café Zoë", "Ægir ÅS"])])
@pytest.mark.parametrize("streaming", [True, False])
def test_a_legacy_file_reads_as_its_utf8_copy(tmp_path, monkeypatch, encoding, names, streaming):
    """GBK and Windows-1252 files are held as pyarrow text, not a Python object per value: the orders equal (values and
    dtypes) those of the same file saved as UTF-8, and the notes differ only in the line naming the encoding."""
    monkeypatch.setattr(byod, "_STREAM", streaming)
    rng = np.random.default_rng(3)
    n = 400
    space = "\u3000" if encoding == "gbk" else "\u00a0"  # an ideographic space, a non-breaking one
    frame = pd.DataFrame({
        "order_id": [f" {i}" if i % 50 == 0 else str(i) for i in range(1, n + 1)],
        "customer_id": [names[i % 3] + (space if i % 37 == 0 else "") + str(i % 40) for i in range(n)],
        "order_date": (pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")).strftime("%Y-%m-%d"),
        "amount": rng.uniform(1, 99, n).round(2).astype(str),
        "channel": rng.choice(["web", "店铺" if encoding == "gbk" else "Straße"], n),
    })
    frame.loc[5, "customer_id"] = " " + names[0] + "5 "
    legacy, utf8 = tmp_path / "legacy.csv", tmp_path / "utf8.csv"
    frame.to_csv(legacy, index=False, encoding=encoding)
    frame.to_csv(utf8, index=False, encoding="utf-8")
    a, b = byod.from_orders(legacy), byod.from_orders(utf8)
    assert a.orders.equals(b.orders) and a.orders.dtypes.equals(b.orders.dtypes)
    assert str(a.orders["customer_id"].dtype) == str(b.orders["customer_id"].dtype) != "object"
    differ = [x for x, y in zip(a.meta["notes"], b.meta["notes"]) if x.replace("legacy.csv", "F") != y.replace("utf8.csv", "F")]
    assert len(a.meta["notes"]) == len(b.meta["notes"]) and len(differ) == 1
    assert ("GBK" if encoding == "gbk" else "Windows-1252") in differ[0]


def test_parquet_refusals_name_the_same_lines(tmp_path):
    """Row p of a Parquet file is line p + 2 in messages (the line numbers are a range, not an array)."""
    df = _orders(30)
    df.loc[[5, 17], "amount"] = -3.0
    path = tmp_path / "o.parquet"
    df.to_parquet(path)
    with pytest.raises(PlaybookError, match=r"2 negative amount\(s\), e\.g\. line 7 \(-3\.0\), line 19 \(-3\.0\)"):
        byod.from_orders(path)
    assert byod.read_export(path)[2] == list(range(2, 32))


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/maps"), reason="Linux: /proc/self/maps lists mapped files")
@pytest.mark.parametrize("compression", [None, "snappy"])
def test_the_memory_mapped_parquet_file_is_let_go(tmp_path, compression):
    """The Parquet file is read memory-mapped; the orders hold their own copy, so no mapping of the file outlives the read."""
    import gc

    path = tmp_path / "mapped.parquet"
    _orders(50).to_parquet(path, compression=compression)
    base = byod.from_orders(path)
    gc.collect()
    assert len(base.orders) == 50
    with open("/proc/self/maps") as fh:
        assert not [line for line in fh if str(path) in line]


@pytest.mark.parametrize("seed", range(4))
def test_kept_rows_and_as_of_as_out_loc_keep_gives_them(seed):
    """The lines left after dropping repeats and refunds are copied column by column from the columns' arrays, and
    as_of is the max of the kept dates without a copy of the frame; the oracle is ``out.loc[keep]`` (values, dtypes,
    index) and its dates' max, on columns of every kind a read gives (object and int ids, pyarrow text, categories,
    time zones, nullable numbers), with the latest date on a dropped refund so a wrong mask shows in as_of."""
    rng = np.random.default_rng(seed)
    n = 60
    tz = "UTC" if seed % 2 else None
    out = pd.DataFrame({
        "order_id": pd.Series([f"A{i}" for i in range(n)], dtype=object) if seed % 2 else pd.Series(np.arange(n) * 3),
        "customer_id": (pd.Series(rng.choice(["a", "b", "c"], n), dtype="category") if seed < 2
                        else pd.Series(rng.choice(["甲", "b", "c"], n), dtype="str")),
        "order_date": pd.Series(pd.Timestamp("2025-01-01", tz=tz) + pd.to_timedelta(rng.integers(0, 30, n), unit="D")),
        "amount": rng.choice([1.0, 2.5, -3.0], n),
        "margin": pd.Series(rng.choice([1, 2], n), dtype="Int64").where(rng.random(n) < 0.8),
    })
    out.loc[7, ["amount", "order_date"]] = [-9.0, pd.Timestamp("2025-03-01", tz=tz)]  # the latest date, on a refund
    again = out.iloc[rng.integers(0, n, 10)]
    out = pd.concat([out, again], ignore_index=True).sample(frac=1, random_state=seed).reset_index(drop=True)
    repeat = out.astype(str).duplicated(keep="first").to_numpy()
    keep = ~repeat & (out["amount"] >= 0).to_numpy()
    want = out.loc[keep].reset_index(drop=True)
    src = byod._Source("o.csv", np.arange(2, len(out) + 2))
    wanted = {k: k for k in byod.ORDER_COLUMNS}
    got, ts = byod._finish_orders(out.copy(), out.astype(str), src, byod.ReadNotes("en"), wanted, refunds="drop",
                                  duplicates="drop", ts=None)
    assert got.equals(want) and got.dtypes.equals(want.dtypes) and got.index.equals(want.index)
    assert ts == want["order_date"].max().normalize() < out["order_date"].max()


@pytest.mark.parametrize("ids", [
    ["c1", "c2", "c1", "c3"] * 10,
    [" c1", "c2 ", "c1", "c3\u3000"] * 10,  # ids to trim, merged with their trimmed spelling
    ["c1", "", "c1", "c3"] * 10,  # an empty id: refused, naming the same lines
    ["c1", None, "c1", "c3"] * 10,  # a missing id: refused alike
])
@pytest.mark.parametrize("kind", ["parquet", "frame"])
def test_categorical_ids_read_as_the_same_text(tmp_path, ids, kind):
    """Dictionary-encoded ids (a Parquet export written from a categorical, or a categorical column handed in) are
    trimmed once per category and come out as the same text column, values, dtype, notes and refusals, as the
    same ids stored as plain text (the categorical branch of ``_strip_text`` takes the trimmed categories in
    pyarrow instead of making a Python string per row)."""
    df = _orders(len(ids), ids=ids)

    def read(frame):
        if kind == "frame":
            source = frame
        else:
            folder = tmp_path / str(len(list(tmp_path.iterdir())))  # one file name, so the notes may be compared
            folder.mkdir()
            source = folder / "o.parquet"
            frame.to_parquet(source, index=False)
        try:
            base = byod.from_orders(source)
        except PlaybookError as exc:
            return "error", str(exc)
        return base.orders, (base.meta["notes"], base.as_of)

    plain = read(df.assign(customer_id=df["customer_id"].astype("str")))
    cats = read(df.assign(customer_id=df["customer_id"].astype("category")))
    if kind == "parquet":
        assert pa.types.is_dictionary(pq.read_schema(tmp_path / "1" / "o.parquet").field("customer_id").type)
    if isinstance(plain[0], str):
        assert cats == plain
        return
    assert not isinstance(cats[0], str), cats
    assert str(cats[0]["customer_id"].dtype) == str(plain[0]["customer_id"].dtype)
    _same(cats, plain)
