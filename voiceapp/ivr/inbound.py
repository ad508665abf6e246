"""Inbound calls through the IVR: the menu's steps kept per CallSid, who rings, and what
happens when nobody answers. The service that ties the pure menu and routing rules to
the database; the blueprints render what it returns (ivr.render)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.agent_identity import client_identity
from voiceapp.domain.business_hours import is_open
from voiceapp.domain.call_status import UNANSWERED_DIAL_STATUSES
from voiceapp.ivr import menu
from voiceapp.ivr.routing import AgentState, RingPlan, plan_ringing
from voiceapp.models import AgentPresence, Call, IvrSession, User
from voiceapp.models.settings import TeamSettings
from voiceapp.precompiled import attached_row, insert_row
from voiceapp.services import calls as call_ops
from voiceapp.services.calls import presence as call_presence
from voiceapp.services.cases import callbacks as case_callbacks
from voiceapp.services.team_settings import get_team_settings

PREFERRED = "preferred"
TEAM = "team"


@dataclass(frozen=True)
class Ring:
    """Ring these browser identities; `stage` says which round it is."""

    language: str
    identities: tuple[str, ...]
    stage: str
    timeout: int
    record: bool


@dataclass(frozen=True)
class Hangup:
    pass


Step = menu.AskLanguage | menu.AskReason | menu.Voicemail | Ring | Hangup


def _config(settings: TeamSettings, zone: str, now: datetime) -> menu.IvrConfig:
    return menu.IvrConfig(
        languages=tuple(settings.languages or ["en"]),
        case_types=tuple(settings.ivr_case_types or []),
        max_attempts=max(1, settings.ivr_max_attempts),
        is_open=is_open(settings.business_hours or {}, settings.timezone or zone, now),
    )


def preferred_agent_id(db: Session, call: Call) -> int | None:
    """Who should ring first for this caller: the agent of their open case, else the
    contact's responsible user."""
    return case_callbacks.preferred_agent_id(db, call.contact_id)


def _agent_states(db: Session, now: datetime) -> list[AgentState]:
    """The agents who may ring now: online, their browser still heartbeating, and not in a
    call's wrap-up (call_presence.effective decides; the SQL only narrows it down)."""
    rows = [
        (user, presence)
        for user, presence in db.execute(
            select(User, AgentPresence)
            .join(AgentPresence, AgentPresence.user_id == User.id)
            .where(User.active, AgentPresence.status == "online")
        ).all()
        if call_presence.effective(presence, now) == "online"
    ]
    return [
        AgentState(
            user_id=user.id,
            status=presence.status,
            languages=tuple(user.languages or ()),
            case_types=tuple(user.case_types or ()),
            idle_since=presence.updated_at,
        )
        for user, presence in rows
    ]


def _ring_or_voicemail(
    db: Session,
    call: Call,
    session: IvrSession,
    settings: TeamSettings,
    plan: RingPlan,
    stage: str,
    now: datetime,
) -> Step:
    language = session.language or "en"
    agents = plan.preferred if stage == PREFERRED else plan.team
    if not agents:
        call_ops.mark_missed(db, call, now, language=session.language)
        return menu.Voicemail(language, "no_agent")
    session.ring_stage = stage
    return Ring(
        language=language,
        identities=tuple(client_identity(a) for a in agents),
        stage=stage,
        timeout=settings.ring_timeout_seconds,
        record=call.record,
    )


def _route(db: Session, call: Call, session: IvrSession, settings, now) -> Step:
    plan = plan_ringing(
        _agent_states(db, now),
        language=session.language,
        case_type=session.case_type,
        preferred_agent_id=preferred_agent_id(db, call),
    )
    stage = PREFERRED if plan.preferred else TEAM
    return _ring_or_voicemail(db, call, session, settings, plan, stage, now)


def _resolve(db, call, session, settings, action, now) -> Step:
    if isinstance(action, menu.Route):
        return _route(db, call, session, settings, now)
    if isinstance(action, menu.Voicemail):
        call_ops.mark_missed(db, call, now, language=session.language)
    return action


