"""The playbook command line: generate, dictionary, exit codes."""
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from playbook.cli import main
from playbook.schema import TABLES, data_dictionary_markdown
from playbook.synth import generate

ROOT = Path(__file__).resolve().parent.parent


def test_generate_writes_manifest_with_checksums(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "out"), "--scenario", "b2b", "--customers", "30", "--seed", "9"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["tables"]["orders"]["rows"] > 0
    import hashlib

    data = (tmp_path / "out" / "orders.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["tables"]["orders"]["sha256"]
    assert "wrote" in capsys.readouterr().out


def test_generate_refuses_to_overwrite_exit_4(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("precious")
    assert main(["generate", str(out), "--customers", "50"]) == 4
    assert capsys.readouterr().err == (f"playbook generate: error: Output folder {out} already exists and is not empty; "
                                       "nothing was written. Choose another folder, or pass --overwrite to replace "
                                       "an earlier output of the kit.\n")
    assert (out / "mine.txt").read_text() == "precious"
    (tmp_path / "file").write_text("x")
    assert main(["generate", str(tmp_path / "file"), "--customers", "50"]) == 4
    assert "exists and is a file" in capsys.readouterr().err
    # --overwrite replaces only a dataset the kit wrote: a folder of the user's files is refused, nothing deleted.
    assert main(["generate", str(out), "--customers", "50", "--overwrite", "--quiet"]) == 4
    assert "is not a dataset written by playbook generate" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "precious"
    (out / "mine.txt").unlink()
    assert main(["generate", str(out), "--customers", "50", "--quiet"]) == 0
    first = (out / "orders.csv").read_bytes()
    assert main(["generate", str(out), "--customers", "50", "--seed", "1", "--overwrite", "--quiet"]) == 0
    assert (out / "orders.csv").read_bytes() != first and sorted(p.name for p in tmp_path.iterdir()) == ["file", "out"]


def test_generate_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "x"), "--scenario", "shop"]) == 2
    assert "'scenario'" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "x"), "--set", "b=lots"]) == 2
    assert not (tmp_path / "x").exists()


def test_console_script_runs():
    for module in ("playbook.cli", "playbook"):
        out = subprocess.run([sys.executable, "-m", module, "dictionary"], capture_output=True, text=True, check=True)
        assert out.stdout.startswith("# Data dictionary")


