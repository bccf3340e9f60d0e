"""Deprecated: the old name of :mod:`playbook.exercises.segment` (issue #15: one topic, one module name in
``playbook/``, ``charts/``, ``widgets/`` and ``exercises/``). Importing it warns; it goes in the next release."""
from ..deprecation import moved_module

moved_module(__name__, "playbook.exercises.segment")
