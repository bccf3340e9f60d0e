"""The per-customer feature table (playbook.features) and the scoring that reads it.

Scoring an orders-only base from its feature table must give exactly what the order-level
functions give (the action list, risk, plan, Pareto table, RFM summary and headline figures),
on the shipped datasets reduced to their orders and on generated bases over several seeds;
and the DuckDB engine must compute the same feature table as the numpy one.
"""
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import features, strategy
from playbook.analyze import build_analysis
from playbook.data import CustomerBase
from playbook.synth import generate

SEEDS = range(5)


def _orders_only(base, *, drop=(), as_of=None):
    orders = base.orders.drop(columns=[c for c in drop if c in base.orders.columns])
    return CustomerBase(orders=orders, name=f"{base.name} (orders only)", as_of=pd.Timestamp(as_of) if as_of else base.as_of)


@pytest.fixture(scope="module")
def bases():
    out = {f"{name}": _orders_only(playbook.load_dataset(name)) for name in ("retail", "b2b")}
    # An earlier review date: orders after as_of exist (the Pareto table counts them, the scoring does not).
    out["retail early"] = _orders_only(playbook.load_dataset("retail"), as_of="2025-03-31")
    for s in SEEDS:
        g = generate("retail", n_customers=400, seed=s)
        out[f"generated {s}"] = _orders_only(g, drop=("margin",) if s % 2 else ())
    out["generated classic"] = _orders_only(generate("b2b", n_customers=300, seed=7, process="classic"))
    return out


def _analyses(base, lang="en", monkeypatch=None):
    from test_feature_oracle import order_level_analysis  # the order-level scoring, kept as the reference

    before = order_level_analysis(base, lang=lang)
    after = build_analysis(base, lang=lang)
    return before, after


