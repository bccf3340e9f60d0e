"""Exercises 07.1 and 07.3 teach something on every learner's shop (the checks on the learner's own base are in
test_exercises_own_base.py)."""
import pytest

from playbook import exercises as ex
from playbook.influence import opinion_leaders

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
