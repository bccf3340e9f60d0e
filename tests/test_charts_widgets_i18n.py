"""Charts draw Chinese without missing glyphs; widgets redraw when a control moves; the Chinese
edition covers every chart and every explorer (found from the package's own ``__all__``)."""
import doctest
import os
import re
import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import pytest

import playbook
from playbook import charts, i18n, widgets
from playbook.widgets import CustomerExplorer, GeneratorExplorer
from playbook.widgets._base import controls, next_value


def test_chinese_title_has_no_missing_glyphs():
    charts.set_theme()
    assert charts.cjk_font_name() is not None, "install pylopdf-fonts-zh-cn (a dependency) for Chinese charts"
    fig, ax = plt.subplots()
    ax.set_title(i18n.label("key_customer_management", "zh") + "：二八法则与客户流失")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def test_default_font_would_miss_glyphs():
    """The check above can fail: without the CJK font matplotlib warns about missing glyphs."""
    import matplotlib as mpl

    with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("客户保持")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.canvas.draw()


def test_timeline_chart_in_chinese(b2b):
    charts.set_theme()
    ax = charts.customer_timeline(playbook.timeline(b2b, "A0002"), lang="zh", title="客户时间线")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "订单" in labels and "跟进" in labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


def test_labels_and_language():
    assert i18n.label("wanderer", "zh") == "徘徊者"
    assert i18n.label("no_such_key", "zh") == "no_such_key"
    i18n.set_language("zh")
    try:
        assert i18n.label("loyal") == "忠诚型"
    finally:
        i18n.set_language("en")
    with pytest.raises(playbook.InvalidArgumentError, match="'lang'"):
        i18n.set_language("fr")


def test_every_persona_and_stage_has_both_labels():
    from playbook.synth import LEADER_ROLES, ORIENTATIONS, PERSONAS, PROCUREMENT_STAGES

    for key in PERSONAS + ORIENTATIONS + LEADER_ROLES + PROCUREMENT_STAGES:
        en, zh = i18n.LABELS[key]
        assert en and any("\u4e00" <= ch <= "\u9fff" for ch in zh), key


def test_customer_explorer_follows_its_controls():
    e = CustomerExplorer(datasets=("retail", "b2b"))
    first = dict(e.shown)
    assert first["dataset"] == "retail" and first["n_events"] > 0
    e.dataset.value = "b2b"
    assert e.shown["dataset"] == "b2b" and e.shown["customer_id"].startswith("A")
    other = e.customer.options[5][1]
    e.customer.value = other
    assert e.shown["customer_id"] == other
    assert e.shown["n_orders"] == (playbook.load_dataset("b2b").orders.customer_id == other).sum()


def test_generator_explorer_follows_its_controls():
    g = GeneratorExplorer()
    before = dict(g.shown)
    g.dropout.value = 50
    assert g.shown["orders_per_buyer"] < before["orders_per_buyer"]
    g.gap_days.value = 10
    assert g.shown["n_orders"] > 0
    assert g.parameters()["alpha"] == pytest.approx(6.0)


def test_top_share():
    from playbook.segment import top_share

    assert top_share([1, 1, 1, 1, 1]) == pytest.approx(0.2)
    with pytest.raises(playbook.DataValidationError):
        top_share([])
    with pytest.raises(playbook.InvalidArgumentError):
        top_share([1, 2], share=0)


# --- Chinese edition: every chart and every explorer, found from the package's own lists ---------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
# Text that reads the same in both languages: numbers, dates, quarters, ids, percentages, "RFM", single letters.
NEUTRAL = re.compile(r"^[\s\d.,:;%+\-−–()/≥≤<>=!#·|×RFMABCQ]*$|^[A-Z]\d{4,5}.*$|^\d{4}(-\d\d(-\d\d)?|Q\d)$")
# A snake_case code such as "need_based" or "won" left on screen untranslated.
CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")
THEME_HELPERS = {"set_theme", "cjk_font_name", "new_ax", "PALETTE"}


def _run_examples(obj, module_globals) -> dict:
    """Run the docstring example of ``obj`` (real data, small) and return the names it defined."""
    globs = dict(module_globals)
    for test in doctest.DocTestFinder(recurse=False).find(obj, globs=globs):
        for example in test.examples:
            exec(compile(example.source, f"<example of {obj.__name__}>", "exec"), test.globs)
        return test.globs
    raise AssertionError(f"{obj.__module__}.{obj.__name__} has no docstring example to draw it from")


def _texts(fig) -> dict[str, list[str]]:
    """What a reader sees on a figure, by kind."""
    out = {"titles": [], "axis_labels": [], "ticks": [], "legend": []}
    if fig._suptitle is not None:
        out["titles"].append(fig._suptitle.get_text())
    for ax in fig.axes:
        out["titles"] += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out["axis_labels"] += [ax.get_xlabel(), ax.get_ylabel()]
        out["ticks"] += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            out["legend"] += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
    return {k: [t for t in v if t.strip()] for k, v in out.items()}


def _untranslated(texts: dict[str, list[str]]) -> list[str]:
    bad = [f"{kind}: {t!r}" for kind in ("titles", "axis_labels", "legend") for t in texts[kind]
           if not CJK.search(t) and not NEUTRAL.match(t)]
    return bad + [f"ticks: {t!r}" for t in texts["ticks"] if CODE.match(t)]


def _draw_checked(fig) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig.canvas.draw()


@pytest.fixture
def chinese():
    charts.set_theme()
    before = i18n.get_language()
    i18n.set_language("zh")
    yield
    i18n.set_language(before)


