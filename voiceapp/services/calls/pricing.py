"""What a call cost: Twilio's `price` and `price_unit` of each leg, fetched through the
REST API by a job after the call ended, and added up per call for the lists.

Twilio puts no price in status callbacks; the Call resource's `price` is filled in "a
little after the call is completed" and may be null for a while
(https://www.twilio.com/docs/voice/api/call-resource, properties `price` and `price_unit`).
So the job asks again with growing gaps and, after the last, gives up quietly: a call
without a price is shown without one. Only completed legs are billed; busy, unanswered,
failed and canceled ones cost nothing and are never asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import Call
from voiceapp.services.outbox import add_job

PRICE_JOB = "workers.calls.fetch_call_price"
# Seconds to wait before asking again, attempt after attempt (about 50 minutes in all).
RETRY_AFTER_SECONDS = (20, 60, 180, 600, 2100)
BILLED_STATUS = "completed"


def queue_price_fetch(db: Session, call: Call) -> None:
    """Once, by the callback that ended a billed leg: fetch its price after the commit."""
    if call.status != BILLED_STATUS or call.price is not None:
        return
    db.flush()
    add_job(db, PRICE_JOB, call.id, 0, job_id=f"call-price-{call.sid}-0")


def unpriced_legs(db: Session, call_id: int) -> list[Call]:
    """The call and its child legs that were billed and have no price yet."""
    call = db.get(Call, call_id)
    if call is None:
        return []
    legs = [call, *db.scalars(select(Call).where(Call.parent_sid == call.sid).order_by(Call.id))]
    return [leg for leg in legs if leg.status == BILLED_STATUS and leg.price is None]


def store_price(call: Call, price: Decimal, unit: str) -> None:
    """Twilio reports money spent as a negative amount; stored as what it cost."""
    call.price = abs(price)
    call.price_unit = unit.upper()[:3]


def retry_later(db: Session, call_id: int, attempt: int, *, now: datetime) -> bool:
    """Ask again later for the prices still missing; False once the waits are used up."""
    call = db.get(Call, call_id)
    if call is None or attempt >= len(RETRY_AFTER_SECONDS):
        return False
    add_job(
        db,
        PRICE_JOB,
        call.id,
        attempt + 1,
        job_id=f"call-price-{call.sid}-{attempt + 1}",
        run_at=now + timedelta(seconds=RETRY_AFTER_SECONDS[attempt]),
    )
    return True


@dataclass(frozen=True)
class CallCost:
    amount: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{self.amount:.4f} {self.unit}"


def call_costs(db: Session, calls: list[Call]) -> dict[str, CallCost]:
    """Each call's cost, its legs' prices added (Twilio bills every leg), by call sid; a
    call none of whose legs has a price yet is left out. Legs in another currency than
    the call's first priced leg (never on one account) are not added."""
    sids = [c.sid for c in calls]
    if not sids:
        return {}
    legs = db.execute(
        select(Call.parent_sid, Call.price, Call.price_unit).where(
            Call.parent_sid.in_(sids), Call.price.is_not(None)
        )
    ).all()
    by_parent: dict[str, list[tuple[Decimal, str]]] = {}
    for call in calls:
        if call.price is not None:
            by_parent.setdefault(call.sid, []).append((abs(call.price), call.price_unit or "USD"))
    for parent_sid, price, unit in legs:
        by_parent.setdefault(parent_sid, []).append((abs(price), unit or "USD"))
    costs = {}
    for sid, prices in by_parent.items():
        unit = prices[0][1]
        costs[sid] = CallCost(sum((p for p, u in prices if u == unit), Decimal(0)), unit)
    return costs
