"""Benchmark of the widgets: how fast every explorer answers a moved control.

Each explorer of ``playbook.widgets.__all__`` is built the way its notebook builds it, on
the shipped dataset that notebook uses; then each control is moved once the way a user
would (the next slider step, the next dropdown option), three times. The time from setting
the value to a redrawn output is measured, with the figure rendered to PNG as the notebook's
inline backend does, as wall time and as this process's CPU time (the wall time of a shared
machine includes waiting for other jobs). Target: every response under 1.0 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import time

TARGET_S = 1.0


def _render_figures_on_show() -> None:
    """Make ``plt.show()`` render every open figure to PNG, as Jupyter's inline backend does."""
    import matplotlib
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    matplotlib.use("Agg")

    def show(*_args, **_kwargs):
        for number in plt.get_fignums():
            print_figure(plt.figure(number), "png", bbox_inches="tight")

    plt.show = show


def _builders() -> dict:
    """How each notebook builds its explorer (name -> function returning the explorer)."""
    import playbook
    from playbook import widgets
    from playbook.byod import from_orders, suggest_mapping, read_export
    from playbook.satisfaction import satisfaction_indicators
    from playbook.synth.messy import MESSY_AS_OF
    from playbook.value import BetaGeoFitter, GammaGammaFitter

    retail, b2b = playbook.load_dataset("retail"), playbook.load_dataset("b2b")

    def clv():
        s = playbook.summarize(retail.orders, retail.as_of)
        bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
        return widgets.CLVExplorer(s, bgf, ggf, horizon_months=12, discount_rate=0.10)

    def picker():
        path = playbook.dataset_path("messy_export") / "orders.csv"
        raw, _, _ = read_export(path)
        base = from_orders(path, suggest_mapping(raw.columns), duplicates="drop", refunds="keep", as_of=MESSY_AS_OF)
        return widgets.AnalysisPicker(base)

    quarters = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    return {
        "CustomerExplorer": lambda: widgets.CustomerExplorer(),
        "GeneratorExplorer": lambda: widgets.GeneratorExplorer(),
        "EconomicsExplorer": lambda: widgets.EconomicsExplorer(acquisition_cost=90, retention_cost=5, retention_rate=0.6,
                                                               margin_per_period=60, discount_rate=0.10, periods=8),
        "TierExplorer": lambda: widgets.TierExplorer(playbook.summarize(b2b.orders, b2b.as_of)),
        "RFMExplorer": lambda: widgets.RFMExplorer(retail),
        "StageExplorer": lambda: widgets.StageExplorer(b2b),
        "TypeRuleExplorer": lambda: widgets.TypeRuleExplorer(retail),
        "LeaderExplorer": lambda: widgets.LeaderExplorer(retail, n=15),
        "SatisfactionIndexExplorer": lambda: widgets.SatisfactionIndexExplorer(satisfaction_indicators(retail, by="segment")),
        "AlarmReplayExplorer": lambda: widgets.AlarmReplayExplorer(b2b, quarters=quarters),
        "CLVExplorer": clv,
        "ProgramExplorer": lambda: widgets.ProgramExplorer(retail),
        "AnalysisPicker": picker,
        "AccountExplorer": lambda: widgets.AccountExplorer(b2b, accounts=["A0001", "A0002", "A0004", "A0026"]),
        "DealRecapExplorer": lambda: widgets.DealRecapExplorer(b2b, accounts=["A0003", "A0004", "A0006", "A0081", "A0235"]),
        "KeyAccountWatch": lambda: widgets.KeyAccountWatch(b2b, dates=["2024-06-30", "2024-09-30", "2024-10-31", "2024-11-30",
                                                                      "2024-12-31", "2025-03-31"]),
        "ComplaintSpeedExplorer": lambda: widgets.ComplaintSpeedExplorer(retail, dates=["2024-06-30", "2024-12-31", "2025-06-30"]),
        "GrowthExplorer": lambda: widgets.GrowthExplorer({"retail": retail, "b2b": b2b}),
        "StrategyTableExplorer": lambda: widgets.StrategyTableExplorer(playbook.customer_profile(retail)),
    }


def main(moves: int) -> None:
    import os
    import statistics

    _render_figures_on_show()
    from playbook import charts, widgets
    from playbook.widgets._base import controls, next_value

    charts.set_theme()
    builders = _builders()
    missing = sorted(set(widgets.__all__) - set(builders))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Widget benchmark: response to a moved control (median of {moves} moves per control), target {TARGET_S:.1f} s")
    print(f"  load average {load:.1f} on {os.cpu_count()} cores: wall time suffers when other jobs share them; "
          "CPU time is this process alone")
    print(f"  {'explorer':<27}{'build s':>9}{'cpu s':>7}{'worst s':>9}{'cpu s':>7}{'ratio':>7}  slowest control")
    slow = 0
    for name in widgets.__all__:
        if name not in builders:
            continue
        t, c = time.perf_counter(), time.process_time()
        explorer = builders[name]()
        build_s, build_cpu = time.perf_counter() - t, time.process_time() - c
        worst = (0.0, 0.0, "-")
        for control_name, control in controls(explorer).items():
            walls, cpus = [], []
            for _ in range(moves):
                value = next_value(control)
                t, c = time.perf_counter(), time.process_time()
                control.value = value
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            wall = statistics.median(walls)
            if wall > worst[0]:
                worst = (wall, statistics.median(cpus), control_name)
        wall, cpu, control_name = worst
        slow += wall >= TARGET_S
        print(f"  {name:<27}{build_s:9.2f}{build_cpu:7.2f}{wall:9.2f}{cpu:7.2f}{wall / TARGET_S:7.2f}  {control_name}"
              f"{'' if wall < TARGET_S else '  <- over target'}")
    print(f"  {slow} of {len(builders)} explorers over target" + (f"; not benchmarked: {', '.join(missing)}" if missing else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=3,
                        help="times each control is moved on, to a new value each time (median reported)")
    args = parser.parse_args()
    main(args.moves)
