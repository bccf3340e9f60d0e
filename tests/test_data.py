"""CustomerBase, loading and saving datasets, and summarize."""
import pandas as pd
import pytest

import playbook
from playbook import DataValidationError, InvalidArgumentError, MissingTableError, summarize
from playbook.data import write_dataset
from playbook.synth import generate


def _orders(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"], format="ISO8601")
    return df


def test_summarize_btyd_definitions():
    orders = _orders([
        ("a", "2025-01-01 09:00", 10.0), ("a", "2025-01-01 18:00", 5.0),  # same day counts once
        ("a", "2025-01-11", 20.0), ("a", "2025-01-31", 40.0),
        ("b", "2025-01-20", 5.0),
        ("c", "2025-03-01", 7.0),  # after as_of: ignored
    ])
    s = summarize(orders, as_of="2025-02-10")
    assert list(s.index) == ["a", "b"]
    a = s.loc["a"]
    assert (a.frequency, a.recency, a["T"], a.n_orders) == (2, 30, 40, 4)
    assert a.monetary_value == pytest.approx(30.0)
    assert a.revenue == pytest.approx(75.0)
    b = s.loc["b"]
    assert (b.frequency, b.recency, b["T"], b.monetary_value, b.days_since_last) == (0, 0, 21, 0.0, 21)


def test_summarize_weeks_and_months():
    orders = _orders([("a", "2025-01-01", 1.0), ("a", "2025-01-03", 1.0), ("a", "2025-03-15", 1.0)])
    w = summarize(orders, "2025-03-31", freq="W").loc["a"]
    m = summarize(orders, "2025-03-31", freq="M").loc["a"]
    assert (m.frequency, m.recency, m["T"]) == (1, 2, 2)
    # Weeks are 7-day blocks counted from 1970-01-01, so two days apart may be two weeks.
    week = lambda d: (pd.Timestamp(d) - pd.Timestamp("1970-01-01")).days // 7  # noqa: E731
    assert w["T"] == week("2025-03-31") - week("2025-01-01")
    assert w.frequency == len({week("2025-01-01"), week("2025-01-03"), week("2025-03-15")}) - 1


def test_summarize_does_not_mutate_input(retail):
    before = retail.orders.copy()
    summarize(retail.orders, retail.as_of)
    pd.testing.assert_frame_equal(before, retail.orders)


def test_summarize_matches_a_plain_pandas_reduction(retail):
    s = summarize(retail.orders, retail.as_of)
    o = retail.orders
    days = o.assign(day=o.order_date.dt.normalize()).groupby(["customer_id", "day"]).amount.sum().reset_index()
    freq = days.groupby("customer_id").size() - 1
    assert (s.frequency == freq.loc[s.index]).all()
    assert s.revenue.sum() == pytest.approx(o.amount.sum())


def test_summarize_bad_input():
    orders = _orders([("a", "2025-01-01", 1.0)])
    with pytest.raises(DataValidationError, match="Did you mean 'order_date'"):
        summarize(orders, "2025-02-01", date_col="order_dat")
    with pytest.raises(DataValidationError, match="before the first order"):
        summarize(orders, "2024-01-01")
    with pytest.raises(DataValidationError, match="empty"):
        summarize(orders.iloc[:0], "2025-02-01")
    with pytest.raises(InvalidArgumentError, match="'freq'"):
        summarize(orders, "2025-02-01", freq="Q")
    with pytest.raises(InvalidArgumentError, match="'as_of'"):
        summarize(orders, None)
    bad = orders.assign(customer_id=[None])
    with pytest.raises(DataValidationError, match="row 0"):
        summarize(bad, "2025-02-01")
    text = orders.assign(order_date=["2025-01-01"])
    with pytest.raises(DataValidationError, match="pd.to_datetime"):
        summarize(text, "2025-02-01")


def test_load_dataset_and_names():
    assert {"retail", "b2b", "retail_zh"} <= set(playbook.dataset_names())
    with pytest.raises(InvalidArgumentError, match="Available: b2b"):
        playbook.load_dataset("retial")
    base = playbook.load_dataset("b2b", as_of="2023-12-31")
    assert base.orders.order_date.max() < pd.Timestamp("2024-01-01")
    assert base.truth is not None and len(base.truth) == 400


def test_snapshot_reopens_later_closures(b2b):
    c = b2b.complaints.dropna(subset=["closed_at"])
    row = c[(c.closed_at - c.opened_at) > pd.Timedelta(days=2)].iloc[0]
    when = row.opened_at + pd.Timedelta(hours=1)
    snap = b2b.snapshot(when)
    again = snap.complaints.set_index("complaint_id").loc[row.complaint_id]
    assert pd.isna(again.closed_at) and again.resolution == "open"
    assert len(b2b.complaints.set_index("complaint_id").loc[[row.complaint_id]]) == 1  # original untouched


def test_require_names_missing_tables():
    base = playbook.CustomerBase(orders=_orders([("a", "2025-01-01", 1.0)]), name="my export")
    with pytest.raises(MissingTableError, match="complaints.*my export"):
        base.require("complaints", by="complaint analysis")
    assert base.tables == ("orders",)


def test_write_refuses_existing_folder_and_is_atomic(tmp_path, monkeypatch):
    base = generate("b2b", n_customers=20, seed=5)
    out = write_dataset(base, tmp_path / "ds")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InvalidArgumentError, match="not empty"):
        write_dataset(base, out)
    # A crash half-way leaves the old dataset intact and no temporary folder behind.
    import playbook.dataset_io as data  # where write_dataset looks the serialiser up

    calls = {"n": 0}
    real = data.table_to_csv_bytes

    def flaky(t, df):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(t, df)

    monkeypatch.setattr(data, "table_to_csv_bytes", flaky)
    with pytest.raises(OSError):
        write_dataset(generate("b2b", n_customers=20, seed=6), out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    monkeypatch.setattr(data, "table_to_csv_bytes", real)
    write_dataset(generate("b2b", n_customers=20, seed=6), out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} != before


def test_write_refuses_a_file_path(tmp_path):
    f = tmp_path / "file.csv"
    f.write_text("keep me")
    with pytest.raises(InvalidArgumentError, match="is a file"):
        write_dataset(generate("b2b", n_customers=20, seed=5), f)
    assert f.read_text() == "keep me"


def test_timeline_of_a_customer(b2b):
    tl = playbook.timeline(b2b, "A0001")
    assert tl.date.is_monotonic_increasing
    assert {"order", "follow_up", "complaint"} <= set(tl.event)
    assert (tl.event == "order").sum() == (b2b.orders.customer_id == "A0001").sum()
    with pytest.raises(InvalidArgumentError, match="No customer"):
        playbook.timeline(b2b, "nobody")


def test_money_and_dates_are_written_like_python_formats():
    import numpy as np

    from playbook.dataset_io import _format_column

    values = pd.Series([0.0, -0.0, 12.5, -3.07, 1234567.89, np.nan, 0.01, -0.01])
    expected = ["" if pd.isna(v) else f"{v:.2f}" for v in values]
    assert list(_format_column(values, "money")) == expected
    when = pd.Series(pd.to_datetime(["2025-01-02 03:04:05", None]))
    assert list(_format_column(when, "datetime")) == ["2025-01-02 03:04:05", ""]
    assert list(_format_column(when, "date")) == ["2025-01-02", ""]


def test_snapshot_names_a_missing_or_textual_date_column():
    orders = _orders([("a", "2025-01-01", 1.0)])
    refs = pd.DataFrame({"referrer_id": ["a"], "referred_id": ["b"], "converted": [True]})
    base = playbook.CustomerBase(orders=orders, referrals=refs, name="my export")
    with pytest.raises(DataValidationError, match="snapshot needs a column 'referred_at' in `referrals`"):
        base.snapshot("2025-06-30")
    as_text = playbook.CustomerBase(orders=orders, referrals=refs.assign(referred_at=["2025-01-01"]))
    with pytest.raises(DataValidationError, match="'referred_at' of `referrals` must hold date-times"):
        as_text.snapshot("2025-06-30")


def test_a_failed_write_removes_the_parent_folders_it_created(tmp_path, monkeypatch):
    import playbook.dataset_io as data  # where write_dataset looks the serialiser up

    def full(t, df):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data, "table_to_csv_bytes", full)
    with pytest.raises(OSError, match="No space"):
        write_dataset(generate("b2b", n_customers=20, seed=5), tmp_path / "new" / "deep" / "ds")
    assert list(tmp_path.iterdir()) == []


