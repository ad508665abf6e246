"""The commission split rule (domain.commissions), alone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from voiceapp.domain.commissions import (
    SALES_MANAGER,
    SALES_TEAM,
    Earner,
    Manager,
    due_at,
    payment_net,
    split,
)
from voiceapp.domain.money import round_money

D = Decimal


def test_the_seeds_worked_example_holds_to_the_cent():
    result = split(
        D("1000.00"),
        "EUR",
        team_share_percent=D("10"),
        seller=Earner(1, D("1")),
        team=[],
        share_across_team=False,
        managers=[Manager(2, D("10"))],
    )
    assert [(s.user_id, s.reason, s.amount) for s in result.shares] == [
        (1, SALES_TEAM, D("100.00")),
        (2, SALES_MANAGER, D("10.00")),
    ]
    assert result.team_commission == D("100.00")
    assert result.vendor == D("890.00")


def test_a_beginners_payout_factor_pays_them_less_and_the_manager_on_what_they_get():
    result = split(
        D("1000.00"),
        "EUR",
        team_share_percent=D("10"),
        seller=Earner(1, D("0.5")),
        team=[],
        share_across_team=False,
        managers=[Manager(2, D("10"))],
    )
    assert [s.amount for s in result.shares] == [D("50.00"), D("5.00")]
    assert result.vendor == D("945.00")


def test_team_sharing_splits_evenly_then_applies_each_factor_and_rounding_goes_to_the_vendor():
    team = [Earner(1, D("1")), Earner(2, D("1")), Earner(3, D("0.5"))]
    result = split(
        D("100.00"),
        "EUR",
        team_share_percent=D("10"),
        seller=team[0],
        team=team,
        share_across_team=True,
        managers=[],
    )
    # 10.00 / 3 = 3.333..: 3.33, 3.33, and half of it 1.67 (half up).
    assert [(s.user_id, s.reason, s.amount) for s in result.shares] == [
        (1, SALES_TEAM, D("3.33")),
        (2, SALES_TEAM, D("3.33")),
        (3, SALES_TEAM, D("1.67")),
    ]
    assert result.vendor == D("91.67")


def test_no_seller_and_no_sharing_earns_nobody_anything():
    result = split(
        D("50.00"),
        "EUR",
        team_share_percent=D("10"),
        seller=None,
        team=[],
        share_across_team=False,
        managers=[Manager(2, D("10"))],
    )
    assert result.shares == ()
    assert result.vendor == D("50.00")


def test_a_currency_without_cents_rounds_to_whole_units():
    result = split(
        D("1001"),
        "JPY",
        team_share_percent=D("10"),
        seller=Earner(1, D("1")),
        team=[],
        share_across_team=False,
        managers=[],
    )
    assert result.shares[0].amount == D("100")
    assert result.vendor == D("901")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        split(
            1000.0,
            "EUR",
            team_share_percent=D("10"),
            seller=None,
            team=[],
            share_across_team=False,
            managers=[],
        )


def test_a_payment_earns_on_its_own_net_part():
    assert payment_net(D("119.00"), D("100.00"), D("119.00"), "EUR") == D("100.00")
    assert payment_net(D("39.00"), D("100.00"), D("119.00"), "EUR") == D("32.77")
    assert payment_net(D("10.00"), D("0.00"), D("0.00"), "EUR") == D("0.00")


def test_a_commission_falls_due_after_the_withdrawal_period():
    paid = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert due_at(paid, 14) == datetime(2026, 3, 15, 10, tzinfo=UTC)


cents = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)
percent = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
factor = st.decimals(min_value=D("0"), max_value=D("1"), places=4)


@settings(max_examples=300, deadline=None)
# Found by a CI run: a net in cents, in yen.
@example(
    net=D("3.72"),
    share=D("13.86"),
    factors=[D("0.9698")],
    seller_index=0,
    share_across_team=False,
    manager_percents=[],
    currency="JPY",
)
@given(
    net=cents,
    share=percent,
    factors=st.lists(factor, min_size=1, max_size=40),
    seller_index=st.integers(min_value=0, max_value=39),
    share_across_team=st.booleans(),
    manager_percents=st.lists(percent, max_size=3),
    currency=st.sampled_from(["EUR", "USD", "JPY", "BHD"]),
)
def test_the_parts_always_add_up_exactly_to_the_net(
    net, share, factors, seller_index, share_across_team, manager_percents, currency
):
    team = [Earner(i + 1, f) for i, f in enumerate(factors)]
    seller = team[seller_index % len(team)]
    managers = [Manager(100 + i, p) for i, p in enumerate(manager_percents)]
    result = split(
        net,
        currency,
        team_share_percent=share,
        seller=seller,
        team=team,
        share_across_team=share_across_team,
        managers=managers,
    )
    parts = sum((s.amount for s in result.shares), D(0)) + result.vendor
    assert parts == result.net
    exponent = D(1).scaleb(-{"EUR": 2, "USD": 2, "JPY": 0, "BHD": 3}[currency]).as_tuple().exponent
    for amount in [s.amount for s in result.shares] + [result.vendor]:
        assert amount.as_tuple().exponent == exponent
    # Nobody's share beats what the team earns; each manager earns their percent of what
    # the members were paid (a zero share is left out).
    # (Of the net in the currency's unit: 3.72 is 4 JPY; and within one unit, the rounding:
    # 13.86 % of 4 JPY is 0.55, paid as 1 JPY.)
    team_commission = result.net * share / 100
    unit = D(1).scaleb(exponent)
    members = [s for s in result.shares if s.reason == SALES_TEAM]
    assert all(s.amount <= team_commission + unit for s in members)
    members_paid = sum((s.amount for s in members), D(0))
    got = {s.user_id: s.amount for s in result.shares if s.reason == SALES_MANAGER}
    for manager in managers:
        expected = round_money(members_paid * manager.percent / 100, currency)
        assert got.get(manager.user_id, round_money(D(0), currency)) == expected
