"""Segmentation (客户细分): how value concentrates among customers, and who is who.

Foundation slice: :func:`top_share`. The 80/20 table, tiers, RFM and customer types grow here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataValidationError, InvalidArgumentError

__all__ = ["top_share"]


def top_share(values, share: float = 0.2) -> float:
    """Fraction of the total held by the top ``share`` of customers (the 80/20 check, 二八法则).

    Parameters
    ----------
    values : array-like or Series
        One value per customer (revenue, margin, orders); negatives count as they are.
    share : float
        Fraction of customers at the top, between 0 and 1 (default 0.2).

    Returns
    -------
    float
        For example 0.8 when the top 20% hold 80%.

    Examples
    --------
    >>> top_share([100, 10, 5, 3, 2], share=0.2)
    0.8333333333333334
    """
    if not 0 < share <= 1:
        raise InvalidArgumentError(f"The 'share' parameter of top_share must be in (0, 1]. Got {share!r}.")
    v = np.asarray(pd.Series(values).to_numpy(dtype=float))
    if v.size == 0:
        raise DataValidationError("top_share got no values: there are no customers to rank.")
    if np.isnan(v).any():
        raise DataValidationError(f"top_share got {int(np.isnan(v).sum())} missing values; fill or drop them first.")
    total = v.sum()
    if total <= 0:
        raise DataValidationError("top_share needs a positive total; these values sum to zero or less.")
    k = max(1, int(np.ceil(share * v.size - 1e-9)))
    return float(np.sort(v)[::-1][:k].sum() / total)
