"""Self-checking exercises: compare a learner's answer with one computed from the data.

Every exercise computes its expected answer from the customer base it is given (never a
stored number), so a learner's own ``generate(seed=...)`` base has its own answers. It is
one of four kinds (predict, compute, decide, explain), recognises common mistakes to give
a specific hint, tells an answer of the wrong type what kind of answer is wanted, says
"close" to a figure rounded too far, and otherwise climbs a ladder of hints (a nudge, the
method, the recipe) on successive wrong attempts. Set ``PLAYBOOK_STRICT_EXERCISES=1`` (the test suite does) to make a wrong
answer raise, so a broken solution cell fails the notebook run.

An exercise on the learner's own base declares it (``own=OwnBase("retail", 600)``): an answer
that is the shipped dataset's figure instead gets its own hint, "this is the shipped retail
figure; compute it on your own base".

Each notebook has a bank module here; importing the package registers every bank.
"""
from __future__ import annotations

import importlib
import pkgutil

from .core import (KINDS, REGISTRY, Exercise, OwnBase, Result, answer_kind, check, compare, exercise, hint, params_for, register,
                   reset_attempts, shipped_answer)

__all__ = ["check", "hint", "reset_attempts", "params_for", "Exercise", "OwnBase", "Result", "register", "exercise", "REGISTRY",
           "compare", "answer_kind", "shipped_answer", "KINDS"]

#: Old names of banks, kept one release as shims that warn (playbook.deprecation.moved_module): not banks to load.
_MOVED = {"pareto", "synthetic"}
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "core" and _info.name not in _MOVED:
        importlib.import_module(f"{__name__}.{_info.name}")
