"""The notebooks as a course: navigation, citations, exercises of every kind, a room-ready presentation."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(path, kind="markdown"):
    return "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == kind)


@pytest.mark.parametrize("path", NOTEBOOKS[:-1], ids=lambda p: p.name[:2])
def test_every_notebook_points_to_the_next_one(path):
    number = int(path.name[:2])
    nexts = re.findall(r"\*\*Next:\*\* notebook (\d\d)", _text(path))
    assert nexts and int(nexts[0]) == number + 1, f"{path.name} should point **Next:** to notebook {number + 1:02d}"


def test_the_last_notebook_closes_the_course():
    assert "**Next:** the end of the course" in _text(NOTEBOOKS[-1])


def test_no_internal_words_or_stale_promises():
    for path in NOTEBOOKS:
        text = _text(path)
        assert not re.search(r"\bthe seeds\b|seeds'", text), f"{path.name} says 'the seeds': cite the article instead"
        assert "are planned" not in text, path.name


def test_every_citation_is_listed_in_the_notebooks_sources():
    for path in NOTEBOOKS:
        text = _text(path)
        cited = set(re.findall(r"\[S(\d)\]", text))
        if not cited:
            continue
        sources = text[text.index("## Sources"):]
        for k in cited:
            assert f"- [S{k}]" in sources, f"{path.name} cites [S{k}] without listing it"


def test_no_cell_drives_a_widget_from_code():
    # Presentation mode shows every cell's output: a cell that moves an explorer and prints
    # `shown` puts a raw dict and test scaffolding in front of the room. Those checks live in
    # tests/test_notebook_widgets.py.
    for path in NOTEBOOKS:
        for cell in _cells(path):
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                assert ".shown" not in source, f"{path.name} drives a widget from code:\n{source}"


def test_no_cell_ends_in_a_raw_tuple_or_dict():
    # a bare tuple or dict renders as Python syntax on the projector: show a labelled Series or table instead
    import ast

    for path in NOTEBOOKS:
        for cell in _cells(path):
            if cell["cell_type"] != "code":
                continue
            body = ast.parse("".join(cell["source"])).body
            if body and isinstance(body[-1], ast.Expr):
                assert not isinstance(body[-1].value, (ast.Tuple, ast.Dict, ast.DictComp, ast.List, ast.Set)), (
                    f"{path.name} ends a cell in a raw {type(body[-1].value).__name__}:\n{''.join(cell['source'])}")
