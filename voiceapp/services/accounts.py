"""Users, panel sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from voiceapp.domain.roles import ADMIN, ROLES
from voiceapp.models import ApiToken, User, UserSession
from voiceapp.precompiled import Precompiled, attached
from voiceapp.security import (
    hash_password,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)
from voiceapp.services import team_settings


class AccountError(ValueError):
    """A user-facing reason an account operation was refused; `field` names the form field
    it concerns, when one does."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# What an admin may set on a member besides name, e-mail, role and password.
MEMBER_SETTINGS = frozenset(
    {
        "active",
        "digistore_id",
        "payout_factor",
        "manager_commission_percent",
        "can_receive_payouts",
        "can_approve_commissions",
        "can_set_affiliates",
        "can_change_affiliates",
        "payouts_held",
        "notify_by_email",
        "case_types",
        "languages",
    }
)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def check_sign_in(db: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password (switched off or not), else None.

    Exactly one Argon2 hash is verified whatever the e-mail: an unknown e-mail (or an
    account without a password) is checked against a dummy hash, so a wrong e-mail and a
    wrong password take the same time and the delay does not tell which accounts exist."""
    user = find_user_by_email(db, email)
    password_hash = user.password_hash if user is not None else None
    return user if verify_password(password_hash, password) else None


def get_user(db: Session, user_id: int | None) -> User | None:
    return db.get(User, user_id) if user_id is not None else None


def all_members(db: Session) -> list[User]:
    """Everyone, active members first, by name (the members list and the calls filter)."""
    return list(db.scalars(select(User).order_by(User.active.desc(), User.name)))


def team_members(db: Session, *, removed: bool = False) -> list[User]:
    """The members list: the team, active members first, by name; or, with `removed`,
    those removed from it (kept because their calls, orders and commissions name them)."""
    kept = User.removed_at.is_not(None) if removed else User.removed_at.is_(None)
    return list(db.scalars(select(User).where(kept).order_by(User.active.desc(), User.name)))


def active_members(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.active).order_by(User.name)))


def users_by_id(db: Session, ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


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


def update_member(
    db: Session,
    user: User,
    *,
    acting: User,
    name: str,
    email: str,
    role: str,
    password: str | None,
    settings: dict,
    now: datetime,
) -> None:
    """An admin's edit of a member. Refused (AccountError naming the field) when the e-mail
    is another member's, or when admins would remove their own rights or switch themselves
    off. Switching a member off or changing the password ends every open session."""
    email = normalize_email(email)
    other = find_user_by_email(db, email)
    if other is not None and other.id != user.id:
        raise AccountError("another member has this e-mail", field="email")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", field="role")
    if user.removed_at is not None and settings.get("active"):
        raise AccountError("removed from the team: a removed member stays switched off", "active")
    if user.id == acting.id and (role != ADMIN or not settings.get("active", user.active)):
        raise AccountError(
            "you cannot remove your own admin rights or switch yourself off", field="role"
        )
    if password:
        try:
            set_password(user, password)
        except AccountError as exc:
            raise AccountError(str(exc), field="password") from None
    user.name = name.strip()
    user.email = email
    user.role = role
    for key, value in settings.items():
        if key not in MEMBER_SETTINGS:
            raise ValueError(f"not a member setting: {key}")
        setattr(user, key, value)
    if not user.active or password:
        end_all_sessions(db, user, now=now)


def remove_member(db: Session, user: User, *, acting: User, now: datetime) -> None:
    """Take a member out of the team: switched off, signed out everywhere, every API token
    revoked. The row stays, so their calls, orders and commissions still name them."""
    if user.id == acting.id:
        raise AccountError("you cannot remove yourself from the team")
    if user.removed_at is not None:
        return
    user.removed_at = now
    user.active = False
    end_all_sessions(db, user, now=now)
    for token in db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
    db.flush()


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


def purge_sessions(db: Session, *, before: datetime) -> int:
    """Delete panel sessions that ended, or were last seen, before `before`."""
    result = db.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < before, UserSession.last_seen_at < before)
        )
    )
    return result.rowcount


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


def api_tokens_of(db: Session, user: User) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


@lru_cache(maxsize=4)
def _api_token_query(dialect: Dialect) -> tuple[Precompiled, tuple[str, ...]]:
    """The token's state, its user's every column and the team settings row (nearly every
    API request reads them next: a round trip saved), in one statement on the unique
    token_hash index, compiled once per dialect; and the users' attribute names, in the
    order of their columns."""
    user_attributes = tuple(User.__mapper__.column_attrs)
    settings = team_settings.settings_columns()
    statement = (
        select(
            ApiToken.id,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            *(attribute.columns[0] for attribute in user_attributes),
            *settings,
        )
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(settings[0].table, team_settings.settings_join_condition())
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )
    return Precompiled(statement, dialect), tuple(a.key for a in user_attributes)


def resolve_api_token(db: Session, token: str, *, now: datetime) -> User | None:
    """The token's user, attached to `db`, from one statement on the unique token_hash
    index that reads the token and the user together. Every API request pays for it:
    the ORM's version (a query with the user joined) cost ten times the statement. Never
    cached: a token revoked, or a member deactivated, fails the very next request."""
    connection = db.connection()
    query, user_keys = _api_token_query(connection.dialect)
    rows = query.run(connection, {"token_hash": token_hash(token)})
    if not rows:
        return None
    token_id, revoked_at, last_used_at, *values = rows[0]
    if revoked_at is not None:
        return None
    user_values, settings_values = values[: len(user_keys)], values[len(user_keys) :]
    team_settings.adopt_settings_row(db, settings_values)
    user = attached(db, User, dict(zip(user_keys, user_values, strict=True)))
    if not user.active:
        return None
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        # Through the ORM (the caller commits what is dirty), once a minute at most.
        db.get(ApiToken, token_id).last_used_at = now
    return user


def revoke_api_token(db: Session, user: User, token_id: int, *, now: datetime) -> bool:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True
