"""ipywidgets front-end for customer types: move a rule threshold, pick a type, see what changes.

The explorer keeps what it last drew in ``shown`` so a notebook can assert that a control changed it.
"""
from __future__ import annotations

from ..customer_types import (
    DEFAULT_THRESHOLDS,
    PERSONA_TYPES,
    behaviour_evidence,
    classify_types,
    score_against_truth,
)
from ..data import CustomerBase
from ..i18n import label
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["TypeRuleExplorer"]


class TypeRuleExplorer(Explorer):
    """A slider for the discount-share threshold and a dropdown of the type to inspect.

    Each change re-runs :func:`~playbook.customer_types.classify_types` and, when the
    base has a hidden ``truth``, scores it: the heatmap shows the confusion matrix and
    the title the chosen type's precision and recall.

    Parameters
    ----------
    base : CustomerBase
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = TypeRuleExplorer(playbook.load_dataset("retail"))
    >>> before = explorer.shown["n_customers"]
    >>> explorer.threshold.value = 0.2
    >>> explorer.shown["n_customers"] > before
    True
    """

    def __init__(self, base: CustomerBase, *, lang: str | None = None):
        import ipywidgets as w

        super().__init__(lang=lang)
        self.base = base
        self.evidence = behaviour_evidence(base)
        style = {"description_width": "200px"}
        self.threshold = w.FloatSlider(value=DEFAULT_THRESHOLDS["discount_share"], min=0.05, max=1.0, step=0.05,
                                       description=caption("ui_discount_threshold", self.lang), continuous_update=False, style=style,
                                       layout=w.Layout(width="480px"))
        self.type = w.Dropdown(options=[(label(t, self.lang), t) for t in PERSONA_TYPES], value="discount_driven",
                               description=caption("ui_type", self.lang), style=style)
        self._results: dict[float, tuple] = {}  # threshold -> (types, scores): picking a type re-classifies nothing
        self._start(self.threshold, self.type)

    def update(self) -> None:
        """Re-classify with the current threshold and redraw."""

        from ..charts.customer_types import confusion_matrix

        threshold = float(self.threshold.value)
        if threshold not in self._results:
            types = classify_types(self.evidence, thresholds={"discount_share": threshold})
            self._results[threshold] = (types, None if self.base.truth is None else score_against_truth(types, self.base.truth))
        types, scores = self._results[threshold]
        chosen = self.type.value
        shown = {"discount_share": threshold, "type": chosen, "n_customers": int((types["type"] == chosen).sum())}
        if scores is not None:
            row = scores.per_type.loc[chosen]
            shown.update(precision=float(row["precision"]), recall=float(row["recall"]), macro_recall=scores.macro_recall)
        self.shown = shown
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7.5, 4.8))
            if scores is not None:
                confusion_matrix(scores, lang=self.lang, ax=ax)
                ax.set_title(f"{label(chosen, self.lang)}: {shown['n_customers']} {label('customers', self.lang).lower()}\n"
                             f"{label('precision', self.lang)} {shown['precision']:.0%}, {label('recall', self.lang)} "
                             f"{shown['recall']:.0%} ({caption('ui_macro', self.lang)} {scores.macro_recall:.0%})")
            else:
                counts = types["type"].value_counts().reindex(PERSONA_TYPES, fill_value=0)
                ax.bar([label(t, self.lang) for t in PERSONA_TYPES], counts.to_numpy())
                ax.set_ylabel(label("customers", self.lang))
            fig.tight_layout()
            show(fig)
