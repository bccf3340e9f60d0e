"""The fast paths of the scoring (#18) give what the plain code they replaced gave, to the byte.

Each reference below is the straightforward code that ran before (one ``str.format`` per customer,
...) kept here as the oracle; the inputs are chosen to hit the cases a shortcut could get wrong:
``-0.0`` beside ``0.0``, ``1`` beside ``True`` and ``1.0``, missing values, texts with braces."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook.errors import InvalidArgumentError
from playbook.rules import _MISSING, RuleTable, _plain_names, _template_fields, fill_reasons


def _reference_fill(templates, columns, value_format=None) -> list[str]:
    """fill_reasons as it was: every row formatted on its own (the styler shows the names a template shows bare)."""
    out = []
    for i, template in enumerate(templates):
        kwargs = {}
        plain = _plain_names(template)
        for name in _template_fields(template):
            col = columns(name)
            if col is None:
                continue
            v = col[i]
            shown = value_format(name, [v]) if value_format is not None and name in plain else None
            kwargs[name] = shown[0] if shown is not None else (_MISSING if isinstance(v, float) and v != v else v)
        out.append(template.format(**kwargs))
    return out


ROWS = 400


@pytest.fixture(scope="module")
def columns():
    rng = np.random.default_rng(3)
    x = rng.choice([0.0, -0.0, 1.5, 2.5, -0.5, 0.5, -0.4, np.nan, np.inf, 1e20, 2.0**53 + 2, 2.0 / 3.0, -7.25, 123456.789,
                    1234567.5, 0.49999999999999994], size=ROWS)
    k = rng.integers(-3, 4, size=ROWS)
    mixed = np.empty(ROWS, dtype=object)
    mixed[:] = [[1, True, 1.0, "1", None, float("nan"), -0.0, 0.0, "{b}", pd.Timestamp("2025-01-01")][i % 10]
                for i in range(ROWS)]
    data = {"x": x.tolist(), "k": k.tolist(), "mixed": mixed.tolist(),
            "t": rng.choice(["gold", "silver", "a {brace}", "中文"], size=ROWS).tolist(), "flag": (k > 0).tolist()}
    return data


TEMPLATES = ["x={x} k={k}", "{x:.0f} {x:,.0f} {x:_.0f}", "{x:,.0f} / {x:.2%} / {k:+d}", "mixed {mixed}", "{t}: {x:.1f} {{literal}}", "fixed text",
             "{flag} {k}", "{mixed!r} {t}", "{x:>{k_width}}", ""]


@pytest.mark.parametrize("template", TEMPLATES)
def test_fill_reasons_matches_format_per_row(columns, template):
    data = dict(columns, k_width=[8] * ROWS)
    templates = np.array([template] * ROWS, dtype=object)
    if "{x:>{k_width}}" in template:
        with pytest.raises(KeyError):  # a nested field reads a name the row lacks: as str.format says
            _reference_fill(templates, data.get)
        with pytest.raises(KeyError):
            fill_reasons(templates, data.get)
        return
    assert fill_reasons(templates, data.get) == _reference_fill(templates, data.get)


def test_fill_reasons_mixed_templates_and_styler(columns):
    rng = np.random.default_rng(5)
    templates = rng.choice(np.array(TEMPLATES[:7], dtype=object), size=ROWS)

    def styler(name, values):
        return None if name != "x" else [f"<{v}>" for v in values]

    assert fill_reasons(templates, columns.get, styler) == _reference_fill(templates, columns.get, styler)


def test_fill_reasons_missing_name_and_positional():
    with pytest.raises(KeyError):
        fill_reasons(np.array(["{nope}"], dtype=object), {}.get)
    with pytest.raises(IndexError):
        fill_reasons(np.array(["{}"], dtype=object), {}.get)


def test_evaluate_frame_same_as_object_columns(columns):
    frame = pd.DataFrame({"x": columns["x"], "k": columns["k"], "t": columns["t"]},
                         index=pd.Index([f"c{i}" for i in range(ROWS)], name="customer_id"))
    table = RuleTable([("big", "x > 1", "{label}: {x:,.2f} ({t})"), ("neg", "k < 0", "{k} and {x}")],
                      default="other", default_reason="{label} {missing_threshold}", thresholds={"missing_threshold": 5})
    out = table.evaluate(frame)
    hits = [frame["x"].gt(1).to_numpy(), frame["k"].lt(0).to_numpy()]
    rule = np.where(hits[0], 1, np.where(hits[1], 2, 3))
    labels = np.array(["big", "neg", "other"], dtype=object)[rule - 1]
    values = {c: frame[c].tolist() for c in frame} | {"label": list(labels), "missing_threshold": [5] * ROWS}
    reasons = _reference_fill(np.array(["{label}: {x:,.2f} ({t})", "{k} and {x}", "{label} {missing_threshold}"],
                                       dtype=object)[rule - 1], values.get)
    expected = pd.DataFrame({"label": labels, "rule": rule.astype(np.int64), "reason": reasons}, index=frame.index)
    pd.testing.assert_frame_equal(out, expected)
    assert out.dtypes.tolist() == expected.dtypes.tolist()
    with pytest.raises(InvalidArgumentError, match="names 'nope'"):
        RuleTable([("a", "True", "{nope}")], default=None).evaluate(frame)


def test_whole_number_rounding_is_format():
    """The ``.0f`` shortcut (np.rint first) gives format's text for every float, halves and signs included."""
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(0, 10, 20000), rng.integers(-1000, 1000, 20000) + 0.5, rng.normal(0, 1e9, 5000),
                        np.ldexp(rng.uniform(1, 2, 5000), rng.integers(-60, 70, 5000)), [-0.0, 0.0, -0.5, 0.5, np.inf, -np.inf]])
    for spec in (".0f", ",.0f", "_.0f"):
        assert [format(v, spec) for v in np.rint(x).tolist()] == [format(v, spec) for v in x.tolist()]


