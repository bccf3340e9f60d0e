"""Every compute exercise on the learner's own base (issue 19), one parametrised set of checks: on a learner's
`generate(seed=MY_SEED)` base the right answer passes in strict mode (rounded to the asked decimals too), a wrong one
climbs the hints (nudge, method, recipe), a neighbour's answer (another seed) fails, the shipped dataset's figure
fails with the named hint "this is the shipped ... figure", and each recognised mistake (the notebook's date, horizon
or list length, half the computation) gets its own hint."""
import pytest

from playbook import exercises as ex
from playbook.synth import generate

OWN = sorted(i for i, e in ex.REGISTRY.items() if e.own is not None and e.kind == "compute")
LEARNER, NEIGHBOURS = 7, (8, 1, 2, 3)
# Exercises whose answer is one of a few values, so two learners share it often: a lead source (one of five), and
# the share of a big account's ordering months kept after its deal (1.0 for every account that kept ordering).
FEW_VALUES = {"12.4", "12.8"}
# The exercises whose figure differs from the shipped one and whose every mistake can be told apart already on the
# learner's seed (checked on that seed alone, not only somewhere over the seeds).
PINNED = ["03.1", "03.2", "03.3", "04.1", "04.2", "04.3", "05.2", "05.3", "06.1", "06.2", "06.3"]
# A wrong answer for the ladder where `right * 1.5 + 1` is not a typical one (a share stays a share, a label a label
# that is neither right nor a recognised mistake).
WRONG = {"05.2": 0.5, "05.3": 0.05, "12.3": "closing", "12.4": "newspaper", "12.5": 0.3}
# More learners, tried only while a mistake has not yet been told apart on two bases (a label out of six stages
# often coincides with the right one or with the shipped one); seed 0 is not one: it builds the shipped b2b base.
MORE = (4, 5, 6)


@pytest.fixture(scope="module")
def base(own_base):
    return own_base


_ANSWERS: dict = {}


def _answer(exercise_id, base):
    """The right answer and the parameters on ``base`` (solved once per base: some fit a model)."""
    key = (exercise_id, id(base))
    if key not in _ANSWERS:
        params = ex.params_for(exercise_id, base)
        _ANSWERS[key] = (ex.REGISTRY[exercise_id].solve(base, **params), params, base)
    return _ANSWERS[key][:2]


_MISTAKES: dict = {}


def _mistake_values(exercise_id, base, params):
    key = (exercise_id, id(base))
    if key not in _MISTAKES:
        _MISTAKES[key] = ([m(base, **params) for m, _ in ex.REGISTRY[exercise_id].mistakes], base)
    return _MISTAKES[key][0]


def _same(exercise_id, a, b):
    e = ex.REGISTRY[exercise_id]
    return ex.compare(a, b, rtol=e.rtol, decimals=e.decimals)


def _wrong(exercise_id, right):
    return WRONG[exercise_id] if exercise_id in WRONG else right * 1.5 + 1


def test_the_set_covers_every_reworked_notebook():
    assert {i.split(".")[0] for i in OWN} >= {"00", "03", "04", "05", "06", "07", "08", "10", "11", "12"}
    assert set(PINNED) <= set(OWN)


@pytest.mark.parametrize("exercise_id", OWN)
def test_right_answer_on_my_base_passes_in_strict_mode(exercise_id, base, strict_check):
    mine = base(exercise_id, LEARNER)
    right, params = _answer(exercise_id, mine)
    passed, message = strict_check(exercise_id, right, mine, **params)
    assert passed and "correct" in message
    places = ex.REGISTRY[exercise_id].decimals
    if places is not None:
        assert strict_check(exercise_id, round(right, places), mine, **params)[0]
    passed, message = strict_check(exercise_id, _wrong(exercise_id, right), mine, **params)
    assert not passed and "not quite" in message


@pytest.mark.parametrize("exercise_id", OWN)
def test_a_wrong_answer_climbs_nudge_method_recipe(exercise_id, base, strict_check):
    mine = base(exercise_id, LEARNER)
    right, params = _answer(exercise_id, mine)
    e = ex.REGISTRY[exercise_id]
    assert len(e.ladder) == 3
    for step, text in enumerate(e.ladder, start=1):
        passed, message = strict_check(exercise_id, _wrong(exercise_id, right), mine, **params)
        assert not passed and f"Hint {step} of 3: {text}" in message


