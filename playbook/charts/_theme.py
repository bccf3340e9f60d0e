"""The kit's look: seaborn whitegrid, a colour-blind-safe palette, a font that draws Chinese."""
from __future__ import annotations

from functools import lru_cache

__all__ = ["PALETTE", "set_theme", "cjk_font_name", "new_ax"]

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


def set_theme(context: str = "notebook", *, font_scale: float = 1.0) -> None:
    """Apply the kit's look: seaborn whitegrid, a colour-blind-safe palette, and a font
    with Chinese glyphs (set after seaborn's own theme, which would reset it).

    >>> set_theme()
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context=context, style="whitegrid", palette=PALETTE, font_scale=font_scale)
    font = cjk_font_name()
    if font:
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["figure.figsize"] = (8, 4.5)


def new_ax(ax):
    """``ax`` itself, or a new Axes on a new figure when it is None (seaborn's convention)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax
