"""Charts of key-account management: the procurement pipeline funnel, win rate by price, deal recaps and
channel conversion over time.

Each takes the table of a :mod:`playbook.accounts` function, draws with seaborn on ``ax`` and returns it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..deprecation import renamed_parameters
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["pipeline_funnel", "win_rate_by_price", "deal_recap_bars", "channel_conversion_chart"]

register_labels({
    "cheaper_or_equal": ("Cheaper or equal", "不高于对手"),
    "up_to_5pct_dearer": ("Up to 5% dearer", "高出5%以内"),
    "over_5pct_dearer": ("Over 5% dearer", "高出5%以上"),
    "chart_pipeline_title": ("Open deals by procurement stage", "按采购阶段的在谈商机"),
    "chart_with_plan": ("With a technical plan", "提供技术方案"),
    "chart_without_plan": ("Without", "未提供"),
    "chart_decided_deals": ("decided deals", "已决商机"),
    "chart_win_rate_title": ("Winning at a higher price: the technical plan", "价格更高时，技术方案能否赢单？"),
    "chart_service_contacts": ("{n} contacts", "{n} 次服务"),
    "chart_won_deal": ("Won deal (month and deal number)", "赢单（年月与商机编号）"),
    "chart_orders_after_deal": ("Orders delivered after it (money)", "此后交付订单金额"),
    "chart_recap_title": ("{cid}: {n} deals won, then {orders} orders worth {value}",
                          "{cid}：{n} 笔赢单后交付 {orders} 笔订单，金额 {value}"),
    "chart_recap_solved": ("; {solved} of complaints resolved", "，投诉解决 {solved}"),
    "chart_channel_title": ("Leads converted within {days} days, with {level:.0%} intervals ({recent} leads too recent to judge)",
                            "{days} 天内转化的线索比例及 {level:.0%} 区间（{recent} 条线索太新，暂不判断）"),
    "chart_channel_ylabel": ("Converted within {days} days", "{days} 天内转化"),
    "chart_period": ("Period the lead came in", "线索进入的期间"),
    "chart_all_sources": ("All sources", "全部来源"),
})


@shared_docs
def pipeline_funnel(data: pd.DataFrame, *, value: str = "deals", ax=None, lang: str | None = None) -> Axes:
    """Open deals per procurement stage as horizontal bars, first stage on top.

    Parameters
    ----------
    data : DataFrame
        A :func:`playbook.accounts.pipeline` table (indexed by stage).
    value : {"deals", "open_value"}
        Count the open deals, or add up their value.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.accounts import pipeline
    >>> ax = pipeline_funnel(pipeline(playbook.load_dataset("b2b")))
    >>> len(ax.patches)
    7
    """
    import seaborn as sns

    from ..errors import DataValidationError

    lang = resolve_lang(lang, "pipeline_funnel")
    if value not in data.columns:
        raise DataValidationError(f"pipeline_funnel: value must be a column of the pipeline table, one of {list(data.columns)}. Got {value!r}.")
    ax = new_ax(ax)
    names = [label(str(s), lang) for s in data.index]
    frame = pd.DataFrame({"stage": names, value: data[value].to_numpy()})
    sns.barplot(data=frame, y="stage", x=value, hue="stage", palette=[PALETTE[0]] * len(frame), legend=False, ax=ax)
    unit = "" if value == "deals" else f" ({text('chart_money', lang)})"
    ax.set_xlabel(label(value, lang) + unit)
    ax.set_ylabel("")
    ax.set_title(text("chart_pipeline_title", lang))
    for patch, v in zip(ax.patches, frame[value]):
        ax.annotate(f"{v:,.0f}", (patch.get_width(), patch.get_y() + patch.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=9)
    return ax


@shared_docs
def win_rate_by_price(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Win rate by our price position against the competitor, with and without a technical plan.

    Parameters
    ----------
    data : DataFrame
        A :func:`playbook.accounts.competitor_comparison` table.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.accounts import competitor_comparison
    >>> ax = win_rate_by_price(competitor_comparison(playbook.load_dataset("b2b")))
    >>> bool(ax.get_ylim()[1] >= 0.5)
    True
    """
    import seaborn as sns

    from ..data import require_columns

    lang = resolve_lang(lang, "win_rate_by_price")
    require_columns(data, ("price_band", "technical_plan", "win_rate"), "win_rate_by_price", table="competitor_comparison")
    yes, no = text("chart_with_plan", lang), text("chart_without_plan", lang)
    frame = pd.DataFrame({
        "band": [label(str(b), lang) for b in data["price_band"]],
        "plan": [yes if p else no for p in data["technical_plan"]],
        "win_rate": data["win_rate"].to_numpy(dtype=float),
    })
    ax = new_ax(ax)
    sns.barplot(data=frame, x="band", y="win_rate", hue="plan", hue_order=[no, yes], palette=[PALETTE[1], PALETTE[0]], ax=ax)
    ax.set_ylim(0, max(0.6, float(frame["win_rate"].max()) * 1.15))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(label("price_band", lang))
    ax.set_ylabel(f"{label('win_rate', lang)} ({text('chart_decided_deals', lang)})")
    ax.set_title(text("chart_win_rate_title", lang))
    ax.legend(title="")
    return ax


