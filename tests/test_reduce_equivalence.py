"""The shortcuts of the reduce stage (``features.compute`` at ``as_of`` and the backtest date) give exactly what the
general way gives.

When every customer's orders are in date order once grouped by customer (a date-sorted export, or one sorted by
customer then date), :func:`playbook.features._compute_dates_sorted` reads both dates from one sorted set of integer
arrays: windows as segments of each customer's run, compensated sums over segments
(:func:`playbook.kernels.segment_sums`), pyarrow text ids of one width factorised as integers. Each shortcut is held
here to the general way (:func:`playbook.features._compute_dates_general`, masks and ``summarize`` per date, run on
plain Python-string ids so that it shares no shortcut) or to pandas itself, on small frames with the edge cases:
ties on the same day and the same instant, one customer, one order, customers with no order before the backtest
date, NaN margins, refunds netting a customer negative.
"""
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import features
from playbook.kernels import _factorize_arrow_text, factorize_sorted_index, group_sums, segment_sums
from playbook.strategy import _features_and_past, _past_date
from playbook.synth import generate

# ----------------------------------------------------------------------------- factorising text ids


def _id_cases():
    rng = np.random.default_rng(0)
    return {
        "one width, shared prefix": [f"C{i:08d}" for i in rng.integers(0, 1000, 4000)],
        "long shared prefix": [f"CUSTOMER-LONG-{i:05d}" for i in rng.integers(0, 99999, 2000)],
        "differ in more than 8 bytes": [f"A-{i:012d}" for i in rng.integers(0, 10**12, 2000)],
        "non-ASCII, one byte width": ["éé", "zzzz", "aaaa", "éé", "ab\u00e9"],
        "Chinese and ASCII": ["中文", "中字", "abcdef", "中文"],
        "numbers, sparse": [f"{i:08d}" for i in rng.integers(0, 10**8, 500)],
        "numbers, dense, one gap": ["17", "15", "10", "19", "15"],
        "digits and letters": ["A1", "B2", "1Z", "A1", "09"],
        "several widths": ["a", "bb", "a", "B", "ab"],
        "one id": ["x"],
    }


