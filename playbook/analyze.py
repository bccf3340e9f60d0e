"""From an orders export to Monday's work: a per-customer action list and a one-page report.

:func:`analyze` reads and checks the orders (:func:`playbook.byod.from_orders`), scores every
customer, and writes ``action_list.csv``/``.parquet``, ``report.html`` and ``summary.json`` into one folder, atomically.

An orders-only base is first reduced to one row per customer (:mod:`playbook.features`), and every
score is computed from that table; with ``engine="duckdb"`` DuckDB reads, checks and reduces the
file(s) itself, so the orders never sit in pandas.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import output
from .byod import release_memory
from .data import CustomerBase
from .errors import DataValidationError, InvalidArgumentError, OutputFolderError
from .i18n import label, register_labels, resolve_lang

if TYPE_CHECKING:
    from .report import ReportInputs

__all__ = ["analyze", "build_analysis", "Analysis", "OutputFolderError", "check_output_folder", "OUTPUT_FILES"]

#: The files :func:`analyze` writes; ``summary.json`` lists the others with their SHA-256 (see :mod:`playbook.output`).
OUTPUT_FILES = ("action_list.csv", "action_list.parquet", "report.html", "summary.json")
MADE_BY = "playbook analyze"

register_labels({
    # notes in summary.json and the report, in the analysis' language
    "analyze.note.margin_ignored": ("The orders have a margin column, so CLV uses it and the margin rate given was ignored.",
                                    "订单带有毛利列，客户终身价值按它计算，所给的毛利率未被使用。"),
    "analyze.note.margin_rate": ("The orders have no margin column: margin is taken as {rate:.0%} of revenue "
                                 "(--margin-rate / margin_rate=).",
                                 "订单没有毛利列：毛利按销售额的 {rate:.0%} 计（--margin-rate / margin_rate=）。"),
    "analyze.note.engine": ("Computed with the {label} engine ({engine}): the orders were checked and reduced to one row "
                            "per customer in SQL, then scored.",
                            "由 {label} 引擎（{engine}）计算：订单先在 SQL 中检查并汇总为每位客户一行，再评分。"),
})


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything the report and ``summary.json`` show, computed once.

    Attributes
    ----------
    actions : DataFrame
        :func:`playbook.strategy.action_list`, one row per customer, highest CLV first.
    customers : DataFrame
        :func:`playbook.segment.pareto_table` of the orders (revenue, orders and margin per
        customer, biggest first, with cumulative shares).
    rfm : DataFrame
        :func:`playbook.rfm.segment_summary`.
    risk : DataFrame
        :func:`playbook.churn.churn_risk` (score, warning, reasons and points per signal).
    plan : DataFrame
        :func:`playbook.strategy.contact_plan` (customers active in the last year).
    summary : dict
        The headline figures, ready for JSON.
    lang : str
    """

    actions: pd.DataFrame
    customers: pd.DataFrame
    rfm: pd.DataFrame
    risk: pd.DataFrame
    plan: pd.DataFrame
    summary: dict
    lang: str


def _date(ts) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def build_analysis(base: CustomerBase, *, lang: str | None = None, margin_rate=None) -> Analysis:
    """Score every customer of ``base`` at ``base.as_of`` and gather the headline figures.

    Parameters
    ----------
    base : CustomerBase
        Usually from :func:`playbook.byod.from_orders`; only ``orders`` is needed.
    lang : {"en", "zh"}, optional
        Language of the strategy reasons and of labels; by default the kit's language (:func:`playbook.i18n.use`).
    margin_rate : float in [0, 1], optional
        Share of revenue that is margin when the orders have no margin column (default
        :data:`playbook.value.DEFAULT_MARGIN_RATE`); ignored, with a note, when they have one.

    Returns
    -------
    Analysis (``summary["clv"]`` names the CLV method, margin source and rate, horizon and discount)

    Examples
    --------
    >>> import playbook
    >>> a = build_analysis(playbook.load_dataset("b2b"))
    >>> a.summary["customers"] == len(a.actions) == len(a.customers)
    True
    """
    from .strategy import orders_only
    from .value import check_margin_rate

    lang = resolve_lang(lang, "build_analysis")  # None follows i18n.use()
    margin_rate = check_margin_rate(margin_rate, "analyze")
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"build_analysis needs a CustomerBase (playbook.byod.from_orders(...)). Got {type(base).__name__}.")
    release_memory()
    if orders_only(base):
        return _analysis_from_features(**_reduce(base), lang=lang, margin_rate=margin_rate)
    return _full_analysis(base, lang=lang, margin_rate=margin_rate)[0]


