"""What every explorer shares: the :class:`Explorer` base class (language, output, controls that
redraw, display), captions in both languages, figure sizes, clearing the output, and finding and
moving the controls (for tests and the widget benchmark)."""
from __future__ import annotations

from contextlib import contextmanager

from ..i18n import LABELS, label, register_labels, resolve_lang

__all__ = ["Explorer", "clear_output", "controls", "next_value", "figsize", "new_figure", "show", "caption", "localized_table",
           "WIDGET_LABELS", "TABLE_LABELS"]

#: Captions of the controls and outputs of the explorers, ``key: (english, chinese)``;
#: ``{}`` fields are filled in by the explorer.
WIDGET_LABELS = {
    "ui_dataset": ("Dataset", "数据集"),
    "ui_customer": ("Customer", "客户"),
    "ui_n_orders_short": ("{} orders", "{} 单"),
    "ds_retail": ("Retail shop (retail)", "零售商店 (retail)"),
    "ds_b2b": ("B2B manufacturer (b2b)", "B2B 制造商 (b2b)"),
    "ds_retail_zh": ("Retail shop, Chinese names (retail_zh)", "零售商店，中文姓名 (retail_zh)"),
    "ds_messy_export": ("Messy export (messy_export)", "杂乱的导出文件 (messy_export)"),
    "ui_n_customers": ("Customers", "客户数"),
    "ui_gap_days": ("Mean days between purchases", "平均购买间隔（天）"),
    "ui_dropout_pct": ("Chance of leaving after a purchase (%)", "每次购买后离开的概率（%）"),
    "ui_seed": ("Seed", "随机种子"),
    "ui_top20": ("top 20% bring {:.0%} of revenue", "前 20% 的客户贡献 {:.0%} 的销售额"),
    "ui_key_cut": ("Key: top share of customers", "关键客户：排名前百分比"),
    "ui_important_cut": ("Key + important: top share", "关键 + 重点客户：排名前百分比"),
    "ui_as_of": ("As of", "截至日期"),
    "ui_bins": ("Score bins", "评分档数"),
    "ui_rfm_title": ("{}: {:,} customers", "{}：{:,} 位客户"),
    "ui_date": ("Date", "日期"),
    "ui_discount_threshold": ("Discount-share threshold", "折扣订单占比阈值"),
    "ui_type": ("Type", "客户类型"),
    "ui_macro": ("macro", "宏平均"),
    "ui_leader": ("Leader", "意见领袖"),
    "ui_leader_title": ("{}: {} customers down the tree; {:,.0f} at stake ({:.2%} of revenue)",
                        "{}：推荐树上 {} 位客户；随之流失的销售额 {:,.0f}（占 {:.2%}）"),
    "ui_all_weights_zero": ("Give at least one indicator a weight above zero.", "请至少给一个指标大于零的权重。"),
    "ui_quarter": ("Quarter", "季度"),
    "ui_alarm_at": ("Alarm at risk ≥", "风险 ≥ 时报警"),
    "ui_horizon_months": ("Horizon (months)", "预测期（月）"),
    "ui_annual_discount": ("Annual discount rate", "年折现率"),
    "ui_clv_title": ("{}: {} months, {:.0%}/yr; total {:,.0f}", "{}：{} 个月，年折现率 {:.0%}；合计 {:,.0f}"),
    "ui_dropout_factor": ("Dropout factor (1 = no effect)", "流失系数（1 = 无效果）"),
    "ui_cost_per_target": ("Cost per targeted customer", "每位目标客户的成本"),
    "ui_program_title": ("{}: +{} kept", "{}：多保持 {} 人"),
    "ui_analysis": ("Analysis", "分析"),
    "ui_analysis_summarize": ("Summary per customer (summarize)", "客户汇总 (summarize)"),
    "ui_analysis_tiers": ("Tiers (tiers)", "客户分级 (tiers)"),
    "ui_analysis_rfm": ("RFM scores (rfm)", "RFM 评分 (rfm)"),
    "ui_analysis_lifecycle": ("Lifecycle stage (lifecycle)", "生命周期阶段 (lifecycle)"),
    "ui_analysis_churn": ("Churn risk (churn)", "流失风险 (churn)"),
    "ui_analysis_satisfaction": ("Satisfaction indicators (satisfaction)", "满意度指标 (satisfaction)"),
    "ui_account": ("Account", "客户账户"),
    "ui_recap_in": ("Recap in", "回顾语言"),
    "ui_no_won_deal": ("{}: no won deal yet.", "{}：尚无赢单。"),
    "ui_alarm_below": ("Alarm below % of before", "报警：低于上季 %"),
    "ui_days": ("{} days", "{} 天"),
    "ui_window": ("Window", "比较窗口"),
    "ui_last_days": ("last {} days", "最近 {} 天"),
    "ui_days_before": ("{} days before", "之前 {} 天"),
    "ui_watch_title": ("{0}: {1} of the {2} biggest key accounts fell below {3:.0%} of the {4} days before",
                       "{0}：{2} 个大客户中有 {1} 个低于之前 {4} 天的 {3:.0%}"),
    "ui_visit": ("Visit this quarter: {}", "本季应拜访：{}"),
    "ui_clv_summary": ("CLV {:,.0f}, net of acquisition {:,.0f}; cohort NPV over {} periods {:,.0f}",
                       "客户终身价值 {:,.0f}, 扣除获客成本 {:,.0f}; {} 期累计净现值 {:,.0f}"),
    "ui_years": ("Years", "年"),
    "ui_quarters": ("Quarters", "季度"),
    "ui_periods": ("Periods", "期间"),
    "ui_number_vs_quality": ("Number vs quality", "数量与质量"),
    "ui_quality_signs": ("Quality signs", "质量指标"),
    "ui_show": ("Show", "显示"),
    "ui_share_or_ratio": ("share / × first period", "占比 / 相对首期倍数"),
    "ui_quality_title": ("Quality signs of the active customers", "活跃客户的质量指标"),
    "ui_fast_within": ("Fast = within days", "快速 = 天内"),
}
register_labels(WIDGET_LABELS)

