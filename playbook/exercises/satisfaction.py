"""Exercises of notebook 08, satisfaction and complaints: the compute ones on the learner's own retail shop."""
from __future__ import annotations

from ..satisfaction import complaint_speed_effect, complaint_timeline, satisfaction_and_repurchase, satisfaction_indicators
from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 5000)

_READ_OUT = "2025-06-30"
# The compute exercises read out half a year earlier than the notebook's cells, on the learner's own shop.
_EARLIER = "2024-12-31"


def _tier_rates(base):
    return satisfaction_indicators(base, by="tier", indicators=["complaint_rate"])["complaint_rate"]


@exercise(
    "08.1",
    "On your own shop (`generate('retail', n_customers=5000, seed=MY_SEED)`), in the 365 days up to its `as_of`: how "
    "many times as many complaints per order (投诉率) do key customers make as general customers? (Below 1 means key "
    "customers complain less per order.)",
    "`satisfaction_indicators(mine, by='tier')` has a `complaint_rate` per tier: divide the key tier's by the "
    "general tier's.",
    mistakes=[
        (lambda base: float(_tier_rates(base)["general"] / _tier_rates(base)["key"]),
         "that is the ratio the wrong way round: key over general."),
        (lambda base: float(_tier_rates(base)["key"] - _tier_rates(base)["general"]),
         "that is a difference of rates; the question asks how many times, a ratio."),
        (lambda base: float(_tier_rates(base)["key"] / satisfaction_indicators(base)["complaint_rate"].iloc[0]),
         "that compares the key tier with every customer; the question compares it with the general tier."),
    ],
    hints=("one complaint rate per tier, then one over the other.",
           "the indicators can be split by tier; take the complaint rate of the key and of the general tier."),
    own=OWN,
)
def _key_over_general(base):
    rates = _tier_rates(base)
    return float(rates["key"] / rates["general"])


def _breach(base, hours):
    return float(complaint_timeline(base, sla_first_response_hours=hours)["first_response_breach"].mean())


@exercise(
    "08.2",
    "On your own shop, the service desk proposes to promise a first answer within 48 hours instead of 24. What share "
    "of the complaints opened up to `as_of` would have breached that promise? A complaint still unanswered after 48 "
    "hours counts as a breach.",
    "`complaint_timeline(mine, sla_first_response_hours=48)` has a `first_response_breach` column: take its mean.",
    mistakes=[
        (lambda base: _breach(base, 24),
         "that is the share with the 24-hour promise; set the service level to 48 hours."),
        (lambda base: float(complaint_timeline(base).dropna(subset=["hours_to_first_response"])
                            .eval("hours_to_first_response > 48").mean()),
         "that leaves out complaints never answered; an unanswered complaint older than 48 hours is a breach too."),
        (lambda base: float((complaint_timeline(base)["status"] == "open").mean()),
         "that is the share still open; the question is about the first response."),
    ],
    hints=("the promise is a parameter of the timeline, not a fixed rule.",
           "build the complaint timeline with the 48-hour service level and average its breach flag."),
    own=OWN,
)
def _response_breach(base):
    return _breach(base, 48)


def _rates(base, read_out=_EARLIER):
    return satisfaction_and_repurchase(base, read_out, 180)["repurchase_rate"]


@exercise(
    "08.3",
    f"On your own shop, read out on {_EARLIER}: take each customer's latest satisfaction score in the 365 days up to "
    "that date. How many times as likely to order again in the next 180 days is a very satisfied customer (5) as a "
    "merely satisfied one (4)? Is it near the six of the article?",
    f"`satisfaction_and_repurchase(mine, '{_EARLIER}', 180)`: divide the `repurchase_rate` at 5 by the one at 4.",
    mistakes=[
        (lambda base: float(_rates(base)[5] - _rates(base)[4]),
         "that is a difference of rates; the question asks for a ratio."),
        (lambda base: float(_rates(base)[4] / _rates(base)[5]),
         "that is the ratio the wrong way round: very satisfied (5) over satisfied (4)."),
        (lambda base: float(_rates(base, _READ_OUT)[5] / _rates(base, _READ_OUT)[4]),
         f"that is the read-out on {_READ_OUT}, the notebook's date; the question reads out on {_EARLIER}."),
    ],
    hints=("compare two groups' repurchase rates: very satisfied against satisfied, at the question's date.",
           f"take the latest score per customer up to {_EARLIER}, the repurchase rate in the next 180 days per score, "
           "and divide score 5's by score 4's."),
    own=OWN,
)
def _ratio_5_to_4(base):
    rates = _rates(base)
    return float(rates[5] / rates[4])


# The empowered customer (被赋权的客户): does the speed of complaint handling matter for buying again?