def _full_analysis(base: CustomerBase, *, lang: str, margin_rate) -> tuple[Analysis, np.ndarray]:
    """:func:`build_analysis` of a base with more tables than orders, and each action's revenue."""
    from .rfm import rfm_scores, rfm_segments, segment_summary
    from .segment import pareto_table
    from .strategy import _action_list

    ts = base.as_of
    orders = base.orders
    totals = _totals(orders)
    actions, risk, plan = _action_list(base, ts, lang, margin_rate=margin_rate)  # risk and plan once, as the action list used them
    release_memory()
    customers = pareto_table(orders)
    rfm = segment_summary(rfm_segments(rfm_scores(base, ts)), lang=lang)
    release_memory()
    return _assembled(actions, risk, plan, customers, rfm, ts=ts, lang=lang, totals=totals, tables=list(base.tables),
                      notes=list(base.meta.get("notes", [])))


def _totals(orders: pd.DataFrame) -> dict:
    return {"orders": int(len(orders)), "revenue": float(orders["amount"].sum()), "first_order": orders["order_date"].min(),
            "last_order": orders["order_date"].max(), "has_margin": "margin" in orders.columns}


def _reduce(base: CustomerBase, progress=None) -> dict:
    """An orders-only base as one row per customer (:func:`playbook.features.compute`, at ``as_of`` and at the churn
    model's backtest date, in one pass) and the orders' totals:
    all that the analysis needs, so the orders can be let go before the scoring."""
    from .strategy import _features_and_past

    f, past = _features_and_past(base.orders, base.as_of, progress)  # one pass over the orders for both dates
    return {"f": f, "past": past, "ts": base.as_of, "totals": _totals(base.orders),
            "tables": list(base.tables), "notes": list(base.meta.get("notes", []))}


def _analysis_from_features(f: pd.DataFrame, ts: pd.Timestamp, *, lang: str, margin_rate, totals: dict, tables: list,
                            notes: list, past: pd.DataFrame | None = None, chunk_rows: int | None = None) -> Analysis:
    """:func:`build_analysis` of an orders-only base from its feature table (:mod:`playbook.features`, any engine);
    ``chunk_rows``: customers scored at once (:func:`playbook.strategy._chunks`; the same analysis for any size)."""
    from .rfm import rfm_scores, rfm_segments, segment_summary
    from .segment import pareto_table
    from .strategy import _scored_from_features

    actions, risk, plan, rows, summary = _scored_from_features(f, ts, lang, margin_rate=margin_rate, past=past,
                                                                       chunk_rows=chunk_rows)
    per_customer = pd.DataFrame({"revenue": f["revenue_all"], "n_orders": f["n_orders_all"]}, index=f.index)
    if "margin_all" in f:
        per_customer["margin"] = f["margin_all"]
    customers = pareto_table(per_customer)
    rfm = segment_summary(rfm_segments(rfm_scores(summary)), lang=lang)
    # each action's revenue by position (the row of f it came from): pareto_table's revenue is f's, unchanged
    return _assemble(actions, risk, plan, customers, rfm, ts=ts, lang=lang, totals=totals, tables=tables, notes=notes,
                     action_revenue=f["revenue_all"].to_numpy()[rows])


@dataclasses.dataclass(frozen=True)
class _Output:
    """What :func:`_write` writes: the summary, the action list as the rows of ``actions`` in ``order``, and the
    report's inputs (:class:`playbook.report.ReportInputs`)."""

    summary: dict
    actions: pd.DataFrame
    order: np.ndarray
    report: ReportInputs


def _output_of(analysis: Analysis, action_revenue: np.ndarray | None = None) -> _Output:
    """The :class:`_Output` of a full :class:`Analysis` (its action list in its own order)."""
    from .report import inputs_of

    return _Output(summary=analysis.summary, actions=analysis.actions, order=np.arange(len(analysis.actions)),
                   report=inputs_of(analysis, action_revenue))




def _lean_output(reduced: dict, *, lang: str, margin_rate, chunk_rows: int | None = None, progress=None) -> _Output:
    """What :func:`analyze` writes for an orders-only base, from its reduction (``{"f", "past", "ts", "totals",
    "tables", "notes"}``, taken over: the tables are popped, so the caller holds no reference to them).

    The same files as ``_output_of(build_analysis(...))``, with less memory: ``past`` is let go after the scoring,
    the feature table as soon as each customer's revenue is read from it, and neither the Pareto table of every
    customer nor the full risk table is made (the summary and the report need only the revenue, ranked, and the
    risk scores and warnings).
    """
    from .report import ReportInputs, pareto_curve_rows
    from .segment import pareto_total
    from .strategy import fit_for_scoring, score_in_chunks

    f, ts = reduced.pop("f"), reduced["ts"]
    fit = fit_for_scoring(f, reduced.pop("past"), ts, chunk_rows=chunk_rows, progress=progress, lang=lang)  # then nothing holds past
    release_memory()
    scores = score_in_chunks(f, ts, lang, fit, margin_rate=margin_rate, chunk_rows=chunk_rows, progress=progress)
    del fit
    revenue = f["revenue_all"].to_numpy(copy=True)  # not a view, which would keep f's block of floats alive
    del f
    release_memory()
    action_revenue = revenue[scores.rows]
    ranked = _ranked(revenue)
    del revenue
    actions = scores.actions
    notes = reduced["notes"] + _clv_notes(actions.attrs.get("clv", {}), lang)
    summary = _summary(actions, scores.order, action_revenue, scores.risk, scores.reason_counts, scores.plan, ranked,
                       scores.rfm, ts=ts, totals=reduced["totals"], tables=reduced["tables"], notes=notes)
    report = ReportInputs(summary=summary, lang=lang, actions=actions, order=scores.order, action_revenue=action_revenue,
                          curve=pareto_curve_rows(ranked, pareto_total(pd.Series(ranked))),
                          risk=scores.risk, rfm=scores.rfm, plan=scores.plan)
    return _Output(summary=summary, actions=actions, order=scores.order, report=report)


