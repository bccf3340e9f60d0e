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
    hints=('a lifecycle step is given by rules on a date: which date and which rules?',
           "assign the default lifecycle steps on the dataset's last day and count one step."),
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
    hints=('a cohort table has one row per starting month and one column per month since then.',
           'build the monthly cohort table, take the column for month 3 and average it over the cohorts that have a value.'),
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
    hints=('a flow between two dates: rows are where customers were, columns where they are now.',
           'build the lifecycle flow from 2024-12-31 to 2025-12-31 and read one cell.'),
)
def _retention_to_lapsed(base):
    return _flow(base, "retention", "lapsed")


# The eight formation stages (客户形成阶段): compute on the learner's own base, decide, predict.

_AT_LEAST_LONG_TERM = ("long_term", "advocate", "strategic_partner", "partner")


def _formation(base):
    from ..lifecycle import formation_stage

    return formation_stage(base)


def _stage_counts(base, stages):
    return int(_formation(base)["stage"].astype(str).isin(stages).sum())


@exercise(
    "05.4",
    "On your own base (`generate(..., seed=MY_SEED)`), how many customers have reached at least the long-term stage "
    "(long-term, advocate, strategic partner or partner) on its `as_of` date?",
    "count the rows of `formation_stage(mine)` whose `stage` is long_term, advocate, strategic_partner or partner.",
    hints=("the stages form a ladder: which four rungs are at or above long-term?",
           "run `formation_stage` on your own base, not on `b2b` or `retail`, and count the stages from long_term up."),
    mistakes=[
        (lambda base: _stage_counts(base, ("long_term",)),
         "that counts the long-term stage alone; advocates, strategic partners and partners are past it and count too."),
        (lambda base: _stage_counts(base, ("repeat",) + _AT_LEAST_LONG_TERM),
         "repeat buyers are not long-term yet: two orders are not enough, they must span a year."),
        (lambda base: int((base.orders.groupby("customer_id").size() >= 2).sum()),
         "that counts everyone with two orders or more, including lapsed ones and repeat buyers whose orders span less "
         "than a year; use the stage the rules give."),
    ],
)
def _at_least_long_term(base):
    return _stage_counts(base, _AT_LEAST_LONG_TERM)


def _pick_advocate(base):
    stages = _formation(base)["stage"].astype(str)
    for stage in ("advocate", "strategic_partner", "long_term", "repeat"):
        ids = stages.index[stages == stage]
        if len(ids):
            return {"customer_id": str(sorted(ids)[0])}
    return {"customer_id": str(stages.index[0])}


def _stage_of(base, customer_id):
    return str(_formation(base).loc[customer_id, "stage"])


@exercise(
    "05.5",
    "Decide: at which formation stage is the customer that `ex.params_for('05.5', mine)` names? Answer with a stage "
    "name such as 'repeat'.",
    "read the customer's row of `formation_stage(mine)`, and walk the rules of `formation_rules()` from the top: "
    "the first rule that holds gives the stage.",
    kind="decide",
    choices=("imagined", "prospect", "first_purchase", "repeat", "long_term", "advocate", "strategic_partner",
             "partner", "lapsed"),
    hints=("look at the customer's orders, their span, their referrals and their latest 'recommend' score.",
           "the rules are ordered: `formation_rules()` lists them, and the first that holds wins."),
    mistakes=[
        (lambda base, customer_id: "long_term" if _stage_of(base, customer_id) != "long_term" else "repeat",
         "check the rules above long-term first: does this customer recommend us (9 or more) or refer buyers?"),
    ],
    reason=lambda base, customer_id: f"The kit's rules say: {_formation(base).loc[customer_id, 'reason']}.",
    pick=_pick_advocate,
)
def _named_stage(base, customer_id):
    return _stage_of(base, customer_id)


def _one_timers_long_term(base):
    f = _formation(base)
    one = f[f["n_orders"] == 1]
    share = float(one["stage"].astype(str).isin(_AT_LEAST_LONG_TERM).mean()) if len(one) else 0.0
    return "none" if share == 0 else "most" if share > 0.5 else "a few"


@exercise(
    "05.6",
    "Predict before you run the next cell: of the customers with exactly one order, how many are long-term or higher? "
    "Answer 'none', 'a few' or 'most'.",
    "one-time buyers never qualify as long-term, however big their order: the rules need two orders a year apart.",
    kind="predict",
    choices=("none", "a few", "most"),
    reason=lambda base: "Having bought once does not make a customer long-term: the rule asks for two or more orders "
                        "spanning at least a year, and every stage above long-term builds on it.",
)
def _predict_one_timers(base):
    return _one_timers_long_term(base)
