"""Bring your own data: the loader, the broken-export corpus, the messy export, the picker."""
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import playbook
from playbook.byod import from_orders, read_export, suggest_mapping
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError
from playbook.synth import generate
from playbook.synth.messy import MESSY_AS_OF, MESSY_COLUMNS, messy_export, write_messy_export

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
MESSY = ROOT / "datasets" / "messy_export" / "orders.csv"

# The corpus's expectations live in one file, shared with the CLI's end-to-end tests (tests/test_analyze.py).
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
# File -> the exact error message expected.
ERRORS = EXPECTED["errors"]
# File -> (amounts parsed, a note that must be there).
PARSES = {name: (case["amounts"], case["note"]) for name, case in EXPECTED["parses"].items()}


def test_every_corpus_file_has_an_expectation():
    files = {p.name for p in BAD.iterdir() if p.suffix == ".csv"}
    assert files == set(ERRORS) | set(PARSES)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_corpus_gives_the_exact_error(name):
    before = (BAD / name).read_bytes()
    with pytest.raises(DataValidationError) as info:
        from_orders(BAD / name, as_of=EXPECTED["as_of"])
    assert str(info.value) == ERRORS[name]
    assert (BAD / name).read_bytes() == before  # the loader only reads


@pytest.mark.parametrize("name", sorted(PARSES))
def test_bad_corpus_that_parses(name):
    amounts, note = PARSES[name]
    base = from_orders(BAD / name)
    assert base.orders.amount.tolist() == amounts
    assert any(note in n for n in base.meta["notes"]), base.meta["notes"]
    assert list(base.orders.columns) == ["customer_id", "order_date", "amount"]


def test_mixed_formats_read_day_first_for_dotted_dates():
    base = from_orders(BAD / "mixed_date_formats.csv")
    assert base.orders.order_date.tolist() == [pd.Timestamp(t) for t in ("2025-01-01 10:00", "2025-01-02", "2025-01-03 09:30")]
    assert base.as_of == pd.Timestamp("2025-01-03")


def test_gbk_file_with_chinese_headers():
    base = from_orders(BAD / "gbk.csv", {"customer_id": "客户", "order_date": "日期", "amount": "金额"})
    assert base.orders.customer_id.tolist() == ["C1"]
    assert "read as GBK" in base.meta["notes"][0]
    with pytest.raises(DataValidationError, match=r"cannot be read as 'utf-8'"):
        from_orders(BAD / "gbk.csv", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"Pass columns=\{'customer_id'"):
        from_orders(BAD / "gbk.csv")


def test_refunds_keep_and_drop():
    kept = from_orders(BAD / "negative_amount.csv", refunds="keep")
    dropped = from_orders(BAD / "negative_amount.csv", refunds="drop")
    assert kept.orders.amount.tolist() == [10.0, -4.5]
    assert dropped.orders.amount.tolist() == [10.0]
    assert any("1 refund(s)" in n and "dropped" in n for n in dropped.meta["notes"])
    with pytest.raises(InvalidArgumentError, match="'refunds'"):
        from_orders(BAD / "negative_amount.csv", refunds="ignore")


def test_frame_input_mapping_and_row_labels():
    raw = pd.DataFrame({"Kunde ": ["a", "b"], "Datum": ["2025-01-01", "bad"], "Betrag": [1.0, 2.0]}, index=[10, 11])
    mapping = {"customer_id": "Kunde", "order_date": "Datum", "amount": "Betrag"}
    with pytest.raises(DataValidationError, match=r"row 11 \('bad'\)"):
        from_orders(raw, mapping)
    with pytest.raises(DataValidationError, match=r"columns= maps 'amount' to 'Betrg'.*Did you mean 'Betrag'"):
        from_orders(raw, {**mapping, "amount": "Betrg"})
    with pytest.raises(InvalidArgumentError, match="Did you mean 'customer_id'"):
        from_orders(raw, {"customer": "Kunde"})
    raw.loc[11, "Datum"] = "2025-01-02"
    base = from_orders(raw, mapping, as_of="2025-01-31")
    assert base.as_of == pd.Timestamp("2025-01-31") and len(base.orders) == 2
    assert raw.loc[11, "Datum"] == "2025-01-02" and list(raw.columns)[0] == "Kunde "  # input not mutated


