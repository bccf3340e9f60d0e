"""Exercises of notebook 10, Relationship strategies and retention programs: all on the learner's own retail base."""
from __future__ import annotations

from .core import OwnBase, exercise, label_of, pick_first, pick_labelled, strongest, weakest

# The learner's base, as notebook 10's setup cell builds it.
OWN = OwnBase("retail", 600)


# The notebook's cells read the shipped base out on its `as_of` and simulate a year; exercises 10.1-10.3 run on the
# learner's own base (`generate('retail', n_customers=600, seed=MY_SEED)`), a year earlier or over half the horizon.
_EARLIER = "2024-12-31"
_HORIZON, _NOTEBOOK_HORIZON = 180, 365


def _profile(base, as_of=_EARLIER):
    from ..strategy import customer_profile

    return customer_profile(base, as_of=as_of)


def _customer_share(base):
    from ..strategy import recommend_strategies

    return float((recommend_strategies(_profile(base))["strategy"].astype(str) == "win_back").mean())


def _revenue_share(base, strategies=("win_back",), as_of=_EARLIER):
    from ..strategy import recommend_strategies

    profile = _profile(base, as_of)
    chosen = recommend_strategies(profile)["strategy"].astype(str).isin(strategies)
    return float(profile.loc[chosen, "revenue"].sum() / profile["revenue"].sum())


@exercise(
    "10.1",
    f"On your own base (`mine = generate('retail', n_customers=600, seed=MY_SEED)`), read out on {_EARLIER}: what "
    "share of all revenue to date comes from the customers the default decision table gives 'win back' (重新赢得)?",
    f"`profile = st.customer_profile(mine, as_of='{_EARLIER}')`, `st.recommend_strategies(profile)`; sum the profile's "
    "`revenue` over the rows whose strategy is 'win_back' and divide by the sum over all rows.",
    mistakes=[
        (lambda base: _revenue_share(base, as_of=None),
         f"that reads out on your base's own `as_of`, as the notebook's cells do; the question reads out on {_EARLIER}."),
        (lambda base: _revenue_share(base, ("win_back", "end")),
         "that counts every lapsed customer; only lapsed key and important customers are worth winning back, the "
         "rest get 'end'."),
        (lambda base: _customer_share(base),
         "that is the share of customers; the question asks for their share of revenue."),
    ],
    hints=("the date is part of the question: a profile built on another day gives other strategies.",
           f"profile your customers as of {_EARLIER}, recommend strategies with the default table, and compare the "
           "revenue of the 'win back' customers with all revenue."),
    own=OWN,
)
def _win_back_share(base):
    return _revenue_share(base)


def _net(base, horizon=_HORIZON):
    from ..strategy import simulate_programs

    return simulate_programs(base, horizon_days=horizon)


@exercise(
    "10.2",
    f"On your own base, over a {_HORIZON}-day horizon (the notebook simulated a year) with the default assumptions: "
    "how much more net margin (`net_margin`, after discounts and program cost) does the dedicated personal assistant "
    "earn than the storewide 15% discount day? Negative if it earns less.",
    f"`r = st.simulate_programs(mine, horizon_days={_HORIZON})`; subtract the discount day's `net_margin` from the "
    "personal assistant's.",
    mistakes=[
        (lambda base: float(_net(base, _NOTEBOOK_HORIZON).loc["personal_assistant", "net_margin"]
                            - _net(base, _NOTEBOOK_HORIZON).loc["discount_day", "net_margin"]),
         f"that is over {_NOTEBOOK_HORIZON} days, the notebook's horizon; the question simulates {_HORIZON} days."),
        (lambda base: float(_net(base).loc["discount_day", "net_margin"] - _net(base).loc["personal_assistant", "net_margin"]),
         "the sign is the wrong way round: the personal assistant minus the discount day."),
        (lambda base: float(_net(base).loc["personal_assistant", "margin"] - _net(base).loc["discount_day", "margin"]),
         "that is the margin before the programs' cost; compare `net_margin`, what is left after paying for each program."),
    ],
    hints=("the horizon is a parameter of the simulation, and a program pays for itself only over time.",
           f"simulate the default programs over {_HORIZON} days and subtract one row's net margin from the other's."),
    own=OWN,
)
def _assistant_vs_discount(base):
    r = _net(base)
    return float(r.loc["personal_assistant", "net_margin"] - r.loc["discount_day", "net_margin"])


def _plan_size(base):
    from ..strategy import contact_plan

    return int(len(contact_plan(base, as_of=_EARLIER)))


