"""Benchmark of ``analyze --engine duckdb`` larger than memory: 100M orders of 10M customers.

The orders are generated once with numpy (a retail-like base: each customer starts on a day of
2023-2025, orders about ten times while active, then stops) and written as a glob of Parquet
files into a cache folder outside the repository (``--cache``, default
``~/.cache/playbook-bench/duckdb_large_<orders>``); later runs reuse them. Then

``analyze --engine duckdb`` runs end to end on the whole glob in a fresh subprocess (read, every
check of the orders, the per-customer feature tables at the review date and at the churn backtest
date, the scoring of every customer, the report and the files), with DuckDB's ``memory_limit`` set
(``--duckdb-limit``, spilling to a temporary folder); its time per stage and its peak RSS are
measured against issue #18's 8 GB target (about 6.5 minutes on 2 cores). Two shorter runs instead:

- ``--read-only``: ``playbook.features.read_duckdb`` alone (the read, checks and reduction), with
  the size of DuckDB's temporary files;
- ``--estimate``: ``analyze`` on the first file only (1/N of the customers), its time and peak
  scaled to the whole base: an ESTIMATE (linear in customers), printed as one.

The machine may be shared: times are noisy; the peak memory is the figure to read.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AS_OF = "2025-12-31"
MEMORY_TARGET_MIB = 8 * 1024
START = np.datetime64("2023-01-01T00:00:00", "s")
DAYS = 3 * 365  # 2023-01-01 .. 2025-12-31
CHANNELS = np.array(["app", "web", "store", "direct_sales"])
LINES = np.array(["essentials", "premium", "new_release"])

# read_duckdb on the glob, in a child process; prints one JSON line.
REDUCE = r"""
import glob as globs, json, os, re, sys, tempfile, threading, time
glob, limit, as_of = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
from playbook.features import read_duckdb
marks, disk = [], [0]

def watch():  # the largest size of this run's spill folder (DuckDB's temporary files)
    while True:
        size = 0
        for folder in globs.glob(os.path.join(tempfile.gettempdir(), "playbook_duckdb_*")):
            try:
                if json.load(open(os.path.join(folder, "playbook_spill.json")))["pid"] == os.getpid():
                    size += sum(e.stat().st_size for e in os.scandir(folder) if e.is_file())
            except (OSError, ValueError, KeyError):
                pass
        disk[0] = max(disk[0], size)
        time.sleep(2)

def hwm():  # this process's own high-water mark (ru_maxrss can carry the parent's RSS over fork and exec)
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024

def say(m):
    if not re.search(r"\(\d+%", m):  # not a stage telling how far it is: a new stage
        marks.append((m, time.perf_counter()))
    peak = hwm()
    print(f"    [{time.perf_counter() - t0:7.1f} s, peak RSS so far {peak:,.0f} MiB, temporary files at most "
          f"{disk[0] / 1e9:.1f} GB] {m}", file=sys.stderr, flush=True)

threading.Thread(target=watch, daemon=True).start()
read = read_duckdb(glob, as_of=as_of, memory_limit=limit, progress=say)
marks.append(("", time.perf_counter()))
stages = [(m, t1 - t) for (m, t), (_, t1) in zip(marks, marks[1:])]
print(json.dumps({"seconds": time.perf_counter() - t0, "stages": stages, "customers": len(read.table),
                  "orders": read.totals["orders"], "table_mib": float(read.table.memory_usage(deep=True).sum()) / 2**20,
                  "peak_mib": hwm(), "engine": read.engine,
                  "spill_gb": disk[0] / 1e9}))
"""

# analyze --engine duckdb end to end, in a child process; prints one JSON line with its stage timings.
ANALYZE = r"""
import json, re, sys, time
glob, out, limit, as_of = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
t0 = time.perf_counter()
from playbook.analyze import analyze
marks = []
analyze(glob, out=out, as_of=as_of, engine="duckdb", memory_limit=limit,
        progress=lambda m: re.search(r"\(\d+%", m) or marks.append((m, time.perf_counter())))
