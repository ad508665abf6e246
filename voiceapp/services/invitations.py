"""Invitations: a member added without a password gets an e-mail with a signed link
(itsdangerous, SECRET_KEY, valid 7 days) to a page where they choose one.

The link works once: it carries a fingerprint of the member's password hash as it was
when the link was made (none yet), so once a password is set the same link no longer
matches. A removed or switched-off member's link does not work either.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from voiceapp.models import User
from voiceapp.services.accounts import set_password
from voiceapp.services.emails import queue_email

VALID_FOR = timedelta(days=7)
SALT = "voiceapp.member-invitation"
PURPOSE = "invitation"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def invitation_token(user: User, *, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"u": user.id, "p": _fingerprint(user)})


def invited_member(db: Session, token: str, *, secret_key: str) -> User | None:
    """The member this link invites, or None when it is forged, older than VALID_FOR,
    already used (a password was set since) or the member is no longer active."""
    try:
        data = _serializer(secret_key).loads(token, max_age=int(VALID_FOR.total_seconds()))
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.get(User, data["u"])
    if user is None or not user.active or user.removed_at is not None:
        return None
    return user if data.get("p") == _fingerprint(user) else None


def accept_invitation(db: Session, user: User, password: str) -> None:
    """Set the invited member's password (AccountError when it is too weak); the link
    stops working with it."""
    set_password(user, password)
    db.flush()


def send_invitation(
    db: Session, user: User, *, invited_by: User, link: str, team_name: str, now: datetime
) -> None:
    """Queue the invitation e-mail, in the caller's transaction (it goes out once the
    transaction commits, through the outbox)."""
    days = VALID_FOR.days
    body = (
        f"Hello {user.name},\n\n"
        f"{invited_by.name} has added you to {team_name} on voiceapp.\n"
        f"Choose your password here (the link works once, for {days} days):\n\n"
        f"{link}\n\n"
        f"Then sign in with your e-mail address, {user.email}.\n"
    )
    queue_email(
        db,
        to=user.email,
        subject=f"You are invited to {team_name} on voiceapp",
        body_text=body,
        purpose=PURPOSE,
        now=now,
    )
