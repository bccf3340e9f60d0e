"""Exercises of notebook 11, customer lifetime value: on the learner's own small retail base.

The notebook's cells print the shipped shop's CLV (2024 -> 2025), its expected purchases over a year and the
share of the key tier with P(alive) below one half. The exercises ask for other years, another horizon and another
threshold on ``generate('retail', n_customers=1000, seed=MY_SEED)`` (a BG/NBD fit of a second or less).
"""
from __future__ import annotations

import pandas as pd

from ..data import summarize
from ..segment import assign_tiers
from ..value import BetaGeoFitter, GammaGammaFitter, customer_lifetime_value, expected_margin
from .core import OwnBase, exercise

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 1000)


def _summary(base):
    return summarize(base.orders, base.as_of)


def _buyers(base, year: int) -> pd.Index:
    orders = base.orders
    return pd.Index(orders.loc[orders["order_date"].dt.year == year, "customer_id"].astype(str).unique())


# 11.1 looks one year earlier than the notebook's cells (2024 -> 2025).
_YEAR, _NOTEBOOK_YEAR = 2024, 2025


def _per_buyer(base, column: str, year: int = _YEAR) -> float:
    orders = base.orders[base.orders["order_date"].dt.year == year]
    return float(orders.groupby(orders["customer_id"].astype(str))[column].sum().mean())


def _retention(base, year: int = _YEAR) -> float:
    return float(_buyers(base, year - 1).isin(_buyers(base, year)).mean())


@exercise(
    "11.1",
    f"Simple CLV on your own base (`mine = generate('retail', n_customers=1000, seed=MY_SEED)`), one year earlier than "
    f"the notebook: take as the yearly margin the mean {_YEAR} margin of the customers who bought in {_YEAR}, as the "
    f"retention rate the share of {_YEAR - 1} buyers who bought again in {_YEAR}, and a 10% discount rate. "
    "What is `customer_lifetime_value(margin, retention, 0.10)`?",
    f"margin: sum `margin` per customer over the {_YEAR} orders of `mine` and average; retention: among customers with "
    f"a {_YEAR - 1} order, the share with a {_YEAR} order; then `customer_lifetime_value(margin, retention, 0.10)`.",
    mistakes=[
        (lambda base: customer_lifetime_value(_per_buyer(base, "margin", _NOTEBOOK_YEAR), _retention(base, _NOTEBOOK_YEAR), 0.10),
         f"that uses the notebook's years ({_NOTEBOOK_YEAR - 1} -> {_NOTEBOOK_YEAR}); the question looks one year "
         f"earlier ({_YEAR - 1} -> {_YEAR})."),
        (lambda base: customer_lifetime_value(_per_buyer(base, "margin"), _retention(base), 0.0),
         "that ignores the discount rate: money next year is worth less than money today; use 0.10."),
        (lambda base: customer_lifetime_value(_per_buyer(base, "amount"), _retention(base), 0.10),
         "that uses revenue (`amount`); CLV here counts the margin each customer leaves behind."),
        (lambda base: customer_lifetime_value(_per_buyer(base, "margin"), float(_buyers(base, _YEAR).isin(_buyers(base, _YEAR - 1)).mean()), 0.10),
         f"the retention rate is the other way round: start from the {_YEAR - 1} buyers and ask who came back in {_YEAR}."),
    ],
    hints=("two estimates first: a yearly margin and a yearly retention rate, both from the years the question names.",
           f"margin: mean {_YEAR} margin per {_YEAR} buyer; retention: share of {_YEAR - 1} buyers who bought in "
           f"{_YEAR}; then the simple CLV formula."),
    own=OWN,
)
def _simple(base):
    return customer_lifetime_value(_per_buyer(base, "margin"), _retention(base), 0.10)


def _bgf(base):
    s = _summary(base)
    return s, BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])


# 11.2 looks half a year ahead (the notebook's cells a year); 11.3 draws the line at 0.3 (the cells at one half).
_DAYS, _NOTEBOOK_DAYS = 180, 365
_THRESHOLD, _NOTEBOOK_THRESHOLD = 0.3, 0.5


def _expected(base, days=_DAYS) -> float:
    s, bgf = _bgf(base)
    return float(bgf.expected_purchases(days, s["frequency"], s["recency"], s["T"]).sum())


