"""Benchmark of the analyst's everyday case: ``playbook analyze`` on a 70k-order export, end to end.

Issue #18's target: a 70k-order export in at most 3 s on a 2-core machine, the whole command
(interpreter start, imports, read, score, report, write), as the analyst runs it. The file is a
panel shaped like the public CDNOW sample the issue was measured on: about 23,500 customers,
69,659 orders over 18 months, dates written compactly as integers (``19970101``), a quantity
column the kit does not use. It is written once into a temporary folder (same seed, same bytes),
then ``python -m playbook analyze`` runs ``--runs`` times in fresh processes.

Printed: best and median wall time against the target, and where one run's time goes (the
imports alone in a fresh process, then each stage as the progress messages end it, with the report's
second process started first as the command starts it: ``playbook.report_process``), so the line
to work on is visible.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_S = 3.0
ORDERS, CUSTOMERS, DAYS = 69_659, 23_570, 546

STAGES = r"""
import json, sys, time
t0 = time.perf_counter()
from playbook import report_process
with report_process.ahead(sys.argv[1]):  # as the command does: the report's imports start in a second process now
    from playbook.analyze import analyze
    marks = [("importing the kit's analyze", t0), ("start", time.perf_counter())]
    analyze(sys.argv[1], columns={"customer_id": "customer", "order_date": "date", "amount": "amount"}, out=sys.argv[2],
            force=True, progress=lambda m: marks.append((m, time.perf_counter())))
    marks.append(("end", time.perf_counter()))
print(json.dumps([[m, t1 - t] for (m, t), (_, t1) in zip(marks[1:], marks[2:])] + [[marks[0][0], marks[1][1] - t0]]))
"""


def write_panel(path: Path, seed: int = 0) -> None:
    """A CDNOW-shaped export: integer compact dates, customers sorted, a column the kit ignores."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(1, CUSTOMERS + 1, ORDERS)
    day = pd.Timestamp("1997-01-01") + pd.to_timedelta(rng.integers(0, DAYS, ORDERS), unit="D")
    frame = pd.DataFrame({"customer": customer, "date": day.strftime("%Y%m%d").astype(int),
                          "quantity": rng.integers(1, 5, ORDERS), "amount": np.round(rng.gamma(2.0, 18.0, ORDERS), 2)})
    frame.sort_values(["customer", "date"], kind="stable").to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cdnow_like.csv"
        write_panel(path)
        command = [sys.executable, "-m", "playbook", "analyze", str(path), "--map",
                   "customer_id=customer,order_date=date,amount=amount", "--out", str(Path(tmp) / "out"), "--force", "--quiet"]
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        verdict = "ok" if min(times) <= TARGET_S else "OVER TARGET"
        print(f"analyze on a {ORDERS:,}-order export ({path.stat().st_size / 1e6:.1f} MB, compact dates), "
              f"{args.runs} fresh processes: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
              f"(target {TARGET_S:.0f} s: {verdict})")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter = time.perf_counter() - start
        done = subprocess.run([sys.executable, "-c", STAGES, str(path), str(Path(tmp) / "out2")], check=True,
                              capture_output=True, text=True)
        stages = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {'the interpreter alone':<60} {interpreter:6.2f} s")
        for message, seconds in [stages[-1]] + stages[:-1]:
            print(f"  {message[:60]:<60} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
