"""Charts of the generator itself: our synthetic shop next to a real panel.

``realism_chart`` draws :func:`playbook.synth.realism` tables, one row per measure, every
measure on its own band so measures of different units share one axis.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["realism_chart"]

register_labels({
    "one_time_buyers": ("One-time buyers", "只买一次的客户"),
    "purchase_days_per_customer": ("Purchase days per customer", "人均购买天数"),
    "median_days_between_purchases": ("Median days between purchases", "购买间隔中位数（天）"),
    "gap_p90_over_median": ("Gap p90 / median", "间隔 p90 / 中位数"),
    "repeat_within_12_weeks": ("Repeat within 12 weeks", "12 周内复购"),
    "spearman_count_vs_spend": ("Spearman: count vs spend", "次数与客单的秩相关"),
    "spend_mean_over_median": ("Spend mean / median", "客单均值 / 中位数"),
    "top20_revenue_share": ("Top-20% revenue share", "前 20% 客户收入占比"),
    "active_q2": ("Cohort active in quarter 2", "第 2 季度仍活跃的同期群"),
    "active_q6": ("Cohort active in quarter 6", "第 6 季度仍活跃的同期群"),
    "december_vs_trend": ("December vs trend", "十二月相对趋势"),
    "weekday_max_over_min": ("Weekday max / min", "星期最高 / 最低"),
    "process_classic": ("classic process", "经典过程"),
    "process_realistic": ("realistic process", "真实化过程"),
    "process_bgnbd": ("BG/NBD process", "BG/NBD 过程"),
    "process_ours": ("our shop", "我们的商店"),
    "realism_band": ("real panel's band", "真实面板区间"),
    "realism_real": ("real value (CDNOW)", "真实值（CDNOW）"),
    "realism_process": ("generating process", "生成过程"),
    "realism_x": ("position in the band (0 = low end, 1 = high end; far points drawn at the edge)",
                  "在区间中的位置（0 = 下限，1 = 上限；远处的点画在边上）"),
    "realism_title": ("Inside the real panel's bands: {parts}", "落在真实面板区间内：{parts}"),
    "realism_part": ("{name} {inside} of {n} measures", "{name} {inside}/{n} 项"),
})

# Points further than this from the band (in band widths) are drawn at the edge.
_CLIP = (-1.5, 2.5)


@shared_docs
def realism_chart(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Our shop next to a real one: each measure as a band, the real value and ours marked.

    Every measure is rescaled to its own band (0 = the band's low end, 1 = its high end), so
    one-time buyers (a share) and days between purchases (days) sit on one axis; the tick
    labels give the real value and the band in the measure's own units. The title counts,
    for each process, how many measures fall inside their band.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.synth.realism` (columns ``measure``, ``ours``, ``real``,
        ``low``, ``high``), or several stacked with a ``process`` column
        (``"classic"``, ``"realistic"``, ``"bgnbd"``) to compare them.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> from playbook.synth import generate, realism
    >>> tables = [realism(generate("retail", n_customers=3000, seed=1, process=p), start="2023-01-01").assign(process=p)
    ...           for p in ("realistic", "classic")]
    >>> ax = realism_chart(pd.concat(tables))
    """
    import seaborn as sns

    from ..data import require_columns

    lang = resolve_lang(lang, "realism_chart")
    require_columns(data, ("measure", "ours", "real", "low", "high"), "realism_chart", table="realism")
    table = data if "process" in data.columns else data.assign(process="ours")
    table = table.assign(process=table["process"].astype(str))
    measures = list(dict.fromkeys(table["measure"].astype(str)))
    processes = list(dict.fromkeys(table["process"]))
    row = {m: i for i, m in enumerate(measures)}
    width = (table["high"] - table["low"]).replace(0, np.nan)
    points = pd.DataFrame({
        "row": table["measure"].astype(str).map(row),
        "position": ((table["ours"] - table["low"]) / width).clip(*_CLIP),
        "process": [label(f"process_{p}", lang) for p in table["process"]],
    })
    reference = table.drop_duplicates("measure").set_index("measure").loc[measures]

    ax = new_ax(ax)
    ax.axvspan(0, 1, color="0.88", zorder=0, label=label("realism_band", lang))
    real_position = (reference["real"] - reference["low"]) / (reference["high"] - reference["low"])
    ax.scatter(real_position.clip(*_CLIP), range(len(measures)), marker="D", s=45, color="black", zorder=3,
               label=label("realism_real", lang))
    sns.scatterplot(data=points, x="position", y="row", hue="process", palette=PALETTE[: len(processes)],
                    s=90, alpha=0.85, zorder=4, legend=False, ax=ax)
    for i, p in enumerate(processes):
        ax.scatter([], [], s=90, color=PALETTE[i], label=label(f"process_{p}", lang))

    ax.set_yticks(range(len(measures)))
    ax.set_yticklabels([f"{label(m, lang)}  {r.real:.3g} [{r.low:.3g}–{r.high:.3g}]" for m, r in reference.iterrows()])
    ax.set_ylim(len(measures) - 0.5, -0.5)
    ax.set_xlim(_CLIP[0] - 0.1, _CLIP[1] + 0.1)
    ax.set_xlabel(label("realism_x", lang))
    ax.set_ylabel("")
    ax.legend(title=label("realism_process", lang), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")

    inside = (table["ours"] >= table["low"]) & (table["ours"] <= table["high"])
    counts = inside.groupby(table["process"], sort=False).agg(["sum", "size"])
    parts = ", ".join(label("realism_part", lang).format(name=label(f"process_{p}", lang), inside=int(c["sum"]), n=int(c["size"]))
                      for p, c in counts.loc[processes].iterrows())
    ax.set_title(label("realism_title", lang).format(parts=parts))
    return ax
