"""RFM segmentation (RFM 客户细分): score customers on recency, frequency and money spent.

Scores come from quantiles of the customers themselves; an editable table then turns R and F scores into named segments, each with an action.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .data import CustomerBase, check_column, summarize, to_timestamp
from .errors import DataValidationError, InvalidArgumentError
from .i18n import LABELS, label, register_labels
from .rules import RuleTable, literal, text_take

__all__ = ["rfm_scores", "score_quantiles", "RFM_SEGMENTS", "rfm_segments", "segment_summary", "segment_label"]

_SUMMARY_COLUMNS = ("days_since_last", "n_orders", "revenue")

# Segments of the widely used R x F grid on a 1-5 scale (the "RFM segment map" popularised
# by retail analytics tutorials), plus "lost" carved out of hibernating. Rows are checked
# in order and the first match wins, so a narrow row must come before a wide one.
RFM_SEGMENTS = pd.DataFrame(
    [
        ("champions", 5, 5, 4, 5, "Reward them: early access, status perks; ask for reviews and referrals."),
        ("loyal_customers", 3, 4, 4, 5, "Upsell higher-value lines, invite them to the loyalty programme, ask for feedback."),
        ("cannot_lose", 1, 2, 5, 5, "Win them back in person: call, learn what went wrong, make a tailored offer."),
        ("at_risk", 1, 2, 3, 4, "Send personal reactivation messages and offers; ask why they went quiet."),
        ("potential_loyalists", 4, 5, 2, 3, "Offer membership and recommend related products to build the habit."),
        ("new_customers", 5, 5, 1, 1, "Welcome them well and make the second purchase easy."),
        ("promising", 4, 4, 1, 1, "Give them a reason to come back: a sample, a trial, a relevant new product."),
        ("need_attention", 3, 3, 3, 3, "Make a time-limited offer based on what they bought before they slip away."),
        ("about_to_sleep", 3, 3, 1, 2, "Reconnect with popular products and a limited discount."),
        ("lost", 1, 1, 1, 1, "Lowest priority: one win-back attempt at most, then stop spending on them."),
        ("hibernating", 1, 2, 1, 2, "Cheap, automated reminders of relevant products; do not overspend."),
    ],
    columns=["segment", "r_min", "r_max", "f_min", "f_max", "action"],
)
RFM_SEGMENTS.attrs["scale"] = 5

_SEGMENT_LABELS = {
    "champions": ("Champions", "冠军客户"),
    "loyal_customers": ("Loyal customers", "忠诚客户"),
    "cannot_lose": ("Cannot lose them", "不可失去客户"),
    "at_risk": ("At risk", "流失风险客户"),
    "potential_loyalists": ("Potential loyalists", "潜在忠诚客户"),
    "new_customers": ("New customers", "新客户"),
    "promising": ("Promising", "有潜力客户"),
    "need_attention": ("Need attention", "需关注客户"),
    "about_to_sleep": ("About to sleep", "即将沉睡客户"),
    "lost": ("Lost", "已流失客户"),
    "hibernating": ("Hibernating", "沉睡客户"),
}
register_labels({f"rfm_{k}": v for k, v in _SEGMENT_LABELS.items()})
register_labels({
    "rfm": ("RFM (recency, frequency, monetary)", "RFM 模型（最近购买、购买频次、消费金额）"),
    "rfm_segment": ("RFM segment", "RFM 客户细分"),
    "recency_days": ("Days since last order", "距上次购买天数"),
    "r_score": ("Recency score R", "最近购买得分 R"),
    "f_score": ("Frequency score F", "购买频次得分 F"),
    "m_score": ("Monetary score M", "消费金额得分 M"),
    "rfm_code": ("RFM code", "RFM 代码"),
    "rfm_score": ("RFM total score", "RFM 总分"),
    "monetary_total": ("Total spend", "累计消费额"),
    "monetary_average": ("Average order value", "平均订单金额"),
    "action": ("Recommended action", "建议行动"),
})


def segment_label(segment: str, lang: str | None = None) -> str:
    """The English or Chinese name of an RFM segment code.

    >>> segment_label("champions", "zh")
    '冠军客户'
    """
    key = f"rfm_{segment}"
    return label(key, lang) if key in LABELS else str(segment)


def score_quantiles(values, bins: int = 5, *, higher_is_better: bool = True, ties: str = "min") -> np.ndarray:
    """Score values 1..``bins`` by the quantile band each one falls in.

    Parameters
    ----------
    values : array-like
        One number per customer; no missing values.
    bins : int
        Number of scores (5 gives the classic 1-5 scale).
    higher_is_better : bool
        False for recency in days, where a small number is good.
    ties : {"min", "first"}
        ``"min"`` (default): equal values always share a score, the band where their tie
        group starts, so that all one-order customers get F = 1; some scores may then be
        empty. ``"first"``: ties are broken by row order, giving bands of equal size (what
        ``pd.qcut(x.rank(method="first"), bins)`` does) but splitting identical customers.

    Returns
    -------
    ndarray of int
        ``1 + floor(bins * rank / n)`` where ``rank`` counts the customers strictly worse
        (``"min"``) or ranked before (``"first"``). If every value is the same there is
        nothing to rank, and everyone gets the middle score ``(bins + 1) // 2``.

    Examples
    --------
    >>> score_quantiles([1, 1, 1, 2, 3, 5, 8, 13, 21, 34])
    array([1, 1, 1, 2, 3, 3, 4, 4, 5, 5])
    >>> score_quantiles([30, 2, 400], higher_is_better=False)
    array([2, 4, 1])
    """
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 2:
        raise InvalidArgumentError(f"The 'bins' parameter must be a whole number of at least 2. Got {bins!r}.")
    if ties not in ("min", "first"):
        raise InvalidArgumentError(f"The 'ties' parameter must be 'min' or 'first'. Got {ties!r}.")
    v = pd.Series(np.asarray(values, dtype=float))
    if v.isna().any():
        raise DataValidationError(f"score_quantiles got {int(v.isna().sum())} missing values; fill or drop them first.")
    if v.empty:
        return np.empty(0, dtype=np.int64)
    if not higher_is_better:
        v = -v
    if v.nunique() == 1:
        return np.full(len(v), (bins + 1) // 2, dtype=np.int64)
    below = v.rank(method=ties).to_numpy() - 1
    return (1 + np.floor(bins * below / len(v) + 1e-9)).astype(np.int64).clip(1, bins)


def _per_customer(data, as_of, customer_col, date_col, amount_col) -> pd.DataFrame:
    if isinstance(data, CustomerBase):
        as_of = data.as_of if as_of is None else as_of
        data = data.orders
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(
            f"rfm_scores needs a CustomerBase, an orders DataFrame or a summarize() table. Got {type(data).__name__}."
        )
    if date_col in data.columns:
        if as_of is None:
            raise InvalidArgumentError("rfm_scores needs 'as_of' with an orders table: the date recency is counted to, e.g. '2025-12-31'.")
        check_column(data, customer_col, "customer_col", "rfm_scores")
        check_column(data, amount_col, "amount_col", "rfm_scores")
        return summarize(data, to_timestamp(as_of), customer_col=customer_col, date_col=date_col, amount_col=amount_col,
                         margin_col=None)
    missing = [c for c in _SUMMARY_COLUMNS if c not in data.columns]
    if missing:
        raise DataValidationError(
            f"rfm_scores got a table with neither a {date_col!r} column (orders) nor the summarize() columns "
            f"{', '.join(_SUMMARY_COLUMNS)} (missing: {', '.join(missing)}). Pass orders with as_of, or playbook.summarize(orders, as_of)."
        )
    if as_of is not None:
        raise InvalidArgumentError(
            "A summarize() table already fixes its as_of date; pass the orders instead to score at another date, "
            "or leave 'as_of' out."
        )
    if data.empty:
        raise DataValidationError("rfm_scores got an empty summary table: there are no customers to score.")
    return data


def rfm_scores(
    data,
    as_of=None,
    *,
    bins: int = 5,
    monetary: str = "total",
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Recency, frequency and monetary scores (R, F, M) of every customer who has ordered.

    - **Recency** (最近购买): days from the last order to ``as_of``; fewer days is better,
      so the most recent buyers get R = ``bins``.
    - **Frequency** (购买频次): number of orders. One-time buyers all tie at the bottom
      and share F = 1 with the default ``ties="min"``.
    - **Monetary** (消费金额): total spend (``monetary="total"``, default) or average
      order value (``"average"``: total / number of orders). Refunds count as they are,
      so a customer whose refunds exceed purchases has a negative total and the lowest M.

    Each is scored 1..``bins`` by quantile bands of the customers themselves (see
    :func:`score_quantiles` for ties and degenerate cases).

    Parameters
    ----------
    data : CustomerBase, DataFrame of orders, or summarize() table
        Orders need ``customer_col``, ``date_col``, ``amount_col`` and ``as_of``; a
        ``CustomerBase`` defaults to its own ``as_of``; a :func:`playbook.summarize`
        table is used as it is (its ``as_of`` is already fixed).
    as_of : date-like, optional
        The day the scores describe; orders after it are ignored.
    bins : int
        Number of scores per letter (default 5).
    monetary : {"total", "average"}
    ties : {"min", "first"}
    customer_col, date_col, amount_col : str
        Column names in the orders.

    Returns
    -------
    DataFrame indexed by customer with ``recency_days``, ``n_orders``, ``monetary``,
    ``revenue``, the scores ``R``, ``F``, ``M``, ``rfm_code`` (e.g. ``"545"``) and
    ``rfm_score`` (R + F + M). ``attrs["bins"]`` keeps the scale.

    Raises
    ------
    DataValidationError
        No orders, or ``as_of`` before the first order.

    Examples
    --------
    >>> import playbook
    >>> scores = rfm_scores(playbook.load_dataset("retail"))
    >>> sorted(scores["R"].unique().tolist())
    [1, 2, 3, 4, 5]
    >>> code = scores["R"].astype(str) + scores["F"].astype(str) + scores["M"].astype(str)
    >>> bool((scores["rfm_code"] == code).all())
    True
    """
    if monetary not in ("total", "average"):
        raise InvalidArgumentError(f"The 'monetary' parameter of rfm_scores must be 'total' or 'average'. Got {monetary!r}.")
    summary = _per_customer(data, as_of, customer_col, date_col, amount_col)
    n_orders = summary["n_orders"].to_numpy(dtype=float)
    revenue = summary["revenue"].to_numpy(dtype=float)
    spend = revenue if monetary == "total" else revenue / np.maximum(n_orders, 1)
    out = pd.DataFrame(
        {
            "recency_days": summary["days_since_last"].to_numpy(dtype=np.int64),
            "n_orders": n_orders.astype(np.int64),
            "monetary": spend,
            "revenue": revenue,
        },
        index=summary.index.copy(),
    )
    out["R"] = score_quantiles(out["recency_days"], bins, higher_is_better=False, ties=ties)
    out["F"] = score_quantiles(out["n_orders"], bins, ties=ties)
    out["M"] = score_quantiles(out["monetary"], bins, ties=ties)
    sep = "" if bins < 10 else "-"
    out["rfm_code"] = _joined_codes([out["R"], out["F"], out["M"]], sep)
    out["rfm_score"] = out[["R", "F", "M"]].sum(axis=1)
    out.attrs["bins"] = int(bins)
    out.attrs["monetary"] = monetary
    return out