def _counts(values: pd.Series, names: list) -> pd.Series:
    """``values.astype(str).value_counts().reindex(names, fill_value=0)``; a categorical column is counted by its
    codes (no text per row)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(str).value_counts().reindex(names, fill_value=0)
    codes = values.cat.codes.to_numpy()
    counts = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(values.cat.categories))
    shown = [str(c) for c in values.cat.categories]
    if (codes < 0).any():  # a missing value reads "nan" as text
        shown.append("nan")
        counts = np.append(counts, int((codes < 0).sum()))
    return pd.Series(counts, index=shown, dtype=np.int64).groupby(level=0, sort=False).sum().reindex(names, fill_value=0)


def _tier_revenue(tier: pd.Series, revenue: np.ndarray, tiers: list) -> pd.DataFrame:
    """``size`` and ``sum`` of ``revenue`` per tier name (rows ``tiers``, 0 for an empty one), summed in the rows' order
    as ``groupby(tier.astype(str))`` does; a categorical tier is grouped by its codes (no text per row)."""
    if not isinstance(tier.dtype, pd.CategoricalDtype) or len(set(map(str, tier.cat.categories))) < len(tier.cat.categories):
        per_tier = pd.DataFrame({"tier": tier.astype(str), "revenue": revenue})
        return per_tier.groupby("tier")["revenue"].agg(["size", "sum"]).reindex(tiers, fill_value=0)
    codes = tier.cat.codes.to_numpy()
    grouped = pd.Series(revenue).groupby(codes).agg(["size", "sum"])
    grouped.index = [str(tier.cat.categories[c]) if c >= 0 else "nan" for c in grouped.index]
    return grouped.reindex(tiers, fill_value=0)


def _assemble(actions, risk, plan, customers, rfm, *, ts, lang: str, totals: dict, tables: list, notes: list,
              action_revenue: np.ndarray | None = None) -> Analysis:
    """The :class:`Analysis` and its headline figures from the scored tables and the orders' totals
    (``action_revenue``: each action's revenue in the action list's order, when the caller has it by position)."""
    return _assembled(actions, risk, plan, customers, rfm, ts=ts, lang=lang, totals=totals, tables=tables, notes=notes,
                      action_revenue=action_revenue)[0]


def _assembled(actions, risk, plan, customers, rfm, *, ts, lang: str, totals: dict, tables: list, notes: list,
               action_revenue: np.ndarray | None = None) -> tuple[Analysis, np.ndarray]:
    """:func:`_assemble` and each action's revenue (the report draws from it too)."""
    if action_revenue is None:
        action_revenue = customers["revenue"].reindex(actions.index).to_numpy()
    summary = _summary(actions, np.arange(len(actions)), action_revenue, risk, _reason_counts(risk), plan,
                       customers["revenue"].to_numpy(), rfm, ts=ts, totals=totals, tables=tables,
                       notes=notes + _clv_notes(actions.attrs.get("clv", {}), lang))
    return Analysis(actions=actions, customers=customers, rfm=rfm, risk=risk, plan=plan, summary=summary,
                    lang=lang), action_revenue


def _reason_counts(risk: pd.DataFrame) -> pd.Series:
    """Per ``points_*`` column of a risk table (in its order), the warning customers for whom that sign adds to the risk."""
    warning = risk["warning"].to_numpy(dtype=bool)
    points = [c for c in risk.columns if c.startswith("points_")]
    return pd.Series([int((risk[p].to_numpy()[warning] >= 1.0).sum()) for p in points], index=points, dtype=np.int64)


def _ranked(revenue: np.ndarray) -> np.ndarray:
    """The customers' revenue biggest first: the values of :func:`playbook.segment.pareto_table`'s revenue column in
    its order (equal values are equal, whichever customer holds them), contiguous as that column is (numpy's
    pairwise sum of a reversed view would add in other groups)."""
    return np.ascontiguousarray(np.sort(revenue)[::-1])


