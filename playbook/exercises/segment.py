"""Exercises of notebook 03, the 80/20 rule, key accounts and tiers: all on the learner's own bases."""
from __future__ import annotations

from ..data import summarize
from ..segment import TIERS, assign_tiers, pareto_table, top_share
from .core import OwnBase, exercise

# the learner's own bases, as the notebook's setup cells build them: a retail shop, then a b2b base for the leads
MY_SHOP = OwnBase("retail", 1000, "my_shop")
MINE_B2B = OwnBase("b2b")


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
    own=MY_SHOP,
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
    own=MY_SHOP,
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
    own=MY_SHOP,
)
def _important_revenue_share(base):
    return _tier_share(base, ("important",))


# Three prospect levels (潜在客户三个层次: 无差别 / 合格 / 关键), on the learner's own b2b base (it has a lead pool).
# The notebook prints the shipped base's conversion rates; 03.4 asks a ratio on the learner's leads, 03.5 asks which
# level brings the most customers (a count, which the rates alone do not show).

def _levels(base):
    from ..segment import lead_levels

    return lead_levels(base.leads)


def _rate(base, level, column="conversion_rate"):
    return float(_levels(base).loc[level, column])


@exercise(
    "03.4",
    "On your own b2b base (`mine = generate('b2b', seed=MY_SEED)`): how many times higher is the conversion rate of key "
    "leads (关键) than that of undifferentiated ones (无差别)? Give the ratio to two decimals.",
    "`lv = lead_levels(mine.leads)`, then `lv.loc['key', 'conversion_rate'] / lv.loc['undifferentiated', "
    "'conversion_rate']`.",
    hints=("'how many times higher' is a ratio of two rates; each level's rate is its own converted leads over its own "
           "leads.",
           "work out the conversion rate of each level on your own lead pool, then divide the key level's by the "
           "undifferentiated level's."),
    decimals=2,
    mistakes=[
        (lambda base: _rate(base, "key") - _rate(base, "undifferentiated"),
         "that is a difference of rates (points); the question asks how many times higher, a ratio."),
        (lambda base: _rate(base, "key", "converted") / _rate(base, "undifferentiated", "converted"),
         "that compares numbers of converted leads, and the levels have very different sizes: compare rates."),
        (lambda base: _rate(base, "undifferentiated") / _rate(base, "key"),
         "the ratio is upside down: the key level's rate over the undifferentiated level's."),
        (lambda base: _rate(base, "key") / _rate(base, "qualified"),
         "that compares key with qualified (合格) leads; the question compares key with undifferentiated ones."),
    ],
    own=MINE_B2B,
)
def _key_vs_undifferentiated(base):
    return _rate(base, "key") / _rate(base, "undifferentiated")


_LEVELS = ("undifferentiated", "qualified", "key")


@exercise(
    "03.5",
    "Predict before you run the next cell: on your own b2b base, which level of leads brought in the most new "
    "customers (the most converted leads)? Answer 'undifferentiated', 'qualified' or 'key'.",
    "a rate is not a count: a level converts many customers when it is both large and converts well.",
    kind="predict",
    choices=_LEVELS,
    reason=lambda base: ("Converted leads per level: "
                         + ", ".join(f"{k} {int(v)} of {int(n)} ({v / n:.0%})" for k, v, n in
                                     zip(_levels(base).index, _levels(base)["converted"], _levels(base)["leads"]))
                         + ". The key level converts best, but it is small; more new customers come from the level "
                           "that is both large and converts fairly well. Give reps' time by rate, plan the pipeline "
                           "by volume."),
    own=MINE_B2B,
)
def _most_converted(base):
    return str(_levels(base)["converted"].astype(int).idxmax())


def _tiers(base):
    return assign_tiers(_summary(base))


def _pick_border(base):
    """The last customer of the important tier: just above the 20% cut, where '15%' and '20%' disagree."""
    t = _tiers(base).sort_values("score_rank")
    rows = t.index[t["tier"].astype(str) == "important"]
    return {"customer_id": str(rows[-1] if len(rows) else t.index[-1])}


def tier_evidence(base, customer_id) -> str:
    """What 03.6 shows the learner: the customer's rank by score and the number of customers, not the tier."""
    t = _tiers(base)
    return f"rank {int(t.loc[customer_id, 'score_rank'])} by score, of {len(t)} customers"


def _tier_by_rank(base, customer_id, key=0.05, important=0.20):
    t = _tiers(base)
    before = (int(t.loc[customer_id, "score_rank"]) - 1) / len(t)
    return "key" if before < key else "important" if before < important else "general"


@exercise(
    "03.6",
    "Decide: the cell names a customer of your own b2b base and their rank by score among all customers. In which tier "
    "(key, important or general) do the default tiers put them? Decide from the rank and the cut-offs, then check.",
    "`assign_tiers(playbook.summarize(mine.orders, mine.as_of))` and read the customer's `tier`: key is the top 5% of customers "
    "by score, important the next 15%, so it ends at 20% from the top.",
    kind="decide",
    choices=TIERS,
    hints=("the tiers cut the ranking at shares of customers: how far from the top, as a share, is this customer?",
           "divide the rank by the number of customers and compare it with the two cut-offs of the default tiers."),
    mistakes=[
        (lambda base, customer_id: _tier_by_rank(base, customer_id, important=0.15),
         "the important tier is the next 15% after the key 5%: it ends 20% from the top, not 15%."),
        (lambda base, customer_id: "key" if _tier_of(base, customer_id) != "key" else "important",
         "the key tier is only the top 5% of customers by score: compare the rank with that cut-off."),
    ],
    reason=lambda base, customer_id: (
        f"Rank {int(_tiers(base).loc[customer_id, 'score_rank'])} of {len(_tiers(base))} by score "
        f"({(_tiers(base).loc[customer_id, 'score_rank'] - 1) / len(_tiers(base)):.1%} of customers ahead of them): "
        "key is the top 5%, important the next 15% (down to 20%), general the rest."),
    pick=_pick_border,
    own=MINE_B2B,
)
def _tier_of(base, customer_id):
    return str(_tiers(base).loc[customer_id, "tier"])


@exercise(
    "03.7",
    "Explain: you are asked to write the service policy for your own shop's three tiers (key, important, general). "
    "For each tier, say what it gets (who looks after it, how often it is contacted, what it is offered) and defend "
    "the cut-offs (top 5%, next 15%) with your shop's own figures: the revenue share of each tier, and what would "
    "change if the key tier were the top 10% instead.",
    "three lines of policy, one per tier, then the cut-offs defended with the revenue shares of your shop.",
    kind="explain",
    min_words=40,
    own=MY_SHOP,
)
def _tier_policy(base):
    return None
