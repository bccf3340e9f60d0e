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
)
def _biggest_stage(base):
    from ..accounts import pipeline

    return str(pipeline(base)["open_value"].idxmax())
