"""Synthetic customer bases drawn from a latent buy-till-you-die process.

Every customer has a purchase rate (Gamma across customers), a chance of dropping out
after each repeat purchase (Beta) and a spend level (Gamma-Gamma); a hidden persona,
orientation and opinion-leader role leave visible traces in every table, and the
``truth`` table keeps all of it so methods can be scored. All draws come from one
seeded ``numpy.random.Generator``: the same arguments give the same data, byte for byte.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..data import CustomerBase, to_timestamp
from ..errors import InvalidArgumentError
from ..vocabulary import (
    CARE_KINDS,
    CHURN_CAUSES,
    COMPLAINT_CAUSES,
    INTERACTION_KINDS,
    LEADER_ROLES,
    ORIENTATIONS,
    PERSONAS,
    PROCUREMENT_STAGES,
    REP_CONTACT_KINDS,
)
from .pools import LOCALES, make_pools

__all__ = ["generate", "TUNABLE", "SCENARIOS", "Scenario", "PERSONAS", "ORIENTATIONS", "LEADER_ROLES", "PROCUREMENT_STAGES"]

PRODUCT_LINES = ("essentials", "premium", "new_release")
CAUSES = COMPLAINT_CAUSES


@dataclass(frozen=True)
class Scenario:
    """Parameters of one kind of business. Rates are per day unless named per year."""

    name: str
    n_customers: int
    start: str
    end: str
    id_prefix: str
    # BG/NBD: purchase rate lambda ~ Gamma(r, rate alpha), dropout p ~ Beta(a, b)
    r: float
    alpha: float
    a: float
    b: float
    # Gamma-Gamma: amount ~ Gamma(spend_shape, rate nu), nu ~ Gamma(spend_q, rate spend_gamma)
    spend_shape: float
    spend_q: float
    spend_gamma: float
    persona_weights: dict = field(default_factory=dict)
    leader_share: float = 0.012
    referral_share: float = 0.15
    complaint_rate: float = 0.025
    survey_rate: float = 0.3
    base_margin: tuple = (0.28, 0.48, 0.40)
    # interactions per year while active, by kind: (default, by persona overrides)
    interaction_rates: dict = field(default_factory=dict)
    acquisition_channels: tuple = ()
    channel_trend: dict = field(default_factory=dict)
    segments: tuple = ()
    segment_weights: tuple = ()


SCENARIOS: dict[str, Scenario] = {
    "retail": Scenario(
        name="retail", n_customers=5000, start="2023-01-01", end="2025-12-31", id_prefix="C",
        r=0.6, alpha=20.0, a=0.8, b=5.0, spend_shape=5.0, spend_q=3.0, spend_gamma=24.0,
        persona_weights={"wanderer": 0.15, "loyal": 0.22, "need_based": 0.20, "impulse": 0.18, "discount_driven": 0.25},
        interaction_rates={
            "browse": (3.0, {"wanderer": 30.0, "impulse": 8.0}),
            "visit": (1.0, {}), "call": (0.6, {"loyal": 1.2}), "follow_up": (0.0, {}),
            "suggestion": (0.15, {}), "event": (0.3, {"loyal": 1.2}), "review": (0.3, {}), "reference": (0.0, {}),
        },
        acquisition_channels=("organic_search", "social_media", "store_walk_in", "marketplace", "community_event", "referral"),
        channel_trend={"organic_search": (0.20, 0.30), "social_media": (0.32, 0.08), "store_walk_in": (0.20, 0.20),
                       "marketplace": (0.08, 0.17), "community_event": (0.05, 0.05)},
        segments=("18-29", "30-44", "45-59", "60+"), segment_weights=(0.27, 0.36, 0.24, 0.13),
    ),
    "b2b": Scenario(
        name="b2b", n_customers=400, start="2021-01-01", end="2025-12-31", id_prefix="A",
        r=2.0, alpha=80.0, a=0.7, b=14.0, spend_shape=4.0, spend_q=3.0, spend_gamma=9000.0,
        persona_weights={"wanderer": 0.05, "loyal": 0.30, "need_based": 0.35, "impulse": 0.10, "discount_driven": 0.20},
        leader_share=0.02, referral_share=0.12, complaint_rate=0.04, survey_rate=0.8,
        base_margin=(0.20, 0.34, 0.29),
        interaction_rates={
            "browse": (2.0, {"wanderer": 14.0}), "visit": (3.0, {}), "call": (5.0, {}), "follow_up": (9.0, {"loyal": 12.0}),
            "suggestion": (0.4, {}), "event": (0.5, {}), "review": (0.1, {}), "reference": (0.0, {}),
        },
        acquisition_channels=("trade_show", "industry_website", "peer_website", "cold_call", "referral"),
        channel_trend={"trade_show": (0.40, 0.15), "industry_website": (0.20, 0.35), "peer_website": (0.10, 0.25),
                       "cold_call": (0.18, 0.13)},
        segments=("automotive", "electronics", "machinery", "food_processing", "chemicals", "medical_devices"),
        segment_weights=(0.22, 0.2, 0.2, 0.14, 0.12, 0.12),
    ),
}

# The "big customers jumped ship" case (大客户跳槽), scripted into b2b.
BIG_ACCOUNTS = 4
BIG_RATE = 0.12                 # orders per day while all is well
BIG_MEAN_SPEND = 240_000.0
WARNING_START = "2024-05-01"    # gaps lengthen, follow-ups thin out, complaints stay open
BIG_EXITS = ("2024-11-10", "2024-11-28", "2024-12-12")  # three of four stop ordering
SHOCK_QUARTER = ("2025-01-01", "2025-03-31")            # only the fourth orders, and less

_ORIENTATION_BY_PERSONA = {
    "loyal": (0.2, 0.6, 0.2), "discount_driven": (0.7, 0.15, 0.15), "impulse": (0.25, 0.3, 0.45),
    "need_based": (0.45, 0.35, 0.2), "wanderer": (0.4, 0.2, 0.4),
}
_PRODUCT_BY_ORIENTATION = {"cost": (0.75, 0.10, 0.15), "value": (0.25, 0.60, 0.15), "technology": (0.25, 0.20, 0.55)}
_DISCOUNT_PROB = {"loyal": 0.05, "discount_driven": 0.72, "impulse": 0.15, "need_based": 0.10, "wanderer": 0.25}
_SATISFACTION = {"loyal": 4.4, "discount_driven": 3.5, "impulse": 3.7, "need_based": 3.9, "wanderer": 3.3}
_PRICE_SENS = {"cost": 4.1, "value": 2.4, "technology": 2.8}


#: The largest base generate() makes (about 3 GB of memory per million retail customers at peak).
MAX_CUSTOMERS = 5_000_000
#: Generating processes: "realistic" (the default: continuous hazard, correlated latents, calendar,
#: firm policy), "classic" (earlier releases: BG/NBD + Gamma-Gamma latents with scripted signals) and
#: "bgnbd" (classic with orders exactly BG/NBD + Gamma-Gamma: every customer buys, Poisson gaps).
PROCESSES = ("classic", "realistic", "bgnbd")
EARLIEST_START = pd.Timestamp("1900-01-01")


def memory_estimate_mib(scenario: str = "retail", n_customers: int | None = None, process: str = "realistic") -> float:
    """Rough peak memory of :func:`generate` in MiB, so a caller can say it before starting.

    Measured with ``benchmarks/bench_generate.py``: 438 MiB peak for 100,000 retail
    customers (classic), 405 MiB (realistic); b2b accounts carry more orders each. An
    estimate, not a promise (within a factor of 2).

    >>> round(memory_estimate_mib("retail", 100_000))
    450
    """
    n = SCENARIOS[scenario].n_customers if n_customers is None else int(n_customers)
    mib_per_million = {"retail": 3000.0, "b2b": 12000.0}.get(scenario, 3000.0)
    return 150.0 + n / 1e6 * mib_per_million


def _check_args(scenario, n_customers, start, end, seed, locale, process="realistic"):
    if process not in PROCESSES:
        raise InvalidArgumentError(f"The 'process' parameter of generate must be one of {', '.join(map(repr, PROCESSES))}. Got {process!r}.")
    if scenario not in SCENARIOS:
        raise InvalidArgumentError(f"The 'scenario' parameter of generate must be one of {', '.join(map(repr, SCENARIOS))}. Got {scenario!r}.")
    if locale not in LOCALES:
        raise InvalidArgumentError(f"The 'locale' parameter of generate must be one of {', '.join(map(repr, LOCALES))}. Got {locale!r}.")
    sc = SCENARIOS[scenario]
    n = sc.n_customers if n_customers is None else n_customers
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise InvalidArgumentError(f"The 'n_customers' parameter of generate must be a positive whole number. Got {n_customers!r}.")
    if n > MAX_CUSTOMERS:
        raise InvalidArgumentError(
            f"The 'n_customers' parameter of generate must be at most {MAX_CUSTOMERS:,} "
            f"(about {memory_estimate_mib(scenario, MAX_CUSTOMERS, process) / 1024:.0f} GB of memory). Got {n:,}.")
    if scenario == "b2b" and n < BIG_ACCOUNTS + 6:
        raise InvalidArgumentError(f"The b2b scenario needs at least {BIG_ACCOUNTS + 6} customers (it scripts {BIG_ACCOUNTS} key accounts). Got {n}.")
    default_start = sc.start
    if process == "realistic":
        from .realistic import LATENT
        default_start = LATENT[scenario]["start"]
    s = _check_date(default_start if start is None else start, "start")
    e = _check_date(sc.end if end is None else end, "end")
    if e <= s:
        raise InvalidArgumentError(f"The 'end' parameter of generate must be after 'start'. Got start={s.date()}, end={e.date()}.")
    if e <= s + pd.Timedelta(days=90):
        raise InvalidArgumentError(f"The 'end' parameter of generate must be at least 90 days after 'start'. Got start={s.date()}, end={e.date()}.")
    if scenario == "b2b" and not (s <= pd.Timestamp("2022-01-01") and e >= pd.Timestamp(SHOCK_QUARTER[1])):
        raise InvalidArgumentError(
            "The b2b scenario scripts the 2025 'big customers jumped ship' case: 'start' must be on or before "
            f"2022-01-01 and 'end' on or after {SHOCK_QUARTER[1]}. Got start={s.date()}, end={e.date()}."
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgumentError(f"The 'seed' parameter of generate must be a non-negative whole number. Got {seed!r}.")
    return sc, int(n), s, e


def _check_date(value, name):
    try:
        ts = to_timestamp(value, name)
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise InvalidArgumentError(f"The '{name}' parameter of generate must be a date from 1900-01-01 to 2199-12-31. Got {value!r}.") from exc
    if not EARLIEST_START <= ts <= pd.Timestamp("2199-12-31"):
        raise InvalidArgumentError(f"The '{name}' parameter of generate must be a date from 1900-01-01 to 2199-12-31. Got {value!r}.")
    return ts.normalize()


# Parameters a learner may change, with the range that keeps the model meaningful.
TUNABLE = {
    "r": (0.05, 20.0), "alpha": (0.5, 5000.0), "a": (0.05, 20.0), "b": (0.05, 200.0),
    "spend_shape": (0.5, 50.0), "spend_q": (1.05, 50.0), "spend_gamma": (0.01, 1e7),
    "leader_share": (0.0, 0.1), "referral_share": (0.0, 0.9), "complaint_rate": (0.0, 0.5), "survey_rate": (0.0, 5.0),
}


#: Overrides that only the BG/NBD-based processes read: the realistic process draws rate,
#: spend level and lifetime from its own copula (``realistic.LATENT``), so it refuses them
#: rather than ignore them silently.
BGNBD_ONLY = ("r", "alpha", "a", "b", "spend_q", "spend_gamma")


def _apply_overrides(sc: Scenario, overrides: dict, process: str = "classic") -> Scenario:
    for key, value in overrides.items():
        if key not in TUNABLE:
            raise InvalidArgumentError(f"generate() has no parameter {key!r}. Tunable scenario parameters: {', '.join(TUNABLE)}.")
        lo, hi = TUNABLE[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not lo <= value <= hi:
            raise InvalidArgumentError(f"The {key!r} parameter of generate must be a number from {lo} to {hi}. Got {value!r}.")
        if process == "realistic" and key in BGNBD_ONLY:
            why = ("sets the BG/NBD latents of the 'classic' and 'bgnbd' processes; the realistic process draws "
                   "its own (realistic.LATENT, docs/generator.md) and would ignore it.")
            raise InvalidArgumentError(
                f"The {key!r} parameter of generate {why} Pass process='bgnbd' (or 'classic') to use it.",
                cli_message=f"--set {key}=... {why} Add --process bgnbd (or classic) to use it.")
    # Any: the keys are TUNABLE names, each a float field of Scenario, which mypy cannot match to a field.
    changes: dict[str, Any] = {k: float(v) for k, v in overrides.items()}
    return replace(sc, **changes)


def _choice(rng, table, groups: np.ndarray) -> np.ndarray:
    """One categorical draw per element of ``groups``, from row ``groups[i]`` of ``table``.

    ``table`` is a (G, k) array of weights. Offsetting each row's cumulative weights by its
    row number turns all draws into one ``searchsorted``: fast for millions of rows.
    """
    table = np.asarray(table, dtype=float)
    g, k = table.shape
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(g)[:, None]).ravel()
    u = rng.random(len(groups)) + groups
    return np.minimum(np.searchsorted(flat, u, side="right") - groups * k, k - 1)


def _events(rng, rate_per_year, t_start, t_end):
    """Poisson events per customer at a yearly rate over [t_start, t_end): (customer index, time)."""
    span = np.maximum(t_end - t_start, 0.0)
    counts = rng.poisson(rate_per_year * span / 365.25)
    idx = np.repeat(np.arange(len(span)), counts)
    return idx, t_start[idx] + rng.random(idx.size) * span[idx]


def _simulate_purchases(rng, lam, p, shape, horizon):
    """Repeat purchases of each customer after a first purchase at time 0, up to ``horizon``.

    Gaps are Gamma(shape, mean 1/lam) (shape 1: the Poisson process of BG/NBD); after the
    K-th repeat, K ~ Geometric(p), the customer is gone. Returns the customer index and
    time of every repeat purchase, and the dropout time (NaN if still alive at the end).
    """
    n = lam.size
    k_drop = rng.geometric(p)
    mu = lam * horizon
    cap = np.ceil(mu * (1 + 1 / np.sqrt(shape)) + 5 * np.sqrt(mu) + 5).astype(np.int64)
    m = np.minimum(k_drop, cap)
    idx = np.repeat(np.arange(n), m)
    gaps = rng.gamma(shape[idx], 1.0 / (lam[idx] * shape[idx]))
    starts = np.r_[0, np.cumsum(m)[:-1]]
    cum = np.cumsum(gaps)
    base = np.r_[0.0, cum][starts]
    local = cum - base[idx]
    kept = local < horizon[idx]
    last = local[starts + m - 1]
    dropped = (m == k_drop) & (last < horizon)
    return idx[kept], local[kept], np.where(dropped, last, np.nan)


def _to_datetime(start: pd.Timestamp, day: np.ndarray, seconds: np.ndarray | None = None) -> np.ndarray:
    secs = day.astype(np.int64) * 86400 + (0 if seconds is None else seconds.astype(np.int64))
    return np.datetime64(start.to_datetime64(), "s") + secs.astype("timedelta64[s]")


def _cat(codes: np.ndarray, categories, nullable: bool = False) -> pd.Categorical:
    if isinstance(categories, pd.CategoricalDtype):  # built once: a million ids validated once, not per table
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), dtype=categories)
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(categories))


def generate(
    scenario: str = "retail",
    n_customers: int | None = None,
    start=None,
    end=None,
    seed: int = 0,
    locale: str = "en_US",
    process: str = "realistic",
    **overrides: float,
) -> CustomerBase:
    """Generate a synthetic customer base with a hidden ``truth`` table.

    Parameters
    ----------
    scenario : {"retail", "b2b"}
        ``retail``: a B2C shop with thousands of shoppers, a community, opinion leaders and
        referrals. ``b2b``: a manufacturer with a few hundred accounts, account managers,
        contacts, a procurement pipeline, a lead pool and the scripted
        "big customers jumped ship" case (大客户跳槽) in the first quarter of 2025.
    n_customers : int, optional
        Number of customers (default 5,000 for retail, 400 for b2b).
    start, end : date-like, optional
        Observation window (default 2023-01-01..2025-12-31 retail, 2021-01-01..2025-12-31 b2b).
    seed : int
        Seed of the one random generator; the same seed gives the same data.
    locale : {"en_US", "zh_CN"}
        Language of names, companies and cities (codes and column names stay English).
    process : {"realistic", "classic", "bgnbd"}
        ``realistic`` (the default, and the shipped datasets): customers leave at any time
        under a hazard raised by care lapses, unresolved complaints, competitor offers and
        falling satisfaction (which also hit customers who stay); correlated rate, spend
        and lifetime; December and weekday patterns; the firm contacts customers until its
        policy gives up. See
        ``docs/generator.md``. The b2b story then runs from 2019.
        ``classic`` (the default of earlier releases): BG/NBD purchase and dropout latents
        with Gamma-Gamma spend (need-based customers get regular gaps) and churn signals
        scripted around each churner's hidden dropout date, so they leak it; kept so earlier
        figures can be reproduced.
        ``bgnbd``: for teaching the model on its own terms: as ``classic``, but every
        customer makes a first purchase and every gap is exponential, so the orders (of all
        but b2b's scripted key accounts) are exactly BG/NBD with Gamma-Gamma spend; the other
        tables keep the classic scripted signals.
    **overrides : float
        Change a numeric parameter of the scenario (see :data:`TUNABLE`), e.g.
        ``referral_share=0.3``. The BG/NBD latents (:data:`BGNBD_ONLY`: ``r``, ``alpha``,
        ``a``, ``b``, ``spend_q``, ``spend_gamma``; e.g. ``b=2.0`` for shorter lives,
        ``alpha=10`` for more frequent purchases) need ``process="bgnbd"`` or ``"classic"``:
        the realistic process refuses them rather than ignore them.

    Returns
    -------
    CustomerBase
        With ``as_of`` equal to ``end`` and the parameters in ``meta``.

    Examples
    --------
    >>> from playbook.synth import generate
    >>> base = generate("retail", n_customers=200, seed=1)
    >>> sorted(base.truth.persona.unique()) == sorted(PERSONAS)
    True
    """
    sc, n, start_ts, end_ts = _check_args(scenario, n_customers, start, end, seed, locale, process)
    sc = _apply_overrides(sc, overrides, process)
    rng = np.random.default_rng(seed)
    pools = make_pools(locale, seed)
    horizon_days = (end_ts - start_ts).days + 1
    sim: _Simulation
    if process == "realistic":
        from .realistic import _RealisticSimulation
        sim = _RealisticSimulation(sc, n, start_ts, horizon_days, rng, pools)
    elif process == "bgnbd":
        sim = _ExactBGNBDSimulation(sc, n, start_ts, horizon_days, rng, pools)
    else:
        sim = _Simulation(sc, n, start_ts, horizon_days, rng, pools)
    tables = sim.run()
    meta = {
        "generator": "playbook.synth.generate",
        "scenario": scenario,
        "n_customers": n,
        "start": start_ts.strftime("%Y-%m-%d"),
        "end": end_ts.strftime("%Y-%m-%d"),
        "seed": int(seed),
        "locale": locale,
        "population": {k: v for k, v in asdict(sc).items() if k in ("r", "alpha", "a", "b", "spend_shape", "spend_q", "spend_gamma")},
    }
    if process != "classic":
        meta["process"] = process
    if process == "realistic":
        from .realistic import LATENT
        meta["population"] = {k: v for k, v in LATENT[scenario].items() if isinstance(v, float)}
    if overrides:
        meta["overrides"] = {k: float(v) for k, v in sorted(overrides.items())}
    return CustomerBase(**tables, name=f"synthetic {scenario}", as_of=end_ts, meta=meta)


class _Simulation:
    """One run of the generator; holds the per-customer arrays while tables are built."""

    def __init__(self, sc: Scenario, n: int, start: pd.Timestamp, days: int, rng, pools):
        self.sc, self.n, self.start, self.D, self.rng, self.pools = sc, n, start, days, rng, pools
        self.b2b = sc.name == "b2b"

    # -- customers and their latent traits ------------------------------------------
    def run(self) -> dict:
        self._customers_latent()
        self._orders()
        self._churn_causes()
        inter = self._interactions()
        complaints = self._complaints()
        surveys = self._surveys(complaints)
        referrals = self._referrals()
        tables = {
            "customers": self._customers_table(),
            "orders": self.orders,
            "interactions": inter,
            "complaints": complaints,
            "surveys": surveys,
            "referrals": referrals,
        }
        if self.b2b:
            tables.update(self._b2b_tables())
        tables["truth"] = self._truth_table()
        return tables

    def _customers_latent(self):
        sc, n, rng, D = self.sc, self.n, self.rng, self.D
        last_acq = D - 30
        acq = np.sort(np.floor(last_acq * rng.random(n) ** 0.85)).astype(np.int64)
        self.big = np.zeros(n, bool)
        if self.b2b:
            acq[:BIG_ACCOUNTS] = np.array([2, 9, 16, 30])[:BIG_ACCOUNTS]
            acq = np.sort(acq)
            self.big[:BIG_ACCOUNTS] = True
        self.acq = acq
        self.lam = rng.gamma(sc.r, 1.0 / sc.alpha, n)
        self.p = rng.beta(sc.a, sc.b, n)
        self.nu = rng.gamma(sc.spend_q, 1.0 / sc.spend_gamma, n)
        # Persona: wanderers are the slowest buyers, loyal customers the longest-lived
        # frequent ones; the rest split at random. Traits follow the latent draws, so
        # the population stays exactly BG/NBD and Gamma-Gamma.
        w = sc.persona_weights
        persona = np.full(n, -1)
        slow = np.log(self.lam) + rng.normal(0, 0.3, n)
        n_wand = int(round(w["wanderer"] * n))
        persona[np.argsort(slow, kind="stable")[:n_wand]] = PERSONAS.index("wanderer")
        loyal_score = np.log(self.lam) - np.log(self.p) + rng.normal(0, 0.5, n)
        loyal_score[persona >= 0] = -np.inf
        n_loyal = int(round(w["loyal"] * n))
        persona[np.argsort(-loyal_score, kind="stable")[:n_loyal]] = PERSONAS.index("loyal")
        rest = np.flatnonzero(persona < 0)
        others = ("discount_driven", "impulse", "need_based")
        probs = np.array([w[o] for o in others])
        persona[rest] = np.array([PERSONAS.index(o) for o in others])[rng.choice(3, rest.size, p=probs / probs.sum())]
        if self.b2b:
            persona[self.big] = PERSONAS.index("loyal")
        self.persona = persona
        pname = np.array(PERSONAS)[persona]
        self.pname = pname
        self.gap_shape = np.where(pname == "need_based", 6.0, 1.0)
        self.buyer = ~((pname == "wanderer") & (rng.random(n) < 0.4))
        self.orientation = _choice(rng, [_ORIENTATION_BY_PERSONA[p] for p in PERSONAS], persona)
        if self.b2b:
            self.orientation[self.big] = np.array([1, 2, 1, 1])[:BIG_ACCOUNTS]
            self.lam[self.big] = BIG_RATE
            self.nu[self.big] = sc.spend_shape / BIG_MEAN_SPEND
            self.p[self.big] = np.nan
        self.mean_spend = sc.spend_shape / self.nu
        # Opinion leaders: among buyers who are not wanderers.
        role = np.full(n, -1)
        eligible = np.flatnonzero(self.buyer & (pname != "wanderer") & ~self.big)
        k = max(1, int(round(sc.leader_share * n))) if n >= 50 else 0
        chosen = rng.permutation(eligible)[: 3 * k]
        for j in range(len(LEADER_ROLES)):
            role[chosen[j * k:(j + 1) * k]] = j
        self.role = role
        value_rate = self.lam * self.mean_spend
        self.high_volume = self.buyer & (value_rate >= np.quantile(value_rate[self.buyer], 0.95))
        self.high_volume |= self.big
        pick = lambda share, weight: self._pick_flag(share, weight)  # noqa: E731
        self.benchmark = pick(0.02, np.where(pname == "loyal", 4.0, 1.0) * (1 + self.high_volume * 3))
        self.motivator = pick(0.03, np.where(np.isin(pname, ["loyal", "need_based"]), 3.0, 1.0))
        self._cities()

    def _pick_flag(self, share, weight):
        n, rng = self.n, self.rng
        k = max(1, int(round(share * n))) if n >= 50 else 0
        wgt = np.where(self.buyer & ~self.big, weight, 0.0)
        flag = np.zeros(n, bool)
        if k and wgt.sum() > 0:
            k = min(k, int((wgt > 0).sum()))
            flag[rng.choice(n, k, replace=False, p=wgt / wgt.sum())] = True
        return flag

    def _cities(self):
        """Most customers live in established cities; a few new markets open later and
        their first customers are the pioneers (开拓者)."""
        rng, n, D = self.rng, self.n, self.D
        cities = self.pools.cities
        n_new = min(6, len(cities) // 4)
        old = len(cities) - n_new
        zipf = 1.0 / np.arange(1, old + 1) ** 0.9
        city = rng.choice(old, n, p=zipf / zipf.sum())
        opening = np.sort(rng.integers(int(0.15 * D), int(0.75 * D), n_new))
        for j in range(n_new):
            moved = (self.acq >= opening[j]) & (rng.random(n) < 0.05)
            city[moved] = old + j
        pioneer = np.zeros(n, bool)
        for j in range(n_new):
            members = np.flatnonzero((city == old + j) & self.buyer & ~self.big)
            pioneer[members[:2]] = True
        self.city, self.pioneer = city, pioneer

    # -- orders ------------------------------------------------------------------------
    def _orders(self):
        sc, rng, n, D = self.sc, self.rng, self.n, self.D
        buyers = np.flatnonzero(self.buyer & ~self.big)
        horizon = (D - self.acq[buyers]).astype(float)
        idx, t, drop = _simulate_purchases(rng, self.lam[buyers], self.p[buyers], self.gap_shape[buyers], horizon)
        cust = np.r_[buyers, buyers[idx]]
        day = np.r_[self.acq[buyers], self.acq[buyers][idx] + np.floor(t).astype(np.int64)]
        self.dropout_day = np.full(n, np.nan)
        self.dropout_day[buyers] = self.acq[buyers] + np.floor(drop)
        spend_mult = np.ones(cust.size)
        if self.b2b:
            bc, bd, bm = self._big_account_orders()
            cust, day, spend_mult = np.r_[cust, bc], np.r_[day, bd], np.r_[spend_mult, bm]
        amount = rng.gamma(sc.spend_shape, 1.0 / self.nu[cust]) * spend_mult
        persona = self.persona[cust]
        orient = self.orientation[cust]
        disc_p = np.array([_DISCOUNT_PROB[p] for p in PERSONAS])[persona] + 0.08 * (orient == 0)
        rate = np.where(rng.random(cust.size) < disc_p, rng.uniform(0.08, 0.3, cust.size), 0.0)
        line = _choice(rng, [_PRODUCT_BY_ORIENTATION[o] for o in ORIENTATIONS], orient)
        base_margin = np.array(sc.base_margin)[line]
        amount = np.round(np.maximum(amount, 1.0), 2)
        list_price = amount / (1 - rate)
        discount = np.round(list_price - amount, 2)
        margin = np.round(amount - list_price * (1 - base_margin), 2)
        if self.b2b:
            hour = rng.integers(8, 18, cust.size)
            chan_codes = _choice(rng, [[0.7, 0.0, 0.3], [0.1, 0.8, 0.1], [0.1, 0.8, 0.1]], self.relation[cust])
            channels = ("direct_sales", "distributor", "online_portal")
            recipient = np.where(self.relation[cust] == 0, 0, 1)
            recipients = ("own_use", "resale")
        else:
            impulse = persona == PERSONAS.index("impulse")
            hour = np.where(impulse & (rng.random(cust.size) < 0.65), rng.integers(20, 24, cust.size), rng.integers(9, 22, cust.size))
            channels = ("store", "web", "app", "marketplace")
            by_persona = {"impulse": [0.15, 0.2, 0.6, 0.05], "discount_driven": [0.15, 0.35, 0.2, 0.3]}
            chan_codes = _choice(rng, [by_persona.get(p, [0.4, 0.3, 0.2, 0.1]) for p in PERSONAS], persona)
            recipients = ("self", "child", "parent", "partner", "pet", "gift")
            recipient = _choice(rng, [[0.85, 0.0, 0.0, 0.05, 0.0, 0.10], [0.2, 0.35, 0.2, 0.05, 0.2, 0.0]], self.relation[cust])
        seconds = hour * 3600 + rng.integers(0, 3600, cust.size)
        ts = _to_datetime(self.start, day, seconds)
        order = np.argsort(ts, kind="stable")
        self.order_cust = cust[order]
        self.order_day = day[order]
        self.order_ts = ts[order]
        self.orders = pd.DataFrame({
            "order_id": np.arange(1, cust.size + 1, dtype=np.int64),
            "customer_id": _cat(self.order_cust, self.id_dtype),
            "order_date": pd.to_datetime(self.order_ts).as_unit("ns"),
            "amount": amount[order],
            "discount": discount[order],
            "margin": margin[order],
            "product_line": _cat(line[order], PRODUCT_LINES),
            "channel": _cat(chan_codes[order], channels),
            "recipient": _cat(recipient[order], recipients),
        })

    @property
    def ids(self) -> list[str]:
        if not hasattr(self, "_ids"):
            width = max(4 if self.b2b else 5, len(str(self.n)))
            self._ids = [f"{self.sc.id_prefix}{i:0{width}d}" for i in range(1, self.n + 1)]
        return self._ids

    @property
    def id_dtype(self) -> pd.CategoricalDtype:
        """The customer ids as a categorical dtype, built (and validated) once per base."""
        if not hasattr(self, "_id_dtype"):
            self._id_dtype = pd.CategoricalDtype(list(self.ids))
        return self._id_dtype

    @property
    def relation(self) -> np.ndarray:
        if not hasattr(self, "_relation"):
            p = [0.8, 0.15, 0.05] if self.b2b else [0.7, 0.3]
            rel = self.rng.choice(len(p), self.n, p=p)
            if self.b2b:
                rel[self.big] = 0
            self._relation = rel
        return self._relation

    def _day(self, date: str) -> int:
        return (pd.Timestamp(date) - self.start).days

    def _big_account_orders(self):
        """The scripted key accounts: steady for years, then three drift away and one shrinks."""
        rng = self.rng
        warn, q_start, q_end = self._day(WARNING_START), self._day(SHOCK_QUARTER[0]), self._day(SHOCK_QUARTER[1])
        custs, days, mults = [], [], []
        for i in range(BIG_ACCOUNTS):
            t = self.acq[i] + np.cumsum(rng.exponential(1 / BIG_RATE, int(BIG_RATE * self.D * 2) + 50))
            t = t[t < self.D]
            keep_p = np.ones(t.size)
            mult = np.ones(t.size)
            if i < len(BIG_EXITS):
                exit_day = self._day(BIG_EXITS[i])
                keep_p[t >= warn] = 0.55
                keep_p[t >= exit_day] = 0.0
            else:
                keep_p[(t >= q_start) & (t <= q_end)] = 0.3
                keep_p[t > q_end] = 0.6
                mult[t >= q_start] = 0.6
            kept = rng.random(t.size) < keep_p
            t, mult = t[kept], mult[kept]
            day = np.floor(t).astype(np.int64)
            day[0] = self.acq[i]
            if i < len(BIG_EXITS):
                self.dropout_day[i] = day[-1]
            custs.append(np.full(day.size, i))
            days.append(day)
            mults.append(mult)
        return np.concatenate(custs), np.concatenate(days), np.concatenate(mults)

    def _churn_causes(self):
        """Why each churned customer left; about two in three for too little care."""
        rng, n = self.rng, self.n
        cause = np.full(n, -1)
        gone = ~np.isnan(self.dropout_day)
        probs = np.array([0.66, 0.14, 0.08 if not self.b2b else 0.12, 0.07, 0.05])
        cause[gone] = rng.choice(len(CHURN_CAUSES), gone.sum(), p=probs / probs.sum())
        if self.b2b:
            cause[:len(BIG_EXITS)] = [CHURN_CAUSES.index(c) for c in ("competitor", "lack_of_care", "lack_of_care")]
        self.churn_cause = cause
        self.active_end = np.where(gone, np.minimum(self.dropout_day + 60, self.D), self.D).astype(float)
        never = ~self.buyer
        self.active_end[never] = np.minimum(self.acq[never] + rng.exponential(365, never.sum()), self.D)

    # -- interactions -------------------------------------------------------------------
    def _interactions(self) -> pd.DataFrame:
        sc, rng = self.sc, self.rng
        parts_c: list[np.ndarray] = []
        parts_t: list[np.ndarray] = []
        parts_k: list[np.ndarray] = []
        parts_q: list[np.ndarray] = []
        t0 = self.acq.astype(float)
        for k, kname in enumerate(INTERACTION_KINDS):
            default, by_persona = sc.interaction_rates[kname]
            rate = np.array([by_persona.get(p, default) for p in PERSONAS])[self.persona]
            if kname == "suggestion":
                rate = rate + 6.0 * self.motivator + 4.0 * (self.role == 0)
            elif kname == "review":
                rate = rate + 8.0 * (self.role == 0)
            elif kname == "event":
                rate = rate + 4.0 * (self.role == 1) + 3.0 * self.benchmark
            elif kname == "reference":
                rate = rate + 4.0 * self.benchmark
            elif kname == "follow_up" and self.b2b:
                rate = np.where(self.big, 24.0, rate)
            idx, t = _events(rng, rate, t0, self.active_end)
            # Keep the day, move the time into opening hours (08:00-22:00).
            t = np.floor(t) + (8 + 14 * (t - np.floor(t))) / 24
            if kname in CARE_KINDS:
                idx, t = self._thin_care(idx, t)
            q = np.full(idx.size, np.nan)
            if kname in ("suggestion", "review"):
                expert = (self.role[idx] == 0) | self.motivator[idx]
                q = np.where(expert, rng.beta(6, 2, idx.size), rng.beta(2, 5, idx.size))
            parts_c.append(idx)
            parts_t.append(t)
            parts_k.append(np.full(idx.size, k))
            parts_q.append(q)
        if not self.b2b:
            # Impulse buyers browse and buy on the spot: a session shortly before most orders.
            imp = np.flatnonzero((self.persona[self.order_cust] == PERSONAS.index("impulse")) & (rng.random(self.order_cust.size) < 0.8))
            parts_c.append(self.order_cust[imp])
            secs = (self.order_ts[imp] - np.datetime64(self.start.to_datetime64(), "s")).astype(np.int64)
            parts_t.append((secs - rng.integers(300, 3600, imp.size)) / 86400.0)
            parts_k.append(np.full(imp.size, INTERACTION_KINDS.index("browse")))
            parts_q.append(np.full(imp.size, np.nan))
        cust = np.concatenate(parts_c)
        t = np.concatenate(parts_t)
        kind = np.concatenate(parts_k)
        quality = np.round(np.concatenate(parts_q), 3)
        ts = np.datetime64(self.start.to_datetime64(), "s") + np.round(t * 86400).astype("timedelta64[s]")
        order = np.argsort(ts, kind="stable")
        cust, ts, kind, quality = cust[order], ts[order], kind[order], quality[order]
        rep_kind = np.isin(kind, [INTERACTION_KINDS.index(k) for k in REP_CONTACT_KINDS])
        rep = self._rep_codes()[cust]
        rep = np.where(rep_kind & (rep >= 0), rep, -1)
        return pd.DataFrame({
            "interaction_id": np.arange(1, cust.size + 1, dtype=np.int64),
            "customer_id": _cat(cust, self.id_dtype),
            "date": pd.to_datetime(ts).as_unit("ns"),
            "kind": _cat(kind, INTERACTION_KINDS),
            "rep": _cat(rep, self.pools.reps[:8]),
            "quality": quality,
        })

    def _thin_care(self, idx, t):
        """Customers who leave for lack of care saw the business go quiet first; so did the
        big accounts after the warning date."""
        rng = self.rng
        lack = self.churn_cause[idx] == CHURN_CAUSES.index("lack_of_care")
        quiet = lack & (t >= self.dropout_day[idx] - 200)
        if self.b2b:
            quiet |= self.big[idx] & (idx < len(BIG_EXITS)) & (t >= self._day(WARNING_START))
        drop = quiet & (rng.random(idx.size) < 0.85)
        return idx[~drop], t[~drop]

    def _rep_codes(self) -> np.ndarray:
        """Account manager of each B2B account; in retail, the service-desk clerk who logs calls and visits."""
        if not hasattr(self, "_reps"):
            reps = self.rng.integers(0, 8 if self.b2b else 4, self.n)
            if self.b2b:
                reps[self.big] = np.array([0, 1, 0, 1])[:BIG_ACCOUNTS]
            self._reps = reps
        return self._reps

    # -- complaints and surveys -----------------------------------------------------------
    def _complaints(self) -> pd.DataFrame:
        sc, rng = self.sc, self.rng
        n_orders = self.order_cust.size
        hit = rng.random(n_orders) < sc.complaint_rate
        # Service failures: a complaint about the last order, badly handled, before they go.
        fail = self.churn_cause == CHURN_CAUSES.index("service_failure")
        last_order = np.full(self.n, -1)
        last_order[self.order_cust] = np.arange(n_orders)
        forced = last_order[fail & (last_order >= 0)]
        hit[forced] = True
        badly = np.zeros(n_orders, bool)
        badly[forced] = True
        if self.b2b:
            warn = np.datetime64(pd.Timestamp(WARNING_START).to_datetime64(), "s")
            for i in range(len(BIG_EXITS)):
                late = np.flatnonzero((self.order_cust == i) & (self.order_ts >= warn))
                pick = late[:: max(1, late.size // 2)][:2]
                hit[pick] = True
                badly[pick] = True
        rows = np.flatnonzero(hit)
        k = rows.size
        cause = rng.choice(len(CAUSES), k, p=[0.35, 0.30, 0.20, 0.15])
        opened = self.order_ts[rows] + (86400 * (1 + rng.exponential(4, k))).astype("timedelta64[s]")
        slow = badly[rows]
        respond = np.where(slow, rng.exponential(9, k), rng.exponential(0.8, k))
        first = opened + (respond * 86400).astype("timedelta64[s]")
        never_answered = rng.random(k) < np.where(slow, 0.4, 0.05)
        close_after = np.where(slow, rng.exponential(30, k) + respond, respond + rng.exponential(5, k) + 0.2)
        closed = opened + (close_after * 86400).astype("timedelta64[s]")
        still_open = (rng.random(k) < np.where(slow, 0.7, 0.08)) | never_answered
        end = np.datetime64((self.start + pd.Timedelta(days=self.D)).to_datetime64(), "s")
        keep = opened < end
        first_nat = never_answered | (first >= end)
        closed_nat = still_open | (closed >= end)
        resolution_by_cause = [[0.5, 0.0, 0.0, 0.5], [0.4, 0.5, 0.0, 0.1], [0.1, 0.1, 0.6, 0.2], [0.3, 0.1, 0.1, 0.5]]
        resolution = _choice(rng, resolution_by_cause, cause)
        resolution = np.where(closed_nat, 4, resolution)
        df = pd.DataFrame({
            "complaint_id": 0,
            "customer_id": _cat(self.order_cust[rows], self.id_dtype),
            "order_id": rows + 1,
            "opened_at": pd.to_datetime(opened).as_unit("ns"),
            "first_response_at": pd.to_datetime(np.where(first_nat, np.datetime64("NaT"), first)).as_unit("ns"),
            "closed_at": pd.to_datetime(np.where(closed_nat, np.datetime64("NaT"), closed)).as_unit("ns"),
            "cause": _cat(cause, CAUSES),
            "resolution": _cat(resolution, ("refund", "replacement", "repair", "apology", "open")),
        })[keep]
        df = df.sort_values(["opened_at", "order_id"], kind="stable").reset_index(drop=True)
        df["complaint_id"] = np.arange(1, len(df) + 1, dtype=np.int64)
        self.open_complaint = np.zeros(self.n, bool)
        self.open_complaint[df.loc[df.closed_at.isna(), "customer_id"].cat.codes.to_numpy()] = True
        return df

    def _surveys(self, complaints: pd.DataFrame) -> pd.DataFrame:
        sc, rng = self.sc, self.rng
        t0 = self.acq + 7.0
        rate = np.where(self.buyer, sc.survey_rate, 0.0)
        idx, t = _events(rng, rate, t0, np.minimum(self.active_end, self.D - 1))
        day = np.floor(t).astype(np.int64)
        k = idx.size
        sat = np.array([_SATISFACTION[p] for p in PERSONAS])[self.persona[idx]] + rng.normal(0, 0.6, k)
        leaving = ~np.isnan(self.dropout_day[idx]) & (day >= self.dropout_day[idx] - 150)
        sat -= 1.0 * leaving
        sat -= 0.6 * self.open_complaint[idx]
        lack = self.churn_cause[idx] == CHURN_CAUSES.index("lack_of_care")
        service = np.clip(np.round(sat + rng.normal(0, 0.5, k) - 0.8 * (lack & leaving)), 1, 5)
        return self._survey_answers(idx, day, sat, service)

    def _survey_answers(self, idx, day, sat, service) -> pd.DataFrame:
        """The surveys table from each answer's customer, day, latent satisfaction and service score.

        Shared by every process; its draws come after the caller's, in a fixed order.
        """
        rng, k = self.rng, idx.size
        satisfaction = np.clip(np.round(sat), 1, 5)
        recommend = np.clip(np.round(2.2 * sat - 1.5 + rng.normal(0, 1.2, k) + 1.5 * (self.role[idx] >= 0)), 0, 10)
        price = (np.array([_PRICE_SENS[o] for o in ORIENTATIONS])[self.orientation[idx]]
                 + 0.6 * (self.pname[idx] == "discount_driven") + rng.normal(0, 0.6, k))
        quality = np.clip(np.round(sat + rng.normal(0.2, 0.6, k)), 1, 5)
        channel = self._acq_channel[idx]
        aware_p = np.where(np.isin(channel, [self.sc.acquisition_channels.index("referral")]), 0.8, 0.45)
        order = np.lexsort((idx, day))
        return pd.DataFrame({
            "survey_id": np.arange(1, k + 1, dtype=np.int64),
            "customer_id": _cat(idx[order], self.id_dtype),
            "date": pd.to_datetime(_to_datetime(self.start, day[order])).as_unit("ns"),
            "satisfaction": satisfaction[order].astype(np.int64),
            "recommend": recommend[order].astype(np.int64),
            "price_sensitivity": np.clip(np.round(price), 1, 5)[order].astype(np.int64),
            "product_quality": quality[order].astype(np.int64),
            "service_quality": service[order].astype(np.int64),
            "aware_before": (rng.random(k) < aware_p)[order],
        })

    # -- acquisition channels and referrals ---------------------------------------------
    @property
    def _acq_channel(self) -> np.ndarray:
        if not hasattr(self, "_channel"):
            self._channel = self._assign_channels()
        return self._channel

    def _assign_channels(self) -> np.ndarray:
        """Channel mix drifts: channels that saturate lose share over the years."""
        sc, rng, n = self.sc, self.rng, self.n
        chans = sc.acquisition_channels
        frac = self.acq / max(self.D, 1)
        weights = np.zeros((n, len(chans)))
        for j, c in enumerate(chans):
            if c == "referral":
                weights[:, j] = sc.referral_share
            else:
                a, b = sc.channel_trend[c]
                weights[:, j] = a + (b - a) * frac
        channel = _choice(rng, weights, np.arange(n))
        ref = chans.index("referral")
        # Choose referrers among earlier buyers; leaders refer far more than others.
        role_w = np.array([8.0, 40.0, 25.0])
        w = np.where(self.role >= 0, role_w[np.maximum(self.role, 0)], np.where(self.pname == "loyal", 2.0, 1.0))
        w = np.where(self.buyer & (self.pname != "wanderer"), w, 0.0)
        if self.b2b:
            w[self.big] = 0.0
        cum = np.cumsum(w)
        # Customers are sorted by acquisition day: the referrer must come strictly earlier.
        first_same_day = np.searchsorted(self.acq, self.acq, side="left")
        referred = np.flatnonzero((channel == ref) & (first_same_day > 0))
        avail = cum[first_same_day[referred] - 1]
        ok = avail > 0
        referred = referred[ok]
        u = rng.random(referred.size) * avail[ok]
        referrer = np.searchsorted(cum, u, side="right")
        # A referrer who had long gone quiet cannot have referred anybody.
        alive = np.isnan(self.dropout_day[referrer]) | (self.dropout_day[referrer] + 90 >= self.acq[referred])
        self._referrer = np.full(n, -1)
        self._referrer[referred[alive]] = referrer[alive]
        fallback = chans.index(max((c for c in chans if c != "referral"), key=lambda c: sc.channel_trend[c][1]))
        channel[(channel == ref) & (self._referrer < 0)] = fallback
        if self.b2b:
            channel[self.big] = chans.index("trade_show")
        return channel

    def _referrals(self) -> pd.DataFrame:
        rng = self.rng
        _ = self._acq_channel
        referred = np.flatnonzero(self._referrer >= 0)
        referrer = self._referrer[referred]
        conv_day = np.maximum(self.acq[referred] - rng.integers(1, 15, referred.size), self.acq[referrer])
        # Unconverted referrals: gold salespeople convert most of theirs.
        conv_rate = np.array([0.4, 0.35, 0.8, 0.3])
        counts = np.bincount(referrer, minlength=self.n)
        has = np.flatnonzero(counts > 0)
        rate = conv_rate[np.where(self.role[has] >= 0, self.role[has], 3)]
        fails = rng.negative_binomial(counts[has], rate)
        f_ref = np.repeat(has, fails)
        lo = self.acq[f_ref].astype(float)
        hi = np.maximum(np.minimum(self.active_end[f_ref], self.D - 1), lo + 1)
        f_day = np.floor(lo + rng.random(f_ref.size) * (hi - lo)).astype(np.int64)
        ref_all = np.r_[referrer, f_ref]
        day_all = np.r_[conv_day, f_day]
        referred_all = np.r_[referred, np.full(f_ref.size, -1)]
        order = np.lexsort((referred_all, ref_all, day_all))
        return pd.DataFrame({
            "referral_id": np.arange(1, ref_all.size + 1, dtype=np.int64),
            "referrer_id": _cat(ref_all[order], self.id_dtype),
            "referred_id": _cat(referred_all[order], self.id_dtype),
            "referred_at": pd.to_datetime(_to_datetime(self.start, day_all[order])).as_unit("ns"),
            "converted": referred_all[order] >= 0,
        })

    # -- customers table ---------------------------------------------------------------------
    def _tier_of_record(self) -> np.ndarray:
        """The tier the firm has on record (0 key, 1 important, 2 general): a noisy value rank."""
        score = np.log(self.lam * self.mean_spend) + self.rng.normal(0, 0.5, self.n)
        rank = np.argsort(np.argsort(-score, kind="stable"), kind="stable") / self.n
        tier = np.where(rank < 0.1, 0, np.where(rank < 0.4, 1, 2))
        if self.b2b:
            tier[self.big] = 0
        return tier

    def _customers_table(self) -> pd.DataFrame:
        sc, rng, n = self.sc, self.rng, self.n
        names = self.pools.names[rng.integers(0, len(self.pools.names), n)]
        segment = rng.choice(len(sc.segments), n, p=np.array(sc.segment_weights) / sum(sc.segment_weights))
        tier = self._tier_of_record()
        if self.b2b:
            pool = self.pools.companies
            pick = rng.permutation(len(pool))[:n] if n <= len(pool) else rng.integers(0, len(pool), n)
            self._company_names = pool[pick]
            company = pd.array(self._company_names, dtype="object")
            relations: tuple[str, ...] = ("end_user", "distributor", "agent")
            tiers = ("A", "B", "C")
            manager = _cat(self._rep_codes(), self.pools.reps[:8])
        else:
            company = pd.array([None] * n, dtype="object")
            relations = ("buys_for_self", "buys_for_others")
            tiers = ("gold", "silver", "bronze")
            manager = _cat(np.full(n, -1), [])
        return pd.DataFrame({
            "customer_id": pd.array(self.ids, dtype="object"),
            "name": pd.array(names, dtype="object"),
            "company": company,
            "city": _cat(self.city, self.pools.cities),
            "segment": _cat(segment, sc.segments),
            "acquisition_date": pd.to_datetime(_to_datetime(self.start, self.acq)).as_unit("ns"),
            "acquisition_channel": _cat(self._acq_channel, sc.acquisition_channels),
            "relation": _cat(self.relation, relations),
            "tier_of_record": _cat(tier, tiers),
            "account_manager": manager,
        })

    # -- B2B: contacts, deals, leads -------------------------------------------------------
    def _b2b_tables(self) -> dict:
        rng, n = self.rng, self.n
        roles = ("decision_maker", "technical_evaluator", "purchaser", "user", "influencer", "gatekeeper")
        attitudes = ("supporter", "neutral", "opponent")
        k = np.where(self.big, 6, 2 + np.minimum(rng.poisson(1.5, n), 5))
        cidx = np.repeat(np.arange(n), k)
        pos = np.arange(cidx.size) - np.repeat(np.cumsum(k) - k, k)
        role = np.where(pos < len(roles), pos, rng.integers(2, len(roles), cidx.size))
        attitude = rng.choice(3, cidx.size, p=[0.4, 0.45, 0.15])
        # In the accounts that left, the decision maker had turned against us.
        attitude[(cidx < len(BIG_EXITS)) & (role == 0)] = 2
        contacts = pd.DataFrame({
            "contact_id": np.arange(1, cidx.size + 1, dtype=np.int64),
            "customer_id": _cat(cidx, self.id_dtype),
            "name": pd.array(self.pools.names[rng.integers(0, len(self.pools.names), cidx.size)], dtype="object"),
            "role": _cat(role, roles),
            "attitude": _cat(attitude, attitudes),
        })
        opportunities, stages = self._opportunities()
        return {"contacts": contacts, "opportunities": opportunities, "opportunity_stages": stages, "leads": self._leads()}

    def _opportunities(self):
        rng, D = self.rng, self.D
        triggers = ("new_plant", "equipment_ageing", "new_regulation", "leadership_change", "capacity_expansion", "quality_issue")
        rate = np.where(self.big, 2.5, 0.5) * self.buyer
        idx, t = _events(rng, rate, self.acq.astype(float), np.minimum(self.active_end, D - 1))
        warn, last_exit = self._day(WARNING_START), self._day(BIG_EXITS[-1])
        scripted = []
        for i in range(len(BIG_EXITS)):
            scripted.append((i, warn + 20 + 25 * i))
        idx = np.r_[idx, [s[0] for s in scripted]].astype(np.int64)
        t = np.r_[t, [s[1] for s in scripted]]
        order = np.lexsort((idx, t))
        idx, t = idx[order], t[order]
        scripted_mask = np.zeros(idx.size, bool)
        for i, day in scripted:
            scripted_mask[np.flatnonzero((idx == i) & (t == day))[:1]] = True
        rows, stage_rows = [], []
        for j in range(idx.size):
            cust, opened = int(idx[j]), int(np.floor(t[j]))
            competitor = rng.random() < 0.55 or scripted_mask[j]
            quote = float(np.round(rng.normal(0.03, 0.06), 3)) if competitor else np.nan
            plan = bool(rng.random() < 0.35)
            if scripted_mask[j]:
                quote, plan = 0.08, False
            value = float(np.round(rng.gamma(2.0, 3.0 * self.mean_spend[cust]), 2))
            day, stage, outcome, closed = opened, 0, "open", None
            history = [(0, day)]
            while True:
                day = day + int(np.ceil(rng.exponential(25)))
                if day >= D:
                    break
                if stage >= 2 and rng.random() < 0.12 and not scripted_mask[j]:
                    outcome, closed = "lost", day
                    break
                if stage == 5:
                    logit = 0.2 + 1.4 * plan - (12 * quote if competitor else -0.5)
                    won = rng.random() < 1 / (1 + np.exp(-logit)) and not scripted_mask[j]
                    outcome, closed = ("won" if won else "lost"), day
                    if won:
                        stage = 6
                        history.append((6, day))
                    break
                stage += 1
                history.append((stage, day))
            if scripted_mask[j] and closed is None:
                outcome, closed = "lost", min(last_exit, D - 1)
            rows.append((cust, opened, rng.integers(0, len(triggers)) if not scripted_mask[j] else 3, stage, value,
                         rng.integers(0, len(self.pools.competitors)) if competitor else -1, quote, plan, outcome, closed))
            stage_rows.extend((j, s, d) for s, d in history)
        cust, opened, trig, stage, value, comp, quote, plan, outcome, closed = (np.array(c, dtype=object) for c in zip(*rows))
        closed_day = np.array([np.nan if c is None else c for c in closed], dtype=float)
        opps = pd.DataFrame({
            "opportunity_id": np.arange(1, len(rows) + 1, dtype=np.int64),
            "customer_id": _cat(cust.astype(np.int64), self.id_dtype),
            "opened_at": pd.to_datetime(_to_datetime(self.start, opened.astype(np.int64))).as_unit("ns"),
            "trigger_event": _cat(trig.astype(np.int64), triggers),
            "stage": _cat(stage.astype(np.int64), PROCUREMENT_STAGES),
            "expected_value": value.astype(float),
            "competitor": _cat(comp.astype(np.int64), self.pools.competitors),
            "quote_vs_competitor": quote.astype(float),
            "technical_plan": plan.astype(bool),
            "outcome": pd.Categorical(outcome.astype(str), categories=["won", "lost", "open"]),
            "closed_at": pd.to_datetime(
                np.where(np.isnan(closed_day), np.datetime64("NaT"), _to_datetime(self.start, np.nan_to_num(closed_day).astype(np.int64)))
            ).as_unit("ns"),
        })
        sj, ss, sd = (np.array(c) for c in zip(*stage_rows))
        stages = pd.DataFrame({
            "opportunity_id": sj.astype(np.int64) + 1,
            "stage": _cat(ss, PROCUREMENT_STAGES),
            "entered_at": pd.to_datetime(_to_datetime(self.start, sd.astype(np.int64))).as_unit("ns"),
        })
        return opps, stages

    def _leads(self) -> pd.DataFrame:
        """The lead pool: every non-referral account was once a lead, plus many that never bought."""
        rng, D, sc = self.rng, self.D, self.sc
        sources = ("trade_show", "industry_website", "peer_website", "referral", "cold_call")
        chan_names = np.array(sc.acquisition_channels)[self._acq_channel]
        won = np.flatnonzero(~self.big)
        won_src = np.array([sources.index(c) for c in chan_names[won]])
        won_day = np.maximum(self.acq[won] - np.ceil(rng.exponential(60, won.size)).astype(np.int64), 0)
        # Channels saturate: early on a trade show brings many leads; later few convert.
        n_lost = int(1.6 * won.size)
        lost_day = rng.integers(0, D - 1, n_lost)
        frac = lost_day / D
        lost_w = np.column_stack([0.45 - 0.3 * frac, 0.2 + 0.1 * frac, 0.1 + 0.15 * frac, 0.07 + 0 * frac, 0.18 + 0.05 * frac])
        lost_src = _choice(rng, lost_w, np.arange(n_lost))
        converted = np.r_[np.ones(won.size, bool), np.zeros(n_lost, bool)]
        day = np.r_[won_day, lost_day]
        src = np.r_[won_src, lost_src]
        k = day.size
        level = _choice(rng, [[0.65, 0.3, 0.05], [0.2, 0.5, 0.3]], converted.astype(np.int64))
        praised = rng.random(k) < np.where(converted, 0.35, 0.08)
        recent = day >= D - 180
        status = np.where(converted, 2, np.where(recent & (rng.random(k) < 0.6), 0, np.where(rng.random(k) < 0.5, 1, 3)))
        rep = rng.integers(0, 8, k)
        rep = np.where(converted, self._rep_codes()[np.r_[won, np.zeros(n_lost, np.int64)]], rep)
        rep = np.where(status == 0, np.where(rng.random(k) < 0.7, -1, rep), rep)
        companies = self.pools.companies
        comp = np.r_[np.arange(won.size) % len(companies), rng.integers(0, len(companies), n_lost)]
        names = companies[comp].astype(object)
        names[:won.size] = self._company_names[won]   # the converted leads, named as their accounts
        order = np.lexsort((np.arange(k), day))
        return pd.DataFrame({
            "lead_id": np.arange(1, k + 1, dtype=np.int64),
            "company": pd.array(names[order], dtype="object"),
            "created_at": pd.to_datetime(_to_datetime(self.start, day[order])).as_unit("ns"),
            "source": _cat(src[order], sources),
            "level": pd.Categorical.from_codes(level[order], categories=["undifferentiated", "qualified", "key"], ordered=True),
            "assigned_rep": _cat(rep[order], self.pools.reps[:8]),
            "praised_publicly": praised[order],
            "status": _cat(status[order], ("new", "contacted", "converted", "discarded")),
            "converted_customer_id": _cat(np.r_[won, np.full(n_lost, -1)][order], self.id_dtype),
        })

    # -- truth ------------------------------------------------------------------------------
    def _truth_table(self) -> pd.DataFrame:
        n = self.n
        alive = self.buyer & np.isnan(self.dropout_day)
        lam, p = self.lam, self.p
        with np.errstate(invalid="ignore"):
            exp_purch = np.where(alive, (1 - np.exp(-lam * p * 365)) / p, 0.0)
        exp_spend_mult = np.ones(n)
        if self.b2b:
            stay = np.arange(n) == len(BIG_EXITS)
            exp_purch = np.where(stay, lam * 0.6 * 365, exp_purch)
            exp_spend_mult = np.where(stay, 0.6, 1.0)
        exp_val = exp_purch * self.mean_spend * exp_spend_mult
        age = self.D - self.acq
        fhv = alive & (age <= 365) & (exp_val >= np.quantile(exp_val[alive], 0.9) if alive.any() else False)
        drop_day = np.nan_to_num(self.dropout_day, nan=0).astype(np.int64)
        dropout = pd.to_datetime(np.where(np.isnan(self.dropout_day), np.datetime64("NaT"), _to_datetime(self.start, drop_day))).as_unit("ns")
        cause = np.where(self.churn_cause >= 0, self.churn_cause, len(CHURN_CAUSES))
        return pd.DataFrame({
            "customer_id": pd.array(self.ids, dtype="object"),
            "persona": _cat(self.persona, PERSONAS),
            "orientation": _cat(self.orientation, ORIENTATIONS),
            "leader_role": _cat(np.where(self.role >= 0, self.role, 3), LEADER_ROLES + ("none",)),
            "high_volume": self.high_volume,
            "future_high_value": fhv,
            "benchmark": self.benchmark,
            "pioneer": self.pioneer,
            "motivator": self.motivator,
            "purchase_rate": lam,
            "dropout_prob": p,
            "spend_scale": self.nu,
            "mean_spend": np.round(self.mean_spend, 2),
            "gap_shape": self.gap_shape,
            "first_purchase": self.buyer,
            "dropout_date": dropout,
            "expected_purchases_next_year": exp_purch,
            "expected_value_next_year": np.round(exp_val, 2),
            "churn_cause": _cat(cause, CHURN_CAUSES + ("none",)),
        })


class _ExactBGNBDSimulation(_Simulation):
    """Classic, with the two departures from BG/NBD removed: no never-buyers (the observed
    population is not truncated) and no regular need-based gaps. Personas keep their traces
    in the other tables; the purchase and dropout latents are untouched draws."""

    def _customers_latent(self):
        super()._customers_latent()
        self.gap_shape = np.ones(self.n)
        self.buyer = np.ones(self.n, bool)
