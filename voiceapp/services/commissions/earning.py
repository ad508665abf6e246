"""What a payment earns, and what a refund or cancellation takes back.

`earn_on_order` runs whenever money arrives on a paid order (services.orders.payments calls
it under the order's row lock): every succeeded payment that has earned nothing yet earns
now, on its own net part, so instalments and subscription payments each earn when they
arrive and a payment told twice earns once (the commission's unique `key` is the last
guard). `take_back` runs when the order ends (cancelled, or refunded in full).

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voiceapp.domain import commissions as rules
from voiceapp.domain.roles import ADMIN, SALES_MANAGER
from voiceapp.models import Commission, CommissionDecision, Order, Payment, User
from voiceapp.models.commissions import APPROVED, PAID, PENDING, REVERSED, UNPAID
from voiceapp.models.orders import PAID as ORDER_PAID
from voiceapp.models.orders import PAYMENT, SUCCEEDED
from voiceapp.services.team_settings import get_team_settings


def earning_key(payment_id: int, user_id: int, reason: str) -> str:
    return f"pay:{payment_id}:{user_id}:{reason}"


def earn_on_order(db: Session, order: Order, now: datetime) -> list[Commission]:
    """The commissions of the order's payments that have not earned yet (none when the
    order is not paid)."""
    if order.status != ORDER_PAID:
        return []
    paid_in = [p for p in order.payments if p.kind == PAYMENT and p.status == SUCCEEDED]
    if not paid_in:
        return []
    done = set(
        db.scalars(
            select(Commission.payment_id).where(Commission.payment_id.in_([p.id for p in paid_in]))
        )
    )
    todo = [p for p in paid_in if p.id not in done]
    if not todo:
        return []
    settings = get_team_settings(db)
    seller, team, managers = _earners(db, order.seller_id, settings.commission_share_across_team)
    status = PENDING if settings.commission_approval_required else APPROVED
    made = []
    for payment in todo:
        made += _earn_on_payment(db, order, payment, settings, seller, team, managers, status, now)
    db.flush()
    return made


def _earn_on_payment(db, order, payment: Payment, settings, seller, team, managers, status, now):
    base = rules.payment_net(payment.amount, order.net, order.total, order.currency)
    split = rules.split(
        base,
        order.currency,
        team_share_percent=settings.commission_team_share_percent,
        seller=seller,
        team=team,
        share_across_team=settings.commission_share_across_team,
        managers=managers,
    )
    made = []
    for share in split.shares:
        commission = Commission(
            key=earning_key(payment.id, share.user_id, share.reason),
            user_id=share.user_id,
            order_id=order.id,
            payment_id=payment.id,
            reason=share.reason,
            amount=share.amount,
            currency=order.currency,
            base_net=base,
            status=status,
            earned_at=now,
            due_at=rules.due_at(now, settings.commission_withdrawal_days),
        )
        db.add(commission)
        made.append(commission)
    return made


def _earners(db: Session, seller_id: int | None, share_across_team: bool):
    """The seller, the team that shares (active members who sell: everyone but admins,
    and the seller whatever their role) and the sales managers who earn on it. Read as
    plain rows, not ORM objects: this runs for every payment."""
    who = select(User.id, User.role, User.payout_factor, User.manager_commission_percent)
    if not share_across_team:  # only the seller and the managers matter
        who = who.where(or_(User.id == seller_id, User.role == SALES_MANAGER))
    active = db.execute(who.where(User.active).order_by(User.id)).all()
    sellers = [r for r in active if r.id == seller_id]
    if seller_id is not None and not sellers:  # switched off since the sale: still earns
        sellers = db.execute(select(User.id, User.payout_factor).where(User.id == seller_id)).all()
    seller = _earner(sellers[0]) if sellers else None
    team = []
    if share_across_team:
        team = [_earner(r) for r in active if r.role != ADMIN or r.id == seller_id]
        if seller is not None and seller not in team:
            team.append(seller)
    managers = [
        rules.Manager(r.id, r.manager_commission_percent)
        for r in active
        if r.role == SALES_MANAGER and (r.manager_commission_percent or 0) > 0
    ]
    return seller, team, managers


def _earner(row) -> rules.Earner:
    return rules.Earner(row.id, row.payout_factor)


def take_back(
    db: Session, order: Order, *, now: datetime, actor: User | None, reason: str
) -> list[Commission]:
    """The order ended (cancelled, or refunded in full): its commissions not paid yet are
    reversed (and leave any pending payout); against each one already paid out, the
    member gets a negative commission of the same amount, payable at once, which their
    next payout deducts. Returns the negative commissions made."""
    commissions = list(
        db.scalars(
            select(Commission)
            .where(Commission.order_id == order.id)
            .order_by(Commission.id)
            .with_for_update()
        )
    )
    already_back = {c.reverses_id for c in commissions if c.reverses_id is not None}
    made = []
    for commission in commissions:
        if commission.reverses_id is not None:
            continue
        if commission.status in UNPAID:
            _leave_payout(commission)
            record_decision(db, commission, REVERSED, actor=actor, now=now, note=reason)
        elif commission.status == PAID and commission.id not in already_back:
            negative = Commission(
                key=f"back:{commission.id}",
                user_id=commission.user_id,
                order_id=order.id,
                payment_id=commission.payment_id,
                reason=commission.reason,
                amount=-commission.amount,
                currency=commission.currency,
                base_net=-commission.base_net,
                status=APPROVED,
                earned_at=now,
                due_at=now,
                reverses_id=commission.id,
                note=f"taken back: {reason}"[:200],
            )
            db.add(negative)
            made.append(negative)
    db.flush()
    return made


def _leave_payout(commission: Commission) -> None:
    """A commission reversed while in a pending payout leaves it; the payout pays less."""
    payout = commission.payout
    if payout is None:
        return
    payout.amount -= commission.amount
    payout.commission_count -= 1
    commission.payout = None


def record_decision(
    db: Session,
    commission: Commission,
    after: str,
    *,
    actor: User | None,
    now: datetime,
    note: str | None = None,
) -> None:
    """Change a commission's status and log who did it, when, from what, to what."""
    before = commission.status
    commission.status = after
    commission.decided_by_id = actor.id if actor else None
    commission.decided_at = now
    db.add(
        CommissionDecision(
            commission_id=commission.id,
            user_id=actor.id if actor else None,
            at=now,
            before=before,
            after=after,
            note=note,
        )
    )
