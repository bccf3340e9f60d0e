"""English and Chinese labels for concepts, columns and values.

Columns and codes stay snake_case English; people read labels. ``label("churn_risk",
"zh")`` gives the Chinese, and :func:`use` (or :func:`set_language`) switches the kit's
default. The environment variable ``PLAYBOOK_LANG`` (``en`` or ``zh``) sets the language
the kit starts in, so ``PLAYBOOK_LANG=zh jupyter lab`` opens every notebook in Chinese.
"""
from __future__ import annotations

import os

__all__ = ["LABELS", "LANGUAGES", "ENV_VAR", "label", "use", "set_language", "get_language", "labels_for",
           "label_group", "register_labels", "language_from_env", "resolve_lang"]

LANGUAGES = ("en", "zh")
#: The environment variable that sets the starting language.
ENV_VAR = "PLAYBOOK_LANG"


def language_from_env(environ=None) -> str:
    """The starting language: ``$PLAYBOOK_LANG`` when set (``en`` or ``zh``), else ``"en"``.

    >>> language_from_env({"PLAYBOOK_LANG": "zh"}), language_from_env({})
    ('zh', 'en')
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not value:
        return "en"
    if value not in LANGUAGES:
        from .errors import InvalidArgumentError

        raise InvalidArgumentError(f"The environment variable {ENV_VAR} must be one of {', '.join(LANGUAGES)} "
                                   f"(or unset for English). Got {value!r}; unset it or set {ENV_VAR}=zh for Chinese.")
    return value


_state = {"lang": language_from_env()}

#: The modules ``import playbook`` loaded eagerly before its names became lazy, in that order.
#: Each registers its labels at import, so a label asked for before its module was imported
#: loads them (:func:`_registered`): a label never silently falls back to its key for that reason.
_TOPIC_MODULES = ("accounts", "byod", "churn", "course", "customer_types", "data", "economics", "errors", "influence",
                  "lifecycle", "rfm", "satisfaction", "strategy", "segment", "value")
_loaded: list[bool] = []


def _registered(key: str) -> bool:
    """Whether ``key`` is a label, after importing the topic modules once if it is not yet."""
    if key in LABELS:
        return True
    if not _loaded:
        _loaded.append(True)
        import importlib

        for name in _TOPIC_MODULES:
            importlib.import_module(f"{__package__}.{name}")
    return key in LABELS

LABELS: dict[str, tuple[str, str]] = {
    # CRM dimensions and big ideas
    "retention": ("Customer retention", "客户保持"),
    "key_customer_management": ("Key-customer management", "核心客户管理"),
    "select": ("Select customers", "选择客户"),
    "acquire": ("Acquire customers", "获取客户"),
    "retain": ("Retain customers", "保持客户"),
    "expand": ("Expand customer value", "拓展客户"),
    # customer vs consumer, personas, orientation
    "customer": ("Customer (buyer)", "客户"),
    "consumer": ("Consumer (user)", "消费者"),
    "persona": ("Behavioural type", "客户类型"),
    "loyal": ("Loyal", "忠诚型"),
    "discount_driven": ("Discount-driven", "折扣型"),
    "impulse": ("Impulse", "冲动型"),
    "need_based": ("Need-based", "需求导向型"),
    "wanderer": ("Wanderer", "徘徊者"),
    "high_volume": ("High-volume", "高消费量"),
    "future_high_value": ("Future high lifetime value", "未来高终身价值"),
    "benchmark": ("Benchmark", "标杆型"),
    "pioneer": ("Pioneer", "开拓者"),
    "motivator": ("Motivator", "激励型"),
    "orientation": ("Orientation", "客户导向"),
    "cost": ("Cost-oriented", "成本导向"),
    "value": ("Value-oriented", "价值导向"),
    "technology": ("Technology-oriented", "技术导向"),
    # opinion leaders
    "leader_role": ("Opinion-leader role", "意见领袖角色"),
    "opinion_leader": ("Opinion leader", "意见领袖"),
    "product_expert": ("Product expert", "产品专家"),
    "bridge": ("Bridge to other customers", "沟通桥梁"),
    "gold_salesperson": ("Gold salesperson", "金牌推销员"),
    "none": ("None", "无"),
    # tiers and 80/20
    "pareto": ("80/20 rule", "二八法则"),
    "key_account": ("Key account", "大客户"),
    "key": ("Key", "关键客户"),
    "important": ("Important", "重点客户"),
    "general": ("General", "一般客户"),
    "tier": ("Tier", "客户分级"),
    # lifecycle and stages
    "lifecycle": ("Customer lifecycle", "客户生命周期"),
    "reach": ("Reach", "触达"),
    "acquisition": ("Acquisition", "获取"),
    "conversion": ("Conversion", "转化"),
    "loyalty": ("Loyalty", "激励"),
    "imagined": ("Imagined customer", "猜想客户"),
    "prospect": ("Prospect", "预期客户"),
    "first_purchase": ("First purchase", "首次成交"),
    "repeat": ("Repeat buyer", "重复购买"),
    "long_term": ("Long-term customer", "长期客户"),
    "advocate": ("Advocate", "拥护者"),
    "strategic_partner": ("Strategic partner", "战略合作"),
    "partner": ("Partner", "合伙人"),
    "lead_pool": ("Lead pool", "待分配客户"),
    # satisfaction and complaints
    "satisfaction": ("Satisfaction", "满意度"),
    "reputation": ("Product reputation", "美誉度"),
    "awareness": ("Brand awareness", "知名度"),
    "repurchase_rate": ("Repurchase rate", "回头率"),
    "complaint_rate": ("Complaint rate", "投诉率"),
    "spend_per_transaction": ("Spend per transaction", "单次交易购买额"),
    "price_sensitivity": ("Price sensitivity", "价格敏感度"),
    "exit_rate": ("Exit rate", "退出率"),
    "complaint": ("Complaint", "投诉"),
    "late_delivery": ("Late delivery", "交货延迟"),
    "quality_or_size": ("Wrong quality or size", "质量或规格不符"),
    "slow_after_sales": ("Slow after-sales service", "售后服务迟缓"),
    "other": ("Other", "其他"),
    # churn and value
    "churn": ("Churn", "客户流失"),
    "churn_risk": ("Churn risk", "流失风险"),
    "lack_of_care": ("Felt too little care", "缺乏关怀"),
    "service_failure": ("Service failure", "服务失误"),
    "competitor": ("Went to a competitor", "转投竞争对手"),
    "price": ("Price", "价格"),
    "moved_on": ("Moved on", "需求消失"),
    "clv": ("Customer lifetime value", "客户终身价值"),
    "switching_cost": ("Switching cost", "转换成本"),
    # strategies
    "strategy": ("Relationship strategy", "客户管理策略"),
    "build": ("Build", "建立"),
    "protect": ("Protect", "保护"),
    "re_engineer": ("Re-engineer", "重塑"),
    "enhance": ("Enhance", "增强"),
    "harvest": ("Harvest", "收获"),
    "end": ("End", "结束"),
    "win_back": ("Win back", "重新赢得"),
    # procurement stages
    "internal_need": ("Internal need", "内部需求"),
    "project_setup": ("Project set up", "确立项目"),
    "information_gathering": ("Information gathering", "收集信息"),
    "technical_screening": ("Technical screening", "技术筛选"),
    "project_evaluation": ("Project evaluation", "项目评估"),
    "final_decision": ("Final decision", "最终决策"),
    "after_sales": ("After-sales service", "后续服务"),
    "trigger_event": ("Trigger event", "触发事件"),
    "follow_up": ("Follow-up", "跟进"),
    "follow_up_cadence": ("Follow-up cadence", "跟进频率"),
    # columns and common words
    "customer_id": ("Customer", "客户编号"),
    "order_date": ("Order date", "下单日期"),
    "amount": ("Amount", "金额"),
    "revenue": ("Revenue", "销售额"),
    "margin": ("Margin", "毛利"),
    "discount": ("Discount", "折扣"),
    "orders": ("Orders", "订单"),
    "frequency": ("Repeat purchases", "重复购买次数"),
    "recency": ("Recency", "最近购买"),
    "monetary_value": ("Average repeat spend", "平均重复消费额"),
    "days_since_last": ("Days since last order", "距上次购买天数"),
    "n_orders": ("Number of orders", "订单数"),
    "date": ("Date", "日期"),
    "event": ("Event", "事件"),
    "order": ("Order", "订单"),
    "browse": ("Browsing session", "浏览"),
    "visit": ("Visit", "拜访"),
    "call": ("Call", "电话"),
    "suggestion": ("Suggestion", "建议"),
    "review": ("Review", "评价"),
    "reference": ("Served as reference", "充当标杆案例"),
    "survey": ("Survey", "调查"),
    "referral": ("Referral", "推荐"),
    "share_of_customers": ("Share of customers", "客户占比"),
    "share_of_revenue": ("Share of revenue", "销售额占比"),
    "customers": ("Customers", "客户数"),
    "discount_share": ("Share of orders with a discount", "折扣订单占比"),
    "browse_per_order": ("Browsing sessions per order", "每单浏览次数"),
    "gap_cv": ("Irregularity of gaps (CV)", "购买间隔变异系数"),
    "suggestions": ("Suggestions made", "建议次数"),
    "referrals_made": ("Referrals made", "推荐人数"),
}


def register_labels(labels: dict[str, tuple[str, str]]) -> None:
    """Add ``{key: (english, chinese)}`` labels; a topic module registers its own at import.

    A key may be registered again only with the same texts, so two modules cannot
    silently disagree on a label.
    """
    for key, texts in labels.items():
        if len(texts) != 2 or not all(isinstance(t, str) and t for t in texts):
            raise ValueError(f"Label {key!r} needs (english, chinese) texts. Got {texts!r}.")
        if key in LABELS and LABELS[key] != tuple(texts):
            raise ValueError(f"Label {key!r} is already {LABELS[key]!r}; refusing {texts!r}.")
        LABELS[key] = (texts[0], texts[1])  # exactly two, checked above


def resolve_lang(lang: str | None = None, func: str | None = None) -> str:
    """The language a function should speak: ``lang`` when given, else the kit's current
    one (:func:`use`); the one check of a ``lang`` argument, naming ``func`` when it fails.

    >>> resolve_lang("zh"), resolve_lang(None) == get_language()
    ('zh', True)
    >>> resolve_lang("fr", "churn_risk")
    Traceback (most recent call last):
    ...
    playbook.errors.InvalidArgumentError: The 'lang' parameter of churn_risk must be 'en' or 'zh'. Got 'fr'.
    """
    if lang is None:
        return get_language()
    if lang not in LANGUAGES:
        from .errors import InvalidArgumentError

        where = f" of {func}" if func else ""
        allowed = " or ".join(repr(code) for code in LANGUAGES)
        raise InvalidArgumentError(f"The 'lang' parameter{where} must be {allowed}. Got {lang!r}.")
    return lang


def set_language(lang: str) -> None:
    """Set the default language of labels, charts and widgets: ``"en"`` or ``"zh"``."""
    if lang is None:  # resolve_lang would read None as "keep the current language"
        from .errors import InvalidArgumentError

        raise InvalidArgumentError("The 'lang' parameter of set_language must be 'en' or 'zh'. Got None.")
    _state["lang"] = resolve_lang(lang, "set_language")


def use(lang: str | None = None) -> str:
    """Switch labels, charts and widget captions to ``lang`` ("en" or "zh") and return it.

    Without an argument the language stays what ``PLAYBOOK_LANG`` chose (English when it
    is unset), so a notebook's setup cell can call ``i18n.use()`` and still open in
    Chinese for a trainer who started Jupyter or Voila with ``PLAYBOOK_LANG=zh``.

    >>> use("zh"), label("loyal")
    ('zh', '忠诚型')
    >>> use("en")
    'en'
    """
    set_language(language_from_env() if lang is None else lang)
    return get_language()


def get_language() -> str:
    """The current default language."""
    return _state["lang"]


def label(key: str, lang: str | None = None, *, both: bool = False) -> str:
    """The label of ``key`` in ``lang`` (default: the kit's language); the key itself if unknown.

    >>> label("wanderer", "zh")
    '徘徊者'
    >>> label("wanderer", both=True)
    'Wanderer (徘徊者)'
    """
    lang = resolve_lang(lang or None, "label")
    if not _registered(key):
        return key
    en, zh = LABELS[key]
    if both:
        return f"{en} ({zh})"
    return LABELS[key][LANGUAGES.index(lang)]


def labels_for(keys, lang: str | None = None) -> list[str]:
    """Labels of several keys at once, in order."""
    return [label(str(k), lang) for k in keys]


def label_group(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every label whose key starts with ``prefix``, as ``{rest of the key: text in lang}``.

    A family of texts a module fills in (the churn reasons are ``churn.reason.<signal>``)
    lives in the registry like any label and is read in one go, so no module keeps its own
    English and Chinese table.

    >>> import playbook.churn
    >>> label_group("churn.reason.", "zh")["none"], label_group("churn.reason.", "en")["none"]
    ('无预警信号', 'no warning sign')
    >>> label_group("no.such.family.")
    {}
    """
    lang = resolve_lang(lang, "label_group")
    i = LANGUAGES.index(lang)
    _registered(prefix)  # a family's module may not be imported yet
    return {key[len(prefix):]: texts[i] for key, texts in LABELS.items() if key.startswith(prefix)}
