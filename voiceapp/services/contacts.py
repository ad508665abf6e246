"""Contact operations: create, change, delete, look up, list, and the history timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, func, insert, or_, select, true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from voiceapp.domain.contacts import PRIVATE, can_view_contact
from voiceapp.domain.phones import timezone_for_contact
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Contact, ContactEmail, ContactEvent, ContactPhone, Order, User
from voiceapp.precompiled import Precompiled, attached_row, insert_row, insert_rows

# Fields a caller may set directly; phones, e-mails and tags have their own handling.
SCALAR_FIELDS = (
    "kind",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "contact_type",
    "language",
    "country",
    "street",
    "postcode",
    "city",
    "state",
    "currency",
    "notes",
    "owner_id",
    "visibility",
)


class ContactInUse(Exception):
    """The contact cannot be deleted; the message says why."""


def visible_contacts_filter(user: User):
    """SQL twin of domain.contacts.can_view_contact (tested against it)."""
    if is_manager_or_admin(user.role):
        return true()
    return or_(Contact.owner_id == user.id, Contact.visibility != PRIVATE)


def contacts_by_id(db: Session, ids) -> dict[int, Contact]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in db.scalars(select(Contact).where(Contact.id.in_(ids)))}


def get_contact(db: Session, contact_id: int | None) -> Contact | None:
    return db.get(Contact, contact_id) if contact_id is not None else None


def visible_contact(db: Session, user: User, contact_id: int | None) -> Contact | None:
    """The contact, when it exists and `user` may see it (None otherwise: the caller
    answers 404, so an agent does not learn that a colleague's private contact exists)."""
    contact = get_contact(db, contact_id)
    return contact if contact is not None and user_can_view(user, contact) else None


def history_page(
    db: Session, contact: Contact, *, page: int, per_page: int
) -> tuple[list[ContactEvent], int]:
    """The contact's timeline, newest first."""
    where = ContactEvent.contact_id == contact.id
    total = db.scalar(select(func.count()).select_from(ContactEvent).where(where)) or 0
    items = db.scalars(
        select(ContactEvent)
        .where(where)
        .order_by(ContactEvent.occurred_at.desc(), ContactEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(items), total


def visible_summary(db: Session, user: User, *, recent: int = 10) -> tuple[int, list[Contact]]:
    """How many contacts `user` may see, and the most recently changed of them."""
    visible = visible_contacts_filter(user)
    total = db.scalar(select(func.count()).select_from(Contact).where(visible)) or 0
    latest = db.scalars(
        select(Contact).where(visible).order_by(Contact.updated_at.desc()).limit(recent)
    )
    return total, list(latest)


def user_can_view(user: User, contact: Contact) -> bool:
    return can_view_contact(
        role=user.role, user_id=user.id, owner_id=contact.owner_id, visibility=contact.visibility
    )


def _set_phones(contact: Contact, phones: Iterable[dict]) -> None:
    """Replace the contact's numbers, keeping the rows of numbers that stay: a number
    marked invalid stays invalid when the list around it changes."""
    existing = {p.number: p for p in contact.phones}
    seen: set[str] = set()
    new_rows = []
    for phone in phones:
        if phone["number"] in seen:
            continue
        seen.add(phone["number"])
        row = existing.get(phone["number"]) or ContactPhone(number=phone["number"])
        row.kind = phone.get("kind") or "mobile"
        new_rows.append(row)
    for position, row in enumerate(new_rows):
        row.position = position
    contact.phones = new_rows


def _set_emails(contact: Contact, emails: Iterable[str]) -> None:
    unique = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    contact.emails = [ContactEmail(email=e, position=i) for i, e in enumerate(unique)]


def _refresh_timezone(contact: Contact) -> None:
    contact.timezone = timezone_for_contact([p.number for p in contact.phones], contact.country)


def add_event(
    db: Session,
    contact: Contact,
    *,
    kind: str,
    summary: str,
    now: datetime,
    actor: User | None = None,
    ref_type: str | None = None,
    ref_id: str | None = None,
    data: dict | None = None,
) -> ContactEvent:
    event = ContactEvent(
        contact=contact,
        kind=kind,
        summary=summary[:500],
        occurred_at=now,
        actor_id=actor.id if actor else None,
        ref_type=ref_type,
        ref_id=ref_id,
        data=data,
    )
    db.add(event)
    return event


def create_contact(db: Session, data: dict, *, actor: User | None, now: datetime) -> Contact:
    contact = Contact(created_at=now, updated_at=now)
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    if "owner_id" not in data and actor is not None:
        contact.owner_id = actor.id
    contact.tags = list(dict.fromkeys(data.get("tags") or []))
    _set_phones(contact, data.get("phones") or [])
    _set_emails(contact, data.get("emails") or [])
    _refresh_timezone(contact)
    db.add(contact)
    db.flush()
    add_event(db, contact, kind="created", summary="Contact created", now=now, actor=actor)
    return contact


# Up to this many history lines go in by one precompiled statement (one is compiled per
# number of lines).
FEW_LINES = 4


def insert_events(db: Session, rows: list[dict], *, now: datetime) -> None:
    """History lines written with one statement and no ORM objects (the webhooks' path:
    a unit-of-work flush cost more than the rest of an inbound call). Each row: contact_id,
    kind, summary, and optionally actor_id, ref_type, ref_id, data."""
    if not rows:
        return
    # A data of None is left out, not written: the JSON type would store JSON null.
    rows = [
        {
            "occurred_at": now,
            "actor_id": None,
            "ref_type": None,
            "ref_id": None,
            **{k: v for k, v in row.items() if not (k == "data" and v is None)},
            "summary": row["summary"][:500],
        }
        for row in rows
    ]
    if len(rows) == 1:  # a call's line: one precompiled statement
        insert_row(db, ContactEvent.__table__, rows[0])
    elif len(rows) <= FEW_LINES and all(row.keys() == rows[0].keys() for row in rows):
        # A new caller's first lines, say: one precompiled statement too (SQLAlchemy's
        # executemany for two rows cost more than the round trip it saves).
        insert_rows(db, ContactEvent.__table__, rows)
    else:
        db.execute(insert(ContactEvent), rows)


def create_caller_contact(
    db: Session, e164: str, *, now: datetime, also: list[dict] = ()
) -> Contact:
    """The contact an unknown caller becomes: what create_contact makes of
    {"phones": [{"number": e164, "kind": "mobile"}], "visibility": "shared_write",
    "owner_id": None} without an actor, written with Core statements (contact, number, its
    "created" line and the lines in `also`, which name no contact_id: they are the new
    contact's). tests/integration/test_caller_contacts.py compares the two row by row."""
    contact = insert_caller_contact(db, e164, now=now)
    complete_caller_contact(db, contact, e164, now=now, also=also)
    return contact


def insert_caller_contact(db: Session, e164: str, *, now: datetime) -> Contact:
    """create_caller_contact's first half: the contact's row alone, so that a call's row can
    go in with its id before the contact is completed (or taken out again)."""
    table = Contact.__table__
    values = {
        "visibility": "shared_write",
        "owner_id": None,
        "tags": [],
        "timezone": timezone_for_contact([e164], None),
        "created_at": now,
        "updated_at": now,
    }
    row = insert_row(db, table, values, returning=table.c.keys())
    return attached_row(db, Contact, row)


def complete_caller_contact(
    db: Session, contact: Contact, e164: str, *, now: datetime, also: Sequence[dict] = ()
) -> None:
    """create_caller_contact's second half: the number, the "created" line and `also`'s."""
    insert_row(
        db,
        ContactPhone.__table__,
        {"contact_id": contact.id, "number": e164, "kind": "mobile", "position": 0},
    )
    created = {"kind": "created", "summary": "Contact created"}
    insert_events(db, [{**line, "contact_id": contact.id} for line in (created, *also)], now=now)


def remove_bare_contact(db: Session, contact: Contact) -> None:
    """Take out a contact insert_caller_contact made in this transaction and nothing
    completed (no number, no history, nothing pointing at it)."""
    db.execute(Contact.__table__.delete().where(Contact.__table__.c.id == contact.id))
    db.expunge(contact)


def update_contact(
    db: Session, contact: Contact, data: dict, *, actor: User | None, now: datetime
) -> list[str]:
    """Apply the given fields (absent ones stay as they are); return the names changed."""
    changed = []
    for name in SCALAR_FIELDS:
        if name in data and getattr(contact, name) != data[name]:
            setattr(contact, name, data[name])
            changed.append(name)
    if "tags" in data and list(data["tags"]) != list(contact.tags or []):
        contact.tags = list(dict.fromkeys(data["tags"]))
        changed.append("tags")
    if "phones" in data:
        before = [(p.number, p.kind) for p in contact.phones]
        after = [(p["number"], p.get("kind") or "mobile") for p in data["phones"]]
        if before != list(dict.fromkeys(after)):
            _set_phones(contact, data["phones"])
            changed.append("phones")
    if "emails" in data:
        before = [e.email for e in contact.emails]
        after = list(dict.fromkeys(e.strip().lower() for e in data["emails"] if e.strip()))
        if before != after:
            _set_emails(contact, data["emails"])
            changed.append("emails")
    if changed:
        _refresh_timezone(contact)
        contact.updated_at = now
        add_event(
            db,
            contact,
            kind="updated",
            summary="Changed: " + ", ".join(f.replace("_", " ") for f in changed),
            now=now,
            actor=actor,
            data={"fields": changed},
        )
        db.flush()
    return changed


def order_count(db: Session, contact: Contact) -> int:
    return db.scalar(select(func.count()).select_from(Order).where(Order.contact_id == contact.id))


def delete_contact(db: Session, contact: Contact) -> None:
    orders = order_count(db, contact)
    if orders:
        noun = "order" if orders == 1 else "orders"
        raise ContactInUse(
            f"this contact has {orders} {noun}; orders are kept for accounting, so the "
            "contact cannot be deleted"
        )
    db.delete(contact)
    db.flush()


def phone_lookup_statement() -> Select:
    """The query of find_by_phone (the number bound as `number`): an exact E.164 match on
    ix_contact_phones_number. A semi-join, not JOIN + DISTINCT: a contact holding the
    number twice still comes back once, and PostgreSQL cannot DISTINCT a json column."""
    contacts, phones = Contact.__table__, ContactPhone.__table__
    return (
        select(contacts)
        .where(
            contacts.c.id.in_(
                select(phones.c.contact_id).where(phones.c.number == bindparam("number"))
            )
        )
        .order_by(contacts.c.id)
    )


@lru_cache(maxsize=4)
def phone_lookup(dialect: Dialect) -> Precompiled:
    """phone_lookup_statement, compiled once per dialect: every inbound call asks it."""
    return Precompiled(phone_lookup_statement(), dialect)


def find_by_phone(db: Session, e164: str) -> list[Contact]:
    """Every contact with this number (exact E.164 match, served by an index). Their
    numbers and e-mails are loaded when first asked for."""
    db.flush()  # contacts added in this session are found, as a query's autoflush would
    connection = db.connection()
    rows = phone_lookup(connection.dialect).run(connection, {"number": e164})
    return [attached_row(db, Contact, row) for row in rows]


def search_statement(user: User, *, q: str | None = None, phone: str | None = None) -> Select:
    stmt = select(Contact).where(visible_contacts_filter(user))
    if phone:
        stmt = stmt.where(
            Contact.id.in_(select(ContactPhone.contact_id).where(ContactPhone.number == phone))
        )
    if q:
        # contains(autoescape=True) escapes LIKE's wildcards: a search for "%" or "_"
        # looks for that character, not for everything.
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Contact.first_name).contains(needle, autoescape=True),
                func.lower(Contact.last_name).contains(needle, autoescape=True),
                func.lower(Contact.company_name).contains(needle, autoescape=True),
                func.lower(Contact.city).contains(needle, autoescape=True),
                Contact.id.in_(
                    select(ContactEmail.contact_id).where(
                        ContactEmail.email.contains(needle, autoescape=True)
                    )
                ),
            )
        )
    return stmt


def search_contacts(
    db: Session,
    user: User,
    *,
    q: str | None = None,
    phone: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Contact], int]:
    stmt = search_statement(user, q=q, phone=phone)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.scalars(
        stmt.order_by(Contact.last_name, Contact.first_name, Contact.company_name, Contact.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total
