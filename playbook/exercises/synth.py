"""Exercises of notebook 02, Synthetic customers."""
from __future__ import annotations

import pandas as pd

from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 3000, "my_shop")


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


# The realism cohort starts on this date in every notebook-02 base (retail data from 2023-01-01).
PANEL_START = "2023-01-01"


def _realism(base):
    from ..synth import realism

    return realism(base, start=PANEL_START).set_index("measure")


def _one_time_band(base):
    row = _realism(base).loc["one_time_buyers"]
    return row.ours, row.low, row.high, row.real


def _one_time_reason(base):
    ours, low, high, real = _one_time_band(base)
    why = ("In the classic process a buyer can leave only right after a repeat purchase, with a small chance each "
           "time, so most buyers come back; real shops lose about half their new buyers after one purchase."
           if ours < low else "Here buyers may leave at any time, and many try once and go, as in real panels.")
    return (f"One-time buyers in this base's 78-week cohort: {ours:.0%}; the real panel (CDNOW): {real:.0%}, band "
            f"{low:.0%}-{high:.0%}. {why}")


@exercise(
    "02.4",
    "Predict before you run the next cell: in the shipped `retail` base (realistic process), is the share of one-time "
    "buyers 'below', 'inside' or 'above' the real panel's band (40%-62%)?",
    "think about when a realistic customer may leave: on any day, including soon after a first purchase.",
    kind="predict",
    choices=("below", "inside", "above"),
    reason=_one_time_reason,
)
def _one_time_side(base):
    ours, low, high, _ = _one_time_band(base)
    return "below" if ours < low else "above" if ours > high else "inside"


def _purchase_days(base, *, window: bool = True, cohort: bool = True):
    """Purchase days per customer counted as ``realism`` counts them, or with one of its steps left out."""
    start = pd.Timestamp(PANEL_START)
    o = base.orders[["customer_id", "order_date"]]
    if window:
        o = o[(o.order_date >= start) & (o.order_date < start + pd.Timedelta(weeks=78))]
    o = o.assign(day=o.order_date.dt.normalize())
    first = o.groupby("customer_id", observed=True).day.min()
    per_customer = o.groupby("customer_id", observed=True).day.nunique()
    if cohort:
        per_customer = per_customer[first < start + pd.Timedelta(weeks=12)]
    return per_customer


@exercise(
    "02.5",
    "On your own base, recompute realism's first measure by hand: among customers whose first purchase falls in the "
    "12 weeks from 2023-01-01, what share bought on exactly one day in the 78 weeks from 2023-01-01?",
    "keep orders in the 78 weeks, turn each order date into its day (`.dt.normalize()`), keep customers whose first "
    "day is in the first 12 weeks, and take the share with one distinct day.",
    mistakes=[
        (lambda base: float((_purchase_days(base, window=False) == 1).mean()),
         "you counted every purchase day in the data; the real panel follows its cohort for 78 weeks only. "
         "Cut the orders to the 78 weeks from 2023-01-01 first."),
        (lambda base: float((_purchase_days(base, cohort=False) == 1).mean()),
         "that is over every buyer of the 78 weeks; keep only the cohort whose first purchase is in the first 12 weeks."),
    ],
    hints=("three steps: a window of 78 weeks, a cohort of first-time buyers in its first 12 weeks, and purchases "
           "counted as days.",
           "count purchase days, not orders (two orders on one day are one purchase); then compare your figure with "
           "the `one_time_buyers` row of `realism(mine, start='2023-01-01')`."),
    own=OWN,
)
def _one_time_share(base):
    return float((_purchase_days(base) == 1).mean())


# 02.6-02.7: what the firm sees (silence) against what the answer key knows (the hidden dropout date).

def _silence(base) -> pd.DataFrame:
    """Per buyer: days since the last order on the review date, and whether the answer key says they had left."""
    as_of = pd.Timestamp(base.as_of)
    last = base.orders.groupby(base.orders["customer_id"].astype(str))["order_date"].max()
    truth = base.truth.set_index(base.truth["customer_id"].astype(str))
    dropout = truth["dropout_date"].reindex(last.index)
    return pd.DataFrame({"days_silent": (as_of.normalize() - last.dt.normalize()).dt.days,
                         "dropout_date": dropout, "gone": dropout.le(as_of)})


def _pick_silent_but_here(base) -> dict:
    """The buyer silent longest (first by id among equals) whom the answer key still has as a customer."""
    s = _silence(base).sort_index()
    here = s[~s["gone"]]
    if not len(here):
        return {"customer_id": str(s.index[0])}
    return {"customer_id": str(here["days_silent"].sort_values(ascending=False, kind="stable").index[0])}


def _status(base, customer_id) -> str:
    return "gone" if bool(_silence(base).loc[customer_id, "gone"]) else "active"


def _silence_reason(base, customer_id) -> str:
    s = _silence(base)
    row = s.loc[customer_id]
    year = s[s["days_silent"] > 365]
    when = "no dropout date" if pd.isna(row["dropout_date"]) else f"dropout date {row['dropout_date']:%Y-%m-%d}"
    return (f"The answer key: {when}, against a review date of {pd.Timestamp(base.as_of):%Y-%m-%d}; the customer has been "
            f"silent {int(row['days_silent'])} days. On your shop {int((~year['gone']).sum())} of the "
            f"{len(year)} buyers silent for more than a year are still customers by the key: slow buyers pause.")


@exercise(
    "02.6",
    "Decide: the cell names a customer of your own shop (`my_shop`) who has not ordered for a long time. By the kit's "
    "answer key (`my_shop.truth`: a customer is gone on the review date when their `dropout_date` is on or before "
    "`my_shop.as_of`), is this customer 'gone' or 'active'?",
    "`my_shop.truth.set_index('customer_id').loc[who['customer_id'], 'dropout_date']`: gone if it is on or before "
    "`my_shop.as_of`, active if it is later or missing (NaT).",
    kind="decide",
    choices=("gone", "active"),
    hints=("silence is what the firm sees; the answer key records what happened, and the two can differ.",
           "look the customer up in the truth table and compare their dropout date (if any) with the review date."),
    mistakes=[
        (lambda base, customer_id: "gone" if _status(base, customer_id) == "active" else "active",
         "that is what the silence suggests; the question asks the answer key. What does the customer's "
         "`dropout_date` say?"),
    ],
    reason=_silence_reason,
    pick=_pick_silent_but_here,
    own=OWN,
)
def _gone_or_active(base, customer_id):
    return _status(base, customer_id)


@exercise(
    "02.7",
    "Explain: a vendor shows you a churn model that 'finds 90% of the customers who left', scored against the answer "
    "key of a generated shop. Write which questions you would ask before believing it: which process made the data, "
    "what the model was asked to find (the already-gone or those who will leave), against which simple baseline, and "
    "how you would test the generator's planted effects on your own data.",
    "four parts: the process (classic or realistic), the task, the baseline, one planted effect and its test.",
    kind="explain",
    min_words=40,
    own=OWN,
)
def _believe_the_vendor(base):
    return None
