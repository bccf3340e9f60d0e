"""Where every method meets the truth: prediction and detection tasks at a review date,
ROC / precision-recall metrics with ties handled, naive baselines at the same operating point,
and every figure as a range over seeds.

A synthetic base's ``truth`` table is the answer key; only the tasks read it. Scores are
oriented so that higher means "more likely to leave / to have left".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .data import CustomerBase, end_of_day, to_timestamp
from .errors import InvalidArgumentError, MissingTableError

__all__ = [
    "BASELINES",
    "baseline_scores",
    "brier_score",
    "compare",
    "detection_task",
    "fisher_comparison",
    "kit_churn_scores",
    "lead_times",
    "leave_task",
    "lift_at",
    "no_order_task",
    "over_seeds",
    "pr_curve",
    "precision_at_recall",
    "proportion_interval",
    "reliability_table",
    "roc_auc",
    "roc_curve",
]

#: The naive scores of :func:`baseline_scores`, each oriented "higher = more likely gone".
BASELINES = ("days_since_last", "one_time_first", "one_minus_p_alive", "low_revenue", "low_revenue_per_year", "recency_quintile")


# ---------------------------------------------------------------------------- tasks
def _truth_of(base, func: str) -> pd.DataFrame:
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase with a `truth` table. Got {type(base).__name__}.")
    if "truth" not in dict(base.items()):
        raise MissingTableError(
            f"{func}: this base has no `truth` table, so there is nothing to score against. "
            "Evaluate on a synthetic base: playbook.synth.generate(..., process='realistic')."
        )
    truth = base.table("truth", by=func)
    if "dropout_date" not in truth.columns:
        raise InvalidArgumentError(f"{func}: the `truth` table has no 'dropout_date' column.")
    return truth.set_index("customer_id")


def _buyers_by(base: CustomerBase, as_of: pd.Timestamp) -> pd.Index:
    orders = base.orders
    seen = orders.loc[orders["order_date"] <= end_of_day(as_of), "customer_id"]
    return pd.Index(pd.unique(seen.astype(str)), name="customer_id").sort_values()


def _check_both_classes(label: pd.Series, func: str, what: str) -> None:
    n_pos = int(label.sum())
    if len(label) == 0:
        raise InvalidArgumentError(f"{func}: no customers in the task at this date ({what}). Choose a later as_of.")
    if n_pos == 0:
        raise InvalidArgumentError(f"{func}: no positives ({what}) among {len(label)} customers; every metric would be undefined. "
                                   "Choose another as_of or a longer horizon.")
    if n_pos == len(label):
        raise InvalidArgumentError(f"{func}: no negatives: all {len(label)} customers are positive ({what}). Choose another as_of.")


def leave_task(base: CustomerBase, as_of, horizon_days: int = 180) -> pd.DataFrame:
    """Who leaves in the next ``horizon_days``, among customers still alive at ``as_of``.

    The population is every customer with an order on or before ``as_of`` whose true
    dropout date (``truth.dropout_date``) is empty or later than ``as_of``; customers
    already gone belong to :func:`detection_task`. ``label`` is True when the dropout
    falls in (as_of, as_of + horizon_days].

    Parameters
    ----------
    base : CustomerBase
        A synthetic base with a ``truth`` table (``process="realistic"``).
    as_of : date-like
        The review date.
    horizon_days : int
        The prediction window; as_of + horizon_days must not pass the data's end (``base.as_of``).

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``label`` (bool) and ``dropout_date``;
    ``attrs`` hold the task's description.

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=400, seed=1, process="realistic")
    >>> task = leave_task(base, "2025-06-30", 180)
    >>> bool(task["label"].any() and not task["label"].all())
    True
    """
    func = "leave_task"
    truth = _truth_of(base, func)
    ts = to_timestamp(as_of)
    if not isinstance(horizon_days, (int, np.integer)) or horizon_days <= 0:
        raise InvalidArgumentError(f"{func}: horizon_days must be a positive whole number of days. Got {horizon_days!r}.")
    end = to_timestamp(base.as_of, "base.as_of")
    until = ts + pd.Timedelta(days=int(horizon_days))
    if until > end:
        raise InvalidArgumentError(
            f"{func}: the horizon runs past the data's end: {ts.date()} + {horizon_days} days = {until.date()}, "
            f"but the truth is known only until {end.date()}. Use as_of on or before {(end - pd.Timedelta(days=int(horizon_days))).date()}."
        )
    dropout = truth["dropout_date"].reindex(_buyers_by(base, ts))
    alive = dropout.isna() | (dropout > end_of_day(ts))
    dropout = dropout[alive]
    label = (dropout > end_of_day(ts)) & (dropout <= end_of_day(until))
    _check_both_classes(label, func, f"leaving between {ts.date()} and {until.date()}")
    out = pd.DataFrame({"label": label.astype(bool), "dropout_date": dropout})
    out.attrs.update(task="leave", as_of=ts, horizon_days=int(horizon_days))
    return out


def detection_task(base: CustomerBase, as_of) -> pd.DataFrame:
    """Who has already left, among customers with an order on or before ``as_of``.

    Reported apart from :func:`leave_task`: flagging customers who are already gone is
    detection, not early warning.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``label`` (True: true dropout date on or
    before ``as_of``) and ``dropout_date``.

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=400, seed=1, process="realistic")
    >>> task = detection_task(base, "2025-06-30")
    >>> bool(0 < task["label"].mean() < 1)
    True
    """
    func = "detection_task"
    truth = _truth_of(base, func)
    ts = to_timestamp(as_of)
    end = to_timestamp(base.as_of, "base.as_of")
    if ts > end:
        raise InvalidArgumentError(f"{func}: as_of {ts.date()} is after the data's end {end.date()}.")
    dropout = truth["dropout_date"].reindex(_buyers_by(base, ts))
    label = dropout.notna() & (dropout <= end_of_day(ts))
    _check_both_classes(label, func, f"gone by {ts.date()}")
    out = pd.DataFrame({"label": label.astype(bool), "dropout_date": dropout})
    out.attrs.update(task="detect", as_of=ts, horizon_days=None)
    return out


def no_order_task(base: CustomerBase, as_of, horizon_days: int = 180) -> pd.DataFrame:
    """Who places no order in the next ``horizon_days``, among every customer with an order by ``as_of``.

    The churn model's own target (:func:`playbook.churn.fit_churn_model`): it reads only
    orders after ``as_of``, so it checks the model's calibration on any base whose orders run
    ``horizon_days`` past the review (no ``truth`` needed).

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=400, seed=1, process="realistic")
    >>> task = no_order_task(base, "2025-06-30", 180)
    >>> bool(0 < task["label"].mean() < 1)
    True
    """
    func = "no_order_task"
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase. Got {type(base).__name__}.")
    ts = to_timestamp(as_of)
    if not isinstance(horizon_days, (int, np.integer)) or horizon_days <= 0:
        raise InvalidArgumentError(f"{func}: horizon_days must be a positive whole number of days. Got {horizon_days!r}.")
    until = ts + pd.Timedelta(days=int(horizon_days))
    last_known = to_timestamp(base.as_of if base.as_of is not None else base.orders["order_date"].max(), "base.as_of")
    if until > last_known:
        raise InvalidArgumentError(f"{func}: the horizon runs past the data's end: {ts.date()} + {horizon_days} days = "
                                   f"{until.date()}, but orders are known only until {last_known.date()}.")
    orders = base.orders
    later = orders.loc[(orders["order_date"] > end_of_day(ts)) & (orders["order_date"] <= end_of_day(until)), "customer_id"]
    ids = _buyers_by(base, ts)
    label = pd.Series(~ids.isin(pd.unique(later.astype(str))), index=ids)
    _check_both_classes(label, func, f"no order between {ts.date()} and {until.date()}")
    out = pd.DataFrame({"label": label.astype(bool)})
    out.attrs.update(task="no_order", as_of=ts, horizon_days=int(horizon_days))
    return out


# -------------------------------------------------------------------------- metrics
def _pair(labels, scores, func: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise InvalidArgumentError(f"{func}: labels and scores must be 1-d and the same length. Got {y.shape} and {s.shape}.")
    if np.isnan(s).any():
        raise InvalidArgumentError(f"{func}: {int(np.isnan(s).sum())} scores are NaN; score every customer (or drop them from the task first).")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise InvalidArgumentError(f"{func}: labels need both positives and negatives; got {int(y.sum())} positives of {len(y)}.")
    return y, s


def _groups(y: np.ndarray, s: np.ndarray):
    """Distinct scores from high to low with the positives and counts at each (one tie group a row)."""
    values, inverse = np.unique(-s, return_inverse=True)
    pos = np.bincount(inverse, weights=y.astype(float), minlength=len(values))
    cnt = np.bincount(inverse, minlength=len(values)).astype(float)
    return -values, pos, cnt


def roc_auc(labels, scores) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative, ties counting half.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> roc_auc([0, 1, 0, 1], [1, 1, 0, 0])   # one tie group each way
    0.5
    """
    y, s = _pair(labels, scores, "roc_auc")
    ranks = pd.Series(s).rank(method="average").to_numpy()
    n_pos, n_neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_curve(labels, scores) -> pd.DataFrame:
    """The ROC curve as a table: one row per distinct score (tied customers move together), from (0, 0).

    Examples
    --------
    >>> roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
       threshold  fpr  tpr
    0        inf  0.0  0.0
    1       0.80  0.0  0.5
    2       0.40  0.5  0.5
    3       0.35  0.5  1.0
    4       0.10  1.0  1.0
    """
    y, s = _pair(labels, scores, "roc_curve")
    thr, pos, cnt = _groups(y, s)
    tp, fp = np.cumsum(pos), np.cumsum(cnt - pos)
    return pd.DataFrame({"threshold": np.r_[np.inf, thr],
                         "fpr": np.r_[0.0, fp / fp[-1]], "tpr": np.r_[0.0, tp / tp[-1]]})


