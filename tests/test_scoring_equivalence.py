"""The scoring stage's shortcuts (issue #18) give what the plain pandas code gave: small frames, edge values.

Each test sets a shortcut beside the expression it replaced (written out here as it was) on ties, NaN,
-0.0, halves, inf, one customer, no customer warned and every customer warned, in English and Chinese.
"""
import string

import numpy as np
import pandas as pd
import pytest

from playbook.i18n import label_group


# ----------------------------------------------------------------------------- churn reasons

def _reference_texts(name, s, lang):
    """churn's reason texts as first written: a pandas Series per signal, every number formatted on its own."""
    words = label_group("churn.reason.", lang)
    bend = label_group("churn.word.", lang)

    def num(values, fmt):
        return pd.Series(values, index=s.index).astype(float).map(lambda v: format(v, fmt))

    def fill(template, **columns):
        out = pd.Series("", index=s.index, dtype=object)
        for literal, field, _, _ in string.Formatter().parse(template):
            out = out + literal
            if field is not None:
                out = out + pd.Series(columns[field], index=s.index).astype(str).astype(object)
        return out

    def plural(col, one, many):
        return pd.Series(np.where(s[col] == 1, bend[one], bend[many]), index=s.index)

    if name == "gap":
        return fill(words["gap"], days=num(s["days_since_last"], ".0f"), ratio=num(s["gap_ratio"], ".1f"))
    if name == "frequency":
        return fill(words["frequency"], recent=num(s["orders_recent"], ".0f"), usual=num(s["orders_usual"], ".1f"),
                    orders=plural("orders_recent", "order", "orders"))
    if name == "basket":
        return fill(words["basket"], pct=num(-s["basket_change"].astype(float), ".0%"))
    if name == "history":
        return fill(words["history"], n=num(s["order_days"], ".0f"), days=plural("order_days", "day", "days"))
    if name == "tenure":
        return fill(words["tenure"], days=num(s["tenure_days"], ".0f"))
    if name == "revenue":
        return fill(words["revenue"], amount=num(s["revenue"], ",.0f"))
    raise AssertionError(name)


def _reference_reasons(points, signals, n_reasons, lang):
    """churn._reasons_from as first written: every signal's text for every customer, then a loop over customers."""
    words = label_group("churn.reason.", lang)
    arr = points.to_numpy()
    order = np.argsort(-arr, axis=1, kind="stable")[:, :n_reasons]
    texts = np.column_stack([_reference_texts(k, signals, lang).to_numpy(dtype=object) for k in points.columns])
    out = []
    for i in range(len(arr)):
        given = [texts[i, j] for j in order[i] if arr[i, j] >= 1.0]
        out.append(words["separator"].join(given) if given else words["none"])
    return out


