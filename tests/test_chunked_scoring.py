"""Scoring in chunks of customers (issue #18): the analysis, the report and the files are the same for any chunk size.

The per-customer steps of :func:`playbook.strategy._scored_from_features` run ``chunk_rows`` customers at a time;
what reads all customers (the churn model, the usual-gap fallback, the tiers, the orders of the lists) is computed
once. These tests compare every table and every output byte of chunked scoring with the unchunked one.
"""
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from playbook.analyze import _action_files, _analysis_from_features
from playbook.report import report_html
from playbook.strategy import _chunks, _features_and_past



def _totals(orders):
    return {"orders": len(orders), "revenue": float(orders["amount"].sum()), "first_order": orders["order_date"].min(),
            "last_order": orders["order_date"].max(), "has_margin": "margin" in orders.columns}


def _analysis(f, past, ts, orders, lang, chunk_rows):
    return _analysis_from_features(f, ts, lang=lang, margin_rate=None, totals=_totals(orders), tables=["orders"],
                                   notes=[], past=past, chunk_rows=chunk_rows)


def _same_table(got, want):
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.equals(want.dtypes)
    assert got.index.equals(want.index) and got.index.dtype == want.index.dtype
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs.keys() == want.attrs.keys()
    assert repr(got.attrs) == repr(want.attrs)


def _outputs(result):
    with tempfile.TemporaryDirectory() as tmp:
        made = _action_files(result.actions, np.arange(len(result.actions)), Path(tmp))
    page = report_html(result, source="orders.csv").encode()
    return [made["action_list.csv"]["sha256"], made["action_list.parquet"]["sha256"], hashlib.sha256(page).hexdigest()]


def _check_sizes(f, past, ts, orders, lang, sizes):
    whole = _analysis(f, past, ts, orders, lang, len(f) + 1)
    want = _outputs(whole)
    for size in sizes:
        got = _analysis(f, past, ts, orders, lang, size)
        for name in ("actions", "risk", "plan", "customers", "rfm"):
            _same_table(getattr(got, name), getattr(whole, name))
        assert got.summary == whole.summary
        assert _outputs(got) == want, size
    return whole


@pytest.mark.parametrize("name, sizes", [("retail", (97, 1000)), ("b2b", (7, 100))])  # one customer a chunk is slow
def test_shipped_datasets_same_for_any_chunk_size(name, sizes, request):
    base = request.getfixturevalue(name)
    for ts, lang in ((base.as_of, "en"), (base.as_of - pd.Timedelta(days=400), "zh")):  # the second: customers not known yet
        f, past = _features_and_past(base.orders, ts)
        whole = _check_sizes(f, past, ts, base.orders, lang, sizes)
        assert whole.summary["churn"]["method"] == "model"


def test_rule_score_same_for_any_chunk_size(b2b):
    # No past to learn from: the rule score, whose signals in use must not depend on the chunk's rows.
    f, _ = _features_and_past(b2b.orders, b2b.as_of)
    whole = _check_sizes(f, None, b2b.as_of, b2b.orders, "zh", sizes=(7,))
    assert whole.summary["churn"]["method"] == "rules"


def test_synthetic_base_same_for_any_chunk_size(generated):
    base = generated("retail", 3000, 11)
    f, past = _features_and_past(base.orders, base.as_of)
    _check_sizes(f, past, base.as_of, base.orders, "en", sizes=(500,))


def test_one_customer_without_two_order_days(rng):
    # Nobody has two order days: the usual-gap fallback is missing for every chunk alike (a note says so once).
    ts = pd.Timestamp("2025-06-30")
    orders = pd.DataFrame({"customer_id": [f"c{i}" for i in range(5)], "order_date": pd.date_range("2025-01-01", periods=5),
                           "amount": rng.uniform(10, 100, 5)})
    orders["order_id"] = np.arange(5)
    f, past = _features_and_past(orders, ts)
    whole = _check_sizes(f, past, ts, orders, "en", sizes=(1, 2))
    assert sum("two order days" in n for n in whole.risk.attrs["notes"]) == 1


def test_chunk_size_from_the_environment(monkeypatch):
    assert _chunks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    monkeypatch.setenv("PLAYBOOK_CHUNK_ROWS", "3")
    assert _chunks(7) == [(0, 3), (3, 6), (6, 7)]
    assert _chunks(7, 5) == [(0, 5), (5, 7)]  # a size given wins
    monkeypatch.setenv("PLAYBOOK_CHUNK_ROWS", "0")
    with pytest.raises(Exception, match="chunk size"):
        _chunks(7)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_scoring_says_its_steps_and_the_time_left(monkeypatch, lang):
    """From ``PROGRESS_CUSTOMERS`` customers on, ``analyze`` hears the scoring's steps and, after each chunk, how
    many are scored with the time left once it can be estimated; the files are the same as without progress."""
    import playbook
    from playbook import byod, strategy
    from playbook.analyze import _lean_output
    from playbook.i18n import label

    orders = playbook.load_dataset("retail").orders
    ts = orders["order_date"].max()

    def lean(progress):
        f, past = _features_and_past(orders, ts)
        reduced = {"f": f, "past": past, "ts": ts, "totals": _totals(orders), "tables": ["orders"], "notes": []}
        return _lean_output(reduced, lang=lang, margin_rate=None, chunk_rows=300, progress=progress)

    quiet = []
    lean(quiet.append)
    assert quiet == []  # a base this small is scored in a moment: nothing to say
    monkeypatch.setattr(strategy, "PROGRESS_CUSTOMERS", 100)
    monkeypatch.setattr(byod, "ESTIMATE_AFTER_SECONDS", 0.0)
    heard = []
    result = lean(heard.append)
    known = len(result.order)
    bounds = _chunks(known, 300)
    assert len(bounds) > 2
    assert heard[:3] == [label("progress_churn_model", lang), label("progress_clv_model", lang).format(n=known),
                         label("progress_contact_plan", lang)]
    scored = heard[3:]
    assert len(scored) == len(bounds)
    plain = [label("progress_scored", lang).format(k=stop, n=known, share=stop / known) for _, stop in bounds]
    for message, (_, stop), without in zip(scored[:-1], bounds, plain):  # the time left, while there is some
        assert message.startswith(without) and len(message) > len(without) and f"{stop / known:.0%}" in message
    assert scored[-1] == plain[-1]  # done: no time left to say
    assert _lean_files(result) == _lean_files(lean(None))


def _lean_files(result):
    from playbook.report import page_html

    with tempfile.TemporaryDirectory() as tmp:
        made = _action_files(result.actions, result.order, Path(tmp))
    return [made["action_list.csv"]["sha256"], made["action_list.parquet"]["sha256"], page_html(result.report)]
