"""Charts of :mod:`playbook.evaluate`: a method beside its naive baselines on a task with a known truth.

Each takes a tidy table built from :mod:`playbook.evaluate` outputs, draws with seaborn on ``ax`` and returns it.
"""
from __future__ import annotations

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

__all__ = ["reliability_chart", "roc_curves"]

register_labels({k: v for k, v in {
    "kit": ("Kit's churn risk", "本工具的流失风险分"),
    "days_since_last": ("Days since last order", "距上次购买天数"),
    "one_time_first": ("One-time buyers first", "一次性买家优先"),
    "one_minus_p_alive": ("1 − P(alive)", "1 − 存活概率"),
    "low_revenue": ("Lowest revenue to date", "累计收入最低"),
    "low_revenue_per_year": ("Lowest revenue per year", "年均收入最低"),
    "recency_quintile": ("Recency quintile", "近度五分位"),
    "roc_score": ("Score", "评分"),
    "roc_chance": ("Chance", "随机"),
    "roc_fpr": ("False positive rate (share of negatives flagged)", "误报率（被误标的负例比例）"),
    "roc_tpr": ("True positive rate (share of positives caught)", "召回率（被找到的正例比例）"),
    "rel_predicted": ("Predicted probability (mean of the bin)", "预测概率（组内均值）"),
    "rel_observed": ("Observed rate", "实际发生率"),
    "rel_perfect": ("Perfect calibration", "完全校准"),
    "rel_title": ("Calibration: Brier score {brier:.3f}", "校准：布里尔分数 {brier:.3f}"),
}.items() if LABELS.get(k, v) == v})
register_labels({
    "chart_roc_method_vs_baseline": ("{method}: AUC {auc:.2f}; best baseline, {baseline_lower}: {baseline_auc:.2f}",
                                     "{method}：AUC {auc:.2f}；最佳基准「{baseline}」：{baseline_auc:.2f}"),
    "chart_roc_best": ("{best} ranks best (AUC {auc:.2f})", "排序最好的是「{best}」（AUC {auc:.2f}）"),
})


def _auc(part: pd.DataFrame) -> float:
    # the trapezoid under the curve equals evaluate.roc_auc (ties count half)
    fpr, tpr = part["fpr"].to_numpy(float), part["tpr"].to_numpy(float)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def _title(aucs: pd.Series, kinds: dict, lang: str) -> str:
    methods = [s for s in aucs.index if kinds.get(s) == "method"]
    baselines = aucs[[s for s in aucs.index if kinds.get(s) != "method"]]
    if methods and len(baselines):
        m, b = methods[0], baselines.idxmax()
        baseline = label(b, lang)
        return text("chart_roc_method_vs_baseline", lang, method=label(m, lang), auc=aucs[m], baseline=baseline,
                    baseline_lower=baseline.lower(), baseline_auc=aucs[b])
    best = aucs.idxmax()
    return text("chart_roc_best", lang, best=label(best, lang), auc=aucs[best])