def _overdue_on(base, as_of=_EARLIER):
    from ..strategy import overdue_contacts

    return int(len(overdue_contacts(base, as_of=as_of)))


@exercise(
    "10.3",
    f"On your own base, how many active customers were overdue for a follow-up on {_EARLIER} in the default contact "
    "plan?",
    f"`st.overdue_contacts(mine, as_of='{_EARLIER}')` lists them; count its rows.",
    hints=("each tier has its own cadence; a customer is overdue when the last contact plus that cadence has passed, "
           "on the day you look.",
           f"build the default contact plan as of {_EARLIER} and count the customers whose next contact date lies "
           "before it."),
    mistakes=[
        (lambda base: _overdue_on(base, None),
         f"that is the overdue list on your base's own `as_of`, as in the notebook's cells; the question looks on "
         f"{_EARLIER}."),
        (lambda base: _plan_size(base),
         "that is every customer in the plan; keep only those whose next contact date has passed."),
    ],
    own=OWN,
)
def _overdue_count(base):
    return _overdue_on(base)


# Switching costs and the "angel and devil" lock-in (转换成本).

_PARTS = ("status", "tenure", "service", "community", "deals")


def _switching(base):
    from ..strategy import switching_cost

    return switching_cost(base)


def _tier_mean(base, tier):
    sc = _switching(base)
    return float(sc.loc[sc["tier"].astype(str) == tier, "switching_cost"].mean())


@exercise(
    "10.4",
    "On your own base (`generate(..., seed=MY_SEED)`), how many points higher is the mean switching cost of the key "
    "tier than that of the general tier? Give the difference to one decimal.",
    "`st.switching_cost(mine)`, group by `tier`, average `switching_cost`, and subtract the general tier's mean from the "
    "key tier's.",
    hints=("the score runs from 0 to 100 per customer: compare two tiers' averages.",
           "compute the score on your own base, average it per tier, and take key minus general."),
    decimals=1,
    mistakes=[
        (lambda base: _tier_mean(base, "key") / _tier_mean(base, "general"),
         "that is a ratio; the question asks how many points higher, a difference."),
        (lambda base: _tier_mean(base, "general") - _tier_mean(base, "key"),
         "the difference is upside down: key minus general."),
        (lambda base: _tier_mean(base, "key") - float(_switching(base)["switching_cost"].mean()),
         "that compares the key tier with everyone; the question compares it with the general tier."),
    ],
    own=OWN,
)
def _key_minus_general(base):
    return _tier_mean(base, "key") - _tier_mean(base, "general")


def _points(base, customer_id):
    row = _switching(base).loc[customer_id]
    return {part: float(row[f"points_{part}"]) for part in _PARTS}


def _pick_one_weak_part(base):
    sc = _switching(base)

    def one_weakest(cid):  # a single weakest part, so the decision has one answer
        pts = sorted(float(sc.loc[cid, f"points_{p}"]) for p in _PARTS)
        return pts[0] < pts[1]

    return pick_first(sc[sc["tier"].astype(str) == "key"], one_weakest, fallback=sc)


@exercise(
    "10.5",
    "Decide: the key customer that `ex.params_for('10.5', mine)` names has one part of their switching cost weaker "
    "than all the others. Which part should the 'angel' side of your message build up: status, tenure, service, "
    "community or deals?",
    "read the customer's `points_*` columns in `st.switching_cost(mine)` and name the smallest.",
    kind="decide",
    choices=_PARTS,
    hints=("the score adds five parts; what would this customer lose least by leaving?",
           "look at this customer's row of `st.switching_cost(mine)`: the five `points_` columns."),
    mistakes=[
        (lambda base, customer_id: strongest(_points(base, customer_id)),
         "that is their strongest part, what already holds them; build up the weakest."),
    ],
    reason=lambda base, customer_id: "Their points: " + ", ".join(f"{k} {v:.1f}" for k, v in _points(base, customer_id).items())
                                     + ". The weakest part is where showing the benefits inside the relation adds most.",
    pick=_pick_one_weak_part,
    own=OWN,
)
def _weakest_part(base, customer_id):
    return weakest(_points(base, customer_id))


@exercise(
    "10.6",
    "Explain: write the two-part message (the 'angel and devil' lock-in) you would send the customer of 10.5: what "
    "they get inside your service that they would lose, and what starting again elsewhere would cost them. "
    "Keep it honest: no threats.",
    "name one concrete benefit they have now and one concrete effort of leaving; tie both to their weakest part.",
    kind="explain",
    min_words=25,
    own=OWN,
)
def _angel_and_devil(base):
    return None


