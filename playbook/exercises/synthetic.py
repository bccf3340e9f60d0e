"""Exercises of notebook 02, Synthetic customers."""
from __future__ import annotations

from .core import exercise


@exercise(
    "02.1",
    "What share of all customers are wanderers who never placed an order?",
    "in `base.truth`, combine `persona == 'wanderer'` with `~first_purchase`, then take the mean.",
    mistakes=[
        (lambda base: float((base.truth.persona.astype(str) == "wanderer").mean()),
         "that is the share of all wanderers; many wanderers do buy now and then. Keep only those with `first_purchase == False`."),
        (lambda base: float((~base.truth.first_purchase).mean()) * 100, "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('two conditions at once: the persona, and whether they ever bought.',
           'use the answer key `base.truth`: it has the persona and a flag for a first purchase.'),
)
def _never_bought(base):
    t = base.truth
    return float(((t.persona.astype(str) == "wanderer") & ~t.first_purchase).mean())


def _discount_share(base, persona):
    orders = base.orders.merge(base.truth[["customer_id", "persona"]], on="customer_id")
    mine = orders[orders.persona.astype(str) == persona]
    return float((mine.discount > 0).mean())


@exercise(
    "02.2",
    "What share of the orders placed by discount-driven customers carry a discount?",
    "join `orders` with `truth[['customer_id', 'persona']]`, keep the discount-driven rows, and average `discount > 0`.",
    mistakes=[
        (lambda base: float((base.orders.discount > 0).mean()),
         "that is the share over all customers' orders; keep only the orders of discount-driven customers."),
        (lambda base: _discount_share(base, "loyal"), "that looks like the figure for loyal customers; filter on 'discount_driven'."),
    ],
    hints=('first find the orders of discount-driven customers; the persona is not in the orders table.',
           "attach each order's persona from `truth`, keep the discount-driven ones, and average a test on `discount`."),
)
def _discount_driven_share(base):
    return _discount_share(base, "discount_driven")


@exercise(
    "02.3",
    "Which persona has the most browsing sessions per customer?",
    "count `kind == 'browse'` interactions per customer, join the persona from `truth`, and compare the means by persona "
    "(customers with no sessions count as zero).",
    hints=('browsing is an interaction, not an order; and customers who never browsed still count.',
           'count browse sessions per customer, add the persona from `truth` with zeros for those with none, and compare averages per persona.'),
)
def _most_browsing(base):
    from ..synth import persona_traces

    traces = persona_traces(base)
    return str(traces.groupby("persona", observed=True)["browse_sessions"].mean().idxmax())
