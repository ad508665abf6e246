"""Demo requests, so that the inbox is not empty on a fresh demo: the public form
/r/contact, two labels, a new request, one a colleague answered and the customer
answered back (unread), and a dossier for a product. They come from demo contacts'
numbers (matched, as a real requester would be), so no contact is added. Added once
(only when there are no requests yet)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.models import Contact, Product, Request, User
from voiceapp.services.requests import conversation, intake, setup

DEMO_LABELS = (("VIP", "amber"), ("Callback wanted", "blue"))


def _sender(contact: Contact) -> dict:
    """What the contact would type into the form: their name, number and an address."""
    email = contact.emails[0].email if contact.emails else f"customer{contact.id}@example.com"
    return {"name": contact.display_name, "phone": contact.phones[0].number, "email": email}


def seed_requests(db: Session, agents: list[User], now: datetime) -> int:
    form = setup.ensure_default_form(db) or setup.active_form(db, setup.DEFAULT_FORM_SLUG)
    if db.scalar(select(func.count()).select_from(Request)):
        return 0
    contacts = db.scalars(select(Contact).order_by(Contact.id).limit(20)).all()
    senders = [_sender(c) for c in contacts if c.phones][:3]
    if len(senders) < 3:
        return 0
    labels = [setup.save_label(db, None, name, colour) for name, colour in DEMO_LABELS]

    def new(minutes_ago: int, **data) -> Request:
        return intake.create_request(
            db,
            {**senders.pop(0), **data},
            source="form",
            form=form,
            now=now - timedelta(minutes=minutes_ago),
            default_region="DE",
        )

    new(25, language="de", message="Do you also deliver to Austria? How long does it take?")
    answered = new(180, language="en", message="Could someone call me about the team licence?")
    if agents:
        answered.assignee_id = agents[0].id
        answered.labels = [labels[1]]
        conversation.reply(
            db,
            answered,
            "Gladly: when suits you best tomorrow?",
            actor=agents[0],
            now=now - timedelta(minutes=150),
        )
        conversation.customer_reply(
            db, answered, "Tomorrow at 10 would be perfect.", now=now - timedelta(minutes=40)
        )
    product = db.scalar(select(Product).where(Product.active).order_by(Product.id).limit(1))
    dossier = new(
        600,
        language="es",
        message="I would like to book this for my team of five.",
        product_id=product.id if product else None,
        payment_method="bank_transfer",
    )
    dossier.labels = [labels[0]]
    db.flush()
    return 3