def _mean_risk(risk: np.ndarray) -> float:
    """``churn_risk(...)["risk"].mean()``: the mean of the scores summed in that table's order (highest first,
    missing ones last, as ``sort_values(ascending=False)`` puts them), whatever order ``risk`` is in."""
    missing = np.isnan(risk)
    ranked = np.concatenate([np.sort(risk[~missing])[::-1], risk[missing]])  # contiguous: numpy sums it as pandas did
    return float(pd.Series(ranked).mean())


def _summary(actions: pd.DataFrame, order: np.ndarray, action_revenue: np.ndarray, risk: pd.DataFrame,
             reason_counts: pd.Series, plan: pd.DataFrame, ranked: np.ndarray, rfm: pd.DataFrame, *, ts, totals: dict,
             tables: list, notes: list) -> dict:
    """The headline figures of ``summary.json`` from thin inputs: the actions in any row order (``order``: the action
    list's order, in which the tiers' revenue is summed), each action's revenue (``actions``' order), the risk scores
    and warnings (any order) with the warning signs' counts (:func:`_reason_counts`), the contact plan, the customers'
    revenue biggest first (:func:`_ranked`; the Pareto figures), and the RFM segments."""
    from .segment import TIERS, gini, pareto_total, top_share
    from .strategy import STRATEGIES

    n = len(actions)
    revenue = totals["revenue"]
    tiers = _tier_revenue(pd.Series(actions["tier"].array.take(order)), action_revenue[order], list(TIERS))
    threshold = float(risk.attrs.get("threshold", 30.0))
    reasons = reason_counts.sort_values(ascending=False, kind="stable")
    strategies = _counts(actions["strategy"], list(STRATEGIES))
    overdue = plan["overdue"].to_numpy(dtype=bool)
    by_tier = _counts(pd.Series(plan["tier"].array[overdue]), list(TIERS))
    cum = np.cumsum(ranked) / pareto_total(pd.Series(ranked))
    reach80 = int(np.argmax(cum >= 0.8)) + 1 if (cum >= 0.8).any() else n
    return {
        "customers": n,
        "orders": totals["orders"],
        "revenue": round(revenue, 2),
        "first_order": _date(totals["first_order"]),
        "last_order": _date(totals["last_order"]),
        "as_of": _date(ts),
        "has_margin": totals["has_margin"],
        "tables": tables,
        "pareto": {
            "top_20_percent_revenue_share": round(top_share(ranked, 0.2), 4),
            "customers_share_for_80_percent_revenue": round(reach80 / n, 4),
            # Customers whose refunds exceed their purchases count as zero here (gini needs values >= 0).
            "gini": round(gini(pd.Series(ranked).clip(lower=0)), 4),
        },
        "customers_net_negative": int((ranked < 0).sum()),
        "tiers": {t: {"customers": int(row["size"]), "revenue": round(float(row["sum"]), 2),
                      "revenue_share": round(float(row["sum"]) / revenue, 4) if revenue > 0 else None}
                  for t, row in tiers.iterrows()},
        "rfm_segments": {str(s): {"customers": int(row["customers"]), "revenue_share": None if pd.isna(row["revenue_share"])
                                  else round(float(row["revenue_share"]), 4)} for s, row in rfm.iterrows()},
        "churn": {
            "threshold": threshold,
            "high_risk": int(risk["warning"].to_numpy(dtype=bool).sum()),
            "mean_risk": round(_mean_risk(risk["risk"].to_numpy(dtype=float)), 1),
            "top_reasons": {p.removeprefix("points_"): int(k) for p, k in reasons.items() if k > 0},
            # which score: the backtested model (risk = 100 x P(no order in horizon_days)) or the rule score, and why
            **{k: v for k, v in actions.attrs.get("churn", {}).items() if k != "threshold"},
        },
        "strategies": {s: int(k) for s, k in strategies.items()},
        "follow_up": {"planned": int(len(plan)), "overdue": int(overdue.sum()),
                      "overdue_by_tier": {t: int(k) for t, k in by_tier.items()}},
        "clv": _clv_summary(actions.attrs.get("clv", {})),
        "notes": notes,
    }


def _clv_summary(info: dict) -> dict:
    """The CLV method for ``summary.json``: method, why the model was not used, margin source and rate, horizon, discount."""
    keys = ("method", "fallback_reason", "margin_source", "margin_rate", "margin_rate_ignored", "horizon_days", "discount",
            "repeat_buyers")
    return {k: info.get(k) for k in keys}


