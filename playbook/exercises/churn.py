"""Exercises of notebook 09, Churn early warning (09.1-09.3 on the ``b2b`` dataset; 09.4 and 09.5 on five realistic shops)."""
from __future__ import annotations

import functools
from typing import TypedDict

import pandas as pd

from .core import once_per_check, exercise

REPLAY = ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1")
# 09.3 asks about the leaver whose first alarm, last quarter with orders and first silent quarter are three different
# quarters on the shipped b2b base (a rule checked in tests/test_exercises.py), so each mistake is told apart.
ALARM_ACCOUNT = "A0001"
# The review day is chosen by a rule, checked in tests/test_exercises.py: on the shipped b2b base the answer and each
# recognised mistake (today's `closed_at`, every complaint open today, complaints instead of customers) give four
# different counts, so the checker can tell each mistake apart. Among the month-ends 2020-2025 of the current
# dataset only this one does.
REVIEW_DAY = pd.Timestamp("2022-07-31")


def _churners(base):
    return base.truth[base.truth["dropout_date"].notna()]


@exercise(
    "09.1",
    "Among the customers who left (a dropout date in `truth`), what share left because they felt too little care "
    "(`churn_cause == 'lack_of_care'`)?",
    "keep the rows of `base.truth` with a `dropout_date`, then average `churn_cause == 'lack_of_care'`.",
    mistakes=[
        (lambda base: float((base.truth["churn_cause"].astype(str) == "lack_of_care").mean()),
         "that is the share among all customers; divide by the customers who left, not by everyone."),
        (lambda base: float((_churners(base)["churn_cause"].astype(str) == "lack_of_care").mean()) * 100,
         "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('divide by the customers who left, not by everyone.',
           'keep the truth rows with a dropout date and take the share whose cause is lack of care.'),
)
def _lack_of_care_share(base):
    return float((_churners(base)["churn_cause"].astype(str) == "lack_of_care").mean())


def _open_on(complaints, day, *, hindsight=False, count_rows=False):
    end = day + pd.Timedelta(days=1)
    opened = complaints[complaints["opened_at"] < end]
    still_open = opened["closed_at"].isna() if hindsight else opened["closed_at"].isna() | (opened["closed_at"] >= end)
    ids = opened.loc[still_open, "customer_id"]
    return int(len(ids) if count_rows else ids.nunique())


@exercise(
    "09.2",
    "As the business saw it on 31 July 2022, how many customers had at least one complaint still open "
    "(opened on or before that day and not closed by the end of it)?",
    "keep complaints with `opened_at` up to the end of 2022-07-31; a complaint is open if `closed_at` is empty "
    "or later than that day (`base.snapshot('2022-07-31')` does this for you); count distinct customers.",
    mistakes=[
        (lambda base: _open_on(base.complaints, REVIEW_DAY, hindsight=True),
         "you used today's `closed_at`: complaints closed after 31 July 2022 were still open on that day. "
         "No look-ahead: count them as open."),
        (lambda base: int(base.complaints.loc[base.complaints["closed_at"].isna(), "customer_id"].nunique()),
         "that counts every complaint open today, including those made after 31 July 2022; keep only what was known that day."),
        (lambda base: _open_on(base.complaints, REVIEW_DAY, count_rows=True),
         "that counts complaints, not customers; one customer can have several open complaints: count distinct `customer_id`."),
    ],
    hints=('you are standing on 31 July 2022: anything closed later was still open that day.',
           'keep complaints opened by the end of that day and still open at its end, then count distinct customers.'),
)
def _open_complaints(base):
    return _open_on(base.complaints, REVIEW_DAY)


def _alarm(base):
    """The alarm replayed over the five quarters; once per check (09.6's answer, mistakes and reason all read it)."""
    from ..churn import concentration_alarm

    return once_per_check("concentration_alarm", base, lambda b: concentration_alarm(b, list(REPLAY)))


def _last_quarter_with_orders(base, account):
    o = base.orders[base.orders["customer_id"].astype(str) == account]
    return str(o["order_date"].max().to_period("Q"))


@exercise(
    "09.3",
    "Replay `concentration_alarm` over the five quarters 2024Q1-2025Q1 (default settings). In which quarter did the "
    "alarm first fire on " + ALARM_ACCOUNT + "? Answer as text such as '2024Q3'.",
    "run `concentration_alarm(base, quarters)` with the five quarters, keep " + ALARM_ACCOUNT + "'s rows with `warning`, and take the first `quarter`.",
    mistakes=[
        (lambda base: _last_quarter_with_orders(base, ALARM_ACCOUNT),
         "that is the last quarter in which " + ALARM_ACCOUNT + " ordered, when it was leaving; the alarm fired earlier."),
        (lambda base: "2025Q1", "2025Q1 is the first quarter without any order from " + ALARM_ACCOUNT
         + "; the point is to warn before that."),
    ],
    hints=('replay the alarm quarter by quarter, as the business would have seen it.',
           "run the concentration alarm over the five quarters and find " + ALARM_ACCOUNT + "'s first quarter with a warning."),
)
def _first_alarm(base):
    a = _alarm(base)
    fired = a[(a["customer_id"] == ALARM_ACCOUNT) & a["warning"]]
    return str(fired["quarter"].iloc[0])


# 09.4: the honest test of the warning, on five small shops of the realistic process (they leak nothing).
class _LeaveSetup(TypedDict):
    scenario: str
    n_customers: int
    seeds: tuple[int, ...]
    as_of: str
    horizon_days: int


LEAVE_SETUP: _LeaveSetup = {"scenario": "retail", "n_customers": 1200, "seeds": (0, 1, 2, 3, 4), "as_of": "2025-06-30",
                            "horizon_days": 180}
LEAVE_CHOICES = ("kit", "days_since_last", "low_revenue")


@functools.lru_cache(maxsize=1)
def _leave_range_of_the_setup() -> pd.DataFrame:
    from .. import evaluate
    from ..synth import generate

    s = LEAVE_SETUP
    return evaluate.over_seeds(lambda seed: generate(s["scenario"], n_customers=s["n_customers"], seed=seed, process="realistic"),
                               s["seeds"], s["as_of"], s["horizon_days"])


def _median_aucs(table) -> pd.Series:
    """Median AUC of the three scores, from the learner's ``over_seeds`` table or, given a base, from the setup above."""
    if not (isinstance(table, pd.DataFrame) and {"score", "auc_median"} <= set(table.columns)):
        table = _leave_range_of_the_setup()
    return table.drop_duplicates("score").set_index("score")["auc_median"].reindex(list(LEAVE_CHOICES))


def _why_revenue_wins(table) -> str:
    auc = _median_aucs(table)
    return (f"Median AUC over five realistic shops, leaving within 180 days: kit {auc['kit']:.2f}, days since last order "
            f"{auc['days_since_last']:.2f}, lowest revenue to date {auc['low_revenue']:.2f} (0.50 is chance). The kit's "
            "model learns 'no order in the next 180 days' from the shop's past, and much of that is silence; among "
            "customers still alive, silence says little about who leaves next, and how little a customer has spent "
            "says a little more.")


@exercise(
    "09.4",
    "Predict before you run the comparison: on customers still alive on 30 June 2025, which score best ranks those "
    "who will leave within 180 days (highest median AUC over five realistic shops): 'kit', 'days_since_last' or "
    "'low_revenue'?",
    "the kit learns from the past who goes half a year without an order; the customers already silent are mostly gone, and they are not in this task.",
    kind="predict",
    choices=LEAVE_CHOICES,
    reason=_why_revenue_wins,
)
def _best_score_for_leavers(table):
    return str(_median_aucs(table).idxmax())


# 09.5: is the risk a churn probability? Mean risk of the still-alive against their true leaving rate.
RISK_CHOICES = ("close", "above", "below")


def _risk_against_leaving(table) -> pd.Series:
    """Median over seeds of (mean risk / 100 - true leave rate) among the still-alive; from the learner's
    table (``mean_risk`` in 0-1 and ``leave_rate`` per shop) or, given a base, from that base on 30 June 2025."""
    if isinstance(table, pd.DataFrame) and {"mean_risk", "leave_rate"} <= set(table.columns):
        return table[["mean_risk", "leave_rate"]].astype(float).median()
    from .. import evaluate

    s = LEAVE_SETUP
    task = evaluate.leave_task(table, s["as_of"], s["horizon_days"])
    risk = evaluate.kit_churn_scores(table, s["as_of"])["risk"].reindex(task.index) / 100
    return pd.Series({"mean_risk": float(risk.mean()), "leave_rate": float(task["label"].mean())})


def _why_risk_is_not_leaving(table) -> str:
    got = _risk_against_leaving(table)
    return (f"Among customers still alive on 30 June 2025 the mean risk is {got['mean_risk']:.0%}, while "
            f"{got['leave_rate']:.0%} of them truly left within 180 days. The model predicts 'no order in the next 180 "
            "days', and slow buyers who stay also go half a year without an order: read the risk as that, never as "
            "the chance of losing the customer (notebook 11 turns a fitted model into money).")


@exercise(
    "09.5",
    "Predict before you run the cell: the kit's risk is 100 x the model's probability of no order in the next 180 "
    "days. Among customers still alive on 30 June 2025, is their mean risk 'close' to the share who truly leave "
    "within 180 days (within 5 points), 'above' it or 'below' it?",
    "think of a customer who buys twice a year and stays for years: what does the model say about their next half-year?",
    kind="predict",
    choices=RISK_CHOICES,
    reason=_why_risk_is_not_leaving,
)
def _risk_against_leave_rate(table):
    got = _risk_against_leaving(table)
    gap = got["mean_risk"] - got["leave_rate"]
    return "above" if gap > 0.05 else "below" if gap < -0.05 else "close"


# 09.6: see the big customers leaving coming (大客户跳槽): whom to visit first, decided by risk, not by size.
VISIT_QUARTER = "2024Q3"


def _at_review(base):
    a = _alarm(base)
    return a[a["quarter"] == VISIT_QUARTER].set_index("customer_id")


def _visit_reason(base) -> str:
    t = _at_review(base).sort_values("risk", ascending=False)
    top = t.index[0]
    return (f"At the {VISIT_QUARTER} review the risks were " + ", ".join(f"{a} {r:.0f}" for a, r in t["risk"].items())
            + (" (no alarm had rung yet: the highest risk is where to go, before the bell)" if not t["warning"].any()
               else f" (the alarm rang on {', '.join(t.index[t['warning']])})")
            + f". {top}'s reasons: {t.loc[top, 'reasons']}.")


@exercise(
    "09.6",
    f"Decide: at the {VISIT_QUARTER} review (the quarter's last day), the owner of the b2b supplier has time to visit "
    "one of the big accounts this week. By `concentration_alarm` with the default settings, which account should he "
    "visit first? Answer with its id, such as 'A0002'.",
    f"replay `concentration_alarm(base, quarters)`, keep the {VISIT_QUARTER} rows and take the account with the "
    "highest `risk`.",
    kind="decide",
    hints=("the biggest account is the one that would hurt most to lose, but is it the one most likely to leave?",
           f"read the {VISIT_QUARTER} rows of the alarm: each big account has a risk and its reasons; visit the highest "
           "risk, even before the alarm rings."),
    mistakes=[
        (lambda base: str(_at_review(base)["revenue"].idxmax()),
         "that is the account with the most revenue in the window: the biggest, not the one most at risk. A visit "
         "goes where the risk is; size says how much a loss would hurt, not whether it is coming."),
        (lambda base: str(_at_review(base)["share_before"].idxmax()),
         "that is the account with the largest share of past revenue; the alarm's `risk` ranks who is slipping now."),
    ],
    reason=lambda base: _visit_reason(base),
)
def _first_visit(base):
    return str(_at_review(base)["risk"].idxmax())


_CAUSES = ("lack_of_care", "price", "moved_on")


def _cause_shares(base) -> pd.Series:
    return _churners(base)["churn_cause"].astype(str).value_counts(normalize=True)


@exercise(
    "09.7",
    "Predict before you run the next cell: among the customers of the shipped retail shop who left, which churn cause "
    "is the most common: 'lack_of_care' (the article's two in three), 'price' or 'moved_on'?",
    "commit to a guess, then count the `churn_cause` of the retail leavers in `truth`.",
    kind="predict",
    choices=_CAUSES,
    reason=lambda base: ("Causes of the retail leavers: " + ", ".join(f"{c} {s:.0%}" for c, s in _cause_shares(base).items())
                         + ". The article's two in three is a survey's answer, not a law; in this generated shop the "
                           "causes are planted, so the figure tells you about the generator. Ask your own leavers."),
)
def _top_cause(base):
    return str(_cause_shares(base).reindex(list(_CAUSES)).fillna(0).idxmax())


@exercise(
    "09.8",
    "Explain: write three sentences to the owner of the b2b supplier: what the data showed before the big customers "
    "left, what he should have done at the 2024Q3 review, and what he should watch every quarter from now on.",
    "one sentence per part, each tied to a signal, a risk or a quarter you saw in this notebook.",
    kind="explain",
    min_words=35,
)
def _owner_letter(base):
    return None
