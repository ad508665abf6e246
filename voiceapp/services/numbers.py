"""Our virtual numbers and who operates them: the rows behind the Numbers page.

Twilio itself (listing, buying, setting a number's webhooks) is the telephony adapter's
business; this module only stores what the admin chose. Callers commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.models import NumberOperator, PhoneNumber, User


class NumberError(ValueError):
    """A user-facing reason a change to the numbers was refused."""


def all_numbers(db: Session) -> list[PhoneNumber]:
    return list(db.scalars(select(PhoneNumber).order_by(PhoneNumber.number)))


def get_number(db: Session, number_id: int) -> PhoneNumber | None:
    return db.get(PhoneNumber, number_id)


def get_operator(db: Session, number_id: int, operator_id: int) -> NumberOperator | None:
    operator = db.get(NumberOperator, operator_id)
    if operator is None or operator.phone_number_id != number_id:
        return None
    return operator


def is_ours(db: Session, number: str) -> bool:
    return db.scalar(select(PhoneNumber.id).where(PhoneNumber.number == number)) is not None


def linked_keys(db: Session) -> set[str]:
    """The Twilio SIDs and E.164 numbers we already have, to mark them in the account's list."""
    ours = db.scalars(select(PhoneNumber)).all()
    return {n.twilio_sid for n in ours if n.twilio_sid} | {n.number for n in ours}


def add_number(
    db: Session, *, number: str, friendly_name: str | None, twilio_sid: str
) -> PhoneNumber:
    """Store a number of the Twilio account; refused when it is already ours (also when a
    concurrent request stored it first: the unique index decides)."""
    row = PhoneNumber(
        number=number, friendly_name=(friendly_name or number)[:100], twilio_sid=twilio_sid
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        raise NumberError(f"{number} is already one of our numbers") from None
    return row


def set_switches(target: PhoneNumber | NumberOperator, *, outgoing: bool, recording: bool) -> None:
    """Outgoing calls and recording, for a number or for one operator of it."""
    target.outgoing_enabled = outgoing
    target.recording_enabled = recording


def unlink_number(db: Session, number: PhoneNumber) -> None:
    """Forget the number here (its operators go with it); it stays in the Twilio account."""
    db.delete(number)


def add_operator(
    db: Session, number: PhoneNumber, user: User | None, *, outgoing: bool, recording: bool
) -> NumberOperator:
    if user is None or not user.active:
        raise NumberError("Choose an active member as operator")
    refused = NumberError(f"{user.name} already operates {number.number}")
    if any(op.user_id == user.id for op in number.operators):
        raise refused
    operator = NumberOperator(
        user_id=user.id, outgoing_enabled=outgoing, recording_enabled=recording
    )
    try:
        with db.begin_nested():
            number.operators.append(operator)
            db.flush()
    except IntegrityError:  # a concurrent request added them first
        raise refused from None
    return operator


def remove_operator(db: Session, operator: NumberOperator) -> None:
    db.delete(operator)
