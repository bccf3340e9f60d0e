"""Charts of customer lifetime value: the BG/NBD diagnostic heatmaps and the holdout check.

Each takes the table a :mod:`playbook.value` function returns, draws with seaborn on ``ax`` and returns it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["frequency_recency_heatmap", "holdout_plot", "probability_alive_heatmap"]

register_labels({
    "chart_count": ("count", "次"),
    "chart_expected_purchases_title": ("Expected purchases in the next {t:.0f} days (customer age T = {big_t:.0f} days)",
                                       "未来 {t:.0f} 天的预期购买次数（客户年龄 T = {big_t:.0f} 天）"),
    "chart_p_alive_title": ("Probability alive (customer age T = {big_t:.0f} days)", "存活概率（客户年龄 T = {big_t:.0f} 天）"),
    "chart_holdout_title": ("Holdout: predicted vs actual repeat purchases", "验证期：预测与实际重复购买次数"),
})



def _heatmap(data: pd.DataFrame, *, ax, lang, cmap: str, fmt_label: str, title: str, vmin=None, vmax=None, func: str):
    import seaborn as sns

    if not isinstance(data, pd.DataFrame) or data.empty or data.index.name != "frequency":
        raise DataValidationError(f"{func} needs the table from playbook.value.{func.replace('heatmap', 'matrix')}.")
    ax = new_ax(ax)
    shown = data.iloc[::-1]
    x_step, y_step = max(1, len(data.columns) // 8), max(1, len(data.index) // 10)
    sns.heatmap(shown, ax=ax, cmap=cmap, vmin=vmin, vmax=vmax, cbar_kws={"label": fmt_label},
                xticklabels=False, yticklabels=False)
    # Label every k-th row counting from frequency 0 (the bottom row) and every k-th column from recency 0.
    n_rows = len(data.index)
    rows = range(0, n_rows, y_step)
    ax.set_yticks([n_rows - 1 - i + 0.5 for i in rows], [str(data.index[i]) for i in rows], rotation=0)
    cols = range(0, len(data.columns), x_step)
    ax.set_xticks([j + 0.5 for j in cols], [str(data.columns[j]) for j in cols], rotation=0)
    ax.set_xlabel(label("recency_periods", lang))
    ax.set_ylabel(f"{label('frequency', lang)} ({text('chart_count', lang)})")
    ax.set_title(title)
    return ax


@shared_docs
def frequency_recency_heatmap(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Expected purchases by frequency and recency (the BG/NBD frequency-recency matrix).

    Customers at the top right (many purchases, the last one recent) are expected to buy
    most; those at the top left bought often and then stopped: the model thinks they left.

    Parameters
    ----------
    data : DataFrame
        From :func:`playbook.value.frequency_recency_matrix`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.value import BetaGeoFitter, frequency_recency_matrix
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> ax = frequency_recency_heatmap(frequency_recency_matrix(bgf, max_frequency=15))
    """
    lang = resolve_lang(lang, "frequency_recency_heatmap")
    t, big_t = data.attrs.get("t", np.nan), data.attrs.get("T", np.nan)
    title = text("chart_expected_purchases_title", lang, t=t, big_t=big_t)
    return _heatmap(data, ax=ax, lang=lang, cmap="viridis", fmt_label=label("expected_purchases", lang),
                    title=title, vmin=0, func="frequency_recency_heatmap")


@shared_docs
def probability_alive_heatmap(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Probability that a customer is still alive, by frequency and recency.

    Parameters
    ----------
    data : DataFrame
        From :func:`playbook.value.probability_alive_matrix`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.value import BetaGeoFitter, probability_alive_matrix
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> ax = probability_alive_heatmap(probability_alive_matrix(bgf, max_frequency=15))
    """
    lang = resolve_lang(lang, "probability_alive_heatmap")
    big_t = data.attrs.get("T", np.nan)
    title = text("chart_p_alive_title", lang, big_t=big_t)
    return _heatmap(data, ax=ax, lang=lang, cmap="magma", fmt_label=f"{label('p_alive', lang)} (0-1)",
                    title=title, vmin=0, vmax=1, func="probability_alive_heatmap")


@shared_docs
def holdout_plot(data: pd.DataFrame, *, ax=None, lang: str | None = None) -> Axes:
    """Mean repeat purchases in the holdout by calibration frequency: actual, model, naive.

    Parameters
    ----------
    data : DataFrame
        From :func:`playbook.value.holdout_comparison`.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.value import BetaGeoFitter, calibration_holdout, holdout_comparison
    >>> base = playbook.load_dataset("retail")
    >>> ch = calibration_holdout(base.orders, "2024-12-31", "2025-12-31")
    >>> bgf = BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    >>> ax = holdout_plot(holdout_comparison(bgf, ch))
    """
    import seaborn as sns

    lang = resolve_lang(lang, "holdout_plot")
    needed = {"actual", "predicted", "naive"}
    if not isinstance(data, pd.DataFrame) or not needed <= set(data.columns) or data.empty:
        raise DataValidationError("holdout_plot needs the table from playbook.value.holdout_comparison (actual, predicted, naive).")
    ax = new_ax(ax)
    series = {"actual": "holdout_actual", "predicted": "holdout_predicted", "naive": "holdout_naive"}
    long = pd.DataFrame({
        "frequency_cal": np.tile(np.arange(len(data)), len(series)),
        "purchases": np.concatenate([data[col].to_numpy(dtype=float) for col in series]),
        "series": np.repeat([label(key, lang) for key in series.values()], len(data)),
    })
    sns.lineplot(data=long, x="frequency_cal", y="purchases", hue="series", style="series", markers=True,
                 dashes=[(1, 0), (4, 2), (1, 2)], palette=PALETTE[:3], ax=ax, errorbar=None)
    ticks = [str(v) for v in data.index]
    if data.attrs.get("max_frequency") is not None:
        ticks[-1] = f"{ticks[-1]}+"
    ax.set_xticks(range(len(data)), ticks)
    ax.set_xlabel(label("frequency_cal", lang))
    ax.set_ylabel(label("repeat_purchases_holdout", lang))
    ax.set_ylim(bottom=0)
    ax.legend(title="")
    ax.set_title(text("chart_holdout_title", lang))
    return ax
