"""Contacts (people or companies), their numbers and e-mails, and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow
from voiceapp.domain.contacts import CONTACT_KINDS, PHONE_KINDS, VISIBILITIES, display_name


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTACT_KINDS), name="kind"),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    salutation: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    company_name: Mapped[str | None] = mapped_column(String(200))
    contact_type: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    tags: Mapped[list] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    # IANA zone derived from the number or country; the customer's local time comes from it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(12), default="shared_write")
    # Instalments and subscriptions are collected automatically unless switched off for
    # this customer (seed 002); a due payment then waits for a person.
    auto_payments: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phones: Mapped[list[ContactPhone]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="ContactPhone.position",
        lazy="selectin",
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="ContactEmail.position",
        lazy="selectin",
    )
    events: Mapped[list[ContactEvent]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="ContactEvent.occurred_at.desc()",
    )

    @property
    def callable_numbers(self) -> list[str]:
        return [p.number for p in self.phones if not p.invalid]

    @property
    def display_name(self) -> str:
        return display_name(
            self.kind,
            self.first_name,
            self.last_name,
            self.company_name,
            self.phones[0].number if self.phones else None,
        )


class ContactPhone(Base):
    __tablename__ = "contact_phones"
    __table_args__ = (
        CheckConstraint(_in("kind", PHONE_KINDS), name="kind"),
        # The lookup by number (every inbound call) must stay fast with millions of rows.
        Index("ix_contact_phones_number", "number"),
        # A contact's numbers in their order: the first callable one (each row of Call
        # today, every list) is read from the index, with no sort per contact.
        Index("ix_contact_phones_contact_position", "contact_id", "position", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))  # E.164
    kind: Mapped[str] = mapped_column(String(10), default="mobile")
    position: Mapped[int] = mapped_column(default=0)
    # Set when a call outcome says the number is wrong (the cases issue).
    invalid: Mapped[bool] = mapped_column(default=False)

    contact: Mapped[Contact] = relationship(back_populates="phones")


class ContactEmail(Base):
    __tablename__ = "contact_emails"
    # Stored lower-cased, so a plain index serves case-insensitive lookups.
    __table_args__ = (Index("ix_contact_emails_email", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    position: Mapped[int] = mapped_column(default=0)

    contact: Mapped[Contact] = relationship(back_populates="emails")


class ContactEvent(Base):
    """One entry of a contact's history timeline: created, edited, a note, a call, a case,
    an order ... `ref_type`/`ref_id` point at the row the event is about, when there is one."""

    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_contact_time", "contact_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ref_type: Mapped[str | None] = mapped_column(String(30))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict | None] = mapped_column()

    contact: Mapped[Contact] = relationship(back_populates="events")
    actor = relationship("User")
