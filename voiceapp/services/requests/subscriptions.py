"""Subscriptions (seed 003): what a confirmed request with a subscription plan becomes.

The money is the request's order with the plan copied (services.requests.money), so
its payments are collected and reminded as the orders' subscription payments are
(services.orders.instalments). The subscription's own status follows:

- active, or scheduled while its first period has not begun (plan's start_days);
- payment failed while payments are overdue (the hourly instalment sweep counts them,
  `follow_payments`); a payment arriving makes it active again;
- inactive: cancelled by the team, or after domain.dossiers.MAX_FAILED_PAYMENTS overdue
  payments (ended_reason "payment_failed"). An inactive subscription's order is no longer
  reminded or debited.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.domain.dossiers import subscription_start, subscription_status_after
from voiceapp.domain.products import SUBSCRIPTION, describe_plan, plan_key
from voiceapp.domain.requests import INACTIVE, SUBSCRIPTION_STATUSES
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Contact, Order, Payment, Request, Subscription, User
from voiceapp.services.contacts import visible_contacts_filter
from voiceapp.services.orders.history import log_event
from voiceapp.services.requests.activity import record
from voiceapp.services.requests.money import order_for_request

CANCELLED, PAYMENT_FAILED_REASON = "cancelled", "payment_failed"


class SubscriptionError(ValueError):
    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


class SubscriptionForbidden(PermissionError):
    """Only managers and admins change or cancel a subscription."""


def is_subscription_plan(plan: dict | None) -> bool:
    return bool(plan) and plan.get("kind") == SUBSCRIPTION


def start_subscription(
    db: Session, request: Request, *, actor: User, now: datetime, today: date
) -> Subscription:
    """The confirmed request's subscription over its order (made if needed). One per
    request: confirming again returns the one there is."""
    existing = db.scalar(select(Subscription).where(Subscription.request_id == request.id))
    if existing is not None:
        return existing
    order = order_for_request(db, request, seller=actor, now=now)
    starts_on = today + timedelta(days=int(request.plan.get("start_days") or 0))
    subscription = Subscription(
        contact_id=request.contact_id,
        request_id=request.id,
        product_id=request.product_id,
        order_id=order.id,
        plan=dict(request.plan),
        status=subscription_start(starts_on, today),
        starts_on=starts_on,
        created_at=now,
        updated_at=now,
    )
    db.add(subscription)
    db.flush()
    record(
        db,
        request,
        "subscription",
        f"Subscription #{subscription.id} started "
        f"({describe_plan(subscription.plan, order.currency)}), {subscription.status}, "
        f"from {starts_on.isoformat()}",
        actor_id=actor.id,
        data={"subscription_id": subscription.id},
        at=now,
    )
    return subscription


def _may_change(actor: User) -> None:
    if not is_manager_or_admin(actor.role):
        raise SubscriptionForbidden("only managers and admins change subscriptions")


def _log_both(db: Session, subscription: Subscription, text: str, *, actor: User | None, now):
    """A line in the request's activity log and in the order's history."""
    if subscription.request is not None:
        record(
            db,
            subscription.request,
            "subscription",
            text,
            actor_id=actor.id if actor else None,
            data={"subscription_id": subscription.id},
            at=now,
        )
    if subscription.order is not None:
        log_event(db, subscription.order, "subscription", text, actor=actor, now=now)


def cancel_subscription(
    db: Session,
    subscription: Subscription,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Subscription:
    _may_change(actor)
    _check_version(subscription, expected_version)
    if subscription.status == INACTIVE:
        raise SubscriptionError({"status": ["the subscription has ended already"]})
    subscription.status = INACTIVE
    subscription.ended_at = now
    subscription.ended_reason = CANCELLED
    subscription.updated_at = now
    _log_both(
        db,
        subscription,
        f"Subscription #{subscription.id} cancelled",
        actor=actor,
        now=now,
    )
    db.flush()
    return subscription


def change_plan(
    db: Session,
    subscription: Subscription,
    wanted: dict,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Subscription:
    """Move to another of the product's subscription plans (`wanted` names it by its
    terms, as an order's plan). The order's plan changes with it: later payments follow
    the new terms."""
    _may_change(actor)
    _check_version(subscription, expected_version)
    if subscription.status == INACTIVE:
        raise SubscriptionError({"status": ["the subscription has ended"]})
    product = subscription.product
    plans = [p for p in (product.plans if product else []) if p["kind"] == SUBSCRIPTION]
    chosen = next((p for p in plans if plan_key(p) == plan_key({**p, **wanted})), None)
    if chosen is None:
        offered = "; ".join(describe_plan(p) for p in plans) or "none"
        raise SubscriptionError({"plan": [f"not a plan of this product; it offers: {offered}"]})
    if plan_key(chosen) == plan_key(subscription.plan):
        return subscription
    before = describe_plan(subscription.plan)
    subscription.plan = dict(chosen)
    subscription.updated_at = now
    if subscription.order is not None:
        subscription.order.plan = dict(chosen)
    _log_both(
        db,
        subscription,
        f"Plan of subscription #{subscription.id} changed: {before} -> {describe_plan(chosen)}",
        actor=actor,
        now=now,
    )
    db.flush()
    return subscription


def _check_version(subscription: Subscription, expected: int | None) -> None:
    if expected is not None and expected != subscription.version:
        raise SubscriptionError(
            {
                "version": [
                    "Someone else changed this subscription in the meantime. Reload it to "
                    "see their change, then make yours again."
                ]
            }
        )


def follow_payments(
    db: Session, order: Order, overdue_payments: int, *, today: date, now: datetime
) -> None:
    """The instalment sweep counted the order's overdue payments: its subscription's
    status follows (domain.dossiers.subscription_status_after)."""
    for subscription in db.scalars(select(Subscription).where(Subscription.order_id == order.id)):
        status = subscription_status_after(
            subscription.status, overdue_payments, subscription.starts_on, today
        )
        subscription.failed_payments = overdue_payments
        if status == subscription.status:
            continue
        was = subscription.status
        subscription.status = status
        subscription.updated_at = now
        if status == INACTIVE:
            subscription.ended_at = now
            subscription.ended_reason = PAYMENT_FAILED_REASON
        _log_both(
            db,
            subscription,
            f"Subscription #{subscription.id}: {was.replace('_', ' ')} -> "
            f"{status.replace('_', ' ')} ({overdue_payments} payment(s) overdue)",
            actor=None,
            now=now,
        )


def ended(db: Session, order_id: int) -> bool:
    """True when the order carries a subscription that has ended: nothing to collect."""
    return (
        db.scalar(
            select(Subscription.id).where(
                Subscription.order_id == order_id, Subscription.status == INACTIVE
            )
        )
        is not None
    )


def _visible(viewer: User):
    """Subscriptions are seen as their contacts are (services.contacts)."""
    return Subscription.contact_id.in_(select(Contact.id).where(visible_contacts_filter(viewer)))


def visible_subscription(db: Session, viewer: User, subscription_id: int) -> Subscription | None:
    return db.scalar(
        select(Subscription).where(Subscription.id == subscription_id, _visible(viewer))
    )


def list_subscriptions(
    db: Session,
    *,
    viewer: User,
    status: str | None = None,
    contact_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Subscription], int]:
    query = select(Subscription).where(_visible(viewer))
    if status in SUBSCRIPTION_STATUSES:
        query = query.where(Subscription.status == status)
    if contact_id is not None:
        query = query.where(Subscription.contact_id == contact_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.scalars(
        query.order_by(Subscription.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), total


def subscription_of_request(db: Session, request_id: int) -> Subscription | None:
    return db.scalar(select(Subscription).where(Subscription.request_id == request_id))


def collected_payments(db: Session, subscription: Subscription) -> list[Payment]:
    """Every payment of the subscription's order, oldest first (refunds too)."""
    if subscription.order_id is None:
        return []
    return list(
        db.scalars(
            select(Payment)
            .where(Payment.order_id == subscription.order_id)
            .order_by(Payment.created_at, Payment.id)
        )
    )
