"""The checking machinery behind :mod:`playbook.exercises`."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError

__all__ = ["Exercise", "Result", "register", "exercise", "check", "compare", "REGISTRY"]

REGISTRY: dict[str, "Exercise"] = {}


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to compute its answer from data, and what to say when it is wrong.

    Parameters
    ----------
    id : str
        ``"NN.k"``: notebook number and exercise number.
    question : str
        The question as the notebook asks it.
    solve : callable
        ``solve(base, **params) -> answer``: the expected answer, computed from the data.
    hint : str
        What to try when the answer is wrong in no recognised way.
    mistakes : tuple of (callable, str)
        Common wrong answers, each computed from the data like ``solve``, with its own hint.
    rtol : float
        Relative tolerance for numbers.
    """

    id: str
    question: str
    solve: Callable[..., Any]
    hint: str
    mistakes: tuple = field(default_factory=tuple)
    rtol: float = 1e-3
    atol: float = 1e-9


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`check`; true when the answer passed."""

    exercise_id: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✅" if self.passed else "❌"
        return f"{mark} Exercise {self.exercise_id}: {self.message}"

    def _repr_html_(self) -> str:
        import html

        colour = "#1b7837" if self.passed else "#b2182b"
        mark = "✅" if self.passed else "❌"
        return f'<div style="color:{colour}">{mark} <b>Exercise {html.escape(self.exercise_id)}</b>: {html.escape(self.message)}</div>'


def register(ex: Exercise) -> Exercise:
    """Add ``ex`` to the registry (an id may be registered once)."""
    if ex.id in REGISTRY:
        raise InvalidArgumentError(f"Exercise {ex.id!r} is already registered.")
    REGISTRY[ex.id] = ex
    return ex


def exercise(id: str, question: str, hint: str, *, mistakes=(), rtol: float = 1e-3):
    """Decorator form of :func:`register`: the decorated function is ``solve``."""

    def wrap(solve):
        register(Exercise(id=id, question=question, solve=solve, hint=hint, mistakes=tuple(mistakes), rtol=rtol))
        return solve

    return wrap


def _as_number(x):
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    return None


def compare(answer, expected, *, rtol: float = 1e-3, atol: float = 1e-9) -> bool:
    """True when ``answer`` matches ``expected``.

    Numbers within tolerance; text ignoring case and surrounding blanks; sets and lists
    of labels as sets; Series by index and value; DataFrames by shape, columns and values.

    >>> compare(0.8001, 0.8)
    True
    >>> compare(["b", "a"], {"a", "b"})
    True
    """
    if isinstance(expected, pd.DataFrame):
        if not isinstance(answer, pd.DataFrame) or answer.shape != expected.shape:
            return False
        try:
            pd.testing.assert_frame_equal(answer.reset_index(drop=True), expected.reset_index(drop=True),
                                          check_dtype=False, check_names=False, check_categorical=False, rtol=rtol, atol=atol)
        except AssertionError:
            return False
        return True
    if isinstance(expected, pd.Series):
        if not isinstance(answer, pd.Series):
            return False
        a = answer.sort_index()
        e = expected.sort_index()
        if len(a) != len(e) or list(map(str, a.index)) != list(map(str, e.index)):
            return False
        return all(compare(x, y, rtol=rtol, atol=atol) for x, y in zip(a.tolist(), e.tolist()))
    e_num = _as_number(expected)
    if e_num is not None:
        a_num = _as_number(answer)
        if a_num is None or math.isnan(a_num):
            return False
        return math.isclose(a_num, e_num, rel_tol=rtol, abs_tol=atol)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, (set, frozenset, list, tuple, np.ndarray, pd.Index)):
        if isinstance(answer, (str, bytes)) or not hasattr(answer, "__iter__"):
            return False
        return {str(x) for x in answer} == {str(x) for x in expected}
    return answer == expected


def _strict() -> bool:
    return os.environ.get("PLAYBOOK_STRICT_EXERCISES", "") not in ("", "0", "false")


def check(exercise_id: str, answer, base=None, **params) -> Result:
    """Check ``answer`` to exercise ``exercise_id`` against the answer computed from ``base``.

    Parameters
    ----------
    exercise_id : str
        As printed in the notebook, e.g. ``"02.1"``.
    answer
        Your answer: a number, a label, a set of ids, a Series or a DataFrame.
    base : CustomerBase
        The data the exercise is about.
    **params
        Extra parameters the exercise names (for example a customer id).

    Returns
    -------
    Result
        Shows a pass, or a hint on what to try next.

    Examples
    --------
    >>> import playbook
    >>> from playbook import exercises as ex
    >>> base = playbook.load_dataset("retail")
    >>> ex.check("00.1", base.orders.customer_id.nunique(), base).passed
    True
    """
    if exercise_id not in REGISTRY:
        raise InvalidArgumentError(f"No exercise {exercise_id!r}. Known: {', '.join(sorted(REGISTRY))}.")
    ex = REGISTRY[exercise_id]
    if answer is ... or answer is None:
        result = Result(exercise_id, False, "not answered yet: replace the `...` with your answer and run the cell again.")
    else:
        expected = ex.solve(base, **params)
        if compare(answer, expected, rtol=ex.rtol, atol=ex.atol):
            result = Result(exercise_id, True, "correct, well done.")
        else:
            message = f"not quite. Hint: {ex.hint}"
            for wrong, hint in ex.mistakes:
                if compare(answer, wrong(base, **params), rtol=ex.rtol, atol=ex.atol):
                    message = f"not quite. Hint: {hint}"
                    break
            result = Result(exercise_id, False, message)
    if _strict() and not result.passed:
        raise AssertionError(repr(result))
    return result