def _check_table(table: pd.DataFrame) -> list[str]:
    cols = ["segment", "r_min", "r_max", "f_min", "f_max", "action"]
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise DataValidationError(f"The segment table lacks the column(s) {', '.join(missing)}; it needs {', '.join(cols)}.")
    names = table["segment"].astype(str).tolist()
    if len(set(names)) != len(names):
        raise DataValidationError("The segment table names a segment twice; give each row its own segment name.")
    scale = int(table.attrs.get("scale", 5))
    grid = [(r, f) for r in range(1, scale + 1) for f in range(1, scale + 1)]
    holes = [(r, f) for r, f in grid if not ((table.r_min <= r) & (r <= table.r_max) & (table.f_min <= f) & (f <= table.f_max)).any()]
    if holes:
        raise DataValidationError(
            f"The segment table leaves {len(holes)} (R, F) cell(s) without a segment, e.g. {holes[:3]}; "
            "widen a row or add a catch-all row at the end."
        )
    return names


def rfm_segments(scores: pd.DataFrame, table: pd.DataFrame = RFM_SEGMENTS, *, bins: int | None = None) -> pd.DataFrame:
    """Name each customer's segment from their R and F scores, using ``table``.

    ``table`` has one row per segment with inclusive score ranges ``r_min..r_max`` and
    ``f_min..f_max`` on its own scale (``table.attrs["scale"]``, 5 for
    :data:`RFM_SEGMENTS`), and an ``action``. Rows are tried in order; the first match
    wins. Scores on another scale (``bins``, by default ``scores.attrs["bins"]`` or 5)
    are first mapped linearly onto the table's scale and rounded half up.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (needs ``R`` and ``F``).
    table : DataFrame
        Segment definitions; copy :data:`RFM_SEGMENTS` and edit it to change them.
    bins : int, optional
        The scale of ``scores`` when ``attrs`` were lost on the way.

    Returns
    -------
    DataFrame
        A copy of ``scores`` with ``segment`` (ordered categorical, in table order) and
        ``action``.

    Examples
    --------
    >>> import playbook
    >>> seg = rfm_segments(rfm_scores(playbook.load_dataset("retail")))
    >>> best = seg[(seg["R"] == 5) & (seg["F"] == 5)]
    >>> best["segment"].astype(str).unique().tolist()
    ['champions']
    >>> bool(seg.loc[seg["R"] == 1, "segment"].astype(str).isin(["champions", "loyal"]).any())
    False
    """
    for col in ("R", "F"):
        if col not in scores.columns:
            raise DataValidationError(f"rfm_segments needs the score column {col!r}; pass the output of rfm_scores.")
    names, decided = _segments_decided(scores, table, bins)
    out = scores.copy()
    if not len(out):
        out["segment"] = pd.Categorical(decided["label"], categories=names, ordered=True)
        out["action"] = []
        return out
    # Rule i (from 1) names segment names[i - 1]: the segment and its action taken by rule, no text per customer.
    rule = decided["rule"].to_numpy() - 1
    out["segment"] = pd.Categorical.from_codes(rule, categories=names, ordered=True)
    actions = table["action"].to_numpy(dtype=object)
    out["action"] = text_take(actions.tolist(), rule) if all(type(a) is str for a in actions) else actions[rule]
    return out