def _compact(v: float) -> str:
    """1,234,567 -> '1.2M', 45,000 -> '45k'."""
    a = abs(v)
    return f"{v / 1e6:.1f}M" if a >= 1e6 else f"{v / 1e3:.0f}k" if a >= 1e3 else f"{v:.0f}"


@renamed_parameters(recap="data")
@shared_docs
def deal_recap_bars(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """One account's won deals: value of the orders delivered after each, service contacts written on top.

    The title states the recap in one line (deals, orders and their value, share of
    complaints resolved), computed from ``data``.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.accounts.deal_recap` for one account.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.accounts import deal_recap
    >>> ax = deal_recap_bars(deal_recap(playbook.load_dataset("b2b"), customer_id="A0004"))
    >>> len(ax.patches) == len(deal_recap(playbook.load_dataset("b2b"), customer_id="A0004"))
    True
    """
    import seaborn as sns

    from ..errors import DataValidationError

    lang = resolve_lang(lang, "deal_recap_bars")
    need = ["customer_id", "won_at", "order_value", "orders", "service_contacts"]
    if not isinstance(data, pd.DataFrame) or data.empty or any(c not in data.columns for c in need):
        raise DataValidationError(f"deal_recap_bars needs a non-empty deal_recap table with columns {need}.")
    if data["customer_id"].nunique() != 1:
        raise DataValidationError("deal_recap_bars draws one account: pass deal_recap(base, customer_id=...) or filter the table. "
                                  f"Got {data['customer_id'].nunique()} accounts.")
    ax = new_ax(ax)
    frame = pd.DataFrame({"deal": pd.to_datetime(data["won_at"]).dt.strftime("%Y-%m").to_numpy(),
                          "value": data["order_value"].to_numpy()})
    frame["deal"] = [f"{d} #{i}" for d, i in zip(frame["deal"], data["opportunity_id"])]
    sns.barplot(data=frame, x="deal", y="value", color=PALETTE[0], ax=ax)
    for patch, n in zip(ax.patches, data["service_contacts"]):
        words = "–" if pd.isna(n) else text("chart_service_contacts", lang, n=int(n))
        ax.annotate(words, (patch.get_x() + patch.get_width() / 2, patch.get_height()), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8)
    ax.tick_params(axis="x", labelrotation=45)
    ax.yaxis.set_major_formatter(lambda v, _pos: _compact(v))
    ax.set_xlabel(text("chart_won_deal", lang))
    ax.set_ylabel(text("chart_orders_after_deal", lang))
    cid = str(data["customer_id"].iloc[0])
    n, orders, value = len(data), int(data["orders"].sum()), float(data["order_value"].sum())
    if "complaints" in data and data["complaints"].notna().any() and data["complaints"].sum() > 0:
        solved = f"{data['complaints_resolved'].sum() / data['complaints'].sum():.0%}"
    else:
        solved = None
    title = text("chart_recap_title", lang, cid=cid, n=n, orders=orders, value=_compact(value))
    ax.set_title(title + (text("chart_recap_solved", lang, solved=solved) if solved else ""))
    return ax


@shared_docs
def channel_conversion_chart(data: pd.DataFrame, *, sources=None, ax=None, lang: str | None = None) -> Axes:
    """Conversion within a fixed window per lead source and period, each with its interval.

    A line per source, a vertical bar for each period's interval (sources nudged apart so
    the bars do not hide each other), and the conversion over all sources as a dashed grey
    line: a fall every source shares is not one channel wearing out. Periods with no lead
    old enough for the window are left out.

    Parameters
    ----------
    data : DataFrame
        A :func:`playbook.accounts.channel_conversion` table (its ``attrs`` give the window
        and the leads too recent to judge for the title).
    sources : list of str, optional
        Sources to draw, in this order; default all.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.accounts import channel_conversion
    >>> ax = channel_conversion_chart(channel_conversion(playbook.load_dataset("b2b")), sources=["cold_call", "trade_show"])
    >>> len(ax.get_legend().get_texts())
    3
    """
    import numpy as np
    import seaborn as sns

    from ..data import require_columns
    from ..errors import DataValidationError

    lang = resolve_lang(lang, "channel_conversion_chart")
    require_columns(data, ("period", "source", "conversion", "low", "high", "all_sources"), "channel_conversion_chart",
                    table="channel_conversion")
    frame = data.dropna(subset=["conversion"]).copy()
    frame["source"] = frame["source"].astype(str)
    chosen = sorted(frame["source"].unique()) if sources is None else [str(s) for s in sources]
    unknown = sorted(set(chosen) - set(frame["source"]))
    if unknown or frame.empty:
        raise DataValidationError(f"channel_conversion_chart: nothing to draw for sources {unknown or chosen}; the table "
                                  f"has {sorted(frame['source'].unique())} with judged leads.")
    frame = frame[frame["source"].isin(chosen)]
    periods = sorted(frame["period"].astype(str).unique())
    pos = {p: i for i, p in enumerate(periods)}
    names = {s: label(s, lang) for s in chosen}
    step = 0.5 / max(len(chosen), 1)
    frame["x"] = [pos[str(p)] + (chosen.index(s) - (len(chosen) - 1) / 2) * step for p, s in zip(frame["period"], frame["source"])]
    frame["name"] = frame["source"].map(names)
    ax = new_ax(ax)
    colours = dict(zip(chosen, PALETTE[:len(chosen)] if len(chosen) <= len(PALETTE) else sns.color_palette(n_colors=len(chosen))))
    sns.lineplot(data=frame, x="x", y="conversion", hue="name", hue_order=[names[s] for s in chosen],
                 palette=[colours[s] for s in chosen], marker="o", ax=ax)
    for s in chosen:
        one = frame[frame["source"] == s]
        ax.vlines(one["x"], one["low"], one["high"], color=colours[s], linewidth=1.5, alpha=0.6)
    overall = frame.drop_duplicates("period").sort_values("period")
    ax.plot([pos[str(p)] for p in overall["period"]], overall["all_sources"], linestyle="--", color="grey",
            label=text("chart_all_sources", lang))
    ax.set_xticks(np.arange(len(periods)), periods)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    days = int(data.attrs.get("window_days", 180))
    ax.set_xlabel(text("chart_period", lang))
    ax.set_ylabel(text("chart_channel_ylabel", lang, days=days))
    ax.set_title(text("chart_channel_title", lang, days=days, recent=int(data.attrs.get("too_recent", 0)),
                      level=float(data.attrs.get("confidence", 0.95))))
    ax.legend(title=label("lead_source", lang))
    return ax
