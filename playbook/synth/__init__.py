"""Synthetic customer bases with a hidden ground truth (see :func:`generate`)."""
from .traces import persona_traces
from .generator import LEADER_ROLES, ORIENTATIONS, PERSONAS, PROCUREMENT_STAGES, SCENARIOS, Scenario, generate

__all__ = ["generate", "persona_traces", "SCENARIOS", "Scenario", "PERSONAS", "ORIENTATIONS", "LEADER_ROLES", "PROCUREMENT_STAGES"]
