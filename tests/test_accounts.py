"""Tests of playbook.accounts, its chart, widget and exercise bank (notebook 12)."""
from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook import accounts as acc
from playbook.charts.accounts import pipeline_funnel, win_rate_by_price
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError, PlaybookError
from playbook.vocabulary import PROCUREMENT_STAGES

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def b2b():
    return playbook.load_dataset("b2b")


@pytest.fixture(autouse=True)
def _close():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_pipeline_counts_open_deals_by_current_stage(b2b):
    p = acc.pipeline(b2b)
    assert list(p.index.astype(str)) == list(PROCUREMENT_STAGES)
    assert p["deals"].sum() == (b2b.opportunities.outcome.astype(str) == "open").sum() > 0
    assert p.loc["after_sales", "deals"] == 0
    assert p["share_of_value"].sum() == pytest.approx(1.0)


def test_pipeline_has_no_look_ahead(b2b):
    as_of = "2023-06-30"
    early = acc.pipeline(b2b, as_of)
    snap = acc.pipeline(b2b.snapshot(as_of))
    pd.testing.assert_frame_equal(early, snap)
    # deals closed later are open on as_of
    o = b2b.opportunities
    expected = ((o.opened_at <= as_of) & (o.closed_at.isna() | (o.closed_at > pd.Timestamp(as_of) + pd.Timedelta(days=1)))).sum()
    assert early["deals"].sum() == expected


def test_pipeline_before_any_deal_is_empty(b2b):
    assert acc.pipeline(b2b, "2000-01-01")["deals"].sum() == 0


def test_stage_conversion(b2b):
    c = acc.stage_conversion(b2b)
    assert c.loc["internal_need", "entered"] == len(b2b.opportunities)  # every deal starts with a need
    assert (c["entered"].diff().dropna() <= 0).all()  # a funnel narrows
    assert c["conversion_to_next"].dropna().between(0, 1).all()
    assert pd.isna(c.loc["after_sales", "conversion_to_next"])
    assert (c["median_days_in_stage"].dropna() > 0).all()


def test_trigger_events(b2b):
    t = acc.trigger_events(b2b)
    assert t["deals"].sum() == len(b2b.opportunities)
    assert (t["won"] + t["lost"] + t["open"] == t["deals"]).all()
    assert t["deals"].is_monotonic_decreasing


def test_stage_playbook_has_all_stages_in_both_languages():
    assert list(acc.STAGE_PLAYBOOK.index.astype(str)) == list(PROCUREMENT_STAGES)
    assert acc.STAGE_PLAYBOOK[["what_to_do", "what_to_do_zh"]].map(len).gt(10).all().all()
    text = " ".join(acc.STAGE_PLAYBOOK["what_to_do"]).lower()
    assert "gift" not in text


def test_lead_pool_is_unassigned_and_prioritised(b2b):
    pool = acc.lead_pool(b2b)
    ids = set(pool.lead_id)
    leads = b2b.leads.set_index("lead_id").loc[list(ids)]
    assert leads.assigned_rep.isna().all()
    ranks = pool.level.map({"key": 0, "qualified": 1, "undifferentiated": 2})
    assert ranks.is_monotonic_increasing


