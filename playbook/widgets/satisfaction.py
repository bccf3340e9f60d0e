"""ipywidgets front-end for the satisfaction index: one slider per indicator weight, the index per group.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import get_language, label
from ..satisfaction import INDICATORS, satisfaction_index
from ._base import caption, clear_output, figsize, new_figure, show

__all__ = ["SatisfactionIndexExplorer"]


class SatisfactionIndexExplorer:
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
        self.lang = lang or get_language()
        present = [k for k in INDICATORS if k in indicators.columns]
        start = weights or {k: 1.0 for k in present}
        satisfaction_index(indicators, start)  # fail early, with the library's message, on bad weights
        style = {"description_width": "170px"}
        layout = w.Layout(width="420px")
        self.sliders = {k: w.FloatSlider(value=float(start.get(k, 0.0)), min=0.0, max=5.0, step=0.5,
                                         description=label(k, self.lang), continuous_update=False,
                                         style=style, layout=layout) for k in present}
        self.output = w.Output()
        self.shown: dict = {}
        for slider in self.sliders.values():
            slider.observe(lambda change: self.update(), names="value")
        self.widget = w.HBox([w.VBox(list(self.sliders.values())), self.output])
        self.update()

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
            clear_output(self.output)
            with self.output:
                print(caption("ui_all_weights_zero", self.lang))
            return
        scores = satisfaction_index(self.indicators, weights)
        total = sum(weights.values())
        self.shown = {"weights": {k: v / total for k, v in weights.items()},
                      "index": {str(g): round(float(v), 2) for g, v in scores["satisfaction_index"].items()}}
        clear_output(self.output)
        with self.output:
            fig, ax = new_figure(figsize=figsize(6, 3.8))
            index_bars(scores, ax=ax, lang=self.lang)
            show(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
