"""Exercises of notebook 07, core customers and opinion leaders: the compute ones on the learner's own retail shop.

The notebook's cells print their figures for the shipped ``retail`` base (top-50 lists and their overlap, precision at 20, the widest
referral trees). The exercises ask something those cells do not print, on a shop only the learner has
(``generate('retail', n_customers=2000, seed=MY_SEED)``): a copied figure or a neighbour's answer fails.
"""
from __future__ import annotations

import pandas as pd

from ..influence import core_vs_biggest, opinion_leaders, precision_at_k, reach_of_loss
from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 2000)

# The notebook compares top-50 lists; exercise 07.1 asks about the top 100 (5% of a 2,000-customer shop).
_NOTEBOOK_K, _K = 50, 100
# Exercise 07.2 compares the kit's gold-salesperson ranking with the naive one at this depth (1% of a 2,000 shop).
_DEPTH = 20


def _leaders(base):
    return opinion_leaders(base)


def _list_share(base, k, keep="influence_only"):
    """Share of all revenue brought in by one top-k list (the most influential, or the biggest spenders)."""
    leaders = _leaders(base)
    lists = core_vs_biggest(leaders, k=k)
    members = lists.index[lists["list"].isin([keep, "both"])]
    return float(leaders["revenue"].reindex(members).sum() / leaders["revenue"].sum())


@exercise(
    "07.1",
    f"On your own shop (`mine = generate('retail', n_customers=2000, seed=MY_SEED)`): what share of all revenue do "
    f"your {_K} most influential customers (the influence list of `core_vs_biggest`, default `opinion_leaders`) "
    "bring in? Give a fraction.",
    f"`lists = core_vs_biggest(opinion_leaders(mine), k={_K})`; the influence list is the rows whose `list` is not "
    "'spend_only'; sum their `revenue` and divide by the revenue of all customers in `opinion_leaders(mine)`.",
    mistakes=[
        (lambda base: _list_share(base, _K, keep="spend_only"),
         f"that is the share of the {_K} biggest spenders; the question asks about the {_K} most influential."),
        (lambda base: _list_share(base, _NOTEBOOK_K),
         f"that is the top {_NOTEBOOK_K}, the length of the notebook's lists; the question asks about the top {_K}."),
        (lambda base: _list_share(base, _K) * _leaders(base)["revenue"].sum(),
         "that is their revenue in money; divide it by the revenue of all customers."),
    ],
    hints=(f"one list of {_K} names, their revenue, and all revenue: a share.",
           "the kit's two top lists mark each customer as influence only, spend only or both; the influence list is "
           "'influence only' plus 'both'."),
    own=OWN,
)
def _influence_share(base):
    return _list_share(base, _K)


def _gold(base, score=None, k=_DEPTH):
    leaders = _leaders(base)
    ranking = leaders if score is None else leaders[score].fillna(0).astype(float)
    return float(precision_at_k(ranking, base.truth, "gold_salesperson", k))


@exercise(
    "07.2",
    f"On your own shop, at k = {_DEPTH}: by how much is the precision of the kit's gold-salesperson ranking higher "
    "than that of the naive ranking by raw conversion rate (`conversion_rate`)? Answer as a difference of fractions "
    "(0.10 for ten points; negative if the naive ranking does better).",
    f"`precision_at_k(leaders, mine.truth, 'gold_salesperson', {_DEPTH})` minus "
    f"`precision_at_k(leaders['conversion_rate'].fillna(0), mine.truth, 'gold_salesperson', {_DEPTH})`, with "
    "`leaders = opinion_leaders(mine)`.",
    mistakes=[
        (lambda base: _gold(base),
         "that is the kit's precision alone; subtract the precision of the raw conversion rate."),
        (lambda base: _gold(base, "conversion_rate") - _gold(base),
         "the sign is the wrong way round: the kit's precision minus the naive one."),
    ],
    hints=("two rankings of the same customers, one precision each, then a difference.",
           "precision at k accepts the leaders table (the kit's shrunk score) or any column of scores; use the raw "
           "conversion rate as the second ranking."),
    decimals=2,
    own=OWN,
)
def _gold_gain(base):
    return _gold(base) - _gold(base, "conversion_rate")


