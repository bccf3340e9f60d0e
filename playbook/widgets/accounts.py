"""ipywidgets front-end for key accounts: pick an account, see its stakeholder map and deals; recap deals; watch the
big accounts; judge lead channels by conversion within a window you choose.

Keeps what it last showed in ``shown`` so a notebook can assert that the dropdown changed the view.
"""
from __future__ import annotations

from ..accounts import stakeholder_coverage, stakeholder_map
from ..i18n import label, register_labels
from ._base import (
    Explorer,
    caption,
    clear_output,
    figsize,
    localized_table,
    new_figure,
    show,
)

__all__ = ["AccountExplorer", "DealRecapExplorer", "KeyAccountWatch", "ChannelWearOutExplorer"]

register_labels({
    "ui_window_days": ("Window (days)", "转化窗口（天）"),
    "ui_channel_summary": ("{} leads are too recent for a {}-day window and left out; {} are judged. Falling, settled by "
                           "the trend test: {}. Not settled: {}.",
                           "{} 条线索太新，不足 {} 天的窗口，暂不判断；纳入判断 {} 条。趋势检验确认下降：{}。尚无定论：{}。"),
    "ui_none": ("none", "无"),
})


class AccountExplorer(Explorer):
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
        super().__init__(lang=lang)
        opps = base.opportunities
        options = sorted(opps["customer_id"].astype(str).unique()) if accounts is None else [str(a) for a in accounts]
        self.account = w.Dropdown(options=options, value=options[0], description=caption("ui_account", self.lang))
        self._start(self.account)

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



class DealRecapExplorer(Explorer):
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
        super().__init__(lang=lang)
        if accounts is None:
            accounts = sorted(deal_recap(base)["customer_id"].unique())
        options = [str(a) for a in accounts]
        self.account = w.Dropdown(options=options, value=options[0], description=caption("ui_account", self.lang))
        self.letter = w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=self.lang,
                                      description=caption("ui_recap_in", self.lang))
        self._start(w.HBox([self.account, self.letter]))

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
            self.output.append_stdout(caption("ui_no_won_deal", self.lang, cid) + "\n")
            return
        with self.output:
            fig, ax = new_figure(figsize=figsize(7, 3.6))
            deal_recap_bars(recap, ax=ax, lang=self.lang)
            show(fig)
        for line in recap["recap"].tail(3):
            self.output.append_stdout(f"• {line}\n")



def _momentum(base, as_of, window_days: int, top: int):
    """Revenue of the biggest key accounts in the last ``window_days`` to ``as_of`` and the window before."""
    import pandas as pd

    from ..accounts import key_account_scorecard
    from ..data import end_of_day

    card = key_account_scorecard(base, as_of).sort_values("revenue_365d", ascending=False).head(top)
    stop = end_of_day(pd.Timestamp(as_of))
    w = pd.Timedelta(days=window_days)
    o = base.orders
    o = o[o["customer_id"].astype(str).isin(card.index) & (o["order_date"] > stop - 2 * w) & (o["order_date"] <= stop)]
    recent = o["order_date"] > stop - w
    cid = o["customer_id"].astype(str)
    out = pd.DataFrame({"last": o.loc[recent, "amount"].groupby(cid[recent]).sum(),
                        "before": o.loc[~recent, "amount"].groupby(cid[~recent]).sum()}).reindex(card.index).fillna(0.0)
    out.index.name = "customer_id"
    return out


