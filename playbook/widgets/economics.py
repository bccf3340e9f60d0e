"""ipywidgets front-end for retention economics: sliders for costs, retention, margin and discount rate.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

from ..i18n import label
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["EconomicsExplorer", "GrowthExplorer"]


class EconomicsExplorer(Explorer):
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
        super().__init__(lang=lang)
        style = {"description_width": "160px"}
        layout = w.Layout(width="460px")

        def slider(value, lo, hi, step, key, fmt):
            return w.FloatSlider(value=value, min=lo, max=hi, step=step, readout_format=fmt, continuous_update=False,
                                 description=label(key, self.lang), style=style, layout=layout)

        import math

        # the money sliders span a few times the inputs, in round steps, so small shops get fine control
        top_money = max(10.0, 2 * acquisition_cost, 4 * margin_per_period)
        step = 10.0 ** math.floor(math.log10(top_money / 100)) if top_money >= 100 else 1.0
        top_money = math.ceil(top_money / step) * step
        self.acquisition_cost = slider(acquisition_cost, 0, top_money, step, "acquisition_cost", ",.0f")
        self.retention_cost = slider(retention_cost, 0, top_money / 2, step, "retention_cost", ",.0f")
        self.retention_rate = slider(retention_rate, 0, 0.95, 0.01, "retention_rate", ".0%")
        self.margin_per_period = slider(margin_per_period, 0, top_money, step, "margin_per_period", ",.0f")
        self.discount_rate = slider(discount_rate, 0, 0.30, 0.01, "discount_rate", ".0%")
        self.controls = (self.acquisition_cost, self.retention_cost, self.retention_rate, self.margin_per_period,
                         self.discount_rate)
        self._start(*self.controls)

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
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(8, 4))
            profit_over_time(table, ax=ax, lang=self.lang)
            ax.set_title(caption("ui_clv_summary", self.lang, self.shown["clv"], self.shown["net_clv"], self.periods,
                                 self.shown["cohort_npv"]))
            show(fig)



class GrowthExplorer(Explorer):
    """Number or quality of customers: pick a dataset, years or quarters, and what to show.

    Draws :func:`playbook.economics.customer_growth` either as the split of each period's
    revenue change (``"split"``) or as the quality signs over time (``"quality"``: share of
    returning customers and of key customers, and revenue per customer against the first period).

    Parameters
    ----------
    bases : dict of name -> CustomerBase
        The datasets to choose from, e.g. ``{"retail": retail, "b2b": b2b}``.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> g = GrowthExplorer({"retail": playbook.load_dataset("retail"), "b2b": playbook.load_dataset("b2b")})
    >>> g.shown["periods"]
    3
    >>> g.freq.value = "Q"
    >>> g.shown["periods"]
    12
    >>> g.dataset.value = "b2b"; g.freq.value = "Y"
    >>> g.shown["quality_effect"] < 0
    True
    """

    def __init__(self, bases: dict, *, lang: str | None = None):
        import ipywidgets as w

        from ..errors import InvalidArgumentError

        if not isinstance(bases, dict) or not bases:
            raise InvalidArgumentError("GrowthExplorer needs a dict of datasets, e.g. {'retail': retail, 'b2b': b2b}.")
        self.bases = bases
        super().__init__(lang=lang)
        from ..i18n import LABELS

        names = [(label(f"ds_{n}", self.lang) if f"ds_{n}" in LABELS else str(n), n) for n in bases]
        self.dataset = w.Dropdown(options=names, value=next(iter(bases)), description=caption("ui_dataset", self.lang))
        self.freq = w.ToggleButtons(options=[(caption("ui_years", self.lang), "Y"), (caption("ui_quarters", self.lang), "Q")],
                                    value="Y", description=caption("ui_periods", self.lang))
        self.view = w.ToggleButtons(options=[(caption("ui_number_vs_quality", self.lang), "split"),
                                             (caption("ui_quality_signs", self.lang), "quality")], value="split",
                                    description=caption("ui_show", self.lang))
        self._cache: dict = {}
        self._start(w.HBox([self.dataset, self.freq]), self.view)

    def table(self):
        """The :func:`customer_growth` table for the current dataset and period."""
        from ..economics import customer_growth

        key = (self.dataset.value, self.freq.value)
        if key not in self._cache:
            self._cache[key] = customer_growth(self.bases[self.dataset.value], freq=self.freq.value)
        return self._cache[key]

    def update(self) -> None:
        """Recompute (cached per dataset and period) and redraw."""
        import seaborn as sns

        from ..charts import PALETTE
        from ..charts.economics import growth_decomposition

        t = self.table()
        self.shown = {"dataset": self.dataset.value, "freq": self.freq.value, "view": self.view.value, "periods": len(t),
                      "number_effect": float(t["number_effect"].sum()), "quality_effect": float(t["quality_effect"].sum())}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(8, 3.8))
            if self.view.value == "split":
                growth_decomposition(t, ax=ax, lang=self.lang)
            else:
                signs = t[["repeat_share", "key_share"]].assign(
                    revenue_per_customer=t["revenue_per_customer"] / t["revenue_per_customer"].iloc[0])
                long = signs.reset_index().melt(id_vars="period", var_name="sign", value_name="value")
                long["sign"] = long["sign"].map(lambda c: label(c, self.lang))
                sns.lineplot(data=long, x="period", y="value", hue="sign", marker="o", palette=PALETTE[:3], ax=ax)
                ax.set_ylabel(caption("ui_share_or_ratio", self.lang))
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
                ax.tick_params(axis="x", rotation=45)
                ax.set_xlabel(label("period", self.lang))
                ax.set_title(caption("ui_quality_title", self.lang))
            self.shown["title"] = ax.get_title()
            show(fig)
