"""Charts draw Chinese without missing glyphs; widgets redraw when a control moves."""
import warnings

import matplotlib.pyplot as plt
import pytest

import playbook
from playbook import charts, i18n
from playbook.widgets import CustomerExplorer, GeneratorExplorer


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
