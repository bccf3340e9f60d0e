"""The ``realistic`` generating process: a shop that behaves like a real panel.

Not any one model. Per customer, from the same single seeded ``numpy.random.Generator``:

* purchase rate, spend level and base hazard of leaving are drawn jointly (a Gaussian
  copula on Gamma / Gamma / Gamma margins), so frequent buyers spend a little more and
  stay a little longer, as real panels show;
* some customers register and never buy; some try once and leave within weeks;
* purchases follow a Poisson process whose rate moves with the calendar (a December
  peak, a weekday pattern) and fades before some customers leave;
* customers leave at any time (a continuous hazard), and the hazard is raised, for a
  while, by four signals that also happen to customers who stay: a care lapse (the
  firm's policy neglects low tiers when a rep is overloaded), an unresolved complaint,
  a competitor's offer and a fall in satisfaction. Each signal is one more competing
  clock; the clock that rings first is recorded in ``truth`` as the cause;
* the firm acts on what it can see (tier of record, rep capacity, replies, chance) and
  keeps contacting, surveying and quoting a customer who silently left until its policy
  gives up after ``GIVE_UP_AFTER`` unanswered care contacts in a row.

Every planted effect size below is an assumption; ``docs/generator.md`` lists them with
how an analyst would test each one on their own data.
"""
from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtr

from ..vocabulary import CARE_KINDS, CHURN_CAUSES, INTERACTION_KINDS, LEADER_ROLES, ORIENTATIONS, PERSONAS, REP_CONTACT_KINDS
from .generator import (
    BIG_ACCOUNTS, BIG_EXITS, CAUSES, PRODUCT_LINES, SHOCK_QUARTER, WARNING_START,
    _DISCOUNT_PROB, _ORIENTATION_BY_PERSONA, _PRODUCT_BY_ORIENTATION, _SATISFACTION,
    _Simulation, _cat, _choice, _events, _to_datetime,
)

# ---- documented parameters (assumptions) ---------------------------------------------
#: the signals that raise the hazard, in the order of ``truth`` columns
SIGNALS = ("care_lapse", "unresolved_complaint", "competitor_offer", "satisfaction_drop")
#: which CHURN_CAUSES label a signal's clock maps to; the base clock is "moved_on" or "price"
SIGNAL_CAUSE = {"care_lapse": "lack_of_care", "unresolved_complaint": "service_failure",
                "competitor_offer": "competitor", "satisfaction_drop": "service_failure"}
#: excess hazard of leaving while a signal is on (per year) and how long it stays on (days)
EXCESS_HAZARD_PER_YEAR = {"care_lapse": 1.6, "unresolved_complaint": 2.5, "competitor_offer": 2.2, "satisfaction_drop": 0.5}
SIGNAL_WINDOW_DAYS = {"care_lapse": 180, "unresolved_complaint": 120, "competitor_offer": 90, "satisfaction_drop": 100_000}
#: buying fades (rate x FADE_FLOOR at the end, linearly over FADE_DAYS) before leaving for these clocks
FADE_CLOCKS = ("base", "care_lapse", "satisfaction_drop")
FADE_DAYS = 120
FADE_FLOOR = 0.3
FADE_SPEND_FLOOR = 0.7
#: the firm stops care contacts, surveys and deals after this many unanswered care contacts in a row
GIVE_UP_AFTER = 5
REPLY_PROB = 0.6              # a present customer answers a care contact with this chance; a gone one never
SURVEY_RESPONSE_PROB = 0.45   # a present customer answers a survey with this chance
# Calendar: month multipliers (Jan..Dec) and weekday multipliers (Mon..Sun) of the purchase rate.
MONTH_MULT = {"retail": (0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.95, 1.0, 0.95, 1.0, 1.15, 1.6),
              "b2b": (0.95, 1.0, 1.05, 1.0, 1.0, 1.0, 0.9, 0.85, 1.05, 1.05, 1.05, 1.1)}
WEEKDAY_MULT = {"retail": (0.9, 0.85, 0.9, 0.95, 1.05, 1.3, 1.15), "b2b": (1.1, 1.15, 1.15, 1.1, 1.0, 0.1, 0.05)}



class _Latent(TypedDict):
    """One scenario's entry of :data:`LATENT` (a plain dict at run time)."""

    rate_shape: float
    rate_mean_per_year: float
    hazard_shape: float
    hazard_mean_per_year: float
    spend_q: float
    spend_gamma: float
    corr: tuple[tuple[float, float, float], ...]
    never_buy: dict[str, float]
    trial: dict[str, float]
    trial_days: float
    signal_rate_per_year: dict[str, float | tuple[float, float, float] | None]
    care_per_year: dict[str, tuple[float, float, float]]
    start: str


