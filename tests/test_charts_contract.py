"""The charts keep one contract (issue #15): every chart takes its data as ``data`` (the old names still
work, with a DeprecationWarning naming ``data``), and every chart text comes from the label registry."""
import doctest
import inspect
import pathlib
import re

import matplotlib.pyplot as plt
import pytest

from playbook import charts

THEME_HELPERS = {"set_theme", "cjk_font_name", "new_ax", "PALETTE"}
CHART_NAMES = sorted(set(charts.__all__) - THEME_HELPERS)
CHARTS_DIR = pathlib.Path(charts.__file__).parent

# The data argument's names before issue #15, kept one release.
OLD_NAMES = [
    ("profit_over_time", "table"), ("retention_curve", "table"), ("growth_decomposition", "table"),
    ("stage_flow_chart", "flow"), ("cohort_heatmap", "table"), ("confusion_matrix", "scores_or_table"),
    ("referral_network", "graph_or_base"), ("indicator_bars", "scores"), ("index_bars", "scores"),
    ("repurchase_by_satisfaction", "table"), ("resolution_times", "timeline"), ("complaint_speed_bars", "table"),
    ("reliability_chart", "table"), ("program_comparison", "results"), ("deal_recap_bars", "recap"),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_takes_its_data_first_as_data(name):
    params = list(inspect.signature(getattr(charts, name)).parameters.values())
    assert params[0].name == "data", f"charts.{name} takes {params[0].name!r} first"
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), f"charts.{name}: options are keyword-only"


def test_the_old_names_are_all_listed():
    """Every chart with a renamed data argument says so, and this test lists each of them."""
    declared = {(n, old) for n in CHART_NAMES for old in getattr(getattr(charts, n), "renamed_parameters", {})}
    assert declared == set(OLD_NAMES)


@pytest.mark.parametrize("name, old", OLD_NAMES)
def test_the_old_name_of_data_still_draws_and_warns(name, old):
    """The chart's own docstring example, with its data passed under the old keyword: same picture, one warning."""
    function = getattr(charts, name)
    module = __import__(function.__module__, fromlist=["_"])
    globs = dict(vars(module))
    drawn = []

    def old_spelling(first, *args, **kwargs):
        ax = function(*args, **{old: first}, **kwargs)
        drawn.append(ax)
        return ax

    globs[name] = old_spelling
    (test,) = doctest.DocTestFinder(recurse=False).find(function, globs=globs)
    with pytest.warns(DeprecationWarning, match=rf"'{old}' is now 'data'"):
        for example in test.examples:
            exec(compile(example.source, f"<example of {name}>", "exec"), test.globs)
    assert drawn and all(hasattr(ax, "get_title") for ax in drawn)


def test_the_old_and_the_new_name_together_are_refused():
    from playbook.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="'table' is the old name of 'data'"):
        charts.cohort_heatmap(data=None, table=None)


# --- shared docstrings: numpydoc sections intact, every parameter documented, no placeholder left ----------


def _sections(doc: str) -> dict[str, list[str]]:
    """A numpydoc docstring's sections (a title line underlined with dashes), in order, with their lines."""
    lines = inspect.cleandoc(doc).splitlines()
    found, current = {}, None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            current = line.strip()
            found[current] = []
        elif current and not re.fullmatch(r"-{3,}", line.strip()):
            found[current].append(line)
    return found


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_docstring_is_numpydoc_with_every_parameter(name):
    function = getattr(charts, name)
    doc = function.__doc__
    assert not re.search(r"^\s*\{\w+\}\s*$", doc, re.M), f"charts.{name}: a shared piece was not filled in"
    sections = _sections(doc)
    assert list(sections)[:3] == ["Parameters", "Returns", "Examples"], (name, list(sections))
    documented = set()
    for line in sections["Parameters"]:
        m = re.match(r"^(\w+(?:, \w+)*) :", line)
        if m:
            documented |= set(m.group(1).split(", "))
    assert documented == set(inspect.signature(function).parameters), (name, documented)
    assert sections["Returns"][0].startswith("matplotlib Axes")
    assert inspect.signature(function).return_annotation == "Axes"


def test_shared_pieces_are_written_once():
    """The ax/lang/returns paragraphs live in charts/_docs.py only, not copied into each chart."""
    copies = [(p.name, line.strip()) for p in CHARTS_DIR.glob("*.py") if p.name != "_docs.py"
              for line in p.read_text(encoding="utf-8").splitlines()
              if line.strip() in ("ax : matplotlib Axes, optional", 'lang : {"en", "zh"}, optional')]
    assert not copies, copies


def test_an_unknown_shared_piece_is_refused():
    from playbook.charts._docs import shared_docs

    def chart():
        """Draw.

        {colour}
        """

    with pytest.raises(KeyError, match="colour"):
        shared_docs(chart)


# --- one language path: chart texts come from the label registry --------------------------------------------

LANG_BRANCH = re.compile(r"""lang\s*[!=]=|[!=]=\s*lang\b|\[\s*lang\s*==|["'](en|zh)["']\s+if\s+lang""")


def test_no_chart_chooses_its_language_itself():
    """No ``if lang == "en"`` branch (nor ``lang != ...``, ``x[lang == "zh"]``) is left in playbook/charts."""
    found = [f"{p.name}:{i}: {line.strip()}" for p in sorted(CHARTS_DIR.glob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if LANG_BRANCH.search(line)]
    assert not found, "\n".join(found)


def test_the_branch_pattern_can_fail():
    for line in ('x = "a" if lang == "en" else "b"', "unit[lang == 'zh']", 'if lang != "zh":', '"zh" if lang'):
        assert LANG_BRANCH.search(line), line
    assert not LANG_BRANCH.search('lang = resolve_lang(lang, "f")')


def _chart_keys() -> set[str]:
    keys = set()
    for p in CHARTS_DIR.glob("*.py"):
        if p.name == "_text.py":  # its example asks for a key on purpose that does not exist
            continue
        keys |= set(re.findall(r"""\btext\(\s*f?["']([\w{}]+)["']""", p.read_text(encoding="utf-8")))
    return keys


def test_every_chart_text_is_registered_in_both_languages_with_the_same_fields():
    from playbook.i18n import LABELS

    keys = _chart_keys()
    assert len(keys) > 40
    fields = re.compile(r"\{(\w*)[^}]*\}")
    for key in keys:
        # keys built from a value (f"chart_rfm_{value}") are checked through their registered expansions
        names = [k for k in LABELS if re.fullmatch(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(key)), k)]
        assert names, f"chart text {key!r} is not registered"
        for name in names:
            en, zh = LABELS[name]
            assert re.search(r"[\u4e00-\u9fff]", zh) or not re.search(r"[A-Za-z]{3}", zh), (name, zh)
            # the same fields in both (English may lower-case a name mid-sentence: {x_lower} stands for {x})
            same = [sorted(f.removesuffix("_lower") for f in fields.findall(t)) for t in (en, zh)]
            assert same[0] == same[1], name


@pytest.mark.parametrize("lang", ["fr", ""])
def test_a_chart_refuses_an_unknown_language_naming_itself(lang):
    import pandas as pd

    from playbook.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="'lang' parameter of strategy_mix"):
        charts.strategy_mix(pd.DataFrame({"strategy": ["protect"]}), lang=lang)