@pytest.mark.parametrize("case", list(_id_cases()))
@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]"])
def test_text_ids_factorise_as_pandas_sorted_factorize(case, dtype):
    ids = pd.Series(_id_cases()[case], dtype=dtype)
    halves = pd.concat([ids.iloc[: len(ids) // 2], ids.iloc[len(ids) // 2:]], ignore_index=True)  # two chunks
    sliced = pd.Series(list(ids) * 2, dtype=dtype).iloc[1:]  # an array with an offset
    for s in (ids, halves, sliced):
        codes, uniques = pd.factorize(s, sort=True)
        got = _factorize_arrow_text(s)
        assert got is not None
        assert np.array_equal(got[0], codes)
        assert got[1].equals(pd.Index(uniques)) and got[1].dtype == pd.Index(uniques).dtype
        assert got[1]._values._pa_array.type == pd.Index(uniques)._values._pa_array.type
        keep = np.arange(len(s)) % 3 != 1
        got_codes, got_index = factorize_sorted_index(s, keep)
        codes, uniques = pd.factorize(s[keep], sort=True)
        assert np.array_equal(got_codes, codes) and got_index.equals(pd.Index(uniques))


def test_text_ids_in_many_chunks_of_one_or_several_widths():
    # A streamed CSV read gives many chunks: read where they lie; one chunk of another width: hashed instead.
    rng = np.random.default_rng(4)
    parts = [pd.Series([f"C{i:06d}" for i in rng.integers(0, 500, 300)], dtype="str") for _ in range(5)]
    for extra in ([], [pd.Series(["C12"], dtype="str")], [pd.Series(["D999999"], dtype="str")]):
        ids = pd.concat(parts + extra, ignore_index=True)
        assert ids.array._pa_array.num_chunks > 1
        codes, uniques = pd.factorize(ids, sort=True)
        got = _factorize_arrow_text(ids)
        assert got is not None and np.array_equal(got[0], codes) and got[1].equals(pd.Index(uniques))
        assert got[1].dtype == pd.Index(uniques).dtype


def test_missing_text_ids_take_pandas_own_factorize():
    ids = pd.Series(["b", None, "a"], dtype="str")
    assert _factorize_arrow_text(ids) is None
    codes, index = factorize_sorted_index(ids, np.ones(3, dtype=bool))
    assert codes.tolist() == [1, -1, 0] and index.tolist() == ["a", "b"]


# ----------------------------------------------------------------------------- compensated sums over segments


def test_segment_sums_are_group_sums_to_the_bit():
    rng = np.random.default_rng(1)
    for trial in range(120):
        n = int(rng.integers(1, 2000))
        values = np.round(rng.normal(50, 40, n), 2)
        if trial % 3 == 0:
            values[rng.random(n) < 0.1] = np.nan
        if trial % 7 == 0:
            values[rng.integers(n)] = np.inf
        if trial % 11 == 0:
            values[:] = 1e305 * np.sign(values)  # sums that overflow
        if trial % 13 == 0:
            values[rng.random(n) < 0.2] = -0.0
        starts = np.unique(np.r_[0, rng.integers(0, n, int(rng.integers(1, n + 1)))])
        if trial % 5 == 0:
            starts = np.unique(np.r_[0, rng.integers(0, 5, 3)])  # a few long runs: the tail in Python floats
        if trial % 17 == 0:
            starts = np.arange(n)  # every value its own run
        sizes = np.diff(np.r_[starts, n])
        with np.errstate(all="ignore"):
            ref = group_sums(values, starts)
            got = segment_sums(values, starts, sizes)
            pair = segment_sums([values, values[::-1].copy()], starts, sizes)
            ref_reversed = group_sums(values[::-1].copy(), starts)
        for a, b in ((ref, got), (ref, pair[0]), (ref_reversed, pair[1])):
            assert np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))


def test_segment_sums_read_runs_where_they_lie():
    # Runs that skip values and empty runs: each total is group_sums of its own values; an empty run sums to 0.0.
    rng = np.random.default_rng(2)
    values = np.round(rng.normal(10, 30, 500), 2)
    starts = np.array([0, 40, 40, 200, 499, 10])
    sizes = np.array([5, 0, 100, 50, 1, 300])
    got = segment_sums(values, starts, sizes)
    for s, k, total in zip(starts, sizes, got):
        expected = group_sums(values[s:s + k], np.array([0]))[0] if k else 0.0
        assert total == expected


# ----------------------------------------------------------------------------- the feature tables


def _plain_ids(orders: pd.DataFrame) -> pd.DataFrame:
    return orders.assign(customer_id=orders["customer_id"].astype(object))


def _general(orders: pd.DataFrame, dates) -> list[pd.DataFrame]:
    """The general way; pyarrow text ids as Python strings (pandas' own sorted factorize), the index then back to the
    orders' dtype (other ids: as they are; categorical ones go through the categories' codes, as before)."""
    stamps = [features.to_timestamp(d) for d in dates]
    dtype = orders["customer_id"].dtype
    if not isinstance(dtype, pd.StringDtype):
        return features._compute_dates_general(orders, stamps)
    tables = features._compute_dates_general(_plain_ids(orders), stamps)
    return [t.set_axis(pd.Index(t.index.astype(dtype), name="customer_id")) for t in tables]


def _assert_same(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(got.columns) == list(ref.columns)
    assert (got.dtypes == ref.dtypes).all()
    assert got.index.equals(ref.index) and got.index.dtype == ref.index.dtype and got.index.name == ref.index.name
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert got.equals(ref)


def _check(orders: pd.DataFrame, as_of, *, in_order: bool = True) -> None:
    """compute at as_of and the backtest date, by the sorted way, == the general way; ``in_order``: whether each
    customer's orders are in date order in the file (else the sorted way sorts them by day and date-time, and sums
    each window's orders picked in the file's sequence)."""
    ts = pd.Timestamp(as_of)
    dates = [ts, _past_date(ts)]
    sorted_by_date = []
    real = features._day_and_time_orders
    with pytest.MonkeyPatch.context() as m:
        m.setattr(features, "_compute_dates_general", lambda *a, **k: pytest.fail("took the general way"))
        m.setattr(features, "_day_and_time_orders", lambda *a: sorted_by_date.append(True) or real(*a))
        got = features._compute_dates(orders, dates)
    assert sorted_by_date == ([] if in_order else [True])
    for g, r in zip(got, _general(orders, dates)):
        _assert_same(g, r)


def _orders(rows, margin=True) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "margin"])
    frame["customer_id"] = frame["customer_id"].astype("str")
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="ISO8601")
    frame["amount"] = frame["amount"].astype(float)
    frame["margin"] = frame["margin"].astype(float)
    return frame if margin else frame.drop(columns="margin")


