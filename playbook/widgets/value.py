"""ipywidgets front-end for customer lifetime value: move the horizon and the discount rate,
see the predicted CLV per tier. Keeps what it last drew in ``shown``.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import label
from ..segment import TIERS, assign_tiers
from ..value import BetaGeoFitter, GammaGammaFitter, clv_table
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["CLVExplorer"]


class CLVExplorer(Explorer):
    """Two sliders, prediction horizon (months) and annual discount rate, redraw the mean
    predicted CLV of key, important and general customers.

    Parameters
    ----------
    summary : DataFrame
        A :func:`playbook.summarize` table (days).
    bgf, ggf : fitted BetaGeoFitter and GammaGammaFitter
    horizon_months : int
        Starting horizon (1 month = 30 days).
    discount_rate : float
        Starting annual discount rate.
    margin : float, optional
        Share of spend that is profit (default: the summary's margin / revenue).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> from playbook.value import BetaGeoFitter, GammaGammaFitter
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    >>> explorer = CLVExplorer(s, bgf, ggf)
    >>> before = explorer.shown["total_clv"]
    >>> explorer.horizon.value = 36
    >>> explorer.shown["total_clv"] > before
    True
    """

    def __init__(self, summary: pd.DataFrame, bgf: BetaGeoFitter, ggf: GammaGammaFitter, *, horizon_months: int = 12,
                 discount_rate: float = 0.10, margin: float | None = None, lang: str | None = None):
        import ipywidgets as w

        self.summary, self.bgf, self.ggf, self.margin = summary, bgf, ggf, margin
        super().__init__(lang=lang)
        self.tiers = assign_tiers(summary)["tier"].reindex(summary.index)
        style = {"description_width": "190px"}
        layout = w.Layout(width="480px")
        self.horizon = w.IntSlider(value=horizon_months, min=1, max=60, step=1, description=caption("ui_horizon_months", self.lang),
                                   continuous_update=False, style=style, layout=layout)
        self.discount = w.FloatSlider(value=discount_rate, min=0.0, max=0.30, step=0.01, readout_format=".0%",
                                      description=caption("ui_annual_discount", self.lang), continuous_update=False, style=style, layout=layout)
        self._start(self.horizon, self.discount)

    def update(self) -> None:
        """Recompute CLV for the current horizon and discount rate and redraw."""
        import seaborn as sns

        from ..charts import PALETTE

        days = 30 * int(self.horizon.value)
        table = clv_table(self.summary, self.bgf, self.ggf, horizon=days, discount_rate=float(self.discount.value),
                          margin=self.margin)
        per_tier = table["clv"].groupby(self.tiers.reindex(table.index), observed=False).mean()
        self.shown = {"horizon_days": days, "discount_rate": float(self.discount.value),
                      "total_clv": float(table["clv"].sum()),
                      "mean_clv": {str(t): float(per_tier.get(t, float("nan"))) for t in TIERS}}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7.5, 3.8))
            bars = pd.DataFrame({"tier": [label(t, self.lang) for t in TIERS],
                                 "clv": [self.shown["mean_clv"][t] for t in TIERS]})
            sns.barplot(data=bars, x="tier", y="clv", hue="tier", palette=PALETTE[:3], legend=False, ax=ax)
            for container in ax.containers:
                ax.bar_label(container, fmt="%.0f", padding=2)
            ax.set_xlabel(label("tier", self.lang))
            unit = label("revenue" if self.margin == 1 else "margin", self.lang)
            ax.set_ylabel(f"{label('clv_per_customer', self.lang)} ({unit})")
            ax.set_title(caption("ui_clv_title", self.lang, label("clv", self.lang), self.horizon.value, self.discount.value,
                                 self.shown["total_clv"]))
            show(fig)
