"""Issue 19's inventory: every notebook asks all four kinds of exercise, every concept has two checked ones.

The kinds come from the banks (``Exercise.kind``), the notebooks from the exercise ids (``"NN.k"``). A notebook
may be exempt from a kind only with a written reason in ALLOWED_GAPS; "pending: other helper" marks a gap that
another helper's notebook still has to fill (the lead fills or allowlists it). Run this file as a script to print
the inventory table.

CONCEPTS maps every concept of /work/shared/CONCEPTS.md (one bullet each, by its letter, and the ones issue 19
names as missing) to the exercises that practise it. "Checked" means graded by the kit: predict, compute or
decide; an explain exercise is read by the trainer and does not count. The mapping is by what the question asks,
not by which notebook it sits in.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from playbook import exercises as ex
from playbook.course import checked_exercises

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {p.name[:2]: p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
CHECKED_KINDS = ("predict", "compute", "decide")

# (notebook, kind) -> why the notebook may lack that kind.
ALLOWED_GAPS = {
    ("00", "predict"): "00 is the ten-minute orientation: it checks that the learner's setup runs (00.1, 00.2), "
                       "nothing to predict yet.",
    ("00", "decide"): "00 is the orientation: no rule of the kit has been taught yet to decide with.",
    ("00", "explain"): "00 is the orientation: the first written answer comes in 01.",
}

# Concept (CONCEPTS.md letter and bullet, in short) -> the exercises that practise it.
CONCEPTS = {
    "A1 winning a customer costs 2-6x keeping one": ["01.3", "01.7"],
    "A2 a few points of retention or satisfaction move profit and CLV": ["01.1", "01.2", "01.3", "08.3"],
    # each dimension measured on the shop: retain (01.5, the returning share), expand (01.8, value per customer)
    "A3 four CRM dimensions (select, acquire, retain, expand)": ["01.5", "01.8", "01.9"],
    "A+ CRM grows the number and the quality of customers (issue 19)": ["01.4", "01.5", "01.6"],
    "B1 customer vs consumer": ["00.2", "06.1"],
    "B2 behavioural types": ["02.1", "02.2", "02.3", "06.2", "06.3", "06.7"],
    "B2 the five flags (high-volume, future value, benchmark, pioneer, motivator)": ["06.4", "06.6"],
    "B3 three orientations (cost, value, technology)": ["06.5", "06.8", "06.9"],
    "C1 80/20 and key accounts": ["03.1", "03.2", "13.2"],
    "C2 tiering key / important / general": ["03.3", "03.6", "03.7"],
    "C3 concentration risk, the big customers who jumped ship": ["09.3", "09.6", "09.8"],
    "C4 three prospect levels": ["03.4", "03.5"],
    "D1 lifecycle steps": ["05.1", "05.3", "13.3"],
    "D2 eight formation stages": ["05.4", "05.5", "05.6", "05.7"],
    "D3 channels saturate, sources, the lead pool": ["12.4", "12.5", "12.12", "12.13"],
    "E1 core customers are not the biggest spenders: opinion leaders": ["07.1", "07.2"],
    # 07.5 and 07.6 weigh what walks out with a customer (E2) to decide whom to keep first (E3)
    "E2 losing a core customer cuts an artery (their followers go too)": ["07.3", "07.5", "07.6"],
    "E3 keeping core customers (five ways, two ground rules)": ["07.4", "07.5", "07.6"],
    "F1 seven satisfaction indicators": ["08.1", "08.3", "08.7"],
    "F2 two thirds leave for too little care": ["09.1", "09.7"],
    "F3 complaint process with fast resolution": ["08.2", "08.5", "08.6"],
    "F+ the empowered customer (issue 19)": ["08.4", "08.5"],
    "G1 reinforce what the customer values": ["10.5", "10.11"],
    "G2 switching costs and the angel-and-devil lock-in": ["10.4", "10.5", "10.6"],
    "G3 special appreciation beats a discount": ["10.2", "10.12"],
    "G4 emotional ties, group activities, learning relations": ["10.10", "10.11"],
    "H seven relationship strategies, one per customer with its reason": ["10.1", "10.9", "13.4"],
    "I1 key-account system (team, sales model, incentives, service)": ["12.9", "12.10", "12.11", "12.6"],
    "I3 follow-up cadence per tier, who is overdue": ["10.3", "10.7", "10.8", "13.5"],
    "I4 the key customer's procurement process and trigger events": ["12.3", "12.18"],
    "I6 service value beats price (the 5% dearer bid)": ["12.1", "12.17"],
    "I7 commitment and consistency": ["12.2", "12.16"],
    "I5 map the buying organisation and the competitor's offer": ["12.14", "12.15"],
    "I+ recapping the benefits after each deal (issue 19)": ["12.7", "12.8"],
    "J1 bring your own data: load, map columns, clean bad rows": ["13.1", "13.2", "13.3"],
    "J2 bring your own data: the per-customer action list": ["13.4", "13.5", "13.6", "13.7"],
}

# Exercises that practise a tool the concepts rest on rather than one concept of CONCEPTS.md.
TOOLS = {
    "the data: counting, the generated base and its realism": ["00.1", "02.4", "02.5", "02.6", "02.7"],
    "RFM segmentation (a way to read recency, frequency, spend)": ["04.1", "04.2", "04.3", "04.4", "04.5", "04.6"],
    "cohort tables": ["05.2"],
    "churn early warning and its honest test (look-ahead, baselines, calibration)": ["09.2", "09.4", "09.5"],
    "CLV models (simple CLV on the own base, BG/NBD, Gamma-Gamma, the action list's expected margin)": ["11.1", "11.2",
                                                                                                    "11.3", "11.4", "11.5", "11.6", "11.7"],
}

# Concepts with fewer than two checked exercises, each with its reason (the lead fills or keeps them).
THIN_CONCEPTS = {
}
# CONCEPTS.md bullets no exercise practises yet, with the reason.
UNPRACTISED = {
    "I2 the analyses a key-account system runs": "a list of analyses the whole kit runs (churn 09, value 11, "
                                                 "satisfaction 08), practised there, not one concept to check.",
}


def inventory() -> dict[str, dict[str, list[str]]]:
    """notebook -> kind -> exercise ids, from the banks' metadata."""
    table: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for exercise_id, e in sorted(ex.REGISTRY.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))):
        table[exercise_id.split(".")[0]][e.kind].append(exercise_id)
    return table