def test_date_format_option_and_missing_values():
    raw = pd.DataFrame({"customer_id": ["a", "b"], "order_date": ["01/31/2025", "02/01/2025"], "amount": [1, 2]})
    base = from_orders(raw, date_format="%m/%d/%Y")
    assert base.orders.order_date.dt.month.tolist() == [1, 2]
    raw2 = raw.assign(customer_id=["a", " "])
    with pytest.raises(DataValidationError, match=r"no customer in row 1"):
        from_orders(raw2, date_format="%m/%d/%Y")


def test_parquet_and_excel(tmp_path):
    raw = pd.DataFrame({"Kunde": ["a", "b"], "Datum": pd.to_datetime(["2025-01-01", "2025-01-05"]), "Betrag": [5.0, -1.0]})
    raw.to_parquet(tmp_path / "o.parquet")
    mapping = {"customer_id": "Kunde", "order_date": "Datum", "amount": "Betrag"}
    with pytest.raises(DataValidationError, match=r"o.parquet, column 'Betrag'.*line 3 \(-1.0\)"):
        from_orders(tmp_path / "o.parquet", mapping)
    assert len(from_orders(tmp_path / "o.parquet", mapping, refunds="keep").orders) == 2
    (tmp_path / "o.xlsx").write_bytes(b"not really excel")
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        with pytest.raises(InvalidArgumentError, match="pip install openpyxl"):
            from_orders(tmp_path / "o.xlsx", mapping)
    with pytest.raises(InvalidArgumentError, match="No file"):
        from_orders(tmp_path / "none.csv")


def test_optional_tables_are_checked_and_parsed():
    raw = pd.DataFrame({"customer_id": ["a", "b"], "order_date": ["2025-01-01", "2025-01-05"], "amount": [5.0, 7.0]})
    surveys = pd.DataFrame({"Kunde": ["a"], "Datum": ["2025-01-03"], "satisfaction": ["4"]})
    with pytest.raises(DataValidationError, match=r"the surveys DataFrame has no column 'customer_id'"):
        from_orders(raw, surveys=surveys)
    base = from_orders(raw, surveys=(surveys, {"customer_id": "Kunde", "date": "Datum"}))
    assert base.tables == ("orders", "surveys")
    assert base.surveys.date.dtype.kind == "M" and base.surveys.satisfaction.tolist() == [4]
    with pytest.raises(InvalidArgumentError, match="optional tables are"):
        from_orders(raw, truth=surveys)


def test_suggest_mapping():
    assert suggest_mapping(["客户编号", "下单日期", "Betrag (CNY)", "Bestell-Nr"]) == {
        "customer_id": "客户编号", "order_date": "下单日期", "amount": "Betrag (CNY)", "order_id": "Bestell-Nr"}


def test_messy_export_regenerates_byte_for_byte(tmp_path):
    out = write_messy_export(tmp_path / "messy")
    for f in ("orders.csv", "README.md"):
        assert (out / f).read_bytes() == (MESSY.parent / f).read_bytes(), f
    assert MESSY.stat().st_size < 1_000_000
    with pytest.raises(InvalidArgumentError, match="already exists"):
        write_messy_export(out)
    df = messy_export()
    assert list(df.columns) == [*MESSY_COLUMNS.values(), "Notiz"]


def test_messy_export_steps_and_truth():
    """The loaded export recovers the generated orders it came from: same orders, revenue x 8."""
    with pytest.raises(DataValidationError, match="Did you mean '客户编号'"):
        from_orders(MESSY)
    with pytest.raises(DataValidationError, match="order ids must be unique; 8 lines share an id"):
        from_orders(MESSY, MESSY_COLUMNS)
    with pytest.raises(DataValidationError, match="6 negative amount"):
        from_orders(MESSY, MESSY_COLUMNS, duplicates="drop")
    base = from_orders(MESSY, MESSY_COLUMNS, duplicates="drop", refunds="drop", as_of=MESSY_AS_OF)
    gen = generate("retail", n_customers=250, start="2024-01-01", end=MESSY_AS_OF, seed=0).orders
    assert len(base.orders) == len(gen) == 1266
    assert set(base.orders.customer_id) == set(gen.customer_id.astype(str))
    assert base.orders.amount.sum() == pytest.approx(8 * gen.amount.sum(), abs=0.05)
    got = base.orders.set_index("order_id").sort_index()
    assert np.allclose(got.amount.to_numpy(), np.round(gen.sort_values("order_id").amount.to_numpy() * 8, 2))
    assert (got.order_date.dt.normalize().to_numpy() == gen.sort_values("order_id").order_date.dt.normalize().to_numpy()).all()


