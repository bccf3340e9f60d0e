"""The checking machinery behind :mod:`playbook.exercises`: kinds, tolerant comparison, graded hints."""
from __future__ import annotations

import math
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError

__all__ = ["Exercise", "OwnBase", "Result", "register", "exercise", "check", "compare", "hint", "reset_attempts", "params_for",
           "answer_kind", "shipped_answer", "KINDS", "REGISTRY", "pick_labelled", "pick_first", "label_of", "weakest",
           "strongest", "kit_reason", "once_per_check"]

REGISTRY: dict[str, Exercise] = {}
KINDS = ("predict", "compute", "decide", "explain")
# Wrong attempts per exercise in this kernel: the next hint of the ladder depends on it.
_ATTEMPTS: dict[str, int] = {}
# Answers of own-base exercises on the shipped datasets, to name "you used the shipped data".
_SHIPPED: dict[tuple, Any] = {}
# Inside one check() call: what the answer, its mistakes and its reason share, computed once (see once_per_check).
_CHECK_MEMO: ContextVar[dict | None] = ContextVar("_CHECK_MEMO", default=None)

_WANTED = {
    "count": "a whole number (an int such as 42)",
    "share": "a fraction between 0 and 1 (a float such as 0.25)",
    "number": "a number (an int or a float)",
    "label": "a label, as text in quotes (such as 'loyal' or '2024Q3')",
    "labels": "a collection of labels or ids (a set, a list or a column such as df['customer_id'])",
    "series": "a pandas Series (one value per label)",
    "table": "a pandas DataFrame",
    "text": "a few sentences of your own, as text in quotes",
}