@pytest.mark.parametrize("exercise_id", OWN)
def test_a_neighbours_answer_fails(exercise_id, base, strict_check):
    mine = base(exercise_id, LEARNER)
    right, params = _answer(exercise_id, mine)
    theirs = {s: _answer(exercise_id, base(exercise_id, s))[0] for s in NEIGHBOURS}
    different = [t for t in theirs.values() if not _same(exercise_id, t, right)]
    # nearly every neighbour has another answer (half, where the answer is one of a few values)...
    assert len(different) >= (len(NEIGHBOURS) // 2 if exercise_id in FEW_VALUES else len(NEIGHBOURS) - 1), (right, theirs)
    if exercise_id in PINNED:
        assert not _same(exercise_id, theirs[NEIGHBOURS[0]], right)
    for t in different:  # ...and copying it fails
        assert not strict_check(exercise_id, t, mine, **params)[0]


@pytest.mark.parametrize("exercise_id", OWN)
def test_the_shipped_figure_fails_and_is_named(exercise_id, base, strict_check):
    e = ex.REGISTRY[exercise_id]
    named = 0
    for seed in (LEARNER, *NEIGHBOURS):
        mine = base(exercise_id, seed)
        right, params = _answer(exercise_id, mine)
        shipped = ex.shipped_answer(e, **params)
        if shipped is None:
            continue  # the question is about a customer the shipped data does not have: no shipped figure to confuse
        if _same(exercise_id, shipped, right):
            assert exercise_id not in PINNED or seed != LEARNER
            continue
        passed, message = strict_check(exercise_id, shipped, mine, **params)
        assert not passed
        assert f"this is the shipped {e.own.scenario} figure" in message and f"`{e.own.name}`" in message
        named += 1
        if named == 2:
            break
    assert named >= (1 if exercise_id in FEW_VALUES else 2)  # a few-valued answer often equals the shipped one


@pytest.mark.parametrize("exercise_id, k", [(i, k) for i in OWN for k in range(len(ex.REGISTRY[i].mistakes))])
def test_each_mistake_gets_its_own_hint_on_a_learners_base(exercise_id, k, base, strict_check):
    e = ex.REGISTRY[exercise_id]
    seen = []
    for seed in (LEARNER, *NEIGHBOURS, *MORE):
        if seed in MORE and len(seen) >= 2:
            break
        mine = base(exercise_id, seed)
        right, params = _answer(exercise_id, mine)
        values = _mistake_values(exercise_id, mine, params)
        wrong = values[k]
        # a mistake that happens to give the right figure (or an earlier mistake's, or the shipped data's, which is
        # named first) on one base cannot be told apart
        if (_same(exercise_id, wrong, right) or any(ex.compare(wrong, v) for v in values[:k])
                or _same(exercise_id, wrong, ex.shipped_answer(e, **params))):
            continue
        seen.append(seed)
        passed, message = strict_check(exercise_id, wrong, mine, **params)
        assert not passed and e.mistakes[k][1] in message
    assert len(seen) >= 2
    if exercise_id in PINNED:
        assert LEARNER in seen


def test_the_debrief_findings_hold_over_five_seeds():
    # what the trainer guide's debrief says about 07.2, 10.2 and 11.2, read over five learners' bases
    from playbook.exercises.strategy import _net
    from playbook.exercises.value import _expected

    for seed in range(5):
        shop = generate("retail", n_customers=2000, seed=seed)
        assert ex.REGISTRY["07.2"].solve(shop) >= 0  # the kit's gold-salesperson ranking never loses to the raw rate
        small = generate("retail", n_customers=600, seed=seed)
        gap = {h: float(_net(small, h).loc["personal_assistant", "net_margin"] - _net(small, h).loc["discount_day", "net_margin"])
               for h in (180, 365)}
        assert gap[180] < gap[365]  # a program with a cost per customer looks worse over a shorter horizon
        mid = generate("retail", n_customers=1000, seed=seed)
        assert 0.5 < _expected(mid, 180) / _expected(mid, 365) < 0.6  # half a year expects more than half the year's purchases
