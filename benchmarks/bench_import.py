"""Start-up time (``make bench``): ``import playbook`` and ``playbook --help``, each in fresh processes.

Issue #15's target: ``import playbook`` in under 1 s on a 2-core machine; issue #18 asks the
same of ``playbook --help``. Best and median of ``--runs`` fresh interpreters; pandas alone is
timed the same way, since most of the import is pandas'.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 1.0


def _time(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = {
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
        "import pandas": [sys.executable, "-c", "import pandas"],
        "import playbook": [sys.executable, "-c", "import playbook"],
        "playbook --help": [sys.executable, "-m", "playbook", "--help"],
    }
    print(f"start-up, {args.runs} fresh processes each (target {TARGET_S:.1f} s for playbook)")
    for name, argv in cases.items():
        times = _time(argv, args.runs)
        verdict = "" if not name.startswith(("import playbook", "playbook")) else (
            "  ok" if min(times) < TARGET_S else "  OVER TARGET")
        print(f"  {name:<40} best {min(times):5.2f} s   median {statistics.median(times):5.2f} s{verdict}")


if __name__ == "__main__":
    main()
