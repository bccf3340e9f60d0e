"""ipywidgets front-ends: thin controls around the library's functions, one module per topic.

Each explorer is a :class:`playbook.widgets._base.Explorer`: it speaks ``lang``, draws into
``output``, shows ``widget`` and keeps what it last drew in ``shown`` so notebooks and tests can
assert that moving a control really changed the picture. ipywidgets is imported when an
explorer is built, not when the package is imported.
"""
from .accounts import AccountExplorer, ChannelWearOutExplorer, DealRecapExplorer, KeyAccountWatch
from .byod import AnalysisPicker
from .churn import AlarmReplayExplorer
from .economics import EconomicsExplorer, GrowthExplorer
from .explorers import CustomerExplorer, GeneratorExplorer
from .influence import LeaderExplorer
from .lifecycle import StageExplorer
from .segment import TierExplorer
from .rfm import RFMExplorer
from .satisfaction import ComplaintSpeedExplorer, SatisfactionIndexExplorer
from .strategy import ProgramExplorer, StrategyTableExplorer
from .customer_types import TypeRuleExplorer
from .value import CLVExplorer

__all__ = [
    "CustomerExplorer", "GeneratorExplorer", "EconomicsExplorer", "TierExplorer", "RFMExplorer", "StageExplorer",
    "TypeRuleExplorer", "LeaderExplorer", "SatisfactionIndexExplorer", "AlarmReplayExplorer", "CLVExplorer",
    "ProgramExplorer", "AnalysisPicker", "AccountExplorer", "DealRecapExplorer", "KeyAccountWatch", "ChannelWearOutExplorer", "ComplaintSpeedExplorer",
    "GrowthExplorer", "StrategyTableExplorer",
]
