"""Tasks (seed 001): something a member must do by a date, on a contact or a case, with a
reminder through the same machinery as cases' reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # "My tasks": a member's open tasks in due order (overdue first).
        Index(
            "ix_tasks_open_assignee_due",
            "assignee_id",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_tasks_contact", "contact_id"),
        Index("ix_tasks_case", "case_id"),
        # Reminders still to send (the sweep reads only these).
        Index(
            "ix_tasks_remind_at",
            "remind_at",
            sqlite_where=text("remind_at IS NOT NULL"),
            postgresql_where=text("remind_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # When the assignee is to be reminded; cleared once reminded (as cases' remind_at).
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignee = relationship("User", foreign_keys=[assignee_id])
    contact = relationship("Contact")
    case = relationship("Case")

    @property
    def done(self) -> bool:
        return self.done_at is not None
