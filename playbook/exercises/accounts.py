"""Exercises of notebook 12, Key-account management (on the learner's own b2b base)."""
from __future__ import annotations

from .core import OwnBase, exercise

# The learner's base, as notebook 12's setup cell builds it (12.6 and 12.9 are asked on the shipped base).
OWN = OwnBase("b2b")


def _win_rate(base, dearer: bool, plan: bool | None) -> float:
    o = base.opportunities
    d = o[o.quote_vs_competitor.notna() & (o.outcome.astype(str) != "open")]
    d = d[(d.quote_vs_competitor > 0) == dearer]
    if plan is not None:
        d = d[d.technical_plan == plan]
    return float((d.outcome.astype(str) == "won").mean())


def _plan_gap(base) -> float:
    return _win_rate(base, True, True) - _win_rate(base, True, False)


@exercise(
    "12.1",
    "On your own b2b base (`generate('b2b', seed=MY_SEED)`), among decided deals (won or lost) where our quote was "
    "dearer than the competitor's: how many points does offering a technical improvement plan add to the win rate? "
    "Answer as a difference of shares (0.12 for 12 points).",
    "keep the decided deals of `opportunities` with a `quote_vs_competitor` above 0; the share won among those with "
    "`technical_plan` minus the share won among those without.",
    mistakes=[
        (lambda base: _win_rate(base, True, True),
         "that is the win rate WITH a plan alone; the question asks what the plan adds: subtract the rate without one."),
        (lambda base: _win_rate(base, True, False) - _win_rate(base, True, True),
         "the sign is the wrong way round: with a plan minus without."),
        (lambda base: _win_rate(base, True, True) / _win_rate(base, True, False),
         "that is a ratio; the question asks for a difference of shares."),
    ],
    hints=("two groups of dearer decided deals, one win rate each, then a difference.",
           "filter the decided, dearer deals; split them by `technical_plan`; take the share won in each group."),
    own=OWN,
)
def _dearer_plan_gap(base):
    return _plan_gap(base)


def _praise_rate(base, praised: bool) -> float:
    leads = base.leads
    return float((leads.status.astype(str) == "converted")[leads.praised_publicly.astype(bool) == praised].mean())


@exercise(
    "12.2",
    "On your own b2b base, how many points higher is the conversion of leads who praised the product in public than "
    "that of the leads who did not (all levels together)? Answer as a difference of shares.",
    "in `leads`, the share with `status == 'converted'` among those with `praised_publicly`, minus the same share "
    "among the others.",
    mistakes=[
        (lambda base: _praise_rate(base, True),
         "that is the conversion of the praising leads alone; subtract the conversion of the others."),
        (lambda base: _praise_rate(base, False) - _praise_rate(base, True),
         "the sign is the wrong way round: praised minus not praised."),
        (lambda base: _praise_rate(base, True) / _praise_rate(base, False),
         "that is a ratio; the question asks for a difference of shares."),
    ],
    hints=("two groups of leads, one conversion rate each.",
           "split `leads` by `praised_publicly` and take the share converted in each group, then subtract."),
    own=OWN,
)
def _praise_gap(base):
    return _praise_rate(base, True) - _praise_rate(base, False)


_PAST = "2024-06-30"


def _pipe(base, as_of=None):
    from ..accounts import pipeline

    return pipeline(base, as_of)


@exercise(
    "12.3",
    f"On your own b2b base, looking back to {_PAST} (half a year before the big accounts left): which procurement "
    "stage held the most open value that day? Give the stage code. Nothing that happened later may count.",
    "`accounts.pipeline(mine, as_of=...)` with the date; the stage with the largest `open_value`.",
    mistakes=[
        (lambda base: str((_pipe(base, _PAST)["open_value"] / _pipe(base, _PAST)["deals"]).idxmax()),
         "that is the stage whose average open deal is worth most; the question asks where the most money was open: "
         "all of a stage's deals added up."),
        (lambda base: str(_pipe(base)["open_value"].idxmax()),
         f"that is the pipeline on your base's own `as_of`; the question asks about {_PAST}: pass it as `as_of`."),
    ],
    hints=("a pipeline is a picture taken on one day: which day does the question ask about?",
           "the pipeline function takes the date of the picture; then read the stage with the largest open value."),
    own=OWN,
)
def _biggest_stage_then(base):
    return str(_pipe(base, _PAST)["open_value"].idxmax())


