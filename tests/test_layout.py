"""Modules that match the layout (issue #15): "tiers at a date" computed once, and no private
name of one playbook module used by another."""
import ast
import sys
from pathlib import Path

import pandas as pd
import pytest

import playbook
from playbook import accounts, satisfaction, strategy
from playbook.data import end_of_day, summarize
from playbook.errors import InvalidArgumentError
from playbook.segment import assign_tiers, tiers_at
from playbook.synth import generate

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "playbook"
DATES = ("2023-12-31", "2024-09-30", None)


# ----------------------------------------------------------------------------- tiers at a date

def _old_tiers(base, as_of):
    """How four modules each computed tiers at a date before issue #15: assign_tiers on the
    summary of the orders known on that date."""
    ts = pd.Timestamp(as_of) if as_of is not None else base.as_of
    orders = base.orders.loc[base.orders["order_date"] <= end_of_day(ts)]
    return assign_tiers(summarize(orders, ts))["tier"]


@pytest.fixture(scope="module", params=["retail", "b2b", "retail_zh"])
def base(request):
    return playbook.load_dataset(request.param)


@pytest.mark.parametrize("as_of", DATES)
def test_tiers_at_is_the_old_computation(base, as_of):
    old = _old_tiers(base, as_of)
    pd.testing.assert_series_equal(tiers_at(base, as_of), old)
    ts = as_of or base.as_of
    pd.testing.assert_series_equal(tiers_at(base.orders, ts), old)  # the orders table, cut at the date
    known = base.orders.loc[base.orders["order_date"] <= end_of_day(pd.Timestamp(ts))]
    pd.testing.assert_series_equal(tiers_at(summarize(known, ts)), old)  # a summary already at its date


@pytest.mark.parametrize("as_of", DATES)
def test_every_caller_gets_the_same_tiers(base, as_of):
    old = _old_tiers(base, as_of)
    ts = pd.Timestamp(as_of) if as_of is not None else base.as_of
    end = end_of_day(ts)
    known = base.orders.loc[base.orders["order_date"] <= end]
    pd.testing.assert_series_equal(accounts._tiers_at(base, end), old.astype(str))
    pd.testing.assert_series_equal(strategy._tiers(known, ts), old)
    pd.testing.assert_series_equal(satisfaction._customer_groups(base, "tier", known, ts, "test"), old)


def test_tiers_at_passes_the_options_on():
    base = generate("retail", n_customers=300, seed=1)
    summary = summarize(base)
    for options in ({"cutoffs": (0.1, 0.3)}, {"basis": "revenue"}, {"weights": {"revenue": 1.0}}):
        pd.testing.assert_series_equal(tiers_at(base, **options), assign_tiers(summary, **options)["tier"])


def test_tiers_at_before_the_first_order_is_empty_and_late_orders_do_not_count():
    base = playbook.load_dataset("b2b")
    empty = tiers_at(base, base.orders["order_date"].min() - pd.Timedelta(days=1))
    assert empty.empty and list(empty.cat.categories) == ["key", "important", "general"]
    before = base.orders.copy(deep=True)
    tiers_at(base, "2024-06-30")
    pd.testing.assert_frame_equal(base.orders, before)


def test_tiers_at_refuses_bad_input_with_the_kit_errors():
    base = playbook.load_dataset("b2b")
    with pytest.raises(InvalidArgumentError, match="'data' parameter of tiers_at"):
        tiers_at(42, "2024-06-30")
    with pytest.raises(InvalidArgumentError, match="as_of"):
        tiers_at(base, "not a date")
    with pytest.raises(InvalidArgumentError, match="as_of"):
        tiers_at(base.orders)  # orders alone have no date
    with pytest.raises(InvalidArgumentError, match="already counted up to its own date"):
        tiers_at(summarize(base), "2024-06-30")


def _calls(tree, name):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))
            and (n.func.id if isinstance(n.func, ast.Name) else n.func.attr) == name]