def test_evaluate_category_and_text_columns():
    rng = np.random.default_rng(2)
    n = 300
    tier = pd.Categorical(rng.choice(["gold", "silver", None], size=n), categories=["silver", "gold", "unused"])
    stage = pd.Series(rng.choice(["new", "中文", None], size=n), dtype="str")
    frame = pd.DataFrame({"tier": tier, "stage": stage, "risk": rng.uniform(0, 100, n)})
    table = RuleTable([("hi", "risk > 50", "{tier} at {risk:.0f} ({stage})")], default="lo", default_reason="{stage}/{tier}")
    out = table.evaluate(frame)
    rule = np.where(frame["risk"].to_numpy() > 50, 1, 2)
    values = {c: frame[c].tolist() for c in frame} | {"label": ["hi" if r == 1 else "lo" for r in rule]}
    expected = _reference_fill(np.array(["{tier} at {risk:.0f} ({stage})", "{stage}/{tier}"], dtype=object)[rule - 1],
                               values.get)
    assert out["reason"].tolist() == expected


def test_short_numbers_once_per_distinct_value():
    from playbook.customer_types import _short_numbers

    def reference(values):
        v = np.asarray(values, dtype=float)
        whole = np.round(v, 0) == v
        rounded = np.round(v, 2)
        return ["n/a" if x != x else f"{x:.0f}" if w else f"{r:.2f}" for x, w, r in zip(v.tolist(), whole.tolist(), rounded.tolist())]

    x = np.random.default_rng(0).normal(0, 3, 5000).tolist() + [0.0, -0.0, np.nan, 1.005, 2.675, -0.004, np.inf, 1, None]
    assert _short_numbers(x) == reference(x)
    assert _short_numbers([]) == reference([]) == []