@exercise(
    "11.2",
    f"Fit a `BetaGeoFitter` on `summarize(mine.orders, mine.as_of)` (your own base). How many purchases does it "
    f"expect from all these customers together in the next {_DAYS} days?",
    f"sum `bgf.expected_purchases({_DAYS}, s['frequency'], s['recency'], s['T'])` over the customers.",
    mistakes=[
        (lambda base: _expected(base, _NOTEBOOK_DAYS),
         f"that is the next {_NOTEBOOK_DAYS} days, the notebook's horizon; the question asks for {_DAYS} days."),
        (lambda base: len(_summary(base)) * _bgf(base)[1].expected_purchases_new(_DAYS),
         "that treats every customer as brand new; use each customer's own history with `expected_purchases`."),
        (lambda base: _expected(base, 6),
         f"the time unit is days: half a year is t={_DAYS}, not 6 months."),
        (lambda base: float((_summary(base)["frequency"] / _summary(base)["T"].clip(lower=1) * _DAYS).sum()),
         "that projects each customer's past rate forward and forgets that some customers have left; ask the model."),
    ],
    hints=("the model expects a number of purchases per customer; the question wants them all together, over the "
           "question's horizon.",
           f"fit BG/NBD on the summary, ask for expected purchases in {_DAYS} days per customer, and add them up."),
    own=OWN,
)
def _purchases_ahead(base):
    return _expected(base)


def _alive_and_tier(base):
    s, bgf = _bgf(base)
    alive = bgf.probability_alive(s["frequency"], s["recency"], s["T"])
    return alive, assign_tiers(s)["tier"].reindex(s.index).astype(str)


def _key_share_below(base, threshold: float = _THRESHOLD, *, key_only: bool = True) -> float:
    alive, tier = _alive_and_tier(base)
    below = alive < threshold
    return float((below[tier == "key"] if key_only else below).mean())


def _key_count_below(base) -> int:
    alive, tier = _alive_and_tier(base)
    return int(((alive < _THRESHOLD) & (tier == "key")).sum())


@exercise(
    "11.3",
    "Key customers the model thinks have probably left: with the BG/NBD of 11.2 on your own base and the default "
    f"tiers (`assign_tiers` on the same summary), what share of the key tier has a probability alive below "
    f"{_THRESHOLD}? Give a fraction.",
    "compute `probability_alive` per customer, join the `tier` from `assign_tiers(s)`, keep the key customers, and "
    f"take the mean of `p_alive < {_THRESHOLD}`.",
    mistakes=[
        (lambda base: _key_share_below(base, _NOTEBOOK_THRESHOLD),
         f"that is below {_NOTEBOOK_THRESHOLD}, the line the notebook's cells draw; the question draws it at "
         f"{_THRESHOLD}."),
        (lambda base: _key_share_below(base, key_only=False),
         "that is a share of all customers; keep only the key tier."),
        (lambda base: 1 - _key_share_below(base),
         f"that is the share still likely alive; the question asks for those below {_THRESHOLD}."),
        (lambda base: _key_count_below(base),
         "that is a number of customers; give their share of the key tier."),
    ],
    hints=("a key customer by past revenue can still be probably gone: combine the tier with the model.",
           "compute each customer's probability alive, attach the default tier, and average the test "
           f"`p_alive < {_THRESHOLD}` over the key customers."),
    own=OWN,
)
def _key_alive(base):
    return _key_share_below(base)


@exercise(
    "11.4",
    "Fit a `GammaGammaFitter` on the same summary of your own base. What average spend per purchase does it expect "
    "from a customer with no repeat purchase yet?",
    "with no repeats a customer gets the population mean, `p * v / (q - 1)` from `ggf.params_` "
    "(or `ggf.conditional_expected_average_profit(0, 0)`).",
    mistakes=[
        (lambda base: float(_summary(base).query("frequency > 0")["monetary_value"].mean()),
         "that is the plain mean of the repeat customers' spend; the question asks for the model's population mean."),
        (lambda base: float(base.orders["amount"].mean()), "that is the mean order amount; ask the fitted model instead."),
    ],
    hints=('with no repeat purchase the model knows nothing about this customer: what does it fall back on?',
           'the Gamma-Gamma population mean spend, from the fitted parameters.'),
    own=OWN,
)
def _population_spend(base):
    s = _summary(base)
    return float(GammaGammaFitter().fit(s["frequency"], s["monetary_value"]).population_mean_spend())


# 11.5-11.7: the expected margin the action list uses (`expected_margin`, BG/NBD + Gamma-Gamma) against last year's
# margin, the figure a busy analyst would rank by. One fit per base: the checks, the pick and the reason share it.
_MARGIN_CACHE: dict[int, tuple] = {}


def _margins(base) -> pd.DataFrame:
    """Per customer of ``base``: ``expected`` (expected_margin) and ``last_year`` (margin of the last 365 days)."""
    key = id(base)
    hit = _MARGIN_CACHE.get(key)
    if hit is not None and hit[0] is base:
        return hit[1]
    expected = expected_margin(base)
    orders = base.orders
    recent = orders[orders["order_date"] > pd.Timestamp(base.as_of) - pd.Timedelta(days=365)]
    last = recent.groupby(recent["customer_id"].astype(str))["margin"].sum()
    table = pd.DataFrame({"expected": expected, "last_year": last.reindex(expected.index).fillna(0.0)})
    _MARGIN_CACHE.clear()  # keep one base: a learner checks one base at a time
    _MARGIN_CACHE[key] = (base, table)
    return table


