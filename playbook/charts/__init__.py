"""The kit's charts: one seaborn theme that draws Chinese, and plots in seaborn's shape.

Each plot takes ``data`` plus column names (keyword-only), draws on ``ax`` (a new one if
None) and returns the Axes; nothing here calls ``plt.show()``. One module per topic.
"""
from ._theme import PALETTE, cjk_font_name, new_ax, set_theme
from .basic import customer_timeline, distribution, persona_traces
from .lifecycle import cohort_heatmap, lifecycle_funnel, stage_flow_chart
from .pareto import pareto_curve, tier_bars
from .rfm import rfm_heatmap, segment_bars
from .types import confusion_matrix, evidence_scatter

__all__ = [
    "set_theme", "cjk_font_name", "new_ax", "PALETTE",
    "customer_timeline", "persona_traces", "distribution",
    "pareto_curve", "tier_bars",
    "rfm_heatmap", "segment_bars",
    "lifecycle_funnel", "stage_flow_chart", "cohort_heatmap",
    "confusion_matrix", "evidence_scatter",
]

# Topic modules still being written are reachable by name before they are listed above.
_NEW_TOPICS: tuple[str, ...] = ("influence", "satisfaction", "churn", "value", "economics",)


def __getattr__(name: str):
    import importlib

    for topic in _NEW_TOPICS:
        try:
            module = importlib.import_module(f"{__name__}.{topic}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{topic}":
                raise
            continue
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
