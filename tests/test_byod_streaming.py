"""The streaming CSV read (playbook.byod._stream_orders) gives what the whole-file read gives, to the byte.

Each comparison reads a file twice: streamed in tiny blocks (a few lines each, so ids, errors and
format changes fall in later blocks than the first), and with streaming turned off (the whole-file
read, as before streaming existed). The frames, dtypes, notes and as_of must be equal, or the same
error must be raised with the same message; ``analyze`` must write the same action list.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import playbook.byod as byod
from playbook.analyze import analyze
from playbook.errors import PlaybookError
from playbook.synth import generate
from playbook.synth.messy import MESSY_AS_OF, MESSY_COLUMNS
from streaming_reads import outcome as _outcome

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
FOREIGN = ROOT / "tests" / "data" / "foreign"
EXPECTED_BAD = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
FOREIGN_CASES = json.loads((FOREIGN / "expected.json").read_text(encoding="utf-8"))["files"]
TINY = 256  # bytes per block: a handful of lines


def outcome(path, streaming: bool, monkeypatch, block: int = TINY, **options):
    return _outcome(path, streaming, monkeypatch, block, **options)


def assert_same(path, monkeypatch, **options):
    """Streamed and whole-file reads agree; returns whether the streamed read was the one used."""
    got, streamed = outcome(path, True, monkeypatch, **dict(options))
    want, _ = outcome(path, False, monkeypatch, **dict(options))
    assert got[0] == want[0], (got, want)
    if got[0] == "error":
        assert got[1:] == want[1:]
    else:
        pd.testing.assert_frame_equal(got[1], want[1], check_exact=True)
        assert got[2] == want[2] and got[3] == want[3]
    return streamed


def clean_orders(n: int = 400, seed: int = 0, *, id_digits: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1) if id_digits else np.char.add("INV-", np.arange(1, n + 1).astype(str)),
        "customer_id": np.char.add("C", rng.integers(0, n // 8, n).astype(str)),
        "order_date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "amount": np.round(rng.gamma(2, 30, n), 2).astype(str),
        "channel": rng.choice(["web", "app", "store"], n),
    })


@pytest.mark.parametrize("name", sorted(set(EXPECTED_BAD["errors"]) | set(EXPECTED_BAD["parses"])))
def test_every_broken_file_reads_or_fails_the_same(name, monkeypatch):
    options = dict(EXPECTED_BAD["options"].get(name, {}))
    assert_same(BAD / name, monkeypatch, as_of=EXPECTED_BAD["as_of"], **options)
    assert_same(BAD / name, monkeypatch, **options)


@pytest.mark.parametrize("name", sorted(FOREIGN_CASES))
def test_every_foreign_format_reads_the_same(name, monkeypatch):
    assert_same(FOREIGN / name, monkeypatch, **FOREIGN_CASES[name].get("options", {}))


# The shipped files are read in blocks of SHIPPED_BLOCK bytes (88 to 219 blocks a file, so every id, date and
# amount format still falls in later blocks than the first); block boundaries at every TINY bytes are tested on the
# generated files below. A TINY read of the shipped retail file is 3,500 blocks and took 20 times as long.
SHIPPED_BLOCK = 4096


def test_shipped_chinese_orders_are_streamed_and_read_the_same(monkeypatch):
    # retail and b2b are read the same way, inside analyze, by test_shipped_data_is_streamed_read_and_analysed_the_same
    path = ROOT / "datasets" / "retail_zh" / "orders.csv"
    assert path.stat().st_size > 50 * SHIPPED_BLOCK
    assert assert_same(path, monkeypatch, block=SHIPPED_BLOCK)


@pytest.mark.parametrize("options", [{}, {"duplicates": "drop", "refunds": "drop"}, {"duplicates": "drop", "refunds": "keep"}])
def test_the_messy_export_reads_the_same(options, monkeypatch):
    assert_same(ROOT / "datasets" / "messy_export" / "orders.csv", monkeypatch, columns=MESSY_COLUMNS, as_of=MESSY_AS_OF, **options)


@pytest.mark.parametrize("id_digits", [True, False])
def test_a_clean_file_is_streamed_with_ids_split_across_blocks(id_digits, tmp_path, monkeypatch):
    path = tmp_path / "orders.csv"
    clean_orders(id_digits=id_digits).to_csv(path, index=False)
    assert assert_same(path, monkeypatch)
    assert assert_same(path, monkeypatch, refunds="keep", as_of="2025-12-31")


# A defect on one line far from the start (line 152 of 201: dozens of blocks in), as (column, text).
LATE_DEFECTS = {
    "bad_amount": ("amount", "12,50 EUR"),
    "decimal_comma": ("amount", "12,50"),
    "ambiguous_comma": ("amount", "1,250"),
    "thousands": ("amount", "1,234.50"),
    "spaces_in_amount": ("amount", "1 234.50"),
    "huge_amount": ("amount", "9" * 400),
    "infinite": ("amount", "inf"),
    "missing_amount": ("amount", ""),
    "negative": ("amount", "-12.50"),
    "currency": ("amount", "€12.50"),
    "day_first_date": ("order_date", "25.02.2024"),
    "slashed_date": ("order_date", "02/25/2024"),
    "compact_date": ("order_date", "20240225"),
    "zoned_date": ("order_date", "2024-02-25T10:00:00+02:00"),
    "impossible_date": ("order_date", "2024-02-30"),
    "placeholder_date": ("order_date", "0001-01-01"),
    "late_date": ("order_date", "2026-06-01"),
    "missing_date": ("order_date", ""),
    "blank_customer": ("customer_id", " "),
    "spaced_customer": ("customer_id", "C3\u00a0"),
    "text_order_id": ("order_id", "X-1"),
    "repeated_order_id": ("order_id", "5"),
    "spaced_channel": ("channel", " web "),
}


@pytest.mark.parametrize("defect", sorted(LATE_DEFECTS))
def test_a_late_defect_is_refused_or_noted_the_same(defect, tmp_path, monkeypatch):
    frame = clean_orders(200)
    col, text = LATE_DEFECTS[defect]
    frame[col] = frame[col].astype(str)
    frame.loc[150, col] = text
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    assert_same(path, monkeypatch, as_of="2025-12-31")
    assert_same(path, monkeypatch, refunds="keep", duplicates="drop")
    if defect in ("negative", "repeated_order_id"):
        assert_same(path, monkeypatch, refunds="drop", duplicates="drop")


@pytest.mark.parametrize("tail", [
    b"C1,2024-02-01,\xfc12.50,web\n",             # not UTF-8 far into the file: the encoding is detected on the whole file
    b"C1,2024-02-01,12.50\n",                      # a ragged line
    b'C1,2024-02-01,"12.50\nmore",web\n',          # a quoted line break
    b",,,\n" + b"C2,2024-02-02,3.00,web\n",       # a blank line (every field empty) in the middle
    b"C1,2024-02-01,12.50,web",                    # no line break at the end
    b"C1,2024-02-01,12.50,web\n" + b"customer_id,order_date,amount,channel\n",  # a second header
    b'C1,2024-02-01,"' + b"x" * 140_000 + b'",web\n',  # a runaway field
])
def test_a_late_irregular_line_is_handled_the_same(tail, tmp_path, monkeypatch):
    frame = clean_orders(200).drop(columns="order_id")
    path = tmp_path / "orders.csv"
    path.write_bytes(frame.to_csv(index=False).encode() + tail + frame.iloc[:50].to_csv(index=False, header=False).encode())
    assert_same(path, monkeypatch)


def test_progress_never_goes_back_when_the_streaming_read_hands_over(tmp_path, monkeypatch):
    """A defect near the end: the streaming read reported lines, then the whole-file read runs; lines said only grow."""
    n = 1_200_000
    frame = pd.DataFrame({"customer_id": np.char.add("C", (np.arange(n) % 5000).astype(str)), "order_date": "2025-01-02",
                          "amount": "12.50"})
    frame.loc[n - 10, "amount"] = "x"
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    seen: list[str] = []
    with pytest.raises(PlaybookError, match=rf"line {n - 10 + 2} \('x'\)"):
        byod.from_orders(path, progress=seen.append)
    lines = [int(m.split()[1].replace(",", "")) for m in seen]
    assert len(lines) >= 2 and lines == sorted(set(lines)), seen


def _action_list(orders_path, out, streaming: bool, monkeypatch, block: int = 4096, **options) -> tuple[bytes, dict]:
    monkeypatch.setattr(byod, "_STREAM", streaming)
    monkeypatch.setattr(byod, "_STREAM_BLOCK_BYTES", block)
    folder = analyze(orders_path, out=out, **options)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return (folder / "action_list.csv").read_bytes(), summary


@pytest.fixture(scope="module")
def seed_exports(tmp_path_factory):
    """Orders of five generated bases, written as CSV exports."""
    folder = tmp_path_factory.mktemp("seeds")
    paths = []
    for seed in range(5):
        base = generate("retail", n_customers=200, seed=seed)
        path = folder / f"orders_{seed}.csv"
        base.orders.to_csv(path, index=False)
        paths.append((path, base.as_of))
    return paths


def test_the_action_list_is_byte_identical_on_generated_seeds(seed_exports, tmp_path, monkeypatch):
    for i, (path, as_of) in enumerate(seed_exports):
        streamed = _action_list(path, tmp_path / f"s{i}", True, monkeypatch, as_of=as_of)
        whole = _action_list(path, tmp_path / f"w{i}", False, monkeypatch, as_of=as_of)
        assert streamed[0] == whole[0]
        assert streamed[1] == whole[1]


@pytest.mark.parametrize("dataset", ["retail", "b2b"])
def test_shipped_data_is_streamed_read_and_analysed_the_same(dataset, tmp_path, monkeypatch):
    """One pass does two checks: the orders analyze reads are streamed and equal the whole-file read (frame to the
    byte and dtype, notes, as_of), and the action list and summary analyze writes from them are byte-identical."""
    path = ROOT / "datasets" / dataset / "orders.csv"
    assert path.stat().st_size > 50 * SHIPPED_BLOCK
    read = byod.from_orders
    bases, handed_over = [], []
    monkeypatch.setattr(byod, "from_orders", lambda *a, **k: bases.append(read(*a, **k)) or bases[-1])
    whole_read = byod._read_orders
    monkeypatch.setattr(byod, "_read_orders", lambda *a, **k: handed_over.append(byod._STREAM) or whole_read(*a, **k))
    streamed = _action_list(path, tmp_path / "s", True, monkeypatch, block=SHIPPED_BLOCK)
    whole = _action_list(path, tmp_path / "w", False, monkeypatch, block=SHIPPED_BLOCK)
    assert handed_over == [False], "the streaming read handed the shipped file over to the whole-file read"
    assert len(bases) == 2
    pd.testing.assert_frame_equal(bases[0].orders, bases[1].orders, check_exact=True)
    assert bases[0].meta == bases[1].meta and bases[0].as_of == bases[1].as_of and bases[0].name == bases[1].name
    assert streamed[0] == whole[0] and streamed[1] == whole[1]
