"""People: users with their role and member settings, panel sessions, API tokens."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow
from voiceapp.domain.roles import ROLES


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
        CheckConstraint("payout_factor >= 0 AND payout_factor <= 1", name="payout_factor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: e-mail addresses are compared case-insensitively.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)

    # Member settings (SPEC "Commissions and the team"): services.commissions acts on them.
    digistore_id: Mapped[str | None] = mapped_column(String(64))
    payout_factor: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("1"))
    manager_commission_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    can_receive_payouts: Mapped[bool] = mapped_column(default=False)
    can_approve_commissions: Mapped[bool] = mapped_column(default=False)
    can_set_affiliates: Mapped[bool] = mapped_column(default=False)
    can_change_affiliates: Mapped[bool] = mapped_column(default=False)
    # Payouts held: the member keeps earning, but no payout run includes them.
    payouts_held: Mapped[bool] = mapped_column(default=False)
    case_types: Mapped[list] = mapped_column(default=list)
    languages: Mapped[list] = mapped_column(default=list)
    # Reminders of cases falling due also by e-mail (always in the panel).
    notify_by_email: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Removed from the team: switched off and out of the members list, but kept, because
    # their calls, orders and commissions name them.
    removed_at: Mapped[datetime | None]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Set by the sign-in code so that Flask-Login stores the session's token, not the
    # user id, in the cookie: revoking the session row then really ends the session.
    session_token = None

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class UserSession(Base):
    """A signed-in panel session. The cookie carries only a random token; its hash is here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API, acting as its user with that user's role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the token, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
