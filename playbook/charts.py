"""The kit's charts: one seaborn theme that draws Chinese, and plots in seaborn's shape.

Each plot takes ``data`` plus column names, draws on ``ax`` (a new one if None) and
returns the Axes; nothing here calls ``plt.show()``.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

from .i18n import get_language, label

__all__ = ["set_theme", "cjk_font_name", "PALETTE", "customer_timeline", "persona_traces", "distribution"]

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """Register the bundled Noto Sans SC font with matplotlib and return its family name.

    The font comes from the ``pylopdf-fonts-zh-cn`` package (SIL Open Font License);
    None if it is not installed.
    """
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    from pathlib import Path

    from matplotlib import font_manager

    path = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def set_theme(context: str = "notebook", *, font_scale: float = 1.0) -> None:
    """Apply the kit's look: seaborn whitegrid, a colour-blind-safe palette, and a font
    with Chinese glyphs (set after seaborn's own theme, which would reset it).

    >>> set_theme()
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context=context, style="whitegrid", palette=PALETTE, font_scale=font_scale)
    font = cjk_font_name()
    if font:
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["figure.figsize"] = (8, 4.5)


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


_EVENT_ORDER = ("order", "browse", "visit", "call", "follow_up", "suggestion", "review", "event", "reference",
                "complaint", "survey", "referral")


def customer_timeline(data: pd.DataFrame, *, title: str | None = None, lang: str | None = None, ax=None):
    """Plot one customer's :func:`playbook.timeline`: a row per kind of event, orders sized by amount.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.timeline` (``date``, ``event``, ``amount``).
    title : str, optional
    lang : {"en", "zh"}, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> ax = customer_timeline(playbook.timeline(base, "A0004"))
    """
    import seaborn as sns

    ax = _ax(ax)
    lang = lang or get_language()
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


def persona_traces(data: pd.DataFrame, *, x: str, y: str, lang: str | None = None, log: bool = False, ax=None):
    """Box plot of one evidence column ``y`` by persona (or any category) ``x``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"persona": ["loyal", "wanderer"] * 5, "discount_share": range(10)})
    >>> ax = persona_traces(df, x="persona", y="discount_share")
    """
    import seaborn as sns

    ax = _ax(ax)
    lang = lang or get_language()
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


def distribution(data: pd.DataFrame, *, x: str, hue: str | None = None, log: bool = False, lang: str | None = None,
                 stat: str = "percent", ax=None):
    """Histogram of ``x`` (optionally on a log axis), one colour per ``hue``.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = distribution(pd.DataFrame({"amount": [1.0, 2.0, 3.0, 10.0]}), x="amount", log=True)
    """
    import seaborn as sns

    ax = _ax(ax)
    lang = lang or get_language()
    values = data[x]
    if log:
        values = values[values > 0]
    sns.histplot(data=data.loc[values.index], x=x, hue=hue, log_scale=log, stat=stat, element="step",
                 common_norm=False, palette=PALETTE[: data[hue].nunique()] if hue else None,
                 color=None if hue else PALETTE[0], ax=ax)
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel({"percent": "%", "count": label("customers", lang)}.get(stat, stat))
    return ax
