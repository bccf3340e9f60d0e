"""What an exercise's answer, mistakes and reason share is computed once per ``check`` and never kept after it."""
from __future__ import annotations

import pytest

from playbook.exercises import REGISTRY, check
from playbook.exercises.core import _CHECK_MEMO, exercise, once_per_check


@pytest.fixture
def counting_exercise():
    calls = []

    def total(base):
        calls.append(1)
        return float(sum(base))

    @exercise("99.1", "The sum of the numbers?", "add them up.",
              mistakes=[(lambda base: once_per_check("total", base, total) * 100, "not a percentage.")])
    def _solve(base):
        return once_per_check("total", base, total)

    yield calls
    del REGISTRY["99.1"]


def test_the_shared_value_is_computed_once_inside_a_check_and_not_kept_after(counting_exercise, monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")  # a wrong answer gets its hint instead of raising
    calls = counting_exercise
    wrong = check("99.1", 600.0, [1, 2, 3])  # the answer and the recognised mistake both read it
    assert not wrong.passed and "not a percentage" in wrong.message
    assert len(calls) == 1
    assert _CHECK_MEMO.get() is None  # nothing outlives the check
    assert check("99.1", 6.0, [1, 2, 3]).passed
    assert len(calls) == 2  # a new check computes afresh: the learner may have changed their base
    assert check("99.1", 10.0, [1, 2, 3, 4]).passed  # another base, its own value


def test_outside_a_check_it_is_computed_every_time():
    calls = []
    for _ in range(2):
        assert once_per_check("n", [1, 2], lambda b: calls.append(1) or len(b)) == 2
    assert len(calls) == 2