def _clv_notes(info: dict, lang: str = "en") -> list[str]:
    """Notes on how the margin was read, in ``lang``: an ignored margin rate, or the rate assumed for lack of a margin column."""
    if info.get("margin_rate_ignored"):
        return [label("analyze.note.margin_ignored", lang)]
    if info.get("margin_source") == "margin rate":
        return [label("analyze.note.margin_rate", lang).format(rate=info["margin_rate"])]
    return []


def check_output_folder(folder, *, replace: bool, option: str = "force", protect=()) -> Path:
    """Refuse an output folder :func:`analyze` must not write; return it as a Path.

    A file, a link, ``.`` and ``..`` are refused; an existing non-empty folder is refused
    unless ``replace``, and even then unless it holds exactly an unchanged earlier analyze
    output (its ``summary.json`` marked ``"made_by": "playbook analyze"`` lists every other
    file with its SHA-256; see :mod:`playbook.output`). A folder holding a path in ``protect``
    (the input file) is always refused, so a user's own files are never deleted. ``option`` is
    the argument the messages name: ``force=True`` in Python, ``--force`` on the command line.

    Raises
    ------
    OutputFolderError

    Examples
    --------
    >>> import tempfile
    >>> check_output_folder(tempfile.mkdtemp(), replace=False).is_dir()
    True
    """
    return output.check_output_folder(folder, kind="analysis", replace=replace, option=option, protect=protect)


