"""Retention Playbook: customer retention and key-customer management (客户保持与核心客户管理).

The public API, re-exported by name. Start with :func:`load_dataset` or
:func:`playbook.synth.generate`, then :func:`summarize`. Topic modules hold the rest:
``economics``, ``segment``, ``rfm``, ``lifecycle``, ``customer_types``, ``influence``,
``satisfaction``, ``churn``, ``strategy``, ``value``, ``accounts`` and ``byod``.

The names below load their module on first use (PEP 562), so ``import playbook`` and
``playbook --help`` start in a fraction of a second; ``from playbook import summarize`` works as before.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and IDEs
    from .accounts import (
        STAGE_PLAYBOOK,
        account_manager_report,
        assign_leads,
        channel_conversion,
        channel_effectiveness,
        channel_wear_out,
        competitor_comparison,
        key_account_scorecard,
        lead_pool,
        pipeline,
        stage_conversion,
        stakeholder_map,
    )
    from .byod import (
        from_orders,
        suggest_mapping,
    )
    from .churn import (
        churn_risk,
        churn_signals,
        concentration_alarm,
        evaluate_warnings,
        kaplan_meier,
        naive_rule,
        p_alive_from_btyd,
    )
    from .course import (
        course_map,
    )
    from .customer_types import (
        behaviour_evidence,
        buyer_consumer_split,
        classify_flags,
        classify_orientation,
        classify_types,
        score_against_truth,
    )
    from .data import (
        CustomerBase,
        dataset_names,
        dataset_path,
        load_dataset,
        read_dataset,
        summarize,
        timeline,
        write_dataset,
    )
    from .economics import (
        acquisition_vs_retention,
        cohort_profit,
        empirical_retention,
    )
    from .errors import (
        DataValidationError,
        InvalidArgumentError,
        MissingTableError,
        ModelNotFittedError,
        PlaybookError,
    )
    from .influence import (
        opinion_leaders,
        reach_of_loss,
        referral_graph,
    )
    from .lifecycle import (
        cohort_table,
        formation_stage,
        lifecycle_stage,
        stage_flow,
    )
    from .rfm import (
        RFM_SEGMENTS,
        rfm_scores,
        rfm_segments,
        segment_summary,
    )
    from .satisfaction import (
        complaint_summary,
        complaint_timeline,
        satisfaction_index,
        satisfaction_indicators,
    )
    from .strategy import (
        STRATEGY_TABLE,
        action_list,
        contact_plan,
        customer_profile,
        export_action_list,
        overdue_contacts,
        recommend_strategies,
        strategy_rules,
        program_intervals,
        simulate_programs,
        switching_cost,
    )
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
        tiers_at,
        top_share,
    )
    from .value import (
        BetaGeoFitter,
        GammaGammaFitter,
        calibration_holdout,
        customer_lifetime_value,
        simple_clv,
    )

#: Public name -> the module that defines it (read by :func:`__getattr__`).
_EXPORTS: dict[str, str] = {
    "STAGE_PLAYBOOK": "accounts",
    "account_manager_report": "accounts",
    "assign_leads": "accounts",
    "channel_conversion": "accounts",
    "channel_effectiveness": "accounts",
    "channel_wear_out": "accounts",
    "competitor_comparison": "accounts",
    "key_account_scorecard": "accounts",
    "lead_pool": "accounts",
    "pipeline": "accounts",
    "stage_conversion": "accounts",
    "stakeholder_map": "accounts",
    "from_orders": "byod",
    "suggest_mapping": "byod",
    "churn_risk": "churn",
    "churn_signals": "churn",
    "concentration_alarm": "churn",
    "evaluate_warnings": "churn",
    "kaplan_meier": "churn",
    "naive_rule": "churn",
    "p_alive_from_btyd": "churn",
    "course_map": "course",
    "behaviour_evidence": "customer_types",
    "buyer_consumer_split": "customer_types",
    "classify_flags": "customer_types",
    "classify_orientation": "customer_types",
    "classify_types": "customer_types",
    "score_against_truth": "customer_types",
    "CustomerBase": "data",
    "dataset_names": "data",
    "dataset_path": "data",
    "load_dataset": "data",
    "read_dataset": "data",
    "summarize": "data",
    "timeline": "data",
    "write_dataset": "data",
    "acquisition_vs_retention": "economics",
    "cohort_profit": "economics",
    "empirical_retention": "economics",
    "DataValidationError": "errors",
    "InvalidArgumentError": "errors",
    "MissingTableError": "errors",
    "ModelNotFittedError": "errors",
    "PlaybookError": "errors",
    "opinion_leaders": "influence",
    "reach_of_loss": "influence",
    "referral_graph": "influence",
    "cohort_table": "lifecycle",
    "formation_stage": "lifecycle",
    "lifecycle_stage": "lifecycle",
    "stage_flow": "lifecycle",
    "RFM_SEGMENTS": "rfm",
    "rfm_scores": "rfm",
    "rfm_segments": "rfm",
    "segment_summary": "rfm",
    "complaint_summary": "satisfaction",
    "complaint_timeline": "satisfaction",
    "satisfaction_index": "satisfaction",
    "satisfaction_indicators": "satisfaction",
    "STRATEGY_TABLE": "strategy",
    "action_list": "strategy",
    "contact_plan": "strategy",
    "customer_profile": "strategy",
    "export_action_list": "strategy",
    "overdue_contacts": "strategy",
    "recommend_strategies": "strategy",
    "strategy_rules": "strategy",
    "program_intervals": "strategy",
    "simulate_programs": "strategy",
    "switching_cost": "strategy",
    "TIER_POLICY": "segment",
    "abc_classes": "segment",
    "accounts_share_by_period": "segment",
    "assign_tiers": "segment",
    "concentration": "segment",
    "gini": "segment",
    "lead_levels": "segment",
    "loss_impact": "segment",
    "pareto_table": "segment",
    "prospect_levels": "segment",
    "tier_migration": "segment",
    "tier_policy": "segment",
    "tiers_at": "segment",
    "top_share": "segment",
    "BetaGeoFitter": "value",
    "GammaGammaFitter": "value",
    "calibration_holdout": "value",
    "customer_lifetime_value": "value",
    "simple_clv": "value",
}

__version__ = "0.1.0"

__all__ = [
    # data
    "CustomerBase", "load_dataset", "dataset_names", "dataset_path", "read_dataset", "write_dataset", "summarize", "timeline",
    "from_orders", "suggest_mapping",
    "course_map",
    # errors
    "PlaybookError", "InvalidArgumentError", "DataValidationError", "MissingTableError", "ModelNotFittedError",
    # why retention pays
    "cohort_profit", "customer_lifetime_value", "acquisition_vs_retention", "empirical_retention",
    # 80/20, tiers, prospects
    "top_share", "pareto_table", "gini", "abc_classes", "concentration", "assign_tiers", "tiers_at", "TIER_POLICY", "tier_policy",
    "tier_migration", "prospect_levels", "lead_levels", "loss_impact", "accounts_share_by_period",
    # RFM
    "rfm_scores", "rfm_segments", "segment_summary", "RFM_SEGMENTS",
    # lifecycle
    "lifecycle_stage", "formation_stage", "stage_flow", "cohort_table",
    # customer types
    "behaviour_evidence", "classify_types", "classify_flags", "classify_orientation", "score_against_truth",
    "buyer_consumer_split",
    # core customers
    "referral_graph", "opinion_leaders", "reach_of_loss",
    # satisfaction and complaints
    "satisfaction_indicators", "satisfaction_index", "complaint_timeline", "complaint_summary",
    # churn
    "churn_signals", "churn_risk", "p_alive_from_btyd", "naive_rule", "evaluate_warnings", "kaplan_meier", "concentration_alarm",
    # strategies, programs, follow-up, action list
    "customer_profile", "STRATEGY_TABLE", "recommend_strategies", "strategy_rules", "simulate_programs", "program_intervals", "switching_cost", "contact_plan",
    "overdue_contacts", "action_list", "export_action_list",
    # key accounts
    "pipeline", "stage_conversion", "STAGE_PLAYBOOK", "lead_pool", "assign_leads", "channel_effectiveness", "channel_conversion", "channel_wear_out",
    "stakeholder_map", "competitor_comparison", "account_manager_report", "key_account_scorecard",
    # lifetime value
    "simple_clv", "BetaGeoFitter", "GammaGammaFitter", "calibration_holdout",
]



def __getattr__(name: str):
    """A public name, or a submodule such as ``playbook.i18n``, imported the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'playbook' has no attribute {name!r}")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
