"""The fast paths give exactly what the plain pandas code they replaced gave.

``summarize`` sorts once and reduces with numpy instead of grouping twice; its sums must
still match pandas' groupby sums bit for bit (pandas adds with Kahan compensation).
``recommend_strategies`` fills each rule's reason template column-wise; ``from_orders``
strips a categorical's labels once per category and keeps whole-number order ids as
integers without the round trip through text. Each is checked against a reference
written the old, obvious way, on the shipped data and on edge cases.
"""
import numpy as np
import pandas as pd
import pytest

import playbook
from playbook.byod import _arrow_text_default, from_orders
from playbook.data import _group_starts, _group_sums, _stable_order, summarize
from playbook.strategy import STRATEGY_TABLE, STRATEGY_THRESHOLDS, customer_profile, recommend_strategies

# ----------------------------------------------------------------------------- summarize

def _reference_summarize(orders, as_of, freq="D", margin=True):
    """summarize as it was written with two pandas groupbys (the definition to keep)."""
    ts = pd.Timestamp(as_of)
    end = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1) if ts == ts.normalize() else ts
    keep = (orders["order_date"] <= end).to_numpy()
    codes, uniques = pd.factorize(orders["customer_id"].to_numpy()[keep], sort=True)
    dates = orders["order_date"][keep]
    ns = dates.to_numpy(dtype="datetime64[ns]")
    per = {"D": ns.astype("datetime64[D]").astype(np.int64), "W": ns.astype("datetime64[D]").astype(np.int64) // 7,
           "M": ns.astype("datetime64[M]").astype(np.int64)}[freq]
    frame = pd.DataFrame({"c": codes, "p": per, "a": orders["amount"].to_numpy(dtype=float)[keep]})
    by_period = frame.groupby(["c", "p"], sort=True).agg(a=("a", "sum"), n=("a", "size"))
    c_idx = by_period.index.get_level_values(0).to_numpy()
    p_idx = by_period.index.get_level_values(1).to_numpy()
    amount = by_period["a"].to_numpy()
    first_pos = np.r_[0, np.flatnonzero(np.diff(c_idx)) + 1]
    counts = np.diff(np.r_[first_pos, len(c_idx)])
    revenue = np.add.reduceat(amount, first_pos)
    end_p = {"D": np.datetime64(ts, "D").astype(np.int64), "W": np.datetime64(ts, "D").astype(np.int64) // 7,
             "M": np.datetime64(ts, "M").astype(np.int64)}[freq]
    frequency = counts - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (revenue - amount[first_pos]) / np.maximum(frequency, 1), 0.0)
    out = pd.DataFrame({
        "frequency": frequency.astype(np.int64),
        "recency": (p_idx[first_pos + counts - 1] - p_idx[first_pos]).astype(np.int64),
        "T": (end_p - p_idx[first_pos]).astype(np.int64),
        "monetary_value": monetary,
        "n_orders": np.add.reduceat(by_period["n"].to_numpy(), first_pos).astype(np.int64),
        "revenue": revenue,
    }, index=pd.Index(uniques, name="customer_id"))
    if margin:
        out["margin"] = pd.Series(orders["margin"].to_numpy(dtype=float)[keep]).groupby(codes).sum().to_numpy()
    span = pd.DataFrame({"c": codes, "d": dates.to_numpy()}).groupby("c")["d"].agg(["min", "max"])
    out["first_order"] = span["min"].to_numpy()
    out["last_order"] = span["max"].to_numpy()
    out["days_since_last"] = (ts.normalize() - out["last_order"].dt.normalize()).dt.days.astype(np.int64)
    return out


def _assert_identical(got, want):
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for col in got.columns:  # assert_frame_equal lets NaN == NaN; also demand the same bits
        if got[col].dtype.kind == "f":
            assert np.array_equal(got[col].to_numpy(), want[col].to_numpy(), equal_nan=True), col