@dataclass(frozen=True)
class OwnBase:
    """The learner's own base an exercise runs on, as its notebook's setup cell builds it.

    ``generate(scenario, n_customers=n_customers, seed=MY_SEED)`` gives every learner their own
    answers; the shipped dataset of the same name is what the notebook's cells above print, so
    the check can name an answer computed on it ("you used the shipped data").

    >>> OwnBase("retail", 600).setup
    "mine = generate('retail', n_customers=600, seed=MY_SEED)"
    """

    scenario: str
    n_customers: int | None = None
    name: str = "mine"

    @property
    def setup(self) -> str:
        """The notebook's line that builds the base."""
        size = f", n_customers={self.n_customers}" if self.n_customers is not None else ""
        return f"{self.name} = generate({self.scenario!r}{size}, seed=MY_SEED)"

    def generate(self, seed: int):
        """The learner's base for ``seed`` (their ``MY_SEED``)."""
        from ..synth import generate

        return generate(self.scenario, n_customers=self.n_customers, seed=seed)

    def shipped(self):
        """The shipped dataset the notebook's cells print (cached by :func:`playbook.load_dataset`)."""
        from ..data import load_dataset

        return load_dataset(self.scenario)


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
        The recipe: the last hint of the ladder, given when the answer is wrong in no recognised way.
    mistakes : tuple of (callable, str)
        Common wrong answers, each computed from the data like ``solve``, with its own hint.
    rtol, atol : float
        Tolerances for numbers (an answer rounded to ``decimals`` is accepted as well).
    kind : {"predict", "compute", "decide", "explain"}
        *predict*: commit to a guess before a cell shows the result; *compute*: a figure on the
        learner's data; *decide*: a strategy, tier or next step for a named customer, with the
        kit's reason; *explain*: a written answer, not graded (its rubric is for the trainer).
    hints : tuple of str
        The hints given before ``hint`` on successive wrong attempts: a nudge, then the method.
    decimals : int or None
        Precision the question asks for (None: three for a share, else the tolerance alone). An answer rounded to it passes;
        one rounded more coarsely is told "close: give more decimals".
    choices : tuple of str
        For *predict* and *decide*: the answers that may be given.
    reason : callable or None
        ``reason(base, **params) -> str``: why the right answer is right, shown once checked.
    min_words : int
        For *explain*: how long an answer must be to count as given.
    pick : callable or None
        ``pick(base) -> dict``: the parameters of a *decide* exercise (the named customer),
        chosen from the data by a rule so that every learner's base names its own customer.
    own : OwnBase or None
        The learner's own base the exercise runs on. An answer to a *compute* exercise that
        matches the figure of the shipped dataset instead gets the named hint "this is the
        shipped ... figure; compute it on your own base".
    answer_type : str or None
        The kind of answer asked for (count, share, number, label, labels, series, table), when
        the question fixes it: an answer of another type is then told so before the exercise is
        solved, and strict mode asserts that the solved answer is of that type. None: the kind is
        read from the solved answer (:func:`answer_kind`). An exercise with ``choices`` asks for a
        label.
    """

    id: str
    question: str
    solve: Callable[..., Any]
    hint: str
    mistakes: tuple = field(default_factory=tuple)
    rtol: float = 1e-3
    atol: float = 1e-9
    kind: str = "compute"
    hints: tuple = field(default_factory=tuple)
    decimals: int | None = None
    choices: tuple = field(default_factory=tuple)
    reason: Callable[..., str] | None = None
    min_words: int = 15
    pick: Callable[..., dict] | None = None
    own: OwnBase | None = None
    answer_type: str | None = None

    @property
    def ladder(self) -> tuple:
        """The graded hints in the order they are given: nudge, method, recipe."""
        return tuple(self.hints) + (self.hint,)


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
    if ex.kind not in KINDS:
        raise InvalidArgumentError(f"Exercise {ex.id!r}: kind must be one of {', '.join(KINDS)}. Got {ex.kind!r} instead.")
    if ex.answer_type is not None and ex.answer_type not in _WANTED:
        raise InvalidArgumentError(f"Exercise {ex.id!r}: answer_type must be one of {', '.join(_WANTED)}. "
                                   f"Got {ex.answer_type!r} instead.")
    REGISTRY[ex.id] = ex
    return ex


def exercise(id: str, question: str, hint: str, *, mistakes=(), rtol: float = 1e-3, kind: str = "compute",
             hints=(), decimals: int | None = None, choices=(), reason=None, min_words: int = 15, pick=None,
             own: OwnBase | None = None, answer_type: str | None = None):
    """Decorator form of :func:`register`: the decorated function is ``solve``."""

    def wrap(solve):
        register(Exercise(id=id, question=question, solve=solve, hint=hint, mistakes=tuple(mistakes), rtol=rtol,
                          kind=kind, hints=tuple(hints), decimals=decimals, choices=tuple(choices), reason=reason,
                          min_words=min_words, pick=pick, own=own, answer_type=answer_type))
        return solve

    return wrap


# Building blocks the banks share: how a *decide* exercise names its customer, reads the kit's answer and its reason.

def pick_labelled(labels: pd.Series, preferred, *, key: str = "customer_id") -> dict:
    """Name the first customer (by id) whose label is the first of ``preferred`` that any customer has.

    With none of them, the first customer of ``labels`` as given.

    >>> pick_labelled(pd.Series(["repeat", "advocate", "advocate"], index=["c", "b", "a"]), ("partner", "advocate"))
    {'customer_id': 'a'}
    """
    text = labels.astype(str)
    for label in preferred:
        ids = text.index[text == label]
        if len(ids):
            return {key: str(sorted(ids)[0])}
    return {key: str(labels.index[0])}


def pick_first(candidates, where: Callable[[Any], bool] | None = None, *, fallback=None, key: str = "customer_id") -> dict:
    """Name the first candidate (by id) for which ``where(id)`` holds (any, without ``where``).

    ``candidates`` is a table, a column or an index of customer ids. With no such candidate, the
    first id of ``fallback`` (as given, unsorted), or of ``candidates`` when there is no fallback.

    >>> pick_first(pd.Index(["c", "a", "b"]), lambda cid: cid != "a")
    {'customer_id': 'b'}
    >>> pick_first(pd.Index([], dtype=str), fallback=pd.Index(["z", "y"]))
    {'customer_id': 'z'}
    """
    ids = candidates if isinstance(candidates, pd.Index) else candidates.index
    for cid in sorted(ids):
        if where is None or where(cid):
            return {key: str(cid)}
    rest = ids if fallback is None else fallback if isinstance(fallback, pd.Index) else fallback.index
    return {key: str(rest[0])}


def label_of(table: pd.DataFrame, customer_id, column: str) -> str:
    """The kit's label for one customer: ``table.loc[customer_id, column]`` as text."""
    return str(table.loc[customer_id, column])