def _segments_decided(scores: pd.DataFrame, table: pd.DataFrame, bins: int | None) -> tuple[list[str], pd.DataFrame]:
    """The segment names of ``table`` and its rule table's decision per row of ``scores`` (columns ``R`` and ``F`` on
    the scale ``bins``, by default ``scores.attrs["bins"]`` or 5, mapped onto the table's scale): what
    :func:`rfm_segments` labels the customers with."""
    names = _check_table(table)
    bins = int(bins or scores.attrs.get("bins", 5))
    scale = int(table.attrs.get("scale", 5))
    top = int(np.max(scores[["R", "F"]].to_numpy(), initial=1))
    if top > bins:
        raise InvalidArgumentError(f"Scores go up to {top} but bins={bins}; pass the bins used by rfm_scores.")

    def rescale(s: pd.Series) -> np.ndarray:
        return np.floor(1 + (s.to_numpy(dtype=float) - 1) * (scale - 1) / (bins - 1) + 0.5).astype(int)

    grid = pd.DataFrame({"R": rescale(scores["R"]), "F": rescale(scores["F"])}, index=scores.index)
    return names, _segment_rules(table, reasons=False).evaluate(grid, func="rfm_segments")


def segment_summary_of(summary: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """``segment_summary(rfm_segments(rfm_scores(summary)), lang=lang)`` of a :func:`playbook.summarize` table with
    the default scores and segments, holding per customer only what the summary reads (the scores R and F, the
    segment, recency, orders and revenue): no score text, M, code or action per customer. The same table.

    Examples
    --------
    >>> import playbook
    >>> s = playbook.summarize(playbook.load_dataset("retail"))
    >>> segment_summary_of(s).equals(segment_summary(rfm_segments(rfm_scores(s))))
    True
    """
    summary = _per_customer(summary, None, "customer_id", "order_date", "amount")
    bins = 5
    n_orders = summary["n_orders"].to_numpy(dtype=float).astype(np.int64)
    revenue = summary["revenue"].to_numpy(dtype=float)
    recency = summary["days_since_last"].to_numpy(dtype=np.int64)
    scores = pd.DataFrame({"R": score_quantiles(recency, bins, higher_is_better=False),
                           "F": score_quantiles(n_orders, bins)})
    names, decided = _segments_decided(scores, RFM_SEGMENTS, bins)
    del scores
    segments = pd.DataFrame({"recency_days": recency, "n_orders": n_orders, "monetary": revenue, "revenue": revenue,
                             "segment": pd.Categorical.from_codes(decided["rule"].to_numpy() - 1, categories=names,
                                                                  ordered=True)})
    return segment_summary(segments, lang=lang)


def _joined_codes(columns: list, sep: str) -> pd.Series:
    """``columns[0].astype(str) + sep + columns[1].astype(str) + ...``, the text built once per distinct combination
    of values (a few hundred at most for scores) and taken for each customer.

    Examples
    --------
    >>> r, f = pd.Series([5, 1, 5]), pd.Series([3, 3, 3])
    >>> _joined_codes([r, f], "-").tolist()
    ['5-3', '1-3', '5-3']
    """
    codes, texts = [], []
    for col in columns:
        c, uniques = pd.factorize(col, use_na_sentinel=True)
        if (c < 0).any():  # a missing score: the column-wise addition, which says what it does with it
            out = columns[0].astype(str)
            for other in columns[1:]:
                out = out + sep + other.astype(str)
            return out
        codes.append(c)
        texts.append(pd.Series(uniques).astype(str).to_numpy(dtype=object))
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for c, t in zip(codes, texts):
        key = key * len(t) + c
    combos, inverse = np.unique(key, return_inverse=True)
    words = []
    for k in combos:
        parts = []
        for t in reversed(texts):
            k, j = divmod(int(k), len(t))
            parts.append(t[j])
        words.append(sep.join(reversed(parts)))
    dtype = pd.Series([0]).astype(str).dtype  # the dtype astype(str) gives
    if len(combos) and dtype == pd.StringDtype("pyarrow", na_value=np.nan):  # taken in pyarrow: no text per customer
        return pd.Series(text_take(words, inverse.reshape(-1)), index=columns[0].index, dtype=dtype)
    joined = np.array(words, dtype=object)[inverse.reshape(-1)] if len(combos) else np.empty(0, dtype=object)
    return pd.Series(joined, index=columns[0].index, dtype=dtype)


def _segment_rules(table: pd.DataFrame, *, reasons: bool = True) -> RuleTable:
    """The segment table as an ordered decision table on the rescaled scores ``R`` and ``F``
    (``r_min <= R <= r_max and f_min <= F <= f_max``), the ``action`` as the reason.

    >>> _segment_rules(RFM_SEGMENTS).table().loc[1, ["label", "condition"]].tolist()
    ['champions', '5 <= R <= 5 and 4 <= F <= 5']
    """
    return RuleTable([(str(row.segment), f"{row.r_min} <= R <= {row.r_max} and {row.f_min} <= F <= {row.f_max}",
                       literal(row.action) if reasons else "") for row in table.itertuples(index=False)],
                     default=None, name="RFM segment")


def segment_summary(segments: pd.DataFrame, table: pd.DataFrame = RFM_SEGMENTS, *, lang: str | None = None) -> pd.DataFrame:
    """One row per segment: how many customers, their share of customers and of revenue,
    mean recency, orders and spend, and the recommended action.

    Parameters
    ----------
    segments : DataFrame
        Output of :func:`rfm_segments`.
    table : DataFrame
        The segment table used, for the order of rows and the actions; segments with no
        customers are kept with zero counts.
    lang : {"en", "zh"}, optional
        Language of the ``label`` column.

    Returns
    -------
    DataFrame indexed by ``segment`` with ``label``, ``customers``, ``share``,
    ``revenue``, ``revenue_share``, ``recency_days``, ``n_orders``, ``monetary``
    (means) and ``action``.

    Examples
    --------
    >>> import playbook
    >>> summary = segment_summary(rfm_segments(rfm_scores(playbook.load_dataset("retail"))))
    >>> round(float(summary["share"].sum()), 6)
    1.0
    """
    for col in ("segment", "revenue", "recency_days", "n_orders", "monetary"):
        if col not in segments.columns:
            raise DataValidationError(f"segment_summary needs the column {col!r}; pass the output of rfm_segments.")
    if segments.empty:
        raise DataValidationError("segment_summary got no customers.")
    names = _check_table(table)
    seg = segments["segment"].astype(object)
    g = segments.groupby(seg, sort=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "revenue": g["revenue"].sum(),
        "recency_days": g["recency_days"].mean(),
        "n_orders": g["n_orders"].mean(),
        "monetary": g["monetary"].mean(),
    }).reindex(names)
    out["customers"] = out["customers"].fillna(0).astype(np.int64)
    out["revenue"] = out["revenue"].fillna(0.0)
    total = float(segments["revenue"].sum())
    out["share"] = out["customers"] / len(segments)
    out["revenue_share"] = out["revenue"] / total if total != 0 else np.nan
    out["action"] = table.set_index("segment").loc[names, "action"].to_numpy()
    out.insert(0, "label", [segment_label(s, lang) for s in names])
    out.index.name = "segment"
    return out[["label", "customers", "share", "revenue", "revenue_share", "recency_days", "n_orders", "monetary", "action"]]