def test_assign_leads_balances_load_and_is_deterministic():
    pool = pd.DataFrame({"lead_id": range(1, 7), "level": ["undifferentiated", "key", "qualified", "key", "qualified", "key"],
                         "praised_publicly": [False, False, False, True, False, False],
                         "created_at": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01", "2024-01-01", "2025-03-01", "2025-06-01"])})
    before = pool.copy()
    out = acc.assign_leads(pool, {"Ann": 3, "Bob": 0})
    pd.testing.assert_frame_equal(pool, before)
    # key first, the praised key lead before fresher ones, then fresher before older
    assert out.lead_id.tolist() == [4, 6, 2, 5, 3, 1]
    assert out.assigned_rep.tolist() == ["Bob", "Bob", "Bob", "Ann", "Bob", "Ann"]
    assert out.equals(acc.assign_leads(pool, {"Ann": 3, "Bob": 0}))
    capped = acc.assign_leads(pool, {"Ann": 3, "Bob": 0}, max_per_rep=2)
    assert capped.assigned_rep.isna().sum() == 2


@pytest.mark.parametrize("load", [{}, {"Ann": -1}])
def test_assign_leads_bad_load(load):
    pool = pd.DataFrame({"lead_id": [1], "level": ["key"], "praised_publicly": [True], "created_at": pd.to_datetime(["2025-01-01"])})
    with pytest.raises(InvalidArgumentError):
        acc.assign_leads(pool, load)


def test_assign_leads_bad_level():
    pool = pd.DataFrame({"lead_id": [1], "level": ["hot"], "praised_publicly": [True], "created_at": pd.to_datetime(["2025-01-01"])})
    with pytest.raises(DataValidationError, match="hot"):
        acc.assign_leads(pool, {"Ann": 0})


def test_assign_empty_pool():
    pool = pd.DataFrame({"lead_id": [], "level": [], "praised_publicly": [], "created_at": pd.to_datetime([])})
    assert acc.assign_leads(pool, {"Ann": 0}).empty


def test_rep_load(b2b):
    load = acc.rep_load(b2b)
    assert load.sum() >= b2b.customers.account_manager.notna().sum()


def test_channel_effectiveness_shows_trade_show_losing_share(b2b, b2b_seeds):
    # Seeds 0-4 (400 accounts): trade shows bring 0.37-0.47 of the leads in the first year and 0.17-0.23 in the
    # last, a last year at 0.42-0.53 of the first: the share roughly halves on every seed.
    eff = acc.channel_effectiveness(b2b).set_index(["period", "source"])
    assert eff["leads"].sum() == len(b2b.leads)
    for seed, base in enumerate(b2b_seeds):
        share = acc.channel_effectiveness(base).set_index(["period", "source"]).xs("trade_show", level="source")["share_of_leads"]
        assert share.iloc[0] > 0.3 and share.iloc[-1] < 0.6 * share.iloc[0], (seed, share.tolist())
    q = acc.channel_effectiveness(b2b, freq="Q")
    assert q["period"].str.contains("Q").all()
    with pytest.raises(InvalidArgumentError):
        acc.channel_effectiveness(b2b, freq="M")


def test_stakeholder_map_and_coverage(b2b):
    m = acc.stakeholder_map(b2b, "A0001")
    assert m.iloc[0].role == "decision_maker" and len(m) == (b2b.contacts.customer_id == "A0001").sum()
    cov = acc.stakeholder_coverage(b2b)
    assert len(cov) == b2b.contacts.customer_id.nunique()
    assert (cov["at_risk"] == (~cov["decision_maker_supporter"] & cov["opponent_present"])).all() and cov["at_risk"].any()
    with pytest.raises(InvalidArgumentError, match="Did you mean"):
        acc.stakeholder_map(b2b, "A001")


@pytest.fixture(scope="module")
def b2b_seeds():
    from playbook.synth import generate

    return [generate("b2b", seed=s) for s in range(5)]


# --- channel wear-out (渠道衰减) measured by conversion within a fixed window -----------------------------------


def test_channel_conversion_counts_by_hand(b2b):
    conv = acc.channel_conversion(b2b)
    leads, cust = b2b.leads, b2b.customers.set_index("customer_id")
    assert conv["leads"].sum() == len(leads) and (conv["eligible"] + conv["too_recent"] == conv["leads"]).all()
    age = (b2b.as_of - leads.created_at).dt.days
    assert conv.attrs["too_recent"] == (age < 180).sum() > 0 and conv.attrs["window_days"] == 180
    # one cell by hand: 2021, cold calls; converted = became a customer within 180 days of arriving
    mine = leads[(leads.created_at.dt.year == 2021) & (leads.source.astype(str) == "cold_call")]
    days = (mine.converted_customer_id.map(cust.acquisition_date) - mine.created_at).dt.days
    row = conv.set_index(["period", "source"]).loc[("2021", "cold_call")]
    assert row["eligible"] == len(mine) and row["converted"] == (days <= 180).sum()
    assert row["conversion"] == pytest.approx((days <= 180).mean())
    ok = conv.dropna(subset=["conversion"])
    assert ((ok["low"] <= ok["conversion"]) & (ok["conversion"] <= ok["high"])).all()
    # a shorter window counts fewer conversions among at least as many leads
    short = acc.channel_conversion(b2b, window_days=30)
    assert short.attrs["eligible"] >= conv.attrs["eligible"]
    assert short["converted"].sum() < conv["converted"].sum()


def test_channel_conversion_has_no_look_ahead(b2b):
    early = acc.channel_conversion(b2b, "2024-06-30")
    pd.testing.assert_frame_equal(early, acc.channel_conversion(b2b.snapshot("2024-06-30")))
    pd.testing.assert_frame_equal(acc.channel_wear_out(b2b, "2024-06-30"), acc.channel_wear_out(b2b.snapshot("2024-06-30")))


def test_channel_conversion_reads_a_converted_at_column(b2b):
    base = b2b.snapshot(b2b.as_of)
    leads = base.leads.copy()
    leads["converted_at"] = leads.converted_customer_id.map(base.customers.set_index("customer_id").acquisition_date)
    leads["converted_customer_id"] = None
    pd.testing.assert_frame_equal(acc.channel_conversion(dataclasses.replace(base, leads=leads)), acc.channel_conversion(b2b))


def test_channel_wear_out_compares_first_and_last_and_tests_the_trend(b2b):
    wear = acc.channel_wear_out(b2b)
    conv = acc.channel_conversion(b2b).set_index(["period", "source"])
    for source, row in wear.iterrows():
        assert row["first_period"] == "2019" and row["last_period"] == "2024"  # 2025 is cut short by the window
        assert row["first_conversion"] == pytest.approx(conv.loc[("2019", source), "conversion"])
        assert row["last_conversion"] == pytest.approx(conv.loc[("2024", source), "conversion"])
        assert (row["verdict"] == "not settled") == (row["trend_p_value"] >= 0.05)
        assert row["verdict"] != "rising" or row["trend_per_year"] > 0
    assert wear["trend_per_year"].is_monotonic_increasing
    # the trend test is the Cochran-Armitage test: the slope over its standard error under no trend
    from scipy.stats import norm

    source = wear.index[0]
    eligible = b2b.leads[(b2b.leads.source.astype(str) == source) & ((b2b.as_of - b2b.leads.created_at).dt.days >= 180)]
    days = (eligible.converted_customer_id.map(b2b.customers.set_index("customer_id").acquisition_date)
            - eligible.created_at).dt.days
    y = (days <= 180).to_numpy(dtype=float)
    x = ((eligible.created_at - eligible.created_at.min()).dt.days / 365.25).to_numpy()
    slope = np.polyfit(x, y, 1)[0]
    z = slope * np.sqrt(((x - x.mean()) ** 2).sum()) / np.sqrt(y.mean() * (1 - y.mean()))
    assert wear.loc[source, "trend_per_year"] == pytest.approx(slope)
    assert wear.loc[source, "trend_p_value"] == pytest.approx(2 * norm.sf(abs(z)))


def test_channel_conversion_bad_input(b2b):
    for bad in (0, -30, 1.5, "180", True):
        with pytest.raises(InvalidArgumentError, match="window_days"):
            acc.channel_conversion(b2b, window_days=bad)
    with pytest.raises(InvalidArgumentError, match="freq"):
        acc.channel_conversion(b2b, freq="M")
    for func in (acc.channel_conversion, acc.channel_wear_out):
        with pytest.raises(InvalidArgumentError, match="confidence"):
            func(b2b, confidence=95)
    with pytest.raises(MissingTableError):
        acc.channel_conversion(playbook.load_dataset("retail"))
    with pytest.raises(DataValidationError, match="no lead is 180 days old"):
        acc.channel_wear_out(b2b, as_of=b2b.leads.created_at.min() + pd.Timedelta(days=100))
    broken = b2b.snapshot(b2b.as_of)
    leads = broken.leads.copy()
    leads.loc[leads.status.astype(str) == "converted", "converted_customer_id"] = None
    with pytest.raises(DataValidationError, match="status 'converted' but no date"):
        acc.channel_conversion(dataclasses.replace(broken, leads=leads))


# What the generator planted (playbook/synth/generator.py, `_leads` and `_assign_channels`; an assumption of the
# kit, not a finding): converted leads are the accounts, whose channel mix drifts by `channel_trend` and who arrive
# early (b2b acquisition days ~ U ** ACQ_POWER: a quarter in the first year); the leads that never convert are spread
# evenly over the years, 1.6 per account, with the source mix below. So the planted conversion of a source at a
# fraction f of the years is g(f) w(f) / (g(f) w(f) + 1.6 l(f)), g the accounts' arrival density. The copy of the mix
# is checked against the generator's source, so a change there fails here instead of going unnoticed.
_LOST_MIX_LINE = ("lost_w = np.column_stack([0.45 - 0.3 * frac, 0.2 + 0.1 * frac, 0.1 + 0.15 * frac, "
                  "0.07 + 0 * frac, 0.18 + 0.05 * frac])")
_LOST_MIX = {"trade_show": (0.45, 0.15), "industry_website": (0.2, 0.3), "peer_website": (0.1, 0.25),
             "referral": (0.07, 0.07), "cold_call": (0.18, 0.23)}
# Sources whose conversion the recipe fixes in closed form. A referral whose referrer went quiet is relabelled
# industry_website, which moves both of those by an amount the recipe does not give: left out of the truth check.
_RECIPE_SOURCES = ("trade_show", "peer_website", "cold_call")


def _planted(lo: float, hi: float, source: str | None = None, keep: float = 1.0) -> float:
    """Planted conversion of the leads arriving between fractions ``lo`` and ``hi`` of the years (all sources pooled
    when ``source`` is None); ``keep`` is the share of conversions a window catches."""
    from playbook.synth.generator import SCENARIOS
    from playbook.synth.realistic import ACQ_POWER

    sc, power = SCENARIOS["b2b"], ACQ_POWER["b2b"]
    f = np.linspace(lo, hi, 2001)[1:]
    g = f ** (1 / power - 1) / power
    if source is None:
        w, lost = np.ones_like(f), np.ones_like(f)
    else:
        a, b = sc.channel_trend[source]
        w = a + (b - a) * f
        lost = _LOST_MIX[source][0] + (_LOST_MIX[source][1] - _LOST_MIX[source][0]) * f
    return float((keep * g * w).sum() / ((g * w).sum() + 1.6 * lost.sum()))


def _fraction(base, period: str) -> tuple[float, float]:
    start, p = pd.Timestamp("2019-01-01"), pd.Period(period)
    days = (base.as_of - start).days + 1
    return (p.start_time - start).days / days, ((p.end_time.normalize() - start).days + 1) / days


def test_the_planted_channel_recipe_is_the_generators():
    import inspect

    from playbook.synth.generator import _Simulation

    assert _LOST_MIX_LINE in inspect.getsource(_Simulation._leads)
    assert all(sum(v[i] for v in _LOST_MIX.values()) == pytest.approx(1.0) for i in (0, 1))
    # as planted, every source converts less in the last years than in the first, cold calls by far the most
    first, last = (_fraction(playbook.load_dataset("b2b"), y) for y in ("2019", "2024"))
    fall = {s: _planted(*first, s) - _planted(*last, s) for s in _RECIPE_SOURCES}
    assert min(fall.values()) > 0.15 and max(fall, key=fall.get) == "cold_call"


def test_wear_out_by_window_recovers_the_planted_fall_over_seeds(b2b_seeds):
    """Seeds 0-4: every recipe source's planted conversion falls by 0.17-0.29 from the first year to 2024 (test
    above). The fixed-window trend is negative for each of them on every seed; a settled verdict never says
    "rising"; cold calls, whose planted fall is the largest, are settled as falling on most seeds."""
    settled_cold = 0
    for seed, base in enumerate(b2b_seeds):
        wear = acc.channel_wear_out(base)
        for source in _RECIPE_SOURCES:
            assert wear.loc[source, "trend_per_year"] < 0, (seed, source)
            assert wear.loc[source, "verdict"] != "rising", (seed, source)
        settled_cold += wear.loc["cold_call", "verdict"] == "falling"
    assert settled_cold >= 3


def test_share_of_leads_and_censored_conversion_mislead_where_the_window_does_not(b2b_seeds):
    """Two readings the fixed window replaces, each wrong on every seed 0-4:

    - share of leads: peer websites bring a growing share of the leads, which reads as a channel that works
      better and better, while their planted conversion falls and the window measures it falling;
    - the share of leads marked converted, by quarter: the last quarter's leads have had no time, so its conversion
      sits far below the planted one (0.00-0.17 against 0.31 on seeds 0-7), a "collapse" that is only censoring;
      the window leaves those leads out (too recent) and its last complete quarter lands near the planted value.
      By year the bias is there but small (a few points on average).
    """
    raw_err, window_err, window_bias, yearly_bias = [], [], [], []
    for seed, base in enumerate(b2b_seeds):
        share = acc.channel_effectiveness(base).pivot(index="period", columns="source", values="share_of_leads")
        assert share["peer_website"].iloc[-1] > share["peer_website"].iloc[0], seed
        assert acc.channel_wear_out(base).loc["peer_website", "trend_per_year"] < 0, seed
        # by quarter, all sources pooled
        leads = base.leads
        quarter = leads.created_at.dt.to_period("Q")
        last = quarter.max()
        raw = float((leads.status.astype(str) == "converted")[quarter == last].mean())
        planted = _planted(*_fraction(base, str(last)))
        assert raw < 0.6 * planted, (seed, raw, planted)
        conv = acc.channel_conversion(base, freq="Q")
        assert conv.loc[conv["period"] == str(last), "eligible"].sum() == 0  # the window does not judge it yet
        lastc = acc.channel_wear_out(base, freq="Q")["last_period"].max()
        pooled = conv[conv["period"] == lastc]
        measured = pooled["converted"].sum() / pooled["eligible"].sum()
        truth = _planted(*_fraction(base, lastc), keep=1 - np.exp(-180 / 60))  # conversion lags ~ Exp(60 days)
        raw_err.append(abs(raw - planted))
        window_err.append(abs(measured - truth))
        window_bias.append(measured - truth)
        # by year the same bias is smaller (a year's leads are mostly old): seeds 0-4 put the latest year from 0.01 above to 0.08
        # below its planted conversion, a few points on average, not the collapse of the latest quarter
        year = leads.created_at.dt.year
        raw_year = float((leads.status.astype(str) == "converted")[year == year.max()].mean())
        yearly_bias.append(raw_year - _planted(*_fraction(base, str(year.max()))))
    assert np.mean(window_err) < 0.5 * np.mean(raw_err)
    assert abs(np.mean(window_bias)) < 0.08
    assert -0.1 < np.mean(yearly_bias) < -0.02 and np.mean(yearly_bias) > -0.5 * np.mean(raw_err)


def _opposed_and_churned(base):
    cov = acc.stakeholder_coverage(base)
    a_ids = base.customers.loc[base.customers.tier_of_record == "A", "customer_id"]
    churned = base.truth.set_index("customer_id").dropout_date.notna().reindex(a_ids).to_numpy()
    opp = (cov.reindex(a_ids)["decision_maker_attitude"] == "opponent").to_numpy()
    return opp, churned


def test_decision_maker_opponent_is_a_weak_sign_no_supplier_can_settle(b2b_seeds):
    """FINDING, pinned (seeds 0-4, 40 A accounts each). In the realistic data a contact's attitude follows the
    account's satisfaction, and satisfaction goes with leaving, so an opposed decision maker is a weak sign:
    pooled over five suppliers (24 opposed A accounts) churn is 0.79 among them against 0.55 among the rest
    (Fisher p about 0.03). But one supplier has 4-6 opposed A accounts: the gap per seed runs from -0.08 to
    +0.57 and even changes sign, and Fisher's test settles it on at most one seed of five (see the next test).
    Weakly informative, too few accounts to act on alone."""
    from playbook.evaluate import fisher_comparison

    pairs = [_opposed_and_churned(b) for b in b2b_seeds]
    opp, churned = np.concatenate([o for o, _ in pairs]), np.concatenate([c for _, c in pairs])
    assert opp.sum() >= 15
    pooled = fisher_comparison(churned, opp)
    assert pooled["rate_group"] > pooled["rate_rest"]
    gaps = [c[o].mean() - c[~o].mean() for o, c in pairs]
    assert min(gaps) <= 0 < max(gaps), gaps


def test_competitor_comparison_service_value_beats_price(b2b):
    c = acc.competitor_comparison(b2b).set_index(["price_band", "technical_plan"])
    assert c["deals"].sum() == ((b2b.opportunities.quote_vs_competitor.notna()) & (b2b.opportunities.outcome.astype(str) != "open")).sum()
    assert set(c.index.get_level_values("price_band")) >= {"cheaper_or_equal", "up_to_5pct_dearer"}


def test_a_technical_plan_wins_more_often_in_every_price_band(b2b_seeds):
    # Seeds 0-4: pooled over the five suppliers, a plan wins more often in every price band, by 0.13-0.21.
    # One supplier has about 20-35 deals with a plan per band, so per seed it is higher in 13 of 15 cells: in at
    # least 2 of the 3 bands on every seed (the two misses, -0.01 and -0.06, in the cheapest band). Being dearer
    # still costs deals.
    tables = [acc.competitor_comparison(b).set_index(["price_band", "technical_plan"]) for b in b2b_seeds]
    for seed, c in enumerate(tables):
        bands = c.index.get_level_values("price_band").unique()
        higher = sum(c.loc[(band, True), "win_rate"] > c.loc[(band, False), "win_rate"] for band in bands)
        assert len(bands) == 3 and higher >= 2, (seed, higher)
    won = sum(c["won"] for c in tables)
    deals = sum(c["deals"] for c in tables)
    rate = won / deals
    for band in rate.index.get_level_values("price_band").unique():
        assert rate[(band, True)] > rate[(band, False)] + 0.1
    assert rate[("over_5pct_dearer", False)] < rate[("cheaper_or_equal", False)]


def test_account_manager_report(b2b):
    r = acc.account_manager_report(b2b)
    assert r["accounts"].sum() == len(b2b.customers)
    assert r["retention_rate"].between(0, 1).all()
    assert (r["retention_low"] <= r["retention_rate"]).all() and (r["retention_rate"] <= r["retention_high"]).all()
    assert (r["retained"] <= r["active_prior_year"]).all()
    assert r["revenue_365d"].is_monotonic_decreasing
    with pytest.raises(DataValidationError):
        acc.account_manager_report(b2b, "2000-01-01")


def _retained_or_not(report, reps):
    rows = report.loc[list(reps)]
    kept = np.concatenate([np.r_[np.ones(k), np.zeros(n - k)] for k, n in zip(rows["retained"], rows["active_prior_year"])])
    first = np.concatenate([np.full(n, i == 0) for i, n in enumerate(rows["active_prior_year"])])
    return kept.astype(bool), first


def test_rep_retention_ranking_is_not_settled(b2b_seeds):
    """FINDING, pinned (seeds 0-4, 8 reps with 9-24 accounts to keep each): every rep's 95% interval overlaps
    another's, and the best against the worst rep, tested with Fisher's exact test and corrected for picking the
    two extremes out of 28 pairs (Bonferroni), is never settled at 5% (raw p 0.008-0.19, corrected >= 0.2).
    Ranking reps by retention ranks chance at this size."""
    from playbook.evaluate import fisher_comparison

    for base in b2b_seeds:
        r = acc.account_manager_report(base).dropna(subset=["retention_rate"])
        pairs = len(r) * (len(r) - 1) / 2
        for rep in r.index:
            others = r.drop(index=rep)
            assert ((others["retention_low"] <= r.loc[rep, "retention_high"])
                    & (others["retention_high"] >= r.loc[rep, "retention_low"])).any()
        kept, best = _retained_or_not(r, [r["retention_rate"].idxmax(), r["retention_rate"].idxmin()])
        test = fisher_comparison(kept, best)
        assert test["difference"] > 0 and min(1.0, test["p_value"] * pairs) >= 0.05


def test_opposed_decision_maker_is_not_a_settled_churn_sign(b2b_seeds):
    """Per seed, Fisher's exact test on A accounts (opposed decision maker or not, left or not) settles a
    difference at 5% on at most one seed of five (seeds 0-4: p 0.047 on one, 0.22-1.0 on the others): with 4-6
    opposed accounts per supplier, one supplier's data rarely can, and one seed in five at 5% is what chance
    alone gives."""
    from playbook.evaluate import fisher_comparison

    settled = 0
    for base in b2b_seeds:
        opp, churned = _opposed_and_churned(base)
        test = fisher_comparison(churned, opp)
        assert test["n_group"] == opp.sum() <= 8
        assert test["low_group"] <= test["rate_group"] <= test["high_group"]
        settled += bool(test["settled"])
    assert settled <= 1


def test_key_account_scorecard(b2b):
    card = acc.key_account_scorecard(b2b)
    assert (card.tier == "key").all() and len(card) > 10
    # truth-free, but the three big exits show: key by history, no orders in the last year
    assert {"A0001", "A0002", "A0003"} <= set(card.index[card.orders_365d == 0])
    assert card["latest_satisfaction"].dropna().between(1, 5).all()
    # "Latest satisfaction" can be stale: surveys are answered only by customers still there, so a leaver's
    # latest answer predates its leaving (here, its last order), however good it was.
    last_survey = b2b.surveys.assign(cid=b2b.surveys["customer_id"].astype(str)).groupby("cid")["date"].max()
    last_order = b2b.orders.assign(cid=b2b.orders["customer_id"].astype(str)).groupby("cid")["order_date"].max()
    for account in ("A0001", "A0002", "A0003"):
        if pd.notna(card.loc[account, "latest_satisfaction"]):
            assert last_survey[account] < last_order[account], account


def test_no_leaver_answers_a_survey_after_it_left(b2b_seeds):
    # Seeds 0-4: 85-97 of the 240-267 leavers answered a survey at some point, none after its dropout date
    # (40-47 answered after their last order, before they silently left: a survey is no proof of presence).
    for seed, base in enumerate(b2b_seeds):
        dropout = base.truth.set_index("customer_id")["dropout_date"].dropna()
        s = base.surveys.assign(dropout=base.surveys["customer_id"].astype(str).map(dropout))
        assert s["dropout"].notna().sum() > 0, seed
        assert not (s["date"] > s["dropout"]).any(), seed


def test_praise_and_conversion(b2b):
    t = acc.praise_and_conversion(b2b)
    assert t.loc[True, "conversion_rate"] > t.loc[False, "conversion_rate"] + 0.3
    by = acc.praise_and_conversion(b2b, by="level")
    assert by["leads"].sum() == len(b2b.leads)
    with pytest.raises(DataValidationError, match="Did you mean"):
        acc.praise_and_conversion(b2b, by="levl")


def test_bad_input():
    retail = playbook.load_dataset("retail")
    with pytest.raises(MissingTableError):
        acc.pipeline(retail)
    with pytest.raises(InvalidArgumentError):
        acc.pipeline(retail.orders)
    with pytest.raises(PlaybookError):
        acc.lead_pool(retail)


def test_bad_stage_code(b2b):
    stages = b2b.opportunity_stages.assign(stage=b2b.opportunity_stages.stage.astype(str).replace("internal_need", "need"))
    with pytest.raises(DataValidationError, match="need"):
        acc.stage_conversion(dataclasses.replace(b2b, opportunity_stages=stages))


def test_charts(b2b):
    ax = pipeline_funnel(acc.pipeline(b2b), value="open_value", lang="zh")
    assert len(ax.patches) == 7
    ax = win_rate_by_price(acc.competitor_comparison(b2b))
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(DataValidationError):
        pipeline_funnel(acc.pipeline(b2b), value="nope")


def test_widget_changes_shown(b2b):
    from playbook.widgets.accounts import AccountExplorer

    ex = AccountExplorer(b2b, accounts=["A0001", "A0004"])
    first = dict(ex.shown)
    ex.account.value = "A0004"
    assert ex.shown != first and ex.shown["customer_id"] == "A0004"


def test_channel_effectiveness_period_is_the_old_name_of_freq(b2b):
    with pytest.warns(DeprecationWarning, match="channel_effectiveness renamed: 'period' is now 'freq'"):
        old = acc.channel_effectiveness(b2b, period="Q")
    pd.testing.assert_frame_equal(old, acc.channel_effectiveness(b2b, freq="Q"))


def test_key_account_watch_rings_after_the_exits_and_also_for_stayers(b2b_seeds):
    # Notebook 12's replay, judged over five seeds: a 30-day revenue alarm (below half of the
    # 30 days before) flags at least two of the three leavers by the end of 2024, weeks after
    # they stopped, and on every seed it also rings for big accounts that did not leave.
    from playbook.widgets.accounts import _momentum

    leavers = {"A0001", "A0002", "A0003"}
    for base in b2b_seeds:
        caught, false_alarms = set(), 0
        for d in ["2024-06-30", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31"]:
            t = _momentum(base, d, 30, 8)
            flagged = {c for c, r in t.iterrows() if r["before"] > 0 and r["last"] < 0.5 * r["before"]}
            if d >= "2024-11-30":
                caught |= flagged & leavers
            false_alarms += len(flagged - leavers)
        assert len(caught) >= 2 and false_alarms >= 1


def test_key_account_watch_widget(b2b):
    from playbook.widgets.accounts import KeyAccountWatch

    w = KeyAccountWatch(b2b, dates=["2024-11-30", "2024-12-31"])
    w.window.value = 30
    first = list(w.shown["flagged"])
    w.date.value = "2024-12-31"
    assert w.shown["flagged"] != first and w.shown["window_days"] == 30
    at_half = set(w.shown["flagged"])
    w.threshold.value = 100  # a stricter alarm flags every account flagged at 50%, and maybe more
    assert at_half <= set(w.shown["flagged"])


# ------------------------------------------------------------------ the key-account system, element by element


def test_key_account_system_scores_each_element_against_its_target(b2b):
    system = acc.key_account_system(b2b)
    card = acc.key_account_scorecard(b2b)
    assert set(system.index) == set(card.index)  # the same key accounts as the scorecard
    scores = system[[f"{e}_score" for e in acc.SYSTEM_ELEMENTS]]
    assert (scores.isna() | ((scores >= 0) & (scores <= 1))).all().all()
    # each score is its measure over its target, capped at 1
    assert system["team_score"].round(9).equals((system["average_load"] / system["manager_load"]).clip(upper=1).round(9))
    from playbook.segment import tier_policy

    cadence = 365 / tier_policy().loc["key", "contact_every_days"]
    assert system["service_score"].round(9).equals((system["care_contacts"] / cadence).clip(upper=1).round(9))
    # a stricter cadence asks for more contacts and can only lower the service score
    strict = acc.key_account_system(b2b, policy=tier_policy({"key": {"contact_every_days": 7}}))
    assert (strict["required_contacts"] == 365 / 7).all() and (strict["service_score"] <= system["service_score"]).all()
    # the weakest element is the lowest score, ties broken in the order of SYSTEM_ELEMENTS
    for cid, row in system.iterrows():
        judged = {e: row[f"{e}_score"] for e in acc.SYSTEM_ELEMENTS if pd.notna(row[f"{e}_score"])}
        low = min(judged.values())
        assert row["weakest"] == next(e for e in acc.SYSTEM_ELEMENTS if judged.get(e) == low), cid
    # an account with no deal in two years has no sales model to judge
    assert system.loc[system["deals_730d"] == 0, "sales_model_score"].isna().all()


def test_key_account_system_counts_care_contacts_by_hand(b2b):
    system = acc.key_account_system(b2b)
    cid = system.index[0]
    it = b2b.interactions
    window = (it.date > b2b.as_of - pd.Timedelta(days=365)) & (it.date <= b2b.as_of)
    care = it.customer_id.astype(str).eq(cid) & window & it.kind.astype(str).isin(["visit", "call", "event", "follow_up"])
    assert system.loc[cid, "care_contacts"] == care.sum()
    assert system.loc[cid, "stakeholders"] == (b2b.contacts.customer_id.astype(str) == cid).sum()


def test_key_account_system_has_no_look_ahead(b2b):
    early = acc.key_account_system(b2b, "2024-06-30")
    snap = acc.key_account_system(b2b.snapshot("2024-06-30"))
    cols = [c for c in early.columns if c not in ("manager_load", "average_load", "team_score", "weakest", "weakest_score")]
    pd.testing.assert_frame_equal(early[cols], snap[cols])


def test_key_account_system_bad_input(b2b):
    with pytest.raises(InvalidArgumentError):
        acc.key_account_system("b2b")
    with pytest.raises(MissingTableError):
        acc.key_account_system(playbook.load_dataset("retail"))


def test_key_account_system_exercises_follow_the_learners_own_base(monkeypatch):
    """Notebook 12's graded exercises pass the learner's answer on their own base, refuse the neighbour's, and hint each mistake."""
    from playbook import exercises as ex
    from playbook.synth import generate

    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    bases = [generate("b2b", seed=s) for s in (1, 2, 3)]
    for i in ("12.1", "12.2", "12.3", "12.4", "12.5", "12.7", "12.8", "12.10", "12.11", "12.12", "12.13"):
        e = ex.REGISTRY[i]
        for mine, theirs in zip(bases, bases[1:] + bases[:1]):
            ex.reset_attempts()
            params = ex.params_for(i, mine)
            right = e.solve(mine, **params)
            assert ex.check(i, right, mine, **params).passed, i
            other = e.solve(theirs, **ex.params_for(i, theirs))
            if not ex.compare(other, right, rtol=e.rtol, decimals=e.decimals):
                assert not ex.check(i, other, mine, **params).passed, i
            shipped = ex.shipped_answer(e, **params)
            for mistake, hint in e.mistakes:
                wrong = mistake(mine, **params)
                # a mistake that equals the right answer, or the shipped figure (named first), cannot be told apart here
                if not ex.compare(wrong, right, rtol=e.rtol) and (
                        shipped is None or not ex.compare(wrong, shipped, rtol=e.rtol, decimals=e.decimals)):
                    result = ex.check(i, wrong, mine, **params)
                    assert not result.passed and hint in result.message, i


def test_the_system_decision_names_an_account_with_one_weakest_element(monkeypatch):
    from playbook import exercises as ex
    from playbook.synth import generate

    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")  # strict mode raises on a wrong answer; here we read its hint

    for seed in range(5):
        base = generate("b2b", seed=seed)
        cid = ex.params_for("12.10", base)["customer_id"]
        row = acc.key_account_system(base).loc[cid]
        scores = sorted(row[f"{e}_score"] for e in acc.SYSTEM_ELEMENTS if pd.notna(row[f"{e}_score"]))
        assert scores[0] < scores[1], seed
        result = ex.check("12.10", row["weakest"], base, customer_id=cid)
        assert result.passed and "The kit's scores" in result.message
        strongest = max((e for e in acc.SYSTEM_ELEMENTS if pd.notna(row[f"{e}_score"])), key=lambda e: row[f"{e}_score"])
        assert "strongest" in ex.check("12.10", strongest, base, customer_id=cid).message


def test_channel_conversion_chart_draws_intervals_and_keeps_the_contract(b2b):
    import inspect

    from playbook.charts.accounts import channel_conversion_chart

    conv = acc.channel_conversion(b2b)
    ax = channel_conversion_chart(conv, sources=["cold_call", "trade_show"])
    judged = conv.dropna(subset=["conversion"])
    from matplotlib.collections import LineCollection

    bars = [c for c in ax.collections if isinstance(c, LineCollection)]  # one set of interval bars per source
    assert len(bars) == 2 and all(len(c.get_segments()) == judged["period"].nunique() for c in bars)
    assert str(conv.attrs["too_recent"]) in ax.get_title() and "180" in ax.get_ylabel()
    zh = channel_conversion_chart(conv, lang="zh")
    assert "天内转化" in zh.get_ylabel() and "陌生拜访电话" in [t.get_text() for t in zh.get_legend().get_texts()]
    params = list(inspect.signature(channel_conversion_chart).parameters.values())
    assert params[0].name == "data" and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    with pytest.raises(DataValidationError, match="nothing to draw"):
        channel_conversion_chart(conv, sources=["newspaper"])


def test_channel_wear_out_explorer_follows_the_window(b2b):
    from playbook.widgets._base import Explorer, controls
    from playbook.widgets.accounts import ChannelWearOutExplorer

    explorer = ChannelWearOutExplorer(b2b)
    assert isinstance(explorer, Explorer) and set(controls(explorer)) == {"window", "freq"}
    first = dict(explorer.shown)
    assert first["too_recent"] == acc.channel_conversion(b2b).attrs["too_recent"]
    assert first["falling"] == list(acc.channel_wear_out(b2b).query("verdict == 'falling'").index)
    explorer.window.value = 90
    assert explorer.shown["window_days"] == 90 and explorer.shown["too_recent"] < first["too_recent"]
    explorer.freq.value = "Q"
    assert explorer.shown["freq"] == "Q"
    assert ChannelWearOutExplorer(b2b, lang="zh").window.description == "转化窗口（天）"


def test_the_wear_out_exercises_pass_the_window_and_name_each_shortcut(strict_check):
    """12.4, 12.12 and 12.13 on learners' bases: the fixed-window answer passes; counting the recent leads, or reading
    the share of leads, gets its own hint (on the seeds where that shortcut gives another answer)."""
    from playbook import exercises as ex
    from playbook.synth import generate

    told = {"recent": 0, "share": 0}
    for seed in (1, 2, 6):
        mine = generate("b2b", seed=seed)
        for i in ("12.4", "12.12", "12.13"):
            e = ex.REGISTRY[i]
            right = e.solve(mine)
            assert strict_check(i, right, mine)[0], (seed, i)
            shipped = ex.shipped_answer(e)
            for (mistake, hint), kind in zip(e.mistakes, ("recent", "share")):
                wrong = mistake(mine)
                if ex.compare(wrong, right, rtol=e.rtol) or ex.compare(wrong, shipped, rtol=e.rtol):
                    continue
                passed, message = strict_check(i, wrong, mine)
                assert not passed and hint in message, (seed, i, kind)
                assert ("too recent" in message) if kind == "recent" else ("share of the leads" in message)
                told[kind] += 1
    assert told["recent"] >= 5 and told["share"] >= 5, told