def weakest(scores: dict[str, float]) -> str:
    """The part with the smallest score (the first of equals): what a decision builds up.

    >>> weakest({"status": 3.0, "tenure": 1.0, "deals": 1.0})
    'tenure'
    """
    return min(scores, key=lambda part: scores[part])


def strongest(scores: dict[str, float]) -> str:
    """The part with the largest score: the recognised mistake of a "build the weakest part" decision."""
    return max(scores, key=lambda part: scores[part])


def kit_reason(table_of: Callable[[Any], pd.DataFrame], prefix: str = "The kit's rules say: ",
               column: str = "reason") -> Callable[..., str]:
    """``reason(base, customer_id)`` for a decision: the kit's own reason column for that customer.

    >>> kit_reason(lambda base: pd.DataFrame({"reason": ["two orders"]}, index=["A1"]))(None, "A1")
    "The kit's rules say: two orders."
    """
    return lambda base, customer_id: f"{prefix}{table_of(base).loc[customer_id, column]}."


def _as_number(x):
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x.item()
    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    return None


def _label(x) -> str:
    """Text compared without case, blanks, hyphens or underscores: '2024 Q3' is '2024Q3'."""
    return re.sub(r"[\s_\-]+", "", str(x)).lower()


def answer_kind(expected, exercise: Exercise | None = None) -> str:
    """The kind of answer ``expected`` is: count, share, number, label, labels, series, table or text."""
    if exercise is not None and exercise.kind == "explain":
        return "text"
    if isinstance(expected, pd.DataFrame):
        return "table"
    if isinstance(expected, pd.Series):
        return "series"
    num = _as_number(expected)
    if num is not None:
        if isinstance(expected, (int, np.integer)):
            return "count"
        return "share" if 0.0 <= num <= 1.0 else "number"
    if isinstance(expected, str):
        return "label"
    return "labels"


def _rounded_match(a: float, e: float, decimals: int) -> bool:
    return math.isclose(a, round(e, decimals), rel_tol=1e-9, abs_tol=1e-12)


def compare(answer, expected, *, rtol: float = 1e-3, atol: float = 1e-9, decimals: int | None = None) -> bool:
    """True when ``answer`` matches ``expected``; never raises.

    Numbers within tolerance, or rounded to ``decimals`` (or more); text ignoring case,
    blanks, hyphens and underscores; sets and lists of labels as sets; Series by index and
    value; DataFrames by shape, columns and values.

    >>> compare(0.8001, 0.8)
    True
    >>> compare(0.69, 0.6912, decimals=2)
    True
    >>> compare("2024 Q3", "2024Q3")
    True
    >>> compare(["b", "a"], {"a", "b"})
    True
    """
    try:
        return _compare(answer, expected, rtol=rtol, atol=atol, decimals=decimals)
    except Exception:  # a learner's odd object must get a hint, never a traceback
        return False


def _compare(answer, expected, *, rtol, atol, decimals) -> bool:
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
        return all(_compare(x, y, rtol=rtol, atol=atol, decimals=decimals) for x, y in zip(a.tolist(), e.tolist()))
    e_num = _as_number(expected)
    if e_num is not None:
        a_num = _as_number(answer)
        if a_num is None or math.isnan(a_num):
            return False
        if math.isclose(a_num, e_num, rel_tol=rtol, abs_tol=atol):
            return True
        return decimals is not None and any(_rounded_match(a_num, e_num, d) for d in range(decimals, decimals + 4))
    if isinstance(expected, str):
        if isinstance(answer, (pd.Period, pd.Timestamp)):
            answer = str(answer.date()) if isinstance(answer, pd.Timestamp) else str(answer)
        return isinstance(answer, str) and _label(answer) == _label(expected)
    if isinstance(expected, (set, frozenset, list, tuple, np.ndarray, pd.Index)):
        if isinstance(answer, (str, bytes, pd.DataFrame)) or not hasattr(answer, "__iter__"):
            return False
        return {_label(x) for x in answer} == {_label(x) for x in expected}
    return answer == expected