marks.append(("", time.perf_counter()))
stages = [(m, t1 - t) for (m, t), (_, t1) in zip(marks, marks[1:])]
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024  # this process's own
print(json.dumps({"seconds": time.perf_counter() - t0, "stages": stages, "peak_mib": peak}))
"""


def default_cache(n_orders: int) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "playbook-bench" / f"duckdb_large_{n_orders // 1_000_000}M"


def write_part(path: Path, first_customer: int, n_customers: int, orders_per_customer: float, rng) -> int:
    """One Parquet file of the orders of customers ``first_customer`` .. + ``n_customers``, sorted by date."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts = 1 + rng.poisson(orders_per_customer - 1, n_customers)
    start = rng.integers(0, DAYS - 1, n_customers)
    life = np.minimum(rng.exponential(500.0, n_customers).astype(np.int64) + 1, DAYS - start)  # active days
    n = int(counts.sum())
    who = np.repeat(np.arange(n_customers, dtype=np.int32), counts)
    seconds = (np.repeat(start, counts) * 86400 + (rng.random(n) * np.repeat(life, counts) * 86400).astype(np.int64))
    order = np.argsort(seconds, kind="stable")
    who, seconds = who[order], seconds[order]
    amount = np.round(np.exp(rng.normal(3.8, 0.6, n)), 2)
    discount = np.where(rng.random(n) < 0.2, np.round(amount * 0.1, 2), 0.0)
    ids = pa.array([f"C{first_customer + i:08d}" for i in range(n_customers)])
    table = pa.table({
        "order_id": pa.array(np.arange(n, dtype=np.int64) + first_customer * 100),
        "customer_id": pa.DictionaryArray.from_arrays(pa.array(who), ids),
        "order_date": pa.array((START + seconds.astype("timedelta64[s]")).astype("datetime64[us]")),
        "amount": pa.array(amount),
        "margin": pa.array(np.round(amount * 0.3, 2)),
        "discount": pa.array(discount),
        "channel": pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 4, n).astype(np.int8)), pa.array(CHANNELS)),
        "product_line": pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 3, n).astype(np.int8)), pa.array(LINES)),
    })
    pq.write_table(table, path, row_group_size=1 << 20)
    return n


def make_orders(folder: Path, n_customers: int, n_orders: int, n_files: int, seed: int) -> tuple[str, int]:
    """The glob of the cached orders, generated first if the cache lacks them (``done.json`` marks a complete set)."""
    done = folder / "done.json"
    glob = str(folder / "orders_*.parquet")
    if done.is_file():
        meta = json.loads(done.read_text())
        if meta.get("customers") == n_customers and meta.get("files") == n_files and meta.get("seed") == seed:
            print(f"orders: cached in {folder} ({meta['orders']:,} orders of {n_customers:,} customers, {n_files} files)")
            return glob, int(meta["orders"])
    need = n_orders * 40  # bytes on disk, with room
    free = shutil.disk_usage(folder.parent if folder.parent.exists() else Path.home()).free
    if free < need:
        raise SystemExit(f"not enough disk for the cache: {free / 1e9:.0f} GB free, about {need / 1e9:.0f} GB needed")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    total, per = 0, n_customers // n_files
    for k in range(n_files):
        size = per if k < n_files - 1 else n_customers - per * (n_files - 1)
        total += write_part(folder / f"orders_{k:02d}.parquet", k * per, size, n_orders / n_customers, rng)
        print(f"  wrote part {k + 1}/{n_files}: {total:,} orders so far ({time.perf_counter() - t:.0f} s)", flush=True)
    done.write_text(json.dumps({"customers": n_customers, "orders": total, "files": n_files, "seed": seed}))
    size = sum(p.stat().st_size for p in folder.glob("orders_*.parquet"))
    print(f"orders: generated {total:,} orders of {n_customers:,} customers in {time.perf_counter() - t:.0f} s, "
          f"{size / 1e9:.1f} GB of Parquet in {folder}")
    return glob, total


def child(code: str, *args: str) -> dict:
    t = time.perf_counter()
    # stdout captured (the JSON line); stderr (progress, errors) shown as it comes.
    out = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, check=False)
    if out.returncode != 0:
        return {"error": f"exit {out.returncode} (see above)"}
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["wall"] = time.perf_counter() - t
    return r


