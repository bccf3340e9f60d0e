"""Exercises of notebook 01, why retention pays (dataset: retail)."""
from __future__ import annotations

from ..economics import (acquisition_vs_retention, customer_growth, customer_lifetime_value, empirical_retention,
                         retention_by_period)
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
    "Keep the retail margin per year and the 10% discount rate of 01.2, and say that winning a new customer costs "
    "three quarters of the CLV of 01.2 (so a new customer leaves a thin surplus). If the yearly retention rate rose by "
    "5 points above the shop's estimate, by what factor would the value of a new customer after its acquisition cost "
    "(CLV minus that cost) be multiplied?",
    "compute the cost once, a = 0.75 x CLV at today's rate; then (CLV at r + 0.05 - a) / (CLV at r - a) "
    "(or `retention_sensitivity(..., acquisition_cost=a)` and read `net_value_ratio` on the `is_improved` row).",
    mistakes=[
        (lambda base: _clv_at(base, 0.05) / _clv_at(base, 0.0),
         "that is the ratio of CLVs before the acquisition cost; subtract the cost from both first."),
        (lambda base: _plus_five_points(base) - 1,
         "that is the growth (factor minus 1); the question asks for the factor."),
    ],
    hints=('compare the value left after paying to win the customer, before and after the rise.',
           'fix the cost to win at 0.75 x today\'s CLV; compute CLV minus that cost at today\'s rate and at five points '
           'more, then divide.'),
)
def _plus_five_points(base):
    cost = 0.75 * _clv_at(base, 0.0)
    return float((_clv_at(base, 0.05) - cost) / (_clv_at(base, 0.0) - cost))


def _clv_at(base, points: float) -> float:
    est = _yearly(base)
    return float(customer_lifetime_value(est["margin_per_period"], est["retention_rate"] + points, 0.10))


def _growth(base):
    return customer_growth(base, freq="Y")


def _last_two(base):
    t = _growth(base)
    return t.iloc[-2], t.iloc[-1]


@exercise(
    "01.4",
    "Split the retail shop's change of revenue from its second-last to its last complete year into the part that came "
    "from having more customers and the part from customers being worth more. How much came from the **number** of "
    "customers (the number effect)? Give it in money, to the nearest unit.",
    "`customer_growth(base)` and read `number_effect` on the last row; by hand it is the change in active customers "
    "times the average of the two years' revenue per customer.",
    decimals=0,
    mistakes=[
        (lambda base: float(_growth(base)["revenue_change"].iloc[-1]),
         "that is the whole change of revenue; keep only the part due to the number of customers."),
        (lambda base: float(_growth(base)["quality_effect"].iloc[-1]),
         "that is the part due to revenue per customer (quality); the question asks about the number of customers."),
        (lambda base: float((_last_two(base)[1]["active_customers"] - _last_two(base)[0]["active_customers"])
                            * _last_two(base)[0]["revenue_per_customer"]),
         "close in spirit, but valuing the extra customers at the earlier year's revenue per customer leaves part of "
         "the change unexplained: use the average of the two years' revenue per customer."),
    ],
    hints=("revenue = number of active customers x revenue per customer; which factor changed, and by how much?",
           "take the change in active customers and value it at a revenue per customer between the two years'.",
           "`customer_growth(base)['number_effect'].iloc[-1]`."),
)
def _number_effect(base):
    return float(_growth(base)["number_effect"].iloc[-1])


@exercise(
    "01.5",
    "Quality, not just number: in the retail shop's last complete year, what share of its active customers were "
    "returning customers, who had already bought in an earlier year? Give a fraction between 0 and 1.",
    "`customer_growth(base)` and read `repeat_share` on the last row: active customers whose first order was in an "
    "earlier year, over all active customers of the year.",
    mistakes=[
        (lambda base: 1 - float(_growth(base)["repeat_share"].iloc[-1]),
         "that is the share of new customers; the question asks for those who came back."),
        (lambda base: float(_growth(base)["key_share"].iloc[-1]),
         "that is the share of key customers (a spend bar); the question asks who had bought before."),
        (lambda base: float(_growth(base)["repeat_share"].iloc[-2]),
         "that is the year before; use the last complete year."),
    ],
    hints=("a returning customer is one you did not have to win again this year.",
           "among the customers active in the last year, count those whose first order came in an earlier year.",
           "`customer_growth(base)['repeat_share'].iloc[-1]`."),
)
def _repeat_share(base):
    return float(_growth(base)["repeat_share"].iloc[-1])


def _bigger_part(base) -> str:
    t = _growth(base)
    return "number" if t["number_effect"].sum() >= t["quality_effect"].sum() else "quality"


