"""An agent's browser identity at Twilio (the Voice SDK's `identity`, `client:agent_12`).

Used by the calls and outbound services, the token endpoint, the IVR's ringing and the
simulator, so it lives here at the bottom rather than in the IVR.
"""

from __future__ import annotations


def client_identity(user_id: int) -> str:
    """Twilio client identities allow letters, digits and underscore only (TWILIO.md)."""
    return f"agent_{user_id}"


def user_id_from_identity(identity: str) -> int | None:
    """agent_12 or client:agent_12 -> 12; anything else -> None."""
    name = identity.removeprefix("client:")
    prefix, _, number = name.partition("_")
    if prefix != "agent" or not number.isdigit():
        return None
    return int(number)
