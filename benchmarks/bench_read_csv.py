"""Benchmark of reading a big CSV export: time and peak memory of ``from_orders`` and ``analyze``.

Writes a CSV of ``--rows`` orders (default 2,000,000; 200,000 customers; ISO dates, two-decimal
amounts, integer order ids) into a temporary folder, then runs, each in a fresh subprocess so
its peak memory is its own: (1) the imports alone, (2) ``from_orders`` on the file, (3)
``analyze`` end to end, (4) ``analyze --engine duckdb`` end to end (DuckDB reads and reduces the
file; skipped when DuckDB is not installed). Peak memory is reported as RSS and as a multiple of the file size,
both in all and above the imports' own peak (the interpreter, pandas, pyarrow, matplotlib), and for
each stage (each progress message ends one) its own peak, so the line that reaches the peak shows where
it is: reading, reducing to one row per customer, scoring, drawing or writing.

``--case`` writes the same orders in one of the formats real exports use (refunds, ids with stray
spaces, a European export, GBK or Windows-1252 text, repeated lines, compact dates) and reads it with
the options that format needs, so each format's read peak and time can be compared with the clean file's.
Given more than once, each case is written and run in turn and printed as one row (time, peak RSS and
its multiple of the file size for each run), without the stages: ``make bench``'s loop of formats.

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
def reset_peak():  # Linux: VmHWM starts again from the current RSS, so each stage gets a peak of its own
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False
what, path, out, options = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
t0 = time.perf_counter()
from playbook.analyze import analyze
from playbook.byod import from_orders
import playbook.report, matplotlib.pyplot  # what analyze imports on its way, so the baseline holds it
if what == "analyze_duckdb":
    import duckdb  # imported before the baseline is taken: its own code is not the orders' memory
base_mib, t1 = peak_mib(), time.perf_counter()
stages, top = [], [base_mib]
def progress(message):
    p = peak_mib()
    top[0] = max(top[0], p)
    stages.append((message, time.perf_counter() - t1, p))  # the peak of the stage that ends here
    reset_peak()
reset_peak()
from playbook.errors import PlaybookError
refused = None
try:
    if what == "from_orders":
        from_orders(path, progress=progress, **options)
    elif what == "analyze":
        analyze(path, out=out, progress=progress, **options)
    elif what == "analyze_duckdb":
        analyze(path, out=out, engine="duckdb", progress=progress, **options)
except PlaybookError as error:  # the kit's own refusal is a result: how long and how much memory it took to say it
    refused = str(error)
progress("end")
print(json.dumps({"import_s": t1 - t0, "seconds": time.perf_counter() - t1, "base_mib": base_mib, "peak_mib": top[0],
                  "stages": stages[:-1], "last_stage_mib": stages[-1][2], "refused": refused}))
"""


#: The formats ``--case`` writes: (what the file looks like, the options ``from_orders``/``analyze`` need for it).
CASES = {
    "clean": ("ISO dates, two-decimal amounts, integer order ids", {}),
    "refunds": ("as clean, 2% of the amounts negative (refunds), read with refunds='keep'", {"refunds": "keep"}),
    "refunds_drop": ("as refunds, read with refunds='drop'", {"refunds": "drop"}),
    "trimmed_ids": ("as clean, 5% of the customer ids with a stray space, tab or NBSP around them", {}),
    "european": ("semicolons, decimal commas with '.' thousands (1.234,56), dates DD.MM.YYYY", {}),
    "day_first": ("as clean, dates DD/MM/YYYY (day first, told by days above 12)", {}),
    "compact_dates": ("as clean, dates YYYYMMDD", {}),
    "cp1252": ("as clean, Windows-1252 text (customer names with umlauts), read with encoding='cp1252'", {"encoding": "cp1252"}),
    "cp1252_detected": ("as cp1252, the encoding left to the reader's detection", {}),
    "gbk": ("as clean, GBK text (Chinese customer names)", {}),
    "duplicates": ("as clean, 1% of the lines repeated exactly, read with duplicates='drop'", {"duplicates": "drop"}),
}

#: Cases the kit may refuse, with what the refusal must name. Without ``encoding=`` the reader names Windows-1252
#: when it is the one encoding that reads the file but asks for it to be passed (it reads the file itself when
#: charset-normalizer's chaos measure tells it apart, as on small files).
REFUSALS = {"cp1252_detected": "encoding='cp1252'"}


