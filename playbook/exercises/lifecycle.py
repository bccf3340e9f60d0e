"""Exercises of notebook 05, Lifecycle and the eight formation stages (all on the learner's own shop)."""
from __future__ import annotations

from .core import OwnBase, exercise, kit_reason, label_of, pick_first, pick_labelled

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 600)


def _steps(base, as_of=None):
    from ..lifecycle import lifecycle_stage

    return lifecycle_stage(base, as_of or base.as_of)


# 05.1 and 05.2 run on the learner's own shop (`generate('retail', n_customers=600, seed=MY_SEED)`) and ask what the
# cells above do not print: a named customer's step half a year back, the cohorts' month 9 (they print 1, 6 and 12).
_MID = "2025-06-30"
_STEPS = ("reach", "acquisition", "conversion", "retention", "loyalty", "lapsed")


def _pick_slid(base):
    """The first customer (by id) who had bought by _MID and whose step then differs from the end of the data."""
    then, now = _steps(base, _MID)["stage"].astype(str), _steps(base)["stage"].astype(str).reindex(_steps(base, _MID).index)
    return pick_first(then.index[(then != now) & ~then.isin(["reach", "acquisition"])], fallback=then.index)


def _step_on(base, customer_id, as_of=_MID):
    return label_of(_steps(base, as_of), customer_id, "stage")


@exercise(
    "05.1",
    f"Decide: in which lifecycle step (留存 is 'retention') was the customer that `ex.params_for('05.1', mine)` names "
    f"on {_MID}, half a year before the end of the data, with the default rules?",
    f"`lifecycle_stage(mine, '{_MID}').loc[customer_id, 'stage']`; or take the customer's orders up to {_MID} and walk "
    "`lifecycle_rules()` from the top: the first rule that holds gives the step.",
    kind="decide",
    choices=_STEPS,
    hints=(f"a step is given by rules on a date: on {_MID}, which of the customer's orders had happened, and how long "
           "ago was the last one?",
           f"count the customer's orders up to {_MID} and the days from the last one to {_MID}, then walk the ordered "
           "rules of `lifecycle_rules()`."),
    mistakes=[
        (lambda base, customer_id: _step_on(base, customer_id, base.as_of),
         f"that is the customer's step at the end of the data, the notebook's date; on {_MID} fewer days had passed "
         "since their last order."),
    ],
    reason=kit_reason(lambda base: _steps(base, _MID), f"On {_MID} the kit's rules say: "),
    pick=_pick_slid,
    own=OWN,
)
def _named_step(base, customer_id):
    return _step_on(base, customer_id)


def _mean_k(base, k, *, zero_fill=False):
    from ..lifecycle import cohort_table

    table = cohort_table(base.orders, as_of=base.as_of, freq="M")
    column = table[k].fillna(0.0) if zero_fill else table[k].dropna()
    return float(column.mean())


@exercise(
    "05.2",
    "On your own shop: in its monthly customer cohort table, what is the average share of a cohort that orders in the "
    "ninth month after its first month (k = 9), over the cohorts that have reached that month? To three decimals.",
    "`cohort_table(mine.orders, as_of=mine.as_of, freq='M')[9].dropna().mean()`.",
    decimals=3,
    mistakes=[
        (lambda base: _mean_k(base, 8), "that is column 8; k counts from 0, the first month, so the ninth month after "
                                        "it is column 9."),
        (lambda base: _mean_k(base, 9, zero_fill=True),
         "empty cells are months that have not happened yet, not zero retention: leave them out of the mean."),
        (lambda base: _mean_k(base, 6), "that is month 6, the one the notebook prints; the question asks for month 9."),
    ],
    hints=("a cohort table has one row per starting month and one column per month since then; the notebook prints "
           "months 1, 6 and 12 of the shipped shop, not month 9 of yours.",
           "build the monthly cohort table of your shop, take the column for month 9 and average it over the cohorts "
           "that have a value."),
    own=OWN,
)
def _ninth_month(base):
    return _mean_k(base, 9)


def _year_flow(base):
    from ..lifecycle import stage_flow

    return stage_flow(base, "2024-06-30", _MID, stages="lifecycle")


def _slid_share(base, row="retention", column="lapsed", by="row"):
    flow = _year_flow(base)
    cell = float(flow.loc[row, column]) if row in flow.index and column in flow.columns else 0.0
    total = {"row": flow.loc[row].sum() if row in flow.index else 0.0,
             "column": flow[column].sum() if column in flow.columns else 0.0,
             "all": flow.values.sum()}[by]
    return cell / float(total) if total else 0.0


@exercise(
    "05.3",
    f"On your own shop: of the customers in the lifecycle step 'retention' on 2024-06-30, what share had slid to "
    f"'lapsed' by {_MID}, a year later? To three decimals.",
    f"`flow = stage_flow(mine, '2024-06-30', '{_MID}', stages='lifecycle')`: rows are the first date, columns the "
    "second; divide `flow.loc['retention', 'lapsed']` by the sum of the 'retention' row.",
    decimals=3,
    mistakes=[
        (lambda base: int(_slid_share(base) * _year_flow(base).loc["retention"].sum() + 0.5),
         "that is a number of customers; the question asks for a share of those in retention on 2024-06-30."),
        (lambda base: _slid_share(base, by="column"),
         f"that divides by everyone lapsed on {_MID}; divide by those in retention on 2024-06-30 (the row)."),
        (lambda base: _slid_share(base, "lapsed", "retention"),
         "that is the opposite move (lapsed back to retention): rows are the step on the first date."),
        (lambda base: _slid_share(base, by="all"),
         "that divides by every customer; divide by those in retention on 2024-06-30."),
    ],
    hints=("a flow between two dates: start from the customers who were in retention, and ask where they went.",
           f"build the lifecycle flow of your shop from 2024-06-30 to {_MID}; take one cell of the 'retention' row "
           "and divide by the whole row."),
    own=OWN,
)
def _retention_slid(base):
    return _slid_share(base)