# Per scenario: margins of the latent traits and their copula correlations.
LATENT: dict[str, _Latent] = {
    "retail": _Latent(
        rate_shape=0.55, rate_mean_per_year=2.6,       # purchase rate: Gamma margin
        hazard_shape=0.6, hazard_mean_per_year=0.7,   # base hazard of leaving: Gamma margin
        spend_q=4.5, spend_gamma=42.0,                 # spend level: lighter tail than classic (q 3), same mean
        corr=((1.0, 0.40, -0.25), (0.40, 1.0, -0.10), (-0.25, -0.10, 1.0)),  # (rate, spend, hazard)
        never_buy={"wanderer": 0.55, "impulse": 0.12, "discount_driven": 0.12, "need_based": 0.08, "loyal": 0.04},
        trial={"loyal": 0.08, "discount_driven": 0.31, "impulse": 0.31, "need_based": 0.20, "wanderer": 0.40},
        trial_days=30.0,
        signal_rate_per_year={"care_lapse": (0.10, 0.22, 0.45), "unresolved_complaint": None,
                              "competitor_offer": 0.25, "satisfaction_drop": 0.15},
        care_per_year={"follow_up": (1.0, 0.3, 0.0), "visit": (1.2, 0.8, 0.5), "call": (2.0, 1.0, 0.5), "event": (1.0, 0.4, 0.2)},
        start="2023-01-01",
    ),
    "b2b": _Latent(
        rate_shape=1.2, rate_mean_per_year=1.6,
        hazard_shape=1.0, hazard_mean_per_year=0.12,
        spend_q=4.5, spend_gamma=15750.0,
        corr=((1.0, 0.30, -0.25), (0.30, 1.0, -0.10), (-0.25, -0.10, 1.0)),
        never_buy={"wanderer": 0.4, "impulse": 0.1, "discount_driven": 0.1, "need_based": 0.05, "loyal": 0.03},
        trial={"loyal": 0.05, "discount_driven": 0.25, "impulse": 0.25, "need_based": 0.12, "wanderer": 0.35},
        trial_days=90.0,
        signal_rate_per_year={"care_lapse": (0.05, 0.15, 0.3), "unresolved_complaint": None,
                              "competitor_offer": 0.2, "satisfaction_drop": 0.1},
        care_per_year={"follow_up": (10.0, 5.0, 2.0), "visit": (4.0, 2.0, 0.5), "call": (6.0, 3.0, 1.0), "event": (1.0, 0.5, 0.2)},
        start="2019-01-01",
    ),
}
#: need-based customers' gaps are Gamma, in calendar-warped time, with shape 1 + Gamma(2, 0.6) (mean 2.2);
#: OTHER_REGULAR_SHARE of everyone else has shape 1.5
NEED_BASED_GAP_SHAPE = (2.0, 0.6)
OTHER_REGULAR_SHARE = 0.15
#: The b2b story (大客户跳槽): each key account places frequent call-off orders against its
#: frame contract (0.40 a day, about 146 a year) of an ordinary account's size (19,000; the
#: others average about 19,000 too), so four accounts give about 60-80% of the orders and of
#: the revenue each year 2019-2024 (docs/generator.md), not the 94-99% a 240,000 order made.
BIG_RATE_REALISTIC = 0.40
BIG_MEAN_SPEND_REALISTIC = 19_000.0
#: Acquisition days are (days - 30) x U ** ACQ_POWER: retail is a young shop that gains
#: customers ever faster; the b2b supplier is established, so its accounts come in early
#: (a quarter of them in the first year) and then steadily: the key accounts never stand
#: alone, and the count of active accounts still grows.
ACQ_POWER = {"retail": 0.85, "b2b": 1.4}


def _stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for integer or datetime keys, in 16-bit radix passes.

    numpy radix-sorts 16-bit keys, so sorting by the low 16 bits and then (stably) by the
    next 16 gives the very same permutation as one stable sort of the 64-bit keys, in linear
    time: about twice as fast for the millions of orders and contacts of a large base.
    """
    v = keys.view(np.int64) if keys.dtype.kind == "M" else keys.astype(np.int64, copy=False)
    if v.size < 2:
        return np.argsort(v, kind="stable")
    v = v - v.min()
    top, shift, order = int(v.max()), 0, None
    while order is None or top >> shift:
        chunk = ((v >> shift) & 0xFFFF).astype(np.uint16)
        order = np.argsort(chunk, kind="stable") if order is None else order[np.argsort(chunk[order], kind="stable")]
        shift += 16
    return order


def _lexsort_by_customer_then_time(idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``np.lexsort((t, idx))`` for times t >= 0: the bits of a non-negative float sort as
    its value, so one integer sort by time then a radix sort by customer give the same order."""
    if t.size < 2 or np.signbit(t).any() or np.isnan(t).any():
        return np.lexsort((t, idx))
    by_t = np.argsort(t.view(np.int64), kind="stable")
    return by_t[_stable_argsort(idx[by_t])]


def _gamma_quantile(u, shape, mean):
    return gammaincinv(shape, np.clip(u, 1e-12, 1 - 1e-12)) * (mean / shape)


def _gamma_quantiles(jobs, threads_from: int = 100_000):
    """``[_gamma_quantile(*job) for job in jobs]``; for large bases in threads, since
    ``gammaincinv`` is the costliest pure computation of a draw and releases the GIL.
    Element by element the same function: the same bytes on any number of cores."""
    if len(jobs[0][0]) < threads_from:
        return [_gamma_quantile(*job) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(jobs), 3)) as pool:
        return list(pool.map(lambda job: _gamma_quantile(*job), jobs))


