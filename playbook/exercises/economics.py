"""Exercises of notebook 01, why retention pays (dataset: retail)."""
from __future__ import annotations

from ..economics import customer_lifetime_value, empirical_retention, retention_by_period
from .core import exercise


def _yearly(base):
    return empirical_retention(base, freq="Y")


@exercise(
    "01.1",
    "What is the retail shop's yearly retention rate: of the customers who ordered in one year, what share ordered "
    "again the next year, pooled over all years (a fraction between 0 and 1)?",
    "`empirical_retention(base, freq='Y')['retention_rate']`, or from `retention_by_period`: the sum of "
    "`retained_customers` over the sum of the previous years' `active_customers`.",
    mistakes=[
        (lambda base: empirical_retention(base, freq="Q")["retention_rate"],
         "that is the quarterly rate; the question asks from one year to the next (freq='Y')."),
        (lambda base: float(retention_by_period(base)["retention_rate"].mean()),
         "that averages the yearly rates; pool the counts instead (retained over could-have-been-retained), "
         "so that big years weigh more."),
        (lambda base: 1 - empirical_retention(base, freq="Y")["retention_rate"],
         "that is the share lost (the churn rate); the question asks for the share kept."),
    ],
    hints=('retention pairs two years: who was active in one, and which of them came back in the next?',
           'for each pair of consecutive years count the customers active in the first and those of them active in the second; pool the counts over all pairs before dividing.'),
)
def _yearly_retention(base):
    return float(_yearly(base)["retention_rate"])


@exercise(
    "01.2",
    "With the retail shop's yearly retention rate and margin per active customer per year (from `empirical_retention`), "
    "a 10% yearly discount rate and no costs, what is the simple customer lifetime value (infinite horizon)?",
    "`customer_lifetime_value(margin, retention, 0.10)`, which is margin x r / (1 + d - r).",
    mistakes=[
        (lambda base: customer_lifetime_value(_yearly(base)["margin_per_period"], _yearly(base)["retention_rate"], 0.0),
         "you left out the discount rate: use 0.10."),
        (lambda base: _yearly(base)["margin_per_period"] / (1 - _yearly(base)["retention_rate"]),
         "that is margin x expected lifetime, undiscounted and counting the first year: use m x r / (1 + d - r)."),
        (lambda base: customer_lifetime_value(_yearly(base)["margin_per_period"], _yearly(base)["retention_rate"], 0.1,
                                              periods=3),
         "that stops after 3 years; the question asks for the infinite horizon (periods=None)."),
    ],
    hints=('CLV adds up the margin of every future year, each one less likely (retention) and worth less (discounting).',
           "estimate margin and retention on retail, then use the kit's CLV function with a 10% discount rate."),
)
def _simple_clv(base):
    est = _yearly(base)
    return float(customer_lifetime_value(est["margin_per_period"], est["retention_rate"], 0.10))


@exercise(
    "01.3",
    "Keep the retail margin per year and the 10% discount rate of 01.2, and say it costs 100 to win a new customer. "
    "If the yearly retention rate rose by 5 points above the shop's estimate, by what factor would the value of a new "
    "customer after its acquisition cost (CLV minus 100) be multiplied?",
    "compute CLV - 100 at r and at r + 0.05 and divide (or `retention_sensitivity(..., acquisition_cost=100)` and read "
    "`net_value_ratio` on the `is_improved` row).",
    mistakes=[
        (lambda base: _clv_at(base, 0.05) / _clv_at(base, 0.0),
         "that is the ratio of CLVs before the acquisition cost; subtract 100 from both first."),
        (lambda base: (_clv_at(base, 0.05) - 100) / (_clv_at(base, 0.0) - 100) - 1,
         "that is the growth (factor minus 1); the question asks for the factor."),
    ],
    hints=('compare the value left after paying to win the customer, before and after the rise.',
           'net value = CLV minus the cost to win; compute it at the current rate and at five points more, then divide.'),
)
def _plus_five_points(base):
    return float((_clv_at(base, 0.05) - 100) / (_clv_at(base, 0.0) - 100))


def _clv_at(base, points: float) -> float:
    est = _yearly(base)
    return float(customer_lifetime_value(est["margin_per_period"], est["retention_rate"] + points, 0.10))
