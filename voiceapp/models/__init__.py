"""Database models, one module per aggregate. Importing this package registers them all.
Imports only voiceapp.db (Base, column types) and voiceapp.domain."""

from voiceapp.models.calls import (
    AgentPresence,
    Call,
    CallEvent,
    CallHourMark,
    CallHourTotal,
    CallReview,
    IvrSession,
    Recording,
    RecordingListen,
)
from voiceapp.models.cases import Case, CaseEvent, CaseFile
from voiceapp.models.commissions import Commission, CommissionDecision, Payout, PayoutRun
from voiceapp.models.contacts import Contact, ContactEmail, ContactEvent, ContactPhone
from voiceapp.models.mail import EmailTemplate, Notification, OutgoingEmail
from voiceapp.models.mandates import SepaMandate
from voiceapp.models.orders import (
    CustomerNote,
    InstalmentReminder,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
)
from voiceapp.models.outbox import OutboxJob
from voiceapp.models.products import Product
from voiceapp.models.requests import (
    Quote,
    Request,
    RequestEvent,
    RequestForm,
    RequestLabel,
    RequestMessage,
    RequestNote,
    Subscription,
)
from voiceapp.models.settings import TeamSettings
from voiceapp.models.tasks import Task
from voiceapp.models.team import ApiToken, User, UserSession
from voiceapp.models.telephony import NumberOperator, PhoneNumber

__all__ = [
    "AgentPresence",
    "ApiToken",
    "Call",
    "CallEvent",
    "CallHourMark",
    "CallHourTotal",
    "CallReview",
    "Case",
    "CaseEvent",
    "CaseFile",
    "Commission",
    "CommissionDecision",
    "Contact",
    "ContactEmail",
    "ContactEvent",
    "ContactPhone",
    "CustomerNote",
    "EmailTemplate",
    "InstalmentReminder",
    "IvrSession",
    "Notification",
    "NumberOperator",
    "Order",
    "OrderEvent",
    "OrderItem",
    "OutboxJob",
    "OutgoingEmail",
    "Payment",
    "Payout",
    "PayoutRun",
    "PhoneNumber",
    "Product",
    "Quote",
    "Recording",
    "RecordingListen",
    "Request",
    "RequestEvent",
    "RequestForm",
    "RequestLabel",
    "RequestMessage",
    "RequestNote",
    "SepaMandate",
    "Subscription",
    "Task",
    "TeamSettings",
    "User",
    "UserSession",
]
