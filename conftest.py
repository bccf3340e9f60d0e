# Docstring examples, tests and notebooks draw figures: non-interactive backend, closed after each test.
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
