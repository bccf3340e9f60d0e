"""Customer lifetime value: simple CLV, BG/NBD and Gamma-Gamma against the synthetic truth."""
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook.charts.value import (
    frequency_recency_heatmap,
    holdout_plot,
    probability_alive_heatmap,
)
from playbook.errors import DataValidationError, InvalidArgumentError, PlaybookError
from playbook.synth import generate
from playbook.value import (
    BetaGeoFitter,
    FitWarning,
    GammaGammaFitter,
    ModelNotFittedError,
    calibration_holdout,
    clv_table,
    frequency_recency_matrix,
    holdout_comparison,
    holdout_scores,
    customer_lifetime_value,
    probability_alive_matrix,
    simple_clv,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def summary(retail):
    return playbook.summarize(retail.orders, retail.as_of)


@pytest.fixture(scope="module")
def bgf(summary):
    return BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])


@pytest.fixture(scope="module")
def ggf(summary):
    return GammaGammaFitter().fit(summary["frequency"], summary["monetary_value"])


@pytest.fixture(scope="module")
def cal_hold(retail):
    return calibration_holdout(retail.orders, "2024-12-31", "2025-12-31")


@pytest.fixture(scope="module")
def bgf_cal(cal_hold):
    return BetaGeoFitter().fit(cal_hold["frequency_cal"], cal_hold["recency_cal"], cal_hold["T_cal"])


def _fitted_runs(process, n_customers):
    runs = []
    for seed in range(5):
        base = generate("retail", n_customers=n_customers, seed=seed, process=process)
        s = playbook.summarize(base.orders, base.as_of)
        ch = calibration_holdout(base.orders, "2024-12-31", "2025-12-31")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            runs.append({"seed": seed, "base": base, "summary": s, "cal_hold": ch,
                         "bgf": BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]),
                         "ggf": GammaGammaFitter().fit(s["frequency"], s["monetary_value"]),
                         "bgf_cal": BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])})
    return runs


@pytest.fixture(scope="module")
def bgnbd_runs():
    """BG/NBD in its own world: process="bgnbd" draws exactly BG/NBD + Gamma-Gamma orders, so true
    parameters exist to recover. Five seeds, 5,000 customers each."""
    return _fitted_runs("bgnbd", 5000)


@pytest.fixture(scope="module")
def realistic_runs():
    """The realistic default: data no model generated. Five seeds, 3,000 customers each."""
    return _fitted_runs("realistic", 3000)


def _orders(rows):
    return pd.DataFrame({"customer_id": [r[0] for r in rows], "order_date": pd.to_datetime([r[1] for r in rows]),
                         "amount": [r[2] for r in rows]})


# ---------------------------------------------------------------- simple CLV


