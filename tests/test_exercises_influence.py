"""Exercises 07.1 and 07.3 teach something on every learner's shop (the checks on the learner's own base are in
test_exercises_own_base.py)."""
import pytest

from playbook import exercises as ex
from playbook.influence import opinion_leaders, reach_of_loss

SEEDS = (7, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def shops(own_base):
    return {s: own_base("07.1", s) for s in SEEDS}


def test_the_influence_list_brings_in_less_than_the_spend_list_on_every_shop(shops, strict_check):
    # the lesson of 07.1: the most influential are not the biggest spenders; the spenders' share is a named mistake
    from playbook.exercises.influence import _list_share

    for base in shops.values():
        assert _list_share(base, 100) < _list_share(base, 100, keep="spend_only")
    mine = shops[7]
    passed, message = strict_check("07.1", _list_share(mine, 100, keep="spend_only"), mine)
    assert not passed and "biggest spenders" in message


def test_07_3_names_a_gold_salesperson_of_the_learners_own_shop(shops):
    names = {s: ex.params_for("07.3", base)["customer_id"] for s, base in shops.items()}
    for s, cid in names.items():
        assert opinion_leaders(shops[s]).loc[cid, "predicted_role"] == "gold_salesperson"
    assert len(set(names.values())) >= 3  # different shops name different customers


def test_07_5_no_guess_is_right_on_every_shop(shops, strict_check):
    # the prediction has no fixed answer: on some shops the biggest spender puts the most at stake, on others a
    # modest buyer with a deep tree; the reason names the customer and the check shows what happened
    answers = {s: ex.REGISTRY["07.5"].solve(base) for s, base in shops.items()}
    assert set(answers.values()) == {"the biggest spender", "someone else"}
    for s, base in shops.items():
        wrong = next(c for c in ex.REGISTRY["07.5"].choices if c != answers[s])
        passed, message = strict_check("07.5", wrong, base)
        assert not passed and "walks out with" in message and "not what happened" in message


def test_07_5_the_shortcut_equals_the_whole_shop(shops):
    # the exercise weighs only the biggest spender and the customers with a tree; over every customer the top is the same
    from playbook.exercises.influence import _at_stake

    base = shops[7]
    everyone = reach_of_loss(base, list(opinion_leaders(base).index))
    assert everyone["revenue_at_stake"].max() == _at_stake(base)["revenue_at_stake"].iloc[0]


def test_07_6_the_rules_of_thumb_are_named_mistakes_and_each_fails_on_some_shop(shops, strict_check):
    e = ex.REGISTRY["07.6"]
    wrong_somewhere = [False] * len(e.mistakes)
    for base in shops.values():
        params = ex.params_for("07.6", base)
        assert len(set(params["customers"])) == 3
        right = e.solve(base, **params)
        passed, message = strict_check("07.6", right, base, **params)
        assert passed and "revenue at stake" in message
        values = [m(base, **params) for m, _ in e.mistakes]
        assert values[0] != values[1]  # the biggest spender is never the widest tree here: one of them is wrong
        for k, (value, (_, hint)) in enumerate(zip(values, e.mistakes)):
            if value != right:
                wrong_somewhere[k] = True
                passed, message = strict_check("07.6", value, base, **params)
                assert not passed and hint in message
    assert all(wrong_somewhere)
