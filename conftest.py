# Docstring examples, tests and notebooks draw figures: non-interactive backend, closed after each test.
import json
import os
import time
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")



# `--doctest-modules` would import every conftest.py as a module, and the two under tests/
# share a basename; they hold fixtures, not examples.
collect_ignore = ["tests/conftest.py", "tests/browser/conftest.py"]
# The old topic-module names kept one release as shims (`deprecation.moved_module`) make the old
# name the new module itself, so pytest's doctest collection would see one module under two files;
# their doctests are collected once, under the new name. tests/test_layout.py checks the shims.
collect_ignore += [f"playbook/{package}/{old}.py" for package, old in
                   [("charts", "pareto"), ("charts", "types"), ("widgets", "pareto"), ("widgets", "types"),
                    ("exercises", "pareto"), ("exercises", "synthetic")]]


# The real-browser tests (tests/browser) leave their timings and screenshot folder in a JSON
# file; it is printed here, in the root conftest, because under xdist only the controller
# prints and it never loads tests/browser/conftest.py.
_BROWSER_RESULTS = "browser-results.json"
_STARTED = pytest.StashKey[float]()


def browser_screenshot_dir() -> Path:
    """$PLAYBOOK_SCREENSHOTS, else editions/screenshots in the repository (git-ignored)."""
    chosen = os.environ.get("PLAYBOOK_SCREENSHOTS")
    return Path(chosen).resolve() if chosen else Path(__file__).resolve().parent / "editions" / "screenshots"


@pytest.fixture(scope="session")
def browser_results_file() -> Path:
    """Where the real-browser tests leave their timings for the summary below (beside the screenshots)."""
    return browser_screenshot_dir() / _BROWSER_RESULTS


def pytest_sessionstart(session):
    session.config.stash[_STARTED] = time.time()


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):
        return
    path = browser_screenshot_dir() / _BROWSER_RESULTS
    if not path.exists() or path.stat().st_mtime < config.stash.get(_STARTED, time.time()):
        return  # no browser test ran in this session
    data = json.loads(path.read_text(encoding="utf-8"))
    terminalreporter.section("real browser: notebooks run, widgets moved")
    for r in data["results"]:
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in r["phases"].items())
        terminalreporter.write_line(f"{r['mode']:<11} {r['notebook']:<32} {phases}")
        for move in r["moves"]:
            terminalreporter.write_line(f"{'':<44} {move}")
    for leak in data["leaks"]:
        terminalreporter.write_line(f"warning: {leak}")
    terminalreporter.write_line(f"screenshots: {data['screenshots']}")
