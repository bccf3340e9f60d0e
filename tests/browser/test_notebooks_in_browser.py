"""Every notebook in a real browser (headless Debian Chromium driven by playwright).

JupyterLab: Run All, no cell ends in an error, and a widget really redraws its chart.
Voila (presentation mode, PLAYBOOK_PRESENT=1, Chinese edition): the notebook renders with
no code and no error shown, and a widget redraws. One module, so that xdist's ``loadfile``
keeps every browser test on one worker with one set of servers (see conftest.py).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from browser_widgets import cjk_text_in, drive_explorers, error_texts_in, scroll_to_explorer

# ---------------------------------------------------------------- JupyterLab
OPEN_TIMEOUT_MS = 120_000
RUN_ALL_TIMEOUT_MS = 420_000

# The notebook is open, its kernel idle and Run All enabled (Run All too early flakes).
_READY = """
(path) => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path || !panel.context.isReady) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && app.commands.isEnabled('notebook:run-all-cells');
}
"""

_RUN_ALL = """
() => {
  window.__runAll = null;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
      ok => { window.__runAll = {ok: ok}; }, err => { window.__runAll = {ok: false, error: String(err)}; });
}
"""

_KERNEL_IDLE = """
() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;
        return !!s.session && !!s.session.kernel && s.session.kernel.status === 'idle'; }
