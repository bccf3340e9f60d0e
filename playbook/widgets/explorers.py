"""Explorers of the foundation notebooks: one customer's timeline, and the generator."""
from __future__ import annotations

import pandas as pd

from ..data import load_dataset, summarize, timeline
from ..i18n import label
from ..segment import top_share
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["CustomerExplorer", "GeneratorExplorer"]


class CustomerExplorer(Explorer):
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

        super().__init__(lang=lang)
        self.n_customers = n_customers
        self.dataset = w.Dropdown(options=[(caption(f"ds_{d}", self.lang), d) for d in datasets], value=datasets[0],
                                  description=caption("ui_dataset", self.lang))
        self.customer = w.Dropdown(description=caption("ui_customer", self.lang), layout=w.Layout(width="420px"))
        self._datasets: dict[str, tuple] = {}  # name -> (base, summary, options), built on first choice
        self._refilling = False
        self.dataset.observe(self._on_dataset, names="value")
        self.customer.observe(lambda change: None if self._refilling else self.update(), names="value")
        self._fill_customers()
        self._start(w.HBox([self.dataset, self.customer]), watch=())  # both are wired above

    def _load(self, name: str) -> tuple:
        if name not in self._datasets:
            base = load_dataset(name)
            summary = summarize(base.orders, base.as_of)
            top = summary.sort_values("revenue", ascending=False)
            step = max(1, len(top) // self.n_customers)
            picks = list(dict.fromkeys(list(top.index[:10]) + list(top.index[10::step][: self.n_customers - 10])))
            names = base.customers.set_index("customer_id")["name"] if base.customers is not None else pd.Series(dtype=object)
            options = [(f"{cid}  {names.get(cid, '')}  ({caption('ui_n_orders_short', self.lang, summary.at[cid, 'n_orders'])})",
                        cid) for cid in picks]
            self._datasets[name] = (base, summary, options)
        return self._datasets[name]

    def _on_dataset(self, _change) -> None:
        self._fill_customers()
        self.update()

    def _fill_customers(self) -> None:
        """Offer the customers of the chosen dataset, selecting the first without drawing."""
        base, summary, options = self._load(self.dataset.value)
        self._base, self._summary = base, summary
        self._refilling = True  # new options select the first one; draw once, below
        try:
            self.customer.options = options
            self.customer.value = options[0][1]
        finally:
            self._refilling = False

    def update(self) -> None:
        """Redraw for the current dataset and customer."""

        from ..charts import customer_timeline

        cid = self.customer.value
        if cid is None:
            return
        events = timeline(self._base, cid)
        row = self._summary.loc[cid]
        self.shown = {"dataset": self.dataset.value, "customer_id": cid, "n_events": len(events),
                      "n_orders": int(row["n_orders"]), "revenue": round(float(row["revenue"]), 2)}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(9, 3.8))
            customer_timeline(events, title=f"{cid}: {int(row['n_orders'])} {label('orders', self.lang).lower()}, "
                                             f"{label('revenue', self.lang).lower()} {row['revenue']:,.0f}", lang=self.lang, ax=ax)
            show(fig)



class GeneratorExplorer(Explorer):
    """Change the latent process of the generator and watch the customer base change.

    Sliders set the number of customers, how often customers buy (mean days between
    purchases), how likely they are to leave after each repeat purchase, and the seed; the output shows orders per customer, the persona mix, and how much revenue
    the top 20% bring.

    The sliders are the BG/NBD latents, so the explorer runs ``process="bgnbd"``: the
    model's own world (every customer buys, leaving happens only after a repeat purchase),
    not the realistic default, whose latents are not BG/NBD parameters.

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

        super().__init__(lang=lang)
        style = {"description_width": "230px"}
        layout = w.Layout(width="520px")
        self.n_customers = w.IntSlider(value=1500, min=300, max=5000, step=100, description=caption("ui_n_customers", self.lang),
                                       continuous_update=False, style=style, layout=layout)
        self.gap_days = w.IntSlider(value=33, min=5, max=120, step=1, description=caption("ui_gap_days", self.lang),
                                    continuous_update=False, style=style, layout=layout)
        self.dropout = w.IntSlider(value=14, min=2, max=60, step=2, description=caption("ui_dropout_pct", self.lang),
                                   continuous_update=False, style=style, layout=layout)
        self.seed = w.IntText(value=0, description=caption("ui_seed", self.lang), style=style)
        self._results: dict[tuple, tuple] = {}  # slider values -> (summary, persona mix): going back is instant
        self._start(self.n_customers, self.gap_days, self.dropout, self.seed)

    def parameters(self) -> dict:
        """The ``generate`` overrides the sliders stand for.

        Keeping the retail shapes r = 0.6 and a = 0.8: the mean purchase rate r/alpha is
        one per ``gap_days``, and the mean dropout chance a/(a + b) is ``dropout`` percent.
        The defaults give the retail scenario of ``process="bgnbd"`` (alpha 20, b 5).
        """
        r, a = 0.6, 0.8
        m = self.dropout.value / 100
        return {"alpha": r * self.gap_days.value, "a": a, "b": a * (1 - m) / m}

    def update(self) -> None:
        """Regenerate and redraw."""
        import seaborn as sns

        from ..charts import PALETTE
        from ..synth import generate

        key = (self.n_customers.value, self.gap_days.value, self.dropout.value, int(self.seed.value))
        if key not in self._results:
            base = generate("retail", n_customers=key[0], seed=key[3], process="bgnbd", **self.parameters())
            self._results[key] = (summarize(base.orders, base.as_of), base.table("truth")["persona"].astype(str).value_counts(normalize=True),
                                  len(base.orders))
        summary, mix, n_orders = self._results[key]
        share = top_share(summary["revenue"])
        self.shown = {"n_orders": n_orders, "orders_per_buyer": n_orders / len(summary),
                      "top20_share": share, "persona_mix": mix.to_dict()}
        with self._redraw():
            fig, axes = new_figure(1, 2, figsize=figsize(11, 3.8))
            sns.histplot(summary["n_orders"], bins=30, ax=axes[0], color=PALETTE[0])
            axes[0].set_xlabel(label("n_orders", self.lang))
            axes[0].set_ylabel(label("customers", self.lang))
            axes[0].set_title(caption("ui_top20", self.lang, share))
            order = [p for p in ("loyal", "need_based", "impulse", "discount_driven", "wanderer") if p in mix.index]
            sns.barplot(x=[label(p, self.lang) for p in order], y=[mix[p] for p in order], hue=order, palette=PALETTE[:len(order)],
                        legend=False, ax=axes[1])
            axes[1].set_ylabel(label("share_of_customers", self.lang))
            axes[1].tick_params(axis="x", rotation=20)
            fig.tight_layout()
            show(fig)