def _describe(answer) -> str:
    if isinstance(answer, pd.DataFrame):
        return f"a table (DataFrame, {answer.shape[0]} rows x {answer.shape[1]} columns)"
    if isinstance(answer, pd.Series):
        return f"a column (Series of {len(answer)} values)"
    if isinstance(answer, str):
        return f"the text {answer!r}"
    if isinstance(answer, (bool, np.bool_)):
        return f"True/False ({answer})"
    if isinstance(answer, np.ndarray):
        return f"an array of {answer.size} values"
    if isinstance(answer, (set, frozenset, list, tuple)):
        return f"a {type(answer).__name__} of {len(answer)} values"
    return f"a {type(answer).__name__}"


def _type_hint(answer, expected, kind: str) -> str | None:
    """A hint when ``answer`` is not the kind of thing asked for, else None."""
    wanted = _WANTED[kind]
    if kind in ("count", "share", "number"):
        if _as_number(answer) is not None:
            return None
        extra = ""
        if isinstance(answer, str):
            if re.fullmatch(r"\s*-?[\d.,]+\s*%?\s*", answer):
                extra = " Write the number without quotes" + (", as a fraction (69% is 0.69)." if "%" in answer else ".")
        elif isinstance(answer, (pd.DataFrame, pd.Series, np.ndarray, list, tuple, set)):
            extra = " Reduce it to one value: a sum, a mean, a count, or one cell with `.iloc[...]`."
        elif isinstance(answer, (bool, np.bool_)):
            extra = " A True/False test is a step: take its `.mean()` or `.sum()`."
        return f"the answer should be {wanted}; you gave {_describe(answer)}.{extra}"
    if kind == "label" and not isinstance(answer, (str, pd.Period, pd.Timestamp)):
        return f"the answer should be {wanted}; you gave {_describe(answer)}."
    if kind == "labels" and (isinstance(answer, (str, bytes, pd.DataFrame)) or not hasattr(answer, "__iter__")):
        extra = " Take one column of it, for example `df['customer_id']` or `df.index`." if isinstance(answer, pd.DataFrame) else ""
        return f"the answer should be {wanted}; you gave {_describe(answer)}.{extra}"
    if kind == "series" and not isinstance(answer, pd.Series):
        return f"the answer should be {wanted}; you gave {_describe(answer)}."
    if kind == "table" and not isinstance(answer, pd.DataFrame):
        return f"the answer should be {wanted}; you gave {_describe(answer)}."
    if kind == "text" and not isinstance(answer, str):
        return f"the answer should be {wanted}; you gave {_describe(answer)}."
    return None


def _close(answer, expected, decimals: int | None) -> bool:
    """True when ``answer`` is ``expected`` rounded more coarsely than the question asks."""
    a, e = _as_number(answer), _as_number(expected)
    if a is None or e is None or a == 0 or isinstance(expected, (int, np.integer)):
        return False
    finest = (decimals if decimals is not None else 3) - 1
    coarsest = 1 if abs(e) < 1 else 0  # a share rounded to 0 or 1 is no longer a share
    return any(_rounded_match(a, e, d) for d in range(finest, coarsest - 1, -1))


def _percent(answer, expected) -> bool:
    a, e = _as_number(answer), _as_number(expected)
    return (a is not None and e is not None and 0 < e <= 1 and not isinstance(expected, (int, np.integer))
            and math.isclose(a, e * 100, rel_tol=1e-2))


def _strict() -> bool:
    return os.environ.get("PLAYBOOK_STRICT_EXERCISES", "") not in ("", "0", "false")


def reset_attempts(exercise_id: str | None = None) -> None:
    """Forget the wrong attempts (of one exercise, or all): the hint ladder starts again."""
    if exercise_id is None:
        _ATTEMPTS.clear()
    else:
        _ATTEMPTS.pop(exercise_id, None)