def pr_curve(labels, scores) -> pd.DataFrame:
    """The precision-recall curve: flag everyone scoring at least ``threshold``; one row per distinct score.

    Examples
    --------
    >>> pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
       threshold  recall  precision  flagged
    0       0.80     0.5   1.000000        1
    1       0.40     0.5   0.500000        2
    2       0.35     1.0   0.666667        3
    3       0.10     1.0   0.500000        4
    """
    y, s = _pair(labels, scores, "pr_curve")
    thr, pos, cnt = _groups(y, s)
    tp, n = np.cumsum(pos), np.cumsum(cnt)
    return pd.DataFrame({"threshold": thr, "recall": tp / tp[-1], "precision": tp / n, "flagged": n.astype(int)})


def _flag_top(y: np.ndarray, s: np.ndarray, *, true_positives: float | None = None, flagged: float | None = None):
    """Precision when flagging from the top until ``true_positives`` (or ``flagged``) is reached.

    The tie group at the cut is flagged in part, carrying its own share of positives (linear
    interpolation within the group), so a coarse score reaches exactly the asked recall or size,
    the result never depends on row order, and a constant score gets the base rate.
    """
    _, pos, cnt = _groups(y, s)
    tp, n = np.cumsum(pos), np.cumsum(cnt)
    if true_positives is not None:
        reached, target = tp, true_positives
    elif flagged is not None:
        reached, target = n, flagged
    else:
        raise TypeError("_flag_top needs true_positives= or flagged=.")
    i = int(np.searchsorted(reached, target - 1e-9))
    tp_before = tp[i - 1] if i else 0.0
    n_before = n[i - 1] if i else 0.0
    share = (target - (tp_before if true_positives is not None else n_before)) / (pos[i] if true_positives is not None else cnt[i])
    return (tp_before + share * pos[i]) / (n_before + share * cnt[i])


