"""``--engine spark``: Spark SQL computes the same per-customer features and the same action list.

One local Spark session (``local[1]``, UI off) serves the module: starting one costs seconds, so the
tests are few and each checks much. Skipped when pyspark is not installed; ``make test`` makes sure
Java is there (scripts/ensure_java.sh).
"""
import json
import sys

import numpy as np
import pandas as pd
import pytest

from playbook import features
from playbook.analyze import analyze
from playbook.cli import main
from playbook.errors import DataValidationError
from playbook.synth import generate

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402

# PySpark 3.5 calls pandas functions that pandas deprecates: its warnings, not ours.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
              pytest.mark.filterwarnings("ignore::FutureWarning:pyspark")]

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
    # read_spark's one query for both dates gives the same two tables
    both = features._compute_spark_dates(spark, f"orders_{seed}", [as_of, as_of - pd.Timedelta(days=180)], cols)
    for when, theirs in zip((as_of, as_of - pd.Timedelta(days=180)), both):
        _assert_same_features(theirs, features.compute(orders[cols], when))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One generated base's orders as CSV and as Parquet split in two files (read through a glob)."""
    folder = tmp_path_factory.mktemp("spark")
    orders = generate("retail", n_customers=300, seed=2).orders
    csv = folder / "orders.csv"
    orders.to_csv(csv, index=False)
    parts = folder / "parts"
    parts.mkdir()
    cut = orders["order_date"] < "2025-01-01"
    orders[cut].to_parquet(parts / "orders_1.parquet", index=False)
    orders[~cut].to_parquet(parts / "orders_2.parquet", index=False)
    return {"csv": csv, "parquet": str(parts / "orders_*.parquet")}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_spark_engine_gives_the_same_action_list(spark, files, tmp_path, kind):
    from test_engines import _same_actions

    ansi = spark.conf.get("spark.sql.ansi.enabled")  # "false" on Spark 3.5, "true" on Spark 4
    ours = analyze(files["csv"], out=tmp_path / "pandas")
    theirs = analyze(files[kind], out=tmp_path / "spark", engine="spark")
    _same_actions(pd.read_parquet(ours / "action_list.parquet"), pd.read_parquet(theirs / "action_list.parquet"))
    a, b = (json.loads((p / "summary.json").read_text()) for p in (ours, theirs))
    assert b["engine"] == {"name": "spark", "version": spark.version}
    for key in ("customers", "orders", "first_order", "last_order", "as_of", "has_margin", "tiers", "strategies", "follow_up",
                "rfm_segments", "clv"):
        assert a[key] == b[key], key
    assert a["revenue"] == pytest.approx(b["revenue"], abs=0.011)
    assert any("Spark engine" in n for n in b["notes"])
    assert spark.conf.get("spark.sql.ansi.enabled") == ansi and not [
        t for t in spark.catalog.listTables() if t.name.startswith("playbook_")]  # the session is left as it was


GOOD = "customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,20\na,2025-03-04,5\n"


@pytest.mark.parametrize("text, as_of, expected", [
    ("customer_id,order_date,amount\na,2025-01-02,10\n ,2025-02-03,20\n", None, r"no customer in 1 row\(s\)"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,someday,20\n", None,
     r"1 date\(s\) cannot be read, e.g. 'someday' \(Spark does not know line numbers"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,inf\n", None, r"1 of the amounts are infinite.*'inf'"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,12 EUR\n", None, r"amounts must be numbers.*'12 EUR'"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,-1\n", None, r"1 negative amount\(s\).*--refunds keep"),
    (GOOD, "2025-03-01", r"1 order\(s\) after as_of=2025-03-01, e.g. '2025-03-04'"),
])
def test_bad_data_is_refused_in_spark(spark, tmp_path, text, as_of, expected):
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match=expected):
        analyze(path, out=tmp_path / "out", engine="spark", as_of=as_of)
    assert not (tmp_path / "out").exists()


def test_cli_engine_spark_and_a_missing_pyspark(spark, tmp_path, capsys, monkeypatch):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["analyze", str(good), "--out", str(tmp_path / "ok"), "--engine", "spark", "--quiet"]) == 0
    assert json.loads((tmp_path / "ok" / "summary.json").read_text())["engine"]["name"] == "spark"
    monkeypatch.setitem(sys.modules, "pyspark", None)
    assert main(["analyze", str(good), "--out", str(tmp_path / "no"), "--engine", "spark"]) == 2
    err = capsys.readouterr().err
    assert "pip install pyspark" in err and "Java 17" in err and not (tmp_path / "no").exists()


