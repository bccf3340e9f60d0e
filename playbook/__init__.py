"""Retention Playbook: customer retention and key-customer management (客户保持与核心客户管理).

The public API, re-exported by name. Start with :func:`load_dataset` or
:func:`playbook.synth.generate`, then :func:`summarize`. Topic modules (``segment``,
``rfm``, ``lifecycle``, ``customer_types``) hold the rest.
"""
from .course import course_map
from .customer_types import (
    behaviour_evidence,
    buyer_consumer_split,
    classify_flags,
    classify_orientation,
    classify_types,
    score_against_truth,
)
from .data import CustomerBase, dataset_names, load_dataset, read_dataset, summarize, timeline, write_dataset
from .errors import DataValidationError, InvalidArgumentError, MissingTableError, PlaybookError
from .lifecycle import cohort_table, formation_stage, lifecycle_stage, stage_flow
from .rfm import RFM_SEGMENTS, rfm_scores, rfm_segments, segment_summary
from .segment import (
    TIER_POLICY,
    abc_classes,
    accounts_share_by_period,
    assign_tiers,
    concentration,
    gini,
    lead_levels,
    loss_impact,
    pareto_table,
    prospect_levels,
    tier_migration,
    tier_policy,
    top_share,
)

__version__ = "0.1.0"

__all__ = [
    # data
    "CustomerBase", "load_dataset", "dataset_names", "read_dataset", "write_dataset", "summarize", "timeline",
    "course_map",
    # errors
    "PlaybookError", "InvalidArgumentError", "DataValidationError", "MissingTableError",
    # 80/20, tiers, prospects
    "top_share", "pareto_table", "gini", "abc_classes", "concentration", "assign_tiers", "TIER_POLICY", "tier_policy",
    "tier_migration", "prospect_levels", "lead_levels", "loss_impact", "accounts_share_by_period",
    # RFM
    "rfm_scores", "rfm_segments", "segment_summary", "RFM_SEGMENTS",
    # lifecycle
    "lifecycle_stage", "formation_stage", "stage_flow", "cohort_table",
    # customer types
    "behaviour_evidence", "classify_types", "classify_flags", "classify_orientation", "score_against_truth",
    "buyer_consumer_split",
]
