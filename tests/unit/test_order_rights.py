"""domain.order_rights: who may act on an order, and what an order's state offers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from voiceapp.domain import order_rights as r

UNPAID = r.OrderFacts(
    status="pending",
    confirmed=False,
    plan_kind="single",
    received=Decimal("0.00"),
    any_payment_received=False,
    pending_payments=False,
    outstanding=Decimal("119.00"),
)
PAID = replace(
    UNPAID,
    status="paid",
    received=Decimal("119.00"),
    any_payment_received=True,
    outstanding=Decimal("0.00"),
)


@pytest.mark.parametrize("action", r.ORDER_ACTIONS)
def test_managers_and_admins_may_do_everything(action):
    assert r.may("admin", action) and r.may("sales_manager", action)


def test_an_agent_writes_notes_deletes_their_own_and_cancels_what_they_sold():
    assert r.may("agent", r.ADD_NOTE)
    assert r.may("agent", r.DELETE_NOTE, wrote_it=True)
    assert not r.may("agent", r.DELETE_NOTE, wrote_it=False)
    assert r.may("agent", r.CANCEL, sold_it=True)
    assert not r.may("agent", r.CANCEL, sold_it=False)
    money = (r.CONFIRM, r.REFUND, r.DELETE, r.RECORD_PAYMENT, r.MARK_RECEIVED, r.AUTO_CANCEL)
    for action in (*money, r.AUTO_PAYMENTS):
        assert not r.may("agent", action, sold_it=True), action


def test_an_unknown_action_is_a_mistake_not_a_no():
    with pytest.raises(ValueError):
        r.may("admin", "launch")


def test_an_unpaid_order_offers_confirm_cancel_delete_a_payment_and_its_date():
    assert r.offered(UNPAID) >= {r.CONFIRM, r.CANCEL, r.DELETE, r.RECORD_PAYMENT, r.AUTO_CANCEL}
    assert r.REFUND not in r.offered(UNPAID)


def test_a_paid_order_is_refunded_never_cancelled_or_deleted():
    offered = r.offered(PAID)
    assert r.REFUND in offered and r.CONFIRM in offered
    assert not offered & {r.CANCEL, r.DELETE, r.AUTO_CANCEL, r.RECORD_PAYMENT}


def test_a_cancelled_order_with_money_once_received_is_kept():
    cancelled = replace(UNPAID, status="cancelled", any_payment_received=True)
    assert r.DELETE not in r.offered(cancelled)
    assert r.DELETE in r.offered(replace(cancelled, any_payment_received=False))


def test_a_refunded_order_takes_no_more_money():
    refunded = replace(PAID, status="refunded", received=Decimal("0.00"), pending_payments=True)
    assert not r.offered(refunded) & {r.RECORD_PAYMENT, r.MARK_RECEIVED, r.REFUND, r.CONFIRM}


def test_a_subscription_takes_prepayments_when_nothing_is_outstanding():
    assert r.RECORD_PAYMENT in r.offered(replace(PAID, plan_kind="subscription"))
    assert r.is_prepayment("subscription") and r.is_prepayment("instalments")
    assert not r.is_prepayment("single")


def test_a_confirmed_order_is_not_offered_confirm_again():
    assert r.CONFIRM not in r.offered(replace(UNPAID, confirmed=True))


def test_what_an_agent_is_shown_on_an_unpaid_order_they_sold():
    assert r.allowed("agent", UNPAID, sold_it=True) == {r.CANCEL, r.ADD_NOTE}
    assert r.allowed("agent", UNPAID, sold_it=False) == {r.ADD_NOTE}