def _by_reach(table):
    return table.sort_index(kind="stable").sort_values("n_reach", ascending=False, kind="stable")


def _pick_gold(base) -> dict:
    """The predicted gold salesperson with the widest referral tree (ties: the smallest id)."""
    leaders = _leaders(base)
    gold = _by_reach(leaders[leaders["predicted_role"] == "gold_salesperson"])
    return {"customer_id": str(gold.index[0])}


def _share(base, customer_id, **kw):
    return float(reach_of_loss(base, [customer_id], **kw).iloc[0]["share_of_revenue"])


@exercise(
    "07.3",
    "On your own shop, the cell names one customer (`ex.params_for('07.3', mine)`): the gold salesperson with the "
    "widest referral tree. If they left and took their whole tree with them, what share of all revenue would walk "
    "out? Give a fraction to five decimals.",
    "`reach_of_loss(mine, [customer_id])` and read `share_of_revenue` (their own revenue plus everyone down their "
    "tree).",
    mistakes=[
        (lambda base, customer_id: float(reach_of_loss(base, [customer_id]).iloc[0]["own_revenue"]
                                         / reach_of_loss(base, [customer_id]).iloc[0]["revenue_at_stake"]
                                         * _share(base, customer_id)),
         "that is only the customer's own revenue; add the revenue of everyone down their referral tree."),
        (lambda base, customer_id: _share(base, customer_id, depth=1),
         "that stops at the customers they referred themselves; follow the tree all the way down (depth=None)."),
        (lambda base, customer_id: _share(base, str(_by_reach(_leaders(base)).index[0])),
         "that is the customer with the widest tree of all, as in the notebook's cells; the question names a gold "
         "salesperson: use the `customer_id` the cell printed."),
    ],
    hints=("a loss reaches further than the customer: their referrals, and the referrals of those.",
           "measure the share of all revenue held by the named customer and everyone down their tree."),
    decimals=5,
    pick=_pick_gold,
    own=OWN,
)
def _reach_share(base, customer_id):
    return _share(base, customer_id)