# Channel wear-out (渠道衰减) and the lead pool (待分配客户). A channel wears out when its leads convert less often
# than they used to: judged by conversion within a fixed window, on leads old enough to have had it, not by the share
# of leads a channel brings, nor by the share marked converted so far (recent leads have had no time).

_WINDOW = 180
_FOCUS = "cold_call"


def _channels(base):
    from ..accounts import channel_effectiveness

    return channel_effectiveness(base)


def _wear(base):
    from ..accounts import channel_wear_out

    return channel_wear_out(base, window_days=_WINDOW)


def _window_table(base):
    from ..accounts import channel_conversion

    return channel_conversion(base, window_days=_WINDOW).set_index(["period", "source"])


def _raw_first_last(base, column: str):
    """Per source, the last calendar year's ``column`` minus the first year's, from the plain table (every lead)."""
    ce = _channels(base).sort_values("period")
    g = ce.groupby("source")[column]
    return g.last() - g.first()


def _most_fallen(change) -> str:
    return str(change.sort_values(kind="stable").index[0])


_COUNTED_RECENT = ("that compares the share of leads marked converted, and the last calendar year includes leads too "
                   "recent to have converted yet: a fall that is partly only missing time. Judge each lead on the same "
                   f"window ({_WINDOW} days), and only the leads old enough for it.")
_USED_SHARE = ("that is the share of the leads a source brings: where leads come from, not whether they convert. A "
               "source can lose share and convert as well as ever.")


@exercise(
    "12.4",
    "On your own b2b base (`generate('b2b', seed=MY_SEED)`), judge each lead by whether it became a customer within "
    f"{_WINDOW} days of arriving, counting only leads at least {_WINDOW} days old on the base's `as_of`. Which lead "
    "source's conversion fell the most from its first year to its last complete year (the channel that wore out "
    "most)? Answer with the source name.",
    f"`accounts.channel_wear_out(mine, window_days={_WINDOW})`: the source with the most negative `change` (last "
    "complete year minus first year).",
    hints=("wear-out is a rate falling over time, not a volume: compare each source with itself, and give every lead "
           "the same time to convert.",
           f"one conversion per source and year, each lead judged on a {_WINDOW}-day window and only leads old enough "
           "for it; take each source's first year and its last complete one and compare."),
    mistakes=[
        (lambda base: _most_fallen(_raw_first_last(base, "conversion_rate")), _COUNTED_RECENT),
        # (the source with the most leads is trade shows on every base, like the share mistake: one hint covers both)
        (lambda base: _most_fallen(_raw_first_last(base, "share_of_leads")), _USED_SHARE),
    ],
    own=OWN,
)
def _most_worn_out(base):
    return _most_fallen(_wear(base)["change"])


def _latest_year(base) -> str:
    return str(_channels(base)["period"].max())


def _focus_in_window(base) -> float:
    row = _window_table(base).loc[(_latest_year(base), _FOCUS)]
    return float(row["converted"] / row["eligible"])


def _focus_raw(base, column: str) -> float:
    ce = _channels(base).set_index(["period", "source"])
    return float(ce.loc[(_latest_year(base), _FOCUS), column])


@exercise(
    "12.12",
    f"On your own b2b base, take the cold-call leads that came in during the latest year of your data. Of those old "
    f"enough to judge (at least {_WINDOW} days before the base's `as_of`), what share became a customer within "
    f"{_WINDOW} days of arriving? Give a share between 0 and 1.",
    f"`accounts.channel_conversion(mine, window_days={_WINDOW})`: the row of the latest period and `cold_call`, its "
    "`conversion` (`converted` over `eligible`).",
    hints=("a lead that came in last month has not had the time to convert: which leads may you count at all?",
           f"keep the latest year's cold-call leads created at least {_WINDOW} days before `as_of`; count those that "
           f"became a customer within {_WINDOW} days; divide by how many you kept."),
    mistakes=[
        (lambda base: _focus_raw(base, "conversion_rate"),
         "that counts every lead of the year, also those too recent to have had the window, as not converted. Leave "
         f"out the leads younger than {_WINDOW} days on `as_of` (`too_recent`), do not count them as failures."),
        (lambda base: _focus_raw(base, "share_of_leads"), _USED_SHARE + " The question asks what share of them converted."),
        (lambda base: float(_window_table(base).loc[(_latest_year(base), _FOCUS), "all_sources"]),
         "that is the conversion over every source that year; the question asks about cold calls only."),
    ],
    own=OWN,
)
def _cold_calls_latest(base):
    return _focus_in_window(base)