#: Headers and codes of the tables the explorers show, where no topic module labels them
#: (registered only when absent, so a topic module's own label always wins).
TABLE_LABELS = {
    "contact_id": ("Contact", "联系人编号"), "name": ("Name", "姓名"), "role": ("Role", "角色"),
    "attitude": ("Attitude", "态度"), "neutral": ("Neutral", "中立"), "purchaser": ("Purchaser", "采购员"),
    "technical_evaluator": ("Technical evaluator", "技术评估者"), "user": ("User", "使用者"),
    "gatekeeper": ("Gatekeeper", "把关者"), "influencer": ("Influencer", "影响者"),
    "opportunity_id": ("Deal", "商机编号"), "opened_at": ("Opened", "立项日期"), "stage": ("Stage", "阶段"),
    "expected_value": ("Expected value", "预期金额"), "quote_vs_competitor": ("Quote vs competitor", "报价相对竞争对手"),
    "outcome": ("Outcome", "结果"), "won": ("Won", "赢单"), "lost": ("Lost", "丢单"), "open": ("Open", "进行中"),
    "capacity_expansion": ("Capacity expansion", "扩大产能"), "equipment_ageing": ("Ageing equipment", "设备老化"),
    "leadership_change": ("Leadership change", "领导层变动"), "new_plant": ("New plant", "新建工厂"),
    "new_regulation": ("New regulation", "新法规"), "quality_issue": ("Quality issue", "质量问题"),
    "risk": ("Risk", "风险"), "reasons": ("Reasons", "原因"),
}
register_labels({k: v for k, v in TABLE_LABELS.items() if LABELS.get(k, v) == v})


def caption(key: str, lang: str, *values) -> str:
    """The caption ``key`` in ``lang``, with ``values`` filled into its ``{}`` fields.

    >>> caption("ui_top20", "zh", 0.8)
    '前 20% 的客户贡献 80% 的销售额'
    """
    text = label(key, lang)
    return text.format(*values) if values else text


def localized_table(table, lang: str):
    """``table`` as shown in ``lang``: in Chinese, headers and code values (``"won"``, ``"opponent"``) become labels.

    English tables are shown as they are, with their snake_case headers.

    >>> import pandas as pd
    >>> shown = localized_table(pd.DataFrame({"tier": ["key"], "revenue": [1.0]}, index=pd.Index(["A1"], name="customer_id")), "zh")
    >>> shown.columns.tolist(), shown.index.name, shown.iloc[0, 0]
    (['客户分级', '销售额'], '客户编号', '关键客户')
    """
    if lang == "en":
        return table
    import pandas as pd

    shown = table.copy()
    for col in shown.columns:
        values = shown[col]
        if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values):
            shown[col] = values.astype(object).map(lambda v: label(v, lang) if isinstance(v, str) else v)
    shown.index = shown.index.set_names([None if n is None else label(str(n), lang) for n in shown.index.names])
    return shown.rename(columns=lambda c: label(str(c), lang))


