"""Charts of the 80/20 rule and tiers: the Pareto (Lorenz) curve and tier bars.

Both take orders or per-customer tables, draw with seaborn on ``ax`` and return it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["pareto_curve", "tier_bars"]

register_labels({"chart_pareto_point": ("top {share:.0%} → {value_share:.0%} {of}", "前 {share:.0%} → {value_share:.0%} {of}")})



@shared_docs
def pareto_curve(data: pd.DataFrame, *, value: str = "revenue", share: float = 0.2, ax=None, lang: str | None = None) -> Axes:
    """The Pareto curve (二八法则): cumulative share of value against share of customers, biggest first.

    The point at ``share`` of customers (20% by default) is marked and its value share
    written beside it; the dashed diagonal is what perfect equality would look like.

    Parameters
    ----------
    data : DataFrame
        Orders, a :func:`playbook.summarize` table or a :func:`playbook.segment.pareto_table`.
    value : str
        Column to rank by (default ``"revenue"``).
    share : float
        Share of customers to mark, in (0, 1).
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> ax = pareto_curve(base.orders)
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    from ..segment import pareto_table, top_share

    ax = new_ax(ax)
    lang = resolve_lang(lang, "pareto_curve")
    table = data if {"share_of_customers", "cum_share_of_value"} <= set(data.columns) else pareto_table(data, value=value)
    curve = pd.DataFrame({"x": np.r_[0.0, table["share_of_customers"].to_numpy()],
                          "y": np.r_[0.0, table["cum_share_of_value"].to_numpy()]})
    sns.lineplot(data=curve, x="x", y="y", color=PALETTE[0], linewidth=2, ax=ax, errorbar=None)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    y = top_share(table[value], share)
    ax.axvline(share, color=PALETTE[1], linestyle=":", linewidth=1)
    ax.axhline(0.8, color=PALETTE[5], linestyle=":", linewidth=1)
    ax.scatter([share], [y], color=PALETTE[1], zorder=3, s=40)
    point = text("chart_pareto_point", lang, share=share, value_share=y, of=label(value, lang).lower())
    ax.annotate(point, xy=(share, y), xytext=(share + 0.06, y - 0.12),
                arrowprops={"arrowstyle": "->", "color": "grey"})
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(1.0, float(curve["y"].max())) * 1.02)
    ax.set_xlabel(f"{label('cum_share_of_customers', lang)} (%)")
    ax.set_ylabel(f"{label(f'cum_share_of_{value}', lang)} (%)")
    ax.set_title(label("pareto", lang))
    return ax


@shared_docs
def tier_bars(data: pd.DataFrame, *, tier: str = "tier", value: str = "revenue", ax=None, lang: str | None = None) -> Axes:
    """Share of customers and share of revenue per tier, side by side.

    Parameters
    ----------
    data : DataFrame
        One row per customer with a tier column, e.g. :func:`playbook.segment.assign_tiers`
        (or :func:`playbook.segment.abc_classes` with ``tier="abc_class"``).
    tier, value : str
        Columns holding the tier and the value.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.segment import assign_tiers
    >>> base = playbook.load_dataset("b2b")
    >>> ax = tier_bars(assign_tiers(base.orders))
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    from ..errors import DataValidationError

    ax = new_ax(ax)
    lang = resolve_lang(lang, "tier_bars")
    for col in (tier, value):
        if col not in data.columns:
            raise DataValidationError(f"tier_bars needs a {col!r} column; pass the output of assign_tiers or abc_classes.")
    if data.empty or float(data[value].sum()) <= 0:
        raise DataValidationError("tier_bars needs customers with a positive total value.")
    groups = data.groupby(tier, observed=False)
    order = [str(t) for t in (data[tier].cat.categories if isinstance(data[tier].dtype, pd.CategoricalDtype) else sorted(groups.groups))]
    per = pd.DataFrame({"customers": groups.size() / len(data), value: groups[value].sum() / data[value].sum()})
    per.index = per.index.astype(str)
    measures = ["share_of_customers", f"share_of_{value}"]
    long = pd.DataFrame({
        "tier": [label(t, lang) for t in order] * 2,
        "measure": [label(measures[0], lang)] * len(order) + [label(measures[1], lang)] * len(order),
        "share": np.r_[per.loc[order, "customers"].to_numpy(), per.loc[order, value].to_numpy()],
    })
    sns.barplot(data=long, x="tier", y="share", hue="measure", palette=PALETTE[:2], ax=ax)
    for container in ax.containers:
        ax.bar_label(container, labels=[f"{v:.0%}" for v in container.datavalues], fontsize=9, padding=2)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.08)
    ax.set_xlabel(label(tier, lang))
    ax.set_ylabel(f"{label('share_of_total', lang)} (%)")
    ax.legend(title="")
    ax.set_title(f"{label('customers', lang)} / {label(value, lang)}")
    return ax
