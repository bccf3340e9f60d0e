"""The report drawn by a second process (:mod:`playbook.report_process`) is the page drawn here, and any failure
of that process falls back to drawing here: the second process can change the time, never the files."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import playbook
from playbook import report_process
from playbook.analyze import analyze, build_analysis
from playbook.report import inputs_of, page_html

COLUMNS = {"customer_id": "customer", "order_date": "date", "amount": "amount"}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """A small orders export in the shape an analyst brings (CSV, own column names)."""
    orders = playbook.load_dataset("retail").orders
    path = tmp_path_factory.mktemp("export") / "orders.csv"
    orders[["customer_id", "order_date", "amount"]].set_axis(["customer", "date", "amount"], axis=1).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_child_draws_the_page_drawn_here(lang):
    inputs = inputs_of(build_analysis(playbook.load_dataset("retail"), lang=lang))
    with report_process.ReportProcess() as drawer:
        page = drawer.page(inputs, "orders.csv")
    assert page is not None
    assert page == page_html(inputs, source="orders.csv")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_command_writes_the_same_files_with_or_without_the_second_process(export, tmp_path, lang):
    fresh = subprocess.run([sys.executable, "-c", "import sys; from playbook import report_process; "
                            f"print(report_process.wanted({export.stat().st_size}))"], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == str((os.cpu_count() or 1) > 1)  # a fresh command uses it on this export
    folders = {}
    for setting in ("1", "0"):
        folders[setting] = tmp_path / f"out{setting}"
        env = {**os.environ, "PLAYBOOK_REPORT_PROCESS": setting}
        subprocess.run([sys.executable, "-m", "playbook", "analyze", str(export), "--map",
                        "customer_id=customer,order_date=date,amount=amount", "--out", str(folders[setting]), "--quiet",
                        "--lang", lang], env=env, check=True, capture_output=True)
    for name in playbook.analyze.OUTPUT_FILES:
        assert (folders["1"] / name).read_bytes() == (folders["0"] / name).read_bytes(), name


@pytest.mark.parametrize("child", ["import sys; sys.exit(3)", "import os; os._exit(0)",
                                   "import sys; sys.stdout.buffer.write(b'\\xff\\xfe'); sys.exit(0)"])
def test_a_failing_child_gives_no_page(monkeypatch, child):
    monkeypatch.setattr(report_process, "_CHILD", child)
    inputs = inputs_of(build_analysis(playbook.load_dataset("b2b"), lang="en"))
    with report_process.ReportProcess() as drawer:
        page = drawer.page(inputs, None)
    assert page is None


def test_close_stops_a_child_that_was_not_asked():
    drawer = report_process.ReportProcess()
    child = drawer._child
    drawer.close()
    assert child.poll() is not None


def test_a_slow_child_is_stopped_and_gives_no_page(monkeypatch):
    monkeypatch.setattr(report_process, "_CHILD", "import time; time.sleep(60)")
    drawer = report_process.ReportProcess()
    child = drawer._child
    start = time.perf_counter()
    assert drawer.page({"small": "inputs"}, None, timeout=1.0) is None
    assert time.perf_counter() - start < 30 and child.poll() is not None


def test_analyze_draws_here_when_the_child_fails(monkeypatch, export, tmp_path):
    here = analyze(export, columns=COLUMNS, out=tmp_path / "here", lang="en")
    monkeypatch.setattr(report_process, "_CHILD", "import sys; sys.exit(3)")
    used = []

    def failing(size):
        used.append(size)
        return report_process.ReportProcess()

    monkeypatch.setattr(report_process, "start", failing)
    fell_back = analyze(export, columns=COLUMNS, out=tmp_path / "fell_back", lang="en")
    assert used == [export.stat().st_size]
    for name in playbook.analyze.OUTPUT_FILES:
        assert (here / name).read_bytes() == (fell_back / name).read_bytes(), name


def test_ahead_is_taken_by_start_or_stopped_on_leaving(monkeypatch, export):
    monkeypatch.setattr(report_process, "wanted", lambda size, environ=None: size is not None)
    with report_process.ahead(export):
        early = report_process._ahead
        assert isinstance(early, report_process.ReportProcess)
        assert report_process.start(None) is early  # taken, whatever the size
        assert report_process.start(None) is None  # only once
        early.close()
    with report_process.ahead(export):
        child = report_process._ahead._child
    assert report_process._ahead is None and child.wait(timeout=30) is not None
    with report_process.ahead(export.parent / "no such file.csv"):
        assert report_process._ahead is None


def test_wanted_only_where_it_helps(monkeypatch):
    monkeypatch.delitem(sys.modules, "seaborn", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert report_process.wanted(1000, environ={})
    assert not report_process.wanted(None, environ={})  # a frame, not a file
    assert not report_process.wanted(report_process.MAX_BYTES + 1, environ={})  # big: the imports are a small share
    assert not report_process.wanted(1000, environ={"PLAYBOOK_REPORT_PROCESS": "0"})
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not report_process.wanted(1000, environ={})
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setitem(sys.modules, "seaborn", object())  # already imported here: nothing to gain
    assert not report_process.wanted(1000, environ={})