EDGE = [
    # ties: two orders the same day, two at the same instant
    ("a", "2025-01-05 10:00", 10.0, 3.0), ("a", "2025-01-05 10:00", 5.5, 1.0), ("a", "2025-01-05 18:30", 7.25, 2.0),
    ("a", "2025-06-01", 12.0, float("nan")),  # NaN margin
    ("a", "2025-11-20 21:15", 30.0, 9.0),
    ("b", "2025-12-30", 99.99, 30.0),  # first order after the backtest date: unknown then
    ("c", "2024-03-03", 50.0, 10.0), ("c", "2024-03-04", -80.0, -15.0),  # a refund netting the customer negative
    ("d", "2023-02-02", 1.1, 0.2),  # one order, long ago
    ("e", "2025-12-31 23:59:59", 0.1, 0.2), ("e", "2025-12-31 23:59:59", 0.2, 0.1),  # the last instant of as_of
    ("f", "1969-12-30 23:00", 3.0, 1.0), ("f", "1969-12-31 01:00", 4.0, 1.0), ("f", "1970-01-01 00:30", 5.0, 1.0),  # days
    ("f", "2025-02-01 12:00", 6.0, 1.0),  # before 1970 floor as summarize's days do
]


@pytest.mark.parametrize("margin", [True, False])
def test_edge_cases_date_sorted_and_customer_sorted(margin):
    orders = _orders(EDGE, margin=margin)
    by_date = orders.sort_values("order_date", kind="stable", ignore_index=True)
    by_customer = orders.sort_values(["customer_id", "order_date"], kind="stable", ignore_index=True)
    for frame in (by_date, by_customer):
        _check(frame, "2025-12-31")
        _check(frame, "2025-06-01")  # customers b, e not known yet; the backtest date before most orders


def test_date_sorted_pieces_one_after_another():
    # Two date-sorted exports concatenated (dates go back once): still each customer's orders in date order.
    orders = _orders(EDGE).sort_values("order_date", kind="stable", ignore_index=True)
    _check(pd.concat([orders.iloc[6:], orders.iloc[:6]], ignore_index=True)
           .pipe(lambda o: o[~o["customer_id"].isin(["a", "f"])].reset_index(drop=True)), "2025-12-31")
    # the same with a customer's orders across both pieces out of date order: sorted by date
    _check(pd.concat([orders.iloc[6:], orders.iloc[:6]], ignore_index=True), "2025-12-31", in_order=False)


def test_one_customer_and_one_order():
    _check(_orders([("solo", "2025-03-01 09:00", 42.0, 10.0)]), "2025-12-31")
    _check(_orders([("solo", "2025-03-01", 42.0, 10.0), ("solo", "2025-08-01", 8.0, 1.0)]), "2025-12-31")


def test_no_order_known_at_the_backtest_date():
    orders = _orders([("a", "2025-11-01", 5.0, 1.0), ("b", "2025-12-01", 6.0, 2.0)])
    f, past = _features_and_past(orders, pd.Timestamp("2025-12-31"))
    assert past is None
    _assert_same(f, _general(orders, ["2025-12-31"])[0])


def test_orders_out_of_date_order_are_sorted_by_date():
    orders = _orders(EDGE)
    shuffled = orders.sample(frac=1.0, random_state=3).reset_index(drop=True)
    _check(shuffled, "2025-12-31", in_order=False)
    _check(shuffled, "2025-06-01", in_order=False)
    by_customer = shuffled.sort_values("customer_id", kind="stable", ignore_index=True)  # by customer, not by date
    _check(by_customer, "2025-12-31", in_order=False)
    # a review date with a time of day, a date before every order: the general way too (it refuses the latter)
    by_date = orders.sort_values("order_date", kind="stable", ignore_index=True)
    assert features._compute_dates_sorted(by_date, [pd.Timestamp("2025-12-31 12:00")]) is None
    assert features._compute_dates_sorted(by_date, [pd.Timestamp("1960-01-01")]) is None
    with pytest.raises(playbook.DataValidationError):
        features.compute(by_date, "1960-01-01")


def test_shuffled_sums_add_in_the_file_sequence():
    # Compensated sums depend on the order of their terms in the last bit: amounts of mixed sizes, several orders a day
    # at times out of the file's sequence. Windows' sums must add each customer's orders in the file's sequence and
    # summarize's day sums in the file's sequence within a day, not in date order.
    rng = np.random.default_rng(7)
    rows = 6000
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, rows) // 7 * 7, unit="D")
    orders = pd.DataFrame({
        "customer_id": pd.Series([f"C{i:03d}" for i in rng.integers(0, 60, rows)], dtype="str"),
        "order_date": day + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s"),
        "amount": np.round(rng.choice([1e-3, 1.0, 1e7], rows) * rng.random(rows), 6),
        "margin": rng.choice([0.1, 0.7, 3e6], rows) * rng.random(rows)})
    assert _terms_order_matters(orders)
    _check(orders, "2025-06-30", in_order=False)


