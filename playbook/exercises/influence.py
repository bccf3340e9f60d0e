"""Exercises of notebook 07, core customers and opinion leaders (dataset: retail)."""
from __future__ import annotations

from ..data import summarize
from ..influence import core_vs_biggest, opinion_leaders, precision_at_k, reach_of_loss
from .core import exercise


def _leaders(base):
    return opinion_leaders(base)


def _top_tree(base) -> str:
    leaders = _leaders(base)
    return leaders.sort_index(kind="stable").sort_values("n_reach", ascending=False, kind="stable").index[0]


@exercise(
    "07.1",
    "How many of the 50 biggest customers by revenue are also among the 50 most influential (default `opinion_leaders`)?",
    "`core_vs_biggest(leaders, k=50)` lists both top-50 lists; count the rows whose `list` is 'both' "
    "(or read `.attrs['overlap']`).",
    mistakes=[
        (lambda base: len(core_vs_biggest(_leaders(base), k=50)),
         "that counts every customer in either list; count only those in both."),
        (lambda base: int((_leaders(base).loc[summarize(base.orders, base.as_of)["revenue"].nlargest(50).index, "predicted_role"]
                           != "none").sum()) + 0.5,
         "compare two rankings: the top 50 by influence score and the top 50 by revenue."),
    ],
    hints=('two top-50 lists, one by revenue and one by influence: how many names are on both?',
           'the kit puts both lists side by side; count the customers marked as in both.'),
)
def _overlap(base):
    return int(core_vs_biggest(_leaders(base), k=50).attrs["overlap"])


@exercise(
    "07.2",
    "Against the hidden truth, what is the precision at 20 of the gold-salesperson ranking (default `opinion_leaders`)? "
    "Give a fraction between 0 and 1.",
    "`precision_at_k(leaders, base.truth, 'gold_salesperson', 20)`: the share of the 20 best-scored customers who are "
    "truly gold salespeople.",
    mistakes=[
        (lambda base: precision_at_k(_leaders(base)["conversion_rate"].fillna(0), base.truth, "gold_salesperson", 20),
         "that ranks by the raw conversion rate: one lucky referral gives 100%. Use the shrunk `gold_salesperson_score`."),
        (lambda base: precision_at_k(_leaders(base), base.truth, "gold_salesperson", 20) * 100,
         "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('precision at 20: of the 20 the ranking puts first, how many are right?',
           "rank by the gold-salesperson score and check the top 20 against the truth's roles."),
)
def _gold_precision(base):
    return precision_at_k(_leaders(base), base.truth, "gold_salesperson", 20)


@exercise(
    "07.3",
    "Take the customer with the largest referral tree (most customers down the tree, `n_reach`). "
    "If they left and took their whole tree with them, what share of all revenue would walk out? Give a fraction.",
    "find the customer with the largest `n_reach` in the leaders table, then `reach_of_loss(base, [cid])` and read "
    "`share_of_revenue` (their own revenue plus everyone down their tree).",
    mistakes=[
        (lambda base: float(reach_of_loss(base, [_top_tree(base)]).iloc[0]["own_revenue"]
                            / summarize(base.orders, base.as_of)["revenue"].sum()),
         "that is only the leader's own revenue; add the revenue of everyone down their referral tree."),
        (lambda base: float(reach_of_loss(base, [_top_tree(base)], depth=1).iloc[0]["share_of_revenue"]),
         "that stops at the customers they referred themselves; follow the tree all the way down (depth=None)."),
    ],
    hints=('a loss reaches further than the customer: their referrals, and the referrals of those.',
           'find the widest referral tree, then measure the share of revenue of the leader and everyone down their tree.'),
)
def _reach_share(base):
    return float(reach_of_loss(base, [_top_tree(base)]).iloc[0]["share_of_revenue"])


@exercise(
    "07.4",
    "Explain: pick the leader with the widest referral tree. Using the five ways to keep core customers (think from "
    "their side, guarantee quality, share market information, personalise service, be reachable) and the two "
    "ground rules, write the three actions you would take with them this quarter, most important first, and why.",
    "one action per line, each tied to something the data shows about this leader (their role, their tree, an open "
    "complaint).",
    kind="explain",
    min_words=30,
)
def _keep_the_leader(base):
    return None