def test_clv_formula_and_finite_horizon_sum():
    clv = customer_lifetime_value
    assert clv(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    by_hand = sum(100 * 0.8**t / 1.1**t for t in range(1, 6))
    assert clv(100, 0.8, 0.1, periods=5) == pytest.approx(by_hand)
    assert clv(100, 0.8, 0.1, periods=2000) == pytest.approx(clv(100, 0.8, 0.1))
    assert clv(50, 1.0, 0.0, periods=4) == pytest.approx(200)
    assert clv(100, 0.0, 0.1) == 0


def test_clv_is_vectorised_and_keeps_a_series_index():
    out = customer_lifetime_value(100, np.array([0.5, 0.8, 0.9]), 0.1)
    assert out.shape == (3,) and np.all(np.diff(out) > 0)
    s = customer_lifetime_value(pd.Series([10.0, 20.0], index=["a", "b"]), 0.5, 0.0)
    assert list(s.index) == ["a", "b"] and s["b"] == pytest.approx(20.0) and s.name == "clv"


@pytest.mark.parametrize("kwargs", [{"retention_rate": 1.2}, {"retention_rate": -0.1}, {"discount_rate": -0.5},
                                    {"retention_rate": 1.0, "discount_rate": 0.0}, {"periods": 2.5},
                                    {"margin_per_period": np.nan}])
def test_clv_bad_input(kwargs):
    args = {"margin_per_period": 100, "retention_rate": 0.8, "discount_rate": 0.1, **kwargs}
    with pytest.raises(InvalidArgumentError):
        customer_lifetime_value(**args)


def _old_simple_clv(margin, retention, discount_rate, periods=None):
    """value.simple_clv at commit 584aaca, frozen (validation left out)."""
    index = margin.index if isinstance(margin, pd.Series) else None
    m, r, d = (np.asarray(v, dtype=float) for v in (margin, retention, discount_rate))
    k = r / (1 + d)
    if periods is None:
        out = m * r / (1 + d - r)
    else:
        n = np.asarray(periods, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = m * np.where(k == 1, n, k * (1 - k**n) / np.where(k == 1, 2.0, 1 - k))
    if index is not None:
        return pd.Series(np.broadcast_to(out, m.shape), index=index, name="clv")
    return float(out) if np.ndim(out) == 0 else out


def test_simple_clv_is_the_old_name_same_figures_with_a_deprecation_warning():
    rng = np.random.default_rng(15)
    margin = pd.Series(rng.uniform(-20, 400, 300), index=[f"c{i}" for i in range(300)])
    retention, discount = rng.uniform(0, 1, 300), rng.uniform(0, 0.4, 300)
    periods = rng.integers(0, 30, 300)
    for args in ((margin, retention, discount), (margin, retention, discount, periods), (100.0, 1.0, 0.0, 4),
                 (margin.to_numpy(), 0.8, 0.1)):
        with pytest.warns(DeprecationWarning, match="simple_clv is now customer_lifetime_value"):
            old_name = simple_clv(*args)
        want = _old_simple_clv(*args)
        new = customer_lifetime_value(*args)
        for got in (old_name, new):
            if isinstance(want, pd.Series):
                pd.testing.assert_series_equal(got, want)
            else:
                np.testing.assert_array_equal(got, want)
    with pytest.warns(DeprecationWarning, match="margin= is now margin_per_period="):
        assert simple_clv(margin=100, retention=0.8, discount_rate=0.1) == customer_lifetime_value(100, 0.8, 0.1)
    with pytest.warns(DeprecationWarning), pytest.raises(InvalidArgumentError, match="retention_rate"):
        simple_clv(100, 1.5, 0.1)


# ---------------------------------------------------------------- BG/NBD against the truth


def test_bgnbd_recovers_the_population(bgnbd_runs):
    """On process="bgnbd" the fit recovers the true r, alpha, a, b on every seed.
    Measured over seeds 0-4: r 0.58-0.62 (truth 0.6), alpha 20.4-21.5 (20), a 0.78-0.84 (0.8),
    b 4.8-5.3 (5); dates are days, so same-day repeats merge and the mean rate r/alpha reads 4-9% low."""
    for run in bgnbd_runs:
        truth, p = run["base"].meta["population"], run["bgf"].params_
        assert run["bgf"].fit_info_["converged"]
        for k in ("r", "alpha", "a", "b"):
            assert p[k] == pytest.approx(truth[k], rel=0.10), (run["seed"], k, p[k])
        assert 0.88 < (p["r"] / p["alpha"]) / (truth["r"] / truth["alpha"]) < 1.0, run["seed"]


def test_bgnbd_on_realistic_data_lands_on_real_panel_values(realistic_runs):
    """Finding: on data it did not generate (no true r exists), BG/NBD's r lands near its published
    CDNOW fit (0.24) on every seed; the dropout parameters a, b move from seed to seed."""
    for run in realistic_runs:
        p = run["bgf"].params_
        assert 0.15 < p["r"] < 0.35, (run["seed"], p)
        assert 20 < p["alpha"] < 50, (run["seed"], p)


def test_bgnbd_predicts_next_year_like_the_truth(retail, summary, bgf):
    expected = bgf.expected_purchases(365, summary["frequency"], summary["recency"], summary["T"])
    truth = retail.truth.set_index("customer_id")["expected_purchases_next_year"].reindex(expected.index)
    # Observed: 11,779 predicted against 12,021 true expected purchases (-2.0%); correlation 0.88.
    assert expected.sum() == pytest.approx(truth.sum(), rel=0.05)
    assert np.corrcoef(expected, truth)[0, 1] > 0.8


def test_probability_alive_separates_alive_from_gone(bgnbd_runs):
    """In BG/NBD's own world P(alive) separates the alive from the gone on every seed
    (measured: mean 0.83-0.85 among the alive, 0.21-0.23 among the gone)."""
    for run in bgnbd_runs:
        s = run["summary"]
        alive = run["bgf"].probability_alive(s["frequency"], s["recency"], s["T"])
        assert alive.between(0, 1).all() and (alive[s["frequency"] == 0] == 1).all()
        still_there = run["base"].truth.set_index("customer_id")["dropout_date"].reindex(alive.index).isna()
        assert alive[still_there].mean() > 0.75, run["seed"]
        assert alive[~still_there].mean() < 0.3, run["seed"]


def test_probability_alive_on_realistic_data_loses_to_recency(realistic_runs):
    """Finding on the realistic default: BG/NBD lets customers leave only after a repeat purchase,
    so every one-time buyer gets P(alive) = 1. Detecting who has already gone at 2024-12-31,
    1 - P(alive) ranks worse than chance over all buyers (measured AUC 0.39-0.41 over seeds 0-4)
    while days since the last order gets 0.84-0.88; among repeat buyers both do well (0.89-0.93)."""
    from playbook.evaluate import baseline_scores, detection_task, roc_auc

    for run in realistic_runs:
        base = run["base"]
        task = detection_task(base, "2024-12-31")
        b = baseline_scores(base, "2024-12-31").reindex(task.index)
        y = task["label"].to_numpy()
        assert roc_auc(y, b["one_minus_p_alive"]) < 0.5, run["seed"]
        assert roc_auc(y, b["days_since_last"]) > roc_auc(y, b["one_minus_p_alive"]) + 0.3, run["seed"]
        repeat = (playbook.summarize(base.orders, "2024-12-31")["frequency"].reindex(task.index) > 0).to_numpy()
        auc_repeat = roc_auc(y[repeat], b["one_minus_p_alive"].to_numpy()[repeat])
        assert auc_repeat > 0.85, run["seed"]
        assert abs(auc_repeat - roc_auc(y[repeat], b["days_since_last"].to_numpy()[repeat])) < 0.04, run["seed"]


def test_conditional_expectation_matches_numerical_integration(bgf):
    from scipy import integrate, special

    r, alpha, a, b = (bgf.params_[k] for k in ("r", "alpha", "a", "b"))
    for x, tx, T, t in [(0, 0, 30, 365), (3, 200, 400, 180), (40, 900, 1000, 365), (150, 1090, 1095, 365), (2, 10, 900, 90)]:
        alive = float(bgf.probability_alive(x, tx, T)[0])
        # E[purchases | alive] averaged over p ~ Beta(a, b + x). The smooth part g(p) is integrated
        # against the Beta weight p^(a-1) (1-p)^(b+x-1) by quad's algebraic-weight rule, exact for the
        # spike at p = 0 that a < 1 gives (the fit on the realistic data has a below 1).
        def smooth(p, x=x, T=T, t=t):
            return (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p if p > 0 else (r + x) * t / (alpha + T)

        value = integrate.quad(smooth, 0, 1, weight="alg", wvar=(a - 1, b + x - 1), limit=200)[0] / special.beta(a, b + x)
        assert float(bgf.expected_purchases(t, x, tx, T)[0]) == pytest.approx(alive * value, rel=1e-5)


def test_unconditional_expectation_matches_simulation(bgf, rng):
    r, alpha, a, b = (bgf.params_[k] for k in ("r", "alpha", "a", "b"))
    lam = rng.gamma(r, 1 / alpha, 400_000)
    p = rng.beta(a, b, 400_000)
    for t in (30, 365, 1000):
        simulated = np.mean((1 - np.exp(-lam * p * t)) / p)
        assert bgf.expected_purchases_new(t) == pytest.approx(simulated, rel=0.02)
    assert bgf.expected_purchases_new(0) == 0
    assert np.all(np.diff(bgf.expected_purchases_new(np.array([10, 100, 1000]))) > 0)


def test_predictions_keep_the_index_and_do_not_mutate(summary, bgf):
    before = summary.copy()
    out = bgf.expected_purchases(90, summary["frequency"], summary["recency"], summary["T"])
    assert out.index.equals(summary.index)
    pd.testing.assert_frame_equal(summary, before)
    plain = bgf.expected_purchases(90, [2], [50], [100])
    assert isinstance(plain, np.ndarray) and plain[0] > 0


def test_long_silence_lowers_probability_alive(bgf):
    p = bgf.probability_alive([10, 10, 10], [100, 500, 990], [1000, 1000, 1000])
    assert p[0] < p[1] < p[2]


def test_fitter_used_too_early():
    with pytest.raises(ModelNotFittedError, match="Model has not been fit yet"):
        BetaGeoFitter().expected_purchases(30, [1], [5], [10])
    with pytest.raises(ModelNotFittedError, match="Model has not been fit yet"):
        GammaGammaFitter().conditional_expected_average_profit([1], [10.0])
    assert issubclass(ModelNotFittedError, PlaybookError)


def test_nobody_repeats_raises():
    orders = _orders([(f"c{i}", f"2025-01-{i + 1:02d}", 10.0) for i in range(20)])
    s = playbook.summarize(orders, "2025-03-01")
    with pytest.raises(DataValidationError, match="nobody made a repeat purchase"):
        BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    with pytest.raises(DataValidationError, match="at least 2 customers with a repeat"):
        GammaGammaFitter().fit(s["frequency"], s["monetary_value"])


def test_one_customer_raises():
    s = playbook.summarize(_orders([("a", "2025-01-01", 5.0), ("a", "2025-01-09", 7.0)]), "2025-02-01")
    with pytest.raises(DataValidationError, match="needs many customers"):
        BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])


def test_all_purchases_on_one_day_raise():
    orders = _orders([(c, "2025-05-05 10:00", 10.0) for c in "abcde"] + [("a", "2025-05-05 18:00", 3.0)])
    s = playbook.summarize(orders, "2025-05-05")
    with pytest.raises(DataValidationError, match="0 periods old"):
        BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    later = playbook.summarize(orders, "2025-06-30")
    with pytest.raises(DataValidationError, match="all orders on one day count as one purchase"):
        BetaGeoFitter().fit(later["frequency"], later["recency"], later["T"])


@pytest.mark.parametrize("frequency, recency, T, what", [
    ([1, 2], [5, 20], [10, 15], "recency is larger than T"),
    ([-1, 2], [0, 5], [10, 15], "frequency is negative"),
    ([0, 2], [3, 5], [10, 15], "recency is not 0"),
    ([1.5, 2], [3, 5], [10, 15], "not a whole number"),
    ([1, np.nan], [3, 5], [10, 15], "missing or infinite"),
])
def test_bad_rows_are_named(frequency, recency, T, what):
    with pytest.raises(DataValidationError, match=what):
        BetaGeoFitter().fit(frequency, recency, T)


def test_non_convergence_warns_with_advice(summary):
    with pytest.warns(FitWarning, match="did not converge.*penalizer_coef"):
        fitted = BetaGeoFitter(max_iter=2).fit(summary["frequency"], summary["recency"], summary["T"])
    assert fitted.fit_info_["converged"] is False


def test_penalizer_shrinks_and_must_be_valid(summary, bgf):
    shrunk = BetaGeoFitter(penalizer_coef=0.01).fit(summary["frequency"], summary["recency"], summary["T"])
    assert sum(v**2 for v in shrunk.params_.values()) < sum(v**2 for v in bgf.params_.values())
    with pytest.raises(InvalidArgumentError, match="penalizer_coef"):
        BetaGeoFitter(penalizer_coef=-1).fit(summary["frequency"], summary["recency"], summary["T"])


# ---------------------------------------------------------------- Gamma-Gamma


def test_gamma_gamma_recovers_the_population(bgnbd_runs):
    """On process="bgnbd" spend is exactly Gamma-Gamma (truth p 5, q 3, v 24); every seed recovers
    q and the population mean spend; p and v trade off against each other (measured p 4.7-6.0)."""
    for run in bgnbd_runs:
        truth, ggf, s = run["base"].meta["population"], run["ggf"], run["summary"]
        p = ggf.params_
        assert p["p"] == pytest.approx(truth["spend_shape"], rel=0.25), run["seed"]
        assert p["q"] == pytest.approx(truth["spend_q"], rel=0.10), run["seed"]
        assert p["v"] == pytest.approx(truth["spend_gamma"], rel=0.25), run["seed"]
        true_mean = truth["spend_shape"] * truth["spend_gamma"] / (truth["spend_q"] - 1)
        assert ggf.population_mean_spend() == pytest.approx(true_mean, rel=0.06), run["seed"]
        assert ggf.fit_info_["n_customers"] == int((s["frequency"] > 0).sum())


def test_expected_spend_follows_the_truth(retail, summary, ggf):
    repeat = summary[summary["frequency"] >= 3]
    spend = ggf.conditional_expected_average_profit(repeat["frequency"], repeat["monetary_value"])
    truth = retail.truth.set_index("customer_id")["mean_spend"].reindex(repeat.index)
    model_error = (spend - truth).abs().mean()
    raw_error = (repeat["monetary_value"] - truth).abs().mean()
    assert model_error < raw_error


def test_non_positive_spend_is_dropped_with_a_count(rng):
    rows = []
    for i in range(80):
        scale = rng.gamma(3.0, 1 / 24.0)
        for k in range(int(rng.integers(2, 7))):
            rows.append((f"c{i:02d}", pd.Timestamp("2025-01-01") + pd.Timedelta(days=20 * k), rng.gamma(5.0, 1 / scale)))
    rows += [("x1", "2025-01-01", 10.0), ("x1", "2025-02-01", -10.0), ("x2", "2025-01-01", 5.0), ("x2", "2025-02-01", 0.0)]
    s = playbook.summarize(_orders(rows), "2025-06-01")
    with pytest.warns(FitWarning, match="dropped 2 repeat customer"):
        fitted = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    assert fitted.fit_info_["n_dropped"] == 2 and fitted.fit_info_["n_customers"] == 80


def test_infinite_mean_spend_is_refused():
    ggf = GammaGammaFitter()
    ggf.params_ = {"p": 2.0, "q": 0.8, "v": 10.0}
    with pytest.raises(DataValidationError, match="infinite"):
        ggf.population_mean_spend()


# ---------------------------------------------------------------- CLV


def test_clv_one_step_without_discount_is_purchases_times_spend(summary, bgf, ggf):
    f, r, t, m = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    clv = ggf.customer_lifetime_value(bgf, f, r, t, m, horizon=365, step=365, discount_rate=0.0, margin=0.4)
    by_hand = bgf.expected_purchases(365, f, r, t) * ggf.conditional_expected_average_profit(f, m) * 0.4
    np.testing.assert_allclose(clv, by_hand, rtol=1e-10)


def test_clv_grows_with_horizon_and_falls_with_discount(summary, bgf, ggf):
    args = [summary[c] for c in ("frequency", "recency", "T", "monetary_value")]
    short = ggf.customer_lifetime_value(bgf, *args, horizon=365).sum()
    long = ggf.customer_lifetime_value(bgf, *args, horizon=3 * 365).sum()
    dear = ggf.customer_lifetime_value(bgf, *args, horizon=3 * 365, discount_rate=0.3).sum()
    assert short < dear < long
    with pytest.raises(InvalidArgumentError, match="discount_rate"):
        ggf.customer_lifetime_value(bgf, *args, discount_rate=-0.1)


def test_clv_table_against_truth(retail, summary, bgf, ggf):
    table = clv_table(summary, bgf, ggf, discount_rate=0.0, margin=1.0)
    assert list(table.columns) == ["p_alive", "expected_purchases", "expected_spend", "clv"]
    assert table["clv"].is_monotonic_decreasing and set(table.index) == set(summary.index)
    truth = retail.truth.set_index("customer_id")["expected_value_next_year"].reindex(table.index)
    # Observed: 773k predicted against 770k true expected spend next year (+0.4%).
    assert table["clv"].sum() == pytest.approx(truth.sum(), rel=0.05)
    default = clv_table(summary, bgf, ggf)
    assert default.attrs["margin"] == pytest.approx(summary["margin"].sum() / summary["revenue"].sum())


# ---------------------------------------------------------------- calibration and holdout


def test_calibration_holdout_agrees_with_summarize(retail, cal_hold):
    full = playbook.summarize(retail.orders, "2025-12-31").loc[cal_hold.index]
    cal = playbook.summarize(retail.orders, "2024-12-31")
    assert cal_hold.index.equals(cal.index)
    np.testing.assert_array_equal(cal_hold["frequency_holdout"], full["frequency"] - cal_hold["frequency_cal"])
    assert (cal_hold["duration_holdout"] == 365).all()
    revenue_2025 = retail.orders[retail.orders["order_date"].dt.year == 2025].groupby("customer_id", observed=True)["amount"].sum()
    np.testing.assert_allclose(cal_hold["revenue_holdout"], revenue_2025.reindex(cal_hold.index).fillna(0), rtol=1e-9)


def test_calibration_holdout_tiny_example_and_base_input(retail):
    orders = _orders([("a", "2024-01-05", 10.0), ("a", "2024-06-01", 10.0), ("a", "2024-07-01", 10.0),
                      ("a", "2025-03-01", 30.0), ("a", "2025-03-01", 10.0), ("b", "2024-12-01", 5.0),
                      ("c", "2025-02-01", 9.0)])
    ch = calibration_holdout(orders, "2024-12-31", "2025-12-31")
    assert list(ch.index) == ["a", "b"]
    assert ch.loc["a", "frequency_holdout"] == 1 and ch.loc["a", "monetary_value_holdout"] == 40.0
    assert ch.loc["a", "frequency_last_period"] == 2 and ch.loc["b", "frequency_last_period"] == 0
    from_base = calibration_holdout(retail, "2024-12-31", "2025-06-30")
    assert (from_base["duration_holdout"] == 181).all()


def test_calibration_holdout_bad_dates():
    orders = _orders([("a", "2024-01-05", 10.0)])
    with pytest.raises(InvalidArgumentError, match="must be after calibration_end"):
        calibration_holdout(orders, "2024-12-31", "2024-06-30")
    with pytest.raises(DataValidationError, match="before the first order"):
        calibration_holdout(orders, "2023-12-31", "2024-12-31")


def test_model_beats_the_naive_baseline_on_holdout(bgnbd_runs):
    """In its own world BG/NBD beats "same as last period" on the 2025 holdout on every seed
    (measured MAE 2.10-2.20 against 2.76-2.89) and gets the total within 5%."""
    for run in bgnbd_runs:
        scores = holdout_scores(run["bgf_cal"], run["cal_hold"])
        assert scores["mae_model"] < 0.85 * scores["mae_naive"], run["seed"]
        assert scores["predicted_total"] == pytest.approx(scores["actual_total"], rel=0.08), run["seed"]


def test_model_does_not_beat_the_naive_baseline_on_realistic_data(realistic_runs):
    """Finding on the realistic default: BG/NBD's holdout MAE is no better than "same as last
    period" on any seed (measured ratio 1.01-1.12) and it over-predicts 2025 by 21-40%: it cannot
    see that one-time buyers leave, nor the calendar."""
    for run in realistic_runs:
        scores = holdout_scores(run["bgf_cal"], run["cal_hold"])
        assert scores["mae_model"] > 0.98 * scores["mae_naive"], run["seed"]
        assert scores["predicted_total"] > 1.1 * scores["actual_total"], run["seed"]


def test_holdout_comparison_groups(bgnbd_runs):
    for run in bgnbd_runs:
        cal_hold = run["cal_hold"]
        table = holdout_comparison(run["bgf_cal"], cal_hold, max_frequency=5)
        assert list(table.index) == [0, 1, 2, 3, 4, 5] and table["n_customers"].sum() == len(cal_hold)
        # one-time buyers of the calibration year are alive in BG/NBD's world and buy again
        assert table.loc[0, "naive"] == 0 and table.loc[0, "actual"] > 1, run["seed"]
        assert (table["predicted"] - table["actual"]).abs().max() < 1.0, run["seed"]
    with pytest.raises(DataValidationError, match="frequency_cal"):
        holdout_comparison(run["bgf_cal"], cal_hold.drop(columns="frequency_cal"))


# ---------------------------------------------------------------- diagnostic matrices and charts


def test_matrices_shape_and_shape_of_the_surface(bgf):
    fr = frequency_recency_matrix(bgf, t=365, T=1000, max_frequency=12, n_recency=11)
    pa = probability_alive_matrix(bgf, T=1000, max_frequency=12, n_recency=11)
    assert fr.shape == pa.shape == (13, 11)
    assert np.isnan(fr.loc[5, 0]) and np.isnan(fr.loc[0, 100]) and not np.isnan(fr.loc[0, 0])
    assert pa.loc[0, 0] == 1.0
    row = pa.loc[12].dropna().to_numpy()
    assert np.all(np.diff(row) > 0)
    assert fr.loc[12, 1000] > fr.loc[3, 1000] > fr.loc[12, 200]
    with pytest.raises(ModelNotFittedError):
        frequency_recency_matrix(BetaGeoFitter())


def test_charts_draw(bgf, bgf_cal, cal_hold):
    playbook.charts.set_theme()
    ax = frequency_recency_heatmap(frequency_recency_matrix(bgf, max_frequency=10), lang="zh")
    assert "预期购买次数" in ax.get_title()
    ax = probability_alive_heatmap(probability_alive_matrix(bgf, max_frequency=10))
    assert ax.get_xlabel().endswith("(days)")
    ax = holdout_plot(holdout_comparison(bgf_cal, cal_hold))
    assert len(ax.get_lines()) >= 3 and ax.get_xticklabels()[-1].get_text() == "7+"
    with pytest.raises(DataValidationError):
        holdout_plot(pd.DataFrame({"x": [1]}))
    with pytest.raises(DataValidationError):
        frequency_recency_heatmap(pd.DataFrame())


def test_widget_moves(summary, bgf, ggf):
    from playbook.widgets import CLVExplorer

    explorer = CLVExplorer(summary, bgf, ggf)
    before = dict(explorer.shown["mean_clv"])
    assert before["key"] > before["important"] > before["general"]
    explorer.discount.value = 0.25
    assert explorer.shown["mean_clv"]["key"] < before["key"]
    explorer.horizon.value = 48
    assert explorer.shown["horizon_days"] == 48 * 30


def test_no_warning_on_clean_data(summary):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        GammaGammaFitter().fit(summary["frequency"], summary["monetary_value"])


# ---------------------------------------------------------------- expected margin: the action list's CLV, held out


@pytest.fixture(scope="module")
def next_year_margin():
    """Five small realistic bases, each cut a year before its end: the three CLV rankings at the cut
    and the margin each customer really brought in the following 365 days."""
    from playbook.strategy import customer_profile
    from playbook.value import customer_lifetime_value, expected_margin

    rows = []
    for seed in range(5):
        base = generate("retail", n_customers=800, seed=seed)
        cut = base.as_of - pd.Timedelta(days=365)
        orders = base.orders
        model = expected_margin(orders.loc[orders["order_date"] <= cut], cut)
        profile = customer_profile(base, cut).reindex(model.index)
        last_year = profile["margin_365"].fillna(0.0)
        retention = (1 - profile["risk"].fillna(50) / 100).clip(0, 0.95)
        old = customer_lifetime_value(last_year.clip(lower=0), retention, 0.10)  # the action list's formula before #17
        later = orders.loc[orders["order_date"] > cut].groupby("customer_id")["margin"].sum()
        real = later.reindex(model.index, fill_value=0.0)
        rows.append({"seed": seed, "method": model.attrs["clv"]["method"],
                     "rho_model": model.corr(real, method="spearman"), "rho_old": old.corr(real, method="spearman"),
                     "rho_last_year": last_year.corr(real, method="spearman"),
                     "total_model": model.sum() / real.sum(), "total_last_year": last_year.sum() / real.sum()})
    return pd.DataFrame(rows)


def test_model_clv_ranks_next_year_margin_better_than_last_years_margin(next_year_margin):
    r = next_year_margin
    assert (r["method"] == "bgnbd_gamma_gamma").all()
    # Spearman with the realised next-year margin: 0.55-0.62 for the model, 0.49-0.58 for last year's margin
    # (gap 0.03-0.08 at the time of writing): the model wins on every seed.
    assert (r["rho_model"] - r["rho_last_year"] > 0.02).all()
    # In money, the model's total is nearer the realised total than last year's margin on most seeds.
    nearer = np.abs(np.log(r["total_model"])) < np.abs(np.log(r["total_last_year"]))
    assert nearer.sum() >= 4


def test_model_clv_ranks_no_better_than_the_old_risk_formula(next_year_margin):
    # The honest finding: the old formula (last year's margin with a retention of 1 - risk/100) ranks next
    # year's margin about as well (differences -0.02..+0.02 at the time of writing). The model is kept because
    # its figure is money over a stated horizon and needs no rule score, not because it ranks better.
    r = next_year_margin
    assert (np.abs(r["rho_model"] - r["rho_old"]) < 0.04).all()


def test_expected_purchases_finite_when_the_hypergeometric_term_is_negative():
    # a + b < 1 makes the 2F1 of one-time buyers negative (its log does not exist); the expected purchases
    # must still match the untransformed BG/NBD formula (Fader, Hardie & Lee 2005, eq. 10).
    from scipy.special import hyp2f1

    bgf = BetaGeoFitter()
    bgf.params_ = {"r": 0.235, "alpha": 31.8, "a": 0.131, "b": 0.408}
    r, alpha, a, b = 0.235, 31.8, 0.131, 0.408
    x = np.array([0.0, 0.0, 1.0, 3.0])
    T = np.array([70.0, 300.0, 200.0, 500.0])
    t = 365.0
    got = bgf._expected_if_alive(t, x, T)
    z = t / (alpha + T + t)
    plain = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    assert np.isfinite(got).all() and got == pytest.approx(plain, rel=1e-9)
