"""Explorers of the foundation notebooks: one customer's timeline, and the generator."""
from __future__ import annotations

import pandas as pd

from ..data import load_dataset, summarize, timeline
from ..i18n import get_language, label
from ..segment import top_share
from ._base import clear_output

__all__ = ["CustomerExplorer", "GeneratorExplorer"]


class CustomerExplorer:
    """Pick a dataset and a customer; see that customer's timeline and key figures.

    Parameters
    ----------
    datasets : sequence of str
        Dataset names offered in the first dropdown.
    n_customers : int
        How many customers the second dropdown offers (the biggest spenders first,
        then a spread of ordinary ones).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> explorer = CustomerExplorer(datasets=("b2b",))
    >>> explorer.customer.value = explorer.customer.options[1][1]
    >>> explorer.shown["customer_id"] == explorer.customer.options[1][1]
    True
    """

    def __init__(self, datasets=("retail", "b2b", "retail_zh"), *, n_customers: int = 40, lang: str | None = None):
        import ipywidgets as w

        self.lang = lang or get_language()
        self.n_customers = n_customers
        self.dataset = w.Dropdown(options=list(datasets), description="Dataset")
        self.customer = w.Dropdown(description=label("customer", self.lang)[:8], layout=w.Layout(width="420px"))
        self.output = w.Output()
        self.shown: dict = {}
        self.dataset.observe(self._on_dataset, names="value")
        self._refilling = False
        self.customer.observe(lambda change: None if self._refilling else self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.dataset, self.customer]), self.output])
        self._on_dataset(None)

    def _on_dataset(self, _change) -> None:
        base = load_dataset(self.dataset.value)
        summary = summarize(base.orders, base.as_of)
        top = summary.sort_values("revenue", ascending=False)
        step = max(1, len(top) // self.n_customers)
        picks = list(dict.fromkeys(list(top.index[:10]) + list(top.index[10::step][: self.n_customers - 10])))
        names = base.customers.set_index("customer_id")["name"] if base.customers is not None else pd.Series(dtype=object)
        options = [(f"{cid}  {names.get(cid, '')}  ({summary.at[cid, 'n_orders']} orders)", cid) for cid in picks]
        self._base, self._summary = base, summary
        self._refilling = True  # new options select the first one; draw once, below
        try:
            self.customer.options = options
            self.customer.value = options[0][1]
        finally:
            self._refilling = False
        self.update()

    def update(self) -> None:
        """Redraw for the current dataset and customer."""
        import matplotlib.pyplot as plt

        from ..charts import customer_timeline

        cid = self.customer.value
        if cid is None:
            return
        events = timeline(self._base, cid)
        row = self._summary.loc[cid]
        self.shown = {"dataset": self.dataset.value, "customer_id": cid, "n_events": len(events),
                      "n_orders": int(row["n_orders"]), "revenue": float(row["revenue"])}
        clear_output(self.output)
        with self.output:
            fig, ax = plt.subplots(figsize=(9, 3.8))
            customer_timeline(events, title=f"{cid}: {int(row['n_orders'])} {label('orders', self.lang).lower()}, "
                                             f"{label('revenue', self.lang).lower()} {row['revenue']:,.0f}", lang=self.lang, ax=ax)
            plt.show()
            plt.close(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class GeneratorExplorer:
    """Change the latent process of the generator and watch the customer base change.

    Sliders set the number of customers, how often customers buy (mean days between
    purchases), how likely they are to leave after each repeat purchase, and the seed; the output shows orders per customer, the persona mix, and how much revenue
    the top 20% bring.

    Examples
    --------
    >>> explorer = GeneratorExplorer()
    >>> before = explorer.shown["top20_share"]
    >>> explorer.dropout.value = 40
    >>> explorer.shown["top20_share"] != before
    True
    """

    def __init__(self, *, lang: str | None = None):
        import ipywidgets as w

        self.lang = lang or get_language()
        style = {"description_width": "230px"}
        layout = w.Layout(width="520px")
        self.n_customers = w.IntSlider(value=1500, min=300, max=5000, step=100, description="Customers",
                                       continuous_update=False, style=style, layout=layout)
        self.gap_days = w.IntSlider(value=33, min=5, max=120, step=1, description="Mean days between purchases",
                                    continuous_update=False, style=style, layout=layout)
        self.dropout = w.IntSlider(value=14, min=2, max=60, step=2, description="Chance of leaving after a purchase (%)",
                                   continuous_update=False, style=style, layout=layout)
        self.seed = w.IntText(value=0, description="Seed", style=style)
        self.output = w.Output()
        self.shown: dict = {}
        for control in (self.n_customers, self.gap_days, self.dropout, self.seed):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([self.n_customers, self.gap_days, self.dropout, self.seed, self.output])
        self.update()

    def parameters(self) -> dict:
        """The ``generate`` overrides the sliders stand for.

        Keeping the retail shapes r = 0.6 and a = 0.8: the mean purchase rate r/alpha is
        one per ``gap_days``, and the mean dropout chance a/(a + b) is ``dropout`` percent.
        The defaults give the shipped retail scenario.
        """
        r, a = 0.6, 0.8
        m = self.dropout.value / 100
        return {"alpha": r * self.gap_days.value, "a": a, "b": a * (1 - m) / m}

    def update(self) -> None:
        """Regenerate and redraw."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from ..charts import PALETTE
        from ..synth import generate

        base = generate("retail", n_customers=self.n_customers.value, seed=int(self.seed.value), **self.parameters())
        summary = summarize(base.orders, base.as_of)
        share = top_share(summary["revenue"])
        mix = base.truth["persona"].astype(str).value_counts(normalize=True)
        self.shown = {"n_orders": len(base.orders), "orders_per_buyer": len(base.orders) / len(summary),
                      "top20_share": share, "persona_mix": mix.to_dict()}
        clear_output(self.output)
        with self.output:
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
            sns.histplot(summary["n_orders"], bins=30, ax=axes[0], color=PALETTE[0])
            axes[0].set_xlabel(label("n_orders", self.lang))
            axes[0].set_ylabel(label("customers", self.lang))
            axes[0].set_title(f"top 20% bring {share:.0%} of revenue")
            order = [p for p in ("loyal", "need_based", "impulse", "discount_driven", "wanderer") if p in mix.index]
            sns.barplot(x=[label(p, self.lang) for p in order], y=[mix[p] for p in order], hue=order, palette=PALETTE[:len(order)],
                        legend=False, ax=axes[1])
            axes[1].set_ylabel(label("share_of_customers", self.lang))
            axes[1].tick_params(axis="x", rotation=20)
            fig.tight_layout()
            plt.show()
            plt.close(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
