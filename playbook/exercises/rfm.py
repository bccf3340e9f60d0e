"""Exercises of notebook 04, RFM segmentation (on the ``retail`` dataset)."""
from __future__ import annotations

import pandas as pd

from .core import exercise

_SLIPPING = ("at_risk", "cannot_lose", "hibernating", "lost")


def _segments(base, as_of=None, **kwargs):
    from ..rfm import rfm_scores, rfm_segments

    return rfm_segments(rfm_scores(base.orders, as_of or base.as_of, **kwargs))


@exercise(
    "04.1",
    "With the default settings (5 bins, total spend, as of the end of the data), how many customers are champions?",
    "score with `rfm_scores(base)`, name the segments with `rfm_segments`, and count the rows whose `segment` is 'champions'.",
    mistakes=[
        (lambda base: float((_segments(base).segment == "champions").mean()),
         "that is the share of customers; the question asks for a number of customers."),
        (lambda base: int((_segments(base, ties="first").segment == "champions").sum()),
         "you broke ties by row order (`ties='first'`); keep the default so equal customers share a score."),
        (lambda base: int((_segments(base).rfm_code == "555").sum()),
         "'555' is only one corner of the champions: they are R = 5 with F = 4 or 5, whatever their M."),
    ],
    hints=('a champion is a named RFM segment, not just a high score.',
           'score recency, frequency and money with the defaults, name the segments, then count one of them.'),
)
def _champions(base):
    return int((_segments(base).segment == "champions").sum())


def _revenue_share(base, names, column="revenue"):
    seg = _segments(base)
    mine = seg.segment.isin(names)
    if column == "customers":
        return float(mine.mean())
    return float(seg.loc[mine, "revenue"].sum() / seg["revenue"].sum())


@exercise(
    "04.2",
    "What share of all revenue do champions and loyal customers bring together (a fraction between 0 and 1)?",
    "add up `revenue` over the rows whose segment is 'champions' or 'loyal_customers' and divide by the total revenue "
    "(or add the two `revenue_share` figures of `segment_summary`).",
    mistakes=[
        (lambda base: _revenue_share(base, ["champions", "loyal_customers"], "customers"),
         "that is their share of customers; weight by revenue instead."),
        (lambda base: _revenue_share(base, ["champions"]), "that is the champions alone; add the loyal customers."),
        (lambda base: _revenue_share(base, ["champions", "loyal_customers"]) * 100, "give a fraction between 0 and 1, not a percentage."),
    ],
    hints=('two segments together, and a share of revenue, not of customers.',
           'sum the revenue of both segments and divide by all revenue (or add their shares from the segment summary).'),
)
def _top_revenue_share(base):
    return _revenue_share(base, ["champions", "loyal_customers"])


def _dropped_share(base, as_of, *, known_later: bool = False):
    seg = _segments(base, as_of)
    truth = base.truth.set_index("customer_id").loc[seg.index]
    dropped = truth.dropout_date.notna() if known_later else truth.dropout_date <= pd.Timestamp(as_of)
    return float(dropped[seg.segment.isin(_SLIPPING).to_numpy()].mean())


@exercise(
    "04.3",
    "Score the customers as of 2024-12-31. Among those in 'at_risk', 'cannot_lose', 'hibernating' or 'lost', what share "
    "had truly dropped out by that date (truth `dropout_date` on or before 2024-12-31)?",
    "pass `as_of='2024-12-31'` to `rfm_scores`, keep the four segments, join `base.truth` on the customer id and "
    "average `dropout_date <= '2024-12-31'` (missing dates count as not dropped).",
    mistakes=[
        (lambda base: _dropped_share(base, "2024-12-31", known_later=True),
         "you counted every customer who *ever* dropped out, including those who left in 2025; keep dropouts on or before 2024-12-31."),
        (lambda base: _dropped_share(base, "2025-12-31"),
         "those are the scores at the end of the data; score as of 2024-12-31 so the segments use only what was known then."),
    ],
    hints=('only what was known on 2024-12-31 may be used to score; the truth is only for checking.',
           'score as of 2024-12-31, keep the four worrying segments, and compare with the true dropout dates.'),
)
def _slipping_really_gone(base):
    return _dropped_share(base, "2024-12-31")


def _direction(before: float, after: float) -> str:
    return "more" if after > before else "fewer" if after < before else "same"


def _champions_with(base, bins):
    return int((_segments(base, bins=bins).segment == "champions").sum())


@exercise(
    "04.4",
    "Predict before you move the explorer's bands from 5 to 3: will there be 'more', 'fewer' or the 'same' number "
    "of champions?",
    "wider bands put more customers in the top band of R and of F.",
    kind="predict",
    choices=("more", "fewer", "same"),
    reason=lambda base: (f"Champions with 5 bands: {_champions_with(base, 5)}; with 3 bands: {_champions_with(base, 3)}. "
                         "With three bands the top band holds a third of the customers instead of a fifth, on both "
                         "recency and frequency."),
)
def _champions_with_three_bands(base):
    return _direction(_champions_with(base, 5), _champions_with(base, 3))
