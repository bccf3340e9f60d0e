"""Exercises 06.1-06.3 on the learner's own shop (600 customers, as in notebook 06): right passes, a neighbour's
figure and the shipped shop's figure fail, and each recognised mistake gets its own hint. Strict mode, as in CI."""
import pytest

import playbook
from playbook import exercises as ex
from playbook.synth import generate

OWN = ["06.1", "06.2", "06.3"]
SEEDS = (7, 8)


@pytest.fixture(scope="module")
def shops():
    return {seed: generate("retail", n_customers=600, seed=seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def shipped():
    return playbook.load_dataset("retail")


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "1")
    ex.reset_attempts()


def _check(*args, **kwargs):
    """ex.check in strict mode: a wrong answer raises, and the message is in the error."""
    try:
        return True, repr(ex.check(*args, **kwargs))
    except AssertionError as error:
        return False, str(error)


@pytest.mark.parametrize("exercise_id", OWN)
def test_right_passes_on_my_shop(shops, exercise_id):
    mine = shops[SEEDS[0]]
    passed, message = _check(exercise_id, ex.REGISTRY[exercise_id].solve(mine), mine)
    assert passed and "correct" in message


@pytest.mark.parametrize("exercise_id", OWN)
def test_a_neighbours_figure_fails(shops, exercise_id):
    mine, theirs = shops[SEEDS[0]], shops[SEEDS[1]]
    e = ex.REGISTRY[exercise_id]
    assert not ex.compare(e.solve(theirs), e.solve(mine), rtol=e.rtol, decimals=e.decimals)
    passed, _ = _check(exercise_id, e.solve(theirs), mine)
    assert not passed


@pytest.mark.parametrize("exercise_id", OWN)
def test_the_shipped_shops_figure_fails(shops, shipped, exercise_id):
    mine = shops[SEEDS[0]]
    passed, _ = _check(exercise_id, ex.REGISTRY[exercise_id].solve(shipped), mine)
    assert not passed


@pytest.mark.parametrize("exercise_id, k", [(i, k) for i in OWN for k in range(len(ex.REGISTRY[i].mistakes))])
def test_each_mistake_gets_its_own_hint_on_my_shop(shops, exercise_id, k):
    mine = shops[SEEDS[0]]
    wrong, hint = ex.REGISTRY[exercise_id].mistakes[k]
    passed, message = _check(exercise_id, wrong(mine), mine)
    assert not passed and hint in message


@pytest.mark.parametrize("exercise_id", OWN)
def test_a_wrong_answer_climbs_nudge_method_recipe(shops, exercise_id):
    mine = shops[SEEDS[0]]
    e = ex.REGISTRY[exercise_id]
    assert len(e.ladder) == 3
    for step, text in enumerate(e.ladder, start=1):
        passed, message = _check(exercise_id, e.solve(mine) * 1.5 + 1, mine)
        assert not passed and f"Hint {step} of 3: {text}" in message


def test_the_revenue_share_is_what_buyer_consumer_split_reports(shops):
    from playbook.customer_types import buyer_consumer_split

    mine = shops[SEEDS[0]]
    mix = buyer_consumer_split(mine, level="recipient")
    assert ex.REGISTRY["06.1"].solve(mine) == pytest.approx(float(mix.drop(index="self")["share_of_revenue"].sum()))
    # the notebook prints the share of orders: typed back, it is recognised
    assert "the measure the notebook prints" in _check("06.1", ex.REGISTRY["06.1"].mistakes[0][0](mine), mine)[1]
