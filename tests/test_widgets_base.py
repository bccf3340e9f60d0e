"""One explorer base class (issue #15): every explorer gets its language, output, redraw wiring and
display from ``widgets._base.Explorer`` instead of rebuilding them."""
import pathlib
import re

import pandas as pd
import pytest

from playbook import widgets
from playbook.widgets._base import Explorer

WIDGETS_DIR = pathlib.Path(widgets.__file__).parent


@pytest.mark.parametrize("name", widgets.__all__)
def test_every_explorer_is_an_explorer(name):
    cls = getattr(widgets, name)
    assert issubclass(cls, Explorer)
    assert "_ipython_display_" not in vars(cls), f"{name} displays itself instead of inheriting it"


def test_no_explorer_rebuilds_the_shared_wiring():
    patterns = {"an Output": r"w\.Output\(\)", "a display method": r"def _ipython_display_",
                "a redraw observer": r"observe\(lambda change: self\.update\(\)", "its own language default": r"lang or get_language\(\)"}
    found = [f"{p.name}: {what}" for p in sorted(WIDGETS_DIR.glob("*.py")) if p.name != "_base.py"
             for what, pattern in patterns.items() if re.search(pattern, p.read_text(encoding="utf-8"))]
    assert not found, found


def test_an_explorer_refuses_an_unknown_language_naming_itself():
    from playbook.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="'lang' parameter of EconomicsExplorer"):
        widgets.EconomicsExplorer(lang="fr")


def test_an_explorer_without_update_says_so():
    class Half(Explorer):
        def __init__(self):
            super().__init__(lang="en")
            self._start()

    with pytest.raises(NotImplementedError, match="Half must define update"):
        Half()


def test_analysis_picker_keeps_its_old_names():
    from playbook.byod import from_orders

    base = from_orders(pd.DataFrame({"customer_id": ["a", "b", "a"], "order_date": ["2025-01-01", "2025-02-01", "2025-03-01"],
                                     "amount": [10, 20, 30]}))
    picker = widgets.AnalysisPicker(base)
    assert picker.out is picker.output
    picker.analysis.value = "rfm"
    picker.shown = {}
    picker.draw()
    assert picker.shown["analysis"] == "rfm"


def test_no_explorer_chooses_its_words_by_language_itself():
    """Captions come from the label registry (``caption(key, lang)``), not from ``if lang == "zh"`` branches.

    The one comparison left is ``localized_table`` showing English tables as they are (codes and
    snake_case headers), which is behaviour, not a choice of words."""
    branch = re.compile(r"""lang\s*[!=]=|[!=]=\s*(self\.)?lang\b|\bzh\s*=\s*|\bif zh\b|["'](en|zh)["']\s+if\s+(self\.)?lang""")
    allowed = {("_base.py", 'if lang == "en":')}
    found = [(p.name, line.strip()) for p in sorted(WIDGETS_DIR.glob("*.py"))
             for line in p.read_text(encoding="utf-8").splitlines() if branch.search(line)]
    assert [f for f in found if f not in allowed] == []