def _focus_change(base) -> float:
    return float(_wear(base).loc[_FOCUS, "change"])


@exercise(
    "12.13",
    f"On your own b2b base, by how much did the {_WINDOW}-day conversion of cold-call leads change from the first year "
    "to the last complete year (every lead of it old enough for the window)? Answer last minus first, as a difference "
    "of shares (-0.12 for a fall of 12 points).",
    f"`accounts.channel_wear_out(mine, window_days={_WINDOW})`: the `change` of the `cold_call` row (its "
    "`last_conversion` minus its `first_conversion`).",
    hints=("the last calendar year is cut short by the window: which is the last year whose every lead had its "
           f"{_WINDOW} days?",
           "one conversion for the first year and one for the last complete year, each on leads judged with the same "
           "window; subtract the first from the last."),
    mistakes=[
        (lambda base: float(_raw_first_last(base, "conversion_rate").loc[_FOCUS]), _COUNTED_RECENT),
        (lambda base: float(_raw_first_last(base, "share_of_leads").loc[_FOCUS]), _USED_SHARE),
        (lambda base: -_focus_change(base), "the sign is the wrong way round: last minus first, negative for a fall."),
    ],
    own=OWN,
)
def _cold_call_change(base):
    return _focus_change(base)


def _pool(base):
    from ..accounts import lead_pool

    return lead_pool(base)


def _to_lightest(base) -> float:
    from ..accounts import assign_leads, rep_load

    load = rep_load(base)
    lightest = min(load.index, key=lambda r: (load[r], r))
    plan = assign_leads(_pool(base), load)
    return float((plan["assigned_rep"] == lightest).mean())


def _reps(base) -> int:
    from ..accounts import rep_load

    return int(len(rep_load(base)))


# A share, not a count: the count of leads the lightest rep gets is much the same on every learner's base (about ten),
# the share of the pool it makes is not.
@exercise(
    "12.5",
    "On your own b2b base, if the whole lead pool (待分配客户) were handed out on its `as_of` by the kit's rule (best "
    "lead first, each to the rep with the lightest load at that moment), what share of the pool's leads would go to "
    "the rep whose load is the lightest today? Predict first, then compute.",
    "`plan = accounts.assign_leads(accounts.lead_pool(mine), accounts.rep_load(mine))`, then the share of its rows "
    "whose `assigned_rep` is the rep with the smallest `accounts.rep_load(mine)`.",
    hints=("the lightest rep's load grows by one with every lead; when does another rep become the lightest?",
           "hand out the pool with the kit's assignment and take the share of the leads that go to today's lightest "
           "rep."),
    mistakes=[
        (lambda base: 1.0,
         "that is the whole pool; each lead goes to whoever is lightest at that moment, and that changes as loads grow."),
        (lambda base: 1 / _reps(base),
         "that is an even split; the rule fills the lightest rep up first, so the split is not even."),
        (lambda base: float(round(_to_lightest(base) * len(_pool(base)))),
         "that is how many leads; the question asks for their share of the pool."),
    ],
    own=OWN,
)
def _lightest_rep_leads(base):
    return _to_lightest(base)


@exercise(
    "12.6",
    "Explain: for the account you explored above, sketch its key-account system in four lines: who is on the team, "
    "which sales model fits (club, consultative or customised), which incentives (material and honorary), and how "
    "often and by whom it is contacted.",
    "one line per part; tie each to what the account's buying team, deals and cadence show.",
    kind="explain",
    min_words=30,
)
def _account_system(base):
    return None


# Recapping the benefits a customer got after each deal (成交后的利益回顾).

def _recap(base, customer_id):
    from ..accounts import deal_recap

    return deal_recap(base, customer_id=customer_id)


def _discount_before_and_after(base, customer_id):
    o = base.orders
    return float(o.loc[(o.customer_id.astype(str) == customer_id) & (o.order_date <= base.as_of), "discount"].sum())


def _recap_all(base):
    from ..accounts import deal_recap

    return deal_recap(base)