@exercise(
    "01.6",
    "Predict, before you run the growth cell: over the retail shop's complete years, did revenue grow more because it "
    "had more customers ('number') or because each was worth more ('quality')?",
    "commit to a guess, then run `customer_growth(base)` and compare the sums of `number_effect` and `quality_effect`.",
    kind="predict",
    choices=("number", "quality"),
    reason=lambda base: ("Summed over the years: number effect {:,.0f}, quality effect {:,.0f}."
                         .format(_growth(base)["number_effect"].sum(), _growth(base)["quality_effect"].sum())),
)
def _growth_source(base):
    return _bigger_part(base)


# A1, the "winning costs 2-6 times keeping" claim as a decision: a case where keeping costs more than winning.
_BUDGET, _WIN, _KEEP = 1200.0, 30.0, 120.0


def _split(base):
    est = _yearly(base)
    t = acquisition_vs_retention(_BUDGET, acquisition_cost=_WIN, retention_cost=_KEEP,
                                 margin_per_period=est["margin_per_period"], retention_rate=est["retention_rate"],
                                 discount_rate=0.10, customers_at_risk=_BUDGET / _KEEP, steps=2)
    return t.set_index("share_to_retention")


def _where_the_money_goes(base) -> str:
    t = _split(base)
    return "retain" if t.loc[1.0, "profit"] > t.loc[0.0, "profit"] else "acquire"


def _split_reason(base) -> str:
    t, r = _split(base), float(_yearly(base)["retention_rate"])
    return (f"All on winning: {t.loc[0.0, 'new_customers']:.0f} new customers, worth {t.loc[0.0, 'value_created']:,.0f}; "
            f"all on keeping: {t.loc[1.0, 'customers_kept']:.0f} kept, worth {t.loc[1.0, 'value_created']:,.0f}. "
            f"The kit's rule: keeping wins only when the cost ratio, {_WIN:.0f} / {_KEEP:.0f} = {_WIN / _KEEP:.2f}, "
            f"is above the retention rate, {r:.2f}.")


@exercise(
    "01.7",
    f"Decide: an agency offers to keep the retail shop's at-risk customers at {_KEEP:.0f} each (calls, visits and a "
    f"gift), while online ads win a new customer for {_WIN:.0f}. With the shop's margin and retention rate of 01.2 and "
    f"a 10% discount rate, should the next {_BUDGET:,.0f} go to 'retain' or to 'acquire'?",
    f"`acquisition_vs_retention({_BUDGET:.0f}, acquisition_cost={_WIN:.0f}, retention_cost={_KEEP:.0f}, ..., steps=2)` "
    "and compare the profit of the two rows; or compare the cost ratio (winning / keeping) with the retention rate.",
    kind="decide",
    choices=("retain", "acquire"),
    hints=("the rule of thumb says keeping is cheaper; here it is not. What is each choice worth, per unit of money?",
           "a kept customer is worth m / (1 + d - r), a new one only m x r / (1 + d - r) (they may leave first): "
           "count how many of each the money buys and multiply."),
    mistakes=[
        (lambda base: "retain" if _where_the_money_goes(base) == "acquire" else "acquire",
         "the rule of thumb assumes keeping is the cheap side; here keeping one customer costs four times winning "
         "one. The kit's rule compares the cost ratio (winning / keeping) with the retention rate: which is bigger?"),
    ],
    reason=_split_reason,
)
def _retain_or_acquire(base):
    return _where_the_money_goes(base)


@exercise(
    "01.8",
    "The expand dimension (拓展客户) in one figure: by what fraction did the retail shop's revenue per active customer "
    "grow from its second-last to its last complete year? Give a fraction (0.05 for 5%), to three decimals.",
    "`customer_growth(base)['revenue_per_customer']`: the last value over the one before, minus 1.",
    decimals=3,
    mistakes=[
        (lambda base: float(_last_two(base)[1]["revenue_per_customer"] - _last_two(base)[0]["revenue_per_customer"]),
         "that is the change in money; the question asks for the growth as a fraction of the earlier year's value."),
        (lambda base: float(_last_two(base)[1]["revenue_per_customer"] / _last_two(base)[0]["revenue_per_customer"]),
         "that is the factor; subtract 1 to get the growth."),
        (lambda base: float(_last_two(base)[1]["revenue"] / _last_two(base)[0]["revenue"] - 1),
         "that is the growth of all revenue, number and quality together; divide by the active customers first."),
    ],
    hints=("expanding is about what each kept customer is worth, not how many there are.",
           "take revenue per active customer in the two last complete years and compute the relative change."),
)
def _expand_growth(base):
    before, last = _last_two(base)
    return float(last["revenue_per_customer"] / before["revenue_per_customer"] - 1)


@exercise(
    "01.9",
    "Explain: for the retail shop, write one sentence per CRM dimension (select, acquire, retain, expand) saying what "
    "the shop should do next year, each backed by one figure from this notebook.",
    "four sentences, one per dimension, each with a figure from above and an action someone can take.",
    kind="explain",
    min_words=40,
)
def _four_dimensions(base):
    return None
