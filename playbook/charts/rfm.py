"""RFM charts: the recency x frequency grid and the size of each named segment.

Both take the tables of :mod:`playbook.rfm` and return the matplotlib Axes they drew on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataValidationError, InvalidArgumentError
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["rfm_heatmap", "segment_bars"]

register_labels({
    "chart_r_axis": ("{r} (→ more recent)", "{r}（越大越近）"),
    "chart_f_axis": ("{f} (↑ more orders)", "{f}（越大越频繁）"),
    "chart_rfm_count": ("Customers by R and F score", "各 R/F 得分的客户数"),
    "chart_rfm_monetary": ("Mean spend by R and F score", "各 R/F 得分的平均消费额"),
    "chart_rfm_segments": ("RFM segments: customers and revenue", "RFM 细分：客户与销售额占比"),
})



@shared_docs
def rfm_heatmap(data: pd.DataFrame, *, value: str = "count", bins: int | None = None, lang: str | None = None, ax=None) -> Axes:
    """Heatmap of customers by recency score R (x) and frequency score F (y).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.rfm.rfm_scores` or :func:`playbook.rfm.rfm_segments`.
    value : {"count", "monetary"}
        Colour and number in each cell: how many customers, or their mean ``monetary``
        (total spend or average order value, as the scores were computed).
    bins : int, optional
        Score scale; by default ``data.attrs["bins"]`` or the highest score seen.
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.rfm import rfm_scores
    >>> ax = rfm_heatmap(rfm_scores(playbook.load_dataset("retail")), value="monetary")
    """
    import seaborn as sns

    if value not in ("count", "monetary"):
        raise InvalidArgumentError(f"The 'value' parameter of rfm_heatmap must be 'count' or 'monetary'. Got {value!r}.")
    for col in ("R", "F") + (("monetary",) if value == "monetary" else ()):
        if col not in data.columns:
            raise DataValidationError(f"rfm_heatmap needs the column {col!r}; pass the output of playbook.rfm.rfm_scores.")
    if data.empty:
        raise DataValidationError("rfm_heatmap got no customers to draw.")
    lang = resolve_lang(lang, "rfm_heatmap")
    bins = int(bins or data.attrs.get("bins") or max(data["R"].max(), data["F"].max()))
    scores = range(1, bins + 1)
    if value == "count":
        grid = data.groupby(["F", "R"]).size().unstack("R")
    else:
        grid = data.groupby(["F", "R"])["monetary"].mean().unstack("R")
    grid = grid.reindex(index=scores[::-1], columns=scores)
    if value == "count":
        grid = grid.fillna(0).astype(int)
    ax = new_ax(ax)
    fmt = "d" if value == "count" else ",.0f"
    sns.heatmap(grid, annot=True, fmt=fmt, cmap="viridis", linewidths=0.5, linecolor="white", ax=ax,
                cbar_kws={"label": label("customers", lang) if value == "count" else label("monetary_" + data.attrs.get("monetary", "total"), lang)})
    ax.set_xlabel(text("chart_r_axis", lang, r=label("r_score", lang)))
    ax.set_ylabel(text("chart_f_axis", lang, f=label("f_score", lang)))
    ax.set_title(text(f"chart_rfm_{value}", lang))
    return ax


@shared_docs
def segment_bars(data: pd.DataFrame, *, measures=("share", "revenue_share"), lang: str | None = None, ax=None) -> Axes:
    """Horizontal bars per RFM segment: share of customers beside share of revenue.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.rfm.segment_summary`.
    measures : sequence of str
        Columns of ``data`` to draw side by side, as fractions (shown in %).
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.rfm import rfm_scores, rfm_segments, segment_summary
    >>> summary = segment_summary(rfm_segments(rfm_scores(playbook.load_dataset("retail"))))
    >>> ax = segment_bars(summary)
    """
    import seaborn as sns

    from ..rfm import segment_label

    measures = list(measures)
    missing = [m for m in measures if m not in data.columns]
    if missing or not measures:
        raise DataValidationError(f"segment_bars needs the column(s) {', '.join(missing) or 'share'}; pass the output of segment_summary.")
    lang = resolve_lang(lang, "segment_bars")
    names = {"share": label("share_of_customers", lang), "revenue_share": label("share_of_revenue", lang)}
    long = (data[measures].mul(100).rename(columns=lambda m: names.get(m, m))
            .assign(segment=[segment_label(s, lang) for s in data.index])
            .melt(id_vars="segment", var_name="measure", value_name="percent"))
    long["percent"] = long["percent"].fillna(0.0)
    ax = new_ax(ax)
    hue_order = [names.get(m, m) for m in measures]
    sns.barplot(data=long, y="segment", x="percent", hue="measure", hue_order=hue_order,
                palette=PALETTE[: len(measures)], orient="h", ax=ax)
    ax.set_xlabel("%")
    ax.set_ylabel("")
    ax.set_xlim(0, max(5.0, float(np.nanmax(long["percent"])) * 1.1))
    ax.legend(title=None, loc="lower right")
    ax.set_title(text("chart_rfm_segments", lang))
    return ax
