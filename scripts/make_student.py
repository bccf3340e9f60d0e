"""Write the student edition of the notebooks: solution cells become blanks to fill in.

Usage: python scripts/make_student.py [--trainer] SOURCE_DIR OUTPUT_DIR

A cell tagged `solution` is replaced by its import lines (the hints name those functions)
and one line per name it assigns, `name = ...`, so the exercise check that follows says
"not answered yet" instead of failing. Cells tagged `trainer` (rubrics, answer keys,
debrief notes) are left out. Outputs are cleared.

With --trainer it writes the trainer edition instead: solutions and trainer cells stay,
and after every exercise check a note gives the exercise's kind, its hint ladder and the
mistakes the check recognises, read from `playbook.exercises` (one source for both). The output folder must not be the source folder; files are written atomically.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import tempfile
from pathlib import Path


def blank_for(source: str) -> str:
    names: list[str] = []
    imports: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(ast.get_source_segment(source, node))
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id not in names:
                names.append(t.id)
    blanks = [f"{n} = ...  # your answer here" for n in names] or ["# Your code here"]
    return "\n".join(imports + ([""] if imports else []) + blanks)


def student_notebook(nb: dict) -> dict:
    out = json.loads(json.dumps(nb))
    out["cells"] = [c for c in out["cells"] if "trainer" not in c.get("metadata", {}).get("tags", [])]
    for cell in out["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            if "solution" in tags:
                cell["source"] = blank_for("".join(cell["source"]))
                cell["metadata"]["tags"] = [t for t in tags if t != "solution"] + ["answer"]
    return out


_CHECK = re.compile(r"""ex\.check\(\s*["'](\d\d\.\d+)["']""")


def answer_key(exercise_id: str) -> str:
    """The trainer's note on one exercise: kind, hint ladder, recognised mistakes."""
    from playbook import exercises as ex

    e = ex.REGISTRY[exercise_id]
    lines = [f"**Trainer key {exercise_id}** ({e.kind}). {e.question}", "", "Hints, in the order learners get them:"]
    lines += [f"{k}. {text}" for k, text in enumerate(e.ladder, start=1)]
    if e.mistakes:
        lines += ["", "Mistakes the check recognises:"] + [f"- {text}" for _, text in e.mistakes]
    if e.kind == "explain":
        lines += ["", "Not graded: use this exercise's rubric (its trainer cell, next to this key) in the debrief."]
    return "\n".join(lines)


def trainer_notebook(nb: dict) -> dict:
    out = json.loads(json.dumps(nb))
    cells = []
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
        found = _CHECK.search("".join(cell["source"])) if cell["cell_type"] == "code" else None
        if found:
            cells.append({"cell_type": "markdown", "id": f"trainer-{found.group(1).replace('.', '-')}",
                          "metadata": {"tags": ["trainer"]}, "source": answer_key(found.group(1))})
    out["cells"] = cells
    return out


def main(argv: list[str]) -> int:
    trainer = "--trainer" in argv
    argv = [a for a in argv if a != "--trainer"]
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, dst = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    if src == dst or src in dst.parents and dst.name == src.name:
        print(f"make_student: refusing to write into the source folder {src}", file=sys.stderr)
        return 2
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.ipynb")):
        source = json.loads(path.read_text(encoding="utf-8"))
        nb = trainer_notebook(source) if trainer else student_notebook(source)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=dst)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(nb, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, dst / path.name)
        print(f"wrote {dst / path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
