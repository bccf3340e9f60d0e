"""Exercises 03.1-03.3 and 04.1-04.3 on the learner's own shop: right passes, a neighbour's figure, the shipped
shop's figure and the figure the notebook prints all fail, and each recognised mistake gets its own hint."""
import pytest

import playbook
from playbook import exercises as ex
from playbook.synth import generate

OWN = ["03.1", "03.2", "03.3", "04.1", "04.2", "04.3"]
SEEDS = (7, 8)


@pytest.fixture(scope="module")
def shops():
    return {seed: generate("retail", n_customers=1000, seed=seed) for seed in SEEDS}


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


def test_the_questions_ask_what_the_notebook_does_not_print(shops):
    # the notebook prints the top 20% and the customers that make half; the questions ask the top 10% and 80%
    mine = shops[SEEDS[0]]
    assert "that is the top 20%" in _check("03.1", ex.REGISTRY["03.1"].mistakes[0][0](mine), mine)[1]
    assert "half of revenue" in _check("03.2", ex.REGISTRY["03.2"].mistakes[0][0](mine), mine)[1]


def test_rfm_questions_ask_another_date_and_other_segments(shops):
    # the notebook scores at the end of the data and prints champions + loyal; the questions move the date and the pair
    mine = shops[SEEDS[0]]
    assert "the notebook's date" in _check("04.1", ex.REGISTRY["04.1"].mistakes[0][0](mine), mine)[1]
    assert "the pair the notebook prints" in _check("04.2", ex.REGISTRY["04.2"].mistakes[2][0](mine), mine)[1]
    assert "the notebook's date" in _check("04.3", ex.REGISTRY["04.3"].mistakes[2][0](mine), mine)[1]