def _revenue_365d(base):
    o = base.orders
    o = o.loc[(o.order_date > base.as_of - __import__("pandas").Timedelta(days=365)) & (o.order_date <= base.as_of)]
    return o.groupby(o.customer_id.astype(str))["amount"].sum()


def _pick_stayer(base):
    """The account with won deals that brought the most revenue in the last 365 days."""
    ids = sorted(set(_recap_all(base)["customer_id"].astype(str)))
    rev = _revenue_365d(base).reindex(ids, fill_value=0.0)
    return {"customer_id": str(rev.sort_values(ascending=False, kind="stable").index[0])}


def _pick_leaver(base):
    """Of the accounts with complaints after their won deals and no order in the last 365 days, the one whose won
    deals were worth most (else any account with complaints after its deals)."""
    r = _recap_all(base)
    per = r.assign(customer_id=r["customer_id"].astype(str)).groupby("customer_id")[["deal_value", "complaints"]].sum()
    per = per.loc[per["complaints"] > 0]
    gone = per.loc[~per.index.isin(_revenue_365d(base).index)]
    pool = gone if len(gone) else per
    return {"customer_id": str(pool["deal_value"].sort_values(ascending=False, kind="stable").index[0])}


@exercise(
    "12.7",
    "On your own b2b base, the account that `ex.params_for('12.7', mine)` names is the one with won deals that "
    "bought most in the last year. How much money did it save in discounts on the orders delivered after its won "
    "deals (every recap period added up, to its `as_of`)?",
    "`accounts.deal_recap(mine, customer_id=...)` has a `discount_value` per won deal: add them up.",
    mistakes=[
        (lambda base, customer_id: _discount_before_and_after(base, customer_id),
         "that adds every discount the account ever got, also before its first won deal; the recap starts at a deal."),
        (lambda base, customer_id: float(_recap(base, customer_id)["discount_value"].iloc[-1]),
         "that is the period after the latest deal only; add up every period."),
    ],
    hints=("a recap runs from each won deal to the next; the discounts are money in `orders`.",
           "recap the account's deals and add up the discount column."),
    pick=_pick_stayer,
    own=OWN,
    answer_type="number",  # money: "a lot" is told before the account's deals are recapped
)
def _stayer_savings(base, customer_id):
    return float(_recap(base, customer_id)["discount_value"].sum())


@exercise(
    "12.8",
    "On your own b2b base, the account that `ex.params_for('12.8', mine)` names stopped ordering. Of the complaints "
    "it raised after its won deals, what share had been resolved by its `as_of`?",
    "`accounts.deal_recap(mine, customer_id=...)`: the sum of `complaints_resolved` over the sum of `complaints`.",
    mistakes=[
        (lambda base, customer_id: float(_recap(base, customer_id)["complaints_resolved"].sum()),
         "that is a count of resolved complaints; the question asks for a share of all its complaints."),
        (lambda base, customer_id: float(_recap(base, customer_id)["complaints_open"].sum()
                                         / _recap(base, customer_id)["complaints"].sum()),
         "that is the share still open; the question asks for the share resolved."),
    ],
    hints=("two totals over every recap period, then one over the other.",
           "add up `complaints_resolved` and `complaints` over the account's recap rows and divide."),
    pick=_pick_leaver,
    own=OWN,
)
def _leaver_resolved_share(base, customer_id):
    r = _recap(base, customer_id)
    return float(r["complaints_resolved"].sum() / r["complaints"].sum())


# The key-account system (大客户管理系统): team, sales model, incentives, service.

_ELEMENTS = ("team", "sales_model", "incentives", "service")


def _system(base):
    from ..accounts import key_account_system

    return key_account_system(base)


def _scores(base, customer_id) -> dict:
    row = _system(base).loc[customer_id]
    return {e: float(row[f"{e}_score"]) for e in _ELEMENTS if row[f"{e}_score"] == row[f"{e}_score"]}


@exercise(
    "12.9",
    "Predict, before you run the system table on your own base: for which element of the key-account system (team, "
    "sales_model, incentives or service) will the most key accounts score weakest?",
    "commit to a guess first, then count the `weakest` column of `accounts.key_account_system(mine)`.",
    kind="predict",
    choices=_ELEMENTS,
    reason=lambda base: "Weakest element per key account: " + ", ".join(
        f"{k} {v}" for k, v in _system(base)["weakest"].value_counts().items()) + ".",
)
def _most_common_weakest(base):
    counts = _system(base)["weakest"].value_counts()
    top = counts.max()
    return next(e for e in _ELEMENTS if counts.get(e, 0) == top)


