"""The vendor's statement for a period, per currency: the net revenue commissions were
computed on, what the members and the managers earn, what went back to the vendor, what
was taken back after a payout, and what the vendor keeps.

Lines (all Decimal, one dict per currency):
- net_revenue: the net part of every payment that earned in the period (one commission
  row per payment carries it in base_net; a payment that earned nothing is not here);
- refunded_net: of that, the net of payments whose order was then refunded or cancelled
  (their commissions reversed, or taken back from a payout);
- sales_team, sales_manager: commissions owed or paid (pending, approved, paid);
- reassigned, rejected, reversed: commissions that stayed with the vendor (shown, and
  already not counted above);
- taken_back: negative commissions recorded against paid-out ones; taken_back_open: of
  those, what no payout has recovered yet (the vendor's loss until then);
- vendor_keeps = net_revenue - refunded_net - sales_team - sales_manager - recovered,
  where recovered (taken_back - taken_back_open, negative) gives back what the member
  returned. The seed: 1,000.00 - 100.00 - 10.00 = 890.00.

Two queries: one grouping the commissions, one the payments' net parts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from voiceapp.domain.commissions import SALES_MANAGER, SALES_TEAM
from voiceapp.models import Commission
from voiceapp.models.commissions import (
    APPROVED,
    PAID,
    PENDING,
    REASSIGNED,
    REJECTED,
    REVERSED,
)
from voiceapp.services.commissions.listing import earned_between

ZERO = Decimal("0.00")
LINES = (
    "net_revenue",
    "refunded_net",
    "sales_team",
    "sales_manager",
    "reassigned",
    "rejected",
    "reversed",
    "taken_back",
    "taken_back_open",
    "vendor_keeps",
)
EARNING = (PENDING, APPROVED, PAID)


def vendor_statement(db: Session, start: date | None, end: date | None) -> list[dict]:
    """One statement per currency, sorted by currency (see the module's docstring)."""
    by_currency: dict[str, dict] = {}

    def line(currency: str) -> dict:
        return by_currency.setdefault(
            currency, {"currency": currency, **dict.fromkeys(LINES, ZERO)}
        )

    period = earned_between(db, start, end)
    for currency, name, amount in _commission_lines(db, period):
        line(currency)[name] += Decimal(amount)
    for currency, net, refunded in _revenue(db, period):
        line(currency)["net_revenue"] += Decimal(net)
        line(currency)["refunded_net"] += Decimal(refunded)
    for s in by_currency.values():
        recovered = s["taken_back"] - s["taken_back_open"]
        s["vendor_keeps"] = (
            s["net_revenue"] - s["refunded_net"] - s["sales_team"] - s["sales_manager"] - recovered
        )
    return [by_currency[c] for c in sorted(by_currency)]


def _commission_lines(db: Session, period: list):
    """(currency, line, amount) for every line made of commissions."""
    taking_back = Commission.reverses_id.is_not(None)
    name = case(
        (and_(taking_back, Commission.status != PAID), literal("taken_back_open")),
        (taking_back, literal("taken_back")),
        (
            and_(Commission.status.in_(EARNING), Commission.reason == SALES_TEAM),
            literal(SALES_TEAM),
        ),
        (
            and_(Commission.status.in_(EARNING), Commission.reason == SALES_MANAGER),
            literal(SALES_MANAGER),
        ),
        else_=Commission.status,
    )
    rows = db.execute(
        select(Commission.currency, name.label("line"), func.sum(Commission.amount))
        .where(*period)
        .group_by(Commission.currency, name)
    ).all()
    out = []
    for currency, line, amount in rows:
        if line == "taken_back_open":
            # Open ones are taken back too: the total line holds both.
            out.append((currency, "taken_back", amount))
        if line in (*LINES, REASSIGNED, REJECTED, REVERSED):
            out.append((currency, line, amount))
    return out


def _revenue(db: Session, period: list):
    """(currency, net, refunded net) summed over the payments that earned in the period:
    one value per payment (each of its commissions carries the same base_net)."""
    later = aliased(Commission)
    taken_back = exists().where(later.reverses_id == Commission.id)
    ended = case((Commission.status == REVERSED, 1), (taken_back, 1), else_=0)
    per_payment = (
        select(
            Commission.currency.label("currency"),
            func.max(Commission.base_net).label("net"),
            func.max(ended).label("ended"),
        )
        .where(Commission.reverses_id.is_(None), Commission.payment_id.is_not(None), *period)
        .group_by(Commission.payment_id, Commission.currency)
        .subquery()
    )
    return db.execute(
        select(
            per_payment.c.currency,
            func.sum(per_payment.c.net),
            func.sum(case((per_payment.c.ended == 1, per_payment.c.net), else_=0)),
        ).group_by(per_payment.c.currency)
    ).all()
