"""The one-page HTML report of :func:`playbook.analyze.analyze`: self-contained, bilingual, printable.

Charts are embedded as PNG data URIs with alt text; the page loads nothing from the network and
runs no script. The page is the Jinja2 template ``playbook/templates/report.html.j2`` rendered
with autoescaping: this module computes plain texts and tables, and the template escapes every
one of them (ids, file names and notes from the data included), so no HTML is built by hand here.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .i18n import label, register_labels

if TYPE_CHECKING:
    from .analyze import Analysis

__all__ = ["report_html", "TOP_N"]

TOP_N = 10
"""Rows in the report's short lists (top customers, most overdue)."""


@dataclasses.dataclass(frozen=True)
class ReportInputs:
    """What the page is drawn from: the analysis' summary and small tables, and per customer only what a chart needs.

    ``actions`` may be in any row order: ``order`` puts its rows in the action list's order (highest CLV first),
    and ``action_revenue`` is the revenue of each of its rows (in ``actions``' order). ``curve`` is the Pareto
    chart's thinned ranking (:func:`pareto_curve_rows`); ``risk`` has a ``risk`` column, every customer's churn
    risk (any order), and the risk table's attrs (its threshold is drawn).
    :func:`inputs_of` makes them from an :class:`~playbook.analyze.Analysis`.
    """

    summary: dict
    lang: str
    actions: pd.DataFrame
    order: np.ndarray
    action_revenue: np.ndarray
    curve: pd.DataFrame
    risk: pd.DataFrame
    rfm: pd.DataFrame
    plan: pd.DataFrame

