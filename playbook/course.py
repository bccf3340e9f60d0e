"""The course map: the notebooks in teaching order, built from the files that exist.

The plan lives here as data; titles come from each notebook's first heading, so the map
never drifts from the notebooks (nothing is maintained by hand).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["COURSE", "course_map", "notebooks_dir"]

# number, file stem, planned title, Chinese title, concepts (letters of the concept map)
COURSE = (
    ("00", "start_here", "Start here", "从这里开始", "overview"),
    ("01", "why_retention_pays", "Why retention pays", "保持老客户的经济性", "A"),
    ("02", "synthetic_customers", "Synthetic customers and the hidden truth", "合成客户数据与真实答案", "B, D"),
    ("03", "pareto_and_tiers", "The 80/20 rule, key accounts and tiers", "二八法则、大客户与客户分级", "C"),
    ("04", "rfm", "RFM segmentation", "RFM 客户细分", "B, C"),
    ("05", "lifecycle_and_stages", "Lifecycle and the eight formation stages", "客户生命周期与形成阶段", "D"),
    ("06", "customer_types", "Customer types and orientation", "客户类型与客户导向", "B"),
    ("07", "core_customers", "Core customers and opinion leaders", "核心客户与意见领袖", "E"),
    ("08", "satisfaction_and_complaints", "Satisfaction and complaints", "满意度与投诉管理", "F"),
    ("09", "churn_early_warning", "Churn early warning", "客户流失预警", "C, F"),
    ("10", "strategies_and_programs", "Relationship strategies and retention programs", "客户管理策略与保持方法", "G, H"),
    ("11", "customer_lifetime_value", "Customer lifetime value", "客户终身价值", "A"),
    ("12", "key_account_management", "Key-account management", "大客户管理", "I"),
    ("13", "bring_your_own_data", "Bring your own data", "使用自己的数据", "J"),
)


def notebooks_dir() -> Path:
    """The kit's ``notebooks/`` folder (beside the package in a source checkout)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def _first_heading(path: Path) -> str | None:
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def course_map(folder=None) -> pd.DataFrame:
    """The course in teaching order, with which notebooks are available now.

    Returns a DataFrame with ``number``, ``notebook`` (file name), ``title`` (the notebook's
    own first heading when it exists, else the planned title), ``title_zh``, ``concepts``
    (letters of the concept map) and ``available``.

    >>> cm = course_map()
    >>> cm.loc[0, "notebook"]
    '00_start_here.ipynb'
    """
    folder = Path(folder) if folder is not None else notebooks_dir()
    rows = []
    for number, stem, title, title_zh, concepts in COURSE:
        path = folder / f"{number}_{stem}.ipynb"
        available = path.is_file()
        rows.append({"number": number, "notebook": path.name, "title": (_first_heading(path) if available else None) or title,
                     "title_zh": title_zh, "concepts": concepts, "available": available})
    return pd.DataFrame(rows)
