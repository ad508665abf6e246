"""An agent's presence, set by the agent (online, offline, busy): only online agents ring.
Calls move it too (busy during a call, online after it: calls.lifecycle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import AgentPresence, User


def presence_of(db: Session, user: User, *, now: datetime) -> AgentPresence:
    """The agent's presence; offline (not stored) for an agent who never set one."""
    return db.get(AgentPresence, user.id) or AgentPresence(
        user_id=user.id, status="offline", updated_at=now
    )


def set_presence(db: Session, user: User, status: str, *, now: datetime) -> AgentPresence:
    """The agent goes online (calls ring in this browser), offline, or busy. The row is
    locked, so a call's own presence change cannot interleave."""
    presence = db.scalar(
        select(AgentPresence).where(AgentPresence.user_id == user.id).with_for_update()
    )
    if presence is None:
        presence = AgentPresence(user_id=user.id)
        db.add(presence)
    presence.status = status
    presence.updated_at = now
    if status != "busy":
        presence.call_sid = None
    return presence
