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


# Learners' own bases (issue 19): every exercise test that needs `generate(..., seed=MY_SEED)` shares one cache.

@pytest.fixture(scope="session")
def generated():
    """``generated(scenario, n_customers, seed)``: a learner's base, generated once per session."""
    from playbook.synth import generate

    cache = {}

    def get(scenario, n_customers, seed):
        if (scenario, n_customers, seed) not in cache:
            cache[scenario, n_customers, seed] = generate(scenario, n_customers=n_customers, seed=seed)
        return cache[scenario, n_customers, seed]

    return get


@pytest.fixture(scope="session")
def own_base(generated):
    """``own_base(exercise_id, seed)``: the base the exercise's notebook builds with ``MY_SEED = seed``."""
    from playbook import exercises as ex

    def get(exercise_id, seed):
        own = ex.REGISTRY[exercise_id].own
        assert own is not None, f"exercise {exercise_id} declares no own base"
        return generated(own.scenario, own.n_customers, seed)

    return get


@pytest.fixture
def strict_check(monkeypatch):
    """``ex.check`` in strict mode, as in CI, returning ``(passed, message)``: a wrong answer raises, and its
    message is in the error. The hint ladders start again for the test."""
    from playbook import exercises as ex

    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "1")
    ex.reset_attempts()

    def run(*args, **kwargs):
        try:
            return True, repr(ex.check(*args, **kwargs))
        except AssertionError as error:
            return False, str(error)

    return run