def _non_finite(value, path: str = "") -> str | None:
    """The key path of the first non-finite number in ``value`` (a JSON-ready structure), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path or 'value'} = {value}"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def _summary_json(summary: dict) -> str:
    """``summary`` as strict JSON; a non-finite figure is a bug in the kit (the input checks should refuse it first)."""
    bad = _non_finite(summary)
    if bad:
        raise RuntimeError(f"summary.json would hold a figure that is not a finite number ({bad}); nothing was written "
                           "(the input checks should have refused the data that led to it: a bug in the kit, please report it)")
    return json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def analyze(orders, *, columns: dict | None = None, as_of=None, out, lang: str | None = None, force: bool = False,
            progress: Callable[[str], None] | None = None, margin_rate=None, engine: str = "pandas", **read_options) -> Path:
    """Read an orders export and write the action list and report into the folder ``out``.

    The folder receives ``action_list.csv`` (UTF-8 with a byte-order mark so Excel shows
    Chinese correctly; formula-like text neutralised by
    :func:`playbook.strategy.neutralise_formulas`), ``action_list.parquet`` (the same table,
    values as they are, for scripts), ``report.html`` (self-contained: charts embedded, no
    network) and ``summary.json`` (headline figures, input file name and SHA-256, row
    counts, kit version). Files are written to a temporary sibling folder renamed into
    place when complete: an error leaves no partial folder and an earlier output untouched.
    The input file is only read.

    Parameters
    ----------
    orders : str, Path or DataFrame
        The orders export (CSV, Parquet, Excel) or a frame.
    columns : dict, optional
        Kit name -> your column name, as in :func:`playbook.byod.from_orders`.
    as_of : date-like, optional
        The review date; default: the day of the last order.
    out : str or Path
        Output folder. Must not exist, be empty, or (with ``force=True``) hold exactly an
        unchanged earlier analyze output (checked again when it is replaced); a folder
        containing the input, a link, ``.`` and ``..`` are always refused.
    lang : {"en", "zh"}, optional
        Language of the report and of the strategy reasons; by default the kit's language
        (:func:`playbook.i18n.use`; ``playbook analyze`` on the command line passes ``--lang``, default ``en``).
    force : bool
        Replace an earlier analyze output in ``out``.
    progress : callable, optional
        Called with a short message at each stage (reading, scoring, drawing, writing).
    margin_rate : float in [0, 1], optional
        Share of revenue that is margin when the orders have no margin column (default
        :data:`playbook.value.DEFAULT_MARGIN_RATE`, stated in the report and in
        ``summary.json["clv"]``); a margin column wins and the rate is then ignored (a note says so).
    engine : {"pandas", "duckdb", "spark"}
        ``"pandas"`` (default) reads the orders into memory (:func:`playbook.byod.from_orders`);
        ``"duckdb"`` has DuckDB read the CSV or Parquet file(s), ``orders`` may then be a glob
        such as ``"exports/orders_*.parquet"``, check them and reduce them to one row per
        customer in SQL (:func:`playbook.features.read_duckdb`), so the orders never sit in
        pandas; the scoring then runs on that table and gives the same action list (needs
        ``pip install duckdb``). ``"spark"`` does the same on a Spark session
        (:func:`playbook.features.read_spark`: the active one, e.g. under ``spark-submit``, or a
        local one; needs ``pip install pyspark`` and Java 17). ``summary.json["engine"]`` says which ran.
    **read_options
        Passed to :func:`playbook.byod.from_orders`: ``refunds``, ``duplicates``,
        ``encoding``, ``sheet``, ``date_format``, ``decimal``, ``dayfirst`` and optional tables
        (with ``engine="duckdb"`` or ``"spark"``: ``refunds``, ``date_format`` and ``decimal``).

    Returns
    -------
    Path
        The output folder.

    Raises
    ------
    DataValidationError
        The orders cannot be read or break a rule (message from ``from_orders``).
    OutputFolderError
        ``out`` exists and may not be replaced, or cannot be written.

    Examples
    --------
    >>> import tempfile, playbook
    >>> orders = playbook.load_dataset("b2b").orders
    >>> folder = analyze(orders, as_of="2025-12-31", out=tempfile.mkdtemp() + "/b2b")
    >>> sorted(p.name for p in folder.iterdir())
    ['action_list.csv', 'action_list.parquet', 'report.html', 'summary.json']
    """
    from .value import check_margin_rate

    lang = resolve_lang(lang, "analyze")  # None follows i18n.use(); the CLI passes its own default, "en"
    margin_rate = check_margin_rate(margin_rate, "analyze")
    if engine not in ("pandas", "duckdb", "spark"):
        raise InvalidArgumentError(f"The 'engine' parameter of analyze must be 'pandas', 'duckdb' or 'spark'. Got {engine!r}.")
    if engine in ("duckdb", "spark"):
        return _analyze_duckdb(orders, columns=columns, as_of=as_of, out=out, lang=lang, force=force, progress=progress,
                               margin_rate=margin_rate, engine=engine, **read_options)
    source = Path(orders) if isinstance(orders, (str, Path)) else None
    protect = [source] if source is not None else ()
    out = check_output_folder(out, replace=force, protect=protect)
    from . import report_process

    size = source.stat().st_size if source is not None and source.is_file() else None
    # a small export: the report's imports run in a second process while this one reads and scores
    with report_process.start(size) or contextlib.nullcontext() as drawer:
        return _analyze_pandas(orders, source, size, columns=columns, as_of=as_of, out=out, lang=lang, force=force,
                               progress=progress, margin_rate=margin_rate, protect=protect, drawer=drawer, **read_options)


def _analyze_pandas(orders, source: Path | None, size: int | None, *, columns, as_of, out: Path, lang: str, force: bool,
                    progress, margin_rate, protect, drawer, **read_options) -> Path:
    """:func:`analyze` with the pandas engine, from the checked output folder on (``size``: the bytes of the file
    ``source``, None when the orders are not a file)."""
    from .byod import from_orders

    say = progress or (lambda message: None)
    if source is not None and size is not None:
        say(f"reading {source.name} ({size / 1e6:,.1f} MB)")
        try:
            digest = output.sha256_file(source)
        except OSError as exc:
            raise DataValidationError(f"{source.name} cannot be read: {exc.strerror or exc}. Check the file's permissions.") from exc
    else:
        say("reading the orders")
        digest = None
    try:
        base = from_orders(orders, columns, as_of=as_of, lang=lang, progress=progress, **read_options)
    except OSError as exc:
        raise DataValidationError(f"{getattr(source, 'name', 'the orders')} cannot be read: {exc.strerror or exc}.") from exc
    from . import strategy

    if strategy.orders_only(base):
        # One pass over the orders into one row per customer, then the orders are let go before the scoring's peak.
        n_orders = len(base.orders)
        say(f"reducing {n_orders:,} orders to one row per customer")
        reduced = _reduce(base, progress)
        del base
        release_memory()
        n_customers = int((reduced["f"]["n_orders"] > 0).sum())
        say(f"read {n_orders:,} orders of {n_customers:,} customers; scoring them at {reduced['ts'].date()}")
        result = _lean_output(reduced, lang=lang, margin_rate=margin_rate, progress=progress)
    else:
        n_customers = base.orders["customer_id"].nunique()
        say(f"read {len(base.orders):,} orders of {n_customers:,} customers; scoring them at {pd.Timestamp(base.as_of).date()}")
        release_memory()
        result = _output_of(*_full_analysis(base, lang=lang, margin_rate=margin_rate))
        del base  # the orders are not needed any more: the report and the files use the analysis only
    release_memory()
    input_ = {"name": source.name if source is not None else None, "sha256": digest}
    return _write(result, out, input_=input_, engine={"name": "pandas", "version": pd.__version__}, lang=lang, force=force,
                  protect=protect, progress=progress, source_name=source.name if source is not None else None, drawer=drawer)


def _analyze_duckdb(orders, *, columns, as_of, out, lang, force, progress, margin_rate, engine: str = "duckdb",
                    **read_options) -> Path:
    """:func:`analyze` with ``engine="duckdb"`` (or ``"spark"``): DuckDB (Spark) reads, checks and reduces the file(s);
    pandas scores the customers."""
    from . import features

    engine_name = {"duckdb": "DuckDB", "spark": "Spark"}[engine]
    if engine == "spark":
        features.need_spark()  # before anything is checked or read: say what to install
    say = progress or (lambda message: None)
    if as_of is not None:
        from .byod import check_as_of

        check_as_of(as_of)
    files = features.resolve_files(orders, engine=engine, remote=engine == "spark")
    local = features.local_files(files)
    out = check_output_folder(out, replace=force, protect=local)
    if local:
        size = sum(p.stat().st_size for p in local)
        say(f"reading {files[0].name if len(files) == 1 else f'{len(files)} files'} ({size / 1e6:,.1f} MB) with {engine_name}")
    else:
        say(f"reading {orders} with {engine_name} (a remote address, read by Spark's executors)")
    try:
        input_ = features.input_record(orders, files)
    except OSError as exc:
        raise DataValidationError(f"{getattr(exc, 'filename', None) or 'the orders'} cannot be read: {exc.strerror or exc}. "
                                  "Check the file's permissions.") from exc
    reader = features.read_spark if engine == "spark" else features.read_duckdb
    read = reader(orders, columns, as_of=as_of, lang=lang, progress=progress, **read_options)
    n_customers = int((read.table["n_orders"] > 0).sum())
    say(f"read {read.totals['orders']:,} orders of {n_customers:,} customers in {engine_name}; scoring them at {read.as_of.date()}")
    notes = read.notes + [label("analyze.note.engine", lang).format(label=engine_name, engine=read.engine)]
    version = read.engine.split(" ", 1)[1]
    reduced = {"f": read.table, "past": read.past, "ts": read.as_of, "totals": read.totals, "tables": ["orders"],
               "notes": notes}
    del read  # the reduction holds the only references to the tables: the scoring lets them go
    result = _lean_output(reduced, lang=lang, margin_rate=margin_rate, progress=progress)
    name = input_["name"]
    return _write(result, out, input_=input_, engine={"name": engine, "version": version}, lang=lang, force=force,
                  protect=local, progress=progress, source_name=name)


#: Rows of the action list made and written at once: the row group ``DataFrame.to_parquet`` writes (pyarrow's
#: ``max_row_group_length``), so each block is one Parquet row group and the file has the same row groups.
ACTION_ROWS_PER_WRITE = 1 << 20
#: Rows of the action list's CSV made at once (its text does not depend on the blocks: smaller ones, less memory).
CSV_ROWS_PER_WRITE = 1 << 18


def _action_blocks(actions: pd.DataFrame, order: np.ndarray, rows: int):
    """The action list's table as written (``actions.take(order).reset_index()``), ``rows`` rows at a time
    (one empty block for an empty list)."""
    for start in range(0, max(len(order), 1), rows):
        yield actions.take(order[start:start + rows]).reset_index()


def _for_parquet(block: pd.DataFrame) -> pd.DataFrame:
    """The action list as its Parquet file holds it: the tier as text."""
    return block.assign(tier=block["tier"].astype(str))


class _Hashing:
    """A binary file that hashes what is written to it (pyarrow writes through ``write``)."""

    def __init__(self, fh):
        import hashlib

        self.fh, self.digest, self.closed = fh, hashlib.sha256(), False

    def write(self, data) -> int:
        self.digest.update(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        self.closed = True


def _arrow_table(frame: pd.DataFrame):
    """``frame`` as ``DataFrame.to_parquet(index=False)`` gives it to pyarrow: its pandas metadata, and its attrs
    under ``PANDAS_ATTRS``."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if frame.attrs:
        table = table.replace_schema_metadata({**table.schema.metadata, "PANDAS_ATTRS": json.dumps(frame.attrs)})
    return table