register_labels({
    "days_overdue": ("Days overdue", "逾期天数"),
    "last_contact": ("Last contact", "上次联系"),
    "report_title": ("Customer retention report", "客户保持分析报告"),
    "report_headline": ("Headline", "概览"),
    "report_input": ("Input", "输入数据"),
    "report_period": ("Orders from", "订单期间"),
    "report_as_of": ("Review date (as of)", "分析基准日"),
    "report_pareto_text": ("The top {share:.0%} of customers bring {value:.0%} of revenue; {reach:.0%} of customers bring 80% of it "
                           "(Gini {gini:.2f}).",
                           "前 {share:.0%} 的客户贡献了 {value:.0%} 的销售额；{reach:.0%} 的客户贡献了 80% 的销售额（基尼系数 {gini:.2f}）。"),
    "report_tiers": ("Tiers", "客户分级"),
    "report_rfm": ("RFM segments", "RFM 客户细分"),
    "report_high_risk": ("{n:,} customers ({share:.0%}) have a churn risk of {threshold:.0f} or more; the mean risk is {mean:.0f}.",
                         "{n:,} 位客户（{share:.0%}）的流失风险不低于 {threshold:.0f}；平均风险为 {mean:.0f}。"),
    "report_top_reasons": ("Warning signs among them (customers for whom the sign adds to the risk)",
                           "其中的预警信号（该信号计入风险分的客户数）"),
    "report_strategy_mix": ("Strategy mix", "策略分布"),
    "report_overdue": ("Overdue follow-ups", "逾期未跟进"),
    "report_overdue_text": ("{overdue:,} of the {planned:,} customers active in the last year are past their next contact date.",
                            "近一年活跃的 {planned:,} 位客户中，有 {overdue:,} 位已过下次联系日期。"),
    "report_most_overdue": ("Most overdue, most important first", "逾期最久的客户（按重要程度排序）"),
    "report_top_clv": ("Top customers by lifetime value", "终身价值最高的客户"),
    "report_top_revenue": ("Top customers by revenue", "销售额最高的客户"),
    "report_data_notes": ("How the data was read", "数据读取说明"),
    "report_method": ("How this was computed, and caveats", "计算方法与注意事项"),
    "report_files": ("Files in this folder", "本文件夹中的文件"),
    "report_share": ("Share", "占比"),
    "report_none": ("None.", "无。"),
    "report_method_as_of": ("All figures are as of {as_of}; nothing after that date was used.",
                            "所有数字均以 {as_of} 为基准日，未使用该日之后的数据。"),
    "report_method_tiers": ("Tiers (key, important, general) rank customers by a blended score of revenue, number of orders and margin.",
                            "客户分级（关键、重点、一般）按销售额、订单数和毛利的综合得分排序划分。"),
    "report_method_risk": ("Churn risk (0-100) adds up warning signs measured against each customer's own buying rhythm; "
                           "{threshold:.0f} or more counts as high.",
                           "流失风险（0-100）由相对于客户自身购买节奏的各项预警信号累加而成；不低于 {threshold:.0f} 视为高风险。"),
    "report_method_clv": ("CLV is each customer's expected gross margin over the next {horizon:.0f} days, discounted at "
                          "{discount:.0%} a year: purchases expected by the BG/NBD model times the spend per purchase expected by "
                          "the Gamma-Gamma model (playbook.value.expected_margin), times the margin share. It does not use the "
                          "risk score.",
                          "终身价值为每位客户未来 {horizon:.0f} 天的预期毛利，按年 {discount:.0%} 折现：BG/NBD 模型预期的购买次数"
                          "乘以 Gamma-Gamma 模型预期的单次消费额（playbook.value.expected_margin），再乘以毛利率。不使用风险分。"),
    "report_method_clv_fallback": ("CLV is each customer's margin of the last 365 days, carried over the next {horizon:.0f} days "
                                   "and discounted at {discount:.0%} a year, because the BG/NBD + Gamma-Gamma model could not be "
                                   "used: {reason}. It does not use the risk score.",
                                   "终身价值为每位客户近 365 天的毛利，延续到未来 {horizon:.0f} 天并按年 {discount:.0%} 折现，"
                                   "因为无法使用 BG/NBD + Gamma-Gamma 模型：{reason}。不使用风险分。"),
    "report_method_margin_column": ("Margin comes from the orders' margin column (each customer's own margin share of revenue).",
                                    "毛利取自订单中的毛利列（每位客户自身的毛利占销售额比例）。"),
    "report_method_margin_ignored": ("The margin rate given was ignored because the orders have a margin column.",
                                     "订单中有毛利列，因此忽略了所给的毛利率。"),
    "report_method_no_margin": ("The orders have no margin column, so margin is taken as {rate:.0%} of revenue (an assumption: "
                                "give your own with --margin-rate, or map a margin column with --map margin=...).",
                                "订单中没有毛利列，因此毛利按销售额的 {rate:.0%} 计算（这是一个假设：可用 --margin-rate 指定，"
                                "或用 --map margin=... 映射毛利列）。"),
    "report_method_orders_only": ("Only orders were given: stages, risk and strategies come from buying behaviour alone (no "
                                  "complaints, surveys or contact records). Without contact records the last contact is taken to be "
                                  "the customer's first order, so most active customers show as overdue until contacts are recorded.",
                                  "只提供了订单数据：阶段、风险和策略仅依据购买行为（没有投诉、调查或联系记录）。没有联系记录时，"
                                  "上次联系按客户首次下单计算，因此在记录联系之前，大多数活跃客户都会显示为逾期。"),
    "report_method_strategy": ("Each customer gets the first rule of the strategy table that fits (playbook.strategy.STRATEGY_TABLE); "
                               "the reason column says why.",
                               "每位客户采用策略表中第一条符合的规则（playbook.strategy.STRATEGY_TABLE）；原因一列说明理由。"),
    "report_file_csv": ("the action list for a spreadsheet (UTF-8 with BOM; text starting with = + - @ is prefixed with ')",
                        "行动清单，供电子表格使用（带 BOM 的 UTF-8；以 = + - @ 开头的文字前加了 '）"),
    "report_file_parquet": ("the same list with values as they are, for scripts", "同一清单，保留原始值，供脚本使用"),
    "report_file_json": ("the headline figures, input checksum and row counts, for scripts", "概览数字、输入文件校验值与行数，供脚本使用"),
})