# Follow-up cadence (跟进频率): a cadence per tier gives next contact dates and an overdue list.

def _contact_plan(base):
    from ..strategy import contact_plan

    return contact_plan(base)


@exercise(
    "10.7",
    "On your own base (`generate(..., seed=MY_SEED)`), how many key customers are overdue for a follow-up on its "
    "`as_of` date in the default contact plan?",
    "`st.contact_plan(mine)`, keep the rows whose `tier` is 'key', and count those with `overdue` True.",
    hints=("the plan gives every active customer a next contact date; overdue means that date has passed.",
           "build the plan on your own base, keep the key tier, and count the overdue rows."),
    mistakes=[
        (lambda base: int(_contact_plan(base)["overdue"].sum()),
         "that counts overdue customers of every tier; keep the key tier."),
        (lambda base: int((_contact_plan(base)["tier"].astype(str) == "key").sum()),
         "that counts all key customers in the plan; only the overdue ones."),
    ],
    own=OWN,
)
def _key_overdue(base):
    plan = _contact_plan(base)
    return int((plan["overdue"] & (plan["tier"].astype(str) == "key")).sum())


def _pick_planned(base):
    plan = _contact_plan(base)
    return pick_first(plan[plan["tier"].astype(str) == "key"], fallback=plan)


@exercise(
    "10.8",
    "Decide: on which day is the next follow-up of the customer that `ex.params_for('10.8', mine)` names due? "
    "Answer as text such as '2025-12-05'.",
    "`st.contact_plan(mine)`: the next contact is the last contact plus the tier's `contact_every_days`.",
    kind="decide",
    hints=("the cadence depends on the tier: look up how often this tier is contacted.",
           "take the customer's `last_contact` and add `contact_every_days` days."),
    mistakes=[
        (lambda base, customer_id: str(_contact_plan(base).loc[customer_id, "last_contact"].date()),
         "that is the day of the last contact; add the tier's cadence to it."),
    ],
    reason=lambda base, customer_id: (
        f"Tier {_contact_plan(base).loc[customer_id, 'tier']}: every "
        f"{int(_contact_plan(base).loc[customer_id, 'contact_every_days'])} days after the last contact on "
        f"{_contact_plan(base).loc[customer_id, 'last_contact'].date()}."),
    pick=_pick_planned,
    own=OWN,
)
def _next_contact(base, customer_id):
    return str(_contact_plan(base).loc[customer_id, "next_contact"].date())


# One strategy per customer (七项客户管理策略), decided for a named customer.

_STRATEGIES = ("build", "protect", "re_engineer", "enhance", "harvest", "end", "win_back")


def _recommended(base):
    from ..strategy import customer_profile, recommend_strategies

    return recommend_strategies(customer_profile(base))


def _pick_strategy(base):
    return pick_labelled(_recommended(base).sort_index()["strategy"], ("win_back", "protect", "enhance"))


@exercise(
    "10.9",
    "Decide: which of the seven strategies does the kit's decision table give the customer that "
    "`ex.params_for('10.9', mine)` names? Read their profile first; answer with a strategy code such as 'protect'.",
    "`st.recommend_strategies(st.customer_profile(mine))` and read the customer's `strategy`; the `rule` column says which "
    "row of `st.STRATEGY_TABLE` decided it.",
    kind="decide",
    choices=_STRATEGIES,
    hints=("look at the customer's tier, days since the last order, margin and risk in `st.customer_profile(mine)`.",
           "walk the rows of the decision table from the top: the first whose condition holds gives the strategy."),
    mistakes=[
        (lambda base, customer_id: "end" if _strategy_of(base, customer_id) != "end" else "harvest",
         "'end' is for customers not worth the effort; this one's profile meets an earlier row of the table."),
    ],
    reason=lambda base, customer_id: f"The kit's rule {int(_recommended(base).loc[customer_id, 'rule'])}: "
                                     f"{_recommended(base).loc[customer_id, 'reason']}.",
    pick=_pick_strategy,
    own=OWN,
)
def _strategy_of(base, customer_id):
    return label_of(_recommended(base), customer_id, "strategy")


_TIES = ("care", "events", "learning")


def _ties(base):
    from ..strategy import relationship_ties

    return relationship_ties(base)


def _filled(base, customer_id):
    """How full each tie is for one customer, as a share of its cap (the score's own scale)."""
    import numpy as np

    from ..strategy import TIE_CAPS

    row = _ties(base).loc[customer_id]
    return {part: float(min(1.0, np.log1p(row[part]) / np.log1p(TIE_CAPS[part]))) for part in _TIES}


