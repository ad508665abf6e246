"""Voice access tokens for the browser softphone."""

from __future__ import annotations

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from voiceapp.telephony.credentials import TwilioCredentials

TOKEN_TTL_SECONDS = 3600  # Twilio's default; the SDK's tokenWillExpire asks for a new one


def voice_access_token(
    creds: TwilioCredentials, identity: str, ttl: int = TOKEN_TTL_SECONDS
) -> str:
    token = AccessToken(
        creds.account_sid,
        creds.api_key_sid,
        creds.api_key_secret,
        identity=identity,
        ttl=ttl,
    )
    token.add_grant(VoiceGrant(outgoing_application_sid=creds.twiml_app_sid, incoming_allow=True))
    jwt = token.to_jwt()
    return jwt.decode() if isinstance(jwt, bytes) else jwt
