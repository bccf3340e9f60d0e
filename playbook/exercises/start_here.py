"""Exercises of notebook 00, Start here: warm-ups on the learner's own small shop.

The notebook's cells show the shipped ``retail`` base; the exercises run on
``generate('retail', n_customers=1000, seed=MY_SEED)``, so the learner meets the pattern every later notebook uses
(their own base, their own figures) and a neighbour's answer does not pass.
"""
from __future__ import annotations

from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 1000)


@exercise(
    "00.1",
    "On your own shop (`mine = generate('retail', n_customers=1000, seed=MY_SEED)`): how many customers placed at "
    "least one order?",
    "count the distinct customer ids in `mine.orders` (`.nunique()`).",
    mistakes=[
        (lambda base: len(base.customers), "`customers` also lists people who registered but never bought: count the distinct ids in `orders` instead."),
        (lambda base: len(base.orders), "that is the number of orders; several orders can belong to one customer."),
    ],
    hints=('a customer who never ordered does not count, and one who ordered ten times counts once.',
           "look in the orders table of your own shop and count each buyer's id once."),
    own=OWN,
)
def _buyers(base):
    return int(base.orders.customer_id.nunique())


def _share_buying_for_others(base) -> float:
    return float((base.customers.relation.astype(str) == "buys_for_others").mean())


@exercise(
    "00.2",
    "On your own shop, what share of customers buy for somebody else (the buyer is not the consumer)?",
    "use the `relation` column of `mine.customers` and take the mean of a True/False test.",
    mistakes=[
        (lambda base: float((base.orders.recipient.astype(str) != "self").mean()),
         "that is a share of orders; the question asks for a share of customers (see `customers.relation`)."),
        (lambda base: _share_buying_for_others(base) * 100,
         "give the share as a fraction between 0 and 1, not a percentage."),
        (lambda base: 1 - _share_buying_for_others(base),
         "that is the share who buy for themselves; the question asks for those who buy for somebody else."),
    ],
    hints=('the question is about people, not about orders: which table has one row per customer?',
           "in `mine.customers`, test each customer's relation and average the True/False results."),
    own=OWN,
)
def _buy_for_others(base):
    return _share_buying_for_others(base)
