"""Our shop next to a real one: :func:`realism` measures a base the way the CDNOW panel is measured.

Reference figures were computed from ``CDNOW_master.txt`` (the 23,570 customers who first
bought from CDNOW in the first 12 weeks of 1997, followed for 78 weeks to 1998-06-30; the
file ships inside the ``lifetimes`` wheel) (the code is in ``docs/generator.md``). Purchases
are counted as purchase days (several orders on one day are one purchase), as in the BTYD
literature. The December and weekday references are not from CDNOW (an online CD shop
whose panel shows no December peak: December 1997 had fewer purchase days than November);
they are a stated assumption for a general retailer, with a wide band.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import CustomerBase

__all__ = ["realism", "CDNOW_REFERENCE"]

COHORT_WEEKS = 12
PANEL_WEEKS = 78

#: measure -> (real reference, band low, band high, source / note)
CDNOW_REFERENCE = {
    "one_time_buyers": (0.511, 0.40, 0.62, "CDNOW: share of the cohort with a single purchase day in 78 weeks"),
    "purchase_days_per_customer": (2.87, 2.2, 3.8, "CDNOW: mean purchase days per customer in 78 weeks"),
    "median_days_between_purchases": (34.0, 20.0, 60.0, "CDNOW: median gap between consecutive purchase days"),
    "gap_p90_over_median": (5.9, 3.0, 9.0, "CDNOW: 90th percentile gap (200 d) over the median (34 d): long tail"),
    "repeat_within_12_weeks": (0.284, 0.18, 0.40, "CDNOW: share buying again within 12 weeks of the first purchase"),
    "spearman_count_vs_spend": (0.241, 0.12, 0.36, "CDNOW: Spearman of purchase days and mean spend per purchase day"),
    "spend_mean_over_median": (1.38, 1.15, 1.9, "CDNOW: mean over median spend per purchase day (right skew)"),
    "top20_revenue_share": (0.678, 0.55, 0.80, "CDNOW: share of 78-week revenue from the top 20% of customers"),
    "active_q2": (0.227, 0.13, 0.33, "CDNOW: share of the cohort buying in weeks 13-26 (13-week quarter 2)"),
    "active_q6": (0.141, 0.07, 0.23, "CDNOW: share of the cohort buying in weeks 65-78 (quarter 6)"),
    "december_vs_trend": (1.25, 1.10, 1.70, "assumption for general retail (CDNOW itself: about 1.0)"),
    "weekday_max_over_min": (1.133, 1.08, 1.60, "CDNOW: busiest over quietest weekday, purchase days (general retail is often higher)"),
}


def _purchase_days(base: CustomerBase, start: pd.Timestamp, end: pd.Timestamp, cohort_end: pd.Timestamp) -> pd.DataFrame:
    o = base.orders[["customer_id", "order_date", "amount"]]
    o = o[(o.order_date >= start) & (o.order_date < end)]
    d = o.assign(day=o.order_date.dt.normalize()).groupby(["customer_id", "day"], observed=True, as_index=False).amount.sum()
    first = d.groupby("customer_id", observed=True).day.transform("min")
    return d[first < cohort_end].assign(first=first[first < cohort_end])


def realism(base: CustomerBase, start=None) -> pd.DataFrame:
    """Measure a base the way the CDNOW panel is measured; one row per measure.

    The cohort is everyone whose first purchase falls in the 12 weeks from ``start``
    (default: the start date the generator recorded in ``base.meta["start"]``, else the first
    January 1 on or after the first order), followed for 78 weeks; the
    base should run at least 78 weeks from ``start``. The bands are for a retail shop. Columns: ``measure``, ``ours``, ``real``, ``low``, ``high``, ``inside`` and
    ``source``. December and weekday patterns use all orders of the base.

    >>> from playbook.synth import generate
    >>> t = realism(generate("retail", n_customers=3000, seed=1, process="realistic"))
    >>> list(t.columns)
    ['measure', 'ours', 'real', 'low', 'high', 'inside', 'source']
    """
    o = base.orders
    first_day = o.order_date.min().normalize()
    if start is None:  # a small base's first order may fall days after the shop opened: not a reason to skip a year
        start = base.meta.get("start") or pd.Timestamp(year=first_day.year + (first_day.day_of_year > 1), month=1, day=1)
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(weeks=PANEL_WEEKS)
    cohort_end = start + pd.Timedelta(weeks=COHORT_WEEKS)
    d = _purchase_days(base, start, end, cohort_end)
    ours = {}
    n_days = d.groupby("customer_id", observed=True).size()
    ours["one_time_buyers"] = float((n_days == 1).mean())
    ours["purchase_days_per_customer"] = float(n_days.mean())
    d = d.sort_values(["customer_id", "day"], kind="stable")
    gaps = d.groupby("customer_id", observed=True).day.diff().dt.days.dropna()
    ours["median_days_between_purchases"] = float(gaps.median())
    ours["gap_p90_over_median"] = float(gaps.quantile(0.9) / gaps.median())
    again = d[(d.day > d["first"]) & (d.day < d["first"] + pd.Timedelta(weeks=12))].customer_id.nunique()
    ours["repeat_within_12_weeks"] = again / len(n_days)
    mean_spend = d.groupby("customer_id", observed=True).amount.mean()
    ours["spearman_count_vs_spend"] = float(n_days.rank().corr(mean_spend.reindex(n_days.index).rank()))
    ours["spend_mean_over_median"] = float(d.amount.mean() / d.amount.median())
    rev = d.groupby("customer_id", observed=True).amount.sum().sort_values(ascending=False)
    ours["top20_revenue_share"] = float(rev.iloc[: int(0.2 * len(rev))].sum() / rev.sum())
    q = (d.day - start).dt.days // 91
    active = d.groupby(q).customer_id.nunique() / len(n_days)
    ours["active_q2"] = float(active.get(1, 0.0))
    ours["active_q6"] = float(active.get(5, 0.0))
    # Calendar: purchase days of all customers, December against the mean of Oct, Nov, Jan, Feb.
    allday = o.order_date.dt.normalize()
    per_month = allday.groupby(allday.dt.to_period("M")).size()
    ratios = []
    for p in per_month.index[per_month.index.month == 12]:
        around = [p - 2, p - 1, p + 1, p + 2]
        if all(a in per_month.index for a in around):
            ratios.append(per_month[p] / per_month[around].mean())
    ours["december_vs_trend"] = float(np.mean(ratios)) if ratios else float("nan")
    wd = allday.dt.day_of_week.value_counts()
    ours["weekday_max_over_min"] = float(wd.max() / wd.min())
    rows = [(m, ours[m], ref, lo, hi, bool(lo <= ours[m] <= hi), src) for m, (ref, lo, hi, src) in CDNOW_REFERENCE.items()]
    return pd.DataFrame(rows, columns=["measure", "ours", "real", "low", "high", "inside", "source"])