def begin_inbound(
    db: Session, params: dict, *, default_region: str, zone: str, now: datetime
) -> Step:
    """Twilio's first request for a call to one of our numbers."""
    settings = get_team_settings(db)
    to_number = params.get("To")
    caller = call_ops.caller_number(params.get("From"), default_region=default_region)
    ours = call_ops.our_numbers(db, to_number, caller)  # the number called, and the caller's
    our = ours.get(to_number) if to_number else None
    if caller in ours:
        caller = None  # a call from one of our own numbers makes no contact
    contact, new_contact = call_ops.contact_or_maker(db, caller, now=now)
    call, created = call_ops.start_or_find_call(
        db,
        sid=params["CallSid"],
        direction="inbound",
        params=params,
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        contact=contact,
        agent_id=None,
        phone_number=our,
        record=bool(our and our.recording_enabled),
        now=now,
        new_contact=new_contact,
    )
    # A call this request created has no IVR state yet: no need to ask the database.
    session = None if created else db.get(IvrSession, call.sid)
    if session is not None:  # Twilio retried the first request
        return _replay(db, call, session, settings, zone, now)
    state, action = menu.start(_config(settings, zone, now))
    session = IvrSession(
        call_sid=call.sid,
        step=state.step,
        language=state.language,
        case_type=state.case_type,
        attempts=state.attempts,
        created_at=now,
    )
    step = _resolve(db, call, session, settings, action, now)
    _store_new_session(db, session)
    return step


def _store_new_session(db: Session, session: IvrSession) -> None:
    """The caller's first IVR state, written once by one statement when the first step is
    decided (the ORM's unit of work cost more than the rest of the request), then held by
    the session as if loaded. Columns left unset get their defaults."""
    table = IvrSession.__table__
    values = {
        column.key: getattr(session, column.key)
        for column in table.columns
        if getattr(session, column.key) is not None
    }
    row = insert_row(db, table, values, returning=table.c.keys())
    attached_row(db, IvrSession, row)


def _replay(db, call, session, settings, zone, now) -> Step:
    config = _config(settings, zone, now)
    if session.step == menu.LANGUAGE:
        return menu.AskLanguage(config.languages, retry=False)
    if session.step == menu.REASON:
        return menu.AskReason(session.language or "en", config.case_types, retry=False)
    return _resolve(
        db, call, session, settings, menu.Route(session.language or "en", session.case_type), now
    )


def menu_input(db: Session, call_sid: str, digits: str | None, *, zone: str, now: datetime) -> Step:
    """The caller pressed `digits` (or nothing) in the current menu."""
    call = call_ops.lock_call(db, call_sid)
    session = db.get(IvrSession, call_sid)
    if call is None or session is None:
        return Hangup()
    settings = get_team_settings(db)
    state = menu.IvrState(session.step, session.language, session.case_type, session.attempts)
    new_state, action = menu.on_input(state, _config(settings, zone, now), digits)
    session.step, session.language = new_state.step, new_state.language
    session.case_type, session.attempts = new_state.case_type, new_state.attempts
    session.updated_at = now
    _learn_language(call, session.language)
    return _resolve(db, call, session, settings, action, now)


def _learn_language(call: Call, language: str | None) -> None:
    """The caller chose a language in the menu: it becomes their contact's language when
    the contact has none yet (a language someone wrote down is not overwritten)."""
    if language and call.contact is not None and not call.contact.language:
        call.contact.language = language


def dial_finished(
    db: Session, call_sid: str, dial_status: str, *, stage: str, now: datetime
) -> Step:
    """The <Dial> of ring round `stage` ended (its action URL). The stage comes from the
    URL, so a retried request gets the same answer as the first."""
    call = call_ops.lock_call(db, call_sid)
    session = db.get(IvrSession, call_sid)
    if call is None or session is None:
        return Hangup()
    if dial_status not in UNANSWERED_DIAL_STATUSES:
        return Hangup()  # the agent talked to the caller; the call is over
    settings = get_team_settings(db)
    if stage == PREFERRED:
        plan = plan_ringing(
            _agent_states(db, now),
            language=session.language,
            case_type=session.case_type,
            preferred_agent_id=None,
        )
        # The preferred agent did not answer; do not ring them again in the team round.
        team = tuple(a for a in plan.team if a != preferred_agent_id(db, call))
        return _ring_or_voicemail(
            db, call, session, settings, RingPlan(preferred=(), team=team), TEAM, now
        )
    call_ops.mark_missed(db, call, now, language=session.language)
    return menu.Voicemail(session.language or "en", "no_answer")


def caller_language(db: Session, call_sid: str) -> str:
    """The language the caller chose in the menu ("en" before a choice or for an unknown
    call), to say goodbye in."""
    row = db.get(IvrSession, call_sid)
    return (row.language if row and row.language else None) or "en"