def _top_overlap(base, share: float = 0.10) -> float:
    t = _margins(base)
    n = max(1, int(len(t) * share))
    top_expected = set(t["expected"].sort_values(ascending=False, kind="stable").index[:n])
    top_last = set(t["last_year"].sort_values(ascending=False, kind="stable").index[:n])
    return len(top_expected & top_last) / n


@exercise(
    "11.5",
    "Predict before you run the next cell: the action list ranks your customers by their expected margin next year "
    "(`expected_margin(mine)`, BG/NBD times Gamma-Gamma). Take your top 10% by that figure. Are most of them (more than "
    "half) also in your top 10% by last year's margin? Answer 'yes' or 'no'.",
    "commit to a guess; the next cell compares the two top tenths.",
    kind="predict",
    choices=("yes", "no"),
    reason=lambda base: (f"{_top_overlap(base):.0%} of your top tenth by expected margin are in the top tenth by last "
                         f"year's margin; the rank correlation of the two figures is "
                         f"{_margins(base)['expected'].corr(_margins(base)['last_year'], method='spearman'):.2f}. "
                         "The model mostly agrees with last year: it earns its keep on the few it re-orders."),
    own=OWN,
)
def _mostly_the_same(base):
    return "yes" if _top_overlap(base) > 0.5 else "no"


def _pick_pair(base) -> dict:
    """Two customers where last year's margin and the expected margin disagree.

    ``customer_a``: of the top tenth by last year's margin, the one with the lowest expected margin (a big
    spender gone quiet); ``customer_b``: of those with a smaller last-year margin than a's, the one with the highest
    expected margin.
    """
    t = _margins(base).sort_index()
    n = max(1, len(t) // 10)
    top_last = t["last_year"].sort_values(ascending=False, kind="stable").index[:n]
    a = t.loc[top_last, "expected"].sort_values(kind="stable").index[0]
    smaller = t[t["last_year"] < t.loc[a, "last_year"]]
    b = smaller["expected"].sort_values(ascending=False, kind="stable").index[0]
    return {"customer_a": str(a), "customer_b": str(b)}


def _pair_reason(base, customer_a, customer_b) -> str:
    t = _margins(base)
    last = base.orders.groupby(base.orders["customer_id"].astype(str))["order_date"].max()
    as_of = pd.Timestamp(base.as_of).normalize()
    days = {c: max(0, (as_of - last[c].normalize()).days) for c in (customer_a, customer_b)}
    return ("Expected margin next year: " + ", ".join(f"{c} {t.loc[c, 'expected']:,.0f}" for c in (customer_a, customer_b))
            + "; last year's margin: " + ", ".join(f"{c} {t.loc[c, 'last_year']:,.0f}" for c in (customer_a, customer_b))
            + "; days since the last order: " + ", ".join(f"{c} {days[c]}" for c in (customer_a, customer_b))
            + ". The budget keeps future margin; last year's is already earned, and a long silence makes it unlikely "
              "to come again.")


@exercise(
    "11.6",
    "Decide: the cell names two customers of your own base, `who['customer_a']` and `who['customer_b']`. One retention "
    "budget is left. By the kit's figure, the expected margin next year (`expected_margin(mine)`), which of the two "
    "deserves it? Answer with the customer id.",
    "`em = expected_margin(mine)` and compare `em[who['customer_a']]` with `em[who['customer_b']]`: the larger one.",
    kind="decide",
    hints=("the budget pays for what a customer will bring, not for what they already brought.",
           "look both customers up in the expected margin of the action list (BG/NBD + Gamma-Gamma) and take the "
           "larger; check their days since the last order to see why."),
    mistakes=[
        (lambda base, customer_a, customer_b: customer_a if _margins(base).loc[customer_a, "last_year"]
         >= _margins(base).loc[customer_b, "last_year"] else customer_b,
         "that is the customer with the larger margin last year: money already earned. How long has this customer been "
         "silent, and what does the model expect from them next year?"),
    ],
    reason=_pair_reason,
    pick=_pick_pair,
    own=OWN,
)
def _who_gets_the_budget(base, customer_a, customer_b):
    t = _margins(base)
    return customer_a if t.loc[customer_a, "expected"] > t.loc[customer_b, "expected"] else customer_b


@exercise(
    "11.7",
    "Explain: a colleague proposes to save the model fit and set each customer's CLV in the action list to last "
    "year's margin times (1 - risk / 100), the churn risk score the list already has. Write why the kit never takes "
    "the CLV from the risk score, and what the action list would get wrong for the two customers of 11.6.",
    "three parts: what the risk score is (and is not), why value and risk must stay two separate axes, the 11.6 case.",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _clv_is_not_risk(base):
    return None