def _lookup(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        raise InvalidArgumentError(f"No exercise {exercise_id!r}. Known: {', '.join(sorted(REGISTRY))}.")
    return REGISTRY[exercise_id]


def once_per_check(key: str, base, compute: Callable[[Any], Any]):
    """``compute(base)``, computed once per :func:`check` call when the answer, the mistakes and the reason all need it.

    The value lives only as long as the one call to ``check`` that asked for it (a learner may change their base
    between two checks); outside a check it is computed every time. Callers must not modify what it returns.

    >>> calls = []
    >>> once_per_check("n", [1, 2], lambda b: calls.append(1) or len(b)), len(calls)
    (2, 1)
    """
    memo = _CHECK_MEMO.get()
    if memo is None:
        return compute(base)
    k = (key, id(base))
    if k not in memo:
        memo[k] = (base, compute(base))  # keep the base alive: its id cannot be reused within the check
    return memo[k][1]


def params_for(exercise_id: str, base) -> dict:
    """The parameters a *decide* exercise asks about on ``base`` (for example ``{"customer_id": "A0007"}``)."""
    ex = _lookup(exercise_id)
    return dict(ex.pick(base)) if ex.pick is not None else {}


def hint(exercise_id: str) -> str:
    """The next hint of an exercise's ladder without answering (each call moves one step up).

    >>> from playbook import exercises as ex
    >>> ex.reset_attempts("00.1")
    >>> ex.hint("00.1").startswith("Hint 1 of")
    True
    """
    ex = _lookup(exercise_id)
    step = min(_ATTEMPTS.get(exercise_id, 0), len(ex.ladder) - 1)
    _ATTEMPTS[exercise_id] = _ATTEMPTS.get(exercise_id, 0) + 1
    return f"Hint {step + 1} of {len(ex.ladder)}: {ex.ladder[step]}"


def _next_hint(ex: Exercise) -> str:
    step = min(_ATTEMPTS.get(ex.id, 0), len(ex.ladder) - 1)
    _ATTEMPTS[ex.id] = _ATTEMPTS.get(ex.id, 0) + 1
    more = " (run the check again with another answer for the next hint)" if step < len(ex.ladder) - 1 else ""
    return f"Hint {step + 1} of {len(ex.ladder)}: {ex.ladder[step]}{more}"


def shipped_answer(ex: Exercise, **params):
    """The answer of an own-base exercise computed on the shipped dataset (None when it has none)."""
    if ex.own is None:
        return None
    key = (ex.id, tuple(sorted((k, str(v)) for k, v in params.items())))
    if key not in _SHIPPED:  # the shipped data never changes: solve on it once per kernel
        try:
            _SHIPPED[key] = ex.solve(ex.own.shipped(), **params)
        except Exception:  # a decision's customer may not exist in the shipped data
            _SHIPPED[key] = None
    return _SHIPPED[key]


def _used_shipped(ex: Exercise, answer, params, places) -> str | None:
    """The named hint when ``answer`` is the shipped dataset's figure instead of the learner's own."""
    if ex.own is None or ex.kind != "compute":
        return None
    shipped = shipped_answer(ex, **params)
    if shipped is None or not compare(answer, shipped, rtol=ex.rtol, atol=ex.atol, decimals=places):
        return None
    return (f"this is the shipped {ex.own.scenario} figure, the data the cells above print; compute it on your own "
            f"base `{ex.own.name}` ({ex.own.setup}).")


def _judge(ex: Exercise, answer, base, params) -> Result:
    if answer is ...:
        return Result(ex.id, False, "not answered yet: replace the `...` with your answer and run the cell again.")
    if ex.kind == "explain":
        if not isinstance(answer, str):
            return Result(ex.id, False, f"the answer should be {_WANTED['text']}; you gave {_describe(answer)}.")
        words = len(answer.split())
        if words < ex.min_words:
            return Result(ex.id, False, f"write at least {ex.min_words} words in your own words (you wrote {words}).")
        return Result(ex.id, True, "noted. This answer is not graded: compare it with your neighbour's and be ready to "
                                   "defend it in the debrief.")
    if answer is None:
        return Result(ex.id, False, "your answer is None: a cell that ends in print() or an in-place method "
                                    "(`inplace=True`) gives nothing back. Assign the value itself.")
    if base is None and ex.kind != "predict":
        return Result(ex.id, False, "pass the data the question is about too: `ex.check(id, answer, base)`.")
    if ex.choices and isinstance(answer, str) and _label(answer) not in {_label(c) for c in ex.choices}:
        return Result(ex.id, False, f"choose one of: {', '.join(map(str, ex.choices))}.")
    declared = ex.answer_type or ("label" if ex.choices else None)
    if declared is not None:  # the question fixes the type: a wrong one is told before solving
        wrong_type = _type_hint(answer, None, declared)
        if wrong_type is not None:
            return Result(ex.id, False, wrong_type)
    expected = ex.solve(base, **params)
    if declared is not None and _strict() and _type_hint(expected, None, declared) is not None:
        raise InvalidArgumentError(f"Exercise {ex.id!r} asks for {_WANTED[declared]} but its answer is {expected!r}.")
    kind = declared or answer_kind(expected, ex)
    wrong_type = _type_hint(answer, expected, kind)
    if wrong_type is not None:
        return Result(ex.id, False, wrong_type)
    reason = f" {ex.reason(base, **params)}" if ex.reason is not None else ""
    places = None if kind == "count" else ex.decimals if ex.decimals is not None else 3 if kind == "share" else None
    if compare(answer, expected, rtol=ex.rtol, atol=ex.atol, decimals=places):
        _ATTEMPTS.pop(ex.id, None)
        return Result(ex.id, True, f"correct, well done.{reason}")
    if ex.kind == "predict":
        # A prediction is made once; the lesson is the gap between the guess and what happened.
        return Result(ex.id, False, f"not what happened: the answer is {expected!r}.{reason} Run the next cell and see why.")
    shipped = _used_shipped(ex, answer, params, places)
    if shipped is not None:
        return Result(ex.id, False, f"not quite. Hint: {shipped}")
    for wrong, mistake_hint in ex.mistakes:
        if compare(answer, wrong(base, **params), rtol=ex.rtol, atol=ex.atol):
            return Result(ex.id, False, f"not quite. Hint: {mistake_hint}")
    if _close(answer, expected, places):
        wanted = f"at least {places}" if places is not None else "do not round the figure"
        return Result(ex.id, False, f"close: give more decimals ({wanted}).")
    if _percent(answer, expected):
        return Result(ex.id, False, "not quite. Hint: give a fraction between 0 and 1, not a percentage.")
    return Result(ex.id, False, f"not quite. {_next_hint(ex)}")


def check(exercise_id: str, answer, base=None, **params) -> Result:
    """Check ``answer`` to exercise ``exercise_id`` against the answer computed from ``base``.

    Parameters
    ----------
    exercise_id : str
        As printed in the notebook, e.g. ``"02.1"``.
    answer
        Your answer: a number, a label, a set of ids, a Series, a DataFrame, or text (explain).
    base : CustomerBase
        The data the exercise is about (your own ``generate(seed=...)`` base for compute exercises).
    **params
        Extra parameters the exercise names (for example a customer id).

    Returns
    -------
    Result
        A pass (with the reason, for a decision), or a hint: wrong attempts climb a ladder of
        hints, from a nudge to the method to the recipe.

    Examples
    --------
    >>> import playbook
    >>> from playbook import exercises as ex
    >>> base = playbook.load_dataset("retail")
    >>> ex.check("00.1", base.orders.customer_id.nunique(), base).passed
    True
    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"PLAYBOOK_STRICT_EXERCISES": "0"}):  # strict mode raises instead
    ...     ex.check("00.1", "many", base).message
    "the answer should be a whole number (an int such as 42); you gave the text 'many'."
    """
    ex = _lookup(exercise_id)
    token = _CHECK_MEMO.set({})
    try:
        result = _judge(ex, answer, base, params)
    finally:
        _CHECK_MEMO.reset(token)
    if _strict() and not result.passed:
        raise AssertionError(repr(result))
    return result
