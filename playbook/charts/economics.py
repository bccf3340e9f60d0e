"""Charts of retention economics: a cohort's profit over time, and value against the retention rate.

Both take the tables of :mod:`playbook.economics`, draw with seaborn on ``ax`` and return it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..deprecation import renamed_parameters
from ..errors import DataValidationError
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["profit_over_time", "retention_curve", "growth_decomposition"]

register_labels({
    "chart_growth_more": ("Revenue grew mostly because there were more customers",
                          "销售额增长主要来自客户数量增加"),
    "chart_growth_better": ("Revenue grew mostly because customers were worth more",
                            "销售额增长主要来自客户质量提升"),
    "chart_growth_quality_down": ("More customers, but each worth less: quality pulled revenue down",
                                  "客户更多，但每位价值更低：客户质量拖累了销售额"),
    "chart_growth_number_down": ("Fewer customers pulled revenue down", "客户数量减少拖累了销售额"),
    "chart_growth_effect": ("Part of the change", "变化的组成"),
    "chart_gain": ("gain", "收益"),
    "chart_loss": ("loss", "支出"),
    "chart_payback": ("payback: period {p}", "回本: 第 {p} 期"),
    "chart_after_acquisition": ("after acquisition", "获客后"),
    "chart_profit_title": ("Cohort profit over time", "客户群的利润随时间变化"),
    "chart_net_value": ("Value per customer after acquisition cost", "扣除获客成本后的客户价值"),
    "chart_clv": ("Customer lifetime value", "客户终身价值"),
    "chart_expected_lifetime": ("Expected lifetime (periods)", "预期生命周期(期)"),
    "chart_now": ("now", "当前"),
    "chart_improved": ("improved", "提升后"),
    "chart_per_period_pct": ("per period, %", "每期, %"),
    "chart_retention_up": ("+{points:.0f} points of retention", "客户保持率提高 {points:.0f} 个百分点"),
})


def _need(data: pd.DataFrame, columns, func: str, source: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataValidationError(f"{func} needs the column(s) {missing} of {source}; pass its output.")
    if data.empty:
        raise DataValidationError(f"{func} got an empty table; pass the output of {source}.")


@renamed_parameters(table="data")
@shared_docs
def profit_over_time(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Discounted profit of a cohort per period (bars) and the cumulative NPV (line).

    Bars below zero are money spent (acquisition at period 0, retention when it costs more
    than kept customers bring); the period where the line crosses zero is the payback.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`playbook.economics.cohort_profit`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> from playbook.economics import cohort_profit
    >>> t = cohort_profit(1000, acquisition_cost=200, retention_cost=20, retention_rate=0.8,
    ...                   margin_per_period=100, discount_rate=0.1, periods=10)
    >>> ax = profit_over_time(t)
    """
    import seaborn as sns

    _need(data, ("discounted_profit", "cumulative_npv"), "profit_over_time", "playbook.economics.cohort_profit")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "profit_over_time")
    gain, loss = text("chart_gain", lang), text("chart_loss", lang)
    frame = pd.DataFrame({"period": np.arange(len(data)), "profit": data["discounted_profit"].to_numpy(),
                          "npv": data["cumulative_npv"].to_numpy()})
    frame["sign"] = np.where(frame["profit"] >= 0, gain, loss)
    sns.barplot(data=frame, x="period", y="profit", hue="sign", hue_order=[gain, loss], palette=[PALETTE[2], PALETTE[5]],
                dodge=False, legend=False, ax=ax)
    # barplot puts categories at 0..n-1, so the line shares the same x positions
    sns.lineplot(data=frame, x="period", y="npv", color=PALETTE[0], marker="o", linewidth=2, ax=ax,
                 label=label("cumulative_npv", lang), errorbar=None)
    ax.axhline(0, color="grey", linewidth=0.8)
    paid_back = np.flatnonzero(frame["npv"].to_numpy() >= 0)
    if len(paid_back) and frame["npv"].iloc[0] < 0:
        p = int(paid_back[0])
        ax.annotate(text("chart_payback", lang, p=p), xy=(p, frame["npv"].iloc[p]), xytext=(30, -40), textcoords="offset points",
                    arrowprops={"arrowstyle": "->", "color": "grey"}, ha="left")
    ax.set_xlabel(f"{label('period', lang)} ({text('chart_after_acquisition', lang)})")
    ax.set_ylabel(f"{label('discounted_profit', lang)} ({text('chart_money', lang)})")
    ax.set_title(text("chart_profit_title", lang))
    ax.legend(loc="lower right")
    return ax