class KeyAccountWatch(Explorer):
    """The decision that matters for a key-account team: which big accounts to visit this quarter.

    Pick a review date, a window (30 or 90 days) and an alarm threshold; the chart shows
    each of the biggest key accounts' revenue in the last window beside the window before,
    and the title names how many fell below the threshold (those are the visits to book).
    Replaying the dates of 2024 shows what the b2b supplier could have seen, and when.

    Parameters
    ----------
    base : CustomerBase
        With orders (and customers for the tiers): the b2b dataset.
    dates : list of date strings
        Review dates offered.
    top : int
        How many of the biggest key accounts to watch (default 8).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> watch = KeyAccountWatch(playbook.load_dataset("b2b"), dates=["2024-06-30", "2024-12-31"])
    >>> watch.date.value = "2024-12-31"
    >>> watch.shown["as_of"], watch.shown["window_days"]
    ('2024-12-31', 90)
    >>> watch.window.value = 30
    >>> watch.shown["window_days"]
    30
    """

    def __init__(self, base, *, dates, top: int = 8, lang: str | None = None):
        import ipywidgets as w

        self.base = base
        super().__init__(lang=lang)
        self.top = int(top)
        dates = [str(d) for d in dates]
        self.date = w.Dropdown(options=dates, value=dates[0], description=caption("ui_date", self.lang))
        self.threshold = w.IntSlider(value=50, min=10, max=100, step=5, continuous_update=False,
                                     description=caption("ui_alarm_below", self.lang),
                                     style={"description_width": "160px"})
        self.window = w.ToggleButtons(options=[(caption("ui_days", self.lang, d), d) for d in (30, 90)], value=90,
                                     description=caption("ui_window", self.lang))
        self._start(w.HBox([self.date, self.threshold]), self.window)

    def update(self) -> None:
        """Recompute the last and previous 90 days of the biggest key accounts and redraw."""
        import seaborn as sns

        from ..charts import PALETTE

        days = int(self.window.value)
        table = _momentum(self.base, self.date.value, days, self.top)
        cut = self.threshold.value / 100
        flagged = [c for c, r in table.iterrows() if r["before"] > 0 and r["last"] < cut * r["before"]]
        self.shown = {"as_of": self.date.value, "threshold": cut, "window_days": days, "flagged": flagged,
                      "last": {c: round(float(v), 2) for c, v in table["last"].items()}}
        long = table.reset_index().melt(id_vars="customer_id", var_name="window", value_name="revenue")
        long["window"] = long["window"].map({"last": caption("ui_last_days", self.lang, days),
                                             "before": caption("ui_days_before", self.lang, days)})
        with self._redraw():
            fig, ax = new_figure(figsize=figsize(7.5, 3.8))
            sns.barplot(data=long, x="customer_id", y="revenue", hue="window", palette=[PALETTE[0], "#bbbbbb"], ax=ax)
            for i, c in enumerate(table.index):
                if c in flagged:
                    ax.annotate("!", (i, 0), xytext=(0, 3), textcoords="offset points", ha="center",
                                color=PALETTE[3], fontsize=14, fontweight="bold")
            ax.set_xlabel("")
            ax.set_ylabel(label("revenue", self.lang))
            n = len(flagged)
            ax.set_title(caption("ui_watch_title", self.lang, self.date.value, n, len(table), cut, days))
            ax.legend(title="")
            show(fig)
        if flagged:
            self.output.append_stdout(caption("ui_visit", self.lang, ", ".join(flagged)) + "\n")


class ChannelWearOutExplorer(Explorer):
    """Move the conversion window and watch which lead channels are judged to wear out (渠道衰减).

    A slider sets the window a lead has to convert (``window_days`` of
    :func:`playbook.accounts.channel_conversion`), buttons the period (years or quarters).
    The chart shows each source's conversion with its interval; the line below says how
    many leads are too recent for the window (left out) and which channels the trend test
    of :func:`playbook.accounts.channel_wear_out` settles as falling. A longer window
    catches slower conversions but leaves out more recent leads.

    Parameters
    ----------
    base : CustomerBase
        With ``leads`` and ``customers`` (the b2b dataset).
    sources : list of str, optional
        Sources drawn; default all (the summary always covers all).
    window_days : int
        Starting window (default 180).
    lang : {"en", "zh"}, optional

    Examples
    --------
    >>> import playbook
    >>> explorer = ChannelWearOutExplorer(playbook.load_dataset("b2b"))
    >>> explorer.shown["window_days"], explorer.shown["too_recent"] > 0
    (180, True)
    >>> before = explorer.shown["too_recent"]
    >>> explorer.window.value = 360
    >>> explorer.shown["window_days"], explorer.shown["too_recent"] > before
    (360, True)
    """

    def __init__(self, base, *, sources=None, window_days: int = 180, lang: str | None = None):
        import ipywidgets as w

        base.require("leads", by="ChannelWearOutExplorer")
        self.base = base
        self.sources = None if sources is None else [str(s) for s in sources]
        super().__init__(lang=lang)
        self.window = w.IntSlider(value=int(window_days), min=30, max=720, step=30, continuous_update=False,
                                  description=caption("ui_window_days", self.lang), style={"description_width": "120px"})
        self.freq = w.ToggleButtons(options=[(caption("ui_years", self.lang), "Y"), (caption("ui_quarters", self.lang), "Q")],
                                    value="Y", description=caption("ui_periods", self.lang))
        self._start(w.HBox([self.window, self.freq]))

    def update(self) -> None:
        """Recompute conversion within the chosen window, redraw, and say what the trend test settles."""
        from ..accounts import channel_conversion, channel_wear_out
        from ..charts.accounts import channel_conversion_chart

        days, freq = int(self.window.value), self.freq.value
        conv = channel_conversion(self.base, window_days=days, freq=freq)
        wear = channel_wear_out(self.base, window_days=days, freq=freq)
        falling = [str(s) for s in wear.index[wear["verdict"] == "falling"]]
        unsettled = [str(s) for s in wear.index[wear["verdict"] == "not settled"]]
        self.shown = {"window_days": days, "freq": freq, "too_recent": conv.attrs["too_recent"],
                      "eligible": conv.attrs["eligible"], "falling": falling,
                      "trend_per_year": {str(k): round(float(v), 4) for k, v in wear["trend_per_year"].items()}}

        def names(items):
            return ", ".join(label(s, self.lang) for s in items) or caption("ui_none", self.lang)

        with self._redraw():
            fig, ax = new_figure(figsize=figsize(9, 4.2))
            channel_conversion_chart(conv, sources=self.sources, ax=ax, lang=self.lang)
            show(fig)
        self.output.append_stdout(caption("ui_channel_summary", self.lang, conv.attrs["too_recent"], days,
                                          conv.attrs["eligible"], names(falling), names(unsettled)) + "\n")