def _random_orders(rng, n=20_000, customers=700):
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, n),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 500 * 86400, n), unit="s"),
        # Wide magnitudes and refunds: a plain sum would differ from pandas' compensated one.
        "amount": rng.lognormal(3.0, 3.0, n) * rng.choice([-1.0, 1.0], n),
        "margin": rng.normal(0.0, 1e6, n),
    })


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("name", ["retail", "b2b"])
def test_summarize_same_as_groupby_reference_on_shipped_data(name, freq):
    base = playbook.load_dataset(name)
    for as_of in (base.as_of, pd.Timestamp("2024-03-15")):
        _assert_identical(summarize(base.orders, as_of, freq=freq), _reference_summarize(base.orders, as_of, freq))


def test_summarize_same_on_shuffled_orders_and_categorical_ids(retail):
    shuffled = retail.orders.sample(frac=1.0, random_state=3)
    want = _reference_summarize(shuffled, retail.as_of)
    _assert_identical(summarize(shuffled, retail.as_of), want)
    ids = shuffled["customer_id"].astype(str)
    # Categories in reverse order with an unused one: the result is still sorted by id.
    cats = sorted(set(ids), reverse=True) + ["ZZZ-unused"]
    categorical = shuffled.assign(customer_id=pd.Categorical(ids, categories=cats))
    _assert_identical(summarize(categorical, retail.as_of), want)


def test_summarize_same_on_wide_amounts_refunds_nan_and_inf(rng):
    orders = _random_orders(rng)
    orders.loc[rng.integers(0, len(orders), 40), "amount"] = np.nan
    orders.loc[rng.integers(0, len(orders), 3), "margin"] = np.inf
    orders.loc[rng.integers(0, len(orders), 30), "amount"] = -0.0
    with np.errstate(invalid="ignore"):
        want = _reference_summarize(orders, "2025-03-31")
    _assert_identical(summarize(orders, "2025-03-31"), want)


def test_summarize_same_for_one_order_same_day_ties_and_no_margin():
    one = pd.DataFrame({"customer_id": ["x"], "order_date": pd.to_datetime(["2025-01-01 10:00"]), "amount": [5.0]})
    _assert_identical(summarize(one, "2025-01-01"), _reference_summarize(one, "2025-01-01", margin=False))
    ties = pd.DataFrame({
        "customer_id": ["b", "a", "b", "a", "b"],
        "order_date": pd.to_datetime(["2025-01-02 09:00", "2025-01-02 09:00", "2025-01-02 09:00",
                                      "2025-01-01 23:59", "2025-01-05 00:00"]),
        "amount": [1.0, 2.0, 3.0, -2.0, 4.0],
    })
    got = summarize(ties, "2025-01-10", margin_col=None)
    _assert_identical(got, _reference_summarize(ties, "2025-01-10", margin=False))
    assert (got.loc["b", "frequency"], got.loc["b", "n_orders"], got.loc["b", "revenue"]) == (1, 3, 8.0)
    assert got.loc["b", "first_order"] == pd.Timestamp("2025-01-02 09:00")


def test_group_sums_match_pandas_groupby_sum_bit_for_bit(rng):
    keys = np.sort(rng.integers(0, 300, 5000))
    values = rng.lognormal(0.0, 4.0, 5000) * rng.choice([-1.0, 1.0], 5000)
    values[rng.integers(0, 5000, 20)] = np.nan
    values[7] = np.inf
    starts = _group_starts(keys)
    want = pd.Series(values).groupby(keys).sum().to_numpy()
    got = _group_sums(values, starts)
    assert np.array_equal(got, want, equal_nan=True)
    assert not np.array_equal(np.add.reduceat(np.nan_to_num(values, nan=0.0), starts), want)  # the test can tell