# The eight formation stages (客户形成阶段): compute on the learner's own base, decide, predict.

_AT_LEAST_LONG_TERM = ("long_term", "advocate", "strategic_partner", "partner")


def _formation(base):
    from ..lifecycle import formation_stage

    return formation_stage(base)


def _stage_counts(base, stages):
    return int(_formation(base)["stage"].astype(str).isin(stages).sum())


@exercise(
    "05.4",
    "On your own shop (`mine = generate('retail', n_customers=600, seed=MY_SEED)`), on its `as_of` date: how many "
    "customers have reached at least the long-term stage (长期客户), that is long-term or any stage above it?",
    "count the rows of `formation_stage(mine)` whose `stage` is long_term, advocate, strategic_partner or partner.",
    hints=("the eight stages are a ladder: which rungs stand at or above long-term?",
           "give every customer of your own shop its formation stage with the default rules, then count the customers "
           "on the long-term rung and on every rung above it."),
    mistakes=[
        (lambda base: _stage_counts(base, ("long_term",)),
         "that counts the long-term stage alone; advocates, strategic partners and partners are past it and count too."),
        (lambda base: _stage_counts(base, ("repeat",) + _AT_LEAST_LONG_TERM),
         "repeat buyers are not long-term yet: two orders are not enough, they must span a year."),
        (lambda base: int((base.orders.groupby("customer_id").size() >= 2).sum()),
         "that counts everyone with two orders or more, including lapsed ones and repeat buyers whose orders span less "
         "than a year; use the stage the rules give."),
    ],
    own=OWN,
)
def _at_least_long_term(base):
    return _stage_counts(base, _AT_LEAST_LONG_TERM)


def _pick_advocate(base):
    return pick_labelled(_formation(base)["stage"], ("advocate", "strategic_partner", "long_term", "repeat"))


def _stage_of(base, customer_id):
    return label_of(_formation(base), customer_id, "stage")


# A wrong rung next to the right one, for each stage the pick can name: the step a learner takes who stops too early.
_NEXT_DOWN = {"advocate": "long_term", "strategic_partner": "advocate", "long_term": "repeat", "repeat": "first_purchase"}


@exercise(
    "05.5",
    "Decide: the cell names a customer of your own shop and shows their evidence (orders, span, referrals, latest "
    "'would recommend' score), not their stage. At which formation stage are they? Answer with a stage name such as "
    "'repeat'.",
    "read the customer's row of `formation_stage(mine)` (its `stage`), or walk the rules of `formation_rules()` from "
    "the top with the evidence shown: the first rule that holds gives the stage.",
    kind="decide",
    choices=("imagined", "prospect", "first_purchase", "repeat", "long_term", "advocate", "strategic_partner",
             "partner", "lapsed"),
    hints=("the rules are checked from the top of the ladder down, and the first that holds wins: start at the top.",
           "compare the evidence with each rule of `formation_rules()` in order: a partner relation, days since the last "
           "order, referred buyers, a high recommend score or referrals, then the span and number of orders."),
    mistakes=[
        (lambda base, customer_id: _NEXT_DOWN.get(_stage_of(base, customer_id), "imagined"),
         "that is one rung too low: a rule higher up the ladder already holds for this customer; check the referrals "
         "and the recommend score before the orders."),
    ],
    reason=kit_reason(_formation),
    pick=_pick_advocate,
    own=OWN,
)
def _named_stage(base, customer_id):
    return _stage_of(base, customer_id)


_TWICE_CHOICES = ("repeat", "long_term", "lapsed")


def _twice_counts(base):
    f = _formation(base)
    return f.loc[f["n_orders"] >= 2, "stage"].astype(str).value_counts()


@exercise(
    "05.6",
    "Predict before you run the next cell: among the customers of your own shop who have bought at least twice, which "
    "formation stage holds the most customers? Answer 'repeat', 'long_term' or 'lapsed'.",
    "a second order is a start, not a relationship: how long ago were most second orders?",
    kind="predict",
    choices=_TWICE_CHOICES,
    reason=lambda base: ("Customers with two orders or more, by stage: "
                         + ", ".join(f"{k} {int(v)}" for k, v in _twice_counts(base).items())
                         + ". Buying twice does not keep a customer: more of them have lapsed than stand on any other "
                           "rung. The ladder is climbed by staying, which is why notebook 09 watches for silence."),
    own=OWN,
)
def _most_of_the_twice(base):
    counts = _twice_counts(base).reindex(list(_TWICE_CHOICES)).fillna(0)
    return str(counts.astype(int).idxmax())


@exercise(
    "05.7",
    "Explain: a sales manager says 'a customer who has bought twice is loyal: give every twice-buyer the loyalty "
    "card'. Using what 05.6 showed on your own shop, write what you would answer, which evidence would make you call a "
    "customer long-term, and what you would do for the twice-buyers instead.",
    "three parts: what the twice-buyers of your shop did next, the rule for long-term, one action for the second order.",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _twice_is_not_loyal(base):
    return None
