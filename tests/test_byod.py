"""Bring your own data: the loader, the broken-export corpus, the messy export, the picker."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import playbook
from playbook.byod import from_orders, read_export, suggest_mapping
from playbook.cli import main
from playbook.errors import DataValidationError, InvalidArgumentError, MissingTableError, message_for_cli
from playbook.synth import generate
from playbook.synth.messy import MESSY_AS_OF, MESSY_COLUMNS, messy_export, write_messy_export

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
FOREIGN = ROOT / "tests" / "data" / "foreign"
MESSY = ROOT / "datasets" / "messy_export" / "orders.csv"

# The corpus's expectations live in one file, shared with the CLI's end-to-end tests (tests/test_analyze.py).
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
# File -> the exact error message expected.
ERRORS = EXPECTED["errors"]
# File -> (amounts parsed, a note that must be there).
PARSES = {name: (case["amounts"], case["note"]) for name, case in EXPECTED["parses"].items()}
# Real-world formats that must be read: file -> options, counts, total, dates, notes.
FOREIGN_CASES = json.loads((FOREIGN / "expected.json").read_text(encoding="utf-8"))["files"]


def cli_options(options: dict) -> list[str]:
    """from_orders options as `playbook analyze` arguments (the corpus gives both the same options)."""
    argv = []
    for key, value in options.items():
        if key == "columns":
            argv += ["--map", ",".join(f"{k}={v}" for k, v in value.items())]
        elif isinstance(value, bool):
            argv.append("--dayfirst" if value else "--no-dayfirst")
        else:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


def read_with(path, options: dict, **more):
    options = dict(options)
    return from_orders(path, options.pop("columns", None), **options, **more)


def test_every_corpus_file_has_an_expectation():
    files = {p.name for p in BAD.iterdir() if p.suffix in (".csv", ".parquet", ".xlsx")}
    assert files == set(ERRORS) | set(PARSES)
    assert {p.name for p in FOREIGN.iterdir() if p.suffix in (".csv", ".parquet", ".xlsx")} == set(FOREIGN_CASES)
    assert set(EXPECTED["cli_errors"]) <= set(ERRORS) and set(EXPECTED["options"]) <= set(ERRORS) | set(PARSES)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_corpus_gives_the_exact_error(name):
    before = (BAD / name).read_bytes()
    with pytest.raises(DataValidationError) as info:
        from_orders(BAD / name, as_of=EXPECTED["as_of"], **EXPECTED["options"].get(name, {}))
    assert str(info.value) == ERRORS[name]
    assert message_for_cli(info.value) == EXPECTED["cli_errors"].get(name, ERRORS[name])
    assert (BAD / name).read_bytes() == before  # the loader only reads


@pytest.mark.parametrize("name", sorted(FOREIGN_CASES))
def test_foreign_formats_are_read_and_noted(name):
    case = FOREIGN_CASES[name]
    base = read_with(FOREIGN / name, case["options"])
    orders = base.orders
    assert (len(orders), orders.customer_id.nunique()) == (case["orders"], case["customers"])
    assert round(float(orders.amount.sum()), 2) == case["total"]
    assert (str(orders.order_date.min()), str(orders.order_date.max())) == (case["first"], case["last"])
    for note in case["notes"]:
        assert any(note in n for n in base.meta["notes"]), (note, base.meta["notes"])
    zh = read_with(FOREIGN / name, case["options"], lang="zh").meta["notes"]
    assert len(zh) == len(base.meta["notes"]) and all(re.search(r"[\u4e00-\u9fff]", n) for n in zh)


@pytest.mark.parametrize("name", sorted(FOREIGN_CASES))
def test_foreign_formats_through_the_cli(name, tmp_path, capsys):
    case = FOREIGN_CASES[name]
    code = main(["analyze", str(FOREIGN / name), *cli_options(case["options"]), "--out", str(tmp_path / "o"), "--quiet"])
    assert (code, *capsys.readouterr()) == (0, "", "")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["orders"], summary["customers"], summary["revenue"]) == (case["orders"], case["customers"], case["total"])
    for note in case["notes"]:
        assert any(note in n for n in summary["notes"]), (note, summary["notes"])


def run_cli(*argv):
    """`python -m playbook` in a subprocess (the kit imported from this checkout), as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "playbook", *argv], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, check=False)


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
    assert len(base.orders) == len(gen) > 400  # every generated order, once (the repeats dropped, the refunds too)
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
    assert len(zh) == len(en) == 8
    for e, z in zip(en, zh):
        assert re.search(r"[\u4e00-\u9fff]", z) and z != e
        assert not re.search(r"\b(read as|column|dropped|kept|line)\b", z), z
        assert re.findall(r"\d+(?:[.,]\d+)*", z) == re.findall(r"\d+(?:[.,]\d+)*", e), (e, z)
        assert re.findall(r"'[^']*'", z) == re.findall(r"'[^']*'", e)  # the user's column names and values
    line, value = re.search(r"line (\d+) \('(\d+)'\)", en[5]).groups()  # a dropped repeat, named by line and id
    assert f"第 {line} 行 '{value}'" in zh[5]
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