@shared_docs
def roc_curves(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """ROC curves, one per score, beside the diagonal of chance; titled with the method against its best baseline.

    Parameters
    ----------
    data : DataFrame
        Tidy: :func:`playbook.evaluate.roc_curve` outputs stacked, with ``score`` (the name of the
        method or baseline, such as ``"kit"`` or ``"low_revenue"``), ``fpr`` and ``tpr``. An optional
        ``kind`` column ("method" or "baseline", as in :func:`playbook.evaluate.compare`) draws the
        method solid and thick and the baselines thin, and puts the method against the best
        baseline in the title; without it the title names the best score.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> from playbook import evaluate
    >>> from playbook.synth import generate
    >>> base = generate("retail", n_customers=400, seed=1, process="realistic")
    >>> task = evaluate.leave_task(base, "2025-06-30", 180)
    >>> scores = evaluate.baseline_scores(base, "2025-06-30").assign(kit=evaluate.kit_churn_scores(base, "2025-06-30")["risk"])
    >>> curves = pd.concat([evaluate.roc_curve(task["label"], scores.loc[task.index, name]).assign(
    ...     score=name, kind="method" if name == "kit" else "baseline") for name in ("kit", "days_since_last", "low_revenue")])
    >>> ax = roc_curves(curves)
    """
    import seaborn as sns

    needed = {"score", "fpr", "tpr"}
    if not isinstance(data, pd.DataFrame) or not needed <= set(data.columns) or data.empty:
        found = sorted(data.columns) if isinstance(data, pd.DataFrame) else type(data).__name__
        raise DataValidationError(f"roc_curves needs a table with columns {sorted(needed)} (evaluate.roc_curve outputs "
                                  f"stacked, with a 'score' column naming each). Got {found}.")
    lang = resolve_lang(lang, "roc_curves")
    frame = data.assign(score=data["score"].astype(str))
    kinds = dict(zip(frame["score"], frame["kind"])) if "kind" in frame.columns else {}
    order = list(dict.fromkeys(frame["score"]))
    order = [s for s in order if kinds.get(s) == "method"] + [s for s in order if kinds.get(s) != "method"]
    aucs = pd.Series({s: _auc(frame[frame["score"] == s]) for s in order})
    names = {s: f"{label(s, lang)} (AUC {aucs[s]:.2f})" for s in order}
    frame["curve"] = frame["score"].map(names)
    ax = new_ax(ax)
    colours = dict(zip(names.values(), PALETTE * (len(order) // len(PALETTE) + 1)))
    widths = {names[s]: 2.8 if kinds.get(s) == "method" else 1.5 for s in order}
    sns.lineplot(data=frame, x="fpr", y="tpr", hue="curve", hue_order=list(names.values()), palette=colours,
                 size="curve", sizes=widths, size_order=list(names.values()), estimator=None, sort=False,
                 drawstyle="default", ax=ax)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1.2, label=f"{label('roc_chance', lang)} (AUC 0.50)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(label("roc_fpr", lang))
    ax.set_ylabel(label("roc_tpr", lang))
    ax.legend(title=label("roc_score", lang), loc="lower right")
    ax.set_title(_title(aucs, kinds, lang))
    return ax


@renamed_parameters(table="data")
@shared_docs
def reliability_chart(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Calibration plot: each bin's observed rate against its mean predicted probability, beside the diagonal.

    Parameters
    ----------
    data : DataFrame
        :func:`playbook.evaluate.reliability_table` output (``predicted``, ``observed``, ``n``;
        ``attrs["brier"]`` goes in the title). Dot size follows ``n``.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import numpy as np
    >>> from playbook import evaluate
    >>> p = np.random.default_rng(0).uniform(size=500)
    >>> ax = reliability_chart(evaluate.reliability_table(np.random.default_rng(1).uniform(size=500) < p, p, bins=5))
    """
    needed = {"predicted", "observed", "n"}
    if not isinstance(data, pd.DataFrame) or not needed <= set(data.columns) or data.empty:
        raise DataValidationError("reliability_chart needs the output of playbook.evaluate.reliability_table "
                                  "(columns predicted, observed, n).")
    lang = resolve_lang(lang, "reliability_chart")
    ax = new_ax(ax)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1.2, label=label("rel_perfect", lang))
    sizes = 30 + 170 * data["n"].to_numpy(float) / float(data["n"].max())
    ax.plot(data["predicted"], data["observed"], color=PALETTE[0], linewidth=1.5)
    ax.scatter(data["predicted"], data["observed"], s=sizes, color=PALETTE[0], zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(label("rel_predicted", lang))
    ax.set_ylabel(label("rel_observed", lang))
    ax.legend(loc="upper left")
    if "brier" in data.attrs:
        ax.set_title(label("rel_title", lang).format(brier=data.attrs["brier"]))
    return ax
