"""Calls: one row per CallSid, moved only forward by Twilio's callbacks, linked to the
agent and the contact (created for unknown numbers), and written into the contact's
history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from voiceapp.db import mark_written, utcnow
from voiceapp.domain.agent_identity import user_id_from_identity
from voiceapp.domain.call_status import KNOWN_STATUSES, StatusUpdate, advance, is_final
from voiceapp.domain.phones import is_withheld, try_normalize_phone
from voiceapp.domain.presence import wrap_up_until
from voiceapp.models import AgentPresence, Call, CallEvent, Contact, PhoneNumber
from voiceapp.precompiled import Precompiled, attached_row, insert_row
from voiceapp.services import contacts as contact_ops
from voiceapp.services.calls.pricing import queue_price_fetch
from voiceapp.services.team_settings import get_team_settings

# A call in one of these states was answered (an in-progress callback may come late).
ANSWERED_STATUSES = frozenset({"in-progress", "completed"})


@lru_cache(maxsize=4)
def _number_query(dialect: Dialect) -> Precompiled:
    """One of our numbers by its E.164 form (unique index), compiled once per dialect:
    the ORM's query cost several times the database's work."""
    table = PhoneNumber.__table__
    return Precompiled(select(table).where(table.c.number == bindparam("number")), dialect)


@lru_cache(maxsize=4)
def _two_numbers_query(dialect: Dialect) -> Precompiled:
    """Which of two numbers are ours, in one statement: every inbound call asks it of the
    number called and of the caller's (a call from one of our own numbers makes no
    contact)."""
    table = PhoneNumber.__table__
    wanted = [bindparam("first"), bindparam("second")]
    return Precompiled(select(table).where(table.c.number.in_(wanted)), dialect)


def _number_row(db: Session, e164: str) -> tuple | None:
    connection = db.connection()
    rows = _number_query(connection.dialect).run(connection, {"number": e164})
    return rows[0] if rows else None


def our_number(db: Session, e164: str | None) -> PhoneNumber | None:
    """Our number `e164`, in `db` (its operators are loaded only when asked for: who may
    call out)."""
    if not e164:
        return None
    row = _number_row(db, e164)
    if row is None:
        return None
    return attached_row(db, PhoneNumber, row)


def our_numbers(db: Session, first: str | None, second: str | None) -> dict[str, PhoneNumber]:
    """Those of the two numbers (E.164, or None) that are ours, by number, in `db`."""
    if not first and not second:
        return {}
    connection = db.connection()
    rows = _two_numbers_query(connection.dialect).run(
        connection, {"first": first, "second": second}
    )
    found = (attached_row(db, PhoneNumber, row) for row in rows)
    return {number.number: number for number in found}


@lru_cache(maxsize=4)
def _call_query(dialect: Dialect) -> Precompiled:
    """A call row by its sid (unique index), locked (PostgreSQL: FOR UPDATE; SQLite's
    IMMEDIATE transactions already serialise writers). Every callback asks it."""
    table = Call.__table__
    return Precompiled(
        select(table).where(table.c.sid == bindparam("sid")).with_for_update(), dialect
    )


def lock_call(db: Session, sid: str) -> Call | None:
    """The call row, locked for this transaction. Its recordings are loaded only if asked
    for: a callback has no use for them."""
    db.flush()  # what a query would flush first: the statement below reads the database
    connection = db.connection()
    rows = _call_query(connection.dialect).run(connection, {"sid": sid})
    return attached_row(db, Call, rows[0]) if rows else None


def is_our_number(db: Session, e164: str) -> bool:
    return _number_row(db, e164) is not None


def caller_number(raw_number: str | None, *, default_region: str) -> str | None:
    """The E.164 form of a caller's number, or None for withheld caller IDs, browser
    clients and invalid numbers: no contact is made of those."""
    if raw_number is None or is_withheld(raw_number) or raw_number.startswith("client:"):
        return None
    return try_normalize_phone(raw_number, default_region)


def customer_number(db: Session, raw_number: str | None, *, default_region: str) -> str | None:
    """The E.164 number to find or make a contact for: None for withheld caller IDs,
    browser clients, invalid numbers and our own numbers (no contact is made of those)."""
    e164 = caller_number(raw_number, default_region=default_region)
    if e164 is None or is_our_number(db, e164):
        return None
    return e164


@dataclass(frozen=True)
class NewCallerContact:
    """The contact a number no contact has becomes, made in two steps around the call's
    row (start_or_find_call): its row first, so that the call's row goes in with it (no
    UPDATE after: a round trip fewer for every new caller); its number and history lines
    once this request has created the call's row. A retry of Twilio's first request finds
    the row the first request made, and takes its own bare contact out again: one number,
    one contact."""

    db: Session
    e164: str
    now: datetime

    def insert(self) -> Contact:
        return contact_ops.insert_caller_contact(self.db, self.e164, now=self.now)

    def complete(self, contact: Contact, history: Sequence[dict]) -> None:
        contact_ops.complete_caller_contact(self.db, contact, self.e164, now=self.now, also=history)

    def remove(self, contact: Contact) -> None:
        contact_ops.remove_bare_contact(self.db, contact)


def contact_or_maker(
    db: Session, e164: str | None, *, now: datetime
) -> tuple[Contact | None, NewCallerContact | None]:
    """For start_or_find_call, the other party's number (E.164, not one of ours, or None):
    its contact, found now so that the call's row is written with it; or, for a number no
    contact has, the NewCallerContact to make. (None, None) without a number."""
    if e164 is None:
        return None, None
    found = contact_ops.find_by_phone(db, e164)
    if found:
        return found[0], None
    return None, NewCallerContact(db, e164, now)


def call_history_line(call: Call) -> dict:
    """The call's line in its contact's history (the contact_id to be added)."""
    return {
        "kind": f"call_{call.direction}",
        "summary": "Incoming call" if call.direction == "inbound" else "Outgoing call",
        "ref_type": "call",
        "ref_id": call.sid,
    }


def record_call_in_history(db: Session, call: Call, now: datetime) -> None:
    contact = call.contact
    if contact is None:
        return
    if contact.id is None:
        db.flush()
    contact_ops.insert_events(db, [{**call_history_line(call), "contact_id": contact.id}], now=now)


def start_call(
    db: Session,
    *,
    sid: str,
    direction: str,
    params: dict,
    from_number: str,
    to_number: str,
    contact: Contact | None,
    agent_id: int | None,
    phone_number: PhoneNumber | None,
    record: bool,
    now: datetime,
    new_contact: NewCallerContact | None = None,
    in_history: bool = True,
) -> Call:
    """The call's row, created on Twilio's first request; a retried request finds it.

    `contact` (found by contact_or_maker) goes in with the row; `new_contact` (what
    contact_or_maker returns for a number no contact has) goes in before the row, and is
    completed, with the call's line in its history, by the request that created the row,
    or taken out again by one that did not: concurrent first requests (Twilio's retry, the
    first callbacks of one call) make one contact. `in_history=False` for a leg of a call
    whose parent row already wrote its line in the contact's history (one call, one
    line)."""
    call, _created = start_or_find_call(
        db,
        sid=sid,
        direction=direction,
        params=params,
        from_number=from_number,
        to_number=to_number,
        contact=contact,
        agent_id=agent_id,
        phone_number=phone_number,
        record=record,
        now=now,
        new_contact=new_contact,
        in_history=in_history,
    )
    return call


def start_or_find_call(
    db: Session,
    *,
    sid: str,
    direction: str,
    params: dict,
    from_number: str,
    to_number: str,
    contact: Contact | None,
    agent_id: int | None,
    phone_number: PhoneNumber | None,
    record: bool,
    now: datetime,
    new_contact: NewCallerContact | None = None,
    in_history: bool = True,
) -> tuple[Call, bool]:
    """start_call, and whether this request created the row (a retry's did not)."""
    status = params.get("CallStatus") or "ringing"
    made = None
    if contact is None and new_contact is not None:
        contact = made = new_contact.insert()
    values = dict(
        sid=sid,
        parent_sid=params.get("ParentCallSid") or None,
        direction=direction,
        twilio_direction=params.get("Direction"),
        from_number=from_number,
        to_number=to_number,
        contact_id=contact.id if contact is not None else None,
        agent_id=agent_id,
        phone_number_id=phone_number.id if phone_number else None,
        # A status we do not know (Twilio adds values) says nothing about the call yet.
        status=status if status in KNOWN_STATUSES else "queued",
        record=record,
        started_at=now,
    )
    # The same first request may run concurrently (Twilio's retry): the row's unique sid
    # lets one insert win, the other finds (and locks) the winner's row.
    table = Call.__table__
    row = insert_row(db, table, values, returning=table.c.keys(), conflict_on=("sid",))
    if row is None:
        if made is not None:
            new_contact.remove(made)
        return lock_call(db, sid), False
    # The row as inserted becomes the session's object without reading it back (an ORM
    # INSERT ... RETURNING would also load its recordings).
    call = attached_row(db, Call, row)
    if made is not None:
        new_contact.complete(made, [call_history_line(call)] if in_history else [])
        in_history = False  # its line went in with the new contact's first
    if contact is not None:
        set_committed_value(call, "contact", contact)
    if in_history:
        record_call_in_history(db, call, now)
    return call, True


def _callback_time(params: dict, now: datetime) -> datetime:
    stamp = params.get("Timestamp")
    if stamp:
        try:
            return parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            pass
    return now


def int_param(value: str | None) -> int | None:
    """A numeric Twilio parameter, or None when absent or not a number."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def store_event(
    db: Session, *, source: str, params: dict, idempotency_token: str | None, now: datetime
) -> bool:
    """Store one callback; False when it was stored before (a retry or a duplicate: the
    same idempotency token, or the same call, source and sequence number)."""
    values = dict(
        call_sid=params.get("CallSid", ""),
        source=source,
        sequence_number=int_param(params.get("SequenceNumber")),
        idempotency_token=idempotency_token or None,
        # A Dial action's CallStatus is the parent's (in-progress); what happened is the
        # DialCallStatus.
        status=(params.get("DialCallStatus") if source == "dial" else None)
        or params.get("CallStatus")
        or params.get("DialCallStatus")
        or params.get("RecordingStatus"),
        params=dict(params),
        received_at=now,
    )
    stored = insert_row(db, CallEvent.__table__, values, returning=("id",), skip_conflicts=True)
    return stored is not None


def _set_presence(db: Session, user_id: int, status: str, call_sid: str | None, now) -> None:
    presence = db.get(AgentPresence, user_id)
    if presence is None:
        presence = AgentPresence(user_id=user_id, status="offline")
        db.add(presence)
    # An agent who went offline during the call stays offline afterwards.
    if status == "busy" and presence.status == "offline":
        return
    if status == "online" and presence.status != "busy":
        return
    presence.status = status
    presence.call_sid = call_sid
    presence.updated_at = now
    # Back online after the call, but not ringing until the team's wrap-up time is over.
    presence.available_at = (
        wrap_up_until(now, get_team_settings(db).wrap_up_seconds) if status == "online" else None
    )


def apply_status_callback(
    db: Session,
    params: dict,
    *,
    idempotency_token: str | None,
    default_region: str,
    now: datetime,
) -> Call | None:
    """Store the callback once and move the call forward. Returns the call, or None for a
    duplicate."""
    if not store_event(
        db, source="status", params=params, idempotency_token=idempotency_token, now=now
    ):
        return None
    sid = params.get("CallSid", "")
    if params.get("ParentCallSid"):
        # Always the parent's row first, then the leg's: a leg's callbacks may lock both
        # (the leg, then the parent it reports an answer to), and concurrent callbacks of
        # one call taking them in different orders deadlocked on PostgreSQL (found by
        # `sim day --chaos --chaos-mode concurrent`).
        lock_call(db, params["ParentCallSid"])
    call = lock_call(db, sid)
    if call is None:
        call = _call_from_callback(db, params, default_region=default_region, now=now)
    before = call.status
    state = {name: getattr(call, name) for name in _STATE_COLUMNS}
    state["status"], state["last_sequence"] = advance(
        call.status,
        call.last_sequence,
        StatusUpdate(params.get("CallStatus", ""), int_param(params.get("SequenceNumber"))),
    )
    at = _callback_time(params, now)
    # The in-progress callback may arrive after the final one: the answer time is taken
    # from it whenever the call was answered, not only while the call is in progress.
    status = state["status"]
    answered = params.get("CallStatus") == "in-progress" or status == "in-progress"
    newly_answered = answered and status in ANSWERED_STATUSES and call.answered_at is None
    if newly_answered:
        state["answered_at"] = at
    if is_final(status):
        if call.ended_at is None:
            state["ended_at"] = at
        duration = int_param(params.get("CallDuration"))
        if duration is not None and call.duration is None:
            state["duration"] = duration
        state.update(_price(params, call.price_unit))
    _write_state(db, call, state)
    if is_final(status) and not is_final(before):
        queue_price_fetch(db, call)
    if status != before or newly_answered:
        _after_status_change(db, call, before, now)
    return call


# What a status callback moves on a call, written by one statement (with updated_at).
_STATE_COLUMNS = (
    "status",
    "last_sequence",
    "answered_at",
    "ended_at",
    "duration",
    "price",
    "price_unit",
)


@lru_cache(maxsize=8)
def _call_update(dialect: Dialect, columns: tuple[str, ...]) -> Precompiled:
    """An UPDATE of these columns of one call, and of updated_at (as its onupdate would
    set it), compiled once per dialect and set of columns."""
    table = Call.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("call_id"))
        .values({name: bindparam(f"new_{name}") for name in (*columns, "updated_at")})
    )
    return Precompiled(statement, dialect)


def _write_call(db: Session, call: Call, values: dict) -> None:
    """`values` into the call's row by one statement, and into the session's object as if
    loaded so: the ORM's unit of work for one changed row cost more than the rest of a
    callback."""
    stamp = utcnow()
    connection = db.connection()
    _call_update(connection.dialect, tuple(values)).run(
        connection,
        {"call_id": call.id, "new_updated_at": stamp}
        | {f"new_{name}": value for name, value in values.items()},
    )
    mark_written(db)
    for name, value in (*values.items(), ("updated_at", stamp)):
        set_committed_value(call, name, value)


def _write_state(db: Session, call: Call, state: dict) -> None:
    """A status callback's `state` (_STATE_COLUMNS), written when it changed anything. The
    row is locked (lock_call), so nothing else wrote it since."""
    if all(getattr(call, name) == value for name, value in state.items()):
        return
    db.flush()  # the call's own pending changes first, so this write comes after them
    _write_call(db, call, state)


def _price(params: dict, price_unit: str | None) -> dict:
    """The price and its unit, when the callback carries one (a number)."""
    raw = params.get("Price") or params.get("CallPrice")
    if not raw:
        return {}
    try:
        return {"price": abs(Decimal(raw)), "price_unit": params.get("PriceUnit") or price_unit}
    except InvalidOperation:
        return {}


def _call_from_callback(db: Session, params: dict, *, default_region: str, now) -> Call:
    """A callback for a call we have no row for: a child leg (<Dial> to an agent's browser
    or a customer's number), or a parent whose first request we never saw."""
    parent = lock_call(db, params["ParentCallSid"]) if params.get("ParentCallSid") else None
    direction = (
        parent.direction
        if parent
        else ("inbound" if params.get("Direction") == "inbound" else "outbound")
    )
    to_number = params.get("To", "")
    agent_id = user_id_from_identity(to_number) if to_number.startswith("client:") else None
    if parent is not None:
        contact, new_contact = parent.contact, None
    else:
        customer = params.get("From") if direction == "inbound" else to_number
        e164 = customer_number(db, customer, default_region=default_region)
        contact, new_contact = contact_or_maker(db, e164, now=now)
    return start_call(
        db,
        sid=params.get("CallSid", ""),
        direction=direction,
        params=params,
        from_number=params.get("From", ""),
        to_number=to_number,
        contact=contact,
        # The parent wrote the call's line in the history; a child leg (the agent's
        # browser, the dialled customer) is the same conversation.
        in_history=parent is None,
        agent_id=agent_id or (parent.agent_id if parent else None),
        phone_number=None,
        record=False,
        now=now,
        new_contact=new_contact,
    )


def _after_status_change(db: Session, call: Call, before: str, now: datetime) -> None:
    """An agent's browser leg answered or ended: the agent is busy, then online again, and
    the parent call knows who took it and when (also when the leg's in-progress callback
    came after its completed one)."""
    if call.parent_sid and call.agent_id and call.to_number.startswith("client:"):
        if call.answered_at is not None:
            parent = lock_call(db, call.parent_sid)
            if parent is not None and parent.agent_id is None:
                parent.agent_id = call.agent_id
            # The number's own callback reports only the end of an inbound call: the
            # answer time is the moment an agent's leg was answered.
            if parent is not None and parent.answered_at is None:
                parent.answered_at = call.answered_at
        if call.status == "in-progress" and before != "in-progress":
            _set_presence(db, call.agent_id, "busy", call.parent_sid, now)
        elif is_final(call.status) and before == "in-progress":
            _set_presence(db, call.agent_id, "online", None, now)


def mark_missed(db: Session, call: Call, now: datetime, *, language: str | None = None) -> None:
    """An inbound call nobody took: into the caller's history, and a callback case (once
    per call)."""
    if call.missed:
        return
    call.missed = True
    if call.contact is not None:
        contact_ops.add_event(
            db,
            call.contact,
            kind="call_missed",
            summary="Missed call",
            now=now,
            ref_type="call",
            ref_id=call.sid,
        )
    from voiceapp.services.cases.callbacks import open_case_for_missed_call

    open_case_for_missed_call(db, call, language=language, now=now)