def _pick_system(base):
    system = _system(base)
    for cid, row in system.iterrows():
        pts = sorted(float(row[f"{e}_score"]) for e in _ELEMENTS if row[f"{e}_score"] == row[f"{e}_score"])
        if len(pts) >= 3 and pts[0] < pts[1]:  # one weakest element, so the decision has one answer
            return {"customer_id": str(cid)}
    return {"customer_id": str(system.index[0])}


def _system_reason(base, customer_id) -> str:
    row = _system(base).loc[customer_id]
    parts = [
        f"team {row['team_score']:.2f} (manager's load {row['manager_load']:.0f} against an average of {row['average_load']:.0f})",
        (f"sales model {row['sales_model_score']:.2f} ({row['plan_share']:.0%} of {int(row['deals_730d'])} deals "
         "with a technical plan)") if row["sales_model_score"] == row["sales_model_score"] else "sales model not judged",
        (f"incentives {row['incentives_score']:.2f} (discounts {row['discount_share']:.1%} of its revenue against "
         f"{row['base_discount_share']:.1%} for all customers)") if row["incentives_score"] == row["incentives_score"]
        else "incentives not judged",
        (f"service {row['service_score']:.2f} ({int(row['care_contacts'])} care contacts in a year against "
         f"{row['required_contacts']:.0f} the key cadence asks)"),
    ]
    return "The kit's scores: " + "; ".join(parts) + f". Weakest: {row['weakest']}."


@exercise(
    "12.10",
    "Decide: for the key account that `ex.params_for('12.10', mine)` names, which element of its key-account system "
    "is weakest by the kit's rule (each element's measure against its target, capped at 1; the lowest score): team, "
    "sales_model, incentives or service?",
    "`accounts.key_account_system(mine)`: read the four `*_score` columns of the account's row and name the smallest.",
    kind="decide",
    choices=_ELEMENTS,
    hints=("each element has a target: the average rep's load, a plan with every deal, the average customer's "
           "rebate, the key tier's cadence. Which falls furthest short?",
           "look at the account's row of `accounts.key_account_system(mine)`: the four `_score` columns."),
    mistakes=[
        (lambda base, customer_id: max((s := _scores(base, customer_id)), key=lambda k: s[k]),
         "that is its strongest element; the system is only as good as its weakest one."),
    ],
    reason=_system_reason,
    pick=_pick_system,
    own=OWN,
)
def _weakest_element(base, customer_id):
    return str(_system(base).loc[customer_id, "weakest"])


def _shortfalls(base):
    s = _system(base)
    return s["required_contacts"] - s["care_contacts"]


@exercise(
    "12.11",
    "On your own b2b base, how many care contacts (visits, calls, events, follow-ups) were missing in the last 365 "
    "days, added up over all key accounts, for every key account to keep the key tier's cadence? An account "
    "contacted more often than asked does not make up for another. The cadence (365 days over the key tier's "
    "`contact_every_days`) is not a whole number of contacts: give the total to one decimal.",
    "`accounts.key_account_system(mine)`: per account, `required_contacts` minus `care_contacts`, no lower than 0; add up.",
    mistakes=[
        (lambda base: float(_shortfalls(base).sum()),
         "accounts contacted more than the cadence asks have offset the others; count only what is missing (no "
         "negative shortfalls: `.clip(lower=0)`)."),
        (lambda base: float((_shortfalls(base) > 0).sum()),
         "that counts the accounts short of the cadence; the question asks how many contacts are missing."),
    ],
    hints=("the cadence asks for a number of contacts per key account a year: compare it with what each got.",
           "one shortfall per key account (what the cadence asks minus what it got, at least 0), then a total."),
    decimals=1,
    own=OWN,
)
def _missing_contacts(base):
    return float(_shortfalls(base).clip(lower=0).sum())


# Map the buying organisation (采购决策链): who decides, who is for us, who is against us.