def test_summarize_takes_a_base_and_its_date():
    base = playbook.load_dataset("retail")
    pd.testing.assert_frame_equal(playbook.summarize(base), playbook.summarize(base.orders, base.as_of))
    early = playbook.summarize(base, "2024-06-30")
    assert early["last_order"].max() <= pd.Timestamp("2024-06-30 23:59:59.999999")
    with pytest.raises(InvalidArgumentError, match="'as_of' parameter is required"):
        playbook.summarize(base.orders)
    with pytest.raises(InvalidArgumentError, match="'orders' parameter of summarize"):
        playbook.summarize([1, 2], "2025-01-01")


def test_load_dataset_returns_a_fresh_copy_each_time():
    first = playbook.load_dataset("retail")
    total = float(first.orders["amount"].sum())
    first.orders["amount"] *= 0
    first.meta["touched"] = True
    again = playbook.load_dataset("retail")
    assert float(again.orders["amount"].sum()) == total
    assert "touched" not in again.meta
    assert again.orders is not first.orders


def test_timeline_as_of_shows_only_what_was_known():
    base = playbook.load_dataset("b2b")
    cid = base.orders.customer_id.iloc[0]
    early = playbook.timeline(base, cid, as_of="2024-06-30")
    assert early["date"].max() <= pd.Timestamp("2024-06-30 23:59:59.999999")
    assert len(early) < len(playbook.timeline(base, cid))
