import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def retail():
    import playbook

    return playbook.load_dataset("retail")


@pytest.fixture(scope="session")
def b2b():
    import playbook

    return playbook.load_dataset("b2b")