@exercise(
    "07.4",
    "Explain: pick the leader with the widest referral tree. Using the five ways to keep core customers (think from "
    "their side, guarantee quality, share market information, personalise service, be reachable) and the two "
    "ground rules, write the three actions you would take with them this quarter, most important first, and why.",
    "one action per line, each tied to something the data shows about this leader (their role, their tree, an open "
    "complaint).",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _keep_the_leader(base):
    return None


# 07.5 and 07.6: losing a core customer cuts an artery (their followers go too), so protect by what walks out.
_WHO = ("the biggest spender", "someone else")


def _widest(base) -> str:
    """The customer with the widest referral tree (ties: the smallest id), as the notebook's cells rank them."""
    return str(_by_reach(_leaders(base)).index[0])


def _spender(base) -> str:
    """The biggest spender (ties: the smallest id)."""
    return str(_leaders(base)["revenue"].sort_index(kind="stable").idxmax())


def _at_stake(base) -> pd.DataFrame:
    """Revenue at stake for every customer who could top the list: the biggest spender and everyone with a tree
    (without followers, nobody puts more at stake than the biggest spender), largest first, ties by id."""
    leaders = _leaders(base)
    ids = sorted(set(map(str, leaders.index[leaders["n_reach"] > 0])) | {_spender(base)})
    return _by_stake(reach_of_loss(base, ids))


def _by_stake(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_index(kind="stable").sort_values("revenue_at_stake", ascending=False, kind="stable")


def _who_reason(base) -> str:
    t = _at_stake(base)
    top, spender = t.index[0], _spender(base)
    row = t.iloc[0]
    if top == spender:
        return (f"On this shop the most revenue walks out with {top}, the biggest spender: own "
                f"{row['own_revenue']:,.0f}, followers {row['reach_revenue']:,.0f}. Their followers add little; the "
                "next cell shows who comes close.")
    rank = int((_leaders(base)["revenue"] > _leaders(base).loc[top, "revenue"]).sum()) + 1
    return (f"On this shop the most revenue walks out with {top}: own {row['own_revenue']:,.0f} (number {rank} by "
            f"spend), followers {row['reach_revenue']:,.0f}; the biggest spender, {spender}, puts "
            f"{t.loc[spender, 'revenue_at_stake']:,.0f} at stake. A spend report would have missed them.")


@exercise(
    "07.5",
    "Predict before you run the next cell: on your own shop, whose loss would take the most revenue with it, counting "
    "their own spending and everyone down their referral tree: 'the biggest spender' or 'someone else'?",
    "commit to a guess first; then `reach_of_loss` on the biggest spender and on every customer with a referral tree "
    "gives each one's `revenue_at_stake`.",
    kind="predict",
    choices=_WHO,
    reason=_who_reason,
    own=OWN,
)
def _most_at_stake(base):
    return _WHO[0] if _at_stake(base).index[0] == _spender(base) else _WHO[1]


def _stakes(base, customers) -> pd.DataFrame:
    return reach_of_loss(base, list(customers))


def _pick_three(base) -> dict:
    """Three customers to weigh: the biggest spender, the widest referral tree, and the customer (neither of those)
    whose followers spend the most. Named in the order of their ids, so the order gives nothing away."""
    leaders = _leaders(base)
    spender, widest = _spender(base), _widest(base)
    # only customers with a referral tree have followers to weigh (reach_of_loss is slow over a whole shop)
    rest = [c for c in leaders.index[leaders["n_reach"] > 0] if c not in (spender, widest)]
    followers = _stakes(base, rest)["reach_revenue"].sort_index(kind="stable")
    return {"customers": tuple(sorted((spender, widest, str(followers.idxmax()))))}


def _protect_reason(base, customers) -> str:
    t = _stakes(base, customers).sort_values("revenue_at_stake", ascending=False, kind="stable")
    rows = "; ".join(f"{cid}: own {r.own_revenue:,.0f}, followers {r.reach_revenue:,.0f} ({int(r.n_reach)} down the "
                     f"tree), at stake {r.revenue_at_stake:,.0f}" for cid, r in t.iterrows())
    return (f"The kit ranks by revenue at stake, own plus everyone down the tree: {rows}. Protect {t.index[0]} first: "
            "their loss cuts the widest artery, in money, not in heads.")


@exercise(
    "07.6",
    "Decide: `ex.params_for('07.6', mine)` names three customers of your own shop. You can give one of them a "
    "personal call from the owner this week. Which do you protect first, by the kit's rule (the most revenue walks "
    "out if they leave, their followers included)? Answer with their id, such as 'C00042'.",
    "`reach_of_loss(mine, customers)`: the customer with the largest `revenue_at_stake`.",
    kind="decide",
    hints=("what walks out with a customer is more than what they buy themselves.",
           "for each of the three, add their own revenue and the revenue of everyone down their referral tree; "
           "protect the largest total."),
    mistakes=[
        (lambda base, customers: str(_stakes(base, customers)["own_revenue"].idxmax()),
         "that one spends the most themselves; add what their followers spend: a loss takes the whole tree with it."),
        (lambda base, customers: str(_stakes(base, customers)["n_reach"].idxmax()),
         "that one has the most followers, but followers differ in what they spend: rank by the revenue at stake, "
         "not by the number of heads."),
    ],
    reason=_protect_reason,
    pick=_pick_three,
    own=OWN,
)
def _protect_first(base, customers):
    t = _stakes(base, customers).sort_index(kind="stable")
    return str(t["revenue_at_stake"].idxmax())
