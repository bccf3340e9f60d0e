"""A date slider over formation stages or lifecycle steps: watch customers move between stages.

Like :mod:`playbook.widgets`, the explorer keeps what it last drew in ``shown``.
"""
from __future__ import annotations

import pandas as pd

from ..data import CustomerBase, to_timestamp
from ..errors import InvalidArgumentError
from ..i18n import label
from ..lifecycle import formation_stage, lifecycle_stage
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["StageExplorer"]


class StageExplorer(Explorer):
    """Slide through dates; see how many customers sit in each stage and where they came from.

    The left chart counts customers per stage on the chosen date; the right one is the
    :func:`~playbook.lifecycle.stage_flow` from the previous date on the slider. The stages
    of every date are computed when the explorer is built, so the slider answers at once.

    Parameters
    ----------
    base : CustomerBase
    dates : sequence of date-like, optional
        Dates offered by the slider; by default every quarter end of the data.
    stages : {"formation", "lifecycle"}
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = StageExplorer(playbook.load_dataset("b2b"), dates=["2024-06-30", "2024-12-31", "2025-06-30"])
    >>> before = explorer.shown["counts"]["lapsed"]
    >>> explorer.date.value = explorer.date.options[-1]
    >>> explorer.shown["counts"]["lapsed"] > before
    True
    """

    def __init__(self, base: CustomerBase, *, dates=None, stages: str = "formation", lang: str | None = None):
        import ipywidgets as w

        if stages not in ("formation", "lifecycle"):
            raise InvalidArgumentError(f"The 'stages' parameter of StageExplorer must be 'formation' or 'lifecycle'. Got {stages!r}.")
        self.base = base
        super().__init__(lang=lang)
        self._stages = formation_stage if stages == "formation" else lifecycle_stage
        if dates is None:
            first = base.orders["order_date"].min()
            dates = pd.date_range(first, base.as_of, freq="QE")
        options = [to_timestamp(d, "dates").strftime("%Y-%m-%d") for d in dates]
        if len(options) < 2:
            raise InvalidArgumentError("StageExplorer needs at least two dates to compare.")
        # Every date's stages once, now (about 0.06 s a date): moving the slider only redraws.
        self._cache: dict[str, pd.DataFrame] = {d: self._stages(base, d) for d in options}
        self.date = w.SelectionSlider(options=options, value=options[len(options) // 2], description=caption("ui_date", self.lang),
                                      continuous_update=False, layout=w.Layout(width="640px"))
        self._start(self.date)

    def _at(self, date: str) -> pd.DataFrame:
        if date not in self._cache:
            self._cache[date] = self._stages(self.base, date)
        return self._cache[date]

    def update(self) -> None:
        """Redraw for the chosen date."""

        from ..charts.lifecycle import lifecycle_funnel, stage_flow_chart
        from ..lifecycle import NOT_YET_KNOWN

        options = list(self.date.options)
        now = self.date.value
        prev = options[max(options.index(now) - 1, 0)] if options.index(now) > 0 else None
        current = self._at(now)
        counts = current["stage"].value_counts(sort=False)
        self.shown = {"as_of": now, "previous": prev, "counts": {str(k): int(v) for k, v in counts.items()}}
        flow = None
        if prev is not None:
            before = self._at(prev)["stage"].astype(object).reindex(current.index).fillna(NOT_YET_KNOWN)
            flow = pd.crosstab(before, current["stage"].astype(object))
            flow.attrs = {"from_as_of": pd.Timestamp(prev), "to_as_of": pd.Timestamp(now)}
            moved = (before.astype(str) != current["stage"].astype(str)) & (before != NOT_YET_KNOWN)
            self.shown["moved"] = int(moved.sum())
        with self._redraw():
            fig, axes = new_figure(1, 2, figsize=figsize(14, 4.8), gridspec_kw={"width_ratios": [1, 1.4]})
            lifecycle_funnel(current, furthest=None, lang=self.lang, ax=axes[0])
            axes[0].set_title(f"{axes[0].get_title()}: {now}")
            if flow is not None:
                from ..lifecycle import stage_order

                order = stage_order(set(flow.index) | set(flow.columns))
                flow = flow.reindex(index=[s for s in order if s in flow.index], columns=[s for s in order if s in flow.columns])
                stage_flow_chart(flow, lang=self.lang, ax=axes[1])
                axes[1].set_title(f"{self.shown['moved']} {label('moved_stage', self.lang)}")
            else:
                axes[1].set_axis_off()
            fig.tight_layout()
            show(fig)
