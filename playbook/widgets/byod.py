"""ipywidgets front-end for your own data: choose an analysis, see what it gives on the loaded base.

Keeps what it last drew in ``shown`` so a notebook can assert that the dropdown changed the picture.
"""
from __future__ import annotations

from ..errors import PlaybookError
from ._base import Explorer, caption, localized_table

__all__ = ["AnalysisPicker", "ANALYSES"]


def _run(name: str, base, lang: str = "en"):
    from ..churn import churn_risk, churn_signals
    from ..data import summarize
    from ..lifecycle import lifecycle_stage
    from ..rfm import rfm_scores
    from ..satisfaction import satisfaction_indicators
    from ..segment import assign_tiers

    if name == "summarize":
        return summarize(base.orders, base.as_of)
    if name == "tiers":
        return assign_tiers(summarize(base.orders, base.as_of))
    if name == "rfm":
        return rfm_scores(base)
    if name == "lifecycle":
        return lifecycle_stage(base)
    if name == "churn":
        return churn_risk(churn_signals(base), lang=lang)
    return satisfaction_indicators(base)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


#: Analyses the picker offers; the last one needs surveys and complaints.
ANALYSES = ("summarize", "tiers", "rfm", "lifecycle", "churn", "satisfaction")


class AnalysisPicker(Explorer):
    """A dropdown runs one analysis of the kit on a base loaded with :func:`playbook.byod.from_orders`.

    An analysis that needs a table the base lacks shows its error message instead of a table.

    Parameters
    ----------
    base : CustomerBase
    analysis : str
        The analysis shown first, one of :data:`ANALYSES`.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import pandas as pd
    >>> from playbook.byod import from_orders
    >>> base = from_orders(pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...     "order_date": ["2025-01-01", "2025-02-01", "2025-03-01"], "amount": [10, 20, 30]}))
    >>> picker = AnalysisPicker(base)
    >>> picker.shown["rows"]
    2
    >>> picker.analysis.value = "satisfaction"
    >>> picker.shown["error"].startswith("satisfaction_indicators")
    True
    """

    def __init__(self, base, *, analysis: str = "summarize", lang: str | None = None):
        import ipywidgets as w

        super().__init__(lang=lang)
        self.base = base
        self._results: dict[str, tuple] = {}  # analysis -> (table, error)
        self.analysis = w.Dropdown(options=[(caption(f"ui_analysis_{a}", self.lang), a) for a in ANALYSES], value=analysis,
                                   description=caption("ui_analysis", self.lang))
        self._start(self.analysis)

    @property
    def out(self):
        """The old name of ``output``."""
        return self.output

    def draw(self) -> None:
        """The old name of :meth:`update`."""
        self.update()

    def update(self) -> None:
        """Run the chosen analysis and show its first rows (or the error it raised)."""
        from IPython.display import display

        name = self.analysis.value
        if name not in self._results:
            try:
                self._results[name] = (_run(name, self.base, self.lang), None)
            except PlaybookError as exc:
                self._results[name] = (None, str(exc))
        table, error = self._results[name]
        self.shown = {"analysis": name, "rows": None if table is None else len(table),
                      "columns": [] if table is None else list(table.columns), "error": error}
        if not _in_kernel():
            return
        with self._redraw():
            if error:
                print(error)
            else:
                display(localized_table(table.head(8), self.lang))