def _checks_in(cells: list[dict]) -> set[str]:
    return checked_exercises("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _not_asked(nb: str, cells: list[dict]) -> list[str]:
    """The bank's exercises of notebook ``nb`` that no code cell of ``cells`` checks, each with its kind."""
    asked = _checks_in(cells)
    return [f"{i} ({kind})" for kind, ids in sorted(inventory()[nb].items()) for i in ids if i not in asked]


@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_every_notebook_asks_all_four_kinds(nb):
    kinds = inventory()[nb]
    missing = [k for k in ex.KINDS if not kinds.get(k) and (nb, k) not in ALLOWED_GAPS]
    assert not missing, f"notebook {nb} has no {', '.join(missing)} exercise"


def test_an_allowed_gap_is_a_real_gap_with_a_reason():
    table = inventory()
    for (nb, kind), reason in ALLOWED_GAPS.items():
        assert not table[nb].get(kind), f"{nb} {kind} is allowlisted but exists now: remove it from ALLOWED_GAPS"
        assert len(reason.split()) >= 5


@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_every_exercise_of_the_bank_is_asked_in_its_notebook(nb):
    # the inventory counts bank entries: each must be checked in the notebook, or it teaches nothing
    missed = _not_asked(nb, _cells(NOTEBOOKS[nb]))
    assert not missed, f"{nb}: {missed} are in the bank but not in the notebook"


def test_an_exercise_whose_check_is_missed_is_reported():
    """The inventory test is not vacuous: notebook 12 without its check cell of 12.7 lacks 12.7, and only it."""
    cells = _cells(NOTEBOOKS["12"])
    kept = [c for c in cells if not {"12.7"} <= _checks_in([c])]
    assert len(kept) == len(cells) - 1
    assert _not_asked("12", kept) == ["12.7 (compute)"]


def test_every_exercise_is_mapped_to_a_concept_or_a_tool():
    mapped = {i for ids in CONCEPTS.values() for i in ids}
    tools = {i for ids in TOOLS.values() for i in ids}
    assert mapped | tools <= set(ex.REGISTRY), sorted((mapped | tools) - set(ex.REGISTRY))
    assert not mapped & tools, sorted(mapped & tools)
    assert set(ex.REGISTRY) <= mapped | tools, f"map these to a concept or a tool: {sorted(set(ex.REGISTRY) - mapped - tools)}"


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_every_concept_has_two_checked_exercises(concept):
    checked = [i for i in CONCEPTS[concept] if ex.REGISTRY[i].kind in CHECKED_KINDS]
    if concept in THIN_CONCEPTS:
        assert len(checked) < 2, f"{concept} has two checked exercises now: remove it from THIN_CONCEPTS"
        pytest.skip(THIN_CONCEPTS[concept])
    assert len(checked) >= 2, f"{concept}: only {checked} are checked"


def test_every_concepts_md_letter_is_covered():
    letters = {c.split()[0][0] for c in CONCEPTS}
    assert letters == set("ABCDEFGHIJ")


def test_graded_hints_climb_from_a_nudge_for_every_computed_or_decided_exercise():
    # predict is made once and shows the answer; explain is read by the trainer
    flat = [i for i, e in ex.REGISTRY.items() if e.kind in ("compute", "decide") and len(e.ladder) < 2]
    legacy = {"13.1", "13.2", "13.3"}  # the BYOD walkthrough's first steps name one function each
    assert set(flat) <= legacy, sorted(set(flat) - legacy)


if __name__ == "__main__":
    table = inventory()
    print("| notebook | " + " | ".join(ex.KINDS) + " |")
    print("|---|" + "---|" * len(ex.KINDS))
    for nb in sorted(NOTEBOOKS):
        cells = [", ".join(table[nb].get(k, [])) or ("(allowed)" if (nb, k) in ALLOWED_GAPS else "MISSING")
                 for k in ex.KINDS]
        print(f"| {nb} | " + " | ".join(cells) + " |")


@pytest.mark.parametrize("exercise_id", sorted(i for i, e in ex.REGISTRY.items() if e.kind == "explain"))
def test_every_explain_exercise_has_a_rubric_for_the_trainer_only(exercise_id):
    cells = json.loads(NOTEBOOKS[exercise_id[:2]].read_text(encoding="utf-8"))["cells"]
    rubrics = [c for c in cells if f"Rubric for {exercise_id}" in "".join(c["source"])]
    assert rubrics, f"{exercise_id} has no rubric cell"
    # tagged `trainer`, so make_student.py leaves it out of the student edition
    assert all("trainer" in c.get("metadata", {}).get("tags", []) for c in rubrics)
