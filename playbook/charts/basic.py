"""General plots: a customer's timeline, evidence by persona, a distribution."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from ..i18n import label, resolve_lang
from ._docs import shared_docs
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["customer_timeline", "persona_traces", "distribution"]

_EVENT_ORDER = ("order", "browse", "visit", "call", "follow_up", "suggestion", "review", "event", "reference",
                "complaint", "survey", "referral")


@shared_docs
def customer_timeline(data: pd.DataFrame, *, title: str | None = None, lang: str | None = None, ax=None) -> Axes:
    """Plot one customer's :func:`playbook.timeline`: a row per kind of event, orders sized by amount.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.timeline` (``date``, ``event``, ``amount``).
    title : str, optional
        A title for the chart (none by default).
    {lang}
    {ax}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> ax = customer_timeline(playbook.timeline(base, "A0004"))
    """
    import seaborn as sns

    ax = new_ax(ax)
    lang = resolve_lang(lang, "customer_timeline")
    events = [e for e in _EVENT_ORDER if e in set(data["event"])] + sorted(set(data["event"]) - set(_EVENT_ORDER))
    shown = data.assign(kind=data["event"].map(lambda e: label(e, lang)),
                        size=data["amount"].fillna(0.0))
    order = [label(e, lang) for e in events]
    sns.stripplot(data=shown, x="date", y="kind", order=order, hue="kind", hue_order=order, palette=(PALETTE * 2)[: len(order)],
                  legend=False, jitter=0.15, size=5, alpha=0.8, ax=ax, native_scale=True)
    ax.set_xlabel(label("date", lang))
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax


@shared_docs
def persona_traces(data: pd.DataFrame, *, x: str, y: str, lang: str | None = None, log: bool = False, ax=None) -> Axes:
    """Box plot of one evidence column ``y`` by persona (or any category) ``x``.

    Parameters
    ----------
    data : DataFrame
        One row per customer, e.g. :func:`playbook.customer_types.behaviour_evidence` joined
        with the truth's ``persona``.
    x : str
        The category column (personas are put in the kit's order, others after them).
    y : str
        The evidence column.
    {lang}
    {log}
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"persona": ["loyal", "wanderer"] * 5, "discount_share": range(10)})
    >>> ax = persona_traces(df, x="persona", y="discount_share")
    """
    import seaborn as sns

    ax = new_ax(ax)
    lang = resolve_lang(lang, "persona_traces")
    order = [c for c in ("loyal", "need_based", "impulse", "discount_driven", "wanderer") if c in set(data[x].astype(str))]
    order += sorted(set(data[x].astype(str)) - set(order))
    shown = data.assign(**{x: data[x].astype(str)})
    with warnings.catch_warnings():
        # seaborn 0.13.2 passes `vert=` to matplotlib >= 3.11, which deprecates it; harmless.
        warnings.filterwarnings("ignore", message=".*vert: bool was deprecated.*")
        sns.boxplot(data=shown, x=x, y=y, order=order, hue=x, hue_order=order, palette=PALETTE[: len(order)],
                    legend=False, showfliers=False, ax=ax)
    ax.set_xticks(range(len(order)), [label(o, lang) for o in order])
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel(label(y, lang))
    if log:
        ax.set_yscale("log")
    return ax


@shared_docs
def distribution(data: pd.DataFrame, *, x: str, hue: str | None = None, log: bool = False, lang: str | None = None,
                 stat: str = "percent", ax=None) -> Axes:
    """Histogram of ``x`` (optionally on a log axis), one colour per ``hue``.

    Parameters
    ----------
    data : DataFrame
        Any table with the column ``x``.
    x : str
        The column to draw.
    hue : str, optional
        A column to split by, one colour (and its own normalisation) per value.
    {log}
    {lang}
    stat : {"percent", "count", "density", "probability", "proportion", "frequency"}
        What the bars count, as seaborn's ``histplot`` reads it.
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> ax = distribution(pd.DataFrame({"amount": [1.0, 2.0, 3.0, 10.0]}), x="amount", log=True)
    """
    import seaborn as sns

    ax = new_ax(ax)
    lang = resolve_lang(lang, "distribution")
    values = data[x]
    if log:
        values = values[values > 0]
    sns.histplot(data=data.loc[values.index], x=x, hue=hue, log_scale=log, stat=stat, element="step",
                 common_norm=False, palette=PALETTE[: data[hue].nunique()] if hue else None,
                 color=None if hue else PALETTE[0], ax=ax)
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel({"percent": "%", "count": label("customers", lang)}.get(stat, stat))
    return ax
