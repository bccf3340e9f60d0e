"""Charts of churn early warning: what makes up a risk score, survival curves, the big-account alarm.

Each takes a table of :mod:`playbook.churn`, draws with seaborn on ``ax`` and returns it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..i18n import LABELS, label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["signal_bars", "risk_distribution", "survival_curves", "alarm_timeline"]

register_labels({k: v for k, v in {"kaplan_meier": ("Kaplan-Meier", "Kaplan-Meier 生存曲线"),
                                    "survival_estimate": ("Estimate", "估计值")}.items()
                 if LABELS.get(k, v) == v})
register_labels({"chart_alarm_quarter": ("Quarter (risk at its last day; ! = alarm)", "季度（季末风险分；! = 预警）")})


@shared_docs
def signal_bars(data: pd.DataFrame, *, top: int = 10, ax=None, lang: str | None = None) -> Axes:
    """Stacked horizontal bars: the points each signal adds to the risk of the riskiest customers.

    For the model score (``attrs["base_risk"]``, the average customer's risk, dotted line) the
    bars start there: contributions that raise the risk go right, those that lower it go left
    (paler).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.churn.churn_risk` (``risk`` and ``points_<signal>`` columns).
    top : int
        How many customers, highest risk first.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.churn import churn_risk, churn_signals
    >>> ax = signal_bars(churn_risk(churn_signals(playbook.load_dataset("b2b"), "2024-09-30")), top=5)
    """
    cols = [c for c in data.columns if c.startswith("points_")]
    if "risk" not in data.columns or not cols:
        raise DataValidationError("signal_bars needs the output of playbook.churn.churn_risk (risk and points_ columns).")
    if data.empty:
        raise DataValidationError("signal_bars got no customers to draw.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "signal_bars")
    rows = data.sort_values("risk", ascending=False, kind="stable").head(top)
    names = [str(i) for i in rows.index]
    # The model's points are contributions against the average customer (attrs["base_risk"]): those that
    # raise the risk stack to the right of it, those that lower it to the left. The rule score starts at 0.
    start = float(data.attrs.get("base_risk", 0.0))
    right = np.full(len(rows), start)
    left = np.full(len(rows), start)
    for i, col in enumerate(cols):
        key = col.removeprefix("points_")
        values = rows[col].to_numpy(dtype=float)
        up, down = np.clip(values, 0, None), np.clip(values, None, 0)
        colour = PALETTE[i % len(PALETTE)]
        ax.barh(names, up, left=right, color=colour, label=label(f"signal_{key}", lang))
        if (down < 0).any():
            ax.barh(names, down, left=left, color=colour, alpha=0.45)
        right += up
        left += down
    if start:
        ax.axvline(start, color="black", linestyle=":", linewidth=1)
    threshold = data.attrs.get("threshold")
    if threshold is not None:
        ax.axvline(threshold, color="grey", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(label("risk_score", lang))
    ax.set_ylabel("")
    ax.set_title(label("churn_risk", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


#: From this many rows on, :func:`risk_distribution` counts the bins itself (seaborn's own pass over every row
#: costs a tenth of a second per million); the picture is the same (tests/test_report_equivalence.py).
_COUNT_BINS_ABOVE = 5_000


@shared_docs
def risk_distribution(data: pd.DataFrame, *, hue: str | None = None, bins: int = 20, ax=None, lang: str | None = None) -> Axes:
    """Histogram of risk scores, optionally split by a column (for instance the true outcome).

    Parameters
    ----------
    data : DataFrame
        With a ``risk`` column (:func:`playbook.churn.churn_risk`), and ``hue`` if given.
    hue : str, optional
        Column to colour by; bars are stacked.
    bins : int
        Number of equal-width bins between 0 and 100.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.churn import churn_risk, churn_signals
    >>> ax = risk_distribution(churn_risk(churn_signals(playbook.load_dataset("retail"), "2025-06-30")))
    """
    import seaborn as sns

    if "risk" not in data.columns:
        raise DataValidationError("risk_distribution needs a 'risk' column; pass playbook.churn.churn_risk output.")
    if hue is not None and hue not in data.columns:
        raise DataValidationError(f"risk_distribution: hue={hue!r} is not a column of the data.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "risk_distribution")
    edges = np.linspace(0, 100, bins + 1)
    risk = data["risk"].to_numpy() if hue is None and data["risk"].dtype == np.float64 and len(data) > _COUNT_BINS_ABOVE and bins >= 1 else None
    if risk is not None and not np.isinf(risk).any():
        # many scores: seaborn is given the count of each bin (weights at the bin centres), the same bars and bytes
        counts, _ = np.histogram(risk[~np.isnan(risk)], edges)
        sns.histplot(data=pd.DataFrame({"risk": (edges[:-1] + edges[1:]) / 2, "n": counts}), x="risk", weights="n",
                     bins=list(edges), ax=ax, color=PALETTE[0])  # a list: seaborn compares bins with "auto"
    else:
        frame = data.reset_index(drop=True)
        kwargs = {"hue": hue, "multiple": "stack", "palette": PALETTE[: frame[hue].nunique()]} if hue else {"color": PALETTE[0]}
        sns.histplot(data=frame, x="risk", bins=edges, ax=ax, **kwargs)
    threshold = data.attrs.get("threshold")
    if threshold is not None:
        ax.axvline(threshold, color=PALETTE[5], linestyle="--", linewidth=1.5)
    ax.set_xlabel(label("risk_score", lang))
    ax.set_ylabel(text("customers", lang))
    ax.set_title(label("churn_risk", lang))
    return ax


@shared_docs
def survival_curves(data: pd.DataFrame, *, band: bool = False, truth: pd.DataFrame | None = None, ax=None,
                    lang: str | None = None) -> Axes:
    """Kaplan-Meier curves, one step line per group, and optionally the truth's curve beside them.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.churn.survival_by_segment` (``group``, ``time``,
        ``survival``, and ``lower``/``upper`` for the band), or :func:`playbook.churn.kaplan_meier`
        (indexed by ``time``; one curve).
    band : bool
        Shade the 95% interval.
    truth : DataFrame, optional
        Output of :func:`playbook.churn.truth_survival` (synthetic data only): drawn as dashed
        dark lines, labelled as the truth.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.churn import survival_by_segment, truth_survival
    >>> ax = survival_curves(survival_by_segment(playbook.load_dataset("retail")))
    >>> retail = playbook.load_dataset("retail")
    >>> ax = survival_curves(survival_by_segment(retail, "2024-12-31", by=None),
    ...                      truth=truth_survival(retail, "2024-12-31"))
    >>> len(ax.get_lines()) >= 2
    True
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    frame = data.reset_index() if "time" not in data.columns else data.copy()
    if "group" not in frame.columns:
        frame["group"] = "all"
    if not {"time", "survival"} <= set(frame.columns) or frame.empty:
        raise DataValidationError("survival_curves needs 'time' and 'survival' columns; pass survival_by_segment or kaplan_meier output.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "survival_curves")
    frame["group"] = frame["group"].astype(str).replace({"all": label("survival_estimate", lang)})
    groups = list(dict.fromkeys(frame["group"]))
    colours = dict(zip(groups, PALETTE * (len(groups) // len(PALETTE) + 1)))
    sns.lineplot(data=frame, x="time", y="survival", hue="group", palette=colours, drawstyle="steps-post",
                 errorbar=None, ax=ax, linewidth=1.8)
    if band and {"lower", "upper"} <= set(frame.columns):
        for g in groups:
            part = frame[frame["group"] == g]
            ax.fill_between(part["time"], part["lower"], part["upper"], step="post", alpha=0.15, color=colours[g])
    n_lines = len(groups)
    if truth is not None:
        t = truth.reset_index() if "time" not in truth.columns else truth
        if not {"time", "survival"} <= set(t.columns) or t.empty:
            raise DataValidationError("survival_curves: 'truth' needs 'time' and 'survival' columns; pass truth_survival output.")
        t_groups = list(dict.fromkeys(t["group"])) if "group" in t.columns else ["all"]
        for g in t_groups:
            part = t[t["group"] == g] if "group" in t.columns else t
            name = label("truth_survival", lang) + ("" if len(t_groups) == 1 else f": {g}")
            ax.step(part["time"], part["survival"], where="post", color="#222222", linestyle="--", linewidth=1.6,
                    label=name)
        n_lines += len(t_groups)
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(label("lifetime_days", lang))
    ax.set_ylabel(f"{label('survival', lang)} (%)")
    ax.set_title(label("kaplan_meier", lang))
    if n_lines == 1:
        ax.get_legend().remove()
    else:
        ax.legend(title="", fontsize="small")
    return ax


@shared_docs
def alarm_timeline(data: pd.DataFrame, *, until: str | None = None, ax=None, lang: str | None = None) -> Axes:
    """Heatmap of risk, accounts x quarters, with a "!" where the alarm fired.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`playbook.churn.concentration_alarm`.
    until : str, optional
        Last quarter to show (later cells are left blank), e.g. ``"2024Q3"``.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.churn import concentration_alarm
    >>> ax = alarm_timeline(concentration_alarm(playbook.load_dataset("b2b"), ["2024Q1", "2024Q2", "2024Q3"]))
    """
    import seaborn as sns

    need = {"customer_id", "quarter", "risk", "warning"}
    if not need <= set(data.columns) or data.empty:
        raise DataValidationError("alarm_timeline needs the output of playbook.churn.concentration_alarm.")
    ax = new_ax(ax)
    lang = resolve_lang(lang, "alarm_timeline")
    quarters = list(dict.fromkeys(data["quarter"]))
    accounts = sorted(dict.fromkeys(data["customer_id"]))
    grid = data.pivot(index="customer_id", columns="quarter", values="risk").reindex(index=accounts, columns=quarters)
    fired = data.pivot(index="customer_id", columns="quarter", values="warning").reindex(index=accounts, columns=quarters)
    if until is not None:
        if until not in quarters:
            raise DataValidationError(f"alarm_timeline: until={until!r} is not one of the quarters {quarters}.")
        hidden = quarters[quarters.index(until) + 1:]
        grid[hidden] = np.nan
    cells = grid.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    cells = cells.where(~(fired.astype(bool) & grid.notna()), cells + "!")
    sns.heatmap(grid.astype(float), annot=cells.to_numpy(), fmt="", vmin=0, vmax=100, cmap="rocket_r",
                linewidths=0.5, linecolor="white", cbar_kws={"label": label("risk_score", lang)}, ax=ax)
    ax.set_xlabel(text("chart_alarm_quarter", lang))
    ax.set_ylabel("")
    ax.set_title(label("concentration_alarm", lang))
    return ax
