"""Exercises of notebook 13, Bring your own data: all on the shipped messy export (datasets/messy_export).

Each ``solve`` loads the export itself, so ``base`` is ignored (any dataset may be passed).
"""
from __future__ import annotations

from functools import lru_cache

from .core import exercise


@lru_cache(maxsize=4)
def _messy_base(refunds: str = "keep"):
    from ..byod import from_orders
    from ..data import dataset_path
    from ..synth.messy import MESSY_AS_OF, MESSY_COLUMNS

    return from_orders(dataset_path("messy_export") / "orders.csv", columns=MESSY_COLUMNS,
                       refunds=refunds, duplicates="drop", as_of=MESSY_AS_OF)


def _top_share(refunds: str) -> float:
    from ..data import summarize
    from ..segment import top_share

    b = _messy_base(refunds)
    return float(top_share(summarize(b.orders, b.as_of).revenue, 0.2))


@exercise(
    "13.1",
    "Load datasets/messy_export/orders.csv with refunds='keep' and duplicates='drop'. How many refunds (negative amounts) does it hold?",
    "count `orders.amount < 0` in the loaded base (or read the refund note in `base.meta['notes']`).",
    mistakes=[
        (lambda base: int(len(_messy_base("keep").orders)), "that is the number of all orders; count only the negative amounts."),
        (lambda base: 4, "4 is the number of orders exported twice; refunds are the lines with a negative amount."),
    ],
    hints=('a refund is a negative amount; keep them when loading, or you cannot count them.',
           'load with refunds kept and duplicates dropped, then count the negative amounts (or read the loading notes).'),
)
def _refunds(base):
    return int((_messy_base("keep").orders.amount < 0).sum())


