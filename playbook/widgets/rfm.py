"""An ipywidgets explorer for RFM segmentation: move the as-of date and the number of bins.

It keeps what it last drew in ``shown`` so notebooks and tests can assert that a control changed the picture.
"""
from __future__ import annotations

import pandas as pd

from ..data import CustomerBase, load_dataset
from ..rfm import RFM_SEGMENTS, rfm_scores, rfm_segments, segment_summary
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["RFMExplorer", "quarter_ends"]


def quarter_ends(start, end) -> list[str]:
    """Quarter-end dates from ``start`` to ``end`` (inclusive), as ``YYYY-MM-DD`` text.

    >>> quarter_ends("2024-03-31", "2024-12-31")
    ['2024-03-31', '2024-06-30', '2024-09-30', '2024-12-31']
    """
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(start, end, freq="QE")]


class RFMExplorer(Explorer):
    """Pick an as-of date and a number of score bins; see the R x F grid and the segments.

    Only orders up to the chosen date are used, so nothing from the future leaks in.

    Parameters
    ----------
    base : CustomerBase or str
        The customer base, or a dataset name (default ``"retail"``).
    dates : sequence of date-like, optional
        Dates offered; by default the quarter ends from 2024-03-31 to the base's ``as_of``.
    table : DataFrame
        Segment table (default :data:`playbook.rfm.RFM_SEGMENTS`).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> explorer = RFMExplorer("retail")
    >>> before = explorer.shown["segments"]
    >>> explorer.as_of.value = "2024-06-30"
    >>> explorer.shown["as_of"], explorer.shown["segments"] != before
    ('2024-06-30', True)
    """

    def __init__(self, base="retail", *, dates=None, table: pd.DataFrame = RFM_SEGMENTS, lang: str | None = None):
        import ipywidgets as w

        self.base = base if isinstance(base, CustomerBase) else load_dataset(base)
        self.table = table
        super().__init__(lang=lang)
        end = self.base.as_of or self.base.orders.order_date.max()
        options = list(dates) if dates is not None else quarter_ends("2024-03-31", end)
        style = {"description_width": "90px"}
        self.as_of = w.Dropdown(options=[str(pd.Timestamp(d).date()) for d in options], value=str(pd.Timestamp(options[-1]).date()),
                                description=caption("ui_as_of", self.lang), style=style)
        self.bins = w.Dropdown(options=[3, 4, 5, 6], value=5, description=caption("ui_bins", self.lang), style=style)
        self._results: dict[tuple, tuple] = {}  # (as_of, bins) -> (scores, segments, summary)
        self._start(w.HBox([self.as_of, self.bins]))

    def update(self) -> None:
        """Recompute the scores and segments for the current controls, and redraw."""

        from ..charts.rfm import rfm_heatmap, segment_bars

        key = (self.as_of.value, self.bins.value)
        if key not in self._results:
            scores = rfm_scores(self.base.orders, key[0], bins=key[1])
            segments = rfm_segments(scores, self.table)
            self._results[key] = (scores, segments, segment_summary(segments, self.table, lang=self.lang))
        scores, segments, summary = self._results[key]
        self.scores, self.segments, self.summary = scores, segments, summary
        self.shown = {"as_of": self.as_of.value, "bins": self.bins.value, "customers": len(scores),
                      "segments": summary["customers"].to_dict()}
        with self._redraw():
            fig, axes = new_figure(1, 2, figsize=figsize(13, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
            rfm_heatmap(scores, lang=self.lang, ax=axes[0])
            segment_bars(summary, lang=self.lang, ax=axes[1])
            axes[1].set_title(caption("ui_rfm_title", self.lang, self.as_of.value, len(scores)))
            fig.tight_layout()
            show(fig)
