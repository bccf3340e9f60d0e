"""Exercises of notebook 06, Customer types and orientation: all on the learner's own shop."""
from __future__ import annotations

from .core import OwnBase, exercise, once_per_check

# the learner's own base, as the notebook's setup cell builds it
OWN = OwnBase("retail", 600)


def _types(base, **thresholds):
    from ..customer_types import behaviour_evidence, classify_types

    return classify_types(behaviour_evidence(base), thresholds=thresholds or None)


# 06.1-06.3 run on the learner's own shop (`generate('retail', n_customers=600, seed=MY_SEED)`) and ask what the
# cells above do not print: a share of revenue (they print orders), another threshold, the loyal mistaken for need-based.

def _for_others_share(base, weight="amount", recipient_is_self=False):
    o = base.orders
    mine = (o.recipient.astype(str) == "self") if recipient_is_self else (o.recipient.astype(str) != "self")
    return float(mine.mean()) if weight is None else float(o.loc[mine, "amount"].sum() / o["amount"].sum())


@exercise(
    "06.1",
    "On your own shop (`generate('retail', n_customers=600, seed=MY_SEED)`): what share of all revenue (order amount) "
    "was bought for someone other than the buyer? A fraction between 0 and 1, to three decimals.",
    "`buyer_consumer_split(mine, level='recipient')`: add the `share_of_revenue` of every recipient but 'self' "
    "(or sum `amount` over the orders whose `recipient` is not 'self' and divide by all `amount`).",
    decimals=3,
    mistakes=[
        (lambda base: _for_others_share(base, weight=None),
         "that is the share of orders, the measure the notebook prints; weight each order by its amount."),
        (lambda base: _for_others_share(base, recipient_is_self=True),
         "that is the share bought for the buyer themselves; take the other orders."),
        (lambda base: float((base.customers.relation.astype(str) == "buys_for_others").mean()),
         "that is the share of customers recorded as buying for others; the question weighs orders by revenue."),
    ],
    hints=("the notebook counted orders; a few large gifts can weigh more than many small ones: weigh by money.",
           "split the orders of your shop by recipient, and divide the amount of the orders for someone else by all "
           "the amount."),
    own=OWN,
)
def _for_others(base):
    return _for_others_share(base)


def _recall(base, column, discount_share):
    from ..customer_types import score_against_truth

    return float(score_against_truth(_types(base, discount_share=discount_share), base.truth)
                 .per_type.loc["discount_driven", column])


@exercise(
    "06.2",
    "On your own shop, lower the discount-share threshold of the rules to 0.3. What is the precision of the "
    "discount-driven type against the truth: of the customers the rule now labels discount-driven (the ones a coupon "
    "campaign would target), what share truly are? To three decimals.",
    "`classify_types(behaviour_evidence(mine), thresholds={'discount_share': 0.3})`, then "
    "`score_against_truth(..., mine.truth)`; read the `precision` of 'discount_driven' in `per_type`.",
    decimals=3,
    mistakes=[
        (lambda base: _recall(base, "recall", 0.3),
         "that is the recall (how many of the true ones were found); precision is how many of those labelled are right."),
        (lambda base: _recall(base, "precision", 0.5),
         "that is the precision with the default threshold 0.5; pass thresholds={'discount_share': 0.3}."),
    ],
    hints=("precision asks: of the customers the rule labels discount-driven, how many truly are?",
           "classify your shop's types again with the threshold 0.3, then score them against your truth and read "
           "discount-driven's precision."),
    own=OWN,
)
def _precision_at_03(base):
    return _recall(base, "precision", 0.3)


def _loyal_called(base, label="need_based", among_predicted=False):
    types = _types(base)["type"].astype(str)
    truth = base.truth.set_index("customer_id")["persona"].astype(str).reindex(types.index)
    both = ((truth == "loyal") & (types == label)).sum()
    return float(both / ((types == label).sum() if among_predicted else (truth == "loyal").sum()))


