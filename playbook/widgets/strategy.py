"""ipywidgets front-end for retention programs: move a program's effect and cost, see what it buys.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError
from ..i18n import label, register_labels
from ..strategy import (
    ENHANCE_RISK,
    PROGRAMS,
    PROTECT_RISK,
    STRATEGY_TABLE,
    customer_profile,
    recommend_strategies,
    simulate_programs,
)
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["ProgramExplorer", "StrategyTableExplorer"]

register_labels({
    "ui_protect_risk": ("Protect important customers at risk ≥", "重点客户风险 ≥ 时保护"),
    "ui_enhance_satisfaction": ("Enhance when satisfaction ≥", "满意度 ≥ 时增强"),
    "ui_costly_share": ("Re-engineer when costly-channel share ≥", "高成本渠道占比 ≥ 时重塑"),
    "ui_strategy_moved": ("{:,} customers ({:.1%}) change strategy", "{:,} 位客户（{:.1%}）改变策略"),
    "ui_default_table": ("default table", "默认决策表"),
    "ui_edited_table": ("your thresholds", "你的阈值"),
})


class ProgramExplorer(Explorer):
    """Sliders for one program's dropout factor and cost per customer; bars against the others.

    Parameters
    ----------
    base : CustomerBase
        A synthetic base (the simulator needs ``truth``).
    program : str
        Row of :data:`playbook.strategy.PROGRAMS` the sliders edit.
    programs : DataFrame, optional
    value : str
        Column of the results to draw (default ``"extra_retained"``).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = ProgramExplorer(playbook.load_dataset("retail"))
    >>> before = explorer.shown["retained"]
    >>> explorer.dropout.value = 0.2   # a program that cuts dropout more keeps more of its targets
    >>> explorer.shown["retained"] > before
    True

    (On the shipped ``b2b`` base the count barely moves with the factor, so the example uses retail.)
    """

    def __init__(self, base, *, program: str = "personal_assistant", programs=None, value: str = "extra_retained",
                 lang: str | None = None):
        import ipywidgets as w

        self.base = base
        self.programs = (PROGRAMS if programs is None else programs).copy()
        if program not in self.programs.index:
            raise InvalidArgumentError(f"ProgramExplorer: unknown program {program!r}; use one of {', '.join(self.programs.index)}.")
        self.program = program
        self.value = value
        super().__init__(lang=lang)
        row = self.programs.loc[program]
        style = {"description_width": "200px"}
        layout = w.Layout(width="480px")
        self.dropout = w.FloatSlider(value=float(row["dropout_factor"]), min=0.1, max=1.5, step=0.05,
                                     description=caption("ui_dropout_factor", self.lang), continuous_update=False,
                                     style=style, layout=layout)
        self.cost = w.FloatSlider(value=float(row["cost_per_customer"]), min=0.0, max=200.0, step=5.0,
                                  description=caption("ui_cost_per_target", self.lang), continuous_update=False, style=style, layout=layout)
        self._start(self.dropout, self.cost)

    def update(self) -> None:
        """Re-run the simulator with the slider values and redraw."""

        from ..charts.strategy import program_comparison

        self.programs.loc[self.program, "dropout_factor"] = float(self.dropout.value)
        self.programs.loc[self.program, "cost_per_customer"] = float(self.cost.value)
        results = simulate_programs(self.base, self.programs)
        row = results.loc[self.program]
        self.shown = {"program": self.program, "dropout_factor": float(self.dropout.value),
                      "cost_per_customer": float(self.cost.value), "retained": int(row["retained"]),
                      "extra_retained": int(row["extra_retained"]), "net_margin": round(float(row["net_margin"]), 2),
                      "cost_per_extra_retained": round(float(row["cost_per_extra_retained"]), 2)}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7.5, 3.8))
            program_comparison(results, value=self.value, ax=ax, lang=self.lang)
            ax.set_title(caption("ui_program_title", self.lang, label(self.program, self.lang), self.shown["extra_retained"]))
            show(fig)



class StrategyTableExplorer(Explorer):
    """Sliders on three thresholds of :data:`playbook.strategy.STRATEGY_TABLE`: how many customers move strategy.

    The thresholds are the churn risk at which an important customer is protected (default
    :data:`playbook.strategy.PROTECT_RISK`), the satisfaction at which a low-risk customer is enhanced (4) and the share of
    orders through costly channels at which a customer is re-engineered (0.5). The chart
    draws the customers per strategy under the default table and under yours; the title
    says how many customers changed strategy, and a table below says from what to what.

    Parameters
    ----------
    base : CustomerBase, or a profile DataFrame from :func:`playbook.strategy.customer_profile`
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = StrategyTableExplorer(playbook.load_dataset("retail"))
    >>> explorer.shown["moved"]
    0
    >>> explorer.protect_risk.value = 20
    >>> explorer.shown["moved"] > 0
    True
    """

    def __init__(self, base, *, lang: str | None = None):
        import ipywidgets as w
        import pandas as pd

        super().__init__(lang=lang)
        self.profile = base if isinstance(base, pd.DataFrame) else customer_profile(base)
        self.default = recommend_strategies(self.profile, lang="en")["strategy"].astype(str)
        style = {"description_width": "260px"}
        layout = w.Layout(width="560px")
        self.protect_risk = w.IntSlider(value=PROTECT_RISK, min=0, max=100, step=5, description=caption("ui_protect_risk", self.lang),
                                        continuous_update=False, style=style, layout=layout)
        self.enhance_satisfaction = w.IntSlider(value=4, min=1, max=5, step=1,
                                                description=caption("ui_enhance_satisfaction", self.lang),
                                                continuous_update=False, style=style, layout=layout)
        self.costly_share = w.FloatSlider(value=0.5, min=0.1, max=1.0, step=0.05, description=caption("ui_costly_share", self.lang),
                                          continuous_update=False, style=style, layout=layout)
        self.moves_box = w.VBox([w.HTML()])  # a container, so the table is not counted as a control
        self._cache: dict = {}
        sliders = (self.protect_risk, self.enhance_satisfaction, self.costly_share)
        self._start(widget=w.VBox([*sliders, self.output, self.moves_box]))

    def table(self):
        """The decision table with the sliders' thresholds."""
        t = STRATEGY_TABLE.copy()
        cond = t.set_index("strategy")["condition"]
        cond["protect"] = f"tier == 'key' or (tier == 'important' and risk >= {int(self.protect_risk.value)})"
        cond["enhance"] = f"tier == 'important' or (satisfaction >= {int(self.enhance_satisfaction.value)} and risk < {ENHANCE_RISK})"
        cond["re_engineer"] = f"expensive_channel_share >= {float(self.costly_share.value):g}"
        t["condition"] = cond.to_numpy()
        return t

    def update(self) -> None:
        """Re-apply the table with the slider values and redraw."""
        import pandas as pd
        import seaborn as sns

        from ..charts import PALETTE
        from ..vocabulary import STRATEGIES

        key = (int(self.protect_risk.value), int(self.enhance_satisfaction.value), round(float(self.costly_share.value), 4))
        if key not in self._cache:
            self._cache[key] = recommend_strategies(self.profile, self.table(), lang="en")["strategy"].astype(str)
        now = self._cache[key]
        moved = now != self.default
        before = self.default.value_counts().reindex(list(STRATEGIES), fill_value=0)
        after = now.value_counts().reindex(list(STRATEGIES), fill_value=0)
        moves = (pd.crosstab(self.default[moved], now[moved]) if moved.any() else pd.DataFrame())
        self.shown = {"moved": int(moved.sum()), "share_moved": float(moved.mean()),
                      "counts": {k: int(v) for k, v in after.items()}, "moves": moves}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(8, 3.8))
            names = [label(s, self.lang) for s in STRATEGIES]
            plot = pd.concat([
                pd.DataFrame({"strategy": names, "customers": before.to_numpy(), "table": caption("ui_default_table", self.lang)}),
                pd.DataFrame({"strategy": names, "customers": after.to_numpy(), "table": caption("ui_edited_table", self.lang)})])
            sns.barplot(data=plot, y="strategy", x="customers", hue="table", palette=["#999999", PALETTE[0]], ax=ax)
            ax.get_legend().set_title(None)
            ax.set_ylabel("")
            ax.set_xlabel(label("customers", self.lang))
            ax.set_title(caption("ui_strategy_moved", self.lang, self.shown["moved"], self.shown["share_moved"]))
            show(fig)
        named = moves.rename(index=lambda s: label(s, self.lang), columns=lambda s: label(s, self.lang))
        named = named.rename_axis(index=caption("ui_default_table", self.lang), columns=caption("ui_edited_table", self.lang))
        self.moves_box.children[0].value = named.to_html() if moved.any() else ""
