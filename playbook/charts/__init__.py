"""The kit's charts: one seaborn theme that draws Chinese, and plots in seaborn's shape.

Each plot takes its table first as ``data`` (older names such as ``table=`` still work for
one release, with a DeprecationWarning), then keyword-only options, draws on ``ax`` (a new
one if None) and returns the Axes; nothing here calls ``plt.show()``. One module per topic.
Every text a chart draws is a label of :mod:`playbook.i18n` asked for by key
(``charts._text.text``), and the paragraphs every chart docstring shares are written once in
``charts._docs``.
"""
from ._theme import PALETTE, cjk_font_name, new_ax, set_theme
from .accounts import channel_conversion_chart, deal_recap_bars, pipeline_funnel, win_rate_by_price
from .basic import customer_timeline, distribution, persona_traces
from .churn import alarm_timeline, risk_distribution, signal_bars, survival_curves
from .economics import growth_decomposition, profit_over_time, retention_curve
from .evaluate import reliability_chart, roc_curves
from .influence import influence_vs_spend, referral_network
from .lifecycle import cohort_heatmap, lifecycle_funnel, stage_flow_chart
from .segment import pareto_curve, tier_bars
from .rfm import rfm_heatmap, segment_bars
from .satisfaction import (
    complaint_speed_bars,
    index_bars,
    indicator_bars,
    repurchase_by_satisfaction,
    resolution_times,
)
from .strategy import program_comparison, strategy_mix
from .synth import realism_chart
from .customer_types import confusion_matrix, evidence_scatter
from .uncertainty import program_interval_chart, rate_interval_chart
from .value import frequency_recency_heatmap, holdout_plot, probability_alive_heatmap

__all__ = [
    "set_theme", "cjk_font_name", "new_ax", "PALETTE",
    "customer_timeline", "persona_traces", "distribution",
    "profit_over_time", "retention_curve", "growth_decomposition",
    "pareto_curve", "tier_bars",
    "rfm_heatmap", "segment_bars",
    "lifecycle_funnel", "stage_flow_chart", "cohort_heatmap",
    "confusion_matrix", "evidence_scatter",
    "referral_network", "influence_vs_spend",
    "indicator_bars", "index_bars", "repurchase_by_satisfaction", "resolution_times", "complaint_speed_bars",
    "signal_bars", "risk_distribution", "survival_curves", "alarm_timeline",
    "roc_curves", "reliability_chart",
    "frequency_recency_heatmap", "probability_alive_heatmap", "holdout_plot",
    "strategy_mix", "program_comparison", "program_interval_chart", "rate_interval_chart",
    "pipeline_funnel", "win_rate_by_price", "deal_recap_bars", "channel_conversion_chart",
    "realism_chart",
]
