"""Exercises of notebook 06, Customer types and orientation (on the ``retail`` dataset)."""
from __future__ import annotations

from .core import exercise


def _types(base, **thresholds):
    from ..customer_types import behaviour_evidence, classify_types

    return classify_types(behaviour_evidence(base), thresholds=thresholds or None)


@exercise(
    "06.1",
    "What share of all orders were bought for someone other than the buyer (the consumer is not the customer)?",
    "count the orders whose `recipient` is not 'self' and divide by the number of orders "
    "(or use `buyer_consumer_split(base, level='recipient')`).",
    mistakes=[
        (lambda base: float((base.orders.recipient.astype(str) == "self").mean()),
         "that is the share bought for the buyer themselves; take the other orders."),
        (lambda base: float((base.customers.relation.astype(str) == "buys_for_others").mean()),
         "that is the share of customers recorded as buying for others; the question counts orders."),
        (lambda base: float((base.orders.recipient.astype(str) != "self").mean()) * 100,
         "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('this is about orders, and who each order was for.',
           "test each order's recipient against 'self' and take the share of orders for someone else."),
)
def _for_others(base):
    return float((base.orders.recipient.astype(str) != "self").mean())


def _recall(base, column, discount_share):
    from ..customer_types import score_against_truth

    return float(score_against_truth(_types(base, discount_share=discount_share), base.truth)
                 .per_type.loc["discount_driven", column])


@exercise(
    "06.2",
    "Lower the discount-share threshold of the rules to 0.3. What is the recall of the discount-driven type against the truth?",
    "`classify_types(evidence, thresholds={'discount_share': 0.3})`, then `score_against_truth(..., base.truth)`; "
    "read the `recall` of 'discount_driven' in `per_type`.",
    mistakes=[
        (lambda base: _recall(base, "precision", 0.3), "that is the precision (how many flagged are right); recall is how many of the true ones were found."),
        (lambda base: _recall(base, "recall", 0.5), "that is the recall with the default threshold 0.5; pass thresholds={'discount_share': 0.3}."),
    ],
    hints=('recall asks: of the truly discount-driven, how many did the rule find?',
           "classify the types again with the lower threshold, then score them against the truth and read discount-driven's recall."),
)
def _recall_at_03(base):
    return _recall(base, "recall", 0.3)


def _loyal_called_need_based(base, among_predicted=False):
    types = _types(base)["type"]
    truth = base.truth.set_index("customer_id")["persona"].astype(str).reindex(types.index)
    both = ((truth == "loyal") & (types == "need_based")).sum()
    return float(both / ((types == "need_based").sum() if among_predicted else (truth == "loyal").sum()))


@exercise(
    "06.3",
    "With the default rules, what share of the truly loyal customers are labelled need-based?",
    "join the predicted `type` with `truth.persona`; among customers whose persona is 'loyal', take the share typed 'need_based'.",
    mistakes=[
        (lambda base: _loyal_called_need_based(base, among_predicted=True),
         "that is the share of loyal customers among those labelled need-based; divide by the number of truly loyal customers instead."),
    ],
    hints=('start from the truly loyal, not from those labelled need-based.',
           'join predicted types with the true persona, keep the loyal ones, and take the share typed need-based.'),
)
def _loyal_as_need_based(base):
    return _loyal_called_need_based(base)


# The five flags (high-volume, future high value, benchmark, pioneer, motivator) and the three orientations.

FLAG_NAMES = ("high_volume", "future_high_value", "benchmark", "pioneer", "motivator")


def _evidence(base):
    from ..customer_types import behaviour_evidence

    return behaviour_evidence(base)


def _flags(base):
    from ..customer_types import classify_flags

    return classify_flags(_evidence(base))


def _orientation(base):
    from ..customer_types import classify_orientation

    return classify_orientation(_evidence(base))


@exercise(
    "06.4",
    "On your own base (`generate(..., seed=MY_SEED)`), what share of its customers carry at least one of the five "
    "flags (high-volume, future high value, benchmark, pioneer, motivator)? Give a fraction to three decimals.",
    "`classify_flags(behaviour_evidence(mine))`, then `.any(axis=1)` over the five flag columns, then `.mean()`.",
    hints=("a customer can carry several flags at once, or none: you want the customers with at least one.",
           "build the evidence of your own base, classify the flags, and average a True/False test per customer."),
    decimals=3,
    mistakes=[
        (lambda base: float(_flags(base)[list(FLAG_NAMES)].sum(axis=1).mean()),
         "that is the mean number of flags per customer; a customer with two flags counts once."),
        (lambda base: int(_flags(base)[list(FLAG_NAMES)].any(axis=1).sum()),
         "that is a number of customers; divide by all customers for a share."),
        (lambda base: float(_flags(base)["high_volume"].mean()),
         "that is the high-volume flag alone; any of the five flags counts."),
    ],
)
def _flagged_share(base):
    return float(_flags(base)[list(FLAG_NAMES)].any(axis=1).mean())


def _pick_oriented(base):
    o = _orientation(base)
    known = o[o["orientation"].astype(str) != "unknown"].sort_index()
    for orientation in ("value", "technology", "cost"):
        rows = known.index[known["orientation"].astype(str) == orientation]
        if len(rows):
            return {"customer_id": str(rows[0])}
    return {"customer_id": str(o.index[0])}


@exercise(
    "06.5",
    "Decide: is the customer that `ex.params_for('06.5', mine)` names cost-, value- or technology-oriented? "
    "Answer 'cost', 'value' or 'technology'.",
    "look up the customer in `classify_orientation(behaviour_evidence(mine))`; the rules table says which evidence "
    "each orientation reads (discount share, premium lines, new releases).",
    kind="decide",
    choices=("cost", "value", "technology", "unknown"),
    hints=("what does the customer buy: cheap with discounts, premium lines, or the newest releases?",
           "the orientation rules read the customer's evidence in order; the first that holds wins."),
    mistakes=[
        (lambda base, customer_id: "cost" if str(_orientation(base).loc[customer_id, "orientation"]) != "cost" else "value",
         "a low price is not what this customer's evidence shows: look at their premium and new-release shares."),
    ],
    reason=lambda base, customer_id: f"The kit's rule: {_orientation(base).loc[customer_id, 'orientation_reason']}.",
    pick=_pick_oriented,
)
def _orientation_of(base, customer_id):
    return str(_orientation(base).loc[customer_id, "orientation"])


def _pick_flagged(base):
    f = _flags(base)
    n = f[list(FLAG_NAMES)].sum(axis=1)
    rows = n[n > 0].sort_values(ascending=False, kind="stable")
    return {"customer_id": str(rows.index[0] if len(rows) else f.index[0])}


@exercise(
    "06.6",
    "Decide: which of the five flags does the customer that `ex.params_for('06.6', mine)` names carry? "
    "Answer with a set of flag names, such as {'benchmark'}.",
    "read the customer's row of `classify_flags(behaviour_evidence(mine))` and keep the flag columns that are True.",
    kind="decide",
    hints=("the flags are not exclusive: a customer can be a benchmark and a motivator at once.",
           "classify the flags of your own base and read the True columns of this customer's row."),
    mistakes=[
        (lambda base, customer_id: {"high_volume"} if _named_flags(base, customer_id) != {"high_volume"} else {"benchmark"},
         "big spending is only one flag; look at their referrals, suggestions and new-market orders as well."),
    ],
    reason=lambda base, customer_id: f"The kit's rules say: {_flags(base).loc[customer_id, 'flag_reason']}.",
    pick=_pick_flagged,
)
def _named_flags(base, customer_id):
    row = _flags(base).loc[customer_id]
    return {name for name in FLAG_NAMES if bool(row[name])}


@exercise(
    "06.7",
    "Predict before you move the slider: if the discount-share threshold falls from 0.5 to 0.2, will the precision "
    "of the discount-driven rule go 'up', 'down' or 'stay'?",
    "a lower bar lets in more customers, true ones and others alike.",
    kind="predict",
    choices=("up", "down", "stay"),
    reason=lambda base: (f"Precision {_recall(base, 'precision', 0.5):.0%} at 0.5 and {_recall(base, 'precision', 0.2):.0%} "
                         f"at 0.2; recall {_recall(base, 'recall', 0.5):.0%} and {_recall(base, 'recall', 0.2):.0%}. "
                         "A lower threshold finds more of the true ones and lets in more of the others."),
)
def _precision_direction(base):
    before, after = _recall(base, "precision", 0.5), _recall(base, "precision", 0.2)
    return "up" if after > before else "down" if after < before else "stay"