# ----------------------------------------------------------------------------- hostile inputs that are arguments, not files (#14)

@pytest.mark.parametrize("options, argv, message, cli_message", [
    ({"as_of": "2300-01-01"}, ["--as-of", "2300-01-01"],
     "as_of='2300-01-01' is outside 1900-2200: give the review date, such as as_of='2025-12-31'.",
     "--as-of '2300-01-01' is outside 1900-2200: give the review date, such as --as-of '2025-12-31'."),
    ({"as_of": "someday"}, ["--as-of", "someday"],
     "as_of='someday' is not a date: give one such as as_of='2025-12-31'.",
     "--as-of 'someday' is not a date: give one such as --as-of '2025-12-31'."),
    ({"date_format": "%Q"}, ["--date-format", "%Q"],
     "date_format='%Q' is not a valid date format ('Q' is a bad directive in format '%Q'). Use strptime codes, e.g. date_format='%d/%m/%Y'.",
     "--date-format '%Q' is not a valid date format ('Q' is a bad directive in format '%Q'). Use strptime codes, e.g. --date-format '%d/%m/%Y'."),
])
def test_bad_arguments_are_named_in_python_and_cli_spelling(options, argv, message, cli_message, tmp_path, capsys):
    with pytest.raises(InvalidArgumentError) as info:
        from_orders(BAD / "unparsable_dates.csv" if "date_format" in options else BAD / "bom.csv", **options)
    assert (str(info.value), message_for_cli(info.value)) == (message, cli_message)
    source = BAD / ("unparsable_dates.csv" if "date_format" in options else "bom.csv")
    assert main(["analyze", str(source), *argv, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"playbook analyze: error: {cli_message}\n"
    assert not (tmp_path / "o").exists()


def test_decimal_and_dayfirst_options_decide_what_detection_cannot(tmp_path, capsys):
    assert from_orders(BAD / "ambiguous_decimal_comma.csv", decimal=",").orders.amount.tolist() == [1.25, 2.5, 12.0]
    assert from_orders(BAD / "ambiguous_decimal_comma.csv", decimal=".").orders.amount.tolist() == [1250.0, 2500.0, 12.0]
    assert from_orders(BAD / "ambiguous_day_month.csv", dayfirst=False).orders.order_date.dt.month.tolist() == [3, 5]
    with pytest.raises(DataValidationError, match=r"1 date\(s\) cannot be read, e.g. line 2 \('01/13/2025'\)"):
        from_orders(FOREIGN / "month_first.csv", dayfirst=True)  # told day first: 13 is no month, never silently swapped
    with pytest.raises(InvalidArgumentError, match="'decimal' parameter of from_orders must be '.' or ','"):
        from_orders(BAD / "bom.csv", decimal=";")
    assert main(["analyze", str(BAD / "ambiguous_decimal_comma.csv"), "--decimal", ".", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["revenue"] == 3762.0


def test_frame_with_a_repeated_index_and_a_column_mapped_twice():
    raw = pd.DataFrame({"Kunde": ["a", "b", "c"], "Datum": ["2025-01-01", "2025-01-02", "bad"], "Betrag": [1.0, 2.0, 3.0]},
                       index=[7, 7, 7])
    mapping = {"customer_id": "Kunde", "order_date": "Datum", "amount": "Betrag"}
    with pytest.raises(DataValidationError, match=r"row 7 \('bad'\)"):
        from_orders(raw, mapping)
    base = from_orders(raw.iloc[:2], mapping)
    assert base.orders.customer_id.tolist() == ["a", "b"]
    with pytest.raises(InvalidArgumentError, match=r"columns= maps 'order_id' and 'customer_id' to the same column 'Kunde'"):
        from_orders(raw.iloc[:2], {**mapping, "order_id": "Kunde"})
    twice = pd.DataFrame([["a", "2025-01-01", 1.0, 2.0]], columns=["customer_id", "order_date", "amount", "amount "])
    with pytest.raises(DataValidationError, match=r"the header names the column 'amount' 2 times \(columns 3, 4\)"):
        from_orders(twice)


def test_refunds_kept_when_customers_net_negative(tmp_path, capsys):
    base = from_orders(FOREIGN / "net_negative_refunds.csv", refunds="keep")
    assert playbook.summarize(base.orders, base.as_of).shape[0] == 4
    assert main(["analyze", str(FOREIGN / "net_negative_refunds.csv"), "--refunds", "keep", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["customers_net_negative"] == 2 and 0 <= summary["pareto"]["gini"] <= 1
    with pytest.raises(DataValidationError, match="every order is a refund"):
        from_orders(BAD / "only_refunds.csv", refunds="keep")


def test_encoding_given_and_detected_are_noted():
    base = from_orders(FOREIGN / "cp1252_mueller.csv")
    assert base.orders.customer_id.iloc[0] == "Müller GmbH"
    assert from_orders(BAD / "gbk_or_cp1252.csv", encoding="gbk").orders.customer_id.tolist() == ["李"]
    assert "read as gbk (as asked)" in from_orders(BAD / "gbk_or_cp1252.csv", encoding="gbk").meta["notes"][0]
    assert "按 Windows-1252 读取" in from_orders(FOREIGN / "cp1252_mueller.csv", lang="zh").meta["notes"][0]


def test_big_csv_is_read_in_blocks_with_progress(tmp_path):
    n = 600_000
    ids = np.char.add("C", (np.arange(n) % 5000).astype(str))
    frame = pd.DataFrame({"customer_id": ids, "order_date": "2025-01-02", "amount": "12.50"})
    frame.to_csv(tmp_path / "big.csv", index=False)
    seen = []
    base = from_orders(tmp_path / "big.csv", progress=seen.append)
    assert len(base.orders) == n and base.orders.amount.sum() == 12.5 * n
    assert seen and all(re.fullmatch(r"read [\d,]+ lines of big\.csv \(\d+%\)(, about \d+ (s|min) left)?", m) for m in seen), seen
    with (tmp_path / "big.csv").open("a") as fh:
        fh.write("C1,2025-01-03,x\n")
    with pytest.raises(DataValidationError, match=rf"line {n + 2} \('x'\)"):
        from_orders(tmp_path / "big.csv")


def test_the_careful_reader_reports_progress_too(tmp_path):
    """A file the fast reader hands over (here not UTF-8) is read line by line in Python: it says how far it is."""
    n = 300_000
    frame = pd.DataFrame({"customer_id": np.char.add("Kunde-Müller-", (np.arange(n) % 700).astype(str)),
                          "order_date": "2025-01-02", "amount": "3.25"})
    frame.to_csv(tmp_path / "latin.csv", index=False, encoding="cp1252")
    seen = []
    base = from_orders(tmp_path / "latin.csv", progress=seen.append)
    assert len(base.orders) == n and base.orders.customer_id.nunique() == 700
    assert seen and all(re.fullmatch(r"read [\d,]+ lines of latin\.csv \(\d+%\)(, about \d+ (s|min) left)?", m) for m in seen), seen
    shares = [int(re.search(r"\((\d+)%", m).group(1)) for m in seen]
    assert shares == sorted(shares) and shares[-1] < 100


def test_a_refusal_as_the_user_runs_the_command(tmp_path):
    """`python -m playbook analyze` in a subprocess: exit 3, one line naming the file, column, line and limit; nothing written."""
    done = run_cli("analyze", str(BAD / "huge_amount.csv"), "--out", str(tmp_path / "o"))
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == f"playbook analyze: error: {ERRORS['huge_amount.csv']}"
    assert "Traceback" not in done.stderr and not (tmp_path / "o").exists()


def test_progress_says_the_time_left_once_it_can_be_estimated(monkeypatch):
    from playbook import byod

    notes = byod.ReadNotes("en")
    seen = []
    clock = [notes.started + 1.0]
    monkeypatch.setattr(byod.time, "monotonic", lambda: clock[0])
    byod._tell(seen.append, notes, 1000, "x.csv", 0.5)  # one second in: too early to say
    clock[0] = notes.started + 10.0
    byod._tell(seen.append, notes, 2000, "x.csv", 0.25)  # a quarter in 10 s: 30 s to go
    clock[0] = notes.started + 100.0
    byod._tell(seen.append, notes, 3000, "x.csv", 0.4)  # 40% in 100 s: 150 s = about 2 min
    assert seen == ["read 1,000 lines of x.csv (50%)", "read 2,000 lines of x.csv (25%), about 30 s left",
                    "read 3,000 lines of x.csv (40%), about 2 min left"]
    zh = byod.ReadNotes("zh")
    zh.started = notes.started
    said = []
    byod._tell(said.append, zh, 2000, "x.csv", 0.4)
    assert said == ["已读取 x.csv 的 2,000 行（40%），约还需 2 分钟"]
