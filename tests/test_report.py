"""The report page comes from one Jinja2 template with autoescaping (issue #15): no HTML is built
by hand in playbook/report.py, every value from the data is escaped, the template ships in the wheel."""
import ast
import re
import tomllib
from pathlib import Path

import pytest

import playbook
from playbook import report
from playbook.analyze import build_analysis

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "playbook" / "templates" / "report.html.j2"
EVIL = "<script>alert(1)</script>&\"'"


@pytest.fixture(scope="module")
def analysis():
    return build_analysis(playbook.load_dataset("b2b"), lang="en")


def test_report_module_builds_no_html_and_escapes_nothing_by_hand():
    tree = ast.parse((ROOT / "playbook" / "report.py").read_text(encoding="utf-8"))
    escapes = [(f.name, n.lineno) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)
               if isinstance(n, ast.Call) and re.search(r"(^|\.)escape$", ast.unparse(n.func))]
    assert [name for name, _ in escapes] == ["_as_html_text"]  # the template's finalize: the one place a value is escaped
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if re.search(r"<(table|tr|td|th|section|h[1-6]|li|ul|figure|img|p)\b", s)]


def test_template_marks_nothing_safe_and_loads_nothing():
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text and "Markup" not in text
    assert "<script" not in text.lower() and "http" not in text and "@import" not in text


def test_template_is_autoescaping():
    template = report._template()
    assert template.environment.autoescape is True or template.environment.autoescape("report.html.j2")


def test_template_ships_in_the_wheel():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["playbook"]
    assert any(Path("templates/report.html.j2").match(pattern) for pattern in data)
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.match(r"jinja2\b", d, re.I) for d in deps)


def test_values_from_the_data_are_escaped_everywhere(analysis):
    summary = dict(analysis.summary, notes=[EVIL], engine="pandas")  # an extra key is ignored
    page = report.report_html(type(analysis)(**{**vars(analysis), "summary": summary}), source=EVIL)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;") == 2  # the source line and the note


def test_page_is_one_self_contained_document(analysis):
    page = report.report_html(analysis)
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</html>\n")
    assert page.count("<section>") == page.count("</section>") == 11
    assert page.count('<img src="data:image/png;base64,') == 5 and "http" not in page
    assert '"Noto Sans SC"' in page  # the style sheet is written as it is, not escaped