def _signals(rng, n):
    """Signals whose reason numbers sit on the formatting edges: -0.0, halves (round half to even), inf, NaN, 1."""
    edges = [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, 0.25, 0.05, 0.15, 1e9, np.inf, -np.inf, np.nan, 1.0, 2.0, 1234.5]
    return pd.DataFrame({
        "days_since_last": rng.choice([0, 1, 2, 365, 10_000], n),
        "gap_ratio": rng.choice(edges, n),
        "orders_recent": rng.choice([0, 1, 2], n),
        "orders_usual": rng.choice(edges, n),
        "basket_change": rng.choice(edges, n),
        "order_days": rng.choice([1, 2, 3], n),
        "tenure_days": rng.choice([0, 1, 2, 400], n),
        "revenue": rng.choice(edges + [-2500.5, 999_999.5], n),
    }, index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"))


def _points(rng, n, kinds, values=(-3.0, 0.0, 0.5, 0.999, 1.0, 1.0, 2.0, 7.5, np.nan, np.inf)):
    return pd.DataFrame(rng.choice(values, (n, len(kinds))), columns=kinds,
                        index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"))


KINDS = ["gap", "frequency", "basket", "history", "tenure", "revenue"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n_reasons", [0, 1, 3, 6])
def test_churn_reasons_same_as_row_by_row(rng, lang, n_reasons):
    from playbook.churn import _reasons_arrow, _reasons_from

    signals = _signals(rng, 400)
    cases = {
        "mixed": _points(rng, 400, KINDS),
        "nobody warned": _points(rng, 400, KINDS, values=(-1.0, 0.0, 0.5, 0.999, np.nan)),
        "everybody warned": _points(rng, 400, KINDS, values=(1.0, 2.0, 2.0, 30.0)),
        "ties everywhere": pd.DataFrame(1.0, index=signals.index, columns=KINDS),
        "one signal": _points(rng, 400, ["gap"]),
    }
    for name, points in cases.items():
        want = _reference_reasons(points, signals, n_reasons, lang)
        assert _reasons_from(points, signals, n_reasons, lang) == want, name
        assert _reasons_arrow(points, signals, n_reasons, lang).to_pylist() == want, name
    one = cases["mixed"].iloc[:1]
    assert _reasons_from(one, signals.iloc[:1], n_reasons, lang) == _reference_reasons(one, signals.iloc[:1], n_reasons, lang)
    assert _reasons_from(cases["mixed"].iloc[:0], signals.iloc[:0], n_reasons, lang) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reason_texts_same_as_formatted_one_by_one(rng, lang):
    from playbook.churn import _reason_array

    signals = _signals(rng, 300)
    for kind in KINDS:
        want = _reference_texts(kind, signals, lang).tolist()
        assert _reason_array(kind, signals, lang).tolist() == want, kind
        assert _reason_array(kind, signals.iloc[:1], lang).tolist() == want[:1], kind
        assert _reason_array(kind, signals.iloc[:0], lang).tolist() == [], kind


def test_risk_reasons_column_is_the_text_dtype_a_list_gives(b2b):
    # The reasons column is built from a pyarrow array: the same values and dtype as the list it replaced.
    from playbook.churn import _reasons_from, churn_risk, churn_signals

    signals = churn_signals(b2b, "2025-06-30")
    for method in ("model", "rules"):
        risk = churn_risk(signals, method=method).loc[signals.index]
        points = risk.filter(like="points_").rename(columns=lambda c: c.removeprefix("points_"))
        listed = pd.Series(_reasons_from(points, signals, 3, "en"), index=signals.index, name="reasons")
        pd.testing.assert_series_equal(risk["reasons"], listed)


# ----------------------------------------------------------------------------- rule reasons

def _format_rows(templates, columns):
    """Each row's template formatted on its own, a missing value shown as the kit's "n/a" (whatever its spec)."""
    from playbook.rules import _MISSING

    return [t.format(**{k: (_MISSING if isinstance(v[i], float) and v[i] != v[i] else v[i]) for k, v in columns.items()})
            for i, t in enumerate(templates)]


@pytest.mark.parametrize("n", [1, 7, 5000])
def test_rule_reasons_by_combination_and_row_wise(rng, n):
    # Few distinct values: each combination is written once; 5000 distinct floats: the row-wise pyarrow join.
    from playbook.rules import fill_reasons

    distinct = rng.normal(0, 1e4, n)
    columns = {
        "few": rng.choice([0.0, -0.0, 0.5, 1.5, 2.5, np.nan, np.inf], n).tolist(),
        "many": distinct.tolist(),
        "word": rng.choice(["a", "b", "中文"], n).tolist(),
        "k": rng.choice([1, 2, 3], n).tolist(),
    }
    templates = np.array(rng.choice(["{few:.0f} and {word} ({k})", "{many:,.2f} / {few:.1f}", "fixed text",
                                     "{word}{word}{k:03d}", "x {many:.0f} y {few:.0%}"], n), dtype=object)
    assert fill_reasons(templates, columns.get) == _format_rows(templates, columns)
    same = np.full(n, "{many:,.2f} - {few:.0f}", dtype=object)
    assert fill_reasons(same, columns.get) == _format_rows(same, columns)


def test_combinations_number_rows_by_first_appearance():
    from playbook.rules import _combinations

    codes, k = _combinations([np.array([1, 0, 1, 1]), np.array([2, 2, 2, 0])], [2, 3])
    assert k == 3 and codes.tolist() == [0, 1, 0, 2]
    big = np.arange(6) % 3
    codes, k = _combinations([big] * 40, [1 << 40] * 40)  # the mixed-radix number would overflow: renumbered
    assert k == 3 and codes.tolist() == [0, 1, 2, 0, 1, 2]


def test_types_without_reasons_are_the_types(retail, b2b):
    from playbook.customer_types import types_only, behaviour_evidence, classify_types

    for base in (retail, b2b):
        ev = behaviour_evidence(base)
        want = classify_types(ev)["type"]
        pd.testing.assert_series_equal(types_only(ev), want)
        pd.testing.assert_series_equal(types_only(ev.iloc[:1]), classify_types(ev.iloc[:1])["type"])


# ----------------------------------------------------------------------------- orders, counts, ranks

def test_descending_is_sort_values_order(rng):
    from playbook.strategy import _descending

    for values in (rng.choice([0.0, -0.0, 1.5, 1.5, np.nan, 3.0, -np.inf, np.inf], 500), np.array([2.0]), np.array([]),
                   np.full(50, np.nan), np.round(rng.normal(0, 10, 1000), 0)):
        frame = pd.DataFrame({"clv": values}, index=[f"c{i}" for i in range(len(values))])
        want = frame.sort_values("clv", ascending=False, kind="stable")
        assert frame.take(_descending(values)).equals(want)
        assert list(frame.take(_descending(values)).index) == list(want.index)


def test_counts_and_tier_revenue_as_text_groupby(rng):
    from playbook.analyze import _counts, _tier_revenue

    names = ["key", "important", "general"]
    for n in (0, 1, 300):
        cat = pd.Series(pd.Categorical(rng.choice(["key", "general", None], n), categories=names, ordered=True))
        revenue = rng.choice([0.1, 0.2, 1e16, -1e16, 3.3], n)
        want = cat.astype(str).value_counts().reindex(names, fill_value=0)
        pd.testing.assert_series_equal(_counts(cat, names), want, check_names=False)
        per_tier = pd.DataFrame({"tier": cat.astype(str), "revenue": revenue})
        grouped = per_tier.groupby("tier")["revenue"].agg(["size", "sum"]).reindex(names, fill_value=0)
        got = _tier_revenue(cat, revenue, names)
        assert got["size"].tolist() == grouped["size"].tolist()
        assert got["sum"].to_numpy().tobytes() == grouped["sum"].to_numpy(dtype=float).tobytes()  # same bits
        text = cat.astype(str)
        pd.testing.assert_series_equal(_counts(text, names), want, check_names=False)


def test_varies():
    # the backtest's AUC (evaluate.roc_auc) against scipy's ranks is pinned by test_backtest_fit_is_the_same_model
    from playbook.churn import _varies

    for values in ([np.nan, np.nan], [1.0, 1.0, np.nan], [0.0, -0.0], [np.inf, np.inf], [np.inf, 1.0], [2.0, np.nan, 3.0],
                   []):
        col = pd.Series(values, dtype=float)
        assert _varies(col.to_numpy()) == bool(col.notna().any() and col.nunique() > 1), values


def _reference_fit(past, ordered_since, then, *, horizon_days, active_days, penalty, max_train=200_000):
    """churn._fit_backtest as it was: the whole signals table cut to the active rows, scipy's ranks."""
    from scipy.stats import rankdata

    from playbook.churn import _fit_logistic, _model_inputs, _sigmoid

    active = (past["days_since_last"] <= active_days).to_numpy()
    past = past.loc[active]
    label = ~past.index.isin(ordered_since)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    x_all = _model_inputs(past)
    inputs = [c for c in x_all.columns if x_all[c].notna().any() and x_all[c].nunique() > 1]
    x = x_all[inputs].fillna(0.0).to_numpy(dtype=float)
    if len(x) > max_train:
        keep = np.random.default_rng(0).choice(len(x), max_train, replace=False)
        x, label = x[keep], label[keep]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    intercept, coef = _fit_logistic((x - mean) / scale, label, penalty)
    ranks = rankdata(_sigmoid(intercept + ((x - mean) / scale) @ coef))
    auc = (ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg) if len(x) == n_pos + n_neg else np.nan
    return inputs, mean, scale, coef, intercept, auc


@pytest.mark.parametrize("max_train", [200_000, 300])
def test_backtest_fit_is_the_same_model(retail, b2b, max_train):
    from playbook.churn import _fit_backtest, churn_signals

    for base, at in ((retail, "2025-06-30"), (b2b, "2025-06-30")):
        then = pd.Timestamp(at) - pd.Timedelta(days=180)
        past = churn_signals(base, then)
        orders = base.orders
        later = orders.loc[(orders["order_date"] > then + pd.Timedelta(days=1)), "customer_id"].astype(str).unique()
        model, why = _fit_backtest(past, later, then, horizon_days=180, active_days=365, penalty=1.0, max_train=max_train)
        assert why is None
        inputs, mean, scale, coef, intercept, auc = _reference_fit(past, later, then, horizon_days=180, active_days=365,
                                                                   penalty=1.0, max_train=max_train)
        assert list(model.inputs) == inputs
        for got, want in ((model.mean, mean), (model.scale, scale), (model.coef, coef)):
            assert got.tobytes() == want.tobytes()
        assert model.intercept == intercept
        assert model.backtest_auc == auc or (np.isnan(auc) and np.isnan(model.backtest_auc) and max_train < len(past))


# ----------------------------------------------------------------------------- the assembled analysis

def test_scoring_from_features_matches_its_parts(retail):
    # The action list's rows are the feature rows given back; the summary counted by codes and positions is the one
    # counted by text and customer id.
    from playbook.analyze import _assemble
    from playbook.rfm import rfm_scores, rfm_segments, segment_summary
    from playbook.segment import pareto_table
    from playbook.strategy import _action_list_from_features, _features_and_past, _scored_from_features, _summary_of

    for ts in (retail.as_of, retail.as_of - pd.Timedelta(days=400)):  # the second: customers not known yet
        f, past = _features_and_past(retail.orders, ts)
        assert (f["n_orders"] > 0).all() == (ts == retail.as_of)
        _check_scoring(f, past, ts, _assemble, rfm_scores, rfm_segments, segment_summary, pareto_table,
                       _action_list_from_features, _scored_from_features, _summary_of)


def _check_scoring(f, past, ts, _assemble, rfm_scores, rfm_segments, segment_summary, pareto_table,
                   _action_list_from_features, _scored_from_features, _summary_of):
    actions, risk, plan, rows, summary = _scored_from_features(f, ts, "zh", past=past)
    assert list(actions.index) == list(f.index[rows])
    pd.testing.assert_frame_equal(summary, _summary_of(f))
    old = _action_list_from_features(f, ts, "zh", past=past)
    for got, want in zip((actions, risk, plan), old):
        assert got.equals(want)
    per_customer = pd.DataFrame({"revenue": f["revenue_all"], "n_orders": f["n_orders_all"]}, index=f.index)
    customers = pareto_table(per_customer)
    rfm = segment_summary(rfm_segments(rfm_scores(summary)), lang="zh")
    totals = {"orders": 1, "revenue": float(f["revenue_all"].sum()), "first_order": ts, "last_order": ts, "has_margin": True}
    kw = {"ts": ts, "lang": "zh", "totals": totals, "tables": ["orders"], "notes": []}
    by_position = _assemble(actions, risk, plan, customers, rfm, action_revenue=f["revenue_all"].to_numpy()[rows], **kw)
    by_id = _assemble(actions, risk, plan, customers, rfm, **kw)
    assert by_position.summary == by_id.summary
    # every customer warned / none warned: the counts of reasons still agree
    for warn in (True, False):
        flipped = risk.assign(warning=warn)
        a = _assemble(actions, flipped, plan, customers, rfm, **kw).summary["churn"]
        warned = flipped.loc[flipped["warning"]]
        points = [c for c in flipped.columns if c.startswith("points_")]
        want = (warned[points] >= 1.0).sum().sort_values(ascending=False, kind="stable")
        assert a["top_reasons"] == {p.removeprefix("points_"): int(k) for p, k in want.items() if k > 0}
        assert a["high_risk"] == len(warned)


# ----------------------------------------------------------------------------- tiers, RFM segments, stages

def test_cut_runs_take_their_first_class(rng):
    from playbook.segment import _cut

    for n in (0, 1, 2, 500):
        before = np.sort(rng.random(n))
        keys = rng.choice([0.5, 0.25, np.nan, 1.0, -0.0, 0.0], n)
        cls = np.minimum(np.searchsorted(np.array([0.05, 0.2]), before + 1e-12, side="right"), 2)
        want = pd.Series(cls).groupby(pd.Series(keys).ne(pd.Series(keys).shift()).cumsum().to_numpy()).transform("first")
        assert np.array_equal(_cut(before, keys, (0.05, 0.2)), want.to_numpy())


def test_rfm_segments_by_rule_number(retail, b2b):
    from playbook.data import summarize
    from playbook.rfm import RFM_SEGMENTS, _check_table, _segment_rules, rfm_scores, rfm_segments

    for base in (retail, b2b):
        scores = rfm_scores(summarize(base.orders, base.as_of))
        for part in (scores, scores.iloc[:1], scores.iloc[:0]):
            got = rfm_segments(part)
            decided = _segment_rules(RFM_SEGMENTS).evaluate(
                pd.DataFrame({"R": part["R"].to_numpy(), "F": part["F"].to_numpy()}, index=part.index))
            want = part.copy()
            want["segment"] = pd.Categorical(decided["label"], categories=_check_table(RFM_SEGMENTS), ordered=True)
            want["action"] = RFM_SEGMENTS["action"].to_numpy(dtype=object)[decided["rule"].to_numpy() - 1] if len(part) else []
            pd.testing.assert_frame_equal(got, want)
        codes = scores["rfm_code"]
        assert codes.dtype == scores["R"].astype(str).dtype
        assert codes.tolist() == (scores["R"].astype(str) + scores["F"].astype(str) + scores["M"].astype(str)).tolist()


def test_formation_stages_and_rule_categorical(retail, b2b):
    from playbook.lifecycle import (FORMATION_DEFAULTS, FORMATION_STAGES, LAPSED, _FORMATION_LABELS, _FORMATION_RULES,
                                    formation_stages_only, _listed, formation_from_evidence, orders_evidence)
    from playbook.strategy import _features_and_past

    for base in (retail, b2b):
        f, _ = _features_and_past(base.orders, base.as_of)
        ev = orders_evidence(f, base.as_of)
        for part in (ev, ev.iloc[::-1], ev.iloc[:1]):  # the reversed rows: sorted back by customer id
            want = formation_from_evidence(part, dict(FORMATION_DEFAULTS), reasons=False)["stage"]
            pd.testing.assert_series_equal(formation_stages_only(part, dict(FORMATION_DEFAULTS)), want)
            assert formation_from_evidence(part, dict(FORMATION_DEFAULTS))["stage"].equals(want)
        facts = ev.assign(relation=None, lead_prospect=False)
        for table in (_FORMATION_RULES, _FORMATION_LABELS):
            decided = table.evaluate(facts, _listed(dict(FORMATION_DEFAULTS)),
                                     extra={"survey": lambda: "no survey"})
            for cats in ([*FORMATION_STAGES, LAPSED], [*FORMATION_STAGES, LAPSED][::-1]):
                want = pd.Categorical(decided["label"], categories=cats, ordered=True)
                got = table._categorical(decided, cats, ordered=True)
                assert got.equals(want) and got.dtype == want.dtype


def test_tiers_categorical_from_codes(retail):
    from playbook.data import summarize
    from playbook.segment import TIERS, assign_tiers, tiers_in_row_order

    s = summarize(retail.orders, retail.as_of)
    tiers = assign_tiers(s)["tier"]
    want = pd.Categorical(np.array(TIERS)[tiers.cat.codes.to_numpy()], categories=list(TIERS), ordered=True)
    assert tiers.array.equals(want) and tiers.dtype == want.dtype
    assert tiers_in_row_order(s).equals(tiers.reindex(s.index))


def test_plan_order_is_sort_values_order(rng):
    from playbook.strategy import _by_tier_and_date

    names = ["key", "important", "general"]
    for n in (0, 1, 400):
        days = pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.choice([0, 1, 1, 30, 400], n), unit="D")
        rows = pd.DataFrame({"tier": pd.Categorical(rng.choice(names, n), categories=names, ordered=True),
                             "next_contact": days.as_unit("us"), "x": np.arange(n)},
                            index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
        for frame in (rows, rows.assign(next_contact=rows["next_contact"].where(rows["x"] % 7 > 0)),
                      rows.assign(tier=rows["tier"].where(rows["x"] % 5 > 0))):  # missing dates, missing tiers
            want = frame.sort_values(["tier", "next_contact"], kind="stable")
            got = _by_tier_and_date(frame)
            assert got.equals(want) and list(got.index) == list(want.index)
