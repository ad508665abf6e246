"""The calls of a case, for its page: the contact's calls (the caller's or agent's first
leg) from when the case was opened until it closed, newest first, each with the outcome
recorded for it and the recordings the viewer may hear."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voiceapp.domain.scheduling import OUTCOME_LABELS
from voiceapp.models import Call, Case, CaseEvent, Recording, User

MAX_CALLS = 50


@dataclass(slots=True)
class CaseCall:
    call: Call
    agent_name: str | None
    outcome_label: str | None
    # Stored recordings the viewer may play, and those not stored (yet).
    playable: list[Recording] = field(default_factory=list)
    pending: list[Recording] = field(default_factory=list)


def _stored(recording: Recording) -> bool:
    # Imported here: services.calls imports services.cases (missed calls open cases).
    from voiceapp.services.calls.recordings import is_stored

    return is_stored(recording)


def _outcomes_by_call(db: Session, case: Case) -> dict[str, str]:
    """The outcome label recorded for each call of the case (its history names the call)."""
    found: dict[str, str] = {}
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "outcome")
    )
    for event in events:
        data = event.data or {}
        if data.get("call_sid") and data.get("outcome") in OUTCOME_LABELS:
            found[data["call_sid"]] = OUTCOME_LABELS[data["outcome"]]
    return found


def case_calls(db: Session, case: Case, viewer: User, *, now: datetime) -> list[CaseCall]:
    """Newest first; at most MAX_CALLS. Recordings are personal data: only those
    services.calls.recordings.can_listen allows the viewer are offered for playing."""
    # Imported here: services.calls imports services.cases (missed calls open cases).
    from voiceapp.services.calls.recordings import can_listen

    until = case.closed_at or now
    calls = db.scalars(
        select(Call)
        .where(
            Call.contact_id == case.contact_id,
            Call.parent_sid.is_(None),
            Call.started_at >= case.created_at,
            Call.started_at <= until,
        )
        .options(selectinload(Call.recordings))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(MAX_CALLS)
    ).all()
    agents = {
        u.id: u.name
        for u in db.scalars(select(User).where(User.id.in_({c.agent_id for c in calls})))
    }
    outcomes = _outcomes_by_call(db, case)
    rows = []
    for call in calls:
        row = CaseCall(call, agents.get(call.agent_id), outcomes.get(call.sid))
        if can_listen(viewer, call):
            for recording in call.recordings:
                (row.playable if _stored(recording) else row.pending).append(recording)
        rows.append(row)
    return rows