def _key_coverage(base):
    from ..accounts import stakeholder_coverage

    key = base.customers.loc[base.customers["tier_of_record"].astype(str) == "A", "customer_id"].astype(str)
    cov = stakeholder_coverage(base)
    return cov.loc[cov.index.isin(set(key))]


@exercise(
    "12.14",
    "On your own b2b base, map the buying team of every key account (tier of record 'A') that has contacts: what share "
    "of them are at risk by the kit's coverage check (the decision maker is not a supporter AND someone in the team "
    "is an opponent)?",
    "`accounts.stakeholder_coverage(mine)`, keep the key accounts (`mine.customers.tier_of_record == 'A'`), and take "
    "the mean of `at_risk`.",
    mistakes=[
        (lambda base: float(_key_coverage(base)["opponent_present"].mean()),
         "that counts every key account with an opponent; an opponent is a risk only when the decision maker is not "
         "on our side as well."),
        (lambda base: float((~_key_coverage(base)["decision_maker_supporter"]).mean()),
         "that counts every key account whose decision maker is not a supporter; the check also asks for an opponent "
         "in the team."),
        (lambda base: float(_key_coverage(base)["at_risk"].sum()),
         "that is a number of accounts; the question asks for a share of the key accounts."),
    ],
    hints=("two conditions on each key account's buying team, both at once, then a share.",
           "the coverage table has one row per account with `decision_maker_supporter` and `opponent_present`; "
           "keep the key accounts."),
    own=OWN,
)
def _key_at_risk_share(base):
    return float(_key_coverage(base)["at_risk"].mean())


_COVER = ("at_risk", "covered")


def _pick_half_covered(base) -> dict:
    """A key account that has one warning sign but not both: a supporter decides but an opponent sits in the team, or
    (when no account has that) the decision maker is not for us but nobody is against us."""
    cov = _key_coverage(base)
    for mask in (cov["decision_maker_supporter"] & cov["opponent_present"],
                 ~cov["decision_maker_supporter"] & ~cov["opponent_present"]):
        if mask.any():
            return {"customer_id": str(sorted(cov.index[mask])[0])}
    return {"customer_id": str(sorted(cov.index)[0])}


def _cover_reason(base, customer_id) -> str:
    row = _key_coverage(base).loc[customer_id]
    return (f"{customer_id}'s buying team: decision maker {row['decision_maker_attitude']}, {int(row['supporters'])} "
            f"supporters and {int(row['opponents'])} opponents among {int(row['contacts'])} contacts. The kit calls an "
            "account at risk only when both signs meet: nobody who decides is for us and someone is against us. One "
            "sign alone is a task for the account manager (win the decision maker, answer the opponent), not an alarm.")


@exercise(
    "12.15",
    "Decide: the key account that `ex.params_for('12.15', mine)` names shows one warning sign in its buying team. By "
    "the kit's coverage check, is it 'at_risk' or 'covered'? Map its team first (`accounts.stakeholder_map`).",
    "`accounts.stakeholder_coverage(mine, [customer_id])`: at risk only when the decision maker is not a supporter "
    "and an opponent is present.",
    kind="decide",
    choices=_COVER,
    hints=("who decides, and is anyone against us? The check needs both answers.",
           "read the decision maker's attitude and count the opponents in the account's stakeholder map."),
    mistakes=[
        (lambda base, customer_id: _COVER[1] if _key_coverage(base).loc[customer_id, "at_risk"] else _COVER[0],
         "one warning sign is not both: the kit's check asks for a decision maker who is not for us AND an opponent "
         "in the team."),
    ],
    reason=_cover_reason,
    pick=_pick_half_covered,
    own=OWN,
)
def _covered_or_not(base, customer_id):
    return _COVER[0] if _key_coverage(base).loc[customer_id, "at_risk"] else _COVER[1]


# 12.16: commitment and consistency within one lead level (the mix of levels is not the effect).
_LEVEL = "qualified"


def _level_praise_gap(base, level: str | None) -> float:
    leads = base.leads
    if level is not None:
        leads = leads.loc[leads["level"].astype(str) == level]
    converted = leads["status"].astype(str) == "converted"
    praised = leads["praised_publicly"].astype(bool)
    return float(converted[praised].mean() - converted[~praised].mean())


