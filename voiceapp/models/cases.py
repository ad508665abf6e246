"""Cases (tickets): a reason to call a customer, with its due time, its claim, its history
and the files attached to its outcomes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow

OPEN = "open"
CLOSED = "closed"
CASE_STATUSES = (OPEN, CLOSED)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        # "Call today": an agent's own open cases in due order ...
        # (id: PostgreSQL reads the page's ids from the index alone, in due order;
        # private_to: an agent's list offers only cases whose contact they see, checked
        # from the index without reading the case row.)
        Index(
            "ix_cases_open_assignee_due",
            "assignee_id",
            "due_at",
            "id",
            "private_to",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # ... and the open unassigned pool, by the types and languages an agent handles.
        Index(
            "ix_cases_open_pool",
            "type",
            "language",
            "due_at",
            "id",
            "private_to",
            sqlite_where=text("status = 'open' AND assignee_id IS NULL"),
            postgresql_where=text("status = 'open' AND assignee_id IS NULL"),
        ),
        # Open cases in due order, whoever holds them ("next case"). Without it PostgreSQL
        # walks ix_cases_due_at through every closed case (all due in the past) first.
        Index(
            "ix_cases_open_due",
            "due_at",
            "id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The dashboard's "cases done": the cases each member closed with a call outcome in
        # a period, counted from this index alone.
        Index(
            "ix_cases_done",
            "closed_by_id",
            "closed_at",
            sqlite_where=text("status = 'closed' AND closed_by_id IS NOT NULL"),
            postgresql_where=text("status = 'closed' AND closed_by_id IS NOT NULL"),
        ),
        # A contact's open cases (the missed-call case to add to, the agent to ring first).
        Index("ix_cases_contact_status", "contact_id", "status"),
        # "All cases": newest first, and by due time.
        Index("ix_cases_due_at", "due_at"),
        # Reminders still to send (the sweep reads only these).
        Index(
            "ix_cases_remind_at",
            "remind_at",
            sqlite_where=text("remind_at IS NOT NULL"),
            postgresql_where=text("remind_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    due_at: Mapped[datetime]
    # Calls made on this case, and how many of them did not reach the customer.
    attempts: Mapped[int] = mapped_column(default=0)
    not_reached: Mapped[int] = mapped_column(default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_called_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]
    # The member whose call outcome closed the case ("cases done"); None when it closed
    # otherwise (paid in full, its order cancelled).
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who is calling this customer right now, and until when the claim holds.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_until: Mapped[datetime | None]
    # When the assigned agent is to be reminded (the due time); cleared once reminded.
    remind_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    # Recordings of this case's calls outlive the retention period (a dispute, a claim).
    keep_recordings: Mapped[bool] = mapped_column(default=False)
    # Who alone (with managers and admins) may see this case's contact: NULL when the
    # contact is not private, else its owner's id, or 0 for a private contact without an
    # owner. Written only by the database's triggers (migration 0018), whenever a case is
    # created or moved or its contact's visibility or owner changes: never set it here.
    private_to: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contact = relationship("Contact")
    order = relationship("Order", foreign_keys=[order_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id"
    )
    files: Mapped[list[CaseFile]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseFile.id"
    )

    @property
    def assignee_name(self) -> str | None:
        return self.assignee.name if self.assignee is not None else None


class CaseEvent(Base):
    """One line of a case's history: created, assigned, released, an outcome, a missed
    call, an e-mail queued / sent / failed, a reminder, a file."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case", "case_id", "id"),
        # The dashboard's "cases done" per member and period.
        Index("ix_case_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Outcome details (outcome, reached, comment, callback_at, call sid ...), e-mail ids.
    data: Mapped[dict | None] = mapped_column()

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("User")


class CaseFile(Base):
    """A conversation file attached to a case (stored under CASE_FILES_PATH)."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Relative to the case files folder.
    path: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="files")
