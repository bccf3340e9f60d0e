"""Exercises 07.1-07.3 run on the learner's own shop: the right answer passes, a neighbour's fails, and each
recognised mistake (the notebook's parameters, half the computation) gets its own hint on a learner's base."""
import pytest

from playbook import exercises as ex
from playbook.synth import generate

IDS = ("07.1", "07.2", "07.3")
LEARNER, NEIGHBOURS = 7, (1, 2, 3, 4)


@pytest.fixture(scope="module")
def shops():
    # the notebook's own shop size (2,000 customers): seconds each
    return {s: generate("retail", n_customers=2000, seed=s) for s in (LEARNER, *NEIGHBOURS)}


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    ex.reset_attempts()


def _answer(exercise_id, base):
    params = ex.params_for(exercise_id, base)
    return ex.REGISTRY[exercise_id].solve(base, **params), params


@pytest.mark.parametrize("exercise_id", IDS)
def test_right_answer_on_my_shop_passes_in_strict_mode(exercise_id, shops, monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "1")
    mine = shops[LEARNER]
    right, params = _answer(exercise_id, mine)
    assert ex.check(exercise_id, right, mine, **params).passed
    with pytest.raises(AssertionError, match="not quite"):
        ex.check(exercise_id, right * 1.5 + 1, mine, **params)


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_wrong_answer_gets_the_first_hint(exercise_id, shops):
    mine = shops[LEARNER]
    right, params = _answer(exercise_id, mine)
    result = ex.check(exercise_id, right * 1.5 + 1, mine, **params)
    assert not result.passed and "Hint 1 of 3" in result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_neighbours_answer_fails(exercise_id, shops):
    mine = shops[LEARNER]
    right, params = _answer(exercise_id, mine)
    theirs = [_answer(exercise_id, shops[s])[0] for s in NEIGHBOURS]
    different = [t for t in theirs if not ex.compare(t, right, decimals=ex.REGISTRY[exercise_id].decimals)]
    assert len(different) >= 3, (right, theirs)  # most neighbours have another answer...
    for t in different:  # ...and copying it fails
        assert not ex.check(exercise_id, t, mine, **params).passed


@pytest.mark.parametrize("exercise_id, k", [(i, k) for i in IDS for k in range(len(ex.REGISTRY[i].mistakes))])
def test_each_mistake_gets_its_own_hint_on_a_learners_shop(exercise_id, k, shops):
    e = ex.REGISTRY[exercise_id]
    seen = 0
    for base in shops.values():
        right, params = _answer(exercise_id, base)
        values = [m(base, **params) for m, _ in e.mistakes]
        wrong = values[k]
        # a mistake that happens to give the right figure (or an earlier mistake's) on one shop cannot be told apart
        if ex.compare(wrong, right, decimals=e.decimals) or any(ex.compare(wrong, v) for v in values[:k]):
            continue
        seen += 1
        result = ex.check(exercise_id, wrong, base, **params)
        assert not result.passed and e.mistakes[k][1] in result.message
    assert seen >= 2


def test_the_spenders_share_is_named_and_worth_more_than_the_leaders(shops):
    # the lesson of 07.1: on every shop the influence list brings in less revenue than the spend list
    from playbook.exercises.influence import _list_share

    for base in shops.values():
        assert _list_share(base, 100) < _list_share(base, 100, keep="spend_only")
    mine = shops[LEARNER]
    assert "biggest spenders" in ex.check("07.1", _list_share(mine, 100, keep="spend_only"), mine).message


def test_07_3_names_a_gold_salesperson_of_the_learners_own_shop(shops):
    from playbook.influence import opinion_leaders

    names = {s: ex.params_for("07.3", base)["customer_id"] for s, base in shops.items()}
    for s, cid in names.items():
        assert opinion_leaders(shops[s]).loc[cid, "predicted_role"] == "gold_salesperson"
    assert len(set(names.values())) >= 3  # different shops name different customers