@exercise(
    "12.16",
    f"On your own b2b base, keep only the '{_LEVEL}' leads: how many points higher is the conversion of those who "
    "praised the product in public than that of those who did not? Answer as a difference of shares. (12.2 mixed all "
    "levels; within one level, the lead's level cannot be what makes the gap.)",
    f"`accounts.praise_and_conversion(mine, by='level')`: the `conversion_rate` of the praising '{_LEVEL}' leads minus "
    f"that of the other '{_LEVEL}' leads.",
    mistakes=[
        (lambda base: _level_praise_gap(base, None),
         "that mixes all levels, as 12.2 did; keep the qualified leads only, so the level cannot explain the gap."),
        (lambda base: _level_praise_gap(base, "key"),
         f"that is the gap among the key leads; the question asks about the '{_LEVEL}' ones."),
        (lambda base: _level_praise_gap(base, "undifferentiated"),
         f"that is the gap among the undifferentiated leads; the question asks about the '{_LEVEL}' ones."),
    ],
    hints=("one level of leads, two groups in it (praised or not), one conversion each, then a difference.",
           f"filter `mine.leads` to `level == '{_LEVEL}'` (or read the table by level) and compare the two groups."),
    own=OWN,
)
def _qualified_praise_gap(base):
    return _level_praise_gap(base, _LEVEL)


# 12.17: service value beats price, but not at any price (the plan's lift in the dearest band).
_BAND = "over_5pct_dearer"


def _band_rate(base, band: str, plan: bool) -> float:
    from ..accounts import competitor_comparison

    comp = competitor_comparison(base).set_index(["price_band", "technical_plan"])
    return float(comp.loc[(band, plan), "win_rate"])


@exercise(
    "12.17",
    "On your own b2b base, take the decided deals where our quote was more than 5% dearer than the competitor's: how "
    "many points does a technical improvement plan add to the win rate there? Answer as a difference of shares. "
    "Compare with your answer to 12.1 (all dearer deals): does the plan still make up for the price?",
    f"`accounts.competitor_comparison(mine)`: in the '{_BAND}' band, the `win_rate` with `technical_plan` minus the "
    "one without.",
    mistakes=[
        (lambda base: _plan_gap(base),
         "that is 12.1's figure, over every dearer deal; keep the deals more than 5% dearer only."),
        (lambda base: _band_rate(base, "up_to_5pct_dearer", True) - _band_rate(base, "up_to_5pct_dearer", False),
         "that is the band up to 5% dearer; the question asks about the deals more than 5% dearer."),
        (lambda base: _band_rate(base, _BAND, True),
         "that is the win rate with a plan alone; subtract the rate without one."),
    ],
    hints=("one price band, two groups in it (with and without a plan), one win rate each, then a difference.",
           "the competitor comparison has one row per price band and plan; read the two rows of the dearest band."),
    own=OWN,
)
def _dearest_plan_gap(base):
    return _band_rate(base, _BAND, True) - _band_rate(base, _BAND, False)


# 12.18: the procurement stages (采购七阶段): where the funnel leaks, read at the final decision.

def _stages(base):
    from ..accounts import stage_conversion

    return stage_conversion(base)


def _decided_win_rate(base) -> float:
    o = base.opportunities
    decided = o.loc[o["outcome"].astype(str) != "open"]
    return float((decided["outcome"].astype(str) == "won").mean())


@exercise(
    "12.18",
    "On your own b2b base, by the kit's stage conversion (`accounts.stage_conversion(mine)`): of the decided deals "
    "that reached the final decision (最终决策), what share moved on to after-sales service, that is, were won? "
    "Compare it with the win rate of all decided deals: where in the procurement process are deals lost?",
    "`accounts.stage_conversion(mine).loc['final_decision', 'conversion_to_next']`.",
    mistakes=[
        (lambda base: _decided_win_rate(base),
         "that is the win rate of every decided deal, also those lost at earlier stages; keep the deals that reached "
         "the final decision."),
        (lambda base: float(_stages(base).loc["after_sales", "entered"] / _stages(base).loc["internal_need", "entered"]),
         "that is the whole funnel, from internal need to after-sales; the question starts at the final decision."),
    ],
    hints=("one stage of the seven, and the deals that left it: how many went on?",
           "the stage conversion table has one row per stage; read the final decision's conversion to the next stage."),
    own=OWN,
)
def _final_decision_conversion(base):
    return float(_stages(base).loc["final_decision", "conversion_to_next"])