def test_stable_order_is_a_stable_argsort(rng):
    keys = rng.integers(0, 50, 10_000)
    assert np.array_equal(_stable_order(keys), np.argsort(keys, kind="stable"))
    for odd in (np.array([3, -1, 3, 0]), np.array([2**60, 1, 2**60]), np.array([], dtype=np.int64)):
        assert np.array_equal(_stable_order(odd), np.argsort(odd, kind="stable"))


# ----------------------------------------------------------------------------- strategies

def _reference_reasons(profile, table, lang):
    """The per-row filling the column-wise version replaced."""
    class Missing:
        def __format__(self, spec):
            return "n/a"

    hits = [np.asarray(profile.eval(c, engine="python") if c != "True" else np.ones(len(profile), bool), dtype=bool)
            for c in (c.format(**STRATEGY_THRESHOLDS) for c in table["condition"])]
    records = profile.assign(
        tier_zh=profile["tier"].astype(str).map({"key": "关键客户", "important": "重点客户", "general": "一般客户"}),
        stage_zh=profile["stage"].astype(str).map(lambda s: playbook.i18n.label(s, "zh")),
    ).to_dict("records")
    out = []
    for i, row in enumerate(records):
        rule = next(k for k, h in enumerate(hits) if h[i])
        values = {k: (Missing() if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        out.append(table[f"reason_{lang}"].iloc[rule].format(**values))
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_strategy_reasons_same_as_row_by_row_filling(retail, b2b, lang):
    for base in (retail, b2b):
        profile = customer_profile(base)
        got = recommend_strategies(profile, lang=lang)["reason"].tolist()
        assert got == _reference_reasons(profile, STRATEGY_TABLE, lang)


def test_strategy_reasons_with_edited_templates(b2b):
    profile = customer_profile(b2b)
    table = STRATEGY_TABLE.copy()
    table.loc[len(table) - 1, "reason_en"] = "{tier_zh}|{stage}|{revenue.real:.1f}|{satisfaction}|plain"
    got = recommend_strategies(profile, table)["reason"].tolist()
    assert got == _reference_reasons(profile, table, "en")
    assert any(r.endswith("|n/a|plain") for r in got)  # a missing satisfaction still reads n/a
    table.loc[len(table) - 1, "reason_en"] = "{not_a_column}"
    with pytest.raises(playbook.InvalidArgumentError, match="not_a_column"):
        recommend_strategies(profile, table)


# ----------------------------------------------------------------------------- from_orders

def _load(frame, **kw):
    base = from_orders(frame, **kw)
    return base.orders, base.meta["notes"]


def test_from_orders_categorical_ids_read_like_text(retail):
    text = retail.orders.assign(customer_id=retail.orders["customer_id"].astype(object),
                                channel=retail.orders["channel"].astype(object))
    spaced = text.assign(customer_id=text["customer_id"].where(text.index % 5 != 0, " " + text["customer_id"] + " "))
    categorical = spaced.assign(customer_id=spaced["customer_id"].astype("category"), channel=text["channel"].astype("category"))
    # read like the same ids as text: pyarrow text ("str") on pandas 3, as a CSV's ids are read; objects on pandas 2
    as_text = "str" if _arrow_text_default() else object
    want, want_notes = _load(spaced.astype({"customer_id": as_text, "channel": as_text}))
    got, got_notes = _load(categorical)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got_notes == want_notes and any("stray spaces" in n for n in got_notes)
    assert got["customer_id"].dtype == as_text and isinstance(got["customer_id"].iloc[0], str)


def test_from_orders_blank_or_missing_categorical_id_is_still_an_error(retail):
    ids = retail.orders["customer_id"].astype(str)
    for bad in (ids.where(ids.index != 4, "  "), ids.where(ids.index != 4, None)):
        with pytest.raises(playbook.DataValidationError, match=r"no customer in row 4"):
            from_orders(retail.orders.assign(customer_id=bad.astype("category")))


def test_from_orders_integer_order_ids_same_as_their_text(b2b):
    ints = b2b.orders
    want, _ = _load(ints.assign(order_id=ints["order_id"].astype(str)))
    got, _ = _load(ints)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    negative = ints.assign(order_id=ints["order_id"].where(ints.index != 2, -5))
    got, _ = _load(negative)
    assert got["order_id"].dtype == object and got.loc[2, "order_id"] == "-5"  # not all digits: kept as text
    with pytest.raises(playbook.DataValidationError, match="order ids must be unique"):
        from_orders(ints.assign(order_id=ints["order_id"].where(ints.index != 3, ints.loc[1, "order_id"])))


# ----------------------------------------------------------------------------- churn and type evidence

def _reference_window_counts(keys, dates, lo, mid, hi, values=None):
    """churn._window_counts as it was written, grouping by the text ids."""
    before = (dates > lo) & (dates <= mid)
    recent = (dates > mid) & (dates <= hi)
    frame = pd.DataFrame({"k": keys.astype(str).to_numpy(), "b": before.to_numpy(), "r": recent.to_numpy()})
    out = frame.groupby("k")[["b", "r"]].sum()
    if values is not None:
        v = pd.Series(np.asarray(values, dtype=float))
        frame["vb"] = v.where(frame["b"], 0.0).to_numpy()
        frame["vr"] = v.where(frame["r"], 0.0).to_numpy()
        out = out.join(frame.groupby("k")[["vb", "vr"]].sum())
    return out


def _reference_rhythm(orders, ts):
    """churn_signals' own rhythm (days since last, median gap) as it was written, on text ids."""
    ids = orders["customer_id"].astype(str)
    days = orders["order_date"].dt.normalize()
    order_days = pd.DataFrame({"c": ids.to_numpy(), "d": days.to_numpy()}).drop_duplicates().sort_values(["c", "d"])
    gaps = order_days.groupby("c")["d"].diff().dt.days
    own_gap = gaps.groupby(order_days["c"]).median()
    last = order_days.groupby("c")["d"].max()
    out = pd.DataFrame(index=pd.Index(last.index, name="customer_id"))
    out["days_since_last"] = (ts.normalize() - last).dt.days.astype(np.int64)
    fallback = float(own_gap.median()) if own_gap.notna().any() else np.nan
    out["own_gap_days"] = own_gap.reindex(out.index).fillna(fallback).clip(lower=1.0)
    return out


def _edge_orders(rng):
    """One customer with very many orders, one-order customers, refunds, same-day repeats."""
    many = pd.DataFrame({
        "customer_id": "BIG",
        "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000 * 86400, 30_000), unit="s"),
        "amount": rng.lognormal(3.0, 2.0, 30_000) * rng.choice([-1.0, 1.0], 30_000, p=[0.1, 0.9]),
    })
    single = pd.DataFrame({"customer_id": [f"S{i:03d}" for i in range(50)],
                           "order_date": pd.Timestamp("2025-06-01") + pd.to_timedelta(np.arange(50), unit="D"),
                           "amount": rng.normal(10.0, 30.0, 50)})
    same_day = pd.DataFrame({"customer_id": ["a", "a", "a", "é", "Z"], "amount": [1.0, -1.0, 2.0, 3.0, 0.0],
                             "order_date": pd.to_datetime(["2025-03-01 08:00", "2025-03-01 09:00", "2025-05-01 00:00",
                                                           "2025-04-01 00:00", "2025-04-01 00:00"])})
    return pd.concat([many, single, same_day], ignore_index=True).sample(frac=1.0, random_state=1).reset_index(drop=True)


def _window_cases(retail, b2b, rng):
    yield retail.orders, retail.as_of
    yield b2b.orders, b2b.as_of
    yield _edge_orders(rng), pd.Timestamp("2025-12-31")
    o = _random_orders(rng).assign(customer_id=lambda d: "c" + d["customer_id"].astype(str))
    yield o, pd.Timestamp("2025-03-31")


def test_window_counts_same_as_text_groupby(retail, b2b, rng):
    from playbook.churn import _window_counts

    for orders, ts in _window_cases(retail, b2b, rng):
        end = playbook.data.end_of_day(ts)
        mid, lo = end - pd.Timedelta(days=90), end - pd.Timedelta(days=455)
        for values in (orders["amount"], None):
            want = _reference_window_counts(orders["customer_id"], orders["order_date"], lo, mid, end, values)
            _assert_identical(_window_counts(orders["customer_id"], orders["order_date"], lo, mid, end, values), want)
    it = b2b.interactions  # categorical ids, some customers absent
    end = playbook.data.end_of_day(b2b.as_of)
    want = _reference_window_counts(it["customer_id"], it["date"], end - pd.Timedelta(days=455), end - pd.Timedelta(days=90), end)
    got = _window_counts(it["customer_id"], it["date"], end - pd.Timedelta(days=455), end - pd.Timedelta(days=90), end)
    _assert_identical(got, want)
    empty = retail.orders.iloc[:0]
    got = _window_counts(empty["customer_id"], empty["order_date"], lo, mid, end, empty["amount"])
    assert got.empty and list(got.columns) == ["b", "r", "vb", "vr"]


def test_churn_rhythm_same_as_text_groupby(retail, b2b, rng):
    from playbook.churn import churn_signals

    for orders, ts in _window_cases(retail, b2b, rng):
        known = orders.loc[orders["order_date"] <= playbook.data.end_of_day(ts)]
        got = churn_signals(orders, ts)[["days_since_last", "own_gap_days"]]
        _assert_identical(got, _reference_rhythm(known, ts))


def _reference_order_evidence(orders, ts):
    """behaviour_evidence's order columns as they were written, grouping by text ids."""
    end = playbook.data.end_of_day(ts)
    o = orders.loc[orders["order_date"] <= end].copy()
    o["customer_id"] = o["customer_id"].astype(str)
    o = o.sort_values(["customer_id", "order_date"], kind="stable")
    g = o.groupby("customer_id")
    out = pd.DataFrame({"n_orders": g.size().astype(np.int64), "revenue": g["amount"].sum()})
    out["days_since_last"] = (ts.normalize() - g["order_date"].max().dt.normalize()).dt.days
    gaps = g["order_date"].diff().dt.total_seconds() / 86400
    stats = gaps.groupby(o["customer_id"]).agg(["mean", "std", "count"])
    out["gap_cv"] = (stats["std"] / stats["mean"]).where(stats["count"] >= 2)
    if "discount" in o:
        out["discount_share"] = pd.Series((o["discount"] > 0).to_numpy(dtype=float), index=o.index).groupby(o["customer_id"]).mean()
    return out


def test_behaviour_evidence_order_columns_same_as_text_groupby(retail, b2b, rng):
    from playbook.customer_types import behaviour_evidence

    for orders, ts in _window_cases(retail, b2b, rng):
        want = _reference_order_evidence(orders, ts)
        got = behaviour_evidence(orders, ts)[list(want.columns)].reindex(want.index)
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_names=False, check_index_type=False)
    for base in (retail, b2b):  # with every table: browsers who never ordered are kept
        want = _reference_order_evidence(base.orders, base.as_of)
        got = behaviour_evidence(base)
        # Browsers make days_since_last NaN, so float: compare the values.
        pd.testing.assert_frame_equal(got[list(want.columns)].reindex(want.index), want, check_exact=True,
                                      check_names=False, check_index_type=False, check_dtype=False)
        assert (got["n_orders"] == 0).sum() == len(got) - len(want)


def _reference_group_sums(values, starts):
    """data._group_sums as it was before the tail of long runs moved to Python floats."""
    sizes = np.diff(np.r_[starts, len(values)])
    if len(sizes) == 0:
        return np.zeros(0)
    longest = int(sizes.max())
    longest_first = np.argsort(longest - sizes, kind="stable")
    pos = starts[longest_first]
    going = len(sizes) - np.searchsorted(sizes[longest_first][::-1], np.arange(1, longest + 1), side="left")
    has_nan = bool(np.isnan(values).any())
    total = values[pos] + 0.0
    if has_nan:
        total[np.isnan(total)] = 0.0
    comp = np.zeros(len(starts))
    for j in range(1, longest):
        k = going[j]
        value = values[pos[:k] + j]
        s, c = total[:k], comp[:k]
        y = value - c
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN here, as in pandas
            t = s + y
            new_c = (t - s) - y
        new_c[np.isnan(new_c)] = 0.0
        if has_nan:
            ok = ~np.isnan(value)
            t, new_c = np.where(ok, t, s), np.where(ok, new_c, c)
        total[:k], comp[:k] = t, new_c
    out = np.empty(len(starts))
    out[longest_first] = total
    return out


def test_group_sums_of_long_runs_same_as_before(rng):
    # One customer with very many orders beside short ones: the long runs' tails are summed
    # on Python floats, with the same steps; the totals must not move by a bit.
    sizes = np.array([1, 40_000, 3, 513, 9, 512, 2, 1_000, 7, 8, 9, 10, 11, 12])
    keys = np.repeat(np.arange(len(sizes)), sizes)
    values = rng.lognormal(0.0, 5.0, len(keys)) * rng.choice([-1.0, 1.0], len(keys))
    starts = _group_starts(keys)
    assert np.array_equal(_group_sums(values, starts), _reference_group_sums(values, starts))
    values[rng.integers(0, len(keys), 30)] = np.nan
    values[100], values[30_000], values[30_001] = -np.inf, np.inf, 1e308
    assert np.array_equal(_group_sums(values, starts), _reference_group_sums(values, starts), equal_nan=True)
    one = rng.normal(0.0, 1e6, 50_000)
    assert np.array_equal(_group_sums(one, np.array([0])), _reference_group_sums(one, np.array([0])))


def test_summarize_one_customer_with_many_orders(rng):
    orders = _edge_orders(rng).assign(margin=lambda d: d["amount"] * 0.3)
    got, want = summarize(orders, "2025-12-31"), _reference_summarize(orders, "2025-12-31")
    # pandas 3.1's groupby sum and the kit's compensated sum can part in the last bit on a
    # run of thousands of values (they did before this fast path too), so floats are compared closely.
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-13)