CHART_NAMES = sorted(set(charts.__all__) - THEME_HELPERS)


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_draws_in_chinese(name, chinese):
    function = getattr(charts, name)
    module = __import__(function.__module__, fromlist=["_"])
    plt.close("all")
    _run_examples(function, vars(module))
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert figures, f"the example of charts.{name} drew nothing"
    for fig in figures:
        _draw_checked(fig)
        texts = _texts(fig)
        assert any(CJK.search(t) for t in texts["titles"] + texts["axis_labels"]), (name, texts)
        assert not _untranslated(texts), (name, _untranslated(texts))


def _explorers_of(name):
    cls = getattr(widgets, name)
    module = __import__(cls.__module__, fromlist=["_"])
    globs = _run_examples(cls, vars(module))
    found = [v for v in globs.values() if isinstance(v, cls)]
    assert found, f"the example of {name} builds no {name}"
    return found[0]


def _option_labels(control) -> list[str]:
    return [str(text) for text in getattr(control, "_options_labels", ())]


@pytest.mark.parametrize("name", widgets.__all__)
def test_every_explorer_answers_every_control_in_english(name, monkeypatch):
    """The same tour in English: no control fails, and nothing Chinese leaks into English captions."""
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    before = i18n.get_language()
    i18n.set_language("en")
    try:
        explorer = _explorers_of(name)
        for control_name, control in controls(explorer).items():
            assert control.description and not CJK.search(control.description), (name, control_name)
            control.value = next_value(control)
    finally:
        i18n.set_language(before)


@pytest.mark.parametrize("name", widgets.__all__)
def test_every_explorer_speaks_chinese(name, chinese, monkeypatch):
    drawn = []

    def show(*_args, **_kwargs):  # what the notebook's inline backend would render
        for n in plt.get_fignums():
            fig = plt.figure(n)
            _draw_checked(fig)
            drawn.append(_texts(fig))

    monkeypatch.setattr(plt, "show", show)
    explorer = _explorers_of(name)
    assert explorer.lang == "zh"
    found = controls(explorer)
    assert found, f"{name} has no controls"
    for control_name, control in found.items():
        assert CJK.search(control.description), f"{name}.{control_name} description {control.description!r}"
        codes = [t for t in _option_labels(control) if CODE.match(t)]
        assert not codes, f"{name}.{control_name} shows codes {codes}"
        control.value = next_value(control)
    for texts in drawn:
        assert not _untranslated(texts), (name, _untranslated(texts))


def test_explorer_captions_follow_the_language(b2b):
    from playbook.widgets import AccountExplorer

    english = AccountExplorer(b2b, accounts=["A0001"], lang="en")
    chinese = AccountExplorer(b2b, accounts=["A0001"], lang="zh")
    assert english.account.description == "Account" and CJK.search(chinese.account.description)
    contacts = [o["data"]["text/plain"] for o in (english.output.outputs[0], chinese.output.outputs[0])]
    assert not CJK.search(contacts[0]) and "decision_maker" in contacts[0]
    assert "决策者" in contacts[1] and "角色" in contacts[1] and "decision_maker" not in contacts[1]


def test_code_and_neutral_patterns_can_fail():
    """The checks above would catch an English title and a code on a tick."""
    assert _untranslated({"titles": ["Churn risk"], "axis_labels": [], "legend": [], "ticks": ["need_based"]}) == [
        "titles: 'Churn risk'", "ticks: 'need_based'"]
    assert not _untranslated({"titles": ["流失风险", "2024Q3"], "axis_labels": ["A0001"], "legend": [], "ticks": ["5"]})


# --- the language switch -----------------------------------------------------------------------------------


def test_playbook_lang_sets_the_starting_language():
    assert i18n.language_from_env({"PLAYBOOK_LANG": "zh"}) == "zh"
    assert i18n.language_from_env({"PLAYBOOK_LANG": " en "}) == "en"
    assert i18n.language_from_env({}) == "en"
    with pytest.raises(playbook.InvalidArgumentError, match=r"PLAYBOOK_LANG must be one of en, zh.*'fr'"):
        i18n.language_from_env({"PLAYBOOK_LANG": "fr"})


def test_playbook_lang_is_read_at_import():
    code = "from playbook import i18n; print(i18n.get_language(), i18n.label('churn_risk'))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PLAYBOOK_LANG": "zh"})
    assert run.stdout.split() == ["zh", "流失风险"], run.stderr
    bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PLAYBOOK_LANG": "cn"})
    assert bad.returncode != 0 and "PLAYBOOK_LANG" in bad.stderr and "en, zh" in bad.stderr


def test_use_switches_and_falls_back_to_the_environment(monkeypatch):
    before = i18n.get_language()
    try:
        assert i18n.use("zh") == "zh" and i18n.label("loyal") == "忠诚型"
        monkeypatch.setenv("PLAYBOOK_LANG", "en")
        assert i18n.use() == "en"
        monkeypatch.setenv("PLAYBOOK_LANG", "zh")
        assert i18n.use() == "zh"
        with pytest.raises(playbook.InvalidArgumentError, match="'lang'"):
            i18n.use("de")
    finally:
        i18n.set_language(before)


def test_widget_captions_have_both_languages():
    from playbook.widgets._base import TABLE_LABELS, WIDGET_LABELS

    for key, (en, zh) in {**WIDGET_LABELS, **TABLE_LABELS}.items():
        assert not CJK.search(en) and CJK.search(zh), key
        assert en.count("{") == zh.count("{"), key  # the same fields are filled in both


def test_course_map_in_both_languages():
    from playbook.course import COURSE, course_map

    cm = course_map()
    assert len(cm) == len(COURSE) and cm["available"].all()
    assert cm["title_zh"].map(lambda t: bool(CJK.search(t))).all()
    assert cm["title"].str.len().gt(0).all() and cm["title"].is_unique and cm["title_zh"].is_unique
