"""Which TelephonyAdapter the app uses: twilio's Client by default; tests install a fake
by putting a factory in app.extensions["voiceapp.telephony_factory"]."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from voiceapp.telephony.adapter import TelephonyAdapter, TelephonyError, TwilioAdapter
from voiceapp.telephony.credentials import TwilioCredentials, current_credentials


def twilio_factory(creds: TwilioCredentials) -> TelephonyAdapter:
    if not creds.account_sid or not creds.auth_token:
        raise TelephonyError(
            "the Twilio account is not configured: an admin sets the Account SID and Auth "
            "Token under Telephony settings (or TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)"
        )
    return TwilioAdapter(creds.account_sid, creds.auth_token, creds.api_base)


def telephony_adapter(db: Session) -> TelephonyAdapter:
    factory = current_app.extensions.get("voiceapp.telephony_factory", twilio_factory)
    return factory(current_credentials(db))