@exercise(
    "06.3",
    "On your own shop, with the default rules: what share of the truly loyal customers are mistaken for need-based "
    "ones (to three decimals)? A loyal customer taken for need-based gets no loyalty care.",
    "join the predicted `type` of `classify_types(behaviour_evidence(mine))` with `mine.truth.persona`; among customers "
    "whose persona is 'loyal', take the share typed 'need_based'.",
    decimals=3,
    mistakes=[
        (lambda base: _loyal_called(base, among_predicted=True),
         "that is the share of loyal customers among those labelled need-based; divide by the number of truly loyal "
         "customers instead."),
        (lambda base: _loyal_called(base, "loyal"),
         "that is the share of the loyal labelled loyal (their recall); the question asks how many are mistaken for "
         "need-based."),
    ],
    hints=("start from your truly loyal customers, not from those labelled need-based.",
           "join your predicted types with your true personas, keep the loyal ones, and take the share typed "
           "need-based."),
    own=OWN,
)
def _loyal_as_need_based(base):
    return _loyal_called(base)


# The five flags (high-volume, future high value, benchmark, pioneer, motivator) and the three orientations.

FLAG_NAMES = ("high_volume", "future_high_value", "benchmark", "pioneer", "motivator")


def _evidence(base):
    from ..customer_types import behaviour_evidence

    return behaviour_evidence(base)


def _flags(base):
    from ..customer_types import classify_flags

    return classify_flags(_evidence(base))


def _orientation(base, evidence=None):
    """``classify_orientation`` of the base's evidence (``evidence``: that evidence, when the caller has it already)."""
    from ..customer_types import classify_orientation

    return classify_orientation(_evidence(base) if evidence is None else evidence)


@exercise(
    "06.4",
    "On your own base (`generate(..., seed=MY_SEED)`), what share of its customers carry at least one of the five "
    "flags (high-volume, future high value, benchmark, pioneer, motivator)? Give a fraction to three decimals.",
    "`classify_flags(behaviour_evidence(mine))`, then `.any(axis=1)` over the five flag columns, then `.mean()`.",
    hints=("a customer can carry several flags at once, or none: you want the customers with at least one.",
           "build the evidence of your own base, classify the flags, and average a True/False test per customer."),
    decimals=3,
    mistakes=[
        (lambda base: float(_flags(base)[list(FLAG_NAMES)].sum(axis=1).mean()),
         "that is the mean number of flags per customer; a customer with two flags counts once."),
        (lambda base: int(_flags(base)[list(FLAG_NAMES)].any(axis=1).sum()),
         "that is a number of customers; divide by all customers for a share."),
        (lambda base: float(_flags(base)["high_volume"].mean()),
         "that is the high-volume flag alone; any of the five flags counts."),
    ],
    own=OWN,
)
def _flagged_share(base):
    return float(_flags(base)[list(FLAG_NAMES)].any(axis=1).mean())


ORIENTATION_EVIDENCE = ["n_orders", "price_sensitivity", "premium_share", "new_release_share", "essentials_share"]
FLAG_EVIDENCE = ["spend_rate_pct", "tenure_days", "days_since_last", "references", "new_market_rank", "suggestions",
                 "suggestion_quality"]


def _holding_rules(base, customer_id, evidence=None, rules=None):
    """The labels of the orientation rules with a threshold that hold for the customer, in the rules' order (the first
    one wins; the last rule, 'otherwise', is left out).

    ``evidence`` and ``rules``: the base's ``behaviour_evidence`` and the rules table, when the caller asks about many
    customers and has computed them once (the evidence scans every customer: computed per call it made picking one
    customer take seconds)."""
    from ..customer_types import DEFAULT_ORIENTATION_RULES, rules_table

    row = (_evidence(base) if evidence is None else evidence).loc[[customer_id]]
    rules = rules_table(DEFAULT_ORIENTATION_RULES) if rules is None else rules
    return [str(rule["label"]) for _, rule in rules.iterrows()
            if rule["condition"] != "otherwise" and bool(row.eval(rule["condition"]).fillna(False).iloc[0])]