def test_tiers_at_a_date_are_computed_in_one_place():
    """Outside segment.py nobody takes the tiers of assign_tiers on a summarize() made for the purpose,
    ``assign_tiers(summarize(...))["tier"]``: they call tiers_at. (The whole tier table, scores included,
    is still assign_tiers' to give, e.g. to the BYOD explorer.)"""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "segment.py" or "exercises" in path.parts:  # exercises show learners assign_tiers itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Subscript)
                      and ast.unparse(n.slice) == "'tier'" and _calls(n.value, "assign_tiers") and _calls(n.value, "summarize")]
    assert not offenders, f"call playbook.segment.tiers_at instead: {offenders}"


# ----------------------------------------------------------------------------- no private name across modules

#: Private names one playbook module may still use from another, each with its reason.
#: Keys: (using module, used module). Remove an entry as soon as the use goes (the test says so).
ALLOWED = {
    ("playbook.analyze", "playbook.strategy"):
        "_action_list: the 'engine' helper of issue #15 is reworking this plumbing; make it public there",
    ("playbook.synth.realistic", "playbook.synth.generator"):
        "the realistic process subclasses the classic one (_Simulation) and shares its tables; both are private "
        "to playbook.synth, whose public face is synth.generate",
    ("playbook.synth.generator", "playbook.synth.realistic"):
        "generate() picks the process class (_RealisticSimulation); same package-internal engine as above",
    ("playbook.widgets._base", "playbook.charts._theme"):
        "presenting(): presentation mode lives with the chart theme; exporting it from playbook.charts means "
        "listing it in THEME_HELPERS of the chart tests (the lead's call)",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _owner(module: str) -> str:
    """The package that owns a private module (``playbook.charts`` for ``playbook.charts._text``), else the module."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            return ".".join(parts[:i])
    return module


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")[: len(module.split(".")) - (node.level - (1 if is_package else 0))]
    return ".".join(parts + ([node.module] if node.module else []))


def _private_uses(module: str, path: Path):
    """(line, used module, what) for every private name of another playbook module that ``module`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node, path.name == "__init__.py")
            if source.split(".")[0] != "playbook":
                continue
            for a in node.names:
                target = f"{source}.{a.name}"
                if target in MODULES:  # a module imported by name
                    aliases[a.asname or a.name] = target
                    if _private(a.name) and not _inside(module, _owner(target)):
                        yield node.lineno, source, a.name
                elif _private(a.name) and source != module:
                    yield node.lineno, source, a.name
                elif source != module and any(map(_private, source.split("."))) and not _inside(module, _owner(source)):
                    yield node.lineno, source, f"{a.name} (from a private module)"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("playbook"):
                    aliases[a.asname or a.name.split(".")[0]] = a.asname and a.name or "playbook"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in aliases:
                target = ".".join([aliases[value.id], *reversed(chain)])
                if target != module:
                    yield node.lineno, target, node.attr


def test_no_private_name_crosses_modules():
    found, used_allowances = [], set()
    for module, path in MODULES.items():
        for line, source, what in _private_uses(module, path):
            if (module, source) in ALLOWED:
                used_allowances.add((module, source))
            else:
                found.append(f"{path.relative_to(ROOT)}:{line} uses {source}.{what}")
    assert not found, "make these names public (or move the code) instead of importing private ones:\n" + "\n".join(found)
    stale = set(ALLOWED) - used_allowances
    assert not stale, f"no longer needed, drop from ALLOWED: {sorted(stale)}"


def test_the_private_name_check_catches_what_it_should(tmp_path, monkeypatch):
    """The walker sees the usual spellings: from-import, relative import, module attribute, private module."""
    code = ("from .data import _periods\nfrom . import strategy\nfrom .charts._text import text\n"
            "import playbook.churn as churn\nx = strategy._action_list\ny = churn._REASONS\n")
    fake = PACKAGE / "value.py"
    monkeypatch.setattr(Path, "read_text", lambda self, **k: code if self == fake else Path.read_bytes(self).decode())
    found = {(source, what) for _, source, what in _private_uses("playbook.value", fake)}
    assert found == {("playbook.data", "_periods"), ("playbook.strategy", "_action_list"),
                     ("playbook.charts._text", "text (from a private module)"), ("playbook.churn", "_REASONS")}


# ----------------------------------------------------------------------------- one name per topic

#: Modules of charts/, widgets/ and exercises/ that are not about one topic of the library, and why.
NOT_TOPICS = {
    "charts": {"basic": "general plots any topic uses (bars, histograms, scatter)",
               "uncertainty": "ranges over runs or groups, for results of any topic"},
    "widgets": {"explorers": "the foundation notebooks' explorers: one customer's timeline, the generator"},
    "exercises": {"core": "the exercise machinery: checking, hints, the registry",
                  "start_here": "notebook 00's warm-ups, which have no library module"},
}

#: Old submodule names kept one release as shims that warn (playbook.deprecation.moved_module): old -> new.
MOVED = {
    "charts": {"types": "customer_types", "pareto": "segment"},
    "widgets": {"types": "customer_types", "pareto": "segment"},
    "exercises": {"pareto": "segment", "synthetic": "synth"},
}


def _topics() -> set[str]:
    """The library's topics: its public modules and subpackages other than charts, widgets, exercises."""
    names = {p.stem for p in PACKAGE.glob("*.py")} | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    return {n for n in names if not n.startswith("_")} - set(NOT_TOPICS)


def _submodules(package: str) -> set[str]:
    return {p.stem for p in (PACKAGE / package).glob("*.py") if not p.stem.startswith("_")}


@pytest.mark.parametrize("package", sorted(NOT_TOPICS))
def test_topic_modules_are_named_after_the_library_module(package):
    """A topic has one name in playbook/, charts/, widgets/ and exercises/ (issue #15): every
    submodule is a library module's name, a listed non-topic, or a listed shim of an old name."""
    topics = _topics()
    unlisted = sorted(_submodules(package) - topics - set(NOT_TOPICS[package]) - set(MOVED[package]))
    assert not unlisted, (f"playbook/{package}/ modules named after no library module: {unlisted}; name them after the "
                          f"module of their topic (one of {sorted(topics)}), or list them in NOT_TOPICS with the reason")
    assert set(NOT_TOPICS[package]) <= _submodules(package), "drop allowlisted modules that no longer exist"
    assert not set(NOT_TOPICS[package]) & topics, "a listed non-topic has a library module of that name: it is a topic"
    for old, new in MOVED[package].items():
        assert new in topics and new in _submodules(package) and old not in topics, (package, old, new)


@pytest.mark.parametrize("package, old, new", [(p, o, n) for p, moved in sorted(MOVED.items()) for o, n in moved.items()])
def test_old_submodule_names_still_import_with_a_deprecation_warning(package, old, new):
    import importlib
    import sys

    sys.modules.pop(f"playbook.{package}.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"playbook.{package}.{old} is now playbook.{package}.{new}"):
        shim = importlib.import_module(f"playbook.{package}.{old}")
    assert shim is importlib.import_module(f"playbook.{package}.{new}")  # every name, private ones too


def test_importing_the_packages_loads_no_shim():
    """``import playbook.exercises`` loads every bank; the shims of old names are not banks."""
    import subprocess
    import sys

    code = ("import warnings\nwarnings.simplefilter('always')\nwith warnings.catch_warnings(record=True) as w:\n"
            "    import playbook, playbook.charts, playbook.widgets, playbook.exercises\n"
            "print([str(x.message) for x in w if 'old module name' in str(x.message)])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]", run.stdout


def test_the_topic_name_check_catches_a_mismatch(tmp_path, monkeypatch):
    """The check is not vacuous: a charts module named after no library module is reported."""
    import shutil

    fake = tmp_path / "playbook"
    shutil.copytree(PACKAGE, fake, ignore=shutil.ignore_patterns("__pycache__", "templates", "fonts", "*.json", "*.csv"))
    (fake / "charts" / "tiers.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    with pytest.raises(AssertionError, match="tiers"):
        test_topic_modules_are_named_after_the_library_module("charts")