def test_options_spark_does_not_read_are_refused(spark, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["analyze", str(good), "--out", str(tmp_path / "a"), "--engine", "spark", "--dayfirst"]) == 2
    assert "not supported by engine='spark'" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "none_*.csv"), "--out", str(tmp_path / "b"), "--engine", "spark"]) == 2
    assert "No file matches" in capsys.readouterr().err
    xlsx = tmp_path / "orders.xlsx"
    xlsx.write_text("not really excel")
    assert main(["analyze", str(xlsx), "--out", str(tmp_path / "c"), "--engine", "spark"]) == 2
    assert "engine='spark' reads CSV and Parquet files" in capsys.readouterr().err
    assert not any((tmp_path / x).exists() for x in "abc")


@pytest.mark.parametrize("raw, options", [
    # BOM, semicolons (Spark does not detect the separator: the header line tells), Windows line ends.
    (b"\xef\xbb\xbfcustomer_id;order_date;amount\r\na;2025-01-02;10\r\nb;2025-02-03;20\r\na;2025-03-04;5.5\r\n", {}),
    # Times with and without an offset: converted to UTC as the default engine does.
    (b"customer_id,order_date,amount\na,2025-01-02T10:00:00+02:00,10\nb,2025-02-03 23:30:00,20\nb,2025-02-04T01:00:00Z,20\n", {}),
    # Ids with surrounding spaces, a tab, a non-breaking and an ideographic space: one customer each.
    ("customer_id,order_date,amount\n a,2025-01-02,10\n\"a\t\",2025-02-03,20\n\u00a0a\u3000,2025-03-04,5\nb,2025-03-05,1\n".encode(), {}),
    # --date-format (strftime codes, as for the other engines) and decimal commas.
    (b"customer_id;order_date;amount\na;02.01.2025;10,5\nb;03.02.2025;1.234,25\na;04.03.2025;5\n",
     {"date_format": "%d.%m.%Y", "decimal": ","}),
])
def test_readable_variants_give_the_default_engines_features(spark, tmp_path, raw, options):
    from playbook.byod import from_orders

    path = tmp_path / "orders.csv"
    path.write_bytes(raw)
    base = from_orders(path, **options)
    read = features.read_spark(path, **options)
    assert read.as_of == base.as_of and read.engine == f"spark {spark.version}"
    ours = features.compute(base.orders, base.as_of)
    assert list(read.table.index) == list(ours.index)
    for col in ("n_orders", "revenue", "first_order", "last_order", "order_days", "days_since_last"):
        assert (read.table[col].to_numpy() == ours[col].to_numpy()).all(), col


def test_refunds_options_work_on_spark(spark, tmp_path):
    from test_engines import _same_actions

    orders = generate("retail", n_customers=200, seed=4).orders
    orders.loc[orders.index[:5], "amount"] *= -1
    path = tmp_path / "refunds.csv"
    orders.to_csv(path, index=False)
    for how in ("keep", "drop"):
        ours = analyze(path, out=tmp_path / f"p_{how}", refunds=how)
        theirs = analyze(path, out=tmp_path / f"s_{how}", refunds=how, engine="spark")
        _same_actions(pd.read_parquet(ours / "action_list.parquet"), pd.read_parquet(theirs / "action_list.parquet"))
        a, b = (json.loads((p / "summary.json").read_text()) for p in (ours, theirs))
        assert a["orders"] == b["orders"] and a["revenue"] == pytest.approx(b["revenue"], abs=0.011)


# ----------------------------------------------------------------------------- globs, integer dates, remote addresses

def test_glob_files_with_other_columns_are_refused_in_spark(spark, tmp_path):
    base = pd.DataFrame({"customer_id": ["a", "b"], "order_date": pd.to_datetime(["2025-01-02", "2025-02-03"]),
                         "amount": [10.0, 20.0]})
    base.to_parquet(tmp_path / "part_1.parquet", index=False)
    base.assign(margin=[1.0, 2.0]).to_parquet(tmp_path / "part_2.parquet", index=False)
    # Spark alone would read part_2's margin as nothing (the first file's columns serve for all): refused instead.
    with pytest.raises(DataValidationError, match=r"part_2.parquet does not have the columns of part_1.parquet: it has "
                                                  r"'margin' in addition\. Files read together must have the same columns"):
        features.read_spark(str(tmp_path / "part_*.parquet"), spark=spark)
    (tmp_path / "part_2.parquet").unlink()
    base.assign(amount=["10", "20"]).to_parquet(tmp_path / "part_2.parquet", index=False)
    with pytest.raises(DataValidationError, match="part_2.parquet .* same columns in another order or with other types"):
        features.read_spark(str(tmp_path / "part_*.parquet"), spark=spark)
    # CSV: a file without the amount column would be read shifted.
    (tmp_path / "p_1.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "p_2.csv").write_text("customer_id,order_date\nc,2025-04-01\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="p_2.csv does not have the columns of p_1.csv: it lacks 'amount'"):
        features.read_spark(str(tmp_path / "p_*.csv"), spark=spark)
    # The same glob in DuckDB: the same message.
    with pytest.raises(DataValidationError, match="p_2.csv does not have the columns of p_1.csv: it lacks 'amount'"):
        features.read_duckdb(str(tmp_path / "p_*.csv"))