@exercise(
    "13.2",
    "On the loaded messy export (refunds kept), what share of revenue do the top 20% of customers bring?",
    "summarize the orders at `base.as_of`, then `segment.top_share(summary.revenue, 0.2)`; give a fraction between 0 and 1.",
    mistakes=[
        (lambda base: _top_share("keep") * 100, "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('the same 80/20 question as in notebook 03, on the loaded export.',
           'summarize the export per customer, then the top-20% share of revenue.'),
)
def _top20(base):
    return _top_share("keep")


@exercise(
    "13.3",
    "On the loaded messy export, how many customers does lifecycle_stage put in the 'lapsed' stage at the export's as_of?",
    "`lifecycle.lifecycle_stage(loaded_base)` then count `stage == 'lapsed'`.",
    mistakes=[
        (lambda base: int((_stages() == "retention").sum()), "that is the 'retention' stage; count 'lapsed'."),
    ],
    hints=("a lifecycle step on the export's own date, with the default rules.",
           'assign lifecycle steps on the loaded base and count one step.'),
)
def _lapsed(base):
    return int((_stages() == "lapsed").sum())


def _stages():
    from ..lifecycle import lifecycle_stage

    return lifecycle_stage(_messy_base("keep")).stage.astype(str)


# The action list (行动清单) that `playbook analyze` writes, read on the same export.

@lru_cache(maxsize=1)
def _analysis():
    from ..analyze import build_analysis

    return build_analysis(_messy_base("keep"), lang="en")


def _pick_lowest_regular(base):
    actions = _analysis().actions
    regulars = actions[actions["tier"].astype(str).isin(["key", "important"])]
    return {"customer_id": str(regulars.index[-1])}  # the list runs from the highest CLV down


def _strategies():
    from ..strategy import STRATEGIES

    return tuple(STRATEGIES)


@exercise(
    "13.4",
    "Decide: the customer that `ex.params_for('13.4', base)` names is a regular (a key or important customer) and "
    "sits lowest of all regulars in the action list (the smallest CLV). Which of the seven strategies does the action "
    "list give them: build, protect, re_engineer, enhance, harvest, end or win_back?",
    "find the customer's row in the action list (`actions.loc[customer_id]`) and read `strategy` and `reason`; "
    "the decision table's rules are tried in order and the first that matches wins.",
    kind="decide",
    choices=_strategies(),
    hints=("a regular is not always protected or grown: what else do you know about this one (stage, days without an order)?",
           "look up the customer's row of the action list: its `strategy` and, beside it, the `reason`."),
    mistakes=[
        (lambda base, customer_id: "protect",
         "'protect' is the rule for a key customer who still buys (or an important one at high risk); this one has "
         "gone quiet, and an earlier rule of the decision table matches first."),
        (lambda base, customer_id: "enhance",
         "'enhance' is the rule for an important customer who still buys; this one has gone quiet, and an earlier "
         "rule of the decision table matches first."),
        (lambda base, customer_id: "end",
         "a small CLV alone does not end a key or important relation: for a regular gone quiet, the decision "
         "table tries another rule before 'end'."),
    ],
    reason=lambda base, customer_id: f"The action list's reason: \"{_analysis().actions.loc[customer_id, 'reason']}\".",
    pick=_pick_lowest_regular,
)
def _strategy_of_lowest_regular(base, customer_id):
    return str(_analysis().actions.loc[customer_id, "strategy"])


def _warned_and_overdue():
    a = _analysis()
    warned = a.risk.index[a.risk["warning"]]
    overdue = a.plan.index[a.plan["overdue"]]
    return int(len(warned.intersection(overdue)))


@exercise(
    "13.5",
    "On the messy export at its as_of (2025-12-31), how many customers carry a churn warning (risk at or above the "
    "warning threshold the analysis used, summary.json's churn threshold) AND are overdue for a follow-up (their next "
    "contact date in the action list is before as_of)?",
    "in the action list, count the rows with `risk >= report['churn']['threshold']` and `next_contact < base.as_of` "
    "together (`&`).",
    mistakes=[
        (lambda base: int(_analysis().plan["overdue"].sum()),
         "that counts every overdue customer; keep only those with a churn warning as well."),
        (lambda base: int(_analysis().risk["warning"].sum()),
         "that counts every customer with a churn warning; keep only those overdue for a follow-up as well."),
    ],
    hints=("two conditions at once: at risk, and not contacted when the cadence said so.",
           "in the action list, combine `risk >= report['churn']['threshold']` with `next_contact < base.as_of` and count "
        "the rows."),
)
def _warned_overdue(base):
    return _warned_and_overdue()


@lru_cache(maxsize=1)
def _rank_kept() -> float:
    """Rank correlation of the action list's CLV with the default margin rate and with a rate of 0.15 (no margin column)."""
    from ..byod import from_orders
    from ..strategy import action_list

    b = _messy_base("keep")
    no_margin = from_orders(b.orders.drop(columns="margin"), refunds="keep", as_of=b.as_of)
    plain = action_list(no_margin)
    own = action_list(no_margin, margin_rate=0.15)
    return float(plain["clv"].corr(own["clv"].reindex(plain.index), method="spearman"))


@exercise(
    "13.6",
    "Predict before you run the cell: the export loses its margin column, and the kit takes the margin as one share of "
    "revenue for every customer. If your finance team says 0.15 instead of the default rate, will the order of the "
    "action list by CLV 'stay' the same or 'change'?",
    "commit to a guess, then compare the two lists' CLV order (a rank correlation of 1 means the same order).",
    kind="predict",
    choices=("stay", "change"),
    reason=lambda base: (f"Rank correlation of the two lists' CLV: {_rank_kept():.3f}. One rate for every customer "
                         "multiplies everyone's money by the same factor, so the totals move and the order does not; "
                         "only a margin that differs between customers (a margin column) can reorder the list."),
)
def _order_with_another_rate(base):
    return "stay" if _rank_kept() > 0.999 else "change"


@exercise(
    "13.7",
    "Explain: write the hand-over note that goes with the action list to the sales team: which decisions you took "
    "when loading the export (duplicates, refunds, margin), whom they should call first on Monday and why, and one "
    "thing the list cannot tell them.",
    "three parts: the loader's decisions with their counts from the notes, the first calls with the rule behind them, "
    "one limit of the list.",
    kind="explain",
    min_words=40,
)
def _hand_over(base):
    return None