def test_formula_prefilter_covers_every_first_character():
    """neutralise_formulas runs its regex only on texts whose first character is in _FORMULA_FIRST: every
    character that can begin a match of _FORMULA must be there, or a formula would pass unneutralised."""
    from playbook.strategy import _FORMULA, _FORMULA_FIRST

    chars = (chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    assert [c for c in chars if (_FORMULA.match(c) or _FORMULA.match(c + "=")) and not _FORMULA_FIRST.match(c)] == []


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_formula_like_same_as_regex_on_every_row(dtype):
    from playbook.strategy import _FORMULA, _formula_like

    texts = ["=1+1", " =x", "\u00a0+1", "\u3000@a", "\ufeff-1", "\uff1dSUM", "\tx", "\nx", "ok", "", None, "a=b", " ", "\u200b",
             "\u200b@x", "-", "C1", "中文", "\x00=", "\u2028+"] * 7
    values = pd.Series(texts, dtype=dtype)
    expected = np.array([isinstance(t, str) and bool(_FORMULA.match(t)) for t in texts])
    assert (_formula_like(values) == expected).all()


def test_expected_if_alive_once_per_pair_same_bits():
    from playbook.value import BetaGeoFitter, _distinct_pairs

    bgf = BetaGeoFitter()
    bgf.params_ = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 2.5}
    rng = np.random.default_rng(0)
    x = rng.integers(0, 30, 20000).astype(float)
    big_t = rng.integers(0, 800, 20000).astype(float)
    x[:4], big_t[:4] = [-0.0, 0.0, 1.5, 2.0], [0.0, -0.0, 10.25, 10.25]
    codes, xu, tu = _distinct_pairs(x, big_t)
    assert len(xu) < len(x) and np.array_equal(xu[codes].view(np.int64), x.view(np.int64))
    assert np.array_equal(tu[codes].view(np.int64), big_t.view(np.int64))
    for t in (30.0, 365.0):
        assert np.array_equal(bgf._expected_if_alive_by_pair(t, x, big_t).view(np.int64),
                              bgf._expected_if_alive(t, x, big_t).view(np.int64))
    x[2] = 1.0  # the public methods take whole numbers
    tx = np.minimum(big_t, x * 3)
    direct = np.asarray(bgf.probability_alive(x, tx, big_t)) * bgf._expected_if_alive(365.0, x, big_t)
    assert np.array_equal(np.asarray(bgf.expected_purchases(365.0, x, tx, big_t)), direct)


@pytest.mark.parametrize("kind", ["str", "object", "category_sorted", "category_unsorted", "int"])
def test_factorize_sorted_index_same_as_index_of_uniques(kind):
    from playbook.kernels import factorize_sorted, factorize_sorted_index

    rng = np.random.default_rng(4)
    raw = rng.choice(["b", "a", "中", "c10", "c2", "Z"], size=500)
    ids = {"str": pd.Series(raw, dtype="str"), "object": pd.Series(raw.astype(object), dtype=object),
           "category_sorted": pd.Series(pd.Categorical(raw, categories=sorted(set(raw) | {"zz"}))),
           "category_unsorted": pd.Series(pd.Categorical(raw, categories=["c2", "中", "a", "b", "Z", "c10", "q"])),
           "int": pd.Series(rng.integers(0, 50, 500))}[kind]
    for keep in (np.ones(500, dtype=bool), rng.random(500) < 0.5):
        codes, uniques = factorize_sorted(ids, keep)
        codes2, index = factorize_sorted_index(ids, keep)
        assert np.array_equal(codes, codes2)
        pd.testing.assert_index_equal(index, pd.Index(uniques), exact=True)


def test_group_sums_in_blocks_same_bits(monkeypatch):
    import playbook.kernels as K

    rng = np.random.default_rng(8)
    sizes = np.concatenate([rng.integers(1, 6, 3000), [400, 1, 250]])
    values = rng.normal(0, 1e6, int(sizes.sum())) * rng.choice([1.0, 1e-9, 1e9], int(sizes.sum()))
    values[rng.random(len(values)) < 0.01] = np.nan
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    whole = K.group_sums(values, starts)
    monkeypatch.setattr(K, "GROUP_BLOCK", 97)
    assert np.array_equal(K.group_sums(values, starts).view(np.int64), whole.view(np.int64))
    keys = rng.integers(0, 50, 5000)
    assert np.array_equal(K.stable_order(keys), np.argsort(keys, kind="stable"))
