"""Exercises of notebook 04, RFM segmentation: 04.1-04.3 on the learner's own shop."""
from __future__ import annotations

import pandas as pd

from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 1000, "my_shop")

_SLIPPING = ("at_risk", "cannot_lose", "hibernating", "lost")


def _segments(base, as_of=None, **kwargs):
    from ..rfm import rfm_scores, rfm_segments

    return rfm_segments(rfm_scores(base.orders, as_of or base.as_of, **kwargs))


# 04.1-04.3 run on the learner's own shop (`generate('retail', n_customers=1000, seed=MY_SEED)`) and ask what the
# cells above do not print: another date (half a year before the end), other segments, a count of false alarms.
_MID = "2025-06-30"
_NOTEBOOK_PAST = "2024-12-31"  # the date of the notebook's own look-back cell


def _champions_on(base, as_of=None, **kwargs):
    return int((_segments(base, as_of, **kwargs).segment == "champions").sum())


@exercise(
    "04.1",
    f"On your own shop (`generate('retail', n_customers=1000, seed=MY_SEED)`), scored as of {_MID} with the default "
    "settings (5 bands, total spend): how many customers were champions then?",
    f"`rfm_segments(rfm_scores(my_shop.orders, '{_MID}'))`, then count the rows whose `segment` is 'champions'.",
    mistakes=[
        (lambda base: _champions_on(base),
         f"that is scored at the end of the data, the notebook's date; score as of {_MID}: pass the date to "
         "`rfm_scores`."),
        (lambda base: float((_segments(base, _MID).segment == "champions").mean()),
         "that is the share of customers; the question asks for a number of customers."),
        (lambda base: _champions_on(base, _MID, ties="first"),
         "you broke ties by row order (`ties='first'`); keep the default so equal customers share a score."),
        (lambda base: int((_segments(base, _MID).rfm_code == "555").sum()),
         "'555' is only one corner of the champions: they are R = 5 with F = 4 or 5, whatever their M."),
    ],
    hints=(f"a segment depends on the day you score: on {_MID} recency is counted back from that day, and only orders "
           "up to it count.",
           f"score recency, frequency and money as of {_MID} with the defaults, name the segments, then count one of "
           "them."),
    rtol=0.0,  # a count is exact
    own=OWN,
)
def _champions(base):
    return _champions_on(base, _MID)


_WIN_BACK = ("at_risk", "cannot_lose")


def _revenue_share(base, names, column="revenue"):
    seg = _segments(base)
    mine = seg.segment.isin(names)
    if column == "customers":
        return float(mine.mean())
    return float(seg.loc[mine, "revenue"].sum() / seg["revenue"].sum())


@exercise(
    "04.2",
    "On your own shop, scored at the end of the data: what share of all revenue so far came from the customers a "
    "win-back campaign targets, 'at_risk' and 'cannot_lose' together (a fraction between 0 and 1, to three decimals)?",
    "add up `revenue` over the rows of `rfm_segments(rfm_scores(my_shop))` whose segment is 'at_risk' or "
    "'cannot_lose' and divide by all `revenue` (or add their two `revenue_share` figures in `segment_summary`).",
    decimals=3,
    mistakes=[
        (lambda base: _revenue_share(base, _WIN_BACK, "customers"),
         "that is their share of customers; weight by revenue instead."),
        (lambda base: _revenue_share(base, ["at_risk"]), "that is 'at_risk' alone; add 'cannot_lose'."),
        (lambda base: _revenue_share(base, ["champions", "loyal_customers"]),
         "that is champions and loyal customers, the pair the notebook prints; the question asks about the two "
         "win-back segments."),
    ],
    hints=("two segments together, and a share of revenue, not of customers: how much of the money came from "
           "valuable customers who went quiet?",
           "sum the revenue of both win-back segments of your shop and divide by all revenue (or add their shares "
           "from the segment summary)."),
    own=OWN,
)
def _win_back_revenue_share(base):
    return _revenue_share(base, _WIN_BACK)


def _false_alarms(base, as_of=_MID, *, known_later: bool = False, count_gone: bool = False):
    seg = _segments(base, as_of)
    truth = base.truth.set_index("customer_id").loc[seg.index]
    gone = truth.dropout_date.notna() if known_later else truth.dropout_date <= pd.Timestamp(as_of)
    keep = seg.segment.isin(_SLIPPING).to_numpy() & (gone if count_gone else ~gone).to_numpy()
    return float(seg.loc[keep, "revenue"].sum())


