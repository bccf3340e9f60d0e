"""Synthetic customer bases with a hidden ground truth (see :func:`generate`)."""
from .traces import TRACE_FEATURES, persona_traces, trace_ceiling
from .generator import (
    LEADER_ROLES, MAX_CUSTOMERS, ORIENTATIONS, PERSONAS, PROCESSES, PROCUREMENT_STAGES, SCENARIOS, Scenario, generate,
    memory_estimate_mib,
)
from .realism import CDNOW_REFERENCE, realism

__all__ = ["generate", "persona_traces", "trace_ceiling", "TRACE_FEATURES", "realism", "memory_estimate_mib", "MAX_CUSTOMERS", "PROCESSES", "CDNOW_REFERENCE",
           "SCENARIOS", "Scenario", "PERSONAS", "ORIENTATIONS", "LEADER_ROLES", "PROCUREMENT_STAGES"]