@renamed_parameters(table="data")
@shared_docs
def retention_curve(data: pd.DataFrame, *, y: str = "net_value", ax=None, lang: str | None = None) -> Axes:
    """Value per customer against the retention rate, with today's rate and the improved rate marked.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`playbook.economics.retention_sensitivity`.
    y : {"net_value", "clv", "expected_lifetime"}
        What to plot against the retention rate.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> from playbook.economics import retention_sensitivity
    >>> ax = retention_curve(retention_sensitivity(100, current=0.6, discount_rate=0.1, acquisition_cost=50))
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    _need(data, ("retention_rate", y, "is_current", "is_improved"), "retention_curve",
          "playbook.economics.retention_sensitivity")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "retention_curve")
    name = text(f"chart_{y}", lang) if y in ("net_value", "clv", "expected_lifetime") else label(y, lang)
    sns.lineplot(data=data, x="retention_rate", y=y, color=PALETTE[0], linewidth=2, ax=ax, errorbar=None)
    ax.axhline(0, color="grey", linewidth=0.8)
    now = data.loc[data["is_current"]].iloc[0]
    better = data.loc[data["is_improved"]].iloc[0]
    # "now" is labelled below right, "improved" above left, so the two labels never collide
    points = ((now, PALETTE[1], text("chart_now", lang), (12, -18), "left"),
              (better, PALETTE[5], text("chart_improved", lang), (-12, 12), "right"))
    for row, colour, word, offset, ha in points:
        ax.scatter([row["retention_rate"]], [row[y]], color=colour, s=50, zorder=3)
        ax.annotate(f"{word}: {row['retention_rate']:.0%} → {row[y]:,.0f}", xy=(row["retention_rate"], row[y]),
                    xytext=offset, textcoords="offset points", ha=ha, color=colour)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"{label('retention_rate', lang)} ({text('chart_per_period_pct', lang)})")
    unit = "" if y == "expected_lifetime" else f" ({text('chart_money', lang)})"
    ax.set_ylabel(f"{name}{unit}")
    points_up = (better["retention_rate"] - now["retention_rate"]) * 100
    ax.set_title(text("chart_retention_up", lang, points=points_up))
    return ax


@renamed_parameters(table="data")
@shared_docs
def growth_decomposition(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Bars: each period's revenue change split into the number and the quality of customers.

    The title states the finding over all periods shown: which of the two moved revenue
    most, and in which direction.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`playbook.economics.customer_growth`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"number_effect": [None, 125.0, 40.0], "quality_effect": [None, 125.0, 80.0],
    ...                   "revenue_change": [None, 250.0, 120.0]}, index=pd.Index(["2023", "2024", "2025"], name="period"))
    >>> growth_decomposition(t).get_title()
    'Revenue grew mostly because customers were worth more'
    """
    import seaborn as sns

    _need(data, ("number_effect", "quality_effect", "revenue_change"), "growth_decomposition", "customer_growth")
    lang = resolve_lang(lang, "growth_decomposition")
    rows = data.dropna(subset=["number_effect", "quality_effect"])
    if rows.empty:
        raise DataValidationError("growth_decomposition needs at least two periods; pass the output of customer_growth.")
    long = rows[["number_effect", "quality_effect"]].reset_index().melt(id_vars=rows.index.name or "index",
                                                                        var_name="part", value_name="change")
    long["part"] = long["part"].map(lambda c: label(c, lang))
    ax = new_ax(ax)
    sns.barplot(data=long, x=rows.index.name or "index", y="change", hue="part", palette=[PALETTE[0], PALETTE[1]], ax=ax)
    ax.plot(range(len(rows)), rows["revenue_change"].to_numpy(), "o", color="black", label=label("revenue_change", lang))
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(label("period", lang))
    ax.set_ylabel(label("revenue_change", lang))
    ax.legend(title=label("chart_growth_effect", lang), loc="upper left", bbox_to_anchor=(1.01, 1))
    number, quality = float(rows["number_effect"].sum()), float(rows["quality_effect"].sum())
    if number >= 0 and quality >= 0:
        key = "chart_growth_more" if number >= quality else "chart_growth_better"
    elif number >= 0:
        key = "chart_growth_quality_down"
    elif quality >= 0:
        key = "chart_growth_number_down" if abs(number) > quality else "chart_growth_better"
    else:
        key = "chart_growth_number_down" if number <= quality else "chart_growth_quality_down"
    ax.set_title(label(key, lang))
    return ax