def precision_at_recall(labels, scores, recall: float) -> float:
    """Precision of a score when flagged from the top until it finds ``recall`` of the positives.

    The tie group at the cut is flagged in part with its own share of positives (never broken by
    row order; a constant score gets the base rate), so every score is compared at
    exactly the same recall: use the method's own recall to put the baselines at its operating point.

    Examples
    --------
    >>> precision_at_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5)
    1.0
    >>> precision_at_recall([1, 0, 1, 0], [1, 1, 0, 0], 0.5)   # half of one tie group
    0.5
    """
    y, s = _pair(labels, scores, "precision_at_recall")
    if not 0 < recall <= 1:
        raise InvalidArgumentError(f"precision_at_recall: recall must be in (0, 1]. Got {recall!r}.")
    return float(_flag_top(y, s, true_positives=recall * y.sum()))


def lift_at(labels, scores, fraction: float = 0.1) -> float:
    """Lift of the top ``fraction`` by score: their positive rate over everyone's (1 = no better than chance).

    Examples
    --------
    >>> lift_at([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.9], 0.25)
    4.0
    >>> lift_at([0, 0, 0, 1], [1, 1, 1, 1], 0.25)   # a constant score is chance
    1.0
    """
    y, s = _pair(labels, scores, "lift_at")
    if not 0 < fraction <= 1:
        raise InvalidArgumentError(f"lift_at: fraction must be in (0, 1]. Got {fraction!r}.")
    return float(_flag_top(y, s, flagged=fraction * len(y)) / y.mean())


def brier_score(labels, probabilities) -> float:
    """Mean squared gap between a predicted probability and what happened (0 perfect; 0.25 for a coin).

    Examples
    --------
    >>> brier_score([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])
    0.0375
    """
    y, p = _pair(labels, probabilities, "brier_score")
    if (p < 0).any() or (p > 1).any():
        raise InvalidArgumentError("brier_score: probabilities must lie in [0, 1] (divide a 0-100 risk by 100).")
    return float(np.round(np.mean((p - y) ** 2), 12))


