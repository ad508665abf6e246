"""Database models, one module per aggregate. Importing this package registers them all."""

from voiceapp.models.contacts import Contact, ContactEmail, ContactEvent, ContactPhone
from voiceapp.models.orders import Order
from voiceapp.models.team import ApiToken, User, UserSession
from voiceapp.models.telephony import PhoneNumber

__all__ = [
    "ApiToken",
    "Contact",
    "ContactEmail",
    "ContactEvent",
    "ContactPhone",
    "Order",
    "PhoneNumber",
    "User",
    "UserSession",
]