def write_parquet_blocks(frames, path: Path, *, whole: Callable[[], pd.DataFrame]) -> str:
    """Write ``pd.concat(frames).to_parquet(path, index=False)`` one frame (one row group) at a time; return its SHA-256,
    computed while the file is written.

    Each frame but the last must hold :data:`ACTION_ROWS_PER_WRITE` rows. pyarrow's writer gets each frame as one
    table, so the row groups, pages and metadata are those ``to_parquet`` writes; should a frame's Arrow schema
    differ from the first's (a text column missing in a whole block), the file is written again by
    ``whole().to_parquet(...)``.
    """
    import pyarrow.parquet as pq

    try:
        with open(path, "wb") as fh:
            sink = _Hashing(fh)
            writer = None
            try:
                for frame in frames:
                    table = _arrow_table(frame)
                    if writer is None:
                        writer = pq.ParquetWriter(sink, table.schema, compression="snappy")
                    elif not table.schema.equals(writer.schema, check_metadata=True):
                        raise _SchemaChanged
                    writer.write_table(table)
                    del table
            finally:
                if writer is not None:
                    writer.close()  # also after an error, while the file is open (not later, from the writer's __del__)
        return sink.digest.hexdigest()
    except _SchemaChanged:
        pass
    whole().to_parquet(path, index=False)
    return output.sha256_file(path)


