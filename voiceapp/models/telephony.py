"""Our virtual phone numbers. The voice issue adds operators and per-number switches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

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
