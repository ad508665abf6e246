"""The softphone's caller card: who is calling (or being called) and what is open with
them, for the incoming-call box. One dict, so more can be added to it without the
softphone script or the API changing shape: each part is a key, None when there is nothing
to show or the asker may not see it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.phones import format_international, try_normalize_phone
from voiceapp.models import Case, Contact, Order, User
from voiceapp.models.cases import OPEN
from voiceapp.services.cases.queries import can_see_case
from voiceapp.services.contacts import find_by_phone, user_can_view
from voiceapp.services.orders.orders import visible_order
from voiceapp.services.requests.inbox import open_requests_for_contact

# Orders still waiting for the customer: what an agent should know when they call.
OPEN_ORDER_STATUSES = ("pending",)


def _contact_part(contact: Contact | None, others: int) -> dict | None:
    if contact is None:
        return None
    return {"id": contact.id, "name": contact.display_name, "others_with_number": others}


def _open_case(db: Session, user: User, contact: Contact) -> dict | None:
    cases = db.scalars(
        select(Case).where(Case.contact_id == contact.id, Case.status == OPEN).order_by(Case.due_at)
    )
    case = next((c for c in cases if can_see_case(user, c)), None)
    if case is None:
        return None
    return {"id": case.id, "type": case.type, "due_at": case.due_at}


def _open_order(db: Session, user: User, contact: Contact) -> dict | None:
    ids = db.scalars(
        select(Order.id)
        .where(Order.contact_id == contact.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .order_by(Order.id.desc())
        .limit(5)
    )
    order = next((o for o in (visible_order(db, user, i) for i in ids) if o is not None), None)
    if order is None:
        return None
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "total": order.total,
        "currency": order.currency,
    }


# The open requests shown at most (newest first); the contact page lists them all.
MAX_CARD_REQUESTS = 3


def _open_requests(db: Session, contact: Contact) -> list[dict] | None:
    """The caller's open written requests (every member of the team sees the inbox)."""
    requests = open_requests_for_contact(db, contact.id, limit=MAX_CARD_REQUESTS)
    if not requests:
        return None
    return [{"id": r.id, "status": r.status, "kind": r.kind, "stage": r.stage} for r in requests]


def caller_card(
    db: Session, user: User, number: str, *, default_region: str, now: datetime
) -> dict:
    """What the softphone shows about `number` (any written form; a browser identity or
    a withheld caller ID is shown as it is): the number, the first contact with it that
    `user` may see, that contact's open case due soonest, latest unpaid order and open
    written requests."""
    e164 = try_normalize_phone(number, default_region)
    card: dict = {
        "number": e164 or number,
        "display": format_international(e164) if e164 else number,
        "contact": None,
        "open_case": None,
        "open_order": None,
        "open_requests": None,
    }
    if e164 is None:
        return card
    contacts = [c for c in find_by_phone(db, e164) if user_can_view(user, c)]
    if not contacts:
        return card
    contact = contacts[0]
    card["contact"] = _contact_part(contact, len(contacts) - 1)
    card["open_case"] = _open_case(db, user, contact)
    card["open_order"] = _open_order(db, user, contact)
    card["open_requests"] = _open_requests(db, contact)
    return card