def write_csv(path: Path, rows: int, seed: int, per_customer: int = 10, case: str = "clean") -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D")
    customers = max(rows // per_customer, 1)
    ids = rng.integers(0, customers, rows).astype(str)
    amount = np.round(rng.gamma(2, 30, rows), 2)
    frame = pd.DataFrame({"order_id": np.arange(rows), "customer_id": np.char.add("C", ids),
                          "order_date": days.strftime("%Y-%m-%d"), "amount": amount})
    encoding, sep = "utf-8", ","
    if case.startswith("refunds"):
        frame["amount"] = np.where(rng.random(rows) < 0.02, -amount, amount)
    elif case == "trimmed_ids":
        pad = rng.choice(np.array(["", " ", "\t", "\u00a0"]), rows, p=[0.95, 0.02, 0.015, 0.015])
        frame["customer_id"] = np.char.add(frame["customer_id"].to_numpy().astype(str), pad)
    elif case == "european":
        big = np.round(amount * 40, 2)  # a share of them above 1,000, written with '.' thousands
        frame["amount"] = [f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in big]
        frame["order_date"] = days.strftime("%d.%m.%Y")
        sep = ";"
    elif case == "day_first":
        frame["order_date"] = days.strftime("%d/%m/%Y")
    elif case == "compact_dates":
        frame["order_date"] = days.strftime("%Y%m%d")
    elif case.startswith("cp1252"):
        names = np.array(["Müller GmbH ", "Café Zoë ", "Bäckerei Groß ", "Société Générale ", "Jürgen Weiß ", "Françoise Lefèvre "])
        frame["customer_id"] = np.char.add(names[rng.integers(0, len(names), rows)], ids)
        encoding = "cp1252"
    elif case == "gbk":
        names = np.array(["北京客户", "上海分店", "广州贸易有限公司", "深圳科技", "杭州电子商务", "成都餐饮连锁"])
        frame["customer_id"] = np.char.add(names[rng.integers(0, len(names), rows)], ids)
        encoding = "gbk"
    elif case == "duplicates":
        again = frame.iloc[np.flatnonzero(rng.random(rows) < 0.01)]
        frame = pd.concat([frame, again]).sort_index(kind="stable").reset_index(drop=True)
    frame.to_csv(path, index=False, sep=sep, encoding=encoding)


def run(what: str, path: Path, out: Path, options: dict | None = None, case: str = "clean") -> dict:
    """One run in a fresh process; a refusal stops the bench unless ``REFUSALS`` allows it for ``case``."""
    done = subprocess.run([sys.executable, "-c", CHILD, what, str(path), str(out), json.dumps(options or {})],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    if r["refused"] is not None and (case not in REFUSALS or REFUSALS[case] not in r["refused"]):
        raise SystemExit(f"{what} refused the {case} case: {r['refused']}")
    return r


def print_run(what: str, r: dict, size_mib: float) -> None:
    """One run's time and peak against issue #14's target, then each stage with its time and its own peak."""
    above = r["peak_mib"] - r["base_mib"]
    if r["refused"] is not None:
        print(f"  {what:<14} refused: {r['refused']}")
    print(f"  {what:<14} {r['seconds']:6.1f} s   peak RSS {r['peak_mib']:,.0f} MiB = {r['peak_mib'] / size_mib:.1f}x the file; "
          f"{above:,.0f} MiB above the imports ({r['base_mib']:,.0f} MiB) = {above / size_mib:.1f}x "
          f"(target <= {TARGET_RATIO:g}x: {'met' if r['peak_mib'] / size_mib <= TARGET_RATIO else 'NOT met'})")
    # Each stage (from one progress message to the next) with its time and its own peak: where the peak is.
    starts = [("(start)", 0.0)] + [(m, at) for m, at, _ in r["stages"]]
    ends = [(at, mib) for _, at, mib in r["stages"]] + [(r["seconds"], r["last_stage_mib"])]
    for (message, start), (end, stage_mib) in zip(starts, ends):
        print(f"      {start:6.1f} s  {message:<60.60} {end - start:5.1f} s, peak {stage_mib:6,.0f} MiB = {stage_mib / size_mib:4.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders in the CSV (default 2,000,000)")
    parser.add_argument("--per-customer", type=int, default=10, help="orders per customer on average (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("from_orders", "analyze", "analyze_duckdb"), action="append",
                        help="run only these (repeatable; default all)")
    parser.add_argument("--case", choices=tuple(CASES), action="append",
                        help="the export's format (repeatable: one row per case; default clean): "
                             + "; ".join(f"{k}: {v[0]}" for k, v in CASES.items()).replace("%", "%%"))
    args = parser.parse_args()
    cases = args.case or ["clean"]
    try:
        import duckdb  # noqa: F401
        whats = ("from_orders", "analyze", "analyze_duckdb")
    except ImportError:
        whats = ("from_orders", "analyze")
    whats = tuple(w for w in whats if not args.only or w in args.only)
    customers = max(args.rows // args.per_customer, 1)
    if len(cases) > 1:
        print(f"CSV formats, {args.rows:,} orders of about {customers:,} customers each (the text cases prefix the ids "
              f"with names, so more customers); peak RSS as a multiple of the file size, then of the peak above the "
              f"imports'; --case C alone shows each run's stages")
    for case in cases:
        options = CASES[case][1]
        with tempfile.TemporaryDirectory(prefix="bench_read_csv_") as tmp:
            path = Path(tmp) / "orders.csv"
            write_csv(path, args.rows, args.seed, args.per_customer, case)
            size_mib = path.stat().st_size / 2**20
            if len(cases) == 1:
                print(f"orders.csv ({case}: {CASES[case][0]}; options {options}): {args.rows:,} orders of about "
                      f"{customers:,} customers, {size_mib:,.1f} MiB")
            cells = []
            for what in whats:
                r = run(what, path, Path(tmp) / what, options, case)
                if len(cases) == 1:
                    print_run(what, r, size_mib)
                    continue
                above = (r["peak_mib"] - r["base_mib"]) / size_mib
                cells.append(f"{what}{' refused' if r['refused'] is not None else ''} {r['seconds']:5.1f} s "
                             f"{r['peak_mib']:5,.0f} MiB = {r['peak_mib'] / size_mib:4.1f}x ({above:4.1f}x)")
            if cells:
                print(f"  {case:<16} {size_mib:6.1f} MiB   " + "   ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
