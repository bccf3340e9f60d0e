"""Exercises of notebook 06 on the learner's own shop: what the parametrised checks of test_exercises_own_base.py
cannot say generically (the revenue share is the library's, the decisions name the rule order, the prediction holds
on every learner's shop)."""
import pytest

from playbook import exercises as ex

SEEDS = (7, 8, 1, 2, 3)


def test_the_revenue_share_is_what_buyer_consumer_split_reports(own_base, strict_check):
    from playbook.customer_types import buyer_consumer_split

    mine = own_base("06.1", 7)
    mix = buyer_consumer_split(mine, level="recipient")
    assert ex.REGISTRY["06.1"].solve(mine) == pytest.approx(float(mix.drop(index="self")["share_of_revenue"].sum()))
    # the notebook prints the share of orders: typed back, it is recognised
    assert "the measure the notebook prints" in strict_check("06.1", ex.REGISTRY["06.1"].mistakes[0][0](mine), mine)[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_06_5_names_a_customer_for_whom_the_order_of_the_rules_decides(own_base, strict_check, seed):
    from playbook.exercises.customer_types import _holding_rules, _second_rule

    mine = own_base("06.5", seed)
    who = ex.params_for("06.5", mine)
    held = _holding_rules(mine, **who)
    right = ex.REGISTRY["06.5"].solve(mine, **who)
    assert len(set(held)) > 1 and held[0] == right  # two rules with different answers hold; the first wins
    later = _second_rule(mine, **who)
    assert later in held and later != right
    passed, message = strict_check("06.5", later, mine, **who)
    assert not passed and "the first rule that holds wins" in message


@pytest.mark.parametrize("seed", SEEDS)
def test_06_6_a_single_right_flag_is_not_enough(own_base, strict_check, seed):
    mine = own_base("06.6", seed)
    who = ex.params_for("06.6", mine)
    right = ex.REGISTRY["06.6"].solve(mine, **who)
    assert len(right) >= 2  # the named customer carries several flags
    passed, message = strict_check("06.6", {sorted(right)[0]}, mine, **who)
    assert not passed and "the flags are not exclusive" in message
    assert strict_check("06.6", set(right), mine, **who)[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_06_7_a_lower_threshold_lowers_precision_on_every_learners_shop(own_base, strict_check, seed):
    mine = own_base("06.7", seed)
    assert ex.REGISTRY["06.7"].solve(mine) == "down"
    passed, message = strict_check("06.7", "up", mine)
    assert not passed and "On your shop: precision" in message
