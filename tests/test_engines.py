"""``analyze --engine duckdb``: the same action list as the default engine, and clear refusals.

DuckDB reads the CSV or Parquet file(s) itself (a glob too), checks them in SQL and reduces
them to one row per customer; pandas then scores that table. Both engines must give the same
action list on the same file; bad input is refused with the kit's exit codes (2 arguments,
3 data) and a message naming the file, the column and the lines, leaving no output folder.
"""
import json
import re
import sys

import numpy as np
import pandas as pd
import pytest

from playbook import features
from playbook.analyze import analyze
from playbook.cli import main
from playbook.errors import DataValidationError, InvalidArgumentError
from playbook.synth import generate

duckdb = pytest.importorskip("duckdb")

SEEDS = range(3)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Orders of generated bases as CSV and Parquet (one with refunds, one without a margin column)."""
    folder = tmp_path_factory.mktemp("engines")
    out = {}
    for s in SEEDS:
        orders = generate("retail", n_customers=300, seed=s).orders
        if s == 1:
            orders = orders.drop(columns="margin")
        out[f"csv {s}"] = folder / f"orders_{s}.csv"
        orders.to_csv(out[f"csv {s}"], index=False)
        out[f"parquet {s}"] = folder / f"orders_{s}.parquet"
        orders.to_parquet(out[f"parquet {s}"], index=False)
    return out


def _numbers_apart(a: str, b: str) -> bool:
    """The same text except numbers that differ by at most 1 in their last shown digit (a sum on a .5 boundary)."""
    num = r"-?[\d,]+(?:\.\d+)?"
    if re.sub(num, "#", a) != re.sub(num, "#", b):
        return False
    for x, y in zip(re.findall(num, a), re.findall(num, b)):
        x, y = x.replace(",", ""), y.replace(",", "")
        step = 10.0 ** -len(x.split(".")[1]) if "." in x else 1.0
        if abs(float(x) - float(y)) > step * 1.001:
            return False
    return True


def _same_actions(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b) and list(a.columns) == list(b.columns)
    a, b = a.sort_values("customer_id").reset_index(drop=True), b.sort_values("customer_id").reset_index(drop=True)
    for col in ("customer_id", "tier", "stage", "type", "strategy", "next_contact"):
        assert a[col].astype(str).equals(b[col].astype(str)), col
    np.testing.assert_allclose(a["risk"], b["risk"], atol=0.05 + 1e-9)  # rounded to 0.1 from the same inputs
    np.testing.assert_allclose(a["clv"], b["clv"], rtol=1e-6, atol=0.011)
    differ = a["reason"] != b["reason"]
    assert differ.mean() <= 0.01
    assert all(_numbers_apart(x, y) for x, y in zip(a.loc[differ, "reason"], b.loc[differ, "reason"]))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("seed", SEEDS)
def test_duckdb_engine_gives_the_same_action_list(files, tmp_path, kind, seed):
    path = files[f"{kind} {seed}"]
    ours = analyze(path, out=tmp_path / "pandas")
    theirs = analyze(path, out=tmp_path / "duckdb", engine="duckdb")
    _same_actions(pd.read_parquet(ours / "action_list.parquet"), pd.read_parquet(theirs / "action_list.parquet"))
    a, b = (json.loads((p / "summary.json").read_text()) for p in (ours, theirs))
    assert (a["engine"]["name"], b["engine"]["name"]) == ("pandas", "duckdb")
    for key in ("customers", "orders", "first_order", "last_order", "as_of", "has_margin", "tiers", "strategies", "follow_up",
                "rfm_segments", "clv"):
        assert a[key] == b[key], key
    assert a["revenue"] == pytest.approx(b["revenue"], abs=0.011)
    assert any("DuckDB engine" in n for n in b["notes"])


def test_a_glob_reads_several_files_as_one(files, tmp_path):
    orders = pd.read_parquet(files["parquet 0"])
    folder = tmp_path / "parts"
    folder.mkdir()
    cut = orders["order_date"] < "2025-01-01"
    orders[cut].to_parquet(folder / "orders_2024.parquet", index=False)
    orders[~cut].to_parquet(folder / "orders_2025.parquet", index=False)
    whole = analyze(files["parquet 0"], out=tmp_path / "whole", engine="duckdb")
    parts = analyze(str(folder / "orders_*.parquet"), out=tmp_path / "parts_out", engine="duckdb")
    _same_actions(pd.read_parquet(whole / "action_list.parquet"), pd.read_parquet(parts / "action_list.parquet"))
    summary = json.loads((parts / "summary.json").read_text())
    assert [f["name"] for f in summary["input"]["files"]] == ["orders_2024.parquet", "orders_2025.parquet"]


def test_refunds_options_work_on_duckdb(tmp_path):
    orders = generate("retail", n_customers=200, seed=4).orders
    orders.loc[orders.index[:5], "amount"] *= -1
    path = tmp_path / "refunds.csv"
    orders.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match=r"5 negative amount\(s\).*line 2 .*--refunds keep"):
        analyze(path, out=tmp_path / "x", engine="duckdb")
    assert not (tmp_path / "x").exists()
    for how in ("keep", "drop"):
        ours = analyze(path, out=tmp_path / f"p_{how}", refunds=how)
        theirs = analyze(path, out=tmp_path / f"d_{how}", refunds=how, engine="duckdb")
        _same_actions(pd.read_parquet(ours / "action_list.parquet"), pd.read_parquet(theirs / "action_list.parquet"))


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = "customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,20\na,2025-03-04,5\n"


@pytest.mark.parametrize("text, expected", [
    ("customer_id,order_date,amount\na,2025-01-02,10\n ,2025-02-03,20\n", r"no customer in 1 line\(s\), e.g. line 3"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,someday,20\n", r"1 date\(s\) cannot be read, e.g. line 3 \('someday'\).*--date-format"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,inf\n", r"infinite or larger.*line 3 \('inf'\)"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,12 EUR\n", r"amounts must be numbers.*line 3 \('12 EUR'\)"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,2025-02-03,\n", r"amounts missing.*line 3"),
    ("customer_id,order_date,amount\na,2025-01-02,10\nb,9999-02-03,1\n", r"outside 1900-2200, e.g. line 3"),
    ("customer_id,order_date,amount\n", r"header but no orders"),
    ("kunde,order_date,amount\na,2025-01-02,10\n", r"no column 'customer_id' for customer_id.*--map customer_id="),
])
def test_bad_data_is_refused_in_sql(tmp_path, text, expected):
    path = _write(tmp_path, "orders.csv", text)
    with pytest.raises(DataValidationError, match=expected):
        analyze(path, out=tmp_path / "out", engine="duckdb")
    assert not (tmp_path / "out").exists()


def test_orders_after_as_of_are_refused(tmp_path):
    path = _write(tmp_path, "orders.csv", GOOD)
    with pytest.raises(DataValidationError, match=r"1 order\(s\) after as_of=2025-03-01, e.g. line 4"):
        analyze(path, out=tmp_path / "out", engine="duckdb", as_of="2025-03-01")


def test_cli_engine_and_exit_codes(tmp_path, capsys, monkeypatch):
    good = _write(tmp_path, "good.csv", GOOD)
    assert main(["analyze", str(good), "--out", str(tmp_path / "ok"), "--engine", "duckdb", "--quiet"]) == 0
    assert json.loads((tmp_path / "ok" / "summary.json").read_text())["engine"]["name"] == "duckdb"
    # A glob that matches no file: an argument error (2), like a missing file.
    assert main(["analyze", str(tmp_path / "nothing_*.csv"), "--out", str(tmp_path / "a"), "--engine", "duckdb"]) == 2
    assert "No file matches" in capsys.readouterr().err
    # Files of one glob with different columns: a data error (3) naming the odd file and the column.
    _write(tmp_path, "part_1.csv", GOOD)
    _write(tmp_path, "part_2.csv", "customer_id,order_date,amount,margin\na,2025-04-01,1,0.5\n")
    assert main(["analyze", str(tmp_path / "part_*.csv"), "--out", str(tmp_path / "b"), "--engine", "duckdb"]) == 3
    err = capsys.readouterr().err
    assert "part_2.csv does not have the columns of part_1.csv" in err and "'margin'" in err
    # Bad data: exit 3, no output folder.
    bad = _write(tmp_path, "bad.csv", "customer_id,order_date,amount\na,2025-01-02,-10\n")
    assert main(["analyze", str(bad), "--out", str(tmp_path / "c"), "--engine", "duckdb"]) == 3
    assert "--refunds keep" in capsys.readouterr().err and not (tmp_path / "c").exists()
    # Options DuckDB does not read: an argument error naming the default engine.
    assert main(["analyze", str(good), "--out", str(tmp_path / "d"), "--engine", "duckdb", "--dayfirst"]) == 2
    assert "--engine pandas" in capsys.readouterr().err
    # DuckDB not installed: the message says what to install.
    monkeypatch.setitem(sys.modules, "duckdb", None)
    assert main(["analyze", str(good), "--out", str(tmp_path / "e"), "--engine", "duckdb"]) == 2
    assert "pip install duckdb" in capsys.readouterr().err
    assert not any((tmp_path / x).exists() for x in "abcde")


def test_excel_and_frames_are_for_the_default_engine(tmp_path, files):
    with pytest.raises(InvalidArgumentError, match="reads files"):
        features.resolve_files(pd.DataFrame({"a": [1]}))
    xlsx = _write(tmp_path, "orders.xlsx", "not really excel")
    with pytest.raises(InvalidArgumentError, match="reads CSV and Parquet files; orders.xlsx"):
        features.resolve_files(xlsx)


@pytest.mark.parametrize("raw", [
    # BOM, semicolons, Windows line ends.
    b"\xef\xbb\xbfcustomer_id;order_date;amount\r\na;2025-01-02;10\r\nb;2025-02-03;20\r\na;2025-03-04;5.5\r\n",
    # Times with and without an offset: converted to UTC as the default engine does.
    b"customer_id,order_date,amount\na,2025-01-02T10:00:00+02:00,10\nb,2025-02-03 23:30:00,20\nb,2025-02-04T01:00:00Z,20\n",
    # Ids with surrounding spaces, a tab and a non-breaking space: one customer each, as from_orders trims them.
    "customer_id,order_date,amount\n a,2025-01-02,10\n\"a\t\",2025-02-03,20\n\u00a0a\u3000,2025-03-04,5\nb,2025-03-05,1\n".encode(),
])
def test_readable_variants_give_the_default_engines_features(tmp_path, raw):
    from playbook.byod import from_orders

    path = tmp_path / "orders.csv"
    path.write_bytes(raw)
    base = from_orders(path)
    read = features.read_duckdb(path)
    assert read.as_of == base.as_of
    ours = features.compute(base.orders, base.as_of)
    assert list(read.table.index) == list(ours.index)
    for col in ("n_orders", "revenue", "first_order", "last_order", "order_days", "days_since_last"):
        assert (read.table[col].to_numpy() == ours[col].to_numpy()).all(), col


def test_date_format_and_decimal_comma_options(tmp_path):
    from playbook.byod import from_orders

    path = tmp_path / "orders.csv"
    path.write_text("customer_id;order_date;amount\na;02.01.2025;10,5\nb;03.02.2025;1.234,25\na;04.03.2025;5\n", encoding="utf-8")
    base = from_orders(path, date_format="%d.%m.%Y", decimal=",")
    read = features.read_duckdb(path, date_format="%d.%m.%Y", decimal=",")
    ours = features.compute(base.orders, base.as_of)
    assert read.as_of == base.as_of
    for col in ("n_orders", "revenue", "first_order", "last_order"):
        assert (read.table[col].to_numpy() == ours[col].to_numpy()).all(), col
    assert read.table.loc["b", "revenue"] == 1234.25


def test_missing_margin_or_discount_is_refused(tmp_path):
    path = _write(tmp_path, "orders.csv", "customer_id,order_date,amount,margin,discount\na,2025-01-02,10,3,0\nb,2025-02-03,20,,0\n")
    with pytest.raises(DataValidationError, match=r"column 'margin': 1 margin value\(s\) missing.*line 3"):
        analyze(path, out=tmp_path / "out", engine="duckdb")
    path = _write(tmp_path, "orders2.csv", "customer_id,order_date,amount,discount\na,2025-01-02,10,x\n")
    with pytest.raises(DataValidationError, match=r"column 'discount': 1 discount value\(s\).*line 2 \('x'\)"):
        analyze(path, out=tmp_path / "out", engine="duckdb")


# ----------------------------------------------------------------------------- memory limit and the spill folder

def test_memory_limit_is_read_checked_and_given_to_duckdb(tmp_path, monkeypatch):
    assert features.check_memory_limit("8GB") == "8GB" and features.check_memory_limit(" 1.5 gib ") == "1.5GiB"
    assert features.check_memory_limit(2**30) == "1073741824B"
    assert features.check_memory_limit(None) == features.default_memory_limit()
    assert features.default_memory_limit().endswith("GiB") and float(features.default_memory_limit()[:-3]) > 0
    for bad in ("lots", "8 parsecs", "-1GB", "1KB", 0, True, "8GB; DROP TABLE x"):
        with pytest.raises(InvalidArgumentError, match="--memory-limit"):
            features.check_memory_limit(bad)
    seen = []
    connect = duckdb.connect

    def spy(*args, **kwargs):
        con = connect(*args, **kwargs)
        seen.append((kwargs.get("config", {}), con.execute("SELECT current_setting('memory_limit'), "
                                                            "current_setting('temp_directory')").fetchone()))
        return con

    monkeypatch.setattr(duckdb, "connect", spy)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    path = _write(tmp_path, "good.csv", GOOD)
    read = features.read_duckdb(path, memory_limit="64MB")
    assert read.totals["orders"] == GOOD.count("\n") - 1
    (config, (limit, temp)), = seen
    assert config["memory_limit"] == "64MB" and limit.replace(" ", "") in ("61.0MiB", "64.0MB", "61MiB")
    assert temp.startswith(str(tmp_path / "playbook_duckdb_"))
    assert not list(tmp_path.glob("playbook_duckdb_*")), "the spill folder is removed after the read"
    # Your own connection is yours to configure.
    with pytest.raises(InvalidArgumentError, match="set it on yours"):
        features.read_duckdb(path, memory_limit="1GB", con=connect())


def _killed_run_folder(root, *, marker: bool = True):
    """A spill folder made by a process that was then killed with SIGKILL (it never cleaned up)."""
    import signal
    import subprocess
    from pathlib import Path

    code = ("import sys, time; from playbook.features import _make_spill_folder; "
            "p = _make_spill_folder(sys.argv[1]); (p / 'duckdb_temp_block-1.block').write_bytes(b'x' * 100); "
            "print(p, flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, text=True)
    folder = Path(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    if not marker:
        (folder / features.SPILL_MARKER).unlink()
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and pid checks are POSIX")
def test_a_killed_runs_spill_folder_is_cleaned_by_the_next_run(tmp_path, monkeypatch):
    import os

    stale = _killed_run_folder(tmp_path)
    assert (stale / features.SPILL_MARKER).is_file()
    # What the kit cannot prove it made, or whose run is alive, is left alone.
    unmarked = _killed_run_folder(tmp_path, marker=False)
    alive = features._make_spill_folder(tmp_path)  # this process: still running
    foreign = tmp_path / "playbook_duckdb_users_own"
    foreign.mkdir()
    (foreign / features.SPILL_MARKER).write_text('{"made_by": "someone else", "pid": 999999999}')
    forged = tmp_path / "playbook_duckdb_forged"
    forged.mkdir()
    (forged / features.SPILL_MARKER).write_text("not json")
    target = tmp_path / "keep"
    target.mkdir()
    (target / "thesis.docx").write_text("x")
    (target / features.SPILL_MARKER).write_text(json.dumps({"made_by": "retention-playbook", "pid": 999999999}))
    link = tmp_path / "playbook_duckdb_link"
    os.symlink(target, link)
    assert features.clean_stale_spills(tmp_path) == [stale]
    assert not stale.exists()
    assert unmarked.exists() and alive.exists() and foreign.exists() and forged.exists()
    assert (target / "thesis.docx").exists() and link.is_symlink()
    # The next read cleans it on its own (in the system's temporary folder) and says so.
    stale = _killed_run_folder(tmp_path)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    said = []
    features.read_duckdb(_write(tmp_path, "good.csv", GOOD), progress=said.append)
    assert not stale.exists() and any("removed 1 temporary folder" in m for m in said)
    assert sorted(p.name for p in tmp_path.glob("playbook_duckdb_*")) == sorted(
        p.name for p in (unmarked, alive, foreign, forged, link))


def test_cli_memory_limit(tmp_path, capsys):
    good = _write(tmp_path, "good.csv", GOOD)
    assert main(["analyze", str(good), "--out", str(tmp_path / "ok"), "--engine", "duckdb", "--memory-limit", "256MB",
                 "--quiet"]) == 0
    assert main(["analyze", str(good), "--out", str(tmp_path / "a"), "--engine", "duckdb", "--memory-limit", "lots"]) == 2
    assert "--memory-limit (memory_limit=) must be a size such as 8GB" in capsys.readouterr().err
    assert main(["analyze", str(good), "--out", str(tmp_path / "b"), "--memory-limit", "8GB"]) == 2
    assert "use it with --engine duckdb" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_remote_addresses_are_for_spark_and_have_no_hash(tmp_path):
    """hdfs:// and s3a:// addresses: Spark's executors read them; this process cannot, so it neither lists nor hashes them."""
    for address in ("hdfs://namenode:8020/data/orders/*.parquet", "s3a://bucket/exports/orders.csv", "gs://b/o",
                    "abfss://c@acct.dfs.core.windows.net/orders/"):
        assert features.is_remote(address)
        assert features.resolve_files(address, engine="spark", remote=True) == [address]
        with pytest.raises(InvalidArgumentError, match=r"is read by the Spark engine \(--engine spark\)"):
            features.resolve_files(address)
        with pytest.raises(InvalidArgumentError, match="to playbook.features.read_spark"):  # a caller not ready for them
            features.resolve_files(address, engine="spark")
        record = features.input_record(address, [address])
        assert record["name"] == address and record["sha256"] is None
        assert "remote address" in record["sha256_unavailable"] and "://" in record["sha256_unavailable"]
        assert features.local_files([address]) == []
    assert features._kind(["s3a://bucket/exports/orders.csv"]) == "csv"
    assert features._kind(["hdfs:///data/orders/"]) == "parquet"  # a folder of Parquet parts
    for local in ("orders.csv", str(tmp_path / "o.parquet"), "file:///tmp/o.csv", "C:\\data\\o.csv"):
        assert not features.is_remote(local)
    # Local files keep their hashes.
    a = _write(tmp_path, "a.csv", GOOD)
    b = _write(tmp_path, "b.csv", GOOD)
    assert features.input_record(a, [a]) == {"name": "a.csv", "sha256": features_sha(a)}
    many = features.input_record(str(tmp_path / "*.csv"), [a, b])
    assert many["sha256"] is None and [f["name"] for f in many["files"]] == ["a.csv", "b.csv"]
    assert "sha256_unavailable" not in many and features.local_files([a, b]) == [a, b]


