"""Exercises of notebook 10, Relationship strategies and retention programs (on the ``retail`` dataset)."""
from __future__ import annotations

from .core import exercise


def _strategies(base):
    from ..strategy import customer_profile, recommend_strategies

    return recommend_strategies(customer_profile(base))["strategy"].astype(str)


def _programs(base):
    from ..strategy import simulate_programs

    return simulate_programs(base)


def _plan(base):
    from ..strategy import contact_plan

    return contact_plan(base)


@exercise(
    "10.1",
    "With the default decision table, how many customers get the strategy 'win back' (重新赢得)?",
    "build `customer_profile(base)`, pass it to `recommend_strategies`, and count the rows whose strategy is 'win_back'.",
    mistakes=[
        (lambda base: int(_strategies(base).isin(["win_back", "end"]).sum()),
         "that counts every lapsed customer; only lapsed key and important customers are worth winning back, the rest get 'end'."),
    ],
)
def _win_back_count(base):
    return int((_strategies(base) == "win_back").sum())


@exercise(
    "10.2",
    "In `simulate_programs(base)` with the default assumptions, how many more customers does the dedicated personal "
    "assistant keep than the storewide 15% discount day?",
    "take the `retained` column of the result and subtract the discount day's row from the personal assistant's.",
    mistakes=[
        (lambda base: int(_programs(base).loc["personal_assistant", "extra_retained"]),
         "that is the assistant against no program at all; compare it with the discount day instead."),
    ],
)
def _assistant_vs_discount(base):
    r = _programs(base)
    return int(r.loc["personal_assistant", "retained"] - r.loc["discount_day", "retained"])


@exercise(
    "10.3",
    "How many active customers are overdue for a follow-up in the default contact plan?",
    "`overdue_contacts(base)` lists them; count its rows.",
    mistakes=[
        (lambda base: int(len(_plan(base))),
         "that is every customer in the plan; keep only those whose next contact date has passed."),
    ],
)
def _overdue_count(base):
    from ..strategy import overdue_contacts

    return int(len(overdue_contacts(base)))
