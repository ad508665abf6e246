"""Adding several members at once (the panel's "Add several"): the preview's plan over
the members in the database, and saving it in the caller's transaction, with an
invitation e-mail to each new member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.member_import import (
    SETTING_LABELS,
    BadLine,
    Person,
    Plan,
    name_from_email,
    plan_additions,
)
from voiceapp.models import User
from voiceapp.services.accounts import create_user
from voiceapp.services.invitations import invitation_token, send_invitation


def _existing(db: Session, emails: list[str]) -> dict[str, dict]:
    if not emails:
        return {}
    rows = db.scalars(select(User).where(User.email.in_(emails)))
    return {
        u.email: {
            "name": u.name,
            "removed": u.removed_at is not None,
            **{key: getattr(u, key) for key in SETTING_LABELS},
        }
        for u in rows
    }


def plan(
    db: Session,
    read: list[Person | BadLine],
    *,
    settings: dict,
    overwrite: bool,
    acting: User,
) -> Plan:
    """What saving would do now (nothing is written)."""
    emails = [p.email for p in read if isinstance(p, Person)]
    return plan_additions(
        read,
        existing=_existing(db, emails),
        settings=settings,
        overwrite=overwrite,
        acting_email=acting.email,
    )


def save(
    db: Session,
    the_plan: Plan,
    *,
    acting: User,
    link_for: Callable[[str], str],
    secret_key: str,
    team_name: str,
    now: datetime,
) -> tuple[int, int]:
    """Create the new members (no password: each is sent an invitation) and give the
    changed ones their new settings; flushes, never commits. Returns (added, changed)."""
    for person, settings in the_plan.new:
        user = create_user(
            db,
            email=person.email,
            name=person.name or name_from_email(person.email),
            **settings,
        )
        link = link_for(invitation_token(user, secret_key=secret_key))
        send_invitation(db, user, invited_by=acting, link=link, team_name=team_name, now=now)
    if the_plan.changed:
        by_email = {
            u.email: u
            for u in db.scalars(
                select(User).where(User.email.in_([p.email for p, _c in the_plan.changed]))
            )
        }
        for person, changes in the_plan.changed:
            user = by_email[person.email]
            for change in changes:
                setattr(user, change.setting, change.after)
    db.flush()
    return len(the_plan.new), len(the_plan.changed)