# ----------------------------------------------------------------------------- churn reasons

def _reference_reason_texts(name, s, lang):
    """churn._reason_texts as it was written: pandas Series, every number formatted on its own."""
    import string

    from playbook.i18n import label_group

    words = label_group("churn.reason.", lang)

    def num(col, fmt):
        return s[col].astype(float).map(lambda v: format(v, fmt))

    def fill(template, **columns):
        out = pd.Series("", index=s.index, dtype=object)
        for literal, field, _, _ in string.Formatter().parse(template):
            out = out + literal
            if field is not None:
                out = out + pd.Series(columns[field], index=s.index).astype(str).astype(object)
        return out

    def plural(col, one, many):
        return pd.Series(np.where(s[col] == 1, one, many), index=s.index)

    if name == "gap":
        return fill(words["gap"], days=num("days_since_last", ".0f"), ratio=num("gap_ratio", ".1f"))
    if name == "frequency":
        return fill(words["frequency"], recent=num("orders_recent", ".0f"), usual=num("orders_usual", ".1f"),
                    orders=plural("orders_recent", "order", "orders"))
    if name == "basket":
        return fill(words["basket"], pct=(-s["basket_change"].astype(float)).map(lambda v: format(v, ".0%")))
    if name == "complaints":
        n = s["open_complaints"].fillna(0).astype(int)
        return fill(words["complaints"], n=n, complaints=pd.Series(np.where(n > 1, "complaints", "complaint"), index=s.index))
    if name == "care":
        return fill(words["care"], recent=num("care_recent", ".0f"), usual=num("care_usual", ".1f"),
                    contacts=plural("care_recent", "care contact", "care contacts"))
    if name == "competitor":
        who = s["competitor"] if "competitor" in s.columns else pd.Series(None, index=s.index, dtype=object)
        return fill(words["competitor"], who=who.astype(object).fillna(words["unnamed"]))
    if name == "satisfaction":
        return fill(words["satisfaction"], points=(-s["satisfaction_change"].astype(float)).map(lambda v: format(v, ".1f")))
    if name == "history":
        return fill(words["history"], n=num("order_days", ".0f"), days=plural("order_days", "day", "days"))
    if name == "tenure":
        return fill(words["tenure"], days=num("tenure_days", ".0f"))
    if name == "revenue":
        return fill(words["revenue"], amount=num("revenue", ",.0f"))
    return fill(words["p_alive"], pct=s["p_alive"].astype(float).map(lambda v: format(v, ".0%")))


