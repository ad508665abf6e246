"""Subscriptions from confirmed requests: active or scheduled, payment failed while the
hourly sweep finds payments overdue, inactive after three (or cancelled by a manager,
after which nothing is reminded), active again when the money arrives; plan changes
follow the product's plans and reach the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.dossier_helpers import make_request
from tests.factories import UserFactory
from tests.order_helpers import SUBSCRIPTION_MONTHLY, make_product
from voiceapp.models import Case, Order, Subscription
from voiceapp.services.orders import payments
from voiceapp.services.orders.instalments import remind_due_instalments
from voiceapp.services.requests import subscriptions

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
LATER_START = {**SUBSCRIPTION_MONTHLY, "start_days": 14}
YEARLY = {**SUBSCRIPTION_MONTHLY, "amount": "1190.00", "interval_unit": "year"}


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Max Manager")


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Alice Agent")


def subscription_for(dbs, actor, plan, *, now=NOW):
    product = make_product(dbs, name="Coaching", plans=[SUBSCRIPTION_MONTHLY, LATER_START, YEARLY])
    req = make_request(dbs, product=product, plan=plan, status="confirmed")
    sub = subscriptions.start_subscription(dbs, req, actor=actor, now=now, today=now.date())
    dbs.commit()
    return sub


def fresh(dbs, sub_id) -> Subscription:
    dbs.expire_all()
    return dbs.get(Subscription, sub_id)


def test_confirming_with_a_plan_starts_an_active_or_a_scheduled_subscription(dbs, manager):
    active = subscription_for(dbs, manager, SUBSCRIPTION_MONTHLY)
    later = subscription_for(dbs, manager, LATER_START)
    assert (active.status, active.starts_on) == ("active", NOW.date())
    assert (later.status, later.starts_on) == ("scheduled", NOW.date() + timedelta(days=14))
    order = dbs.get(Order, active.order_id)
    assert order.plan["kind"] == "subscription" and order.plan["amount"] == "119.00"
    assert order.auto_cancel_at is None
    # Confirming again gives the same subscription, not a second.
    again = subscriptions.start_subscription(
        dbs, active.request, actor=manager, now=NOW, today=NOW.date()
    )
    assert again.id == active.id


def test_overdue_payments_fail_the_subscription_then_end_it_after_three(dbs, manager):
    sub = subscription_for(dbs, manager, SUBSCRIPTION_MONTHLY)
    payments.record_payment(dbs, sub.order_id, amount=Decimal("119.00"), method="demo", now=NOW)
    dbs.commit()
    # The second month's payment is a day late.
    remind_due_instalments(dbs, now=NOW + timedelta(days=32))
    sub = fresh(dbs, sub.id)
    assert (sub.status, sub.failed_payments) == ("payment_failed", 1)
    # It arrives: active again.
    payments.record_payment(
        dbs, sub.order_id, amount=Decimal("119.00"), method="manual", now=NOW + timedelta(days=33)
    )
    dbs.commit()
    assert fresh(dbs, sub.id).status == "active"
    # Three more months unpaid: inactive, ended for failed payments, and no longer reminded.
    remind_due_instalments(dbs, now=NOW + timedelta(days=125))
    sub = fresh(dbs, sub.id)
    assert (sub.status, sub.ended_reason, sub.failed_payments) == (
        "inactive",
        "payment_failed",
        3,
    )
    reminders = dbs.scalar(
        select(func.count()).select_from(Case).where(Case.type == "payment_reminder")
    )
    remind_due_instalments(dbs, now=NOW + timedelta(days=200))
    assert (
        dbs.scalar(select(func.count()).select_from(Case).where(Case.type == "payment_reminder"))
        == reminders
    )
    assert fresh(dbs, sub.id).status == "inactive"


def test_only_managers_cancel_and_a_cancelled_subscription_is_not_reminded(dbs, manager, agent):
    sub = subscription_for(dbs, manager, SUBSCRIPTION_MONTHLY)
    with pytest.raises(subscriptions.SubscriptionForbidden):
        subscriptions.cancel_subscription(dbs, sub, actor=agent, now=NOW)
    subscriptions.cancel_subscription(dbs, sub, actor=manager, now=NOW)
    dbs.commit()
    sub = fresh(dbs, sub.id)
    assert (sub.status, sub.ended_reason) == ("inactive", "cancelled")
    swept = remind_due_instalments(dbs, now=NOW + timedelta(days=90))
    assert (swept.reminders, fresh(dbs, sub.id).failed_payments) == (0, 0)


def test_a_plan_change_takes_another_plan_of_the_product_and_reaches_the_order(dbs, manager):
    sub = subscription_for(dbs, manager, SUBSCRIPTION_MONTHLY)
    read = sub.version
    subscriptions.change_plan(dbs, sub, dict(YEARLY), actor=manager, now=NOW)
    dbs.commit()
    sub = fresh(dbs, sub.id)
    assert sub.plan["interval_unit"] == "year"
    assert dbs.get(Order, sub.order_id).plan["amount"] == "1190.00"
    with pytest.raises(subscriptions.SubscriptionError) as stale:
        subscriptions.change_plan(
            dbs, sub, dict(SUBSCRIPTION_MONTHLY), actor=manager, now=NOW, expected_version=read
        )
    assert "version" in stale.value.errors
    with pytest.raises(subscriptions.SubscriptionError) as unknown:
        subscriptions.change_plan(
            dbs, sub, {**SUBSCRIPTION_MONTHLY, "amount": "1.00"}, actor=manager, now=NOW
        )
    assert "plan" in unknown.value.errors
    dbs.rollback()
    assert fresh(dbs, sub.id).plan["interval_unit"] == "year"
