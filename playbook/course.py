"""The course map: the notebooks in teaching order, built from the files that exist.

The plan lives here as data; titles come from each notebook's first heading, so the map
never drifts from the notebooks (nothing is maintained by hand).

The two-day timetable (``PLAN``) is data too, and ``material_load`` sets each slot against
the material its notebook holds: words to read, cells to run, widgets to demonstrate and
exercises to work. The pace behind those minutes (``PACE``) is an assumption, not a
measurement: a dry run with people replaces it (pass ``pace=`` with what you timed).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InvalidArgumentError
from .i18n import LABELS, register_labels

__all__ = ["COURSE", "PLAN", "PACE", "CLASS_COMPUTE", "course_map", "notebooks_dir", "material_load", "in_class",
           "checked_exercises", "load_table_markdown"]

# The planned titles of the notebooks, English and Chinese, in the label registry (``course.title.<number>``).
register_labels({
    "course.title.00": ("Start here", "从这里开始"),
    "course.title.01": ("Why retention pays", "保持老客户的经济性"),
    "course.title.02": ("Synthetic customers and the hidden truth", "合成客户数据与真实答案"),
    "course.title.03": ("The 80/20 rule, key accounts and tiers", "二八法则、大客户与客户分级"),
    "course.title.04": ("RFM segmentation", "RFM 客户细分"),
    "course.title.05": ("Lifecycle and the eight formation stages", "客户生命周期与形成阶段"),
    "course.title.06": ("Customer types and orientation", "客户类型与客户导向"),
    "course.title.07": ("Core customers and opinion leaders", "核心客户与意见领袖"),
    "course.title.08": ("Satisfaction and complaints", "满意度与投诉管理"),
    "course.title.09": ("Churn early warning", "客户流失预警"),
    "course.title.10": ("Relationship strategies and retention programs", "客户管理策略与保持方法"),
    "course.title.11": ("Customer lifetime value", "客户终身价值"),
    "course.title.12": ("Key-account management", "大客户管理"),
    "course.title.13": ("Bring your own data", "使用自己的数据"),
})

# number, file stem, planned title, Chinese title, concepts (letters of the concept map)
COURSE = tuple(
    (number, stem, LABELS[f"course.title.{number}"][0], LABELS[f"course.title.{number}"][1], concepts)
    for number, stem, concepts in (
        ("00", "start_here", "overview"),
        ("01", "why_retention_pays", "A"),
        ("02", "synthetic_customers", "B, D"),
        ("03", "pareto_and_tiers", "C"),
        ("04", "rfm", "B, C"),
        ("05", "lifecycle_and_stages", "D"),
        ("06", "customer_types", "B"),
        ("07", "core_customers", "E"),
        ("08", "satisfaction_and_complaints", "F"),
        ("09", "churn_early_warning", "C, F"),
        ("10", "strategies_and_programs", "G, H"),
        ("11", "customer_lifetime_value", "A"),
        ("12", "key_account_management", "I"),
        ("13", "bring_your_own_data", "J"),
    )
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


#: The two-day timetable: (day, start, what, minutes). ``what`` is a notebook number or a
#: pause ("break", "lunch") or a closing slot ("wrap-up", "close"). docs/trainer_guide.md shows
#: the same table (a test keeps them equal) and each slot starts where the last one ended.
PLAN = (
    (1, "09:00", "00", 25), (1, "09:25", "01", 55), (1, "10:20", "break", 15), (1, "10:35", "02", 50),
    (1, "11:25", "03", 50), (1, "12:15", "lunch", 60), (1, "13:15", "04", 45), (1, "14:00", "05", 50),
    (1, "14:50", "break", 15), (1, "15:05", "06", 50), (1, "15:55", "07", 45), (1, "16:40", "wrap-up", 20),
    (2, "09:00", "08", 55), (2, "09:55", "09", 65), (2, "11:00", "break", 15), (2, "11:15", "10", 75),
    (2, "12:30", "lunch", 60), (2, "13:30", "11", 50), (2, "14:20", "12", 80), (2, "15:40", "break", 15),
    (2, "15:55", "13", 45), (2, "16:40", "close", 20),
)

#: The pace assumed when a notebook's material is turned into minutes. An assumption to be
#: replaced by a dry run: words read per minute (English; Chinese characters separately),
#: minutes to run a code cell and glance at its output, to demonstrate a widget, and to work
#: and debrief one exercise of each kind.
PACE: dict[str, Any] = {
    "words_per_minute": 200.0,
    "zh_chars_per_minute": 300.0,
    "minutes_per_code_cell": 0.3,
    "minutes_per_widget": 3.0,
    "exercise_minutes": {"predict": 2.0, "compute": 5.0, "decide": 4.0, "explain": 6.0},
}

#: Minutes of slot 00 that go to the five-question pre-course check, not to the notebook.
PRE_COURSE_CHECK_MINUTES = 5

#: The *compute* exercise worked in class where it is not the notebook's first one, and why.
CLASS_COMPUTE = {
    "09": "09.2",  # the look-ahead trap: its hint explains the mistake, which is worth a debrief in the room
}

_WIDGET = re.compile(r"\b[A-Z]\w*(?:Explorer|Picker)\(")  # a cell that builds one of playbook.widgets' explorers
_CHECK = re.compile(r"""ex\.check\(\s*["'](\d\d\.\d+)["']""")


def checked_exercises(code: str) -> set[str]:
    r"""The exercise ids that ``code`` checks with ``ex.check("NN.k", ...)``, in either quotes.

    One reading of a notebook's checks, for the material counted here and for the test that
    every exercise of a bank is asked in its notebook.

    >>> sorted(checked_exercises("ex.check('12.7', answer_7, mine)\nex.check(\n    \"03.10\", a)\nex.hint('01.1')"))
    ['03.10', '12.7']
    """
    return set(_CHECK.findall(code))


def _exercise_order(exercise_id: str) -> tuple[int, int]:
    number, k = exercise_id.split(".")
    return int(number), int(k)


def in_class(exercise_ids, kinds, compute: str | None = None) -> tuple[list[str], list[str]]:
    """Split a notebook's exercises into those worked in class and those left as homework.

    The rule, one for every notebook so a trainer can say it in a sentence: every *predict*,
    *decide* and *explain* exercise is done in the room (they need the room: a guess before
    the reveal, a choice to argue, a written answer to read out), and so is the first
    *compute* one (or ``compute``, when a later one makes the better debrief); the other
    computations are homework.

    >>> in_class(["01.1", "01.2", "01.6"], ["compute", "compute", "predict"])
    (['01.1', '01.6'], ['01.2'])
    >>> in_class(["09.1", "09.2"], ["compute", "compute"], compute="09.2")
    (['09.2'], ['09.1'])
    """
    ids = list(exercise_ids)
    computed = [i for i, kind in zip(ids, kinds) if kind == "compute"]
    if compute is not None and compute not in computed:
        raise InvalidArgumentError(f"compute: {compute!r} is not one of the compute exercises {computed}.")
    chosen = compute if compute is not None else (computed[0] if computed else None)
    room = [i for i, kind in zip(ids, kinds) if kind != "compute" or i == chosen]
    return room, [i for i in ids if i not in room]


def _material(path: Path, registry) -> dict:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    shown = [c for c in cells if "trainer" not in c.get("metadata", {}).get("tags", [])]
    prose = " ".join("".join(c["source"]) for c in shown if c["cell_type"] == "markdown")
    code = ["".join(c["source"]) for c in shown if c["cell_type"] == "code"]
    number = path.name[:2]
    asked = checked_exercises("\n".join(code))
    # explain exercises are not auto-checked: the bank lists them, the notebook asks them in prose
    asked |= {i for i, e in registry.items() if i.startswith(number + ".") and e.kind == "explain"}
    ids = sorted(asked, key=_exercise_order)
    return {"words": len(re.findall(r"[A-Za-z][A-Za-z'-]*", prose)), "zh_chars": len(re.findall(r"[\u4e00-\u9fff]", prose)),
            "code_cells": len(code), "widgets": sum(bool(_WIDGET.search(source)) for source in code),
            "exercises": ids, "kinds": [registry[i].kind if i in registry else "compute" for i in ids]}


def _pace(pace) -> dict:
    merged = {**PACE, "exercise_minutes": dict(PACE["exercise_minutes"])}
    for key, value in (pace or {}).items():
        if key not in PACE:
            raise InvalidArgumentError(f"pace: unknown key {key!r}; the keys are {', '.join(PACE)}.")
        if key == "exercise_minutes":
            unknown = set(value) - set(merged[key])
            if unknown:
                raise InvalidArgumentError(f"pace['exercise_minutes']: unknown kind(s) {sorted(unknown)}; "
                                           f"the kinds are {', '.join(merged[key])}.")
            merged[key].update(value)
        else:
            merged[key] = float(value)
    return merged


def material_load(folder=None, *, pace=None) -> pd.DataFrame:
    """How much material each notebook holds, in minutes of class, beside its slot in ``PLAN``.

    Counts the prose a learner reads (trainer-only cells left out), the code cells run, the
    widgets demonstrated and the exercises asked, and turns them into minutes at ``pace``
    (``PACE`` by default; pass a dict with the keys to change, e.g. what a dry run measured).
    Exercises are split by :func:`in_class` into the room's and the homework.

    Returns a DataFrame indexed by notebook number with ``words``, ``zh_chars``, ``code_cells``,
    ``widgets``, ``n_exercises``, ``in_class`` and ``homework`` (exercise ids, comma-separated),
    ``minutes_everything`` (every exercise done in class), ``minutes_in_class`` (homework left
    out), ``planned`` (the slot's minutes; slot 00 less the pre-course check) and ``fits``
    (``minutes_in_class <= planned``).

    >>> load = material_load()
    >>> bool(load["fits"].all())
    True
    >>> bool((load["minutes_everything"] > load["planned"]).any())  # everything in class does not fit
    True
    """
    from . import exercises

    pace = _pace(pace)
    folder = Path(folder) if folder is not None else notebooks_dir()
    planned = {what: minutes for _, _, what, minutes in PLAN if what.isdigit()}
    planned["00"] = planned.get("00", 0) - PRE_COURSE_CHECK_MINUTES
    rows = []
    for number, stem, *_ in COURSE:
        path = folder / f"{number}_{stem}.ipynb"
        if not path.is_file():
            continue
        m = _material(path, exercises.REGISTRY)
        room, home = in_class(m["exercises"], m["kinds"], CLASS_COMPUTE.get(number))
        kind_of = dict(zip(m["exercises"], m["kinds"]))
        base = (m["words"] / pace["words_per_minute"] + m["zh_chars"] / pace["zh_chars_per_minute"]
                + m["code_cells"] * pace["minutes_per_code_cell"] + m["widgets"] * pace["minutes_per_widget"])
        minutes = pace["exercise_minutes"]
        rows.append({"number": number, "words": m["words"], "zh_chars": m["zh_chars"], "code_cells": m["code_cells"],
                     "widgets": m["widgets"], "n_exercises": len(m["exercises"]),
                     "in_class": ", ".join(room), "homework": ", ".join(home),
                     "minutes_everything": round(base + sum(minutes[k] for k in m["kinds"])),
                     "minutes_in_class": round(base + sum(minutes[kind_of[i]] for i in room)),
                     "planned": planned.get(number)})
    table = pd.DataFrame(rows).set_index("number")
    table["fits"] = table["minutes_in_class"] <= table["planned"]
    return table


def load_table_markdown(load: pd.DataFrame | None = None) -> str:
    """``material_load()`` as the Markdown table docs/trainer_guide.md shows (a test keeps it current)."""
    load = material_load() if load is None else load
    lines = ["| notebook | slot (min) | in class (min) | everything in class (min) | in class | homework |",
             "|---|---|---|---|---|---|"]
    for number, row in load.iterrows():
        lines.append(f"| {number} | {row['planned']} | {row['minutes_in_class']} | {row['minutes_everything']} | "
                     f"{row['in_class']} | {row['homework'] or '-'} |")
    return "\n".join(lines)

