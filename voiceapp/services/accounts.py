"""Users, panel sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.roles import ROLES
from voiceapp.models import ApiToken, User, UserSession
from voiceapp.security import hash_password, new_token, password_problem, token_hash


class AccountError(ValueError):
    """A user-facing reason an account operation was refused."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    db: Session, *, email: str, name: str, role: str, password: str | None = None, **settings
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise AccountError("a name is required")
    if find_user_by_email(db, email) is not None:
        raise AccountError(f"a user with the e-mail {email} already exists")
    user = User(email=email, name=name.strip(), role=role, **settings)
    if password is not None:
        set_password(user, password)
    db.add(user)
    db.flush()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)


# --- panel sessions -------------------------------------------------------------------


def start_session(
    db: Session, user: User, *, now: datetime, ip_address: str | None, user_agent: str | None
) -> str:
    """Open a new session row and return its token (to be stored in the signed cookie)."""
    token = new_token("s")
    db.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    user.last_login_at = now
    user.session_token = token
    db.flush()
    return token


@dataclass
class ResolvedSession:
    user: User
    session: UserSession


def resolve_session(
    db: Session, token: str, *, now: datetime, idle_timeout: timedelta
) -> ResolvedSession | None:
    row = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle_timeout:
        row.ended_at = now
        return None
    user = row.user
    if not user.active:
        return None
    # Written at most once a minute, so a busy agent does not cause a write per request.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    user.session_token = token
    return ResolvedSession(user=user, session=row)


def end_session(db: Session, token: str, *, now: datetime) -> None:
    row = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = now


def end_all_sessions(db: Session, user: User, *, now: datetime) -> None:
    for row in db.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ):
        row.ended_at = now


# --- API tokens -----------------------------------------------------------------------


def create_api_token(db: Session, user: User, *, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Return the stored row and the token itself, which is never stored or shown again."""
    name = (name or "").strip() or "API token"
    token = new_token("va")
    row = ApiToken(
        user_id=user.id,
        name=name[:100],
        prefix=token[:10],
        token_hash=token_hash(token),
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row, token


def resolve_api_token(db: Session, token: str, *, now: datetime) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


def revoke_api_token(db: Session, user: User, token_id: int, *, now: datetime) -> bool:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True
