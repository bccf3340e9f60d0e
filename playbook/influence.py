"""Core customers and opinion leaders (核心客户与意见领袖): the referral graph, three leader roles,
influence against spend, and the revenue that walks out with a leader ("reach of a loss").
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .data import CustomerBase, end_of_day, require_columns, summarize, table_of, to_timestamp
from .errors import DataValidationError, InvalidArgumentError, MissingTableError, format_rows
from .i18n import register_labels
from .vocabulary import LEADER_ROLES

__all__ = [
    "LEADER_ROLES",
    "referral_graph",
    "opinion_leaders",
    "core_vs_biggest",
    "reach_of_loss",
    "precision_at_k",
]

_SCORE_COLS = {r: f"{r}_score" for r in LEADER_ROLES}

register_labels({
    "core_customer": ("Core customer", "核心客户"),
    "influence_score": ("Influence score", "影响力得分"),
    "predicted_role": ("Predicted role", "识别出的角色"),
    "referral_network": ("Referral network", "客户推荐网络"),
    "reach_of_loss": ("Reach of a loss", "流失波及范围"),
    "followers": ("Customers they brought in", "带来的客户数"),
    "n_reach": ("Customers down their referral tree", "推荐树上的客户数"),
    "revenue_at_stake": ("Revenue at stake", "随之流失的销售额"),
    "conversion_rate": ("Referral conversion rate", "推荐成交率"),
    "feedback_quality": ("Quality of feedback", "反馈质量"),
    "influence_rank": ("Rank by influence", "影响力排名"),
    "spend_rank": ("Rank by spend", "消费额排名"),
})


# ------------------------------------------------------------------ the referral graph

def referral_graph(base_or_referrals, *, as_of=None, converted_only: bool = True):
    """The referral graph (客户推荐网络): an edge from each referrer to the customer they brought in.

    Parameters
    ----------
    base_or_referrals : CustomerBase or DataFrame
        A base with a ``referrals`` table, or the referrals themselves with columns
        ``referrer_id``, ``referred_id`` and optionally ``converted``.
    as_of : date-like, optional
        Keep only what was known on this date (the whole day): a base is seen as on that
        date (:meth:`~playbook.CustomerBase.snapshot`), referrals need ``referred_at``.
        By default everything given.
    converted_only : bool
        Keep only referrals marked ``converted`` (default). False keeps every referral that
        names a referred customer.

    Returns
    -------
    networkx.DiGraph
        Nodes are customer ids. Every referrer carries ``referrals_made`` and
        ``referrals_converted`` (all its referrals, named or not); with a base, every node
        also carries ``revenue`` (orders up to ``base.as_of``) and ``known`` (the id is in
        the base's customers or orders). An edge carries ``referred_at`` when known.

    Notes
    -----
    - **Self-referrals** (referrer = referred) are dropped with a ``UserWarning`` naming the
      rows: they would make a customer their own follower.
    - **Cycles** (A brought B, B "brought" A) are kept as they are: the graph allows them,
      and every walk in this module visits a node once, so nothing loops.
    - **Unknown customers** (ids the base has no record of) are kept with ``known=False``
      and a ``UserWarning``; they add to counts, not to revenue.
    - A customer referred twice keeps both edges.

    Examples
    --------
    >>> refs = pd.DataFrame({"referrer_id": ["a", "a", "b", "a"], "referred_id": ["b", "c", "d", None],
    ...                      "converted": [True, True, True, False]})
    >>> g = referral_graph(refs)
    >>> sorted(g.successors("a")), g.nodes["a"]["referrals_made"]
    (['b', 'c'], 3)
    """
    if as_of is not None:
        base_or_referrals = _known_on(base_or_referrals, as_of, "referral_graph")
    return _graph(base_or_referrals, converted_only=converted_only, warn_unknown=True)


def _known_on(base_or_referrals, as_of, func: str):
    """The base, or the referrals, as known on ``as_of``."""
    if isinstance(base_or_referrals, CustomerBase):
        return base_or_referrals.snapshot(as_of)
    if isinstance(base_or_referrals, pd.DataFrame):
        require_columns(base_or_referrals, ["referred_at"], func, table="referrals")
        return base_or_referrals.loc[base_or_referrals["referred_at"] <= end_of_day(to_timestamp(as_of))]
    return base_or_referrals  # _graph says what it needs


def _graph(base_or_referrals, *, converted_only: bool = True, warn_unknown: bool = False):
    """:func:`referral_graph`; analyses on a snapshot pass ``warn_unknown=False``, since a
    referral can be dated a few days before the referred customer signs up."""
    import networkx as nx

    func = "referral_graph"
    refs, base = table_of(base_or_referrals, "referrals", func)
    require_columns(refs, ("referrer_id", "referred_id"), func, table="referrals")
    if refs["referrer_id"].isna().any():
        bad = refs.index[refs["referrer_id"].isna()]
        raise DataValidationError(f"referrals has no 'referrer_id' in {format_rows(bad)}; drop or fix them.")
    referrer = refs["referrer_id"].astype(str)
    named = refs["referred_id"].notna().to_numpy()
    referred = refs["referred_id"].astype(object).where(named).map(lambda v: v if pd.isna(v) else str(v))
    converted = (refs["converted"].fillna(False).astype(bool).to_numpy() if "converted" in refs.columns
                 else named)
    self_ref = named & (referrer.to_numpy() == referred.to_numpy())
    if self_ref.any():
        bad = refs.index[self_ref]
        warnings.warn(f"{func}: dropped {int(self_ref.sum())} self-referral(s) (referrer = referred) in "
                      f"{format_rows(bad, referrer[self_ref])}.", UserWarning, stacklevel=2)
    made = referrer[~self_ref].value_counts()
    conv = referrer[~self_ref & converted].value_counts()
    keep = named & ~self_ref & (converted if converted_only else True)
    g = nx.DiGraph()
    for node in made.index:
        g.add_node(node, referrals_made=int(made[node]), referrals_converted=int(conv.get(node, 0)))
    dates = refs["referred_at"] if "referred_at" in refs.columns else pd.Series(pd.NaT, index=refs.index)
    for a, b, d in zip(referrer[keep], referred[keep], dates[keep]):
        g.add_edge(a, b, **({"referred_at": d} if pd.notna(d) else {}))
    for node in g.nodes:
        g.nodes[node].setdefault("referrals_made", 0)
        g.nodes[node].setdefault("referrals_converted", 0)
    if base is not None:
        _attach_customer_facts(g, base, func, warn_unknown)
    return g


def _revenue(base: CustomerBase) -> pd.Series:
    if len(base.orders) == 0:
        return pd.Series(dtype=float)
    as_of = base.as_of if base.as_of is not None else base.orders["order_date"].max()
    return summarize(base.orders, as_of)["revenue"]


def _attach_customer_facts(g, base: CustomerBase, func: str, warn: bool) -> None:
    revenue = _revenue(base)
    known_ids = set(revenue.index.astype(str))
    if base.customers is not None:
        known_ids |= set(base.customers["customer_id"].astype(str))
    unknown = sorted(n for n in g.nodes if n not in known_ids)
    if unknown and warn:
        warnings.warn(f"{func}: {len(unknown)} referral id(s) are not customers of {base.name}: "
                      f"{', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}. Kept with known=False.",
                      UserWarning, stacklevel=4)
    for node in g.nodes:
        g.nodes[node]["revenue"] = float(revenue.get(node, 0.0))
        g.nodes[node]["known"] = node in known_ids


# ------------------------------------------------------------------ opinion leaders

def _base_at(base, as_of, func: str) -> CustomerBase:
    if not isinstance(base, CustomerBase):
        raise InvalidArgumentError(f"{func} needs a CustomerBase (orders plus referrals and/or interactions). "
                                   f"Got {type(base).__name__}; build one with CustomerBase(orders=..., referrals=..., interactions=...).")
    require_columns(base.orders, ("customer_id", "order_date", "amount"), func)
    if len(base.orders) == 0:
        raise DataValidationError(f"{func}: orders is empty: there is nothing to analyse.")
    if as_of is not None:
        if base.referrals is not None:  # a snapshot needs to know when each referral was made
            require_columns(base.referrals, ("referred_at",), func, table="referrals")
        ts = to_timestamp(as_of)
        first = base.orders["order_date"].min()
        if ts < first.normalize():
            raise DataValidationError(f"{func}: as_of={ts.date()} is before the first order ({first.date()}): "
                                      "no order is known at that date.")
        return base.snapshot(ts)
    if base.as_of is None:
        raise InvalidArgumentError(f"{func}: the base has no as_of; pass as_of='YYYY-MM-DD'.")
    return base


def _universe(base: CustomerBase) -> pd.Index:
    ids = [base.orders["customer_id"].astype(str)]
    if base.customers is not None:
        ids.append(base.customers["customer_id"].astype(str))
    if base.referrals is not None:
        ids.append(base.referrals["referrer_id"].dropna().astype(str))
    return pd.Index(sorted(set(pd.concat(ids))), name="customer_id")


def _feedback(base: CustomerBase, ids: pd.Index, suggestion_weight: float) -> pd.DataFrame:
    inter = base.table("interactions")
    require_columns(inter, ("customer_id", "kind", "quality"), "opinion_leaders", table="interactions")
    fb = inter.loc[inter["kind"].isin(["suggestion", "review"]), ["customer_id", "kind", "quality"]]
    q = fb["quality"].astype(float)
    bad = fb.index[(q < 0) | (q > 1)]
    if len(bad):
        raise DataValidationError(f"interactions: 'quality' must lie between 0 and 1; out of range in {format_rows(bad)}.")
    cid = fb["customer_id"].astype(str)
    is_review = (fb["kind"] == "review").to_numpy()
    weighted = q.fillna(0.0).where(is_review, q.fillna(0.0) * suggestion_weight)
    out = pd.DataFrame({
        "n_reviews": pd.Series(is_review, index=fb.index).groupby(cid).sum(),
        "n_suggestions": pd.Series(~is_review, index=fb.index).groupby(cid).sum(),
        "feedback_quality": q.groupby(cid).mean(),
        "product_expert_score": weighted.groupby(cid).sum(),
    }).reindex(ids)
    return out.fillna({"n_reviews": 0, "n_suggestions": 0, "product_expert_score": 0.0}).astype(
        {"n_reviews": np.int64, "n_suggestions": np.int64})


def _network(base: CustomerBase, ids: pd.Index, prior_strength: float, event_weight: float) -> pd.DataFrame:
    import networkx as nx

    g = _graph(base)
    made = pd.Series(dict(g.nodes(data="referrals_made")), dtype=float).reindex(ids, fill_value=0.0)
    conv = pd.Series(dict(g.nodes(data="referrals_converted")), dtype=float).reindex(ids, fill_value=0.0)
    followers = pd.Series(dict(g.out_degree()), dtype=float).reindex(ids, fill_value=0.0)
    reach = pd.Series({n: len(nx.descendants(g, n)) for n in g.nodes if g.out_degree(n)}, dtype=float).reindex(ids, fill_value=0.0)
    events = pd.Series(0.0, index=ids)
    if base.interactions is not None and "kind" in base.interactions.columns:
        ev = base.interactions.loc[base.interactions["kind"] == "event", "customer_id"].astype(str)
        events = ev.value_counts().reindex(ids, fill_value=0).astype(float)
    p0 = float(conv.sum() / made.sum()) if made.sum() > 0 else 0.0
    shrunk = (conv + prior_strength * p0) / (made + prior_strength)
    return pd.DataFrame({
        "referrals_made": made.astype(np.int64),
        "followers": followers.astype(np.int64),
        "n_reach": reach.astype(np.int64),
        "events": events.astype(np.int64),
        "conversion_rate": (conv / made).where(made > 0),
        "bridge_score": followers + event_weight * events,
        # Shrink towards the base rate so one lucky referral does not make a star.
        "gold_salesperson_score": shrunk.where(made > 0, 0.0),
    }, index=ids)


def opinion_leaders(
    base: CustomerBase,
    as_of=None,
    *,
    k: int | None = None,
    suggestion_weight: float = 0.25,
    event_weight: float = 0.3,
    prior_strength: float = 4.0,
) -> pd.DataFrame:
    """Score every customer on the three opinion-leader roles (意见领袖) and name the top ``k`` of each.

    - **Product expert** (产品专家): gives the most valuable feedback. ``product_expert_score``
      is the summed ``quality`` (0-1) of their reviews, plus ``suggestion_weight`` times that
      of their suggestions (suggestions also come from customers who simply push for
      improvements, so a review counts more).
    - **Bridge** (沟通桥梁): others follow them. ``bridge_score`` is the number of customers
      they brought in (out-degree in :func:`referral_graph`) plus ``event_weight`` per
      community event they took part in (bridges gather people).
    - **Gold salesperson** (金牌推销员): their word converts. ``gold_salesperson_score`` is
      the conversion rate of their referrals shrunk towards the base rate
      (``(converted + s * p0) / (made + s)`` with ``s = prior_strength``); 0 without referrals.

    Each score becomes a percentile (``<role>_pct``, 0 for customers with no evidence);
    ``influence_score`` is the best of the three: a customer is core if outstanding in any
    way. ``predicted_role`` is the role in whose top ``k`` the customer ranks; a customer in
    several top lists gets the role where they rank best; everyone else is ``none``.

    Parameters
    ----------
    base : CustomerBase
        Needs ``orders`` and at least one of ``interactions`` (product experts) and
        ``referrals`` (bridges, gold salespeople); a role without its table scores NaN.
    as_of : date-like, optional
        Use what was known then (default ``base.as_of``).
    k : int, optional
        Leaders named per role (default 1% of customers, at least 1).
    suggestion_weight, event_weight, prior_strength : float
        The weights described above.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (every customer), with evidence (``revenue``,
    ``n_reviews``, ``n_suggestions``, ``feedback_quality``, ``referrals_made``,
    ``followers``, ``n_reach``, ``events``, ``conversion_rate``), the three scores and
    percentiles, ``influence_score`` and ``predicted_role``; sorted by influence, highest first.

    Examples
    --------
    >>> import playbook
    >>> leaders = opinion_leaders(playbook.load_dataset("retail"), k=20)
    >>> int((leaders["predicted_role"] != "none").sum()) <= 3 * 20
    True
    >>> sorted(leaders["predicted_role"].unique())
    ['bridge', 'gold_salesperson', 'none', 'product_expert']
    >>> bool(leaders["influence_score"].is_monotonic_decreasing)
    True
    """
    func = "opinion_leaders"
    base = _base_at(base, as_of, func)
    if base.interactions is None and base.referrals is None:
        raise MissingTableError(f"{func} needs interactions (for product experts) or referrals (for bridges and "
                                f"gold salespeople); {base.name} has neither.")
    for name, value in (("suggestion_weight", suggestion_weight), ("event_weight", event_weight), ("prior_strength", prior_strength)):
        if not np.isfinite(value) or value < 0:
            raise InvalidArgumentError(f"The '{name}' parameter of {func} must be a number >= 0. Got {value!r}.")
    ids = _universe(base)
    if len(ids) == 0:
        raise DataValidationError(f"{func}: {base.name} has no customers.")
    k = max(1, int(round(0.01 * len(ids)))) if k is None else k
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidArgumentError(f"The 'k' parameter of {func} must be a whole number >= 1. Got {k!r}.")
    out = pd.DataFrame({"revenue": _revenue(base).reindex(ids, fill_value=0.0)}, index=ids)
    if base.interactions is not None:
        out = out.join(_feedback(base, ids, suggestion_weight))
    else:
        out["product_expert_score"] = np.nan
    if base.referrals is not None:
        out = out.join(_network(base, ids, prior_strength, event_weight))
    else:
        out["bridge_score"] = np.nan
        out["gold_salesperson_score"] = np.nan
    ranks = {}
    for role, col in _SCORE_COLS.items():
        score = out[col]
        has = score > 0
        out[f"{role}_pct"] = score.where(has).rank(pct=True, method="max").fillna(0.0)
        order = _ranking(score.where(has))
        ranks[role] = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(ids)
    out["influence_score"] = out[[f"{r}_pct" for r in LEADER_ROLES]].max(axis=1)
    rank = pd.DataFrame(ranks)[list(LEADER_ROLES)].to_numpy(dtype=float)
    rank = np.where(rank <= k, rank, np.inf)
    named = np.isfinite(rank).any(axis=1)
    best = np.where(named, np.array(LEADER_ROLES, dtype=object)[np.argmin(rank, axis=1)], "none")
    out["predicted_role"] = pd.Categorical(best, categories=[*LEADER_ROLES, "none"])
    out = out.sort_index(kind="stable").sort_values("influence_score", ascending=False, kind="stable")
    out.attrs["k"] = k
    return out


def _ranking(score: pd.Series) -> pd.Index:
    """Ids by score, highest first; ties in id order; customers without a score left out."""
    s = score.dropna()
    return s.sort_index(kind="stable").sort_values(ascending=False, kind="stable").index


# ------------------------------------------------------------------ core vs biggest

def core_vs_biggest(data, *, k: int = 20, as_of=None) -> pd.DataFrame:
    """Who is core (by influence) against who is biggest (by spend): the two top-``k`` lists side by side.

    Parameters
    ----------
    data : CustomerBase or DataFrame
        A base (scored with :func:`opinion_leaders`) or an :func:`opinion_leaders` table
        (needs ``influence_score`` and ``revenue``).
    k : int
        Length of each top list.
    as_of : date-like, optional
        Only with a base.

    Returns
    -------
    DataFrame indexed by ``customer_id``: the customers in either top list, with
    ``influence_rank``, ``spend_rank`` (1 = first), ``influence_score``, ``revenue``,
    ``predicted_role`` (when present) and ``list`` (``both``, ``influence_only``,
    ``spend_only``). ``attrs["overlap"]`` is the number in both lists and
    ``attrs["rank_correlation"]`` the Spearman correlation of the two rankings over all customers.

    Examples
    --------
    >>> t = pd.DataFrame({"influence_score": [0.9, 0.8, 0.1], "revenue": [5.0, 50.0, 100.0]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> core_vs_biggest(t, k=2)["list"].tolist()
    ['influence_only', 'both', 'spend_only']
    """
    func = "core_vs_biggest"
    table = opinion_leaders(data, as_of) if isinstance(data, CustomerBase) else data
    if not isinstance(table, pd.DataFrame):
        raise InvalidArgumentError(f"{func} needs a CustomerBase or an opinion_leaders() table. Got {type(data).__name__}.")
    require_columns(table, ("influence_score", "revenue"), func, table="the opinion_leaders table")
    if table.empty:
        raise DataValidationError(f"{func} got no customers: the table is empty.")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidArgumentError(f"The 'k' parameter of {func} must be a whole number >= 1. Got {k!r}.")
    k = min(k, len(table))
    by_influence = _ranking(table["influence_score"].astype(float).fillna(0.0))
    by_spend = _ranking(table["revenue"].astype(float).fillna(0.0))
    inf_rank = pd.Series(np.arange(1, len(by_influence) + 1), index=by_influence)
    spend_rank = pd.Series(np.arange(1, len(by_spend) + 1), index=by_spend)
    top_i, top_s = set(by_influence[:k]), set(by_spend[:k])
    members = [c for c in by_influence[:k]] + [c for c in by_spend[:k] if c not in top_i]
    cols = ["influence_score", "revenue"] + (["predicted_role"] if "predicted_role" in table.columns else [])
    out = table.loc[members, cols].copy()
    out.insert(0, "spend_rank", spend_rank.reindex(members).to_numpy())
    out.insert(0, "influence_rank", inf_rank.reindex(members).to_numpy())
    out["list"] = ["both" if (c in top_i and c in top_s) else "influence_only" if c in top_i else "spend_only" for c in members]
    out.index.name = "customer_id"
    out.attrs["overlap"] = len(top_i & top_s)
    both = pd.DataFrame({"i": inf_rank, "s": spend_rank.reindex(inf_rank.index)})
    out.attrs["rank_correlation"] = float(both["i"].corr(both["s"], method="spearman")) if len(both) > 1 else np.nan
    return out


# ------------------------------------------------------------------ reach of a loss

def reach_of_loss(base: CustomerBase, customers, *, as_of=None, depth: int | None = None,
                  together: bool = False) -> pd.DataFrame:
    """What walks out with a leader: their own revenue and that of everyone down their referral tree.

    Losing a core customer is "a cut to an artery": the customers they brought in
    (directly, and those their followers brought in) may follow them out.

    Parameters
    ----------
    base : CustomerBase
        Needs ``orders`` and ``referrals``.
    customers : str or sequence of str
        The leaders who might leave.
    as_of : date-like, optional
        Default ``base.as_of``.
    depth : int, optional
        How far down the tree to go (1 = only the customers they referred themselves);
        default the whole tree.
    together : bool
        One row for the whole set (customers reached by several counted once) instead of one per customer.

    Returns
    -------
    DataFrame with ``n_direct``, ``n_reach`` (customers down the tree, the leader excluded),
    ``own_revenue``, ``direct_revenue``, ``reach_revenue`` (all of the tree),
    ``revenue_at_stake`` (own + reach) and ``share_of_revenue`` (of all revenue up to ``as_of``).
    Indexed by ``customer_id``, or one row ``all`` when ``together``.

    Examples
    --------
    >>> import playbook
    >>> base = playbook.load_dataset("retail")
    >>> r = reach_of_loss(base, ["C00003"])
    >>> bool(r.loc["C00003", "revenue_at_stake"] >= r.loc["C00003", "own_revenue"])
    True
    """
    import networkx as nx

    func = "reach_of_loss"
    base = _base_at(base, as_of, func)
    base.require("referrals", by=func)
    ids = [customers] if isinstance(customers, str) else [str(c) for c in customers]
    if not ids:
        raise InvalidArgumentError(f"{func} needs at least one customer id in 'customers'.")
    if depth is not None and (not isinstance(depth, (int, np.integer)) or depth < 1):
        raise InvalidArgumentError(f"The 'depth' parameter of {func} must be a whole number >= 1 or None. Got {depth!r}.")
    revenue = _revenue(base)
    unknown = sorted(set(ids) - set(revenue.index.astype(str)) - set(_universe(base)))
    if unknown:
        raise DataValidationError(f"{func}: customers not found in {base.name}: {', '.join(unknown[:5])}"
                                  f"{' ...' if len(unknown) > 5 else ''}. Check the ids.")
    g = _graph(base)
    total = float(revenue.sum())

    def tree(node) -> tuple[set, set]:
        if node not in g:
            return set(), set()
        direct = set(g.successors(node)) - {node}
        reached = set(nx.single_source_shortest_path_length(g, node, cutoff=depth)) - {node}
        return direct, reached

    def row(members) -> dict:
        direct, reached = set(), set()
        for m in members:
            d, r = tree(m)
            direct |= d
            reached |= r
        direct -= set(members)
        reached -= set(members)
        own = float(revenue.reindex(list(members)).fillna(0.0).sum())
        reach_rev = float(revenue.reindex(list(reached)).fillna(0.0).sum())
        return {"n_direct": len(direct), "n_reach": len(reached), "own_revenue": own,
                "direct_revenue": float(revenue.reindex(list(direct)).fillna(0.0).sum()),
                "reach_revenue": reach_rev, "revenue_at_stake": own + reach_rev,
                "share_of_revenue": (own + reach_rev) / total if total else np.nan}

    if together:
        return pd.DataFrame([row(list(dict.fromkeys(ids)))], index=pd.Index(["all"], name="customer_id"))
    out = pd.DataFrame([row([c]) for c in dict.fromkeys(ids)], index=pd.Index(list(dict.fromkeys(ids)), name="customer_id"))
    return out


# ------------------------------------------------------------------ scoring against truth

def precision_at_k(scores, truth, role: str, k: int) -> float:
    """Share of the top ``k`` customers by a role's score who truly have that role.

    Parameters
    ----------
    scores : DataFrame or Series
        An :func:`opinion_leaders` table (its ``<role>_score`` column is used) or one score per customer.
    truth : DataFrame or Series
        The ``truth`` table (``customer_id``, ``leader_role``) or a Series of roles by customer.
    role : {"product_expert", "bridge", "gold_salesperson"}
    k : int
        How many of the top customers to check; ties broken by customer id.

    Returns
    -------
    float between 0 and 1

    Examples
    --------
    >>> s = pd.Series([3.0, 2.0, 1.0], index=["a", "b", "c"])
    >>> precision_at_k(s, pd.Series({"a": "bridge", "b": "none", "c": "bridge"}), "bridge", 2)
    0.5
    """
    func = "precision_at_k"
    if role not in LEADER_ROLES:
        raise InvalidArgumentError(f"The 'role' parameter of {func} must be one of {', '.join(LEADER_ROLES)}. Got {role!r}.")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidArgumentError(f"The 'k' parameter of {func} must be a whole number >= 1. Got {k!r}.")
    if isinstance(scores, pd.DataFrame):
        require_columns(scores, (_SCORE_COLS[role],), func, table="scores")
        scores = scores[_SCORE_COLS[role]]
    if not isinstance(scores, pd.Series):
        raise InvalidArgumentError(f"{func} needs scores as a DataFrame or Series. Got {type(scores).__name__}.")
    if isinstance(truth, pd.DataFrame):
        require_columns(truth, ("customer_id", "leader_role"), func, table="truth")
        truth = truth.set_index(truth["customer_id"].astype(str))["leader_role"]
    truth = truth.astype(str)
    truth.index = truth.index.astype(str)
    scores = scores.copy()
    scores.index = scores.index.astype(str)
    top = _ranking(scores)[:k]
    if len(top) == 0:
        raise DataValidationError(f"{func}: no customer has a {role} score.")
    return float((truth.reindex(top) == role).mean())
