"""ipywidgets front-end for retention economics: sliders for costs, retention, margin and discount rate.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

from ..i18n import get_language, label
from ._base import clear_output, figsize, new_figure, show

__all__ = ["EconomicsExplorer"]


class EconomicsExplorer:
    """Five sliders drive :func:`playbook.economics.cohort_profit` and :func:`customer_lifetime_value`.

    Parameters
    ----------
    acquisition_cost, retention_cost, retention_rate, margin_per_period, discount_rate : float
        Starting values (e.g. from :func:`playbook.economics.empirical_retention`).
    n_customers : int
        Size of the cohort drawn.
    periods : int
        Horizon of the cohort chart.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> explorer = EconomicsExplorer(acquisition_cost=150, retention_cost=10, retention_rate=0.6,
    ...                              margin_per_period=100, discount_rate=0.1)
    >>> before = explorer.shown["clv"]
    >>> explorer.retention_rate.value = 0.65
    >>> explorer.shown["clv"] > before
    True
    """

    def __init__(self, *, acquisition_cost: float = 150.0, retention_cost: float = 10.0, retention_rate: float = 0.6,
                 margin_per_period: float = 100.0, discount_rate: float = 0.10, n_customers: int = 1000,
                 periods: int = 10, lang: str | None = None):
        import ipywidgets as w

        self.n_customers = n_customers
        self.periods = periods
        self.lang = lang or get_language()
        style = {"description_width": "160px"}
        layout = w.Layout(width="460px")

        def slider(value, lo, hi, step, key, fmt):
            return w.FloatSlider(value=value, min=lo, max=hi, step=step, readout_format=fmt, continuous_update=False,
                                 description=label(key, self.lang), style=style, layout=layout)

        top_money = max(500.0, 2 * acquisition_cost, 2 * margin_per_period)
        self.acquisition_cost = slider(acquisition_cost, 0, top_money, top_money / 100, "acquisition_cost", ",.0f")
        self.retention_cost = slider(retention_cost, 0, top_money / 2, top_money / 200, "retention_cost", ",.0f")
        self.retention_rate = slider(retention_rate, 0, 0.95, 0.01, "retention_rate", ".0%")
        self.margin_per_period = slider(margin_per_period, 0, top_money, top_money / 100, "margin_per_period", ",.0f")
        self.discount_rate = slider(discount_rate, 0, 0.30, 0.01, "discount_rate", ".0%")
        self.controls = (self.acquisition_cost, self.retention_cost, self.retention_rate, self.margin_per_period,
                         self.discount_rate)
        self.output = w.Output()
        self.shown: dict = {}
        for control in self.controls:
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([*self.controls, self.output])
        self.update()

    def params(self) -> dict:
        """The calculator's parameters as the sliders set them."""
        return {"acquisition_cost": self.acquisition_cost.value, "retention_cost": self.retention_cost.value,
                "retention_rate": self.retention_rate.value, "margin_per_period": self.margin_per_period.value,
                "discount_rate": self.discount_rate.value}

    def update(self) -> None:
        """Recompute the cohort and the CLV for the current sliders and redraw."""

        from ..charts.economics import profit_over_time
        from ..economics import cohort_profit, customer_lifetime_value

        p = self.params()
        table = cohort_profit(self.n_customers, periods=self.periods, **p)
        clv = customer_lifetime_value(p["margin_per_period"], p["retention_rate"], p["discount_rate"],
                                      retention_cost=p["retention_cost"])
        npv = table["cumulative_npv"].to_numpy()
        paid = [int(t) for t in table.index[npv >= 0]]
        self.shown = {"params": p, "clv": float(clv), "net_clv": float(clv - p["acquisition_cost"]),
                      "cohort_npv": float(npv[-1]), "payback_period": paid[0] if paid and npv[0] < 0 else None}
        clear_output(self.output)
        with self.output:
            fig, ax = new_figure(figsize=figsize(8, 4))
            profit_over_time(table, ax=ax, lang=self.lang)
            word = ("CLV {:,.0f}, net of acquisition {:,.0f}; cohort NPV over {} periods {:,.0f}" if self.lang == "en"
                    else "客户终身价值 {:,.0f}, 扣除获客成本 {:,.0f}; {} 期累计净现值 {:,.0f}")
            ax.set_title(word.format(self.shown["clv"], self.shown["net_clv"], self.periods, self.shown["cohort_npv"]))
            show(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
