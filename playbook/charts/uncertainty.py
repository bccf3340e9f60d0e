"""Charts that show how settled a result is: a range, not one number.

Each takes a table of per-run or per-group results, draws with seaborn on ``ax`` and returns it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data import require_columns
from ..errors import DataValidationError
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["program_interval_chart", "rate_interval_chart"]

register_labels({
    "chart_program_interval_title": ("{value}: middle {level:.0%} of {runs} simulated runs",
                                     "{value}：{runs} 次模拟中间 {level:.0%} 的范围"),
    "chart_rate_interval_title": ("{rate} with {level:.0%} intervals", "{rate}及其 {level:.0%} 区间"),
})


@shared_docs
def program_interval_chart(data: pd.DataFrame, *, value: str = "extra_retained", confidence: float | None = None,
                           ax=None, lang: str | None = None) -> Axes:
    """Each retention program's result over many simulated runs: the median and the middle share of runs.

    Parameters
    ----------
    data : DataFrame
        The result of :func:`playbook.strategy.program_intervals` (its ``attrs["runs"]`` is read) or
        that per-run table itself: one row per run and program, with ``program``, ``run`` and ``value``.
    value : str
        Outcome to show: ``"extra_retained"`` (default), ``"net_margin"``, ``"cost_per_extra_retained"``.
    confidence : float, optional
        Share of runs the interval covers; by default the one ``program_intervals`` used (else 0.9).
    {ax}
    {lang}

    Returns
    -------
    matplotlib Axes: a point (median) and a line (the interval) per program; where two programs'
    lines overlap, their order is not settled by the simulation.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"program": ["no_program", "discount_day"] * 30, "run": [i // 2 for i in range(60)],
    ...                      "extra_retained": [0, -2, 0, 3] * 15})
    >>> program_interval_chart(runs).get_title()
    'Extra customers kept vs baseline: middle 90% of 30 simulated runs'
    """
    import seaborn as sns

    runs = data.attrs.get("runs") if "run" not in data.columns and isinstance(data.attrs.get("runs"), pd.DataFrame) else data
    require_columns(runs, ("program", "run", value), "program_interval_chart", table="runs")
    if len(runs) == 0:
        raise DataValidationError("program_interval_chart: no runs to show; run playbook.strategy.program_intervals first.")
    level = float(confidence if confidence is not None else data.attrs.get("confidence", 0.9))
    if not 0 < level < 1:
        raise DataValidationError(f"program_interval_chart: confidence must be between 0 and 1. Got {level!r}.")
    lang = resolve_lang(lang, "program_interval_chart")
    order = list(pd.unique(runs["program"].astype(str)))
    plot = pd.DataFrame({"program": runs["program"].astype(str).map(lambda p: label(p, lang)),
                         "value": runs[value].astype(float)})
    names = [label(p, lang) for p in order]
    ax = new_ax(ax)
    sns.pointplot(data=plot, x="value", y="program", hue="program", order=names, hue_order=names,
                  palette=PALETTE[:len(names)], estimator="median", errorbar=("pi", 100 * level),
                  linestyle="none", capsize=0.3, legend=False, ax=ax)
    ax.axvline(0, color="grey", linewidth=1)
    money = value in ("net_margin", "cost_per_extra_retained", "margin", "revenue", "program_cost", "discounts")
    unit = text("chart_money" if money else "chart_people", lang)
    ax.set_xlabel(f"{label(value, lang)} ({unit})")
    ax.set_ylabel("")
    n_runs = int(runs["run"].nunique())
    ax.set_title(text("chart_program_interval_title", lang, value=label(value, lang), level=level, runs=n_runs))
    return ax


@shared_docs
def rate_interval_chart(data: pd.DataFrame, *, rate: str, low: str, high: str, y: str | None = None,
                        confidence: float = 0.95, ax=None, lang: str | None = None) -> Axes:
    """One rate per group with its interval, as a point and a horizontal line (e.g. retention per rep).

    Parameters
    ----------
    data : DataFrame
        One row per group; the groups are the index, or the column ``y``.
    rate, low, high : str
        Columns with the rate and its interval's bounds, all in [0, 1].
    y : str, optional
        Column naming the groups (default: the index).
    confidence : float
        The intervals' level, for the title.
    {ax}
    {lang}

    Returns
    -------
    matplotlib Axes; groups whose lines overlap cannot be told apart by this data.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"retention_rate": [0.8, 0.6], "retention_low": [0.5, 0.3], "retention_high": [0.95, 0.85]},
    ...                  index=["R01", "R02"])
    >>> rate_interval_chart(t, rate="retention_rate", low="retention_low", high="retention_high").get_title()
    'Retention rate with 95% intervals'
    """
    require_columns(data, tuple(c for c in (rate, low, high, y) if c), "rate_interval_chart", table="data")
    if len(data) == 0:
        raise DataValidationError("rate_interval_chart: the table is empty.")
    lang = resolve_lang(lang, "rate_interval_chart")
    groups = (data[y] if y else pd.Series(data.index, index=data.index)).astype(str).to_numpy()
    r, lo, hi = (data[c].astype(float).to_numpy() for c in (rate, low, high))
    pos = np.arange(len(groups))[::-1]
    ax = new_ax(ax)
    ax.hlines(pos, lo, hi, color=PALETTE[0], linewidth=2)
    ax.plot(r, pos, "o", color=PALETTE[1])
    ax.set_yticks(pos, groups)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel(label(rate, lang))
    ax.set_title(text("chart_rate_interval_title", lang, rate=label(rate, lang), level=confidence))
    return ax