def new_figure(*args, **kwargs):
    """``plt.subplots(*args, **kwargs)`` for an explorer's redraw, painted once: when it is shown.

    seaborn's heatmap forces a full draw of the figure to check whether tick labels
    overlap; on this figure that draw only lays out (positions and text sizes, which is all
    the check reads) without painting pixels, so the same picture costs one paint instead
    of one per heatmap. :func:`show` puts the normal draw back before the figure is shown.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(*args, **kwargs)
    fig.canvas.draw = fig.draw_without_rendering
    return fig, axes


def show(fig) -> None:
    """Show a :func:`new_figure` in the current output (the notebook's backend paints it), then close it."""
    import matplotlib.pyplot as plt

    vars(fig.canvas).pop("draw", None)
    plt.show()
    plt.close(fig)


def figsize(width: float, height: float) -> tuple[float, float]:
    """An explorer's figure size, a third larger in presentation mode (``PLAYBOOK_PRESENT=1``).

    >>> figsize(9, 3) in [(9, 3), (11.7, 3.9)]
    True
    """
    from ..charts._theme import presenting

    return (round(width * 1.3, 2), round(height * 1.3, 2)) if presenting() else (width, height)


def clear_output(output) -> None:
    """Clear an Output widget inside a kernel; outside one (scripts, doctests) it prints escape codes."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        output.clear_output(wait=True)


def controls(explorer) -> dict:
    """The controls a user can move on an explorer, by attribute name (``sliders[key]`` for a dict of them).

    Every input widget the explorer keeps as an attribute counts; Output and container
    widgets do not. Tests and the widget benchmark use this to cover every explorer.

    >>> from playbook.widgets import TierExplorer
    >>> import playbook
    >>> base = playbook.load_dataset("b2b")
    >>> list(controls(TierExplorer(playbook.summarize(base.orders, base.as_of))))
    ['key', 'important']
    """
    from ipywidgets import ValueWidget

    found = {}
    for name, value in vars(explorer).items():
        if isinstance(value, ValueWidget):
            found[name] = value
        elif isinstance(value, dict):
            found.update({f"{name}[{k}]": v for k, v in value.items() if isinstance(v, ValueWidget)})
    return found


def next_value(control):
    """The value a user would move ``control`` to next: the next option, or one step up (down at the top).

    >>> import ipywidgets as w
    >>> next_value(w.IntSlider(value=10, min=0, max=10, step=2)), next_value(w.Dropdown(options=["a", "b"]))
    (8, 'b')
    """
    values = getattr(control, "_options_values", None)
    if values is not None:
        return values[(values.index(control.value) + 1) % len(values)]
    step = getattr(control, "step", None) or 1
    up = control.value + step
    if getattr(control, "max", None) is not None and up > control.max:
        return control.value - step
    return up


class Explorer:
    """The wiring every explorer shares, written once.

    An explorer speaks ``lang`` (default: the kit's language), draws into ``output`` (an
    ipywidgets Output), keeps what it last drew in ``shown`` so a notebook or a test can
    check that moving a control changed the picture, and shows ``widget`` when a notebook
    displays it. A subclass:

    1. calls ``super().__init__(lang=lang)`` first, then builds its controls as attributes;
    2. ends its ``__init__`` with ``self._start(row, row, ..., watch=...)``: the rows are laid
       out above the output, every control in ``watch`` (default: all of them, as
       :func:`controls` finds them) redraws on change, and the first picture is drawn;
    3. writes :meth:`update`, which fills ``shown`` and draws inside ``with self._redraw():``.

    Examples
    --------
    >>> import ipywidgets as w
    >>> class Doubler(Explorer):
    ...     def __init__(self, *, lang=None):
    ...         super().__init__(lang=lang)
    ...         self.seed = w.IntSlider(value=1, description=caption("ui_seed", self.lang))
    ...         self._start(self.seed)
    ...     def update(self):
    ...         self.shown = {"double": 2 * self.seed.value}
    ...         with self._redraw():  # a chart would be drawn here
    ...             self.output.append_stdout(f"{self.shown['double']}\\n")
    >>> explorer = Doubler(lang="zh")
    >>> explorer.seed.value = 4
    >>> explorer.shown["double"], explorer.seed.description
    (8, '随机种子')
    """

    def __init__(self, *, lang: str | None = None):
        import ipywidgets as w

        self.lang = resolve_lang(lang, type(self).__name__)
        self.output = w.Output()
        self.shown: dict = {}

    def _start(self, *rows, watch=None, widget=None) -> None:
        """Lay out ``rows`` above the output (or take ``widget`` as the whole layout), redraw when a
        control in ``watch`` changes (default: every control), and draw the first picture."""
        import ipywidgets as w

        for control in (controls(self).values() if watch is None else watch):
            control.observe(self._on_change, names="value")
        self.widget = widget if widget is not None else w.VBox([*rows, self.output])
        self.update()

    def _on_change(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Recompute for the current controls, fill ``shown`` and redraw; each explorer writes its own."""
        raise NotImplementedError(f"{type(self).__name__} must define update().")

    @contextmanager
    def _redraw(self):
        """Clear the output, then capture what the body draws or prints into it."""
        clear_output(self.output)
        with self.output:
            yield

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
