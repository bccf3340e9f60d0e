"""Exercises 13.4 and 13.5: the action list of `playbook analyze` on the shipped messy export."""
import pytest

import playbook
from playbook import exercises as ex
from playbook.exercises import byod as ex_byod
from playbook.analyze import build_analysis
from playbook.byod import from_orders
from playbook.synth.messy import MESSY_AS_OF, MESSY_COLUMNS


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("PLAYBOOK_STRICT_EXERCISES", "0")
    ex.reset_attempts()


@pytest.fixture(scope="module")
def messy():
    path = playbook.dataset_path("messy_export") / "orders.csv"
    base = from_orders(path, MESSY_COLUMNS, refunds="keep", duplicates="drop", as_of=MESSY_AS_OF)
    return base, build_analysis(base, lang="en").actions


def test_13_4_names_the_lowest_regular_customer_and_takes_their_strategy(messy):
    base, actions = messy
    customer_id = ex.params_for("13.4", base)["customer_id"]
    regulars = actions[actions["tier"].isin(["key", "important"])]
    assert customer_id == regulars.index[-1] and actions.loc[customer_id, "clv"] == regulars["clv"].min()
    right = str(actions.loc[customer_id, "strategy"])
    passed = ex.check("13.4", right, base, customer_id=customer_id)
    assert passed.passed and actions.loc[customer_id, "reason"] in passed.message
    # worth asking only while the tier alone (protect, enhance) or the CLV alone (end) would mislead
    assert right not in ("protect", "enhance", "end")
    wrong = ex.check("13.4", "protect", base, customer_id=customer_id)
    assert not wrong.passed and "earlier rule" in wrong.message
    assert "earlier rule" in ex.check("13.4", "enhance", base, customer_id=customer_id).message
    assert "small CLV alone" in ex.check("13.4", "end", base, customer_id=customer_id).message
    for answer in (3, None, ["win_back"]):
        assert not ex.check("13.4", answer, base, customer_id=customer_id).passed
    assert "choose one of" in ex.check("13.4", "call them", base, customer_id=customer_id).message


def test_13_5_counts_warned_and_overdue_as_the_notebook_does(messy):
    base, actions = messy
    threshold = ex_byod._analysis().summary["churn"]["threshold"]  # the score's own warning line (50 for the model)
    right = int(((actions["risk"] >= threshold) & (actions["next_contact"] < base.as_of)).sum())
    assert 0 < right < len(actions)
    assert ex.check("13.5", right, base).passed
    overdue_only = int((actions["next_contact"] < base.as_of).sum())
    assert "keep only those with a churn warning" in ex.check("13.5", overdue_only, base).message
    warned_only = int((actions["risk"] >= threshold).sum())
    assert "keep only those overdue" in ex.check("13.5", warned_only, base).message
    assert "whole number" in ex.check("13.5", str(right), base).message
    assert not ex.check("13.5", right + 1, base).passed
