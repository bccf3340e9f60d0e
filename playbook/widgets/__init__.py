"""ipywidgets front-ends: thin controls around the library's functions, one module per topic.

Each explorer keeps what it last drew in ``shown`` so notebooks and tests can assert
that moving a control really changed the picture. ipywidgets is imported when an
explorer is built, not when the package is imported.
"""
from .explorers import CustomerExplorer, GeneratorExplorer
from .lifecycle import StageExplorer
from .pareto import TierExplorer
from .rfm import RFMExplorer
from .types import TypeRuleExplorer

__all__ = ["CustomerExplorer", "GeneratorExplorer", "TierExplorer", "RFMExplorer", "StageExplorer", "TypeRuleExplorer"]

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
