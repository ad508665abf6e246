"""Money arriving on a request's order, however it came (the demo provider, Stripe's
webhook, a collected SEPA debit, a payment a manager recorded by hand): every way ends in
services.orders.payments, which calls `order_payment_arrived` in the same transaction.

- The dossier moves to "deposit paid" (part of the total) or "paid in full"
  (domain.dossiers.stage_after_payment), with a line in its activity log.
- A subscription whose payment had failed is active again (the instalment sweep counts
  the overdue payments anew on its next run).

Imports only models and the activity log: services.orders imports this module.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.dossiers import stage_after_payment
from voiceapp.domain.requests import ACTIVE, DOSSIER, PAYMENT_FAILED
from voiceapp.models import Order, Request, Subscription, User
from voiceapp.services.requests.activity import record

STAGE_WORDS = {"deposit_paid": "deposit paid", "paid_in_full": "paid in full"}


def order_payment_arrived(
    db: Session, order: Order, received: Decimal, *, now: datetime, actor: User | None
) -> None:
    for request in db.scalars(select(Request).where(Request.order_id == order.id)):
        _move_dossier(db, request, order, received, now=now, actor=actor)
    for subscription in db.scalars(
        select(Subscription).where(
            Subscription.order_id == order.id, Subscription.status == PAYMENT_FAILED
        )
    ):
        subscription.status = ACTIVE
        subscription.failed_payments = 0
        subscription.updated_at = now


def _move_dossier(db, request: Request, order: Order, received, *, now, actor) -> None:
    record(
        db,
        request,
        # With no member recording it, the money came from the customer (the pay page,
        # Stripe, a debit): the log names them.
        "payment" if actor is not None else "customer_payment",
        f"Payment received on order {order.number}: {received} of {order.total} "
        f"{order.currency} in",
        actor_id=actor.id if actor else None,
        data={"order_id": order.id, "received": str(received)},
        at=now,
    )
    if request.kind != DOSSIER:
        return
    stage = stage_after_payment(request.stage, received, order.total)
    if stage != request.stage:
        was = request.stage
        request.stage = stage
        request.updated_at = now
        record(
            db,
            request,
            "stage" if actor is not None else "customer_payment",
            f"Stage: {(was or '').replace('_', ' ')} -> {STAGE_WORDS.get(stage, stage)} (payment)",
            actor_id=actor.id if actor else None,
            data={"from": was, "to": stage},
            at=now,
        )
