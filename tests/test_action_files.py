"""The action list written block by block (issue #18): the same bytes as the whole table written at once.

:func:`playbook.analyze._action_files` writes ``action_list.csv`` and ``action_list.parquet`` from the rows of
``actions`` in ``order``, :data:`playbook.analyze.ACTION_ROWS_PER_WRITE` rows at a time. These tests compare its
files with what the analysis wrote before (the whole table: ``neutralise_formulas(t).to_csv(index=False,
encoding="utf-8-sig")`` and ``t.assign(tier=t["tier"].astype(str)).to_parquet(index=False)``), and its SHA-256
with the file's.
"""
import hashlib
import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from playbook import analyze
from playbook.analyze import ACTION_ROWS_PER_WRITE, _action_files, build_analysis
from playbook.strategy import STRATEGIES, neutralise_formulas

TIERS = ["key", "important", "general"]


def _old_files(actions: pd.DataFrame) -> tuple[bytes, bytes]:
    """What ``analyze`` wrote before: the whole action list at once."""
    table = actions.reset_index()
    buffer = io.BytesIO()
    neutralise_formulas(table).to_csv(buffer, index=False, encoding="utf-8-sig")
    csv = buffer.getvalue()
    buffer = io.BytesIO()
    table.assign(tier=table["tier"].astype(str)).to_parquet(buffer, index=False)
    return csv, buffer.getvalue()


def _check(actions: pd.DataFrame, tmp_path, *, shuffle: int | None = None, rows: int = ACTION_ROWS_PER_WRITE,
           parquet: bool = True) -> None:
    """The files of ``actions`` written by blocks equal the old ones; with ``shuffle`` (a seed) the rows are handed
    over in another order with the action list's ``order`` beside them, as the lean analysis holds them."""
    want_csv, want_parquet = _old_files(actions)
    held, order = actions, np.arange(len(actions))
    if shuffle is not None:
        perm = np.random.default_rng(shuffle).permutation(len(actions))
        held, order = actions.iloc[perm], np.argsort(perm, kind="stable")
    folder = tmp_path / f"out_{shuffle}_{rows}"
    folder.mkdir()
    made = _action_files(held, order, folder, rows=rows)
    for name, want in (("action_list.csv", want_csv), ("action_list.parquet", want_parquet if parquet else None)):
        got = (folder / name).read_bytes()
        assert made[name]["sha256"] == hashlib.sha256(got).hexdigest(), name
        if want is not None:
            assert got == want, name


def _synthetic(n: int, seed: int = 0, *, text=None) -> pd.DataFrame:
    """A table shaped like the action list (categorical tier and strategy, text, floats, dates), values from ``text``."""
    rng = np.random.default_rng(seed)
    text = text or ["ok", "=1+1", "+33 1 23", "-x", "@sum", "\uff1dA1", " =a", "回访客户", "流失预警，请联系", 'say "hi", now',
                    "a,b", "line\nbreak", "", None]
    ids = [f"C{i:07d}" for i in range(n)]
    ids[::97] = [f"=id{i}" for i in range(len(ids[::97]))]  # formula-like ids
    frame = pd.DataFrame({
        "tier": pd.Categorical(rng.choice(TIERS, n), categories=TIERS),
        "stage": pd.array(rng.choice(["new", "active", "lapsing", None], n), dtype="str"),
        "type": pd.Series(rng.choice(np.array(text, dtype=object), n), index=ids, dtype=object),
        "risk": np.round(rng.random(n) * 100, 1),
        "clv": np.where(rng.random(n) < 0.05, np.nan, np.round(rng.normal(100, 50, n), 2)),
        "strategy": pd.Categorical(rng.choice(list(STRATEGIES), n), categories=list(STRATEGIES)),
        "reason": pd.array(rng.choice(text, n), dtype="str"),
        "next_contact": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
    }, index=pd.Index(ids, name="customer_id", dtype="str"))
    assert frame["type"].dtype == object  # an object column of text (pandas' inferred str elsewhere)
    frame.loc[frame.index[::13], "next_contact"] = pd.NaT
    frame.attrs["clv"] = {"method": "bgnbd_gamma_gamma", "rate": 0.3}
    frame.attrs["churn"] = {"method": "rule", "threshold": 50.0}
    return frame