def _speed(base, read_out=_READ_OUT):
    return complaint_speed_effect(base, read_out, horizon_days=180)["repurchase_rate"]


@exercise(
    "08.4",
    f"On your own shop, read out on {_EARLIER} with `complaint_speed_effect` and its default bands (a 180-day "
    "horizon): by how much is the repurchase rate of customers whose complaint was closed within 3 days higher than "
    "that of customers whose complaint is still open? Answer as a difference of shares (e.g. 0.12 for 12 points).",
    f"`complaint_speed_effect(mine, '{_EARLIER}')`: the `repurchase_rate` of `closed_within_3d` minus that of "
    "`still_open`.",
    mistakes=[
        (lambda base: float(_speed(base, _EARLIER)["no_complaint"] - _speed(base, _EARLIER)["still_open"]),
         "that compares with customers who never complained; the question compares two kinds of complainers: "
         "closed within 3 days against still open."),
        (lambda base: float(_speed(base, _EARLIER)["still_open"] - _speed(base, _EARLIER)["closed_within_3d"]),
         "the sign is the wrong way round: closed within 3 days minus still open."),
        (lambda base: float(_speed(base)["closed_within_3d"] - _speed(base)["still_open"]),
         f"that is the read-out on {_READ_OUT}, the notebook's date; the question reads out on {_EARLIER}."),
    ],
    hints=("two groups of complainers, one number each, then a difference.",
           f"build the speed table for {_EARLIER} and subtract the still-open group's repurchase rate from the "
           "quickest-closed group's."),
    own=OWN,
)
def _speed_gap(base):
    rates = _speed(base, _EARLIER)
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


# The complaint process (申告投诉管理流程): which promise did the service desk break for a named complaint?

_PROMISES = ("first_response", "resolution", "both", "none")


def _timeline(base):
    return complaint_timeline(base, sla_first_response_hours=24, sla_resolution_days=7).set_index("complaint_id")


def _broken(row) -> str:
    first, resolution = bool(row["first_response_breach"]), bool(row["resolution_breach"])
    return "both" if first and resolution else "first_response" if first else "resolution" if resolution else "none"


def _pick_complaint(base):
    """The latest complaint that broke exactly one of the two promises, so that the answer is not 'both'."""
    t = _timeline(base).sort_values("opened_at", kind="stable")
    one = t.loc[t["first_response_breach"].astype(bool) != t["resolution_breach"].astype(bool)]
    return {"complaint_id": (one if len(one) else t).index[-1].item()}


def _complaint_reason(base, complaint_id) -> str:
    row = _timeline(base).loc[complaint_id]
    answered = (f"first answer after {row['hours_to_first_response']:.0f} hours" if row["first_response_at"] == row["first_response_at"]
                else f"no answer after {row['hours_to_first_response']:.0f} hours")
    ended = (f"closed after {row['days_to_resolution']:.1f} days" if row["status"] == "closed"
             else f"still open after {row['age_days']:.1f} days")
    return (f"Complaint {complaint_id} ({row['cause']}), opened {row['opened_at']:%Y-%m-%d}: {answered} (promise: 24), "
            f"{ended} (promise: 7). The kit's timeline marks: {_broken(row)}.")


@exercise(
    "08.6",
    "Decide: for the complaint that `ex.params_for('08.6', mine)` names, which promise of the complaint process did "
    "the service desk break, with a first answer promised within 24 hours and a resolution within 7 days: "
    "'first_response', 'resolution', 'both' or 'none'?",
    "find the complaint's row in `complaint_timeline(mine)` (24 hours, 7 days) and read its two breach columns.",
    kind="decide",
    choices=_PROMISES,
    hints=("two promises, two clocks: the first answer in hours, the resolution in days; a complaint still open keeps "
           "its clocks running.",
           "look up the complaint by its `complaint_id` in the timeline: compare `hours_to_first_response` with 24 and "
           "`days_to_resolution` (or `age_days` if still open) with 7."),
    mistakes=[
        (lambda base, complaint_id: {"first_response": "resolution", "resolution": "first_response"}.get(
            _broken(_timeline(base).loc[complaint_id]), "none"),
         "you swapped the two promises: the first answer is judged against 24 hours, the resolution against 7 days."),
    ],
    reason=_complaint_reason,
    pick=_pick_complaint,
    own=OWN,
)
def _broken_promise(base, complaint_id):
    return _broken(_timeline(base).loc[complaint_id])


@exercise(
    "08.7",
    "Explain: which three of the seven indicators would you put on your own management dashboard, with which weights "
    "in a satisfaction index, and why? For each, name one decision it would change.",
    "three indicators, weights that add up to 1, and one decision per indicator, tied to your business.",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _dashboard(base):
    return None