@exercise(
    "04.3",
    f"On {_MID}, a win-back campaign on your own shop mails every customer that RFM (scored as of that day) puts in "
    "'at_risk', 'cannot_lose', 'hibernating' or 'lost'. Only the customers who had not truly left yet (truth "
    f"`dropout_date` missing or after {_MID}) can still be kept: how much revenue (the `revenue` column, their spend "
    "up to that day) have they brought, in total?",
    f"`rfm_scores(my_shop.orders, '{_MID}')` and `rfm_segments`, keep the four segments, join `my_shop.truth` on the "
    f"customer id, keep the rows where `dropout_date <= '{_MID}'` is False (a missing date is not gone) and sum "
    "their `revenue`.",
    mistakes=[
        (lambda base: _false_alarms(base, count_gone=True),
         "that is the revenue of the customers who had truly left; the question asks about the ones still there."),
        (lambda base: _false_alarms(base, known_later=True),
         f"you used what the truth knows later: a customer who left after {_MID} was still there when the mail went "
         "out, and counts."),
        (lambda base: _false_alarms(base, _NOTEBOOK_PAST),
         f"that is scored as of {_NOTEBOOK_PAST}, the notebook's date; score as of {_MID}."),
        (lambda base: _false_alarms(base, str(base.as_of.date())),
         f"those are the segments at the end of the data; score as of {_MID} so the segments use only what was known "
         "then."),
    ],
    hints=(f"only what was known on {_MID} may be used to score; the truth is only for checking who had left by then.",
           f"score as of {_MID}, keep the four slipping segments and those whose true dropout date is not on or before "
           "that day, and add up their revenue."),
    own=OWN,
)
def _slipping_still_there(base):
    return _false_alarms(base)


def _direction(before: float, after: float) -> str:
    return "more" if after > before else "fewer" if after < before else "same"


def _champions_with(base, bins):
    return int((_segments(base, bins=bins).segment == "champions").sum())


@exercise(
    "04.4",
    "Predict before you run the check: on your own shop (`my_shop`), scored at the end of the data, will 3 score bands "
    "instead of 5 give 'more', 'fewer' or the 'same' number of champions?",
    "think about the top band of recency and of frequency: what share of the customers does it hold with five bands, "
    "and with three?",
    kind="predict",
    choices=("more", "fewer", "same"),
    reason=lambda base: (f"Champions on your shop with 5 bands: {_champions_with(base, 5)}; with 3 bands: "
                         f"{_champions_with(base, 3)}. With three bands the top band holds about a third of the "
                         "customers instead of a fifth, on recency and on frequency alike, so more customers reach the "
                         "champions' corner."),
    own=OWN,
)
def _champions_with_three_bands(base):
    return _direction(_champions_with(base, 5), _champions_with(base, 3))


# 04.5: a segment and its action for a named customer of the learner's own shop, with a trap: a big first order.

def _segment_names():
    from ..rfm import RFM_SEGMENTS

    return tuple(RFM_SEGMENTS["segment"])


def _pick_big_first_order(base):
    """The first customer (by id) with one recent order among the biggest spenders: a new customer, not a champion."""
    from .core import pick_first

    seg = _segments(base)
    big_new = seg[(seg["R"] == 5) & (seg["F"] == 1) & (seg["M"] >= 4)]
    return pick_first(big_new, fallback=seg[seg["segment"].astype(str) == "cannot_lose"])


def _segment_reason(base, customer_id) -> str:
    from ..rfm import RFM_SEGMENTS

    row = _segments(base).loc[customer_id]
    rule = RFM_SEGMENTS.set_index("segment").loc[str(row["segment"])]
    return (f"R = {int(row['R'])}, F = {int(row['F'])} (M = {int(row['M'])} is not read by the segment rules): R in "
            f"{int(rule['r_min'])}-{int(rule['r_max'])} and F in {int(rule['f_min'])}-{int(rule['f_max'])} is "
            f"'{row['segment']}'. Its action: {rule['action']}")


@exercise(
    "04.5",
    "Decide: the cell names a customer of your own shop and shows their R, F and M scores at the end of the data, not "
    "their segment. Which RFM segment do the kit's rules put them in, and so which action do they get? Answer with a "
    "segment name such as 'loyal_customers'.",
    "find the row of `RFM_SEGMENTS` whose R range and F range both hold the customer's R and F; or read the "
    "customer's `segment` in `rfm_segments(rfm_scores(my_shop))`.",
    kind="decide",
    choices=_segment_names(),
    hints=("the segment grid has two axes only. Which two of R, F and M?",
           "look up the customer's R and F, then walk the rows of `RFM_SEGMENTS`: the one whose r_min-r_max and "
           "f_min-f_max hold both."),
    mistakes=[
        (lambda base, customer_id: "champions" if str(_segments(base).loc[customer_id, "segment"]) != "champions"
         else "loyal_customers",
         "a champion buys often and recently; the segments read R and F only, and M (the spend) does not enter. One "
         "big order is still one order: F decides, whatever the customer spent."),
    ],
    reason=_segment_reason,
    pick=_pick_big_first_order,
    own=OWN,
)
def _named_segment(base, customer_id):
    return str(_segments(base).loc[customer_id, "segment"])


@exercise(
    "04.6",
    "Explain: the win-back campaign of 04.3 mailed customers who, the truth shows, had already left. Write to the "
    "marketing manager what you would change in the targeting, what you would measure to know it worked, and what RFM "
    "cannot tell you.",
    "three parts: a change to who is targeted, a measure against a holdout, and one limit of RFM.",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _win_back_memo(base):
    return None
