"""The kit's charts: one seaborn theme that draws Chinese, and plots in seaborn's shape.

Each plot takes ``data`` plus column names (keyword-only), draws on ``ax`` (a new one if
None) and returns the Axes; nothing here calls ``plt.show()``. One module per topic;
topic plots are imported on first use, which keeps ``import playbook`` fast.
"""
from __future__ import annotations

import importlib

from ._theme import PALETTE, cjk_font_name, new_ax, set_theme
from .basic import customer_timeline, distribution, persona_traces

__all__ = ["set_theme", "cjk_font_name", "new_ax", "PALETTE", "customer_timeline", "persona_traces", "distribution"]

# Topic modules whose public plots are reachable as ``charts.<name>``.
_TOPICS = ("pareto", "rfm", "lifecycle", "types")


def __getattr__(name: str):
    for topic in _TOPICS:
        try:
            module = importlib.import_module(f"{__name__}.{topic}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{topic}":
                raise
            continue
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
