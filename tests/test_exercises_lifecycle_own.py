"""Exercises 05.1-05.3 on the learner's own shop: a named customer's step half a year back, and month 9 of the
cohorts (the notebook prints months 1, 6 and 12 of the shipped shop), and the share of retention that lapsed
in a year. Strict mode, as in CI."""
import pytest

import playbook
from playbook import exercises as ex
from playbook.synth import generate

SEEDS = (7, 8)


@pytest.fixture(scope="module")
def shops():
    return {seed: generate("retail", n_customers=600, seed=seed) for seed in SEEDS}


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "1")
    ex.reset_attempts()


def _check(*args, **kwargs):
    try:
        return True, repr(ex.check(*args, **kwargs))
    except AssertionError as error:
        return False, str(error)


def test_the_named_customer_is_the_learners_own(shops):
    mine, theirs = shops[7], shops[8]
    assert ex.params_for("05.1", mine) != ex.params_for("05.1", theirs)


def test_the_step_half_a_year_back_passes_with_the_kits_reason(shops):
    mine = shops[7]
    who = ex.params_for("05.1", mine)
    passed, message = _check("05.1", ex.REGISTRY["05.1"].solve(mine, **who), mine, **who)
    assert passed and "On 2025-06-30 the kit's rules say" in message


def test_the_step_on_the_notebooks_date_gets_its_own_hint(shops):
    # the pick names a customer whose step moved between 2025-06-30 and the end of the data
    for seed, mine in shops.items():
        who = ex.params_for("05.1", mine)
        e = ex.REGISTRY["05.1"]
        wrong_fn, hint = e.mistakes[0]
        assert wrong_fn(mine, **who) != e.solve(mine, **who), seed
        passed, message = _check("05.1", wrong_fn(mine, **who), mine, **who)
        assert not passed and hint in message


def test_another_wrong_step_climbs_nudge_method_recipe(shops):
    mine = shops[7]
    who = ex.params_for("05.1", mine)
    e = ex.REGISTRY["05.1"]
    known = {e.solve(mine, **who), e.mistakes[0][0](mine, **who)}
    wrong = next(c for c in e.choices if c not in known)
    for step, text in enumerate(e.ladder, start=1):
        passed, message = _check("05.1", wrong, mine, **who)
        assert not passed and f"Hint {step} of 3: {text}" in message
    assert "choose one of" in _check("05.1", "retained", mine, **who)[1]


def test_month_nine_passes_and_a_neighbours_or_the_shipped_figure_fails(shops):
    mine, theirs = shops[7], shops[8]
    e = ex.REGISTRY["05.2"]
    assert _check("05.2", e.solve(mine), mine)[0]
    assert _check("05.2", round(e.solve(mine), 3), mine)[0]
    assert not ex.compare(e.solve(theirs), e.solve(mine), rtol=e.rtol, decimals=e.decimals)
    assert not _check("05.2", e.solve(theirs), mine)[0]
    assert not _check("05.2", e.solve(playbook.load_dataset("retail")), mine)[0]


@pytest.mark.parametrize("k", range(3))
def test_each_cohort_mistake_gets_its_own_hint_on_my_shop(shops, k):
    mine = shops[7]
    wrong_fn, hint = ex.REGISTRY["05.2"].mistakes[k]
    passed, message = _check("05.2", wrong_fn(mine), mine)
    assert not passed and hint in message


def test_a_wrong_cohort_share_climbs_the_ladder(shops):
    mine = shops[7]
    e = ex.REGISTRY["05.2"]
    assert len(e.ladder) == 3
    for step, text in enumerate(e.ladder, start=1):
        passed, message = _check("05.2", 0.5, mine)
        assert not passed and f"Hint {step} of 3: {text}" in message


def test_the_years_slide_passes_and_a_neighbours_or_the_shipped_share_fails(shops):
    mine, theirs = shops[7], shops[8]
    e = ex.REGISTRY["05.3"]
    assert _check("05.3", e.solve(mine), mine)[0]
    assert not ex.compare(e.solve(theirs), e.solve(mine), rtol=e.rtol, decimals=e.decimals)
    assert not _check("05.3", e.solve(theirs), mine)[0]
    assert not _check("05.3", e.solve(playbook.load_dataset("retail")), mine)[0]


@pytest.mark.parametrize("k", range(4))
def test_each_flow_mistake_gets_its_own_hint_on_my_shop(shops, k):
    mine = shops[7]
    wrong_fn, hint = ex.REGISTRY["05.3"].mistakes[k]
    passed, message = _check("05.3", wrong_fn(mine), mine)
    assert not passed and hint in message


def test_a_wrong_slide_share_climbs_the_ladder(shops):
    mine = shops[7]
    e = ex.REGISTRY["05.3"]
    assert len(e.ladder) == 3
    for step, text in enumerate(e.ladder, start=1):
        passed, message = _check("05.3", 0.05, mine)
        assert not passed and f"Hint {step} of 3: {text}" in message
