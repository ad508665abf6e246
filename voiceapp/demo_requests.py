"""Demo requests, so that the inbox is not empty on a fresh demo: the public form
/r/contact, two labels, a new request, one a colleague answered and the customer
answered back (unread), and a dossier for a product. Added once (only when there are no
requests yet)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.models import Product, Request, User
from voiceapp.services.requests import conversation, intake, setup

DEMO_LABELS = (("VIP", "amber"), ("Callback wanted", "blue"))


def seed_requests(db: Session, agents: list[User], now: datetime) -> int:
    form = setup.ensure_default_form(db)
    if db.scalar(select(func.count()).select_from(Request)):
        return 0
    form = form or setup.active_form(db, setup.DEFAULT_FORM_SLUG)
    labels = [setup.save_label(db, None, name, colour) for name, colour in DEMO_LABELS]

    def new(minutes_ago: int, **data) -> Request:
        return intake.create_request(
            db,
            data,
            source="form",
            form=form,
            now=now - timedelta(minutes=minutes_ago),
            default_region="DE",
        )

    new(
        25,
        name="Petra Lang",
        email="petra.lang@example.com",
        language="de",
        message="Do you also deliver to Austria? And how long does it take?",
    )
    answered = new(
        180,
        name="Tom Berger",
        email="tom.berger@example.com",
        phone="+4917612345001",
        language="en",
        message="Could someone call me about the team licence?",
    )
    if agents:
        answered.assignee_id = agents[0].id
        answered.labels = [labels[1]]
        conversation.reply(
            db,
            answered,
            "Gladly: when suits you best tomorrow?",
            actor=agents[0],
            now=now - timedelta(minutes=150),
            kind="message",
        )
        conversation.customer_reply(
            db, answered, "Tomorrow at 10 would be perfect.", now=now - timedelta(minutes=40)
        )
    product = db.scalar(select(Product).where(Product.active).order_by(Product.id).limit(1))
    if product is not None:
        dossier = new(
            600,
            name="Sofia Romero",
            email="sofia.romero@example.com",
            language="es",
            message="I would like to book this for my team of five.",
            product_id=product.id,
            payment_method="bank_transfer",
        )
        dossier.labels = [labels[0]]
    db.flush()
    return 3 if product is not None else 2
