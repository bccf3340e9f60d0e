"""The kit's domain codes, defined once: the generator writes them and the analyses read them.

Order matters where a tuple is used as a category order (and in the generator, as codes).
"""
from __future__ import annotations

__all__ = [
    "PERSONAS", "ORIENTATIONS", "FLAGS", "LEADER_ROLES", "PROCUREMENT_STAGES", "COMPLAINT_CAUSES",
    "SERVICE_FAILURES", "CHURN_CAUSES", "INTERACTION_KINDS", "CARE_KINDS", "REP_CONTACT_KINDS", "STRATEGIES",
]

#: Behavioural types (客户类型).
PERSONAS = ("loyal", "discount_driven", "impulse", "need_based", "wanderer")
#: Customer orientation (客户导向).
ORIENTATIONS = ("cost", "value", "technology")
#: Flags a customer may carry besides its type.
FLAGS = ("high_volume", "future_high_value", "benchmark", "pioneer", "motivator")
#: The three kinds of opinion leader (意见领袖).
LEADER_ROLES = ("product_expert", "bridge", "gold_salesperson")
#: The seven-stage procurement process of a key customer.
PROCUREMENT_STAGES = (
    "internal_need", "project_setup", "information_gathering", "technical_screening",
    "project_evaluation", "final_decision", "after_sales",
)
#: Complaint causes: the three classic service failures, then the rest.
COMPLAINT_CAUSES = ("late_delivery", "quality_or_size", "slow_after_sales", "other")
SERVICE_FAILURES = COMPLAINT_CAUSES[:3]
#: Why churned customers left (hidden truth of synthetic data).
CHURN_CAUSES = ("lack_of_care", "service_failure", "competitor", "price", "moved_on")
#: Kinds of interaction (not orders).
INTERACTION_KINDS = ("browse", "visit", "call", "follow_up", "suggestion", "event", "review", "reference")
#: Contacts the business makes: the "care" a customer feels (or misses).
CARE_KINDS = ("follow_up", "visit", "call", "event")
#: Contacts made by a rep (so the interaction names one).
REP_CONTACT_KINDS = ("follow_up", "visit", "call")
#: The seven relationship strategies (七项客户管理策略).
STRATEGIES = ("build", "protect", "re_engineer", "enhance", "harvest", "end", "win_back")
