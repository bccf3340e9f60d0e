"""Customer lifetime value (客户终身价值): the simple retention formula, and the BG/NBD and
Gamma-Gamma models fitted by maximum likelihood, with calibration/holdout checks.

The models follow Fader, Hardie & Lee (2005, "Counting your customers the easy way") and
Fader & Hardie (2005, the Gamma-Gamma spend model), in the shape of the ``lifetimes`` package.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import kernels
from .data import (
    CustomerBase,
    check_column,
    end_of_day,
    summarize,
    to_timestamp,
    validate_orders,
)
from .errors import (
    DataValidationError,
    FitWarning,
    InvalidArgumentError,
    ModelNotFittedError,
    format_rows,
)
from .deprecation import deprecated_alias
from .i18n import register_labels

__all__ = [
    "BetaGeoFitter",
    "DEFAULT_MARGIN_RATE",
    "FitWarning",
    "GammaGammaFitter",
    "ModelNotFittedError",
    "calibration_holdout",
    "clv_table",
    "frequency_recency_matrix",
    "holdout_comparison",
    "holdout_scores",
    "probability_alive_matrix",
    "customer_lifetime_value",
    "simple_clv",
    "expected_margin",
]

register_labels({
    "expected_purchases": ("Expected purchases", "预期购买次数"),
    "p_alive": ("Probability alive", "存活概率"),
    "expected_spend": ("Expected spend per purchase", "预期单次消费额"),
    "clv_per_customer": ("Predicted CLV per customer", "人均预测终身价值"),
    "frequency_cal": ("Repeat purchases in calibration", "校准期重复购买次数"),
    "holdout_actual": ("Actual (holdout)", "实际（验证期）"),
    "holdout_predicted": ("Predicted (BG/NBD)", "预测（BG/NBD）"),
    "holdout_naive": ("Naive: same as last period", "朴素基准：与上期相同"),
    "repeat_purchases_holdout": ("Repeat purchases per customer in holdout", "验证期人均重复购买次数"),
    "recency_periods": ("Recency: age at last purchase (days)", "最近一次购买时的客户年龄（天）"),
})

_LOG_BOUND = 12.0  # parameters live in [e^-12, e^12] on the log scale


# ---------------------------------------------------------------- CLV from retention (the one formula)


def _clv_arg(value, name: str, func: str, low: float | None = None, high: float | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InvalidArgumentError(f"The {name!r} parameter of {func} must be a finite number. Got {value!r}.")
    if (low is not None and np.any(arr < low)) or (high is not None and np.any(arr > high)):
        what = "a probability in [0, 1], e.g. 0.8 for 80%" if high == 1 else f"a number >= {low:g}"
        raise InvalidArgumentError(f"The {name!r} parameter of {func} must be {what}. Got {value!r}.")
    return arr


def customer_lifetime_value(margin_per_period, retention_rate, discount_rate, periods=None, *,
                            retention_cost=0.0, acquisition_cost=0.0):
    """Customer lifetime value (客户终身价值) from a constant margin, retention rate and discount rate.

    The kit's one CLV formula: :func:`playbook.economics.cohort_profit`, :func:`~playbook.economics.empirical_retention`,
    :func:`~playbook.economics.retention_sensitivity`, :func:`~playbook.economics.acquisition_vs_retention`,
    the exercises and the notebooks call it. (The per-customer CLV of the action list,
    :func:`expected_margin`, is a model forecast of each customer's purchases instead.)

    A customer is acquired at period 0. At the start of each later period the business
    spends ``retention_cost`` on every customer it still has, and a share ``retention_rate``
    of them stays and brings ``margin_per_period`` at the end of the period. Money in period
    ``t`` is discounted by ``(1 + discount_rate) ** t``. The margin of the first purchase is part
    of period 0: count it in a net ``acquisition_cost`` if you want it included.

    - infinite horizon (``periods=None``): ``(m * r - c) / (1 + d - r) - a``, the textbook
      ``m * r / (1 + d - r)`` when costs are zero;
    - ``periods=n``: the same sum stopped after ``n`` periods,
      ``m * k * (1 - k**n) / (1 - k)`` with ``k = r / (1 + d)``, less the costs.

    Parameters
    ----------
    margin_per_period : float, array or Series
        Margin (毛利) a kept customer brings per period, in money.
    retention_rate : float or array
        Probability of staying one more period, in [0, 1].
    discount_rate : float or array
        Discount rate per period, at least 0.
    periods : int or array, optional
        Number of periods (whole numbers >= 0); None for an infinite horizon, which needs
        ``retention_rate < 1 + discount_rate``.
    retention_cost : float or array
        Spend per customer per period on keeping them (>= 0).
    acquisition_cost : float or array
        Spend to win the customer (>= 0), paid at period 0.

    Returns
    -------
    float, or an array broadcast over the inputs (a Series named ``clv`` when
    ``margin_per_period`` is a Series).

    Examples
    --------
    >>> round(customer_lifetime_value(100, 0.8, 0.1), 2)
    266.67
    >>> round(customer_lifetime_value(100, 0.8, 0.1, periods=3), 2)
    164.09
    >>> round(customer_lifetime_value(100, 0.8, 0.1, retention_cost=20, acquisition_cost=100), 2)
    100.0
    """
    func = "customer_lifetime_value"
    index = margin_per_period.index if isinstance(margin_per_period, pd.Series) else None
    m = _clv_arg(margin_per_period, "margin_per_period", func)
    r = _clv_arg(retention_rate, "retention_rate", func, 0.0, 1.0)
    d = _clv_arg(discount_rate, "discount_rate", func, 0.0)
    c = _clv_arg(retention_cost, "retention_cost", func, 0.0)
    a = _clv_arg(acquisition_cost, "acquisition_cost", func, 0.0)
    k = r / (1 + d)
    if periods is None:
        if (k >= 1).any():
            raise InvalidArgumentError(
                f"{func}: with retention 1 and discount rate 0 the lifetime value is infinite; "
                "give a discount rate above 0 or a finite number of periods."
            )
        margin = m * r / (1 + d - r)
        cost = c / (1 + d - r)
    else:
        if isinstance(periods, bool):
            raise InvalidArgumentError(f"The 'periods' parameter of {func} must be whole numbers >= 0. Got {periods!r}.")
        n = np.asarray(periods, dtype=float)
        if (n < 0).any() or not np.all(np.isfinite(n)) or np.any(n != np.floor(n)):
            raise InvalidArgumentError(f"The 'periods' parameter of {func} must be whole numbers >= 0. Got {periods!r}.")
        with np.errstate(invalid="ignore", divide="ignore"):
            # sum of k**t for t = 1..n (margins), and of k**t for t = 0..n-1 (retention spend, paid a period earlier)
            geometric = np.where(k == 1, n, k * (1 - k**n) / np.where(k == 1, 2.0, 1 - k))
            cost = np.where(k == 1, c * n, c * (1 - k**n) / np.where(k == 1, 2.0, 1 - k)) / (1 + d)
        margin = m * geometric
    out = margin - cost - a
    if index is not None:
        return pd.Series(np.broadcast_to(out, m.shape), index=index, name="clv")
    return float(out) if np.ndim(out) == 0 else out


#: The old name of :func:`customer_lifetime_value` (``margin``, ``retention``): warns, removed in the next release.
simple_clv = deprecated_alias(customer_lifetime_value, "simple_clv", margin="margin_per_period", retention="retention_rate")


# ---------------------------------------------------------------- input checks


def _index_of(*values):
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def _wrap(values: np.ndarray, index, name: str):
    return pd.Series(values, index=index, name=name) if index is not None and len(index) == len(values) else values


def _as_array(values, name: str, func: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise InvalidArgumentError(f"The {name!r} parameter of {func} must be one-dimensional. Got shape {arr.shape}.")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise DataValidationError(f"{func}: {name!r} is missing or infinite in {format_rows(bad)}; drop or fill those customers.")
    return arr


def _check_rfT(frequency, recency, T, func: str):
    x = _as_array(frequency, "frequency", func)
    tx = _as_array(recency, "recency", func)
    big_t = _as_array(T, "T", func)
    if not len(x) == len(tx) == len(big_t):
        raise InvalidArgumentError(f"{func}: frequency, recency and T must have the same length. Got {len(x)}, {len(tx)}, {len(big_t)}.")
    checks = [
        (x < 0, "frequency is negative"),
        (x != np.floor(x), "frequency is not a whole number"),
        (tx < 0, "recency is negative"),
        (tx > big_t, "recency is larger than T"),
        ((x == 0) & (tx != 0), "recency is not 0 although frequency is 0"),
    ]
    for mask, what in checks:
        rows = np.flatnonzero(mask)
        if rows.size:
            raise DataValidationError(
                f"{func}: {what} in {format_rows(rows)}. Build the inputs with playbook.summarize(orders, as_of), "
                "which follows the BG/NBD definitions."
            )
    return x, tx, big_t


def _check_positive_time(t, func: str) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InvalidArgumentError(f"The 't' parameter of {func} must be a time span >= 0 (in the periods of the data). Got {t!r}.")
    return arr


# ---------------------------------------------------------------- optimisation


def _minimise(objective, x0: np.ndarray, names: tuple, max_iter: int, model: str):
    """L-BFGS-B on log-parameters with an analytic gradient; Nelder-Mead polish if it stalls."""
    from scipy.optimize import minimize

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(x0)
    res = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter})
    grad = np.abs(objective(res.x)[1]).max()
    converged = bool(res.success or grad < 1e-5)
    if not converged and max_iter > 50:
        nm = minimize(lambda z: objective(z)[0], res.x, method="Nelder-Mead",
                      options={"maxiter": max_iter, "xatol": 1e-7, "fatol": 1e-10})
        if nm.fun <= res.fun:
            res = nm
        converged = bool(nm.success and np.abs(objective(res.x)[1]).max() < 1e-3)
    info = {"converged": converged, "iterations": int(res.nit), "message": str(res.message), "objective": float(res.fun)}
    if not converged:
        warnings.warn(
            f"The {model} fit did not converge ({res.message}); its parameters may be wrong. "
            "Try penalizer_coef=0.001 (or larger), a larger max_iter, or weeks instead of days "
            "(summarize(..., freq='W')), and check for customers with extreme values.",
            FitWarning, stacklevel=3,
        )
    at_bound = [n for n, z in zip(names, res.x) if abs(z) >= _LOG_BOUND - 1e-6]
    if at_bound:
        warnings.warn(
            f"The {model} fit pushed {', '.join(at_bound)} to the edge of the allowed range: the data cannot "
            "pin it down. Predictions may still be usable, but do not read that parameter; "
            "add penalizer_coef=0.001 or use a longer observation window.",
            FitWarning, stacklevel=3,
        )
    return res.x, info


def _not_fit(obj) -> None:
    if not hasattr(obj, "params_"):
        raise ModelNotFittedError(f"Model has not been fit yet: call {type(obj).__name__}().fit(...) first.")


# ---------------------------------------------------------------- BG/NBD


class _Fitter:
    """What both fitters share: ``__init__`` stores parameters only, a penalised objective, a repr."""

    _params: tuple = ()  # names of the fitted parameters, in order
    # set by fit(); declared (not assigned) here, so hasattr(self, "params_") still tells a fit model
    params_: dict[str, float]
    fit_info_: dict[str, int | float | bool | str]

    def __init__(self, penalizer_coef: float = 0.0, *, max_iter: int = 1000):
        self.penalizer_coef = penalizer_coef
        self.max_iter = max_iter

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"{name}(not fit)"
        values = ", ".join(f"{k}={self.params_[k]:.3g}" for k in self._params)
        return f"{name}({values}; {self.fit_info_['n_customers']} customers)"

    def _penalised(self, terms):
        """Mean negative log-likelihood plus an L2 penalty on the parameters, with its gradient."""
        pen = float(self.penalizer_coef)
        if not np.isfinite(pen) or pen < 0:
            raise InvalidArgumentError(
                f"The 'penalizer_coef' parameter of {type(self).__name__} must be >= 0. Got {self.penalizer_coef!r}.")

        def objective(logp):
            ll, grad = terms(logp)
            params = np.exp(logp)
            return -ll.mean() + pen * np.sum(params**2), -grad.mean(axis=1) + pen * 2 * params**2

        return objective


class BetaGeoFitter(_Fitter):
    """The BG/NBD model (Beta-Geometric / Negative Binomial): who is still buying, and how often.

    While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, rate α); after
    each repeat purchase they leave for good with probability p ~ Beta(a, b). Times are in
    the periods of the inputs (days for ``summarize(..., freq="D")``).

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (as in ``lifetimes``); 0 for plain maximum likelihood,
        0.001-0.1 to steady a fit on small or odd data.
    max_iter : int
        Iteration limit of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b`` after :meth:`fit`.
    fit_info_ : dict
        ``n_customers``, ``n_repeaters``, ``max_frequency``, ``max_T``, ``log_likelihood``,
        ``converged``, ``iterations``, ``message``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> sorted(bgf.params_)
    ['a', 'alpha', 'b', 'r']
    >>> bgf.fit_info_["converged"]
    True
    """

    _params = ("r", "alpha", "a", "b")

    @staticmethod
    def _loglik_terms(logp, x, tx, T):
        """Per-customer log-likelihood and its gradient with respect to the log-parameters."""
        from scipy.special import digamma, gammaln

        r, alpha, a, b = np.exp(logp)
        rx = r + x
        repeat = x > 0
        xm = np.maximum(x, 1.0)
        a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -rx * np.log(alpha + T)
        a4 = np.where(repeat, np.log(a) - np.log(b + xm - 1) - rx * np.log(alpha + tx), -np.inf)
        mix = np.logaddexp(a3, a4)
        w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)
        ll = a1 + a2 + mix
        d_r = digamma(rx) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + tx)
        d_alpha = r / alpha - w3 * rx / (alpha + T) - w4 * rx / (alpha + tx)
        d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
        d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / (b + xm - 1)
        grad = np.vstack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return ll, grad

    def fit(self, frequency, recency, T):
        """Fit by maximum likelihood on one row per customer.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, age at the last purchase and age now, in periods: the
            columns of :func:`playbook.summarize`.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            With fewer than 2 customers, when nobody made a repeat purchase (the
            purchase rate cannot be learned), or when every customer is 0 periods old.
        """
        func = "BetaGeoFitter.fit"
        x, tx, big_t = _check_rfT(frequency, recency, T, func)
        n = x.size
        if n < 2:
            raise DataValidationError(
                f"{func} needs many customers to learn a population; got {n}. A single customer's future "
                "cannot be fitted: use simple_clv or the customer's own history instead."
            )
        if (big_t == 0).all():
            raise DataValidationError(
                f"{func}: every customer is 0 periods old (T=0): all first purchases fall on the as_of day. "
                "Choose a later as_of so that customers have had time to come back."
            )
        if (x == 0).all():
            raise DataValidationError(
                f"{func}: nobody made a repeat purchase (frequency is 0 for all {n} customers), so the model cannot "
                "learn how often customers buy. Use a longer observation window, a later as_of, or check that "
                "orders of the same customer share one customer_id (all orders on one day count as one purchase)."
            )
        objective = self._penalised(lambda logp: self._loglik_terms(logp, x, tx, big_t))

        rate = max(x.sum() / max(big_t.sum(), 1.0), 1e-6)
        x0 = np.log([1.0, 1.0 / rate, 1.0, 3.0])
        logp, info = _minimise(objective, x0, ("r", "alpha", "a", "b"), self.max_iter, "BG/NBD")
        r, alpha, a, b = np.exp(logp)
        self.params_ = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        ll, _ = self._loglik_terms(logp, x, tx, big_t)
        self.fit_info_ = {"n_customers": int(n), "n_repeaters": int((x > 0).sum()), "max_frequency": int(x.max()),
                          "max_T": float(big_t.max()), "log_likelihood": float(ll.sum()), **info}
        return self

    def _unpack(self):
        _not_fit(self)
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def _expected_if_alive(self, t, x, T):
        """E[purchases in (T, T+t] | alive at T, x purchases]: Euler-transformed 2F1, which keeps small numerator parameters."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._unpack()
        if abs(a - 1) < 1e-7:
            a = 1 + 1e-7
        z = t / (alpha + T + t)
        f = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        # With a + b + x < 1 (one-time buyers when a + b < 1) the 2F1 can be negative: its log does not
        # exist, so those rows use 1 - (1 - z)^(a - 1) f directly (every other row is unchanged).
        positive = f > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            euler = -np.expm1((a - 1) * np.log1p(-z) + np.log(np.where(positive, f, 1.0)))
        direct = 1 - np.exp((a - 1) * np.log1p(-z)) * f
        return (a + b + x - 1) / (a - 1) * np.where(positive, euler, direct)

    def _expected_if_alive_by_pair(self, t, x: np.ndarray, T: np.ndarray, pairs=None):
        """:meth:`_expected_if_alive` computed once per distinct (x, T) pair and spread back (the same
        numbers: the function is elementwise); ``pairs`` from :func:`_distinct_pairs` to reuse."""
        codes, xu, tu = pairs if pairs is not None else _distinct_pairs(x, T)
        return self._expected_if_alive(t, xu, tu)[codes]

    def probability_alive(self, frequency, recency, T):
        """Probability that each customer is still alive (has not silently left) at age ``T``.

        Customers without a repeat purchase are alive with probability 1 under BG/NBD
        (nobody can leave before buying again).

        Examples
        --------
        >>> import playbook
        >>> base = playbook.load_dataset("retail")
        >>> s = playbook.summarize(base.orders, base.as_of)
        >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        >>> p = bgf.probability_alive(s["frequency"], s["recency"], s["T"])
        >>> bool(p.between(0, 1).all())
        True
        """
        r, alpha, a, b = self._unpack()
        x, tx, big_t = _check_rfT(frequency, recency, T, "probability_alive")
        xm = np.maximum(x, 1.0)
        log_odds_dead = np.log(a) - np.log(b + xm - 1) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
        p = np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds_dead, 700))), 1.0)
        return _wrap(p, _index_of(frequency, recency, T), "p_alive")

    def expected_purchases(self, t, frequency, recency, T):
        """Expected number of purchases in the next ``t`` periods, given each customer's history.

        Examples
        --------
        >>> import playbook
        >>> base = playbook.load_dataset("retail")
        >>> s = playbook.summarize(base.orders, base.as_of)
        >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        >>> e = bgf.expected_purchases(365, s["frequency"], s["recency"], s["T"])
        >>> bool((e >= 0).all())
        True
        """
        t = _check_positive_time(t, "expected_purchases")
        x, tx, big_t = _check_rfT(frequency, recency, T, "expected_purchases")
        alive = np.asarray(self.probability_alive(x, tx, big_t))
        out = alive * (self._expected_if_alive_by_pair(t, x, big_t) if np.ndim(t) == 0 and np.ndim(x) == 1
                       and np.shape(big_t) == np.shape(x) else self._expected_if_alive(t, x, big_t))
        return _wrap(np.where(t == 0, 0.0, out), _index_of(frequency, recency, T), "expected_purchases")

    def expected_purchases_new(self, t):
        """Expected number of repeat purchases in the first ``t`` periods of a new customer (E[X(t)]).

        Examples
        --------
        >>> import playbook
        >>> base = playbook.load_dataset("retail")
        >>> s = playbook.summarize(base.orders, base.as_of)
        >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        >>> bool(bgf.expected_purchases_new(365) > bgf.expected_purchases_new(30))
        True
        """
        t = _check_positive_time(t, "expected_purchases_new")
        out = np.where(t == 0, 0.0, self._expected_if_alive(t, 0.0, 0.0))
        return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------- Gamma-Gamma


