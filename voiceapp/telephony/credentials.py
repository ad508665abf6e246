"""Which Twilio account the app uses: what an admin saved in the panel, else the
environment (TWILIO_* settings)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from voiceapp.services.team_settings import get_team_settings


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str | None
    auth_token: str | None
    api_key_sid: str | None
    api_key_secret: str | None
    twiml_app_sid: str | None
    api_base: str | None

    @property
    def can_sign(self) -> bool:
        return bool(self.auth_token)

    @property
    def can_issue_tokens(self) -> bool:
        return bool(
            self.account_sid and self.api_key_sid and self.api_key_secret and self.twiml_app_sid
        )


def current_credentials(db: Session) -> TwilioCredentials:
    env = current_app.config["VOICEAPP"]
    saved = get_team_settings(db)
    return TwilioCredentials(
        account_sid=saved.twilio_account_sid or env.twilio_account_sid,
        auth_token=saved.twilio_auth_token or env.twilio_auth_token,
        api_key_sid=saved.twilio_api_key_sid or env.twilio_api_key_sid,
        api_key_secret=saved.twilio_api_key_secret or env.twilio_api_key_secret,
        twiml_app_sid=saved.twilio_twiml_app_sid or env.twilio_twiml_app_sid,
        api_base=env.twilio_api_base,
    )