def _pick_oriented(base):
    """A customer for whom the order of the rules decides: two rules with different answers hold."""
    from ..customer_types import DEFAULT_ORIENTATION_RULES, rules_table

    evidence = _evidence(base)  # once, not once per customer tried
    rules = rules_table(DEFAULT_ORIENTATION_RULES)
    o = _orientation(base, evidence).sort_index()
    known = o.index[o["orientation"].astype(str) != "unknown"]
    for customer_id in known:
        if len(set(_holding_rules(base, customer_id, evidence, rules))) > 1:
            return {"customer_id": str(customer_id)}
    return {"customer_id": str(known[0] if len(known) else o.index[0])}


def _second_rule(base, customer_id):
    """The answer of a learner who skips the rule that wins and reads a later one."""
    evidence = _evidence(base)
    right = str(_orientation(base, evidence).loc[customer_id, "orientation"])
    others = [h for h in _holding_rules(base, customer_id, evidence) if h != right]
    return others[0] if others else ("cost" if right != "cost" else "value")


@exercise(
    "06.5",
    "Decide: the cell names a customer of your own shop and shows the evidence the orientation rules read. Is the "
    "customer cost-, value- or technology-oriented (客户导向)? Answer 'cost', 'value' or 'technology'.",
    "look up the customer in `classify_orientation(behaviour_evidence(mine))`, or walk the rules table of "
    "`classify_orientation` from the top with the evidence shown: the first rule that holds gives the orientation.",
    kind="decide",
    choices=("cost", "value", "technology", "unknown"),
    hints=("more than one rule can hold for a customer: the rules are read in order and the first that holds wins.",
           "go down the orientation rules in order (orders at all, the survey's price answer, premium share, new-release "
           "share, essentials share) and stop at the first whose threshold the evidence meets."),
    mistakes=[
        (_second_rule,
         "a rule does hold for that answer, but a rule above it holds too, and the first rule that holds wins."),
    ],
    reason=lambda base, customer_id: f"The kit's rule: {_orientation(base).loc[customer_id, 'orientation_reason']}.",
    pick=_pick_oriented,
    own=OWN,
)
def _orientation_of(base, customer_id):
    return str(_orientation(base).loc[customer_id, "orientation"])


def _pick_flagged(base):
    f = _flags(base)
    n = f[list(FLAG_NAMES)].sum(axis=1)
    rows = n[n > 0].sort_values(ascending=False, kind="stable")
    return {"customer_id": str(rows.index[0] if len(rows) else f.index[0])}


def _one_flag(base, customer_id):
    right = _named_flags(base, customer_id)
    return {sorted(right)[0]} if len(right) > 1 else {"not_a_flag"}


@exercise(
    "06.6",
    "Decide: the cell names a customer of your own shop and shows the evidence the flag rules read. Which of the five "
    "flags does the customer carry? Answer with a set of flag names, such as {'benchmark'}.",
    "read the customer's row of `classify_flags(behaviour_evidence(mine))` and keep the flag columns that are True.",
    kind="decide",
    hints=("the flags are not types: each has its own rule, and a customer can carry several at once, or none.",
           "test the evidence against each of the five flag rules in turn (spend rank, new and fast-spending, "
           "references, new-city rank, useful suggestions) and keep every flag whose rule holds."),
    mistakes=[
        (_one_flag,
         "that flag is right, but the flags are not exclusive: test the other four rules as well."),
        (lambda base, customer_id: {"high_volume"} if _named_flags(base, customer_id) != {"high_volume"} else {"benchmark"},
         "big spending is only one flag; look at their references, suggestions and new-city orders as well."),
    ],
    reason=lambda base, customer_id: f"The kit's rules say: {_flags(base).loc[customer_id, 'flag_reason']}.",
    pick=_pick_flagged,
    own=OWN,
)
def _named_flags(base, customer_id):
    row = _flags(base).loc[customer_id]
    return {name for name in FLAG_NAMES if bool(row[name])}