class _RealisticSimulation(_Simulation):
    """The realistic process; reuses the classic tables that do not encode the answers."""

    process = "realistic"

    def run(self) -> dict:
        self.L = LATENT[self.sc.name]
        self._customers_latent()
        self._calendar()
        self._signals_and_dropout()
        self._orders()
        inter = self._interactions()
        complaints = self._complaints()
        surveys = self._surveys(complaints)
        referrals = self._referrals()
        tables = {"customers": self._customers_table(), "orders": self.orders, "interactions": inter,
                  "complaints": complaints, "surveys": surveys, "referrals": referrals}
        if self.b2b:
            tables.update(self._b2b_tables())
        tables["truth"] = self._truth_table()
        return tables

    # -- latent traits -----------------------------------------------------------------
    def _customers_latent(self):
        sc, n, rng, D, L = self.sc, self.n, self.rng, self.D, self.L
        acq = np.sort(np.floor((D - 30) * rng.random(n) ** ACQ_POWER[sc.name])).astype(np.int64)
        self.big = np.zeros(n, bool)
        if self.b2b:
            acq[:BIG_ACCOUNTS] = np.array([2, 9, 16, 30])[:BIG_ACCOUNTS]
            acq = np.sort(acq)
            self.big[:BIG_ACCOUNTS] = True
        self.acq = acq
        z = rng.standard_normal((n, 3)) @ np.linalg.cholesky(np.array(L["corr"])).T
        self.z = z
        u = ndtr(z)
        self.spend_q, self.spend_gamma = L["spend_q"], L["spend_gamma"]
        self.lam, self.nu, self.h0 = _gamma_quantiles([
            (u[:, 0], L["rate_shape"], L["rate_mean_per_year"] / 365.25),
            (1 - u[:, 1], self.spend_q, self.spend_q / self.spend_gamma),  # high z: low nu: high spend
            (u[:, 2], L["hazard_shape"], L["hazard_mean_per_year"] / 365.25),
        ])
        # Persona: probabilities shifted by the latents, never a rule.
        w = sc.persona_weights
        logits = np.zeros((n, len(PERSONAS)))
        logits[:, PERSONAS.index("wanderer")] = -1.0 * z[:, 0]
        logits[:, PERSONAS.index("loyal")] = 0.8 * z[:, 0] - 0.8 * z[:, 2]
        logits[:, PERSONAS.index("discount_driven")] = -0.4 * z[:, 1]
        table = np.array([w[p] for p in PERSONAS])[None, :] * np.exp(logits)
        persona = _choice(rng, table, np.arange(n))
        if self.b2b:
            persona[self.big] = PERSONAS.index("loyal")
        self.persona = persona
        self.pname = np.array(PERSONAS)[persona]
        # Regularity of gaps: need-based customers mostly regular (shape varies by customer),
        # and some others too (routines, subscriptions): evidence in probability, not by rule.
        regular = rng.random(n) < OTHER_REGULAR_SHARE
        shape = 1.0 + rng.gamma(NEED_BASED_GAP_SHAPE[0], NEED_BASED_GAP_SHAPE[1], n)
        self.gap_shape = np.where(self.pname == "need_based", shape, np.where(regular, 1.5, 1.0))
        nb = np.array([L["never_buy"][p] for p in PERSONAS])[persona]
        self.buyer = (rng.random(n) >= nb) | self.big
        self.orientation = _choice(rng, [_ORIENTATION_BY_PERSONA[p] for p in PERSONAS], persona)
        if self.b2b:
            self.orientation[self.big] = np.array([1, 2, 1, 1])[:BIG_ACCOUNTS]
            self.lam[self.big] = BIG_RATE_REALISTIC
            self.nu[self.big] = sc.spend_shape / BIG_MEAN_SPEND_REALISTIC
            self.h0[self.big] = 0.0
        self.mean_spend = sc.spend_shape / self.nu
        # Base satisfaction of each customer (1-5 scale), persona-shifted with wide spread.
        self.sat0 = np.array([_SATISFACTION[p] for p in PERSONAS])[persona] + rng.normal(0, 0.6, n)
        role = np.full(n, -1)
        eligible = np.flatnonzero(self.buyer & (self.pname != "wanderer") & ~self.big)
        k = max(1, int(round(sc.leader_share * n))) if n >= 50 else 0
        chosen = rng.permutation(eligible)[: 3 * k]
        for j, _r in enumerate(LEADER_ROLES):
            role[chosen[j * k:(j + 1) * k]] = j
        self.role = role
        value_rate = self.lam * self.mean_spend
        self.high_volume = self.buyer & (value_rate >= np.quantile(value_rate[self.buyer], 0.95))
        self.high_volume |= self.big
        self.benchmark = self._pick_flag(0.02, np.where(self.pname == "loyal", 4.0, 1.0) * (1 + self.high_volume * 3))
        self.motivator = self._pick_flag(0.03, np.where(np.isin(self.pname, ["loyal", "need_based"]), 3.0, 1.0))
        self._cities()
        # Tier of record: the firm's own noisy view of value (what its policy can see).
        score = np.log(self.lam * self.mean_spend) + rng.normal(0, 0.7, n)
        rank = np.argsort(np.argsort(-score, kind="stable"), kind="stable") / n
        self.tier = np.where(rank < 0.1, 0, np.where(rank < 0.4, 1, 2))
        if self.b2b:
            self.tier[self.big] = 0
        reps = self._rep_codes()
        load = np.bincount(reps, minlength=reps.max() + 1).astype(float)
        self.capacity = np.sqrt(load.mean() / np.maximum(load, 1))[reps]  # busier rep: less care each

    def _calendar(self):
        days = pd.date_range(self.start, periods=self.D + 1, freq="D")
        name = self.sc.name
        mult = np.array(MONTH_MULT[name])[days.month.to_numpy() - 1] * np.array(WEEKDAY_MULT[name])[days.day_of_week.to_numpy()]
        self.day_mult = mult / mult.mean()
        self.mult_max = float(self.day_mult.max())

    # -- signals, hazard and the dropout date -------------------------------------------
    def _signals_and_dropout(self):
        rng, n, D, L = self.rng, self.n, self.D, self.L
        acq = self.acq.astype(float)
        sig_t = np.full((n, len(SIGNALS)), np.inf)
        for k, s in enumerate(SIGNALS):
            rate = L["signal_rate_per_year"][s]
            if s == "care_lapse":
                rate = np.array(rate)[self.tier] / self.capacity
            elif s == "unresolved_complaint":
                rate = self.lam * 365.25 * self.sc.complaint_rate * 0.3
            else:
                rate = np.full(n, rate)
            t = acq + 7 + rng.exponential(365.25, n) / np.maximum(rate, 1e-12)
            sig_t[:, k] = np.where(self.buyer & (t < D), t, np.inf)
        # Clocks: trial, base, one per signal; the first to ring is the dropout.
        trial_p = np.array([L["trial"][p] for p in PERSONAS])[self.persona]
        trial = np.where(rng.random(n) < trial_p, acq + rng.exponential(L["trial_days"], n), np.inf)
        base = acq + rng.exponential(1.0, n) / np.maximum(self.h0, 1e-12)
        clocks = [trial, base]
        for k, s in enumerate(SIGNALS):
            e = EXCESS_HAZARD_PER_YEAR[s] / 365.25
            t = sig_t[:, k] + rng.exponential(1.0 / e, n)
            clocks.append(np.where(t < sig_t[:, k] + SIGNAL_WINDOW_DAYS[s], t, np.inf))
        clocks = np.column_stack(clocks)
        if self.b2b:
            clocks[self.big] = np.inf
        which = np.argmin(clocks, axis=1)
        T = clocks[np.arange(n), which]
        gone = self.buyer & (T < D)
        self.signal_t = sig_t
        self.clock = np.where(gone, which, -1)          # 0 trial, 1 base, 2.. signals
        self.T = np.where(gone, T, np.inf)
        # Churn cause in the kit's vocabulary.
        price_p = np.where(self.pname == "discount_driven", 0.6, np.where(self.orientation == 0, 0.35, 0.15))
        base_cause = np.where(rng.random(n) < price_p, CHURN_CAUSES.index("price"), CHURN_CAUSES.index("moved_on"))
        sig_cause = np.array([CHURN_CAUSES.index(SIGNAL_CAUSE[s]) for s in SIGNALS])
        cause = np.where(self.clock >= 2, sig_cause[np.maximum(self.clock - 2, 0)], base_cause)
        self.churn_cause = np.where(gone, cause, -1)
        self.fade = gone & np.isin(self.clock, [1] + [2 + SIGNALS.index(s) for s in FADE_CLOCKS if s in SIGNALS])
        if self.b2b:
            self._big_story_signals()
        self.dropout_day = np.where(np.isfinite(self.T), np.floor(self.T), np.nan)
        never = ~self.buyer
        # Customer-side presence: buyers until they leave, never-buyers browse for a while.
        self.active_end = np.where(np.isfinite(self.T), self.T, float(D))
        self.active_end[never] = np.minimum(self.acq[never] + rng.exponential(365, never.sum()), D)

    def _big_story_signals(self):
        """Key accounts: three leave late 2024, one shrinks; signals are noisy and shared."""
        warn = self._day(WARNING_START)
        exits = [self._day(d) for d in BIG_EXITS]
        i_sig = {s: SIGNALS.index(s) for s in SIGNALS}
        jitter = self.rng.integers(0, 60, (BIG_ACCOUNTS, len(SIGNALS)))
        self.signal_t[:BIG_ACCOUNTS] = np.inf
        plan = {0: ("competitor_offer", "care_lapse"), 1: ("care_lapse",), 2: ("care_lapse", "unresolved_complaint"),
                3: ("competitor_offer", "unresolved_complaint")}  # account 3 stays: its signals are false alarms
        for i in range(BIG_ACCOUNTS):
            for s in plan[i]:
                self.signal_t[i, i_sig[s]] = warn + 20 * i + jitter[i, i_sig[s]]
        causes = ("competitor", "lack_of_care", "lack_of_care")
        for i, d in enumerate(exits):
            self.T[i] = float(d)
            self.clock[i] = 2 + i_sig["competitor_offer" if causes[i] == "competitor" else "care_lapse"]
            self.churn_cause[i] = CHURN_CAUSES.index(causes[i])
            self.fade[i] = True

    # -- orders --------------------------------------------------------------------------
    def _fade_mult(self, cust, t, floor):
        left = self.T[cust] - t
        ramp = np.clip(left / FADE_DAYS, 0.0, 1.0)
        return np.where(self.fade[cust], floor + (1 - floor) * ramp, 1.0)

    def _orders(self):
        rng, D = self.rng, self.D
        buyers = np.flatnonzero(self.buyer & ~self.big)
        t1_all = np.minimum(self.T, float(D))
        # Poisson buyers: candidates at the peak rate, thinned by the calendar and the fade.
        pois = buyers[self.gap_shape[buyers] == 1.0]
        t0 = self.acq[pois].astype(float) + 1.0
        span = np.maximum(t1_all[pois] - t0, 0.0)
        counts = rng.poisson(self.lam[pois] * self.mult_max * span)
        idx = np.repeat(pois, counts)
        t = np.repeat(t0, counts) + rng.random(idx.size) * np.repeat(span, counts)
        keep = rng.random(idx.size) * self.mult_max < self.day_mult[np.floor(t).astype(np.int64)]
        idx, t = idx[keep], t[keep]
        # Regular (need-based) buyers: Gamma gaps in calendar-warped time, so they keep the
        # December and weekday pattern yet buy more regularly than a Poisson process.
        reg = buyers[self.gap_shape[buyers] != 1.0]
        if reg.size:
            cal = np.r_[0.0, np.cumsum(self.day_mult)]
            o0 = cal[self.acq[reg]] + self.day_mult[self.acq[reg]]
            o1 = cal[np.floor(t1_all[reg]).astype(np.int64)]
            k = self.gap_shape[reg]
            mu = self.lam[reg] * np.maximum(o1 - o0, 0.0)
            m = np.ceil(mu * (1 + 2 / np.sqrt(k)) + 5 * np.sqrt(mu) + 5).astype(np.int64)
            ri = np.repeat(np.arange(reg.size), m)
            gaps = rng.gamma(k[ri], 1.0 / (self.lam[reg][ri] * k[ri]))
            cum = np.cumsum(gaps)
            starts = np.r_[0, np.cumsum(m)[:-1]]
            local = cum - np.r_[0.0, cum][starts][ri]
            ok = local < (o1 - o0)[ri]
            day_r = np.searchsorted(cal, o0[ri][ok] + local[ok], side="right") - 1
            idx = np.r_[idx, reg[ri[ok]]]
            t = np.r_[t, day_r + rng.random(day_r.size)]
        fade = self._fade_mult(idx, t, FADE_FLOOR)
        keep = rng.random(idx.size) < fade
        idx, t = idx[keep], t[keep]
        cust = np.r_[buyers, idx]
        day = np.r_[self.acq[buyers], np.floor(t).astype(np.int64)]
        spend_mult = np.r_[np.ones(buyers.size), self._fade_mult(idx, t, FADE_SPEND_FLOOR)]
        if self.b2b:
            bc, bd, bm = self._big_account_orders()
            cust, day, spend_mult = np.r_[cust, bc], np.r_[day, bd], np.r_[spend_mult, bm]
        self._order_details(cust, day, spend_mult)

    def _big_account_orders(self):
        """Key accounts: steady for years; from the warning date the leavers' orders thin out
        (noisily), and so, for a while, do the stayer's; in the shock quarter only the stayer
        orders, and less."""
        rng = self.rng
        warn, q_start, q_end = self._day(WARNING_START), self._day(SHOCK_QUARTER[0]), self._day(SHOCK_QUARTER[1])
        custs, days, mults = [], [], []
        for i in range(BIG_ACCOUNTS):
            m = int(BIG_RATE_REALISTIC * self.mult_max * self.D * 1.5) + 50
            t = self.acq[i] + np.cumsum(rng.exponential(1 / (BIG_RATE_REALISTIC * self.mult_max), m))
            t = t[t < self.D]
            keep_p = self.day_mult[np.floor(t).astype(np.int64)] / self.mult_max
            mult = np.ones(t.size)
            if i < len(BIG_EXITS):
                exit_day = self._day(BIG_EXITS[i])
                keep_p = keep_p * np.where(t >= warn, rng.uniform(0.4, 0.8), 1.0)
                keep_p[t >= exit_day] = 0.0
            else:
                dip = warn + rng.integers(0, 120)
                keep_p = keep_p * np.where((t >= dip) & (t < dip + 90), 0.7, 1.0)   # a false alarm
                keep_p = keep_p * np.where((t >= q_start) & (t <= q_end), 0.3, np.where(t > q_end, 0.6, 1.0))
                mult[t >= q_start] = 0.6
            kept = rng.random(t.size) < keep_p
            t, mult = t[kept], mult[kept]
            day = np.floor(t).astype(np.int64)
            day[0] = self.acq[i]
            custs.append(np.full(day.size, i))
            days.append(day)
            mults.append(mult)
        return np.concatenate(custs), np.concatenate(days), np.concatenate(mults)

    def _order_details(self, cust, day, spend_mult):
        sc, rng = self.sc, self.rng
        amount = rng.gamma(sc.spend_shape, 1.0 / self.nu[cust]) * spend_mult
        persona = self.persona[cust]
        orient = self.orientation[cust]
        disc_p = np.array([_DISCOUNT_PROB[p] for p in PERSONAS])[persona] * 0.7 + 0.08 + 0.08 * (orient == 0)
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
            late_p = np.where(persona == PERSONAS.index("impulse"), 0.45, 0.18)
            hour = np.where(rng.random(cust.size) < late_p, rng.integers(20, 24, cust.size), rng.integers(9, 22, cust.size))
            channels = ("store", "web", "app", "marketplace")
            by_persona = {"impulse": [0.2, 0.25, 0.45, 0.1], "discount_driven": [0.2, 0.3, 0.25, 0.25]}
            chan_codes = _choice(rng, [by_persona.get(p, [0.35, 0.3, 0.2, 0.15]) for p in PERSONAS], persona)
            recipients = ("self", "child", "parent", "partner", "pet", "gift")
            recipient = _choice(rng, [[0.85, 0.0, 0.0, 0.05, 0.0, 0.10], [0.2, 0.35, 0.2, 0.05, 0.2, 0.0]], self.relation[cust])
        seconds = hour * 3600 + rng.integers(0, 3600, cust.size)
        ts = _to_datetime(self.start, day, seconds)
        order = _stable_argsort(ts)
        self.order_cust, self.order_day, self.order_ts = cust[order], day[order], ts[order]
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

    # -- the firm's policy: care contacts until it gives up ------------------------------
    def _in_lapse(self, idx, t):
        s = self.signal_t[idx, SIGNALS.index("care_lapse")]
        return (t >= s) & (t < s + SIGNAL_WINDOW_DAYS["care_lapse"])

    def _ordered_since(self, cust, t_from, t_to):
        """Whether customer ``cust[i]`` placed an order in (t_from[i], t_to[i]] (days)."""
        secs = (self.order_ts - np.datetime64(self.start.to_datetime64(), "s")).astype(np.int64)
        key = np.sort(self.order_cust * (self.D + 2.0) + secs / 86400.0)
        base = cust * (self.D + 2.0)
        lo = np.searchsorted(key, base + np.maximum(t_from, -1.0), side="right")
        return np.searchsorted(key, base + t_to, side="right") > lo

    def _interactions(self) -> pd.DataFrame:
        sc, rng, n, D, L = self.sc, self.rng, self.n, self.D, self.L
        t0 = self.acq.astype(float)
        # 1. Care contacts planned by the firm from tier, rep capacity and chance; thinned
        #    during care lapses (the rep is overloaded), whether or not the customer stays.
        chance = rng.lognormal(0.0, 0.4, n)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for care in CARE_KINDS:
            rate = np.array(L["care_per_year"][care])[self.tier] * self.capacity * chance * self.buyer
            if care == "event":
                rate = rate + 4.0 * (self.role == 1) + 3.0 * self.benchmark
            idx, t = _events(rng, rate, t0, np.full(n, float(D)))
            keep = ~(self._in_lapse(idx, t) & (rng.random(idx.size) < 0.85))
            parts.append((idx[keep], t[keep], np.full(keep.sum(), INTERACTION_KINDS.index(care))))
        idx = np.concatenate([p[0] for p in parts])
        t = np.concatenate([p[1] for p in parts])
        kind = np.concatenate([p[2] for p in parts])
        o = _lexsort_by_customer_then_time(idx, t)
        idx, t, kind = idx[o], t[o], kind[o]
        # 2. Replies: only a present customer answers. The policy stops after GIVE_UP_AFTER
        #    unanswered contacts in a row (it sees replies, never the dropout date).
        replied = (t < self.T[idx]) & (rng.random(idx.size) < REPLY_PROB)
        pos = np.arange(idx.size)
        first = np.r_[True, idx[1:] != idx[:-1]] if idx.size else np.zeros(0, bool)
        if self.b2b and idx.size:
            # An account manager also sees the account's orders: an order since the last
            # contact counts as an answer (else the policy would give up on key accounts
            # that order every other day). Orders stop when the account leaves: no leak.
            replied |= self._ordered_since(idx, np.where(first, -np.inf, np.r_[-np.inf, t[:-1]]), t)
        # position of the latest reply at or before each contact (the group's start - 1 if none)
        last = np.maximum.accumulate(np.where(replied, pos, np.where(first, pos - 1, -1))) if idx.size else pos
        run = pos - last                              # unanswered contacts in a row, this one included
        hit = run >= GIVE_UP_AFTER
        self.firm_end = np.full(n, float(D))
        hi = np.flatnonzero(hit)
        if hi.size:
            firstpos = hi[np.r_[True, idx[hi][1:] != idx[hi][:-1]]]
            self.firm_end[idx[firstpos]] = t[firstpos]
        keep = t <= self.firm_end[idx]
        tc = t[keep]
        tc = np.floor(tc) + (8 + 10 * (tc - np.floor(tc))) / 24   # the firm calls in office hours
        cust_parts, t_parts, k_parts, q_parts = [idx[keep]], [tc], [kind[keep]], [np.full(keep.sum(), np.nan)]
        # 3. Customer-side interactions while the customer is around.
        for k, kname in enumerate(INTERACTION_KINDS):
            if kname in CARE_KINDS:
                continue
            default, by_persona = sc.interaction_rates[kname]
            rate = np.array([by_persona.get(p, default) for p in PERSONAS])[self.persona]
            if kname == "browse":
                rate = np.where(self.pname == "wanderer", rate * 0.5, rate) * rng.lognormal(0, 0.8, n)
            if kname == "suggestion":
                rate = rate + 6.0 * self.motivator + 4.0 * (self.role == 0)
            elif kname == "review":
                rate = rate + 8.0 * (self.role == 0)
            elif kname == "reference":
                rate = rate + 4.0 * self.benchmark
            ci, ct = _events(rng, rate, t0, self.active_end)
            q = np.full(ci.size, np.nan)
            if kname in ("suggestion", "review"):
                expert = (self.role[ci] == 0) | self.motivator[ci]
                q = np.round(np.where(expert, rng.beta(6, 2, ci.size), rng.beta(2, 5, ci.size)), 3)
            cust_parts.append(ci)
            t_parts.append(ct)
            k_parts.append(np.full(ci.size, k))
            q_parts.append(q)
        if not self.b2b:
            # Browsing before an order: more likely for impulse buyers, common for everyone.
            op = self.persona[self.order_cust]   # codes, not names: millions of string comparisons avoided
            p = np.where(op == PERSONAS.index("impulse"), 0.55, np.where(op == PERSONAS.index("wanderer"), 0.4, 0.25))
            imp = np.flatnonzero(rng.random(self.order_cust.size) < p)
            secs = (self.order_ts[imp] - np.datetime64(self.start.to_datetime64(), "s")).astype(np.int64)
            cust_parts.append(self.order_cust[imp])
            t_parts.append((secs - rng.integers(300, 3600, imp.size)) / 86400.0)
            k_parts.append(np.full(imp.size, INTERACTION_KINDS.index("browse")))
            q_parts.append(np.full(imp.size, np.nan))
        cust = np.concatenate(cust_parts)
        t = np.concatenate(t_parts)
        kind = np.concatenate(k_parts)
        quality = np.concatenate(q_parts)   # rounded where drawn: the rest is NaN
        ts = np.datetime64(self.start.to_datetime64(), "s") + np.round(t * 86400).astype("timedelta64[s]")
        order = _stable_argsort(ts)
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

    # -- complaints and surveys -------------------------------------------------------------
    def _complaints(self) -> pd.DataFrame:
        sc, rng = self.sc, self.rng
        n_orders = self.order_cust.size
        hit = rng.random(n_orders) < sc.complaint_rate
        badly = np.zeros(n_orders, bool)
        # Each unresolved-complaint signal is a complaint on the customer's last order before it.
        s = self.signal_t[:, SIGNALS.index("unresolved_complaint")]
        who = np.flatnonzero(np.isfinite(s) & (s < self.T))
        order_t = self.order_day.astype(float)
        key = self.order_cust * (self.D + 2.0) + order_t
        so = np.argsort(key, kind="stable")
        key_sorted = key[so]
        pos = np.searchsorted(key_sorted, who * (self.D + 2.0) + s[who], side="right") - 1
        ok = (pos >= 0) & (self.order_cust[so][np.maximum(pos, 0)] == who)
        rows_sig = so[pos[ok]]
        hit[rows_sig] = True
        badly[rows_sig] = True
        rows = np.flatnonzero(hit)
        k = rows.size
        cause = rng.choice(len(CAUSES), k, p=[0.35, 0.30, 0.20, 0.15])
        opened = self.order_ts[rows] + (86400 * (1 + rng.exponential(4, k))).astype("timedelta64[s]")
        slow = badly[rows]
        respond = np.where(slow, rng.exponential(9, k), rng.exponential(0.8, k))
        first = opened + (respond * 86400).astype("timedelta64[s]")
        never_answered = slow & (rng.random(k) < 0.4)
        close_after = np.where(slow, rng.exponential(30, k) + respond, respond + rng.exponential(5, k) + 0.2)
        closed = opened + (close_after * 86400).astype("timedelta64[s]")
        still_open = slow
        end = np.datetime64((self.start + pd.Timedelta(days=self.D)).to_datetime64(), "s")
        keep = opened < end
        first_nat = never_answered | (first >= end)
        closed_nat = still_open | (closed >= end)
        resolution_by_cause = [[0.5, 0.0, 0.0, 0.5], [0.4, 0.5, 0.0, 0.1], [0.1, 0.1, 0.6, 0.2], [0.3, 0.1, 0.1, 0.5]]
        resolution = np.where(closed_nat, 4, _choice(rng, resolution_by_cause, cause))
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

    def _signal_on(self, idx, t, s):
        st = self.signal_t[idx, SIGNALS.index(s)]
        return (t >= st) & (t < st + SIGNAL_WINDOW_DAYS[s])

    def _surveys(self, complaints: pd.DataFrame) -> pd.DataFrame:
        sc, rng = self.sc, self.rng
        # Sent by policy to every buyer until the firm gives up; answered only by customers still there.
        idx, t = _events(rng, np.where(self.buyer, sc.survey_rate / SURVEY_RESPONSE_PROB * 0.5, 0.0),
                         self.acq + 7.0, np.minimum(self.firm_end, self.D - 1))
        answered = (t < self.T[idx]) & (rng.random(idx.size) < SURVEY_RESPONSE_PROB)
        self.surveys_sent = np.bincount(idx, minlength=self.n)
        idx, t = idx[answered], t[answered]
        day = np.floor(t).astype(np.int64)
        k = idx.size
        sat = self.sat0[idx] + rng.normal(0, 0.5, k)
        sat -= 1.0 * self._signal_on(idx, t, "satisfaction_drop")
        sat -= 0.6 * self._signal_on(idx, t, "unresolved_complaint")
        lapse = self._signal_on(idx, t, "care_lapse")
        service = np.clip(np.round(sat + rng.normal(0, 0.5, k) - 0.8 * lapse), 1, 5)
        return self._survey_answers(idx, day, sat, service)

    # -- customers ------------------------------------------------------------------------
    def _tier_of_record(self) -> np.ndarray:
        return self.tier  # decided with the firm's policy, before any order (see _customers_latent)

    # -- B2B ------------------------------------------------------------------------------------
    def _b2b_tables(self) -> dict:
        # Deals are opened by the firm until its policy gives up; contacts' attitudes follow
        # each account's satisfaction, not its fate.
        present_end = self.active_end
        self.active_end = np.minimum(self.firm_end, self.D)
        out = super()._b2b_tables()
        self.active_end = present_end
        c = out["contacts"]
        cidx = c.customer_id.cat.codes.to_numpy()
        z = -(self.sat0[cidx] - 3.8) / 0.7 + self.rng.normal(0, 1.0, cidx.size)
        att = np.where(z > 1.2, 2, np.where(z < -0.3, 0, 1))
        c["attitude"] = _cat(att, ("supporter", "neutral", "opponent"))
        # A deal opened after the account silently left cannot be won.
        o, st = out["opportunities"], out["opportunity_stages"]
        ocust = o.customer_id.cat.codes.to_numpy()
        opened = ((o.opened_at - self.start).dt.days).to_numpy()
        dead = (opened >= self.T[ocust]) & (o.outcome.astype(str) == "won").to_numpy()
        if dead.any():
            ids = o.opportunity_id[dead].to_numpy()
            o.loc[dead, "outcome"] = "lost"
            o.loc[dead, "stage"] = "final_decision"
            st = st[~(st.opportunity_id.isin(ids) & (st.stage.astype(str) == "after_sales"))].reset_index(drop=True)
            out["opportunities"], out["opportunity_stages"] = o, st
        return out

    # -- truth ----------------------------------------------------------------------------------
    def _truth_table(self) -> pd.DataFrame:
        n, D = self.n, self.D
        alive = self.buyer & ~np.isfinite(self.T)
        lam, h = self.lam, self.h0
        with np.errstate(invalid="ignore", divide="ignore"):
            exp_purch = np.where(alive, np.where(h > 0, lam / h * (1 - np.exp(-h * 365)), lam * 365), 0.0)
        mult = np.ones(n)
        if self.b2b:
            stay = np.arange(n) == len(BIG_EXITS)
            exp_purch = np.where(stay, lam * 0.6 * 365, exp_purch)
            mult = np.where(stay, 0.6, 1.0)
        exp_val = exp_purch * self.mean_spend * mult
        age = D - self.acq
        fhv = alive & (age <= 365) & (exp_val >= np.quantile(exp_val[alive], 0.9) if alive.any() else False)

        def dates(x):
            ok = np.isfinite(x) & (x < D)
            d = _to_datetime(self.start, np.where(ok, np.floor(x), 0).astype(np.int64))
            return pd.to_datetime(np.where(ok, d, np.datetime64("NaT"))).as_unit("ns")

        cause = np.where(self.churn_cause >= 0, self.churn_cause, len(CHURN_CAUSES))
        clocks = ("trial", "base") + SIGNALS
        cols = {
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
            # Not a BG/NBD process: the chance that the next event is leaving rather than buying.
            "dropout_prob": np.where(self.buyer, h / np.maximum(lam + h, 1e-12), np.nan),
            "dropout_hazard": h * 365.25,
            "spend_scale": self.nu,
            "mean_spend": np.round(self.mean_spend, 2),
            "gap_shape": self.gap_shape,
            "first_purchase": self.buyer,
            "never_buyer": ~self.buyer,
            "dropout_date": dates(self.T),
            "dropout_clock": _cat(np.where(self.clock >= 0, self.clock, len(clocks)), clocks + ("none",)),
            "faded_before_leaving": self.fade,
            "expected_purchases_next_year": exp_purch,
            "expected_value_next_year": np.round(exp_val, 2),
            "churn_cause": _cat(cause, CHURN_CAUSES + ("none",)),
            "firm_gave_up_at": dates(np.where(self.firm_end < D, self.firm_end, np.inf)),
            "surveys_sent": self.surveys_sent,
        }
        for k, s in enumerate(SIGNALS):
            cols[f"signal_{s}_at"] = dates(self.signal_t[:, k])
        return pd.DataFrame(cols)