def _png(draw, size=(7.5, 4)) -> str:
    """Draw with ``draw(ax)`` on a new figure (outside pyplot, so nothing leaks); the PNG as base64 text."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    draw(fig.subplots())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(rows: pd.DataFrame, numeric=()) -> dict:
    """A table of already formatted values for the template: headers, rows, and which columns are numeric."""
    return {"columns": [str(c) for c in rows.columns], "rows": [[str(v) for v in r] for r in rows.itertuples(index=False)],
            "numeric": {i for i, c in enumerate(rows.columns) if c in numeric}}


def _as_html_text(value):
    """How the template writes every ``{{ value }}``: escaped as :func:`html.escape` does (``&quot;`` and ``&#x27;``
    for quotes, as the pages written before the template did), unless it is already markup (a macro's output)."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


@functools.cache
def _template():
    """The page template (``playbook/templates/report.html.j2``), loaded once, with HTML autoescaping.

    Autoescaping is on for the template, and ``finalize`` makes every value pass through one escape
    (:func:`_as_html_text`) before it is written, so neither this module nor the template escapes
    anything by hand; ``StrictUndefined`` turns a misspelt field into an error instead of an empty cell.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("playbook", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
                      finalize=_as_html_text, keep_trailing_newline=True)
    return env.get_template("report.html.j2")


def _money(v) -> str:
    return "" if pd.isna(v) else f"{v:,.0f}"


def _day(v) -> str:
    return "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


def _thin(table: pd.DataFrame, points: int = 2000) -> pd.DataFrame:
    """Evenly spaced rows of a ranked table: the curve looks the same, drawing stays fast."""
    if len(table) <= points:
        return table
    return table.iloc[_thin_rows(len(table), points)]


def _thin_rows(n: int, points: int = 2000) -> np.ndarray:
    """The positions :func:`_thin` keeps of ``n`` rows (all of them up to ``points``)."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, points).round().astype(int))


def pareto_curve_rows(ranked: np.ndarray, total: float) -> pd.DataFrame:
    """``_thin(pareto_table(...))[["revenue", "share_of_customers", "cum_share_of_value"]]`` from the customers' revenue
    sorted biggest first (``ranked``) and its sum in that order (``total``): what the Pareto chart draws, without
    a table of every customer (the cumulative sum is the same sequence of additions as ``pareto_table``'s)."""
    rows = _thin_rows(len(ranked))
    return pd.DataFrame({"revenue": ranked[rows], "share_of_customers": (rows + 1) / len(ranked),
                         "cum_share_of_value": np.cumsum(ranked)[rows] / total})


def inputs_of(analysis: Analysis, action_revenue: np.ndarray | None = None) -> ReportInputs:
    """The :class:`ReportInputs` of a full :class:`~playbook.analyze.Analysis` (its tables in the action list's order);
    ``action_revenue``: each action's revenue when the caller has it (else joined from ``analysis.customers``)."""
    return ReportInputs(summary=analysis.summary, lang=analysis.lang, actions=analysis.actions,
                        order=np.arange(len(analysis.actions)),
                        action_revenue=_revenue_by_action(analysis) if action_revenue is None else action_revenue,
                        curve=_thin(analysis.customers), risk=_risk_column(analysis.risk), rfm=analysis.rfm,
                        plan=analysis.plan)


def _risk_column(risk: pd.DataFrame) -> pd.DataFrame:
    """The ``risk`` column of a risk table, with the table's attrs."""
    out = risk[["risk"]]
    out.attrs = dict(risk.attrs)
    return out


def _revenue_by_action(analysis: Analysis) -> np.ndarray:
    """``analysis.customers["revenue"].reindex(analysis.actions.index).to_numpy()``, found with one Arrow hash
    look-up when both indexes are text and every action's customer is found exactly once (a permutation, which
    also proves the customers' index unique, so ``reindex`` would not have refused it); otherwise ``reindex`` itself."""
    revenue, ids = analysis.customers["revenue"], analysis.actions.index
    if (isinstance(ids.dtype, pd.StringDtype) and isinstance(revenue.index.dtype, pd.StringDtype)
            and len(ids) == len(revenue) and not isinstance(ids, pd.MultiIndex)):
        import pyarrow as pa
        import pyarrow.compute as pc

        where = pc.index_in(pa.array(ids.array), value_set=pa.array(revenue.index.array))
        if where.null_count == 0:
            where = where.to_numpy()
            if np.bincount(where, minlength=len(ids)).max(initial=0) <= 1:
                return revenue.to_numpy()[where]
    return revenue.reindex(ids).to_numpy()


def _top_customers(actions: pd.DataFrame, order: np.ndarray, revenue: np.ndarray) -> pd.DataFrame:
    """``actions.take(order).assign(revenue=revenue[order]).sort_values(["clv", "revenue"], ascending=False,
    kind="stable").head(TOP_N)``, sorting only the rows that can be among the first: those with a CLV at least the
    TOP_N-th largest (ties kept), taken in the action list's order (``order``), so the stable sort of those rows
    puts them exactly as the sort of all rows does."""
    clv = actions["clv"]
    rows = None
    if clv.dtype == np.float64:
        values = clv.to_numpy()
        known = values[~np.isnan(values)]
        if len(known) > TOP_N:
            cut = np.partition(known, len(known) - TOP_N)[len(known) - TOP_N]
            rows = order[np.flatnonzero(values[order] >= cut)]
    if rows is None:
        rows = order
    return (actions.iloc[rows].assign(revenue=revenue[rows])
            .sort_values(["clv", "revenue"], ascending=False, kind="stable").head(TOP_N))


def _most_overdue(plan: pd.DataFrame) -> pd.DataFrame:
    """``overdue_contacts(plan).head(TOP_N)`` (overdue rows by tier, then most days overdue, stable), computed
    on the overdue rows that can be among the first: every row of the tiers before the one where TOP_N is
    reached, and of that tier those at least as late as its last one needed (ties kept)."""
    from .strategy import overdue_contacts

    cols = ("tier", "days_overdue", "overdue")
    if (all(c in plan.columns for c in cols) and isinstance(plan["tier"].dtype, pd.CategoricalDtype)
            and plan["days_overdue"].dtype == np.int64 and plan["overdue"].dtype == bool):
        rows = np.flatnonzero(plan["overdue"].to_numpy())
        if len(rows) > TOP_N:
            codes = plan["tier"].cat.codes.to_numpy().astype(np.int64)[rows]
            codes[codes < 0] = len(plan["tier"].cat.categories)  # missing tiers sort last
            days = plan["days_overdue"].to_numpy()[rows]
            before = np.cumsum(np.bincount(codes))
            last = int(np.searchsorted(before, TOP_N))  # the tier in which the TOP_N-th row falls
            need = TOP_N - (int(before[last - 1]) if last else 0)
            in_last = days[codes == last]
            cut = np.partition(in_last, len(in_last) - need)[len(in_last) - need]
            rows = rows[(codes < last) | ((codes == last) & (days >= cut))]
            return overdue_contacts(plan.iloc[rows]).head(TOP_N)
    return overdue_contacts(plan).head(TOP_N)


def report_html(analysis: Analysis, *, source: str | None = None) -> str:
    """The report page of an :class:`~playbook.analyze.Analysis` as one self-contained HTML string.

    Sections: headline, 80/20, tiers, RFM segments, churn risk, strategy mix, overdue
    follow-ups, top customers, how the data was read, how it was computed. Only summaries
    and short top lists are shown, so the page stays small for a million customers.

    Parameters
    ----------
    analysis : Analysis
        From :func:`playbook.analyze.build_analysis`; its ``lang`` sets the language.
    source : str, optional
        Name of the input file, shown in the header.

    Returns
    -------
    str

    Examples
    --------
    >>> import playbook
    >>> from playbook.analyze import build_analysis
    >>> page = report_html(build_analysis(playbook.load_dataset("b2b"), lang="zh"))
    >>> page.startswith('<!DOCTYPE html>') and '<html lang="zh">' in page and "<script" not in page
    True
    """
    from concurrent.futures import ThreadPoolExecutor

    # the revenue of each action's customer is joined (Arrow's work, outside Python's lock) while seaborn is imported
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="playbook-report") as pool:
        made = pool.submit(inputs_of, analysis)
        return page_html(made.result, source=source)


