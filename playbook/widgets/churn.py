"""ipywidgets front-end for the big-account alarm: step quarter by quarter and see which alarms fire.

Keeps what it last drew in ``shown`` so a notebook can assert that moving the slider changed the picture.
"""
from __future__ import annotations

from ..churn import concentration_alarm
from ._base import Explorer, caption, figsize, localized_table, new_figure, show

__all__ = ["AlarmReplayExplorer"]


class AlarmReplayExplorer(Explorer):
    """A quarter slider and a threshold slider over :func:`playbook.churn.concentration_alarm`.

    The risk of every quarter is computed once (with what was known at each quarter's
    end); the slider reveals the quarters up to the chosen one, and the table below lists
    the alarms of that quarter with their reasons and what the account ordered.

    Parameters
    ----------
    base : CustomerBase
        A B2B base with big accounts.
    quarters : list of str
        Quarters to step through, e.g. ``["2024Q1", "2024Q2"]``.
    threshold : float
        Starting alarm threshold (0-100).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> from playbook.churn import concentration_alarm
    >>> b2b, quarters = playbook.load_dataset("b2b"), ["2024Q1", "2024Q2", "2024Q3"]
    >>> explorer = AlarmReplayExplorer(b2b, quarters=quarters)
    >>> explorer.quarter.value = "2024Q3"
    >>> explorer.threshold.value = 40   # a lower bar: more alarms, earlier, and more false ones
    >>> explorer.shown["quarter"], explorer.shown["threshold"]
    ('2024Q3', 40)
    >>> table = concentration_alarm(b2b, quarters)   # the list is that quarter's accounts at or above the bar
    >>> explorer.shown["alarms"] == sorted(table.loc[(table.quarter == "2024Q3") & (table.risk >= 40), "customer_id"])
    True
    """

    def __init__(self, base, *, quarters, threshold: float = 50.0, lang: str | None = None, **alarm_kwargs):
        import ipywidgets as w

        super().__init__(lang=lang)
        self.table = concentration_alarm(base, quarters, threshold=threshold, lang=self.lang, **alarm_kwargs)
        options = list(dict.fromkeys(self.table["quarter"]))
        self.quarter = w.SelectionSlider(options=options, value=options[0], description=caption("ui_quarter", self.lang),
                                         continuous_update=False, layout=w.Layout(width="520px"))
        self.threshold = w.IntSlider(value=int(threshold), min=10, max=90, step=5, description=caption("ui_alarm_at", self.lang),
                                     continuous_update=False, style={"description_width": "110px"},
                                     layout=w.Layout(width="520px"))
        self._start(self.quarter, self.threshold)

    def update(self) -> None:
        """Redraw the heatmap up to the chosen quarter and list that quarter's alarms."""
        from ..charts.churn import alarm_timeline

        table = self.table.assign(warning=self.table["risk"] >= self.threshold.value)
        q = self.quarter.value
        now = table[table["quarter"] == q]
        alarms = now[now["warning"]]
        self.shown = {"quarter": q, "threshold": self.threshold.value,
                      "alarms": sorted(alarms["customer_id"]),
                      "risk": {r.customer_id: round(float(r.risk), 1) for r in now.itertuples()}}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(9, 3.2))
            alarm_timeline(table, until=q, ax=ax, lang=self.lang)
            show(fig)
            cols = ["customer_id", "risk", "reasons", "orders", "revenue"]
            if len(alarms):
                table = alarms[cols].round({"risk": 0, "revenue": 0}).set_index("customer_id")
                self.output.append_display_data(localized_table(table, self.lang))