def _same_frame(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Same index, columns and values: labels and texts exactly, numbers to float rounding (1e-9 relative)."""
    assert a.index.equals(b.index), what
    assert list(a.columns) == list(b.columns), what
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x.dtype):
            np.testing.assert_allclose(x.to_numpy(), y.to_numpy(dtype=float), rtol=1e-9, atol=1e-9, equal_nan=True,
                                       err_msg=f"{what}: {col}")
        else:
            assert x.astype(object).equals(y.astype(object)), f"{what}: {col}"


@pytest.mark.parametrize("name", ["retail", "b2b", "retail early", *[f"generated {s}" for s in SEEDS], "generated classic"])
def test_scoring_from_features_same_as_from_orders(bases, name, monkeypatch):
    before, after = _analyses(bases[name], monkeypatch=monkeypatch)
    # The action list, to the last character of every reason and to the cent of every CLV.
    pd.testing.assert_frame_equal(before.actions, after.actions, check_exact=True)
    assert before.actions.attrs == after.actions.attrs
    _same_frame(before.risk, after.risk, f"{name} risk")
    pd.testing.assert_frame_equal(before.plan, after.plan, check_exact=True)
    _same_frame(before.customers, after.customers, f"{name} Pareto table")
    _same_frame(before.rfm, after.rfm, f"{name} RFM summary")
    assert before.summary == after.summary


def test_scoring_from_features_same_in_chinese(bases, monkeypatch):
    before, after = _analyses(bases["b2b"], lang="zh", monkeypatch=monkeypatch)
    pd.testing.assert_frame_equal(before.actions, after.actions, check_exact=True)
    assert before.risk["reasons"].equals(after.risk["reasons"])


def test_bases_with_more_tables_keep_the_order_level_path(monkeypatch):
    base = playbook.load_dataset("b2b")
    assert not strategy.orders_only(base)
    called = []
    monkeypatch.setattr(strategy, "_action_list_from_features", lambda *a, **k: called.append(1))
    strategy.action_list(base)
    assert not called


def test_feature_table_matches_summarize_and_counts(bases):
    base = bases["retail early"]
    f = features.compute(base.orders, base.as_of)
    s = playbook.summarize(base.orders, base.as_of)
    known = f.loc[f["n_orders"] > 0]
    assert known.index.equals(s.index)
    for col in s.columns:
        assert known[col].equals(s[col].astype(known[col].dtype)), col
    # Customers whose first order is after as_of are in the table (the Pareto table counts them) with no known order.
    assert (f["n_orders_all"] >= f["n_orders"]).all() and (f["n_orders"] == 0).any()
    assert int(f["n_orders_all"].sum()) == len(base.orders)
    assert (known["order_days"] == known["frequency"] + 1).all()


def _duckdb():
    return pytest.importorskip("duckdb")


def _edge_orders():
    """Same-day orders, equal time stamps, a refund, a customer seen only after as_of, late-evening orders."""
    rows = [
        ("a", "2025-01-01 09:00", 10.0), ("a", "2025-01-01 21:30", 5.0), ("a", "2025-03-01 10:00", 7.5),
        ("a", "2025-03-01 10:00", -2.5), ("a", "2025-06-30 23:59", 1.0),
        ("b", "2024-11-05 12:00", 100.0),
        ("c", "2025-02-10 08:00", 3.0), ("c", "2025-05-10 08:00", 4.0), ("c", "2025-06-01 08:00", 5.0),
        ("c", "2025-06-29 20:00", 6.0),
        ("d", "2025-07-05 10:00", 9.0),
    ]
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["margin"] = o["amount"] * 0.3
    o["channel"] = ["store", "web", "app", "app", "store", "direct_sales", "web", None, "app", "store", "web"]
    o["discount"] = [0, 0.1, 0, 0, 0.2, 0, 0, 0, 0.05, 0, 0]
    return o


def _compare(f: pd.DataFrame, g: pd.DataFrame) -> None:
    assert f.index.equals(g.index)
    assert list(f.columns) == list(g.columns)
    for col in f.columns:
        a, b = f[col].to_numpy(), g[col].to_numpy()
        if a.dtype.kind == "M":
            assert ((a == b) | (pd.isna(a) & pd.isna(b))).all(), col
        elif a.dtype.kind in "iu":
            assert np.array_equal(a, b), col
        else:
            np.testing.assert_allclose(a, b.astype(float), rtol=1e-9, atol=1e-6, equal_nan=True, err_msg=col)


@pytest.mark.parametrize("which", ["retail", "b2b", "edge", "generated 1"])
def test_duckdb_computes_the_same_feature_table(bases, which):
    duckdb = _duckdb()
    if which == "edge":
        orders, as_of = _edge_orders(), pd.Timestamp("2025-06-30")
    else:
        orders, as_of = bases[which].orders, bases[which].as_of
    con = duckdb.connect()
    con.register("orders", orders)
    _compare(features.compute(orders, as_of), features.compute_duckdb(con, "orders", as_of, list(orders.columns)))


@pytest.mark.parametrize("which", ["retail", "b2b", "edge", "generated 1"])
def test_one_duckdb_pass_computes_each_dates_table(bases, which):
    """read_duckdb's one query for the review and the backtest date: each date's table is compute's at that date,
    including a date before some customers' first order and a date before every order of some days' gaps."""
    duckdb = _duckdb()
    if which == "edge":
        orders, dates = _edge_orders(), [pd.Timestamp("2025-06-30"), pd.Timestamp("2025-03-01"), pd.Timestamp("2025-01-01")]
    else:
        orders, as_of = bases[which].orders, bases[which].as_of
        dates = [as_of, as_of - pd.Timedelta(days=180), as_of - pd.Timedelta(days=400)]
    con = duckdb.connect()
    con.register("orders", orders)
    tables = features._compute_duckdb_dates(con, "orders", dates, list(orders.columns))
    assert len(tables) == len(dates)
    for when, table in zip(dates, tables):
        _compare(features.compute(orders, when), table)


def test_edge_features_by_hand():
    f = features.compute(_edge_orders(), pd.Timestamp("2025-06-30"))
    a = f.loc["a"]
    assert (a["n_orders"], a["order_days"], a["n_late"], a["n_app"], a["n_discounted"]) == (5, 3, 2, 2, 2)
    assert a["own_gap_days_raw"] == (59 + 121) / 2 and a["revenue"] == 21.0
    assert f.loc["d", "n_orders"] == 0 and f.loc["d", "n_orders_all"] == 1
    assert f.loc["c", "costly_365"] == 1 and f.loc["b", "costly_365"] == 1 and f.loc["c", "n_365"] == 4


def test_render_sql_is_standard_for_spark():
    sql = features.render_sql("2025-12-31", ["customer_id", "order_date", "amount", "channel"], dialect="spark")
    assert '"T"' not in sql  # Spark reads double quotes as text
    assert "fsum" not in sql and "datediff(" in sql and "FILTER (WHERE" in sql and "`T`" in sql and "STRING" in sql
    with pytest.raises(playbook.InvalidArgumentError):
        features.render_sql("2025-12-31", ["customer_id"], dialect="oracle")


@pytest.mark.parametrize("which", ["retail", "b2b", "generated 0", "generated 1", "generated 2", "edge"])
def test_one_pandas_pass_computes_each_dates_table(bases, which):
    """compute(..., also=...) sorts the orders once and reduces every date from the same arrays: each table is
    compute's at that date alone, bit for bit, in either order of the dates, including a date before some customers' first order
    (they keep their row, with no order known then)."""
    from pandas.testing import assert_frame_equal

    if which == "edge":
        orders, as_of = _edge_orders(), pd.Timestamp("2025-06-30")
    else:
        orders, as_of = bases[which].orders, bases[which].as_of
    first = orders.groupby("customer_id", observed=True)["order_date"].min()
    earlier = first.sort_values().iloc[len(first) // 2].normalize() - pd.Timedelta(days=1)  # before half the firsts
    dates = [as_of, earlier]
    alone = [features.compute(orders, d) for d in dates]
    assert (alone[1]["n_orders"] == 0).any() and (alone[1]["n_orders"] > 0).any()  # the earlier date splits the base
    for order in (dates, dates[::-1]):
        head, rest = features.compute(orders, order[0], also=order[1:])
        tables = [head, *rest]
        assert len(tables) == 2
        for when, table in zip(order, tables):
            assert_frame_equal(table, alone[dates.index(when)], check_exact=True)
    f, past = strategy._features_and_past(orders, as_of)  # what analyze and action_list use
    assert_frame_equal(f, alone[0], check_exact=True)
    expected_past = strategy._past_features(orders, as_of)
    assert (past is None) == (expected_past is None)
    if past is not None:
        assert_frame_equal(past, expected_past, check_exact=True)
