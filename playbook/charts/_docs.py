"""What every chart's docstring says the same way, written once (seaborn's ``_docstrings.py`` idea).

A chart's docstring keeps its numpydoc sections and puts a placeholder line, such as
``{ax}``, where a shared piece goes; :func:`shared_docs` fills it in at import, indented
like the placeholder. ``help(charts.pareto_curve)`` then reads as if written in full.

>>> @shared_docs
... def chart(data, *, ax=None):
...     '''Draw.
...
...     Parameters
...     ----------
...     data : DataFrame
...     {ax}
...
...     {returns}
...     '''
>>> print(chart.__doc__.split("Parameters")[1].strip())
----------
    data : DataFrame
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure and its Axes.
<BLANKLINE>
    Returns
    -------
    matplotlib Axes
        The Axes drawn on (no chart calls ``plt.show()``).
"""
from __future__ import annotations

import re

__all__ = ["DOCS", "shared_docs"]

#: The shared pieces, by placeholder name.
DOCS = {
    "ax": "ax : matplotlib Axes, optional\n"
          "    Where to draw; by default a new figure and its Axes.",
    "lang": 'lang : {"en", "zh"}, optional\n'
            "    Language of the titles, axis labels and legends; by default the kit's\n"
            "    language (:func:`playbook.i18n.use`).",
    "log": "log : bool\n"
           "    Draw the values on a log axis (non-positive values are left out).",
    "returns": "Returns\n"
               "-------\n"
               "matplotlib Axes\n"
               "    The Axes drawn on (no chart calls ``plt.show()``).",
}

_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.M)


def shared_docs(func):
    """Fill the ``{name}`` placeholder lines of ``func``'s docstring with the pieces of :data:`DOCS`."""

    def fill(match: re.Match) -> str:
        indent, name = match.groups()
        if name not in DOCS:
            raise KeyError(f"{func.__qualname__}: no shared docstring piece {name!r}; known: {', '.join(DOCS)}.")
        return "\n".join(indent + line if line else line for line in DOCS[name].splitlines())

    func.__doc__ = _PLACEHOLDER.sub(fill, func.__doc__ or "")
    return func