def _int_dates(tmp_path, name: str, dates) -> "object":
    path = tmp_path / name
    pd.DataFrame({"customer_id": ["a", "b", "a"], "order_date": dates, "amount": [10.0, 20.0, 5.0]}).to_parquet(path, index=False)
    return path


def test_parquet_integer_dates_are_not_taken_for_nanoseconds(spark, tmp_path):
    from playbook.byod import from_orders

    stamps = pd.to_datetime(["2025-01-02 10:00", "2025-02-03 23:30", "2025-03-04 08:15"])
    # A nanosecond timestamp column (what pandas writes from datetime64[ns]): Spark reads it as a whole number since 1970,
    # and the kit reads it as the time it is, as pandas and DuckDB do.
    ns = _int_dates(tmp_path, "ns.parquet", stamps.astype("datetime64[ns]"))
    # The same dates as plain integers (an ERP's 20250102): not nanoseconds (that would be 1970-01-01 00:00:00.02).
    compact = _int_dates(tmp_path, "compact.parquet", np.array([20250102, 20250203, 20250304], dtype=np.int64))
    assert features._parquet_nanos(spark, [ns], "ns.parquet", "order_date")
    assert not features._parquet_nanos(spark, [compact], "compact.parquet", "order_date")
    # The remote way of asking (through Spark, for a file this process cannot open) says the same.
    assert features._spark_says_nanos(spark, ns.as_uri(), "order_date")
    assert not features._spark_says_nanos(spark, compact.as_uri(), "order_date")
    assert spark.conf.get("spark.sql.legacy.parquet.nanosAsLong", None) in (None, "false")

    base = from_orders(ns)
    ours = features.compute(base.orders, base.as_of)
    for read in (features.read_spark(ns, spark=spark), features.read_duckdb(ns)):
        assert read.as_of == base.as_of
        for col in ("n_orders", "revenue", "first_order", "last_order", "order_days", "gap_mean"):
            np.testing.assert_array_equal(read.table[col].to_numpy(), ours[col].to_numpy(), err_msg=f"{read.engine} {col}")
    # Plain integers: refused as DuckDB refuses them (pandas reads compact dates itself), naming --date-format ...
    for reader in (lambda **kw: features.read_spark(compact, spark=spark, **kw), lambda **kw: features.read_duckdb(compact, **kw)):
        with pytest.raises(DataValidationError, match=r"column 'order_date': 3 date\(s\) cannot be read.*--date-format"):
            reader()
        # ... and read with it: the same dates as the pandas engine finds.
        read = reader(date_format="%Y%m%d")
        base = from_orders(compact)
        assert read.as_of == base.as_of
        assert list(read.table["first_order"]) == list(features.compute(base.orders, base.as_of)["first_order"])
    # Epoch seconds in a plain integer column are not dates in any engine.
    epoch = _int_dates(tmp_path, "epoch.parquet", (stamps.astype("int64") // 10**6).astype(np.int64))
    with pytest.raises(DataValidationError, match="cannot be read"):
        features.read_spark(epoch, spark=spark)


def test_a_glob_mixing_timestamps_and_integers_is_refused(spark, tmp_path):
    _int_dates(tmp_path, "o_1.parquet", pd.to_datetime(["2025-01-02", "2025-02-03", "2025-03-04"]).astype("datetime64[ns]"))
    _int_dates(tmp_path, "o_2.parquet", np.array([20250102, 20250203, 20250304], dtype=np.int64))
    with pytest.raises(DataValidationError, match=r"o_1.parquet stores the dates as timestamps, o_2.parquet as whole numbers"):
        features.read_spark(str(tmp_path / "o_*.parquet"), spark=spark)


def test_a_remote_address_reaches_spark_as_it_is(spark, tmp_path):
    # No S3 connector in the test session: Spark itself says it cannot read the address; a clean refusal, no traceback,
    # and nothing was looked up on this machine's disk.
    with pytest.raises(DataValidationError, match=r"s3a://no-such-bucket/orders/\*.parquet cannot be read as PARQUET: "):
        features.read_spark("s3a://no-such-bucket/orders/*.parquet", spark=spark)
