"""The kit installs the same way everywhere: pyproject, environment.yml, README, CI."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject():
    proj = _pyproject()["project"]
    wanted = {_name(r): r.replace(" ", "").lower() for r in proj["dependencies"] + proj["optional-dependencies"]["dev"]}
    env = (ROOT / "environment.yml").read_text()
    found = {}
    for line in env.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+- (?!pip$|python=|-e )([A-Za-z0-9_.\-]+.*)$", line)
        if m and not line.strip().endswith(":"):
            found[_name(m.group(1))] = m.group(1).replace(" ", "").lower()
    assert found == wanted


def test_faker_is_pinned_to_a_major_version():
    deps = _pyproject()["project"]["dependencies"]
    faker = next(d for d in deps if _name(d) == "faker")
    assert re.search(r">=\s*(\d+)\s*,\s*<\s*(\d+)", faker)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)


def test_notebooks_are_stored_without_outputs():
    import json

    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, f"{nb.name}: clear outputs"


def test_notebooks_open_with_what_they_teach():
    import json

    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = json.loads(nb.read_text())["cells"][0]
        assert first["cell_type"] == "markdown"
        assert "you will learn" in "".join(first["source"]).lower(), nb.name
