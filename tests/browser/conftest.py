"""Fixtures for the real-browser tests: JupyterLab and Voila on 127.0.0.1, one headless Chromium.

The servers run on a temporary copy of ``notebooks/`` (JupyterLab autosaves: a browser run
must never write outputs into the repository), with the kernel's inline backend, and are
stopped with every kernel they started. A missing Chromium is a failure, never a skip.
Screenshots go to ``$PLAYBOOK_SCREENSHOTS`` or a temporary folder; the folder and every
widget's response time are printed in pytest's terminal summary.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))

CHROMIUM_MISSING = "Chromium not found: run `bash scripts/ensure_chromium.sh` (or: apt-get install -y chromium)"
PLAYWRIGHT_MISSING = "The playwright package is missing: run `pip install -e '.[dev]'` (never `playwright install`)"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 120
VOILA_CELL_TIMEOUT_S = 240
KERNEL_SHUTDOWN_TIMEOUT_S = 20

_RESULTS = pytest.StashKey[list]()
_CALL_FAILED = pytest.StashKey[bool]()
_LEAKS = pytest.StashKey[list]()

# JupyterLab user settings for tests: every cell rendered (no windowing, so widgets are in
# the DOM to find), and no news or update pop-ups over the screenshots.
_LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
}
_LAB_CONFIG = """\
c.LabApp.expose_app_in_browser = True
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
"""


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        metafunc.parametrize("notebook", NOTEBOOKS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    return report


def _write_results(config, path: Path) -> None:
    """Leave the timings where the xdist controller (another process) can print them."""
    data = {"results": config.stash[_RESULTS], "leaks": config.stash[_LEAKS], "screenshots": str(path.parent)}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A Jupyter server process (JupyterLab or Voila) in its own process group, logging to a file."""

    name: str
    argv: list[str]
    env: dict
    cwd: Path
    log_path: Path
    port: int
    ready_path: str
    page_path: str
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, notebook: str) -> str:
        """Where a browser opens ``notebook`` (a file name without .ipynb) on this server."""
        return self.url + self.page_path.format(notebook=notebook)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> Server:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with code {self.proc.returncode} before answering on {self.url}; "
                            f"its log ({self.log_path}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"{self.name} did not answer on {self.url}{self.ready_path} within {SERVER_START_TIMEOUT_S} s; "
                    f"its log ({self.log_path}):\n{self.log_tail()}")

    def kernel_pids(self) -> set[int]:
        """Processes the server started (kernels run in their own session, out of its process group)."""
        import psutil

        try:
            return {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def wait_for_no_kernels(self, timeout_s: float = KERNEL_SHUTDOWN_TIMEOUT_S) -> bool:
        """Wait until every kernel the server started has exited; False if one is still running."""
        deadline = time.monotonic() + timeout_s
        while self.kernel_pids():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def kill_kernels(self) -> int:
        """Kill every kernel the server started (a stalled one would outlive its page); returns how many."""
        import psutil

        killed = 0
        for pid in self.kernel_pids():
            try:
                psutil.Process(pid).kill()
                killed += 1
            except psutil.NoSuchProcess:
                pass
        return killed

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down), then kill whatever it left behind."""
        import psutil

        if self.proc is None or self.proc.poll() is not None:
            return
        children = self.kernel_pids()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in children:
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass


def _server_env(config_dir: Path, runtime_dir: Path, **extra: str) -> dict:
    env = dict(os.environ)
    # make test exports MPLBACKEND=Agg; kernels must keep the inline backend, or no chart is sent.
    env.pop("MPLBACKEND", None)
    env.update(PYTHONHASHSEED="0", PLAYBOOK_STRICT_EXERCISES="1", JUPYTER_CONFIG_DIR=str(config_dir),
               JUPYTER_RUNTIME_DIR=str(runtime_dir), **extra)
    return env


@pytest.fixture(scope="session")
def browser_workdir(tmp_path_factory) -> Path:
    """Two temporary copies of notebooks/ (``lab/``, ``voila/``) plus private Jupyter config and runtime folders.

    Each server has its own copy: JupyterLab saves outputs into its files while Voila may be
    reading the same notebook.
    """
    root = tmp_path_factory.mktemp("browser")
    for name in ("lab", "voila"):
        shutil.copytree(NOTEBOOK_DIR, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    config = root / "jupyter_config"
    for name, settings in _LAB_SETTINGS.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")
    (config / "jupyter_lab_config.py").write_text(_LAB_CONFIG, encoding="utf-8")
    (root / "runtime").mkdir()
    return root


@pytest.fixture(scope="session")
def lab_server(browser_workdir):
    """JupyterLab on 127.0.0.1 without token or password, serving the copied notebooks."""
    port = free_port()
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={browser_workdir / 'lab'}"]
    env = _server_env(browser_workdir / "jupyter_config", browser_workdir / "runtime")
    # ?reset: open the notebook alone, not the tabs an earlier page left in the saved workspace.
    server = Server("JupyterLab", argv, env, browser_workdir, browser_workdir / "jupyterlab.log", port,
                    ready_path="/api/status", page_path="/lab/tree/{notebook}.ipynb?reset")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila_server(browser_workdir):
    """``playbook present`` (what `make present` runs) in Chinese on the copied notebooks.

    XSRF protection stays on: the page's own kernel shutdown must work as it does for a
    trainer. A stuck cell is reported on the page by Voila itself after VOILA_CELL_TIMEOUT_S.
    """
    port = free_port()
    argv = [sys.executable, "-m", "playbook", "present", str(browser_workdir / "voila"), "--no-browser",
            f"--port={port}", "--lang=zh", "--", f"--VoilaExecutor.timeout={VOILA_CELL_TIMEOUT_S}"]
    env = _server_env(browser_workdir / "jupyter_config", browser_workdir / "runtime", PLAYBOOK_LANG="zh")
    server = Server("Voila", argv, env, browser_workdir, browser_workdir / "voila.log", port,
                    ready_path="/", page_path="/voila/render/{notebook}.ipynb")
    server.start()
    yield server
    server.stop()


def find_chromium() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, else `chromium` on PATH, when it answers --version."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            done = subprocess.run([candidate, "--version"], capture_output=True, timeout=60)
            if done.returncode == 0:
                return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright gives it a fresh temporary profile)."""
    executable = find_chromium()
    if executable is None:
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(PLAYWRIGHT_MISSING, pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def screenshot_dir(request, browser_results_file) -> Path:
    """Where each notebook's screenshot goes: $PLAYBOOK_SCREENSHOTS, else editions/screenshots."""
    folder = browser_results_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    request.config.stash[_RESULTS] = []
    request.config.stash[_LEAKS] = []
    yield folder
    _write_results(request.config, browser_results_file)


@dataclass
class NotebookPage:
    """A page in its own browser context for one notebook; knows where its screenshot goes."""

    context: object
    page: object
    notebook: str
    mode: str
    shots: Path
    results: list
    started: float | None = None
    prefetched: bool = False
    cleanups: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # printed in the run's summary

    def open(self, url: str, **goto_kwargs) -> None:
        """Go to ``url`` and start the clock, unless the page was opened there ahead of the test."""
        if not self.prefetched:
            self.started = time.monotonic()
            self.page.goto(url, **goto_kwargs)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def screenshot(self, *, failed: bool = False, full_page: bool = False) -> Path:
        path = self.shots / f"{self.mode}-{self.notebook}{'-FAILED' if failed else ''}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def record(self, phases: dict, moves: list) -> None:
        self.results.append({"mode": self.mode, "notebook": self.notebook, "phases": phases,
                             "moves": [m.describe() for m in moves]})


class VoilaPrefetch:
    """Voila pages opened while the same notebook runs in JupyterLab, so the two executions overlap.

    Voila runs a notebook on the server as soon as its page is requested; the Voila test
    then takes the page over (tests are ordered JupyterLab, then Voila, notebook by notebook).
    """

    def __init__(self, browser):
        self.browser = browser
        self.pages: dict[str, tuple] = {}

    def start(self, notebook: str, server: Server) -> None:
        context = new_context(self.browser)
        page = context.new_page()
        started = time.monotonic()
        try:
            page.goto(server.page_url(notebook), wait_until="commit", timeout=60_000)
        except Exception:  # the Voila test opens its own page instead
            context.close()
            return
        self.pages[notebook] = (context, page, started)

    def take(self, notebook: str):
        return self.pages.pop(notebook, None)

    def close_all(self) -> None:
        for context, page, _ in self.pages.values():
            try:
                page.goto("about:blank")
            finally:
                context.close()
        self.pages.clear()


def new_context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    return context


def _browser_test_key(item):
    mode = getattr(getattr(item, "function", None), "MODE", None)
    callspec = getattr(item, "callspec", None)
    if mode is None or callspec is None or "notebook" not in callspec.params:
        return None
    return callspec.params["notebook"], mode != "jupyterlab"


def pytest_collection_modifyitems(session, config, items):
    """Order the browser tests notebook by notebook, JupyterLab before Voila (see VoilaPrefetch)."""
    slots = [i for i, item in enumerate(items) if _browser_test_key(item) is not None]
    for i, item in zip(slots, sorted((items[i] for i in slots), key=_browser_test_key)):
        items[i] = item


@pytest.fixture(scope="session")
def voila_prefetch(browser):
    prefetch = VoilaPrefetch(browser)
    yield prefetch
    prefetch.close_all()


_SERVER_FIXTURE = {"jupyterlab": "lab_server", "voila": "voila_server"}


@pytest.fixture
def notebook_page(request, browser, screenshot_dir, voila_prefetch, notebook):
    """A fresh browser context and page for one notebook.

    On failure a ``-FAILED`` screenshot is saved before the page closes; then the page's kernel
    is shut down (the test registers how in ``cleanups``) and the fixture waits until it is gone.
    """
    mode = request.function.MODE
    server = request.getfixturevalue(_SERVER_FIXTURE[mode])
    prefetched = voila_prefetch.take(notebook) if mode == "voila" else None
    if prefetched:
        context, page, started = prefetched
    else:
        context, started = new_context(browser), None
        page = context.new_page()
    nbpage = NotebookPage(context, page, notebook, mode, screenshot_dir, request.config.stash[_RESULTS],
                          started=started, prefetched=prefetched is not None, warnings=request.config.stash[_LEAKS])
    if mode == "jupyterlab" and any(_browser_test_key(item) == (notebook, True) for item in request.session.items):
        voila_prefetch.start(notebook, request.getfixturevalue("voila_server"))
    yield nbpage
    try:
        if request.node.stash.get(_CALL_FAILED, False):
            path = nbpage.screenshot(failed=True)
            print(f"screenshot of the failure: {path}")
        for cleanup in nbpage.cleanups:
            cleanup()
    finally:
        context.close()
    if not server.wait_for_no_kernels():
        request.config.stash[_LEAKS].append(f"{mode} {notebook}: its kernel still runs "
                                            f"{KERNEL_SHUTDOWN_TIMEOUT_S} s after the page closed")