def _pick_one_weak_tie(base):
    t = _ties(base)

    def one_weakest(cid):  # one weakest tie, and some tie to build on
        filled = sorted(_filled(base, cid).values())
        return filled[0] < filled[1] and filled[-1] > 0

    return pick_first(t[t["ties_score"] > 0], one_weakest, fallback=t)


@exercise(
    "10.10",
    "On your own base, what share of the customers who have ordered have no tie at all in the last year (a "
    "`ties_score` of 0: no care contact, no event, no suggestion or review)? Give a fraction between 0 and 1.",
    "`st.relationship_ties(mine)` has one row per customer with an order; the share whose `ties_score` is 0: "
    "`(st.relationship_ties(mine)['ties_score'] == 0).mean()`.",
    mistakes=[
        (lambda base: float((_ties(base)["ties_score"] > 0).mean()),
         "that is the share who have at least one tie; the question asks for those with none."),
        (lambda base: int((_ties(base)["ties_score"] == 0).sum()),
         "that is how many customers; give the share of all customers with an order."),
        (lambda base: float((_ties(base)["care"] == 0).mean()),
         "that counts only care contacts; a customer with an event or a review has a tie too."),
    ],
    hints=("a tie is any care contact, event, suggestion or review in the year; who has none?",
           "score every customer with `st.relationship_ties`, then take the share with a score of exactly 0."),
    own=OWN,
)
def _untied_share(base):
    return float((_ties(base)["ties_score"] == 0).mean())


@exercise(
    "10.11",
    "Decide: the customer that `ex.params_for('10.11', mine)` names has one of the three ties weaker than the other "
    "two. Which would you build first: 'care' (contacts from us), 'events' (shared experiences) or 'learning' "
    "(suggestions and reviews they give)?",
    "read the customer's row of `st.relationship_ties(mine)`: compare each count with its cap in `st.TIE_CAPS` and name "
    "the part that is least full.",
    kind="decide",
    choices=_TIES,
    hints=("the score fills three parts toward a cap each; which part is emptiest for this customer?",
           "divide each count by its cap in `st.TIE_CAPS` (on the log scale the score uses) and name the smallest."),
    mistakes=[
        (lambda base, customer_id: strongest(_filled(base, customer_id)),
         "that is their strongest tie, what already holds them; build the weakest."),
    ],
    reason=lambda base, customer_id: "How full each tie is: " + ", ".join(
        f"{k} {v:.0%}" for k, v in _filled(base, customer_id).items()) + ". Build where the relationship is thinnest.",
    pick=_pick_one_weak_tie,
    own=OWN,
)
def _weakest_tie(base, customer_id):
    return weakest(_filled(base, customer_id))


# Special appreciation (特殊赞赏) against a cash reward, as a prediction before the table is shown.
_RECOGNITION = ("platinum_status", "loyalty_discount")


def _one_year(base):
    from ..strategy import simulate_programs

    return simulate_programs(base, horizon_days=_NOTEBOOK_HORIZON)


def _recognition_reason(base) -> str:
    r = _one_year(base)
    return (f"Net margin over a year: platinum status {r.loc['platinum_status', 'net_margin']:,.0f}, loyalty discount "
            f"{r.loc['loyalty_discount', 'net_margin']:,.0f}, no program at all {r.loc['no_program', 'net_margin']:,.0f}. "
            f"The discount is paid to every regular, including those who would have stayed anyway "
            f"({r.loc['loyalty_discount', 'discounts']:,.0f} given away); status costs little per key customer."
            + _pays_sentence(r))


def _pays_sentence(r) -> str:
    paying = [p for p in r.index if p != "no_program" and r.loc[p, "net_margin"] > r.loc["no_program", "net_margin"]]
    if not paying:
        return " Check the last figure too: under these assumptions no program pays for itself within a year."
    return " Programs that beat doing nothing within a year: " + ", ".join(paying) + "."


@exercise(
    "10.12",
    "Predict before you run the next cell: over a year, with the default assumptions, which program leaves the shop "
    "more net margin (after discounts and program cost): 'platinum_status' (recognition for the key customers) or "
    "'loyalty_discount' (5% off for the regulars)?",
    "commit to a guess, then compare the `net_margin` of the two rows of `st.simulate_programs(base)`.",
    kind="predict",
    choices=_RECOGNITION,
    reason=_recognition_reason,
)
def _recognition_or_cash(base):
    r = _one_year(base)
    return str(r.loc[list(_RECOGNITION), "net_margin"].idxmax())
