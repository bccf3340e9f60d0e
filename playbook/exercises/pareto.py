"""Exercises of notebook 03, the 80/20 rule, key accounts and tiers: all on the learner's own bases."""
from __future__ import annotations

from ..data import summarize
from ..segment import assign_tiers, pareto_table, top_share
from .core import exercise


def _summary(base):
    return summarize(base.orders, base.as_of)


# 03.1-03.3 run on the learner's own shop (`generate('retail', n_customers=1000, seed=MY_SEED)`) and ask what the
# cells above do not print: the top 10% (they print the top 20%), the customers that make 80% (they print half),
# the important tier (they print it for the shipped shop only).

def _revenue(base):
    return _summary(base)["revenue"]


def _n_for(base, level):
    ranked = pareto_table(_summary(base))
    return int((ranked["cum_share_of_value"] < level - 1e-12).sum() + 1)


@exercise(
    "03.1",
    "On your own shop (`generate('retail', n_customers=1000, seed=MY_SEED)`): what share of all revenue do the top "
    "10% of customers bring (a fraction between 0 and 1, to three decimals)?",
    "`top_share(playbook.summarize(my_shop.orders, my_shop.as_of)['revenue'], 0.1)`.",
    hints=("the cells above print the top 20% of the shipped shop; this asks a smaller top, on your shop.",
           "make one row per customer with its revenue, rank them from the biggest, and divide the revenue of the top "
           "tenth by the total."),
    decimals=3,
    mistakes=[
        (lambda base: top_share(_revenue(base), 0.2),
         "that is the top 20%, the notebook's threshold; the question asks for the top 10%."),
        (lambda base: top_share(base.orders["amount"], 0.1),
         "that ranks single orders, not customers: sum the orders of each customer first."),
    ],
)
def _top10(base):
    return top_share(_revenue(base), 0.1)


@exercise(
    "03.2",
    "On your own shop: how many customers, the biggest first, together make 80% of all revenue?",
    "rank your customers with `pareto_table(playbook.summarize(my_shop.orders, my_shop.as_of))` and count the rows until "
    "`cum_share_of_value` reaches 0.8: `(ranked['cum_share_of_value'] < 0.8).sum() + 1`.",
    mistakes=[
        (lambda base: _n_for(base, 0.5),
         "that is the number that makes half of revenue, the figure the notebook prints; the question asks for 80%."),
        (lambda base: _n_for(base, 0.8) - 1,
         "one short: those customers make a little less than 80%; the customer who crosses 80% counts too."),
        (lambda base: int(round(0.2 * len(_summary(base)))),
         "that is 20% of your customers, the rule of thumb; count the customers your own data needs to reach 80%."),
        (lambda base: float((_n_for(base, 0.8)) / len(_summary(base))),
         "that is a share of customers; the question asks for a number of customers."),
    ],
    hints=("the 80/20 rule is a guess to test: count on your own shop how many customers 80% of revenue takes.",
           "rank customers from the biggest down, keep a running share of revenue, and count them until it reaches "
           "0.8."),
    rtol=0.0,  # a count is exact: one customer short is the off-by-one mistake, not a rounding
)
def _n_for_80(base):
    return _n_for(base, 0.8)


def _tier_share(base, tiers=("important",), of="revenue"):
    t = assign_tiers(_summary(base))
    mine = t["tier"].astype(str).isin(tiers)
    return float(mine.mean()) if of == "customers" else float(t.loc[mine, "revenue"].sum() / t["revenue"].sum())


@exercise(
    "03.3",
    "On your own shop, with the default tiers (`assign_tiers` on the summary: key = top 5%, important = next 15% of "
    "customers by score): what share of revenue does the important tier bring?",
    "`t = assign_tiers(playbook.summarize(my_shop.orders, my_shop.as_of))`, then the `revenue` of the rows whose `tier` is "
    "'important' divided by all `revenue`.",
    decimals=3,
    mistakes=[
        (lambda base: _tier_share(base, ("key",)),
         "that is the key tier; the question asks for the important tier, the next 15%."),
        (lambda base: _tier_share(base, ("key", "important")),
         "that adds the key tier; take the important tier alone."),
        (lambda base: _tier_share(base, ("important",), of="customers"),
         "that is the important tier's share of customers; the question asks for its share of revenue."),
    ],
    hints=("the tiers rank by a blended score, not by revenue alone: use the kit's tiers on your shop.",
           "tier the per-customer summary of your shop with the defaults, then compare the important tier's revenue "
           "with everyone's."),
)
def _important_revenue_share(base):
    return _tier_share(base, ("important",))


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
