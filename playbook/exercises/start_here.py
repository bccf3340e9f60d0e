"""Exercises of notebook 00, Start here."""
from __future__ import annotations

from .core import exercise


@exercise(
    "00.1",
    "How many customers placed at least one order?",
    "count the distinct customer ids in `base.orders` (`.nunique()`).",
    mistakes=[
        (lambda base: len(base.customers), "`customers` also lists people who registered but never bought: count the distinct ids in `orders` instead."),
        (lambda base: len(base.orders), "that is the number of orders; several orders can belong to one customer."),
    ],
    hints=('a customer who never ordered does not count, and one who ordered ten times counts once.',
           "look in the orders table and count each buyer's id once."),
)
def _buyers(base):
    return int(base.orders.customer_id.nunique())


@exercise(
    "00.2",
    "What share of customers buy for somebody else (the buyer is not the consumer)?",
    "use the `relation` column of `base.customers` and take the mean of a True/False test.",
    mistakes=[
        (lambda base: float((base.orders.recipient.astype(str) != "self").mean()),
         "that is a share of orders; the question asks for a share of customers (see `customers.relation`)."),
        (lambda base: float((base.customers.relation.astype(str) == "buys_for_others").mean() * 100),
         "give the share as a fraction between 0 and 1, not a percentage."),
    ],
    hints=('the question is about people, not about orders: which table has one row per customer?',
           "in `base.customers`, test each customer's relation and average the True/False results."),
)
def _buy_for_others(base):
    return float((base.customers.relation.astype(str) == "buys_for_others").mean())