"""

# Every code cell: was it run, and did it end in an error (cells tagged raises-exception may)?
_CELL_REPORT = r"""
() => {
  const report = {code: 0, unexecuted: [], errors: []};
  window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, i) => {
    const model = cell.model;
    if (model.type !== 'code') return;
    report.code += 1;
    if (model.executionCount === null) report.unexecuted.push(i + 1);
    const tags = model.getMetadata('tags') || [];
    for (let j = 0; j < model.outputs.length; j++) {
      const out = model.outputs.get(j).toJSON();
      if (out.output_type === 'error' && !tags.includes('raises-exception')) {
        const trace = (out.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
        report.errors.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}\n${trace.slice(-2500)}`);
      }
    }
  });
  return report;
}
"""


def _run_all(page) -> dict:
    page.evaluate(_RUN_ALL)
    page.wait_for_function("() => window.__runAll !== null", timeout=RUN_ALL_TIMEOUT_MS, polling=250)
    page.wait_for_function(_KERNEL_IDLE, timeout=RUN_ALL_TIMEOUT_MS, polling=250)
    return page.evaluate("() => window.__runAll")


def test_notebook_in_jupyterlab(notebook, lab_server, notebook_page):
    page, path = notebook_page.page, f"{notebook}.ipynb"
    notebook_page.cleanups.append(
        lambda: page.evaluate("() => window.jupyterapp && window.jupyterapp.serviceManager.sessions.shutdownAll()"))
    notebook_page.open(lab_server.page_url(notebook), wait_until="domcontentloaded")
    page.wait_for_function(_READY, arg=path, timeout=OPEN_TIMEOUT_MS, polling=250)
    ready_s = notebook_page.elapsed()
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")

    outcome = _run_all(page)
    run_s = notebook_page.elapsed() - ready_s
    cells = page.evaluate(_CELL_REPORT)
    assert cells["code"] > 0, f"{notebook}: JupyterLab shows no code cell"
    assert not cells["errors"], f"{notebook}: cells ended in an error in JupyterLab:\n" + "\n\n".join(cells["errors"])
    assert outcome["ok"], f"{notebook}: Run All did not succeed in JupyterLab: {outcome}"
    assert not cells["unexecuted"], f"{notebook}: code cells {cells['unexecuted']} were not run by Run All"

    moves = drive_explorers(page, notebook, "JupyterLab")
    scroll_to_explorer(page)
    notebook_page.screenshot()
    notebook_page.record({"ready": ready_s, "run all": run_s}, moves)


test_notebook_in_jupyterlab.MODE = "jupyterlab"


# ---------------------------------------------------------------- Voila

# The slowest notebook (09) renders in about 45 s on a busy 2-core machine.
RENDER_TIMEOUT_MS = 150_000

# Voila has executed every cell (its spinner is gone), the page has loaded, and every widget
# placeholder has been turned into a live view.
_DONE = """
() => document.readyState === 'complete' && !document.getElementById('loading')
      && document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length === 0
"""
_WIDGETS_SHOW = "() => document.querySelector('.widget-output img, .widget-output table, .widget-output pre') !== null"
WIDGETS_TIMEOUT_MS = 30_000

_STATUS = """
() => ({ready: document.readyState, loading: (document.getElementById('loading_text') || {}).innerText || null,
        pending_widgets: document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length,
        widget_outputs: document.querySelectorAll('.widget-output').length})
"""

# Code shown anywhere: input areas of code cells, prompts, or an editor.
_CODE_SHOWN = """
() => ({code_cells: document.querySelectorAll('.jp-CodeCell').length,
        inputs: document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .cm-editor, .CodeMirror').length})
"""


@pytest.fixture(scope="module")
def chinese_edition(voila_server) -> bool:
    """True when the kit starts in Chinese under the Voila server's PLAYBOOK_LANG=zh (then captions must be Chinese)."""
    probe = "import playbook.i18n as i; print(i.get_language())"
    done = subprocess.run([sys.executable, "-c", probe], env=voila_server.env, capture_output=True, text=True, timeout=120)
    return done.returncode == 0 and done.stdout.strip() == "zh"


def test_notebook_in_voila(notebook, voila_server, notebook_page, chinese_edition):
    page = notebook_page.page
    # Leaving the page fires Voila's beforeunload handler, which shuts the notebook's kernel down.
    notebook_page.cleanups.append(lambda: page.goto("about:blank"))
    notebook_page.open(voila_server.page_url(notebook), wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    # One attempt: the notebooks no longer move widgets from code cells (the cells that made
    # Voila's executor stall on a known Voila/nbclient race), so a hang is now a failure.
    try:
        page.wait_for_function(_DONE, timeout=RENDER_TIMEOUT_MS, polling=250)
    except Exception as exc:  # playwright TimeoutError: say where Voila stopped and what it logged
        status = page.evaluate(_STATUS)
        errors = error_texts_in(page)
        page.goto("about:blank")
        voila_server.kill_kernels()  # a stalled kernel would outlive the test and slow the next notebooks
        raise AssertionError(f"{notebook}: Voila did not finish within {RENDER_TIMEOUT_MS / 1000:.0f} s: {status}; "
                             f"errors on the page: {errors}\nVoila's log:\n{voila_server.log_tail()}") from exc
    errors = error_texts_in(page)
    assert not errors, f"{notebook}: Voila shows errors:\n" + "\n\n".join(errors) + f"\nVoila's log:\n{voila_server.log_tail()}"
    try:
        page.wait_for_function(_WIDGETS_SHOW, timeout=WIDGETS_TIMEOUT_MS, polling=100)
    except Exception as exc:  # playwright TimeoutError
        raise AssertionError(f"{notebook}: Voila finished but no widget Output shows a chart, table or text "
                             f"after {WIDGETS_TIMEOUT_MS / 1000:.0f} s: {page.evaluate(_STATUS)}") from exc
    render_s = notebook_page.elapsed()

    shown = page.evaluate(_CODE_SHOWN)
    assert shown["code_cells"] > 0, f"{notebook}: Voila shows no code cell output at all"
    assert shown["inputs"] == 0, f"{notebook}: Voila shows code ({shown['inputs']} input areas or editors); it must be hidden"

    moves = drive_explorers(page, notebook, "Voila")
    if chinese_edition:
        assert cjk_text_in(page, 0), (f"{notebook}: PLAYBOOK_LANG=zh but the explorer's captions, options and "
                                      "tables show no Chinese character")
    scroll_to_explorer(page)
    notebook_page.screenshot()
    notebook_page.record({"rendered": render_s}, moves)

    # Closing the page must end its kernel, with XSRF protection on (playbook present sets the
    # cookie Voila's shutdown request carries); otherwise every page view in class keeps one.
    page.goto("about:blank")
    assert voila_server.wait_for_no_kernels(), (f"{notebook}: Voila still runs the page's kernel after the page "
                                                f"closed; its log:\n{voila_server.log_tail()}")


test_notebook_in_voila.MODE = "voila"
