"""Exercises 02.4 and 02.5 on realistic bases: they follow the learner's own shop, not the shipped one."""
import pytest

from playbook import exercises as ex
from playbook.synth import realism


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    ex.reset_attempts()


@pytest.fixture(scope="module")
def shops(own_base):
    # the notebook's own shop (realistic, the default process), from the shared session cache
    return {seed: own_base("02.5", seed) for seed in (11, 12)}


def test_the_hand_count_is_realisms_first_measure(shops):
    mine = shops[11]
    right = ex.REGISTRY["02.5"].solve(mine)
    assert right == pytest.approx(realism(mine, start="2023-01-01").set_index("measure").ours["one_time_buyers"])
    assert ex.check("02.5", right, mine).passed


def test_a_neighbours_figure_is_wrong_on_my_shop(shops):
    mine, theirs = shops[11], shops[12]
    e = ex.REGISTRY["02.5"]
    assert e.solve(mine) != pytest.approx(e.solve(theirs), rel=1e-3)
    assert not ex.check("02.5", e.solve(theirs), mine).passed


@pytest.mark.parametrize("answer", ["0.5", "half", [0.5], None])
def test_wrong_types_get_a_hint(shops, answer):
    result = ex.check("02.5", answer, shops[11])
    assert not result.passed
    assert "None" in result.message if answer is None else "should be" in result.message


def test_the_prediction_follows_the_base(shops):
    # the realistic shop is inside the band, so 'below' is wrong there and the reason says why
    result = ex.check("02.4", "below", shops[11])
    assert not result.passed and "'inside'" in result.message and "try once" in result.message
    assert ex.check("02.4", "inside", shops[11]).passed
    assert "choose one of" in ex.check("02.4", "lower", shops[11]).message
