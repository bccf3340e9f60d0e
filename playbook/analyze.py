"""From an orders export to Monday's work: a per-customer action list and a one-page report.

:func:`analyze` reads and checks the orders (:func:`playbook.byod.from_orders`), scores every
customer, and writes ``action_list.csv``/``.parquet``, ``report.html`` and ``summary.json`` into one folder, atomically.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .data import CustomerBase, atomic_folder
from .errors import DataValidationError, InvalidArgumentError, OutputFolderError
from .i18n import register_labels, resolve_lang

__all__ = ["analyze", "build_analysis", "Analysis", "OutputFolderError", "check_output_folder", "OUTPUT_FILES"]

#: The files :func:`analyze` writes; ``force=True`` replaces only a folder holding nothing else.
OUTPUT_FILES = ("action_list.csv", "action_list.parquet", "report.html", "summary.json")
MADE_BY = "playbook analyze"

register_labels({
    "days_overdue": ("Days overdue", "逾期天数"),
    "last_contact": ("Last contact", "上次联系"),
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


def _check_lang(lang) -> str:
    return resolve_lang(lang, "analyze")  # None follows i18n.use()


def _date(ts) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def build_analysis(base: CustomerBase, *, lang: str | None = None) -> Analysis:
    """Score every customer of ``base`` at ``base.as_of`` and gather the headline figures.

    Parameters
    ----------
    base : CustomerBase
        Usually from :func:`playbook.byod.from_orders`; only ``orders`` is needed.
    lang : {"en", "zh"}
        Language of the strategy reasons and of labels.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import playbook
    >>> a = build_analysis(playbook.load_dataset("b2b"))
    >>> a.summary["customers"] == len(a.actions) == len(a.customers)
    True
    """
    from .rfm import rfm_scores, rfm_segments, segment_summary
    from .segment import TIERS, gini, pareto_table, top_share
    from .strategy import STRATEGIES, _action_list

    lang = _check_lang(lang)
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"build_analysis needs a CustomerBase (playbook.byod.from_orders(...)). Got {type(base).__name__}.")
    ts = base.as_of
    orders = base.orders
    actions, risk, plan = _action_list(base, ts, lang)  # risk and plan once, as the action list used them
    customers = pareto_table(orders)
    rfm = segment_summary(rfm_segments(rfm_scores(base, ts)), lang=lang)

    n = len(actions)
    revenue = float(orders["amount"].sum())
    per_tier = pd.DataFrame({"tier": actions["tier"].astype(str),
                             "revenue": customers["revenue"].reindex(actions.index).to_numpy()})
    tiers = per_tier.groupby("tier")["revenue"].agg(["size", "sum"]).reindex(list(TIERS), fill_value=0)
    threshold = float(risk.attrs.get("threshold", 30.0))
    warned = risk.loc[risk["warning"]]
    points = [c for c in risk.columns if c.startswith("points_")]
    reasons = (warned[points] >= 1.0).sum().sort_values(ascending=False, kind="stable")
    strategies = actions["strategy"].astype(str).value_counts().reindex(list(STRATEGIES), fill_value=0)
    overdue = plan.loc[plan["overdue"]]
    by_tier = overdue["tier"].astype(str).value_counts().reindex(list(TIERS), fill_value=0)
    cum = customers["cum_share_of_value"].to_numpy()
    reach80 = int(np.argmax(cum >= 0.8)) + 1 if (cum >= 0.8).any() else n
    summary = {
        "customers": n,
        "orders": int(len(orders)),
        "revenue": round(revenue, 2),
        "first_order": _date(orders["order_date"].min()),
        "last_order": _date(orders["order_date"].max()),
        "as_of": _date(ts),
        "has_margin": "margin" in orders.columns,
        "tables": list(base.tables),
        "pareto": {
            "top_20_percent_revenue_share": round(top_share(customers["revenue"], 0.2), 4),
            "customers_share_for_80_percent_revenue": round(reach80 / n, 4),
            "gini": round(gini(customers["revenue"]), 4),
        },
        "tiers": {t: {"customers": int(row["size"]), "revenue": round(float(row["sum"]), 2),
                      "revenue_share": round(float(row["sum"]) / revenue, 4) if revenue > 0 else None}
                  for t, row in tiers.iterrows()},
        "rfm_segments": {str(s): {"customers": int(row["customers"]), "revenue_share": None if pd.isna(row["revenue_share"])
                                  else round(float(row["revenue_share"]), 4)} for s, row in rfm.iterrows()},
        "churn": {
            "threshold": threshold,
            "high_risk": int(len(warned)),
            "mean_risk": round(float(risk["risk"].mean()), 1),
            "top_reasons": {p.removeprefix("points_"): int(k) for p, k in reasons.items() if k > 0},
        },
        "strategies": {s: int(k) for s, k in strategies.items()},
        "follow_up": {"planned": int(len(plan)), "overdue": int(len(overdue)),
                      "overdue_by_tier": {t: int(k) for t, k in by_tier.items()}},
        "notes": list(base.meta.get("notes", [])),
    }
    return Analysis(actions=actions, customers=customers, rfm=rfm, risk=risk, plan=plan, summary=summary, lang=lang)


def check_output_folder(folder, *, replace: bool, option: str = "force=True (CLI: --force)", protect=()) -> Path:
    """Refuse an output folder that must not be written; return it as a Path.

    A file is refused; an existing non-empty folder is refused unless ``replace``; even then
    it is refused when it holds anything :func:`analyze` does not write (``OUTPUT_FILES``) or
    any path in ``protect`` (the input file), so a user's own files are never deleted.

    Raises
    ------
    OutputFolderError

    Examples
    --------
    >>> import tempfile
    >>> check_output_folder(tempfile.mkdtemp(), replace=False).is_dir()
    True
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"Output path {folder} exists and is a file; give a folder name.")
    if not folder.is_dir():
        return folder
    inside = [Path(p) for p in protect if Path(p).resolve().is_relative_to(folder.resolve())]
    if inside:
        raise OutputFolderError(
            f"Output folder {folder} contains the input file {inside[0].name}; writing there could delete your data. "
            f"Choose a new folder, e.g. {folder / 'analysis'}."
        )
    entries = sorted(p.name for p in folder.iterdir())
    if entries and not replace:
        raise OutputFolderError(
            f"Output folder {folder} already exists and is not empty; nothing was written. "
            f"Choose another folder, or pass {option} to replace it."
        )
    if replace and option.startswith("force"):
        foreign = [e for e in entries if e not in OUTPUT_FILES]
        if foreign:
            raise OutputFolderError(
                f"Output folder {folder} holds files that playbook analyze did not write (e.g. {foreign[0]!r}); "
                "force only replaces an earlier analyze output. Choose a new folder, or move those files."
            )
    return folder


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def analyze(orders, *, columns: dict | None = None, as_of=None, out, lang: str | None = None, force: bool = False,
            progress: Callable[[str], None] | None = None, **read_options) -> Path:
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
        Output folder. Must not exist, be empty, or (with ``force=True``) hold only an
        earlier analyze output; a folder containing the input is always refused.
    lang : {"en", "zh"}
        Language of the report and of the strategy reasons.
    force : bool
        Replace an earlier analyze output in ``out``.
    progress : callable, optional
        Called with a short message at each stage (reading, scoring, drawing, writing).
    **read_options
        Passed to :func:`playbook.byod.from_orders`: ``refunds``, ``duplicates``,
        ``encoding``, ``sheet``, ``date_format`` and optional tables.

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
    from . import __version__
    from .byod import from_orders
    from .report import report_html
    from .strategy import neutralise_formulas

    lang = _check_lang(lang)
    say = progress or (lambda message: None)
    source = Path(orders) if isinstance(orders, (str, Path)) else None
    out = check_output_folder(out, replace=force, protect=[source] if source is not None else ())
    if source is not None and source.is_file():
        say(f"reading {source.name} ({source.stat().st_size / 1e6:,.1f} MB)")
        try:
            digest = _sha256_file(source)
        except OSError as exc:
            raise DataValidationError(f"{source.name} cannot be read: {exc.strerror or exc}. Check the file's permissions.") from exc
    else:
        say("reading the orders")
        digest = None
    try:
        base = from_orders(orders, columns, as_of=as_of, lang=lang, **read_options)
    except OSError as exc:
        raise DataValidationError(f"{getattr(source, 'name', 'the orders')} cannot be read: {exc.strerror or exc}.") from exc
    n_customers = base.orders["customer_id"].nunique()
    say(f"read {len(base.orders):,} orders of {n_customers:,} customers; scoring them at {base.as_of.date()}")
    result = build_analysis(base, lang=lang)
    say("drawing the report")
    page = report_html(result, source=source.name if source is not None else None)
    table = result.actions.reset_index()
    summary = {
        "made_by": MADE_BY,
        "kit_version": __version__,
        "lang": lang,
        "input": {"name": source.name if source is not None else None, "sha256": digest},
        **result.summary,
    }
    say(f"writing {out}")
    try:
        with atomic_folder(out, overwrite=force) as tmp:
            files = {}
            neutralise_formulas(table).to_csv(tmp / "action_list.csv", index=False, encoding="utf-8-sig")
            table.assign(tier=table["tier"].astype(str)).to_parquet(tmp / "action_list.parquet", index=False)
            (tmp / "report.html").write_text(page, encoding="utf-8")
            for name in OUTPUT_FILES[:3]:
                files[name] = {"sha256": _sha256_file(tmp / name)}
            files["action_list.csv"]["rows"] = files["action_list.parquet"]["rows"] = len(table)
            summary["files"] = files
            (tmp / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputFolderError(f"Cannot write the output folder {out}: {exc.strerror or exc}. "
                                "Check that its parent folder exists and is writable, and that there is disk space.") from exc
    say(f"done: {len(table):,} customers")
    return out
