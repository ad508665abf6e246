"""Calls as Twilio reports them: one row per CallSid, the callbacks received, recordings
and who listened to them, and the IVR's state per call."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_agent_started", "agent_id", "started_at"),
        Index("ix_calls_missed_started", "missed", "started_at"),
        # The dashboard's customers reached: the distinct customers of each member's
        # answered legs in a period, read from this index alone. Only the legs' status and
        # duration change once they are answered, so their updates stay HOT.
        Index(
            "ix_calls_answered_legs",
            "agent_id",
            "started_at",
            "contact_id",
            sqlite_where=text("parent_sid IS NOT NULL AND answered_at IS NOT NULL"),
            postgresql_where=text("parent_sid IS NOT NULL AND answered_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    # Child legs (<Dial> to an agent's browser or a customer's number) point at the caller's.
    parent_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # Ours: "inbound" (a customer called us) or "outbound" (we called a customer).
    direction: Mapped[str] = mapped_column(String(10))
    # Twilio's own Direction value: inbound, outbound-api, outbound-dial.
    twilio_direction: Mapped[str | None] = mapped_column(String(20))
    from_number: Mapped[str] = mapped_column(String(128))
    to_number: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    phone_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # The highest status-callback SequenceNumber applied (callbacks arrive out of order).
    last_sequence: Mapped[int] = mapped_column(default=-1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration: Mapped[int | None]
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 5))
    price_unit: Mapped[str | None] = mapped_column(String(3))
    missed: Mapped[bool] = mapped_column(default=False)
    voicemail: Mapped[bool] = mapped_column(default=False)
    record: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    recordings: Mapped[list[Recording]] = relationship(
        back_populates="call", order_by="Recording.id", lazy="selectin"
    )
    events: Mapped[list[CallEvent]] = relationship(
        order_by="CallEvent.id",
        viewonly=True,
        lazy="select",
        primaryjoin="Call.sid == foreign(CallEvent.call_sid)",
    )
    agent = relationship("User")
    contact = relationship("Contact")


class CallEvent(Base):
    """One callback Twilio sent about a call, stored once."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_sid", "source", "sequence_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    # status (StatusCallback), dial (Dial action), recording (recording callback), voice.
    source: Mapped[str] = mapped_column(String(12))
    sequence_number: Mapped[int | None]
    idempotency_token: Mapped[str | None] = mapped_column(String(128), unique=True)
    status: Mapped[str | None] = mapped_column(String(20))
    params: Mapped[dict] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.sid", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    duration: Mapped[int | None]
    channels: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(String(30))
    twilio_url: Mapped[str | None] = mapped_column(String(500))
    # Where the media was stored here, relative to the recordings folder.
    media_path: Mapped[str | None] = mapped_column(String(300))
    media_bytes: Mapped[int | None]
    fetched_at: Mapped[datetime | None]
    deleted_at_twilio: Mapped[datetime | None]
    fetch_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The media was deleted here (retention, or by hand); the row stays for the call's
    # history. deleted_by_id None with deleted_at set: the retention job.
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_reason: Mapped[str | None] = mapped_column(String(40))

    call: Mapped[Call] = relationship(back_populates="recordings")


class CallReview(Base):
    """A manager's score of one call (1-5), per criterion, with a comment. One review per
    reviewer and call; reviewing again changes it. agent_id is the agent the call is
    scored for, kept here so the dashboard averages scores per agent from one index."""

    __tablename__ = "call_reviews"
    __table_args__ = (
        UniqueConstraint("call_sid", "reviewer_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_call_reviews_agent_created", "agent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.sid", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[int]
    # {criterion key: 1-5}; only keys of the team's criteria.
    criteria: Mapped[dict] = mapped_column(default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    reviewer = relationship("User", foreign_keys=[reviewer_id])
    agent = relationship("User", foreign_keys=[agent_id])


class RecordingListen(Base):
    """Recordings are personal data: every listen is logged (who, when)."""

    __tablename__ = "recording_listens"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listened_at: Mapped[datetime] = mapped_column(default=utcnow)


class IvrSession(Base):
    """Where a caller is in the IVR, keyed by CallSid (never in a cookie)."""

    __tablename__ = "ivr_sessions"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    case_type: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    # Which ring round is under way: "preferred" (the owner agent) or "team".
    ring_stage: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CallHourTotal(Base):
    """What the team's calls added up to in one UTC hour, per agent (None: calls nobody
    took): the dashboard reads past hours from here instead of from every call
    (services.call_hours). Rewritten, never updated in place, by the roll-up job."""

    __tablename__ = "call_hour_totals"
    __table_args__ = (Index("ix_call_hour_totals_hour", "hour", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Hours since 1970-01-01 00:00 UTC.
    hour: Mapped[int] = mapped_column(BigInteger)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    made: Mapped[int] = mapped_column(default=0)
    made_reached: Mapped[int] = mapped_column(default=0)
    taken: Mapped[int] = mapped_column(default=0)
    missed: Mapped[int] = mapped_column(default=0)
    talk_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class CallHourMark(Base):
    """How far call_hour_totals is complete (one row): every UTC hour before
    `rolled_until` (hours since 1970) is there."""

    __tablename__ = "call_hour_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_until: Mapped[int] = mapped_column(BigInteger)
    rolled_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentPresence(Base):
    """online / offline / busy, kept server-side so routing reads it from the database."""

    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(10), default="offline")
    call_sid: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The browser's last heartbeat (PUT presence or POST heartbeat); without one for
    # PRESENCE_TIMEOUT_SECONDS the agent counts as offline (domain.presence).
    seen_at: Mapped[datetime | None] = mapped_column()
    # After a call: the agent is "busy" (wrap-up) until then, and rings again afterwards.
    available_at: Mapped[datetime | None] = mapped_column()
