"""Exercises of notebook 03, the 80/20 rule, key accounts and tiers (dataset: retail)."""
from __future__ import annotations

from ..data import summarize
from ..segment import assign_tiers, concentration, top_share
from .core import exercise


def _summary(base):
    return summarize(base.orders, base.as_of)


@exercise(
    "03.1",
    "What share of all revenue do the top 20% of customers bring (as a fraction between 0 and 1, to three decimals)?",
    "sum `amount` per customer (or use `summarize`), then `top_share(revenue, 0.2)`.",
    hints=("the rule is about customers, not orders: what must happen to the orders before you rank anyone?",
           "make one row per customer with its revenue, rank them from the biggest, and divide the top fifth's revenue "
           "by the total."),
    decimals=3,
    mistakes=[
        (lambda base: top_share(base.orders["amount"], 0.2),
         "that ranks single orders, not customers: sum the orders of each customer first."),
        (lambda base: top_share(_summary(base)["revenue"], 0.2) * 100,
         "give a fraction between 0 and 1, not a percentage."),
    ],
)
def _top20(base):
    return top_share(_summary(base)["revenue"], 0.2)


@exercise(
    "03.2",
    "How many customers, the biggest first, together make half of all revenue?",
    "rank customers by revenue with `pareto_table`, and count the rows until `cum_share_of_value` reaches 0.5 "
    "(or read `n_for_half` from `concentration`).",
    mistakes=[
        (lambda base: _summary(base).shape[0] / 2, "that is half of the customers; count the biggest customers until they hold half of the revenue."),
        (lambda base: concentration(base.orders)["share_for_half"].iloc[0],
         "that is a share of customers; the question asks for a number of customers."),
    ],
    hints=('rank from the biggest customer down and keep a running total.',
           'use the cumulative share of revenue of the ranked customers and count them until it reaches one half.'),
)
def _n_for_half(base):
    return int(concentration(_summary(base))["n_for_half"].iloc[0])


@exercise(
    "03.3",
    "With the default tiers (`assign_tiers` on the summary: key = top 5%, important = next 15% of customers by score), "
    "what share of revenue do the key customers bring?",
    "group the tiered table by `tier`, sum `revenue`, and divide the key tier's sum by the total.",
    mistakes=[
        (lambda base: top_share(_summary(base)["revenue"], 0.05),
         "that is the top 5% by revenue alone; the tiers rank by the blended score (revenue, orders, margin)."),
        (lambda base: float((assign_tiers(_summary(base))["tier"] == "key").mean()),
         "that is the key tier's share of customers; the question asks for its share of revenue."),
    ],
    hints=("the tiers rank by a blended score, not by revenue alone: use the kit's tiers.",
           "tier the per-customer summary with the defaults, then compare the key tier's revenue with everyone's."),
)
def _key_revenue_share(base):
    tiers = assign_tiers(_summary(base))
    return float(tiers.loc[tiers["tier"] == "key", "revenue"].sum() / tiers["revenue"].sum())


# Three prospect levels (无差别 / 合格 / 关键): on a base with leads (b2b).

def _levels(base):
    from ..segment import lead_levels

    return lead_levels(base.leads)


@exercise(
    "03.4",
    "On your own b2b base (`generate('b2b', seed=MY_SEED)`), how many times higher is the conversion rate of key "
    "leads than that of undifferentiated ones? Give the ratio to two decimals.",
    "`lead_levels(mine.leads)`, then `conversion_rate` of 'key' divided by that of 'undifferentiated'.",
    hints=("a rate per level first (converted / leads), then compare the two levels.",
           "`lead_levels` gives one row per level with its `conversion_rate`; divide the key row's by the "
           "undifferentiated row's."),
    decimals=2,
    mistakes=[
        (lambda base: float(_levels(base).loc["key", "conversion_rate"] - _levels(base).loc["undifferentiated", "conversion_rate"]),
         "that is a difference of rates; the question asks how many times higher, a ratio."),
        (lambda base: float(_levels(base).loc["key", "converted"] / _levels(base).loc["undifferentiated", "converted"]),
         "that compares numbers of converted leads; there are far fewer key leads, so compare rates."),
        (lambda base: float(_levels(base).loc["undifferentiated", "conversion_rate"] / _levels(base).loc["key", "conversion_rate"]),
         "the ratio is upside down: key over undifferentiated."),
    ],
)
def _key_vs_tap(base):
    lv = _levels(base)
    return float(lv.loc["key", "conversion_rate"] / lv.loc["undifferentiated", "conversion_rate"])


@exercise(
    "03.5",
    "Predict before you run the next cell: of the leads still waiting in the pool unassigned, which level has the "
    "most? Answer 'undifferentiated', 'qualified' or 'key'.",
    "the pool fills with what nobody picked: count the unassigned leads per level with `lead_levels`.",
    kind="predict",
    choices=("undifferentiated", "qualified", "key"),
    reason=lambda base: ("Unassigned leads per level: "
                         + ", ".join(f"{k} {int(v)}" for k, v in _levels(base)["unassigned"].items())
                         + ". What waits longest in a pool is what nobody picked first; a rule that assigns key leads "
                           "first keeps the best ones from waiting."),
)
def _most_unassigned(base):
    return str(_levels(base)["unassigned"].astype(int).idxmax())


def _tiers(base):
    return assign_tiers(_summary(base))


def _pick_border(base):
    # the important customer ranked first: close to the key tier, so the decision needs the rule
    t = _tiers(base).sort_values("score_rank")
    rows = t.index[t["tier"].astype(str) == "important"]
    return {"customer_id": str(rows[0] if len(rows) else t.index[0])}


@exercise(
    "03.6",
    "Decide: in which tier (key, important or general) do the default tiers put the customer that "
    "`ex.params_for('03.6', mine)` names? Decide from their rank and the cut-offs, then check.",
    "`assign_tiers(summarize(mine.orders, mine.as_of))` and read the customer's `tier`: key is the top 5% by "
    "`score_rank`, important the next 15%.",
    kind="decide",
    choices=("key", "important", "general"),
    hints=("tiers cut the ranking by score at shares of customers: where does this customer's rank fall?",
           "divide the customer's `score_rank` by the number of customers and compare with 5% and 20%."),
    mistakes=[
        (lambda base, customer_id: "key" if str(_tiers(base).loc[customer_id, "tier"]) != "key" else "important",
         "close, but the key tier stops at the top 5% of customers by score: count the rank against that cut-off."),
    ],
    reason=lambda base, customer_id: (
        f"Rank {int(_tiers(base).loc[customer_id, 'score_rank'])} of {len(_tiers(base))} by score "
        f"({_tiers(base).loc[customer_id, 'score_rank'] / len(_tiers(base)):.1%} from the top): key is the top 5%, "
        "important the next 15%."),
    pick=_pick_border,
)
def _tier_of(base, customer_id):
    return str(_tiers(base).loc[customer_id, "tier"])