def test_notes_in_chinese_say_the_same_as_in_english():
    """lang="zh" writes every note in Chinese with the same files, columns and numbers; errors stay English."""
    read = dict(columns=MESSY_COLUMNS, refunds="keep", duplicates="drop")
    en = from_orders(MESSY, **read, lang="en").meta["notes"]
    zh = from_orders(MESSY, **read, lang="zh").meta["notes"]
    assert len(zh) == len(en) == 7
    for e, z in zip(en, zh):
        assert re.search(r"[\u4e00-\u9fff]", z) and z != e
        assert not re.search(r"\b(read as|column|dropped|kept|line)\b", z), z
        assert re.findall(r"\d+(?:[.,]\d+)*", z) == re.findall(r"\d+(?:[.,]\d+)*", e), (e, z)
        assert re.findall(r"'[^']*'", z) == re.findall(r"'[^']*'", e)  # the user's column names and values
    assert "第 33 行 '31'" in zh[4] and "line 33 ('31')" in en[4]
    before = playbook.i18n.get_language()
    playbook.i18n.set_language("zh")
    try:
        assert from_orders(MESSY, **read).meta["notes"] == zh  # the kit's language is the default
        with pytest.raises(DataValidationError, match="order ids must be unique"):
            from_orders(MESSY, MESSY_COLUMNS)
    finally:
        playbook.i18n.set_language(before)
    with pytest.raises(InvalidArgumentError, match="'lang' parameter must be 'en' or 'zh'. Got 'fr'"):
        from_orders(MESSY, **read, lang="fr")
    assert read_export(MESSY, lang="zh")[1] == ["orders.csv：不是 UTF-8，按 GBK 读取（中文 Excel 导出的常见编码）。"]


def test_order_only_analyses_run_and_others_name_the_missing_table():
    from playbook.churn import churn_risk, churn_signals
    from playbook.lifecycle import lifecycle_stage
    from playbook.rfm import rfm_scores
    from playbook.satisfaction import satisfaction_indicators
    from playbook.segment import assign_tiers

    base = from_orders(MESSY, MESSY_COLUMNS, duplicates="drop", refunds="keep", as_of=MESSY_AS_OF)
    summary = playbook.summarize(base.orders, base.as_of)
    assert len(summary) == base.orders.customer_id.nunique()
    assert len(assign_tiers(summary)) == len(summary)
    assert len(rfm_scores(base)) == len(summary)
    assert len(lifecycle_stage(base)) == len(summary)
    assert churn_risk(churn_signals(base)).risk.between(0, 100).all()
    with pytest.raises(MissingTableError, match="surveys"):
        satisfaction_indicators(base)


def test_analysis_picker_changes_what_is_shown():
    from playbook.widgets.byod import AnalysisPicker

    base = from_orders(MESSY, MESSY_COLUMNS, duplicates="drop", refunds="keep", as_of=MESSY_AS_OF)
    picker = AnalysisPicker(base)
    assert picker.shown["analysis"] == "summarize" and picker.shown["error"] is None
    picker.analysis.value = "lifecycle"
    assert "stage" in picker.shown["columns"]
    picker.analysis.value = "satisfaction"
    assert picker.shown["rows"] is None and "surveys" in picker.shown["error"]


def test_read_export_lines_skip_blank_lines(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text("customer_id,order_date,amount\n\nC1,2025-01-01,x\n", encoding="utf-8")
    df, notes, lines = read_export(p)
    assert lines == [3] and notes == ["o.csv: read as UTF-8."]
    with pytest.raises(DataValidationError, match=r"line 3 \('x'\)"):
        from_orders(p)