class GammaGammaFitter(_Fitter):
    """The Gamma-Gamma spend model: how much a customer spends per purchase.

    Each purchase amount ~ Gamma(p, rate ν), with ν ~ Gamma(q, rate v) across customers,
    so the average spend of a customer with few purchases is pulled towards the
    population mean ``p v / (q - 1)``. Fitted on customers with at least one repeat
    purchase; assumes spend does not depend on how often a customer buys.

    Non-positive ``monetary_value`` of repeat customers (refunds) cannot come from a
    Gamma distribution: those customers are dropped with a :class:`FitWarning` that
    says how many.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters; 0 for plain maximum likelihood.
    max_iter : int

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v`` after :meth:`fit`.
    fit_info_ : dict
        ``n_customers`` used, ``n_dropped``, ``log_likelihood``, ``converged``, ...

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    >>> sorted(ggf.params_)
    ['p', 'q', 'v']
    """

    _params = ("p", "q", "v")

    @staticmethod
    def _loglik_terms(logp, x, m):
        from scipy.special import digamma, gammaln

        p, q, v = np.exp(logp)
        px = p * x
        vm = v + m * x
        ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
              + px * np.log(x) - (px + q) * np.log(vm))
        d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(vm))
        d_q = digamma(px + q) - digamma(q) + np.log(v) - np.log(vm)
        d_v = q / v - (px + q) / vm
        return ll, np.vstack([d_p * p, d_q * q, d_v * v])

    def fit(self, frequency, monetary_value):
        """Fit on customers with at least one repeat purchase.

        Parameters
        ----------
        frequency, monetary_value : array-like
            Repeat purchases and mean amount per repeat purchase (:func:`playbook.summarize`).

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            When fewer than 2 customers have a repeat purchase with positive spend.
        """
        func = "GammaGammaFitter.fit"
        x = _as_array(frequency, "frequency", func)
        m = _as_array(monetary_value, "monetary_value", func)
        if len(x) != len(m):
            raise InvalidArgumentError(f"{func}: frequency and monetary_value must have the same length. Got {len(x)} and {len(m)}.")
        if (x < 0).any():
            raise DataValidationError(f"{func}: frequency is negative in {format_rows(np.flatnonzero(x < 0))}.")
        repeat = x > 0
        bad = repeat & (m <= 0)
        n_bad = int(bad.sum())
        if n_bad:
            warnings.warn(
                f"GammaGammaFitter dropped {n_bad} repeat customer(s) whose average spend is zero or negative "
                "(refunds?): a Gamma spend model needs positive amounts. Net refunds against their orders, "
                "or leave those customers out, if this is not what you want.",
                FitWarning, stacklevel=2,
            )
        keep = repeat & ~bad
        if keep.sum() < 2:
            raise DataValidationError(
                f"{func} needs at least 2 customers with a repeat purchase and positive spend; got {int(keep.sum())}. "
                "Without repeat purchases the spread of spend between customers cannot be learned; "
                "use the plain average order value instead."
            )
        x, m = x[keep], m[keep]
        # Spend is rescaled by its median so that v starts near 1; v is scaled back afterwards.
        scale = float(np.median(m))
        objective = self._penalised(lambda logp: self._loglik_terms(logp, x, m / scale))

        logp, info = _minimise(objective, np.log([2.0, 3.0, 4.0]), ("p", "q", "v"), self.max_iter, "Gamma-Gamma")
        p, q, v = np.exp(logp)
        self.params_ = {"p": float(p), "q": float(q), "v": float(v * scale)}
        ll, _ = self._loglik_terms(np.log([p, q, v * scale]), x, m)
        self.fit_info_ = {"n_customers": int(keep.sum()), "n_dropped": n_bad, "log_likelihood": float(ll.sum()), **info}
        return self

    def population_mean_spend(self) -> float:
        """Mean spend per purchase in the population, ``p v / (q - 1)``."""
        _not_fit(self)
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        if q <= 1:
            raise DataValidationError(
                f"The fitted Gamma-Gamma q={q:.3g} is at most 1, so the model's mean spend is infinite: "
                "a few huge spenders dominate. Cap extreme amounts or refit with penalizer_coef=0.01."
            )
        return p * v / (q - 1)

    def conditional_expected_average_profit(self, frequency, monetary_value):
        """Expected spend per future purchase of each customer: a weighted mean of their own
        average and the population mean, the weight on their own growing with ``frequency``.

        Examples
        --------
        >>> import playbook
        >>> base = playbook.load_dataset("retail")
        >>> s = playbook.summarize(base.orders, base.as_of)
        >>> ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
        >>> spend = ggf.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
        >>> bool((spend > 0).all())
        True
        """
        func = "conditional_expected_average_profit"
        mean = self.population_mean_spend()
        x = _as_array(frequency, "frequency", func)
        m = _as_array(monetary_value, "monetary_value", func)
        p, q = self.params_["p"], self.params_["q"]
        own = np.where(x > 0, np.maximum(m, 0.0), 0.0)
        weight = p * x / (p * x + q - 1)
        return _wrap((1 - weight) * mean + weight * own, _index_of(frequency, monetary_value), "expected_spend")

    def customer_lifetime_value(self, bgf: BetaGeoFitter, frequency, recency, T, monetary_value, *,
                                horizon: float = 365, step: float = 30, discount_rate: float = 0.1,
                                periods_per_year: float = 365, margin: float = 1.0):
        """Discounted value of each customer's expected purchases over ``horizon`` periods.

        The horizon is cut into steps of ``step`` periods; the purchases BG/NBD expects in
        each step are valued at the Gamma-Gamma expected spend times ``margin`` and
        discounted at the annual ``discount_rate`` to the end of the step.

        Parameters
        ----------
        bgf : BetaGeoFitter
            A fitted purchase model on the same customers.
        frequency, recency, T, monetary_value : array-like
            As from :func:`playbook.summarize`.
        horizon, step : float
            In the periods of the data (days by default).
        discount_rate : float
            Annual discount rate, e.g. 0.1.
        periods_per_year : float
            365 for days, 52 for weeks, 12 for months.
        margin : float
            Share of spend that is profit; 1 gives revenue.

        Examples
        --------
        >>> import playbook
        >>> base = playbook.load_dataset("retail")
        >>> s = playbook.summarize(base.orders, base.as_of)
        >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        >>> ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
        >>> clv = ggf.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"])
        >>> bool((clv >= 0).all())
        True
        """
        func = "customer_lifetime_value"
        for name, value, low in (("horizon", horizon, 0), ("step", step, 0), ("periods_per_year", periods_per_year, 0)):
            if not np.isfinite(value) or value <= low:
                raise InvalidArgumentError(f"The {name!r} parameter of {func} must be > 0. Got {value!r}.")
        if not np.isfinite(discount_rate) or discount_rate < 0:
            raise InvalidArgumentError(f"The 'discount_rate' parameter of {func} must be >= 0. Got {discount_rate!r}.")
        spend = np.asarray(self.conditional_expected_average_profit(frequency, monetary_value))
        x, tx, big_t = _check_rfT(frequency, recency, T, func)
        ends = np.minimum(np.arange(1, int(np.ceil(horizon / step)) + 1) * step, horizon)
        alive = np.asarray(bgf.probability_alive(x, tx, big_t))
        previous = np.zeros_like(x)
        value = np.zeros_like(x)
        pairs = _distinct_pairs(x, big_t) if np.ndim(x) == 1 and np.shape(big_t) == np.shape(x) else None
        for end in ends:
            cumulative = alive * (bgf._expected_if_alive(end, x, big_t) if pairs is None
                                  else bgf._expected_if_alive_by_pair(end, x, big_t, pairs))
            value += (cumulative - previous) * (1 + discount_rate) ** (-end / periods_per_year)
            previous = cumulative
        return _wrap(value * spend * margin, _index_of(frequency, recency, T, monetary_value), "clv")


