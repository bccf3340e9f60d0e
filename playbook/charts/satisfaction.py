"""Charts of satisfaction and complaints: indicator scores and the index per group, repurchase by
satisfaction score, and how long complaints take to resolve.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..deprecation import renamed_parameters
from ..errors import DataValidationError
from ..i18n import LABELS, label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["indicator_bars", "index_bars", "repurchase_by_satisfaction", "resolution_times", "complaint_speed_bars"]

# Groupings the charts put on an axis, and the b2b industries that are its segments
# (registered only when no topic module labels them already).
_AXIS_LABELS = {
    "segment": ("Segment", "客户群"), "tier_of_record": ("Tier on record", "登记的客户分级"), "cause": ("Cause", "原因"),
    "group": ("Group", "分组"), "automotive": ("Automotive", "汽车"), "chemicals": ("Chemicals", "化工"),
    "electronics": ("Electronics", "电子"), "food_processing": ("Food processing", "食品加工"),
    "machinery": ("Machinery", "机械"), "medical_devices": ("Medical devices", "医疗器械"),
}
register_labels({k: v for k, v in _AXIS_LABELS.items() if LABELS.get(k, v) == v})
register_labels({
    "chart_score_0_100": ("Score (0-100, higher is better)", "得分（0-100，越高越好）"),
    "chart_latest_satisfaction": ("Latest satisfaction score (1-5)", "最近一次满意度评分（1-5）"),
    "chart_open": ("open", "未结"),
    "chart_days_to_resolution": ("Days to resolution (closed complaints)", "处理时长（天）"),
    "chart_resolution_title": ("Time to resolve complaints", "投诉处理时长"),
    "chart_speed_no_complaint": ("No complaint", "无投诉"),
    "chart_speed_still_open": ("Still open", "仍未解决"),
    "chart_speed_within": ("Closed within {days} days", "{days} 天内解决"),
    "chart_speed_after": ("Closed after {days} days", "超过 {days} 天解决"),
    "chart_speed_between": ("Closed in {low}-{high} days", "{low}-{high} 天解决"),
    "chart_bought_again": ("Bought again in the horizon", "下单再购的比例"),
    "chart_speed_title": ("Closed fast or slow: {lo:.0%}-{hi:.0%} bought again; left open: {op:.0%}",
                          "已解决的投诉（无论快慢）：{lo:.0%}-{hi:.0%} 再购；仍未解决：{op:.0%}"),
    "chart_speed_title_plain": ("Repurchase by speed of complaint handling", "按投诉处理速度的再购率"),
})


def _name(key: str, lang: str) -> str:
    words = label(key, lang)
    return key.replace("_", " ").capitalize() if words == key else words


def _need(data, cols, func: str, hint: str) -> None:
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise DataValidationError(f"{func} needs a non-empty DataFrame; {hint}.")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataValidationError(f"{func} needs the column(s) {missing!r}; {hint}.")


@renamed_parameters(scores="data")
@shared_docs
def indicator_bars(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """The 0-100 score of each satisfaction indicator, one bar per group.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.satisfaction.satisfaction_index`: ``<indicator>_score``
        columns, one row per group (segment, tier, ...).
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import satisfaction_indicators, satisfaction_index
    >>> base = playbook.load_dataset("retail")
    >>> ax = indicator_bars(satisfaction_index(satisfaction_indicators(base, by="tier")))
    """
    import seaborn as sns

    from ..satisfaction import INDICATORS

    lang = resolve_lang(lang, "indicator_bars")
    cols = [f"{k}_score" for k in INDICATORS if f"{k}_score" in getattr(data, "columns", [])]
    _need(data, cols or ["reputation_score"], "indicator_bars", "pass the output of satisfaction_index")
    ax = new_ax(ax)
    group = data.index.name or "group"
    long = data[cols].rename_axis(group).reset_index().melt(id_vars=group, var_name="indicator", value_name="score")
    long["indicator"] = [label(c.removesuffix("_score"), lang) for c in long["indicator"]]
    long[group] = [label(str(g), lang) for g in long[group]]
    n = long[group].nunique()
    sns.barplot(data=long, x="indicator", y="score", hue=group, palette=PALETTE[:n], ax=ax)
    ax.set_ylim(0, 120)
    ax.set_yticks(range(0, 101, 20))
    ax.tick_params(axis="x", rotation=25)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_xlabel("")
    ax.set_ylabel(text("chart_score_0_100", lang))
    ax.legend(title=label(group, lang), fontsize=9, title_fontsize=9, ncols=min(n, 4), loc="upper center")
    ax.set_title(label("satisfaction", lang))
    return ax


@renamed_parameters(scores="data")
@shared_docs
def index_bars(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """The composite satisfaction index (满意度指数) per group, with its value written on each bar.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.satisfaction.satisfaction_index`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import satisfaction_indicators, satisfaction_index
    >>> ax = index_bars(satisfaction_index(satisfaction_indicators(playbook.load_dataset("b2b"), by="segment")))
    """
    import seaborn as sns

    lang = resolve_lang(lang, "index_bars")
    _need(data, ["satisfaction_index"], "index_bars", "pass the output of satisfaction_index")
    ax = new_ax(ax)
    group = data.index.name or "group"
    frame = pd.DataFrame({"group": [label(str(g), lang) for g in data.index], "index": data["satisfaction_index"].to_numpy()})
    sns.barplot(data=frame, x="group", y="index", hue="group", palette=PALETTE[: len(frame)], legend=False, ax=ax)
    for container in ax.containers:
        ax.bar_label(container, labels=[f"{v:.1f}" for v in container.datavalues], fontsize=9, padding=2)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_name(group, lang))
    ax.set_ylabel(f"{label('satisfaction_index', lang)} (0-100)")
    ax.set_title(label("satisfaction_index", lang))
    return ax


@renamed_parameters(table="data")
@shared_docs
def repurchase_by_satisfaction(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Share of customers who bought again, by their latest satisfaction score (1-5).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.satisfaction.satisfaction_and_repurchase`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import satisfaction_and_repurchase
    >>> ax = repurchase_by_satisfaction(satisfaction_and_repurchase(playbook.load_dataset("retail"), "2025-06-30"))
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    lang = resolve_lang(lang, "repurchase_by_satisfaction")
    _need(data, ["repurchase_rate", "customers"], "repurchase_by_satisfaction", "pass the output of satisfaction_and_repurchase")
    ax = new_ax(ax)
    frame = data[data["customers"] > 0].reset_index()
    x = frame.columns[0]
    frame[x] = frame[x].astype(str)
    sns.barplot(data=frame, x=x, y="repurchase_rate", color=PALETTE[0], ax=ax)
    ax.bar_label(ax.containers[0], labels=[f"{r:.0%}\nn={n}" for r, n in zip(frame["repurchase_rate"], frame["customers"])],
                 fontsize=9, padding=2)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.15)
    ax.set_xlabel(text("chart_latest_satisfaction", lang))
    ax.set_ylabel(f"{label('repurchased', lang)} (%)")
    ax.set_title(f"{label('repurchase_rate', lang)} / {label('satisfaction', lang)}")
    return ax


@renamed_parameters(timeline="data")
@shared_docs
def resolution_times(data: pd.DataFrame, *, by: str = "cause", sla_days: float = 7, ax=None, lang: str | None = None) -> Axes:
    """Days from opening to resolution of closed complaints, per group, against the SLA line.

    The share of each group's complaints still open is written under its name: those
    have no resolution time yet and would otherwise vanish from the picture.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.satisfaction.complaint_timeline`.
    by : str
        Column to group by (default ``"cause"``).
    sla_days : float
        Where to draw the resolution SLA.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import complaint_timeline
    >>> ax = resolution_times(complaint_timeline(playbook.load_dataset("retail")))
    """
    import seaborn as sns

    lang = resolve_lang(lang, "resolution_times")
    _need(data, [by, "days_to_resolution", "status"], "resolution_times", "pass the output of complaint_timeline")
    ax = new_ax(ax)
    preferred = ["late_delivery", "quality_or_size", "slow_after_sales", "other"]
    groups = [g for g in preferred if g in set(data[by].astype(str))]
    groups += sorted(set(data[by].astype(str)) - set(groups))
    frame = data.assign(**{by: data[by].astype(str)})
    closed = frame[frame["status"] == "closed"]
    if closed.empty:
        raise DataValidationError("resolution_times: no complaint is closed yet, so there is no resolution time to draw.")
    with warnings.catch_warnings():
        # seaborn 0.13.2 passes `vert=` to matplotlib >= 3.11, which deprecates it; harmless.
        warnings.filterwarnings("ignore", message=".*vert: bool was deprecated.*")
        sns.boxplot(data=closed, x=by, y="days_to_resolution", order=groups, hue=by, hue_order=groups,
                    palette=PALETTE[: len(groups)], legend=False, showfliers=False, ax=ax)
    open_share = frame.groupby(by)["status"].apply(lambda s: float((s == "open").mean()))
    open_word = text("chart_open", lang)
    names = [label(g, lang).replace(" or ", " or\n").replace(" after-", "\nafter-") for g in groups]
    ax.set_xticks(range(len(groups)), [f"{n}\n({open_share[g]:.0%} {open_word})" for n, g in zip(names, groups)], fontsize=9)
    ax.axhline(sla_days, color=PALETTE[5], linestyle="--", linewidth=1.2)
    ax.annotate(f"SLA {sla_days:g} d", xy=(len(groups) - 0.5, sla_days), xytext=(0, 3), textcoords="offset points",
                ha="right", color=PALETTE[5], fontsize=9)
    ax.set_ylim(0, max(float(np.nanpercentile(closed["days_to_resolution"], 95)), sla_days) * 1.3)
    ax.set_xlabel(_name(by, lang))
    ax.set_ylabel(text("chart_days_to_resolution", lang))
    ax.set_title(text("chart_resolution_title", lang))
    return ax


def _speed_name(group: str, lang: str) -> str:
    """Readable name of a :func:`complaint_speed_effect` group: 'closed_3_7d' -> 'Closed in 3-7 days'."""
    import re

    if group in ("no_complaint", "still_open"):
        return text(f"chart_speed_{group}", lang)
    m = re.fullmatch(r"closed_within_(.+)d", group)
    if m:
        return text("chart_speed_within", lang, days=m.group(1))
    m = re.fullmatch(r"closed_after_(.+)d", group)
    if m:
        return text("chart_speed_after", lang, days=m.group(1))
    m = re.fullmatch(r"closed_(.+)_(.+)d", group)
    if m:
        return text("chart_speed_between", lang, low=m.group(1), high=m.group(2))
    return group


@renamed_parameters(table="data")
@shared_docs
def complaint_speed_bars(data: pd.DataFrame, *, min_customers: int = 20, ax=None, lang: str | None = None) -> Axes:
    """Share who bought again by how fast their complaint was closed, with 95% intervals.

    Groups with fewer than ``min_customers`` are drawn pale and left out of the title,
    which states what the picture shows (the spread of the closed groups against the
    still-open one), computed from ``data``.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.satisfaction.complaint_speed_effect`.
    min_customers : int
        Smallest group the title speaks about (default 20).
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.satisfaction import complaint_speed_effect
    >>> ax = complaint_speed_bars(complaint_speed_effect(playbook.load_dataset("retail"), "2025-06-30"))
    >>> len(ax.patches)
    6
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    lang = resolve_lang(lang, "complaint_speed_bars")
    _need(data, ["customers", "repurchase_rate", "low", "high"], "complaint_speed_bars",
          "pass the output of complaint_speed_effect")
    ax = new_ax(ax)
    frame = data.reset_index()
    key = frame.columns[0]
    frame["name"] = [_speed_name(str(g), lang) for g in frame[key]]
    frame["rate"] = frame["repurchase_rate"].fillna(0.0)
    big = frame["customers"] >= min_customers
    colors = [PALETTE[3] if str(g) == "still_open" else PALETTE[1] if str(g) == "no_complaint" else PALETTE[0]
              for g in frame[key]]
    colors = [c if b else "#d9d9d9" for c, b in zip(colors, big)]
    sns.barplot(data=frame, x="name", y="rate", hue="name", palette=colors, legend=False, ax=ax)
    ok = frame["customers"] > 0
    ax.errorbar(np.flatnonzero(ok), frame.loc[ok, "rate"],
                yerr=[(frame["rate"] - frame["low"])[ok], (frame["high"] - frame["rate"])[ok]],
                fmt="none", ecolor="#333333", capsize=4, lw=1)
    for i, (r, n) in enumerate(zip(frame["repurchase_rate"], frame["customers"])):
        ax.annotate("n=0" if n == 0 else f"{r:.0%}\nn={n}", (i, 0.02), ha="center", va="bottom", fontsize=8, color="white" if n >= min_customers else "#333333")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("")
    ax.set_ylabel(text("chart_bought_again", lang))
    ax.tick_params(axis="x", labelrotation=20)
    closed = frame[big & frame[key].astype(str).str.startswith("closed")]
    opened = frame[big & (frame[key].astype(str) == "still_open")]
    if len(closed) and len(opened):
        lo, hi, op = closed["rate"].min(), closed["rate"].max(), float(opened["rate"].iloc[0])
        ax.set_title(text("chart_speed_title", lang, lo=lo, hi=hi, op=op))
    else:
        ax.set_title(text("chart_speed_title_plain", lang))
    return ax
