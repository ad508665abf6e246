"""Outbound calls from the browser softphone (the TwiML App's voice URL).

The Voice JavaScript SDK posts From=client:<identity> and the custom parameters given to
device.connect(): `To` (the customer's number, any written form) and optionally
`CallerId` (which of our numbers to call from).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.agent_identity import user_id_from_identity
from voiceapp.domain.phones import try_normalize_phone
from voiceapp.models import NumberOperator, PhoneNumber, User
from voiceapp.services.calls import lifecycle as call_ops

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused:
    reason: str  # said to the agent, then the call ends


@dataclass(frozen=True)
class Dialling:
    number: str
    caller_id: str
    record: bool


def _operator_numbers(db: Session, user_id: int) -> list[tuple[PhoneNumber, NumberOperator]]:
    return list(
        db.execute(
            select(PhoneNumber, NumberOperator)
            .join(NumberOperator, NumberOperator.phone_number_id == PhoneNumber.id)
            .where(NumberOperator.user_id == user_id)
            .order_by(PhoneNumber.id)
        ).all()
    )


def decide_outbound(db: Session, params: dict, *, default_region: str) -> Refused | Dialling:
    user_id = user_id_from_identity(params.get("From", ""))
    user = db.get(User, user_id) if user_id else None
    if user is None or not user.active:
        return Refused("This softphone is not signed in as an active agent.")
    target = try_normalize_phone(params.get("To", ""), default_region)
    if target is None:
        return Refused("The number to call is not a valid phone number.")
    if call_ops.our_number(db, target) is not None:
        return Refused("That is one of our own numbers and cannot be called.")
    allowed = [
        (number, op)
        for number, op in _operator_numbers(db, user.id)
        if number.outgoing_enabled and op.outgoing_enabled
    ]
    wanted = try_normalize_phone(params.get("CallerId", ""), default_region)
    if wanted:
        allowed = [(n, op) for n, op in allowed if n.number == wanted]
    if not allowed:
        return Refused("You may not make outgoing calls from this number.")
    number, operator = allowed[0]
    return Dialling(
        number=target,
        caller_id=number.number,
        record=number.recording_enabled and operator.recording_enabled,
    )


def start_outbound(db: Session, params: dict, *, default_region: str, now: datetime):
    decision = decide_outbound(db, params, default_region=default_region)
    if isinstance(decision, Refused):
        log.info(
            "refused outbound call %s from %s: %s",
            params.get("CallSid"),
            params.get("From"),
            decision.reason,
        )
        return decision
    # decide_outbound refused our own numbers: the number called is a customer's.
    contact, new_contact = call_ops.contact_or_maker(db, decision.number, now=now)
    call_ops.start_call(
        db,
        sid=params["CallSid"],
        direction="outbound",
        params=params,
        from_number=decision.caller_id,
        to_number=decision.number,
        contact=contact,
        agent_id=user_id_from_identity(params.get("From", "")),
        phone_number=call_ops.our_number(db, decision.caller_id),
        record=decision.record,
        now=now,
        new_contact=new_contact,
    )
    return decision