def _distinct_pairs(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, x values, T values) of the distinct (x, T) pairs, by their bits: ``xu[codes] == x`` and
    ``tu[codes] == T`` element by element. Purchase counts and ages in whole periods repeat a lot: a
    million customers have far fewer distinct pairs."""
    x64, t64 = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    cx, ux = pd.factorize(x64.view(np.int64))
    ct, ut = pd.factorize(t64.view(np.int64))
    codes, keys = pd.factorize(cx.astype(np.int64) * len(ut) + ct)
    return codes, ux.view(np.float64)[keys // len(ut)], ut.view(np.float64)[keys % len(ut)]


def clv_table(summary: pd.DataFrame, bgf: BetaGeoFitter, ggf: GammaGammaFitter, *, horizon: float = 365,
              step: float = 30, discount_rate: float = 0.1, periods_per_year: float = 365, margin=None) -> pd.DataFrame:
    """Per customer: probability alive, expected purchases and spend, and predicted CLV.

    Parameters
    ----------
    summary : DataFrame
        A :func:`playbook.summarize` table (``frequency``, ``recency``, ``T``, ``monetary_value``).
    bgf, ggf : fitted BetaGeoFitter and GammaGammaFitter
    horizon, step, discount_rate, periods_per_year
        As in :meth:`GammaGammaFitter.customer_lifetime_value`.
    margin : float, optional
        Share of spend that is profit. None: the table's overall ``margin / revenue`` when it
        has both columns, else 1 (revenue).

    Returns
    -------
    DataFrame indexed like ``summary`` with ``p_alive``, ``expected_purchases`` (in the
    horizon), ``expected_spend`` (per purchase) and ``clv``, highest CLV first.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> ggf = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    >>> list(clv_table(s, bgf, ggf).columns)
    ['p_alive', 'expected_purchases', 'expected_spend', 'clv']
    """
    if not isinstance(summary, pd.DataFrame):
        raise InvalidArgumentError(f"clv_table needs a summarize() DataFrame. Got {type(summary).__name__}.")
    for col in ("frequency", "recency", "T", "monetary_value"):
        check_column(summary, col, "summary", "clv_table", table="summary")
    if margin is None:
        margin = 1.0
        if {"margin", "revenue"} <= set(summary.columns) and summary["revenue"].sum() > 0:
            margin = float(summary["margin"].sum() / summary["revenue"].sum())
    f, r, t, m = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    out = pd.DataFrame({
        "p_alive": bgf.probability_alive(f, r, t),
        "expected_purchases": bgf.expected_purchases(horizon, f, r, t),
        "expected_spend": ggf.conditional_expected_average_profit(f, m),
        "clv": ggf.customer_lifetime_value(bgf, f, r, t, m, horizon=horizon, step=step, discount_rate=discount_rate,
                                           periods_per_year=periods_per_year, margin=margin),
    }, index=summary.index)
    out.attrs.update({"horizon": horizon, "discount_rate": discount_rate, "margin": margin})
    return out.sort_values("clv", ascending=False, kind="stable")


# ---------------------------------------------------------------- expected margin (the action list's CLV)

#: Share of revenue taken as gross margin when the orders have no margin column (an assumption:
#: a typical retail gross margin; give your own with ``margin_rate=`` / ``--margin-rate``).
DEFAULT_MARGIN_RATE = 0.30
#: Fewest repeat buyers for which :func:`expected_margin` trusts a BG/NBD + Gamma-Gamma fit.
MIN_REPEAT_BUYERS = 30
#: Most customers the population models are fitted on (a fixed random sample beyond that: the four
#: BG/NBD and three Gamma-Gamma parameters are population figures, so a sample pins them as well).
MAX_FIT_CUSTOMERS = 100_000


def check_margin_rate(margin_rate, func: str, option: str = "margin_rate") -> float | None:
    """``margin_rate`` as a float in [0, 1] (None stays None); otherwise an InvalidArgumentError naming ``option``."""
    if margin_rate is None:
        return None
    if isinstance(margin_rate, bool) or not isinstance(margin_rate, (int, float, np.integer, np.floating)):
        raise InvalidArgumentError(f"The {option!r} parameter of {func} must be a number between 0 and 1 "
                                   f"(e.g. 0.3 for a 30% gross margin). Got {margin_rate!r}.")
    rate = float(margin_rate)
    if not np.isfinite(rate) or rate < 0 or rate > 1:
        raise InvalidArgumentError(f"The {option!r} parameter of {func} must be a number between 0 and 1 "
                                   f"(e.g. 0.3 for a 30% gross margin). Got {margin_rate!r}.")
    return rate


def _model_clv(s: pd.DataFrame, horizon_days: float, discount_rate: float,
               chunks: list[tuple[int, int]] | None = None) -> tuple[np.ndarray | None, str | None]:
    """Expected discounted revenue per customer from BG/NBD + Gamma-Gamma, or (None, why not).

    The models are fitted once; the values are predicted for the rows ``chunks`` (``(start, stop)`` spans that cover
    ``s``, default one) one span at a time, so the prediction's temporaries are a span's, not the base's (each
    customer's value reads that customer's row alone: the same figures for any spans)."""
    x = s["frequency"].to_numpy(dtype=float)
    n_rep = int((x > 0).sum())
    if n_rep < MIN_REPEAT_BUYERS:
        return None, f"only {n_rep} repeat buyers (at least {MIN_REPEAT_BUYERS} are needed to fit BG/NBD + Gamma-Gamma)"
    fit = s
    if len(s) > MAX_FIT_CUSTOMERS:
        fit = s.iloc[np.sort(np.random.default_rng(0).choice(len(s), MAX_FIT_CUSTOMERS, replace=False))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitWarning)
        try:
            bgf = BetaGeoFitter().fit(fit["frequency"], fit["recency"], fit["T"])
            ggf = GammaGammaFitter().fit(fit["frequency"], fit["monetary_value"])
            ggf.population_mean_spend()  # raises when q <= 1 (infinite mean spend)
        except (DataValidationError, InvalidArgumentError) as exc:
            return None, f"the fit could not run: {str(exc).splitlines()[0]}"
    trouble = [str(w.message) for w in caught if issubclass(w.category, FitWarning) and "dropped" not in str(w.message)]
    if trouble:
        return None, f"the fit is not trustworthy: {trouble[0].split(';')[0]}"
    value = np.empty(len(s))
    for start, stop in chunks or [(0, len(s))]:
        part = s.iloc[start:stop]
        with np.errstate(all="ignore"):  # a hypergeometric term can fail for some parameters: caught just below
            value[start:stop] = np.asarray(ggf.customer_lifetime_value(
                bgf, part["frequency"], part["recency"], part["T"], part["monetary_value"], horizon=horizon_days,
                discount_rate=discount_rate), dtype=float)
    if not np.isfinite(value).all():
        return None, f"the fitted model gave no finite value for {int((~np.isfinite(value)).sum())} customer(s)"
    return value, None


def expected_margin(orders, as_of=None, *, margin_rate=None, horizon_days: float = 365, discount_rate: float = 0.10,
                    method: str = "auto") -> pd.Series:
    """Each customer's expected gross margin over the next ``horizon_days``, discounted: the CLV
    of :func:`playbook.strategy.action_list`.

    - **Model** (``method="bgnbd"``): BG/NBD expected purchases in 30-day steps times the
      Gamma-Gamma expected spend per purchase (fitted on at most :data:`MAX_FIT_CUSTOMERS`
      customers), discounted at the annual ``discount_rate`` to the end of each step
      (:meth:`GammaGammaFitter.customer_lifetime_value`), times the customer's margin share.
    - **Fallback** (``method="historical"``): the customer's margin in the last 365 days,
      scaled to the horizon and discounted to its middle. Taken when the model cannot be
      fitted or is not trustworthy: fewer than :data:`MIN_REPEAT_BUYERS` repeat buyers, a fit
      error, or a :class:`FitWarning` (no convergence, a parameter at its bound; dropped
      refund customers alone do not count).

    Margin share: with a ``margin`` column, each customer's own margin / revenue (the
    overall share for customers without positive revenue), clipped at 0, and ``margin_rate``
    is ignored; without it, ``margin_rate`` (default :data:`DEFAULT_MARGIN_RATE`). A
    missing margin column never makes the CLV 0.

    Parameters
    ----------
    orders : CustomerBase or DataFrame
        Orders with ``customer_id``, ``order_date``, ``amount`` and optionally ``margin``.
    as_of : date-like, optional
        Review date; only orders up to it are used. Defaults to the base's date.
    margin_rate : float in [0, 1], optional
        Margin share of revenue when there is no margin column.
    horizon_days : float
        Horizon, in days (default a year).
    discount_rate : float
        Annual discount rate (default 10%).
    method : {"auto", "bgnbd", "historical"}
        "auto" tries the model and falls back; "historical" skips the model; "bgnbd" raises
        a DataValidationError when the model cannot be used.

    Returns
    -------
    Series ``clv`` indexed by ``customer_id``; ``attrs["clv"]`` says how it was computed:
    ``method`` ("bgnbd_gamma_gamma" or "historical_margin"), ``fallback_reason`` (None when
    the model was used), ``margin_source`` ("margin column" or "margin rate"),
    ``margin_rate`` (the rate used, or None with a margin column), ``margin_rate_ignored``,
    ``horizon_days``, ``discount``, ``repeat_buyers``.

    Examples
    --------
    >>> import playbook
    >>> orders = playbook.load_dataset("retail").orders.drop(columns="margin")
    >>> clv = expected_margin(orders, orders["order_date"].max(), margin_rate=0.25)
    >>> clv.attrs["clv"]["method"], clv.attrs["clv"]["margin_source"], bool((clv > 0).any())
    ('bgnbd_gamma_gamma', 'margin rate', True)
    """
    func = "expected_margin"
    rate = check_margin_rate(margin_rate, func)
    if method not in ("auto", "bgnbd", "historical"):
        raise InvalidArgumentError(f"The 'method' parameter of {func} must be 'auto', 'bgnbd' or 'historical'. Got {method!r}.")
    for name, value in (("horizon_days", horizon_days), ("discount_rate", discount_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) \
                or value < 0 or (name == "horizon_days" and value == 0):
            raise InvalidArgumentError(f"The {name!r} parameter of {func} must be a number "
                                       f"{'> 0' if name == 'horizon_days' else '>= 0'}. Got {value!r}.")
    base = orders if isinstance(orders, CustomerBase) else None
    table = base.orders if base is not None else orders
    if as_of is None and base is not None:
        as_of = base.as_of
    s = summarize(table, as_of)

    def last_year_of(col: str) -> np.ndarray:
        end = end_of_day(to_timestamp(as_of))
        recent = table.loc[(table["order_date"] > end - pd.Timedelta(days=365)) & (table["order_date"] <= end)]
        return recent.groupby("customer_id")[col].sum().reindex(s.index, fill_value=0.0).to_numpy(dtype=float)

    return clv_from_summary(s, last_year_of, rate=rate, horizon_days=horizon_days, discount_rate=discount_rate,
                             method=method, func=func)


def clv_from_summary(s: pd.DataFrame, last_year_of, *, rate, horizon_days, discount_rate, method: str, func: str,
                     chunks: list[tuple[int, int]] | None = None) -> pd.Series:
    """:func:`expected_margin` from the per-customer summary ``s`` (:func:`playbook.summarize`) and
    ``last_year_of(col)``, each customer's sum of ``col`` ("margin" or "amount") in the last 365 days:
    :func:`clv_fit` on ``s`` and :func:`clv_of_rows` of all its rows. ``chunks``: the model's values predicted span
    by span (:func:`_model_clv`); the same figures."""
    fit = clv_fit(s, horizon_days=horizon_days, discount_rate=discount_rate, method=method, func=func, chunks=chunks)
    return clv_of_rows(fit, s, last_year_of, rate=rate)


@dataclass(frozen=True, eq=False)
class ClvFit:
    """What :func:`clv_fit` reads from every customer: the model's values (or why there are none) and the margin
    share of the customers without positive revenue; :func:`clv_of_rows` turns any rows of it into CLVs."""

    values: np.ndarray | None  # the model's expected discounted revenue per customer; None: the historical fallback
    why: str | None  # why the model is not used (None when it is)
    has_margin: bool
    overall: float  # margin / revenue over the customers with positive revenue (0.0 without a margin column)
    n: int
    repeat_buyers: int
    horizon_days: float
    discount_rate: float


def clv_fit(s: pd.DataFrame, *, horizon_days, discount_rate, method: str, func: str,
            chunks: list[tuple[int, int]] | None = None) -> ClvFit:
    """The part of :func:`clv_from_summary` that reads every customer of the summary ``s`` (``frequency``,
    ``recency``, ``T``, ``monetary_value``, ``revenue``, and ``margin`` if the orders have one): the BG/NBD +
    Gamma-Gamma fit and its values for all (predicted span by span over ``chunks``; a single value that is not
    finite sends everyone to the fallback), or why not; the overall margin share. ``method="bgnbd"`` raises when
    the model cannot be used."""
    has_margin = "margin" in s.columns
    overall = 0.0
    if has_margin:
        revenue = s["revenue"].to_numpy(dtype=float)
        total = revenue[revenue > 0].sum()
        overall = s["margin"].to_numpy(dtype=float)[revenue > 0].sum() / total if total > 0 else 0.0
    value, why = (None, "method='historical' was asked for") if method == "historical" else \
        _model_clv(s, float(horizon_days), float(discount_rate), chunks)
    if value is None and method == "bgnbd":
        raise DataValidationError(f"{func}: the BG/NBD + Gamma-Gamma model cannot be used: {why}.")
    return ClvFit(values=value, why=why, has_margin=has_margin, overall=overall, n=len(s),
                  repeat_buyers=int((s["frequency"] > 0).sum()), horizon_days=float(horizon_days),
                  discount_rate=float(discount_rate))


def clv_of_rows(fit: ClvFit, s: pd.DataFrame, last_year_of, *, rate, start: int = 0) -> pd.Series:
    """The CLV of the rows ``start, start + 1, ...`` of the summary :func:`clv_fit` read, from ``s`` (those rows:
    ``revenue``, and ``margin`` if any) and ``last_year_of(col)`` (their sums of ``col`` in the last 365 days, read
    only by the fallback): each customer's figure reads that customer's row and the fit alone, so any split of the
    rows gives the same figures. ``attrs["clv"]`` says how they were computed (the same for every split)."""
    horizon_days, discount_rate = fit.horizon_days, fit.discount_rate
    if fit.has_margin:
        revenue = s["revenue"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(revenue > 0, s["margin"].to_numpy(dtype=float) / np.where(revenue > 0, revenue, 1.0),
                             fit.overall)
        share = np.clip(share, 0.0, None)
    else:
        share = np.full(len(s), DEFAULT_MARGIN_RATE if rate is None else rate)
    info = {"method": "bgnbd_gamma_gamma", "fallback_reason": None,
            "margin_source": "margin column" if fit.has_margin else "margin rate",
            "margin_rate": None if fit.has_margin else float(DEFAULT_MARGIN_RATE if rate is None else rate) if fit.n
            else rate,
            "margin_rate_ignored": bool(fit.has_margin and rate is not None),
            "horizon_days": horizon_days, "discount": discount_rate, "repeat_buyers": fit.repeat_buyers}
    if fit.values is None:
        last_year = last_year_of("margin" if fit.has_margin else "amount")
        if not fit.has_margin:
            last_year = last_year * share
        years = horizon_days / 365.0
        value = np.clip(last_year, 0.0, None) * years * (1 + discount_rate) ** (-years / 2)
        info.update(method="historical_margin", fallback_reason=fit.why)
    else:
        value = fit.values[start:start + len(s)] * share
    out = pd.Series(value, index=s.index, name="clv")
    out.attrs["clv"] = info
    return out


# ---------------------------------------------------------------- calibration and holdout


def calibration_holdout(orders, calibration_end, observation_end, *, freq: str = "D", customer_col: str = "customer_id",
                        date_col: str = "order_date", amount_col: str = "amount") -> pd.DataFrame:
    """Split orders at ``calibration_end``: a summary to fit on, and what each customer did next.

    Only customers whose first order falls in the calibration period are kept (the models
    say nothing about customers not yet acquired). Orders after ``observation_end`` are ignored.

    Parameters
    ----------
    orders : DataFrame or CustomerBase
        Orders with a customer, a date-time and an amount.
    calibration_end, observation_end : date-like
        End of the calibration and of the holdout period (``observation_end`` later).
    freq : {"D", "W", "M"}
        Length of a period, as in :func:`playbook.summarize`.

    Returns
    -------
    DataFrame indexed by customer with ``frequency_cal``, ``recency_cal``, ``T_cal``,
    ``monetary_value_cal`` (the calibration summary), ``frequency_holdout`` (purchase periods
    in the holdout; all are repeat purchases), ``monetary_value_holdout`` (mean spend per
    holdout purchase period, 0 without), ``revenue_holdout``, ``duration_holdout``
    (holdout length in periods) and ``frequency_last_period``: repeat purchase periods in the
    last ``duration_holdout`` periods of calibration, the naive "same as last period" forecast.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> ch = calibration_holdout(base.orders, "2024-12-31", "2025-12-31")
    >>> int(ch["duration_holdout"].iloc[0])
    365
    """
    if isinstance(orders, CustomerBase):
        orders = orders.orders
    func = "calibration_holdout"
    validate_orders(orders, func, customer_col=customer_col, date_col=date_col, required=(amount_col,))
    cal_ts, obs_ts = to_timestamp(calibration_end, "calibration_end"), to_timestamp(observation_end, "observation_end")
    if obs_ts <= cal_ts:
        raise InvalidArgumentError(
            f"{func}: observation_end ({obs_ts.date()}) must be after calibration_end ({cal_ts.date()}); the holdout would be empty."
        )
    cal = summarize(orders, cal_ts, freq=freq, customer_col=customer_col, date_col=date_col, amount_col=amount_col, margin_col=None)
    cal_p = kernels.periods(pd.Series([cal_ts]), freq)[0]
    duration = int(kernels.periods(pd.Series([obs_ts]), freq)[0] - cal_p)
    ids = orders[customer_col].astype(str).to_numpy()
    periods = kernels.periods(orders[date_col], freq)
    frame = pd.DataFrame({"c": ids, "p": periods, "a": orders[amount_col].to_numpy(dtype=float)})
    frame = frame[frame["c"].isin(pd.Index(cal.index.astype(str)))]
    by_period = frame.groupby(["c", "p"], sort=False)["a"].sum().reset_index()
    hold = by_period[(by_period["p"] > cal_p) & (by_period["p"] <= cal_p + duration)]
    per_hold = hold.groupby("c").agg(frequency_holdout=("a", "size"), revenue_holdout=("a", "sum"))
    first_p = by_period.groupby("c")["p"].transform("min")
    last = by_period[(by_period["p"] > cal_p - duration) & (by_period["p"] <= cal_p) & (by_period["p"] > first_p)]
    per_last = last.groupby("c").size().rename("frequency_last_period")
    key = cal.index.astype(str)
    out = pd.DataFrame({
        "frequency_cal": cal["frequency"].to_numpy(),
        "recency_cal": cal["recency"].to_numpy(),
        "T_cal": cal["T"].to_numpy(),
        "monetary_value_cal": cal["monetary_value"].to_numpy(),
    }, index=cal.index)
    freq_h = per_hold["frequency_holdout"].reindex(key).fillna(0).to_numpy(dtype=np.int64)
    rev_h = per_hold["revenue_holdout"].reindex(key).fillna(0.0).to_numpy()
    out["frequency_holdout"] = freq_h
    with np.errstate(invalid="ignore", divide="ignore"):
        out["monetary_value_holdout"] = np.where(freq_h > 0, rev_h / np.maximum(freq_h, 1), 0.0)
    out["revenue_holdout"] = rev_h
    out["duration_holdout"] = duration
    out["frequency_last_period"] = per_last.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    return out


def _require_holdout(data, func: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs the DataFrame from calibration_holdout. Got {type(data).__name__}.")
    for col in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout", "frequency_last_period"):
        check_column(data, col, "data", func, table="data (use calibration_holdout)")
    if data.empty:
        raise DataValidationError(f"{func} got no customers.")


def _holdout_predictions(fitter: BetaGeoFitter, data: pd.DataFrame) -> np.ndarray:
    return np.asarray(fitter.expected_purchases(data["duration_holdout"].to_numpy(dtype=float), data["frequency_cal"],
                                                data["recency_cal"], data["T_cal"]))


def holdout_comparison(fitter: BetaGeoFitter, data: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Mean predicted, actual and naive repeat purchases in the holdout, by calibration frequency.

    Parameters
    ----------
    fitter : BetaGeoFitter
        Fitted on the calibration columns of ``data``.
    data : DataFrame
        From :func:`calibration_holdout`.
    max_frequency : int
        Customers with at least this many calibration repeat purchases share the last group.

    Returns
    -------
    DataFrame indexed by ``frequency_cal`` (0 ... ``max_frequency``, the last meaning "or
    more") with ``n_customers``, ``actual``, ``predicted`` and ``naive`` (per-customer means).

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> ch = calibration_holdout(base.orders, "2024-12-31", "2025-12-31")
    >>> bgf = BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    >>> list(holdout_comparison(bgf, ch).columns)
    ['n_customers', 'actual', 'predicted', 'naive']
    """
    func = "holdout_comparison"
    _require_holdout(data, func)
    if int(max_frequency) < 1:
        raise InvalidArgumentError(f"The 'max_frequency' parameter of {func} must be at least 1. Got {max_frequency!r}.")
    group = np.minimum(data["frequency_cal"].to_numpy(dtype=np.int64), int(max_frequency))
    frame = pd.DataFrame({"frequency_cal": group, "actual": data["frequency_holdout"].to_numpy(dtype=float),
                          "predicted": _holdout_predictions(fitter, data),
                          "naive": data["frequency_last_period"].to_numpy(dtype=float)})
    out = frame.groupby("frequency_cal").agg(n_customers=("actual", "size"), actual=("actual", "mean"),
                                             predicted=("predicted", "mean"), naive=("naive", "mean"))
    out.attrs["max_frequency"] = int(max_frequency)
    return out


