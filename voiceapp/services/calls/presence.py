"""An agent's presence, set by the agent (online, offline, busy): only online agents ring.
Calls move it too (busy during a call, online after it and its wrap-up: calls.lifecycle).
The browser heartbeats while it is open; without a heartbeat the presence expires and the
agent counts as offline (domain.presence decides what a stored presence means now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import presence as rules
from voiceapp.models import AgentPresence, User


@dataclass(frozen=True)
class PresenceView:
    """What the agent, routing and colleagues see: the effective status, with the stored
    one's details (the API's PresenceSchema)."""

    user_id: int
    status: str
    call_sid: str | None
    updated_at: datetime
    # While busy after a call: when the agent rings again.
    wrap_up_until: datetime | None
    # How often the browser should heartbeat, in seconds.
    heartbeat_seconds: int


def timeout_seconds() -> int:
    """PRESENCE_TIMEOUT_SECONDS, or the default outside an app (scripts, unit tests)."""
    if has_app_context():
        return current_app.config["VOICEAPP"].presence_timeout_seconds
    return rules.DEFAULT_TIMEOUT_SECONDS


def effective(row: AgentPresence, now: datetime) -> str:
    return rules.effective_status(
        row.status,
        seen_at=row.seen_at,
        available_at=row.available_at,
        now=now,
        timeout_seconds=timeout_seconds(),
    )


def view(row: AgentPresence, now: datetime) -> PresenceView:
    status = effective(row, now)
    return PresenceView(
        user_id=row.user_id,
        status=status,
        call_sid=row.call_sid if status == rules.BUSY else None,
        updated_at=row.updated_at,
        wrap_up_until=row.available_at if status == rules.BUSY and row.available_at else None,
        heartbeat_seconds=rules.heartbeat_interval(timeout_seconds()),
    )


def presence_of(db: Session, user: User, *, now: datetime) -> PresenceView:
    """The agent's presence now; offline for an agent who never set one."""
    row = db.get(AgentPresence, user.id) or AgentPresence(
        user_id=user.id, status=rules.OFFLINE, updated_at=now
    )
    return view(row, now)


def _locked(db: Session, user: User) -> AgentPresence | None:
    return db.scalar(
        select(AgentPresence).where(AgentPresence.user_id == user.id).with_for_update()
    )


def set_presence(db: Session, user: User, status: str, *, now: datetime) -> PresenceView:
    """The agent goes online (calls ring in this browser), offline, or busy. The row is
    locked, so a call's own presence change cannot interleave. Setting it counts as a
    heartbeat; going online ends a wrap-up early (the agent says they are ready)."""
    presence = _locked(db, user)
    if presence is None:
        presence = AgentPresence(user_id=user.id)
        db.add(presence)
    presence.status = status
    presence.updated_at = now
    presence.seen_at = now
    presence.available_at = None
    if status != rules.BUSY:
        presence.call_sid = None
    db.flush()
    return view(presence, now)


def heartbeat(db: Session, user: User, *, now: datetime) -> PresenceView:
    """The browser is still there. A presence that already expired stays offline (stored
    so): the agent chooses to go online again, it does not happen behind their back."""
    presence = _locked(db, user)
    if presence is None:
        return presence_of(db, user, now=now)
    if presence.status != rules.OFFLINE and effective(presence, now) == rules.OFFLINE:
        presence.status = rules.OFFLINE
        presence.call_sid = None
        presence.available_at = None
        presence.updated_at = now
    elif presence.status != rules.OFFLINE:
        presence.seen_at = now
    db.flush()
    return view(presence, now)