def page_html(inputs: ReportInputs | Callable[[], ReportInputs], *, source: str | None = None) -> str:
    """:func:`report_html` from its :class:`ReportInputs` (or a callable giving them, called once the chart theme
    is loaded)."""
    import matplotlib as mpl

    with mpl.rc_context():  # the kit's theme for these charts only; the caller's settings come back after
        from .charts import set_theme

        set_theme()
        return _page(inputs() if callable(inputs) else inputs, source)


def prepare_drawing() -> None:
    """Do ahead of :func:`page_html` what its first call would: import matplotlib (with its PNG canvas), seaborn
    and the template, and find the chart font (:mod:`playbook.report_process` runs this while the orders are read)."""
    import matplotlib as mpl
    from matplotlib.backends import backend_agg  # noqa: F401  (the canvas savefig uses for PNG)

    with mpl.rc_context():
        from .charts import set_theme

        set_theme()
    _template()


def _page(analysis: ReportInputs, source: str | None) -> str:
    from . import charts
    from .rfm import segment_label

    lang, s = analysis.lang, analysis.summary

    def L(key: str) -> str:  # noqa: N802  (short: used on every heading and column)
        return label(key, lang)

    def figure(png: str, alt: str) -> dict:
        return {"png": png, "alt": alt}

    n = s["customers"]
    sub = [f"{L('report_as_of')}: {s['as_of']}"]
    if source:
        sub.insert(0, f"{L('report_input')}: {source}")
    cards = [(f"{n:,}", L("customers")), (f"{s['orders']:,}", L("orders")), (_money(s["revenue"]), L("revenue")),
             (f"{s['first_order']} – {s['last_order']}", L("report_period")), (s["as_of"], L("report_as_of"))]

    p = s["pareto"]
    text = L("report_pareto_text").format(share=0.2, value=p["top_20_percent_revenue_share"],
                                          reach=p["customers_share_for_80_percent_revenue"], gini=p["gini"])
    png = _png(lambda ax: charts.pareto_curve(analysis.curve, ax=ax, lang=lang))
    pareto = {"text": text, "figure": figure(png, text)}

    tiers = pd.DataFrame([(L(t), f"{v['customers']:,}", f"{v['customers'] / n:.0%}", _money(v["revenue"]),
                           "" if v["revenue_share"] is None else f"{v['revenue_share']:.0%}") for t, v in s["tiers"].items()],
                         columns=[L("tier"), L("customers"), L("share_of_customers"), L("revenue"), L("share_of_revenue")])
    order, revenue = analysis.order, analysis.action_revenue
    tier_data = pd.DataFrame({"tier": analysis.actions["tier"].array.take(order), "revenue": revenue[order]})
    alt = "; ".join(f"{a}: {b} / {c}" for a, _, b, _, c in tiers.itertuples(index=False))
    png = _png(lambda ax: charts.tier_bars(tier_data, ax=ax, lang=lang))
    tier_section = {"table": _table(tiers, numeric=tiers.columns[1:]),
                    "figure": figure(png, L("share_of_customers") + " / " + L("share_of_revenue") + ": " + alt)}

    rfm = analysis.rfm
    seg = pd.DataFrame({L("rfm_segment"): [segment_label(x, lang) for x in rfm.index],
                        L("customers"): [f"{int(v):,}" for v in rfm["customers"]],
                        L("share_of_customers"): [f"{v:.0%}" for v in rfm["share"]],
                        L("share_of_revenue"): ["" if pd.isna(v) else f"{v:.0%}" for v in rfm["revenue_share"]]})
    png = _png(lambda ax: charts.segment_bars(rfm, ax=ax, lang=lang), size=(7.5, 4.8))
    rfm_section = {"table": _table(seg, numeric=seg.columns[1:]),
                   "figure": figure(png, L("report_rfm") + ": " + L("share_of_customers") + " / " + L("share_of_revenue"))}

    c = s["churn"]
    text = L("report_high_risk").format(n=c["high_risk"], share=c["high_risk"] / n, threshold=c["threshold"], mean=c["mean_risk"])
    png = _png(lambda ax: charts.risk_distribution(analysis.risk, ax=ax, lang=lang))
    churn = {"text": text, "reasons_heading": L("report_top_reasons"),
             "reasons": [f"{L('signal_' + k)}: {v:,}" for k, v in c["top_reasons"].items()], "figure": figure(png, text)}

    mix = "; ".join(f"{L(k)}: {v:,}" for k, v in s["strategies"].items())
    png = _png(lambda ax: charts.strategy_mix(analysis.actions, ax=ax, lang=lang))
    strategy_mix = {"figure": figure(png, L("strategy") + ": " + mix)}

    f = s["follow_up"]
    by_tier = pd.DataFrame([(L(t), f"{k:,}") for t, k in f["overdue_by_tier"].items()], columns=[L("tier"), L("overdue")])
    late = _most_overdue(analysis.plan)
    late_rows = pd.DataFrame({L("customer_id"): late.index.astype(str), L("tier"): [L(str(t)) for t in late["tier"]],
                              L("last_contact"): [_day(v) for v in late["last_contact"]],
                              L("next_contact"): [_day(v) for v in late["next_contact"]],
                              L("days_overdue"): [f"{int(v):,}" for v in late["days_overdue"]]})
    overdue = {"text": L("report_overdue_text").format(overdue=f["overdue"], planned=f["planned"]),
               "by_tier": _table(by_tier, numeric=by_tier.columns[1:]), "most_overdue": L("report_most_overdue"),
               "late": _table(late_rows, numeric=late_rows.columns[-1:]) if len(late) else None}

    top = _top_customers(analysis.actions, order, revenue)
    top_rows = pd.DataFrame({L("customer_id"): top.index.astype(str), L("tier"): [L(str(t)) for t in top["tier"]],
                             L("revenue"): [_money(v) for v in top["revenue"]], L("clv"): [_money(v) for v in top["clv"]],
                             L("risk_score"): [f"{v:.0f}" for v in top["risk"]], L("strategy"): [L(str(v)) for v in top["strategy"]],
                             L("next_contact"): [_day(v) for v in top["next_contact"]], L("action"): top["reason"].astype(str)})

    method = [L("report_method_as_of").format(as_of=s["as_of"]), L("report_method_tiers"),
              L("report_method_risk").format(threshold=c["threshold"]), L("report_method_strategy")]
    clv = s.get("clv") or {}
    horizon, discount = clv.get("horizon_days", 365), clv.get("discount", 0.1)
    if clv.get("fallback_reason"):
        method.append(L("report_method_clv_fallback").format(horizon=horizon, discount=discount, reason=clv["fallback_reason"]))
    else:
        method.append(L("report_method_clv").format(horizon=horizon, discount=discount))
    if clv.get("margin_source") == "margin rate":
        method.append(L("report_method_no_margin").format(rate=clv["margin_rate"]))
    else:
        method.append(L("report_method_margin_column"))
        if clv.get("margin_rate_ignored"):
            method.append(L("report_method_margin_ignored"))
    if s["tables"] == ["orders"]:
        method.append(L("report_method_orders_only"))

    files = [("action_list.csv", L("report_file_csv")), ("action_list.parquet", L("report_file_parquet")),
             ("summary.json", L("report_file_json"))]
    headings = {"headline": L("report_headline"), "pareto": L("pareto"), "tiers": L("report_tiers"), "rfm": L("report_rfm"),
                "churn": L("churn_risk"), "strategy_mix": L("report_strategy_mix"), "overdue": L("report_overdue"),
                "top": L("report_top_clv"), "data_notes": L("report_data_notes"), "method": L("report_method"),
                "files": L("report_files")}
    return _template().render(
        lang=lang, title=L("report_title"), subtitle=" · ".join(sub), cards=cards, h=headings, none_text=L("report_none"),
        pareto=pareto, tiers=tier_section, rfm=rfm_section, churn=churn, strategy_mix=strategy_mix, overdue=overdue,
        top=_table(top_rows, numeric=top_rows.columns[2:5]), notes=[str(x) for x in s["notes"]], method=method, files=files)