def holdout_scores(fitter: BetaGeoFitter, data: pd.DataFrame) -> pd.Series:
    """How well the model forecast the holdout, beside the naive "same as last period" forecast.

    Returns
    -------
    Series with ``mae_model`` and ``mae_naive`` (mean absolute error per customer, in
    purchases), ``actual_total``, ``predicted_total`` and ``naive_total``.

    On ``process="bgnbd"`` (BG/NBD's own world) the model beats the naive forecast; on the
    realistic default it does not (tests/test_value.py measures both over five seeds).

    Examples
    --------
    >>> from playbook.synth import generate
    >>> base = generate("retail", n_customers=2000, seed=0, process="bgnbd")
    >>> ch = calibration_holdout(base.orders, "2024-12-31", "2025-12-31")
    >>> bgf = BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    >>> s = holdout_scores(bgf, ch)
    >>> bool(s["mae_model"] < s["mae_naive"])
    True
    """
    _require_holdout(data, "holdout_scores")
    actual = data["frequency_holdout"].to_numpy(dtype=float)
    predicted = _holdout_predictions(fitter, data)
    naive = data["frequency_last_period"].to_numpy(dtype=float)
    return pd.Series({"mae_model": float(np.abs(predicted - actual).mean()), "mae_naive": float(np.abs(naive - actual).mean()),
                      "actual_total": float(actual.sum()), "predicted_total": float(predicted.sum()),
                      "naive_total": float(naive.sum())}, name="holdout")


