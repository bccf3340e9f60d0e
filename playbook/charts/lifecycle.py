"""Charts for lifecycle steps and formation stages: a funnel, a stage-flow heatmap, cohort heatmaps.

Each takes the table made by :mod:`playbook.lifecycle` and returns the matplotlib Axes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..deprecation import renamed_parameters
from ..i18n import LABELS, label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["lifecycle_funnel", "stage_flow_chart", "cohort_heatmap"]

register_labels({"chart_unit_W": ("weeks", "周"), "chart_unit_M": ("months", "月"), "chart_unit_Q": ("quarters", "季度"),
                 "chart_unit_Y": ("years", "年")})


_LABEL_KEYS = {"retention": "retention_step"}


def _stage_label(stage: str, lang: str) -> str:
    return label(_LABEL_KEYS.get(stage, stage), lang)


def _is_lifecycle(values) -> bool:
    from ..lifecycle import LAPSED, LIFECYCLE_STAGES, NOT_YET_KNOWN

    return set(map(str, values)) <= set(LIFECYCLE_STAGES) | {LAPSED, NOT_YET_KNOWN}


@shared_docs
def lifecycle_funnel(data: pd.DataFrame, *, stage: str = "stage", furthest: str | None = "furthest",
                     lang: str | None = None, ax=None) -> Axes:
    """Funnel of the lifecycle (or formation ladder): customers per step, top to bottom.

    Light bars count the customers who ever reached a step (from ``furthest``), dark bars
    those in the step now; lapsed customers get their own bar.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.lifecycle.lifecycle_stage` (or ``formation_stage``).
    stage, furthest : str
        Columns with the current and the furthest step; ``furthest=None`` or a missing
        column draws the current steps only.
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.lifecycle import lifecycle_stage
    >>> ax = lifecycle_funnel(lifecycle_stage(playbook.load_dataset("retail"), "2025-12-31"))
    """
    import seaborn as sns

    from ..lifecycle import LAPSED, stage_order

    ax = new_ax(ax)
    lang = resolve_lang(lang, "lifecycle_funnel")
    if stage not in data:
        from ..errors import DataValidationError

        raise DataValidationError(f"lifecycle_funnel needs a {stage!r} column, as made by lifecycle_stage. "
                                  f"Got columns: {', '.join(map(str, data.columns))}.")
    order = [s for s in stage_order(data[stage].astype(str)) if s != LAPSED] + [LAPSED]
    now = data[stage].astype(str).value_counts().reindex(order, fill_value=0)
    names = [_stage_label(s, lang) for s in order]
    if furthest and furthest in data:
        steps = [s for s in order if s != LAPSED]
        reached = data[furthest].astype(str).value_counts().reindex(steps, fill_value=0)[::-1].cumsum()[::-1]
        ever = pd.DataFrame({"step": names[:-1], "n": reached.to_numpy()})
        sns.barplot(data=ever, y="step", x="n", order=names, color=PALETTE[4], alpha=0.45, ax=ax,
                    label=label("reached_step", lang))
    shown = pd.DataFrame({"step": names, "n": now.to_numpy()})
    sns.barplot(data=shown, y="step", x="n", order=names, color=PALETTE[0], ax=ax, label=label("in_step_now", lang))
    for y, n in enumerate(now.to_numpy()):
        ax.text(n, y, f" {n:,}", va="center", fontsize=9)
    ax.set_xlabel(label("customers", lang))
    ax.set_ylabel("")
    ax.set_title(label("lifecycle" if _is_lifecycle(order) else "formation_stage", lang))
    if furthest and furthest in data:
        ax.legend(loc="lower right", frameon=True)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax


@renamed_parameters(flow="data")
@shared_docs
def stage_flow_chart(data: pd.DataFrame, *, lang: str | None = None, ax=None) -> Axes:
    """Heatmap of a :func:`playbook.lifecycle.stage_flow` table: counts, coloured by row share.

    Colour shows where each starting stage went (the share of its row), so small stages
    stay readable; the numbers are the customer counts.

    Parameters
    ----------
    data : DataFrame
        Counts, rows = stage on the first date, columns = stage on the second.
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.lifecycle import stage_flow
    >>> ax = stage_flow_chart(stage_flow(playbook.load_dataset("b2b"), "2024-06-30", "2025-06-30"))
    """
    import seaborn as sns

    ax = new_ax(ax)
    lang = resolve_lang(lang, "stage_flow_chart")
    counts = data.astype(float)
    share = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    sns.heatmap(share, annot=counts.astype(int), fmt=",d", cmap="Blues", vmin=0, vmax=1, linewidths=0.5,
                cbar_kws={"label": label("share_of_customers", lang)}, ax=ax,
                xticklabels=[_stage_label(str(c), lang) for c in data.columns],
                yticklabels=[_stage_label(str(i), lang) for i in data.index])
    start, end = data.attrs.get("from_as_of"), data.attrs.get("to_as_of")
    ax.set_ylabel(label("stage_from", lang) + (f" ({start.date()})" if start is not None else ""))
    ax.set_xlabel(label("stage_to", lang) + (f" ({end.date()})" if end is not None else ""))
    ax.tick_params(axis="x", rotation=35)
    ax.tick_params(axis="y", rotation=0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return ax


@renamed_parameters(table="data")
@shared_docs
def cohort_heatmap(data: pd.DataFrame, *, value: str = "customers", lang: str | None = None, annot: bool | None = None,
                   ax=None) -> Axes:
    """Heatmap of a :func:`playbook.lifecycle.cohort_table`: one row per cohort, one column per period.

    Parameters
    ----------
    data : DataFrame
        Shares (customers) or ratios (revenue) by cohort and periods since the first order.
    value : {"customers", "revenue"}
        What the table holds, for the colour-bar label.
    {lang}
    annot : bool, optional
        Write the percentages in the cells; by default only when the table is small.
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.lifecycle import cohort_table
    >>> ax = cohort_heatmap(cohort_table(playbook.load_dataset("retail"), as_of="2025-12-31", freq="Q"))
    """
    import seaborn as sns

    ax = new_ax(ax)
    lang = resolve_lang(lang, "cohort_heatmap")
    if annot is None:
        annot = data.shape[1] <= 16
    shown = data.iloc[:, 1:] if data.shape[1] > 1 else data  # k = 0 is 100% by definition
    values = shown.to_numpy(dtype=float)
    top = np.nanquantile(values, 0.98) if np.isfinite(values).any() else 1.0
    sns.heatmap(shown, annot=annot, fmt=".0%", cmap="viridis", vmin=0, vmax=max(top, 1e-9), mask=np.isnan(values),
                annot_kws={"fontsize": 8}, cbar_kws={"label": label("revenue_retention" if value == "revenue" else "cohort_retention", lang)}, ax=ax,
                yticklabels=[str(i) for i in shown.index])
    unit = f"chart_unit_{str(getattr(data.index, 'freqstr', '') or '')[:1]}"
    ax.set_xlabel(label("periods_since_first", lang) + (f" ({text(unit, lang)})" if unit in LABELS else ""))
    ax.set_ylabel(label("cohort", lang))
    ax.tick_params(axis="y", rotation=0)
    return ax