def features_sha(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_running_out_of_memory_and_disk_is_a_clear_refusal(tmp_path, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB (1.0 GiB/1.0 GiB used)")

    monkeypatch.setattr(features, "_read_duckdb", out_of_memory)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(DataValidationError, match=r"too big for DuckDB's memory limit \(64MB\) and the temporary disk space "
                                                  r"it may use \(.* GB, half the free disk\): Out of Memory Error.*--memory-limit"):
        features.read_duckdb(_write(tmp_path, "good.csv", GOOD), memory_limit="64MB")
    assert not list(tmp_path.glob("playbook_duckdb_*"))


# ----------------------------------------------------------------------------- the feature query, step by step

def test_duckdb_steps_give_the_one_query_table_and_leave_nothing_behind(monkeypatch):
    """DuckDB runs the feature SQL step by step (temporary tables it can spill, each streamed to pandas in batches
    of rows in any order, each row put at its customer's place): each date's table is the one-query table's (the same
    SQL as Spark's, as common table expressions), on the caller's connection, whose own tables and views are left as
    they were."""
    monkeypatch.setattr(features, "_FETCH_ROWS", 64)  # several batches
    orders = generate("retail", n_customers=300, seed=2).orders
    con = duckdb.connect()
    con.register("orders", orders)
    con.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x")
    before = sorted(con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    as_of = orders["order_date"].max().normalize()
    dates = [as_of, as_of - pd.Timedelta(days=180)]
    columns = list(orders.columns)
    stepwise = features._compute_duckdb_dates(con, "orders", dates, columns)
    assert sorted(con.execute("SELECT table_name FROM information_schema.tables").fetchall()) == before
    one = con.execute(features._render_dates(dates, columns, source="orders")).df()
    assert one["cid"].is_monotonic_increasing  # the one query comes ordered by id, as the steps fetch it
    for k, table in enumerate(stepwise):
        pd.testing.assert_frame_equal(table, features._date_table(one, k, columns), check_exact=False, rtol=1e-12)
        assert table.index.is_monotonic_increasing and table.index.is_unique
    # At the backtest date, only the features asked for: the same values; the aggregates no feature reads are not in the SQL.
    past = features._past_features()
    fewer = features._compute_duckdb_dates(con, "orders", dates, columns, wanted=[None, past])
    assert list(fewer[1].columns) == [c for c in stepwise[1].columns if c in past] and set(past) <= set(fewer[1].columns)
    pd.testing.assert_frame_equal(fewer[0], stepwise[0])
    pd.testing.assert_frame_equal(fewer[1], stepwise[1][fewer[1].columns])
    sql = features._render_dates(dates, columns, source="orders", wanted=[None, past])
    assert "n_orders__at1" in sql and "gap_mean__at1" not in sql and "revenue_365__at1" not in sql and "t_days__at1" not in sql


def test_fetch_puts_each_row_at_its_customer():
    """The stored steps are streamed in batches, in any order: each row lands at its customer's row (code - 1), with
    compute's dtypes, and a customer without a row in a step gets what the final query's LEFT JOIN gives."""
    con = duckdb.connect()
    rng = np.random.default_rng(0)
    cid = rng.permutation(2500) + 1  # stored in shuffled order
    con.register("shuffled", pd.DataFrame({"cid": cid, "customer_id": [f"c{i:04d}" for i in cid - 1], "n_orders": 2 * cid,
                                           "first_order": pd.Timestamp("2025-01-01") + pd.to_timedelta(cid, unit="D")}))
    con.execute("CREATE TEMP TABLE playbook_step_per_customer AS SELECT * FROM shuffled")
    con.execute("CREATE TEMP TABLE playbook_step_per_days AS SELECT cid, cid % 7 AS order_days, cid / 4 AS own_gap_days_raw "
                "FROM shuffled WHERE cid % 3 > 0")
    picks = [("p", "p.n_orders AS n_orders"), ("p", "p.first_order AS first_order__at1"),
             ("d", "coalesce(d.order_days, 0) AS order_days"), ("d", "d.own_gap_days_raw AS own_gap_days_raw")]
    a, b = features._fetch_dates(con, picks, [["n_orders", "order_days", "own_gap_days_raw"], ["first_order"]], batch=1000)
    code = np.arange(1, 2501)
    assert a.index.tolist() == [f"c{i:04d}" for i in range(2500)] and a.index.name == "customer_id" and b.index is a.index
    assert a["n_orders"].tolist() == (2 * code).tolist() and a["n_orders"].dtype == np.int64
    assert a["order_days"].tolist() == np.where(code % 3 > 0, code % 7, 0).tolist() and a["order_days"].dtype == np.int64
    np.testing.assert_array_equal(a["own_gap_days_raw"].to_numpy(), np.where(code % 3 > 0, code / 4, np.nan))
    assert b["first_order"].dtype == "datetime64[ns]"
    assert (b["first_order"] == pd.Timestamp("2025-01-01") + pd.to_timedelta(code, unit="D")).all()


@pytest.mark.parametrize("limit, at_fetch", [("4GB", "256.0 MiB"), ("64MB", "61.0 MiB")])
def test_read_duckdb_fetches_under_a_lower_limit_without_the_orders(tmp_path, monkeypatch, limit, at_fetch):
    """Once the orders are reduced, their table is dropped and DuckDB's limit is lowered (to 256 MiB, or the run's
    if lower) while pandas fills the feature tables; a connection of yours keeps its own limit and tables."""
    seen = []
    fetch = features._fetch_dates

    def spy(con, *args, **kwargs):
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        seen.append((con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0], tables))
        return fetch(con, *args, **kwargs)

    monkeypatch.setattr(features, "_fetch_dates", spy)
    path = _write(tmp_path, "good.csv", GOOD)
    features.read_duckdb(path, memory_limit=limit)
    (setting, tables), = seen
    assert setting == at_fetch and not {"parsed", "orders", "src"} & tables
    mine = duckdb.connect(config={"memory_limit": "3GB"})
    features.read_duckdb(path, con=mine)
    assert seen[1][0] == mine.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != "256.0 MiB"


def test_a_long_duckdb_query_says_how_far_it_is(monkeypatch):
    """A DuckDB step says its share done, and the time left once it can be estimated, while it runs; nothing after
    it ends, and nothing when no one listens."""
    from playbook import byod

    monkeypatch.setattr(features, "DUCKDB_PROGRESS_EVERY_S", 0.05)
    monkeypatch.setattr(byod, "ESTIMATE_AFTER_SECONDS", 0.0)
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    heard = []
    with features._duckdb_progress(con, heard.append, "DuckDB step: test"):
        con.execute("CREATE TEMP TABLE t AS SELECT i % 1000003 AS k, sum(i) AS s FROM range(40000000) r(i) GROUP BY 1")
    after = len(heard)
    assert heard, "a query of over a second said nothing"
    assert all(re.fullmatch(r"DuckDB step: test \(\d{1,2}%(, about \d+ (s|min) left)?\)", m) for m in heard), heard
    assert any("left)" in m for m in heard)
    shares = [int(re.search(r"\((\d+)%", m).group(1)) for m in heard]
    assert shares == sorted(shares)
    import time

    time.sleep(0.2)
    assert len(heard) == after  # the watcher stopped with the query
    with features._duckdb_progress(con, None, "quiet"):
        con.execute("SELECT count(*) FROM t").fetchone()


def test_read_duckdb_watches_its_long_queries_on_a_connection_that_tracks_progress(tmp_path, monkeypatch):
    """The read, the checks and each stored step run under the progress watcher, on a connection where DuckDB tracks
    progress (without it ``query_progress`` is -1) and prints no bar of its own."""
    watched = []
    real = features._duckdb_progress

    def spy(con, say, message):
        if say is not None:
            settings = con.execute("SELECT current_setting('enable_progress_bar'), "
                                   "current_setting('enable_progress_bar_print')").fetchone()
            watched.append((message, settings))
        return real(con, say, message)

    monkeypatch.setattr(features, "_duckdb_progress", spy)
    path = _write(tmp_path, "good.csv", GOOD)
    features.read_duckdb(path, progress=lambda message: None)
    assert [m.split(" with ")[0].split(":")[0] for m, _ in watched] == ["reading good.csv", "checking good.csv"] + [
        "DuckDB step"] * len(features._DUCKDB_STORED)
    assert {s for _, s in watched} == {(True, False)}
