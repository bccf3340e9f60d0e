"""Every text a chart draws comes from the label registry of :mod:`playbook.i18n`, asked for by key.

Each chart module registers its own texts (``{key: (english, chinese)}``) with
:func:`playbook.i18n.register_labels` at import; a chart then asks ``text(key, lang, **fields)``
and never chooses between languages itself.

>>> text("customers", "zh")
'客户数'
>>> text("no_such_key", "en")
Traceback (most recent call last):
...
KeyError: "No label 'no_such_key': register it with playbook.i18n.register_labels first."
"""
from __future__ import annotations

from ..i18n import LABELS, label, register_labels

__all__ = ["text"]

# Words several charts put in their axis labels.
register_labels({
    "chart_money": ("money", "金额"),
})


def text(key: str, lang: str, **fields) -> str:
    """The label ``key`` in ``lang`` with its ``{fields}`` filled in.

    Unlike :func:`playbook.i18n.label`, which shows an unknown key as it is (fine for a
    column name), a chart's own text must be registered: a typo fails here, loudly.
    """
    if key not in LABELS:
        raise KeyError(f"No label {key!r}: register it with playbook.i18n.register_labels first.")
    words = label(key, lang)
    return words.format(**fields) if fields else words
