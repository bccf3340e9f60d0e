"""The observable traces each hidden persona leaves, per customer, beside the truth."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import CustomerBase

__all__ = ["persona_traces"]


def persona_traces(base: CustomerBase) -> pd.DataFrame:
    """Per-customer evidence columns next to the hidden persona, for teaching and scoring.

    Columns: ``persona``, ``orientation``, ``leader_role`` (from ``truth``), and from the
    data: ``n_orders``, ``discount_share`` (orders with a discount), ``browse_sessions``,
    ``browse_per_order``, ``gap_cv`` (coefficient of variation of days between orders:
    low means regular), ``late_order_share`` (orders after 20:00), ``suggestions``,
    ``referrals_made``, ``premium_share`` and ``new_release_share``.

    Examples
    --------
    >>> import playbook
    >>> from playbook.synth import persona_traces
    >>> tr = persona_traces(playbook.load_dataset("retail"))
    >>> tr.groupby("persona", observed=True).discount_share.mean().idxmax()
    'discount_driven'
    """
    base.require("truth", "interactions", by="persona_traces")
    truth = base.truth.set_index("customer_id")[["persona", "orientation", "leader_role"]]
    o = base.orders.sort_values(["customer_id", "order_date"], kind="stable")
    g = o.groupby("customer_id", observed=True)
    gaps = g["order_date"].diff().dt.total_seconds() / 86400
    gap_stats = gaps.groupby(o["customer_id"], observed=True).agg(["mean", "std"])
    out = pd.DataFrame(index=truth.index)
    out["n_orders"] = g.size().reindex(out.index, fill_value=0)
    per = pd.DataFrame({
        "discount_share": (o["discount"] > 0).groupby(o["customer_id"], observed=True).mean(),
        "late_order_share": (o["order_date"].dt.hour >= 20).groupby(o["customer_id"], observed=True).mean(),
        "premium_share": (o["product_line"].astype(str) == "premium").groupby(o["customer_id"], observed=True).mean(),
        "new_release_share": (o["product_line"].astype(str) == "new_release").groupby(o["customer_id"], observed=True).mean(),
        "gap_cv": gap_stats["std"] / gap_stats["mean"],
    })
    out = out.join(per)
    kinds = base.interactions.groupby(["customer_id", "kind"], observed=True).size().unstack(fill_value=0)
    for kind, col in (("browse", "browse_sessions"), ("suggestion", "suggestions")):
        out[col] = kinds[kind].reindex(out.index, fill_value=0) if kind in kinds else 0
    out["browse_per_order"] = out["browse_sessions"] / out["n_orders"].replace(0, np.nan)
    if base.referrals is not None:
        made = base.referrals.loc[base.referrals.converted].groupby("referrer_id", observed=True).size()
        out["referrals_made"] = made.reindex(out.index, fill_value=0).astype(int)
    out = truth.join(out)
    out.index.name = "customer_id"
    return out.reset_index()
