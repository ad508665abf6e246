"""Commissions ready to pay out, for the payout tests, the rights matrix and the pages.

A commission is stored as earning.earn_on_order stores it (approved: the team needs no
approval), on an order of its own; `due_at` decides whether a run pays it without paying
early."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from tests.factories import ContactFactory, OrderFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import Commission

_serial = itertools.count(1)


def freelancer(**kwargs):
    """A member who is paid by payouts."""
    return UserFactory(can_receive_payouts=True, **kwargs)


def earned(
    dbs,
    user,
    amount: str | Decimal,
    *,
    due_at: datetime | None = None,
    currency: str = "EUR",
    status: str = "approved",
    order_id: int | None = None,
) -> Commission:
    if order_id is None:
        order_id = OrderFactory(contact_id=ContactFactory().id, seller_id=user.id).id
    commission = Commission(
        key=f"test:{next(_serial)}",
        user_id=user.id,
        order_id=order_id,
        reason="sales_team",
        amount=Decimal(amount),
        currency=currency,
        base_net=abs(Decimal(amount)) * 10,
        status=status,
        earned_at=(due_at or utcnow()) - timedelta(days=14),
        due_at=due_at or utcnow() - timedelta(days=1),
    )
    dbs.add(commission)
    dbs.flush()
    return commission
