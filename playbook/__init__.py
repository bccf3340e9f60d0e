"""Retention Playbook: customer retention and key-customer management (客户保持与核心客户管理).

The public API, re-exported by name. Start with :func:`load_dataset` or
:func:`playbook.synth.generate`, then :func:`summarize`.
"""
from .course import course_map
from .data import CustomerBase, dataset_names, load_dataset, read_dataset, summarize, timeline, write_dataset
from .errors import DataValidationError, InvalidArgumentError, MissingTableError, PlaybookError

__version__ = "0.1.0"

__all__ = [
    "CustomerBase",
    "load_dataset",
    "dataset_names",
    "read_dataset",
    "write_dataset",
    "summarize",
    "timeline",
    "course_map",
    "PlaybookError",
    "InvalidArgumentError",
    "DataValidationError",
    "MissingTableError",
]
