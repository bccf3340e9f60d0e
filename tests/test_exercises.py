"""Every exercise passes its right answer and gives a helpful hint for wrong ones."""
import pytest

import playbook
from playbook import exercises as ex

BASES = {"00": "retail", "01": "retail", "02": "retail", "03": "retail", "04": "retail", "05": "retail", "06": "retail",
         "07": "retail", "08": "retail", "09": "b2b", "10": "retail", "11": "retail", "12": "b2b", "13": "retail"}


def _base_for(exercise_id):
    return playbook.load_dataset(BASES[exercise_id.split(".")[0]])


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")


@pytest.mark.parametrize("exercise_id", sorted(ex.REGISTRY))
def test_right_answer_passes(exercise_id):
    base = _base_for(exercise_id)
    right = ex.REGISTRY[exercise_id].solve(base)
    result = ex.check(exercise_id, right, base)
    assert result.passed and "correct" in repr(result)


@pytest.mark.parametrize("exercise_id", sorted(ex.REGISTRY))
def test_wrong_answer_gets_the_general_hint(exercise_id):
    base = _base_for(exercise_id)
    e = ex.REGISTRY[exercise_id]
    right = e.solve(base)
    wrong = "not a persona" if isinstance(right, str) else right * 1.5 + 1
    result = ex.check(exercise_id, wrong, base)
    assert not result.passed
    assert e.hint in result.message


@pytest.mark.parametrize("exercise_id, k", [(i, k) for i in sorted(ex.REGISTRY) for k in range(len(ex.REGISTRY[i].mistakes))])
def test_common_mistake_gets_its_own_hint(exercise_id, k):
    base = _base_for(exercise_id)
    wrong_fn, hint = ex.REGISTRY[exercise_id].mistakes[k]
    result = ex.check(exercise_id, wrong_fn(base), base)
    assert not result.passed
    assert hint in result.message


def test_unanswered_and_unknown():
    base = _base_for("00.1")
    assert "not answered yet" in ex.check("00.1", ..., base).message
    with pytest.raises(playbook.InvalidArgumentError, match="No exercise '99.9'"):
        ex.check("99.9", 1, base)


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "1")
    base = _base_for("00.1")
    with pytest.raises(AssertionError, match="Hint"):
        ex.check("00.1", -1, base)


@pytest.mark.parametrize("answer, expected, same", [
    (0.8004, 0.8, True), (0.81, 0.8, False), ("Wanderer ", "wanderer", True), ("loyal", "wanderer", False),
    ({"a", "b"}, ["b", "a"], True), (["a"], ["a", "b"], False), (True, 1.0, False), (float("nan"), 1.0, False),
    ("1", 1.0, False),
])
def test_compare(answer, expected, same):
    assert ex.compare(answer, expected) is same


def test_compare_frames_and_series():
    import pandas as pd

    s = pd.Series({"a": 1.0, "b": 2.0})
    assert ex.compare(s.iloc[::-1], s)
    assert not ex.compare(s * 2, s)
    df = pd.DataFrame({"x": [1, 2]})
    assert ex.compare(df.copy(), df)
    assert not ex.compare(df.assign(x=[1, 3]), df)