def _terms_order_matters(orders: pd.DataFrame) -> bool:
    """Whether some customer's compensated sum of amounts differs between the file's sequence and date order."""
    by_file = orders.groupby("customer_id")["amount"].sum()
    by_date = orders.sort_values("order_date", kind="stable").groupby("customer_id")["amount"].sum()
    return bool((by_file != by_date).any())


@pytest.fixture(scope="module")
def synthetic():
    return [generate("retail", n_customers=300, seed=s) for s in range(3)] + [generate("b2b", n_customers=200, seed=5)]


def test_generated_bases_date_sorted_and_customer_sorted(synthetic):
    # Every feature (row tests: discount, late, app, store, product lines) on generated bases, in both orders.
    for base in synthetic:
        orders = base.orders
        by_date = orders.sort_values("order_date", kind="stable", ignore_index=True)
        by_customer = orders.sort_values(["customer_id", "order_date"], kind="stable", ignore_index=True)
        for frame in (by_date, by_customer, by_date.assign(customer_id=by_date["customer_id"].astype("str"))):
            _check(frame, base.as_of)
    # in no order at all: sorted by customer, then by day and date-time (text ids, then categorical ones)
    shuffled = pd.concat([b.orders for b in synthetic[:3]], ignore_index=True)
    shuffled = shuffled.sample(frac=1.0, random_state=0).reset_index(drop=True)
    assert (shuffled["order_date"].diff() < pd.Timedelta(0)).sum() > max(len(shuffled) // 100, 16)
    _check(shuffled.assign(customer_id=shuffled["customer_id"].astype("str")), synthetic[0].as_of, in_order=False)
    _check(shuffled, synthetic[0].as_of, in_order=False)


def test_shipped_datasets_take_the_shortcut(monkeypatch):
    # The shipped exports are in date order: the shortcut runs (the general way is switched off) and gives the same.
    for name in ("retail", "b2b"):
        orders = playbook.load_dataset(name).orders
        ts = playbook.load_dataset(name).as_of
        ref = _general(orders, [ts, _past_date(ts)])
        with monkeypatch.context() as m:
            m.setattr(features, "_compute_dates_general", lambda *a, **k: pytest.fail("took the general way"))
            f, past = _features_and_past(orders, ts)
        _assert_same(f, ref[0])
        _assert_same(past, ref[1])


@pytest.mark.parametrize("seed", range(3))
def test_gap_medians_as_pandas_gives_them(seed):
    """_gap_medians reads each sorted value's customer from the codes sorted (not from the packed values): each
    customer's median gap equals pandas' groupby median, for codes in any order (int32, as the reduction passes them),
    customers without a gap NaN."""
    from playbook.features import _gap_medians

    rng = np.random.default_rng(seed)
    n, k = 50, 400
    codes = rng.integers(0, n - 5, k).astype(np.int32)
    if seed:
        codes.sort()  # the reduction's own case: codes in customer order
    gaps = rng.integers(0, 40, k).astype(np.int32)
    want = pd.Series(gaps.astype(float)).groupby(codes).median().reindex(range(n)).to_numpy()
    got = _gap_medians([codes.copy(), gaps.copy()], n)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_long_reduction_says_how_far_it_is(monkeypatch, shuffled):
    """From PROGRESS_ORDERS orders on, the reduction says its share done at each step (and the time left once it can
    be estimated), ending at 100% after the last date's gaps; the tables are the same as without progress; a small
    file says nothing."""
    from playbook import byod

    orders = playbook.load_dataset("retail").orders
    if shuffled:
        orders = orders.sample(frac=1, random_state=3).reset_index(drop=True)
    ts = orders["order_date"].max().normalize()
    heard: list[str] = []
    want, (want_past,) = features.compute(orders, ts, also=[_past_date(ts)], progress=heard.append)
    assert heard == []
    monkeypatch.setattr(features, "PROGRESS_ORDERS", 1)
    monkeypatch.setattr(byod, "ESTIMATE_AFTER_SECONDS", 0.0)
    got, (past,) = features.compute(orders, ts, also=[_past_date(ts)], progress=heard.append)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(past, want_past, check_exact=True)
    assert len(heard) == len(features._REDUCTION_DONE) + 2  # each step, then each date's gaps
    shares = [int(m.split("(")[1].split("%")[0]) for m in heard]
    assert shares == sorted(shares) and shares[-1] == 100 and heard[-1] == "reducing the orders (100%)"
    assert all(m.startswith("reducing the orders (") and m.endswith(" left)") for m in heard[:-1])
