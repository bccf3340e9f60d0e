"""Charts for customer types (客户类型): how rule-based types compare with the truth, and the evidence behind them.

Both plots take tables from :mod:`playbook.customer_types` and return the matplotlib Axes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..deprecation import renamed_parameters
from ..errors import InvalidArgumentError
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["confusion_matrix", "evidence_scatter"]

register_labels({"chart_share_of_true_type": ("share of each true type", "占各真实类型的比例")})


_TYPE_ORDER = ("loyal", "discount_driven", "impulse", "need_based", "wanderer")
# Okabe-Ito without sky blue next to blue: loyal and wanderer must not look alike.
_SCATTER_COLOURS = [PALETTE[i] for i in (0, 1, 2, 3, 5, 4, 6, 7)]


@renamed_parameters(scores_or_table="data")
@shared_docs
def confusion_matrix(data, *, normalize: bool = True, lang: str | None = None, ax=None) -> Axes:
    """Heatmap of true labels (rows) against predicted ones (columns).

    Parameters
    ----------
    data : TypeScores or DataFrame
        The result of :func:`playbook.customer_types.score_against_truth`, or a table of
        counts with true labels as rows and predicted labels as columns.
    normalize : bool
        Show each row as shares of its true label (the diagonal is then the recall);
        otherwise show counts.
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame([[8, 2], [1, 9]], index=["loyal", "wanderer"], columns=["loyal", "wanderer"])
    >>> ax = confusion_matrix(table)
    >>> ax.get_xlabel()
    'Predicted'
    """
    import seaborn as sns

    table = getattr(data, "confusion", data)
    if not isinstance(table, pd.DataFrame):
        raise InvalidArgumentError(
            f"confusion_matrix takes a TypeScores or a DataFrame of counts. Got {type(data).__name__}.")
    if table.empty:
        raise InvalidArgumentError("confusion_matrix got an empty table: there is nothing to draw.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "confusion_matrix")
    shown = table.astype(float)
    if normalize:
        shown = shown.div(shown.sum(axis=1).where(lambda s: s > 0), axis=0)
    cmap = sns.light_palette(PALETTE[0], as_cmap=True)
    sns.heatmap(shown, annot=True, fmt=".0%" if normalize else ".0f", cmap=cmap, cbar=False, vmin=0,
                vmax=1 if normalize else None, linewidths=0.5, linecolor="white", ax=ax,
                xticklabels=[label(str(c), lang) for c in shown.columns],
                yticklabels=[label(str(i), lang) for i in shown.index])
    ax.set_xlabel(label("predicted", lang))
    ax.set_ylabel(label("actual", lang))
    ax.tick_params(axis="x", rotation=25)
    ax.tick_params(axis="y", rotation=0)
    what = text("chart_share_of_true_type", lang) if normalize else label("customers", lang)
    ax.set_title(f"{label('persona', lang)}: {what}")
    return ax


@shared_docs
def evidence_scatter(data: pd.DataFrame, *, x: str, y: str, hue: str = "type", log: bool = False,
                     lang: str | None = None, ax=None) -> Axes:
    """Scatter of two evidence columns, one colour per type (or any category in ``hue``).

    Parameters
    ----------
    data : DataFrame
        Evidence joined with a label column, e.g.
        ``behaviour_evidence(base).join(classify_types(evidence))``.
    x, y : str
        Evidence columns.
    hue : str
        The label column (``type``, ``orientation``, or ``persona`` from the truth).
    log : bool
        Log scale on both axes (non-positive values are left out).
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"n_orders": [1, 5, 9], "discount_share": [1.0, 0.2, 0.0],
    ...                    "type": ["discount_driven", "loyal", "loyal"]})
    >>> ax = evidence_scatter(df, x="n_orders", y="discount_share")
    """
    import seaborn as sns

    for col in (x, y, hue):
        if col not in data.columns:
            raise InvalidArgumentError(f"evidence_scatter: {col!r} is not a column of data. Columns: {', '.join(map(str, data.columns))}.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "evidence_scatter")
    shown = data[[x, y, hue]].dropna(subset=[x, y])
    if log:
        shown = shown[(shown[x] > 0) & (shown[y] > 0)]
    values = set(shown[hue].astype(str))
    order = [t for t in _TYPE_ORDER if t in values] + sorted(values - set(_TYPE_ORDER))
    names = [label(t, lang) for t in order]
    shown = shown.assign(**{hue: shown[hue].astype(str).map(dict(zip(order, names)))})
    sns.scatterplot(data=shown, x=x, y=y, hue=hue, hue_order=names, palette=(_SCATTER_COLOURS * 2)[: len(order)],
                    s=14, alpha=0.6, linewidth=0, ax=ax)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel(label(y, lang))
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(label(hue, lang))
    return ax