def _reference_churn_reasons(points, signals, n_reasons, lang):
    """churn._reasons_from as it was written: every signal's text for every customer, then a loop over customers."""
    from playbook.i18n import label_group

    used = list(points.columns)
    arr = points.to_numpy()
    order = np.argsort(-arr, axis=1, kind="stable")[:, :n_reasons]
    texts = (np.column_stack([_reference_reason_texts(k, signals, lang).to_numpy(dtype=object) for k in used])
             if used else np.empty((len(arr), 0), dtype=object))
    sep = "；" if lang == "zh" else "; "
    out = []
    for i in range(len(arr)):
        given = [texts[i, j] for j in order[i] if arr[i, j] >= 1.0]
        out.append(sep.join(given) if given else label_group("churn.reason.", lang)["none"])
    return out


def _reason_cases(b2b, rng):
    """(points, signals) pairs: the model's and the rules' points on the b2b base (every signal kind present), and
    random points over edited signals with -0.0, NaN, ties, negative points and whole numbers of one."""
    from playbook.churn import churn_signals, signal_strengths

    signals = churn_signals(b2b, "2025-06-30")
    strengths = signal_strengths(signals).fillna(0.0)
    cases = [(100 * strengths / 7, signals)]
    if signals.attrs.get("model") is not None:
        cases.append((signals.attrs["model"].logit_parts(signals) * 40, signals))
    edited = signals.copy()
    n = len(edited)
    edited["basket_change"] = rng.choice([0.0, -0.0, np.nan, 0.25, -0.5], n)
    edited["satisfaction_change"] = rng.choice([0.0, -0.0, np.nan, -1.5], n)
    edited["orders_recent"] = rng.choice([0, 1, 2], n)
    edited["care_recent"] = rng.choice([0.0, 1.0, np.nan], n)
    edited["p_alive"] = rng.choice([0.0, 0.333, 1.0], n)
    edited["competitor"] = rng.choice(np.array([None, "Rival & Co", "对手"], dtype=object), n)
    kinds = ["gap", "frequency", "basket", "complaints", "care", "competitor", "satisfaction", "history", "tenure",
             "revenue", "p_alive"]
    random_points = pd.DataFrame(rng.choice([-3.0, 0.0, 0.5, 1.0, 1.0, 2.0, 7.5, np.nan], (n, len(kinds))),
                                 columns=kinds, index=edited.index)
    cases.append((random_points, edited))
    cases.append((random_points.iloc[:0], edited.iloc[:0]))
    cases.append((random_points[[]], edited))
    return cases


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n_reasons", [1, 3, 20])
def test_churn_reasons_same_as_row_by_row(b2b, rng, lang, n_reasons):
    from playbook.churn import _reasons_from

    for points, signals in _reason_cases(b2b, rng):
        got = _reasons_from(points, signals, n_reasons, lang)
        want = _reference_churn_reasons(points, signals, n_reasons, lang)
        assert got == want
        assert all(type(r) is str for r in got)