def test_generate_exit_codes_in_a_real_process(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "playbook", "generate", str(tmp_path / "x"), "--scenario", "shop"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("playbook generate: error: ")
    usage = subprocess.run([sys.executable, "-m", "playbook", "generate"], capture_output=True, text=True)
    assert usage.returncode == 2 and "the following arguments are required: out" in usage.stderr
    helped = subprocess.run([sys.executable, "-m", "playbook", "generate", "--help"], capture_output=True, text=True)
    assert "4    output folder exists (without --overwrite)" in helped.stdout


def test_data_dictionary_is_up_to_date():
    shipped = (ROOT / "datasets" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert shipped == data_dictionary_markdown(), "run `make dictionary`"
    for cols in TABLES.values():
        for c in cols:
            assert f"`{c.name}`" in shipped


def test_every_column_is_documented_and_present(retail, b2b):
    # The shipped datasets come from the default (realistic) process, which writes every column.
    for base in (retail, b2b):
        for t, df in base.items():
            assert list(df.columns) == [c.name for c in TABLES[t]], t
    # The classic process leaves out the optional truth columns, and nothing else.
    for scenario in ("retail", "b2b"):
        classic = generate(scenario, n_customers=60, seed=2, process="classic")
        for t, df in classic.items():
            assert list(df.columns) == [c.name for c in TABLES[t] if not c.optional], (scenario, t)


def test_realistic_truth_survives_a_round_trip_and_unknown_columns_are_refused(tmp_path):
    from playbook.data import read_dataset, write_dataset
    from playbook.errors import InvalidArgumentError

    base = generate("retail", n_customers=80, seed=3, process="realistic")
    back = read_dataset(write_dataset(base, tmp_path / "r"))
    assert sorted(back.truth.columns) == sorted(base.truth.columns)
    ns = "datetime64[ns]"
    assert back.truth["firm_gave_up_at"].astype(ns).equals(base.truth["firm_gave_up_at"].astype(ns))
    assert back.truth["firm_gave_up_at"].notna().any()
    assert back.truth["surveys_sent"].tolist() == base.truth["surveys_sent"].tolist()
    extra = base.truth.assign(my_note="x")
    with pytest.raises(InvalidArgumentError, match="'my_note'.*does not describe"):
        write_dataset(dataclasses.replace(base, truth=extra), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_dictionary_names_every_generated_code(retail, b2b):
    """Coded columns list their values in the dictionary; none may be left out."""
    spec = {(t, c.name): c.description for t, cols in TABLES.items() for c in cols}
    coded = [("interactions", "kind"), ("complaints", "cause"), ("complaints", "resolution"),
             ("orders", "product_line"), ("opportunities", "outcome"), ("leads", "source"), ("leads", "status")]
    for base in (retail, b2b):
        for table, col in coded:
            df = getattr(base, table)
            if df is None:
                continue
            for value in df[col].dropna().astype(str).unique():
                assert value in spec[(table, col)], f"{table}.{col}: {value!r} is not in the data dictionary"


def test_generate_takes_the_process(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "r"), "--customers", "60", "--seed", "4", "--process", "realistic"]) == 0
    truth = pd.read_csv(tmp_path / "r" / "truth.csv")
    assert {"dropout_clock", "firm_gave_up_at", "never_buyer"} <= set(truth.columns)
    assert main(["generate", str(tmp_path / "x"), "--customers", "60", "--process", "agent"]) == 2
    assert "'process' parameter of generate must be one of 'classic', 'realistic', 'bgnbd'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("bad", ["-0.1", "1.5", "thirty", "nan"])
def test_analyze_bad_margin_rate_exits_2_naming_the_option(tmp_path, capsys, bad):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_date,amount\na,2025-01-01,10\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", str(orders), "--out", str(tmp_path / "out"), f"--margin-rate={bad}"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --margin-rate: must be a number between 0 and 1" in err and repr(bad) in err
    assert not (tmp_path / "out").exists()


def test_analyze_margin_rate_reaches_summary_json(tmp_path, b2b):
    orders = tmp_path / "orders.csv"
    b2b.orders[["customer_id", "order_date", "amount"]].to_csv(orders, index=False)
    assert main(["analyze", str(orders), "--out", str(tmp_path / "out"), "--margin-rate", "0.25", "--quiet"]) == 0
    clv = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["clv"]
    assert clv["margin_rate"] == 0.25 and clv["margin_source"] == "margin rate" and clv["method"] == "bgnbd_gamma_gamma"


def test_analyze_language_follows_playbook_lang_unless_given(tmp_path, b2b, monkeypatch):
    """--lang defaults to $PLAYBOOK_LANG (as `playbook present` does), not to English; --lang wins over it."""
    orders = tmp_path / "orders.csv"
    b2b.orders[["customer_id", "order_date", "amount"]].to_csv(orders, index=False)
    monkeypatch.setenv("PLAYBOOK_LANG", "zh")
    assert main(["analyze", str(orders), "--out", str(tmp_path / "env"), "--quiet"]) == 0
    assert json.loads((tmp_path / "env" / "summary.json").read_text(encoding="utf-8"))["lang"] == "zh"
    assert main(["analyze", str(orders), "--out", str(tmp_path / "given"), "--lang", "en", "--quiet"]) == 0
    assert json.loads((tmp_path / "given" / "summary.json").read_text(encoding="utf-8"))["lang"] == "en"
    monkeypatch.delenv("PLAYBOOK_LANG")
    assert main(["analyze", str(orders), "--out", str(tmp_path / "unset"), "--quiet"]) == 0
    assert json.loads((tmp_path / "unset" / "summary.json").read_text(encoding="utf-8"))["lang"] == "en"


@pytest.mark.parametrize("command", [["--help"], ["analyze", "orders.csv", "--out", "x"], ["dictionary"]])
def test_bad_playbook_lang_is_one_line_exit_2(tmp_path, command):
    """A bad $PLAYBOOK_LANG stops every command with exit 2 and one line naming the variable, never a traceback."""
    run = subprocess.run([sys.executable, "-m", "playbook", *command], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PLAYBOOK_LANG": "cn"})
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [
        "playbook: error: The environment variable PLAYBOOK_LANG must be one of en, zh (or unset for English). "
        "Got 'cn'; unset it or set PLAYBOOK_LANG=zh for Chinese."]
    assert run.stdout == "" and not (tmp_path / "x").exists()
