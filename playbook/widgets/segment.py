"""ipywidgets front-end for tiers: move the cut-offs, see customers and revenue per tier.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import label
from ..segment import TIERS, assign_tiers
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["TierExplorer"]


class TierExplorer(Explorer):
    """Two sliders set the key and important cut-offs (as shares of customers ranked by score).

    Parameters
    ----------
    summary : DataFrame
        A :func:`playbook.summarize` table or orders, as :func:`playbook.segment.assign_tiers` accepts.
    cutoffs : (float, float)
        Starting cut-offs.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> explorer = TierExplorer(playbook.summarize(base.orders, base.as_of))
    >>> before = explorer.shown["customers"]["key"]
    >>> explorer.key.value = 0.10
    >>> explorer.shown["customers"]["key"] > before
    True
    """

    def __init__(self, summary: pd.DataFrame, *, cutoffs=(0.05, 0.20), lang: str | None = None):
        import ipywidgets as w

        self.summary = summary
        super().__init__(lang=lang)
        style = {"description_width": "200px"}
        layout = w.Layout(width="480px")
        self.key = w.FloatSlider(value=cutoffs[0], min=0.01, max=0.30, step=0.01, readout_format=".0%",
                                 description=caption("ui_key_cut", self.lang), continuous_update=False, style=style, layout=layout)
        self.important = w.FloatSlider(value=cutoffs[1], min=0.05, max=0.60, step=0.01, readout_format=".0%",
                                       description=caption("ui_important_cut", self.lang), continuous_update=False, style=style, layout=layout)
        self._start(self.key, self.important)

    def update(self) -> None:
        """Recompute the tiers for the current cut-offs and redraw."""

        from ..charts.segment import tier_bars

        lo = self.key.value
        hi = max(self.important.value, lo + 0.01)
        tiers = assign_tiers(self.summary, cutoffs=(lo, min(hi, 1.0)))
        counts = tiers["tier"].value_counts(sort=False)
        revenue = tiers.groupby("tier", observed=False)["revenue"].sum() / tiers["revenue"].sum()
        self.shown = {"cutoffs": (lo, hi), "customers": {str(k): int(v) for k, v in counts.items()},
                      "revenue_share": {str(k): float(v) for k, v in revenue.items()}}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7.5, 3.8))
            tier_bars(tiers, ax=ax, lang=self.lang)
            n = self.shown["customers"]
            ax.set_title(", ".join(f"{label(t, self.lang)}: {n[t]}" for t in TIERS))
            show(fig)