@exercise(
    "06.7",
    "Predict before you run the check: on your own shop (`mine`), if the discount-share threshold of the "
    "discount-driven rule falls from 0.5 to 0.2, will the rule's precision go 'up', 'down' or 'stay'?",
    "a lower bar lets more customers in: are the newcomers more or less likely than the old ones to be truly "
    "discount-driven?",
    kind="predict",
    choices=("up", "down", "stay"),
    reason=lambda base: (f"On your shop: precision {_recall(base, 'precision', 0.5):.0%} at 0.5 and "
                         f"{_recall(base, 'precision', 0.2):.0%} at 0.2; recall {_recall(base, 'recall', 0.5):.0%} and "
                         f"{_recall(base, 'recall', 0.2):.0%}. A lower threshold finds more of the truly discount-driven "
                         "and lets in more of the others: the customers it adds are less often the real thing."),
    own=OWN,
)
def _precision_direction(base):
    before, after = _recall(base, "precision", 0.5), _recall(base, "precision", 0.2)
    return "up" if after > before else "down" if after < before else "stay"


# 06.8-06.9: the orientations where the money is, the key tier of notebook 03 (`assign_tiers` on the summary).

def _orientation_and_tier(base):
    """Per customer with orders: orientation and default tier (computed once per check: 06.8's answer and its four
    mistakes all read them)."""
    from ..data import summarize
    from ..segment import assign_tiers

    def compute(b):
        orientation = _orientation(b)["orientation"].astype(str)
        tier = assign_tiers(summarize(b.orders, b.as_of))["tier"].astype(str)
        return orientation.reindex(tier.index), tier

    return once_per_check("orientation_and_tier", base, compute)


def _key_orientation(base, tiers=("key",)):
    """Per customer with orders: orientation, and whether the default tiers put them in ``tiers``."""
    orientation, tier = _orientation_and_tier(base)
    return orientation, tier.isin(tiers)


def _value_among(base, tiers=("key",)) -> float:
    orientation, chosen = _key_orientation(base, tiers)
    return float((orientation[chosen] == "value").mean())


@exercise(
    "06.8",
    "On your own shop, with the default tiers of notebook 03 (`assign_tiers(playbook.summarize(mine.orders, "
    "mine.as_of))`): what share of your **key** customers is value-oriented? A fraction, to three decimals.",
    "join `classify_orientation(behaviour_evidence(mine))['orientation']` to the `tier` of `assign_tiers(...)`, keep "
    "the rows whose tier is 'key', and take the mean of `orientation == 'value'`.",
    decimals=3,
    mistakes=[
        (lambda base: float((_key_orientation(base)[0] == "value").mean()),
         "that is the share among all your customers with orders; keep the key tier only."),
        (lambda base: float(_key_orientation(base)[1][_key_orientation(base)[0] == "value"].mean()),
         "that is the share of the value-oriented who are key; the question starts from the key customers."),
        (lambda base: int(((_key_orientation(base)[0] == "value") & _key_orientation(base)[1]).sum()),
         "that is a number of customers; divide by the number of key customers."),
        (lambda base: _value_among(base, ("key", "important")),
         "that counts the important tier too; the key tier is the top 5% only."),
    ],
    hints=("two labels per customer, from two notebooks: the orientation (here) and the tier (notebook 03).",
           "put each customer's orientation beside their tier, keep the key customers, and average a True/False test "
           "for 'value'."),
    own=OWN,
)
def _value_share_of_key(base):
    return _value_among(base)


@exercise(
    "06.9",
    "Explain: marketing wants to send every key customer the same offer, 'the lowest price, guaranteed'. Using the "
    "orientations of your key customers (06.8), write what you would answer: who the offer fits, who it would waste "
    "money on or even put off, and what each orientation among your key customers should get instead.",
    "three parts: the orientation mix of your key tier (your figure), the offer's fit per orientation, one action per "
    "orientation.",
    kind="explain",
    min_words=30,
    own=OWN,
)
def _one_offer_for_all(base):
    return None