def test_churn_risk_reasons_name_the_biggest_points(b2b):
    # A property the reference shares: the first reason is the text of the largest contribution when it is >= 1.
    from playbook.churn import _reason_texts, churn_risk, churn_signals

    signals = churn_signals(b2b, "2025-06-30")
    risk = churn_risk(signals, method="rules").loc[signals.index]
    points = risk.filter(like="points_")
    top = points.to_numpy().argmax(axis=1)
    first = risk["reasons"].str.split("; ").str[0].to_numpy()
    for j, col in enumerate(points.columns):
        rows = (top == j) & (points.to_numpy().max(axis=1) >= 1.0)
        want = _reason_texts(col.removeprefix("points_"), signals, "en").to_numpy()[rows]
        assert (first[rows] == want).all(), col


# ----------------------------------------------------------------------------- tiers and plan by position

def _tier_cases(retail, b2b, rng):
    from playbook.data import summarize

    cases = [summarize(retail.orders, retail.as_of), summarize(b2b.orders, b2b.as_of).drop(columns="margin")]
    n = 3000
    ids = pd.Index(sorted({f"C{i:05d}" for i in rng.integers(0, 10**5, n)}), dtype="str")
    ties = pd.DataFrame({"revenue": rng.choice([0.0, 10.0, 10.0, 99.5, -5.0], len(ids)),
                         "n_orders": rng.choice([1, 1, 2, 7], len(ids)),
                         "margin": rng.choice([np.nan, 0.0, 3.0], len(ids))}, index=ids)
    cases += [ties, ties.iloc[:1], ties.iloc[::-1], ties.set_axis(ties.index.astype(object))]
    return cases


