"""Exercises of notebook 12, Key-account management (on the b2b dataset)."""
from __future__ import annotations

from .core import exercise


def _win_rate(base, dearer: bool, plan: bool | None) -> float:
    o = base.opportunities
    d = o[o.quote_vs_competitor.notna() & (o.outcome.astype(str) != "open")]
    d = d[(d.quote_vs_competitor > 0) == dearer]
    if plan is not None:
        d = d[d.technical_plan == plan]
    return float((d.outcome.astype(str) == "won").mean())


@exercise(
    "12.1",
    "Among decided deals (won or lost) where our quote was dearer than the competitor's, what is the win rate "
    "when we had offered a technical improvement plan?",
    "keep `opportunities` with a `quote_vs_competitor` above 0 and an outcome other than 'open', then those with "
    "`technical_plan`, and average `outcome == 'won'`.",
    mistakes=[
        (lambda base: _win_rate(base, True, False), "that is the win rate WITHOUT a technical plan; keep `technical_plan == True`."),
        (lambda base: _win_rate(base, True, None), "that mixes deals with and without a plan; keep only those with `technical_plan`."),
    ],
    hints=('three filters: decided deals, dearer quotes, and a technical plan offered.',
           'keep the decided deals where our quote was dearer and a plan was offered, then take the share won.'),
)
def _dearer_with_plan(base):
    return _win_rate(base, True, True)


@exercise(
    "12.2",
    "What share of the leads who praised the product in public were converted into customers?",
    "in `leads`, keep `praised_publicly`, then average `status == 'converted'`.",
    mistakes=[
        (lambda base: float((base.leads.status.astype(str) == "converted")[~base.leads.praised_publicly].mean()),
         "that is the conversion of the leads who did NOT praise us; keep `praised_publicly == True`."),
        (lambda base: float((base.leads.status.astype(str) == "converted").mean()),
         "that is the conversion of all leads; keep only those who praised the product in public."),
    ],
    hints=('start from the leads who praised in public.',
           'keep those leads and take the share whose status is converted.'),
)
def _praise_conversion(base):
    leads = base.leads
    return float((leads.status.astype(str) == "converted")[leads.praised_publicly].mean())


@exercise(
    "12.3",
    "Which procurement stage holds the largest value of open deals on the dataset's as_of date? Give its stage code.",
    "use `playbook.accounts.pipeline(base)` and take the stage with the largest `open_value`.",
    mistakes=[
        (lambda base: str(__import__("playbook.accounts", fromlist=["pipeline"]).pipeline(base)["deals"].idxmax()),
         "that is the stage with the most deals; the question asks for the largest value (`open_value`)."),
    ],
    hints=('open deals only, valued by stage.',
           'the pipeline table gives the open value per stage; take the largest.'),
)
def _biggest_stage(base):
    from ..accounts import pipeline

    return str(pipeline(base)["open_value"].idxmax())


# Channel saturation and the lead pool (渠道饱和与待分配客户).

def _channels(base):
    from ..accounts import channel_effectiveness

    return channel_effectiveness(base)


def _drop_by_source(base):
    ce = _channels(base).sort_values("period")
    first = ce.groupby("source")["conversion_rate"].first()
    last = ce.groupby("source")["conversion_rate"].last()
    return (first - last).sort_values(ascending=False, kind="stable")


@exercise(
    "12.4",
    "On your own b2b base (`generate('b2b', seed=MY_SEED)`), which lead source's conversion rate fell the most from "
    "its first year to its last (the channel that saturated most)? Answer with the source name.",
    "`channel_effectiveness(mine)`; per `source`, the first period's `conversion_rate` minus the last one's; the "
    "largest drop.",
    hints=("saturation is a rate falling over time, not a volume: compare each source with itself.",
           "one rate per source and year: take each source's first and last year and compare."),
    mistakes=[
        (lambda base: str(_channels(base).groupby("source")["leads"].sum().idxmax()),
         "that is the source with the most leads; the question asks whose conversion rate fell most."),
    ],
)
def _most_saturated(base):
    return str(_drop_by_source(base).index[0])


def _pool(base):
    from ..accounts import lead_pool

    return lead_pool(base)


@exercise(
    "12.5",
    "On your own b2b base, how many leads wait unassigned in the lead pool (待分配客户) on its `as_of` date?",
    "`lead_pool(mine)` lists the leads still waiting for a rep; count its rows.",
    hints=("the pool holds open leads that no rep has taken yet, not every lead ever made.",
           "the kit lists the pool for you: `lead_pool` on your own base."),
    mistakes=[
        (lambda base: int(len(base.leads)),
         "that counts every lead ever recorded; the pool holds only the open, unassigned ones."),
        (lambda base: int((_pool(base)["level"].astype(str) == "key").sum()),
         "that counts the key leads alone; the pool holds leads of every level."),
    ],
)
def _pool_size(base):
    return int(len(_pool(base)))


@exercise(
    "12.6",
    "Explain: for the account you explored above, sketch its key-account system in four lines: who is on the team, "
    "which sales model fits (club, consultative or customised), which incentives (material and honorary), and how "
    "often and by whom it is contacted.",
    "one line per part; tie each to what the account's buying team, deals and cadence show.",
    kind="explain",
    min_words=30,
)
def _account_system(base):
    return None


# Recapping the benefits a customer got after each deal (成交后的利益回顾).

def _recap(base, customer_id):
    from ..accounts import deal_recap

    return deal_recap(base, customer_id=customer_id)


def _discount_before_and_after(base, customer_id):
    o = base.orders
    return float(o.loc[(o.customer_id.astype(str) == customer_id) & (o.order_date <= base.as_of), "discount"].sum())


@exercise(
    "12.7",
    "Account A0004 stayed with us. How much money did it save in discounts on the orders delivered after its won "
    "deals (every recap period added up, to the dataset's as_of)?",
    "`deal_recap(base, customer_id='A0004')` has a `discount_value` per won deal: add them up.",
    mistakes=[
        (lambda base: _discount_before_and_after(base, "A0004"),
         "that adds every discount the account ever got, also before its first won deal; the recap starts at a deal."),
        (lambda base: float(_recap(base, "A0004")["discount_value"].iloc[-1]),
         "that is the period after the latest deal only; add up every period."),
    ],
    hints=("a recap runs from each won deal to the next; the discounts are money in `orders`.",
           "recap the account's deals and add up the discount column."),
)
def _a0004_savings(base):
    return float(_recap(base, "A0004")["discount_value"].sum())


@exercise(
    "12.8",
    "Account A0003 left us. Of the complaints it raised after its won deals, what share had been resolved by the "
    "dataset's as_of?",
    "`deal_recap(base, customer_id='A0003')`: the sum of `complaints_resolved` over the sum of `complaints`.",
    mistakes=[
        (lambda base: float(_recap(base, "A0003")["complaints_resolved"].sum()),
         "that is a count of resolved complaints; the question asks for a share of all its complaints."),
        (lambda base: float(_recap(base, "A0003")["complaints_open"].sum() / _recap(base, "A0003")["complaints"].sum()),
         "that is the share still open; the question asks for the share resolved."),
    ],
    hints=("two totals over every recap period, then one over the other.",
           "add up `complaints_resolved` and `complaints` over the account's recap rows and divide."),
)
def _a0003_resolved_share(base):
    r = _recap(base, "A0003")
    return float(r["complaints_resolved"].sum() / r["complaints"].sum())
