"""ipywidgets front-end for retention programs: move a program's effect and cost, see what it buys.

Keeps what it last drew in ``shown`` so a notebook can assert that a slider changed the picture.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError
from ..i18n import get_language, label
from ..strategy import PROGRAMS, simulate_programs
from ._base import caption, clear_output, figsize, new_figure, show

__all__ = ["ProgramExplorer"]


class ProgramExplorer:
    """Sliders for one program's dropout factor and cost per customer; bars against the others.

    Parameters
    ----------
    base : CustomerBase
        A synthetic base (the simulator needs ``truth``).
    program : str
        Row of :data:`playbook.strategy.PROGRAMS` the sliders edit.
    programs : DataFrame, optional
    value : str
        Column of the results to draw (default ``"extra_retained"``).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = ProgramExplorer(playbook.load_dataset("b2b"))
    >>> before = explorer.shown["retained"]
    >>> explorer.dropout.value = 0.2
    >>> explorer.shown["retained"] > before
    True
    """

    def __init__(self, base, *, program: str = "personal_assistant", programs=None, value: str = "extra_retained",
                 lang: str | None = None):
        import ipywidgets as w

        self.base = base
        self.programs = (PROGRAMS if programs is None else programs).copy()
        if program not in self.programs.index:
            raise InvalidArgumentError(f"ProgramExplorer: unknown program {program!r}; use one of {', '.join(self.programs.index)}.")
        self.program = program
        self.value = value
        self.lang = lang or get_language()
        row = self.programs.loc[program]
        style = {"description_width": "200px"}
        layout = w.Layout(width="480px")
        self.dropout = w.FloatSlider(value=float(row["dropout_factor"]), min=0.1, max=1.5, step=0.05,
                                     description=caption("ui_dropout_factor", self.lang), continuous_update=False,
                                     style=style, layout=layout)
        self.cost = w.FloatSlider(value=float(row["cost_per_customer"]), min=0.0, max=200.0, step=5.0,
                                  description=caption("ui_cost_per_target", self.lang), continuous_update=False, style=style, layout=layout)
        self.output = w.Output()
        self.shown: dict = {}
        for control in (self.dropout, self.cost):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([self.dropout, self.cost, self.output])
        self.update()

    def update(self) -> None:
        """Re-run the simulator with the slider values and redraw."""

        from ..charts.strategy import program_comparison

        self.programs.loc[self.program, "dropout_factor"] = float(self.dropout.value)
        self.programs.loc[self.program, "cost_per_customer"] = float(self.cost.value)
        results = simulate_programs(self.base, self.programs)
        row = results.loc[self.program]
        self.shown = {"program": self.program, "dropout_factor": float(self.dropout.value),
                      "cost_per_customer": float(self.cost.value), "retained": int(row["retained"]),
                      "extra_retained": int(row["extra_retained"]), "net_margin": round(float(row["net_margin"]), 2),
                      "cost_per_extra_retained": round(float(row["cost_per_extra_retained"]), 2)}
        clear_output(self.output)
        with self.output:
            fig, ax = new_figure(figsize=figsize(7.5, 3.8))
            program_comparison(results, value=self.value, ax=ax, lang=self.lang)
            ax.set_title(caption("ui_program_title", self.lang, label(self.program, self.lang), self.shown["extra_retained"]))
            show(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