def testtiers_in_row_order_same_as_assign_tiers_and_reindex(retail, b2b, rng):
    from playbook.segment import tiers_in_row_order, assign_tiers

    for table in _tier_cases(retail, b2b, rng):
        got = tiers_in_row_order(table)
        want = assign_tiers(table)["tier"].reindex(table.index)
        pd.testing.assert_series_equal(got, want, check_names=False)
        assert got.index.equals(table.index)


def test_churn_backtest_labels_by_position_same_as_by_id(retail):
    # model_from_features reads "ordered since" by position when both feature tables list the same customers.
    from playbook import features
    from playbook.churn import model_from_features
    from playbook.strategy import _past_date

    ts = retail.as_of
    now, past = features.compute(retail.orders, ts), features.compute(retail.orders, _past_date(ts))
    assert now.index.equals(past.index)
    by_position, _ = model_from_features(past, now, ts, horizon_days=180)
    shuffled = past.iloc[::-1]  # not the same order: the ids are looked up instead
    by_id, _ = model_from_features(shuffled, now, ts, horizon_days=180)
    assert by_position.n_train == by_id.n_train and by_position.positive_rate == by_id.positive_rate
    np.testing.assert_allclose(by_position.coef, by_id.coef, rtol=1e-6)


def test_rfm_codes_same_as_column_wise_text(retail, b2b, rng):
    from playbook.rfm import _joined_codes, rfm_scores

    for base in (retail, b2b):
        for bins in (5, 10):
            s = rfm_scores(base, bins=bins)
            sep = "" if bins < 10 else "-"
            want = s["R"].astype(str) + sep + s["F"].astype(str) + sep + s["M"].astype(str)
            pd.testing.assert_series_equal(s["rfm_code"], want, check_names=False)
    odd = [pd.Series(rng.choice([1, 2, 10, 3], 500)), pd.Series(rng.choice([1.5, 2.0, np.nan], 500)),
           pd.Series(rng.choice(["a", "b"], 500))]
    for cols in (odd[:1], [odd[0], odd[2]], odd, [c.iloc[:0] for c in odd[::2]]):
        want = cols[0].astype(str)
        for c in cols[1:]:
            want = want + "|" + c.astype(str)
        pd.testing.assert_series_equal(_joined_codes(cols, "|"), want, check_names=False)
