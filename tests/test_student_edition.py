"""`make student`: solutions become blanks, nothing else changes, and the edition still runs."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_student.py"


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    subprocess.run([sys.executable, str(SCRIPT), str(ROOT / "notebooks"), str(out)], check=True, capture_output=True)
    return out


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_every_notebook_has_solutions_and_loses_them(edition):
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        solutions = [c for c in _cells(source) if "solution" in c.get("metadata", {}).get("tags", [])]
        assert len(solutions) >= 2, f"{source.name} needs at least two exercises"
        student = _cells(edition / source.name)
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in student)
        text = "\n".join("".join(c["source"]) for c in student)
        for sol in solutions:
            body = "".join(sol["source"]).strip()
            assert body not in text, f"a solution of {source.name} survived"
        trainer = [c for c in _cells(source) if "trainer" in c.get("metadata", {}).get("tags", [])]
        assert not any("trainer" in c.get("metadata", {}).get("tags", []) for c in student)
        for note in trainer:
            assert "".join(note["source"]).strip() not in text, f"a trainer note of {source.name} survived"
        assert len(student) == len(_cells(source)) - len(trainer)


def test_blanks_keep_the_answer_names():
    sys.path.insert(0, str(SCRIPT.parent))
    from make_student import blank_for

    assert blank_for("x = 1\nanswer_2 = x + 1") == "x = ...  # your answer here\nanswer_2 = ...  # your answer here"
    assert blank_for("print(1)") == "# Your code here"
    # the hint of 03.1 names `top_share`: its import must survive the blank
    assert blank_for("from playbook.segment import top_share\n\nanswer_1 = top_share(x, 0.2)") == (
        "from playbook.segment import top_share\n\nanswer_1 = ...  # your answer here")


def test_every_name_a_solution_imports_is_still_imported_in_the_student_edition(edition):
    import ast

    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        student = "\n".join("".join(c["source"]) for c in _cells(edition / source.name) if c["cell_type"] == "code")
        for cell in _cells(source):
            if "solution" not in cell.get("metadata", {}).get("tags", []):
                continue
            for node in ast.parse("".join(cell["source"])).body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    assert ast.get_source_segment("".join(cell["source"]), node) in student, source.name


def test_refuses_to_write_over_the_sources():
    done = subprocess.run([sys.executable, str(SCRIPT), str(ROOT / "notebooks"), str(ROOT / "notebooks")], capture_output=True, text=True)
    assert done.returncode == 2 and "refusing" in done.stderr


def test_student_edition_runs_and_says_not_answered(edition, monkeypatch):
    # A student's blank is not a failure: the kernel must not inherit the suite's strict mode.
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    import nbformat
    from jupyter_client.channels import AsyncZMQSocketChannel
    from nbclient import NotebookClient

    from playbook.present import steady_shell_polls

    # nbclient can miss a cell's reply after an Output widget draws, until the cell's timeout:
    # the repair presentation mode and the HTML edition use, undone after the test.
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", AsyncZMQSocketChannel.get_msg)
    steady_shell_polls()

    for path in sorted(edition.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        assert "not answered yet" in outputs, path.name


def test_trainer_edition_keys_every_exercise_and_the_student_edition_none(tmp_path, edition):
    out = tmp_path / "trainer"
    subprocess.run([sys.executable, str(SCRIPT), "--trainer", str(ROOT / "notebooks"), str(out)], check=True,
                   capture_output=True)
    from playbook import exercises as ex

    keyed = set()
    for path in sorted(out.glob("*.ipynb")):
        cells = _cells(path)
        assert any("solution" in c.get("metadata", {}).get("tags", []) for c in cells)
        for c in cells:
            text = "".join(c["source"])
            if text.startswith("**Trainer key "):
                keyed.add(text.split()[2].strip("*"))
        student = "\n".join("".join(c["source"]) for c in _cells(edition / path.name))
        assert "**Trainer key" not in student and "Rubric for" not in student
    checked = {i for i in ex.REGISTRY if any(f'"{i}"' in "".join(c["source"]) for p in (ROOT / "notebooks").glob("*.ipynb") for c in _cells(p))}
    assert checked <= keyed


def _bound_names(code: str) -> set:
    import ast

    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def test_every_function_a_hint_calls_is_defined_in_the_student_edition(edition):
    # following a hint must not raise a NameError: a blank keeps its imports, and a hint calls only what the
    # notebook's other cells import (issue 19 found 03.1's hint naming an import its blank had removed)
    import builtins
    import re

    from playbook import exercises as ex

    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = _cells(edition / source.name)
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        defined = _bound_names("\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))))
        checked = sorted(set(re.findall(r"""ex\.check\(\s*["'](\d\d\.\d+)["']""", code)))
        for exercise_id in checked:
            e = ex.REGISTRY[exercise_id]
            for text in list(e.ladder) + [hint for _, hint in e.mistakes]:
                for snippet in re.findall(r"`([^`]+)`", text):
                    for name in re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", snippet):
                        assert name in defined or hasattr(builtins, name), (source.name, exercise_id, name, text)
