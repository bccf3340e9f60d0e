"""ipywidgets front-end for the satisfaction index: one slider per indicator weight, the index per group.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import label
from ..satisfaction import INDICATORS, satisfaction_index
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["SatisfactionIndexExplorer", "ComplaintSpeedExplorer"]


class SatisfactionIndexExplorer(Explorer):
    """Seven sliders set the weight of each indicator; the chart shows the index per group.

    Parameters
    ----------
    indicators : DataFrame
        Output of :func:`playbook.satisfaction.satisfaction_indicators` with ``by=`` a grouping.
    weights : dict, optional
        Starting weights (default 1 for every indicator present).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import satisfaction_indicators
    >>> table = satisfaction_indicators(playbook.load_dataset("retail"), by="tier")
    >>> explorer = SatisfactionIndexExplorer(table)
    >>> before = explorer.shown["index"]["general"]
    >>> explorer.sliders["repurchase_rate"].value = 5
    >>> explorer.shown["index"]["general"] != before
    True
    """

    def __init__(self, indicators: pd.DataFrame, *, weights: dict | None = None, lang: str | None = None):
        import ipywidgets as w

        self.indicators = indicators
        super().__init__(lang=lang)
        present = [k for k in INDICATORS if k in indicators.columns]
        start = weights or {k: 1.0 for k in present}
        satisfaction_index(indicators, start)  # fail early, with the library's message, on bad weights
        style = {"description_width": "170px"}
        layout = w.Layout(width="420px")
        self.sliders = {k: w.FloatSlider(value=float(start.get(k, 0.0)), min=0.0, max=5.0, step=0.5,
                                         description=label(k, self.lang), continuous_update=False,
                                         style=style, layout=layout) for k in present}
        self._start(widget=w.HBox([w.VBox(list(self.sliders.values())), self.output]))

    @property
    def weights(self) -> dict:
        """The weights the sliders hold now."""
        return {k: s.value for k, s in self.sliders.items()}

    def update(self) -> None:
        """Recompute the index for the current weights and redraw."""

        from ..charts.satisfaction import index_bars

        weights = self.weights
        if sum(weights.values()) <= 0:
            self.shown = {"weights": weights, "index": {}, "note": "all weights are zero"}
            with self._redraw():
                print(caption("ui_all_weights_zero", self.lang))
            return
        scores = satisfaction_index(self.indicators, weights)
        total = sum(weights.values())
        self.shown = {"weights": {k: v / total for k, v in weights.items()},
                      "index": {str(g): round(float(v), 2) for g, v in scores["satisfaction_index"].items()}}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(6, 3.8))
            index_bars(scores, ax=ax, lang=self.lang)
            show(fig)



class ComplaintSpeedExplorer(Explorer):
    """Does complaint speed matter for buying again? A read-out date and a "fast means" slider.

    Moving the read-out date replays the measure at another moment (is the finding stable
    or one period's noise?); the slider sets what "closed fast" means in days.

    Parameters
    ----------
    base : CustomerBase
        With orders and complaints.
    dates : list of date strings
        Read-out dates offered (each needs ``horizon_days`` of data after it).
    horizon_days : int
        How long to wait for a repeat order (default 180).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = ComplaintSpeedExplorer(playbook.load_dataset("retail"), dates=["2024-12-31", "2025-06-30"])
    >>> first = explorer.shown["rates"]
    >>> explorer.as_of.value = "2025-06-30"
    >>> explorer.shown["as_of"], explorer.shown["rates"] != first
    ('2025-06-30', True)
    """

    def __init__(self, base, *, dates, horizon_days: int = 180, lang: str | None = None):
        import ipywidgets as w

        from ..satisfaction import complaint_speed_effect

        self.base = base
        super().__init__(lang=lang)
        self.horizon_days = horizon_days
        dates = [str(d) for d in dates]
        complaint_speed_effect(base, dates[-1], horizon_days=horizon_days)  # fail early with the library's message
        self.as_of = w.Dropdown(options=dates, value=dates[0], description=caption("ui_as_of", self.lang))
        self.fast = w.IntSlider(value=3, min=1, max=14, step=1, continuous_update=False,
                                description=caption("ui_fast_within", self.lang),
                                style={"description_width": "130px"})
        self._start(w.HBox([self.as_of, self.fast]))

    def update(self) -> None:
        """Recompute the measure for the chosen date and speed bands, and redraw."""
        from ..charts.satisfaction import complaint_speed_bars
        from ..satisfaction import complaint_speed_effect

        fast = int(self.fast.value)
        bands = (fast, max(fast + 1, 7), 30) if fast < 29 else (fast, fast + 1)
        table = complaint_speed_effect(self.base, self.as_of.value, horizon_days=self.horizon_days, bands=bands)
        self.shown = {"as_of": self.as_of.value, "bands": bands,
                      "rates": {str(g): (None if pd.isna(r) else round(float(r), 3)) for g, r in table["repurchase_rate"].items()},
                      "customers": {str(g): int(n) for g, n in table["customers"].items()}}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7, 3.8))
            complaint_speed_bars(table, ax=ax, lang=self.lang)
            show(fig)