class _SchemaChanged(Exception):
    """A block of the action list has another Arrow schema than the first: the file is written whole."""


def _told(blocks, tell: Callable[[int], None]):
    """``blocks`` as they are, calling ``tell(rows)`` once each block has been used (when the next is asked for)."""
    for block in blocks:
        n = len(block)
        yield block
        tell(n)


def _action_files(actions: pd.DataFrame, order: np.ndarray, folder: Path, rows: int = ACTION_ROWS_PER_WRITE,
                  progress=None) -> dict:
    """Write ``action_list.csv`` and ``action_list.parquet`` of the action list (the rows of ``actions`` in ``order``)
    into ``folder`` block by block (``rows`` rows a block, the CSV's at most :data:`CSV_ROWS_PER_WRITE`); their
    SHA-256, computed while they are written.

    The CSV is :func:`playbook.strategy.neutralise_formulas` of the table as ``DataFrame.to_csv(index=False,
    encoding="utf-8-sig")`` writes it (:func:`playbook.csv_out.write_csv_chunks`); the Parquet file is
    ``to_parquet(index=False)`` with the tier as text (:func:`write_parquet_blocks`). A block at a time is in
    memory, not the whole list, and most of the work is Arrow's and leaves Python's lock free, so :func:`_write`
    runs it in a thread while the report is drawn. ``progress`` (from
    :data:`playbook.strategy.PROGRESS_CUSTOMERS` rows on) hears after each block how far the two files are, with
    the time left.
    """
    import time

    from .byod import with_share
    from .csv_out import write_csv_chunks
    from .strategy import PROGRESS_CUSTOMERS, neutralise_formulas

    def whole() -> pd.DataFrame:
        return actions.take(order).reset_index()

    total, done, started = 2 * len(order), [0], time.monotonic()

    def tell(n: int) -> None:
        done[0] += n
        if progress is not None and len(order) >= PROGRESS_CUSTOMERS:
            progress(with_share("writing the action list", done[0] / total if total else 1.0, started))

    csv_rows = min(rows, CSV_ROWS_PER_WRITE)
    csv_sha = write_csv_chunks(_told((neutralise_formulas(b) for b in _action_blocks(actions, order, csv_rows)), tell),
                               folder / "action_list.csv", whole=lambda: neutralise_formulas(whole()))
    parquet_sha = write_parquet_blocks(_told((_for_parquet(b) for b in _action_blocks(actions, order, rows)), tell),
                                       folder / "action_list.parquet", whole=lambda: _for_parquet(whole()))
    return {"action_list.csv": {"sha256": csv_sha}, "action_list.parquet": {"sha256": parquet_sha}}


def _write(result: _Output, out: Path, *, input_: dict, engine: dict, lang: str, force: bool, protect, progress,
           source_name, drawer=None) -> Path:
    """Draw the report and write the four files into ``out`` atomically.

    The action list's two files are written into the temporary folder by a second thread while the report is
    drawn (:func:`_action_files`), then the report and the summary. ``drawer``: a
    :class:`~playbook.report_process.ReportProcess` to draw the page, if one was started (here otherwise, or if it fails).
    """
    from concurrent.futures import ThreadPoolExecutor

    from . import __version__
    from .report import page_html

    say = progress or (lambda message: None)
    summary = {
        "made_by": MADE_BY,
        "kit_version": __version__,
        "lang": lang,
        "input": input_,
        "engine": engine,
        **result.summary,
    }
    n = len(result.order)
    say("drawing the report")
    try:
        with output.atomic_folder(out, overwrite=force, kind="analysis", option="force", protect=protect, note=progress) as tmp:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="playbook-action-files") as pool:
                made = pool.submit(_action_files, result.actions, result.order, tmp, progress=progress)
                page = drawer.page(result.report, source_name) if drawer is not None else None
                if page is None:
                    page = page_html(result.report, source=source_name)  # an error waits for the files, then the folder goes
            files = made.result()
            say(f"writing {out}")
            (tmp / "report.html").write_text(page, encoding="utf-8")
            files["report.html"] = {"sha256": output.sha256_file(tmp / "report.html")}
            files["action_list.csv"]["rows"] = files["action_list.parquet"]["rows"] = n
            summary["files"] = files
            (tmp / "summary.json").write_text(_summary_json(summary), encoding="utf-8")
    except OSError as exc:
        raise OutputFolderError(f"Cannot write the output folder {out}: {exc.strerror or exc}. "
                                "Check that its parent folder exists and is writable, and that there is disk space.") from exc
    say(f"done: {n:,} customers")
    return out
