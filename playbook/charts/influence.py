"""Charts of core customers and opinion leaders: the referral network and influence against spend.

Both draw on ``ax`` (a new one if None) and return it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..deprecation import renamed_parameters
from ..i18n import label, register_labels, resolve_lang
from ._docs import shared_docs
from ._text import text
from ._theme import PALETTE, new_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["referral_network", "influence_vs_spend", "ROLE_COLOURS"]

register_labels({
    "chart_referral_title": ("{network}: {roots} referrers' trees, {customers} customers; dot size = revenue",
                             "{network}：{roots} 位推荐人的推荐树，共 {customers} 位客户；点的大小 = 销售额"),
    "chart_plus_one_log": ("+1, log scale", "+1，对数刻度"),
    "chart_percentile": ("percentile", "百分位"),
    "chart_y_vs_x": ("{y} vs {x}", "{y}与{x}"),
})


ROLE_COLOURS = {"product_expert": PALETTE[2], "bridge": PALETTE[0], "gold_salesperson": PALETTE[1], "none": "#BBBBBB"}


@renamed_parameters(graph_or_base="data")
@shared_docs
def referral_network(data, *, highlight=None, roots=None, top: int = 8, seed: int = 0,
                     ax=None, lang: str | None = None) -> Axes:
    """Draw the referral trees (客户推荐网络) of a few customers: who brought in whom.

    A whole referral graph is a hairball; this draws only the trees (each root and everyone
    down its referral tree) of ``roots``, or of the ``top`` customers with the largest trees.
    Node size grows with revenue when the graph carries it.

    Parameters
    ----------
    data : networkx.DiGraph or CustomerBase
        A :func:`playbook.influence.referral_graph`, or a base to build it from.
    highlight : dict or Series, optional
        Customer id -> role (``product_expert``, ``bridge``, ``gold_salesperson``): coloured nodes,
        e.g. ``leaders["predicted_role"]``. Other nodes are grey.
    roots : sequence of str, optional
        Whose trees to draw (default: the ``top`` largest trees).
    top : int
        How many trees when ``roots`` is None.
    seed : int
        Seed of the spring layout, so the picture is the same each run.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> ax = referral_network(playbook.load_dataset("retail"), top=3)
    """
    import networkx as nx
    from matplotlib.lines import Line2D

    from ..errors import DataValidationError, InvalidArgumentError
    from ..influence import referral_graph

    lang = resolve_lang(lang, "referral_network")
    g = data if isinstance(data, nx.DiGraph) else referral_graph(data)
    if g.number_of_edges() == 0:
        raise DataValidationError("referral_network: the referral graph has no edges: nobody brought anybody in.")
    if roots is None:
        if top < 1:
            raise InvalidArgumentError(f"The 'top' parameter of referral_network must be >= 1. Got {top!r}.")
        sizes = {n: len(nx.descendants(g, n)) for n in g.nodes if g.out_degree(n)}
        roots = sorted(sizes, key=lambda n: (-sizes[n], n))[:top]
    else:
        roots = [roots] if isinstance(roots, str) else [str(r) for r in roots]
        missing = [r for r in roots if r not in g]
        if missing:
            raise DataValidationError(f"referral_network: {', '.join(missing[:5])} made no referral in this graph.")
    keep = set(roots)
    for r in roots:
        keep |= nx.descendants(g, r)
    sub = g.subgraph(sorted(keep))
    roles = pd.Series(highlight, dtype=object) if highlight is not None else pd.Series(dtype=object)
    role_of = {n: str(roles.get(n, "none")) for n in sub.nodes}
    colours = [ROLE_COLOURS.get(role_of[n], ROLE_COLOURS["none"]) for n in sub.nodes]
    revenue = np.array([float(sub.nodes[n].get("revenue", 0.0)) for n in sub.nodes])
    size = 40 + 260 * np.sqrt(revenue / revenue.max()) if revenue.max() > 0 else np.full(len(revenue), 80.0)
    ax = new_ax(ax)
    pos = _tree_layout(sub, seed)
    nx.draw_networkx_edges(sub, pos, ax=ax, edge_color="#888888", arrows=True, arrowsize=8, width=0.8,
                           node_size=size)
    nx.draw_networkx_nodes(sub, pos, ax=ax, node_color=colours, node_size=size, edgecolors="white", linewidths=0.8)
    label_pos = {r: pos[r] + np.array([0.0, 0.1]) for r in roots}
    nx.draw_networkx_labels(sub, label_pos, labels={r: r for r in roots}, ax=ax, font_size=8,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    present = [r for r in ROLE_COLOURS if r in set(role_of.values())]
    handles = [Line2D([], [], marker="o", linestyle="", color=ROLE_COLOURS[r], markersize=8,
                      label=label(r, lang) if r != "none" else label("customer", lang)) for r in present]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=True)
    ax.set_axis_off()
    ax.set_title(text("chart_referral_title", lang, network=label("referral_network", lang), roots=len(roots),
                      customers=len(sub)))
    return ax


def _tree_layout(g, seed: int) -> dict:
    """Each weakly connected tree laid out on its own, biggest first, in a grid of cells."""
    import networkx as nx

    parts = sorted(nx.weakly_connected_components(g), key=lambda c: (-len(c), min(c)))
    cols = int(np.ceil(np.sqrt(len(parts))))
    pos = {}
    for i, part in enumerate(parts):
        row, col = divmod(i, cols)
        local = nx.spring_layout(g.subgraph(part), seed=seed, center=(0, 0)) if len(part) > 1 else {next(iter(part)): np.zeros(2)}
        for n, xy in local.items():
            pos[n] = np.asarray(xy) * 0.42 + np.array([col, -row])
    return pos


@shared_docs
def influence_vs_spend(data: pd.DataFrame, *, x: str = "revenue", y: str = "influence_score",
                       role: str = "predicted_role", ax=None, lang: str | None = None) -> Axes:
    """Influence against spend, one dot per customer, coloured by predicted role.

    If core customers were simply the biggest spenders, the coloured dots would sit at the right.

    Parameters
    ----------
    data : DataFrame
        An :func:`playbook.influence.opinion_leaders` table (or any with ``x``, ``y`` and ``role``).
    x, y, role : str
        Columns for spend, influence and role.
    {ax}
    {lang}

    {returns}

    Examples
    --------
    >>> import playbook
    >>> from playbook.influence import opinion_leaders
    >>> ax = influence_vs_spend(opinion_leaders(playbook.load_dataset("retail")))
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    from ..data import require_columns

    require_columns(data, (x, y, role), "influence_vs_spend", table="data")
    lang = resolve_lang(lang, "influence_vs_spend")
    ax = new_ax(ax)
    plot = pd.DataFrame({"x": data[x].astype(float).clip(lower=0) + 1, "y": data[y].astype(float),
                         "role": data[role].astype(str)})
    order = [r for r in ROLE_COLOURS if r in set(plot["role"])]
    plot["label"] = plot["role"].map(lambda r: label(r, lang) if r != "none" else label("customer", lang))
    plot = plot.sort_values("role", key=lambda s: s.eq("none"), ascending=False, kind="stable")
    sns.scatterplot(data=plot, x="x", y="y", hue="label", hue_order=[plot.loc[plot.role == r, "label"].iloc[0] for r in order],
                    palette=[ROLE_COLOURS[r] for r in order], s=18, alpha=0.8, linewidth=0, ax=ax)
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"{label(x, lang)} ({text('chart_plus_one_log', lang)})")
    ax.set_ylabel(f"{label(y, lang)} ({text('chart_percentile', lang)})")
    ax.set_title(text("chart_y_vs_x", lang, y=label(y, lang), x=label(x, lang)))
    ax.legend(title=label(role, lang), fontsize=8, title_fontsize=9)
    return ax
