"""``import playbook`` is lazy (PEP 562): the public names load their module on first use.

Issue #18 asks for ``import playbook`` and ``playbook --help`` in well under a second; most of
the old 0.9 s was pandas and the topic modules, loaded whether or not they were used. These
tests pin the properties that make it fast and the ones that keep it safe, in fresh processes:
nothing heavy is imported up front, every public name still resolves to its module's object,
and a label registered by a module not imported yet is still found (never its bare key).
The time itself is measured by ``benchmarks/bench_import.py`` (``make bench``), not here.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import playbook
from playbook import i18n

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "pyarrow", "scipy", "matplotlib", "seaborn")


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON value as its last line."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _heavy_loaded() -> str:
    return f"import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"


def test_import_playbook_loads_nothing_heavy():
    assert _fresh("import playbook\n" + _heavy_loaded()) == []


def test_help_loads_nothing_heavy():
    code = ("import sys, runpy\nsys.argv = ['playbook', '--help']\n"
            "try:\n    runpy.run_module('playbook', run_name='__main__')\nexcept SystemExit:\n    pass\n" + _heavy_loaded())
    assert _fresh(code) == []


def test_every_public_name_is_its_modules_object():
    exports = playbook._EXPORTS
    assert set(exports) == set(playbook.__all__)
    for name, module in exports.items():
        assert getattr(playbook, name) is getattr(sys.modules[f"playbook.{module}"], name), name


def test_the_type_checking_imports_list_the_same_names():
    # type checkers and IDEs read the TYPE_CHECKING block; it must not drift from the lazy table
    tree = ast.parse((ROOT / "playbook" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    imported = {(a.name, node.module) for node in block.body if isinstance(node, ast.ImportFrom) for a in node.names}
    assert imported == {(name, module) for name, module in playbook._EXPORTS.items()}


def test_star_import_and_submodules_resolve_in_a_fresh_process():
    code = ("from playbook import *\nimport json, playbook\n"
            "print(json.dumps([callable(summarize), playbook.i18n.__name__, playbook.charts.__name__, playbook.__version__]))")
    assert _fresh(code) == [True, "playbook.i18n", "playbook.charts", playbook.__version__]


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        playbook.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        playbook._private_thing  # noqa: B018
    assert set(playbook.__all__) <= set(dir(playbook))


def test_the_label_fallback_loads_the_modules_import_playbook_used_to_load():
    assert set(i18n._TOPIC_MODULES) == set(playbook._EXPORTS.values())


def test_a_label_from_a_module_not_yet_imported_is_found():
    # customer_types registers "wanderer", churn the reason family: neither is imported by i18n itself
    code = ("import json, sys\nfrom playbook import i18n\nbefore = 'playbook.customer_types' in sys.modules\n"
            "print(json.dumps([before, i18n.label('wanderer', 'zh'), i18n.label_group('churn.reason.', 'en')['none'],"
            " i18n.label('no.such.key')]))")
    assert _fresh(code) == [False, "徘徊者", "no warning sign", "no.such.key"]
