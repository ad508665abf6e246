"""Database models, one module per aggregate. Importing this package registers them all."""

from voiceapp.models.calls import (
    AgentPresence,
    Call,
    CallEvent,
    IvrSession,
    Recording,
    RecordingListen,
)
from voiceapp.models.contacts import Contact, ContactEmail, ContactEvent, ContactPhone
from voiceapp.models.orders import Order
from voiceapp.models.outbox import OutboxJob
from voiceapp.models.settings import TeamSettings
from voiceapp.models.team import ApiToken, User, UserSession
from voiceapp.models.telephony import NumberOperator, PhoneNumber

__all__ = [
    "AgentPresence",
    "ApiToken",
    "Call",
    "CallEvent",
    "Contact",
    "ContactEmail",
    "ContactEvent",
    "ContactPhone",
    "IvrSession",
    "NumberOperator",
    "Order",
    "OutboxJob",
    "PhoneNumber",
    "Recording",
    "RecordingListen",
    "TeamSettings",
    "User",
    "UserSession",
]
