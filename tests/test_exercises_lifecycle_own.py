"""Exercises of notebook 05 on the learner's own shop: what the parametrised checks of test_exercises_own_base.py
cannot say generically (05.2 and 05.3, month 9 of the cohorts and the year's slide from retention, are checked
there, right and wrong, neighbour and shipped figure, each mistake). Here: the decisions name a customer of the
learner's own shop whose evidence needs the rules, and the prediction teaches the same on every shop. Strict mode,
as in CI."""
import pytest

from playbook import exercises as ex

SEEDS = (7, 8, 1, 2, 3)


def test_the_named_customer_is_the_learners_own(own_base):
    mine, theirs = own_base("05.1", 7), own_base("05.1", 8)
    assert ex.params_for("05.1", mine) != ex.params_for("05.1", theirs)


def test_the_step_half_a_year_back_passes_with_the_kits_reason(own_base, strict_check):
    mine = own_base("05.1", 7)
    who = ex.params_for("05.1", mine)
    passed, message = strict_check("05.1", ex.REGISTRY["05.1"].solve(mine, **who), mine, **who)
    assert passed and "On 2025-06-30 the kit's rules say" in message


@pytest.mark.parametrize("seed", (7, 8))
def test_the_step_on_the_notebooks_date_gets_its_own_hint(own_base, strict_check, seed):
    # the pick names a customer whose step moved between 2025-06-30 and the end of the data
    mine = own_base("05.1", seed)
    who = ex.params_for("05.1", mine)
    e = ex.REGISTRY["05.1"]
    wrong_fn, hint = e.mistakes[0]
    assert wrong_fn(mine, **who) != e.solve(mine, **who)
    passed, message = strict_check("05.1", wrong_fn(mine, **who), mine, **who)
    assert not passed and hint in message


def test_another_wrong_step_climbs_nudge_method_recipe(own_base, strict_check):
    mine = own_base("05.1", 7)
    who = ex.params_for("05.1", mine)
    e = ex.REGISTRY["05.1"]
    known = {e.solve(mine, **who), e.mistakes[0][0](mine, **who)}
    wrong = next(c for c in e.choices if c not in known)
    for step, text in enumerate(e.ladder, start=1):
        passed, message = strict_check("05.1", wrong, mine, **who)
        assert not passed and f"Hint {step} of 3: {text}" in message
    assert "choose one of" in strict_check("05.1", "retained", mine, **who)[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_05_5_one_rung_too_low_is_named_and_the_evidence_hides_the_stage(own_base, strict_check, seed):
    from playbook.lifecycle import formation_stage

    mine = own_base("05.5", seed)
    who = ex.params_for("05.5", mine)
    right = ex.REGISTRY["05.5"].solve(mine, **who)
    assert right == "advocate"  # the pick prefers an advocate: two orders over a year make long-term look right
    evidence = formation_stage(mine).drop(columns=["stage", "reason"]).loc[who["customer_id"]]  # the notebook's cell
    assert right not in " ".join(map(str, evidence.tolist()))
    passed, message = strict_check("05.5", "long_term", mine, **who)
    assert not passed and "one rung too low" in message
    passed, message = strict_check("05.5", right, mine, **who)
    assert passed and "The kit's rules say" in message


@pytest.mark.parametrize("seed", SEEDS)
def test_05_6_most_twice_buyers_have_lapsed_on_every_learners_shop(own_base, strict_check, seed):
    # what the debrief cell after 05.6 says: the largest group of customers who bought twice has lapsed
    mine = own_base("05.6", seed)
    assert ex.REGISTRY["05.6"].solve(mine) == "lapsed"
    passed, message = strict_check("05.6", "long_term", mine)
    assert not passed and "not what happened" in message and "Customers with two orders or more" in message