def show_stages(r: dict) -> None:
    for name, seconds in r["stages"]:
        print(f"  {name[:70]:<70} {seconds:8.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--orders", type=int, default=100_000_000, help="orders to generate, about (default 100M)")
    parser.add_argument("--files", type=int, default=10, help="Parquet files in the glob (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="cache folder (default ~/.cache/playbook-bench/duckdb_large_<N>M)")
    parser.add_argument("--duckdb-limit", default="4GB", help="DuckDB's memory_limit for the run (default 4GB: the "
                        "feature tables fetched into pandas and the scoring need the rest of the 8 GB)")
    parser.add_argument("--generate-only", action="store_true", help="make the cached orders and stop")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--read-only", action="store_true", help="measure read_duckdb (read, checks, reduction) only")
    how.add_argument("--estimate", action="store_true", help="measure analyze on the first file and scale it")
    how.add_argument("--full", action="store_true", help="analyze end to end on the whole glob (the default)")
    args = parser.parse_args()
    cache = args.cache or default_cache(args.orders)
    print(f"free disk in {tempfile.gettempdir()}: {shutil.disk_usage(tempfile.gettempdir()).free / 1e9:.0f} GB; "
          f"cache {cache}")
    glob, n_orders = make_orders(cache, args.customers, args.orders, args.files, args.seed)
    if args.generate_only:
        return 0

    if not args.read_only:
        return end_to_end(args, glob, cache)
    r = child(REDUCE, glob, args.duckdb_limit, AS_OF)
    if "error" in r:
        print(f"read_duckdb FAILED: {r['error']}")
        return 1
    peak = r["peak_mib"]
    print(f"--engine duckdb reduction ({r['engine']}, memory_limit={args.duckdb_limit}): {r['orders']:,} orders -> "
          f"{r['customers']:,} customers, read + checks + two feature tables, in a subprocess:")
    show_stages(r)
    print(f"  {'total (child wall time)':<70} {r['wall']:8.1f} s   peak RSS {peak:,.0f} MiB "
          f"(target <= {MEMORY_TARGET_MIB:,} MiB: {'met' if peak <= MEMORY_TARGET_MIB else 'NOT met'}); "
          f"feature table in pandas {r['table_mib']:,.0f} MiB; DuckDB's temporary files at most {r['spill_gb']:,.1f} GB")
    print("the machine may be shared: times are noisy, compare ratios within one run")
    return 0


def end_to_end(args, glob: str, cache: Path) -> int:
    """``analyze --engine duckdb`` on the whole glob (or, with ``--estimate``, on its first file, scaled)."""
    with tempfile.TemporaryDirectory(prefix="bench_duckdb_large_") as tmp:
        if not args.estimate:
            s = child(ANALYZE, glob, str(Path(tmp) / "out"), args.duckdb_limit, AS_OF)
            label, scale = f"analyze --engine duckdb end to end on all {args.customers:,} customers (measured)", 1.0
        else:
            first = sorted(Path(cache).glob("orders_*.parquet"))[0]
            s = child(ANALYZE, str(first), str(Path(tmp) / "out"), args.duckdb_limit, AS_OF)
            scale = args.files
            label = f"analyze --engine duckdb end to end on the first file (1/{args.files} of the customers)"
        if "error" in s:
            print(f"analyze FAILED: {s['error']}")
            return 1
        print(f"{label}:")
        show_stages(s)
        met = "met" if s["peak_mib"] <= MEMORY_TARGET_MIB else "NOT met"
        print(f"  {'total (child wall time)':<70} {s['wall']:8.1f} s   peak RSS {s['peak_mib']:,.0f} MiB"
              + ("" if scale != 1.0 else f" (target <= {MEMORY_TARGET_MIB:,} MiB: {met})"))
        if scale != 1.0:
            names = [m for m, _ in s["stages"]]
            start = next((i for i, m in enumerate(names) if m.startswith("read ") and "customers" in m), 0)
            after = sum(sec for _, sec in s["stages"][start:])
            print(f"  ESTIMATE for all {args.customers:,} customers (linear in customers, x{scale:g}; not measured): "
                  f"scoring, report and writing about {after * scale:,.0f} s, peak about {s['peak_mib'] * scale:,.0f} MiB "
                  f"({'within' if s['peak_mib'] * scale <= MEMORY_TARGET_MIB else 'ABOVE'} the 8 GB target); "
                  f"run without --estimate to measure")
    print("the machine may be shared: times are noisy, compare ratios within one run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
