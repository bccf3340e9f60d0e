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
)
def _loyal_as_need_based(base):
    return _loyal_called_need_based(base)