def reliability_table(labels, probabilities, bins: int = 10) -> pd.DataFrame:
    """Calibration: predicted probability against the observed rate, bin by bin.

    Customers are cut into ``bins`` groups of equal size by predicted probability (ties kept
    together); a calibrated score has ``observed`` close to ``predicted`` in every bin.
    ``attrs["brier"]`` holds the Brier score, ``attrs["max_gap"]`` the largest
    |observed - predicted| over bins with at least 30 customers.

    Returns
    -------
    DataFrame with one row per bin: ``n``, ``predicted`` (mean probability), ``observed``
    (share of positives), ``low``/``high`` (the bin's probability range) and ``gap``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=4000)
    >>> t = reliability_table(rng.uniform(size=4000) < p, p, bins=5)
    >>> len(t), bool(t.attrs["max_gap"] < 0.05)
    (5, True)
    """
    y, p = _pair(labels, probabilities, "reliability_table")
    if (p < 0).any() or (p > 1).any():
        raise InvalidArgumentError("reliability_table: probabilities must lie in [0, 1] (divide a 0-100 risk by 100).")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise InvalidArgumentError(f"reliability_table: bins must be a whole number >= 1. Got {bins!r}.")
    ranks = pd.Series(p).rank(method="min").to_numpy()
    which = np.minimum(((ranks - 1) * bins // len(p)).astype(int), bins - 1)
    frame = pd.DataFrame({"bin": which, "p": p, "y": y.astype(float)})
    out = frame.groupby("bin").agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"), low=("p", "min"),
                                   high=("p", "max"))
    out["gap"] = out["observed"] - out["predicted"]
    big = out.loc[out["n"] >= 30, "gap"].abs()
    out.attrs.update(brier=brier_score(y, p), max_gap=float(big.max()) if len(big) else np.nan)
    return out


# ------------------------------------------------------------------ small samples
def proportion_interval(successes, trials, *, confidence: float = 0.95, method: str = "wilson") -> pd.DataFrame:
    """A share with its confidence interval, for one group or many (e.g. retention per rep).

    ``"wilson"`` (the default) is the Wilson score interval: it stays inside [0, 1] and keeps
    close to its stated coverage for a handful of cases, where the textbook "rate ± 1.96 SE"
    fails (it gives 0 ± 0 for 0 of 5). ``"exact"`` is the Clopper-Pearson interval from the
    binomial distribution: never narrower than it must be, so a little wide.

    Parameters
    ----------
    successes, trials : int or array-like of int
        Counts per group; ``0 <= successes <= trials`` and ``trials >= 1``.
    confidence : float
        Level of the interval, in (0, 1).
    method : {"wilson", "exact"}

    Returns
    -------
    DataFrame with one row per group (index like ``successes`` when it is a Series): ``successes``,
    ``trials``, ``rate``, ``low``, ``high``.

    Examples
    --------
    >>> proportion_interval(5, 7).round(3).iloc[0].tolist()
    [5.0, 7.0, 0.714, 0.359, 0.918]
    >>> proportion_interval([0, 12], [5, 33], method="exact").round(3)["high"].tolist()
    [0.522, 0.549]
    """
    from scipy.stats import beta, norm

    func = "proportion_interval"
    index = successes.index if isinstance(successes, pd.Series) else None
    k = np.atleast_1d(np.asarray(successes, dtype=float))
    n = np.atleast_1d(np.asarray(trials, dtype=float))
    if k.shape != n.shape:
        raise InvalidArgumentError(f"{func}: successes and trials need the same length. Got {k.shape} and {n.shape}.")
    if not (np.isfinite(k).all() and np.isfinite(n).all()) or (n < 1).any() or (k < 0).any() or (k > n).any():
        raise InvalidArgumentError(f"{func}: need counts with 0 <= successes <= trials and trials >= 1 in every group "
                                   "(a group with no cases has no rate to bound).")
    if not 0 < float(confidence) < 1:
        raise InvalidArgumentError(f"The 'confidence' parameter of {func} must be between 0 and 1, e.g. 0.95. Got {confidence!r}.")
    alpha = 1 - float(confidence)
    rate = k / n
    if method == "wilson":
        z = norm.ppf(1 - alpha / 2)
        centre = (k + z * z / 2) / (n + z * z)
        half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    elif method == "exact":
        with np.errstate(invalid="ignore"):
            low = np.where(k > 0, beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            high = np.where(k < n, beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    else:
        raise InvalidArgumentError(f"The 'method' parameter of {func} must be 'wilson' or 'exact'. Got {method!r}.")
    return pd.DataFrame({"successes": k, "trials": n, "rate": rate, "low": low, "high": high}, index=index)


def fisher_comparison(outcome, in_group, *, confidence: float = 0.95) -> pd.Series:
    """Does an outcome happen more often in one group than in the rest? Fisher's exact test, with intervals.

    For small groups (7 accounts against 33) a difference of shares can look large and be
    chance. Fisher's exact test (:func:`scipy.stats.fisher_exact`, two-sided) gives the
    probability of a split at least as uneven as the one seen if the group made no
    difference; each share gets its Wilson interval (:func:`proportion_interval`).

    Parameters
    ----------
    outcome : array-like of bool
        One value per case: did it happen (e.g. the account left)?
    in_group : array-like of bool
        Same length (or index): True for the group, False for the rest.
    confidence : float
        Level of the two shares' intervals.

    Returns
    -------
    Series: ``n_group``, ``hits_group``, ``rate_group``, ``low_group``, ``high_group``, the same
    for ``_rest``, ``difference`` (group minus rest), ``odds_ratio``, ``p_value`` and
    ``settled`` (p < 1 - ``confidence``: the data tell the groups apart at that level).

    Examples
    --------
    >>> r = fisher_comparison([True] * 5 + [False] * 2 + [True] * 12 + [False] * 21, [True] * 7 + [False] * 33)
    >>> round(float(r["p_value"]), 2), bool(r["settled"])
    (0.11, False)
    """
    from scipy.stats import fisher_exact

    func = "fisher_comparison"
    if isinstance(outcome, pd.Series) and isinstance(in_group, pd.Series):
        joined = pd.DataFrame({"y": outcome, "g": in_group}).dropna()
        y, g = joined["y"].to_numpy(), joined["g"].to_numpy()
    else:
        y, g = np.asarray(outcome), np.asarray(in_group)
        if y.shape != g.shape:
            raise InvalidArgumentError(f"{func}: outcome and in_group need the same length. Got {len(y)} and {len(g)}.")
    try:
        y, g = y.astype(bool), g.astype(bool)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{func}: outcome and in_group must be True/False per case.") from exc
    n1, n0 = int(g.sum()), int((~g).sum())
    if n1 == 0 or n0 == 0:
        raise InvalidArgumentError(f"{func}: need cases in both groups; got {n1} in the group and {n0} in the rest.")
    k1, k0 = int((y & g).sum()), int((y & ~g).sum())
    odds, p = fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="two-sided")
    ci = proportion_interval([k1, k0], [n1, n0], confidence=confidence)
    return pd.Series({"n_group": n1, "hits_group": k1, "rate_group": k1 / n1, "low_group": ci["low"][0], "high_group": ci["high"][0],
                      "n_rest": n0, "hits_rest": k0, "rate_rest": k0 / n0, "low_rest": ci["low"][1], "high_rest": ci["high"][1],
                      "difference": k1 / n1 - k0 / n0, "odds_ratio": float(odds), "p_value": float(p),
                      "settled": bool(p < 1 - float(confidence))}, name=func)


def lead_times(replay: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Lead time of a replayed warning: days from the first warning that **stays on** to the true dropout.

    For each customer whose true dropout date falls inside the replay's span, the review
    dates up to the dropout are read in order; the warning counts from the start of the last
    unbroken run of warnings that reaches the last review before the dropout (a warning that
    switched off again before the dropout is not a warning given in time). Customers with no
    such run were not warned in time (``lead_days`` NaN). A warning that first appears after
    the dropout is detection, counted in ``warned_after`` instead.

    Parameters
    ----------
    replay : DataFrame
        :func:`playbook.churn.replay_warnings` output (``as_of``, ``customer_id``, ``warning``).
    truth : DataFrame
        ``customer_id`` and ``dropout_date``.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (churners in the span) with ``dropout_date``,
    ``warned_from`` (start of the run), ``lead_days`` and ``warned_after`` (bool: first
    warned at a review after the dropout, never before it).

    Examples
    --------
    >>> replay = pd.DataFrame({"as_of": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"] * 2),
    ...                        "customer_id": ["a"] * 3 + ["b"] * 3,
    ...                        "warning": [True, False, True, False, False, True]})
    >>> truth = pd.DataFrame({"customer_id": ["a", "b"], "dropout_date": pd.to_datetime(["2025-03-10", "2025-03-01"])})
    >>> lead_times(replay, truth)[["lead_days", "warned_after"]]
                 lead_days  warned_after
    customer_id                         
    a                  NaN         False
    b                  NaN          True
    """
    need = {"as_of", "customer_id", "warning"} - set(replay.columns)
    if need:
        raise InvalidArgumentError(f"lead_times needs the replay columns {sorted(need)} (from replay_warnings).")
    if "dropout_date" not in truth.columns or "customer_id" not in truth.columns:
        raise InvalidArgumentError("lead_times needs truth with 'customer_id' and 'dropout_date'.")
    r = replay[["as_of", "customer_id", "warning"]].copy()
    r["customer_id"] = r["customer_id"].astype(str)
    drop = truth.set_index(truth["customer_id"].astype(str))["dropout_date"]
    first, last = r["as_of"].min(), r["as_of"].max()
    churners = drop[(drop >= first) & (drop <= last)]
    churners = churners[churners.index.isin(r["customer_id"])]
    r = r.loc[r["customer_id"].isin(churners.index)].sort_values(["customer_id", "as_of"])
    r["dropout"] = r["customer_id"].map(churners)
    before = r.loc[r["as_of"] <= r["dropout"]]
    # the last review before the dropout, and the start of the run of warnings that reaches it
    off = before.loc[~before["warning"].astype(bool)].groupby("customer_id")["as_of"].max()
    last_review = before.groupby("customer_id")["as_of"].max()
    on_at_last = before.loc[before["as_of"] == before["customer_id"].map(last_review), ["customer_id", "warning"]]
    on_at_last = on_at_last.set_index("customer_id")["warning"].astype(bool)
    warned = before.loc[before["warning"].astype(bool)]
    last_off = warned["customer_id"].map(off)
    after_off = warned.loc[last_off.isna().to_numpy() | (warned["as_of"] > last_off).to_numpy()]
    start = after_off.groupby("customer_id")["as_of"].min()
    start = start[on_at_last.reindex(start.index, fill_value=False)]
    after = r.loc[(r["as_of"] > r["dropout"]) & r["warning"].astype(bool), "customer_id"].unique()
    out = pd.DataFrame({"dropout_date": churners})
    out.index.name = "customer_id"
    out["warned_from"] = start.reindex(out.index)
    out["lead_days"] = (out["dropout_date"] - out["warned_from"]).dt.days
    out["warned_after"] = out.index.isin(after) & out["warned_from"].isna() & ~out.index.isin(warned["customer_id"])
    return out.sort_index()


# ------------------------------------------------------------------------ baselines
def baseline_scores(base: CustomerBase, as_of) -> pd.DataFrame:
    """Naive scores per customer with an order by ``as_of``, all oriented "higher = more likely gone".

    - ``days_since_last``: days from the last order to ``as_of``. One-time buyers get the days
      since their only order, like everyone: no special rank, so an old single purchase reads
      as long silence and a recent first purchase as fresh;
    - ``one_time_first``: the same days, but every one-time buyer ranked above every repeat
      buyer (one-time buyers leave about twice as often on the realistic process);
    - ``one_minus_p_alive``: 1 - P(alive) from the kit's BG/NBD fit at ``as_of``
      (:func:`playbook.churn.p_alive_from_btyd`). BG/NBD lets a customer drop out only after a
      repeat purchase, so every one-time buyer gets P(alive) = 1 and ranks as safest;
    - ``low_revenue``: minus revenue to date; ``low_revenue_per_year``: minus revenue per year
      since the first order (at least 30 days counted, so a first-week buyer is not inflated);
    - ``recency_quintile``: the RFM-style recency score 1-5 (5 = longest silent), a coarse
      score with many ties.

    Only orders up to ``as_of`` are read; never ``truth``.

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=300, seed=1, process="realistic")
    >>> b = baseline_scores(base, "2025-06-30")
    >>> list(b.columns) == list(BASELINES), bool(b.notna().all().all())
    (True, True)
    """
    from .churn import p_alive_from_btyd
    from .data import summarize

    ts = to_timestamp(as_of)
    summary = summarize(base.orders, ts)
    summary.index = summary.index.astype(str)
    days = summary["days_since_last"].astype(float)
    age_years = np.maximum((end_of_day(ts) - summary["first_order"]).dt.days.to_numpy(), 30) / 365.25
    p_alive = p_alive_from_btyd(base, ts)
    p_alive.index = p_alive.index.astype(str)
    out = pd.DataFrame({
        "days_since_last": days,
        "one_time_first": days + np.where(summary["frequency"].to_numpy() == 0, 1e6, 0.0),
        "one_minus_p_alive": 1.0 - p_alive.reindex(summary.index),
        "low_revenue": -summary["revenue"].astype(float),
        "low_revenue_per_year": -summary["revenue"].astype(float) / age_years,
        "recency_quintile": np.ceil(days.rank(pct=True, method="average") * 5).clip(1, 5),
    })
    out.index.name = "customer_id"
    return out.sort_index()


def kit_churn_scores(base: CustomerBase, as_of, *, signals: pd.DataFrame | None = None,
                     p_alive: pd.Series | None = None) -> pd.DataFrame:
    """The kit's churn scores at ``as_of``, from one set of signals:

    - ``risk`` / ``warning``: the default :func:`playbook.churn.churn_risk` (the model fitted
      on the base's own past, risk = 100 x P(no order in the next 180 days), warning at 50);
    - ``risk_rules`` / ``warning_rules``: the hand-weighted rule score (``method="rules"``,
      warning at 30), the score the kit shipped before #17;
    - ``risk_with_p_alive`` / ``warning_with_p_alive``: the rule score with the BG/NBD
      P(alive) blended in.

    The signals (and the model fitted with them) are computed once and read by all three
    scores. Pass ``signals`` (:func:`playbook.churn.churn_signals` at ``as_of``) or ``p_alive``
    (e.g. ``1 - baseline_scores(base, as_of)["one_minus_p_alive"]``) when you already hold them,
    to skip computing them again.

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=300, seed=1, process="realistic")
    >>> k = kit_churn_scores(base, "2025-06-30")
    >>> list(k.columns)[:4], bool(k["risk"].between(0, 100).all())
    (['risk', 'warning', 'risk_rules', 'warning_rules'], True)
    """
    from .churn import churn_risk, churn_signals, p_alive_from_btyd

    ts = to_timestamp(as_of)
    if signals is None:
        signals = churn_signals(base, ts)
    if p_alive is None:
        p_alive = p_alive_from_btyd(base, ts)
    p_alive = pd.Series(p_alive, dtype=float)
    p_alive.index = p_alive.index.astype(str)
    model = churn_risk(signals, method="model" if signals.attrs.get("model") is not None else "rules")
    rules = churn_risk(signals, method="rules").reindex(model.index)
    blended = churn_risk(signals.assign(p_alive=p_alive.reindex(signals.index.astype(str)).to_numpy()),
                         method="rules").reindex(model.index)
    out = pd.DataFrame({"risk": model["risk"], "warning": model["warning"].astype(bool),
                        "risk_rules": rules["risk"], "warning_rules": rules["warning"].astype(bool),
                        "risk_with_p_alive": blended["risk"], "warning_with_p_alive": blended["warning"].astype(bool)})
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    out.attrs["method"] = model.attrs["method"]
    return out.sort_index()


def _kit_with_warning(base: CustomerBase, as_of) -> pd.DataFrame:
    kit = kit_churn_scores(base, as_of)
    return pd.DataFrame({"score": kit["risk"], "warning": kit["warning"]})


# ------------------------------------------------------------------------ comparing
def _task(base, as_of, horizon_days, task: str) -> pd.DataFrame:
    if task == "leave":
        return leave_task(base, as_of, horizon_days)
    if task == "detect":
        return detection_task(base, as_of)
    raise InvalidArgumentError(f"task must be 'leave' or 'detect'. Got {task!r}.")


def _scores_for(scores: pd.Series, ids: pd.Index, what: str) -> np.ndarray:
    s = scores.reindex(ids)
    if s.isna().any():
        missing = s.index[s.isna()]
        raise InvalidArgumentError(f"{what} is missing for {len(missing)} customers of the task, e.g. {missing[0]!r}.")
    return s.to_numpy(float)


def _operating_point(y, s, ids, warned, recall, top, what: str):
    """(name, recall, the method's own precision or None) at which a method and its baselines are read."""
    if recall is not None:
        return "fixed recall", float(recall), None
    if warned is not None:
        warned = pd.Series(warned)
        warned.index = warned.index.astype(str)
        flagged = warned.reindex(ids, fill_value=False).astype(bool).to_numpy()
        hits = int((flagged & y).sum())
        if hits == 0:
            raise InvalidArgumentError(f"{what}: the warning flags no positive of the task, so its recall is 0 "
                                       "and no baseline can be read at it.")
        return "own warning", hits / y.sum(), hits / flagged.sum()
    at = float(_flag_top(y, s, flagged=top * len(y)) * top * len(y) / y.sum())
    return f"top {top:.0%}", min(max(at, 1.0 / y.sum()), 1.0), None


def _row(method, score, kind, y, s, point, at, top, own_precision=None) -> dict:
    precision = precision_at_recall(y, s, at) if own_precision is None else float(own_precision)
    return {"method": method, "score": score, "kind": kind, "n": len(y), "positives": int(y.sum()),
            "base_rate": float(y.mean()), "auc": roc_auc(y, s), "operating_point": point, "recall": float(at),
            "precision": precision, "lift": lift_at(y, s, top)}


def compare(base: CustomerBase, as_of, horizon_days: int = 180, scores=None, *, task: str = "leave",
            recall: float | None = None, flags=None, top: float = 0.1,
            baselines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each method beside every baseline on one task, at the same operating point.

    Parameters
    ----------
    base : CustomerBase
        A synthetic base with ``truth``.
    as_of, horizon_days :
        The review date and (for ``task="leave"``) the prediction window.
    scores : Series or DataFrame
        The method's score per customer (higher = more likely gone); a DataFrame compares several
        methods, one per column. Every customer of the task must be scored.
    task : {"leave", "detect"}
        :func:`leave_task` (future leavers among the alive) or :func:`detection_task` (already gone).
    recall : float, optional
        The recall at which precision is compared. By default each method's recall when it flags
        the customers scoring in its top ``top`` share, and the baselines are read at that same
        recall.
    flags : Series or dict, optional
        The method's own warning (bool per customer; a dict ``{method: Series}`` for several).
        Unless ``recall`` is given, its recall becomes that method's operating point
        (``operating_point`` "own warning"), and the method's ``precision`` is that of its
        flagged customers (what the warning delivers); customers missing from it count as not warned.
    top : float
        The share flagged for ``lift`` (default 0.1: the top 10%).
    baselines : DataFrame, optional
        Precomputed :func:`baseline_scores` (saves refitting BG/NBD).

    Returns
    -------
    Tidy DataFrame: ``method``, ``score``, ``kind`` ("method" or "baseline"), ``n``, ``positives``,
    ``base_rate`` (the precision of flagging at random), ``auc``, ``operating_point``, ``recall``,
    ``precision``, ``lift``; a baseline row per method, read at that method's recall.

    Examples
    --------
    >>> import playbook.synth
    >>> base = playbook.synth.generate("retail", n_customers=400, seed=1, process="realistic")
    >>> k = kit_churn_scores(base, "2025-06-30")
    >>> t = compare(base, "2025-06-30", 180, k["risk"], flags=k["warning"])
    >>> sorted(t["kind"].unique()), len(t) == 1 + len(BASELINES)
    (['baseline', 'method'], True)
    """
    func = "compare"
    truth_task = _task(base, as_of, horizon_days, task)
    if scores is None:
        raise InvalidArgumentError(f"{func} needs scores: a Series or DataFrame of the method's score per customer.")
    methods = scores.to_frame(scores.name or "method") if isinstance(scores, pd.Series) else pd.DataFrame(scores)
    methods.index = methods.index.astype(str)
    base_scores = baseline_scores(base, as_of) if baselines is None else baselines
    ids = truth_task.index
    y = truth_task["label"].to_numpy()
    if flags is not None and not isinstance(flags, Mapping):
        flags = {name: flags for name in methods.columns}
    flags = {str(k): v for k, v in (flags or {}).items()}
    unknown = set(flags) - set(map(str, methods.columns))
    if unknown:
        raise InvalidArgumentError(f"{func}: flags given for {sorted(unknown)}, which are not among the scores {list(methods.columns)}.")
    rows = []
    for name in methods.columns:
        s = _scores_for(methods[name], ids, f"{func}: score {name!r}")
        point, at, own_precision = _operating_point(y, s, ids, flags.get(str(name)), recall, top, f"{func}: {name!r}")
        rows.append(_row(name, name, "method", y, s, point, at, top, own_precision))
        for b in base_scores.columns:
            bs = _scores_for(base_scores[b], ids, f"{func}: baseline {b!r}")
            rows.append(_row(name, b, "baseline", y, bs, point, at, top))
    out = pd.DataFrame(rows)
    out.attrs.update(truth_task.attrs)
    return out


def over_seeds(make_base: Callable[[int], CustomerBase], seeds: Iterable[int], as_of, horizon_days: int = 180,
               methods: Mapping[str, Callable | Mapping] | None = None, *, task: str = "leave", recall: float | None = None,
               top: float = 0.1, baselines: Mapping[int, pd.DataFrame] | None = None) -> pd.DataFrame:
    """:func:`compare` on one base per seed, summarised as a range: min, median and max over seeds.

    Parameters
    ----------
    make_base : callable
        ``seed -> CustomerBase``, e.g. ``lambda s: generate("retail", n_customers=1500, seed=s, process="realistic")``.
    seeds : iterable of int
        At least 5: one seed's figure is an anecdote.
    methods : mapping
        ``{name: (base, as_of) -> Series or DataFrame}``, or ``{name: {seed: Series or DataFrame}}``
        with results already computed per seed (so a notebook that shows them too computes them
        once); a DataFrame adds one method per column,
        except one with exactly the columns ``score`` and ``warning`` (bool): that is one method
        read at its own warning's recall (``flags`` of :func:`compare`). Defaults to the kit's
        churn risk (the model) with its own warning (risk >= 50, :func:`kit_churn_scores`).

    baselines : mapping, optional
        ``{seed: baseline_scores(base, as_of)}`` already computed (saves refitting BG/NBD).

    Returns
    -------
    DataFrame with one row per (``method``, ``score``): ``kind``, ``seeds``, and ``<metric>_min``,
    ``<metric>_median``, ``<metric>_max`` for ``auc``, ``precision``, ``lift``, ``recall``, ``base_rate``;
    ``attrs["per_seed"]`` holds the per-seed table.

    Examples
    --------
    >>> import playbook.synth
    >>> make = lambda s: playbook.synth.generate("retail", n_customers=300, seed=s, process="realistic")
    >>> t = over_seeds(make, range(5), "2025-06-30", 180)
    >>> int(t["seeds"].min())
    5
    """
    seeds = list(seeds)
    if len(seeds) < 5:
        raise InvalidArgumentError(f"over_seeds needs at least 5 seeds to show a range. Got {len(seeds)}.")
    methods = dict(methods or {"kit": _kit_with_warning})
    per_seed = []
    for seed in seeds:
        base = make_base(seed)
        parts, flags = [], {}
        for name, method in methods.items():
            got = method[seed] if isinstance(method, Mapping) else method(base, as_of)
            if isinstance(got, pd.DataFrame) and sorted(got.columns) == ["score", "warning"]:
                parts.append(got["score"].rename(name))
                flags[name] = got["warning"]
            elif isinstance(got, pd.Series):
                parts.append(got.rename(name))
            else:
                parts.append(got.add_prefix("" if len(methods) == 1 else f"{name}:"))
        scores = pd.concat(parts, axis=1)
        per_seed.append(compare(base, as_of, horizon_days, scores, task=task, recall=recall, flags=flags or None,
                                top=top, baselines=baseline_scores(base, as_of) if baselines is None else baselines[seed])
                        .assign(seed=seed))
    table = pd.concat(per_seed, ignore_index=True)
    metrics = ["auc", "precision", "lift", "recall", "base_rate"]
    grouped = table.groupby(["method", "score"], sort=False)
    out = grouped.agg(kind=("kind", "first"), operating_point=("operating_point", "first"), seeds=("seed", "nunique"))
    for m in metrics:
        out[f"{m}_min"] = grouped[m].min()
        out[f"{m}_median"] = grouped[m].median()
        out[f"{m}_max"] = grouped[m].max()
    out = out.reset_index()
    out.attrs["per_seed"] = table
    return out
