"""Exercises of notebook 05, Lifecycle and the eight formation stages (on the `retail` dataset)."""
from __future__ import annotations

from .core import exercise


def _steps(base, as_of=None):
    from ..lifecycle import lifecycle_stage

    return lifecycle_stage(base, as_of or base.as_of)


def _flow(base, source, target, stages="lifecycle"):
    from ..lifecycle import stage_flow

    flow = stage_flow(base, "2024-12-31", "2025-12-31", stages=stages)
    return int(flow.loc[source, target]) if source in flow.index and target in flow.columns else 0


@exercise(
    "05.1",
    "How many retail customers are in the lifecycle step 'retention' (留存) on the dataset's last day, with the default rules?",
    "call `lifecycle_stage(base, base.as_of)` and count the rows whose `stage` is 'retention'.",
    mistakes=[
        (lambda base: int((_steps(base)["n_orders"] >= 2).sum()),
         "that counts every repeat buyer, including those whose last order is more than 180 days old: they are 'lapsed'."),
        (lambda base: int(_steps(base)["stage"].isin(["retention", "loyalty"]).sum()),
         "that adds the 'loyalty' step; count 'retention' alone."),
    ],
)
def _retained(base):
    return int((_steps(base)["stage"] == "retention").sum())


def _mean_k(base, k, *, zero_fill=False):
    from ..lifecycle import cohort_table

    table = cohort_table(base.orders, as_of=base.as_of, freq="M")
    column = table[k].fillna(0.0) if zero_fill else table[k].dropna()
    return float(column.mean())


@exercise(
    "05.2",
    "In the monthly customer cohort table of retail, what is the average share of a cohort that orders in the third "
    "month after its first month (k = 3), over the cohorts that have reached that month?",
    "build `cohort_table(base.orders, as_of=base.as_of, freq='M')`, take column 3 and average it, leaving out empty cells.",
    mistakes=[
        (lambda base: _mean_k(base, 2), "that is column 2; k counts from 0, the first month, so the third month after it is column 3."),
        (lambda base: _mean_k(base, 3, zero_fill=True),
         "empty cells are months that have not happened yet, not zero retention: leave them out of the mean."),
    ],
)
def _third_month(base):
    return _mean_k(base, 3)


@exercise(
    "05.3",
    "How many retail customers moved from the lifecycle step 'retention' on 2024-12-31 to 'lapsed' on 2025-12-31?",
    "use `stage_flow(base, '2024-12-31', '2025-12-31', stages='lifecycle')`: rows are the first date, columns the second.",
    mistakes=[
        (lambda base: _flow(base, "lapsed", "retention"),
         "that is the opposite move (lapsed back to retention): rows are the stage on the first date."),
        (lambda base: _flow(base, "repeat", "lapsed", stages="formation"),
         "that uses the formation stages ('repeat'); this question is about the lifecycle steps."),
    ],
)
def _retention_to_lapsed(base):
    return _flow(base, "retention", "lapsed")
