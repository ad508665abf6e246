"""An unknown caller's contact is written with Core statements on the webhook path
(services.contacts.create_caller_contact); it must be the very contact create_contact
makes of the same number: every column of the contact, its number and its history line."""

from __future__ import annotations

from sqlalchemy import select

from voiceapp.db import utcnow
from voiceapp.models import Contact, ContactEmail, ContactEvent, ContactPhone
from voiceapp.services.contacts import create_caller_contact, create_contact

NUMBERS = ["+4915112345678", "+33612345678", "+12025550143"]


def columns(row, *, leave_out=("id", "contact_id")) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in leave_out}


def test_a_callers_contact_is_what_create_contact_makes_of_the_number(dbs):
    now = utcnow()
    pairs = []
    for number in NUMBERS:
        fast = create_caller_contact(dbs, number, now=now)
        slow = create_contact(
            dbs,
            {
                "phones": [{"number": number, "kind": "mobile"}],
                "visibility": "shared_write",
                "owner_id": None,
            },
            actor=None,
            now=now,
        )
        pairs.append((fast.id, slow.id))
    dbs.commit()
    dbs.expunge_all()  # compare what was stored, not the objects in memory

    for fast_id, slow_id in pairs:
        fast, slow = dbs.get(Contact, fast_id), dbs.get(Contact, slow_id)
        assert columns(fast) == columns(slow)
        assert [columns(p) for p in fast.phones] == [columns(p) for p in slow.phones]
        assert fast.emails == slow.emails == []

        def history(contact_id):
            return [
                columns(e)
                for e in dbs.scalars(
                    select(ContactEvent)
                    .where(ContactEvent.contact_id == contact_id)
                    .order_by(ContactEvent.id)
                )
            ]

        assert history(fast_id) == history(slow_id)
        assert len(history(fast_id)) == 1
    assert dbs.scalars(select(ContactEmail)).all() == []
    assert len(dbs.scalars(select(ContactPhone)).all()) == 2 * len(NUMBERS)
