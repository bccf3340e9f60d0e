"""ipywidgets front-end for key accounts: pick an account, see its stakeholder map and deals.

Keeps what it last showed in ``shown`` so a notebook can assert that the dropdown changed the view.
"""
from __future__ import annotations

from ..accounts import stakeholder_coverage, stakeholder_map
from ..i18n import get_language
from ._base import caption, clear_output, figsize, localized_table, new_figure, show

__all__ = ["AccountExplorer", "DealRecapExplorer"]


class AccountExplorer:
    """A dropdown of accounts; shows the chosen account's contacts (role, attitude) and its deals.

    Parameters
    ----------
    base : CustomerBase
        With ``contacts`` and ``opportunities`` (the b2b dataset).
    accounts : list of str, optional
        Accounts offered in the dropdown; default those with at least one deal.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = AccountExplorer(playbook.load_dataset("b2b"), accounts=["A0001", "A0004"])
    >>> explorer.shown["customer_id"], explorer.shown["decision_maker_attitude"] in {"supporter", "neutral", "opponent", "missing"}
    ('A0001', True)
    >>> explorer.account.value = "A0004"
    >>> explorer.shown["customer_id"]
    'A0004'
    """

    def __init__(self, base, *, accounts=None, lang: str | None = None):
        import ipywidgets as w

        base.require("contacts", "opportunities", by="AccountExplorer")
        self.base = base
        self.lang = lang or get_language()
        opps = base.opportunities
        options = sorted(opps["customer_id"].astype(str).unique()) if accounts is None else [str(a) for a in accounts]
        self.account = w.Dropdown(options=options, value=options[0], description=caption("ui_account", self.lang))
        self.output = w.Output()
        self.shown: dict = {}
        self.account.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([self.account, self.output])
        self.update()

    def update(self) -> None:
        """Show the stakeholder map and the deals of the selected account."""
        cid = self.account.value
        contacts = stakeholder_map(self.base, cid)
        cover = stakeholder_coverage(self.base, [cid]).iloc[0]
        o = self.base.opportunities
        deals = o.loc[o["customer_id"].astype(str) == cid,
                      ["opportunity_id", "opened_at", "trigger_event", "stage", "expected_value", "quote_vs_competitor",
                       "technical_plan", "outcome"]]
        self.shown = {"customer_id": cid, "contacts": len(contacts), "deals": len(deals),
                      "won": int((deals["outcome"].astype(str) == "won").sum()),
                      "decision_maker_attitude": str(cover["decision_maker_attitude"]), "at_risk": bool(cover["at_risk"])}
        clear_output(self.output)
        # append_display_data works in a kernel and stays silent in scripts and doctests.
        self.output.outputs = ()
        self.output.append_display_data(localized_table(contacts, self.lang))
        self.output.append_display_data(localized_table(deals.reset_index(drop=True), self.lang))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class DealRecapExplorer:
    """Pick an account and a language: the benefits it received after each won deal, as a chart and
    as the sentences a rep could send.

    Parameters
    ----------
    base : CustomerBase
        With ``opportunities`` and ``orders`` (the b2b dataset).
    accounts : list of str, optional
        Accounts offered; default those with at least one won deal.
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = DealRecapExplorer(playbook.load_dataset("b2b"), accounts=["A0003", "A0004"])
    >>> explorer.shown["customer_id"], explorer.shown["deals"] > 0
    ('A0003', True)
    >>> explorer.account.value = "A0004"
    >>> explorer.shown["customer_id"]
    'A0004'
    """

    def __init__(self, base, *, accounts=None, lang: str | None = None):
        import ipywidgets as w

        from ..accounts import deal_recap

        base.require("opportunities", "orders", by="DealRecapExplorer")
        self.base = base
        self.lang = lang or get_language()
        if accounts is None:
            accounts = sorted(deal_recap(base)["customer_id"].unique())
        options = [str(a) for a in accounts]
        self.account = w.Dropdown(options=options, value=options[0], description=caption("ui_account", self.lang))
        self.letter = w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value="zh" if self.lang == "zh" else "en")
        self.output = w.Output()
        self.shown: dict = {}
        for c in (self.account, self.letter):
            c.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.account, self.letter]), self.output])
        self.update()

    def update(self) -> None:
        """Recap the chosen account: chart of each deal, then the latest recap sentences."""
        from ..accounts import deal_recap
        from ..charts.accounts import deal_recap_bars

        cid = self.account.value
        recap = deal_recap(self.base, customer_id=cid, lang=self.letter.value)
        self.shown = {"customer_id": cid, "deals": len(recap), "orders": int(recap["orders"].sum()),
                      "order_value": round(float(recap["order_value"].sum()), 2),
                      "latest": recap["recap"].iloc[-1] if len(recap) else ""}
        clear_output(self.output)
        # append_stdout works in a kernel and stays silent in scripts and doctests.
        if recap.empty:
            self.output.append_stdout(f"{cid}: no won deal yet.\n" if self.lang != "zh" else f"{cid}：尚无赢单。\n")
            return
        with self.output:
            fig, ax = new_figure(figsize=figsize(7, 3.6))
            deal_recap_bars(recap, ax=ax, lang=self.letter.value)
            show(fig)
        for line in recap["recap"].tail(3):
            self.output.append_stdout(f"• {line}\n")

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
