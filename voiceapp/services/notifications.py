"""A user's notifications (cases falling due ...): the list, unread first, the unread
count for the panel's badge, and marking them read. Only ever the user's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voiceapp.models import Notification, User


def list_notifications(
    db: Session, user: User, *, unread_only: bool = False, page: int = 1, per_page: int = 50
) -> tuple[list[Notification], int]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    items = db.scalars(
        query.order_by(Notification.read_at.is_not(None), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total or 0


def unread_count(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    db: Session, user: User, notification_id: int, *, now: datetime
) -> Notification | None:
    """The user's notification, marked read (the first read time is kept); None when it
    does not exist or belongs to someone else."""
    notification = db.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = now
    return notification


def mark_all_read(db: Session, user: User, *, now: datetime) -> int:
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount


def mark_case_notifications_read(db: Session, case_id: int, kind: str, *, now: datetime) -> int:
    """Everyone's unread notifications of `kind` about the case, marked read: once the
    case is worked, "case due" is old news and the badge must go down."""
    result = db.execute(
        update(Notification)
        .where(
            Notification.case_id == case_id,
            Notification.kind == kind,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
    )
    return result.rowcount
