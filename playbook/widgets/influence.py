"""ipywidgets front-end for opinion leaders: pick a leader, see their referral tree and what would leave with them.

Keeps what it last drew in ``shown`` so a notebook can assert that the dropdown changed the picture.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import label
from ._base import Explorer, caption, figsize, new_figure, show

__all__ = ["LeaderExplorer"]


class LeaderExplorer(Explorer):
    """A dropdown of the leaders who brought customers in; shows the tree and the reach of a loss.

    Parameters
    ----------
    base : CustomerBase
        With ``orders`` and ``referrals``.
    leaders : DataFrame, optional
        An :func:`playbook.influence.opinion_leaders` table (computed when None).
    n : int
        How many leaders to offer, largest referral tree first.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = LeaderExplorer(playbook.load_dataset("retail"), n=5)
    >>> first = explorer.shown["customer_id"]
    >>> explorer.leader.value = explorer.leader.options[-1][1]
    >>> explorer.shown["customer_id"] != first
    True
    """

    def __init__(self, base, leaders: pd.DataFrame | None = None, *, n: int = 20, lang: str | None = None):
        import ipywidgets as w

        from ..influence import opinion_leaders, referral_graph

        self.base = base
        super().__init__(lang=lang)
        self.leaders = opinion_leaders(base) if leaders is None else leaders
        self.graph = referral_graph(base)
        named = self.leaders[(self.leaders["predicted_role"] != "none") & (self.leaders["followers"] > 0)]
        named = named.sort_index(kind="stable").sort_values("n_reach", ascending=False, kind="stable").head(n)
        options = [(f"{cid} · {label(str(r.predicted_role), self.lang)} · {int(r.n_reach)}", cid)
                   for cid, r in named.iterrows()]
        self.leader = w.Dropdown(options=options, description=caption("ui_leader", self.lang), style={"description_width": "80px"},
                                 layout=w.Layout(width="480px"))
        self._start(self.leader)

    def update(self) -> None:
        """Recompute the reach of a loss for the chosen leader and redraw their tree."""

        from ..charts.influence import referral_network
        from ..influence import reach_of_loss

        cid = self.leader.value
        loss = reach_of_loss(self.base, [cid]).loc[cid]
        self.shown = {"customer_id": cid, "role": str(self.leaders.loc[cid, "predicted_role"]),
                      "n_reach": int(loss["n_reach"]), "revenue_at_stake": float(loss["revenue_at_stake"]),
                      "share_of_revenue": float(loss["share_of_revenue"])}
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7, 4.5))
            referral_network(self.graph, roots=[cid], highlight=self.leaders["predicted_role"], ax=ax, lang=self.lang)
            s = self.shown
            ax.set_title(caption("ui_leader_title", self.lang, cid, s["n_reach"], s["revenue_at_stake"], s["share_of_revenue"]),
                         fontsize=10)
            show(fig)
