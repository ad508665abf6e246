"""Money on an order: what is due now arriving marks it paid, a repeated provider event
is recorded once, refunds (part or all), cancelling closes the order's open cases, and an
order with money received cannot be deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.models import Case, Order, OrderEvent, Payment
from voiceapp.models.orders import CANCELLED, PAID, PENDING, REFUNDED
from voiceapp.services.orders import actions, payments
from voiceapp.services.orders.auto_cancel import cancel_if_due, due_timestamp

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent")


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager")


def fresh(dbs, order_id) -> Order:
    dbs.expire_all()
    return dbs.get(Order, order_id)


def pay(dbs, order, amount, **kwargs):
    payment = payments.record_payment(
        dbs,
        order.id,
        amount=Decimal(amount),
        method=kwargs.pop("method", "demo"),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )
    dbs.commit()
    return payment


def test_the_whole_total_received_marks_a_single_payment_order_paid(dbs, agent):
    order = take_order(dbs, agent, now=NOW)
    pay(dbs, order, "100.00")
    assert fresh(dbs, order.id).status == PENDING  # 19.00 still missing
    pay(dbs, order, "19.00", now=NOW + timedelta(hours=1))
    order = fresh(dbs, order.id)
    assert (order.status, order.paid_at, order.auto_cancel_at) == (
        PAID,
        NOW + timedelta(hours=1),
        None,
    )
    texts = [e.text for e in order.events]
    assert "pending -> paid (paid)" in texts


def test_the_first_instalment_received_marks_an_instalment_order_paid(dbs, agent):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    order = take_order(dbs, agent, product=product, plan={"kind": "instalments"}, now=NOW)
    assert payments.due_now(dbs, order) == Decimal("39.00")
    pay(dbs, order, "39.00")
    assert fresh(dbs, order.id).status == PAID
    state = payments.order_standing(dbs, fresh(dbs, order.id), NOW + timedelta(days=45))
    assert [paid for _due, paid in state.dues] == [True, False, False]
    assert [due.number for due in state.overdue] == [2]


def test_the_same_provider_event_twice_is_recorded_once(dbs, agent):
    order = take_order(dbs, agent, now=NOW)
    assert pay(dbs, order, "119.00", provider_ref="cs_test_1") is not None
    assert pay(dbs, order, "119.00", provider_ref="cs_test_1") is None
    assert dbs.scalar(select(func.count(Payment.id))) == 1


def test_money_arriving_after_the_auto_cancel_is_kept_and_the_order_paid_again(dbs, agent):
    order = take_order(dbs, agent, now=NOW)
    due = fresh(dbs, order.id).auto_cancel_at
    assert cancel_if_due(dbs, order.id, due_timestamp(due), now=due)
    dbs.commit()
    assert fresh(dbs, order.id).status == CANCELLED
    pay(dbs, order, "119.00", now=due + timedelta(minutes=5))
    order = fresh(dbs, order.id)
    assert order.status == PAID
    assert any("paid after it was cancelled" in e.text for e in order.events)


def test_a_partial_refund_keeps_the_order_paid_and_a_full_one_refunds_it(dbs, agent, manager):
    order = take_order(dbs, agent, now=NOW)
    pay(dbs, order, "119.00")
    payments.refund(dbs, order.id, amount=Decimal("19.00"), actor=manager, now=NOW, reason="late")
    dbs.commit()
    assert fresh(dbs, order.id).status == PAID
    with pytest.raises(payments.PaymentError):
        payments.refund(dbs, order.id, amount=Decimal("100.01"), actor=manager, now=NOW)
    dbs.rollback()
    payments.refund(dbs, order.id, actor=manager, now=NOW)
    dbs.commit()
    order = fresh(dbs, order.id)
    assert order.status == REFUNDED
    amounts = payments.order_amounts(dbs, order, NOW)
    assert (amounts.income, amounts.expenses) == (Decimal("119.00"), Decimal("119.00"))
    with pytest.raises(payments.PaymentError):
        pay(dbs, order, "1.00")


def test_cancelling_closes_the_orders_open_follow_up_case(dbs, agent, manager):
    order = take_order(dbs, agent, now=NOW)
    follow_up = dbs.scalar(select(Case).where(Case.order_id == order.id))
    assert follow_up is not None and follow_up.status == "open"
    actions.cancel(dbs, order.id, actor=manager, now=NOW, reason="customer changed their mind")
    dbs.commit()
    dbs.expire_all()
    assert dbs.get(Case, follow_up.id).status == "closed"
    assert fresh(dbs, order.id).cancel_reason == "customer changed their mind"


def test_the_auto_cancel_closes_the_follow_up_case_too(dbs, agent):
    order = take_order(dbs, agent, now=NOW)
    due = fresh(dbs, order.id).auto_cancel_at
    cancel_if_due(dbs, order.id, due_timestamp(due), now=due)
    dbs.commit()
    dbs.expire_all()
    case = dbs.scalar(select(Case).where(Case.order_id == order.id))
    assert (case.status, case.close_reason) == ("closed", "order cancelled")


def test_a_paid_order_cannot_be_deleted_or_cancelled_but_an_unpaid_one_can(dbs, agent, manager):
    paid = take_order(dbs, agent, now=NOW)
    pay(dbs, paid, "119.00")
    with pytest.raises(actions.OrderActionError):
        actions.delete(dbs, paid.id, actor=manager, now=NOW)
    with pytest.raises(actions.OrderActionError):
        actions.cancel(dbs, paid.id, actor=manager, now=NOW)
    dbs.rollback()
    unpaid = take_order(dbs, agent, now=NOW)
    actions.delete(dbs, unpaid.id, actor=manager, now=NOW)
    dbs.commit()
    assert fresh(dbs, unpaid.id) is None
    assert fresh(dbs, paid.id).status == PAID
    assert (
        dbs.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.order_id == unpaid.id)) == 0
    )


def test_moving_the_auto_cancel_date_is_logged_and_the_past_is_refused(dbs, agent, manager):
    order = take_order(dbs, agent, now=NOW)
    with pytest.raises(payments.PaymentError):
        actions.set_auto_cancel(dbs, order.id, NOW - timedelta(days=1), actor=manager, now=NOW)
    dbs.rollback()
    actions.set_auto_cancel(dbs, order.id, None, actor=manager, now=NOW)
    dbs.commit()
    order = fresh(dbs, order.id)
    assert order.auto_cancel_at is None
    assert order.events[-1].text == "auto-cancel switched off"


def test_a_full_refund_closes_the_orders_open_cases_and_a_partial_one_does_not(dbs, agent, manager):
    order = take_order(dbs, agent, now=NOW)
    pay(dbs, order, "119.00")
    follow_up = dbs.scalar(select(Case).where(Case.order_id == order.id))
    payments.refund(dbs, order.id, amount=Decimal("19.00"), actor=manager, now=NOW)
    dbs.commit()
    dbs.expire_all()
    assert dbs.get(Case, follow_up.id).status == "open"
    payments.refund(dbs, order.id, actor=manager, now=NOW, reason="returned")
    dbs.commit()
    dbs.expire_all()
    case = dbs.get(Case, follow_up.id)
    assert (case.status, case.close_reason) == ("closed", "order refunded")
    assert case.events[-1].summary == f"Closed: order refunded ({order.number})"
