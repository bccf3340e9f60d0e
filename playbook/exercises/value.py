"""Exercises of notebook 11, customer lifetime value (dataset: retail)."""
from __future__ import annotations

import pandas as pd

from ..data import summarize
from ..segment import assign_tiers
from ..value import BetaGeoFitter, GammaGammaFitter, simple_clv
from .core import exercise


def _summary(base):
    return summarize(base.orders, base.as_of)


def _buyers(base, year: int) -> pd.Index:
    orders = base.orders
    return pd.Index(orders.loc[orders["order_date"].dt.year == year, "customer_id"].astype(str).unique())


def _margin_2025(base) -> float:
    orders = base.orders[base.orders["order_date"].dt.year == 2025]
    return float(orders.groupby(orders["customer_id"].astype(str))["margin"].sum().mean())


def _revenue_2025(base) -> float:
    orders = base.orders[base.orders["order_date"].dt.year == 2025]
    return float(orders.groupby(orders["customer_id"].astype(str))["amount"].sum().mean())


def _retention(base) -> float:
    b24, b25 = _buyers(base, 2024), _buyers(base, 2025)
    return float(b24.isin(b25).mean())


@exercise(
    "11.1",
    "Simple CLV: take as the yearly margin the mean 2025 margin of the customers who bought in 2025, as the "
    "retention rate the share of 2024 buyers who bought again in 2025, and a 10% discount rate. "
    "What is `simple_clv(margin, retention, 0.10)`?",
    "margin: sum `margin` per customer over the 2025 orders and average; retention: among customers with a 2024 "
    "order, the share with a 2025 order; then `simple_clv(margin, retention, 0.10)`.",
    mistakes=[
        (lambda base: simple_clv(_margin_2025(base), _retention(base), 0.0),
         "that ignores the discount rate: money next year is worth less than money today; use 0.10."),
        (lambda base: simple_clv(_revenue_2025(base), _retention(base), 0.10),
         "that uses revenue (`amount`); CLV here counts the margin each customer leaves behind."),
        (lambda base: simple_clv(_margin_2025(base), float(_buyers(base, 2025).isin(_buyers(base, 2024)).mean()), 0.10),
         "the retention rate is the other way round: start from the 2024 buyers and ask who came back in 2025."),
    ],
    hints=('two estimates first: a yearly margin and a yearly retention rate, both from the years the question names.',
           'margin: mean 2025 margin per 2025 buyer; retention: share of 2024 buyers who bought in 2025; then the simple CLV formula.'),
)
def _simple(base):
    return simple_clv(_margin_2025(base), _retention(base), 0.10)


def _bgf(base):
    s = _summary(base)
    return s, BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])


@exercise(
    "11.2",
    "Fit a `BetaGeoFitter` on `summarize(base.orders, base.as_of)`. How many purchases does it expect from all "
    "these customers together in the next 365 days?",
    "sum `bgf.expected_purchases(365, s['frequency'], s['recency'], s['T'])` over the customers.",
    mistakes=[
        (lambda base: len(_summary(base)) * _bgf(base)[1].expected_purchases_new(365),
         "that treats every customer as brand new; use each customer's own history with `expected_purchases`."),
        (lambda base: float(_bgf(base)[1].expected_purchases(30, *(_summary(base)[c] for c in ("frequency", "recency", "T"))).sum()),
         "the time unit is days: the next year is t=365, not 30 or 12."),
        (lambda base: float((_summary(base)["frequency"] / _summary(base)["T"].clip(lower=1) * 365).sum()),
         "that projects each customer's past rate forward and forgets that some customers have left; ask the model."),
    ],
    hints=('the model expects a number of purchases per customer; the question wants them all together.',
           'fit BG/NBD on the summary, ask for expected purchases in 365 days per customer, and add them up.'),
)
def _purchases_next_year(base):
    s, bgf = _bgf(base)
    return float(bgf.expected_purchases(365, s["frequency"], s["recency"], s["T"]).sum())


def _key_at_risk(base, *, tier_filter: bool = True, threshold: float = 0.5):
    s, bgf = _bgf(base)
    alive = bgf.probability_alive(s["frequency"], s["recency"], s["T"])
    tiers = assign_tiers(s)["tier"].reindex(s.index)
    mask = alive < threshold
    if tier_filter:
        mask &= tiers == "key"
    return int(mask.sum())


@exercise(
    "11.3",
    "Key customers the model thinks may have left: with the BG/NBD of 11.2 and the default tiers "
    "(`assign_tiers` on the same summary), how many key customers have a probability alive below 0.5?",
    "compute `probability_alive` per customer, join the `tier` from `assign_tiers(s)`, and count key customers below 0.5.",
    mistakes=[
        (lambda base: _key_at_risk(base, tier_filter=False), "that counts all customers; keep only the key tier."),
        (lambda base: _key_at_risk(base, threshold=0.5) / float((assign_tiers(_summary(base))["tier"] == "key").sum()),
         "give the number of customers, not their share of the key tier."),
    ],
    hints=('a key customer by past revenue can still be probably gone: combine the tier with the model.',
           "compute each customer's probability alive, attach the default tier, and count key customers below one half."),
)
def _key_alive(base):
    return _key_at_risk(base)


@exercise(
    "11.4",
    "Fit a `GammaGammaFitter` on the same summary. What average spend per purchase does it expect from a customer "
    "with no repeat purchase yet?",
    "with no repeats a customer gets the population mean, `p * v / (q - 1)` from `ggf.params_` "
    "(or `conditional_expected_average_profit(0, 0)`).",
    mistakes=[
        (lambda base: float(_summary(base).query("frequency > 0")["monetary_value"].mean()),
         "that is the plain mean of the repeat customers' spend; the question asks for the model's population mean."),
        (lambda base: float(base.orders["amount"].mean()), "that is the mean order amount; ask the fitted model instead."),
    ],
    hints=('with no repeat purchase the model knows nothing about this customer: what does it fall back on?',
           'the Gamma-Gamma population mean spend, from the fitted parameters.'),
)
def _population_spend(base):
    s = _summary(base)
    return float(GammaGammaFitter().fit(s["frequency"], s["monetary_value"]).population_mean_spend())
