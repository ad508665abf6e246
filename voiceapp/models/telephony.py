"""Our virtual phone numbers and who may use them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    friendly_name: Mapped[str] = mapped_column(String(100), default="")
    twilio_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    outgoing_enabled: Mapped[bool] = mapped_column(default=True)
    recording_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operators: Mapped[list[NumberOperator]] = relationship(
        back_populates="phone_number", cascade="all, delete-orphan", lazy="selectin"
    )


class NumberOperator(Base):
    """An agent allowed to use a number, with their own switches (SPEC: per operator)."""

    __tablename__ = "number_operators"
    __table_args__ = (UniqueConstraint("phone_number_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    outgoing_enabled: Mapped[bool] = mapped_column(default=True)
    recording_enabled: Mapped[bool] = mapped_column(default=True)

    phone_number: Mapped[PhoneNumber] = relationship(back_populates="operators")
