"""playbook analyze: outputs, report, safety (formulas, escaping, atomic writes, --force) and the bad corpus end to end."""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import playbook
import playbook.churn
from playbook.analyze import OUTPUT_FILES, OutputFolderError, analyze, build_analysis
from playbook.byod import from_orders
from playbook.cli import main, parse_mapping
from playbook.errors import InvalidArgumentError
from playbook.i18n import label
from playbook.segment import top_share
from playbook.strategy import neutralise_formulas
from playbook.synth.messy import MESSY_AS_OF, MESSY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
MESSY = ROOT / "datasets" / "messy_export" / "orders.csv"
MESSY_MAP = ",".join(f"{k}={v}" for k, v in MESSY_COLUMNS.items())
CSV_COLUMNS = ["customer_id", "tier", "stage", "type", "risk", "clv", "strategy", "reason", "next_contact"]
# A resource the browser would fetch: src=, href= or url( pointing at the network.
NETWORK_LOAD = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|@import""", re.I)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_hashes(folder: Path) -> dict:
    return {p.name: sha(p) for p in sorted(folder.iterdir())}


def messy_args(out, *extra):
    return ["analyze", str(MESSY), "--map", MESSY_MAP, "--as-of", MESSY_AS_OF, "--refunds", "keep",
            "--duplicates", "drop", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    """The messy GBK export through the CLI, in process, with progress on stderr."""
    out = tmp_path_factory.mktemp("messy") / "analysis"
    before = sha(MESSY)
    code = main(messy_args(out))
    assert sha(MESSY) == before  # the input is only read
    return out, code


@pytest.fixture(scope="module")
def retail_run(tmp_path_factory):
    """orders.csv written from the retail dataset, analyzed in Chinese through the library."""
    folder = tmp_path_factory.mktemp("retail")
    orders = playbook.load_dataset("retail").orders
    src = folder / "orders.csv"
    orders.to_csv(src, index=False)
    before = sha(src)
    messages = []
    out = analyze(src, as_of="2025-12-31", out=folder / "analysis", lang="zh", progress=messages.append)
    assert sha(src) == before
    return out, orders, src, messages


# ----------------------------------------------------------------------------- happy paths

def test_messy_export_through_the_cli(messy_run, capsys):
    out, code = messy_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    base = from_orders(MESSY, MESSY_COLUMNS, refunds="keep", duplicates="drop", as_of=MESSY_AS_OF)
    n = base.orders["customer_id"].nunique()
    table = pd.read_parquet(out / "action_list.parquet")
    assert len(table) == n and table["customer_id"].is_unique
    assert set(table["customer_id"]) == set(base.orders["customer_id"])
    raw = (out / "action_list.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Chinese correctly
    csv = pd.read_csv(out / "action_list.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(csv.columns) == CSV_COLUMNS and len(csv) == n
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"] == {"name": "orders.csv", "sha256": sha(MESSY)}
    assert summary["made_by"] == "playbook analyze" and summary["kit_version"] == playbook.__version__
    assert summary["customers"] == n and summary["orders"] == len(base.orders)
    assert summary["revenue"] == pytest.approx(base.orders["amount"].sum(), abs=0.01)
    assert summary["as_of"] == MESSY_AS_OF and summary["notes"] == base.meta["notes"]
    assert summary["files"]["action_list.csv"] == {"sha256": sha(out / "action_list.csv"), "rows": n}
    assert summary["files"]["report.html"]["sha256"] == sha(out / "report.html")
    assert sum(t["customers"] for t in summary["tiers"].values()) == n
    assert sum(summary["strategies"].values()) == n
    assert sum(s["customers"] for s in summary["rfm_segments"].values()) == n
    assert summary["follow_up"]["overdue"] == sum(summary["follow_up"]["overdue_by_tier"].values())


def test_retail_report_has_every_section_and_loads_nothing(retail_run):
    out, orders, _, messages = retail_run
    n = orders["customer_id"].nunique()
    assert len(pd.read_parquet(out / "action_list.parquet")) == n
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    per_customer = orders.groupby("customer_id", observed=True)["amount"].sum()
    assert summary["pareto"]["top_20_percent_revenue_share"] == pytest.approx(top_share(per_customer, 0.2), abs=1e-4)
    assert summary["churn"]["high_risk"] <= n and set(summary["churn"]["top_reasons"]) <= (
        set(playbook.churn.SIGNALS) | set(playbook.churn.MODEL_GROUPS))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    for key in ("report_title", "report_headline", "pareto", "report_tiers", "report_rfm", "churn_risk",
                "report_strategy_mix", "report_overdue", "report_top_clv", "report_method"):
        assert f">{label(key, 'zh')}<" in page, key
    assert not NETWORK_LOAD.search(page) and "<script" not in page.lower() and "http" not in page
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', page)
    assert len(images) == 5
    for data, alt in images:
        assert base64.b64decode(data).startswith(b"\x89PNG") and len(alt) > 10
    assert len(page) < 1_500_000  # summaries only: no row per customer
    assert page.count("<tr>") < 80
    reasons = pd.read_csv(out / "action_list.csv", encoding="utf-8-sig")["reason"]
    assert reasons.str.contains(r"[\u4e00-\u9fff]").all()  # Chinese reasons with --lang zh
    notes = summary["notes"]  # how the file was read, in the report's language too
    assert notes == ["orders.csv：按 UTF-8 读取。"] and f"<li>{notes[0]}</li>" in page
    assert [m.split()[0] for m in messages] == ["reading", "reducing", "read", "drawing", "writing", "done:"]


def test_english_report_and_headline_numbers(messy_run):
    out, _ = messy_run
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert '<html lang="en">' in page and f">{label('report_title', 'en')}<" in page
    assert f"{summary['customers']:,}" in page and f"{summary['orders']:,}" in page
    assert f"{summary['pareto']['top_20_percent_revenue_share']:.0%}" in page
    assert not NETWORK_LOAD.search(page) and "<script" not in page.lower()


def test_frame_input_and_build_analysis(b2b, tmp_path):
    out = analyze(b2b.orders, out=tmp_path / "b2b")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"] == {"name": None, "sha256": None}
    a = build_analysis(from_orders(b2b.orders))
    assert len(a.actions) == len(a.customers) == b2b.orders["customer_id"].nunique()
    with pytest.raises(InvalidArgumentError, match="CustomerBase"):
        build_analysis(b2b.orders)
    with pytest.raises(InvalidArgumentError, match="'lang'"):
        analyze(b2b.orders, out=tmp_path / "x", lang="fr")
    assert not (tmp_path / "x").exists()


def _strict_json(path):
    """summary.json parsed with NaN/Infinity refused (strict JSON)."""
    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_no_margin_column_uses_the_stated_margin_rate(b2b, tmp_path):
    from playbook.value import DEFAULT_MARGIN_RATE

    orders = b2b.orders[["customer_id", "order_date", "amount"]]
    out = analyze(orders, out=tmp_path / "o")
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = _strict_json(out / "summary.json")
    clv = summary["clv"]
    assert clv["margin_source"] == "margin rate" and clv["margin_rate"] == DEFAULT_MARGIN_RATE
    assert clv["method"] == "bgnbd_gamma_gamma" and clv["fallback_reason"] is None
    assert clv["horizon_days"] == 365 and clv["discount"] == 0.1
    assert label("report_top_clv", "en") in page
    assert label("report_method_no_margin", "en").format(rate=DEFAULT_MARGIN_RATE) in page
    assert any("no margin column" in n for n in summary["notes"])
    table = pd.read_parquet(out / "action_list.parquet").set_index("customer_id")
    recent = orders.loc[orders["order_date"] > b2b.as_of - pd.Timedelta(days=365)].groupby("customer_id")["amount"].sum()
    spent = recent.reindex(table.index, fill_value=0.0)
    # Never 0 for everyone: every customer who bought in the last year has a positive expected margin (only
    # long-silent frequent buyers, whom BG/NBD takes for gone, round to 0), and the list is ordered by it.
    assert (table.loc[spent > 0, "clv"] > 0).all() and (table["clv"] > 0).mean() > 0.9
    assert table["clv"].is_monotonic_decreasing
    # Ordered sensibly: customers who spent more last year are expected to bring more margin next year.
    assert table["clv"].corr(spent, method="spearman") > 0.5
    # The rate scales the CLV and nothing else.
    half = build_analysis(from_orders(orders), margin_rate=DEFAULT_MARGIN_RATE / 2).actions["clv"]
    assert half.reindex(table.index).to_numpy() == pytest.approx(table["clv"].to_numpy() / 2, abs=0.011)


def test_margin_column_wins_over_the_rate(b2b, tmp_path):
    plain = build_analysis(from_orders(b2b.orders))
    out = analyze(b2b.orders, out=tmp_path / "m", margin_rate=0.9)
    summary = _strict_json(out / "summary.json")
    assert summary["clv"]["margin_source"] == "margin column" and summary["clv"]["margin_rate"] is None
    assert summary["clv"]["margin_rate_ignored"] is True and not plain.summary["clv"]["margin_rate_ignored"]
    assert any("margin rate given was ignored" in n for n in summary["notes"])
    assert label("report_method_margin_ignored", "en") in (out / "report.html").read_text(encoding="utf-8")
    table = pd.read_parquet(out / "action_list.parquet").set_index("customer_id")["clv"]
    assert table.to_numpy() == pytest.approx(plain.actions["clv"].reindex(table.index).to_numpy())


def test_too_few_repeat_buyers_take_the_named_fallback(tmp_path):
    # 20 customers, 10 of whom came back: too few repeat buyers to fit BG/NBD + Gamma-Gamma.
    rows = []
    for i in range(20):
        rows.append((f"c{i:02d}", pd.Timestamp("2025-01-05") + pd.Timedelta(days=9 * i), 100.0 + 10 * i))
        if i % 2:
            rows.append((f"c{i:02d}", pd.Timestamp("2025-06-01") + pd.Timedelta(days=5 * i), 50.0 + 5 * i))
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    out = analyze(orders, as_of="2025-12-31", out=tmp_path / "few", margin_rate=0.4)
    summary = _strict_json(out / "summary.json")
    clv = summary["clv"]
    assert clv["method"] == "historical_margin" and "repeat buyers" in clv["fallback_reason"]
    assert clv["margin_rate"] == 0.4 and clv["repeat_buyers"] == 10
    assert "repeat buyers" in (out / "report.html").read_text(encoding="utf-8")
    table = pd.read_parquet(out / "action_list.parquet").set_index("customer_id")["clv"]
    # Last year's margin carried over the year and discounted to its middle: never from the risk score.
    last_year = orders.groupby("customer_id")["amount"].sum() * 0.4 / 1.1 ** 0.5
    assert table.to_numpy() == pytest.approx(last_year.reindex(table.index).to_numpy(), abs=0.011)
    assert (table > 0).all()


def test_bad_margin_rate_is_refused_before_any_work(b2b, tmp_path):
    for bad in (-0.1, 1.5, "0.3", float("nan"), True):
        with pytest.raises(InvalidArgumentError, match="'margin_rate'"):
            analyze(b2b.orders, out=tmp_path / "bad", margin_rate=bad)
    assert not (tmp_path / "bad").exists()


# ----------------------------------------------------------------------------- hostile text

def test_hostile_customer_ids_are_escaped_and_neutralised(b2b, tmp_path):
    orders = b2b.orders.copy()
    orders["customer_id"] = orders["customer_id"].astype(str)
    top = build_analysis(from_orders(orders)).actions.index[:4]  # the top of the report's CLV list
    evil = ["<script>alert(1)</script>", '=HYPERLINK("http://x")', "+1", "@SUM(A1)"]
    orders["customer_id"] = orders["customer_id"].replace(dict(zip(top, evil)))
    out = analyze(orders, out=tmp_path / "evil")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://x&quot;)" in page and not NETWORK_LOAD.search(page)
    csv = pd.read_csv(out / "action_list.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    ids = set(csv["customer_id"])
    assert {"'" + e for e in evil[1:]} <= ids and not ids & set(evil[1:])
    assert "<script>alert(1)</script>" in ids  # not a formula: left as it is
    assert not csv.drop(columns="customer_id").apply(lambda c: c.str.match(r"^[=+@\-]")).to_numpy().any()
    assert set(evil) <= set(pd.read_parquet(out / "action_list.parquet")["customer_id"])  # Parquet keeps the values


def test_neutralise_formulas_covers_text_categories_and_index():
    t = pd.DataFrame({"reason": ["=1+1", "fine", None], "tier": pd.Categorical(["-x", "key", "key"]),
                      "n": [-1, 2, 3], "when": pd.to_datetime(["2025-01-01"] * 3), "empty": [None, None, None]},
                     index=pd.Index(["@a", "b", "\tc"], name="customer_id"))
    safe = neutralise_formulas(t)
    assert safe["reason"].iloc[:2].tolist() == ["'=1+1", "fine"] and pd.isna(safe["reason"].iloc[2])
    assert safe["reason"].dtype == t["reason"].dtype
    assert safe["tier"].astype(str).tolist() == ["'-x", "key", "key"]
    assert safe.index.tolist() == ["'@a", "b", "'\tc"] and safe.index.name == "customer_id"
    assert safe["n"].tolist() == [-1, 2, 3] and (safe["when"].to_numpy() == t["when"].to_numpy()).all()
    assert t["reason"].iloc[0] == "=1+1" and t.index[0] == "@a"  # the caller's frame is untouched
    with pytest.raises(InvalidArgumentError, match="DataFrame"):
        neutralise_formulas(["=1"])


def test_neutralise_formulas_sees_through_full_width_and_invisible_prefixes_and_drops_nul():
    cells = ["＝1+1", "＋1", "－1", "＠SUM(A1)", "\u200b=1", "\ufeff+1", "\xa0-1", " @x", "\u3000=1", "\n=1", "\x00=1",
             "a\x00b", "a-b", "C1", "客户 =1"]
    safe = neutralise_formulas(pd.DataFrame({"id": cells, "kind": pd.Categorical(cells)}))
    expected = ["'" + c for c in cells[:10]] + ["'=1", "ab", "a-b", "C1", "客户 =1"]
    assert safe["id"].tolist() == expected and safe["kind"].astype(str).tolist() == expected


def test_python_api_refusals_name_the_argument_and_the_cli_option(tmp_path):
    from playbook.errors import message_for_cli

    out = tmp_path / "o"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    with pytest.raises(OutputFolderError) as info:
        analyze(BAD / "bom.csv", out=out)
    assert "pass force=True to replace" in str(info.value) and "pass --force to replace" in message_for_cli(info.value)
    with pytest.raises(OutputFolderError, match=r"it has no summary.json written by playbook \(it holds 'mine.txt'\)") as info:
        analyze(BAD / "bom.csv", out=out, force=True)
    assert "--force replaces only a folder the kit wrote" in message_for_cli(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"] and os.listdir(out) == ["mine.txt"]


def test_summary_json_is_strict_and_names_a_non_finite_figure():
    from playbook.analyze import _summary_json

    assert json.loads(_summary_json({"revenue": 1.5, "tiers": {"key": {"share": None}}})) == {"revenue": 1.5, "tiers": {"key": {"share": None}}}
    with pytest.raises(RuntimeError, match=r"pareto\.gini = nan\); nothing was written .*a bug in the kit"):
        _summary_json({"revenue": 1.0, "pareto": {"gini": float("nan")}})
    with pytest.raises(RuntimeError, match=r"revenue = inf"):
        _summary_json({"revenue": float("inf")})


# ----------------------------------------------------------------------------- output folder safety

def test_existing_output_needs_force(messy_run, tmp_path, capsys):
    out = tmp_path / "a"
    shutil.copytree(messy_run[0], out)
    before = folder_hashes(out)
    assert main(messy_args(out, "--quiet", "--lang", "zh")) == 4
    err = capsys.readouterr().err
    assert err == (f"playbook analyze: error: Output folder {out} already exists and is not empty; nothing was written. "
                   "Choose another folder, or pass --force to replace an earlier output of the kit.\n")
    assert folder_hashes(out) == before
    assert main(messy_args(out, "--quiet", "--lang", "zh", "--force")) == 0
    assert '<html lang="zh">' in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no temporary or old folder left


def test_force_never_deletes_files_it_did_not_write(messy_run, tmp_path, capsys):
    out = tmp_path / "mine"
    shutil.copytree(messy_run[0], out)
    (out / "notes.txt").write_text("precious")
    assert main(messy_args(out, "--quiet", "--force")) == 4
    assert "it holds 'notes.txt', which playbook did not write" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "precious"
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(MESSY, data / "orders.csv")
    before = sha(data / "orders.csv")
    for target in (data, tmp_path):
        args = ["analyze", str(data / "orders.csv"), "--map", MESSY_MAP, "--out", str(target), "--force", "--quiet"]
        assert main(args) == 4
        assert "contains the input file orders.csv" in capsys.readouterr().err
    assert main(["analyze", str(data / "orders.csv"), "--out", str(data / "orders.csv"), "--quiet"]) == 4
    assert "exists and is a file" in capsys.readouterr().err
    assert sha(data / "orders.csv") == before and sorted(p.name for p in data.iterdir()) == ["orders.csv"]


def test_an_interrupted_write_leaves_the_old_output(messy_run, tmp_path, monkeypatch, capsys):
    out = tmp_path / "a"
    shutil.copytree(messy_run[0], out)
    before = folder_hashes(out)

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    import pyarrow.parquet as pq

    monkeypatch.setattr(pq.ParquetWriter, "write_table", broken)  # the action list's Parquet file, half written
    with pytest.raises(RuntimeError, match="disk on fire"):
        analyze(MESSY, columns=MESSY_COLUMNS, refunds="keep", duplicates="drop", out=out, force=True)
    assert folder_hashes(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert main(messy_args(tmp_path / "b", "--quiet")) == 1
    err = capsys.readouterr().err
    assert err == ("playbook analyze: error: unexpected RuntimeError: disk on fire. This is a bug in the kit: please report "
                   "it with the command you ran and the traceback that --debug prints.\n")  # one line, no traceback
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no partial folder


def test_unwritable_output_exit_4(tmp_path, capsys, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", no_space)
    assert main(["analyze", str(BAD / "bom.csv"), "--out", str(tmp_path / "o"), "--quiet"]) == 4
    assert capsys.readouterr().err.startswith(f"playbook analyze: error: Cannot write the output folder {tmp_path / 'o'}: No space left")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputFolderError):
        analyze(BAD / "bom.csv", out=tmp_path / "o")


# ----------------------------------------------------------------------------- the bad corpus, end to end

@pytest.mark.parametrize("name", sorted(EXPECTED["errors"]))
def test_bad_corpus_through_the_cli(name, tmp_path, capsys):
    before = sha(BAD / name)
    options = [a for k, v in EXPECTED["options"].get(name, {}).items() for a in (f"--{k.replace('_', '-')}", str(v))]
    code = main(["analyze", str(BAD / name), "--as-of", EXPECTED["as_of"], *options, "--out", str(tmp_path / "out"), "--quiet"])
    captured = capsys.readouterr()
    message = EXPECTED["cli_errors"].get(name, EXPECTED["errors"][name])
    assert (code, captured.err, captured.out) == (3, f"playbook analyze: error: {message}\n", "")
    assert sha(BAD / name) == before and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(EXPECTED["parses"]))
def test_corpus_files_that_load_are_analyzed(name, tmp_path, capsys):
    assert main(["analyze", str(BAD / name), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert any(EXPECTED["parses"][name]["note"] in n for n in summary["notes"])
    assert summary["orders"] == len(EXPECTED["parses"][name]["amounts"])
    assert len(pd.read_parquet(tmp_path / "out" / "action_list.parquet")) == summary["customers"]


def test_options_reach_the_loader(tmp_path, capsys):
    ok = main(["analyze", str(BAD / "negative_amount.csv"), "--refunds", "drop", "--out", str(tmp_path / "d"), "--quiet"])
    assert ok == 0
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["orders"] == 1
    assert main(["analyze", str(BAD / "gbk.csv"), "--map", "customer_id=客户,order_date=日期,amount=金额",
                 "--encoding", "utf-8", "--out", str(tmp_path / "g"), "--quiet"]) == 3
    assert "cannot be read as 'utf-8'" in capsys.readouterr().err
    assert main(["analyze", str(BAD / "gbk.csv"), "--map", "customer_id=客户,order_date=日期,amount=金额",
                 "--out", str(tmp_path / "g"), "--quiet"]) == 0


# ----------------------------------------------------------------------------- arguments

def test_map_parsing():
    assert parse_mapping("customer_id=Kunde, Nr,order_date = Datum,amount=Betrag (CNY)") == {
        "customer_id": "Kunde, Nr", "order_date": "Datum", "amount": "Betrag (CNY)"}


@pytest.mark.parametrize("text, message", [
    ("customer_id", "--map takes KIT=YOUR_COLUMN pairs separated by commas; 'customer_id' has no '='."),
    ("kunde=Kunde", "--map: 'kunde' is not a kit column name"),
    ("custmer_id=Kunde", "Did you mean 'customer_id'?"),
    ("amount=", "--map: amount= names no column"),
    ("amount=a,amount=b", "--map gives 'amount' twice"),
])
def test_map_errors_exit_2(text, message, tmp_path, capsys):
    assert main(["analyze", str(MESSY), "--map", text, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playbook analyze: error: ") and message in err and len(err.splitlines()) == 1
    if "kit column" in message:
        assert "order_id, customer_id, order_date, amount, discount, margin, channel" in err
    assert not (tmp_path / "o").exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    for argv in (["analyze", str(MESSY)], ["analyze", str(MESSY), "--out", "x", "--lang", "fr"],
                 ["analyze", str(MESSY), "--out", "x", "--refunds", "ignore"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "playbook analyze: error:" in capsys.readouterr().err
    assert main(["analyze", str(BAD / "bom.csv"), "--as-of", "yesterday", "--out", str(tmp_path / "o")]) == 2
    assert "--as-of 'yesterday' is not a date: give one such as --as-of '2025-12-31'." in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "No file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_progress_lines_and_quiet(tmp_path, capsys):
    assert main(["analyze", str(BAD / "bom.csv"), "--out", str(tmp_path / "p")]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert all(re.match(r"playbook analyze: \[\s*\d+\.\d+s\] ", line) for line in lines)
    assert [line.split("] ")[1].split()[0] for line in lines] == ["reading", "reducing", "read", "drawing", "writing", "done:"]
    assert out == f"wrote {tmp_path / 'p'}: action_list.csv, action_list.parquet, report.html, summary.json\n"


# ----------------------------------------------------------------------------- a real process

def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "playbook", *args], capture_output=True, text=True, cwd=cwd,
                          env={**__import__("os").environ, "MPLBACKEND": "Agg"})


def test_subprocess_exit_codes_and_stderr(tmp_path):
    bad = run("analyze", str(BAD / "nan_amount.csv"), "--out", str(tmp_path / "o"))
    assert bad.returncode == 3 and bad.stdout == ""
    assert bad.stderr.splitlines()[-1] == f"playbook analyze: error: {EXPECTED['errors']['nan_amount.csv']}"
    usage = run("analyze", str(MESSY), "--out", str(tmp_path / "o"), "--map", "customer_id")
    assert usage.returncode == 2 and usage.stderr.startswith("playbook analyze: error: --map takes")
    argparse_usage = run("analyze", "--lang", "xx")
    assert argparse_usage.returncode == 2 and "invalid choice" in argparse_usage.stderr
    help_ = run("analyze", "--help")
    assert help_.returncode == 0 and "exit codes:" in help_.stdout and "--force" in help_.stdout
    assert not (tmp_path / "o").exists()


def test_subprocess_happy_path_then_refusal(tmp_path):
    out = tmp_path / "report"
    ok = run(*messy_args(out), "--lang", "zh")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"wrote {out}") and "scoring them" in ok.stderr
    again = run(*messy_args(out), "--quiet")
    assert again.returncode == 4 and again.stderr.startswith(f"playbook analyze: error: Output folder {out} already exists")
    assert np.isclose(json.loads((out / "summary.json").read_text(encoding="utf-8"))["revenue"],
                      from_orders(MESSY, MESSY_COLUMNS, refunds="keep", duplicates="drop").orders["amount"].sum())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_analysis_notes_speak_the_analysis_language(b2b, lang):
    # the margin notes are labels: a Chinese report carries no English sentence of the kit's own
    from playbook.value import DEFAULT_MARGIN_RATE

    no_margin = build_analysis(from_orders(b2b.orders[["customer_id", "order_date", "amount"]], lang=lang), lang=lang)
    ignored = build_analysis(from_orders(b2b.orders, lang=lang), lang=lang, margin_rate=0.9)
    assert label("analyze.note.margin_rate", lang).format(rate=DEFAULT_MARGIN_RATE) in no_margin.summary["notes"]
    assert label("analyze.note.margin_ignored", lang) in ignored.summary["notes"]
    other = "zh" if lang == "en" else "en"
    assert label("analyze.note.margin_ignored", other) not in ignored.summary["notes"]
    if lang == "zh":
        assert f"{DEFAULT_MARGIN_RATE:.0%}" in no_margin.summary["notes"][-1] and "毛利" in no_margin.summary["notes"][-1]
