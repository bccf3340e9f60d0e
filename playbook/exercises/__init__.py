"""Self-checking exercises: compare a learner's answer with one computed from the data.

Every exercise computes its expected answer from the customer base it is given (never a
stored number), recognises common mistakes to give a specific hint, and otherwise gives
a general one. Set ``PLAYBOOK_STRICT_EXERCISES=1`` (the test suite does) to make a wrong
answer raise, so a broken solution cell fails the notebook run.
"""
from __future__ import annotations

from .core import REGISTRY, Exercise, Result, check, compare, exercise, register

# Importing the banks registers their exercises.
from . import start_here, synthetic  # noqa: F401,E402

__all__ = ["check", "Exercise", "Result", "register", "exercise", "REGISTRY", "compare"]