# ---------------------------------------------------------------- diagnostic matrices


def _grid(fitter: BetaGeoFitter, T, max_frequency, n_recency: int, func: str):
    _not_fit(fitter)
    big_t = float(fitter.fit_info_["max_T"] if T is None else T)
    max_f = int(min(fitter.fit_info_["max_frequency"], 30) if max_frequency is None else max_frequency)
    if big_t <= 0 or max_f < 1 or int(n_recency) < 2:
        raise InvalidArgumentError(f"{func} needs T > 0, max_frequency >= 1 and n_recency >= 2. Got {T!r}, {max_frequency!r}, {n_recency!r}.")
    freqs = np.arange(max_f + 1)
    recs = np.unique(np.round(np.linspace(0, big_t, int(n_recency))))
    f, r = np.meshgrid(freqs, recs, indexing="ij")
    possible = ((f == 0) & (r == 0)) | ((f > 0) & (r >= f))
    return freqs, recs, f, r, possible, big_t


def frequency_recency_matrix(fitter: BetaGeoFitter, *, t: float = 365, T=None, max_frequency=None,
                             n_recency: int = 20) -> pd.DataFrame:
    """Expected purchases in the next ``t`` periods for a customer of age ``T`` with a given
    frequency and recency: the classic BG/NBD diagnostic grid.

    Parameters
    ----------
    fitter : BetaGeoFitter
    t : float
        Forecast horizon in periods.
    T : float, optional
        Customer age; default the oldest customer seen in the fit.
    max_frequency : int, optional
        Largest frequency shown (default: the largest seen, at most 30).
    n_recency : int
        Number of recency values from 0 to ``T``.

    Returns
    -------
    DataFrame indexed by ``frequency`` with one column per ``recency``; impossible cells
    (recency 0 with repeats, or fewer days than purchases) are NaN. ``attrs`` hold ``t`` and ``T``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> m = frequency_recency_matrix(bgf, max_frequency=10)
    >>> m.shape
    (11, 20)
    """
    freqs, recs, f, r, possible, big_t = _grid(fitter, T, max_frequency, n_recency, "frequency_recency_matrix")
    values = np.asarray(fitter.expected_purchases(t, f[possible], r[possible], np.full(possible.sum(), big_t)))
    grid = np.full(f.shape, np.nan)
    grid[possible] = values
    out = pd.DataFrame(grid, index=pd.Index(freqs, name="frequency"), columns=pd.Index(recs.astype(np.int64), name="recency"))
    out.attrs.update({"t": t, "T": big_t, "value": "expected_purchases"})
    return out


def probability_alive_matrix(fitter: BetaGeoFitter, *, T=None, max_frequency=None, n_recency: int = 20) -> pd.DataFrame:
    """Probability alive for a customer of age ``T`` with a given frequency and recency.

    Same grid and parameters as :func:`frequency_recency_matrix`.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> s = playbook.summarize(base.orders, base.as_of)
    >>> bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> m = probability_alive_matrix(bgf, max_frequency=10)
    >>> bool(m.loc[10].iloc[-1] > m.loc[10].iloc[1])
    True
    """
    freqs, recs, f, r, possible, big_t = _grid(fitter, T, max_frequency, n_recency, "probability_alive_matrix")
    values = np.asarray(fitter.probability_alive(f[possible], r[possible], np.full(possible.sum(), big_t)))
    grid = np.full(f.shape, np.nan)
    grid[possible] = values
    out = pd.DataFrame(grid, index=pd.Index(freqs, name="frequency"), columns=pd.Index(recs.astype(np.int64), name="recency"))
    out.attrs.update({"T": big_t, "value": "p_alive"})
    return out
