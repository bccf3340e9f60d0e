"""Presentation mode (``make present``: Voila, PLAYBOOK_PRESENT=1) and the notebooks' language switch."""
import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.colors as mcolors
import nbformat
import pytest

from playbook import charts, i18n
from playbook.charts._theme import presenting
from playbook.widgets._base import figsize

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _theme(monkeypatch, present: str | None) -> dict:
    if present is None:
        monkeypatch.delenv("PLAYBOOK_PRESENT", raising=False)
    else:
        monkeypatch.setenv("PLAYBOOK_PRESENT", present)
    charts.set_theme()
    keys = ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "lines.linewidth", "figure.figsize",
            "font.sans-serif", "axes.prop_cycle")
    return {k: mpl.rcParams[k] for k in keys}


def test_presentation_mode_scales_the_theme_for_a_projector(monkeypatch):
    normal = _theme(monkeypatch, None)
    present = _theme(monkeypatch, "1")
    try:
        for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "lines.linewidth"):
            assert present[key] > normal[key] * 1.3, key
        assert present["figure.figsize"][0] > normal["figure.figsize"][0] and present["figure.figsize"][1] > normal["figure.figsize"][1]
        # still the kit's look: Okabe-Ito colours and the font that draws Chinese
        assert present["axes.prop_cycle"] == normal["axes.prop_cycle"]
        assert [mcolors.to_hex(c) for c in present["axes.prop_cycle"].by_key()["color"]] == [c.lower() for c in charts.PALETTE]
        assert present["font.sans-serif"][0] == charts.cjk_font_name() == normal["font.sans-serif"][0]
    finally:
        _theme(monkeypatch, None)


@pytest.mark.parametrize("value, on", [("1", True), ("yes", True), ("0", False), ("false", False), ("", False)])
def test_presenting_reads_the_variable(value, on):
    assert presenting({"PLAYBOOK_PRESENT": value}) is on


def test_off_values_keep_the_normal_theme(monkeypatch):
    assert _theme(monkeypatch, "0") == _theme(monkeypatch, None)


def test_explorer_figures_grow_in_presentation_mode(monkeypatch):
    monkeypatch.delenv("PLAYBOOK_PRESENT", raising=False)
    assert figsize(9, 3.8) == (9, 3.8)
    monkeypatch.setenv("PLAYBOOK_PRESENT", "1")
    width, height = figsize(9, 3.8)
    assert width > 9 and height > 3.8 and width / height == pytest.approx(9 / 3.8, rel=0.01)


def test_an_explorer_built_in_presentation_mode_draws_larger(monkeypatch, b2b):
    import matplotlib.pyplot as plt

    from playbook.data import summarize
    from playbook.widgets import TierExplorer

    sizes = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: sizes.append(tuple(plt.gcf().get_size_inches())))
    summary = summarize(b2b.orders, b2b.as_of)
    monkeypatch.delenv("PLAYBOOK_PRESENT", raising=False)
    TierExplorer(summary)
    monkeypatch.setenv("PLAYBOOK_PRESENT", "1")
    TierExplorer(summary)
    assert sizes[1][0] > sizes[0][0] and sizes[1][1] > sizes[0][1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_setup_cell_shows_the_language_switch_and_keeps_playbook_lang(path):
    """Each notebook switches language in one visible line, without overriding PLAYBOOK_LANG."""
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code").source
    assert re.search(r"^i18n\.use\(\)  # .*i18n\.use\(\"zh\"\)", setup, re.M), "setup cell: add i18n.use() with its comment"
    assert setup.index("i18n.use()") < setup.index("charts.set_theme()")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"set_language\(\s*[\"']en|i18n\.use\(\s*[\"']en", code), "hard-coded English overrides PLAYBOOK_LANG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_notebook_reads_well_without_its_code(path):
    """Voila hides code and stops a page at the first cell that raises (tracebacks hidden by
    default), so no notebook may rely on a cell that raises; errors are shown by catching them."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert "raises-exception" not in cell.metadata.get("tags", []), f"{path.name} {cell.id}: Voila stops at this cell"


def test_use_in_a_setup_cell_follows_the_environment(monkeypatch):
    before = i18n.get_language()
    try:
        monkeypatch.setenv("PLAYBOOK_LANG", "zh")
        exec("from playbook import i18n\ni18n.use()", {})
        assert i18n.get_language() == "zh"
        monkeypatch.delenv("PLAYBOOK_LANG")
        exec("from playbook import i18n\ni18n.use()", {})
        assert i18n.get_language() == "en"
    finally:
        i18n.set_language(before)