@pytest.mark.parametrize("name", ["b2b", "retail"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shipped_action_lists(name, lang, tmp_path, request):
    actions = build_analysis(request.getfixturevalue(name), lang=lang).actions
    _check(actions, tmp_path)
    _check(actions, tmp_path, shuffle=1)
    _check(actions, tmp_path, shuffle=2, rows=97, parquet=False)  # small blocks: the CSV is the same (not the row groups)


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_synthetic_tables(n, tmp_path):
    actions = _synthetic(n)
    _check(actions, tmp_path)
    _check(actions, tmp_path, shuffle=n)
    if n > 1:
        _check(actions, tmp_path, shuffle=3, rows=7, parquet=False)


def test_more_rows_than_one_row_group(tmp_path):
    """Two row groups (1,048,576 rows and the rest), as ``to_parquet`` writes them; rows handed over shuffled."""
    actions = _synthetic(ACTION_ROWS_PER_WRITE + 1500, seed=5, text=["ok", "=1", "回访", None, 'a"b'])
    _check(actions, tmp_path, shuffle=7)
    assert pq.ParquetFile(tmp_path / "out_7_1048576" / "action_list.parquet").metadata.num_row_groups == 2


def test_a_block_with_another_schema_is_written_whole(tmp_path):
    """An object column missing in a whole block has another Arrow type there: the Parquet file is then written by
    ``to_parquet`` of the whole table (still the same bytes)."""
    actions = _synthetic(40)
    actions["type"] = pd.Series([None] * 20 + ["x"] * 20, index=actions.index, dtype=object)
    assert actions["type"].dtype == object
    want_csv, want_parquet = _old_files(actions)
    made = _action_files(actions, np.arange(40), tmp_path, rows=20)
    assert (tmp_path / "action_list.parquet").read_bytes() == want_parquet
    assert (tmp_path / "action_list.csv").read_bytes() == want_csv
    assert made["action_list.parquet"]["sha256"] == hashlib.sha256(want_parquet).hexdigest()


def test_text_the_fast_csv_writer_leaves_to_pandas(tmp_path):
    """An id with a carriage return alone: written by ``to_csv`` of the whole table."""
    actions = _synthetic(50)
    actions.index = pd.Index(["a\rb"] + list(actions.index[1:]), name="customer_id", dtype="str")
    _check(actions, tmp_path)
    _check(actions, tmp_path, shuffle=4, rows=9, parquet=False)


def test_blocks_are_the_row_groups_to_parquet_writes(monkeypatch, tmp_path):
    """The block size is pyarrow's row group: with another one the file would differ (so the test above can fail)."""
    monkeypatch.setattr(analyze, "ACTION_ROWS_PER_WRITE", 1000)
    actions = _synthetic(1500)
    made = _action_files(actions, np.arange(1500), tmp_path, rows=1000)
    assert made["action_list.parquet"]["sha256"] != hashlib.sha256(_old_files(actions)[1]).hexdigest()


def test_a_long_list_says_how_far_its_files_are(monkeypatch, tmp_path):
    """From PROGRESS_CUSTOMERS rows on, each block written says the share of both files done, ending at 100%, with
    the time left once it can be estimated; the files are the same as without progress; a short list says nothing."""
    from playbook import byod, strategy

    actions = _synthetic(1000, seed=3)
    heard: list[str] = []
    _action_files(actions, np.arange(1000), tmp_path, rows=300, progress=heard.append)
    assert heard == []
    want_csv, want_parquet = ((tmp_path / n).read_bytes() for n in ("action_list.csv", "action_list.parquet"))
    monkeypatch.setattr(strategy, "PROGRESS_CUSTOMERS", 500)
    monkeypatch.setattr(byod, "ESTIMATE_AFTER_SECONDS", 0.0)
    folder = tmp_path / "told"
    folder.mkdir()
    made = _action_files(actions, np.arange(1000), folder, rows=300, progress=heard.append)
    assert (folder / "action_list.csv").read_bytes() == want_csv
    assert (folder / "action_list.parquet").read_bytes() == want_parquet
    assert made["action_list.csv"]["sha256"] == hashlib.sha256(want_csv).hexdigest()
    shares = [int(m.split("(")[1].split("%")[0]) for m in heard]
    assert len(heard) == 2 * 4 and shares == sorted(shares) and shares[-1] == 100  # 4 blocks of 300 rows per file
    assert all(m.startswith("writing the action list (") for m in heard)
    assert all("left)" in m for m in heard[:-1]) and heard[-1] == "writing the action list (100%)"
