"""Exercises of notebook 08, satisfaction and complaints (dataset: retail)."""
from __future__ import annotations

from ..satisfaction import complaint_speed_effect, complaint_timeline, satisfaction_and_repurchase, satisfaction_indicators
from .core import exercise

_READ_OUT = "2025-06-30"


def _per_buyer(base):
    per = satisfaction_indicators(base, by="customer", indicators=["complaint_rate"])
    return float(per["complaints"].sum() / (per["n_orders"] > 0).sum())


def _rates(base):
    return satisfaction_and_repurchase(base, _READ_OUT, 180)["repurchase_rate"]


@exercise(
    "08.1",
    "What is the complaint rate (投诉率) of the last 365 days up to `base.as_of`: complaints opened in that window "
    "per order placed in it (a fraction)?",
    "`satisfaction_indicators(base)` has a `complaint_rate` column; or count complaints with `opened_at` in the window "
    "and divide by the orders with `order_date` in the same window.",
    mistakes=[
        (lambda base: len(base.complaints) / len(base.orders),
         "that counts every complaint and order since the start; keep only the last 365 days."),
        (lambda base: _per_buyer(base),
         "that is complaints per buyer; the rate asked for is per order."),
    ],
    hints=('both counts must come from the same window: the 365 days up to `as_of`.',
           'count complaints opened and orders placed in that window and divide (or read the indicator).'),
)
def _complaint_rate(base):
    return float(satisfaction_indicators(base)["complaint_rate"].iloc[0])


@exercise(
    "08.2",
    "With a first-response SLA of 24 hours, what share of the complaints opened up to `base.as_of` breached it? "
    "A complaint still unanswered after 24 hours counts as a breach.",
    "`complaint_timeline(base, sla_first_response_hours=24)` has a `first_response_breach` column: take its mean.",
    mistakes=[
        (lambda base: float(complaint_timeline(base).dropna(subset=["hours_to_first_response"])
                            .eval("hours_to_first_response > 24").mean()),
         "that leaves out complaints never answered; an unanswered complaint older than 24 hours is a breach too."),
        (lambda base: float((complaint_timeline(base)["status"] == "open").mean()),
         "that is the share still open; the question is about the first response."),
    ],
    hints=('a complaint still waiting for its first answer after 24 hours is a breach too.',
           'build the complaint timeline with a 24-hour SLA and average its breach flag.'),
)
def _response_breach(base):
    return float(complaint_timeline(base, sla_first_response_hours=24)["first_response_breach"].mean())


@exercise(
    "08.3",
    "Take each customer's latest satisfaction score in the 365 days up to 2025-06-30. How many times as likely to order "
    "again in the next 180 days is a very satisfied customer (5) as a merely satisfied one (4)?",
    "`satisfaction_and_repurchase(base, '2025-06-30', 180)`: divide the `repurchase_rate` at 5 by the one at 4.",
    mistakes=[
        (lambda base: float(_rates(base)[5] - _rates(base)[4]),
         "that is a difference of rates; the question asks for a ratio."),
        (lambda base: float(_rates(base)[4] / _rates(base)[5]),
         "that is the ratio the wrong way round: very satisfied (5) over satisfied (4)."),
    ],
    hints=("compare two groups' repurchase rates: very satisfied against satisfied.",
           "take the latest score per customer up to 2025-06-30, the repurchase rate in the next 180 days per score, and divide score 5's by score 4's."),
)
def _ratio_5_to_4(base):
    rates = _rates(base)
    return float(rates[5] / rates[4])


# The empowered customer (被赋权的客户): does the speed of complaint handling matter for buying again?

def _speed(base):
    return complaint_speed_effect(base, _READ_OUT, horizon_days=180)["repurchase_rate"]


@exercise(
    "08.4",
    "Read out on 2025-06-30 with `complaint_speed_effect` and its default bands (a 180-day horizon). By how much is the "
    "repurchase rate of customers whose complaint was closed within 3 days higher than that of customers whose "
    "complaint is still open? Answer as a difference of shares (e.g. 0.12 for 12 points).",
    "`complaint_speed_effect(base, '2025-06-30')`: the `repurchase_rate` of `closed_within_3d` minus that of `still_open`.",
    mistakes=[
        (lambda base: float(_speed(base)["no_complaint"] - _speed(base)["still_open"]),
         "that compares with customers who never complained; the question compares two kinds of complainers: "
         "closed within 3 days against still open."),
        (lambda base: float(_speed(base)["still_open"] - _speed(base)["closed_within_3d"]),
         "the sign is the wrong way round: closed within 3 days minus still open."),
    ],
    hints=("two groups of complainers, one number each, then a difference.",
           "build the speed table for 2025-06-30 and subtract the still-open group's repurchase rate from the "
           "quickest-closed group's."),
)
def _speed_gap(base):
    rates = _speed(base)
    return float(rates["closed_within_3d"] - rates["still_open"])


def _fast_beats_medium(base) -> str:
    rates = _speed(base)
    return "yes" if rates["closed_within_3d"] - rates["closed_3_7d"] > 0.05 else "no"


@exercise(
    "08.5",
    "Predict, before you run the speed chart: read out on 2025-06-30, is the repurchase rate of customers whose "
    "complaint was closed within 3 days more than 5 points higher than that of customers whose complaint was closed "
    "in 3 to 7 days? Answer 'yes' or 'no'.",
    "commit to a guess first, then compare the two closed groups in `complaint_speed_effect(base, '2025-06-30')`.",
    kind="predict",
    choices=("yes", "no"),
    reason=lambda base: (f"Closed within 3 days: {_speed(base)['closed_within_3d']:.0%} bought again; in 3-7 days: "
                         f"{_speed(base)['closed_3_7d']:.0%}. Whether the complaint got closed at all matters more "
                         f"here (still open: {_speed(base)['still_open']:.0%})."),
)
def _speed_prediction(base):
    return _fast_beats_medium(base)
