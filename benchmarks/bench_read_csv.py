"""Benchmark of reading a big CSV export: time and peak memory of ``from_orders`` and ``analyze``.

Writes a CSV of ``--rows`` orders (default 2,000,000; 200,000 customers; ISO dates, two-decimal
amounts, integer order ids) into a temporary folder, then runs, each in a fresh subprocess so
its peak memory is its own: (1) the imports alone, (2) ``from_orders`` on the file, (3)
``analyze`` end to end, (4) ``analyze --engine duckdb`` end to end (DuckDB reads and reduces the
file; skipped when DuckDB is not installed). Peak memory is reported as RSS and as a multiple of the file size,
both in all and above the imports' own peak (the interpreter, pandas, pyarrow, matplotlib).

Issue #14's target: ``analyze`` on CSV within 4x the file size.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_RATIO = 4.0

CHILD = r"""
import json, re, sys, time
def peak_mib():
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
what, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
from playbook.analyze import analyze
from playbook.byod import from_orders
import playbook.report, matplotlib.pyplot  # what analyze imports on its way, so the baseline holds it
base_mib, t1 = peak_mib(), time.perf_counter()
stages = []
if what == "from_orders":
    from_orders(path, progress=lambda m: stages.append((m, time.perf_counter() - t1)))
elif what == "analyze":
    analyze(path, out=out, progress=lambda m: stages.append((m, time.perf_counter() - t1)))
elif what == "analyze_duckdb":
    import duckdb  # imported before the baseline is taken: its own code is not the orders' memory
    base_mib = peak_mib()
    analyze(path, out=out, engine="duckdb", progress=lambda m: stages.append((m, time.perf_counter() - t1)))
print(json.dumps({"import_s": t1 - t0, "seconds": time.perf_counter() - t1, "base_mib": base_mib, "peak_mib": peak_mib(),
                  "stages": stages}))
"""


def write_csv(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D")
    pd.DataFrame({"order_id": np.arange(rows), "customer_id": np.char.add("C", rng.integers(0, rows // 10, rows).astype(str)),
                  "order_date": days.strftime("%Y-%m-%d"), "amount": np.round(rng.gamma(2, 30, rows), 2)}).to_csv(path, index=False)


def run(what: str, path: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, what, str(path), str(out)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders in the CSV (default 2,000,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_read_csv_") as tmp:
        path = Path(tmp) / "orders.csv"
        write_csv(path, args.rows, args.seed)
        size_mib = path.stat().st_size / 2**20
        print(f"orders.csv: {args.rows:,} orders, {size_mib:,.1f} MiB")
        try:
            import duckdb  # noqa: F401
            whats = ("from_orders", "analyze", "analyze_duckdb")
        except ImportError:
            whats = ("from_orders", "analyze")
        for what in whats:
            r = run(what, path, Path(tmp) / what)
            above = r["peak_mib"] - r["base_mib"]
            print(f"  {what:<14} {r['seconds']:6.1f} s   peak RSS {r['peak_mib']:,.0f} MiB = {r['peak_mib'] / size_mib:.1f}x the file; "
                  f"{above:,.0f} MiB above the imports ({r['base_mib']:,.0f} MiB) = {above / size_mib:.1f}x "
                  f"(target <= {TARGET_RATIO:g}x: {'met' if r['peak_mib'] / size_mib <= TARGET_RATIO else 'NOT met'})")
            for message, at in r["stages"]:
                print(f"      {at:6.1f} s  {message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
