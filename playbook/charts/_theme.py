"""The kit's look: seaborn whitegrid, a colour-blind-safe palette, a font that draws Chinese.

With ``PLAYBOOK_PRESENT=1`` (set by ``make present``) the same look is scaled for a
projector: seaborn's "talk" context and larger figures.
"""
from __future__ import annotations

import os
from functools import lru_cache

__all__ = ["PALETTE", "PRESENT_ENV_VAR", "set_theme", "presenting", "cjk_font_name", "new_ax"]

#: The environment variable that turns on presentation mode.
PRESENT_ENV_VAR = "PLAYBOOK_PRESENT"
_FIGSIZE = {False: (8, 4.5), True: (11, 6.2)}

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """Register the bundled Noto Sans SC font with matplotlib and return its family name.

    The font comes from the ``pylopdf-fonts-zh-cn`` package (SIL Open Font License);
    None if it is not installed.
    """
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    from pathlib import Path

    from matplotlib import font_manager

    path = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def presenting(environ=None) -> bool:
    """Whether presentation mode is on: ``PLAYBOOK_PRESENT`` set to anything but "", "0" or "false".

    >>> presenting({"PLAYBOOK_PRESENT": "1"}), presenting({"PLAYBOOK_PRESENT": "0"}), presenting({})
    (True, False, False)
    """
    value = (os.environ if environ is None else environ).get(PRESENT_ENV_VAR, "")
    return value.strip().lower() not in ("", "0", "false", "no")


def set_theme(context: str | None = None, *, font_scale: float = 1.0) -> None:
    """Apply the kit's look: seaborn whitegrid, a colour-blind-safe palette, and a font
    with Chinese glyphs (set after seaborn's own theme, which would reset it).

    Parameters
    ----------
    context : {"paper", "notebook", "talk", "poster"}, optional
        seaborn's scaling of fonts and lines. Default "notebook", or "talk" with larger
        figures in presentation mode (``PLAYBOOK_PRESENT=1``, as ``make present`` sets).
    font_scale : float
        Extra scaling of the fonts.

    >>> set_theme()
    """
    import matplotlib as mpl
    import seaborn as sns

    present = presenting()
    sns.set_theme(context=context or ("talk" if present else "notebook"), style="whitegrid", palette=PALETTE,
                  font_scale=font_scale)
    font = cjk_font_name()
    if font:
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["figure.figsize"] = _FIGSIZE[present]


def new_ax(ax):
    """``ax`` itself, or a new Axes on a new figure when it is None (seaborn's convention)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax
