"""The observable traces each hidden persona leaves, per customer, beside the truth."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import CustomerBase

__all__ = ["persona_traces", "trace_ceiling", "TRACE_FEATURES"]


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
    truth = base.table("truth").set_index("customer_id")[["persona", "orientation", "leader_role"]]
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
    kinds = base.table("interactions").groupby(["customer_id", "kind"], observed=True).size().unstack(fill_value=0)
    for kind, col in (("browse", "browse_sessions"), ("suggestion", "suggestions")):
        out[col] = kinds[kind].reindex(out.index, fill_value=0) if kind in kinds else 0
    out["browse_per_order"] = out["browse_sessions"] / out["n_orders"].replace(0, np.nan)
    if base.referrals is not None:
        made = base.referrals.loc[base.referrals.converted].groupby("referrer_id", observed=True).size()
        out["referrals_made"] = made.reindex(out.index, fill_value=0).astype(int)
    out = truth.join(out)
    out.index.name = "customer_id"
    return out.reset_index()


#: The evidence columns of :func:`persona_traces` that :func:`trace_ceiling` learns from.
TRACE_FEATURES = ("n_orders", "discount_share", "browse_sessions", "browse_per_order", "gap_cv",
                  "late_order_share", "premium_share", "new_release_share", "suggestions", "referrals_made")


def _trace_matrix(tr: pd.DataFrame) -> np.ndarray:
    x = tr.reindex(columns=list(TRACE_FEATURES)).astype(float)
    for c in ("n_orders", "browse_sessions", "browse_per_order", "suggestions", "referrals_made"):
        x[c] = np.log1p(x[c])
    return np.hstack([x.fillna(-1).to_numpy(), x.isna().to_numpy(float)])   # "no orders" is evidence too


def trace_ceiling(train: CustomerBase, test: CustomerBase, *, column: str = "persona", k: int = 30) -> pd.DataFrame:
    """How well a flexible model with no hand-written rules reads a hidden label from the traces.

    k nearest neighbours (plain numpy) on the standardised :data:`TRACE_FEATURES` of
    :func:`persona_traces`, trained on one base (``train``, e.g. one seed) and scored on
    another (``test``, another seed), so it cannot memorise its test customers. Its accuracy
    is a practical ceiling for rules that read the same evidence: where it stays far from 1,
    the traces overlap and no rule can be certain.

    Returns
    -------
    DataFrame indexed by ``customer_id`` of ``test`` with ``truth`` and ``predicted``;
    ``attrs`` hold ``accuracy``, ``macro_recall`` and ``majority`` (the accuracy of always
    guessing the most common label).

    Examples
    --------
    >>> from playbook.synth import generate, trace_ceiling
    >>> got = trace_ceiling(generate("retail", n_customers=800, seed=0), generate("retail", n_customers=800, seed=1))
    >>> bool(got.attrs["majority"] < got.attrs["accuracy"] < 1)
    True
    """
    a_tr, b_tr = persona_traces(train), persona_traces(test)
    y_train = a_tr[column].astype(str).to_numpy()
    y_test = b_tr[column].astype(str).to_numpy()
    x_train, x_test = _trace_matrix(a_tr), _trace_matrix(b_tr)
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-9
    x_train, x_test = (x_train - mu) / sd, (x_test - mu) / sd
    labels = np.unique(y_train)
    k = int(min(k, len(x_train) - 1))
    chunks: list[np.ndarray] = []
    for i in range(0, len(x_test), 500):
        d = ((x_test[i:i + 500, None, :] - x_train[None, :, :]) ** 2).sum(-1)
        nn = np.argpartition(d, k, axis=1)[:, :k]
        votes = np.stack([(y_train[nn] == lab).sum(1) for lab in labels], 1)
        chunks.append(labels[votes.argmax(1)])
    predicted = np.concatenate(chunks) if chunks else np.array([], dtype=str)
    out = pd.DataFrame({"truth": y_test, "predicted": predicted}, index=pd.Index(b_tr["customer_id"], name="customer_id"))
    hit = out["truth"] == out["predicted"]
    out.attrs.update(accuracy=float(hit.mean()), macro_recall=float(hit.groupby(out["truth"]).mean().mean()),
                     majority=float(out["truth"].value_counts(normalize=True).iloc[0]))
    return out
