"""``--engine spark``: Spark SQL computes the same per-customer features and the same action list.

One local Spark session (``local[1]``, UI off) serves the module: starting one costs seconds, so the
tests are few and each checks much. Skipped when pyspark is not installed; ``make test`` makes sure
Java is there (scripts/ensure_java.sh).
"""
import numpy as np
import pandas as pd
import pytest

from playbook import features
from playbook.synth import generate

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402

KIT_COLUMNS = ["customer_id", "order_date", "amount", "margin", "discount", "channel", "product_line"]


@pytest.fixture(scope="module")
def spark():
    session = (SparkSession.builder.master("local[1]").appName("playbook-tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _register(spark, orders: pd.DataFrame, name: str) -> list[str]:
    cols = [c for c in KIT_COLUMNS if c in orders.columns]
    frame = orders[cols].copy()
    for c in ("customer_id", "channel", "product_line"):
        if c in frame:
            frame[c] = frame[c].astype(str)
    spark.createDataFrame(frame).createOrReplaceTempView(name)
    return cols


def _assert_same_features(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours.columns) == list(theirs.columns)
    assert ours.index.equals(theirs.index) and ours.index.name == theirs.index.name == "customer_id"
    assert ours.dtypes.equals(theirs.dtypes)
    for col in ours.columns:
        a, b = ours[col].to_numpy(), theirs[col].to_numpy()
        if a.dtype.kind == "f":
            # Sums add in another order in Spark: equal up to rounding in the last digits.
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=col)
        else:
            assert (pd.isna(a) == pd.isna(b)).all(), col
            assert (a[~pd.isna(a)] == b[~pd.isna(b)]).all(), col


@pytest.mark.parametrize("seed, margin", [(0, True), (1, False)])
def test_compute_spark_equals_compute(spark, seed, margin):
    orders = generate("retail", n_customers=300, seed=seed).orders
    if not margin:
        orders = orders.drop(columns="margin")
    cols = _register(spark, orders, f"orders_{seed}")
    as_of = orders["order_date"].max().normalize()
    for when in (as_of, as_of - pd.Timedelta(days=180)):
        ours = features.compute(orders[cols], when)
        theirs = features.compute_spark(spark, f"orders_{seed}", when, cols)
        _assert_same_features(theirs, ours)
        assert (ours["n_orders"] == 0).any() == (when < as_of)  # the past table has customers not yet arrived
    assert ("margin" in theirs) == margin
